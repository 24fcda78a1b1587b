/*
 * people.c - the people behind the addresses: the evidence gathered from
 * each ingest's new messages, and the grouping computed from it.
 *
 * The archive keeps every address exactly as the headers gave it (addrs,
 * email_addrs); nothing here changes those rows.  On top of them this file
 * keeps written-down evidence and a grouping into people, stored through
 * the seam (tw_ar_people_*; SQLite side lib/archive/people_db.c) and read
 * back by lib/investigate/people_read.c:
 *   - addr_names: the display names seen with each address, with counts,
 *     from the headers and from Exchange's X-From/X-To/X-cc copies (Enron's
 *     headers name people only there);
 *   - addr_links: an Exchange X.500 DN and an SMTP address given for the
 *     same sender or recipient of one message ("x500"), with how often and
 *     one message that shows it;
 *   - person_edits: the reporter's merges and splits, by address text, so
 *     they survive re-ingest.
 * After each ingest the evidence of the new messages is added and the
 * grouping is computed again from all of it (union-find over addresses:
 * cheap next to an ingest), giving persons, addrs.person_id and addr_why
 * (why each address is in its person).  A person's id is its smallest
 * address id, so it stays the same while the person only gains addresses.
 *
 * Rules, and their guards against false merges:
 *   - the same canonical address (case, quotes, comments, DN spellings);
 *   - an X.500/SMTP pair, unless the SMTP address is paired with other DNs
 *     too (a shared placeholder such as no.address@enron.com): a pair is
 *     used when it makes up at least 90% of that address's pairings;
 *   - the same display name and the same local part (a DN's local part is
 *     its last CN), for names of at least two words that are not role
 *     words ("Customer Service") and are not addresses;
 *   - merges and splits by hand; a split address no longer follows
 *     automatic evidence, and a later edit wins over an earlier one.
 * Recipient lists in X-To/X-cc are paired with To/Cc by position only when
 * both have the same number of entries, and a name is recorded for an
 * address only when a word of it occurs in the address's local part.
 */
#include <stdlib.h>
#include <string.h>

#include "investigate/investigate.h"

static const char *const role_words[] = {
	"info", "support", "service", "services", "sales", "admin", "administrator", "team",
	"help", "helpdesk", "desk", "office", "noreply", "no-reply", "mailer", "daemon",
	"postmaster", "webmaster", "newsletter", "news", "list", "notification", "notifications",
	"alert", "alerts", "announcement", "announcements", "customer", "department", "group",
	"center", "centre", "system", "mailbox", "reply", "account", "accounts", "billing",
};

/* A canonical name good enough to identify someone together with a local
 * part: two words or more, none of them a role word. */
static int personal_name(const char *cn)
{
	const char *p = cn;
	int words = 0;

	while (*p) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p), i;

		for (i = 0; i < TW_ARRAY_LEN(role_words); i++)
			if (strlen(role_words[i]) == n && !strncmp(p, role_words[i], n))
				return 0;
		words++;
		p += n;
		while (*p == ' ')
			p++;
	}
	return words >= 2;
}

/* Addresses that stand for nobody in particular (export placeholders):
 * never grouped by automatic evidence. */
static int placeholder(const char *local)
{
	static const char *const words[] = {
		"no.address", "noaddress", "no_address", "unknown", "undisclosed-recipients",
		"undisclosed.recipients", "recipient.list.suppressed", "nobody", "invalid",
	};
	size_t i;

	for (i = 0; i < TW_ARRAY_LEN(words); i++)
		if (!strcmp(local, words[i]))
			return 1;
	return 0;
}

