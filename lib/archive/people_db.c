/*
 * people_db.c - the SQLite side of people: the evidence tables
 * (addr_names, addr_links, addr_stats), the edits by hand (person_edits),
 * the grouping (persons, addrs.person_id, addr_why), and the reads behind
 * trawl_people, trawl_person_get/find and trawl_contacts.
 *
 * The rules that turn evidence into people live in lib/investigate/people.c;
 * this file only loads and stores, a whole set per call (see the section
 * "derived: people and conversations" of archive.h).  The pending emails
 * are temp.tw_new (lib/archive/threads_db.c); a query's matches are the
 * temp table tw_query_temp() filled.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive/archive.h"

/* Cached statements (tw_stmt slots): address ids and texts, asked once
 * per DN or paired address during the pass after an ingest. */
enum { S_PADDR_GET = 36, S_PADDR_INS, S_PADDR_TEXT };

/* ---------------------------------------------------------------- evidence */

/* One email's rows while the two ordered scans are merged: strings are
 * kept in one arena (offsets + 1, 0 for NULL) until the callback. */
typedef struct erows {
	tw_ar_addr_use *a;
	size_t *aoff;        /* names */
	size_t na, capa;
	tw_ar_xcopy *x;
	size_t *xoff;
	size_t nx, capx;
	tw_buf text;
	int failed;          /* a string could not be kept */
} erows;

static size_t keep_col(erows *r, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t off = r->text.len;

	if (!t)
		return 0;
	if (tw_buf_append(&r->text, t, strlen((const char *)t) + 1)) {
		r->failed = 1;
		return 0;
	}
	return off + 1;
}

static const char *at(const erows *r, size_t off)
{
	return off ? r->text.data + off - 1 : NULL;
}

static int add_addr(erows *r, sqlite3_stmt *s)
{
	if (r->na == r->capa) {
		size_t cap = r->capa ? r->capa * 2 : 64;
		tw_ar_addr_use *p = tw_realloc(r->a, cap * sizeof(*p));
		size_t *o;

		if (!p)
			return -1;
		r->a = p;
		o = tw_realloc(r->aoff, cap * sizeof(*o));
		if (!o)
			return -1;
		r->aoff = o;
		r->capa = cap;
	}
	r->a[r->na].role = sqlite3_column_int(s, 1);
	r->a[r->na].addr_id = sqlite3_column_int64(s, 2);
	r->aoff[r->na] = keep_col(r, s, 3);
	r->na++;
	return 0;
}

static int add_x(erows *r, sqlite3_stmt *s)
{
	const char *key = (const char *)sqlite3_column_text(s, 1);

	if (r->nx == r->capx) {
		size_t cap = r->capx ? r->capx * 2 : 4;
		tw_ar_xcopy *p = tw_realloc(r->x, cap * sizeof(*p));
		size_t *o;

		if (!p)
			return -1;
		r->x = p;
		o = tw_realloc(r->xoff, cap * sizeof(*o));
		if (!o)
			return -1;
		r->xoff = o;
		r->capx = cap;
	}
	r->x[r->nx].role = key && !strcmp(key, "x-from") ? TW_FROM
			 : key && !strcmp(key, "x-to")   ? TW_TO
							 : TW_CC;
	r->xoff[r->nx] = keep_col(r, s, 2);
	r->nx++;
	return 0;
}

