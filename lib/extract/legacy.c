/*
 * legacy.c - legacy binary Office files: Word 97-2003 (Word 6/95 at best
 * effort), Excel BIFF8/BIFF5, PowerPoint 97-2003 (and the 97 half of
 * "97-2003 & 95" files), inside OLE2 compound documents.
 *
 * libgsf opens the compound file and reads its streams and the Summary
 * Information property sets; the record formats inside the streams are
 * parsed here, because no Debian library exposes them as a C API.  Every
 * length and offset read from the file is checked against what was really
 * read, record counts are bounded by the stream sizes, and long loops poll
 * the time budget: these files come from attackers.
 *
 *   Word: the FIB gives the piece table (CLX) in the table stream; each
 *   piece is 8-bit (cp1252) or UTF-16LE text in the WordDocument stream.
 *   Field codes are dropped, field results kept, cell marks become tabs.
 *   Excel: the workbook stream is a sequence of BIFF records; cells are
 *   gathered per sheet (shared strings, labels, numbers, RK, formula
 *   results, booleans; numbers in date formats as ISO dates) and written
 *   sorted by row and column, tab-separated, with comments and text boxes.
 *   PowerPoint: the record tree is walked for text atoms, leaving out the
 *   placeholder boilerplate of masters and repeated copies of long texts;
 *   PowerPoint 95 files only give their plain Text_Content copy.
 *
 * Embedded objects (Word's ObjectPool, Excel's MBD storages, PowerPoint's
 * ExOleObjStg) become "attachment" children, located as "object:N": OLE1
 * packages and CONTENTS/Package streams are unwrapped, other storages are
 * written back out as compound files of their own.
 *
 * Outlook .msg files are OLE2 too but belong to msg.c: accepts() says no to
 * them.  Encrypted files (Word's fEncrypted, Excel's FILEPASS, PowerPoint's
 * encrypted session, and encrypted OOXML packages, which are OLE2 with an
 * EncryptionInfo stream) are recorded as such; other OLE2 kinds (Visio,
 * Publisher, Works ...) as unsupported, naming their streams, with their
 * properties kept.
 */
#include <iconv.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
#include <zlib.h>

#include "extract/extract.h"
#include "extract/le.h"

#define MAX_CELLS_PER_SHEET (2u << 20)
#define MAX_SST_STRINGS (4u << 20)
#define MAX_OBJECTS 1000
#define MAX_COPY_DEPTH 8
#define MAX_PPT_DEPTH 64
#define MAX_FIELD_DEPTH 64

/* ---------------------------------------------------------------- libgsf */

static pthread_once_t gsf_once = PTHREAD_ONCE_INIT;
static __thread int gsf_quiet; /* >0 while this thread is in libgsf */

/*
 * libgsf reports damaged files with g_warning() and g_return_if_fail(),
 * partly under its own log domains and partly under the default (NULL)
 * one; files here are often damaged, and the library must never print.
 * The handlers drop messages only while the calling thread is inside this
 * extractor and pass everything else on, so GMime's and the rest of
 * GLib's messages are untouched.  Fatal errors still abort, as GLib wants.
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

static GsfInfile *ole_open(const unsigned char *data, size_t len, GsfInput **in,
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

/* The index of a child by name, ignoring case ("WORKBOOK" exists), or -1. */
static int child_index(GsfInfile *dir, const char *name)
{
	int i, n = gsf_infile_num_children(dir);

	for (i = 0; i < n; i++) {
		const char *c = gsf_infile_name_by_index(dir, i);

		if (c && g_ascii_strcasecmp(c, name) == 0)
			return i;
	}
	return -1;
}

static int has_child(GsfInfile *dir, const char *name)
{
	return child_index(dir, name) >= 0;
}

/*
 * Read a whole stream, at most `cap` bytes.  A stream whose sector chain
 * breaks is read up to the break (*damaged set).  NULL when absent.
 */
