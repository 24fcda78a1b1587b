/*
 * cmd_ingest.c - `trawl ingest`: add inputs to the archive, with progress
 * on a terminal, JSON progress for scripts, and a reconciled summary.
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
	if (interrupted)
		signal(sig, SIG_DFL); /* a second ^C stops at once */
	interrupted = 1;
}

enum { PROGRESS_AUTO, PROGRESS_NONE, PROGRESS_TTY, PROGRESS_JSON };

struct prog {
	int mode;
	int drew;
};

static int progress(const trawl_ingest_stats *st, void *ud)
{
	struct prog *p = ud;
	double mb = (double)st->bytes / 1e6;
	double secs = st->seconds > 0 ? st->seconds : 1e-9;

	if (p->mode == PROGRESS_JSON) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
				      "event", "progress", "inputs_total", (json_int_t)st->inputs_total,
				      "seen", (json_int_t)st->seen, "indexed", (json_int_t)st->indexed,
				      "duplicates", (json_int_t)st->duplicates, "errors",
				      (json_int_t)st->errors, "skipped", (json_int_t)st->skipped,
				      "items", (json_int_t)st->items, "bytes", (json_int_t)st->bytes,
				      "bytes_skipped", (json_int_t)st->bytes_skipped,
				      "bytes_total", (json_int_t)st->bytes_total, "seconds", st->seconds);

		cli_json_print(o, stdout);
		fflush(stdout);
		json_decref(o);
	} else if (p->mode == PROGRESS_TTY) {
		char eta[32] = "", total[32] = "", size[48] = "";
		uint64_t done = st->seen + st->skipped;
		uint64_t bytes_done = st->bytes + st->bytes_skipped;

		/* Inputs count the messages of mbox and PST files, which the
		 * counting walk cannot: the bytes tell the progress and the
		 * time left, at this run's rate. */
		if (st->inputs_total && done <= st->inputs_total)
			snprintf(total, sizeof(total), "/%llu", (unsigned long long)st->inputs_total);
		if (st->bytes_total) {
			snprintf(size, sizeof(size), ", %.0f/%.0f MB", (double)bytes_done / 1e6,
				 (double)st->bytes_total / 1e6);
			if (st->bytes && bytes_done < st->bytes_total) {
				double left = secs * (double)(st->bytes_total - bytes_done) /
					      (double)st->bytes;

				snprintf(eta, sizeof(eta), " ETA %dm%02ds", (int)left / 60,
					 (int)left % 60);
			}
		}
		fprintf(stderr, "\r\033[K%llu%s inputs%s, %llu items, %.1f MB/s, %.0f items/s, %llu errors%s",
			(unsigned long long)done, total, size, (unsigned long long)st->items, mb / secs,
			(double)st->items / secs, (unsigned long long)st->errors, eta);
		fflush(stderr);
		p->drew = 1;
	}
	return interrupted;
}

static void usage(FILE *f)
{
	trawl_limits d;

	trawl_limits_default(&d);
	fprintf(f,
		"usage: trawl ingest [OPTIONS] PATH...\n\n"
		"Add files and folders to the archive.  Folders are walked; maildirs, mbox files,\n"
		"PST/OST stores, single messages and documents are recognised by content.  Each\n"
		"message of an mbox or PST file is an input of its own.  Running the same\n"
		"command again resumes: committed inputs are skipped, changed files replaced.\n\n"
		"  -a, --archive FILE     archive to write (default $TRAWL_ARCHIVE or ./trawl.db)\n"
		"  -j, --jobs N           extractor threads (default: number of cores)\n"
		"  -l, --label NAME       custodian / source label for these inputs\n"
		"      --progress=WHEN    auto (a live line on a terminal), json (JSON lines on\n"
		"                         stdout), none\n"
		"      --json             print the final summary as JSON\n"
		"      --no-count         skip the first counting walk (no ETA)\n"
		"      --no-scan          do not scan texts for PII and secrets (see 'trawl scan')\n"
		"      --max-depth N      container nesting limit (default %d)\n"
		"      --max-item-size N  bytes of one item read into memory (default %llu)\n"
		"      --max-container N  decompressed bytes per container (default %llu)\n"
		"      --max-ratio N      decompressed/compressed ratio (default %u)\n"
		"      --max-members N    members per container (default %u)\n"
		"      --max-text N       text bytes kept per item (default %llu)\n"
		"      --max-seconds N    time per input; a PST reader silent this long is\n"
		"                         stopped (default %u)\n"
		"  -h, --help             this help\n\n"
		"Every input ends as indexed, duplicate (its content is already in the archive)\n"
		"or error (see 'trawl errors'); the summary reconciles the counts.  Exit status 0\n"
		"when the run completed (even if some inputs failed), 1 when it could not.\n",
		d.max_depth, (unsigned long long)d.max_item_bytes,
		(unsigned long long)d.max_container_bytes, d.max_ratio, d.max_members,
		(unsigned long long)d.max_text_bytes, d.max_seconds);
}

