/*
 * search.c - running queries: the parsed tree becomes one SQL statement.
 *
 * Text conditions go to the FTS5 index, field conditions to SQL predicates
 * over `blobs b` (one row per distinct content).  The top-level conjunction
 * is split: its positive text parts form one FTS5 MATCH expression that
 * drives the query and gives BM25 ranking and snippets; everything else
 * becomes predicates (text parts nested under OR/NOT become
 * `b.text_id IN (SELECT rowid FROM fts WHERE fts MATCH ?)`).  Every user value is
 * a bound parameter, never spliced into SQL.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tw.h"

#define MAX_PARAMS 256

typedef struct plan {
	tw_buf match;  /* FTS5 expression driving the query, may be empty */
	tw_buf where;  /* SQL predicate over b */
	struct {
		int is_int;
		int64_t i;
		char *s;
	} params[MAX_PARAMS];
	int nparams;
	trawl_syntax_error *err;
	int failed;
	int fts_drives; /* match is not empty: the index drives the query */
} plan;

/* The SQL of a query and the plan's parts are built without checking each
 * append (tw_buf fails sticky); this is the one check before running it. */
static trawl_status sql_ready(trawl_archive *ar, const plan *pl, const tw_buf *sql)
{
	if (tw_buf_failed(sql) || tw_buf_failed(&pl->match) || tw_buf_failed(&pl->where))
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory building the query");
	return TRAWL_OK;
}

/*
 * How a condition says "the content is in this set": when the full-text
 * index drives the query, each match is checked against the set; the +
 * keeps SQLite from probing blobs(text_id) once per member of the set for
 * every match instead (a 2,000-message sender made a phrase 100 times
 * slower).
 */
static const char *in_set(const plan *pl)
{
	return pl->fts_drives ? "+b.id IN (" : "b.id IN (";
}

static void plan_fail(plan *pl, size_t pos, const char *fmt, const char *arg)
{
	if (pl->failed)
		return;
	pl->failed = 1;
	if (pl->err) {
		pl->err->pos = pos;
		snprintf(pl->err->message, sizeof(pl->err->message), fmt, arg ? arg : "");
	}
}

static void param_s(plan *pl, tw_buf *sql, const char *s)
{
	if (pl->nparams >= MAX_PARAMS) {
		plan_fail(pl, 0, "query too complex%s", "");
		return;
	}
	pl->params[pl->nparams].is_int = 0;
	pl->params[pl->nparams].s = tw_strdup(s);
	/* A lost parameter would bind NULL: the SQL is as good as failed. */
	if (s && !pl->params[pl->nparams].s)
		sql->failed = 1;
	pl->nparams++;
	tw_buf_printf(sql, "?%d", pl->nparams);
}

static void param_i(plan *pl, tw_buf *sql, int64_t v)
{
	if (pl->nparams >= MAX_PARAMS) {
		plan_fail(pl, 0, "query too complex%s", "");
		return;
	}
	pl->params[pl->nparams].is_int = 1;
	pl->params[pl->nparams].i = v;
	pl->nparams++;
	tw_buf_printf(sql, "?%d", pl->nparams);
}

static void plan_release(plan *pl)
{
	int i;

	for (i = 0; i < pl->nparams; i++)
		free(pl->params[i].s);
	tw_buf_release(&pl->match);
	tw_buf_release(&pl->where);
}

/* ---------------------------------------------------------------- FTS side */

/* FTS5 string literal: "...", with " doubled. */
static void fts_string(tw_buf *b, const char *s)
{
	tw_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			tw_buf_putc(b, '"');
		tw_buf_putc(b, *s);
	}
	tw_buf_putc(b, '"');
}

/* Non-zero when the subtree is all text conditions. */
static int is_text(const tw_qnode *n)
{
	switch (n->kind) {
	case TW_Q_TERM:
	case TW_Q_PHRASE:
		return 1;
	case TW_Q_FIELD:
		return strcmp(n->field, "subject") == 0 || strcmp(n->field, "body") == 0;
	case TW_Q_AND:
	case TW_Q_OR:
		return is_text(n->a) && is_text(n->b);
	case TW_Q_NOT:
		return 0; /* FTS5 has only binary NOT; handled by the caller */
	default:
		return 0;
	}
}

