/*
 * cmd_graph.c - `trawl graph [QUERY]`: who wrote to whom in the matching
 * messages, as JSON, Graphviz DOT or GEXF for Gephi.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: trawl graph [OPTIONS] [QUERY...]\n\n"
	      "Export the communication graph of the messages matching QUERY (all without\n"
	      "one): people are nodes, an edge from A to B counts the messages A sent to B\n"
	      "(to, cc or bcc), with the first and last date.\n\n"
	      "  -a, --archive FILE   archive to read\n"
	      "  -f, --format FORMAT  json (default), dot (Graphviz: dot -Tsvg) or gexf (Gephi)\n"
	      "  -o, --output FILE    write there instead of to standard output\n"
	      "      --min N          leave out edges with fewer than N messages\n"
	      "      --max-nodes N    keep only the N busiest people\n"
	      "  -h, --help           this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error.\n",
	      f);
}

static int write_out(const void *buf, size_t len, void *ud)
{
	return fwrite(buf, 1, len, (FILE *)ud) != len;
}

int cmd_graph(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},  {"min", required_argument, NULL, 'M'},
		{"max-nodes", required_argument, NULL, 'N'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL, *output = NULL;
	trawl_graph_opts opts;
	trawl_syntax_error err;
	int c, rc = EXIT_OK, format = 0;
	int64_t v;
	trawl_archive *ar;
	trawl_graph *g = NULL;
	trawl_status st;
	char *query;
	FILE *out = stdout;

	memset(&opts, 0, sizeof(opts));
	while ((c = getopt_long(argc, argv, "a:f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'f':
			if (!strcmp(optarg, "json"))
				format = 0;
			else if (!strcmp(optarg, "dot"))
				format = TRAWL_GRAPH_DOT;
			else if (!strcmp(optarg, "gexf"))
				format = TRAWL_GRAPH_GEXF;
			else {
				cli_error("--format takes json, dot or gexf, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o': output = optarg; break;
		case 'M':
			if (cli_int("--min", optarg, &v))
				return EXIT_USAGE;
			opts.min_messages = v;
			break;
		case 'N':
			if (cli_int("--max-nodes", optarg, &v))
				return EXIT_USAGE;
			opts.max_nodes = (size_t)v;
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	rc = cli_query_open(argc, argv, optind, archive, TRAWL_OPEN_READONLY, &query, &ar, &err);
	if (rc)
		return rc;
	st = trawl_graph_get(ar, query, &opts, &g, &err);
	if (st == TRAWL_OK && output) {
		out = fopen(output, "wb");
		if (!out) {
			cli_error("cannot write '%s': %s", output, strerror(errno));
			rc = EXIT_FAIL;
		}
	}
	if (st == TRAWL_OK && out) {
		if (format) {
			st = trawl_graph_write(g, (trawl_graph_format)format, write_out, out);
		} else {
			json_t *j = tj_graph(g);

			cli_json_print(j, out);
			json_decref(j);
		}
		if ((out != stdout && fclose(out) != 0) || (out == stdout && fflush(out) != 0)) {
			cli_error("writing the graph failed");
			rc = EXIT_FAIL;
		}
		if (st == TRAWL_OK && rc == EXIT_OK && out != stdout)
			fprintf(stderr, "%zu people, %zu edges written to %s\n", g->nnodes, g->nedges, output);
	}
	if (st == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (st != TRAWL_OK) {
		cli_error("graph failed: %s", st == TRAWL_EIO ? "writing the output" : trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	}
	trawl_graph_free(g);
	trawl_archive_close(ar);
	free(query);
	return rc;
}
