/*
 * stats.c - the counters and the latency histogram behind GET /api/server
 * (stats.h).  Latencies go into buckets 10 % apart, so recording one is an
 * atomic increment and a percentile is read without keeping every sample.
 */
#include <stdint.h>

#include "stats.h"

srv_counters srv_stats;

/* Latencies in buckets growing by 10 %: 0.1 ms to about 2 min in 150. */
#define LAT_BUCKETS 150
static uint64_t lat[LAT_BUCKETS];

static int lat_bucket(double us)
{
	int b = 0;
	double edge = 100.0;

	while (us > edge && b < LAT_BUCKETS - 1) {
		edge *= 1.1;
		b++;
	}
	return b;
}

void srv_latency_record(int64_t us)
{
	__atomic_add_fetch(&lat[lat_bucket((double)us)], 1, __ATOMIC_RELAXED);
}

uint64_t srv_latency_count(void)
{
	uint64_t n = 0;
	int b;

	for (b = 0; b < LAT_BUCKETS; b++)
		n += __atomic_load_n(&lat[b], __ATOMIC_RELAXED);
	return n;
}

double srv_latency_pct(double p)
{
	uint64_t n = srv_latency_count(), want, seen = 0;
	double edge = 100.0;
	int b;

	if (!n)
		return 0;
	want = (uint64_t)(p / 100.0 * (double)n + 0.5);
	for (b = 0; b < LAT_BUCKETS; b++, edge *= 1.1) {
		seen += __atomic_load_n(&lat[b], __ATOMIC_RELAXED);
		if (seen >= want)
			return edge / 1000.0; /* the bucket's upper edge, ms */
	}
	return edge / 1000.0;
}
