/*
 * tokenize.c - the words of a text and their folded forms, and the
 * inflections of query words (the contract is in text.h).
 *
 * Speed matters: every text of an ingest goes through here in the writer
 * thread.  So runs of ASCII letters are folded inline, other characters of
 * space-separated scripts through ICU's character tables only (case
 * folding and canonical decomposition: plain table look-ups, no data file),
 * and ICU's dictionary word break, which costs a break iterator per thread
 * and loads the CJK/Thai dictionaries, is opened only when a run of letters
 * holds a script written without spaces.
 *
 * Folding matches SQLite's unicode61 remove_diacritics 2, the tokenizer
 * trawl used before, checked code point by code point in
 * tests/unit/test_text.c: case folding (simple: ς -> σ, ß stays), and for
 * Latin letters the canonical decomposition without its combining marks
 * U+0300..U+036F ("ǻ" -> "a"); other scripts keep their precomposed letters
 * (Greek "ά", Cyrillic "й" stay).  Unlike unicode61, combining marks of
 * other scripts (Devanagari vowel signs...) are part of words rather than
 * separators, and letters newer than Unicode 6.1 are letters.
 *
 * Per-thread state (Snowball stemmers by language and their cache, the
 * break iterator, the UTF-16 buffer it reads) lives behind a pthread key
 * so that it is freed when a thread ends.
 */
#include <pthread.h>

#include <libstemmer.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include "text/text.h"

/* ISO 639-1 codes with a Snowball stemmer (libstemmer knows these codes). */
static const char *const stem_langs[] = {
	"ar", "ca", "da", "de", "el", "en", "es", "eu", "fi", "fr", "ga", "hi", "hu", "hy",
	"id", "it", "lt", "ne", "nl", "no", "pt", "ro", "ru", "sr", "sv", "ta", "tr", "yi",
};
#define NSTEM ((int)TW_ARRAY_LEN(stem_langs))

/*
 * Stems of recent words, by language: finding the inflections of a query
 * word stems up to EXPAND_SCAN terms of the vocabulary, and the same terms
 * come back query after query.  Direct-mapped by a hash of language and
 * word; short words only.  400 KB per thread that stems.
 */
#define STEM_CACHE 8192 /* a power of two */
#define STEM_CACHED 24  /* longest word and stem kept, in bytes */

struct stem_entry {
	unsigned char used, lang, wn, sn;
	char w[STEM_CACHED], st[STEM_CACHED];
};

struct tstate {
	struct stem_entry *cache; /* STEM_CACHE entries, allocated on first use */
	struct sb_stemmer *stem[NSTEM];
	unsigned char tried[NSTEM];
	UBreakIterator *bi;
	int bi_failed;
	UChar *u16;        /* a run in UTF-16, for the break iterator */
	size_t *u16_off;   /* byte offset of each UTF-16 unit in the run */
	size_t u16_cap;
};

static pthread_key_t tkey;
static pthread_once_t tonce = PTHREAD_ONCE_INIT;
static int tkey_ok;

static void tstate_free(void *p)
{
	struct tstate *t = p;

	if (!t)
		return;
	for (int i = 0; i < NSTEM; i++)
		if (t->stem[i])
			sb_stemmer_delete(t->stem[i]);
	if (t->bi)
		ubrk_close(t->bi);
	free(t->cache);
	free(t->u16);
	free(t->u16_off);
	free(t);
}

static void tkey_make(void)
{
	tkey_ok = pthread_key_create(&tkey, tstate_free) == 0;
}

static struct tstate *tstate(void)
{
	struct tstate *t;

	pthread_once(&tonce, tkey_make);
	if (!tkey_ok)
		return NULL;
	t = pthread_getspecific(tkey);
	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (t && pthread_setspecific(tkey, t) != 0) {
		free(t);
		t = NULL;
	}
	return t;
}

