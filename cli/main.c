/*
 * main.c - the `trawl` command: global options and dispatch to the
 * subcommands registered in cli_commands[] (one cmd_<name>.c each).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const cli_command cli_commands[] = {
	{"ingest", cmd_ingest, "add files, folders, maildirs, mbox files to the archive"},
	{"search", cmd_search, "search the archive with the query language"},
	{"show", cmd_show, "show one item: headers, text, attachments, raw bytes"},
	{"stats", cmd_stats, "counts of what the archive holds"},
	{"errors", cmd_errors, "inputs and items that could not be processed, with why"},
	{"serve", cmd_serve, "web interface and JSON API over the archive"},
	{"scan", cmd_scan, "scan texts for PII and secrets (SSNs, cards, IBANs, keys, ...)"},
	{"findings", cmd_findings, "report PII and secrets found, by type, person and document"},
	{"verify", cmd_verify, "re-hash originals; --dkim verifies DKIM signatures"},
	{"provenance", cmd_provenance, "where messages came from: Received chain, IPs, clients, zones"},
	{"export", cmd_export, "export items: jsonl, csv, mbox, eml, zip, concordance; redaction"},
	{"manifest", cmd_manifest, "a reproducible hash of the archive's evidence to cite"},
	{"thread", cmd_thread, "a conversation as a tree: every reply of a message"},
	{"people", cmd_people, "people behind the addresses; merge and split them"},
	{"contacts", cmd_contacts, "who a person wrote to and heard from, and when"},
	{"graph", cmd_graph, "who wrote to whom, as JSON, Graphviz DOT or GEXF (Gephi)"},
	{"timeline", cmd_timeline, "matches per day, week, month or year"},
	{"tag", cmd_tag, "add or remove tags on everything a query matches"},
	{"note", cmd_note, "attach a note to an item, list or delete notes"},
	{"saved", cmd_saved, "save searches under a name, list and remove them"},
	{"batch", cmd_batch, "run a list of queries (one per line) and count hits"},
	{"help", cmd_help, "help on a command, or 'trawl help query' for the query language"},
	{NULL, NULL, NULL},
};

int cli_color_mode;

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("trawl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *cli_archive_path(const char *opt)
{
	const char *env = getenv("TRAWL_ARCHIVE");

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return "trawl.db";
}

trawl_archive *cli_open(const char *opt, unsigned flags)
{
	trawl_archive *ar = NULL;
	trawl_status st = trawl_archive_open(cli_archive_path(opt), flags, &ar);

	if (st != TRAWL_OK) {
		cli_error("%s", trawl_archive_errmsg(ar));
		trawl_archive_close(ar);
		return NULL;
	}
	return ar;
}

void cli_syntax_error(const char *query, const trawl_syntax_error *err)
{
	size_t i;

	cli_error("query error: %s", err->message);
	fprintf(stderr, "  %s\n  ", query);
	for (i = 0; i < err->pos && query[i]; i++)
		fputc(query[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

char *cli_join(int argc, char **argv, int from)
{
	size_t len = 1;
	int i;
	char *s, *p;

	for (i = from; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (i = from; i < argc; i++) {
		size_t k = strlen(argv[i]);

		if (i > from)
			*p++ = ' ';
		memcpy(p, argv[i], k);
		p += k;
	}
	*p = '\0';
	return s;
}

int cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if (cli_color_mode)
		return cli_color_mode > 0;
	if (nc && *nc)
		return 0;
	return isatty(fileno(f));
}

const char *cli_iso(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm)) {
		snprintf(buf, n, "?");
		return buf;
	}
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

const char *cli_local(int64_t t, int tz, char *buf, size_t n)
{
	time_t tt = (time_t)(t + (int64_t)tz * 60);
	struct tm tm;
	char d[32];
	int a = tz < 0 ? -tz : tz;

	if (!gmtime_r(&tt, &tm)) {
		snprintf(buf, n, "?");
		return buf;
	}
	strftime(d, sizeof(d), "%Y-%m-%d %H:%M", &tm);
	snprintf(buf, n, "%s %c%02d%02d", d, tz < 0 ? '-' : '+', a / 60, a % 60);
	return buf;
}

const char *cli_size(int64_t b, char *buf, size_t n)
{
	static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%lld B", (long long)b);
	else
		snprintf(buf, n, "%.1f %s", v, units[u]);
	return buf;
}

void cli_json_print(json_t *v, FILE *f)
{
	json_dumpf(v, f, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
	fputc('\n', f);
}

int cli_int(const char *opt, const char *s, int64_t *out)
{
	char *e;
	long long v = strtoll(s, &e, 10);

	if (!*s || *e || v < 0) {
		cli_error("%s needs a non-negative whole number, not '%s'", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

char *cli_snippet(const char *s, int color)
{
	size_t n = s ? strlen(s) : 0, i, o = 0;
	char *out = malloc(n * 5 + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == TRAWL_HL_START[0]) {
			if (color) {
				memcpy(out + o, "\033[1m", 4);
				o += 4;
			}
		} else if (s[i] == TRAWL_HL_END[0]) {
			if (color) {
				memcpy(out + o, "\033[0m", 4);
				o += 4;
			}
		} else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
			out[o++] = ' ';
		} else if ((unsigned char)s[i] < 32 || s[i] == 127) {
			/* Control bytes from evidence never reach the terminal. */
			continue;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

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
			optind = 1;
			return c->run(argc - i, argv + i);
		}
	}
	cli_error("'%s' is not a trawl command; see 'trawl --help'", argv[i]);
	return EXIT_USAGE;
}
