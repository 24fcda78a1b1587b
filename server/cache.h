/*
 * cache.h - answers of cacheable API requests kept in memory, keyed by
 * URI (cache.c says when an answer is fresh, stale or dropped).
 *
 * A building block: the cache holds bytes and parks tickets; it does not
 * know what a request, a response or a thread pool is.  What it needs done
 * to them (answer a parked request, let it compute, queue a refresh) it
 * asks of the srv_cache_ops its user (http.c) installs.
 */
#ifndef TRAWL_SRV_CACHE_H
#define TRAWL_SRV_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define SRV_CACHE_MS 2000            /* cached answers while the archive changes */
#define SRV_CACHE_STABLE_MS 600000   /* ... and while it does not */
#define SRV_CACHE_STALE_MS 60000     /* oldest answer given while a fresh one is made */
#define SRV_CACHE_BYTES (64u << 20)  /* bodies held by the response cache */
#define SRV_CACHE_ITEM (4u << 20)    /* largest body cached */

/* What the cache knows of one request; embedded in it.  Zero is "not
 * taking part". */
typedef struct srv_cache_ticket {
	const char *key;      /* the URI the answer depends on (owned by the request) */
	void *req;            /* handed back to srv_cache_ops */
	int owner;            /* this request computes the entry: srv_cache_end() */
	int refresh;          /* a background refresh of a stored answer */
	uint64_t gen, fp;     /* cache generation and archive fingerprint when it began */
	struct srv_cache_ticket *next_waiter; /* parked on the same answer */
} srv_cache_ticket;

typedef struct srv_cache_ops {
	/* Answer parked request `req` with a stored body (copy it) and wake it. */
	void (*answer)(void *req, const char *body, size_t len, unsigned status);
	/* The request `req` waited for produced nothing cacheable: it
	 * computes its own answer. */
	void (*retry)(void *req);
	/* Queue a background refresh of `key`, computed by `route` (from
	 * srv_cache_peek), whose ticket must carry refresh, owner, gen and
	 * fp as given; 0 when queued. */
	int (*refresh)(const char *key, const void *route, uint64_t gen, uint64_t fp);
} srv_cache_ops;

/* Before any other call: the archive whose files date the answers, and
 * the caller's operations (both must outlive the cache). */
void srv_cache_init(const char *archive_path, const srv_cache_ops *ops);
void srv_cache_set_ms(int64_t ms); /* 0 turns the cache off */

typedef enum srv_cache_result {
	SRV_CACHE_BYPASS = 0, /* no cache for this request: compute, store nothing */
	SRV_CACHE_HIT,        /* answered (ops->answer) */
	SRV_CACHE_WAIT,       /* parked: answered when the computing request ends */
	SRV_CACHE_MISS        /* t->owner set: compute, then srv_cache_end() */
} srv_cache_result;

/* Without waiting: 1 and a copy of the answer (caller frees) when `key` is
 * cached.  An answer past --cache-ms while the archive changes is still
 * given, once, while a refresh of it (ops->refresh with `route`) is
 * queued. */
int srv_cache_peek(const char *key, const void *route, char **body, size_t *len,
		   unsigned *status);
/* For a request whose peek missed: answer it, park it behind the request
 * computing the same key, or make it the one that computes. */
srv_cache_result srv_cache_park(srv_cache_ticket *t);
/* Store the answer of the computing request or refresh `t` (body NULL:
 * nothing to store), answer the parked ones or let them retry, and clear
 * t->owner. */
void srv_cache_end(srv_cache_ticket *t, const char *body, size_t len, unsigned status);
/* Forget every answer (after a write). */
void srv_cache_clear(void);
void srv_cache_free(void);

#endif
