/*
 * thread.c - conversations: which messages of the archive belong together,
 * kept in emails.thread_id, and the tree of one conversation for display.
 *
 * Membership follows JWZ's threading (https://www.jwz.org/doc/threading.html)
 * reduced to what decides membership: a message, its Message-ID and every
 * id named by its In-Reply-To and References are one conversation, so two
 * messages that name the same missing parent, replies stored before their
 * parents, and loops in References all end in the same conversation.  A
 * message with neither header but a reply subject ("Re: budget") is joined,
 * as a documented fallback, to messages with the same base subject dated at
 * most SUBJECT_WINDOW before it (or a day after, for skewed clocks) that
 * share a participant with it; forwards stay conversations of their own.
 *
 * After each ingest only the emails without a thread id are processed,
 * together with the conversations they touch (found through the indexes on
 * Message-IDs, on referenced ids (email_refs) and on base subjects
 * (email_subjects)); every rule is monotone, so this gives the same result as
 * threading everything again.  When emails were deleted (a changed file
 * re-ingested) everything is threaded again.  Thread ids are small integers
 * that stay the same while a conversation only grows; when conversations
 * merge, the smallest id is kept.
 *
 * The tree shown by `trawl thread` is computed on demand from the members:
 * JWZ's parent links (with loop checks and duplicate Message-IDs as
 * siblings), missing parents kept as placeholders at the root.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tw.h"

#define SUBJECT_WINDOW (30 * 86400)
#define SUBJECT_SKEW 86400
#define MAX_REFS 512

/* ---------------------------------------------------------------- subjects */

static const char *const reply_words[] = {
	"re", "aw", "sv", "vs", "antw", "odp", "ref", "rif", "res", "atb", "ynt",
	"v\xc3\xa1", "\xe5\x9b\x9e\xe5\xa4\x8d", "\xe7\xad\x94\xe5\xa4\x8d",
};
static const char *const forward_words[] = {
	"fw", "fwd", "wg", "tr", "rv", "enc", "doorst", "vl", "pd", "\xe8\xbd\xac\xe5\x8f\x91",
};

/* Length of a prefix word (from the lists) followed by optional "[n]" or
 * "(n)" and a colon at s; 0 when none.  *kind: 1 reply, 2 forward. */
static size_t prefix_len(const char *s, int *kind)
{
	size_t i, w, k;

	for (k = 0; k < 2; k++) {
		const char *const *list = k ? forward_words : reply_words;
		size_t n = k ? TW_ARRAY_LEN(forward_words) : TW_ARRAY_LEN(reply_words);

		for (i = 0; i < n; i++) {
			w = strlen(list[i]);
			if (strncasecmp(s, list[i], w) != 0)
				continue;
			if (s[w] == '[' || s[w] == '(') {
				char close = s[w] == '[' ? ']' : ')';
				size_t j = w + 1;

				while (isdigit((unsigned char)s[j]) && j < w + 6)
					j++;
				if (s[j] != close)
					continue;
				w = j + 1;
			}
			while (s[w] == ' ')
				w++;
			if (s[w] == ':') {
				*kind = k ? 2 : 1;
				return w + 1;
			}
			if (!strncmp(s + w, "\xef\xbc\x9a", 3)) { /* full-width colon */
				*kind = k ? 2 : 1;
				return w + 3;
			}
		}
	}
	return 0;
}

char *tw_subject_base(const char *subject, int *reply)
{
	const char *s = subject ? subject : "";
	int first = 0, fwd = 0, kind;
	size_t n, guard;
	tw_buf b;

	for (guard = 0; guard < 100; guard++) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '[') {
			const char *e = strchr(s, ']');

			/* A list tag such as [Python-Dev]; a long bracket is text. */
			if (e && e - s <= 64 && e[1]) {
				s = e + 1;
				continue;
			}
		}
		n = prefix_len(s, &kind);
		if (!n)
			break;
		if (!first)
			first = kind;
		if (kind == 2)
			fwd = 1;
		s += n;
	}
	if (reply)
		*reply = first == 1;
	tw_buf_init(&b, 4096);
	if (fwd)
		tw_buf_puts(&b, "fwd: ");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isspace(c)) {
			if (b.len && b.data[b.len - 1] != ' ')
				tw_buf_putc(&b, ' ');
			continue;
		}
		tw_buf_putc(&b, (char)tolower(c));
	}
	while (b.len && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (b.len >= 6 && !strcmp(b.data + b.len - 6, " (fwd)"))
		b.data[b.len -= 6] = '\0';
	if (!b.data)
		return tw_strdup("");
	return tw_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------- messages */

typedef struct tmsg {
	int64_t blob, old_tid, date;
	int has_date, isnew, reply, noref;
	char *mid, *base, *subject;
	char **refs;      /* References in order, then In-Reply-To if not last */
	size_t nrefs;
	int64_t *parts;   /* participants (person or address ids), sorted */
	size_t nparts;
	/* display */
	int64_t item_id;
	int tz;
	char *from;
} tmsg;

typedef struct tset {
	tmsg *m;
	size_t n, cap;
	tw_intmap by_blob; /* blob id -> index */
} tset;

static void tset_release(tset *t)
{
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		free(t->m[i].mid);
		free(t->m[i].base);
		free(t->m[i].subject);
		free(t->m[i].from);
		for (k = 0; k < t->m[i].nrefs; k++)
			free(t->m[i].refs[k]);
		free(t->m[i].refs);
		free(t->m[i].parts);
	}
	free(t->m);
	tw_intmap_release(&t->by_blob);
	memset(t, 0, sizeof(*t));
}

