/*
 * test_tnef.c - TNEF winmail.dat streams (lib/extract/tnef.c).
 *
 * Fixtures come from tests/fixtures/gen_docs2.py; Tika's testWINMAIL.dat
 * under ../shared/corpora is checked when present, skipped visibly
 * otherwise.
 */
#include "fixture.h"

#define FIX "tests/fixtures/docs2/"

static void test_fixture(void **state)
{
	tw_node *n = extract_file(FIX "winmail.dat"), *c;
	const char *subj;

	assert_non_null(n);
	assert_string_equal(n->type, "email");
	assert_string_equal(n->mime, "application/vnd.ms-tnef");
	/* Longer than the 100 bytes libytnef accepts. */
	subj = node_prop(n, "subject");
	assert_non_null(subj);
	assert_true(strlen(subj) > 100);
	assert_non_null(strstr(subj, "pelican survey"));
	assert_string_equal(node_prop(n, "message_class"), "IPM.Microsoft Mail.Note");
	assert_non_null(strstr(n->text.data, "albatross"));
	assert_int_equal(n->nerrs, 0);
	assert_int_equal(n->nchildren, 2);
	/* The long file name wins over the 8.3 title. */
	c = child_named(n, "Quarterly report with a long name.txt");
	assert_non_null(c);
	assert_string_equal(c->kind, "attachment");
	assert_string_equal(c->locator, "tnef:0");
	assert_non_null(strstr(c->text.data, "otter count is 12"));
	/* The embedded message is a TNEF stream of its own. */
	c = n->last_child;
	assert_string_equal(c->locator, "tnef:1");
	assert_string_equal(c->mime, "application/vnd.ms-tnef");
	assert_string_equal(node_prop(c, "subject"), "Nested note subject");
	assert_non_null(strstr(c->text.data, "marzipan"));
	tw_node_free(n);
}

static void test_rtf_only(void **state)
{
	tw_node *n = extract_file(FIX "rtf-only.tnef"), *c;

	assert_non_null(n);
	assert_string_equal(node_prop(n, "subject"), "RTF only");
	c = child_named(n, "body.rtf");
	assert_non_null(c);
	assert_string_equal(c->locator, "tnef:body.rtf");
	assert_true(c->size > 20);
	tw_node_free(n);
}

static void test_locate(void **state)
{
	size_t len = 0;
	unsigned char *d = slurp(FIX "rtf-only.tnef", &len);
	const char *loc[] = {"tnef:body.rtf"};
	tw_buf found;

	assert_non_null(d);
	locate_mem("rtf-only.tnef", d, len, loc, 1, &found);
	assert_non_null(found.data);
	assert_non_null(strstr(found.data, "The rich text body mentions a quokka."));
	assert_memory_equal(found.data, "{\\rtf1", 6);
	tw_buf_release(&found);
	free(d);
}

static void test_truncated(void **state)
{
	tw_node *n = extract_file(FIX "truncated.tnef");

	assert_non_null(n);
	assert_true(node_has_error(n, TRAWL_ECORRUPT));
	/* What came before the damage is kept. */
	assert_non_null(child_named(n, "Quarterly report with a long name.txt"));
	assert_non_null(strstr(n->text.data, "albatross"));
	tw_node_free(n);
}

static void test_every_cut_and_flip(void **state)
{
	size_t len = 0, i;
	unsigned char *d = slurp(FIX "winmail.dat", &len), *e;
	tw_node *n;

	assert_non_null(d);
	for (i = 0; i <= len; i++) {
		n = extract_mem("cut.dat", d, i);
		tw_node_free(n);
	}
	e = malloc(len);
	assert_non_null(e);
	for (i = 6; i < len; i++) {
		memcpy(e, d, len);
		e[i] ^= 0xff;
		n = extract_mem("flip.dat", e, len);
		tw_node_free(n);
	}
	free(e);
	free(d);
}

static void test_accepts(void **state)
{
	static const unsigned char sig[8] = {0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00, 0, 0};

	assert_true(tw_extractor_tnef.accepts("application/vnd.ms-tnef", "dat", sig, 8));
	assert_true(tw_extractor_tnef.accepts("application/octet-stream", NULL, sig, 8));
	assert_false(tw_extractor_tnef.accepts("application/vnd.ms-tnef", "dat",
					       (const unsigned char *)"winmail", 7));
}

static void test_corpus_winmail(void **state)
{
	char path[4096];
	static const char *const names[] = {"quick.doc", "quick.html", "quick.pdf",
					    "quick.txt", "quick.xml", "body.rtf"};
	tw_node *n;
	size_t i;

	snprintf(path, sizeof(path), "%s/tika-test-documents/tika-parsers/"
		 "tika-parsers-standard/tika-parsers-standard-modules/"
		 "tika-parser-microsoft-module/src/test/resources/test-documents/"
		 "testWINMAIL.dat", corpora());
	n = extract_file(path);
	if (!n) {
		print_message("SKIP: %s absent (no corpora)\n", path);
		skip();
	}
	for (i = 0; i < TW_ARRAY_LEN(names); i++)
		assert_non_null(child_named(n, names[i]));
	assert_non_null(node_find_text(child_named(n, "quick.txt"),
				       "The quick brown fox jumps over the lazy dog"));
	assert_int_equal(n->nerrs, 0);
	tw_node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_rtf_only),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_every_cut_and_flip),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_corpus_winmail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
