/*
 * msg.c - Outlook .msg messages: OLE2 compound files read with libgsf.
 *
 * A .msg holds one MAPI message as streams named "__substg1.0_IIIITTTT"
 * (property id, property type) plus the fixed-size properties in
 * "__properties_version1.0", with recipients and attachments in their own
 * storages.  We gather the fields (subject, sender, recipients, dates,
 * Message-ID, transport headers, plain/HTML/RTF bodies, attachments, and
 * embedded messages recursively), rebuild an RFC 5322 message from them
 * (mailbuild.c) and hand it to the email extractor on the same node: the
 * message gets the one mail model, and attachments become children located
 * "part:N" like those of any other email.
 *
 * Other OLE2 files (Word, Excel, PowerPoint...) are not ours: accepts()
 * peeks at the root storage for the .msg streams.  Every stream size comes
 * from the file, so reads are capped (max_item_bytes per stream), and the
 * recursion into embedded messages is bounded.
 */
#include <string.h>
#include <strings.h>

#include <gsf/gsf.h>
#include <gsf/gsf-infile-impl.h>

#include "extract/extract.h"
#include "extract/mailbuild.h"
#include "extract/le.h"
#include "extract/ole.h"

#define MAX_EMBED_DEPTH 8
#define MAX_RECIPIENTS 5000
#define MAX_ATTACHMENTS 2000

/* MAPI property types. */
#define PT_LONG    0x0003
#define PT_SYSTIME 0x0040
#define PT_STRING8 0x001E
#define PT_UNICODE 0x001F
#define PT_BINARY  0x0102
#define PT_OBJECT  0x000D

/*
 * gsf_infile_child_by_name() and _by_index() print a g_warning() (in no log
 * domain) for every child of a damaged file they cannot open; the class
 * methods they wrap report the same through a GError we can drop.
 */
static GsfInput *child_at(GsfInfile *dir, int i)
{
	GsfInfileClass *k = GSF_INFILE_CLASS(G_OBJECT_GET_CLASS(dir));
	GError *err = NULL;
	GsfInput *in = k->child_by_index ? k->child_by_index(dir, i, &err) : NULL;

	if (err) {
		g_error_free(err);
		if (in)
			g_object_unref(in);
		return NULL;
	}
	return in;
}

static GsfInput *child_named(GsfInfile *dir, const char *name)
{
	int i, n = gsf_infile_num_children(dir);

	for (i = 0; i < n && i < 100000; i++) {
		const char *cn = gsf_infile_name_by_index(dir, i);

		if (cn && strcmp(cn, name) == 0)
			return child_at(dir, i);
	}
	return NULL;
}

/* Child i of root when it is a storage whose name starts with `prefix`
 * (a recipient's or an attachment's; unref it), else NULL. */
static GsfInfile *sub_storage(GsfInfile *root, int i, const char *prefix)
{
	const char *name = gsf_infile_name_by_index(root, i);
	GsfInput *in;

	if (!name || strncmp(name, prefix, strlen(prefix)) != 0)
		return NULL;
	in = child_at(root, i);
	if (!in)
		return NULL;
	if (!GSF_IS_INFILE(in) || gsf_infile_num_children(GSF_INFILE(in)) < 0) {
		g_object_unref(in);
		return NULL;
	}
	return GSF_INFILE(in);
}

/* The root storage of the compound file, or NULL; call between
 * tw_ole_quiet() and tw_ole_loud(). */
static GsfInfile *open_ole(const unsigned char *data, size_t len)
{
	GsfInput *in;
	GsfInfile *ole;
	char why[128];

	/* gsf_init() is done there, once, before any extractor thread. */
	tw_extract_global_init();
	ole = tw_ole_open(data, len, &in, why, sizeof(why));
	if (ole)
		g_object_unref(in); /* the compound file keeps its own reference */
	return ole;
}

