/*
 * test_pst.c - Outlook PST stores (lib/extract/pst.c and its reader process,
 * pstreader.c).
 *
 * No PST can be written from the standard library, so the stores are the
 * two real ones under ../shared/corpora (skipped visibly when absent); the
 * hostile-input checks build damaged copies of them at run time.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fixture.h"

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

	locate_mem("various.pst", d, len, loc, 1, &found);
	assert_non_null(found.data);
	assert_non_null(strstr(found.data, "Subject: FW: original email"));
	assert_non_null(strstr(found.data, "MIME-Version: 1.0"));
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

/* A copy of store d with 64 bytes past the header overwritten. */
static void damage(unsigned char *e, const unsigned char *d, size_t len, unsigned *seed)
{
	size_t i;

	memcpy(e, d, len);
	for (i = 0; i < 64; i++) {
		*seed = *seed * 1103515245u + 12345u;
		e[512 + (*seed >> 8) % (len - 512)] = (unsigned char)(*seed >> 3);
	}
}

/* Corrupt copies: the reader process may fail or crash, we must not. */
static void test_damaged_copies(void **state)
{
	size_t len = 0, k;
	unsigned char *d = load(1, &len), *e = malloc(len);
	unsigned seed = 12345;
	int64_t t0 = tw_now_ms();

	assert_non_null(e);
	for (k = 0; k < 40; k++) {
		tw_node *n;

		damage(e, d, len, &seed);
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

/* ---------------------------------------------------------------- split */

/* A store read message by message (as the ingest reads a PST on disk)
 * gives the same messages, names, folders and reconciliation as the store
 * read whole. */
static void test_split_same_as_whole(void **state)
{
	int which;

	for (which = 0; which < 2; which++) {
		size_t len = 0;
		unsigned char *d = load(which, &len);
		trawl_limits lim;
		tw_extract_args args;
		tw_node *whole = tw_node_new("file", "s.pst", 0);
		tw_node *node = tw_node_new("file", "s.pst", 0);
		tw_pst_split *sp;
		tw_pst_part part;
		size_t nparts = 0;

		trawl_limits_default(&lim);
		memset(&args, 0, sizeof(args));
		tw_extract_path(whole, pst_path(which), len, &args);
		sp = tw_pst_split_open(pst_path(which), &lim, NULL, node);
		assert_non_null(sp);
		while (tw_pst_split_next(sp, &part) == 1) {
			char loc[40];
			size_t blen = 0;
			char *msg = tw_pst_message(part.recs, part.len, &lim, &blen);
			tw_node *c = child_named(whole, part.name);
			tw_hasher *h = tw_hasher_new();
			tw_digest dg;

			assert_non_null(msg);
			assert_non_null(c);
			snprintf(loc, sizeof(loc), "pst:%llu", (unsigned long long)part.id);
			assert_string_equal(c->locator, loc);
			if (node_prop(c, "folder"))
				assert_string_equal(node_prop(c, "folder"), part.folder);
			tw_hasher_update(h, msg, blen);
			tw_hasher_final(h, &dg);
			assert_memory_equal(dg.sha256, c->digest.sha256, 32);
			free(msg);
			tw_pst_part_free(&part);
			nparts++;
		}
		tw_pst_split_close(sp);
		assert_int_equal(nparts, whole->nchildren);
		assert_string_equal(node_prop(node, "messages_declared"),
				    node_prop(whole, "messages_declared"));
		assert_string_equal(node_prop(node, "messages_emitted"),
				    node_prop(whole, "messages_emitted"));
		assert_int_equal(node->nerrs, 0);
		tw_node_free(whole);
		tw_node_free(node);
		free(d);
	}
}

/* A cut store: the messages read before the cut, and the same
 * reconciliation error as whole. */
static void test_split_truncated(void **state)
{
	size_t len = 0, blen = 0;
	unsigned char *d = load(1, &len);
	char tmpl[] = "/tmp/trawl-pst-cut-XXXXXX";
	int fd = mkstemp(tmpl);
	trawl_limits lim;
	tw_node *node = tw_node_new("file", "cut.pst", 0);
	tw_pst_split *sp;
	tw_pst_part part;
	size_t n = 0;
	char *msg;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, d, 100000), 100000);
	close(fd);
	trawl_limits_default(&lim);
	sp = tw_pst_split_open(tmpl, &lim, NULL, node);
	while (tw_pst_split_next(sp, &part) == 1) {
		n++;
		tw_pst_part_free(&part);
	}
	tw_pst_split_close(sp);
	unlink(tmpl);
	assert_true(n < 4);
	assert_true(err_has(node, TRAWL_ECORRUPT, "PST declares 4 items"));
	/* Records that hold no whole item build nothing. */
	assert_null(tw_pst_message((const unsigned char *)"M\x0c\0\0\0", 5, &lim, &blen));
	msg = tw_pst_message(NULL, 0, &lim, &blen);
	assert_null(msg);
	tw_node_free(node);
	free(d);
}

/* Damaged stores read message by message: the reader may fail or crash,
 * the parts it sends build messages or nothing, and the store's node says
 * what happened. */
