/*
 * evidence.c - the archive side of verification: DKIM over the messages a
 * query selects (results kept for dkim: queries), re-hashing the originals
 * on disk, the evidence manifest, and header provenance.
 *
 * Everything here works from the exact original bytes (trawl_item_raw),
 * never from what extraction made of them, because that is what a third
 * party can check again.  What is read from and kept in the archive goes
 * through lib/archive/evidence.c; the contents a query selects come from
 * the search layer as a selection ("tw_esel").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "verify/verify.h"
#include "verify/select.h"
#include "search/search.h"

/* ---------------------------------------------------------------- selection */

void tw_sel_free(tw_sel *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	free(s);
}

typedef struct sel_fill {
	tw_sel *s;
	int oom;
} sel_fill;

static int add_item(const tw_ar_first_item *it, void *ud)
{
	sel_fill *f = ud;
	tw_sel *s = f->s;
	tw_sel_item *v;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;

		v = tw_realloc(s->v, cap * sizeof(*v));
		if (!v) {
			f->oom = 1;
			return 1;
		}
		s->v = v;
		s->cap = cap;
	}
	v = &s->v[s->n++];
	v->id = it->id;
	v->blob = it->blob;
	v->date = it->date;
	v->path = tw_strdup(it->path);
	if (!v->path && it->path) {
		/* An export or a report would name the item nowhere. */
		f->oom = 1;
		return 1;
	}
	return 0;
}

trawl_status tw_select(trawl_archive *ar, const char *query, int emails_only, tw_sel **out,
		       trawl_syntax_error *err)
{
	trawl_status st;
	sel_fill f;

	*out = NULL;
	st = tw_query_temp(ar, query ? query : "", "tw_esel", NULL, NULL, err);
	if (st)
		return st;
	memset(&f, 0, sizeof(f));
	f.s = tw_calloc(1, sizeof(*f.s));
	if (!f.s)
		return TRAWL_ENOMEM;
	/* One item per content, its first occurrence, oldest first. */
	st = tw_ar_first_items(ar, "tw_esel", emails_only, add_item, &f);
	if (st == TRAWL_OK && f.oom)
		st = TRAWL_ENOMEM;
	if (st) {
		tw_sel_free(f.s);
		return st;
	}
	*out = f.s;
	return TRAWL_OK;
}

static int to_buf(const void *p, size_t n, void *ud)
{
	tw_buf *b = ud;

	return tw_buf_append(b, p, n) != TRAWL_OK;
}

trawl_status tw_item_bytes(trawl_archive *ar, int64_t id, tw_buf *b)
{
	trawl_status st = trawl_item_raw(ar, id, to_buf, b);

	/* Not a write failure: the bytes did not fit in memory. */
	if (tw_buf_failed(b))
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory reading item %lld", (long long)id);
	return st;
}

/* ---------------------------------------------------------------- DKIM */

