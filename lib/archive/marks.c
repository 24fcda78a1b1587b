/*
 * marks.c - storing what the reporter adds to the archive: tags and notes
 * on contents, and saved searches.  Checking names and running queries
 * (tagging what a query matches, batch searches, checking a saved query)
 * is done above, in lib/investigate/marks.c.
 *
 * Tags and notes are keyed by the content's SHA-256, never by item id:
 * item ids change when a changed file is re-ingested, the hash does not,
 * and every copy of the same content carries the same marks.  These tables
 * are not touched by ingest or by the deletion of a family, and nothing
 * here writes to the evidence tables.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive/archive.h"
#include "archive/db.h"

/* ---------------------------------------------------------------- tags */

trawl_status tw_ar_tags_apply(trawl_archive *ar, const char *sel,
			      const char *const *add, size_t nadd,
			      const char *const *remove, size_t nremove)
{
	sqlite3_stmt *ins = NULL, *del = NULL;
	trawl_status st = TRAWL_OK;
	char *sql_ins, *sql_del;
	size_t i;

	sql_ins = tw_asprintf("INSERT OR IGNORE INTO tags(sha256, tag, created)"
			      " SELECT b.sha256, ?1, ?2 FROM temp.%s x JOIN blobs b ON b.id=x.blob_id",
			      sel);
	sql_del = tw_asprintf("DELETE FROM tags WHERE tag=?1 AND sha256 IN (SELECT b.sha256 FROM temp.%s x"
			      " JOIN blobs b ON b.id=x.blob_id)",
			      sel);
	if (!sql_ins || !sql_del) {
		free(sql_ins);
		free(sql_del);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	}
	ins = tw_prepare(ar, sql_ins, "tagging");
	if (ins)
		del = tw_prepare(ar, sql_del, "tagging");
	if (!del)
		st = tw_dbstatus(ar);
	free(sql_ins);
	free(sql_del);
	for (i = 0; i < nadd + nremove && !st; i++) {
		sqlite3_stmt *s = i < nadd ? ins : del;

		sqlite3_bind_text(s, 1, i < nadd ? add[i] : remove[i - nadd], -1, SQLITE_STATIC);
		if (i < nadd)
			sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
		if (sqlite3_step(s) != SQLITE_DONE)
			st = tw_dbfail(ar, "tagging");
		sqlite3_reset(s);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	return st;
}

static trawl_status list_pairs(trawl_archive *ar, const char *sql, int64_t id, trawl_count_fn fn,
			       void *ud)
{
	sqlite3_stmt *s;
	int rc;

	s = tw_prepare(ar, sql, "reading tags");
	if (!s)
		return tw_dbstatus(ar);
	if (id)
		sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1), ud))
			break;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? TRAWL_OK : tw_dbfail(ar, "reading tags");
}

trawl_status trawl_item_tags(trawl_archive *ar, int64_t id, trawl_count_fn fn, void *ud)
{
	return list_pairs(ar,
			  "SELECT t.tag, 1 FROM items i JOIN blobs b ON b.id=i.blob_id"
			  " JOIN tags t ON t.sha256=b.sha256 WHERE i.id=?1 ORDER BY t.tag",
			  id, fn, ud);
}

trawl_status trawl_tags_list(trawl_archive *ar, trawl_count_fn fn, void *ud)
{
	/* Tags on contents no longer in the archive are kept (they come back
	 * with the content) but not counted. */
	return list_pairs(ar,
			  "SELECT t.tag, count(b.id) FROM tags t LEFT JOIN blobs b ON b.sha256=t.sha256"
			  " GROUP BY t.tag ORDER BY t.tag",
			  0, fn, ud);
}

/* ---------------------------------------------------------------- notes */