static void fts_expr(tw_buf *b, const tw_qnode *n)
{
	switch (n->kind) {
	case TW_Q_TERM:
		fts_string(b, n->text);
		if (n->prefix)
			tw_buf_puts(b, " *");
		break;
	case TW_Q_PHRASE:
		fts_string(b, n->text);
		break;
	case TW_Q_FIELD:
		tw_buf_printf(b, "%s : ", n->field);
		if (!n->quoted && n->text[0] && n->text[strlen(n->text) - 1] == '*') {
			char *t = tw_strndup(n->text, strlen(n->text) - 1);

			fts_string(b, t ? t : "");
			tw_buf_puts(b, " *");
			free(t);
		} else {
			fts_string(b, n->text);
		}
		break;
	case TW_Q_AND:
	case TW_Q_OR:
		tw_buf_putc(b, '(');
		fts_expr(b, n->a);
		tw_buf_puts(b, n->kind == TW_Q_AND ? " AND " : " OR ");
		fts_expr(b, n->b);
		tw_buf_putc(b, ')');
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- values */

static int parse_day(const char *s, size_t n, int64_t *start, int64_t *end)
{
	int y = 0, m = 0, d = 0, k;
	char buf[16];
	struct tm tm;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (k = 0; buf[k]; k++)
		if (!isdigit((unsigned char)buf[k]) && buf[k] != '-')
			return -1;
	k = sscanf(buf, "%4d-%2d-%2d", &y, &m, &d);
	if (k < 1 || y < 1000 || y > 9999 || (k >= 2 && (m < 1 || m > 12)) ||
	    (k == 3 && (d < 1 || d > 31)))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = k >= 2 ? m - 1 : 0;
	tm.tm_mday = k == 3 ? d : 1;
	*start = (int64_t)timegm(&tm);
	if (k == 1)
		tm.tm_year++;
	else if (k == 2)
		tm.tm_mon++;
	else
		tm.tm_mday++;
	*end = (int64_t)timegm(&tm);
	return 0;
}

static int parse_size(const char *s, size_t n, int64_t *v)
{
	char *e;
	double x;
	char buf[32];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	x = strtod(buf, &e);
	if (e == buf || x < 0)
		return -1;
	switch (tolower((unsigned char)*e)) {
	case '\0': break;
	case 'b': e++; break;
	case 'k': x *= 1024; e++; break;
	case 'm': x *= 1024.0 * 1024; e++; break;
	case 'g': x *= 1024.0 * 1024 * 1024; e++; break;
	case 't': x *= 1024.0 * 1024 * 1024 * 1024; e++; break;
	default: return -1;
	}
	if (*e == 'b' || *e == 'B')
		e++;
	if (*e)
		return -1;
	*v = (int64_t)x;
	return 0;
}

/* A numeric condition: N, >N, >=N, <N, <=N, A..B, A.., ..B */
static int num_cond(plan *pl, tw_buf *w, const char *col, const tw_qnode *n,
		    int (*parse)(const char *, size_t, int64_t *))
{
	const char *v = n->text, *dots = strstr(v, "..");
	int64_t a, b;

	if (dots) {
		int has_a = dots > v, has_b = dots[2] != '\0';

		if ((has_a && parse(v, (size_t)(dots - v), &a)) ||
		    (has_b && parse(dots + 2, strlen(dots + 2), &b)) || (!has_a && !has_b))
			return -1;
		tw_buf_putc(w, '(');
		if (has_a) {
			tw_buf_printf(w, "%s >= ", col);
			param_i(pl, w, a);
		}
		if (has_a && has_b)
			tw_buf_puts(w, " AND ");
		if (has_b) {
			tw_buf_printf(w, "%s <= ", col);
			param_i(pl, w, b);
		}
		tw_buf_putc(w, ')');
		return 0;
	}
	if (v[0] == '>' || v[0] == '<') {
		const char *op = v[1] == '=' ? (v[0] == '>' ? ">=" : "<=") : (v[0] == '>' ? ">" : "<");
		const char *num = v + (v[1] == '=' ? 2 : 1);

		if (parse(num, strlen(num), &a))
			return -1;
		tw_buf_printf(w, "%s %s ", col, op);
		param_i(pl, w, a);
		return 0;
	}
	if (parse(v, strlen(v), &a))
		return -1;
	tw_buf_printf(w, "%s = ", col);
	param_i(pl, w, a);
	return 0;
}

static int parse_int(const char *s, size_t n, int64_t *v)
{
	char buf[24], *e;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*v = strtoll(buf, &e, 10);
	return *e ? -1 : 0;
}

/* LIKE pattern: * and ? become % and _, other wildcards escaped; with
 * `contains`, a value without '*' matches anywhere. */
static char *like_pattern(const char *v, int contains)
{
	tw_buf b;
	int wild = strchr(v, '*') != NULL;

	tw_buf_init(&b, 4096);
	if (contains && !wild)
		tw_buf_putc(&b, '%');
	for (; *v; v++) {
		if (*v == '*')
			tw_buf_putc(&b, '%');
		else if (*v == '?' && wild)
			tw_buf_putc(&b, '_');
		else if (*v == '%' || *v == '_' || *v == '\\') {
			tw_buf_putc(&b, '\\');
			tw_buf_putc(&b, *v);
		} else
			tw_buf_putc(&b, *v);
	}
	if (contains && !wild)
		tw_buf_putc(&b, '%');
	if (!b.data)
		return tw_strdup("");
	return tw_buf_detach(&b, NULL);
}

static const struct {
	const char *alias, *family;
} type_aliases[] = {
	{"mail", "email"},          {"message", "email"},      {"msg", "email"},
	{"doc", "word"},            {"docx", "word"},          {"document", "word"},
	{"xls", "spreadsheet"},     {"xlsx", "spreadsheet"},   {"excel", "spreadsheet"},
	{"sheet", "spreadsheet"},   {"csv", "spreadsheet"},    {"ppt", "presentation"},
	{"pptx", "presentation"},   {"slides", "presentation"}, {"zip", "archive"},
	{"container", "archive"},   {"picture", "image"},      {"txt", "text"},
};

/* ---------------------------------------------------------------- SQL side */

static void sql_expr(plan *pl, tw_buf *w, const tw_qnode *n);

static void addr_cond(plan *pl, tw_buf *w, const char *roles, const char *v)
{
	char *lower = tw_strdup(v);
	const char *at;

	if (!lower) {
		w->failed = 1; /* checked with the rest of the SQL */
		return;
	}
	tw_ascii_lower(lower);
	at = strchr(lower, '@');
	if (at && at > lower && at[1] && !strchr(lower, '*')) {
		/* A whole address: exact, through the index. */
		tw_buf_printf(w, "%sSELECT ea.blob_id FROM email_addrs ea WHERE ea.role IN (%s)"
				 " AND ea.addr_id IN (SELECT id FROM addrs WHERE addr = ", in_set(pl), roles);
		param_s(pl, w, lower);
		tw_buf_puts(w, "))");
	} else {
		/* Part of an address or of a name the address was shown with
		 * (addr_names: every display name seen with it), through the
		 * address index; an entry with a name and no address is
		 * matched on its name. */
		char *pat = like_pattern(lower, 1);

		tw_buf_printf(w, "%sSELECT ea.blob_id FROM email_addrs ea WHERE ea.role IN (%s)"
				 " AND ea.addr_id IN (SELECT id FROM addrs WHERE addr LIKE ", in_set(pl), roles);
		param_s(pl, w, pat);
		tw_buf_puts(w, " ESCAPE '\\' UNION SELECT addr_id FROM addr_names WHERE name LIKE ");
		param_s(pl, w, pat);
		tw_buf_printf(w, " ESCAPE '\\') UNION ALL SELECT ea.blob_id FROM email_addrs ea"
				 " WHERE ea.addr_id IS NULL AND ea.role IN (%s) AND ea.name LIKE ", roles);
		param_s(pl, w, pat);
		tw_buf_puts(w, " ESCAPE '\\')");
		free(pat);
	}
	free(lower);
}

static void item_like(plan *pl, tw_buf *w, const char *col, const char *v, int contains)
{
	char *pat = like_pattern(v, contains);

	tw_buf_printf(w, "%sSELECT blob_id FROM items WHERE %s LIKE ",
			      in_set(pl), col);
	param_s(pl, w, pat);
	tw_buf_puts(w, " ESCAPE '\\')");
	free(pat);
}

static void field_expr(plan *pl, tw_buf *w, const tw_qnode *n)
{
	const char *f = n->field, *v = n->text;

	if (!strcmp(f, "from")) {
		addr_cond(pl, w, "0", v);
	} else if (!strcmp(f, "to")) {
		addr_cond(pl, w, "1", v);
	} else if (!strcmp(f, "cc")) {
		addr_cond(pl, w, "2", v);
	} else if (!strcmp(f, "bcc")) {
		addr_cond(pl, w, "3", v);
	} else if (!strcmp(f, "recipient")) {
		addr_cond(pl, w, "1,2,3", v);
	} else if (!strcmp(f, "contact")) {
		addr_cond(pl, w, "0,1,2,3,4,5", v);
	} else if (!strcmp(f, "subject") || !strcmp(f, "body")) {
		tw_buf m;

		tw_buf_init(&m, 1 << 16);
		fts_expr(&m, n);
		tw_buf_puts(w, "b.text_id IN (SELECT rowid FROM fts WHERE fts MATCH ");
		param_s(pl, w, m.data);
		tw_buf_putc(w, ')');
		if (tw_buf_failed(&m))
			w->failed = 1; /* the outer SQL carries the failure */
		tw_buf_release(&m);
	} else if (!strcmp(f, "date")) {
		const char *dots = strstr(v, "..");
		int64_t s0, e0, s1, e1;

		if (dots) {
			int has_a = dots > v, has_b = dots[2] != '\0';

			if ((has_a && parse_day(v, (size_t)(dots - v), &s0, &e0)) ||
			    (has_b && parse_day(dots + 2, strlen(dots + 2), &s1, &e1)) ||
			    (!has_a && !has_b)) {
				plan_fail(pl, n->pos, "bad date '%s': use YYYY, YYYY-MM, YYYY-MM-DD or A..B",
					  v);
				return;
			}
			tw_buf_puts(w, "(b.date IS NOT NULL");
			if (has_a) {
				tw_buf_puts(w, " AND b.date >= ");
				param_i(pl, w, s0);
			}
			if (has_b) {
				tw_buf_puts(w, " AND b.date < ");
				param_i(pl, w, e1);
			}
			tw_buf_putc(w, ')');
		} else {
			if (parse_day(v, strlen(v), &s0, &e0)) {
				plan_fail(pl, n->pos, "bad date '%s': use YYYY, YYYY-MM, YYYY-MM-DD or A..B",
					  v);
				return;
			}
			tw_buf_puts(w, "(b.date >= ");
			param_i(pl, w, s0);
			tw_buf_puts(w, " AND b.date < ");
			param_i(pl, w, e0);
			tw_buf_putc(w, ')');
		}
	} else if (!strcmp(f, "has")) {
		if (!strcasecmp(v, "attachment") || !strcasecmp(v, "attachments") ||
		    !strcasecmp(v, "children"))
			tw_buf_puts(w, "b.nchildren > 0");
		else if (!strcasecmp(v, "mismatch"))
			tw_buf_printf(w, "%sSELECT blob_id FROM items WHERE mismatch IS NOT NULL)", in_set(pl));
		else if (!strcasecmp(v, "error") || !strcasecmp(v, "errors"))
			tw_buf_printf(w, "%sSELECT i.blob_id FROM items i JOIN errors e ON e.item_id=i.id)", in_set(pl));
		else if (!strcasecmp(v, "pii") || !strcasecmp(v, "findings"))
			tw_buf_printf(w, "%sSELECT blob_id FROM findings)", in_set(pl));
		else
			plan_fail(pl, n->pos, "unknown has:%s (use has:attachment, has:error, has:mismatch or has:pii)", v);
	} else if (!strcmp(f, "filename")) {
		item_like(pl, w, "name", v, 1);
	} else if (!strcmp(f, "path")) {
		item_like(pl, w, "path", v, 1);
	} else if (!strcmp(f, "kind")) {
		tw_buf_printf(w, "%sSELECT blob_id FROM items WHERE kind = ", in_set(pl));
		param_s(pl, w, v);
		tw_buf_putc(w, ')');
	} else if (!strcmp(f, "ext")) {
		char *e = tw_strdup(v[0] == '.' ? v + 1 : v);

		tw_ascii_lower(e);
		tw_buf_printf(w, "%sSELECT blob_id FROM items WHERE ext = ", in_set(pl));
		param_s(pl, w, e);
		tw_buf_putc(w, ')');
		free(e);
	} else if (!strcmp(f, "id")) {
		int64_t id;

		if (parse_int(v, strlen(v), &id)) {
			plan_fail(pl, n->pos, "id:%s is not a number", v);
			return;
		}
		tw_buf_puts(w, "b.id = (SELECT blob_id FROM items WHERE id = ");
		param_i(pl, w, id);
		tw_buf_putc(w, ')');
	} else if (!strcmp(f, "mid")) {
		char *m = tw_addr_normalise(v);

		tw_buf_printf(w, "%sSELECT blob_id FROM emails WHERE message_id = ", in_set(pl));
		param_s(pl, w, m ? m : v);
		tw_buf_puts(w, " COLLATE NOCASE)");
		free(m);
	} else if (!strcmp(f, "type")) {
		const char *fam = v;
		size_t i;

		for (i = 0; i < TW_ARRAY_LEN(type_aliases); i++)
			if (!strcasecmp(v, type_aliases[i].alias))
				fam = type_aliases[i].family;
		tw_buf_puts(w, "b.type = ");
		param_s(pl, w, fam);
		tw_buf_puts(w, " COLLATE NOCASE");
	} else if (!strcmp(f, "mime")) {
		char *pat = like_pattern(v, 0);

		tw_buf_puts(w, "b.mime LIKE ");
		param_s(pl, w, pat);
		tw_buf_puts(w, " ESCAPE '\\'");
		free(pat);
	} else if (!strcmp(f, "author")) {
		char *pat = like_pattern(v, 1);

		tw_buf_printf(w, "%sSELECT blob_id FROM props_text WHERE key IN ('author','last_modified_by') AND value LIKE ", in_set(pl));
		param_s(pl, w, pat);
		tw_buf_puts(w, " ESCAPE '\\')");
		free(pat);
	} else if (!strcmp(f, "size")) {
		if (num_cond(pl, w, "b.size", n, parse_size))
			plan_fail(pl, n->pos, "bad size '%s': use 100, 10k, >10MB, <1g or 1k..2m", v);
	} else if (!strcmp(f, "depth")) {
		tw_buf d;

		tw_buf_init(&d, 4096);
		if (num_cond(pl, &d, "depth", n, parse_int)) {
			plan_fail(pl, n->pos, "bad depth '%s': use 0, >1, <2 or 1..3", v);
		} else {
			tw_buf_printf(w, "%sSELECT blob_id FROM items WHERE %s)",
			      in_set(pl), d.data);
			if (tw_buf_failed(&d))
				w->failed = 1;
		}
		tw_buf_release(&d);
	} else if (!strcmp(f, "label")) {
		tw_buf_printf(w, "%sSELECT i.blob_id FROM items i JOIN sources s ON s.id=i.source_id WHERE s.label = ", in_set(pl));
		param_s(pl, w, v);
		tw_buf_putc(w, ')');
	} else if (!strcmp(f, "thread")) {
		int64_t id;

		if (parse_int(v, strlen(v), &id)) {
			plan_fail(pl, n->pos, "thread:%s needs the id of a message in the conversation", v);
			return;
		}
		/* A message not threaded yet is a conversation of its own. */
		tw_buf_puts(w, in_set(pl));
		tw_buf_puts(w, "SELECT e2.blob_id FROM emails e2 WHERE e2.thread_id ="
			       " (SELECT e.thread_id FROM items i JOIN emails e ON e.blob_id=i.blob_id"
			       " WHERE i.id = ");
		param_i(pl, w, id);
		tw_buf_puts(w, ") UNION SELECT blob_id FROM items WHERE id = ");
		param_i(pl, w, id);
		tw_buf_putc(w, ')');
	} else if (!strcmp(f, "person")) {
		int64_t pid;

		/* All addresses of the people meant: a person id, an address
		 * (SMTP or X.500), or part of an address or display name.  An
		 * address not grouped yet stands for itself. */
		tw_buf_printf(w, "%sSELECT ea.blob_id FROM email_addrs ea WHERE ea.addr_id IN (", in_set(pl));
		if (parse_int(v, strlen(v), &pid) == 0) {
			tw_buf_puts(w, "SELECT id FROM addrs WHERE person_id = ");
			param_i(pl, w, pid);
		} else if (strchr(v, '@') || v[0] == '/') {
			char *a = tw_addr_canon(v, NULL);

			tw_buf_puts(w, "SELECT id FROM addrs WHERE person_id IN (SELECT person_id FROM addrs WHERE addr = ");
			param_s(pl, w, a ? a : v);
			tw_buf_puts(w, ") OR addr = ");
			param_s(pl, w, a ? a : v);
			free(a);
		} else {
			char *lower = tw_strdup(v), *pat;

			tw_ascii_lower(lower);
			pat = like_pattern(lower ? lower : v, 1);
			tw_buf_puts(w, "SELECT id FROM addrs WHERE person_id IN (SELECT person_id FROM addrs WHERE addr LIKE ");
			param_s(pl, w, pat);
			tw_buf_puts(w, " ESCAPE '\\' UNION SELECT a.person_id FROM addr_names n JOIN addrs a ON a.id=n.addr_id WHERE n.name LIKE ");
			param_s(pl, w, pat);
			tw_buf_puts(w, " ESCAPE '\\') OR addr LIKE ");
			param_s(pl, w, pat);
			tw_buf_puts(w, " ESCAPE '\\'");
			free(pat);
			free(lower);
		}
		tw_buf_puts(w, "))");
	} else if (!strcmp(f, "tag")) {
		char *t = tw_strdup(v);

		tw_ascii_lower(t);
		if (t && strchr(t, '*')) {
			char *pat = like_pattern(t, 0);

			tw_buf_puts(w, "b.sha256 IN (SELECT sha256 FROM tags WHERE tag LIKE ");
			param_s(pl, w, pat);
			tw_buf_puts(w, " ESCAPE '\\')");
			free(pat);
		} else {
			tw_buf_puts(w, "b.sha256 IN (SELECT sha256 FROM tags WHERE tag = ");
			param_s(pl, w, t ? t : v);
			tw_buf_putc(w, ')');
		}
		free(t);
	} else if (!strcmp(f, "pii")) {
		static const char *const pii[] = {"ssn", "card", "iban", "phone", "email",
						  "password", "key", "dob", "ip"};
		size_t i;
		int ok = !strcasecmp(v, "any");

		for (i = 0; i < TW_ARRAY_LEN(pii); i++)
			ok |= !strcasecmp(v, pii[i]);
		if (!ok) {
			plan_fail(pl, n->pos,
				  "unknown pii:%s (use ssn, card, iban, phone, email, password, key, dob, ip or any)", v);
		} else if (!strcasecmp(v, "any")) {
			tw_buf_printf(w, "%sSELECT blob_id FROM findings)", in_set(pl));
		} else {
			char *t = tw_strdup(v);

			tw_ascii_lower(t);
			tw_buf_printf(w, "%sSELECT blob_id FROM findings WHERE type = ", in_set(pl));
			param_s(pl, w, t ? t : v);
			tw_buf_putc(w, ')');
			free(t);
		}
	} else if (!strcmp(f, "dkim")) {
		if (strcasecmp(v, "pass") && strcasecmp(v, "fail") && strcasecmp(v, "nokey") &&
		    strcasecmp(v, "none")) {
			plan_fail(pl, n->pos, "unknown dkim:%s (use pass, fail, nokey or none; results come from 'trawl verify --dkim')", v);
		} else {
			char *t = tw_strdup(v);

			tw_ascii_lower(t);
			tw_buf_printf(w, "%sSELECT blob_id FROM dkim WHERE result = ", in_set(pl));
			param_s(pl, w, t ? t : v);
			tw_buf_putc(w, ')');
			free(t);
		}
	} else {
		plan_fail(pl, n->pos, "the field '%s:' is not available in this archive yet", f);
	}
}

static void sql_expr(plan *pl, tw_buf *w, const tw_qnode *n)
{
	if (pl->failed)
		return;
	if (is_text(n)) {
		tw_buf m;

		tw_buf_init(&m, 1 << 16);
		fts_expr(&m, n);
		tw_buf_puts(w, "b.text_id IN (SELECT rowid FROM fts WHERE fts MATCH ");
		param_s(pl, w, m.data);
		tw_buf_putc(w, ')');
		if (tw_buf_failed(&m))
			w->failed = 1; /* the outer SQL carries the failure */
		tw_buf_release(&m);
		return;
	}
	switch (n->kind) {
	case TW_Q_ALL:
		tw_buf_puts(w, "1");
		break;
	case TW_Q_AND:
	case TW_Q_OR:
		tw_buf_putc(w, '(');
		sql_expr(pl, w, n->a);
		tw_buf_puts(w, n->kind == TW_Q_AND ? " AND " : " OR ");
		sql_expr(pl, w, n->b);
		tw_buf_putc(w, ')');
		break;
	case TW_Q_NOT:
		tw_buf_puts(w, "NOT (");
		sql_expr(pl, w, n->a);
		tw_buf_putc(w, ')');
		break;
	case TW_Q_FIELD:
		field_expr(pl, w, n);
		break;
	default:
		break;
	}
}

/* Flatten the top-level AND into conjuncts. */
static void conjuncts(const tw_qnode *n, const tw_qnode **out, int *k, int max)
{
	if (n->kind == TW_Q_AND) {
		conjuncts(n->a, out, k, max);
		conjuncts(n->b, out, k, max);
	} else if (*k < max) {
		out[(*k)++] = n;
	}
}

static trawl_status build(plan *pl, const tw_qnode *root)
{
	const tw_qnode *c[600];
	int k = 0, i, npos = 0;

	tw_buf_init(&pl->match, 1 << 16);
	tw_buf_init(&pl->where, 1 << 18);
	conjuncts(root, c, &k, (int)TW_ARRAY_LEN(c));
	for (i = 0; i < k; i++)
		if (is_text(c[i]))
			npos++;
	pl->fts_drives = npos > 0;
	for (i = 0; i < k; i++) {
		if (npos && is_text(c[i])) {
			if (pl->match.len)
				tw_buf_puts(&pl->match, " AND ");
			fts_expr(&pl->match, c[i]);
		}
	}
	for (i = 0; i < k; i++) {
		if (npos && is_text(c[i]))
			continue;
		if (npos && c[i]->kind == TW_Q_NOT && is_text(c[i]->a)) {
			tw_buf_puts(&pl->match, " NOT ");
			fts_expr(&pl->match, c[i]->a);
			continue;
		}
		if (pl->where.len)
			tw_buf_puts(&pl->where, " AND ");
		sql_expr(pl, &pl->where, c[i]);
	}
	if (!pl->where.len)
		tw_buf_puts(&pl->where, "1");
	if (pl->match.truncated || pl->where.truncated)
		plan_fail(pl, 0, "query too long%s", "");
	return pl->failed ? TRAWL_ESYNTAX : TRAWL_OK;
}

static void bind_all(plan *pl, sqlite3_stmt *s, int first)
{
	int i;

	for (i = 0; i < pl->nparams; i++) {
		if (pl->params[i].is_int)
			sqlite3_bind_int64(s, i + 1, pl->params[i].i);
		else
			sqlite3_bind_text(s, i + 1, pl->params[i].s, -1, SQLITE_STATIC);
	}
	(void)first;
}

/* Prepare plan; the MATCH expression becomes the last parameter. */
static trawl_status plan_for(trawl_archive *ar, const char *query, plan *pl,
			     trawl_syntax_error *err)
{
	tw_qnode *root;
	trawl_status st;
	uint64_t failures = tw_alloc_failures();

	memset(pl, 0, sizeof(*pl));
	pl->err = err;
	st = tw_query_parse(query, &root, err);
	if (st) {
		if (st == TRAWL_ESYNTAX && err)
			tw_fail(ar, st, "query syntax error at %zu: %s", err->pos, err->message);
		return st;
	}
	st = build(pl, root);
	tw_query_free(root);
	/* A pattern, a parameter or a piece of SQL lost while building: the
	 * plan is not the query (the SQL buffers say so too, see sql_ready()). */
	if (st == TRAWL_OK && tw_alloc_failures() != failures)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory building the query");
	if (st && err)
		tw_fail(ar, st, "query error at %zu: %s", err->pos, err->message);
	return st;
}

/* Run a single-value counting statement with the plan's parameters. */
static trawl_status run_count(trawl_archive *ar, plan *pl, const char *sql, int64_t *count)
{
	sqlite3_stmt *s;
	trawl_status st = TRAWL_OK;

	if (sqlite3_prepare_v2(ar->db, sql, -1, &s, NULL) != SQLITE_OK)
		return tw_dbfail(ar, "running query");
	bind_all(pl, s, 0);
	if (sqlite3_step(s) == SQLITE_ROW)
		*count = sqlite3_column_int64(s, 0);
	else
		st = tw_dbfail(ar, "running query");
	sqlite3_finalize(s);
	return st;
}

trawl_status trawl_count(trawl_archive *ar, const char *query, int64_t *count,
			 trawl_syntax_error *err)
{
	plan pl;
	tw_buf sql;
	trawl_status st = plan_for(ar, query, &pl, err);

	*count = 0;
	if (st) {
		plan_release(&pl);
		return st;
	}
	tw_buf_init(&sql, 1 << 20);
	if (pl.match.len) {
		tw_buf_puts(&sql, "SELECT count(*) FROM fts JOIN blobs b ON b.text_id=fts.rowid WHERE fts MATCH ");
		param_s(&pl, &sql, pl.match.data);
		tw_buf_printf(&sql, " AND b.extracted=1 AND %s", pl.where.data);
	} else {
		tw_buf_printf(&sql, "SELECT count(*) FROM blobs b WHERE b.extracted=1 AND %s",
			      pl.where.data);
	}
	st = sql_ready(ar, &pl, &sql);
	if (st == TRAWL_OK)
		st = run_count(ar, &pl, sql.data, count);
	tw_buf_release(&sql);
	plan_release(&pl);
	return st;
}

/* ---------------------------------------------------------------- hits */

typedef struct hit_ctx {
	sqlite3_stmt *item, *occ, *blob, *email, *from, *to, *title, *text;
} hit_ctx;

static void hit_ctx_free(hit_ctx *h)
{
	sqlite3_finalize(h->item);
	sqlite3_finalize(h->occ);
	sqlite3_finalize(h->blob);
	sqlite3_finalize(h->email);
	sqlite3_finalize(h->from);
	sqlite3_finalize(h->to);
	sqlite3_finalize(h->title);
	sqlite3_finalize(h->text);
}

static int hit_ctx_init(sqlite3 *db, hit_ctx *h)
{
	memset(h, 0, sizeof(*h));
	return sqlite3_prepare_v2(db, "SELECT id, kind, path FROM items WHERE blob_id=? ORDER BY id LIMIT 1", -1, &h->item, NULL) ||
	       sqlite3_prepare_v2(db, "SELECT count(*) FROM items WHERE blob_id=?", -1, &h->occ, NULL) ||
	       sqlite3_prepare_v2(db, "SELECT type, size, sha256, date FROM blobs WHERE id=?", -1, &h->blob, NULL) ||
	       sqlite3_prepare_v2(db, "SELECT subject, message_id, tz, thread_id FROM emails WHERE blob_id=?", -1, &h->email, NULL) ||
	       sqlite3_prepare_v2(db, "SELECT ea.name, a.addr FROM email_addrs ea LEFT JOIN addrs a ON a.id=ea.addr_id WHERE ea.blob_id=? AND ea.role=0 ORDER BY ea.pos LIMIT 1", -1, &h->from, NULL) ||
	       sqlite3_prepare_v2(db, "SELECT ea.name, a.addr FROM email_addrs ea LEFT JOIN addrs a ON a.id=ea.addr_id WHERE ea.blob_id=? AND ea.role=1 ORDER BY ea.pos LIMIT 20", -1, &h->to, NULL) ||
	       sqlite3_prepare_v2(db, "SELECT value FROM props_text WHERE blob_id=? AND key='title' LIMIT 1", -1, &h->title, NULL) ||
	       sqlite3_prepare_v2(db, "SELECT tw_inflate(t.body) FROM blobs b JOIN texts t ON t.id=b.text_id WHERE b.id=?", -1, &h->text, NULL);
}

static void fmt_addr(tw_buf *b, const char *name, const char *addr)
{
	if (name && *name && addr)
		tw_buf_printf(b, "%s <%s>", name, addr);
	else if (addr)
		tw_buf_puts(b, addr);
	else if (name)
		tw_buf_puts(b, name);
}

/* First words of a text, for hits without a text match. */
static char *lead(const char *t, size_t max)
{
	tw_buf b;
	int sp = 0;

	tw_buf_init(&b, max);
	for (; t && *t && b.len < max; t++) {
		if (isspace((unsigned char)*t)) {
			sp = 1;
			continue;
		}
		if (sp && b.len)
			tw_buf_putc(&b, ' ');
		sp = 0;
		tw_buf_putc(&b, *t);
	}
	/* Do not cut inside a UTF-8 sequence. */
	while (b.len && ((unsigned char)b.data[b.len - 1] & 0xc0) == 0x80)
		b.len--;
	if (b.len && (unsigned char)b.data[b.len - 1] >= 0xc0)
		b.len--;
	if (b.data)
		b.data[b.len] = '\0';
	return b.data ? tw_buf_detach(&b, NULL) : tw_strdup("");
}

/* Call fn for one hit; returns fn's answer (non-zero: stop), or -1 without
 * calling it when part of the hit (addresses, lead text) was lost for lack
 * of memory. */
static int emit_hit(hit_ctx *h, int64_t blob, double score, const char *snippet,
		    int64_t thread_hits, trawl_hit_fn fn, void *ud)
{
	trawl_hit hit;
	char sha[65] = "";
	tw_buf from, to;
	uint64_t failures = tw_alloc_failures();
	char *lead_text = NULL;
	int stop;

	memset(&hit, 0, sizeof(hit));
	tw_buf_init(&from, 4096);
	tw_buf_init(&to, 8192);
	hit.score = score;
	sqlite3_bind_int64(h->item, 1, blob);
	if (sqlite3_step(h->item) == SQLITE_ROW) {
		hit.id = sqlite3_column_int64(h->item, 0);
		hit.kind = (const char *)sqlite3_column_text(h->item, 1);
		hit.path = (const char *)sqlite3_column_text(h->item, 2);
	}
	sqlite3_bind_int64(h->occ, 1, blob);
	if (sqlite3_step(h->occ) == SQLITE_ROW)
		hit.occurrences = sqlite3_column_int64(h->occ, 0);
	sqlite3_bind_int64(h->blob, 1, blob);
	if (sqlite3_step(h->blob) == SQLITE_ROW) {
		hit.type = (const char *)sqlite3_column_text(h->blob, 0);
		hit.size = sqlite3_column_int64(h->blob, 1);
		if (sqlite3_column_bytes(h->blob, 2) == 32)
			tw_hex(sqlite3_column_blob(h->blob, 2), 32, sha);
		hit.sha256 = sha;
		if (sqlite3_column_type(h->blob, 3) != SQLITE_NULL) {
			hit.date = sqlite3_column_int64(h->blob, 3);
			hit.has_date = 1;
		}
	}
	sqlite3_bind_int64(h->email, 1, blob);
	if (sqlite3_step(h->email) == SQLITE_ROW) {
		hit.subject = (const char *)sqlite3_column_text(h->email, 0);
		hit.message_id = (const char *)sqlite3_column_text(h->email, 1);
		hit.tz_offset = sqlite3_column_int(h->email, 2);
		hit.thread_id = sqlite3_column_int64(h->email, 3);
		sqlite3_bind_int64(h->from, 1, blob);
		if (sqlite3_step(h->from) == SQLITE_ROW)
			fmt_addr(&from, (const char *)sqlite3_column_text(h->from, 0),
				 (const char *)sqlite3_column_text(h->from, 1));
		sqlite3_bind_int64(h->to, 1, blob);
		while (sqlite3_step(h->to) == SQLITE_ROW) {
			if (to.len)
				tw_buf_puts(&to, ", ");
			fmt_addr(&to, (const char *)sqlite3_column_text(h->to, 0),
				 (const char *)sqlite3_column_text(h->to, 1));
		}
		hit.from = from.data;
		hit.to = to.data;
	} else {
		sqlite3_bind_int64(h->title, 1, blob);
		if (sqlite3_step(h->title) == SQLITE_ROW)
			hit.subject = (const char *)sqlite3_column_text(h->title, 0);
	}
	if (!hit.subject && hit.path) {
		const char *slash = strrchr(hit.path, '/');

		hit.subject = slash ? slash + 1 : hit.path;
	}
	if (snippet) {
		hit.snippet = snippet;
	} else {
		sqlite3_bind_int64(h->text, 1, blob);
		if (sqlite3_step(h->text) == SQLITE_ROW)
			lead_text = lead((const char *)sqlite3_column_text(h->text, 0), 200);
		hit.snippet = lead_text;
	}
	hit.thread_hits = thread_hits;
	if (tw_alloc_failures() != failures)
		stop = -1;
	else
		stop = fn(&hit, ud) ? 1 : 0;
	free(lead_text);
	tw_buf_release(&from);
	tw_buf_release(&to);
	sqlite3_reset(h->item);
	sqlite3_reset(h->occ);
	sqlite3_reset(h->blob);
	sqlite3_reset(h->email);
	sqlite3_reset(h->from);
	sqlite3_reset(h->to);
	sqlite3_reset(h->title);
	sqlite3_reset(h->text);
	return stop;
}

/* With by_thread: the number of conversations among the hits (a content
 * that is not an email counts as one of its own). */
static trawl_status count_threads(trawl_archive *ar, const char *query, int64_t *count,
				  trawl_syntax_error *err)
{
	plan pl;
	tw_buf sql;
	trawl_status st = plan_for(ar, query, &pl, err);

	*count = 0;
	if (st) {
		plan_release(&pl);
		return st;
	}
	tw_buf_init(&sql, 1 << 20);
	tw_buf_puts(&sql, "SELECT count(DISTINCT coalesce(e.thread_id, -b.id)) FROM ");
	if (pl.match.len) {
		tw_buf_puts(&sql, "fts JOIN blobs b ON b.text_id=fts.rowid LEFT JOIN emails e ON e.blob_id=b.id"
				  " WHERE fts MATCH ");
		param_s(&pl, &sql, pl.match.data);
		tw_buf_puts(&sql, " AND ");
	} else {
		tw_buf_puts(&sql, "blobs b LEFT JOIN emails e ON e.blob_id=b.id WHERE ");
	}
	tw_buf_printf(&sql, "b.extracted=1 AND %s", pl.where.data);
	st = sql_ready(ar, &pl, &sql);
	if (st == TRAWL_OK)
		st = run_count(ar, &pl, sql.data, count);
	tw_buf_release(&sql);
	plan_release(&pl);
	return st;
}

/*
 * The hits of `s` (rows: blob, score, -, n, text) with their snippets, and with
 * `late_score` their scores, made afterwards by `snip` for those rows only.
 * Running the MATCH once per row re-evaluates the whole expression each
 * time (prefix and phrase terms load whole doclists), which made a
 * date-sorted page of "deal* price" take 50 evaluations; instead `snip`
 * runs the MATCH once over the rowid range of the page and keeps the rows
 * in the page's set.  Memory: the page's ids and snippets.
 */
typedef struct late_row {
	int64_t blob, text, n;
	double score;
	char *snippet;
} late_row;

static trawl_status late_marks(trawl_archive *ar, sqlite3_stmt *s, sqlite3_stmt *snip,
			       const char *match, int late_score, hit_ctx *h,
			       trawl_hit_fn fn, void *ud)
{
	late_row *rows = NULL;
	size_t n = 0, cap = 0, i, k;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	trawl_status st = TRAWL_OK;
	tw_buf ids;
	int rc;

	tw_buf_init(&ids, (size_t)1 << 30);
	tw_buf_putc(&ids, '[');
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			late_row *nr = tw_realloc(rows, (cap ? cap * 2 : 64) * sizeof(*rows));

			if (!nr) {
				st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
				goto out;
			}
			rows = nr;
			cap = cap ? cap * 2 : 64;
		}
		rows[n].blob = sqlite3_column_int64(s, 0);
		rows[n].score = sqlite3_column_double(s, 1);
		rows[n].n = sqlite3_column_int64(s, 3);
		rows[n].text = sqlite3_column_int64(s, 4);
		rows[n].snippet = NULL;
		tw_buf_printf(&ids, "%s%lld", n ? "," : "", (long long)rows[n].text);
		if (rows[n].text < lo)
			lo = rows[n].text;
		if (rows[n].text > hi)
			hi = rows[n].text;
		n++;
	}
	if (rc != SQLITE_DONE) {
		st = tw_dbfail(ar, "running query");
		goto out;
	}
	tw_buf_putc(&ids, ']');
	if (tw_buf_failed(&ids)) {
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		goto out;
	}
	if (n) {
		sqlite3_bind_text(snip, 1, match, -1, SQLITE_STATIC);
		sqlite3_bind_int64(snip, 2, lo);
		sqlite3_bind_int64(snip, 3, hi);
		sqlite3_bind_text(snip, 4, ids.data, (int)ids.len, SQLITE_STATIC);
		while ((rc = sqlite3_step(snip)) == SQLITE_ROW) {
			int64_t text = sqlite3_column_int64(snip, 0);

			/* Contents of a page may share a text; a linear scan is
			 * cheap next to a snippet, and pages are small. */
			for (k = 0; k < n; k++) {
				if (rows[k].text != text)
					continue;
				free(rows[k].snippet);
				rows[k].snippet = tw_strdup((const char *)sqlite3_column_text(snip, 1));
				if (!rows[k].snippet && sqlite3_column_text(snip, 1))
					st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
				if (late_score)
					rows[k].score = sqlite3_column_double(snip, 2);
			}
		}
		if (rc != SQLITE_DONE)
			st = tw_dbfail(ar, "making snippets");
		sqlite3_reset(snip);
	}
	for (i = 0; st == TRAWL_OK && i < n; i++) {
		int r = emit_hit(h, rows[i].blob, rows[i].score, rows[i].snippet, rows[i].n, fn, ud);

		if (r < 0)
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		if (r)
			break;
	}
out:
	for (i = 0; i < n; i++)
		free(rows[i].snippet);
	free(rows);
	tw_buf_release(&ids);
	return st;
}

