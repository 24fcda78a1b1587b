/*
 * test_odf.c - the OpenDocument extractor (lib/extract/odf.c) on the
 * fixtures of tests/fixtures/gen_docs1.py: ODT text with spaces, tabs,
 * tables and master-page headers; ODS sheets; ODP slides and notes;
 * meta.xml properties; flat XML; an encrypted and a broken package; an
 * embedded object and its retrieval in locating mode.  Run from the
 * repository root.
 */
#define FIX "tests/fixtures/docs1/"
#define FIXTURE_DIR FIX
#include "fixture.h"

static void assert_meta(const tw_node *n)
{
	assert_prop(n, "author", "Olga Origin");
	assert_prop(n, "last_modified_by", "Ned Newer");
	assert_prop(n, "created", "2014-11-24T10:03:00Z");
	assert_prop(n, "modified", "2015-01-02T03:04:05Z");
	assert_prop(n, "creator", "LibreOffice/7.0");
	assert_prop(n, "keywords", "alpha, beta");
	assert_prop(n, "pages", "2");
	assert_prop(n, "words", "17");
}

static void test_odt(void **state)
{
	static const char want[] = "Embedded object text with the planted word narwhal.\n";
	const char *loc[] = {"member:Object 1"};
	tw_buf found;
	size_t len = 0;
	unsigned char *d;
	tw_node *n = load("sample.odt");

	(void)state;
	assert_string_equal(n->type, "word");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Heading about a jaguar\n");
	assert_text(n, "Spaced   words and\ttabbed span-meerkat\nnext line\n");
	assert_text(n, "odt-cell-1\todt-cell-2\nAfter the table");
	assert_text(n, "Running header with a koala");
	assert_prop(n, "title", "Odt Fixture Title");
	assert_meta(n);
	assert_int_equal(n->nchildren, 1);
	assert_string_equal(n->first_child->kind, "attachment");
	assert_string_equal(n->first_child->locator, "member:Object 1");
	tw_node_free(n);

	d = fixture("sample.odt", &len);
	locate_mem("sample.odt", d, len, loc, 1, &found);
	assert_int_equal(found.len, sizeof(want) - 1);
	assert_memory_equal(found.data, want, sizeof(want) - 1);
	tw_buf_release(&found);
	free(d);
}

static void test_ods(void **state)
{
	tw_node *n = load("sample.ods");

	(void)state;
	assert_string_equal(n->type, "spreadsheet");
	assert_int_equal(n->nerrs, 0);
	/* Repeated empty cells and a million repeated rows leave nothing. */
	assert_text(n, "Inventory\nods-llama\t42\n\nStaff\nods-yak");
	assert_true(n->text.len < 100);
	assert_prop(n, "sheets", "2");
	assert_prop(n, "title", "Ods Fixture");
	tw_node_free(n);
}

static void test_odp(void **state)
{
	tw_node *n = load("sample.odp");

	(void)state;
	assert_string_equal(n->type, "presentation");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Opening\nodp-slide-one-ibex\n\nClosing\nodp-slide-two-gnu\n\n"
		       "Notes:\nodp note on the okapi");
	assert_prop(n, "slides", "2");
	tw_node_free(n);
}

static void test_flat(void **state)
{
	tw_node *n = load("sample.fodt");

	(void)state;
	assert_string_equal(n->type, "word");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Heading about a flat-jaguar");
	assert_text(n, "odt-cell-1\todt-cell-2");
	assert_prop(n, "title", "Flat Fixture");
	assert_meta(n);
	tw_node_free(n);
}

static void test_encrypted(void **state)
{
	tw_node *n = load("encrypted.odt");
	size_t i;
	int found = 0;

	(void)state;
	for (i = 0; i < n->nerrs; i++) {
		if (n->errs[i].status == TRAWL_EENCRYPTED) {
			assert_string_equal(n->errs[i].stage, "decrypt");
			found = 1;
		}
		/* The ciphertext is not parsed as XML. */
		assert_int_not_equal(n->errs[i].status, TRAWL_ECORRUPT);
	}
	assert_true(found);
	/* meta.xml is not encrypted: the item keeps its metadata. */
	assert_prop(n, "title", "Encrypted Odt");
	assert_prop(n, "author", "Olga Origin");
	tw_node_free(n);
}

static void test_broken(void **state)
{
	tw_node *n = load("broken.odt");
	size_t i;
	int found = 0;

	(void)state;
	for (i = 0; i < n->nerrs; i++)
		if (n->errs[i].status == TRAWL_ECORRUPT &&
		    strstr(n->errs[i].message, "content.xml"))
			found = 1;
	assert_true(found);
	assert_text(n, "Running header with a koala");
	assert_prop(n, "title", "Broken Odt");
	tw_node_free(n);
}

static void test_accepts(void **state)
{
	size_t len = 0;
	unsigned char *d = fixture("sample.ods", &len);

	(void)state;
	/* The stored "mimetype" member tells, whatever libmagic says. */
	assert_true(tw_extractor_odf.accepts("application/zip", NULL, d, len));
	assert_true(tw_extractor_odf.accepts("application/octet-stream", "bin", d, len));
	assert_false(tw_extractor_odf.accepts("text/plain", NULL, d, len));
	free(d);
	d = fixture("fake.docx", &len);
	assert_false(tw_extractor_odf.accepts("application/zip", "odt", d, len));
	free(d);
}

static void test_prefixes(void **state)
{
	size_t len = 0, i;
	unsigned char *d = fixture("sample.odt", &len);

	(void)state;
	for (i = 0; i < len; i += 61)
		tw_node_free(extract_mem("cut.odt", d, i));
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_odt),
		cmocka_unit_test(test_ods),
		cmocka_unit_test(test_odp),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