static unsigned char *read_input(GsfInput *s, size_t cap, size_t *outlen,
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
	buf = malloc(want + 1);
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

static unsigned char *read_stream(GsfInfile *dir, const char *name, size_t cap,
				  size_t *outlen, int *damaged)
{
	int i = child_index(dir, name);
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
	buf = read_input(s, cap, outlen, damaged);
	g_object_unref(s);
	return buf;
}

/* ---------------------------------------------------------------- text output */

struct out {
	tw_buf b;
	int last; /* last byte written, for separators */
};

static void out_bytes(struct out *o, const char *s, size_t n)
{
	if (!n)
		return;
	tw_buf_append(&o->b, s, n);
	o->last = (unsigned char)s[n - 1];
}

static void out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

static void out_cp(struct out *o, unsigned u)
{
	char s[4];

	out_bytes(o, s, tw_utf8_encode(u, s));
}

/* End the current line unless at the start of one. */
static void out_nl(struct out *o)
{
	if (o->b.len && o->last != '\n')
		out_bytes(o, "\n", 1);
}

static int out_full(const struct out *o)
{
	return o->b.truncated;
}

/* A single-byte code page as a table of Unicode code points. */
struct sbcs {
	uint16_t u[256];
};

static void sbcs_init(struct sbcs *t, int cp)
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
static void out_8bit(struct out *o, const struct sbcs *t, const unsigned char *p,
		     size_t n)
{
	size_t i;

	for (i = 0; i < n && !out_full(o); i++) {
		unsigned c = p[i];

		if (c == '\r' || c == 0x0b)
			c = '\n';
		if (c < 0x20 && c != '\n' && c != '\t')
			continue;
		out_cp(o, t->u[c]);
	}
}

static void out_utf16(struct out *o, const unsigned char *p, size_t nchars)
{
	size_t i;

	for (i = 0; i < nchars && !out_full(o); i++) {
		unsigned c = tw_le16(p + 2 * i);

		if (c >= 0xd800 && c <= 0xdbff && i + 1 < nchars) {
			unsigned d = tw_le16(p + 2 * i + 2);

			if (d >= 0xdc00 && d <= 0xdfff) {
				out_cp(o, 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00));
				i++;
				continue;
			}
		}
		if (c == '\r' || c == 0x0b)
			c = '\n';
		if (c < 0x20 && c != '\n' && c != '\t')
			continue;
		out_cp(o, c);
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
		unsigned char *d = read_stream(root, sets[i], 1u << 20, &n, NULL);
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

struct objs {
	tw_extract_ctx *cx;
	tw_node *node;
	unsigned n;
	int stop;
};

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
			unsigned char *sb = read_input(c, *budget, &sl, NULL);

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

static void obj_child(struct objs *ob, const char *name, const unsigned char *d,
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

/* An OLE1 package (\001Ole10Native): the packaged file and its name. */
static int ole10_native(const unsigned char *d, size_t n, char *fname, size_t cap,
			const unsigned char **fdata, size_t *flen)
{
	const unsigned char *label, *path, *z;
	size_t pos = 6;
	uint32_t l;
	const char *base;

	if (n < 6)
		return 0;
	label = d + pos;
	if (!(z = memchr(d + pos, 0, n - pos)))
		return 0;
	pos = (size_t)(z - d) + 1;
	path = d + pos;
	if (!(z = memchr(d + pos, 0, n - pos)))
		return 0;
	pos = (size_t)(z - d) + 1;
	if (n - pos < 8)
		return 0;
	l = tw_le32(d + pos + 4);
	pos += 8;
	if (l > n - pos)
		return 0;
	pos += l;
	if (n - pos < 4)
		return 0;
	l = tw_le32(d + pos);
	pos += 4;
	if (l > n - pos)
		return 0;
	*fdata = d + pos;
	*flen = l;
	base = strrchr((const char *)path, '\\');
	base = base ? base + 1 : (const char *)path;
	snprintf(fname, cap, "%s", *base ? base : (const char *)label);
	return 1;
}

/* A storage that merely wraps a file: an OLE1 package (\001Ole10Native),
 * an OOXML document ("Package") or a raw one ("CONTENTS", e.g. PDF).
 * Returns 1 when it was one and its file was handed over. */
static int storage_unwrap(struct objs *ob, GsfInfile *st, const char *sname,
			  size_t cap)
{
	unsigned char *d;
	size_t n;
	char name[256];

	if ((d = read_stream(st, "\001Ole10Native", cap, &n, NULL))) {
		const unsigned char *fd;
		size_t fl;

		if (ole10_native(d, n, name, sizeof(name), &fd, &fl))
			obj_child(ob, name, fd, fl);
		else if (n > 4)
			obj_child(ob, sname, d + 4, n - 4);
		free(d);
		return 1;
	}
	if ((d = read_stream(st, "Package", cap, &n, NULL)) ||
	    (d = read_stream(st, "CONTENTS", cap, &n, NULL))) {
		obj_child(ob, sname, d, n);
		free(d);
		return 1;
	}
	return 0;
}

/* One embedded object storage: its wrapped file, or else the storage
 * written out as a compound file of its own. */
static void storage_object(struct objs *ob, GsfInfile *st, const char *sname,
			   size_t cap)
{
	GsfOutput *mem;
	GsfOutfile *of;
	size_t budget = cap;
	char name[256];
	int ok;

	if (ob->stop || storage_unwrap(ob, st, sname, cap))
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
			obj_child(ob, name, b, (size_t)sz);
	}
	g_object_unref(mem);
}

/* Storages of `dir` whose name starts with `prefix` ("" for all). */
static void storages(struct objs *ob, GsfInfile *dir, const char *prefix,
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

/* ---------------------------------------------------------------- Word */

struct docstate {
	struct out *o;
	unsigned char field[MAX_FIELD_DEPTH]; /* 1 while in a field's code */
	int depth, ncode;
	unsigned prev;
	unsigned hi; /* a high surrogate waiting for its pair */
};

/* One character of the document; special characters per [MS-DOC] 2.8.25. */
static void doc_char(struct docstate *s, unsigned c)
{
	unsigned prev = s->prev;

	s->prev = c;
	switch (c) {
	case 0x13: /* field begin: its code follows */
		if (s->depth < MAX_FIELD_DEPTH) {
			s->field[s->depth++] = 1;
			s->ncode++;
		}
		return;
	case 0x14: /* field separator: the result follows */
		if (s->depth > 0 && s->field[s->depth - 1]) {
			s->field[s->depth - 1] = 0;
			s->ncode--;
		}
		return;
	case 0x15: /* field end */
		if (s->depth > 0 && s->field[--s->depth])
			s->ncode--;
		return;
	}
	if (s->ncode > 0)
		return;
	switch (c) {
	case 0x07: /* cell mark; two in a row end a table row */
		if (prev == 0x07) {
			if (s->o->last == '\t')
				s->o->b.len--, s->o->b.data[s->o->b.len] = 0;
			out_str(s->o, "\n");
		} else {
			out_str(s->o, "\t");
		}
		return;
	case 0x0d: case 0x0b: case 0x0c: case 0x0e:
		out_str(s->o, "\n");
		return;
	case 0x09:
		out_str(s->o, "\t");
		return;
	case 0x1e: /* non-breaking hyphen */
		out_str(s->o, "-");
		return;
	case 0xa0:
		out_str(s->o, " ");
		return;
	}
	if (c < 0x20 || c == 0x1f)
		return; /* objects, footnote marks, optional hyphens ... */
	if (c >= 0xd800 && c <= 0xdbff) {
		s->hi = c;
		return;
	}
	if (c >= 0xdc00 && c <= 0xdfff && s->hi)
		c = 0x10000 + ((s->hi - 0xd800) << 10) + (c - 0xdc00);
	s->hi = 0;
	out_cp(s->o, c);
}

enum { DOC_OK, DOC_CORRUPT, DOC_LIMIT };

/*
 * Word 97 and later: the piece table.  `end_cp` is the number of CPs of all
 * the stories together (0 when unknown), `story` their boundaries, where a
 * line is ended so that stories do not run into each other.
 */
static int doc_pieces(tw_extract_ctx *cx, struct out *o, const unsigned char *wd,
		      size_t wlen, const unsigned char *clx, size_t clen,
		      uint32_t end_cp, const uint32_t *story, int nstory,
		      const struct sbcs *cp1252)
{
	size_t pos = 0, n, i;
	uint32_t lcb;
	const unsigned char *plc;
	struct docstate s;
	unsigned long count = 0;
	int st = 0;

	memset(&s, 0, sizeof(s));
	s.o = o;
	/* Prc entries (formatting) come first, then the Pcdt. */
	while (pos < clen && clx[pos] == 0x01) {
		if (clen - pos < 3)
			return DOC_CORRUPT;
		pos += 3 + (size_t)tw_le16(clx + pos + 1);
	}
	if (pos >= clen || clx[pos] != 0x02 || clen - pos < 5)
		return DOC_CORRUPT;
	lcb = tw_le32(clx + pos + 1);
	pos += 5;
	if (lcb > clen - pos || lcb < 4 || (lcb - 4) % 12 != 0)
		return DOC_CORRUPT;
	plc = clx + pos;
	n = (lcb - 4) / 12;
	for (i = 0; i < n; i++) {
		uint32_t cp0 = tw_le32(plc + 4 * i), cp1 = tw_le32(plc + 4 * (i + 1));
		const unsigned char *pcd = plc + 4 * (n + 1) + 8 * i;
		uint32_t fc = tw_le32(pcd + 2);
		int compressed = (fc & 0x40000000u) != 0;
		size_t k, nch, off;

		if (cp1 <= cp0)
			continue;
		if (end_cp && cp0 >= end_cp)
			break;
		nch = cp1 - cp0;
		if (end_cp && cp1 > end_cp)
			nch = end_cp - cp0;
		fc &= 0x3fffffffu;
		off = compressed ? fc / 2 : fc;
		if (off >= wlen)
			continue;
		if (nch > (wlen - off) / (compressed ? 1 : 2))
			nch = (wlen - off) / (compressed ? 1 : 2);
		for (k = 0; k < nch; k++) {
			uint32_t cp = cp0 + (uint32_t)k;
			unsigned c;

			while (st < nstory && cp >= story[st]) {
				out_nl(o);
				s.depth = s.ncode = 0; /* fields never cross stories */
				st++;
			}
			c = compressed ? cp1252->u[wd[off + k]] : tw_le16(wd + off + 2 * k);
			doc_char(&s, c);
			if ((++count & 0xffff) == 0 && (out_full(o) || tw_cx_expired(cx)))
				return out_full(o) ? DOC_OK : DOC_LIMIT;
		}
	}
	return DOC_OK;
}

static void doc_extract(tw_extract_ctx *cx, tw_node *node, GsfInfile *root,
			struct out *o, int codepage, size_t cap)
{
	unsigned char *wd, *tbl = NULL;
	size_t wlen, tlen = 0;
	int damaged = 0, r;
	uint16_t ident, nfib, flags;
	struct sbcs cp1252;

	node->type = "word";
	wd = read_stream(root, "WordDocument", cap, &wlen, &damaged);
	if (!wd || wlen < 0x22) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "Word document stream is missing or too short for a FIB");
		free(wd);
		return;
	}
	ident = tw_le16(wd);
	nfib = tw_le16(wd + 2);
	flags = tw_le16(wd + 0x0a);
	if (ident != 0xa5ec && ident != 0xa5dc) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "WordDocument stream does not start with a Word FIB (0x%04x)",
			      ident);
		free(wd);
		return;
	}
	if (flags & 0x0100) {
		tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
			      "Word document is encrypted with a password");
		free(wd);
		return;
	}
	sbcs_init(&cp1252, 1252);
	if (nfib < 0xc1) {
		/* Word 6/95: text is 8-bit from fcMin to fcMac (best effort:
		 * fast-saved files may show stale text). */
		uint32_t fcmin = tw_le32(wd + 0x18), fcmac = tw_le32(wd + 0x1c);
		struct sbcs t;

		if (fcmin >= wlen || fcmac <= fcmin) {
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "Word 6/95 document has no valid text range");
		} else {
			if (fcmac > wlen)
				fcmac = (uint32_t)wlen;
			sbcs_init(&t, codepage);
			{
				struct docstate s;
				uint32_t i;

				memset(&s, 0, sizeof(s));
				s.o = o;
				for (i = fcmin; i < fcmac && !out_full(o); i++)
					doc_char(&s, t.u[wd[i]]);
			}
		}
		free(wd);
		return;
	}
	{
		size_t pos = 0x20, csw, cslw, cb;
		uint32_t fcclx, lcbclx, story[8], end_cp = 0;
		int nstory = 0, i;

		csw = tw_le16(wd + pos);
		pos += 2 + csw * 2;
		if (pos + 2 > wlen)
			goto bad_fib;
		cslw = tw_le16(wd + pos);
		pos += 2;
		if (cslw * 4 > wlen - pos)
			goto bad_fib;
		if (cslw >= 11) {
			/* ccpText, ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn,
			 * ccpTxbx, ccpHdrTxbx: the stories, in CP order */
			uint64_t sum = 0;

			for (i = 3; i <= 10; i++) {
				uint32_t v = tw_le32(wd + pos + 4 * i);

				if (v > 0x7fffffff)
					v = 0;
				sum += v;
				if (v && i < 10 && nstory < 8)
					story[nstory++] = (uint32_t)(sum > 0xffffffffu ? 0xffffffffu : sum);
			}
			end_cp = sum + 1 > 0xffffffffu ? 0 : (uint32_t)sum + 1;
		}
		pos += cslw * 4;
		if (pos + 2 > wlen)
			goto bad_fib;
		cb = tw_le16(wd + pos);
		pos += 2;
		if (cb < 34 || cb * 8 > wlen - pos)
			goto bad_fib;
		fcclx = tw_le32(wd + pos + 33 * 8);
		lcbclx = tw_le32(wd + pos + 33 * 8 + 4);
		tbl = read_stream(root, (flags & 0x0200) ? "1Table" : "0Table", cap,
				  &tlen, &damaged);
		if (!tbl) {
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "Word document has no %s stream",
				      (flags & 0x0200) ? "1Table" : "0Table");
			free(wd);
			return;
		}
		if (fcclx >= tlen || lcbclx > tlen - fcclx || lcbclx == 0) {
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "Word piece table (CLX) lies outside the table stream");
			goto done;
		}
		r = doc_pieces(cx, o, wd, wlen, tbl + fcclx, lcbclx, end_cp, story,
			       nstory, &cp1252);
		if (r == DOC_CORRUPT)
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "Word piece table (CLX) is malformed");
		goto done;
	}
