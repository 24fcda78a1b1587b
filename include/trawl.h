/*
 * trawl.h - the public interface of libtrawl, the leak-archive engine.
 *
 * libtrawl ingests dumps of mail and documents into an embedded archive
 * (SQLite + FTS5) and answers queries over it.  This is the only header
 * that programs using the library (the `trawl` command, the web server)
 * include.  Every handle is opaque.  Every function that can fail returns a
 * trawl_status; TRAWL_OK (zero) is success, and a human-readable message for
 * the last failure on an archive is available from trawl_archive_errmsg().
 *
 * Ownership is stated at each declaration.  Strings handed to callbacks are
 * owned by the library and valid only during the callback.  The library
 * prints nothing and reads no user configuration.
 *
 * Statuses.  Each function lists what it returns besides TRAWL_OK.  "DB"
 * stands for the database failing: TRAWL_EDB, or TRAWL_EBUSY when another
 * connection kept the archive locked past the busy timeout (30 s).  A
 * function that takes a query also returns TRAWL_ESYNTAX for one that does
 * not parse, with `err` (may be NULL) saying where.  Functions that write
 * to the archive return TRAWL_EREADONLY, before changing anything, on a
 * handle that cannot write (trawl_archive_writable()).
 *
 * Threads.  A handle is not locked: use each trawl_archive from one thread
 * at a time (it may pass between threads between calls); for parallel
 * work, open one handle per thread, as `trawl serve` does.  Handles on the
 * same archive, in one process or several, may be used at once: the
 * archive is in WAL mode, so any number of readers run while one writer
 * (trawl_ingest, or any other writing function) commits, each query
 * seeing only committed data.  Writers take turns: one that waits for the
 * lock past the busy timeout fails with TRAWL_EBUSY or TRAWL_EDB.
 * trawl_ingest runs threads of its own, with connections of their own;
 * its progress callback, like every callback, runs on the caller's thread
 * before the function returns.  From a callback of a function that takes
 * a query, do not call the library on the same handle: the iteration in
 * progress reads per-handle temporary tables that another call may refill
 * (use a second handle); callbacks of the other functions may.  Results
 * owned by the caller (trawl_item, trawl_thread, trawl_person,
 * trawl_graph, trawl_facets, trawl_provenance, strings to free()) hold no
 * reference to the handle: any thread may read them, also after
 * trawl_archive_close(), until they are freed.  Functions without a handle
 * (trawl_status_str, trawl_limits_default, trawl_query_check,
 * trawl_query_field, trawl_graph_write) may be called from any thread.
 */
#ifndef TRAWL_H
#define TRAWL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRAWL_VERSION "0.1.0"

typedef enum trawl_status {
	TRAWL_OK = 0,
	TRAWL_ENOMEM,       /* out of memory */
	TRAWL_EIO,          /* reading or writing a file failed */
	TRAWL_EDB,          /* the archive database reported an error */
	TRAWL_ESYNTAX,      /* a query does not parse */
	TRAWL_ENOTFOUND,    /* no such item, file or archive */
	TRAWL_EINVAL,       /* an argument is out of range */
	TRAWL_ELIMIT,       /* a safety limit (size, depth, ratio, time) was hit */
	TRAWL_ECORRUPT,     /* input is malformed beyond what the parser accepts */
	TRAWL_EENCRYPTED,   /* input is encrypted and no key was given */
	TRAWL_EUNSUPPORTED, /* input type has no extractor */
	TRAWL_EVERSION,     /* archive schema is newer than this library */
	TRAWL_EBUSY,        /* the archive is locked by another writer */
	TRAWL_ECANCELLED,   /* the caller asked to stop */
	TRAWL_EEMPTY,       /* input has no content (0 bytes) */
	TRAWL_EREADONLY     /* a write on an archive opened read-only */
} trawl_status;

/* A static, lowercase, one-word-ish name for a status ("encrypted", ...);
 * "unknown" for a value outside the enum.  Never NULL. */
const char *trawl_status_str(trawl_status st);

/* ---------------------------------------------------------------- archive */

typedef struct trawl_archive trawl_archive;

enum {
	TRAWL_OPEN_READONLY = 1 << 0, /* no writes; fails if the file is missing */
	TRAWL_OPEN_CREATE = 1 << 1    /* create the archive if it does not exist */
};

/*
 * Open (and with TRAWL_OPEN_CREATE, create) the archive at `path`; a
 * writable open migrates an older schema.  *out is owned by the caller:
 * trawl_archive_close().  On failure *out still holds a handle, whose
 * trawl_archive_errmsg() explains the failure (NULL only on TRAWL_ENOMEM);
 * close it too.
 * Returns TRAWL_ENOTFOUND (no file there, unless TRAWL_OPEN_CREATE on a
 * writable open),
 * TRAWL_EINVAL (not a regular file), TRAWL_ECORRUPT (not a SQLite
 * database), TRAWL_EVERSION (schema newer than this library, or older and
 * the open read-only), TRAWL_ENOMEM, DB.
 */
trawl_status trawl_archive_open(const char *path, unsigned flags,
				trawl_archive **out);
/* Finalize and free everything of `ar`; NULL is allowed. */
void trawl_archive_close(trawl_archive *ar);

/* Message for the last failure on `ar` (not cleared by success; after
 * TRAWL_ENOMEM it may be an older one); "out of memory" for a NULL `ar`.
 * Owned by `ar`, valid until the next call on it.  Never NULL. */
const char *trawl_archive_errmsg(const trawl_archive *ar);

/* Path of the archive file as given to trawl_archive_open(); owned by
 * `ar`, valid until trawl_archive_close(). */
const char *trawl_archive_path(const trawl_archive *ar);

/* Non-zero when `ar` takes writes: it was opened without
 * TRAWL_OPEN_READONLY and SQLite could open the file for writing (it opens
 * a file it may not write read-only, silently).  When zero, every writing
 * function returns TRAWL_EREADONLY. */
int trawl_archive_writable(const trawl_archive *ar);

/* ---------------------------------------------------------------- ingest */

