/*
 * http.c - request policy for `trawl serve`: every request passes through
 * here before a route handler sees it, and every response leaves through
 * srv_queue(), which adds the security headers.
 *
 * The order of checks is the order of cost: size limits first (URI, body),
 * then the route, then access (token or trusted loopback peer, Host header
 * against DNS rebinding), then the CSRF checks on writes, and only then the
 * handler.  Static UI files are served without a token because they hold no
 * evidence; everything under /api/ needs one when the peer is not trusted.
 *
 * Work on the archive runs on the pool (pool.c) and cacheable answers go
 * through the cache (cache.c); both are building blocks that know nothing
 * of requests, and this file gives them what to do with one (srv_pool_ops,
 * srv_cache_ops, installed by srv_http_start()).
 *
 * Responses carry a Content-Security-Policy: the strict app policy for the
 * UI and the API, and a sandbox policy (no scripts, no network, opaque
 * origin) for the one endpoint that returns an email's own HTML.  Raw
 * evidence is always application/octet-stream and an attachment, never
 * something a browser would render.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "cache.h"
#include "pool.h"
#include "server.h"
#include "stats.h"

static const char csp_app[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
	"frame-ancestors 'none'";
/* The brief policy plus what can only tighten it: where it may be framed,
 * no <base>, no form targets. */
static const char csp_sandbox[] =
	"default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
	"base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

static int64_t now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void submit(srv_req *r);
static void req_free(srv_req *r);

/* ---------------------------------------------------------------- responses */

int srv_queue(srv_req *r, unsigned status, struct MHD_Response *resp, srv_policy policy)
{
	enum MHD_Result ok;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Security-Policy",
				policy == SRV_SANDBOX ? csp_sandbox : csp_app);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Frame-Options",
				policy == SRV_SANDBOX ? "SAMEORIGIN" : "DENY");
	/* <link rel=dns-prefetch> is outside CSP: no lookups of names in evidence. */
	MHD_add_response_header(resp, "X-DNS-Prefetch-Control", "off");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(resp, "Permissions-Policy",
				"camera=(), microphone=(), geolocation=(), payment=(), usb=()");
	if (status >= 500)
		fprintf(stderr, "trawl: %s %s -> %u\n", r->method, r->url, status);
	if (!r->conn) {
		/* A background refresh: the body went to the cache already. */
		MHD_destroy_response(resp);
		return MHD_YES;
	}
	if (r->deferred) {
		/* A pool thread: libmicrohttpd's thread queues it on resume. */
		if (r->deferred_resp)
			MHD_destroy_response(r->deferred_resp);
		r->deferred_resp = resp;
		r->deferred_status = status;
		return MHD_YES;
	}
	ok = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ok;
}

int srv_bytes(srv_req *r, unsigned status, const char *ctype, void *data, size_t len,
	      int copy, srv_policy policy)
{
	struct MHD_Response *resp;

	if (r->cache.owner) {
		/* Answers that depend only on the archive and the URI: what
		 * worked, and what was wrong with the request. */
		int keep = (status == 200 || status == 400) && ctype && !strncmp(ctype, "application/json", 16);

		srv_cache_end(&r->cache, keep ? data : NULL, len, status);
	}
	resp = MHD_create_response_from_buffer(len, data,
					       copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		if (!copy)
			free(data);
		return MHD_NO;
	}
	if (ctype)
		MHD_add_response_header(resp, "Content-Type", ctype);
	return srv_queue(r, status, resp, policy);
}

int srv_json(srv_req *r, unsigned status, json_t *v)
{
	char *s;

	if (!v)
		return srv_bytes(r, 500, "application/json; charset=utf-8",
				 (void *)"{\"status\":500,\"error\":\"nomem\",\"message\":\"out of memory\"}",
				 57, 1, SRV_APP);
	s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (!s)
		return srv_json(r, status, NULL);
	return srv_bytes(r, status, "application/json; charset=utf-8", s, strlen(s), 0, SRV_APP);
}

