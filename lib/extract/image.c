/*
 * image.c - still images (JPEG, PNG, TIFF, GIF, BMP, WebP): their metadata
 * as node props, never their pixels.
 *
 * Width and height come from each format's own header, read here with
 * bounds checks (leptonica's pixReadHeaderMem decodes a whole GIF to learn
 * its size, and nothing of an image is decoded for display or text here);
 * TIFF's directories are walked for the page count, the compression of the
 * first page, and the baseline tags of a scanner (make, model, software,
 * artist, date).  Declared dimensions beyond IMG_MAX_PIXELS are recorded
 * as a "limit" error: whatever later renders or OCRs the image must not
 * allocate them.
 *
 * Metadata comes from three blocks, each optional, the first to give a
 * key wins: EXIF (camera, date taken, GPS, software, artist, orientation),
 * XMP (the same in RDF, plus title, description, keywords) and IPTC IIM
 * (title, by-line, caption, keywords, date created).
 *
 * Library choice: libexif for EXIF, libxml2 (already linked for XML) for
 * XMP, and a small bounded reader here for IPTC.  gexiv2 would cover all
 * three over exiv2, but exiv2 is C++ with a long record of crashes,
 * uncontrolled recursion and huge allocations on crafted files, has no way
 * to cancel a parse, and parses far more of each file than the few tags
 * kept here; gexiv2 turns its exceptions into GErrors but cannot make an
 * abort or a hang recoverable.  libexif is small C, reads one EXIF block
 * of at most 64 KiB (the JPEG APP1 limit, which it enforces), and its past
 * CVEs were memory-safety bugs since fixed in the Debian package; libxml2
 * is run with the same hardening as xml.c (no network, no DTD loading, no
 * entity substitution).  The price: libexif cannot reach an EXIF directory
 * beyond the first 64 KiB of a TIFF file (scanners write the directory
 * after the pixels), so for TIFF the baseline tags are also read here from
 * the first directory, wherever it is.
 *
 * Prop keys (docs/archive.md): width, height, pages, compression,
 * orientation, camera_make, camera_model, created (date taken), modified,
 * creator (software), author, title, subject, description, comment,
 * keywords, copyright, gps_latitude, gps_longitude, gps_altitude.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "extract/extract.h"

/* Declared pixels beyond this are a "limit" error (2^28: 16384 x 16384). */
#define IMG_MAX_PIXELS (1ull << 28)
#define IMG_MAX_PAGES 100000   /* TIFF directories counted */
#define IMG_MAX_XMP (4u << 20) /* bytes of one XMP packet parsed */
#define IMG_MAX_VALUE 4096     /* bytes of one text value kept */

struct img {
	tw_node *node;
	uint64_t width, height; /* from the format header; 0 when unknown */
	long pages;
	const char *compression;
	/* blocks found, pointing into the input */
	const unsigned char *exif, *xmp, *iptc;
	size_t exif_len, xmp_len, iptc_len;
	int exif_raw;  /* exif points at a TIFF header, not "Exif\0\0" */
};

/* ---------------------------------------------------------------- helpers */