/* Statement slot of PRAGMA data_version in the archive's cache. */
enum { S_DATA_VERSION = 40 };

/* The total of a query: from the cache while neither another connection
 * (data_version) nor this one (total changes) has written since. */
static trawl_status cached_count(trawl_archive *ar, const char *query, int by_thread,
				 int64_t *total, trawl_syntax_error *err)
{
	sqlite3_stmt *v = tw_stmt(ar, S_DATA_VERSION, "PRAGMA data_version");
	int64_t version = -1, changes = sqlite3_total_changes64(ar->db);
	tw_count_entry *e;
	trawl_status st;
	size_t i;

	if (v && sqlite3_step(v) == SQLITE_ROW)
		version = sqlite3_column_int64(v, 0);
	if (v)
		sqlite3_reset(v);
	for (i = 0; version >= 0 && i < TW_ARRAY_LEN(ar->counts); i++) {
		e = &ar->counts[i];
		if (e->query && e->by_thread == by_thread && e->version == version &&
		    e->changes == changes && !strcmp(e->query, query)) {
			*total = e->count;
			return TRAWL_OK;
		}
	}
	st = by_thread ? count_threads(ar, query, total, err) : trawl_count(ar, query, total, err);
	if (st || version < 0)
		return st;
	e = &ar->counts[ar->counts_next++ % TW_ARRAY_LEN(ar->counts)];
	free(e->query);
	e->query = tw_strdup(query);
	e->by_thread = by_thread;
	e->count = *total;
	e->version = version;
	e->changes = changes;
	return TRAWL_OK;
}

