/*
 * dkim.c - DKIM signature verification (RFC 6376), offline first.
 *
 * A leaked message's DKIM signature, if it verifies, proves that the
 * signing domain sent those exact headers and body: the strongest
 * authenticity evidence a mail dump can carry.  Keys are usually long gone
 * from DNS, so they come from a file of archived DNS TXT records; live DNS
 * is asked only when the caller says so.
 *
 * Supported: rsa-sha256, rsa-sha1 (legacy), ed25519-sha256 (RFC 8463),
 * simple and relaxed canonicalisation of headers and body, l= (reported
 * as weak: content can be appended without breaking the signature), several
 * signatures per message (the message passes when one does).  Results per
 * signature: pass; fail with the reason (body hash, signature, bad tags,
 * revoked or unusable key); nokey.  The canonicalisation follows what
 * widely used verifiers (dkimpy, OpenDKIM) do where the RFC leaves room:
 * bare LF is taken as CRLF, and a last body line without CRLF gets one.
 */
#include <ctype.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "verify/verify.h"

/* ---------------------------------------------------------------- base64 */

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64, ignoring whitespace; NULL on bad characters. */
static unsigned char *b64decode(const char *s, size_t n, size_t *outlen)
{
	unsigned char *out = tw_malloc(n * 3 / 4 + 4);
	unsigned acc = 0;
	int bits = 0, pad = 0;
	size_t i, o = 0;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64val(c);
		if (v < 0 || pad) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	*outlen = o;
	return out;
}

static char *b64encode(const unsigned char *d, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = tw_malloc((n + 2) / 3 * 4 + 1);
	size_t i, o = 0;

	if (!out)
		return NULL;
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* ---------------------------------------------------------------- tag lists */

typedef struct tag {
	char name[16];
	const char *v; /* value in the source text, FWS trimmed at the ends */
	size_t vlen;
} tag;

typedef struct tags {
	tag t[32];
	int n;
} tags;

static int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parse "a=1; b=2"; -1 on syntax errors or duplicate tags. */
static int parse_tags(const char *s, size_t n, tags *out)
{
	size_t p = 0;

	out->n = 0;
	while (p < n) {
		size_t ns, ne, vs, ve;
		int k;

		while (p < n && is_wsp(s[p]))
			p++;
		if (p >= n)
			break;
		ns = p;
		while (p < n && (isalnum((unsigned char)s[p]) || s[p] == '_'))
			p++;
		ne = p;
		while (p < n && is_wsp(s[p]))
			p++;
		if (ne == ns || p >= n || s[p] != '=' || ne - ns >= sizeof(out->t[0].name))
			return -1;
		p++;
		vs = p;
		while (p < n && s[p] != ';')
			p++;
		ve = p;
		while (vs < ve && is_wsp(s[vs]))
			vs++;
		while (ve > vs && is_wsp(s[ve - 1]))
			ve--;
		if (out->n == (int)TW_ARRAY_LEN(out->t))
			return -1;
		for (k = 0; k < out->n; k++)
			if (strlen(out->t[k].name) == ne - ns && !strncmp(out->t[k].name, s + ns, ne - ns))
				return -1; /* a tag twice makes the list invalid */
		memcpy(out->t[out->n].name, s + ns, ne - ns);
		out->t[out->n].name[ne - ns] = '\0';
		out->t[out->n].v = s + vs;
		out->t[out->n].vlen = ve - vs;
		out->n++;
		if (p < n)
			p++; /* the ';' */
	}
	return 0;
}

static const tag *get_tag(const tags *t, const char *name)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->t[i].name, name))
			return &t->t[i];
	return NULL;
}

/* Value without any whitespace (base64, header lists). */
static char *tag_compact(const tags *t, const char *name)
{
	const tag *g = get_tag(t, name);
	char *s;
	size_t i, o = 0;

	if (!g)
		return NULL;
	s = tw_malloc(g->vlen + 1);
	if (!s)
		return NULL;
	for (i = 0; i < g->vlen; i++)
		if (!is_wsp(g->v[i]))
			s[o++] = g->v[i];
	s[o] = '\0';
	return s;
}

/* ---------------------------------------------------------------- key file */

typedef struct keyrec {
	char *name, *record;
} keyrec;

struct tw_dkim_keys {
	keyrec *v;
	size_t n, cap;
};

