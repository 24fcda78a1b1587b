/*
 * tw.h - internals of libtrawl shared between its files.
 *
 * Three building blocks live here:
 *   - tw_buf, the one growable buffer for untrusted bytes, with a hard cap
 *     fixed at creation;
 *   - tw_node, the in-memory tree an input file becomes during extraction
 *     (file -> email -> attachment -> archive member ...), handed from the
 *     extractor threads to the writer thread;
 *   - the extractor interface (tw_extractor), which every format family in
 *     lib/extract/ implements.
 * Nothing here is exported from the library (see the version script).
 */
#ifndef TW_H
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
 * gives the number of allocations since the call (0 once the hook is off).  Thread-safe; the count
 * covers every thread, so with several threads the n-th is not the same
 * allocation from run to run.  Allocation inside third-party libraries
 * (GLib, SQLite, libarchive ...) is not counted and never fails here.
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
/* Scan the text of every extracted node of a tree; sets node->findings
 * (possibly empty: "scanned, nothing found").  Thread-safe. */
struct tw_node;
void tw_scan_tree(struct tw_node *root);

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

/* ---------------------------------------------------------------- extraction */

typedef struct tw_extract_ctx tw_extract_ctx;

/*
 * An extractor reads `data` (the whole item, `len` bytes, already in memory
 * and never modified) and fills `node`: text, props, email fields, and
 * children through tw_child().  It returns TRAWL_OK, or a status that the
 * framework records as an error of stage "extract" on the node when the
 * extractor did not record a more precise one itself.  Extractors never
 * touch the archive and never print.
 */
typedef trawl_status (*tw_extract_fn)(tw_extract_ctx *cx, tw_node *node,
				       const unsigned char *data, size_t len);

typedef struct tw_extractor {
	const char *name;  /* "email", "pdf", ... */
	const char *type;  /* family given to nodes: "email", "pdf", ... */
	/* Non-zero when this extractor takes content of this MIME type and
	 * (lowercase, may be NULL) extension; data is the first bytes. */
	int (*accepts)(const char *mime, const char *ext,
		       const unsigned char *data, size_t len);
	tw_extract_fn extract;
	/* Optional: extract a file on disk without loading it whole (large
	 * PST, mbox, zip, PDF).  Called instead of extract() for inputs on
	 * disk larger than TW_MEM_THRESHOLD; `node` is set up as for extract(). */
	trawl_status (*extract_file)(tw_extract_ctx *cx, tw_node *node,
				     const char *path, uint64_t size);
} tw_extractor;

/* Inputs on disk above this size are handed to extract_file() when the
 * extractor has one, instead of being read into memory. */
#define TW_MEM_THRESHOLD (64u << 20)

/*
 * Add a child item of `parent` with content `data`/`len` (copied as needed
 * by the framework; the caller keeps ownership).  The framework hashes it,
 * detects its type, checks whether the content is already known and, if not,
 * extracts it recursively within the limits.  `locator` identifies the child
 * inside its parent so that the raw bytes can be found again by re-running
 * the parent's extractor; it must be stable across runs (e.g. "part:3",
 * "member:dir/a.txt#2").  Returns the child node (owned by the tree) or NULL
 * when a limit forbids it (then the limit is recorded on the parent and the
 * extractor should stop adding children).
 */
tw_node *tw_child(tw_extract_ctx *cx, tw_node *parent, const char *kind,
		  const char *name, const char *locator,
		  const unsigned char *data, size_t len);

/* The limits in force. */
const trawl_limits *tw_cx_limits(const tw_extract_ctx *cx);
/* Non-zero when the time budget of the current input is spent or the run is
 * being cancelled; long extractors poll this and stop with TRAWL_ELIMIT. */
int tw_cx_expired(tw_extract_ctx *cx);
/* Account `n` decompressed bytes against the container budget of `node`;
 * returns TRAWL_ELIMIT (after recording it) when over. */
trawl_status tw_cx_inflate(tw_extract_ctx *cx, tw_node *node, uint64_t n,
			   uint64_t compressed);
/* Non-zero when the framework only wants the bytes of one descendant
 * (raw retrieval): extractors may skip text work then. */
int tw_cx_locating(const tw_extract_ctx *cx);

/* Detect the MIME type of content.  Returns a static or per-thread string. */
const char *tw_detect_mime(const unsigned char *data, size_t len,
			   const char *name);
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

