/*
 * findings.c - the findings reports and `trawl scan`: scanning the
 * contents of an existing archive again, and reading findings back as
 * lists and summaries, filtered by type and confidence.
 *
 * How findings are stored (salted hashes, never values; which contents
 * were scanned by which version of the validators) is lib/archive/
 * findings.c's business; this file runs the scanner and the query
 * language over it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protect/scan.h"
#include "search/search.h"

static void clear_findings(tw_findings *f)
{
	size_t k;

	for (k = 0; k < f->n; k++) {
		free(f->v[k].value);
		free(f->v[k].preview);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int64_t now_us(void)
{
	struct timespec ts;

	/* CPU time of this thread: throughput per core, whatever else runs. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---------------------------------------------------------------- trawl scan */

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* A run of `trawl scan`: what the per-content step needs. */
typedef struct scan_run {
	trawl_archive *ar;
	const trawl_scan_opts *opts;
	tw_scanner *sc;
	trawl_scan_stats st;
	size_t total;
	int64_t t0, last, scan_us;
	size_t batch;
	int in_txn;
	trawl_status rc;
	uint64_t failures; /* tw_alloc_failures() before this content was read */
} scan_run;

static int scan_one(const tw_ar_scan_text *t, void *ud)
{
	scan_run *r = ud;
	trawl_archive *ar = r->ar;
	tw_findings f;
	tw_node probe;
	int64_t s0;

	if (t->scanned) {
		r->st.skipped++;
		return 0;
	}
	memset(&probe, 0, sizeof(probe));
	probe.type = t->type;
	probe.mime = (char *)t->mime;
	probe.ext = (char *)t->ext;
	memset(&f, 0, sizeof(f));
	s0 = now_us();
	if (t->text && t->len)
		tw_scan_text(r->sc, t->text, t->len, tw_node_is_sheet(&probe), &f);
	r->scan_us += now_us() - s0;
	r->st.bytes += (int64_t)t->len;
	/* The text (read by the archive) or a finding lost: recording the
	 * content as scanned would hide the rest for good. */
	if (tw_alloc_failures() != r->failures) {
		clear_findings(&f);
		r->rc = tw_fail(ar, TRAWL_ENOMEM, "out of memory scanning");
		return 1;
	}
	if (!r->in_txn) {
		r->rc = tw_ar_begin(ar);
		if (r->rc) {
			clear_findings(&f);
			return 1;
		}
		r->in_txn = 1;
	}
	if (tw_ar_findings_replace(ar, t->blob, &f))
		r->rc = TRAWL_EDB;
	r->st.findings += (int64_t)f.n;
	r->st.contents++;
	clear_findings(&f);
	if (++r->batch >= 500 && r->rc == TRAWL_OK) {
		r->rc = tw_ar_commit(ar);
		r->in_txn = 0;
		r->batch = 0;
	}
	if (r->opts->progress && tw_now_ms() - r->last >= 500) {
		trawl_ingest_stats p;

		r->last = tw_now_ms();
		memset(&p, 0, sizeof(p));
		p.inputs_total = r->total;
		p.seen = (uint64_t)(r->st.contents + r->st.skipped);
		p.items = (uint64_t)r->st.findings;
		p.bytes = (uint64_t)r->st.bytes;
		p.seconds = (double)(r->last - r->t0) / 1000.0;
		if (r->opts->progress(&p, r->opts->progress_ud))
			r->rc = tw_fail(ar, TRAWL_ECANCELLED, "scan interrupted; run it again to go on");
	}
	r->failures = tw_alloc_failures();
	return r->rc != TRAWL_OK;
}

