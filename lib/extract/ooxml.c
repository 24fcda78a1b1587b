/*
 * ooxml.c - Office Open XML: DOCX, XLSX, PPTX and their macro-enabled and
 * template variants (docm, dotx, xlsm, xltx, pptm, potx ...).
 *
 * An OOXML file is a zip package of XML parts, read through the package
 * layer (package.c): parts are streamed from the decompressor, inflated
 * bytes are accounted against the container limits, and entities, DTDs and
 * the network are never touched.
 *
 * Text comes out in reading order: for DOCX the body, then headers,
 * footers, foot- and endnotes, comments and finally deleted (tracked) text;
 * for XLSX each sheet in workbook order under its name (xlsx.c); for PPTX
 * each slide followed by its speaker notes.  docProps/core.xml and app.xml
 * give the metadata.  Objects under the embeddings/ folders become
 * "attachment" children.  A part that does not parse is recorded as
 * corrupt and the other parts are still extracted.
 *
 * The relationship, numbered-part and text-walker helpers are shared with
 * xlsx.c through ooxml.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlreader.h>

#include "extract/package.h"
#include "extract/ooxml.h"

enum { K_NONE, K_DOCX, K_XLSX, K_PPTX };

/* ---------------------------------------------------------------- paths */

/* Decode %XX escapes of a part name in place. */
static void uri_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			char h[3] = {s[1], s[2], 0};

			*o++ = (char)strtol(h, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The part a relationship `target` names, relative to the part `source`
 * ("" for the package), with "." and ".." segments resolved.  Caller
 * frees. */
static char *resolve(const char *source, const char *target)
{
	const char *slash = strrchr(source, '/');
	char *buf, *s, *q;
	tw_buf out;

	if (!target)
		return NULL;
	if (*target == '/' || !slash)
		buf = tw_strdup(target);
	else
		buf = tw_asprintf("%.*s/%s", (int)(slash - source), source, target);
	if (!buf)
		return NULL;
	q = strpbrk(buf, "#?");
	if (q)
		*q = '\0';
	uri_decode(buf);
	tw_buf_init(&out, strlen(buf) + 1);
	for (s = buf; *s;) {
		size_t l = strcspn(s, "/");

		if (l == 0 || (l == 1 && s[0] == '.')) {
			/* empty or "." segment */
		} else if (l == 2 && s[0] == '.' && s[1] == '.') {
			char *up = out.data ? strrchr(out.data, '/') : NULL;

			out.len = up ? (size_t)(up - out.data) : 0;
			if (out.data)
				out.data[out.len] = '\0';
		} else {
			if (out.len)
				tw_buf_putc(&out, '/');
			tw_buf_append(&out, s, l);
		}
		s += l;
		if (*s)
			s++;
	}
	free(buf);
	if (!out.data)
		return tw_strdup("");
	return tw_buf_detach(&out, NULL);
}

/* "ppt/slides/slide1.xml" -> "ppt/slides/_rels/slide1.xml.rels" */
static char *rels_of(const char *part)
{
	const char *slash = strrchr(part, '/');

	if (!slash)
		return tw_asprintf("_rels/%s.rels", part);
	return tw_asprintf("%.*s/_rels/%s.rels", (int)(slash - part), part, slash + 1);
}

/* Order names the way people number them: "slide2" before "slide10". */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *ea = a, *eb = b;
			size_t la, lb;
			int c;

			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (ea = a; isdigit((unsigned char)*ea); ea++)
				;
			for (eb = b; isdigit((unsigned char)*eb); eb++)
				;
			la = (size_t)(ea - a);
			lb = (size_t)(eb - b);
			if (la != lb)
				return la < lb ? -1 : 1;
			c = strncmp(a, b, la);
			if (c)
				return c;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int natural_qsort(const void *a, const void *b)
{
	return natural_cmp(*(char *const *)a, *(char *const *)b);
}

const char **tw_ooxml_members_like(tw_pkg *p, const char *prefix, const char *suffix,
				   size_t *count)
{
	const char **v = tw_calloc(tw_pkg_count(p) + 1, sizeof(*v));
	size_t i, n = 0, pl = strlen(prefix), sl = strlen(suffix);

	*count = 0;
	if (!v)
		return NULL;
	for (i = 0; i < tw_pkg_count(p); i++) {
		const char *s = tw_pkg_name(p, i);
		size_t l = strlen(s), k;

		if (l < pl + sl || strncmp(s, prefix, pl) || strcmp(s + l - sl, suffix))
			continue;
		for (k = pl; k < l - sl && isdigit((unsigned char)s[k]); k++)
			;
		if (k != l - sl)
			continue;
		v[n++] = s;
	}
	qsort(v, n, sizeof(*v), natural_qsort);
	*count = n;
	return v;
}

/* ---------------------------------------------------------------- relationships */

void tw_ooxml_rels_free(tw_ooxml_rels *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].id);
		free(rs->v[i].type);
		free(rs->v[i].target);
	}
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

