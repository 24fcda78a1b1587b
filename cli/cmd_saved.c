/*
 * cmd_saved.c - `trawl saved`: searches kept under a name in the archive.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: trawl saved add [OPTIONS] NAME QUERY...\n"
	      "       trawl saved list [OPTIONS]\n"
	      "       trawl saved show [OPTIONS] NAME\n"
	      "       trawl saved rm [OPTIONS] NAME\n\n"
	      "Keep searches under a name: 'add' saves (or replaces) one after checking\n"
	      "that it parses, 'list' shows them all with their current number of hits,\n"
	      "'show' prints one query (trawl search \"$(trawl saved show NAME)\"), 'rm'\n"
	      "removes one.\n\n"
	      "  -a, --archive FILE  archive to use\n"
	      "      --json          one JSON object per saved search (name, query,\n"
	      "                      created, hits)\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error, 3 no such search.\n",
	      f);
}

struct ctx {
	trawl_archive *ar;
	int json;
};

static int print_saved(const trawl_saved *s, void *ud)
{
	struct ctx *c = ud;
	int64_t hits = -1;
	char iso[40];

	if (trawl_count(c->ar, s->query, &hits, NULL) != TRAWL_OK)
		hits = -1;
	if (c->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:o}", "name", s->name, "query", s->query,
				      "created", tj_iso(s->created, iso, sizeof(iso)), "hits",
				      hits >= 0 ? json_integer(hits) : json_null());

		cli_json_print(j, stdout);
		json_decref(j);
	} else {
		cli_print_safe(stdout, s->name);
		fputs("\t", stdout);
		cli_print_safe(stdout, s->query);
		if (hits >= 0)
			printf("\t%lld hits\n", (long long)hits);
		else
			printf("\t(does not run)\n");
	}
	return 0;
}

int cmd_saved(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *archive = NULL, *sub;
	struct ctx cx = {NULL, 0};
	trawl_syntax_error err;
	int c, rc = EXIT_OK;
	trawl_status st;
	char *query = NULL;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "rm")) {
		cli_error("saved takes add, list, show or rm, not '%s'", sub);
		return EXIT_USAGE;
	}
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'J': cx.json = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if ((!strcmp(sub, "add") && argc - optind < 2) ||
	    ((!strcmp(sub, "show") || !strcmp(sub, "rm")) && argc - optind != 1) ||
	    (!strcmp(sub, "list") && argc != optind)) {
		cli_error("wrong number of arguments for 'saved %s'", sub);
		usage(stderr);
		return EXIT_USAGE;
	}
	cx.ar = cli_open(archive, !strcmp(sub, "add") || !strcmp(sub, "rm") ? 0 : TRAWL_OPEN_READONLY);
	if (!cx.ar)
		return EXIT_FAIL;
	memset(&err, 0, sizeof(err));
	if (!strcmp(sub, "add")) {
		query = cli_join(argc, argv, optind + 1);
		st = query ? trawl_saved_add(cx.ar, argv[optind], query, &err) : TRAWL_ENOMEM;
		if (st == TRAWL_OK && !cx.json)
			printf("saved '%s'\n", argv[optind]);
	} else if (!strcmp(sub, "rm")) {
		st = trawl_saved_remove(cx.ar, argv[optind]);
	} else if (!strcmp(sub, "show")) {
		st = trawl_saved_get(cx.ar, argv[optind], &query);
		if (st == TRAWL_OK)
			printf("%s\n", query);
	} else {
		st = trawl_saved_list(cx.ar, print_saved, &cx);
	}
	if (st == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (st != TRAWL_OK) {
		cli_error("saved: %s", trawl_archive_errmsg(cx.ar));
		rc = st == TRAWL_ENOTFOUND ? EXIT_NOTFOUND : st == TRAWL_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	free(query);
	trawl_archive_close(cx.ar);
	return rc;
}
