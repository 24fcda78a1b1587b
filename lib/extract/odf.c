/*
 * odf.c - OpenDocument: ODT, ODS, ODP, ODG and their templates, packaged
 * (zip) or flat (.fodt, .fods, .fodp, .fodg single XML file).
 *
 * A package is read with the same zip and streaming-XML helpers as OOXML
 * (package.c): content.xml gives the text, in document order, with table
 * cells separated by tabs and rows by newlines, each ODS sheet under its
 * name and each ODP slide under its name followed by its speaker notes;
 * the master pages of styles.xml give the headers and footers; meta.xml
 * gives the metadata.  Entities are never substituted.
 *
 * A package whose META-INF/manifest.xml carries encryption data holds its
 * parts encrypted with a password: the item is kept, what is not
 * encrypted (usually meta.xml) is extracted, and the encryption is
 * recorded.  Embedded objects stored as "Object N" files become
 * "attachment" children.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlreader.h>

#include "extract/extract.h"

#include "extract/package.h"

#define NS_OFFICE ":office:"
#define NS_TABLE ":table:"
#define NS_DRAW ":drawing:"
#define NS_TEXT ":text:"
#define NS_META ":meta:"
#define NS_MANIFEST ":manifest:"

enum { PART_ALL, PART_MASTER, PART_META };

struct odf {
	tw_node *node;
	tw_out *out;
	int mode;          /* PART_*: what this part contributes */
	int in_par;        /* open text:p / text:h */
	int cells;         /* open table cells */
	int in_sheets;     /* inside office:spreadsheet */
	int tables;        /* open tables */
	int in_master;     /* inside style:master-page */
	int in_meta;       /* inside office:meta */
	int meta_cur;      /* index in meta_map of the element being read */
	size_t sheets, slides;
	tw_buf val, keywords;
};

static const struct {
	const char *elem, *key;
	int date;
} meta_map[] = {
	{"title", "title", 0},
	{"initial-creator", "author", 0},
	{"creator", "last_modified_by", 0},
	{"creation-date", "created", 1},
	{"date", "modified", 1},
	{"generator", "creator", 0},
	{"subject", "subject", 0},
	{"keyword", "keywords", 0},
};

static int ns_is(xmlTextReaderPtr r, const char *frag)
{
	const char *uri = (const char *)xmlTextReaderConstNamespaceUri(r);

	return uri && strstr(uri, frag) != NULL;
}

/* ODF collapses white space inside paragraphs (text:s and text:tab carry
 * the significant ones): runs become one space; indentation-only nodes of
 * pretty-printed files disappear. */
static void put_text(struct odf *o, const char *t, size_t n)
{
	char buf[4096];
	size_t i, k = 0;
	int sp = 0, nl = 0, other = 0;

	for (i = 0; i < n; i++) {
		if (t[i] == '\n' || t[i] == '\r')
			nl = 1;
		else if (t[i] != ' ' && t[i] != '\t')
			other = 1;
	}
	if (!other && nl)
		return;
	for (i = 0; i < n; i++) {
		char c = t[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (sp)
				continue;
			sp = 1;
			c = ' ';
		} else {
			sp = 0;
		}
		buf[k++] = c;
		if (k == sizeof(buf)) {
			tw_out_text(o->out, buf, k);
			k = 0;
		}
	}
	tw_out_text(o->out, buf, k);
}

static void meta_element(struct odf *o, tw_xs *x, const char *ln)
{
	xmlTextReaderPtr r = tw_xs_reader(x);
	size_t i;

	o->meta_cur = -1;
	if (!strcmp(ln, "document-statistic")) {
		char *pc = tw_xs_attr(x, "page-count", NS_META);
		char *wc = tw_xs_attr(x, "word-count", NS_META);

		if (pc)
			tw_node_prop(o->node, "pages", pc);
		if (wc)
			tw_node_prop(o->node, "words", wc);
		free(pc);
		free(wc);
		return;
	}
	if (xmlTextReaderIsEmptyElement(r))
		return;
	for (i = 0; i < TW_ARRAY_LEN(meta_map); i++)
		if (!strcmp(ln, meta_map[i].elem))
			o->meta_cur = (int)i;
	tw_buf_reset(&o->val);
}