bad_fib:
	tw_node_error(node, TRAWL_ECORRUPT, "parse", "Word FIB is truncated");
done:
	if (damaged)
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "a stream of the compound file is damaged; text may be incomplete");
	free(tbl);
	free(wd);
}

/* ---------------------------------------------------------------- Excel */

#define REC_FORMULA 0x0006
#define REC_EOF 0x000a
#define REC_FILEPASS 0x002f
#define REC_CONTINUE 0x003c
#define REC_CODEPAGE 0x0042
#define REC_DATE1904 0x0022
#define REC_XF 0x00e0
#define REC_FORMAT 0x041e
#define REC_BOUNDSHEET 0x0085
#define REC_MULRK 0x00bd
#define REC_RSTRING 0x00d6
#define REC_SST 0x00fc
#define REC_LABELSST 0x00fd
#define REC_TXO 0x01b6
#define REC_NUMBER 0x0203
#define REC_LABEL 0x0204
#define REC_BOOLERR 0x0205
#define REC_STRING 0x0207
#define REC_RK 0x027e
#define REC_BOF 0x0809

struct cell {
	uint32_t row, seq;
	uint16_t col;
	uint8_t sst;     /* `off` is a shared string index */
	uint32_t off, len;
};

struct sheet {
	uint32_t pos;    /* stream offset of its BOF */
	char *name;
	int worksheet;
};

struct xls {
	tw_extract_ctx *cx;
	tw_node *node;
	struct out *o;
	const unsigned char *d;
	size_t len;
	int biff8;
	struct sbcs cp;
	/* shared strings: UTF-8 in sst_buf, by index */
	tw_buf sst_buf;
	uint32_t *sst_off, *sst_len;
	size_t nsst;
	/* sheets */
	struct sheet *sheets;
	size_t nsheets, sheets_cap;
	/* cells of the sheet being read */
	struct cell *cells;
	size_t ncells, cells_cap;
	tw_buf strs;     /* text of non-shared cells */
	tw_buf notes;    /* text boxes and comments of the sheet */
	int cells_capped;
	int in_sheet;
	int formula_pending;
	uint32_t frow;
	uint16_t fcol;
	/* number formats: which XF records show dates */
	unsigned char *xf_date;  /* by XF index */
	size_t nxf;
	unsigned char fmt_date[65536 / 8]; /* custom formats that are dates */
	int date1904;
};

