/*
 * marks.c - the reporter's marks that run queries: tagging every content a
 * query matches, batch searches over a list of terms (each line a query, or
 * a literal phrase, counted or tagged), and saving a search once its query
 * parses.
 *
 * What is stored, and how, is lib/archive/marks.c's business (tags and
 * notes keyed by the content's SHA-256, saved searches by name); this file
 * checks names, runs the query language (lib/search/) and hands the
 * archive the contents to mark.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "search/search.h"

/* ---------------------------------------------------------------- tags */

/* A lowercased copy of a valid tag name, or NULL. */
static char *tag_name(const char *t)
{
	size_t i, n = t ? strlen(t) : 0;
	char *d;

	if (n == 0 || n > 64)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (!isalnum(c) && !strchr("-_./+", c) && c < 0x80)
			return NULL;
		if (c < 0x20)
			return NULL;
	}
	d = tw_strdup(t);
	tw_ascii_lower(d);
	return d;
}

trawl_status trawl_tag_query(trawl_archive *ar, const char *query, const char *const *add,
			     size_t nadd, const char *const *remove, size_t nremove,
			     int64_t *matched, trawl_syntax_error *err)
{
	char **names;
	trawl_status st;
	size_t i;
	int64_t n = 0;

	if (matched)
		*matched = 0;
	st = tw_writable(ar);
	if (st)
		return st;
	names = tw_calloc(nadd + nremove + 1, sizeof(*names));
	if (!names)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	for (i = 0; i < nadd + nremove; i++) {
		const char *t = i < nadd ? add[i] : remove[i - nadd];

		names[i] = tag_name(t);
		if (!names[i]) {
			st = tw_fail(ar, TRAWL_EINVAL,
				     "bad tag '%s': use 1 to 64 letters, digits and - _ . / +", t ? t : "");
			goto out;
		}
	}
	st = tw_ar_begin(ar);
	if (st)
		goto out;
	st = tw_query_temp(ar, query ? query : "", "tw_tagq", &n, NULL, err);
	if (!st)
		st = tw_ar_tags_apply(ar, "tw_tagq", (const char *const *)names, nadd,
				      (const char *const *)names + nadd, nremove);
	if (st) {
		tw_ar_rollback(ar);
		goto out;
	}
	if (matched)
		*matched = n;
	st = tw_ar_commit(ar);
out:
	for (i = 0; i < nadd + nremove; i++)
		free(names[i]);
	free(names);
	return st;
}

/* ---------------------------------------------------------------- saved searches */

trawl_status trawl_saved_add(trawl_archive *ar, const char *name, const char *query,
			     trawl_syntax_error *err)
{
	trawl_status st = tw_writable(ar);
	size_t i, n = name ? strlen(name) : 0;

	if (st)
		return st;
	if (n == 0 || n > 128)
		return tw_fail(ar, TRAWL_EINVAL, "a saved search needs a name of 1 to 128 characters");
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20)
			return tw_fail(ar, TRAWL_EINVAL, "the name of a saved search cannot hold control characters");
	st = trawl_query_check(query ? query : "", err);
	if (st)
		return tw_fail(ar, st, "the query does not parse");
	return tw_ar_saved_put(ar, name, query ? query : "");
}

/* ---------------------------------------------------------------- batch */

/* An exact phrase for a literal line: "..." with inner quotes dropped. */
static char *phrase_query(const char *line)
{
	tw_buf b;
	const char *p;

	tw_buf_init(&b, 1 << 16);
	tw_buf_putc(&b, '"');
	for (p = line; *p; p++)
		if (*p != '"')
			tw_buf_putc(&b, *p);
	tw_buf_putc(&b, '"');
	return tw_buf_detach(&b, NULL);
}

trawl_status trawl_batch(trawl_archive *ar, const char *text, size_t len,
			 const trawl_batch_opts *opts, trawl_batch_fn fn, void *ud, size_t *failed)
{
	size_t lineno = 0, pos = 0, nfailed = 0;
	char *tagv = NULL;

	if (failed)
		*failed = 0;
	if (opts && opts->tag) {
		trawl_status st = tw_writable(ar);

		if (st)
			return st;
		tagv = tag_name(opts->tag);
		if (!tagv)
			return tw_fail(ar, TRAWL_EINVAL,
				       "bad tag '%s': use 1 to 64 letters, digits and - _ . / +", opts->tag);
		free(tagv);
	}
	while (pos < len) {
		const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		char *line, *q, *end;
		trawl_batch_line bl;
		trawl_syntax_error err;
		trawl_status st;
		int stop;

		pos += n + (nl ? 1 : 0);
		lineno++;
		line = tw_utf8_clean(start, n, NULL);
		if (!line)
			return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		/* Trim blanks (and the CR of CRLF files). */
		q = line;
		if (lineno == 1 && !strncmp(q, "\xef\xbb\xbf", 3))
			q += 3; /* byte order mark */
		while (*q == ' ' || *q == '\t' || *q == '\r')
			q++;
		end = q + strlen(q);
		while (end > q && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (!*q || *q == '#') {
			free(line);
			continue;
		}
		memset(&bl, 0, sizeof(bl));
		memset(&err, 0, sizeof(err));
		bl.line = lineno;
		bl.text = q;
		bl.query = q;
		{
			char *pq = opts && opts->literal ? phrase_query(q) : NULL;

			if (pq)
				bl.query = pq;
			if (opts && opts->tag) {
				const char *add[1] = {opts->tag};

				st = trawl_tag_query(ar, bl.query, add, 1, NULL, 0, &bl.hits, &err);
			} else {
				st = trawl_count(ar, bl.query, &bl.hits, &err);
			}
			bl.status = st;
			if (st) {
				nfailed++;
				bl.hits = 0;
				bl.error = st == TRAWL_ESYNTAX ? err.message : trawl_archive_errmsg(ar);
				bl.error_pos = err.pos;
			}
			stop = fn(&bl, ud);
			free(pq);
		}
		free(line);
		/* A failure of the archive itself (not of the line) stops. */
		if (st && st != TRAWL_ESYNTAX && st != TRAWL_EINVAL && st != TRAWL_ELIMIT) {
			if (failed)
				*failed = nfailed;
			return st;
		}
		if (stop)
			break;
	}
	if (failed)
		*failed = nfailed;
	return TRAWL_OK;
}
