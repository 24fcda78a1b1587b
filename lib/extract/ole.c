/*
 * ole.c - legacy binary Office files in OLE2 compound documents: the
 * libgsf plumbing, the metadata and embedded objects they share, and the
 * "legacy" extractor that tells Word, Excel and PowerPoint apart and hands
 * each to its parser (doc.c, xls.c, ppt.c; see ole.h).
 *
 * libgsf opens the compound file and reads its streams and the Summary
 * Information property sets; the record formats inside the streams are
 * parsed by the format files, because no Debian library exposes them as a
 * C API.  Every length and offset read from the file is checked against
 * what was really read, record counts are bounded by the stream sizes, and
 * long loops poll the time budget: these files come from attackers.
 *
 * Embedded objects (Word's ObjectPool, Excel's MBD storages, PowerPoint's
 * ExOleObjStg) become "attachment" children, located as "object:N": OLE1
 * packages and CONTENTS/Package streams are unwrapped, other storages are
 * written back out as compound files of their own.  The OLE1 package
 * parser also serves the objects of RTF files (rtf.c).
 *
 * Outlook .msg files are OLE2 too but belong to msg.c: accepts() says no to
 * them.  Encrypted files (Word's fEncrypted, Excel's FILEPASS, PowerPoint's
 * encrypted session, and encrypted OOXML packages, which are OLE2 with an
 * EncryptionInfo stream) are recorded as such; other OLE2 kinds (Visio,
 * Publisher, Works ...) as unsupported, naming their streams, with their
 * properties kept.
 */
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gsf/gsf-doc-meta-data.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input.h>
#include <gsf/gsf-meta-names.h>
#include <gsf/gsf-msole-utils.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-output.h>
#include <gsf/gsf-timestamp.h>
#include <gsf/gsf-utils.h>

#include "extract/extract.h"
#include "extract/le.h"
#include "extract/ole.h"

#define MAX_OBJECTS 1000
#define MAX_COPY_DEPTH 8

/* ---------------------------------------------------------------- libgsf */

static pthread_once_t gsf_once = PTHREAD_ONCE_INIT;
static __thread int gsf_quiet; /* >0 while this thread is in libgsf */

/*
 * libgsf reports damaged files with g_warning() and g_return_if_fail(),
 * partly under its own log domains and partly under the default (NULL)
 * one; files here are often damaged, and the library must never print.
 * The handlers drop messages only while the calling thread is between
 * tw_ole_quiet() and tw_ole_loud() (the legacy extractor and msg.c), and
 * pass everything else on, so GMime's and the rest of GLib's messages are
 * untouched.  Fatal errors still abort, as GLib wants.
 */
static void quiet_log(const gchar *domain, GLogLevelFlags level,
		      const gchar *msg, gpointer ud)
{
	if (gsf_quiet)
		return;
	g_log_default_handler(domain, level, msg, ud);
}

static GPrintFunc prev_print;

/* Its property-set reader also dumps unknown format IDs with g_print(). */
static void quiet_print(const gchar *msg)
{
	if (gsf_quiet)
		return;
	if (prev_print)
		prev_print(msg);
	else
		fputs(msg, stdout);
}

void tw_ole_quiet(void)
{
	gsf_quiet++;
}

void tw_ole_loud(void)
{
	gsf_quiet--;
}

static void gsf_setup(void)
{
	static const char *const domains[] = {
		"libgsf", "libgsf:msole", "libgsf:open_pkg", "libgsf:zip", "GLib-GObject",
	};
	size_t i;

	gsf_init();
	prev_print = g_set_print_handler(quiet_print);
	g_log_set_handler(NULL, G_LOG_LEVEL_MASK, quiet_log, NULL);
	for (i = 0; i < TW_ARRAY_LEN(domains); i++)
		g_log_set_handler(domains[i], G_LOG_LEVEL_MASK, quiet_log, NULL);
}

