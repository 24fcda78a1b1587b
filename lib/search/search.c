/*
 * search.c - a page of hits: the plan of a query (plan.c) run in the
 * requested order, with what a result list shows of each hit (its first
 * item, sender and recipients, subject or title, snippet) and, on request,
 * the total (count.c).
 *
 * Snippets come from FTS5 when the index drives the query; they (and, in
 * date order, the scores) are made after the page is chosen, for its rows
 * only (late_marks()).  With by_thread a conversation is one hit, its
 * best-placed message standing for the others.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/plan.h"

/* ---------------------------------------------------------------- hits */

typedef struct hit_ctx {
	sqlite3_stmt *item, *occ, *blob, *email, *from, *to, *title, *text;
} hit_ctx;

static void hit_ctx_free(hit_ctx *h)
{
	sqlite3_finalize(h->item);
	sqlite3_finalize(h->occ);
	sqlite3_finalize(h->blob);
	sqlite3_finalize(h->email);
	sqlite3_finalize(h->from);
	sqlite3_finalize(h->to);
	sqlite3_finalize(h->title);
	sqlite3_finalize(h->text);
}

/* The lookups of emit_hit(), prepared once per page; non-zero with the
 * archive's message set when one fails (free the context either way). */
static int hit_ctx_init(trawl_archive *ar, hit_ctx *h)
{
	sqlite3_stmt **const slot[] = {&h->item, &h->occ, &h->blob, &h->email,
				       &h->from, &h->to, &h->title, &h->text};
	static const char *const sql[] = {
		"SELECT id, kind, path FROM items WHERE blob_id=? ORDER BY id LIMIT 1",
		"SELECT count(*) FROM items WHERE blob_id=?",
		"SELECT type, size, sha256, date FROM blobs WHERE id=?",
		"SELECT subject, message_id, tz, thread_id FROM emails WHERE blob_id=?",
		"SELECT ea.name, a.addr FROM email_addrs ea LEFT JOIN addrs a ON a.id=ea.addr_id"
		" WHERE ea.blob_id=? AND ea.role=0 ORDER BY ea.pos LIMIT 1",
		"SELECT ea.name, a.addr FROM email_addrs ea LEFT JOIN addrs a ON a.id=ea.addr_id"
		" WHERE ea.blob_id=? AND ea.role=1 ORDER BY ea.pos LIMIT 20",
		"SELECT value FROM props_text WHERE blob_id=? AND key='title' LIMIT 1",
		"SELECT tw_inflate(t.body) FROM blobs b JOIN texts t ON t.id=b.text_id WHERE b.id=?",
	};
	size_t i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < TW_ARRAY_LEN(sql); i++) {
		*slot[i] = tw_prepare(ar, sql[i], "preparing hit lookups");
		if (!*slot[i])
			return -1;
	}
	return 0;
}

static void fmt_addr(tw_buf *b, const char *name, const char *addr)
{
	if (name && *name && addr)
		tw_buf_printf(b, "%s <%s>", name, addr);
	else if (addr)
		tw_buf_puts(b, addr);
	else if (name)
		tw_buf_puts(b, name);
}

/* First words of a text, for hits without a text match. */
static char *lead(const char *t, size_t max)
{
	tw_buf b;
	int sp = 0;

	tw_buf_init(&b, max);
	for (; t && *t && b.len < max; t++) {
		if (isspace((unsigned char)*t)) {
			sp = 1;
			continue;
		}
		if (sp && b.len)
			tw_buf_putc(&b, ' ');
		sp = 0;
		tw_buf_putc(&b, *t);
	}
	/* Do not cut inside a UTF-8 sequence. */
	while (b.len && ((unsigned char)b.data[b.len - 1] & 0xc0) == 0x80)
		b.len--;
	if (b.len && (unsigned char)b.data[b.len - 1] >= 0xc0)
		b.len--;
	if (b.data)
		b.data[b.len] = '\0';
	return b.data ? tw_buf_detach(&b, NULL) : tw_strdup("");
}

/* Call fn for one hit; returns fn's answer (non-zero: stop), or -1 without
 * calling it when part of the hit (addresses, lead text) was lost for lack
 * of memory. */
