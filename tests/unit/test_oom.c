/*
 * test_oom.c - running out of memory never loses data silently.
 *
 * Every allocation of libtrawl goes through tw_malloc() and friends, whose
 * test hook (tw_alloc_fail_at(), lib/util.c) makes the n-th one fail.  For
 * each fixture built here (a mail with a text and a zip attached, and a zip
 * of a few text files) a reference run without failure is made first; then
 * the same work is repeated with allocation 1, 2, 3 ... failing.  Each run
 * must end without crash or leak (ASan and LSan watch), and either give
 * exactly the reference result, or say that it is incomplete: some item
 * carries the error "incomplete: out of memory" (TRAWL_ENOMEM), or the
 * ingest itself returned TRAWL_ENOMEM and did not record the input as
 * complete (what it stored of it is taken again by the next run).
 *
 * Three loops: the extraction of each input (tw_extract() and the
 * scanner, one thread, so the n-th allocation is the same one from run to
 * run) fails every one of its allocations in turn, alone and then for good
 * (tw_alloc_fail_from()); the whole ingest through the public API (walker,
 * extractor thread, writer; a mail, a zip and an mbox split into messages)
 * fails every one of the first 32 and then allocations spread over the
 * run; the read side (searches, items, texts, a conversation, people,
 * findings, a redacted export) does the same on the ingested archive, each
 * call giving its reference answer or TRAWL_ENOMEM.  The strides of the
 * last two are set from the time of one run, so that the program stays
 * within a minute under ASan (TRAWL_OOM_FULL=1: every allocation).  The hook counts only trawl's own
 * allocations, not those made inside GLib, SQLite or libarchive.
 */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "testutil.h"

/* ---------------------------------------------------------------- fixtures */

struct member {
	const char *name, *data;
};

static unsigned char *put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	return p + 2;
}

/* A zip of stored members, in a malloc'd buffer. */
static unsigned char *zip_stored(const struct member *m, size_t n, size_t *outlen)
{
	size_t cap = 1024, i;
	unsigned char *out, *p, *cd;
	size_t offs[16];

	assert_true(n <= 16);
	for (i = 0; i < n; i++)
		cap += 2 * (46 + strlen(m[i].name)) + strlen(m[i].data);
	out = malloc(cap);
	assert_non_null(out);
	p = out;
#define W16(v) (p = put16(p, (unsigned)(v)))
#define W32(v) (p = put16(put16(p, (uint32_t)(v) & 0xffff), (uint32_t)(v) >> 16))
	for (i = 0; i < n; i++) {
		size_t nl = strlen(m[i].name), dl = strlen(m[i].data);
		uint32_t crc = (uint32_t)crc32(0, (const Bytef *)m[i].data, (uInt)dl);

		offs[i] = (size_t)(p - out);
		W32(0x04034b50u); W16(20); W16(0); W16(0); W16(0); W16(0x5264);
		W32(crc); W32((uint32_t)dl); W32((uint32_t)dl); W16(nl); W16(0);
		memcpy(p, m[i].name, nl);
		p += nl;
		memcpy(p, m[i].data, dl);
		p += dl;
	}
	cd = p;
	for (i = 0; i < n; i++) {
		size_t nl = strlen(m[i].name), dl = strlen(m[i].data);
		uint32_t crc = (uint32_t)crc32(0, (const Bytef *)m[i].data, (uInt)dl);

		W32(0x02014b50u); W16(20); W16(20); W16(0); W16(0); W16(0);
		W16(0x5264); W32(crc); W32((uint32_t)dl); W32((uint32_t)dl);
		W16(nl); W16(0); W16(0); W16(0); W16(0); W32(0); W32((uint32_t)offs[i]);
		memcpy(p, m[i].name, nl);
		p += nl;
	}
	W32(0x06054b50u); W16(0); W16(0); W16(n); W16(n);
	W32((uint32_t)(p - cd)); W32((uint32_t)(cd - out)); W16(0);
#undef W16
#undef W32
	*outlen = (size_t)(p - out);
	return out;
}

static const struct member zip_members[] = {
	{"minutes.txt", "Board minutes, 3 March.\nPresent: A. Lovelace, C. Babbage.\n"
			"Call 555-867-5309 about the offshore account.\n"},
	{"docs/plan.txt", "Project Nightingale: move the funds before the audit.\n"},
	{"docs/readme.txt", "Nothing to see here, just a readme.\n"},
};

/* Append the base64 of data to a stdio stream, 76 columns. */
static void base64_put(FILE *f, const unsigned char *d, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, col = 0;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		q[0] = tab[(v >> 18) & 63];
		q[1] = tab[(v >> 12) & 63];
		q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		fwrite(q, 1, 4, f);
		col += 4;
		if (col >= 76) {
			fputs("\r\n", f);
			col = 0;
		}
	}
	if (col)
		fputs("\r\n", f);
}