static int keys_add(tw_dkim_keys *k, const char *name, const char *rec)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		keyrec *v = tw_realloc(k->v, cap * sizeof(*v));

		if (!v)
			return -1;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n].name = tw_strdup(name);
	k->v[k->n].record = tw_strdup(rec);
	if (!k->v[k->n].name || !k->v[k->n].record) {
		free(k->v[k->n].name);
		free(k->v[k->n].record);
		return -1;
	}
	tw_ascii_lower(k->v[k->n].name);
	k->n++;
	return 0;
}

/* One logical record (parentheses joined): "name [ttl] [class] [TXT] data". */
static int keys_line(tw_dkim_keys *k, char *line, const char *origin)
{
	char *p = line, *name, *tok;
	tw_buf rec;
	int rc = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == ';' || *p == '#')
		return 0;
	name = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = '\0';
	/* Optional TTL, class and type, in the order zone files allow. */
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		tok = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '"')
			p++;
		if (p == tok)
			break;
		if (strspn(tok, "0123456789") == (size_t)(p - tok) ||
		    (p - tok == 2 && !strncasecmp(tok, "IN", 2)) ||
		    (p - tok == 3 && !strncasecmp(tok, "TXT", 3))) {
			continue;
		}
		p = tok;
		break;
	}
	tw_buf_init(&rec, 1 << 16);
	if (strchr(p, '"')) {
		/* Concatenate the quoted strings, with \" and \DDD escapes. */
		while (*p) {
			if (*p == ';')
				break; /* a comment after the strings */
			if (*p != '"') {
				p++;
				continue;
			}
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1]) {
					if (isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
					    isdigit((unsigned char)p[3])) {
						tw_buf_putc(&rec, (char)((p[1] - '0') * 100 + (p[2] - '0') * 10 +
									 (p[3] - '0')));
						p += 4;
						continue;
					}
					p++;
				}
				tw_buf_putc(&rec, *p++);
			}
			if (*p == '"')
				p++;
		}
	} else {
		size_t n = strlen(p);

		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
			n--;
		tw_buf_append(&rec, p, n);
	}
	{
		size_t nl = strlen(name);
		char *full;

		if (nl && name[nl - 1] == '.') {
			name[nl - 1] = '\0';
			full = tw_strdup(name);
		} else if (origin && *origin) {
			/* Relative to $ORIGIN (which has no trailing dot here). */
			full = tw_asprintf("%s.%s", name, origin);
		} else {
			full = tw_strdup(name);
		}
		if (rec.data && full && strstr(full, "._domainkey."))
			rc = keys_add(k, full, rec.data);
		free(full);
	}
	tw_buf_release(&rec);
	return rc;
}

tw_dkim_keys *tw_dkim_keys_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	tw_dkim_keys *k;
	tw_buf logical;
	char line[8192], origin[256] = "";
	int depth = 0, lineno = 0;

	if (!f) {
		snprintf(err, errlen, "cannot read key file '%s': %m", path);
		return NULL;
	}
	k = tw_calloc(1, sizeof(*k));
	if (!k) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	tw_buf_init(&logical, 1 << 20);
	while (fgets(line, sizeof(line), f)) {
		char *c;
		int inq = 0, quoted;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!depth && !strncasecmp(line, "$ORIGIN", 7)) {
			char *o = line + 7;
			size_t n;

			while (*o == ' ' || *o == '\t')
				o++;
			n = strcspn(o, " \t;");
			if (n >= sizeof(origin))
				n = sizeof(origin) - 1;
			memcpy(origin, o, n);
			origin[n] = '\0';
			if (n && origin[n - 1] == '.')
				origin[n - 1] = '\0';
			continue;
		}
		/* Parentheses outside quotes join lines into one record.  A
		 * line without quotes ("name v=DKIM1; p=...", as often pasted)
		 * keeps its ';': there they separate tags, not comments. */
		quoted = depth > 0 || strchr(line, '"') != NULL;
		for (c = line; *c; c++) {
			if (*c == '"' && (c == line || c[-1] != '\\'))
				inq = !inq;
			else if (!inq && *c == ';' && (quoted || c == line + strspn(line, " \t")))
				break;
			else if (!inq && *c == '(') {
				depth++;
				*c = ' ';
			} else if (!inq && *c == ')') {
				if (depth)
					depth--;
				*c = ' ';
			}
		}
		if (logical.len)
			tw_buf_putc(&logical, ' ');
		tw_buf_append(&logical, line, (size_t)(c - line));
		if (depth)
			continue;
		if (logical.data && keys_line(k, logical.data, origin)) {
			snprintf(err, errlen, "out of memory reading '%s'", path);
			tw_buf_release(&logical);
			tw_dkim_keys_free(k);
			fclose(f);
			return NULL;
		}
		tw_buf_reset(&logical);
	}
	if (logical.len && logical.data)
		keys_line(k, logical.data, origin);
	tw_buf_release(&logical);
	fclose(f);
	(void)lineno;
	return k;
}

