/*
 * tnef.c - TNEF streams (winmail.dat, application/ms-tnef).
 *
 * Outlook wraps a message's rich body and attachments in a TNEF attribute
 * stream ([MS-OXTNEF]): a signature, then attributes (level, id, length,
 * data, checksum), two of which carry MAPI property lists.  The node gets
 * the subject and body as text and props; every attachment becomes a child
 * "attachment" named by its long file name and located "tnef:<n>" (its
 * ordinal in the stream); embedded messages are handed on as the nested
 * TNEF stream they are, and OLE objects as their compound file.  When the
 * only body is compressed RTF, the decompressed RTF becomes a child
 * "body.rtf" (located "tnef:body.rtf") for the RTF extractor.
 *
 * The stream is walked here rather than with libytnef: the Debian libytnef
 * (2.0) prints to stdout on malformed input, rejects (and prints for)
 * ordinary messages whose subject or attachment title exceeds 100 bytes or
 * whose body exceeds 100 kB, and its DecompressRTF reads past its input.
 * This walker only ever reads inside the buffer, points into it instead of
 * copying, and stops at the first inconsistency while keeping what came
 * before it (recorded as corrupt).
 */
#include <string.h>
#include <strings.h>

#include "extract/extract.h"
#include "extract/mailbuild.h"
#include "extract/le.h"

#define TNEF_SIGNATURE 0x223E9F78u

/* Attributes ([MS-OXTNEF] 2.1.3.3): type in the high word, id in the low. */
#define ATT_SUBJECT        0x00018004u
#define ATT_MESSAGE_CLASS  0x00078008u
#define ATT_BODY           0x0002800Cu
#define ATT_DATE_SENT      0x00038005u
#define ATT_ATTACH_DATA    0x0006800Fu
#define ATT_ATTACH_TITLE   0x00018010u
#define ATT_ATTACH_REND    0x00069002u
#define ATT_MAPI_PROPS     0x00069003u
#define ATT_ATTACHMENT     0x00069005u
#define ATT_OEM_CODEPAGE   0x00069007u

/* MAPI property types. */
#define PT_I2       0x0002
#define PT_LONG     0x0003
#define PT_R4       0x0004
#define PT_DOUBLE   0x0005
#define PT_CURRENCY 0x0006
#define PT_APPTIME  0x0007
#define PT_ERROR    0x000A
#define PT_BOOLEAN  0x000B
#define PT_OBJECT   0x000D
#define PT_I8       0x0014
#define PT_STRING8  0x001E
#define PT_UNICODE  0x001F
#define PT_SYSTIME  0x0040
#define PT_CLSID    0x0048
#define PT_SVREID   0x00FB
#define PT_BINARY   0x0102
#define MV_FLAG     0x1000

#define MAX_PROPS 4096

/* One MAPI property: its first value, pointing into the stream. */
struct prop {
	unsigned id, type;
	int named;
	const unsigned char *val;
	size_t len;
};

