/*
 * test_ooxml.c - the Office Open XML extractor (lib/extract/ooxml.c and
 * xlsx.c, over package.c) on the fixtures of tests/fixtures/gen_docs1.py:
 * DOCX body, table, header, footnote, comment and tracked changes; XLSX
 * sheets, shared strings, numbers, dates and booleans; PPTX slide order
 * and notes; core and app properties; embedded objects and their retrieval in locating mode;
 * broken XML, entity tricks, a zip posing as DOCX, detection by content,
 * and the limits.  Run from the repository root.
 */
#define FIX "tests/fixtures/docs1/"
#define FIXTURE_DIR FIX
#include "fixture.h"

static void assert_before(const tw_node *n, const char *a, const char *b)
{
	const char *pa, *pb;

	assert_text(n, a);
	assert_text(n, b);
	pa = strstr(n->text.data, a);
	pb = strstr(n->text.data, b);
	if (pa >= pb)
		fail_msg("\"%s\" is not before \"%s\"", a, b);
}

/* Raw bytes of a child found again in locating mode. */
static void assert_located(const char *name, const char *locator, const char *want)
{
	size_t len = 0;
	unsigned char *d = fixture(name, &len);
	tw_buf found;

	locate_mem(name, d, len, &locator, 1, &found);
	assert_int_equal(found.len, strlen(want));
	assert_memory_equal(found.data, want, strlen(want));
	tw_buf_release(&found);
	free(d);
}

static const char embedded[] = "Embedded object text with the planted word narwhal.\n";

static void test_docx(void **state)
{
	tw_node *n = load("sample.docx");
	tw_node *c;

	(void)state;
	assert_string_equal(n->type, "word");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Body paragraph with the word armadillo\tafter tab\n");
	/* Inserted text is part of the body; deleted text comes last. */
	assert_text(n, "Tracked inserted-capybara commented words\n");
	assert_text(n, "cell-a1\tcell-b1\ncell-a2\tcell-b2\n");
	assert_text(n, "Last line\nafter break");
	assert_text(n, "Header text hedgehog");
	assert_text(n, "Footnote mentions a pangolin");
	assert_text(n, "Comments:\nCarol Critic: Comment about the ocelot");
	assert_text(n, "Deleted text:\ndeleted-chinchilla");
	assert_before(n, "armadillo", "hedgehog");
	assert_before(n, "hedgehog", "ocelot");
	assert_before(n, "ocelot", "Deleted text:");
	/* Field codes are not text. */
	assert_no_text(n, "HYPERLINK");
	assert_prop(n, "title", "Docx Fixture Title");
	assert_prop(n, "author", "Dora Author");
	assert_prop(n, "last_modified_by", "Max Modifier");
	assert_prop(n, "subject", "Fixture subject");
	assert_prop(n, "created", "2014-11-24T10:03:00Z");
	assert_prop(n, "modified", "2015-01-02T02:04:05Z");
	assert_prop(n, "creator", "Microsoft Office Word");
	assert_prop(n, "company", "Acme Leaks Ltd");
	assert_prop(n, "pages", "3");
	assert_prop(n, "words", "42");

	assert_int_equal(n->nchildren, 1);
	c = n->first_child;
	assert_string_equal(c->kind, "attachment");
	assert_string_equal(c->name, "note.txt");
	assert_string_equal(c->locator, "member:word/embeddings/note.txt");
	assert_non_null(node_find_text(c, "narwhal"));
	tw_node_free(n);
	assert_located("sample.docx", "member:word/embeddings/note.txt", embedded);
}

static void test_docx_broken_xml(void **state)
{
	tw_node *n = load("broken.docx");
	size_t i;
	int found = 0;

	(void)state;
	for (i = 0; i < n->nerrs; i++) {
		if (n->errs[i].status == TRAWL_ECORRUPT &&
		    strstr(n->errs[i].message, "word/document.xml")) {
			assert_string_equal(n->errs[i].stage, "parse");
			found = 1;
		}
	}
	assert_true(found);
	/* What came before the error, and the other parts, are kept. */
	assert_text(n, "Broken body starts with lemur");
	assert_text(n, "Header text hedgehog");
	assert_text(n, "Comment about the ocelot");
	assert_prop(n, "author", "Dora Author");
	assert_int_equal(n->nchildren, 1);
	tw_node_free(n);
}

static void test_docx_entities(void **state)
{
	tw_node *n = load("entities.docx");

	(void)state;
	/* Neither the exponential entity nor the external one is expanded. */
	assert_no_text(n, "lollollollollollollollollollollollol");
	assert_no_text(n, "root:");
	assert_true(n->text.len < 100000);
	assert_text(n, "Header text hedgehog");
	tw_node_free(n);
}

