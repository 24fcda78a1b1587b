/*
 * stats.c - what the archive holds: counts, counts by type, and the error
 * list.  Plain queries on the archive: nothing here needs the extractors,
 * so the commands that only read (search, stats, errors) stay small.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "search/search.h"
#include "archive/db.h"

static sqlite3_stmt *prep(trawl_archive *ar, const char *sql)
{
	return tw_prepare(ar, sql, "reading statistics");
}

static int64_t scalar(trawl_archive *ar, const char *sql)
{
	sqlite3_stmt *s = prep(ar, sql);
	int64_t v = 0;

	if (!s)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

trawl_status trawl_stats_get(trawl_archive *ar, trawl_stats *o)
{
	struct stat sb;
	char *wal;

	memset(o, 0, sizeof(*o));
	o->items = scalar(ar, "SELECT count(*) FROM items");
	o->files = scalar(ar, "SELECT count(*) FROM items WHERE parent_id IS NULL");
	o->emails = scalar(ar, "SELECT count(*) FROM blobs WHERE type='email' AND extracted=1");
	o->attachments = scalar(ar, "SELECT count(*) FROM items WHERE kind='attachment'");
	o->members = scalar(ar, "SELECT count(*) FROM items WHERE kind='member'");
	o->documents = scalar(ar, "SELECT count(*) FROM blobs b WHERE type NOT IN ('email','mbox')"
				  " AND extracted=1 AND EXISTS (SELECT 1 FROM texts t WHERE t.id=b.text_id"
				  " AND length(t.body) > 0)");
	o->blobs = scalar(ar, "SELECT count(*) FROM blobs WHERE extracted=1");
	o->duplicates = scalar(ar, "SELECT count(*) FROM items WHERE dup=1");
	o->errors = scalar(ar, "SELECT count(*) FROM errors");
	o->bytes = scalar(ar, "SELECT coalesce(sum(size),0) FROM blobs WHERE extracted=1");
	o->first_date = scalar(ar, "SELECT coalesce(min(date),0) FROM blobs WHERE type='email'");
	o->last_date = scalar(ar, "SELECT coalesce(max(date),0) FROM blobs WHERE type='email'");
	o->sources = scalar(ar, "SELECT count(*) FROM sources");
	if (stat(ar->path, &sb) == 0)
		o->archive_bytes = (int64_t)sb.st_size;
	wal = tw_asprintf("%s-wal", ar->path);
	if (wal && stat(wal, &sb) == 0)
		o->archive_bytes += (int64_t)sb.st_size;
	free(wal);
	if (o->items < 0 || o->errors < 0)
		return TRAWL_EDB;
	return TRAWL_OK;
}

trawl_status trawl_stats_by_type(trawl_archive *ar, trawl_count_fn fn, void *ud)
{
	sqlite3_stmt *s = prep(ar, "SELECT coalesce(type,'unknown'), count(*) FROM blobs"
				   " WHERE extracted=1 GROUP BY 1 ORDER BY 2 DESC");

	if (!s)
		return TRAWL_EDB;
	while (sqlite3_step(s) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1), ud))
			break;
	sqlite3_finalize(s);
	return TRAWL_OK;
}

trawl_status trawl_errors(trawl_archive *ar, trawl_error_fn fn, void *ud)
{
	sqlite3_stmt *s = prep(ar, "SELECT coalesce(item_id,0), path, stage, status, message"
				   " FROM errors ORDER BY id");
	trawl_error e;

	if (!s)
		return TRAWL_EDB;
	while (sqlite3_step(s) == SQLITE_ROW) {
		e.item_id = sqlite3_column_int64(s, 0);
		e.path = (const char *)sqlite3_column_text(s, 1);
		e.stage = (const char *)sqlite3_column_text(s, 2);
		e.status = (const char *)sqlite3_column_text(s, 3);
		e.message = (const char *)sqlite3_column_text(s, 4);
		if (fn(&e, ud))
			break;
	}
	sqlite3_finalize(s);
	return TRAWL_OK;
}
