/*
 * email.c - RFC 5322 / MIME messages, parsed with GMime.
 *
 * A message becomes one node of type "email": decoded headers, addresses
 * with their roles, the Date (original zone kept, UTC stored, missing or
 * unparsable dates recorded as such), Message-ID, In-Reply-To, References,
 * and the body text (text/plain preferred, else HTML turned into text).
 * Every attachment, and every message/rfc822 part, becomes a child through
 * tw_child(), located by its leaf index ("part:N") so that its bytes can be
 * found again.  The sniffers, date parsing and address forms it uses are
 * the shared mail primitives of lib/mail.c and lib/maildate.c.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "extract/extract.h"

/* ---------------------------------------------------------------- extraction */

struct walk {
	tw_extract_ctx *cx;
	tw_node *node;
	int leaf;       /* depth-first index of the next leaf part */
	int have_plain; /* a text/plain body was found */
	tw_buf html;    /* HTML bodies, used when no plain text exists */
};

static GByteArray *part_bytes(GMimeObject *obj)
{
	GMimeStream *s = g_mime_stream_mem_new();
	GByteArray *ba;

	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m)
			g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, s);
	} else if (GMIME_IS_PART(obj)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));

		if (w)
			g_mime_data_wrapper_write_to_stream(w, s);
	}
	/* Take the bytes over: an owning stream would empty the array. */
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	g_object_unref(s);
	return ba;
}

static void add_text(struct walk *w, GMimeObject *obj, int html)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *cs = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	GByteArray *ba;

	if (tw_cx_locating(w->cx))
		return;
	ba = part_bytes(obj);
	if (html) {
		size_t tl = 0;
		char *t = tw_html_to_text((const char *)ba->data, ba->len, cs,
					  tw_cx_limits(w->cx)->max_text_bytes, NULL);

		if (t) {
			tl = strlen(t);
			tw_buf_append(&w->html, t, tl);
			tw_buf_putc(&w->html, '\n');
			free(t);
		}
	} else {
		if (w->node->text.len)
			tw_node_text(w->node, "\n", 1);
		tw_text_convert(w->node, (const char *)ba->data, ba->len, cs);
		w->have_plain = 1;
	}
	g_byte_array_unref(ba);
}

static void add_child(struct walk *w, GMimeObject *obj, int index)
{
	char loc[32], fallback[64];
	const char *name = NULL;
	GByteArray *ba;
	tw_node *c;

	if (GMIME_IS_PART(obj))
		name = g_mime_part_get_filename(GMIME_PART(obj));
	if (!name && GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		const char *subj = m ? g_mime_message_get_subject(m) : NULL;

		snprintf(fallback, sizeof(fallback), "%.50s.eml",
			 subj && *subj ? subj : "message");
		for (char *p = fallback; *p; p++)
			if (*p == '/' || *p == '!')
				*p = '_';
		name = fallback;
	}
	if (!name) {
		GMimeContentType *ct = g_mime_object_get_content_type(obj);

		snprintf(fallback, sizeof(fallback), "part-%d.%s", index,
			 ct && ct->subtype ? ct->subtype : "bin");
		name = fallback;
	}
	snprintf(loc, sizeof(loc), "part:%d", index);
	ba = part_bytes(obj);
	c = tw_child(w->cx, w->node, "attachment", name, loc, ba->data, ba->len);
	(void)c;
	g_byte_array_unref(ba);
}

static int is_attachment(GMimeObject *obj)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	if (d && g_mime_content_disposition_is_attachment(d))
		return 1;
	if (GMIME_IS_PART(obj) && g_mime_part_get_filename(GMIME_PART(obj)))
		return 1;
	if (!ct || !g_mime_content_type_is_type(ct, "text", "*"))
		return 1;
	return !(g_mime_content_type_is_type(ct, "text", "plain") ||
		 g_mime_content_type_is_type(ct, "text", "html") ||
		 g_mime_content_type_is_type(ct, "text", "enriched"));
}

/* Count the leaves under obj (so that skipped alternatives keep indexes). */
static int count_leaves(GMimeObject *obj)
{
	int i, n, total = 0;

	if (!GMIME_IS_MULTIPART(obj))
		return 1;
	n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
	for (i = 0; i < n; i++)
		total += count_leaves(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i));
	return total;
}

