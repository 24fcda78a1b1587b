/*
 * select.h - the items a query selects, for the modules that work on
 * original bytes (lib/verify/evidence.c, lib/protect/export.c): one item per
 * distinct content (its first occurrence), oldest first.
 */
#ifndef TW_SELECT_H
#define TW_SELECT_H

#include "tw.h"

typedef struct tw_sel_item {
	int64_t id, blob, date;
	char *path;
} tw_sel_item;

typedef struct tw_sel {
	tw_sel_item *v;
	size_t n, cap;
} tw_sel;

/* Items of the contents matching `query` (NULL or "" for all); with
 * emails_only, messages only.  *out is freed with tw_sel_free(). */
trawl_status tw_select(trawl_archive *ar, const char *query, int emails_only, tw_sel **out,
		       trawl_syntax_error *err);
void tw_sel_free(tw_sel *s);
/* The exact original bytes of item `id`, appended to b. */
trawl_status tw_item_bytes(trawl_archive *ar, int64_t id, tw_buf *b);

#endif