trawl_status trawl_verify_dkim(trawl_archive *ar, const char *query, const trawl_dkim_opts *opts,
			       trawl_dkim_fn fn, void *ud, trawl_syntax_error *err)
{
	tw_dkim_keys *keys = NULL;
	tw_sel *sel = NULL;
	trawl_status st;
	size_t i;
	char msg[512];
	int store = opts && opts->store;

	st = store ? tw_writable(ar) : TRAWL_OK;
	if (st)
		return st;
	if (opts && opts->keys_file) {
		uint64_t failures = tw_alloc_failures();

		keys = tw_dkim_keys_load(opts->keys_file, msg, sizeof(msg));
		/* A key lost would make its signatures "nokey". */
		if (tw_alloc_failures() != failures) {
			tw_dkim_keys_free(keys);
			return tw_fail(ar, TRAWL_ENOMEM, "out of memory reading '%s'", opts->keys_file);
		}
		if (!keys)
			return tw_fail(ar, TRAWL_ENOTFOUND, "%s", msg);
	}
	st = tw_select(ar, query, 1, &sel, err);
	if (st)
		goto out;
	if (store && (st = tw_ar_begin(ar)))
		goto out;
	for (i = 0; i < sel->n; i++) {
		tw_buf raw;
		tw_dkim_res res;
		trawl_dkim_result pub;
		trawl_dkim_sig sigs[16];
		size_t k;
		trawl_status rs;
		char *msgid = NULL;
		int stop;
		uint64_t failures = tw_alloc_failures();

		tw_buf_init(&raw, (size_t)1 << 30);
		rs = tw_item_bytes(ar, sel->v[i].id, &raw);
		memset(&res, 0, sizeof(res));
		if (rs != TRAWL_OK) {
			/* The original is gone or changed: nothing to verify. */
			res.result = "nokey";
			res.reason = tw_asprintf("original not readable: %s", trawl_archive_errmsg(ar));
		} else {
			tw_dkim_verify(raw.data ? raw.data : "", raw.len, keys, opts && opts->dns, &res);
		}
		tw_buf_release(&raw);
		/* A verdict reached without all of the message (or of the
		 * signature's data) could say "fail" of a genuine one. */
		if (tw_alloc_failures() != failures) {
			tw_dkim_res_release(&res);
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory verifying item %lld",
				     (long long)sel->v[i].id);
			break;
		}
		memset(&pub, 0, sizeof(pub));
		pub.id = sel->v[i].id;
		pub.path = sel->v[i].path;
		pub.result = res.result;
		pub.reason = res.reason ? res.reason : "";
		pub.weak = res.weak;
		for (k = 0; k < res.nsigs && k < TW_ARRAY_LEN(sigs); k++) {
			sigs[k].domain = res.sigs[k].domain;
			sigs[k].selector = res.sigs[k].selector;
			sigs[k].algorithm = res.sigs[k].algorithm;
			sigs[k].canon = res.sigs[k].canon;
			sigs[k].result = res.sigs[k].result;
			sigs[k].reason = res.sigs[k].reason;
			sigs[k].weak = res.sigs[k].weak;
		}
		pub.sigs = sigs;
		pub.nsigs = k;
		st = tw_ar_message_id(ar, sel->v[i].blob, &msgid);
		pub.message_id = msgid;
		if (store && st == TRAWL_OK) {
			/* The signature that decided the result is recorded with it. */
			const tw_dkim_sigres *first = res.nsigs ? &res.sigs[0] : NULL;
			tw_ar_dkim rec;

			for (k = 0; k < res.nsigs; k++)
				if (!strcmp(res.sigs[k].result, res.result)) {
					first = &res.sigs[k];
					break;
				}
			memset(&rec, 0, sizeof(rec));
			rec.blob = sel->v[i].blob;
			rec.result = res.result;
			rec.reason = res.reason;
			rec.domain = first ? first->domain : NULL;
			rec.selector = first ? first->selector : NULL;
			rec.algorithm = first ? first->algorithm : NULL;
			rec.signatures = (int64_t)res.nsigs;
			rec.weak = res.weak;
			rec.checked = (int64_t)time(NULL);
			st = tw_ar_dkim_put(ar, &rec);
		}
		stop = fn ? fn(&pub, ud) : 0;
		free(msgid);
		tw_dkim_res_release(&res);
		if (st || stop)
			break;
	}
	if (store) {
		if (st)
			tw_ar_rollback(ar);
		else
			st = tw_ar_commit(ar);
	}
out:
	tw_sel_free(sel);
	tw_dkim_keys_free(keys);
	return st;
}

/* ---------------------------------------------------------------- originals */

static int hash_file(const char *path, char hex[65], int64_t *size, int *err)
{
	FILE *f = fopen(path, "rb");
	unsigned char buf[65536], d[32];
	EVP_MD_CTX *c;
	size_t n;
	unsigned dl = 32;

	*size = 0;
	if (!f) {
		*err = errno;
		return -1;
	}
	c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex(c, tw_md_sha256(), NULL)) {
		EVP_MD_CTX_free(c);
		fclose(f);
		*err = ENOMEM;
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		EVP_DigestUpdate(c, buf, n);
		*size += (int64_t)n;
	}
	*err = ferror(f) ? EIO : 0;
	fclose(f);
	EVP_DigestFinal_ex(c, d, &dl);
	EVP_MD_CTX_free(c);
	tw_hex(d, 32, hex);
	return *err ? -1 : 0;
}

typedef struct check_run {
	trawl_check_fn fn;
	void *ud;
} check_run;

