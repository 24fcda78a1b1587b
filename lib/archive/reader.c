/*
 * reader.c - the ingest's read handle on the archive: the walker's resume
 * checks (what is committed of an input, which parts of a split container)
 * and the extractor threads' "is this content known" look-ups.
 *
 * Each thread that asks opens a reader of its own, a read-only connection
 * apart from the writer's: SQLite connections are not shared between
 * threads here, and in WAL mode a reader never waits for the writer.  A
 * reader sees what the writer has committed, which is what resume needs.
 */
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "archive/db.h"

struct tw_ar_reader {
	sqlite3 *db;
	sqlite3_stmt *known; /* hot: once per content the extractors meet */
};

tw_ar_reader *tw_ar_reader_open(trawl_archive *ar)
{
	tw_ar_reader *rd = tw_calloc(1, sizeof(*rd));

	if (!rd)
		return NULL;
	if (tw_db_open(ar->path, 1, &rd->db) != SQLITE_OK) {
		sqlite3_close_v2(rd->db);
		free(rd);
		return NULL;
	}
	return rd;
}

void tw_ar_reader_close(tw_ar_reader *rd)
{
	if (!rd)
		return;
	sqlite3_finalize(rd->known);
	sqlite3_close_v2(rd->db);
	free(rd);
}

int tw_ar_reader_fresh(tw_ar_reader *rd)
{
	sqlite3_stmt *s = NULL;
	int fresh = 0;

	if (sqlite3_prepare_v2(rd->db, "SELECT 1 FROM files LIMIT 1", -1, &s, NULL) == SQLITE_OK)
		fresh = sqlite3_step(s) != SQLITE_ROW;
	sqlite3_finalize(s);
	return fresh;
}

int tw_ar_file_state(tw_ar_reader *rd, const char *path, tw_file_state *fs)
{
	sqlite3_stmt *s;
	int rc;

	memset(fs, 0, sizeof(*fs));
	rc = sqlite3_prepare_v2(rd->db,
				"SELECT f.size, f.mtime, f.item_id, f.done, b.sha256,"
				" (SELECT substr(c.locator, 1, instr(c.locator, ':')) FROM items c"
				"  WHERE c.parent_id=f.item_id LIMIT 1), b.nchildren"
				" FROM files f"
				" LEFT JOIN items i ON i.id=f.item_id"
				" LEFT JOIN blobs b ON b.id=i.blob_id WHERE f.path=?",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		fs->found = 1;
		fs->size = sqlite3_column_int64(s, 0);
		fs->mtime = sqlite3_column_int64(s, 1);
		fs->item_id = sqlite3_column_int64(s, 2);
		fs->done = sqlite3_column_int(s, 3);
		if (sqlite3_column_bytes(s, 4) == 32) {
			memcpy(fs->sha256, sqlite3_column_blob(s, 4), 32);
			fs->has_sha = 1;
		}
		/* A committed split container stands for all its parts. */
		const char *prefix = (const char *)sqlite3_column_text(s, 5);

		if (prefix && (!strcmp(prefix, tw_split_prefix(TW_SPLIT_MBOX)) ||
			       !strcmp(prefix, tw_split_prefix(TW_SPLIT_PST))))
			fs->inputs = sqlite3_column_int64(s, 6);
	}
	sqlite3_finalize(s);
	return 0;
}

int tw_ar_known(tw_ar_reader *rd, const tw_digest *d, int64_t replacing)
{
	int found;

	if (!rd)
		return 0;
	/* Known means stored, extracted, and with its first occurrence (the
	 * item holding its children, dup=0) in a family that stays: if that
	 * family is being replaced, the content is extracted again, or its
	 * children would go with the old family. */
	if (!rd->known &&
	    sqlite3_prepare_v3(rd->db,
			       "SELECT 1 FROM blobs b WHERE b.sha256=?1 AND b.extracted=1"
			       " AND EXISTS (SELECT 1 FROM items i WHERE i.blob_id=b.id AND i.dup=0"
			       "  AND coalesce(i.root_id, i.id) != ?2)",
			       -1, SQLITE_PREPARE_PERSISTENT, &rd->known, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_blob(rd->known, 1, d->sha256, 32, SQLITE_STATIC);
	sqlite3_bind_int64(rd->known, 2, replacing);
	found = sqlite3_step(rd->known) == SQLITE_ROW;
	sqlite3_reset(rd->known);
	return found;
}

int tw_ar_part_keys(tw_ar_reader *rd, int64_t item, int format, uint64_t **keys,
		    size_t *n)
{
	const char *prefix = tw_split_prefix(format);
	size_t plen = strlen(prefix), cap = 0;
	sqlite3_stmt *s;

	*keys = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(rd->db, "SELECT locator FROM items WHERE parent_id=?", -1, &s,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, item);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *loc = (const char *)sqlite3_column_text(s, 0);

		if (!loc || strncmp(loc, prefix, plen) != 0)
			continue;
		if (*n == cap) {
			uint64_t *p;

			cap = cap ? cap * 2 : 256;
			p = tw_realloc(*keys, cap * sizeof(**keys));
			if (!p) {
				/* Partial keys would take committed parts again. */
				sqlite3_finalize(s);
				free(*keys);
				*keys = NULL;
				*n = 0;
				return -1;
			}
			*keys = p;
		}
		(*keys)[(*n)++] = strtoull(loc + plen, NULL, 10);
	}
	sqlite3_finalize(s);
	return 0;
}