GsfInfile *tw_ole_open(const unsigned char *data, size_t len, GsfInput **in,
		       char *why, size_t whycap)
{
	GError *err = NULL;
	GsfInfile *ole;

	pthread_once(&gsf_once, gsf_setup);
	*in = gsf_input_memory_new(data, (gsf_off_t)len, FALSE);
	if (!*in) {
		snprintf(why, whycap, "out of memory");
		return NULL;
	}
	ole = gsf_infile_msole_new(*in, &err);
	if (!ole) {
		snprintf(why, whycap, "%s", err && err->message ? err->message : "unknown error");
		if (err)
			g_error_free(err);
		g_object_unref(*in);
		*in = NULL;
	}
	return ole;
}

int tw_ole_child_index(GsfInfile *dir, const char *name)
{
	int i, n = gsf_infile_num_children(dir);

	for (i = 0; i < n; i++) {
		const char *c = gsf_infile_name_by_index(dir, i);

		if (c && g_ascii_strcasecmp(c, name) == 0)
			return i;
	}
	return -1;
}

int tw_ole_has_child(GsfInfile *dir, const char *name)
{
	return tw_ole_child_index(dir, name) >= 0;
}

unsigned char *tw_ole_read_input(GsfInput *s, size_t cap, size_t *outlen,
				 int *damaged)
{
	gsf_off_t size = gsf_input_size(s);
	size_t want, got = 0;
	unsigned char *buf;

	*outlen = 0;
	if (size < 0)
		size = 0;
	want = (uint64_t)size > cap ? cap : (size_t)size;
	if ((uint64_t)size > cap && damaged)
		*damaged = 1;
	buf = tw_malloc(want + 1);
	if (!buf)
		return NULL;
	while (got < want) {
		size_t k = want - got > 65536 ? 65536 : want - got;

		if (!gsf_input_read(s, k, buf + got)) {
			/* salvage what can be read in smaller steps */
			while (k > 512 && got < want) {
				k /= 2;
				if (gsf_input_read(s, k, buf + got))
					got += k;
			}
			if (damaged)
				*damaged = 1;
			break;
		}
		got += k;
	}
	buf[got] = 0;
	*outlen = got;
	return buf;
}

unsigned char *tw_ole_read_stream(GsfInfile *dir, const char *name, size_t cap,
				  size_t *outlen, int *damaged)
{
	int i = tw_ole_child_index(dir, name);
	GsfInput *s;
	unsigned char *buf;

	*outlen = 0;
	if (i < 0)
		return NULL;
	s = gsf_infile_child_by_index(dir, i);
	if (!s)
		return NULL;
	if (GSF_IS_INFILE(s) && gsf_infile_num_children(GSF_INFILE(s)) >= 0) {
		g_object_unref(s); /* a storage, not a stream */
		return NULL;
	}
	buf = tw_ole_read_input(s, cap, outlen, damaged);
	g_object_unref(s);
	return buf;
}


/* ---------------------------------------------------------------- text output */

void tw_ole_out_bytes(tw_ole_out *o, const char *s, size_t n)
{
	if (!n)
		return;
	tw_buf_append(&o->b, s, n);
	o->last = (unsigned char)s[n - 1];
}

void tw_ole_out_str(tw_ole_out *o, const char *s)
{
	tw_ole_out_bytes(o, s, strlen(s));
}

void tw_ole_out_cp(tw_ole_out *o, unsigned u)
{
	char s[4];

	tw_ole_out_bytes(o, s, tw_utf8_encode(u, s));
}

void tw_ole_out_nl(tw_ole_out *o)
{
	if (o->b.len && o->last != '\n')
		tw_ole_out_bytes(o, "\n", 1);
}

int tw_ole_out_full(const tw_ole_out *o)
{
	return o->b.truncated;
}

