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

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *item_json(const trawl_item *it, const char *text)
{
	char iso[40];
	json_t *o = json_object(), *a;
	size_t i;

	json_object_set_new(o, "id", json_integer(it->id));
	json_object_set_new(o, "parent", it->parent_id ? json_integer(it->parent_id) : json_null());
	json_object_set_new(o, "kind", jstr(it->kind));
	json_object_set_new(o, "type", jstr(it->type));
	json_object_set_new(o, "name", jstr(it->name));
	json_object_set_new(o, "mime", jstr(it->mime));
	json_object_set_new(o, "path", jstr(it->path));
	json_object_set_new(o, "disk_path", jstr(it->disk_path));
	json_object_set_new(o, "label", jstr(it->label));
	json_object_set_new(o, "depth", json_integer(it->depth));
	json_object_set_new(o, "size", json_integer(it->size));
	json_object_set_new(o, "sha256", jstr(it->sha256));
	json_object_set_new(o, "md5", jstr(it->md5));
	json_object_set_new(o, "date", it->has_date ? json_string(cli_iso(it->date, iso, sizeof(iso)))
						    : json_null());
	if (it->message_id || it->subject || it->naddrs) {
		json_object_set_new(o, "subject", jstr(it->subject));
		json_object_set_new(o, "message_id", jstr(it->message_id));
		json_object_set_new(o, "in_reply_to", jstr(it->in_reply_to));
		json_object_set_new(o, "references", jstr(it->references));
		json_object_set_new(o, "date_header", jstr(it->date_raw));
		json_object_set_new(o, "tz_offset", json_integer(it->tz_offset));
		json_object_set_new(o, "thread", it->thread_id ? json_integer(it->thread_id) : json_null());
	}
	a = json_array();
	for (i = 0; i < it->naddrs; i++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:o}", "role", it->addrs[i].role,
						   "name", jstr(it->addrs[i].name), "address",
						   jstr(it->addrs[i].addr)));
	json_object_set_new(o, "addresses", a);
	a = json_object();
	for (i = 0; i < it->nprops; i++)
		json_object_set_new(a, it->props[i].key, jstr(it->props[i].value));
	json_object_set_new(o, "metadata", a);
	a = json_array();
	for (i = 0; i < it->nchildren; i++)
		json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o, s:I}", "id",
						   (json_int_t)it->children[i].id, "kind",
						   jstr(it->children[i].kind), "name",
						   jstr(it->children[i].name), "mime",
						   jstr(it->children[i].mime), "size",
						   (json_int_t)it->children[i].size));
	json_object_set_new(o, "children", a);
	a = json_array();
	for (i = 0; i < it->nplaces; i++)
		json_array_append_new(a, json_pack("{s:I, s:o}", "id", (json_int_t)it->places[i].id,
						   "path", jstr(it->places[i].path)));
	json_object_set_new(o, "places", a);
	a = json_array();
	for (i = 0; i < it->nerrors; i++)
		json_array_append_new(a, jstr(it->errors[i]));
	json_object_set_new(o, "errors", a);
	json_object_set_new(o, "text_truncated", json_boolean(it->text_truncated));
	json_object_set_new(o, "text", jstr(text));
	return o;
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

static void print_item(const trawl_item *it, const char *text, int color)
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
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 no such item.\n",
	      f);
}

int cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'J'},
		{"raw", no_argument, NULL, 'R'},           {"text", no_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *archive = NULL, *arg;
	int mode = 0, c, rc = EXIT_OK;
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
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_error("show needs exactly one ID");
		usage(stderr);
		return EXIT_USAGE;
	}
	arg = argv[optind];
	if (!strncmp(arg, "id:", 3))
		arg += 3;
	if (cli_int("ID", arg, &id))
		return EXIT_USAGE;
	ar = cli_open(archive, TRAWL_OPEN_READONLY);
	if (!ar)
		return EXIT_FAIL;
	if (mode == 'R') {
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
				json_t *o = item_json(it, text);

				json_dumpf(o, stdout, JSON_INDENT(2));
				putchar('\n');
				json_decref(o);
			} else {
				print_item(it, text, cli_color(stdout));
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
