/*
 * mailbuild.c - rebuild an RFC 5322 message from Outlook fields (see
 * mailbuild.h), with GMime doing the encoding.
 *
 * The header block is either the message's own transport headers, minus
 * the MIME fields that described the original body structure, or one made
 * from the MAPI fields; fields the transport headers lack are added from
 * the MAPI values.  The body is text/plain (and text/html as an
 * alternative), then the attachments as base64 parts named by their file
 * names, or message/rfc822 parts for embedded messages.  Every value comes
 * from hostile input: control characters are flattened before GMime sees
 * them so that no value can start a header of its own.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "extract/extract.h"
#include "extract/mailbuild.h"
#include "extract/le.h"

const char *tw_codepage_charset(uint64_t cp, char *buf, size_t n)
{
	if (cp == 0 || cp > 65535)
		return NULL;
	if (cp == 65001)
		return "UTF-8";
	if (cp == 20127)
		return "US-ASCII";
	if (cp == 28591)
		return "ISO-8859-1";
	if (cp >= 28592 && cp <= 28605) {
		snprintf(buf, n, "ISO-8859-%u", (unsigned)(cp - 28590));
		return buf;
	}
	if (cp == 50220 || cp == 50221 || cp == 50222)
		return "ISO-2022-JP";
	if (cp == 51932)
		return "EUC-JP";
	if (cp == 51949)
		return "EUC-KR";
	if (cp == 20866)
		return "KOI8-R";
	if (cp == 21866)
		return "KOI8-U";
	if (cp == 54936)
		return "GB18030";
	snprintf(buf, n, "CP%u", (unsigned)cp);
	return buf;
}

int tw_filetime_to_unix(uint64_t ft, int64_t *out)
{
	/* 1601-01-01 to 1970-01-01 in seconds. */
	const int64_t epoch = 11644473600LL;
	int64_t s;

	if (ft == 0)
		return 0;
	s = (int64_t)(ft / 10000000ULL) - epoch;
	/* Years 1900..9999: anything else is a damaged or unset value. */
	if (s < -2208988800LL || s > 253402300799LL)
		return 0;
	*out = s;
	return 1;
}

/* One line, no control characters, trimmed: safe as a header value. */
static char *one_line(const char *s, size_t max)
{
	size_t n, i, j = 0;
	char *r;

	if (!s)
		return NULL;
	n = strnlen(s, max);
	r = tw_utf8_clean(s, n, &n);
	if (!r)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r[i];

		if (c < 32 || c == 127)
			c = ' ';
		if (c == ' ' && (j == 0 || r[j - 1] == ' '))
			continue;
		r[j++] = (char)c;
	}
	while (j > 0 && r[j - 1] == ' ')
		j--;
	r[j] = 0;
	if (!j) {
		free(r);
		return NULL;
	}
	return r;
}

/* "<id@host>" or "id@host" -> "id@host" for g_mime_message_set_message_id. */
static char *bare_msgid(const char *s)
{
	char *v = one_line(s, 998), *b, *e;

	if (!v)
		return NULL;
	b = v;
	while (*b == '<' || *b == ' ')
		b++;
	e = b + strlen(b);
	while (e > b && (e[-1] == '>' || e[-1] == ' '))
		e--;
	*e = 0;
	if (!*b || strpbrk(b, " <>")) {
		free(v);
		return NULL;
	}
	memmove(v, b, strlen(b) + 1);
	return v;
}

/* "Name <addr>", "addr" or just "Name" into a mailbox of the message. */
static void add_one(GMimeMessage *msg, GMimeAddressType type, const char *name,
		    const char *addr)
{
	char *n = one_line(name, 998), *a = one_line(addr, 998);

	if (a && (strchr(a, '<') || strchr(a, '>') || strchr(a, ' ') || strchr(a, ','))) {
		/* Not an address GMime can write as one: keep it as a name. */
		if (!n) {
			n = a;
			a = NULL;
		} else {
			free(a);
			a = NULL;
		}
	}
	if (n || a)
		g_mime_message_add_mailbox(msg, type, n ? n : "", a ? a : "");
	free(n);
	free(a);
}

