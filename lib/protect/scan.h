/*
 * scan.h - internals of the findings scanner (lib/protect/), shared by its two
 * files and by the unit tests.
 *
 * The scanner works in two steps.  A multi-pattern engine (Hyperscan, or
 * PCRE2-JIT where Hyperscan cannot run) finds *anchors*: places where a
 * value of some type may be.  A validator for that type then looks at the
 * text around the anchor, works out the exact extent of the value itself
 * and decides whether it is real (check digits, ranges, context words).
 * Because validators never trust the extent a regex reported, both engines
 * give the same findings for the same text.
 *
 * The matched value itself is kept in memory only, so that the writer can
 * hash it with the archive's salt; the archive stores the hash and a masked
 * preview, never the value.
 */
#ifndef TW_SCAN_H
#define TW_SCAN_H

#include "tw.h"

/* Scan the text of every extracted node of a tree; sets node->findings
 * (possibly empty: "scanned, nothing found").  Thread-safe. */
struct tw_node;
void tw_scan_tree(struct tw_node *root);

/* Finding types; the names are the query language's pii: values. */
enum tw_pii {
	TW_PII_SSN, TW_PII_CARD, TW_PII_IBAN, TW_PII_PHONE, TW_PII_EMAIL,
	TW_PII_PASSWORD, TW_PII_KEY, TW_PII_DOB, TW_PII_IP, TW_PII_NTYPES
};
extern const char *const tw_pii_names[TW_PII_NTYPES];
/* Type for a name ("ssn"), or -1. */
int tw_pii_type(const char *name);

/* Anchor kinds: which validator runs on a pattern's match. */
enum tw_anchor {
	A_SSN, A_CARD, A_IBAN, A_PHONE, A_PHONE_INTL, A_EMAIL, A_DOB, A_PASSWORD,
	A_URL_CRED, A_PEM, A_AWS_ID, A_AWS_SECRET, A_TOKEN, A_IPV4, A_IPV6
};

/* One pattern of the engine; `som` patterns need their start offset. */
typedef struct tw_scan_pattern {
	const char *re;
	int anchor;
	int caseless;
	int som;
	const char *subtype; /* for A_TOKEN: what the token is */
} tw_scan_pattern;

extern const tw_scan_pattern tw_scan_patterns[];
extern const size_t tw_scan_npatterns;

/* Accumulates findings of one text; validators add to it. */
typedef struct tw_scan_ctx {
	const char *text;
	size_t len;
	tw_findings *out;
	int is_sheet;           /* the text is a spreadsheet or CSV (login tables) */
	size_t run_start[16], run_end[16]; /* last run handled per anchor kind */
} tw_scan_ctx;

/* Called for each anchor match: `start` is valid for som patterns only
 * (else SIZE_MAX); `end` is one past the last matched byte. */
void tw_scan_anchor(tw_scan_ctx *cx, const tw_scan_pattern *p, size_t start,
		    size_t end);
/* Per-text work that is not pattern driven (login tables in sheets). */
void tw_scan_sheet(tw_scan_ctx *cx);

/* Add a finding; `raw` is the span in the text, `value` the normalised
 * value (copied). */
void tw_scan_add(tw_scan_ctx *cx, int type, const char *subtype, size_t off,
		 size_t len, double confidence, const char *value, size_t vlen);

/* Sort by offset and drop repeats and overlaps of the same type. */
void tw_findings_normalise(tw_findings *f);

/* Validators, exposed for the unit tests.  Each takes digits or text and
 * returns non-zero when the value is valid. */
int tw_luhn_ok(const char *digits, size_t n);
/* SSN as 9 digits: area/group/serial rules and known fakes. */
int tw_ssn_ok(const char *digits9);
/* Card brand for valid IIN and length, or NULL. */
const char *tw_card_brand(const char *digits, size_t n);
/* IBAN without spaces, uppercase: country length and mod-97. */
int tw_iban_ok(const char *iban, size_t n);
/* Masked preview of a value: all but the last four characters become '*'
 * (separators kept when keep_seps).  Caller frees. */
char *tw_mask_preview(const char *s, size_t n, int keep_seps);

/* Non-zero when a node's text is a table (spreadsheet, CSV). */
int tw_node_is_sheet(const tw_node *n);

/* Force an engine for tests: 0 automatic, 1 Hyperscan, 2 PCRE2.  Returns 0
 * when that engine is usable. */
int tw_scan_force_engine(int engine);
/* Name of the engine in use after initialisation: "hyperscan" or "pcre2". */
const char *tw_scan_engine(void);

/* A scanner with its own scratch space: one per thread. */
typedef struct tw_scanner tw_scanner;
tw_scanner *tw_scanner_new(void);
void tw_scanner_free(tw_scanner *s);
/* Scan `len` bytes of UTF-8 text; findings are appended to *out. */
trawl_status tw_scan_text(tw_scanner *s, const char *text, size_t len,
			  int is_sheet, tw_findings *out);

#endif
