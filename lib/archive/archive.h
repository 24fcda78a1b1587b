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

/* Compress/decompress stored text (zlib). */
unsigned char *tw_deflate(const char *text, size_t len, size_t *zlen);
char *tw_inflate(const unsigned char *z, size_t zlen, size_t *len);

/* Set the archive's error message (trawl_archive_errmsg()); returns st. */
trawl_status tw_fail(trawl_archive *ar, trawl_status st, const char *fmt, ...)
	TW_PRINTF(3, 4);
/* TRAWL_OK when `ar` may be written; else TRAWL_EREADONLY with the
 * archive's message set.  Every public function that writes to the archive
 * calls it first, so that a write on a read-only handle fails the same way
 * everywhere instead of as whatever SQLite says halfway through. */
trawl_status tw_writable(trawl_archive *ar);
/* A write transaction on the archive's connection: tw_ar_begin() takes the
 * write lock at once (waiting up to TW_BUSY_TIMEOUT_MS for another writer),
 * tw_ar_commit() ends it; both set the archive's message on failure.
 * tw_ar_rollback() undoes it and keeps the message of the failure that
 * made the caller give up. */
trawl_status tw_ar_begin(trawl_archive *ar);
trawl_status tw_ar_commit(trawl_archive *ar);
void tw_ar_rollback(trawl_archive *ar);

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
/* Store the findings of node n (scanned) for its new blob (lib/archive/findings.c);
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

/* Reader side: the walker's resume checks and the extractor threads' "is
 * this content known" look-ups.  Each thread opens a reader of its own (a
 * read-only connection apart from the writer's), so that they never wait
 * on the writer's connection. */
typedef struct tw_ar_reader tw_ar_reader;
/* Open a reader on the archive's file; NULL when it cannot be opened.
 * Close it with tw_ar_reader_close() (NULL is fine) from the thread that
 * used it. */
tw_ar_reader *tw_ar_reader_open(trawl_archive *ar);
void tw_ar_reader_close(tw_ar_reader *rd);
/* Non-zero when the archive has no input yet: nothing to resume. */
int tw_ar_reader_fresh(tw_ar_reader *rd);

typedef struct tw_file_state {
	int found;
	int64_t size, mtime, item_id;
	int done;
	unsigned char sha256[32];
	int has_sha;
	int64_t inputs;  /* inputs it stands for: parts of a split container, else 0 (1) */
} tw_file_state;
/* What the archive holds of the input at `path` (fs->found is 0 when it
 * holds nothing); returns 0, or -1 when the look-up failed. */
int tw_ar_file_state(tw_ar_reader *rd, const char *path, tw_file_state *fs);
/* Non-zero when a content with this digest is stored, extracted and used
 * by an item outside the family `replacing` (0: none).  0 when rd is NULL
 * or the look-up fails: the content is extracted again. */
int tw_ar_known(tw_ar_reader *rd, const tw_digest *d, int64_t replacing);
/* Keys of the parts of split container `item` already committed, in no
 * order: *keys (caller frees) holds *n of them.  Returns 0, or -1 when the
 * look-up failed (then *n is 0). */
