/*
 * archive.c - opening, creating and migrating the archive database.
 *
 * The archive is one SQLite file in WAL mode, so that searches run while an
 * ingest writes.  The schema is versioned with PRAGMA user_version and moved
 * forward by the migrations below, each run in its own transaction; an
 * archive newer than this library is refused rather than misread.  See
 * docs/archive.md for what each table holds.
 *
 * Extracted text is stored zlib-compressed in `texts`; the FTS5 index reads
 * it back through the view `fts_src`, which decompresses with the SQL
 * function tw_inflate() registered on every connection trawl opens, as are
 * the FTS5 tokenizer `trawl` and tw_lang() (fts.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "archive/archive.h"
#include "archive/db.h"

static const char *const migrations[] = {
	/* 1: the core data model */
	"CREATE TABLE sources("
	"  id INTEGER PRIMARY KEY, roots TEXT, label TEXT,"
	"  started INTEGER, finished INTEGER,"
	"  seen INTEGER DEFAULT 0, indexed INTEGER DEFAULT 0,"
	"  duplicates INTEGER DEFAULT 0, errors INTEGER DEFAULT 0);"
	"CREATE TABLE files("
	"  path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER,"
	"  item_id INTEGER, done INTEGER DEFAULT 0) WITHOUT ROWID;"
	"CREATE TABLE blobs("
	"  id INTEGER PRIMARY KEY, sha256 BLOB NOT NULL UNIQUE, md5 BLOB,"
	"  size INTEGER, mime TEXT, type TEXT, date INTEGER,"
	"  nchildren INTEGER DEFAULT 0, extracted INTEGER DEFAULT 0,"
	"  truncated INTEGER DEFAULT 0);"
	"CREATE INDEX blobs_date ON blobs(date);"
	"CREATE INDEX blobs_type ON blobs(type);"
	"CREATE TABLE items("
	"  id INTEGER PRIMARY KEY, parent_id INTEGER, root_id INTEGER,"
	"  blob_id INTEGER, source_id INTEGER, kind TEXT, name TEXT,"
	"  locator TEXT, ext TEXT, depth INTEGER, path TEXT,"
	"  dup INTEGER DEFAULT 0);"
	"CREATE INDEX items_blob ON items(blob_id);"
	"CREATE INDEX items_parent ON items(parent_id, locator);"
	"CREATE INDEX items_root ON items(root_id);"
	"CREATE TABLE texts(blob_id INTEGER PRIMARY KEY, subject TEXT, body BLOB, names TEXT);"
	"CREATE VIEW fts_src AS SELECT blob_id, subject, tw_inflate(body) AS body, names FROM texts;"
	"CREATE VIRTUAL TABLE fts USING fts5(subject, body, names,"
	"  content='fts_src', content_rowid='blob_id',"
	"  tokenize='unicode61 remove_diacritics 2');"
	"CREATE TABLE emails("
	"  blob_id INTEGER PRIMARY KEY, message_id TEXT, in_reply_to TEXT,"
	"  refs TEXT, subject TEXT, tz INTEGER, date_status INTEGER,"
	"  date_raw TEXT, thread_id INTEGER);"
	"CREATE INDEX emails_mid ON emails(message_id);"
	"CREATE INDEX emails_thread ON emails(thread_id);"
	"CREATE TABLE addrs(id INTEGER PRIMARY KEY, addr TEXT UNIQUE, person_id INTEGER);"
	"CREATE TABLE email_addrs(blob_id INTEGER, role INTEGER, addr_id INTEGER,"
	"  name TEXT, pos INTEGER, PRIMARY KEY(blob_id, pos)) WITHOUT ROWID;"
	"CREATE INDEX email_addrs_addr ON email_addrs(addr_id, role);"
	"CREATE TABLE props(blob_id INTEGER, key TEXT, value TEXT);"
	"CREATE INDEX props_blob ON props(blob_id);"
	"CREATE INDEX props_key ON props(key, value);"
	"CREATE TABLE errors("
	"  id INTEGER PRIMARY KEY, item_id INTEGER, path TEXT, stage TEXT,"
	"  status TEXT, message TEXT, source_id INTEGER);"
	"CREATE INDEX errors_item ON errors(item_id);"
	"INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(4.0, 1.0, 2.0)');",
	/* findings (PII and secrets) with the archive's salt, DKIM results */
	"CREATE TABLE scan_salt(id INTEGER PRIMARY KEY CHECK(id = 1), salt BLOB NOT NULL);"
	"INSERT INTO scan_salt VALUES(1, randomblob(32));"
	"CREATE TABLE findings("
	"  id INTEGER PRIMARY KEY, blob_id INTEGER NOT NULL, type TEXT NOT NULL,"
	"  subtype TEXT, start INTEGER, length INTEGER, confidence REAL, hash BLOB,"
	"  preview TEXT);"
	"CREATE INDEX findings_blob ON findings(blob_id);"
	"CREATE INDEX findings_type ON findings(type, blob_id);"
	"CREATE INDEX findings_hash ON findings(hash);"
	"CREATE TABLE scanned(blob_id INTEGER PRIMARY KEY, version INTEGER);"
	"CREATE TABLE dkim("
	"  blob_id INTEGER PRIMARY KEY, result TEXT NOT NULL, reason TEXT, domain TEXT,"
	"  selector TEXT, algorithm TEXT, signatures INTEGER, weak INTEGER, checked INTEGER);"
	"CREATE INDEX dkim_result ON dkim(result);"
	"CREATE TRIGGER blobs_derived_del AFTER DELETE ON blobs BEGIN"
	"  DELETE FROM findings WHERE blob_id = old.id;"
	"  DELETE FROM scanned WHERE blob_id = old.id;"
	"  DELETE FROM dkim WHERE blob_id = old.id;"
	" END;",
	/* investigation: conversations, people, the reporter's marks */
	"CREATE TABLE email_refs(mid TEXT NOT NULL, blob_id INTEGER NOT NULL);"
	"CREATE INDEX email_refs_mid ON email_refs(mid);"
	"CREATE INDEX email_refs_blob ON email_refs(blob_id);"
	"CREATE TABLE email_subjects(blob_id INTEGER PRIMARY KEY, base TEXT, reply INTEGER);"
	"CREATE INDEX email_subjects_base ON email_subjects(base);"
	"CREATE TRIGGER emails_derived_del AFTER DELETE ON emails BEGIN"
	"  DELETE FROM email_refs WHERE blob_id = old.blob_id;"
	"  DELETE FROM email_subjects WHERE blob_id = old.blob_id;"
	" END;"
	"CREATE TABLE derived(key TEXT PRIMARY KEY, value INTEGER);"
	"CREATE INDEX addrs_person ON addrs(person_id);"
	"CREATE TABLE addr_names(addr_id INTEGER, name TEXT, n INTEGER,"
	"  PRIMARY KEY(addr_id, name)) WITHOUT ROWID;"
	"CREATE TABLE addr_links(a INTEGER, b INTEGER, why TEXT, n INTEGER, blob_id INTEGER,"
	"  PRIMARY KEY(a, b, why)) WITHOUT ROWID;"
	"CREATE TABLE addr_why(addr_id INTEGER PRIMARY KEY, why TEXT);"
	"CREATE TABLE persons(id INTEGER PRIMARY KEY, name TEXT, addr TEXT, naddrs INTEGER);"
	"CREATE TABLE person_edits(id INTEGER PRIMARY KEY, op TEXT NOT NULL, addrs TEXT NOT NULL,"
	"  created INTEGER);"
	"CREATE TABLE tags(sha256 BLOB NOT NULL, tag TEXT NOT NULL, created INTEGER,"
	"  PRIMARY KEY(sha256, tag)) WITHOUT ROWID;"
	"CREATE INDEX tags_tag ON tags(tag);"
	"CREATE TABLE notes(id INTEGER PRIMARY KEY, sha256 BLOB NOT NULL, text TEXT NOT NULL,"
	"  created INTEGER);"
	"CREATE INDEX notes_sha ON notes(sha256);"
	"CREATE TABLE saved_searches(name TEXT PRIMARY KEY, query TEXT NOT NULL, created INTEGER);"
	"CREATE TABLE addr_stats(addr_id INTEGER PRIMARY KEY, sent INTEGER, received INTEGER);",
	/* 4: metadata is looked up by key; an index holding every value (all
	 * of Enron's X-To lines) cost more than the metadata itself */
	("DROP INDEX props_key;"
	 "CREATE INDEX props_key ON props(key);"),
	/* 5: an occurrence whose name promises another type than its content
	 * (a renamed document is a classic way to hide one) */
	"ALTER TABLE items ADD COLUMN mismatch TEXT;",
	/* 6: texts are stored and indexed once per text, not per content:
	 * copies of a message filed in several folders share theirs.  A text
	 * row has its own id (the fts rowid), found by a key over subject,
	 * body and names; blobs point at it.  The fts table reads its content
	 * through fts_src, whose rowid column it knows as blob_id. */
	("DROP VIEW fts_src;"
	 "CREATE TABLE texts_v6(id INTEGER PRIMARY KEY, hash BLOB, subject TEXT, body BLOB, names TEXT);"
	 "INSERT INTO texts_v6(id, subject, body, names) SELECT blob_id, subject, body, names FROM texts;"
	 "DROP TABLE texts;"
	 "ALTER TABLE texts_v6 RENAME TO texts;"
	 "CREATE UNIQUE INDEX texts_hash ON texts(hash);"
	 "CREATE VIEW fts_src AS SELECT id AS blob_id, subject, tw_inflate(body) AS body, names FROM texts;"
	 "ALTER TABLE blobs ADD COLUMN text_id INTEGER;"
	 "UPDATE blobs SET text_id=id WHERE id IN (SELECT id FROM texts);"
	 "CREATE INDEX blobs_text ON blobs(text_id);"),
	/* 7: 128 bits of a finding's salted hash tell values apart; the other
	 * half doubled the size of the hash index */
	"UPDATE findings SET hash=substr(hash, 1, 16) WHERE length(hash) > 16;",
	/* 8: long metadata values are stored once (Enron's X-To lines repeat
	 * on every copy of a message), found by a 64-bit hash of the value
	 * (an index of the values themselves was bigger than the values),
	 * and read through the view props_text; older rows keep theirs */
	("CREATE TABLE prop_values(id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, value TEXT NOT NULL);"
	 "CREATE INDEX prop_values_hash ON prop_values(hash);"
	 "ALTER TABLE props ADD COLUMN value_id INTEGER;"
	 "CREATE VIEW props_text AS SELECT p.rowid AS seq, p.blob_id, p.key,"
	 "  coalesce(p.value, v.value) AS value FROM props p"
	 "  LEFT JOIN prop_values v ON v.id=p.value_id;"),
	/* 9: words of every script are findable, and match their inflections:
	 * fts is rebuilt with the tokenizer `trawl` (lib/text/text.h: CJK and
	 * Thai cut by dictionary, query words expanded to the inflections the
	 * index holds), and the language of each text is kept in text_lang,
	 * which the writer fills for new texts (tw_ar_text_langs) and the
	 * tokenizer reads to stem query words in the archive's languages.
	 * Everything else (tags, notes, people) lives in other tables. */
	("CREATE TABLE text_lang(id INTEGER PRIMARY KEY, lang TEXT);"
	 "INSERT INTO text_lang SELECT id, tw_lang(subject, body) FROM texts;"
	 "CREATE INDEX text_lang_lang ON text_lang(lang);"
	 "CREATE TRIGGER texts_lang_del AFTER DELETE ON texts BEGIN"
	 "  DELETE FROM text_lang WHERE id = old.id;"
	 " END;"
	 "DROP TABLE fts;"
	 "CREATE VIRTUAL TABLE fts USING fts5(subject, body, names,"
	 "  content='fts_src', content_rowid='blob_id', tokenize='trawl');"
	 "INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(4.0, 1.0, 2.0)');"
	 "INSERT INTO fts(fts) VALUES('rebuild');"),
};

