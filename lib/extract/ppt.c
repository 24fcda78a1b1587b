/*
 * ppt.c - PowerPoint 97-2003 presentations (and the 97 half of "97-2003 &
 * 95" files), inside the OLE2 compound files that ole.c opens and
 * dispatches.
 *
 * The record tree of the "PowerPoint Document" stream is walked for text
 * atoms, leaving out the placeholder boilerplate of masters and repeated
 * copies of long texts; PowerPoint 95 files only give their plain
 * Text_Content copy.  Embedded objects (ExOleObjStg, zlib-compressed or
 * not) go to ole.c's objects.  Record lengths are bounded by their
 * container, the nesting depth by MAX_PPT_DEPTH.
 */
#include <stdlib.h>
#include <string.h>

#include <gsf/gsf-infile.h>
#include <zlib.h>

#include "extract/extract.h"
#include "extract/le.h"
#include "extract/ole.h"

#define MAX_PPT_DEPTH 64

#define PPT_NOTES 0x03f0
#define PPT_MAINMASTER 0x03f8
#define PPT_HANDOUT 0x0fc9
#define PPT_TEXTCHARS 0x0fa0
#define PPT_TEXTBYTES 0x0fa8
#define PPT_CSTRING 0x0fba
#define PPT_EXOLEOBJSTG 0x1011
#define PPT_OEPLACEHOLDER 0x0bc3
#define PPT_SPCONTAINER 0xf004
#define PPT_CRYPTSESSION 0x2f14

/* Inflate zlib data into dst; streams cut before their checksum (common
 * in PowerPoint files) still give what they hold.  Returns the bytes out. */
static size_t inflate_some(const unsigned char *src, size_t n, unsigned char *dst,
			   size_t cap)
{
	z_stream z;
	size_t got;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return 0;
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
	z.next_out = dst;
	z.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
	inflate(&z, Z_FINISH);
	got = (size_t)z.total_out;
	inflateEnd(&z);
	return got;
}

/* ExOleObjStg: an embedded object's storage, zlib-compressed when its
 * instance is 1. */
static void ppt_object(tw_ole_objs *ob, const unsigned char *p, size_t n,
		       int compressed)
{
	uLongf dl;
	unsigned char *d;
	const trawl_limits *lim = tw_cx_limits(ob->cx);

	if (!compressed) {
		tw_ole_obj_child(ob, NULL, p, n);
		return;
	}
	if (n < 4)
		return;
	dl = tw_le32(p);
	if (dl == 0 || dl > lim->max_item_bytes || (uint64_t)dl / (n ? n : 1) > lim->max_ratio + 16ull)
		return;
	if (tw_cx_inflate(ob->cx, ob->node, dl, n) != TRAWL_OK) {
		ob->stop = 1;
		return;
	}
	d = tw_malloc(dl);
	if (!d)
		return;
	dl = inflate_some(p + 4, n - 4, d, dl);
	{
		GsfInput *in;
		GsfInfile *st;
		char why[64], name[32];

		/* the object's storage: unwrap a packaged file if it is one */
		snprintf(name, sizeof(name), "object%u", ob->n + 1);
		st = tw_ole_open(d, dl, &in, why, sizeof(why));
		if (!st || !tw_ole_storage_unwrap(ob, st, name, dl))
			tw_ole_obj_child(ob, NULL, d, dl);
		if (st) {
			g_object_unref(st);
			g_object_unref(in);
		}
	}
	free(d);
}

/*
 * Text atoms already written, by hash: incremental saves leave old copies
 * of records in the stream, and some writers store slide text twice.
 */
struct seen {
	uint64_t *h;
	size_t n, cap;
};

static int seen_add(struct seen *s, uint16_t type, const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ type;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	if (!h)
		h = 1;
	if (s->n * 2 >= s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024, k;
		uint64_t *nh;

		if (cap > (1u << 22))
			return 1; /* too many to remember: keep everything */
		nh = tw_calloc(cap, sizeof(*nh));
		if (!nh)
			return 1;
		for (k = 0; k < s->cap; k++) {
			if (s->h[k]) {
				size_t j = (size_t)(s->h[k] & (cap - 1));

				while (nh[j])
					j = (j + 1) & (cap - 1);
				nh[j] = s->h[k];
			}
		}
		free(s->h);
		s->h = nh;
		s->cap = cap;
	}
	for (i = (size_t)(h & (s->cap - 1)); s->h[i]; i = (i + 1) & (s->cap - 1))
		if (s->h[i] == h)
			return 0;
	s->h[i] = h;
	s->n++;
	return 1;
}

