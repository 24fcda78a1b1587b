/*
 * pdf.c - PDF documents with MuPDF.
 *
 * Text comes out page by page in MuPDF's reading order (structured text),
 * hidden and off-page text included, each page followed by the comments
 * of its annotations, pages separated by blank lines.  The Info
 * dictionary gives title, author, subject, keywords, creator, producer and
 * the dates (as ISO 8601 UTC); files embedded in the document (the
 * EmbeddedFiles name tree, portfolios, file-attachment annotations) become
 * "attachment" children.  A document encrypted with a user password is
 * kept with what can be read without it (page count) and the encryption
 * recorded; one that only has an owner password opens with the empty
 * password.  MuPDF repairs most broken files; what it cannot open is
 * recorded as corrupt with its message.
 *
 * MuPDF reports errors by longjmp: every call into it sits inside
 * fz_try/fz_catch, and nothing of it crosses into trawl.  Each call gets its
 * own fz_context, with a memory allocator capped per document and MuPDF's
 * warning and error printing silenced.  The contexts are independent, but
 * MuPDF keeps a few process-wide hooks (the OpenJPEG and HarfBuzz
 * allocator shims pass their context through a global guarded by
 * FZ_LOCK_FREETYPE), so all contexts share one set of lock functions.
 *
 * Content streams are not bounded by the file size (a small deflate bomb
 * can hold gigabytes of drawing operators), so while pages are
 * interpreted a watchdog thread polls the time budget and aborts the
 * interpreter through the fz_cookie.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "extract/extract.h"

#define PDF_STORE (64u << 20)          /* MuPDF's resource cache per document */
#define PDF_MEM_MAX (768ull << 20)     /* all MuPDF allocations per document */
#define PDF_MAX_PAGES 20000            /* pages whose text is extracted */
#define PDF_MAX_ATTACHMENTS 10000

/* ---------------------------------------------------------------- locks */

static pthread_mutex_t pdf_mutex[FZ_LOCK_MAX];
static pthread_once_t pdf_once = PTHREAD_ONCE_INIT;

static void pdf_locks_init(void)
{
	int i;

	for (i = 0; i < FZ_LOCK_MAX; i++)
		pthread_mutex_init(&pdf_mutex[i], NULL);
}

static void pdf_lock(void *user, int lock)
{
	(void)user;
	pthread_mutex_lock(&pdf_mutex[lock]);
}

static void pdf_unlock(void *user, int lock)
{
	(void)user;
	pthread_mutex_unlock(&pdf_mutex[lock]);
}

static const fz_locks_context pdf_locks = {NULL, pdf_lock, pdf_unlock};

/* ---------------------------------------------------------------- memory */

/* Each block carries its size in front, so that the total a document
 * makes MuPDF allocate can be capped. */
#define HDR 16

struct pdf_mem {
	size_t used, max;
	int refused;
};

static void *mem_malloc(void *ud, size_t n)
{
	struct pdf_mem *m = ud;
	unsigned char *p;

	if (n > m->max - m->used || n > SIZE_MAX - HDR) {
		m->refused = 1;
		return NULL;
	}
	p = tw_malloc(n + HDR);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	m->used += n;
	return p + HDR;
}

static void mem_free(void *ud, void *ptr)
{
	struct pdf_mem *m = ud;
	unsigned char *p = ptr;
	size_t o;

	if (!p)
		return;
	p -= HDR;
	memcpy(&o, p, sizeof(o));
	m->used -= o;
	free(p);
}

static void *mem_realloc(void *ud, void *ptr, size_t n)
{
	struct pdf_mem *m = ud;
	unsigned char *p = ptr, *q;
	size_t o;

	if (!p)
		return mem_malloc(ud, n);
	if (n == 0) {
		mem_free(ud, ptr);
		return NULL;
	}
	p -= HDR;
	memcpy(&o, p, sizeof(o));
	if ((n > o && n - o > m->max - m->used) || n > SIZE_MAX - HDR) {
		m->refused = 1;
		return NULL;
	}
	q = tw_realloc(p, n + HDR);
	if (!q)
		return NULL;
	m->used = m->used - o + n;
	memcpy(q, &n, sizeof(n));
	return q + HDR;
}

static void quiet(void *user, const char *message)
{
	(void)user;
	(void)message;
}

/* ---------------------------------------------------------------- watchdog */

struct watch {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	int running, stop;
	tw_extract_ctx *cx;
	fz_cookie *cookie;
};

