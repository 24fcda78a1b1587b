/*
 * testutil.h - shared helpers for the C unit tests (cmocka).
 *
 * Unit tests link libtrawl statically and may use its internals (tw.h).
 * extract_mem() runs the whole extraction framework on bytes in memory and
 * returns the node tree; node_text_has() and node_find() inspect it.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static inline tw_node *extract_mem(const char *name, const void *data, size_t len)
{
	tw_extract_args args;
	tw_node *n = tw_node_new("file", name, 0);

	memset(&args, 0, sizeof(args));
	tw_extract(n, data, len, &args);
	return n;
}

static inline tw_node *extract_mem_limits(const char *name, const void *data,
					  size_t len, const trawl_limits *lim)
{
	tw_extract_args args;
	tw_node *n = tw_node_new("file", name, 0);

	memset(&args, 0, sizeof(args));
	args.limits = lim;
	tw_extract(n, data, len, &args);
	return n;
}

/* Locating mode: extract `data` (as a file named `name`) following only the
 * child locators loc[0..nloc-1], and put the raw bytes they lead to in
 * *found (found->data NULL when nothing was found; release it with
 * tw_buf_release()). */
static inline void locate_mem(const char *name, const void *data, size_t len,
			      const char *const *loc, size_t nloc, tw_buf *found)
{
	tw_extract_args args;
	tw_node *n = tw_node_new("file", name, 0);

	tw_buf_init(found, 1 << 24);
	memset(&args, 0, sizeof(args));
	args.locate = loc;
	args.nlocate = nloc;
	args.found = found;
	tw_extract(n, data, len, &args);
	tw_node_free(n);
}

/* Read a whole file; NULL if it cannot be read.  Caller frees. */
static inline unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *d = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		d = malloc((size_t)n + 1);
		if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
			free(d);
			d = NULL;
		}
		if (d) {
			d[n] = 0;
			*len = (size_t)n;
		}
	}
	fclose(f);
	return d;
}

/* Depth-first search for a node whose text contains `needle`. */
static inline tw_node *node_find_text(tw_node *n, const char *needle)
{
	for (; n; n = n->next) {
		tw_node *c;

		if (n->text.data && strstr(n->text.data, needle))
			return n;
		c = node_find_text(n->first_child, needle);
		if (c)
			return c;
	}
	return NULL;
}

static inline int node_has_error(const tw_node *n, trawl_status st)
{
	size_t i;

	for (i = 0; i < n->nerrs; i++)
		if (n->errs[i].status == st)
			return 1;
	return 0;
}

static inline const char *node_prop(const tw_node *n, const char *key)
{
	size_t i;

	for (i = 0; i < n->nprops; i++)
		if (strcmp(n->props[i].key, key) == 0)
			return n->props[i].value;
	return NULL;
}

#endif
