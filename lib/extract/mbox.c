/*
 * mbox.c - splitting mbox files (mboxo and mboxrd) into messages.
 *
 * A message starts after a "From " separator line that follows a blank
 * line (or the start of the file) and looks like a real separator (it
 * holds a time such as 12:34).  Lines of the form ">From ", ">>From " ...
 * are unescaped by one '>' (mboxrd; for mboxo this only touches lines that
 * were escaped anyway).  The blank line that precedes the next separator
 * belongs to the mbox format and is dropped.
 *
 * The same reader serves the walker (streaming a file of any size, one
 * message in memory at a time), raw retrieval (seek to a message's offset)
 * and the extractor for mbox content found inside containers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"

struct tw_mbox {
	FILE *f;                  /* streaming source, or */
	const unsigned char *mem; /* an in-memory one */
	size_t memlen, mempos;
	uint64_t pos;             /* offset of the next unread line */
	char *line;
	size_t linecap;
	ssize_t linelen;          /* pending line (a separator), or -1 */
	uint64_t lineoff;
	tw_hasher *hash;          /* hashes every byte read, when set */
	int eof;
	int started;              /* a line was read */
};

int tw_mbox_is_separator(const char *line, size_t len)
{
	size_t i;
	int colon_digits = 0;

	if (len < 7 || memcmp(line, "From ", 5) != 0)
		return 0;
	/* "From sender Tue Jan  1 00:00:00 2002": a hh:mm somewhere. */
	for (i = 6; i + 2 < len && i < 200; i++)
		if (line[i] == ':' && line[i - 1] >= '0' && line[i - 1] <= '9' &&
		    line[i + 1] >= '0' && line[i + 1] <= '9')
			colon_digits = 1;
	return colon_digits;
}

tw_mbox *tw_mbox_open_file(FILE *f, uint64_t offset, int hash)
{
	tw_mbox *mb = tw_calloc(1, sizeof(*mb));

	if (!mb)
		return NULL;
	mb->f = f;
	mb->pos = offset;
	mb->linelen = -1;
	if (hash)
		mb->hash = tw_hasher_new();
	return mb;
}

tw_mbox *tw_mbox_open_mem(const unsigned char *d, size_t n)
{
	tw_mbox *mb = tw_calloc(1, sizeof(*mb));

	if (!mb)
		return NULL;
	mb->mem = d;
	mb->memlen = n;
	mb->linelen = -1;
	return mb;
}

/* Read one line into mb->line; returns its length or -1 at EOF. */
static ssize_t read_line(tw_mbox *mb)
{
	ssize_t n;

	if (mb->f) {
		errno = 0;
		n = getline(&mb->line, &mb->linecap, mb->f);
		if (n < 0) {
			/* Not the end: the line did not fit in memory, and
			 * what follows is lost. */
			if (errno == ENOMEM)
				tw_alloc_note_failure();
			return -1;
		}
	} else {
		const unsigned char *s = mb->mem + mb->mempos, *nl;
		size_t left = mb->memlen - mb->mempos;

		if (left == 0)
			return -1;
		nl = memchr(s, '\n', left);
		n = nl ? (ssize_t)(nl - s + 1) : (ssize_t)left;
		if ((size_t)n + 1 > mb->linecap) {
			char *l = tw_realloc(mb->line, (size_t)n + 1);

			if (!l)
				return -1;
			mb->line = l;
			mb->linecap = (size_t)n + 1;
		}
		memcpy(mb->line, s, (size_t)n);
		mb->line[n] = '\0';
		mb->mempos += (size_t)n;
	}
	if (mb->hash)
		tw_hasher_update(mb->hash, mb->line, (size_t)n);
	mb->lineoff = mb->pos;
	mb->pos += (uint64_t)n;
	return n;
}

static int blank(const char *l, size_t n)
{
	return n == 0 || (n == 1 && l[0] == '\n') || (n == 2 && l[0] == '\r' && l[1] == '\n');
}

