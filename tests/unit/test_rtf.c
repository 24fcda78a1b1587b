/*
 * test_rtf.c - the RTF extractor (lib/extract/rtf.c) on the fixtures of
 * tests/fixtures/gen_docs3.py: code pages (cp1252, \fcharset204 Cyrillic,
 * \fcharset128 Shift_JIS double-byte), \uN with \ucN fallbacks and
 * surrogate pairs, tables, fields, skipped destinations, the \info group,
 * encapsulated HTML, an embedded OLE1 package and its retrieval, truncated
 * input; then hostile input made here (a 100,000-level group bomb, \bin
 * lengths past the end, random bytes) and real files of the shared corpora
 * (skipped, with a message, when ../shared/corpora is absent).  Run from the
 * repository root.
 */
#include <time.h>

#define FIX "tests/fixtures/docs3/"
#define FIXTURE_DIR FIX
#include "fixture.h"
#define TIKA "tika-test-documents/tika-parsers/tika-parsers-standard/" \
	"tika-parsers-standard-modules/tika-parser-microsoft-module/src/test/" \
	"resources/test-documents/"

static void test_cp1252(void **state)
{
	tw_node *n = load("cp1252.rtf");

	assert_string_equal(n->type, "word");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9\x65 costs \xe2\x82\xac" "50\n");
	assert_text(n, "Second\tline\nthird\n");
	assert_no_text(n, "Normal");  /* style sheet */
	assert_no_text(n, "Times");   /* font table */
	assert_no_text(n, "red255");
	tw_node_free(n);
}

