/*
 * routes.c - the JSON API of `trawl serve`: the one table registering every
 * route (srv_routes[], at the end), the session and sign-in routes, and the
 * helpers the route families share (routes.h).  docs/api.md is the
 * reference for clients; keep the two in step.
 *
 * Handlers run on a pool thread after http.c has checked sizes, access and
 * (for writes) the request's origin.  They read through the thread's own
 * archive handle (srv_archive()) and only through the public API; JSON
 * shapes shared with the command line come from json/, so `trawl search
 * --json` and GET /api/search agree field for field.  Items are named by
 * id only: nothing a client sends becomes a path on disk.
 */
#include <string.h>
#include <sys/time.h>

#include "routes.h"

/* Thread's read handle, or a 503 queued into *rc. */
trawl_archive *srv_reader(srv_req *r, int *rc)
{
	const char *why = NULL;
	trawl_archive *ar = srv_archive(&why);

	if (!ar)
		*rc = srv_error(r, 503, "archive_unavailable", why ? why : "cannot open the archive",
				NULL);
	return ar;
}

/* The reader and the item a request names (r->id) in *it (free it with
 * trawl_item_free()); NULL, with *it NULL and the answer sent (404 for a
 * missing item), otherwise. */
trawl_archive *srv_item_load(srv_req *r, trawl_item **it, int *rc)
{
	trawl_archive *ar = srv_reader(r, rc);
	trawl_status st;

	*it = NULL;
	if (!ar)
		return NULL;
	st = trawl_item_get(ar, r->id, it);
	if (st != TRAWL_OK) {
		trawl_item_free(*it);
		*it = NULL;
		*rc = srv_lib_error(r, ar, st, "cannot load the item");
		return NULL;
	}
	return ar;
}

/* A reader for a request naming an item (r->id) that exists; NULL, with
 * the answer sent (404 for a missing item), otherwise. */
trawl_archive *srv_item_reader(srv_req *r, int *rc)
{
	trawl_item *it;
	trawl_archive *ar = srv_item_load(r, &it, rc);

	trawl_item_free(it);
	return ar;
}

/* The reader for a request with a query: *q (NULL: the empty query,
 * stored back) must parse; NULL, with the answer sent (400 with where the
 * query fails, 503), otherwise.  err receives the parse error. */
trawl_archive *srv_query_reader(srv_req *r, const char **q, trawl_syntax_error *err, int *rc)
{
	if (!*q)
		*q = "";
	if (trawl_query_check(*q, err) != TRAWL_OK) {
		*rc = srv_syntax_error(r, *q, err);
		return NULL;
	}
	return srv_reader(r, rc);
}

/* The writable archive, locked (release with srv_writer_unlock()); NULL,
 * unlocked and with a 503 sent, when this server cannot write. */
trawl_archive *srv_writer(srv_req *r, int *rc)
{
	trawl_archive *w = srv_writer_lock();

	if (!w) {
		srv_writer_unlock();
		*rc = srv_error(r, 503, "read_only", "this server cannot write to the archive", NULL);
	}
	return w;
}

double srv_ms_since(int64_t start_us)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return ((double)((int64_t)tv.tv_sec * 1000000 + tv.tv_usec - start_us)) / 1000.0;
}

/* 400 for a query that does not parse, with where. */
int srv_syntax_error(srv_req *r, const char *q, const trawl_syntax_error *err)
{
	return srv_error(r, 400, "syntax", err->message,
			 json_pack("{s:I, s:s}", "position", (json_int_t)err->pos, "query", q));
}

/* ---------------------------------------------------------------- session */

int srv_h_session(srv_req *r)
{
	int need = srv_cfg.token[0] && (srv_cfg.require_token || !r->peer_loopback);
	trawl_archive *w = srv_writer_lock();
	int writable = w != NULL;

	json_t *eps = json_array();
	const srv_route *rt;

	srv_writer_unlock();
	/* The paths the UI may use, so that it needs one round trip to start. */
	for (rt = srv_routes; rt->method; rt++)
		if (!json_array_size(eps) || strcmp(json_string_value(json_array_get(eps, json_array_size(eps) - 1)),
						    rt->pattern))
			json_array_append_new(eps, json_string(rt->pattern));
	return srv_json(r, 200, json_pack("{s:s, s:b, s:b, s:b, s:o}", "version", TRAWL_VERSION,
					  "token_required", need, "authenticated", !need || r->authed,
					  "writable", writable, "endpoints", eps));
}