struct props {
	struct prop *v;
	size_t n, cap;
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static size_t fixed_size(unsigned type)
{
	switch (type) {
	case PT_I2: case PT_LONG: case PT_R4: case PT_ERROR: case PT_BOOLEAN:
		return 4;
	case PT_DOUBLE: case PT_CURRENCY: case PT_APPTIME: case PT_I8:
	case PT_SYSTIME:
		return 8;
	case PT_CLSID:
		return 16;
	default:
		return 0;
	}
}

static int is_variable(unsigned type)
{
	return type == PT_STRING8 || type == PT_UNICODE || type == PT_BINARY ||
	       type == PT_OBJECT || type == PT_SVREID;
}

/*
 * Parse a MAPI property list ([MS-OXTNEF] 2.1.3.4) into `out`.  Returns 0
 * when the whole block was consistent, -1 at the first inconsistency (the
 * properties before it are kept).
 */
static int parse_props(const unsigned char *d, size_t n, struct props *out)
{
	size_t pos = 4, count, i;

	if (n < 4)
		return -1;
	count = tw_le32(d);
	for (i = 0; i < count; i++) {
		unsigned tag, type, id, named = 0;
		size_t nvalues = 1, k;
		int mv;

		if (n - pos < 4)
			return -1;
		tag = tw_le32(d + pos);
		pos += 4;
		type = tag & 0xffff;
		id = tag >> 16;
		if (id >= 0x8000) {
			uint32_t kind;

			/* Named property: GUID, then a number or a name. */
			if (n - pos < 20)
				return -1;
			kind = tw_le32(d + pos + 16);
			pos += 20;
			if (n - pos < 4)
				return -1;
			if (kind == 0) {
				pos += 4;
			} else if (kind == 1) {
				size_t nl = tw_le32(d + pos);

				pos += 4;
				if (nl > n - pos || pad4(nl) > n - pos)
					return -1;
				pos += pad4(nl);
			} else {
				return -1;
			}
			named = 1;
		}
		mv = (type & MV_FLAG) != 0;
		type &= ~MV_FLAG;
		if (mv || is_variable(type)) {
			if (n - pos < 4)
				return -1;
			nvalues = tw_le32(d + pos);
			pos += 4;
			if (nvalues > n - pos)
				return -1; /* every value takes at least a byte */
		}
		for (k = 0; k < nvalues; k++) {
			const unsigned char *val;
			size_t len;

			if (is_variable(type)) {
				if (n - pos < 4)
					return -1;
				len = tw_le32(d + pos);
				pos += 4;
				if (len > n - pos)
					return -1;
				val = d + pos;
				pos += pad4(len) <= n - pos ? pad4(len) : n - pos;
			} else {
				len = fixed_size(type);
				if (!len || n - pos < len)
					return -1;
				val = d + pos;
				pos += len;
			}
			if (k == 0 && !named && out->n < MAX_PROPS) {
				if (out->n == out->cap) {
					size_t cap = out->cap ? out->cap * 2 : 32;
					struct prop *p = tw_realloc(out->v, cap * sizeof(*p));

					if (!p)
						return -1;
					out->v = p;
					out->cap = cap;
				}
				out->v[out->n].id = id;
				out->v[out->n].type = type;
				out->v[out->n].named = named;
				out->v[out->n].val = val;
				out->v[out->n].len = len;
				out->n++;
			}
		}
	}
	return 0;
}

static const struct prop *find_prop(const struct props *p, unsigned id)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].id == id)
			return &p->v[i];
	return NULL;
}

/* A string property as UTF-8 (caller frees), or NULL. */
static char *prop_str(const struct props *p, unsigned id, const char *cs8)
{
	const struct prop *q = find_prop(p, id);
	size_t len;

	if (!q)
		return NULL;
	len = q->len;
	if (q->type == PT_UNICODE) {
		len &= ~(size_t)1;
		while (len >= 2 && q->val[len - 1] == 0 && q->val[len - 2] == 0)
			len -= 2;
		return len ? tw_to_utf8((const char *)q->val, len, "UTF-16LE", NULL) : NULL;
	}
	if (q->type == PT_STRING8 || q->type == PT_BINARY) {
		while (len && q->val[len - 1] == 0)
			len--;
		return len ? tw_to_utf8((const char *)q->val, len, cs8, NULL) : NULL;
	}
	return NULL;
}

/* 8-bit text attribute (NUL-terminated or not) as UTF-8. */
static char *att_str(const unsigned char *d, size_t n, const char *cs8)
{
	while (n && d[n - 1] == 0)
		n--;
	return n ? tw_to_utf8((const char *)d, n, cs8, NULL) : NULL;
}

/* ---------------------------------------------------------------- stream */

struct attach {
	const unsigned char *title, *data;
	size_t title_len, data_len;
	struct props mapi;
	int has_data;
};