static uint32_t be16(const unsigned char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t le16(const unsigned char *p) { return (uint32_t)p[1] << 8 | p[0]; }
static uint32_t be32(const unsigned char *p) { return be16(p) << 16 | be16(p + 2); }
static uint32_t le32(const unsigned char *p) { return le16(p + 2) << 16 | le16(p); }

static const char *get_prop(const tw_node *n, const char *key)
{
	size_t i;

	for (i = 0; i < n->nprops; i++)
		if (!strcmp(n->props[i].key, key))
			return n->props[i].value;
	return NULL;
}

static int has_prop(const tw_node *n, const char *key)
{
	return get_prop(n, key) != NULL;
}

/* A text value of `len` bytes: cut at the first NUL, trimmed, as UTF-8
 * (Latin-1 when it is not UTF-8, as old IPTC and EXIF writers did).  The
 * first block to give a key wins (EXIF, then XMP, then IPTC). */
static void prop_text(tw_node *n, const char *key, const void *data, size_t len)
{
	const char *s = data, *z = memchr(s, 0, len), *old;
	char *v;

	if (z)
		len = (size_t)(z - s);
	if (len > IMG_MAX_VALUE)
		len = IMG_MAX_VALUE;
	while (len && (unsigned char)s[len - 1] <= ' ')
		len--;
	while (len && (unsigned char)*s <= ' ') {
		s++;
		len--;
	}
	if (!len)
		return;
	old = get_prop(n, key);
	/* A value already given wins, unless a writer replaced its letters by
	 * "?" (EXIF is ASCII: a Cyrillic copyright there often reads "(c)
	 * ?????? ????") and this block has them. */
	if (old && (!strstr(old, "??") || memchr(s, '?', len)))
		return;
	if (tw_utf8_valid_prefix(s, len) == len)
		v = tw_strndup(s, len);
	else
		v = tw_to_utf8(s, len, "WINDOWS-1252", NULL);
	if (v && *v)
		tw_node_prop(n, key, v);
	free(v);
}

/* "YYYY:MM:DD HH:MM:SS" (EXIF) or "YYYY-MM-DDTHH:MM:SS[.frac][zone]"
 * (XMP, ISO 8601) as ISO 8601 UTC when a zone is given (in the value or
 * in `zone`, EXIF's "+HH:MM" offset tags); the value as written when the
 * zone is unknown, since guessing one would state a false instant. */
static void prop_date(tw_node *n, const char *key, const char *value, const char *zone)
{
	int y, mo, d, h = 0, mi = 0, s = 0, zh, zm, k = 0;
	char iso[32], sign = 0;
	const char *p;

	if (!value || !*value || has_prop(n, key))
		return;
	if (sscanf(value, "%4d%*1[-:]%2d%*1[-:]%2d%n", &y, &mo, &d, &k) != 3 || !k) {
		/* Cameras without a clock write "    :  :     " or zeros. */
		if (strpbrk(value, "123456789"))
			prop_text(n, key, value, strlen(value));
		return;
	}
	if (y <= 0)
		return;
	p = value + k;
	if (*p == 'T' || *p == ' ') {
		k = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) == 2 && k) {
			p += 1 + k;
			if (*p == ':' && sscanf(p + 1, "%2d%n", &s, &k) == 1)
				p += 1 + k;
			while (*p == '.' || (*p >= '0' && *p <= '9'))
				p++;
		}
	}
	if (!*p && zone && *zone)
		p = zone;
	if (*p == 'Z') {
		sign = '+';
		zh = zm = 0;
	} else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &zh, &zm) == 2) {
		sign = *p;
	}
	if (sign && y > 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 &&
	    tw_utc_iso(y, mo, d, h, mi, s, (sign == '-' ? -1 : 1) * (zh * 60 + zm), iso) == 0)
		tw_node_prop(n, key, iso);
	else
		prop_text(n, key, value, strlen(value));
}

static void prop_coord(tw_node *n, const char *key, double v, int digits)
{
	char buf[64];

	if (has_prop(n, key) || v != v || v > 1e7 || v < -1e7)
		return;
	snprintf(buf, sizeof(buf), "%.*f", digits, v);
	tw_node_prop(n, key, buf);
}

/* ---------------------------------------------------------------- EXIF */

static ExifEntry *exif_get(ExifData *d, ExifIfd ifd, ExifTag tag)
{
	return d->ifd[ifd] ? exif_content_get_entry(d->ifd[ifd], tag) : NULL;
}

static void exif_text(tw_node *n, ExifData *d, ExifIfd ifd, ExifTag tag, const char *key)
{
	ExifEntry *e = exif_get(d, ifd, tag);

	if (e && e->data && (e->format == EXIF_FORMAT_ASCII || e->format == EXIF_FORMAT_UNDEFINED ||
			     e->format == EXIF_FORMAT_BYTE))
		prop_text(n, key, e->data, e->size);
}

/* An ASCII entry as a NUL-terminated string in buf ("" when absent). */
static const char *exif_str(ExifData *d, ExifIfd ifd, ExifTag tag, char *buf, size_t cap)
{
	ExifEntry *e = exif_get(d, ifd, tag);
	size_t k;

	buf[0] = 0;
	if (e && e->data && e->format == EXIF_FORMAT_ASCII) {
		k = e->size < cap - 1 ? e->size : cap - 1;
		memcpy(buf, e->data, k);
		buf[k] = 0;
	}
	return buf;
}

static int exif_uint(ExifData *d, ExifIfd ifd, ExifTag tag, unsigned long *out)
{
	ExifEntry *e = exif_get(d, ifd, tag);
	ExifByteOrder o = exif_data_get_byte_order(d);

	if (!e || !e->data || e->components < 1)
		return -1;
	if (e->format == EXIF_FORMAT_SHORT && e->size >= 2)
		*out = exif_get_short(e->data, o);
	else if (e->format == EXIF_FORMAT_LONG && e->size >= 4)
		*out = exif_get_long(e->data, o);
	else if (e->format == EXIF_FORMAT_BYTE && e->size >= 1)
		*out = e->data[0];
	else
		return -1;
	return 0;
}

static double rational(const unsigned char *p, ExifByteOrder o)
{
	ExifRational r = exif_get_rational(p, o);

	return r.denominator ? (double)r.numerator / r.denominator : 0.0 / 0.0;
}