void tw_ppt_extract(tw_extract_ctx *cx, tw_node *node, GsfInfile *root,
		    tw_ole_out *o, tw_ole_objs *ob, int codepage, size_t cap)
{
	unsigned char *d;
	size_t len, pos = 0, ends[MAX_PPT_DEPTH];
	uint16_t types[MAX_PPT_DEPTH];
	unsigned char placeholder[MAX_PPT_DEPTH];
	int depth = 0, damaged = 0, encrypted = 0, i;
	unsigned long nrec = 0;
	tw_sbcs cp1252;
	struct seen seen = {NULL, 0, 0};

	node->type = "presentation";
	if (tw_ole_has_child(root, "EncryptedSummary")) {
		if (!tw_cx_locating(cx))
			tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
				      "PowerPoint presentation is encrypted with a password");
		return;
	}
	/* "PowerPoint 97-2003 & 95" files keep the 97 version in a storage
	 * of its own; the top-level stream is then in the 95 format. */
	{
		int k = tw_ole_child_index(root, "PP97_DUALSTORAGE");
		GsfInput *dual = k >= 0 ? gsf_infile_child_by_index(root, k) : NULL;

		d = NULL;
		if (dual && GSF_IS_INFILE(dual))
			d = tw_ole_read_stream(GSF_INFILE(dual), "PowerPoint Document",
					       cap, &len, &damaged);
		if (dual)
			g_object_unref(dual);
	}
	if (!d)
		d = tw_ole_read_stream(root, "PowerPoint Document", cap, &len, &damaged);
	if (!d) {
		if (!tw_cx_locating(cx))
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "PowerPoint document stream is missing");
		return;
	}
	tw_sbcs_init(&cp1252, 1252);
	while (pos + 8 <= len) {
		uint16_t vi = tw_le16(d + pos), type = tw_le16(d + pos + 2);
		uint32_t rlen = tw_le32(d + pos + 4);
		size_t end, limit = depth ? ends[depth - 1] : len;

		if ((++nrec & 0xffff) == 0 && tw_cx_expired(cx))
			break;
		if (limit - pos < 8) {
			/* a header cut by its container's end */
			pos = limit;
			while (depth > 0 && pos >= ends[depth - 1])
				depth--;
			continue;
		}
		end = rlen > limit - pos - 8 ? limit : pos + 8 + rlen;
		if (type == PPT_CRYPTSESSION) {
			encrypted = 1;
			break;
		}
		if ((vi & 0xf) == 0xf) {
			/* a container: its records follow */
			if (depth < MAX_PPT_DEPTH) {
				ends[depth] = end;
				types[depth] = type;
				placeholder[depth] = 0;
				depth++;
			}
			pos += 8;
		} else {
			const unsigned char *p = d + pos + 8;
			size_t n = end - pos - 8;
			int master = 0, ph = 0, text;

			for (i = 0; i < depth; i++) {
				if (types[i] == PPT_MAINMASTER || types[i] == PPT_NOTES ||
				    types[i] == PPT_HANDOUT)
					master = 1;
				if (placeholder[i])
					ph = 1;
			}
			if (type == PPT_OEPLACEHOLDER) {
				/* mark the shape: placeholder text of masters,
				 * notes masters and handouts is boilerplate ("Click
				 * to edit Master title style") */
				for (i = depth - 1; i >= 0; i--)
					if (types[i] == PPT_SPCONTAINER) {
						placeholder[i] = 1;
						break;
					}
			}
			text = (type == PPT_TEXTCHARS || type == PPT_TEXTBYTES ||
				type == PPT_CSTRING) && !(master && ph) &&
			       !tw_ole_out_full(o);
			if (text && type == PPT_CSTRING &&
			    (n < 2 || (n >= 12 && memcmp(p, "_\0_\0_\0P\0P\0T\0", 12) == 0)))
				text = 0; /* ___PPT10 and the like: tags, not text */
			/* short atoms (table cells, "Yes") repeat for real */
			if (text && !tw_cx_locating(cx) &&
			    (n < (type == PPT_TEXTBYTES ? 16u : 32u) ||
			     seen_add(&seen, type, p, n))) {
				if (type == PPT_TEXTBYTES)
					tw_ole_out_8bit(o, &cp1252, p, n);
				else
					tw_ole_out_utf16(o, p, n / 2);
				tw_ole_out_nl(o);
			} else if (type == PPT_EXOLEOBJSTG && !ob->stop) {
				ppt_object(ob, p, n, (vi >> 4) == 1);
			}
			pos = end;
		}
		while (depth > 0 && pos >= ends[depth - 1])
			depth--;
	}
	if (!o->b.len && !encrypted && !tw_cx_locating(cx)) {
		/* PowerPoint 95: its plain-text copy of the slides */
		unsigned char *t = tw_ole_read_stream(root, "Text_Content", cap, &len, NULL);

		if (t) {
			tw_sbcs cpt;

			tw_sbcs_init(&cpt, codepage);
			tw_ole_out_8bit(o, &cpt, t, len);
			free(t);
		}
	}
	if (tw_cx_locating(cx))
		;
	else if (encrypted)
		tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
			      "PowerPoint presentation is encrypted with a password");
	else if (damaged)
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "PowerPoint document stream is damaged; text may be incomplete");
	free(seen.h);
	free(d);
}
