/*
 * test_pdf.c - the PDF extractor (lib/extract/pdf.c) on the fixtures of
 * tests/fixtures/gen_docs1.py: text in page order, Info metadata with ISO
 * dates, encryption with and without a user password, truncated and
 * garbage files, embedded files and their retrieval in locating mode,
 * the on-disk path, and the text limit.  Run from the repository root.
 */
#include <pthread.h>

#define FIX "tests/fixtures/docs1/"
#define FIXTURE_DIR FIX
#include "fixture.h"

static void test_two_pages(void **state)
{
	tw_node *n = load("two_pages.pdf");
	const char *p1, *p2;

	(void)state;
	assert_string_equal(n->type, "pdf");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Quokka alpha page one");
	assert_text(n, "second line of the first page");
	assert_text(n, "Wombat beta page two");
	p1 = strstr(n->text.data, "Quokka");
	p2 = strstr(n->text.data, "Wombat");
	assert_true(p1 < p2);
	assert_prop(n, "pages", "2");
	assert_prop(n, "title", "Quarterly Quokka Report");
	assert_prop(n, "author", "Alice Example");
	assert_prop(n, "subject", "Marsupial accounting");
	assert_prop(n, "creator", "gen_docs1.py");
	assert_prop(n, "producer", "Hand-written PDF 1.4");
	/* D:20141124100300+01'00' */
	assert_prop(n, "created", "2014-11-24T09:03:00Z");
	assert_prop(n, "modified", "2015-01-02T03:04:05Z");
	assert_null(node_prop(n, "encryption"));
	tw_node_free(n);
}

static void test_plain_stream(void **state)
{
	tw_node *n = load("plain_stream.pdf");

	(void)state;
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "The planted word is xylophonist in plain sight");
	assert_prop(n, "pages", "1");
	assert_prop(n, "title", "Plain stream");
	tw_node_free(n);
}

static void test_truncated(void **state)
{
	tw_node *n = load("truncated.pdf");

	(void)state;
	/* MuPDF repairs what it can: the pages before the cut keep their
	 * text; otherwise the damage is recorded. */
	assert_true((n->text.data && strstr(n->text.data, "page 1 kangaroo")) ||
		    node_has_error(n, TRAWL_ECORRUPT));
	tw_node_free(n);
}

static void test_encrypted_user_password(void **state)
{
	tw_node *n = load("encrypted_user.pdf");
	size_t i;
	int found = 0;

	(void)state;
	assert_string_equal(n->type, "pdf");
	for (i = 0; i < n->nerrs; i++) {
		if (n->errs[i].status == TRAWL_EENCRYPTED) {
			assert_string_equal(n->errs[i].stage, "decrypt");
			found = 1;
		}
	}
	assert_true(found);
	assert_true(!n->text.data || !strstr(n->text.data, "platypus"));
	/* The page tree is not encrypted. */
	assert_prop(n, "pages", "1");
	assert_non_null(node_prop(n, "encryption"));
	tw_node_free(n);
}

static void test_encrypted_owner_only(void **state)
{
	tw_node *n = load("encrypted_owner.pdf");

	(void)state;
	/* The empty user password opens it. */
	assert_false(node_has_error(n, TRAWL_EENCRYPTED));
	assert_text(n, "Openable echidna text");
	assert_prop(n, "title", "Quarterly Quokka Report");
	assert_prop(n, "created", "2014-11-24T09:03:00Z");
	tw_node_free(n);
}

static void test_garbage(void **state)
{
	static const char junk[] = "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n"
				   "garbage garbage\n%%EOF\n";
	static const char tiny[] = "%PDF-";
	tw_node *n;

	(void)state;
	n = extract_mem("junk.pdf", junk, sizeof(junk) - 1);
	assert_string_equal(n->type, "pdf");
	assert_true(n->nerrs > 0 || n->text.len == 0);
	tw_node_free(n);
	n = extract_mem("tiny.pdf", tiny, sizeof(tiny) - 1);
	assert_true(node_has_error(n, TRAWL_ECORRUPT));
	tw_node_free(n);
}

static void test_attachment(void **state)
{
	static const char want[] = "Attached text with the planted word narwhal.\n";
	const char *loc[] = {"embedded:0"};
	size_t len = 0;
	unsigned char *d = slurp(FIX "attachment.pdf", &len);
	tw_node *n, *c;
	tw_buf found;

	(void)state;
	assert_non_null(d);
	n = extract_mem("attachment.pdf", d, len);
	assert_text(n, "This PDF carries a file");
	assert_int_equal(n->nchildren, 1);
	c = n->first_child;
	assert_string_equal(c->kind, "attachment");
	assert_string_equal(c->name, "inner-note.txt");
	assert_string_equal(c->locator, "embedded:0");
	assert_non_null(node_find_text(n, "narwhal"));
	tw_node_free(n);

	/* Locating mode gives back the exact bytes of the embedded file. */
	locate_mem("attachment.pdf", d, len, loc, 1, &found);
	assert_int_equal(found.len, sizeof(want) - 1);
	assert_memory_equal(found.data, want, sizeof(want) - 1);
	tw_buf_release(&found);
	free(d);
}

