/*
 * test_thread.c - conversation threading (lib/thread.c): the classic JWZ
 * cases (missing parents, loops in References, duplicate Message-IDs,
 * replies stored before their parents), incremental updates that merge
 * conversations, the subject fallback and its bounds, the full pass after
 * deletions, and the display tree.
 */
#include "invtest.h"

#define DAY 86400
#define T0 1400000000

static const char *const ab[] = {"0::a@x.example", "1::b@x.example", NULL};
static const char *const ba[] = {"0::b@x.example", "1::a@x.example", NULL};
static const char *const cd[] = {"0::c@y.example", "1::d@y.example", NULL};

static void test_subject_base(void **state)
{
	struct {
		const char *in, *base;
		int reply;
	} c[] = {
		{"Re: Budget  plan", "budget plan", 1},
		{"RE: RE: Budget plan", "budget plan", 1},
		{"Re[2]: Budget plan", "budget plan", 1},
		{"AW: SV: Budget plan", "budget plan", 1},
		{"[Python-Dev] Re: PEP 8", "pep 8", 1},
		{"Fwd: Budget plan", "fwd: budget plan", 0},
		{"Re: Fwd: Budget plan", "fwd: budget plan", 1},
		{"FW: Re: Budget plan", "fwd: budget plan", 0},
		{"Regarding: things", "regarding: things", 0},
		{"Budget plan (fwd)", "budget plan", 0},
		{"", "", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int reply = -1;
		char *b = tw_subject_base(c[i].in, &reply);

		if (strcmp(b, c[i].base) || reply != c[i].reply)
			fail_msg("'%s' -> '%s' reply %d, expected '%s' %d", c[i].in, b, reply, c[i].base,
				 c[i].reply);
		free(b);
	}
	{
		char *b = tw_subject_base(NULL, NULL);

		assert_string_equal(b, "");
		free(b);
	}
}

static void test_missing_parent(void **state)
{
	trawl_archive *ar = inv_open();
	int64_t a = inv_msg(ar, "a@x", NULL, NULL, "Alpha", T0, ab);
	int64_t b = inv_msg(ar, "b@x", "gone@x", "gone@x", "Re: Gone", T0 + 10, ab);
	int64_t c = inv_msg(ar, "c@x", "gone@x", NULL, "Re: Gone", T0 + 20, ba);
	trawl_thread *t = NULL;

	inv_derive(ar);
	assert_true(inv_tid(ar, a) > 0);
	assert_int_equal(inv_tid(ar, b), inv_tid(ar, c));
	assert_true(inv_tid(ar, a) != inv_tid(ar, b));
	/* The missing parent is the root of the tree, both replies under it. */
	assert_int_equal(trawl_thread_get(ar, b, &t), TRAWL_OK);
	assert_int_equal(t->nmsgs, 3);
	assert_int_equal(t->nmessages, 2);
	assert_true(t->msgs[0].missing);
	assert_string_equal(t->msgs[0].message_id, "gone@x");
	assert_int_equal(t->msgs[1].depth, 1);
	assert_int_equal(t->msgs[1].id, b);
	assert_int_equal(t->msgs[2].parent, 0);
	trawl_thread_free(t);
	inv_close(ar);
}

static void test_in_reply_to_with_prose(void **state)
{
	trawl_archive *ar = inv_open();
	int64_t a = inv_msg(ar, "338366A6@avaya.example", NULL, NULL, "walk", T0, ab);
	/* What the extractor keeps of 'In-Reply-To: Your message of "Tue, 13
	 * May 2003 10:00:00 +1000." <338366A6@avaya.example>' */
	int64_t b = inv_msg(ar, "E19FSPn@tswings.example",
			    "your message of \"tue, 13 may 2003 10:00:00 +1000.\" <338366A6@avaya.example",
			    NULL, "Re: walk", T0 + 60, ba);

	inv_derive(ar);
	assert_int_equal(inv_tid(ar, a), inv_tid(ar, b));
	inv_close(ar);
}

static void test_reference_loop(void **state)
{
	trawl_archive *ar = inv_open();
	int64_t d = inv_msg(ar, "d@x", "e@x", "e@x", "Re: Loop", T0, ab);
	int64_t e = inv_msg(ar, "e@x", "d@x", "f@x d@x", "Re: Loop", T0 + 5, ba);
	int64_t f = inv_msg(ar, "f@x", NULL, "e@x", "Loop", T0 + 9, ab);
	trawl_thread *t = NULL;
	size_t i, roots = 0;

	inv_derive(ar);
	assert_int_equal(inv_tid(ar, d), inv_tid(ar, e));
	assert_int_equal(inv_tid(ar, e), inv_tid(ar, f));
	assert_int_equal(trawl_thread_get(ar, d, &t), TRAWL_OK);
	/* Every message once, and a tree (a parent comes before its child). */
	assert_int_equal(t->nmessages, 3);
	for (i = 0; i < t->nmsgs; i++) {
		assert_true(t->msgs[i].parent < (int64_t)i);
		roots += t->msgs[i].parent < 0;
	}
	assert_true(roots >= 1);
	trawl_thread_free(t);
	inv_close(ar);
}

static void test_duplicate_message_ids(void **state)
{
	trawl_archive *ar = inv_open();
	int64_t f1 = inv_msg(ar, "dup@x", NULL, NULL, "Dup", T0, ab);
	int64_t f2 = inv_msg(ar, "dup@x", NULL, NULL, "Dup (other copy)", T0 + 1, ab);
	int64_t g = inv_msg(ar, "g@x", "dup@x", NULL, "Re: Dup", T0 + 2, ba);
	trawl_thread *t = NULL;

	inv_derive(ar);
	assert_int_equal(inv_tid(ar, f1), inv_tid(ar, f2));
	assert_int_equal(inv_tid(ar, f1), inv_tid(ar, g));
	assert_int_equal(trawl_thread_get(ar, g, &t), TRAWL_OK);
	assert_int_equal(t->nmessages, 3);
	trawl_thread_free(t);
	inv_close(ar);
}

static void test_reply_before_parent(void **state)
{
	trawl_archive *ar = inv_open();
	int64_t r, p, tid;

	/* The reply is ingested first, its parent in a later run. */
	r = inv_msg(ar, "r@x", "p@x", "p@x", "Re: Parent", T0 + 50, ba);
	inv_derive(ar);
	tid = inv_tid(ar, r);
	assert_true(tid > 0);
	p = inv_msg(ar, "p@x", NULL, NULL, "Parent", T0, ab);
	inv_derive(ar);
	assert_int_equal(inv_tid(ar, p), tid); /* the id is kept */
	assert_int_equal(inv_tid(ar, r), tid);
	inv_close(ar);
}

static void test_later_message_merges_threads(void **state)
{
	trawl_archive *ar = inv_open();
	int64_t j = inv_msg(ar, "j@x", NULL, NULL, "Jay", T0, ab);
	int64_t k = inv_msg(ar, "k@x", NULL, NULL, "Kay", T0, cd);
	int64_t l, tj, tk;

	inv_derive(ar);
	tj = inv_tid(ar, j);
	tk = inv_tid(ar, k);
	assert_true(tj != tk);
	l = inv_msg(ar, "l@x", "k@x", "j@x k@x", "Re: Kay", T0 + 100, ab);
	inv_derive(ar);
	assert_int_equal(inv_tid(ar, j), tj < tk ? tj : tk);
	assert_int_equal(inv_tid(ar, k), inv_tid(ar, j));
	assert_int_equal(inv_tid(ar, l), inv_tid(ar, j));
	/* Deleting the bridge splits them again (a full pass). */
	inv_exec(ar, "DELETE FROM items WHERE blob_id=(SELECT blob_id FROM emails WHERE message_id='l@x');"
		     "DELETE FROM email_addrs WHERE blob_id=(SELECT blob_id FROM emails WHERE message_id='l@x');"
		     "DELETE FROM emails WHERE message_id='l@x';");
	inv_derive(ar);
	assert_true(inv_tid(ar, j) != inv_tid(ar, k));
	assert_true(inv_tid(ar, j) == tj || inv_tid(ar, k) == tk);
	inv_close(ar);
}

static void test_subject_fallback(void **state)
{
	trawl_archive *ar = inv_open();
	int64_t m = inv_msg(ar, "m@x", NULL, NULL, "Budget plan", T0, ab);
	int64_t n = inv_msg(ar, "n@x", NULL, NULL, "Re: Budget plan", T0 + DAY, ba);
	int64_t o = inv_msg(ar, "o@x", NULL, NULL, "RE: Budget plan", T0 + DAY, cd);
	int64_t p = inv_msg(ar, "p@x", NULL, NULL, "Re: Budget plan", T0 + 40 * DAY, ba);
	int64_t q = inv_msg(ar, "q@x", NULL, NULL, "Fwd: Budget plan", T0 + 3600, ab);
	int64_t r = inv_msg(ar, "r@x", NULL, NULL, "Budget plan", T0 + 3 * DAY, ab);
	int64_t s;

	inv_derive(ar);
	assert_int_equal(inv_tid(ar, m), inv_tid(ar, n));  /* reply, shared people, 1 day */
	assert_true(inv_tid(ar, o) != inv_tid(ar, m));     /* nobody in common */
	assert_true(inv_tid(ar, p) != inv_tid(ar, m));     /* 40 days later */
	assert_true(inv_tid(ar, q) != inv_tid(ar, m));     /* a forward starts anew */
	assert_true(inv_tid(ar, r) != inv_tid(ar, m));     /* not a reply: no fallback */
	/* A later ingest: a reply without references joins through the index. */
	s = inv_msg(ar, "s@x", NULL, NULL, "Re: Budget plan", T0 + 3 * DAY + 60, ba);
	inv_derive(ar);
	assert_int_equal(inv_tid(ar, s), inv_tid(ar, m));
	assert_int_equal(inv_tid(ar, s), inv_tid(ar, r));
	inv_close(ar);
}

static void test_incremental_equals_full(void **state)
{
	trawl_archive *ar = inv_open();
	int64_t ids[12], i, j;
	int64_t before[12];
	char mid[32], irt[32], refs[64];

	/* Two chains fed one message per run, in a scrambled order. */
	static const int order[12] = {5, 0, 11, 3, 8, 1, 10, 6, 2, 9, 4, 7};

	for (i = 0; i < 12; i++) {
		int k = order[i];

		snprintf(mid, sizeof(mid), "c%d@x", k);
		snprintf(irt, sizeof(irt), "c%d@x", k - 2);
		snprintf(refs, sizeof(refs), "c%d@x c%d@x", k % 2, k - 2);
		ids[k] = inv_msg(ar, mid, k >= 2 ? irt : NULL, k >= 2 ? refs : NULL, "Chain", T0 + k, ab);
		inv_derive(ar);
	}
	for (i = 0; i < 12; i++)
		before[i] = inv_tid(ar, ids[i]);
	for (i = 0; i < 12; i++)
		for (j = 0; j < 12; j++)
			assert_int_equal(before[i] == before[j], i % 2 == j % 2);
	/* Everything again from scratch (the pass that follows deletions,
	 * forced by claiming more emails were seen) gives the same partition. */
	inv_exec(ar, "INSERT OR REPLACE INTO derived(key, value) VALUES('emails', 100);");
	inv_derive(ar);
	for (i = 0; i < 12; i++)
		for (j = 0; j < 12; j++)
			assert_int_equal(inv_tid(ar, ids[i]) == inv_tid(ar, ids[j]), before[i] == before[j]);
	inv_close(ar);
}

static void test_thread_tree_order(void **state)
{
	trawl_archive *ar = inv_open();
	int64_t r1 = inv_msg(ar, "r1@x", NULL, NULL, "Tree", T0, ab);
	int64_t r3 = inv_msg(ar, "r3@x", "r2@x", "r1@x r2@x", "Re: Tree", T0 + 30, ab);
	int64_t r2 = inv_msg(ar, "r2@x", "r1@x", "r1@x", "Re: Tree", T0 + 20, ba);
	int64_t r4 = inv_msg(ar, "r4@x", "r1@x", "r1@x", "Re: Tree", T0 + 10, ba);
	trawl_thread *t = NULL;

	inv_derive(ar);
	assert_int_equal(trawl_thread_get(ar, r3, &t), TRAWL_OK);
	assert_int_equal(t->nmsgs, 4);
	assert_int_equal(t->msgs[0].id, r1);
	assert_int_equal(t->msgs[0].depth, 0);
	assert_int_equal(t->msgs[1].id, r4); /* siblings by date */
	assert_int_equal(t->msgs[2].id, r2);
	assert_int_equal(t->msgs[3].id, r3);
	assert_int_equal(t->msgs[3].depth, 2);
	assert_int_equal(t->msgs[3].parent, 2);
	trawl_thread_free(t);
	assert_int_equal(trawl_thread_get(ar, 999999, &t), TRAWL_ENOTFOUND);
	assert_null(t);
	assert_int_equal(trawl_thread_get_by_id(ar, 999999, &t), TRAWL_ENOTFOUND);
	inv_close(ar);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subject_base),
		cmocka_unit_test(test_missing_parent),
		cmocka_unit_test(test_in_reply_to_with_prose),
		cmocka_unit_test(test_reference_loop),
		cmocka_unit_test(test_duplicate_message_ids),
		cmocka_unit_test(test_reply_before_parent),
		cmocka_unit_test(test_later_message_merges_threads),
		cmocka_unit_test(test_subject_fallback),
		cmocka_unit_test(test_incremental_equals_full),
		cmocka_unit_test(test_thread_tree_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
