/*
 * thread.c - conversations: which messages of the archive belong together,
 * kept in emails.thread_id, and the tree of one conversation for display.
 *
 * Membership follows JWZ's threading (https://www.jwz.org/doc/threading.html)
 * reduced to what decides membership: a message, its Message-ID and every
 * id named by its In-Reply-To and References are one conversation, so two
 * messages that name the same missing parent, replies stored before their
 * parents, and loops in References all end in the same conversation.  A
 * message with neither header but a reply subject ("Re: budget") is joined,
 * as a documented fallback, to messages with the same base subject dated at
 * most SUBJECT_WINDOW before it (or a day after, for skewed clocks) that
 * share a participant with it; forwards stay conversations of their own.
 *
 * After each ingest only the emails without a thread id are processed,
 * together with the conversations they touch (found through the indexes on
 * Message-IDs, on referenced ids (email_refs) and on base subjects
 * (email_subjects)); every rule is monotone, so this gives the same result as
 * threading everything again.  When emails were deleted (a changed file
 * re-ingested) everything is threaded again.  Thread ids are small integers
 * that stay the same while a conversation only grows; when conversations
 * merge, the smallest id is kept.
 *
 * The tree shown by `trawl thread` is computed on demand from the members:
 * JWZ's parent links (with loop checks and duplicate Message-IDs as
 * siblings), missing parents kept as placeholders at the root.
 *
 * The emails, the lookup keys and the thread ids are read and written
 * through the storage seam (tw_ar_thread_*; SQLite side
 * lib/archive/threads_db.c): this file decides, the archive stores.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "investigate/investigate.h"

#define SUBJECT_WINDOW (30 * 86400)
#define SUBJECT_SKEW 86400
#define MAX_REFS 512

/* ---------------------------------------------------------------- subjects */

static const char *const reply_words[] = {
	"re", "aw", "sv", "vs", "antw", "odp", "ref", "rif", "res", "atb", "ynt",
	"v\xc3\xa1", "\xe5\x9b\x9e\xe5\xa4\x8d", "\xe7\xad\x94\xe5\xa4\x8d",
};
static const char *const forward_words[] = {
	"fw", "fwd", "wg", "tr", "rv", "enc", "doorst", "vl", "pd", "\xe8\xbd\xac\xe5\x8f\x91",
};

/* Length of a prefix word (from the lists) followed by optional "[n]" or
 * "(n)" and a colon at s; 0 when none.  *kind: 1 reply, 2 forward. */
static size_t prefix_len(const char *s, int *kind)
{
	size_t i, w, k;

	for (k = 0; k < 2; k++) {
		const char *const *list = k ? forward_words : reply_words;
		size_t n = k ? TW_ARRAY_LEN(forward_words) : TW_ARRAY_LEN(reply_words);

		for (i = 0; i < n; i++) {
			w = strlen(list[i]);
			if (strncasecmp(s, list[i], w) != 0)
				continue;
			if (s[w] == '[' || s[w] == '(') {
				char close = s[w] == '[' ? ']' : ')';
				size_t j = w + 1;

				while (isdigit((unsigned char)s[j]) && j < w + 6)
					j++;
				if (s[j] != close)
					continue;
				w = j + 1;
			}
			while (s[w] == ' ')
				w++;
			if (s[w] == ':') {
				*kind = k ? 2 : 1;
				return w + 1;
			}
			if (!strncmp(s + w, "\xef\xbc\x9a", 3)) { /* full-width colon */
				*kind = k ? 2 : 1;
				return w + 3;
			}
		}
	}
	return 0;
}