/* The Message-ID an In-Reply-To names.  Some mailers write prose around
 * it ("Your message of ... <id>"), which the extractor keeps whole: take
 * the first <...> holding an '@', else the first <...>, else it all. */
static char *irt_id(const char *irt)
{
	const char *p, *first = NULL;

	if (!irt || !*irt)
		return NULL;
	for (p = strchr(irt, '<'); p; p = strchr(p + 1, '<')) {
		const char *e = strchr(p, '>'), *end = e ? e : p + strlen(p);
		const char *at = memchr(p, '@', (size_t)(end - p));

		if (!first)
			first = p;
		if (at && end > p + 1)
			return tw_strndup(p + 1, (size_t)(end - p - 1));
	}
	if (first) {
		const char *e = strchr(first, '>');
		size_t n = e ? (size_t)(e - first - 1) : strlen(first + 1);

		if (n)
			return tw_strndup(first + 1, n);
	}
	return tw_strdup(irt);
}

/* Split the stored References (space-separated ids) and add In-Reply-To
 * as the last one unless it already is. */
static int parse_refs(tmsg *m, const char *refs, const char *irt_raw)
{
	const char *p = refs ? refs : "";
	char *irt = irt_id(irt_raw);
	int rc = 0;

	while (*p && m->nrefs < MAX_REFS) {
		const char *e;
		char **r;

		while (*p == ' ' || *p == '\t' || *p == '<')
			p++;
		e = p;
		while (*e && *e != ' ' && *e != '\t')
			e++;
		if (e > p) {
			size_t len = (size_t)(e - p);

			if (p[len - 1] == '>')
				len--;
			r = realloc(m->refs, (m->nrefs + 1) * sizeof(*r));
			if (!r) {
				free(irt);
				return -1;
			}
			m->refs = r;
			m->refs[m->nrefs] = tw_strndup(p, len);
			if (!m->refs[m->nrefs]) {
				free(irt);
				return -1;
			}
			if (!m->refs[m->nrefs][0] || (m->mid && !strcmp(m->refs[m->nrefs], m->mid)))
				free(m->refs[m->nrefs]); /* a message naming itself */
			else
				m->nrefs++;
		}
		p = e;
	}
	if (irt && *irt && (!m->mid || strcmp(irt, m->mid)) &&
	    (!m->nrefs || strcmp(m->refs[m->nrefs - 1], irt))) {
		char **r = realloc(m->refs, (m->nrefs + 1) * sizeof(*r));

		if (r) {
			m->refs = r;
			m->refs[m->nrefs++] = irt;
			irt = NULL;
		} else {
			rc = -1;
		}
	}
	free(irt);
	return rc;
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t && *t ? tw_strdup((const char *)t) : NULL;
}

/* Load the emails selected by `from_where` (SQL after "FROM emails e"),
 * ordered by blob id. */
static trawl_status load_msgs(trawl_archive *ar, tset *t, const char *from_where)
{
	sqlite3_stmt *s;
	char *sql;
	int rc;
	trawl_status st = TRAWL_OK;

	sql = tw_asprintf("SELECT e.blob_id, coalesce(e.thread_id, 0), e.message_id, e.in_reply_to,"
			  " e.refs, e.subject, b.date,"
			  " EXISTS(SELECT 1 FROM temp.tw_new n WHERE n.blob_id=e.blob_id)"
			  " FROM emails e LEFT JOIN blobs b ON b.id=e.blob_id %s ORDER BY e.blob_id",
			  from_where);
	if (!sql)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	rc = sqlite3_prepare_v2(ar->db, sql, -1, &s, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return tw_dbfail(ar, "threading: reading messages");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		tmsg *m;
		char *irt;

		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 1024;
			tmsg *p = realloc(t->m, cap * sizeof(*p));

			if (!p) {
				st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
				break;
			}
			t->m = p;
			t->cap = cap;
		}
		m = &t->m[t->n];
		memset(m, 0, sizeof(*m));
		t->n++;
		m->blob = sqlite3_column_int64(s, 0);
		m->old_tid = sqlite3_column_int64(s, 1);
		m->mid = col_dup(s, 2);
		irt = col_dup(s, 3);
		if (parse_refs(m, (const char *)sqlite3_column_text(s, 4), irt)) {
			free(irt);
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
			break;
		}
		m->noref = m->nrefs == 0;
		free(irt);
		m->subject = col_dup(s, 5);
		m->base = tw_subject_base(m->subject, &m->reply);
		if (sqlite3_column_type(s, 6) != SQLITE_NULL) {
			m->date = sqlite3_column_int64(s, 6);
			m->has_date = 1;
		}
		m->isnew = sqlite3_column_int(s, 7);
		if (!m->base || tw_intmap_put(&t->by_blob, m->blob, (int64_t)(t->n - 1))) {
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
			break;
		}
	}
	if (!st && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "threading: reading messages");
	sqlite3_finalize(s);
	return st;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Participants of the messages the subject fallback may join: those in a
 * group of the same base subject that holds a reply without references. */
