/*
 * test_pst.c - Outlook PST stores (lib/extract/pst.c).
 *
 * No PST can be written from the standard library, so the stores are the
 * two real ones under ../shared/corpora (skipped visibly when absent); the
 * hostile-input checks build damaged copies of them at run time.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static const char *corpora(void)
{
	const char *c = getenv("TRAWL_CORPORA");

	return c && *c ? c : "../shared/corpora";
}

static char *pst_path(int which)
{
	static char path[4096];

	if (which == 0)
		snprintf(path, sizeof(path), "%s/pst/src/test/resources/dist-list.pst",
			 corpora());
	else
		snprintf(path, sizeof(path), "%s/tika-test-documents/tika-parsers/"
			 "tika-parsers-standard/tika-parsers-standard-modules/"
			 "tika-parser-microsoft-module/src/test/resources/"
			 "test-documents/testPST_variousBodyTypes.pst", corpora());
	return path;
}

static unsigned char *load(int which, size_t *len)
{
	unsigned char *d = slurp(pst_path(which), len);

	if (!d) {
		print_message("SKIP: %s absent (no corpora)\n", pst_path(which));
		skip();
	}
	return d;
}

static tw_node *child_named(tw_node *n, const char *name)
{
	tw_node *c;

	for (c = n->first_child; c; c = c->next)
		if (c->name && strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int err_has(const tw_node *n, trawl_status st, const char *needle)
{
	size_t i;

	for (i = 0; i < n->nerrs; i++)
		if (n->errs[i].status == st && strstr(n->errs[i].message, needle))
			return 1;
	return 0;
}

static void test_dist_list(void **state)
{
	size_t len = 0;
	unsigned char *d = load(0, &len);
	tw_node *n = extract_mem("dist-list.pst", d, len), *c;

	assert_string_equal(n->type, "email");
	assert_string_equal(node_prop(n, "messages_declared"), "3");
	assert_string_equal(node_prop(n, "messages_emitted"), "3");
	assert_int_equal(n->nerrs, 0);
	c = child_named(n, "Calendar/1");
	assert_non_null(c);
	assert_string_equal(c->kind, "message");
	assert_string_equal(node_prop(c, "folder"), "Calendar");
	assert_string_equal(c->email->subject, "Test appointment");
	assert_non_null(strstr(c->text.data, "every Tuesday"));
	c = child_named(n, "Contacts/2");
	assert_non_null(c);
	assert_string_equal(c->email->subject, "contact name 1");
	assert_non_null(strstr(c->text.data, "contact1@rjohnson.id.au"));
	tw_node_free(n);
	free(d);
}

static void test_body_types(void **state)
{
	size_t len = 0;
	unsigned char *d = load(1, &len);
	tw_node *n = extract_mem("various.pst", d, len), *c;
	size_t i;

	assert_string_equal(node_prop(n, "messages_declared"), "4");
	assert_string_equal(node_prop(n, "messages_emitted"), "4");
	assert_int_equal(n->nerrs, 0);
	c = child_named(n, "Inbox/tmp/1");
	assert_non_null(c);
	assert_string_equal(c->locator, "pst:2097188");
	assert_string_equal(c->email->subject, "original email");
	assert_non_null(strstr(c->text.data, "This is the original email"));
	for (i = 0; i < c->email->naddrs; i++)
		if (c->email->addrs[i].role == TW_FROM)
			assert_string_equal(c->email->addrs[i].addr, "tallison@mitre.org");
	assert_int_equal(c->email->date_status, TW_DATE_OK);
	c = child_named(n, "Inbox/tmp/4");
	assert_non_null(c);
	assert_string_equal(c->email->subject, "FW: original email");
	tw_node_free(n);
	free(d);
}

/* Rebuilt messages are the same bytes on every run: digests, duplicate
 * detection and resumed ingests depend on it. */
static void test_stable_digests(void **state)
{
	size_t len = 0;
	unsigned char *d = load(1, &len);
	tw_node *a = extract_mem("various.pst", d, len);
	tw_node *b = extract_mem("various.pst", d, len);
	tw_node *x, *y;

	assert_int_equal(a->nchildren, b->nchildren);
	for (x = a->first_child, y = b->first_child; x && y; x = x->next, y = y->next) {
		assert_string_equal(x->locator, y->locator);
		assert_memory_equal(x->digest.sha256, y->digest.sha256, 32);
	}
	tw_node_free(a);
	tw_node_free(b);
	free(d);
}