static void test_fake_docx(void **state)
{
	tw_node *n = load("fake.docx");
	size_t len = 0;
	unsigned char *d = fixture("fake.docx", &len);

	(void)state;
	/* A plain zip named .docx is left to the archive extractor. */
	assert_false(tw_extractor_ooxml.accepts("application/zip", "docx", d, len));
	assert_true(strcmp(n->type, "word") != 0);
	tw_node_free(n);
	free(d);
}

static void test_detect_by_content(void **state)
{
	size_t len = 0;
	unsigned char *d = fixture("reordered.docx", &len);
	tw_node *n;

	(void)state;
	/* libmagic may call a package a zip, or not know it at all. */
	assert_true(tw_extractor_ooxml.accepts("application/octet-stream", NULL, d, len));
	assert_true(tw_extractor_ooxml.accepts("application/zip", NULL, d, len));
	assert_false(tw_extractor_ooxml.accepts("text/plain", NULL, d, len));
	/* A cut package: no central directory, the name decides. */
	assert_true(tw_extractor_ooxml.accepts("application/zip", "docx", d, len / 2));
	n = extract_mem("reordered.docx", d, len);
	assert_string_equal(n->type, "word");
	assert_text(n, "Reordered package with a wolverine");
	tw_node_free(n);
	free(d);
}

static void test_xlsx(void **state)
{
	tw_node *n = load("sample.xlsx");

	(void)state;
	assert_string_equal(n->type, "spreadsheet");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Budget\nItem\tAmount\nRich gazelle\t1234.5\n");
	/* numFmtId 14 and a custom "yyyy-mm-dd hh:mm" format */
	assert_text(n, "inline-impala\t2014-11-24\t2014-11-24T12:00:00\n");
	assert_text(n, "TRUE\t1234.5\tformula-result");
	assert_text(n, "Names\nZebra Zimmerman");
	assert_before(n, "Budget", "Names");
	assert_no_text(n, "PHONETIC");
	assert_no_text(n, "SUM(");
	assert_prop(n, "sheets", "2");
	assert_prop(n, "author", "Sheila Sheets");
	assert_prop(n, "creator", "Microsoft Excel");
	tw_node_free(n);
}

static void test_pptx(void **state)
{
	tw_node *n = load("sample.pptx");

	(void)state;
	assert_string_equal(n->type, "presentation");
	assert_int_equal(n->nerrs, 0);
	/* Show order (sldIdLst), not file order. */
	assert_before(n, "First shown slide aardwolf", "Second shown slide bison");
	assert_text(n, "Second shown slide bison\n\nNotes:\nSpeaker note about the tapir");
	assert_prop(n, "slides", "2");
	assert_prop(n, "title", "Pptx Fixture");
	assert_prop(n, "author", "Percy Presenter");
	assert_int_equal(n->nchildren, 1);
	assert_string_equal(n->first_child->locator, "member:ppt/embeddings/oleObject1.bin");
	tw_node_free(n);
	assert_located("sample.pptx", "member:ppt/embeddings/oleObject1.bin", embedded);
}

static void test_limits(void **state)
{
	trawl_limits lim;
	size_t len = 0;
	unsigned char *d = fixture("sample.xlsx", &len);
	tw_node *n;

	(void)state;
	memset(&lim, 0, sizeof(lim));
	lim.max_text_bytes = 16;
	n = extract_mem_limits("sample.xlsx", d, len, &lim);
	assert_true(n->text.len <= 16);
	assert_true(node_has_error(n, TRAWL_ELIMIT));
	tw_node_free(n);
	free(d);

	/* Inflating more than the container may: stopped and recorded. */
	d = fixture("sample.docx", &len);
	memset(&lim, 0, sizeof(lim));
	lim.max_container_bytes = 2000;
	n = extract_mem_limits("sample.docx", d, len, &lim);
	assert_true(node_has_error(n, TRAWL_ELIMIT));
	tw_node_free(n);
	free(d);
}

static void test_garbage(void **state)
{
	static const unsigned char junk[] = "PK\003\004 this is not a zip at all";
	tw_node *n;
	unsigned char *d;
	size_t len = 0, i;

	(void)state;
	n = tw_node_new("file", "junk.docx", 0);
	{
		tw_extract_args args;

		memset(&args, 0, sizeof(args));
		tw_extract(n, junk, sizeof(junk) - 1, &args);
	}
	tw_node_free(n);
	/* Every prefix of a real package: never a crash. */
	d = fixture("sample.docx", &len);
	for (i = 0; i < len; i += 97) {
		n = extract_mem("cut.docx", d, i);
		tw_node_free(n);
	}
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docx),
		cmocka_unit_test(test_docx_broken_xml),
		cmocka_unit_test(test_docx_entities),
		cmocka_unit_test(test_fake_docx),
		cmocka_unit_test(test_detect_by_content),
		cmocka_unit_test(test_xlsx),
		cmocka_unit_test(test_pptx),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
