/*
 * ooxml.c - Office Open XML: DOCX, XLSX, PPTX and their macro-enabled and
 * template variants (docm, dotx, xlsm, xltx, pptm, potx ...).
 *
 * An OOXML file is a zip package of XML parts.  libarchive reads the
 * package from memory and every part is parsed as a stream by libxml2's
 * xmlTextReader, fed straight from the decompressor: a 100 MB sheet never
 * becomes a tree in memory, and every inflated byte is accounted against
 * the container limits.  Entities are never substituted (no
 * XML_PARSE_NOENT), external DTDs are never loaded and the network is never
 * touched; libxml2's own amplification checks stop entity bombs.
 *
 * Text comes out in reading order: for DOCX the body, then headers,
 * footers, foot- and endnotes, comments and finally deleted (tracked) text;
 * for XLSX each sheet in workbook order under its name, cells separated by
 * tabs and rows by newlines, shared strings resolved and date-formatted
 * numbers written as ISO dates; for PPTX each slide followed by its speaker
 * notes.  docProps/core.xml and app.xml give the metadata.  Objects under
 * the embeddings/ folders become "attachment" children.  A part that does not parse
 * is recorded as corrupt and the other parts are still extracted.
 *
 * The package, XML-stream and text-output helpers (tw_pkg_*, tw_xs_*,
 * tw_out_*, tw_zip_scan, tw_iso_date) are shared with odf.c, which declares
 * them itself for want of a shared header of its own.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/xmlreader.h>

#include "extract/package.h"

/* ================================================================ shared */

/* ---------------------------------------------------------------- zip scan */

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Call fn on every member name of the zip central directory of d/n,
 * without inflating anything: this is how accepts() tells an Office file
 * from any other zip cheaply.  Returns -1 when no usable central directory
 * is found (truncated or zip64 archive), else the last non-zero value fn
 * returned, or 0.  fn returning non-zero stops the walk.
 */
int tw_zip_scan(const unsigned char *d, size_t n,
		int (*fn)(const char *name, size_t len, void *ud), void *ud)
{
	size_t i, lo, pos, end, count = 0;
	uint32_t cd_size, cd_off;

	if (n < 22)
		return -1;
	lo = n > 65557 ? n - 65557 : 0;
	for (i = n - 22;; i--) {
		if (d[i] == 'P' && d[i + 1] == 'K' && d[i + 2] == 5 && d[i + 3] == 6)
			break;
		if (i == lo)
			return -1;
	}
	cd_size = le32(d + i + 12);
	cd_off = le32(d + i + 16);
	if (cd_off == 0xffffffffu || cd_size == 0xffffffffu)
		return -1;
	/* Data prepended to the zip shifts every offset: the directory is
	 * found from where it ends, the EOCD record, not from cd_off. */
	if ((size_t)cd_size > i)
		return -1;
	pos = i - cd_size;
	end = i;
	while (pos + 46 <= end && count++ < 1000000) {
		size_t nl, el, cl;
		int r;

		if (le32(d + pos) != 0x02014b50u)
			return -1;
		nl = le16(d + pos + 28);
		el = le16(d + pos + 30);
		cl = le16(d + pos + 32);
		if (pos + 46 + nl > end)
			return -1;
		r = fn((const char *)d + pos + 46, nl, ud);
		if (r)
			return r;
		pos += 46 + nl + el + cl;
	}
	return 0;
}

/* ---------------------------------------------------------------- dates */

/* "2014-11-24T10:03:00.5+01:00" (W3CDTF, any precision) to
 * "2014-11-24T09:03:00Z".  No zone means UTC. Returns 0 on success. */
int tw_iso_date(const char *s, char out[32])
{
	int y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0, tz = 0, k;
	struct tm tm;
	time_t t;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	for (k = 0; k < 4; k++, s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		y = y * 10 + (*s - '0');
	}
#define TWO(v) do { \
		if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1])) \
			return -1; \
		(v) = (s[0] - '0') * 10 + (s[1] - '0'); \
		s += 2; \
	} while (0)
	if (*s == '-') {
		s++;
		TWO(mo);
		if (*s == '-') {
			s++;
			TWO(d);
			if (*s == 'T' || *s == 't' || *s == ' ') {
				s++;
				TWO(h);
				if (*s != ':')
					return -1;
				s++;
				TWO(mi);
				if (*s == ':') {
					s++;
					TWO(sec);
					if (*s == '.' || *s == ',')
						for (s++; isdigit((unsigned char)*s); s++)
							;
				}
				if (*s == 'Z' || *s == 'z') {
					s++;
				} else if (*s == '+' || *s == '-') {
					int sign = *s == '-' ? -1 : 1, th, tm_;

					s++;
					TWO(th);
					tm_ = 0;
					if (*s == ':')
						s++;
					if (isdigit((unsigned char)*s))
						TWO(tm_);
					if (th > 23 || tm_ > 59)
						return -1;
					tz = sign * (th * 60 + tm_);
				}
			}
		}
	}
#undef TWO
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s || y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 ||
	    mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi - tz;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (!gmtime_r(&t, &tm))
		return -1;
	if (tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1)
		return -1;
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
	return 0;
}

/* ---------------------------------------------------------------- package */

/* Member names longer than this are not looked at. */
#define NAME_MAX_LEN 1024

typedef struct tw_pkg {
	tw_extract_ctx *cx;
	tw_node *node;
	const unsigned char *data;
	size_t len;
	char **names;      /* regular members, in archive order */
	size_t *ordinal;   /* their position among all headers */
	size_t n, cap;
	int stopped;       /* a limit or the clock stopped the work */
} tw_pkg;

static struct archive *zip_reader(const unsigned char *d, size_t n)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	if (archive_read_support_format_zip(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, d, n) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static const char *entry_name(struct archive_entry *e)
{
	const char *s = archive_entry_pathname_utf8(e);

	if (!s)
		s = archive_entry_pathname(e);
	if (!s)
		return NULL;
	while (*s == '/')
		s++;
	while (s[0] == '.' && s[1] == '/')
		s += 2;
	return s;
}

tw_pkg *tw_pkg_open(tw_extract_ctx *cx, tw_node *node,
		    const unsigned char *d, size_t n)
{
	tw_pkg *p = tw_calloc(1, sizeof(*p));
	struct archive *a;
	struct archive_entry *e;
	size_t ord = 0, max = tw_cx_limits(cx)->max_members;
	int r;

	if (!p)
		return NULL;
	p->cx = cx;
	p->node = node;
	p->data = d;
	p->len = n;
	/* The container's own bytes are the denominator of its ratio. */
	if (tw_cx_inflate(cx, node, 0, n) != TRAWL_OK)
		p->stopped = 1;
	a = zip_reader(d, n);
	if (!a) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse", "not a readable zip package");
		free(p);
		return NULL;
	}
	for (;; ord++) {
		const char *name;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "zip package %s after %zu members: %s",
				      ord ? "broken" : "unreadable", ord,
				      archive_error_string(a) ? archive_error_string(a)
							      : "unknown error");
			break;
		}
		if ((ord & 255) == 255 && tw_cx_expired(cx)) {
			p->stopped = 1;
			break;
		}
		name = entry_name(e);
		if (!name || !*name || strlen(name) > NAME_MAX_LEN ||
		    archive_entry_filetype(e) == AE_IFDIR ||
		    name[strlen(name) - 1] == '/')
			continue;
		if (p->n >= max || p->n >= 1000000) {
			tw_node_error(node, TRAWL_ELIMIT, "limit",
				      "zip package has more than %zu members; the rest were ignored",
				      p->n);
			break;
		}
		if (p->n == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 64;
			char **nn = tw_realloc(p->names, cap * sizeof(*nn));
			size_t *no;

			if (!nn)
				break;
			p->names = nn;
			no = tw_realloc(p->ordinal, cap * sizeof(*no));
			if (!no)
				break;
			p->ordinal = no;
			p->cap = cap;
		}
		p->names[p->n] = tw_strdup(name);
		if (!p->names[p->n])
			break;
		p->ordinal[p->n++] = ord;
	}
	archive_read_free(a);
	return p;
}

void tw_pkg_close(tw_pkg *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		free(p->names[i]);
	free(p->names);
	free(p->ordinal);
	free(p);
}

int tw_pkg_stopped(const tw_pkg *p)
{
	return p->stopped;
}

