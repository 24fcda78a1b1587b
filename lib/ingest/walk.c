/*
 * walk.c - finding the inputs of an ingest and skipping what is committed.
 *
 * Folders are walked depth-first in sorted order, so that two runs over the
 * same dump see the same inputs in the same order.  Symbolic links are not
 * followed (a dump may contain loops or links pointing out of it); each is
 * recorded as an error so that nothing goes unaccounted for.
 *
 * Resume: a file already committed with the same size and mtime is skipped;
 * with the same size but another mtime it is hashed and skipped if the
 * content is unchanged; otherwise its old family is replaced.  mbox files
 * and PST/OST stores are split here, one message at a time, so that a
 * mailbox of any size is streamed and its messages are spread over the
 * extractor threads; a partly committed one resumes at the messages not
 * yet committed.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/ingest.h"

#define MAX_DIR_DEPTH 256

void tw_task_free(tw_task *t)
{
	if (!t)
		return;
	free(t->path);
	free(t->data);
	free(t->errmsg);
	free(t->name);
	free(t->folder);
	free(t);
}

static int emit_error(tw_walker *w, const char *path, trawl_status st,
		      const char *fmt, ...) TW_PRINTF(4, 5);

static int emit_error(tw_walker *w, const char *path, trawl_status st,
		      const char *fmt, ...)
{
	tw_task *t = tw_calloc(1, sizeof(*t));
	va_list ap;

	if (!t)
		return -1;
	t->kind = TW_TASK_ERROR;
	t->path = tw_strdup(path);
	t->err = st;
	va_start(ap, fmt);
	if (vasprintf(&t->errmsg, fmt, ap) < 0)
		t->errmsg = NULL;
	va_end(ap);
	return w->emit(t, w->ud);
}

static int64_t mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* SHA-256 and MD5 of a whole file. */
static int file_digest(const char *path, tw_digest *d)
{
	FILE *f = fopen(path, "rb");
	tw_hasher *h;
	unsigned char buf[65536];
	size_t n;

	if (!f)
		return -1;
	h = tw_hasher_new();
	if (!h) {
		fclose(f);
		errno = ENOMEM;
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		tw_hasher_update(h, buf, n);
	fclose(f);
	tw_hasher_final(h, d);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A container split into parts (split.format): the walker reads it, hands
 * each part to the extractor threads as a unit of its own, and ends with an
 * END task once the container's own node is complete.  On a resumed run the
 * parts already committed are skipped.
 */
typedef struct split_walk {
	tw_walker *w;
	tw_split *m;
	uint64_t *done;   /* keys of the parts committed earlier, sorted */
	size_t ndone;
	uint64_t part_bytes; /* bytes of the parts, read or skipped */
	int stop;
	/* The END task, made first: once parts are out, the container must
	 * reach its END (which carries the walker's reference) whatever
	 * memory is left. */
	tw_task *end;
} split_walk;

static int split_begin(split_walk *sw, tw_walker *w, const char *path,
		       const struct stat *sb, const tw_file_state *fs, int format,
		       const char *mime, const char *type)
{
	tw_split *m = tw_calloc(1, sizeof(*m));
	const char *base = strrchr(path, '/');

	memset(sw, 0, sizeof(*sw));
	sw->w = w;
	sw->m = m;
	sw->end = tw_calloc(1, sizeof(*sw->end));
	if (!m || !sw->end) {
		free(m);
		free(sw->end);
		return -1;
	}
	m->format = format;
	m->path = tw_strdup(path);
	m->size = (int64_t)sb->st_size;
	m->mtime = mtime_ns(sb);
	m->node = tw_node_new("file", base ? base + 1 : path, 0);
	if (!m->path || !m->node) {
		tw_node_free(m->node);
		free(m->path);
		free(m);
		free(sw->end);
		return -1;
	}
	m->node->ext = tw_ext_of(m->node->name);
	m->node->mime = tw_strdup(mime);
	m->node->type = type;
	atomic_init(&m->refs, 1);
	if (fs->found && !fs->done && fs->size == m->size && fs->mtime == m->mtime) {
		/* Resume a partly committed container. */
		m->item_id = fs->item_id;
		if (tw_store_part_keys(w->db, fs->item_id, format, &sw->done, &sw->ndone)) {
			/* Without them committed parts would come again:
			 * the container waits for the next run. */
			tw_node_free(m->node);
			free(m->path);
			free(m);
			free(sw->end);
			sw->m = NULL;
			return -1;
		}
		qsort(sw->done, sw->ndone, sizeof(*sw->done), cmp_u64);
	} else if (fs->found) {
		m->old_root = fs->item_id;
	}
	return 0;
}

/* Hand part t (data, key and names set) to the extractor threads, unless an
 * earlier run committed it.  Takes t; sets sw->stop when the run stops. */
static void split_part(split_walk *sw, tw_task *t)
{
	tw_walker *w = sw->w;
	tw_split *m = sw->m;

	m->nparts++;
	sw->part_bytes += t->len;
	if (sw->ndone && bsearch(&t->key, sw->done, sw->ndone, sizeof(*sw->done), cmp_u64)) {
		atomic_fetch_add(w->skipped, 1);
		atomic_fetch_add(w->bytes_skipped, t->len);
		tw_task_free(t);
		return;
	}
	t->kind = TW_TASK_PART;
	t->path = tw_strdup(m->path);
	t->size = m->size;
	t->mtime = m->mtime;
	t->split = m;
	t->index = m->nparts;
	atomic_fetch_add(&m->refs, 1);
	if (w->emit(t, w->ud) || (w->cancel && *w->cancel))
		sw->stop = 1;
}

/* The END task: the container's node is complete. */
static int split_end(split_walk *sw)
{
	tw_task *end = sw->end;

	free(sw->done);
	sw->m->truncated_walk = sw->stop;
	end->kind = TW_TASK_SPLIT_END;
	end->split = sw->m;
	/* The rest of the file, counted as read when the END is handled. */
	if (!sw->stop && (uint64_t)sw->m->size > sw->part_bytes)
		end->rest = (uint64_t)sw->m->size - sw->part_bytes;
	return sw->w->emit(end, sw->w->ud) || sw->stop;
}

/* Split an mbox file into message tasks. */
static int walk_mbox(tw_walker *w, const char *path, const struct stat *sb,
		     const tw_file_state *fs)
{
	FILE *f = fopen(path, "rb");
	split_walk sw;
	tw_mbox *mb;
	tw_buf msg;
	uint64_t off, failures = tw_alloc_failures();

	if (!f)
		return emit_error(w, path, TRAWL_EIO, "cannot open: %s", strerror(errno));
	if (split_begin(&sw, w, path, sb, fs, TW_SPLIT_MBOX, "application/mbox", "mbox")) {
		fclose(f);
		return -1;
	}
	mb = tw_mbox_open_file(f, 0, 1);
	tw_buf_init(&msg, w->limits->max_item_bytes);
	while (!sw.stop && mb && tw_mbox_next(mb, &msg, &off) == 1) {
		tw_task *t = tw_calloc(1, sizeof(*t));

		if (!t)
			break;
		if (tw_buf_failed(&msg)) {
			/* Not the whole message: dropped, and the mbox is
			 * left for the next run (see below). */
			free(t);
			tw_buf_reset(&msg);
			continue;
		}
		t->key = off;
		t->truncated = msg.truncated;
		t->data = (unsigned char *)tw_buf_detach(&msg, &t->len);
		tw_buf_init(&msg, w->limits->max_item_bytes);
		split_part(&sw, t);
	}
	tw_buf_release(&msg);
	tw_mbox_close(mb, &sw.m->node->digest);
	fclose(f);
	/* A message, or the digest, lost for lack of memory: the mbox is not
	 * recorded as complete, so the next run takes what is missing. */
	if (tw_alloc_failures() != failures)
		atomic_store(&sw.m->lost, 1);
	return split_end(&sw);
}

/* Split a PST or OST store into message tasks (the records of each item;
 * the extractor threads rebuild the messages). */
static int walk_pst(tw_walker *w, const char *path, const struct stat *sb,
		    const tw_file_state *fs, const unsigned char *head, size_t hn)
{
	split_walk sw;
	tw_pst_split *ps;
	tw_pst_part part;
	uint64_t failures = tw_alloc_failures();

	if (split_begin(&sw, w, path, sb, fs, TW_SPLIT_PST,
			tw_detect_mime(head, hn, path), tw_extractor_pst.type))
		return -1;
	ps = tw_pst_split_open(path, w->limits, w->cancel, sw.m->node);
	while (!sw.stop && ps && tw_pst_split_next(ps, &part) == 1) {
		tw_task *t = tw_calloc(1, sizeof(*t));

		if (!t) {
			tw_pst_part_free(&part);
			break;
		}
		t->key = part.id;
		t->data = part.recs;
		t->len = part.len;
		t->name = part.name;
		t->folder = part.folder;
		split_part(&sw, t);
	}
	if (!ps)
		tw_node_error(sw.m->node, TRAWL_ENOMEM, "extract", "out of memory");
	tw_pst_split_close(ps);
	if (file_digest(path, &sw.m->node->digest) != 0)
		tw_node_error(sw.m->node, TRAWL_EIO, "read", "cannot read: %s", strerror(errno));
	if (tw_alloc_failures() != failures)
		atomic_store(&sw.m->lost, 1);
	return split_end(&sw);
}

static int walk_file(tw_walker *w, const char *path, const struct stat *sb)
{
	tw_file_state fs;
	unsigned char head[4096];
	size_t hn = 0;
	FILE *f;
	tw_task *t;

	if (w->fresh || tw_store_file_state(w->db, path, &fs) != 0)
		memset(&fs, 0, sizeof(fs));
	if (fs.found && fs.done && fs.size == (int64_t)sb->st_size) {
		tw_digest d;

		if (fs.mtime == mtime_ns(sb) ||
		    (fs.has_sha && file_digest(path, &d) == 0 &&
		     memcmp(d.sha256, fs.sha256, 32) == 0)) {
			atomic_fetch_add(w->skipped, fs.inputs > 0 ? (uint64_t)fs.inputs : 1);
			atomic_fetch_add(w->bytes_skipped, (uint64_t)sb->st_size);
			return 0;
		}
	}
	f = fopen(path, "rb");
	if (f) {
		hn = fread(head, 1, sizeof(head), f);
		fclose(f);
	}
	if (hn && tw_looks_like_mbox(head, hn))
		return walk_mbox(w, path, sb, &fs);
	if (tw_looks_like_pst(head, hn))
		return walk_pst(w, path, sb, &fs, head, hn);
	t = tw_calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->kind = TW_TASK_FILE;
	t->path = tw_strdup(path);
	t->size = (int64_t)sb->st_size;
	t->mtime = mtime_ns(sb);
	t->old_root = fs.found ? fs.item_id : 0;
	return w->emit(t, w->ud);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List a directory's entries, sorted; returns -1 and sets errno on failure. */
static int list_dir(const char *path, char ***names, size_t *n)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			char **p;

			cap = cap ? cap * 2 : 64;
			p = tw_realloc(*names, cap * sizeof(*p));
			if (!p)
				break;
			*names = p;
		}
		(*names)[(*n)++] = tw_strdup(e->d_name);
	}
	closedir(d);
	qsort(*names, *n, sizeof(**names), name_cmp);
	return 0;
}

