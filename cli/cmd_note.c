/*
 * cmd_note.c - `trawl note ID TEXT`: attach a note to an item's content;
 * `trawl note ID` lists its notes, `--delete N` removes one.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: trawl note [OPTIONS] ID TEXT...\n"
	      "       trawl note [OPTIONS] ID\n"
	      "       trawl note [OPTIONS] --delete NOTE\n\n"
	      "Attach a note to item ID, list the notes of ID, or delete note NOTE.  Notes\n"
	      "belong to the content (its SHA-256): they survive re-ingest, show on every\n"
	      "copy of the content ('trawl show'), and never change the evidence.\n\n"
	      "  -a, --archive FILE  archive to use\n"
	      "      --delete NOTE   delete the note with this number\n"
	      "      --json          JSON output\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 no such item or note.\n",
	      f);
}

static int print_note(const trawl_note *n, void *ud)
{
	char iso[40];

	if (*(int *)ud) {
		json_t *j = tj_note(n);

		cli_json_print(j, stdout);
		json_decref(j);
	} else {
		printf("note %lld  %s\n  ", (long long)n->id, tj_iso(n->created, iso, sizeof(iso)));
		cli_print_safe(stdout, n->text);
		putchar('\n');
	}
	return 0;
}

int cmd_note(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"delete", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'J'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL, *del = NULL;
	int json = 0, c, rc = EXIT_OK;
	int64_t id = 0, note = 0;
	trawl_archive *ar;
	trawl_status st;
	char *text = NULL;

	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'd': del = optarg; break;
		case 'J': json = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (del) {
		if (optind != argc || cli_int("--delete", del, &note))
			return EXIT_USAGE;
	} else {
		if (optind >= argc) {
			cli_error("note needs an item id");
			usage(stderr);
			return EXIT_USAGE;
		}
		if (cli_item_id(argv[optind], &id))
			return EXIT_USAGE;
		if (optind + 1 < argc) {
			text = cli_join(argc, argv, optind + 1);
			if (!text)
				return EXIT_FAIL;
		}
	}
	ar = cli_open(archive, del || text ? 0 : TRAWL_OPEN_READONLY);
	if (!ar) {
		free(text);
		return EXIT_FAIL;
	}
	if (del) {
		st = trawl_note_delete(ar, note);
		if (st == TRAWL_OK && !json)
			printf("note %lld deleted\n", (long long)note);
	} else if (text) {
		st = trawl_note_add(ar, id, text, &note);
		if (st == TRAWL_OK) {
			if (json) {
				json_t *j = json_pack("{s:I, s:I}", "note", (json_int_t)note, "item",
						      (json_int_t)id);

				cli_json_print(j, stdout);
				json_decref(j);
			} else {
				printf("note %lld added to id:%lld\n", (long long)note, (long long)id);
			}
		}
	} else {
		st = trawl_notes(ar, id, print_note, &json);
	}
	if (st != TRAWL_OK) {
		cli_error("note: %s", trawl_archive_errmsg(ar));
		rc = st == TRAWL_ENOTFOUND ? EXIT_NOTFOUND : st == TRAWL_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	free(text);
	trawl_archive_close(ar);
	return rc;
}
