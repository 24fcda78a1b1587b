/*
 * test_text.c - the text layer (lib/text/) and its FTS5 face
 * (lib/archive/fts.c): words of scripts written without spaces, folding
 * equal to SQLite's unicode61 remove_diacritics 2, Snowball stems in six
 * languages, exact words against inflections, language detection on short
 * texts, and a round trip through an FTS5 table using the tokenizer.
 */
#include <sqlite3.h>

#include "testutil.h"
#include "archive/db.h"

struct toks {
	tw_buf words;  /* non-colocated tokens, "|"-separated */
	tw_buf all;    /* every token; colocated ones as +tok */
	size_t max_end, text_len;
};

static int collect(void *ud, int flags, const char *tok, size_t n, size_t start, size_t end)
{
	struct toks *t = ud;

	assert_true(start < end);
	assert_true(end <= t->text_len);
	if (end > t->max_end)
		t->max_end = end;
	if (!(flags & TW_TOK_COLOCATED)) {
		tw_buf_append(&t->words, tok, n);
		tw_buf_putc(&t->words, '|');
	}
	if (flags & TW_TOK_COLOCATED)
		tw_buf_putc(&t->all, '+');
	tw_buf_append(&t->all, tok, n);
	tw_buf_putc(&t->all, ' ');
	return 0;
}

/* A vocabulary in memory, sorted, for TW_TOK_STEM. */
static const char *const vocab_words[] = {
	"leak", "leaked", "leaks", "press", "salad", "salami", "salaried", "salaries", "salary",
	"was", "wash", "washington",
};

static int vocab(void *ud, const char *prefix, size_t n, tw_term_fn each, void *ctx)
{
	(void)ud;
	for (size_t i = 0; i < TW_ARRAY_LEN(vocab_words); i++)
		if (!strncmp(vocab_words[i], prefix, n) &&
		    each(ctx, vocab_words[i], strlen(vocab_words[i])))
			break;
	return 0;
}

static void toks_run(struct toks *t, const char *text, tw_tok_mode mode, const char *const *langs,
		     int nlangs)
{
	tw_tok_opts opts = {langs, nlangs, vocab, NULL};

	memset(t, 0, sizeof(*t));
	tw_buf_init(&t->words, 1 << 20);
	tw_buf_init(&t->all, 1 << 20);
	t->text_len = strlen(text);
	assert_int_equal(tw_tokenize(text, strlen(text), mode, &opts, collect, t), 0);
	tw_buf_putc(&t->words, '\0');
	tw_buf_putc(&t->all, '\0');
}

static void toks_release(struct toks *t)
{
	tw_buf_release(&t->words);
	tw_buf_release(&t->all);
}

static void has_word(const char *text, const char *word)
{
	struct toks t;
	char want[256];

	snprintf(want, sizeof(want), "|%s|", word);
	toks_run(&t, text, TW_TOK_EXACT, NULL, 0);
	{
		char *w = malloc(t.words.len + 2);

		assert_non_null(w);
		w[0] = '|';
		memcpy(w + 1, t.words.data, t.words.len + 1);
		if (!strstr(w, want))
			fail_msg("'%s' is not a word of '%s' (words: %s)", word, text, w);
		free(w);
	}
	toks_release(&t);
}

/* Words inside sentences written without spaces. */
static void test_dictionary_scripts(void **state)
{
	(void)state;
	has_word("お疲れ様です。来週の映画の公開について、資料を添付します。", "映画");
	has_word("お疲れ様です。来週の映画の公開について、資料を添付します。", "公開");
	/* ICU's dictionary cuts 黑客 in two: the query side cuts it the same
	 * way, and FTS5 matches the two as a phrase (see the round trip). */
	has_word("黑客入侵了公司的服务器", "入侵");
	has_word("黑客入侵了公司的服务器", "服务");
	has_word("ภาษาไทยง่ายนิดเดียว", "ไทย");
	/* Mixed scripts in one run, Latin words beside them. */
	has_word("iPhone映画 Straße ΆΝΘΡΩΠΟΣ", "iphone");
	has_word("iPhone映画 Straße ΆΝΘΡΩΠΟΣ", "映画");
	has_word("iPhone映画 Straße ΆΝΘΡΩΠΟΣ", "straße");
	has_word("iPhone映画 Straße ΆΝΘΡΩΠΟΣ", "άνθρωποσ");
	has_word("Переговоры о зарплате", "переговоры");
}

