/*
 * evidence.c - the archive side of verification: DKIM over the messages a
 * query selects (results kept for dkim: queries), re-hashing the originals
 * on disk, the evidence manifest, and header provenance.
 *
 * Everything here works from the exact original bytes (trawl_item_raw),
 * never from what extraction made of them, because that is what a third
 * party can check again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "verify/verify.h"
#include "verify/select.h"
#include "search/search.h"

/* ---------------------------------------------------------------- selection */

static int sel_blob(int64_t blob, void *ud)
{
	sqlite3_stmt *s = ud;

	sqlite3_bind_int64(s, 1, blob);
	sqlite3_step(s);
	sqlite3_reset(s);
	return 0;
}

void tw_sel_free(tw_sel *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	free(s);
}

trawl_status tw_select(trawl_archive *ar, const char *query, int emails_only, tw_sel **out,
		       trawl_syntax_error *err)
{
	sqlite3_stmt *ins = NULL, *q = NULL;
	trawl_status st;
	tw_sel *s;

	*out = NULL;
	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_esel(blob_id INTEGER PRIMARY KEY);"
			 "DELETE FROM tw_esel;");
	if (st)
		return st;
	if (sqlite3_prepare_v2(ar->db, "INSERT OR IGNORE INTO tw_esel VALUES(?)", -1, &ins, NULL) !=
	    SQLITE_OK)
		return tw_dbfail(ar, "selecting items");
	st = tw_search_blobs(ar, query, sel_blob, ins, err);
	sqlite3_finalize(ins);
	if (st)
		return st;
	s = tw_calloc(1, sizeof(*s));
	if (!s)
		return TRAWL_ENOMEM;
	/* One item per content, its first occurrence, oldest first. */
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT (SELECT min(id) FROM items WHERE blob_id=b.id) AS iid, b.id, b.date,"
			       " (SELECT path FROM items WHERE blob_id=b.id ORDER BY id LIMIT 1), b.type"
			       " FROM tw_esel e JOIN blobs b ON b.id=e.blob_id"
			       " WHERE iid IS NOT NULL AND (?1 = 0 OR b.type = 'email')"
			       " ORDER BY b.date IS NULL, b.date, iid",
			       -1, &q, NULL) != SQLITE_OK) {
		free(s);
		return tw_dbfail(ar, "selecting items");
	}
	sqlite3_bind_int(q, 1, emails_only);
	while (sqlite3_step(q) == SQLITE_ROW) {
		tw_sel_item *it;

		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 256;
			tw_sel_item *v = tw_realloc(s->v, cap * sizeof(*v));

			if (!v) {
				sqlite3_finalize(q);
				tw_sel_free(s);
				return TRAWL_ENOMEM;
			}
			s->v = v;
			s->cap = cap;
		}
		it = &s->v[s->n++];
		it->id = sqlite3_column_int64(q, 0);
		it->blob = sqlite3_column_int64(q, 1);
		it->date = sqlite3_column_int64(q, 2);
		it->path = tw_strdup((const char *)sqlite3_column_text(q, 3));
		if (!it->path && sqlite3_column_text(q, 3)) {
			/* An export or a report would name the item nowhere. */
			sqlite3_finalize(q);
			tw_sel_free(s);
			return tw_fail(ar, TRAWL_ENOMEM, "out of memory selecting items");
		}
	}
	sqlite3_finalize(q);
	*out = s;
	return TRAWL_OK;
}

static int to_buf(const void *p, size_t n, void *ud)
{
	tw_buf *b = ud;

	return tw_buf_append(b, p, n) != TRAWL_OK;
}

trawl_status tw_item_bytes(trawl_archive *ar, int64_t id, tw_buf *b)
{
	trawl_status st = trawl_item_raw(ar, id, to_buf, b);

	/* Not a write failure: the bytes did not fit in memory. */
	if (tw_buf_failed(b))
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory reading item %lld", (long long)id);
	return st;
}

/* ---------------------------------------------------------------- DKIM */