static int check_one(const tw_ar_original *o, void *ud)
{
	check_run *r = ud;
	trawl_check c;
	char want[65] = "", got[65] = "";
	int e = 0;
	int64_t size = -1;
	struct stat sb;

	memset(&c, 0, sizeof(c));
	c.path = o->path;
	c.id = o->item_id;
	if (o->sha256) {
		tw_hex(o->sha256, 32, want);
		c.expected = want;
	}
	if (!c.path)
		return 0;
	if (lstat(c.path, &sb) != 0) {
		c.status = "missing";
	} else if (hash_file(c.path, got, &size, &e) != 0) {
		c.status = "unreadable";
	} else {
		c.actual = got;
		if (c.expected)
			c.status = strcmp(got, want) ? "changed" : "ok";
		else
			c.status = size == o->size ? "ok" : "changed";
	}
	c.size = size;
	return r->fn(&c, r->ud);
}

trawl_status trawl_verify_originals(trawl_archive *ar, const char *query, trawl_check_fn fn,
				    void *ud, trawl_syntax_error *err)
{
	check_run r = {fn, ud};
	const char *sel = NULL;

	if (query && *query) {
		trawl_status st = tw_query_temp(ar, query, "tw_esel", NULL, NULL, err);

		if (st)
			return st;
		sel = "tw_esel";
	}
	return tw_ar_originals(ar, sel, check_one, &r);
}

/* ---------------------------------------------------------------- manifest */

/* sha256sum's convention: a name with '\\' or a newline is escaped and the
 * line starts with a backslash. */
static void manifest_line(tw_buf *b, const char *hex, const char *path)
{
	const char *p;
	int esc = strchr(path, '\\') || strchr(path, '\n') || strchr(path, '\r');

	tw_buf_reset(b);
	if (esc)
		tw_buf_putc(b, '\\');
	tw_buf_printf(b, "%s  ", hex);
	for (p = path; *p; p++) {
		if (esc && *p == '\\')
			tw_buf_puts(b, "\\\\");
		else if (esc && *p == '\n')
			tw_buf_puts(b, "\\n");
		else if (esc && *p == '\r')
			tw_buf_puts(b, "\\r");
		else
			tw_buf_putc(b, *p);
	}
}

typedef struct manifest_run {
	EVP_MD_CTX *c;
	tw_buf line;
	int64_t n;
	trawl_line_fn fn;
	void *ud;
	int oom; /* a line was lost: the hash is not the manifest's */
} manifest_run;

static int manifest_row(const unsigned char *sha256, const char *path, void *ud)
{
	manifest_run *m = ud;
	char hex[65];

	tw_hex(sha256, 32, hex);
	manifest_line(&m->line, hex, path);
	if (tw_buf_failed(&m->line)) {
		m->oom = 1;
		return 1;
	}
	EVP_DigestUpdate(m->c, m->line.data, m->line.len);
	EVP_DigestUpdate(m->c, "\n", 1);
	m->n++;
	/* A reader that stops still gets the hash of the whole manifest. */
	if (m->fn && m->fn(m->line.data, m->ud))
		m->fn = NULL;
	return 0;
}

trawl_status trawl_manifest(trawl_archive *ar, trawl_line_fn fn, void *ud, char hash[65],
			    int64_t *lines)
{
	manifest_run m;
	unsigned char d[32];
	unsigned dl = 32;
	trawl_status st;

	hash[0] = '\0';
	memset(&m, 0, sizeof(m));
	m.fn = fn;
	m.ud = ud;
	m.c = EVP_MD_CTX_new();
	if (!m.c || !EVP_DigestInit_ex(m.c, tw_md_sha256(), NULL)) {
		EVP_MD_CTX_free(m.c);
		return TRAWL_ENOMEM;
	}
	tw_buf_init(&m.line, 1 << 20);
	st = tw_ar_manifest_rows(ar, manifest_row, &m);
	if (st == TRAWL_OK && m.oom)
		/* A short line would change the hash a publication cites. */
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	tw_buf_release(&m.line);
	EVP_DigestFinal_ex(m.c, d, &dl);
	EVP_MD_CTX_free(m.c);
	if (st == TRAWL_OK)
		tw_hex(d, 32, hash);
	if (lines)
		*lines = m.n;
	return st;
}

