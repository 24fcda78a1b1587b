/*
 * cmd_batch.c - `trawl batch FILE`: run a list of queries, one per line
 * (names, numbers, phrases), and print the hits of each as CSV or JSON.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: trawl batch [OPTIONS] FILE\n\n"
	      "Run each line of FILE ('-' for standard input) as a query and print its\n"
	      "number of hits.  Blank lines and lines starting with # are skipped.  A line\n"
	      "that does not parse is reported with its number and the others still run.\n\n"
	      "  -a, --archive FILE  archive to use\n"
	      "      --json          one JSON object per line (line, query, hits, error)\n"
	      "                      instead of CSV (line,query,hits,error)\n"
	      "  -l, --literal       each line is an exact phrase, not a query\n"
	      "  -t, --tag TAG       also tag the hits of every line with TAG\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or some line did not parse.\n",
	      f);
}

static void csv_field(const char *s)
{
	/* Quoted always; control characters from the list are dropped. */
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"')
			putchar('"');
		if ((unsigned char)*s >= 32 && *s != 127)
			putchar(*s);
	}
	putchar('"');
}

static int print_line(const trawl_batch_line *l, void *ud)
{
	int json = *(int *)ud;

	if (l->status != TRAWL_OK)
		fprintf(stderr, "trawl: line %zu: %s\n", l->line, l->error ? l->error : "failed");
	if (json) {
		json_t *j = json_pack("{s:I, s:s, s:o, s:o}", "line", (json_int_t)l->line, "query",
				      l->query, "hits",
				      l->status == TRAWL_OK ? json_integer(l->hits) : json_null(), "error",
				      tj_str(l->error));

		cli_json_print(j, stdout);
		json_decref(j);
	} else {
		printf("%zu,", l->line);
		csv_field(l->query);
		if (l->status == TRAWL_OK)
			printf(",%lld,\n", (long long)l->hits);
		else {
			fputs(",,", stdout);
			csv_field(l->error);
			putchar('\n');
		}
	}
	return 0;
}

int cmd_batch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'J'},
		{"literal", no_argument, NULL, 'l'},       {"tag", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *archive = NULL, *path;
	trawl_batch_opts opts;
	int json = 0, c, rc = EXIT_OK;
	size_t failed = 0, len = 0, cap = 0, n;
	char *text = NULL, buf[65536];
	FILE *f;
	trawl_archive *ar;
	trawl_status st;

	memset(&opts, 0, sizeof(opts));
	while ((c = getopt_long(argc, argv, "a:lt:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'J': json = 1; break;
		case 'l': opts.literal = 1; break;
		case 't': opts.tag = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_error("batch needs one FILE");
		usage(stderr);
		return EXIT_USAGE;
	}
	path = argv[optind];
	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		cli_error("cannot read '%s'", path);
		return EXIT_FAIL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (len + n + 1 > cap) {
			char *p;

			cap = (len + n + 1) * 2;
			if (cap > (256u << 20)) {
				cli_error("'%s' is larger than 256 MiB", path);
				free(text);
				if (f != stdin)
					fclose(f);
				return EXIT_FAIL;
			}
			p = realloc(text, cap);
			if (!p) {
				free(text);
				if (f != stdin)
					fclose(f);
				return EXIT_FAIL;
			}
			text = p;
		}
		memcpy(text + len, buf, n);
		len += n;
	}
	if (f != stdin)
		fclose(f);
	ar = cli_open(archive, opts.tag ? 0 : TRAWL_OPEN_READONLY);
	if (!ar) {
		free(text);
		return EXIT_FAIL;
	}
	if (!json)
		printf("line,query,hits,error\n");
	st = trawl_batch(ar, text ? text : "", len, &opts, print_line, &json, &failed);
	if (st != TRAWL_OK) {
		cli_error("batch: %s", trawl_archive_errmsg(ar));
		rc = st == TRAWL_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	} else if (failed) {
		fprintf(stderr, "trawl: %zu line%s could not run\n", failed, failed == 1 ? "" : "s");
		rc = EXIT_USAGE;
	}
	free(text);
	trawl_archive_close(ar);
	return rc;
}