/* Index of a member, or -1. */
long tw_pkg_find(const tw_pkg *p, const char *name)
{
	size_t i;

	if (!name)
		return -1;
	while (*name == '/')
		name++;
	for (i = 0; i < p->n; i++)
		if (strcmp(p->names[i], name) == 0)
			return (long)i;
	return -1;
}

/* A fresh reader positioned at the data of member i. */
static struct archive *pkg_seek(tw_pkg *p, size_t i)
{
	struct archive *a = zip_reader(p->data, p->len);
	struct archive_entry *e;
	size_t ord;

	if (!a)
		return NULL;
	for (ord = 0;; ord++) {
		if (archive_read_next_header(a, &e) < ARCHIVE_WARN)
			break;
		if (ord == p->ordinal[i])
			return a;
		/* Without a central directory each skip inflates. */
		if ((ord & 255) == 255 && tw_cx_expired(p->cx)) {
			p->stopped = 1;
			break;
		}
	}
	archive_read_free(a);
	return NULL;
}

/*
 * Read member i whole, up to `max` bytes.  Returns the bytes (caller
 * frees) or NULL, with *status saying why: TRAWL_ELIMIT when the member is
 * larger than max or a container limit was hit, TRAWL_ECORRUPT when it
 * cannot be inflated (the error is recorded).
 */
unsigned char *tw_pkg_read(tw_pkg *p, size_t i, uint64_t max, size_t *len,
			   trawl_status *status)
{
	struct archive *a;
	tw_buf b;
	char chunk[65536];

	*len = 0;
	*status = TRAWL_OK;
	if (p->stopped) {
		*status = TRAWL_ELIMIT;
		return NULL;
	}
	a = pkg_seek(p, i);
	if (!a) {
		if (p->stopped) {
			*status = TRAWL_ELIMIT;
			return NULL;
		}
		tw_node_error(p->node, TRAWL_ECORRUPT, "parse",
			      "%s: cannot find the member again in the zip package",
			      p->names[i]);
		*status = TRAWL_ECORRUPT;
		return NULL;
	}
	tw_buf_init(&b, max);
	for (;;) {
		la_ssize_t r = archive_read_data(a, chunk, sizeof(chunk));

		if (r == 0)
			break;
		if (r < 0) {
			tw_node_error(p->node, TRAWL_ECORRUPT, "parse", "%s: %s",
				      p->names[i],
				      archive_error_string(a) ? archive_error_string(a)
							      : "cannot inflate");
			*status = TRAWL_ECORRUPT;
			break;
		}
		if (tw_cx_inflate(p->cx, p->node, (uint64_t)r, 0) != TRAWL_OK) {
			p->stopped = 1;
			*status = TRAWL_ELIMIT;
			break;
		}
		if (tw_buf_append(&b, chunk, (size_t)r) != TRAWL_OK) {
			*status = TRAWL_ELIMIT;
			break;
		}
		if (tw_cx_expired(p->cx)) {
			p->stopped = 1;
			*status = TRAWL_ELIMIT;
			break;
		}
	}
	archive_read_free(a);
	if (*status != TRAWL_OK) {
		tw_buf_release(&b);
		return NULL;
	}
	if (!b.data)
		return (unsigned char *)tw_strdup("");
	return (unsigned char *)tw_buf_detach(&b, len);
}

/*
 * Emit member i as an "attachment" child located by "member:<path>", or
 * "member:<path>#<n>" for the n-th member of a name a zip repeats.
 * Returns -1 when no more children should be added.
 */
static int pkg_child(tw_pkg *p, size_t i, size_t dup)
{
	uint64_t max = tw_cx_limits(p->cx)->max_item_bytes;
	const char *name = p->names[i], *base;
	char loc[NAME_MAX_LEN + 64];
	unsigned char *bytes;
	trawl_status st;
	tw_node *c;
	size_t len;

	if (dup > 1)
		snprintf(loc, sizeof(loc), "member:%s#%zu", name, dup);
	else
		snprintf(loc, sizeof(loc), "member:%s", name);
	bytes = tw_pkg_read(p, i, max, &len, &st);
	if (!bytes) {
		if (st == TRAWL_ELIMIT && !p->stopped && !tw_cx_locating(p->cx))
			tw_node_error(p->node, TRAWL_ELIMIT, "limit",
				      "%s: embedded object larger than %llu bytes (max_item_bytes); skipped",
				      name, (unsigned long long)max);
		return p->stopped ? -1 : 0;
	}
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	c = tw_child(p->cx, p->node, "attachment", base, loc, bytes, len);
	free(bytes);
	/* NULL is the norm while locating another child; otherwise a limit. */
	if (!c && (tw_cx_expired(p->cx) || !tw_cx_locating(p->cx)))
		return -1;
	return 0;
}

struct hit {
	const char *name;
	size_t i, dup;
};

static int hit_by_name(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int hit_by_index(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return (x->i > y->i) - (x->i < y->i);
}

/*
 * Emit every member under one of the directory prefixes (directly under
 * it with top_level_only) as an "attachment" child, in archive order.
 * Used for embedded objects of both OOXML and ODF documents.
 */
void tw_pkg_children(tw_pkg *p, const char *const *prefixes, size_t nprefixes,
		     int top_level_only)
{
	struct hit *h = tw_calloc(p->n ? p->n : 1, sizeof(*h));
	size_t i, k, n = 0;

	if (!h)
		return;
	for (i = 0; i < p->n; i++) {
		for (k = 0; k < nprefixes; k++) {
			size_t pl = strlen(prefixes[k]);
			const char *rest = p->names[i] + pl;

			if (!strncmp(p->names[i], prefixes[k], pl) && *rest &&
			    (!top_level_only || !strchr(rest, '/'))) {
				h[n].name = p->names[i];
				h[n++].i = i;
				break;
			}
		}
	}
	/* Number repeated names in archive order, without a quadratic scan. */
	qsort(h, n, sizeof(*h), hit_by_name);
	for (i = 0; i < n; i++)
		h[i].dup = i && !strcmp(h[i].name, h[i - 1].name) ? h[i - 1].dup + 1 : 1;
	qsort(h, n, sizeof(*h), hit_by_index);
	for (i = 0; i < n && !p->stopped; i++)
		if (pkg_child(p, h[i].i, h[i].dup) < 0)
			break;
	free(h);
}

/* Emit the members named (by relationships, say) as children, each once. */
static void pkg_children_named(tw_pkg *p, char *const *names, size_t count)
{
	size_t i, j;
	long k;

	for (i = 0; i < count && i < 1000 && !p->stopped; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(names[j], names[i]))
				break;
		k = tw_pkg_find(p, names[i]);
		if (k < 0 || j < i)
			continue;
		if (pkg_child(p, (size_t)k, 1) < 0)
			break;
	}
}

/* ---------------------------------------------------------------- XML stream */

typedef struct tw_xs {
	tw_pkg *pkg;        /* NULL when parsing memory */
	tw_extract_ctx *cx;
	tw_node *node;
	struct archive *a;
	xmlTextReaderPtr r;
	char part[NAME_MAX_LEN + 1];
	char err[256];
	int failed;         /* the zip member could not be inflated */
	int stopped;        /* a limit or the clock stopped reading */
	int skip_depth;
	unsigned nodes;
	xmlGenericErrorFunc gfunc;
	void *gctx;
	xmlStructuredErrorFunc sfunc;
	void *sctx;
} tw_xs;

/* Never NOENT, DTDLOAD or HUGE.  (RECOVER would not help: the reader
 * stops at the first well-formedness error anyway; what it returned
 * before that is kept.) */
#define XML_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
		  XML_PARSE_COMPACT)

static void xs_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void xs_serror_silent(void *ud, xmlErrorPtr err)
{
	(void)ud;
	(void)err;
}

/* Keep the first error libxml2 reports, for the record. */
static void xs_serror(void *ud, xmlErrorPtr err)
{
	tw_xs *x = ud;
	size_t n;

	if (x->err[0] || !err || !err->message || err->level < XML_ERR_ERROR)
		return;
	if (err->line > 0)
		snprintf(x->err, sizeof(x->err), "XML error at line %d: %s", err->line,
			 err->message);
	else
		snprintf(x->err, sizeof(x->err), "XML error: %s", err->message);
	n = strlen(x->err);
	while (n && (x->err[n - 1] == '\n' || x->err[n - 1] == ' '))
		x->err[--n] = '\0';
}