int tw_mbox_next(tw_mbox *mb, tw_buf *msg, uint64_t *offset)
{
	ssize_t n;
	size_t pending_blank = 0; /* length of a held-back blank line */
	int prev_blank = 1;

	tw_buf_reset(msg);
	/* Find the separator that starts this message.  The first line read
	 * (the file's start, or the offset a reader was opened at) starts a
	 * message whatever follows "From ": some writers put "From - " there. */
	if (mb->linelen < 0) {
		for (;;) {
			int first = !mb->started;

			n = read_line(mb);
			if (n < 0)
				return 0;
			mb->started = 1;
			if (first && n >= 5 && memcmp(mb->line, "From ", 5) == 0)
				break;
			if (prev_blank && tw_mbox_is_separator(mb->line, (size_t)n))
				break;
			prev_blank = blank(mb->line, (size_t)n);
		}
		mb->linelen = n;
	}
	*offset = mb->lineoff;
	mb->linelen = -1;
	prev_blank = 0;
	while ((n = read_line(mb)) >= 0) {
		const char *l = mb->line;
		size_t len = (size_t)n;

		if (prev_blank && tw_mbox_is_separator(l, len)) {
			mb->linelen = n; /* the next message starts here */
			return 1;
		}
		if (pending_blank) {
			tw_buf_append(msg, pending_blank == 1 ? "\n" : "\r\n",
				      pending_blank);
			pending_blank = 0;
		}
		if (blank(l, len) && len) {
			prev_blank = 1;
			pending_blank = len; /* held back: may precede a separator */
			continue;
		}
		prev_blank = 0;
		if (l[0] == '>') {
			size_t k = 0;

			while (k < len && l[k] == '>')
				k++;
			if (len - k >= 5 && memcmp(l + k, "From ", 5) == 0) {
				l++;
				len--;
			}
		}
		tw_buf_append(msg, l, len);
	}
	/* A final blank line is mbox framing too. */
	mb->eof = 1;
	return 1;
}

void tw_mbox_close(tw_mbox *mb, tw_digest *d)
{
	if (!mb)
		return;
	if (mb->hash) {
		if (d) {
			/* Hash the rest of the file too. */
			while (mb->f && read_line(mb) >= 0)
				;
			tw_hasher_final(mb->hash, d);
		} else {
			tw_digest tmp;

			tw_hasher_final(mb->hash, &tmp);
		}
	}
	free(mb->line);
	free(mb);
}

/* ---------------------------------------------------------------- extractor */

static int mbox_accepts(const char *mime, const char *ext,
			const unsigned char *data, size_t len)
{
	return mime && strcmp(mime, "application/mbox") == 0;
}

static trawl_status mbox_extract(tw_extract_ctx *cx, tw_node *node,
				 const unsigned char *data, size_t len)
{
	tw_mbox *mb = tw_mbox_open_mem(data, len);
	tw_buf msg;
	uint64_t off;
	size_t count = 0;
	char loc[40], name[32];

	if (!mb)
		return TRAWL_ENOMEM;
	node->type = "mbox";
	tw_buf_init(&msg, tw_cx_limits(cx)->max_item_bytes);
	while (tw_mbox_next(mb, &msg, &off) == 1) {
		count++;
		snprintf(loc, sizeof(loc), "mbox:%llu", (unsigned long long)off);
		snprintf(name, sizeof(name), "%zu", count);
		if (!tw_child(cx, node, "message", name, loc,
			      (const unsigned char *)msg.data, msg.len))
			break;
		if (tw_cx_expired(cx))
			break;
	}
	tw_buf_release(&msg);
	tw_mbox_close(mb, NULL);
	return TRAWL_OK;
}

const tw_extractor tw_extractor_mbox = {
	"mbox", "mbox", mbox_accepts, mbox_extract, NULL,
};