int srv_error(srv_req *r, unsigned status, const char *code, const char *msg, json_t *extra)
{
	json_t *o = json_pack("{s:I, s:s, s:s}", "status", (json_int_t)status, "error", code,
			      "message", msg ? msg : "");

	if (o && extra)
		json_object_update(o, extra);
	json_decref(extra);
	return srv_json(r, status, o);
}

int srv_lib_error(srv_req *r, trawl_archive *ar, trawl_status st, const char *what)
{
	char msg[700];
	unsigned status = 500;

	snprintf(msg, sizeof(msg), "%s: %s", what, ar ? trawl_archive_errmsg(ar) : trawl_status_str(st));
	/* The same answer as a server that has no writable handle at all
	 * (routes.c): the request was right, this archive cannot take it. */
	if (st == TRAWL_EREADONLY)
		return srv_error(r, 503, "read_only", msg, NULL);
	switch (st) {
	case TRAWL_ENOTFOUND: status = 404; break;
	case TRAWL_ESYNTAX:
	case TRAWL_EINVAL: status = 400; break;
	case TRAWL_ELIMIT: status = 413; break;
	case TRAWL_EBUSY:
	case TRAWL_ENOMEM: status = 503; break;
	default: break;
	}
	return srv_error(r, status, trawl_status_str(st), msg, NULL);
}

/* ---------------------------------------------------------------- inputs */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Arguments come from the URI as received rather than from
 * libmicrohttpd, so that a handler can also run for a cache refresh that
 * has no connection (cache.c).  The first occurrence of a name wins;
 * '+' is a space and %XX a byte, as in HTML forms. */
const char *srv_arg(srv_req *r, const char *name)
{
	const char *q = r->uri ? strchr(r->uri, '?') : NULL;
	size_t nl = strlen(name);

	while (q && *q) {
		const char *k = q + 1, *eq, *end = strchr(k, '&');
		size_t kl;

		if (!end)
			end = k + strlen(k);
		eq = memchr(k, '=', (size_t)(end - k));
		kl = (size_t)((eq ? eq : end) - k);
		if (kl == nl && !memcmp(k, name, nl)) {
			const char *v = eq ? eq + 1 : end;
			size_t n = (size_t)(end - v), o = 0, i;
			srv_arg_t *a = malloc(sizeof(*a) + n + 1);

			if (!a)
				return NULL;
			for (i = 0; i < n; i++) {
				if (v[i] == '+') {
					a->value[o++] = ' ';
				} else if (v[i] == '%' && i + 2 < n && hexval(v[i + 1]) >= 0 &&
					   hexval(v[i + 2]) >= 0) {
					a->value[o++] = (char)(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
					i += 2;
				} else {
					a->value[o++] = v[i];
				}
			}
			a->value[o] = '\0';
			/* A NUL from %00 ends the value, as a C string must. */
			a->next = r->args;
			r->args = a;
			return a->value;
		}
		q = *end ? end : NULL;
	}
	return NULL;
}

const char *srv_header(srv_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int srv_int_arg(srv_req *r, const char *name, int64_t def, int64_t lo, int64_t hi,
		int64_t *out, int *queued)
{
	const char *s = srv_arg(r, name);
	char *end, msg[200];
	long long v;

	if (!s || !*s) {
		*out = def;
		return 0;
	}
	v = strtoll(s, &end, 10);
	if (*end || v < lo || v > hi) {
		snprintf(msg, sizeof(msg), "'%s' takes a whole number from %lld to %lld", name,
			 (long long)lo, (long long)hi);
		*queued = srv_error(r, 400, "bad_argument", msg, json_pack("{s:s}", "argument", name));
		return -1;
	}
	*out = v;
	return 0;
}

json_t *srv_body_json(srv_req *r, int *queued)
{
	json_error_t je;
	json_t *v;

	if (!r->body) {
		*queued = srv_error(r, 400, "bad_body", "this request needs a JSON object as its body", NULL);
		return NULL;
	}
	v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!v || !json_is_object(v)) {
		char msg[300];

		snprintf(msg, sizeof(msg), "the body is not a JSON object%s%s", v ? "" : ": ",
			 v ? "" : je.text);
		json_decref(v);
		*queued = srv_error(r, 400, "bad_body", msg, NULL);
		return NULL;
	}
	return v;
}

/* ---------------------------------------------------------------- access */

int srv_token_ok(const char *presented, size_t len)
{
	size_t n = strlen(srv_cfg.token), i;
	unsigned diff;

	if (!n || !presented)
		return 0;
	/* Same work whatever the presented bytes; only the configured length
	 * (not secret: 64 for generated tokens) shapes the loop. */
	diff = (unsigned)(len != n);
	for (i = 0; i < n; i++)
		diff |= (unsigned char)srv_cfg.token[i] ^ (unsigned char)(i < len ? presented[i] : 0);
	return diff == 0;
}

static int token_presented(srv_req *r)
{
	const char *auth = srv_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "trawl_token");

	if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
		const char *t = auth + 7;

		while (*t == ' ')
			t++;
		if (srv_token_ok(t, strlen(t)))
			return 1;
	}
	return cookie && srv_token_ok(cookie, strlen(cookie));
}