static int cmp_base_idx(const void *a, const void *b, void *ctx)
{
	const tset *t = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return strcmp(t->m[x].base, t->m[y].base);
}

static trawl_status load_parts(trawl_archive *ar, tset *t)
{
	sqlite3_stmt *s = NULL, *ins = NULL;
	size_t *idx, n = 0, i, j, k;
	trawl_status st;
	int rc;

	idx = malloc((t->n ? t->n : 1) * sizeof(*idx));
	if (!idx)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
	for (i = 0; i < t->n; i++)
		if (t->m[i].has_date && t->m[i].base[0])
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_base_idx, t);
	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_need(blob_id INTEGER PRIMARY KEY);"
			 "DELETE FROM temp.tw_need;");
	if (st)
		goto out;
	if (sqlite3_prepare_v2(ar->db, "INSERT OR IGNORE INTO temp.tw_need VALUES(?)", -1, &ins,
			       NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "threading: participants");
		goto out;
	}
	for (i = 0; i < n; i = j) {
		int any = 0;

		for (j = i; j < n && !strcmp(t->m[idx[j]].base, t->m[idx[i]].base); j++)
			any |= t->m[idx[j]].reply && t->m[idx[j]].noref;
		if (!any || j - i < 2)
			continue;
		for (k = i; k < j; k++) {
			sqlite3_bind_int64(ins, 1, t->m[idx[k]].blob);
			if (sqlite3_step(ins) != SQLITE_DONE)
				st = tw_dbfail(ar, "threading: participants");
			sqlite3_reset(ins);
		}
	}
	if (st)
		goto out;
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT ea.blob_id, coalesce(a.person_id, a.id) FROM temp.tw_need x"
			       " JOIN email_addrs ea ON ea.blob_id=x.blob_id JOIN addrs a ON a.id=ea.addr_id"
			       " WHERE ea.role IN (0,1,2,3)",
			       -1, &s, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "threading: reading participants");
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t at;
		tmsg *m;
		int64_t *p;

		if (!tw_intmap_get(&t->by_blob, sqlite3_column_int64(s, 0), &at))
			continue;
		m = &t->m[at];
		if (m->nparts >= 4096)
			continue;
		p = realloc(m->parts, (m->nparts + 1) * sizeof(*p));
		if (!p) {
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
			break;
		}
		m->parts = p;
		m->parts[m->nparts++] = sqlite3_column_int64(s, 1);
	}
	if (!st && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "threading: reading participants");
	for (i = 0; i < t->n; i++)
		if (t->m[i].nparts > 1)
			qsort(t->m[i].parts, t->m[i].nparts, sizeof(int64_t), cmp_i64);
out:
	sqlite3_finalize(s);
	sqlite3_finalize(ins);
	free(idx);
	return st;
}

static int share_part(const tmsg *a, const tmsg *b)
{
	size_t i = 0, j = 0;

	while (i < a->nparts && j < b->nparts) {
		if (a->parts[i] == b->parts[j])
			return 1;
		if (a->parts[i] < b->parts[j])
			i++;
		else
			j++;
	}
	return 0;
}

/* Non-zero when the subject fallback joins reply r to message c. */
static int subject_joins(const tmsg *r, const tmsg *c)
{
	if (!r->reply || !r->noref || !r->has_date || !c->has_date || !r->base[0])
		return 0;
	if (c->date < r->date - SUBJECT_WINDOW || c->date > r->date + SUBJECT_SKEW)
		return 0;
	return strcmp(r->base, c->base) == 0 && share_part(r, c);
}

typedef struct bykey {
	const char *base;
	int64_t date;
	size_t idx;
} bykey;

static int cmp_bykey(const void *a, const void *b)
{
	const bykey *x = a, *y = b;
	int c = strcmp(x->base, y->base);

	if (c)
		return c;
	return x->date < y->date ? -1 : x->date > y->date;
}