/* Reader over a record and its CONTINUE records. */
struct segs {
	const unsigned char **p;
	size_t *n;
	size_t nseg, cur, off;
};

static int seg_avail(struct segs *s)
{
	while (s->cur < s->nseg && s->off >= s->n[s->cur]) {
		s->cur++;
		s->off = 0;
	}
	return s->cur < s->nseg;
}

static int seg_bytes(struct segs *s, unsigned char *out, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++) {
		if (!seg_avail(s))
			return 0;
		out[i] = s->p[s->cur][s->off++];
	}
	return 1;
}

static int seg_skip(struct segs *s, uint64_t k)
{
	while (k > 0) {
		size_t a;

		if (!seg_avail(s))
			return 0;
		a = s->n[s->cur] - s->off;
		if (a > k)
			a = (size_t)k;
		s->off += a;
		k -= a;
	}
	return 1;
}

/*
 * The characters of a BIFF8 string.  When they run into the next CONTINUE
 * record, that record starts with a new flags byte telling whether the rest
 * is 8-bit or 16-bit: the split rule of [MS-XLS] 2.5.293.
 */
static int seg_chars(struct segs *s, size_t cch, int high, tw_buf *b)
{
	struct out o;

	memset(&o, 0, sizeof(o));
	o.b = *b;
	while (cch > 0) {
		size_t a, k;
		const unsigned char *p;

		if (s->cur >= s->nseg)
			break;
		if (s->off >= s->n[s->cur]) {
			s->cur++;
			s->off = 0;
			if (s->cur >= s->nseg || s->n[s->cur] == 0)
				break;
			high = s->p[s->cur][s->off++] & 1;
			continue;
		}
		a = s->n[s->cur] - s->off;
		p = s->p[s->cur] + s->off;
		k = high ? a / 2 : a;
		if (k == 0) {
			s->off = s->n[s->cur]; /* a split code unit: drop it */
			continue;
		}
		if (k > cch)
			k = cch;
		if (high)
			out_utf16(&o, p, k);
		else {
			size_t i;

			for (i = 0; i < k; i++)
				out_cp(&o, p[i]);
		}
		s->off += high ? 2 * k : k;
		cch -= k;
	}
	*b = o.b;
	return cch == 0;
}

static void xls_read_sst(struct xls *x, size_t pos, const unsigned char *rec,
			 size_t rlen)
{
	const unsigned char *segp[1024];
	size_t segn[1024];
	struct segs s;
	uint32_t count, i;
	size_t p = pos;

	if (x->sst_off || rlen < 8)
		return; /* one SST per workbook */
	s.p = segp;
	s.n = segn;
	s.nseg = 0;
	segp[s.nseg] = rec + 8;
	segn[s.nseg++] = rlen - 8;
	/* the CONTINUE records that follow */
	p += 4 + rlen;
	while (p + 4 <= x->len && s.nseg < TW_ARRAY_LEN(segp) &&
	       tw_le16(x->d + p) == REC_CONTINUE) {
		size_t l = tw_le16(x->d + p + 2);

		if (l > x->len - p - 4)
			l = x->len - p - 4;
		segp[s.nseg] = x->d + p + 4;
		segn[s.nseg++] = l;
		p += 4 + l;
	}
	s.cur = s.off = 0;
	count = tw_le32(rec + 4);
	/* every string takes at least 3 bytes: a bound on the count */
	if (count > x->len / 3 + 1)
		count = (uint32_t)(x->len / 3 + 1);
	if (count > MAX_SST_STRINGS)
		count = MAX_SST_STRINGS;
	x->sst_off = calloc(count ? count : 1, sizeof(*x->sst_off));
	x->sst_len = calloc(count ? count : 1, sizeof(*x->sst_len));
	if (!x->sst_off || !x->sst_len)
		return;
	for (i = 0; i < count; i++) {
		unsigned char h[3], f;
		uint16_t cch;
		uint16_t runs = 0;
		uint32_t ext = 0;
		size_t start = x->sst_buf.len;

		if (!seg_bytes(&s, h, 3))
			break;
		cch = tw_le16(h);
		f = h[2];
		if (f & 0x08) {
			unsigned char r[2];

			if (!seg_bytes(&s, r, 2))
				break;
			runs = tw_le16(r);
		}
		if (f & 0x04) {
			unsigned char e[4];

			if (!seg_bytes(&s, e, 4))
				break;
			ext = tw_le32(e);
		}
		if (!seg_chars(&s, cch, f & 1, &x->sst_buf))
			break;
		x->sst_off[i] = (uint32_t)start;
		x->sst_len[i] = (uint32_t)(x->sst_buf.len - start);
		x->nsst = i + 1;
		if (!seg_skip(&s, 4ull * runs) || !seg_skip(&s, ext))
			break;
		if ((i & 0xffff) == 0xffff && tw_cx_expired(x->cx))
			break;
	}
}

/* A string of a cell record (LABEL, RSTRING, STRING) into x->strs. */
static int xls_string(struct xls *x, const unsigned char *p, size_t n,
		      uint32_t *off, uint32_t *len)
{
	size_t cch, start = x->strs.len;
	struct out o;

	if (n < 2)
		return 0;
	cch = tw_le16(p);
	memset(&o, 0, sizeof(o));
	o.b = x->strs;
	if (x->biff8) {
		int high;

		if (n < 3)
			return 0;
		/* XLUnicodeString: only fHighByte matters */
		high = p[2] & 1;
		p += 3;
		n -= 3;
		if (high) {
			if (cch > n / 2)
				cch = n / 2;
			out_utf16(&o, p, cch);
		} else {
			size_t i;

			if (cch > n)
				cch = n;
			for (i = 0; i < cch; i++)
				out_cp(&o, p[i]);
		}
	} else {
		p += 2;
		n -= 2;
		if (cch > n)
			cch = n;
		out_8bit(&o, &x->cp, p, cch);
	}
	x->strs = o.b;
	*off = (uint32_t)start;
	*len = (uint32_t)(x->strs.len - start);
	return 1;
}

static struct cell *xls_cell(struct xls *x, uint32_t row, uint16_t col)
{
	struct cell *c;

	if (!x->in_sheet)
		return NULL;
	if (x->ncells >= MAX_CELLS_PER_SHEET) {
		x->cells_capped = 1;
		return NULL;
	}
	if (x->ncells == x->cells_cap) {
		size_t cap = x->cells_cap ? x->cells_cap * 2 : 256;
		struct cell *n = realloc(x->cells, cap * sizeof(*n));

		if (!n)
			return NULL;
		x->cells = n;
		x->cells_cap = cap;
	}
	c = &x->cells[x->ncells];
	memset(c, 0, sizeof(*c));
	c->row = row;
	c->col = col;
	c->seq = (uint32_t)x->ncells++;
	return c;
}

