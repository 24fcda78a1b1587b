/*
 * cmd_stats.c - `trawl stats` and `trawl errors`: what the archive holds,
 * and what could not be processed, with the reason.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int add_type(const char *name, int64_t n, void *ud)
{
	json_object_set_new((json_t *)ud, name, json_integer(n));
	return 0;
}

static int simple_opts(int argc, char **argv, const char **archive, int *json,
		       void (*usage)(FILE *))
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': *archive = optarg; break;
		case 'J': *json = 1; break;
		case 'h': usage(stdout); return EXIT_OK + 100;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

static void stats_usage(FILE *f)
{
	fputs("usage: trawl stats [--archive FILE] [--json]\n\n"
	      "Counts of what the archive holds: emails (distinct contents), attachments,\n"
	      "archive members, documents, duplicates, errors, bytes, first and last date.\n",
	      f);
}

int cmd_stats(int argc, char **argv)
{
	const char *archive = NULL;
	int json = 0, r = simple_opts(argc, argv, &archive, &json, stats_usage);
	trawl_archive *ar;
	trawl_stats s;
	json_t *types;
	char a[40], b[40], sz[32], asz[32];

	if (r >= 0)
		return r == 100 ? EXIT_OK : r;
	ar = cli_open(archive, TRAWL_OPEN_READONLY);
	if (!ar)
		return EXIT_FAIL;
	if (trawl_stats_get(ar, &s) != TRAWL_OK) {
		cli_error("stats failed: %s", trawl_archive_errmsg(ar));
		trawl_archive_close(ar);
		return EXIT_FAIL;
	}
	types = json_object();
	trawl_stats_by_type(ar, add_type, types);
	if (json) {
		json_t *o = tj_stats(ar, &s);

		cli_json_print(o, stdout);
		json_decref(o);
	} else {
		const char *key;
		json_t *v;

		printf("items        %lld (%lld files on disk, %lld attachments, %lld archive members)\n",
		       (long long)s.items, (long long)s.files, (long long)s.attachments,
		       (long long)s.members);
		printf("emails       %lld distinct\n", (long long)s.emails);
		printf("documents    %lld distinct with text\n", (long long)s.documents);
		printf("contents     %lld distinct, %s\n", (long long)s.blobs,
		       cli_size(s.bytes, sz, sizeof(sz)));
		printf("duplicates   %lld items whose content occurs elsewhere\n", (long long)s.duplicates);
		printf("errors       %lld (see 'trawl errors')\n", (long long)s.errors);
		if (s.first_date)
			printf("dates        %s .. %s\n", tj_iso(s.first_date, a, sizeof(a)),
			       tj_iso(s.last_date, b, sizeof(b)));
		printf("archive      %s in %lld ingest runs\n", cli_size(s.archive_bytes, asz, sizeof(asz)),
		       (long long)s.sources);
		printf("by type     ");
		json_object_foreach(types, key, v)
			printf(" %s %lld", key, (long long)json_integer_value(v));
		putchar('\n');
	}
	json_decref(types);
	trawl_archive_close(ar);
	return EXIT_OK;
}

struct err_out {
	int json;
	int64_t n;
};

static int print_error(const trawl_error *e, void *ud)
{
	struct err_out *o = ud;

	o->n++;
	if (o->json) {
		json_t *j = tj_error(e);

		cli_json_print(j, stdout);
		json_decref(j);
	} else {
		char *p = cli_snippet(e->path, 0), *m = cli_snippet(e->message, 0);

		printf("%s\n    %s: %s: %s", p, e->stage, e->status, m);
		if (e->item_id)
			printf("  (id:%lld)", (long long)e->item_id);
		putchar('\n');
		free(p);
		free(m);
	}
	return 0;
}

static void errors_usage(FILE *f)
{
	fputs("usage: trawl errors [--archive FILE] [--json]\n\n"
	      "Every input or item that failed: its path, the stage (walk, read, detect,\n"
	      "parse, decrypt, extract, limit), the status and a message.\n",
	      f);
}

int cmd_errors(int argc, char **argv)
{
	const char *archive = NULL;
	int json = 0, r = simple_opts(argc, argv, &archive, &json, errors_usage);
	struct err_out o = {0, 0};
	trawl_archive *ar;

	if (r >= 0)
		return r == 100 ? EXIT_OK : r;
	o.json = json;
	ar = cli_open(archive, TRAWL_OPEN_READONLY);
	if (!ar)
		return EXIT_FAIL;
	if (trawl_errors(ar, print_error, &o) != TRAWL_OK) {
		cli_error("errors failed: %s", trawl_archive_errmsg(ar));
		trawl_archive_close(ar);
		return EXIT_FAIL;
	}
	if (!json && o.n == 0)
		fprintf(stderr, "no errors recorded\n");
	trawl_archive_close(ar);
	return EXIT_OK;
}