static void meta_end(struct odf *o)
{
	char iso[32];
	char *s, *e;

	if (o->meta_cur < 0 || !o->val.data)
		goto done;
	s = o->val.data;
	e = s + o->val.len;
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (!*s)
		goto done;
	if (!strcmp(meta_map[o->meta_cur].key, "keywords")) {
		if (o->keywords.len)
			tw_buf_puts(&o->keywords, ", ");
		tw_buf_puts(&o->keywords, s);
	} else if (meta_map[o->meta_cur].date) {
		if (tw_iso_date(s, iso) == 0)
			tw_node_prop(o->node, meta_map[o->meta_cur].key, iso);
	} else {
		tw_node_prop(o->node, meta_map[o->meta_cur].key, s);
	}
done:
	o->meta_cur = -1;
}

static int skipped(const char *ln)
{
	static const char *const skip[] = {
		"automatic-styles", "styles", "font-face-decls", "scripts",
		"forms", "settings", "sequence-decls", "variable-decls",
		"user-field-decls", "dde-connection-decls", "named-expressions",
		"database-ranges", "content-validations", "calculation-settings",
	};
	size_t i;

	for (i = 0; i < TW_ARRAY_LEN(skip); i++)
		if (!strcmp(ln, skip[i]))
			return 1;
	return 0;
}

static void odf_element(struct odf *o, tw_xs *x)
{
	xmlTextReaderPtr r = tw_xs_reader(x);
	const char *ln = (const char *)xmlTextReaderConstLocalName(r);
	int empty = xmlTextReaderIsEmptyElement(r);

	if (o->in_meta) {
		meta_element(o, x, ln);
		return;
	}
	if (!strcmp(ln, "meta") && ns_is(r, NS_OFFICE)) {
		o->in_meta = !empty;
		return;
	}
	if (o->mode == PART_META)
		return;
	if (ns_is(r, NS_OFFICE) && skipped(ln)) {
		tw_xs_skip(x);
		return;
	}
	if (!strcmp(ln, "master-page")) {
		if (!empty)
			o->in_master++;
		return;
	}
	if (o->mode == PART_MASTER && !o->in_master)
		return;
	switch (ln[0]) {
	case 'p':
	case 'h':
		if ((!strcmp(ln, "p") || !strcmp(ln, "h")) && ns_is(r, NS_TEXT)) {
			if (!empty)
				o->in_par++;
			else
				tw_out_sep(o->out, o->cells ? SEP_SPACE : SEP_LINE);
		} else if (!strcmp(ln, "page") && ns_is(r, NS_DRAW)) {
			char *name = tw_xs_attr(x, "name", NS_DRAW);

			o->slides++;
			tw_out_sep(o->out, SEP_PARA);
			if (name)
				tw_out_puts(o->out, name);
			tw_out_sep(o->out, SEP_LINE);
			free(name);
		}
		break;
	case 's':
		if (!strcmp(ln, "s") && ns_is(r, NS_TEXT) && o->in_par) {
			char *c = tw_xs_attr(x, "c", NS_TEXT);
			long k = c ? strtol(c, NULL, 10) : 1;
			char sp[64];

			if (k < 1)
				k = 1;
			if (k > (long)sizeof(sp))
				k = (long)sizeof(sp);
			memset(sp, ' ', (size_t)k);
			tw_out_text(o->out, sp, (size_t)k);
			free(c);
		} else if (!strcmp(ln, "spreadsheet") && ns_is(r, NS_OFFICE)) {
			o->in_sheets = !empty;
		}
		break;
	case 't':
		if (!strcmp(ln, "tab") && ns_is(r, NS_TEXT)) {
			tw_out_sep(o->out, SEP_TAB);
		} else if (!strcmp(ln, "table") && ns_is(r, NS_TABLE)) {
			if (o->in_sheets && !o->tables) {
				char *name = tw_xs_attr(x, "name", NS_TABLE);

				o->sheets++;
				tw_out_sep(o->out, SEP_PARA);
				if (name)
					tw_out_puts(o->out, name);
				free(name);
			}
			tw_out_sep(o->out, SEP_LINE);
			if (!empty)
				o->tables++;
		} else if ((!strcmp(ln, "table-cell") || !strcmp(ln, "covered-table-cell")) &&
			   !empty) {
			o->cells++;
		} else if (!strcmp(ln, "table-row")) {
			tw_out_sep(o->out, SEP_LINE);
		} else if (!strcmp(ln, "tracked-changes")) {
			/* Deleted text sits here, ahead of the body. */
			tw_out_sep(o->out, SEP_PARA);
		}
		break;
	case 'l':
		if (!strcmp(ln, "line-break"))
			tw_out_sep(o->out, SEP_LINE);
		break;
	case 'n':
		if (!strcmp(ln, "notes") && !empty) {
			tw_out_sep(o->out, SEP_PARA);
			tw_out_puts(o->out, "Notes:");
			tw_out_sep(o->out, SEP_LINE);
		}
		break;
	}
}

