/*
 * findings.c - findings in the archive: storing what the scanner found,
 * scanning an existing archive again (`trawl scan`), and reading findings
 * back as lists and summaries.
 *
 * A finding belongs to a content (blob), like its text.  The value is never
 * written: only SHA-256(salt || value), with one random salt per archive
 * (table scan_salt, made by the migration), and a masked preview.  The
 * table `scanned` remembers which contents were scanned and by which
 * version of the validators, so that `trawl scan` only does new work; rows
 * of both go away with their blob (trigger blobs_derived_del).
 *
 * The writer-side statements use the archive's statement cache in slots
 * 48-55, which belong to this file.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "protect/scan.h"
#include "search/search.h"

/* Bump when validators change so that `trawl scan` redoes old work. */
#define SCAN_VERSION 1

enum { S_SALT = 48, S_SCANNED, S_FIND_INS, S_FIND_DEL };

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

static void clear_findings(tw_findings *f)
{
	size_t k;

	for (k = 0; k < f->n; k++) {
		free(f->v[k].value);
		free(f->v[k].preview);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int64_t now_us(void)
{
	struct timespec ts;

	/* CPU time of this thread: throughput per core, whatever else runs. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int step_ok(trawl_archive *ar, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		tw_dbfail(ar, what);
		return -1;
	}
	return 0;
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
		if (step_ok(ar, s, "clearing findings"))
			return -1;
	}
	s = tw_stmt(ar, S_SCANNED, "INSERT OR REPLACE INTO scanned(blob_id, version) VALUES(?,?)");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, blob);
	sqlite3_bind_int(s, 2, SCAN_VERSION);
	if (step_ok(ar, s, "recording scan"))
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
		if (step_ok(ar, s, "storing finding"))
			return -1;
	}
	return 0;
}

int tw_store_findings(trawl_archive *ar, int64_t blob, const tw_node *n)
{
	return put_findings(ar, blob, n->findings, 0);
}

/* ---------------------------------------------------------------- trawl scan */

typedef struct idlist {
	int64_t *v;
	size_t n, cap;
	int oom; /* an id was lost: the list is not to be used */
} idlist;

static int collect(int64_t id, void *ud)
{
	idlist *l = ud;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		int64_t *v = tw_realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->oom = 1;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

trawl_status trawl_scan(trawl_archive *ar, const char *query, const trawl_scan_opts *opts,
			trawl_scan_stats *out, trawl_syntax_error *err)
{
	trawl_scan_opts def;
	trawl_scan_stats st;
	idlist ids = {NULL, 0, 0, 0};
	sqlite3_stmt *get = NULL, *done = NULL;
	tw_scanner *sc = NULL;
	trawl_status rc = TRAWL_OK;
	int64_t t0 = tw_now_ms(), last = 0, scan_us = 0;
	size_t i, batch = 0;
	int in_txn = 0;

	memset(&st, 0, sizeof(st));
	if (!opts) {
		memset(&def, 0, sizeof(def));
		opts = &def;
	}
	rc = tw_writable(ar);
	if (rc)
		return rc;
	rc = tw_search_blobs(ar, query, collect, &ids, err);
	if (rc == TRAWL_OK && ids.oom)
		rc = tw_fail(ar, TRAWL_ENOMEM, "out of memory listing the contents to scan");
	if (rc)
		goto out;
	qsort(ids.v, ids.n, sizeof(*ids.v), cmp_id);
	{
		uint64_t failures = tw_alloc_failures();

		sc = tw_scanner_new();
		if (!sc && tw_alloc_failures() != failures) {
			rc = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (!sc) {
		rc = tw_fail(ar, TRAWL_EUNSUPPORTED,
			     "no pattern engine: neither Hyperscan nor PCRE2 could compile the patterns");
		goto out;
	}
	st.engine = tw_scan_engine();
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT t.body, b.type, b.mime, (SELECT ext FROM items WHERE blob_id=b.id"
			       " ORDER BY id LIMIT 1) FROM blobs b JOIN texts t ON t.id=b.text_id WHERE b.id=?",
			       -1, &get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db, "SELECT version FROM scanned WHERE blob_id=?", -1, &done,
			       NULL) != SQLITE_OK) {
		rc = tw_dbfail(ar, "preparing scan");
		goto out;
	}
	for (i = 0; i < ids.n && rc == TRAWL_OK; i++) {
		tw_findings f;
		char *text = NULL;
		size_t len = 0;
		tw_node probe;
		int64_t s0;
		uint64_t failures = tw_alloc_failures();

		sqlite3_bind_int64(done, 1, ids.v[i]);
		if (!opts->rescan && sqlite3_step(done) == SQLITE_ROW &&
		    sqlite3_column_int(done, 0) >= SCAN_VERSION) {
			sqlite3_reset(done);
			st.skipped++;
			continue;
		}
		sqlite3_reset(done);
		sqlite3_bind_int64(get, 1, ids.v[i]);
		memset(&probe, 0, sizeof(probe));
		if (sqlite3_step(get) == SQLITE_ROW) {
			if (sqlite3_column_type(get, 0) == SQLITE_BLOB)
				text = tw_inflate(sqlite3_column_blob(get, 0),
						  (size_t)sqlite3_column_bytes(get, 0), &len);
			else if (sqlite3_column_type(get, 0) == SQLITE_TEXT) {
				text = tw_strdup((const char *)sqlite3_column_text(get, 0));
				len = text ? strlen(text) : 0;
			}
			probe.type = (const char *)sqlite3_column_text(get, 1);
			probe.mime = (char *)sqlite3_column_text(get, 2);
			probe.ext = (char *)sqlite3_column_text(get, 3);
		}
		memset(&f, 0, sizeof(f));
		s0 = now_us();
		if (text && len)
			tw_scan_text(sc, text, len, tw_node_is_sheet(&probe), &f);
		scan_us += now_us() - s0;
		sqlite3_reset(get);
		st.bytes += (int64_t)len;
		free(text);
		/* The text or a finding lost: recording the content as scanned
		 * would hide the rest for good. */
		if (tw_alloc_failures() != failures) {
			clear_findings(&f);
			rc = tw_fail(ar, TRAWL_ENOMEM, "out of memory scanning");
			break;
		}
		if (!in_txn) {
			rc = tw_exec(ar, "BEGIN IMMEDIATE");
			if (rc) {
				clear_findings(&f);
				break;
			}
			in_txn = 1;
		}
		if (put_findings(ar, ids.v[i], &f, 1))
			rc = TRAWL_EDB;
		st.findings += (int64_t)f.n;
		st.contents++;
		clear_findings(&f);
		if (++batch >= 500 && rc == TRAWL_OK) {
			rc = tw_exec(ar, "COMMIT");
			in_txn = 0;
			batch = 0;
		}
		if (opts->progress && tw_now_ms() - last >= 500) {
			trawl_ingest_stats p;

			last = tw_now_ms();
			memset(&p, 0, sizeof(p));
			p.inputs_total = ids.n;
			p.seen = (uint64_t)(st.contents + st.skipped);
			p.items = (uint64_t)st.findings;
			p.bytes = (uint64_t)st.bytes;
			p.seconds = (double)(last - t0) / 1000.0;
			if (opts->progress(&p, opts->progress_ud))
				rc = tw_fail(ar, TRAWL_ECANCELLED, "scan interrupted; run it again to go on");
		}
	}
	if (in_txn) {
		if (rc == TRAWL_OK || rc == TRAWL_ECANCELLED) {
			trawl_status c = tw_exec(ar, "COMMIT");

			if (rc == TRAWL_OK)
				rc = c;
		} else {
			sqlite3_exec(ar->db, "ROLLBACK", NULL, NULL, NULL);
		}
	}
out:
	sqlite3_finalize(get);
	sqlite3_finalize(done);
	tw_scanner_free(sc);
	free(ids.v);
	st.seconds = (double)(tw_now_ms() - t0) / 1000.0;
	st.scan_seconds = (double)scan_us / 1e6;
	if (out)
		*out = st;
	return rc;
}

/* ---------------------------------------------------------------- reading */

/* Parse "ssn,card" into a SQL list of quoted names; NULL when unknown. */
static char *type_list(trawl_archive *ar, const char *types, trawl_status *st)
{
	tw_buf b;
	const char *p = types;
	char *out;

	*st = TRAWL_OK;
	tw_buf_init(&b, 4096);
	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char name[32];
		int t;

		if (n && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = 0;
			t = tw_pii_type(name);
			if (t < 0 && strcmp(name, "all") != 0) {
				tw_buf_release(&b);
				*st = tw_fail(ar, TRAWL_EINVAL,
					      "unknown finding type '%s': use ssn, card, iban, phone, email, password, key, dob or ip",
					      name);
				return NULL;
			}
			if (t >= 0)
				tw_buf_printf(&b, "%s'%s'", b.len ? "," : "", tw_pii_names[t]);
		} else if (n) {
			tw_buf_release(&b);
			*st = tw_fail(ar, TRAWL_EINVAL, "unknown finding type in '%s'", types);
			return NULL;
		}
		p = e ? e + 1 : NULL;
	}
	out = b.data ? tw_buf_detach(&b, NULL) : tw_strdup("");
	if (!out)
		*st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	return out;
}

static int add_sel(int64_t blob, void *ud)
{
	sqlite3_stmt *s = ud;

	sqlite3_bind_int64(s, 1, blob);
	sqlite3_step(s);
	sqlite3_reset(s);
	return 0;
}

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

/* Fill the temporary table tw_fsel with the contents matching `query`
 * that have findings, with their first item, path, label and person. */
static trawl_status select_contents(trawl_archive *ar, const char *query,
				    trawl_syntax_error *err)
{
	sqlite3_stmt *ins = NULL, *rows = NULL, *upd = NULL, *per = NULL;
	trawl_status st;

	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_fsel(blob_id INTEGER PRIMARY KEY,"
			 " item_id INTEGER, path TEXT, label TEXT, person TEXT);"
			 "DELETE FROM tw_fsel;");
	if (st)
		return st;
	if (!query || !*query) {
		st = tw_exec(ar, "INSERT INTO tw_fsel(blob_id) SELECT DISTINCT blob_id FROM findings");
	} else {
		if (sqlite3_prepare_v2(ar->db,
				       "INSERT OR IGNORE INTO tw_fsel(blob_id) SELECT ?1"
				       " WHERE EXISTS (SELECT 1 FROM findings WHERE blob_id=?1)",
				       -1, &ins, NULL) != SQLITE_OK)
			return tw_dbfail(ar, "selecting contents");
		st = tw_search_blobs(ar, query, add_sel, ins, err);
		sqlite3_finalize(ins);
	}
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
		idlist b = {NULL, 0, 0, 0}, it = {NULL, 0, 0, 0};
		size_t i;

		while (sqlite3_step(rows) == SQLITE_ROW) {
			collect(sqlite3_column_int64(rows, 0), &b);
			collect(sqlite3_column_int64(rows, 1), &it);
		}
		uint64_t failures = tw_alloc_failures();

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
		free(b.v);
		free(it.v);
	}
out:
	sqlite3_finalize(rows);
	sqlite3_finalize(upd);
	sqlite3_finalize(per);
	return st;
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

trawl_status trawl_findings(trawl_archive *ar, const char *query, const trawl_findings_opts *opts,
			    trawl_finding_fn fn, void *ud, trawl_syntax_error *err)
{
	trawl_status st;
	char *types;
	tw_buf sql;
	sqlite3_stmt *s;
	int rc;

	types = type_list(ar, opts ? opts->types : NULL, &st);
	if (!types)
		return st ? st : TRAWL_ENOMEM;
	st = select_contents(ar, query, err);
	if (st) {
		free(types);
		return st;
	}
	tw_buf_init(&sql, 1 << 16);
	tw_buf_printf(&sql,
		      "SELECT f.type, f.subtype, f.start, f.length, f.confidence, f.hash, f.preview,"
		      " s.item_id, s.path, s.label, s.person FROM findings f JOIN tw_fsel s"
		      " ON s.blob_id=f.blob_id WHERE f.confidence >= ?%s%s%s"
		      " ORDER BY s.item_id, f.start",
		      *types ? " AND f.type IN (" : "", types, *types ? ")" : "");
	free(types);
	if (tw_buf_failed(&sql)) {
		tw_buf_release(&sql);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	}
	if (sqlite3_prepare_v2(ar->db, sql.data, -1, &s, NULL) != SQLITE_OK) {
		tw_buf_release(&sql);
		return tw_dbfail(ar, "reading findings");
	}
	tw_buf_release(&sql);
	sqlite3_bind_double(s, 1, opts ? opts->min_confidence : 0);
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

trawl_status trawl_item_findings(trawl_archive *ar, int64_t id, trawl_finding_fn fn, void *ud)
{
	sqlite3_stmt *s;
	int rc;
	trawl_status st = TRAWL_OK;

	if (sqlite3_prepare_v2(ar->db,
			       "SELECT f.type, f.subtype, f.start, f.length, f.confidence, f.hash,"
			       " f.preview, i.id, i.path, NULL, NULL FROM items i"
			       " JOIN findings f ON f.blob_id=i.blob_id WHERE i.id=? ORDER BY f.start",
			       -1, &s, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "reading findings");
	sqlite3_bind_int64(s, 1, id);
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

trawl_status trawl_findings_summary(trawl_archive *ar, const char *query,
				    const trawl_findings_opts *opts,
				    trawl_finding_grouping grouping, trawl_finding_group_fn fn,
				    void *ud, trawl_syntax_error *err)
{
	trawl_status st;
	char *types;
	tw_buf sql;
	sqlite3_stmt *s;
	const char *key, *group;
	int rc;

	types = type_list(ar, opts ? opts->types : NULL, &st);
	if (!types)
		return st ? st : TRAWL_ENOMEM;
	st = select_contents(ar, query, err);
	if (st) {
		free(types);
		return st;
	}
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
		      " ON s.blob_id=f.blob_id WHERE f.confidence >= ?%s%s%s GROUP BY %s"
		      " ORDER BY count(*) DESC, 1, 3",
		      key, *types ? " AND f.type IN (" : "", types, *types ? ")" : "", group);
	free(types);
	if (tw_buf_failed(&sql)) {
		tw_buf_release(&sql);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	}
	if (sqlite3_prepare_v2(ar->db, sql.data, -1, &s, NULL) != SQLITE_OK) {
		tw_buf_release(&sql);
		return tw_dbfail(ar, "summarising findings");
	}
	tw_buf_release(&sql);
	sqlite3_bind_double(s, 1, opts ? opts->min_confidence : 0);
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