static void walk_parts(struct walk *w, GMimeObject *obj, int depth)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	if (depth > 64 || tw_cx_expired(w->cx))
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i, n = g_mime_multipart_get_count(mp);

		if (GMIME_IS_MULTIPART_ENCRYPTED(obj) && !tw_cx_locating(w->cx))
			tw_node_prop(w->node, "encrypted", "multipart/encrypted");
		if (ct && g_mime_content_type_is_type(ct, "multipart", "alternative")) {
			/* Index the plain alternative if there is one, else the
			 * richest; other alternatives keep their leaf numbers. */
			int best = -1, base = w->leaf;

			for (i = 0; i < n && best < 0; i++) {
				GMimeObject *p = g_mime_multipart_get_part(mp, i);
				GMimeContentType *pt = g_mime_object_get_content_type(p);

				if (pt && g_mime_content_type_is_type(pt, "text", "plain") &&
				    !is_attachment(p))
					best = i;
			}
			if (best < 0)
				best = n - 1;
			for (i = 0; i < n; i++) {
				GMimeObject *p = g_mime_multipart_get_part(mp, i);

				if (i == best)
					walk_parts(w, p, depth + 1);
				else
					w->leaf += count_leaves(p);
			}
			(void)base;
			return;
		}
		for (i = 0; i < n; i++)
			walk_parts(w, g_mime_multipart_get_part(mp, i), depth + 1);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		add_child(w, obj, w->leaf++);
		return;
	}
	if (!GMIME_IS_PART(obj)) {
		w->leaf++;
		return;
	}
	if (is_attachment(obj)) {
		add_child(w, obj, w->leaf++);
		return;
	}
	w->leaf++;
	if (ct && g_mime_content_type_is_type(ct, "text", "html"))
		add_text(w, obj, 1);
	else
		add_text(w, obj, 0);
}

static char *dup_msgid(tw_node *node, const char *s)
{
	char *d, *r;

	if (!s || !*s)
		return NULL;
	d = g_mime_utils_decode_message_id(s);
	if (!d || !*d) {
		g_free(d);
		r = tw_addr_normalise(s);
		if (!r && !tw_addr_blank(s))
			node->oom = 1;
		return r;
	}
	r = tw_node_str(node, d);
	g_free(d);
	return r;
}

static void add_list(tw_email *e, int role, InternetAddressList *l, int depth)
{
	int i, n;

	if (!l || depth > 4)
		return;
	n = internet_address_list_length(l);
	for (i = 0; i < n && i < 10000; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			add_list(e, role,
				 internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
				 depth + 1);
		} else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			tw_email_addr(e, role, internet_address_get_name(a),
				      internet_address_mailbox_get_addr(
					      INTERNET_ADDRESS_MAILBOX(a)));
		}
	}
}

/*
 * GMime drops addresses that break RFC 5322 (Enron has "m..presto@enron.com"),
 * but a reporter still needs them: when GMime finds nothing in a non-empty
 * header, split it on commas outside quotes and take what looks like an
 * address from each piece.
 */
/* Trim blanks and one pair of surrounding quotes; decode RFC 2047 words. */
static char *clean_name(tw_email *e, const char *s, size_t n)
{
	char *raw, *dec;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	if (!n)
		return NULL;
	raw = tw_strndup(s, n);
	if (!raw) {
		e->oom = 1;
		return NULL;
	}
	dec = g_mime_utils_header_decode_phrase(NULL, raw);
	free(raw);
	if (!dec)
		return NULL;
	raw = tw_strdup(dec);
	if (!raw)
		e->oom = 1;
	g_free(dec);
	return raw;
}

/* Split a header on commas outside quotes and angle brackets; with `e`,
 * add what looks like an address from each piece.  Returns the number of
 * pieces that hold an '@'. */