static void odf_end(struct odf *o, tw_xs *x)
{
	xmlTextReaderPtr r = tw_xs_reader(x);
	const char *ln = (const char *)xmlTextReaderConstLocalName(r);

	if (o->in_meta) {
		if (!strcmp(ln, "meta") && ns_is(r, NS_OFFICE))
			o->in_meta = 0;
		else
			meta_end(o);
		return;
	}
	if (!strcmp(ln, "p") || !strcmp(ln, "h")) {
		if (o->in_par)
			o->in_par--;
		tw_out_sep(o->out, o->cells ? SEP_SPACE : SEP_LINE);
	} else if (!strcmp(ln, "table-cell") || !strcmp(ln, "covered-table-cell")) {
		if (o->cells)
			o->cells--;
		tw_out_sep(o->out, SEP_TAB);
	} else if (!strcmp(ln, "table-row")) {
		tw_out_sep(o->out, SEP_LINE);
	} else if (!strcmp(ln, "table")) {
		if (o->tables)
			o->tables--;
		tw_out_sep(o->out, SEP_LINE);
	} else if (!strcmp(ln, "spreadsheet")) {
		o->in_sheets = 0;
	} else if (!strcmp(ln, "master-page")) {
		if (o->in_master)
			o->in_master--;
		tw_out_sep(o->out, SEP_PARA);
	} else if (!strcmp(ln, "frame") || !strcmp(ln, "list-item") ||
		   !strcmp(ln, "note") || !strcmp(ln, "annotation")) {
		tw_out_sep(o->out, SEP_LINE);
	}
}

static trawl_status odf_walk(struct odf *o, tw_xs *x, int mode)
{
	int rc;

	if (!x)
		return TRAWL_OK;
	o->mode = mode;
	o->in_par = o->cells = o->in_sheets = o->tables = 0;
	o->in_master = o->in_meta = 0;
	o->meta_cur = -1;
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(tw_xs_reader(x));
		const char *t;
		size_t n;

		if (type == XML_READER_TYPE_ELEMENT)
			odf_element(o, x);
		else if (type == XML_READER_TYPE_END_ELEMENT)
			odf_end(o, x);
		else if ((t = tw_xs_text(x, &n))) {
			if (o->in_meta) {
				if (o->meta_cur >= 0)
					tw_buf_append(&o->val, t, n);
			} else if (o->in_par && (o->mode == PART_ALL || o->in_master)) {
				put_text(o, t, n);
			}
		}
		if (tw_out_full(o->out))
			break;
	}
	return tw_xs_close(x, rc);
}

/* ---------------------------------------------------------------- manifest */

enum { ENC_CONTENT = 1, ENC_META = 2, ENC_STYLES = 4, ENC_ANY = 8 };

