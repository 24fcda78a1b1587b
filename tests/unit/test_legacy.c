/*
 * test_legacy.c - the legacy Office extractor (lib/extract/ole.c with doc.c,
 * xls.c and ppt.c) on the OLE2 fixtures of tests/fixtures/gen_docs3.py: a
 * Word 97 piece table with 8-bit and UTF-16 pieces, fields and table marks,
 * an embedded package and its retrieval by locator; Word 6; a BIFF8 workbook
 * (shared strings split over CONTINUE, RK, MULRK, formulas, booleans, dates);
 * a PowerPoint record tree; Summary Information properties; encrypted Word,
 * Excel and OOXML; an Outlook message it must leave to msg.c; an unknown
 * OLE2 kind; damaged and mutated files.  Then real documents of the shared
 * corpora (skipped, with a message, when ../shared/corpora is absent).  Run
 * from the repository root.
 */
#include <pthread.h>

#define FIX "tests/fixtures/docs3/"
#define FIXTURE_DIR FIX
#include "fixture.h"
#define TIKA "tika-test-documents/tika-parsers/tika-parsers-standard/" \
	"tika-parsers-standard-modules/tika-parser-microsoft-module/src/test/" \
	"resources/test-documents/"

static const tw_err *find_error(const tw_node *n, trawl_status st)
{
	size_t i;

	for (i = 0; i < n->nerrs; i++)
		if (n->errs[i].status == st)
			return &n->errs[i];
	fail_msg("no error of status %d on %s", (int)st, n->name ? n->name : "?");
	return NULL;
}

/* Extractor threads reach libgsf's document metadata at the same moment,
 * in a process where nothing used it before (this runs first): the lazy
 * registration of its types must not race (it corrupted GLib's table of
 * GValue transforms once). */
struct first_use {
	pthread_barrier_t *go;
	const unsigned char *data;
	size_t len;
	int ok;
};

static void *first_use_thread(void *p)
{
	struct first_use *f = p;
	tw_node *n;
	size_t i;

	pthread_barrier_wait(f->go);
	n = extract_mem("word97.doc", f->data, f->len);
	for (i = 0; n && i < n->nprops; i++)
		if (!strcmp(n->props[i].key, "created") &&
		    !strcmp(n->props[i].value, "2001-05-03T10:30:00Z"))
			f->ok = 1;
	tw_node_free(n);
	return NULL;
}