void tw_sbcs_init(tw_sbcs *t, int cp)
{
	char name[24];
	iconv_t cd;
	int i;

	for (i = 0; i < 256; i++)
		t->u[i] = (uint16_t)i; /* ISO-8859-1 when nothing better */
	if (cp <= 0 || cp == 1200 || cp == 65001)
		cp = 1252;
	if (cp == 10000)
		snprintf(name, sizeof(name), "MACINTOSH");
	else
		snprintf(name, sizeof(name), "CP%d", cp);
	cd = iconv_open("UCS-2LE", name);
	if (cd == (iconv_t)-1)
		cd = iconv_open("UCS-2LE", "CP1252");
	if (cd == (iconv_t)-1)
		return;
	for (i = 0x80; i < 256; i++) {
		char in = (char)i, *ip = &in, outb[4], *op = outb;
		size_t il = 1, ol = sizeof(outb);

		iconv(cd, NULL, NULL, NULL, NULL);
		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && ol == 2)
			t->u[i] = tw_le16((unsigned char *)outb);
	}
	iconv_close(cd);
}

/* 8-bit text through a code page table (multibyte code pages come out as
 * single bytes; rare in these formats, and never a crash). */
void tw_ole_out_8bit(tw_ole_out *o, const tw_sbcs *t, const unsigned char *p,
		     size_t n)
{
	size_t i;

	for (i = 0; i < n && !tw_ole_out_full(o); i++) {
		unsigned c = p[i];

		if (c == '\r' || c == 0x0b)
			c = '\n';
		if (c < 0x20 && c != '\n' && c != '\t')
			continue;
		tw_ole_out_cp(o, t->u[c]);
	}
}

void tw_ole_out_utf16(tw_ole_out *o, const unsigned char *p, size_t nchars)
{
	size_t i;

	for (i = 0; i < nchars && !tw_ole_out_full(o); i++) {
		unsigned c = tw_le16(p + 2 * i);

		if (c >= 0xd800 && c <= 0xdbff && i + 1 < nchars) {
			unsigned d = tw_le16(p + 2 * i + 2);

			if (d >= 0xdc00 && d <= 0xdfff) {
				tw_ole_out_cp(o, 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00));
				i++;
				continue;
			}
		}
		if (c == '\r' || c == 0x0b)
			c = '\n';
		if (c < 0x20 && c != '\n' && c != '\t')
			continue;
		tw_ole_out_cp(o, c);
	}
}


/* ---------------------------------------------------------------- metadata */

static int meta_codepage(GsfDocMetaData *md)
{
	GsfDocProp *p = gsf_doc_meta_data_lookup(md, GSF_META_NAME_CODEPAGE);
	const GValue *v = p ? gsf_doc_prop_get_val(p) : NULL;
	int cp;

	if (!v || !G_VALUE_HOLDS_INT(v))
		return 0;
	cp = g_value_get_int(v);
	if (cp < 0)
		cp += 65536; /* stored as a signed 16-bit value */
	return cp;
}

static void meta_prop(tw_node *node, GsfDocMetaData *md, const char *gsfname,
		      const char *key)
{
	GsfDocProp *p = gsf_doc_meta_data_lookup(md, gsfname);
	const GValue *v = p ? gsf_doc_prop_get_val(p) : NULL;

	if (!v)
		return;
	if (G_VALUE_HOLDS_STRING(v)) {
		const char *s = g_value_get_string(v);
		char *t;
		size_t n;

		if (!s)
			return;
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
			     s[n - 1] == '\n'))
			n--;
		if (!n || !(t = tw_strndup(s, n)))
			return;
		tw_node_prop(node, key, t);
		free(t);
	} else if (G_VALUE_HOLDS_INT(v)) {
		if (g_value_get_int(v) > 0)
			tw_node_propf(node, key, "%d", g_value_get_int(v));
	} else if (G_VALUE_HOLDS_UINT(v)) {
		if (g_value_get_uint(v) > 0)
			tw_node_propf(node, key, "%u", g_value_get_uint(v));
	} else if (VAL_IS_GSF_TIMESTAMP(v)) {
		const GsfTimestamp *ts = g_value_get_boxed(v);
		char *s = ts ? gsf_timestamp_as_string(ts) : NULL;

		/* An unset FILETIME reads as 1601: not a date. */
		if (s && strlen(s) >= 20 && strncmp(s, "1970", 4) >= 0 &&
		    strncmp(s, "2200", 4) < 0)
			tw_node_prop(node, key, s);
		g_free(s);
	}
}