/* Degrees, minutes, seconds with a hemisphere letter, signed. */
static int exif_gps(ExifData *d, ExifTag tag, ExifTag ref, double *out)
{
	ExifEntry *e = exif_get(d, EXIF_IFD_GPS, tag);
	ExifByteOrder o = exif_data_get_byte_order(d);
	char r[8];
	double v;

	if (!e || !e->data || e->format != EXIF_FORMAT_RATIONAL || e->components < 1)
		return -1;
	v = rational(e->data, o);
	if (e->components >= 3 && e->size >= 24)
		v += rational(e->data + 8, o) / 60 + rational(e->data + 16, o) / 3600;
	exif_str(d, EXIF_IFD_GPS, ref, r, sizeof(r));
	if (r[0] == 'S' || r[0] == 's' || r[0] == 'W' || r[0] == 'w')
		v = -v;
	*out = v;
	return v == v ? 0 : -1;
}

/* Windows Explorer's XP tags (IFD0, UTF-16LE in BYTE entries). */
static void exif_xp(tw_node *n, ExifData *d, unsigned tag, const char *key)
{
	ExifEntry *e = exif_get(d, EXIF_IFD_0, (ExifTag)tag);
	size_t l;
	char *v;

	if (!e || !e->data || e->size < 2 || has_prop(n, key))
		return;
	l = e->size & ~(size_t)1;
	if (l > IMG_MAX_VALUE)
		l = IMG_MAX_VALUE;
	v = tw_to_utf8((const char *)e->data, l, "UTF-16LE", NULL);
	if (v)
		prop_text(n, key, v, strlen(v));
	free(v);
}

/* UserComment: an 8-byte character code, then the text. */
static void exif_comment(tw_node *n, ExifData *d)
{
	ExifEntry *e = exif_get(d, EXIF_IFD_EXIF, EXIF_TAG_USER_COMMENT);
	char *v;

	if (!e || !e->data || e->size <= 8 || has_prop(n, "comment"))
		return;
	if (!memcmp(e->data, "ASCII\0\0\0", 8) || !memcmp(e->data, "\0\0\0\0\0\0\0\0", 8)) {
		prop_text(n, "comment", e->data + 8, e->size - 8);
	} else if (!memcmp(e->data, "UNICODE\0", 8)) {
		v = tw_to_utf8((const char *)e->data + 8, (e->size - 8) & ~1u,
			       exif_data_get_byte_order(d) == EXIF_BYTE_ORDER_MOTOROLA ? "UTF-16BE"
										 : "UTF-16LE",
			       NULL);
		if (v)
			prop_text(n, "comment", v, strlen(v));
		free(v);
	}
}

