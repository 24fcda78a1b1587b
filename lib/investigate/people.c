/*
 * people.c - addresses, the people behind them, who writes to whom.
 *
 * The archive keeps every address exactly as the headers gave it (addrs,
 * email_addrs); nothing here changes those rows.  On top of them this file
 * keeps written-down evidence and a grouping into people:
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
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "investigate/investigate.h"
#include "search/search.h"

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
	sqlite3_stmt *addr_ins, *addr_get, *addr_text;
	tw_strmap name_canon; /* display name -> index into cnames */
	char **cnames;
	size_t ncnames, capcnames;
	int oom;
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
	sqlite3_finalize(ev->addr_ins);
	sqlite3_finalize(ev->addr_get);
	sqlite3_finalize(ev->addr_text);
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
		char **p = realloc(ev->cnames, cap * sizeof(*p));

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
	if ((size_t)k + nl >= sizeof(buf) && !(key = malloc((size_t)k + nl + 1))) {
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
		link *p = realloc(ev->link, cap * sizeof(*p));

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

/* The address id of a DN, inserting it into addrs when new. */
static int64_t ev_dn(evidence *ev, const char *canon)
{
	int64_t id = 0;

	if (tw_strmap_get(&ev->dns, canon, &id))
		return id;
	sqlite3_bind_text(ev->addr_ins, 1, canon, -1, SQLITE_STATIC);
	sqlite3_step(ev->addr_ins);
	sqlite3_reset(ev->addr_ins);
	sqlite3_bind_text(ev->addr_get, 1, canon, -1, SQLITE_STATIC);
	if (sqlite3_step(ev->addr_get) == SQLITE_ROW)
		id = sqlite3_column_int64(ev->addr_get, 0);
	sqlite3_reset(ev->addr_get);
	if (id && tw_strmap_put(&ev->dns, canon, id))
		ev->oom = 1;
	return id;
}

/* Canonical form and local part of a stored address, computed once. */
static const struct ca *ev_canon(evidence *ev, int64_t id)
{
	int64_t idx;
	struct ca *c;
	const char *addr = NULL;

	if (tw_intmap_get(&ev->canon, id, &idx))
		return &ev->ca[idx];
	sqlite3_bind_int64(ev->addr_text, 1, id);
	if (sqlite3_step(ev->addr_text) == SQLITE_ROW)
		addr = (const char *)sqlite3_column_text(ev->addr_text, 0);
	if (!addr) {
		sqlite3_reset(ev->addr_text);
		return NULL;
	}
	if (ev->nca == ev->capca) {
		size_t cap = ev->capca ? ev->capca * 2 : 1024;
		struct ca *p = realloc(ev->ca, cap * sizeof(*p));

		if (!p) {
			ev->oom = 1;
			return NULL;
		}
		ev->ca = p;
		ev->capca = cap;
	}
	c = &ev->ca[ev->nca];
	c->canon = tw_addr_canon(addr, &c->kind);
	c->local = tw_addr_local(c->canon, c->kind);
	sqlite3_reset(ev->addr_text);
	if (!c->canon || !c->local || tw_intmap_put(&ev->canon, id, (int64_t)ev->nca)) {
		free(c->canon);
		free(c->local);
		return NULL;
	}
	ev->nca++;
	return c;
}

typedef struct eaddr {
	int role;
	int64_t id;
} eaddr;

/* Pair one X- header's entries with the message's addresses of `role`. */
static void pair_xheader(evidence *ev, int64_t blob, int role, const char *value,
			 const eaddr *ea, size_t nea)
{
	xent ent[1024];
	size_t n = xparse(value, role == TW_FROM, 0, ent, TW_ARRAY_LEN(ent)), i, k = 0;
	const eaddr *mine[1024];

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
		for (i = 0; i < n; i++) {
			int xkind = TW_ADDR_OTHER;
			char *xcanon = NULL;
			const char *cn;
			const struct ca *ac;
			int64_t dn = 0;

			if (!mine[i]->id)
				continue;
			ac = ev_canon(ev, mine[i]->id);
			if (!ac)
				continue;
			if (ent[i].addr)
				xcanon = tw_addr_canon(ent[i].addr, &xkind);
			if (xkind == TW_ADDR_X500 && strcmp(ac->canon, xcanon)) {
				dn = ev_dn(ev, xcanon);
				if (dn)
					ev_link(ev, mine[i]->id, dn, blob);
			}
			free(xcanon);
			if (!ent[i].name || strchr(ent[i].name, '@'))
				continue;
			cn = ev_name_canon(ev, ent[i].name);
			if (cn && (role == TW_FROM || name_fits_local(cn, ac->local))) {
				ev_name(ev, mine[i]->id, ent[i].name, 1);
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

/* One pass over the addresses of the new messages (ordered by message),
 * merged with their X-From/X-To/X-cc copies. */
static trawl_status gather(evidence *ev)
{
	trawl_archive *ar = ev->ar;
	sqlite3_stmt *a = NULL, *x = NULL;
	int rca, rcx;
	eaddr ea[1024];
	size_t nea = 0;
	int64_t ea_blob = -1;
	trawl_status st = TRAWL_OK;

	if (sqlite3_prepare_v2(ar->db,
			       "SELECT ea.blob_id, ea.role, coalesce(ea.addr_id, 0), ea.name"
			       " FROM temp.tw_new n JOIN email_addrs ea ON ea.blob_id=n.blob_id"
			       " ORDER BY ea.blob_id, ea.pos",
			       -1, &a, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db,
			       "SELECT p.blob_id, p.key, p.value FROM temp.tw_new n"
			       " JOIN props_text p ON p.blob_id=n.blob_id"
			       " WHERE p.key IN ('x-from','x-to','x-cc') ORDER BY p.blob_id",
			       -1, &x, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "people: reading addresses");
		goto out;
	}
	rca = sqlite3_step(a);
	while ((rcx = sqlite3_step(x)) == SQLITE_ROW) {
		int64_t blob = sqlite3_column_int64(x, 0);
		const char *key = (const char *)sqlite3_column_text(x, 1);
		const char *val = (const char *)sqlite3_column_text(x, 2);
		int role = !strcmp(key, "x-from") ? TW_FROM : !strcmp(key, "x-to") ? TW_TO : TW_CC;

		/* Addresses of messages before this one: their names only. */
		while (rca == SQLITE_ROW && sqlite3_column_int64(a, 0) < blob) {
			const char *nm = (const char *)sqlite3_column_text(a, 3);

			if (nm && *nm && sqlite3_column_int64(a, 2))
				ev_name(ev, sqlite3_column_int64(a, 2), nm, 1);
			rca = sqlite3_step(a);
		}
		/* This message's addresses, read once for all its X- headers. */
		if (blob != ea_blob) {
			nea = 0;
			ea_blob = blob;
			while (rca == SQLITE_ROW && sqlite3_column_int64(a, 0) == blob) {
				const char *nm = (const char *)sqlite3_column_text(a, 3);

				if (nm && *nm && sqlite3_column_int64(a, 2))
					ev_name(ev, sqlite3_column_int64(a, 2), nm, 1);
				if (nea < TW_ARRAY_LEN(ea)) {
					ea[nea].role = sqlite3_column_int(a, 1);
					ea[nea].id = sqlite3_column_int64(a, 2);
					nea++;
				}
				rca = sqlite3_step(a);
			}
		}
		if (val && nea)
			pair_xheader(ev, blob, role, val, ea, nea);
		if (ev->oom)
			break;
	}
	while (rca == SQLITE_ROW) {
		const char *nm = (const char *)sqlite3_column_text(a, 3);

		if (nm && *nm && sqlite3_column_int64(a, 2))
			ev_name(ev, sqlite3_column_int64(a, 2), nm, 1);
		rca = sqlite3_step(a);
	}
	if (ev->oom)
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory gathering people");
	else if (rca != SQLITE_DONE || rcx != SQLITE_DONE)
		st = tw_dbfail(ar, "people: reading addresses");
out:
	sqlite3_finalize(a);
	sqlite3_finalize(x);
	return st;
}

static trawl_status ev_write(evidence *ev)
{
	trawl_archive *ar = ev->ar;
	sqlite3_stmt *nm = NULL, *lk = NULL;
	trawl_status st = TRAWL_OK;
	size_t i;

	if (sqlite3_prepare_v2(ar->db,
			       "INSERT INTO addr_names(addr_id, name, n) VALUES(?,?,?)"
			       " ON CONFLICT(addr_id, name) DO UPDATE SET n = n + excluded.n",
			       -1, &nm, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db,
			       "INSERT INTO addr_links(a, b, why, n, blob_id) VALUES(?,?,'x500',?,?)"
			       " ON CONFLICT(a, b, why) DO UPDATE SET n = n + excluded.n",
			       -1, &lk, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "people: writing evidence");
		goto out;
	}
	for (i = 0; i < ev->names.cap && !st; i++) {
		const char *key = ev->names.slots[i].key, *sep;

		if (!key || !(sep = strchr(key, '\x01')))
			continue;
		sqlite3_bind_int64(nm, 1, strtoll(key, NULL, 10));
		sqlite3_bind_text(nm, 2, sep + 1, -1, SQLITE_STATIC);
		sqlite3_bind_int64(nm, 3, ev->names.slots[i].val);
		if (sqlite3_step(nm) != SQLITE_DONE)
			st = tw_dbfail(ar, "people: writing names");
		sqlite3_reset(nm);
	}
	for (i = 0; i < ev->nlink && !st; i++) {
		sqlite3_bind_int64(lk, 1, ev->link[i].a);
		sqlite3_bind_int64(lk, 2, ev->link[i].b);
		sqlite3_bind_int64(lk, 3, ev->link[i].n);
		sqlite3_bind_int64(lk, 4, ev->link[i].blob);
		if (sqlite3_step(lk) != SQLITE_DONE)
			st = tw_dbfail(ar, "people: writing X.500 pairs");
		sqlite3_reset(lk);
	}
out:
	sqlite3_finalize(nm);
	sqlite3_finalize(lk);
	return st;
}

trawl_status tw_people_update(trawl_archive *ar, int full)
{
	evidence ev;
	trawl_status st;

	memset(&ev, 0, sizeof(ev));
	ev.ar = ar;
	if (full && (st = tw_exec(ar, "DELETE FROM addr_names; DELETE FROM addr_links;")))
		return st;
	if (sqlite3_prepare_v2(ar->db, "INSERT OR IGNORE INTO addrs(addr) VALUES(?)", -1,
			       &ev.addr_ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db, "SELECT id FROM addrs WHERE addr=?", -1, &ev.addr_get,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db, "SELECT addr FROM addrs WHERE id=?", -1, &ev.addr_text,
			       NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "people: preparing");
		goto out;
	}
	st = gather(&ev);
	if (!st)
		st = ev_write(&ev);
	/* Messages per address (facets over the whole archive, and the main
	 * address of a person): again for the addresses the new messages
	 * name, or for all after deletions. */
	if (!st && full)
		st = tw_exec(ar, "DELETE FROM addr_stats;"
				 "INSERT INTO addr_stats(addr_id, sent, received) SELECT addr_id,"
				 " count(DISTINCT CASE WHEN role=0 THEN blob_id END),"
				 " count(DISTINCT CASE WHEN role IN (1,2,3) THEN blob_id END)"
				 " FROM email_addrs INDEXED BY email_addrs_addr WHERE addr_id IS NOT NULL"
				 " GROUP BY addr_id;");
	else if (!st)
		st = tw_exec(ar, "INSERT OR REPLACE INTO addr_stats(addr_id, sent, received) SELECT addr_id,"
				 " count(DISTINCT CASE WHEN role=0 THEN blob_id END),"
				 " count(DISTINCT CASE WHEN role IN (1,2,3) THEN blob_id END)"
				 " FROM email_addrs INDEXED BY email_addrs_addr WHERE addr_id IN"
				 " (SELECT ea.addr_id FROM temp.tw_new n JOIN email_addrs ea ON ea.blob_id=n.blob_id)"
				 " GROUP BY addr_id;");
	if (!st)
		st = tw_people_regroup(ar);
out:
	ev_release(&ev);
	return st;
}

/* ---------------------------------------------------------------- grouping */

typedef struct gaddr {
	int64_t id, old_person, msgs;
	char *addr, *canon, *local, *why;
	int kind;
	int64_t last_split;  /* id of the last split edit naming it, 0 if none */
} gaddr;

typedef struct gname {
	size_t a;            /* index into addrs */
	char *name;
	int64_t n;
} gname;

typedef struct group {
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
		free(g->a[i].addr);
		free(g->a[i].canon);
		free(g->a[i].local);
		free(g->a[i].why);
	}
	free(g->a);
	for (i = 0; i < g->nnames; i++)
		free(g->names[i].name);
	free(g->names);
	tw_intmap_release(&g->by_id);
	tw_strmap_release(&g->by_canon);
	tw_uf_release(&g->uf);
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
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	if (sqlite3_prepare_v2(ar->db, "SELECT id, addr, coalesce(person_id, 0) FROM addrs ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "people: reading addresses");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		gaddr *a;
		const char *text = (const char *)sqlite3_column_text(s, 1);

		if (g->n == cap) {
			gaddr *p;

			cap = cap ? cap * 2 : 1024;
			p = realloc(g->a, cap * sizeof(*p));
			if (!p) {
				sqlite3_finalize(s);
				return tw_fail(ar, TRAWL_ENOMEM, "out of memory grouping people");
			}
			g->a = p;
		}
		a = &g->a[g->n];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(s, 0);
		a->old_person = sqlite3_column_int64(s, 2);
		a->addr = tw_strdup(text ? text : "");
		a->canon = tw_addr_canon(text, &a->kind);
		if (!a->canon)
			a->canon = tw_strdup(a->addr);
		a->local = tw_addr_local(a->canon, a->kind);
		if (!a->addr || !a->canon || !a->local ||
		    tw_intmap_put(&g->by_id, a->id, (int64_t)g->n)) {
			g->n++;
			sqlite3_finalize(s);
			return tw_fail(ar, TRAWL_ENOMEM, "out of memory grouping people");
		}
		g->n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return tw_dbfail(ar, "people: reading addresses");
	if (tw_uf_init(&g->uf, g->n))
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory grouping people");
	/* Messages per address, to choose each person's main address. */
	if (sqlite3_prepare_v2(ar->db, "SELECT addr_id, sent + received FROM addr_stats", -1, &s,
			       NULL) != SQLITE_OK)
		return tw_dbfail(ar, "people: counting");
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t idx;

		if (tw_intmap_get(&g->by_id, sqlite3_column_int64(s, 0), &idx))
			g->a[idx].msgs = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	cap = 0;
	if (sqlite3_prepare_v2(ar->db, "SELECT addr_id, name, n FROM addr_names", -1, &s, NULL) !=
	    SQLITE_OK)
		return tw_dbfail(ar, "people: reading names");
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t idx;
		const char *nm = (const char *)sqlite3_column_text(s, 1);

		if (!nm || !tw_intmap_get(&g->by_id, sqlite3_column_int64(s, 0), &idx))
			continue;
		if (g->nnames == cap) {
			gname *p;

			cap = cap ? cap * 2 : 1024;
			p = realloc(g->names, cap * sizeof(*p));
			if (!p)
				break;
			g->names = p;
		}
		g->names[g->nnames].a = (size_t)idx;
		g->names[g->nnames].name = tw_strdup(nm);
		g->names[g->nnames].n = sqlite3_column_int64(s, 2);
		if (g->names[g->nnames].name)
			g->nnames++;
	}
	sqlite3_finalize(s);
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

typedef struct edit {
	int64_t id;
	int split;
	char *addrs;
} edit;

trawl_status tw_people_regroup(trawl_archive *ar)
{
	group g;
	sqlite3_stmt *s = NULL, *up = NULL, *ins = NULL, *why = NULL, *item = NULL;
	edit *edits = NULL;
	size_t nedits = 0, i, k;
	trawl_status st;
	tw_strmap keys;
	char buf[1024];
	char **best = NULL;     /* canonical most used name per address */
	int64_t *best_n = NULL;
	struct pair { size_t a, b; int64_t n, total, blob; } *pairs = NULL;
	size_t npairs = 0, cap_pairs = 0;

	memset(&g, 0, sizeof(g));
	memset(&keys, 0, sizeof(keys));
	st = load_group(ar, &g);
	if (st)
		goto out;
	for (i = 0; i < g.n; i++) {
		int64_t first;

		if (!tw_strmap_get(&g.by_canon, g.a[i].canon, &first) &&
		    tw_strmap_put(&g.by_canon, g.a[i].canon, (int64_t)i))
			goto oom;
	}
	/* Edits by hand, oldest first. */
	if (sqlite3_prepare_v2(ar->db, "SELECT id, op, addrs FROM person_edits ORDER BY id", -1, &s,
			       NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "people: reading edits");
		goto out;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		edit *p = realloc(edits, (nedits + 1) * sizeof(*p));

		if (!p)
			break;
		edits = p;
		edits[nedits].id = sqlite3_column_int64(s, 0);
		edits[nedits].split = !strcmp((const char *)sqlite3_column_text(s, 1), "split");
		edits[nedits].addrs = tw_strdup((const char *)sqlite3_column_text(s, 2));
		if (edits[nedits].addrs)
			nedits++;
	}
	sqlite3_finalize(s);
	s = NULL;
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
	best = calloc(g.n ? g.n : 1, sizeof(*best));
	best_n = calloc(g.n ? g.n : 1, sizeof(*best_n));
	if (!best || !best_n)
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
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT l.a, l.b, l.n, (SELECT sum(n) FROM addr_links m WHERE m.a=l.a"
			       " AND m.why='x500'), l.blob_id FROM addr_links l WHERE l.why='x500' ORDER BY l.a",
			       -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db, "SELECT min(id) FROM items WHERE blob_id=?", -1, &item, NULL) !=
		    SQLITE_OK) {
		st = tw_dbfail(ar, "people: reading pairs");
		goto out;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t ia, ib;
		struct pair *pp;

		if (!tw_intmap_get(&g.by_id, sqlite3_column_int64(s, 0), &ia) ||
		    !tw_intmap_get(&g.by_id, sqlite3_column_int64(s, 1), &ib))
			continue;
		if (npairs == cap_pairs) {
			size_t cap = cap_pairs ? cap_pairs * 2 : 256;

			pp = realloc(pairs, cap * sizeof(*pp));
			if (!pp)
				goto oom;
			pairs = pp;
			cap_pairs = cap;
		}
		pp = &pairs[npairs++];
		pp->a = (size_t)ia;
		pp->b = (size_t)ib;
		pp->n = sqlite3_column_int64(s, 2);
		pp->total = sqlite3_column_int64(s, 3);
		pp->blob = sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	s = NULL;
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
			int64_t item_id = 0;

			if ((mixed && pp->n * 10 < pp->total * 9) || g.a[pp->a].last_split ||
			    g.a[pp->b].last_split || placeholder(g.a[pp->a].local) ||
			    tw_uf_find(&g.uf, pp->a) == tw_uf_find(&g.uf, pp->b))
				continue;
			sqlite3_bind_int64(item, 1, pp->blob);
			if (sqlite3_step(item) == SQLITE_ROW)
				item_id = sqlite3_column_int64(item, 0);
			sqlite3_reset(item);
			snprintf(buf, sizeof(buf), "Exchange gives %s as %s (%lld messages, e.g. id:%lld)",
				 g.a[pp->b].addr, g.a[pp->a].addr, (long long)pp->n, (long long)item_id);
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
	/* Write persons: id = smallest address id of the group (its root). */
	st = tw_exec(ar, "DELETE FROM persons; DELETE FROM addr_why;");
	if (st)
		goto out;
	if (sqlite3_prepare_v2(ar->db, "UPDATE addrs SET person_id=? WHERE id=?", -1, &up, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db, "INSERT INTO persons(id, name, addr, naddrs) VALUES(?,?,?,?)",
			       -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db, "INSERT INTO addr_why(addr_id, why) VALUES(?,?)", -1, &why,
			       NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "people: writing");
		goto out;
	}
	{
		/* Per root: member count, best name, main address. */
		size_t *count = calloc(g.n ? g.n : 1, sizeof(size_t));
		size_t *main_a = calloc(g.n ? g.n : 1, sizeof(size_t));
		int64_t *top_n = calloc(g.n ? g.n : 1, sizeof(int64_t));
		const char **top = calloc(g.n ? g.n : 1, sizeof(char *));

		if (!count || !main_a || !top_n || !top) {
			free(count);
			free(main_a);
			free(top_n);
			free(top);
			goto oom;
		}
		for (i = 0; i < g.n; i++) {
			size_t r = tw_uf_find(&g.uf, i);
			gaddr *m = &g.a[main_a[r]], *a = &g.a[i];

			if (!count[r]++)
				main_a[r] = i;
			else if ((a->kind == TW_ADDR_SMTP) > (m->kind == TW_ADDR_SMTP) ||
				 ((a->kind == TW_ADDR_SMTP) == (m->kind == TW_ADDR_SMTP) &&
				  a->msgs > m->msgs))
				main_a[r] = i;
		}
		for (i = 0; i < g.nnames; i++) {
			size_t r = tw_uf_find(&g.uf, g.names[i].a);
			const char *nm = g.names[i].name;

			if (strchr(nm, '@') || strchr(nm, '/'))
				continue;
			if (g.names[i].n > top_n[r]) {
				top_n[r] = g.names[i].n;
				top[r] = nm;
			}
		}
		for (i = 0; i < g.n && !st; i++) {
			size_t r = tw_uf_find(&g.uf, i);
			int64_t pid = g.a[r].id;

			if (g.a[i].old_person != pid) {
				sqlite3_bind_int64(up, 1, pid);
				sqlite3_bind_int64(up, 2, g.a[i].id);
				if (sqlite3_step(up) != SQLITE_DONE)
					st = tw_dbfail(ar, "people: writing");
				sqlite3_reset(up);
			}
			if (count[r] > 1 && g.a[i].why) {
				sqlite3_bind_int64(why, 1, g.a[i].id);
				sqlite3_bind_text(why, 2, g.a[i].why, -1, SQLITE_STATIC);
				sqlite3_step(why);
				sqlite3_reset(why);
			}
			if (r != i)
				continue;
			sqlite3_bind_int64(ins, 1, pid);
			sqlite3_bind_text(ins, 2, top[r] ? top[r] : g.a[main_a[r]].addr, -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(ins, 3, g.a[main_a[r]].addr, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 4, (int64_t)count[r]);
			if (sqlite3_step(ins) != SQLITE_DONE)
				st = tw_dbfail(ar, "people: writing");
			sqlite3_reset(ins);
		}
		free(count);
		free(main_a);
		free(top_n);
		free(top);
	}
	goto out;
oom:
	st = tw_fail(ar, TRAWL_ENOMEM, "out of memory grouping people");
out:
	sqlite3_finalize(s);
	sqlite3_finalize(up);
	sqlite3_finalize(ins);
	sqlite3_finalize(why);
	sqlite3_finalize(item);
	for (i = 0; i < nedits; i++)
		free(edits[i].addrs);
	free(edits);
	for (i = 0; best && i < g.n; i++)
		free(best[i]);
	free(best);
	free(best_n);
	free(pairs);
	tw_strmap_release(&keys);
	group_release(&g);
	return st;
}

/* ---------------------------------------------------------------- reading people */

typedef struct person_priv {
	trawl_person pub;
	tw_strpool pool;
} person_priv;

static const char *pkeep(person_priv *p, const unsigned char *s)
{
	return tw_strpool_keep(&p->pool, (const char *)s);
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

/* The addresses of person `id` (or the ungrouped address `id`). */
#define PERSON_ADDRS "(SELECT id FROM addrs WHERE person_id=?1 OR (person_id IS NULL AND id=?1))"

typedef struct pread {
	sqlite3_stmt *addrs, *names;
} pread;

static int pread_init(trawl_archive *ar, pread *r)
{
	memset(r, 0, sizeof(*r));
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT a.addr, (SELECT count(DISTINCT ea.blob_id) FROM email_addrs ea"
			       " WHERE ea.addr_id=a.id), w.why FROM addrs a"
			       " LEFT JOIN addr_why w ON w.addr_id=a.id WHERE a.id IN " PERSON_ADDRS
			       " ORDER BY 2 DESC, a.id",
			       -1, &r->addrs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db,
			       "SELECT n.name, sum(n.n) FROM addr_names n WHERE n.addr_id IN " PERSON_ADDRS
			       " GROUP BY n.name ORDER BY 2 DESC, n.name LIMIT 100",
			       -1, &r->names, NULL) != SQLITE_OK) {
		sqlite3_finalize(r->addrs);
		sqlite3_finalize(r->names);
		return tw_dbfail(ar, "reading people");
	}
	return 0;
}

static void pread_release(pread *r)
{
	sqlite3_finalize(r->addrs);
	sqlite3_finalize(r->names);
}

/* A person with its addresses and names; counts are filled by the caller. */
static person_priv *person_load(pread *r, int64_t id, const unsigned char *name,
				const unsigned char *addr)
{
	person_priv *p = calloc(1, sizeof(*p));
	size_t cap = 0;

	if (!p)
		return NULL;
	p->pub.id = id;
	p->pub.name = pkeep(p, name);
	p->pub.addr = pkeep(p, addr);
	sqlite3_bind_int64(r->addrs, 1, id);
	while (sqlite3_step(r->addrs) == SQLITE_ROW) {
		trawl_person_addr *a;

		if (p->pub.naddrs == cap) {
			cap = cap ? cap * 2 : 4;
			a = realloc(p->pub.addrs, cap * sizeof(*a));
			if (!a)
				break;
			p->pub.addrs = a;
		}
		a = &p->pub.addrs[p->pub.naddrs++];
		a->addr = pkeep(p, sqlite3_column_text(r->addrs, 0));
		a->messages = sqlite3_column_int64(r->addrs, 1);
		a->why = pkeep(p, sqlite3_column_text(r->addrs, 2));
	}
	sqlite3_reset(r->addrs);
	cap = 0;
	sqlite3_bind_int64(r->names, 1, id);
	while (sqlite3_step(r->names) == SQLITE_ROW) {
		trawl_person_name *n;

		if (p->pub.nnames == cap) {
			cap = cap ? cap * 2 : 4;
			n = realloc(p->pub.names, cap * sizeof(*n));
			if (!n)
				break;
			p->pub.names = n;
		}
		n = &p->pub.names[p->pub.nnames++];
		n->name = pkeep(p, sqlite3_column_text(r->names, 0));
		n->count = sqlite3_column_int64(r->names, 1);
	}
	sqlite3_reset(r->names);
	if (!p->pub.addr && p->pub.naddrs)
		p->pub.addr = p->pub.addrs[0].addr;
	if (!p->pub.name)
		p->pub.name = p->pub.nnames ? p->pub.names[0].name : p->pub.addr;
	return p;
}

/* temp.tw_pstat(pid, sent, received, first, last) over the messages in
 * temp.`qtable` (NULL: all messages). */
static trawl_status person_stats(trawl_archive *ar, const char *qtable)
{
	char sql[1200];
	trawl_status st;

	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_pstat(pid INTEGER PRIMARY KEY,"
			 " sent INTEGER, received INTEGER, first INTEGER, last INTEGER);"
			 "DELETE FROM temp.tw_pstat;");
	if (st)
		return st;
	snprintf(sql, sizeof(sql),
		 "INSERT INTO temp.tw_pstat SELECT coalesce(a.person_id, a.id),"
		 " count(DISTINCT CASE WHEN ea.role=0 THEN ea.blob_id END),"
		 " count(DISTINCT CASE WHEN ea.role IN (1,2,3) THEN ea.blob_id END),"
		 " min(b.date), max(b.date)"
		 " FROM %s%s%s email_addrs ea JOIN addrs a ON a.id=ea.addr_id"
		 " LEFT JOIN blobs b ON b.id=ea.blob_id"
		 " WHERE ea.role IN (0,1,2,3) %s GROUP BY 1",
		 qtable ? "temp." : "", qtable ? qtable : "", qtable ? " x JOIN" : "",
		 qtable ? "AND ea.blob_id=x.blob_id" : "");
	return tw_exec(ar, sql);
}

static void fill_counts(trawl_person *p, sqlite3_stmt *s, int col)
{
	p->sent = sqlite3_column_int64(s, col);
	p->received = sqlite3_column_int64(s, col + 1);
	if (sqlite3_column_type(s, col + 2) != SQLITE_NULL) {
		p->first = sqlite3_column_int64(s, col + 2);
		p->last = sqlite3_column_int64(s, col + 3);
		p->has_dates = 1;
	}
}

trawl_status trawl_people(trawl_archive *ar, const char *query, const trawl_people_opts *opts,
			  trawl_person_fn fn, void *ud, trawl_syntax_error *err)
{
	trawl_people_opts def;
	trawl_status st;
	int all = 1;
	sqlite3_stmt *s = NULL;
	pread r;
	char *pat = NULL;
	tw_buf sql;
	int rc;

	if (!opts) {
		memset(&def, 0, sizeof(def));
		opts = &def;
	}
	if (query && *query) {
		st = tw_query_temp(ar, query, "tw_pq", NULL, &all, err);
		if (st)
			return st;
	}
	st = person_stats(ar, all ? NULL : "tw_pq");
	if (st)
		return st;
	if (pread_init(ar, &r))
		return TRAWL_EDB;
	tw_buf_init(&sql, 1 << 14);
	tw_buf_puts(&sql, "SELECT s.pid, p.name, p.addr, s.sent, s.received, s.first, s.last"
			  " FROM temp.tw_pstat s LEFT JOIN persons p ON p.id=s.pid");
	if (opts->match && *opts->match) {
		char *lower = tw_strdup(opts->match);

		tw_ascii_lower(lower);
		pat = tw_asprintf("%%%s%%", lower ? lower : opts->match);
		free(lower);
		tw_buf_puts(&sql, " WHERE s.pid IN (SELECT coalesce(person_id, id) FROM addrs WHERE addr LIKE ?1"
				  " UNION SELECT coalesce(a.person_id, a.id) FROM addr_names n"
				  " JOIN addrs a ON a.id=n.addr_id WHERE n.name LIKE ?1)");
	}
	tw_buf_printf(&sql, " ORDER BY %s LIMIT %lld OFFSET %lld",
		      opts->by_name ? "coalesce(p.name, p.addr) COLLATE NOCASE, s.pid"
				    : "s.sent + s.received DESC, s.pid",
		      (long long)(opts->limit > 0 ? opts->limit : -1),
		      (long long)(opts->offset > 0 ? opts->offset : 0));
	if (sqlite3_prepare_v2(ar->db, sql.data, -1, &s, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "listing people");
		goto out;
	}
	if (pat)
		sqlite3_bind_text(s, 1, pat, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		person_priv *p = person_load(&r, sqlite3_column_int64(s, 0), sqlite3_column_text(s, 1),
					     sqlite3_column_text(s, 2));
		int stop;

		if (!p) {
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
			break;
		}
		fill_counts(&p->pub, s, 3);
		stop = fn(&p->pub, ud);
		trawl_person_free(&p->pub);
		if (stop)
			break;
	}
	if (!st && rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "listing people");
out:
	sqlite3_finalize(s);
	pread_release(&r);
	tw_buf_release(&sql);
	free(pat);
	return st;
}

trawl_status trawl_person_get(trawl_archive *ar, int64_t id, trawl_person **out)
{
	sqlite3_stmt *s;
	person_priv *p = NULL;
	pread r;
	trawl_status st = TRAWL_OK;

	*out = NULL;
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT p.name, p.addr,"
			       " (SELECT count(DISTINCT blob_id) FROM email_addrs WHERE role=0 AND addr_id IN " PERSON_ADDRS "),"
			       " (SELECT count(DISTINCT blob_id) FROM email_addrs WHERE role IN (1,2,3) AND addr_id IN " PERSON_ADDRS "),"
			       " (SELECT min(b.date) FROM email_addrs ea JOIN blobs b ON b.id=ea.blob_id WHERE ea.role IN (0,1,2,3) AND ea.addr_id IN " PERSON_ADDRS "),"
			       " (SELECT max(b.date) FROM email_addrs ea JOIN blobs b ON b.id=ea.blob_id WHERE ea.role IN (0,1,2,3) AND ea.addr_id IN " PERSON_ADDRS "),"
			       " EXISTS(SELECT 1 FROM addrs WHERE id IN " PERSON_ADDRS ")"
			       " FROM (SELECT ?1 AS id) k LEFT JOIN persons p ON p.id=k.id",
			       -1, &s, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "reading a person");
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW || !sqlite3_column_int(s, 6)) {
		sqlite3_finalize(s);
		return tw_fail(ar, TRAWL_ENOTFOUND, "no person with id %lld", (long long)id);
	}
	if (pread_init(ar, &r)) {
		sqlite3_finalize(s);
		return TRAWL_EDB;
	}
	p = person_load(&r, id, sqlite3_column_text(s, 0), sqlite3_column_text(s, 1));
	if (p)
		fill_counts(&p->pub, s, 2);
	else
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	pread_release(&r);
	sqlite3_finalize(s);
	if (p)
		*out = &p->pub;
	return st;
}

trawl_status trawl_person_find(trawl_archive *ar, const char *spec, int64_t *id)
{
	sqlite3_stmt *s;
	char *end, *canon = NULL, *pat = NULL;
	long long v;
	int64_t found[6];
	size_t n = 0;
	tw_buf msg;

	*id = 0;
	if (!spec || !*spec)
		return tw_fail(ar, TRAWL_EINVAL, "no person given");
	if (!strncmp(spec, "person:", 7))
		spec += 7;
	v = strtoll(spec, &end, 10);
	if (*spec && !*end && v > 0) {
		if (sqlite3_prepare_v2(ar->db, "SELECT 1 FROM addrs WHERE id=?1 AND coalesce(person_id, id)=?1",
				       -1, &s, NULL) != SQLITE_OK)
			return tw_dbfail(ar, "finding a person");
		sqlite3_bind_int64(s, 1, v);
		n = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_finalize(s);
		if (!n)
			return tw_fail(ar, TRAWL_ENOTFOUND, "no person with id %lld", v);
		*id = v;
		return TRAWL_OK;
	}
	if (strchr(spec, '@') || spec[0] == '/') {
		canon = tw_addr_canon(spec, NULL);
		if (sqlite3_prepare_v2(ar->db, "SELECT coalesce(person_id, id) FROM addrs WHERE addr=?", -1,
				       &s, NULL) != SQLITE_OK) {
			free(canon);
			return tw_dbfail(ar, "finding a person");
		}
		sqlite3_bind_text(s, 1, canon ? canon : spec, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			*id = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		free(canon);
		if (!*id)
			return tw_fail(ar, TRAWL_ENOTFOUND, "no address '%s' in the archive", spec);
		return TRAWL_OK;
	}
	pat = tw_asprintf("%%%s%%", spec);
	if (!pat)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT pid FROM (SELECT coalesce(person_id, id) AS pid FROM addrs WHERE addr LIKE ?1"
			       " UNION SELECT coalesce(a.person_id, a.id) FROM addr_names n JOIN addrs a"
			       " ON a.id=n.addr_id WHERE n.name LIKE ?1) ORDER BY pid LIMIT 6",
			       -1, &s, NULL) != SQLITE_OK) {
		free(pat);
		return tw_dbfail(ar, "finding a person");
	}
	sqlite3_bind_text(s, 1, pat, -1, SQLITE_STATIC);
	while (n < TW_ARRAY_LEN(found) && sqlite3_step(s) == SQLITE_ROW)
		found[n++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	free(pat);
	if (n == 0)
		return tw_fail(ar, TRAWL_ENOTFOUND, "nobody matches '%s'", spec);
	if (n == 1) {
		*id = found[0];
		return TRAWL_OK;
	}
	tw_buf_init(&msg, 900);
	tw_buf_printf(&msg, "'%s' fits several people; give an id or an address:", spec);
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT coalesce(p.name, a.addr), coalesce(p.addr, a.addr) FROM addrs a"
			       " LEFT JOIN persons p ON p.id=?1 WHERE a.id=?1",
			       -1, &s, NULL) == SQLITE_OK) {
		size_t i;

		for (i = 0; i < n && i < 5; i++) {
			sqlite3_bind_int64(s, 1, found[i]);
			if (sqlite3_step(s) == SQLITE_ROW)
				tw_buf_printf(&msg, " %lld (%s <%s>)%s", (long long)found[i],
					      (const char *)sqlite3_column_text(s, 0),
					      (const char *)sqlite3_column_text(s, 1), i + 1 < n ? "," : "");
			sqlite3_reset(s);
		}
		if (n > 5)
			tw_buf_puts(&msg, " ...");
		sqlite3_finalize(s);
	}
	tw_fail(ar, TRAWL_EINVAL, "%s", msg.data ? msg.data : "several people fit");
	tw_buf_release(&msg);
	return TRAWL_EINVAL;
}

/* Record an edit by hand and regroup, in one transaction. */
static trawl_status person_edit(trawl_archive *ar, const char *op, const char *addrs)
{
	sqlite3_stmt *s;
	trawl_status st = tw_exec(ar, "BEGIN IMMEDIATE");

	if (st)
		return st;
	if (sqlite3_prepare_v2(ar->db, "INSERT INTO person_edits(op, addrs, created) VALUES(?,?,?)", -1,
			       &s, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "recording the edit");
	} else {
		sqlite3_bind_text(s, 1, op, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, addrs, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
		if (sqlite3_step(s) != SQLITE_DONE)
			st = tw_dbfail(ar, "recording the edit");
		sqlite3_finalize(s);
	}
	if (!st)
		st = tw_people_regroup(ar);
	if (st) {
		tw_exec(ar, "ROLLBACK");
		return st;
	}
	return tw_exec(ar, "COMMIT");
}

/* The main address of person `id`, canonical (caller frees). */
static char *person_addr(trawl_archive *ar, int64_t id)
{
	sqlite3_stmt *s;
	char *a = NULL;

	if (sqlite3_prepare_v2(ar->db,
			       "SELECT coalesce((SELECT addr FROM persons WHERE id=?1),"
			       " (SELECT addr FROM addrs WHERE id=?1))",
			       -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		a = tw_addr_canon((const char *)sqlite3_column_text(s, 0), NULL);
	sqlite3_finalize(s);
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
	sqlite3_stmt *s;
	trawl_status st = tw_writable(ar);
	size_t i;

	if (st)
		return st;
	if (!n)
		return tw_fail(ar, TRAWL_EINVAL, "split needs at least one address");
	if (sqlite3_prepare_v2(ar->db, "SELECT 1 FROM addrs WHERE addr=?", -1, &s, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "splitting");
	tw_buf_init(&list, 1 << 16);
	for (i = 0; i < n && !st; i++) {
		char *c = tw_addr_canon(addrs[i], NULL);

		if (c && !strchr(c, ' ')) {
			sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
			if (sqlite3_step(s) != SQLITE_ROW)
				st = tw_fail(ar, TRAWL_ENOTFOUND, "no address '%s' in the archive", addrs[i]);
			sqlite3_reset(s);
			if (list.len)
				tw_buf_putc(&list, ' ');
			tw_buf_puts(&list, c);
		} else {
			st = tw_fail(ar, TRAWL_EINVAL, "'%s' is not an address", addrs[i]);
		}
		free(c);
	}
	sqlite3_finalize(s);
	if (!st)
		st = person_edit(ar, "split", list.data);
	tw_buf_release(&list);
	return st;
}

/* ---------------------------------------------------------------- contacts */

trawl_status trawl_contacts(trawl_archive *ar, int64_t id, const char *query,
			    trawl_contact_fn fn, void *ud, trawl_syntax_error *err)
{
	trawl_status st;
	int all = 1, rc;
	char sql[2000];
	const char *qj;
	sqlite3_stmt *s = NULL;

	if (query && *query) {
		st = tw_query_temp(ar, query, "tw_cq", NULL, &all, err);
		if (st)
			return st;
	}
	qj = all ? "" : " JOIN temp.tw_cq x ON x.blob_id=f.blob_id";
	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_ct(pid INTEGER PRIMARY KEY, sent INTEGER,"
			 " received INTEGER, first INTEGER, last INTEGER); DELETE FROM temp.tw_ct;");
	if (st)
		return st;
	/* Messages from the person, by recipient; then to the person, by sender. */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO temp.tw_ct SELECT coalesce(ra.person_id, ra.id), count(DISTINCT f.blob_id), 0,"
		 " min(b.date), max(b.date) FROM email_addrs f%s"
		 " JOIN email_addrs r ON r.blob_id=f.blob_id AND r.role IN (1,2,3)"
		 " JOIN addrs ra ON ra.id=r.addr_id LEFT JOIN blobs b ON b.id=f.blob_id"
		 " WHERE f.role=0 AND f.addr_id IN " PERSON_ADDRS " GROUP BY 1;"
		 "INSERT INTO temp.tw_ct SELECT coalesce(fa.person_id, fa.id), 0, count(DISTINCT f.blob_id),"
		 " min(b.date), max(b.date) FROM email_addrs r"
		 " JOIN email_addrs f ON f.blob_id=r.blob_id AND f.role=0%s"
		 " JOIN addrs fa ON fa.id=f.addr_id LEFT JOIN blobs b ON b.id=f.blob_id"
		 " WHERE r.role IN (1,2,3) AND r.addr_id IN " PERSON_ADDRS " GROUP BY 1 HAVING true"
		 " ON CONFLICT(pid) DO UPDATE SET received=excluded.received,"
		 " first=min(coalesce(first, excluded.first), coalesce(excluded.first, first)),"
		 " last=max(coalesce(last, excluded.last), coalesce(excluded.last, last));",
		 qj, qj);
	{
		/* Two statements with the same parameter: run them one by one. */
		const char *tail = sql;

		while (tail && *tail && !st) {
			if (sqlite3_prepare_v2(ar->db, tail, -1, &s, &tail) != SQLITE_OK) {
				st = tw_dbfail(ar, "reading contacts");
				break;
			}
			if (!s)
				break;
			sqlite3_bind_int64(s, 1, id);
			if (sqlite3_step(s) != SQLITE_DONE)
				st = tw_dbfail(ar, "reading contacts");
			sqlite3_finalize(s);
			s = NULL;
		}
	}
	if (st)
		return st;
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT c.pid, coalesce(p.name, a.addr), coalesce(p.addr, a.addr), c.sent,"
			       " c.received, c.first, c.last FROM temp.tw_ct c"
			       " LEFT JOIN persons p ON p.id=c.pid LEFT JOIN addrs a ON a.id=c.pid"
			       " WHERE c.pid<>?1 ORDER BY c.sent + c.received DESC, c.pid",
			       -1, &s, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "reading contacts");
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		trawl_contact c;

		memset(&c, 0, sizeof(c));
		c.person_id = sqlite3_column_int64(s, 0);
		c.name = (const char *)sqlite3_column_text(s, 1);
		c.addr = (const char *)sqlite3_column_text(s, 2);
		c.sent = sqlite3_column_int64(s, 3);
		c.received = sqlite3_column_int64(s, 4);
		if (sqlite3_column_type(s, 5) != SQLITE_NULL) {
			c.first = sqlite3_column_int64(s, 5);
			c.last = sqlite3_column_int64(s, 6);
			c.has_dates = 1;
		}
		if (fn(&c, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "reading contacts");
	sqlite3_finalize(s);
	return st;
}