/*
 * libgsf's property-set reader leaks (and complains) on damaged values,
 * e.g. a string whose length runs past the section.  Property sets are
 * checked here first and handed to it only when every value holds
 * together; a damaged set only costs its properties.
 */
static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Bytes of a value of `type` (no type word) at off, or 0 when it runs past
 * end or is of a type not expected in these sets. */
static size_t value_size(const unsigned char *d, size_t off, size_t end,
			 uint32_t type, int depth);

/* Bytes of a TypedPropertyValue (type word included) at off, or 0. */
static size_t typed_size(const unsigned char *d, size_t off, size_t end, int depth)
{
	size_t v;

	if (off > end || end - off < 4)
		return 0;
	v = value_size(d, off + 4, end, tw_le32(d + off), depth);
	return v ? 4 + v : 0;
}

static size_t value_size(const unsigned char *d, size_t off, size_t end,
			 uint32_t type, int depth)
{
	size_t left = end - off, total, k;
	uint32_t n, i;

	if (type & 0x1000) { /* a vector: count, then the elements */
		if (depth > 0 || left < 4)
			return 0;
		n = tw_le32(d + off);
		if (n > (left - 4) / 4)
			return 0;
		for (i = 0, total = 4; i < n; i++) {
			k = (type & 0xfff) == 0x0c
				    ? typed_size(d, off + total, end, depth + 1)
				    : value_size(d, off + total, end, type & 0xfff, depth + 1);
			if (!k)
				return 0;
			total += k;
		}
		return total;
	}
	switch (type) {
	case 0x1e: case 0x08: /* VT_LPSTR, VT_BSTR */
	case 0x41: case 0x47: /* VT_BLOB, VT_CF */
		if (left < 4 || tw_le32(d + off) > left - 4)
			return 0;
		total = align4(4 + (size_t)tw_le32(d + off));
		return total <= left ? total : left;
	case 0x1f: /* VT_LPWSTR */
		if (left < 4 || tw_le32(d + off) > (left - 4) / 2)
			return 0;
		total = align4(4 + 2 * (size_t)tw_le32(d + off));
		return total <= left ? total : left;
	case 0x40: case 0x14: case 0x15: case 0x05: case 0x06: case 0x07:
		return left >= 8 ? 8 : 0;
	case 0x02: case 0x03: case 0x04: case 0x0a: case 0x0b: case 0x10:
	case 0x11: case 0x12: case 0x13: case 0x16: case 0x17:
		return left >= 4 ? 4 : 0;
	default:
		return 0;
	}
}

static int propset_ok(const unsigned char *d, size_t n)
{
	uint32_t nsec, i;

	if (n < 28 || tw_le16(d) != 0xfffe)
		return 0;
	nsec = tw_le32(d + 24);
	if (nsec > (n - 28) / 20)
		return 0;
	for (i = 0; i < nsec; i++) {
		uint32_t off = tw_le32(d + 28 + 20 * i + 16), size, np, k;

		if (off >= n || n - off < 8)
			return 0;
		size = tw_le32(d + off);
		np = tw_le32(d + off + 4);
		if (size > n - off || size < 8 || np > (size - 8) / 8)
			return 0;
		for (k = 0; k < np; k++) {
			uint32_t pid = tw_le32(d + off + 8 + 8 * k);
			uint32_t po = tw_le32(d + off + 8 + 8 * k + 4);

			if (po < 8 || po > size - 4)
				return 0;
			if (pid == 0)
				continue; /* the dictionary of custom names */
			if (!typed_size(d, (size_t)off + po, (size_t)off + size, 0))
				return 0;
		}
	}
	return 1;
}

