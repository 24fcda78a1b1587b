/*
 * evidence.c - what verification, the manifest and the export read from
 * the archive: the first occurrence of each selected content, DKIM results
 * (kept for dkim: queries), the input files with their recorded digests,
 * the (digest, path) rows of the manifest, the zones senders write from,
 * and document families.
 *
 * The checks themselves (DKIM, re-hashing originals, the manifest's format
 * and hash, provenance) are in lib/verify/, the formats of the export in
 * lib/protect/export.c; they work from the exact original bytes
 * (trawl_item_raw()), which are never stored here.  The statements run
 * once per message use the statement cache in slots 56-63, which belong
 * to this file.
 */
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "archive/db.h"

enum { S_MSGID = 56, S_DKIM_PUT };

/* "FROM temp.<sel> x JOIN blobs b ON b.id=x.blob_id", or "FROM blobs b"
 * when sel is NULL: the contents a reader works on. */
static char *from_sel(const char *sel)
{
	if (!sel)
		return tw_strdup("FROM blobs b");
	return tw_asprintf("FROM temp.%s x JOIN blobs b ON b.id=x.blob_id", sel);
}

trawl_status tw_ar_first_items(trawl_archive *ar, const char *sel, int emails_only,
			       int (*fn)(const tw_ar_first_item *it, void *ud), void *ud)
{
	char *from = from_sel(sel), *sql;
	sqlite3_stmt *q;
	trawl_status st = TRAWL_OK;
	int rc;

	sql = from ? tw_asprintf("SELECT (SELECT min(id) FROM items WHERE blob_id=b.id) AS iid, b.id, b.date,"
				 " (SELECT path FROM items WHERE blob_id=b.id ORDER BY id LIMIT 1), b.type"
				 " %s WHERE iid IS NOT NULL AND (?1 = 0 OR b.type = 'email')"
				 " ORDER BY b.date IS NULL, b.date, iid",
				 from)
		   : NULL;
	free(from);
	if (!sql)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	q = tw_prepare(ar, sql, "selecting items");
	free(sql);
	if (!q)
		return TRAWL_EDB;
	sqlite3_bind_int(q, 1, emails_only);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		tw_ar_first_item it;

		it.id = sqlite3_column_int64(q, 0);
		it.blob = sqlite3_column_int64(q, 1);
		it.date = sqlite3_column_int64(q, 2);
		it.path = (const char *)sqlite3_column_text(q, 3);
		if (fn(&it, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "selecting items");
	sqlite3_finalize(q);
	return st;
}

trawl_status tw_ar_message_id(trawl_archive *ar, int64_t blob, char **out)
{
	sqlite3_stmt *s = tw_stmt(ar, S_MSGID, "SELECT message_id FROM emails WHERE blob_id=?");
	trawl_status st = TRAWL_OK;
	int rc;

	*out = NULL;
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, blob);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*out = tw_strdup((const char *)sqlite3_column_text(s, 0));
		if (!*out)
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		st = tw_dbfail(ar, "reading a message id");
	}
	sqlite3_reset(s);
	return st;
}

trawl_status tw_ar_dkim_put(trawl_archive *ar, const tw_ar_dkim *r)
{
	sqlite3_stmt *s = tw_stmt(ar, S_DKIM_PUT,
				  "INSERT OR REPLACE INTO dkim(blob_id, result, reason, domain, selector,"
				  " algorithm, signatures, weak, checked) VALUES(?,?,?,?,?,?,?,?,?)");
	trawl_status st = TRAWL_OK;

	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, r->blob);
	sqlite3_bind_text(s, 2, r->result, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->selector, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r->algorithm, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, r->signatures);
	sqlite3_bind_int(s, 8, r->weak);
	sqlite3_bind_int64(s, 9, r->checked);
	if (sqlite3_step(s) != SQLITE_DONE)
		st = tw_dbfail(ar, "recording DKIM result");
	sqlite3_reset(s);
	return st;
}

trawl_status tw_ar_dkim_result(trawl_archive *ar, int64_t id, char **out)
{
	sqlite3_stmt *q = tw_prepare(ar,
				     "SELECT d.result FROM items i JOIN dkim d ON d.blob_id=i.blob_id WHERE i.id=?",
				     "reading the DKIM result");
	trawl_status st = TRAWL_OK;
	int rc;

	*out = NULL;
	if (!q)
		return TRAWL_EDB;
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
		*out = tw_strdup((const char *)sqlite3_column_text(q, 0));
		if (!*out)
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		st = tw_dbfail(ar, "reading the DKIM result");
	}
	sqlite3_finalize(q);
	return st;
}