static void xls_text_cell(struct xls *x, uint32_t row, uint16_t col,
			  const char *s, size_t n)
{
	struct cell *c = xls_cell(x, row, col);

	if (!c)
		return;
	c->off = (uint32_t)x->strs.len;
	tw_buf_append(&x->strs, s, n);
	c->len = (uint32_t)(x->strs.len - c->off);
}

/* Does a number format show a date or time?  Letters inside quotes,
 * brackets ([Red], [$-409]) and escapes do not count. */
static int format_is_date(const char *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = f[i];

		if (c == '"') {
			while (++i < n && f[i] != '"')
				;
		} else if (c == '[') {
			while (++i < n && f[i] != ']')
				;
		} else if (c == '\\' || c == '_' || c == '*') {
			i++;
		} else if (strchr("dDmMyYhHsS", c)) {
			return 1;
		}
	}
	return 0;
}

static int builtin_date(unsigned ifmt)
{
	return (ifmt >= 14 && ifmt <= 22) || (ifmt >= 45 && ifmt <= 47) ||
	       (ifmt >= 27 && ifmt <= 36) || (ifmt >= 50 && ifmt <= 58);
}

static void xls_format(struct xls *x, const unsigned char *p, size_t n)
{
	unsigned ifmt;
	tw_buf b;
	uint32_t off, len;
	int date;

	if (n < 3)
		return;
	ifmt = tw_le16(p);
	tw_buf_init(&b, 1024);
	if (x->biff8) {
		tw_buf save = x->strs;

		x->strs = b;
		if (!xls_string(x, p + 2, n - 2, &off, &len)) {
			b = x->strs;
			x->strs = save;
			tw_buf_release(&b);
			return;
		}
		b = x->strs;
		x->strs = save;
	} else {
		size_t cch = p[2];

		if (cch > n - 3)
			cch = n - 3;
		tw_buf_append(&b, p + 3, cch);
	}
	date = b.data && format_is_date(b.data, b.len);
	tw_buf_release(&b);
	if (date)
		x->fmt_date[ifmt / 8] |= (unsigned char)(1u << (ifmt % 8));
	else
		x->fmt_date[ifmt / 8] &= (unsigned char)~(1u << (ifmt % 8));
}

static void xls_xf(struct xls *x, const unsigned char *p, size_t n)
{
	unsigned ifmt;

	if (n < 4 || x->nxf >= 65536)
		return;
	if (!x->xf_date) {
		x->xf_date = calloc(65536, 1);
		if (!x->xf_date)
			return;
	}
	ifmt = tw_le16(p + 2);
	x->xf_date[x->nxf++] = (unsigned char)(builtin_date(ifmt) ||
					       (x->fmt_date[ifmt / 8] >> (ifmt % 8) & 1));
}

/* An Excel serial date as ISO 8601 (1900 system with its phantom
 * 29 February 1900, or the 1904 system). */
static int serial_date(double v, int date1904, char *s, size_t cap)
{
	long days, secs, y, m, d, era, doe, yoe, doy, mp;
	double frac;

	if (!(v >= 0 && v < 2958466))
		return 0;
	days = (long)floor(v);
	frac = v - (double)days;
	secs = (long)floor(frac * 86400 + 0.5);
	if (secs >= 86400) {
		days++;
		secs -= 86400;
	}
	if (date1904)
		days += 24107; /* 1904-01-01 as days after 1899-12-30 */
	else if (days < 61)
		days += 1;     /* before the phantom leap day */
	/* days since 1899-12-30 -> civil date (Howard Hinnant's algorithm) */
	days += -25569 + 719468; /* to days since 0000-03-01 */
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	if (v < 1 && !date1904)
		return snprintf(s, cap, "%02ld:%02ld:%02ld", secs / 3600, secs / 60 % 60,
				secs % 60);
	if (secs == 0)
		return snprintf(s, cap, "%04ld-%02ld-%02ld", y, m, d);
	return snprintf(s, cap, "%04ld-%02ld-%02ld %02ld:%02ld:%02ld", y, m, d,
			secs / 3600, secs / 60 % 60, secs % 60);
}

static void xls_number(struct xls *x, uint32_t row, uint16_t col, unsigned ixfe,
		       double v)
{
	char s[64];
	int n = 0;

	if (isnan(v) || isinf(v))
		return;
	if (ixfe < x->nxf && x->xf_date[ixfe])
		n = serial_date(v, x->date1904, s, sizeof(s));
	if (n > 0)
		;
	else if (fabs(v) < 1e17 && v == floor(v))
		n = snprintf(s, sizeof(s), "%.0f", v);
	else
		n = snprintf(s, sizeof(s), "%.15g", v);
	if (n > 0)
		xls_text_cell(x, row, col, s, (size_t)n);
}

static double rk_value(uint32_t rk)
{
	double v;

	if (rk & 2) {
		v = (double)((int32_t)rk >> 2);
	} else {
		uint64_t bits = (uint64_t)(rk & 0xfffffffcu) << 32;

		memcpy(&v, &bits, sizeof(v));
	}
	return (rk & 1) ? v / 100 : v;
}

