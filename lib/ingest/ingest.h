/*
 * pipeline.h - what the walker hands to the extractor threads.
 *
 * Private to lib/ingest/walk.c and lib/ingest/pipeline.c.
 */
#ifndef TW_PIPELINE_H
#define TW_PIPELINE_H

#include "archive/archive.h"
#include "extract/extract.h"

enum tw_task_kind { TW_TASK_FILE, TW_TASK_PART, TW_TASK_SPLIT_END, TW_TASK_ERROR };

typedef struct tw_task {
	int kind;
	char *path;           /* absolute path of the file on disk */
	int64_t size, mtime;  /* mtime in nanoseconds */
	int64_t old_root;     /* family to replace, or 0 */
	unsigned char *data;  /* PART: the message bytes, or a PST item's records (owned) */
	size_t len;
	uint64_t rest;        /* SPLIT_END: bytes of the file that no part counted */
	int truncated;        /* PART: cut at max_item_bytes */
	tw_split *split;
	uint64_t key, index;  /* PART: see tw_unit */
	char *name, *folder;  /* PART of a PST: item name and folder path */
	trawl_status err;     /* ERROR: why the walker could not use it */
	char *errmsg;
	struct tw_task *next;
} tw_task;

typedef struct tw_walker {
	const char *const *roots;
	size_t nroots;
	const trawl_limits *limits;
	tw_ar_reader *rd;           /* the walker's own reader, for resume checks */
	int fresh;                  /* the archive had no inputs: nothing to check */
	const volatile int *cancel;
	/* Hands a task to the extractor threads; blocks while the queue is full.
	 * Returns non-zero when the run is stopping. */
	int (*emit)(tw_task *t, void *ud);
	void *ud;
	_Atomic uint64_t *skipped;  /* inputs already committed */
	_Atomic uint64_t *bytes_skipped;
} tw_walker;

/* Walk every root, emitting tasks in a deterministic (sorted) order. */
void tw_walk(tw_walker *w);

/* Count the regular files under the roots (for progress). */
uint64_t tw_walk_count(const char *const *roots, size_t n, uint64_t *bytes,
		       const volatile int *cancel);

void tw_task_free(tw_task *t);

#endif