static void exif_read(struct img *im, const unsigned char *data, size_t len)
{
	ExifData *d = exif_data_new();
	ExifEntry *e;
	tw_node *n = im->node;
	char a[64], z[16];
	unsigned long u;
	double v;
	unsigned char *copy = NULL;

	if (!d)
		return;
	/* Taken as written: no entries added or "fixed" to the standard, and
	 * tags the standard does not place in an IFD (Windows' XP tags) kept. */
	exif_data_unset_option(d, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_unset_option(d, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
	if (im->exif_raw) {
		/* libexif wants the "Exif\0\0" prefix of the JPEG APP1 block. */
		if (len > 0xfff0)
			len = 0xfff0;
		copy = tw_malloc(len + 6);
		if (!copy) {
			exif_data_unref(d);
			return;
		}
		memcpy(copy, "Exif\0\0", 6);
		memcpy(copy + 6, data, len);
		data = copy;
		len += 6;
	}
	exif_data_load_data(d, data, (unsigned int)len);
	exif_text(n, d, EXIF_IFD_0, EXIF_TAG_MAKE, "camera_make");
	exif_text(n, d, EXIF_IFD_0, EXIF_TAG_MODEL, "camera_model");
	prop_date(n, "created", exif_str(d, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, a, sizeof(a)),
		  exif_str(d, EXIF_IFD_EXIF, 0x9011 /* OffsetTimeOriginal */, z, sizeof(z)));
	if (!has_prop(n, "created"))
		prop_date(n, "created",
			  exif_str(d, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_DIGITIZED, a, sizeof(a)),
			  exif_str(d, EXIF_IFD_EXIF, 0x9012 /* OffsetTimeDigitized */, z, sizeof(z)));
	prop_date(n, "modified", exif_str(d, EXIF_IFD_0, EXIF_TAG_DATE_TIME, a, sizeof(a)),
		  exif_str(d, EXIF_IFD_EXIF, 0x9010 /* OffsetTime */, z, sizeof(z)));
	exif_text(n, d, EXIF_IFD_0, EXIF_TAG_SOFTWARE, "creator");
	exif_text(n, d, EXIF_IFD_0, EXIF_TAG_ARTIST, "author");
	exif_text(n, d, EXIF_IFD_0, EXIF_TAG_IMAGE_DESCRIPTION, "description");
	exif_text(n, d, EXIF_IFD_0, EXIF_TAG_COPYRIGHT, "copyright");
	exif_xp(n, d, 0x9c9b, "title");
	exif_xp(n, d, 0x9c9d, "author");
	exif_xp(n, d, 0x9c9e, "keywords");
	exif_xp(n, d, 0x9c9f, "subject");
	exif_xp(n, d, 0x9c9c, "comment");
	exif_comment(n, d);
	if (exif_uint(d, EXIF_IFD_0, EXIF_TAG_ORIENTATION, &u) == 0 && u >= 1 && u <= 8 &&
	    !has_prop(n, "orientation"))
		tw_node_propf(n, "orientation", "%lu", u);
	if (exif_gps(d, EXIF_TAG_GPS_LATITUDE, EXIF_TAG_GPS_LATITUDE_REF, &v) == 0 &&
	    v >= -90 && v <= 90) {
		prop_coord(n, "gps_latitude", v, 6);
		if (exif_gps(d, EXIF_TAG_GPS_LONGITUDE, EXIF_TAG_GPS_LONGITUDE_REF, &v) == 0 &&
		    v >= -180 && v <= 180)
			prop_coord(n, "gps_longitude", v, 6);
	}
	e = exif_get(d, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE);
	if (e && e->data && e->format == EXIF_FORMAT_RATIONAL && e->size >= 8) {
		v = rational(e->data, exif_data_get_byte_order(d));
		if (exif_uint(d, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE_REF, &u) == 0 && u == 1)
			v = -v; /* below sea level */
		prop_coord(n, "gps_altitude", v, 1);
	}
	/* The pixel size a camera states, for formats whose header gave none. */
	if (!im->width && exif_uint(d, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION, &u) == 0)
		im->width = u;
	if (!im->height && exif_uint(d, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION, &u) == 0)
		im->height = u;
	exif_data_unref(d);
	free(copy);
}

/* ---------------------------------------------------------------- XMP */

static const char NS_DC[] = "http://purl.org/dc/elements/1.1/";
static const char NS_XMP[] = "http://ns.adobe.com/xap/1.0/";
static const char NS_PS[] = "http://ns.adobe.com/photoshop/1.0/";
static const char NS_TIFF[] = "http://ns.adobe.com/tiff/1.0/";
static const char NS_EXIF[] = "http://ns.adobe.com/exif/1.0/";
static const char NS_RDF[] = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

static const struct xmp_map {
	const char *ns, *name, *key;
	int date;
} xmp_map[] = {
	{NS_DC, "title", "title", 0},
	{NS_DC, "creator", "author", 0},
	{NS_DC, "description", "description", 0},
	{NS_DC, "subject", "keywords", 0},
	{NS_DC, "rights", "copyright", 0},
	{NS_EXIF, "DateTimeOriginal", "created", 1},
	{NS_PS, "DateCreated", "created", 1},
	{NS_XMP, "CreateDate", "created", 1},
	{NS_XMP, "ModifyDate", "modified", 1},
	{NS_XMP, "CreatorTool", "creator", 0},
	{NS_TIFF, "Make", "camera_make", 0},
	{NS_TIFF, "Model", "camera_model", 0},
	{NS_TIFF, "Artist", "author", 0},
	{NS_TIFF, "Orientation", "orientation", 0},
	{NS_TIFF, "Software", "creator", 0},
};

/* XMP's GPS form: "DDD,MM.mmmk" or "DDD,MM,SSk" with k one of NSEW. */
static void xmp_gps(tw_node *n, const char *key, const char *s, double lim)
{
	double deg = 0, min = 0, sec = 0;
	size_t l = strlen(s);
	char k = l ? s[l - 1] : 0;
	int got = sscanf(s, "%lf,%lf,%lf", &deg, &min, &sec);

	if (got < 2)
		return;
	deg += min / 60 + sec / 3600;
	if (k == 'S' || k == 'W')
		deg = -deg;
	if (deg >= -lim && deg <= lim)
		prop_coord(n, key, deg, 6);
}

/* The value of a property element: its text, or the texts of the rdf:li
 * items of its Alt, Bag or Seq joined with "; ". */
static void xmp_value(xmlNode *e, tw_buf *out)
{
	xmlNode *c, *li;
	xmlChar *t;

	for (c = e->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || !c->ns || strcmp((const char *)c->ns->href, NS_RDF))
			continue;
		for (li = c->children; li; li = li->next) {
			if (li->type != XML_ELEMENT_NODE || strcmp((const char *)li->name, "li"))
				continue;
			t = xmlNodeGetContent(li);
			if (t && *t) {
				if (out->len)
					tw_buf_puts(out, "; ");
				tw_buf_puts(out, (const char *)t);
			}
			xmlFree(t);
		}
		return;
	}
	t = xmlNodeGetContent(e);
	if (t)
		tw_buf_puts(out, (const char *)t);
	xmlFree(t);
}

static void xmp_prop(tw_node *n, const xmlChar *ns, const xmlChar *name, const char *v)
{
	size_t i;

	if (!ns || !v || !*v)
		return;
	if (!strcmp((const char *)ns, NS_EXIF)) {
		if (!strcmp((const char *)name, "GPSLatitude"))
			xmp_gps(n, "gps_latitude", v, 90);
		else if (!strcmp((const char *)name, "GPSLongitude"))
			xmp_gps(n, "gps_longitude", v, 180);
	}
	for (i = 0; i < TW_ARRAY_LEN(xmp_map); i++) {
		if (strcmp((const char *)ns, xmp_map[i].ns) || strcmp((const char *)name, xmp_map[i].name))
			continue;
		if (xmp_map[i].date)
			prop_date(n, xmp_map[i].key, v, NULL);
		else
			prop_text(n, xmp_map[i].key, v, strlen(v));
	}
}

static void xmp_walk(tw_node *n, xmlNode *e, int depth)
{
	xmlAttr *a;
	tw_buf v;

	for (; e && depth < 64; e = e->next) {
		if (e->type != XML_ELEMENT_NODE)
			continue;
		/* rdf:Description may carry simple properties as attributes. */
		for (a = e->properties; a; a = a->next) {
			xmlChar *t = xmlNodeGetContent((xmlNode *)a);

			if (a->ns)
				xmp_prop(n, a->ns->href, a->name, (const char *)t);
			xmlFree(t);
		}
		if (e->ns && strcmp((const char *)e->ns->href, NS_RDF) &&
		    strcmp((const char *)e->ns->href, "adobe:ns:meta/")) {
			tw_buf_init(&v, IMG_MAX_VALUE);
			xmp_value(e, &v);
			xmp_prop(n, e->ns->href, e->name, v.data);
			tw_buf_release(&v);
		} else {
			xmp_walk(n, e->children, depth + 1);
		}
	}
}

static void xmp_read(struct img *im)
{
	xmlDoc *doc;
	size_t len = im->xmp_len;

	if (len > IMG_MAX_XMP)
		len = IMG_MAX_XMP;
	/* No network, no DTD, no entity substitution (see xml.c). */
	doc = xmlReadMemory((const char *)im->xmp, (int)len, "xmp.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			    XML_PARSE_NOBLANKS);
	if (!doc)
		return;
	xmp_walk(im->node, xmlDocGetRootElement(doc), 0);
	xmlFreeDoc(doc);
}

/* ---------------------------------------------------------------- IPTC */

/* IPTC IIM: datasets 0x1C record number length value. */
static void iptc_read(struct img *im)
{
	const unsigned char *p = im->iptc, *end = im->iptc + im->iptc_len;
	tw_node *n = im->node;
	tw_buf kw;
	char date[16] = "", time[16] = "", iso[48];
	size_t l;

	tw_buf_init(&kw, IMG_MAX_VALUE);
	while (end - p >= 5 && p[0] == 0x1c) {
		unsigned rec = p[1], ds = p[2];

		l = be16(p + 3);
		p += 5;
		if (l & 0x8000 || l > (size_t)(end - p))
			break; /* extended lengths are not used for text */
		if (rec == 2) {
			switch (ds) {
			case 5: prop_text(n, "title", p, l); break;
			case 80: prop_text(n, "author", p, l); break;
			case 120: prop_text(n, "description", p, l); break;
			case 116: prop_text(n, "copyright", p, l); break;
			case 25:
				if (kw.len)
					tw_buf_puts(&kw, "; ");
				tw_buf_append(&kw, p, l);
				break;
			case 55:
				snprintf(date, sizeof(date), "%.*s", (int)(l < 8 ? l : 8), (const char *)p);
				break;
			case 60:
				snprintf(time, sizeof(time), "%.*s", (int)(l < 11 ? l : 11), (const char *)p);
				break;
			}
		}
		p += l;
	}
	if (kw.len)
		prop_text(n, "keywords", kw.data, kw.len);
	tw_buf_release(&kw);
	/* CCYYMMDD and HHMMSS+HHMM into the ISO form prop_date reads. */
	if (strlen(date) == 8) {
		l = strlen(time);
		if (l >= 11)
			snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%c%.2s:%.2s", date,
				 date + 4, date + 6, time, time + 2, time + 4, time[6], time + 7,
				 time + 9);
		else if (l >= 6)
			snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s", date, date + 4,
				 date + 6, time, time + 2, time + 4);
		else
			snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2s", date, date + 4, date + 6);
		prop_date(n, "created", iso, NULL);
	}
}