/* Safety limits for extraction.  Zero in a field means "use the default". */
typedef struct trawl_limits {
	int max_depth;              /* nesting of containers (default 10) */
	uint64_t max_item_bytes;    /* bytes of one item read into memory (default 256 MiB) */
	uint64_t max_container_bytes; /* decompressed bytes per container (default 1 GiB) */
	uint32_t max_ratio;         /* decompressed/compressed bytes per container (default 200) */
	uint32_t max_members;       /* members per container (default 100000) */
	uint64_t max_text_bytes;    /* text kept per item (default 8 MiB) */
	uint32_t max_seconds;       /* time per input file (default 120) */
} trawl_limits;

/* Fill `lim` with the documented defaults.  Needs no handle. */
void trawl_limits_default(trawl_limits *lim);

typedef struct trawl_ingest_stats {
	uint64_t inputs_total; /* inputs found by the counting walk (0 if not yet known) */
	uint64_t seen;         /* inputs handled in this run (files, mbox and PST messages) */
	uint64_t indexed;      /* inputs whose content was new and indexed */
	uint64_t duplicates;   /* inputs whose content was already in the archive */
	uint64_t errors;       /* inputs that failed (their reason is in the errors table) */
	uint64_t skipped;      /* inputs already committed by an earlier run (resume) */
	uint64_t replaced;     /* inputs that changed on disk and were re-ingested */
	uint64_t items;        /* items written, descendants included */
	uint64_t item_errors;  /* errors recorded on descendants (attachments, members) */
	uint64_t bytes;        /* bytes of input read */
	uint64_t bytes_skipped;/* bytes of the inputs skipped (resume) */
	uint64_t bytes_total;  /* bytes found by the counting walk (0 if not yet known);
				  bytes + bytes_skipped reaches it at the end, so it
				  measures progress inside an mbox or PST file too */
	double seconds;        /* wall time so far */
	double writer_seconds; /* time the single writer spent storing (at the end):
				  near `seconds`, the archive is the bottleneck */
} trawl_ingest_stats;

/* Called on the thread that called trawl_ingest() about every
 * `progress_ms`, with counts so far (valid during the call); returning
 * non-zero cancels the ingest (everything committed so far is kept). */
typedef int (*trawl_progress_fn)(const trawl_ingest_stats *st, void *ud);

typedef struct trawl_ingest_opts {
	int jobs;                  /* extractor threads; <= 0 means the number of cores */
	const char *label;         /* custodian / source label, may be NULL */
	trawl_limits limits;       /* zeros mean defaults */
	int no_count;              /* skip the first counting walk */
	trawl_progress_fn progress;
	void *progress_ud;
	unsigned progress_ms;      /* default 500 */
	int no_scan;               /* do not scan texts for PII and secrets */
} trawl_ingest_opts;

/*
 * Ingest the files and folders in `paths` (n of them).  Folders are walked
 * recursively; maildirs, mbox files and single messages are recognised by
 * content.  Inputs committed by an earlier run are skipped; inputs whose
 * size or mtime changed are re-ingested and their old items replaced.  Every
 * input ends as indexed, duplicate or error; `out` (may be NULL) receives
 * the counts.  Returns TRAWL_OK when the run completed, even if some inputs
 * failed (missing, unreadable, corrupt, encrypted: recorded, see
 * trawl_errors()); a failure status means the run itself could not go on:
 * TRAWL_EREADONLY, TRAWL_ECANCELLED (the progress callback asked; what was
 * committed is kept and a new run resumes), TRAWL_ENOMEM, DB.
 */
trawl_status trawl_ingest(trawl_archive *ar, const char *const *paths,
			  size_t n, const trawl_ingest_opts *opts,
			  trawl_ingest_stats *out);

/* ---------------------------------------------------------------- query */

/* Where a query failed to parse: byte offset into the query and a message. */
typedef struct trawl_syntax_error {
	size_t pos;
	char message[160];
} trawl_syntax_error;

typedef enum trawl_sort {
	TRAWL_SORT_RELEVANCE = 0,
	TRAWL_SORT_DATE,      /* oldest first */
	TRAWL_SORT_DATE_DESC  /* newest first */
} trawl_sort;

typedef struct trawl_search_opts {
	trawl_sort sort;
	int64_t limit;   /* <= 0: 50 */
	int64_t offset;
	int snippet_tokens; /* words of context in snippets, default 16 */
	int by_thread;      /* collapse hits of one conversation into one */
} trawl_search_opts;

/*
 * One hit.  A hit is one distinct content (identical bytes found at several
 * places are one hit); `id` names its first occurrence and `occurrences`
 * counts them.  All strings are owned by the library, valid only during the
 * callback, and may be NULL when unknown.  Snippets mark matched words by
 * wrapping them in TRAWL_HL_START ... TRAWL_HL_END.
 */
#define TRAWL_HL_START "\x02"
#define TRAWL_HL_END "\x03"

typedef struct trawl_hit {
	int64_t id;
	const char *kind;       /* "email", "attachment", "file", "member", ... */
	const char *type;       /* family: email, pdf, word, spreadsheet, ... */
	int64_t date;           /* UTC seconds; valid when has_date */
	int has_date;
	int tz_offset;          /* minutes east of UTC of the original Date */
	const char *from;       /* "Name <addr>" */
	const char *to;         /* comma-separated */
	const char *subject;    /* subject, or title, or file name */
	const char *message_id;
	const char *path;       /* family path of the first occurrence */
	const char *sha256;     /* lowercase hex */
	const char *snippet;
	int64_t size;
	int64_t occurrences;
	int64_t thread_id;      /* 0 when not an email */
	int64_t thread_hits;    /* with by_thread: hits collapsed into this one */
	double score;           /* relevance; higher is better */
} trawl_hit;

/* Return non-zero to stop the iteration early. */
typedef int (*trawl_hit_fn)(const trawl_hit *hit, void *ud);

/*
 * Run `query` (the language in docs/query.md) and call `fn` for each hit in
 * order; `fn` stopping early is not a failure.  `opts` may be NULL
 * (defaults).  `total` (may be NULL) receives the number of hits of the
 * whole query, regardless of limit/offset.
 * Returns TRAWL_ESYNTAX, TRAWL_ENOMEM, DB.
 */
