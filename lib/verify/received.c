/*
 * received.c - one Received header as a hop: who handed the message to
 * whom, from which IP, by which protocol, when and in which zone.
 *
 *   Received: from mail.example.com (mail.example.com [192.0.2.1])
 *           by mx.example.org (Postfix) with ESMTPS id 4B2C1
 *           for <bob@example.org>; Mon, 14 May 2001 16:39:00 -0700
 *
 * RFC 5321 gives the clauses (from, by, via, with, id, for) and a date
 * after the last ';', but real relays write every variation, and a forged
 * or damaged header is exactly what an investigator wants to see.  So the
 * parser is tolerant: it takes what it can recognise, and a header it
 * cannot make sense of is kept raw with parsed = 0 rather than dropped.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "verify/verify.h"

/* An IPv4 or IPv6 address at s (after an optional "IPv6:"); its length or 0. */
static size_t ip_at(const char *s, char *out, size_t outlen)
{
	char buf[64];
	unsigned char bin[16];
	size_t n = 0, skip = 0;

	if (!strncasecmp(s, "IPv6:", 5))
		skip = 5;
	while (s[skip + n] && n < sizeof(buf) - 1 &&
	       (isxdigit((unsigned char)s[skip + n]) || s[skip + n] == '.' || s[skip + n] == ':'))
		n++;
	while (n && (s[skip + n - 1] == '.' || s[skip + n - 1] == ':') &&
	       !(n >= 2 && s[skip + n - 2] == ':'))
		n--;
	if (!n)
		return 0;
	memcpy(buf, s + skip, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, bin) != 1 && inet_pton(AF_INET6, buf, bin) != 1)
		return 0;
	snprintf(out, outlen, "%s", buf);
	return skip + n;
}

/* The first IP address in text, preferring one in brackets. */
static char *find_ip(const char *t)
{
	char ip[64];
	const char *p;

	for (p = t; *p; p++)
		if (*p == '[' && ip_at(p + 1, ip, sizeof(ip)))
			return tw_strdup(ip);
	for (p = t; *p; p++) {
		if ((p == t || !isalnum((unsigned char)p[-1])) && (isdigit((unsigned char)*p) || *p == ':' ||
								    !strncasecmp(p, "IPv6:", 5))) {
			size_t n = ip_at(p, ip, sizeof(ip));

			/* A bare address must be one word, not the start of a
			 * host name such as 192.0.2.1.example.net. */
			if (n && (strchr(ip, '.') || strchr(ip, ':')) &&
			    !isalnum((unsigned char)p[n]) && p[n] != '-' && (p[n] != '.' || !isalnum((unsigned char)p[n + 1])))
				return tw_strdup(ip);
		}
	}
	return NULL;
}

static int is_kw(const char *w, size_t n)
{
	static const char *const kws[] = {"from", "by", "via", "with", "id", "for", NULL};
	int i;

	for (i = 0; kws[i]; i++)
		if (strlen(kws[i]) == n && !strncasecmp(w, kws[i], n))
			return i;
	return -1;
}

void tw_hop_release(tw_hop *h)
{
	free(h->from_host);
	free(h->from_rdns);
	free(h->from_ip);
	free(h->by_host);
	free(h->protocol);
	free(h->id);
	free(h->for_addr);
	free(h->raw);
	memset(h, 0, sizeof(*h));
}

void tw_received_parse(const char *value, tw_hop *hop)
{
	const char *semi, *p, *end;
	char **slot = NULL;
	int kw = -1, depth = 0;
	tw_buf from_comment;

	memset(hop, 0, sizeof(*hop));
	hop->raw = tw_strdup(value);
	if (!value)
		return;
	/* The date follows the last ';' (one inside a comment does not count). */
	semi = NULL;
	for (p = value; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth)
			depth--;
		else if (*p == ';' && !depth)
			semi = p;
	}
	end = semi ? semi : value + strlen(value);
	if (semi) {
		int64_t t;
		int tz;

		if (tw_parse_date(semi + 1, &t, &tz) == 0) {
			hop->time = t;
			hop->tz_offset = tz;
			hop->has_time = 1;
		}
	}
	tw_buf_init(&from_comment, 4096);
	depth = 0;
	for (p = value; p < end;) {
		const char *w;
		size_t n;

		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (*p == '(') {
			/* A comment: it belongs to the clause before it; the
			 * "from" comment holds the relay's lookup and the IP. */
			const char *c = ++p;
			int d = 1;

			while (p < end && d) {
				if (*p == '(')
					d++;
				else if (*p == ')')
					d--;
				if (d)
					p++;
			}
			if (kw == 0) {
				if (from_comment.len)
					tw_buf_putc(&from_comment, ' ');
				tw_buf_append(&from_comment, c, (size_t)(p - c));
			} else if (kw == 1 && !hop->protocol) {
				/* "by host (Postfix)": the software, not a protocol. */
			}
			if (p < end)
				p++;
			continue;
		}
		w = p;
		while (p < end && !isspace((unsigned char)*p) && *p != '(')
			p++;
		n = (size_t)(p - w);
		if (is_kw(w, n) >= 0 && (!slot || *slot)) {
			kw = is_kw(w, n);
			slot = kw == 0 ? &hop->from_host : kw == 1 ? &hop->by_host : kw == 3 ? &hop->protocol
				: kw == 4 ? &hop->id : kw == 5 ? &hop->for_addr : NULL;
			if (slot && *slot)
				slot = NULL; /* a clause given twice: keep the first */
			continue;
		}
		if (slot && !*slot) {
			*slot = tw_strndup(w, n);
			if (kw == 5 && *slot) {
				/* "for <bob@example.org>" */
				char *a = *slot;
				size_t l = strlen(a);

				if (l >= 2 && a[0] == '<' && a[l - 1] == '>') {
					memmove(a, a + 1, l - 2);
					a[l - 2] = '\0';
				}
			}
		}
	}
	if (hop->from_host || from_comment.len) {
		const char *fc = from_comment.data ? from_comment.data : "";
		char *ip = find_ip(fc);

		if (!ip && hop->from_host)
			ip = find_ip(hop->from_host);
		hop->from_ip = ip;
		/* "(mail.example.com [192.0.2.1])": the name the relay found. */
		if (fc[0] && fc[0] != '[' && strncasecmp(fc, "helo", 4) && strncasecmp(fc, "ehlo", 4)) {
			size_t k = strcspn(fc, " [");

			if (k && memchr(fc, '.', k) && !(ip && !strncmp(fc, ip, k)))
				hop->from_rdns = tw_strndup(fc, k);
		}
		if (hop->from_host && hop->from_host[0] == '[') {
			/* "from [192.0.2.1]": no name given */
			char *h = hop->from_host;
			size_t l = strlen(h);

			if (l > 2 && h[l - 1] == ']') {
				memmove(h, h + 1, l - 2);
				h[l - 2] = '\0';
			}
		}
	}
	tw_buf_release(&from_comment);
	/* qmail's "(qmail 123 invoked from network); date" is a hop too. */
	hop->parsed = semi != NULL && (hop->from_host || hop->by_host || hop->has_time);
}
