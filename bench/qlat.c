/*
 * qlat.c - query latency of libtrawl inside one long-lived process.
 *
 * The benchmark times every tool's query the way a user runs it: one
 * process per query, clock started before fork and stopped after exit.
 * This small program gives the figure of a persistent process with one
 * client, without HTTP in the way: it opens the archive once and runs each
 * query through the public API (trawl_search with the same limit and
 * default snippets as `trawl search`), timing only the call.
 * The difference between its figures and the process-per-query figures is
 * the cost of starting trawl and opening the archive, which a server pays
 * once.
 *
 * Usage: qlat ARCHIVE QUERIES REPS LIMIT
 *   QUERIES is a file with one query per line (bench/queries.txt).
 *   Pass 0 of REPS+1 is a warm-up and is printed with rep=0; the caller
 *   drops it.
 * Output: one line per run, "query_index<TAB>rep<TAB>nanoseconds<TAB>total".
 * Exit status 0 ok, 1 failure, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trawl.h"

#define MAX_QUERIES 1000
#define MAX_LINE 4096

/* Touch what a front end would print, so that lazily built fields are
 * paid for exactly as in `trawl search`. */
static int on_hit(const trawl_hit *hit, void *ud)
{
	size_t *bytes = ud;

	if (hit->subject)
		*bytes += strlen(hit->subject);
	if (hit->from)
		*bytes += strlen(hit->from);
	if (hit->snippet)
		*bytes += strlen(hit->snippet);
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long parse_long(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "qlat: %s '%s' is not a non-negative number\n",
			what, s);
		exit(2);
	}
	return v;
}

/* Read one query per line.  Blank lines are refused rather than skipped:
 * skipping would shift the alignment with bench/queries.tsv. */
static int read_queries(const char *path, char **q, size_t *nq)
{
	char line[MAX_LINE];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "qlat: cannot open '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	*nq = 0;
	while (fgets(line, sizeof line, f)) {
		size_t n = strlen(line);

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || *nq == MAX_QUERIES) {
			fprintf(stderr, "qlat: %s: empty line or more than %d "
				"queries at line %zu\n", path, MAX_QUERIES,
				*nq + 1);
			fclose(f);
			return -1;
		}
		q[*nq] = strdup(line);
		if (!q[*nq]) {
			fclose(f);
			return -1;
		}
		(*nq)++;
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	static char *queries[MAX_QUERIES];
	size_t nq = 0, bytes = 0;
	trawl_archive *ar = NULL;
	trawl_search_opts opts;
	trawl_status st;
	long reps, limit;
	int rc = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: qlat ARCHIVE QUERIES REPS LIMIT\n");
		return 2;
	}
	reps = parse_long(argv[3], "REPS");
	limit = parse_long(argv[4], "LIMIT");
	if (read_queries(argv[2], queries, &nq) != 0)
		return 1;
	st = trawl_archive_open(argv[1], TRAWL_OPEN_READONLY, &ar);
	if (st != TRAWL_OK) {
		fprintf(stderr, "qlat: cannot open archive '%s': %s\n", argv[1],
			ar ? trawl_archive_errmsg(ar) : trawl_status_str(st));
		trawl_archive_close(ar);
		return 1;
	}
	memset(&opts, 0, sizeof opts);
	opts.sort = TRAWL_SORT_RELEVANCE;
	opts.limit = limit;
	for (long rep = 0; rep <= reps && rc == 0; rep++) {
		for (size_t i = 0; i < nq; i++) {
			trawl_syntax_error err;
			int64_t total = 0, t0, t1;

			t0 = now_ns();
			st = trawl_search(ar, queries[i], &opts, on_hit, &bytes,
					  &total, &err);
			t1 = now_ns();
			if (st != TRAWL_OK) {
				fprintf(stderr, "qlat: query %zu '%s': %s\n",
					i + 1, queries[i],
					trawl_archive_errmsg(ar));
				rc = 1;
				break;
			}
			printf("%zu\t%ld\t%" PRId64 "\t%" PRId64 "\n", i, rep,
			       t1 - t0, total);
		}
	}
	trawl_archive_close(ar);
	for (size_t i = 0; i < nq; i++)
		free(queries[i]);
	return rc;
}