/* Only the watchdog calls tw_cx_expired while it runs (under mu): the
 * extraction context is not meant to be shared between threads. */
static void *watch_main(void *arg)
{
	struct watch *w = arg;
	struct timespec ts;

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
		if (!w->stop && tw_cx_expired(w->cx)) {
			__atomic_store_n(&w->cookie->abort, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void watch_start(struct watch *w, tw_extract_ctx *cx, fz_cookie *cookie)
{
	pthread_condattr_t ca;

	memset(w, 0, sizeof(*w));
	w->cx = cx;
	w->cookie = cookie;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Without a watchdog, pages are still checked between each other. */
	w->running = pthread_create(&w->th, NULL, watch_main, w) == 0;
}

static int watch_expired(struct watch *w)
{
	int r;

	pthread_mutex_lock(&w->mu);
	r = __atomic_load_n(&w->cookie->abort, __ATOMIC_RELAXED) || tw_cx_expired(w->cx);
	pthread_mutex_unlock(&w->mu);
	return r;
}

static void watch_stop(struct watch *w)
{
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->running)
		pthread_join(w->th, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}

/* ---------------------------------------------------------------- metadata */

/* PDF date "D:20141124100300+01'00'" (any precision, zone optional) to
 * ISO 8601 UTC.  Returns 0 on success. */
static int pdf_date_iso(const char *s, char out[32])
{
	static const int width[6] = {4, 2, 2, 2, 2, 2};
	int v[6] = {0, 1, 1, 0, 0, 0}, k, i, tz = 0;

	while (*s == ' ')
		s++;
	if (s[0] == 'D' && s[1] == ':')
		s += 2;
	for (k = 0; k < 6; k++) {
		int x = 0;

		for (i = 0; i < width[k]; i++)
			if (s[i] < '0' || s[i] > '9')
				break;
		if (i < width[k])
			break;
		for (i = 0; i < width[k]; i++)
			x = x * 10 + (s[i] - '0');
		v[k] = x;
		s += width[k];
	}
	if (k == 0)
		return -1;
	if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1, hh = 0, mm = 0;

		s++;
		if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9') {
			hh = (s[0] - '0') * 10 + (s[1] - '0');
			s += 2;
			if (*s == '\'' || *s == ':')
				s++;
			if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9')
				mm = (s[0] - '0') * 10 + (s[1] - '0');
		}
		if (hh <= 23 && mm <= 59)
			tz = sign * (hh * 60 + mm);
	}
	if (v[0] < 1 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 ||
	    v[3] > 24 || v[4] > 59 || v[5] > 60)
		return -1;
	return tw_utc_iso(v[0], v[1], v[2], v[3], v[4], v[5], tz, out);
}

/* fz_lookup_metadata without the longjmp: -1 when absent or unreadable.
 * Kept apart so that no caller's locals live across a setjmp. */
static int lookup(fz_context *ctx, pdf_document *doc, const char *key, char *buf,
		  int size)
{
	int n = -1;

	fz_var(n);
	buf[0] = '\0';
	fz_try(ctx)
		n = fz_lookup_metadata(ctx, &doc->super, key, buf, size);
	fz_catch(ctx)
		n = -1;
	return n;
}

static void metadata(fz_context *ctx, pdf_document *doc, tw_node *node)
{
	static const struct {
		const char *key, *prop;
		int date;
	} map[] = {
		{FZ_META_INFO_TITLE, "title", 0},
		{FZ_META_INFO_AUTHOR, "author", 0},
		{FZ_META_INFO_SUBJECT, "subject", 0},
		{FZ_META_INFO_KEYWORDS, "keywords", 0},
		{FZ_META_INFO_CREATOR, "creator", 0},
		{FZ_META_INFO_PRODUCER, "producer", 0},
		{FZ_META_INFO_CREATIONDATE, "created", 1},
		{FZ_META_INFO_MODIFICATIONDATE, "modified", 1},
	};
	char buf[2048], iso[32];
	size_t i;

	for (i = 0; i < TW_ARRAY_LEN(map); i++) {
		if (lookup(ctx, doc, map[i].key, buf, sizeof(buf)) <= 0 || !buf[0])
			continue;
		if (!map[i].date)
			tw_node_prop(node, map[i].prop, buf);
		else if (pdf_date_iso(buf, iso) == 0)
			tw_node_prop(node, map[i].prop, iso);
	}
}

static void encryption(fz_context *ctx, pdf_document *doc, tw_node *node)
{
	char buf[256];

	if (lookup(ctx, doc, FZ_META_ENCRYPTION, buf, sizeof(buf)) > 0 && buf[0] &&
	    strcmp(buf, "None") != 0)
		tw_node_prop(node, "encryption", buf);
}

/* Non-zero when the document stays locked after trying the empty
 * password (documents with only an owner password open with it). */
static int locked(fz_context *ctx, pdf_document *doc)
{
	int r = 0;

	fz_var(r);
	fz_try(ctx) {
		if (pdf_needs_password(ctx, doc))
			r = !pdf_authenticate_password(ctx, doc, "");
	}
	fz_catch(ctx)
		r = 1;
	return r;
}

static int count_pages(fz_context *ctx, pdf_document *doc, char *msg, size_t msglen)
{
	int n = -1;

	fz_var(n);
	fz_try(ctx)
		n = pdf_count_pages(ctx, doc);
	fz_catch(ctx) {
		n = -1;
		snprintf(msg, msglen, "%s", fz_caught_message(ctx));
	}
	return n;
}

/* ---------------------------------------------------------------- pages */

struct attach {
	pdf_obj *fs;      /* kept file specification */
	char locator[48];
};

struct job {
	fz_context *ctx;
	pdf_document *doc;
	tw_extract_ctx *cx;
	tw_node *node;
	struct pdf_mem *mem;
	struct attach *att;
	size_t natt, capatt;
	int bad_pages;
	char first_error[200];
};

static void add_attach(struct job *j, pdf_obj *fs, const char *locator)
{
	if (j->natt >= PDF_MAX_ATTACHMENTS)
		return;
	if (j->natt == j->capatt) {
		size_t cap = j->capatt ? j->capatt * 2 : 8;
		struct attach *na = tw_realloc(j->att, cap * sizeof(*na));

		if (!na)
			return;
		j->att = na;
		j->capatt = cap;
	}
	j->att[j->natt].fs = pdf_keep_obj(j->ctx, fs);
	snprintf(j->att[j->natt].locator, sizeof(j->att[j->natt].locator), "%s", locator);
	j->natt++;
}

static void page_error(struct job *j, int number)
{
	if (!j->bad_pages++)
		snprintf(j->first_error, sizeof(j->first_error), "page %d: %s",
			 number + 1, fz_caught_message(j->ctx));
}

/* Tidy the text of a page in place: no blank space at line ends, at most
 * one empty line in a row, none at the start or end (layout made of
 * spaced-out blocks otherwise leaves runs of blank lines).  Returns the
 * new length. */
static size_t tidy(unsigned char *s, size_t n)
{
	size_t i, o = 0, line = 0;
	int blank = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '\r')
			continue;
		if (c != '\n') {
			s[o++] = c;
			continue;
		}
		while (o > line && (s[o - 1] == ' ' || s[o - 1] == '\t'))
			o--;
		if (o == line) {
			/* an empty line */
			if (o == 0 || blank++)
				continue;
		} else {
			blank = 0;
		}
		s[o++] = '\n';
		line = o;
	}
	while (o && (s[o - 1] == '\n' || s[o - 1] == ' ' || s[o - 1] == '\t'))
		o--;
	return o;
}