/* Non-zero when the storage looks like a MAPI message. */
static int is_message_storage(GsfInfile *dir)
{
	int i, n = gsf_infile_num_children(dir);

	for (i = 0; i < n && i < 100000; i++) {
		const char *name = gsf_infile_name_by_index(dir, i);

		if (name && (strcmp(name, "__properties_version1.0") == 0 ||
			     strncmp(name, "__substg1.0_", 12) == 0))
			return 1;
	}
	return 0;
}

static int msg_accepts(const char *mime, const char *ext,
		       const unsigned char *data, size_t len)
{
	static const unsigned char ole_magic[8] = {0xd0, 0xcf, 0x11, 0xe0,
						   0xa1, 0xb1, 0x1a, 0xe1};
	GsfInfile *ole;
	int yes;

	/* Whatever libmagic said about an OLE2 file: it names the type after
	 * the first stream it knows anywhere in the tree, so a message with
	 * an embedded workbook can come out as "application/vnd.ms-excel".
	 * The root storage decides. */
	if (!mime || len < 512 || memcmp(data, ole_magic, 8) != 0)
		return 0;
	tw_ole_quiet();
	ole = open_ole(data, len);
	if (!ole) {
		tw_ole_loud();
		/* Only the head of a large file: trust libmagic, which
		 * recognised the .msg directory. */
		return strcmp(mime, "application/vnd.ms-outlook") == 0;
	}
	yes = is_message_storage(ole);
	g_object_unref(ole);
	tw_ole_loud();
	return yes;
}

/* ---------------------------------------------------------------- properties */

struct msgx {
	tw_extract_ctx *cx;
	tw_node *node;
	size_t max;         /* bytes read from one stream */
	int truncated;      /* a stream was cut at max */
	int damaged;        /* a stream could not be read */
};

/* The fixed-size properties of one storage. */
struct fixed {
	unsigned char *data;
	size_t len, hdr;
};

/* Read a stream whole (up to x->max); NULL if absent or unreadable. */
static unsigned char *read_stream(struct msgx *x, GsfInfile *dir, const char *name,
				  size_t *len)
{
	GsfInput *s = child_named(dir, name);
	gsf_off_t size;
	unsigned char *buf;
	size_t n;

	if (!s)
		return NULL;
	if (GSF_IS_INFILE(s) && gsf_infile_num_children(GSF_INFILE(s)) >= 0) {
		g_object_unref(s);
		return NULL; /* a storage, not a stream */
	}
	size = gsf_input_size(s);
	if (size < 0) {
		g_object_unref(s);
		return NULL;
	}
	n = (size_t)size;
	if (n > x->max) {
		n = x->max;
		x->truncated = 1;
	}
	buf = tw_malloc(n + 2);
	if (!buf) {
		g_object_unref(s);
		return NULL;
	}
	if (n && !gsf_input_read(s, n, buf)) {
		x->damaged = 1;
		free(buf);
		g_object_unref(s);
		return NULL;
	}
	buf[n] = buf[n + 1] = 0;
	*len = n;
	g_object_unref(s);
	return buf;
}

static void fixed_load(struct msgx *x, GsfInfile *dir, size_t hdr, struct fixed *f)
{
	size_t max = x->max;

	memset(f, 0, sizeof(*f));
	x->max = max < (4u << 20) ? max : (4u << 20);
	f->data = read_stream(x, dir, "__properties_version1.0", &f->len);
	x->max = max;
	f->hdr = hdr;
}

/* Value of fixed property `id` with type `type`, from the 16-byte entries. */
static int fixed_get(const struct fixed *f, unsigned id, unsigned type, uint64_t *v)
{
	size_t off;

	if (!f->data)
		return 0;
	for (off = f->hdr; off + 16 <= f->len; off += 16) {
		uint32_t tag = tw_le32(f->data + off);

		if ((tag >> 16) == id && (tag & 0xffff) == type) {
			*v = tw_le64(f->data + off + 8);
			return 1;
		}
	}
	return 0;
}