/* Non-zero when word w (n bytes) is one of the words of cn. */
static int has_word(const char *cn, const char *w, size_t n)
{
	const char *p = cn;

	while (*p) {
		const char *e = strchr(p, ' ');
		size_t k = e ? (size_t)(e - p) : strlen(p);

		if (k == n && !strncmp(p, w, n))
			return 1;
		p += k;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* Two canonical names that may be one person: the same last word, and the
 * first word of one among the words of the other ("dana davis" and "mark
 * dana davis"; not "don miller" and "rick buy"); or the same first word
 * and the last word of one among the words of the other, for compound
 * surnames ("huy dinh" and "huy dinh le"). */
static int same_person_name(const char *a, const char *b)
{
	const char *la = strrchr(a, ' '), *lb = strrchr(b, ' ');
	size_t fa = strcspn(a, " "), fb = strcspn(b, " ");

	la = la ? la + 1 : a;
	lb = lb ? lb + 1 : b;
	if (!strcmp(la, lb))
		return has_word(b, a, fa) || has_word(a, b, fb);
	if (fa != fb || strncmp(a, b, fa) != 0 || !strchr(a, ' ') || !strchr(b, ' '))
		return 0;
	return has_word(b, la, strlen(la)) || has_word(a, lb, strlen(lb));
}

/* A word of the canonical name (3+ letters) occurs in the local part. */
static int name_fits_local(const char *cn, const char *local)
{
	const char *p = cn;

	if (!cn || !local)
		return 0;
	while (*p) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n >= 3) {
			char w[128];

			if (n < sizeof(w)) {
				memcpy(w, p, n);
				w[n] = '\0';
				if (strstr(local, w))
					return 1;
			}
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* ---------------------------------------------------------------- X- headers */

typedef struct xent {
	char *name, *addr;
} xent;

/* Entries of an X-From (single) or X-To/X-cc value: "Name <addr>", bare
 * addresses or DNs, or bare names.  "Allen, Phillip K. <dn>" is one entry;
 * with `greedy`, so is "Massey II, John <dn>" (a word group before a comma
 * and a bracketed entry), which otherwise reads as two entries; the caller
 * takes the reading whose count matches the header's addresses. */
static size_t xparse(const char *v, int single, int greedy, xent *out, size_t max)
{
	const char *tok[1024];
	size_t len[1024], ntok = 0, n = 0, i;
	const char *p = v, *start = v;
	int angle = 0, quoted = 0;

	if (single) {
		tok[0] = v;
		len[0] = strlen(v);
		ntok = 1;
	} else {
		for (;; p++) {
			if (!*p || (*p == ',' && !angle && !quoted)) {
				if (ntok < TW_ARRAY_LEN(tok)) {
					tok[ntok] = start;
					len[ntok] = (size_t)(p - start);
					ntok++;
				}
				if (!*p)
					break;
				start = p + 1;
				continue;
			}
			if (*p == '"')
				quoted = !quoted;
			else if (*p == '<' && !quoted)
				angle = 1;
			else if (*p == '>' && !quoted)
				angle = 0;
		}
	}
	for (i = 0; i < ntok && n < max; i++) {
		const char *t = tok[i];
		size_t l = len[i];
		const char *lt, *gt;
		char *joined = NULL;

		/* "Allen" + " Phillip K. </O=...>" */
		if (!single && i + 1 < ntok && !memchr(t, '<', l) && !memchr(t, '@', l) &&
		    memchr(tok[i + 1], '<', len[i + 1])) {
			char *w = tw_addr_trim(t, l);

			if (w && (greedy || !strchr(w, ' ')) && w[0] != '/') {
				joined = tw_asprintf("%s,%.*s", w, (int)len[i + 1], tok[i + 1]);
				i++;
			}
			free(w);
		}
		if (joined) {
			t = joined;
			l = strlen(joined);
		}
		out[n].name = out[n].addr = NULL;
		lt = memchr(t, '<', l);
		gt = lt ? memchr(lt, '>', l - (size_t)(lt - t)) : NULL;
		if (lt && gt) {
			out[n].name = tw_addr_trim(t, (size_t)(lt - t));
			out[n].addr = tw_addr_trim(lt + 1, (size_t)(gt - lt - 1));
		} else {
			char *w = tw_addr_trim(t, l);

			if (w && (strchr(w, '@') || w[0] == '/'))
				out[n].addr = w;
			else
				out[n].name = w;
		}
		free(joined);
		n++;
	}
	return n;
}

/* ---------------------------------------------------------------- evidence */

/* Evidence of one pass, counted in memory and written once at the end:
 * a dump names the same few thousand addresses and names over and over. */
typedef struct link { int64_t a, b, n, blob; } link;

typedef struct evidence {
	trawl_archive *ar;
	tw_strmap names;      /* "addr_id\x01name" -> count */
	tw_strmap links;      /* "a b" -> index into link */
	link *link;
	size_t nlink, caplink;
	tw_strmap dns;        /* canonical DN -> address id */
	tw_intmap canon;      /* address id -> index into ca */
	struct ca { char *canon, *local; int kind; } *ca;
	size_t nca, capca;
	tw_strmap name_canon; /* display name -> index into cnames */
	char **cnames;
	size_t ncnames, capcnames;
	int oom;
	trawl_status st;      /* a failure of the archive */
} evidence;

static void ev_release(evidence *ev)
{
	size_t i;

	tw_strmap_release(&ev->names);
	tw_strmap_release(&ev->links);
	tw_strmap_release(&ev->dns);
	tw_intmap_release(&ev->canon);
	free(ev->link);
	for (i = 0; i < ev->nca; i++) {
		free(ev->ca[i].canon);
		free(ev->ca[i].local);
	}
	free(ev->ca);
	tw_strmap_release(&ev->name_canon);
	for (i = 0; i < ev->ncnames; i++)
		free(ev->cnames[i]);
	free(ev->cnames);
}

/* tw_name_canon() of a display name, computed once per name (owned by ev;
 * NULL when the name is not one). */
static const char *ev_name_canon(evidence *ev, const char *name)
{
	int64_t idx;

	if (tw_strmap_get(&ev->name_canon, name, &idx))
		return ev->cnames[idx];
	if (ev->ncnames == ev->capcnames) {
		size_t cap = ev->capcnames ? ev->capcnames * 2 : 256;
		char **p = tw_realloc(ev->cnames, cap * sizeof(*p));

		if (!p) {
			ev->oom = 1;
			return NULL;
		}
		ev->cnames = p;
		ev->capcnames = cap;
	}
	ev->cnames[ev->ncnames] = tw_name_canon(name);
	if (tw_strmap_put(&ev->name_canon, name, (int64_t)ev->ncnames)) {
		free(ev->cnames[ev->ncnames]);
		ev->oom = 1;
		return NULL;
	}
	return ev->cnames[ev->ncnames++];
}

static void ev_name(evidence *ev, int64_t addr_id, const char *name, int64_t n)
{
	char buf[256], *key = buf;
	size_t nl = strlen(name);
	int k = snprintf(buf, sizeof(buf), "%lld\x01", (long long)addr_id);
	int64_t cur = 0;

	/* Names are short: the key is made on the stack, unless it is not. */
	if ((size_t)k + nl >= sizeof(buf) && !(key = tw_malloc((size_t)k + nl + 1))) {
		ev->oom = 1;
		return;
	}
	memcpy(key, buf, (size_t)k);
	memcpy(key + k, name, nl + 1);
	tw_strmap_get(&ev->names, key, &cur);
	if (tw_strmap_put(&ev->names, key, cur + n))
		ev->oom = 1;
	if (key != buf)
		free(key);
}

static void ev_link(evidence *ev, int64_t a, int64_t b, int64_t blob)
{
	char key[64];
	int64_t idx;

	snprintf(key, sizeof(key), "%lld %lld", (long long)a, (long long)b);
	if (tw_strmap_get(&ev->links, key, &idx)) {
		ev->link[idx].n++;
		return;
	}
	if (ev->nlink == ev->caplink) {
		size_t cap = ev->caplink ? ev->caplink * 2 : 256;
		link *p = tw_realloc(ev->link, cap * sizeof(*p));

		if (!p) {
			ev->oom = 1;
			return;
		}
		ev->link = p;
		ev->caplink = cap;
	}
	ev->link[ev->nlink].a = a;
	ev->link[ev->nlink].b = b;
	ev->link[ev->nlink].n = 1;
	ev->link[ev->nlink].blob = blob;
	if (tw_strmap_put(&ev->links, key, (int64_t)ev->nlink))
		ev->oom = 1;
	else
		ev->nlink++;
}

/* The address id of a DN, adding it to the archive's addresses when new. */
static int64_t ev_dn(evidence *ev, const char *canon)
{
	int64_t id = 0;

	if (tw_strmap_get(&ev->dns, canon, &id))
		return id;
	ev->st = tw_ar_addr_id(ev->ar, canon, &id);
	if (ev->st)
		return 0;
	if (id && tw_strmap_put(&ev->dns, canon, id))
		ev->oom = 1;
	return id;
}

/* Canonical form and local part of a stored address, computed once. */
static const struct ca *ev_canon(evidence *ev, int64_t id)
{
	int64_t idx;
	struct ca *c;
	char *addr = NULL;

	if (tw_intmap_get(&ev->canon, id, &idx))
		return &ev->ca[idx];
	if (ev->nca == ev->capca) {
		size_t cap = ev->capca ? ev->capca * 2 : 1024;
		struct ca *p = tw_realloc(ev->ca, cap * sizeof(*p));

		if (!p) {
			ev->oom = 1;
			return NULL;
		}
		ev->ca = p;
		ev->capca = cap;
	}
	ev->st = tw_ar_addr_text(ev->ar, id, &addr);
	if (!addr)
		return NULL;
	c = &ev->ca[ev->nca];
	c->canon = tw_addr_canon(addr, &c->kind);
	c->local = tw_addr_local(c->canon, c->kind);
	free(addr);
	if (!c->canon || !c->local || tw_intmap_put(&ev->canon, id, (int64_t)ev->nca)) {
		free(c->canon);
		free(c->local);
		return NULL;
	}
	ev->nca++;
	return c;
}

/* Pair one X- header's entries with the message's addresses of `role`. */
static void pair_xheader(evidence *ev, int64_t blob, int role, const char *value,
			 const tw_ar_addr_use *ea, size_t nea)
{
	xent ent[1024];
	size_t n = xparse(value, role == TW_FROM, 0, ent, TW_ARRAY_LEN(ent)), i, k = 0;
	const tw_ar_addr_use *mine[1024];

	for (i = 0; i < nea && k < TW_ARRAY_LEN(mine); i++)
		if (ea[i].role == role)
			mine[k++] = &ea[i];
	if (k != n) {
		for (i = 0; i < n; i++) {
			free(ent[i].name);
			free(ent[i].addr);
		}
		n = xparse(value, role == TW_FROM, 1, ent, TW_ARRAY_LEN(ent));
	}
	if (k == n) {
		for (i = 0; i < n && !ev->st; i++) {
			int xkind = TW_ADDR_OTHER;
			char *xcanon = NULL;
			const char *cn;
			const struct ca *ac;
			int64_t dn = 0;

			if (!mine[i]->addr_id)
				continue;
			ac = ev_canon(ev, mine[i]->addr_id);
			if (!ac)
				continue;
			if (ent[i].addr)
				xcanon = tw_addr_canon(ent[i].addr, &xkind);
			if (xkind == TW_ADDR_X500 && strcmp(ac->canon, xcanon)) {
				dn = ev_dn(ev, xcanon);
				if (dn)
					ev_link(ev, mine[i]->addr_id, dn, blob);
			}
			free(xcanon);
			if (!ent[i].name || strchr(ent[i].name, '@'))
				continue;
			cn = ev_name_canon(ev, ent[i].name);
			if (cn && (role == TW_FROM || name_fits_local(cn, ac->local))) {
				ev_name(ev, mine[i]->addr_id, ent[i].name, 1);
				if (dn)
					ev_name(ev, dn, ent[i].name, 1);
			}
		}
	}
	for (i = 0; i < n; i++) {
		free(ent[i].name);
		free(ent[i].addr);
	}
}

/* One new message: the names given with its addresses, then its
 * X-From/X-To/X-cc copies paired with them (the first 1024 addresses). */
static int gather_one(const tw_ar_email_addrs *e, void *ud)
{
	evidence *ev = ud;
	size_t i, nea = e->naddrs < 1024 ? e->naddrs : 1024;

	for (i = 0; i < e->naddrs; i++) {
		const char *nm = e->addrs[i].name;

		if (nm && *nm && e->addrs[i].addr_id)
			ev_name(ev, e->addrs[i].addr_id, nm, 1);
	}
	for (i = 0; i < e->nx && !ev->oom && !ev->st; i++)
		if (e->x[i].value && nea)
			pair_xheader(ev, e->blob_id, e->x[i].role, e->x[i].value, e->addrs, nea);
	return ev->oom || ev->st;
}

/* Hand the evidence to the archive, names in the order of their map. */
static trawl_status ev_write(evidence *ev, int full)
{
	tw_ar_name_seen *names = tw_malloc((ev->names.len ? ev->names.len : 1) * sizeof(*names));
	tw_ar_pair_seen *pairs = tw_malloc((ev->nlink ? ev->nlink : 1) * sizeof(*pairs));
	size_t i, nn = 0;
	trawl_status st;

	if (!names || !pairs) {
		free(names);
		free(pairs);
		return tw_fail(ev->ar, TRAWL_ENOMEM, "out of memory gathering people");
	}
	for (i = 0; i < ev->names.cap; i++) {
		const char *key = ev->names.slots[i].key, *sep;

		if (!key || !(sep = strchr(key, '\x01')))
			continue;
		names[nn].addr_id = strtoll(key, NULL, 10);
		names[nn].name = sep + 1;
		names[nn].n = ev->names.slots[i].val;
		nn++;
	}
	for (i = 0; i < ev->nlink; i++) {
		pairs[i].a = ev->link[i].a;
		pairs[i].b = ev->link[i].b;
		pairs[i].n = ev->link[i].n;
		pairs[i].blob_id = ev->link[i].blob;
	}
	st = tw_ar_people_evidence(ev->ar, full, names, nn, pairs, ev->nlink);
	free(names);
	free(pairs);
	return st;
}

trawl_status tw_people_update(trawl_archive *ar, int full)
{
	evidence ev;
	trawl_status st;

	memset(&ev, 0, sizeof(ev));
	ev.ar = ar;
	st = tw_ar_pending_addrs(ar, gather_one, &ev);
	if (!st && ev.st)
		st = ev.st;
	else if (!st && ev.oom)
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory gathering people");
	if (!st)
		st = ev_write(&ev, full);
	if (!st)
		st = tw_people_regroup(ar);
	ev_release(&ev);
	return st;
}

/* ---------------------------------------------------------------- grouping */

typedef struct gaddr {
	int64_t id, old_person, msgs;
	const char *addr;    /* owned by the inputs */
	char *canon, *local, *why;
	int kind;
	int64_t last_split;  /* id of the last split edit naming it, 0 if none */
} gaddr;

typedef struct gname {
	size_t a;            /* index into addrs */
	const char *name;    /* owned by the inputs */
	int64_t n;
} gname;

typedef struct group {
	tw_ar_people_inputs in;
	gaddr *a;
	size_t n;
	tw_intmap by_id;     /* addr id -> index */
	tw_strmap by_canon;  /* canonical -> first index */
	gname *names;
	size_t nnames;
	tw_uf uf;
} group;

static void group_release(group *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->a[i].canon);
		free(g->a[i].local);
		free(g->a[i].why);
	}
	free(g->a);
	free(g->names);
	tw_intmap_release(&g->by_id);
	tw_strmap_release(&g->by_canon);
	tw_uf_release(&g->uf);
	tw_ar_people_inputs_release(&g->in);
}

/* Union with a recorded reason (the first reason an address got stays). */
static void join(group *g, size_t x, size_t y, const char *why_x, const char *why_y)
{
	if (x == y || tw_uf_find(&g->uf, x) == tw_uf_find(&g->uf, y))
		return;
	tw_uf_union(&g->uf, x, y);
	if (!g->a[x].why && why_x)
		g->a[x].why = tw_strdup(why_x);
	if (!g->a[y].why && why_y)
		g->a[y].why = tw_strdup(why_y);
}

static trawl_status load_group(trawl_archive *ar, group *g)
{
	trawl_status st = tw_ar_people_load(ar, &g->in);
	size_t i;

	if (st)
		return st;
	g->a = tw_calloc(g->in.naddrs ? g->in.naddrs : 1, sizeof(*g->a));
	g->names = tw_calloc(g->in.nnames ? g->in.nnames : 1, sizeof(*g->names));
	if (!g->a || !g->names)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory grouping people");
	for (i = 0; i < g->in.naddrs; i++) {
		const tw_ar_gaddr *in = &g->in.addrs[i];
		gaddr *a = &g->a[g->n];

		a->id = in->id;
		a->old_person = in->person_id;
		a->msgs = in->messages;
		a->addr = in->addr;
		a->canon = tw_addr_canon(in->addr, &a->kind);
		if (!a->canon)
			a->canon = tw_strdup(a->addr);
		a->local = tw_addr_local(a->canon, a->kind);
		g->n++;
		if (!a->canon || !a->local || tw_intmap_put(&g->by_id, a->id, (int64_t)i))
			return tw_fail(ar, TRAWL_ENOMEM, "out of memory grouping people");
	}
	if (tw_uf_init(&g->uf, g->n))
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory grouping people");
	for (i = 0; i < g->in.nnames; i++) {
		int64_t idx;

		if (!tw_intmap_get(&g->by_id, g->in.names[i].addr_id, &idx))
			continue;
		g->names[g->nnames].a = (size_t)idx;
		g->names[g->nnames].name = g->in.names[i].name;
		g->names[g->nnames].n = g->in.names[i].n;
		g->nnames++;
	}
	return TRAWL_OK;
}

/* Addresses named by an edit (space-separated canonical addresses). */
static size_t edit_addrs(group *g, const char *list, size_t *out, size_t max)
{
	size_t n = 0;
	const char *p = list;

	while (*p && n < max) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *a = tw_strndup(p, len);
		int64_t idx;

		if (a && len && tw_strmap_get(&g->by_canon, a, &idx))
			out[n++] = (size_t)idx;
		free(a);
		p += len;
		while (*p == ' ')
			p++;
	}
	return n;
}

/* Hand the grouping to the archive: a person per union-find root, with
 * id = the root's address id (the smallest of the group). */
static trawl_status store_group(trawl_archive *ar, group *g)
{
	/* Per root: member count, best name, main address. */
	size_t *count = tw_calloc(g->n ? g->n : 1, sizeof(size_t));
	size_t *main_a = tw_calloc(g->n ? g->n : 1, sizeof(size_t));
	int64_t *top_n = tw_calloc(g->n ? g->n : 1, sizeof(int64_t));
	const char **top = tw_calloc(g->n ? g->n : 1, sizeof(char *));
	tw_ar_grouped *rows = tw_calloc(g->n ? g->n : 1, sizeof(*rows));
	tw_ar_person_row *persons = tw_calloc(g->n ? g->n : 1, sizeof(*persons));
	size_t i, np = 0;
	trawl_status st;

	if (!count || !main_a || !top_n || !top || !rows || !persons) {
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory grouping people");
		goto out;
	}
	for (i = 0; i < g->n; i++) {
		size_t r = tw_uf_find(&g->uf, i);
		gaddr *m = &g->a[main_a[r]], *a = &g->a[i];

		if (!count[r]++)
			main_a[r] = i;
		else if ((a->kind == TW_ADDR_SMTP) > (m->kind == TW_ADDR_SMTP) ||
			 ((a->kind == TW_ADDR_SMTP) == (m->kind == TW_ADDR_SMTP) &&
			  a->msgs > m->msgs))
			main_a[r] = i;
	}
	for (i = 0; i < g->nnames; i++) {
		size_t r = tw_uf_find(&g->uf, g->names[i].a);
		const char *nm = g->names[i].name;

		if (strchr(nm, '@') || strchr(nm, '/'))
			continue;
		if (g->names[i].n > top_n[r]) {
			top_n[r] = g->names[i].n;
			top[r] = nm;
		}
	}
	for (i = 0; i < g->n; i++) {
		size_t r = tw_uf_find(&g->uf, i);

		rows[i].addr_id = g->a[i].id;
		rows[i].person_id = g->a[r].id;
		rows[i].old_person_id = g->a[i].old_person;
		rows[i].why = count[r] > 1 ? g->a[i].why : NULL;
		if (r != i)
			continue;
		persons[np].id = g->a[r].id;
		persons[np].name = top[r] ? top[r] : g->a[main_a[r]].addr;
		persons[np].addr = g->a[main_a[r]].addr;
		persons[np].naddrs = (int64_t)count[r];
		np++;
	}
	st = tw_ar_people_store(ar, rows, g->n, persons, np);
out:
	free(count);
	free(main_a);
	free(top_n);
	free(top);
	free(rows);
	free(persons);
	return st;
}

trawl_status tw_people_regroup(trawl_archive *ar)
{
	group g;
	const tw_ar_gedit *edits;
	size_t nedits, i, k;
	trawl_status st;
	tw_strmap keys;
	char buf[1024];
	char **best = NULL;     /* canonical most used name per address */
	int64_t *best_n = NULL;
	struct pair { size_t a, b; int64_t n, total, item; } *pairs = NULL;
	size_t npairs = 0;

	memset(&g, 0, sizeof(g));
	memset(&keys, 0, sizeof(keys));
	st = load_group(ar, &g);
	if (st)
		goto out;
	edits = g.in.edits;
	nedits = g.in.nedits;
	for (i = 0; i < g.n; i++) {
		int64_t first;

		if (!tw_strmap_get(&g.by_canon, g.a[i].canon, &first) &&
		    tw_strmap_put(&g.by_canon, g.a[i].canon, (int64_t)i))
			goto oom;
	}
	/* Edits by hand, oldest first. */
	for (i = 0; i < nedits; i++) {
		size_t idx[256], n;

		if (!edits[i].split)
			continue;
		n = edit_addrs(&g, edits[i].addrs, idx, TW_ARRAY_LEN(idx));
		for (k = 0; k < n; k++)
			g.a[idx[k]].last_split = edits[i].id;
	}
	/* 1. the same canonical address */
	for (i = 0; i < g.n; i++) {
		int64_t first;

		if (g.a[i].last_split || !tw_strmap_get(&g.by_canon, g.a[i].canon, &first) ||
		    (size_t)first == i || g.a[first].last_split)
			continue;
		snprintf(buf, sizeof(buf), "the same address as %s", g.a[first].addr);
		join(&g, i, (size_t)first, buf, NULL);
	}
	/* 2. X.500 / SMTP pairs.  An SMTP address paired with DNs of
	 * different people (a shared placeholder such as no.address@...) is
	 * no evidence, except for a pair that makes up 90% of its pairings;
	 * DNs of one person (an Exchange and a Notes DN) all count. */
	best = tw_calloc(g.n ? g.n : 1, sizeof(*best));
	best_n = tw_calloc(g.n ? g.n : 1, sizeof(*best_n));
	pairs = tw_malloc((g.in.npairs ? g.in.npairs : 1) * sizeof(*pairs));
	if (!best || !best_n || !pairs)
		goto oom;
	for (i = 0; i < g.nnames; i++) {
		size_t ai = g.names[i].a;

		if (g.names[i].n > best_n[ai]) {
			char *cn = tw_name_canon(g.names[i].name);

			if (cn) {
				free(best[ai]);
				best[ai] = cn;
				best_n[ai] = g.names[i].n;
			}
		}
	}
	for (i = 0; i < g.in.npairs; i++) {
		const tw_ar_gpair *lp = &g.in.pairs[i];
		int64_t ia, ib;
		struct pair *pp;

		if (!tw_intmap_get(&g.by_id, lp->a, &ia) || !tw_intmap_get(&g.by_id, lp->b, &ib))
			continue;
		pp = &pairs[npairs++];
		pp->a = (size_t)ia;
		pp->b = (size_t)ib;
		pp->n = lp->n;
		pp->total = lp->total;
		pp->item = lp->item_id;
	}
	for (i = 0; i < npairs; i = k) {
		const char *name = NULL;
		int mixed = 0;
		size_t j;

		for (k = i; k < npairs && pairs[k].a == pairs[i].a; k++) {
			const char *nm = best[pairs[k].b];

			if (nm && name && !same_person_name(nm, name))
				mixed = 1;
			if (nm)
				name = nm;
		}
		for (j = i; j < k; j++) {
			struct pair *pp = &pairs[j];

			if ((mixed && pp->n * 10 < pp->total * 9) || g.a[pp->a].last_split ||
			    g.a[pp->b].last_split || placeholder(g.a[pp->a].local) ||
			    tw_uf_find(&g.uf, pp->a) == tw_uf_find(&g.uf, pp->b))
				continue;
			snprintf(buf, sizeof(buf), "Exchange gives %s as %s (%lld messages, e.g. id:%lld)",
				 g.a[pp->b].addr, g.a[pp->a].addr, (long long)pp->n, (long long)pp->item);
			join(&g, pp->a, pp->b, buf, buf);
		}
	}
	/* 3. the same display name and local part */
	for (i = 0; i < g.nnames; i++) {
		gaddr *a = &g.a[g.names[i].a];
		char *cn, *key;
		int64_t other;

		if (a->last_split || a->kind == TW_ADDR_OTHER || placeholder(a->local))
			continue;
		cn = tw_name_canon(g.names[i].name);
		if (!cn || strchr(g.names[i].name, '@') || !personal_name(cn)) {
			free(cn);
			continue;
		}
		key = tw_asprintf("%s\x01%s", a->local, cn);
		if (!key) {
			free(cn);
			goto oom;
		}
		if (tw_strmap_get(&keys, key, &other)) {
			char buf2[1024];

			snprintf(buf, sizeof(buf), "display name '%s' and local part '%s' as %s",
				 g.names[i].name, a->local, g.a[other].addr);
			snprintf(buf2, sizeof(buf2), "display name '%s' and local part '%s' as %s",
				 g.names[i].name, a->local, a->addr);
			join(&g, g.names[i].a, (size_t)other, buf, buf2);
		} else if (tw_strmap_put(&keys, key, (int64_t)g.names[i].a)) {
			free(key);
			free(cn);
			goto oom;
		}
		free(key);
		free(cn);
	}
	/* 4. edits by hand, in order */
	for (i = 0; i < nedits; i++) {
		size_t idx[256], n, keep[256], nk = 0;

		n = edit_addrs(&g, edits[i].addrs, idx, TW_ARRAY_LEN(idx));
		for (k = 0; k < n; k++) {
			int64_t ls = g.a[idx[k]].last_split;

			if (edits[i].split ? ls == edits[i].id : ls < edits[i].id)
				keep[nk++] = idx[k];
		}
		for (k = 0; k < nk; k++) {
			if (edits[i].split) {
				free(g.a[keep[k]].why);
				g.a[keep[k]].why = tw_strdup("split by hand");
			}
			if (k > 0) {
				snprintf(buf, sizeof(buf), "%s by hand with %s",
					 edits[i].split ? "split" : "merged", g.a[keep[0]].addr);
				join(&g, keep[k], keep[0], buf, NULL);
				if (!edits[i].split)
					snprintf(buf, sizeof(buf), "merged by hand with %s",
						 g.a[keep[k]].addr);
				if (!edits[i].split && !g.a[keep[0]].why)
					g.a[keep[0]].why = tw_strdup(buf);
			}
		}
	}
	st = store_group(ar, &g);
	goto out;
oom:
	st = tw_fail(ar, TRAWL_ENOMEM, "out of memory grouping people");
out:
	for (i = 0; best && i < g.n; i++)
		free(best[i]);
	free(best);
	free(best_n);
	free(pairs);
	tw_strmap_release(&keys);
	group_release(&g);
	return st;
}
