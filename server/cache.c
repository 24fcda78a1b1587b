/*
 * cache.c - a short-lived cache of API responses, shared by the worker
 * threads, so that many readers asking the same thing cost one query.
 *
 * A newsroom shares an archive: the same searches, facet counts and
 * timelines are asked for again and again (every page load of a shared
 * link, every reader of the same story), and a single search with its
 * count, snippets and facets costs tens of milliseconds of CPU.  Responses
 * to cacheable GET routes (see SRV_CACHE in srv_routes[], routes.c) are kept, keyed by
 * the request URI, for as long as the archive's files (the database and
 * its write-ahead log) have not changed since the answer was computed, up
 * to SRV_CACHE_STABLE_MS; while they change (a running `trawl ingest`),
 * an answer is fresh for --cache-ms (SRV_CACHE_MS by default).  After
 * that it is still given, while a refresh computed in the background (on
 * the pool, behind every request a client waits for) replaces it; an
 * answer older than SRV_CACHE_STALE_MS is never given.  Readers during an
 * ingest thus get answers at once that trail the ingest by seconds,
 * rather than each waiting for a query.  The server's own writes (tags,
 * notes) empty the cache at once, so a reporter sees their change in the
 * next search.
 *
 * Concurrent misses on one key are collapsed: the first request computes
 * (on the pool), the others are parked on the entry, suspended, holding
 * no thread, and are answered from the result the moment it is stored (a
 * link shared in a chat produces exactly that burst).  If the computing
 * request produces nothing cacheable, the parked requests go to the pool
 * to compute for themselves.
 *
 * Memory is bounded: at most SRV_CACHE_BYTES of bodies, each at most
 * SRV_CACHE_ITEM; the least recently used entries go first.
 *
 * This file knows requests only as tickets (cache.h): answering one,
 * sending one to compute and queueing a refresh are its user's operations,
 * so that http.c uses the cache and the pool without either calling back
 * into it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cache.h"
#include "stats.h"

#define NBUCKETS 4096

typedef struct entry {
	struct entry *next;          /* hash chain */
	struct entry *newer, *older; /* LRU list */
	uint64_t hash;
	char *key;
	char *body;                  /* NULL while pending */
	size_t len;
	unsigned status;
	int64_t born_ms;
	uint64_t gen;                /* srv_cache_clear() count when it began */
	uint64_t fp;                 /* archive fingerprint when it began */
	int pending;
	int refreshing;              /* a background refresh is queued or running */
	srv_cache_ticket *waiters;   /* parked while pending (next_waiter) */
} entry;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry *buckets[NBUCKETS];
static entry *newest, *oldest;
static size_t bytes;
static uint64_t gen;
static int64_t cache_ms = SRV_CACHE_MS;
static const char *archive_path = "";
static const srv_cache_ops *ops;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A fingerprint of the archive's files: any commit by any process
 * changes the write-ahead log's size or time (and a checkpoint the
 * database's), so equal fingerprints mean the same archive. */