int cmd_ingest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'},
		{"jobs", required_argument, NULL, 'j'},
		{"label", required_argument, NULL, 'l'},
		{"progress", required_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'J'},
		{"no-count", no_argument, NULL, 'N'},
		{"max-depth", required_argument, NULL, 1},
		{"max-item-size", required_argument, NULL, 2},
		{"max-container", required_argument, NULL, 3},
		{"max-ratio", required_argument, NULL, 4},
		{"max-members", required_argument, NULL, 5},
		{"max-text", required_argument, NULL, 6},
		{"max-seconds", required_argument, NULL, 7},
		{"no-scan", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL;
	trawl_ingest_opts opts;
	trawl_ingest_stats st;
	struct prog prog = {PROGRESS_AUTO, 0};
	int json = 0, c, rc = EXIT_OK;
	int64_t v;
	trawl_archive *ar;
	trawl_status s;
	struct sigaction sa;

	memset(&opts, 0, sizeof(opts));
	while ((c = getopt_long(argc, argv, "a:j:l:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'j':
			if (cli_int("--jobs", optarg, &v))
				return EXIT_USAGE;
			opts.jobs = (int)v;
			break;
		case 'l': opts.label = optarg; break;
		case 'P':
			if (!strcmp(optarg, "json"))
				prog.mode = PROGRESS_JSON;
			else if (!strcmp(optarg, "none"))
				prog.mode = PROGRESS_NONE;
			else if (!strcmp(optarg, "auto") || !strcmp(optarg, "tty"))
				prog.mode = PROGRESS_AUTO;
			else {
				cli_error("--progress takes auto, json or none, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'J': json = 1; break;
		case 'N': opts.no_count = 1; break;
		case 'S': opts.no_scan = 1; break;
		case 1: case 2: case 3: case 4: case 5: case 6: case 7:
			if (cli_int(longopts[c + 5].name, optarg, &v) || v == 0) {
				if (v == 0)
					cli_error("--%s must be above zero", longopts[c + 5].name);
				return EXIT_USAGE;
			}
			if (c == 1) opts.limits.max_depth = (int)v;
			if (c == 2) opts.limits.max_item_bytes = (uint64_t)v;
			if (c == 3) opts.limits.max_container_bytes = (uint64_t)v;
			if (c == 4) opts.limits.max_ratio = (uint32_t)v;
			if (c == 5) opts.limits.max_members = (uint32_t)v;
			if (c == 6) opts.limits.max_text_bytes = (uint64_t)v;
			if (c == 7) opts.limits.max_seconds = (uint32_t)v;
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("ingest needs at least one PATH");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (prog.mode == PROGRESS_AUTO)
		prog.mode = isatty(STDERR_FILENO) ? PROGRESS_TTY : PROGRESS_NONE;
	ar = cli_open(archive, TRAWL_OPEN_CREATE);
	if (!ar)
		return EXIT_FAIL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (prog.mode != PROGRESS_NONE) {
		opts.progress = progress;
		opts.progress_ud = &prog;
	}
	s = trawl_ingest(ar, (const char *const *)argv + optind, (size_t)(argc - optind), &opts, &st);
	if (prog.drew)
		fputs("\r\033[K", stderr);
	if (s != TRAWL_OK && s != TRAWL_ECANCELLED) {
		cli_error("ingest failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	} else if (s == TRAWL_ECANCELLED) {
		cli_error("%s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	}
	if (json || prog.mode == PROGRESS_JSON) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
				      " s:f, s:b}",
				      "event", "summary", "seen", (json_int_t)st.seen, "indexed",
				      (json_int_t)st.indexed, "duplicates", (json_int_t)st.duplicates,
				      "errors", (json_int_t)st.errors, "skipped", (json_int_t)st.skipped,
				      "replaced", (json_int_t)st.replaced, "items", (json_int_t)st.items,
				      "item_errors", (json_int_t)st.item_errors, "bytes",
				      (json_int_t)st.bytes, "bytes_skipped", (json_int_t)st.bytes_skipped,
				      "bytes_total", (json_int_t)st.bytes_total,
				      "inputs_total", (json_int_t)st.inputs_total,
				      "seconds", st.seconds, "complete", s == TRAWL_OK);

		json_object_set_new(o, "writer_seconds", json_real(st.writer_seconds));

		cli_json_print(o, stdout);
		json_decref(o);
	} else {
		char sz[32];
		double secs = st.seconds > 0 ? st.seconds : 1e-9;

		printf("ingest: %llu inputs seen: %llu indexed + %llu duplicates + %llu errors%s\n",
		       (unsigned long long)st.seen, (unsigned long long)st.indexed,
		       (unsigned long long)st.duplicates, (unsigned long long)st.errors,
		       st.seen == st.indexed + st.duplicates + st.errors ? "" : "  (MISMATCH)");
		printf("        %llu items written (%llu with errors), %s read in %.2f s (%.0f inputs/s, %.1f MB/s)\n",
		       (unsigned long long)st.items, (unsigned long long)st.item_errors,
		       cli_size((int64_t)st.bytes, sz, sizeof(sz)), st.seconds,
		       (double)st.seen / secs, (double)st.bytes / 1e6 / secs);
		if (st.skipped || st.replaced)
			printf("        %llu inputs already in the archive skipped, %llu changed inputs replaced\n",
			       (unsigned long long)st.skipped, (unsigned long long)st.replaced);
		if (st.errors || st.item_errors)
			printf("        see 'trawl errors' for what failed and why\n");
	}
	trawl_archive_close(ar);
	return rc;
}