static void test_split_damaged_copies(void **state)
{
	size_t len = 0, k;
	unsigned char *d = load(1, &len), *e = malloc(len);
	unsigned seed = 777;
	int64_t t0 = tw_now_ms();
	trawl_limits lim;

	assert_non_null(e);
	trawl_limits_default(&lim);
	for (k = 0; k < 20; k++) {
		char tmpl[] = "/tmp/trawl-pst-dmg-XXXXXX";
		int fd = mkstemp(tmpl);
		tw_node *node = tw_node_new("file", "damaged.pst", 0);
		tw_pst_split *sp;
		tw_pst_part part;

		damage(e, d, len, &seed);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, e, len), (ssize_t)len);
		close(fd);
		sp = tw_pst_split_open(tmpl, &lim, NULL, node);
		while (tw_pst_split_next(sp, &part) == 1) {
			size_t blen = 0;

			free(tw_pst_message(part.recs, part.len, &lim, &blen));
			tw_pst_part_free(&part);
		}
		tw_pst_split_close(sp);
		unlink(tmpl);
		assert_true(node_prop(node, "messages_emitted") != NULL || node->nerrs > 0);
		tw_node_free(node);
	}
	assert_true(tw_now_ms() - t0 < 120000);
	free(e);
	free(d);
}

static int cancel_after_first(const trawl_ingest_stats *st, void *ud)
{
	(void)ud;
	return st->seen >= 1;
}

static char *archive_fingerprint(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	tw_buf b;
	char *out;
	size_t n;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h,
		"SELECT i.path || ' ' || coalesce(i.locator, '') || ' ' || i.dup || ' ' ||"
		" coalesce(hex(b.sha256), '') || ' ' ||"
		" (SELECT count(*) FROM errors e WHERE e.item_id=i.id) FROM items i"
		" LEFT JOIN blobs b ON b.id=i.blob_id ORDER BY 1", -1, &s, NULL), SQLITE_OK);
	tw_buf_init(&b, 1 << 20);
	while (sqlite3_step(s) == SQLITE_ROW)
		tw_buf_printf(&b, "%s\n", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(h);
	out = tw_buf_detach(&b, &n);
	return out;
}

static int partly_committed(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	int n = 0;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h,
		"SELECT count(*) FROM files f WHERE f.done=0 AND EXISTS"
		" (SELECT 1 FROM items c WHERE c.parent_id=f.item_id AND c.locator LIKE 'pst:%')",
		-1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

static trawl_status ingest_dir(const char *db, const char *dir, int interrupt,
			       trawl_ingest_stats *st)
{
	const char *paths[] = {dir};
	trawl_ingest_opts o;
	trawl_archive *ar = NULL;
	trawl_status rc;

	memset(&o, 0, sizeof(o));
	o.jobs = 1;
	o.no_count = 1;
	if (interrupt) {
		o.progress = cancel_after_first;
		o.progress_ms = 1;
	}
	assert_int_equal(trawl_archive_open(db, TRAWL_OPEN_CREATE, &ar), TRAWL_OK);
	rc = trawl_ingest(ar, paths, 1, &o, st);
	trawl_archive_close(ar);
	return rc;
}

/* The messages of a PST on disk are units of their own: an interrupted
 * ingest keeps those committed, the next run skips them and adds the rest,
 * and the archive ends as an uninterrupted run makes it. */
static void test_ingest_resumes_by_message(void **state)
{
	char dir[512], cmd[9000], clean[600], db[600];
	trawl_ingest_stats st;
	char *want, *got;
	int attempt, partial = 0;
	size_t len = 0;
	unsigned char *d = load(0, &len);

	free(d);
	fixture_tmpdir(dir, sizeof(dir), "pst-run");
	snprintf(cmd, sizeof(cmd), "mkdir '%s/in' && cp '%s' '%s/in/'", dir, pst_path(0), dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s/in/'", pst_path(1), dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/in", dir);
	snprintf(clean, sizeof(clean), "%s/clean.db", dir);
	assert_int_equal(ingest_dir(clean, cmd, 0, &st), TRAWL_OK);
	assert_int_equal(st.seen, 7); /* 3 + 4 messages */
	assert_int_equal(st.indexed + st.duplicates + st.errors, st.seen);
	want = archive_fingerprint(clean);
	assert_non_null(strstr(want, "dist-list.pst!/Calendar/1 pst:"));
	for (attempt = 0; attempt < 30 && !partial; attempt++) {
		snprintf(db, sizeof(db), "%s/r%d.db", dir, attempt);
		if (ingest_dir(db, cmd, 1, &st) != TRAWL_ECANCELLED || !partly_committed(db))
			continue;
		partial = 1;
		assert_int_equal(ingest_dir(db, cmd, 0, &st), TRAWL_OK);
		assert_true(st.skipped >= 1);
		got = archive_fingerprint(db);
		assert_string_equal(got, want);
		free(got);
	}
	free(want);
	print_message("interrupted inside a store at attempt %d\n", attempt);
	fixture_rmdir(dir);
	if (!partial)
		fail_msg("no run was interrupted inside a store in %d attempts", attempt);
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
		cmocka_unit_test(test_split_same_as_whole),
		cmocka_unit_test(test_split_truncated),
		cmocka_unit_test(test_split_damaged_copies),
		cmocka_unit_test(test_ingest_resumes_by_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
