/*
 * fts.c - the text layer (lib/text/) as seen by SQLite: the FTS5 custom
 * tokenizer `trawl` and the SQL function tw_lang().
 *
 * The tokenizer maps FTS5's calls onto tw_tokenize(): texts being
 * indexed, deleted or highlighted become their folded words; query text
 * (FTS5_TOKENIZE_QUERY) asks for inflections unless it starts with '='
 * (exact) or is a prefix.  Inflections are the terms of the index's
 * vocabulary (temp.tw_vocab) with the query word's stem in one of the
 * archive's languages, which this file reads from the table text_lang:
 * the languages that hold at least 0.5% of the texts (or 100 texts), a
 * list cached on the connection for a minute.  A word is thus found by
 * its inflections in every language the archive really holds, and not by
 * coincidences of stemmers of languages it does not.
 *
 * tw_lang() is what the schema's trigger stores into text_lang for every
 * new text; it reads only the start of a compressed body.
 */
#include <time.h>

#include <zlib.h>

#include "archive/db.h"
#include "text/text.h"

#define LANGS_TTL 60 /* seconds a connection keeps its query languages */

/* One per connection: the query languages of the archive. */
struct fts_conn {
	sqlite3 *db;
	char langs[TW_LANG_MAX][8];
	int nlangs;
	time_t loaded; /* 0: never */
};

/* One per fts table (its tokenize= arguments). */
struct fts_tok {
	struct fts_conn *conn;
	char langs[TW_LANG_MAX][8]; /* from `lang L1,L2...` */
	int nlangs;
};

static void conn_free(void *p)
{
	sqlite3_free(p);
}

static int add_lang(char (*langs)[8], int *n, const char *l, size_t len)
{
	if (len == 0 || len >= 8 || *n >= TW_LANG_MAX)
		return 0;
	for (int i = 0; i < *n; i++)
		if (strlen(langs[i]) == len && !memcmp(langs[i], l, len))
			return 0;
	memcpy(langs[*n], l, len);
	langs[*n][len] = '\0';
	(*n)++;
	return 1;
}

static int tok_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
	struct fts_tok *t = sqlite3_malloc(sizeof(*t));

	*out = NULL;
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	t->conn = ud;
	for (int i = 0; i < argc; i += 2) {
		const char *v, *comma;

		if (strcmp(argv[i], "lang") != 0 || i + 1 >= argc) {
			sqlite3_free(t);
			return SQLITE_ERROR;
		}
		for (v = argv[i + 1]; *v; v = *comma ? comma + 1 : comma) {
			comma = strchr(v, ',');
			if (!comma)
				comma = v + strlen(v);
			add_lang(t->langs, &t->nlangs, v, (size_t)(comma - v));
		}
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *p)
{
	sqlite3_free(p);
}

/* Read the archive's languages (those with a share of the texts). */
static void load_langs(struct fts_conn *c)
{
	static const char sql[] =
		/* the distinct languages by index seeks, then a bounded count */
		"WITH RECURSIVE l(x) AS ("
		"  SELECT (SELECT min(lang) FROM text_lang)"
		"  UNION ALL SELECT (SELECT min(lang) FROM text_lang WHERE lang > x) FROM l"
		"  WHERE x IS NOT NULL)"
		" SELECT x FROM l WHERE x IS NOT NULL AND"
		"  (SELECT count(*) FROM (SELECT 1 FROM text_lang WHERE lang=x LIMIT ?1)) >= ?1";
	sqlite3_stmt *s = NULL;
	sqlite3_int64 texts = 0, need;

	c->nlangs = 0;
	c->loaded = time(NULL);
	/* no text_lang: an older schema, or a bare test database */
	if (sqlite3_prepare_v2(c->db, "SELECT max(id) FROM text_lang", -1, &s, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(s) == SQLITE_ROW)
		texts = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	/* 0.5% of the texts, at most 100, at least 1 */
	need = texts / 200 > 100 ? 100 : texts / 200 < 1 ? 1 : texts / 200;
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(s, 1, need);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *l = (const char *)sqlite3_column_text(s, 0);

		if (l && tw_lang_has_stemmer(l))
			add_lang(c->langs, &c->nlangs, l, strlen(l));
	}
	sqlite3_finalize(s);
}

struct tok_call {
	void *ctx;
	int (*emit)(void *, int, const char *, int, int, int);
};

static int tok_emit(void *ud, int flags, const char *tok, size_t n, size_t start, size_t end)
{
	struct tok_call *tc = ud;

	return tc->emit(tc->ctx, (flags & TW_TOK_COLOCATED) ? FTS5_TOKEN_COLOCATED : 0, tok,
			(int)n, (int)start, (int)end);
}

/*
 * The vocabulary of the index, for the inflections of query words: the
 * fts5vocab table temp.tw_vocab that tw_db_open makes over `fts` (a test
 * makes its own).  Prepared for each word and finalized at once: a
 * statement kept on the connection would keep it from closing.
 */
