/*
 * headers.c - the header block of a raw message, byte for byte.
 *
 * DKIM signs the exact bytes of header fields, and provenance wants them as
 * they were written, so this does not go through GMime (which rebuilds
 * headers).  The message is first given CRLF line endings (what DKIM
 * canonicalisation is defined on, and what a message had on the wire;
 * maildirs and mbox files store LF), then split into fields the way common
 * verifiers do: a field continues on lines starting with a space or tab,
 * the block ends at the first empty line, lines without a colon are
 * skipped.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "verify/verify.h"

char *tw_crlf(const char *msg, size_t len, size_t *outlen)
{
	size_t i, extra = 0, o = 0;
	char *out;

	for (i = 0; i < len; i++)
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			extra++;
	out = tw_malloc(len + extra + 1);
	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = msg[i];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* End of the line starting at p: the index of its CRLF, or len. */
static size_t line_end(const char *m, size_t p, size_t len)
{
	while (p + 1 < len && !(m[p] == '\r' && m[p + 1] == '\n'))
		p++;
	return p + 1 < len ? p : len;
}

int tw_hdrs_parse(const char *m, size_t len, tw_hdrs *out)
{
	size_t p = 0, cap = 0;

	memset(out, 0, sizeof(*out));
	while (p < len) {
		size_t e = line_end(m, p, len), colon, next;
		tw_hdr *h;

		if (e == p) {
			/* The empty line: the body follows it. */
			out->body = m + (p + 2 <= len ? p + 2 : len);
			out->blen = len - (size_t)(out->body - m);
			return 0;
		}
		/* A field runs on over continuation lines. */
		next = e + 2;
		while (next < len && (m[next] == ' ' || m[next] == '\t')) {
			e = line_end(m, next, len);
			next = e + 2;
		}
		if (next > len)
			next = len;
		for (colon = p; colon < e && m[colon] != ':' && m[colon] != '\r'; colon++)
			;
		if (colon < e && m[colon] == ':' && colon > p && m[p] != ' ' && m[p] != '\t') {
			if (out->n == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				tw_hdr *v = tw_realloc(out->v, ncap * sizeof(*v));

				if (!v) {
					tw_hdrs_release(out);
					return -1;
				}
				out->v = v;
				cap = ncap;
			}
			h = &out->v[out->n++];
			h->name = m + p;
			h->nlen = colon - p;
			/* "Name : value" is tolerated: trailing blanks are not
			 * part of the name. */
			while (h->nlen && (h->name[h->nlen - 1] == ' ' || h->name[h->nlen - 1] == '\t'))
				h->nlen--;
			h->raw = m + p;
			h->rlen = next - p;
			h->value = m + colon + 1;
			h->vlen = e - (colon + 1);
		}
		p = next;
	}
	return 0;
}

void tw_hdrs_release(tw_hdrs *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}

char *tw_hdr_unfold(const tw_hdr *h)
{
	char *s = tw_malloc(h->vlen + 1);
	size_t i, o = 0;

	if (!s)
		return NULL;
	for (i = 0; i < h->vlen; i++) {
		if (h->value[i] == '\r' || h->value[i] == '\n')
			continue;
		s[o++] = h->value[i] == '\t' ? ' ' : h->value[i];
	}
	while (o && s[o - 1] == ' ')
		o--;
	s[o] = '\0';
	i = 0;
	while (s[i] == ' ')
		i++;
	if (i)
		memmove(s, s + i, o - i + 1);
	return s;
}

const tw_hdr *tw_hdr_find(const tw_hdrs *h, const char *name)
{
	size_t i, n = strlen(name);

	for (i = h->n; i-- > 0;)
		if (h->v[i].nlen == n && !strncasecmp(h->v[i].name, name, n))
			return &h->v[i];
	return NULL;
}
