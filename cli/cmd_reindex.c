/*
 * cmd_reindex.c - `trawl reindex`: rebuild the full-text index and the
 * language of every text with this trawl's tokenizer (after an upgrade
 * that changed how words are cut, folded or stemmed), showing progress.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct progress {
	int tty;
	int64_t done;
};

static int progress(int64_t done, int64_t total, void *ud)
{
	struct progress *p = ud;

	p->done = done;
	if (p->tty) {
		fprintf(stderr, "\r\033[K%lld/%lld texts", (long long)done, (long long)total);
		fflush(stderr);
	}
	return interrupted;
}

static void usage(FILE *f)
{
	fputs("usage: trawl reindex [OPTIONS]\n\n"
	      "Rebuild the full-text index and the detected language of every text with\n"
	      "this trawl's word breaking, folding and stemming, in one transaction (an\n"
	      "interruption leaves the index as it was).  Searches keep working meanwhile.\n"
	      "Tags, notes, people and findings are not touched.\n\n"
	      "  -a, --archive FILE  archive to update\n"
	      "      --json          print the summary as JSON\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage error.\n",
	      f);
}

int cmd_reindex(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL;
	int json = 0, c, rc = EXIT_OK;
	struct progress p = {isatty(STDERR_FILENO), 0};
	trawl_archive *ar;
	struct timespec t0, t1;
	trawl_status st;
	double secs;

	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'J': json = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("reindex takes no arguments");
		return EXIT_USAGE;
	}
	ar = cli_open(archive, 0);
	if (!ar)
		return EXIT_FAIL;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = trawl_reindex(ar, progress, &p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (p.tty)
		fputs("\r\033[K", stderr);
	if (st != TRAWL_OK) {
		cli_error("reindex failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	} else if (json) {
		json_t *o = json_pack("{s:I, s:f}", "texts", (json_int_t)p.done, "seconds", secs);

		cli_json_print(o, stdout);
		json_decref(o);
	} else {
		printf("reindex: %lld texts indexed in %.1f s\n", (long long)p.done, secs);
	}
	trawl_archive_close(ar);
	return rc;
}
