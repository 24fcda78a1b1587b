/*
 * people_read.c - the public side of people: listing them over the
 * messages of a query (trawl_people), one person (trawl_person_get),
 * resolving what the reporter typed to a person (trawl_person_find), the
 * edits by hand (trawl_people_merge, trawl_people_split), and the
 * correspondents of a person (trawl_contacts).
 *
 * The grouping itself is computed by lib/investigate/people.c; the counts
 * over a query's messages are aggregates the archive runs (tw_ar_people_list,
 * tw_ar_contacts) over the matches tw_query_temp() selected.  This file
 * turns what the archive stores into the structures the caller gets: a
 * person's name and main address default to its most used name and its
 * busiest address, and what trawl_person_get returns owns its strings.
 */
#include <stdlib.h>
#include <string.h>

#include "investigate/investigate.h"
#include "search/search.h"

typedef struct person_priv {
	trawl_person pub;
	tw_strpool pool;
} person_priv;

static const char *pkeep(person_priv *p, const char *s)
{
	return tw_strpool_keep(&p->pool, s);
}

void trawl_person_free(trawl_person *pp)
{
	person_priv *p = (person_priv *)pp;

	if (!pp)
		return;
	tw_strpool_release(&p->pool);
	free(pp->addrs);
	free(pp->names);
	free(p);
}

/* A caller-owned copy of the person the archive read: the name and main
 * address it has, else its most used name and its busiest address. */
static person_priv *person_copy(const trawl_person *in)
{
	person_priv *p = tw_calloc(1, sizeof(*p));
	size_t i;

	if (!p)
		return NULL;
	p->pub = *in;
	p->pub.addrs = NULL;
	p->pub.names = NULL;
	p->pub.naddrs = p->pub.nnames = 0;
	p->pub.name = pkeep(p, in->name);
	p->pub.addr = pkeep(p, in->addr);
	if (in->naddrs && (p->pub.addrs = tw_calloc(in->naddrs, sizeof(*p->pub.addrs)))) {
		for (i = 0; i < in->naddrs; i++) {
			p->pub.addrs[i].addr = pkeep(p, in->addrs[i].addr);
			p->pub.addrs[i].messages = in->addrs[i].messages;
			p->pub.addrs[i].why = pkeep(p, in->addrs[i].why);
		}
		p->pub.naddrs = in->naddrs;
	}
	if (in->nnames && (p->pub.names = tw_calloc(in->nnames, sizeof(*p->pub.names)))) {
		for (i = 0; i < in->nnames; i++) {
			p->pub.names[i].name = pkeep(p, in->names[i].name);
			p->pub.names[i].count = in->names[i].count;
		}
		p->pub.nnames = in->nnames;
	}
	if (!p->pub.addr && p->pub.naddrs)
		p->pub.addr = p->pub.addrs[0].addr;
	if (!p->pub.name)
		p->pub.name = p->pub.nnames ? p->pub.names[0].name : p->pub.addr;
	return p;
}

typedef struct list_ctx {
	trawl_archive *ar;
	trawl_person_fn fn;
	void *ud;
	trawl_status st;
	person_priv *one;    /* trawl_person_get: the copy, kept */
	uint64_t failures;   /* tw_alloc_failures() before this person was read */
} list_ctx;

/* A copy of the person the archive just read, or NULL with c->st set when
 * out of memory: in the copy, or while the archive read it (an address or
 * name lost on the way), so that no partial person is handed on. */
static person_priv *take(list_ctx *c, const trawl_person *in)
{
	person_priv *p = person_copy(in);

	if (p && tw_alloc_failures() == c->failures)
		return p;
	if (p)
		trawl_person_free(&p->pub);
	c->st = tw_fail(c->ar, TRAWL_ENOMEM, "out of memory");
	return NULL;
}

static int list_one(const trawl_person *in, void *ud)
{
	list_ctx *c = ud;
	person_priv *p = take(c, in);
	int stop;

	if (!p)
		return 1;
	stop = c->fn(&p->pub, c->ud);
	trawl_person_free(&p->pub);
	c->failures = tw_alloc_failures();
	return stop;
}

trawl_status trawl_people(trawl_archive *ar, const char *query, const trawl_people_opts *opts,
			  trawl_person_fn fn, void *ud, trawl_syntax_error *err)
{
	trawl_people_opts def;
	trawl_status st;
	int all = 1;
	list_ctx c;

	if (!opts) {
		memset(&def, 0, sizeof(def));
		opts = &def;
	}
	if (query && *query) {
		st = tw_query_temp(ar, query, "tw_pq", NULL, &all, err);
		if (st)
			return st;
	}
	memset(&c, 0, sizeof(c));
	c.ar = ar;
	c.fn = fn;
	c.ud = ud;
	c.failures = tw_alloc_failures();
	st = tw_ar_people_list(ar, all ? NULL : "tw_pq", opts->match, opts->by_name, opts->limit,
			       opts->offset, list_one, &c);
	return st ? st : c.st;
}

static int keep_one(const trawl_person *in, void *ud)
{
	list_ctx *c = ud;

	c->one = take(c, in);
	return 1;
}

trawl_status trawl_person_get(trawl_archive *ar, int64_t id, trawl_person **out)
{
	list_ctx c;
	trawl_status st;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.ar = ar;
	c.failures = tw_alloc_failures();
	st = tw_ar_person_read(ar, id, keep_one, &c);
	if (!st)
		st = c.st;
	if (st) {
		if (c.one)
			trawl_person_free(&c.one->pub);
		return st;
	}
	*out = &c.one->pub;
	return TRAWL_OK;
}