/* Photoshop image resources (JPEG APP13): resource 0x0404 holds IPTC. */
static void photoshop_resources(struct img *im, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;

	while (end - p >= 12 && !memcmp(p, "8BIM", 4)) {
		unsigned id = be16(p + 4);
		size_t nl = p[6], skip = 1 + nl + ((1 + nl) & 1), sz;

		p += 6;
		if ((size_t)(end - p) < skip + 4)
			return;
		p += skip;
		sz = be32(p);
		p += 4;
		if (sz > (size_t)(end - p))
			return;
		if (id == 0x0404 && !im->iptc) {
			im->iptc = p;
			im->iptc_len = sz;
		}
		p += sz + (sz & 1);
		if (p > end)
			return;
	}
}

/* ---------------------------------------------------------------- formats */

static const char XMP_JPEG[] = "http://ns.adobe.com/xap/1.0/";

static int jpeg(struct img *im, const unsigned char *d, size_t n)
{
	size_t i = 2, l;

	while (i + 4 <= n) {
		const unsigned char *p;
		size_t pl;
		unsigned m;

		if (d[i] != 0xff)
			return 0; /* lost in the stream: keep what was found */
		m = d[i + 1];
		if (m == 0xff) {
			i++;
			continue;
		}
		if (m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01) {
			i += 2;
			continue;
		}
		if (m == 0xd9 || m == 0xda)
			return 0; /* image data: the metadata is before it */
		l = be16(d + i + 2);
		if (l < 2 || i + 2 + l > n)
			return 0;
		p = d + i + 4;
		pl = l - 2;

		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc && pl >= 5 &&
		    !im->width) {
			im->height = be16(p + 1);
			im->width = be16(p + 3);
		} else if (m == 0xe1 && pl > 6 && !memcmp(p, "Exif\0", 5) && !im->exif) {
			im->exif = p;
			im->exif_len = pl;
		} else if (m == 0xe1 && pl > sizeof(XMP_JPEG) && !memcmp(p, XMP_JPEG, sizeof(XMP_JPEG)) &&
			   !im->xmp) {
			im->xmp = p + sizeof(XMP_JPEG);
			im->xmp_len = pl - sizeof(XMP_JPEG);
		} else if (m == 0xed && pl > 14 && !memcmp(p, "Photoshop 3.0", 14)) {
			photoshop_resources(im, p + 14, pl - 14);
		}
		i += 2 + l;
	}
	return 0;
}

