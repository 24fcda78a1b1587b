/*
 * validate.c - the validators of the findings scanner: identity numbers
 * (SSN, cards, IBAN), phones, addresses and dates of birth; the secrets are
 * in secrets.c.
 *
 * The pattern engine (scan.c) only says "something of this shape ends
 * here".  Each validator below looks at the text around that anchor, finds
 * the exact extent of the value on its own (a maximal run of digit groups,
 * the country length of an IBAN, the END line of a PEM block), checks it
 * (Luhn, mod-97, SSN area rules, IIN ranges, octet ranges) and weighs the
 * words around it to set a confidence.  Working out extents here, rather
 * than trusting where a regex stopped, is what makes Hyperscan and PCRE2
 * give the same findings.
 *
 * Near misses must not match: a card that fails Luhn, SSN 000-12-3456, an
 * IBAN with a wrong check digit.  Numbers glued to other numbers (parts of
 * longer dotted or dashed identifiers) are not values of their own.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "protect/validate.h"

const char *const tw_pii_names[TW_PII_NTYPES] = {
	"ssn", "card", "iban", "phone", "email", "password", "key", "dob", "ip",
};

int tw_pii_type(const char *name)
{
	int i;

	for (i = 0; i < TW_PII_NTYPES; i++)
		if (!strcasecmp(name, tw_pii_names[i]))
			return i;
	return -1;
}

/* ---------------------------------------------------------------- helpers */

/* The value at [s, e) is not glued to a longer token on the left: no
 * letter or digit, and no "-", "." or "/" that continues a number. */
int tw_v_clean_before(const char *t, size_t s)
{
	if (s == 0)
		return 1;
	if (is_alnum(t[s - 1]) || t[s - 1] == '_')
		return 0;
	if (in_set(t[s - 1], "-./") && s >= 2 && is_digit(t[s - 2]))
		return 0;
	return 1;
}

int tw_v_clean_after(const char *t, size_t len, size_t e)
{
	if (e >= len)
		return 1;
	if (is_alnum(t[e]) || t[e] == '_')
		return 0;
	if (in_set(t[e], "-./") && e + 1 < len && is_digit(t[e + 1]))
		return 0;
	return 1;
}

/* Case-insensitive search for any of `words` in t[a, b). */
static int has_word(const char *t, size_t a, size_t b, const char *const *words)
{
	size_t i, k;

	for (k = 0; words[k]; k++) {
		size_t wl = strlen(words[k]);

		for (i = a; i + wl <= b; i++) {
			if (strncasecmp(t + i, words[k], wl) != 0)
				continue;
			/* Whole words only, so "tel" is not found in "hotel". */
			if (i > 0 && isalpha((unsigned char)t[i - 1]) &&
			    isalpha((unsigned char)words[k][0]))
				continue;
			if (i + wl < b && isalpha((unsigned char)t[i + wl]) &&
			    isalpha((unsigned char)words[k][wl - 1]))
				continue;
			return 1;
		}
	}
	return 0;
}

/* Context: words within `before` bytes before s or `after` bytes after e,
 * on the value's own line.  A value that starts its line also looks at the
 * line above ("SSN:" over the number in a form), but no further: words of
 * a neighbouring record must not vouch for this one. */
static int context(const tw_scan_ctx *cx, size_t s, size_t e, size_t before,
		   size_t after, const char *const *words)
{
	const char *t = cx->text;
	size_t a = s > before ? s - before : 0;
	size_t b = e + after < cx->len ? e + after : cx->len;
	size_t ls = s, k;

	while (ls > 0 && t[ls - 1] != '\n')
		ls--;
	for (k = ls; k < s && (t[k] == ' ' || t[k] == '\t' || t[k] == '"'); k++)
		;
	if (k == s && ls > 0) {
		ls--;
		while (ls > 0 && t[ls - 1] != '\n')
			ls--;
	}
	if (a < ls)
		a = ls;
	for (k = e; k < b; k++)
		if (t[k] == '\n') {
			b = k;
			break;
		}
	return has_word(t, a, s, words) || has_word(t, e, b, words);
}

