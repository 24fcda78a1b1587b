/*
 * cmd_tag.c - `trawl tag +TAG -TAG QUERY`: add and remove tags on every
 * content a query matches; `trawl tag --list` for the tags in use.
 *
 * Tags are written as +name and -name before the query, so the options
 * are read by hand: "-hot" is a tag to remove, not options -h -o -t.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: trawl tag [OPTIONS] +TAG... -TAG... [--] QUERY...\n"
	      "       trawl tag [OPTIONS] --list\n\n"
	      "Add (+TAG) and remove (-TAG) tags on every content that QUERY matches, then\n"
	      "search them with tag:TAG.  Tags belong to the content (its SHA-256), so they\n"
	      "survive re-ingest and mark every copy; they never change the evidence.  A\n"
	      "tag is 1 to 64 letters, digits and - _ . / + (lowercased).  Put -- before a\n"
	      "query that starts with '-'.\n\n"
	      "  -a, --archive FILE  archive to change\n"
	      "      --list          the tags in use, with their numbers of contents\n"
	      "      --json          JSON output\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error.\n",
	      f);
}

static int print_tag(const char *name, int64_t count, void *ud)
{
	if (*(int *)ud) {
		json_t *j = json_pack("{s:s, s:I}", "tag", name, "contents", (json_int_t)count);

		cli_json_print(j, stdout);
		json_decref(j);
	} else {
		printf("%-30s %lld\n", name, (long long)count);
	}
	return 0;
}

int cmd_tag(int argc, char **argv)
{
	const char *archive = NULL;
	const char **add = calloc((size_t)argc + 1, sizeof(char *));
	const char **del = calloc((size_t)argc + 1, sizeof(char *));
	size_t nadd = 0, ndel = 0;
	int i = 1, json = 0, list = 0, rc = EXIT_OK;
	trawl_archive *ar;
	trawl_syntax_error err;
	trawl_status st;
	int64_t matched = 0;
	char *query = NULL;

	if (!add || !del) {
		free(add);
		free(del);
		return EXIT_FAIL;
	}
	for (; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			goto done;
		} else if (!strcmp(a, "--archive") || !strcmp(a, "-a")) {
			if (++i >= argc) {
				cli_error("--archive needs a file");
				rc = EXIT_USAGE;
				goto done;
			}
			archive = argv[i];
		} else if (!strncmp(a, "--archive=", 10)) {
			archive = a + 10;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--list")) {
			list = 1;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (a[0] == '+' && a[1]) {
			add[nadd++] = a + 1;
		} else if (a[0] == '-' && a[1] && a[1] != '-') {
			del[ndel++] = a + 1;
		} else if (a[0] == '-' && a[1] == '-') {
			cli_error("unknown option '%s'", a);
			usage(stderr);
			rc = EXIT_USAGE;
			goto done;
		} else {
			break;
		}
	}
	if (!list && (nadd + ndel == 0 || i >= argc)) {
		cli_error(nadd + ndel == 0 ? "tag needs +TAG or -TAG" : "tag needs a query (what to tag)");
		usage(stderr);
		rc = EXIT_USAGE;
		goto done;
	}
	ar = cli_open(archive, list ? TRAWL_OPEN_READONLY : 0);
	if (!ar) {
		rc = EXIT_FAIL;
		goto done;
	}
	if (list) {
		st = trawl_tags_list(ar, print_tag, &json);
	} else {
		query = cli_join(argc, argv, i);
		memset(&err, 0, sizeof(err));
		st = query ? trawl_tag_query(ar, query, add, nadd, del, ndel, &matched, &err)
			   : TRAWL_ENOMEM;
		if (st == TRAWL_OK) {
			if (json) {
				json_t *j = json_pack("{s:I}", "matched", (json_int_t)matched);

				cli_json_print(j, stdout);
				json_decref(j);
			} else {
				printf("%lld content%s tagged\n", (long long)matched, matched == 1 ? "" : "s");
			}
		}
	}
	if (st == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (st != TRAWL_OK) {
		cli_error("tag: %s", trawl_archive_errmsg(ar));
		rc = st == TRAWL_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	trawl_archive_close(ar);
done:
	free(query);
	free(add);
	free(del);
	return rc;
}