static int emit_hit(hit_ctx *h, int64_t blob, double score, const char *snippet,
		    int64_t thread_hits, trawl_hit_fn fn, void *ud)
{
	trawl_hit hit;
	char sha[65] = "";
	tw_buf from, to;
	uint64_t failures = tw_alloc_failures();
	char *lead_text = NULL;
	int stop;

	memset(&hit, 0, sizeof(hit));
	tw_buf_init(&from, 4096);
	tw_buf_init(&to, 8192);
	hit.score = score;
	sqlite3_bind_int64(h->item, 1, blob);
	if (sqlite3_step(h->item) == SQLITE_ROW) {
		hit.id = sqlite3_column_int64(h->item, 0);
		hit.kind = (const char *)sqlite3_column_text(h->item, 1);
		hit.path = (const char *)sqlite3_column_text(h->item, 2);
	}
	sqlite3_bind_int64(h->occ, 1, blob);
	if (sqlite3_step(h->occ) == SQLITE_ROW)
		hit.occurrences = sqlite3_column_int64(h->occ, 0);
	sqlite3_bind_int64(h->blob, 1, blob);
	if (sqlite3_step(h->blob) == SQLITE_ROW) {
		hit.type = (const char *)sqlite3_column_text(h->blob, 0);
		hit.size = sqlite3_column_int64(h->blob, 1);
		if (sqlite3_column_bytes(h->blob, 2) == 32)
			tw_hex(sqlite3_column_blob(h->blob, 2), 32, sha);
		hit.sha256 = sha;
		if (sqlite3_column_type(h->blob, 3) != SQLITE_NULL) {
			hit.date = sqlite3_column_int64(h->blob, 3);
			hit.has_date = 1;
		}
	}
	sqlite3_bind_int64(h->email, 1, blob);
	if (sqlite3_step(h->email) == SQLITE_ROW) {
		hit.subject = (const char *)sqlite3_column_text(h->email, 0);
		hit.message_id = (const char *)sqlite3_column_text(h->email, 1);
		hit.tz_offset = sqlite3_column_int(h->email, 2);
		hit.thread_id = sqlite3_column_int64(h->email, 3);
		sqlite3_bind_int64(h->from, 1, blob);
		if (sqlite3_step(h->from) == SQLITE_ROW)
			fmt_addr(&from, (const char *)sqlite3_column_text(h->from, 0),
				 (const char *)sqlite3_column_text(h->from, 1));
		sqlite3_bind_int64(h->to, 1, blob);
		while (sqlite3_step(h->to) == SQLITE_ROW) {
			if (to.len)
				tw_buf_puts(&to, ", ");
			fmt_addr(&to, (const char *)sqlite3_column_text(h->to, 0),
				 (const char *)sqlite3_column_text(h->to, 1));
		}
		hit.from = from.data;
		hit.to = to.data;
	} else {
		sqlite3_bind_int64(h->title, 1, blob);
		if (sqlite3_step(h->title) == SQLITE_ROW)
			hit.subject = (const char *)sqlite3_column_text(h->title, 0);
	}
	if (!hit.subject && hit.path) {
		const char *slash = strrchr(hit.path, '/');

		hit.subject = slash ? slash + 1 : hit.path;
	}
	if (snippet) {
		hit.snippet = snippet;
	} else {
		sqlite3_bind_int64(h->text, 1, blob);
		if (sqlite3_step(h->text) == SQLITE_ROW)
			lead_text = lead((const char *)sqlite3_column_text(h->text, 0), 200);
		hit.snippet = lead_text;
	}
	hit.thread_hits = thread_hits;
	if (tw_alloc_failures() != failures)
		stop = -1;
	else
		stop = fn(&hit, ud) ? 1 : 0;
	free(lead_text);
	tw_buf_release(&from);
	tw_buf_release(&to);
	sqlite3_reset(h->item);
	sqlite3_reset(h->occ);
	sqlite3_reset(h->blob);
	sqlite3_reset(h->email);
	sqlite3_reset(h->from);
	sqlite3_reset(h->to);
	sqlite3_reset(h->title);
	sqlite3_reset(h->text);
	return stop;
}

/*
 * The hits of `s` (rows: blob, score, -, n, text) with their snippets, and with
 * `late_score` their scores, made afterwards by `snip` for those rows only.
 * Running the MATCH once per row re-evaluates the whole expression each
 * time (prefix and phrase terms load whole doclists), which made a
 * date-sorted page of "deal* price" take 50 evaluations; instead `snip`
 * runs the MATCH once over the rowid range of the page and keeps the rows
 * in the page's set.  Memory: the page's ids and snippets.
 */
