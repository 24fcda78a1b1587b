/*
 * secrets.c - the validators of secrets and network identifiers: passwords
 * given in prose ("password: ..."), in URLs and in login spreadsheets, PEM
 * private keys, cloud access keys and API tokens, IPv4 and IPv6 addresses.
 *
 * Like the identity-number validators of validate.c, each finds the exact
 * extent of the value itself from the anchor the pattern engine reported,
 * and weighs what surrounds it; placeholders and prose words that follow
 * "password:" are not passwords.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "protect/validate.h"

/* ---------------------------------------------------------------- passwords */

/* Words that follow "password:" in prose and are not passwords. */
static int placeholder(const char *v, size_t n)
{
	static const char *const words[] = {
		"please", "call", "see", "below", "above", "same", "your", "the", "to", "is",
		"was", "will", "not", "reset", "forgot", "forgotten", "expired", "required",
		"sent", "attached", "changed", "change", "enter", "none", "n/a", "na", "null",
		"nil", "unknown", "blank", "empty", "tbd", "hidden", "redacted", "removed",
		"protected", "you", "we", "it", "and", "or", "if", "for", "a", "an", "my",
		"our", "their", "her", "his", "this", "that", "in", "on", "at", "with", "as",
		"by", "from", "must", "should", "can", "has", "have", "be", "been", "are",
		"password", "pwd", "true", "false", "yes", "no", "***", NULL,
	};
	size_t i, k;
	int allmask = 1;

	for (i = 0; i < n; i++)
		if (v[i] != '*' && v[i] != 'x' && v[i] != 'X' && v[i] != '.' && v[i] != '#')
			allmask = 0;
	if (allmask)
		return 1;
	if (v[0] == '<' || v[0] == '[' || v[0] == '{' || v[0] == '$' || v[0] == '%' ||
	    v[0] == '(')
		return 1;
	for (k = 0; words[k]; k++)
		if (strlen(words[k]) == n && !strncasecmp(v, words[k], n))
			return 1;
	return 0;
}

static double password_confidence(const char *v, size_t n, double base)
{
	int digit = 0, upper = 0, lower = 0, other = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (is_digit((char)c))
			digit = 1;
		else if (isupper(c))
			upper = 1;
		else if (islower(c))
			lower = 1;
		else
			other = 1;
	}
	if (digit + upper + lower + other >= 2)
		return base;
	return base - 0.2; /* a plain word: often prose after all */
}