/* A string property, from its Unicode or 8-bit stream, as UTF-8. */
static char *prop_string(struct msgx *x, GsfInfile *dir, unsigned id,
			 const char *charset8)
{
	char name[32];
	unsigned char *raw;
	size_t len = 0, ol;
	char *r;

	snprintf(name, sizeof(name), "__substg1.0_%04X%04X", id, PT_UNICODE);
	raw = read_stream(x, dir, name, &len);
	if (raw) {
		len &= ~(size_t)1;
		while (len >= 2 && raw[len - 1] == 0 && raw[len - 2] == 0)
			len -= 2;
		r = len ? tw_to_utf8((const char *)raw, len, "UTF-16LE", &ol) : NULL;
		free(raw);
		return r;
	}
	snprintf(name, sizeof(name), "__substg1.0_%04X%04X", id, PT_STRING8);
	raw = read_stream(x, dir, name, &len);
	if (!raw)
		return NULL;
	while (len && raw[len - 1] == 0)
		len--;
	r = len ? tw_to_utf8((const char *)raw, len, charset8, &ol) : NULL;
	free(raw);
	return r;
}

static unsigned char *prop_binary(struct msgx *x, GsfInfile *dir, unsigned id,
				  size_t *len)
{
	char name[32];

	snprintf(name, sizeof(name), "__substg1.0_%04X%04X", id, PT_BINARY);
	return read_stream(x, dir, name, len);
}

/* ---------------------------------------------------------------- building */

/* Everything built for one message, freed together. */
struct built {
	tw_mail m;
	char *strs[24];
	size_t nstrs;
	tw_mail_rcpt *rcpts;
	size_t nrcpts;
	tw_mail_att *atts;
	size_t natts;
	char **att_strs;    /* names, mimes and content ids of attachments */
	size_t natt_strs;
	unsigned char **att_data;
	size_t natt_data;
	const char *extra[4];
};

static char *keep(struct built *b, char *s)
{
	if (s && b->nstrs < TW_ARRAY_LEN(b->strs))
		b->strs[b->nstrs++] = s;
	else if (s) {
		free(s);
		return NULL;
	}
	return s;
}

/* Record memory an attachment entry points to, to free it with the rest.
 * Out of memory, it is leaked rather than freed while still in use. */
static void keep_att(struct built *b, char *s, unsigned char *d)
{
	if (s) {
		char **p = tw_realloc(b->att_strs, (b->natt_strs + 1) * sizeof(*p));

		if (p) {
			b->att_strs = p;
			p[b->natt_strs++] = s;
		}
	}
	if (d) {
		unsigned char **p = tw_realloc(b->att_data, (b->natt_data + 1) * sizeof(*p));

		if (p) {
			b->att_data = p;
			p[b->natt_data++] = d;
		}
	}
}

static void built_free(struct built *b)
{
	size_t i;

	for (i = 0; i < b->nstrs; i++)
		free(b->strs[i]);
	for (i = 0; i < b->nrcpts; i++) {
		free((char *)b->rcpts[i].name);
		free((char *)b->rcpts[i].addr);
	}
	free(b->rcpts);
	for (i = 0; i < b->natt_strs; i++)
		free(b->att_strs[i]);
	free(b->att_strs);
	for (i = 0; i < b->natt_data; i++)
		free(b->att_data[i]);
	free(b->att_data);
	free(b->atts);
}

static int addr_is_smtp(const char *type, const char *addr)
{
	if (!addr || !strchr(addr, '@') || addr[0] == '/')
		return 0;
	return !type || strcasecmp(type, "SMTP") == 0 || strcasecmp(type, "EX") != 0;
}

