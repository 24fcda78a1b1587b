/*
 * test_mail_corpora.c - ingest the real mail corpora in ../shared/corpora
 * and check that nothing is lost: every message file or mbox message ends
 * as indexed, duplicate or error (with a reason), that from: counts agree
 * with an independent reading of the From headers, and that re-ingesting
 * adds nothing.  Skipped, with a message, where the corpora are absent.
 */
#include <dirent.h>
#include <ctype.h>

#include <openssl/evp.h>

#include "clitest.h"

/* Ingest `path` into archive `db`; returns the JSON summary. */
static json_t *ingest(const char *db, const char *path, int jobs)
{
	char *out = NULL, *err = NULL;
	int rc = run_cmd(&out, &err, "%s ingest --json --jobs %d --archive '%s' '%s'", trawl_bin(),
			 jobs, db, path);
	json_t *s;

	if (rc != 0)
		fail_msg("ingest of %s exited %d: %s", path, rc, err);
	s = parse_json(last_line(out));
	assert_int_equal(jint(s, "indexed") + jint(s, "duplicates") + jint(s, "errors"),
			 jint(s, "seen"));
	free(out);
	free(err);
	return s;
}

static long long count_files(const char *dir)
{
	char *out = NULL;
	long long n;

	assert_int_equal(run_cmd(&out, NULL, "find '%s' -type f | wc -l", dir), 0);
	n = strtoll(out, NULL, 10);
	free(out);
	return n;
}

/* ---------------------------------------------------------------- Enron */

struct sender {
	char addr[256];
	long long n;
};

/* The address in a From header value: inside <> if any, else the value. */
static void from_address(const char *v, char *out, size_t n)
{
	const char *lt = strchr(v, '<'), *gt;
	size_t k;

	if (lt && (gt = strchr(lt, '>'))) {
		v = lt + 1;
		k = (size_t)(gt - v);
	} else {
		while (isspace((unsigned char)*v))
			v++;
		k = strcspn(v, "\r\n");
		while (k && isspace((unsigned char)v[k - 1]))
			k--;
	}
	if (k >= n)
		k = n - 1;
	memcpy(out, v, k);
	out[k] = '\0';
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

static void test_enron(void **state)
{
	char src[1024], dir[600], db[600], *out = NULL;
	json_t *s;
	long long files;
	FILE *p;
	char line[2048];
	struct sender *senders;
	size_t nsenders = 0, i;
	int checked = 0;

	NEED_CORPORA();
	senders = calloc(20000, sizeof(*senders));
	assert_non_null(senders);
	snprintf(src, sizeof(src), "%s/enron-maildir/enron-maildir-shared.tar.zst", ct_corpora);
	snprintf(dir, sizeof(dir), "%s/enron", tmpdir());
	snprintf(db, sizeof(db), "%s/enron.db", tmpdir());
	assert_int_equal(run_cmd(NULL, NULL, "mkdir -p '%s' && zstd -dc '%s' | tar -x -C '%s'", dir, src, dir), 0);
	files = count_files(dir);
	assert_int_equal(files, 26738);
	s = ingest(db, dir, 2);
	assert_int_equal(jint(s, "seen"), files);
	/* All files pass a header check, so none may be an error. */
	assert_int_equal(jint(s, "errors"), 0);
	json_decref(s);

	/* Independent count: distinct file contents per From address, read
	 * with sha256sum and a plain reading of the first From: line. */
	{
		char cmd[2048];

		snprintf(cmd, sizeof(cmd),
			 "cd '%s' && find . -type f -print0 | xargs -0 awk 'FNR==1{inh=1} inh && /^\\r?$/{inh=0} "
			 "inh && /^From:/{sub(/^From:[ \\t]*/,\"\"); print FILENAME \"\\t\" $0; nextfile}' "
			 "| while IFS='\t' read -r f a; do printf '%%s\\t%%s\\n' \"$(sha256sum < \"$f\" | cut -c1-64)\" \"$a\"; done "
			 "| sort -u | cut -f2",
			 dir);
		p = popen(cmd, "r");
	}
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char a[256];

		from_address(line, a, sizeof(a));
		for (i = 0; i < nsenders; i++)
			if (!strcmp(senders[i].addr, a))
				break;
		if (i == nsenders && nsenders < 20000) {
			snprintf(senders[nsenders].addr, sizeof(senders[nsenders].addr), "%s", a);
			nsenders++;
		}
		if (i < 20000)
			senders[i].n++;
	}
	pclose(p);
	assert_true(nsenders > 100);
	/* Check the busiest senders and every 50th of the rest. */
	for (i = 0; i < nsenders; i++) {
		long long n;

		if (senders[i].n < 50 && i % 50 != 0)
			continue;
		if (!strchr(senders[i].addr, '@') || strchr(senders[i].addr, '\''))
			continue;
		{
			char *err = NULL;
			int rc = run_cmd(&out, &err, "%s search --count --archive '%s' -- 'from:%s'",
					 trawl_bin(), db, senders[i].addr);

			if (rc != 0)
				fail_msg("search from:%s exited %d: %s", senders[i].addr, rc, err);
			free(err);
		}
		n = strtoll(out, NULL, 10);
		free(out);
		if (n != senders[i].n)
			fail_msg("from:%s: trawl %lld, From headers %lld", senders[i].addr, n, senders[i].n);
		checked++;
	}
	printf("checked from: counts of %d of %zu senders\n", checked, nsenders);
	assert_true(checked >= 20);
	free(senders);

	/* Re-ingest adds nothing and skips everything. */
	s = ingest(db, dir, 2);
	assert_int_equal(jint(s, "seen"), 0);
	assert_int_equal(jint(s, "skipped"), files);
	json_decref(s);
	errors_have_reasons(db);
}

