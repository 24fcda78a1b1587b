/*
 * cmd_help.c - `trawl help [COMMAND|query]`.
 */
#include <string.h>

#include "cli.h"

/* The field list comes from the library's field table, so help and grammar
 * agree. */
static void query_help(void)
{
	const char *name, *help;
	size_t i;

	fputs("The trawl query language (full reference: docs/query.md)\n\n"
	      "  budget report        both words (anywhere in subject, body or file names),\n"
	      "                       in any inflection: salary finds salaries, leak leaked\n"
	      "  \"quarterly report\"   the phrase, these very words\n"
	      "  =salary              this very word, not its inflections\n"
	      "  budg*                words starting with budg\n"
	      "  a OR b   a AND b   NOT a   -a   (a OR b) c\n"
	      "  field:value          value may be a \"quoted phrase\"\n\n"
	      "Fields:\n",
	      stdout);
	for (i = 0; (name = trawl_query_field(i, &help)) != NULL; i++)
		printf("  %-10s %s\n", name, help);
	fputs("\nIn from, to, cc, bcc, recipient and contact, a whole address matches\n"
	      "exactly; anything else matches part of an address, or of a display name\n"
	      "the archive has seen with that address.  Dates are UTC.  In filename and\n"
	      "path, * and ? are wildcards.  Words of Chinese, Japanese, Thai and other\n"
	      "scripts written without spaces are found inside sentences; inflections are\n"
	      "those of the languages the archive holds (see lang:).\n",
	      stdout);
}

int cmd_help(int argc, char **argv)
{
	const cli_command *c;
	char *args[] = {NULL, (char *)"--help", NULL};

	if (argc < 2) {
		puts("usage: trawl help COMMAND | trawl help query");
		for (c = cli_commands; c->name; c++)
			printf("  %-11s %s\n", c->name, c->summary);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "query")) {
		query_help();
		return EXIT_OK;
	}
	for (c = cli_commands; c->name; c++) {
		if (!strcmp(c->name, argv[1]) && c->run != cmd_help) {
			args[0] = argv[1];
			return c->run(2, args);
		}
	}
	cli_error("no help for '%s'", argv[1]);
	return EXIT_USAGE;
}