/* Properties from the two standard property sets; returns their code page. */
static int read_meta(GsfInfile *root, tw_node *node)
{
	static const char *const sets[] = {
		"\005SummaryInformation", "\005DocumentSummaryInformation",
	};
	GsfDocMetaData *md = gsf_doc_meta_data_new();
	size_t i;
	int cp;

	if (!md)
		return 0;
	for (i = 0; i < TW_ARRAY_LEN(sets); i++) {
		size_t n;
		unsigned char *d = tw_ole_read_stream(root, sets[i], 1u << 20, &n, NULL);
		GsfInput *s;
		GError *err;

		if (!d)
			continue;
		s = propset_ok(d, n) ? gsf_input_memory_new(d, (gsf_off_t)n, FALSE) : NULL;
		if (s) {
			err = gsf_doc_meta_data_read_from_msole(md, s);
			if (err)
				g_error_free(err); /* a damaged set only loses props */
			g_object_unref(s);
		}
		free(d);
	}
	meta_prop(node, md, GSF_META_NAME_TITLE, "title");
	meta_prop(node, md, GSF_META_NAME_SUBJECT, "subject");
	meta_prop(node, md, GSF_META_NAME_CREATOR, "author");
	meta_prop(node, md, GSF_META_NAME_LAST_SAVED_BY, "last_modified_by");
	meta_prop(node, md, GSF_META_NAME_GENERATOR, "creator");
	meta_prop(node, md, GSF_META_NAME_COMPANY, "company");
	meta_prop(node, md, GSF_META_NAME_KEYWORDS, "keywords");
	meta_prop(node, md, GSF_META_NAME_DATE_CREATED, "created");
	meta_prop(node, md, GSF_META_NAME_DATE_MODIFIED, "modified");
	meta_prop(node, md, GSF_META_NAME_PAGE_COUNT, "pages");
	meta_prop(node, md, GSF_META_NAME_WORD_COUNT, "words");
	meta_prop(node, md, GSF_META_NAME_SLIDE_COUNT, "slides");
	cp = meta_codepage(md);
	g_object_unref(md);
	return cp;
}


/* ---------------------------------------------------------------- embedded objects */

/* Copy a storage into a new compound file, recursively. */
static int copy_tree(GsfInfile *src, GsfOutfile *dst, int depth, size_t *budget)
{
	int i, n = gsf_infile_num_children(src);

	if (depth > MAX_COPY_DEPTH)
		return 0;
	for (i = 0; i < n && i < 4096; i++) {
		const char *name = gsf_infile_name_by_index(src, i);
		GsfInput *c = gsf_infile_child_by_index(src, i);
		int dir;
		GsfOutput *o;
		int ok = 1;

		if (!c || !name) {
			if (c)
				g_object_unref(c);
			continue;
		}
		dir = GSF_IS_INFILE(c) && gsf_infile_num_children(GSF_INFILE(c)) >= 0;
		o = gsf_outfile_new_child(dst, name, dir);
		if (!o) {
			g_object_unref(c);
			return 0;
		}
		if (dir) {
			ok = copy_tree(GSF_INFILE(c), GSF_OUTFILE(o), depth + 1, budget);
		} else {
			size_t sl;
			unsigned char *sb = tw_ole_read_input(c, *budget, &sl, NULL);

			if (sb) {
				*budget -= sl;
				ok = gsf_output_write(o, sl, sb);
				free(sb);
			}
		}
		gsf_output_close(o);
		g_object_unref(o);
		g_object_unref(c);
		if (!ok)
			return 0;
	}
	return 1;
}