static void test_extract_path_and_locate(void **state)
{
	const char *loc[] = {"pst:2097220"};
	size_t len = 0;
	unsigned char *d = load(1, &len);
	tw_extract_args args;
	tw_buf found;
	tw_node *n;

	memset(&args, 0, sizeof(args));
	n = tw_node_new("file", pst_path(1), 0);
	tw_extract_path(n, pst_path(1), len, &args);
	assert_string_equal(node_prop(n, "messages_emitted"), "4");
	assert_non_null(child_named(n, "Inbox/tmp/2"));
	tw_node_free(n);

	tw_buf_init(&found, 1 << 24);
	args.locate = loc;
	args.nlocate = 1;
	args.found = &found;
	n = tw_node_new("file", "various.pst", 0);
	tw_extract(n, d, len, &args);
	assert_non_null(found.data);
	assert_non_null(strstr(found.data, "Subject: FW: original email"));
	assert_non_null(strstr(found.data, "MIME-Version: 1.0"));
	tw_node_free(n);
	tw_buf_release(&found);
	free(d);
}

static void test_truncated(void **state)
{
	size_t len = 0;
	unsigned char *d = load(1, &len);
	tw_node *n = extract_mem("cut.pst", d, 100000);

	assert_true(err_has(n, TRAWL_ECORRUPT, "PST declares 4 items"));
	assert_true(n->nchildren < 4);
	tw_node_free(n);
	free(d);
}

/* Corrupt copies: the reader process may fail or crash, we must not. */
static void test_damaged_copies(void **state)
{
	size_t len = 0, i, k;
	unsigned char *d = load(1, &len), *e = malloc(len);
	unsigned seed = 12345;
	int64_t t0 = tw_now_ms();

	assert_non_null(e);
	for (k = 0; k < 40; k++) {
		tw_node *n;

		memcpy(e, d, len);
		for (i = 0; i < 64; i++) {
			seed = seed * 1103515245u + 12345u;
			e[512 + (seed >> 8) % (len - 512)] = (unsigned char)(seed >> 3);
		}
		n = extract_mem("damaged.pst", e, len);
		assert_non_null(node_prop(n, "messages_emitted"));
		tw_node_free(n);
	}
	assert_true(tw_now_ms() - t0 < 120000);
	free(e);
	free(d);
}

static void test_garbage_quiet(void **state)
{
	unsigned char junk[4096];
	char tmpl[] = "/tmp/trawl-pst-out-XXXXXX";
	int fd = mkstemp(tmpl), save1, save2;
	struct stat st;
	tw_node *n;
	size_t i;

	assert_true(fd >= 0);
	memcpy(junk, "!BDN", 4);
	for (i = 4; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	fflush(stdout);
	fflush(stderr);
	save1 = dup(1);
	save2 = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	n = extract_mem("junk.pst", junk, sizeof(junk));
	fflush(stdout);
	fflush(stderr);
	dup2(save1, 1);
	dup2(save2, 2);
	close(save1);
	close(save2);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	unlink(tmpl);
	/* Nothing printed, the failure recorded. */
	assert_int_equal(st.st_size, 0);
	assert_true(node_has_error(n, TRAWL_ECORRUPT));
	assert_int_equal(n->nchildren, 0);
	tw_node_free(n);
}

static void test_member_limit(void **state)
{
	size_t len = 0;
	unsigned char *d = load(1, &len);
	trawl_limits lim;
	tw_node *n;

	trawl_limits_default(&lim);
	lim.max_members = 2;
	n = extract_mem_limits("various.pst", d, len, &lim);
	{
		tw_node *c;
		int k = 0;

		for (c = n->first_child; c; c = c->next)
			k++;
		assert_int_equal(k, 2);
	}
	assert_true(err_has(n, TRAWL_ELIMIT, "max_members"));
	tw_node_free(n);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garbage_quiet),
		cmocka_unit_test(test_dist_list),
		cmocka_unit_test(test_body_types),
		cmocka_unit_test(test_stable_digests),
		cmocka_unit_test(test_extract_path_and_locate),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_damaged_copies),
		cmocka_unit_test(test_member_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
