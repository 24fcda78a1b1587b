/*
 * tw.h - the base of libtrawl, shared by every module.
 *
 * The building blocks that every layer uses and that know nothing of the
 * layers above them:
 *   - tw_buf, the one growable buffer for untrusted bytes, with a hard cap
 *     fixed at creation;
 *   - allocation wrappers, UTF-8 and hashing helpers (util.c);
 *   - hash maps and union-find (maps.c); content families (types.c);
 *   - tw_node, the in-memory tree an input file becomes during extraction
 *     (file -> email -> attachment -> archive member ...), handed from the
 *     extractor threads to the writer (node.c).
 * Module headers build on this one: mail.h (address, name, date and sniffing
 * primitives), extract/extract.h, archive/archive.h (the storage seam),
 * search/search.h, investigate/investigate.h, protect/scan.h, verify/verify.h,
 * ingest/ingest.h.  docs/architecture.md gives the tour and the rule of which
 * module may include which (checked by tools/check-layers.sh).
 * Nothing here is exported from the library.
 */
#ifndef TW_H
#define TW_H

#define TW_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "trawl.h"

#if defined(__GNUC__)
#define TW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TW_PRINTF(a, b)
#endif

#define TW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* ---------------------------------------------------------------- buffer */

/*
 * A growable byte buffer.  `data` is NULL until the first append, then
 * always NUL-terminated.  Appends beyond `max` are cut at `max`, set
 * `truncated` and return TRAWL_ELIMIT: untrusted input never grows a
 * buffer without bound.
 *
 * Failure is sticky (like curl's dynbuf): once an allocation failed,
 * `failed` is set, the buffer keeps the bytes it had, and every later
 * append is a no-op returning TRAWL_ENOMEM.  So builders append without
 * checking each call and check once, before use, with tw_buf_failed() (or
 * through tw_buf_detach(), which gives NULL for a failed buffer).  Only
 * tw_buf_reset() and tw_buf_release() clear the flag.
 */
typedef struct tw_buf {
	char *data;
	size_t len, cap, max;
	int truncated;
	int failed;
} tw_buf;

void tw_buf_init(tw_buf *b, size_t max);
trawl_status tw_buf_append(tw_buf *b, const void *p, size_t n);
trawl_status tw_buf_puts(tw_buf *b, const char *s);
trawl_status tw_buf_putc(tw_buf *b, char c);
trawl_status tw_buf_printf(tw_buf *b, const char *fmt, ...) TW_PRINTF(2, 3);
/* Non-zero when an append failed for lack of memory: the content is not
 * all that was appended and must not be used as if it were. */
static inline int tw_buf_failed(const tw_buf *b) { return b->failed; }
/* Empty the buffer for new content (keeps the memory; clears `failed`). */
void tw_buf_reset(tw_buf *b);
/* Hand over the bytes (caller frees).  NULL when nothing was appended, and
 * NULL for a failed buffer (whose bytes are freed): callers for which empty
 * is legitimate check tw_buf_failed() first. */
char *tw_buf_detach(tw_buf *b, size_t *len);
void tw_buf_release(tw_buf *b);

/* ---------------------------------------------------------------- string pool */

/*
 * Strings owned by one result structure handed to the caller (an item, a
 * thread, a graph ...), freed together by tw_strpool_release().
 */
typedef struct tw_strpool {
	char **strs;
	size_t n, cap;
} tw_strpool;

/* Copy s into the pool; NULL for NULL or on allocation failure. */
const char *tw_strpool_keep(tw_strpool *p, const char *s);
void tw_strpool_release(tw_strpool *p);

/* ---------------------------------------------------------------- utils */

/* All of libtrawl's allocation goes through these (never malloc() and
 * friends directly), so that tests can make any one of them fail.  Memory
 * they return is freed with free(). */
