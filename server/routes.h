/*
 * routes.h - what the route handlers of `trawl serve` share: the handlers
 * themselves, for the one table in routes.c (srv_routes[]), and the few
 * helpers several route families use.  Handlers live by family:
 *   routes.c          the table, session and sign-in, the API index, helpers
 *   routes_search.c   query check, fields, search, timeline, facets
 *   routes_items.c    items, their text, raw bytes, HTML view, conversations
 *   routes_people.c   people, one person with contacts, the graph
 *   routes_marks.c    tags and notes (the only writes)
 *   routes_archive.c  statistics, errors, the server's own counters
 * A handler returns what srv_queue() returns, as an int.
 */
#ifndef TRAWL_SRV_ROUTES_H
#define TRAWL_SRV_ROUTES_H

#include "server.h"

/* The thread's read handle, or NULL with a 503 queued into *rc. */
trawl_archive *srv_reader(srv_req *r, int *rc);
/* A reader for a request naming an item (r->id) that exists; NULL, with
 * the answer sent (404 for a missing item), otherwise. */
trawl_archive *srv_item_reader(srv_req *r, int *rc);
/* The same, keeping the item in *it (free it with trawl_item_free()). */
trawl_archive *srv_item_load(srv_req *r, trawl_item **it, int *rc);
/* The reader for a request with a query: *q (NULL: the empty query, stored
 * back) must parse; NULL, with the answer sent (400, 503), otherwise. */
trawl_archive *srv_query_reader(srv_req *r, const char **q, trawl_syntax_error *err, int *rc);
/* The writable archive, locked (release with srv_writer_unlock()); NULL,
 * unlocked and with a 503 sent, when this server cannot write. */
trawl_archive *srv_writer(srv_req *r, int *rc);
/* Milliseconds since `start_us` (gettimeofday microseconds). */
double srv_ms_since(int64_t start_us);
/* 400 for a query that does not parse, with where. */
int srv_syntax_error(srv_req *r, const char *q, const trawl_syntax_error *err);
/* trawl_count_fn / trawl_note_fn appending a tag name / a note to the JSON
 * array `ud` (routes_marks.c). */
int srv_add_tag_name(const char *name, int64_t n, void *ud);
int srv_add_note(const trawl_note *n, void *ud);

/* routes.c */
int srv_h_index(srv_req *r);
int srv_h_session(srv_req *r);
int srv_h_login(srv_req *r);
int srv_h_logout(srv_req *r);
/* routes_search.c */
int srv_h_check(srv_req *r);
int srv_h_fields(srv_req *r);
int srv_h_search(srv_req *r);
int srv_h_timeline(srv_req *r);
int srv_h_facets(srv_req *r);
/* routes_items.c */
int srv_h_item(srv_req *r);
int srv_h_item_text(srv_req *r);
int srv_h_item_raw(srv_req *r);
int srv_h_item_html(srv_req *r);
int srv_h_item_thread(srv_req *r);
int srv_h_thread(srv_req *r);
/* routes_people.c */
int srv_h_people(srv_req *r);
int srv_h_person(srv_req *r);
int srv_h_graph(srv_req *r);
/* routes_marks.c */
int srv_h_tags(srv_req *r);
int srv_h_tags_bulk(srv_req *r);
int srv_h_item_tags(srv_req *r);
int srv_h_item_tag_add(srv_req *r);
int srv_h_item_tag_remove(srv_req *r);
int srv_h_item_notes(srv_req *r);
int srv_h_item_note_add(srv_req *r);
int srv_h_item_note_delete(srv_req *r);
/* routes_archive.c */
int srv_h_stats(srv_req *r);
int srv_h_errors(srv_req *r);
int srv_h_server(srv_req *r);

#endif
