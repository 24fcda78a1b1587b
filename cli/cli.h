/*
 * cli.h - shared pieces of the `trawl` command: the command table,
 * option helpers, output conventions (colour, JSON) and error reporting.
 * The JSON shapes themselves are in json/, shared with server/.
 *
 * Commands use only the public API (trawl.h).  Exit statuses:
 *   0 success, 1 failure, 2 usage or query syntax error, 3 not found.
 * TRAWL_EREADONLY is a failure (1), not a usage error: commands that write
 * open the archive writable, so it only comes from a file or medium that
 * cannot be written, which no change to the command line fixes.
 */
#ifndef TRAWL_CLI_H
#define TRAWL_CLI_H

#include <stdio.h>

#include <jansson.h>

#include "trawl.h"
#include "../json/json.h" /* the JSON shapes (tj_*), shared with server/ */

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_NOTFOUND = 3 };

typedef struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv); /* NULL: run by trawl-full (main.c) */
	const char *summary;
} cli_command;

extern const cli_command cli_commands[];

/* Print "trawl: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Archive path from --archive, $TRAWL_ARCHIVE, or the default. */
const char *cli_archive_path(const char *opt);
/* Open the archive; prints the reason and returns NULL on failure. */
trawl_archive *cli_open(const char *opt, unsigned flags);
/* Print a query syntax error with a caret under the position. */
void cli_syntax_error(const char *query, const trawl_syntax_error *err);
/* Join argv[from..argc) with spaces (caller frees). */
char *cli_join(int argc, char **argv, int from);
/*
 * The start of a command that runs a query: argv[from..argc) joined into
 * *query, its syntax checked (err filled), then the archive opened with
 * `flags`.  Returns EXIT_OK with *query (caller frees) and *ar (caller
 * closes); otherwise prints why (a syntax error with its caret) and returns
 * the exit status, EXIT_USAGE for a bad query and EXIT_FAIL for the rest,
 * with nothing to free.
 */
int cli_query_open(int argc, char **argv, int from, const char *archive, unsigned flags,
		   char **query, trawl_archive **ar, trawl_syntax_error *err);
/* Colour wanted on this stream (--color, NO_COLOR, isatty). */
int cli_color(FILE *f);
extern int cli_color_mode; /* -1 never, 0 auto, 1 always */
/* Date in the original zone: "2001-05-14 16:39 -0700". */
const char *cli_local(int64_t t, int tz, char *buf, size_t n);
/* Human size: 1.2 MB. */
const char *cli_size(int64_t b, char *buf, size_t n);
/* Print a JSON value on one line. */
void cli_json_print(json_t *v, FILE *f);
/* Parse a positive integer option; prints an error and returns -1 on junk. */
int cli_int(const char *opt, const char *s, int64_t *out);
/* An item ID argument, "123" or "id:123"; like cli_int() on junk. */
int cli_item_id(const char *arg, int64_t *out);
/* Snippet with highlight marks replaced by ANSI bold (colour) or removed. */
char *cli_snippet(const char *s, int color);

/* Evidence text on one terminal line: control characters become '?'. */
void cli_print_safe(FILE *f, const char *s);

int cmd_ingest(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_errors(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_thread(int argc, char **argv);
int cmd_people(int argc, char **argv);
int cmd_contacts(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_note(int argc, char **argv);
int cmd_saved(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_findings(int argc, char **argv);
/* Findings of item `id` for `trawl show`: printed, or added to `obj` as
 * "findings" when obj is not NULL (cmd_findings.c).  -1 on failure. */
int cli_show_findings(trawl_archive *ar, int64_t id, json_t *obj);
int cmd_verify(int argc, char **argv);
int cmd_provenance(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_reindex(int argc, char **argv);
/* `trawl show --provenance ID` (cmd_provenance.c): prints the provenance
 * of a message, as JSON with `json`; returns a trawl_status. */
int cli_show_provenance(trawl_archive *ar, int64_t id, int json);
int cmd_serve(int argc, char **argv);

#endif
