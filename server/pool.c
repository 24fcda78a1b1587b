/*
 * pool.c - the threads that run API handlers, apart from the threads that
 * talk HTTP.
 *
 * libmicrohttpd's worker threads each poll many connections; a search
 * that takes 200 ms on one of them would hold up every other connection
 * it polls, cheap cache hits included.  So those threads only parse
 * requests, check them, answer from the cache and serve the UI files; a
 * request that needs the archive is suspended (MHD_suspend_connection),
 * queued here, run by one of these threads, and resumed with its response
 * ready (srv_req.deferred_resp, queued by http.c when libmicrohttpd calls
 * back).
 *
 * The queue is bounded (SRV_MAX_QUEUE): beyond it a request is answered
 * 503 at once rather than waiting without limit.  Background refreshes of
 * cached answers (cache.c) have a queue of their own and run only when no
 * client is waiting.  At shutdown the queue
 * is drained with 503s, so that every suspended connection is resumed
 * before the daemon stops, as libmicrohttpd requires.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

#define SRV_MAX_QUEUE 4096

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
/* Two queues: requests a client waits for, and background refreshes of
 * cached answers, which run only when no client request is waiting. */
static srv_req *queue[2][SRV_MAX_QUEUE];
static size_t head[2], count[2];
static int stopping;
static unsigned turn;
static pthread_t *threads;
srv_counters srv_stats;

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void srv_pool_depth(size_t *client, size_t *background)
{
	pthread_mutex_lock(&mu);
	*client = count[0];
	*background = count[1];
	pthread_mutex_unlock(&mu);
}
static unsigned nthreads;

/* Give the request its response and hand it back to libmicrohttpd; a
 * background refresh has nobody to answer. */
static void finish(srv_req *r)
{
	if (r->background) {
		if (r->cache_owner)
			srv_cache_end(r, NULL, 0, 0);
		srv_req_free(r);
		return;
	}
	if (!r->deferred_resp)
		srv_error(r, 500, "internal", "the request produced no response", NULL);
	MHD_resume_connection(r->conn);
}

static void *worker(void *arg)
{
	/* Below the polling threads: when the processor is short, answers
	 * from the cache and the UI files go out first, and queries take
	 * what is left (Linux: nice is per thread). */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	for (;;) {
		srv_req *r;

		int k;

		pthread_mutex_lock(&mu);
		while (!count[0] && !count[1] && !stopping)
			pthread_cond_wait(&work, &mu);
		if (!count[0] && !count[1]) {
			pthread_mutex_unlock(&mu);
			break;
		}
		/* Clients first, but one run in eight goes to a waiting refresh,
		 * so that answers served stale do not age without end under a
		 * steady stream of misses. */
		k = count[0] && (!count[1] || ++turn % 8) ? 0 : 1;
		r = queue[k][head[k]];
		head[k] = (head[k] + 1) % SRV_MAX_QUEUE;
		count[k]--;
		pthread_mutex_unlock(&mu);
		if (stopping && !r->background) {
			srv_error(r, 503, "stopping", "the server is stopping", NULL);
		} else if (!stopping) {
			int64_t t0 = mono_us();

			SRV_COUNT(queue_us, (uint64_t)(t0 - r->queued_us));
			SRV_COUNT(pool_runs, 1);
			if (r->background)
				SRV_COUNT(refreshes, 1);
			srv_run(r);
			SRV_COUNT(run_us, (uint64_t)(mono_us() - t0));
		}
		finish(r);
	}
	return NULL;
}

int srv_pool_start(unsigned n)
{
	unsigned i;

	threads = calloc(n, sizeof(*threads));
	if (!threads)
		return -1;
	for (i = 0; i < n; i++) {
		if (pthread_create(&threads[i], NULL, worker, NULL) != 0)
			break;
	}
	nthreads = i;
	return nthreads ? 0 : -1;
}

/* Called from an access handler, with r->conn suspended by the caller;
 * returns -1 when the queue is full (the caller answers 503). */
int srv_pool_submit(srv_req *r)
{
	int k = r->background ? 1 : 0;

	pthread_mutex_lock(&mu);
	if (count[k] == SRV_MAX_QUEUE || stopping) {
		pthread_mutex_unlock(&mu);
		SRV_COUNT(busy, 1);
		return -1;
	}
	r->queued_us = mono_us();
	queue[k][(head[k] + count[k]) % SRV_MAX_QUEUE] = r;
	count[k]++;
	pthread_cond_signal(&work);
	pthread_mutex_unlock(&mu);
	return 0;
}

void srv_pool_stop(void)
{
	unsigned i;

	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_broadcast(&work);
	pthread_mutex_unlock(&mu);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	threads = NULL;
	nthreads = 0;
}