void tw_ooxml_rels_load(tw_pkg *p, const char *source, tw_ooxml_rels *rs)
{
	char *path = *source ? rels_of(source) : tw_strdup("_rels/.rels");
	size_t cap = 0;
	tw_xs *x;
	int rc;

	memset(rs, 0, sizeof(*rs));
	x = path ? tw_xs_open(p, path) : NULL;
	free(path);
	if (!x)
		return;
	while ((rc = tw_xs_next(x)) == 1) {
		xmlTextReaderPtr r = tw_xs_reader(x);
		char *mode, *target;
		tw_ooxml_rel *nv;

		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
		    strcmp((const char *)xmlTextReaderConstLocalName(r), "Relationship"))
			continue;
		mode = tw_xs_attr(x, "TargetMode", "");
		if (mode && !strcasecmp(mode, "External")) {
			free(mode);
			continue;
		}
		free(mode);
		if (rs->n >= 100000)
			break;
		if (rs->n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = tw_realloc(rs->v, cap * sizeof(*nv));
			if (!nv)
				break;
			rs->v = nv;
		}
		target = tw_xs_attr(x, "Target", "");
		rs->v[rs->n].id = tw_xs_attr(x, "Id", "");
		rs->v[rs->n].type = tw_xs_attr(x, "Type", "");
		rs->v[rs->n].target = resolve(source, target);
		free(target);
		if (!rs->v[rs->n].id || !rs->v[rs->n].type || !rs->v[rs->n].target) {
			free(rs->v[rs->n].id);
			free(rs->v[rs->n].type);
			free(rs->v[rs->n].target);
			continue;
		}
		rs->n++;
	}
	tw_xs_close(x, rc);
}

const char *tw_ooxml_rel_by_id(const tw_ooxml_rels *rs, const char *id)
{
	size_t i;

	for (i = 0; id && i < rs->n; i++)
		if (strcmp(rs->v[i].id, id) == 0)
			return rs->v[i].target;
	return NULL;
}

const char *tw_ooxml_rel_by_type(const tw_ooxml_rels *rs, const char *suffix)
{
	size_t i, sl = strlen(suffix);

	for (i = 0; i < rs->n; i++) {
		size_t tl = strlen(rs->v[i].type);

		if (tl > sl && rs->v[i].type[tl - sl - 1] == '/' &&
		    strcmp(rs->v[i].type + tl - sl, suffix) == 0)
			return rs->v[i].target;
	}
	return NULL;
}

/* ---------------------------------------------------------------- properties */

