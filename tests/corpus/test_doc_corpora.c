/*
 * test_doc_corpora.c - ingest the real document corpora in
 * ../shared/corpora (Tika's test documents, broken PDFs and zips, PST
 * files, Enron mailboxes with their original attachments): every file
 * ends as indexed, duplicate or error with a reason, the ingest never
 * crashes or hangs, and words inside documents are found with a family
 * path back to the file on disk.  Skipped, with a message, where the
 * corpora are absent.
 */
#include <sys/resource.h>

#include "clitest.h"

/* Ingest a folder; every file on disk must be accounted for. */
static json_t *ingest_all(const char *name, const char *dir, const char *db)
{
	char *out = NULL, *err = NULL, *files = NULL;
	long long nfiles;
	json_t *s;
	struct rusage ru;
	int rc;

	assert_int_equal(run_cmd(&files, NULL, "find '%s' -type f | wc -l", dir), 0);
	nfiles = strtoll(files, NULL, 10);
	free(files);
	rc = run_cmd(&out, &err, "%s ingest --json --archive '%s' '%s'", trawl_bin(), db, dir);
	if (rc != 0)
		fail_msg("%s: ingest exited %d: %.2000s", name, rc, err);
	s = parse_json(last_line(out));
	assert_int_equal(jint(s, "indexed") + jint(s, "duplicates") + jint(s, "errors"), jint(s, "seen"));
	/* An mbox counts its messages instead of itself, so never fewer. */
	if (jint(s, "seen") < nfiles)
		fail_msg("%s: %lld files on disk but only %lld inputs seen", name, nfiles, jint(s, "seen"));
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("%s: %lld files, %lld seen: %lld indexed, %lld duplicates, %lld errors; %lld items, "
	       "%lld item errors; %.1f s; peak RSS of children so far %ld MB\n",
	       name, nfiles, jint(s, "seen"), jint(s, "indexed"), jint(s, "duplicates"),
	       jint(s, "errors"), jint(s, "items"), jint(s, "item_errors"),
	       json_real_value(json_object_get(s, "seconds")), ru.ru_maxrss / 1024);
	errors_have_reasons(db);
	free(out);
	free(err);
	return s;
}

/* `query` must hit an item of type `type` whose family path starts with a
 * file under `under`. */
static void found(const char *db, const char *query, const char *under)
{
	json_t *h = first_hit(db, query);
	const char *path = json_string_value(json_object_get(h, "path"));

	if (!path || !strstr(path, under))
		fail_msg("'%s' hit %s, not under %s", query, path ? path : "(no path)", under);
	json_decref(h);
}

/* The metadata value `key` of the first hit of `query` must be `want`. */
static void meta_is(const char *db, const char *query, const char *key, const char *want)
{
	char *out = NULL;
	json_t *item;
	const char *v;
	long long id = first_hit_id(db, query);

	assert_int_equal(run_cmd(&out, NULL, "%s show --json --archive '%s' %lld", trawl_bin(), db, id), 0);
	item = parse_json(out);
	v = json_string_value(json_object_get(json_object_get(item, "metadata"), key));
	if (!v || strcmp(v, want) != 0)
		fail_msg("%s: %s is \"%s\", want \"%s\"", query, key, v ? v : "(none)", want);
	json_decref(item);
	free(out);
}

static void test_tika_documents(void **state)
{
	char dir[1024], db[700];
	json_t *s;

	NEED_CORPORA();
	snprintf(dir, sizeof(dir), "%s/tika-test-documents", ct_corpora);
	snprintf(db, sizeof(db), "%s/tika.db", tmpdir());
	s = ingest_all("tika-test-documents", dir, db);
	/* Text from each family the extractors cover (the files are Tika's
	 * own test documents; the words were read off them by eye). */
	found(db, "type:pdf", "tika-test-documents");
	found(db, "type:word ext:docx", "tika-test-documents");
	found(db, "type:spreadsheet ext:xlsx", "tika-test-documents");
	found(db, "type:presentation ext:pptx", "tika-test-documents");
	found(db, "type:word ext:doc", "tika-test-documents");
	found(db, "type:spreadsheet ext:xls", "tika-test-documents");
	found(db, "ext:rtf", "tika-test-documents");
	found(db, "kind:member", "tika-test-documents");
	/* Images and audio give their metadata (EXIF, XMP, IPTC; libavformat)
	 * instead of an "unsupported" error. */
	found(db, "type:image ext:jpg", "tika-test-documents");
	found(db, "type:audio", "tika-test-documents");
	found(db, "author:\"Some Tourist\"", "testJPEG_commented"); /* XMP dc:creator */
	meta_is(db, "filename:testJPEG_GEO_2.jpg", "camera_model", "Nexus S");
	meta_is(db, "filename:testJPEG_GEO_2.jpg", "gps_latitude", "51.575762");
	meta_is(db, "filename:testJPEG_GEO_2.jpg", "gps_longitude", "-1.567886");
	meta_is(db, "filename:testJPEG_EXIF.jpg", "camera_model", "Canon EOS 40D");
	/* EXIF's copyright is "(c) ?????? ?????????"; IPTC has the letters. */
	meta_is(db, "filename:testJPEG_EXIF.jpg", "copyright", "(c) Максим Валянский");
	meta_is(db, "filename:testTIFF.tif", "pages", "1");
	meta_is(db, "filename:testGIF.gif", "width", "100");
	{
		char *out = NULL;

		assert_int_equal(run_cmd(&out, NULL, "%s errors --archive '%s'", trawl_bin(), db), 0);
		if (strstr(out, "no extractor for image/jpeg") || strstr(out, "no extractor for image/png") ||
		    strstr(out, "no extractor for image/tiff") || strstr(out, "no extractor for image/gif") ||
		    strstr(out, "no extractor for audio/"))
			fail_msg("an image or audio file is still unsupported:\n%.3000s", out);
		free(out);
	}
	json_decref(s);
}

static void test_malformed_and_pst(void **state)
{
	char dir[1024], db[700];
	json_t *s;

	NEED_CORPORA();
	snprintf(dir, sizeof(dir), "%s/malformed", ct_corpora);
	snprintf(db, sizeof(db), "%s/malformed.db", tmpdir());
	s = ingest_all("malformed", dir, db);
	assert_true(jint(s, "errors") + jint(s, "item_errors") > 0); /* they are broken on purpose */
	json_decref(s);
	snprintf(dir, sizeof(dir), "%s/pst", ct_corpora);
	snprintf(db, sizeof(db), "%s/pst.db", tmpdir());
	s = ingest_all("pst", dir, db);
	found(db, "kind:message type:email", "/pst/");
	json_decref(s);
}

static void test_enron_attachments(void **state)
{
	char dir[700], db[700];
	json_t *s;

	NEED_CORPORA();
	snprintf(dir, sizeof(dir), "%s/enronhtml", tmpdir());
	snprintf(db, sizeof(db), "%s/enronhtml.db", tmpdir());
	assert_int_equal(run_cmd(NULL, NULL, "mkdir -p '%s' && zstd -dc '%s'/enron-archive-html-attachments/*.tar.zst | tar -x -C '%s'",
				 dir, ct_corpora, dir), 0);
	s = ingest_all("enron-archive-html-attachments", dir, db);
	found(db, "type:word ext:doc", "enronhtml");
	found(db, "type:spreadsheet ext:xls", "enronhtml");
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_and_pst),
		cmocka_unit_test(test_tika_documents),
		cmocka_unit_test(test_enron_attachments),
	};

	return cmocka_run_group_tests(tests, corpus_setup, corpus_teardown);
}