void tw_text_thread_release(void)
{
	pthread_once(&tonce, tkey_make);
	if (!tkey_ok)
		return;
	tstate_free(pthread_getspecific(tkey));
	pthread_setspecific(tkey, NULL);
}

static int stem_index(const char *lang)
{
	if (!lang)
		return -1;
	if (!strcmp(lang, "nb") || !strcmp(lang, "nn"))
		lang = "no";
	for (int i = 0; i < NSTEM; i++)
		if (!strcmp(stem_langs[i], lang))
			return i;
	return -1;
}

int tw_lang_has_stemmer(const char *lang)
{
	return stem_index(lang) >= 0;
}

static struct sb_stemmer *stemmer(struct tstate *t, int i)
{
	if (i < 0)
		return NULL;
	if (!t->tried[i]) {
		t->tried[i] = 1;
		t->stem[i] = sb_stemmer_new(stem_langs[i], "UTF_8");
	}
	return t->stem[i];
}

/* ---------------------------------------------------------------- characters */

/* Decode one code point; -1 for an invalid byte (consumes one byte). */
static int32_t utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	unsigned c = s[0];
	int32_t cp;
	size_t need;

	*len = 1;
	if (c < 0x80)
		return (int32_t)c;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return -1;
	}
	if (n < need)
		return -1;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*len = need;
	return cp;
}

static size_t utf8_put(int32_t cp, char *out)
{
	return tw_utf8_encode((unsigned)cp, out);
}

/*
 * The combining marks unicode61 removes (those of the Latin letters it
 * knows, U+0300..U+0331); the other marks of that block separate words
 * there, and here too so that both cut the same words.
 */
static int is_removed_mark(int32_t c)
{
	static const uint64_t removed = 0x1FULL | (0x7FULL << 6) | (1ULL << 15) | (1ULL << 17) |
					(1ULL << 27) | (0x3FULL << 35) | (3ULL << 45) | (3ULL << 48);

	return c >= 0x300 && c < 0x340 && ((removed >> (c - 0x300)) & 1);
}

static int is_word_char(int32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
	if (c >= 0x300 && c <= 0x36F)
		return is_removed_mark(c);
	switch (u_charType(c)) {
	case U_UPPERCASE_LETTER:
	case U_LOWERCASE_LETTER:
	case U_TITLECASE_LETTER:
	case U_MODIFIER_LETTER:
	case U_OTHER_LETTER:
	case U_DECIMAL_DIGIT_NUMBER:
	case U_LETTER_NUMBER:
	case U_OTHER_NUMBER:
	case U_PRIVATE_USE_CHAR:
	case U_NON_SPACING_MARK:
	case U_COMBINING_SPACING_MARK:
		return 1;
	default:
		return 0;
	}
}

/* Scripts written without spaces between words: ICU's dictionaries cut them. */
static int needs_dictionary(int32_t c)
{
	return (c >= 0x0E00 && c <= 0x0EFF) ||   /* Thai, Lao */
	       (c >= 0x1000 && c <= 0x109F) ||   /* Myanmar */
	       (c >= 0x1780 && c <= 0x17FF) ||   /* Khmer */
	       (c >= 0x2E80 && c <= 0x2FDF) ||   /* CJK radicals */
	       (c >= 0x3005 && c <= 0x3007) || (c >= 0x3021 && c <= 0x303B) ||
	       (c >= 0x3040 && c <= 0x30FF) ||   /* Hiragana, Katakana */
	       (c >= 0x31F0 && c <= 0x31FF) ||
	       (c >= 0x3400 && c <= 0x4DBF) ||   /* CJK extension A */
	       (c >= 0x4E00 && c <= 0x9FFF) ||   /* CJK unified ideographs */
	       (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0xFF66 && c <= 0xFF9F) ||   /* halfwidth Katakana */
	       (c >= 0x20000 && c <= 0x3FFFF);
}