static double le_double(const unsigned char *p)
{
	uint64_t bits = tw_le64(p);
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

static int cell_cmp(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *sheet_name(struct xls *x, size_t pos)
{
	size_t i;

	for (i = 0; i < x->nsheets; i++)
		if (x->sheets[i].pos == pos)
			return x->sheets[i].name;
	return NULL;
}

/* Write the cells of the sheet just read, sorted, and forget them. */
static void xls_flush_sheet(struct xls *x)
{
	size_t i;
	struct out *o = x->o;

	if (x->ncells)
		qsort(x->cells, x->ncells, sizeof(*x->cells), cell_cmp);
	for (i = 0; i < x->ncells && !out_full(o); i++) {
		struct cell *c = &x->cells[i];
		const char *s;
		size_t n;

		if (i > 0 && x->cells[i - 1].row == c->row &&
		    x->cells[i - 1].col == c->col)
			continue; /* the same cell twice: keep the first */
		if (i > 0 && x->cells[i - 1].row == c->row)
			out_str(o, "\t");
		else
			out_nl(o);
		if (c->sst) {
			if (c->off >= x->nsst || !x->sst_buf.data)
				continue;
			s = x->sst_buf.data + x->sst_off[c->off];
			n = x->sst_len[c->off];
		} else {
			if (!x->strs.data)
				continue;
			s = x->strs.data + c->off;
			n = c->len;
		}
		/* a cell's own line breaks would break the row */
		{
			size_t k, st = 0;

			for (k = 0; k <= n; k++) {
				if (k == n || s[k] == '\n' || s[k] == '\t') {
					out_bytes(o, s + st, k - st);
					if (k < n)
						out_str(o, " ");
					st = k + 1;
				}
			}
		}
	}
	out_nl(o);
	if (x->notes.len) {
		out_bytes(o, x->notes.data, x->notes.len);
		out_nl(o);
	}
	if (x->cells_capped)
		tw_node_error(x->node, TRAWL_ELIMIT, "limit",
			      "sheet has more than %u cells; the rest were skipped",
			      MAX_CELLS_PER_SHEET);
	x->ncells = 0;
	x->cells_capped = 0;
	tw_buf_reset(&x->strs);
	tw_buf_reset(&x->notes);
}

static void xls_boundsheet(struct xls *x, const unsigned char *p, size_t n)
{
	struct sheet *s;
	struct out o;
	size_t cch;

	if (n < 8 || x->nsheets >= 65536)
		return;
	if (x->nsheets == x->sheets_cap) {
		size_t cap = x->sheets_cap ? x->sheets_cap * 2 : 16;
		struct sheet *ns = realloc(x->sheets, cap * sizeof(*ns));

		if (!ns)
			return;
		x->sheets = ns;
		x->sheets_cap = cap;
	}
	s = &x->sheets[x->nsheets];
	memset(s, 0, sizeof(*s));
	s->pos = tw_le32(p);
	s->worksheet = p[5] == 0;
	memset(&o, 0, sizeof(o));
	tw_buf_init(&o.b, 1024);
	cch = p[6];
	if (x->biff8) {
		int high = p[7] & 1;

		if (high) {
			if (cch > (n - 8) / 2)
				cch = (n - 8) / 2;
			out_utf16(&o, p + 8, cch);
		} else {
			size_t i;

			if (cch > n - 8)
				cch = n - 8;
			for (i = 0; i < cch; i++)
				out_cp(&o, p[8 + i]);
		}
	} else {
		if (cch > n - 7)
			cch = n - 7;
		out_8bit(&o, &x->cp, p + 7, cch);
	}
	s->name = o.b.data ? tw_buf_detach(&o.b, NULL) : tw_strdup("");
	if (!s->name)
		return;
	x->nsheets++;
}

static void xls_extract(tw_extract_ctx *cx, tw_node *node, GsfInfile *root,
			struct out *o, size_t cap)
{
	struct xls x;
	size_t pos = 0, i;
	int damaged = 0, depth = 0, encrypted = 0, truncated = 0;
	unsigned long nrec = 0;
	unsigned char *wb;
	size_t wlen;

	node->type = "spreadsheet";
	wb = read_stream(root, "Workbook", cap, &wlen, &damaged);
	if (!wb)
		wb = read_stream(root, "Book", cap, &wlen, &damaged);
	if (!wb || wlen < 8) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "Excel workbook stream is missing or empty");
		free(wb);
		return;
	}
	memset(&x, 0, sizeof(x));
	x.cx = cx;
	x.node = node;
	x.o = o;
	x.d = wb;
	x.len = wlen;
	x.biff8 = 1;
	sbcs_init(&x.cp, 1252);
	tw_buf_init(&x.sst_buf, cap);
	tw_buf_init(&x.strs, cap);
	tw_buf_init(&x.notes, 1u << 20);

	while (pos + 4 <= wlen) {
		uint16_t type = tw_le16(wb + pos);
		size_t rlen = tw_le16(wb + pos + 2);
		const unsigned char *p = wb + pos + 4;

		if (rlen > wlen - pos - 4) {
			truncated = 1;
			rlen = wlen - pos - 4;
		}
		if ((++nrec & 0xffff) == 0 && tw_cx_expired(cx))
			break;
		if (out_full(o))
			break;
		switch (type) {
		case REC_BOF:
			if (rlen >= 4) {
				uint16_t ver = tw_le16(p), dt = tw_le16(p + 2);

				if (depth == 0 && pos == 0)
					x.biff8 = ver >= 0x0600;
				if (dt == 0x0010 || dt == 0x0020 || dt == 0x0040) {
					const char *name = sheet_name(&x, pos);

					if (x.in_sheet)
						xls_flush_sheet(&x);
					x.in_sheet = 1;
					out_nl(o);
					out_str(o, "Sheet: ");
					out_str(o, name ? name : "?");
					out_str(o, "\n");
				}
			}
			depth++;
			break;
		case REC_EOF:
			if (x.in_sheet)
				xls_flush_sheet(&x);
			x.in_sheet = 0;
			if (depth > 0)
				depth--;
			break;
		case REC_FILEPASS:
			encrypted = 1;
			break;
		case REC_CODEPAGE:
			if (rlen >= 2 && !x.biff8)
				sbcs_init(&x.cp, tw_le16(p));
			break;
		case REC_BOUNDSHEET:
			xls_boundsheet(&x, p, rlen);
			break;
		case REC_FORMAT:
			xls_format(&x, p, rlen);
			break;
		case REC_XF:
			if (!x.in_sheet)
				xls_xf(&x, p, rlen);
			break;
		case REC_DATE1904:
			if (rlen >= 2)
				x.date1904 = tw_le16(p) == 1;
			break;
		case REC_SST:
			xls_read_sst(&x, pos, p, rlen);
			break;
		case REC_LABELSST:
			if (rlen >= 10) {
				struct cell *c = xls_cell(&x, tw_le16(p), tw_le16(p + 2));

				if (c) {
					c->sst = 1;
					c->off = tw_le32(p + 6);
				}
			}
			break;
		case REC_LABEL:
		case REC_RSTRING:
			if (rlen >= 8) {
				uint32_t off, l;
				struct cell *c;

				if (xls_string(&x, p + 6, rlen - 6, &off, &l) &&
				    (c = xls_cell(&x, tw_le16(p), tw_le16(p + 2)))) {
					c->off = off;
					c->len = l;
				}
			}
			break;
		case REC_NUMBER:
			if (rlen >= 14)
				xls_number(&x, tw_le16(p), tw_le16(p + 2), tw_le16(p + 4),
					   le_double(p + 6));
			break;
		case REC_RK:
			if (rlen >= 10)
				xls_number(&x, tw_le16(p), tw_le16(p + 2), tw_le16(p + 4),
					   rk_value(tw_le32(p + 6)));
			break;
		case REC_MULRK:
			if (rlen >= 6) {
				size_t k, n = (rlen - 6) / 6;
				uint16_t col = tw_le16(p + 2);

				for (k = 0; k < n && col + k < 65536; k++)
					xls_number(&x, tw_le16(p), (uint16_t)(col + k),
						   tw_le16(p + 4 + 6 * k),
						   rk_value(tw_le32(p + 4 + 6 * k + 2)));
			}
			break;
		case REC_FORMULA:
			x.formula_pending = 0;
			if (rlen >= 14) {
				uint32_t row = tw_le16(p);
				uint16_t col = tw_le16(p + 2);

				if (p[12] == 0xff && p[13] == 0xff) {
					if (p[6] == 0) {
						x.formula_pending = 1;
						x.frow = row;
						x.fcol = col;
					} else if (p[6] == 1) {
						xls_text_cell(&x, row, col, p[8] ? "TRUE" : "FALSE",
							      p[8] ? 4 : 5);
					}
				} else {
					xls_number(&x, row, col, tw_le16(p + 4),
						   le_double(p + 6));
				}
			}
			break;
		case REC_STRING:
			if (x.formula_pending) {
				uint32_t off, l;
				struct cell *c;

				if (xls_string(&x, p, rlen, &off, &l) &&
				    (c = xls_cell(&x, x.frow, x.fcol))) {
					c->off = off;
					c->len = l;
				}
				x.formula_pending = 0;
			}
			break;
		case REC_BOOLERR:
			if (rlen >= 8) {
				if (p[7] == 0)
					xls_text_cell(&x, tw_le16(p), tw_le16(p + 2),
						      p[6] ? "TRUE" : "FALSE", p[6] ? 4 : 5);
			}
			break;
		case REC_TXO:
			/* a comment or text box: its text is in the CONTINUE
			 * record that follows, after a flags byte */
			if (rlen >= 12 && x.in_sheet) {
				size_t cch = tw_le16(p + 10), q = pos + 4 + rlen;

				if (cch && q + 5 <= wlen && tw_le16(wb + q) == REC_CONTINUE) {
					size_t cl = tw_le16(wb + q + 2);
					const unsigned char *c = wb + q + 4;
					struct out no;

					if (cl > wlen - q - 4)
						cl = wlen - q - 4;
					if (cl < 1)
						break;
					memset(&no, 0, sizeof(no));
					no.b = x.notes;
					if (c[0] & 1) {
						if (cch > (cl - 1) / 2)
							cch = (cl - 1) / 2;
						out_utf16(&no, c + 1, cch);
					} else {
						if (cch > cl - 1)
							cch = cl - 1;
						out_8bit(&no, &x.cp, c + 1, cch);
					}
					out_str(&no, "\n");
					x.notes = no.b;
				}
			}
			break;
		}
		if (encrypted)
			break;
		pos += 4 + rlen;
	}
	if (x.in_sheet)
		xls_flush_sheet(&x);
	if (encrypted) {
		tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
			      "Excel workbook is encrypted with a password");
	} else if (truncated || damaged) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "Excel workbook stream is truncated or damaged; text may be incomplete");
	}
	{
		size_t ws = 0;

		for (i = 0; i < x.nsheets; i++)
			ws += x.sheets[i].worksheet;
		if (ws)
			tw_node_propf(node, "sheets", "%zu", ws);
	}
	for (i = 0; i < x.nsheets; i++)
		free(x.sheets[i].name);
	free(x.sheets);
	free(x.cells);
	free(x.sst_off);
	free(x.sst_len);
	free(x.xf_date);
	tw_buf_release(&x.sst_buf);
	tw_buf_release(&x.strs);
	tw_buf_release(&x.notes);
	free(wb);
}

