/*
 * scan.c - the findings scanner: one pass of a multi-pattern engine over a
 * text, the validators (validate.c) on every anchor it reports.
 *
 * The Hyperscan database is compiled once per process and shared read-only
 * by every thread; each thread scans with scratch space of its own, cloned
 * from a prototype (hs_clone_scratch).  Where Hyperscan cannot run
 * (hs_valid_platform() fails: no SSSE3, or not x86), the same patterns run
 * one by one with PCRE2's JIT.  The validators work out each value's extent
 * themselves, so the two engines report the same findings.
 *
 * During ingest the extractor threads call tw_scan_tree() on each new tree;
 * it keeps one scanner per thread (a pthread key, freed when the thread
 * ends).  `trawl scan` and the tests make scanners of their own.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "protect/scan.h"

const tw_scan_pattern tw_scan_patterns[] = {
	/* SSN: 123-45-6789, 123 45 6789, or nine digits (context needed) */
	{"\\b\\d{3}[- ]?\\d{2}[- ]?\\d{4}\\b", A_SSN, 0, 0, NULL},
	/* cards: 13-19 digits, bare or in printed groups */
	{"\\b\\d{4}[ -]?\\d{4,6}[ -]?\\d{4}", A_CARD, 0, 0, NULL},
	/* IBAN: country, check digits, the start of the account */
	{"\\b[A-Z]{2}\\d{2} ?[A-Z0-9]{4}", A_IBAN, 0, 0, NULL},
	/* phones */
	{"\\b\\d{3}(?:\\) ?|[-. ])\\d{3}[-. ]\\d{4}\\b", A_PHONE, 0, 0, NULL},
	{"\\+\\d{1,3}[ .-]?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{2,4}[ .-]?\\d{2,4}", A_PHONE_INTL, 0, 0, NULL},
	/* email */
	{"@[A-Za-z0-9-]+\\.[A-Za-z]", A_EMAIL, 0, 0, NULL},
	/* keywords before a date of birth */
	{"\\b(?:dob|d\\.o\\.b|date of birth|birth ?date|birthday|born|geburtsdatum|"
	 "fecha de nacimiento|date de naissance)\\b", A_DOB, 1, 0, NULL},
	/* labelled passwords and credentials in URLs */
	{"\\b(?:password|passwort|passwd|pass ?word|pwd|pw|passcode|passphrase|pin|kennwort|"
	 "contrase\xc3\xb1" "a|contrasena|mot de passe)[ \\t]*(?:is[ \\t]*)?[:=]", A_PASSWORD, 1, 0, NULL},
	{"\\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\\s:/@]{1,64}:[^\\s/@]{1,128}@", A_URL_CRED, 0, 0, NULL},
	/* private keys and cloud or API keys of fixed shapes */
	{"-----BEGIN [A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----", A_PEM, 0, 0, NULL},
	{"\\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\\b", A_AWS_ID, 0, 0, NULL},
	{"aws.{0,20}secret.{0,20}[:=][ \\t]*[\"']?[A-Za-z0-9/+]{40}", A_AWS_SECRET, 1, 0, NULL},
	{"\\bgh[pousr]_[A-Za-z0-9]{36}\\b", A_TOKEN, 0, 1, "github-token"},
	{"\\bgithub_pat_[A-Za-z0-9_]{82}\\b", A_TOKEN, 0, 1, "github-token"},
	{"\\bxox[baprs]-[A-Za-z0-9-]{10,72}", A_TOKEN, 0, 1, "slack-token"},
	{"\\bAIza[0-9A-Za-z_-]{35}", A_TOKEN, 0, 1, "google-api-key"},
	{"\\b[rs]k_live_[0-9A-Za-z]{24,99}", A_TOKEN, 0, 1, "stripe-key"},
	{"\\bSG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}", A_TOKEN, 0, 1, "sendgrid-key"},
	{"\\bglpat-[A-Za-z0-9_-]{20}", A_TOKEN, 0, 1, "gitlab-token"},
	{"\\bnpm_[A-Za-z0-9]{36}\\b", A_TOKEN, 0, 1, "npm-token"},
	{"https://hooks\\.slack\\.com/services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24}",
	 A_TOKEN, 0, 1, "slack-webhook"},
	/* IP addresses */
	{"\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b", A_IPV4, 0, 0, NULL},
	{"::[0-9A-Fa-f]|:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:", A_IPV6, 0, 0, NULL},
};
const size_t tw_scan_npatterns = TW_ARRAY_LEN(tw_scan_patterns);