static void add_recipients(struct msgx *x, GsfInfile *root, struct built *b,
			   const char *cs8)
{
	int i, n = gsf_infile_num_children(root);

	for (i = 0; i < n && b->nrcpts < MAX_RECIPIENTS; i++) {
		GsfInfile *dir = sub_storage(root, i, "__recip_version1.0_");
		struct fixed f;
		uint64_t type = 1;
		char *rname, *addr, *atype;
		tw_mail_rcpt *r;

		if (!dir)
			continue;
		fixed_load(x, dir, 8, &f);
		fixed_get(&f, 0x0C15, PT_LONG, &type);
		free(f.data);
		rname = prop_string(x, dir, 0x3001, cs8);
		addr = prop_string(x, dir, 0x39FE, cs8); /* PR_SMTP_ADDRESS */
		atype = prop_string(x, dir, 0x3002, cs8);
		if (!addr) {
			addr = prop_string(x, dir, 0x3003, cs8);
			if (addr && !addr_is_smtp(atype, addr)) {
				free(addr);
				addr = NULL;
			}
		}
		free(atype);
		g_object_unref(dir);
		if (!rname && !addr)
			continue;
		r = tw_realloc(b->rcpts, (b->nrcpts + 1) * sizeof(*r));
		if (!r) {
			free(rname);
			free(addr);
			break;
		}
		b->rcpts = r;
		r[b->nrcpts].role = type == 2 ? TW_CC : type == 3 ? TW_BCC : TW_TO;
		r[b->nrcpts].name = rname;
		r[b->nrcpts].addr = addr;
		b->nrcpts++;
	}
}

static char *build_message(struct msgx *x, GsfInfile *dir, size_t hdr, int depth,
			   size_t *len);

/* Copy an OLE storage (an embedded OLE object) into a compound file of its
 * own, so that the document can be extracted like any other. */
static int copy_storage(struct msgx *x, GsfInfile *src, GsfOutfile *dst, int depth,
			size_t *budget)
{
	int i, n = gsf_infile_num_children(src);

	if (depth > 16)
		return -1;
	for (i = 0; i < n && i < 10000; i++) {
		const char *name = gsf_infile_name_by_index(src, i);
		GsfInput *in = child_at(src, i);
		GsfOutput *out;
		int is_dir;

		if (!in || !name) {
			if (in)
				g_object_unref(in);
			return -1;
		}
		is_dir = GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0;
		out = gsf_outfile_new_child(dst, name, is_dir);
		if (!out) {
			g_object_unref(in);
			return -1;
		}
		if (is_dir) {
			if (copy_storage(x, GSF_INFILE(in), GSF_OUTFILE(out), depth + 1,
					 budget) < 0) {
				gsf_output_close(out);
				g_object_unref(out);
				g_object_unref(in);
				return -1;
			}
		} else {
			gsf_off_t size = gsf_input_size(in);
			unsigned char chunk[4096];

			if (size < 0 || (uint64_t)size > *budget) {
				gsf_output_close(out);
				g_object_unref(out);
				g_object_unref(in);
				return -1;
			}
			*budget -= (size_t)size;
			while (size > 0) {
				size_t k = size > (gsf_off_t)sizeof(chunk) ? sizeof(chunk)
									   : (size_t)size;

				if (!gsf_input_read(in, k, chunk) ||
				    !gsf_output_write(out, k, chunk))
					break;
				size -= (gsf_off_t)k;
			}
		}
		gsf_output_close(out);
		g_object_unref(out);
		g_object_unref(in);
	}
	return 0;
}

static unsigned char *storage_to_ole(struct msgx *x, GsfInfile *dir, size_t *len)
{
	GsfOutput *mem = gsf_output_memory_new();
	GsfOutfile *ole;
	size_t budget = x->max;
	unsigned char *r = NULL;
	int ok;

	if (!mem)
		return NULL;
	ole = gsf_outfile_msole_new(mem);
	if (!ole) {
		g_object_unref(mem);
		return NULL;
	}
	ok = copy_storage(x, dir, ole, 0, &budget) == 0;
	/* Closing the compound file writes it out and closes its sink. */
	gsf_output_close(GSF_OUTPUT(ole));
	g_object_unref(ole);
	if (!gsf_output_is_closed(mem))
		gsf_output_close(mem);
	if (ok) {
		gsf_off_t n = gsf_output_size(mem);
		const guint8 *bytes = gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem));

		if (bytes && n > 0 && (r = tw_malloc((size_t)n))) {
			memcpy(r, bytes, (size_t)n);
			*len = (size_t)n;
		}
	}
	g_object_unref(mem);
	return r;
}