/* libxml2's error handlers are per thread: silence them while one of our
 * parsers runs and give the previous ones back afterwards. */
static void xs_quiet(tw_xs *x)
{
	x->gfunc = xmlGenericError;
	x->gctx = xmlGenericErrorContext;
	x->sfunc = xmlStructuredError;
	x->sctx = xmlStructuredErrorContext;
	xmlSetGenericErrorFunc(NULL, xs_silent);
	xmlSetStructuredErrorFunc(NULL, xs_serror_silent);
}

static void xs_loud(tw_xs *x)
{
	xmlGenericError = x->gfunc;
	xmlGenericErrorContext = x->gctx;
	xmlStructuredError = x->sfunc;
	xmlStructuredErrorContext = x->sctx;
}

static int xs_read(void *ud, char *buf, int len)
{
	tw_xs *x = ud;
	la_ssize_t r;

	if (x->failed || x->stopped || len <= 0)
		return -1;
	if (tw_cx_expired(x->cx)) {
		x->stopped = 1;
		return -1;
	}
	r = archive_read_data(x->a, buf, (size_t)len);
	if (r < 0) {
		x->failed = 1;
		snprintf(x->err, sizeof(x->err), "cannot inflate: %s",
			 archive_error_string(x->a) ? archive_error_string(x->a)
						     : "zip error");
		return -1;
	}
	if (r > 0 && tw_cx_inflate(x->cx, x->node, (uint64_t)r, 0) != TRAWL_OK) {
		x->stopped = 1;
		return -1;
	}
	return (int)r;
}

static int xs_close_cb(void *ud)
{
	(void)ud;
	return 0;
}

static tw_xs *xs_new(tw_extract_ctx *cx, tw_node *node, const char *part)
{
	tw_xs *x = tw_calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->cx = cx;
	x->node = node;
	x->skip_depth = -1;
	snprintf(x->part, sizeof(x->part), "%s", part);
	xs_quiet(x);
	return x;
}

static void xs_free(tw_xs *x)
{
	if (x->r)
		xmlFreeTextReader(x->r);
	if (x->a)
		archive_read_free(x->a);
	xs_loud(x);
	free(x);
}

/* Stream-parse member `part` of the package; NULL when it is absent. */
tw_xs *tw_xs_open(tw_pkg *p, const char *part)
{
	long i = tw_pkg_find(p, part);
	tw_xs *x;

	if (i < 0 || p->stopped)
		return NULL;
	x = xs_new(p->cx, p->node, p->names[i]);
	if (!x)
		return NULL;
	x->pkg = p;
	x->a = pkg_seek(p, (size_t)i);
	if (x->a)
		x->r = xmlReaderForIO(xs_read, xs_close_cb, x, NULL, NULL, XML_OPTS);
	if (!x->r) {
		if (!p->stopped)
			tw_node_error(p->node, TRAWL_ECORRUPT, "parse",
				      "%s: cannot read the member from the zip package",
				      x->part);
		xs_free(x);
		return NULL;
	}
	xmlTextReaderSetStructuredErrorHandler(x->r, xs_serror, x);
	return x;
}

/* Stream-parse XML already in memory (flat ODF files). */
tw_xs *tw_xs_open_mem(tw_extract_ctx *cx, tw_node *node, const char *part,
		      const unsigned char *d, size_t n)
{
	tw_xs *x;

	if (n > INT32_MAX) {
		tw_node_error(node, TRAWL_ELIMIT, "limit",
			      "%s: XML document larger than 2 GiB", part);
		return NULL;
	}
	x = xs_new(cx, node, part);
	if (!x)
		return NULL;
	x->r = xmlReaderForMemory((const char *)d, (int)n, NULL, NULL, XML_OPTS);
	if (!x->r) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse", "%s: cannot parse XML", part);
		xs_free(x);
		return NULL;
	}
	xmlTextReaderSetStructuredErrorHandler(x->r, xs_serror, x);
	return x;
}

xmlTextReaderPtr tw_xs_reader(tw_xs *x)
{
	return x->r;
}

/* Next node: 1, or 0 at the end, or -1 on error or when stopped. */
int tw_xs_next(tw_xs *x)
{
	for (;;) {
		int rc, depth, type;

		if (x->failed || x->stopped)
			return -1;
		if ((++x->nodes & 4095) == 0 && tw_cx_expired(x->cx)) {
			x->stopped = 1;
			return -1;
		}
		rc = xmlTextReaderRead(x->r);
		if (rc != 1)
			return rc < 0 ? -1 : 0;
		if (x->skip_depth < 0)
			return 1;
		depth = xmlTextReaderDepth(x->r);
		if (depth > x->skip_depth)
			continue;
		type = xmlTextReaderNodeType(x->r);
		rc = depth == x->skip_depth && type == XML_READER_TYPE_END_ELEMENT;
		x->skip_depth = -1;
		if (!rc)
			return 1;
	}
}

/* Ignore the subtree of the element the reader is on. */
void tw_xs_skip(tw_xs *x)
{
	if (!xmlTextReaderIsEmptyElement(x->r))
		x->skip_depth = xmlTextReaderDepth(x->r);
}

/*
 * Value of attribute `local` of the current element (caller frees), or
 * NULL.  ns: NULL accepts any namespace, "" only an unqualified attribute,
 * otherwise the namespace URI must contain ns.
 */
char *tw_xs_attr(tw_xs *x, const char *local, const char *ns)
{
	char *v = NULL;

	if (xmlTextReaderMoveToFirstAttribute(x->r) != 1)
		return NULL;
	do {
		const char *ln = (const char *)xmlTextReaderConstLocalName(x->r);
		const char *uri = (const char *)xmlTextReaderConstNamespaceUri(x->r);

		if (!ln || strcmp(ln, local) != 0)
			continue;
		if (ns && (*ns ? !uri || !strstr(uri, ns) : uri != NULL))
			continue;
		v = tw_strdup((const char *)xmlTextReaderConstValue(x->r));
		break;
	} while (xmlTextReaderMoveToNextAttribute(x->r) == 1);
	xmlTextReaderMoveToElement(x->r);
	return v;
}

/* The text of a node the reader is on, if it is character data. */
const char *tw_xs_text(tw_xs *x, size_t *len)
{
	int t = xmlTextReaderNodeType(x->r);
	const char *v;

	if (t != XML_READER_TYPE_TEXT && t != XML_READER_TYPE_CDATA &&
	    t != XML_READER_TYPE_WHITESPACE &&
	    t != XML_READER_TYPE_SIGNIFICANT_WHITESPACE)
		return NULL;
	v = (const char *)xmlTextReaderConstValue(x->r);
	if (!v)
		return NULL;
	*len = strlen(v);
	return v;
}

/*
 * Finish a stream.  A parse or inflate error is recorded on the node as
 * corrupt, naming the part; stops by limits were recorded when they
 * happened.  Returns TRAWL_OK, TRAWL_ECORRUPT or TRAWL_ELIMIT.
 */
trawl_status tw_xs_close(tw_xs *x, int result)
{
	trawl_status st = TRAWL_OK;

	if (!x)
		return TRAWL_OK;
	if (x->stopped) {
		if (x->pkg)
			x->pkg->stopped = 1;
		st = TRAWL_ELIMIT;
	} else if (result < 0 || x->failed) {
		tw_node_error(x->node, TRAWL_ECORRUPT, "parse", "%s: %s", x->part,
			      x->err[0] ? x->err : "malformed XML");
		st = TRAWL_ECORRUPT;
	}
	xs_free(x);
	return st;
}

/* ---------------------------------------------------------------- text out */


#define OUT_BATCH 65536

/*
 * Text output with lazy separators: structure (cell, row, paragraph,
 * section) only asks for a separator, and the strongest one asked for is
 * written before the next text, never at the start or end.  Empty cells
 * and paragraphs thus leave no runs of blank space behind.  Text goes to
 * the node in batches, or to a separate buffer (`sink`).
 */
typedef struct tw_out {
	tw_node *node;
	tw_buf *sink;
	tw_buf batch;
	int sep, any;
} tw_out;

