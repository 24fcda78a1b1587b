/*
 * threads_db.c - the SQLite side of conversations and of the pass that
 * derives them: the pending emails (temp.tw_new, and the `derived` table
 * that says how many emails the last pass saw), the keys through which a
 * later pass finds the conversations new emails touch (email_refs,
 * email_subjects), emails.thread_id, and the reads behind trawl_thread_get.
 *
 * JWZ threading and the subject fallback live in lib/investigate/thread.c;
 * this file loads the emails it needs and stores the ids it computed (see
 * the section "derived: people and conversations" of archive.h).
 */
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"

/* ---------------------------------------------------------------- the pass */

trawl_status tw_ar_derive_pending(trawl_archive *ar, int *full, int64_t *n)
{
	sqlite3_stmt *s;
	int64_t total = 0, pending = 0, seen = -1;
	trawl_status st;

	*full = 0;
	*n = 0;
	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_new(blob_id INTEGER PRIMARY KEY);"
			 "DELETE FROM temp.tw_new;");
	if (st)
		return st;
	s = tw_prepare(ar,
		       "SELECT (SELECT count(*) FROM emails),"
		       " (SELECT count(*) FROM emails WHERE thread_id IS NULL),"
		       " (SELECT value FROM derived WHERE key='emails')",
		       "reading derived state");
	if (!s)
		return TRAWL_EDB;
	if (sqlite3_step(s) == SQLITE_ROW) {
		total = sqlite3_column_int64(s, 0);
		pending = sqlite3_column_int64(s, 1);
		if (sqlite3_column_type(s, 2) != SQLITE_NULL)
			seen = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	/* Fewer threaded emails than after the last pass: some were deleted,
	 * which can split conversations and leaves counts stale. */
	if (seen >= 0 && total - pending < seen)
		*full = 1;
	if (!*full && pending == 0)
		return TRAWL_OK;
	st = tw_exec(ar, *full ? "INSERT INTO temp.tw_new SELECT blob_id FROM emails"
			       : "INSERT INTO temp.tw_new SELECT blob_id FROM emails WHERE thread_id IS NULL");
	if (st)
		return st;
	*n = *full ? total : pending;
	return TRAWL_OK;
}

trawl_status tw_ar_derive_done(trawl_archive *ar)
{
	return tw_exec(ar, "INSERT OR REPLACE INTO derived(key, value)"
			   " SELECT 'emails', count(*) FROM emails;");
}

/* ---------------------------------------------------------------- emails */

#define MSG_COLS                                                                        \
	"SELECT e.blob_id, coalesce(e.thread_id, 0), e.message_id, e.in_reply_to,"       \
	" e.refs, e.subject, b.date"

/* Call fn for every row of s (columns as MSG_COLS, then `pending`, then
 * with `display` item id, tz and sender). */
