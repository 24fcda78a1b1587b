/*
 * fts.h - the SQLite side of the text layer: the FTS5 tokenizer `trawl`
 * and the SQL function tw_lang(), registered on every connection trawl
 * opens (tw_db_open).  Private to lib/archive/ and lib/search/, like db.h.
 */
#ifndef TW_ARCHIVE_FTS_H
#define TW_ARCHIVE_FTS_H

#include <sqlite3.h>

/*
 * Register on `db`:
 *   - the FTS5 tokenizer "trawl" (lib/text/text.h gives the token
 *     contract).  Arguments: `lang L1,L2...` names languages (ISO 639-1;
 *     tokenize="trawl lang 'fr,en'" quotes the list)
 *     that are always query languages, the first also stemming texts whose
 *     language cannot be detected.  Query languages are otherwise those of
 *     the table text_lang that hold a share of the texts (read when the
 *     first query is tokenized, again after a minute);
 *   - tw_lang(subject, body): the language code of a text (body: text, or
 *     a blob compressed by tw_deflate), detected on the body, else on the
 *     subject; NULL when it cannot be told.
 * Returns SQLITE_OK or SQLite's error (FTS5 missing, out of memory).
 */
int tw_fts_register(sqlite3 *db);

#endif
