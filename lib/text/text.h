/*
 * text.h - the text layer: language detection, word breaking, folding and
 * stemming, so that everything in a leak is findable.
 *
 * It sits between base (tw.h) and archive: it includes only base headers
 * and knows nothing of SQLite; lib/archive/fts.c adapts it to an FTS5
 * custom tokenizer named `trawl`, and a future backend would adapt it to
 * its own text search.  Every function here is thread-safe: the state it
 * needs (Snowball stemmers, the ICU break iterator) is kept per thread and
 * created on first use, so a process that only meets Latin text never
 * opens an ICU break iterator.  Language detection (CLD2) tells the
 * language of each text for the `lang:` field and for choosing the query
 * languages; the index itself does not depend on it.
 *
 * THE TOKEN CONTRACT (what the index holds and what a query asks for)
 *
 *   Words.  A word is a maximal run of letters, digits and combining marks
 *   (the characters unicode61 keeps); runs that hold Han, Hiragana,
 *   Katakana, Thai, Lao, Khmer or Myanmar are cut further into words by
 *   ICU's dictionary word break, so 映画 and 公開 are words inside a
 *   Japanese sentence written without spaces.
 *
 *   The index holds each word as its folded form: lower case, and
 *   Latin letters without their diacritics ("Négociations" ->
 *   "negociations", "ΆΝΘΡΩΠΟΣ" -> "άνθρωποσ", "ЁЖ" -> "ёж"), the token
 *   unicode61 remove_diacritics 2 produced, so that queries which matched
 *   before still do.  Nothing depends on a text's language: indexing and
 *   deleting a text always give the same tokens.
 *
 *   Queries.  A query word is matched in one of three ways, chosen by the
 *   caller through tw_tok_mode:
 *     TW_TOK_STEM   (an unquoted word) its inflections: the folded word,
 *                   and as colocated synonyms (FTS5: any of them) the
 *                   terms of the index that have the same Snowball stem in
 *                   one of the query languages.  The terms are read from
 *                   the index's vocabulary (tw_tok_opts.vocab) among those
 *                   sharing the word's first letters; the query languages
 *                   are those the archive holds (the caller passes them);
 *     TW_TOK_EXACT  (a quoted phrase, or =word) the folded forms only;
 *     TW_TOK_PREFIX (word*) the folded form only, as a prefix.
 *   In FTS5 query text the planner says "exact" by starting the string
 *   with TW_EXACT_MARK ('='): "=salary" and "=pay rise" match those words
 *   exactly; "salary" and "pay rise" match their inflections.  '=' is
 *   never part of a word, so the mark cannot be confused with text.
 *
 *   Why stems are found at query time rather than indexed beside each
 *   word: indexing them (an earlier version did) cost the Enron ingest 40%
 *   more CPU (a quarter more tokens, a parallel vocabulary of stems)
 *   against under 10% for words alone; reading the vocabulary costs a query
 *   a millisecond or two.  The vocabulary is that of the whole index, so a
 *   French word is found by its French inflections wherever they are.
 *   Words with accents are indexed twice, as written (lower case) and
 *   folded, at one position: Snowball needs the accents ("négocié" is a
 *   participle of stem "négoci", "negocie" is nothing), exact queries the
 *   folded form.
 *
 *   Offsets.  Every token carries the byte offsets [start, end) of its word
 *   in the original UTF-8 text, so a snippet highlights the inflection
 *   that matched.
 */
#ifndef TW_TEXT_H
#define TW_TEXT_H

#include "tw.h"

/* First byte of FTS5 query text that asks for exact words. */
#define TW_EXACT_MARK '='
/* Longest word indexed, in bytes; longer runs are cut (as a word). */
#define TW_WORD_MAX 256
/* Bytes of a text that language detection looks at. */
#define TW_LANG_SCAN 512
/* Most query languages considered. */
#define TW_LANG_MAX 16