int tw_ar_part_keys(tw_ar_reader *rd, int64_t item, int format, uint64_t **keys,
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

/* Selections.  A reader below that works on what a query matched takes
 * `sel`: the name of a selection, a temporary set of contents (blob ids)
 * on the archive's connection that the search layer filled from the query
 * (tw_query_temp() in lib/search/search.c; the name is an identifier
 * chosen by the caller, "tw_" and a few letters).  NULL stands for every
 * content.  A selection lives until it is filled again or the archive is
 * closed. */

/* Tags, notes and saved searches (lib/archive/marks.c; the parts that run
 * queries are in lib/investigate/marks.c).  Tags and notes are keyed by
 * the content's SHA-256, so they survive re-ingest and every copy of a
 * content carries them. */

/* Add the tags add[0..nadd) to every content of selection `sel` (not
 * NULL; a tag already there stays), then take the tags remove[0..nremove)
 * off them.
 * Names are valid and lowercase (the caller checked them).  Runs in the
 * caller's transaction; the archive's message is set on failure. */
trawl_status tw_ar_tags_apply(trawl_archive *ar, const char *sel,
			      const char *const *add, size_t nadd,
			      const char *const *remove, size_t nremove);
/* Save the search `name` for `query`, replacing one of that name; the
 * caller checked both. */
trawl_status tw_ar_saved_put(trawl_archive *ar, const char *name, const char *query);

/* Findings (lib/archive/findings.c; the scanner and the reports are in
 * lib/protect/).  A finding belongs to a content.  Its value is never
 * stored: only TW_FINDING_HASH_BYTES of SHA-256(salt || value), with one
 * random salt per archive, and a masked preview. */

/* Version of the validators (lib/protect/validate.c) whose findings are
 * stored with a content; bump it when they change, so that `trawl scan`
 * redoes older work. */
#define TW_SCAN_VERSION 1

/* Replace the findings of content `blob` with f (NULL or empty: none) and
 * record the content scanned by TW_SCAN_VERSION.  In the caller's
 * transaction; the archive's message is set on failure. */
trawl_status tw_ar_findings_replace(trawl_archive *ar, int64_t blob, const tw_findings *f);

/* A content to scan again. */
typedef struct tw_ar_scan_text {
	int64_t blob;
	int scanned;      /* already scanned by TW_SCAN_VERSION: nothing loaded */
	const char *text; /* its extracted text, NULL when it has none */
	size_t len;
	const char *type, *mime, *ext; /* of the content and its first item, or NULL */
} tw_ar_scan_text;
/* Call fn for each of blobs[0..n), in that order: with its text when
 * `rescan` is set or it was not scanned by TW_SCAN_VERSION yet, else with
 * ->scanned set.  The row is valid during the call only; fn may write
 * (tw_ar_findings_replace, transactions) and returns non-zero to stop. */
trawl_status tw_ar_scan_texts(trawl_archive *ar, const int64_t *blobs, size_t n, int rescan,
			      int (*fn)(const tw_ar_scan_text *t, void *ud), void *ud);

/* Which findings a report keeps: those of the types named in
 * types[0..ntypes) (every type when ntypes is 0) with at least
 * min_confidence. */
typedef struct tw_ar_finding_filter {
	const char *const *types;
	size_t ntypes;
	double min_confidence;
} tw_ar_finding_filter;
/* The findings of the contents of selection `sel` (NULL: every content),
 * each with the content's first item, its family path, custodian label and
 * sender (of the message it is, or came in), by item then offset.  Rows
 * are valid during the call; fn returns non-zero to stop. */
trawl_status tw_ar_findings_list(trawl_archive *ar, const char *sel,
				 const tw_ar_finding_filter *flt, trawl_finding_fn fn, void *ud);
/* The same findings counted by type, per sender or per document and
 * type (`grouping`), largest groups first. */
trawl_status tw_ar_findings_groups(trawl_archive *ar, const char *sel,
				   const tw_ar_finding_filter *flt,
				   trawl_finding_grouping grouping,
				   trawl_finding_group_fn fn, void *ud);

/* Evidence (lib/archive/evidence.c): what verification, the manifest and
 * the export read (the checks and formats are in lib/verify/ and
 * lib/protect/). */

/* One item of a distinct content: its first occurrence. */
typedef struct tw_ar_first_item {
	int64_t id, blob;
	int64_t date;     /* the content's date, 0 when it has none */
	const char *path; /* family path, or NULL */
} tw_ar_first_item;
/* The first item of each content of selection `sel` (NULL: every
 * content), oldest content first (undated last), then by item id; with
 * emails_only, messages only.  Rows are valid during the call; fn returns
 * non-zero to stop. */
trawl_status tw_ar_first_items(trawl_archive *ar, const char *sel, int emails_only,
			       int (*fn)(const tw_ar_first_item *it, void *ud), void *ud);
/* The Message-ID of content `blob` in *out (caller frees), NULL when it
 * is no message or has none. */
trawl_status tw_ar_message_id(trawl_archive *ar, int64_t blob, char **out);
/* The DKIM check of a message content, kept for dkim: queries. */
typedef struct tw_ar_dkim {
	int64_t blob;
	const char *result, *reason;               /* result: "pass", "fail", ... */
	const char *domain, *selector, *algorithm; /* of the deciding signature, or NULL */
	int64_t signatures;
	int weak;
	int64_t checked;                           /* UTC seconds */
} tw_ar_dkim;
/* Record (or replace) the DKIM result of r->blob.  Needs a writable
 * archive; the caller holds the transaction. */
trawl_status tw_ar_dkim_put(trawl_archive *ar, const tw_ar_dkim *r);
/* The recorded DKIM result of item id's content in *out (caller frees),
 * NULL when none was recorded. */
trawl_status tw_ar_dkim_result(trawl_archive *ar, int64_t id, char **out);
/* An input file as the archive recorded it. */
typedef struct tw_ar_original {
	const char *path;
	int64_t size;
	int64_t item_id;              /* its item, 0 when it has none */
	const unsigned char *sha256;  /* 32 bytes, or NULL when unknown */
} tw_ar_original;
/* The input files holding a content of selection `sel` (in them, or
 * anywhere in their families), or every input file when sel is NULL, by
 * path.  Rows are valid during the call; fn returns non-zero to stop. */
trawl_status tw_ar_originals(trawl_archive *ar, const char *sel,
			     int (*fn)(const tw_ar_original *o, void *ud), void *ud);
/* Every item with a path and a content digest: its SHA-256 (32 bytes)
 * and family path, by path then digest in byte order (no locale), so
 * that the manifest of an archive is reproducible.  fn returns non-zero
 * to stop. */
trawl_status tw_ar_manifest_rows(trawl_archive *ar,
				 int (*fn)(const unsigned char *sha256, const char *path, void *ud),
				 void *ud);
/* Senders of the messages of selection `sel` with a valid date, and the
 * zone offsets of their dates with counts: by sender, most used zone
 * first. */
trawl_status tw_ar_sender_zones(trawl_archive *ar, const char *sel, trawl_zone_fn fn, void *ud);
/* The document family of each of ids[0..n) in tops[0..n): the outermost
 * ancestor that is not an mbox or a folder of messages (a message in an
 * mbox is a family of its own; an attachment belongs to its message). */
trawl_status tw_ar_family_tops(trawl_archive *ar, const int64_t *ids, size_t n, int64_t *tops);

/* Where the exact bytes of an item are (lib/archive/item.c; re-located
 * through the extractors by lib/investigate/raw.c). */
typedef struct tw_ar_chain {
	char *disk;   /* the file on disk the item's family came from, or NULL */
	char **locs;  /* locators from the file's child down to the item */
	size_t nloc;  /* 0: the item is the file itself */
} tw_ar_chain;
/* Fill *out (release it with tw_ar_chain_release()); TRAWL_ENOTFOUND when
 * the item (or an ancestor) is missing, TRAWL_ELIMIT when it is nested
 * deeper than 128 levels. */
trawl_status tw_ar_item_chain(trawl_archive *ar, int64_t id, tw_ar_chain *out);
void tw_ar_chain_release(tw_ar_chain *c);

/* The communication graph (lib/archive/graph.c; its layout and formats
 * are in lib/investigate/graph.c).  People are persons of lib/investigate/
 * people.c's grouping, or an address that belongs to none. */

/* The people who sent or received messages of selection `sel` (NULL:
 * every message), most active first: id (person, or address when it has
 * none), label, main address, messages sent and received.  Rows are valid
 * during the call; fn returns non-zero to stop. */
trawl_status tw_ar_graph_people(trawl_archive *ar, const char *sel,
				int (*fn)(const trawl_graph_node *n, void *ud), void *ud);
/* "wrote to": sender and recipient (ids as above), distinct messages of
 * the selection, and their first and last date. */
typedef struct tw_ar_graph_link {
	int64_t from, to;
	int64_t messages;
	int64_t first, last; /* UTC seconds, valid when has_dates */
	int has_dates;
} tw_ar_graph_link;
/* The links of at least min_messages messages, in no order; fn returns
 * non-zero to stop. */
trawl_status tw_ar_graph_links(trawl_archive *ar, const char *sel, int64_t min_messages,
			       int (*fn)(const tw_ar_graph_link *l, void *ud), void *ud);
/* Messages of the selection with a sender and at least one recipient. */
trawl_status tw_ar_graph_messages(trawl_archive *ar, const char *sel, int64_t *n);

#endif /* TW_ARCHIVE_H */
