/*
 * cmd_findings.c - `trawl findings`: what PII and secrets the archive
 * holds, by type, by person and by document, or every finding as a JSON
 * line.  Values are never shown: only masked previews.  Also prints the
 * findings section of `trawl show` (cli_show_findings).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct out {
	int json;
	int64_t limit, shown, total;
};

static int print_finding(const trawl_finding *f, void *ud)
{
	struct out *o = ud;

	o->total++;
	if (o->json) {
		json_t *j = tj_finding(f);

		cli_json_print(j, stdout);
		json_decref(j);
		return 0;
	}
	if (o->limit && o->shown >= o->limit)
		return 0;
	o->shown++;
	{
		char *path = cli_snippet(f->path ? f->path : "", 0);
		char *pv = cli_snippet(f->preview ? f->preview : "", 0);

		printf("id:%-8lld %-8s %-16s %4.2f  %-24s  %s\n", (long long)f->id, f->type,
		       f->subtype ? f->subtype : "", f->confidence, pv, path);
		free(path);
		free(pv);
	}
	return 0;
}

struct groups {
	int64_t shown, limit;
	const char *title;
};

static int print_group(const trawl_finding_group *g, void *ud)
{
	struct groups *o = ud;
	char *key;

	if (o->limit && o->shown >= o->limit)
		return 1;
	if (!o->shown)
		printf("%s\n", o->title);
	o->shown++;
	key = cli_snippet(g->key ? g->key : "", 0);
	if (g->id)
		printf("  id:%-8lld %-9s %6lld findings %6lld values  max %.2f  %s\n",
		       (long long)g->id, g->type, (long long)g->count, (long long)g->values,
		       g->max_confidence, key);
	else
		printf("  %-36.36s %-9s %6lld findings %6lld values %6lld docs  max %.2f avg %.2f\n",
		       key, g->type, (long long)g->count, (long long)g->values,
		       (long long)g->documents, g->max_confidence, g->avg_confidence);
	free(key);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: trawl findings [OPTIONS] [QUERY...]\n\n"
	      "Report the PII and secrets found in the contents matching QUERY (default: all):\n"
	      "counts by type, by person (the sender of the message a content is or came in)\n"
	      "and by document.  Values are shown masked, the last four characters visible.\n\n"
	      "  -a, --archive FILE      archive to read\n"
	      "      --json              one JSON object per finding: type, id (the item),\n"
	      "                          confidence, preview, subtype, offset, length, hash,\n"
	      "                          path, person, label\n"
	      "      --list              one line per finding instead of the report\n"
	      "      --by WHAT           only one report: type, person or document\n"
	      "  -t, --type TYPES        only these types (comma-separated): ssn, card, iban,\n"
	      "                          phone, email, password, key, dob, ip\n"
	      "      --min-confidence X  leave out findings below X (0..1)\n"
	      "  -n, --limit N           rows per report (default 20; 0 = all)\n"
	      "  -h, --help              this help\n\n"
	      "Texts are scanned during ingest (unless --no-scan) and by 'trawl scan'.\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error.\n",
	      f);
}

int cmd_findings(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'J'},
		{"list", no_argument, NULL, 'L'},          {"by", required_argument, NULL, 'b'},
		{"type", required_argument, NULL, 't'},    {"min-confidence", required_argument, NULL, 'm'},
		{"limit", required_argument, NULL, 'n'},   {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL, *by = NULL;
	trawl_findings_opts opts;
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_status st = TRAWL_OK;
	struct out o = {0, 0, 0, 0};
	int list = 0, c, rc = EXIT_OK;
	int64_t limit = 20;
	char *query, *e;

	memset(&opts, 0, sizeof(opts));
	while ((c = getopt_long(argc, argv, "a:t:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'J': o.json = 1; break;
		case 'L': list = 1; break;
		case 'b':
			if (strcmp(optarg, "type") && strcmp(optarg, "person") && strcmp(optarg, "document")) {
				cli_error("--by takes type, person or document, not '%s'", optarg);
				return EXIT_USAGE;
			}
			by = optarg;
			break;
		case 't': opts.types = optarg; break;
		case 'm':
			opts.min_confidence = strtod(optarg, &e);
			if (*e || e == optarg || opts.min_confidence < 0 || opts.min_confidence > 1) {
				cli_error("--min-confidence needs a number from 0 to 1, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (cli_int("--limit", optarg, &limit))
				return EXIT_USAGE;
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	rc = cli_query_open(argc, argv, optind, archive, TRAWL_OPEN_READONLY, &query, &ar, &err);
	if (rc)
		return rc;
	o.limit = limit;
	if (o.json || list) {
		st = trawl_findings(ar, query, &opts, print_finding, &o, &err);
		if (st == TRAWL_OK && !o.json && o.total > o.shown)
			fprintf(stderr, "%lld of %lld findings shown (--limit 0 for all)\n",
				(long long)o.shown, (long long)o.total);
	} else {
		static const struct {
			const char *name, *title;
			trawl_finding_grouping g;
		} reports[] = {
			{"type", "By type:", TRAWL_GROUP_TYPE},
			{"person", "\nBy person (sender):", TRAWL_GROUP_PERSON},
			{"document", "\nBy document:", TRAWL_GROUP_DOCUMENT},
		};
		size_t i;
		int any = 0;

		for (i = 0; i < sizeof(reports) / sizeof(reports[0]) && st == TRAWL_OK; i++) {
			struct groups g = {0, limit, reports[i].title};

			if (by && strcmp(by, reports[i].name))
				continue;
			if (by)
				g.title = reports[i].title[0] == '\n' ? reports[i].title + 1 : reports[i].title;
			st = trawl_findings_summary(ar, query, &opts, reports[i].g, print_group, &g, &err);
			any |= g.shown > 0;
		}
		if (st == TRAWL_OK && !any)
			fprintf(stderr, "no findings%s\n", *query ? " in the matching contents" : "");
	}
	if (st == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (st == TRAWL_EINVAL) {
		cli_error("%s", trawl_archive_errmsg(ar));
		rc = EXIT_USAGE;
	} else if (st != TRAWL_OK) {
		cli_error("findings failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	}
	trawl_archive_close(ar);
	free(query);
	return rc;
}

/* ---------------------------------------------------------------- show */

struct show {
	int n;
};

static int show_one(const trawl_finding *f, void *ud)
{
	struct show *s = ud;
	char *pv = cli_snippet(f->preview ? f->preview : "", 0);

	if (!s->n)
		printf("findings:\n");
	printf("  %-8s %-16s %4.2f  %-24s at %lld\n", f->type, f->subtype ? f->subtype : "",
	       f->confidence, pv, (long long)f->offset);
	free(pv);
	s->n++;
	return 0;
}

int cli_show_findings(trawl_archive *ar, int64_t id, json_t *obj)
{
	struct show s = {0};

	if (obj) {
		json_t *arr = tj_item_findings(ar, id);

		if (!arr)
			return -1;
		json_object_set_new(obj, "findings", arr);
		return 0;
	}
	return trawl_item_findings(ar, id, show_one, &s) == TRAWL_OK ? 0 : -1;
}
