/*
 * routes.c - the JSON API of `trawl serve`: one handler per route, all
 * registered in srv_routes[] at the end of this file.  docs/api.md is the
 * reference for clients; keep the two in step.
 *
 * Handlers run on a libmicrohttpd worker thread after http.c has checked
 * sizes, access and (for writes) the request's origin.  They read through
 * the thread's own archive handle (srv_archive()) and only through the
 * public API; JSON shapes shared with the command line come from
 * json/, so `trawl search --json` and GET /api/search agree field for
 * field.  Items are named by id only: nothing a client sends becomes a
 * path on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "mailhtml.h"
#include "pool.h"
#include "server.h"
#include "stats.h"

static int add_tag_name(const char *name, int64_t n, void *ud);
static int add_note(const trawl_note *n, void *ud);

/* Thread's read handle, or a 503 queued into *rc. */
static trawl_archive *reader(srv_req *r, int *rc)
{
	const char *why = NULL;
	trawl_archive *ar = srv_archive(&why);

	if (!ar)
		*rc = srv_error(r, 503, "archive_unavailable", why ? why : "cannot open the archive",
				NULL);
	return ar;
}

/* A reader for a request naming an item (r->id) that exists; NULL, with
 * the answer sent (404 for a missing item), otherwise. */
static trawl_archive *item_reader(srv_req *r, int *rc)
{
	trawl_archive *ar = reader(r, rc);
	trawl_item *it = NULL;
	trawl_status st;

	if (!ar)
		return NULL;
	st = trawl_item_get(ar, r->id, &it);
	trawl_item_free(it);
	if (st != TRAWL_OK) {
		*rc = srv_lib_error(r, ar, st, "cannot load the item");
		return NULL;
	}
	return ar;
}

/* The writable archive, locked (release with srv_writer_unlock()); NULL,
 * unlocked and with a 503 sent, when this server cannot write. */
static trawl_archive *writer(srv_req *r, int *rc)
{
	trawl_archive *w = srv_writer_lock();

	if (!w) {
		srv_writer_unlock();
		*rc = srv_error(r, 503, "read_only", "this server cannot write to the archive", NULL);
	}
	return w;
}

static double ms_since(int64_t start_us)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return ((double)((int64_t)tv.tv_sec * 1000000 + tv.tv_usec - start_us)) / 1000.0;
}

/* 400 for a query that does not parse, with where. */
static int syntax_error(srv_req *r, const char *q, const trawl_syntax_error *err)
{
	return srv_error(r, 400, "syntax", err->message,
			 json_pack("{s:I, s:s}", "position", (json_int_t)err->pos, "query", q));
}

/* ---------------------------------------------------------------- session */

static int h_session(srv_req *r)
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

static int h_login(srv_req *r)
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

static int h_logout(srv_req *r)
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

static int h_index(srv_req *r)
{
	json_t *a = json_array();
	const srv_route *rt;

	for (rt = srv_routes; rt->method; rt++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "method", rt->method, "path",
						   rt->pattern, "summary", rt->summary));
	return srv_json(r, 200, json_pack("{s:s, s:o}", "version", TRAWL_VERSION, "endpoints", a));
}

/* ---------------------------------------------------------------- search */

struct hits {
	json_t *arr;
};

static int add_hit(const trawl_hit *h, void *ud)
{
	struct hits *hs = ud;

	json_array_append_new(hs->arr, tj_hit(h));
	return 0;
}

static int h_check(srv_req *r)
{
	const char *q = srv_arg(r, "q");
	trawl_syntax_error err;

	memset(&err, 0, sizeof(err));
	if (!q)
		q = "";
	if (trawl_query_check(q, &err) != TRAWL_OK)
		return syntax_error(r, q, &err);
	return srv_json(r, 200, json_pack("{s:b, s:s}", "ok", 1, "query", q));
}

/* The query language's fields, from the parser's own table. */
static int h_fields(srv_req *r)
{
	json_t *a = json_array();
	const char *name, *help = NULL;
	size_t i;

	for (i = 0; (name = trawl_query_field(i, &help)) != NULL; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "field", name, "help", help ? help : ""));
	return srv_json(r, 200, json_pack("{s:o}", "fields", a));
}

