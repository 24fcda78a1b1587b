/*
 * findings.c - findings in the archive: storing what the scanner found,
 * the texts `trawl scan` scans again, and reading findings back as lists
 * and summaries.  The scanner, its validators and the reports' options
 * are in lib/protect/.
 *
 * A finding belongs to a content (blob), like its text.  The value is never
 * written: only SHA-256(salt || value), with one random salt per archive
 * (table scan_salt, made by the migration), and a masked preview; hashing
 * happens here, so that no caller can store a value by mistake.  The table
 * `scanned` remembers which contents were scanned and by which version of
 * the validators, so that `trawl scan` only does new work; rows of both go
 * away with their blob (trigger blobs_derived_del).
 *
 * The statements run once per content use the archive's statement cache in
 * slots 48-55, which belong to this file.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "archive/archive.h"
#include "archive/db.h"

enum { S_SALT = 48, S_SCANNED, S_FIND_INS, S_FIND_DEL, S_SCAN_DONE, S_SCAN_TEXT };

static int get_salt(trawl_archive *ar, unsigned char salt[32])
{
	sqlite3_stmt *s = tw_stmt(ar, S_SALT, "SELECT salt FROM scan_salt WHERE id=1");
	int ok = 0;

	if (!s)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) == 32) {
		memcpy(salt, sqlite3_column_blob(s, 0), 32);
		ok = 1;
	}
	sqlite3_reset(s);
	if (!ok)
		tw_fail(ar, TRAWL_ECORRUPT, "the archive has no scan salt (table scan_salt)");
	return ok ? 0 : -1;
}

static void salted_hash(const unsigned char salt[32], const char *v, unsigned char out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 32;

	if (!c || !EVP_DigestInit_ex(c, tw_md_sha256(), NULL) || !EVP_DigestUpdate(c, salt, 32) ||
	    !EVP_DigestUpdate(c, v, strlen(v)) || !EVP_DigestFinal_ex(c, out, &n))
		memset(out, 0, 32);
	EVP_MD_CTX_free(c);
}

/* Replace the findings of a blob; `f` may be empty. */
static int put_findings(trawl_archive *ar, int64_t blob, const tw_findings *f, int replace)
{
	unsigned char salt[32];
	sqlite3_stmt *s;
	size_t i;

	if (replace) {
		s = tw_stmt(ar, S_FIND_DEL, "DELETE FROM findings WHERE blob_id=?");
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, blob);
		if (tw_step_done(ar, s, "clearing findings"))
			return -1;
	}
	s = tw_stmt(ar, S_SCANNED, "INSERT OR REPLACE INTO scanned(blob_id, version) VALUES(?,?)");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, blob);
	sqlite3_bind_int(s, 2, TW_SCAN_VERSION);
	if (tw_step_done(ar, s, "recording scan"))
		return -1;
	if (!f || !f->n)
		return 0;
	if (get_salt(ar, salt))
		return -1;
	for (i = 0; i < f->n; i++) {
		const tw_finding *x = &f->v[i];
		unsigned char h[32];

		salted_hash(salt, x->value, h);
		s = tw_stmt(ar, S_FIND_INS,
			    "INSERT INTO findings(blob_id, type, subtype, start, length, confidence,"
			    " hash, preview) VALUES(?,?,?,?,?,?,?,?)");
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, blob);
		sqlite3_bind_text(s, 2, tw_pii_names[x->type], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, x->subtype, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, (int64_t)x->off);
		sqlite3_bind_int64(s, 5, (int64_t)x->len);
		sqlite3_bind_double(s, 6, (double)(int)(x->confidence * 100 + 0.5) / 100.0);
		sqlite3_bind_blob(s, 7, h, TW_FINDING_HASH_BYTES, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 8, x->preview, -1, SQLITE_STATIC);
		if (tw_step_done(ar, s, "storing finding"))
			return -1;
	}
	return 0;
}

int tw_store_findings(trawl_archive *ar, int64_t blob, const tw_node *n)
{
	return put_findings(ar, blob, n->findings, 0);
}

trawl_status tw_ar_findings_replace(trawl_archive *ar, int64_t blob, const tw_findings *f)
{
	return put_findings(ar, blob, f, 1) ? TRAWL_EDB : TRAWL_OK;
}

/* ---------------------------------------------------------------- trawl scan */