static int manifest_encryption(tw_pkg *p)
{
	tw_xs *x = tw_xs_open(p, "META-INF/manifest.xml");
	char *path = NULL;
	int rc, enc = 0;

	if (!x)
		return 0;
	while ((rc = tw_xs_next(x)) == 1) {
		xmlTextReaderPtr r = tw_xs_reader(x);
		const char *ln;

		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
			continue;
		ln = (const char *)xmlTextReaderConstLocalName(r);
		if (!strcmp(ln, "file-entry")) {
			free(path);
			path = tw_xs_attr(x, "full-path", NS_MANIFEST);
		} else if (!strcmp(ln, "encryption-data")) {
			enc |= ENC_ANY;
			if (path && !strcmp(path, "content.xml"))
				enc |= ENC_CONTENT;
			else if (path && !strcmp(path, "meta.xml"))
				enc |= ENC_META;
			else if (path && !strcmp(path, "styles.xml"))
				enc |= ENC_STYLES;
		}
	}
	free(path);
	tw_xs_close(x, rc);
	return enc;
}

/* ---------------------------------------------------------------- detection */

static const char *const odf_exts[] = {
	"odt", "ods", "odp", "odg", "ott", "ots", "otp", "otg", "odm", "odc", "odf",
};
static const char *const flat_exts[] = {"fodt", "fods", "fodp", "fodg"};

static int in_list(const char *ext, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; ext && i < n; i++)
		if (!strcmp(ext, list[i]))
			return 1;
	return 0;
}

static int odf_scan_fn(const char *name, size_t len, void *ud)
{
	(void)ud;
	return len == 11 && !memcmp(name, "content.xml", 11);
}

static int is_zip(const unsigned char *d, size_t n)
{
	return n >= 4 && memcmp(d, "PK\003\004", 4) == 0;
}

/* The "mimetype" member stored first, as ODF requires. */
static int has_mimetype(const unsigned char *d, size_t n)
{
	static const char odf[] = "application/vnd.oasis.opendocument.";

	return n > 38 + sizeof(odf) && !memcmp(d + 30, "mimetype", 8) &&
	       !memcmp(d + 38, odf, sizeof(odf) - 1);
}

static int odf_accepts(const char *mime, const char *ext,
		       const unsigned char *data, size_t len)
{
	int r;

	if (!mime)
		return 0;
	if (!strncmp(mime, "application/vnd.oasis.opendocument.", 35))
		return is_zip(data, len) || memmem(data, len < 4096 ? len : 4096,
						   "office:document", 15) != NULL;
	if (in_list(ext, flat_exts, TW_ARRAY_LEN(flat_exts)))
		return (!strcmp(mime, "text/xml") || !strcmp(mime, "application/xml") ||
			!strcmp(mime, "text/plain")) &&
		       memmem(data, len < 4096 ? len : 4096, "office:document", 15) != NULL;
	if (!is_zip(data, len) ||
	    (strcmp(mime, "application/zip") && strcmp(mime, "application/octet-stream") &&
	     strcmp(mime, "application/x-zip-compressed")))
		return 0;
	if (has_mimetype(data, len))
		return 1;
	if (!in_list(ext, odf_exts, TW_ARRAY_LEN(odf_exts)))
		return 0;
	r = tw_zip_scan(data, len, odf_scan_fn, NULL);
	return r != 0; /* content.xml found, or no directory to tell */
}

/* ---------------------------------------------------------------- extraction */

static void set_type(tw_node *node, const char *mime)
{
	if (!mime)
		return;
	if (strstr(mime, "opendocument.text"))
		node->type = "word";
	else if (strstr(mime, "opendocument.spreadsheet"))
		node->type = "spreadsheet";
	else if (strstr(mime, "opendocument.presentation"))
		node->type = "presentation";
}

static void finish(struct odf *o)
{
	if (o->keywords.len)
		tw_node_prop(o->node, "keywords", o->keywords.data);
	if (o->sheets)
		tw_node_propf(o->node, "sheets", "%zu", o->sheets);
	if (o->slides)
		tw_node_propf(o->node, "slides", "%zu", o->slides);
}

static trawl_status odf_flat(tw_extract_ctx *cx, tw_node *node,
			     const unsigned char *data, size_t len, struct odf *o)
{
	trawl_status st;

	st = odf_walk(o, tw_xs_open_mem(cx, node, node->name ? node->name : "flat ODF",
					data, len), PART_ALL);
	return st == TRAWL_ELIMIT ? TRAWL_ELIMIT : TRAWL_OK;
}

