/*
 * mailhtml.c - the HTML body of an email, for the sandboxed HTML view.
 *
 * The archive keeps an email's extracted text, not its HTML, so the HTML
 * view re-reads the original message (trawl_item_raw) and takes its HTML
 * part here with GMime: the last text/html alternative that is not an
 * attachment, transfer-decoded and converted to UTF-8.  This is the one
 * place the server parses evidence itself.  The HTML is not cleaned: it is
 * only ever sent with the sandbox Content-Security-Policy (no scripts, no
 * network, opaque origin) into an <iframe sandbox>, which is what makes it
 * harmless; a cleaner would be a second, weaker line, and a parser of its
 * own to keep correct.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "mailhtml.h"

void srv_mailhtml_init(void)
{
	/* GMime counts its initialisations; the library's own (for
	 * extraction) and this one both stay valid. */
	g_mime_init();
}

static int is_attachment(GMimeObject *obj)
{
	const char *d = g_mime_object_get_header(obj, "Content-Disposition");

	return d && g_ascii_strncasecmp(d, "attachment", 10) == 0;
}

/* Depth-first: in multipart/alternative the last HTML alternative wins
 * (the richest, by RFC 2046 order); elsewhere the first.  Attached
 * messages are items of their own and are not entered. */
static GMimeObject *find_html(GMimeObject *obj, int depth)
{
	GMimeContentType *ct;

	if (!obj || depth > 32)
		return NULL;
	ct = g_mime_object_get_content_type(obj);
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp), i;
		int alt = ct && g_mime_content_type_is_type(ct, "multipart", "alternative");
		GMimeObject *found = NULL;

		for (i = 0; i < n; i++) {
			GMimeObject *f = find_html(g_mime_multipart_get_part(mp, i), depth + 1);

			if (f) {
				found = f;
				if (!alt)
					break;
			}
		}
		return found;
	}
	if (GMIME_IS_PART(obj) && ct && g_mime_content_type_is_type(ct, "text", "html") &&
	    !is_attachment(obj))
		return obj;
	return NULL;
}

/* Decode the part's content and convert it to UTF-8. */
static char *part_utf8(GMimeObject *obj, size_t max, size_t *out_len)
{
	GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *cs = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	GMimeStream *mem, *filt;
	GByteArray *ba;
	char *out = NULL;
	gsize n = 0;

	if (!w)
		return NULL;
	mem = g_mime_stream_mem_new();
	filt = g_mime_stream_filter_new(mem);
	if (cs && g_ascii_strcasecmp(cs, "utf-8") != 0 && g_ascii_strcasecmp(cs, "us-ascii") != 0) {
		GMimeFilter *f = g_mime_filter_charset_new(cs, "UTF-8");

		if (f) {
			g_mime_stream_filter_add(GMIME_STREAM_FILTER(filt), f);
			g_object_unref(f);
		} else {
			cs = NULL; /* unknown charset: treat as undeclared below */
		}
	}
	g_mime_data_wrapper_write_to_stream(w, filt);
	g_mime_stream_flush(filt);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (ba) {
		const char *d = (const char *)ba->data;
		gsize len = ba->len > max ? max : ba->len;

		if (!cs && !g_utf8_validate(d, (gssize)len, NULL))
			out = g_convert(d, (gssize)len, "UTF-8", "WINDOWS-1252", NULL, &n, NULL);
		if (!out) {
			out = g_utf8_make_valid(d, (gssize)len);
			n = out ? strlen(out) : 0;
		}
	}
	g_object_unref(filt);
	g_object_unref(mem);
	if (!out)
		return NULL;
	/* g_free and free are the same allocator in GLib >= 2.46, but hand
	 * back malloc'd memory to keep the contract plain. */
	{
		char *m = malloc(n + 1);

		if (m) {
			memcpy(m, out, n);
			m[n] = '\0';
		}
		g_free(out);
		*out_len = m ? n : 0;
		return m;
	}
}

char *srv_mailhtml(const unsigned char *raw, size_t len, size_t max, size_t *out_len)
{
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *msg;
	GMimeObject *html;
	char *out = NULL;

	*out_len = 0;
	if (!raw || !len)
		return NULL;
	/* An mbox message may still start with its "From " separator line. */
	if (len > 5 && !memcmp(raw, "From ", 5)) {
		const unsigned char *nl = memchr(raw, '\n', len);

		if (!nl)
			return NULL;
		len -= (size_t)(nl + 1 - raw);
		raw = nl + 1;
	}
	st = g_mime_stream_mem_new_with_buffer((const char *)raw, len);
	p = g_mime_parser_new_with_stream(st);
	msg = g_mime_parser_construct_message(p, NULL);
	if (msg) {
		html = find_html(g_mime_message_get_mime_part(msg), 0);
		if (html)
			out = part_utf8(html, max, out_len);
		g_object_unref(msg);
	}
	g_object_unref(p);
	g_object_unref(st);
	return out;
}