static int png(struct img *im, const unsigned char *d, size_t n)
{
	size_t i = 8;
	static const char xmpkey[] = "XML:com.adobe.xmp";

	if (n < 24 || memcmp(d + 12, "IHDR", 4))
		return -1;
	im->width = be32(d + 16);
	im->height = be32(d + 20);
	while (i + 12 <= n) {
		size_t l = be32(d + i);
		const unsigned char *t = d + i + 4, *p = d + i + 8;

		if (l > n - i - 12)
			break;
		if (!memcmp(t, "eXIf", 4) && !im->exif) {
			im->exif = p;
			im->exif_len = l;
			im->exif_raw = memcmp(p, "Exif\0", 5) != 0;
		} else if (!memcmp(t, "iTXt", 4) && l > sizeof(xmpkey) + 4 &&
			   !memcmp(p, xmpkey, sizeof(xmpkey)) && p[sizeof(xmpkey)] == 0 && !im->xmp) {
			/* keyword NUL, compression flag (0), method, language NUL,
			 * translated keyword NUL, text */
			const unsigned char *q = p + sizeof(xmpkey) + 2, *e = p + l;

			q = memchr(q, 0, (size_t)(e - q));
			q = q ? memchr(q + 1, 0, (size_t)(e - q - 1)) : NULL;
			if (q) {
				im->xmp = q + 1;
				im->xmp_len = (size_t)(e - q - 1);
			}
		} else if (!memcmp(t, "tEXt", 4)) {
			const unsigned char *z = memchr(p, 0, l);

			if (z) {
				size_t kl = (size_t)(z - p);
				static const struct { const char *k, *key; } te[] = {
					{"Title", "title"}, {"Author", "author"}, {"Artist", "author"},
					{"Description", "description"}, {"Software", "creator"},
					{"Copyright", "copyright"}, {"Comment", "description"},
				};
				size_t j;

				for (j = 0; j < TW_ARRAY_LEN(te); j++)
					if (strlen(te[j].k) == kl && !memcmp(p, te[j].k, kl))
						prop_text(im->node, te[j].key, z + 1, l - kl - 1);
			}
		} else if (!memcmp(t, "IEND", 4)) {
			break;
		}
		i += 12 + l;
	}
	return 0;
}

static int gif(struct img *im, const unsigned char *d, size_t n)
{
	if (n < 10)
		return -1;
	im->width = le16(d + 6);
	im->height = le16(d + 8);
	return 0;
}

static int bmp(struct img *im, const unsigned char *d, size_t n)
{
	uint32_t hs;

	if (n < 26)
		return -1;
	hs = le32(d + 14);
	if (hs == 12) {
		im->width = le16(d + 18);
		im->height = le16(d + 20);
	} else {
		int32_t h = (int32_t)le32(d + 22);

		im->width = le32(d + 18);
		im->height = h < 0 ? (uint64_t)-(int64_t)h : (uint64_t)h;
	}
	return 0;
}