char *tw_subject_base(const char *subject, int *reply)
{
	const char *s = subject ? subject : "";
	int first = 0, fwd = 0, kind;
	size_t n, guard;
	tw_buf b;

	for (guard = 0; guard < 100; guard++) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '[') {
			const char *e = strchr(s, ']');

			/* A list tag such as [Python-Dev]; a long bracket is text. */
			if (e && e - s <= 64 && e[1]) {
				s = e + 1;
				continue;
			}
		}
		n = prefix_len(s, &kind);
		if (!n)
			break;
		if (!first)
			first = kind;
		if (kind == 2)
			fwd = 1;
		s += n;
	}
	if (reply)
		*reply = first == 1;
	tw_buf_init(&b, 4096);
	if (fwd)
		tw_buf_puts(&b, "fwd: ");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isspace(c)) {
			if (b.len && b.data[b.len - 1] != ' ')
				tw_buf_putc(&b, ' ');
			continue;
		}
		tw_buf_putc(&b, (char)tolower(c));
	}
	while (b.len && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (b.len >= 6 && !strcmp(b.data + b.len - 6, " (fwd)"))
		b.data[b.len -= 6] = '\0';
	if (!b.data)
		return tw_strdup("");
	return tw_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------- messages */

typedef struct tmsg {
	int64_t blob, old_tid, date;
	int has_date, isnew, reply, noref;
	char *mid, *base, *subject;
	char **refs;      /* References in order, then In-Reply-To if not last */
	size_t nrefs;
	int64_t *parts;   /* participants (person or address ids), sorted */
	size_t nparts;
	/* display */
	int64_t item_id;
	int tz;
	char *from;
} tmsg;

typedef struct tset {
	tmsg *m;
	size_t n, cap;
	tw_intmap by_blob; /* blob id -> index */
} tset;

static void tset_release(tset *t)
{
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		free(t->m[i].mid);
		free(t->m[i].base);
		free(t->m[i].subject);
		free(t->m[i].from);
		for (k = 0; k < t->m[i].nrefs; k++)
			free(t->m[i].refs[k]);
		free(t->m[i].refs);
		free(t->m[i].parts);
	}
	free(t->m);
	tw_intmap_release(&t->by_blob);
	memset(t, 0, sizeof(*t));
}

/* The Message-ID an In-Reply-To names.  Some mailers write prose around
 * it ("Your message of ... <id>"), which the extractor keeps whole: take
 * the first <...> holding an '@', else the first <...>, else it all. */
static char *irt_id(const char *irt)
{
	const char *p, *first = NULL;

	if (!irt || !*irt)
		return NULL;
	for (p = strchr(irt, '<'); p; p = strchr(p + 1, '<')) {
		const char *e = strchr(p, '>'), *end = e ? e : p + strlen(p);
		const char *at = memchr(p, '@', (size_t)(end - p));

		if (!first)
			first = p;
		if (at && end > p + 1)
			return tw_strndup(p + 1, (size_t)(end - p - 1));
	}
	if (first) {
		const char *e = strchr(first, '>');
		size_t n = e ? (size_t)(e - first - 1) : strlen(first + 1);

		if (n)
			return tw_strndup(first + 1, n);
	}
	return tw_strdup(irt);
}

/* Split the stored References (space-separated ids) and add In-Reply-To
 * as the last one unless it already is. */
static int parse_refs(tmsg *m, const char *refs, const char *irt_raw)
{
	const char *p = refs ? refs : "";
	char *irt = irt_id(irt_raw);
	int rc = 0;

	while (*p && m->nrefs < MAX_REFS) {
		const char *e;
		char **r;

		while (*p == ' ' || *p == '\t' || *p == '<')
			p++;
		e = p;
		while (*e && *e != ' ' && *e != '\t')
			e++;
		if (e > p) {
			size_t len = (size_t)(e - p);

			if (p[len - 1] == '>')
				len--;
			r = tw_realloc(m->refs, (m->nrefs + 1) * sizeof(*r));
			if (!r) {
				free(irt);
				return -1;
			}
			m->refs = r;
			m->refs[m->nrefs] = tw_strndup(p, len);
			if (!m->refs[m->nrefs]) {
				free(irt);
				return -1;
			}
			if (!m->refs[m->nrefs][0] || (m->mid && !strcmp(m->refs[m->nrefs], m->mid)))
				free(m->refs[m->nrefs]); /* a message naming itself */
			else
				m->nrefs++;
		}
		p = e;
	}
	if (irt && *irt && (!m->mid || strcmp(irt, m->mid)) &&
	    (!m->nrefs || strcmp(m->refs[m->nrefs - 1], irt))) {
		char **r = tw_realloc(m->refs, (m->nrefs + 1) * sizeof(*r));

		if (r) {
			m->refs = r;
			m->refs[m->nrefs++] = irt;
			irt = NULL;
		} else {
			rc = -1;
		}
	}
	free(irt);
	return rc;
}