/* Children of the root of docProps/core.xml or app.xml, as props. */
static void props_load(tw_pkg *p, const char *part)
{
	static const struct {
		const char *elem, *key;
		int date;
	} map[] = {
		{"title", "title", 0},
		{"creator", "author", 0},
		{"lastModifiedBy", "last_modified_by", 0},
		{"created", "created", 1},
		{"modified", "modified", 1},
		{"subject", "subject", 0},
		{"keywords", "keywords", 0},
		{"Company", "company", 0},
		{"Application", "creator", 0},
		{"Pages", "pages", 0},
		{"Words", "words", 0},
	};
	tw_xs *x = tw_xs_open(p, part);
	xmlTextReaderPtr r;
	tw_buf val;
	int cur = -1, rc;

	if (!x)
		return;
	r = tw_xs_reader(x);
	tw_buf_init(&val, 4096);
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(r);
		size_t i, n;
		const char *t;

		if (type == XML_READER_TYPE_ELEMENT) {
			const char *ln = (const char *)xmlTextReaderConstLocalName(r);

			if (xmlTextReaderDepth(r) != 1)
				continue;
			cur = -1;
			tw_buf_reset(&val);
			for (i = 0; i < TW_ARRAY_LEN(map); i++)
				if (!strcmp(ln, map[i].elem))
					cur = (int)i;
			if (cur < 0)
				tw_xs_skip(x);
			else if (xmlTextReaderIsEmptyElement(r))
				cur = -1;
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			char iso[32];

			if (cur < 0 || xmlTextReaderDepth(r) != 1)
				continue;
			if (val.data) {
				/* Trim: values are single lines. */
				char *s = val.data, *e = val.data + val.len;

				while (s < e && isspace((unsigned char)*s))
					s++;
				while (e > s && isspace((unsigned char)e[-1]))
					*--e = '\0';
				if (map[cur].date) {
					if (tw_iso_date(s, iso) == 0)
						tw_node_prop(tw_pkg_node(p), map[cur].key, iso);
				} else if (*s) {
					tw_node_prop(tw_pkg_node(p), map[cur].key, s);
				}
			}
			cur = -1;
		} else if (cur >= 0 && (t = tw_xs_text(x, &n))) {
			tw_buf_append(&val, t, n);
		}
	}
	tw_buf_release(&val);
	tw_xs_close(x, rc);
}

/* ---------------------------------------------------------------- WordprocessingML / DrawingML */

int tw_ooxml_is_pr(const char *s)
{
	size_t l = strlen(s);

	return l >= 2 && s[l - 2] == 'P' && s[l - 1] == 'r';
}

/*
 * Text of a WordprocessingML or DrawingML part: runs of w:t / a:t / m:t,
 * with tabs, breaks, paragraphs and table structure.  Property subtrees
 * (*Pr), field instructions, and the fallback copies of mc:AlternateContent
 * are skipped so that nothing is counted twice.
 */
