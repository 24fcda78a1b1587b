/*
 * json.h - the JSON shapes of trawl's results, one definition for the
 * command line (`trawl search --json`, `show --json`, ...) and the web API
 * (`trawl serve`), so that a script gets the same object whichever way it
 * asks.  Both front ends include this header; it uses only the public API
 * (trawl.h) and jansson, and knows nothing of either of them.
 *
 * Names are `tj_`.  Every builder returns a new reference (json_decref()
 * it), or NULL when out of memory.  Evidence strings are copied as they
 * are: escaping for a terminal or for HTML is the caller's business, except
 * a hit's `snippet_html`, which is escaped with only <mark> elements added.
 * Dates are ISO 8601 UTC strings, or null when unknown.
 */
#ifndef TRAWL_JSON_H
#define TRAWL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "trawl.h"

/* The date format of every shape (and of the CLI's text output): ISO 8601
 * UTC, "2001-05-14T23:39:00Z", into buf (>= 32 bytes); "?" when the time
 * cannot be represented.  Returns buf. */
const char *tj_iso(int64_t t, char *buf, size_t n);
/* A string, or null for NULL. */
json_t *tj_str(const char *s);
/* tj_iso() as a string when `has`, else null. */
json_t *tj_date(int64_t t, int has);

/* Search, items, statistics, errors, findings (json/json.c). */
json_t *tj_hit(const trawl_hit *h);
/* `text` (may be NULL) is added as "text" when given. */
json_t *tj_item(const trawl_item *it, const char *text);
/* `ar` is asked for the counts by type. */
json_t *tj_stats(trawl_archive *ar, const trawl_stats *s);
json_t *tj_error(const trawl_error *e);
json_t *tj_finding(const trawl_finding *f);
/* The findings of item `id` as an array; NULL when they cannot be read
 * (the archive's message says why) or out of memory. */
json_t *tj_item_findings(trawl_archive *ar, int64_t id);

/* Investigation results (json/json_inv.c). */
json_t *tj_thread_msg(const trawl_thread_msg *m);
json_t *tj_thread(const trawl_thread *t);
json_t *tj_person(const trawl_person *p);
json_t *tj_contact(const trawl_contact *c);
json_t *tj_bucket(const trawl_bucket *b);
json_t *tj_facets(const trawl_facets *f);
json_t *tj_graph(const trawl_graph *g);
json_t *tj_note(const trawl_note *n);

#endif
