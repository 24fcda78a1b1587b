/*
 * plan.c - the planner: a parsed query becomes one SQL statement.
 *
 * Text conditions go to the FTS5 index, field conditions to SQL predicates
 * over `blobs b` (one row per distinct content), compiled by each field's
 * entry in the field table (fields.c).  The top-level conjunction is split:
 * its positive text parts form one FTS5 MATCH expression that drives the
 * query and gives BM25 ranking and snippets; everything else becomes
 * predicates (text parts nested under OR/NOT become
 * `b.text_id IN (SELECT rowid FROM fts WHERE fts MATCH ?)`).  Every user
 * value is a bound parameter, never spliced into SQL.
 *
 * Also here, the plan run as a set of contents: a temporary table of the
 * matches (for facets, timelines and tags) and a walk over their ids (for
 * findings, export and verification).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/plan.h"
#include "text/text.h"

/*
 * How a condition says "the content is in this set": when the full-text
 * index drives the query, each match is checked against the set; the +
 * keeps SQLite from probing blobs(text_id) once per member of the set for
 * every match instead (a 2,000-message sender made a phrase 100 times
 * slower).
 */
const char *tw_plan_in_set(const tw_plan *pl)
{
	return pl->fts_drives ? "+b.id IN (" : "b.id IN (";
}

void tw_plan_fail(tw_plan *pl, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (pl->failed)
		return;
	pl->failed = 1;
	if (pl->err) {
		pl->err->pos = pos;
		va_start(ap, fmt);
		vsnprintf(pl->err->message, sizeof(pl->err->message), fmt, ap);
		va_end(ap);
	}
}

void tw_plan_oom(tw_plan *pl)
{
	if (!pl->failed)
		pl->oom = 1;
	tw_plan_fail(pl, 0, "out of memory");
}

void tw_plan_str(tw_plan *pl, tw_buf *sql, const char *s)
{
	char *copy;

	if (pl->nparams >= TW_PLAN_PARAMS) {
		tw_plan_fail(pl, 0, "query too complex");
		return;
	}
	copy = tw_strdup(s);
	if (!copy) {
		tw_plan_oom(pl);
		return;
	}
	pl->params[pl->nparams].is_int = 0;
	pl->params[pl->nparams].s = copy;
	pl->nparams++;
	tw_buf_printf(sql, "?%d", pl->nparams);
}

void tw_plan_int(tw_plan *pl, tw_buf *sql, int64_t v)
{
	if (pl->nparams >= TW_PLAN_PARAMS) {
		tw_plan_fail(pl, 0, "query too complex");
		return;
	}
	pl->params[pl->nparams].is_int = 1;
	pl->params[pl->nparams].i = v;
	pl->nparams++;
	tw_buf_printf(sql, "?%d", pl->nparams);
}

void tw_plan_release(tw_plan *pl)
{
	int i;

	for (i = 0; i < pl->nparams; i++)
		free(pl->params[i].s);
	tw_buf_release(&pl->match);
	tw_buf_release(&pl->where);
}

/* ---------------------------------------------------------------- FTS side */

/* FTS5 string literal: "...", with " doubled.  `exact` asks the
 * tokenizer for these very words, not their inflections (the mark of
 * lib/text/text.h); words the user wrote as =word carry it already. */
static void fts_string(tw_buf *b, const char *s, int exact)
{
	tw_buf_putc(b, '"');
	if (exact)
		tw_buf_putc(b, TW_EXACT_MARK);
	for (; *s; s++) {
		if (*s == '"')
			tw_buf_putc(b, '"');
		tw_buf_putc(b, *s);
	}
	tw_buf_putc(b, '"');
}

/* Non-zero when the subtree is all text conditions. */
static int is_text(const tw_qnode *n)
{
	switch (n->kind) {
	case TW_Q_TERM:
	case TW_Q_PHRASE:
		return 1;
	case TW_Q_FIELD:
		return tw_fields[n->fid].text;
	case TW_Q_AND:
	case TW_Q_OR:
		return is_text(n->a) && is_text(n->b);
	case TW_Q_NOT:
		return 0; /* FTS5 has only binary NOT; handled by the caller */
	default:
		return 0;
	}
}

static void fts_expr(tw_buf *b, const tw_qnode *n)
{
	switch (n->kind) {
	case TW_Q_TERM:
		fts_string(b, n->text, 0);
		if (n->prefix)
			tw_buf_puts(b, " *");
		break;
	case TW_Q_PHRASE:
		fts_string(b, n->text, 1);
		break;
	case TW_Q_FIELD:
		/* A text field's name is its column in the index. */
		tw_buf_printf(b, "%s : ", tw_fields[n->fid].name);
		if (!n->quoted && n->text[0] && n->text[strlen(n->text) - 1] == '*') {
			const char *s;

			/* fts_string() of the text without its '*', then the
			 * prefix operator. */
			tw_buf_putc(b, '"');
			for (s = n->text; s[1]; s++) {
				if (*s == '"')
					tw_buf_putc(b, '"');
				tw_buf_putc(b, *s);
			}
			tw_buf_puts(b, "\" *");
		} else {
			fts_string(b, n->text, n->quoted);
		}
		break;
	case TW_Q_AND:
	case TW_Q_OR:
		tw_buf_putc(b, '(');
		fts_expr(b, n->a);
		tw_buf_puts(b, n->kind == TW_Q_AND ? " AND " : " OR ");
		fts_expr(b, n->b);
		tw_buf_putc(b, ')');
		break;
	default:
		break;
	}
}

