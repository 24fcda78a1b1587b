/*
 * pool.h - a few threads that run tasks from a bounded queue, apart from
 * the threads that talk HTTP (pool.c says why).
 *
 * A building block: a task is an opaque pointer, and what running it (or
 * refusing it at shutdown) means is given by the caller (http.c) in
 * srv_pool_ops.  The pool knows nothing of requests, responses or the
 * cache, so that they may use it without it using them.
 */
#ifndef TRAWL_SRV_POOL_H
#define TRAWL_SRV_POOL_H

#include <stddef.h>

typedef struct srv_pool_ops {
	/* Run the task on a pool thread; the task is the callee's after. */
	void (*run)(void *task, int background);
	/* The pool is stopping: the task will not run; answer and release it. */
	void (*refuse)(void *task, int background);
} srv_pool_ops;

/* Start n threads; -1 when none could start.  `ops` must outlive the pool. */
int srv_pool_start(unsigned n, const srv_pool_ops *ops);
/* Queue a task; -1 when the queue is full or the pool stopping (the
 * caller keeps the task).  Background tasks (cache refreshes) wait until
 * no client task does. */
int srv_pool_submit(void *task, int background);
/* Refuse what is queued and join the threads; before MHD_stop_daemon. */
void srv_pool_stop(void);
/* Tasks waiting in the queues: client, background. */
void srv_pool_depth(size_t *client, size_t *background);

#endif