void tw_v_password(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t p = e, s, q;
	char quote = 0;
	int pin = 0;

	/* The keyword is "pin" when the anchor's last letters before the
	 * separator spell it: PINs must be digits. */
	{
		size_t k = e - 1;

		while (k > 0 && (t[k - 1] == ' ' || t[k - 1] == '\t'))
			k--;
		if (k >= 3 && !strncasecmp(t + k - 3, "pin", 3))
			pin = 1;
		else if (k >= 6 && !strncasecmp(t + k - 6, "pin is", 6))
			pin = 1;
	}
	while (p < cx->len && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (p < cx->len && (t[p] == '"' || t[p] == '\''))
		quote = t[p++];
	s = p;
	for (q = p; q < cx->len && q - p < 128; q++) {
		char c = t[q];

		if (quote ? c == quote || c == '\n' : (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
						       c == ';' || c == ','))
			break;
		/* "&user=..." after a password in a URL ends it; a bare '&' is
		 * part of the password. */
		if (!quote && c == '&') {
			size_t k = q + 1;

			while (k < cx->len && k - q < 24 && (is_alnum(t[k]) || t[k] == '_'))
				k++;
			if (k > q + 1 && k < cx->len && t[k] == '=')
				break;
		}
	}
	if (!quote)
		while (q > s && in_set(t[q - 1], ".)]>\"'"))
			q--;
	if (q - s < 3 || q - s >= 128 || placeholder(t + s, q - s))
		return;
	if (pin) {
		size_t i;

		if (q - s < 4 || q - s > 8)
			return;
		for (i = s; i < q; i++)
			if (!is_digit(t[i]))
				return;
	}
	tw_scan_add(cx, TW_PII_PASSWORD, pin ? "pin" : "labelled", s, q - s,
		    pin ? 0.6 : password_confidence(t + s, q - s, 0.85), t + s, q - s);
}

/* scheme://user:password@host */
void tw_v_url_cred(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t at = e - 1, sch, colon, k;

	if (e == 0 || t[at] != '@')
		return;
	for (sch = at; sch >= 3 && at - sch < 300; sch--)
		if (t[sch - 3] == ':' && t[sch - 2] == '/' && t[sch - 1] == '/')
			break;
	if (sch < 3 || t[sch - 3] != ':')
		return;
	colon = 0;
	for (k = sch; k < at; k++)
		if (t[k] == ':') {
			colon = k;
			break;
		}
	if (!colon || colon + 1 >= at || placeholder(t + colon + 1, at - colon - 1))
		return;
	tw_scan_add(cx, TW_PII_PASSWORD, "url", colon + 1, at - colon - 1, 0.9, t + colon + 1,
		    at - colon - 1);
}

/* Login tables: a spreadsheet or CSV row whose header has a password
 * column; every cell under it is a password. */
void tw_scan_sheet(tw_scan_ctx *cx)
{
	static const char *const heads[] = {
		"password", "passwd", "pwd", "pass", "passwort", "kennwort", "pw", "passcode",
		"mot de passe", "contraseña", NULL,
	};
	static const char *const users[] = {"user", "username", "login", "email", "account",
					    "user name", "userid", "user id", "benutzer", NULL};
	const char *t = cx->text;
	size_t p = 0, rows = 0;
	int col = -1, userish = 0;
	char sep = '\t';

	while (p < cx->len && rows < 200000) {
		size_t le = p, cs;
		int c = 0, k;

		while (le < cx->len && t[le] != '\n')
			le++;
		rows++;
		if (col < 0) {
			/* Decide the separator on each candidate header line. */
			sep = memchr(t + p, '\t', le - p) ? '\t' : memchr(t + p, ',', le - p) ? ',' : ';';
			userish = 0;
		}
		cs = p;
		for (;;) {
			size_t ce = cs, a, b;

			while (ce < le && t[ce] != sep)
				ce++;
			a = cs;
			b = ce;
			while (a < b && (t[a] == ' ' || t[a] == '"'))
				a++;
			while (b > a && (t[b - 1] == ' ' || t[b - 1] == '"' || t[b - 1] == '\r'))
				b--;
			if (col < 0) {
				for (k = 0; heads[k]; k++)
					if (strlen(heads[k]) == b - a && !strncasecmp(t + a, heads[k], b - a))
						col = c;
				for (k = 0; users[k]; k++)
					if (strlen(users[k]) == b - a && !strncasecmp(t + a, users[k], b - a))
						userish = 1;
			} else if (c == col && b > a && b - a < 128 && !placeholder(t + a, b - a)) {
				tw_scan_add(cx, TW_PII_PASSWORD, "sheet", a, b - a,
					    userish ? 0.9 : 0.8, t + a, b - a);
			}
			if (ce >= le)
				break;
			cs = ce + 1;
			c++;
		}
		/* A blank line ends a table (sheets are set apart by them). */
		if (le == p || (le == p + 1 && t[p] == '\r'))
			col = -1;
		p = le + 1;
	}
}

/* ---------------------------------------------------------------- keys */

void tw_v_pem(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t s, lab, labe, p, end = 0, k;
	const char *sub = "private-key";
	tw_buf body;

	for (s = e; s > 0 && e - s < 80; s--)
		if (tw_v_lit_at(cx, s - 1, "-----BEGIN ") && s - 1 + 11 <= e)
			break;
	if (s == 0)
		return;
	s--;
	lab = s + 11;
	labe = e - 5;
	if (labe - lab >= 3 && !memcmp(t + lab, "RSA", 3))
		sub = "rsa-private-key";
	else if (labe - lab >= 2 && !memcmp(t + lab, "EC", 2))
		sub = "ec-private-key";
	else if (labe - lab >= 3 && !memcmp(t + lab, "DSA", 3))
		sub = "dsa-private-key";
	else if (labe - lab >= 7 && !memcmp(t + lab, "OPENSSH", 7))
		sub = "openssh-private-key";
	else if (labe - lab >= 3 && !memcmp(t + lab, "PGP", 3))
		sub = "pgp-private-key";
	else if (labe - lab >= 9 && !memcmp(t + lab, "ENCRYPTED", 9))
		sub = "encrypted-private-key";
	/* The body runs to the END line (within 64 KiB), else to the last
	 * base64 line: a key cut short is still a key. */
	tw_buf_init(&body, 1 << 16);
	for (p = e; p < cx->len && p - e < 65536; p++) {
		char c = t[p];

		if (c == '-' && tw_v_lit_at(cx, p, "-----END ")) {
			for (k = p + 9; k < cx->len && k - p < 80 && t[k] != '\n'; k++)
				if (tw_v_lit_at(cx, k, "-----")) {
					end = k + 5;
					break;
				}
			break;
		}
		if (isalnum((unsigned char)c) || c == '+' || c == '/' || c == '=')
			tw_buf_putc(&body, c);
		else if (c != '\n' && c != '\r' && c != ' ' && c != '\t' && c != ':' && c != ',' &&
			 c != '-')
			break;
	}
	if (!end)
		end = p;
	if (body.len >= 16)
		tw_scan_add(cx, TW_PII_KEY, sub, s, end - s, body.len >= 64 ? 0.99 : 0.7, body.data,
			    body.len);
	tw_buf_release(&body);
}

void tw_v_aws_id(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;

	if (e < 20 || memmem(t + e - 20, 20, "EXAMPLE", 7))
		return; /* AKIAIOSFODNN7EXAMPLE is AWS's documentation key */
	tw_scan_add(cx, TW_PII_KEY, "aws-access-key", e - 20, 20, 0.95, t + e - 20, 20);
}

void tw_v_aws_secret(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;

	if (e < 40 || (e < cx->len && (is_alnum(t[e]) || t[e] == '/' || t[e] == '+')) ||
	    memmem(t + e - 40, 40, "EXAMPLE", 7))
		return;
	tw_scan_add(cx, TW_PII_KEY, "aws-secret-key", e - 40, 40, 0.9, t + e - 40, 40);
}

void tw_v_token(tw_scan_ctx *cx, const tw_scan_pattern *pt, size_t s, size_t e)
{
	const char *t = cx->text;

	if (s == SIZE_MAX || s >= e)
		return;
	/* Both engines end the token at the same place: where its
	 * characters end. */
	while (e < cx->len && (is_alnum(t[e]) || t[e] == '_' || t[e] == '-'))
		e++;
	tw_scan_add(cx, TW_PII_KEY, pt->subtype, s, e - s, 0.95, t + s, e - s);
}

/* ---------------------------------------------------------------- IP */

void tw_v_ipv4(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t s = e, p;
	int oct[4], n = 0, dots = 0;
	const char *sub;
	double conf;

	while (s > 0 && e - s < 16 && (is_digit(t[s - 1]) || t[s - 1] == '.'))
		s--;
	if (!tw_v_clean_before(t, s) || (s > 0 && t[s - 1] == '.') || !tw_v_clean_after(t, cx->len, e) ||
	    (e < cx->len && t[e] == '.' && e + 1 < cx->len && is_alnum(t[e + 1])))
		return;
	for (p = s; p < e; p++)
		dots += t[p] == '.';
	if (dots != 3)
		return; /* 1.2.3.4.5 is a version or an OID */
	p = s;
	while (n < 4) {
		size_t q = p;
		int v = 0;

		while (q < e && is_digit(t[q]))
			v = v * 10 + (t[q++] - '0');
		if (q == p || q - p > 3 || v > 255 || (q - p > 1 && t[p] == '0'))
			return;
		oct[n++] = v;
		p = q + 1;
	}
	if ((oct[0] == 0) || (oct[0] == 255 && oct[1] == 255))
		return;
	if (oct[0] == 10 || oct[0] == 127 || (oct[0] == 172 && oct[1] >= 16 && oct[1] < 32) ||
	    (oct[0] == 192 && oct[1] == 168) || (oct[0] == 169 && oct[1] == 254) ||
	    oct[0] >= 224) {
		sub = "private";
		conf = 0.5;
	} else {
		sub = "public";
		conf = 0.8;
	}
	tw_scan_add(cx, TW_PII_IP, sub, s, e - s, conf, t + s, e - s);
}

void tw_v_ipv6(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t s, p;
	char buf[64];
	unsigned char bin[16];
	int colons = 0, dbl = 0, groups = 0;

	if (e == 0 || tw_v_seen_run(cx, A_IPV6, e - 1))
		return;
	s = e;
	while (s > 0 && e - s < 45 && (isxdigit((unsigned char)t[s - 1]) || t[s - 1] == ':'))
		s--;
	p = e;
	while (p < cx->len && p - s < 45 && (isxdigit((unsigned char)t[p]) || t[p] == ':' ||
					     (t[p] == '.' && p + 1 < cx->len && is_digit(t[p + 1]))))
		p++;
	tw_v_mark_run(cx, A_IPV6, s, p);
	while (p > s && t[p - 1] == ':' && !(p - s >= 2 && t[p - 2] == ':'))
		p--;
	if (p - s < 3 || p - s >= sizeof(buf) || (s > 0 && (is_alnum(t[s - 1]) || t[s - 1] == '_')) ||
	    (p < cx->len && (is_alnum(t[p]) || t[p] == '_')))
		return;
	memcpy(buf, t + s, p - s);
	buf[p - s] = 0;
	for (size_t i = 0; buf[i]; i++) {
		if (buf[i] == ':') {
			colons++;
			if (buf[i + 1] == ':')
				dbl = 1;
		} else if (i == 0 || buf[i - 1] == ':') {
			groups++;
		}
	}
	/* Times (10:30:00) and MAC addresses are not addresses; inet_pton
	 * rejects them, and a compressed form needs its "::". */
	if (colons < 2 || (!dbl && groups != 8) || inet_pton(AF_INET6, buf, bin) != 1)
		return;
	tw_scan_add(cx, TW_PII_IP, "v6", s, p - s, 0.7, buf, p - s);
}