void *tw_malloc(size_t n);            /* NULL on failure, never aborts */
void *tw_calloc(size_t n, size_t m);
void *tw_realloc(void *p, size_t n);
char *tw_strdup(const char *s);       /* NULL in -> NULL out */
char *tw_strndup(const char *s, size_t n);
char *tw_asprintf(const char *fmt, ...) TW_PRINTF(1, 2);
/*
 * Fault injection, for tests only (tests/unit/test_oom.c).  Counting
 * starts at 1 with the first allocation after the call.
 * tw_alloc_fail_at(n): the n-th allocation fails, later ones succeed
 * again, so that every recovery path is taken once; n = 0 turns the hook
 * off.  tw_alloc_fail_from(n): the n-th and every later one fail (memory
 * stays exhausted).  With n = UINT64_MAX either only counts: tw_alloc_count()
 * gives the number of allocations since the call (0 once the hook is off).
 * Thread-safe; the count covers every thread, so with several threads the
 * n-th is not the same allocation from run to run.  Allocation inside
 * third-party libraries (GLib, SQLite, libarchive ...) is not counted and
 * never fails here.
 */
void tw_alloc_fail_at(uint64_t n);
void tw_alloc_fail_from(uint64_t n);
uint64_t tw_alloc_count(void);
/*
 * Allocations through the wrappers that failed on the calling thread so
 * far (injected or real).  Code that must not pass a partial result for a
 * whole one compares it before and after building it: the extraction
 * framework for each item (n->oom), the writer for each unit, the read
 * functions for what they return.  A failure some path swallowed (a
 * helper that returns NULL for "nothing" and for "no memory" alike) is
 * still seen.
 */
uint64_t tw_alloc_failures(void);
/* Count a failure of an allocation libc made for trawl (getline(),
 * realpath()), which the wrappers do not see. */
void tw_alloc_note_failure(void);
void tw_hex(const unsigned char *in, size_t n, char *out); /* out: 2n+1 */
/* SHA-256 and MD5 for EVP_DigestInit_ex(), fetched once per process. */
typedef struct evp_md_st EVP_MD;
const EVP_MD *tw_md_sha256(void);
const EVP_MD *tw_md_md5(void);
int64_t tw_now_ms(void);
/* Encode a code point as UTF-8 into out; surrogates and values beyond
 * U+10FFFF become U+FFFD.  Returns the length (1..4). */
size_t tw_utf8_encode(unsigned cp, char out[4]);
/* Length of the longest prefix of s that is valid UTF-8 without NULs. */
size_t tw_utf8_valid_prefix(const char *s, size_t n);
/* Replace invalid UTF-8 sequences and NULs by U+FFFD; returns a new string. */
char *tw_utf8_clean(const char *s, size_t n, size_t *outlen);
/* Lowercase ASCII in place. */
void tw_ascii_lower(char *s);

/* ---------------------------------------------------------------- hashing */

typedef struct tw_digest {
	unsigned char sha256[32];
	unsigned char md5[16];
} tw_digest;

void tw_digest_mem(const void *p, size_t n, tw_digest *d);

/* Incremental hashing of a stream of chunks (SHA-256 and MD5 together). */
typedef struct tw_hasher tw_hasher;
tw_hasher *tw_hasher_new(void);
void tw_hasher_update(tw_hasher *h, const void *p, size_t n);
void tw_hasher_final(tw_hasher *h, tw_digest *d); /* also frees h */
/* ---------------------------------------------------------------- findings */

/*
 * A PII or secret hit in a node's text (lib/scan/).  `value` is the
 * normalised matched value, held in memory only so that the writer can hash
 * it with the archive's salt; it is never stored.  Offsets are bytes of the
 * node's extracted text.
 */
/* Names of the finding types, by enum tw_pii: what the archive stores and
 * the query language's pii: values (lib/protect/validate.c). */
extern const char *const tw_pii_names[];

typedef struct tw_finding {
	int type;            /* enum tw_pii (lib/scan/scan.h) */
	const char *subtype; /* static: "visa", "aws-access-key", ... or NULL */
	size_t off, len;
	double confidence;   /* 0..1 */
	char *value;
	char *preview;       /* masked: only the last four characters visible */
} tw_finding;