trawl_status trawl_search(trawl_archive *ar, const char *query,
			  const trawl_search_opts *opts, trawl_hit_fn fn,
			  void *ud, int64_t *total, trawl_syntax_error *err)
{
	trawl_search_opts def;
	plan pl;
	tw_buf sql;
	sqlite3_stmt *s, *snip = NULL;
	hit_ctx h;
	trawl_status st;
	int64_t limit, offset;
	const char *order;
	int rc, ntok, match_param = 0, late_score = 0;

	if (!opts) {
		memset(&def, 0, sizeof(def));
		opts = &def;
	}
	if (total) {
		st = cached_count(ar, query, opts->by_thread, total, err);
		if (st)
			return st;
	}
	st = plan_for(ar, query, &pl, err);
	if (st) {
		plan_release(&pl);
		return st;
	}
	limit = opts->limit > 0 ? opts->limit : 50;
	offset = opts->offset > 0 ? opts->offset : 0;
	ntok = opts->snippet_tokens > 0 && opts->snippet_tokens <= 64 ? opts->snippet_tokens : 16;
	tw_buf_init(&sql, 1 << 20);
	/* Contents without a date come last either way (SQLite sorts NULL
	 * first): newest first reads the date index backwards. */
	if (opts->sort == TRAWL_SORT_DATE)
		order = "b.date IS NULL, b.date ASC, b.id ASC";
	else if (opts->sort == TRAWL_SORT_DATE_DESC || !pl.match.len)
		order = "b.date DESC, b.id DESC";
	else
		order = "fts.rank";
	if (opts->by_thread) {
		/* One hit per conversation: the best-placed hit of each thread
		 * in the requested order, with the number of hits it stands
		 * for; snippets are made afterwards for the hits shown only. */
		const char *outer;

		if (opts->sort == TRAWL_SORT_DATE)
			outer = "d IS NULL, d ASC, id ASC";
		else if (opts->sort == TRAWL_SORT_DATE_DESC || !pl.match.len)
			outer = "d IS NULL, d DESC, id DESC";
		else
			outer = "score DESC, id ASC";
		tw_buf_printf(&sql,
			      "SELECT id, score, NULL, n, tid FROM (SELECT b.id AS id, b.text_id AS tid,"
			      " %s AS score, b.date AS d,"
			      " row_number() OVER (PARTITION BY coalesce(e.thread_id, -b.id) ORDER BY %s) AS rn,"
			      " count(*) OVER (PARTITION BY coalesce(e.thread_id, -b.id)) AS n FROM ",
			      pl.match.len ? "-fts.rank" : "0", order);
		if (pl.match.len) {
			tw_buf_puts(&sql, "fts JOIN blobs b ON b.text_id=fts.rowid LEFT JOIN emails e ON e.blob_id=b.id"
					  " WHERE fts MATCH ");
			param_s(&pl, &sql, pl.match.data);
			match_param = pl.nparams;
			tw_buf_puts(&sql, " AND ");
		} else {
			tw_buf_puts(&sql, "blobs b LEFT JOIN emails e ON e.blob_id=b.id WHERE ");
		}
		tw_buf_printf(&sql, "b.extracted=1 AND %s) WHERE rn=1 ORDER BY %s LIMIT %lld OFFSET %lld",
			      pl.where.data, outer, (long long)limit, (long long)offset);
	} else if (pl.match.len) {
		/* The sorter would hold a snippet (and, sorted by date, a
		 * score) for every match before the sort: select ids only, and
		 * make the snippets (and scores) of the page's rows afterwards. */
		int by_rank = !strcmp(order, "fts.rank");

		tw_buf_printf(&sql, "SELECT b.id, %s, NULL, 0, b.text_id FROM fts JOIN blobs b"
				    " ON b.text_id=fts.rowid WHERE fts MATCH ",
			      by_rank ? "-fts.rank" : "0");
		param_s(&pl, &sql, pl.match.data);
		match_param = pl.nparams;
		late_score = !by_rank;
		tw_buf_printf(&sql, " AND b.extracted=1 AND %s ORDER BY %s LIMIT %lld OFFSET %lld",
			      pl.where.data, order, (long long)limit, (long long)offset);
	} else {
		tw_buf_printf(&sql,
			      "SELECT b.id, 0, NULL, 0 FROM blobs b WHERE b.extracted=1 AND %s"
			      " ORDER BY %s LIMIT %lld OFFSET %lld",
			      pl.where.data, order, (long long)limit, (long long)offset);
	}
	st = sql_ready(ar, &pl, &sql);
	if (st)
		goto out;
	if (sqlite3_prepare_v2(ar->db, sql.data, -1, &s, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "running query");
		goto out;
	}
	if (match_param) {
		char q[400];

		/* One pass of the MATCH over the page's rowid range gives the
		 * snippets and scores of the page's rows (see late_marks()). */
		snprintf(q, sizeof(q),
			 "SELECT rowid, snippet(fts, 1, '" TRAWL_HL_START "', '" TRAWL_HL_END "', '…', %d), -rank"
			 " FROM fts WHERE fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3"
			 " AND +rowid IN (SELECT value FROM json_each(?4))", ntok);
		if (sqlite3_prepare_v2(ar->db, q, -1, &snip, NULL) != SQLITE_OK) {
			st = tw_dbfail(ar, "preparing snippets");
			sqlite3_finalize(s);
			goto out;
		}
	}
	if (hit_ctx_init(ar->db, &h)) {
		st = tw_dbfail(ar, "preparing hit lookups");
		hit_ctx_free(&h);
		sqlite3_finalize(s);
		sqlite3_finalize(snip);
		goto out;
	}
	bind_all(&pl, s, 0);
	if (snip) {
		st = late_marks(ar, s, snip, pl.params[match_param - 1].s, late_score, &h, fn, ud);
	} else {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			int r = emit_hit(&h, sqlite3_column_int64(s, 0), sqlite3_column_double(s, 1),
					 (const char *)sqlite3_column_text(s, 2),
					 sqlite3_column_int64(s, 3), fn, ud);

			if (r < 0)
				st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
			if (r)
				break;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			st = tw_dbfail(ar, "running query");
	}
	hit_ctx_free(&h);
	sqlite3_finalize(s);
	sqlite3_finalize(snip);
out:
	tw_buf_release(&sql);
	plan_release(&pl);
	return st;
}

