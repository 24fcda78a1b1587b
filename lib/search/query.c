/*
 * query.c - the query language: text to a tree (tw_qnode).
 *
 * One grammar serves the command line, the JSON API and the web UI:
 *
 *   query   := or
 *   or      := and ( "OR" and )*
 *   and     := unary ( ["AND"] unary )*          adjacent terms must all match
 *   unary   := ("NOT" | "-") unary | primary
 *   primary := "(" or ")" | FIELD ":" value | "phrase" | word["*"]
 *   value   := "phrase" | word (up to blank space or ')')
 *
 * Field names are checked here, against the field table (fields.c), so a
 * typo is a syntax error with the position, not a silent miss; a field
 * node carries the field's id.  Turning the tree into a plan for the store
 * is plan.c's business; nothing here knows about SQL.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "search/search.h"

#define MAX_NODES 512
#define MAX_DEPTH 64
#define MAX_QUERY 8192

typedef struct parser {
	const char *q;
	size_t pos, len;
	int nodes, depth;
	trawl_syntax_error *err;
	int failed;
} parser;

static void fail(parser *p, size_t pos, const char *fmt, ...) TW_PRINTF(3, 4);

static void fail(parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	if (p->err) {
		p->err->pos = pos;
		va_start(ap, fmt);
		vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
		va_end(ap);
	}
}

static tw_qnode *node(parser *p, int kind, size_t pos)
{
	tw_qnode *n;

	if (++p->nodes > MAX_NODES) {
		fail(p, pos, "query too complex (more than %s terms)", "512");
		return NULL;
	}
	n = tw_calloc(1, sizeof(*n));
	if (!n) {
		fail(p, pos, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->pos = pos;
	return n;
}

void tw_query_free(tw_qnode *n)
{
	if (!n)
		return;
	tw_query_free(n->a);
	tw_query_free(n->b);
	free(n->text);
	free(n);
}

static void skip_space(parser *p)
{
	while (p->pos < p->len && isspace((unsigned char)p->q[p->pos]))
		p->pos++;
}

static int at_word(parser *p, const char *w)
{
	size_t k = strlen(w);

	return p->pos + k <= p->len && strncmp(p->q + p->pos, w, k) == 0 &&
	       (p->pos + k == p->len || isspace((unsigned char)p->q[p->pos + k]) ||
		p->q[p->pos + k] == '(' || p->q[p->pos + k] == ')' ||
		p->q[p->pos + k] == '"' || p->q[p->pos + k] == '-');
}

/* A "quoted phrase"; p->pos is on the opening quote. */
static char *read_quoted(parser *p)
{
	size_t start = p->pos++;
	tw_buf b;

	tw_buf_init(&b, MAX_QUERY);
	while (p->pos < p->len && p->q[p->pos] != '"') {
		if (p->q[p->pos] == '\\' && p->pos + 1 < p->len && p->q[p->pos + 1] == '"')
			p->pos++;
		tw_buf_putc(&b, p->q[p->pos++]);
	}
	if (p->pos >= p->len) {
		tw_buf_release(&b);
		fail(p, start, "unterminated quote: add the closing \"");
		return NULL;
	}
	p->pos++;
	if (!b.data)
		return tw_strdup("");
	return tw_buf_detach(&b, NULL);
}

static size_t word_end(parser *p)
{
	size_t e = p->pos;

	while (e < p->len && !isspace((unsigned char)p->q[e]) && p->q[e] != '(' &&
	       p->q[e] != ')' && p->q[e] != '"')
		e++;
	return e;
}

static tw_qnode *parse_or(parser *p);

static tw_qnode *parse_primary(parser *p)
{
	size_t start, e, colon;
	tw_qnode *n;

	skip_space(p);
	start = p->pos;
	if (p->pos >= p->len) {
		fail(p, p->pos, "expected a word, a \"phrase\", a field:value or '('");
		return NULL;
	}
	if (p->q[p->pos] == '(') {
		p->pos++;
		if (++p->depth > MAX_DEPTH) {
			fail(p, start, "parentheses nested too deeply");
			return NULL;
		}
		n = parse_or(p);
		p->depth--;
		if (!n)
			return NULL;
		skip_space(p);
		if (p->pos >= p->len || p->q[p->pos] != ')') {
			tw_query_free(n);
			fail(p, start, "unbalanced '(': add the closing ')'");
			return NULL;
		}
		p->pos++;
		return n;
	}
	if (p->q[p->pos] == ')') {
		fail(p, p->pos, "unexpected ')'");
		return NULL;
	}
	if (p->q[p->pos] == '"') {
		n = node(p, TW_Q_PHRASE, start);
		if (!n)
			return NULL;
		n->text = read_quoted(p);
		n->quoted = 1;
		if (!n->text) {
			tw_query_free(n);
			return NULL;
		}
		return n;
	}
	e = word_end(p);
	for (colon = p->pos; colon < e && p->q[colon] != ':'; colon++)
		;
	/* "http://..." is a URL, not a field. */
	if (colon < e && colon > p->pos && !(colon + 1 < e && p->q[colon + 1] == '/')) {
		const char *field = NULL;
		int fid = tw_field_find(p->q + p->pos, colon - p->pos, &field);
		int plain = 1;
		size_t k;

		for (k = p->pos; k < colon; k++)
			if (!isalpha((unsigned char)p->q[k]) && p->q[k] != '-')
				plain = 0;
		if (!field && plain) {
			char name[64];

			snprintf(name, sizeof(name), "%.*s", (int)(colon - p->pos), p->q + p->pos);
			fail(p, start, "unknown field '%s' (see 'trawl help query'); quote the word to search it as text",
			     name);
			return NULL;
		}
		if (field) {
			n = node(p, TW_Q_FIELD, start);
			if (!n)
				return NULL;
			n->fid = (enum tw_field)fid;
			n->field = field;
			p->pos = colon + 1;
			if (p->pos < p->len && p->q[p->pos] == '"') {
				n->text = read_quoted(p);
				n->quoted = 1;
			} else {
				e = word_end(p);
				n->text = tw_strndup(p->q + p->pos, e - p->pos);
				p->pos = e;
			}
			if (!n->text) {
				tw_query_free(n);
				return NULL;
			}
			if (!*n->text) {
				tw_query_free(n);
				fail(p, colon + 1, "field '%s:' needs a value", field);
				return NULL;
			}
			return n;
		}
	}
	n = node(p, TW_Q_TERM, start);
	if (!n)
		return NULL;
	if (e > p->pos && p->q[e - 1] == '*') {
		n->prefix = 1;
		n->text = tw_strndup(p->q + p->pos, e - p->pos - 1);
	} else {
		n->text = tw_strndup(p->q + p->pos, e - p->pos);
	}
	p->pos = e;
	if (!n->text || !*n->text) {
		tw_query_free(n);
		fail(p, start, "a lone '*' is not a word");
		return NULL;
	}
	return n;
}