/* An Outlook display list: "Alice Smith; bob@example.com; Carol <c@x.org>". */
static void add_display_list(GMimeMessage *msg, GMimeAddressType type,
			     const char *list)
{
	char *copy, *p;
	int count = 0;

	if (!list || !*list)
		return;
	copy = one_line(list, 65536);
	if (!copy)
		return;
	p = copy;
	while (*p && count < 10000) {
		size_t k = strcspn(p, ";");
		char *item = p, *lt, *gt;

		p += k;
		if (*p)
			*p++ = 0;
		while (*item == ' ')
			item++;
		if (!*item)
			continue;
		count++;
		lt = strrchr(item, '<');
		gt = lt ? strchr(lt, '>') : NULL;
		if (lt && gt) {
			*lt = 0;
			*gt = 0;
			add_one(msg, type, item, lt + 1);
		} else if (strchr(item, '@') && !strchr(item, ' ')) {
			add_one(msg, type, NULL, item);
		} else {
			add_one(msg, type, item, NULL);
		}
	}
	free(copy);
}

static int is_token_char(unsigned char c)
{
	return isalnum(c) || strchr("!#$&^_.+-", c);
}

/* A part of type `mime` ("type/subtype" if valid, else octet-stream). */
static GMimePart *new_part(const char *mime)
{
	char type[64], sub[128];
	const char *slash = mime ? strchr(mime, '/') : NULL;
	size_t tl, sl, i;

	if (slash) {
		tl = (size_t)(slash - mime);
		sl = strcspn(slash + 1, "; \t");
		if (tl > 0 && tl < sizeof(type) && sl > 0 && sl < sizeof(sub)) {
			int ok = 1;

			for (i = 0; i < tl; i++)
				ok &= is_token_char((unsigned char)mime[i]);
			for (i = 0; i < sl; i++)
				ok &= is_token_char((unsigned char)slash[1 + i]);
			if (ok) {
				memcpy(type, mime, tl);
				type[tl] = 0;
				memcpy(sub, slash + 1, sl);
				sub[sl] = 0;
				tw_ascii_lower(type);
				tw_ascii_lower(sub);
				/* Structured types would need their own parsing. */
				if (strcmp(type, "multipart") != 0 &&
				    strcmp(type, "message") != 0)
					return g_mime_part_new_with_type(type, sub);
			}
		}
	}
	return g_mime_part_new_with_type("application", "octet-stream");
}

static void set_content(GMimePart *part, const void *data, size_t len,
			GMimeContentEncoding enc)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(data ? data : "", len);
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(
		s, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, w);
	g_mime_part_set_content_encoding(part, enc);
	g_object_unref(w);
	g_object_unref(s);
}

