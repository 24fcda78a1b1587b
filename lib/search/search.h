/*
 * search.h - the query language and the planner (lib/search/): parse a
 * query (query.c), turn it into a plan over the archive (search.c), and the
 * aggregate readers built on it (stats.c, facets.c).
 *
 * This layer reads the archive; with lib/archive/ it is the only code that
 * issues SQL.
 */
#ifndef TW_SEARCH_H
#define TW_SEARCH_H

#include "archive/archive.h"

/* The parsed query language (lib/search/query.c); see docs/query.md. */
enum tw_qkind { TW_Q_ALL, TW_Q_AND, TW_Q_OR, TW_Q_NOT, TW_Q_TERM, TW_Q_PHRASE, TW_Q_FIELD };

typedef struct tw_qnode {
	int kind;
	const char *field;   /* TW_Q_FIELD: canonical field name (static) */
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
/* Call fn for every blob id matching `query` (lib/search/search.c), in no order;
 * fn returns non-zero to stop. */
trawl_status tw_search_blobs(trawl_archive *ar, const char *query,
			     int (*fn)(int64_t blob, void *ud), void *ud,
			     trawl_syntax_error *err);
/* Fields of the language, with their one-line help (NULL-terminated). */
extern const char *const tw_query_fields[][2];
/* Fill temp table `table` (blob_id INTEGER PRIMARY KEY; created if needed,
 * emptied first) with the contents matching `query` (lib/search/search.c).
 * `count` and `all` (may be NULL) receive the number of matches and whether
 * the query is the empty one (matches everything). */
trawl_status tw_query_temp(trawl_archive *ar, const char *query, const char *table,
			   int64_t *count, int *all, trawl_syntax_error *err);

#endif /* TW_SEARCH_H */
