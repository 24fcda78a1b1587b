/*
 * plan.h - the planner's private side, shared by the files of lib/search/
 * only: a parsed query becomes a plan (plan.c), an FTS5 MATCH expression
 * plus an SQL predicate over `blobs b` with every user value a bound
 * parameter, which the readers wrap into whole statements (search.c for a
 * page of hits, count.c for totals, plan.c for sets of contents).
 *
 * The fields of the language are one table (fields.c, tw_fields[], indexed
 * by enum tw_field): each field's name, aliases, one-line help and the
 * function that compiles a field:value node into its predicate.  The parser
 * resolves a name to its id once; the planner dispatches through the table.
 */
#ifndef TW_SEARCH_PLAN_H
#define TW_SEARCH_PLAN_H

#include "search/search.h"
#include "archive/db.h"

#define TW_PLAN_PARAMS 256

typedef struct tw_plan {
	tw_buf match; /* FTS5 expression driving the query, may be empty */
	tw_buf where; /* SQL predicate over b, "1" when there is none */
	struct {
		int is_int;
		int64_t i;
		char *s;
	} params[TW_PLAN_PARAMS];
	int nparams;
	trawl_syntax_error *err;
	int failed;     /* err says why; the plan must not run */
	int oom;        /* ... and it is because memory ran out */
	int fts_drives; /* match is not empty: the index drives the query */
} tw_plan;

/* One field of the language; tw_fields[id] is the field with that id. */
typedef struct tw_field_def {
	const char *name;       /* canonical name; the FTS5 column of a text field */
	const char *aliases[4]; /* other names it answers to, NULL-terminated */
	const char *help;       /* one line for `trawl help query` and completion */
	int text;               /* words in the full-text index (subject, body) */
	const char *arg;        /* for compile: address roles, items column ... */
	/* Append the predicate of field node n to w (parameters go to pl);
	 * on a bad value, tw_plan_fail() with the node's position. */
	void (*compile)(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg);
} tw_field_def;

extern const tw_field_def tw_fields[TW_F_COUNT];

/* Parse `query` and build its plan, released with tw_plan_release().  On
 * failure there is nothing to release: the archive's message is set (and
 * err filled on TRAWL_ESYNTAX). */
trawl_status tw_plan_for(trawl_archive *ar, const char *query, tw_plan *pl,
			 trawl_syntax_error *err);
void tw_plan_release(tw_plan *pl);
/* Record the first failure (err->pos, and err->message printf-style). */
void tw_plan_fail(tw_plan *pl, size_t pos, const char *fmt, ...) TW_PRINTF(3, 4);
/* Record running out of memory while planning. */
void tw_plan_oom(tw_plan *pl);
/* Append "?N" to sql for a new parameter; s is copied (NULL is taken as a
 * failed allocation of the caller: the plan fails with TRAWL_ENOMEM). */
void tw_plan_str(tw_plan *pl, tw_buf *sql, const char *s);
void tw_plan_int(tw_plan *pl, tw_buf *sql, int64_t v);
/* How a predicate opens "the content is in this set" (see plan.c). */
const char *tw_plan_in_set(const tw_plan *pl);
/* Append the predicate "the text matches n" for a subtree of text
 * conditions, through the full-text index. */
void tw_plan_fts(tw_plan *pl, tw_buf *w, const tw_qnode *n);
/* Append the plan's source to sql: "<blobs b, driven by the index when the
 * plan has a MATCH><join> WHERE [fts MATCH ?N AND] b.extracted=1 AND
 * <where>".  `join` follows `blobs b` ("" for none).  Returns N, the
 * parameter number of the MATCH expression, or 0 without one. */
int tw_plan_source(tw_plan *pl, tw_buf *sql, const char *join);
/* The one check of a built SQL text before it runs, then prepare it and
 * bind the plan's parameters: a statement to finalize, or NULL with the
 * archive's message set and *st the status. */
sqlite3_stmt *tw_plan_prepare(trawl_archive *ar, tw_plan *pl, const tw_buf *sql,
			      trawl_status *st);
/* Non-zero when built SQL (or a value built like it) must not be used:
 * cut at its cap, an append failed for lack of memory, or no bytes at all. */
static inline int tw_sql_broken(const tw_buf *b)
{
	return b->truncated || tw_buf_failed(b) || !b->data;
}

/* The total of `query` (by conversation with by_thread) from the archive's
 * count cache, counting and caching it when it is not there (count.c). */
trawl_status tw_count_cached(trawl_archive *ar, const char *query, int by_thread,
			     int64_t *total, trawl_syntax_error *err);

#endif /* TW_SEARCH_PLAN_H */