int srv_h_login(srv_req *r)
{
	int rc = MHD_NO;
	json_t *b = srv_body_json(r, &rc), *t;
	struct MHD_Response *resp;
	char cookie[256];
	static const char ok[] = "{\"ok\":true}";

	if (!b)
		return rc;
	t = json_object_get(b, "token");
	if (!srv_cfg.token[0] || !json_is_string(t) ||
	    !srv_token_ok(json_string_value(t), json_string_length(t))) {
		json_decref(b);
		/* No delay: a sleeping pool thread would be a cheap way to stall
		 * the server, and a 256-bit token cannot be guessed anyway. */
		return srv_error(r, 401, "unauthorized", srv_cfg.token[0] ? "wrong token"
									  : "this server has no token",
				 NULL);
	}
	json_decref(b);
	resp = MHD_create_response_from_buffer(sizeof(ok) - 1, (void *)ok, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	snprintf(cookie, sizeof(cookie), "trawl_token=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000",
		 srv_cfg.token);
	MHD_add_response_header(resp, "Set-Cookie", cookie);
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	return srv_queue(r, 200, resp, SRV_APP);
}

int srv_h_logout(srv_req *r)
{
	static const char ok[] = "{\"ok\":true}";
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(sizeof(ok) - 1, (void *)ok, MHD_RESPMEM_PERSISTENT);

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Set-Cookie",
				"trawl_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	return srv_queue(r, 200, resp, SRV_APP);
}

int srv_h_index(srv_req *r)
{
	json_t *a = json_array();
	const srv_route *rt;

	for (rt = srv_routes; rt->method; rt++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "method", rt->method, "path",
						   rt->pattern, "summary", rt->summary));
	return srv_json(r, 200, json_pack("{s:s, s:o}", "version", TRAWL_VERSION, "endpoints", a));
}

/* ---------------------------------------------------------------- table */

const srv_route srv_routes[] = {
	{"GET", "/api", srv_h_index, 0, "this list"},
	{"GET", "/api/session", srv_h_session, SRV_PUBLIC, "whether a token is needed, signed in, writable"},
	{"POST", "/api/login", srv_h_login, SRV_PUBLIC | SRV_WRITE, "sign in with {\"token\":...}: sets a cookie"},
	{"POST", "/api/logout", srv_h_logout, SRV_PUBLIC | SRV_WRITE, "sign out (clears the cookie)"},
	{"GET", "/api/check", srv_h_check, 0, "check a query's syntax: ?q="},
	{"GET", "/api/fields", srv_h_fields, 0, "the fields of the query language, with help"},
	{"GET", "/api/search", srv_h_search, SRV_CACHE, "search: ?q=&sort=&page=&size=&offset=&collapse=thread"},
	{"GET", "/api/items/{id}", srv_h_item, 0, "an item: metadata, addresses, family, children, text (?text=MAXBYTES)"},
	{"GET", "/api/items/{id}/text", srv_h_item_text, 0, "an item's whole extracted text (text/plain)"},
	{"GET", "/api/items/{id}/raw", srv_h_item_raw, 0, "an item's original bytes, as a download"},
	{"GET", "/api/items/{id}/html", srv_h_item_html, 0, "an email's HTML body for a sandboxed frame"},
	{"GET", "/api/items/{id}/thread", srv_h_item_thread, 0, "the conversation of an email"},
	{"GET", "/api/threads/{id}", srv_h_thread, 0, "a conversation by thread id: messages depth first"},
	{"GET", "/api/people", srv_h_people, SRV_CACHE, "people in the messages of a query: ?q=&match=&sort=messages|name&page=&size="},
	{"GET", "/api/people/{*}", srv_h_person, SRV_CACHE, "a person (id or address): addresses, names, contacts (?q=)"},
	{"GET", "/api/graph", srv_h_graph, SRV_CACHE, "who writes to whom: ?q=&max=&min="},
	{"GET", "/api/timeline", srv_h_timeline, SRV_CACHE, "counts over time: ?q=&by=auto|day|week|month|year"},
	{"GET", "/api/facets", srv_h_facets, SRV_CACHE, "counts by sender, recipient, type, year, month, tag, ...: ?q=&limit="},
	{"GET", "/api/tags", srv_h_tags, SRV_CACHE, "every tag with its number of contents"},
	{"POST", "/api/tags", srv_h_tags_bulk, SRV_WRITE, "tag the contents a query matches: {query, add, remove}"},
	{"GET", "/api/items/{id}/tags", srv_h_item_tags, 0, "an item's tags"},
	{"POST", "/api/items/{id}/tags", srv_h_item_tag_add, SRV_WRITE, "tag an item's content: {tag}"},
	{"DELETE", "/api/items/{id}/tags/{*}", srv_h_item_tag_remove, SRV_WRITE, "remove a tag"},
	{"GET", "/api/items/{id}/notes", srv_h_item_notes, 0, "an item's notes"},
	{"POST", "/api/items/{id}/notes", srv_h_item_note_add, SRV_WRITE, "add a note to an item's content: {text}"},
	{"DELETE", "/api/items/{id}/notes/{str}", srv_h_item_note_delete, SRV_WRITE, "delete a note"},
	{"GET", "/api/server", srv_h_server, 0, "the server's own counters: cache, queue, timings"},
	{"GET", "/api/stats", srv_h_stats, SRV_CACHE, "counts of what the archive holds"},
	{"GET", "/api/errors", srv_h_errors, 0, "inputs and items that failed: ?offset=&size="},
	{NULL, NULL, NULL, 0, NULL},
};
