/*
 * tokbench.c - throughput of the FTS5 tokenizer `trawl` (lib/text/)
 * against SQLite's unicode61 remove_diacritics 2 on the texts of an
 * archive, language detection, and the whole FTS5 insertion with each.
 * Not part of the test suite.  Build and run:
 *
 *   make && cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Ilib -o /tmp/tokbench \
 *      bench/tokbench.c build/libtrawl.a $(make -s print-libs)
 *   /tmp/tokbench ARCHIVE.db
 */
#include <time.h>
#include <unistd.h>

#include "archive/db.h"
#include "text/text.h"

struct text {
	char *s;
	int n;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long ntok;

static int count_fts(void *ctx, int flags, const char *t, int n, int s, int e)
{
	(void)ctx; (void)flags; (void)t; (void)n; (void)s; (void)e;
	ntok++;
	return 0;
}

static int count_tw(void *ud, int flags, const char *t, size_t n, size_t s, size_t e)
{
	(void)ud; (void)flags; (void)t; (void)n; (void)s; (void)e;
	ntok++;
	return 0;
}

int main(int argc, char **argv)
{
	struct text *texts = NULL;
	size_t ntexts = 0, cap = 0, bytes = 0;
	sqlite3 *db;
	sqlite3_stmt *s;
	fts5_api *api = NULL;
	fts5_tokenizer u61;
	Fts5Tokenizer *tok;
	void *ud;
	const char *args[] = {"remove_diacritics", "2"};
	double t0;

	if (argc != 2 || tw_db_open(argv[1], 1, &db) != SQLITE_OK)
		return 2;
	sqlite3_prepare_v2(db, "SELECT body FROM fts_src", -1, &s, NULL);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (ntexts == cap) {
			cap = cap ? cap * 2 : 1024;
			texts = realloc(texts, cap * sizeof(*texts));
		}
		texts[ntexts].n = sqlite3_column_bytes(s, 0);
		texts[ntexts].s = tw_strndup((const char *)sqlite3_column_text(s, 0),
					     (size_t)texts[ntexts].n);
		bytes += (size_t)texts[ntexts].n;
		ntexts++;
	}
	sqlite3_finalize(s);
	sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL);
	sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(s);
	sqlite3_finalize(s);
	api->xFindTokenizer(api, "unicode61", &ud, &u61);
	u61.xCreate(ud, args, 2, &tok);
	printf("%zu texts, %.1f MB\n", ntexts, (double)bytes / 1e6);

	t0 = now();
	ntok = 0;
	for (size_t i = 0; i < ntexts; i++)
		u61.xTokenize(tok, NULL, FTS5_TOKENIZE_DOCUMENT, texts[i].s, texts[i].n, count_fts);
	printf("unicode61:            %6.2f s  %5.1f MB/s  %ld tokens\n", now() - t0,
	       (double)bytes / 1e6 / (now() - t0), ntok);

	t0 = now();
	for (size_t i = 0; i < ntexts; i++)
		tw_lang_detect(texts[i].s, (size_t)texts[i].n);
	printf("detection (cold):     %6.2f s\n", now() - t0);
	t0 = now();
	for (size_t i = 0; i < ntexts; i++)
		tw_lang_detect(texts[i].s, (size_t)texts[i].n);
	printf("detection (memo):     %6.2f s\n", now() - t0);

	t0 = now();
	ntok = 0;
	for (size_t i = 0; i < ntexts; i++)
		tw_tokenize(texts[i].s, (size_t)texts[i].n, TW_TOK_DOC, NULL, count_tw, NULL);
	printf("trawl:                %6.2f s  %5.1f MB/s  %ld tokens\n", now() - t0,
	       (double)bytes / 1e6 / (now() - t0), ntok);
	u61.xDelete(tok);
	sqlite3_close(db);
	/* The whole FTS5 insertion: the index grows with the stem tokens. */
	for (int v = 0; v < 2; v++) {
		const char *mk = v ? "CREATE VIRTUAL TABLE f USING fts5(x, tokenize='trawl')"
				   : "CREATE VIRTUAL TABLE f USING fts5(x, tokenize='unicode61 remove_diacritics 2')";

		unlink("/tmp/tokbench.db");
		tw_db_open("/tmp/tokbench.db", 0, &db);
		sqlite3_exec(db, mk, NULL, NULL, NULL);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		sqlite3_prepare_v2(db, "INSERT INTO f(x) VALUES(?)", -1, &s, NULL);
		t0 = now();
		for (size_t i = 0; i < ntexts; i++) {
			sqlite3_bind_text(s, 1, texts[i].s, texts[i].n, SQLITE_STATIC);
			sqlite3_step(s);
			sqlite3_reset(s);
		}
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		printf("FTS5 insert %-10s  %6.2f s\n", v ? "trawl" : "unicode61", now() - t0);
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
	unlink("/tmp/tokbench.db");
	return 0;
}