#define SCHEMA_VERSION ((int)TW_ARRAY_LEN(migrations))

trawl_status tw_fail(trawl_archive *ar, trawl_status st, const char *fmt, ...)
{
	va_list ap;

	if (!ar)
		return st;
	va_start(ap, fmt);
	vsnprintf(ar->errmsg, sizeof(ar->errmsg), fmt, ap);
	va_end(ap);
	return st;
}

trawl_status tw_writable(trawl_archive *ar)
{
	if (!ar->readonly)
		return TRAWL_OK;
	if (ar->readonly == TW_RO_FILE)
		return tw_fail(ar, TRAWL_EREADONLY,
			       "archive '%s' is open read-only: the file or its folder cannot be written",
			       ar->path);
	return tw_fail(ar, TRAWL_EREADONLY, "archive '%s' is open read-only", ar->path);
}

trawl_status tw_dbstatus(trawl_archive *ar)
{
	int code = sqlite3_errcode(ar->db);

	/* SQLite's own allocations, or ours inside its callbacks (tw_inflate),
	 * failing: the caller sees out of memory, not a damaged archive. */
	if (code == SQLITE_NOMEM)
		return TRAWL_ENOMEM;
	return (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? TRAWL_EBUSY : TRAWL_EDB;
}

trawl_status tw_dbfail(trawl_archive *ar, const char *what)
{
	tw_fail(ar, TRAWL_EDB, "%s: %s", what, sqlite3_errmsg(ar->db));
	return tw_dbstatus(ar);
}

trawl_status tw_exec(trawl_archive *ar, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(ar->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		tw_fail(ar, TRAWL_EDB, "%s", err ? err : sqlite3_errmsg(ar->db));
		sqlite3_free(err);
		return TRAWL_EDB;
	}
	return TRAWL_OK;
}

sqlite3_stmt *tw_stmt(trawl_archive *ar, int slot, const char *sql)
{
	sqlite3_stmt *s = ar->stmts[slot];

	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return s;
	}
	if (sqlite3_prepare_v3(ar->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
	    SQLITE_OK) {
		tw_fail(ar, TRAWL_EDB, "preparing statement: %s", sqlite3_errmsg(ar->db));
		return NULL;
	}
	ar->stmts[slot] = s;
	return s;
}

sqlite3_stmt *tw_prepare(trawl_archive *ar, const char *sql, const char *what)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(ar->db, sql, -1, &s, NULL) != SQLITE_OK) {
		tw_dbfail(ar, what);
		return NULL;
	}
	return s;
}