/* ---------------------------------------------------------------- languages */

/*
 * The language of `len` bytes of UTF-8 (invalid bytes are skipped), as an
 * ISO 639-1 code ("en", "fr", "zh"...), or NULL when it cannot be told
 * (too little text, no letters).  Looks at most at the first TW_LANG_SCAN
 * bytes, so the time is bounded.  Thread-safe; the result is a static
 * string.  Recent results are remembered by a hash of the bytes looked at,
 * so the extractor threads can detect a text's language ahead of the
 * writer, which then finds it at the cost of a hash.
 */
const char *tw_lang_detect(const char *utf8, size_t len);

/* Non-zero when `lang` (ISO 639-1) has a Snowball stemmer. */
int tw_lang_has_stemmer(const char *lang);

/* ---------------------------------------------------------------- tokens */

typedef enum tw_tok_mode {
	TW_TOK_DOC,    /* a text being indexed: folded forms */
	TW_TOK_STEM,   /* query words matching their inflections */
	TW_TOK_EXACT,  /* query words matching exactly (folded forms) */
	TW_TOK_PREFIX  /* query prefix: folded forms only */
} tw_tok_mode;

/* Flag of a token at the same position as the previous one (a synonym). */
#define TW_TOK_COLOCATED 1

/*
 * Called for each token: `tok`/`n` (not NUL-terminated, valid only during
 * the call), TW_TOK_COLOCATED or 0, and the byte offsets [start, end) of
 * its word in the text.  Returns 0 to go on; anything else stops
 * tw_tokenize, which returns it.
 */
typedef int (*tw_token_fn)(void *ud, int flags, const char *tok, size_t n,
			   size_t start, size_t end);

/* Called for each term of a vocabulary (valid during the call); non-zero
 * stops the walk. */
typedef int (*tw_term_fn)(void *ctx, const char *term, size_t n);
/*
 * The index's vocabulary: call each() for the terms that start with the
 * `n` bytes of `prefix`, in byte order, until it returns non-zero.
 * Returns 0, or -1 when the vocabulary cannot be read (the word then
 * matches as written).
 */
typedef int (*tw_vocab_fn)(void *ud, const char *prefix, size_t n, tw_term_fn each, void *ctx);

typedef struct tw_tok_opts {
	const char *const *langs; /* TW_TOK_STEM: query languages (ISO 639-1) */
	int nlangs;
	tw_vocab_fn vocab;        /* TW_TOK_STEM: where inflections are found */
	void *vocab_ud;
} tw_tok_opts;

/*
 * Cut `len` bytes of UTF-8 text into tokens by the contract above; `opts`
 * may be NULL (then TW_TOK_STEM finds no inflections).  Invalid UTF-8
 * bytes separate words.  Returns 0, the callback's non-zero value, or -1
 * when memory runs out.
 */
int tw_tokenize(const char *text, size_t len, tw_tok_mode mode, const tw_tok_opts *opts,
		tw_token_fn fn, void *ud);

/*
 * The Snowball stem of a lower-case word in `lang` (accents kept: Snowball
 * reads them), folded, into `out` (NUL-terminated); returns its length, 0
 * when `lang` has no stemmer.
 * Thread-safe (per-thread stemmers); for tests and tools.
 */
size_t tw_stem_word(const char *lang, const char *folded, size_t n, char out[TW_WORD_MAX + 1]);

/*
 * Fold one word as the index does (lower case, Latin diacritics removed)
 * into `out` (NUL-terminated, at most TW_WORD_MAX bytes + 1).  Returns the
 * length.  For tests and tools.
 */
size_t tw_fold_word(const char *w, size_t n, char out[TW_WORD_MAX + 1]);

/*
 * Free this thread's stemmers and break iterator (threads that end do it
 * themselves; this is for a main thread before exit, to keep leak checkers
 * quiet).  The next call simply creates them again.
 */
void tw_text_thread_release(void);

#endif
