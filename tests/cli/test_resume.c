/*
 * test_resume.c - crash safety, resume, readers during ingest, progress.
 *
 * A corpus written by the test (loose messages with attachments, a large
 * mbox, the sample dump, and a PST from the corpora) is ingested once without interruption, and
 * once with SIGKILL at 10 random moments followed each time by the same
 * command.  Both archives must hold the same contents, items, errors and
 * answers to queries.  Searches and stats must answer while an ingest runs.
 */
#include <signal.h>
#include <time.h>

#include <sqlite3.h>

#include "clitest.h"

static char corpus[600];

static const char *words[] = {
	"tanker", "berth", "invoice", "harbour", "cargo", "crew", "captain", "fuel",
	"engine", "pilot", "customs", "manifest", "delay", "storm", "insurance", "claim",
	"broker", "charter", "freight", "dock", "crane", "ballast", "hull", "rudder",
};

static void write_message(FILE *f, unsigned *seed, int i, int attach)
{
	int k;

	fprintf(f, "From: user%d@example.com\nTo: desk%d@example.org\nSubject: report %d %s\n"
		   "Date: Mon, %d Mar 2014 %02d:%02d:00 +0000\nMessage-ID: <m%d@example.com>\n",
		i % 37, i % 11, i, words[i % 24], 1 + i % 28, i % 24, i % 60, i);
	if (attach)
		fprintf(f, "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
			   "Content-Type: text/plain\n\n");
	else
		fputc('\n', f);
	for (k = 0; k < 60; k++)
		fprintf(f, "%s%s", words[rand_r(seed) % 24], k % 12 == 11 ? "\n" : " ");
	fprintf(f, "\nserial%d\n", i);
	if (attach)
		fprintf(f, "--b\nContent-Type: text/csv; name=\"t%d.csv\"\n"
			   "Content-Disposition: attachment; filename=\"t%d.csv\"\n\nx,%d\n--b--\n",
			i % 50, i % 50, i % 50);
}