/* Stems of two lower-case words (accents kept, as Snowball reads them). */
static void same_stem(const char *lang, const char *a, const char *b)
{
	char sa[TW_WORD_MAX + 1], sb[TW_WORD_MAX + 1];

	tw_stem_word(lang, a, strlen(a), sa);
	tw_stem_word(lang, b, strlen(b), sb);
	if (!sa[0] || strcmp(sa, sb) != 0)
		fail_msg("%s: '%s' stems to '%s', '%s' to '%s'", lang, a, sa, b, sb);
}

static void test_stems(void **state)
{
	(void)state;
	same_stem("en", "salaries", "salary");
	same_stem("en", "leaked", "leak");
	same_stem("fr", "négociations", "négociation");
	same_stem("de", "verhandlungen", "verhandlung");
	same_stem("es", "negociaciones", "negociación");
	same_stem("ru", "переговоры", "переговоров");
	assert_true(tw_lang_has_stemmer("en"));
	assert_true(tw_lang_has_stemmer("nb"));
	assert_false(tw_lang_has_stemmer("ja"));
	assert_false(tw_lang_has_stemmer(NULL));
	{
		char out[TW_WORD_MAX + 1];

		assert_int_equal(tw_stem_word("ja", "映画", strlen("映画"), out), 0);
		assert_int_equal(tw_stem_word("en", "salaries", 8, out), 6);
		assert_string_equal(out, "salari");
	}
}

/* What each mode emits for one word. */
static void test_modes(void **state)
{
	const char *en[1] = {"en"};
	struct toks t;

	(void)state;
	/* A document: the folded words, nothing else. */
	toks_run(&t, "The salaries were leaked to the press last week by the treasurer.",
		 TW_TOK_DOC, NULL, 0);
	assert_string_equal(t.all.data,
			    "the salaries were leaked to the press last week by the treasurer ");
	toks_release(&t);
	/* A query word: its inflections in the vocabulary (salad is not one). */
	toks_run(&t, "Salary", TW_TOK_STEM, en, 1);
	assert_string_equal(t.all.data, "salary +salaried +salaries ");
	toks_release(&t);
	toks_run(&t, "leaks", TW_TOK_STEM, en, 1);
	assert_string_equal(t.all.data, "leaks +leak +leaked ");
	toks_release(&t);
	/* A short word reads the terms of its first three letters. */
	toks_run(&t, "was", TW_TOK_STEM, en, 1);
	assert_string_equal(t.all.data, "was ");
	toks_release(&t);
	/* Without languages, a word is only itself. */
	toks_run(&t, "salary", TW_TOK_STEM, NULL, 0);
	assert_string_equal(t.all.data, "salary ");
	toks_release(&t);
	/* Exact and prefix: the folded words only. */
	toks_run(&t, "=Salaries négociées", TW_TOK_EXACT, en, 1);
	assert_string_equal(t.all.data, "salaries negociees ");
	toks_release(&t);
	toks_run(&t, "salar", TW_TOK_PREFIX, en, 1);
	assert_string_equal(t.all.data, "salar ");
	toks_release(&t);
	/* Offsets are those of the word in the original bytes. */
	toks_run(&t, "  Négociations, ok", TW_TOK_EXACT, NULL, 0);
	assert_int_equal(t.max_end, strlen("  Négociations, ok"));
	toks_release(&t);
	/* Overlong words are cut, not refused. */
	{
		char *w = malloc(5001);

		assert_non_null(w);
		memset(w, 'a', 5000);
		w[5000] = '\0';
		toks_run(&t, w, TW_TOK_EXACT, NULL, 0);
		assert_int_equal(strcspn(t.words.data, "|"), TW_WORD_MAX);
		toks_release(&t);
		free(w);
	}
}