trawl_status tw_ooxml_walk_part(tw_pkg *p, const char *part, tw_ooxml_walk *w)
{
	tw_xs *x = tw_xs_open(p, part);
	xmlTextReaderPtr r;
	int rc;

	if (!x)
		return TRAWL_OK;
	r = tw_xs_reader(x);
	w->in_t = w->in_del = w->cells = 0;
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);
		const char *t;
		size_t n;

		if (type == XML_READER_TYPE_ELEMENT) {
			int empty = xmlTextReaderIsEmptyElement(r);

			switch (ln[0]) {
			case 't':
				if (!strcmp(ln, "t")) {
					w->in_t = !empty;
					continue;
				}
				if (!strcmp(ln, "tab")) {
					tw_out_sep(w->out, SEP_TAB);
					continue;
				}
				if (!strcmp(ln, "tc") && !empty)
					w->cells++;
				break;
			case 'd':
				if (!strcmp(ln, "delText")) {
					w->in_del = !empty;
					continue;
				}
				if (!strcmp(ln, "delInstrText")) {
					tw_xs_skip(x);
					continue;
				}
				break;
			case 'b':
			case 'c':
				if (!strcmp(ln, "br") || !strcmp(ln, "cr")) {
					tw_out_sep(w->out, SEP_LINE);
					continue;
				}
				if (w->comments && !strcmp(ln, "comment")) {
					char *a = tw_xs_attr(x, "author", NULL);

					tw_out_sep(w->out, SEP_LINE);
					if (a && *a) {
						tw_out_puts(w->out, a);
						tw_out_puts(w->out, ": ");
					}
					free(a);
				}
				break;
			case 'f':
				if (!strcmp(ln, "fld")) {
					char *ft = tw_xs_attr(x, "type", "");

					if (ft && !strcmp(ft, "slidenum"))
						tw_xs_skip(x);
					free(ft);
					continue;
				}
				if (!strcmp(ln, "footnote") || !strcmp(ln, "endnote"))
					tw_out_sep(w->out, SEP_LINE);
				break;
			case 'i':
				if (!strcmp(ln, "instrText")) {
					tw_xs_skip(x);
					continue;
				}
				break;
			case 'n':
				if (!strcmp(ln, "noBreakHyphen"))
					tw_out_puts(w->out, "-");
				break;
			case 'p':
				if (!strcmp(ln, "ptab"))
					tw_out_sep(w->out, SEP_TAB);
				break;
			case 'F':
				if (!strcmp(ln, "Fallback")) {
					tw_xs_skip(x);
					continue;
				}
				break;
			}
			if (tw_ooxml_is_pr(ln))
				tw_xs_skip(x);
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (!strcmp(ln, "t")) {
				w->in_t = 0;
			} else if (!strcmp(ln, "delText")) {
				w->in_del = 0;
			} else if (!strcmp(ln, "p")) {
				tw_out_sep(w->out, w->cells ? SEP_SPACE : SEP_LINE);
				if (w->del)
					tw_out_sep(w->del, SEP_LINE);
			} else if (!strcmp(ln, "tc")) {
				if (w->cells)
					w->cells--;
				tw_out_sep(w->out, SEP_TAB);
			} else if (!strcmp(ln, "tr") || !strcmp(ln, "tbl") ||
				   !strcmp(ln, "sp") || !strcmp(ln, "txbxContent")) {
				tw_out_sep(w->out, SEP_LINE);
			} else if (w->comments && !strcmp(ln, "comment")) {
				tw_out_sep(w->out, SEP_LINE);
			}
		} else if ((t = tw_xs_text(x, &n))) {
			if (w->in_t)
				tw_out_text(w->out, t, n);
			else if (w->in_del && w->del)
				tw_out_text(w->del, t, n);
		}
		if (tw_out_full(w->out))
			break;
	}
	return tw_xs_close(x, rc);
}

/* ---------------------------------------------------------------- DOCX */

