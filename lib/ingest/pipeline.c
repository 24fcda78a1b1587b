/*
 * pipeline.c - the ingest: walker -> extractor threads -> one writer.
 *
 *   walker thread ──tasks──► N extractor threads ──units──► writer (caller's thread)
 *
 * Both queues are bounded (in count, and the task queue in bytes too), so
 * memory stays flat whatever the size of the dump.  Extractors never touch
 * the archive except for read-only "is this content known" lookups on
 * connections of their own.  The writer commits in batched transactions,
 * but only ever between units, so a unit (an input with all its
 * descendants) is either wholly in the archive or not at all: a kill at
 * any moment loses nothing committed, and the same command resumes.
 *
 * Contents already in the archive, or being extracted by another thread in
 * this run, are not extracted again (the "claimed" set below).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "text/text.h"
#include "investigate/investigate.h"
#include "protect/scan.h"

#define BATCH_ITEMS 4000
#define BATCH_MS 1000
#define TASK_QUEUE_BYTES (64u << 20)

/* ---------------------------------------------------------------- queue */

typedef struct queue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	void **items;
	size_t cap, head, len;
	size_t bytes, max_bytes;
	int closed;   /* no more pushes */
	int aborted;  /* consumers gone: pushes fail */
} queue;

static int queue_init(queue *q, size_t cap, size_t max_bytes)
{
	memset(q, 0, sizeof(*q));
	q->items = tw_calloc(cap, sizeof(void *));
	if (!q->items)
		return -1;
	q->cap = cap;
	q->max_bytes = max_bytes;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	return 0;
}

static void queue_release(queue *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	free(q->items);
}

/* Push; blocks while full.  Returns -1 when the queue was aborted. */
static int queue_push(queue *q, void *p, size_t bytes)
{
	pthread_mutex_lock(&q->mu);
	/* A single item larger than the byte budget still goes through alone. */
	while (!q->aborted &&
	       (q->len == q->cap || (q->len && q->bytes + bytes > q->max_bytes)))
		pthread_cond_wait(&q->not_full, &q->mu);
	if (q->aborted) {
		pthread_mutex_unlock(&q->mu);
		return -1;
	}
	q->items[(q->head + q->len) % q->cap] = p;
	q->len++;
	q->bytes += bytes;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

/* Pop; waits up to timeout_ms (-1: forever).  NULL on timeout or when
 * closed and empty (*done set then). */
static void *queue_pop(queue *q, int timeout_ms, size_t (*size_of)(void *), int *done)
{
	void *p = NULL;
	struct timespec ts;

	pthread_mutex_lock(&q->mu);
	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		ts.tv_sec += timeout_ms / 1000 + ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
	}
	while (q->len == 0 && !q->closed && !q->aborted) {
		if (timeout_ms < 0)
			pthread_cond_wait(&q->not_empty, &q->mu);
		else if (pthread_cond_timedwait(&q->not_empty, &q->mu, &ts) != 0)
			break;
	}
	if (q->len) {
		p = q->items[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
		if (size_of)
			q->bytes -= size_of(p);
		pthread_cond_signal(&q->not_full);
	} else if (done && (q->closed || q->aborted)) {
		*done = 1;
	}
	pthread_mutex_unlock(&q->mu);
	return p;
}

static void queue_close(queue *q, int abort)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	if (abort)
		q->aborted = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->mu);
}

static size_t task_bytes(void *p)
{
	return ((tw_task *)p)->len;
}

/* ---------------------------------------------------------------- claimed set */

/* Open-addressing set of 16-byte keys (the first bytes of SHA-256
 * digests) claimed in this run: contents for extraction, texts for
 * compression.  It holds at most CLAIMED_MAX keys (64 MB); beyond, every
 * claim succeeds, which costs work, never content. */
#define CLAIMED_MAX ((size_t)1 << 21)

typedef struct claimed {
	pthread_mutex_t mu;
	unsigned char (*keys)[16];
	size_t cap, len;
} claimed;