/* A Host a browser uses for this machine: an IP literal or localhost.  A
 * page served from some other name that resolves here (DNS rebinding)
 * must not read the archive through a trusting loopback server. */
static int host_ok(const char *host)
{
	char h[80];
	const char *end;
	size_t n;
	unsigned char a[16];

	if (!host)
		return 1; /* HTTP/1.0 without Host: not a browser on another site */
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end || (size_t)(end - host - 1) >= sizeof(h))
			return 0;
		memcpy(h, host + 1, (size_t)(end - host - 1));
		h[end - host - 1] = '\0';
		return inet_pton(AF_INET6, h, a) == 1;
	}
	end = strrchr(host, ':');
	n = end ? (size_t)(end - host) : strlen(host);
	if (n == 0 || n >= sizeof(h))
		return 0;
	memcpy(h, host, n);
	h[n] = '\0';
	return strcasecmp(h, "localhost") == 0 || inet_pton(AF_INET, h, a) == 1;
}

/* Writes must come from the UI itself: a JSON body (which a cross-site
 * form cannot send without a CORS preflight we never answer) and, when the
 * browser says where the request comes from, the same origin. */
static int write_checks(srv_req *r)
{
	const char *ct = srv_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *origin = srv_header(r, "Origin");
	const char *site = srv_header(r, "Sec-Fetch-Site");
	const char *host = srv_header(r, MHD_HTTP_HEADER_HOST);

	if (!ct || strncasecmp(ct, "application/json", 16) != 0)
		return srv_error(r, 415, "bad_content_type",
				 "send the body as Content-Type: application/json", NULL);
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return srv_error(r, 403, "cross_site", "cross-site requests may not change the archive",
				 NULL);
	if (origin && strcmp(origin, "null") != 0) {
		const char *o = origin;

		if (strncmp(o, "http://", 7) == 0)
			o += 7;
		else if (strncmp(o, "https://", 8) == 0)
			o += 8;
		if (!host || strcasecmp(o, host) != 0)
			return srv_error(r, 403, "cross_site",
					 "the Origin of this request is not this server", NULL);
	} else if (origin) {
		return srv_error(r, 403, "cross_site", "opaque origins may not change the archive", NULL);
	}
	return -1;
}

/* ---------------------------------------------------------------- routing */

