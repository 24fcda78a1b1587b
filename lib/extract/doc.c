/*
 * doc.c - Word 97-2003 documents (Word 6/95 at best effort), inside the
 * OLE2 compound files that ole.c opens and dispatches.
 *
 * The FIB gives the piece table (CLX) in the table stream; each piece is
 * 8-bit (cp1252) or UTF-16LE text in the WordDocument stream.  Field codes
 * are dropped, field results kept, cell marks become tabs, and the stories
 * (main text, footnotes, headers, comments, endnotes, text boxes) are kept
 * apart by line ends.  Every offset read from the FIB and the CLX is
 * checked against the streams really read.
 */
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "extract/le.h"
#include "extract/ole.h"

#define MAX_FIELD_DEPTH 64

struct docstate {
	tw_ole_out *o;
	unsigned char field[MAX_FIELD_DEPTH]; /* 1 while in a field's code */
	int depth, ncode;
	unsigned prev;
	unsigned hi; /* a high surrogate waiting for its pair */
};

/* One character of the document; special characters per [MS-DOC] 2.8.25. */
static void doc_char(struct docstate *s, unsigned c)
{
	unsigned prev = s->prev;

	s->prev = c;
	switch (c) {
	case 0x13: /* field begin: its code follows */
		if (s->depth < MAX_FIELD_DEPTH) {
			s->field[s->depth++] = 1;
			s->ncode++;
		}
		return;
	case 0x14: /* field separator: the result follows */
		if (s->depth > 0 && s->field[s->depth - 1]) {
			s->field[s->depth - 1] = 0;
			s->ncode--;
		}
		return;
	case 0x15: /* field end */
		if (s->depth > 0 && s->field[--s->depth])
			s->ncode--;
		return;
	}
	if (s->ncode > 0)
		return;
	switch (c) {
	case 0x07: /* cell mark; two in a row end a table row */
		if (prev == 0x07) {
			if (s->o->last == '\t')
				s->o->b.len--, s->o->b.data[s->o->b.len] = 0;
			tw_ole_out_str(s->o, "\n");
		} else {
			tw_ole_out_str(s->o, "\t");
		}
		return;
	case 0x0d: case 0x0b: case 0x0c: case 0x0e:
		tw_ole_out_str(s->o, "\n");
		return;
	case 0x09:
		tw_ole_out_str(s->o, "\t");
		return;
	case 0x1e: /* non-breaking hyphen */
		tw_ole_out_str(s->o, "-");
		return;
	case 0xa0:
		tw_ole_out_str(s->o, " ");
		return;
	}
	if (c < 0x20 || c == 0x1f)
		return; /* objects, footnote marks, optional hyphens ... */
	if (c >= 0xd800 && c <= 0xdbff) {
		s->hi = c;
		return;
	}
	if (c >= 0xdc00 && c <= 0xdfff && s->hi)
		c = 0x10000 + ((s->hi - 0xd800) << 10) + (c - 0xdc00);
	s->hi = 0;
	tw_ole_out_cp(s->o, c);
}

enum { DOC_OK, DOC_CORRUPT, DOC_LIMIT };

/*
 * Word 97 and later: the piece table.  `end_cp` is the number of CPs of all
 * the stories together (0 when unknown), `story` their boundaries, where a
 * line is ended so that stories do not run into each other.
 */
static int doc_pieces(tw_extract_ctx *cx, tw_ole_out *o, const unsigned char *wd,
		      size_t wlen, const unsigned char *clx, size_t clen,
		      uint32_t end_cp, const uint32_t *story, int nstory,
		      const tw_sbcs *cp1252)
{
	size_t pos = 0, n, i;
	uint32_t lcb;
	const unsigned char *plc;
	struct docstate s;
	unsigned long count = 0;
	int st = 0;

	memset(&s, 0, sizeof(s));
	s.o = o;
	/* Prc entries (formatting) come first, then the Pcdt. */
	while (pos < clen && clx[pos] == 0x01) {
		if (clen - pos < 3)
			return DOC_CORRUPT;
		pos += 3 + (size_t)tw_le16(clx + pos + 1);
	}
	if (pos >= clen || clx[pos] != 0x02 || clen - pos < 5)
		return DOC_CORRUPT;
	lcb = tw_le32(clx + pos + 1);
	pos += 5;
	if (lcb > clen - pos || lcb < 4 || (lcb - 4) % 12 != 0)
		return DOC_CORRUPT;
	plc = clx + pos;
	n = (lcb - 4) / 12;
	for (i = 0; i < n; i++) {
		uint32_t cp0 = tw_le32(plc + 4 * i), cp1 = tw_le32(plc + 4 * (i + 1));
		const unsigned char *pcd = plc + 4 * (n + 1) + 8 * i;
		uint32_t fc = tw_le32(pcd + 2);
		int compressed = (fc & 0x40000000u) != 0;
		size_t k, nch, off;

		if (cp1 <= cp0)
			continue;
		if (end_cp && cp0 >= end_cp)
			break;
		nch = cp1 - cp0;
		if (end_cp && cp1 > end_cp)
			nch = end_cp - cp0;
		fc &= 0x3fffffffu;
		off = compressed ? fc / 2 : fc;
		if (off >= wlen)
			continue;
		if (nch > (wlen - off) / (compressed ? 1 : 2))
			nch = (wlen - off) / (compressed ? 1 : 2);
		for (k = 0; k < nch; k++) {
			uint32_t cp = cp0 + (uint32_t)k;
			unsigned c;

			while (st < nstory && cp >= story[st]) {
				tw_ole_out_nl(o);
				s.depth = s.ncode = 0; /* fields never cross stories */
				st++;
			}
			c = compressed ? cp1252->u[wd[off + k]] : tw_le16(wd + off + 2 * k);
			doc_char(&s, c);
			if ((++count & 0xffff) == 0 &&
			    (tw_ole_out_full(o) || tw_cx_expired(cx)))
				return tw_ole_out_full(o) ? DOC_OK : DOC_LIMIT;
		}
	}
	return DOC_OK;
}

