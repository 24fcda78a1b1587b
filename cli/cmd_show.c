/*
 * cmd_show.c - `trawl show ID`: an item's headers, metadata, places,
 * children and text; --json for scripts; --raw for the exact original
 * bytes; --text for the extracted text alone.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int write_out(const void *buf, size_t len, void *ud)
{
	return fwrite(buf, 1, len, (FILE *)ud) != len;
}

/* Print evidence text safely: no terminal control sequences get through. */
static void safe_print(const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\t' || c >= 32 || c == 0)
			putchar(c == 127 ? '?' : c);
		else if (c != '\r')
			putchar('?');
	}
}

/* The reporter's marks on the content: tags and notes. */
static int add_tag(const char *name, int64_t count, void *ud)
{
	json_array_append_new((json_t *)ud, json_string(name));
	return 0;
}

static int add_note(const trawl_note *n, void *ud)
{
	json_array_append_new((json_t *)ud, tj_note(n));
	return 0;
}

static void print_marks(trawl_archive *ar, int64_t id, int color)
{
	json_t *tags = json_array(), *notes = json_array(), *v;
	size_t i;

	trawl_item_tags(ar, id, add_tag, tags);
	trawl_notes(ar, id, add_note, notes);
	if (json_array_size(tags)) {
		printf("tags:      ");
		json_array_foreach(tags, i, v)
			printf("%s%s", i ? ", " : "", json_string_value(v));
		putchar('\n');
	}
	json_array_foreach(notes, i, v) {
		printf("%snote %lld:%s  ", color ? "\033[33m" : "",
		       (long long)json_integer_value(json_object_get(v, "id")), color ? "\033[0m" : "");
		safe_print(json_string_value(json_object_get(v, "text")));
		printf("  (%s)\n", json_string_value(json_object_get(v, "created")));
	}
	json_decref(tags);
	json_decref(notes);
}

static void print_item(trawl_archive *ar, const trawl_item *it, const char *text, int color)
{
	char buf[64];
	size_t i;
	const char *b = color ? "\033[1m" : "", *r = color ? "\033[0m" : "";

	printf("%sid:%lld%s  %s %s", b, (long long)it->id, r, it->kind ? it->kind : "?",
	       it->type ? it->type : "");
	if (it->mime)
		printf(" (%s)", it->mime);
	putchar('\n');
	printf("path:      ");
	safe_print(it->path);
	putchar('\n');
	if (it->parent_id)
		printf("parent:    id:%lld\n", (long long)it->parent_id);
	if (it->subject) {
		printf("subject:   ");
		safe_print(it->subject);
		putchar('\n');
	}
	for (i = 0; i < it->naddrs; i++) {
		printf("%-10s ", it->addrs[i].role);
		if (it->addrs[i].name) {
			safe_print(it->addrs[i].name);
			printf(" <");
			safe_print(it->addrs[i].addr);
			printf(">\n");
		} else {
			safe_print(it->addrs[i].addr);
			putchar('\n');
		}
	}
	if (it->has_date)
		printf("date:      %s\n", cli_local(it->date, it->tz_offset, buf, sizeof(buf)));
	else if (it->date_raw) {
		printf("date:      (unparsable) ");
		safe_print(it->date_raw);
		putchar('\n');
	} else if (it->message_id || it->naddrs)
		printf("date:      (none)\n");
	if (it->message_id)
		printf("message-id: <%s>\n", it->message_id);
	if (it->in_reply_to)
		printf("in-reply-to: <%s>\n", it->in_reply_to);
	if (it->thread_id)
		printf("thread:    %lld\n", (long long)it->thread_id);
	if (it->label)
		printf("label:     %s\n", it->label);
	printf("size:      %s\n", cli_size(it->size, buf, sizeof(buf)));
	if (it->sha256)
		printf("sha256:    %s\nmd5:       %s\n", it->sha256, it->md5 ? it->md5 : "");
	if (it->mismatch) {
		printf("%smismatch:%s  ", color ? "\033[33m" : "", color ? "\033[0m" : "");
		safe_print(it->mismatch);
		putchar('\n');
	}
	for (i = 0; i < it->nprops; i++) {
		if (!strcmp(it->props[i].key, "title") && it->subject)
			continue;
		printf("%-10s ", it->props[i].key);
		safe_print(it->props[i].value);
		putchar('\n');
	}
	if (it->nplaces > 1) {
		printf("%sfound at %zu places:%s\n", b, it->nplaces, r);
		for (i = 0; i < it->nplaces; i++) {
			printf("  id:%-8lld ", (long long)it->places[i].id);
			safe_print(it->places[i].path);
			putchar('\n');
		}
	}
	if (it->nchildren) {
		printf("%s%zu children:%s\n", b, it->nchildren, r);
		for (i = 0; i < it->nchildren; i++) {
			printf("  id:%-8lld %-10s ", (long long)it->children[i].id,
			       it->children[i].kind ? it->children[i].kind : "");
			safe_print(it->children[i].name);
			printf("  (%s, %s)\n", it->children[i].mime ? it->children[i].mime : "?",
			       cli_size(it->children[i].size, buf, sizeof(buf)));
		}
	}
	for (i = 0; i < it->nerrors; i++) {
		printf("%serror:%s    ", color ? "\033[31m" : "", r);
		safe_print(it->errors[i]);
		putchar('\n');
	}
	print_marks(ar, it->id, color);
	if (text && *text) {
		putchar('\n');
		safe_print(text);
		if (text[strlen(text) - 1] != '\n')
			putchar('\n');
	}
	if (it->text_truncated)
		printf("[text truncated at the max_text_bytes limit]\n");
}

