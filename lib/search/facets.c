/*
 * facets.c - how the matches of a query spread: over time (timelines, by
 * day, ISO week, month or year, UTC) and over values (facets: sender,
 * recipient, type, year, month, tag, custodian label, extension, language).
 *
 * Both start from the set of matching contents, materialised once in a
 * temporary table (tw_query_temp), and count distinct contents, like the
 * hits of a search.  Periods are computed in C from the sorted dates rather
 * than with SQL date functions: one pass, no per-row string formatting.
 * The web UI calls trawl_facets_get() for every search, so it has to stay
 * well under 200 ms on a 30,000-message archive.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "search/search.h"
#include "archive/db.h"

#define MAX_PERIODS 200000

/* ---------------------------------------------------------------- periods */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t ymd_utc(int y, int m, int d)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m;
	tm.tm_mday = d;
	return (int64_t)timegm(&tm); /* normalises months beyond 11 */
}

/* Start of the period holding t, and the start of the next one. */
static void period_of(int64_t t, trawl_period by, int64_t *start, int64_t *next)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int64_t day = floor_div(t, 86400);

	switch (by) {
	case TRAWL_BY_DAY:
		*start = day * 86400;
		*next = *start + 86400;
		return;
	case TRAWL_BY_WEEK:
		/* 1970-01-01 was a Thursday; ISO weeks start on Monday. */
		*start = (day - (((day + 3) % 7) + 7) % 7) * 86400;
		*next = *start + 7 * 86400;
		return;
	default:
		break;
	}
	if (!gmtime_r(&tt, &tm)) {
		*start = t;
		*next = t + 1;
		return;
	}
	if (by == TRAWL_BY_MONTH) {
		*start = ymd_utc(tm.tm_year + 1900, tm.tm_mon, 1);
		*next = ymd_utc(tm.tm_year + 1900, tm.tm_mon + 1, 1);
	} else {
		*start = ymd_utc(tm.tm_year + 1900, 0, 1);
		*next = ymd_utc(tm.tm_year + 1901, 0, 1);
	}
}

static void period_label(int64_t start, trawl_period by, char *buf, size_t n)
{
	time_t tt = (time_t)start;
	struct tm tm;

	if (by == TRAWL_BY_WEEK) {
		/* The ISO year and week are those of the week's Thursday. */
		tt = (time_t)(start + 3 * 86400);
		if (!gmtime_r(&tt, &tm)) {
			snprintf(buf, n, "?");
			return;
		}
		snprintf(buf, n, "%04d-W%02d", tm.tm_year + 1900, tm.tm_yday / 7 + 1);
		return;
	}
	if (!gmtime_r(&tt, &tm)) {
		snprintf(buf, n, "?");
		return;
	}
	if (by == TRAWL_BY_DAY)
		strftime(buf, n, "%Y-%m-%d", &tm);
	else if (by == TRAWL_BY_MONTH)
		strftime(buf, n, "%Y-%m", &tm);
	else
		strftime(buf, n, "%Y", &tm);
}

/* Dates of the contents in temp.`table` (all extracted contents when
 * table is NULL), ascending, and the number without a date. */
static trawl_status load_dates(trawl_archive *ar, const char *table, int64_t **dates, size_t *n,
			       int64_t *undated)
{
	sqlite3_stmt *s;
	char sql[300];
	size_t cap = 0;
	int rc;

	*dates = NULL;
	*n = 0;
	*undated = 0;
	if (table)
		snprintf(sql, sizeof(sql),
			 "SELECT b.date FROM temp.%s x JOIN blobs b ON b.id=x.blob_id ORDER BY b.date", table);
	else
		snprintf(sql, sizeof(sql), "SELECT date FROM blobs WHERE extracted=1 ORDER BY date");
	s = tw_prepare(ar, sql, "reading dates");
	if (!s)
		return tw_dbstatus(ar);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_type(s, 0) == SQLITE_NULL) {
			(*undated)++;
			continue;
		}
		if (*n == cap) {
			int64_t *p;

			cap = cap ? cap * 2 : 4096;
			p = tw_realloc(*dates, cap * sizeof(*p));
			if (!p) {
				sqlite3_finalize(s);
				return tw_fail(ar, TRAWL_ENOMEM, "out of memory reading dates");
			}
			*dates = p;
		}
		(*dates)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? TRAWL_OK : tw_dbfail(ar, "reading dates");
}