/* Large files are opened by path (extract_file); same result. */
static void test_extract_file(void **state)
{
	tw_extract_args args;
	tw_node *n = tw_node_new("file", "two_pages.pdf", 0);
	size_t len = 0;
	unsigned char *d = slurp(FIX "two_pages.pdf", &len);

	(void)state;
	assert_non_null(d);
	free(d);
	memset(&args, 0, sizeof(args));
	tw_extract_path(n, FIX "two_pages.pdf", len, &args);
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Wombat beta page two");
	assert_prop(n, "author", "Alice Example");
	tw_node_free(n);
}

static void test_text_limit(void **state)
{
	trawl_limits lim;
	size_t len = 0;
	unsigned char *d = slurp(FIX "two_pages.pdf", &len);
	tw_node *n;

	(void)state;
	memset(&lim, 0, sizeof(lim));
	lim.max_text_bytes = 10;
	n = extract_mem_limits("two_pages.pdf", d, len, &lim);
	assert_true(n->text.len <= 10);
	assert_true(node_has_error(n, TRAWL_ELIMIT));
	tw_node_free(n);
	free(d);
}

/* Content that takes forever to interpret (forms drawing forms, 10^11
 * times) is stopped by the watchdog at max_seconds. */
static void test_time_limit(void **state)
{
	trawl_limits lim;
	size_t len = 0;
	unsigned char *d = slurp(FIX "xobject_bomb.pdf", &len);
	int64_t t0;
	tw_node *n;

	(void)state;
	assert_non_null(d);
	memset(&lim, 0, sizeof(lim));
	lim.max_seconds = 1;
	t0 = tw_now_ms();
	n = extract_mem_limits("xobject_bomb.pdf", d, len, &lim);
	assert_true(tw_now_ms() - t0 < 30000);
	assert_true(node_has_error(n, TRAWL_ELIMIT));
	assert_prop(n, "pages", "1");
	tw_node_free(n);
	free(d);
}

static void test_accepts(void **state)
{
	static const unsigned char junk_head[] = "\r\n\r\nsome junk before %PDF-1.4\n";

	(void)state;
	assert_true(tw_extractor_pdf.accepts("application/pdf", NULL,
					     (const unsigned char *)"%PDF-1.4", 8));
	/* A header after junk: by name or when libmagic cannot tell. */
	assert_true(tw_extractor_pdf.accepts("application/octet-stream", NULL, junk_head,
					     sizeof(junk_head) - 1));
	assert_true(tw_extractor_pdf.accepts("text/plain", "pdf", junk_head,
					     sizeof(junk_head) - 1));
	assert_false(tw_extractor_pdf.accepts("text/plain", "txt", junk_head,
					      sizeof(junk_head) - 1));
}

/* Several extractor threads, each with its own MuPDF context. */
static void *pdf_thread(void *arg)
{
	static const char *const files[] = {
		"two_pages.pdf", "attachment.pdf", "encrypted_owner.pdf", "truncated.pdf",
	};
	long ok = 0;
	int i;

	(void)arg;
	for (i = 0; i < 24; i++) {
		char path[256];
		size_t len = 0;
		unsigned char *d;
		tw_extract_args args;
		tw_node *n;

		snprintf(path, sizeof(path), FIX "%s", files[i % 4]);
		d = slurp(path, &len);
		if (!d)
			continue;
		memset(&args, 0, sizeof(args));
		n = tw_node_new("file", files[i % 4], 0);
		tw_extract(n, d, len, &args);
		if (n->text.len > 0)
			ok++;
		tw_node_free(n);
		free(d);
	}
	return (void *)ok;
}

static void test_threads(void **state)
{
	pthread_t th[6];
	int i;

	(void)state;
	for (i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&th[i], NULL, pdf_thread, NULL), 0);
	for (i = 0; i < 6; i++) {
		void *r;

		pthread_join(th[i], &r);
		assert_int_equal((long)r, 24);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_pages),
		cmocka_unit_test(test_plain_stream),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_encrypted_user_password),
		cmocka_unit_test(test_encrypted_owner_only),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_attachment),
		cmocka_unit_test(test_extract_file),
		cmocka_unit_test(test_text_limit),
		cmocka_unit_test(test_time_limit),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