static size_t lenient_list(tw_email *e, int role, const char *raw)
{
	const char *p = raw, *start = raw;
	int quoted = 0, angle = 0;
	size_t with_at = 0;

	for (;; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '<')
			angle = 1;
		else if (*p == '>')
			angle = 0;
		if (*p == '\0' || (*p == ',' && !quoted && !angle)) {
			size_t len = (size_t)(p - start);
			const char *lt = memchr(start, '<', len);
			const char *gt = lt ? memchr(lt, '>', len - (size_t)(lt - start)) : NULL;
			const char *at = memchr(start, '@', len);

			with_at += at != NULL;
			if (e && lt && gt) {
				char *name = clean_name(e, start, (size_t)(lt - start));
				char *addr = tw_strndup(lt + 1, (size_t)(gt - lt - 1));

				if (!addr)
					e->oom = 1;
				tw_email_addr(e, role, name, addr);
				free(name);
				free(addr);
			} else if (e && at) {
				char *addr = tw_strndup(start, len);

				if (!addr)
					e->oom = 1;
				tw_email_addr(e, role, NULL, addr);
				free(addr);
			} else if (e) {
				char *name = clean_name(e, start, len);

				if (name)
					tw_email_addr(e, role, name, NULL);
				free(name);
			}
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	return with_at;
}

static void headers(tw_node *node, GMimeMessage *m)
{
	static const struct {
		GMimeAddressType type;
		int role;
		const char *header;
	} roles[] = {
		{GMIME_ADDRESS_TYPE_FROM, TW_FROM, "From"},
		{GMIME_ADDRESS_TYPE_TO, TW_TO, "To"},
		{GMIME_ADDRESS_TYPE_CC, TW_CC, "Cc"},
		{GMIME_ADDRESS_TYPE_BCC, TW_BCC, "Bcc"},
		{GMIME_ADDRESS_TYPE_REPLY_TO, TW_REPLY_TO, "Reply-To"},
		{GMIME_ADDRESS_TYPE_SENDER, TW_SENDER, "Sender"},
	};
	GMimeObject *o = GMIME_OBJECT(m);
	tw_email *e = tw_calloc(1, sizeof(*e));
	const char *s;
	GDateTime *dt;
	size_t i;

	if (!e) {
		node->oom = 1;
		return;
	}
	node->email = e;
	e->subject = tw_node_str(node, g_mime_message_get_subject(m));
	s = g_mime_message_get_message_id(m);
	if (s && *s)
		e->message_id = tw_node_str(node, s);
	e->in_reply_to = dup_msgid(node, g_mime_object_get_header(o, "In-Reply-To"));
	s = g_mime_object_get_header(o, "References");
	if (s) {
		GMimeReferences *refs = g_mime_references_parse(NULL, s);
		tw_buf b;
		int k, nr = refs ? g_mime_references_length(refs) : 0;

		tw_buf_init(&b, 64 * 1024);
		for (k = 0; k < nr; k++) {
			const char *id = g_mime_references_get_message_id(refs, k);

			if (b.len)
				tw_buf_putc(&b, ' ');
			tw_buf_puts(&b, id);
		}
		if (refs)
			g_mime_references_free(refs);
		if (tw_buf_failed(&b))
			node->oom = 1;
		else if (b.len)
			e->references = tw_node_str(node, b.data);
		tw_buf_release(&b);
	}
	s = g_mime_object_get_header(o, "Date");
	dt = g_mime_message_get_date(m);
	e->date_raw = tw_node_str(node, s);
	if (!s) {
		e->date_status = TW_DATE_MISSING;
	} else if (!dt) {
		e->date_status = TW_DATE_INVALID;
	} else {
		e->date = g_date_time_to_unix(dt);
		e->tz_offset = (int)(g_date_time_get_utc_offset(dt) / G_TIME_SPAN_MINUTE);
		e->date_status = TW_DATE_OK;
	}
	for (i = 0; i < TW_ARRAY_LEN(roles); i++) {
		size_t before = e->naddrs;
		const char *raw;

		add_list(e, roles[i].role, g_mime_message_get_addresses(m, roles[i].type), 0);
		raw = g_mime_object_get_header(o, roles[i].header);
		if (raw && *raw) {
			size_t k, got = 0;

			for (k = before; k < e->naddrs; k++)
				got += e->addrs[k].addr != NULL;
			/* GMime dropped some (or all) of the addresses: read the
			 * header leniently instead. */
			if (got < lenient_list(NULL, roles[i].role, raw) ||
			    e->naddrs == before) {
				for (k = before; k < e->naddrs; k++) {
					free(e->addrs[k].name);
					free(e->addrs[k].addr);
				}
				e->naddrs = before;
				lenient_list(e, roles[i].role, raw);
			}
		}
	}
	s = g_mime_object_get_header(o, "X-Mailer");
	if (!s)
		s = g_mime_object_get_header(o, "User-Agent");
	if (s)
		tw_node_prop(node, "mailer", s);
	/* Exchange exports (Enron's CALO headers) give the sender and
	 * recipients as the mail client showed them, often with X.500 DNs;
	 * lib/people.c pairs those with the SMTP addresses above. */
	{
		static const char *const xh[][2] = {
			{"X-From", "x-from"}, {"X-To", "x-to"}, {"X-cc", "x-cc"},
		};

		for (i = 0; i < TW_ARRAY_LEN(xh); i++) {
			s = g_mime_object_get_header(o, xh[i][0]);
			if (s && *s)
				tw_node_prop(node, xh[i][1], s);
		}
	}
	if (e->subject)
		tw_node_prop(node, "title", e->subject);
}

static trawl_status email_extract(tw_extract_ctx *cx, tw_node *node,
				  const unsigned char *data, size_t len)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;
	struct walk w;

	stream = g_mime_stream_mem_new_with_buffer((const char *)data, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	g_object_unref(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	if (!m) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "not a parseable RFC 5322 message");
		return TRAWL_ECORRUPT;
	}
	node->type = "email";
	if (!tw_cx_locating(cx))
		headers(node, m);
	memset(&w, 0, sizeof(w));
	w.cx = cx;
	w.node = node;
	tw_buf_init(&w.html, tw_cx_limits(cx)->max_text_bytes);
	if (m->mime_part)
		walk_parts(&w, m->mime_part, 0);
	if (!w.have_plain && w.html.len)
		tw_node_text(node, w.html.data, w.html.len);
	tw_buf_release(&w.html);
	g_object_unref(m);
	return TRAWL_OK;
}

static int email_accepts(const char *mime, const char *ext,
			 const unsigned char *data, size_t len)
{
	return mime && (strcmp(mime, "message/rfc822") == 0 ||
			strcmp(mime, "message/news") == 0);
}

const tw_extractor tw_extractor_email = {
	"email", "email", email_accepts, email_extract, NULL,
};