static int setup(void **state)
{
	char path[1400];
	unsigned seed = 42;
	int i;
	FILE *f;

	snprintf(corpus, sizeof(corpus), "%s/corpus", tmpdir());
	snprintf(path, sizeof(path), "mkdir -p '%s/loose' && cp -r examples/sample-dump '%s/'", corpus, corpus);
	if (system(path) != 0)
		return -1;
	/* A PST store too, split into messages like the mbox (from the
	 * corpora: no PST can be written here). */
	if (corpora_dir()) {
		snprintf(path, sizeof(path), "cp '%s/pst/src/test/resources/dist-list.pst' '%s/'",
			 corpora_dir(), corpus);
		if (system(path) != 0)
			return -1;
	} else {
		printf("SKIP (part): no corpora, the crash corpus has no PST\n");
	}
	for (i = 0; i < 3000; i++) {
		snprintf(path, sizeof(path), "%s/loose/%05d.eml", corpus, i);
		f = fopen(path, "w");
		if (!f)
			return -1;
		write_message(f, &seed, i, i % 3 == 0);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/big.mbox", corpus);
	f = fopen(path, "w");
	if (!f)
		return -1;
	for (i = 3000; i < 9000; i++) {
		fprintf(f, "From user%d@example.com Mon Mar  3 10:00:00 2014\n", i % 37);
		write_message(f, &seed, i, i % 5 == 0);
		fputc('\n', f);
	}
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	tmpdir_remove();
	return 0;
}

/* A fingerprint of an archive's content: sorted hits with their sha256 and
 * number of occurrences (ids, thread ids and which occurrence comes first
 * depend on timing), the stats, the error list, and query counts. */
static char *fingerprint(const char *db)
{
	char *hits = NULL, *stats = NULL, *errs = NULL, *counts = NULL, *fp;
	json_t *s;

	assert_int_equal(run_cmd(&hits, NULL,
				 "%s search --json --limit 0 --archive '%s' '*' | "
				 "sed 's/\"id\":[0-9]*,//; s/\"score\":[-0-9.e]*//; s/\"thread\":[0-9]*//;"
				 " s/\"path\":\"[^\"]*\"//' | sort | sha256sum",
				 trawl_bin(), db), 0);
	assert_int_equal(run_cmd(&stats, NULL, "%s stats --json --archive '%s'", trawl_bin(), db), 0);
	s = parse_json(stats);
	assert_int_equal(run_cmd(&errs, NULL,
				 "%s errors --json --archive '%s' | sed 's/\"id\":[0-9]*,//' | sort | sha256sum",
				 trawl_bin(), db), 0);
	assert_int_equal(run_cmd(&counts, NULL,
				 "for q in tanker 'cargo crew' '\"storm insurance\"' has:attachment 'from:user3@example.com' "
				 "'date:2014-03-05' serial4711 'filename:t7.csv'; do %s search --count --archive '%s' \"$q\"; done | tr '\\n' ' '",
				 trawl_bin(), db), 0);
	fp = malloc(8192);
	snprintf(fp, 8192, "hits %.64s items %lld emails %lld contents %lld dups %lld errors %lld attachments %lld errs %.64s counts %s",
		 hits, jint(s, "items"), jint(s, "emails"), jint(s, "contents"), jint(s, "duplicates"),
		 jint(s, "errors"), jint(s, "attachments"), errs, counts);
	json_decref(s);
	free(hits);
	free(stats);
	free(errs);
	free(counts);
	return fp;
}

static void test_kill_and_resume_gives_same_archive(void **state)
{
	char a[700], b[700], *fa, *fb, *out = NULL;
	unsigned seed = (unsigned)time(NULL);
	int k, killed = 0;
	json_t *s;

	snprintf(a, sizeof(a), "%s/a.db", tmpdir());
	snprintf(b, sizeof(b), "%s/b.db", tmpdir());
	assert_int_equal(run_cmd(&out, NULL, "%s ingest --json --archive '%s' '%s'", trawl_bin(), a, corpus), 0);
	s = parse_json(last_line(out));
	assert_true(jint(s, "seen") > 9000);
	json_decref(s);
	free(out);
	printf("kill points (ms):");
	for (k = 0; k < 10; k++) {
		int ms = 20 + (int)(rand_r(&seed) % 400), rc;

		printf(" %d", ms);
		/* timeout -s KILL: no chance to clean up, like a crash. */
		rc = run_cmd(NULL, NULL, "timeout -s KILL %d.%03d %s ingest --archive '%s' '%s' >/dev/null",
			     ms / 1000, ms % 1000, trawl_bin(), b, corpus);
		killed += rc == 137;
	}
	printf("; %d runs were killed\n", killed);
	assert_true(killed >= 5);
	assert_int_equal(run_cmd(&out, NULL, "%s ingest --json --archive '%s' '%s'", trawl_bin(), b, corpus), 0);
	s = parse_json(last_line(out));
	assert_int_equal(jint(s, "indexed") + jint(s, "duplicates") + jint(s, "errors"), jint(s, "seen"));
	json_decref(s);
	free(out);
	fa = fingerprint(a);
	fb = fingerprint(b);
	if (strcmp(fa, fb) != 0)
		fail_msg("archives differ after kills:\n  clean:   %s\n  resumed: %s", fa, fb);
	free(fa);
	free(fb);
}

static void test_readers_during_ingest(void **state)
{
	char db[700], *out = NULL;
	int i, answered = 0;
	double worst = 0;

	snprintf(db, sizeof(db), "%s/c.db", tmpdir());
	/* Start an ingest in the background and query it while it writes. */
	assert_int_equal(run_cmd(NULL, NULL, "%s ingest --archive '%s' examples/sample-dump >/dev/null",
				 trawl_bin(), db), 0);
	assert_int_equal(run_cmd(NULL, NULL, "(%s ingest --jobs 1 --archive '%s' '%s' >/dev/null 2>&1 &) ; sleep 0.2",
				 trawl_bin(), db, corpus), 0);
	for (i = 0; i < 20; i++) {
		struct timespec t0, t1;
		double ms;
		int rc;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = run_cmd(&out, NULL, "%s search --count --archive '%s' tanker", trawl_bin(), db);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		assert_int_equal(rc, 0);
		if (ms > worst)
			worst = ms;
		answered++;
		free(out);
		assert_int_equal(run_cmd(NULL, NULL, "%s stats --archive '%s' >/dev/null", trawl_bin(), db), 0);
	}
	printf("%d searches during ingest, slowest %.0f ms\n", answered, worst);
	/* Readers never wait for the writer's transactions. */
	assert_true(worst < 2000);
	run_cmd(NULL, NULL, "pkill -f 'ingest --jobs 1 --archive %s' ; sleep 0.5", db);
}

static void test_progress_json_reconciles(void **state)
{
	char db[700], *out = NULL, *line, *save = NULL;
	long long last_seen = -1;
	int progress_lines = 0, summaries = 0;

	snprintf(db, sizeof(db), "%s/d.db", tmpdir());
	assert_int_equal(run_cmd(&out, NULL, "%s ingest --progress=json --archive '%s' '%s'", trawl_bin(), db,
				 corpus), 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = parse_json(line);
		const char *ev = json_string_value(json_object_get(j, "event"));

		if (!strcmp(ev, "progress")) {
			assert_true(jint(j, "seen") >= last_seen);
			last_seen = jint(j, "seen");
			assert_true(jint(j, "indexed") + jint(j, "duplicates") + jint(j, "errors") <= jint(j, "seen"));
			if (jint(j, "bytes_total"))
				assert_true(jint(j, "bytes") + jint(j, "bytes_skipped") <= jint(j, "bytes_total"));
			progress_lines++;
		} else {
			assert_string_equal(ev, "summary");
			assert_int_equal(jint(j, "indexed") + jint(j, "duplicates") + jint(j, "errors"),
					 jint(j, "seen"));
			assert_true(jint(j, "seen") >= last_seen);
			assert_true(jint(j, "inputs_total") > 0);
			/* Bytes measure progress inside the mbox and the PST too:
			 * at the end they add up to what the counting walk found. */
			assert_int_equal(jint(j, "bytes") + jint(j, "bytes_skipped"), jint(j, "bytes_total"));
			summaries++;
		}
		json_decref(j);
	}
	assert_int_equal(summaries, 1);
	printf("%d progress lines\n", progress_lines);
	free(out);
	/* Nothing but the summary on a non-terminal without --progress. */
	assert_int_equal(run_cmd(&out, NULL, "%s ingest --archive '%s' '%s' 2>&1", trawl_bin(), db, corpus), 0);
	assert_true(count_lines(out) <= 4);
	assert_non_null(strstr(out, "ingest: 0 inputs seen"));
	free(out);
}

static long long count_in(const char *db, const char *q)
{
	char *out = NULL;
	long long n;

	assert_int_equal(run_cmd(&out, NULL, "%s search --count --archive '%s' -- '%s'", trawl_bin(), db, q), 0);
	n = strtoll(out, NULL, 10);
	free(out);
	return n;
}

/* A file that changed is replaced; contents its old version shared with
 * the new one must survive (they are "known" while being replaced). */
static void test_changed_files_replaced_without_loss(void **state)
{
	char db[700], dir[700], *out = NULL;
	long long emails, old_word;
	FILE *f;
	json_t *s;

	snprintf(dir, sizeof(dir), "%s/changing", tmpdir());
	snprintf(db, sizeof(db), "%s/e.db", tmpdir());
	assert_int_equal(run_cmd(NULL, NULL, "mkdir -p '%s' && cp -r examples/sample-dump '%s/'", dir, dir), 0);
	assert_int_equal(run_cmd(NULL, NULL, "%s ingest --archive '%s' '%s'", trawl_bin(), db, dir), 0);
	emails = count_in(db, "type:email");
	old_word = count_in(db, "path:archive-2014.mbox");
	assert_true(old_word > 60);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/sample-dump/mbox/archive-2014.mbox");
	f = fopen(dir, "a");
	assert_non_null(f);
	fputs("From x@y Mon Mar  3 10:00:00 2014\nFrom: x@y\nSubject: late\nMessage-ID: <late@x>\n\n"
	      "zeppelinhangar appended\n\n", f);
	fclose(f);
	assert_int_equal(run_cmd(&out, NULL, "%s ingest --json --archive '%s' '%s'", trawl_bin(), db,
				 strstr(dir, "/sample-dump") ? dir : dir), 0);
	s = parse_json(last_line(out));
	assert_int_equal(jint(s, "indexed"), 1); /* only the new message is new */
	json_decref(s);
	free(out);
	assert_int_equal(count_in(db, "type:email"), emails + 1);
	assert_int_equal(count_in(db, "path:archive-2014.mbox"), old_word + 1);
	assert_int_equal(count_in(db, "zeppelinhangar"), 1);
	/* Every hit still has an item behind it. */
	assert_int_equal(run_cmd(&out, NULL, "%s search --json --limit 0 --archive '%s' '*' | grep -c '\"id\":0,' ",
				 trawl_bin(), db), 1);
	free(out);
}

/* Rows of a table of the archive. */
static long long rows_in(const char *db, const char *table)
{
	char sql[200];
	sqlite3 *h;
	sqlite3_stmt *s;
	long long n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

static long long texts_in(const char *db)
{
	return rows_in(db, "texts");
}

/* Give file a (and b, if not NULL) a later time, so that they count as
 * changed, and ingest dir again. */
static void reingest(const char *db, const char *dir, int minutes, const char *a, const char *b)
{
	assert_int_equal(run_cmd(NULL, NULL, "touch -d '+%d min' '%s' %s%s%s && %s ingest --archive '%s' '%s'",
				 minutes, a, b ? "'" : "", b ? b : "", b ? "'" : "", trawl_bin(), db, dir),
			 0);
}

static void write_copy(const char *path, const char *folder, const char *word)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "From: ann@example.org\nTo: bob@example.org\nSubject: shared\n"
		   "Message-ID: <shared@example.org>\nX-Folder: %s\n"
		   "X-To: Bob the Recipient </O=EXAMPLE/CN=%s>\n\nthe %s body\n", folder, word, word);
	fclose(f);
}