trawl_status trawl_verify_dkim(trawl_archive *ar, const char *query, const trawl_dkim_opts *opts,
			       trawl_dkim_fn fn, void *ud, trawl_syntax_error *err)
{
	tw_dkim_keys *keys = NULL;
	tw_sel *sel = NULL;
	sqlite3_stmt *put = NULL, *mid = NULL;
	trawl_status st;
	size_t i;
	char msg[512];
	int store = opts && opts->store;

	st = store ? tw_writable(ar) : TRAWL_OK;
	if (st)
		return st;
	if (opts && opts->keys_file) {
		uint64_t failures = tw_alloc_failures();

		keys = tw_dkim_keys_load(opts->keys_file, msg, sizeof(msg));
		/* A key lost would make its signatures "nokey". */
		if (tw_alloc_failures() != failures) {
			tw_dkim_keys_free(keys);
			return tw_fail(ar, TRAWL_ENOMEM, "out of memory reading '%s'", opts->keys_file);
		}
		if (!keys)
			return tw_fail(ar, TRAWL_ENOTFOUND, "%s", msg);
	}
	st = tw_select(ar, query, 1, &sel, err);
	if (st)
		goto out;
	if ((store && sqlite3_prepare_v2(ar->db,
					 "INSERT OR REPLACE INTO dkim(blob_id, result, reason, domain, selector,"
					 " algorithm, signatures, weak, checked) VALUES(?,?,?,?,?,?,?,?,?)",
					 -1, &put, NULL) != SQLITE_OK) ||
	    sqlite3_prepare_v2(ar->db, "SELECT message_id FROM emails WHERE blob_id=?", -1, &mid,
			       NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "preparing DKIM results");
		goto out;
	}
	if (store && (st = tw_exec(ar, "BEGIN IMMEDIATE")))
		goto out;
	for (i = 0; i < sel->n; i++) {
		tw_buf raw;
		tw_dkim_res res;
		trawl_dkim_result pub;
		trawl_dkim_sig sigs[16];
		size_t k;
		trawl_status rs;
		int stop;
		uint64_t failures = tw_alloc_failures();

		tw_buf_init(&raw, (size_t)1 << 30);
		rs = tw_item_bytes(ar, sel->v[i].id, &raw);
		memset(&res, 0, sizeof(res));
		if (rs != TRAWL_OK) {
			/* The original is gone or changed: nothing to verify. */
			res.result = "nokey";
			res.reason = tw_asprintf("original not readable: %s", ar->errmsg);
		} else {
			tw_dkim_verify(raw.data ? raw.data : "", raw.len, keys, opts && opts->dns, &res);
		}
		tw_buf_release(&raw);
		/* A verdict reached without all of the message (or of the
		 * signature's data) could say "fail" of a genuine one. */
		if (tw_alloc_failures() != failures) {
			tw_dkim_res_release(&res);
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory verifying item %lld",
				     (long long)sel->v[i].id);
			break;
		}
		memset(&pub, 0, sizeof(pub));
		pub.id = sel->v[i].id;
		pub.path = sel->v[i].path;
		pub.result = res.result;
		pub.reason = res.reason ? res.reason : "";
		pub.weak = res.weak;
		for (k = 0; k < res.nsigs && k < TW_ARRAY_LEN(sigs); k++) {
			sigs[k].domain = res.sigs[k].domain;
			sigs[k].selector = res.sigs[k].selector;
			sigs[k].algorithm = res.sigs[k].algorithm;
			sigs[k].canon = res.sigs[k].canon;
			sigs[k].result = res.sigs[k].result;
			sigs[k].reason = res.sigs[k].reason;
			sigs[k].weak = res.sigs[k].weak;
		}
		pub.sigs = sigs;
		pub.nsigs = k;
		sqlite3_bind_int64(mid, 1, sel->v[i].blob);
		if (sqlite3_step(mid) == SQLITE_ROW)
			pub.message_id = (const char *)sqlite3_column_text(mid, 0);
		if (put) {
			const tw_dkim_sigres *first = res.nsigs ? &res.sigs[0] : NULL;

			for (k = 0; k < res.nsigs; k++)
				if (!strcmp(res.sigs[k].result, res.result)) {
					first = &res.sigs[k];
					break;
				}
			sqlite3_bind_int64(put, 1, sel->v[i].blob);
			sqlite3_bind_text(put, 2, res.result, -1, SQLITE_STATIC);
			sqlite3_bind_text(put, 3, res.reason, -1, SQLITE_STATIC);
			sqlite3_bind_text(put, 4, first ? first->domain : NULL, -1, SQLITE_STATIC);
			sqlite3_bind_text(put, 5, first ? first->selector : NULL, -1, SQLITE_STATIC);
			sqlite3_bind_text(put, 6, first ? first->algorithm : NULL, -1, SQLITE_STATIC);
			sqlite3_bind_int64(put, 7, (int64_t)res.nsigs);
			sqlite3_bind_int(put, 8, res.weak);
			sqlite3_bind_int64(put, 9, (int64_t)time(NULL));
			if (sqlite3_step(put) != SQLITE_DONE)
				st = tw_dbfail(ar, "recording DKIM result");
			sqlite3_reset(put);
		}
		stop = fn ? fn(&pub, ud) : 0;
		sqlite3_reset(mid);
		tw_dkim_res_release(&res);
		if (st || stop)
			break;
	}
	if (store)
		st = st ? (sqlite3_exec(ar->db, "ROLLBACK", NULL, NULL, NULL), st) : tw_exec(ar, "COMMIT");