/* ---------------------------------------------------------------- provenance */

typedef struct prov_priv {
	trawl_provenance pub;
	tw_hop *hops;
	char **strs;
	size_t nstrs, cap;
} prov_priv;

static const char *keep(prov_priv *p, char *s)
{
	if (!s)
		return NULL;
	if (p->nstrs == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		char **v = tw_realloc(p->strs, cap * sizeof(*v));

		if (!v) {
			free(s);
			return NULL;
		}
		p->strs = v;
		p->cap = cap;
	}
	p->strs[p->nstrs++] = s;
	return s;
}

void trawl_provenance_free(trawl_provenance *pub)
{
	prov_priv *p = (prov_priv *)pub;
	size_t i;

	if (!p)
		return;
	for (i = 0; i < pub->nhops; i++)
		tw_hop_release(&p->hops[i]);
	free(p->hops);
	free(pub->hops);
	free(pub->origin);
	for (i = 0; i < p->nstrs; i++)
		free(p->strs[i]);
	free(p->strs);
	free(p);
}

static const char *const origin_headers[] = {
	"X-Originating-IP", "X-Sender-IP", "X-Client-IP", "X-Forwarded-For", "X-Real-IP",
	"X-AOL-IP", "X-Originating-Client-IP", "X-MS-Exchange-Organization-OriginalClientIPAddress",
	NULL,
};
static const char *const mailer_headers[] = {
	"X-Mailer", "User-Agent", "X-Newsreader", "X-MimeOLE", NULL,
};

/* Build the provenance of a message from its raw bytes. */
static trawl_status prov_build(trawl_archive *ar, int64_t id, const char *path, const char *raw,
			       size_t len, trawl_provenance **out)
{
	uint64_t failures = tw_alloc_failures();
	prov_priv *p = tw_calloc(1, sizeof(*p));
	trawl_provenance *pub;
	tw_hdrs hs;
	size_t n, i, nrec = 0, k;
	char *m;

	*out = NULL;
	if (!p)
		return TRAWL_ENOMEM;
	pub = &p->pub;
	pub->id = id;
	pub->path = keep(p, tw_strdup(path));
	m = tw_crlf(raw, len, &n);
	if (!m || tw_hdrs_parse(m, n, &hs)) {
		free(m);
		trawl_provenance_free(pub);
		return TRAWL_ENOMEM;
	}
	for (i = 0; i < hs.n; i++)
		if (hs.v[i].nlen == 8 && !strncasecmp(hs.v[i].name, "Received", 8))
			nrec++;
	if (nrec) {
		p->hops = tw_calloc(nrec, sizeof(*p->hops));
		pub->hops = tw_calloc(nrec, sizeof(*pub->hops));
		if (!p->hops || !pub->hops) {
			tw_hdrs_release(&hs);
			free(m);
			trawl_provenance_free(pub);
			return TRAWL_ENOMEM;
		}
	}
	/* The topmost Received is the last hop: number them in travel order. */
	k = nrec;
	for (i = 0; i < hs.n; i++) {
		char *v;

		if (!(hs.v[i].nlen == 8 && !strncasecmp(hs.v[i].name, "Received", 8)))
			continue;
		v = tw_hdr_unfold(&hs.v[i]);
		k--;
		tw_received_parse(v, &p->hops[k]);
		free(v);
	}
	pub->nhops = nrec;
	for (i = 0; i < nrec; i++) {
		trawl_hop *h = &pub->hops[i];
		tw_hop *t = &p->hops[i];

		h->index = (int)i + 1;
		h->from_host = t->from_host;
		h->from_rdns = t->from_rdns;
		h->from_ip = t->from_ip;
		h->by_host = t->by_host;
		h->protocol = t->protocol;
		h->id = t->id;
		h->for_addr = t->for_addr;
		h->time = t->time;
		h->has_time = t->has_time;
		h->tz_offset = t->tz_offset;
		h->parsed = t->parsed;
		h->raw = t->raw;
	}
	for (i = 0; origin_headers[i]; i++) {
		const tw_hdr *h = tw_hdr_find(&hs, origin_headers[i]);
		trawl_prop *o;

		if (!h)
			continue;
		o = tw_realloc(pub->origin, (pub->norigin + 1) * sizeof(*o));
		if (!o)
			break;
		pub->origin = o;
		o[pub->norigin].key = origin_headers[i];
		o[pub->norigin].value = keep(p, tw_hdr_unfold(h));
		pub->norigin++;
	}
	for (i = 0; mailer_headers[i] && !pub->mailer; i++) {
		const tw_hdr *h = tw_hdr_find(&hs, mailer_headers[i]);

		if (h)
			pub->mailer = keep(p, tw_hdr_unfold(h));
	}
	{
		const tw_hdr *h = tw_hdr_find(&hs, "Date");

		if (h) {
			pub->date_raw = keep(p, tw_hdr_unfold(h));
			if (pub->date_raw && tw_parse_date(pub->date_raw, &pub->date, &pub->tz_offset) == 0)
				pub->has_date = 1;
		}
		h = tw_hdr_find(&hs, "From");
		if (h)
			pub->from = keep(p, tw_hdr_unfold(h));
		h = tw_hdr_find(&hs, "Message-ID");
		if (h)
			pub->message_id = keep(p, tw_hdr_unfold(h));
	}
	tw_hdrs_release(&hs);
	free(m);
	{
		char *dkim = NULL;

		/* A failed look-up leaves the result out, as if none were kept. */
		if (tw_ar_dkim_result(ar, id, &dkim) == TRAWL_OK)
			pub->dkim = keep(p, dkim);
	}
	/* A header, hop or field lost on the way: no partial provenance. */
	if (tw_alloc_failures() != failures) {
		trawl_provenance_free(pub);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory reading the headers of item %lld",
			       (long long)id);
	}
	*out = pub;
	return TRAWL_OK;
}