static trawl_status each_msg(trawl_archive *ar, sqlite3_stmt *s, int display,
			     tw_ar_thread_msg_fn fn, void *ud)
{
	trawl_status st = TRAWL_OK;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		tw_ar_thread_msg m;

		memset(&m, 0, sizeof(m));
		m.blob_id = sqlite3_column_int64(s, 0);
		m.thread_id = sqlite3_column_int64(s, 1);
		m.message_id = (const char *)sqlite3_column_text(s, 2);
		m.in_reply_to = (const char *)sqlite3_column_text(s, 3);
		m.refs = (const char *)sqlite3_column_text(s, 4);
		m.subject = (const char *)sqlite3_column_text(s, 5);
		if (sqlite3_column_type(s, 6) != SQLITE_NULL) {
			m.date = sqlite3_column_int64(s, 6);
			m.has_date = 1;
		}
		m.pending = sqlite3_column_int(s, 7);
		if (display) {
			m.item_id = sqlite3_column_int64(s, 8);
			m.tz = sqlite3_column_int(s, 9);
			m.from = (const char *)sqlite3_column_text(s, 10);
		}
		if (fn(&m, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "threading: reading messages");
	sqlite3_finalize(s);
	return st;
}

trawl_status tw_ar_thread_pending(trawl_archive *ar, tw_ar_thread_msg_fn fn, void *ud)
{
	sqlite3_stmt *s = tw_prepare(ar,
				     MSG_COLS ", 1 FROM emails e LEFT JOIN blobs b ON b.id=e.blob_id"
				     " WHERE e.blob_id IN (SELECT blob_id FROM temp.tw_new)"
				     " ORDER BY e.blob_id",
				     "threading: reading messages");

	return s ? each_msg(ar, s, 0, fn, ud) : TRAWL_EDB;
}

/* The conversations that emails in tw_new touch, as temp.tw_aff. */
static trawl_status affected(trawl_archive *ar, int64_t window)
{
	char sql[2048];

	snprintf(sql, sizeof(sql),
		 "CREATE TEMP TABLE IF NOT EXISTS tw_tids(tid INTEGER PRIMARY KEY);"
		 "DELETE FROM temp.tw_tids;"
		 /* the same Message-ID */
		 "INSERT OR IGNORE INTO temp.tw_tids SELECT e.thread_id FROM temp.tw_new n"
		 " JOIN emails x ON x.blob_id=n.blob_id JOIN emails e ON e.message_id=x.message_id"
		 " WHERE e.thread_id IS NOT NULL;"
		 /* messages the new ones name */
		 "INSERT OR IGNORE INTO temp.tw_tids SELECT e.thread_id FROM temp.tw_new n"
		 " JOIN email_refs r ON r.blob_id=n.blob_id JOIN emails e ON e.message_id=r.mid"
		 " WHERE e.thread_id IS NOT NULL;"
		 /* messages naming a new one (replies stored before their parent) */
		 "INSERT OR IGNORE INTO temp.tw_tids SELECT e.thread_id FROM temp.tw_new n"
		 " JOIN emails x ON x.blob_id=n.blob_id JOIN email_refs r ON r.mid=x.message_id"
		 " JOIN emails e ON e.blob_id=r.blob_id WHERE e.thread_id IS NOT NULL;"
		 /* messages naming the same id, present or missing */
		 "INSERT OR IGNORE INTO temp.tw_tids SELECT e.thread_id FROM temp.tw_new n"
		 " JOIN email_refs r1 ON r1.blob_id=n.blob_id JOIN email_refs r2 ON r2.mid=r1.mid"
		 " JOIN emails e ON e.blob_id=r2.blob_id WHERE e.thread_id IS NOT NULL;"
		 /* the same base subject, near in time (the fallback decides) */
		 "INSERT OR IGNORE INTO temp.tw_tids SELECT e.thread_id FROM temp.tw_new n"
		 " JOIN email_subjects s1 ON s1.blob_id=n.blob_id JOIN blobs b1 ON b1.id=s1.blob_id"
		 " JOIN email_subjects s2 ON s2.base=s1.base AND s2.blob_id<>s1.blob_id"
		 " JOIN blobs b2 ON b2.id=s2.blob_id JOIN emails e ON e.blob_id=s2.blob_id"
		 " WHERE s1.base<>'' AND (s1.reply OR s2.reply) AND e.thread_id IS NOT NULL"
		 " AND b1.date IS NOT NULL AND b2.date IS NOT NULL"
		 " AND b2.date BETWEEN b1.date - %lld AND b1.date + %lld;"
		 "CREATE TEMP TABLE IF NOT EXISTS tw_aff(blob_id INTEGER PRIMARY KEY);"
		 "DELETE FROM temp.tw_aff;"
		 "INSERT INTO temp.tw_aff SELECT blob_id FROM temp.tw_new;"
		 "INSERT OR IGNORE INTO temp.tw_aff SELECT blob_id FROM emails"
		 " WHERE thread_id IN (SELECT tid FROM temp.tw_tids);",
		 (long long)window, (long long)window);
	return tw_exec(ar, sql);
}

trawl_status tw_ar_thread_touched(trawl_archive *ar, int64_t window,
				  tw_ar_thread_msg_fn fn, void *ud)
{
	sqlite3_stmt *s;
	int any = 0;
	trawl_status st;

	/* Nothing was threaded before (a first ingest): nothing to touch. */
	s = tw_prepare(ar, "SELECT EXISTS(SELECT 1 FROM emails WHERE thread_id IS NOT NULL)",
		       "threading");
	if (!s)
		return TRAWL_EDB;
	if (sqlite3_step(s) == SQLITE_ROW)
		any = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (!any)
		return TRAWL_OK;
	st = affected(ar, window);
	if (st)
		return st;
	s = tw_prepare(ar,
		       MSG_COLS ", 0 FROM emails e LEFT JOIN blobs b ON b.id=e.blob_id"
		       " WHERE e.blob_id IN (SELECT blob_id FROM temp.tw_aff"
		       " WHERE blob_id NOT IN (SELECT blob_id FROM temp.tw_new))"
		       " ORDER BY e.blob_id",
		       "threading: reading messages");
	return s ? each_msg(ar, s, 0, fn, ud) : TRAWL_EDB;
}

trawl_status tw_ar_thread_members(trawl_archive *ar, int64_t thread_id,
				  tw_ar_thread_msg_fn fn, void *ud)
{
	sqlite3_stmt *s = tw_prepare(ar,
				     MSG_COLS ", 0, (SELECT min(id) FROM items WHERE blob_id=e.blob_id), e.tz,"
				     " (SELECT CASE WHEN ea.name IS NOT NULL AND a.addr IS NOT NULL"
				     "  THEN ea.name || ' <' || a.addr || '>' ELSE coalesce(a.addr, ea.name) END"
				     "  FROM email_addrs ea LEFT JOIN addrs a ON a.id=ea.addr_id"
				     "  WHERE ea.blob_id=e.blob_id AND ea.role=0 ORDER BY ea.pos LIMIT 1)"
				     " FROM emails e LEFT JOIN blobs b ON b.id=e.blob_id"
				     " WHERE e.thread_id=? ORDER BY e.blob_id",
				     "reading the conversation");

	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, thread_id);
	return each_msg(ar, s, 1, fn, ud);
}

/* ---------------------------------------------------------------- storing */