out:
	sqlite3_finalize(put);
	sqlite3_finalize(mid);
	tw_sel_free(sel);
	tw_dkim_keys_free(keys);
	return st;
}

/* ---------------------------------------------------------------- originals */

static int hash_file(const char *path, char hex[65], int64_t *size, int *err)
{
	FILE *f = fopen(path, "rb");
	unsigned char buf[65536], d[32];
	EVP_MD_CTX *c;
	size_t n;
	unsigned dl = 32;

	*size = 0;
	if (!f) {
		*err = errno;
		return -1;
	}
	c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex(c, tw_md_sha256(), NULL)) {
		EVP_MD_CTX_free(c);
		fclose(f);
		*err = ENOMEM;
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		EVP_DigestUpdate(c, buf, n);
		*size += (int64_t)n;
	}
	*err = ferror(f) ? EIO : 0;
	fclose(f);
	EVP_DigestFinal_ex(c, d, &dl);
	EVP_MD_CTX_free(c);
	tw_hex(d, 32, hex);
	return *err ? -1 : 0;
}

trawl_status trawl_verify_originals(trawl_archive *ar, const char *query, trawl_check_fn fn,
				    void *ud, trawl_syntax_error *err)
{
	sqlite3_stmt *q = NULL;
	trawl_status st = TRAWL_OK;
	const char *sql;
	int rc;

	if (query && *query) {
		sqlite3_stmt *ins = NULL;

		st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_esel(blob_id INTEGER PRIMARY KEY);"
				 "DELETE FROM tw_esel;");
		if (st)
			return st;
		if (sqlite3_prepare_v2(ar->db, "INSERT OR IGNORE INTO tw_esel VALUES(?)", -1, &ins,
				       NULL) != SQLITE_OK)
			return tw_dbfail(ar, "selecting items");
		st = tw_search_blobs(ar, query, sel_blob, ins, err);
		sqlite3_finalize(ins);
		if (st)
			return st;
		sql = "SELECT f.path, f.size, f.item_id, b.sha256 FROM files f"
		      " LEFT JOIN items i ON i.id=f.item_id LEFT JOIN blobs b ON b.id=i.blob_id"
		      " WHERE f.item_id IN (SELECT coalesce(it.root_id, it.id) FROM items it"
		      "  WHERE it.blob_id IN (SELECT blob_id FROM tw_esel)) ORDER BY f.path";
	} else {
		sql = "SELECT f.path, f.size, f.item_id, b.sha256 FROM files f"
		      " LEFT JOIN items i ON i.id=f.item_id LEFT JOIN blobs b ON b.id=i.blob_id"
		      " ORDER BY f.path";
	}
	if (sqlite3_prepare_v2(ar->db, sql, -1, &q, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "listing originals");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		trawl_check c;
		char want[65] = "", got[65] = "";
		int e = 0;
		int64_t size = -1;
		struct stat sb;

		memset(&c, 0, sizeof(c));
		c.path = (const char *)sqlite3_column_text(q, 0);
		c.id = sqlite3_column_int64(q, 2);
		if (sqlite3_column_bytes(q, 3) == 32) {
			tw_hex(sqlite3_column_blob(q, 3), 32, want);
			c.expected = want;
		}
		if (!c.path)
			continue;
		if (lstat(c.path, &sb) != 0) {
			c.status = "missing";
		} else if (hash_file(c.path, got, &size, &e) != 0) {
			c.status = "unreadable";
		} else {
			c.actual = got;
			if (c.expected)
				c.status = strcmp(got, want) ? "changed" : "ok";
			else
				c.status = size == sqlite3_column_int64(q, 1) ? "ok" : "changed";
		}
		c.size = size;
		if (fn(&c, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "listing originals");
	sqlite3_finalize(q);
	return st;
}

/* ---------------------------------------------------------------- manifest */

/* sha256sum's convention: a name with '\\' or a newline is escaped and the
 * line starts with a backslash. */
static void manifest_line(tw_buf *b, const char *hex, const char *path)
{
	const char *p;
	int esc = strchr(path, '\\') || strchr(path, '\n') || strchr(path, '\r');

	tw_buf_reset(b);
	if (esc)
		tw_buf_putc(b, '\\');
	tw_buf_printf(b, "%s  ", hex);
	for (p = path; *p; p++) {
		if (esc && *p == '\\')
			tw_buf_puts(b, "\\\\");
		else if (esc && *p == '\n')
			tw_buf_puts(b, "\\n");
		else if (esc && *p == '\r')
			tw_buf_puts(b, "\\r");
		else
			tw_buf_putc(b, *p);
	}
}

trawl_status trawl_manifest(trawl_archive *ar, trawl_line_fn fn, void *ud, char hash[65],
			    int64_t *lines)
{
	sqlite3_stmt *q;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned dl = 32;
	tw_buf line;
	int rc;
	int64_t n = 0;
	trawl_status st = TRAWL_OK;

	hash[0] = '\0';
	if (!c || !EVP_DigestInit_ex(c, tw_md_sha256(), NULL)) {
		EVP_MD_CTX_free(c);
		return TRAWL_ENOMEM;
	}
	/* BINARY collation: the order does not depend on any locale. */
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT b.sha256, i.path FROM items i JOIN blobs b ON b.id=i.blob_id"
			       " WHERE length(b.sha256)=32 AND i.path IS NOT NULL"
			       " ORDER BY i.path COLLATE BINARY, b.sha256",
			       -1, &q, NULL) != SQLITE_OK) {
		EVP_MD_CTX_free(c);
		return tw_dbfail(ar, "reading the manifest");
	}
	tw_buf_init(&line, 1 << 20);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		char hex[65];

		tw_hex(sqlite3_column_blob(q, 0), 32, hex);
		manifest_line(&line, hex, (const char *)sqlite3_column_text(q, 1));
		if (tw_buf_failed(&line)) {
			/* A short line would change the hash a publication cites. */
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
			break;
		}
		EVP_DigestUpdate(c, line.data, line.len);
		EVP_DigestUpdate(c, "\n", 1);
		n++;
		if (fn && fn(line.data, ud))
			fn = NULL;
	}
	if (st == TRAWL_OK && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "reading the manifest");
	sqlite3_finalize(q);
	tw_buf_release(&line);
	EVP_DigestFinal_ex(c, d, &dl);
	EVP_MD_CTX_free(c);
	if (st == TRAWL_OK)
		tw_hex(d, 32, hash);
	if (lines)
		*lines = n;
	return st;
}

