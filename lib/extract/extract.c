/*
 * extract.c - the extraction framework: type detection, dispatch to the
 * format extractors, recursion into children, and the safety limits.
 *
 * One call of tw_extract() turns the bytes of one input into a tree of
 * tw_node.  Extractors add children through tw_child(); the framework
 * hashes each child, asks whether its content is already known (then it is
 * recorded but not extracted again), detects its type and recurses, while
 * enforcing depth, member, inflation-ratio and time limits.  Nothing here
 * touches the archive.
 *
 * The same machinery finds the raw bytes of a descendant again: in
 * "locating" mode only the chain of locators given is followed and the
 * bytes of the last one are copied out.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include <gmime/gmime.h>
#include <gsf/gsf-doc-meta-data.h>
#include <gsf/gsf-docprop-vector.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-timestamp.h>
#include <gsf/gsf-utils.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <magic.h>

#include "extract/extract.h"

#define MAX_DEPTH_HARD 64

struct tw_extract_ctx {
	trawl_limits lim;
	tw_known_fn known;
	void *known_ud;
	const volatile int *cancel;
	int64_t deadline_ms;
	int time_up;
	/* locating mode */
	const char *const *locate;
	size_t nlocate;
	tw_buf *found;
	int located;
	int root_depth;
	uint64_t total_inflated;
	/* Allocation failures (tw_alloc_failures()) already put down to an
	 * item: each failure marks the innermost item being extracted. */
	uint64_t failures_seen;
};

void trawl_limits_default(trawl_limits *lim)
{
	lim->max_depth = 10;
	lim->max_item_bytes = 256ull << 20;
	lim->max_container_bytes = 1ull << 30;
	lim->max_ratio = 200;
	lim->max_members = 100000;
	lim->max_text_bytes = 8ull << 20;
	lim->max_seconds = 120;
}

void tw_limits_complete(trawl_limits *lim)
{
	trawl_limits def;

	trawl_limits_default(&def);
#define FILL(f) if (!lim->f) lim->f = def.f
	FILL(max_depth);
	FILL(max_item_bytes);
	FILL(max_container_bytes);
	FILL(max_ratio);
	FILL(max_members);
	FILL(max_text_bytes);
	FILL(max_seconds);
#undef FILL
}

static void limits_fill(trawl_limits *out, const trawl_limits *in)
{
	if (in)
		*out = *in;
	else
		trawl_limits_default(out);
	tw_limits_complete(out);
	if (out->max_depth > MAX_DEPTH_HARD)
		out->max_depth = MAX_DEPTH_HARD;
}

const trawl_limits *tw_cx_limits(const tw_extract_ctx *cx)
{
	return &cx->lim;
}

int tw_cx_locating(const tw_extract_ctx *cx)
{
	return cx->locate != NULL;
}

int tw_cx_expired(tw_extract_ctx *cx)
{
	if (cx->located || cx->time_up)
		return 1;
	if (cx->cancel && *cx->cancel)
		return 1;
	if (tw_now_ms() > cx->deadline_ms) {
		cx->time_up = 1;
		return 1;
	}
	return 0;
}

trawl_status tw_cx_inflate(tw_extract_ctx *cx, tw_node *node, uint64_t n,
			   uint64_t compressed)
{
	/* Budgets are per container: a bomb in one member does not starve
	 * its siblings. */
	node->inflated += n;
	node->deflated += compressed;
	cx->total_inflated += n;
	if (node->inflated > cx->lim.max_container_bytes) {
		tw_node_error(node, TRAWL_ELIMIT, "limit",
			      "container expands beyond %llu bytes (max_container_bytes)",
			      (unsigned long long)cx->lim.max_container_bytes);
		return TRAWL_ELIMIT;
	}
	/* The ratio only means something once enough was inflated. */
	if (node->inflated > (1u << 20) &&
	    node->inflated / (node->deflated ? node->deflated : 1) > cx->lim.max_ratio) {
		tw_node_error(node, TRAWL_ELIMIT, "limit",
			      "compression ratio above %u (max_ratio): possible decompression bomb",
			      cx->lim.max_ratio);
		return TRAWL_ELIMIT;
	}
	return TRAWL_OK;
}

/* libxml2 prints some errors (encoding errors among them) whatever the
 * parser options say, through handlers that are per thread: silence them
 * on whichever thread extracts. */
static void xml_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void xml_quiet_structured(void *ctx, const xmlError *err)
{
	(void)ctx;
	(void)err;
}