static void test_threads_first_use(void **state)
{
	enum { N = 8 };
	pthread_barrier_t go;
	pthread_t th[N];
	struct first_use f[N];
	size_t len = 0;
	unsigned char *d = fixture("word97.doc", &len);
	int i;

	pthread_barrier_init(&go, NULL, N);
	for (i = 0; i < N; i++) {
		f[i] = (struct first_use){&go, d, len, 0};
		assert_int_equal(pthread_create(&th[i], NULL, first_use_thread, &f[i]), 0);
	}
	for (i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	for (i = 0; i < N; i++)
		assert_true(f[i].ok);
	free(d);
}

static void test_word97(void **state)
{
	tw_node *n = load("word97.doc"), *c;

	assert_string_equal(n->type, "word");
	assert_int_equal(n->nerrs, 0);
	/* the 8-bit piece, in cp1252 */
	assert_text(n, "Word fixture with the planted word pangolin. "
		       "Caf\xc3\xa9 cr\xc3\xa8me \xe2\x82\xac 10\n");
	/* the UTF-16 piece, a surrogate pair included */
	assert_text(n, "Cyrillic \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 and "
		       "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9d\x84\x9e clef\n");
	/* a field: its result, not its code */
	assert_text(n, "See the link text here.\n");
	assert_no_text(n, "HYPERLINK");
	/* cell marks: tabs, and a row end */
	assert_text(n, "cell-a\tcell-b\ncell-c\tcell-d\n");
	assert_text(n, "Line\nbreak and tab\there\n");
	assert_text(n, "Object mark gone");
	assert_prop(n, "title", "Word Fixture Title");
	assert_prop(n, "subject", "Fixture subject");
	assert_prop(n, "author", "Wanda Writer");
	assert_prop(n, "last_modified_by", "Larry Last");
	assert_prop(n, "creator", "Microsoft Word 9.0");
	assert_prop(n, "company", "Fixture Corp");
	assert_prop(n, "created", "2001-05-03T10:30:00Z");
	assert_prop(n, "modified", "2002-06-04T11:45:00Z");
	assert_prop(n, "pages", "2");
	assert_prop(n, "words", "33");
	/* the ObjectPool package */
	assert_int_equal(n->nchildren, 1);
	c = n->first_child;
	assert_string_equal(c->kind, "attachment");
	assert_string_equal(c->name, "quokka.txt");
	assert_string_equal(c->locator, "object:1");
	assert_text(c, "planted word quokka");
	tw_node_free(n);
}

static void test_word97_locate(void **state)
{
	static const char want[] = "Embedded package text with the planted word quokka.\n";
	const char *loc[] = {"object:1"};
	tw_buf found;
	size_t len = 0;
	unsigned char *d = fixture("word97.doc", &len);

	locate_mem("word97.doc", d, len, loc, 1, &found);
	assert_int_equal(found.len, strlen(want));
	assert_memory_equal(found.data, want, found.len);
	tw_buf_release(&found);
	free(d);
}

static void test_word6(void **state)
{
	tw_node *n = load("word6.doc");

	assert_string_equal(n->type, "word");
	assert_text(n, "Word six text with the planted word tapir.\nSecond para\n");
	tw_node_free(n);
}

static void test_word_encrypted(void **state)
{
	tw_node *n = load("word97_encrypted.doc");
	const tw_err *e = find_error(n, TRAWL_EENCRYPTED);

	assert_string_equal(e->stage, "decrypt");
	assert_int_equal(n->text.len, 0);
	assert_prop(n, "author", "Wanda Writer"); /* properties are not encrypted */
	tw_node_free(n);
}

static void test_word_badclx(void **state)
{
	tw_node *n = load("word97_badclx.doc");

	assert_non_null(find_error(n, TRAWL_ECORRUPT));
	assert_prop(n, "title", "Word Fixture Title");
	tw_node_free(n);
}

static void test_xls(void **state)
{
	tw_node *n = load("biff8.xls");

	assert_string_equal(n->type, "spreadsheet");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Sheet: Data\n"
		       "Header zebra\t\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0\tHeader zebra\n"
		       "3.5\t42\t12.34\n"
		       "7\t8\n"
		       "Formula result ocelot\t99.25\tTRUE\n"
		       "2001-05-03\t2002-06-03 12:00:00\tInline label\n"
		       "Rich armadillo\tPhonetic ext\tSplit string start \xc3\xbc" "ber end\n");
	assert_text(n, "Sheet: Second\nSheet two walrus\n");
	assert_prop(n, "title", "Excel Fixture Title");
	assert_prop(n, "author", "Xavier Excel");
	assert_prop(n, "sheets", "2");
	tw_node_free(n);
}

static void test_xls_encrypted(void **state)
{
	tw_node *n = load("biff8_encrypted.xls");
	const tw_err *e = find_error(n, TRAWL_EENCRYPTED);

	assert_string_equal(e->stage, "decrypt");
	assert_no_text(n, "zebra");
	tw_node_free(n);
}

static void test_ppt(void **state)
{
	tw_node *n = load("slides.ppt");
	const char *first;

	assert_string_equal(n->type, "presentation");
	assert_int_equal(n->nerrs, 0);
	assert_text(n, "Quarterly results for the aardvark team\n");
	assert_text(n, "Revenue grew\nby twelve percent\n");
	assert_text(n, "Cyrillic \xd1\x81\xd0\xbb\xd0\xb0\xd0\xb9\xd0\xb4");
	assert_text(n, "Presenter named Bartholomew");
	assert_text(n, "Master footer capybara");
	assert_no_text(n, "Click to edit");  /* master placeholder boilerplate */
	assert_no_text(n, "___PPT10");       /* tags */
	/* the stale copy of the slide text is not repeated */
	first = strstr(n->text.data, "aardvark");
	assert_null(strstr(first + 1, "aardvark"));
	assert_prop(n, "title", "PowerPoint Fixture Title");
	assert_prop(n, "author", "Pam Presenter");
	tw_node_free(n);
}