void tw_doc_extract(tw_extract_ctx *cx, tw_node *node, GsfInfile *root,
		    tw_ole_out *o, int codepage, size_t cap)
{
	unsigned char *wd, *tbl = NULL;
	size_t wlen, tlen = 0;
	int damaged = 0, r;
	uint16_t ident, nfib, flags;
	tw_sbcs cp1252;

	node->type = "word";
	wd = tw_ole_read_stream(root, "WordDocument", cap, &wlen, &damaged);
	if (!wd || wlen < 0x22) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "Word document stream is missing or too short for a FIB");
		free(wd);
		return;
	}
	ident = tw_le16(wd);
	nfib = tw_le16(wd + 2);
	flags = tw_le16(wd + 0x0a);
	if (ident != 0xa5ec && ident != 0xa5dc) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "WordDocument stream does not start with a Word FIB (0x%04x)",
			      ident);
		free(wd);
		return;
	}
	if (flags & 0x0100) {
		tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
			      "Word document is encrypted with a password");
		free(wd);
		return;
	}
	tw_sbcs_init(&cp1252, 1252);
	if (nfib < 0xc1) {
		/* Word 6/95: text is 8-bit from fcMin to fcMac (best effort:
		 * fast-saved files may show stale text). */
		uint32_t fcmin = tw_le32(wd + 0x18), fcmac = tw_le32(wd + 0x1c);
		tw_sbcs t;

		if (fcmin >= wlen || fcmac <= fcmin) {
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "Word 6/95 document has no valid text range");
		} else {
			if (fcmac > wlen)
				fcmac = (uint32_t)wlen;
			tw_sbcs_init(&t, codepage);
			{
				struct docstate s;
				uint32_t i;

				memset(&s, 0, sizeof(s));
				s.o = o;
				for (i = fcmin; i < fcmac && !tw_ole_out_full(o); i++)
					doc_char(&s, t.u[wd[i]]);
			}
		}
		free(wd);
		return;
	}
	{
		size_t pos = 0x20, csw, cslw, cb;
		uint32_t fcclx, lcbclx, story[8], end_cp = 0;
		int nstory = 0, i;

		csw = tw_le16(wd + pos);
		pos += 2 + csw * 2;
		if (pos + 2 > wlen)
			goto bad_fib;
		cslw = tw_le16(wd + pos);
		pos += 2;
		if (cslw * 4 > wlen - pos)
			goto bad_fib;
		if (cslw >= 11) {
			/* ccpText, ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn,
			 * ccpTxbx, ccpHdrTxbx: the stories, in CP order */
			uint64_t sum = 0;

			for (i = 3; i <= 10; i++) {
				uint32_t v = tw_le32(wd + pos + 4 * i);

				if (v > 0x7fffffff)
					v = 0;
				sum += v;
				if (v && i < 10 && nstory < 8)
					story[nstory++] = (uint32_t)(sum > 0xffffffffu ? 0xffffffffu : sum);
			}
			end_cp = sum + 1 > 0xffffffffu ? 0 : (uint32_t)sum + 1;
		}
		pos += cslw * 4;
		if (pos + 2 > wlen)
			goto bad_fib;
		cb = tw_le16(wd + pos);
		pos += 2;
		if (cb < 34 || cb * 8 > wlen - pos)
			goto bad_fib;
		fcclx = tw_le32(wd + pos + 33 * 8);
		lcbclx = tw_le32(wd + pos + 33 * 8 + 4);
		tbl = tw_ole_read_stream(root, (flags & 0x0200) ? "1Table" : "0Table", cap,
					 &tlen, &damaged);
		if (!tbl) {
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "Word document has no %s stream",
				      (flags & 0x0200) ? "1Table" : "0Table");
			free(wd);
			return;
		}
		if (fcclx >= tlen || lcbclx > tlen - fcclx || lcbclx == 0) {
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "Word piece table (CLX) lies outside the table stream");
			goto done;
		}
		r = doc_pieces(cx, o, wd, wlen, tbl + fcclx, lcbclx, end_cp, story,
			       nstory, &cp1252);
		if (r == DOC_CORRUPT)
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "Word piece table (CLX) is malformed");
		goto done;
	}
bad_fib:
	tw_node_error(node, TRAWL_ECORRUPT, "parse", "Word FIB is truncated");
done:
	if (damaged)
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "a stream of the compound file is damaged; text may be incomplete");
	free(tbl);
	free(wd);
}
