/*
 * test_core.c - the `trawl` command on the bundled sample dump: ingest
 * accounting, re-ingest, search (words, phrases, fields, dates), show (text,
 * JSON, raw bytes), stats, errors and query syntax errors.
 *
 * Expected facts come from examples/expected.json, written by the script
 * that generated the dump, not from trawl.
 */
#include "clitest.h"

static char db[600];
static json_t *expected;
static json_t *first_ingest;

static int setup(void **state)
{
	char *out = NULL;
	int rc;

	expected = load_json_file("examples/expected.json");
	if (!expected)
		return -1;
	snprintf(db, sizeof(db), "%s/sample.db", tmpdir());
	rc = run_cmd(&out, NULL, "%s ingest --json --archive '%s' examples/sample-dump", trawl_bin(), db);
	if (rc != 0) {
		fprintf(stderr, "ingest failed with status %d: %s\n", rc, out);
		return -1;
	}
	first_ingest = parse_json(last_line(out));
	free(out);
	return 0;
}

static int teardown(void **state)
{
	json_decref(expected);
	json_decref(first_ingest);
	tmpdir_remove();
	return 0;
}

static long long count(const char *query)
{
	char *out = NULL;
	long long n;
	int rc = run_cmd(&out, NULL, "%s search --count --archive '%s' -- '%s'", trawl_bin(), db, query);

	if (rc != 0)
		fail_msg("search --count '%s' exited %d", query, rc);
	n = strtoll(out, NULL, 10);
	free(out);
	return n;
}

static void test_ingest_accounts_for_every_input(void **state)
{
	json_t *s = first_ingest;
	long long seen = jint(s, "seen");
	/* Every file on disk plus every mbox message, minus the mbox file. */
	json_t *m = json_object_get(expected, "messages");
	long long files = 0;
	char *out = NULL;

	assert_int_equal(jint(s, "indexed") + jint(s, "duplicates") + jint(s, "errors"), seen);
	assert_int_equal(run_cmd(&out, NULL, "find examples/sample-dump -type f | wc -l"), 0);
	files = strtoll(out, NULL, 10);
	free(out);
	assert_int_equal(seen, files - 1 + jint(json_object_get(m, "occurrences_per_form"), "mbox"));
	assert_true(json_is_true(json_object_get(s, "complete")));
}

static void test_duplicates_counted(void **state)
{
	/* 5 duplicated messages, plus the empty .gitkeep files after the first. */
	char *out = NULL;
	long long empties;

	assert_int_equal(run_cmd(&out, NULL, "find examples/sample-dump -type f -empty | wc -l"), 0);
	empties = strtoll(out, NULL, 10);
	free(out);
	assert_int_equal(jint(first_ingest, "duplicates"),
			 (long long)json_array_size(json_object_get(expected, "duplicates")) + empties - 1);
	assert_int_equal(jint(first_ingest, "errors"), 1); /* the first empty file */
}

static void test_reingest_adds_nothing(void **state)
{
	char *out = NULL, *stats1 = NULL, *stats2 = NULL;
	json_t *s;

	assert_int_equal(run_cmd(&stats1, NULL, "%s stats --json --archive '%s'", trawl_bin(), db), 0);
	assert_int_equal(run_cmd(&out, NULL, "%s ingest --json --archive '%s' examples/sample-dump",
				 trawl_bin(), db), 0);
	s = parse_json(last_line(out));
	assert_int_equal(jint(s, "seen"), 0);
	assert_int_equal(jint(s, "skipped"), jint(first_ingest, "seen"));
	json_decref(s);
	free(out);
	assert_int_equal(run_cmd(&stats2, NULL, "%s stats --json --archive '%s'", trawl_bin(), db), 0);
	/* Same counts (archive_bytes and ingest_runs differ). */
	{
		json_t *a = parse_json(stats1), *b = parse_json(stats2);
		const char *keys[] = {"items", "emails", "attachments", "duplicates", "errors", "contents"};
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			assert_int_equal(jint(a, keys[i]), jint(b, keys[i]));
		json_decref(a);
		json_decref(b);
	}
	free(stats1);
	free(stats2);
}

static void test_planted_words_found(void **state)
{
	json_t *words = json_object_get(expected, "planted_words"), *w;
	size_t i;

	json_array_foreach(words, i, w) {
		const char *word = json_string_value(json_object_get(w, "word"));
		const char *where = json_string_value(json_object_get(w, "where"));

		/* Words in unspaced Japanese are not tokenised apart (documented). */
		if (strstr(where, "Shift_JIS"))
			continue;
		if (count(word) < 1)
			fail_msg("planted word '%s' (%s) not found", word, where);
	}
}