static void add_attachments(struct msgx *x, GsfInfile *root, struct built *b,
			    const char *cs8, int depth)
{
	int i, n = gsf_infile_num_children(root);

	for (i = 0; i < n && b->natts < MAX_ATTACHMENTS; i++) {
		GsfInput *obj;
		GsfInfile *dir;
		tw_mail_att *a, att;
		unsigned char *data = NULL;
		size_t len = 0;
		char *fname;
		struct fixed f;
		uint64_t method = 1;

		if (tw_cx_expired(x->cx))
			break;
		dir = sub_storage(root, i, "__attach_version1.0_");
		if (!dir)
			continue;
		memset(&att, 0, sizeof(att));
		fixed_load(x, dir, 8, &f);
		fixed_get(&f, 0x3705, PT_LONG, &method); /* PR_ATTACH_METHOD */
		free(f.data);
		fname = prop_string(x, dir, 0x3707, cs8);
		if (!fname)
			fname = prop_string(x, dir, 0x3704, cs8);
		if (!fname)
			fname = prop_string(x, dir, 0x3001, cs8);
		obj = child_named(dir, "__substg1.0_3701000D");
		if (obj && GSF_IS_INFILE(obj) &&
		    gsf_infile_num_children(GSF_INFILE(obj)) >= 0) {
			/* An embedded message, or an embedded OLE document. */
			if (method != 6 && is_message_storage(GSF_INFILE(obj))) {
				if (depth < MAX_EMBED_DEPTH)
					data = (unsigned char *)build_message(
						x, GSF_INFILE(obj), 24, depth + 1, &len);
				att.message = data != NULL;
				if (!data && !tw_cx_locating(x->cx))
					tw_node_error(x->node, TRAWL_ELIMIT, "limit",
						      "embedded message \"%s\" nested deeper than %d: not extracted",
						      fname ? fname : "(unnamed)",
						      MAX_EMBED_DEPTH);
			} else {
				data = storage_to_ole(x, GSF_INFILE(obj), &len);
			}
		} else {
			data = prop_binary(x, dir, 0x3701, &len);
		}
		if (obj)
			g_object_unref(obj);
		if (data || fname) {
			char *mime = prop_string(x, dir, 0x370E, cs8);
			char *cid = prop_string(x, dir, 0x3712, cs8);

			a = tw_realloc(b->atts, (b->natts + 1) * sizeof(*a));
			if (a) {
				b->atts = a;
				att.name = fname;
				att.mime = mime;
				att.content_id = cid;
				att.data = data ? data : (const unsigned char *)"";
				att.len = data ? len : 0;
				a[b->natts++] = att;
				keep_att(b, fname, data);
				keep_att(b, mime, NULL);
				keep_att(b, cid, NULL);
			} else {
				free(fname);
				free(data);
				free(mime);
				free(cid);
			}
		}
		g_object_unref(dir);
	}
}

/* A plain-text rendering for items that are not mail (contacts, tasks). */
static char *render_item(struct msgx *x, GsfInfile *dir, const char *cs8)
{
	static const struct {
		unsigned id;
		const char *label;
	} fields[] = {
		{0x3001, "Name"}, {0x3A06, "Given name"}, {0x3A11, "Surname"},
		{0x3A16, "Company"}, {0x3A17, "Job title"}, {0x3A18, "Department"},
		{0x3A08, "Business phone"}, {0x3A09, "Home phone"},
		{0x3A1C, "Mobile phone"}, {0x3A24, "Business fax"},
		{0x3A29, "Street"}, {0x3A27, "City"}, {0x3A28, "State"},
		{0x3A2A, "Postal code"}, {0x3A26, "Country"},
		{0x3A51, "Home page"}, {0x3003, "E-mail"}, {0x39FE, "E-mail"},
	};
	tw_buf b;
	size_t i;

	tw_buf_init(&b, 1u << 20);
	for (i = 0; i < TW_ARRAY_LEN(fields); i++) {
		char *v = prop_string(x, dir, fields[i].id, cs8);

		if (v) {
			tw_buf_printf(&b, "%s: %s\n", fields[i].label, v);
			free(v);
		}
	}
	return tw_buf_detach(&b, NULL);
}

