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
 * ready (http.c keeps the response and queues it when libmicrohttpd calls
 * back).
 *
 * The queue is bounded (SRV_MAX_QUEUE): beyond it a request is answered
 * 503 at once rather than waiting without limit.  Background refreshes of
 * cached answers (cache.c) have a queue of their own and run only when no
 * client is waiting.  At shutdown the queue is drained through
 * srv_pool_ops.refuse (http.c answers 503), so that every suspended
 * connection is resumed before the daemon stops, as libmicrohttpd
 * requires.  Tasks are opaque here (pool.h): the pool calls nothing of
 * http.c or cache.c but the operations it was started with.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include "pool.h"
#include "stats.h"

#define SRV_MAX_QUEUE 4096

typedef struct task {
	void *task;
	int64_t queued_us; /* when it entered the queue */
} task;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
/* Two queues: requests a client waits for, and background refreshes of
 * cached answers, which run only when no client request is waiting. */
static task queue[2][SRV_MAX_QUEUE];
static size_t head[2], count[2];
static int stopping;
static unsigned turn;
static pthread_t *threads;
static const srv_pool_ops *ops;

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

static void *worker(void *arg)
{
	/* Below the polling threads: when the processor is short, answers
	 * from the cache and the UI files go out first, and queries take
	 * what is left (Linux: nice is per thread). */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	for (;;) {
		task t;
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
		t = queue[k][head[k]];
		head[k] = (head[k] + 1) % SRV_MAX_QUEUE;
		count[k]--;
		pthread_mutex_unlock(&mu);
		if (stopping) {
			ops->refuse(t.task, k);
		} else {
			int64_t t0 = mono_us();

			SRV_COUNT(queue_us, (uint64_t)(t0 - t.queued_us));
			SRV_COUNT(pool_runs, 1);
			if (k)
				SRV_COUNT(refreshes, 1);
			ops->run(t.task, k);
			SRV_COUNT(run_us, (uint64_t)(mono_us() - t0));
		}
	}
	return NULL;
}

int srv_pool_start(unsigned n, const srv_pool_ops *o)
{
	unsigned i;

	ops = o;
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

int srv_pool_submit(void *t, int background)
{
	int k = background ? 1 : 0;

	pthread_mutex_lock(&mu);
	if (count[k] == SRV_MAX_QUEUE || stopping) {
		pthread_mutex_unlock(&mu);
		SRV_COUNT(busy, 1);
		return -1;
	}
	queue[k][(head[k] + count[k]) % SRV_MAX_QUEUE] = (task){t, mono_us()};
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