trawl_status trawl_search(trawl_archive *ar, const char *query,
			  const trawl_search_opts *opts, trawl_hit_fn fn,
			  void *ud, int64_t *total, trawl_syntax_error *err);

/* Count the hits of `query` (distinct contents).  Returns TRAWL_ESYNTAX,
 * TRAWL_ENOMEM, DB. */
trawl_status trawl_count(trawl_archive *ar, const char *query, int64_t *count,
			 trawl_syntax_error *err);

/* Check the syntax of a query without running it; needs no handle.
 * Returns TRAWL_ESYNTAX (`err`, may be NULL, says where), TRAWL_ENOMEM. */
trawl_status trawl_query_check(const char *query, trawl_syntax_error *err);

/* The i-th field of the query language ("from", "date", ...), with a
 * one-line help in *help (may be NULL); NULL past the last.  Static
 * strings: help screens and completion list exactly what parses. */
const char *trawl_query_field(size_t i, const char **help);

/* ---------------------------------------------------------------- items */

typedef struct trawl_addr {
	const char *role; /* "from", "to", "cc", "bcc", "reply-to", "sender" */
	const char *name; /* display name or NULL */
	const char *addr; /* normalised address */
} trawl_addr;

typedef struct trawl_prop {
	const char *key;
	const char *value;
} trawl_prop;

typedef struct trawl_child {
	int64_t id;
	const char *kind;
	const char *name;
	const char *mime;
	int64_t size;
} trawl_child;

typedef struct trawl_place {
	int64_t id;
	const char *path;
} trawl_place;

typedef struct trawl_item {
	int64_t id;
	int64_t parent_id;    /* 0 for a file on disk */
	int64_t thread_id;
	const char *kind;
	const char *type;
	const char *name;
	const char *mime;
	const char *path;     /* family path: a/b.mbox!/12!/budget.xlsx */
	const char *disk_path; /* file on disk the family starts at */
	const char *label;
	const char *sha256;
	const char *md5;
	const char *mismatch; /* the name promises another type than the content, or NULL */
	int64_t size;
	int depth;
	/* email fields (NULL / 0 for other kinds) */
	const char *subject;
	const char *message_id;
	const char *in_reply_to;
	const char *references;
	const char *date_raw;
	int64_t date;
	int has_date;
	int tz_offset;
	trawl_addr *addrs;
	size_t naddrs;
	trawl_prop *props;    /* metadata: title, author, page count, ... */
	size_t nprops;
	trawl_child *children;
	size_t nchildren;
	trawl_place *places;  /* every occurrence of the same content */
	size_t nplaces;
	const char **errors;  /* "stage: message" for this item */
	size_t nerrors;
	int text_truncated;
} trawl_item;

/* Load item `id`.  *out (NULL on failure) is owned by the caller, strings
 * and arrays included: trawl_item_free().  Returns TRAWL_ENOTFOUND,
 * TRAWL_ENOMEM, DB. */
trawl_status trawl_item_get(trawl_archive *ar, int64_t id, trawl_item **out);
/* NULL is allowed. */
void trawl_item_free(trawl_item *it);

/* The extracted text of item `id`, UTF-8, NUL-terminated ("" for an item
 * without text); *out (NULL on failure) is owned by the caller: free().
 * `len` may be NULL.  Returns TRAWL_ENOTFOUND (no such item),
 * TRAWL_ECORRUPT (the stored text does not decompress), DB. */
trawl_status trawl_item_text(trawl_archive *ar, int64_t id, char **out,
			     size_t *len);

/* Write the exact original bytes of item `id` (a file, an mbox message, an
 * attachment or an archive member) through `fn`, in chunks valid during
 * the call; the original is read again from disk.  `fn` returns non-zero
 * to stop, which makes this return TRAWL_EIO.  Also returns
 * TRAWL_ENOTFOUND (no such item, or the original no longer holds it),
 * TRAWL_EIO (the original cannot be read), TRAWL_ECORRUPT (an mbox changed
 * since it was ingested), TRAWL_ELIMIT (nested more than 128 deep), DB. */
typedef int (*trawl_write_fn)(const void *buf, size_t len, void *ud);
trawl_status trawl_item_raw(trawl_archive *ar, int64_t id, trawl_write_fn fn,
			    void *ud);

/* ---------------------------------------------------------------- stats */

typedef struct trawl_stats {
	int64_t items;
	int64_t files;         /* items that are files on disk */
	int64_t emails;        /* distinct email contents */
	int64_t attachments;   /* attachment items */
	int64_t members;       /* archive member items */
	int64_t documents;     /* distinct non-email contents with text */
	int64_t blobs;         /* distinct contents */
	int64_t duplicates;    /* items whose content occurs earlier */
	int64_t errors;        /* recorded errors */
	int64_t bytes;         /* total bytes of distinct contents */
	int64_t first_date, last_date; /* emails, UTC seconds; 0 if none */
	int64_t sources;       /* ingest runs */
	int64_t archive_bytes; /* size of the archive file(s) */
} trawl_stats;

/* Returns DB. */
trawl_status trawl_stats_get(trawl_archive *ar, trawl_stats *out);

/* Distinct extracted contents by type (family), largest first:
 * fn(name, count) for each; `name` valid during the call, non-zero stops.
 * Returns DB. */
typedef int (*trawl_count_fn)(const char *name, int64_t count, void *ud);
trawl_status trawl_stats_by_type(trawl_archive *ar, trawl_count_fn fn, void *ud);

typedef struct trawl_error {
	int64_t item_id;    /* 0 when no item could be made */
	const char *path;   /* family path */
	const char *stage;  /* "read", "detect", "parse", "extract", "limit", ... */
	const char *status; /* trawl_status_str() of the failure */
	const char *message;
} trawl_error;

typedef int (*trawl_error_fn)(const trawl_error *e, void *ud);

/* Iterate over recorded errors, oldest first; the strings are valid during
 * the callback, non-zero stops.  Returns DB. */
trawl_status trawl_errors(trawl_archive *ar, trawl_error_fn fn, void *ud);

/* ---------------------------------------------------------------- findings */

