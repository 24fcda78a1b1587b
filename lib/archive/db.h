/*
 * db.h - the SQLite backend's private side of the archive: the handle's
 * layout, prepared-statement slots and error helpers.  Included by
 * lib/archive/ and lib/search/ only (tools/check-layers.sh).
 */
#ifndef TW_ARCHIVE_DB_H
#define TW_ARCHIVE_DB_H

#include <sqlite3.h>

#include "archive/archive.h"

/* Totals of recent queries, valid while the archive has not changed
 * (lib/search/count.c): the pages and orders of one search count once. */
#define TW_COUNT_CACHE 32
typedef struct tw_count_entry {
	char *query;
	int by_thread;
	int64_t count;
	int64_t version, changes; /* PRAGMA data_version, own total changes */
} tw_count_entry;

/* Why an archive cannot be written (trawl_archive.readonly). */
enum { TW_RO_NO = 0, TW_RO_ASKED, TW_RO_FILE };

struct trawl_archive {
	sqlite3 *db;
	tw_id_cache addrs; /* writer's address ids */
	tw_id_cache pvals; /* writer's shared metadata value ids */
	char *path;
	int readonly;      /* TW_RO_*: opened read-only, or found so */
	char errmsg[1024];
	sqlite3_stmt *stmts[64]; /* prepared statements, by tw_stmt index */
	tw_count_entry counts[TW_COUNT_CACHE];
	unsigned counts_next;
};

/* Record a SQLite failure as TRAWL_EDB with the database's message. */
trawl_status tw_dbfail(trawl_archive *ar, const char *what);
/* The status of the database's last failure, for a caller whose message is
 * set already (after tw_prepare()): TRAWL_EBUSY when it was locked, else
 * TRAWL_EDB. */
trawl_status tw_dbstatus(trawl_archive *ar);
/* Open a raw connection with trawl's functions and pragmas. */
int tw_db_open(const char *path, int readonly, sqlite3 **out);
/* Run SQL without results. */
trawl_status tw_exec(trawl_archive *ar, const char *sql);
/* A cached prepared statement (reset, bindings cleared).  Slots: store.c
 * from 0, people_db.c 36-39, lib/search/ from 40, findings.c from 48,
 * evidence.c from 56 (up to 63). */
sqlite3_stmt *tw_stmt(trawl_archive *ar, int slot, const char *sql);
/* A statement prepared for one use (finalize it); NULL with the archive's
 * message set to "<what>: <SQLite's error>" on failure. */
sqlite3_stmt *tw_prepare(trawl_archive *ar, const char *sql, const char *what);
/* Step a write statement once and reset it (store.c): 0, or -1 with the
 * archive's message set to "<what>: <SQLite's error>". */
int tw_step_done(trawl_archive *ar, sqlite3_stmt *s, const char *what);

/*
 * fts.c: register on `db` (tw_db_open does, on every connection)
 *   - the FTS5 tokenizer "trawl" (lib/text/text.h gives the token
 *     contract).  Arguments: `lang L1,L2...` names languages (ISO 639-1;
 *     tokenize="trawl lang 'fr,en'" quotes the list) in which query words
 *     are always stemmed.  Query languages are otherwise those of the table
 *     text_lang that hold a share of the texts (read when the first query
 *     is tokenized, again after a minute).  Inflections are looked up in
 *     the fts5vocab table temp.tw_vocab (tw_db_open makes it over `fts`);
 *     without it query words match as written;
 *   - tw_lang(subject, body): the language code of a text (body: text, or
 *     a blob compressed by tw_deflate), detected on the body, else on the
 *     subject; NULL when it cannot be told.
 * Returns SQLITE_OK or SQLite's error (FTS5 missing, out of memory).
 */
int tw_fts_register(sqlite3 *db);

#endif /* TW_ARCHIVE_DB_H */