void tw_ole_obj_child(tw_ole_objs *ob, const char *name, const unsigned char *d,
		      size_t n)
{
	char loc[32], auto_name[32];

	if (ob->stop || !n)
		return;
	if (++ob->n > MAX_OBJECTS) {
		tw_node_error(ob->node, TRAWL_ELIMIT, "limit",
			      "more than %d embedded objects; the rest were skipped",
			      MAX_OBJECTS);
		ob->stop = 1;
		return;
	}
	snprintf(loc, sizeof(loc), "object:%u", ob->n);
	if (!name) {
		snprintf(auto_name, sizeof(auto_name), "object%u.ole", ob->n);
		name = auto_name;
	}
	if (!tw_child(ob->cx, ob->node, "attachment", name, loc, d, n) &&
	    !tw_cx_locating(ob->cx))
		ob->stop = 1;
}

/* The NUL-terminated string at *pos, or 0 when unterminated. */
static int zstring(const unsigned char *d, size_t n, size_t *pos,
		   const unsigned char **s)
{
	const unsigned char *z = memchr(d + *pos, 0, n - *pos);

	if (!z)
		return 0;
	*s = d + *pos;
	*pos = (size_t)(z - d) + 1;
	return 1;
}

/* Type (2 bytes), label, path, a reserved word, the temporary path
 * (length-prefixed), then the file (length-prefixed). */
int tw_ole1_package(const unsigned char *d, size_t n, char *fname, size_t fcap,
		    const unsigned char **data, size_t *dlen)
{
	const unsigned char *label, *path;
	size_t pos = 2;
	uint32_t l;
	const char *base;

	if (n < 2 || !zstring(d, n, &pos, &label) || !zstring(d, n, &pos, &path))
		return 0;
	if (n - pos < 8)
		return 0;
	pos += 4;
	l = tw_le32(d + pos);
	pos += 4;
	if (l > n - pos)
		return 0;
	pos += l;
	if (n - pos < 4)
		return 0;
	l = tw_le32(d + pos);
	pos += 4;
	if (l > n - pos)
		return 0;
	*data = d + pos;
	*dlen = l;
	base = strrchr((const char *)path, '\\');
	base = base ? base + 1 : (const char *)path;
	snprintf(fname, fcap, "%s", *base ? base : (const char *)label);
	return 1;
}

int tw_ole_storage_unwrap(tw_ole_objs *ob, GsfInfile *st, const char *sname,
			  size_t cap)
{
	unsigned char *d;
	size_t n;
	char name[256];

	if ((d = tw_ole_read_stream(st, "\001Ole10Native", cap, &n, NULL))) {
		const unsigned char *fd;
		size_t fl;

		/* its size, then the native data of an OLE1 package */
		if (n >= 4 && tw_ole1_package(d + 4, n - 4, name, sizeof(name), &fd, &fl))
			tw_ole_obj_child(ob, name, fd, fl);
		else if (n > 4)
			tw_ole_obj_child(ob, sname, d + 4, n - 4);
		free(d);
		return 1;
	}
	if ((d = tw_ole_read_stream(st, "Package", cap, &n, NULL)) ||
	    (d = tw_ole_read_stream(st, "CONTENTS", cap, &n, NULL))) {
		tw_ole_obj_child(ob, sname, d, n);
		free(d);
		return 1;
	}
	return 0;
}

/* One embedded object storage: its wrapped file, or else the storage
 * written out as a compound file of its own. */
