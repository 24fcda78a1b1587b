/*
 * cmd_scan.c - `trawl scan`: scan the texts already in an archive for PII
 * and secrets (the same scanner ingest runs), e.g. after an ingest with
 * --no-scan or after the validators improved.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int progress(const trawl_ingest_stats *st, void *ud)
{
	if (*(int *)ud) {
		fprintf(stderr, "\r\033[K%llu/%llu contents, %llu findings, %.1f MB of text",
			(unsigned long long)st->seen, (unsigned long long)st->inputs_total,
			(unsigned long long)st->items, (double)st->bytes / 1e6);
		fflush(stderr);
	}
	return interrupted;
}

static void usage(FILE *f)
{
	fputs("usage: trawl scan [OPTIONS] [QUERY...]\n\n"
	      "Scan the extracted texts of the contents matching QUERY (default: all) for\n"
	      "PII and secrets: SSNs, payment cards, IBANs, phone numbers, email addresses,\n"
	      "dates of birth, passwords, private and API keys, IP addresses.  Contents\n"
	      "already scanned are skipped unless --rescan.  Values are stored only as a\n"
	      "salted hash and a masked preview; see 'trawl findings'.\n\n"
	      "  -a, --archive FILE  archive to update\n"
	      "      --rescan        scan contents that were scanned before, too\n"
	      "      --json          print the summary as JSON\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error.\n",
	      f);
}

int cmd_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"rescan", no_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'J'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL;
	trawl_scan_opts opts;
	trawl_scan_stats st;
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_status s;
	int json = 0, c, rc = EXIT_OK, tty;
	char *query;
	struct sigaction sa;

	memset(&opts, 0, sizeof(opts));
	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'r': opts.rescan = 1; break;
		case 'J': json = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	rc = cli_query_open(argc, argv, optind, archive, 0, &query, &ar, &err);
	if (rc)
		return rc;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	tty = !json && isatty(STDERR_FILENO);
	opts.progress = progress;
	opts.progress_ud = &tty;
	s = trawl_scan(ar, query, &opts, &st, &err);
	if (tty)
		fputs("\r\033[K", stderr);
	if (s == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (s != TRAWL_OK) {
		cli_error("scan failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	}
	if (s == TRAWL_OK || s == TRAWL_ECANCELLED) {
		double mbps = st.scan_seconds > 0 ? (double)st.bytes / 1e6 / st.scan_seconds : 0;

		if (json) {
			json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:s}", "contents",
					      (json_int_t)st.contents, "skipped", (json_int_t)st.skipped,
					      "findings", (json_int_t)st.findings, "bytes",
					      (json_int_t)st.bytes, "seconds", st.seconds, "scan_seconds",
					      st.scan_seconds, "scan_mb_per_s", mbps, "engine",
					      st.engine ? st.engine : "");

			cli_json_print(o, stdout);
			json_decref(o);
		} else {
			printf("scan: %lld contents scanned, %lld already scanned, %lld findings\n",
			       (long long)st.contents, (long long)st.skipped, (long long)st.findings);
			printf("      %.1f MB of text in %.2f s (scanner %.2f s, %.0f MB/s, %s)\n",
			       (double)st.bytes / 1e6, st.seconds, st.scan_seconds, mbps,
			       st.engine ? st.engine : "?");
		}
	}
	trawl_archive_close(ar);
	free(query);
	return rc;
}