trawl_status tw_ar_originals(trawl_archive *ar, const char *sel,
			     int (*fn)(const tw_ar_original *o, void *ud), void *ud)
{
	sqlite3_stmt *q;
	trawl_status st = TRAWL_OK;
	char *sql;
	int rc;

	if (sel)
		sql = tw_asprintf("SELECT f.path, f.size, f.item_id, b.sha256 FROM files f"
				  " LEFT JOIN items i ON i.id=f.item_id LEFT JOIN blobs b ON b.id=i.blob_id"
				  " WHERE f.item_id IN (SELECT coalesce(it.root_id, it.id) FROM items it"
				  "  WHERE it.blob_id IN (SELECT blob_id FROM temp.%s)) ORDER BY f.path",
				  sel);
	else
		sql = tw_strdup("SELECT f.path, f.size, f.item_id, b.sha256 FROM files f"
				" LEFT JOIN items i ON i.id=f.item_id LEFT JOIN blobs b ON b.id=i.blob_id"
				" ORDER BY f.path");
	if (!sql)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	q = tw_prepare(ar, sql, "listing originals");
	free(sql);
	if (!q)
		return TRAWL_EDB;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		tw_ar_original o;

		o.path = (const char *)sqlite3_column_text(q, 0);
		o.size = sqlite3_column_int64(q, 1);
		o.item_id = sqlite3_column_int64(q, 2);
		o.sha256 = sqlite3_column_bytes(q, 3) == 32 ? sqlite3_column_blob(q, 3) : NULL;
		if (fn(&o, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "listing originals");
	sqlite3_finalize(q);
	return st;
}

trawl_status tw_ar_manifest_rows(trawl_archive *ar,
				 int (*fn)(const unsigned char *sha256, const char *path, void *ud),
				 void *ud)
{
	sqlite3_stmt *q;
	trawl_status st = TRAWL_OK;
	int rc;

	/* BINARY collation: the order does not depend on any locale. */
	q = tw_prepare(ar,
		       "SELECT b.sha256, i.path FROM items i JOIN blobs b ON b.id=i.blob_id"
		       " WHERE length(b.sha256)=32 AND i.path IS NOT NULL"
		       " ORDER BY i.path COLLATE BINARY, b.sha256",
		       "reading the manifest");
	if (!q)
		return TRAWL_EDB;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn(sqlite3_column_blob(q, 0), (const char *)sqlite3_column_text(q, 1), ud))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "reading the manifest");
	sqlite3_finalize(q);
	return st;
}

trawl_status tw_ar_sender_zones(trawl_archive *ar, const char *sel, trawl_zone_fn fn, void *ud)
{
	char *from = from_sel(sel), *sql;
	sqlite3_stmt *q;
	trawl_status st = TRAWL_OK;
	int rc;

	sql = from ? tw_asprintf("SELECT a.addr, e.tz, count(*) %s JOIN emails e ON e.blob_id=b.id"
				 " JOIN email_addrs ea ON ea.blob_id=e.blob_id AND ea.role=0"
				 " JOIN addrs a ON a.id=ea.addr_id WHERE e.date_status=0"
				 " GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2",
				 from)
		   : NULL;
	free(from);
	if (!sql)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	q = tw_prepare(ar, sql, "counting zones");
	free(sql);
	if (!q)
		return TRAWL_EDB;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 1),
		       sqlite3_column_int64(q, 2), ud))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "counting zones");
	sqlite3_finalize(q);
	return st;
}

trawl_status tw_ar_family_tops(trawl_archive *ar, const int64_t *ids, size_t n, int64_t *tops)
{
	sqlite3_stmt *q;
	size_t k;

	q = tw_prepare(ar,
		       "SELECT i.parent_id, coalesce((SELECT b.type='mbox' FROM items p"
		       " JOIN blobs b ON b.id=p.blob_id WHERE p.id=i.parent_id), 0)"
		       " FROM items i WHERE i.id=?",
		       "grouping families");
	if (!q)
		return TRAWL_EDB;
	for (k = 0; k < n; k++) {
		int64_t cur = ids[k];
		int guard = 0;

		while (guard++ < 64) {
			int64_t parent = 0;
			int parent_is_mbox = 0;

			sqlite3_bind_int64(q, 1, cur);
			if (sqlite3_step(q) == SQLITE_ROW) {
				parent = sqlite3_column_int64(q, 0);
				parent_is_mbox = sqlite3_column_int(q, 1);
			}
			sqlite3_reset(q);
			if (!parent || parent_is_mbox)
				break;
			cur = parent;
		}
		tops[k] = cur;
	}
	sqlite3_finalize(q);
	return TRAWL_OK;
}