#define NPAT TW_ARRAY_LEN(tw_scan_patterns)

/* The compiled engines, built once and then only read. */
static struct {
	pthread_once_t once;
	hs_database_t *hs;
	hs_scratch_t *proto;
	int hs_ok;
	pcre2_code *re[NPAT];
	int pcre_ok;
} eng = {PTHREAD_ONCE_INIT, NULL, NULL, 0, {NULL}, 0};

static _Atomic int forced; /* 0 auto, 1 Hyperscan, 2 PCRE2 */

static void engine_init(void)
{
	const char *exprs[NPAT];
	unsigned flags[NPAT], ids[NPAT];
	hs_compile_error_t *cerr = NULL;
	size_t i;
	int ok = 1;

	for (i = 0; i < NPAT; i++) {
		int errcode;
		PCRE2_SIZE erroff;

		exprs[i] = tw_scan_patterns[i].re;
		ids[i] = (unsigned)i;
		flags[i] = (tw_scan_patterns[i].caseless ? HS_FLAG_CASELESS : 0) |
			   (tw_scan_patterns[i].som ? HS_FLAG_SOM_LEFTMOST : 0);
		eng.re[i] = pcre2_compile((PCRE2_SPTR)exprs[i], PCRE2_ZERO_TERMINATED,
					  tw_scan_patterns[i].caseless ? PCRE2_CASELESS : 0,
					  &errcode, &erroff, NULL);
		if (!eng.re[i])
			ok = 0;
		else
			pcre2_jit_compile(eng.re[i], PCRE2_JIT_COMPLETE); /* else interpreted */
	}
	eng.pcre_ok = ok;
	if (hs_valid_platform() != HS_SUCCESS)
		return;
	if (hs_compile_multi(exprs, flags, ids, (unsigned)NPAT, HS_MODE_BLOCK, NULL, &eng.hs,
			     &cerr) != HS_SUCCESS) {
		hs_free_compile_error(cerr);
		eng.hs = NULL;
		return;
	}
	if (hs_alloc_scratch(eng.hs, &eng.proto) != HS_SUCCESS) {
		hs_free_database(eng.hs);
		eng.hs = NULL;
		return;
	}
	eng.hs_ok = 1;
}

static int use_hs(void)
{
	int f = atomic_load(&forced);

	return eng.hs_ok && f != 2;
}

int tw_scan_force_engine(int engine)
{
	pthread_once(&eng.once, engine_init);
	if (engine == 1 && !eng.hs_ok)
		return -1;
	if (engine == 2 && !eng.pcre_ok)
		return -1;
	atomic_store(&forced, engine);
	return 0;
}

const char *tw_scan_engine(void)
{
	pthread_once(&eng.once, engine_init);
	return use_hs() ? "hyperscan" : eng.pcre_ok ? "pcre2" : "none";
}

struct tw_scanner {
	hs_scratch_t *scratch;
	pcre2_match_data *md;
};

tw_scanner *tw_scanner_new(void)
{
	tw_scanner *s;

	pthread_once(&eng.once, engine_init);
	if (!eng.hs_ok && !eng.pcre_ok)
		return NULL;
	s = tw_calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (eng.hs_ok && hs_clone_scratch(eng.proto, &s->scratch) != HS_SUCCESS)
		s->scratch = NULL;
	if (eng.pcre_ok)
		s->md = pcre2_match_data_create(1, NULL);
	if (!s->scratch && !s->md) {
		free(s);
		return NULL;
	}
	return s;
}