void tw_dkim_keys_free(tw_dkim_keys *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->n; i++) {
		free(k->v[i].name);
		free(k->v[i].record);
	}
	free(k->v);
	free(k);
}

const char *tw_dkim_keys_find(const tw_dkim_keys *k, const char *name)
{
	size_t i;

	if (!k)
		return NULL;
	/* The last record for a name wins, as a later line corrects an
	 * earlier one. */
	for (i = k->n; i-- > 0;)
		if (!strcasecmp(k->v[i].name, name))
			return k->v[i].record;
	return NULL;
}

/* ---------------------------------------------------------------- DNS */

/* TXT record of `name` from live DNS (strings concatenated), or NULL. */
static char *dns_txt(const char *name)
{
	struct __res_state rs;
	unsigned char ans[8192];
	int n, qd, an, i;
	const unsigned char *p, *end;
	tw_buf out;

	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) != 0)
		return NULL;
	n = res_nquery(&rs, name, 1 /* IN */, 16 /* TXT */, ans, sizeof(ans));
	res_nclose(&rs);
	if (n < 12 || n > (int)sizeof(ans))
		return NULL;
	qd = (ans[4] << 8) | ans[5];
	an = (ans[6] << 8) | ans[7];
	p = ans + 12;
	end = ans + n;
	/* Skip a (possibly compressed) name. */
#define SKIPNAME()                                                      \
	do {                                                            \
		while (p < end && *p) {                                 \
			if ((*p & 0xc0) == 0xc0) {                      \
				p++;                                    \
				break;                                  \
			}                                               \
			p += *p + 1;                                    \
		}                                                       \
		p++;                                                    \
	} while (0)
	for (i = 0; i < qd && p < end; i++) {
		SKIPNAME();
		p += 4;
	}
	tw_buf_init(&out, 65536);
	for (i = 0; i < an && p + 10 <= end; i++) {
		int type, rdlen;
		const unsigned char *rd;

		SKIPNAME();
		if (p + 10 > end)
			break;
		type = (p[0] << 8) | p[1];
		rdlen = (p[8] << 8) | p[9];
		rd = p + 10;
		p = rd + rdlen;
		if (p > end)
			break;
		if (type != 16)
			continue;
		while (rd < p) {
			int l = *rd++;

			if (rd + l > p)
				break;
			tw_buf_append(&out, rd, (size_t)l);
			rd += l;
		}
		break; /* the first TXT record */
	}
#undef SKIPNAME
	if (!out.data)
		return NULL;
	return tw_buf_detach(&out, NULL);
}

/* ---------------------------------------------------------------- canonicalisation */

/* Relaxed header: lowercase name, unfolded value with WSP runs as one
 * space, no WSP at the ends or around the colon, then CRLF. */
static void canon_header_relaxed(tw_buf *b, const char *name, size_t nlen, const char *v,
				 size_t vlen, int crlf)
{
	size_t i, start = b->len;
	int sp = 0;

	for (i = 0; i < nlen; i++)
		tw_buf_putc(b, (char)tolower((unsigned char)name[i]));
	tw_buf_putc(b, ':');
	start = b->len;
	for (i = 0; i < vlen; i++) {
		char c = v[i];

		if (c == '\r' || c == '\n')
			continue;
		if (c == ' ' || c == '\t') {
			sp = 1;
			continue;
		}
		if (sp && b->len > start)
			tw_buf_putc(b, ' ');
		sp = 0;
		tw_buf_putc(b, c);
	}
	if (crlf)
		tw_buf_append(b, "\r\n", 2);
}

static void canon_header(tw_buf *b, const tw_hdr *h, int relaxed)
{
	if (relaxed)
		canon_header_relaxed(b, h->name, h->nlen, h->value, h->vlen, 1);
	else
		tw_buf_append(b, h->raw, h->rlen);
}