/* Copies of a message filed in two folders share one text row and one
 * stored X-To value; when one copy changes, the other keeps them, and a
 * text or value nothing uses goes. */
static void test_copies_share_text(void **state)
{
	char db[700], dir[700], a[800], b[800], *out = NULL;

	snprintf(dir, sizeof(dir), "%s/copies", tmpdir());
	snprintf(db, sizeof(db), "%s/copies.db", tmpdir());
	snprintf(a, sizeof(a), "%s/inbox.eml", dir);
	snprintf(b, sizeof(b), "%s/sent.eml", dir);
	assert_int_equal(run_cmd(NULL, NULL, "mkdir -p '%s'", dir), 0);
	write_copy(a, "Inbox", "quokkaharbour");
	write_copy(b, "Sent", "quokkaharbour");
	assert_int_equal(run_cmd(NULL, NULL, "%s ingest --archive '%s' '%s'", trawl_bin(), db, dir), 0);
	assert_int_equal(count_in(db, "quokkaharbour"), 2);
	assert_int_equal(texts_in(db), 1);
	assert_int_equal(rows_in(db, "prop_values"), 1);
	/* Both hits carry the snippet of their shared text. */
	assert_int_equal(run_cmd(&out, NULL, "%s search --json --archive '%s' quokkaharbour"
					     " | grep -c 'quokkaharbour'", trawl_bin(), db), 0);
	assert_int_equal(strtoll(out, NULL, 10), 2);
	free(out);
	/* One copy changes (a later mtime, so it is re-read). */
	write_copy(a, "Inbox", "wombatcanyon");
	reingest(db, dir, 1, a, NULL);
	assert_int_equal(count_in(db, "quokkaharbour"), 1);
	assert_int_equal(count_in(db, "wombatcanyon"), 1);
	assert_int_equal(texts_in(db), 2);
	assert_int_equal(rows_in(db, "prop_values"), 2);
	/* The other copy changes the same way: the old text is gone. */
	write_copy(b, "Sent", "wombatcanyon");
	reingest(db, dir, 1, b, NULL);
	assert_int_equal(count_in(db, "quokkaharbour"), 0);
	assert_int_equal(count_in(db, "wombatcanyon"), 2);
	assert_int_equal(texts_in(db), 1);
	assert_int_equal(rows_in(db, "prop_values"), 1);
	/* The stored value reads back whole. */
	assert_int_equal(run_cmd(&out, NULL, "%s show --archive '%s' $(%s search --json --limit 1"
					     " --archive '%s' wombatcanyon | grep -o '\"id\":[0-9]*' | head -1"
					     " | cut -d: -f2) | grep -c 'CN=wombatcanyon'",
				 trawl_bin(), db, trawl_bin(), db), 0);
	free(out);
}