static void quiet_libraries(void)
{
	static __thread int done;

	if (done)
		return;
	xmlSetGenericErrorFunc(NULL, xml_quiet);
	xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)xml_quiet_structured);
	done = 1;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
	tw_mail_global_init();
	/* libgsf registers its types lazily and not thread-safely: once, here,
	 * before any extractor thread runs (later gsf_init() calls only count).
	 * gsf_init() leaves out the types of document metadata, whose first
	 * use also registers GValue transforms in a table GLib does not lock:
	 * two threads reading OLE metadata at once corrupted it. */
	gsf_init();
	(void)gsf_timestamp_get_type();
	(void)gsf_docprop_vector_get_type();
	(void)gsf_doc_meta_data_get_type();
	(void)gsf_doc_prop_get_type();
	(void)gsf_input_memory_get_type();
	(void)gsf_output_memory_get_type();
	(void)gsf_infile_msole_get_type();
	(void)gsf_outfile_msole_get_type();
	xmlInitParser();
	tw_media_global_init();
}

void tw_extract_global_init(void)
{
	pthread_once(&init_once, global_init);
}

/* ---------------------------------------------------------------- detection */

static pthread_key_t magic_key;
static pthread_once_t magic_once = PTHREAD_ONCE_INIT;

static void magic_free(void *p)
{
	magic_close((magic_t)p);
}

static void magic_key_init(void)
{
	pthread_key_create(&magic_key, magic_free);
}

static magic_t thread_magic(void)
{
	magic_t m;

	pthread_once(&magic_once, magic_key_init);
	m = pthread_getspecific(magic_key);
	if (m)
		return m;
	m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
	if (!m)
		return NULL;
	if (magic_load(m, NULL) != 0) {
		magic_close(m);
		return NULL;
	}
	pthread_setspecific(magic_key, m);
	return m;
}

static int starts(const unsigned char *d, size_t n, const char *magic, size_t k)
{
	return n >= k && memcmp(d, magic, k) == 0;
}

const char *tw_detect_mime(const unsigned char *data, size_t len,
			   const char *name)
{
	magic_t m;
	const char *r;

	(void)name;
	if (len == 0)
		return "application/x-empty";
	/* Cheap checks first: most of a mail dump is messages. */
	if (tw_looks_like_mbox(data, len))
		return "application/mbox";
	if (tw_looks_like_message(data, len))
		return "message/rfc822";
	if (starts(data, len, "%PDF-", 5))
		return "application/pdf";
	m = thread_magic();
	if (!m)
		return "application/octet-stream";
	/* libmagic looks at the head only; bound what it sees. */
	r = magic_buffer(m, data, len > (1u << 20) ? (1u << 20) : len);
	return r ? r : "application/octet-stream";
}

/* ---------------------------------------------------------------- dispatch */

static const tw_extractor *choose(const char *mime, const char *ext,
				  const unsigned char *data, size_t len)
{
	size_t i;

	for (i = 0; i < tw_nextractors; i++)
		if (tw_extractors[i]->accepts(mime, ext, data, len))
			return tw_extractors[i];
	return NULL;
}

/* Set n->ext from the name; a lost extension is recorded. */
static void node_ext(tw_node *n)
{
	n->ext = tw_ext_of(n->name);
	if (!n->ext && tw_ext_start(n->name))
		n->oom = 1;
}

/* Detect, then run the extractor, on a node whose digest is set. */
static void extract_node(tw_extract_ctx *cx, tw_node *n,
			 const unsigned char *data, size_t len)
{
	const char *mime;
	const tw_extractor *x;
	trawl_status st;
	size_t errs_before;
	uint64_t fail_base, seen_base;

	n->size = (int64_t)len;
	n->text.max = cx->lim.max_text_bytes;
	if (!n->ext)
		node_ext(n);
	mime = tw_detect_mime(data, len, n->name);
	free(n->mime);
	n->mime = tw_strdup(mime);
	if (!n->mime) {
		/* Without its type nothing can be said of the content. */
		n->oom = 1;
		return;
	}
	n->type = tw_family(n->mime, n->ext);
	if (len == 0) {
		if (!tw_cx_locating(cx))
			tw_node_error(n, TRAWL_EEMPTY, "detect", "file is empty (0 bytes)");
		return;
	}
	x = choose(n->mime, n->ext, data, len);
	if (!x) {
		if (!tw_cx_locating(cx))
			tw_node_error(n, TRAWL_EUNSUPPORTED, "detect",
				      "no extractor for %s content", n->mime);
		return;
	}
	if (x->type)
		n->type = x->type;
	errs_before = n->nerrs;
	fail_base = tw_alloc_failures();
	seen_base = cx->failures_seen;
	st = x->extract(cx, n, data, len);
	/* Failures in this extraction not put down to a child: whatever code
	 * path swallowed them, this item may be missing something. */
	if (tw_alloc_failures() - fail_base > cx->failures_seen - seen_base)
		n->oom = 1;
	cx->failures_seen = seen_base + (tw_alloc_failures() - fail_base);
	if (cx->time_up && !tw_cx_locating(cx)) {
		tw_node_error(n, TRAWL_ELIMIT, "limit",
			      "extraction stopped after %u s (max_seconds)",
			      cx->lim.max_seconds);
	} else if (st != TRAWL_OK && n->nerrs == errs_before &&
		   !tw_cx_locating(cx)) {
		tw_node_error(n, st, "extract", "%s extractor failed: %s",
			      x->name, trawl_status_str(st));
	}
}

