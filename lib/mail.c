/*
 * mail.c - the mail primitives shared by the extractors, the walker and the
 * readers: the cheap content sniffers that recognise a message or an mbox
 * file from its first bytes, and the canonical forms of addresses and
 * display names that people grouping and address queries compare.
 *
 * Plain C on purpose: the front program canonicalises the addresses of
 * from:/to: queries with these and must not link GMime.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail.h"

/* ---------------------------------------------------------------- sniffing */

/* A header field name: printable ASCII except ':' and space. */
static size_t field_name_len(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	return i;
}

int tw_looks_like_message(const unsigned char *d, size_t n)
{
	static const char *const known[] = {
		"from", "to", "subject", "date", "message-id", "received",
		"return-path", "mime-version", "delivered-to", "x-", "reply-to",
		"cc", "sender", "content-type", "references", "in-reply-to",
		"dkim-signature", "arc-", "x-from", "thread-topic", "status",
		"authentication-results", "user-agent", "organization",
	};
	size_t pos = 0, lines = 0, hits = 0;

	if (n >= 5 && memcmp(d, "From ", 5) == 0)
		return 0; /* that is an mbox */
	/* Look at the header block: every line must be a field or a
	 * continuation, and some fields must be well-known ones. */
	while (pos < n && lines < 64) {
		const unsigned char *line = d + pos;
		size_t left = n - pos, len, k, i;
		const unsigned char *nl = memchr(line, '\n', left > 4096 ? 4096 : left);

		len = nl ? (size_t)(nl - line) : (left > 4096 ? 4096 : left);
		if (len && line[len - 1] == '\r')
			len--;
		if (len == 0)
			break; /* end of headers */
		if (line[0] == ' ' || line[0] == '\t') {
			if (lines == 0)
				return 0;
		} else {
			k = field_name_len(line, len);
			if (k == 0 || k >= len || line[k] != ':')
				return 0;
			for (i = 0; i < TW_ARRAY_LEN(known); i++) {
				size_t kl = strlen(known[i]);

				if ((known[i][kl - 1] == '-' ? k > kl : k == kl) &&
				    strncasecmp((const char *)line, known[i], kl) == 0) {
					hits++;
					break;
				}
			}
		}
		lines++;
		if (!nl)
			break;
		pos += (size_t)(nl - line) + 1;
	}
	return lines >= 2 && hits >= 2;
}

int tw_looks_like_mbox(const unsigned char *d, size_t n)
{
	const unsigned char *nl;
	size_t len;

	if (n < 7 || memcmp(d, "From ", 5) != 0)
		return 0;
	nl = memchr(d, '\n', n > 1024 ? 1024 : n);
	if (!nl)
		return 0;
	len = (size_t)(nl - d) + 1;
	/* The next lines must be a header block. */
	return tw_looks_like_message(d + len, n - len);
}

/* ---------------------------------------------------------------- canonical forms */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* IMCEA encoding of Exchange: "+XX" is a byte, '_' a slash (for DNs). */
static void imcea_decode(tw_buf *b, const char *s, size_t n, int underscore_slash)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '+' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			tw_buf_putc(b, (char)(hexval((unsigned char)s[i + 1]) * 16 +
					      hexval((unsigned char)s[i + 2])));
			i += 2;
		} else if (s[i] == '_' && underscore_slash) {
			tw_buf_putc(b, '/');
		} else {
			tw_buf_putc(b, s[i]);
		}
	}
}

/* An address as written, without the spaces, quotes and angle brackets
 * around it, lowercased: the form kept in email_addrs and addrs. */
char *tw_addr_normalise(const char *addr)
{
	const char *b = addr, *e;
	char *out;

	if (!addr)
		return NULL;
	while (*b && (isspace((unsigned char)*b) || *b == '<' || *b == '"' || *b == '\''))
		b++;
	e = b + strlen(b);
	while (e > b && (isspace((unsigned char)e[-1]) || e[-1] == '>' || e[-1] == '"' ||
			 e[-1] == '\''))
		e--;
	if (e == b)
		return NULL;
	out = tw_utf8_clean(b, (size_t)(e - b), NULL);
	tw_ascii_lower(out);
	return out;
}