static int h_search(srv_req *r)
{
	const char *q = srv_arg(r, "q"), *sort = srv_arg(r, "sort"), *collapse = srv_arg(r, "collapse");
	trawl_search_opts opts;
	trawl_syntax_error err;
	trawl_archive *ar;
	struct hits hs;
	int64_t page, size, offset, total = 0;
	int rc = MHD_NO;
	trawl_status st;
	json_t *o;

	if (!q)
		q = "";
	memset(&opts, 0, sizeof(opts));
	memset(&err, 0, sizeof(err));
	if (!sort || !*sort || !strcmp(sort, "relevance"))
		opts.sort = TRAWL_SORT_RELEVANCE;
	else if (!strcmp(sort, "date"))
		opts.sort = TRAWL_SORT_DATE;
	else if (!strcmp(sort, "-date"))
		opts.sort = TRAWL_SORT_DATE_DESC;
	else
		return srv_error(r, 400, "bad_argument", "sort takes relevance, date or -date",
				 json_pack("{s:s}", "argument", "sort"));
	if (collapse && *collapse && strcmp(collapse, "thread") && strcmp(collapse, "none"))
		return srv_error(r, 400, "bad_argument", "collapse takes thread or none",
				 json_pack("{s:s}", "argument", "collapse"));
	opts.by_thread = collapse && !strcmp(collapse, "thread");
	if (srv_int_arg(r, "size", 50, 0, SRV_MAX_PAGE, &size, &rc) ||
	    srv_int_arg(r, "page", 1, 1, SRV_MAX_OFFSET, &page, &rc))
		return rc;
	if (srv_int_arg(r, "offset", (page - 1) * size, 0, SRV_MAX_OFFSET, &offset, &rc))
		return rc;
	if (trawl_query_check(q, &err) != TRAWL_OK)
		return syntax_error(r, q, &err);
	ar = reader(r, &rc);
	if (!ar)
		return rc;
	hs.arr = json_array();
	if (!hs.arr)
		return srv_json(r, 500, NULL);
	if (size == 0) {
		st = trawl_count(ar, q, &total, &err);
	} else {
		opts.limit = size;
		opts.offset = offset;
		st = trawl_search(ar, q, &opts, add_hit, &hs, &total, &err);
	}
	if (st == TRAWL_ESYNTAX) {
		json_decref(hs.arr);
		return syntax_error(r, q, &err);
	}
	if (st != TRAWL_OK) {
		json_decref(hs.arr);
		return srv_lib_error(r, ar, st, "search failed");
	}
	o = json_pack("{s:s, s:I, s:I, s:I, s:s, s:o, s:f}", "query", q, "total", (json_int_t)total,
		      "offset", (json_int_t)offset, "size", (json_int_t)size, "sort",
		      opts.sort == TRAWL_SORT_DATE ? "date"
		      : opts.sort == TRAWL_SORT_DATE_DESC ? "-date" : "relevance",
		      "hits", hs.arr, "took_ms", ms_since(r->started_us));
	if (o && opts.by_thread)
		json_object_set_new(o, "collapse", json_string("thread"));
	return srv_json(r, 200, o);
}

/* ---------------------------------------------------------------- items */

/* Ancestors of `it`, outermost first: the family breadcrumbs. */
static json_t *family(trawl_archive *ar, const trawl_item *it)
{
	json_t *a = json_array();
	int64_t cur = it->parent_id;
	int guard = 0;

	while (a && cur > 0 && guard++ < 64) {
		trawl_item *p = NULL;

		if (trawl_item_get(ar, cur, &p) != TRAWL_OK)
			break;
		json_array_insert_new(a, 0, json_pack("{s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)p->id,
						      "kind", tj_str(p->kind), "type", tj_str(p->type),
						      "name", tj_str(p->name), "subject",
						      tj_str(p->subject)));
		cur = p->parent_id;
		trawl_item_free(p);
	}
	return a;
}

/* Cut text at `max` bytes on a UTF-8 boundary (in place). */
static size_t utf8_cut(char *t, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)t[len] & 0xc0) == 0x80)
		len--;
	t[len] = '\0';
	return len;
}

static int h_item(srv_req *r)
{
	trawl_archive *ar;
	trawl_item *it = NULL;
	char *text = NULL;
	size_t len = 0, shown;
	int64_t max;
	int rc = MHD_NO;
	trawl_status st;
	json_t *o;

	if (srv_int_arg(r, "text", 1 << 20, 0, 64 << 20, &max, &rc))
		return rc;
	ar = reader(r, &rc);
	if (!ar)
		return rc;
	st = trawl_item_get(ar, r->id, &it);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot load the item");
	if (max > 0) {
		st = trawl_item_text(ar, r->id, &text, &len);
		if (st != TRAWL_OK && st != TRAWL_ENOTFOUND) {
			trawl_item_free(it);
			return srv_lib_error(r, ar, st, "cannot load the item's text");
		}
	}
	shown = text ? utf8_cut(text, len, (size_t)max) : 0;
	o = tj_item(it, text);
	if (o) {
		json_object_set_new(o, "text_length", json_integer((json_int_t)len));
		json_object_set_new(o, "text_cut", json_boolean(text && shown < len));
		json_object_set_new(o, "family", family(ar, it));
		/* The reporter's marks, as `trawl show --json` has them. */
		json_object_set_new(o, "tags", json_array());
		trawl_item_tags(ar, r->id, add_tag_name, json_object_get(o, "tags"));
		json_object_set_new(o, "notes", json_array());
		trawl_notes(ar, r->id, add_note, json_object_get(o, "notes"));
		/* PII and secrets found in the text, as `trawl show --json`. */
		{
			json_t *f = tj_item_findings(ar, r->id);

			if (f)
				json_object_set_new(o, "findings", f);
		}
	}
	free(text);
	trawl_item_free(it);
	return srv_json(r, 200, o);
}

static int h_item_text(srv_req *r)
{
	char *text = NULL;
	size_t len = 0;
	int rc = MHD_NO;
	trawl_status st;
	/* The text of a missing id reads as empty: ask for the item first so
	 * that a wrong id is a 404, not an empty document. */
	trawl_archive *ar = item_reader(r, &rc);

	if (!ar)
		return rc;
	st = trawl_item_text(ar, r->id, &text, &len);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot load the item's text");
	return srv_bytes(r, 200, "text/plain; charset=utf-8", text, len, 0, SRV_APP);
}