/* "author: contents" of an annotation (sticky note, highlight comment,
 * free text ...), one per line. */
static void annot_text(fz_context *ctx, pdf_annot *a, tw_buf *out)
{
	const char *c = pdf_annot_contents(ctx, a);
	const char *who = pdf_annot_has_author(ctx, a) ? pdf_annot_author(ctx, a) : NULL;

	if (!c || !*c)
		return;
	if (out->len)
		tw_buf_putc(out, '\n');
	if (who && *who) {
		tw_buf_puts(out, who);
		tw_buf_puts(out, ": ");
	}
	tw_buf_puts(out, c);
}

/*
 * One page: its text (unless locating) and its file-attachment
 * annotations.  Returns -1 when the cookie aborted the page.
 */
static int do_page(struct job *j, int number, fz_cookie *cookie)
{
	fz_context *ctx = j->ctx;
	pdf_page *page = NULL;
	fz_stext_page *tp = NULL;
	fz_device *dev = NULL;
	fz_buffer *buf = NULL;
	int locating = tw_cx_locating(j->cx);
	int aborted = 0;
	tw_buf notes;

	tw_buf_init(&notes, j->node->text.max);
	fz_var(notes);
	fz_var(aborted);
	fz_var(page);
	fz_var(tp);
	fz_var(dev);
	fz_var(buf);
	fz_try(ctx) {
		pdf_annot *a;
		int k = 0;

		page = pdf_load_page(ctx, j->doc, number);
		for (a = pdf_first_annot(ctx, page); a; a = pdf_next_annot(ctx, a), k++) {
			enum pdf_annot_type type = pdf_annot_type(ctx, a);

			/* Comments are not part of the page content; their
			 * popups repeat them. */
			if (!locating && type != PDF_ANNOT_POPUP)
				annot_text(ctx, a, &notes);
			if (type == PDF_ANNOT_FILE_ATTACHMENT &&
			    pdf_annot_has_filespec(ctx, a)) {
				pdf_obj *fs = pdf_annot_filespec(ctx, a);

				if (fs && pdf_is_embedded_file(ctx, fs)) {
					char loc[48];

					snprintf(loc, sizeof(loc), "annot:%d:%d", number + 1, k);
					add_attach(j, fs, loc);
				}
			}
		}
		if (!locating) {
			fz_stext_options opts;

			memset(&opts, 0, sizeof(opts));
			tp = fz_new_stext_page(ctx, fz_bound_page(ctx, &page->super));
			dev = fz_new_stext_device(ctx, tp, &opts);
			/* The text read before an error still counts. */
			fz_try(ctx)
				fz_run_page(ctx, &page->super, dev, fz_identity, cookie);
			fz_catch(ctx) {
				if (fz_caught(ctx) == FZ_ERROR_ABORT)
					fz_rethrow(ctx);
				page_error(j, number);
			}
			fz_close_device(ctx, dev);
			buf = fz_new_buffer_from_stext_page(ctx, tp);
		}
	}
	fz_always(ctx) {
		fz_drop_device(ctx, dev);
		fz_drop_stext_page(ctx, tp);
		fz_drop_page(ctx, page ? &page->super : NULL);
	}
	fz_catch(ctx) {
		if (fz_caught(ctx) == FZ_ERROR_ABORT)
			aborted = 1;
		else
			page_error(j, number);
	}
	if (buf) {
		unsigned char *s = NULL;
		size_t n = fz_buffer_storage(ctx, buf, &s);

		n = tidy(s, n);
		if (n) {
			if (j->node->text.len)
				tw_node_text(j->node, "\n\n", 2);
			tw_node_text(j->node, (const char *)s, n);
		}
		fz_drop_buffer(ctx, buf);
	}
	if (notes.len) {
		if (j->node->text.len)
			tw_node_text(j->node, "\n\n", 2);
		tw_node_text(j->node, notes.data, notes.len);
	}
	tw_buf_release(&notes);
	if (__atomic_load_n(&cookie->abort, __ATOMIC_RELAXED))
		aborted = 1;
	return aborted ? -1 : 0;
}