static void docx_extract(tw_pkg *p, const char *main_part, tw_out *out)
{
	static const char *const sections[] = {"header", "footer"};
	tw_buf deleted;
	tw_out *del;
	tw_ooxml_walk w;
	char dir[TW_PKG_NAME_MAX + 2];
	const char *slash = strrchr(main_part, '/');
	size_t i, k, n;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - main_part + 1) : 0,
		 main_part);
	tw_buf_init(&deleted, tw_pkg_node(p)->text.max);
	del = tw_out_new(tw_pkg_node(p), &deleted);
	memset(&w, 0, sizeof(w));
	w.out = out;
	w.del = del;
	tw_ooxml_walk_part(p, main_part, &w);

	for (k = 0; k < TW_ARRAY_LEN(sections) && !tw_out_full(out); k++) {
		char prefix[TW_PKG_NAME_MAX + 16];
		const char **parts;

		snprintf(prefix, sizeof(prefix), "%s%s", dir, sections[k]);
		parts = tw_ooxml_members_like(p, prefix, ".xml", &n);
		for (i = 0; parts && i < n && !tw_out_full(out); i++) {
			tw_out_sep(out, SEP_PARA);
			tw_ooxml_walk_part(p, parts[i], &w);
		}
		free(parts);
	}
	{
		static const char *const notes[] = {"footnotes.xml", "endnotes.xml"};
		char part[TW_PKG_NAME_MAX + 32];

		for (k = 0; k < TW_ARRAY_LEN(notes) && !tw_out_full(out); k++) {
			snprintf(part, sizeof(part), "%s%s", dir, notes[k]);
			tw_out_sep(out, SEP_PARA);
			tw_ooxml_walk_part(p, part, &w);
		}
		snprintf(part, sizeof(part), "%scomments.xml", dir);
		if (tw_pkg_find(p, part) >= 0 && !tw_out_full(out)) {
			tw_out_sep(out, SEP_PARA);
			tw_out_puts(out, "Comments:");
			tw_out_sep(out, SEP_LINE);
			w.comments = 1;
			tw_ooxml_walk_part(p, part, &w);
			w.comments = 0;
		}
	}
	tw_out_free(del);
	if (deleted.len && !tw_out_full(out)) {
		tw_out_sep(out, SEP_PARA);
		tw_out_puts(out, "Deleted text:");
		tw_out_sep(out, SEP_LINE);
		tw_out_text(out, deleted.data, deleted.len);
	}
	tw_buf_release(&deleted);
}

/* ---------------------------------------------------------------- PPTX */

static void slide_extract(tw_pkg *p, const char *slide, tw_out *out)
{
	tw_ooxml_walk w;
	tw_ooxml_rels rs;
	const char *notes;

	memset(&w, 0, sizeof(w));
	w.out = out;
	tw_out_sep(out, SEP_PARA);
	tw_ooxml_walk_part(p, slide, &w);
	tw_ooxml_rels_load(p, slide, &rs);
	notes = tw_ooxml_rel_by_type(&rs, "notesSlide");
	if (notes && tw_pkg_find(p, notes) >= 0 && !tw_out_full(out)) {
		tw_out_sep(out, SEP_PARA);
		tw_out_puts(out, "Notes:");
		tw_out_sep(out, SEP_LINE);
		tw_ooxml_walk_part(p, notes, &w);
	}
	tw_ooxml_rels_free(&rs);
}

static void pptx_extract(tw_pkg *p, const char *main_part, tw_out *out)
{
	tw_ooxml_rels rs;
	tw_xs *x;
	size_t nslides = 0, i, n;
	char **order = NULL;
	size_t norder = 0, cap = 0;
	int rc;

	/* Slide order first: the slides are parsed after the presentation
	 * part is closed. */
	tw_ooxml_rels_load(p, main_part, &rs);
	x = tw_xs_open(p, main_part);
	if (x) {
		xmlTextReaderPtr r = tw_xs_reader(x);

		while ((rc = tw_xs_next(x)) == 1) {
			const char *ln;
			char *id;
			const char *target;

			if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
				continue;
			ln = (const char *)xmlTextReaderConstLocalName(r);
			if (strcmp(ln, "sldId")) {
				if (!strcmp(ln, "extLst") || !strcmp(ln, "defaultTextStyle") ||
				    !strcmp(ln, "notesMasterIdLst") || !strcmp(ln, "sldMasterIdLst"))
					tw_xs_skip(x);
				continue;
			}
			id = tw_xs_attr(x, "id", "relationships");
			target = tw_ooxml_rel_by_id(&rs, id);
			free(id);
			if (!target || norder >= 100000)
				continue;
			if (norder == cap) {
				char **no;

				cap = cap ? cap * 2 : 32;
				no = tw_realloc(order, cap * sizeof(*no));
				if (!no)
					break;
				order = no;
			}
			order[norder] = tw_strdup(target);
			if (order[norder])
				norder++;
		}
		tw_xs_close(x, rc);
	}
	if (norder) {
		for (i = 0; i < norder && !tw_out_full(out) && !tw_pkg_stopped(p); i++) {
			if (tw_pkg_find(p, order[i]) < 0)
				continue;
			nslides++;
			slide_extract(p, order[i], out);
		}
	} else {
		/* No usable slide list: take the slide parts in number order. */
		const char **parts = tw_ooxml_members_like(p, "ppt/slides/slide", ".xml", &n);

		for (i = 0; parts && i < n && !tw_out_full(out) && !tw_pkg_stopped(p); i++) {
			nslides++;
			slide_extract(p, parts[i], out);
		}
		free(parts);
	}
	if (nslides)
		tw_node_propf(tw_pkg_node(p), "slides", "%zu", nslides);
	for (i = 0; i < norder; i++)
		free(order[i]);
	free(order);
	tw_ooxml_rels_free(&rs);
}

