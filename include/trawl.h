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
	TRAWL_EEMPTY        /* input has no content (0 bytes) */
} trawl_status;

/* A static, lowercase, one-word-ish name for a status ("encrypted", ...). */
const char *trawl_status_str(trawl_status st);

/* ---------------------------------------------------------------- archive */

typedef struct trawl_archive trawl_archive;

enum {
	TRAWL_OPEN_READONLY = 1 << 0, /* no writes; fails if the file is missing */
	TRAWL_OPEN_CREATE = 1 << 1    /* create the archive if it does not exist */
};

/*
 * Open (and with TRAWL_OPEN_CREATE, create and migrate) the archive at
 * `path`.  On success *out owns the handle; release it with
 * trawl_archive_close().  On failure *out may still hold a handle whose
 * trawl_archive_errmsg() explains the failure; close it too.
 */
trawl_status trawl_archive_open(const char *path, unsigned flags,
				trawl_archive **out);
void trawl_archive_close(trawl_archive *ar);

/* Message for the last failure on `ar`; owned by `ar`, valid until the next
 * call on it.  Never NULL. */
const char *trawl_archive_errmsg(const trawl_archive *ar);

/* Path of the archive file; owned by `ar`. */
const char *trawl_archive_path(const trawl_archive *ar);

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

/* Fill `lim` with the documented defaults. */
void trawl_limits_default(trawl_limits *lim);

typedef struct trawl_ingest_stats {
	uint64_t inputs_total; /* inputs found by the counting walk (0 if not yet known) */
	uint64_t seen;         /* inputs handled in this run (files and mbox messages) */
	uint64_t indexed;      /* inputs whose content was new and indexed */
	uint64_t duplicates;   /* inputs whose content was already in the archive */
	uint64_t errors;       /* inputs that failed (their reason is in the errors table) */
	uint64_t skipped;      /* inputs already committed by an earlier run (resume) */
	uint64_t replaced;     /* inputs that changed on disk and were re-ingested */
	uint64_t items;        /* items written, descendants included */
	uint64_t item_errors;  /* errors recorded on descendants (attachments, members) */
	uint64_t bytes;        /* bytes of input read */
	double seconds;        /* wall time so far */
} trawl_ingest_stats;

/* Called from the ingest's own thread about every `progress_ms`; returning
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
} trawl_ingest_opts;

/*
 * Ingest the files and folders in `paths` (n of them).  Folders are walked
 * recursively; maildirs, mbox files and single messages are recognised by
 * content.  Inputs committed by an earlier run are skipped; inputs whose
 * size or mtime changed are re-ingested and their old items replaced.  Every
 * input ends as indexed, duplicate or error; `out` (may be NULL) receives
 * the counts.  Returns TRAWL_OK when the run completed, even if some inputs
 * failed; a failure status means the run itself could not go on.
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
 * order.  On TRAWL_ESYNTAX `err` (may be NULL) says where.  `total` (may be
 * NULL) receives the number of hits of the whole query, regardless of
 * limit/offset.
 */
trawl_status trawl_search(trawl_archive *ar, const char *query,
			  const trawl_search_opts *opts, trawl_hit_fn fn,
			  void *ud, int64_t *total, trawl_syntax_error *err);

/* Count the hits of `query` (distinct contents). */
trawl_status trawl_count(trawl_archive *ar, const char *query, int64_t *count,
			 trawl_syntax_error *err);

/* Check the syntax of a query without running it. */
trawl_status trawl_query_check(const char *query, trawl_syntax_error *err);

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

/* Load item `id`.  *out is owned by the caller: trawl_item_free(). */
trawl_status trawl_item_get(trawl_archive *ar, int64_t id, trawl_item **out);
void trawl_item_free(trawl_item *it);

/* The extracted text of item `id`, UTF-8, NUL-terminated; *out is owned by
 * the caller (free()). */
trawl_status trawl_item_text(trawl_archive *ar, int64_t id, char **out,
			     size_t *len);

/* Write the exact original bytes of item `id` (a file, an mbox message, an
 * attachment or an archive member) through `fn`, in chunks.  `fn` returns
 * non-zero to stop, which makes this return TRAWL_EIO. */
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

trawl_status trawl_stats_get(trawl_archive *ar, trawl_stats *out);

/* Counts by kind/type: fn(name, count) for each. */
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

/* Iterate over recorded errors, oldest first. */
trawl_status trawl_errors(trawl_archive *ar, trawl_error_fn fn, void *ud);

#ifdef __cplusplus
}
#endif
#endif /* TRAWL_H */