/* Union the messages of t into conversations. */
static trawl_status components(trawl_archive *ar, tset *t, tw_uf *uf)
{
	tw_strmap ids;
	size_t nnodes = t->n, i, k, cap;
	bykey *keys = NULL;
	size_t nkeys = 0;
	struct idpair { size_t a, node; } *pairs = NULL;
	size_t npairs = 0;
	trawl_status st = TRAWL_OK;

	memset(&ids, 0, sizeof(ids));
	/* Give every id a node after the messages, then union. */
	cap = t->n * 2 + 16;
	pairs = malloc(cap * sizeof(*pairs));
	if (!pairs)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
	for (i = 0; i < t->n; i++) {
		tmsg *m = &t->m[i];

		for (k = 0; k <= m->nrefs; k++) {
			char *id = k < m->nrefs ? m->refs[k] : m->mid;
			int64_t node;

			if (!id)
				continue;
			if (!tw_strmap_get(&ids, id, &node)) {
				node = (int64_t)nnodes++;
				if (tw_strmap_put(&ids, id, node)) {
					st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
					goto out;
				}
			}
			if (npairs == cap) {
				void *p = realloc(pairs, cap * 2 * sizeof(*pairs));

				if (!p) {
					st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
					goto out;
				}
				pairs = p;
				cap *= 2;
			}
			pairs[npairs].a = i;
			pairs[npairs].node = (size_t)node;
			npairs++;
		}
	}
	if (tw_uf_init(uf, nnodes)) {
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
		goto out;
	}
	for (i = 0; i < npairs; i++)
		tw_uf_union(uf, pairs[i].a, pairs[i].node);

	/* Subject fallback, within groups of the same base subject. */
	keys = malloc((t->n ? t->n : 1) * sizeof(*keys));
	if (!keys) {
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
		goto out;
	}
	for (i = 0; i < t->n; i++) {
		if (t->m[i].has_date && t->m[i].base[0]) {
			keys[nkeys].base = t->m[i].base;
			keys[nkeys].date = t->m[i].date;
			keys[nkeys].idx = i;
			nkeys++;
		}
	}
	qsort(keys, nkeys, sizeof(*keys), cmp_bykey);
	for (i = 0; i < nkeys; i++) {
		const tmsg *r = &t->m[keys[i].idx];

		if (!r->reply || !r->noref)
			continue;
		/* Earlier messages of the group within the window ... */
		for (k = i; k-- > 0;) {
			if (strcmp(keys[k].base, r->base) || keys[k].date < r->date - SUBJECT_WINDOW)
				break;
			if (subject_joins(r, &t->m[keys[k].idx]))
				tw_uf_union(uf, keys[i].idx, keys[k].idx);
		}
		/* ... and slightly later ones (clock skew). */
		for (k = i + 1; k < nkeys; k++) {
			if (strcmp(keys[k].base, r->base) || keys[k].date > r->date + SUBJECT_SKEW)
				break;
			if (subject_joins(r, &t->m[keys[k].idx]))
				tw_uf_union(uf, keys[i].idx, keys[k].idx);
		}
	}
out:
	free(keys);
	free(pairs);
	tw_strmap_release(&ids);
	return st;
}

/* ---------------------------------------------------------------- update */

trawl_status tw_derive_pending(trawl_archive *ar, int *full, int64_t *n)
{
	sqlite3_stmt *s;
	int64_t total = 0, pending = 0, seen = -1;
	trawl_status st;

	*full = 0;
	*n = 0;
	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_new(blob_id INTEGER PRIMARY KEY);"
			 "DELETE FROM temp.tw_new;");
	if (st)
		return st;
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT (SELECT count(*) FROM emails),"
			       " (SELECT count(*) FROM emails WHERE thread_id IS NULL),"
			       " (SELECT value FROM derived WHERE key='emails')",
			       -1, &s, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "reading derived state");
	if (sqlite3_step(s) == SQLITE_ROW) {
		total = sqlite3_column_int64(s, 0);
		pending = sqlite3_column_int64(s, 1);
		if (sqlite3_column_type(s, 2) != SQLITE_NULL)
			seen = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	/* Fewer threaded emails than after the last pass: some were deleted,
	 * which can split conversations and leaves counts stale. */
	if (seen >= 0 && total - pending < seen)
		*full = 1;
	if (!*full && pending == 0)
		return TRAWL_OK;
	st = tw_exec(ar, *full ? "INSERT INTO temp.tw_new SELECT blob_id FROM emails"
			       : "INSERT INTO temp.tw_new SELECT blob_id FROM emails WHERE thread_id IS NULL");
	if (st)
		return st;
	*n = *full ? total : pending;
	return TRAWL_OK;
}

trawl_status tw_derive_done(trawl_archive *ar)
{
	return tw_exec(ar, "INSERT OR REPLACE INTO derived(key, value)"
			   " SELECT 'emails', count(*) FROM emails;");
}

/* Store the referenced ids and base subjects of the new messages, the
 * indexes through which later ingests find the conversations they touch. */
static trawl_status index_new(trawl_archive *ar, tset *t, int full)
{
	sqlite3_stmt *r = NULL, *sb = NULL;
	trawl_status st;
	size_t i, k;

	st = tw_exec(ar, full ? "DELETE FROM email_refs; DELETE FROM email_subjects;"
			      : "DELETE FROM email_refs WHERE blob_id IN (SELECT blob_id FROM temp.tw_new);"
				"DELETE FROM email_subjects WHERE blob_id IN (SELECT blob_id FROM temp.tw_new);");
	if (st)
		return st;
	if (sqlite3_prepare_v2(ar->db, "INSERT INTO email_refs(mid, blob_id) VALUES(?,?)", -1, &r,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ar->db,
			       "INSERT OR REPLACE INTO email_subjects(blob_id, base, reply) VALUES(?,?,?)",
			       -1, &sb, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "threading: indexing");
		goto out;
	}
	for (i = 0; i < t->n && !st; i++) {
		tmsg *m = &t->m[i];

		if (!m->isnew)
			continue;
		for (k = 0; k < m->nrefs; k++) {
			sqlite3_bind_text(r, 1, m->refs[k], -1, SQLITE_STATIC);
			sqlite3_bind_int64(r, 2, m->blob);
			if (sqlite3_step(r) != SQLITE_DONE)
				st = tw_dbfail(ar, "threading: indexing references");
			sqlite3_reset(r);
		}
		sqlite3_bind_int64(sb, 1, m->blob);
		sqlite3_bind_text(sb, 2, m->base, -1, SQLITE_STATIC);
		sqlite3_bind_int(sb, 3, m->reply && m->noref);
		if (sqlite3_step(sb) != SQLITE_DONE)
			st = tw_dbfail(ar, "threading: indexing subjects");
		sqlite3_reset(sb);
	}
out:
	sqlite3_finalize(r);
	sqlite3_finalize(sb);
	return st;
}