/* Match `path` against `pattern`; fills r->id and r->param on success. */
static int route_match(const char *pattern, const char *path, srv_req *r)
{
	const char *p = pattern, *u = path;
	const char *spans[SRV_MAX_PARAMS];
	size_t lens[SRV_MAX_PARAMS];
	int np = 0, i;
	int64_t id = 0;

	while (*p && *u) {
		if (*p != '/' || *u != '/')
			return 0;
		p++;
		u++;
		{
			const char *pe = strchr(p, '/'), *ue;
			size_t pl = pe ? (size_t)(pe - p) : strlen(p), ul;

			if (pl == 3 && !strncmp(p, "{*}", 3)) {
				ul = strlen(u);
				if (!ul || np == SRV_MAX_PARAMS)
					return 0;
				spans[np] = u;
				lens[np++] = ul;
				p += pl;
				u += ul;
				continue;
			}
			ue = strchr(u, '/');
			ul = ue ? (size_t)(ue - u) : strlen(u);
			if (pl == 4 && !strncmp(p, "{id}", 4)) {
				size_t k;

				if (ul == 0 || ul > 18)
					return 0;
				id = 0;
				for (k = 0; k < ul; k++) {
					if (u[k] < '0' || u[k] > '9')
						return 0;
					id = id * 10 + (u[k] - '0');
				}
				if (id <= 0)
					return 0;
			} else if (pl == 5 && !strncmp(p, "{str}", 5)) {
				if (ul == 0 || np == SRV_MAX_PARAMS)
					return 0;
				spans[np] = u;
				lens[np++] = ul;
			} else if (pl != ul || strncmp(p, u, pl) != 0) {
				return 0;
			}
			p += pl;
			u += ul;
		}
	}
	if (*p || (*u && strcmp(u, "/") != 0))
		return 0;
	r->id = id;
	if (np) {
		size_t total = 0, off = 0;

		for (i = 0; i < np; i++)
			total += lens[i] + 1;
		free(r->seg_store);
		r->seg_store = malloc(total);
		if (!r->seg_store)
			return 0;
		for (i = 0; i < np; i++) {
			memcpy(r->seg_store + off, spans[i], lens[i]);
			r->seg_store[off + lens[i]] = '\0';
			r->param[i] = r->seg_store + off;
			off += lens[i] + 1;
		}
	}
	return 1;
}

static const struct tw_asset *asset(const char *name)
{
	const struct tw_asset *a;

	for (a = tw_assets; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

static const char *asset_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".html"))
		return "text/html; charset=utf-8";
	if (!strcmp(dot, ".js"))
		return "text/javascript; charset=utf-8";
	if (!strcmp(dot, ".css"))
		return "text/css; charset=utf-8";
	if (!strcmp(dot, ".svg"))
		return "image/svg+xml";
	if (!strcmp(dot, ".png"))
		return "image/png";
	if (!strcmp(dot, ".ico"))
		return "image/x-icon";
	return "application/octet-stream";
}

/* The UI: /assets/NAME for its files, index.html for every other page
 * path, since the UI routes on the path (every view is a permalink). */
static int serve_static(srv_req *r)
{
	const struct tw_asset *a;
	const char *name = "index.html";

	if (!strncmp(r->url, "/assets/", 8))
		name = r->url + 8;
	a = asset(name);
	if (!a)
		return srv_error(r, 404, "not_found", "no such file", NULL);
	return srv_bytes(r, 200, asset_type(a->name), (void *)a->data, a->len, 1, SRV_APP);
}