/* Copy without (comments), outside double quotes; nesting is bounded. */
static char *strip_comments(const char *s)
{
	tw_buf b;
	int depth = 0, quoted = 0;

	if (!strchr(s, '('))
		return tw_strdup(s); /* the usual case: nothing to strip */
	tw_buf_init(&b, 1 << 16);
	for (; *s; s++) {
		if (*s == '"' && !depth)
			quoted = !quoted;
		if (!quoted && *s == '(' && depth < 16) {
			depth++;
			continue;
		}
		if (!quoted && *s == ')' && depth) {
			depth--;
			continue;
		}
		if (!depth)
			tw_buf_putc(&b, *s);
	}
	if (!b.data)
		return tw_strdup("");
	return tw_buf_detach(&b, NULL);
}

static int is_trim(char c)
{
	return isspace((unsigned char)c) || c == '"' || c == '\'' || c == '<' || c == '>';
}

char *tw_addr_trim(const char *s, size_t n)
{
	while (n && is_trim(*s)) {
		s++;
		n--;
	}
	while (n && is_trim(s[n - 1]))
		n--;
	return n ? tw_strndup(s, n) : NULL;
}

char *tw_addr_canon(const char *addr, int *kind)
{
	char *t, *p, *e, *out = NULL;
	const char *lt, *gt;
	tw_buf b;
	int k = TW_ADDR_OTHER;

	if (kind)
		*kind = TW_ADDR_OTHER;
	if (!addr)
		return NULL;
	t = strip_comments(addr);
	if (!t)
		return NULL;
	/* "Name <addr>": the part in brackets. */
	lt = strchr(t, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt && gt > lt + 1) {
		memmove(t, lt + 1, (size_t)(gt - lt - 1));
		t[gt - lt - 1] = '\0';
	}
	p = t;
	while (*p && is_trim(*p))
		p++;
	e = p + strlen(p);
	while (e > p && is_trim(e[-1]))
		e--;
	*e = '\0';
	if (!strncasecmp(p, "mailto:", 7))
		p += 7;
	if (!*p) {
		free(t);
		return NULL;
	}
	tw_buf_init(&b, 1 << 16);
	if (!strncasecmp(p, "imceaex-", 8)) {
		/* IMCEAEX-_O=ENRON_OU=NA_CN=RECIPIENTS_CN=JSMITH@enron.com */
		const char *at = strrchr(p, '@');

		imcea_decode(&b, p + 8, at ? (size_t)(at - p - 8) : strlen(p + 8), 1);
	} else if (!strncasecmp(p, "imceanotes-", 11)) {
		/* IMCEANOTES-jsmith+40example+2Ecom+40ENRON@ENRON.com: a Notes
		 * address, often with the SMTP address inside. */
		const char *at = strrchr(p, '@');
		char *d, *in, *close;

		imcea_decode(&b, p + 11, at ? (size_t)(at - p - 11) : strlen(p + 11), 0);
		d = b.data ? tw_buf_detach(&b, NULL) : tw_strdup("");
		tw_buf_init(&b, 1 << 16);
		in = d ? strchr(d, '<') : NULL;
		close = in ? strchr(in, '>') : NULL;
		if (in && close && strchr(in, '@') && strchr(in, '@') < close) {
			tw_buf_append(&b, in + 1, (size_t)(close - in - 1));
		} else if (d) {
			/* "user@host.com@NOTESDOMAIN": drop the Notes domain. */
			char *last = strrchr(d, '@');

			if (last && last != strchr(d, '@') && !strchr(last, '.'))
				*last = '\0';
			tw_buf_puts(&b, d);
		}
		free(d);
	} else {
		tw_buf_puts(&b, p);
	}
	free(t);
	if (!b.data) {
		tw_buf_release(&b);
		return NULL;
	}
	out = tw_buf_detach(&b, NULL);
	tw_ascii_lower(out);
	/* Quoted-printable leftovers in DNs: /o=3denron/ou=3dna */
	if (strstr(out, "=3d")) {
		char *r = out, *w = out;

		while (*r) {
			if (r[0] == '=' && r[1] == '3' && r[2] == 'd') {
				*w++ = '=';
				r += 3;
			} else {
				*w++ = *r++;
			}
		}
		*w = '\0';
	}
	p = out;
	if (!strncmp(p, "ex:", 3) && p[3] == '/')
		memmove(p, p + 3, strlen(p + 3) + 1);
	p = out;
	while (*p && is_trim(*p))
		p++;
	if (p != out)
		memmove(out, p, strlen(p) + 1);
	e = out + strlen(out);
	while (e > out && is_trim(e[-1]))
		*--e = '\0';
	if (!*out) {
		free(out);
		return NULL;
	}
	if (!strncmp(out, "/o=", 3) && strstr(out, "/cn="))
		k = TW_ADDR_X500;
	else if ((p = strrchr(out, '@')) && p > out && p[1])
		k = TW_ADDR_SMTP;
	if (kind)
		*kind = k;
	return out;
}