trawl_status trawl_provenance_get(trawl_archive *ar, int64_t id, trawl_provenance **out)
{
	tw_buf raw;
	trawl_status st;
	trawl_item *it = NULL;

	*out = NULL;
	st = trawl_item_get(ar, id, &it);
	if (st)
		return st;
	if (!it->type || strcmp(it->type, "email") != 0) {
		st = tw_fail(ar, TRAWL_EINVAL, "item %lld is not a message (%s): it has no mail headers",
			     (long long)id, it->type ? it->type : "unknown type");
		trawl_item_free(it);
		return st;
	}
	tw_buf_init(&raw, (size_t)1 << 30);
	st = tw_item_bytes(ar, id, &raw);
	if (st == TRAWL_OK)
		st = prov_build(ar, id, it->path, raw.data ? raw.data : "", raw.len, out);
	tw_buf_release(&raw);
	trawl_item_free(it);
	return st;
}

trawl_status trawl_provenance_query(trawl_archive *ar, const char *query, trawl_provenance_fn fn,
				    void *ud, trawl_syntax_error *err)
{
	tw_sel *sel = NULL;
	trawl_status st = tw_select(ar, query, 1, &sel, err);
	size_t i;

	if (st)
		return st;
	for (i = 0; i < sel->n; i++) {
		tw_buf raw;
		trawl_provenance *p = NULL;
		int stop = 0;
		trawl_status rs;

		tw_buf_init(&raw, (size_t)1 << 30);
		/* A message whose original is gone is left out; one left out
		 * for lack of memory fails the call. */
		rs = tw_item_bytes(ar, sel->v[i].id, &raw);
		if (rs == TRAWL_OK)
			rs = prov_build(ar, sel->v[i].id, sel->v[i].path, raw.data ? raw.data : "",
					raw.len, &p);
		if (rs == TRAWL_OK) {
			stop = fn(p, ud);
			trawl_provenance_free(p);
		}
		tw_buf_release(&raw);
		if (rs == TRAWL_ENOMEM) {
			st = rs;
			break;
		}
		if (stop)
			break;
	}
	tw_sel_free(sel);
	return st;
}

trawl_status trawl_sender_zones(trawl_archive *ar, const char *query, trawl_zone_fn fn, void *ud,
				trawl_syntax_error *err)
{
	trawl_status st = tw_query_temp(ar, query ? query : "", "tw_esel", NULL, NULL, err);

	if (st)
		return st;
	return tw_ar_sender_zones(ar, "tw_esel", fn, ud);
}