/* ---------------------------------------------------------------- provenance */

typedef struct prov_priv {
	trawl_provenance pub;
	tw_hop *hops;
	char **strs;
	size_t nstrs, cap;
} prov_priv;

static const char *keep(prov_priv *p, char *s)
{
	if (!s)
		return NULL;
	if (p->nstrs == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		char **v = tw_realloc(p->strs, cap * sizeof(*v));

		if (!v) {
			free(s);
			return NULL;
		}
		p->strs = v;
		p->cap = cap;
	}
	p->strs[p->nstrs++] = s;
	return s;
}

void trawl_provenance_free(trawl_provenance *pub)
{
	prov_priv *p = (prov_priv *)pub;
	size_t i;

	if (!p)
		return;
	for (i = 0; i < pub->nhops; i++)
		tw_hop_release(&p->hops[i]);
	free(p->hops);
	free(pub->hops);
	free(pub->origin);
	for (i = 0; i < p->nstrs; i++)
		free(p->strs[i]);
	free(p->strs);
	free(p);
}

static const char *const origin_headers[] = {
	"X-Originating-IP", "X-Sender-IP", "X-Client-IP", "X-Forwarded-For", "X-Real-IP",
	"X-AOL-IP", "X-Originating-Client-IP", "X-MS-Exchange-Organization-OriginalClientIPAddress",
	NULL,
};
static const char *const mailer_headers[] = {
	"X-Mailer", "User-Agent", "X-Newsreader", "X-MimeOLE", NULL,
};