/* The conversations that messages in tw_new touch, as temp.tw_aff. */
static trawl_status affected(trawl_archive *ar)
{
	char sql[2048];

	snprintf(sql, sizeof(sql),
		 "CREATE TEMP TABLE IF NOT EXISTS tw_tids(tid INTEGER PRIMARY KEY);"
		 "DELETE FROM temp.tw_tids;"
		 /* the same Message-ID */
		 "INSERT OR IGNORE INTO temp.tw_tids SELECT e.thread_id FROM temp.tw_new n"
		 " JOIN emails x ON x.blob_id=n.blob_id JOIN emails e ON e.message_id=x.message_id"
		 " WHERE e.thread_id IS NOT NULL;"
		 /* messages the new ones name */
		 "INSERT OR IGNORE INTO temp.tw_tids SELECT e.thread_id FROM temp.tw_new n"
		 " JOIN email_refs r ON r.blob_id=n.blob_id JOIN emails e ON e.message_id=r.mid"
		 " WHERE e.thread_id IS NOT NULL;"
		 /* messages naming a new one (replies stored before their parent) */
		 "INSERT OR IGNORE INTO temp.tw_tids SELECT e.thread_id FROM temp.tw_new n"
		 " JOIN emails x ON x.blob_id=n.blob_id JOIN email_refs r ON r.mid=x.message_id"
		 " JOIN emails e ON e.blob_id=r.blob_id WHERE e.thread_id IS NOT NULL;"
		 /* messages naming the same id, present or missing */
		 "INSERT OR IGNORE INTO temp.tw_tids SELECT e.thread_id FROM temp.tw_new n"
		 " JOIN email_refs r1 ON r1.blob_id=n.blob_id JOIN email_refs r2 ON r2.mid=r1.mid"
		 " JOIN emails e ON e.blob_id=r2.blob_id WHERE e.thread_id IS NOT NULL;"
		 /* the same base subject, near in time (the fallback decides) */
		 "INSERT OR IGNORE INTO temp.tw_tids SELECT e.thread_id FROM temp.tw_new n"
		 " JOIN email_subjects s1 ON s1.blob_id=n.blob_id JOIN blobs b1 ON b1.id=s1.blob_id"
		 " JOIN email_subjects s2 ON s2.base=s1.base AND s2.blob_id<>s1.blob_id"
		 " JOIN blobs b2 ON b2.id=s2.blob_id JOIN emails e ON e.blob_id=s2.blob_id"
		 " WHERE s1.base<>'' AND (s1.reply OR s2.reply) AND e.thread_id IS NOT NULL"
		 " AND b1.date IS NOT NULL AND b2.date IS NOT NULL"
		 " AND b2.date BETWEEN b1.date - %d AND b1.date + %d;"
		 "CREATE TEMP TABLE IF NOT EXISTS tw_aff(blob_id INTEGER PRIMARY KEY);"
		 "DELETE FROM temp.tw_aff;"
		 "INSERT INTO temp.tw_aff SELECT blob_id FROM temp.tw_new;"
		 "INSERT OR IGNORE INTO temp.tw_aff SELECT blob_id FROM emails"
		 " WHERE thread_id IN (SELECT tid FROM temp.tw_tids);",
		 SUBJECT_WINDOW + SUBJECT_SKEW, SUBJECT_WINDOW + SUBJECT_SKEW);
	return tw_exec(ar, sql);
}