static int webp(struct img *im, const unsigned char *d, size_t n)
{
	size_t i = 12;

	while (i + 8 <= n) {
		const unsigned char *t = d + i, *p = d + i + 8;
		size_t l = le32(d + i + 4);

		if (l > n - i - 8)
			l = n - i - 8; /* truncated: look at what is there */
		if (!memcmp(t, "VP8X", 4) && l >= 10) {
			im->width = 1 + (p[4] | p[5] << 8 | (uint32_t)p[6] << 16);
			im->height = 1 + (p[7] | p[8] << 8 | (uint32_t)p[9] << 16);
		} else if (!memcmp(t, "VP8 ", 4) && l >= 10 && !im->width &&
			   p[3] == 0x9d && p[4] == 0x01 && p[5] == 0x2a) {
			im->width = le16(p + 6) & 0x3fff;
			im->height = le16(p + 8) & 0x3fff;
		} else if (!memcmp(t, "VP8L", 4) && l >= 5 && !im->width && p[0] == 0x2f) {
			uint32_t b = le32(p + 1);

			im->width = 1 + (b & 0x3fff);
			im->height = 1 + ((b >> 14) & 0x3fff);
		} else if (!memcmp(t, "EXIF", 4) && !im->exif && l > 8) {
			im->exif = p;
			im->exif_len = l;
			im->exif_raw = memcmp(p, "Exif\0", 5) != 0;
		} else if (!memcmp(t, "XMP ", 4) && !im->xmp) {
			im->xmp = p;
			im->xmp_len = l;
		}
		i += 8 + l + (l & 1);
	}
	return 0;
}

/* TIFF: the first directory's tags, and the number of directories. */
struct tiff {
	const unsigned char *d;
	size_t n;
	int le;
};

static uint32_t t16(const struct tiff *t, const unsigned char *p) { return t->le ? le16(p) : be16(p); }
static uint32_t t32(const struct tiff *t, const unsigned char *p) { return t->le ? le32(p) : be32(p); }

/* The bytes of entry `e` (type sizes: BYTE, ASCII, SHORT, LONG ...). */
static const unsigned char *tiff_value(const struct tiff *t, const unsigned char *e, size_t *len)
{
	static const unsigned char sz[] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8};
	uint32_t type = t16(t, e + 2), count = t32(t, e + 4), off;
	uint64_t bytes;

	if (type >= sizeof(sz) || !sz[type])
		return NULL;
	bytes = (uint64_t)count * sz[type];
	*len = (size_t)bytes;
	if (bytes <= 4)
		return e + 8;
	off = t32(t, e + 8);
	if (off > t->n || bytes > t->n - off)
		return NULL;
	return t->d + off;
}

static int tiff(struct img *im, const unsigned char *d, size_t n)
{
	struct tiff t = {d, n, d[0] == 'I'};
	uint32_t off = t32(&t, d + 4), first = off, cnt, i;
	long pages = 0;

	while (off && off >= 8 && off <= n - 2 && pages < IMG_MAX_PAGES) {
		cnt = t16(&t, d + off);
		if ((uint64_t)off + 2 + cnt * 12ull + 4 > n)
			break;
		pages++;
		for (i = 0; pages == 1 && i < cnt; i++) {
			const unsigned char *e = d + off + 2 + i * 12, *v;
			uint32_t tag = t16(&t, e), type = t16(&t, e + 2);
			size_t vl = 0;

			v = tiff_value(&t, e, &vl);
			if (!v)
				continue;
			if ((tag == 256 || tag == 257) && (type == 3 || type == 4) && vl >= 2) {
				uint32_t x = type == 3 ? t16(&t, v) : t32(&t, v);

				if (tag == 256)
					im->width = x;
				else
					im->height = x;
			} else if (tag == 259 && type == 3) {
				static const struct { unsigned c; const char *name; } cm[] = {
					{1, "none"}, {2, "CCITT RLE"}, {3, "CCITT G3"}, {4, "CCITT G4"},
					{5, "LZW"}, {6, "JPEG (old)"}, {7, "JPEG"}, {8, "Deflate"},
					{32773, "PackBits"}, {32946, "Deflate"}, {34712, "JPEG 2000"},
				};
				size_t k;

				for (k = 0; k < TW_ARRAY_LEN(cm); k++)
					if (cm[k].c == t16(&t, v))
						im->compression = cm[k].name;
			} else if (tag == 700 && !im->xmp) {
				im->xmp = v;
				im->xmp_len = vl;
			} else if (tag == 33723 && !im->iptc) {
				im->iptc = v;
				im->iptc_len = vl;
			} else if (type == 2) {
				static const struct { unsigned tag; const char *key; } tt[] = {
					{271, "camera_make"}, {272, "camera_model"}, {305, "creator"},
					{315, "author"}, {270, "description"}, {33432, "copyright"},
				};
				size_t k;

				for (k = 0; k < TW_ARRAY_LEN(tt); k++)
					if (tt[k].tag == tag)
						prop_text(im->node, tt[k].key, v, vl);
				if (tag == 306) {
					char s[32];

					snprintf(s, sizeof(s), "%.*s", (int)(vl < 31 ? vl : 31), (const char *)v);
					prop_date(im->node, "modified", s, NULL);
				}
			}
		}
		off = t32(&t, d + off + 2 + cnt * 12);
		if (off == first)
			break;
	}
	im->pages = pages;
	if (pages >= IMG_MAX_PAGES)
		tw_node_error(im->node, TRAWL_ELIMIT, "limit",
			      "TIFF with more than %d directories: the rest were not counted",
			      IMG_MAX_PAGES);
	/* EXIF, GPS and the rest through libexif when the first directory is
	 * within its reach (it reads one 64 KiB block). */
	if (first < 0xfff0 && !im->exif) {
		im->exif = d;
		im->exif_len = n;
		im->exif_raw = 1;
	}
	return pages ? 0 : -1;
}

