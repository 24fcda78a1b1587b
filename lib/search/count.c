/*
 * count.c - the totals of a query: the number of matching contents
 * (trawl_count) or of conversations among them, and the archive's cache of
 * recent totals.
 *
 * Paging through a search asks for the same total on every page and in
 * every order; counting is a full pass over the matches, so a total is
 * kept (db.h, TW_COUNT_CACHE entries) until the archive changes: another
 * connection's commit moves PRAGMA data_version, this one's writes move
 * sqlite3_total_changes64().
 */
#include <stdlib.h>
#include <string.h>

#include "search/plan.h"

/* Statement slot of PRAGMA data_version in the archive's cache. */
enum { S_DATA_VERSION = 40 };

/* Run the single-value counting statement sql with the plan's parameters. */
static trawl_status run_count(trawl_archive *ar, tw_plan *pl, const tw_buf *sql, int64_t *count)
{
	trawl_status st;
	sqlite3_stmt *s = tw_plan_prepare(ar, pl, sql, &st);

	if (!s)
		return st;
	if (sqlite3_step(s) == SQLITE_ROW)
		*count = sqlite3_column_int64(s, 0);
	else
		st = tw_dbfail(ar, "running query");
	sqlite3_finalize(s);
	return st;
}

/* With by_thread, conversations: a content that is not an email counts as
 * one of its own. */
static trawl_status count_plan(trawl_archive *ar, const char *query, int by_thread,
			       int64_t *count, trawl_syntax_error *err)
{
	tw_plan pl;
	tw_buf sql;
	trawl_status st = tw_plan_for(ar, query, &pl, err);

	*count = 0;
	if (st)
		return st;
	tw_buf_init(&sql, 1 << 20);
	if (by_thread) {
		tw_buf_puts(&sql, "SELECT count(DISTINCT coalesce(e.thread_id, -b.id)) FROM ");
		tw_plan_source(&pl, &sql, " LEFT JOIN emails e ON e.blob_id=b.id");
	} else {
		tw_buf_puts(&sql, "SELECT count(*) FROM ");
		tw_plan_source(&pl, &sql, "");
	}
	st = run_count(ar, &pl, &sql, count);
	tw_buf_release(&sql);
	tw_plan_release(&pl);
	return st;
}

trawl_status trawl_count(trawl_archive *ar, const char *query, int64_t *count,
			 trawl_syntax_error *err)
{
	return count_plan(ar, query, 0, count, err);
}

trawl_status tw_count_cached(trawl_archive *ar, const char *query, int by_thread,
			     int64_t *total, trawl_syntax_error *err)
{
	sqlite3_stmt *v = tw_stmt(ar, S_DATA_VERSION, "PRAGMA data_version");
	int64_t version = -1, changes = sqlite3_total_changes64(ar->db);
	tw_count_entry *e;
	trawl_status st;
	size_t i;

	if (v && sqlite3_step(v) == SQLITE_ROW)
		version = sqlite3_column_int64(v, 0);
	if (v)
		sqlite3_reset(v);
	for (i = 0; version >= 0 && i < TW_ARRAY_LEN(ar->counts); i++) {
		e = &ar->counts[i];
		if (e->query && e->by_thread == by_thread && e->version == version &&
		    e->changes == changes && !strcmp(e->query, query)) {
			*total = e->count;
			return TRAWL_OK;
		}
	}
	st = count_plan(ar, query, by_thread, total, err);
	if (st || version < 0)
		return st;
	e = &ar->counts[ar->counts_next++ % TW_ARRAY_LEN(ar->counts)];
	free(e->query);
	e->query = tw_strdup(query);
	e->by_thread = by_thread;
	e->count = *total;
	e->version = version;
	e->changes = changes;
	return TRAWL_OK;
}
