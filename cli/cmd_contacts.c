/*
 * cmd_contacts.c - `trawl contacts PERSON`: everyone a person exchanged
 * mail with, messages each way, first and last exchange.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: trawl contacts [OPTIONS] PERSON [QUERY...]\n\n"
	      "List the correspondents of PERSON (a person id, an address, or part of a\n"
	      "name or address that fits one person), busiest first: messages PERSON sent\n"
	      "them (to, cc or bcc), messages they sent PERSON, and the first and last\n"
	      "exchange.  A QUERY limits the messages counted.\n\n"
	      "  -a, --archive FILE  archive to read\n"
	      "      --json          one JSON object per correspondent (person, name,\n"
	      "                      address, sent, received, first, last)\n"
	      "  -n, --limit N       correspondents to list (default all)\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error, 3 no such person.\n",
	      f);
}

struct out {
	int json;
	int64_t shown, limit;
};

static int print_contact(const trawl_contact *c, void *ud)
{
	struct out *o = ud;
	char a[40] = "", b[40] = "";

	if (o->limit && o->shown >= o->limit)
		return 1;
	o->shown++;
	if (o->json) {
		json_t *j = tj_contact(c);

		cli_json_print(j, stdout);
		json_decref(j);
		return 0;
	}
	if (c->has_dates) {
		tj_iso(c->first, a, sizeof(a));
		tj_iso(c->last, b, sizeof(b));
		a[10] = b[10] = '\0';
	}
	printf("%6lld -> %6lld <-  %s..%s  id:%-6lld ", (long long)c->sent, (long long)c->received, a,
	       b, (long long)c->person_id);
	cli_print_safe(stdout, c->name);
	if (c->addr && c->name && strcmp(c->addr, c->name)) {
		fputs(" <", stdout);
		cli_print_safe(stdout, c->addr);
		fputc('>', stdout);
	}
	putchar('\n');
	return 0;
}

int cmd_contacts(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'J'},
		{"limit", required_argument, NULL, 'n'},   {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL;
	struct out o = {0, 0, 0};
	trawl_syntax_error err;
	int c, rc = EXIT_OK;
	int64_t id;
	trawl_archive *ar;
	trawl_status st;
	char *query;

	while ((c = getopt_long(argc, argv, "a:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'J': o.json = 1; break;
		case 'n':
			if (cli_int("--limit", optarg, &o.limit))
				return EXIT_USAGE;
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("contacts needs a person");
		usage(stderr);
		return EXIT_USAGE;
	}
	query = cli_join(argc, argv, optind + 1);
	if (!query)
		return EXIT_FAIL;
	ar = cli_open(archive, TRAWL_OPEN_READONLY);
	if (!ar) {
		free(query);
		return EXIT_FAIL;
	}
	memset(&err, 0, sizeof(err));
	st = trawl_person_find(ar, argv[optind], &id);
	if (st == TRAWL_OK) {
		if (!o.json)
			printf("  sent   received  first..last            correspondent\n");
		st = trawl_contacts(ar, id, query, print_contact, &o, &err);
	}
	if (st == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (st != TRAWL_OK) {
		cli_error("contacts: %s", trawl_archive_errmsg(ar));
		rc = st == TRAWL_ENOTFOUND ? EXIT_NOTFOUND : st == TRAWL_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	free(query);
	trawl_archive_close(ar);
	return rc;
}