/* ---------------------------------------------------------------- detection */

static const char *const ooxml_exts[] = {
	"docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm", "xlam",
	"pptx", "pptm", "potx", "potm", "ppsx", "ppsm",
};

/* MIME types libmagic gives to packages (macro-enabled ones included). */
static const char *const ooxml_mimes[] = {
	"application/vnd.openxmlformats-officedocument.",
	"application/vnd.ms-word.document.macroenabled",
	"application/vnd.ms-word.template.macroenabled",
	"application/vnd.ms-excel.sheet.macroenabled",
	"application/vnd.ms-excel.template.macroenabled",
	"application/vnd.ms-excel.addin.macroenabled",
	"application/vnd.ms-powerpoint.presentation.macroenabled",
	"application/vnd.ms-powerpoint.slideshow.macroenabled",
	"application/vnd.ms-powerpoint.template.macroenabled",
};

struct scan_state {
	int content_types, main;
};

static int ooxml_scan_fn(const char *name, size_t len, void *ud)
{
	struct scan_state *s = ud;

	if (len == 19 && !memcmp(name, "[Content_Types].xml", 19))
		s->content_types = 1;
	else if ((len > 5 && !memcmp(name, "word/", 5)) ||
		 (len > 3 && !memcmp(name, "xl/", 3)) ||
		 (len > 4 && !memcmp(name, "ppt/", 4)))
		s->main = 1;
	return s->content_types && s->main;
}

static int ooxml_accepts(const char *mime, const char *ext,
			 const unsigned char *data, size_t len)
{
	struct scan_state s = {0, 0};
	size_t i;
	int r;

	if (len < 4 || memcmp(data, "PK\003\004", 4) != 0 || !mime)
		return 0;
	for (i = 0; i < TW_ARRAY_LEN(ooxml_mimes); i++)
		if (!strncasecmp(mime, ooxml_mimes[i], strlen(ooxml_mimes[i])))
			return 1;
	if (strcmp(mime, "application/zip") && strcmp(mime, "application/octet-stream") &&
	    strcmp(mime, "application/x-zip-compressed") &&
	    strcmp(mime, "application/x-zip"))
		return 0;
	/* libmagic only recognises packages whose first member is
	 * [Content_Types].xml: look at the central directory. */
	r = tw_zip_scan(data, len, ooxml_scan_fn, &s);
	if (r > 0)
		return 1;
	if (r == 0)
		return 0; /* a readable zip that is not a package */
	/* No central directory (truncated?): trust the name, or the head. */
	for (i = 0; ext && i < TW_ARRAY_LEN(ooxml_exts); i++)
		if (!strcmp(ext, ooxml_exts[i]))
			return 1;
	return memmem(data, len < 65536 ? len : 65536, "[Content_Types].xml", 19) != NULL;
}

/* ---------------------------------------------------------------- extraction */