struct tnef {
	const unsigned char *subject, *body, *cls;
	size_t subject_len, body_len, cls_len;
	uint32_t codepage;
	struct props mapi;
	struct attach *att;
	size_t natt, att_cap;
	const char *damage; /* first inconsistency, NULL when none */
	size_t damage_at;
};

static struct attach *new_attach(struct tnef *t)
{
	if (t->natt == t->att_cap) {
		size_t cap = t->att_cap ? t->att_cap * 2 : 8;
		struct attach *a = tw_realloc(t->att, cap * sizeof(*a));

		if (!a)
			return NULL;
		t->att = a;
		t->att_cap = cap;
	}
	memset(&t->att[t->natt], 0, sizeof(t->att[0]));
	return &t->att[t->natt++];
}

static void tnef_free(struct tnef *t)
{
	size_t i;

	for (i = 0; i < t->natt; i++)
		free(t->att[i].mapi.v);
	free(t->att);
	free(t->mapi.v);
}

static void damaged(struct tnef *t, const char *why, size_t at)
{
	if (!t->damage) {
		t->damage = why;
		t->damage_at = at;
	}
}

static void walk(tw_extract_ctx *cx, const unsigned char *d, size_t n, struct tnef *t)
{
	size_t pos = 6;
	struct attach *cur = NULL;

	while (pos < n) {
		uint32_t id, len;
		uint16_t sum = 0, want;
		const unsigned char *data;
		size_t i;

		if (tw_cx_expired(cx))
			return;
		if (n - pos < 9) {
			damaged(t, "truncated attribute header", pos);
			return;
		}
		id = tw_le32(d + pos + 1);
		len = tw_le32(d + pos + 5);
		if (len > n - pos - 9 || n - pos - 9 - len < 2) {
			damaged(t, "attribute longer than the stream", pos);
			return;
		}
		data = d + pos + 9;
		for (i = 0; i < len; i++)
			sum = (uint16_t)(sum + data[i]);
		want = tw_le16(data + len);
		if (sum != want)
			damaged(t, "attribute checksum mismatch", pos);
		pos += 9 + (size_t)len + 2;
		switch (id) {
		case ATT_SUBJECT:
			t->subject = data;
			t->subject_len = len;
			break;
		case ATT_BODY:
			t->body = data;
			t->body_len = len;
			break;
		case ATT_MESSAGE_CLASS:
			t->cls = data;
			t->cls_len = len;
			break;
		case ATT_OEM_CODEPAGE:
			if (len >= 4)
				t->codepage = tw_le32(data);
			break;
		case ATT_MAPI_PROPS:
			if (parse_props(data, len, &t->mapi) < 0)
				damaged(t, "bad MAPI property list", pos);
			break;
		case ATT_ATTACH_REND:
			cur = new_attach(t);
			if (!cur)
				return;
			break;
		case ATT_ATTACH_TITLE:
		case ATT_ATTACH_DATA:
		case ATT_ATTACHMENT:
			/* Attachment attributes before any rendering data
			 * still describe an attachment. */
			if (!cur && !(cur = new_attach(t)))
				return;
			if (id == ATT_ATTACH_TITLE) {
				cur->title = data;
				cur->title_len = len;
			} else if (id == ATT_ATTACH_DATA) {
				cur->data = data;
				cur->data_len = len;
				cur->has_data = 1;
			} else if (parse_props(data, len, &cur->mapi) < 0) {
				damaged(t, "bad attachment property list", pos);
			}
			break;
		default:
			break;
		}
	}
}

/* ---------------------------------------------------------------- extraction */