/* Raw bytes collect in memory up to SPILL bytes, then in an unlinked
 * temporary file that libmicrohttpd sends from (sendfile), so one big
 * attachment does not hold its size in memory per download. */
#define SPILL (4u << 20)

struct sink {
	char *mem;
	size_t len;
	int fd;
	uint64_t total, max;
	int too_big, io_error;
};

static int tmp_fd(void)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/trawl-raw-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t k = write(fd, p, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static int sink_write(const void *buf, size_t len, void *ud)
{
	struct sink *s = ud;

	if (s->total + len > s->max) {
		s->too_big = 1;
		return 1;
	}
	s->total += len;
	if (s->fd < 0 && s->len + len <= SPILL) {
		char *m = realloc(s->mem, s->len + len + 1);

		if (!m) {
			s->io_error = 1;
			return 1;
		}
		memcpy(m + s->len, buf, len);
		s->mem = m;
		s->len += len;
		s->mem[s->len] = '\0';
		return 0;
	}
	if (s->max <= SPILL) {
		s->too_big = 1;
		return 1;
	}
	if (s->fd < 0) {
		s->fd = tmp_fd();
		if (s->fd < 0 || (s->len && write_all(s->fd, s->mem, s->len) != 0)) {
			s->io_error = 1;
			return 1;
		}
		free(s->mem);
		s->mem = NULL;
		s->len = 0;
	}
	if (write_all(s->fd, buf, len) != 0) {
		s->io_error = 1;
		return 1;
	}
	return 0;
}

static void sink_release(struct sink *s)
{
	free(s->mem);
	if (s->fd >= 0)
		close(s->fd);
}

/* Read an item's raw bytes into `s` (capped at max); queues an error and
 * returns -1 on failure. */
static int raw_into(srv_req *r, trawl_archive *ar, struct sink *s, uint64_t max, int *rc)
{
	trawl_status st;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->max = max;
	st = trawl_item_raw(ar, r->id, sink_write, s);
	if (st == TRAWL_OK)
		return 0;
	if (s->too_big)
		*rc = srv_error(r, 413, "too_big", "the item is larger than this server sends", NULL);
	else if (s->io_error)
		*rc = srv_error(r, 500, "io", "cannot buffer the item's bytes (memory or temporary space)",
				NULL);
	else
		*rc = srv_lib_error(r, ar, st, "cannot read the item's original bytes");
	sink_release(s);
	return -1;
}

/* Content-Disposition naming the download after the item, made safe: a
 * quoted ASCII fallback and the UTF-8 name percent-encoded (RFC 6266). */
static void disposition(char *out, size_t n, int64_t id, const char *name)
{
	char ascii[160], enc[600];
	size_t a = 0, e = 0;
	const unsigned char *p;
	static const char hex[] = "0123456789ABCDEF";

	if (name) {
		const char *slash = strrchr(name, '/');

		if (slash && slash[1])
			name = slash + 1;
	}
	for (p = (const unsigned char *)(name ? name : ""); *p && e + 4 < sizeof(enc); p++) {
		int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_';

		if (a + 1 < sizeof(ascii) && *p >= 32 && *p < 127)
			ascii[a++] = plain || *p == ' ' ? (char)*p : '_';
		if (plain) {
			enc[e++] = (char)*p;
		} else if (*p >= 32 && *p != 127) {
			enc[e++] = '%';
			enc[e++] = hex[*p >> 4];
			enc[e++] = hex[*p & 15];
		}
	}
	ascii[a] = '\0';
	enc[e] = '\0';
	if (!a)
		snprintf(ascii, sizeof(ascii), "item-%lld.bin", (long long)id);
	if (e)
		snprintf(out, n, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
	else
		snprintf(out, n, "attachment; filename=\"%s\"", ascii);
}

static int h_item_raw(srv_req *r)
{
	trawl_archive *ar;
	trawl_item *it = NULL;
	struct sink s;
	struct MHD_Response *resp;
	char disp[1024];
	int rc = MHD_NO;
	trawl_status st;

	ar = reader(r, &rc);
	if (!ar)
		return rc;
	st = trawl_item_get(ar, r->id, &it);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot load the item");
	disposition(disp, sizeof(disp), it->id, it->name);
	trawl_item_free(it);
	if (raw_into(r, ar, &s, SRV_MAX_RAW, &rc))
		return rc;
	if (s.fd >= 0) {
		resp = MHD_create_response_from_fd64(s.total, s.fd);
		if (!resp)
			close(s.fd);
		s.fd = -1; /* the response closes it */
	} else {
		resp = MHD_create_response_from_buffer(s.len, s.mem ? s.mem : (void *)"",
						       s.mem ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
		if (resp)
			s.mem = NULL;
	}
	sink_release(&s);
	if (!resp)
		return MHD_NO;
	/* Never the document's own type: the browser must not render it. */
	MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	MHD_add_response_header(resp, "Content-Disposition", disp);
	return srv_queue(r, 200, resp, SRV_APP);
}

/* The HTML of an email, or an HTML document, for the sandboxed frame. */
static int h_item_html(srv_req *r)
{
	static const char none[] =
		"<!doctype html><meta charset=utf-8><p style=\"font:14px sans-serif;color:#555\">"
		"This item has no HTML version; the text view shows all of its text.</p>";
	trawl_archive *ar;
	trawl_item *it = NULL;
	struct sink s;
	int rc = MHD_NO, is_email, is_html;
	trawl_status st;
	char *html;
	size_t hl = 0;

	ar = reader(r, &rc);
	if (!ar)
		return rc;
	st = trawl_item_get(ar, r->id, &it);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot load the item");
	is_email = it->type && !strcmp(it->type, "email");
	is_html = it->type && !strcmp(it->type, "html");
	trawl_item_free(it);
	if (!is_email && !is_html)
		return srv_bytes(r, 404, "text/html; charset=utf-8", (void *)none, sizeof(none) - 1, 1,
				 SRV_SANDBOX);
	if (raw_into(r, ar, &s, is_email ? 64u << 20 : SRV_MAX_HTML, &rc))
		return rc;
	if (is_html) {
		char *m = s.mem;

		s.mem = NULL;
		hl = s.len;
		sink_release(&s);
		/* No charset: the document's own <meta charset> decides. */
		return srv_bytes(r, 200, "text/html", m ? m : (void *)"", hl, m == NULL, SRV_SANDBOX);
	}
	html = srv_mailhtml((const unsigned char *)s.mem, s.len, SRV_MAX_HTML, &hl);
	sink_release(&s);
	if (!html)
		return srv_bytes(r, 404, "text/html; charset=utf-8", (void *)none, sizeof(none) - 1, 1,
				 SRV_SANDBOX);
	return srv_bytes(r, 200, "text/html; charset=utf-8", html, hl, 0, SRV_SANDBOX);
}

/* ---------------------------------------------------------------- conversations */

/* The shared shape (tj_thread) plus the conversation's subject. */
static json_t *thread_json(const trawl_thread *t)
{
	json_t *o = tj_thread(t);
	size_t i;

	for (i = 0; o && i < t->nmsgs; i++) {
		if (!t->msgs[i].missing && t->msgs[i].subject) {
			json_object_set_new(o, "subject", json_string(t->msgs[i].subject));
			break;
		}
	}
	return o;
}

static int send_thread(srv_req *r, int by_item)
{
	trawl_archive *ar;
	trawl_thread *t = NULL;
	trawl_status st;
	int rc = MHD_NO;
	json_t *o;

	ar = reader(r, &rc);
	if (!ar)
		return rc;
	st = by_item ? trawl_thread_get(ar, r->id, &t) : trawl_thread_get_by_id(ar, r->id, &t);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot load the conversation");
	o = thread_json(t);
	trawl_thread_free(t);
	return srv_json(r, 200, o);
}

static int h_thread(srv_req *r)
{
	return send_thread(r, 0);
}

static int h_item_thread(srv_req *r)
{
	return send_thread(r, 1);
}

/* ---------------------------------------------------------------- people */

struct people_out {
	json_t *arr;
};

static int add_person(const trawl_person *p, void *ud)
{
	json_array_append_new(((struct people_out *)ud)->arr, tj_person(p));
	return 0;
}

static int h_people(srv_req *r)
{
	const char *q = srv_arg(r, "q"), *match = srv_arg(r, "match"), *sort = srv_arg(r, "sort");
	trawl_people_opts opts;
	trawl_syntax_error err;
	struct people_out po;
	trawl_archive *ar;
	int64_t size, page;
	int rc = MHD_NO, more;
	trawl_status st;

	memset(&opts, 0, sizeof(opts));
	memset(&err, 0, sizeof(err));
	if (srv_int_arg(r, "size", 50, 1, SRV_MAX_PAGE, &size, &rc) ||
	    srv_int_arg(r, "page", 1, 1, SRV_MAX_OFFSET, &page, &rc))
		return rc;
	if (sort && *sort && strcmp(sort, "name") && strcmp(sort, "messages"))
		return srv_error(r, 400, "bad_argument", "sort takes messages or name",
				 json_pack("{s:s}", "argument", "sort"));
	if (!q)
		q = "";
	if (trawl_query_check(q, &err) != TRAWL_OK)
		return syntax_error(r, q, &err);
	ar = reader(r, &rc);
	if (!ar)
		return rc;
	opts.match = match && *match ? match : NULL;
	opts.by_name = sort && !strcmp(sort, "name");
	/* One more than asked tells whether there is a next page. */
	opts.limit = size + 1;
	opts.offset = (page - 1) * size;
	po.arr = json_array();
	st = trawl_people(ar, *q ? q : NULL, &opts, add_person, &po, &err);
	if (st == TRAWL_ESYNTAX) {
		json_decref(po.arr);
		return syntax_error(r, q, &err);
	}
	if (st != TRAWL_OK) {
		json_decref(po.arr);
		return srv_lib_error(r, ar, st, "cannot list people");
	}
	more = json_array_size(po.arr) > (size_t)size;
	if (more)
		json_array_remove(po.arr, (size_t)size);
	return srv_json(r, 200, json_pack("{s:s, s:I, s:I, s:b, s:o}", "query", q, "offset",
					  (json_int_t)opts.offset, "size", (json_int_t)size, "more", more,
					  "people", po.arr));
}

static int add_contact(const trawl_contact *c, void *ud)
{
	json_array_append_new((json_t *)ud, tj_contact(c));
	return 0;
}

/* /api/people/SPEC: SPEC is a person id or an address (or a part of one
 * that fits a single person). */
static int h_person(srv_req *r)
{
	const char *q = srv_arg(r, "q");
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_person *p = NULL;
	trawl_status st;
	int64_t pid;
	int rc = MHD_NO;
	json_t *o, *contacts;

	memset(&err, 0, sizeof(err));
	if (!q)
		q = "";
	if (trawl_query_check(q, &err) != TRAWL_OK)
		return syntax_error(r, q, &err);
	ar = reader(r, &rc);
	if (!ar)
		return rc;
	st = trawl_person_find(ar, r->param[0], &pid);
	if (st == TRAWL_EINVAL)
		return srv_error(r, 409, "ambiguous", trawl_archive_errmsg(ar), NULL);
	if (st == TRAWL_OK)
		st = trawl_person_get(ar, pid, &p);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot load the person");
	o = tj_person(p);
	trawl_person_free(p);
	contacts = json_array();
	st = trawl_contacts(ar, pid, *q ? q : NULL, add_contact, contacts, &err);
	if (st != TRAWL_OK) {
		json_decref(o);
		json_decref(contacts);
		if (st == TRAWL_ESYNTAX)
			return syntax_error(r, q, &err);
		return srv_lib_error(r, ar, st, "cannot list contacts");
	}
	if (o)
		json_object_set_new(o, "contacts", contacts);
	else
		json_decref(contacts);
	return srv_json(r, 200, o);
}

static int h_graph(srv_req *r)
{
	const char *q = srv_arg(r, "q");
	trawl_graph_opts opts;
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_graph *g = NULL;
	trawl_status st;
	int64_t max, min;
	int rc = MHD_NO;

	memset(&opts, 0, sizeof(opts));
	memset(&err, 0, sizeof(err));
	if (srv_int_arg(r, "max", 40, 2, 500, &max, &rc) ||
	    srv_int_arg(r, "min", 1, 1, 1000000, &min, &rc))
		return rc;
	if (!q)
		q = "";
	if (trawl_query_check(q, &err) != TRAWL_OK)
		return syntax_error(r, q, &err);
	ar = reader(r, &rc);
	if (!ar)
		return rc;
	opts.max_nodes = (size_t)max;
	opts.min_messages = min;
	st = trawl_graph_get(ar, *q ? q : NULL, &opts, &g, &err);
	if (st == TRAWL_ESYNTAX)
		return syntax_error(r, q, &err);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot build the graph");
	{
		json_t *o = tj_graph(g);

		trawl_graph_free(g);
		if (o)
			json_object_set_new(o, "query", json_string(q));
		return srv_json(r, 200, o);
	}
}

/* ---------------------------------------------------------------- timeline, facets */

struct buckets {
	json_t *arr;
};

static int add_bucket(const trawl_bucket *b, void *ud)
{
	json_array_append_new(((struct buckets *)ud)->arr, tj_bucket(b));
	return 0;
}

static int h_timeline(srv_req *r)
{
	static const char *const names[] = {"day", "week", "month", "year"};
	const char *q = srv_arg(r, "q"), *by = srv_arg(r, "by");
	trawl_syntax_error err;
	trawl_archive *ar;
	struct buckets bk;
	trawl_period per = TRAWL_BY_MONTH;
	int64_t undated = 0;
	int rc = MHD_NO, autopick = 1, k;
	trawl_status st;

	memset(&err, 0, sizeof(err));
	if (by && *by && strcmp(by, "auto")) {
		autopick = 0;
		for (k = 0; k < 4 && strcmp(by, names[k]); k++)
			;
		if (k == 4)
			return srv_error(r, 400, "bad_argument", "by takes day, week, month, year or auto",
					 json_pack("{s:s}", "argument", "by"));
		per = (trawl_period)k;
	}
	if (!q)
		q = "";
	if (trawl_query_check(q, &err) != TRAWL_OK)
		return syntax_error(r, q, &err);
	ar = reader(r, &rc);
	if (!ar)
		return rc;
	bk.arr = json_array();
	st = trawl_timeline(ar, q, per, add_bucket, &bk, &undated, &err);
	/* Auto: months, unless that makes too many bars (then years) or too
	 * few (then days). */
	if (st == TRAWL_OK && autopick && json_array_size(bk.arr) > 240) {
		json_array_clear(bk.arr);
		per = TRAWL_BY_YEAR;
		st = trawl_timeline(ar, q, per, add_bucket, &bk, &undated, &err);
	} else if (st == TRAWL_OK && autopick && json_array_size(bk.arr) <= 2) {
		json_t *keep = json_deep_copy(bk.arr);

		json_array_clear(bk.arr);
		per = TRAWL_BY_DAY;
		st = trawl_timeline(ar, q, per, add_bucket, &bk, &undated, &err);
		if (st != TRAWL_OK || json_array_size(bk.arr) > 400) {
			json_decref(bk.arr);
			bk.arr = keep;
			per = TRAWL_BY_MONTH;
			st = TRAWL_OK;
		} else {
			json_decref(keep);
		}
	}
	if (st != TRAWL_OK) {
		json_decref(bk.arr);
		if (st == TRAWL_ESYNTAX)
			return syntax_error(r, q, &err);
		return srv_lib_error(r, ar, st, "cannot build the timeline");
	}
	return srv_json(r, 200, json_pack("{s:s, s:s, s:I, s:o}", "query", q, "by", names[per],
					  "undated", (json_int_t)undated, "buckets", bk.arr));
}

static int h_facets(srv_req *r)
{
	const char *q = srv_arg(r, "q");
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_facets *f = NULL;
	trawl_status st;
	int64_t limit;
	int rc = MHD_NO;

	memset(&err, 0, sizeof(err));
	if (srv_int_arg(r, "limit", 10, 1, 100, &limit, &rc))
		return rc;
	if (!q)
		q = "";
	if (trawl_query_check(q, &err) != TRAWL_OK)
		return syntax_error(r, q, &err);
	ar = reader(r, &rc);
	if (!ar)
		return rc;
	st = trawl_facets_get(ar, q, (size_t)limit, &f, &err);
	if (st == TRAWL_ESYNTAX)
		return syntax_error(r, q, &err);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot count facets");
	{
		json_t *o = tj_facets(f);

		trawl_facets_free(f);
		if (o)
			json_object_set_new(o, "query", json_string(q));
		return srv_json(r, 200, o);
	}
}

/* ---------------------------------------------------------------- tags, notes */

static int add_tag_name(const char *name, int64_t n, void *ud)
{
	json_array_append_new((json_t *)ud, json_string(name));
	return 0;
}

static int add_tag_count(const char *name, int64_t n, void *ud)
{
	json_array_append_new((json_t *)ud, json_pack("{s:s, s:I}", "tag", name, "count", (json_int_t)n));
	return 0;
}

static int send_item_tags(srv_req *r, trawl_archive *ar, unsigned status)
{
	json_t *tags = json_array();
	trawl_status st = trawl_item_tags(ar, r->id, add_tag_name, tags);

	if (st != TRAWL_OK) {
		json_decref(tags);
		return srv_lib_error(r, ar, st, "cannot read the tags");
	}
	return srv_json(r, status, json_pack("{s:I, s:o}", "id", (json_int_t)r->id, "tags", tags));
}

static int h_item_tags(srv_req *r)
{
	int rc = MHD_NO;
	trawl_archive *ar = item_reader(r, &rc);

	return ar ? send_item_tags(r, ar, 200) : rc;
}

/* Tag or untag the content of one item (tags belong to contents). */
static int change_item_tag(srv_req *r, const char *tag, int add)
{
	trawl_archive *w;
	trawl_syntax_error err;
	char q[48];
	int64_t matched = 0;
	trawl_status st;
	int rc = MHD_NO;

	memset(&err, 0, sizeof(err));
	snprintf(q, sizeof(q), "id:%lld", (long long)r->id);
	w = writer(r, &rc);
	if (!w)
		return rc;
	st = trawl_tag_query(w, q, add ? &tag : NULL, add ? 1 : 0, add ? NULL : &tag, add ? 0 : 1,
			     &matched, &err);
	if (st != TRAWL_OK) {
		rc = st == TRAWL_EINVAL
			     ? srv_error(r, 400, "bad_tag", "a tag is 1 to 64 letters, digits and - _ . / +", NULL)
			     : srv_lib_error(r, w, st, "cannot change the tag");
		srv_writer_unlock();
		return rc;
	}
	rc = matched ? send_item_tags(r, w, 200) : srv_error(r, 404, "not_found", "no such item", NULL);
	srv_writer_unlock();
	return rc;
}

static int h_item_tag_add(srv_req *r)
{
	int rc = MHD_NO;
	json_t *b = srv_body_json(r, &rc), *t;

	if (!b)
		return rc;
	t = json_object_get(b, "tag");
	if (!json_is_string(t)) {
		json_decref(b);
		return srv_error(r, 400, "bad_body", "send {\"tag\": NAME}", NULL);
	}
	rc = change_item_tag(r, json_string_value(t), 1);
	json_decref(b);
	return rc;
}

static int h_item_tag_remove(srv_req *r)
{
	return change_item_tag(r, r->param[0], 0);
}

static int h_tags(srv_req *r)
{
	trawl_archive *ar;
	json_t *tags;
	trawl_status st;
	int rc = MHD_NO;

	ar = reader(r, &rc);
	if (!ar)
		return rc;
	tags = json_array();
	st = trawl_tags_list(ar, add_tag_count, tags);
	if (st != TRAWL_OK) {
		json_decref(tags);
		return srv_lib_error(r, ar, st, "cannot list tags");
	}
	return srv_json(r, 200, json_pack("{s:o}", "tags", tags));
}

/* Tag every content a query matches: {"query":Q, "add":[...], "remove":[...]}. */
static int h_tags_bulk(srv_req *r)
{
	const char *add[16], *rem[16];
	size_t nadd = 0, nrem = 0, i;
	int rc = MHD_NO;
	json_t *b = srv_body_json(r, &rc), *q, *a, *d, *v;
	trawl_syntax_error err;
	trawl_archive *w;
	int64_t matched = 0;
	trawl_status st;

	if (!b)
		return rc;
	q = json_object_get(b, "query");
	a = json_object_get(b, "add");
	d = json_object_get(b, "remove");
	if (!json_is_string(q) || (a && !json_is_array(a)) || (d && !json_is_array(d)) ||
	    json_array_size(a) > 16 || json_array_size(d) > 16 || json_array_size(a) + json_array_size(d) == 0) {
		json_decref(b);
		return srv_error(r, 400, "bad_body",
				 "send {\"query\": Q, \"add\": [TAG...], \"remove\": [TAG...]} (up to 16 each)", NULL);
	}
	json_array_foreach(a, i, v) if (json_is_string(v)) add[nadd++] = json_string_value(v);
	json_array_foreach(d, i, v) if (json_is_string(v)) rem[nrem++] = json_string_value(v);
	memset(&err, 0, sizeof(err));
	w = writer(r, &rc);
	if (!w) {
		json_decref(b);
		return rc;
	}
	st = trawl_tag_query(w, json_string_value(q), add, nadd, rem, nrem, &matched, &err);
	if (st == TRAWL_ESYNTAX)
		rc = syntax_error(r, json_string_value(q), &err);
	else if (st == TRAWL_EINVAL)
		rc = srv_error(r, 400, "bad_tag", "a tag is 1 to 64 letters, digits and - _ . / +", NULL);
	else if (st != TRAWL_OK)
		rc = srv_lib_error(r, w, st, "cannot change tags");
	else
		rc = srv_json(r, 200, json_pack("{s:I}", "matched", (json_int_t)matched));
	srv_writer_unlock();
	json_decref(b);
	return rc;
}

static int add_note(const trawl_note *n, void *ud)
{
	json_array_append_new((json_t *)ud, tj_note(n));
	return 0;
}

static int send_notes(srv_req *r, trawl_archive *ar, unsigned status)
{
	json_t *notes = json_array();
	trawl_status st = trawl_notes(ar, r->id, add_note, notes);

	if (st != TRAWL_OK) {
		json_decref(notes);
		return srv_lib_error(r, ar, st, "cannot read the notes");
	}
	return srv_json(r, status, json_pack("{s:I, s:o}", "id", (json_int_t)r->id, "notes", notes));
}

static int h_item_notes(srv_req *r)
{
	int rc = MHD_NO;
	trawl_archive *ar = item_reader(r, &rc);

	return ar ? send_notes(r, ar, 200) : rc;
}

static int h_item_note_add(srv_req *r)
{
	int rc = MHD_NO;
	json_t *b = srv_body_json(r, &rc), *t;
	trawl_archive *w;
	trawl_status st;

	if (!b)
		return rc;
	t = json_object_get(b, "text");
	if (!json_is_string(t) || json_string_length(t) == 0 || json_string_length(t) > 16384) {
		json_decref(b);
		return srv_error(r, 400, "bad_body", "send {\"text\": NOTE} with 1 to 16384 bytes", NULL);
	}
	w = writer(r, &rc);
	if (!w) {
		json_decref(b);
		return rc;
	}
	st = trawl_note_add(w, r->id, json_string_value(t), NULL);
	rc = st == TRAWL_OK ? send_notes(r, w, 201) : srv_lib_error(r, w, st, "cannot add the note");
	srv_writer_unlock();
	json_decref(b);
	return rc;
}

static int h_item_note_delete(srv_req *r)
{
	char *end;
	long long nid = strtoll(r->param[0], &end, 10);
	trawl_archive *w;
	trawl_status st;
	int rc;

	if (*end || nid <= 0)
		return srv_error(r, 404, "not_found", "no such note", NULL);
	w = writer(r, &rc);
	if (!w)
		return rc;
	/* Only a note of this item's content: ids from the client name
	 * nothing beyond what the path says. */
	{
		json_t *notes = json_array(), *n;
		size_t i;
		int found = 0;

		st = trawl_notes(w, r->id, add_note, notes);
		json_array_foreach(notes, i, n)
			found |= json_integer_value(json_object_get(n, "id")) == nid;
		json_decref(notes);
		if (st == TRAWL_OK && !found) {
			srv_writer_unlock();
			return srv_error(r, 404, "not_found", "this item has no note with that id", NULL);
		}
	}
	if (st == TRAWL_OK)
		st = trawl_note_delete(w, nid);
	rc = st == TRAWL_OK ? send_notes(r, w, 200) : srv_lib_error(r, w, st, "cannot delete the note");
	srv_writer_unlock();
	return rc;
}

/* ---------------------------------------------------------------- stats */

static int h_stats(srv_req *r)
{
	trawl_archive *ar;
	trawl_stats s;
	trawl_status st;
	int rc = MHD_NO;

	ar = reader(r, &rc);
	if (!ar)
		return rc;
	st = trawl_stats_get(ar, &s);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot compute statistics");
	return srv_json(r, 200, tj_stats(ar, &s));
}

struct errs {
	json_t *arr;
	int64_t n, offset, limit;
};

static int add_error(const trawl_error *e, void *ud)
{
	struct errs *x = ud;

	if (x->n >= x->offset && x->n < x->offset + x->limit)
		json_array_append_new(x->arr, tj_error(e));
	x->n++;
	return 0;
}

static int h_errors(srv_req *r)
{
	trawl_archive *ar;
	struct errs x;
	trawl_status st;
	int rc = MHD_NO;

	memset(&x, 0, sizeof(x));
	if (srv_int_arg(r, "offset", 0, 0, SRV_MAX_OFFSET, &x.offset, &rc) ||
	    srv_int_arg(r, "size", 100, 1, SRV_MAX_PAGE, &x.limit, &rc))
		return rc;
	ar = reader(r, &rc);
	if (!ar)
		return rc;
	x.arr = json_array();
	st = trawl_errors(ar, add_error, &x);
	if (st != TRAWL_OK) {
		json_decref(x.arr);
		return srv_lib_error(r, ar, st, "cannot list errors");
	}
	return srv_json(r, 200, json_pack("{s:I, s:I, s:o}", "total", (json_int_t)x.n, "offset",
					  (json_int_t)x.offset, "errors", x.arr));
}

/* How the server itself is doing: for an operator watching a busy day. */
static int h_server(srv_req *r)
{
	size_t qc = 0, qb = 0;
	uint64_t runs = __atomic_load_n(&srv_stats.pool_runs, __ATOMIC_RELAXED);

#define LOAD(f) ((json_int_t)__atomic_load_n(&srv_stats.f, __ATOMIC_RELAXED))
	srv_pool_depth(&qc, &qb);
	return srv_json(r, 200, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:{s:I, s:f, s:f, s:f, s:f}}",
		"threads", (json_int_t)srv_cfg.threads,
		"api_requests", LOAD(requests),
		"cache_hits", LOAD(cache_hits),
		"cache_stale_hits", LOAD(cache_stale),
		"cache_waits", LOAD(cache_waits),
		"pool_runs", (json_int_t)runs,
		"background_refreshes", LOAD(refreshes),
		"queued", (json_int_t)(qc + qb),
		"avg_queue_ms", runs ? (double)LOAD(queue_us) / 1000.0 / (double)runs : 0.0,
		"avg_run_ms", runs ? (double)LOAD(run_us) / 1000.0 / (double)runs : 0.0,
		"busy_503", LOAD(busy),
		"latency_ms", "requests", (json_int_t)srv_latency_count(), "p50", srv_latency_pct(50),
		"p90", srv_latency_pct(90), "p95", srv_latency_pct(95), "p99", srv_latency_pct(99)));
#undef LOAD
}

/* ---------------------------------------------------------------- table */

const srv_route srv_routes[] = {
	{"GET", "/api", h_index, 0, "this list"},
	{"GET", "/api/session", h_session, SRV_PUBLIC, "whether a token is needed, signed in, writable"},
	{"POST", "/api/login", h_login, SRV_PUBLIC | SRV_WRITE, "sign in with {\"token\":...}: sets a cookie"},
	{"POST", "/api/logout", h_logout, SRV_PUBLIC | SRV_WRITE, "sign out (clears the cookie)"},
	{"GET", "/api/check", h_check, 0, "check a query's syntax: ?q="},
	{"GET", "/api/fields", h_fields, 0, "the fields of the query language, with help"},
	{"GET", "/api/search", h_search, SRV_CACHE, "search: ?q=&sort=&page=&size=&offset=&collapse=thread"},
	{"GET", "/api/items/{id}", h_item, 0, "an item: metadata, addresses, family, children, text (?text=MAXBYTES)"},
	{"GET", "/api/items/{id}/text", h_item_text, 0, "an item's whole extracted text (text/plain)"},
	{"GET", "/api/items/{id}/raw", h_item_raw, 0, "an item's original bytes, as a download"},
	{"GET", "/api/items/{id}/html", h_item_html, 0, "an email's HTML body for a sandboxed frame"},
	{"GET", "/api/items/{id}/thread", h_item_thread, 0, "the conversation of an email"},
	{"GET", "/api/threads/{id}", h_thread, 0, "a conversation by thread id: messages depth first"},
	{"GET", "/api/people", h_people, SRV_CACHE, "people in the messages of a query: ?q=&match=&sort=messages|name&page=&size="},
	{"GET", "/api/people/{*}", h_person, SRV_CACHE, "a person (id or address): addresses, names, contacts (?q=)"},
	{"GET", "/api/graph", h_graph, SRV_CACHE, "who writes to whom: ?q=&max=&min="},
	{"GET", "/api/timeline", h_timeline, SRV_CACHE, "counts over time: ?q=&by=auto|day|week|month|year"},
	{"GET", "/api/facets", h_facets, SRV_CACHE, "counts by sender, recipient, type, year, month, tag, ...: ?q=&limit="},
	{"GET", "/api/tags", h_tags, SRV_CACHE, "every tag with its number of contents"},
	{"POST", "/api/tags", h_tags_bulk, SRV_WRITE, "tag the contents a query matches: {query, add, remove}"},
	{"GET", "/api/items/{id}/tags", h_item_tags, 0, "an item's tags"},
	{"POST", "/api/items/{id}/tags", h_item_tag_add, SRV_WRITE, "tag an item's content: {tag}"},
	{"DELETE", "/api/items/{id}/tags/{*}", h_item_tag_remove, SRV_WRITE, "remove a tag"},
	{"GET", "/api/items/{id}/notes", h_item_notes, 0, "an item's notes"},
	{"POST", "/api/items/{id}/notes", h_item_note_add, SRV_WRITE, "add a note to an item's content: {text}"},
	{"DELETE", "/api/items/{id}/notes/{str}", h_item_note_delete, SRV_WRITE, "delete a note"},
	{"GET", "/api/server", h_server, 0, "the server's own counters: cache, queue, timings"},
	{"GET", "/api/stats", h_stats, SRV_CACHE, "counts of what the archive holds"},
	{"GET", "/api/errors", h_errors, 0, "inputs and items that failed: ?offset=&size="},
	{NULL, NULL, NULL, 0, NULL},
};
