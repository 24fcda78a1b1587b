/*
 * mediafix.h - the image, audio and video fixtures of test_image.c,
 * test_media.c and test_ocr.c: tests/fixtures/gen_media.sh writes them
 * into a fresh temporary directory when the test program starts (nothing
 * binary is committed), and the directory goes when it ends.  Without
 * ImageMagick, exiftool or ffmpeg the tests are skipped with a message.
 */
#ifndef MEDIAFIX_H
#define MEDIAFIX_H

#include <unistd.h>

#include "fixture.h"

static char mediafix_dir[64];
static char mediafix_files[72]; /* mediafix_dir with a slash, for fixture_bytes() */
static int mediafix_ok;

static inline int mediafix_setup(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(mediafix_dir, sizeof(mediafix_dir), "/tmp/trawl-mediafix-XXXXXX");
	if (!mkdtemp(mediafix_dir))
		return -1;
	snprintf(mediafix_files, sizeof(mediafix_files), "%s/", mediafix_dir);
	snprintf(cmd, sizeof(cmd), "sh tests/fixtures/gen_media.sh '%s' >/dev/null 2>&1",
		 mediafix_dir);
	mediafix_ok = system(cmd) == 0;
	return 0;
}

static inline int mediafix_teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", mediafix_dir);
	if (system(cmd) != 0)
		return -1;
	return 0;
}

#define NEED_FIXTURES()                                                                 \
	do {                                                                            \
		if (!mediafix_ok) {                                                     \
			printf("SKIP: media fixtures not generated (convert, exiftool, " \
			       "ffmpeg: see tools/deps.sh)\n");                         \
			skip();                                                         \
		}                                                                       \
	} while (0)

/* The bytes of a fixture (caller frees). */
static inline unsigned char *fixture(const char *name, size_t *len)
{
	return fixture_bytes(mediafix_files, name, len);
}

/* Extract a fixture through the whole framework. */
static inline tw_node *extract_fixture(const char *name)
{
	return fixture_node(mediafix_files, name);
}

#endif