tw_out *tw_out_new(tw_node *node, tw_buf *sink)
{
	tw_out *o = tw_calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->node = node;
	o->sink = sink;
	tw_buf_init(&o->batch, OUT_BATCH + 16);
	o->any = sink ? sink->len > 0 : node->text.len > 0;
	return o;
}

static void out_flush(tw_out *o)
{
	if (o->batch.len)
		tw_node_text(o->node, o->batch.data, o->batch.len);
	tw_buf_reset(&o->batch);
}

int tw_out_full(const tw_out *o)
{
	if (o->sink)
		return o->sink->truncated;
	return o->node->text.truncated ||
	       o->node->text.len + o->batch.len > o->node->text.max;
}

static void out_put(tw_out *o, const char *s, size_t n)
{
	if (o->sink) {
		tw_buf_append(o->sink, s, n);
		return;
	}
	if (o->batch.len + n > OUT_BATCH)
		out_flush(o);
	if (n > OUT_BATCH)
		tw_node_text(o->node, s, n);
	else
		tw_buf_append(&o->batch, s, n);
}

void tw_out_sep(tw_out *o, int level)
{
	if (level > o->sep)
		o->sep = level;
}

void tw_out_text(tw_out *o, const char *s, size_t n)
{
	static const char *const seps[] = {"", " ", "\t", "\n", "\n\n"};

	if (!n || tw_out_full(o))
		return;
	if (o->any && o->sep)
		out_put(o, seps[o->sep], strlen(seps[o->sep]));
	o->sep = SEP_NONE;
	o->any = 1;
	out_put(o, s, n);
}

void tw_out_puts(tw_out *o, const char *s)
{
	tw_out_text(o, s, strlen(s));
}

void tw_out_free(tw_out *o)
{
	if (!o)
		return;
	if (!o->sink)
		out_flush(o);
	tw_buf_release(&o->batch);
	free(o);
}

/* ================================================================ OOXML */

enum { K_NONE, K_DOCX, K_XLSX, K_PPTX };

/* ---------------------------------------------------------------- paths */

/* Decode %XX escapes of a part name in place. */
static void uri_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			char h[3] = {s[1], s[2], 0};

			*o++ = (char)strtol(h, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The part a relationship `target` names, relative to the part `source`
 * ("" for the package), with "." and ".." segments resolved.  Caller
 * frees. */
static char *resolve(const char *source, const char *target)
{
	const char *slash = strrchr(source, '/');
	char *buf, *s, *q;
	tw_buf out;

	if (!target)
		return NULL;
	if (*target == '/' || !slash)
		buf = tw_strdup(target);
	else
		buf = tw_asprintf("%.*s/%s", (int)(slash - source), source, target);
	if (!buf)
		return NULL;
	q = strpbrk(buf, "#?");
	if (q)
		*q = '\0';
	uri_decode(buf);
	tw_buf_init(&out, strlen(buf) + 1);
	for (s = buf; *s;) {
		size_t l = strcspn(s, "/");

		if (l == 0 || (l == 1 && s[0] == '.')) {
			/* empty or "." segment */
		} else if (l == 2 && s[0] == '.' && s[1] == '.') {
			char *up = out.data ? strrchr(out.data, '/') : NULL;

			out.len = up ? (size_t)(up - out.data) : 0;
			if (out.data)
				out.data[out.len] = '\0';
		} else {
			if (out.len)
				tw_buf_putc(&out, '/');
			tw_buf_append(&out, s, l);
		}
		s += l;
		if (*s)
			s++;
	}
	free(buf);
	if (!out.data)
		return tw_strdup("");
	return tw_buf_detach(&out, NULL);
}

/* "ppt/slides/slide1.xml" -> "ppt/slides/_rels/slide1.xml.rels" */
static char *rels_of(const char *part)
{
	const char *slash = strrchr(part, '/');

	if (!slash)
		return tw_asprintf("_rels/%s.rels", part);
	return tw_asprintf("%.*s/_rels/%s.rels", (int)(slash - part), part, slash + 1);
}

/* Order names the way people number them: "slide2" before "slide10". */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *ea = a, *eb = b;
			size_t la, lb;
			int c;

			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (ea = a; isdigit((unsigned char)*ea); ea++)
				;
			for (eb = b; isdigit((unsigned char)*eb); eb++)
				;
			la = (size_t)(ea - a);
			lb = (size_t)(eb - b);
			if (la != lb)
				return la < lb ? -1 : 1;
			c = strncmp(a, b, la);
			if (c)
				return c;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int natural_qsort(const void *a, const void *b)
{
	return natural_cmp(*(char *const *)a, *(char *const *)b);
}

/* Members "<prefix>N<suffix>" (N any digits, may be empty), naturally
 * sorted.  Returns a NULL-terminated array of borrowed names. */
static const char **members_like(tw_pkg *p, const char *prefix, const char *suffix,
				 size_t *count)
{
	const char **v = tw_calloc(p->n + 1, sizeof(*v));
	size_t i, n = 0, pl = strlen(prefix), sl = strlen(suffix);

	*count = 0;
	if (!v)
		return NULL;
	for (i = 0; i < p->n; i++) {
		const char *s = p->names[i];
		size_t l = strlen(s), k;

		if (l < pl + sl || strncmp(s, prefix, pl) || strcmp(s + l - sl, suffix))
			continue;
		for (k = pl; k < l - sl && isdigit((unsigned char)s[k]); k++)
			;
		if (k != l - sl)
			continue;
		v[n++] = s;
	}
	qsort(v, n, sizeof(*v), natural_qsort);
	*count = n;
	return v;
}

/* ---------------------------------------------------------------- relationships */

struct rel {
	char *id, *type, *target;
};

struct rels {
	struct rel *v;
	size_t n;
};

static void rels_free(struct rels *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].id);
		free(rs->v[i].type);
		free(rs->v[i].target);
	}
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

/* Relationships of part `source` ("" for the package). */
static void rels_load(tw_pkg *p, const char *source, struct rels *rs)
{
	char *path = *source ? rels_of(source) : tw_strdup("_rels/.rels");
	size_t cap = 0;
	tw_xs *x;
	int rc;

	memset(rs, 0, sizeof(*rs));
	x = path ? tw_xs_open(p, path) : NULL;
	free(path);
	if (!x)
		return;
	while ((rc = tw_xs_next(x)) == 1) {
		xmlTextReaderPtr r = tw_xs_reader(x);
		char *mode, *target;
		struct rel *nv;

		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
		    strcmp((const char *)xmlTextReaderConstLocalName(r), "Relationship"))
			continue;
		mode = tw_xs_attr(x, "TargetMode", "");
		if (mode && !strcasecmp(mode, "External")) {
			free(mode);
			continue;
		}
		free(mode);
		if (rs->n >= 100000)
			break;
		if (rs->n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = tw_realloc(rs->v, cap * sizeof(*nv));
			if (!nv)
				break;
			rs->v = nv;
		}
		target = tw_xs_attr(x, "Target", "");
		rs->v[rs->n].id = tw_xs_attr(x, "Id", "");
		rs->v[rs->n].type = tw_xs_attr(x, "Type", "");
		rs->v[rs->n].target = resolve(source, target);
		free(target);
		if (!rs->v[rs->n].id || !rs->v[rs->n].type || !rs->v[rs->n].target) {
			free(rs->v[rs->n].id);
			free(rs->v[rs->n].type);
			free(rs->v[rs->n].target);
			continue;
		}
		rs->n++;
	}
	tw_xs_close(x, rc);
}

static const char *rel_by_id(const struct rels *rs, const char *id)
{
	size_t i;

	for (i = 0; id && i < rs->n; i++)
		if (strcmp(rs->v[i].id, id) == 0)
			return rs->v[i].target;
	return NULL;
}

/* First target whose type ends with "/<suffix>". */
static const char *rel_by_type(const struct rels *rs, const char *suffix)
{
	size_t i, sl = strlen(suffix);

	for (i = 0; i < rs->n; i++) {
		size_t tl = strlen(rs->v[i].type);

		if (tl > sl && rs->v[i].type[tl - sl - 1] == '/' &&
		    strcmp(rs->v[i].type + tl - sl, suffix) == 0)
			return rs->v[i].target;
	}
	return NULL;
}

/* ---------------------------------------------------------------- properties */

