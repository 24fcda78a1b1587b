/*
 * cmd_manifest.c - `trawl manifest`: a reproducible hash of the whole
 * archive's evidence (every content's SHA-256 with its path), for a
 * publication to cite; --list prints the lines it is the hash of, in
 * sha256sum format, so anyone can recompute it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int print_line(const char *line, void *ud)
{
	int tty = *(int *)ud;

	/* Paths are evidence: control bytes do not reach a terminal raw
	 * (the manifest escapes newlines itself); into a file they go as
	 * they are, so that the hash can be recomputed. */
	for (; *line; line++)
		putchar(tty && (unsigned char)*line < 32 ? '?' : *line);
	putchar('\n');
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: trawl manifest [OPTIONS]\n\n"
	      "Print the evidence manifest hash of the archive: the SHA-256 of the lines\n"
	      "\"SHA256  PATH\" (one per item with content, sorted by path, sha256sum format).\n"
	      "It depends only on the contents and their paths, so the same dump ingested the\n"
	      "same way gives the same hash; cite it with a publication.\n\n"
	      "  -a, --archive FILE  archive to read\n"
	      "      --list          print the lines, then the hash (pipe to a file and run\n"
	      "                      sha256sum on it to check)\n"
	      "      --json          {\"manifest_sha256\": ..., \"items\": N}\n"
	      "  -h, --help          this help\n",
	      f);
}

int cmd_manifest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"list", no_argument, NULL, 'L'},
		{"json", no_argument, NULL, 'J'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL;
	int list = 0, json = 0, c, rc = EXIT_OK;
	trawl_archive *ar;
	char hash[65];
	int64_t n = 0;

	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'L': list = 1; break;
		case 'J': json = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("manifest takes no arguments");
		return EXIT_USAGE;
	}
	ar = cli_open(archive, TRAWL_OPEN_READONLY);
	if (!ar)
		return EXIT_FAIL;
	c = isatty(STDOUT_FILENO);
	if (trawl_manifest(ar, list ? print_line : NULL, &c, hash, &n) != TRAWL_OK) {
		cli_error("manifest failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	} else if (json) {
		json_t *o = json_pack("{s:s, s:I}", "manifest_sha256", hash, "items", (json_int_t)n);

		cli_json_print(o, stdout);
		json_decref(o);
	} else if (list) {
		fprintf(stderr, "manifest sha256 %s (%lld items)\n", hash, (long long)n);
	} else {
		printf("%s  (%lld items)\n", hash, (long long)n);
	}
	trawl_archive_close(ar);
	return rc;
}