char *tw_addr_local(const char *canon, int kind)
{
	const char *p;

	if (!canon)
		return NULL;
	if (kind == TW_ADDR_X500) {
		const char *last = NULL;

		for (p = canon; (p = strstr(p, "/cn=")); p += 4)
			last = p + 4;
		return tw_strdup(last ? last : canon);
	}
	if (kind == TW_ADDR_SMTP) {
		p = strrchr(canon, '@');
		return tw_strndup(canon, (size_t)(p - canon));
	}
	return tw_strdup(canon);
}

char *tw_name_canon(const char *name)
{
	char *t, *out;
	tw_buf b, w;
	const char *p, *comma;
	size_t i;

	if (!name)
		return NULL;
	t = strip_comments(name);
	if (!t)
		return NULL;
	/* Drop <addresses> and the Notes "@DOMAIN" tails. */
	tw_buf_init(&b, 1 << 16);
	for (p = t; *p; p++) {
		if (*p == '<') {
			const char *gt = strchr(p, '>');

			if (gt) {
				p = gt;
				continue;
			}
		}
		if (*p == '@') {
			while (p[1] && !isspace((unsigned char)p[1]))
				p++;
			continue;
		}
		tw_buf_putc(&b, *p == '"' || *p == '\'' || *p == '.' || *p == '_' ? ' ' : *p);
	}
	free(t);
	if (!b.data)
		return NULL;
	/* "Allen, Phillip K." -> "Phillip K. Allen" */
	tw_buf_init(&w, 1 << 16);
	comma = strchr(b.data, ',');
	if (comma && !strchr(comma + 1, ',')) {
		tw_buf_puts(&w, comma + 1);
		tw_buf_putc(&w, ' ');
		tw_buf_append(&w, b.data, (size_t)(comma - b.data));
	} else {
		for (i = 0; i < b.len; i++)
			tw_buf_putc(&w, b.data[i] == ',' ? ' ' : b.data[i]);
	}
	tw_buf_release(&b);
	if (!w.data)
		return NULL;
	/* Fold blanks and case. */
	tw_buf_init(&b, 1 << 16);
	for (p = w.data; *p; p++) {
		if (isspace((unsigned char)*p)) {
			if (b.len && b.data[b.len - 1] != ' ')
				tw_buf_putc(&b, ' ');
		} else {
			tw_buf_putc(&b, (char)tolower((unsigned char)*p));
		}
	}
	tw_buf_release(&w);
	while (b.len && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (!b.len) {
		tw_buf_release(&b);
		return NULL;
	}
	out = tw_buf_detach(&b, NULL);
	return out;
}