trawl_status trawl_person_find(trawl_archive *ar, const char *spec, int64_t *id)
{
	char *end, *canon = NULL;
	long long v;
	int64_t found[6];
	size_t n = 0, i;
	tw_buf msg;
	trawl_status st;

	*id = 0;
	if (!spec || !*spec)
		return tw_fail(ar, TRAWL_EINVAL, "no person given");
	if (!strncmp(spec, "person:", 7))
		spec += 7;
	v = strtoll(spec, &end, 10);
	if (*spec && !*end && v > 0) {
		int exists = 0;

		st = tw_ar_person_exists(ar, v, &exists);
		if (st)
			return st;
		if (!exists)
			return tw_fail(ar, TRAWL_ENOTFOUND, "no person with id %lld", v);
		*id = v;
		return TRAWL_OK;
	}
	if (strchr(spec, '@') || spec[0] == '/') {
		canon = tw_addr_canon(spec, NULL);
		st = tw_ar_addr_person(ar, canon ? canon : spec, id);
		free(canon);
		if (st)
			return st;
		if (!*id)
			return tw_fail(ar, TRAWL_ENOTFOUND, "no address '%s' in the archive", spec);
		return TRAWL_OK;
	}
	st = tw_ar_people_matching(ar, spec, found, TW_ARRAY_LEN(found), &n);
	if (st)
		return st;
	if (n == 0)
		return tw_fail(ar, TRAWL_ENOTFOUND, "nobody matches '%s'", spec);
	if (n == 1) {
		*id = found[0];
		return TRAWL_OK;
	}
	tw_buf_init(&msg, 900);
	tw_buf_printf(&msg, "'%s' fits several people; give an id or an address:", spec);
	for (i = 0; i < n && i < 5; i++) {
		char *name = NULL, *addr = NULL;

		if (tw_ar_person_label(ar, found[i], &name, &addr) == TRAWL_OK)
			tw_buf_printf(&msg, " %lld (%s <%s>)%s", (long long)found[i], name, addr,
				      i + 1 < n ? "," : "");
		free(name);
		free(addr);
	}
	if (n > 5)
		tw_buf_puts(&msg, " ...");
	tw_fail(ar, TRAWL_EINVAL, "%s", msg.data ? msg.data : "several people fit");
	tw_buf_release(&msg);
	return TRAWL_EINVAL;
}

/* Record an edit by hand and regroup, in one transaction. */
static trawl_status person_edit(trawl_archive *ar, const char *op, const char *addrs)
{
	trawl_status st = tw_ar_begin(ar);

	if (st)
		return st;
	st = tw_ar_person_edit_add(ar, op, addrs);
	if (!st)
		st = tw_people_regroup(ar);
	if (st) {
		tw_ar_rollback(ar);
		return st;
	}
	return tw_ar_commit(ar);
}

/* The main address of person `id`, canonical (caller frees). */
static char *person_addr(trawl_archive *ar, int64_t id)
{
	char *name = NULL, *addr = NULL, *a = NULL;

	if (tw_ar_person_label(ar, id, &name, &addr) == TRAWL_OK)
		a = tw_addr_canon(addr, NULL);
	free(name);
	free(addr);
	return a;
}

trawl_status trawl_people_merge(trawl_archive *ar, const char *a, const char *b)
{
	int64_t ia, ib;
	char *aa, *ab, *list;
	trawl_status st = tw_writable(ar);

	if (st)
		return st;
	if ((st = trawl_person_find(ar, a, &ia)) || (st = trawl_person_find(ar, b, &ib)))
		return st;
	if (ia == ib)
		return tw_fail(ar, TRAWL_EINVAL, "'%s' and '%s' are already the same person", a, b);
	aa = person_addr(ar, ia);
	ab = person_addr(ar, ib);
	list = aa && ab ? tw_asprintf("%s %s", aa, ab) : NULL;
	st = list ? person_edit(ar, "merge", list) : tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	free(aa);
	free(ab);
	free(list);
	return st;
}

trawl_status trawl_people_split(trawl_archive *ar, const char *const *addrs, size_t n)
{
	tw_buf list;
	trawl_status st = tw_writable(ar);
	size_t i;

	if (st)
		return st;
	if (!n)
		return tw_fail(ar, TRAWL_EINVAL, "split needs at least one address");
	tw_buf_init(&list, 1 << 16);
	for (i = 0; i < n && !st; i++) {
		char *c = tw_addr_canon(addrs[i], NULL);

		if (c && !strchr(c, ' ')) {
			int64_t pid = 0;

			st = tw_ar_addr_person(ar, c, &pid);
			if (!st && !pid)
				st = tw_fail(ar, TRAWL_ENOTFOUND, "no address '%s' in the archive", addrs[i]);
			if (list.len)
				tw_buf_putc(&list, ' ');
			tw_buf_puts(&list, c);
		} else {
			st = tw_fail(ar, TRAWL_EINVAL, "'%s' is not an address", addrs[i]);
		}
		free(c);
	}
	if (!st)
		st = person_edit(ar, "split", list.data);
	tw_buf_release(&list);
	return st;
}

trawl_status trawl_contacts(trawl_archive *ar, int64_t id, const char *query,
			    trawl_contact_fn fn, void *ud, trawl_syntax_error *err)
{
	trawl_status st;
	int all = 1;

	if (query && *query) {
		st = tw_query_temp(ar, query, "tw_cq", NULL, &all, err);
		if (st)
			return st;
	}
	return tw_ar_contacts(ar, id, all ? NULL : "tw_cq", fn, ud);
}