/*
 * Findings are PII and secrets found in extracted texts by the scanner:
 * types "ssn", "card", "iban", "phone", "email", "password", "key", "dob",
 * "ip".  The matched value itself is never stored: only SHA-256(salt ||
 * value) with a random salt per archive (so equal values in different
 * documents can be counted together) and a masked preview that keeps the
 * last four characters visible (half of them for values under eight).
 * Texts are scanned during ingest unless trawl_ingest_opts.no_scan is set.
 */
typedef struct trawl_finding {
	int64_t id;            /* item: first occurrence of the content */
	const char *type;
	const char *subtype;   /* "visa", "aws-access-key", "DE", "nanp", ... or NULL */
	int64_t offset, length; /* bytes of the item's extracted text */
	double confidence;     /* 0..1 */
	const char *preview;   /* masked */
	const char *hash;      /* lowercase hex SHA-256 of salt and value */
	const char *path;      /* family path */
	const char *person;    /* sender of the message the content is, or came in; or NULL */
	const char *label;     /* custodian label, or NULL */
} trawl_finding;

/* Strings are owned by the library and valid during the callback only;
 * return non-zero to stop. */
typedef int (*trawl_finding_fn)(const trawl_finding *f, void *ud);

typedef struct trawl_findings_opts {
	const char *types;      /* comma-separated types to keep; NULL or "" for all */
	double min_confidence;  /* findings below are left out */
} trawl_findings_opts;

/* Findings in the contents matching `query` (NULL or "" for all), by item
 * and offset; `opts` may be NULL.  Returns TRAWL_EINVAL (an unknown type in
 * opts->types), TRAWL_ESYNTAX, TRAWL_ENOMEM, DB. */
trawl_status trawl_findings(trawl_archive *ar, const char *query,
			    const trawl_findings_opts *opts, trawl_finding_fn fn,
			    void *ud, trawl_syntax_error *err);

/* Findings of one item's text (none for an unknown id).  Returns DB. */
trawl_status trawl_item_findings(trawl_archive *ar, int64_t id,
				 trawl_finding_fn fn, void *ud);

typedef enum trawl_finding_grouping {
	TRAWL_GROUP_TYPE = 0,  /* one row per type */
	TRAWL_GROUP_PERSON,    /* one row per sender and type */
	TRAWL_GROUP_DOCUMENT   /* one row per item and type */
} trawl_finding_grouping;

typedef struct trawl_finding_group {
	const char *key;        /* the type, the sender ("(no sender)" when none) or the path */
	int64_t id;             /* TRAWL_GROUP_DOCUMENT: the item, else 0 */
	const char *type;
	int64_t count;          /* findings */
	int64_t values;         /* distinct values (by salted hash) */
	int64_t documents;      /* distinct contents */
	double max_confidence, avg_confidence;
} trawl_finding_group;

typedef int (*trawl_finding_group_fn)(const trawl_finding_group *g, void *ud);

/* Counts of findings grouped as asked, largest first; the group is valid
 * during the callback.  Returns as trawl_findings(). */
trawl_status trawl_findings_summary(trawl_archive *ar, const char *query,
				    const trawl_findings_opts *opts,
				    trawl_finding_grouping grouping,
				    trawl_finding_group_fn fn, void *ud,
				    trawl_syntax_error *err);

typedef struct trawl_scan_opts {
	int rescan;           /* scan contents already scanned too */
	trawl_progress_fn progress; /* called with seen/items/bytes filled; may be NULL */
	void *progress_ud;
} trawl_scan_opts;

typedef struct trawl_scan_stats {
	int64_t contents;     /* contents scanned */
	int64_t skipped;      /* contents already scanned (without rescan) */
	int64_t findings;     /* findings recorded */
	int64_t bytes;        /* bytes of text scanned */
	double seconds;
	double scan_seconds;  /* of which in the scanner itself */
	const char *engine;   /* "hyperscan" or "pcre2" (static) */
} trawl_scan_stats;

/* Scan (again) the texts of the contents matching `query` (NULL for all)
 * and replace their findings, committing every 500 contents; `opts` and
 * `out` may be NULL.  Returns TRAWL_EREADONLY, TRAWL_ECANCELLED (the
 * progress callback asked; what was scanned is kept), TRAWL_EUNSUPPORTED
 * (no pattern engine compiles the patterns), TRAWL_ESYNTAX, TRAWL_ENOMEM,
 * DB. */
trawl_status trawl_scan(trawl_archive *ar, const char *query,
			const trawl_scan_opts *opts, trawl_scan_stats *out,
			trawl_syntax_error *err);

/* ---------------------------------------------------------------- verify */

typedef struct trawl_dkim_opts {
	const char *keys_file; /* DNS TXT records, "sel._domainkey.example.com ... TXT "v=DKIM1; ...""
				* lines as archived (zone-file syntax); may be NULL */
	int dns;               /* also look keys up in live DNS (only when asked) */
	int store;             /* record the results for dkim: queries (writable archive) */
} trawl_dkim_opts;

typedef struct trawl_dkim_sig {
	const char *domain;     /* d= */
	const char *selector;   /* s= */
	const char *algorithm;  /* a= */
	const char *canon;      /* c=, e.g. "relaxed/simple" */
	const char *result;     /* "pass", "fail", "nokey" */
	const char *reason;
	int weak;               /* l= leaves part of the body unsigned */
} trawl_dkim_sig;

typedef struct trawl_dkim_result {
	int64_t id;             /* item */
	const char *path;
	const char *message_id;
	const char *result;     /* "pass", "fail", "nokey" or "none" (unsigned) */
	const char *reason;
	int weak;
	const trawl_dkim_sig *sigs;
	size_t nsigs;
} trawl_dkim_result;

typedef int (*trawl_dkim_fn)(const trawl_dkim_result *r, void *ud);

/*
 * Verify the DKIM signatures (RFC 6376: rsa-sha256, rsa-sha1, ed25519-sha256
 * (RFC 8463), simple and relaxed canonicalisation) of the messages matching
 * `query`, on their exact original bytes.  Keys come from opts->keys_file
 * and, only with opts->dns, from live DNS.  A message passes when one of
 * its signatures does; a message whose original cannot be read is reported
 * "nokey" with the reason.  The result is valid during the callback.
 * Returns TRAWL_EREADONLY (opts->store on a read-only handle),
 * TRAWL_ENOTFOUND (the key file cannot be read), TRAWL_ESYNTAX,
 * TRAWL_ENOMEM, DB.
 */