trawl_status tw_ar_pending_addrs(trawl_archive *ar,
				 int (*fn)(const tw_ar_email_addrs *e, void *ud), void *ud)
{
	sqlite3_stmt *a = NULL, *x = NULL;
	erows r;
	int rca, rcx, stop = 0;
	trawl_status st = TRAWL_OK;
	size_t i;

	memset(&r, 0, sizeof(r));
	tw_buf_init(&r.text, (size_t)1 << 30);
	a = tw_prepare(ar,
		       "SELECT ea.blob_id, ea.role, coalesce(ea.addr_id, 0), ea.name"
		       " FROM temp.tw_new n JOIN email_addrs ea ON ea.blob_id=n.blob_id"
		       " ORDER BY ea.blob_id, ea.pos",
		       "people: reading addresses");
	if (!a)
		return TRAWL_EDB;
	x = tw_prepare(ar,
		       "SELECT p.blob_id, p.key, p.value FROM temp.tw_new n"
		       " JOIN props_text p ON p.blob_id=n.blob_id"
		       " WHERE p.key IN ('x-from','x-to','x-cc') ORDER BY p.blob_id",
		       "people: reading addresses");
	if (!x) {
		sqlite3_finalize(a);
		return TRAWL_EDB;
	}
	/* Both scans are in blob order: merge them, one email at a time. */
	rca = sqlite3_step(a);
	rcx = sqlite3_step(x);
	while (!stop && (rca == SQLITE_ROW || rcx == SQLITE_ROW)) {
		int64_t blob = rca == SQLITE_ROW ? sqlite3_column_int64(a, 0) : INT64_MAX;
		tw_ar_email_addrs e;

		if (rcx == SQLITE_ROW && sqlite3_column_int64(x, 0) < blob)
			blob = sqlite3_column_int64(x, 0);
		r.na = r.nx = 0;
		tw_buf_reset(&r.text);
		for (; rca == SQLITE_ROW && sqlite3_column_int64(a, 0) == blob; rca = sqlite3_step(a))
			if (add_addr(&r, a))
				goto oom;
		for (; rcx == SQLITE_ROW && sqlite3_column_int64(x, 0) == blob; rcx = sqlite3_step(x))
			if (add_x(&r, x))
				goto oom;
		if (r.failed)
			goto oom;
		for (i = 0; i < r.na; i++)
			r.a[i].name = at(&r, r.aoff[i]);
		for (i = 0; i < r.nx; i++)
			r.x[i].value = at(&r, r.xoff[i]);
		e.blob_id = blob;
		e.addrs = r.a;
		e.naddrs = r.na;
		e.x = r.x;
		e.nx = r.nx;
		stop = fn(&e, ud);
	}
	if (!stop && (rca != SQLITE_DONE || rcx != SQLITE_DONE))
		st = tw_dbfail(ar, "people: reading addresses");
	goto out;
oom:
	st = tw_fail(ar, TRAWL_ENOMEM, "out of memory gathering people");
out:
	sqlite3_finalize(a);
	sqlite3_finalize(x);
	free(r.a);
	free(r.aoff);
	free(r.x);
	free(r.xoff);
	tw_buf_release(&r.text);
	return st;
}

trawl_status tw_ar_addr_id(trawl_archive *ar, const char *addr, int64_t *id)
{
	sqlite3_stmt *s = tw_stmt(ar, S_PADDR_GET, "SELECT id FROM addrs WHERE addr=?");

	*id = 0;
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (*id)
		return TRAWL_OK;
	s = tw_stmt(ar, S_PADDR_INS, "INSERT INTO addrs(addr) VALUES(?)");
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		trawl_status st = tw_dbfail(ar, "people: adding an address");

		sqlite3_reset(s);
		return st;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(ar->db);
	return TRAWL_OK;
}

trawl_status tw_ar_addr_text(trawl_archive *ar, int64_t id, char **addr)
{
	sqlite3_stmt *s = tw_stmt(ar, S_PADDR_TEXT, "SELECT addr FROM addrs WHERE id=?");
	trawl_status st = TRAWL_OK;

	*addr = NULL;
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
		*addr = tw_strdup((const char *)sqlite3_column_text(s, 0));
		if (!*addr)
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	}
	sqlite3_reset(s);
	return st;
}