trawl_status tw_ar_scan_texts(trawl_archive *ar, const int64_t *blobs, size_t n, int rescan,
			      int (*fn)(const tw_ar_scan_text *t, void *ud), void *ud)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sqlite3_stmt *done, *get;
		tw_ar_scan_text t;
		char *text = NULL, *type = NULL, *mime = NULL, *ext = NULL;
		int stop;

		memset(&t, 0, sizeof(t));
		t.blob = blobs[i];
		if (!rescan) {
			done = tw_stmt(ar, S_SCAN_DONE, "SELECT version FROM scanned WHERE blob_id=?");
			if (!done)
				return tw_dbfail(ar, "preparing scan");
			sqlite3_bind_int64(done, 1, blobs[i]);
			t.scanned = sqlite3_step(done) == SQLITE_ROW &&
				    sqlite3_column_int(done, 0) >= TW_SCAN_VERSION;
			sqlite3_reset(done);
		}
		if (!t.scanned) {
			get = tw_stmt(ar, S_SCAN_TEXT,
				      "SELECT t.body, b.type, b.mime, (SELECT ext FROM items WHERE blob_id=b.id"
				      " ORDER BY id LIMIT 1) FROM blobs b JOIN texts t ON t.id=b.text_id WHERE b.id=?");
			if (!get)
				return tw_dbfail(ar, "preparing scan");
			sqlite3_bind_int64(get, 1, blobs[i]);
			/* Copied, so that fn may write with no statement running. */
			if (sqlite3_step(get) == SQLITE_ROW) {
				if (sqlite3_column_type(get, 0) == SQLITE_BLOB)
					text = tw_inflate(sqlite3_column_blob(get, 0),
							  (size_t)sqlite3_column_bytes(get, 0), &t.len);
				else if (sqlite3_column_type(get, 0) == SQLITE_TEXT) {
					text = tw_strdup((const char *)sqlite3_column_text(get, 0));
					t.len = text ? strlen(text) : 0;
				}
				type = tw_strdup((const char *)sqlite3_column_text(get, 1));
				mime = tw_strdup((const char *)sqlite3_column_text(get, 2));
				ext = tw_strdup((const char *)sqlite3_column_text(get, 3));
			}
			sqlite3_reset(get);
			t.text = text;
			if (!text)
				t.len = 0;
			t.type = type;
			t.mime = mime;
			t.ext = ext;
		}
		stop = fn(&t, ud);
		free(text);
		free(type);
		free(mime);
		free(ext);
		if (stop)
			break;
	}
	return TRAWL_OK;
}

/* ---------------------------------------------------------------- reading */

/* The sender of the message a content is, or came in (nearest enclosing
 * message); NULL when there is none. */
static char *person_of(sqlite3_stmt *q, int64_t item)
{
	char *p = NULL;

	sqlite3_bind_int64(q, 1, item);
	if (sqlite3_step(q) == SQLITE_ROW)
		p = tw_strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	return p;
}

/* Fill the temporary table tw_fsel with the contents of selection `sel`
 * (NULL: all) that have findings, with their first item, path, label and
 * person. */
