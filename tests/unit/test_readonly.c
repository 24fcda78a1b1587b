/*
 * test_readonly.c - every public function that writes to the archive
 * refuses a handle opened with TRAWL_OPEN_READONLY the same way: it
 * returns TRAWL_EREADONLY with a message naming the archive, before it
 * changes anything.  Without one check shared by all of them, some fell
 * through to SQLite's own "attempt to write a readonly database"
 * (TRAWL_EDB) and others answered TRAWL_EINVAL.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "invtest.h"

static int any_dkim(const trawl_dkim_result *r, void *ud)
{
	(void)r;
	(void)ud;
	return 0;
}

static int any_line(const trawl_batch_line *l, void *ud)
{
	(void)l;
	(void)ud;
	return 0;
}

static int any_hit(const trawl_hit *h, void *ud)
{
	(void)h;
	(*(int *)ud)++;
	return 0;
}

/* The status is TRAWL_EREADONLY and the message names the archive. */
static void refused(trawl_archive *ro, trawl_status st, const char *what)
{
	char want[400];

	if (st != TRAWL_EREADONLY)
		fail_msg("%s on a read-only archive: %s (%s), want read-only", what,
			 trawl_status_str(st), trawl_archive_errmsg(ro));
	snprintf(want, sizeof(want), "archive '%s' is open read-only", inv_path);
	if (!strstr(trawl_archive_errmsg(ro), want))
		fail_msg("%s: message '%s' does not say \"%s\"", what, trawl_archive_errmsg(ro), want);
}

/* Rows of the tables the writing functions fill. */
static int64_t marks(trawl_archive *ar)
{
	return inv_int(ar,
		       "SELECT (SELECT count(*) FROM tags) + (SELECT count(*) FROM notes)"
		       " + (SELECT count(*) FROM saved_searches) + (SELECT count(*) FROM person_edits)"
		       " + (SELECT count(*) FROM dkim) + (SELECT count(*) FROM scanned)"
		       " + (SELECT count(*) FROM sources) + ?",
		       0);
}

static void test_every_write_refused(void **state)
{
	static const char *const a[] = {"0:Ann:ann@example.org", "1:Bob:bob@example.org", NULL};
	static const char *const b[] = {"0:Bob:bob@example.org", "1:Ann:ann@example.org", NULL};
	const char *hot[] = {"hot"};
	const char *split[] = {"bob@example.org"};
	const char *paths[] = {"/nonexistent"};
	trawl_archive *ar = inv_open(), *ro = NULL;
	trawl_ingest_opts io;
	trawl_scan_opts so;
	trawl_dkim_opts dko;
	trawl_batch_opts bo;
	int64_t note = 0, before;
	int n = 0;

	inv_msg(ar, "1@x", NULL, NULL, "One", 1000000, a);
	inv_msg(ar, "2@x", "1@x", NULL, "Re: One", 1000100, b);
	inv_derive(ar);
	assert_int_equal(trawl_note_add(ar, 1, "kept", &note), TRAWL_OK);
	assert_int_equal(trawl_saved_add(ar, "kept", "one", NULL), TRAWL_OK);
	before = marks(ar);
	assert_int_equal(trawl_archive_open(inv_path, TRAWL_OPEN_READONLY, &ro), TRAWL_OK);
	assert_false(trawl_archive_writable(ro));
	assert_true(trawl_archive_writable(ar));

	memset(&io, 0, sizeof(io));
	io.jobs = 1;
	io.no_count = 1;
	refused(ro, trawl_ingest(ro, paths, 1, &io, NULL), "ingest");
	memset(&so, 0, sizeof(so));
	refused(ro, trawl_scan(ro, NULL, &so, NULL, NULL), "scan");
	memset(&dko, 0, sizeof(dko));
	dko.store = 1;
	refused(ro, trawl_verify_dkim(ro, NULL, &dko, any_dkim, NULL, NULL), "verify --dkim (store)");
	refused(ro, trawl_tag_query(ro, "", hot, 1, NULL, 0, NULL, NULL), "tag add");
	refused(ro, trawl_tag_query(ro, "", NULL, 0, hot, 1, NULL, NULL), "tag remove");
	refused(ro, trawl_note_add(ro, 1, "text", NULL), "note add");
	refused(ro, trawl_note_delete(ro, note), "note delete");
	refused(ro, trawl_saved_add(ro, "name", "query", NULL), "saved add");
	refused(ro, trawl_saved_remove(ro, "kept"), "saved remove");
	refused(ro, trawl_people_merge(ro, "ann@example.org", "bob@example.org"), "people merge");
	refused(ro, trawl_people_split(ro, split, 1), "people split");
	memset(&bo, 0, sizeof(bo));
	bo.tag = "hot";
	refused(ro, trawl_batch(ro, "one\n", 4, &bo, any_line, NULL, NULL), "batch --tag");

	/* Nothing changed, and reading still works on the same handle. */
	assert_int_equal(marks(ar), before);
	assert_int_equal(trawl_search(ro, "type:email", NULL, any_hit, &n, NULL, NULL), TRAWL_OK);
	assert_true(n > 0);
	dko.store = 0;
	assert_int_equal(trawl_verify_dkim(ro, NULL, &dko, any_dkim, NULL, NULL), TRAWL_OK);
	bo.tag = NULL;
	assert_int_equal(trawl_batch(ro, "one\n", 4, &bo, any_line, NULL, NULL), TRAWL_OK);
	trawl_archive_close(ro);
	inv_close(ar);
}

/* A file SQLite may not write is opened read-only without a word from it;
 * the handle must know, and refuse writes the same way.  Root writes
 * anyway, so this only runs for other users. */
static void test_unwritable_file(void **state)
{
	trawl_archive *ar = inv_open(), *w = NULL;
	const char *hot[] = {"hot"};

	if (geteuid() == 0) {
		inv_close(ar);
		skip();
	}
	trawl_archive_close(ar);
	assert_int_equal(chmod(inv_path, 0444), 0);
	if (trawl_archive_open(inv_path, 0, &w) != TRAWL_OK)
		fail_msg("opening an unwritable archive: %s", trawl_archive_errmsg(w));
	assert_false(trawl_archive_writable(w));
	refused(w, trawl_tag_query(w, "", hot, 1, NULL, 0, NULL, NULL), "tag add");
	trawl_archive_close(w);
	inv_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_write_refused),
		cmocka_unit_test(test_unwritable_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
