/*
 * tw.h - the base of libtrawl, shared by every module.
 *
 * The building blocks that every layer uses and that know nothing of the
 * layers above them:
 *   - tw_buf, the one growable buffer for untrusted bytes, with a hard cap
 *     fixed at creation;
 *   - allocation wrappers, UTF-8 and hashing helpers (util.c);
 *   - hash maps and union-find (maps.c);
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
 */
typedef struct tw_buf {
	char *data;
	size_t len, cap, max;
	int truncated;
} tw_buf;

void tw_buf_init(tw_buf *b, size_t max);
trawl_status tw_buf_append(tw_buf *b, const void *p, size_t n);
trawl_status tw_buf_puts(tw_buf *b, const char *s);
trawl_status tw_buf_putc(tw_buf *b, char c);
trawl_status tw_buf_printf(tw_buf *b, const char *fmt, ...) TW_PRINTF(2, 3);
void tw_buf_reset(tw_buf *b);
/* Hand over the bytes (caller frees; may be NULL when empty). */
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

void *tw_malloc(size_t n);            /* NULL on failure, never aborts */
void *tw_calloc(size_t n, size_t m);
void *tw_realloc(void *p, size_t n);
char *tw_strdup(const char *s);       /* NULL in -> NULL out */
char *tw_strndup(const char *s, size_t n);
char *tw_asprintf(const char *fmt, ...) TW_PRINTF(1, 2);
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
} tw_node;

tw_node *tw_node_new(const char *kind, const char *name, int depth);
void tw_node_free(tw_node *n); /* frees the whole subtree */
void tw_node_prop(tw_node *n, const char *key, const char *value);
void tw_node_propf(tw_node *n, const char *key, const char *fmt, ...) TW_PRINTF(3, 4);
void tw_node_error(tw_node *n, trawl_status st, const char *stage,
		   const char *fmt, ...) TW_PRINTF(4, 5);
/* Append UTF-8 text (cleaned of invalid sequences); truncation is recorded
 * once as a "limit" error on the node. */
void tw_node_text(tw_node *n, const char *s, size_t len);
void tw_email_addr(tw_email *e, int role, const char *name, const char *addr);
void tw_email_free(tw_email *e);
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