/* Build the provenance of a message from its raw bytes. */
static trawl_status prov_build(trawl_archive *ar, int64_t id, const char *path, const char *raw,
			       size_t len, trawl_provenance **out)
{
	uint64_t failures = tw_alloc_failures();
	prov_priv *p = tw_calloc(1, sizeof(*p));
	trawl_provenance *pub;
	tw_hdrs hs;
	size_t n, i, nrec = 0, k;
	char *m;
	sqlite3_stmt *q;

	*out = NULL;
	if (!p)
		return TRAWL_ENOMEM;
	pub = &p->pub;
	pub->id = id;
	pub->path = keep(p, tw_strdup(path));
	m = tw_crlf(raw, len, &n);
	if (!m || tw_hdrs_parse(m, n, &hs)) {
		free(m);
		trawl_provenance_free(pub);
		return TRAWL_ENOMEM;
	}
	for (i = 0; i < hs.n; i++)
		if (hs.v[i].nlen == 8 && !strncasecmp(hs.v[i].name, "Received", 8))
			nrec++;
	if (nrec) {
		p->hops = tw_calloc(nrec, sizeof(*p->hops));
		pub->hops = tw_calloc(nrec, sizeof(*pub->hops));
		if (!p->hops || !pub->hops) {
			tw_hdrs_release(&hs);
			free(m);
			trawl_provenance_free(pub);
			return TRAWL_ENOMEM;
		}
	}
	/* The topmost Received is the last hop: number them in travel order. */
	k = nrec;
	for (i = 0; i < hs.n; i++) {
		char *v;

		if (!(hs.v[i].nlen == 8 && !strncasecmp(hs.v[i].name, "Received", 8)))
			continue;
		v = tw_hdr_unfold(&hs.v[i]);
		k--;
		tw_received_parse(v, &p->hops[k]);
		free(v);
	}
	pub->nhops = nrec;
	for (i = 0; i < nrec; i++) {
		trawl_hop *h = &pub->hops[i];
		tw_hop *t = &p->hops[i];

		h->index = (int)i + 1;
		h->from_host = t->from_host;
		h->from_rdns = t->from_rdns;
		h->from_ip = t->from_ip;
		h->by_host = t->by_host;
		h->protocol = t->protocol;
		h->id = t->id;
		h->for_addr = t->for_addr;
		h->time = t->time;
		h->has_time = t->has_time;
		h->tz_offset = t->tz_offset;
		h->parsed = t->parsed;
		h->raw = t->raw;
	}
	for (i = 0; origin_headers[i]; i++) {
		const tw_hdr *h = tw_hdr_find(&hs, origin_headers[i]);
		trawl_prop *o;

		if (!h)
			continue;
		o = tw_realloc(pub->origin, (pub->norigin + 1) * sizeof(*o));
		if (!o)
			break;
		pub->origin = o;
		o[pub->norigin].key = origin_headers[i];
		o[pub->norigin].value = keep(p, tw_hdr_unfold(h));
		pub->norigin++;
	}
	for (i = 0; mailer_headers[i] && !pub->mailer; i++) {
		const tw_hdr *h = tw_hdr_find(&hs, mailer_headers[i]);

		if (h)
			pub->mailer = keep(p, tw_hdr_unfold(h));
	}
	{
		const tw_hdr *h = tw_hdr_find(&hs, "Date");

		if (h) {
			pub->date_raw = keep(p, tw_hdr_unfold(h));
			if (pub->date_raw && tw_parse_date(pub->date_raw, &pub->date, &pub->tz_offset) == 0)
				pub->has_date = 1;
		}
		h = tw_hdr_find(&hs, "From");
		if (h)
			pub->from = keep(p, tw_hdr_unfold(h));
		h = tw_hdr_find(&hs, "Message-ID");
		if (h)
			pub->message_id = keep(p, tw_hdr_unfold(h));
	}
	tw_hdrs_release(&hs);
	free(m);
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT d.result FROM items i JOIN dkim d ON d.blob_id=i.blob_id WHERE i.id=?",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, id);
		if (sqlite3_step(q) == SQLITE_ROW)
			pub->dkim = keep(p, tw_strdup((const char *)sqlite3_column_text(q, 0)));
		sqlite3_finalize(q);
	}
	/* A header, hop or field lost on the way: no partial provenance. */
	if (tw_alloc_failures() != failures) {
		trawl_provenance_free(pub);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory reading the headers of item %lld",
			       (long long)id);
	}
	*out = pub;
	return TRAWL_OK;
}