/* Convert `len` bytes in `charset` (NULL: detect with uchardet) to UTF-8 and
 * append them to the node's text. */
void tw_text_convert(tw_node *n, const char *data, size_t len,
		     const char *charset);
/* Same, into a fresh NUL-terminated string (caller frees). */
char *tw_to_utf8(const char *data, size_t len, const char *charset,
		 size_t *outlen);
/* HTML to text (libxml2's HTML parser; scripts and styles dropped).  Title,
 * if any, goes to *title (caller frees; may be NULL). */
char *tw_html_to_text(const char *html, size_t len, const char *charset,
		      size_t max, char **title);

/*
 * Run the whole extraction of one input: detect, extract, recurse.  `root`
 * must have name/kind set; data is the whole input.  `known` (may be NULL)
 * is asked whether a content is already in the archive.  `locate`: when not
 * NULL, extraction only follows the chain of `nlocate` child locators (e.g.
 * "part:2" then "member:x.docx") and copies the bytes of the last into
 * *found.
 */
typedef int (*tw_known_fn)(const tw_digest *d, void *ud);
typedef struct tw_extract_args {
	const trawl_limits *limits;
	tw_known_fn known;
	void *known_ud;
	const volatile int *cancel;
	const char *path;          /* the input's file on disk, or NULL */
	const char *const *locate; /* locators from the root's child down */
	size_t nlocate;
	tw_buf *found;
} tw_extract_args;

void tw_extract(tw_node *root, const unsigned char *data, size_t len,
		const tw_extract_args *args);
/* Same for a file on disk that is too large to read into memory: hashes it
 * by streaming, detects its type from its head, and calls extract_file()
 * (or records a "limit" error when the extractor has none). */
void tw_extract_path(tw_node *root, const char *path, uint64_t size,
		     const tw_extract_args *args);
/* Write `len` bytes to a new private temporary file and return its path
 * (caller unlinks and frees), for libraries that only read files. */
char *tw_temp_file(const void *data, size_t len);

/* Process-wide initialisation of the libraries extractors use (GMime,
 * libxml2, libmagic); idempotent and thread-safe. */
void tw_extract_global_init(void);

/* Extractors, one per format family (lib/extract/). */
extern const tw_extractor tw_extractor_email;
extern const tw_extractor tw_extractor_text;
extern const tw_extractor tw_extractor_html;
extern const tw_extractor tw_extractor_mbox;
extern const tw_extractor tw_extractor_pdf;
extern const tw_extractor tw_extractor_ooxml;
extern const tw_extractor tw_extractor_odf;
extern const tw_extractor tw_extractor_rtf;
extern const tw_extractor tw_extractor_legacy;
extern const tw_extractor tw_extractor_msg;
extern const tw_extractor tw_extractor_tnef;
extern const tw_extractor tw_extractor_container;
extern const tw_extractor tw_extractor_pst;
extern const tw_extractor tw_extractor_xml;

/* A PST or OST store on disk read message by message (lib/extract/pst.c):
 * the walker takes each top-level item's records, an extractor thread
 * turns them into a message with tw_pst_message(). */
typedef struct tw_pst_split tw_pst_split;
typedef struct tw_pst_part {
	uint64_t id;          /* descriptor id: locator "pst:<id>" */
	char *name;           /* "<folder path>/<n>" */
	char *folder;         /* folder path, or NULL */
	unsigned char *recs;  /* the item's records */
	size_t len;
} tw_pst_part;
/* Start reading; problems, counts and reconciliation go on `node` (by
 * tw_pst_split_close()).  The reader gives up after max_seconds of
 * silence, and stops when *cancel becomes non-zero. */
tw_pst_split *tw_pst_split_open(const char *path, const trawl_limits *lim,
				const volatile int *cancel, tw_node *node);
/* The next item: 1 with *part filled (free with tw_pst_part_free), 0 at
 * the end of the store or when reading stopped. */
int tw_pst_split_next(tw_pst_split *s, tw_pst_part *part);
void tw_pst_part_free(tw_pst_part *part);
void tw_pst_split_close(tw_pst_split *s);
/* The RFC 5322 bytes of an item from its records (caller frees); NULL when
 * they hold no item. */
char *tw_pst_message(const unsigned char *recs, size_t len, const trawl_limits *lim,
		     size_t *out_len);
