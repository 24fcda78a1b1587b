/*
 * stats.h - the counters `GET /api/server` reports: requests, cache use,
 * pool queueing and run times, and a latency histogram.
 *
 * A building block of `trawl serve` below everything else: any file may
 * count, and this one knows nothing of HTTP, the pool or the cache.
 * Relaxed atomics: the figures are for operators, not proofs.
 */
#ifndef TRAWL_SRV_STATS_H
#define TRAWL_SRV_STATS_H

#include <stdint.h>

typedef struct srv_counters {
	uint64_t requests;        /* API requests dispatched */
	uint64_t cache_hits;      /* answered from memory on the polling threads */
	uint64_t cache_stale;     /* of which past --cache-ms, refreshed behind */
	uint64_t cache_waits;     /* parked behind the same request in the works */
	uint64_t pool_runs;       /* handlers run on the pool */
	uint64_t refreshes;       /* background refreshes run */
	uint64_t queue_us;        /* total time requests waited in the pool queue */
	uint64_t run_us;          /* total time handlers ran */
	uint64_t busy;            /* 503s for a full queue */
} srv_counters;
extern srv_counters srv_stats;
#define SRV_COUNT(field, n) __atomic_add_fetch(&srv_stats.field, (n), __ATOMIC_RELAXED)

/* Time from request line to response sent, by request (http.c records). */
void srv_latency_record(int64_t us);
/* The p-th percentile (0..100) of recorded latencies, in ms. */
double srv_latency_pct(double p);
uint64_t srv_latency_count(void);

#endif