/* The EmbeddedFiles name tree: attached files and portfolio members. */
static void collect_embedded(struct job *j)
{
	fz_context *ctx = j->ctx;
	pdf_obj *tree = NULL;

	fz_var(tree);
	fz_try(ctx) {
		int i, n;

		tree = pdf_load_name_tree(ctx, j->doc, PDF_NAME(EmbeddedFiles));
		n = pdf_dict_len(ctx, tree);
		for (i = 0; i < n; i++) {
			pdf_obj *fs = pdf_dict_get_val(ctx, tree, i);

			if (fs && pdf_is_embedded_file(ctx, fs)) {
				char loc[48];

				snprintf(loc, sizeof(loc), "embedded:%d", i);
				add_attach(j, fs, loc);
			}
		}
	}
	fz_always(ctx)
		pdf_drop_obj(ctx, tree);
	fz_catch(ctx) {
		if (!tw_cx_locating(j->cx))
			tw_node_error(j->node, TRAWL_ECORRUPT, "parse",
				      "cannot read the embedded files of the PDF: %s",
				      fz_caught_message(ctx));
	}
}

static void emit_attachments(struct job *j)
{
	fz_context *ctx = j->ctx;
	uint64_t max = tw_cx_limits(j->cx)->max_item_bytes;
	size_t i;

	for (i = 0; i < j->natt; i++) {
		pdf_embedded_file_params params;
		fz_buffer *buf = NULL;
		char name[512];
		unsigned char *data;
		size_t n;
		int too_big = 0;

		fz_var(buf);
		fz_var(too_big);
		name[0] = '\0';
		fz_try(ctx) {
			pdf_get_embedded_file_params(ctx, j->att[i].fs, &params);
			if (params.filename)
				snprintf(name, sizeof(name), "%s", params.filename);
			/* The declared size may lie; the loaded size is checked
			 * again below. */
			if (params.size > 0 && (uint64_t)params.size > max)
				too_big = 1;
			else
				buf = pdf_load_embedded_file_contents(ctx, j->att[i].fs);
		}
		fz_catch(ctx) {
			if (!tw_cx_locating(j->cx))
				tw_node_error(j->node, j->mem->refused ? TRAWL_ELIMIT : TRAWL_ECORRUPT,
					      j->mem->refused ? "limit" : "parse",
					      "cannot read embedded file %s: %s",
					      name[0] ? name : j->att[i].locator,
					      fz_caught_message(ctx));
			buf = NULL;
		}
		if (too_big && !tw_cx_locating(j->cx))
			tw_node_error(j->node, TRAWL_ELIMIT, "limit",
				      "embedded file %s is larger than %llu bytes (max_item_bytes); skipped",
				      name[0] ? name : j->att[i].locator, (unsigned long long)max);
		if (!buf)
			continue;
		n = fz_buffer_storage(ctx, buf, &data);
		if ((uint64_t)n > max) {
			tw_node_error(j->node, TRAWL_ELIMIT, "limit",
				      "embedded file %s is larger than %llu bytes (max_item_bytes); skipped",
				      name[0] ? name : j->att[i].locator, (unsigned long long)max);
		} else if (tw_cx_inflate(j->cx, j->node, n, 0) != TRAWL_OK) {
			fz_drop_buffer(ctx, buf);
			break;
		} else if (!tw_child(j->cx, j->node, "attachment", name, j->att[i].locator,
				     data, n) && tw_cx_expired(j->cx)) {
			fz_drop_buffer(ctx, buf);
			break;
		}
		fz_drop_buffer(ctx, buf);
	}
}

