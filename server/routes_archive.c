/*
 * routes_archive.c - the routes about the archive and the server as a
 * whole: statistics, the error list, and the server's own counters for an
 * operator watching a busy day.
 */
#include <string.h>

#include "pool.h"
#include "routes.h"
#include "stats.h"

/* ---------------------------------------------------------------- stats */

int srv_h_stats(srv_req *r)
{
	trawl_archive *ar;
	trawl_stats s;
	trawl_status st;
	int rc = MHD_NO;

	ar = srv_reader(r, &rc);
	if (!ar)
		return rc;
	st = trawl_stats_get(ar, &s);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot compute statistics");
	return srv_json(r, 200, tj_stats(ar, &s));
}

struct errs {
	json_t *arr;
	int64_t n, offset, limit;
};

static int add_error(const trawl_error *e, void *ud)
{
	struct errs *x = ud;

	if (x->n >= x->offset && x->n < x->offset + x->limit)
		json_array_append_new(x->arr, tj_error(e));
	x->n++;
	return 0;
}

int srv_h_errors(srv_req *r)
{
	trawl_archive *ar;
	struct errs x;
	trawl_status st;
	int rc = MHD_NO;

	memset(&x, 0, sizeof(x));
	if (srv_int_arg(r, "offset", 0, 0, SRV_MAX_OFFSET, &x.offset, &rc) ||
	    srv_int_arg(r, "size", 100, 1, SRV_MAX_PAGE, &x.limit, &rc))
		return rc;
	ar = srv_reader(r, &rc);
	if (!ar)
		return rc;
	x.arr = json_array();
	st = trawl_errors(ar, add_error, &x);
	if (st != TRAWL_OK) {
		json_decref(x.arr);
		return srv_lib_error(r, ar, st, "cannot list errors");
	}
	return srv_json(r, 200, json_pack("{s:I, s:I, s:o}", "total", (json_int_t)x.n, "offset",
					  (json_int_t)x.offset, "errors", x.arr));
}

/* How the server itself is doing: for an operator watching a busy day. */
int srv_h_server(srv_req *r)
{
	size_t qc = 0, qb = 0;
	uint64_t runs = __atomic_load_n(&srv_stats.pool_runs, __ATOMIC_RELAXED);

#define LOAD(f) ((json_int_t)__atomic_load_n(&srv_stats.f, __ATOMIC_RELAXED))
	srv_pool_depth(&qc, &qb);
	return srv_json(r, 200, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:{s:I, s:f, s:f, s:f, s:f}}",
		"threads", (json_int_t)srv_cfg.threads,
		"api_requests", LOAD(requests),
		"cache_hits", LOAD(cache_hits),
		"cache_stale_hits", LOAD(cache_stale),
		"cache_waits", LOAD(cache_waits),
		"pool_runs", (json_int_t)runs,
		"background_refreshes", LOAD(refreshes),
		"queued", (json_int_t)(qc + qb),
		"avg_queue_ms", runs ? (double)LOAD(queue_us) / 1000.0 / (double)runs : 0.0,
		"avg_run_ms", runs ? (double)LOAD(run_us) / 1000.0 / (double)runs : 0.0,
		"busy_503", LOAD(busy),
		"latency_ms", "requests", (json_int_t)srv_latency_count(), "p50", srv_latency_pct(50),
		"p90", srv_latency_pct(90), "p95", srv_latency_pct(95), "p99", srv_latency_pct(99)));
#undef LOAD
}
