/*
 * main.c - the `trawl` command: global options and dispatch to the
 * subcommands registered in cli_commands[] (one cmd_<name>.c each).
 *
 * This file is built twice.  trawl-full has every command.  trawl, the
 * program people run, is built with TRAWL_FRONT: it answers the commands
 * that only read the archive (search, stats, errors) itself, linked with
 * SQLite, jansson and libcrypto alone, and hands every other command to
 * trawl-full beside it (execv, same arguments).  Loading the extraction
 * libraries (GMime, MuPDF, libarchive, libpst, ...) costs a process about
 * 15 ms before it does anything, which a search from a script pays on
 * every call otherwise.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifdef TRAWL_FRONT
#define FULL(fn) NULL
#else
#define FULL(fn) fn
#endif

const cli_command cli_commands[] = {
	{"ingest", FULL(cmd_ingest), "add files, folders, maildirs, mbox and PST files to the archive"},
	{"search", cmd_search, "search the archive with the query language"},
	{"show", FULL(cmd_show), "show one item: headers, text, attachments, raw bytes"},
	{"stats", cmd_stats, "counts of what the archive holds"},
	{"errors", cmd_errors, "inputs and items that could not be processed, with why"},
	{"serve", FULL(cmd_serve), "web interface and JSON API over the archive"},
	{"scan", FULL(cmd_scan), "scan texts for PII and secrets (SSNs, cards, IBANs, keys, ...)"},
	{"findings", FULL(cmd_findings), "report PII and secrets found, by type, person and document"},
	{"verify", FULL(cmd_verify), "re-hash originals; --dkim verifies DKIM signatures"},
	{"provenance", FULL(cmd_provenance), "where messages came from: Received chain, IPs, clients, zones"},
	{"export", FULL(cmd_export), "export items: jsonl, csv, mbox, eml, zip, concordance; redaction"},
	{"manifest", FULL(cmd_manifest), "a reproducible hash of the archive's evidence to cite"},
	{"reindex", FULL(cmd_reindex), "rebuild the full-text index (after an upgrade of trawl)"},
	{"thread", FULL(cmd_thread), "a conversation as a tree: every reply of a message"},
	{"people", FULL(cmd_people), "people behind the addresses; merge and split them"},
	{"contacts", FULL(cmd_contacts), "who a person wrote to and heard from, and when"},
	{"graph", FULL(cmd_graph), "who wrote to whom, as JSON, Graphviz DOT or GEXF (Gephi)"},
	{"timeline", FULL(cmd_timeline), "matches per day, week, month or year"},
	{"tag", FULL(cmd_tag), "add or remove tags on everything a query matches"},
	{"note", FULL(cmd_note), "attach a note to an item, list or delete notes"},
	{"saved", FULL(cmd_saved), "save searches under a name, list and remove them"},
	{"batch", FULL(cmd_batch), "run a list of queries (one per line) and count hits"},
	{"help", FULL(cmd_help), "help on a command, or 'trawl help query' for the query language"},
	{NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	const cli_command *c;

	fputs("usage: trawl [--version] [--help] [--color=WHEN] COMMAND [ARGS]\n\n"
	      "trawl ingests leaked mail and document dumps into an archive and searches them.\n\n"
	      "Commands:\n",
	      f);
	for (c = cli_commands; c->name; c++)
		fprintf(f, "  %-11s %s\n", c->name, c->summary);
	fputs("\nEvery command takes --archive FILE (default: $TRAWL_ARCHIVE, else ./trawl.db)\n"
	      "and --help.  'trawl help query' describes the query language.\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error, 3 not found.\n",
	      f);
}

/* Run the same command line with trawl-full, from the directory of this
 * program; returns only on failure. */
static int run_full(char **argv)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;
	size_t dir;

	if (n <= 0) {
		cli_error("cannot find this program's directory (/proc/self/exe): %s",
			  strerror(errno));
		return EXIT_FAIL;
	}
	path[n] = '\0';
	slash = strrchr(path, '/');
	dir = slash ? (size_t)(slash + 1 - path) : 0;
	if (snprintf(path + dir, sizeof(path) - dir, "trawl-full") >= (int)(sizeof(path) - dir)) {
		cli_error("the path of this program is too long: %s", path);
		return EXIT_FAIL;
	}
	execv(path, argv);
	cli_error("cannot run %s: %s; it is installed beside trawl ('make install')", path,
		  strerror(errno));
	return EXIT_FAIL;
}

int main(int argc, char **argv)
{
	const cli_command *c;
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--version")) {
			printf("trawl %s\n", TRAWL_VERSION);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strncmp(argv[i], "--color=", 8)) {
			const char *w = argv[i] + 8;

			cli_color_mode = !strcmp(w, "always") ? 1 : !strcmp(w, "never") ? -1 : 0;
		} else {
			cli_error("unknown option '%s'", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (c = cli_commands; c->name; c++) {
		if (!strcmp(c->name, argv[i])) {
			if (!c->run)
				return run_full(argv);
			optind = 1;
			return c->run(argc - i, argv + i);
		}
	}
	cli_error("'%s' is not a trawl command; see 'trawl --help'", argv[i]);
	return EXIT_USAGE;
}