typedef struct late_row {
	int64_t blob, text, n;
	double score;
	char *snippet;
} late_row;

static trawl_status late_marks(trawl_archive *ar, sqlite3_stmt *s, sqlite3_stmt *snip,
			       const char *match, int late_score, hit_ctx *h,
			       trawl_hit_fn fn, void *ud)
{
	late_row *rows = NULL;
	size_t n = 0, cap = 0, i, k;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	trawl_status st = TRAWL_OK;
	tw_buf ids;
	int rc;

	tw_buf_init(&ids, (size_t)1 << 30);
	tw_buf_putc(&ids, '[');
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			late_row *nr = tw_realloc(rows, (cap ? cap * 2 : 64) * sizeof(*rows));

			if (!nr) {
				st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
				goto out;
			}
			rows = nr;
			cap = cap ? cap * 2 : 64;
		}
		rows[n].blob = sqlite3_column_int64(s, 0);
		rows[n].score = sqlite3_column_double(s, 1);
		rows[n].n = sqlite3_column_int64(s, 3);
		rows[n].text = sqlite3_column_int64(s, 4);
		rows[n].snippet = NULL;
		tw_buf_printf(&ids, "%s%lld", n ? "," : "", (long long)rows[n].text);
		if (rows[n].text < lo)
			lo = rows[n].text;
		if (rows[n].text > hi)
			hi = rows[n].text;
		n++;
	}
	if (rc != SQLITE_DONE) {
		st = tw_dbfail(ar, "running query");
		goto out;
	}
	tw_buf_putc(&ids, ']');
	/* The one check of the id list before it is bound. */
	if (tw_sql_broken(&ids)) {
		st = ids.truncated ? tw_fail(ar, TRAWL_ELIMIT, "page too large")
				   : tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		goto out;
	}
	if (n) {
		sqlite3_bind_text(snip, 1, match, -1, SQLITE_STATIC);
		sqlite3_bind_int64(snip, 2, lo);
		sqlite3_bind_int64(snip, 3, hi);
		sqlite3_bind_text(snip, 4, ids.data, (int)ids.len, SQLITE_STATIC);
		while ((rc = sqlite3_step(snip)) == SQLITE_ROW) {
			int64_t text = sqlite3_column_int64(snip, 0);

			/* Contents of a page may share a text; a linear scan is
			 * cheap next to a snippet, and pages are small. */
			for (k = 0; k < n; k++) {
				if (rows[k].text != text)
					continue;
				free(rows[k].snippet);
				rows[k].snippet = tw_strdup((const char *)sqlite3_column_text(snip, 1));
				if (!rows[k].snippet && sqlite3_column_text(snip, 1))
					st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
				if (late_score)
					rows[k].score = sqlite3_column_double(snip, 2);
			}
		}
		if (rc != SQLITE_DONE)
			st = tw_dbfail(ar, "making snippets");
		sqlite3_reset(snip);
	}
	for (i = 0; st == TRAWL_OK && i < n; i++) {
		int r = emit_hit(h, rows[i].blob, rows[i].score, rows[i].snippet, rows[i].n, fn, ud);

		if (r < 0)
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		if (r)
			break;
	}
out:
	for (i = 0; i < n; i++)
		free(rows[i].snippet);
	free(rows);
	tw_buf_release(&ids);
	return st;
}

