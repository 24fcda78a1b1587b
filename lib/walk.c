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
 * are split here, one message at a time, so that a mailbox of any size is
 * streamed and its messages are spread over the extractor threads; a
 * partly committed mbox resumes at the messages not yet committed.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline.h"

#define MAX_DIR_DEPTH 256

void tw_task_free(tw_task *t)
{
	if (!t)
		return;
	free(t->path);
	free(t->data);
	free(t->errmsg);
	free(t);
}

static int emit_error(tw_walker *w, const char *path, trawl_status st,
		      const char *fmt, const char *detail)
{
	tw_task *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->kind = TW_TASK_ERROR;
	t->path = tw_strdup(path);
	t->err = st;
	t->errmsg = tw_asprintf(fmt, detail);
	return w->emit(t, w->ud);
}

static int64_t mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

static int file_sha(const char *path, unsigned char out[32])
{
	FILE *f = fopen(path, "rb");
	tw_hasher *h;
	tw_digest d;
	unsigned char buf[65536];
	size_t n;

	if (!f)
		return -1;
	h = tw_hasher_new();
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		tw_hasher_update(h, buf, n);
	fclose(f);
	tw_hasher_final(h, &d);
	memcpy(out, d.sha256, 32);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Split an mbox file into message tasks. */
static int walk_mbox(tw_walker *w, const char *path, const struct stat *sb,
		     const tw_file_state *fs)
{
	FILE *f = fopen(path, "rb");
	tw_mbox_state *m;
	tw_mbox *mb;
	tw_buf msg;
	uint64_t off, *done = NULL;
	size_t ndone = 0;
	int stop = 0;
	tw_task *end;

	if (!f)
		return emit_error(w, path, TRAWL_EIO, "cannot open: %s", strerror(errno));
	m = calloc(1, sizeof(*m));
	if (!m) {
		fclose(f);
		return -1;
	}
	m->path = tw_strdup(path);
	m->size = (int64_t)sb->st_size;
	m->mtime = mtime_ns(sb);
	atomic_init(&m->refs, 1);
	if (fs->found && !fs->done && fs->size == m->size && fs->mtime == m->mtime) {
		/* Resume a partly committed mbox. */
		m->item_id = fs->item_id;
		tw_store_mbox_offsets(w->db, fs->item_id, &done, &ndone);
		qsort(done, ndone, sizeof(*done), cmp_u64);
	} else if (fs->found) {
		m->old_root = fs->item_id;
	}
	mb = tw_mbox_open_file(f, 0, 1);
	tw_buf_init(&msg, w->limits->max_item_bytes);
	while (!stop && mb && tw_mbox_next(mb, &msg, &off) == 1) {
		tw_task *t;

		m->nmsgs++;
		if (ndone && bsearch(&off, done, ndone, sizeof(*done), cmp_u64)) {
			atomic_fetch_add(w->skipped, 1);
			atomic_fetch_add(w->bytes_skipped, msg.len);
			continue;
		}
		t = calloc(1, sizeof(*t));
		if (!t)
			break;
		t->kind = TW_TASK_MBOX_MSG;
		t->path = tw_strdup(path);
		t->size = m->size;
		t->mtime = m->mtime;
		t->mbox = m;
		t->offset = off;
		t->index = m->nmsgs;
		t->truncated = msg.truncated;
		t->data = (unsigned char *)tw_buf_detach(&msg, &t->len);
		tw_buf_init(&msg, w->limits->max_item_bytes);
		atomic_fetch_add(&m->refs, 1);
		if (w->emit(t, w->ud))
			stop = 1;
		if (w->cancel && *w->cancel)
			stop = 1;
	}
	tw_buf_release(&msg);
	m->truncated_walk = stop;
	tw_mbox_close(mb, &m->digest);
	fclose(f);
	free(done);
	end = calloc(1, sizeof(*end));
	if (!end)
		return -1;
	end->kind = TW_TASK_MBOX_END;
	end->path = tw_strdup(path);
	end->mbox = m;
	return w->emit(end, w->ud) || stop;
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
		unsigned char sha[32];

		if (fs.mtime == mtime_ns(sb) ||
		    (fs.has_sha && file_sha(path, sha) == 0 && memcmp(sha, fs.sha256, 32) == 0)) {
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
	t = calloc(1, sizeof(*t));
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
			p = realloc(*names, cap * sizeof(*p));
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

		if (!abs) {
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
