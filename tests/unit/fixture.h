/*
 * fixture.h - the fixture helpers of the unit tests, in one place: reading
 * and extracting fixture files and files of the shared corpora, asserting
 * on the node trees they become, and making and removing a private
 * temporary folder.  Each extractor test had grown its own copy of these,
 * and the copies had started to differ (a missing fixture failed with a
 * hint in some, with a bare assertion in others).
 *
 * A test that reads one folder of generated fixtures defines FIXTURE_DIR
 * ("tests/fixtures/docs1/") before including this header and gets
 * fixture() and load() for it.  Tests run from the repository root.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* The shared corpora (real documents from other projects): $TRAWL_CORPORA,
 * else ../shared/corpora.  Tests on them skip, saying so, when absent. */
static inline const char *corpora(void)
{
	const char *c = getenv("TRAWL_CORPORA");

	return c && *c ? c : "../shared/corpora";
}

/* The bytes of fixture `name` in folder `dir` (caller frees); a missing
 * fixture fails the test and says what makes it. */
static inline unsigned char *fixture_bytes(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	unsigned char *d;

	snprintf(path, sizeof(path), "%s%s", dir, name);
	d = slurp(path, len);
	if (!d)
		fail_msg("missing fixture %s (made by tests/fixtures/gen_*.py)", path);
	return d;
}

/* Fixture `name` of `dir` extracted as a file named `name`. */
static inline tw_node *fixture_node(const char *dir, const char *name)
{
	size_t len = 0;
	unsigned char *d = fixture_bytes(dir, name, &len);
	tw_node *n = extract_mem(name, d, len);

	free(d);
	assert_non_null(n);
	return n;
}

#ifdef FIXTURE_DIR
static inline unsigned char *fixture(const char *name, size_t *len)
{
	return fixture_bytes(FIXTURE_DIR, name, len);
}

static inline tw_node *load(const char *name)
{
	return fixture_node(FIXTURE_DIR, name);
}
#endif

/* A file on disk extracted as a file named by its path; NULL when it
 * cannot be read. */
static inline tw_node *extract_file(const char *path)
{
	size_t len = 0;
	unsigned char *d = slurp(path, &len);
	tw_node *n;

	if (!d)
		return NULL;
	n = extract_mem(path, d, len);
	free(d);
	return n;
}

/* File `rel` of the shared corpora extracted as a file named by its last
 * path segment; NULL, after a "SKIP:" line, when the corpora are absent. */
static inline tw_node *corpus_node(const char *rel)
{
	char path[4096];
	const char *slash = strrchr(rel, '/');
	unsigned char *d;
	size_t len = 0;
	tw_node *n;

	snprintf(path, sizeof(path), "%s/%s", corpora(), rel);
	d = slurp(path, &len);
	if (!d) {
		print_message("SKIP: %s absent (no corpora)\n", path);
		return NULL;
	}
	n = extract_mem(slash ? slash + 1 : rel, d, len);
	free(d);
	return n;
}

/* ---------------------------------------------------------------- assertions on nodes */

static inline void assert_text(const tw_node *n, const char *needle)
{
	if (!n->text.data || !strstr(n->text.data, needle))
		fail_msg("text lacks \"%s\": <<%s>>", needle,
			 n->text.data ? n->text.data : "");
}

static inline void assert_no_text(const tw_node *n, const char *needle)
{
	if (n->text.data && strstr(n->text.data, needle))
		fail_msg("text has \"%s\": <<%s>>", needle, n->text.data);
}

static inline void assert_prop(const tw_node *n, const char *key, const char *want)
{
	const char *v = node_prop(n, key);

	if (!v || strcmp(v, want) != 0)
		fail_msg("%s: prop %s: got \"%s\", want \"%s\"", n->name ? n->name : "?", key,
			 v ? v : "(none)", want);
}

static inline void assert_no_prop(const tw_node *n, const char *key)
{
	const char *v = node_prop(n, key);

	if (v)
		fail_msg("%s: prop %s should be absent, is \"%s\"", n->name ? n->name : "?", key, v);
}

/* The first child of `n` named `name`, or NULL. */
static inline tw_node *child_named(tw_node *n, const char *name)
{
	tw_node *c;

	for (c = n->first_child; c; c = c->next)
		if (c->name && strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Non-zero when `n` recorded an error with status `st` whose message
 * contains `needle`. */
static inline int err_has(const tw_node *n, trawl_status st, const char *needle)
{
	size_t i;

	for (i = 0; i < n->nerrs; i++)
		if (n->errs[i].status == st && n->errs[i].message &&
		    strstr(n->errs[i].message, needle))
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- temporary folders */

/* Make a private folder $TMPDIR/trawl-<tag>-XXXXXX (TMPDIR defaults to
 * /tmp) into buf; fails the test when it cannot. */
static inline char *fixture_tmpdir(char *buf, size_t n, const char *tag)
{
	const char *base = getenv("TMPDIR");

	snprintf(buf, n, "%s/trawl-%s-XXXXXX", base && *base ? base : "/tmp", tag);
	if (!mkdtemp(buf))
		fail_msg("cannot make a temporary folder %s", buf);
	return buf;
}

/* Remove a folder made by fixture_tmpdir() with everything in it. */
static inline void fixture_rmdir(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

#endif