static int dispatch(srv_req *r)
{
	const srv_route *rt, *found = NULL;
	int path_known = 0, is_get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
	int need_token, rc;

	if (r->uri_len > SRV_MAX_URI)
		return srv_error(r, 414, "uri_too_long", "the request URI is longer than 8 KiB", NULL);
	if (r->body_too_big)
		return srv_error(r, 413, "body_too_big", "the request body is larger than 64 KiB", NULL);
	for (rt = srv_routes; rt->method; rt++) {
		if (!route_match(rt->pattern, r->url, r))
			continue;
		path_known = 1;
		if (!strcmp(rt->method, r->method) || (is_get && !strcmp(rt->method, "GET"))) {
			found = rt;
			break;
		}
	}
	if (!found) {
		if (path_known)
			return srv_error(r, 405, "method_not_allowed",
					 "this path does not take that method", NULL);
		if (is_get && strncmp(r->url, "/api/", 5) != 0 && strcmp(r->url, "/api") != 0)
			return serve_static(r);
		return srv_error(r, 404, "not_found", "no such endpoint; GET /api lists them", NULL);
	}
	need_token = srv_cfg.token[0] && (srv_cfg.require_token || !r->peer_loopback);
	r->authed = srv_cfg.token[0] && token_presented(r);
	if (!(found->flags & SRV_PUBLIC)) {
		if (need_token && !r->authed) {
			struct MHD_Response *resp;
			static const char body[] =
				"{\"status\":401,\"error\":\"unauthorized\",\"message\":\"this server needs its access token: "
				"send 'Authorization: Bearer TOKEN' or sign in\"}";

			resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
							       MHD_RESPMEM_PERSISTENT);
			if (!resp)
				return MHD_NO;
			MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
			MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"trawl\"");
			return srv_queue(r, 401, resp, SRV_APP);
		}
		if (!r->authed && !host_ok(srv_header(r, MHD_HTTP_HEADER_HOST)))
			return srv_error(r, 403, "bad_host",
					 "the Host header must name this machine by address or as localhost",
					 NULL);
	}
	if (found->flags & SRV_WRITE) {
		rc = write_checks(r);
		if (rc >= 0)
			return rc;
	}
	SRV_COUNT(requests, 1);
	if ((found->flags & SRV_CACHE) && r->uri) {
		char *body = NULL;
		size_t len = 0;
		unsigned status = 0;

		if (srv_cache_peek(r->uri, found, &body, &len, &status)) {
			struct MHD_Response *resp =
				MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);

			SRV_COUNT(cache_hits, 1);
			if (!resp) {
				free(body);
				return MHD_NO;
			}
			MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
			MHD_add_response_header(resp, "X-Trawl-Cache", "hit");
			return srv_queue(r, status, resp, SRV_APP);
		}
	}
	/* Work on the archive happens on the pool (pool.c), never on this
	 * thread, which polls other connections too. */
	r->route = found;
	r->deferred = 1;
	MHD_suspend_connection(r->conn);
	if ((found->flags & SRV_CACHE) && r->uri) {
		switch (srv_cache_park(&r->cache)) {
		case SRV_CACHE_HIT:
			SRV_COUNT(cache_hits, 1);
			return MHD_YES;
		case SRV_CACHE_WAIT:
			SRV_COUNT(cache_waits, 1);
			return MHD_YES;
		case SRV_CACHE_MISS:
		case SRV_CACHE_BYPASS:
			break;
		}
	}
	submit(r);
	return MHD_YES;
}

/* ---------------------------------------------------------------- the pool's and the cache's operations */

/* Run r->route's handler (on a pool thread). */
static void run_handler(srv_req *r)
{
	const srv_route *rt = r->route;

	rt->fn(r);
	if (r->cache.owner) {
		/* Nothing cacheable came out: the parked requests compute. */
		srv_cache_end(&r->cache, NULL, 0, 0);
	}
	if (rt->flags & SRV_WRITE)
		srv_cache_clear();
}

/* Give the request its response and hand it back to libmicrohttpd; a
 * background refresh has nobody to answer. */
static void finish(srv_req *r)
{
	if (r->background) {
		if (r->cache.owner)
			srv_cache_end(&r->cache, NULL, 0, 0);
		req_free(r);
		return;
	}
	if (!r->deferred_resp)
		srv_error(r, 500, "internal", "the request produced no response", NULL);
	MHD_resume_connection(r->conn);
}

static void pool_run(void *task, int background)
{
	run_handler(task);
	finish(task);
}

static void pool_refuse(void *task, int background)
{
	srv_req *r = task;

	if (!r->background)
		srv_error(r, 503, "stopping", "the server is stopping", NULL);
	finish(r);
}

static const srv_pool_ops pool_ops = {pool_run, pool_refuse};

/* A suspended request goes to the pool; a full queue answers 503 now. */
static void submit(srv_req *r)
{
	if (srv_pool_submit(r, 0) != 0) {
		srv_error(r, 503, "busy", "the server has too many requests waiting; try again", NULL);
		MHD_resume_connection(r->conn);
	}
}

/* Answer a parked or parking request from a stored body: its response is
 * kept for libmicrohttpd's thread and the connection resumed. */
static void cache_answer(void *req, const char *body, size_t len, unsigned status)
{
	srv_req *r = req;
	char *copy = malloc(len ? len : 1);
	struct MHD_Response *resp;

	if (!copy) {
		srv_json(r, 500, NULL);
		MHD_resume_connection(r->conn);
		return;
	}
	memcpy(copy, body, len);
	resp = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(copy);
		srv_json(r, 500, NULL);
	} else {
		MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
		MHD_add_response_header(resp, "X-Trawl-Cache", "hit");
		srv_queue(r, status, resp, SRV_APP);
	}
	MHD_resume_connection(r->conn);
}