static char *str_dup(const char *t)
{
	return t && *t ? tw_strdup(t) : NULL;
}

/* Append the emails the archive hands to fn (by blob id) to a tset. */
typedef struct load_ctx {
	trawl_archive *ar;
	tset *t;
	trawl_status st;
} load_ctx;

static int load_msg(const tw_ar_thread_msg *row, void *ud)
{
	load_ctx *c = ud;
	tset *t = c->t;
	tmsg *m;
	char *irt;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		tmsg *p = tw_realloc(t->m, cap * sizeof(*p));

		if (!p)
			goto oom;
		t->m = p;
		t->cap = cap;
	}
	m = &t->m[t->n];
	memset(m, 0, sizeof(*m));
	t->n++;
	m->blob = row->blob_id;
	m->old_tid = row->thread_id;
	m->mid = str_dup(row->message_id);
	irt = str_dup(row->in_reply_to);
	if (parse_refs(m, row->refs, irt)) {
		free(irt);
		goto oom;
	}
	m->noref = m->nrefs == 0;
	free(irt);
	m->subject = str_dup(row->subject);
	m->base = tw_subject_base(m->subject, &m->reply);
	m->date = row->date;
	m->has_date = row->has_date;
	m->isnew = row->pending;
	m->item_id = row->item_id;
	m->tz = row->tz;
	m->from = str_dup(row->from);
	if (!m->base || tw_intmap_put(&t->by_blob, m->blob, (int64_t)(t->n - 1)))
		goto oom;
	return 0;
oom:
	c->st = tw_fail(c->ar, TRAWL_ENOMEM, "out of memory threading");
	return 1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Participants of the messages the subject fallback may join: those in a
 * group of the same base subject that holds a reply without references. */
static int cmp_base_idx(const void *a, const void *b, void *ctx)
{
	const tset *t = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return strcmp(t->m[x].base, t->m[y].base);
}

static int add_part(int64_t blob, int64_t who, void *ud)
{
	load_ctx *c = ud;
	int64_t at;
	tmsg *m;
	int64_t *p;

	if (!tw_intmap_get(&c->t->by_blob, blob, &at))
		return 0;
	m = &c->t->m[at];
	if (m->nparts >= 4096)
		return 0;
	p = tw_realloc(m->parts, (m->nparts + 1) * sizeof(*p));
	if (!p) {
		c->st = tw_fail(c->ar, TRAWL_ENOMEM, "out of memory threading");
		return 1;
	}
	m->parts = p;
	m->parts[m->nparts++] = who;
	return 0;
}

static trawl_status load_parts(trawl_archive *ar, tset *t)
{
	size_t *idx, n = 0, i, j, k;
	int64_t *need;
	size_t nneed = 0;
	load_ctx c = { ar, t, TRAWL_OK };
	trawl_status st;

	idx = tw_malloc((t->n ? t->n : 1) * sizeof(*idx));
	need = tw_malloc((t->n ? t->n : 1) * sizeof(*need));
	if (!idx || !need) {
		free(idx);
		free(need);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
	}
	for (i = 0; i < t->n; i++)
		if (t->m[i].has_date && t->m[i].base[0])
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_base_idx, t);
	for (i = 0; i < n; i = j) {
		int any = 0;

		for (j = i; j < n && !strcmp(t->m[idx[j]].base, t->m[idx[i]].base); j++)
			any |= t->m[idx[j]].reply && t->m[idx[j]].noref;
		if (!any || j - i < 2)
			continue;
		for (k = i; k < j; k++)
			need[nneed++] = t->m[idx[k]].blob;
	}
	st = tw_ar_participants(ar, need, nneed, add_part, &c);
	if (!st)
		st = c.st;
	for (i = 0; i < t->n; i++)
		if (t->m[i].nparts > 1)
			qsort(t->m[i].parts, t->m[i].nparts, sizeof(int64_t), cmp_i64);
	free(idx);
	free(need);
	return st;
}