/* Children of the root of docProps/core.xml or app.xml, as props. */
static void props_load(tw_pkg *p, const char *part)
{
	static const struct {
		const char *elem, *key;
		int date;
	} map[] = {
		{"title", "title", 0},
		{"creator", "author", 0},
		{"lastModifiedBy", "last_modified_by", 0},
		{"created", "created", 1},
		{"modified", "modified", 1},
		{"subject", "subject", 0},
		{"keywords", "keywords", 0},
		{"Company", "company", 0},
		{"Application", "creator", 0},
		{"Pages", "pages", 0},
		{"Words", "words", 0},
	};
	tw_xs *x = tw_xs_open(p, part);
	xmlTextReaderPtr r;
	tw_buf val;
	int cur = -1, rc;

	if (!x)
		return;
	r = tw_xs_reader(x);
	tw_buf_init(&val, 4096);
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(r);
		size_t i, n;
		const char *t;

		if (type == XML_READER_TYPE_ELEMENT) {
			const char *ln = (const char *)xmlTextReaderConstLocalName(r);

			if (xmlTextReaderDepth(r) != 1)
				continue;
			cur = -1;
			tw_buf_reset(&val);
			for (i = 0; i < TW_ARRAY_LEN(map); i++)
				if (!strcmp(ln, map[i].elem))
					cur = (int)i;
			if (cur < 0)
				tw_xs_skip(x);
			else if (xmlTextReaderIsEmptyElement(r))
				cur = -1;
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			char iso[32];

			if (cur < 0 || xmlTextReaderDepth(r) != 1)
				continue;
			if (val.data) {
				/* Trim: values are single lines. */
				char *s = val.data, *e = val.data + val.len;

				while (s < e && isspace((unsigned char)*s))
					s++;
				while (e > s && isspace((unsigned char)e[-1]))
					*--e = '\0';
				if (map[cur].date) {
					if (tw_iso_date(s, iso) == 0)
						tw_node_prop(p->node, map[cur].key, iso);
				} else if (*s) {
					tw_node_prop(p->node, map[cur].key, s);
				}
			}
			cur = -1;
		} else if (cur >= 0 && (t = tw_xs_text(x, &n))) {
			tw_buf_append(&val, t, n);
		}
	}
	tw_buf_release(&val);
	tw_xs_close(x, rc);
}

/* ---------------------------------------------------------------- WordprocessingML / DrawingML */

struct walk {
	tw_out *out;    /* visible text */
	tw_out *del;    /* deleted text (tracked changes), or NULL */
	int in_t, in_del, cells;
	int comments;   /* label each comment with its author */
};

static int ends_with_pr(const char *s)
{
	size_t l = strlen(s);

	return l >= 2 && s[l - 2] == 'P' && s[l - 1] == 'r';
}

/*
 * Text of a WordprocessingML or DrawingML part: runs of w:t / a:t / m:t,
 * with tabs, breaks, paragraphs and table structure.  Property subtrees
 * (*Pr), field instructions, and the fallback copies of mc:AlternateContent
 * are skipped so that nothing is counted twice.
 */
static trawl_status walk_part(tw_pkg *p, const char *part, struct walk *w)
{
	tw_xs *x = tw_xs_open(p, part);
	xmlTextReaderPtr r;
	int rc;

	if (!x)
		return TRAWL_OK;
	r = tw_xs_reader(x);
	w->in_t = w->in_del = w->cells = 0;
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);
		const char *t;
		size_t n;

		if (type == XML_READER_TYPE_ELEMENT) {
			int empty = xmlTextReaderIsEmptyElement(r);

			switch (ln[0]) {
			case 't':
				if (!strcmp(ln, "t")) {
					w->in_t = !empty;
					continue;
				}
				if (!strcmp(ln, "tab")) {
					tw_out_sep(w->out, SEP_TAB);
					continue;
				}
				if (!strcmp(ln, "tc") && !empty)
					w->cells++;
				break;
			case 'd':
				if (!strcmp(ln, "delText")) {
					w->in_del = !empty;
					continue;
				}
				if (!strcmp(ln, "delInstrText")) {
					tw_xs_skip(x);
					continue;
				}
				break;
			case 'b':
			case 'c':
				if (!strcmp(ln, "br") || !strcmp(ln, "cr")) {
					tw_out_sep(w->out, SEP_LINE);
					continue;
				}
				if (w->comments && !strcmp(ln, "comment")) {
					char *a = tw_xs_attr(x, "author", NULL);

					tw_out_sep(w->out, SEP_LINE);
					if (a && *a) {
						tw_out_puts(w->out, a);
						tw_out_puts(w->out, ": ");
					}
					free(a);
				}
				break;
			case 'f':
				if (!strcmp(ln, "fld")) {
					char *ft = tw_xs_attr(x, "type", "");

					if (ft && !strcmp(ft, "slidenum"))
						tw_xs_skip(x);
					free(ft);
					continue;
				}
				if (!strcmp(ln, "footnote") || !strcmp(ln, "endnote"))
					tw_out_sep(w->out, SEP_LINE);
				break;
			case 'i':
				if (!strcmp(ln, "instrText")) {
					tw_xs_skip(x);
					continue;
				}
				break;
			case 'n':
				if (!strcmp(ln, "noBreakHyphen"))
					tw_out_puts(w->out, "-");
				break;
			case 'p':
				if (!strcmp(ln, "ptab"))
					tw_out_sep(w->out, SEP_TAB);
				break;
			case 'F':
				if (!strcmp(ln, "Fallback")) {
					tw_xs_skip(x);
					continue;
				}
				break;
			}
			if (ends_with_pr(ln))
				tw_xs_skip(x);
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (!strcmp(ln, "t")) {
				w->in_t = 0;
			} else if (!strcmp(ln, "delText")) {
				w->in_del = 0;
			} else if (!strcmp(ln, "p")) {
				tw_out_sep(w->out, w->cells ? SEP_SPACE : SEP_LINE);
				if (w->del)
					tw_out_sep(w->del, SEP_LINE);
			} else if (!strcmp(ln, "tc")) {
				if (w->cells)
					w->cells--;
				tw_out_sep(w->out, SEP_TAB);
			} else if (!strcmp(ln, "tr") || !strcmp(ln, "tbl") ||
				   !strcmp(ln, "sp") || !strcmp(ln, "txbxContent")) {
				tw_out_sep(w->out, SEP_LINE);
			} else if (w->comments && !strcmp(ln, "comment")) {
				tw_out_sep(w->out, SEP_LINE);
			}
		} else if ((t = tw_xs_text(x, &n))) {
			if (w->in_t)
				tw_out_text(w->out, t, n);
			else if (w->in_del && w->del)
				tw_out_text(w->del, t, n);
		}
		if (tw_out_full(w->out))
			break;
	}
	return tw_xs_close(x, rc);
}

/* ---------------------------------------------------------------- DOCX */

static void docx_extract(tw_pkg *p, const char *main_part, tw_out *out)
{
	static const char *const sections[] = {"header", "footer"};
	tw_buf deleted;
	tw_out *del;
	struct walk w;
	char dir[NAME_MAX_LEN + 2];
	const char *slash = strrchr(main_part, '/');
	size_t i, k, n;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - main_part + 1) : 0,
		 main_part);
	tw_buf_init(&deleted, p->node->text.max);
	del = tw_out_new(p->node, &deleted);
	memset(&w, 0, sizeof(w));
	w.out = out;
	w.del = del;
	walk_part(p, main_part, &w);

	for (k = 0; k < TW_ARRAY_LEN(sections) && !tw_out_full(out); k++) {
		char prefix[NAME_MAX_LEN + 16];
		const char **parts;

		snprintf(prefix, sizeof(prefix), "%s%s", dir, sections[k]);
		parts = members_like(p, prefix, ".xml", &n);
		for (i = 0; parts && i < n && !tw_out_full(out); i++) {
			tw_out_sep(out, SEP_PARA);
			walk_part(p, parts[i], &w);
		}
		free(parts);
	}
	{
		static const char *const notes[] = {"footnotes.xml", "endnotes.xml"};
		char part[NAME_MAX_LEN + 32];

		for (k = 0; k < TW_ARRAY_LEN(notes) && !tw_out_full(out); k++) {
			snprintf(part, sizeof(part), "%s%s", dir, notes[k]);
			tw_out_sep(out, SEP_PARA);
			walk_part(p, part, &w);
		}
		snprintf(part, sizeof(part), "%scomments.xml", dir);
		if (tw_pkg_find(p, part) >= 0 && !tw_out_full(out)) {
			tw_out_sep(out, SEP_PARA);
			tw_out_puts(out, "Comments:");
			tw_out_sep(out, SEP_LINE);
			w.comments = 1;
			walk_part(p, part, &w);
			w.comments = 0;
		}
	}
	tw_out_free(del);
	if (deleted.len && !tw_out_full(out)) {
		tw_out_sep(out, SEP_PARA);
		tw_out_puts(out, "Deleted text:");
		tw_out_sep(out, SEP_LINE);
		tw_out_text(out, deleted.data, deleted.len);
	}
	tw_buf_release(&deleted);
}