/* A message carrying an attached message, which carries inner.txt: the
 * attached message is a content with children, shared by two files. */
static void write_carrier(const char *path, const char *outer, int attach)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "From: ann@example.org\nTo: bob@example.org\nSubject: carrier %s\n"
		   "Message-ID: <%s@example.org>\nMIME-Version: 1.0\n"
		   "Content-Type: multipart/mixed; boundary=OUT\n\n"
		   "--OUT\nContent-Type: text/plain\n\n%s\n", outer, outer, outer);
	if (attach)
		fputs("--OUT\nContent-Type: message/rfc822\n\n"
		      "From: cy@example.org\nTo: dee@example.org\nSubject: inner\n"
		      "Message-ID: <inner@example.org>\nMIME-Version: 1.0\n"
		      "Content-Type: multipart/mixed; boundary=IN\n\n"
		      "--IN\nContent-Type: text/plain\n\nthe inner message\n"
		      "--IN\nContent-Type: text/plain; name=inner.txt\n"
		      "Content-Disposition: attachment; filename=inner.txt\n\nfennecdune\n"
		      "--IN--\n", f);
	fputs("--OUT--\n", f);
	fclose(f);
}

/* Which of a.eml and b.eml holds the first occurrence of the attached
 * message (the item its children hang from): 'a' or 'b'. */