static void storage_object(tw_ole_objs *ob, GsfInfile *st, const char *sname,
			   size_t cap)
{
	GsfOutput *mem;
	GsfOutfile *of;
	size_t budget = cap;
	char name[256];
	int ok;

	if (ob->stop || tw_ole_storage_unwrap(ob, st, sname, cap))
		return;
	mem = gsf_output_memory_new();
	of = mem ? gsf_outfile_msole_new(mem) : NULL;
	if (!of) {
		if (mem)
			g_object_unref(mem);
		return;
	}
	ok = copy_tree(st, of, 0, &budget);
	gsf_output_close(GSF_OUTPUT(of));
	g_object_unref(of);
	if (ok) {
		const guint8 *b = gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem));
		gsf_off_t sz = gsf_output_size(mem);

		snprintf(name, sizeof(name), "%s.ole", sname);
		if (b && sz > 0)
			tw_ole_obj_child(ob, name, b, (size_t)sz);
	}
	g_object_unref(mem);
}

void tw_ole_storages(tw_ole_objs *ob, GsfInfile *dir, const char *prefix,
		     size_t cap)
{
	int i, n = gsf_infile_num_children(dir);

	for (i = 0; i < n && !ob->stop; i++) {
		const char *name = gsf_infile_name_by_index(dir, i);
		GsfInput *c;
		char clean[64];
		size_t k;

		if (!name || strncmp(name, prefix, strlen(prefix)) != 0)
			continue;
		c = gsf_infile_child_by_index(dir, i);
		if (!c)
			continue;
		if (GSF_IS_INFILE(c) && gsf_infile_num_children(GSF_INFILE(c)) >= 0) {
			snprintf(clean, sizeof(clean), "%s", name);
			for (k = 0; clean[k]; k++)
				if ((unsigned char)clean[k] < 32 || clean[k] == '/')
					clean[k] = '_';
			storage_object(ob, GSF_INFILE(c), clean, cap);
		}
		g_object_unref(c);
	}
}


/* ---------------------------------------------------------------- dispatch */

enum kind { K_OTHER, K_DOC, K_XLS, K_PPT, K_MSG, K_CRYPT };

static enum kind classify(GsfInfile *root)
{
	int i, n = gsf_infile_num_children(root);

	if (tw_ole_has_child(root, "EncryptionInfo") &&
	    tw_ole_has_child(root, "EncryptedPackage"))
		return K_CRYPT;
	for (i = 0; i < n; i++) {
		const char *c = gsf_infile_name_by_index(root, i);

		if (c && (strcmp(c, "__properties_version1.0") == 0 ||
			  strncmp(c, "__substg1.0_", 12) == 0 ||
			  strncmp(c, "__nameid_version1.0", 19) == 0))
			return K_MSG;
	}
	if (tw_ole_has_child(root, "WordDocument"))
		return K_DOC;
	if (tw_ole_has_child(root, "Workbook") || tw_ole_has_child(root, "Book"))
		return K_XLS;
	if (tw_ole_has_child(root, "PowerPoint Document"))
		return K_PPT;
	return K_OTHER;
}

