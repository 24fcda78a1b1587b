/*
 * package.c - the zip-XML layer of office packages, shared by the OOXML
 * (ooxml.c, xlsx.c) and ODF (odf.c) extractors; declared in package.h.
 *
 * libarchive reads the package from memory and every part is parsed as a
 * stream by libxml2's xmlTextReader, fed straight from the decompressor: a
 * 100 MB sheet never becomes a tree in memory, and every inflated byte is
 * accounted against the container limits.  Entities are never substituted
 * (no XML_PARSE_NOENT), external DTDs are never loaded and the network is
 * never touched; libxml2's own amplification checks stop entity bombs.
 * Members are handed to the framework as children (tw_pkg_children), text
 * is gathered with separators of graded strength (tw_out), and a cheap
 * scan of the central directory (tw_zip_scan) lets accepts() tell one kind
 * of package from another without inflating anything.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/xmlreader.h>

#include "extract/package.h"
#include "extract/le.h"

/* ---------------------------------------------------------------- zip scan */

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
	cd_size = tw_le32(d + i + 12);
	cd_off = tw_le32(d + i + 16);
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

		if (tw_le32(d + pos) != 0x02014b50u)
			return -1;
		nl = tw_le16(d + pos + 28);
		el = tw_le16(d + pos + 30);
		cl = tw_le16(d + pos + 32);
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
	return tw_utc_iso(y, mo, d, h, mi, sec, tz, out);
}

/* ---------------------------------------------------------------- package */

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
		if (!name || !*name || strlen(name) > TW_PKG_NAME_MAX ||
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

size_t tw_pkg_count(const tw_pkg *p)
{
	return p->n;
}

const char *tw_pkg_name(const tw_pkg *p, size_t i)
{
	return i < p->n ? p->names[i] : NULL;
}

int tw_pkg_stopped(const tw_pkg *p)
{
	return p->stopped;
}

tw_node *tw_pkg_node(const tw_pkg *p)
{
	return p->node;
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
	char loc[TW_PKG_NAME_MAX + 64];
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

void tw_pkg_children_named(tw_pkg *p, char *const *names, size_t count)
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
	char part[TW_PKG_NAME_MAX + 1];
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