trawl_status trawl_verify_dkim(trawl_archive *ar, const char *query,
			       const trawl_dkim_opts *opts, trawl_dkim_fn fn,
			       void *ud, trawl_syntax_error *err);

typedef struct trawl_check {
	int64_t id;             /* item of the file */
	const char *path;       /* file on disk */
	const char *status;     /* "ok", "changed", "missing", "unreadable" */
	const char *expected;   /* SHA-256 recorded at ingest (hex), or NULL */
	const char *actual;     /* SHA-256 now, or NULL */
	int64_t size;           /* size now (-1 when missing) */
} trawl_check;

typedef int (*trawl_check_fn)(const trawl_check *c, void *ud);

/* Re-hash the files on disk behind the items matching `query` (NULL: every
 * ingested file) and compare with what was recorded at ingest; a missing
 * or unreadable file is a result, not a failure.  The check is valid
 * during the callback.  Returns TRAWL_ESYNTAX, TRAWL_ENOMEM, DB. */
trawl_status trawl_verify_originals(trawl_archive *ar, const char *query,
				    trawl_check_fn fn, void *ud,
				    trawl_syntax_error *err);

/*
 * Rebuild the full-text index and the language of every text (table
 * text_lang) with this library's tokenizer and language detector, in one
 * transaction: after an upgrade that changed how words are cut, folded or
 * stemmed, or to check the index.  Tags, notes, people and findings are
 * untouched.  `progress` (may be NULL) is called about every 1,000 texts
 * with the texts done and the total; non-zero stops and rolls back.
 * Returns TRAWL_EREADONLY, TRAWL_ECANCELLED, TRAWL_ENOMEM, DB.
 */
typedef int (*trawl_reindex_fn)(int64_t done, int64_t total, void *ud);
trawl_status trawl_reindex(trawl_archive *ar, trawl_reindex_fn progress, void *ud);

/*
 * The evidence manifest: one line "SHA256  PATH" per item with content
 * (family paths as recorded, sorted), and the SHA-256 of all those lines:
 * a hash of the whole archive's evidence that a publication can cite.  It
 * depends only on contents and paths, not on item ids or ingest order.
 * `fn` (may be NULL) receives each line without its newline (valid during
 * the call; non-zero stops); `hash` gets 64 hex digits and a NUL, `lines`
 * (may be NULL) the number of lines.  Returns TRAWL_ENOMEM, DB.
 */
typedef int (*trawl_line_fn)(const char *line, void *ud);
trawl_status trawl_manifest(trawl_archive *ar, trawl_line_fn fn, void *ud,
			    char hash[65], int64_t *lines);

typedef struct trawl_hop {
	int index;              /* 1 = the relay nearest the sender */
	const char *from_host;  /* "from" clause: name the client gave */
	const char *from_rdns;  /* name the receiving relay looked up, if given */
	const char *from_ip;
	const char *by_host;
	const char *protocol;   /* "with": SMTP, ESMTPS, HTTP, ... */
	const char *id;
	const char *for_addr;
	int64_t time;           /* UTC seconds, valid when has_time */
	int has_time;
	int tz_offset;          /* minutes east of UTC as written */
	int parsed;             /* 0: the header did not parse (shown raw) */
	const char *raw;        /* the header, unfolded */
} trawl_hop;

typedef struct trawl_provenance {
	int64_t id;
	const char *path;
	const char *message_id;
	const char *from;
	const char *date_raw;
	int64_t date;
	int has_date;
	int tz_offset;
	trawl_hop *hops;        /* in order of travel: hops[0] is the first relay */
	size_t nhops;
	trawl_prop *origin;     /* X-Originating-IP and the like: header, value */
	size_t norigin;
	const char *mailer;     /* X-Mailer, User-Agent or X-Newsreader, or NULL */
	const char *dkim;       /* stored DKIM result, or NULL when not verified */
} trawl_provenance;

/* Header provenance of one message item, from its original bytes: the
 * Received chain as hops, originating-IP headers, the client.  *out (NULL
 * on failure) is owned by the caller: trawl_provenance_free() (NULL is
 * allowed).  Returns TRAWL_EINVAL (not a message), the statuses of
 * trawl_item_get() and trawl_item_raw() (the original cannot be read),
 * TRAWL_ENOMEM. */
trawl_status trawl_provenance_get(trawl_archive *ar, int64_t id,
				  trawl_provenance **out);
void trawl_provenance_free(trawl_provenance *p);

typedef int (*trawl_provenance_fn)(const trawl_provenance *p, void *ud);
/* Provenance of each message matching `query`, in date order; messages
 * whose original cannot be read are left out.  The argument is valid
 * during the callback only; non-zero stops.  Returns TRAWL_ESYNTAX,
 * TRAWL_ENOMEM, DB. */
trawl_status trawl_provenance_query(trawl_archive *ar, const char *query,
				    trawl_provenance_fn fn, void *ud,
				    trawl_syntax_error *err);

/* Time-zone offsets of the Date headers per sender, over the messages
 * matching `query`: fn(sender, minutes east of UTC, messages), `sender`
 * valid during the call.  Returns TRAWL_ESYNTAX, TRAWL_ENOMEM, DB. */
typedef int (*trawl_zone_fn)(const char *sender, int tz_offset, int64_t count,
			     void *ud);
trawl_status trawl_sender_zones(trawl_archive *ar, const char *query,
				trawl_zone_fn fn, void *ud,
				trawl_syntax_error *err);

/* ---------------------------------------------------------------- export */

typedef enum trawl_export_format {
	TRAWL_EXPORT_JSONL = 0,  /* one object per item, with text */
	TRAWL_EXPORT_CSV,        /* one row per item, metadata */
	TRAWL_EXPORT_MBOX,       /* messages as an mboxrd file */
	TRAWL_EXPORT_EML,        /* a folder of .eml files (messages) and text copies */
	TRAWL_EXPORT_ZIP,        /* originals, texts, manifest.csv, SHA256SUMS */
	TRAWL_EXPORT_CONCORDANCE /* a folder: DAT load file, NATIVES/, TEXT/ */
} trawl_export_format;