static char holder(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	char who = '?';

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(h, "SELECT i.path FROM items i JOIN blobs b ON b.id=i.blob_id"
				  " WHERE i.parent_id IS NOT NULL AND i.dup=0 AND b.nchildren > 0",
			       -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(s, 0);

		who = strstr(p, "/a.eml!") ? 'a' : strstr(p, "/b.eml!") ? 'b' : '?';
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	return who;
}

/* When the files holding a content with children change, the children
 * stay: extracted again with the new version, or moved under another
 * file that still holds the content. */
static void test_shared_children_survive_changes(void **state)
{
	char db[700], dir[700], a[800], b[800], *path;
	char who;

	snprintf(dir, sizeof(dir), "%s/carriers", tmpdir());
	snprintf(db, sizeof(db), "%s/carriers.db", tmpdir());
	snprintf(a, sizeof(a), "%s/a.eml", dir);
	snprintf(b, sizeof(b), "%s/b.eml", dir);
	assert_int_equal(run_cmd(NULL, NULL, "mkdir -p '%s'", dir), 0);
	write_carrier(a, "alphaouter", 1);
	write_carrier(b, "bravoouter", 1);
	assert_int_equal(run_cmd(NULL, NULL, "%s ingest --archive '%s' '%s'", trawl_bin(), db, dir), 0);
	assert_int_equal(count_in(db, "fennecdune"), 1);
	/* Both files change, both still carry it. */
	write_carrier(a, "alphatwo", 1);
	write_carrier(b, "bravotwo", 1);
	reingest(db, dir, 1, a, b);
	assert_int_equal(count_in(db, "alphatwo OR bravotwo"), 2);
	assert_int_equal(count_in(db, "fennecdune"), 1);
	assert_int_equal(count_in(db, "filename:inner.txt"), 1);
	/* The file holding its children drops it: they move to the other. */
	who = holder(db);
	assert_true(who == 'a' || who == 'b');
	path = who == 'a' ? a : b;
	write_carrier(path, "dropped", 0);
	reingest(db, dir, 2, path, NULL);
	assert_int_equal(count_in(db, "fennecdune"), 1);
	assert_int_equal(holder(db), who == 'a' ? 'b' : 'a');
	assert_int_equal(run_cmd(NULL, NULL, "%s search --json --archive '%s' fennecdune"
					     " | grep -c '%s!/'", trawl_bin(), db,
				 who == 'a' ? "/b.eml" : "/a.eml"), 0);
	/* The other drops it too: it is gone. */
	write_carrier(who == 'a' ? b : a, "droppedtoo", 0);
	reingest(db, dir, 3, who == 'a' ? b : a, NULL);
	assert_int_equal(count_in(db, "fennecdune"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_children_survive_changes),
		cmocka_unit_test(test_copies_share_text),
		cmocka_unit_test(test_progress_json_reconciles),
		cmocka_unit_test(test_readers_during_ingest),
		cmocka_unit_test(test_kill_and_resume_gives_same_archive),
		cmocka_unit_test(test_changed_files_replaced_without_loss),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