void tw_scanner_free(tw_scanner *s)
{
	if (!s)
		return;
	if (s->scratch)
		hs_free_scratch(s->scratch);
	if (s->md)
		pcre2_match_data_free(s->md);
	free(s);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
		    unsigned flags, void *ud)
{
	const tw_scan_pattern *p = &tw_scan_patterns[id];

	(void)flags;
	tw_scan_anchor(ud, p, p->som ? (size_t)from : SIZE_MAX, (size_t)to);
	return 0;
}

static trawl_status scan_pcre(tw_scanner *s, tw_scan_ctx *cx)
{
	size_t i;

	for (i = 0; i < NPAT; i++) {
		PCRE2_SIZE off = 0;

		memset(cx->run_start, 0, sizeof(cx->run_start));
		memset(cx->run_end, 0, sizeof(cx->run_end));
		while (off <= cx->len) {
			int rc = pcre2_match(eng.re[i], (PCRE2_SPTR)cx->text, cx->len, off, 0, s->md, NULL);
			PCRE2_SIZE *ov;

			if (rc < 0)
				break;
			ov = pcre2_get_ovector_pointer(s->md);
			tw_scan_anchor(cx, &tw_scan_patterns[i], ov[0], ov[1]);
			/* Restart just after the match's start: Hyperscan
			 * reports overlapping matches too. */
			off = ov[0] + 1;
		}
	}
	return TRAWL_OK;
}

trawl_status tw_scan_text(tw_scanner *s, const char *text, size_t len, int is_sheet,
			  tw_findings *out)
{
	tw_scan_ctx cx;
	size_t before = out->n;
	trawl_status st = TRAWL_OK;

	if (!s || !text || !len)
		return TRAWL_OK;
	memset(&cx, 0, sizeof(cx));
	cx.text = text;
	cx.len = len;
	cx.out = out;
	cx.is_sheet = is_sheet;
	if (use_hs() && s->scratch) {
		if (len > 0xffffffffu)
			return TRAWL_ELIMIT;
		if (hs_scan(eng.hs, text, (unsigned)len, 0, s->scratch, on_match, &cx) != HS_SUCCESS)
			st = TRAWL_EINVAL;
	} else if (s->md) {
		st = scan_pcre(s, &cx);
	} else {
		return TRAWL_EUNSUPPORTED;
	}
	if (is_sheet)
		tw_scan_sheet(&cx);
	(void)before;
	tw_findings_normalise(out);
	return st;
}

void tw_findings_free(tw_findings *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->v[i].value);
		free(f->v[i].preview);
	}
	free(f->v);
	free(f);
}

/* ---------------------------------------------------------------- ingest */

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void tls_free(void *p)
{
	tw_scanner_free(p);
}

static void tls_init(void)
{
	pthread_key_create(&tls_key, tls_free);
}

int tw_node_is_sheet(const tw_node *n)
{
	return (n->type && !strcmp(n->type, "spreadsheet")) ||
	       (n->ext && (!strcmp(n->ext, "csv") || !strcmp(n->ext, "tsv"))) ||
	       (n->mime && (!strcmp(n->mime, "text/csv") || !strcmp(n->mime, "text/tab-separated-values")));
}

void tw_scan_tree(tw_node *root)
{
	tw_scanner *s;
	tw_node *n;

	pthread_once(&tls_once, tls_init);
	s = pthread_getspecific(tls_key);
	if (!s) {
		uint64_t failures = tw_alloc_failures();

		s = tw_scanner_new();
		if (!s) {
			/* No engine is no scan; no memory is an incomplete one. */
			if (root && tw_alloc_failures() != failures)
				root->oom = 1;
			return;
		}
		pthread_setspecific(tls_key, s);
	}
	for (n = root; n; n = n->next) {
		if (!n->known && n->mime && !n->findings) {
			uint64_t failures = tw_alloc_failures();
			tw_findings *f = tw_calloc(1, sizeof(*f));

			if (f) {
				/* Kept even when empty: the writer records that the
				 * content was scanned. */
				tw_scan_text(s, n->text.data, n->text.len, tw_node_is_sheet(n), f);
				n->findings = f;
			}
			/* A finding lost for lack of memory leaves the item
			 * incomplete. */
			if (tw_alloc_failures() != failures)
				n->oom = 1;
		}
		tw_scan_tree(n->first_child);
	}
}