typedef struct tw_findings {
	tw_finding *v;
	size_t n, cap;
} tw_findings;

void tw_findings_free(tw_findings *f); /* frees f too */
/* ---------------------------------------------------------------- nodes */

enum tw_role { TW_FROM, TW_TO, TW_CC, TW_BCC, TW_REPLY_TO, TW_SENDER, TW_NROLES };
extern const char *const tw_role_names[TW_NROLES];

typedef struct tw_addr {
	int role;
	char *name; /* display name, UTF-8, may be NULL */
	char *addr; /* normalised (lowercase, trimmed) address, may be NULL */
} tw_addr;

enum tw_date_status { TW_DATE_OK = 0, TW_DATE_MISSING, TW_DATE_INVALID };

typedef struct tw_email {
	char *message_id, *in_reply_to, *references, *subject;
	int64_t date;   /* UTC seconds */
	int tz_offset;  /* minutes east of UTC */
	int date_status;
	char *date_raw;
	tw_addr *addrs;
	size_t naddrs, addrs_cap;
	int oom;        /* an address was lost for lack of memory */
} tw_email;

typedef struct tw_prop {
	char *key, *value;
} tw_prop;

typedef struct tw_err {
	trawl_status status;
	char *stage, *message;
} tw_err;

/*
 * One item found in an input.  The extractor framework fills kind, name,
 * locator, size and digests; extractors fill type, mime, text, email, props
 * and children.  When `known` is set the content was already in the archive
 * (or earlier in this run) and was not extracted again.
 */
typedef struct tw_node {
	const char *kind;  /* static: "file", "email", "attachment", "member", "message" */
	char *name;        /* file name, member path or attachment name */
	char *locator;     /* how to find the bytes in the parent (see extract.c) */
	char *mime;        /* detected MIME type */
	const char *type;  /* static family: email, pdf, word, spreadsheet, ... */
	char *ext;         /* lowercased extension of name, no dot */
	int64_t size;
	tw_digest digest;
	int depth;
	int known;         /* content already in the archive: not extracted */
	uint64_t inflated, deflated; /* container accounting (tw_cx_inflate) */
	tw_buf text;       /* UTF-8 text for the index */
	unsigned char *ztext; /* text compressed for storage (set by the pipeline) */
	size_t zlen;
	size_t text_in_z;  /* plain text was released: its length, kept in ztext */
	unsigned char text_key[16]; /* identifies the text row (tw_text_key()) */
	int text_keyed;
	tw_email *email;   /* set for RFC 5322 messages */
	tw_prop *props;
	size_t nprops, props_cap;
	tw_err *errs;
	size_t nerrs;
	struct tw_node *first_child, *last_child, *next;
	size_t nchildren;
	tw_findings *findings; /* set by tw_scan_tree(), NULL when not scanned */
	/* Something of this item was lost for lack of memory (a property, an
	 * error, text, a child ...).  A flag, not an entry of errs, so that
	 * recording it cannot fail: the writer turns it into the error
	 * TW_OOM_MESSAGE (see tw_node_oom()). */
	int oom;
} tw_node;

/* The message of the error an item incomplete for lack of memory gets. */
#define TW_OOM_MESSAGE "incomplete: out of memory"

/* NULL when out of memory (or when `name` cannot be copied). */
tw_node *tw_node_new(const char *kind, const char *name, int depth);
void tw_node_free(tw_node *n); /* frees the whole subtree */
/* The functions below never fail silently: what they cannot keep for lack
 * of memory sets n->oom (e->oom for addresses). */
void tw_node_prop(tw_node *n, const char *key, const char *value);
void tw_node_propf(tw_node *n, const char *key, const char *fmt, ...) TW_PRINTF(3, 4);
/* An error of status TRAWL_ENOMEM only sets n->oom: every such item gets
 * the one error TW_OOM_MESSAGE from the writer. */