static int claimed_add(claimed *c, const unsigned char *sha)
{
	size_t i, mask;
	static const unsigned char zero[16];
	int added = 0;

	pthread_mutex_lock(&c->mu);
	if ((c->len + 1) * 2 > c->cap && c->len < CLAIMED_MAX) {
		size_t ncap = c->cap ? c->cap * 2 : 1 << 14, k;
		unsigned char(*nk)[16] = tw_calloc(ncap, 16);

		if (!nk) {
			pthread_mutex_unlock(&c->mu);
			return 1; /* cannot remember: extract it (never lose content) */
		}
		for (k = 0; k < c->cap; k++) {
			if (memcmp(c->keys[k], zero, 16) == 0)
				continue;
			for (i = *(uint64_t *)c->keys[k] & (ncap - 1);
			     memcmp(nk[i], zero, 16) != 0; i = (i + 1) & (ncap - 1))
				;
			memcpy(nk[i], c->keys[k], 16);
		}
		free(c->keys);
		c->keys = nk;
		c->cap = ncap;
	}
	mask = c->cap - 1;
	{
		uint64_t h;

		memcpy(&h, sha, 8);
		for (i = h & mask;; i = (i + 1) & mask) {
			if (memcmp(c->keys[i], zero, 16) == 0) {
				if (c->len < CLAIMED_MAX) {
					memcpy(c->keys[i], sha, 16);
					c->len++;
				}
				added = 1;
				break;
			}
			if (memcmp(c->keys[i], sha, 16) == 0)
				break;
		}
	}
	pthread_mutex_unlock(&c->mu);
	return added;
}

/* ---------------------------------------------------------------- run state */

typedef struct run {
	trawl_archive *ar;
	const trawl_ingest_opts *opts;
	trawl_limits limits;
	const char *const *paths;
	size_t npaths;
	queue tasks, units;
	claimed claims, texts;
	volatile int cancel;
	_Atomic uint64_t skipped, bytes_skipped, bytes_read;
	_Atomic uint64_t total, total_bytes;
	_Atomic int count_done;
	_Atomic int workers_left;
	/* An input was lost for lack of memory before reaching the writer
	 * (walker or worker): the run ends with TRAWL_ENOMEM, and the input,
	 * not recorded as done, is taken again by the next run. */
	_Atomic int oom;
	/* The walker could not open its reader on the archive: it walked
	 * nothing, and the run must not end as if the dump were empty. */
	_Atomic int no_reader;
} run;

typedef struct worker {
	run *r;
	tw_ar_reader *rd;    /* own read handle, or NULL: every content is new */
	int64_t replacing;   /* family the current task replaces, or 0 */
	pthread_t th;
} worker;

static int known(const tw_digest *d, void *ud)
{
	worker *w = ud;

	if (tw_ar_known(w->rd, d, w->replacing))
		return 1;
	/* First to claim extracts; anyone later records a duplicate. */
	return !claimed_add(&w->r->claims, d->sha256);
}

/* Plain text kept in memory per unit; beyond it a node keeps only its
 * compressed text and the writer inflates it again.  A zip of 100,000
 * documents stays within a few hundred megabytes this way. */
#define UNIT_PLAIN_BUDGET (32u << 20)

static void compress_tree(run *r, tw_node *n, size_t *plain)
{
	for (; n; n = n->next) {
		if (!n->known) {
			tw_text_key(n, n->text.data, n->text.len);
			/* Another unit of this run has the same text (a copy of a
			 * message in another folder): the writer will find it
			 * stored, so it is not compressed here; if this unit
			 * reaches the writer first, the writer compresses it. */
			if (n->text_keyed && n->text.len > 64 &&
			    *plain + n->text.len <= UNIT_PLAIN_BUDGET &&
			    !claimed_add(&r->texts, n->text_key)) {
				*plain += n->text.len;
				compress_tree(r, n->first_child, plain);
				continue;
			}
		}
		if (!n->known) {
			/* Languages are detected here, in parallel: the
			 * writer (tw_ar_text_langs) then finds them in
			 * tw_lang_detect's memo. */
			tw_lang_detect(n->text.data, n->text.len);
		}
		if (!n->known && n->text.len > 64) {
			n->ztext = tw_deflate(n->text.data, n->text.len, &n->zlen);
			*plain += n->text.len;
			if (n->ztext && *plain > UNIT_PLAIN_BUDGET) {
				n->text_in_z = n->text.len;
				tw_buf_release(&n->text);
			}
		}
		compress_tree(r, n->first_child, plain);
	}
}

