/*
 * test_ocr.c - OCR (lib/extract/ocr.c) on the scans of
 * tests/fixtures/gen_media.sh: planted words come back from a PNG page, a
 * decoded PIX and both pages of a CCITT G4 TIFF, pages turned sideways and upside
 * down are put upright first, the pixel limit refuses a page before it is
 * decoded, a cancelled run stops, a missing language is an error, and
 * Tesseract starts no OpenMP threads.  Skipped without the English data.
 */
#include <dirent.h>

#include <leptonica/allheaders.h>

#include "mediafix.h"

static int have_eng;

static int setup(void **state)
{
	tw_ocr_opts o = {0};
	tw_ocr_result r;
	unsigned char px[] = "P1\n1 1\n0\n";

	if (mediafix_setup(state) != 0)
		return -1;
	/* A 1-pixel PBM: cheap way to learn whether "eng" loads. */
	have_eng = tw_ocr_image(px, sizeof(px) - 1, &o, &r) != TRAWL_EUNSUPPORTED ||
		   !strstr(r.error, "language");
	tw_ocr_result_release(&r);
	return 0;
}

static int teardown(void **state)
{
	tw_ocr_thread_release();
	return mediafix_teardown(state);
}

#define NEED_OCR()                                                                \
	do {                                                                      \
		NEED_FIXTURES();                                                  \
		if (!have_eng) {                                                  \
			printf("SKIP: tesseract-ocr-eng not installed\n");        \
			skip();                                                   \
		}                                                                 \
	} while (0)

static void ocr_fixture(const char *name, const tw_ocr_opts *o, tw_ocr_result *r,
			trawl_status want)
{
	size_t len = 0;
	unsigned char *d = fixture(name, &len);
	trawl_status st = tw_ocr_image(d, len, o, r);

	free(d);
	if (st != want)
		fail_msg("%s: status %s, want %s (%s)", name, trawl_status_str(st),
			 trawl_status_str(want), r->error);
}

static void assert_words(const tw_ocr_result *r, const char *a, const char *b)
{
	if (!r->text || !strstr(r->text, a) || (b && !strstr(r->text, b)))
		fail_msg("OCR text lacks \"%s\"/\"%s\": <<%s>>", a, b ? b : "",
			 r->text ? r->text : "");
}

static void test_png_page(void **state)
{
	tw_ocr_opts o = {0};
	tw_ocr_result r;

	(void)state;
	NEED_OCR();
	ocr_fixture("page1.png", &o, &r, TRAWL_OK);
	assert_words(&r, "Zebulon", "Marmoset");
	assert_int_equal(r.pages, 1);
	assert_true(r.confidence >= 60);
	tw_ocr_result_release(&r);
}

/* A page already decoded (as a PDF page rendered by MuPDF will be). */
static void test_pix(void **state)
{
	tw_ocr_opts o = {0};
	tw_ocr_result r;
	size_t len = 0;
	unsigned char *d;
	PIX *pix;

	(void)state;
	NEED_OCR();
	d = fixture("page2.png", &len);
	pix = pixReadMem(d, len);
	free(d);
	assert_non_null(pix);
	assert_int_equal(tw_ocr_pix(pix, &o, &r), TRAWL_OK);
	assert_words(&r, "Tangerine", "Platypus");
	tw_ocr_result_release(&r);
	pixDestroy(&pix);
}

static void test_tiff_g4_every_page(void **state)
{
	tw_ocr_opts o = {.osd = 1};
	tw_ocr_result r;

	(void)state;
	NEED_OCR();
	ocr_fixture("scan_g4.tif", &o, &r, TRAWL_OK);
	assert_int_equal(r.pages, 2);
	assert_words(&r, "Zebulon", "Tangerine");
	assert_true(strstr(r.text, "Zebulon") < strstr(r.text, "Tangerine"));
	tw_ocr_result_release(&r);
}

static void test_rotated_pages(void **state)
{
	static const char *names[] = {"rotated90.png", "rotated180.png"};
	tw_ocr_opts o = {.osd = 1};
	tw_ocr_result r;
	size_t i;

	(void)state;
	NEED_OCR();
	for (i = 0; i < TW_ARRAY_LEN(names); i++) {
		ocr_fixture(names[i], &o, &r, TRAWL_OK);
		assert_int_equal(r.rotated, 1);
		assert_words(&r, "Quixotic", "walrus");
		tw_ocr_result_release(&r);
	}
}

static void test_limits(void **state)
{
	tw_ocr_opts o = {0};
	tw_ocr_result r;

	(void)state;
	NEED_OCR();
	/* 200000 x 200000 declared: refused before anything is allocated. */
	ocr_fixture("bomb.png", &o, &r, TRAWL_ELIMIT);
	tw_ocr_result_release(&r);
	o.max_pixels = 1000;
	ocr_fixture("scan_g4.tif", &o, &r, TRAWL_ELIMIT);
	assert_int_equal(r.pages, 0);
	assert_int_equal(r.pages_failed, 2);
	tw_ocr_result_release(&r);
	ocr_fixture("truncated.tif", &o, &r, TRAWL_ECORRUPT);
	tw_ocr_result_release(&r);
}

static int cancel_now(void *ud)
{
	(void)ud;
	return 1;
}

static void test_cancel(void **state)
{
	tw_ocr_opts o = {.cancel = cancel_now};
	tw_ocr_result r;

	(void)state;
	NEED_OCR();
	ocr_fixture("scan_g4.tif", &o, &r, TRAWL_ELIMIT);
	assert_true(r.pages_failed >= 1);
	tw_ocr_result_release(&r);
}

static void test_missing_language(void **state)
{
	tw_ocr_opts o = {.langs = "xqz"};
	tw_ocr_result r;

	(void)state;
	NEED_OCR();
	ocr_fixture("page1.png", &o, &r, TRAWL_EUNSUPPORTED);
	assert_non_null(strstr(r.error, "xqz"));
	tw_ocr_result_release(&r);
}

static int nthreads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* One OCR thread is one thread: no OpenMP pool behind it. */
static void test_no_openmp_threads(void **state)
{
	tw_ocr_opts o = {0};
	tw_ocr_result r;
	int before;

	(void)state;
	NEED_OCR();
	before = nthreads();
	ocr_fixture("page2.png", &o, &r, TRAWL_OK);
	assert_words(&r, "Tangerine", "Platypus");
	assert_int_equal(nthreads(), before);
	tw_ocr_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_png_page),
		cmocka_unit_test(test_pix),
		cmocka_unit_test(test_tiff_g4_every_page),
		cmocka_unit_test(test_rotated_pages),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_missing_language),
		cmocka_unit_test(test_no_openmp_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