trawl_status trawl_note_add(trawl_archive *ar, int64_t id, const char *text, int64_t *note_id)
{
	sqlite3_stmt *s;
	trawl_status st = TRAWL_OK;
	char *clean;

	if (note_id)
		*note_id = 0;
	st = tw_writable(ar);
	if (st)
		return st;
	if (!text || !*text)
		return tw_fail(ar, TRAWL_EINVAL, "the note is empty");
	if (strlen(text) > (1u << 20))
		return tw_fail(ar, TRAWL_ELIMIT, "the note is longer than 1 MiB");
	clean = tw_utf8_clean(text, strlen(text), NULL);
	if (!clean)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	s = tw_prepare(ar,
		       "INSERT INTO notes(sha256, text, created) SELECT b.sha256, ?2, ?3"
		       " FROM items i JOIN blobs b ON b.id=i.blob_id WHERE i.id=?1",
		       "adding a note");
	if (!s) {
		free(clean);
		return tw_dbstatus(ar);
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, clean, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	if (sqlite3_step(s) != SQLITE_DONE)
		st = tw_dbfail(ar, "adding a note");
	else if (sqlite3_changes(ar->db) == 0)
		st = tw_fail(ar, TRAWL_ENOTFOUND, "no item with id %lld (or it has no content)",
			     (long long)id);
	else if (note_id)
		*note_id = sqlite3_last_insert_rowid(ar->db);
	sqlite3_finalize(s);
	free(clean);
	return st;
}

trawl_status trawl_notes(trawl_archive *ar, int64_t id, trawl_note_fn fn, void *ud)
{
	sqlite3_stmt *s;
	int rc;

	s = tw_prepare(ar,
		       "SELECT n.id, n.text, n.created FROM items i JOIN blobs b ON b.id=i.blob_id"
		       " JOIN notes n ON n.sha256=b.sha256 WHERE i.id=? ORDER BY n.id",
		       "reading notes");
	if (!s)
		return tw_dbstatus(ar);
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		trawl_note n;

		n.id = sqlite3_column_int64(s, 0);
		n.text = (const char *)sqlite3_column_text(s, 1);
		n.created = sqlite3_column_int64(s, 2);
		if (fn(&n, ud))
			break;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? TRAWL_OK : tw_dbfail(ar, "reading notes");
}

trawl_status trawl_note_delete(trawl_archive *ar, int64_t note_id)
{
	sqlite3_stmt *s;
	trawl_status st = tw_writable(ar);

	if (st)
		return st;
	s = tw_prepare(ar, "DELETE FROM notes WHERE id=?", "deleting a note");
	if (!s)
		return tw_dbstatus(ar);
	sqlite3_bind_int64(s, 1, note_id);
	if (sqlite3_step(s) != SQLITE_DONE)
		st = tw_dbfail(ar, "deleting a note");
	else if (sqlite3_changes(ar->db) == 0)
		st = tw_fail(ar, TRAWL_ENOTFOUND, "no note with id %lld", (long long)note_id);
	sqlite3_finalize(s);
	return st;
}

/* ---------------------------------------------------------------- saved searches */

trawl_status tw_ar_saved_put(trawl_archive *ar, const char *name, const char *query)
{
	sqlite3_stmt *s;
	trawl_status st;

	s = tw_prepare(ar, "INSERT OR REPLACE INTO saved_searches(name, query, created) VALUES(?,?,?)",
		       "saving the search");
	if (!s)
		return tw_dbstatus(ar);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, query, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	st = sqlite3_step(s) == SQLITE_DONE ? TRAWL_OK : tw_dbfail(ar, "saving the search");
	sqlite3_finalize(s);
	return st;
}

trawl_status trawl_saved_remove(trawl_archive *ar, const char *name)
{
	sqlite3_stmt *s;
	trawl_status st = tw_writable(ar);

	if (st)
		return st;
	s = tw_prepare(ar, "DELETE FROM saved_searches WHERE name=?", "removing the saved search");
	if (!s)
		return tw_dbstatus(ar);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		st = tw_dbfail(ar, "removing the saved search");
	else if (sqlite3_changes(ar->db) == 0)
		st = tw_fail(ar, TRAWL_ENOTFOUND, "no saved search named '%s'", name);
	sqlite3_finalize(s);
	return st;
}

trawl_status trawl_saved_list(trawl_archive *ar, trawl_saved_fn fn, void *ud)
{
	sqlite3_stmt *s;
	int rc;

	s = tw_prepare(ar, "SELECT name, query, created FROM saved_searches ORDER BY name",
		       "reading saved searches");
	if (!s)
		return tw_dbstatus(ar);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		trawl_saved v;

		v.name = (const char *)sqlite3_column_text(s, 0);
		v.query = (const char *)sqlite3_column_text(s, 1);
		v.created = sqlite3_column_int64(s, 2);
		if (fn(&v, ud))
			break;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? TRAWL_OK : tw_dbfail(ar, "reading saved searches");
}

trawl_status trawl_saved_get(trawl_archive *ar, const char *name, char **query)
{
	sqlite3_stmt *s;
	trawl_status st = TRAWL_OK;

	*query = NULL;
	s = tw_prepare(ar, "SELECT query FROM saved_searches WHERE name=?", "reading saved searches");
	if (!s)
		return tw_dbstatus(ar);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*query = tw_strdup((const char *)sqlite3_column_text(s, 0));
		if (!*query)
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	} else {
		st = tw_fail(ar, TRAWL_ENOTFOUND, "no saved search named '%s'", name);
	}
	sqlite3_finalize(s);
	return st;
}