/* ---------------------------------------------------------------- document */

static trawl_status pdf_document_run(struct job *j)
{
	fz_context *ctx = j->ctx;
	trawl_status st = TRAWL_OK;
	fz_cookie cookie;
	struct watch w;
	int pages, lock, i, todo;
	char msg[200] = "";

	lock = locked(ctx, j->doc);
	pages = count_pages(ctx, j->doc, msg, sizeof(msg));
	if (!tw_cx_locating(j->cx)) {
		if (lock)
			tw_node_error(j->node, TRAWL_EENCRYPTED, "decrypt",
				      "PDF is encrypted with a password");
		/* Without the key the Info strings are still encrypted. */
		if (!lock)
			metadata(ctx, j->doc, j->node);
		encryption(ctx, j->doc, j->node);
		if (pages >= 0)
			tw_node_propf(j->node, "pages", "%d", pages);
		if (pages == 0)
			tw_node_error(j->node, TRAWL_ECORRUPT, "parse",
				      "the PDF has no readable page (broken page tree)");
		else if (pages < 0)
			tw_node_error(j->node, TRAWL_ECORRUPT, "parse",
				      "cannot count the pages of the PDF: %s", msg);
	}
	if (lock)
		return TRAWL_OK;

	collect_embedded(j);
	memset(&cookie, 0, sizeof(cookie));
	watch_start(&w, j->cx, &cookie);
	todo = pages < PDF_MAX_PAGES ? pages : PDF_MAX_PAGES;
	for (i = 0; i < todo; i++) {
		if (watch_expired(&w) || do_page(j, i, &cookie) < 0) {
			st = TRAWL_ELIMIT;
			break;
		}
		if (j->node->text.truncated && !tw_cx_locating(j->cx))
			break;
	}
	watch_stop(&w);
	if (!tw_cx_locating(j->cx)) {
		if (st == TRAWL_OK && pages > PDF_MAX_PAGES && !j->node->text.truncated)
			tw_node_error(j->node, TRAWL_ELIMIT, "limit",
				      "only the first %d of %d pages were extracted",
				      PDF_MAX_PAGES, pages);
		if (j->bad_pages)
			tw_node_error(j->node, j->mem->refused ? TRAWL_ELIMIT : TRAWL_ECORRUPT,
				      j->mem->refused ? "limit" : "extract",
				      "%d of %d pages could not be read (%s)", j->bad_pages,
				      pages, j->first_error);
	}
	if (st == TRAWL_OK)
		emit_attachments(j);
	return st;
}