static int share_part(const tmsg *a, const tmsg *b)
{
	size_t i = 0, j = 0;

	while (i < a->nparts && j < b->nparts) {
		if (a->parts[i] == b->parts[j])
			return 1;
		if (a->parts[i] < b->parts[j])
			i++;
		else
			j++;
	}
	return 0;
}

/* Non-zero when the subject fallback joins reply r to message c. */
static int subject_joins(const tmsg *r, const tmsg *c)
{
	if (!r->reply || !r->noref || !r->has_date || !c->has_date || !r->base[0])
		return 0;
	if (c->date < r->date - SUBJECT_WINDOW || c->date > r->date + SUBJECT_SKEW)
		return 0;
	return strcmp(r->base, c->base) == 0 && share_part(r, c);
}

typedef struct bykey {
	const char *base;
	int64_t date;
	size_t idx;
} bykey;

static int cmp_bykey(const void *a, const void *b)
{
	const bykey *x = a, *y = b;
	int c = strcmp(x->base, y->base);

	if (c)
		return c;
	return x->date < y->date ? -1 : x->date > y->date;
}

/* Union the messages of t into conversations. */
static trawl_status components(trawl_archive *ar, tset *t, tw_uf *uf)
{
	tw_strmap ids;
	size_t nnodes = t->n, i, k, cap;
	bykey *keys = NULL;
	size_t nkeys = 0;
	struct idpair { size_t a, node; } *pairs = NULL;
	size_t npairs = 0;
	trawl_status st = TRAWL_OK;

	memset(&ids, 0, sizeof(ids));
	/* Give every id a node after the messages, then union. */
	cap = t->n * 2 + 16;
	pairs = tw_malloc(cap * sizeof(*pairs));
	if (!pairs)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
	for (i = 0; i < t->n; i++) {
		tmsg *m = &t->m[i];

		for (k = 0; k <= m->nrefs; k++) {
			char *id = k < m->nrefs ? m->refs[k] : m->mid;
			int64_t node;

			if (!id)
				continue;
			if (!tw_strmap_get(&ids, id, &node)) {
				node = (int64_t)nnodes++;
				if (tw_strmap_put(&ids, id, node)) {
					st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
					goto out;
				}
			}
			if (npairs == cap) {
				void *p = tw_realloc(pairs, cap * 2 * sizeof(*pairs));

				if (!p) {
					st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
					goto out;
				}
				pairs = p;
				cap *= 2;
			}
			pairs[npairs].a = i;
			pairs[npairs].node = (size_t)node;
			npairs++;
		}
	}
	if (tw_uf_init(uf, nnodes)) {
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
		goto out;
	}
	for (i = 0; i < npairs; i++)
		tw_uf_union(uf, pairs[i].a, pairs[i].node);

	/* Subject fallback, within groups of the same base subject. */
	keys = tw_malloc((t->n ? t->n : 1) * sizeof(*keys));
	if (!keys) {
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
		goto out;
	}
	for (i = 0; i < t->n; i++) {
		if (t->m[i].has_date && t->m[i].base[0]) {
			keys[nkeys].base = t->m[i].base;
			keys[nkeys].date = t->m[i].date;
			keys[nkeys].idx = i;
			nkeys++;
		}
	}
	qsort(keys, nkeys, sizeof(*keys), cmp_bykey);
	for (i = 0; i < nkeys; i++) {
		const tmsg *r = &t->m[keys[i].idx];

		if (!r->reply || !r->noref)
			continue;
		/* Earlier messages of the group within the window ... */
		for (k = i; k-- > 0;) {
			if (strcmp(keys[k].base, r->base) || keys[k].date < r->date - SUBJECT_WINDOW)
				break;
			if (subject_joins(r, &t->m[keys[k].idx]))
				tw_uf_union(uf, keys[i].idx, keys[k].idx);
		}
		/* ... and slightly later ones (clock skew). */
		for (k = i + 1; k < nkeys; k++) {
			if (strcmp(keys[k].base, r->base) || keys[k].date > r->date + SUBJECT_SKEW)
				break;
			if (subject_joins(r, &t->m[keys[k].idx]))
				tw_uf_union(uf, keys[i].idx, keys[k].idx);
		}
	}
out:
	free(keys);
	free(pairs);
	tw_strmap_release(&ids);
	return st;
}