static void test_encrypted_ooxml(void **state)
{
	tw_node *n = load("encrypted_ooxml.docx");
	const tw_err *e = find_error(n, TRAWL_EENCRYPTED);

	assert_string_equal(e->stage, "decrypt");
	assert_non_null(strstr(e->message, "encrypted with a password"));
	assert_string_equal(n->type, "word");
	tw_node_free(n);
}

static void test_accepts(void **state)
{
	static const unsigned char txt[] = "plain text";
	size_t len = 0;
	unsigned char *d = fixture("outlook.msg", &len);

	/* Outlook messages are OLE2 too, but msg.c's */
	assert_false(tw_extractor_legacy.accepts("application/x-ole-storage", "msg", d, len));
	assert_false(tw_extractor_legacy.accepts("application/vnd.ms-outlook", NULL, d, len));
	free(d);
	d = fixture("word97.doc", &len);
	assert_true(tw_extractor_legacy.accepts("application/msword", "doc", d, len));
	assert_true(tw_extractor_legacy.accepts("application/octet-stream", NULL, d, len));
	/* only the head of a large file: the magic decides */
	assert_true(tw_extractor_legacy.accepts("application/msword", "doc", d, 600));
	free(d);
	assert_false(tw_extractor_legacy.accepts("application/msword", "doc", txt, 10));
}

static void test_unsupported(void **state)
{
	tw_node *n = load("visio_like.vsd");
	const tw_err *e = find_error(n, TRAWL_EUNSUPPORTED);

	assert_string_equal(e->stage, "detect");
	assert_non_null(strstr(e->message, "VisioDocument"));
	assert_prop(n, "title", "Drawing Title");
	assert_prop(n, "author", "Vera Visio");
	tw_node_free(n);
}

