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
/* Store the findings of node n (scanned) for its new blob (lib/protect/findings.c);
 * returns 0 or -1 with the archive's message set. */
int tw_store_findings(trawl_archive *ar, int64_t blob, const tw_node *n);
/* Delete contents no item uses any more (after replaced families), with
 * what only they used; run at the end of an ingest, inside the transaction
 * of the derived-data pass (lib/ingest/pipeline.c). */
trawl_status tw_store_gc(trawl_archive *ar);
/* After that transaction: give back freed pages and leave the archive as
 * one file (checkpoint the log unless readers still need it). */
trawl_status tw_store_compact(trawl_archive *ar);
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

/*
 * Conversations and people are derived from the stored emails by
 * lib/investigate/ (the rules live there); these functions only load what
 * it needs and store what it computed, set-based so that the pass after an
 * ingest stays cheap (SQLite side: lib/archive/people_db.c, threads_db.c).
 * After an ingest, lib/ingest/pipeline.c runs, in one transaction:
 * tw_ar_begin(), tw_store_gc(), tw_investigate_refresh(), tw_ar_commit()
 * (or tw_ar_rollback()).  Every function returns TRAWL_OK or a status with
 * the archive's message set (trawl_archive_errmsg()).
 */

/* A transaction for a pass or an edit that must land whole.  tw_ar_begin()
 * takes the write lock at once; tw_ar_rollback() keeps the archive's
 * message (the failure that led to it). */
trawl_status tw_ar_begin(trawl_archive *ar);
trawl_status tw_ar_commit(trawl_archive *ar);
void tw_ar_rollback(trawl_archive *ar);

/* Select the pending emails: those the derived data has not seen yet (no
 * conversation), or every email when some were deleted since the last pass
 * (*full set: conversations may split, counts are stale).  *n: how many.
 * The set stays on the connection until the next call; the functions below
 * that say "pending" read it.  tw_ar_derive_done() records that the
 * derived data covers every stored email. */
trawl_status tw_ar_derive_pending(trawl_archive *ar, int *full, int64_t *n);
trawl_status tw_ar_derive_done(trawl_archive *ar);

/* People: evidence ----------------------------------------------------- */

typedef struct tw_ar_addr_use {
	int role;            /* enum tw_role */
	int64_t addr_id;     /* 0 when the header's address was not stored */
	const char *name;    /* display name given with it, or NULL */
} tw_ar_addr_use;

/* One of Exchange's copies of an address header. */
typedef struct tw_ar_xcopy {
	int role;            /* TW_FROM, TW_TO, TW_CC: X-From, X-To, X-cc */
	const char *value;
} tw_ar_xcopy;

typedef struct tw_ar_email_addrs {
	int64_t blob_id;
	const tw_ar_addr_use *addrs; /* in header order */
	size_t naddrs;
	const tw_ar_xcopy *x;        /* in stored order */
	size_t nx;
} tw_ar_email_addrs;

/* Call fn for every pending email that has addresses or X- copies, by blob
 * id.  What fn gets is valid during the call only; fn returns non-zero to
 * stop. */
trawl_status tw_ar_pending_addrs(trawl_archive *ar,
				 int (*fn)(const tw_ar_email_addrs *e, void *ud), void *ud);
/* The id of stored address `addr`, adding the address when it is new (a
 * DN that only X- headers give). */
trawl_status tw_ar_addr_id(trawl_archive *ar, const char *addr, int64_t *id);
/* The stored form of address `id` (the caller frees it; NULL when there is
 * no such address).  Asked once per address, only for those that X-
 * headers pair: joining every address of every email costs more. */
trawl_status tw_ar_addr_text(trawl_archive *ar, int64_t id, char **addr);

/* A display name seen n times with an address. */
typedef struct tw_ar_name_seen {
	int64_t addr_id;
	const char *name;
	int64_t n;
} tw_ar_name_seen;

/* Address a given as X.500 DN b, n times; blob_id is one email showing it. */
typedef struct tw_ar_pair_seen {
	int64_t a, b, n, blob_id;
} tw_ar_pair_seen;

