/*
 * test_search.c - search-side behaviour that needs an archive but no
 * ingest: totals are reused across pages only while the archive is
 * unchanged, whichever connection changed it.
 */
#include "testutil.h"
#include "invtest.h"

static int no_hit(const trawl_hit *h, void *ud)
{
	(void)h;
	(*(int *)ud)++;
	return 0;
}

static int64_t total_of(trawl_archive *ar, const char *q, int64_t offset)
{
	trawl_search_opts o;
	int64_t total = -1;
	int n = 0;

	memset(&o, 0, sizeof(o));
	o.limit = 1;
	o.offset = offset;
	assert_int_equal(trawl_search(ar, q, &o, no_hit, &n, &total, NULL), TRAWL_OK);
	return total;
}

static void test_totals_follow_changes(void **state)
{
	static const char *const a[] = {"0::ann@example.org", "1::bob@example.org", NULL};
	const char *hot[] = {"hot"};
	trawl_archive *ar = inv_open(), *other = NULL;

	inv_msg(ar, "1@x", NULL, NULL, "One", 1000000, a);
	inv_msg(ar, "2@x", NULL, NULL, "Two", 1000100, a);
	assert_int_equal(total_of(ar, "tag:hot", 0), 0);
	/* This connection's own write. */
	assert_int_equal(trawl_tag_query(ar, "type:email", hot, 1, NULL, 0, NULL, NULL), TRAWL_OK);
	assert_int_equal(total_of(ar, "tag:hot", 0), 2);
	assert_int_equal(total_of(ar, "tag:hot", 1), 2);
	/* Another connection's write. */
	assert_int_equal(trawl_archive_open(inv_path, 0, &other), TRAWL_OK);
	assert_int_equal(total_of(other, "tag:hot", 0), 2);
	assert_int_equal(trawl_tag_query(ar, "id:1", NULL, 0, hot, 1, NULL, NULL), TRAWL_OK);
	assert_int_equal(total_of(other, "tag:hot", 0), 1);
	assert_int_equal(total_of(ar, "tag:hot", 0), 1);
	trawl_archive_close(other);
	inv_close(ar);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totals_follow_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