trawl_status tw_thread_update(trawl_archive *ar, int full)
{
	tset t;
	tw_uf uf;
	tw_intmap used, comp_tid;
	sqlite3_stmt *s = NULL, *up = NULL;
	int64_t next = 1;
	trawl_status st;
	size_t i;

	memset(&t, 0, sizeof(t));
	memset(&uf, 0, sizeof(uf));
	memset(&used, 0, sizeof(used));
	memset(&comp_tid, 0, sizeof(comp_tid));
	/* First the new messages alone, to index them. */
	/* The new messages (all of them when full), indexed first. */
	st = load_msgs(ar, &t, "WHERE e.blob_id IN (SELECT blob_id FROM temp.tw_new)");
	if (!st)
		st = index_new(ar, &t, full);
	if (!st && !full) {
		/* Then the conversations they touch, unless nothing was
		 * threaded before (a first ingest). */
		sqlite3_stmt *q;
		int any = 0;

		if (sqlite3_prepare_v2(ar->db, "SELECT EXISTS(SELECT 1 FROM emails WHERE thread_id IS NOT NULL)",
				       -1, &q, NULL) != SQLITE_OK) {
			st = tw_dbfail(ar, "threading");
		} else {
			if (sqlite3_step(q) == SQLITE_ROW)
				any = sqlite3_column_int(q, 0);
			sqlite3_finalize(q);
		}
		if (!st && any)
			st = affected(ar);
		if (!st && any)
			st = load_msgs(ar, &t, "WHERE e.blob_id IN (SELECT blob_id FROM temp.tw_aff"
					       " WHERE blob_id NOT IN (SELECT blob_id FROM temp.tw_new))");
	}
	if (!st)
		st = load_parts(ar, &t);
	if (!st)
		st = components(ar, &t, &uf);
	if (st)
		goto out;
	if (sqlite3_prepare_v2(ar->db, "SELECT coalesce(max(thread_id), 0) + 1 FROM emails", -1, &s,
			       NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "threading");
		goto out;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		next = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	/* Each conversation keeps the smallest id its members had, unless an
	 * earlier conversation (a split) took it already. */
	for (i = 0; i < t.n; i++) {
		size_t root = tw_uf_find(&uf, i);
		int64_t cur;

		if (!t.m[i].old_tid)
			continue;
		if (!tw_intmap_get(&comp_tid, (int64_t)root, &cur) || t.m[i].old_tid < cur)
			if (tw_intmap_put(&comp_tid, (int64_t)root, t.m[i].old_tid))
				goto oom;
	}
	if (sqlite3_prepare_v2(ar->db, "UPDATE emails SET thread_id=? WHERE blob_id=?", -1, &up,
			       NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "threading");
		goto out;
	}
	for (i = 0; i < t.n; i++) {
		size_t root = tw_uf_find(&uf, i);
		int64_t tid = 0;

		if (root == i) {
			/* The first member decides its conversation's id. */
			if (!tw_intmap_get(&comp_tid, (int64_t)root, &tid) || tw_intmap_get(&used, tid, NULL))
				tid = next++;
			if (tw_intmap_put(&used, tid, 1) || tw_intmap_put(&comp_tid, (int64_t)root, tid))
				goto oom;
		} else if (!tw_intmap_get(&comp_tid, (int64_t)root, &tid)) {
			st = tw_fail(ar, TRAWL_EINVAL, "threading: inconsistent components");
			goto out;
		}
		if (tid == t.m[i].old_tid)
			continue;
		sqlite3_bind_int64(up, 1, tid);
		sqlite3_bind_int64(up, 2, t.m[i].blob);
		if (sqlite3_step(up) != SQLITE_DONE) {
			st = tw_dbfail(ar, "threading: storing thread ids");
			goto out;
		}
		sqlite3_reset(up);
	}
	goto out;
oom:
	st = tw_fail(ar, TRAWL_ENOMEM, "out of memory threading");
out:
	sqlite3_finalize(up);
	tw_uf_release(&uf);
	tw_intmap_release(&used);
	tw_intmap_release(&comp_tid);
	tset_release(&t);
	return st;
}

/* ---------------------------------------------------------------- display */

typedef struct cont {
	int64_t msg;      /* index in the tset, -1 for a missing message */
	const char *id;   /* Message-ID (borrowed from the tset) */
	int64_t parent;   /* container index or -1 */
	int64_t first_child, next;
	int64_t key;      /* sort date */
} cont;

typedef struct conts {
	cont *c;
	size_t n, cap;
	tw_strmap by_id;
} conts;

static int64_t cont_new(conts *cs, const char *id)
{
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 64;
		cont *p = realloc(cs->c, cap * sizeof(*p));

		if (!p)
			return -1;
		cs->c = p;
		cs->cap = cap;
	}
	memset(&cs->c[cs->n], 0, sizeof(cont));
	cs->c[cs->n].msg = -1;
	cs->c[cs->n].parent = -1;
	cs->c[cs->n].first_child = -1;
	cs->c[cs->n].next = -1;
	cs->c[cs->n].id = id;
	return (int64_t)cs->n++;
}

static int64_t cont_for(conts *cs, const char *id)
{
	int64_t k;

	if (tw_strmap_get(&cs->by_id, id, &k))
		return k;
	k = cont_new(cs, id);
	if (k >= 0 && tw_strmap_put(&cs->by_id, id, k))
		return -1;
	return k;
}

/* Non-zero when a is b or one of b's ancestors (or the chain is too long
 * to tell, which is treated as a loop). */
static int is_ancestor(const conts *cs, int64_t a, int64_t b)
{
	size_t steps = 0;

	for (; b >= 0; b = cs->c[b].parent)
		if (b == a || ++steps > 100000)
			return 1;
	return 0;
}

typedef struct thread_priv {
	trawl_thread pub;
	tw_strpool pool;
} thread_priv;

static const char *tkeep(thread_priv *p, const char *s)
{
	return tw_strpool_keep(&p->pool, s);
}

void trawl_thread_free(trawl_thread *t)
{
	thread_priv *p = (thread_priv *)t;

	if (!t)
		return;
	tw_strpool_release(&p->pool);
	free(t->msgs);
	free(p);
}

static int cmp_cont_key(const void *a, const void *b, void *ctx);