/* Cut and mutated files: errors, never crashes. */
static void test_damaged(void **state)
{
	static const char *const names[] = {
		"word97.doc", "biff8.xls", "slides.ppt", "word6.doc",
	};
	size_t i, k, len = 0, cut;
	uint32_t x = 2024;

	for (i = 0; i < TW_ARRAY_LEN(names); i++) {
		unsigned char *d = fixture(names[i], &len);
		unsigned char *m = malloc(len);

		assert_non_null(m);
		for (cut = 8; cut < len; cut += len / 7) {
			tw_node *n = extract_mem(names[i], d, cut);

			tw_node_free(n);
		}
		for (k = 0; k < 200; k++) {
			size_t j, flips = 1 + k % 16;
			tw_node *n;

			memcpy(m, d, len);
			for (j = 0; j < flips; j++) {
				x = x * 1103515245u + 12345u;
				/* keep the header sector mostly intact so that the
				 * record parsers, not just libgsf, see the damage */
				m[512 + (x >> 8) % (len - 512)] = (unsigned char)(x >> 20);
			}
			n = extract_mem(names[i], m, len);
			tw_node_free(n);
		}
		free(m);
		free(d);
	}
	{
		/* OLE magic then noise */
		unsigned char *g = malloc(65536);
		tw_node *n;

		assert_non_null(g);
		for (k = 0; k < 65536; k++) {
			x = x * 1103515245u + 12345u;
			g[k] = (unsigned char)(x >> 16);
		}
		memcpy(g, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
		n = extract_mem("noise.doc", g, 65536);
		assert_true(n->nerrs > 0);
		tw_node_free(n);
		free(g);
	}
}

/* ---------------------------------------------------------------- corpus */

static void test_corpus_word(void **state)
{
	tw_node *n = corpus_node(TIKA "testWORD_various.doc");

	if (!n)
		skip();
	assert_text(n, "Row 1 Col 1\tRow 1 Col 2\tRow 1 Col 3\n");
	assert_text(n, "Here is a numbered list:");
	/* ゾルゲと尾崎、淡々と最期 and the Gothic 𐌲𐌿𐍄 */
	assert_text(n, "\xe3\x82\xbe\xe3\x83\xab\xe3\x82\xb2\xe3\x81\xa8\xe5\xb0\xbe\xe5\xb4\x8e");
	assert_text(n, "\xf0\x90\x8c\xb2\xf0\x90\x8c\xbf\xf0\x90\x8d\x84");
	assert_prop(n, "author", "Michael McCandless");
	assert_prop(n, "subject", "Subject is here");
	tw_node_free(n);

	n = corpus_node(TIKA "testWORD_protected_passtika.doc");
	assert_non_null(n);
	assert_non_null(find_error(n, TRAWL_EENCRYPTED));
	tw_node_free(n);

	n = corpus_node(TIKA "testWORD_embeded.doc");
	assert_non_null(n);
	assert_true(n->nchildren >= 3);
	tw_node_free(n);
}

static void test_corpus_excel(void **state)
{
	tw_node *n = corpus_node(TIKA "testEXCEL.xls");

	if (!n)
		skip();
	assert_text(n, "Sheet: Feuil1\nSample Excel Worksheet - Numbers and their Squares\n"
		       "Number\tSquare\n1\t1\n");
	assert_text(n, "15\t225\n");
	assert_prop(n, "title", "Simple Excel document");
	assert_prop(n, "author", "Keith Bennett");
	tw_node_free(n);

	n = corpus_node(TIKA "testEXCEL_dateFormats.xls");
	assert_non_null(n);
	assert_text(n, "2018-09-20");
	tw_node_free(n);

	n = corpus_node(TIKA "testEXCEL_phonetic.xls");
	assert_non_null(n);
	assert_text(n, "\xe8\xb1\x8a\xe7\x94\xb0\xe8\xbb\x8a\xe4\xbc\x9a\xe7\xa4\xbe"); /* 豊田車会社 */
	tw_node_free(n);

	n = corpus_node("tika-test-documents/tika-server/tika-server-standard/src/test/"
		   "resources/test-documents/password.xls");
	assert_non_null(n);
	assert_non_null(find_error(n, TRAWL_EENCRYPTED));
	tw_node_free(n);
}

static void test_corpus_ppt(void **state)
{
	tw_node *n = corpus_node(TIKA "testPPT.ppt");

	if (!n)
		skip();
	assert_text(n, "Sample Powerpoint Slide\n");
	assert_text(n, "Powerpoint X for Mac");
	assert_prop(n, "title", "Sample Powerpoint Slide");
	tw_node_free(n);

	n = corpus_node(TIKA "testPPT_masterText.ppt");
	assert_non_null(n);
	assert_text(n, "Text that I added to the master slide");
	tw_node_free(n);

	n = corpus_node(TIKA "testPPT_protected_passtika.ppt");
	assert_non_null(n);
	assert_non_null(find_error(n, TRAWL_EENCRYPTED));
	tw_node_free(n);

	n = corpus_node(TIKA "testPPT_EmbeddedPDF.ppt");
	assert_non_null(n);
	assert_true(n->nchildren >= 1);
	assert_string_equal(n->first_child->mime, "application/pdf");
	tw_node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_first_use), /* first: see there */
		cmocka_unit_test(test_word97),
		cmocka_unit_test(test_word97_locate),
		cmocka_unit_test(test_word6),
		cmocka_unit_test(test_word_encrypted),
		cmocka_unit_test(test_word_badclx),
		cmocka_unit_test(test_xls),
		cmocka_unit_test(test_xls_encrypted),
		cmocka_unit_test(test_ppt),
		cmocka_unit_test(test_encrypted_ooxml),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_corpus_word),
		cmocka_unit_test(test_corpus_excel),
		cmocka_unit_test(test_corpus_ppt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