/*
 * Build the RFC 5322 bytes of the message in storage `dir` (`hdr`: size of
 * the header of its property stream: 32 at the top, 24 when embedded).
 */
static char *build_message(struct msgx *x, GsfInfile *dir, size_t hdr, int depth,
			   size_t *len)
{
	struct built b;
	struct fixed f;
	uint64_t v;
	char cpbuf[24], hbuf[24], *cls, *html8 = NULL, *out;
	const char *cs8 = NULL, *html_cs = NULL;
	unsigned char *html = NULL, *rtf;
	size_t html_len = 0, rtf_len = 0;
	int64_t t;

	memset(&b, 0, sizeof(b));
	fixed_load(x, dir, hdr, &f);
	if (fixed_get(&f, 0x3FFD, PT_LONG, &v)) /* PR_MESSAGE_CODEPAGE */
		cs8 = tw_codepage_charset(v, cpbuf, sizeof(cpbuf));
	else if (fixed_get(&f, 0x3FDE, PT_LONG, &v)) /* PR_INTERNET_CPID */
		cs8 = tw_codepage_charset(v, cpbuf, sizeof(cpbuf));
	if (fixed_get(&f, 0x0039, PT_SYSTIME, &v) && tw_filetime_to_unix(v, &t)) {
		b.m.date = t;
		b.m.has_date = 1;
	} else if (fixed_get(&f, 0x0E06, PT_SYSTIME, &v) && tw_filetime_to_unix(v, &t)) {
		b.m.date = t;
		b.m.has_date = 1;
	}
	b.m.headers = keep(&b, prop_string(x, dir, 0x007D, cs8));
	b.m.subject = keep(&b, prop_string(x, dir, 0x0037, cs8));
	b.m.from_name = keep(&b, prop_string(x, dir, 0x0C1A, cs8));
	if (!b.m.from_name)
		b.m.from_name = keep(&b, prop_string(x, dir, 0x0042, cs8));
	{
		/* The sender's SMTP address; 0C1F is an Exchange DN when the
		 * address type (0C1E) is "EX". */
		char *a = prop_string(x, dir, 0x5D01, cs8);

		if (!a) {
			char *type = prop_string(x, dir, 0x0C1E, cs8);

			a = prop_string(x, dir, 0x0C1F, cs8);
			if (a && !addr_is_smtp(type, a)) {
				free(a);
				a = prop_string(x, dir, 0x5D02, cs8);
			}
			free(type);
		}
		if (a && !strchr(a, '@')) {
			free(a);
			a = NULL;
		}
		b.m.from_addr = keep(&b, a);
	}
	b.m.to = keep(&b, prop_string(x, dir, 0x0E04, cs8));
	b.m.cc = keep(&b, prop_string(x, dir, 0x0E03, cs8));
	b.m.bcc = keep(&b, prop_string(x, dir, 0x0E02, cs8));
	b.m.message_id = keep(&b, prop_string(x, dir, 0x1035, cs8));
	b.m.in_reply_to = keep(&b, prop_string(x, dir, 0x1042, cs8));
	b.m.references = keep(&b, prop_string(x, dir, 0x1039, cs8));
	b.m.body = keep(&b, prop_string(x, dir, 0x1000, cs8));
	b.m.body_len = b.m.body ? strlen(b.m.body) : 0;
	cls = keep(&b, prop_string(x, dir, 0x001A, cs8));
	if (cls) {
		b.extra[0] = "X-Outlook-Message-Class";
		b.extra[1] = cls;
		b.m.extra = b.extra;
		b.m.nextra = 1;
		if (depth == 0 && !tw_cx_locating(x->cx))
			tw_node_prop(x->node, "message_class", cls);
	}
	/* HTML: binary in the message's code page, or a string. */
	html = prop_binary(x, dir, 0x1013, &html_len);
	if (html) {
		if (fixed_get(&f, 0x3FDE, PT_LONG, &v))
			html_cs = tw_codepage_charset(v, hbuf, sizeof(hbuf));
		else
			html_cs = cs8;
		b.m.html = (const char *)html;
		b.m.html_len = html_len;
		b.m.html_charset = html_cs;
	} else if ((html8 = prop_string(x, dir, 0x1013, cs8))) {
		b.m.html = html8;
		b.m.html_len = strlen(html8);
	}
	free(f.data);
	add_recipients(x, dir, &b, cs8);
	b.m.rcpts = b.rcpts;
	b.m.nrcpts = b.nrcpts;
	add_attachments(x, dir, &b, cs8, depth);
	/* Only compressed RTF: hand it on as an attachment for the RTF
	 * extractor rather than lose the body. */
	rtf = NULL;
	if (!b.m.body_len && !b.m.html_len) {
		unsigned char *raw = prop_binary(x, dir, 0x1009, &rtf_len);

		if (raw) {
			rtf = tw_lzfu_decompress(raw, rtf_len, x->max, &rtf_len);
			free(raw);
		}
		if (rtf && rtf_len) {
			tw_mail_att *a = tw_realloc(b.atts, (b.natts + 1) * sizeof(*a));

			if (a) {
				b.atts = a;
				memset(&a[b.natts], 0, sizeof(*a));
				a[b.natts].name = "body.rtf";
				a[b.natts].mime = "application/rtf";
				a[b.natts].data = rtf;
				a[b.natts].len = rtf_len;
				b.natts++;
			}
		}
	}
	if (!b.m.body_len && !b.m.html_len && cls && strncasecmp(cls, "IPM.Note", 8) != 0) {
		char *r = keep(&b, render_item(x, dir, cs8));

		b.m.body = r;
		b.m.body_len = r ? strlen(r) : 0;
	}
	b.m.atts = b.atts;
	b.m.natts = b.natts;
	out = tw_mail_build(&b.m, len);
	free(html);
	free(html8);
	free(rtf);
	built_free(&b);
	return out;
}