/* ---------------------------------------------------------------- update */

trawl_status tw_investigate_refresh(trawl_archive *ar)
{
	int full = 0;
	int64_t pending = 0;
	trawl_status st = tw_ar_derive_pending(ar, &full, &pending);

	if (!st && pending) {
		st = tw_people_update(ar, full);
		if (!st)
			st = tw_thread_update(ar, full);
	}
	if (!st)
		st = tw_ar_derive_done(ar);
	return st;
}

/* Store the referenced ids and base subjects of the new messages, the
 * indexes through which later ingests find the conversations they touch. */
static trawl_status index_new(trawl_archive *ar, tset *t, int full)
{
	tw_ar_thread_keys *k = tw_malloc((t->n ? t->n : 1) * sizeof(*k));
	size_t i, n = 0;
	trawl_status st;

	if (!k)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
	for (i = 0; i < t->n; i++) {
		tmsg *m = &t->m[i];

		if (!m->isnew)
			continue;
		k[n].blob_id = m->blob;
		k[n].refs = m->refs;
		k[n].nrefs = m->nrefs;
		k[n].base = m->base;
		k[n].reply = m->reply && m->noref;
		n++;
	}
	st = tw_ar_thread_index(ar, full, k, n);
	free(k);
	return st;
}

trawl_status tw_thread_update(trawl_archive *ar, int full)
{
	tset t;
	tw_uf uf;
	tw_intmap used, comp_tid;
	tw_ar_thread_set *set = NULL;
	size_t nset = 0;
	load_ctx c;
	int64_t next = 1;
	trawl_status st;
	size_t i;

	memset(&t, 0, sizeof(t));
	memset(&uf, 0, sizeof(uf));
	memset(&used, 0, sizeof(used));
	memset(&comp_tid, 0, sizeof(comp_tid));
	c.ar = ar;
	c.t = &t;
	c.st = TRAWL_OK;
	/* The new messages (all of them when full), indexed first. */
	st = tw_ar_thread_pending(ar, load_msg, &c);
	if (!st)
		st = c.st;
	if (!st)
		st = index_new(ar, &t, full);
	/* Then the conversations they touch. */
	if (!st && !full)
		st = tw_ar_thread_touched(ar, SUBJECT_WINDOW + SUBJECT_SKEW, load_msg, &c);
	if (!st)
		st = c.st;
	if (!st)
		st = load_parts(ar, &t);
	if (!st)
		st = components(ar, &t, &uf);
	if (!st)
		st = tw_ar_thread_max(ar, &next);
	if (st)
		goto out;
	next++;
	/* Each conversation keeps the smallest id its members had, unless an
	 * earlier conversation (a split) took it already. */
	for (i = 0; i < t.n; i++) {
		size_t root = tw_uf_find(&uf, i);
		int64_t cur;

		if (!t.m[i].old_tid)
			continue;
		if (!tw_intmap_get(&comp_tid, (int64_t)root, &cur) || t.m[i].old_tid < cur)
			if (tw_intmap_put(&comp_tid, (int64_t)root, t.m[i].old_tid))
				goto oom;
	}
	set = tw_malloc((t.n ? t.n : 1) * sizeof(*set));
	if (!set)
		goto oom;
	for (i = 0; i < t.n; i++) {
		size_t root = tw_uf_find(&uf, i);
		int64_t tid = 0;

		if (root == i) {
			/* The first member decides its conversation's id. */
			if (!tw_intmap_get(&comp_tid, (int64_t)root, &tid) || tw_intmap_get(&used, tid, NULL))
				tid = next++;
			if (tw_intmap_put(&used, tid, 1) || tw_intmap_put(&comp_tid, (int64_t)root, tid))
				goto oom;
		} else if (!tw_intmap_get(&comp_tid, (int64_t)root, &tid)) {
			st = tw_fail(ar, TRAWL_EINVAL, "threading: inconsistent components");
			goto out;
		}
		if (tid == t.m[i].old_tid)
			continue;
		set[nset].blob_id = t.m[i].blob;
		set[nset].thread_id = tid;
		nset++;
	}
	st = tw_ar_thread_store(ar, set, nset);
	goto out;
oom:
	st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
out:
	free(set);
	tw_uf_release(&uf);
	tw_intmap_release(&used);
	tw_intmap_release(&comp_tid);
	tset_release(&t);
	return st;
}