/* Does the text hold `lit` at `pos`?  Texts need not end in a NUL. */
int tw_v_lit_at(const tw_scan_ctx *cx, size_t pos, const char *lit)
{
	size_t n = strlen(lit);

	return pos <= cx->len && cx->len - pos >= n && memcmp(cx->text + pos, lit, n) == 0;
}

/* Has this anchor kind already handled a run covering `pos`? */
int tw_v_seen_run(tw_scan_ctx *cx, int kind, size_t pos)
{
	return cx->run_end[kind] > cx->run_start[kind] && pos >= cx->run_start[kind] &&
	       pos < cx->run_end[kind];
}

void tw_v_mark_run(tw_scan_ctx *cx, int kind, size_t s, size_t e)
{
	cx->run_start[kind] = s;
	cx->run_end[kind] = e;
}

/* ---------------------------------------------------------------- checks */

int tw_luhn_ok(const char *d, size_t n)
{
	int sum = 0, dbl = 0;
	size_t i;

	for (i = n; i-- > 0;) {
		int v = d[i] - '0';

		if (v < 0 || v > 9)
			return 0;
		if (dbl) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
		dbl = !dbl;
	}
	return n > 0 && sum % 10 == 0;
}

int tw_ssn_ok(const char *d)
{
	/* Numbers printed in advertising, on sample cards and in the
	 * Social Security Administration's own examples. */
	static const char *const fakes[] = {
		"078051120", "219099999", "123456789", "457555462", "987654320",
		"111223333", "001010001", NULL,
	};
	int area, group, serial, i;
	char buf[4];

	for (i = 0; i < 9; i++)
		if (!is_digit(d[i]))
			return 0;
	memcpy(buf, d, 3);
	buf[3] = 0;
	area = (int)strtol(buf, NULL, 10);
	group = (d[3] - '0') * 10 + (d[4] - '0');
	serial = (int)strtol(d + 5, NULL, 10);
	if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
		return 0;
	for (i = 0; fakes[i]; i++)
		if (!memcmp(d, fakes[i], 9))
			return 0;
	/* One digit repeated nine times is a placeholder, not a number. */
	for (i = 1; i < 9 && d[i] == d[0]; i++)
		;
	return i < 9;
}

static int prefix_in(const char *d, int len, long lo, long hi)
{
	char buf[8];
	long v;

	memcpy(buf, d, (size_t)len);
	buf[len] = 0;
	v = strtol(buf, NULL, 10);
	return v >= lo && v <= hi;
}

const char *tw_card_brand(const char *d, size_t n)
{
	if (n < 13 || n > 19)
		return NULL;
	if (d[0] == '4' && (n == 13 || n == 16 || n == 19))
		return "visa";
	if ((prefix_in(d, 2, 51, 55) || prefix_in(d, 4, 2221, 2720)) && n == 16)
		return "mastercard";
	if ((prefix_in(d, 2, 34, 34) || prefix_in(d, 2, 37, 37)) && n == 15)
		return "amex";
	if ((prefix_in(d, 4, 6011, 6011) || prefix_in(d, 3, 644, 649) ||
	     prefix_in(d, 2, 65, 65)) && n >= 16)
		return "discover";
	if (prefix_in(d, 4, 3528, 3589) && n >= 16)
		return "jcb";
	if ((prefix_in(d, 3, 300, 305) || prefix_in(d, 2, 36, 36) ||
	     prefix_in(d, 2, 38, 39)) && n >= 14)
		return "diners";
	if (prefix_in(d, 2, 62, 62) && n >= 16)
		return "unionpay";
	if ((prefix_in(d, 2, 50, 50) || prefix_in(d, 2, 56, 69)) && n >= 13)
		return "maestro";
	return NULL;
}