/* Canonical body into b. */
static void canon_body(tw_buf *b, const char *body, size_t n, int relaxed)
{
	size_t p = 0;

	if (relaxed) {
		while (p < n) {
			size_t e = p, le;
			int crlf = 0, sp = 0;

			while (e + 1 < n && !(body[e] == '\r' && body[e + 1] == '\n'))
				e++;
			if (e + 1 < n) {
				crlf = 1;
			} else {
				e = n;
			}
			/* Trailing WSP goes on lines that end in CRLF. */
			le = e;
			if (crlf)
				while (le > p && (body[le - 1] == ' ' || body[le - 1] == '\t'))
					le--;
			for (size_t i = p; i < le; i++) {
				if (body[i] == ' ' || body[i] == '\t') {
					sp = 1;
					continue;
				}
				if (sp)
					tw_buf_putc(b, ' ');
				sp = 0;
				tw_buf_putc(b, body[i]);
			}
			if (sp)
				tw_buf_putc(b, ' ');
			if (crlf)
				tw_buf_append(b, "\r\n", 2);
			p = crlf ? e + 2 : e;
		}
	} else {
		tw_buf_append(b, body, n);
	}
	/* All empty lines at the end become one CRLF. */
	while (b->len >= 2 && b->data[b->len - 2] == '\r' && b->data[b->len - 1] == '\n')
		b->len -= 2;
	if (b->len || !relaxed)
		tw_buf_append(b, "\r\n", 2);
	if (b->data)
		b->data[b->len] = '\0';
}

/* The DKIM-Signature field with the value of its b= tag taken out. */
static char *strip_b(const tw_hdr *h, size_t *outlen)
{
	const char *v = h->value;
	size_t n = h->vlen, p = 0;
	char *out = tw_malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	while (p < n) {
		size_t ts = p, q;

		/* A tag starts after the start or a ';', past FWS. */
		while (p < n && is_wsp(v[p]))
			out[o++] = v[p++];
		q = p;
		if (q < n && v[q] == 'b') {
			size_t r = q + 1;

			while (r < n && is_wsp(v[r]))
				r++;
			if (r < n && v[r] == '=') {
				size_t vs = r + 1, ve;

				memcpy(out + o, v + q, vs - q);
				o += vs - q;
				while (vs < n && is_wsp(v[vs]))
					out[o++] = v[vs++];
				ve = vs;
				while (ve < n && v[ve] != ';')
					ve++;
				/* Keep the whitespace after the value. */
				while (ve > vs && is_wsp(v[ve - 1]))
					ve--;
				p = ve;
				while (p < n && v[p] != ';')
					out[o++] = v[p++];
				if (p < n)
					out[o++] = v[p++];
				continue;
			}
		}
		(void)ts;
		while (p < n && v[p] != ';')
			out[o++] = v[p++];
		if (p < n)
			out[o++] = v[p++];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* ---------------------------------------------------------------- one signature */

/* The next non-empty field of the colon-separated list at *p (h=),
 * terminated in place; *p moves past it.  NULL when none is left.  The
 * fields are those strtok_r(s, ":") gives (strtok_r is banned). */
static char *next_field(char **p)
{
	char *s;
	size_t n;

	if (!*p)
		return NULL;
	s = *p + strspn(*p, ":");
	if (!*s) {
		*p = s;
		return NULL;
	}
	n = strcspn(s, ":");
	*p = s[n] ? s + n + 1 : s + n;
	s[n] = '\0';
	return s;
}

static void set(tw_dkim_sigres *r, const char *result, const char *fmt, ...) TW_PRINTF(3, 4);

static void set(tw_dkim_sigres *r, const char *result, const char *fmt, ...)
{
	va_list ap;

	r->result = result;
	free(r->reason);
	va_start(ap, fmt);
	if (vasprintf(&r->reason, fmt, ap) < 0)
		r->reason = NULL;
	va_end(ap);
}

static EVP_PKEY *load_key(const unsigned char *der, size_t n, int ed25519)
{
	const unsigned char *p = der;
	EVP_PKEY *k;

	if (ed25519)
		return n == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, n) : NULL;
	k = d2i_PUBKEY(NULL, &p, (long)n);
	if (!k) {
		/* Some records hold a bare RSAPublicKey. */
		p = der;
		k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)n);
	}
	return k;
}

