/*
 * text.c - plain text in any charset, turned into UTF-8.
 *
 * Declared charsets are tried first, but dumps lie: "us-ascii" bodies full
 * of 8-bit bytes are common.  So: valid UTF-8 is taken as is; otherwise the
 * declared charset through iconv; otherwise uchardet's guess; otherwise
 * windows-1252, then ISO-8859-1, which decode any byte.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uchardet/uchardet.h>

#include "extract/extract.h"

static int valid_utf8(const char *s, size_t n)
{
	return tw_utf8_valid_prefix(s, n) == n;
}

/* Convert with iconv; NULL when the charset is unknown or bytes are invalid. */
static char *convert(const char *in, size_t n, const char *charset, size_t *outlen)
{
	iconv_t cd;
	size_t cap, inleft = n, outleft;
	char *out, *ip = (char *)in, *op;

	if (!charset || !*charset)
		return NULL;
	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return NULL;
	if (n > (SIZE_MAX - 16) / 4) {
		iconv_close(cd);
		return NULL;
	}
	cap = n * 4 + 16;
	out = tw_malloc(cap);
	if (!out) {
		iconv_close(cd);
		return NULL;
	}
	op = out;
	outleft = cap - 1;
	while (inleft > 0) {
		if (iconv(cd, &ip, &inleft, &op, &outleft) == (size_t)-1) {
			/* A truncated sequence at the very end is dropped. */
			if (errno == EINVAL)
				break;
			free(out);
			iconv_close(cd);
			return NULL;
		}
	}
	iconv(cd, NULL, NULL, &op, &outleft);
	iconv_close(cd);
	*op = '\0';
	*outlen = (size_t)(op - out);
	return out;
}

static char *detect(const char *s, size_t n, size_t *outlen)
{
	uchardet_t ud = uchardet_new();
	char *r = NULL;

	if (!ud)
		return NULL;
	if (uchardet_handle_data(ud, s, n > (1u << 20) ? (1u << 20) : n) == 0) {
		const char *cs;

		uchardet_data_end(ud);
		cs = uchardet_get_charset(ud);
		if (cs && *cs && strcasecmp(cs, "ASCII") != 0)
			r = convert(s, n, cs, outlen);
	}
	uchardet_delete(ud);
	return r;
}

char *tw_to_utf8(const char *data, size_t len, const char *charset,
		 size_t *outlen)
{
	size_t ol = 0;
	char *r;
	int declared_unicode = charset && (strcasecmp(charset, "utf-8") == 0 ||
					   strcasecmp(charset, "utf8") == 0 ||
					   strcasecmp(charset, "us-ascii") == 0 ||
					   strcasecmp(charset, "ascii") == 0);

	if (!outlen)
		outlen = &ol;
	/* UTF-16/32 with a BOM: trust it. */
	if (len >= 2 && ((unsigned char)data[0] == 0xff && (unsigned char)data[1] == 0xfe))
		charset = "UTF-16LE";
	else if (len >= 2 && ((unsigned char)data[0] == 0xfe && (unsigned char)data[1] == 0xff))
		charset = "UTF-16BE";
	else if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
		declared_unicode = 1;
		charset = "UTF-8";
	}
	if ((!charset || declared_unicode) && valid_utf8(data, len)) {
		*outlen = len;
		return tw_strndup(data, len);
	}
	if (charset && !declared_unicode) {
		r = convert(data, len, charset, outlen);
		if (r)
			return r;
	}
	r = detect(data, len, outlen);
	if (r)
		return r;
	r = convert(data, len, "WINDOWS-1252", outlen);
	if (r)
		return r;
	return convert(data, len, "ISO-8859-1", outlen);
}

void tw_text_convert(tw_node *n, const char *data, size_t len,
		     const char *charset)
{
	size_t ol;
	char *u;

	if (!len)
		return;
	/* Most text is already UTF-8 (or ASCII): append it without copies. */
	if ((!charset || !strcasecmp(charset, "utf-8") || !strcasecmp(charset, "us-ascii") ||
	     !strcasecmp(charset, "ascii") || !strcasecmp(charset, "utf8")) &&
	    !(len >= 2 && (((unsigned char)data[0] == 0xff && (unsigned char)data[1] == 0xfe) ||
			   ((unsigned char)data[0] == 0xfe && (unsigned char)data[1] == 0xff))) &&
	    valid_utf8(data, len)) {
		if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
			data += 3;
			len -= 3;
		}
		tw_node_text(n, data, len);
		return;
	}
	u = tw_to_utf8(data, len, charset, &ol);
	if (!u) {
		tw_node_text(n, data, len); /* cleaned of invalid bytes */
		return;
	}
	tw_node_text(n, u, ol);
	free(u);
}

static int text_accepts(const char *mime, const char *ext,
			const unsigned char *data, size_t len)
{
	if (!mime)
		return 0;
	if (strcmp(mime, "text/html") == 0 || strcmp(mime, "text/rtf") == 0 ||
	    strcmp(mime, "text/xml") == 0)
		return 0;
	return strncmp(mime, "text/", 5) == 0 ||
	       strncmp(mime, "application/pgp", 15) == 0 || /* ASCII armour */
	       strcmp(mime, "application/x-mswinurl") == 0 ||
	       strcmp(mime, "application/javascript") == 0 || /* libmagic's guess for some notes */
	       strcmp(mime, "application/x-javascript") == 0 ||
	       strcmp(mime, "application/json") == 0 ||
	       strcmp(mime, "application/csv") == 0 ||
	       strcmp(mime, "application/x-subrip") == 0;
}

static trawl_status text_extract(tw_extract_ctx *cx, tw_node *node,
				 const unsigned char *data, size_t len)
{
	if (tw_cx_locating(cx))
		return TRAWL_OK;
	if (node->ext && strcmp(node->ext, "csv") == 0)
		node->type = "spreadsheet";
	tw_text_convert(node, (const char *)data, len, NULL);
	return TRAWL_OK;
}

const tw_extractor tw_extractor_text = {
	"text", "text", text_accepts, text_extract, NULL,
};