/* A letter whose decomposition starts with this loses its marks. */
static int is_ascii_letter(int32_t c)
{
	return c < 0x80 && (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/*
 * Append the folded form of `c` to out (room for 16 bytes); `strip`
 * removes Latin diacritics (the folded form), otherwise only case is
 * folded (the lower-case form the stemmers read).
 */
static size_t fold_cp(int32_t c, char *out, int strip)
{
	UChar d[8];
	UErrorCode err = U_ZERO_ERROR;
	const UNormalizer2 *nfd;
	int32_t n, i = 0;
	size_t len = 0;

	if (c < 0x80) {
		out[0] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		return 1;
	}
	if (strip && is_removed_mark(c))
		return 0;
	if (!strip)
		return utf8_put(u_foldCase(c, U_FOLD_CASE_DEFAULT), out);
	nfd = unorm2_getNFDInstance(&err);
	n = U_SUCCESS(err) ? unorm2_getDecomposition(nfd, c, d, (int32_t)TW_ARRAY_LEN(d), &err)
			   : -1;
	/* unicode61 keeps these two, though their marks are removable */
	if (n <= 0 || U_FAILURE(err) || !is_ascii_letter(d[0]) || c == 0x1E0 || c == 0x1E1)
		return utf8_put(u_foldCase(c, U_FOLD_CASE_DEFAULT), out);
	while (i < n && len < 12) {
		int32_t x;

		U16_NEXT(d, i, n, x);
		if (x >= 0x300 && x <= 0x36F)
			continue;
		len += utf8_put(u_foldCase(x, U_FOLD_CASE_DEFAULT), out + len);
	}
	return len;
}

/* Fold `n` bytes of a word (all word characters) into out. */
static size_t fold_bytes(const char *w, size_t n, char *out, int strip)
{
	const unsigned char *s = (const unsigned char *)w;
	size_t i = 0, len = 0;

	while (i < n) {
		char tmp[16];
		size_t l, k;
		int32_t c;

		if (s[i] < 0x80) {
			if (len >= TW_WORD_MAX)
				break;
			out[len++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
			i++;
			continue;
		}
		c = utf8_next(s + i, n - i, &l);
		i += l;
		if (c < 0)
			continue;
		k = fold_cp(c, tmp, strip);
		if (len + k > TW_WORD_MAX)
			break;
		memcpy(out + len, tmp, k);
		len += k;
	}
	out[len] = '\0';
	return len;
}

size_t tw_fold_word(const char *w, size_t n, char out[TW_WORD_MAX + 1])
{
	return fold_bytes(w, n, out, 1);
}

/*
 * The folded Snowball stem of the lower-case word `w` in language `ix`
 * into out (TW_WORD_MAX + 1 bytes), its length in *outn (0 without a
 * stemmer).  Returns -1 when memory runs out.
 */
static int stem(struct tstate *t, int ix, const char *w, size_t wn, char *out, size_t *outn)
{
	struct sb_stemmer *st = stemmer(t, ix);
	struct stem_entry *e = NULL;
	const sb_symbol *s;

	*outn = 0;
	if (!st)
		return 0;
	if (wn < STEM_CACHED) {
		uint64_t h = 1469598103934665603ull ^ (uint64_t)ix;

		for (size_t i = 0; i < wn; i++)
			h = (h ^ (unsigned char)w[i]) * 1099511628211ull;
		if (!t->cache)
			t->cache = calloc(STEM_CACHE, sizeof(*t->cache));
		if (t->cache) {
			e = &t->cache[(h ^ (h >> 32)) & (STEM_CACHE - 1)];
			if (e->used && e->lang == ix && e->wn == wn && !memcmp(e->w, w, wn)) {
				memcpy(out, e->st, e->sn);
				out[e->sn] = '\0';
				*outn = e->sn;
				return 0;
			}
		}
	}
	s = sb_stemmer_stem(st, (const sb_symbol *)w, (int)wn);
	if (!s)
		return -1;
	*outn = fold_bytes((const char *)s, (size_t)sb_stemmer_length(st), out, 1);
	if (e && *outn < STEM_CACHED) {
		e->used = 1;
		e->lang = (unsigned char)ix;
		e->wn = (unsigned char)wn;
		e->sn = (unsigned char)*outn;
		memcpy(e->w, w, wn);
		memcpy(e->st, out, *outn);
	}
	return 0;
}

/* ---------------------------------------------------------------- words */

size_t tw_stem_word(const char *lang, const char *folded, size_t n, char out[TW_WORD_MAX + 1])
{
	struct tstate *t = tstate();
	size_t sn = 0;

	out[0] = '\0';
	if (!t || n > TW_WORD_MAX || stem(t, stem_index(lang), folded, n, out, &sn) < 0)
		return 0;
	return sn;
}

/* Most inflections a query word brings, and most terms of the index read
 * to find them: a short word's prefix can reach thousands of terms. */
#define EXPAND_MAX 64
#define EXPAND_SCAN 4096

struct tok {
	const char *text;
	tw_tok_mode mode;
	const tw_tok_opts *opts;
	int stems[TW_LANG_MAX]; /* stemmer indexes of the query languages */
	int nstems;
	int in_dictionary_run;  /* CJK, Thai...: no stemmer applies */
	tw_token_fn fn;
	void *ud;
	struct tstate *ts;
};

/* A query word being expanded into the inflections the index holds. */
struct expand {
	struct tok *k;
	const char *folded;
	size_t fn, start, end;
	/* per query language, the folded stems of the word as written (lower
	 * case, accents kept: Snowball reads "negociación" better than
	 * "negociacion") and of its folded form */
	char stem[TW_LANG_MAX][2][TW_WORD_MAX + 1];
	size_t sn[TW_LANG_MAX][2];
	int emitted, scanned, rc;
};

static int expand_term(void *ctx, const char *term, size_t n)
{
	struct expand *x = ctx;
	struct tok *k = x->k;
	char st[TW_WORD_MAX + 1];

	if (++x->scanned > EXPAND_SCAN || x->emitted >= EXPAND_MAX)
		return 1;
	if (n > TW_WORD_MAX || (n == x->fn && !memcmp(term, x->folded, n)))
		return 0;
	for (int i = 0; i < k->nstems; i++) {
		size_t sn;

		if (stem(k->ts, k->stems[i], term, n, st, &sn) < 0) {
			x->rc = -1;
			return 1;
		}
		for (int f = 0; f < 2; f++) {
			if (sn && sn == x->sn[i][f] && !memcmp(st, x->stem[i][f], sn)) {
				x->emitted++;
				x->rc = k->fn(k->ud, TW_TOK_COLOCATED, term, n, x->start, x->end);
				return x->rc != 0;
			}
		}
	}
	return 0;
}

/* Bytes of the character that ends at s[n] (UTF-8). */
static size_t last_char(const char *s, size_t n)
{
	size_t l = 1;

	while (l < n && ((unsigned char)s[n - l] & 0xC0) == 0x80)
		l++;
	return l;
}

/* How many bytes of `w` to read the vocabulary with, for a word whose
 * (folded) stem is `st`: the stem less its last character, no more of it
 * than the word shares, at least three bytes, on a character boundary. */
static size_t scan_prefix(const char *w, size_t wn, const char *st, size_t sn, size_t p)
{
	size_t lcp = 0, cut;

	while (lcp < sn && lcp < wn && st[lcp] == w[lcp])
		lcp++;
	cut = sn ? sn - last_char(st, sn) : 0;
	if (cut > lcp)
		cut = lcp;
	if (cut < p)
		p = cut;
	if (p < 3)
		p = wn < 3 ? wn : 3;
	while (p < wn && ((unsigned char)w[p] & 0xC0) == 0x80)
		p++;
	return p;
}

/*
 * The inflections of a query word: the terms of the index that have the
 * word's stem in a query language.  A stem is nearly a prefix of its
 * words (Snowball changes at most a last letter or two: salary -> salari,
 * salaries -> salari), so the terms read are those that start with the
 * stem less its last character.  Words with accents are in the index both
 * as written and folded (see word()): both are read when they differ.
 */
static int expand(struct tok *k, const char *folded, size_t fn, const char *lower, size_t ln,
		  size_t start, size_t end)
{
	struct expand *x = calloc(1, sizeof(*x));
	size_t p = fn, pl = 0, chars = 0;
	int rc, accents = ln != fn || memcmp(lower, folded, fn) != 0;

	if (!x)
		return -1;
	x->k = k;
	x->folded = folded;
	x->fn = fn;
	x->start = start;
	x->end = end;
	for (int i = 0; i < k->nstems; i++) {
		if (stem(k->ts, k->stems[i], folded, fn, x->stem[i][0], &x->sn[i][0]) < 0 ||
		    (accents && stem(k->ts, k->stems[i], lower, ln, x->stem[i][1], &x->sn[i][1]) < 0)) {
			free(x);
			return -1;
		}
		p = scan_prefix(folded, fn, x->stem[i][0], x->sn[i][0], p);
		if (accents)
			p = scan_prefix(folded, fn, x->stem[i][1], x->sn[i][1], p);
	}
	rc = k->opts->vocab(k->opts->vocab_ud, folded, p, expand_term, x);
	if (rc == 0 && !x->rc && accents) {
		/* The same characters of the word as written, for the terms
		 * indexed with their accents. */
		for (size_t b = 0; b < p; b++)
			chars += ((unsigned char)folded[b] & 0xC0) != 0x80;
		while (pl < ln && chars > 0) {
			pl++;
			while (pl < ln && ((unsigned char)lower[pl] & 0xC0) == 0x80)
				pl++;
			chars--;
		}
		if (pl != p || memcmp(lower, folded, p) != 0) {
			x->scanned = 0;
			k->opts->vocab(k->opts->vocab_ud, lower, pl, expand_term, x);
		}
	}
	/* without a vocabulary to read, the word matches as written */
	rc = x->rc;
	free(x);
	return rc;
}

/* Emit the tokens of the word text[start, end). */
static int word(struct tok *k, size_t start, size_t end)
{
	char folded[TW_WORD_MAX + 1], lower[TW_WORD_MAX + 1];
	size_t fn, ln = 0;
	int rc, ascii = 1;

	for (size_t j = start; j < end && ascii; j++)
		ascii = (unsigned char)k->text[j] < 0x80;
	fn = fold_bytes(k->text + start, end - start, folded, 1);
	if (!fn)
		return 0;
	if (!ascii)
		ln = fold_bytes(k->text + start, end - start, lower, 0);
	if (ascii || (ln == fn && !memcmp(lower, folded, fn))) {
		memcpy(lower, folded, fn + 1);
		ln = 0;
	}
	if (k->mode == TW_TOK_DOC && ln) {
		/* A word with accents is indexed as written (lower case) and
		 * folded: the folded form answers exact queries as unicode61
		 * did, the written one gives Snowball the accents it needs to
		 * find the inflections of a query word. */
		rc = k->fn(k->ud, 0, lower, ln, start, end);
		return rc ? rc : k->fn(k->ud, TW_TOK_COLOCATED, folded, fn, start, end);
	}
	rc = k->fn(k->ud, 0, folded, fn, start, end);
	if (rc || !k->nstems || k->in_dictionary_run || (folded[0] >= '0' && folded[0] <= '9'))
		return rc;
	return expand(k, folded, fn, lower, ln ? ln : fn, start, end);
}

/* A run of word characters holding a script without spaces: ICU cuts it. */
static int dictionary_run(struct tok *k, size_t start, size_t end)
{
	struct tstate *t = k->ts;
	const unsigned char *s = (const unsigned char *)k->text;
	UErrorCode err = U_ZERO_ERROR;
	size_t need = end - start + 1, i = start;
	int32_t a, b, n16 = 0;
	int rc = 0;

	if (!t->bi && !t->bi_failed) {
		t->bi = ubrk_open(UBRK_WORD, "", NULL, 0, &err);
		if (U_FAILURE(err)) {
			t->bi = NULL;
			t->bi_failed = 1;
		}
		err = U_ZERO_ERROR;
	}
	if (!t->bi)
		return word(k, start, end);
	if (need > t->u16_cap) {
		UChar *u = realloc(t->u16, need * sizeof(*u));
		size_t *o;

		if (!u)
			return -1;
		t->u16 = u;
		o = realloc(t->u16_off, need * sizeof(*o));
		if (!o)
			return -1;
		t->u16_off = o;
		t->u16_cap = need;
	}
	while (i < end) {
		size_t l;
		int32_t c = utf8_next(s + i, end - i, &l);

		if (c >= 0) {
			UBool bad = 0;

			t->u16_off[n16] = i;
			if (c > 0xFFFF)
				t->u16_off[n16 + 1] = i;
			U16_APPEND(t->u16, n16, (int32_t)t->u16_cap, c, bad);
			(void)bad;
		}
		i += l;
	}
	t->u16_off[n16] = end;
	ubrk_setText(t->bi, t->u16, n16, &err);
	if (U_FAILURE(err))
		return word(k, start, end);
	a = ubrk_first(t->bi);
	k->in_dictionary_run = 1;
	for (b = ubrk_next(t->bi); b != UBRK_DONE && !rc; a = b, b = ubrk_next(t->bi))
		rc = word(k, t->u16_off[a], t->u16_off[b]);
	k->in_dictionary_run = 0;
	/* Forget the text: the buffer is reused. */
	ubrk_setText(t->bi, NULL, 0, &err);
	return rc;
}

int tw_tokenize(const char *text, size_t len, tw_tok_mode mode, const tw_tok_opts *opts,
		tw_token_fn fn, void *ud)
{
	const unsigned char *s = (const unsigned char *)text;
	struct tok k;
	size_t i = 0;
	int rc = 0;

	memset(&k, 0, sizeof(k));
	k.text = text;
	k.mode = mode;
	k.opts = opts;
	k.fn = fn;
	k.ud = ud;
	k.ts = tstate();
	if (!k.ts)
		return -1;
	if (mode == TW_TOK_STEM && opts && opts->vocab) {
		for (int j = 0; j < opts->nlangs && k.nstems < TW_LANG_MAX; j++) {
			int ix = stem_index(opts->langs[j]);

			if (ix >= 0)
				k.stems[k.nstems++] = ix;
		}
	}
	while (i < len && !rc) {
		size_t start, l, wl = 0;
		int complex = 0;
		int32_t c;

		if (s[i] < 0x80 && !is_word_char(s[i])) {
			i++;
			continue;
		}
		c = utf8_next(s + i, len - i, &l);
		if (c < 0 || !is_word_char(c)) {
			i += l;
			continue;
		}
		start = i;
		/* The run of word characters; cut at TW_WORD_MAX bytes of
		 * a space-separated script (nobody searches for a longer
		 * word, and the index should not hold megabyte tokens). */
		while (i < len) {
			if (s[i] < 0x80) {
				if (!is_word_char(s[i]))
					break;
				l = 1;
			} else {
				c = utf8_next(s + i, len - i, &l);
				if (c < 0 || !is_word_char(c))
					break;
				complex |= needs_dictionary(c);
			}
			if (!complex && wl + l > TW_WORD_MAX)
				break;
			i += l;
			wl += l;
			if (complex && wl >= 65536)
				break;
		}
		rc = complex ? dictionary_run(&k, start, i) : word(&k, start, i);
	}
	return rc;
}