static void verify_sig(const tw_hdrs *hs, size_t sigidx, const tw_dkim_keys *keys, int dns,
		       tw_dkim_sigres *r)
{
	const tw_hdr *sh = &hs->v[sigidx];
	tags t, kt;
	char *a = NULL, *c = NULL, *h = NULL, *bh = NULL, *b = NULL, *d = NULL, *s = NULL, *l = NULL;
	char *i = NULL, *q = NULL, *rec = NULL, *p = NULL, *kk = NULL, *kh = NULL, *name = NULL;
	char *stripped = NULL, *bhcalc = NULL;
	unsigned char *sig = NULL, *der = NULL, dig[EVP_MAX_MD_SIZE];
	size_t siglen = 0, derlen = 0, slen = 0;
	unsigned diglen = 0;
	int hrelax = 0, brelax = 0, ed = 0, rsa_sha1 = 0;
	tw_buf body, hdata;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *mc = NULL;
	const EVP_MD *md;
	unsigned char *used = NULL;

	tw_buf_init(&body, (size_t)1 << 34);
	tw_buf_init(&hdata, (size_t)1 << 28);
	r->result = "fail";
	if (parse_tags(sh->value, sh->vlen, &t)) {
		set(r, "fail", "invalid signature: malformed tag list");
		goto out;
	}
	a = tag_compact(&t, "a");
	c = tag_compact(&t, "c");
	h = tag_compact(&t, "h");
	bh = tag_compact(&t, "bh");
	b = tag_compact(&t, "b");
	d = tag_compact(&t, "d");
	s = tag_compact(&t, "s");
	l = tag_compact(&t, "l");
	i = tag_compact(&t, "i");
	q = tag_compact(&t, "q");
	r->domain = tw_strdup(d);
	r->selector = tw_strdup(s);
	r->algorithm = tw_strdup(a);
	r->canon = tw_strdup(c ? c : "simple/simple");
	{
		const tag *v = get_tag(&t, "v");

		if (!v || v->vlen != 1 || v->v[0] != '1') {
			set(r, "fail", "invalid signature: v= missing or not 1");
			goto out;
		}
	}
	if (!a || !b || !bh || !d || !h || !s || !*d || !*s) {
		set(r, "fail", "invalid signature: a required tag (a, b, bh, d, h, s) is missing");
		goto out;
	}
	if (!strcasecmp(a, "rsa-sha256")) {
		md = EVP_sha256();
	} else if (!strcasecmp(a, "rsa-sha1")) {
		md = EVP_sha1();
		rsa_sha1 = 1;
	} else if (!strcasecmp(a, "ed25519-sha256")) {
		md = EVP_sha256();
		ed = 1;
	} else {
		set(r, "fail", "unsupported algorithm a=%s", a);
		goto out;
	}
	if (c) {
		char *slash = strchr(c, '/');

		if (slash)
			*slash = '\0';
		if (!strcasecmp(c, "relaxed"))
			hrelax = 1;
		else if (strcasecmp(c, "simple")) {
			set(r, "fail", "invalid signature: unknown canonicalisation '%s'", c);
			goto out;
		}
		if (slash) {
			if (!strcasecmp(slash + 1, "relaxed"))
				brelax = 1;
			else if (strcasecmp(slash + 1, "simple")) {
				set(r, "fail", "invalid signature: unknown body canonicalisation '%s'", slash + 1);
				goto out;
			}
			*slash = '/';
		}
	}
	if (q && strcasecmp(q, "dns/txt")) {
		set(r, "fail", "unsupported key query method q=%s", q);
		goto out;
	}
	{
		/* h= must sign From. */
		char *hl = tw_strdup(h), *rest = hl, *tok;
		int from = 0;

		for (tok = next_field(&rest); tok; tok = next_field(&rest))
			if (!strcasecmp(tok, "from"))
				from = 1;
		free(hl);
		if (!from) {
			set(r, "fail", "invalid signature: h= does not include From");
			goto out;
		}
	}
	if (i) {
		/* The identity must be in the signing domain or below it. */
		const char *at = strrchr(i, '@');
		size_t dl = strlen(d), il;

		at = at ? at + 1 : i;
		il = strlen(at);
		if (!(il == dl && !strcasecmp(at, d)) &&
		    !(il > dl && at[il - dl - 1] == '.' && !strcasecmp(at + il - dl, d))) {
			set(r, "fail", "invalid signature: i= is not in the domain d=%s", d);
			goto out;
		}
	}

	/* Body hash. */
	canon_body(&body, hs->body ? hs->body : "", hs->body ? hs->blen : 0, brelax);
	{
		size_t blen = body.len;

		if (l) {
			char *e;
			unsigned long long lv = strtoull(l, &e, 10);

			if (*e || e == l) {
				set(r, "fail", "invalid signature: bad l= value");
				goto out;
			}
			if (lv < blen) {
				r->weak = 1;
				blen = (size_t)lv;
			}
		}
		mc = EVP_MD_CTX_new();
		if (!mc || !EVP_DigestInit_ex(mc, md, NULL) ||
		    !EVP_DigestUpdate(mc, body.data ? body.data : "", blen) ||
		    !EVP_DigestFinal_ex(mc, dig, &diglen)) {
			set(r, "fail", "hashing failed");
			goto out;
		}
		EVP_MD_CTX_free(mc);
		mc = NULL;
		bhcalc = b64encode(dig, diglen);
		if (!bhcalc || strcmp(bhcalc, bh) != 0) {
			set(r, "fail", "body hash mismatch (body changed since signing%s)",
			    brelax ? "" : "; simple canonicalisation");
			goto out;
		}
	}

	/* Key. */
	name = tw_asprintf("%s._domainkey.%s", s, d);
	if (!name)
		goto out;
	tw_ascii_lower(name);
	{
		const char *found = tw_dkim_keys_find(keys, name);

		rec = found ? tw_strdup(found) : dns ? dns_txt(name) : NULL;
	}
	if (!rec) {
		set(r, "nokey", "no key for %s", name);
		goto out;
	}
	if (parse_tags(rec, strlen(rec), &kt)) {
		set(r, "fail", "key record for %s is malformed", name);
		goto out;
	}
	p = tag_compact(&kt, "p");
	kk = tag_compact(&kt, "k");
	kh = tag_compact(&kt, "h");
	{
		const tag *v = get_tag(&kt, "v");

		if (v && (v != &kt.t[0] || v->vlen != 5 || strncmp(v->v, "DKIM1", 5) != 0)) {
			set(r, "fail", "key record for %s has a bad v= tag", name);
			goto out;
		}
	}
	if (!p) {
		set(r, "fail", "key record for %s has no p= tag", name);
		goto out;
	}
	if (!*p) {
		set(r, "fail", "key for %s is revoked (empty p=)", name);
		goto out;
	}
	if ((ed && (!kk || strcasecmp(kk, "ed25519"))) || (!ed && kk && strcasecmp(kk, "rsa"))) {
		set(r, "fail", "key type k=%s does not match the signature's algorithm",
		    kk ? kk : "rsa");
		goto out;
	}
	if (kh && !strstr(kh, rsa_sha1 ? "sha1" : "sha256")) {
		set(r, "fail", "key record does not allow this hash (h=%s)", kh);
		goto out;
	}
	der = b64decode(p, strlen(p), &derlen);
	key = der ? load_key(der, derlen, ed) : NULL;
	if (!key) {
		set(r, "fail", "key for %s cannot be read", name);
		goto out;
	}
	if (!ed && EVP_PKEY_bits(key) < 1024) {
		set(r, "fail", "key for %s is too short (under 1024 bits)", name);
		goto out;
	}

	/* Header hash: the signed fields, bottom-up per name, then the
	 * signature field without its b= value and without CRLF. */
	used = tw_calloc(hs->n ? hs->n : 1, 1);
	if (!used)
		goto out;
	{
		char *hl = tw_strdup(h), *rest = hl, *tok;

		for (tok = next_field(&rest); tok; tok = next_field(&rest)) {
			size_t k, tl = strlen(tok);

			for (k = hs->n; k-- > 0;) {
				if (used[k] || hs->v[k].nlen != tl || strncasecmp(hs->v[k].name, tok, tl))
					continue;
				used[k] = 1;
				canon_header(&hdata, &hs->v[k], hrelax);
				break;
			}
		}
		free(hl);
	}
	stripped = strip_b(sh, &slen);
	if (!stripped)
		goto out;
	if (hrelax) {
		canon_header_relaxed(&hdata, sh->name, sh->nlen, stripped, slen, 0);
	} else {
		tw_buf_append(&hdata, sh->name, (size_t)(sh->value - sh->name));
		tw_buf_append(&hdata, stripped, slen);
	}
	sig = b64decode(b, strlen(b), &siglen);
	if (!sig || !siglen) {
		set(r, "fail", "invalid signature: b= is not base64");
		goto out;
	}
	mc = EVP_MD_CTX_new();
	if (!mc)
		goto out;
	if (ed) {
		unsigned char hh[32];
		unsigned hl = 32;

		if (!EVP_Digest(hdata.data ? hdata.data : "", hdata.len, hh, &hl, EVP_sha256(), NULL) ||
		    EVP_DigestVerifyInit(mc, NULL, NULL, NULL, key) != 1 ||
		    EVP_DigestVerify(mc, sig, siglen, hh, hl) != 1) {
			set(r, "fail", "signature does not verify (headers changed, or not this key)");
			goto out;
		}
	} else if (EVP_DigestVerifyInit(mc, NULL, md, NULL, key) != 1 ||
		   EVP_DigestVerify(mc, sig, siglen, (const unsigned char *)(hdata.data ? hdata.data : ""),
				    hdata.len) != 1) {
		set(r, "fail", "signature does not verify (headers changed, or not this key)");
		goto out;
	}
	r->result = "pass";
	free(r->reason);
	r->reason = r->weak ? tw_asprintf("signature verifies, but l= leaves part of the body unsigned")
			    : tw_strdup("signature verifies");
out:
	if (!r->reason)
		set(r, r->result, "%s", "verification failed (out of memory?)");
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(key);
	tw_buf_release(&body);
	tw_buf_release(&hdata);
	free(a), free(c), free(h), free(bh), free(b), free(d), free(s), free(l), free(i), free(q);
	free(rec), free(p), free(kk), free(kh), free(name), free(stripped), free(bhcalc);
	free(sig), free(der), free(used);
}

