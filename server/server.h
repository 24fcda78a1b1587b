/*
 * server.h - the parts of `trawl serve` shared between its files: the
 * configuration, the request a handler receives, the route table and the
 * response helpers that put the security headers on every response.
 *
 * Modules and the way they depend on each other (one way, downward):
 *   serve.c (the command)  -> http.c, pool, cache, stats
 *   routes*.c (handlers)   -> http.c's helpers (this header), mailhtml.h, stats.h, pool.h
 *   http.c (policy, dispatch) -> cache.h, pool.h, stats.h
 *   cache.c, pool.c, stats.c, mailhtml.c: building blocks that include
 *   only their own header (and stats.h); http.c hands them its operations
 *   (srv_cache_ops, srv_pool_ops) instead of them calling into it.
 *
 * Layering: server/ uses only the public API (trawl.h) and the JSON shapes
 * of json/ (json.h); it holds no SQL.  Only serve.c, the `trawl serve`
 * command, uses cli/ (options, errors, exit statuses).  Names are `srv_` across files, static
 * otherwise.  Each libmicrohttpd worker thread reads through its own
 * trawl_archive handle (srv_archive()); the one writable handle, used only
 * for what reporters create (tags, notes), sits behind a mutex.
 */
#ifndef TRAWL_SERVER_H
#define TRAWL_SERVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#include "trawl.h"
#include "../json/json.h"
#include "cache.h"

/* Limits on what a client may send (all checked before any work). */
#define SRV_MAX_BODY (64 * 1024)     /* request body bytes */
#define SRV_MAX_URI (8 * 1024)       /* path and query string bytes */
#define SRV_MAX_PAGE 200             /* hits per page */
#define SRV_MAX_OFFSET 10000000      /* deepest offset a search may ask for */
#define SRV_MAX_RAW ((uint64_t)1 << 32) /* raw bytes served for one item */
#define SRV_MAX_HTML (16u << 20)     /* bytes of one email's HTML part */
#define SRV_MAX_PARAMS 4             /* {id}/{str} segments in a route */

typedef struct srv_config {
	char *archive_path;
	char token[129];      /* empty: no token configured */
	int require_token;    /* every peer must present the token, loopback too */
	int bind_loopback;    /* the listening address is a loopback address */
	unsigned threads;      /* pool threads running handlers */
	unsigned http_threads; /* libmicrohttpd polling threads */
} srv_config;

extern srv_config srv_cfg;

/* The security policy a response carries (Content-Security-Policy). */
typedef enum srv_policy {
	SRV_APP = 0,  /* the UI and the API: only same-origin scripts, styles, fetches */
	SRV_SANDBOX   /* an email's HTML: no scripts, no network, sandboxed origin */
} srv_policy;

typedef struct srv_arg_t {
	struct srv_arg_t *next;
	char value[];
} srv_arg_t;

typedef struct srv_req srv_req;
struct srv_req {
	struct MHD_Connection *conn;
	const char *method;
	const char *url;       /* path, percent-decoded by libmicrohttpd */
	size_t uri_len;        /* bytes of path and query as received */
	char *body;            /* request body, NUL-terminated, or NULL */
	size_t body_len;
	int body_too_big;
	int responded;         /* a response is queued (possibly before the body) */
	int authed;            /* token presented and valid */
	int peer_loopback;
	int64_t id;            /* the {id} segment, when the route has one */
	const char *param[SRV_MAX_PARAMS]; /* {str} segments (owned by the request) */
	char *seg_store;       /* storage behind param[] */
	int64_t started_us;
	char *uri;             /* path and query as received: the cache key */
	srv_cache_ticket cache; /* what cache.c knows of it (key: uri) */
	const struct srv_route *route; /* the handler, when run by the pool */
	int deferred;          /* responses are kept for libmicrohttpd's thread */
	struct MHD_Response *deferred_resp;
	unsigned deferred_status;
	srv_arg_t *args;       /* decoded arguments handed out by srv_arg() */
	int background;        /* a cache refresh: no connection, nobody waiting */
};