trawl_status trawl_provenance_get(trawl_archive *ar, int64_t id, trawl_provenance **out)
{
	tw_buf raw;
	trawl_status st;
	trawl_item *it = NULL;

	*out = NULL;
	st = trawl_item_get(ar, id, &it);
	if (st)
		return st;
	if (!it->type || strcmp(it->type, "email") != 0) {
		st = tw_fail(ar, TRAWL_EINVAL, "item %lld is not a message (%s): it has no mail headers",
			     (long long)id, it->type ? it->type : "unknown type");
		trawl_item_free(it);
		return st;
	}
	tw_buf_init(&raw, (size_t)1 << 30);
	st = tw_item_bytes(ar, id, &raw);
	if (st == TRAWL_OK)
		st = prov_build(ar, id, it->path, raw.data ? raw.data : "", raw.len, out);
	tw_buf_release(&raw);
	trawl_item_free(it);
	return st;
}

trawl_status trawl_provenance_query(trawl_archive *ar, const char *query, trawl_provenance_fn fn,
				    void *ud, trawl_syntax_error *err)
{
	tw_sel *sel = NULL;
	trawl_status st = tw_select(ar, query, 1, &sel, err);
	size_t i;

	if (st)
		return st;
	for (i = 0; i < sel->n; i++) {
		tw_buf raw;
		trawl_provenance *p = NULL;
		int stop = 0;
		trawl_status rs;

		tw_buf_init(&raw, (size_t)1 << 30);
		/* A message whose original is gone is left out; one left out
		 * for lack of memory fails the call. */
		rs = tw_item_bytes(ar, sel->v[i].id, &raw);
		if (rs == TRAWL_OK)
			rs = prov_build(ar, sel->v[i].id, sel->v[i].path, raw.data ? raw.data : "",
					raw.len, &p);
		if (rs == TRAWL_OK) {
			stop = fn(p, ud);
			trawl_provenance_free(p);
		}
		tw_buf_release(&raw);
		if (rs == TRAWL_ENOMEM) {
			st = rs;
			break;
		}
		if (stop)
			break;
	}
	tw_sel_free(sel);
	return st;
}

trawl_status trawl_sender_zones(trawl_archive *ar, const char *query, trawl_zone_fn fn, void *ud,
				trawl_syntax_error *err)
{
	sqlite3_stmt *ins = NULL, *q = NULL;
	trawl_status st;
	int rc;

	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_esel(blob_id INTEGER PRIMARY KEY);"
			 "DELETE FROM tw_esel;");
	if (st)
		return st;
	if (sqlite3_prepare_v2(ar->db, "INSERT OR IGNORE INTO tw_esel VALUES(?)", -1, &ins, NULL) !=
	    SQLITE_OK)
		return tw_dbfail(ar, "selecting messages");
	st = tw_search_blobs(ar, query, sel_blob, ins, err);
	sqlite3_finalize(ins);
	if (st)
		return st;
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT a.addr, e.tz, count(*) FROM tw_esel s JOIN emails e ON e.blob_id=s.blob_id"
			       " JOIN email_addrs ea ON ea.blob_id=e.blob_id AND ea.role=0"
			       " JOIN addrs a ON a.id=ea.addr_id WHERE e.date_status=0"
			       " GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2",
			       -1, &q, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "counting zones");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 1),
		       sqlite3_column_int64(q, 2), ud))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "counting zones");
	sqlite3_finalize(q);
	return st;
}