/* A message with a text body and two attachments: a text and a zip. */
static char *mail_fixture(size_t *len)
{
	char *out = NULL;
	size_t zlen;
	unsigned char *zip = zip_stored(zip_members, 2, &zlen);
	FILE *f = open_memstream(&out, len);

	assert_non_null(f);
	fputs("From: \"Ada Lovelace\" <ada@example.org>\r\n"
	      "To: Charles Babbage <charles@example.org>, bob@example.com\r\n"
	      "Cc: \"Accounts\" <accounts@example.net>\r\n"
	      "Subject: Nightingale figures\r\n"
	      "Date: Tue, 3 Mar 2015 10:15:00 +0100\r\n"
	      "Message-ID: <nightingale-1@example.org>\r\n"
	      "In-Reply-To: <nightingale-0@example.org>\r\n"
	      "MIME-Version: 1.0\r\n"
	      "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	      "\r\n"
	      "--b1\r\n"
	      "Content-Type: text/plain; charset=utf-8\r\n"
	      "\r\n"
	      "Charles, the figures are attached. My SSN is 078-05-1120, don't share.\r\n"
	      "--b1\r\n"
	      "Content-Type: text/plain; name=\"notes.txt\"\r\n"
	      "Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
	      "\r\n"
	      "Notes for the meeting: the ledger is in the safe.\r\n"
	      "--b1\r\n"
	      "Content-Type: application/zip; name=\"figures.zip\"\r\n"
	      "Content-Disposition: attachment; filename=\"figures.zip\"\r\n"
	      "Content-Transfer-Encoding: base64\r\n"
	      "\r\n", f);
	base64_put(f, zip, zlen);
	fputs("--b1--\r\n", f);
	fclose(f);
	free(zip);
	return out;
}

static unsigned char *zip_fixture(size_t *len)
{
	return zip_stored(zip_members, TW_ARRAY_LEN(zip_members), len);
}

/* The time budget of a loop in seconds; TRAWL_OOM_FULL=1 in the
 * environment tries every allocation however long it takes. */
static uint64_t stride_for(uint64_t total, double per_run, double budget)
{
	const char *full = getenv("TRAWL_OOM_FULL");
	uint64_t stride = (uint64_t)((double)total * per_run / budget);

	if (full && *full == '1')
		return 1;
	return stride < 1 ? 1 : stride;
}

/* ---------------------------------------------------------------- dumps */

/* Print the lines of a that b lacks, with a prefix. */
static void lines_missing(const char *prefix, const char *a, const char *b)
{
	while (*a) {
		const char *e = strchr(a, '\n');
		size_t n = e ? (size_t)(e - a) : strlen(a);
		char *line = strndup(a, n);

		if (!strstr(b, line))
			fprintf(stderr, "%s%s\n", prefix, line);
		free(line);
		a += n + (e ? 1 : 0);
	}
}

static void report_silent(const char *what, uint64_t n, uint64_t total,
			  const char *ref, const char *got)
{
	fprintf(stderr, "%s: allocation %llu of %llu failed silently:\n", what,
		(unsigned long long)n, (unsigned long long)total);
	lines_missing("  - ", ref, got);
	lines_missing("  + ", got, ref);
}

/* A canonical text of a node tree: everything the writer would store. */
static void dump_node(FILE *f, const tw_node *n, int *oom)
{
	char hex[65];
	size_t i;

	for (; n; n = n->next) {
		if (tw_node_oom(n))
			*oom = 1;
		tw_hex(n->digest.sha256, 32, hex);
		fprintf(f, "node %s|%s|%s|%s|%s|%s|%lld|%s|%d|%d\n", n->kind,
			n->name ? n->name : "-", n->locator ? n->locator : "-",
			n->mime ? n->mime : "-", n->type ? n->type : "-",
			n->ext ? n->ext : "-", (long long)n->size, hex, n->depth, n->known);
		fprintf(f, "text %zu %d [%s]\n", n->text.len, n->text.truncated,
			n->text.data ? n->text.data : "");
		for (i = 0; i < n->nprops; i++)
			fprintf(f, "prop %s=%s\n", n->props[i].key, n->props[i].value);
		for (i = 0; i < n->nerrs; i++)
			fprintf(f, "error %s|%s|%s\n", trawl_status_str(n->errs[i].status),
				n->errs[i].stage ? n->errs[i].stage : "-", n->errs[i].message);
		if (n->email) {
			const tw_email *e = n->email;

			fprintf(f, "email %s|%s|%s|%s|%lld|%d|%d|%s\n",
				e->message_id ? e->message_id : "-",
				e->in_reply_to ? e->in_reply_to : "-",
				e->references ? e->references : "-", e->subject ? e->subject : "-",
				(long long)e->date, e->tz_offset, e->date_status,
				e->date_raw ? e->date_raw : "-");
			for (i = 0; i < e->naddrs; i++)
				fprintf(f, "addr %d|%s|%s\n", e->addrs[i].role,
					e->addrs[i].name ? e->addrs[i].name : "-",
					e->addrs[i].addr ? e->addrs[i].addr : "-");
		}
		if (n->findings) {
			for (i = 0; i < n->findings->n; i++) {
				const tw_finding *x = &n->findings->v[i];

				fprintf(f, "finding %d|%s|%zu|%zu|%s|%s\n", x->type,
					x->subtype ? x->subtype : "-", x->off, x->len,
					x->value ? x->value : "-", x->preview ? x->preview : "-");
			}
		}
		fprintf(f, "children %zu\n", n->nchildren);
		dump_node(f, n->first_child, oom);
	}
}