static int is_ole(const unsigned char *d, size_t n)
{
	return n >= 8 && memcmp(d, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0;
}

static int legacy_accepts(const char *mime, const char *ext,
			  const unsigned char *data, size_t len)
{
	GsfInput *in;
	GsfInfile *root;
	char why[128];
	enum kind k;

	if (!is_ole(data, len))
		return 0;
	if (mime && strcmp(mime, "application/vnd.ms-outlook") == 0)
		return 0;
	/* Peek at the stream names: Outlook messages go to msg.c.  When only
	 * the head of a large file is given the directory may be out of
	 * reach; then the magic decides. */
	tw_ole_quiet();
	root = tw_ole_open(data, len, &in, why, sizeof(why));
	k = K_OTHER;
	if (root) {
		k = classify(root);
		g_object_unref(root);
		g_object_unref(in);
	}
	tw_ole_loud();
	return k != K_MSG;
}

static const char *crypt_type(const char *ext)
{
	if (!ext)
		return "other";
	if (!strncmp(ext, "doc", 3) || !strncmp(ext, "dot", 3))
		return "word";
	if (!strncmp(ext, "xl", 2))
		return "spreadsheet";
	if (!strncmp(ext, "pp", 2) || !strncmp(ext, "pot", 3))
		return "presentation";
	return "other";
}

static trawl_status legacy_extract(tw_extract_ctx *cx, tw_node *node,
				   const unsigned char *data, size_t len)
{
	GsfInput *in;
	GsfInfile *root;
	char why[256];
	tw_ole_out o;
	tw_ole_objs ob;
	size_t cap = len + 65536; /* no stream can be much larger than the file */
	int cp = 0;
	enum kind k;

	if (cap > tw_cx_limits(cx)->max_item_bytes)
		cap = tw_cx_limits(cx)->max_item_bytes;
	tw_ole_quiet();
	root = tw_ole_open(data, len, &in, why, sizeof(why));
	if (!root) {
		tw_ole_loud();
		if (!tw_cx_locating(cx))
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "not a readable OLE2 compound file: %s", why);
		return TRAWL_OK;
	}
	memset(&o, 0, sizeof(o));
	tw_buf_init(&o.b, tw_cx_limits(cx)->max_text_bytes + 1);
	memset(&ob, 0, sizeof(ob));
	ob.cx = cx;
	ob.node = node;
	k = classify(root);
	if (!tw_cx_locating(cx) && k != K_CRYPT)
		cp = read_meta(root, node);
	switch (k) {
	case K_CRYPT:
		node->type = crypt_type(node->ext);
		if (!tw_cx_locating(cx))
			tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
				      "Office document is encrypted with a password");
		break;
	case K_DOC:
		if (!tw_cx_locating(cx))
			tw_doc_extract(cx, node, root, &o, cp, cap);
		{
			int i = tw_ole_child_index(root, "ObjectPool");
			GsfInput *pool = i >= 0 ? gsf_infile_child_by_index(root, i) : NULL;

			if (pool && GSF_IS_INFILE(pool))
				tw_ole_storages(&ob, GSF_INFILE(pool), "", cap);
			if (pool)
				g_object_unref(pool);
		}
		break;
	case K_XLS:
		if (!tw_cx_locating(cx))
			tw_xls_extract(cx, node, root, &o, cap);
		tw_ole_storages(&ob, root, "MBD", cap);
		break;
	case K_PPT:
		tw_ppt_extract(cx, node, root, &o, &ob, cp, cap);
		break;
	case K_MSG:
	case K_OTHER:
		/* an embedded object's storage saved on its own (it has an
		 * \001Ole stream; Works and Publisher files have a CONTENTS
		 * stream too, but that is the document itself) */
		if (k == K_OTHER && (tw_ole_has_child(root, "\001Ole") ||
				     tw_ole_has_child(root, "\001Ole10Native")) &&
		    tw_ole_storage_unwrap(&ob, root, "contents", cap))
			break;
		if (!tw_cx_locating(cx)) {
			tw_buf names;
			int i, n = gsf_infile_num_children(root);

			tw_buf_init(&names, 400);
			for (i = 0; i < n && !names.truncated; i++) {
				const char *c = gsf_infile_name_by_index(root, i);

				if (!c)
					continue;
				if (names.len)
					tw_buf_puts(&names, ", ");
				while (*c && (unsigned char)*c < 32)
					c++; /* \005SummaryInformation */
				tw_buf_puts(&names, c);
			}
			tw_node_error(node, TRAWL_EUNSUPPORTED, "detect",
				      "OLE2 compound document of an unsupported kind (streams: %s)",
				      names.data ? names.data : "none");
			tw_buf_release(&names);
		}
		break;
	}
	if (o.b.len && !tw_cx_locating(cx))
		tw_node_text(node, o.b.data, o.b.len);
	tw_buf_release(&o.b);
	g_object_unref(root);
	g_object_unref(in);
	tw_ole_loud();
	return TRAWL_OK;
}

const tw_extractor tw_extractor_legacy = {
	"legacy", NULL, legacy_accepts, legacy_extract, NULL,
};