/* ---------------------------------------------------------------- display */

typedef struct cont {
	int64_t msg;      /* index in the tset, -1 for a missing message */
	const char *id;   /* Message-ID (borrowed from the tset) */
	int64_t parent;   /* container index or -1 */
	int64_t first_child, next;
	int64_t key;      /* sort date */
} cont;

typedef struct conts {
	cont *c;
	size_t n, cap;
	tw_strmap by_id;
} conts;

static int64_t cont_new(conts *cs, const char *id)
{
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 64;
		cont *p = tw_realloc(cs->c, cap * sizeof(*p));

		if (!p)
			return -1;
		cs->c = p;
		cs->cap = cap;
	}
	memset(&cs->c[cs->n], 0, sizeof(cont));
	cs->c[cs->n].msg = -1;
	cs->c[cs->n].parent = -1;
	cs->c[cs->n].first_child = -1;
	cs->c[cs->n].next = -1;
	cs->c[cs->n].id = id;
	return (int64_t)cs->n++;
}

static int64_t cont_for(conts *cs, const char *id)
{
	int64_t k;

	if (tw_strmap_get(&cs->by_id, id, &k))
		return k;
	k = cont_new(cs, id);
	if (k >= 0 && tw_strmap_put(&cs->by_id, id, k))
		return -1;
	return k;
}

/* Non-zero when a is b or one of b's ancestors (or the chain is too long
 * to tell, which is treated as a loop). */
static int is_ancestor(const conts *cs, int64_t a, int64_t b)
{
	size_t steps = 0;

	for (; b >= 0; b = cs->c[b].parent)
		if (b == a || ++steps > 100000)
			return 1;
	return 0;
}

typedef struct thread_priv {
	trawl_thread pub;
	tw_strpool pool;
} thread_priv;

static const char *tkeep(thread_priv *p, const char *s)
{
	return tw_strpool_keep(&p->pool, s);
}

void trawl_thread_free(trawl_thread *t)
{
	thread_priv *p = (thread_priv *)t;

	if (!t)
		return;
	tw_strpool_release(&p->pool);
	free(t->msgs);
	free(p);
}

static int cmp_cont_key(const void *a, const void *b, void *ctx);

/* Children of each container as a list sorted by date. */
static int link_children(conts *cs)
{
	size_t i, n = 0;
	int64_t *order = tw_malloc((cs->n ? cs->n : 1) * sizeof(*order));

	if (!order)
		return -1;
	for (i = 0; i < cs->n; i++)
		order[n++] = (int64_t)i;
	qsort_r(order, n, sizeof(*order), cmp_cont_key, cs);
	/* Insert in reverse so each list ends up in ascending order. */
	for (i = n; i-- > 0;) {
		cont *c = &cs->c[order[i]];

		if (c->parent >= 0) {
			c->next = cs->c[c->parent].first_child;
			cs->c[c->parent].first_child = order[i];
		}
	}
	free(order);
	return 0;
}

static int cmp_cont_key(const void *a, const void *b, void *ctx)
{
	const conts *cs = ctx;
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	const cont *cx = &cs->c[x], *cy = &cs->c[y];

	if (cx->key != cy->key)
		return cx->key < cy->key ? -1 : 1;
	return x < y ? -1 : x > y;
}