/* Children of each container as a list sorted by date. */
static int link_children(conts *cs)
{
	size_t i, n = 0;
	int64_t *order = malloc((cs->n ? cs->n : 1) * sizeof(*order));

	if (!order)
		return -1;
	for (i = 0; i < cs->n; i++)
		order[n++] = (int64_t)i;
	qsort_r(order, n, sizeof(*order), cmp_cont_key, cs);
	/* Insert in reverse so each list ends up in ascending order. */
	for (i = n; i-- > 0;) {
		cont *c = &cs->c[order[i]];

		if (c->parent >= 0) {
			c->next = cs->c[c->parent].first_child;
			cs->c[c->parent].first_child = order[i];
		}
	}
	free(order);
	return 0;
}

static int cmp_cont_key(const void *a, const void *b, void *ctx)
{
	const conts *cs = ctx;
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	const cont *cx = &cs->c[x], *cy = &cs->c[y];

	if (cx->key != cy->key)
		return cx->key < cy->key ? -1 : 1;
	return x < y ? -1 : x > y;
}

static trawl_status build_tree(trawl_archive *ar, tset *t, thread_priv *out)
{
	conts cs;
	size_t i, k, cap = 0;
	int64_t *stack = NULL, *parents = NULL;
	int *depths = NULL;
	size_t sp = 0;
	trawl_status st = TRAWL_OK;
	trawl_thread *th = &out->pub;

	memset(&cs, 0, sizeof(cs));
	for (i = 0; i < t->n; i++) {
		tmsg *m = &t->m[i];
		int64_t c = -1, prev = -1;

		if (m->mid) {
			c = cont_for(&cs, m->mid);
			if (c >= 0 && cs.c[c].msg >= 0)
				c = cont_new(&cs, m->mid); /* a duplicate Message-ID */
		} else {
			c = cont_new(&cs, NULL);
		}
		if (c < 0)
			goto oom;
		cs.c[c].msg = (int64_t)i;
		for (k = 0; k < m->nrefs; k++) {
			int64_t r = cont_for(&cs, m->refs[k]);

			if (r < 0)
				goto oom;
			if (prev >= 0 && r != prev && cs.c[r].parent < 0 && !is_ancestor(&cs, r, prev))
				cs.c[r].parent = prev;
			prev = r;
		}
		/* The message's own parent is its last reference, replacing any
		 * earlier guess, unless that would make a loop. */
		if (prev >= 0 && prev != c && !is_ancestor(&cs, c, prev))
			cs.c[c].parent = prev;
	}
	/* Replies without references joined by subject hang under the latest
	 * earlier message with the same base subject. */
	for (i = 0; i < cs.n; i++) {
		tmsg *m;
		int64_t best = -1;

		if (cs.c[i].parent >= 0 || cs.c[i].msg < 0)
			continue;
		m = &t->m[cs.c[i].msg];
		if (!m->reply || !m->noref || !m->has_date)
			continue;
		for (k = 0; k < cs.n; k++) {
			tmsg *o;

			if (k == i || cs.c[k].msg < 0)
				continue;
			o = &t->m[cs.c[k].msg];
			if (!o->has_date || o->date > m->date || strcmp(o->base, m->base))
				continue;
			if (best >= 0 && t->m[cs.c[best].msg].date >= o->date)
				continue;
			if (!is_ancestor(&cs, (int64_t)i, (int64_t)k))
				best = (int64_t)k;
		}
		if (best >= 0)
			cs.c[i].parent = best;
	}
	/* Sort keys: a message's date; a missing one sorts by its first child. */
	for (i = 0; i < cs.n; i++)
		cs.c[i].key = cs.c[i].msg >= 0 && t->m[cs.c[i].msg].has_date ? t->m[cs.c[i].msg].date
									      : INT64_MAX;
	for (i = 0; i < cs.n; i++) {
		int64_t p = cs.c[i].parent;
		size_t steps = 0;

		for (; p >= 0 && steps < 100000; p = cs.c[p].parent, steps++)
			if (cs.c[p].msg < 0 && cs.c[p].key > cs.c[i].key)
				cs.c[p].key = cs.c[i].key;
	}
	if (link_children(&cs))
		goto oom;
	/* Depth-first from the roots; a missing message below a root is left
	 * out and its children take its place. */
	cap = cs.n + 1;
	stack = malloc(cap * sizeof(*stack));
	parents = malloc(cap * sizeof(*parents));
	depths = malloc(cap * sizeof(*depths));
	th->msgs = calloc(cap, sizeof(*th->msgs));
	if (!stack || !parents || !depths || !th->msgs)
		goto oom;
	{
		int64_t *roots = malloc(cap * sizeof(*roots));
		size_t nroots = 0;

		if (!roots)
			goto oom;
		for (i = 0; i < cs.n; i++)
			if (cs.c[i].parent < 0 && (cs.c[i].msg >= 0 || cs.c[i].first_child >= 0))
				roots[nroots++] = (int64_t)i;
		qsort_r(roots, nroots, sizeof(*roots), cmp_cont_key, &cs);
		for (i = nroots; i-- > 0;) {
			stack[sp] = roots[i];
			parents[sp] = -1;
			depths[sp] = 0;
			sp++;
		}
		free(roots);
	}
	while (sp > 0) {
		int64_t c, ch, par;
		int depth;
		size_t nkids = 0, j;

		sp--;
		c = stack[sp];
		par = parents[sp];
		depth = depths[sp];
		if (cs.c[c].msg >= 0 || par < 0) {
			trawl_thread_msg *o = &th->msgs[th->nmsgs];

			o->parent = par;
			o->depth = depth;
			if (cs.c[c].msg >= 0) {
				tmsg *m = &t->m[cs.c[c].msg];

				o->id = m->item_id;
				o->message_id = tkeep(out, m->mid);
				o->subject = tkeep(out, m->subject);
				o->from = tkeep(out, m->from);
				o->date = m->date;
				o->has_date = m->has_date;
				o->tz_offset = m->tz;
				th->nmessages++;
			} else {
				o->missing = 1;
				o->message_id = tkeep(out, cs.c[c].id);
			}
			par = (int64_t)th->nmsgs++;
			depth++;
		}
		/* Push children in reverse so the earliest comes out first. */
		for (ch = cs.c[c].first_child; ch >= 0; ch = cs.c[ch].next)
			nkids++;
		if (sp + nkids > cap)
			goto oom; /* cannot happen: every container is pushed once */
		j = sp + nkids;
		for (ch = cs.c[c].first_child; ch >= 0; ch = cs.c[ch].next) {
			j--;
			stack[j] = ch;
			parents[j] = par;
			depths[j] = depth;
		}
		sp += nkids;
	}
	goto out;
oom:
	st = tw_fail(ar, TRAWL_ENOMEM, "out of memory building the conversation");
out:
	free(stack);
	free(parents);
	free(depths);
	free(cs.c);
	tw_strmap_release(&cs.by_id);
	return st;
}