/* Call fn for every period from the first date to the last. */
static trawl_status buckets(trawl_archive *ar, const int64_t *dates, size_t n, trawl_period by,
			    int fill, trawl_bucket_fn fn, void *ud)
{
	size_t i = 0, periods = 0;
	int64_t start, next;
	char label[32];
	trawl_bucket b;

	if (!n)
		return TRAWL_OK;
	period_of(dates[0], by, &start, &next);
	while (i < n) {
		int64_t count = 0;

		while (i < n && dates[i] < next) {
			count++;
			i++;
		}
		if (count || fill) {
			if (++periods > MAX_PERIODS)
				return tw_fail(ar, TRAWL_ELIMIT,
					       "the dates span more than %d periods: choose a longer period or narrow the query",
					       MAX_PERIODS);
			period_label(start, by, label, sizeof(label));
			b.start = start;
			b.label = label;
			b.count = count;
			if (fn(&b, ud))
				return TRAWL_OK;
		}
		if (i < n) {
			if (fill)
				period_of(next, by, &start, &next);
			else
				period_of(dates[i], by, &start, &next);
		}
	}
	return TRAWL_OK;
}

trawl_status trawl_timeline(trawl_archive *ar, const char *query, trawl_period by,
			    trawl_bucket_fn fn, void *ud, int64_t *undated,
			    trawl_syntax_error *err)
{
	trawl_status st;
	int all = 1;
	int64_t *dates = NULL, und = 0;
	size_t n = 0;

	if (undated)
		*undated = 0;
	if (by < TRAWL_BY_DAY || by > TRAWL_BY_YEAR)
		return tw_fail(ar, TRAWL_EINVAL, "unknown period");
	if (query && *query) {
		st = tw_query_temp(ar, query, "tw_tq", NULL, &all, err);
		if (st)
			return st;
	}
	st = load_dates(ar, all ? NULL : "tw_tq", &dates, &n, &und);
	if (!st) {
		/* Check the span first so that nothing is printed on failure. */
		if (n && by == TRAWL_BY_DAY && (dates[n - 1] - dates[0]) / 86400 > MAX_PERIODS)
			st = tw_fail(ar, TRAWL_ELIMIT,
				     "the dates span more than %d days: use --by week, month or year, or narrow the query",
				     MAX_PERIODS);
		else
			st = buckets(ar, dates, n, by, 1, fn, ud);
	}
	if (undated)
		*undated = und;
	free(dates);
	return st;
}

/* ---------------------------------------------------------------- facets */

typedef struct facets_priv {
	trawl_facets pub;
	tw_strpool pool;
} facets_priv;

static const char *fkeep(facets_priv *p, const char *s)
{
	return tw_strpool_keep(&p->pool, s);
}

void trawl_facets_free(trawl_facets *f)
{
	facets_priv *p = (facets_priv *)f;
	size_t i;

	if (!f)
		return;
	tw_strpool_release(&p->pool);
	for (i = 0; i < f->nfacets; i++)
		free(f->facets[i].values);
	free(f->facets);
	free(p);
}

static int add_value(facets_priv *p, trawl_facet *f, const char *value, const char *label,
		     int64_t count)
{
	trawl_facet_value *v = tw_realloc(f->values, (f->nvalues + 1) * sizeof(*v));

	if (!v)
		return -1;
	f->values = v;
	v = &f->values[f->nvalues++];
	v->value = fkeep(p, value ? value : "");
	v->label = fkeep(p, label ? label : value ? value : "");
	v->count = count;
	return v->value && v->label ? 0 : -1;
}

/* One facet from SQL returning (value, label, count) by count; the rows
 * beyond `limit` are counted as others. */