trawl_status trawl_search(trawl_archive *ar, const char *query,
			  const trawl_search_opts *opts, trawl_hit_fn fn,
			  void *ud, int64_t *total, trawl_syntax_error *err)
{
	trawl_search_opts def;
	tw_plan pl;
	tw_buf sql;
	sqlite3_stmt *s, *snip = NULL;
	hit_ctx h;
	trawl_status st;
	int64_t limit, offset;
	const char *order;
	int rc, ntok, match_param = 0, late_score = 0;

	if (!opts) {
		memset(&def, 0, sizeof(def));
		opts = &def;
	}
	if (total) {
		st = tw_count_cached(ar, query, opts->by_thread, total, err);
		if (st)
			return st;
	}
	st = tw_plan_for(ar, query, &pl, err);
	if (st)
		return st;
	limit = opts->limit > 0 ? opts->limit : 50;
	offset = opts->offset > 0 ? opts->offset : 0;
	ntok = opts->snippet_tokens > 0 && opts->snippet_tokens <= 64 ? opts->snippet_tokens : 16;
	tw_buf_init(&sql, 1 << 20);
	/* Contents without a date come last either way (SQLite sorts NULL
	 * first): newest first reads the date index backwards. */
	if (opts->sort == TRAWL_SORT_DATE)
		order = "b.date IS NULL, b.date ASC, b.id ASC";
	else if (opts->sort == TRAWL_SORT_DATE_DESC || !pl.match.len)
		order = "b.date DESC, b.id DESC";
	else
		order = "fts.rank";
	if (opts->by_thread) {
		/* One hit per conversation: the best-placed hit of each thread
		 * in the requested order, with the number of hits it stands
		 * for; snippets are made afterwards for the hits shown only. */
		const char *outer;

		if (opts->sort == TRAWL_SORT_DATE)
			outer = "d IS NULL, d ASC, id ASC";
		else if (opts->sort == TRAWL_SORT_DATE_DESC || !pl.match.len)
			outer = "d IS NULL, d DESC, id DESC";
		else
			outer = "score DESC, id ASC";
		tw_buf_printf(&sql,
			      "SELECT id, score, NULL, n, tid FROM (SELECT b.id AS id, b.text_id AS tid,"
			      " %s AS score, b.date AS d,"
			      " row_number() OVER (PARTITION BY coalesce(e.thread_id, -b.id) ORDER BY %s) AS rn,"
			      " count(*) OVER (PARTITION BY coalesce(e.thread_id, -b.id)) AS n FROM ",
			      pl.match.len ? "-fts.rank" : "0", order);
		match_param = tw_plan_source(&pl, &sql, " LEFT JOIN emails e ON e.blob_id=b.id");
		tw_buf_printf(&sql, ") WHERE rn=1 ORDER BY %s LIMIT %lld OFFSET %lld",
			      outer, (long long)limit, (long long)offset);
	} else {
		/* With a MATCH, the sorter would hold a snippet (and, sorted
		 * by date, a score) for every match before the sort: select
		 * ids only, and make the snippets (and scores) of the page's
		 * rows afterwards. */
		int by_rank = !strcmp(order, "fts.rank");

		if (pl.match.len)
			tw_buf_printf(&sql, "SELECT b.id, %s, NULL, 0, b.text_id FROM ",
				      by_rank ? "-fts.rank" : "0");
		else
			tw_buf_puts(&sql, "SELECT b.id, 0, NULL, 0 FROM ");
		match_param = tw_plan_source(&pl, &sql, "");
		late_score = match_param && !by_rank;
		tw_buf_printf(&sql, " ORDER BY %s LIMIT %lld OFFSET %lld",
			      order, (long long)limit, (long long)offset);
	}
	s = tw_plan_prepare(ar, &pl, &sql, &st);
	if (!s)
		goto out;
	if (match_param) {
		char q[400];

		/* One pass of the MATCH over the page's rowid range gives the
		 * snippets and scores of the page's rows (see late_marks()). */
		snprintf(q, sizeof(q),
			 "SELECT rowid, snippet(fts, 1, '" TRAWL_HL_START "', '" TRAWL_HL_END "', '…', %d), -rank"
			 " FROM fts WHERE fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3"
			 " AND +rowid IN (SELECT value FROM json_each(?4))", ntok);
		snip = tw_prepare(ar, q, "preparing snippets");
		if (!snip) {
			st = tw_dbstatus(ar);
			sqlite3_finalize(s);
			goto out;
		}
	}
	if (hit_ctx_init(ar, &h)) {
		st = tw_dbstatus(ar);
		hit_ctx_free(&h);
		sqlite3_finalize(s);
		sqlite3_finalize(snip);
		goto out;
	}
	if (snip) {
		st = late_marks(ar, s, snip, pl.params[match_param - 1].s, late_score, &h, fn, ud);
	} else {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			int r = emit_hit(&h, sqlite3_column_int64(s, 0), sqlite3_column_double(s, 1),
					 (const char *)sqlite3_column_text(s, 2),
					 sqlite3_column_int64(s, 3), fn, ud);

			if (r < 0)
				st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
			if (r)
				break;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			st = tw_dbfail(ar, "running query");
	}
	hit_ctx_free(&h);
	sqlite3_finalize(s);
	sqlite3_finalize(snip);
out:
	tw_buf_release(&sql);
	tw_plan_release(&pl);
	return st;
}