static void test_from_counts_match_headers(void **state)
{
	json_t *senders = json_object_get(expected, "senders"), *v;
	const char *addr;

	json_object_foreach(senders, addr, v) {
		char q[300];
		long long n;

		snprintf(q, sizeof(q), "from:%s -kind:attachment", addr);
		n = count(q);
		if (n != json_integer_value(v))
			fail_msg("%s: trawl says %lld, headers say %lld", q, n,
				 (long long)json_integer_value(v));
	}
}

static void test_month_counts(void **state)
{
	json_t *months = json_object_get(expected, "months_utc"), *v;
	const char *month;

	json_object_foreach(months, month, v) {
		char q[64];

		snprintf(q, sizeof(q), "type:email -kind:attachment date:%s", month);
		/* Forwarded messages have dates of their own: count only the
		 * messages stored as files or in the mbox. */
		if (count(q) != json_integer_value(v))
			fail_msg("%s: %lld, expected %lld", q, count(q), (long long)json_integer_value(v));
	}
	assert_int_equal(count("date:2014-02-01..2014-03-31 type:email -kind:attachment"),
			 jint(months, "2014-02") + jint(months, "2014-03"));
}

static void test_query_language(void **state)
{
	long long all = count("type:email");

	assert_true(all > 200);
	/* NOT, OR, parentheses and phrases agree with set arithmetic. */
	assert_int_equal(count("type:email -bunkerfuel") + count("type:email bunkerfuel"), all);
	assert_int_equal(count("spinnaker OR gangplank"),
			 count("spinnaker") + count("gangplank") - count("spinnaker gangplank"));
	assert_true(count("\"engine room fire\"") >= 1);
	assert_true(count("\"fire room engine\"") <= count("engine room fire"));
	assert_true(count("has:attachment") >= 50);
	assert_true(count("filename:*.docx") >= 1);
	assert_true(count("type:pdf") >= 1);
	assert_true(count("bunker*") >= count("bunkerfuel"));
	assert_int_equal(count("type:email date:..2013"), 0);
	assert_int_equal(count("type:email date:2014-10.."), 0);
	assert_true(count("size:>1k") > count("size:>100k"));
	/* The sample's names are honest. */
	assert_int_equal(count("has:mismatch"), 0);
}

/* Words of every script, inflections, exact words and languages: the
 * sample has Japanese (Shift_JIS), Russian (KOI8-R) and Norwegian mail. */
static void test_words_and_languages(void **state)
{
	/* 錨泊 sits inside 本牧沖で錨泊し, a run without spaces */
	assert_true(count("錨泊") >= 1);
	assert_true(count("ледокол") >= 1);
	/* an unquoted word finds its inflections, =word and a quoted word
	 * only themselves */
	assert_true(count("delay") > count("=delay"));
	assert_int_equal(count("delay"), count("delays"));
	assert_int_equal(count("=delay"), count("\"delay\""));
	assert_true(count("=delays") >= 1);
	/* every text has its detected language */
	assert_true(count("lang:ja") >= 1);
	assert_true(count("lang:ru") >= 1);
	assert_true(count("lang:no") >= 1);
	assert_true(count("lang:en") > count("lang:no"));
	assert_int_equal(count("lang:ja 錨泊"), count("錨泊"));
}

/* trawl reindex rebuilds the index and the languages to the same answers. */
static void test_reindex(void **state)
{
	char copy[700], *out = NULL, *before = NULL, *after = NULL;
	const char *q = "delay OR 錨泊 OR lang:ru OR \"=engine room\"";
	json_t *o;

	snprintf(copy, sizeof(copy), "%s/reindex.db", tmpdir());
	assert_int_equal(run_cmd(NULL, NULL, "cp '%s' '%s'", db, copy), 0);
	assert_int_equal(run_cmd(&before, NULL, "%s search --count --archive '%s' -- '%s'",
				 trawl_bin(), copy, q), 0);
	assert_int_equal(run_cmd(&out, NULL, "%s reindex --json --archive '%s'", trawl_bin(), copy), 0);
	o = parse_json(out);
	assert_true(jint(o, "texts") > 200);
	json_decref(o);
	assert_int_equal(run_cmd(&after, NULL, "%s search --count --archive '%s' -- '%s'",
				 trawl_bin(), copy, q), 0);
	assert_string_equal(before, after);
	assert_true(strtoll(after, NULL, 10) > 0);
	free(out);
	free(before);
	free(after);
}

