/*
 * test_e2e.c - runs the browser tests (tests/e2e/run.mjs: headless
 * Chromium driven by playwright-core) under `make check`, so that they
 * count in the test summary.  The setup (tests/e2e/setup.sh) installs
 * chromium and playwright-core when it can; when it cannot (no node, no
 * root, no network), the test says so on a SKIP: line and is skipped.
 * TRAWL_E2E=0 skips it on purpose.
 *
 * Screenshots land in tests/e2e/artifacts/ (search, facet, email,
 * attachment, conversation, people, person, hostile-text, hostile-html,
 * phone-search).
 */
#include "clitest.h"

static void test_browser(void **state)
{
	const char *off = getenv("TRAWL_E2E");
	char *out = NULL;
	int rc;

	if (off && !strcmp(off, "0")) {
		printf("SKIP: browser tests: TRAWL_E2E=0\n");
		skip();
	}
	rc = run_cmd(&out, NULL, "sh tests/e2e/setup.sh");
	free(out);
	if (rc == 77) {
		printf("SKIP: browser tests: node, chromium or playwright-core missing (see tests/e2e/setup.sh)\n");
		skip();
	}
	assert_int_equal(rc, 0);
	/* The binary under test: relative paths are from the top of the tree. */
	rc = run_cmd(&out, NULL, "TRAWL='%s' node tests/e2e/run.mjs 2>&1", trawl_bin());
	fputs(out, stdout);
	if (rc == 77) {
		free(out);
		printf("SKIP: browser tests: the browser could not start\n");
		skip();
	}
	if (rc != 0)
		fail_msg("tests/e2e/run.mjs failed (status %d); lines starting with FAIL say what", rc);
	assert_non_null(strstr(out, "\"failures\":0"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_browser),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	tmpdir_remove();
	return rc;
}
