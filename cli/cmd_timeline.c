/*
 * cmd_timeline.c - `trawl timeline [QUERY]`: how many matches per day,
 * week, month or year, with a bar chart on a terminal.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: trawl timeline [OPTIONS] [QUERY...]\n\n"
	      "Count the contents matching QUERY (everything without one) per period of\n"
	      "their date in UTC, from the first to the last, empty periods included.\n"
	      "Contents without a date are counted apart.\n\n"
	      "  -a, --archive FILE  archive to read\n"
	      "  -b, --by PERIOD     day, week (ISO, from Monday), month (default) or year\n"
	      "      --json          one JSON object per period (period, start, count),\n"
	      "                      then {\"undated\": N, \"total\": N}\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error.\n",
	      f);
}

typedef struct row {
	char label[16];
	int64_t count;
} row;

struct acc {
	row *rows;
	size_t n, cap;
	int64_t max, total;
	int json, oom;
};

static int collect(const trawl_bucket *b, void *ud)
{
	struct acc *a = ud;

	a->total += b->count;
	if (a->json) {
		json_t *j = tj_bucket(b);

		cli_json_print(j, stdout);
		json_decref(j);
		return 0;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		row *r = realloc(a->rows, cap * sizeof(*r));

		if (!r) {
			a->oom = 1;
			return 1;
		}
		a->rows = r;
		a->cap = cap;
	}
	snprintf(a->rows[a->n].label, sizeof(a->rows[a->n].label), "%s", b->label);
	a->rows[a->n].count = b->count;
	if (b->count > a->max)
		a->max = b->count;
	a->n++;
	return 0;
}

int cmd_timeline(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"by", required_argument, NULL, 'b'},
		{"json", no_argument, NULL, 'J'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL;
	trawl_period by = TRAWL_BY_MONTH;
	trawl_syntax_error err;
	struct acc a;
	int c, rc = EXIT_OK;
	int64_t undated = 0;
	trawl_archive *ar;
	trawl_status st;
	char *query;
	size_t i;

	memset(&a, 0, sizeof(a));
	while ((c = getopt_long(argc, argv, "a:b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'b':
			if (!strcmp(optarg, "day"))
				by = TRAWL_BY_DAY;
			else if (!strcmp(optarg, "week"))
				by = TRAWL_BY_WEEK;
			else if (!strcmp(optarg, "month"))
				by = TRAWL_BY_MONTH;
			else if (!strcmp(optarg, "year"))
				by = TRAWL_BY_YEAR;
			else {
				cli_error("--by takes day, week, month or year, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'J': a.json = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	rc = cli_query_open(argc, argv, optind, archive, TRAWL_OPEN_READONLY, &query, &ar, &err);
	if (rc)
		return rc;
	st = trawl_timeline(ar, query, by, collect, &a, &undated, &err);
	if (st == TRAWL_OK && a.oom)
		st = TRAWL_ENOMEM;
	if (st == TRAWL_OK && a.json) {
		json_t *j = json_pack("{s:I, s:I}", "undated", (json_int_t)undated, "total",
				      (json_int_t)(a.total + undated));

		cli_json_print(j, stdout);
		json_decref(j);
	} else if (st == TRAWL_OK) {
		/* A bar chart for people, plain columns for programs. */
		int tty = isatty(STDOUT_FILENO), color = cli_color(stdout);

		for (i = 0; i < a.n; i++) {
			printf("%-10s %8lld", a.rows[i].label, (long long)a.rows[i].count);
			if (tty && a.max > 0) {
				int w = (int)((a.rows[i].count * 50 + a.max - 1) / a.max), k;

				fputs(color ? "  \033[36m" : "  ", stdout);
				for (k = 0; k < w; k++)
					fputs("\xe2\x96\x87", stdout); /* a block */
				fputs(color ? "\033[0m" : "", stdout);
			}
			putchar('\n');
		}
		if (undated)
			fprintf(stderr, "%lld without a date\n", (long long)undated);
		if (!a.n && !undated)
			fprintf(stderr, "no hits\n");
	}
	if (st == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (st != TRAWL_OK) {
		cli_error("timeline failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	}
	free(a.rows);
	free(query);
	trawl_archive_close(ar);
	return rc;
}