/* ---------------------------------------------------------------- query sets */

trawl_status tw_query_temp(trawl_archive *ar, const char *query, const char *table,
			   int64_t *count, int *all, trawl_syntax_error *err)
{
	plan pl;
	tw_buf sql;
	sqlite3_stmt *s;
	trawl_status st;
	char *ddl;

	if (count)
		*count = 0;
	if (all)
		*all = 0;
	ddl = tw_asprintf("CREATE TEMP TABLE IF NOT EXISTS %s(blob_id INTEGER PRIMARY KEY);"
			  "DELETE FROM temp.%s;", table, table);
	if (!ddl)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	st = tw_exec(ar, ddl);
	free(ddl);
	if (st)
		return st;
	st = plan_for(ar, query, &pl, err);
	if (st) {
		plan_release(&pl);
		return st;
	}
	if (all)
		*all = !pl.match.len && !strcmp(pl.where.data, "1");
	tw_buf_init(&sql, 1 << 20);
	tw_buf_printf(&sql, "INSERT OR IGNORE INTO temp.%s(blob_id) ", table);
	if (pl.match.len) {
		tw_buf_puts(&sql, "SELECT b.id FROM fts JOIN blobs b ON b.text_id=fts.rowid WHERE fts MATCH ");
		param_s(&pl, &sql, pl.match.data);
		tw_buf_printf(&sql, " AND b.extracted=1 AND %s", pl.where.data);
	} else {
		tw_buf_printf(&sql, "SELECT b.id FROM blobs b WHERE b.extracted=1 AND %s", pl.where.data);
	}
	st = sql_ready(ar, &pl, &sql);
	if (st != TRAWL_OK) {
		/* nothing run */
	} else if (sqlite3_prepare_v2(ar->db, sql.data, -1, &s, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "running query");
	} else {
		bind_all(&pl, s, 0);
		if (sqlite3_step(s) != SQLITE_DONE)
			st = tw_dbfail(ar, "running query");
		else if (count)
			*count = sqlite3_changes(ar->db);
		sqlite3_finalize(s);
	}
	tw_buf_release(&sql);
	plan_release(&pl);
	return st;
}