/* ---------------------------------------------------------------- PowerPoint */

#define PPT_NOTES 0x03f0
#define PPT_MAINMASTER 0x03f8
#define PPT_HANDOUT 0x0fc9
#define PPT_TEXTCHARS 0x0fa0
#define PPT_TEXTBYTES 0x0fa8
#define PPT_CSTRING 0x0fba
#define PPT_EXOLEOBJSTG 0x1011
#define PPT_OEPLACEHOLDER 0x0bc3
#define PPT_SPCONTAINER 0xf004
#define PPT_CRYPTSESSION 0x2f14

/* Inflate zlib data into dst; streams cut before their checksum (common
 * in PowerPoint files) still give what they hold.  Returns the bytes out. */
static size_t inflate_some(const unsigned char *src, size_t n, unsigned char *dst,
			   size_t cap)
{
	z_stream z;
	size_t got;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return 0;
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
	z.next_out = dst;
	z.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
	inflate(&z, Z_FINISH);
	got = (size_t)z.total_out;
	inflateEnd(&z);
	return got;
}

/* ExOleObjStg: an embedded object's storage, zlib-compressed when its
 * instance is 1. */
static void ppt_object(struct objs *ob, const unsigned char *p, size_t n,
		       int compressed)
{
	uLongf dl;
	unsigned char *d;
	const trawl_limits *lim = tw_cx_limits(ob->cx);

	if (!compressed) {
		obj_child(ob, NULL, p, n);
		return;
	}
	if (n < 4)
		return;
	dl = tw_le32(p);
	if (dl == 0 || dl > lim->max_item_bytes || (uint64_t)dl / (n ? n : 1) > lim->max_ratio + 16ull)
		return;
	if (tw_cx_inflate(ob->cx, ob->node, dl, n) != TRAWL_OK) {
		ob->stop = 1;
		return;
	}
	d = malloc(dl);
	if (!d)
		return;
	dl = inflate_some(p + 4, n - 4, d, dl);
	{
		GsfInput *in;
		GsfInfile *st;
		char why[64], name[32];

		/* the object's storage: unwrap a packaged file if it is one */
		snprintf(name, sizeof(name), "object%u", ob->n + 1);
		st = ole_open(d, dl, &in, why, sizeof(why));
		if (!st || !storage_unwrap(ob, st, name, dl))
			obj_child(ob, NULL, d, dl);
		if (st) {
			g_object_unref(st);
			g_object_unref(in);
		}
	}
	free(d);
}

/*
 * Text atoms already written, by hash: incremental saves leave old copies
 * of records in the stream, and some writers store slide text twice.
 */
struct seen {
	uint64_t *h;
	size_t n, cap;
};

static int seen_add(struct seen *s, uint16_t type, const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ type;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	if (!h)
		h = 1;
	if (s->n * 2 >= s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024, k;
		uint64_t *nh;

		if (cap > (1u << 22))
			return 1; /* too many to remember: keep everything */
		nh = calloc(cap, sizeof(*nh));
		if (!nh)
			return 1;
		for (k = 0; k < s->cap; k++) {
			if (s->h[k]) {
				size_t j = (size_t)(s->h[k] & (cap - 1));

				while (nh[j])
					j = (j + 1) & (cap - 1);
				nh[j] = s->h[k];
			}
		}
		free(s->h);
		s->h = nh;
		s->cap = cap;
	}
	for (i = (size_t)(h & (s->cap - 1)); s->h[i]; i = (i + 1) & (s->cap - 1))
		if (s->h[i] == h)
			return 0;
	s->h[i] = h;
	s->n++;
	return 1;
}

static void ppt_extract(tw_extract_ctx *cx, tw_node *node, GsfInfile *root,
			struct out *o, struct objs *ob, int codepage, size_t cap)
{
	unsigned char *d;
	size_t len, pos = 0, ends[MAX_PPT_DEPTH];
	uint16_t types[MAX_PPT_DEPTH];
	unsigned char placeholder[MAX_PPT_DEPTH];
	int depth = 0, damaged = 0, encrypted = 0, i;
	unsigned long nrec = 0;
	struct sbcs cp1252;
	struct seen seen = {NULL, 0, 0};