static void cache_retry(void *req)
{
	submit(req);
}

/* A request with no connection that runs `route` for `key` on the pool
 * and stores what it produces in place of the stale answer. */
static int cache_refresh(const char *key, const void *route, uint64_t gen, uint64_t fp)
{
	srv_req *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->uri = strdup(key);
	f->route = route;
	f->method = "GET";
	f->url = "(refresh)";
	f->deferred = 1;
	f->background = 1;
	f->cache.key = f->uri;
	f->cache.req = f;
	f->cache.owner = 1;
	f->cache.refresh = 1;
	f->cache.gen = gen;
	f->cache.fp = fp;
	if (!f->uri || srv_pool_submit(f, 1) != 0) {
		req_free(f);
		return -1;
	}
	return 0;
}

static const srv_cache_ops cache_ops = {cache_answer, cache_retry, cache_refresh};

int srv_http_start(unsigned threads)
{
	srv_cache_init(srv_cfg.archive_path, &cache_ops);
	return srv_pool_start(threads, &pool_ops);
}

/* ---------------------------------------------------------------- MHD glue */

void *srv_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	srv_req *r = calloc(1, sizeof(*r));

	if (r) {
		r->uri_len = uri ? strlen(uri) : 0;
		r->started_us = now_us();
		/* Kept as the cache key; libmicrohttpd bounds it by its
		 * connection memory (64 KiB). */
		r->uri = uri ? strdup(uri) : NULL;
		r->cache.key = r->uri;
		r->cache.req = r;
	}
	return r;
}

static void req_free(srv_req *r)
{
	while (r->args) {
		srv_arg_t *n = r->args->next;

		free(r->args);
		r->args = n;
	}
	free(r->body);
	free(r->seg_store);
	free(r->uri);
	free(r);
}

void srv_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		   enum MHD_RequestTerminationCode toe)
{
	srv_req *r = *con_cls;

	if (!r)
		return;
	if (r->url && !strncmp(r->url, "/api/", 5) && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		srv_latency_record(now_us() - r->started_us);
	if (r->cache.owner)
		srv_cache_end(&r->cache, NULL, 0, 0);
	if (r->deferred_resp)
		MHD_destroy_response(r->deferred_resp);
	req_free(r);
	*con_cls = NULL;
}

enum MHD_Result srv_access(void *cls, struct MHD_Connection *conn, const char *url,
			   const char *method, const char *version,
			   const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	srv_req *r = *con_cls;

	if (!r)
		return MHD_NO; /* out of memory in srv_uri_log: drop the connection */
	if (!r->conn) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const char *len;

		r->conn = conn;
		r->method = method;
		r->url = url;
		r->peer_loopback = ci && srv_peer_is_loopback(ci->client_addr);
		len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (len && strtoull(len, NULL, 10) > SRV_MAX_BODY) {
			/* Refuse before reading: answer now, the connection closes. */
			r->body_too_big = 1;
			r->responded = 1;
			return (enum MHD_Result)srv_error(r, 413, "body_too_big",
							  "the request body is larger than 64 KiB", NULL);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		if (!r->body_too_big) {
			if (r->body_len + n > SRV_MAX_BODY) {
				r->body_too_big = 1;
				free(r->body);
				r->body = NULL;
				r->body_len = 0;
			} else {
				char *nb = realloc(r->body, r->body_len + n + 1);

				if (!nb)
					return MHD_NO;
				memcpy(nb + r->body_len, upload_data, n);
				r->body = nb;
				r->body_len += n;
				r->body[r->body_len] = '\0';
			}
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->deferred_resp) {
		/* Resumed by the pool with the response ready. */
		enum MHD_Result ok = MHD_queue_response(conn, r->deferred_status, r->deferred_resp);

		MHD_destroy_response(r->deferred_resp);
		r->deferred_resp = NULL;
		return ok;
	}
	if (r->responded)
		return MHD_YES;
	r->responded = 1;
	return (enum MHD_Result)dispatch(r);
}