static const struct {
	char cc[3];
	int len;
} iban_lengths[] = {
	{"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
	{"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
	{"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
	{"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
	{"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
	{"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30},
	{"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
	{"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
	{"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
	{"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
	{"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
	{"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29},
	{"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

static int iban_length(const char *cc)
{
	size_t i;

	for (i = 0; i < TW_ARRAY_LEN(iban_lengths); i++)
		if (cc[0] == iban_lengths[i].cc[0] && cc[1] == iban_lengths[i].cc[1])
			return iban_lengths[i].len;
	return 0;
}

int tw_iban_ok(const char *s, size_t n)
{
	unsigned rem = 0;
	size_t i;

	if (n < 15 || n > 34 || (int)n != iban_length(s) || !is_digit(s[2]) || !is_digit(s[3]))
		return 0;
	/* Move the first four characters to the end; letters count 10..35. */
	for (i = 0; i < n; i++) {
		char c = s[(i + 4) % n];

		if (is_digit(c))
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		else if (c >= 'A' && c <= 'Z')
			rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
		else
			return 0;
	}
	return rem == 1;
}

/* ---------------------------------------------------------------- preview */

static int is_sep(char c)
{
	return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' ||
	       c == '+' || c == ':' || c == '@';
}

char *tw_mask_preview(const char *s, size_t n, int keep_seps)
{
	size_t i, chars = 0, visible, seen = 0, stars = 0;
	tw_buf b;

	/* Count code points, not bytes, so UTF-8 is masked whole; with
	 * keep_seps the four visible characters are significant ones
	 * ("***-**-6789", "**** **** **** 1111"). */
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && !(keep_seps && is_sep(s[i])))
			chars++;
	/* Short values would be half given away by four visible
	 * characters: show at most half of them. */
	visible = chars >= 8 ? 4 : chars / 2;
	tw_buf_init(&b, 256);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c & 0xc0) == 0x80)
			continue;
		if (keep_seps && is_sep((char)c)) {
			tw_buf_putc(&b, (char)c);
			continue;
		}
		seen++;
		if (seen > chars - visible) {
			size_t k = 1;

			while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
				k++;
			if (c < 32 || c == 127)
				tw_buf_putc(&b, '?');
			else
				tw_buf_append(&b, s + i, k);
		} else if (keep_seps || stars < 16) {
			/* Long secrets shrink to 16 stars: their length is
			 * nobody's business either. */
			tw_buf_putc(&b, '*');
			stars++;
		}
	}
	if (!b.data)
		return tw_strdup("");
	return tw_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------- findings */

void tw_scan_add(tw_scan_ctx *cx, int type, const char *subtype, size_t off,
		 size_t len, double confidence, const char *value, size_t vlen)
{
	tw_findings *f = cx->out;
	tw_finding *x;
	int keep_seps = type != TW_PII_PASSWORD && type != TW_PII_KEY;
	const char *pv = cx->text + off;
	size_t pn = len;

	if (f->n >= 20000)
		return; /* a text made of nothing else says enough by then */
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		tw_finding *v = tw_realloc(f->v, cap * sizeof(*v));

		if (!v)
			return;
		f->v = v;
		f->cap = cap;
	}
	x = &f->v[f->n];
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->subtype = subtype;
	x->off = off;
	x->len = len;
	x->confidence = confidence > 1 ? 1 : confidence;
	x->value = tw_strndup(value, vlen);
	/* Secrets are previewed from the value alone, not the text around. */
	if (!keep_seps || len > 64) {
		pv = value;
		pn = vlen;
	}
	x->preview = tw_mask_preview(pv, pn, keep_seps);
	if (!x->value || !x->preview) {
		free(x->value);
		free(x->preview);
		return;
	}
	f->n++;
}

static const char *const ssn_words[] = {
	"ssn", "social security", "soc sec", "soc. sec", "ss#", "ss #", "ss no", "ss-no",
	"taxpayer id", "sozialversicherung", NULL,
};
static const char *const card_words[] = {
	"card", "visa", "mastercard", "master card", "amex", "american express", "discover",
	"credit", "debit", "exp", "cvv", "cvc", "kreditkarte", "tarjeta", "carte", NULL,
};
static const char *const phone_words[] = {
	"tel", "phone", "fax", "cell", "mobile", "call", "ph:", "ph.", "direct", "office",
	"home", "pager", "telefon", "handy", "contact", NULL,
};
static const char *const iban_words[] = {"iban", "account", "bank", "konto", "compte", NULL};

/* ---------------------------------------------------------------- SSN */

static void v_ssn(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	char d[10];
	size_t s;
	int form; /* 1 dashed, 2 spaced, 3 bare */
	double conf;
	int ctx;

	if (e >= 11 && is_digit(t[e - 11]) && (t[e - 8] == '-' || t[e - 8] == ' ') &&
	    t[e - 5] == t[e - 8]) {
		s = e - 11;
		form = t[e - 8] == '-' ? 1 : 2;
		memcpy(d, t + s, 3);
		memcpy(d + 3, t + s + 4, 2);
		memcpy(d + 5, t + s + 7, 4);
	} else if (e >= 9) {
		s = e - 9;
		form = 3;
		memcpy(d, t + s, 9);
	} else {
		return;
	}
	d[9] = 0;
	if (!tw_v_clean_before(t, s) || !tw_v_clean_after(t, cx->len, e) || !tw_ssn_ok(d))
		return;
	ctx = context(cx, s, e, 80, 24, ssn_words);
	if (form == 1)
		conf = ctx ? 0.95 : 0.75;
	else if (form == 2)
		conf = ctx ? 0.9 : 0.5;
	else if (ctx)
		conf = 0.85;
	else
		return; /* nine bare digits are anything without a word saying SSN */
	tw_scan_add(cx, TW_PII_SSN, NULL, s, e - s, conf, d, 9);
}

/* ---------------------------------------------------------------- cards */

/* Digit groups of a run such as "4111 1111 1111 1111". */
typedef struct group {
	size_t s, e;  /* bytes of the digits */
	char sep;     /* separator after the group, 0 for the last */
} group;

static void v_card(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t rs, re, p;
	group g[24];
	int ng = 0, i, j;

	if (e == 0 || !is_digit(t[e - 1]) || tw_v_seen_run(cx, A_CARD, e - 1))
		return;
	/* The maximal run of digits joined by single spaces or dashes. */
	rs = e - 1;
	while (rs > 0 && (is_digit(t[rs - 1]) ||
			  ((t[rs - 1] == ' ' || t[rs - 1] == '-') && rs >= 2 && is_digit(t[rs - 2]))))
		rs--;
	re = e;
	while (re < cx->len && (is_digit(t[re]) ||
				((t[re] == ' ' || t[re] == '-') && re + 1 < cx->len && is_digit(t[re + 1]))))
		re++;
	tw_v_mark_run(cx, A_CARD, rs, re);
	if (!tw_v_clean_before(t, rs) || !tw_v_clean_after(t, cx->len, re))
		return;
	for (p = rs; p < re && ng < (int)TW_ARRAY_LEN(g);) {
		g[ng].s = p;
		while (p < re && is_digit(t[p]))
			p++;
		g[ng].e = p;
		g[ng].sep = p < re ? t[p] : 0;
		ng++;
		p++;
	}
	if (p < re)
		return; /* a table of numbers, not a card */
	for (i = 0; i < ng; i++) {
		char d[20];
		size_t nd = 0;
		int best = -1;
		const char *brand = NULL;

		/* A window inside a longer run must be set off by spaces. */
		if (i > 0 && g[i - 1].sep != ' ')
			continue;
		for (j = i; j < ng; j++) {
			size_t gl = g[j].e - g[j].s;
			int k, shape_ok = 1;

			if (nd + gl > 19)
				break;
			memcpy(d + nd, t + g[j].s, gl);
			nd += gl;
			if (nd < 13 || (j + 1 < ng && g[j].sep != ' '))
				continue;
			/* Printed groupings: one block, 4-4-4-4(-x), 4-6-5, 4-6-4. */
			if (j > i) {
				int n = j - i + 1;
				size_t l0 = g[i].e - g[i].s, l1 = g[i + 1].e - g[i + 1].s;

				if (n == 3 && l0 == 4 && l1 == 6) {
					shape_ok = 1;
				} else {
					for (k = i; k < j; k++)
						if (g[k].e - g[k].s != 4)
							shape_ok = 0;
					if (gl > 4)
						shape_ok = 0;
				}
				for (k = i; k < j; k++)
					if (g[k].sep != g[i].sep)
						shape_ok = 0;
			}
			if (!shape_ok)
				continue;
			d[nd] = 0;
			if (tw_card_brand(d, nd) && tw_luhn_ok(d, nd)) {
				int same = 1;

				for (k = 1; k < (int)nd; k++)
					if (d[k] != d[0])
						same = 0;
				if (!same) {
					best = j;
					brand = tw_card_brand(d, nd);
				}
			}
		}
		/* A window cut out of a longer grid of 4-digit groups (a
		 * reference number) is not a card of its own. */
		if (best >= 0 && best > i &&
		    ((i > 0 && g[i - 1].e - g[i - 1].s == 4 && g[i - 1].sep == g[i].sep) ||
		     (best + 1 < ng && g[best + 1].e - g[best + 1].s == 4 && g[best].sep == g[i].sep)))
			best = -1;
		if (best >= 0) {
			size_t s = g[i].s, en = g[best].e, m = 0;
			char v[20];
			int ctx = context(cx, s, en, 80, 40, card_words);

			for (p = s; p < en; p++)
				if (is_digit(t[p]))
					v[m++] = t[p];
			/* A bare 13-digit number is as often an EAN barcode
			 * as an old Visa: only with a word about cards. */
			if (ctx || m > 13 || best > i)
				tw_scan_add(cx, TW_PII_CARD, brand, s, en - s,
					    ctx ? 0.98 : (best > i ? 0.9 : 0.8), v, m);
			i = best;
		}
	}
}

/* ---------------------------------------------------------------- IBAN */

static void v_iban(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t s, p;
	char v[40];
	int want, n = 0;

	if (e >= 9 && t[e - 5] == ' ' && isupper((unsigned char)t[e - 9]))
		s = e - 9;
	else if (e >= 8)
		s = e - 8;
	else
		return;
	if (!isupper((unsigned char)t[s]) || !isupper((unsigned char)t[s + 1]) ||
	    (s > 0 && (is_alnum(t[s - 1]) || t[s - 1] == '_')))
		return;
	want = iban_length(t + s);
	if (!want)
		return;
	for (p = s; p < cx->len && n < want; p++) {
		char c = t[p];

		if (is_digit(c) || (c >= 'A' && c <= 'Z'))
			v[n++] = c;
		else if (c == ' ' && p > s && t[p - 1] != ' ' && p + 1 < cx->len && is_alnum(t[p + 1]))
			continue;
		else
			return;
	}
	if (n != want || (p < cx->len && (is_alnum(t[p]) || t[p] == '_')))
		return;
	v[n] = 0;
	if (!tw_iban_ok(v, (size_t)n))
		return;
	{
		char cc[3] = {v[0], v[1], 0};
		static const char *const ccs[] = {"AD", "AE", "AL", "AT", "BE", "CH", "CZ", "DE",
						 "DK", "ES", "FI", "FR", "GB", "IE", "IT", "NL",
						 "NO", "PL", "PT", "SE", NULL};
		const char *sub = NULL;
		int k;

		/* Subtype is a static string: the common countries by name,
		 * others as "other". */
		for (k = 0; ccs[k]; k++)
			if (!strcmp(ccs[k], cc))
				sub = ccs[k];
		tw_scan_add(cx, TW_PII_IBAN, sub ? sub : "other", s, p - s,
			    context(cx, s, p, 60, 10, iban_words) ? 0.99 : 0.95, v, (size_t)n);
	}
}

/* ---------------------------------------------------------------- phones */

/* North American numbers: (713) 853-1234, 713-853-1234, 713.853.1234,
 * with an optional 1 or +1 in front. */
static void v_phone(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t s, a;
	char v[16];
	int k, paren = 0;

	if (e < 12)
		return;
	for (k = 1; k <= 4; k++)
		if (!is_digit(t[e - k]))
			return;
	if (!in_set(t[e - 5], "-. ") || !is_digit(t[e - 6]) || !is_digit(t[e - 7]) ||
	    !is_digit(t[e - 8]))
		return;
	/* Separator between area code and exchange. */
	a = e - 9;
	if (t[a] == ' ' && a > 0 && t[a - 1] == ')') {
		a--;
		paren = 1;
	} else if (t[a] == ')') {
		paren = 1;
	} else if (!in_set(t[a], "-. ")) {
		return;
	}
	if (a < 3 || !is_digit(t[a - 1]) || !is_digit(t[a - 2]) || !is_digit(t[a - 3]))
		return;
	s = a - 3;
	if (paren) {
		if (s == 0 || t[s - 1] != '(')
			return;
		s--;
	}
	/* Area code and exchange start with 2-9; N11 codes are services. */
	{
		const char *ac = t + (paren ? s + 1 : s), *ex = t + e - 8;

		if (ac[0] < '2' || (ac[1] == '1' && ac[2] == '1') || ex[0] < '2')
			return;
		v[0] = '+';
		v[1] = '1';
		memcpy(v + 2, ac, 3);
		memcpy(v + 5, ex, 3);
		memcpy(v + 8, t + e - 4, 4);
		v[12] = 0;
	}
	/* Country code in front: "1-", "1 ", "+1 ". */
	if (s >= 2 && in_set(t[s - 1], "-. ") && t[s - 2] == '1') {
		s -= 2;
		if (s > 0 && t[s - 1] == '+')
			s--;
	}
	if (!tw_v_clean_before(t, s) || !tw_v_clean_after(t, cx->len, e))
		return;
	tw_scan_add(cx, TW_PII_PHONE, "nanp", s, e - s,
		    context(cx, s, e, 40, 10, phone_words) ? 0.85 : 0.6, v, 12);
}

/* International numbers written with a leading +: +44 20 7946 0958. */
static void v_phone_intl(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t s, p, last = 0;
	char v[20];
	int nd = 0;

	if (e == 0 || tw_v_seen_run(cx, A_PHONE_INTL, e - 1))
		return;
	for (s = e; s > 0 && e - s < 32; s--)
		if (t[s - 1] == '+')
			break;
	if (s == 0 || t[s - 1] != '+')
		return;
	s--;
	if (s > 0 && (is_alnum(t[s - 1]) || t[s - 1] == '+'))
		return;
	v[nd++] = '+';
	for (p = s + 1; p < cx->len; p++) {
		char c = t[p];

		if (is_digit(c)) {
			if (nd >= 17)
				return; /* longer than any E.164 number */
			v[nd++] = c;
			last = p + 1;
		} else if ((c == ' ' || c == '.' || c == '-' || c == '(' || c == ')') &&
			   p + 1 < cx->len &&
			   (is_digit(t[p + 1]) || t[p + 1] == '(' ||
			    (c == ')' && t[p + 1] == ' '))) {
			continue;
		} else {
			break;
		}
	}
	tw_v_mark_run(cx, A_PHONE_INTL, s, last ? last : e);
	if (nd - 1 < 8 || nd - 1 > 15 || v[1] == '0' || !last || !tw_v_clean_after(t, cx->len, last))
		return;
	v[nd] = 0;
	tw_scan_add(cx, TW_PII_PHONE, "intl", s, last - s,
		    context(cx, s, last, 40, 10, phone_words) ? 0.9 : 0.7, v, (size_t)nd);
}

/* ---------------------------------------------------------------- email */

static int local_char(char c)
{
	return is_alnum(c) || in_set(c, "._%+-'");
}

static void v_email(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t at, s, p, lastdot = 0;
	char *v;
	size_t k;

	for (at = e; at > 0 && e - at < 256; at--)
		if (t[at - 1] == '@')
			break;
	if (at == 0 || t[at - 1] != '@')
		return;
	at--;
	if (tw_v_seen_run(cx, A_EMAIL, at))
		return;
	for (s = at; s > 0 && at - s < 64 && local_char(t[s - 1]); s--)
		;
	while (s < at && (t[s] == '.' || t[s] == '\''))
		s++;
	if (s == at)
		return;
	for (p = at + 1; p < cx->len && p - at < 254 && (is_alnum(t[p]) || t[p] == '-' || t[p] == '.');
	     p++) {
		if (t[p] == '.' && (t[p - 1] == '.' || t[p - 1] == '@'))
			break;
		if (t[p] == '.')
			lastdot = p;
	}
	while (p > at + 1 && (t[p - 1] == '.' || t[p - 1] == '-'))
		p--;
	tw_v_mark_run(cx, A_EMAIL, s, p);
	if (lastdot <= at + 1 || lastdot >= p - 2)
		return;
	for (k = lastdot + 1; k < p; k++)
		if (!isalpha((unsigned char)t[k]))
			return;
	v = tw_strndup(t + s, p - s);
	if (!v)
		return;
	tw_ascii_lower(v);
	tw_scan_add(cx, TW_PII_EMAIL, NULL, s, p - s, 0.9, v, p - s);
	free(v);
}

/* ---------------------------------------------------------------- dates of birth */

static const char *const months[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
};

static int month_at(const char *t, size_t n)
{
	int i;

	if (n < 3)
		return 0;
	for (i = 0; i < 12; i++)
		if (!strncasecmp(t, months[i], 3))
			return i + 1;
	return 0;
}

static size_t read_num(const char *t, size_t p, size_t len, int maxd, int *v)
{
	size_t q = p;

	*v = 0;
	while (q < len && is_digit(t[q]) && (int)(q - p) < maxd) {
		*v = *v * 10 + (t[q] - '0');
		q++;
	}
	if (q < len && is_digit(t[q]))
		return p; /* too many digits */
	return q;
}

/* Parse a date at t[p]; returns its end or p. */
static size_t parse_date(const char *t, size_t p, size_t len, char *iso, size_t isolen)
{
	int a, b, c, y = 0, m = 0, d = 0;
	size_t q, r;

	if (is_digit(t[p])) {
		q = read_num(t, p, len, 4, &a);
		if (q == p)
			return p;
		if (q - p == 4 && q < len && t[q] == '-') {
			/* 1961-08-04 */
			r = read_num(t, q + 1, len, 2, &b);
			if (r == q + 1 || r >= len || t[r] != '-')
				return p;
			q = read_num(t, r + 1, len, 2, &c);
			if (q == r + 1)
				return p;
			y = a, m = b, d = c;
		} else if (q - p <= 2 && q < len && in_set(t[q], "/.-")) {
			/* 08/04/1961, 4.8.1961 */
			char sep = t[q];

			r = read_num(t, q + 1, len, 2, &b);
			if (r == q + 1 || r >= len || t[r] != sep)
				return p;
			q = read_num(t, r + 1, len, 4, &c);
			if (q == r + 1 || (q - r - 1 != 2 && q - r - 1 != 4))
				return p;
			y = c < 100 ? 1900 + c : c;
			/* US order when the first cannot be a day, else either. */
			m = a <= 12 ? a : b;
			d = a <= 12 ? b : a;
		} else if (q - p <= 2 && q < len && t[q] == ' ' && month_at(t + q + 1, len - q - 1)) {
			/* 4 August 1961 */
			d = a;
			m = month_at(t + q + 1, len - q - 1);
			r = q + 1;
			while (r < len && isalpha((unsigned char)t[r]))
				r++;
			if (r < len && t[r] == '.')
				r++;
			while (r < len && (t[r] == ' ' || t[r] == ','))
				r++;
			q = read_num(t, r, len, 4, &y);
			if (q - r != 4)
				return p;
		} else {
			return p;
		}
	} else if ((m = month_at(t + p, len - p)) != 0) {
		/* August 4, 1961 */
		r = p;
		while (r < len && isalpha((unsigned char)t[r]))
			r++;
		if (r < len && t[r] == '.')
			r++;
		while (r < len && t[r] == ' ')
			r++;
		q = read_num(t, r, len, 2, &d);
		if (q == r)
			return p;
		r = q;
		if (r + 1 < len && (t[r] == 's' || t[r] == 'n' || t[r] == 'r' || t[r] == 't') &&
		    isalpha((unsigned char)t[r + 1]))
			r += 2;
		while (r < len && (t[r] == ' ' || t[r] == ','))
			r++;
		q = read_num(t, r, len, 4, &y);
		if (q - r != 4)
			return p;
	} else {
		return p;
	}
	if (y < 1890 || y > 2030 || m < 1 || m > 12 || d < 1 || d > 31)
		return p;
	snprintf(iso, isolen, "%04d-%02d-%02d", y, m, d);
	return q;
}

static void v_dob(tw_scan_ctx *cx, size_t e)
{
	const char *t = cx->text;
	size_t p = e, lim = e + 40 < cx->len ? e + 40 : cx->len, q;
	char iso[16];

	/* "DOB: 08/04/1961", "born on August 4, 1961", "date of birth is ..." */
	while (p < lim && !is_digit(t[p]) && !month_at(t + p, cx->len - p)) {
		if (t[p] == '\n' && p + 1 < lim && t[p + 1] == '\n')
			return;
		p++;
	}
	if (p >= lim || (p > 0 && is_alnum(t[p - 1]) && p != e))
		return;
	q = parse_date(t, p, cx->len, iso, sizeof(iso));
	if (q == p || !tw_v_clean_after(t, cx->len, q))
		return;
	tw_scan_add(cx, TW_PII_DOB, NULL, p, q - p, 0.85, iso, strlen(iso));
}

/* ---------------------------------------------------------------- dispatch */

void tw_scan_anchor(tw_scan_ctx *cx, const tw_scan_pattern *p, size_t start, size_t end)
{
	if (end > cx->len)
		return;
	switch (p->anchor) {
	case A_SSN: v_ssn(cx, end); break;
	case A_CARD: v_card(cx, end); break;
	case A_IBAN: v_iban(cx, end); break;
	case A_PHONE: v_phone(cx, end); break;
	case A_PHONE_INTL: v_phone_intl(cx, end); break;
	case A_EMAIL: v_email(cx, end); break;
	case A_DOB: v_dob(cx, end); break;
	case A_PASSWORD: tw_v_password(cx, end); break;
	case A_URL_CRED: tw_v_url_cred(cx, end); break;
	case A_PEM: tw_v_pem(cx, end); break;
	case A_AWS_ID: tw_v_aws_id(cx, end); break;
	case A_AWS_SECRET: tw_v_aws_secret(cx, end); break;
	case A_TOKEN: tw_v_token(cx, p, start, end); break;
	case A_IPV4: tw_v_ipv4(cx, end); break;
	case A_IPV6: tw_v_ipv6(cx, end); break;
	default: break;
	}
}

/* Types that win when spans overlap: a card inside an IBAN is part of the
 * IBAN. */
static int priority(int type)
{
	switch (type) {
	case TW_PII_KEY: return 9;
	case TW_PII_IBAN: return 8;
	case TW_PII_CARD: return 7;
	case TW_PII_SSN: return 6;
	case TW_PII_PASSWORD: return 5;
	case TW_PII_PHONE: return 4;
	case TW_PII_DOB: return 3;
	case TW_PII_IP: return 2;
	default: return 1;
	}
}

static int cmp_finding(const void *a, const void *b)
{
	const tw_finding *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	if (priority(x->type) != priority(y->type))
		return priority(x->type) > priority(y->type) ? -1 : 1;
	return x->type - y->type;
}

void tw_findings_normalise(tw_findings *f)
{
	size_t i, k, n = 0;

	if (!f || f->n < 2)
		return;
	qsort(f->v, f->n, sizeof(*f->v), cmp_finding);
	for (i = 0; i < f->n; i++) {
		tw_finding *c = &f->v[i];
		int drop = 0;

		/* Look back over recent kept findings that may overlap. */
		for (k = n; k-- > 0 && n - k <= 64;) {
			tw_finding *o = &f->v[k];

			if (o->off + o->len <= c->off)
				continue;
			if (o->type == c->type ||
			    (priority(o->type) > priority(c->type) && o->off + o->len >= c->off + c->len)) {
				drop = 1;
				break;
			}
		}
		if (drop) {
			free(c->value);
			free(c->preview);
			continue;
		}
		f->v[n++] = *c;
	}
	f->n = n;
}