typedef struct trawl_export_opts {
	trawl_export_format format;
	const char *out;          /* file or folder to create; "-" for stdout (jsonl, csv, mbox) */
	const char *redact;       /* comma-separated finding types to mask ("all"), or NULL */
	double redact_min_confidence;
	int no_text;              /* jsonl: leave the text out */
	const char *prefix;       /* concordance control numbers, default "TRAWL" */
} trawl_export_opts;

typedef struct trawl_export_stats {
	int64_t items;            /* items written */
	int64_t skipped;          /* items the format cannot hold (mbox: non-messages) */
	int64_t errors;           /* originals that could not be read */
	int64_t redactions;       /* values masked */
	int64_t bytes;            /* bytes written */
	char manifest_sha256[65]; /* zip: SHA-256 of manifest.csv, else "" */
} trawl_export_stats;

/*
 * Export the contents matching `query` (one item per distinct content, in
 * date order).  With opts->redact, texts and messages are written with the
 * findings of those types masked ("[REDACTED:ssn]"), messages rebuilt as
 * headers plus the masked text (attachments left out), originals that
 * cannot be masked left out, and a log "redactions.csv" (or OUT.redactions.csv
 * for single-file formats) says what was masked where.  Originals that
 * cannot be read are counted in out->errors (may be NULL), not failures.
 * Returns TRAWL_EINVAL (no output, `out` exists: nothing is written over,
 * "-" for a format that writes files, a bad redaction list), TRAWL_EIO
 * (creating or writing the output failed), TRAWL_ESYNTAX, TRAWL_ENOMEM, DB.
 */
trawl_status trawl_export(trawl_archive *ar, const char *query,
			  const trawl_export_opts *opts, trawl_export_stats *out,
			  trawl_syntax_error *err);


/* ---------------------------------------------------------------- conversations */

/*
 * Conversations (threads) are computed after every ingest from Message-ID,
 * In-Reply-To and References (JWZ), with a subject fallback for replies
 * that carry neither header (same base subject, at most 30 days earlier,
 * a shared participant).  Thread ids are stable while a conversation only
 * grows; when two merge, the smaller id is kept.
 */
typedef struct trawl_thread_msg {
	int64_t id;             /* item id of the message (first occurrence); 0 when missing */
	int64_t parent;         /* index in msgs of the parent, -1 for a root */
	int depth;              /* 0 for roots */
	int missing;            /* named by a reply but not in the archive */
	const char *message_id;
	const char *subject;
	const char *from;       /* "Name <addr>", or NULL */
	int64_t date;           /* UTC seconds; valid when has_date */
	int has_date;
	int tz_offset;
} trawl_thread_msg;

typedef struct trawl_thread {
	int64_t thread_id;
	trawl_thread_msg *msgs; /* depth first; siblings by date */
	size_t nmsgs;
	size_t nmessages;       /* msgs that are in the archive (not missing) */
} trawl_thread;

/* The conversation of item `id` (an email; an attached message counts).
 * *out (NULL on failure) is owned by the caller: trawl_thread_free().
 * Returns TRAWL_ENOTFOUND (no such item, or not an email), TRAWL_ENOMEM,
 * DB. */
trawl_status trawl_thread_get(trawl_archive *ar, int64_t id, trawl_thread **out);
/* The same by thread id (trawl_hit.thread_id, trawl_item.thread_id).
 * Returns TRAWL_ENOTFOUND (unknown id), TRAWL_ENOMEM, DB. */
trawl_status trawl_thread_get_by_id(trawl_archive *ar, int64_t thread_id,
				    trawl_thread **out);
/* NULL is allowed. */
void trawl_thread_free(trawl_thread *t);

/* ---------------------------------------------------------------- people */

/*
 * A person is a group of addresses.  Addresses are compared in a canonical
 * form (case, quotes, comments, Exchange X.500 DNs).  They are grouped by
 * written-down evidence: an X.500 DN and an SMTP address given for the same
 * sender or recipient of one message (Exchange's X-From/X-To/X-cc headers),
 * or the same display name with the same local part (a DN's local part is
 * its last CN); and by hand with trawl_people_merge/_split, which are kept
 * by address and so survive re-ingest.  A person's id is the smallest
 * address id in it.
 */
typedef struct trawl_person_addr {
	const char *addr;
	int64_t messages;       /* messages naming it in any role */
	const char *why;        /* evidence that put it in this person, or NULL */
} trawl_person_addr;

typedef struct trawl_person_name {
	const char *name;       /* a display name as written */
	int64_t count;          /* times seen */
} trawl_person_name;

typedef struct trawl_person {
	int64_t id;
	const char *name;       /* most used display name, else the main address */
	const char *addr;       /* main address (the most used one) */
	int64_t sent;           /* messages from it (distinct contents) */
	int64_t received;       /* messages to it: To, Cc or Bcc */
	int64_t first, last;    /* UTC seconds of the first and last message; valid when has_dates */
	int has_dates;
	trawl_person_addr *addrs;
	size_t naddrs;
	trawl_person_name *names; /* most used first */
	size_t nnames;
} trawl_person;

typedef struct trawl_people_opts {
	const char *match;      /* only people with this in a name or address (may be NULL) */
	int64_t limit;          /* <= 0: all */
	int64_t offset;
	int by_name;            /* sort by name instead of by messages */
} trawl_people_opts;

/* The person is owned by the library and valid during the callback only;
 * return non-zero to stop. */
typedef int (*trawl_person_fn)(const trawl_person *p, void *ud);

/* People appearing in the messages matching `query` (NULL or "" for all),
 * with counts over those messages, busiest first; `opts` may be NULL.
 * Returns TRAWL_ESYNTAX, TRAWL_ENOMEM, DB. */
trawl_status trawl_people(trawl_archive *ar, const char *query,
			  const trawl_people_opts *opts, trawl_person_fn fn,
			  void *ud, trawl_syntax_error *err);

