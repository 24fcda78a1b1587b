/*
 * reindex.c - what is derived from `texts` for searching: the language
 * of each text (tw_ar_text_langs, as an ingest goes) and the full-text
 * index with those languages rebuilt (trawl_reindex, e.g. after the
 * tokenizer changed).
 *
 * Languages are stored by one set-based statement per writer transaction
 * rather than by a trigger on `texts`: with the trigger (even one storing
 * a constant) the Enron ingest took 20% longer.
 *
 * FTS5's own 'rebuild' would do the index in one statement, but says
 * nothing while it runs (an hour on a large archive); this walks the texts
 * in id order instead, inserting each into fts (through fts_src, which
 * decompresses) and its language into text_lang, and reports every 1,000.
 * All in one transaction, so a stop or a failure leaves the old index.
 * The segments are merged at the end ('optimize'): a fresh index is read
 * more than it is written.
 */
#include "archive/archive.h"
#include "archive/db.h"

#define REINDEX_STEP 1000

trawl_status tw_ar_text_langs(trawl_archive *ar)
{
	/* Ids grow: the texts after the last one with a language are new
	 * (a deleted text takes its row of text_lang with it). */
	return tw_exec(ar, "INSERT INTO text_lang(id, lang) SELECT id, tw_lang(subject, body) FROM texts"
			   " WHERE id > (SELECT coalesce(max(id), 0) FROM text_lang)");
}

trawl_status trawl_reindex(trawl_archive *ar, trawl_reindex_fn progress, void *ud)
{
	sqlite3_stmt *rows = NULL, *lang = NULL, *ins = NULL, *count;
	int64_t total = 0, done = 0;
	trawl_status st;
	int rc;

	st = tw_writable(ar);
	if (st)
		return st;
	st = tw_exec(ar, "BEGIN IMMEDIATE");
	if (st)
		return st;
	count = tw_prepare(ar, "SELECT count(*) FROM texts", "counting texts");
	if (!count) {
		st = tw_dbstatus(ar);
		goto fail;
	}
	if (sqlite3_step(count) == SQLITE_ROW)
		total = sqlite3_column_int64(count, 0);
	sqlite3_finalize(count);
	st = tw_exec(ar, "INSERT INTO fts(fts) VALUES('delete-all'); DELETE FROM text_lang;");
	if (st)
		goto fail;
	/* One statement per text inserts it into the index; the language
	 * comes from the compressed body, which tw_lang() reads the start of. */
	rows = tw_prepare(ar, "SELECT id FROM texts ORDER BY id", "reading texts");
	lang = tw_prepare(ar,
			  "INSERT INTO text_lang(id, lang) SELECT id, tw_lang(subject, body) FROM texts"
			  " WHERE id = ?1",
			  "storing languages");
	ins = tw_prepare(ar,
			 "INSERT INTO fts(rowid, subject, body, names)"
			 " SELECT blob_id, subject, body, names FROM fts_src WHERE blob_id = ?1",
			 "indexing texts");
	if (!rows || !lang || !ins) {
		st = tw_dbstatus(ar);
		goto fail;
	}
	while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(rows, 0);

		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, id);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			st = tw_dbfail(ar, "indexing text");
			goto fail;
		}
		sqlite3_reset(lang);
		sqlite3_bind_int64(lang, 1, id);
		if (sqlite3_step(lang) != SQLITE_DONE) {
			st = tw_dbfail(ar, "storing the language of a text");
			goto fail;
		}
		done++;
		if (progress && done % REINDEX_STEP == 0 && progress(done, total, ud)) {
			st = tw_fail(ar, TRAWL_ECANCELLED, "reindex stopped: the index is as before");
			goto fail;
		}
	}
	if (rc != SQLITE_DONE) {
		st = tw_dbfail(ar, "reading texts");
		goto fail;
	}
	sqlite3_finalize(rows);
	sqlite3_finalize(lang);
	sqlite3_finalize(ins);
	rows = lang = ins = NULL;
	st = tw_exec(ar, "INSERT INTO fts(fts) VALUES('optimize')");
	if (st)
		goto fail;
	st = tw_exec(ar, "COMMIT");
	if (st)
		goto fail;
	if (progress)
		progress(done, total, ud);
	return TRAWL_OK;
fail:
	sqlite3_finalize(rows);
	sqlite3_finalize(lang);
	sqlite3_finalize(ins);
	{
		char msg[sizeof(ar->errmsg)];

		snprintf(msg, sizeof(msg), "%s", ar->errmsg);
		tw_exec(ar, "ROLLBACK");
		tw_fail(ar, st, "%s", msg);
	}
	return st;
}