/* ---------------------------------------------------------------- XLSX */

#define SST_MAX_BYTES (64u << 20)
#define SST_MAX_STRINGS 4000000u
#define CELL_MAX 32768

struct xlsx {
	tw_pkg *p;
	tw_out *out;
	/* shared strings: NUL-separated in `chars`, starting at off[i] */
	tw_buf chars;
	size_t *off, nstr, capstr;
	/* styles: whether cell format i shows a date */
	unsigned char *xf_date;
	size_t nxf;
	int date1904;
};

static void sst_load(struct xlsx *xl, const char *part)
{
	tw_xs *x = tw_xs_open(xl->p, part);
	xmlTextReaderPtr r;
	int rc, in_si = 0, in_t = 0;

	tw_buf_init(&xl->chars, SST_MAX_BYTES);
	if (!x)
		return;
	r = tw_xs_reader(x);
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);
		const char *t;
		size_t n;

		if (type == XML_READER_TYPE_ELEMENT) {
			int empty = xmlTextReaderIsEmptyElement(r);

			if (!strcmp(ln, "si")) {
				if (xl->nstr >= SST_MAX_STRINGS) {
					tw_node_error(xl->p->node, TRAWL_ELIMIT, "limit",
						      "%s: more than %u shared strings; the rest were dropped",
						      part, SST_MAX_STRINGS);
					break;
				}
				if (xl->nstr == xl->capstr) {
					size_t cap = xl->capstr ? xl->capstr * 2 : 1024;
					size_t *no = tw_realloc(xl->off, cap * sizeof(*no));

					if (!no)
						break;
					xl->off = no;
					xl->capstr = cap;
				}
				xl->off[xl->nstr++] = xl->chars.len;
				in_si = !empty;
				if (empty)
					tw_buf_putc(&xl->chars, '\0');
			} else if (!strcmp(ln, "rPh") || !strcmp(ln, "phoneticPr")) {
				tw_xs_skip(x);
			} else if (in_si && !strcmp(ln, "t")) {
				in_t = !empty;
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (!strcmp(ln, "t")) {
				in_t = 0;
			} else if (!strcmp(ln, "si")) {
				in_si = 0;
				tw_buf_putc(&xl->chars, '\0');
			}
		} else if (in_t && (t = tw_xs_text(x, &n))) {
			tw_buf_append(&xl->chars, t, n);
		}
		if (xl->chars.truncated) {
			tw_node_error(xl->p->node, TRAWL_ELIMIT, "limit",
				      "%s: shared strings beyond %u MiB were dropped", part,
				      SST_MAX_BYTES >> 20);
			/* The last string may be cut anywhere: drop it. */
			xl->nstr--;
			break;
		}
	}
	tw_xs_close(x, rc);
}

static const char *sst_get(const struct xlsx *xl, const char *v)
{
	char *end;
	long i = strtol(v, &end, 10);

	if (end == v || i < 0 || (size_t)i >= xl->nstr || !xl->chars.data)
		return "";
	return xl->chars.data + xl->off[i];
}

static int builtin_date_fmt(long id)
{
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) ||
	       (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

/* A custom number format shows a date or time when it has d, m, y, h or s
 * outside quotes, escapes, and [colour]/[$locale] brackets.  Elapsed-time
 * formats ([h]:mm) are durations, not dates. */
static int custom_date_fmt(const char *f)
{
	int quoted = 0;

	for (; *f; f++) {
		char c = *f;

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted)
			continue;
		if (c == '\\' || c == '_' || c == '*') {
			if (f[1])
				f++;
			continue;
		}
		if (c == '[') {
			const char *e = strchr(f, ']');

			if (!e)
				return 0;
			if (strchr("hHmMsS", f[1]))
				return 0;
			f = e;
			continue;
		}
		if (strchr("dDmMyYhHsS", c))
			return 1;
	}
	return 0;
}

static void styles_load(struct xlsx *xl, const char *part)
{
	tw_xs *x = tw_xs_open(xl->p, part);
	xmlTextReaderPtr r;
	long *custom = NULL; /* ids of custom date formats */
	long *xfid = NULL;
	size_t ncustom = 0, capcustom = 0, capxf = 0, i, j;
	int rc, in_xfs = 0;

	if (!x)
		return;
	r = tw_xs_reader(x);
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);

		if (type == XML_READER_TYPE_END_ELEMENT && !strcmp(ln, "cellXfs"))
			in_xfs = 0;
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (!strcmp(ln, "cellXfs")) {
			in_xfs = !xmlTextReaderIsEmptyElement(r);
		} else if (!strcmp(ln, "numFmt")) {
			char *id = tw_xs_attr(x, "numFmtId", "");
			char *code = tw_xs_attr(x, "formatCode", "");

			if (id && code && custom_date_fmt(code) && ncustom < 100000) {
				if (ncustom == capcustom) {
					size_t cap = capcustom ? capcustom * 2 : 16;
					long *nc = tw_realloc(custom, cap * sizeof(*nc));

					if (nc) {
						custom = nc;
						capcustom = cap;
					}
				}
				if (ncustom < capcustom)
					custom[ncustom++] = strtol(id, NULL, 10);
			}
			free(id);
			free(code);
		} else if (in_xfs && !strcmp(ln, "xf")) {
			char *id = tw_xs_attr(x, "numFmtId", "");

			if (xl->nxf < 1000000) {
				if (xl->nxf == capxf) {
					size_t cap = capxf ? capxf * 2 : 64;
					long *nx = tw_realloc(xfid, cap * sizeof(*nx));

					if (nx) {
						xfid = nx;
						capxf = cap;
					}
				}
				if (xl->nxf < capxf)
					xfid[xl->nxf++] = id ? strtol(id, NULL, 10) : 0;
			}
			free(id);
			tw_xs_skip(x);
		} else if (!strcmp(ln, "extLst") || !strcmp(ln, "fonts") ||
			   !strcmp(ln, "fills") || !strcmp(ln, "borders") ||
			   !strcmp(ln, "dxfs") || !strcmp(ln, "cellStyles")) {
			tw_xs_skip(x);
		}
	}
	tw_xs_close(x, rc);
	xl->xf_date = xl->nxf ? tw_calloc(xl->nxf, 1) : NULL;
	for (i = 0; xl->xf_date && i < xl->nxf; i++) {
		int d = builtin_date_fmt(xfid[i]);

		for (j = 0; !d && j < ncustom; j++)
			d = custom[j] == xfid[i];
		xl->xf_date[i] = (unsigned char)d;
	}
	if (!xl->xf_date)
		xl->nxf = 0;
	free(custom);
	free(xfid);
}

/* A date serial as an ISO date (and time when it has one).  Returns 0 when
 * the number does not make a date. */
static int serial_to_iso(double v, int date1904, char *out, size_t outlen)
{
	double days, frac;
	long long secs;
	unsigned y, mo, d, hh, mm, ss;
	time_t t;
	struct tm tm;

	if (!isfinite(v) || v < 0 || v >= 2958466.0)
		return 0;
	if (date1904)
		v += 1462; /* same day in the 1900 system */
	days = floor(v);
	frac = v - days;
	secs = llround(frac * 86400.0);
	if (secs >= 86400) {
		days += 1;
		secs -= 86400;
	}
	hh = (unsigned)(secs / 3600) % 24u;
	mm = (unsigned)(secs / 60 % 60);
	ss = (unsigned)(secs % 60);
	if (days < 1) {
		snprintf(out, outlen, "%02u:%02u:%02u", hh, mm, ss);
		return 1;
	}
	/* 1900 is taken as a leap year: serial 60 is 1900-02-29, which did
	 * not exist; serials after it count from 1899-12-30. */
	if (days >= 61)
		t = (time_t)((long long)days - 25569) * 86400;
	else if (days == 60)
		t = (time_t)(59 - 25568) * 86400;
	else
		t = (time_t)((long long)days - 25568) * 86400;
	if (!gmtime_r(&t, &tm))
		return 0;
	y = (unsigned)(tm.tm_year + 1900) % 10000u;
	mo = (unsigned)(tm.tm_mon + 1) % 100u;
	d = (unsigned)tm.tm_mday % 100u;
	if (secs)
		snprintf(out, outlen, "%04u-%02u-%02uT%02u:%02u:%02u", y, mo, d, hh, mm, ss);
	else
		snprintf(out, outlen, "%04u-%02u-%02u", y, mo, d);
	return 1;
}