static trawl_status build_tree(trawl_archive *ar, tset *t, thread_priv *out)
{
	conts cs;
	size_t i, k, cap = 0;
	int64_t *stack = NULL, *parents = NULL;
	int *depths = NULL;
	size_t sp = 0;
	trawl_status st = TRAWL_OK;
	trawl_thread *th = &out->pub;

	memset(&cs, 0, sizeof(cs));
	for (i = 0; i < t->n; i++) {
		tmsg *m = &t->m[i];
		int64_t c = -1, prev = -1;

		if (m->mid) {
			c = cont_for(&cs, m->mid);
			if (c >= 0 && cs.c[c].msg >= 0)
				c = cont_new(&cs, m->mid); /* a duplicate Message-ID */
		} else {
			c = cont_new(&cs, NULL);
		}
		if (c < 0)
			goto oom;
		cs.c[c].msg = (int64_t)i;
		for (k = 0; k < m->nrefs; k++) {
			int64_t r = cont_for(&cs, m->refs[k]);

			if (r < 0)
				goto oom;
			if (prev >= 0 && r != prev && cs.c[r].parent < 0 && !is_ancestor(&cs, r, prev))
				cs.c[r].parent = prev;
			prev = r;
		}
		/* The message's own parent is its last reference, replacing any
		 * earlier guess, unless that would make a loop. */
		if (prev >= 0 && prev != c && !is_ancestor(&cs, c, prev))
			cs.c[c].parent = prev;
	}
	/* Replies without references joined by subject hang under the latest
	 * earlier message with the same base subject. */
	for (i = 0; i < cs.n; i++) {
		tmsg *m;
		int64_t best = -1;

		if (cs.c[i].parent >= 0 || cs.c[i].msg < 0)
			continue;
		m = &t->m[cs.c[i].msg];
		if (!m->reply || !m->noref || !m->has_date)
			continue;
		for (k = 0; k < cs.n; k++) {
			tmsg *o;

			if (k == i || cs.c[k].msg < 0)
				continue;
			o = &t->m[cs.c[k].msg];
			if (!o->has_date || o->date > m->date || strcmp(o->base, m->base))
				continue;
			if (best >= 0 && t->m[cs.c[best].msg].date >= o->date)
				continue;
			if (!is_ancestor(&cs, (int64_t)i, (int64_t)k))
				best = (int64_t)k;
		}
		if (best >= 0)
			cs.c[i].parent = best;
	}
	/* Sort keys: a message's date; a missing one sorts by its first child. */
	for (i = 0; i < cs.n; i++)
		cs.c[i].key = cs.c[i].msg >= 0 && t->m[cs.c[i].msg].has_date ? t->m[cs.c[i].msg].date
									      : INT64_MAX;
	for (i = 0; i < cs.n; i++) {
		int64_t p = cs.c[i].parent;
		size_t steps = 0;

		for (; p >= 0 && steps < 100000; p = cs.c[p].parent, steps++)
			if (cs.c[p].msg < 0 && cs.c[p].key > cs.c[i].key)
				cs.c[p].key = cs.c[i].key;
	}
	if (link_children(&cs))
		goto oom;
	/* Depth-first from the roots; a missing message below a root is left
	 * out and its children take its place. */
	cap = cs.n + 1;
	stack = tw_malloc(cap * sizeof(*stack));
	parents = tw_malloc(cap * sizeof(*parents));
	depths = tw_malloc(cap * sizeof(*depths));
	th->msgs = tw_calloc(cap, sizeof(*th->msgs));
	if (!stack || !parents || !depths || !th->msgs)
		goto oom;
	{
		int64_t *roots = tw_malloc(cap * sizeof(*roots));
		size_t nroots = 0;

		if (!roots)
			goto oom;
		for (i = 0; i < cs.n; i++)
			if (cs.c[i].parent < 0 && (cs.c[i].msg >= 0 || cs.c[i].first_child >= 0))
				roots[nroots++] = (int64_t)i;
		qsort_r(roots, nroots, sizeof(*roots), cmp_cont_key, &cs);
		for (i = nroots; i-- > 0;) {
			stack[sp] = roots[i];
			parents[sp] = -1;
			depths[sp] = 0;
			sp++;
		}
		free(roots);
	}
	while (sp > 0) {
		int64_t c, ch, par;
		int depth;
		size_t nkids = 0, j;

		sp--;
		c = stack[sp];
		par = parents[sp];
		depth = depths[sp];
		if (cs.c[c].msg >= 0 || par < 0) {
			trawl_thread_msg *o = &th->msgs[th->nmsgs];

			o->parent = par;
			o->depth = depth;
			if (cs.c[c].msg >= 0) {
				tmsg *m = &t->m[cs.c[c].msg];

				o->id = m->item_id;
				o->message_id = tkeep(out, m->mid);
				o->subject = tkeep(out, m->subject);
				o->from = tkeep(out, m->from);
				o->date = m->date;
				o->has_date = m->has_date;
				o->tz_offset = m->tz;
				th->nmessages++;
			} else {
				o->missing = 1;
				o->message_id = tkeep(out, cs.c[c].id);
			}
			par = (int64_t)th->nmsgs++;
			depth++;
		}
		/* Push children in reverse so the earliest comes out first. */
		for (ch = cs.c[c].first_child; ch >= 0; ch = cs.c[ch].next)
			nkids++;
		if (sp + nkids > cap)
			goto oom; /* cannot happen: every container is pushed once */
		j = sp + nkids;
		for (ch = cs.c[c].first_child; ch >= 0; ch = cs.c[ch].next) {
			j--;
			stack[j] = ch;
			parents[j] = par;
			depths[j] = depth;
		}
		sp += nkids;
	}
	goto out;
oom:
	st = tw_fail(ar, TRAWL_ENOMEM, "out of memory building the conversation");
out:
	free(stack);
	free(parents);
	free(depths);
	free(cs.c);
	tw_strmap_release(&cs.by_id);
	return st;
}