/* Non-zero when data starts like a PST or OST store. */
int tw_looks_like_pst(const unsigned char *data, size_t len);

/* The table the framework dispatches on, in order of preference. */
extern const tw_extractor *const tw_extractors[];
extern const size_t tw_nextractors;

/* ---------------------------------------------------------------- mail helpers */

/* Parse an RFC 5322 date; returns 0 and fills *utc / *tz on success. */
int tw_parse_date(const char *s, int64_t *utc, int *tz_offset);
/* Normalise an address: trim, unquote, lowercase.  Caller frees.  NULL for
 * an address that is blank (tw_addr_blank()), else when out of memory. */
char *tw_addr_normalise(const char *addr);
/* Non-zero when addr holds nothing but blanks, quotes and angle brackets. */
int tw_addr_blank(const char *addr);
/* Non-zero when data looks like the start of an RFC 5322 message. */
int tw_looks_like_message(const unsigned char *data, size_t len);
/* Non-zero when data starts like an mbox ("From " line). */
int tw_looks_like_mbox(const unsigned char *data, size_t len);

/* ---------------------------------------------------------------- store */

/*
 * The archive as the pipeline and the read side see it (lib/archive.c,
 * lib/store.c).  SQL lives behind these functions only.
 */
#include <sqlite3.h>

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

/* Totals of recent queries, valid while the archive has not changed
 * (lib/search.c): the pages and orders of one search count once. */
#define TW_COUNT_CACHE 32
typedef struct tw_count_entry {
	char *query;
	int by_thread;
	int64_t count;
	int64_t version, changes; /* PRAGMA data_version, own total changes */
} tw_count_entry;

struct trawl_archive {
	sqlite3 *db;
	tw_id_cache addrs; /* writer's address ids */
	tw_id_cache pvals; /* writer's shared metadata value ids */
	char *path;
	int readonly;
	char errmsg[1024];
	sqlite3_stmt *stmts[64]; /* prepared statements, by tw_stmt index */
	tw_count_entry counts[TW_COUNT_CACHE];
	unsigned counts_next;
};

/* Set the archive's error message; returns st. */
trawl_status tw_fail(trawl_archive *ar, trawl_status st, const char *fmt, ...)
	TW_PRINTF(3, 4);
/* Record a SQLite failure as TRAWL_EDB with the database's message. */
trawl_status tw_dbfail(trawl_archive *ar, const char *what);
/* Open a raw connection with trawl's functions and pragmas. */
int tw_db_open(const char *path, int readonly, sqlite3 **out);
/* Run SQL without results. */
trawl_status tw_exec(trawl_archive *ar, const char *sql);
/* A cached prepared statement (reset, bindings cleared).  Slots: store.c
 * from 0, search.c from 40, findings.c from 48 (up to 63). */
sqlite3_stmt *tw_stmt(trawl_archive *ar, int slot, const char *sql);
/* A statement prepared for one use (finalize it); NULL with the archive's
 * message set to "<what>: <SQLite's error>" on failure. */
sqlite3_stmt *tw_prepare(trawl_archive *ar, const char *sql, const char *what);

/* Compress/decompress stored text (zlib). */
unsigned char *tw_deflate(const char *text, size_t len, size_t *zlen);
char *tw_inflate(const unsigned char *z, size_t zlen, size_t *len);

/* Units: what the writer commits atomically (one input with descendants,
 * or one part of a container the walker splits). */
enum tw_unit_kind { TW_UNIT_FILE, TW_UNIT_PART, TW_UNIT_SPLIT_END };

/* A container on disk that the walker splits into parts, each a unit of its
 * own: the messages of an mbox or of a PST store.  Parts are located
 * "<prefix><key>" under the container's item: the offset of an mbox
 * message's "From " line, the descriptor id of a PST item. */
enum tw_split_format { TW_SPLIT_MBOX, TW_SPLIT_PST };

typedef struct tw_split {
	int format;          /* enum tw_split_format */
	char *path;
	int64_t size, mtime;
	int64_t item_id;     /* the container's item, once the writer made it */
	int64_t old_root;    /* earlier family to replace, or 0 */
	_Atomic int refs;    /* walker + in-flight parts */
	int truncated_walk;  /* the walker stopped early (cancelled, error) */
	_Atomic int lost;    /* a part was lost for lack of memory: like
				truncated_walk, the container is completed by
				the next run */
	/* The container's own content (digest, MIME type, type, properties,
	 * errors), complete before the END unit. */
	tw_node *node;
	uint64_t nparts;
} tw_split;