trawl_status tw_ar_thread_index(trawl_archive *ar, int full, const tw_ar_thread_keys *k,
				size_t n)
{
	sqlite3_stmt *r = NULL, *sb = NULL;
	trawl_status st;
	size_t i, j;

	st = tw_exec(ar, full ? "DELETE FROM email_refs; DELETE FROM email_subjects;"
			      : "DELETE FROM email_refs WHERE blob_id IN (SELECT blob_id FROM temp.tw_new);"
				"DELETE FROM email_subjects WHERE blob_id IN (SELECT blob_id FROM temp.tw_new);");
	if (st)
		return st;
	r = tw_prepare(ar, "INSERT INTO email_refs(mid, blob_id) VALUES(?,?)", "threading: indexing");
	sb = r ? tw_prepare(ar, "INSERT OR REPLACE INTO email_subjects(blob_id, base, reply) VALUES(?,?,?)",
			    "threading: indexing")
	       : NULL;
	if (!sb) {
		st = TRAWL_EDB;
		goto out;
	}
	for (i = 0; i < n && !st; i++) {
		for (j = 0; j < k[i].nrefs && !st; j++) {
			sqlite3_bind_text(r, 1, k[i].refs[j], -1, SQLITE_STATIC);
			sqlite3_bind_int64(r, 2, k[i].blob_id);
			if (sqlite3_step(r) != SQLITE_DONE)
				st = tw_dbfail(ar, "threading: indexing references");
			sqlite3_reset(r);
		}
		if (st)
			break;
		sqlite3_bind_int64(sb, 1, k[i].blob_id);
		sqlite3_bind_text(sb, 2, k[i].base, -1, SQLITE_STATIC);
		sqlite3_bind_int(sb, 3, k[i].reply);
		if (sqlite3_step(sb) != SQLITE_DONE)
			st = tw_dbfail(ar, "threading: indexing subjects");
		sqlite3_reset(sb);
	}
out:
	sqlite3_finalize(r);
	sqlite3_finalize(sb);
	return st;
}

trawl_status tw_ar_participants(trawl_archive *ar, const int64_t *blobs, size_t n,
				int (*fn)(int64_t blob_id, int64_t who, void *ud), void *ud)
{
	sqlite3_stmt *ins, *s;
	trawl_status st;
	size_t i;
	int rc;

	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_need(blob_id INTEGER PRIMARY KEY);"
			 "DELETE FROM temp.tw_need;");
	if (st)
		return st;
	ins = tw_prepare(ar, "INSERT OR IGNORE INTO temp.tw_need VALUES(?)", "threading: participants");
	if (!ins)
		return TRAWL_EDB;
	for (i = 0; i < n && !st; i++) {
		sqlite3_bind_int64(ins, 1, blobs[i]);
		if (sqlite3_step(ins) != SQLITE_DONE)
			st = tw_dbfail(ar, "threading: participants");
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	if (st)
		return st;
	s = tw_prepare(ar,
		       "SELECT ea.blob_id, coalesce(a.person_id, a.id) FROM temp.tw_need x"
		       " JOIN email_addrs ea ON ea.blob_id=x.blob_id JOIN addrs a ON a.id=ea.addr_id"
		       " WHERE ea.role IN (0,1,2,3)",
		       "threading: reading participants");
	if (!s)
		return TRAWL_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), ud))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "threading: reading participants");
	sqlite3_finalize(s);
	return st;
}

trawl_status tw_ar_thread_max(trawl_archive *ar, int64_t *max)
{
	sqlite3_stmt *s = tw_prepare(ar, "SELECT coalesce(max(thread_id), 0) FROM emails", "threading");

	*max = 0;
	if (!s)
		return TRAWL_EDB;
	if (sqlite3_step(s) == SQLITE_ROW)
		*max = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return TRAWL_OK;
}

trawl_status tw_ar_thread_store(trawl_archive *ar, const tw_ar_thread_set *rows, size_t n)
{
	sqlite3_stmt *up = tw_prepare(ar, "UPDATE emails SET thread_id=? WHERE blob_id=?", "threading");
	trawl_status st = TRAWL_OK;
	size_t i;

	if (!up)
		return TRAWL_EDB;
	for (i = 0; i < n && !st; i++) {
		sqlite3_bind_int64(up, 1, rows[i].thread_id);
		sqlite3_bind_int64(up, 2, rows[i].blob_id);
		if (sqlite3_step(up) != SQLITE_DONE)
			st = tw_dbfail(ar, "threading: storing thread ids");
		sqlite3_reset(up);
	}
	sqlite3_finalize(up);
	return st;
}

trawl_status tw_ar_item_thread(trawl_archive *ar, int64_t id, int *found, int64_t *thread_id)
{
	sqlite3_stmt *s = tw_prepare(ar,
				     "SELECT coalesce(e.thread_id, 0) FROM items i JOIN emails e ON e.blob_id=i.blob_id"
				     " WHERE i.id=?",
				     "reading the conversation");

	*found = 0;
	*thread_id = 0;
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*found = 1;
		*thread_id = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return TRAWL_OK;
}
