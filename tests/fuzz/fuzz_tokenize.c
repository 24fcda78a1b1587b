/*
 * fuzz_tokenize.c - libFuzzer target for the text layer (lib/text/): any
 * bytes, in every tokenizer mode and with stemmers of several languages
 * and a made-up vocabulary, give tokens that are not empty, not longer than a word may be, and whose
 * offsets lie inside the input in order; language detection returns a
 * code or nothing.  The first byte picks the mode.  Seeds are in
 * tests/fuzz/seeds/tokenize/.
 */
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	size_t size, last_start;
};

static int check(void *ud, int flags, const char *tok, size_t n, size_t start, size_t end)
{
	struct seen *s = ud;

	if (!n || n > TW_WORD_MAX + 1 || !tok)
		__builtin_trap();
	if (start >= end || end > s->size)
		__builtin_trap();
	/* words come in order; colocated tokens share their word's offsets */
	if (!(flags & TW_TOK_COLOCATED) && start < s->last_start)
		__builtin_trap();
	s->last_start = start;
	return 0;
}

/* A vocabulary of the prefix itself and a few inflections of it. */
static int vocab(void *ud, const char *prefix, size_t n, tw_term_fn each, void *ctx)
{
	static const char *const ends[] = {"", "ed", "es", "ing", "s", "\xc3\xa9"};
	char term[TW_WORD_MAX + 8];

	(void)ud;
	if (n > TW_WORD_MAX)
		__builtin_trap();
	for (size_t i = 0; i < TW_ARRAY_LEN(ends); i++) {
		memcpy(term, prefix, n);
		memcpy(term + n, ends[i], strlen(ends[i]));
		if (each(ctx, term, n + strlen(ends[i])))
			break;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = {"en", "fr", "de", "ru", "el", "tr", "ar", "xx"};
	struct seen s = {0, 0};
	tw_tok_opts opts;
	const char *lang;
	tw_tok_mode mode;

	if (size < 1)
		return 0;
	mode = (tw_tok_mode)(data[0] & 3);
	s.size = size - 1;
	lang = tw_lang_detect((const char *)data + 1, size - 1);
	if (lang && strlen(lang) != 2)
		__builtin_trap();
	opts.langs = langs;
	opts.nlangs = (int)TW_ARRAY_LEN(langs);
	opts.vocab = vocab;
	opts.vocab_ud = NULL;
	if (tw_tokenize((const char *)data + 1, size - 1, mode, &opts, check, &s) != 0)
		__builtin_trap();
	return 0;
}