static trawl_status select_contents(trawl_archive *ar, const char *sel)
{
	sqlite3_stmt *rows = NULL, *upd = NULL, *per = NULL;
	trawl_status st;
	char *sql;

	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_fsel(blob_id INTEGER PRIMARY KEY,"
			 " item_id INTEGER, path TEXT, label TEXT, person TEXT);"
			 "DELETE FROM tw_fsel;");
	if (st)
		return st;
	if (!sel)
		sql = tw_strdup("INSERT INTO tw_fsel(blob_id) SELECT DISTINCT blob_id FROM findings");
	else
		sql = tw_asprintf("INSERT OR IGNORE INTO tw_fsel(blob_id) SELECT x.blob_id FROM temp.%s x"
				  " WHERE EXISTS (SELECT 1 FROM findings WHERE blob_id=x.blob_id)",
				  sel);
	if (!sql)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	st = tw_exec(ar, sql);
	free(sql);
	if (st)
		return st;
	st = tw_exec(ar, "UPDATE tw_fsel SET item_id=(SELECT min(id) FROM items WHERE blob_id=tw_fsel.blob_id);"
			 "UPDATE tw_fsel SET path=(SELECT path FROM items WHERE id=tw_fsel.item_id),"
			 " label=(SELECT s.label FROM items i JOIN sources s ON s.id=i.source_id"
			 "  WHERE i.id=tw_fsel.item_id);");
	if (st)
		return st;
	if (sqlite3_prepare_v2(ar->db, "SELECT blob_id, item_id FROM tw_fsel", -1, &rows, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db, "UPDATE tw_fsel SET person=? WHERE blob_id=?", -1, &upd,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db,
			       "WITH RECURSIVE anc(id, blob, d) AS ("
			       "  SELECT id, blob_id, 0 FROM items WHERE id=?1"
			       "  UNION ALL SELECT p.id, p.blob_id, anc.d + 1 FROM anc"
			       "  JOIN items c ON c.id=anc.id JOIN items p ON p.id=c.parent_id WHERE anc.d < 32)"
			       " SELECT a.addr FROM anc JOIN email_addrs ea ON ea.blob_id=anc.blob AND ea.role=0"
			       " JOIN addrs a ON a.id=ea.addr_id ORDER BY anc.d, ea.pos LIMIT 1",
			       -1, &per, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "finding senders");
		goto out;
	}
	/* Collect first, update after: no writes under a running read. */
	{
		tw_ids b = {NULL, 0, 0, 0}, it = {NULL, 0, 0, 0};
		size_t i;

		uint64_t failures;

		while (sqlite3_step(rows) == SQLITE_ROW) {
			tw_ids_push(&b, sqlite3_column_int64(rows, 0));
			tw_ids_push(&it, sqlite3_column_int64(rows, 1));
		}
		failures = tw_alloc_failures();
		/* A lost pair or sender would leave a finding without its
		 * person. */
		if (b.oom || it.oom)
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory finding senders");
		for (i = 0; !st && i < b.n && i < it.n; i++) {
			char *p = person_of(per, it.v[i]);

			if (p) {
				sqlite3_bind_text(upd, 1, p, -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(upd, 2, b.v[i]);
				sqlite3_step(upd);
				sqlite3_reset(upd);
				free(p);
			}
		}
		if (!st && tw_alloc_failures() != failures)
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory finding senders");
		tw_ids_release(&b);
		tw_ids_release(&it);
	}
out:
	sqlite3_finalize(rows);
	sqlite3_finalize(upd);
	sqlite3_finalize(per);
	return st;
}

/* " AND f.type IN (?2, ?3, ...)" for the filter's types (bound from 2 on
 * by bind_filter()), or "" for all. */
static void type_clause(tw_buf *sql, const tw_ar_finding_filter *flt)
{
	size_t i;

	if (!flt || !flt->ntypes)
		return;
	tw_buf_puts(sql, " AND f.type IN (");
	for (i = 0; i < flt->ntypes; i++)
		tw_buf_printf(sql, "%s?%zu", i ? "," : "", i + 2);
	tw_buf_putc(sql, ')');
}

static void bind_filter(sqlite3_stmt *s, const tw_ar_finding_filter *flt)
{
	size_t i;

	sqlite3_bind_double(s, 1, flt ? flt->min_confidence : 0);
	for (i = 0; flt && i < flt->ntypes; i++)
		sqlite3_bind_text(s, (int)i + 2, flt->types[i], -1, SQLITE_STATIC);
}

static void fill_finding(sqlite3_stmt *s, trawl_finding *f, char hex[65])
{
	memset(f, 0, sizeof(*f));
	f->type = (const char *)sqlite3_column_text(s, 0);
	f->subtype = (const char *)sqlite3_column_text(s, 1);
	f->offset = sqlite3_column_int64(s, 2);
	f->length = sqlite3_column_int64(s, 3);
	f->confidence = sqlite3_column_double(s, 4);
	hex[0] = 0;
	if (sqlite3_column_bytes(s, 5) == TW_FINDING_HASH_BYTES)
		tw_hex(sqlite3_column_blob(s, 5), TW_FINDING_HASH_BYTES, hex);
	f->hash = hex;
	f->preview = (const char *)sqlite3_column_text(s, 6);
	f->id = sqlite3_column_int64(s, 7);
	f->path = (const char *)sqlite3_column_text(s, 8);
	f->label = (const char *)sqlite3_column_text(s, 9);
	f->person = (const char *)sqlite3_column_text(s, 10);
}

/* Run a prepared statement of findings rows, calling fn for each. */
static trawl_status each_finding(trawl_archive *ar, sqlite3_stmt *s, trawl_finding_fn fn, void *ud)
{
	trawl_status st = TRAWL_OK;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		trawl_finding f;
		char hex[65];

		fill_finding(s, &f, hex);
		if (fn(&f, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "reading findings");
	sqlite3_finalize(s);
	return st;
}

trawl_status tw_ar_findings_list(trawl_archive *ar, const char *sel,
				 const tw_ar_finding_filter *flt, trawl_finding_fn fn, void *ud)
{
	trawl_status st = select_contents(ar, sel);
	tw_buf sql;
	sqlite3_stmt *s;

	if (st)
		return st;
	tw_buf_init(&sql, 1 << 16);
	tw_buf_puts(&sql,
		    "SELECT f.type, f.subtype, f.start, f.length, f.confidence, f.hash, f.preview,"
		    " s.item_id, s.path, s.label, s.person FROM findings f JOIN tw_fsel s"
		    " ON s.blob_id=f.blob_id WHERE f.confidence >= ?1");
	type_clause(&sql, flt);
	tw_buf_puts(&sql, " ORDER BY s.item_id, f.start");
	if (!sql.data || tw_buf_failed(&sql)) {
		tw_buf_release(&sql);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	}
	if (sqlite3_prepare_v2(ar->db, sql.data, -1, &s, NULL) != SQLITE_OK) {
		tw_buf_release(&sql);
		return tw_dbfail(ar, "reading findings");
	}
	tw_buf_release(&sql);
	bind_filter(s, flt);
	return each_finding(ar, s, fn, ud);
}

trawl_status trawl_item_findings(trawl_archive *ar, int64_t id, trawl_finding_fn fn, void *ud)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(ar->db,
			       "SELECT f.type, f.subtype, f.start, f.length, f.confidence, f.hash,"
			       " f.preview, i.id, i.path, NULL, NULL FROM items i"
			       " JOIN findings f ON f.blob_id=i.blob_id WHERE i.id=? ORDER BY f.start",
			       -1, &s, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "reading findings");
	sqlite3_bind_int64(s, 1, id);
	return each_finding(ar, s, fn, ud);
}

trawl_status tw_ar_findings_groups(trawl_archive *ar, const char *sel,
				   const tw_ar_finding_filter *flt,
				   trawl_finding_grouping grouping,
				   trawl_finding_group_fn fn, void *ud)
{
	trawl_status st = select_contents(ar, sel);
	tw_buf sql;
	sqlite3_stmt *s;
	const char *key, *group;
	int rc;

	if (st)
		return st;
	switch (grouping) {
	case TRAWL_GROUP_PERSON:
		key = "coalesce(s.person, '(no sender)'), 0";
		group = "1, f.type";
		break;
	case TRAWL_GROUP_DOCUMENT:
		key = "s.path, s.item_id";
		group = "s.item_id, f.type";
		break;
	default:
		key = "f.type, 0";
		group = "f.type";
		break;
	}
	tw_buf_init(&sql, 1 << 16);
	tw_buf_printf(&sql,
		      "SELECT %s, f.type, count(*), count(DISTINCT f.hash), count(DISTINCT f.blob_id),"
		      " max(f.confidence), avg(f.confidence) FROM findings f JOIN tw_fsel s"
		      " ON s.blob_id=f.blob_id WHERE f.confidence >= ?1",
		      key);
	type_clause(&sql, flt);
	tw_buf_printf(&sql, " GROUP BY %s ORDER BY count(*) DESC, 1, 3", group);
	if (!sql.data || tw_buf_failed(&sql)) {
		tw_buf_release(&sql);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	}
	if (sqlite3_prepare_v2(ar->db, sql.data, -1, &s, NULL) != SQLITE_OK) {
		tw_buf_release(&sql);
		return tw_dbfail(ar, "summarising findings");
	}
	tw_buf_release(&sql);
	bind_filter(s, flt);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		trawl_finding_group g;

		memset(&g, 0, sizeof(g));
		g.key = (const char *)sqlite3_column_text(s, 0);
		g.id = sqlite3_column_int64(s, 1);
		g.type = (const char *)sqlite3_column_text(s, 2);
		g.count = sqlite3_column_int64(s, 3);
		g.values = sqlite3_column_int64(s, 4);
		g.documents = sqlite3_column_int64(s, 5);
		g.max_confidence = sqlite3_column_double(s, 6);
		g.avg_confidence = sqlite3_column_double(s, 7);
		if (fn(&g, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "summarising findings");
	sqlite3_finalize(s);
	return st;
}