static void cell_emit(struct xlsx *xl, const char *t, long style, tw_buf *val)
{
	const char *v = val->data ? val->data : "";
	char iso[48];

	if (!t || !strcmp(t, "n")) {
		char *end;
		double d;

		if (!*v)
			return;
		d = strtod(v, &end);
		if (style >= 0 && (size_t)style < xl->nxf && xl->xf_date[style] &&
		    end != v && !*end &&
		    serial_to_iso(d, xl->date1904, iso, sizeof(iso)))
			v = iso;
	} else if (!strcmp(t, "s")) {
		v = sst_get(xl, v);
	} else if (!strcmp(t, "b")) {
		v = !strcmp(v, "1") || !strcasecmp(v, "true") ? "TRUE" : "FALSE";
	}
	/* "str", "inlineStr", "e" and "d" are written as they are. */
	if (!*v)
		return;
	tw_out_sep(xl->out, SEP_TAB);
	tw_out_puts(xl->out, v);
}

static void sheet_walk(struct xlsx *xl, const char *part)
{
	tw_xs *x = tw_xs_open(xl->p, part);
	xmlTextReaderPtr r;
	tw_buf val;
	char *ctype = NULL;
	long style = -1;
	int rc, in_c = 0, in_v = 0, in_is = 0, in_t = 0;

	if (!x)
		return;
	r = tw_xs_reader(x);
	tw_buf_init(&val, CELL_MAX);
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);
		const char *t;
		size_t n;

		if (type == XML_READER_TYPE_ELEMENT) {
			int empty = xmlTextReaderIsEmptyElement(r);

			if (!strcmp(ln, "c")) {
				char *s = tw_xs_attr(x, "s", "");

				free(ctype);
				ctype = tw_xs_attr(x, "t", "");
				style = s ? strtol(s, NULL, 10) : -1;
				free(s);
				tw_buf_reset(&val);
				in_c = !empty;
			} else if (in_c && !strcmp(ln, "v")) {
				in_v = !empty;
			} else if (in_c && !strcmp(ln, "is")) {
				in_is = !empty;
			} else if (in_is && !strcmp(ln, "t")) {
				in_t = !empty;
			} else if (!strcmp(ln, "row")) {
				tw_out_sep(xl->out, SEP_LINE);
			} else if (!strcmp(ln, "f") || !strcmp(ln, "rPh") ||
				   !strcmp(ln, "extLst") || ends_with_pr(ln) ||
				   !strcmp(ln, "cols") || !strcmp(ln, "conditionalFormatting") ||
				   !strcmp(ln, "dataValidations")) {
				tw_xs_skip(x);
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (!strcmp(ln, "v")) {
				in_v = 0;
			} else if (!strcmp(ln, "t")) {
				in_t = 0;
			} else if (!strcmp(ln, "is")) {
				in_is = 0;
			} else if (!strcmp(ln, "c")) {
				cell_emit(xl, ctype, style, &val);
				in_c = in_v = in_is = in_t = 0;
			}
		} else if ((in_v || in_t) && (t = tw_xs_text(x, &n))) {
			tw_buf_append(&val, t, n);
		}
		if (tw_out_full(xl->out))
			break;
	}
	if (in_c)
		cell_emit(xl, ctype, style, &val);
	free(ctype);
	tw_buf_release(&val);
	tw_xs_close(x, rc);
}

static void xlsx_extract(tw_pkg *p, const char *main_part, tw_out *out)
{
	struct xlsx xl;
	struct rels rs;
	tw_xs *x;
	const char *part;
	size_t nsheets = 0, i, n;
	int rc;

	memset(&xl, 0, sizeof(xl));
	xl.p = p;
	xl.out = out;
	rels_load(p, main_part, &rs);
	part = rel_by_type(&rs, "sharedStrings");
	sst_load(&xl, part ? part : "xl/sharedStrings.xml");
	part = rel_by_type(&rs, "styles");
	styles_load(&xl, part ? part : "xl/styles.xml");

	x = tw_xs_open(p, main_part);
	if (x) {
		xmlTextReaderPtr r = tw_xs_reader(x);

		while ((rc = tw_xs_next(x)) == 1 && !tw_out_full(out)) {
			const char *ln;

			if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
				continue;
			ln = (const char *)xmlTextReaderConstLocalName(r);
			if (!strcmp(ln, "workbookPr")) {
				char *d = tw_xs_attr(x, "date1904", "");

				xl.date1904 = d && (!strcmp(d, "1") || !strcasecmp(d, "true"));
				free(d);
			} else if (!strcmp(ln, "sheet")) {
				char *name = tw_xs_attr(x, "name", "");
				char *id = tw_xs_attr(x, "id", "relationships");
				const char *target = rel_by_id(&rs, id);

				nsheets++;
				tw_out_sep(out, SEP_PARA);
				if (name)
					tw_out_puts(out, name);
				tw_out_sep(out, SEP_LINE);
				/* The workbook is still open on another reader: the
				 * sheet gets its own. */
				if (target)
					sheet_walk(&xl, target);
				free(name);
				free(id);
			} else if (!strcmp(ln, "definedNames") || !strcmp(ln, "extLst")) {
				tw_xs_skip(x);
			}
		}
		tw_xs_close(x, rc);
	}
	if (nsheets)
		tw_node_propf(p->node, "sheets", "%zu", nsheets);

	/* Cell comments, after the sheets. */
	{
		const char **parts = members_like(p, "xl/comments", ".xml", &n);
		struct walk w;

		memset(&w, 0, sizeof(w));
		w.out = out;
		if (parts && n && !tw_out_full(out)) {
			tw_out_sep(out, SEP_PARA);
			tw_out_puts(out, "Comments:");
			tw_out_sep(out, SEP_LINE);
			for (i = 0; i < n && !tw_out_full(out); i++) {
				tw_out_sep(out, SEP_LINE);
				walk_part(p, parts[i], &w);
			}
		}
		free(parts);
	}
	rels_free(&rs);
	tw_buf_release(&xl.chars);
	free(xl.off);
	free(xl.xf_date);
}

/* ---------------------------------------------------------------- PPTX */

static void slide_extract(tw_pkg *p, const char *slide, tw_out *out)
{
	struct walk w;
	struct rels rs;
	const char *notes;

	memset(&w, 0, sizeof(w));
	w.out = out;
	tw_out_sep(out, SEP_PARA);
	walk_part(p, slide, &w);
	rels_load(p, slide, &rs);
	notes = rel_by_type(&rs, "notesSlide");
	if (notes && tw_pkg_find(p, notes) >= 0 && !tw_out_full(out)) {
		tw_out_sep(out, SEP_PARA);
		tw_out_puts(out, "Notes:");
		tw_out_sep(out, SEP_LINE);
		walk_part(p, notes, &w);
	}
	rels_free(&rs);
}

