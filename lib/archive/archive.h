/*
 * archive.h - the storage seam.
 *
 * Everything the other layers ask of the archive goes through the functions
 * declared here: the writer (one thread) that commits what the extractors
 * found, one input or one message of a split container at a time; the
 * resume checks of the walker; reads by id; the derived-data passes.  The
 * embedded SQLite backend implements them in lib/archive/; code outside
 * lib/archive/ and lib/search/ includes no SQLite header.
 */
#ifndef TW_ARCHIVE_H
#define TW_ARCHIVE_H

#include "tw.h"
#include "archive/db.h"

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
/* Store the findings of node n (scanned) for its new blob (lib/protect/findings.c);
 * returns 0 or -1 with the archive's message set. */
int tw_store_findings(trawl_archive *ar, int64_t blob, const tw_node *n);
/* Derived data refreshed after an ingest (threads, people). */
trawl_status tw_store_after_ingest(trawl_archive *ar);
/* Store the language (table text_lang, tw_lang_detect) of the texts added
 * since the last call; the writer calls it in each of its transactions,
 * after the extractor threads detected those languages (so that this
 * mostly finds them in the detector's memo) (reindex.c).  Returns
 * TRAWL_ENOMEM, DB. */
trawl_status tw_ar_text_langs(trawl_archive *ar);
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

/* ---------------------------------------------------------------- derived: people and conversations */

/* ---------------------------------------------------------------- marks, findings, evidence, export */

#endif /* TW_ARCHIVE_H */