static char *tree_dump(const tw_node *root, int *oom)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	*oom = 0;
	dump_node(f, root, oom);
	fclose(f);
	return out;
}

/* Extract (and scan) the input with allocation `fail` failing (0: none),
 * and with `persist` every one after it too;
 * returns the dump, *oom set when the tree says it is incomplete, *count
 * the allocations made. */
static char *extract_run(const char *name, const void *data, size_t len,
			 uint64_t fail, int persist, int *oom, uint64_t *count)
{
	tw_extract_args args;
	tw_node *root;
	char *d;

	memset(&args, 0, sizeof(args));
	if (persist)
		tw_alloc_fail_from(fail);
	else
		tw_alloc_fail_at(fail ? fail : UINT64_MAX);
	root = tw_node_new("file", name, 0);
	if (root) {
		tw_extract(root, data, len, &args);
		tw_scan_tree(root);
	}
	*count = tw_alloc_count();
	tw_alloc_fail_at(0);
	if (!root) {
		/* The caller of tw_node_new() sees NULL: nothing to store. */
		*oom = 1;
		return strdup("");
	}
	d = tree_dump(root, oom);
	tw_node_free(root);
	return d;
}

static void extraction_loop(const char *name, const void *data, size_t len)
{
	int oom = 0;
	uint64_t total = 0, n, count, same = 0, hurt = 0, silent = 0;
	char *ref = extract_run(name, data, len, 0, 0, &oom, &total);

	assert_false(oom);
	assert_true(total > 10);
	/* Each allocation failing alone, then memory running out for good
	 * from each one on. */
	for (n = 1; n <= 2 * total; n++) {
		int persist = n > total;
		char *d = extract_run(name, data, len, persist ? n - total : n, persist,
				      &oom, &count);

		if (strcmp(d, ref) == 0) {
			same++;
		} else if (oom) {
			hurt++;
		} else {
			report_silent(name, n, total, ref, d);
			silent++;
		}
		free(d);
	}
	printf("extract %s: %llu allocations, %llu runs complete, %llu marked incomplete\n",
	       name, (unsigned long long)total, (unsigned long long)same,
	       (unsigned long long)hurt);
	free(ref);
	assert_int_equal(silent, 0);
}

/* ---------------------------------------------------------------- archive dump */

static const char *const dump_sql[] = {
	"SELECT 'item', i.path, i.kind, i.name, i.locator, i.depth, i.mismatch,"
	" hex(b.sha256), b.size, b.mime, b.type, b.nchildren, b.truncated, t.subject,"
	" tw_inflate(t.body), t.names FROM items i LEFT JOIN blobs b ON b.id=i.blob_id"
	" LEFT JOIN texts t ON t.id=b.text_id ORDER BY 2, 5",
	"SELECT 'prop', hex(b.sha256), p.key, p.value FROM props_text p"
	" JOIN blobs b ON b.id=p.blob_id ORDER BY 2, 3, 4",
	"SELECT 'email', hex(b.sha256), e.message_id, e.in_reply_to, e.refs, e.subject,"
	" e.tz, e.date_status, e.date_raw, b.date FROM emails e"
	" JOIN blobs b ON b.id=e.blob_id ORDER BY 2",
	"SELECT 'addr', hex(b.sha256), ea.pos, ea.role, a.addr, ea.name FROM email_addrs ea"
	" JOIN blobs b ON b.id=ea.blob_id LEFT JOIN addrs a ON a.id=ea.addr_id ORDER BY 2, 3",
	"SELECT 'finding', hex(b.sha256), f.type, f.subtype, f.start, f.length, f.preview"
	" FROM findings f JOIN blobs b ON b.id=f.blob_id ORDER BY 2, 5, 3",
	"SELECT 'error', path, stage, status, message FROM errors ORDER BY 2, 3, 4, 5",
	"SELECT 'file', path, size, done FROM files ORDER BY 2",
};

/* Derived data (conversations, people), recomputed after each ingest. */
static const char *const derived_sql[] = {
	"SELECT 'thread', hex(b.sha256), e.thread_id IS NOT NULL,"
	" (SELECT count(*) FROM emails x WHERE x.thread_id=e.thread_id)"
	" FROM emails e JOIN blobs b ON b.id=e.blob_id ORDER BY 2",
	"SELECT 'person', name, addr, naddrs FROM persons ORDER BY 2, 3",
	"SELECT 'addr', a.addr,"
	" (SELECT addr FROM persons WHERE id=a.person_id)"
	" FROM addrs a ORDER BY 2",
};