/* ---------------------------------------------------------------- compression */

unsigned char *tw_deflate(const char *text, size_t len, size_t *zlen)
{
	uLongf cap = compressBound((uLong)len);
	unsigned char *z = tw_malloc(cap + 8);

	if (!z)
		return NULL;
	/* 8-byte little-endian length header, then the zlib stream. */
	for (int i = 0; i < 8; i++)
		z[i] = (unsigned char)((uint64_t)len >> (8 * i));
	if (compress2(z + 8, &cap, (const Bytef *)text, (uLong)len, 3) != Z_OK) {
		free(z);
		return NULL;
	}
	*zlen = cap + 8;
	return z;
}

char *tw_inflate(const unsigned char *z, size_t zlen, size_t *len)
{
	uint64_t n = 0;
	uLongf out;
	char *t;

	if (zlen < 8)
		return NULL;
	for (int i = 0; i < 8; i++)
		n |= (uint64_t)z[i] << (8 * i);
	if (n > (1ull << 31))
		return NULL;
	t = tw_malloc(n + 1);
	if (!t)
		return NULL;
	out = (uLongf)n;
	if (uncompress((Bytef *)t, &out, z + 8, (uLong)(zlen - 8)) != Z_OK || out != n) {
		free(t);
		return NULL;
	}
	t[n] = '\0';
	if (len)
		*len = n;
	return t;
}