/* IIDs that prefix PT_OBJECT attachment data. */
static const unsigned char iid_imessage[16] = {
	0x07, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

static char *attach_name(const struct attach *a, const char *cs8, size_t index)
{
	char *name = prop_str(&a->mapi, 0x3707, cs8); /* PR_ATTACH_LONG_FILENAME */

	if (!name && a->title)
		name = att_str(a->title, a->title_len, cs8);
	if (!name)
		name = prop_str(&a->mapi, 0x3704, cs8); /* PR_ATTACH_FILENAME */
	if (!name)
		name = prop_str(&a->mapi, 0x3001, cs8); /* PR_DISPLAY_NAME */
	if (!name)
		name = tw_asprintf("attachment-%zu", index + 1);
	return name;
}

static void add_attachments(tw_extract_ctx *cx, tw_node *node, struct tnef *t,
			    const char *cs8)
{
	uint64_t max = tw_cx_limits(cx)->max_item_bytes;
	size_t i;

	for (i = 0; i < t->natt; i++) {
		const struct attach *a = &t->att[i];
		const unsigned char *data = NULL;
		size_t len = 0;
		char loc[32], *name;
		tw_node *c;

		if (tw_cx_expired(cx))
			return;
		if (a->has_data) {
			data = a->data;
			len = a->data_len;
		} else {
			const struct prop *q = find_prop(&a->mapi, 0x3701); /* PR_ATTACH_DATA_OBJ */

			if (q && (q->type == PT_BINARY || q->type == PT_OBJECT)) {
				data = q->val;
				len = q->len;
				/* Objects start with their interface id. */
				if (q->type == PT_OBJECT && len >= 16) {
					data += 16;
					len -= 16;
				}
			}
		}
		if (!data && !a->title && !a->mapi.n)
			continue; /* rendering data alone: nothing attached */
		name = attach_name(a, cs8, i);
		if (!name)
			return;
		if (!data) {
			const struct prop *m = find_prop(&a->mapi, 0x3705); /* PR_ATTACH_METHOD */
			uint32_t method = m && m->type == PT_LONG && m->len >= 4 ? tw_le32(m->val) : 1;

			if (tw_cx_locating(cx)) {
				/* no errors while locating */
			} else if (method >= 2 && method <= 4) {
				tw_node_error(node, TRAWL_EUNSUPPORTED, "extract",
					      "attachment \"%s\" is a link to a file outside the message: not extracted",
					      name);
			} else {
				tw_node_error(node, TRAWL_ECORRUPT, "extract",
					      "attachment \"%s\" has no data", name);
			}
			free(name);
			continue;
		}
		if (len > max) {
			if (!tw_cx_locating(cx))
				tw_node_error(node, TRAWL_ELIMIT, "limit",
					      "attachment \"%s\" is %zu bytes, more than max_item_bytes: not extracted",
					      name, len);
			free(name);
			continue;
		}
		{
			const struct prop *q = find_prop(&a->mapi, 0x3701);

			/* An embedded message is itself a TNEF stream. */
			if (q && q->type == PT_OBJECT && q->len >= 16 &&
			    memcmp(q->val, iid_imessage, 16) == 0 && !tw_cx_locating(cx))
				tw_node_prop(node, "embedded_message", "yes");
		}
		snprintf(loc, sizeof(loc), "tnef:%zu", i);
		c = tw_child(cx, node, "attachment", name, loc, data, len);
		free(name);
		if (!c && !tw_cx_locating(cx))
			return;
	}
}

static void add_body(tw_extract_ctx *cx, tw_node *node, struct tnef *t,
		     const char *cs8)
{
	char *body = prop_str(&t->mapi, 0x1000, cs8); /* PR_BODY */
	const struct prop *html = find_prop(&t->mapi, 0x1013); /* PR_HTML */
	int have_text = 0;

	if (!body && t->body)
		body = att_str(t->body, t->body_len, cs8);
	if (body) {
		if (!tw_cx_locating(cx)) {
			tw_node_text(node, body, strlen(body));
			tw_node_text(node, "\n", 1);
		}
		have_text = 1;
		free(body);
	}
	if (html && (html->type == PT_BINARY || html->type == PT_STRING8 ||
		     html->type == PT_UNICODE)) {
		if (!have_text && !tw_cx_locating(cx)) {
			char *h = html->type == PT_UNICODE ? prop_str(&t->mapi, 0x1013, cs8)
							   : NULL;
			char *txt = h ? tw_html_to_text(h, strlen(h), "UTF-8",
							tw_cx_limits(cx)->max_text_bytes, NULL)
				      : tw_html_to_text((const char *)html->val, html->len,
							cs8, tw_cx_limits(cx)->max_text_bytes,
							NULL);

			if (txt) {
				tw_node_text(node, txt, strlen(txt));
				free(txt);
			}
			free(h);
		}
		have_text = 1;
	}
	if (!have_text) {
		const struct prop *rtf = find_prop(&t->mapi, 0x1009); /* PR_RTF_COMPRESSED */

		if (rtf && rtf->type == PT_BINARY) {
			size_t n = 0;
			unsigned char *r = tw_lzfu_decompress(
				rtf->val, rtf->len,
				(size_t)tw_cx_limits(cx)->max_item_bytes, &n);

			if (r && n) {
				if (tw_cx_inflate(cx, node, n, rtf->len) == TRAWL_OK)
					tw_child(cx, node, "attachment", "body.rtf",
						 "tnef:body.rtf", r, n);
			} else if (!tw_cx_locating(cx)) {
				tw_node_error(node, TRAWL_ECORRUPT, "extract",
					      "compressed RTF body could not be decompressed");
			}
			free(r);
		}
	}
}

static trawl_status tnef_extract(tw_extract_ctx *cx, tw_node *node,
				 const unsigned char *data, size_t len)
{
	struct tnef t;
	char cpbuf[24], *subject, *cls;
	const char *cs8;

	if (len < 6 || tw_le32(data) != TNEF_SIGNATURE) {
		if (!tw_cx_locating(cx))
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "not a TNEF stream (bad signature)");
		return TRAWL_OK;
	}
	memset(&t, 0, sizeof(t));
	walk(cx, data, len, &t);
	cs8 = tw_codepage_charset(t.codepage, cpbuf, sizeof(cpbuf));
	if (!tw_cx_locating(cx)) {
		subject = prop_str(&t.mapi, 0x0037, cs8); /* PR_SUBJECT */
		if (!subject && t.subject)
			subject = att_str(t.subject, t.subject_len, cs8);
		if (subject) {
			tw_node_prop(node, "subject", subject);
			tw_node_prop(node, "title", subject);
			tw_node_text(node, subject, strlen(subject));
			tw_node_text(node, "\n\n", 2);
			free(subject);
		}
		cls = prop_str(&t.mapi, 0x001A, cs8); /* PR_MESSAGE_CLASS */
		if (!cls && t.cls)
			cls = att_str(t.cls, t.cls_len, cs8);
		if (cls) {
			tw_node_prop(node, "message_class", cls);
			free(cls);
		}
		{
			char *from = prop_str(&t.mapi, 0x0C1A, cs8); /* PR_SENDER_NAME */

			if (!from)
				from = prop_str(&t.mapi, 0x0042, cs8);
			if (from) {
				tw_node_prop(node, "author", from);
				free(from);
			}
		}
	}
	add_body(cx, node, &t, cs8);
	add_attachments(cx, node, &t, cs8);
	if (t.damage && !tw_cx_locating(cx))
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "TNEF stream damaged at byte %zu (%s); %zu attachment%s read before it",
			      t.damage_at, t.damage, t.natt, t.natt == 1 ? "" : "s");
	tnef_free(&t);
	return TRAWL_OK;
}

static int tnef_accepts(const char *mime, const char *ext,
			const unsigned char *data, size_t len)
{
	/* The signature decides: libmagic and names only hint. */
	return len >= 6 && tw_le32(data) == TNEF_SIGNATURE;
}

const tw_extractor tw_extractor_tnef = {
	"tnef", "email", tnef_accepts, tnef_extract, NULL,
};