static void test_unicode(void **state)
{
	tw_node *n = load("unicode.rtf");

	assert_int_equal(n->nerrs, 0);
	assert_text(n, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 mir\n");
	assert_text(n, "Clef \xf0\x9d\x84\x9e end\n");      /* U+1D11E from a pair */
	assert_text(n, "Two\xe2\x82\xac" "fallback\n");      /* \uc2 skips "XX" */
	assert_text(n, "Zero\xe2\x80\x93" "dash\n");         /* \uc0 skips nothing */
	assert_no_text(n, "?");
	tw_node_free(n);
}

static void test_cyrillic(void **state)
{
	tw_node *n = load("cyrillic.rtf");

	assert_text(n, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
		       "\xd0\xbc\xd0\xb8\xd1\x80 and Latin \xc3\xa9");
	tw_node_free(n);
}

static void test_sjis(void **state)
{
	tw_node *n = load("sjis.rtf");

	/* 日本語 テスト ソ: pairs of \'hh, and a trail byte escaped as \\ */
	assert_text(n, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
		       "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88 \xe3\x82\xbd ok");
	tw_node_free(n);
}

static void test_tables(void **state)
{
	tw_node *n = load("tables.rtf");

	assert_text(n, "alpha\tbeta\t\n");
	assert_text(n, "gamma\tinner1\tinner2\tdelta\t\n");
	assert_text(n, "after table");
	tw_node_free(n);
}

static void test_fields(void **state)
{
	tw_node *n = load("fields.rtf");

	assert_text(n, "Visit the website today.");
	assert_text(n, "7 pages");
	assert_no_text(n, "HYPERLINK");
	assert_no_text(n, "hidden.example");
	assert_no_text(n, "hiddenmark");
	assert_no_text(n, "PAGE");
	assert_no_text(n, "0123456789abcdef"); /* picture data */
	assert_no_text(n, "secret junk");      /* unknown \* destination */
	assert_text(n, "Running header text");
	assert_text(n, "Running footer text");
	assert_text(n, "Note\nfootnote body");
	tw_node_free(n);
}

static void test_info(void **state)
{
	tw_node *n = load("info.rtf");

	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Body of the info document");
	assert_no_text(n, "Alice");
	assert_prop(n, "title", "Unicode Titl\xc3\xa9"); /* the \ud version wins */
	assert_prop(n, "author", "Alice Author");
	assert_prop(n, "last_modified_by", "Oscar Operator");
	assert_prop(n, "subject", "The Subject");
	assert_prop(n, "company", "Acme Corp");
	assert_prop(n, "creator", "Handwritten 1.0");
	assert_prop(n, "created", "2001-05-03T10:30:00Z");
	assert_prop(n, "modified", "2002-06-04T11:45:00Z");
	assert_prop(n, "pages", "3");
	assert_prop(n, "words", "42");
	tw_node_free(n);
}

static void test_truncated(void **state)
{
	tw_node *n = load("truncated.rtf");

	assert_text(n, "Before the cut bold and then");
	assert_true(node_has_error(n, TRAWL_ECORRUPT));
	tw_node_free(n);
}

static void test_fromhtml(void **state)
{
	tw_node *n = load("fromhtml.rtf");

	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Encapsulated & caf\xc3\xa9 text");
	assert_no_text(n, "RTF-only");
	assert_no_text(n, "color:red");
	assert_no_text(n, "htmltag");
	tw_node_free(n);
}

static void test_object(void **state)
{
	static const char want[] = "Packaged file with the planted word okapi.\n";
	const char *loc[] = {"object:1"};
	tw_node *n = load("object.rtf"), *c;
	tw_buf found;
	size_t len = 0;
	unsigned char *d;

	assert_text(n, "Before object");
	assert_text(n, "after object");
	assert_no_text(n, "0105");
	assert_int_equal(n->nchildren, 1);
	c = n->first_child;
	assert_string_equal(c->kind, "attachment");
	assert_string_equal(c->name, "notes.txt");
	assert_string_equal(c->locator, "object:1");
	assert_text(c, "okapi");
	tw_node_free(n);

	/* the raw bytes again, by locator */
	d = slurp(FIX "object.rtf", &len);
	assert_non_null(d);
	locate_mem("object.rtf", d, len, loc, 1, &found);
	assert_int_equal(found.len, strlen(want));
	assert_memory_equal(found.data, want, found.len);
	tw_buf_release(&found);
	free(d);
}

static void put(char *d, size_t *len, const char *s)
{
	memcpy(d + *len, s, strlen(s));
	*len += strlen(s);
}

/* {{{{... 100,000 levels deep: bounded work, an error, no crash. */
static void test_group_bomb(void **state)
{
	size_t depth = 100000, len = 0, i;
	char *d = malloc(2 * depth + 64);
	clock_t t0 = clock();
	tw_node *n;

	assert_non_null(d);
	put(d, &len, "{\\rtf1\\ansi surface text ");
	for (i = 0; i < depth; i++)
		d[len++] = '{';
	put(d, &len, "deep");
	for (i = 0; i < depth; i++)
		d[len++] = '}';
	d[len++] = '}';
	n = extract_mem("bomb.rtf", d, len);
	assert_true(node_has_error(n, TRAWL_ECORRUPT));
	assert_text(n, "surface text");
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	tw_node_free(n);

	/* the same inside an ignored destination is skipped, not stacked */
	len = 0;
	put(d, &len, "{\\rtf1 before {\\*\\junk ");
	for (i = 0; i < depth; i++)
		d[len++] = '{';
	for (i = 0; i < depth; i++)
		d[len++] = '}';
	put(d, &len, "} after}");
	n = extract_mem("bomb2.rtf", d, len);
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "before  after");
	tw_node_free(n);
	free(d);
}

static void test_hostile(void **state)
{
	static const char *const cases[] = {
		"{\\rtf1 \\bin999999999 abc}",
		"{\\rtf1 \\bin-5 abc}",
		"{\\rtf1 \\u-99999999999999 \\uc99999 x\\'",
		"{\\rtf1 {\\fonttbl{\\f-1\\fcharset128 x;}{\\f2147483647\\cpg99999 y;}}\\f-1 \\'82\\'a0}",
		"{\\rtf1 {\\*\\objdata 01050000020000000800000050616b6167650000}}",
		"{\\rtf1 {\\object{\\*\\objdata 0105000002000000ffffffff}}}",
		"{\\rtf1 \\abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefgh123456789012345 z}",
		"{\\rtf1 \\u55357 \\u55357 \\u56832 \\'",
		"{\\rtf1 }}}}}}}} trailing",
		"{\\rtf",
	};
	unsigned char *d;
	size_t i, len = 1 << 20;
	uint32_t x = 12345;

	for (i = 0; i < TW_ARRAY_LEN(cases); i++) {
		tw_node *n = extract_mem("h.rtf", cases[i], strlen(cases[i]));

		assert_string_equal(n->type, "word");
		tw_node_free(n);
	}
	/* a megabyte of noise biased towards RTF syntax */
	d = malloc(len);
	assert_non_null(d);
	memcpy(d, "{\\rtf1", 6);
	for (i = 6; i < len; i++) {
		static const char alphabet[] = "{}\\\\\\'*uucbinpar0123456789abf- \n";

		x = x * 1103515245u + 12345u;
		d[i] = (x >> 16) % 4 ? (unsigned char)alphabet[(x >> 8) % (sizeof(alphabet) - 1)]
				     : (unsigned char)(x >> 8);
	}
	{
		tw_node *n = extract_mem("noise.rtf", d, len);

		assert_string_equal(n->type, "word");
		tw_node_free(n);
	}
	free(d);
}

