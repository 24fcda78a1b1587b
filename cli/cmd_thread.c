/*
 * cmd_thread.c - `trawl thread ID`: the conversation a message belongs to,
 * as an indented tree (date, sender, subject, id), or as JSON lines.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: trawl thread [OPTIONS] ID\n\n"
	      "Show the conversation of message ID (any message in it, from 'trawl search')\n"
	      "as a tree: replies under what they answer, each with date, sender, subject\n"
	      "and id.  A message that replies name but that is not in the archive is shown\n"
	      "as '(not in the archive)'.  'trawl search thread:ID' gives the same messages\n"
	      "as search hits.\n\n"
	      "  -a, --archive FILE  archive to read\n"
	      "      --thread N      ID is a conversation number (the 'thread' of a hit)\n"
	      "      --json          one JSON object per message: id, depth, parent (index\n"
	      "                      of the parent line, -1 for a root), missing, message_id,\n"
	      "                      date, from, subject, thread\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 no such message.\n",
	      f);
}

static void print_tree(const trawl_thread *t, int64_t asked, int color)
{
	size_t i;

	printf("%sconversation %lld: %zu message%s%s\n", color ? "\033[1m" : "",
	       (long long)t->thread_id, t->nmessages, t->nmessages == 1 ? "" : "s",
	       color ? "\033[0m" : "");
	for (i = 0; i < t->nmsgs; i++) {
		const trawl_thread_msg *m = &t->msgs[i];
		char date[40] = "(no date)";
		int d, depth = m->depth > 30 ? 30 : m->depth;

		printf("%c ", m->id && m->id == asked ? '*' : ' ');
		for (d = 0; d < depth; d++)
			fputs("  ", stdout);
		if (m->depth > 30)
			printf("[%d] ", m->depth);
		if (m->missing) {
			printf("%s(not in the archive)%s <", color ? "\033[2m" : "", color ? "\033[0m" : "");
			cli_print_safe(stdout, m->message_id);
			puts(">");
			continue;
		}
		if (m->has_date)
			cli_local(m->date, m->tz_offset, date, sizeof(date));
		date[16] = '\0';
		printf("%s%-16s%s  ", color ? "\033[2m" : "", date, color ? "\033[0m" : "");
		cli_print_safe(stdout, m->from ? m->from : "(no sender)");
		fputs("  ", stdout);
		cli_print_safe(stdout, m->subject ? m->subject : "(no subject)");
		printf("  id:%lld\n", (long long)m->id);
	}
}

int cmd_thread(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'J'},
		{"thread", no_argument, NULL, 'T'},        {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL, *arg;
	int json = 0, by_thread = 0, c, rc = EXIT_OK;
	int64_t id;
	trawl_archive *ar;
	trawl_thread *t = NULL;
	trawl_status st;

	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'J': json = 1; break;
		case 'T': by_thread = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_error("thread needs exactly one ID");
		usage(stderr);
		return EXIT_USAGE;
	}
	arg = argv[optind];
	if (!strncmp(arg, "id:", 3) || !strncmp(arg, "thread:", 7))
		arg = strchr(arg, ':') + 1;
	if (cli_int("ID", arg, &id))
		return EXIT_USAGE;
	ar = cli_open(archive, TRAWL_OPEN_READONLY);
	if (!ar)
		return EXIT_FAIL;
	st = by_thread ? trawl_thread_get_by_id(ar, id, &t) : trawl_thread_get(ar, id, &t);
	if (st == TRAWL_OK) {
		if (json) {
			size_t i;

			for (i = 0; i < t->nmsgs; i++) {
				json_t *o = tj_thread_msg(&t->msgs[i]);

				json_object_set_new(o, "thread", json_integer(t->thread_id));
				cli_json_print(o, stdout);
				json_decref(o);
			}
		} else {
			print_tree(t, by_thread ? 0 : id, cli_color(stdout));
		}
	} else if (st == TRAWL_ENOTFOUND) {
		cli_error("%s", trawl_archive_errmsg(ar));
		rc = EXIT_NOTFOUND;
	} else {
		cli_error("thread failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	}
	trawl_thread_free(t);
	trawl_archive_close(ar);
	return rc;
}
