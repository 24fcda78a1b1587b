/*
 * test_media.c - the audio and video extractor (lib/extract/media.c) on
 * the fixtures of tests/fixtures/gen_media.sh: a clip's container, codec,
 * size, frame rate, duration and tags; an MP3's ID3 title and artist;
 * hostile files (cut in half, a header claiming 24 days, a WAV claiming
 * 2 GB of samples) recorded as errors or read for what they hold, never a
 * crash; a cancelled run stops the probe; a file on disk is read through
 * its file.
 */
#include <sys/stat.h>

#include "mediafix.h"

static void test_clip(void **state)
{
	tw_node *n;

	(void)state;
	NEED_FIXTURES();
	n = extract_fixture("clip.mp4");
	assert_string_equal(n->type, "video");
	assert_int_equal(n->nerrs, 0);
	assert_prop(n, "duration", "3.000");
	assert_prop(n, "title", "Clip Title Xyzzy");
	assert_prop(n, "author", "Cam Person");
	assert_prop(n, "video_codec", "h264");
	assert_prop(n, "width", "160");
	assert_prop(n, "height", "120");
	assert_prop(n, "frame_rate", "25.000");
	assert_non_null(node_prop(n, "container"));
	assert_non_null(node_prop(n, "creator")); /* the encoder */
	tw_node_free(n);
}

static void test_mp3_id3(void **state)
{
	tw_node *n;
	double secs;

	(void)state;
	NEED_FIXTURES();
	n = extract_fixture("tone.mp3");
	assert_string_equal(n->type, "audio");
	assert_int_equal(n->nerrs, 0);
	assert_prop(n, "title", "Song Plugh");
	assert_prop(n, "author", "Singer Frobozz");
	assert_prop(n, "audio_codec", "mp3");
	assert_prop(n, "sample_rate", "44100");
	assert_non_null(node_prop(n, "duration"));
	secs = strtod(node_prop(n, "duration"), NULL);
	assert_true(secs > 1.9 && secs < 2.2);
	tw_node_free(n);
}

static void test_lying_headers(void **state)
{
	tw_node *n;

	(void)state;
	NEED_FIXTURES();
	n = extract_fixture("lying.mp4");
	assert_true(node_has_error(n, TRAWL_ECORRUPT));
	assert_no_prop(n, "duration");
	assert_prop(n, "title", "Clip Title Xyzzy"); /* the rest is kept */
	tw_node_free(n);
	n = extract_fixture("cut.mp4");
	assert_true(n->nerrs >= 1);
	tw_node_free(n);
	/* libavformat bounds the WAV's data by the file: 1 s, not 2 GB. */
	n = extract_fixture("lying.wav");
	assert_non_null(node_prop(n, "duration"));
	assert_true(strtod(node_prop(n, "duration"), NULL) < 2);
	tw_node_free(n);
}

static void test_prefixes_and_noise(void **state)
{
	static const char *names[] = {"clip.mp4", "tone.mp3", "lying.wav"};
	size_t i, k, len;

	(void)state;
	NEED_FIXTURES();
	for (i = 0; i < TW_ARRAY_LEN(names); i++) {
		unsigned char *d = fixture(names[i], &len);
		size_t step = len / 37 + 1;

		for (k = 64; k < len; k += step)
			tw_node_free(extract_mem(names[i], d, k));
		for (k = len / 3; k < len; k += 5)
			d[k] ^= 0x5a;
		tw_node_free(extract_mem(names[i], d, len));
		free(d);
	}
}

/* The interrupt callback polls the run's cancel flag and time budget:
 * with the run cancelled, the probe stops before reading the streams. */
static void test_cancelled(void **state)
{
	static const volatile int cancel = 1;
	tw_extract_args args;
	size_t len = 0;
	unsigned char *d;
	tw_node *n;

	(void)state;
	NEED_FIXTURES();
	d = fixture("clip.mp4", &len);
	memset(&args, 0, sizeof(args));
	args.cancel = &cancel;
	n = tw_node_new("file", "clip.mp4", 0);
	tw_extract(n, d, len, &args);
	assert_no_prop(n, "video_codec");
	tw_node_free(n);
	free(d);
}

/* A recording on disk is read through its file (extract_file), with the
 * same result as from memory. */
static void test_from_file(void **state)
{
	char path[256];
	tw_extract_args args;
	struct stat sb;
	tw_node *n;
	size_t i;

	(void)state;
	NEED_FIXTURES();
	snprintf(path, sizeof(path), "%s/clip.mp4", mediafix_dir);
	assert_int_equal(stat(path, &sb), 0);
	memset(&args, 0, sizeof(args));
	n = tw_node_new("file", "clip.mp4", 0);
	tw_extract_path(n, path, (uint64_t)sb.st_size, &args);
	for (i = 0; i < n->nerrs; i++)
		printf("error: %s: %s\n", n->errs[i].stage, n->errs[i].message);
	assert_int_equal(n->nerrs, 0);
	assert_prop(n, "duration", "3.000");
	assert_prop(n, "title", "Clip Title Xyzzy");
	tw_node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clip),
		cmocka_unit_test(test_mp3_id3),
		cmocka_unit_test(test_lying_headers),
		cmocka_unit_test(test_prefixes_and_noise),
		cmocka_unit_test(test_cancelled),
		cmocka_unit_test(test_from_file),
	};

	return cmocka_run_group_tests(tests, mediafix_setup, mediafix_teardown);
}