trawl_status trawl_thread_get_by_id(trawl_archive *ar, int64_t thread_id, trawl_thread **out)
{
	thread_priv *p;
	tset t;
	sqlite3_stmt *s;
	char where[128];
	trawl_status st;
	size_t i;
	uint64_t failures = tw_alloc_failures();

	*out = NULL;
	memset(&t, 0, sizeof(t));
	st = tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_new(blob_id INTEGER PRIMARY KEY);");
	if (st)
		return st;
	snprintf(where, sizeof(where), "WHERE e.thread_id = %lld", (long long)thread_id);
	st = load_msgs(ar, &t, where);
	if (st) {
		tset_release(&t);
		return st;
	}
	if (!t.n) {
		tset_release(&t);
		return tw_fail(ar, TRAWL_ENOTFOUND, "no conversation with id %lld", (long long)thread_id);
	}
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT (SELECT min(id) FROM items WHERE blob_id=e.blob_id), e.tz,"
			       " (SELECT CASE WHEN ea.name IS NOT NULL AND a.addr IS NOT NULL"
			       "  THEN ea.name || ' <' || a.addr || '>' ELSE coalesce(a.addr, ea.name) END"
			       "  FROM email_addrs ea LEFT JOIN addrs a ON a.id=ea.addr_id"
			       "  WHERE ea.blob_id=e.blob_id AND ea.role=0 ORDER BY ea.pos LIMIT 1)"
			       " FROM emails e WHERE e.blob_id=?",
			       -1, &s, NULL) != SQLITE_OK) {
		tset_release(&t);
		return tw_dbfail(ar, "reading the conversation");
	}
	for (i = 0; i < t.n; i++) {
		sqlite3_bind_int64(s, 1, t.m[i].blob);
		if (sqlite3_step(s) == SQLITE_ROW) {
			t.m[i].item_id = sqlite3_column_int64(s, 0);
			t.m[i].tz = sqlite3_column_int(s, 1);
			t.m[i].from = col_dup(s, 2);
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	p = calloc(1, sizeof(*p));
	if (!p) {
		tset_release(&t);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	}
	p->pub.thread_id = thread_id;
	st = build_tree(ar, &t, p);
	tset_release(&t);
	/* An id, subject or sender lost on the way: no partial conversation. */
	if (st == TRAWL_OK && tw_alloc_failures() != failures)
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory reading the conversation");
	if (st) {
		trawl_thread_free(&p->pub);
		return st;
	}
	*out = &p->pub;
	return TRAWL_OK;
}

trawl_status trawl_thread_get(trawl_archive *ar, int64_t id, trawl_thread **out)
{
	sqlite3_stmt *s;
	int64_t tid = 0;
	int found = 0;

	*out = NULL;
	if (sqlite3_prepare_v2(ar->db,
			       "SELECT coalesce(e.thread_id, 0) FROM items i JOIN emails e ON e.blob_id=i.blob_id"
			       " WHERE i.id=?",
			       -1, &s, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "reading the conversation");
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		found = 1;
		tid = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (!found)
		return tw_fail(ar, TRAWL_ENOTFOUND, "item %lld is not a message (or does not exist)",
			       (long long)id);
	if (!tid)
		return tw_fail(ar, TRAWL_ENOTFOUND,
			       "message %lld has no conversation yet: run 'trawl ingest' again to finish threading",
			       (long long)id);
	return trawl_thread_get_by_id(ar, tid, out);
}