/* ---------------------------------------------------------------- blob sets */

/* For the modules that work on the contents a query selects (findings,
 * export, verify): every matching blob id, in no particular order. */
trawl_status tw_search_blobs(trawl_archive *ar, const char *query,
			     int (*fn)(int64_t blob, void *ud), void *ud,
			     trawl_syntax_error *err)
{
	plan pl;
	tw_buf sql;
	sqlite3_stmt *s;
	trawl_status st = plan_for(ar, query ? query : "", &pl, err);
	int rc;

	if (st) {
		plan_release(&pl);
		return st;
	}
	tw_buf_init(&sql, 1 << 20);
	if (pl.match.len) {
		tw_buf_puts(&sql, "SELECT b.id FROM fts JOIN blobs b ON b.text_id=fts.rowid WHERE fts MATCH ");
		param_s(&pl, &sql, pl.match.data);
		tw_buf_printf(&sql, " AND b.extracted=1 AND %s", pl.where.data);
	} else {
		tw_buf_printf(&sql, "SELECT b.id FROM blobs b WHERE b.extracted=1 AND %s", pl.where.data);
	}
	st = sql_ready(ar, &pl, &sql);
	if (st != TRAWL_OK) {
		/* nothing run */
	} else if (sqlite3_prepare_v2(ar->db, sql.data, -1, &s, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "running query");
	} else {
		bind_all(&pl, s, 0);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			if (fn(sqlite3_column_int64(s, 0), ud))
				break;
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			st = tw_dbfail(ar, "running query");
		sqlite3_finalize(s);
	}
	tw_buf_release(&sql);
	plan_release(&pl);
	return st;
}