static trawl_status sql_facet(trawl_archive *ar, facets_priv *p, trawl_facet *f, const char *sql,
			      size_t limit)
{
	sqlite3_stmt *s;
	int rc;

	s = tw_prepare(ar, sql, "counting facets");
	if (!s)
		return tw_dbstatus(ar);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (f->nvalues >= limit) {
			f->others++;
			continue;
		}
		if (add_value(p, f, (const char *)sqlite3_column_text(s, 0),
			      (const char *)sqlite3_column_text(s, 1), sqlite3_column_int64(s, 2))) {
			sqlite3_finalize(s);
			return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? TRAWL_OK : tw_dbfail(ar, "counting facets");
}

typedef struct date_ctx {
	facets_priv *p;
	trawl_facet *f;
	int oom;
} date_ctx;

static int date_value(const trawl_bucket *b, void *ud)
{
	date_ctx *c = ud;

	if (add_value(c->p, c->f, b->label, b->label, b->count))
		c->oom = 1;
	return c->oom;
}

trawl_status trawl_facets_get(trawl_archive *ar, const char *query, size_t limit,
			      trawl_facets **out, trawl_syntax_error *err)
{
	static const struct {
		const char *name, *field;
	} names[] = {
		{"from", "from"}, {"recipient", "recipient"}, {"type", "type"}, {"year", "date"},
		{"month", "date"}, {"tag", "tag"}, {"label", "label"}, {"ext", "ext"},
		{"lang", "lang"},
	};
	facets_priv *p;
	trawl_facets *fs;
	trawl_status st;
	int64_t total = 0, *dates = NULL, und = 0, everything = -1;
	size_t nd = 0, i;
	char sql[1200];
	int all = 0, stats = 0;
	sqlite3_stmt *q;

	*out = NULL;
	if (!limit)
		limit = 10;
	st = tw_query_temp(ar, query ? query : "", "tw_fq", &total, &all, err);
	if (st)
		return st;
	/* A query matching everything (often a whole dump's label) needs no
	 * membership test, and the per-address counts kept after each ingest
	 * (addr_stats) answer for senders and recipients when up to date. */
	q = tw_prepare(ar,
		       "SELECT (SELECT count(*) FROM blobs WHERE extracted=1),"
		       " (SELECT value FROM derived WHERE key='emails') = (SELECT count(*) FROM emails)",
		       "counting facets");
	if (q) {
		if (sqlite3_step(q) == SQLITE_ROW) {
			everything = sqlite3_column_int64(q, 0);
			stats = sqlite3_column_int(q, 1);
		}
		sqlite3_finalize(q);
	}
	all = all || everything == total;
	p = tw_calloc(1, sizeof(*p));
	if (!p)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	fs = &p->pub;
	fs->total = total;
	fs->facets = tw_calloc(TW_ARRAY_LEN(names), sizeof(*fs->facets));
	if (!fs->facets) {
		trawl_facets_free(fs);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	}
	fs->nfacets = TW_ARRAY_LEN(names);
	for (i = 0; i < fs->nfacets; i++) {
		fs->facets[i].name = names[i].name;
		fs->facets[i].field = names[i].field;
	}
	/* Senders and recipients: the address as value, person's name shown. */
	for (i = 0; i < 2 && !st; i++) {
		if (all && stats)
			snprintf(sql, sizeof(sql),
				 "SELECT a.addr, CASE WHEN p.name IS NOT NULL AND p.name<>a.addr"
				 " THEN p.name || ' <' || a.addr || '>' ELSE a.addr END, c.n"
				 " FROM (SELECT addr_id AS id, %s AS n FROM addr_stats WHERE %s > 0) c"
				 " JOIN addrs a ON a.id=c.id LEFT JOIN persons p ON p.id=a.person_id"
				 " ORDER BY c.n DESC, a.addr",
				 i == 0 ? "sent" : "received", i == 0 ? "sent" : "received");
		else /* through the (addr_id, role) index: groups come in order */
			snprintf(sql, sizeof(sql),
				 "SELECT a.addr, CASE WHEN p.name IS NOT NULL AND p.name<>a.addr"
				 " THEN p.name || ' <' || a.addr || '>' ELSE a.addr END, c.n"
				 " FROM (SELECT ea.addr_id AS id, count(DISTINCT ea.blob_id) AS n"
				 "  FROM email_addrs ea INDEXED BY email_addrs_addr"
				 "  WHERE ea.addr_id IS NOT NULL AND %s %s GROUP BY ea.addr_id) c"
				 " JOIN addrs a ON a.id=c.id LEFT JOIN persons p ON p.id=a.person_id"
				 " ORDER BY c.n DESC, a.addr",
				 i == 0 ? "ea.role = 0" : "ea.role > 0 AND ea.role < 4",
				 all ? "" : "AND ea.blob_id IN (SELECT blob_id FROM temp.tw_fq)");
		st = sql_facet(ar, p, &fs->facets[i], sql, limit);
	}
	if (!st)
		st = sql_facet(ar, p, &fs->facets[2],
			       all ? "SELECT coalesce(type, 'unknown'), NULL, count(*) FROM blobs"
				     " WHERE extracted=1 GROUP BY 1 ORDER BY 3 DESC, 1"
				   : "SELECT coalesce(b.type, 'unknown'), NULL, count(*) FROM temp.tw_fq x"
				     " JOIN blobs b ON b.id=x.blob_id GROUP BY 1 ORDER BY 3 DESC, 1",
			       limit);
	if (!st)
		st = load_dates(ar, all ? NULL : "tw_fq", &dates, &nd, &und);
	for (i = 3; i <= 4 && !st; i++) {
		date_ctx c = {p, &fs->facets[i], 0};

		st = buckets(ar, dates, nd, i == 3 ? TRAWL_BY_YEAR : TRAWL_BY_MONTH, 0, date_value, &c);
		if (!st && c.oom)
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	}
	free(dates);
	if (!st)
		st = sql_facet(ar, p, &fs->facets[5],
			       "SELECT t.tag, NULL, count(DISTINCT b.id) FROM temp.tw_fq x"
			       " JOIN blobs b ON b.id=x.blob_id JOIN tags t ON t.sha256=b.sha256"
			       " GROUP BY t.tag ORDER BY 3 DESC, 1",
			       limit);
	if (!st)
		st = sql_facet(ar, p, &fs->facets[6],
			       all ? "SELECT s.label, NULL, count(DISTINCT i.blob_id) FROM items i"
				     " JOIN sources s ON s.id=i.source_id JOIN blobs b ON b.id=i.blob_id"
				     " WHERE s.label IS NOT NULL AND b.extracted=1"
				     " GROUP BY s.label ORDER BY 3 DESC, 1"
				   : "SELECT s.label, NULL, count(DISTINCT i.blob_id) FROM temp.tw_fq x"
				     " JOIN items i ON i.blob_id=x.blob_id JOIN sources s ON s.id=i.source_id"
				     " WHERE s.label IS NOT NULL GROUP BY s.label ORDER BY 3 DESC, 1",
			       limit);
	if (!st)
		st = sql_facet(ar, p, &fs->facets[7],
			       "SELECT i.ext, NULL, count(DISTINCT i.blob_id) FROM temp.tw_fq x"
			       " JOIN items i ON i.blob_id=x.blob_id"
			       " WHERE i.ext IS NOT NULL AND i.ext<>'' GROUP BY i.ext ORDER BY 3 DESC, 1",
			       limit);
	/* Languages of the texts (text_lang); contents without text have none. */
	if (!st)
		st = sql_facet(ar, p, &fs->facets[8],
			       all ? "SELECT coalesce(l.lang, 'none'), NULL, count(*) FROM blobs b"
				     " JOIN text_lang l ON l.id=b.text_id WHERE b.extracted=1"
				     " GROUP BY 1 ORDER BY 3 DESC, 1"
				   : "SELECT coalesce(l.lang, 'none'), NULL, count(*) FROM temp.tw_fq x"
				     " JOIN blobs b ON b.id=x.blob_id JOIN text_lang l ON l.id=b.text_id"
				     " GROUP BY 1 ORDER BY 3 DESC, 1",
			       limit);
	if (st) {
		trawl_facets_free(fs);
		return st;
	}
	*out = fs;
	return TRAWL_OK;
}