void tw_node_error(tw_node *n, trawl_status st, const char *stage,
		   const char *fmt, ...) TW_PRINTF(4, 5);
/* Append UTF-8 text (cleaned of invalid sequences); truncation is recorded
 * once as a "limit" error on the node. */
void tw_node_text(tw_node *n, const char *s, size_t len);
void tw_email_addr(tw_email *e, int role, const char *name, const char *addr);
void tw_email_free(tw_email *e);
/* A copy of s cleaned of invalid UTF-8 for a field of node n, NULL for
 * NULL; NULL with n->oom set when out of memory.  Caller frees. */
char *tw_node_str(tw_node *n, const char *s);
/* Non-zero when something of node n (not its children) was lost for lack
 * of memory: n->oom, its text buffer failed, or an address was lost. */
int tw_node_oom(const tw_node *n);
/* ---------------------------------------------------------------- types (types.c) */

/* Family for a MIME type / extension: "pdf", "word", ... (static). */
const char *tw_family(const char *mime, const char *ext);
/* The family a file name's extension promises ("pdf" for "pdf", "word"
 * for "docx" ...), or NULL for extensions that promise nothing. */
const char *tw_ext_family(const char *ext);
/* Lowercased extension of a file name without the dot, or NULL (none, or
 * out of memory when tw_ext_start() is not NULL). */
char *tw_ext_of(const char *name);
/* Where the extension of a name starts (after the dot), or NULL. */
const char *tw_ext_start(const char *name);

/* ---------------------------------------------------------------- maps */

/* Hash maps and union-find for the derived-data passes (lib/maps.c).
 * Zero-initialised structs are empty maps; put returns -1 when out of
 * memory.  Keys of tw_strmap are copied. */
typedef struct tw_strslot { char *key; uint64_t hash; int64_t val; } tw_strslot;
typedef struct tw_strmap { tw_strslot *slots; size_t cap, len; } tw_strmap;
int tw_strmap_get(const tw_strmap *m, const char *key, int64_t *val);
int tw_strmap_put(tw_strmap *m, const char *key, int64_t val);
void tw_strmap_release(tw_strmap *m);
typedef struct tw_intslot { int64_t key, val; int used; } tw_intslot;
typedef struct tw_intmap { tw_intslot *slots; size_t cap, len; } tw_intmap;
int tw_intmap_get(const tw_intmap *m, int64_t key, int64_t *val);
int tw_intmap_put(tw_intmap *m, int64_t key, int64_t val);
void tw_intmap_release(tw_intmap *m);
/* Union-find over 0..n-1; the root of a set is always its smallest member. */
typedef struct tw_uf { size_t *parent; size_t n; } tw_uf;
int tw_uf_init(tw_uf *u, size_t n);
size_t tw_uf_find(tw_uf *u, size_t x);
void tw_uf_union(tw_uf *u, size_t a, size_t b);
void tw_uf_release(tw_uf *u);
/* A growable array of ids; zero-initialised it is empty.  tw_ids_push
 * returns non-zero when out of memory and then sets oom: an id was lost, so
 * the list is not to be used.  tw_ids_collect is tw_ids_push in the shape of
 * an id callback (ud is the tw_ids). */
typedef struct tw_ids { int64_t *v; size_t n, cap; int oom; } tw_ids;
int tw_ids_push(tw_ids *l, int64_t id);
int tw_ids_collect(int64_t id, void *ud);
void tw_ids_release(tw_ids *l);

typedef struct tw_id_cache {
	struct {
		char *addr;
		uint64_t hash;
		int64_t id;
	} *slots;
	size_t cap, len;
} tw_id_cache;

/* The writer's cache of ids by string (lib/maps.c); h is the string's hash. */
int64_t tw_id_cache_get(tw_id_cache *c, const char *s, uint64_t h);
void tw_id_cache_put(tw_id_cache *c, const char *s, uint64_t h, int64_t id);
void tw_id_cache_clear(tw_id_cache *c);

#endif /* TW_H */