static void test_accepts(void **state)
{
	static const unsigned char rtf[] = "{\\rtf1 x}";
	static const unsigned char bom[] = "\xef\xbb\xbf\r\n{\\rtf1 x}";
	static const unsigned char txt[] = "hello";

	assert_true(tw_extractor_rtf.accepts("text/rtf", NULL, txt, 5));
	assert_true(tw_extractor_rtf.accepts("application/rtf", NULL, txt, 5));
	assert_true(tw_extractor_rtf.accepts("text/plain", NULL, rtf, sizeof(rtf) - 1));
	assert_true(tw_extractor_rtf.accepts("text/plain", NULL, bom, sizeof(bom) - 1));
	assert_false(tw_extractor_rtf.accepts("text/plain", "rtf", txt, 5));
}

/* ---------------------------------------------------------------- corpus */

static void test_corpus_japanese(void **state)
{
	tw_node *n = corpus_node(TIKA "testRTFJapanese.rtf");

	if (!n)
		skip();
	/* ゾルゲの処刑記録 in the body, ゾルゲと尾崎、淡々と最期 from the \ud title */
	assert_text(n, "\xe3\x82\xbe\xe3\x83\xab\xe3\x82\xb2\xe3\x81\xae\xe5\x87\xa6"
		       "\xe5\x88\x91\xe8\xa8\x98\xe9\x8c\xb2");
	assert_non_null(node_prop(n, "title"));
	assert_non_null(strstr(node_prop(n, "title"),
			       "\xe3\x82\xbe\xe3\x83\xab\xe3\x82\xb2\xe3\x81\xa8\xe5\xb0\xbe\xe5\xb4\x8e"));
	assert_prop(n, "author", "VMazel");
	assert_prop(n, "created", "2004-10-28T10:19:00Z");
	tw_node_free(n);
}

static void test_corpus_ms932(void **state)
{
	tw_node *n = corpus_node(TIKA "testRTF-ms932.rtf");

	if (!n)
		skip();
	assert_text(n, "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf"); /* こんにちは */
	assert_text(n, "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88");                         /* テスト */
	assert_prop(n, "title", "\xe3\x82\xbf\xe3\x82\xa4\xe3\x83\x88\xe3\x83\xab"); /* タイトル */
	tw_node_free(n);
}

static void test_corpus_misc(void **state)
{
	tw_node *n = corpus_node(TIKA "testRTFTIKA_2883.rtf");

	if (!n)
		skip();
	assert_text(n, "This message has been archived.");
	assert_text(n, "Enviada do meu iPhone");
	assert_no_text(n, "EVShortcutBanner"); /* style sheet of the HTML */
	tw_node_free(n);

	n = corpus_node(TIKA "testComment.rtf");
	assert_non_null(n);
	assert_text(n, "Here is some text");
	assert_text(n, "Here is a comment");
	tw_node_free(n);

	n = corpus_node(TIKA "testRTFUnicodeGothic.rtf");
	assert_non_null(n);
	assert_text(n, "\xf0\x90\x8c\xb2\xf0\x90\x8c\xbf\xf0\x90\x8d\x84"); /* Gothic */
	tw_node_free(n);

	n = corpus_node(TIKA "testRTFIgnoredControlWord.rtf");
	assert_non_null(n);
	assert_text(n, "The quick brown fox jumps over the lazy dog");
	tw_node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cp1252),
		cmocka_unit_test(test_unicode),
		cmocka_unit_test(test_cyrillic),
		cmocka_unit_test(test_sjis),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_fromhtml),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_group_bomb),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_corpus_japanese),
		cmocka_unit_test(test_corpus_ms932),
		cmocka_unit_test(test_corpus_misc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