/* Add the evidence gathered from the pending emails to the stored counts
 * (with `full`, replace all evidence by it), and count again the messages
 * of the addresses the pending emails name (all addresses with `full`). */
trawl_status tw_ar_people_evidence(trawl_archive *ar, int full,
				   const tw_ar_name_seen *names, size_t nnames,
				   const tw_ar_pair_seen *pairs, size_t npairs);

/* People: grouping ----------------------------------------------------- */

typedef struct tw_ar_gaddr {
	int64_t id;
	int64_t person_id;   /* the current person, 0 when none */
	int64_t messages;    /* messages naming it (sent + received) */
	char *addr;
} tw_ar_gaddr;

typedef struct tw_ar_gname {
	int64_t addr_id;
	char *name;
	int64_t n;
} tw_ar_gname;

typedef struct tw_ar_gpair {
	int64_t a, b, n;
	int64_t total;       /* all X.500 pairings of a */
	int64_t item_id;     /* an item showing the pair (0 if none) */
} tw_ar_gpair;

typedef struct tw_ar_gedit {
	int64_t id;
	int split;           /* 0: merge */
	char *addrs;         /* canonical addresses, space-separated */
} tw_ar_gedit;

/* Everything the grouping is computed from.  Owned by the caller:
 * tw_ar_people_inputs_release(). */
typedef struct tw_ar_people_inputs {
	tw_ar_gaddr *addrs;  /* every address, by id */
	size_t naddrs;
	tw_ar_gname *names;  /* display names seen, per address */
	size_t nnames;
	tw_ar_gpair *pairs;  /* X.500 pairs, by a */
	size_t npairs;
	tw_ar_gedit *edits;  /* edits by hand, oldest first */
	size_t nedits;
} tw_ar_people_inputs;

trawl_status tw_ar_people_load(trawl_archive *ar, tw_ar_people_inputs *in);
void tw_ar_people_inputs_release(tw_ar_people_inputs *in);

/* Where an address goes: its person, the person it had (stored only when
 * they differ), why it is there (NULL: not said). */
typedef struct tw_ar_grouped {
	int64_t addr_id, person_id, old_person_id;
	const char *why;
} tw_ar_grouped;

typedef struct tw_ar_person_row {
	int64_t id;
	const char *name, *addr;
	int64_t naddrs;
} tw_ar_person_row;

/* Replace the grouping (every person, and why each address is in it). */
trawl_status tw_ar_people_store(trawl_archive *ar, const tw_ar_grouped *addrs, size_t naddrs,
				const tw_ar_person_row *persons, size_t npersons);
/* Record an edit by hand ("merge" or "split" of canonical addresses,
 * space-separated), dated now. */
trawl_status tw_ar_person_edit_add(trawl_archive *ar, const char *op, const char *addrs);

/* People: reading ------------------------------------------------------ */

/* A person as stored: name and addr are NULL for an address that is in no
 * person; addrs (most messages first) and names (most used first, at most
 * 100) are filled.  Valid during the callback only; fn returns non-zero to
 * stop. */
typedef int (*tw_ar_person_fn)(const trawl_person *p, void *ud);

/* The people of the messages in temp table `set` (filled by
 * tw_query_temp(); NULL: all messages), with counts over those messages;
 * only those with `match` (may be NULL) in an address or a name; by
 * messages or `by_name`; limit <= 0: all. */
trawl_status tw_ar_people_list(trawl_archive *ar, const char *set, const char *match,
			       int by_name, int64_t limit, int64_t offset,
			       tw_ar_person_fn fn, void *ud);
/* Person `id` (or the address `id` of no person) with counts over all
 * messages; TRAWL_ENOTFOUND when there is neither. */
trawl_status tw_ar_person_read(trawl_archive *ar, int64_t id, tw_ar_person_fn fn, void *ud);
/* *found: whether `id` is a person or an address of no person. */
trawl_status tw_ar_person_exists(trawl_archive *ar, int64_t id, int *found);
/* The person of stored address `addr` (its own id when in no person); 0
 * when the archive does not have the address. */