static tw_qnode *parse_unary(parser *p)
{
	size_t start;
	tw_qnode *n, *inner;

	skip_space(p);
	start = p->pos;
	if (at_word(p, "NOT") || (p->pos < p->len && p->q[p->pos] == '-' &&
				  p->pos + 1 < p->len && !isspace((unsigned char)p->q[p->pos + 1]))) {
		p->pos += p->q[p->pos] == '-' ? 1 : 3;
		if (++p->depth > MAX_DEPTH) {
			fail(p, start, "too many NOTs");
			return NULL;
		}
		inner = parse_unary(p);
		p->depth--;
		if (!inner)
			return NULL;
		n = node(p, TW_Q_NOT, start);
		if (!n) {
			tw_query_free(inner);
			return NULL;
		}
		n->a = inner;
		return n;
	}
	return parse_primary(p);
}

static tw_qnode *combine(parser *p, int kind, tw_qnode *a, tw_qnode *b, size_t pos)
{
	tw_qnode *n = node(p, kind, pos);

	if (!n) {
		tw_query_free(a);
		tw_query_free(b);
		return NULL;
	}
	n->a = a;
	n->b = b;
	return n;
}

static tw_qnode *parse_and(parser *p)
{
	tw_qnode *left = parse_unary(p), *right;

	while (left) {
		size_t pos;

		skip_space(p);
		pos = p->pos;
		if (p->pos >= p->len || p->q[p->pos] == ')' || at_word(p, "OR"))
			break;
		if (at_word(p, "AND")) {
			p->pos += 3;
			skip_space(p);
			if (p->pos >= p->len) {
				tw_query_free(left);
				fail(p, pos, "AND needs something after it");
				return NULL;
			}
		}
		right = parse_unary(p);
		if (!right) {
			tw_query_free(left);
			return NULL;
		}
		left = combine(p, TW_Q_AND, left, right, pos);
	}
	return left;
}

static tw_qnode *parse_or(parser *p)
{
	tw_qnode *left = parse_and(p), *right;

	while (left) {
		size_t pos;

		skip_space(p);
		pos = p->pos;
		if (!at_word(p, "OR"))
			break;
		p->pos += 2;
		skip_space(p);
		if (p->pos >= p->len || p->q[p->pos] == ')') {
			tw_query_free(left);
			fail(p, pos, "OR needs something after it");
			return NULL;
		}
		right = parse_and(p);
		if (!right) {
			tw_query_free(left);
			return NULL;
		}
		left = combine(p, TW_Q_OR, left, right, pos);
	}
	return left;
}

trawl_status tw_query_parse(const char *q, tw_qnode **out, trawl_syntax_error *err)
{
	parser p;
	tw_qnode *n;
	uint64_t failures = tw_alloc_failures();

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.q = q ? q : "";
	p.len = strlen(p.q);
	p.err = err;
	if (p.len > MAX_QUERY) {
		fail(&p, MAX_QUERY, "query longer than %s bytes", "8192");
		return TRAWL_ESYNTAX;
	}
	while (p.len > 0 && isspace((unsigned char)p.q[p.len - 1]))
		p.len--;
	skip_space(&p);
	if (p.pos == p.len || (p.len - p.pos == 1 && p.q[p.pos] == '*')) {
		*out = node(&p, TW_Q_ALL, 0);
		return *out ? TRAWL_OK : TRAWL_ENOMEM;
	}
	n = parse_or(&p);
	if (n) {
		skip_space(&p);
		if (p.pos < p.len) {
			fail(&p, p.pos, "unexpected ')'");
			tw_query_free(n);
			n = NULL;
		}
	}
	/* A node or a word lost for lack of memory is no syntax error, and
	 * the tree would not be the query. */
	if (tw_alloc_failures() != failures) {
		tw_query_free(n);
		if (err) {
			err->pos = 0;
			snprintf(err->message, sizeof(err->message), "out of memory");
		}
		return TRAWL_ENOMEM;
	}
	if (!n) {
		if (!p.failed)
			fail(&p, p.pos, "cannot parse query");
		return TRAWL_ESYNTAX;
	}
	*out = n;
	return TRAWL_OK;
}

trawl_status trawl_query_check(const char *query, trawl_syntax_error *err)
{
	tw_qnode *n;
	trawl_status st = tw_query_parse(query, &n, err);

	tw_query_free(n);
	return st;
}
