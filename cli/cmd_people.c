/*
 * cmd_people.c - `trawl people`: the people behind the addresses, with how
 * much they sent and received and when; `people show` for one person with
 * the evidence that grouped its addresses; `people merge` and `people
 * split` to correct the grouping by hand (kept across re-ingests).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: trawl people [OPTIONS] [QUERY...]\n"
	      "       trawl people show [OPTIONS] PERSON\n"
	      "       trawl people merge [OPTIONS] PERSON PERSON\n"
	      "       trawl people split [OPTIONS] ADDRESS...\n\n"
	      "List the people in the messages matching QUERY (all messages without one),\n"
	      "busiest first, with the messages they sent and received and the first and\n"
	      "last date they were seen.  A person groups addresses by written-down\n"
	      "evidence: an Exchange X.500 address given for an SMTP address in the same\n"
	      "message, or the same display name with the same local part.  'show' gives\n"
	      "the evidence for each address.  PERSON is a person id, an address, or part\n"
	      "of a name or address that fits one person.  'merge' makes two people one;\n"
	      "'split' takes addresses out of their person.  Both are kept by address and\n"
	      "survive re-ingest; the later of two edits wins.\n\n"
	      "  -a, --archive FILE  archive to use\n"
	      "      --json          one JSON object per person (id, name, address, sent,\n"
	      "                      received, first, last, addresses, names)\n"
	      "  -m, --name TEXT     only people with TEXT in a name or address\n"
	      "  -n, --limit N       people to list (default 50; 0 = all)\n"
	      "      --offset N      skip the first N\n"
	      "  -s, --sort ORDER    messages (default) or name\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error, 3 no such person.\n",
	      f);
}

struct out {
	int json, color;
	int64_t shown;
};

static int print_person(const trawl_person *p, void *ud)
{
	struct out *o = ud;
	char a[40] = "", b[40] = "";
	size_t i;

	o->shown++;
	if (o->json) {
		json_t *j = tj_person(p);

		cli_json_print(j, stdout);
		json_decref(j);
		return 0;
	}
	if (p->has_dates) {
		tj_iso(p->first, a, sizeof(a));
		tj_iso(p->last, b, sizeof(b));
		a[10] = b[10] = '\0';
	}
	printf("%sid:%-6lld%s ", o->color ? "\033[1m" : "", (long long)p->id, o->color ? "\033[0m" : "");
	cli_print_safe(stdout, p->name);
	if (p->addr && p->name && strcmp(p->addr, p->name)) {
		fputs(" <", stdout);
		cli_print_safe(stdout, p->addr);
		fputc('>', stdout);
	}
	printf("  sent %lld, received %lld", (long long)p->sent, (long long)p->received);
	if (p->has_dates)
		printf(", %s..%s", a, b);
	putchar('\n');
	if (p->naddrs > 1) {
		fputs("           also ", stdout);
		for (i = 0; i < p->naddrs && i < 6; i++) {
			if (p->addr && !strcmp(p->addrs[i].addr, p->addr))
				continue;
			cli_print_safe(stdout, p->addrs[i].addr);
			fputs(i + 1 < p->naddrs ? ", " : "", stdout);
		}
		if (p->naddrs > 6)
			printf("(%zu addresses in all)", p->naddrs);
		putchar('\n');
	}
	return 0;
}

static void print_details(const trawl_person *p, int color)
{
	char a[40], b[40];
	size_t i;

	printf("%sperson %lld%s  ", color ? "\033[1m" : "", (long long)p->id, color ? "\033[0m" : "");
	cli_print_safe(stdout, p->name);
	printf("\nsent:      %lld messages\nreceived:  %lld messages\n", (long long)p->sent,
	       (long long)p->received);
	if (p->has_dates)
		printf("seen:      %s .. %s\n", tj_iso(p->first, a, sizeof(a)), tj_iso(p->last, b, sizeof(b)));
	printf("addresses:\n");
	for (i = 0; i < p->naddrs; i++) {
		fputs("  ", stdout);
		cli_print_safe(stdout, p->addrs[i].addr);
		printf("  (%lld messages)\n", (long long)p->addrs[i].messages);
		if (p->addrs[i].why) {
			fputs("      why: ", stdout);
			cli_print_safe(stdout, p->addrs[i].why);
			putchar('\n');
		}
	}
	if (p->nnames) {
		printf("names seen:\n");
		for (i = 0; i < p->nnames; i++) {
			fputs("  ", stdout);
			cli_print_safe(stdout, p->names[i].name);
			printf("  (%lld)\n", (long long)p->names[i].count);
		}
	}
}

static int exit_for(trawl_status st)
{
	return st == TRAWL_ENOTFOUND ? EXIT_NOTFOUND : st == TRAWL_EINVAL ? EXIT_USAGE : EXIT_FAIL;
}

int cmd_people(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'J'},
		{"name", required_argument, NULL, 'm'},    {"limit", required_argument, NULL, 'n'},
		{"offset", required_argument, NULL, 'o'},  {"sort", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *archive = NULL, *sub = NULL;
	trawl_people_opts opts;
	trawl_syntax_error err;
	struct out o = {0, 0, 0};
	int c, rc = EXIT_OK;
	int64_t v;
	trawl_archive *ar;
	trawl_status st;
	char *query;

	memset(&opts, 0, sizeof(opts));
	opts.limit = 50;
	if (argc > 1 && (!strcmp(argv[1], "merge") || !strcmp(argv[1], "split") ||
			 !strcmp(argv[1], "show"))) {
		sub = argv[1];
		argv++;
		argc--;
	}
	while ((c = getopt_long(argc, argv, "a:m:n:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'J': o.json = 1; break;
		case 'm': opts.match = optarg; break;
		case 'n':
			if (cli_int("--limit", optarg, &v))
				return EXIT_USAGE;
			opts.limit = v ? v : -1;
			break;
		case 'o':
			if (cli_int("--offset", optarg, &v))
				return EXIT_USAGE;
			opts.offset = v;
			break;
		case 's':
			if (!strcmp(optarg, "name"))
				opts.by_name = 1;
			else if (strcmp(optarg, "messages")) {
				cli_error("--sort takes messages or name, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (sub && !strcmp(sub, "merge") && argc - optind != 2) {
		cli_error("people merge needs two people");
		return EXIT_USAGE;
	}
	if (sub && strcmp(sub, "merge") && argc - optind < 1) {
		cli_error("people %s needs %s", sub, !strcmp(sub, "show") ? "a person" : "addresses");
		return EXIT_USAGE;
	}
	if (sub && !strcmp(sub, "show") && argc - optind != 1) {
		cli_error("people show needs exactly one person");
		return EXIT_USAGE;
	}
	ar = cli_open(archive, sub && strcmp(sub, "show") ? 0 : TRAWL_OPEN_READONLY);
	if (!ar)
		return EXIT_FAIL;
	o.color = !o.json && cli_color(stdout);
	if (sub && !strcmp(sub, "merge")) {
		st = trawl_people_merge(ar, argv[optind], argv[optind + 1]);
		if (st == TRAWL_OK && !o.json)
			printf("merged '%s' and '%s'\n", argv[optind], argv[optind + 1]);
	} else if (sub && !strcmp(sub, "split")) {
		st = trawl_people_split(ar, (const char *const *)argv + optind, (size_t)(argc - optind));
		if (st == TRAWL_OK && !o.json)
			printf("split %d address%s into a person of their own\n", argc - optind,
			       argc - optind == 1 ? "" : "es");
	} else if (sub) {
		int64_t id;
		trawl_person *p = NULL;

		st = trawl_person_find(ar, argv[optind], &id);
		if (st == TRAWL_OK)
			st = trawl_person_get(ar, id, &p);
		if (st == TRAWL_OK) {
			if (o.json) {
				json_t *j = tj_person(p);

				cli_json_print(j, stdout);
				json_decref(j);
			} else {
				print_details(p, o.color);
			}
		}
		trawl_person_free(p);
	} else {
		query = cli_join(argc, argv, optind);
		if (!query) {
			trawl_archive_close(ar);
			return EXIT_FAIL;
		}
		memset(&err, 0, sizeof(err));
		st = trawl_people(ar, query, &opts, print_person, &o, &err);
		if (st == TRAWL_ESYNTAX) {
			cli_syntax_error(query, &err);
			free(query);
			trawl_archive_close(ar);
			return EXIT_USAGE;
		}
		if (st == TRAWL_OK && !o.json && o.shown == 0)
			fprintf(stderr, "nobody found\n");
		free(query);
	}
	if (st != TRAWL_OK) {
		cli_error("people: %s", trawl_archive_errmsg(ar));
		rc = exit_for(st);
	}
	trawl_archive_close(ar);
	return rc;
}