trawl_status tw_ar_addr_person(trawl_archive *ar, const char *addr, int64_t *id);
/* Up to `max` people (smallest ids first) with `part` in an address or a
 * display name (ASCII case ignored). */
trawl_status tw_ar_people_matching(trawl_archive *ar, const char *part, int64_t *ids,
				   size_t max, size_t *n);
/* Name and main address of person `id` (the address itself for an address
 * of no person); the caller frees both.  TRAWL_ENOTFOUND when unknown. */
trawl_status tw_ar_person_label(trawl_archive *ar, int64_t id, char **name, char **addr);
/* The correspondents of person `id` over the messages in temp table `set`
 * (NULL: all), busiest first; strings valid during the callback. */
trawl_status tw_ar_contacts(trawl_archive *ar, int64_t id, const char *set,
			    trawl_contact_fn fn, void *ud);

/* Conversations -------------------------------------------------------- */

/* An email as threading sees it.  Strings are NULL when absent and valid
 * during the callback only. */
typedef struct tw_ar_thread_msg {
	int64_t blob_id;
	int64_t thread_id;   /* 0: none yet */
	const char *message_id, *in_reply_to, *refs, *subject;
	int64_t date;        /* UTC seconds, when has_date */
	int has_date;
	int pending;         /* in the pending set */
	/* tw_ar_thread_members() only: */
	int64_t item_id;     /* first item of the content */
	int tz;
	const char *from;    /* first sender, "Name <addr>" */
} tw_ar_thread_msg;

typedef int (*tw_ar_thread_msg_fn)(const tw_ar_thread_msg *m, void *ud);

/* The pending emails, by blob id. */
trawl_status tw_ar_thread_pending(trawl_archive *ar, tw_ar_thread_msg_fn fn, void *ud);
/* The emails, not pending, of the conversations the pending ones may join:
 * the same Message-ID, ids named either way or by both, the same base
 * subject dated at most `window` seconds apart; by blob id.  Needs the
 * keys of the pending emails (tw_ar_thread_index()).  Nothing when no
 * email has a conversation yet (a first ingest). */
trawl_status tw_ar_thread_touched(trawl_archive *ar, int64_t window,
				  tw_ar_thread_msg_fn fn, void *ud);
/* The emails of conversation `thread_id`, by blob id, with item_id, tz and
 * from. */
trawl_status tw_ar_thread_members(trawl_archive *ar, int64_t thread_id,
				  tw_ar_thread_msg_fn fn, void *ud);

/* The keys through which later passes find the conversations an email may
 * join: the ids it names, its base subject, and whether it is a reply the
 * subject fallback may join (a reply without references). */
typedef struct tw_ar_thread_keys {
	int64_t blob_id;
	char *const *refs;
	size_t nrefs;
	const char *base;
	int reply;
} tw_ar_thread_keys;

/* Replace the keys of the pending emails (of all emails with `full`). */
trawl_status tw_ar_thread_index(trawl_archive *ar, int full, const tw_ar_thread_keys *k,
				size_t n);
/* Call fn for every sender and recipient of the emails `blobs`: who is
 * their person, or the address id of an address of no person. */
trawl_status tw_ar_participants(trawl_archive *ar, const int64_t *blobs, size_t n,
				int (*fn)(int64_t blob_id, int64_t who, void *ud), void *ud);
/* The largest conversation id in use (0: none). */
trawl_status tw_ar_thread_max(trawl_archive *ar, int64_t *max);

typedef struct tw_ar_thread_set {
	int64_t blob_id, thread_id;
} tw_ar_thread_set;

/* Store the conversation ids of these emails. */
trawl_status tw_ar_thread_store(trawl_archive *ar, const tw_ar_thread_set *rows, size_t n);
/* The conversation of item `id`: *found 0 when it is not an email (or does
 * not exist); *thread_id 0 when it has none yet. */
trawl_status tw_ar_item_thread(trawl_archive *ar, int64_t id, int *found, int64_t *thread_id);

/* ---------------------------------------------------------------- marks, findings, evidence, export */

#endif /* TW_ARCHIVE_H */