trawl_status trawl_scan(trawl_archive *ar, const char *query, const trawl_scan_opts *opts,
			trawl_scan_stats *out, trawl_syntax_error *err)
{
	trawl_scan_opts def;
	scan_run r;
	tw_ids ids = {NULL, 0, 0, 0};

	memset(&r, 0, sizeof(r));
	r.ar = ar;
	r.t0 = tw_now_ms();
	if (!opts) {
		memset(&def, 0, sizeof(def));
		opts = &def;
	}
	r.opts = opts;
	r.rc = tw_writable(ar);
	if (r.rc)
		return r.rc;
	r.rc = tw_search_blobs(ar, query, tw_ids_collect, &ids, err);
	if (r.rc == TRAWL_OK && ids.oom)
		r.rc = tw_fail(ar, TRAWL_ENOMEM, "out of memory listing the contents to scan");
	if (r.rc)
		goto out;
	qsort(ids.v, ids.n, sizeof(*ids.v), cmp_id);
	r.failures = tw_alloc_failures();
	r.sc = tw_scanner_new();
	if (!r.sc && tw_alloc_failures() != r.failures) {
		r.rc = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		goto out;
	}
	if (!r.sc) {
		r.rc = tw_fail(ar, TRAWL_EUNSUPPORTED,
			       "no pattern engine: neither Hyperscan nor PCRE2 could compile the patterns");
		goto out;
	}
	r.st.engine = tw_scan_engine();
	r.total = ids.n;
	{
		trawl_status st = tw_ar_scan_texts(ar, ids.v, ids.n, opts->rescan, scan_one, &r);

		if (r.rc == TRAWL_OK)
			r.rc = st;
	}
	if (r.in_txn) {
		if (r.rc == TRAWL_OK || r.rc == TRAWL_ECANCELLED) {
			trawl_status c = tw_ar_commit(ar);

			if (r.rc == TRAWL_OK)
				r.rc = c;
		} else {
			tw_ar_rollback(ar);
		}
	}
out:
	tw_scanner_free(r.sc);
	tw_ids_release(&ids);
	r.st.seconds = (double)(tw_now_ms() - r.t0) / 1000.0;
	r.st.scan_seconds = (double)r.scan_us / 1e6;
	if (out)
		*out = r.st;
	return r.rc;
}

/* ---------------------------------------------------------------- reading */

/* The filter of a report: the types of "ssn,card" (every type for NULL,
 * "" or "all") and the minimum confidence.  `names` holds the types. */
static trawl_status make_filter(trawl_archive *ar, const trawl_findings_opts *opts,
				const char *names[TW_PII_NTYPES], tw_ar_finding_filter *flt)
{
	const char *types = opts ? opts->types : NULL, *p = types;
	char seen[TW_PII_NTYPES] = {0};

	memset(flt, 0, sizeof(*flt));
	flt->types = names;
	flt->min_confidence = opts ? opts->min_confidence : 0;
	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char name[32];
		int t;

		if (n && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = 0;
			t = tw_pii_type(name);
			if (t < 0 && strcmp(name, "all") != 0)
				return tw_fail(ar, TRAWL_EINVAL,
					       "unknown finding type '%s': use ssn, card, iban, phone, email, password, key, dob or ip",
					       name);
			if (t >= 0 && !seen[t]) {
				seen[t] = 1;
				names[flt->ntypes++] = tw_pii_names[t];
			}
		} else if (n) {
			return tw_fail(ar, TRAWL_EINVAL, "unknown finding type in '%s'", types);
		}
		p = e ? e + 1 : NULL;
	}
	return TRAWL_OK;
}

/* The selection of a report's query: "tw_findq" filled with its contents, or
 * NULL (every content) for the empty query. */
static trawl_status select_query(trawl_archive *ar, const char *query, const char **sel,
				 trawl_syntax_error *err)
{
	*sel = NULL;
	if (!query || !*query)
		return TRAWL_OK;
	*sel = "tw_findq";
	return tw_query_temp(ar, query, *sel, NULL, NULL, err);
}

trawl_status trawl_findings(trawl_archive *ar, const char *query, const trawl_findings_opts *opts,
			    trawl_finding_fn fn, void *ud, trawl_syntax_error *err)
{
	const char *names[TW_PII_NTYPES], *sel;
	tw_ar_finding_filter flt;
	trawl_status st = make_filter(ar, opts, names, &flt);

	if (!st)
		st = select_query(ar, query, &sel, err);
	if (!st)
		st = tw_ar_findings_list(ar, sel, &flt, fn, ud);
	return st;
}

trawl_status trawl_findings_summary(trawl_archive *ar, const char *query,
				    const trawl_findings_opts *opts,
				    trawl_finding_grouping grouping, trawl_finding_group_fn fn,
				    void *ud, trawl_syntax_error *err)
{
	const char *names[TW_PII_NTYPES], *sel;
	tw_ar_finding_filter flt;
	trawl_status st = make_filter(ar, opts, names, &flt);

	if (!st)
		st = select_query(ar, query, &sel, err);
	if (!st)
		st = tw_ar_findings_groups(ar, sel, &flt, grouping, fn, ud);
	return st;
}
