/*
 * fields.c - the fields of the query language, as one table.
 *
 * Each field has its id (enum tw_field, the index in tw_fields[]), its
 * names, its one-line help and the function that compiles a field:value
 * node into an SQL predicate over `blobs b`.  The parser (query.c) resolves
 * a name to the id once through tw_field_find(); the planner (plan.c)
 * dispatches through the table; `trawl help query` and the web UI's
 * completion list the table through trawl_query_field().  Adding a field is
 * adding one enum value, one row and its compile function.
 *
 * Compile functions append to the predicate and put every user value in a
 * bound parameter (tw_plan_str, tw_plan_int), never in the SQL text; a
 * value they cannot read fails the plan with the node's position.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "search/plan.h"
#include "mail.h"

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
static int num_cond(tw_plan *pl, tw_buf *w, const char *col, const tw_qnode *n,
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
			tw_plan_int(pl, w, a);
		}
		if (has_a && has_b)
			tw_buf_puts(w, " AND ");
		if (has_b) {
			tw_buf_printf(w, "%s <= ", col);
			tw_plan_int(pl, w, b);
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
		tw_plan_int(pl, w, a);
		return 0;
	}
	if (parse(v, strlen(v), &a))
		return -1;
	tw_buf_printf(w, "%s = ", col);
	tw_plan_int(pl, w, a);
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
 * `contains`, a value without '*' matches anywhere.  NULL when out of
 * memory (tw_plan_str() then fails the plan). */