/* Resolve `spec` (a person id, an address, or part of a name or address
 * that fits one person only) to a person id.  Returns TRAWL_ENOTFOUND
 * (nothing fits), TRAWL_EINVAL (an empty spec, or several people fit: the
 * message names some), TRAWL_ENOMEM, DB. */
trawl_status trawl_person_find(trawl_archive *ar, const char *spec, int64_t *id);

/* One person with all counts.  *out (NULL on failure) is owned by the
 * caller: trawl_person_free() (NULL is allowed).  Returns TRAWL_ENOTFOUND,
 * TRAWL_ENOMEM, DB. */
trawl_status trawl_person_get(trawl_archive *ar, int64_t id, trawl_person **out);
void trawl_person_free(trawl_person *p);

/* Manual corrections (writable archive).  merge: the people of `a` and `b`
 * (person specs as in trawl_person_find) become one.  split: the addresses
 * given are taken out of their person into one of their own, and automatic
 * evidence no longer moves them.  Later edits win over earlier ones.
 * Return TRAWL_EREADONLY, TRAWL_ENOTFOUND (a spec or address that is not
 * in the archive), TRAWL_EINVAL (merge: both are one person already, or a
 * spec fits several; split: no address, or not an address), TRAWL_ENOMEM,
 * DB. */
trawl_status trawl_people_merge(trawl_archive *ar, const char *a, const char *b);
trawl_status trawl_people_split(trawl_archive *ar, const char *const *addrs, size_t n);

typedef struct trawl_contact {
	int64_t person_id;
	const char *name;
	const char *addr;
	int64_t sent;           /* messages from the person to this contact */
	int64_t received;       /* messages from this contact to the person */
	int64_t first, last;    /* first and last exchange, UTC; valid when has_dates */
	int has_dates;
} trawl_contact;

typedef int (*trawl_contact_fn)(const trawl_contact *c, void *ud);

/* The correspondents of person `id` over the messages matching `query`
 * (NULL for all), busiest first (none for an unknown id); strings valid
 * during the callback.  Returns TRAWL_ESYNTAX, TRAWL_ENOMEM, DB. */
trawl_status trawl_contacts(trawl_archive *ar, int64_t id, const char *query,
			    trawl_contact_fn fn, void *ud, trawl_syntax_error *err);

typedef struct trawl_graph_node {
	int64_t id;             /* person id */
	const char *label;      /* name */
	const char *addr;       /* main address */
	int64_t sent, received; /* within the graph's messages */
} trawl_graph_node;

typedef struct trawl_graph_edge {
	size_t source, target;  /* indexes into nodes: sender -> recipient */
	int64_t messages;
	int64_t first, last;    /* UTC seconds; valid when has_dates */
	int has_dates;
} trawl_graph_edge;

typedef struct trawl_graph {
	trawl_graph_node *nodes;
	size_t nnodes;
	trawl_graph_edge *edges;
	size_t nedges;
	int64_t messages;       /* messages with a sender and a recipient */
	const char *query;
} trawl_graph;

typedef struct trawl_graph_opts {
	int64_t min_messages;   /* leave out edges with fewer messages (default 1) */
	size_t max_nodes;       /* keep only the busiest people (0: all) */
} trawl_graph_opts;

/* Who wrote to whom in the messages matching `query`; `opts` may be NULL.
 * *out (NULL on failure) is owned by the caller, its strings included:
 * trawl_graph_free() (NULL is allowed).  Returns TRAWL_ESYNTAX,
 * TRAWL_ENOMEM, DB. */
trawl_status trawl_graph_get(trawl_archive *ar, const char *query,
			     const trawl_graph_opts *opts, trawl_graph **out,
			     trawl_syntax_error *err);
void trawl_graph_free(trawl_graph *g);

typedef enum trawl_graph_format {
	TRAWL_GRAPH_DOT = 1,    /* Graphviz */
	TRAWL_GRAPH_GEXF        /* GEXF 1.2 (Gephi) */
} trawl_graph_format;

/* Write the graph in `format` through `fn` (chunks valid during the call).
 * Needs no handle.  Returns TRAWL_EINVAL (unknown format), TRAWL_EIO (`fn`
 * returned non-zero), TRAWL_ENOMEM (out of memory: what was written is
 * incomplete). */
trawl_status trawl_graph_write(const trawl_graph *g, trawl_graph_format format,
			       trawl_write_fn fn, void *ud);

/* ---------------------------------------------------------------- timelines and facets */

typedef enum trawl_period {
	TRAWL_BY_DAY = 0, TRAWL_BY_WEEK, TRAWL_BY_MONTH, TRAWL_BY_YEAR
} trawl_period;

typedef struct trawl_bucket {
	int64_t start;          /* UTC seconds of the period's start */
	const char *label;      /* "2001-05-14", "2001-W20" (ISO week), "2001-05", "2001" */
	int64_t count;          /* dated contents matching, in the period (UTC) */
} trawl_bucket;

typedef int (*trawl_bucket_fn)(const trawl_bucket *b, void *ud);

/* Counts per period of the contents matching `query` by their date (UTC),
 * from the first to the last period, empty periods included; the bucket is
 * valid during the callback.  `undated` (may be NULL) receives the matches
 * without a date.  Returns TRAWL_EINVAL (unknown period), TRAWL_ELIMIT (the
 * span needs more than 200,000 periods), TRAWL_ESYNTAX, TRAWL_ENOMEM, DB. */
trawl_status trawl_timeline(trawl_archive *ar, const char *query, trawl_period by,
			    trawl_bucket_fn fn, void *ud, int64_t *undated,
			    trawl_syntax_error *err);

typedef struct trawl_facet_value {
	const char *value;      /* what to put after the field: "jeff@enron.com", "2001-05" */
	const char *label;      /* for display: "Jeff Skilling <jeff@enron.com>" */
	int64_t count;          /* matching contents */
} trawl_facet_value;

typedef struct trawl_facet {
	const char *name;       /* "from", "recipient", "type", "year", "month", "tag", "label", "ext", "lang" */
	const char *field;      /* the query field for value: from, recipient, type, date, tag, label, ext, lang */
	trawl_facet_value *values; /* largest first; year and month in time order */
	size_t nvalues;
	int64_t others;         /* distinct values left out by the limit */
} trawl_facet;