void tw_plan_fts(tw_plan *pl, tw_buf *w, const tw_qnode *n)
{
	tw_buf m;

	tw_buf_init(&m, 1 << 16);
	fts_expr(&m, n);
	if (m.truncated)
		tw_plan_fail(pl, n->pos, "query too long");
	else if (tw_sql_broken(&m))
		tw_plan_oom(pl);
	tw_buf_puts(w, "b.text_id IN (SELECT rowid FROM fts WHERE fts MATCH ");
	tw_plan_str(pl, w, m.data);
	tw_buf_putc(w, ')');
	tw_buf_release(&m);
}

/* ---------------------------------------------------------------- SQL side */

static void sql_expr(tw_plan *pl, tw_buf *w, const tw_qnode *n)
{
	if (pl->failed)
		return;
	if (is_text(n)) {
		tw_plan_fts(pl, w, n);
		return;
	}
	switch (n->kind) {
	case TW_Q_ALL:
		tw_buf_puts(w, "1");
		break;
	case TW_Q_AND:
	case TW_Q_OR:
		tw_buf_putc(w, '(');
		sql_expr(pl, w, n->a);
		tw_buf_puts(w, n->kind == TW_Q_AND ? " AND " : " OR ");
		sql_expr(pl, w, n->b);
		tw_buf_putc(w, ')');
		break;
	case TW_Q_NOT:
		tw_buf_puts(w, "NOT (");
		sql_expr(pl, w, n->a);
		tw_buf_putc(w, ')');
		break;
	case TW_Q_FIELD: {
		const tw_field_def *f = &tw_fields[n->fid];

		f->compile(pl, w, n, f->arg);
		break;
	}
	default:
		break;
	}
}

/* Flatten the top-level AND into conjuncts. */
static void conjuncts(const tw_qnode *n, const tw_qnode **out, int *k, int max)
{
	if (n->kind == TW_Q_AND) {
		conjuncts(n->a, out, k, max);
		conjuncts(n->b, out, k, max);
	} else if (*k < max) {
		out[(*k)++] = n;
	}
}

static trawl_status build(tw_plan *pl, const tw_qnode *root)
{
	const tw_qnode *c[600];
	int k = 0, i, npos = 0;

	tw_buf_init(&pl->match, 1 << 16);
	tw_buf_init(&pl->where, 1 << 18);
	conjuncts(root, c, &k, (int)TW_ARRAY_LEN(c));
	for (i = 0; i < k; i++)
		if (is_text(c[i]))
			npos++;
	pl->fts_drives = npos > 0;
	for (i = 0; i < k; i++) {
		if (npos && is_text(c[i])) {
			if (pl->match.len)
				tw_buf_puts(&pl->match, " AND ");
			fts_expr(&pl->match, c[i]);
		}
	}
	for (i = 0; i < k; i++) {
		if (npos && is_text(c[i]))
			continue;
		if (npos && c[i]->kind == TW_Q_NOT && is_text(c[i]->a)) {
			tw_buf_puts(&pl->match, " NOT ");
			fts_expr(&pl->match, c[i]->a);
			continue;
		}
		if (pl->where.len)
			tw_buf_puts(&pl->where, " AND ");
		sql_expr(pl, &pl->where, c[i]);
	}
	if (!pl->where.len)
		tw_buf_puts(&pl->where, "1");
	/* The one check of the plan's two texts (see tw_plan_prepare() for
	 * the statements built around them). */
	if (pl->match.truncated || pl->where.truncated)
		tw_plan_fail(pl, 0, "query too long");
	else if ((npos && tw_sql_broken(&pl->match)) || tw_sql_broken(&pl->where))
		tw_plan_oom(pl);
	if (pl->oom)
		return TRAWL_ENOMEM;
	return pl->failed ? TRAWL_ESYNTAX : TRAWL_OK;
}

