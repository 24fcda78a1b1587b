/*
 * replay.c - a main() for the fuzz targets without libFuzzer: each file
 * named on the command line (each file of a folder named there, in sorted
 * order) is read whole and passed once to LLVMFuzzerTestOneInput().
 *
 * make check links every tests/fuzz/fuzz_*.c with this file, under the
 * normal compiler and ASan+UBSan, and tests/run.sh replays the seeds of the
 * target (tests/fuzz/seeds/<target>/) with it: a crash or a sanitizer report
 * ends the program with a failure status, and the last "replay:" line names
 * the input.  Like libFuzzer, the input is in a heap block of exactly its
 * size, so a read past its end is caught.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long size;

	if (!f) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	size = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "replay: cannot size '%s': %s\n", path, strerror(errno));
		fclose(f);
		return -1;
	}
	/* Exactly `size` bytes (one for an empty input, which stays unread). */
	data = malloc(size ? (size_t)size : 1);
	if (!data) {
		fprintf(stderr, "replay: out of memory for '%s'\n", path);
		fclose(f);
		return -1;
	}
	if (fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	printf("replay: %s (%ld bytes)\n", path, size);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	return 0;
}

static int replay_dir(const char *path, int *count)
{
	struct dirent **ents;
	int n, i, rc = 0;

	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: cannot list '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		char sub[4096];
		struct stat st;

		if (ents[i]->d_name[0] != '.' &&
		    (size_t)snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name) < sizeof(sub) &&
		    !stat(sub, &st) && S_ISREG(st.st_mode)) {
			if (replay_file(sub))
				rc = -1;
			else
				(*count)++;
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int main(int argc, char **argv)
{
	int i, count = 0, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|FOLDER...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: cannot open '%s': %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count))
				rc = 1;
		} else if (replay_file(argv[i])) {
			rc = 1;
		} else {
			count++;
		}
	}
	printf("replay: %d inputs\n", count);
	return rc;
}