static char *sql_dump(sqlite3 *db, const char *const *sql, size_t n)
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);
	sqlite3_stmt *s;

	assert_non_null(f);
	for (i = 0; i < n; i++) {
		assert_int_equal(sqlite3_prepare_v2(db, sql[i], -1, &s, NULL), SQLITE_OK);
		while (sqlite3_step(s) == SQLITE_ROW) {
			int c;

			for (c = 0; c < sqlite3_column_count(s); c++) {
				const unsigned char *t = sqlite3_column_text(s, c);

				fprintf(f, "%s%s", c ? "|" : "", t ? (const char *)t : "NULL");
			}
			fputc('\n', f);
		}
		sqlite3_finalize(s);
	}
	fclose(f);
	return out;
}

/* The archive's items and what goes with them; *derived receives the
 * dump of the derived data. */
static char *archive_dump(const char *path, int *oom, int64_t *done, char **derived)
{
	sqlite3 *db = NULL;
	char *out;
	sqlite3_stmt *s;

	assert_int_equal(tw_db_open(path, 1, &db), SQLITE_OK);
	out = sql_dump(db, dump_sql, TW_ARRAY_LEN(dump_sql));
	*derived = sql_dump(db, derived_sql, TW_ARRAY_LEN(derived_sql));
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM errors WHERE"
					    " status='out of memory' AND message LIKE"
					    " 'incomplete: out of memory%'", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	*oom = sqlite3_column_int(s, 0) > 0;
	sqlite3_finalize(s);
	/* Inputs recorded as complete (the next run does not take them). */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM files WHERE done=1", -1, &s,
					    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	*done = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

/* Ingest `input` into a fresh archive in dir with allocation `fail`
 * failing (0: none); returns the archive's dump. */
static char *ingest_run(const char *dir, const char *input, uint64_t fail,
			trawl_status *st, int *oom, int64_t *done, uint64_t *count,
			char **derived)
{
	char db[512];
	const char *paths[1] = {input};
	trawl_ingest_opts opts;
	trawl_ingest_stats stats;
	trawl_archive *ar = NULL;
	char *d;

	snprintf(db, sizeof(db), "%s/a.trawl", dir);
	unlink(db);
	assert_int_equal(trawl_archive_open(db, TRAWL_OPEN_CREATE, &ar), TRAWL_OK);
	memset(&opts, 0, sizeof(opts));
	opts.jobs = 1;
	opts.no_count = 1;
	tw_alloc_fail_at(fail ? fail : UINT64_MAX);
	*st = trawl_ingest(ar, paths, 1, &opts, &stats);
	*count = tw_alloc_count();
	tw_alloc_fail_at(0);
	trawl_archive_close(ar);
	d = archive_dump(db, oom, done, derived);
	unlink(db);
	return d;
}

/* Allocation numbers tried in the ingest loop: all of the first ones, then
 * spread over the whole run within the time budget. */
static void ingest_loop(const char *dir, const char *input)
{
	trawl_status st;
	int oom = 0;
	int64_t done;
	uint64_t total = 0, n, count, same = 0, hurt = 0, refused = 0, silent = 0, stride;
	char *ref_derived, *derived;
	char *ref = ingest_run(dir, input, 0, &st, &oom, &done, &total, &ref_derived);
	struct timespec t0, t1;
	double per_run;

	assert_int_equal(st, TRAWL_OK);
	assert_false(oom);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	free(ingest_run(dir, input, 0, &st, &oom, &done, &count, &derived));
	free(derived);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	per_run = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* About 8 seconds per input (the read loop follows). */
	stride = stride_for(total, per_run, 8.0);
	for (n = 1; n <= total; n += n < 32 ? 1 : stride) {
		char *d = ingest_run(dir, input, n, &st, &oom, &done, &count, &derived);

		assert_true(st == TRAWL_OK || st == TRAWL_ENOMEM);
		if (strcmp(d, ref) == 0 && strcmp(derived, ref_derived) == 0) {
			same++;
		} else if (strcmp(d, ref) == 0) {
			/* Conversations and people differ: only as a failed
			 * ingest, which leaves them to the next run. */
			if (st == TRAWL_ENOMEM) {
				refused++;
			} else {
				report_silent(input, n, total, ref_derived, derived);
				silent++;
			}
		} else if (oom) {
			hurt++;
		} else if (st == TRAWL_ENOMEM && done == 0) {
			refused++;
		} else {
			report_silent(input, n, total, ref, d);
			silent++;
		}
		free(d);
		free(derived);
	}
	printf("ingest %s: %llu allocations, stride %llu, %llu runs complete, "
	       "%llu marked incomplete, %llu refused\n", input, (unsigned long long)total,
	       (unsigned long long)stride, (unsigned long long)same,
	       (unsigned long long)hurt, (unsigned long long)refused);
	free(ref);
	free(ref_derived);
	assert_int_equal(silent, 0);
}

static void write_file(const char *path, const void *d, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* ---------------------------------------------------------------- reading */

/*
 * The read side: searches, items, texts, threads, people, findings and a
 * redacted export of the ingested fixture, each call a segment of its own.
 * With an allocation failing, each call must give its reference output or
 * fail with TRAWL_ENOMEM: never a partial answer that says it is whole.
 */
#define MAX_SEGS 64

typedef struct segs {
	char *text[MAX_SEGS];
	trawl_status st[MAX_SEGS];
	size_t n;
	FILE *f;   /* the segment being written */
	char *buf;
	size_t len;
} segs;

static FILE *seg_begin(segs *g)
{
	assert_true(g->n < MAX_SEGS);
	g->buf = NULL;
	g->len = 0;
	g->f = open_memstream(&g->buf, &g->len);
	assert_non_null(g->f);
	return g->f;
}

static void seg_end(segs *g, trawl_status st)
{
	fclose(g->f);
	g->text[g->n] = g->buf;
	g->st[g->n] = st;
	g->n++;
}

static void segs_free(segs *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->text[i]);
	g->n = 0;
}

#define S(x) ((x) ? (x) : "-")

static int on_hit(const trawl_hit *h, void *ud)
{
	fprintf(ud, "hit %lld|%s|%s|%s|%s|%s|%s|%s|%s|%lld|%lld\n", (long long)h->id, S(h->kind),
		S(h->type), S(h->from), S(h->to), S(h->subject), S(h->path), S(h->sha256),
		S(h->snippet), (long long)h->occurrences, (long long)h->size);
	return 0;
}

static int on_person(const trawl_person *p, void *ud)
{
	size_t i;

	fprintf(ud, "person %s|%s|%lld|%lld\n", S(p->name), S(p->addr), (long long)p->sent,
		(long long)p->received);
	for (i = 0; i < p->naddrs; i++)
		fprintf(ud, "  addr %s|%lld|%s\n", S(p->addrs[i].addr),
			(long long)p->addrs[i].messages, S(p->addrs[i].why));
	for (i = 0; i < p->nnames; i++)
		fprintf(ud, "  name %s|%lld\n", S(p->names[i].name), (long long)p->names[i].count);
	return 0;
}

static int on_finding(const trawl_finding *x, void *ud)
{
	fprintf(ud, "finding %lld|%s|%s|%lld|%lld|%s|%s|%s|%s\n", (long long)x->id, S(x->type),
		S(x->subtype), (long long)x->offset, (long long)x->length, S(x->preview),
		S(x->hash), S(x->path), S(x->person));
	return 0;
}

static void dump_item(FILE *f, const trawl_item *it)
{
	size_t i;

	fprintf(f, "item %lld|%lld|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%lld\n", (long long)it->id,
		(long long)it->parent_id, S(it->kind), S(it->type), S(it->name), S(it->mime),
		S(it->path), S(it->disk_path), S(it->sha256), S(it->md5), S(it->subject),
		S(it->message_id), S(it->in_reply_to), S(it->date_raw), (long long)it->size);
	for (i = 0; i < it->naddrs; i++)
		fprintf(f, "  addr %s|%s|%s\n", S(it->addrs[i].role), S(it->addrs[i].name),
			S(it->addrs[i].addr));
	for (i = 0; i < it->nprops; i++)
		fprintf(f, "  prop %s=%s\n", S(it->props[i].key), S(it->props[i].value));
	for (i = 0; i < it->nchildren; i++)
		fprintf(f, "  child %lld|%s|%s|%s\n", (long long)it->children[i].id,
			S(it->children[i].kind), S(it->children[i].name), S(it->children[i].mime));
	for (i = 0; i < it->nplaces; i++)
		fprintf(f, "  place %lld|%s\n", (long long)it->places[i].id, S(it->places[i].path));
	for (i = 0; i < it->nerrors; i++)
		fprintf(f, "  error %s\n", S(it->errors[i]));
}

static int on_dkim(const trawl_dkim_result *r, void *ud)
{
	fprintf(ud, "dkim %lld|%s|%s|%s|%zu\n", (long long)r->id, S(r->message_id),
		S(r->result), S(r->reason), r->nsigs);
	return 0;
}

static int on_bytes(const void *buf, size_t len, void *ud)
{
	return fwrite(buf, 1, len, ud) != len;
}

static int on_line(const char *line, void *ud)
{
	fprintf(ud, "%s\n", line);
	return 0;
}

static int on_bucket(const trawl_bucket *b, void *ud)
{
	fprintf(ud, "bucket %s|%lld\n", S(b->label), (long long)b->count);
	return 0;
}

static int on_contact(const trawl_contact *c, void *ud)
{
	fprintf(ud, "contact %s|%s|%lld|%lld\n", S(c->name), S(c->addr), (long long)c->sent,
		(long long)c->received);
	return 0;
}

static int on_zone(const char *sender, int tz, int64_t count, void *ud)
{
	fprintf(ud, "zone %s|%d|%lld\n", S(sender), tz, (long long)count);
	return 0;
}

static void dump_provenance(FILE *f, const trawl_provenance *p)
{
	size_t i;

	fprintf(f, "provenance %lld|%s|%s|%s|%s|%s\n", (long long)p->id, S(p->path),
		S(p->message_id), S(p->from), S(p->date_raw), S(p->dkim));
	for (i = 0; i < p->nhops; i++)
		fprintf(f, "  hop %s|%s|%s\n", S(p->hops[i].from_host), S(p->hops[i].by_host),
			S(p->hops[i].raw));
	for (i = 0; i < p->norigin; i++)
		fprintf(f, "  origin %s=%s\n", S(p->origin[i].key), S(p->origin[i].value));
}

static int on_provenance(const trawl_provenance *p, void *ud)
{
	dump_provenance(ud, p);
	return 0;
}

/* Append the bytes of a file to f (nothing when it does not exist). */
static void copy_file(FILE *f, const char *path)
{
	size_t len = 0;
	unsigned char *d = slurp(path, &len);

	if (d) {
		fwrite(d, 1, len, f);
		free(d);
	}
}

static void read_all(trawl_archive *ar, const char *dir, segs *g)
{
	static const char *const queries[] = {
		"nightingale OR ledger OR minutes", "from:ada", "to:charles", "type:text",
		"subject:figures", "",
	};
	trawl_search_opts so;
	trawl_people_opts po;
	trawl_export_opts eo;
	trawl_export_stats es;
	char out[600], log[700];
	int64_t id, total;
	size_t i;
	trawl_status st;

	memset(&so, 0, sizeof(so));
	for (i = 0; i < TW_ARRAY_LEN(queries); i++) {
		FILE *f = seg_begin(g);

		total = -1;
		st = trawl_search(ar, queries[i], &so, on_hit, f, &total, NULL);
		fprintf(f, "total %lld\n", (long long)total);
		seg_end(g, st);
	}
	for (id = 1; id <= 8; id++) {
		FILE *f = seg_begin(g);
		trawl_item *it = NULL;
		char *text = NULL;
		size_t tlen = 0;

		st = trawl_item_get(ar, id, &it);
		if (st == TRAWL_OK) {
			dump_item(f, it);
			trawl_item_free(it);
		}
		seg_end(g, st);
		f = seg_begin(g);
		st = trawl_item_text(ar, id, &text, &tlen);
		if (st == TRAWL_OK)
			fprintf(f, "text %zu [%s]\n", tlen, text ? text : "");
		free(text);
		seg_end(g, st);
	}
	{
		FILE *f = seg_begin(g);
		trawl_thread *t = NULL;

		st = trawl_thread_get(ar, 1, &t);
		if (st == TRAWL_OK) {
			for (i = 0; i < t->nmsgs; i++)
				fprintf(f, "msg %lld|%s|%s|%s\n", (long long)t->msgs[i].id,
					S(t->msgs[i].message_id), S(t->msgs[i].subject),
					S(t->msgs[i].from));
			trawl_thread_free(t);
		}
		seg_end(g, st);
	}
	memset(&po, 0, sizeof(po));
	st = trawl_people(ar, NULL, &po, on_person, seg_begin(g), NULL);
	seg_end(g, st);
	{
		trawl_scan_opts sco;
		trawl_scan_stats scs;
		FILE *f = seg_begin(g);

		/* Scanning again replaces the findings: a lost one would show
		 * in the findings read next. */
		memset(&sco, 0, sizeof(sco));
		sco.rescan = 1;
		st = trawl_scan(ar, NULL, &sco, &scs, NULL);
		if (st == TRAWL_OK)
			fprintf(f, "scan %lld|%lld\n", (long long)scs.contents,
				(long long)scs.findings);
		seg_end(g, st);
	}
	st = trawl_findings(ar, NULL, NULL, on_finding, seg_begin(g), NULL);
	seg_end(g, st);
	{
		trawl_dkim_opts dko;

		char keys[600];

		/* Keys as archived DNS records: read, though none signs. */
		snprintf(keys, sizeof(keys), "%s/keys.txt", dir);
		memset(&dko, 0, sizeof(dko));
		dko.keys_file = keys;
		dko.store = 1;
		st = trawl_verify_dkim(ar, NULL, &dko, on_dkim, seg_begin(g), NULL);
		seg_end(g, st);
	}
	{
		trawl_facets *fs = NULL;
		FILE *f = seg_begin(g);

		st = trawl_facets_get(ar, "", 0, &fs, NULL);
		if (st == TRAWL_OK) {
			for (i = 0; i < fs->nfacets; i++) {
				size_t k;

				fprintf(f, "facet %s|%s|%lld\n", S(fs->facets[i].name),
					S(fs->facets[i].field), (long long)fs->facets[i].others);
				for (k = 0; k < fs->facets[i].nvalues; k++)
					fprintf(f, "  %s|%s|%lld\n", S(fs->facets[i].values[k].value),
						S(fs->facets[i].values[k].label),
						(long long)fs->facets[i].values[k].count);
			}
			trawl_facets_free(fs);
		}
		seg_end(g, st);
	}
	{
		int64_t undated = -1;
		FILE *f = seg_begin(g);

		st = trawl_timeline(ar, NULL, TRAWL_BY_MONTH, on_bucket, f, &undated, NULL);
		fprintf(f, "undated %lld\n", (long long)undated);
		seg_end(g, st);
	}
	st = trawl_contacts(ar, 1, NULL, on_contact, seg_begin(g), NULL);
	seg_end(g, st);
	st = trawl_sender_zones(ar, NULL, on_zone, seg_begin(g), NULL);
	seg_end(g, st);
	{
		trawl_provenance *pv = NULL;
		FILE *f = seg_begin(g);

		st = trawl_provenance_get(ar, 1, &pv);
		if (st == TRAWL_OK) {
			dump_provenance(f, pv);
			trawl_provenance_free(pv);
		}
		seg_end(g, st);
	}
	st = trawl_provenance_query(ar, NULL, on_provenance, seg_begin(g), NULL);
	seg_end(g, st);
	{
		char hash[65] = "";
		int64_t lines = -1;
		FILE *f = seg_begin(g);

		st = trawl_manifest(ar, on_line, f, hash, &lines);
		fprintf(f, "manifest %s|%lld\n", hash, (long long)lines);
		seg_end(g, st);
	}
	{
		trawl_graph *gr = NULL;
		FILE *f = seg_begin(g);

		st = trawl_graph_get(ar, NULL, NULL, &gr, NULL);
		if (st == TRAWL_OK) {
			st = trawl_graph_write(gr, TRAWL_GRAPH_GEXF, on_bytes, f);
			trawl_graph_free(gr);
		}
		seg_end(g, st);
	}
	/* A redacted export: a span lost would leak what it should mask. */
	snprintf(out, sizeof(out), "%s/export.jsonl", dir);
	snprintf(log, sizeof(log), "%s.redactions.csv", out);
	memset(&eo, 0, sizeof(eo));
	eo.format = TRAWL_EXPORT_JSONL;
	eo.out = out;
	eo.redact = "all";
	st = trawl_export(ar, "", &eo, &es, NULL);
	{
		FILE *f = seg_begin(g);

		if (st == TRAWL_OK) {
			copy_file(f, out);
			copy_file(f, log);
		}
		seg_end(g, st);
	}
	unlink(out);
	unlink(log);
}

static void read_loop(const char *dir, const char *input)
{
	char db[512];
	const char *paths[1] = {input};
	trawl_ingest_opts opts;
	trawl_archive *ar = NULL;
	segs ref, got;
	uint64_t total, n, complete = 0, refused = 0, silent = 0, stride;
	size_t i;
	struct timespec t0, t1;
	double per_run;

	memset(&ref, 0, sizeof(ref));
	memset(&got, 0, sizeof(got));
	snprintf(db, sizeof(db), "%s/r.trawl", dir);
	{
		static const char keys[] =
			"s1._domainkey.example.org. 3600 IN TXT \"v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAL\"\n"
			"s2._domainkey.example.net. IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n";
		char path[600];

		snprintf(path, sizeof(path), "%s/keys.txt", dir);
		write_file(path, keys, sizeof(keys) - 1);
	}
	assert_int_equal(trawl_archive_open(db, TRAWL_OPEN_CREATE, &ar), TRAWL_OK);
	memset(&opts, 0, sizeof(opts));
	opts.jobs = 1;
	opts.no_count = 1;
	assert_int_equal(trawl_ingest(ar, paths, 1, &opts, NULL), TRAWL_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tw_alloc_fail_at(UINT64_MAX);
	read_all(ar, dir, &ref);
	total = tw_alloc_count();
	tw_alloc_fail_at(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	per_run = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* About 8 seconds per input. */
	stride = stride_for(total, per_run, 8.0);
	for (i = 0; i < ref.n; i++)
		assert_int_equal(ref.st[i] == TRAWL_ENOMEM, 0);
	for (n = 1; n <= total; n += stride) {
		int hurt = 0;

		tw_alloc_fail_at(n);
		read_all(ar, dir, &got);
		tw_alloc_fail_at(0);
		assert_int_equal(got.n, ref.n);
		for (i = 0; i < ref.n; i++) {
			if (got.st[i] == TRAWL_ENOMEM) {
				hurt = 1;
			} else if (got.st[i] != ref.st[i] || strcmp(got.text[i], ref.text[i]) != 0) {
				char what[64];

				snprintf(what, sizeof(what), "read %zu (%s)", i,
					 trawl_status_str(got.st[i]));
				if (silent < 5)
					report_silent(what, n, total, ref.text[i], got.text[i]);
				silent++;
			}
		}
		if (hurt)
			refused++;
		else
			complete++;
		segs_free(&got);
	}
	printf("read %s: %llu allocations, stride %llu, %llu runs complete, %llu refused with "
	       "TRAWL_ENOMEM, %llu silent\n", input, (unsigned long long)total,
	       (unsigned long long)stride, (unsigned long long)complete,
	       (unsigned long long)refused, (unsigned long long)silent);
	segs_free(&ref);
	trawl_archive_close(ar);
	unlink(db);
	{
		char path[600];

		snprintf(path, sizeof(path), "%s/keys.txt", dir);
		unlink(path);
	}
	assert_int_equal(silent, 0);
}

/* ---------------------------------------------------------------- tests */

static void test_extract_mail(void **state)
{
	size_t len;
	char *mail = mail_fixture(&len);

	(void)state;
	extraction_loop("figures.eml", mail, len);
	free(mail);
}

static void test_extract_zip(void **state)
{
	size_t len;
	unsigned char *zip = zip_fixture(&len);

	(void)state;
	extraction_loop("bundle.zip", zip, len);
	free(zip);
}

static void ingest_fixture(const char *name, const void *d, size_t n, int reads)
{
	char dir[] = "/tmp/trawl-oom-XXXXXX", input[512];

	assert_non_null(mkdtemp(dir));
	snprintf(input, sizeof(input), "%s/%s", dir, name);
	write_file(input, d, n);
	ingest_loop(dir, input);
	if (reads)
		read_loop(dir, input);
	unlink(input);
	rmdir(dir);
}

static void test_ingest_mail(void **state)
{
	size_t len;
	char *mail = mail_fixture(&len);

	(void)state;
	ingest_fixture("figures.eml", mail, len, 1);
	free(mail);
}

static void test_ingest_zip(void **state)
{
	size_t len;
	unsigned char *zip = zip_fixture(&len);

	(void)state;
	ingest_fixture("bundle.zip", zip, len, 1);
	free(zip);
}

/* An mbox is split by the walker into messages, each a unit of its own:
 * the mail fixture and a short reply. */
static void test_ingest_mbox(void **state)
{
	size_t len;
	char *mail = mail_fixture(&len), *mbox = NULL;
	size_t mlen = 0;
	FILE *f = open_memstream(&mbox, &mlen);

	(void)state;
	assert_non_null(f);
	fputs("From ada@example.org Tue Mar  3 10:15:00 2015\n", f);
	fwrite(mail, 1, len, f);
	fputs("\nFrom charles@example.org Tue Mar  3 11:00:00 2015\n"
	      "From: Charles Babbage <charles@example.org>\n"
	      "To: \"Ada Lovelace\" <ada@example.org>\n"
	      "Subject: Re: Nightingale figures\n"
	      "Date: Tue, 3 Mar 2015 11:00:00 +0000\n"
	      "Message-ID: <nightingale-2@example.org>\n"
	      "In-Reply-To: <nightingale-1@example.org>\n"
	      "References: <nightingale-0@example.org> <nightingale-1@example.org>\n"
	      "\n"
	      "Received, thank you. The ledger stays in the safe.\n", f);
	fclose(f);
	ingest_fixture("box.mbox", mbox, mlen, 0);
	free(mbox);
	free(mail);
}

/* A buffer that failed stays failed until reset. */
static void test_sticky_buffer(void **state)
{
	tw_buf b;
	char big[200];

	(void)state;
	memset(big, 'x', sizeof(big));
	tw_buf_init(&b, 1 << 20);
	assert_int_equal(tw_buf_puts(&b, "abc"), TRAWL_OK);
	tw_alloc_fail_at(1);
	assert_int_equal(tw_buf_append(&b, big, sizeof(big)), TRAWL_ENOMEM);
	tw_alloc_fail_at(0);
	assert_true(tw_buf_failed(&b));
	assert_int_equal(tw_buf_puts(&b, "d"), TRAWL_ENOMEM);
	assert_string_equal(b.data, "abc");
	assert_null(tw_buf_detach(&b, NULL));
	assert_false(tw_buf_failed(&b));
	assert_int_equal(tw_buf_puts(&b, "e"), TRAWL_OK);
	tw_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sticky_buffer),
		cmocka_unit_test(test_extract_mail),
		cmocka_unit_test(test_extract_zip),
		cmocka_unit_test(test_ingest_mail),
		cmocka_unit_test(test_ingest_zip),
		cmocka_unit_test(test_ingest_mbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