static void free_ztext(tw_node *n)
{
	for (; n; n = n->next) {
		free(n->ztext);
		n->ztext = NULL;
		free_ztext(n->first_child);
	}
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static unsigned char *read_whole(const char *path, size_t size, size_t *len,
				 trawl_status *st, char *msg, size_t msglen)
{
	FILE *f = fopen(path, "rb");
	unsigned char *d;
	size_t n;

	*st = TRAWL_OK;
	if (!f) {
		*st = TRAWL_EIO;
		snprintf(msg, msglen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	d = tw_malloc(size ? size : 1);
	if (!d) {
		fclose(f);
		*st = TRAWL_ENOMEM;
		snprintf(msg, msglen, "out of memory reading %zu bytes", size);
		return NULL;
	}
	n = fread(d, 1, size, f);
	if (n != size && ferror(f)) {
		*st = TRAWL_EIO;
		snprintf(msg, msglen, "read failed: %s", strerror(errno));
		free(d);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n; /* a file that shrank since the walk is taken as it is now */
	return d;
}

static tw_unit *process(worker *w, tw_task *t)
{
	run *r = w->r;
	tw_unit *u = tw_calloc(1, sizeof(*u));
	tw_extract_args args;
	tw_node *root = NULL;
	char idx[32];

	if (!u)
		return NULL;
	memset(&args, 0, sizeof(args));
	args.limits = &r->limits;
	args.known = known;
	args.known_ud = w;
	args.cancel = &r->cancel;
	u->path = t->path;
	t->path = NULL;
	if (!u->path && t->kind != TW_TASK_SPLIT_END) {
		/* The walker could not copy it (and says so to the run). */
		free(u);
		return NULL;
	}
	u->size = t->size;
	u->mtime = t->mtime;
	u->old_root = t->old_root;
	u->split = t->split;
	u->key = t->key;
	u->index = t->index;
	w->replacing = t->split ? t->split->old_root : t->old_root;
	switch (t->kind) {
	case TW_TASK_SPLIT_END:
		u->kind = TW_UNIT_SPLIT_END;
		/* What the parts did not count (separators, a PST's own
		 * structures), so that bytes read reach the file's size. */
		atomic_fetch_add(&r->bytes_read, t->rest);
		return u;
	case TW_TASK_PART:
		u->kind = TW_UNIT_PART;
		snprintf(idx, sizeof(idx), "%llu", (unsigned long long)t->index);
		root = tw_node_new("message", t->name ? t->name : idx, 1);
		if (!root)
			break;
		root->locator = tw_asprintf("%s%llu", tw_split_prefix(t->split->format),
					    (unsigned long long)t->key);
		if (!root->locator) {
			/* Without it the part could not be resumed: lost. */
			tw_node_free(root);
			root = NULL;
			break;
		}
		if (t->split->format == TW_SPLIT_PST) {
			size_t blen = 0;
			char *msg = tw_pst_message(t->data, t->len, &r->limits, &blen);

			if (msg)
				tw_extract(root, (const unsigned char *)msg, blen, &args);
			else
				tw_node_error(root, TRAWL_ECORRUPT, "extract",
					      "PST item %llu could not be rebuilt as a message",
					      (unsigned long long)t->key);
			if (t->folder)
				tw_node_prop(root, "folder", t->folder);
			free(msg);
		} else {
			tw_extract(root, t->data, t->len, &args);
			if (t->truncated)
				tw_node_error(root, TRAWL_ELIMIT, "limit",
					      "message cut at %llu bytes (max_item_bytes)",
					      (unsigned long long)r->limits.max_item_bytes);
		}
		atomic_fetch_add(&r->bytes_read, t->len);
		break;
	case TW_TASK_ERROR:
		u->kind = TW_UNIT_FILE;
		root = tw_node_new("file", base_name(u->path), 0);
		if (root)
			tw_node_error(root, t->err, "walk", "%s", t->errmsg ? t->errmsg : "");
		break;
	default: {
		trawl_status st;
		char msg[256];
		size_t len = 0;
		unsigned char *data;

		u->kind = TW_UNIT_FILE;
		root = tw_node_new("file", base_name(u->path), 0);
		if (!root)
			break;
		args.path = u->path;
		if ((uint64_t)t->size > TW_MEM_THRESHOLD) {
			tw_extract_path(root, u->path, (uint64_t)t->size, &args);
			atomic_fetch_add(&r->bytes_read, (uint64_t)t->size);
			break;
		}
		data = read_whole(u->path, (size_t)t->size, &len, &st, msg, sizeof(msg));
		if (!data) {
			tw_node_error(root, st, "read", "%s", msg);
			break;
		}
		tw_extract(root, data, len, &args);
		atomic_fetch_add(&r->bytes_read, len);
		free(data);
		break;
	}
	}
	if (!root) {
		free(u->path);
		free(u);
		return NULL;
	}
	if (!r->opts->no_scan)
		tw_scan_tree(root); /* PII and secrets, while the text is at hand */
	{
		size_t plain = 0;

		compress_tree(r, root, &plain);
	}
	u->root = root;
	return u;
}

static void free_split(tw_split *m)
{
	free(m->path);
	tw_node_free(m->node);
	free(m);
}

/* A task or unit of a split container is dropped (the run is stopping):
 * the last one frees the container's state, which is then not completed. */
static void split_drop(tw_split *m)
{
	if (m && atomic_fetch_sub(&m->refs, 1) == 1)
		free_split(m);
}

static void *worker_main(void *p)
{
	worker *w = p;
	run *r = w->r;
	sigset_t set;
	int done = 0;

	/* Signals are the command's business, on its own thread. */
	sigfillset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!done) {
		tw_task *t = queue_pop(&r->tasks, -1, task_bytes, &done);
		tw_unit *u;

		if (!t)
			continue;
		u = r->cancel ? NULL : process(w, t);
		if (!u && !r->cancel) {
			atomic_store(&r->oom, 1);
			/* Its container must not be recorded as complete. */
			if (t->split)
				atomic_store(&t->split->lost, 1);
		}
		if (!u)
			split_drop(t->split);
		tw_task_free(t);
		if (u && queue_push(&r->units, u, 0) != 0) {
			split_drop(u->split);
			tw_node_free(u->root);
			free(u->path);
			free(u);
		}
	}
	if (atomic_fetch_sub(&r->workers_left, 1) == 1)
		queue_close(&r->units, 0);
	return NULL;
}

static int emit_task(tw_task *t, void *ud)
{
	run *r = ud;

	if (r->cancel || queue_push(&r->tasks, t, t->len) != 0) {
		split_drop(t->split);
		tw_task_free(t);
		return 1;
	}
	return 0;
}

static void *walker_main(void *p)
{
	run *r = p;
	tw_walker w;
	sigset_t set;
	uint64_t failures;

	sigfillset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	memset(&w, 0, sizeof(w));
	w.roots = r->paths;
	w.nroots = r->npaths;
	w.limits = &r->limits;
	w.cancel = &r->cancel;
	w.emit = emit_task;
	w.ud = r;
	w.skipped = &r->skipped;
	w.bytes_skipped = &r->bytes_skipped;
	failures = tw_alloc_failures();
	w.rd = tw_ar_reader_open(r->ar);
	if (!w.rd) {
		if (tw_alloc_failures() != failures)
			atomic_store(&r->oom, 1);
		else
			atomic_store(&r->no_reader, 1);
	} else {
		/* On a new archive there is nothing to resume: skip the look-ups. */
		w.fresh = tw_ar_reader_fresh(w.rd);
		tw_walk(&w);
		/* The walker may have skipped an input it could not describe. */
		if (tw_alloc_failures() != failures)
			atomic_store(&r->oom, 1);
	}
	tw_ar_reader_close(w.rd);
	queue_close(&r->tasks, 0);
	return NULL;
}

static void *counter_main(void *p)
{
	run *r = p;
	uint64_t bytes, n;
	sigset_t set;

	sigfillset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	n = tw_walk_count(r->paths, r->npaths, &bytes, &r->cancel);
	atomic_store(&r->total_bytes, bytes);
	atomic_store(&r->total, n);
	atomic_store(&r->count_done, 1);
	return NULL;
}

/* ---------------------------------------------------------------- writer */

/* Count one input in the summary. */
static void tally(trawl_ingest_stats *st, const tw_unit_result *res)
{
	st->seen++;
	st->items += res->items;
	st->item_errors += res->item_errors;
	if (res->outcome == 0)
		st->indexed++;
	else if (res->outcome == 1)
		st->duplicates++;
	else
		st->errors++;
}

/* After the writer: delete what replaced families left unused, and bring
 * conversations and people up to date with what this run added (or, after
 * deletions, with everything), in one transaction so that a kill leaves
 * them to the next run rather than half done; then compact. */
static trawl_status after_ingest(trawl_archive *ar)
{
	uint64_t failures = tw_alloc_failures();
	trawl_status st = tw_ar_begin(ar);

	if (st)
		return st;
	st = tw_store_gc(ar);
	if (!st)
		st = tw_investigate_refresh(ar);
	/* A name, address or reference lost on the way would leave the
	 * derived data silently short: rolled back, done again next run. */
	if (!st && tw_alloc_failures() != failures)
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	if (st) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", trawl_archive_errmsg(ar));
		tw_ar_rollback(ar);
		return tw_fail(ar, st, "updating conversations and people: %s", msg);
	}
	st = tw_ar_commit(ar);
	if (st)
		return st;
	return tw_store_compact(ar);
}

trawl_status trawl_ingest(trawl_archive *ar, const char *const *paths,
			  size_t n, const trawl_ingest_opts *opts,
			  trawl_ingest_stats *out)
{
	trawl_ingest_opts defopts;
	trawl_ingest_stats st;
	run *r;
	worker *workers;
	pthread_t walker, counter;
	int njobs, i, done = 0, in_txn = 0, have_counter = 0;
	int64_t source = 0, t0 = tw_now_ms(), batch_start = 0, last_progress = 0;
	uint64_t batch_items = 0;
	int64_t writer_ms = 0;
	trawl_status rc = TRAWL_OK;
	tw_buf roots;
	unsigned progress_ms;

	memset(&st, 0, sizeof(st));
	if (!opts) {
		memset(&defopts, 0, sizeof(defopts));
		opts = &defopts;
	}
	rc = tw_writable(ar);
	if (rc)
		return rc;
	njobs = opts->jobs > 0 ? opts->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (njobs < 1)
		njobs = 1;
	if (njobs > 256)
		njobs = 256;
	progress_ms = opts->progress_ms ? opts->progress_ms : 500;
	r = tw_calloc(1, sizeof(*r));
	workers = tw_calloc((size_t)njobs, sizeof(*workers));
	if (!r || !workers) {
		free(r);
		free(workers);
		return TRAWL_ENOMEM;
	}
	r->ar = ar;
	r->opts = opts;
	r->paths = paths;
	r->npaths = n;
	r->limits = opts->limits;
	tw_limits_complete(&r->limits);
	pthread_mutex_init(&r->claims.mu, NULL);
	pthread_mutex_init(&r->texts.mu, NULL);
	if (queue_init(&r->tasks, (size_t)njobs * 4 + 4, TASK_QUEUE_BYTES)) {
		free(r);
		free(workers);
		return TRAWL_ENOMEM;
	}
	if (queue_init(&r->units, (size_t)njobs * 2 + 2, SIZE_MAX)) {
		queue_release(&r->tasks);
		free(r);
		free(workers);
		return TRAWL_ENOMEM;
	}
	tw_extract_global_init();

	tw_buf_init(&roots, 1 << 20);
	for (i = 0; i < (int)n; i++) {
		if (i)
			tw_buf_putc(&roots, '\n');
		tw_buf_puts(&roots, paths[i]);
	}
	if (tw_buf_failed(&roots))
		rc = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	else
		rc = tw_store_source_begin(ar, roots.data, opts->label, &source);
	tw_buf_release(&roots);
	if (rc)
		goto out_nothreads;

	if (!opts->no_count && pthread_create(&counter, NULL, counter_main, r) == 0)
		have_counter = 1;
	atomic_store(&r->workers_left, njobs);
	for (i = 0; i < njobs; i++) {
		workers[i].r = r;
		workers[i].rd = tw_ar_reader_open(ar);
		pthread_create(&workers[i].th, NULL, worker_main, &workers[i]);
	}
	pthread_create(&walker, NULL, walker_main, r);

	while (!done) {
		tw_unit *u = queue_pop(&r->units, 100, NULL, &done);
		int64_t now = tw_now_ms();

		if (u && rc == TRAWL_OK) {
			tw_unit_result res;

			if (!in_txn) {
				rc = tw_ar_begin(ar);
				if (rc)
					goto stop;
				in_txn = 1;
				batch_start = now;
				batch_items = 0;
			}
			if (u->kind != TW_UNIT_SPLIT_END) {
				int64_t w0 = tw_now_ms();

				rc = tw_store_unit(ar, source, u, &res);
				writer_ms += tw_now_ms() - w0;
				if (rc)
					goto stop;
				tally(&st, &res);
				batch_items += res.items;
				if (u->old_root)
					st.replaced++;
			}
			if (u->split && atomic_fetch_sub(&u->split->refs, 1) == 1) {
				rc = tw_store_split_done(ar, u->split, source, &res);
				free_split(u->split);
				u->split = NULL;
				if (rc)
					goto stop;
				if (res.outcome >= 0) {
					tally(&st, &res); /* a container without parts */
				} else {
					st.items += res.items;
					st.item_errors += res.item_errors;
				}
			}
		stop:
			if (rc && u->split)
				split_drop(u->split);
			free_ztext(u->root);
			tw_node_free(u->root);
			free(u->path);
			free(u);
			if (rc) {
				/* The run cannot go on: stop everyone, keep what is committed. */
				r->cancel = 1;
				queue_close(&r->tasks, 1);
				if (in_txn)
					tw_ar_rollback(ar);
				in_txn = 0;
				/* Ids remembered by the writer may be rolled back. */
				tw_store_release(ar);
			}
		} else if (u) {
			split_drop(u->split);
			tw_node_free(u->root);
			free(u->path);
			free(u);
		}
		if (in_txn && (batch_items >= BATCH_ITEMS || now - batch_start >= BATCH_MS ||
			       done)) {
			int64_t c0 = tw_now_ms();

			trawl_status lr = tw_ar_text_langs(ar);

			rc = tw_ar_commit(ar);
			if (!rc)
				rc = lr;
			writer_ms += tw_now_ms() - c0;
			in_txn = 0;
			if (rc) {
				r->cancel = 1;
				queue_close(&r->tasks, 1);
			}
		}
		if (opts->progress && now - last_progress >= (int64_t)progress_ms) {
			last_progress = now;
			st.skipped = atomic_load(&r->skipped);
			st.bytes = atomic_load(&r->bytes_read);
			st.bytes_skipped = atomic_load(&r->bytes_skipped);
			st.inputs_total = atomic_load(&r->count_done) ? atomic_load(&r->total) : 0;
			st.bytes_total = atomic_load(&r->count_done) ? atomic_load(&r->total_bytes) : 0;
			st.seconds = (double)(now - t0) / 1000.0;
			if (opts->progress(&st, opts->progress_ud) && !r->cancel) {
				r->cancel = 1;
				queue_close(&r->tasks, 1);
			}
		}
	}
	if (in_txn) {
		rc = rc ? rc : tw_ar_text_langs(ar);
		rc = rc ? rc : tw_ar_commit(ar);
	}
	pthread_join(walker, NULL);
	for (i = 0; i < njobs; i++) {
		pthread_join(workers[i].th, NULL);
		tw_ar_reader_close(workers[i].rd);
	}
	if (have_counter)
		pthread_join(counter, NULL);
	/* Units still queued after a stop are dropped (not committed). */
	for (;;) {
		int d2 = 0;
		tw_task *t = queue_pop(&r->tasks, 0, task_bytes, &d2);

		if (!t)
			break;
		split_drop(t->split);
		tw_task_free(t);
	}

	st.skipped = atomic_load(&r->skipped);
	st.bytes = atomic_load(&r->bytes_read);
	st.bytes_skipped = atomic_load(&r->bytes_skipped);
	st.inputs_total = atomic_load(&r->total);
	st.bytes_total = atomic_load(&r->total_bytes);
	st.writer_seconds = (double)writer_ms / 1000.0;
	if (rc == TRAWL_OK && atomic_load(&r->no_reader))
		rc = tw_fail(ar, TRAWL_EDB, "cannot open archive '%s' a second time to check what is"
			     " already ingested; nothing was ingested", trawl_archive_path(ar));
	if (rc == TRAWL_OK && atomic_load(&r->oom))
		rc = tw_fail(ar, TRAWL_ENOMEM, "out of memory: some inputs were not ingested;"
			     " run the same command again to take them");
	if (rc == TRAWL_OK && r->cancel)
		rc = TRAWL_ECANCELLED;
	if (rc == TRAWL_OK || rc == TRAWL_ECANCELLED) {
		trawl_status r2 = after_ingest(ar);

		if (rc == TRAWL_OK)
			rc = r2;
	}
	{
		char saved[1024];

		snprintf(saved, sizeof(saved), "%s", trawl_archive_errmsg(ar));
		tw_store_source_end(ar, source, &st);
		if (rc)
			tw_fail(ar, rc, "%s", saved);
	}
	if (rc == TRAWL_ECANCELLED)
		tw_fail(ar, rc, "ingest interrupted; run the same command again to resume");
out_nothreads:
	st.seconds = (double)(tw_now_ms() - t0) / 1000.0;
	if (out)
		*out = st;
	queue_release(&r->tasks);
	queue_release(&r->units);
	pthread_mutex_destroy(&r->claims.mu);
	free(r->claims.keys);
	pthread_mutex_destroy(&r->texts.mu);
	free(r->texts.keys);
	free(r);
	free(workers);
	return rc;
}
