/*
 * search.h - the query language and the planner (lib/search/): parse a
 * query (query.c) against the table of fields (fields.c), turn it into a
 * plan over the archive (plan.c; private side in plan.h), run it for a page
 * of hits (search.c) or a total (count.c), and the aggregate readers built
 * on it (stats.c, facets.c).
 *
 * This layer reads the archive; with lib/archive/ it is the only code that
 * issues SQL.
 */
#ifndef TW_SEARCH_H
#define TW_SEARCH_H

#include "archive/archive.h"

/* The parsed query language (lib/search/query.c); see docs/query.md. */
enum tw_qkind { TW_Q_ALL, TW_Q_AND, TW_Q_OR, TW_Q_NOT, TW_Q_TERM, TW_Q_PHRASE, TW_Q_FIELD };

/* The fields of the language, in the order help and completion list them;
 * their names, help and compilers are one table (lib/search/fields.c). */
enum tw_field {
	TW_F_FROM, TW_F_TO, TW_F_CC, TW_F_BCC, TW_F_RECIPIENT, TW_F_CONTACT,
	TW_F_SUBJECT, TW_F_BODY, TW_F_DATE, TW_F_HAS, TW_F_FILENAME, TW_F_ID,
	TW_F_MID, TW_F_TYPE, TW_F_EXT, TW_F_MIME, TW_F_PATH, TW_F_AUTHOR,
	TW_F_SIZE, TW_F_DEPTH, TW_F_KIND, TW_F_LABEL, TW_F_THREAD, TW_F_PERSON,
	TW_F_TAG, TW_F_PII, TW_F_DKIM, TW_F_LANG,
	TW_F_COUNT
};

typedef struct tw_qnode {
	int kind;
	enum tw_field fid;   /* TW_Q_FIELD: which field */
	const char *field;   /* TW_Q_FIELD: its canonical name (static) */
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
/* Call fn for every blob id matching `query` (lib/search/plan.c), in no order;
 * fn returns non-zero to stop. */
trawl_status tw_search_blobs(trawl_archive *ar, const char *query,
			     int (*fn)(int64_t blob, void *ud), void *ud,
			     trawl_syntax_error *err);
/* The field called `name` (n bytes, any case, aliases included), with its
 * canonical name in *canonical (static); -1 when there is none. */
int tw_field_find(const char *name, size_t n, const char **canonical);
/* Fill temp table `table` (blob_id INTEGER PRIMARY KEY; created if needed,
 * emptied first) with the contents matching `query` (lib/search/plan.c).
 * `count` and `all` (may be NULL) receive the number of matches and whether
 * the query is the empty one (matches everything). */
trawl_status tw_query_temp(trawl_archive *ar, const char *query, const char *table,
			   int64_t *count, int *all, trawl_syntax_error *err);

#endif /* TW_SEARCH_H */