/* ---------------------------------------------------------------- unicode61 */

struct u61 {
	sqlite3 *db;
	sqlite3_stmt *ins, *vocab;
};

/* unicode61's tokens of `text`, "|"-separated, into out. */
static void u61_tokens(struct u61 *u, const char *text, tw_buf *out)
{
	assert_int_equal(sqlite3_exec(u->db, "DELETE FROM u", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_reset(u->ins);
	sqlite3_bind_text(u->ins, 1, text, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(u->ins), SQLITE_DONE);
	sqlite3_reset(u->vocab);
	tw_buf_reset(out);
	while (sqlite3_step(u->vocab) == SQLITE_ROW) {
		tw_buf_puts(out, (const char *)sqlite3_column_text(u->vocab, 0));
		tw_buf_putc(out, '|');
	}
	tw_buf_putc(out, '\0');
}

static void compare_u61(struct u61 *u, const char *text)
{
	struct toks t;
	tw_buf b;

	tw_buf_init(&b, 1 << 20);
	u61_tokens(u, text, &b);
	toks_run(&t, text, TW_TOK_EXACT, NULL, 0);
	if (strcmp(t.words.data, b.data) != 0)
		fail_msg("'%s': trawl gives %s, unicode61 %s", text, t.words.data, b.data);
	toks_release(&t);
	tw_buf_release(&b);
}

/* Letters where trawl deliberately differs from unicode61: code points
 * unassigned in Unicode 6.1 (unicode61 takes them for letters), a letter
 * added since (U+037F), combining marks of Cyrillic that unicode61 takes
 * for separators, and its one mapping of a long s. */
static int u61_exception(unsigned cp)
{
	return (cp >= 0x378 && cp <= 0x37F) || (cp >= 0x380 && cp <= 0x383) || cp == 0x38B ||
	       cp == 0x38D || cp == 0x3A2 || (cp >= 0x483 && cp <= 0x487) || cp == 0x1E9B;
}

static void test_folding_as_unicode61(void **state)
{
	static const unsigned ranges[][2] = {
		{0xC0, 0x24F}, {0x370, 0x3FF}, {0x400, 0x4FF}, {0x1E00, 0x1EFF},
	};
	static const char *const samples[] = {
		"Ångström Ærøskøbing Ǻ İstanbul ΆΝΘΡΩΠΟΣ ςΣ Ёлка Йод Ђурђевак",
		"naïve café façade Œuvre Straße ẞ Đặng Thị Ngọc Nguyễn Łódź Žluťoučký kůň",
		"e\xcc\x81te\xcc\x81 (NFD) re\xcc\x81sume\xcc\x81 MÜNCHEN größe ǰ Ǆ ǅ ǆ",
		"Quel est l'état de la négociation? Überprüfung der Verträge; Años, niños, PIÑATA",
		"Москва ЧЕЛОВЕК ёжик Ῥόδος Ἀθῆναι ΰ 2014-03-27 x86_64 foo.bar@example.com",
	};
	struct u61 u;
	char w[16];

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &u.db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(u.db,
				      "CREATE VIRTUAL TABLE u USING fts5(x, tokenize='unicode61 remove_diacritics 2');"
				      "CREATE VIRTUAL TABLE uv USING fts5vocab(u, instance);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(u.db, "INSERT INTO u(rowid, x) VALUES(1, ?)", -1, &u.ins,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(u.db, "SELECT term FROM uv ORDER BY offset", -1,
					    &u.vocab, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < TW_ARRAY_LEN(samples); i++)
		compare_u61(&u, samples[i]);
	/* Every letter of Latin, Greek and Cyrillic, inside a word. */
	for (size_t r = 0; r < TW_ARRAY_LEN(ranges); r++) {
		for (unsigned cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
			size_t n = 0;

			if (u61_exception(cp))
				continue;
			w[n++] = 'q';
			n += tw_utf8_encode(cp, w + n);
			w[n++] = 'q';
			w[n] = '\0';
			compare_u61(&u, w);
		}
	}
	sqlite3_finalize(u.ins);
	sqlite3_finalize(u.vocab);
	sqlite3_close(u.db);
}

/* ---------------------------------------------------------------- languages */

static void detects(const char *text, const char *want)
{
	const char *got = tw_lang_detect(text, strlen(text));

	if (!want) {
		if (got)
			fail_msg("'%s' detected as %s, want none", text, got);
		return;
	}
	if (!got || strcmp(got, want) != 0)
		fail_msg("'%s' detected as %s, want %s", text, got ? got : "none", want);
}

static void test_lang_detect(void **state)
{
	(void)state;
	detects("Can you forward me the contract that Vince signed with the Houston office?", "en");
	detects("Merci pour votre réponse rapide. Nous reprendrons la discussion lundi.", "fr");
	detects("Kannst du mir bitte die Rechnung noch einmal schicken? Danke!", "de");
	detects("Las negociaciones con el sindicato continúan la próxima semana en Madrid.", "es");
	detects("Переговоры о зарплате продолжатся в понедельник.", "ru");
	detects("明日の会議は午後三時からに変更になりました。よろしくお願いします。", "ja");
	detects("黑客入侵了公司的服务器，客户资料可能已经泄露。", "zh");
	detects("", NULL);
	detects("12345 67890 --- !!!", NULL);
	/* Invalid UTF-8 and control bytes do not stop it. */
	detects("Merci pour votre r\xe9ponse rapide.\x01 Nous reprendrons la discussion lundi.", "fr");
	/* Twice the same: the second from the memo. */
	detects("Kannst du mir bitte die Rechnung noch einmal schicken? Danke!", "de");
}

/* ---------------------------------------------------------------- FTS5 */

static int64_t count(sqlite3 *db, const char *match)
{
	sqlite3_stmt *s;
	int64_t n = -1;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?", -1, &s,
					    NULL),
			 SQLITE_OK);
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	else
		fail_msg("MATCH '%s': %s", match, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return n;
}

static void expect(sqlite3 *db, const char *match, int64_t want)
{
	int64_t n = count(db, match);

	if (n != want)
		fail_msg("MATCH '%s' found %lld rows, want %lld", match, (long long)n,
			 (long long)want);
}

static void test_fts5_round_trip(void **state)
{
	static const char *const docs[] = {
		/* 1 */ "The salaries were leaked to the press last week by the treasurer.",
		/* 2 */ "Les négociations salariales ont échoué hier soir, selon la direction.",
		/* 3 */ "Die Verhandlungen mit dem Lieferanten wurden gestern abgebrochen.",
		/* 4 */ "Las negociaciones con el sindicato continúan la próxima semana.",
		/* 5 */ "Переговоры о зарплате продолжатся в понедельник утром.",
		/* 6 */ "お疲れ様です。来週の映画の公開について、資料を添付します。",
		/* 7 */ "黑客入侵了公司的服务器，客户资料可能已经泄露。",
		/* 8 */ "The salary schedule is attached; one salary per line.",
		/* 9 */ "横浜港の入港予定です。本牧沖で錨泊し、翌朝入港します。",
		/* 10 */ "Nous avons négocié les nouveaux barèmes avec la direction.",
	};
	sqlite3 *db;
	sqlite3_stmt *s;
	unsigned char *z;
	size_t zlen;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tw_fts_register(db), SQLITE_OK);
	/* The archive's languages, as the schema keeps them. */
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE text_lang(id INTEGER PRIMARY KEY, lang TEXT);"
				      "CREATE INDEX text_lang_lang ON text_lang(lang);"
				      "INSERT INTO text_lang VALUES(1,'en'),(2,'fr'),(3,'de'),(4,'es'),"
				      "  (5,'ru'),(6,'ja'),(7,'zh'),(8,'en'),(9,'ja'),(10,'fr');"
				      "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trawl');"
				      "CREATE VIRTUAL TABLE temp.tw_vocab USING fts5vocab(main, t, row);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, x) VALUES(?, ?)", -1, &s, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < TW_ARRAY_LEN(docs); i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(s, 2, docs[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	}
	sqlite3_finalize(s);
	/* Inflections, in each language. */
	expect(db, "salary", 2);
	expect(db, "salaries", 2);
	expect(db, "leak", 1);
	/* négocié is indexed as written and folded: Snowball needs the
	 * accent to see a participle, exact queries the folded form. */
	expect(db, "négociation", 2);
	/* ... and in Spanish, négocier is a verb of stem negoci, as is
	 * negociaciones: stems of two languages meet (quote to avoid it). */
	expect(db, "négocier", 3);
	expect(db, "negociation", 2);
	expect(db, "\"=negocie\"", 1);
	expect(db, "\"=négocié\"", 1);
	expect(db, "\"=négociations\"", 1);
	expect(db, "Verhandlung", 1);
	/* negociación, negociaciones and négocié share the Spanish stem negoci */
	expect(db, "negociación", 2);
	expect(db, "negociaciones", 2);
	expect(db, "переговоров", 1);
	/* Exact words: '=' or a phrase the planner marks so. */
	expect(db, "\"=salary\"", 1);
	expect(db, "\"=salaries\"", 1);
	expect(db, "\"=salaries were leaked\"", 1);
	expect(db, "\"=salary were leaked\"", 0);
	expect(db, "\"salary were leak\"", 1);
	/* Prefixes read folded words. */
	expect(db, "salar*", 3);
	/* Words of scripts without spaces. */
	expect(db, "映画", 1);
	expect(db, "公開", 1);
	expect(db, "黑客", 1);
	expect(db, "錨泊", 1);
	expect(db, "服务器", 1);
	expect(db, "画の公", 0);
	/* Highlights fall on the inflection that matched. */
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH 'salary'"
					    " ORDER BY rowid LIMIT 1",
					    -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_non_null(strstr((const char *)sqlite3_column_text(s, 0), "The [salaries] were"));
	sqlite3_finalize(s);
	/* Deleting a row takes all its tokens away (external content needs
	 * the same tokens on delete as on insert). */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO t(t) VALUES('integrity-check');", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM t WHERE rowid=1;", NULL, NULL, NULL),
			 SQLITE_OK);
	expect(db, "leak", 0);
	/* Bad tokenizer arguments are refused. */
	assert_int_not_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE bad USING fts5(x, tokenize='trawl frob');",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	/* tw_lang() reads plain and compressed bodies. */
	z = tw_deflate(docs[1], strlen(docs[1]), &zlen);
	assert_non_null(z);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT tw_lang(NULL, ?), tw_lang(?, NULL), tw_lang('', x'00')",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(s, 1, z, (int)zlen, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, docs[2], -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(s, 0), "fr");
	assert_string_equal(sqlite3_column_text(s, 1), "de");
	assert_int_equal(sqlite3_column_type(s, 2), SQLITE_NULL);
	sqlite3_finalize(s);
	free(z);
	sqlite3_close(db);
}

/* A fallback language stems texts too short to tell. */
static void test_fts5_fallback_language(void **state)
{
	sqlite3 *db;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tw_fts_register(db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE VIRTUAL TABLE t USING fts5(x, tokenize=\"trawl lang 'fr,en'\");"
				      "CREATE VIRTUAL TABLE temp.tw_vocab USING fts5vocab(main, t, row);"
				      "INSERT INTO t(rowid, x) VALUES(1, 'négociations');",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	expect(db, "négociation", 1);
	expect(db, "\"=négociation\"", 0);
	sqlite3_close(db);
}

static int teardown(void **state)
{
	(void)state;
	tw_text_thread_release();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dictionary_scripts),
		cmocka_unit_test(test_stems),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_folding_as_unicode61),
		cmocka_unit_test(test_lang_detect),
		cmocka_unit_test(test_fts5_round_trip),
		cmocka_unit_test(test_fts5_fallback_language),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
