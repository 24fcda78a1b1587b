/*
 * routes_items.c - the routes that show one item: metadata with family and
 * marks, its text, its original bytes (spooled through a private temporary
 * file, bounded by SRV_MAX_RAW), an email's HTML for the sandboxed frame,
 * and conversations.  An item is named by id only, so nothing a client
 * sends becomes a path on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailhtml.h"
#include "routes.h"

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

int srv_h_item(srv_req *r)
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
	ar = srv_item_load(r, &it, &rc);
	if (!ar)
		return rc;
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
		trawl_item_tags(ar, r->id, srv_add_tag_name, json_object_get(o, "tags"));
		json_object_set_new(o, "notes", json_array());
		trawl_notes(ar, r->id, srv_add_note, json_object_get(o, "notes"));
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

int srv_h_item_text(srv_req *r)
{
	char *text = NULL;
	size_t len = 0;
	int rc = MHD_NO;
	trawl_status st;
	/* The text of a missing id reads as empty: ask for the item first so
	 * that a wrong id is a 404, not an empty document. */
	trawl_archive *ar = srv_item_reader(r, &rc);

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

int srv_h_item_raw(srv_req *r)
{
	trawl_archive *ar;
	trawl_item *it = NULL;
	struct sink s;
	struct MHD_Response *resp;
	char disp[1024];
	int rc = MHD_NO;

	ar = srv_item_load(r, &it, &rc);
	if (!ar)
		return rc;
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
int srv_h_item_html(srv_req *r)
{
	static const char none[] =
		"<!doctype html><meta charset=utf-8><p style=\"font:14px sans-serif;color:#555\">"
		"This item has no HTML version; the text view shows all of its text.</p>";
	trawl_archive *ar;
	trawl_item *it = NULL;
	struct sink s;
	int rc = MHD_NO, is_email, is_html;
	char *html;
	size_t hl = 0;

	ar = srv_item_load(r, &it, &rc);
	if (!ar)
		return rc;
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

	ar = srv_reader(r, &rc);
	if (!ar)
		return rc;
	st = by_item ? trawl_thread_get(ar, r->id, &t) : trawl_thread_get_by_id(ar, r->id, &t);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot load the conversation");
	o = thread_json(t);
	trawl_thread_free(t);
	return srv_json(r, 200, o);
}

int srv_h_thread(srv_req *r)
{
	return send_thread(r, 0);
}

int srv_h_item_thread(srv_req *r)
{
	return send_thread(r, 1);
}
