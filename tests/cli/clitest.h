/*
 * clitest.h - helpers for tests that run the `trawl` binary (cmocka).
 *
 * The binary is $TRAWL (set by tests/run.sh), else build/trawl.  Each test
 * program works in a fresh temporary directory (tmpdir()), removed at the
 * end unless TRAWL_KEEP_TMP is set.
 */
#ifndef CLITEST_H
#define CLITEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

static char ct_tmp[512];

static inline const char *trawl_bin(void)
{
	const char *b = getenv("TRAWL");

	return b && *b ? b : "build/trawl";
}

static inline const char *tmpdir(void)
{
	if (!ct_tmp[0]) {
		const char *base = getenv("TMPDIR");

		snprintf(ct_tmp, sizeof(ct_tmp), "%s/trawl-test-XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(ct_tmp))
			fail_msg("cannot make a temporary directory");
	}
	return ct_tmp;
}

static inline void tmpdir_remove(void)
{
	char cmd[600];

	if (ct_tmp[0] && !getenv("TRAWL_KEEP_TMP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ct_tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", ct_tmp);
	}
}

/* Run a shell command; returns its exit status and its stdout (caller
 * frees).  stderr goes to *err when err is not NULL. */
static inline int run_cmd(char **out, char **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int run_cmd(char **out, char **err, const char *fmt, ...)
{
	char cmd[8192], errfile[600];
	va_list ap;
	FILE *p;
	size_t cap = 65536, len = 0, n;
	char *buf = malloc(cap);
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(errfile, sizeof(errfile), "%s/stderr.txt", tmpdir());
	{
		char full[9000];

		snprintf(full, sizeof(full), "( %s ) 2>'%s'", cmd, errfile);
		p = popen(full, "r");
	}
	assert_non_null(p);
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = '\0';
	status = pclose(p);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (err) {
		FILE *e = fopen(errfile, "rb");
		size_t ecap = 1 << 20, el = 0;

		*err = calloc(1, ecap + 1);
		if (e && *err) {
			el = fread(*err, 1, ecap, e);
			(*err)[el] = '\0';
		}
		if (e)
			fclose(e);
	}
	if (out)
		*out = buf;
	else
		free(buf);
	return status;
}

/* Parse one JSON document; fails the test on junk. */
static inline json_t *parse_json(const char *s)
{
	json_error_t je;
	json_t *v = json_loads(s, 0, &je);

	if (!v)
		fail_msg("not JSON (%s at line %d): %.200s", je.text, je.line, s);
	return v;
}

/* Integer field of an object; fails when missing. */
static inline long long jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("JSON field '%s' missing or not an integer", key);
	return json_integer_value(v);
}

/* The last line of a text (JSON summaries come last). */
static inline const char *last_line(const char *s)
{
	const char *end = s + strlen(s), *p;

	while (end > s && (end[-1] == '\n'))
		end--;
	for (p = end; p > s && p[-1] != '\n'; p--)
		;
	return p;
}

/* Count the lines of a text. */
static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The first hit of `query` in archive `db` (search --json --limit 1), as
 * JSON (caller decrefs); fails the test when nothing matches. */
static inline json_t *first_hit(const char *db, const char *query)
{
	char *out = NULL;
	json_t *h;

	assert_int_equal(run_cmd(&out, NULL, "%s search --json --limit 1 --archive '%s' -- '%s'",
				 trawl_bin(), db, query), 0);
	if (!*out)
		fail_msg("no hit for '%s'", query);
	h = parse_json(out);
	free(out);
	return h;
}

/* The item id of the first hit of `query` in archive `db`. */
static inline long long first_hit_id(const char *db, const char *query)
{
	json_t *h = first_hit(db, query);
	long long id = jint(h, "id");

	json_decref(h);
	return id;
}

/* A JSON file a test compares against (e.g. examples/expected.json); NULL,
 * with the reason on stderr, when it cannot be read (a failed setup). */
static inline json_t *load_json_file(const char *path)
{
	json_error_t je;
	json_t *v = json_load_file(path, 0, &je);

	if (!v)
		fprintf(stderr, "cannot read %s: %s\n", path, je.text);
	return v;
}

/* Path to ../shared/corpora (or $TRAWL_CORPORA) if present, else NULL. */
static inline const char *corpora_dir(void)
{
	static char path[512];
	const char *env = getenv("TRAWL_CORPORA");
	struct stat sb;

	snprintf(path, sizeof(path), "%s", env && *env ? env : "../shared/corpora");
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return NULL;
	return path;
}

/* ---- corpus tests (tests/corpus/): setup and teardown of their group,
 * the corpora directory (NULL when absent) and checks they share. */
static const char *ct_corpora;

static inline int corpus_setup(void **state)
{
	ct_corpora = corpora_dir();
	return 0;
}

static inline int corpus_teardown(void **state)
{
	tmpdir_remove();
	return 0;
}

/* Skip the test, saying why, when the corpora are absent. */
#define NEED_CORPORA()                                                               \
	do {                                                                         \
		if (!ct_corpora) {                                                   \
			printf("SKIP: ../shared/corpora not found (set TRAWL_CORPORA)\n"); \
			skip();                                                      \
		}                                                                    \
	} while (0)

/* Every error recorded in archive `db` names a stage and says something. */
static inline void errors_have_reasons(const char *db)
{
	char *out = NULL, *line, *save = NULL;

	assert_int_equal(run_cmd(&out, NULL, "%s errors --json --archive '%s'", trawl_bin(), db), 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *e = parse_json(line);
		const char *stage = json_string_value(json_object_get(e, "stage"));
		const char *msg = json_string_value(json_object_get(e, "message"));

		if (!stage || !*stage || !msg || !*msg)
			fail_msg("error without a reason: %s", line);
		json_decref(e);
	}
	free(out);
}

#endif
