/*
 * routes_search.c - the routes that run a query: syntax check, the
 * language's fields, search with pages, the timeline and the facets.  The
 * query is checked before the archive is touched, so a typo costs a parse,
 * and a syntax error always answers 400 with its position.
 */
#include <stdlib.h>
#include <string.h>

#include "routes.h"

/* ---------------------------------------------------------------- search */

struct hits {
	json_t *arr;
};

static int add_hit(const trawl_hit *h, void *ud)
{
	struct hits *hs = ud;

	json_array_append_new(hs->arr, tj_hit(h));
	return 0;
}

int srv_h_check(srv_req *r)
{
	const char *q = srv_arg(r, "q");
	trawl_syntax_error err;

	memset(&err, 0, sizeof(err));
	if (!q)
		q = "";
	if (trawl_query_check(q, &err) != TRAWL_OK)
		return srv_syntax_error(r, q, &err);
	return srv_json(r, 200, json_pack("{s:b, s:s}", "ok", 1, "query", q));
}

/* The query language's fields, from the parser's own table. */
int srv_h_fields(srv_req *r)
{
	json_t *a = json_array();
	const char *name, *help = NULL;
	size_t i;

	for (i = 0; (name = trawl_query_field(i, &help)) != NULL; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "field", name, "help", help ? help : ""));
	return srv_json(r, 200, json_pack("{s:o}", "fields", a));
}

int srv_h_search(srv_req *r)
{
	const char *q = srv_arg(r, "q"), *sort = srv_arg(r, "sort"), *collapse = srv_arg(r, "collapse");
	trawl_search_opts opts;
	trawl_syntax_error err;
	trawl_archive *ar;
	struct hits hs;
	int64_t page, size, offset, total = 0;
	int rc = MHD_NO;
	trawl_status st;
	json_t *o;

	if (!q)
		q = "";
	memset(&opts, 0, sizeof(opts));
	memset(&err, 0, sizeof(err));
	if (!sort || !*sort || !strcmp(sort, "relevance"))
		opts.sort = TRAWL_SORT_RELEVANCE;
	else if (!strcmp(sort, "date"))
		opts.sort = TRAWL_SORT_DATE;
	else if (!strcmp(sort, "-date"))
		opts.sort = TRAWL_SORT_DATE_DESC;
	else
		return srv_error(r, 400, "bad_argument", "sort takes relevance, date or -date",
				 json_pack("{s:s}", "argument", "sort"));
	if (collapse && *collapse && strcmp(collapse, "thread") && strcmp(collapse, "none"))
		return srv_error(r, 400, "bad_argument", "collapse takes thread or none",
				 json_pack("{s:s}", "argument", "collapse"));
	opts.by_thread = collapse && !strcmp(collapse, "thread");
	if (srv_int_arg(r, "size", 50, 0, SRV_MAX_PAGE, &size, &rc) ||
	    srv_int_arg(r, "page", 1, 1, SRV_MAX_OFFSET, &page, &rc))
		return rc;
	if (srv_int_arg(r, "offset", (page - 1) * size, 0, SRV_MAX_OFFSET, &offset, &rc))
		return rc;
	if (trawl_query_check(q, &err) != TRAWL_OK)
		return srv_syntax_error(r, q, &err);
	ar = srv_reader(r, &rc);
	if (!ar)
		return rc;
	hs.arr = json_array();
	if (!hs.arr)
		return srv_json(r, 500, NULL);
	if (size == 0) {
		st = trawl_count(ar, q, &total, &err);
	} else {
		opts.limit = size;
		opts.offset = offset;
		st = trawl_search(ar, q, &opts, add_hit, &hs, &total, &err);
	}
	if (st == TRAWL_ESYNTAX) {
		json_decref(hs.arr);
		return srv_syntax_error(r, q, &err);
	}
	if (st != TRAWL_OK) {
		json_decref(hs.arr);
		return srv_lib_error(r, ar, st, "search failed");
	}
	o = json_pack("{s:s, s:I, s:I, s:I, s:s, s:o, s:f}", "query", q, "total", (json_int_t)total,
		      "offset", (json_int_t)offset, "size", (json_int_t)size, "sort",
		      opts.sort == TRAWL_SORT_DATE ? "date"
		      : opts.sort == TRAWL_SORT_DATE_DESC ? "-date" : "relevance",
		      "hits", hs.arr, "took_ms", srv_ms_since(r->started_us));
	if (o && opts.by_thread)
		json_object_set_new(o, "collapse", json_string("thread"));
	return srv_json(r, 200, o);
}