typedef int (*srv_handler)(srv_req *r);
struct srv_route;

enum {
	SRV_PUBLIC = 1 << 0, /* no token needed: static UI files, login */
	SRV_WRITE = 1 << 1,  /* changes reporter data: CSRF checks, empties the cache */
	SRV_CACHE = 1 << 2   /* GET answers may be served from the cache; the handler
			      * must depend on the URI only (a background refresh
			      * runs it with no connection: no headers, no peer) */
};

typedef struct srv_route {
	const char *method;  /* "GET", "POST", "PUT", "DELETE" */
	const char *pattern; /* "/api/items/{id}/raw": {id} a positive integer,
			      * {str} any one non-empty segment, {*} the rest */
	srv_handler fn;
	unsigned flags;
	const char *summary; /* one line, for GET /api */
} srv_route;

extern const srv_route srv_routes[];

/* ---------------------------------------------------------------- serve.c */

/* This worker thread's read-only archive handle, opened on first use;
 * NULL (and *why set) when the archive cannot be opened. */
trawl_archive *srv_archive(const char **why);
/* The writable handle for reporter data, locked; NULL when the archive is
 * read-only for this server.  Pair with srv_writer_unlock(). */
trawl_archive *srv_writer_lock(void);
void srv_writer_unlock(void);
/* 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104 (IPv4 loopback on a dual-stack socket). */
int srv_peer_is_loopback(const struct sockaddr *sa);

/* ---------------------------------------------------------------- http.c */

/* MHD callbacks (installed by serve.c). */
enum MHD_Result srv_access(void *cls, struct MHD_Connection *conn, const char *url,
			   const char *method, const char *version,
			   const char *upload_data, size_t *upload_data_size, void **con_cls);
void *srv_uri_log(void *cls, const char *uri, struct MHD_Connection *conn);
void srv_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		   enum MHD_RequestTerminationCode toe);

/* Queue `resp` with `status` and the security headers of `policy`; takes
 * ownership of resp.  Returns an MHD_Result as an int for handlers. */
int srv_queue(srv_req *r, unsigned status, struct MHD_Response *resp, srv_policy policy);
/* A JSON body (steals `v`; NULL means out of memory -> 500). */
int srv_json(srv_req *r, unsigned status, json_t *v);
/* {"status":S, "error":CODE, "message":MSG} with optional extra fields
 * (steals `extra`, may be NULL). */
int srv_error(srv_req *r, unsigned status, const char *code, const char *msg, json_t *extra);
/* Error from a library status on archive `ar` (404 for not found, ...). */
int srv_lib_error(srv_req *r, trawl_archive *ar, trawl_status st, const char *what);
/* A body from memory; `data` is copied when `copy`, else must be malloc'd
 * and is freed with the response. */
int srv_bytes(srv_req *r, unsigned status, const char *ctype, void *data, size_t len,
	      int copy, srv_policy policy);
/* Query-string argument or NULL. */
const char *srv_arg(srv_req *r, const char *name);
/* Integer argument within [lo, hi]; `def` when absent; -1 and a queued
 * 400 response when malformed (the handler returns *queued). */
int srv_int_arg(srv_req *r, const char *name, int64_t def, int64_t lo, int64_t hi,
		int64_t *out, int *queued);
/* A request header or NULL. */
const char *srv_header(srv_req *r, const char *name);
/* Request body parsed as a JSON object; NULL and a queued 400 when not. */
json_t *srv_body_json(srv_req *r, int *queued);

/* Install the cache's and the pool's operations and start `threads` pool
 * threads (-1 when none start): http.c is what connects them to requests. */
int srv_http_start(unsigned threads);

/* Constant-time comparison of a presented token against the configured one. */
int srv_token_ok(const char *presented, size_t len);

/* The web UI files, generated from web/ by tools/embed.sh. */
struct tw_asset {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct tw_asset tw_assets[];

#endif