static void usage(FILE *f)
{
	fputs("usage: trawl show [OPTIONS] ID\n\n"
	      "Show one item (an id from 'trawl search', with or without 'id:').\n\n"
	      "  -a, --archive FILE  archive to read\n"
	      "      --json          as a JSON object\n"
	      "      --raw           write the exact original bytes to stdout\n"
	      "      --text          write only the extracted text\n"
	      "      --provenance    where a message came from: Received hops, IPs, client\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 no such item.\n",
	      f);
}

int cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'J'},
		{"raw", no_argument, NULL, 'R'},           {"text", no_argument, NULL, 'T'},
		{"provenance", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *archive = NULL;
	int mode = 0, c, rc = EXIT_OK, prov = 0;
	int64_t id;
	trawl_archive *ar;
	trawl_item *it = NULL;
	trawl_status st;
	char *text = NULL;

	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'J': mode = 'J'; break;
		case 'R': mode = 'R'; break;
		case 'T': mode = 'T'; break;
		case 'P': prov = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_error("show needs exactly one ID");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cli_item_id(argv[optind], &id))
		return EXIT_USAGE;
	ar = cli_open(archive, TRAWL_OPEN_READONLY);
	if (!ar)
		return EXIT_FAIL;
	if (prov) {
		/* The Received chain and friends, from the original headers. */
		st = cli_show_provenance(ar, id, mode == 'J');
	} else if (mode == 'R') {
		if (isatty(STDOUT_FILENO))
			cli_error("note: writing raw bytes to a terminal; redirect to a file");
		st = trawl_item_raw(ar, id, write_out, stdout);
		if (fflush(stdout) != 0 && st == TRAWL_OK)
			st = TRAWL_EIO;
	} else {
		st = trawl_item_get(ar, id, &it);
		if (st == TRAWL_OK)
			st = trawl_item_text(ar, id, &text, NULL);
		if (st == TRAWL_OK) {
			if (mode == 'T') {
				safe_print(text);
			} else if (mode == 'J') {
				json_t *o = tj_item(it, text), *marks = json_array();

				trawl_item_tags(ar, id, add_tag, marks);
				json_object_set_new(o, "tags", marks);
				marks = json_array();
				trawl_notes(ar, id, add_note, marks);
				json_object_set_new(o, "notes", marks);
				cli_show_findings(ar, id, o);

				json_dumpf(o, stdout, JSON_INDENT(2));
				putchar('\n');
				json_decref(o);
			} else {
				print_item(ar, it, text, cli_color(stdout));
				cli_show_findings(ar, id, NULL);
			}
		}
	}
	if (st == TRAWL_ENOTFOUND) {
		cli_error("%s", trawl_archive_errmsg(ar));
		rc = EXIT_NOTFOUND;
	} else if (st != TRAWL_OK) {
		cli_error("show failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	}
	free(text);
	trawl_item_free(it);
	trawl_archive_close(ar);
	return rc;
}