static pdf_document *open_doc(fz_context *ctx, const unsigned char *data, size_t len,
			      const char *path, char *msg, size_t msglen)
{
	fz_stream *stm = NULL;
	pdf_document *doc = NULL;

	fz_var(stm);
	fz_var(doc);
	fz_try(ctx) {
		if (path) {
			doc = pdf_open_document(ctx, path);
		} else {
			stm = fz_open_memory(ctx, data, len);
			doc = pdf_open_document_with_stream(ctx, stm);
		}
	}
	fz_always(ctx)
		fz_drop_stream(ctx, stm);
	fz_catch(ctx) {
		snprintf(msg, msglen, "%s", fz_caught_message(ctx));
		doc = NULL;
	}
	return doc;
}

static trawl_status pdf_run(tw_extract_ctx *cx, tw_node *node,
			    const unsigned char *data, size_t len, const char *path)
{
	struct pdf_mem mem = {0, PDF_MEM_MAX, 0};
	fz_alloc_context alloc = {&mem, mem_malloc, mem_realloc, mem_free};
	fz_context *ctx;
	pdf_document *doc;
	trawl_status st = TRAWL_OK;
	char msg[200] = "";
	struct job j;
	size_t i;

	pthread_once(&pdf_once, pdf_locks_init);
	ctx = fz_new_context(&alloc, &pdf_locks, PDF_STORE);
	if (!ctx) {
		tw_node_error(node, TRAWL_ENOMEM, "extract", "cannot create a MuPDF context");
		return TRAWL_OK;
	}
	fz_set_warning_callback(ctx, quiet, NULL);
	fz_set_error_callback(ctx, quiet, NULL);
	/* Colour management is of no use for text and costs time. */
	fz_disable_icc(ctx);
	if (!path)
		tw_cx_inflate(cx, node, 0, len);

	doc = open_doc(ctx, data, len, path, msg, sizeof(msg));
	if (!doc) {
		if (tw_cx_locating(cx)) {
			/* nothing to record while only locating */
		} else if (mem.refused)
			tw_node_error(node, TRAWL_ELIMIT, "limit",
				      "opening the PDF needs more than %llu MiB of memory",
				      (unsigned long long)(PDF_MEM_MAX >> 20));
		else if (strstr(msg, "encrypt") || strstr(msg, "password"))
			tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
				      "PDF is encrypted in a way MuPDF cannot open: %s", msg);
		else
			tw_node_error(node, TRAWL_ECORRUPT, "parse", "cannot open PDF: %s", msg);
	} else {
		memset(&j, 0, sizeof(j));
		j.ctx = ctx;
		j.doc = doc;
		j.cx = cx;
		j.node = node;
		j.mem = &mem;
		st = pdf_document_run(&j);
		for (i = 0; i < j.natt; i++)
			pdf_drop_obj(ctx, j.att[i].fs);
		free(j.att);
		pdf_drop_document(ctx, doc);
	}
	fz_drop_context(ctx);
	return st;
}

/* ---------------------------------------------------------------- interface */

static int pdf_accepts(const char *mime, const char *ext,
		       const unsigned char *data, size_t len)
{
	if (mime && (!strcmp(mime, "application/pdf") || !strcmp(mime, "application/x-pdf")))
		return 1;
	/* The header may come after up to 1 KiB of junk, which hides the
	 * file from libmagic. */
	if (!((ext && !strcmp(ext, "pdf")) ||
	      (mime && !strcmp(mime, "application/octet-stream"))))
		return 0;
	return len >= 8 && memmem(data, len < 1024 ? len : 1024, "%PDF-", 5) != NULL;
}

static trawl_status pdf_extract(tw_extract_ctx *cx, tw_node *node,
				const unsigned char *data, size_t len)
{
	return pdf_run(cx, node, data, len, NULL);
}

static trawl_status pdf_extract_file(tw_extract_ctx *cx, tw_node *node,
				     const char *path, uint64_t size)
{
	(void)size;
	return pdf_run(cx, node, NULL, 0, path);
}

const tw_extractor tw_extractor_pdf = {
	"pdf", "pdf", pdf_accepts, pdf_extract, pdf_extract_file,
};