trawl_status trawl_thread_get_by_id(trawl_archive *ar, int64_t thread_id, trawl_thread **out)
{
	thread_priv *p;
	tset t;
	load_ctx c;
	trawl_status st;
	uint64_t failures = tw_alloc_failures();

	*out = NULL;
	memset(&t, 0, sizeof(t));
	c.ar = ar;
	c.t = &t;
	c.st = TRAWL_OK;
	st = tw_ar_thread_members(ar, thread_id, load_msg, &c);
	if (!st)
		st = c.st;
	if (st) {
		tset_release(&t);
		return st;
	}
	if (!t.n) {
		tset_release(&t);
		return tw_fail(ar, TRAWL_ENOTFOUND, "no conversation with id %lld", (long long)thread_id);
	}
	p = tw_calloc(1, sizeof(*p));
	if (!p) {
		tset_release(&t);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	}
	p->pub.thread_id = thread_id;
	st = build_tree(ar, &t, p);
	tset_release(&t);
	/* An id, subject or sender lost on the way: no partial conversation. */
	if (st == TRAWL_OK && tw_alloc_failures() != failures)
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory reading the conversation");
	if (st) {
		trawl_thread_free(&p->pub);
		return st;
	}
	*out = &p->pub;
	return TRAWL_OK;
}

trawl_status trawl_thread_get(trawl_archive *ar, int64_t id, trawl_thread **out)
{
	int64_t tid = 0;
	int found = 0;
	trawl_status st;

	*out = NULL;
	st = tw_ar_item_thread(ar, id, &found, &tid);
	if (st)
		return st;
	if (!found)
		return tw_fail(ar, TRAWL_ENOTFOUND, "item %lld is not a message (or does not exist)",
			       (long long)id);
	if (!tid)
		return tw_fail(ar, TRAWL_ENOTFOUND,
			       "message %lld has no conversation yet: run 'trawl ingest' again to finish threading",
			       (long long)id);
	return trawl_thread_get_by_id(ar, tid, out);
}