static uint64_t fingerprint(void)
{
	const char *suffix[] = {"", "-wal"};
	uint64_t h = 1469598103934665603ull;
	char path[4200];
	struct stat sb;
	size_t i;

	for (i = 0; i < 2; i++) {
		uint64_t v[4] = {0, 0, 0, 0};
		size_t k;

		snprintf(path, sizeof(path), "%s%s", archive_path, suffix[i]);
		if (stat(path, &sb) == 0) {
			v[0] = (uint64_t)sb.st_mtim.tv_sec;
			v[1] = (uint64_t)sb.st_mtim.tv_nsec;
			v[2] = (uint64_t)sb.st_size;
			v[3] = (uint64_t)sb.st_ino;
		}
		for (k = 0; k < 4; k++) {
			h ^= v[k];
			h *= 1099511628211ull;
		}
	}
	return h;
}

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static void lru_unlink(entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		oldest = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push(entry *e)
{
	e->older = newest;
	e->newer = NULL;
	if (newest)
		newest->newer = e;
	newest = e;
	if (!oldest)
		oldest = e;
}

static void drop(entry *e)
{
	entry **pp = &buckets[e->hash % NBUCKETS];

	while (*pp && *pp != e)
		pp = &(*pp)->next;
	if (*pp)
		*pp = e->next;
	lru_unlink(e);
	bytes -= e->len;
	free(e->key);
	free(e->body);
	free(e);
}

static entry *find(const char *key, uint64_t h)
{
	entry *e;

	for (e = buckets[h % NBUCKETS]; e; e = e->next)
		if (e->hash == h && !strcmp(e->key, key))
			return e;
	return NULL;
}

void srv_cache_init(const char *path, const srv_cache_ops *o)
{
	archive_path = path;
	ops = o;
}

void srv_cache_set_ms(int64_t ms)
{
	cache_ms = ms;
}

/* Queue a background refresh of `key` (the caller marked the entry). */
static void refresh(const char *key, const void *route, uint64_t g, uint64_t fp)
{
	if (ops->refresh(key, route, g, fp) != 0) {
		entry *e;

		pthread_mutex_lock(&mu);
		e = find(key, hash_key(key));
		if (e)
			e->refreshing = 0;
		pthread_mutex_unlock(&mu);
	}
}

int srv_cache_peek(const char *key, const void *route, char **body, size_t *len,
		   unsigned *status)
{
	uint64_t h = hash_key(key), fp, g = 0;
	entry *e;
	int hit = 0, spawn = 0;

	if (cache_ms <= 0)
		return 0;
	fp = fingerprint();
	pthread_mutex_lock(&mu);
	e = find(key, h);
	if (e && !e->pending) {
		int64_t age = now_ms() - e->born_ms;

		if (age <= (e->fp == fp ? SRV_CACHE_STABLE_MS : cache_ms)) {
			hit = 1;
		} else if (e->fp != fp && age <= SRV_CACHE_STALE_MS && route) {
			hit = 1;
			SRV_COUNT(cache_stale, 1);
			if (!e->refreshing) {
				e->refreshing = 1;
				spawn = 1;
				g = gen;
			}
		}
	}
	if (hit) {
		*body = malloc(e->len ? e->len : 1);
		if (*body) {
			memcpy(*body, e->body, e->len);
			*len = e->len;
			*status = e->status;
			lru_unlink(e);
			lru_push(e);
		} else {
			hit = 0;
		}
	}
	pthread_mutex_unlock(&mu);
	if (spawn)
		refresh(key, route, g, fp);
	return hit;
}

srv_cache_result srv_cache_park(srv_cache_ticket *t)
{
	const char *key = t->key;
	uint64_t h = hash_key(key), fp;
	entry *e;
	int64_t now;

	if (cache_ms <= 0)
		return SRV_CACHE_BYPASS;
	fp = fingerprint();
	pthread_mutex_lock(&mu);
	now = now_ms();
	e = find(key, h);
	if (e && !e->pending && now - e->born_ms > (e->fp == fp ? SRV_CACHE_STABLE_MS : cache_ms)) {
		drop(e);
		e = NULL;
	}
	if (e && e->pending) {
		t->next_waiter = e->waiters;
		e->waiters = t;
		pthread_mutex_unlock(&mu);
		return SRV_CACHE_WAIT;
	}
	if (e) {
		/* Stored between the caller's peek and now. */
		char *copy = malloc(e->len ? e->len : 1);
		size_t len = e->len;
		unsigned status = e->status;

		if (copy)
			memcpy(copy, e->body, len);
		pthread_mutex_unlock(&mu);
		if (!copy)
			return SRV_CACHE_BYPASS;
		ops->answer(t->req, copy, len, status);
		free(copy);
		return SRV_CACHE_HIT;
	}
	e = calloc(1, sizeof(*e));
	if (e)
		e->key = strdup(key);
	if (!e || !e->key) {
		free(e);
		pthread_mutex_unlock(&mu);
		return SRV_CACHE_BYPASS;
	}
	e->hash = h;
	e->pending = 1;
	e->gen = gen;
	e->fp = fp;
	e->next = buckets[h % NBUCKETS];
	buckets[h % NBUCKETS] = e;
	lru_push(e);
	t->owner = 1;
	t->gen = gen;
	t->fp = fp;
	pthread_mutex_unlock(&mu);
	return SRV_CACHE_MISS;
}

/* Make room: the least recently used answers go, never one in the works. */
static void trim(const entry *keep)
{
	while (bytes > SRV_CACHE_BYTES && oldest && oldest != keep) {
		entry *o = oldest;

		if (o->pending || o->refreshing) {
			lru_unlink(o);
			lru_push(o);
			if (oldest == o)
				break;
			continue;
		}
		drop(o);
	}
}

void srv_cache_end(srv_cache_ticket *t, const char *body, size_t len, unsigned status)
{
	const char *key = t->key;
	uint64_t h = hash_key(key);
	srv_cache_ticket *waiters = NULL, *w, *next;
	int stored = 0;
	entry *e;

	t->owner = 0;
	pthread_mutex_lock(&mu);
	e = find(key, h);
	/* An answer computed across a write may predate it: not kept. */
	if (e && e->pending) {
		waiters = e->waiters;
		e->waiters = NULL;
		if (body && t->gen == gen && len <= SRV_CACHE_ITEM &&
		    (e->body = malloc(len ? len : 1)) != NULL) {
			memcpy(e->body, body, len);
			e->len = len;
			e->status = status;
			e->pending = 0;
			e->born_ms = now_ms();
			e->fp = t->fp;
			bytes += len;
			stored = 1;
			trim(e);
		} else {
			drop(e);
		}
	} else if (e && t->refresh && e->refreshing) {
		char *nb = NULL;

		e->refreshing = 0;
		if (body && t->gen == gen && len <= SRV_CACHE_ITEM && (nb = malloc(len ? len : 1))) {
			memcpy(nb, body, len);
			free(e->body);
			bytes -= e->len;
			e->body = nb;
			e->len = len;
			e->status = status;
			e->born_ms = now_ms();
			e->fp = t->fp;
			bytes += len;
			trim(e);
		}
	}
	pthread_mutex_unlock(&mu);
	/* Outside the lock: answering resumes connections. */
	for (w = waiters; w; w = next) {
		next = w->next_waiter;
		w->next_waiter = NULL;
		if (stored || (body && status))
			ops->answer(w->req, body, len, status);
		else
			ops->retry(w->req);
	}
}

void srv_cache_clear(void)
{
	entry *e, *older;

	pthread_mutex_lock(&mu);
	gen++;
	for (e = newest; e; e = older) {
		older = e->older;
		if (!e->pending)
			drop(e);
	}
	pthread_mutex_unlock(&mu);
}

void srv_cache_free(void)
{
	entry *e, *older;

	pthread_mutex_lock(&mu);
	for (e = newest; e; e = older) {
		older = e->older;
		drop(e);
	}
	pthread_mutex_unlock(&mu);
}