static trawl_status ooxml_extract(tw_extract_ctx *cx, tw_node *node,
				  const unsigned char *data, size_t len)
{
	static const char *const embeddings[] = {
		"word/embeddings/", "xl/embeddings/", "ppt/embeddings/",
	};
	static const struct {
		const char *def;
		int kind;
		const char *type, *mime;
	} kinds[] = {
		{"word/document.xml", K_DOCX, "word",
		 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"xl/workbook.xml", K_XLSX, "spreadsheet",
		 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"ppt/presentation.xml", K_PPTX, "presentation",
		 "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	};
	tw_pkg *p = tw_pkg_open(cx, node, data, len);
	tw_ooxml_rels rs;
	const char *main_part = NULL;
	tw_out *out;
	size_t k;
	int kind = K_NONE, stopped;

	if (!p)
		return TRAWL_OK;
	tw_ooxml_rels_load(p, "", &rs);
	main_part = tw_ooxml_rel_by_type(&rs, "officeDocument");
	for (k = 0; k < TW_ARRAY_LEN(kinds) && main_part; k++) {
		size_t dl = strcspn(kinds[k].def, "/") + 1;

		if (!strncmp(main_part, kinds[k].def, dl))
			kind = kinds[k].kind;
	}
	if (!kind || tw_pkg_find(p, main_part) < 0) {
		kind = K_NONE;
		main_part = NULL;
		for (k = 0; k < TW_ARRAY_LEN(kinds) && !kind; k++) {
			if (tw_pkg_find(p, kinds[k].def) >= 0) {
				kind = kinds[k].kind;
				main_part = kinds[k].def;
			}
		}
	}
	if (!tw_cx_locating(cx)) {
		for (k = 0; k < TW_ARRAY_LEN(kinds); k++) {
			if (kinds[k].kind != kind)
				continue;
			node->type = kinds[k].type;
			if (!node->mime || !strstr(node->mime, "officedocument")) {
				free(node->mime);
				node->mime = tw_strdup(kinds[k].mime);
			}
		}
		props_load(p, "docProps/core.xml");
		props_load(p, "docProps/app.xml");
		out = tw_out_new(node, NULL);
		if (!kind) {
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "not an Office Open XML document: no word/document.xml, xl/workbook.xml or ppt/presentation.xml part");
		} else if (strlen(main_part) > 4 &&
			   !strcmp(main_part + strlen(main_part) - 4, ".bin")) {
			tw_node_error(node, TRAWL_EUNSUPPORTED, "parse",
				      "binary Office workbook (%s) is not supported", main_part);
		} else if (out) {
			if (kind == K_DOCX)
				docx_extract(p, main_part, out);
			else if (kind == K_XLSX)
				tw_xlsx_extract(p, main_part, out);
			else
				pptx_extract(p, main_part, out);
		}
		tw_out_free(out);
	}
	if (!tw_pkg_stopped(p))
		tw_pkg_children(p, embeddings, TW_ARRAY_LEN(embeddings), 0);
	if (kind == K_DOCX && !tw_pkg_stopped(p)) {
		/* Alternative-format chunks (HTML, MHT, RTF, text imported as
		 * they are) hold body text of their own. */
		tw_ooxml_rels dr;
		char *chunks[64];
		size_t n = 0;

		tw_ooxml_rels_load(p, main_part, &dr);
		for (k = 0; k < dr.n && n < TW_ARRAY_LEN(chunks); k++) {
			size_t tl = strlen(dr.v[k].type);

			if (tl >= 8 && !strcasecmp(dr.v[k].type + tl - 8, "/aFChunk"))
				chunks[n++] = dr.v[k].target;
		}
		tw_pkg_children_named(p, chunks, n);
		tw_ooxml_rels_free(&dr);
	}
	tw_ooxml_rels_free(&rs);
	stopped = tw_pkg_stopped(p);
	tw_pkg_close(p);
	return stopped ? TRAWL_ELIMIT : TRAWL_OK;
}

const tw_extractor tw_extractor_ooxml = {
	"ooxml", NULL, ooxml_accepts, ooxml_extract, NULL,
};