/* ---------------------------------------------------------------- message */

void tw_dkim_verify(const char *msg, size_t len, const tw_dkim_keys *keys, int dns,
		    tw_dkim_res *out)
{
	size_t n, k, nsig = 0;
	char *m;
	tw_hdrs hs;
	int pass = 0, fail = 0;

	memset(out, 0, sizeof(*out));
	out->result = "none";
	m = tw_crlf(msg, len, &n);
	if (!m || tw_hdrs_parse(m, n, &hs)) {
		free(m);
		out->result = "fail";
		out->reason = tw_strdup("out of memory");
		return;
	}
	for (k = 0; k < hs.n; k++)
		if (hs.v[k].nlen == 14 && !strncasecmp(hs.v[k].name, "DKIM-Signature", 14))
			nsig++;
	if (!nsig) {
		out->reason = tw_strdup("no DKIM-Signature header");
		goto done;
	}
	out->sigs = tw_calloc(nsig, sizeof(*out->sigs));
	if (!out->sigs)
		goto done;
	for (k = 0; k < hs.n; k++) {
		tw_dkim_sigres *r;

		if (!(hs.v[k].nlen == 14 && !strncasecmp(hs.v[k].name, "DKIM-Signature", 14)))
			continue;
		r = &out->sigs[out->nsigs++];
		verify_sig(&hs, k, keys, dns, r);
		if (!strcmp(r->result, "pass")) {
			pass = 1;
			out->weak |= r->weak;
		} else if (!strcmp(r->result, "fail")) {
			fail = 1;
		}
	}
	/* One good signature is enough; else a failure says more than a
	 * missing key. */
	out->result = pass ? "pass" : fail ? "fail" : "nokey";
	{
		tw_buf b;

		tw_buf_init(&b, 1 << 16);
		for (k = 0; k < out->nsigs; k++) {
			const tw_dkim_sigres *r = &out->sigs[k];

			if (strcmp(r->result, out->result) != 0)
				continue;
			if (b.len)
				tw_buf_puts(&b, "; ");
			tw_buf_printf(&b, "d=%s s=%s: %s", r->domain ? r->domain : "?",
				      r->selector ? r->selector : "?", r->reason ? r->reason : "");
		}
		out->reason = b.data ? tw_buf_detach(&b, NULL) : tw_strdup("");
	}
done:
	if (!out->reason)
		out->reason = tw_strdup("");
	tw_hdrs_release(&hs);
	free(m);
}

void tw_dkim_res_release(tw_dkim_res *r)
{
	size_t i;

	for (i = 0; i < r->nsigs; i++) {
		free(r->sigs[i].domain);
		free(r->sigs[i].selector);
		free(r->sigs[i].algorithm);
		free(r->sigs[i].canon);
		free(r->sigs[i].reason);
	}
	free(r->sigs);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}