trawl_status tw_plan_for(trawl_archive *ar, const char *query, tw_plan *pl,
			 trawl_syntax_error *err)
{
	tw_qnode *root;
	trawl_status st;
	uint64_t failures = tw_alloc_failures();

	memset(pl, 0, sizeof(*pl));
	pl->err = err;
	st = tw_query_parse(query, &root, err);
	if (st) {
		if (st == TRAWL_ESYNTAX && err)
			tw_fail(ar, st, "query syntax error at %zu: %s", err->pos, err->message);
		return st;
	}
	st = build(pl, root);
	tw_query_free(root);
	/* A pattern, a parameter or a piece of SQL lost while building that
	 * no check above saw: the plan is not the query. */
	if (st == TRAWL_OK && tw_alloc_failures() != failures)
		st = TRAWL_ENOMEM;
	if (st == TRAWL_ENOMEM)
		tw_fail(ar, st, "out of memory planning the query");
	else if (st && err)
		tw_fail(ar, st, "query error at %zu: %s", err->pos, err->message);
	if (st)
		tw_plan_release(pl);
	return st;
}

int tw_plan_source(tw_plan *pl, tw_buf *sql, const char *join)
{
	int match = 0;

	if (pl->match.len) {
		tw_buf_printf(sql, "fts JOIN blobs b ON b.text_id=fts.rowid%s WHERE fts MATCH ", join);
		tw_plan_str(pl, sql, pl->match.data);
		match = pl->nparams;
		tw_buf_puts(sql, " AND ");
	} else {
		tw_buf_printf(sql, "blobs b%s WHERE ", join);
	}
	tw_buf_printf(sql, "b.extracted=1 AND %s", pl->where.data);
	return match;
}

sqlite3_stmt *tw_plan_prepare(trawl_archive *ar, tw_plan *pl, const tw_buf *sql,
			      trawl_status *st)
{
	sqlite3_stmt *s;
	int i;

	/* The one check of the statement's text: the appends that built it
	 * (and their parameters) were not checked one by one. */
	if (pl->oom || tw_sql_broken(sql)) {
		*st = sql->truncated ? tw_fail(ar, TRAWL_ELIMIT, "query too long")
				     : tw_fail(ar, TRAWL_ENOMEM, "out of memory running the query");
		return NULL;
	}
	if (pl->failed) {
		*st = tw_fail(ar, TRAWL_ESYNTAX, "query too complex");
		return NULL;
	}
	s = tw_prepare(ar, sql->data, "running query");
	if (!s) {
		*st = tw_dbstatus(ar);
		return NULL;
	}
	for (i = 0; i < pl->nparams; i++) {
		if (pl->params[i].is_int)
			sqlite3_bind_int64(s, i + 1, pl->params[i].i);
		else
			sqlite3_bind_text(s, i + 1, pl->params[i].s, -1, SQLITE_STATIC);
	}
	*st = TRAWL_OK;
	return s;
}

/* ---------------------------------------------------------------- query sets */

trawl_status tw_query_temp(trawl_archive *ar, const char *query, const char *table,
			   int64_t *count, int *all, trawl_syntax_error *err)
{
	tw_plan pl;
	tw_buf sql;
	sqlite3_stmt *s;
	trawl_status st;
	char *ddl;

	if (count)
		*count = 0;
	if (all)
		*all = 0;
	ddl = tw_asprintf("CREATE TEMP TABLE IF NOT EXISTS %s(blob_id INTEGER PRIMARY KEY);"
			  "DELETE FROM temp.%s;", table, table);
	if (!ddl)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	st = tw_exec(ar, ddl);
	free(ddl);
	if (st)
		return st;
	st = tw_plan_for(ar, query, &pl, err);
	if (st)
		return st;
	if (all)
		*all = !pl.match.len && !strcmp(pl.where.data, "1");
	tw_buf_init(&sql, 1 << 20);
	tw_buf_printf(&sql, "INSERT OR IGNORE INTO temp.%s(blob_id) SELECT b.id FROM ", table);
	tw_plan_source(&pl, &sql, "");
	s = tw_plan_prepare(ar, &pl, &sql, &st);
	if (s) {
		if (sqlite3_step(s) != SQLITE_DONE)
			st = tw_dbfail(ar, "running query");
		else if (count)
			*count = sqlite3_changes(ar->db);
		sqlite3_finalize(s);
	}
	tw_buf_release(&sql);
	tw_plan_release(&pl);
	return st;
}

/* For the modules that work on the contents a query selects (findings,
 * export, verify): every matching blob id, in no particular order. */
trawl_status tw_search_blobs(trawl_archive *ar, const char *query,
			     int (*fn)(int64_t blob, void *ud), void *ud,
			     trawl_syntax_error *err)
{
	tw_plan pl;
	tw_buf sql;
	sqlite3_stmt *s;
	trawl_status st = tw_plan_for(ar, query ? query : "", &pl, err);
	int rc;

	if (st)
		return st;
	tw_buf_init(&sql, 1 << 20);
	tw_buf_puts(&sql, "SELECT b.id FROM ");
	tw_plan_source(&pl, &sql, "");
	s = tw_plan_prepare(ar, &pl, &sql, &st);
	if (s) {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			if (fn(sqlite3_column_int64(s, 0), ud))
				break;
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			st = tw_dbfail(ar, "running query");
		sqlite3_finalize(s);
	}
	tw_buf_release(&sql);
	tw_plan_release(&pl);
	return st;
}