/* Locator prefix of the parts of a split container. */
const char *tw_split_prefix(int format);

typedef struct tw_unit {
	int kind;
	char *path;          /* file on disk */
	int64_t size, mtime; /* mtime in nanoseconds */
	int64_t old_root;    /* item id of the earlier family of this path to replace */
	tw_node *root;       /* extraction result (NULL for SPLIT_END) */
	tw_split *split;
	uint64_t key;        /* PART: the part's key in its locator */
	uint64_t index;      /* PART: 1-based part number */
	struct tw_unit *next;
} tw_unit;

typedef struct tw_unit_result {
	int outcome;         /* 0 indexed, 1 duplicate, 2 error (-1: see tw_store_split_done) */
	uint64_t items, item_errors;
} tw_unit_result;

/* Writer side (one thread). */
trawl_status tw_store_source_begin(trawl_archive *ar, const char *roots,
				   const char *label, int64_t *source_id);
trawl_status tw_store_source_end(trawl_archive *ar, int64_t source_id,
				 const trawl_ingest_stats *st);
trawl_status tw_store_unit(trawl_archive *ar, int64_t source_id, tw_unit *u,
			   tw_unit_result *res);
/* Mark a split container complete (all its parts committed) and record
 * its own errors.  A container without parts counts as an input of its
 * own (res->outcome as for a unit); otherwise res->outcome is -1 and
 * res->item_errors counts its errors. */
trawl_status tw_store_split_done(trawl_archive *ar, tw_split *m,
				 int64_t source_id, tw_unit_result *res);
/* Record an error for an input that has no item (walk failures). */
trawl_status tw_store_walk_error(trawl_archive *ar, int64_t source_id,
				 const char *path, trawl_status st,
				 const char *message);
/* Delete a family (an input and all its descendants) and what only it used. */
trawl_status tw_store_delete_family(trawl_archive *ar, int64_t root_id);
/* Free the writer's caches. */
void tw_store_release(trawl_archive *ar);
/* Store the findings of node n (scanned) for its new blob (lib/findings.c);
 * returns 0 or -1 with the archive's message set. */
int tw_store_findings(trawl_archive *ar, int64_t blob, const tw_node *n);
/* Derived data refreshed after an ingest (threads, people). */
trawl_status tw_store_after_ingest(trawl_archive *ar);
/* How long a connection waits for another's lock before SQLITE_BUSY. */
#define TW_BUSY_TIMEOUT_MS 30000
/* Bytes of SHA-256(salt || value) kept per finding (findings.hash). */
#define TW_FINDING_HASH_BYTES 16
/* Set n->text_key from the text (subject, body, names) node n would get in
 * the index; text/len is its body.  Contents with equal keys share a text
 * row.  Called by the extractor threads, or by the writer when they did not. */
void tw_text_key(tw_node *n, const char *text, size_t len);

/* Reader side (any thread, own connection). */
typedef struct tw_file_state {
	int found;
	int64_t size, mtime, item_id;
	int done;
	unsigned char sha256[32];
	int has_sha;
	int64_t inputs;  /* inputs it stands for: parts of a split container, else 0 (1) */
} tw_file_state;
int tw_store_file_state(sqlite3 *db, const char *path, tw_file_state *fs);
/* Non-zero when a content with this digest is stored, extracted and used
 * by an item outside the family `replacing` (0: none).  `*cache` holds a
 * prepared statement between calls (finalize it). */
int tw_store_known(sqlite3 *db, sqlite3_stmt **cache, const tw_digest *d,
		   int64_t replacing);
/* Keys of the parts of split container `item` already committed. */
int tw_store_part_keys(sqlite3 *db, int64_t item, int format, uint64_t **keys,
		       size_t *n);

/* ---------------------------------------------------------------- query */

/* The parsed query language (lib/query.c); see docs/query.md. */
enum tw_qkind { TW_Q_ALL, TW_Q_AND, TW_Q_OR, TW_Q_NOT, TW_Q_TERM, TW_Q_PHRASE, TW_Q_FIELD };

typedef struct tw_qnode {
	int kind;
	const char *field;   /* TW_Q_FIELD: canonical field name (static) */
	char *text;          /* term, phrase or field value */
	int prefix;          /* TW_Q_TERM: ends with '*' */
	int quoted;          /* the value was a "quoted phrase" */
	size_t pos;          /* byte offset in the query, for messages */
	struct tw_qnode *a, *b; /* AND/OR: both; NOT: a */
} tw_qnode;

