/*
 * test_image.c - the image extractor (lib/extract/image.c) on the fixtures
 * of tests/fixtures/gen_media.sh: EXIF camera, date taken (UTC when the
 * zone is known, as written otherwise), signed GPS coordinates and
 * altitude, orientation, XMP and IPTC fields, Windows' UTF-16 XP tags,
 * sizes read from the headers
 * of every format, TIFF pages and compression, and hostile files: a
 * declared pixel bomb, a truncated TIFF, a scrambled EXIF block, and
 * garbage after each format's magic.  Run from the repository root.
 */
#include "mediafix.h"

static void test_geotagged_jpeg(void **state)
{
	tw_node *n;

	(void)state;
	NEED_FIXTURES();
	n = extract_fixture("geo.jpg");
	assert_string_equal(n->type, "image");
	assert_int_equal(n->nerrs, 0); /* no "unsupported" any more */
	assert_prop(n, "camera_make", "Acme");
	assert_prop(n, "camera_model", "TestCam9");
	assert_prop(n, "created", "2019-05-01T10:34:56Z"); /* 12:34:56 at +02:00 */
	assert_prop(n, "gps_latitude", "48.858400");
	assert_prop(n, "gps_longitude", "-2.294500"); /* west */
	assert_prop(n, "gps_altitude", "35.5");
	assert_prop(n, "orientation", "6");
	assert_prop(n, "author", "Jane Roe");
	assert_prop(n, "creator", "PhotoTool 3");
	assert_prop(n, "title", "Harbour at dawn");     /* XMP */
	assert_prop(n, "keywords", "harbour; dawn");    /* IPTC */
	assert_prop(n, "width", "320");
	assert_prop(n, "height", "240");
	tw_node_free(n);
}

static void test_date_without_zone(void **state)
{
	tw_node *n;

	(void)state;
	NEED_FIXTURES();
	n = extract_fixture("nozone.jpg");
	/* No zone: the value as written, not a made-up instant. */
	assert_prop(n, "created", "2001:02:03 04:05:06");
	assert_prop(n, "gps_latitude", "-33.500000"); /* south */
	assert_prop(n, "gps_longitude", "151.250000");
	assert_prop(n, "gps_altitude", "-12.0");      /* below sea level */
	tw_node_free(n);
}

static void test_xmp_and_iptc_only(void **state)
{
	tw_node *n;

	(void)state;
	NEED_FIXTURES();
	n = extract_fixture("xmp.jpg");
	assert_prop(n, "author", "Xavier Mp");
	assert_prop(n, "description", "a grey square");
	assert_prop(n, "created", "2015-06-07T13:09:10Z"); /* -05:00 */
	assert_prop(n, "title", "Iptc Title");
	assert_no_prop(n, "camera_make");
	tw_node_free(n);
}

static void test_windows_tags(void **state)
{
	tw_node *n;

	(void)state;
	NEED_FIXTURES();
	n = extract_fixture("xp.jpg");
	assert_prop(n, "author", "Ünïcode Author"); /* from UTF-16 */
	assert_prop(n, "title", "Windows Title");
	assert_prop(n, "keywords", "alpha;beta");
	assert_prop(n, "comment", "a user comment");
	tw_node_free(n);
}

static void test_formats_sizes(void **state)
{
	static const struct {
		const char *name, *w, *h;
	} f[] = {
		{"meta.png", "120", "80"}, {"plain.gif", "33", "22"},
		{"plain.bmp", "44", "11"}, {"plain.webp", "70", "30"},
	};
	size_t i;

	(void)state;
	NEED_FIXTURES();
	for (i = 0; i < TW_ARRAY_LEN(f); i++) {
		tw_node *n = extract_fixture(f[i].name);

		assert_string_equal(n->type, "image");
		assert_int_equal(n->nerrs, 0);
		assert_prop(n, "width", f[i].w);
		assert_prop(n, "height", f[i].h);
		if (i == 0) {
			assert_prop(n, "author", "Png Artist"); /* tEXt */
			assert_prop(n, "title", "Png Title");   /* iTXt XMP */
		}
		tw_node_free(n);
	}
}

static void test_tiff_g4_pages(void **state)
{
	tw_node *n;

	(void)state;
	NEED_FIXTURES();
	n = extract_fixture("scan_g4.tif");
	assert_int_equal(n->nerrs, 0);
	assert_prop(n, "pages", "2");
	assert_prop(n, "compression", "CCITT G4");
	assert_non_null(node_prop(n, "width"));
	tw_node_free(n);
}

static void test_pixel_bomb_is_an_error(void **state)
{
	tw_node *n;
	uint64_t w = 0, h = 0;
	size_t len = 0;
	unsigned char *d;

	(void)state;
	NEED_FIXTURES();
	n = extract_fixture("bomb.png");
	assert_true(node_has_error(n, TRAWL_ELIMIT));
	assert_prop(n, "width", "200000");
	tw_node_free(n);
	d = fixture("bomb.png", &len);
	assert_int_equal(tw_image_size(d, len, &w, &h), 0);
	assert_true(w == 200000 && h == 200000);
	free(d);
}

static void test_damaged(void **state)
{
	tw_node *n;

	(void)state;
	NEED_FIXTURES();
	n = extract_fixture("truncated.tif");
	assert_true(node_has_error(n, TRAWL_ECORRUPT));
	tw_node_free(n);
	/* A scrambled EXIF block loses its values, not the rest. */
	n = extract_fixture("badexif.jpg");
	assert_prop(n, "width", "320");
	tw_node_free(n);
}

/* Every prefix of each fixture, and its magic followed by noise: never a
 * crash (the sanitizers watch), always a node. */
static void test_prefixes_and_noise(void **state)
{
	static const char *names[] = {"geo.jpg", "meta.png", "scan_g4.tif", "plain.webp",
				      "plain.gif", "plain.bmp", "xmp.jpg"};
	size_t i, k, len;

	(void)state;
	NEED_FIXTURES();
	for (i = 0; i < TW_ARRAY_LEN(names); i++) {
		unsigned char *d = fixture(names[i], &len);
		size_t step = len / 97 + 1;

		for (k = 0; k < len; k += step) {
			tw_node *n = extract_mem(names[i], d, k);

			tw_node_free(n);
		}
		for (k = 16; k < len; k++)
			d[k] = (unsigned char)(k * 131 + 7);
		tw_node_free(extract_mem(names[i], d, len));
		free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geotagged_jpeg),
		cmocka_unit_test(test_date_without_zone),
		cmocka_unit_test(test_xmp_and_iptc_only),
		cmocka_unit_test(test_windows_tags),
		cmocka_unit_test(test_formats_sizes),
		cmocka_unit_test(test_tiff_g4_pages),
		cmocka_unit_test(test_pixel_bomb_is_an_error),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_prefixes_and_noise),
	};

	return cmocka_run_group_tests(tests, mediafix_setup, mediafix_teardown);
}