static GMimeObject *text_part(const char *subtype, const char *text, size_t len,
			      const char *charset)
{
	GMimePart *p = g_mime_part_new_with_type("text", subtype);
	char *cs = one_line(charset, 64);

	/* HTML of unknown charset keeps none: its <meta> may say. */
	if (cs || strcmp(subtype, "plain") == 0)
		g_mime_object_set_content_type_parameter(GMIME_OBJECT(p), "charset",
							 cs ? cs : "utf-8");
	free(cs);
	set_content(p, text, len, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(p);
}

static GMimeObject *attachment_part(const tw_mail_att *a, int index)
{
	char *name = one_line(a->name, 1024), fallback[48];
	GMimeObject *obj = NULL;

	if (a->message) {
		GMimeStream *s = g_mime_stream_mem_new_with_buffer(
			(const char *)a->data, a->len);
		GMimeParser *p = g_mime_parser_new_with_stream(s);
		GMimeMessage *m;

		g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
		m = g_mime_parser_construct_message(p, NULL);
		g_object_unref(p);
		g_object_unref(s);
		if (m) {
			GMimeMessagePart *mp =
				g_mime_message_part_new_with_message("rfc822", m);

			g_object_unref(m);
			obj = GMIME_OBJECT(mp);
			if (name)
				g_mime_object_set_content_disposition_parameter(
					obj, "filename", name);
		}
	}
	if (!obj) {
		GMimePart *part = new_part(a->message ? NULL : a->mime);
		char *cid = one_line(a->content_id, 998);

		if (!name) {
			snprintf(fallback, sizeof(fallback), "attachment-%d.bin", index);
			name = tw_strdup(fallback);
		}
		set_content(part, a->data, a->len, GMIME_CONTENT_ENCODING_BASE64);
		if (name)
			g_mime_part_set_filename(part, name);
		if (cid) {
			char *b = bare_msgid(cid);

			if (b)
				g_mime_part_set_content_id(part, b);
			free(b);
			free(cid);
		}
		obj = GMIME_OBJECT(part);
	}
	g_mime_object_set_disposition(obj, "attachment");
	free(name);
	return obj;
}

static void hash_str(tw_hasher *h, const char *s, size_t n)
{
	uint64_t len = s ? n : UINT64_MAX;

	tw_hasher_update(h, &len, sizeof(len));
	if (s && n)
		tw_hasher_update(h, s, n);
}

/*
 * Multipart boundaries derived from the content instead of GMime's random
 * ones: the same item must give the same bytes (and digest) on every run,
 * and a message embedded in another must not share its boundaries.
 */
static void content_boundary(const tw_mail *m, char *out, size_t n)
{
	tw_hasher *h = tw_hasher_new();
	tw_digest d;
	char hex[33];
	size_t i;

	if (!h) {
		snprintf(out, n, "=-tw-%zu-%zu", m->body_len, m->natts);
		return;
	}
	hash_str(h, m->headers, m->headers ? strlen(m->headers) : 0);
	hash_str(h, m->subject, m->subject ? strlen(m->subject) : 0);
	hash_str(h, m->body, m->body_len);
	hash_str(h, m->html, m->html_len);
	for (i = 0; i < m->natts; i++) {
		hash_str(h, m->atts[i].name, m->atts[i].name ? strlen(m->atts[i].name) : 0);
		hash_str(h, (const char *)m->atts[i].data, m->atts[i].len);
	}
	tw_hasher_final(h, &d);
	tw_hex(d.sha256, 16, hex);
	snprintf(out, n, "=-tw-%s", hex);
}

static GMimeObject *body_structure(const tw_mail *m)
{
	GMimeObject *body = NULL;
	char boundary[64], sub[72];
	size_t i;

	content_boundary(m, boundary, sizeof(boundary));

	if (m->html && m->html_len) {
		GMimeObject *html = text_part("html", m->html, m->html_len,
					      m->html_charset);

		if (m->body && m->body_len) {
			GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
			GMimeObject *plain = text_part("plain", m->body, m->body_len, NULL);

			snprintf(sub, sizeof(sub), "%s-a", boundary);
			g_mime_multipart_set_boundary(alt, sub);

			g_mime_multipart_add(alt, plain);
			g_mime_multipart_add(alt, html);
			g_object_unref(plain);
			g_object_unref(html);
			body = GMIME_OBJECT(alt);
		} else {
			body = html;
		}
	} else {
		body = text_part("plain", m->body ? m->body : "",
				 m->body ? m->body_len : 0, NULL);
	}
	if (!m->natts)
		return body;
	{
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");

		snprintf(sub, sizeof(sub), "%s-m", boundary);
		g_mime_multipart_set_boundary(mixed, sub);

		g_mime_multipart_add(mixed, body);
		g_object_unref(body);
		for (i = 0; i < m->natts; i++) {
			GMimeObject *a = attachment_part(&m->atts[i], (int)i + 1);

			g_mime_multipart_add(mixed, a);
			g_object_unref(a);
		}
		return GMIME_OBJECT(mixed);
	}
}

static int is_mime_field(const char *line, size_t k)
{
	return (k >= 8 && strncasecmp(line, "content-", 8) == 0) ||
	       (k == 12 && strncasecmp(line, "mime-version", 12) == 0);
}

/* Fields of transport headers that the MAPI values could also supply. */
enum {
	H_FROM = 1, H_TO = 2, H_CC = 4, H_SUBJECT = 8, H_DATE = 16,
	H_MSGID = 32, H_IRT = 64, H_REFS = 128, H_BCC = 256,
};

/*
 * Copy the usable part of transport headers into `out`: header lines and
 * their continuations up to the first empty line, without the MIME fields.
 * Returns the number of fields copied; `have` collects which H_ fields are
 * present.
 */
static int filter_headers(const char *h, tw_buf *out, unsigned *have)
{
	static const struct {
		const char *name;
		unsigned bit;
	} known[] = {
		{"from", H_FROM}, {"to", H_TO}, {"cc", H_CC}, {"bcc", H_BCC},
		{"subject", H_SUBJECT}, {"date", H_DATE}, {"message-id", H_MSGID},
		{"in-reply-to", H_IRT}, {"references", H_REFS},
	};
	const char *p = h;
	int fields = 0, keep = 0;

	*have = 0;
	while (*p) {
		size_t len = strcspn(p, "\n"), k, i, l2;
		const char *next = p[len] ? p + len + 1 : p + len;

		l2 = len;
		if (l2 && p[l2 - 1] == '\r')
			l2--;
		if (l2 == 0) {
			if (fields)
				break; /* end of the header block */
			p = next;
			continue;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			if (keep) {
				tw_buf_append(out, p, l2);
				tw_buf_putc(out, '\n');
			}
			p = next;
			continue;
		}
		for (k = 0; k < l2 && p[k] > 32 && p[k] < 127 && p[k] != ':'; k++)
			;
		keep = 0;
		if (k > 0 && k < l2 && p[k] == ':') {
			if (!is_mime_field(p, k)) {
				keep = 1;
				fields++;
				for (i = 0; i < TW_ARRAY_LEN(known); i++)
					if (k == strlen(known[i].name) &&
					    strncasecmp(p, known[i].name, k) == 0)
						*have |= known[i].bit;
				tw_buf_append(out, p, l2);
				tw_buf_putc(out, '\n');
			}
		}
		/* Other lines ("Microsoft Mail Internet Headers Version 2.0",
		 * an mbox "From " line) are dropped. */
		p = next;
	}
	return fields;
}

char *tw_mail_build(const tw_mail *m, size_t *len)
{
	GMimeMessage *msg;
	GMimeObject *body;
	GMimeHeaderList *hl;
	tw_buf out, hdr;
	unsigned have = 0;
	char *s, *v;
	size_t i;

	tw_extract_global_init();
	tw_buf_init(&out, (size_t)-1 / 2);
	tw_buf_init(&hdr, 1u << 20);
	if (m->headers && filter_headers(m->headers, &hdr, &have) < 2) {
		tw_buf_reset(&hdr);
		have = 0;
	}
	if (hdr.truncated) {
		/* Cut at the limit: drop the partial last line. */
		while (hdr.len && hdr.data[hdr.len - 1] != '\n')
			hdr.len--;
		hdr.data[hdr.len] = 0;
	}
	msg = g_mime_message_new(FALSE);
	if (!(have & H_FROM) && (m->from_name || m->from_addr))
		add_one(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name, m->from_addr);
	if (m->nrcpts) {
		for (i = 0; i < m->nrcpts; i++) {
			const tw_mail_rcpt *r = &m->rcpts[i];
			GMimeAddressType t = r->role == TW_CC ? GMIME_ADDRESS_TYPE_CC :
					     r->role == TW_BCC ? GMIME_ADDRESS_TYPE_BCC :
					     GMIME_ADDRESS_TYPE_TO;
			unsigned bit = t == GMIME_ADDRESS_TYPE_CC ? H_CC :
				       t == GMIME_ADDRESS_TYPE_BCC ? H_BCC : H_TO;

			if (!(have & bit))
				add_one(msg, t, r->name, r->addr);
		}
	} else {
		if (!(have & H_TO))
			add_display_list(msg, GMIME_ADDRESS_TYPE_TO, m->to);
		if (!(have & H_CC))
			add_display_list(msg, GMIME_ADDRESS_TYPE_CC, m->cc);
		if (!(have & H_BCC))
			add_display_list(msg, GMIME_ADDRESS_TYPE_BCC, m->bcc);
	}
	if (!(have & H_SUBJECT) && (v = one_line(m->subject, 65536))) {
		g_mime_message_set_subject(msg, v, "utf-8");
		free(v);
	}
	if (!(have & H_DATE) && m->has_date) {
		GDateTime *dt = g_date_time_new_from_unix_utc(m->date);

		if (dt) {
			g_mime_message_set_date(msg, dt);
			g_date_time_unref(dt);
		}
	}
	if (!(have & H_MSGID) && (v = bare_msgid(m->message_id))) {
		g_mime_message_set_message_id(msg, v);
		free(v);
	}
	if (!(have & H_IRT) && (v = one_line(m->in_reply_to, 998))) {
		g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To", v, NULL);
		free(v);
	}
	if (!(have & H_REFS) && (v = one_line(m->references, 65536))) {
		g_mime_object_set_header(GMIME_OBJECT(msg), "References", v, NULL);
		free(v);
	}
	for (i = 0; i + 1 < m->nextra * 2 && m->extra; i += 2) {
		char *name = one_line(m->extra[i], 64), *val = one_line(m->extra[i + 1], 998);

		if (name && val && !strpbrk(name, ": "))
			g_mime_object_append_header(GMIME_OBJECT(msg), name, val, NULL);
		free(name);
		free(val);
	}

	/* Header block: transport headers first, then what was generated. */
	if (hdr.len)
		tw_buf_append(&out, hdr.data, hdr.len);
	hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	/* MIME-Version comes with the body below. */
	g_mime_header_list_remove(hl, "MIME-Version");
	s = g_mime_header_list_to_string(hl, NULL);
	if (s) {
		tw_buf_puts(&out, s);
		g_free(s);
	}
	tw_buf_puts(&out, "MIME-Version: 1.0\n");
	/* Through a byte stream: embedded messages may hold NUL bytes. */
	body = body_structure(m);
	{
		GMimeStream *st = g_mime_stream_mem_new();
		GByteArray *ba;

		g_mime_object_write_to_stream(body, NULL, st);
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
		if (ba && ba->len)
			tw_buf_append(&out, ba->data, ba->len);
		g_object_unref(st);
	}
	g_object_unref(body);
	g_object_unref(msg);
	tw_buf_release(&hdr);
	return tw_buf_detach(&out, len);
}

/* ---------------------------------------------------------------- compressed RTF */

/* The dictionary every LZFu stream starts from ([MS-OXRTFCP] 3.1.2). */
static const char lzfu_prebuf[] =
	"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman "
	"\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes "
	"New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
	"\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

_Static_assert(sizeof(lzfu_prebuf) - 1 == 207, "LZFu dictionary is 207 bytes");

unsigned char *tw_lzfu_decompress(const unsigned char *in, size_t n, size_t max,
				  size_t *outlen)
{
	unsigned char dict[4096], *out;
	size_t raw, comp, ip = 16, op = 0, wpos = sizeof(lzfu_prebuf) - 1;
	uint32_t type;

	if (n < 16)
		return NULL;
	comp = tw_le32(in);
	raw = tw_le32(in + 4);
	type = tw_le32(in + 8);
	/* The stored size counts what follows it; trust the smaller. */
	if (comp + 4 < n)
		n = comp + 4;
	if (raw > max)
		raw = max;
	if (type == 0x414c454du) { /* "MELA": stored */
		if (raw > n - 16)
			raw = n - 16;
		out = tw_malloc(raw + 1);
		if (!out)
			return NULL;
		memcpy(out, in + 16, raw);
		out[raw] = 0;
		*outlen = raw;
		return out;
	}
	if (type != 0x75465a4cu) /* "LZFu" */
		return NULL;
	out = tw_malloc(raw + 1);
	if (!out)
		return NULL;
	memcpy(dict, lzfu_prebuf, sizeof(lzfu_prebuf) - 1);
	memset(dict + wpos, 0, sizeof(dict) - wpos);
	while (ip < n && op < raw) {
		unsigned control = in[ip++], bit;

		for (bit = 0; bit < 8 && op < raw; bit++) {
			if (!(control & (1u << bit))) {
				if (ip >= n)
					goto done;
				out[op++] = dict[wpos] = in[ip++];
				wpos = (wpos + 1) & 4095;
			} else {
				size_t off, len, k;

				if (ip + 2 > n)
					goto done;
				off = ((size_t)in[ip] << 4) | (in[ip + 1] >> 4);
				len = (size_t)(in[ip + 1] & 15) + 2;
				ip += 2;
				if (off == wpos)
					goto done; /* end marker */
				for (k = 0; k < len && op < raw; k++) {
					unsigned char c = dict[(off + k) & 4095];

					out[op++] = dict[wpos] = c;
					wpos = (wpos + 1) & 4095;
				}
			}
		}
	}
done:
	out[op] = 0;
	*outlen = op;
	return out;
}