static trawl_status msg_extract(tw_extract_ctx *cx, tw_node *node,
				const unsigned char *data, size_t len)
{
	struct msgx x;
	GsfInfile *ole;
	char *mail;
	size_t mlen = 0;
	trawl_status st;

	tw_ole_quiet();
	ole = open_ole(data, len);
	if (!ole) {
		tw_ole_loud();
		if (!tw_cx_locating(cx))
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "not a readable OLE2 compound file");
		return TRAWL_OK;
	}
	memset(&x, 0, sizeof(x));
	x.cx = cx;
	x.node = node;
	x.max = (size_t)tw_cx_limits(cx)->max_item_bytes;
	mail = build_message(&x, ole, 32, 0, &mlen);
	g_object_unref(ole);
	tw_ole_loud();
	if (!mail)
		return TRAWL_ENOMEM;
	if (!tw_cx_locating(cx)) {
		if (x.truncated)
			tw_node_error(node, TRAWL_ELIMIT, "limit",
				      "a property stream is larger than max_item_bytes (%zu): cut",
				      x.max);
		if (x.damaged)
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "some property streams of the message could not be read");
	}
	st = tw_extractor_email.extract(cx, node, (const unsigned char *)mail, mlen);
	node->type = "email";
	free(mail);
	return st;
}

const tw_extractor tw_extractor_msg = {
	"msg", "email", msg_accepts, msg_extract, NULL,
};
