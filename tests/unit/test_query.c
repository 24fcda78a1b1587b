/*
 * test_query.c - the query language parser: precedence, fields, phrases,
 * prefixes, and error positions; the table of fields.
 */
#include "testutil.h"
#include "search/plan.h"

/* Render a tree as an S-expression for compact assertions. */
static void render(const tw_qnode *n, tw_buf *b)
{
	switch (n->kind) {
	case TW_Q_ALL: tw_buf_puts(b, "ALL"); break;
	case TW_Q_TERM: tw_buf_printf(b, "%s%s", n->text, n->prefix ? "*" : ""); break;
	case TW_Q_PHRASE: tw_buf_printf(b, "\"%s\"", n->text); break;
	case TW_Q_FIELD: tw_buf_printf(b, "%s:%s%s%s", n->field, n->quoted ? "\"" : "", n->text, n->quoted ? "\"" : ""); break;
	case TW_Q_NOT: tw_buf_puts(b, "(NOT "); render(n->a, b); tw_buf_putc(b, ')'); break;
	default:
		tw_buf_puts(b, n->kind == TW_Q_AND ? "(AND " : "(OR ");
		render(n->a, b);
		tw_buf_putc(b, ' ');
		render(n->b, b);
		tw_buf_putc(b, ')');
	}
}

static void check(const char *q, const char *want)
{
	tw_qnode *n = NULL;
	trawl_syntax_error err;
	tw_buf b;

	memset(&err, 0, sizeof(err));
	if (tw_query_parse(q, &n, &err) != TRAWL_OK)
		fail_msg("'%s' did not parse: %s at %zu", q, err.message, err.pos);
	tw_buf_init(&b, 4096);
	render(n, &b);
	if (strcmp(b.data, want) != 0)
		fail_msg("'%s' parsed as %s, want %s", q, b.data, want);
	tw_buf_release(&b);
	tw_query_free(n);
}

static void check_error(const char *q, size_t pos, const char *fragment)
{
	tw_qnode *n = NULL;
	trawl_syntax_error err;

	memset(&err, 0, sizeof(err));
	if (tw_query_parse(q, &n, &err) != TRAWL_ESYNTAX)
		fail_msg("'%s' should not parse", q);
	if (err.pos != pos)
		fail_msg("'%s': error at %zu, want %zu (%s)", q, err.pos, pos, err.message);
	if (!strstr(err.message, fragment))
		fail_msg("'%s': message '%s' lacks '%s'", q, err.message, fragment);
	assert_null(n);
}

static void test_words_and_precedence(void **state)
{
	check("", "ALL");
	check("  * ", "ALL");
	check("gas", "gas");
	check("gas price", "(AND gas price)");
	check("gas AND price", "(AND gas price)");
	check("a b OR c", "(OR (AND a b) c)");
	check("a OR b c", "(OR a (AND b c))");
	check("a (b OR c)", "(AND a (OR b c))");
	check("NOT a b", "(AND (NOT a) b)");
	check("-a b", "(AND (NOT a) b)");
	check("a -b", "(AND a (NOT b))");
	check("e-mail", "e-mail");          /* a hyphen inside a word is not NOT */
	check("not and or", "(AND (AND not and) or)"); /* operators are upper case */
	check("budg*", "budg*");
}

static void test_fields(void **state)
{
	check("from:jeff", "from:jeff");
	check("FROM:jeff", "from:jeff");
	check("from:\"Jeff Skilling\"", "from:\"Jeff Skilling\"");
	check("subject:\"q3 plan\" date:2001-05..2001-06", "(AND subject:\"q3 plan\" date:2001-05..2001-06)");
	check("custodian:allen", "label:allen");
	check("http://example.com/x", "http://example.com/x"); /* not a field: not plain letters */
	check("size:>10MB", "size:>10MB");
	check("(from:a OR to:b) -has:attachment", "(AND (OR from:a to:b) (NOT has:attachment))");
	check("\"a \\\"quoted\\\" word\"", "\"a \"quoted\" word\"");
}

/* The field table: every field has a name, help and a compiler; its name
 * and aliases resolve to it (any case, by length); trawl_query_field()
 * lists the table in order. */
static void test_field_table(void **state)
{
	const char *help, *canon;
	size_t i, k;

	for (i = 0; i < TW_F_COUNT; i++) {
		const tw_field_def *f = &tw_fields[i];

		assert_non_null(f->name);
		assert_non_null(f->help);
		assert_non_null(f->compile);
		canon = NULL;
		assert_int_equal(tw_field_find(f->name, strlen(f->name), &canon), (int)i);
		assert_string_equal(canon, f->name);
		for (k = 0; f->aliases[k]; k++)
			assert_int_equal(tw_field_find(f->aliases[k], strlen(f->aliases[k]), NULL), (int)i);
		assert_string_equal(trawl_query_field(i, &help), f->name);
		assert_ptr_equal(help, f->help);
	}
	assert_null(trawl_query_field(TW_F_COUNT, &help));
	assert_int_equal(tw_field_find("Message-ID", 10, NULL), TW_F_MID);
	assert_int_equal(tw_field_find("fromage", 4, NULL), TW_F_FROM);
	assert_int_equal(tw_field_find("fro", 3, NULL), -1);
	assert_int_equal(tw_field_find("form", 4, NULL), -1);
}

static void test_errors(void **state)
{
	check_error("from:jeff (budget", 10, "unbalanced");
	check_error("budget)", 6, "unexpected ')'");
	check_error("form:jeff", 0, "unknown field 'form'");
	check_error("subject:", 8, "needs a value");
	check_error("\"open phrase", 0, "unterminated");
	check_error("a OR", 2, "OR needs");
	check_error("a AND", 2, "AND needs");
}

static void test_limits(void **state)
{
	char q[9000];
	size_t i;
	tw_qnode *n = NULL;
	trawl_syntax_error err;

	/* Deep nesting is refused, not a stack overflow. */
	for (i = 0; i < 200; i++)
		q[i] = '(';
	q[200] = 'a';
	for (i = 0; i < 200; i++)
		q[201 + i] = ')';
	q[401] = '\0';
	assert_int_equal(tw_query_parse(q, &n, &err), TRAWL_ESYNTAX);
	assert_non_null(strstr(err.message, "deeply"));
	/* Too many terms are refused. */
	for (i = 0; i + 2 < 4000; i += 2) {
		q[i] = 'x';
		q[i + 1] = ' ';
	}
	q[i] = '\0';
	assert_int_equal(tw_query_parse(q, &n, &err), TRAWL_ESYNTAX);
	assert_non_null(strstr(err.message, "complex"));
	/* Overlong queries are refused. */
	memset(q, 'a', sizeof(q) - 1);
	q[sizeof(q) - 1] = '\0';
	assert_int_equal(tw_query_parse(q, &n, &err), TRAWL_ESYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_and_precedence),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
