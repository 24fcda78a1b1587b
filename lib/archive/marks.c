/*
 * marks.c - what the reporter adds to the archive: tags and notes on
 * contents, saved searches, and batch searches over a list of terms.
 *
 * Tags and notes are keyed by the content's SHA-256, never by item id:
 * item ids change when a changed file is re-ingested, the hash does not,
 * and every copy of the same content carries the same marks.  These tables
 * are not touched by ingest or by the deletion of a family, and nothing
 * here writes to the evidence tables.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive/archive.h"
#include "search/search.h"

/* ---------------------------------------------------------------- tags */

/* A lowercased copy of a valid tag name, or NULL. */
static char *tag_name(const char *t)
{
	size_t i, n = t ? strlen(t) : 0;
	char *d;

	if (n == 0 || n > 64)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (!isalnum(c) && !strchr("-_./+", c) && c < 0x80)
			return NULL;
		if (c < 0x20)
			return NULL;
	}
	d = tw_strdup(t);
	tw_ascii_lower(d);
	return d;
}

trawl_status trawl_tag_query(trawl_archive *ar, const char *query, const char *const *add,
			     size_t nadd, const char *const *remove, size_t nremove,
			     int64_t *matched, trawl_syntax_error *err)
{
	sqlite3_stmt *ins = NULL, *del = NULL;
	trawl_status st;
	size_t i;
	int64_t n = 0;

	if (matched)
		*matched = 0;
	st = tw_writable(ar);
	if (st)
		return st;
	for (i = 0; i < nadd + nremove; i++) {
		const char *t = i < nadd ? add[i] : remove[i - nadd];
		char *c = tag_name(t);

		if (!c)
			return tw_fail(ar, TRAWL_EINVAL,
				       "bad tag '%s': use 1 to 64 letters, digits and - _ . / +", t ? t : "");
		free(c);
	}
	st = tw_exec(ar, "BEGIN IMMEDIATE");
	if (st)
		return st;
	st = tw_query_temp(ar, query ? query : "", "tw_tagq", &n, NULL, err);
	if (st)
		goto out;
	ins = tw_prepare(ar,
			 "INSERT OR IGNORE INTO tags(sha256, tag, created)"
			 " SELECT b.sha256, ?1, ?2 FROM temp.tw_tagq x JOIN blobs b ON b.id=x.blob_id",
			 "tagging");
	if (ins)
		del = tw_prepare(ar,
				 "DELETE FROM tags WHERE tag=?1 AND sha256 IN (SELECT b.sha256 FROM temp.tw_tagq x"
				 " JOIN blobs b ON b.id=x.blob_id)",
				 "tagging");
	if (!del) {
		st = tw_dbstatus(ar);
		goto out;
	}
	for (i = 0; i < nadd + nremove && !st; i++) {
		sqlite3_stmt *s = i < nadd ? ins : del;
		char *c = tag_name(i < nadd ? add[i] : remove[i - nadd]);

		sqlite3_bind_text(s, 1, c, -1, SQLITE_TRANSIENT);
		if (i < nadd)
			sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
		if (sqlite3_step(s) != SQLITE_DONE)
			st = tw_dbfail(ar, "tagging");
		sqlite3_reset(s);
		free(c);
	}
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	if (st) {
		tw_exec(ar, "ROLLBACK");
		return st;
	}
	if (matched)
		*matched = n;
	return tw_exec(ar, "COMMIT");
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

trawl_status trawl_saved_add(trawl_archive *ar, const char *name, const char *query,
			     trawl_syntax_error *err)
{
	sqlite3_stmt *s;
	trawl_status st;
	size_t i, n = name ? strlen(name) : 0;

	st = tw_writable(ar);
	if (st)
		return st;
	if (n == 0 || n > 128)
		return tw_fail(ar, TRAWL_EINVAL, "a saved search needs a name of 1 to 128 characters");
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20)
			return tw_fail(ar, TRAWL_EINVAL, "the name of a saved search cannot hold control characters");
	st = trawl_query_check(query ? query : "", err);
	if (st)
		return tw_fail(ar, st, "the query does not parse");
	s = tw_prepare(ar, "INSERT OR REPLACE INTO saved_searches(name, query, created) VALUES(?,?,?)",
		       "saving the search");
	if (!s)
		return tw_dbstatus(ar);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, query ? query : "", -1, SQLITE_STATIC);
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

/* ---------------------------------------------------------------- batch */

/* An exact phrase for a literal line: "..." with inner quotes dropped. */
static char *phrase_query(const char *line)
{
	tw_buf b;
	const char *p;

	tw_buf_init(&b, 1 << 16);
	tw_buf_putc(&b, '"');
	for (p = line; *p; p++)
		if (*p != '"')
			tw_buf_putc(&b, *p);
	tw_buf_putc(&b, '"');
	return tw_buf_detach(&b, NULL);
}

trawl_status trawl_batch(trawl_archive *ar, const char *text, size_t len,
			 const trawl_batch_opts *opts, trawl_batch_fn fn, void *ud, size_t *failed)
{
	size_t lineno = 0, pos = 0, nfailed = 0;
	char *tagv = NULL;

	if (failed)
		*failed = 0;
	if (opts && opts->tag) {
		trawl_status st = tw_writable(ar);

		if (st)
			return st;
		tagv = tag_name(opts->tag);
		if (!tagv)
			return tw_fail(ar, TRAWL_EINVAL,
				       "bad tag '%s': use 1 to 64 letters, digits and - _ . / +", opts->tag);
		free(tagv);
	}
	while (pos < len) {
		const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		char *line, *q, *end;
		trawl_batch_line bl;
		trawl_syntax_error err;
		trawl_status st;
		int stop;

		pos += n + (nl ? 1 : 0);
		lineno++;
		line = tw_utf8_clean(start, n, NULL);
		if (!line)
			return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		/* Trim blanks (and the CR of CRLF files). */
		q = line;
		if (lineno == 1 && !strncmp(q, "\xef\xbb\xbf", 3))
			q += 3; /* byte order mark */
		while (*q == ' ' || *q == '\t' || *q == '\r')
			q++;
		end = q + strlen(q);
		while (end > q && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (!*q || *q == '#') {
			free(line);
			continue;
		}
		memset(&bl, 0, sizeof(bl));
		memset(&err, 0, sizeof(err));
		bl.line = lineno;
		bl.text = q;
		bl.query = q;
		{
			char *pq = opts && opts->literal ? phrase_query(q) : NULL;

			if (pq)
				bl.query = pq;
			if (opts && opts->tag) {
				const char *add[1] = {opts->tag};

				st = trawl_tag_query(ar, bl.query, add, 1, NULL, 0, &bl.hits, &err);
			} else {
				st = trawl_count(ar, bl.query, &bl.hits, &err);
			}
			bl.status = st;
			if (st) {
				nfailed++;
				bl.hits = 0;
				bl.error = st == TRAWL_ESYNTAX ? err.message : trawl_archive_errmsg(ar);
				bl.error_pos = err.pos;
			}
			stop = fn(&bl, ud);
			free(pq);
		}
		free(line);
		/* A failure of the archive itself (not of the line) stops. */
		if (st && st != TRAWL_ESYNTAX && st != TRAWL_EINVAL && st != TRAWL_ELIMIT) {
			if (failed)
				*failed = nfailed;
			return st;
		}
		if (stop)
			break;
	}
	if (failed)
		*failed = nfailed;
	return TRAWL_OK;
}
