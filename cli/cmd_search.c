/*
 * cmd_search.c - `trawl search`: run a query, print hits one per line with
 * a highlighted snippet, or as JSON lines, or just their number.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct out {
	int json, color;
	int64_t shown;
};

static int print_hit(const trawl_hit *h, void *ud)
{
	struct out *o = ud;

	o->shown++;
	if (o->json) {
		json_t *j = tj_hit(h);

		cli_json_print(j, stdout);
		json_decref(j);
	} else {
		char date[40] = "(no date)         ";
		char *subj = cli_snippet(h->subject ? h->subject : "", 0);
		char *from = cli_snippet(h->from ? h->from : (h->kind ? h->kind : ""), 0);
		char *snip = cli_snippet(h->snippet, o->color);

		if (h->has_date)
			cli_local(h->date, h->tz_offset, date, sizeof(date));
		date[16] = '\0';
		printf("%s%-16s  %-28.28s  %s%s  id:%lld", o->color ? "\033[2m" : "", date, from,
		       o->color ? "\033[0m" : "", subj, (long long)h->id);
		if (h->occurrences > 1)
			printf("  (%lld places)", (long long)h->occurrences);
		if (h->thread_hits > 1)
			printf("  (%lld in conversation)", (long long)h->thread_hits);
		putchar('\n');
		if (snip && *snip)
			printf("    %s\n", snip);
		free(subj);
		free(from);
		free(snip);
	}
	return 0;
}

static int count_none(const trawl_hit *h, void *ud)
{
	return 1;
}

/* The facets of the query after its hits. */
static trawl_status print_facets(trawl_archive *ar, const char *query, int json,
				 trawl_syntax_error *err)
{
	trawl_facets *f = NULL;
	trawl_status st = trawl_facets_get(ar, query, 10, &f, err);
	size_t i, k;

	if (st)
		return st;
	if (json) {
		json_t *j = tj_facets(f);

		cli_json_print(j, stdout);
		json_decref(j);
	} else {
		printf("\n%lld matches by\n", (long long)f->total);
		for (i = 0; i < f->nfacets; i++) {
			if (!f->facets[i].nvalues)
				continue;
			printf("%s (%s:)\n", f->facets[i].name, f->facets[i].field);
			for (k = 0; k < f->facets[i].nvalues; k++) {
				printf("  %8lld  ", (long long)f->facets[i].values[k].count);
				cli_print_safe(stdout, f->facets[i].values[k].label);
				putchar('\n');
			}
			if (f->facets[i].others)
				printf("  (%lld more)\n", (long long)f->facets[i].others);
		}
	}
	trawl_facets_free(f);
	return TRAWL_OK;
}

static void usage(FILE *f)
{
	fputs("usage: trawl search [OPTIONS] QUERY...\n\n"
	      "Search the archive.  Identical contents found at several places are one hit.\n\n"
	      "  -a, --archive FILE   archive to read\n"
	      "      --json           one JSON object per hit (id, kind, type, date, from, to,\n"
	      "                       subject, message_id, path, sha256, snippet, ...)\n"
	      "  -c, --count          print only the number of hits\n"
	      "  -n, --limit N        hits to print (default 20; 0 = all)\n"
	      "      --offset N       skip the first N hits\n"
	      "  -s, --sort ORDER     relevance (default), date, -date\n"
	      "      --by-thread      one hit per conversation (the best placed), with the\n"
	      "                       number of hits in it; --count counts conversations\n"
	      "      --facets         then counts of the hits by sender, recipient, type,\n"
	      "                       year, month, tag, label and extension (with --json:\n"
	      "                       a last line {\"facets\": ..., \"total\": N})\n"
	      "  -h, --help           this help\n\n"
	      "Query language (details: 'trawl help query'):\n"
	      "  words               all must match          \"a phrase\"   prefix*\n"
	      "  a OR b   NOT a   -a   ( ... )\n"
	      "  from: to: cc: bcc: recipient: contact:   address or name\n"
	      "  subject: body:   date:2001-05  date:2001-05-01..2001-06-15  date:..2001\n"
	      "  has:attachment  filename:*.xls  id:N  mid:<message-id>  type:pdf  ext:docx\n"
	      "  mime:image/*  path:Inbox  author:  size:>10MB  depth:0  label:NAME\n"
	      "  thread:ID  person:NAME-OR-ADDRESS  tag:NAME\n\n"
	      "Exit status: 0 ok, 1 failure, 2 query syntax error.\n",
	      f);
}

int cmd_search(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'J'},
		{"count", no_argument, NULL, 'c'},         {"limit", required_argument, NULL, 'n'},
		{"offset", required_argument, NULL, 'o'},  {"sort", required_argument, NULL, 's'},
		{"by-thread", no_argument, NULL, 'T'},     {"help", no_argument, NULL, 'h'},
		{"facets", no_argument, NULL, 'F'},        {NULL, 0, NULL, 0},
	};
	const char *archive = NULL;
	trawl_search_opts opts;
	trawl_syntax_error err;
	struct out o = {0, 0, 0};
	int count = 0, c, rc = EXIT_OK, all = 0, facets = 0;
	int64_t v, total = 0;
	char *query;
	trawl_archive *ar;
	trawl_status st;

	memset(&opts, 0, sizeof(opts));
	opts.limit = 20;
	while ((c = getopt_long(argc, argv, "a:cn:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'J': o.json = 1; break;
		case 'c': count = 1; break;
		case 'n':
			if (cli_int("--limit", optarg, &v))
				return EXIT_USAGE;
			opts.limit = v;
			all = v == 0;
			break;
		case 'o':
			if (cli_int("--offset", optarg, &v))
				return EXIT_USAGE;
			opts.offset = v;
			break;
		case 's':
			if (!strcmp(optarg, "relevance"))
				opts.sort = TRAWL_SORT_RELEVANCE;
			else if (!strcmp(optarg, "date"))
				opts.sort = TRAWL_SORT_DATE;
			else if (!strcmp(optarg, "-date"))
				opts.sort = TRAWL_SORT_DATE_DESC;
			else {
				cli_error("--sort takes relevance, date or -date, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'T': opts.by_thread = 1; break;
		case 'F': facets = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (all)
		opts.limit = INT64_MAX;
	rc = cli_query_open(argc, argv, optind, archive, TRAWL_OPEN_READONLY, &query, &ar, &err);
	if (rc)
		return rc;
	o.color = !o.json && cli_color(stdout);
	if (count && opts.by_thread) {
		trawl_search_opts one = opts;

		one.limit = 1;
		st = trawl_search(ar, query, &one, count_none, NULL, &total, &err);
		if (st == TRAWL_OK)
			printf("%lld\n", (long long)total);
	} else if (count) {
		st = trawl_count(ar, query, &total, &err);
		if (st == TRAWL_OK)
			printf("%lld\n", (long long)total);
	} else {
		st = trawl_search(ar, query, &opts, print_hit, &o, o.json ? NULL : &total, &err);
		if (st == TRAWL_OK && !o.json) {
			if (total > o.shown)
				fprintf(stderr, "%lld of %lld hits shown (use --limit/--offset for more)\n",
					(long long)o.shown, (long long)total);
			else if (total == 0)
				fprintf(stderr, "no hits\n");
		}
	}
	if (st == TRAWL_OK && facets)
		st = print_facets(ar, query, o.json, &err);
	if (st == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (st != TRAWL_OK) {
		cli_error("search failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	}
	trawl_archive_close(ar);
	free(query);
	return rc;
}
