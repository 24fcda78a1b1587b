/*
 * maps.c - small open-addressing hash maps for the derived-data passes
 * (threading, people): string -> integer and integer -> integer; and the
 * writer's bounded cache of ids by string (tw_id_cache); a growable array
 * of ids (tw_ids).
 *
 * These passes hold one entry per message, Message-ID or address of the
 * part of the archive they touch, so the maps grow with the archive and
 * must never abort: every insertion reports allocation failure.  Keys are
 * copied; values are plain integers (usually indexes into the caller's
 * arrays).
 */
#include <stdlib.h>
#include <string.h>

#include "tw.h"

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

static uint64_t hash_int(int64_t k)
{
	uint64_t x = (uint64_t)k;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x ? x : 1;
}

int tw_strmap_get(const tw_strmap *m, const char *key, int64_t *val)
{
	uint64_t h;
	size_t i;

	if (!m->cap || !key)
		return 0;
	h = hash_str(key);
	for (i = h & (m->cap - 1); m->slots[i].hash; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0) {
			if (val)
				*val = m->slots[i].val;
			return 1;
		}
	}
	return 0;
}

static int strmap_grow(tw_strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256, i, j;
	tw_strslot *s = tw_calloc(cap, sizeof(*s));

	if (!s)
		return -1;
	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i].hash)
			continue;
		for (j = m->slots[i].hash & (cap - 1); s[j].hash; j = (j + 1) & (cap - 1))
			;
		s[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return 0;
}

int tw_strmap_put(tw_strmap *m, const char *key, int64_t val)
{
	uint64_t h;
	size_t i;

	if (!key)
		return -1;
	if ((m->len + 1) * 2 > m->cap && strmap_grow(m))
		return -1;
	h = hash_str(key);
	for (i = h & (m->cap - 1); m->slots[i].hash; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0) {
			m->slots[i].val = val;
			return 0;
		}
	}
	m->slots[i].key = tw_strdup(key);
	if (!m->slots[i].key)
		return -1;
	m->slots[i].hash = h;
	m->slots[i].val = val;
	m->len++;
	return 0;
}

void tw_strmap_release(tw_strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

int tw_intmap_get(const tw_intmap *m, int64_t key, int64_t *val)
{
	uint64_t h;
	size_t i;

	if (!m->cap)
		return 0;
	h = hash_int(key);
	for (i = h & (m->cap - 1); m->slots[i].used; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key) {
			if (val)
				*val = m->slots[i].val;
			return 1;
		}
	}
	return 0;
}

int tw_intmap_put(tw_intmap *m, int64_t key, int64_t val)
{
	size_t i;

	if ((m->len + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256, j;
		tw_intslot *s = tw_calloc(cap, sizeof(*s));

		if (!s)
			return -1;
		for (i = 0; i < m->cap; i++) {
			if (!m->slots[i].used)
				continue;
			for (j = hash_int(m->slots[i].key) & (cap - 1); s[j].used; j = (j + 1) & (cap - 1))
				;
			s[j] = m->slots[i];
		}
		free(m->slots);
		m->slots = s;
		m->cap = cap;
	}
	for (i = hash_int(key) & (m->cap - 1); m->slots[i].used; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key) {
			m->slots[i].val = val;
			return 0;
		}
	}
	m->slots[i].used = 1;
	m->slots[i].key = key;
	m->slots[i].val = val;
	m->len++;
	return 0;
}

void tw_intmap_release(tw_intmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* ---------------------------------------------------------------- union-find */

int tw_uf_init(tw_uf *u, size_t n)
{
	size_t i;

	u->n = n;
	u->parent = tw_malloc((n ? n : 1) * sizeof(*u->parent));
	if (!u->parent)
		return -1;
	for (i = 0; i < n; i++)
		u->parent[i] = i;
	return 0;
}

size_t tw_uf_find(tw_uf *u, size_t x)
{
	size_t r = x;

	while (u->parent[r] != r)
		r = u->parent[r];
	while (u->parent[x] != r) { /* path compression */
		size_t next = u->parent[x];

		u->parent[x] = r;
		x = next;
	}
	return r;
}

void tw_uf_union(tw_uf *u, size_t a, size_t b)
{
	a = tw_uf_find(u, a);
	b = tw_uf_find(u, b);
	/* The smaller index becomes the root, so a component's root is its
	 * first member: callers rely on that for stable ids. */
	if (a < b)
		u->parent[b] = a;
	else if (b < a)
		u->parent[a] = b;
}

void tw_uf_release(tw_uf *u)
{
	free(u->parent);
	memset(u, 0, sizeof(*u));
}

/* ---------------------------------------------------------------- ids */

int tw_ids_push(tw_ids *l, int64_t id)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		int64_t *v = tw_realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->oom = 1;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return 0;
}

int tw_ids_collect(int64_t id, void *ud)
{
	return tw_ids_push(ud, id);
}

void tw_ids_release(tw_ids *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---------------------------------------------------------------- id cache */

/* The writer's cache of ids by string (addresses, shared metadata values):
 * a mail dump names the same few thousand addresses over and over.  It is
 * emptied when it reaches ID_CACHE_MAX entries; a miss only costs a
 * look-up.  h is the caller's hash of the string. */
#define ID_CACHE_MAX (1u << 20)

void tw_id_cache_clear(tw_id_cache *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		free(c->slots[i].addr);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}

int64_t tw_id_cache_get(tw_id_cache *c, const char *addr, uint64_t h)
{
	size_t i;

	if (!c->cap)
		return 0;
	for (i = h & (c->cap - 1); c->slots[i].addr; i = (i + 1) & (c->cap - 1))
		if (c->slots[i].hash == h && strcmp(c->slots[i].addr, addr) == 0)
			return c->slots[i].id;
	return 0;
}

void tw_id_cache_put(tw_id_cache *c, const char *addr, uint64_t h, int64_t id)
{
	size_t i;

	if (c->len >= ID_CACHE_MAX)
		tw_id_cache_clear(c);
	if ((c->len + 1) * 2 > c->cap) {
		tw_id_cache n;
		size_t k;

		memset(&n, 0, sizeof(n));
		n.cap = c->cap ? c->cap * 2 : 4096;
		n.slots = tw_calloc(n.cap, sizeof(*n.slots));
		if (!n.slots)
			return;
		for (k = 0; k < c->cap; k++) {
			if (!c->slots[k].addr)
				continue;
			for (i = c->slots[k].hash & (n.cap - 1); n.slots[i].addr; i = (i + 1) & (n.cap - 1))
				;
			n.slots[i] = c->slots[k];
		}
		n.len = c->len;
		free(c->slots);
		*c = n;
	}
	for (i = h & (c->cap - 1); c->slots[i].addr; i = (i + 1) & (c->cap - 1))
		;
	c->slots[i].addr = tw_strdup(addr);
	if (!c->slots[i].addr)
		return;
	c->slots[i].hash = h;
	c->slots[i].id = id;
	c->len++;
}