static void sql_inflate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *z;
	size_t n;
	char *t;
	uint64_t failures;

	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (sqlite3_value_type(argv[0]) == SQLITE_TEXT) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	z = sqlite3_value_blob(argv[0]);
	failures = tw_alloc_failures();
	t = tw_inflate(z, (size_t)sqlite3_value_bytes(argv[0]), &n);
	if (!t && tw_alloc_failures() != failures) {
		/* Not a damaged text: the statement fails rather than index or
		 * show nothing. */
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (!t) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_text64(ctx, t, n, free, SQLITE_UTF8);
}

int tw_db_open(const char *path, int readonly, sqlite3 **out)
{
	int flags = readonly ? SQLITE_OPEN_READONLY
			     : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	sqlite3 *db = NULL;
	int rc;

	flags |= SQLITE_OPEN_NOMUTEX;
	rc = sqlite3_open_v2(path, &db, flags, NULL);
	*out = db;
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_create_function(db, "tw_inflate", 1,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
				NULL, sql_inflate, NULL, NULL);
	rc = tw_fts_register(db);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_busy_timeout(db, TW_BUSY_TIMEOUT_MS);
	sqlite3_exec(db,
		     "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
		     "PRAGMA foreign_keys=OFF;",
		     NULL, NULL, NULL);
	/* The vocabulary the tokenizer reads inflections of query words from;
	 * made before any query, since a schema change while one runs would
	 * stop it (fts5vocab needs `fts` only when read), and after
	 * temp_store, whose change drops the temp database. */
	rc = sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.tw_vocab USING fts5vocab(main, fts, row)",
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rc;
	return SQLITE_OK;
}