static trawl_status odf_package(tw_extract_ctx *cx, tw_node *node,
				const unsigned char *data, size_t len, struct odf *o)
{
	static const char *const objects[] = {"Object "};
	tw_pkg *p = tw_pkg_open(cx, node, data, len);
	long mt;
	int enc, stopped;

	if (!p)
		return TRAWL_OK;
	if (tw_cx_locating(cx)) {
		tw_pkg_children(p, objects, TW_ARRAY_LEN(objects), 1);
		tw_pkg_close(p);
		return TRAWL_OK;
	}
	mt = tw_pkg_find(p, "mimetype");
	if (mt >= 0) {
		trawl_status st;
		size_t n;
		char *m = (char *)tw_pkg_read(p, (size_t)mt, 200, &n, &st);

		if (m && !strncmp(m, "application/vnd.oasis.opendocument.", 35) &&
		    !strchr(m, '\n') && (!node->mime || strcmp(node->mime, m))) {
			free(node->mime);
			node->mime = tw_strdup(m);
		}
		free(m);
	}
	set_type(node, node->mime);
	enc = manifest_encryption(p);
	if (enc & ENC_ANY)
		tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
			      "OpenDocument file is encrypted with a password: its %s cannot be read",
			      enc & ENC_CONTENT ? "content" : "encrypted parts");
	if (!(enc & ENC_META))
		odf_walk(o, tw_xs_open(p, "meta.xml"), PART_META);
	if (!(enc & ENC_CONTENT)) {
		if (tw_pkg_find(p, "content.xml") < 0 && !tw_pkg_stopped(p))
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "OpenDocument package has no content.xml");
		odf_walk(o, tw_xs_open(p, "content.xml"), PART_ALL);
	}
	if (!(enc & ENC_STYLES) && !tw_out_full(o->out)) {
		tw_out_sep(o->out, SEP_PARA);
		odf_walk(o, tw_xs_open(p, "styles.xml"), PART_MASTER);
	}
	tw_out_free(o->out);
	o->out = NULL;
	finish(o);
	if (!tw_pkg_stopped(p))
		tw_pkg_children(p, objects, TW_ARRAY_LEN(objects), 1);
	stopped = tw_pkg_stopped(p);
	tw_pkg_close(p);
	return stopped ? TRAWL_ELIMIT : TRAWL_OK;
}

static trawl_status odf_extract(tw_extract_ctx *cx, tw_node *node,
				const unsigned char *data, size_t len)
{
	struct odf o;
	trawl_status st;

	memset(&o, 0, sizeof(o));
	o.node = node;
	o.meta_cur = -1;
	tw_buf_init(&o.val, 65536);
	tw_buf_init(&o.keywords, 65536);
	if (is_zip(data, len)) {
		o.out = tw_out_new(node, NULL);
		st = o.out ? odf_package(cx, node, data, len, &o) : TRAWL_ENOMEM;
	} else if (tw_cx_locating(cx)) {
		st = TRAWL_OK;
	} else {
		static const struct {
			const char *ext, *mime;
		} flat[] = {
			{"fodt", "application/vnd.oasis.opendocument.text-flat-xml"},
			{"fods", "application/vnd.oasis.opendocument.spreadsheet-flat-xml"},
			{"fodp", "application/vnd.oasis.opendocument.presentation-flat-xml"},
			{"fodg", "application/vnd.oasis.opendocument.graphics-flat-xml"},
		};
		size_t i;

		for (i = 0; node->ext && i < TW_ARRAY_LEN(flat); i++) {
			if (!strcmp(node->ext, flat[i].ext) &&
			    (!node->mime || !strstr(node->mime, "opendocument"))) {
				free(node->mime);
				node->mime = tw_strdup(flat[i].mime);
			}
		}
		set_type(node, node->mime);
		o.out = tw_out_new(node, NULL);
		st = o.out ? odf_flat(cx, node, data, len, &o) : TRAWL_ENOMEM;
		tw_out_free(o.out);
		o.out = NULL;
		finish(&o);
	}
	tw_out_free(o.out);
	tw_buf_release(&o.val);
	tw_buf_release(&o.keywords);
	return st;
}

const tw_extractor tw_extractor_odf = {
	"odf", NULL, odf_accepts, odf_extract, NULL,
};