/* ---------------------------------------------------------------- timeline, facets */

struct buckets {
	json_t *arr;
};

static int add_bucket(const trawl_bucket *b, void *ud)
{
	json_array_append_new(((struct buckets *)ud)->arr, tj_bucket(b));
	return 0;
}

int srv_h_timeline(srv_req *r)
{
	static const char *const names[] = {"day", "week", "month", "year"};
	const char *q = srv_arg(r, "q"), *by = srv_arg(r, "by");
	trawl_syntax_error err;
	trawl_archive *ar;
	struct buckets bk;
	trawl_period per = TRAWL_BY_MONTH;
	int64_t undated = 0;
	int rc = MHD_NO, autopick = 1, k;
	trawl_status st;

	memset(&err, 0, sizeof(err));
	if (by && *by && strcmp(by, "auto")) {
		autopick = 0;
		for (k = 0; k < 4 && strcmp(by, names[k]); k++)
			;
		if (k == 4)
			return srv_error(r, 400, "bad_argument", "by takes day, week, month, year or auto",
					 json_pack("{s:s}", "argument", "by"));
		per = (trawl_period)k;
	}
	ar = srv_query_reader(r, &q, &err, &rc);
	if (!ar)
		return rc;
	bk.arr = json_array();
	st = trawl_timeline(ar, q, per, add_bucket, &bk, &undated, &err);
	/* Auto: months, unless that makes too many bars (then years) or too
	 * few (then days). */
	if (st == TRAWL_OK && autopick && json_array_size(bk.arr) > 240) {
		json_array_clear(bk.arr);
		per = TRAWL_BY_YEAR;
		st = trawl_timeline(ar, q, per, add_bucket, &bk, &undated, &err);
	} else if (st == TRAWL_OK && autopick && json_array_size(bk.arr) <= 2) {
		json_t *keep = json_deep_copy(bk.arr);

		json_array_clear(bk.arr);
		per = TRAWL_BY_DAY;
		st = trawl_timeline(ar, q, per, add_bucket, &bk, &undated, &err);
		if (st != TRAWL_OK || json_array_size(bk.arr) > 400) {
			json_decref(bk.arr);
			bk.arr = keep;
			per = TRAWL_BY_MONTH;
			st = TRAWL_OK;
		} else {
			json_decref(keep);
		}
	}
	if (st != TRAWL_OK) {
		json_decref(bk.arr);
		if (st == TRAWL_ESYNTAX)
			return srv_syntax_error(r, q, &err);
		return srv_lib_error(r, ar, st, "cannot build the timeline");
	}
	return srv_json(r, 200, json_pack("{s:s, s:s, s:I, s:o}", "query", q, "by", names[per],
					  "undated", (json_int_t)undated, "buckets", bk.arr));
}

int srv_h_facets(srv_req *r)
{
	const char *q = srv_arg(r, "q");
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_facets *f = NULL;
	trawl_status st;
	int64_t limit;
	int rc = MHD_NO;

	memset(&err, 0, sizeof(err));
	if (srv_int_arg(r, "limit", 10, 1, 100, &limit, &rc))
		return rc;
	ar = srv_query_reader(r, &q, &err, &rc);
	if (!ar)
		return rc;
	st = trawl_facets_get(ar, q, (size_t)limit, &f, &err);
	if (st == TRAWL_ESYNTAX)
		return srv_syntax_error(r, q, &err);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot count facets");
	{
		json_t *o = tj_facets(f);

		trawl_facets_free(f);
		if (o)
			json_object_set_new(o, "query", json_string(q));
		return srv_json(r, 200, o);
	}
}