static int vocab_scan(void *ud, const char *prefix, size_t n, tw_term_fn each, void *ctx)
{
	struct fts_conn *c = ud;
	sqlite3_stmt *s = NULL;
	char hi[TW_WORD_MAX + 1];
	int rc;

	if (n == 0 || n > TW_WORD_MAX)
		return -1;
	if (sqlite3_prepare_v2(c->db, "SELECT term FROM temp.tw_vocab WHERE term >= ?1 AND term < ?2",
			       -1, &s, NULL) != SQLITE_OK)
		return -1;
	/* the first string after every one that starts with prefix: UTF-8
	 * never holds 0xFF, so the last byte can always grow */
	memcpy(hi, prefix, n);
	hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
	sqlite3_bind_text(s, 1, prefix, (int)n, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hi, (int)n, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (each(ctx, (const char *)sqlite3_column_text(s, 0),
			 (size_t)sqlite3_column_bytes(s, 0)))
			break;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int tok_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int len,
			int (*emit)(void *, int, const char *, int, int, int))
{
	struct fts_tok *t = (struct fts_tok *)p;
	const char *langs[TW_LANG_MAX];
	struct tok_call tc = {ctx, emit};
	tw_tok_mode mode = TW_TOK_DOC;
	tw_tok_opts opts;
	int n = 0, rc;

	if (len <= 0)
		return SQLITE_OK;
	if (flags & FTS5_TOKENIZE_QUERY) {
		if (flags & FTS5_TOKENIZE_PREFIX)
			mode = TW_TOK_PREFIX;
		else if (text[0] == TW_EXACT_MARK)
			mode = TW_TOK_EXACT;
		else
			mode = TW_TOK_STEM;
	}
	memset(&opts, 0, sizeof(opts));
	if (mode == TW_TOK_STEM) {
		struct fts_conn *c = t->conn;

		for (int i = 0; i < t->nlangs; i++)
			langs[n++] = t->langs[i];
		if (!c->loaded || time(NULL) - c->loaded > LANGS_TTL)
			load_langs(c);
		for (int i = 0; i < c->nlangs && n < TW_LANG_MAX; i++) {
			int dup = 0;

			for (int j = 0; j < t->nlangs; j++)
				dup |= !strcmp(t->langs[j], c->langs[i]);
			if (!dup)
				langs[n++] = c->langs[i];
		}
		opts.langs = langs;
		opts.nlangs = n;
		opts.vocab = vocab_scan;
		opts.vocab_ud = c;
	}
	rc = tw_tokenize(text, (size_t)len, mode, &opts, tok_emit, &tc);
	if (rc < 0)
		return SQLITE_NOMEM;
	return rc;
}

/* ---------------------------------------------------------------- tw_lang() */

/* The first `want` bytes of a body compressed by tw_deflate (8-byte
 * length, then zlib), into out; returns the length. */
static size_t inflate_head(const unsigned char *z, size_t zlen, char *out, size_t want)
{
	z_stream zs;
	size_t got;

	if (zlen < 8)
		return 0;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return 0;
	zs.next_in = (Bytef *)(z + 8);
	zs.avail_in = (uInt)(zlen - 8);
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)want;
	inflate(&zs, Z_SYNC_FLUSH);
	got = want - zs.avail_out;
	inflateEnd(&zs);
	return got;
}

static void sql_lang(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	/* detection reads TW_LANG_SCAN bytes and looks a few ahead */
	char head[TW_LANG_SCAN + 16];
	const char *lang = NULL;
	size_t n = 0;

	(void)argc;
	if (sqlite3_value_type(argv[1]) == SQLITE_BLOB) {
		n = inflate_head(sqlite3_value_blob(argv[1]), (size_t)sqlite3_value_bytes(argv[1]),
				 head, sizeof(head));
		lang = tw_lang_detect(head, n);
	} else if (sqlite3_value_type(argv[1]) == SQLITE_TEXT) {
		lang = tw_lang_detect((const char *)sqlite3_value_text(argv[1]),
				      (size_t)sqlite3_value_bytes(argv[1]));
	}
	if (!lang && sqlite3_value_type(argv[0]) == SQLITE_TEXT)
		lang = tw_lang_detect((const char *)sqlite3_value_text(argv[0]),
				      (size_t)sqlite3_value_bytes(argv[0]));
	if (lang)
		sqlite3_result_text(ctx, lang, -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

/* ---------------------------------------------------------------- register */

static fts5_api *fts5_api_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(s);
	sqlite3_finalize(s);
	return api;
}

int tw_fts_register(sqlite3 *db)
{
	fts5_tokenizer tok = {tok_create, tok_delete, tok_tokenize};
	fts5_api *api = fts5_api_of(db);
	struct fts_conn *c;
	int rc;

	if (!api)
		return SQLITE_ERROR;
	c = sqlite3_malloc(sizeof(*c));
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->db = db;
	/* FTS5 frees c with conn_free when the connection closes. */
	rc = api->xCreateTokenizer(api, "trawl", c, &tok, conn_free);
	if (rc != SQLITE_OK) {
		sqlite3_free(c);
		return rc;
	}
	return sqlite3_create_function(db, "tw_lang", 2,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				       sql_lang, NULL, NULL);
}