/* A renamed document is flagged on that occurrence only. */
static void test_extension_mismatch(void **state)
{
	char dir[700], db2[700], *out = NULL;

	snprintf(dir, sizeof(dir), "%s/renamed", tmpdir());
	snprintf(db2, sizeof(db2), "%s/renamed.db", tmpdir());
	assert_int_equal(run_cmd(NULL, NULL, "mkdir -p '%s' && cp examples/sample-dump/files/*.pdf '%s/honest.pdf' && "
				 "cp examples/sample-dump/files/*.pdf '%s/salaries.xls'", dir, dir, dir), 0);
	assert_int_equal(run_cmd(NULL, NULL, "%s ingest --archive '%s' '%s'", trawl_bin(), db2, dir), 0);
	assert_int_equal(run_cmd(&out, NULL, "%s search --count --archive '%s' has:mismatch", trawl_bin(), db2), 0);
	assert_int_equal(strtoll(out, NULL, 10), 1);
	free(out);
	/* Items 1 and 2 are the two files, in whichever order they were
	 * written: only the renamed one carries the mismatch. */
	{
		int id, flagged = 0;

		for (id = 1; id <= 2; id++) {
			assert_int_equal(run_cmd(&out, NULL, "%s show --json --archive '%s' %d", trawl_bin(),
						 db2, id), 0);
			if (strstr(out, "name says .xls (spreadsheet), content is pdf")) {
				flagged++;
				if (!strstr(out, "\"name\": \"salaries.xls\""))
					fail_msg("the wrong copy is flagged: %.400s", out);
			}
			free(out);
		}
		assert_int_equal(flagged, 1);
	}
}

static void test_syntax_error_exit_2(void **state)
{
	char *err = NULL;
	int rc = run_cmd(NULL, &err, "%s search --archive '%s' 'from:jeff (budget'", trawl_bin(), db);

	assert_int_equal(rc, 2);
	assert_non_null(strstr(err, "^"));
	assert_non_null(strstr(err, "unbalanced"));
	free(err);
	rc = run_cmd(NULL, &err, "%s search --archive '%s' 'form:jeff'", trawl_bin(), db);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(err, "unknown field 'form'"));
	free(err);
	rc = run_cmd(NULL, &err, "%s search --archive '%s' 'date:2014-13'", trawl_bin(), db);
	assert_int_equal(rc, 2);
	free(err);
}

static void test_search_json_fields(void **state)
{
	char *out = NULL, *line, *save = NULL;
	int n = 0;

	assert_int_equal(run_cmd(&out, NULL, "%s search --json --limit 5 --archive '%s' engine",
				 trawl_bin(), db), 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *h = parse_json(line);
		const char *keys[] = {"id", "kind", "date", "from", "to", "subject", "message_id",
				      "path", "sha256", "snippet"};
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!json_object_get(h, keys[i]))
				fail_msg("hit lacks '%s': %s", keys[i], line);
		assert_int_equal(strlen(json_string_value(json_object_get(h, "sha256"))), 64);
		json_decref(h);
		n++;
	}
	assert_int_equal(n, 5);
	free(out);
}

/* The raw bytes of an attachment and of a file hash to their recorded SHA-256. */
static void test_show_raw_matches_hash(void **state)
{
	const char *queries[] = {"scrimshaw", "gangplank type:word", "lighthousekeeper",
				 "grapnel", "type:email depth:1 sweetener"};
	size_t i;

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char *raw = NULL;
		json_t *h;
		long long id;
		const char *sha;

		h = first_hit(db, queries[i]);
		id = jint(h, "id");
		sha = json_string_value(json_object_get(h, "sha256"));
		assert_int_equal(run_cmd(&raw, NULL, "%s show --raw --archive '%s' %lld | sha256sum | cut -c1-64",
					 trawl_bin(), db, id), 0);
		if (strncmp(raw, sha, 64) != 0)
			fail_msg("raw bytes of id:%lld (%s) hash to %.64s, recorded %s", id, queries[i], raw, sha);
		json_decref(h);
		free(raw);
	}
}

static void test_show_json(void **state)
{
	char *out = NULL, *hits = NULL;
	json_t *h, *it;
	const char *mid;

	mid = json_string_value(json_object_get(json_object_get(expected, "edge_cases"), "no_date_header"));
	assert_int_equal(run_cmd(&hits, NULL, "%s search --json --archive '%s' -- 'mid:%s'", trawl_bin(),
				 db, mid), 0);
	h = parse_json(hits);
	assert_int_equal(run_cmd(&out, NULL, "%s show --json --archive '%s' %lld", trawl_bin(), db,
				 jint(h, "id")), 0);
	it = parse_json(out);
	assert_true(json_is_null(json_object_get(it, "date")));
	assert_true(json_is_array(json_object_get(it, "addresses")));
	assert_true(json_array_size(json_object_get(it, "addresses")) >= 2);
	assert_non_null(strstr(json_string_value(json_object_get(it, "text")), "flotsam"));
	json_decref(h);
	json_decref(it);
	free(out);
	free(hits);
	/* A missing item is exit status 3. */
	assert_int_equal(run_cmd(NULL, NULL, "%s show --archive '%s' 99999999", trawl_bin(), db), 3);
}