	node->type = "presentation";
	if (has_child(root, "EncryptedSummary")) {
		if (!tw_cx_locating(cx))
			tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
				      "PowerPoint presentation is encrypted with a password");
		return;
	}
	/* "PowerPoint 97-2003 & 95" files keep the 97 version in a storage
	 * of its own; the top-level stream is then in the 95 format. */
	{
		int k = child_index(root, "PP97_DUALSTORAGE");
		GsfInput *dual = k >= 0 ? gsf_infile_child_by_index(root, k) : NULL;

		d = NULL;
		if (dual && GSF_IS_INFILE(dual))
			d = read_stream(GSF_INFILE(dual), "PowerPoint Document", cap, &len,
					&damaged);
		if (dual)
			g_object_unref(dual);
	}
	if (!d)
		d = read_stream(root, "PowerPoint Document", cap, &len, &damaged);
	if (!d) {
		if (!tw_cx_locating(cx))
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "PowerPoint document stream is missing");
		return;
	}
	sbcs_init(&cp1252, 1252);
	while (pos + 8 <= len) {
		uint16_t vi = tw_le16(d + pos), type = tw_le16(d + pos + 2);
		uint32_t rlen = tw_le32(d + pos + 4);
		size_t end, limit = depth ? ends[depth - 1] : len;

		if ((++nrec & 0xffff) == 0 && tw_cx_expired(cx))
			break;
		if (limit - pos < 8) {
			/* a header cut by its container's end */
			pos = limit;
			while (depth > 0 && pos >= ends[depth - 1])
				depth--;
			continue;
		}
		end = rlen > limit - pos - 8 ? limit : pos + 8 + rlen;
		if (type == PPT_CRYPTSESSION) {
			encrypted = 1;
			break;
		}
		if ((vi & 0xf) == 0xf) {
			/* a container: its records follow */
			if (depth < MAX_PPT_DEPTH) {
				ends[depth] = end;
				types[depth] = type;
				placeholder[depth] = 0;
				depth++;
			}
			pos += 8;
		} else {
			const unsigned char *p = d + pos + 8;
			size_t n = end - pos - 8;
			int master = 0, ph = 0, text;

			for (i = 0; i < depth; i++) {
				if (types[i] == PPT_MAINMASTER || types[i] == PPT_NOTES ||
				    types[i] == PPT_HANDOUT)
					master = 1;
				if (placeholder[i])
					ph = 1;
			}
			if (type == PPT_OEPLACEHOLDER) {
				/* mark the shape: placeholder text of masters,
				 * notes masters and handouts is boilerplate ("Click
				 * to edit Master title style") */
				for (i = depth - 1; i >= 0; i--)
					if (types[i] == PPT_SPCONTAINER) {
						placeholder[i] = 1;
						break;
					}
			}
			text = (type == PPT_TEXTCHARS || type == PPT_TEXTBYTES ||
				type == PPT_CSTRING) && !(master && ph) && !out_full(o);
			if (text && type == PPT_CSTRING &&
			    (n < 2 || (n >= 12 && memcmp(p, "_\0_\0_\0P\0P\0T\0", 12) == 0)))
				text = 0; /* ___PPT10 and the like: tags, not text */
			/* short atoms (table cells, "Yes") repeat for real */
			if (text && !tw_cx_locating(cx) &&
			    (n < (type == PPT_TEXTBYTES ? 16u : 32u) ||
			     seen_add(&seen, type, p, n))) {
				if (type == PPT_TEXTBYTES)
					out_8bit(o, &cp1252, p, n);
				else
					out_utf16(o, p, n / 2);
				out_nl(o);
			} else if (type == PPT_EXOLEOBJSTG && !ob->stop) {
				ppt_object(ob, p, n, (vi >> 4) == 1);
			}
			pos = end;
		}
		while (depth > 0 && pos >= ends[depth - 1])
			depth--;
	}
	if (!o->b.len && !encrypted && !tw_cx_locating(cx)) {
		/* PowerPoint 95: its plain-text copy of the slides */
		unsigned char *t = read_stream(root, "Text_Content", cap, &len, NULL);

		if (t) {
			struct sbcs cpt;

			sbcs_init(&cpt, codepage);
			out_8bit(o, &cpt, t, len);
			free(t);
		}
	}
	if (tw_cx_locating(cx))
		;
	else if (encrypted)
		tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
			      "PowerPoint presentation is encrypted with a password");
	else if (damaged)
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "PowerPoint document stream is damaged; text may be incomplete");
	free(seen.h);
	free(d);
}

/* ---------------------------------------------------------------- dispatch */

enum kind { K_OTHER, K_DOC, K_XLS, K_PPT, K_MSG, K_CRYPT };

static enum kind classify(GsfInfile *root)
{
	int i, n = gsf_infile_num_children(root);

	if (has_child(root, "EncryptionInfo") && has_child(root, "EncryptedPackage"))
		return K_CRYPT;
	for (i = 0; i < n; i++) {
		const char *c = gsf_infile_name_by_index(root, i);

		if (c && (strcmp(c, "__properties_version1.0") == 0 ||
			  strncmp(c, "__substg1.0_", 12) == 0 ||
			  strncmp(c, "__nameid_version1.0", 19) == 0))
			return K_MSG;
	}
	if (has_child(root, "WordDocument"))
		return K_DOC;
	if (has_child(root, "Workbook") || has_child(root, "Book"))
		return K_XLS;
	if (has_child(root, "PowerPoint Document"))
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
	gsf_quiet++;
	root = ole_open(data, len, &in, why, sizeof(why));
	k = K_OTHER;
	if (root) {
		k = classify(root);
		g_object_unref(root);
		g_object_unref(in);
	}
	gsf_quiet--;
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
	struct out o;
	struct objs ob;
	size_t cap = len + 65536; /* no stream can be much larger than the file */
	int cp = 0;
	enum kind k;

	if (cap > tw_cx_limits(cx)->max_item_bytes)
		cap = tw_cx_limits(cx)->max_item_bytes;
	gsf_quiet++;
	root = ole_open(data, len, &in, why, sizeof(why));
	if (!root) {
		gsf_quiet--;
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
			doc_extract(cx, node, root, &o, cp, cap);
		{
			int i = child_index(root, "ObjectPool");
			GsfInput *pool = i >= 0 ? gsf_infile_child_by_index(root, i) : NULL;

			if (pool && GSF_IS_INFILE(pool))
				storages(&ob, GSF_INFILE(pool), "", cap);
			if (pool)
				g_object_unref(pool);
		}
		break;
	case K_XLS:
		if (!tw_cx_locating(cx))
			xls_extract(cx, node, root, &o, cap);
		storages(&ob, root, "MBD", cap);
		break;
	case K_PPT:
		ppt_extract(cx, node, root, &o, &ob, cp, cap);
		break;
	case K_MSG:
	case K_OTHER:
		/* an embedded object's storage saved on its own (it has an
		 * \001Ole stream; Works and Publisher files have a CONTENTS
		 * stream too, but that is the document itself) */
		if (k == K_OTHER && (has_child(root, "\001Ole") ||
				     has_child(root, "\001Ole10Native")) &&
		    storage_unwrap(&ob, root, "contents", cap))
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
	gsf_quiet--;
	return TRAWL_OK;
}

const tw_extractor tw_extractor_legacy = {
	"legacy", NULL, legacy_accepts, legacy_extract, NULL,
};