typedef struct trawl_facets {
	int64_t total;          /* contents matching */
	trawl_facet *facets;
	size_t nfacets;
} trawl_facets;

/* Counts of the contents matching `query` by sender, recipient, type,
 * year, month, tag, custodian label, extension and language of the text
 * ("none" when it could not be told); at most `limit` values
 * per facet (0: 10; year and month are never cut).  *out (NULL on failure)
 * is owned by the caller, strings included: trawl_facets_free() (NULL is
 * allowed).  Returns TRAWL_ESYNTAX, TRAWL_ENOMEM, DB. */
trawl_status trawl_facets_get(trawl_archive *ar, const char *query, size_t limit,
			      trawl_facets **out, trawl_syntax_error *err);
void trawl_facets_free(trawl_facets *f);

/* ---------------------------------------------------------------- tags, notes, saved searches */

/*
 * The reporter's marks.  Tags and notes belong to a content (its SHA-256),
 * not to an item id, so they survive re-ingest and follow every copy of
 * the content; they are stored apart from the evidence and never change it.
 * Tag names are lowercased: 1 to 64 letters, digits and - _ . / + characters.
 * The writing functions need a writable archive.
 */

/* Add and remove tags on every content matching `query`, in one
 * transaction; `matched` (may be NULL) receives the number of contents.
 * Returns TRAWL_EREADONLY, TRAWL_EINVAL (a bad tag name), TRAWL_ESYNTAX,
 * TRAWL_ENOMEM, DB. */
trawl_status trawl_tag_query(trawl_archive *ar, const char *query,
			     const char *const *add, size_t nadd,
			     const char *const *remove, size_t nremove,
			     int64_t *matched, trawl_syntax_error *err);

/* Tags of item `id`: fn(tag, 1) for each.  All tags with their numbers of
 * contents: trawl_tags_list().  Names are valid during the callback,
 * non-zero stops.  Return DB. */
trawl_status trawl_item_tags(trawl_archive *ar, int64_t id, trawl_count_fn fn, void *ud);
trawl_status trawl_tags_list(trawl_archive *ar, trawl_count_fn fn, void *ud);

typedef struct trawl_note {
	int64_t id;
	const char *text;
	int64_t created;        /* UTC seconds */
} trawl_note;

typedef int (*trawl_note_fn)(const trawl_note *n, void *ud);

/* Attach a note to the content of item `id`; *note_id (may be NULL) gets
 * its id.  Returns TRAWL_EREADONLY, TRAWL_EINVAL (empty), TRAWL_ELIMIT
 * (over 1 MiB), TRAWL_ENOTFOUND (no item, or one without content),
 * TRAWL_ENOMEM, DB. */
trawl_status trawl_note_add(trawl_archive *ar, int64_t id, const char *text,
			    int64_t *note_id);
/* Notes of the content of item `id`, oldest first; the note is valid
 * during the callback, non-zero stops.  Returns DB. */
trawl_status trawl_notes(trawl_archive *ar, int64_t id, trawl_note_fn fn, void *ud);
/* Returns TRAWL_EREADONLY, TRAWL_ENOTFOUND, DB. */
trawl_status trawl_note_delete(trawl_archive *ar, int64_t note_id);

typedef struct trawl_saved {
	const char *name;
	const char *query;
	int64_t created;        /* UTC seconds */
} trawl_saved;

typedef int (*trawl_saved_fn)(const trawl_saved *s, void *ud);

/* Save `query` under `name` (replacing one of the same name); the query
 * must parse.  Returns TRAWL_EREADONLY, TRAWL_EINVAL (a name empty, over
 * 128 bytes or with control characters), TRAWL_ESYNTAX, TRAWL_ENOMEM, DB. */
trawl_status trawl_saved_add(trawl_archive *ar, const char *name, const char *query,
			     trawl_syntax_error *err);
/* Returns TRAWL_EREADONLY, TRAWL_ENOTFOUND, DB. */
trawl_status trawl_saved_remove(trawl_archive *ar, const char *name);
/* By name; the search is valid during the callback, non-zero stops.
 * Returns DB. */
trawl_status trawl_saved_list(trawl_archive *ar, trawl_saved_fn fn, void *ud);
/* The query saved as `name`; *query (NULL on failure) is owned by the
 * caller: free().  Returns TRAWL_ENOTFOUND, TRAWL_ENOMEM, DB. */
trawl_status trawl_saved_get(trawl_archive *ar, const char *name, char **query);

/* ---------------------------------------------------------------- batch search */

typedef struct trawl_batch_opts {
	int literal;            /* each line is an exact phrase, not a query */
	const char *tag;        /* tag the hits of every line with this (may be NULL) */
} trawl_batch_opts;

typedef struct trawl_batch_line {
	size_t line;            /* 1-based line number in the text */
	const char *text;       /* the line as given (trimmed) */
	const char *query;      /* the query run */
	trawl_status status;    /* TRAWL_OK, or TRAWL_ESYNTAX etc. for a bad line */
	int64_t hits;           /* matching contents */
	const char *error;      /* what went wrong, or NULL */
	size_t error_pos;       /* with TRAWL_ESYNTAX: byte offset in query */
} trawl_batch_line;

typedef int (*trawl_batch_fn)(const trawl_batch_line *l, void *ud);

/* Run each line of `text` (len bytes; blank lines and lines starting with
 * '#' are skipped) as a query and report its hits through `fn` (the line is
 * valid during the call; non-zero stops); `opts` may be NULL.  A line that
 * fails (syntax, bad value, limit) is reported and the others still run;
 * `failed` (may be NULL) counts them.  Returns TRAWL_EREADONLY (opts->tag on
 * a read-only handle), TRAWL_EINVAL (a bad opts->tag), TRAWL_ENOMEM, and DB
 * (which stops the run). */
trawl_status trawl_batch(trawl_archive *ar, const char *text, size_t len,
			 const trawl_batch_opts *opts, trawl_batch_fn fn, void *ud,
			 size_t *failed);

#ifdef __cplusplus
}
#endif
#endif /* TRAWL_H */