static int walk_path(tw_walker *w, const char *path, int depth)
{
	struct stat sb;
	char **names;
	size_t n, i;
	int stop = 0;

	if (w->cancel && *w->cancel)
		return 1;
	if (lstat(path, &sb) != 0)
		return emit_error(w, path, TRAWL_EIO, "cannot read: %s", strerror(errno));
	if (S_ISLNK(sb.st_mode))
		return emit_error(w, path, TRAWL_EUNSUPPORTED, "%s",
				  "symbolic link not followed (a dump's links may loop or point outside it)");
	if (S_ISREG(sb.st_mode))
		return walk_file(w, path, &sb);
	if (!S_ISDIR(sb.st_mode))
		return emit_error(w, path, TRAWL_EUNSUPPORTED, "%s",
				  "not a regular file or folder (device, socket or fifo)");
	if (depth > MAX_DIR_DEPTH)
		return emit_error(w, path, TRAWL_ELIMIT, "%s",
				  "folders nested deeper than 256 levels: not walked");
	if (list_dir(path, &names, &n) != 0)
		return emit_error(w, path, TRAWL_EIO, "cannot list folder: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		char *child;

		if (!stop) {
			child = tw_asprintf("%s/%s", strcmp(path, "/") ? path : "", names[i]);
			if (child)
				stop = walk_path(w, child, depth + 1);
			free(child);
		}
		free(names[i]);
	}
	free(names);
	return stop;
}