static void pptx_extract(tw_pkg *p, const char *main_part, tw_out *out)
{
	struct rels rs;
	tw_xs *x;
	size_t nslides = 0, i, n;
	char **order = NULL;
	size_t norder = 0, cap = 0;
	int rc;

	/* Slide order first: the slides are parsed after the presentation
	 * part is closed. */
	rels_load(p, main_part, &rs);
	x = tw_xs_open(p, main_part);
	if (x) {
		xmlTextReaderPtr r = tw_xs_reader(x);

		while ((rc = tw_xs_next(x)) == 1) {
			const char *ln;
			char *id;
			const char *target;

			if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
				continue;
			ln = (const char *)xmlTextReaderConstLocalName(r);
			if (strcmp(ln, "sldId")) {
				if (!strcmp(ln, "extLst") || !strcmp(ln, "defaultTextStyle") ||
				    !strcmp(ln, "notesMasterIdLst") || !strcmp(ln, "sldMasterIdLst"))
					tw_xs_skip(x);
				continue;
			}
			id = tw_xs_attr(x, "id", "relationships");
			target = rel_by_id(&rs, id);
			free(id);
			if (!target || norder >= 100000)
				continue;
			if (norder == cap) {
				char **no;

				cap = cap ? cap * 2 : 32;
				no = tw_realloc(order, cap * sizeof(*no));
				if (!no)
					break;
				order = no;
			}
			order[norder] = tw_strdup(target);
			if (order[norder])
				norder++;
		}
		tw_xs_close(x, rc);
	}
	if (norder) {
		for (i = 0; i < norder && !tw_out_full(out) && !p->stopped; i++) {
			if (tw_pkg_find(p, order[i]) < 0)
				continue;
			nslides++;
			slide_extract(p, order[i], out);
		}
	} else {
		/* No usable slide list: take the slide parts in number order. */
		const char **parts = members_like(p, "ppt/slides/slide", ".xml", &n);

		for (i = 0; parts && i < n && !tw_out_full(out) && !p->stopped; i++) {
			nslides++;
			slide_extract(p, parts[i], out);
		}
		free(parts);
	}
	if (nslides)
		tw_node_propf(p->node, "slides", "%zu", nslides);
	for (i = 0; i < norder; i++)
		free(order[i]);
	free(order);
	rels_free(&rs);
}

/* ---------------------------------------------------------------- detection */

static const char *const ooxml_exts[] = {
	"docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm", "xlam",
	"pptx", "pptm", "potx", "potm", "ppsx", "ppsm",
};

/* MIME types libmagic gives to packages (macro-enabled ones included). */
static const char *const ooxml_mimes[] = {
	"application/vnd.openxmlformats-officedocument.",
	"application/vnd.ms-word.document.macroenabled",
	"application/vnd.ms-word.template.macroenabled",
	"application/vnd.ms-excel.sheet.macroenabled",
	"application/vnd.ms-excel.template.macroenabled",
	"application/vnd.ms-excel.addin.macroenabled",
	"application/vnd.ms-powerpoint.presentation.macroenabled",
	"application/vnd.ms-powerpoint.slideshow.macroenabled",
	"application/vnd.ms-powerpoint.template.macroenabled",
};

struct scan_state {
	int content_types, main;
};

static int ooxml_scan_fn(const char *name, size_t len, void *ud)
{
	struct scan_state *s = ud;

	if (len == 19 && !memcmp(name, "[Content_Types].xml", 19))
		s->content_types = 1;
	else if ((len > 5 && !memcmp(name, "word/", 5)) ||
		 (len > 3 && !memcmp(name, "xl/", 3)) ||
		 (len > 4 && !memcmp(name, "ppt/", 4)))
		s->main = 1;
	return s->content_types && s->main;
}

static int ooxml_accepts(const char *mime, const char *ext,
			 const unsigned char *data, size_t len)
{
	struct scan_state s = {0, 0};
	size_t i;
	int r;

	if (len < 4 || memcmp(data, "PK\003\004", 4) != 0 || !mime)
		return 0;
	for (i = 0; i < TW_ARRAY_LEN(ooxml_mimes); i++)
		if (!strncasecmp(mime, ooxml_mimes[i], strlen(ooxml_mimes[i])))
			return 1;
	if (strcmp(mime, "application/zip") && strcmp(mime, "application/octet-stream") &&
	    strcmp(mime, "application/x-zip-compressed") &&
	    strcmp(mime, "application/x-zip"))
		return 0;
	/* libmagic only recognises packages whose first member is
	 * [Content_Types].xml: look at the central directory. */
	r = tw_zip_scan(data, len, ooxml_scan_fn, &s);
	if (r > 0)
		return 1;
	if (r == 0)
		return 0; /* a readable zip that is not a package */
	/* No central directory (truncated?): trust the name, or the head. */
	for (i = 0; ext && i < TW_ARRAY_LEN(ooxml_exts); i++)
		if (!strcmp(ext, ooxml_exts[i]))
			return 1;
	return memmem(data, len < 65536 ? len : 65536, "[Content_Types].xml", 19) != NULL;
}

/* ---------------------------------------------------------------- extraction */

static trawl_status ooxml_extract(tw_extract_ctx *cx, tw_node *node,
				  const unsigned char *data, size_t len)
{
	static const char *const embeddings[] = {
		"word/embeddings/", "xl/embeddings/", "ppt/embeddings/",
	};
	static const struct {
		const char *def;
		int kind;
		const char *type, *mime;
	} kinds[] = {
		{"word/document.xml", K_DOCX, "word",
		 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"xl/workbook.xml", K_XLSX, "spreadsheet",
		 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"ppt/presentation.xml", K_PPTX, "presentation",
		 "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	};
	tw_pkg *p = tw_pkg_open(cx, node, data, len);
	struct rels rs;
	const char *main_part = NULL;
	tw_out *out;
	size_t k;
	int kind = K_NONE, stopped;

	if (!p)
		return TRAWL_OK;
	rels_load(p, "", &rs);
	main_part = rel_by_type(&rs, "officeDocument");
	for (k = 0; k < TW_ARRAY_LEN(kinds) && main_part; k++) {
		size_t dl = strcspn(kinds[k].def, "/") + 1;

		if (!strncmp(main_part, kinds[k].def, dl))
			kind = kinds[k].kind;
	}
	if (!kind || tw_pkg_find(p, main_part) < 0) {
		kind = K_NONE;
		main_part = NULL;
		for (k = 0; k < TW_ARRAY_LEN(kinds) && !kind; k++) {
			if (tw_pkg_find(p, kinds[k].def) >= 0) {
				kind = kinds[k].kind;
				main_part = kinds[k].def;
			}
		}
	}
	if (!tw_cx_locating(cx)) {
		for (k = 0; k < TW_ARRAY_LEN(kinds); k++) {
			if (kinds[k].kind != kind)
				continue;
			node->type = kinds[k].type;
			if (!node->mime || !strstr(node->mime, "officedocument")) {
				free(node->mime);
				node->mime = tw_strdup(kinds[k].mime);
			}
		}
		props_load(p, "docProps/core.xml");
		props_load(p, "docProps/app.xml");
		out = tw_out_new(node, NULL);
		if (!kind) {
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "not an Office Open XML document: no word/document.xml, xl/workbook.xml or ppt/presentation.xml part");
		} else if (strlen(main_part) > 4 &&
			   !strcmp(main_part + strlen(main_part) - 4, ".bin")) {
			tw_node_error(node, TRAWL_EUNSUPPORTED, "parse",
				      "binary Office workbook (%s) is not supported", main_part);
		} else if (out) {
			if (kind == K_DOCX)
				docx_extract(p, main_part, out);
			else if (kind == K_XLSX)
				xlsx_extract(p, main_part, out);
			else
				pptx_extract(p, main_part, out);
		}
		tw_out_free(out);
	}
	if (!tw_pkg_stopped(p))
		tw_pkg_children(p, embeddings, TW_ARRAY_LEN(embeddings), 0);
	if (kind == K_DOCX && !tw_pkg_stopped(p)) {
		/* Alternative-format chunks (HTML, MHT, RTF, text imported as
		 * they are) hold body text of their own. */
		struct rels dr;
		char *chunks[64];
		size_t n = 0;

		rels_load(p, main_part, &dr);
		for (k = 0; k < dr.n && n < TW_ARRAY_LEN(chunks); k++) {
			size_t tl = strlen(dr.v[k].type);

			if (tl >= 8 && !strcasecmp(dr.v[k].type + tl - 8, "/aFChunk"))
				chunks[n++] = dr.v[k].target;
		}
		pkg_children_named(p, chunks, n);
		rels_free(&dr);
	}
	rels_free(&rs);
	stopped = tw_pkg_stopped(p);
	tw_pkg_close(p);
	return stopped ? TRAWL_ELIMIT : TRAWL_OK;
}

const tw_extractor tw_extractor_ooxml = {
	"ooxml", NULL, ooxml_accepts, ooxml_extract, NULL,
};