/* ---------------------------------------------------------------- extractor */

enum { F_NONE, F_JPEG, F_PNG, F_GIF, F_BMP, F_WEBP, F_TIFF };

static int sniff(const unsigned char *d, size_t n)
{
	if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return F_JPEG;
	if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return F_PNG;
	if (n >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6)))
		return F_GIF;
	if (n >= 14 && d[0] == 'B' && d[1] == 'M')
		return F_BMP;
	if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return F_WEBP;
	if (n >= 8 && (!memcmp(d, "II*\0", 4) || !memcmp(d, "MM\0*", 4)))
		return F_TIFF;
	return F_NONE;
}

static int image_accepts(const char *mime, const char *ext, const unsigned char *data,
			 size_t len)
{
	/* By content only: a name says nothing about hostile bytes, and a
	 * BMP's two-letter magic alone would claim too much. */
	if (sniff(data, len) == F_BMP)
		return mime && !strcmp(mime, "image/bmp");
	return sniff(data, len) != F_NONE && (!mime || !strncmp(mime, "image/", 6));
}

/* Read the header of the image in data into *im (errors go to node): 0, or
 * -1 when it is damaged, truncated or of no format known here. */
static int read_image(struct img *im, tw_node *node, const unsigned char *data, size_t len)
{
	int r = -1;

	memset(im, 0, sizeof(*im));
	im->node = node;
	switch (sniff(data, len)) {
	case F_JPEG: r = jpeg(im, data, len); break;
	case F_PNG: r = png(im, data, len); break;
	case F_GIF: r = gif(im, data, len); break;
	case F_BMP: r = bmp(im, data, len); break;
	case F_WEBP: r = webp(im, data, len); break;
	case F_TIFF: r = tiff(im, data, len); break;
	}
	return r;
}

static trawl_status image_extract(tw_extract_ctx *cx, tw_node *node, const unsigned char *data,
				  size_t len)
{
	struct img im;
	int r = read_image(&im, node, data, len);

	if (tw_cx_locating(cx))
		return TRAWL_OK;
	if (r != 0) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse", "image header is damaged or truncated");
		return TRAWL_ECORRUPT;
	}
	if (im.exif)
		exif_read(&im, im.exif, im.exif_len);
	if (im.xmp)
		xmp_read(&im);
	if (im.iptc)
		iptc_read(&im);
	if (im.width && im.height) {
		tw_node_propf(node, "width", "%llu", (unsigned long long)im.width);
		tw_node_propf(node, "height", "%llu", (unsigned long long)im.height);
		if (im.width > IMG_MAX_PIXELS / im.height)
			tw_node_error(node, TRAWL_ELIMIT, "limit",
				      "image of %llu x %llu pixels is larger than %llu pixels",
				      (unsigned long long)im.width, (unsigned long long)im.height,
				      (unsigned long long)IMG_MAX_PIXELS);
	}
	if (im.pages)
		tw_node_propf(node, "pages", "%ld", im.pages);
	if (im.compression)
		tw_node_prop(node, "compression", im.compression);
	return TRAWL_OK;
}

const tw_extractor tw_extractor_image = {
	.name = "image",
	.type = "image",
	.accepts = image_accepts,
	.extract = image_extract,
};

/* For the OCR stage: the declared size of an image without decoding it. */
int tw_image_size(const unsigned char *data, size_t len, uint64_t *w, uint64_t *h)
{
	struct img im;
	tw_node *n = tw_node_new("file", NULL, 0);
	int r;

	if (!n)
		return -1;
	r = read_image(&im, n, data, len);
	tw_node_free(n);
	*w = im.width;
	*h = im.height;
	return r == 0 && im.width && im.height ? 0 : -1;
}