static trawl_status migrate(trawl_archive *ar)
{
	sqlite3_stmt *s;
	int version = 0, rc;
	trawl_status st;

	s = tw_prepare(ar, "PRAGMA user_version", "reading schema version");
	if (!s)
		return tw_dbstatus(ar);
	/* A read that fails (a WAL archive in a folder this user cannot
	 * write) is no version 0: that would ask for a migration. */
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return tw_fail(ar, TRAWL_EDB, "cannot read archive '%s': %s%s", ar->path,
			       sqlite3_errmsg(ar->db),
			       (rc & 0xff) == SQLITE_READONLY
				       ? " (a reader must be able to create the '-shm' file beside it: the folder is not writable)"
				       : "");
	if (version > SCHEMA_VERSION)
		return tw_fail(ar, TRAWL_EVERSION,
			       "archive '%s' has schema version %d; this trawl knows up to %d: upgrade trawl",
			       ar->path, version, SCHEMA_VERSION);
	if (ar->readonly) {
		if (version < SCHEMA_VERSION)
			return tw_fail(ar, TRAWL_EVERSION,
				       "archive '%s' has schema version %d and needs migrating to %d: run 'trawl ingest' or open it writable",
				       ar->path, version, SCHEMA_VERSION);
		return TRAWL_OK;
	}
	while (version < SCHEMA_VERSION) {
		char pragma[64];

		st = tw_exec(ar, "BEGIN IMMEDIATE");
		if (st)
			return st;
		st = tw_exec(ar, migrations[version]);
		if (st) {
			char msg[sizeof(ar->errmsg)];

			snprintf(msg, sizeof(msg), "%s", ar->errmsg);
			tw_exec(ar, "ROLLBACK");
			return tw_fail(ar, st, "migrating archive to schema %d: %s",
				       version + 1, msg);
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", version + 1);
		if ((st = tw_exec(ar, pragma)) || (st = tw_exec(ar, "COMMIT"))) {
			tw_exec(ar, "ROLLBACK");
			return st;
		}
		version++;
	}
	return TRAWL_OK;
}

trawl_status trawl_archive_open(const char *path, unsigned flags,
				trawl_archive **out)
{
	trawl_archive *ar;
	struct stat sb;
	int rc;

	*out = NULL;
	ar = tw_calloc(1, sizeof(*ar));
	if (!ar)
		return TRAWL_ENOMEM;
	*out = ar;
	ar->path = tw_strdup(path);
	ar->readonly = (flags & TRAWL_OPEN_READONLY) ? TW_RO_ASKED : TW_RO_NO;
	if (!ar->path)
		return TRAWL_ENOMEM;
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT || !(flags & TRAWL_OPEN_CREATE) || ar->readonly)
			return tw_fail(ar, TRAWL_ENOTFOUND,
				       "archive '%s' not found: ingest something first (trawl ingest PATH) or name it with --archive",
				       path);
	} else if (!S_ISREG(sb.st_mode)) {
		return tw_fail(ar, TRAWL_EINVAL, "archive '%s' is not a regular file", path);
	}
	rc = tw_db_open(path, ar->readonly, &ar->db);
	if (rc != SQLITE_OK)
		return tw_fail(ar, TRAWL_EDB, "cannot open archive '%s': %s", path,
			       ar->db ? sqlite3_errmsg(ar->db) : sqlite3_errstr(rc));
	/* SQLite opens a file it may not write read-only without saying so;
	 * writes would then fail halfway with its own error. */
	if (!ar->readonly && sqlite3_db_readonly(ar->db, "main") == 1)
		ar->readonly = TW_RO_FILE;
	if (!ar->readonly) {
		trawl_status st = tw_exec(ar, "PRAGMA auto_vacuum=INCREMENTAL;"
					     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
					     "PRAGMA wal_autocheckpoint=8192;");

		if (st)
			return st;
	}
	/* A quick read proves this is a database at all. */
	{
		trawl_status st = migrate(ar);

		if (st == TRAWL_EDB && strstr(ar->errmsg, "not a database"))
			return tw_fail(ar, TRAWL_ECORRUPT,
				       "'%s' is not a trawl archive (not a SQLite database)", path);
		if (st)
			return st;
	}
	return TRAWL_OK;
}

/* Forget the ids the writer remembers (closing, or after a rollback). */
void tw_store_release(trawl_archive *ar)
{
	tw_id_cache_clear(&ar->addrs);
	tw_id_cache_clear(&ar->pvals);
}

void trawl_archive_close(trawl_archive *ar)
{
	size_t i;

	if (!ar)
		return;
	for (i = 0; i < TW_ARRAY_LEN(ar->stmts); i++)
		sqlite3_finalize(ar->stmts[i]);
	for (i = 0; i < TW_ARRAY_LEN(ar->counts); i++)
		free(ar->counts[i].query);
	tw_store_release(ar);
	if (ar->db)
		sqlite3_close(ar->db);
	free(ar->path);
	free(ar);
}

const char *trawl_archive_errmsg(const trawl_archive *ar)
{
	return ar ? ar->errmsg : "out of memory";
}

int trawl_archive_writable(const trawl_archive *ar)
{
	return ar->readonly == TW_RO_NO;
}

const char *trawl_archive_path(const trawl_archive *ar)
{
	return ar->path;
}