/* ---------------------------------------------------------------- others */

static void corpus_accounted(const char *sub, int packed, long long expect_seen_min)
{
	char path[1024], db[600], dir[600];
	json_t *s, *again;
	const char *what = path;

	if (packed) {
		snprintf(dir, sizeof(dir), "%s/%s", tmpdir(), sub);
		assert_int_equal(run_cmd(NULL, NULL, "mkdir -p '%s' && zstd -dc '%s/%s'/*.tar.zst | tar -x -C '%s'",
					 dir, ct_corpora, sub, dir), 0);
		what = dir;
	} else {
		snprintf(path, sizeof(path), "%s/%s", ct_corpora, sub);
	}
	snprintf(db, sizeof(db), "%s/%s.db", tmpdir(), sub);
	s = ingest(db, what, 2);
	if (jint(s, "seen") < expect_seen_min)
		fail_msg("%s: %lld inputs seen, expected at least %lld", sub, jint(s, "seen"),
			 expect_seen_min);
	again = ingest(db, what, 2);
	assert_int_equal(jint(again, "seen"), 0);
	assert_int_equal(jint(again, "skipped"), jint(s, "seen"));
	printf("%s: %lld seen, %lld indexed, %lld duplicates, %lld errors\n", sub,
	       jint(s, "seen"), jint(s, "indexed"), jint(s, "duplicates"), jint(s, "errors"));
	errors_have_reasons(db);
	json_decref(s);
	json_decref(again);
}

static void test_spamassassin(void **state)
{
	NEED_CORPORA();
	corpus_accounted("spamassassin", 1, 3252);
}

static void test_mailing_list(void **state)
{
	NEED_CORPORA();
	/* About 5,120 messages by a count of separator lines. */
	corpus_accounted("mailing-list-mbox", 0, 5000);
}

static void test_parser_sets(void **state)
{
	NEED_CORPORA();
	corpus_accounted("mime-torture", 0, 1);
	corpus_accounted("notmuch-test-corpora", 0, 320);
	corpus_accounted("cpython-test-email", 0, 48);
	corpus_accounted("gmime-tests", 0, 11);
	corpus_accounted("mailparser-fixtures", 0, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parser_sets),
		cmocka_unit_test(test_spamassassin),
		cmocka_unit_test(test_mailing_list),
		cmocka_unit_test(test_enron),
	};

	return cmocka_run_group_tests(tests, corpus_setup, corpus_teardown);
}