/* Content already in the archive is not extracted again, but its type is
 * still detected: the writer compares it with the name of this occurrence. */
static void mark_known(tw_node *n, const unsigned char *head, size_t len)
{
	n->known = 1;
	free(n->mime);
	n->mime = tw_strdup(tw_detect_mime(head, len, n->name));
	if (!n->mime)
		n->oom = 1;
	n->type = tw_family(n->mime, n->ext);
}

tw_node *tw_child(tw_extract_ctx *cx, tw_node *parent, const char *kind,
		  const char *name, const char *locator,
		  const unsigned char *data, size_t len)
{
	tw_node *c;
	int level;

	if (cx->located || cx->time_up)
		return NULL;
	if (parent->nchildren >= cx->lim.max_members) {
		if (parent->nchildren == cx->lim.max_members) {
			tw_node_error(parent, TRAWL_ELIMIT, "limit",
				      "more than %u children (max_members); the rest were skipped",
				      cx->lim.max_members);
			parent->nchildren++; /* record the error once */
		}
		return NULL;
	}
	if (tw_cx_locating(cx)) {
		level = parent->depth - cx->root_depth;
		if ((size_t)level >= cx->nlocate || !locator ||
		    strcmp(cx->locate[level], locator) != 0)
			return NULL;
	}
	c = tw_node_new(kind, name && *name ? name : NULL, parent->depth + 1);
	if (!c) {
		/* The child is lost; its parent says so.  Later children may
		 * still be made. */
		parent->oom = 1;
		return NULL;
	}
	c->locator = tw_strdup(locator);
	if (locator && !c->locator)
		c->oom = 1;
	c->size = (int64_t)len;
	if (parent->last_child)
		parent->last_child->next = c;
	else
		parent->first_child = c;
	parent->last_child = c;
	parent->nchildren++;

	if (tw_cx_locating(cx)) {
		level = parent->depth - cx->root_depth;
		if ((size_t)level + 1 == cx->nlocate) {
			tw_buf_append(cx->found, data, len);
			cx->located = 1;
			return c;
		}
		extract_node(cx, c, data, len);
		return c;
	}

	tw_digest_mem(data, len, &c->digest);
	node_ext(c);
	if (c->depth > cx->lim.max_depth) {
		c->mime = tw_strdup(tw_detect_mime(data, len, c->name));
		if (!c->mime)
			c->oom = 1;
		c->type = tw_family(c->mime, c->ext);
		tw_node_error(c, TRAWL_ELIMIT, "limit",
			      "nesting deeper than %d (max_depth): not extracted",
			      cx->lim.max_depth);
		return c;
	}
	if (cx->known && cx->known(&c->digest, cx->known_ud)) {
		mark_known(c, data, len);
		return c;
	}
	extract_node(cx, c, data, len);
	return c;
}

/* The context of one extraction from `root` down, its clock started; NULL,
 * with the error on root, when out of memory. */
static tw_extract_ctx *cx_new(tw_node *root, const tw_extract_args *args)
{
	tw_extract_ctx *cx = tw_calloc(1, sizeof(*cx));

	if (!cx) {
		tw_node_error(root, TRAWL_ENOMEM, "extract", "out of memory");
		return NULL;
	}
	limits_fill(&cx->lim, args->limits);
	cx->known = args->known;
	cx->known_ud = args->known_ud;
	cx->cancel = args->cancel;
	cx->deadline_ms = tw_now_ms() + (int64_t)cx->lim.max_seconds * 1000;
	cx->root_depth = root->depth;
	return cx;
}

void tw_extract(tw_node *root, const unsigned char *data, size_t len,
		const tw_extract_args *args)
{
	tw_extract_ctx *cx = cx_new(root, args);

	if (!cx)
		return;
	tw_extract_global_init();
	quiet_libraries();
	if (args->locate && args->nlocate) {
		cx->locate = args->locate;
		cx->nlocate = args->nlocate;
		cx->found = args->found;
		extract_node(cx, root, data, len);
		free(cx);
		return;
	}
	root->size = (int64_t)len;
	tw_digest_mem(data, len, &root->digest);
	if (cx->known && cx->known(&root->digest, cx->known_ud)) {
		node_ext(root);
		mark_known(root, data, len);
		free(cx);
		return;
	}
	extract_node(cx, root, data, len);
	free(cx);
}