/* Parse; on TRAWL_ESYNTAX `err` says where.  *out is freed with
 * tw_query_free().  An empty query parses to TW_Q_ALL. */
trawl_status tw_query_parse(const char *q, tw_qnode **out, trawl_syntax_error *err);
void tw_query_free(tw_qnode *n);
/* Call fn for every blob id matching `query` (lib/search.c), in no order;
 * fn returns non-zero to stop. */
trawl_status tw_search_blobs(trawl_archive *ar, const char *query,
			     int (*fn)(int64_t blob, void *ud), void *ud,
			     trawl_syntax_error *err);
/* Fields of the language, with their one-line help (NULL-terminated). */
extern const char *const tw_query_fields[][2];

/* ---------------------------------------------------------------- mbox */

/* Streaming mbox reader (lib/extract/mbox.c). */
typedef struct tw_mbox tw_mbox;
/* Read `f` from its current position, which is byte `offset` of the file;
 * with `hash`, every byte read is hashed (see tw_mbox_close). */
tw_mbox *tw_mbox_open_file(FILE *f, uint64_t offset, int hash);
tw_mbox *tw_mbox_open_mem(const unsigned char *d, size_t n);
/* Next message into `msg` (unescaped, framing removed; cut at msg->max with
 * msg->truncated set); *offset receives the offset of its "From " line.
 * Returns 1 for a message, 0 at the end. */
int tw_mbox_next(tw_mbox *mb, tw_buf *msg, uint64_t *offset);
/* Close; with `d` and a hashing reader, reads to the end and gives the
 * digest of the whole file. */
void tw_mbox_close(tw_mbox *mb, tw_digest *d);
int tw_mbox_is_separator(const char *line, size_t len);

/* ---------------------------------------------------------------- investigation */

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

/* Fill temp table `table` (blob_id INTEGER PRIMARY KEY; created if needed,
 * emptied first) with the contents matching `query` (lib/search.c).
 * `count` and `all` (may be NULL) receive the number of matches and whether
 * the query is the empty one (matches everything). */
trawl_status tw_query_temp(trawl_archive *ar, const char *query, const char *table,
			   int64_t *count, int *all, trawl_syntax_error *err);

/* Threading (lib/thread.c).  tw_derive_pending() fills temp.tw_new with the
 * emails the derived data (threads, people) has not seen yet: those without
 * a thread id, or all emails when some were deleted since the last pass
 * (*full set).  Then tw_people_update() and tw_thread_update() run, in the
 * caller's transaction, and tw_derive_done() records the state. */
trawl_status tw_derive_pending(trawl_archive *ar, int *full, int64_t *n);
trawl_status tw_thread_update(trawl_archive *ar, int full);
trawl_status tw_derive_done(trawl_archive *ar);
/* Subject without reply prefixes and list tags, lowercased, blanks folded;
 * a forward keeps one "fwd:" so that it stays a conversation of its own.
 * *reply is set when the subject started with a reply prefix.  Caller frees. */
char *tw_subject_base(const char *subject, int *reply);

/* People (lib/people.c). */
enum { TW_ADDR_OTHER, TW_ADDR_SMTP, TW_ADDR_X500 };
/* Canonical address for grouping: lowercase, without quotes, brackets,
 * comments or "mailto:"; Exchange DNs (also as IMCEAEX-... and with =3D
 * artefacts) as "/o=.../cn=...".  *kind (may be NULL) gets TW_ADDR_*.
 * NULL for an empty address.  Caller frees. */
char *tw_addr_canon(const char *addr, int *kind);
/* Display name for comparison: "Allen, Phillip K." -> "phillip k allen";
 * NULL when it is empty or an address.  Caller frees. */
char *tw_name_canon(const char *name);
/* Local part of a canonical address (the last CN of a DN); caller frees. */
char *tw_addr_local(const char *canon, int kind);
/* Record names and X.500 pairs of the emails in temp.tw_new, then regroup. */
trawl_status tw_people_update(trawl_archive *ar, int full);
/* Recompute persons from the recorded evidence and manual edits. */
trawl_status tw_people_regroup(trawl_archive *ar);

#endif /* TW_H */