trawl_status tw_ar_people_evidence(trawl_archive *ar, int full,
				   const tw_ar_name_seen *names, size_t nnames,
				   const tw_ar_pair_seen *pairs, size_t npairs)
{
	sqlite3_stmt *nm = NULL, *lk = NULL;
	trawl_status st = TRAWL_OK;
	size_t i;

	if (full && (st = tw_exec(ar, "DELETE FROM addr_names; DELETE FROM addr_links;")))
		return st;
	nm = tw_prepare(ar,
			"INSERT INTO addr_names(addr_id, name, n) VALUES(?,?,?)"
			" ON CONFLICT(addr_id, name) DO UPDATE SET n = n + excluded.n",
			"people: writing evidence");
	lk = nm ? tw_prepare(ar,
			     "INSERT INTO addr_links(a, b, why, n, blob_id) VALUES(?,?,'x500',?,?)"
			     " ON CONFLICT(a, b, why) DO UPDATE SET n = n + excluded.n",
			     "people: writing evidence")
		: NULL;
	if (!nm || !lk) {
		st = TRAWL_EDB;
		goto out;
	}
	for (i = 0; i < nnames && !st; i++) {
		sqlite3_bind_int64(nm, 1, names[i].addr_id);
		sqlite3_bind_text(nm, 2, names[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(nm, 3, names[i].n);
		if (sqlite3_step(nm) != SQLITE_DONE)
			st = tw_dbfail(ar, "people: writing names");
		sqlite3_reset(nm);
	}
	for (i = 0; i < npairs && !st; i++) {
		sqlite3_bind_int64(lk, 1, pairs[i].a);
		sqlite3_bind_int64(lk, 2, pairs[i].b);
		sqlite3_bind_int64(lk, 3, pairs[i].n);
		sqlite3_bind_int64(lk, 4, pairs[i].blob_id);
		if (sqlite3_step(lk) != SQLITE_DONE)
			st = tw_dbfail(ar, "people: writing X.500 pairs");
		sqlite3_reset(lk);
	}
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
out:
	sqlite3_finalize(nm);
	sqlite3_finalize(lk);
	return st;
}

/* ---------------------------------------------------------------- grouping */

void tw_ar_people_inputs_release(tw_ar_people_inputs *in)
{
	size_t i;

	for (i = 0; i < in->naddrs; i++)
		free(in->addrs[i].addr);
	free(in->addrs);
	for (i = 0; i < in->nnames; i++)
		free(in->names[i].name);
	free(in->names);
	free(in->pairs);
	for (i = 0; i < in->nedits; i++)
		free(in->edits[i].addrs);
	free(in->edits);
	memset(in, 0, sizeof(*in));
}

/* Room for one more element in *v (n used, *cap allocated). */
static int grow(void **v, size_t n, size_t *cap, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 1024;
	p = tw_realloc(*v, c * size);
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

trawl_status tw_ar_people_load(trawl_archive *ar, tw_ar_people_inputs *in)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;
	const char *what;

	memset(in, 0, sizeof(*in));
	what = "people: reading addresses";
	s = tw_prepare(ar,
		       "SELECT a.id, a.addr, coalesce(a.person_id, 0), coalesce(t.sent + t.received, 0)"
		       " FROM addrs a LEFT JOIN addr_stats t ON t.addr_id=a.id ORDER BY a.id",
		       what);
	if (!s)
		return TRAWL_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		tw_ar_gaddr *a;
		const char *text = (const char *)sqlite3_column_text(s, 1);

		if (grow((void **)&in->addrs, in->naddrs, &cap, sizeof(*a)))
			goto oom;
		a = &in->addrs[in->naddrs];
		a->id = sqlite3_column_int64(s, 0);
		a->person_id = sqlite3_column_int64(s, 2);
		a->messages = sqlite3_column_int64(s, 3);
		a->addr = tw_strdup(text ? text : "");
		if (!a->addr)
			goto oom;
		in->naddrs++;
	}
	if (rc != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(s);

	what = "people: reading names";
	cap = 0;
	s = tw_prepare(ar, "SELECT addr_id, name, n FROM addr_names", what);
	if (!s)
		return TRAWL_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		tw_ar_gname *g;
		const char *nm = (const char *)sqlite3_column_text(s, 1);

		if (!nm)
			continue;
		if (grow((void **)&in->names, in->nnames, &cap, sizeof(*g)))
			goto oom;
		g = &in->names[in->nnames];
		g->addr_id = sqlite3_column_int64(s, 0);
		g->n = sqlite3_column_int64(s, 2);
		g->name = tw_strdup(nm);
		if (!g->name)
			goto oom;
		in->nnames++;
	}
	if (rc != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(s);

	what = "people: reading pairs";
	cap = 0;
	s = tw_prepare(ar,
		       "SELECT l.a, l.b, l.n, (SELECT sum(n) FROM addr_links m WHERE m.a=l.a"
		       " AND m.why='x500'), (SELECT min(id) FROM items WHERE blob_id=l.blob_id)"
		       " FROM addr_links l WHERE l.why='x500' ORDER BY l.a",
		       what);
	if (!s)
		return TRAWL_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		tw_ar_gpair *p;

		if (grow((void **)&in->pairs, in->npairs, &cap, sizeof(*p)))
			goto oom;
		p = &in->pairs[in->npairs++];
		p->a = sqlite3_column_int64(s, 0);
		p->b = sqlite3_column_int64(s, 1);
		p->n = sqlite3_column_int64(s, 2);
		p->total = sqlite3_column_int64(s, 3);
		p->item_id = sqlite3_column_int64(s, 4);
	}
	if (rc != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(s);

	what = "people: reading edits";
	cap = 0;
	s = tw_prepare(ar, "SELECT id, op, addrs FROM person_edits ORDER BY id", what);
	if (!s)
		return TRAWL_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		tw_ar_gedit *e;
		const char *op = (const char *)sqlite3_column_text(s, 1);

		if (grow((void **)&in->edits, in->nedits, &cap, sizeof(*e)))
			goto oom;
		e = &in->edits[in->nedits];
		e->id = sqlite3_column_int64(s, 0);
		e->split = op && !strcmp(op, "split");
		e->addrs = tw_strdup((const char *)sqlite3_column_text(s, 2));
		if (!e->addrs)
			goto oom;
		in->nedits++;
	}
	if (rc != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(s);
	return TRAWL_OK;
dbfail:
	tw_dbfail(ar, what);
	sqlite3_finalize(s);
	return TRAWL_EDB;
oom:
	sqlite3_finalize(s);
	return tw_fail(ar, TRAWL_ENOMEM, "out of memory grouping people");
}

trawl_status tw_ar_people_store(trawl_archive *ar, const tw_ar_grouped *addrs, size_t naddrs,
				const tw_ar_person_row *persons, size_t npersons)
{
	sqlite3_stmt *up = NULL, *ins = NULL, *why = NULL;
	trawl_status st;
	size_t i;

	st = tw_exec(ar, "DELETE FROM persons; DELETE FROM addr_why;");
	if (st)
		return st;
	up = tw_prepare(ar, "UPDATE addrs SET person_id=? WHERE id=?", "people: writing");
	ins = up ? tw_prepare(ar, "INSERT INTO persons(id, name, addr, naddrs) VALUES(?,?,?,?)",
			      "people: writing")
		 : NULL;
	why = ins ? tw_prepare(ar, "INSERT INTO addr_why(addr_id, why) VALUES(?,?)",
			       "people: writing")
		  : NULL;
	if (!why) {
		st = TRAWL_EDB;
		goto out;
	}
	for (i = 0; i < naddrs && !st; i++) {
		const tw_ar_grouped *a = &addrs[i];

		if (a->person_id != a->old_person_id) {
			sqlite3_bind_int64(up, 1, a->person_id);
			sqlite3_bind_int64(up, 2, a->addr_id);
			if (sqlite3_step(up) != SQLITE_DONE)
				st = tw_dbfail(ar, "people: writing");
			sqlite3_reset(up);
		}
		if (!st && a->why) {
			sqlite3_bind_int64(why, 1, a->addr_id);
			sqlite3_bind_text(why, 2, a->why, -1, SQLITE_STATIC);
			if (sqlite3_step(why) != SQLITE_DONE)
				st = tw_dbfail(ar, "people: writing");
			sqlite3_reset(why);
		}
	}
	for (i = 0; i < npersons && !st; i++) {
		sqlite3_bind_int64(ins, 1, persons[i].id);
		sqlite3_bind_text(ins, 2, persons[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, persons[i].addr, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 4, persons[i].naddrs);
		if (sqlite3_step(ins) != SQLITE_DONE)
			st = tw_dbfail(ar, "people: writing");
		sqlite3_reset(ins);
	}
out:
	sqlite3_finalize(up);
	sqlite3_finalize(ins);
	sqlite3_finalize(why);
	return st;
}

trawl_status tw_ar_person_edit_add(trawl_archive *ar, const char *op, const char *addrs)
{
	sqlite3_stmt *s = tw_prepare(ar, "INSERT INTO person_edits(op, addrs, created) VALUES(?,?,?)",
				     "recording the edit");
	trawl_status st = TRAWL_OK;

	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_text(s, 1, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, addrs, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	if (sqlite3_step(s) != SQLITE_DONE)
		st = tw_dbfail(ar, "recording the edit");
	sqlite3_finalize(s);
	return st;
}

/* ---------------------------------------------------------------- reading people */

/* The addresses of person `id` (or the ungrouped address `id`). */
#define PERSON_ADDRS "(SELECT id FROM addrs WHERE person_id=?1 OR (person_id IS NULL AND id=?1))"

/* Statements that fill a person's addresses and names, kept for a listing. */
typedef struct pread {
	sqlite3_stmt *addrs, *names;
	trawl_person_addr *a;
	size_t capa;
	trawl_person_name *n;
	size_t capn;
	tw_strpool pool;     /* the strings of the person being shown */
} pread;

static trawl_status pread_init(trawl_archive *ar, pread *r)
{
	memset(r, 0, sizeof(*r));
	r->addrs = tw_prepare(ar,
			      "SELECT a.addr, (SELECT count(DISTINCT ea.blob_id) FROM email_addrs ea"
			      " WHERE ea.addr_id=a.id), w.why FROM addrs a"
			      " LEFT JOIN addr_why w ON w.addr_id=a.id WHERE a.id IN " PERSON_ADDRS
			      " ORDER BY 2 DESC, a.id",
			      "reading people");
	if (!r->addrs)
		return TRAWL_EDB;
	r->names = tw_prepare(ar,
			      "SELECT n.name, sum(n.n) FROM addr_names n WHERE n.addr_id IN " PERSON_ADDRS
			      " GROUP BY n.name ORDER BY 2 DESC, n.name LIMIT 100",
			      "reading people");
	if (!r->names) {
		sqlite3_finalize(r->addrs);
		r->addrs = NULL;
		return TRAWL_EDB;
	}
	return TRAWL_OK;
}

static void pread_release(pread *r)
{
	sqlite3_finalize(r->addrs);
	sqlite3_finalize(r->names);
	free(r->a);
	free(r->n);
	tw_strpool_release(&r->pool);
}

/* Fill p's addresses and names, then call fn; returns what fn returned.
 * An address or name that cannot be held is left out, as before the
 * split of this code: a listing is better short than absent. */
static int person_emit(pread *r, trawl_person *p, tw_ar_person_fn fn, void *ud)
{
	int stop;

	p->naddrs = 0;
	p->nnames = 0;
	sqlite3_bind_int64(r->addrs, 1, p->id);
	while (sqlite3_step(r->addrs) == SQLITE_ROW) {
		trawl_person_addr *a;

		if (p->naddrs == r->capa) {
			size_t cap = r->capa ? r->capa * 2 : 16;

			a = tw_realloc(r->a, cap * sizeof(*a));
			if (!a)
				break;
			r->a = a;
			r->capa = cap;
		}
		a = &r->a[p->naddrs++];
		a->addr = tw_strpool_keep(&r->pool, (const char *)sqlite3_column_text(r->addrs, 0));
		a->messages = sqlite3_column_int64(r->addrs, 1);
		a->why = tw_strpool_keep(&r->pool, (const char *)sqlite3_column_text(r->addrs, 2));
	}
	sqlite3_reset(r->addrs);
	sqlite3_bind_int64(r->names, 1, p->id);
	while (sqlite3_step(r->names) == SQLITE_ROW) {
		trawl_person_name *n;

		if (p->nnames == r->capn) {
			size_t cap = r->capn ? r->capn * 2 : 16;

			n = tw_realloc(r->n, cap * sizeof(*n));
			if (!n)
				break;
			r->n = n;
			r->capn = cap;
		}
		n = &r->n[p->nnames++];
		n->name = tw_strpool_keep(&r->pool, (const char *)sqlite3_column_text(r->names, 0));
		n->count = sqlite3_column_int64(r->names, 1);
	}
	sqlite3_reset(r->names);
	p->addrs = r->a;
	p->names = r->n;
	stop = fn(p, ud);
	tw_strpool_release(&r->pool);
	return stop;
}

/* Counts of a person from columns col.. (sent, received, first, last). */
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

/* temp.tw_pstat(pid, sent, received, first, last) over the messages in
 * temp.`set` (NULL: all messages). */
static trawl_status person_stats(trawl_archive *ar, const char *set)
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
		 set ? "temp." : "", set ? set : "", set ? " x JOIN" : "",
		 set ? "AND ea.blob_id=x.blob_id" : "");
	return tw_exec(ar, sql);
}

trawl_status tw_ar_people_list(trawl_archive *ar, const char *set, const char *match,
			       int by_name, int64_t limit, int64_t offset,
			       tw_ar_person_fn fn, void *ud)
{
	trawl_status st;
	sqlite3_stmt *s = NULL;
	pread r;
	char *pat = NULL;
	tw_buf sql;
	int rc;

	st = person_stats(ar, set);
	if (st)
		return st;
	if (pread_init(ar, &r))
		return TRAWL_EDB;
	tw_buf_init(&sql, 1 << 14);
	tw_buf_puts(&sql, "SELECT s.pid, p.name, p.addr, s.sent, s.received, s.first, s.last"
			  " FROM temp.tw_pstat s LEFT JOIN persons p ON p.id=s.pid");
	if (match && *match) {
		char *lower = tw_strdup(match);

		tw_ascii_lower(lower);
		pat = tw_asprintf("%%%s%%", lower ? lower : match);
		free(lower);
		tw_buf_puts(&sql, " WHERE s.pid IN (SELECT coalesce(person_id, id) FROM addrs WHERE addr LIKE ?1"
				  " UNION SELECT coalesce(a.person_id, a.id) FROM addr_names n"
				  " JOIN addrs a ON a.id=n.addr_id WHERE n.name LIKE ?1)");
	}
	tw_buf_printf(&sql, " ORDER BY %s LIMIT %lld OFFSET %lld",
		      by_name ? "coalesce(p.name, p.addr) COLLATE NOCASE, s.pid"
			      : "s.sent + s.received DESC, s.pid",
		      (long long)(limit > 0 ? limit : -1), (long long)(offset > 0 ? offset : 0));
	if (tw_buf_failed(&sql)) {
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		goto out;
	}
	s = tw_prepare(ar, sql.data, "listing people");
	if (!s) {
		st = TRAWL_EDB;
		goto out;
	}
	if (pat)
		sqlite3_bind_text(s, 1, pat, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		trawl_person p;

		memset(&p, 0, sizeof(p));
		p.id = sqlite3_column_int64(s, 0);
		p.name = (const char *)sqlite3_column_text(s, 1);
		p.addr = (const char *)sqlite3_column_text(s, 2);
		fill_counts(&p, s, 3);
		if (person_emit(&r, &p, fn, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "listing people");
out:
	sqlite3_finalize(s);
	pread_release(&r);
	tw_buf_release(&sql);
	free(pat);
	return st;
}

trawl_status tw_ar_person_read(trawl_archive *ar, int64_t id, tw_ar_person_fn fn, void *ud)
{
	sqlite3_stmt *s;
	trawl_person p;
	pread r;

	s = tw_prepare(ar,
		       "SELECT p.name, p.addr,"
		       " (SELECT count(DISTINCT blob_id) FROM email_addrs WHERE role=0 AND addr_id IN " PERSON_ADDRS "),"
		       " (SELECT count(DISTINCT blob_id) FROM email_addrs WHERE role IN (1,2,3) AND addr_id IN " PERSON_ADDRS "),"
		       " (SELECT min(b.date) FROM email_addrs ea JOIN blobs b ON b.id=ea.blob_id WHERE ea.role IN (0,1,2,3) AND ea.addr_id IN " PERSON_ADDRS "),"
		       " (SELECT max(b.date) FROM email_addrs ea JOIN blobs b ON b.id=ea.blob_id WHERE ea.role IN (0,1,2,3) AND ea.addr_id IN " PERSON_ADDRS "),"
		       " EXISTS(SELECT 1 FROM addrs WHERE id IN " PERSON_ADDRS ")"
		       " FROM (SELECT ?1 AS id) k LEFT JOIN persons p ON p.id=k.id",
		       "reading a person");
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW || !sqlite3_column_int(s, 6)) {
		sqlite3_finalize(s);
		return tw_fail(ar, TRAWL_ENOTFOUND, "no person with id %lld", (long long)id);
	}
	if (pread_init(ar, &r)) {
		sqlite3_finalize(s);
		return TRAWL_EDB;
	}
	memset(&p, 0, sizeof(p));
	p.id = id;
	p.name = (const char *)sqlite3_column_text(s, 0);
	p.addr = (const char *)sqlite3_column_text(s, 1);
	fill_counts(&p, s, 2);
	person_emit(&r, &p, fn, ud);
	pread_release(&r);
	sqlite3_finalize(s);
	return TRAWL_OK;
}

trawl_status tw_ar_person_exists(trawl_archive *ar, int64_t id, int *found)
{
	sqlite3_stmt *s = tw_prepare(ar, "SELECT 1 FROM addrs WHERE id=?1 AND coalesce(person_id, id)=?1",
				     "finding a person");

	*found = 0;
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, id);
	*found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return TRAWL_OK;
}

trawl_status tw_ar_addr_person(trawl_archive *ar, const char *addr, int64_t *id)
{
	sqlite3_stmt *s = tw_prepare(ar, "SELECT coalesce(person_id, id) FROM addrs WHERE addr=?",
				     "finding a person");

	*id = 0;
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return TRAWL_OK;
}

trawl_status tw_ar_people_matching(trawl_archive *ar, const char *part, int64_t *ids,
				   size_t max, size_t *n)
{
	sqlite3_stmt *s;
	char *pat = tw_asprintf("%%%s%%", part);

	*n = 0;
	if (!pat)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	s = tw_prepare(ar,
		       "SELECT pid FROM (SELECT coalesce(person_id, id) AS pid FROM addrs WHERE addr LIKE ?1"
		       " UNION SELECT coalesce(a.person_id, a.id) FROM addr_names n JOIN addrs a"
		       " ON a.id=n.addr_id WHERE n.name LIKE ?1) ORDER BY pid LIMIT ?2",
		       "finding a person");
	if (!s) {
		free(pat);
		return TRAWL_EDB;
	}
	sqlite3_bind_text(s, 1, pat, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	while (*n < max && sqlite3_step(s) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	free(pat);
	return TRAWL_OK;
}

trawl_status tw_ar_person_label(trawl_archive *ar, int64_t id, char **name, char **addr)
{
	sqlite3_stmt *s = tw_prepare(ar,
				     "SELECT coalesce(p.name, a.addr), coalesce(p.addr, a.addr) FROM addrs a"
				     " LEFT JOIN persons p ON p.id=?1 WHERE a.id=?1",
				     "reading a person");
	trawl_status st = TRAWL_OK;

	*name = *addr = NULL;
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*name = tw_strdup((const char *)sqlite3_column_text(s, 0));
		*addr = tw_strdup((const char *)sqlite3_column_text(s, 1));
		if (!*name || !*addr) {
			free(*name);
			free(*addr);
			*name = *addr = NULL;
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		}
	} else {
		st = tw_fail(ar, TRAWL_ENOTFOUND, "no person with id %lld", (long long)id);
	}
	sqlite3_finalize(s);
	return st;
}

/* ---------------------------------------------------------------- contacts */

trawl_status tw_ar_contacts(trawl_archive *ar, int64_t id, const char *set,
			    trawl_contact_fn fn, void *ud)
{
	trawl_status st;
	int rc;
	char qj[160], sql[2000];
	sqlite3_stmt *s = NULL;
	const char *tail = sql;

	if (set)
		snprintf(qj, sizeof(qj), " JOIN temp.%s x ON x.blob_id=f.blob_id", set);
	else
		qj[0] = '\0';
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
	/* Two statements with the same parameter: run them one by one. */
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
	if (st)
		return st;
	s = tw_prepare(ar,
		       "SELECT c.pid, coalesce(p.name, a.addr), coalesce(p.addr, a.addr), c.sent,"
		       " c.received, c.first, c.last FROM temp.tw_ct c"
		       " LEFT JOIN persons p ON p.id=c.pid LEFT JOIN addrs a ON a.id=c.pid"
		       " WHERE c.pid<>?1 ORDER BY c.sent + c.received DESC, c.pid",
		       "reading contacts");
	if (!s)
		return TRAWL_EDB;
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