char *tw_temp_file(const void *data, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char *path = tw_asprintf("%s/trawl-XXXXXX", dir && *dir ? dir : "/tmp");
	const unsigned char *p = data;
	int fd;

	if (!path)
		return NULL;
	fd = mkstemp(path);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w <= 0) {
			close(fd);
			unlink(path);
			free(path);
			return NULL;
		}
		p += w;
		len -= (size_t)w;
	}
	close(fd);
	return path;
}

void tw_extract_path(tw_node *root, const char *path, uint64_t size,
		     const tw_extract_args *args)
{
	unsigned char head[65536];
	tw_extract_ctx *cx;
	tw_hasher *h;
	const tw_extractor *x;
	size_t hn = 0;
	FILE *f;

	tw_extract_global_init();
	quiet_libraries();
	f = fopen(path, "rb");
	if (!f) {
		tw_node_error(root, TRAWL_EIO, "read", "cannot open: %s", strerror(errno));
		return;
	}
	h = tw_hasher_new();
	if (!h) {
		fclose(f);
		root->oom = 1;
		return;
	}
	for (;;) {
		static __thread unsigned char chunk[1 << 16];
		size_t r = fread(chunk, 1, sizeof(chunk), f);

		if (r == 0)
			break;
		if (hn < sizeof(head)) {
			size_t k = r < sizeof(head) - hn ? r : sizeof(head) - hn;

			memcpy(head + hn, chunk, k);
			hn += k;
		}
		tw_hasher_update(h, chunk, r);
	}
	if (ferror(f)) {
		fclose(f);
		tw_hasher_final(h, &root->digest);
		tw_node_error(root, TRAWL_EIO, "read", "read failed: %s", strerror(errno));
		return;
	}
	fclose(f);
	tw_hasher_final(h, &root->digest);
	root->size = (int64_t)size;
	node_ext(root);
	if (args->known && args->known(&root->digest, args->known_ud)) {
		mark_known(root, head, hn);
		return;
	}
	cx = cx_new(root, args);
	if (!cx)
		return;
	root->text.max = cx->lim.max_text_bytes;
	root->mime = tw_strdup(tw_detect_mime(head, hn, root->name));
	if (!root->mime) {
		root->oom = 1;
		free(cx);
		return;
	}
	root->type = tw_family(root->mime, root->ext);
	x = choose(root->mime, root->ext, head, hn);
	if (x && x->extract_file) {
		trawl_status st;
		size_t before = root->nerrs;

		uint64_t fail_base = tw_alloc_failures();

		if (x->type)
			root->type = x->type;
		st = x->extract_file(cx, root, path, size);
		if (tw_alloc_failures() - fail_base > cx->failures_seen)
			root->oom = 1;
		if (cx->time_up)
			tw_node_error(root, TRAWL_ELIMIT, "limit",
				      "extraction stopped after %u s (max_seconds)",
				      cx->lim.max_seconds);
		else if (st != TRAWL_OK && root->nerrs == before)
			tw_node_error(root, st, "extract", "%s extractor failed: %s",
				      x->name, trawl_status_str(st));
	} else if (x && size <= cx->lim.max_item_bytes) {
		/* Small enough after all: read it and extract as usual. */
		unsigned char *data = tw_malloc(size ? size : 1);
		FILE *g = data ? fopen(path, "rb") : NULL;

		if (g && fread(data, 1, size, g) == size)
			extract_node(cx, root, data, size);
		else
			tw_node_error(root, TRAWL_EIO, "read", "cannot read %llu bytes",
				      (unsigned long long)size);
		if (g)
			fclose(g);
		free(data);
	} else if (x) {
		tw_node_error(root, TRAWL_ELIMIT, "limit",
			      "%llu bytes is more than max_item_bytes (%llu) for a %s file",
			      (unsigned long long)size,
			      (unsigned long long)cx->lim.max_item_bytes, x->name);
	} else {
		tw_node_error(root, TRAWL_EUNSUPPORTED, "detect",
			      "no extractor for %s content", root->mime);
	}
	free(cx);
}

/* ---------------------------------------------------------------- dates */

int tw_utc_iso(int y, int mo, int d, int h, int mi, int s, int tz_minutes,
	       char out[32])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi - tz_minutes;
	tm.tm_sec = s;
	t = timegm(&tm);
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
		return -1;
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
	return 0;
}
