/*
 * invtest.h - a small synthetic archive for the investigation unit tests
 * (threads, people, graph): messages are written straight into the tables
 * the writer fills, then inv_derive() derives threads and people in one
 * transaction as the pipeline does after a real ingest.
 */
#ifndef INVTEST_H
#define INVTEST_H

#include "fixture.h"

static char inv_path[256];

static inline trawl_archive *inv_open(void)
{
	trawl_archive *ar = NULL;
	size_t n;

	fixture_tmpdir(inv_path, sizeof(inv_path), "inv");
	n = strlen(inv_path);
	snprintf(inv_path + n, sizeof(inv_path) - n, "/a.db");
	assert_int_equal(trawl_archive_open(inv_path, TRAWL_OPEN_CREATE, &ar), TRAWL_OK);
	return ar;
}

static inline void inv_close(trawl_archive *ar)
{
	trawl_archive_close(ar);
	*strrchr(inv_path, '/') = '\0';
	fixture_rmdir(inv_path);
}

static inline void inv_exec(trawl_archive *ar, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(ar->db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("SQL failed: %s: %s", err ? err : "?", sql);
}

static inline int64_t inv_addr(trawl_archive *ar, const char *addr)
{
	sqlite3_stmt *s;
	int64_t id = 0;

	sqlite3_prepare_v2(ar->db, "INSERT OR IGNORE INTO addrs(addr) VALUES(?)", -1, &s, NULL);
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	sqlite3_step(s);
	sqlite3_finalize(s);
	sqlite3_prepare_v2(ar->db, "SELECT id FROM addrs WHERE addr=?", -1, &s, NULL);
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return id;
}

/* Add one message; addresses are "role:name:addr" strings (role 0 from,
 * 1 to, 2 cc; name may be empty).  Returns its blob id (= item id). */
static inline int64_t inv_msg(trawl_archive *ar, const char *mid, const char *irt, const char *refs,
			      const char *subject, int64_t date, const char *const *addrs)
{
	static int counter;
	unsigned char sha[32];
	sqlite3_stmt *s;
	int64_t blob;
	int i;

	memset(sha, 0, sizeof(sha));
	counter++;
	memcpy(sha, &counter, sizeof(counter));
	sqlite3_prepare_v2(ar->db,
			   "INSERT INTO blobs(sha256, size, mime, type, date, extracted) VALUES(?,?,?,?,?,1)",
			   -1, &s, NULL);
	sqlite3_bind_blob(s, 1, sha, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, 100);
	sqlite3_bind_text(s, 3, "message/rfc822", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, "email", -1, SQLITE_STATIC);
	if (date)
		sqlite3_bind_int64(s, 5, date);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	blob = sqlite3_last_insert_rowid(ar->db);
	sqlite3_prepare_v2(ar->db,
			   "INSERT INTO items(id, blob_id, source_id, kind, name, depth, path) VALUES(?,?,1,'file','m',0,'m')",
			   -1, &s, NULL);
	sqlite3_bind_int64(s, 1, blob);
	sqlite3_bind_int64(s, 2, blob);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_prepare_v2(ar->db,
			   "INSERT INTO emails(blob_id, message_id, in_reply_to, refs, subject, tz, date_status)"
			   " VALUES(?,?,?,?,?,0,0)",
			   -1, &s, NULL);
	sqlite3_bind_int64(s, 1, blob);
	sqlite3_bind_text(s, 2, mid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, irt, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, refs, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, subject, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	for (i = 0; addrs && addrs[i]; i++) {
		char buf[512], *name, *addr;
		int role = addrs[i][0] - '0';

		snprintf(buf, sizeof(buf), "%s", addrs[i] + 2);
		name = buf;
		addr = strchr(buf, ':');
		assert_non_null(addr);
		*addr++ = '\0';
		sqlite3_prepare_v2(ar->db,
				   "INSERT INTO email_addrs(blob_id, role, addr_id, name, pos) VALUES(?,?,?,?,?)",
				   -1, &s, NULL);
		sqlite3_bind_int64(s, 1, blob);
		sqlite3_bind_int(s, 2, role);
		if (*addr)
			sqlite3_bind_int64(s, 3, inv_addr(ar, addr));
		if (*name)
			sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 5, i);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
		sqlite3_finalize(s);
	}
	return blob;
}

static inline void inv_prop(trawl_archive *ar, int64_t blob, const char *key, const char *value)
{
	sqlite3_stmt *s;

	sqlite3_prepare_v2(ar->db, "INSERT INTO props(blob_id, key, value) VALUES(?,?,?)", -1, &s, NULL);
	sqlite3_bind_int64(s, 1, blob);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, value, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
}

static inline int64_t inv_int(trawl_archive *ar, const char *sql, int64_t arg)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_prepare_v2(ar->db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("bad SQL %s", sql);
	sqlite3_bind_int64(s, 1, arg);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static inline int64_t inv_tid(trawl_archive *ar, int64_t blob)
{
	return inv_int(ar, "SELECT coalesce(thread_id, 0) FROM emails WHERE blob_id=?", blob);
}

static inline int64_t inv_person(trawl_archive *ar, const char *addr)
{
	sqlite3_stmt *s;
	int64_t v = 0;

	sqlite3_prepare_v2(ar->db, "SELECT coalesce(person_id, 0) FROM addrs WHERE addr=?", -1, &s, NULL);
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static inline void inv_derive(trawl_archive *ar)
{
	assert_int_equal(tw_ar_begin(ar), TRAWL_OK);
	assert_int_equal(tw_store_gc(ar), TRAWL_OK);
	assert_int_equal(tw_investigate_refresh(ar), TRAWL_OK);
	assert_int_equal(tw_ar_commit(ar), TRAWL_OK);
	assert_int_equal(tw_store_compact(ar), TRAWL_OK);
}

#endif