static void test_stats_json(void **state)
{
	char *out = NULL;
	json_t *s;

	assert_int_equal(run_cmd(&out, NULL, "%s stats --json --archive '%s'", trawl_bin(), db), 0);
	s = parse_json(out);
	/* 222 messages plus one forwarded inside another. */
	assert_int_equal(jint(s, "emails"), jint(json_object_get(expected, "messages"), "unique") + 1);
	assert_true(jint(s, "attachments") >= 50);
	assert_int_equal(jint(s, "errors"), 1);
	assert_true(jint(s, "duplicates") >= 5);
	json_decref(s);
	free(out);
}

/* The trawl program answers the reading commands without loading the
 * extraction libraries, and hands the others to trawl-full beside it; a
 * missing trawl-full is a clear error, not a crash.  It does load the
 * text layer (ICU, Snowball, CLD2): FTS5 calls the tokenizer `trawl` on
 * the words of every query it answers. */
static void test_front_and_full(void **state)
{
	char *out = NULL, *err = NULL, alone[700];

	assert_int_equal(run_cmd(&out, NULL, "readelf -d '%s' | grep NEEDED", trawl_bin()), 0);
	assert_non_null(strstr(out, "libsqlite3"));
	assert_non_null(strstr(out, "libicuuc"));
	assert_non_null(strstr(out, "libstemmer"));
	assert_null(strstr(out, "libicui18n"));
	assert_null(strstr(out, "libgmime"));
	assert_null(strstr(out, "libarchive"));
	assert_null(strstr(out, "libpst"));
	assert_null(strstr(out, "libxml2"));
	assert_null(strstr(out, "libmicrohttpd"));
	assert_null(strstr(out, "libfreetype")); /* MuPDF's */
	assert_null(strstr(out, "libexif"));
	assert_null(strstr(out, "libavformat"));
	assert_null(strstr(out, "libtesseract"));
	assert_null(strstr(out, "liblept"));
	free(out);
	/* The same answers from both programs. */
	assert_int_equal(run_cmd(&out, NULL, "%s stats --json --archive '%s'", trawl_bin(), db), 0);
	assert_int_equal(run_cmd(&err, NULL, "%s-full stats --json --archive '%s'", trawl_bin(), db), 0);
	assert_string_equal(out, err);
	free(out);
	free(err);
	/* Alone, the front still reads; other commands say what is missing. */
	snprintf(alone, sizeof(alone), "%s/alone", tmpdir());
	assert_int_equal(run_cmd(NULL, NULL, "mkdir -p '%s' && cp '%s' '%s/trawl'", alone, trawl_bin(), alone), 0);
	assert_int_equal(run_cmd(NULL, NULL, "'%s/trawl' search --count --archive '%s' flotsam", alone, db), 0);
	assert_int_equal(run_cmd(NULL, &err, "'%s/trawl' show --archive '%s' 1", alone, db), 1);
	assert_non_null(strstr(err, "trawl-full"));
	free(err);
}

static void test_charsets_decoded(void **state)
{
	/* Words from ISO-8859-1, Windows-1252 and KOI8-R bodies and an
	 * RFC 2047 subject come out as UTF-8 and are searchable. */
	assert_true(count("kjølhaling") >= 1);
	assert_true(count("ледокол") >= 1);
	assert_true(count("sweetener") >= 1);
	assert_true(count("subject:Sjøforklaring") >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ingest_accounts_for_every_input),
		cmocka_unit_test(test_duplicates_counted),
		cmocka_unit_test(test_planted_words_found),
		cmocka_unit_test(test_from_counts_match_headers),
		cmocka_unit_test(test_month_counts),
		cmocka_unit_test(test_query_language),
		cmocka_unit_test(test_words_and_languages),
		cmocka_unit_test(test_reindex),
		cmocka_unit_test(test_syntax_error_exit_2),
		cmocka_unit_test(test_search_json_fields),
		cmocka_unit_test(test_show_raw_matches_hash),
		cmocka_unit_test(test_show_json),
		cmocka_unit_test(test_stats_json),
		cmocka_unit_test(test_front_and_full),
		cmocka_unit_test(test_charsets_decoded),
		cmocka_unit_test(test_extension_mismatch),
		cmocka_unit_test(test_reingest_adds_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
