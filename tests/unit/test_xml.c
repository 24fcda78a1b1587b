/*
 * test_xml.c - the generic XML extractor (lib/extract/xml.c) on the
 * fixtures of tests/fixtures/gen_docs3.py: an RSS feed (title, entities,
 * CDATA), SVG (script and style dropped), a property list, a Latin-1
 * document, malformed XML (text kept up to the error), external entities
 * (never read) and entity expansion (bounded); then deep nesting and a
 * text limit made here, and WordprocessingML 2003 from the shared corpora
 * (skipped, with a message, when ../shared/corpora is absent).  Run from
 * the repository root.
 */
#include <time.h>

#define FIX "tests/fixtures/docs3/"
#define FIXTURE_DIR FIX
#include "fixture.h"

static void test_feed(void **state)
{
	tw_node *n = load("feed.xml");

	assert_string_equal(n->type, "xml");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Fixture Feed\nFirst item\nAbout the <numbat> & friends\n"
		       "Second\nRaw <b>cdata</b> text");
	assert_prop(n, "title", "Fixture Feed");
	tw_node_free(n);
}

static void test_svg(void **state)
{
	tw_node *n = load("drawing.svg");

	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Label wombat\nSecond label");
	assert_no_text(n, "alert");
	assert_no_text(n, "fill:red");
	assert_prop(n, "title", "Chart of things");
	tw_node_free(n);
}

static void test_plist_latin1(void **state)
{
	tw_node *n = load("plist.xml");

	assert_int_equal(n->nerrs, 0); /* the DTD is named, never fetched */
	assert_text(n, "Name\nPlist value kinkajou\nCount\n3");
	tw_node_free(n);

	n = load("latin1.xml");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Caf\xc3\xa9 na\xc3\xafve\nsecond");
	tw_node_free(n);
}

static void test_malformed(void **state)
{
	tw_node *n = load("malformed.xml");

	assert_true(node_has_error(n, TRAWL_ECORRUPT));
	assert_string_equal(n->errs[0].stage, "parse");
	assert_text(n, "kept before error");
	tw_node_free(n);
}

static void test_entities(void **state)
{
	clock_t t0 = clock();
	tw_node *n = load("xxe.xml");

	assert_text(n, "visible");
	assert_no_text(n, "root:"); /* /etc/passwd was not read */
	tw_node_free(n);

	n = load("lol.xml");
	assert_text(n, "laughs");
	assert_true(n->text.len < 100000);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	tw_node_free(n);
}

static void test_deep_and_limit(void **state)
{
	size_t depth = 100000, len = 0, i;
	char *d = malloc(depth * 7 + 64);
	trawl_limits lim;
	tw_node *n;

	assert_non_null(d);
	memcpy(d, "<?xml version=\"1.0\"?>", 21);
	len = 21;
	for (i = 0; i < depth; i++) {
		memcpy(d + len, "<a>", 3);
		len += 3;
	}
	memcpy(d + len, "x", 1);
	len++;
	for (i = 0; i < depth; i++) {
		memcpy(d + len, "</a>", 4);
		len += 4;
	}
	n = extract_mem("deep.xml", d, len);
	assert_true(node_has_error(n, TRAWL_ECORRUPT));
	tw_node_free(n);

	/* text beyond max_text_bytes is cut and the cut recorded */
	len = 0;
	memcpy(d, "<r>", 3);
	len = 3;
	for (i = 0; i < 20000; i++) {
		memcpy(d + len, "<v>word</v>", 11);
		len += 11;
	}
	memcpy(d + len, "</r>", 4);
	len += 4;
	memset(&lim, 0, sizeof(lim));
	lim.max_text_bytes = 1000;
	n = extract_mem_limits("big.xml", d, len, &lim);
	assert_true(n->text.len <= 1000);
	assert_true(node_has_error(n, TRAWL_ELIMIT));
	assert_false(node_has_error(n, TRAWL_ECORRUPT));
	tw_node_free(n);
	free(d);
}

static void test_accepts(void **state)
{
	static const unsigned char x[] = "<a/>";

	assert_true(tw_extractor_xml.accepts("text/xml", NULL, x, 4));
	assert_true(tw_extractor_xml.accepts("application/xml", NULL, x, 4));
	assert_true(tw_extractor_xml.accepts("image/svg+xml", NULL, x, 4));
	assert_true(tw_extractor_xml.accepts("application/rss+xml", NULL, x, 4));
	assert_false(tw_extractor_xml.accepts("application/xhtml+xml", NULL, x, 4));
	assert_false(tw_extractor_xml.accepts("text/plain", "xml", x, 4));
}

static void test_corpus_wordml(void **state)
{
	tw_node *n = corpus_node("tika-test-documents/tika-parsers/"
				 "tika-parsers-standard/tika-parsers-standard-modules/"
				 "tika-parser-microsoft-module/src/test/resources/test-documents/"
				 "testWORD2003.xml");

	if (!n)
		skip();
	assert_int_equal(n->nerrs, 0);
	/* runs joined back into words; base64 images dropped */
	assert_text(n, "We have always been at war with \nOceania");
	assert_text(n, "R1 c1\nR1 c2");
	assert_true(n->text.len < 2000);
	tw_node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_plist_latin1),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_deep_and_limit),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_corpus_wordml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