static char *like_pattern(const char *v, int contains)
{
	tw_buf b;
	int wild = strchr(v, '*') != NULL;

	/* Room for a value of the longest query with every byte escaped. */
	tw_buf_init(&b, 1 << 15);
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
	/* Values are never empty (the parser refuses "field:"): no bytes
	 * means no memory. */
	if (tw_sql_broken(&b)) {
		tw_buf_release(&b);
		return NULL;
	}
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

/* ---------------------------------------------------------------- compilers */

/* "The content is in (<select> ?value)": `select` ends where the value
 * goes. */
static void in_select(tw_plan *pl, tw_buf *w, const char *select, const char *value)
{
	tw_buf_puts(w, tw_plan_in_set(pl));
	tw_buf_puts(w, select);
	tw_plan_str(pl, w, value);
	tw_buf_putc(w, ')');
}

/* The same with the value in lower case, as the archive stores it. */
static void in_select_lower(tw_plan *pl, tw_buf *w, const char *select, const char *value)
{
	char *t = tw_strdup(value);

	tw_ascii_lower(t);
	in_select(pl, w, select, t);
	free(t);
}

/* Addresses in the roles `roles` (email_addrs.role: 0 from, 1 to, 2 cc,
 * 3 bcc, 4 reply-to, 5 sender). */
static void compile_addr(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *roles)
{
	char *lower = tw_strdup(n->text);
	const char *at;

	if (!lower) {
		tw_plan_oom(pl);
		return;
	}
	tw_ascii_lower(lower);
	at = strchr(lower, '@');
	if (at && at > lower && at[1] && !strchr(lower, '*')) {
		/* A whole address: exact, through the index. */
		tw_buf_printf(w, "%sSELECT ea.blob_id FROM email_addrs ea WHERE ea.role IN (%s)"
				 " AND ea.addr_id IN (SELECT id FROM addrs WHERE addr = ", tw_plan_in_set(pl), roles);
		tw_plan_str(pl, w, lower);
		tw_buf_puts(w, "))");
	} else {
		/* Part of an address or of a name the address was shown with
		 * (addr_names: every display name seen with it), through the
		 * address index; an entry with a name and no address is
		 * matched on its name. */
		char *pat = like_pattern(lower, 1);

		tw_buf_printf(w, "%sSELECT ea.blob_id FROM email_addrs ea WHERE ea.role IN (%s)"
				 " AND ea.addr_id IN (SELECT id FROM addrs WHERE addr LIKE ", tw_plan_in_set(pl), roles);
		tw_plan_str(pl, w, pat);
		tw_buf_puts(w, " ESCAPE '\\' UNION SELECT addr_id FROM addr_names WHERE name LIKE ");
		tw_plan_str(pl, w, pat);
		tw_buf_printf(w, " ESCAPE '\\') UNION ALL SELECT ea.blob_id FROM email_addrs ea"
				 " WHERE ea.addr_id IS NULL AND ea.role IN (%s) AND ea.name LIKE ", roles);
		tw_plan_str(pl, w, pat);
		tw_buf_puts(w, " ESCAPE '\\')");
		free(pat);
	}
	free(lower);
}

/* subject:, body: words in that column of the full-text index. */
static void compile_text(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	tw_plan_fts(pl, w, n);
}

static void compile_date(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text, *dots = strstr(v, "..");
	int64_t s0, e0, s1, e1;

	if (dots) {
		int has_a = dots > v, has_b = dots[2] != '\0';

		if ((has_a && parse_day(v, (size_t)(dots - v), &s0, &e0)) ||
		    (has_b && parse_day(dots + 2, strlen(dots + 2), &s1, &e1)) ||
		    (!has_a && !has_b)) {
			tw_plan_fail(pl, n->pos, "bad date '%s': use YYYY, YYYY-MM, YYYY-MM-DD or A..B",
				     v);
			return;
		}
		tw_buf_puts(w, "(b.date IS NOT NULL");
		if (has_a) {
			tw_buf_puts(w, " AND b.date >= ");
			tw_plan_int(pl, w, s0);
		}
		if (has_b) {
			tw_buf_puts(w, " AND b.date < ");
			tw_plan_int(pl, w, e1);
		}
		tw_buf_putc(w, ')');
	} else {
		if (parse_day(v, strlen(v), &s0, &e0)) {
			tw_plan_fail(pl, n->pos, "bad date '%s': use YYYY, YYYY-MM, YYYY-MM-DD or A..B",
				     v);
			return;
		}
		tw_buf_puts(w, "(b.date >= ");
		tw_plan_int(pl, w, s0);
		tw_buf_puts(w, " AND b.date < ");
		tw_plan_int(pl, w, e0);
		tw_buf_putc(w, ')');
	}
}

static void compile_has(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text;

	if (!strcasecmp(v, "attachment") || !strcasecmp(v, "attachments") ||
	    !strcasecmp(v, "children"))
		tw_buf_puts(w, "b.nchildren > 0");
	else if (!strcasecmp(v, "mismatch"))
		tw_buf_printf(w, "%sSELECT blob_id FROM items WHERE mismatch IS NOT NULL)", tw_plan_in_set(pl));
	else if (!strcasecmp(v, "error") || !strcasecmp(v, "errors"))
		tw_buf_printf(w, "%sSELECT i.blob_id FROM items i JOIN errors e ON e.item_id=i.id)", tw_plan_in_set(pl));
	else if (!strcasecmp(v, "pii") || !strcasecmp(v, "findings"))
		tw_buf_printf(w, "%sSELECT blob_id FROM findings)", tw_plan_in_set(pl));
	else
		tw_plan_fail(pl, n->pos, "unknown has:%s (use has:attachment, has:error, has:mismatch or has:pii)", v);
}

/* Part of the items column `col` (filename:, path:), * and ? wildcards. */
static void compile_item_like(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *col)
{
	char *pat = like_pattern(n->text, 1);

	tw_buf_printf(w, "%sSELECT blob_id FROM items WHERE %s LIKE ",
			      tw_plan_in_set(pl), col);
	tw_plan_str(pl, w, pat);
	tw_buf_puts(w, " ESCAPE '\\')");
	free(pat);
}

static void compile_kind(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	in_select(pl, w, "SELECT blob_id FROM items WHERE kind = ", n->text);
}

static void compile_ext(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text;

	in_select_lower(pl, w, "SELECT blob_id FROM items WHERE ext = ", v[0] == '.' ? v + 1 : v);
}

static void compile_id(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text;
	int64_t id;

	if (parse_int(v, strlen(v), &id)) {
		tw_plan_fail(pl, n->pos, "id:%s is not a number", v);
		return;
	}
	tw_buf_puts(w, "b.id = (SELECT blob_id FROM items WHERE id = ");
	tw_plan_int(pl, w, id);
	tw_buf_putc(w, ')');
}

static void compile_mid(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text;
	char *m = tw_addr_normalise(v);

	tw_buf_printf(w, "%sSELECT blob_id FROM emails WHERE message_id = ", tw_plan_in_set(pl));
	tw_plan_str(pl, w, m ? m : v);
	tw_buf_puts(w, " COLLATE NOCASE)");
	free(m);
}

static void compile_type(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text, *fam = v;
	size_t i;

	for (i = 0; i < TW_ARRAY_LEN(type_aliases); i++)
		if (!strcasecmp(v, type_aliases[i].alias))
			fam = type_aliases[i].family;
	tw_buf_puts(w, "b.type = ");
	tw_plan_str(pl, w, fam);
	tw_buf_puts(w, " COLLATE NOCASE");
}

static void compile_mime(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	char *pat = like_pattern(n->text, 0);

	tw_buf_puts(w, "b.mime LIKE ");
	tw_plan_str(pl, w, pat);
	tw_buf_puts(w, " ESCAPE '\\'");
	free(pat);
}

static void compile_author(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	char *pat = like_pattern(n->text, 1);

	tw_buf_printf(w, "%sSELECT blob_id FROM props_text WHERE key IN ('author','last_modified_by') AND value LIKE ", tw_plan_in_set(pl));
	tw_plan_str(pl, w, pat);
	tw_buf_puts(w, " ESCAPE '\\')");
	free(pat);
}

static void compile_size(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	if (num_cond(pl, w, "b.size", n, parse_size))
		tw_plan_fail(pl, n->pos, "bad size '%s': use 100, 10k, >10MB, <1g or 1k..2m", n->text);
}

static void compile_depth(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	tw_buf d;

	tw_buf_init(&d, 4096);
	if (num_cond(pl, &d, "depth", n, parse_int)) {
		tw_plan_fail(pl, n->pos, "bad depth '%s': use 0, >1, <2 or 1..3", n->text);
	} else if (tw_sql_broken(&d)) {
		tw_plan_oom(pl);
	} else {
		tw_buf_printf(w, "%sSELECT blob_id FROM items WHERE %s)",
			      tw_plan_in_set(pl), d.data);
	}
	tw_buf_release(&d);
}

static void compile_label(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	in_select(pl, w, "SELECT i.blob_id FROM items i JOIN sources s ON s.id=i.source_id WHERE s.label = ",
		  n->text);
}

static void compile_thread(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text;
	int64_t id;

	if (parse_int(v, strlen(v), &id)) {
		tw_plan_fail(pl, n->pos, "thread:%s needs the id of a message in the conversation", v);
		return;
	}
	/* A message not threaded yet is a conversation of its own. */
	tw_buf_puts(w, tw_plan_in_set(pl));
	tw_buf_puts(w, "SELECT e2.blob_id FROM emails e2 WHERE e2.thread_id ="
		       " (SELECT e.thread_id FROM items i JOIN emails e ON e.blob_id=i.blob_id"
		       " WHERE i.id = ");
	tw_plan_int(pl, w, id);
	tw_buf_puts(w, ") UNION SELECT blob_id FROM items WHERE id = ");
	tw_plan_int(pl, w, id);
	tw_buf_putc(w, ')');
}

static void compile_person(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text;
	int64_t pid;

	/* All addresses of the people meant: a person id, an address
	 * (SMTP or X.500), or part of an address or display name.  An
	 * address not grouped yet stands for itself. */
	tw_buf_printf(w, "%sSELECT ea.blob_id FROM email_addrs ea WHERE ea.addr_id IN (", tw_plan_in_set(pl));
	if (parse_int(v, strlen(v), &pid) == 0) {
		tw_buf_puts(w, "SELECT id FROM addrs WHERE person_id = ");
		tw_plan_int(pl, w, pid);
	} else if (strchr(v, '@') || v[0] == '/') {
		char *a = tw_addr_canon(v, NULL);

		tw_buf_puts(w, "SELECT id FROM addrs WHERE person_id IN (SELECT person_id FROM addrs WHERE addr = ");
		tw_plan_str(pl, w, a ? a : v);
		tw_buf_puts(w, ") OR addr = ");
		tw_plan_str(pl, w, a ? a : v);
		free(a);
	} else {
		char *lower = tw_strdup(v), *pat;

		tw_ascii_lower(lower);
		pat = like_pattern(lower ? lower : v, 1);
		tw_buf_puts(w, "SELECT id FROM addrs WHERE person_id IN (SELECT person_id FROM addrs WHERE addr LIKE ");
		tw_plan_str(pl, w, pat);
		tw_buf_puts(w, " ESCAPE '\\' UNION SELECT a.person_id FROM addr_names n JOIN addrs a ON a.id=n.addr_id WHERE n.name LIKE ");
		tw_plan_str(pl, w, pat);
		tw_buf_puts(w, " ESCAPE '\\') OR addr LIKE ");
		tw_plan_str(pl, w, pat);
		tw_buf_puts(w, " ESCAPE '\\'");
		free(pat);
		free(lower);
	}
	tw_buf_puts(w, "))");
}

static void compile_tag(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text;
	char *t = tw_strdup(v);

	tw_ascii_lower(t);
	if (t && strchr(t, '*')) {
		char *pat = like_pattern(t, 0);

		tw_buf_puts(w, "b.sha256 IN (SELECT sha256 FROM tags WHERE tag LIKE ");
		tw_plan_str(pl, w, pat);
		tw_buf_puts(w, " ESCAPE '\\')");
		free(pat);
	} else {
		tw_buf_puts(w, "b.sha256 IN (SELECT sha256 FROM tags WHERE tag = ");
		tw_plan_str(pl, w, t ? t : v);
		tw_buf_putc(w, ')');
	}
	free(t);
}

static void compile_pii(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	static const char *const pii[] = {"ssn", "card", "iban", "phone", "email",
					  "password", "key", "dob", "ip"};
	const char *v = n->text;
	size_t i;
	int ok = !strcasecmp(v, "any");

	for (i = 0; i < TW_ARRAY_LEN(pii); i++)
		ok |= !strcasecmp(v, pii[i]);
	if (!ok) {
		tw_plan_fail(pl, n->pos,
			     "unknown pii:%s (use ssn, card, iban, phone, email, password, key, dob, ip or any)", v);
	} else if (!strcasecmp(v, "any")) {
		tw_buf_printf(w, "%sSELECT blob_id FROM findings)", tw_plan_in_set(pl));
	} else {
		in_select_lower(pl, w, "SELECT blob_id FROM findings WHERE type = ", v);
	}
}

static void compile_dkim(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text;

	if (strcasecmp(v, "pass") && strcasecmp(v, "fail") && strcasecmp(v, "nokey") &&
	    strcasecmp(v, "none")) {
		tw_plan_fail(pl, n->pos, "unknown dkim:%s (use pass, fail, nokey or none; results come from 'trawl verify --dkim')", v);
	} else {
		in_select_lower(pl, w, "SELECT blob_id FROM dkim WHERE result = ", v);
	}
}

/* The language detected in the text at ingest (text_lang, ISO 639-1);
 * lang:none for texts in no language that could be told. */
static void compile_lang(tw_plan *pl, tw_buf *w, const tw_qnode *n, const char *arg)
{
	const char *v = n->text;
	char code[4];
	size_t len = strlen(v);

	if (!strcasecmp(v, "none") || !strcasecmp(v, "und")) {
		tw_buf_puts(w, "b.text_id IN (SELECT id FROM text_lang WHERE lang IS NULL)");
		return;
	}
	if (len < 2 || len > 3 || !isalpha((unsigned char)v[0]) || !isalpha((unsigned char)v[1]) ||
	    (len == 3 && !isalpha((unsigned char)v[2]))) {
		tw_plan_fail(pl, n->pos, "bad language '%s': use a two-letter code (lang:en, lang:fr, lang:ja) or lang:none", v);
		return;
	}
	memcpy(code, v, len + 1);
	tw_ascii_lower(code);
	tw_buf_puts(w, "b.text_id IN (SELECT id FROM text_lang WHERE lang = ");
	tw_plan_str(pl, w, code);
	tw_buf_putc(w, ')');
}

/* ---------------------------------------------------------------- the table */

const tw_field_def tw_fields[TW_F_COUNT] = {
	[TW_F_FROM] = {"from", {NULL}, "sender address or name: from:jeff, from:jeff@enron.com",
		       0, "0", compile_addr},
	[TW_F_TO] = {"to", {NULL}, "To recipient: to:legal", 0, "1", compile_addr},
	[TW_F_CC] = {"cc", {NULL}, "Cc recipient", 0, "2", compile_addr},
	[TW_F_BCC] = {"bcc", {NULL}, "Bcc recipient", 0, "3", compile_addr},
	[TW_F_RECIPIENT] = {"recipient", {NULL}, "any of To, Cc, Bcc", 0, "1,2,3", compile_addr},
	[TW_F_CONTACT] = {"contact", {NULL}, "any address of the message, sender included",
			  0, "0,1,2,3,4,5", compile_addr},
	[TW_F_SUBJECT] = {"subject", {"title", NULL},
			  "words in the subject or title: subject:budget, subject:\"q3 plan\"",
			  1, NULL, compile_text},
	[TW_F_BODY] = {"body", {NULL}, "words in the body text", 1, NULL, compile_text},
	[TW_F_DATE] = {"date", {NULL},
		       "date:2001, date:2001-05, date:2001-05-01..2001-06-15, date:..2001-06",
		       0, NULL, compile_date},
	[TW_F_HAS] = {"has", {"is", NULL},
		      "has:attachment (any item with children), has:error, has:mismatch, has:pii",
		      0, NULL, compile_has},
	[TW_F_FILENAME] = {"filename", {"attachment", "name", NULL},
			   "file or attachment name, * wildcards: filename:*.xls",
			   0, "name", compile_item_like},
	[TW_F_ID] = {"id", {NULL}, "an item id: id:123", 0, NULL, compile_id},
	[TW_F_MID] = {"mid", {"msgid", "message-id", NULL}, "Message-ID: mid:<abc@host>",
		      0, NULL, compile_mid},
	[TW_F_TYPE] = {"type", {NULL},
		       "family: email, pdf, word, spreadsheet, presentation, archive, html, text, image, ...",
		       0, NULL, compile_type},
	[TW_F_EXT] = {"ext", {NULL}, "file name extension: ext:docx", 0, NULL, compile_ext},
	[TW_F_MIME] = {"mime", {NULL}, "detected MIME type: mime:application/pdf, mime:image/*",
		       0, NULL, compile_mime},
	[TW_F_PATH] = {"path", {"in", "folder", NULL}, "part of the family path: path:Inbox",
		       0, "path", compile_item_like},
	[TW_F_AUTHOR] = {"author", {NULL}, "document author or last modifier", 0, NULL, compile_author},
	[TW_F_SIZE] = {"size", {NULL}, "size:>10MB, size:<1k, size:1k..2m", 0, NULL, compile_size},
	[TW_F_DEPTH] = {"depth", {NULL}, "0 = file on disk: depth:0, depth:>1", 0, NULL, compile_depth},
	[TW_F_KIND] = {"kind", {NULL},
		       "how the item was found: file, message (in an mbox), attachment, member",
		       0, NULL, compile_kind},
	[TW_F_LABEL] = {"label", {"custodian", NULL}, "custodian label given to ingest --label",
			0, NULL, compile_label},
	[TW_F_THREAD] = {"thread", {NULL}, "every message of the conversation of message ID: thread:ID",
			 0, NULL, compile_thread},
	[TW_F_PERSON] = {"person", {NULL},
			 "any address of a person: person:12, person:jeff@enron.com, person:allen",
			 0, NULL, compile_person},
	[TW_F_TAG] = {"tag", {NULL}, "contents tagged with trawl tag: tag:hot, tag:h*",
		      0, NULL, compile_tag},
	[TW_F_PII] = {"pii", {NULL},
		      "findings of a type: pii:ssn, card, iban, phone, email, password, key, dob, ip (or any)",
		      0, NULL, compile_pii},
	[TW_F_DKIM] = {"dkim", {NULL},
		       "DKIM result from 'trawl verify --dkim': dkim:pass, fail, nokey, none (unsigned)",
		       0, NULL, compile_dkim},
	[TW_F_LANG] = {"lang", {"language", NULL},
		       "language detected in the text (ISO 639-1): lang:fr, lang:ja, lang:none",
		       0, NULL, compile_lang},
};

static int name_is(const char *want, const char *name, size_t n)
{
	return strlen(want) == n && strncasecmp(want, name, n) == 0;
}

int tw_field_find(const char *name, size_t n, const char **canonical)
{
	size_t i, k;

	for (i = 0; i < TW_F_COUNT; i++) {
		const tw_field_def *f = &tw_fields[i];
		int hit = name_is(f->name, name, n);

		for (k = 0; !hit && f->aliases[k]; k++)
			hit = name_is(f->aliases[k], name, n);
		if (hit) {
			if (canonical)
				*canonical = f->name;
			return (int)i;
		}
	}
	return -1;
}

const char *trawl_query_field(size_t i, const char **help)
{
	if (i >= TW_F_COUNT)
		return NULL;
	if (help)
		*help = tw_fields[i].help;
	return tw_fields[i].name;
}
