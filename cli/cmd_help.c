/*
 * cmd_help.c - `trawl help [COMMAND|query]`.
 */
#include <string.h>

#include "cli.h"

/* The field list comes from the library, so help and grammar agree. */
static void query_help(void)
{
	fputs("The trawl query language (full reference: docs/query.md)\n\n"
	      "  budget report        both words (anywhere in subject, body or file names)\n"
	      "  \"quarterly report\"   the phrase\n"
	      "  budg*                words starting with budg\n"
	      "  a OR b   a AND b   NOT a   -a   (a OR b) c\n"
	      "  field:value          value may be a \"quoted phrase\"\n\n"
	      "Fields:\n",
	      stdout);
	fputs("  from, to, cc, bcc, recipient, contact: a whole address matches exactly;\n"
	      "      anything else matches part of an address, or of a display name\n"
	      "      the archive has seen with that address\n"
	      "  subject, body: words in that part of the text\n"
	      "  date: 2001 | 2001-05 | 2001-05-14 | A..B | A.. | ..B (UTC)\n"
	      "  has: attachment | error | pii (any finding)\n"
	      "  pii: ssn | card | iban | phone | email | password | key | dob | ip | any\n"
	      "  dkim: pass | fail | nokey | none   (results of 'trawl verify --dkim')\n"
	      "  filename, path: part of the name / family path; * and ? are wildcards\n"
	      "  id: item id   mid: Message-ID   type: email, pdf, word, spreadsheet,\n"
	      "      presentation, archive, html, text, image, mbox, other\n"
	      "  ext: docx   mime: image/*   author: name   label: custodian\n"
	      "  size: 100 | 10k | >10MB | <=1g | 1k..2m     depth: 0 | >1 | 1..3\n",
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