void tw_walk(tw_walker *w)
{
	size_t i;

	for (i = 0; i < w->nroots; i++) {
		char *abs = realpath(w->roots[i], NULL);
		int stop;

		if (!abs && errno == ENOMEM) {
			tw_alloc_note_failure(); /* the run ends with TRAWL_ENOMEM */
			stop = emit_error(w, w->roots[i], TRAWL_ENOMEM, "cannot open: %s",
					  strerror(errno));
		} else if (!abs) {
			stop = emit_error(w, w->roots[i], TRAWL_ENOTFOUND, "cannot open: %s",
					  strerror(errno));
		} else {
			stop = walk_path(w, abs, 0);
			free(abs);
		}
		if (stop)
			break;
	}
}

static uint64_t count_path(const char *path, int depth, uint64_t *bytes,
			   const volatile int *cancel)
{
	struct stat sb;
	char **names;
	size_t n, i;
	uint64_t total = 0;

	if ((cancel && *cancel) || lstat(path, &sb) != 0)
		return 0;
	if (!S_ISDIR(sb.st_mode)) {
		*bytes += S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
		return 1;
	}
	if (depth > MAX_DIR_DEPTH || list_dir(path, &names, &n) != 0)
		return 1;
	for (i = 0; i < n; i++) {
		char *child = tw_asprintf("%s/%s", path, names[i]);

		if (child)
			total += count_path(child, depth + 1, bytes, cancel);
		free(child);
		free(names[i]);
	}
	free(names);
	return total;
}

uint64_t tw_walk_count(const char *const *roots, size_t n, uint64_t *bytes,
		       const volatile int *cancel)
{
	uint64_t total = 0;
	size_t i;

	*bytes = 0;
	for (i = 0; i < n; i++)
		total += count_path(roots[i], 0, bytes, cancel);
	return total;
}
