/*
 * xlsx.c - SpreadsheetML workbooks (XLSX, XLSM, XLTX ...), the spreadsheet
 * kind of the OOXML packages that ooxml.c opens and dispatches.
 *
 * Each sheet comes out in workbook order under its name, cells separated
 * by tabs and rows by newlines, shared strings resolved and numbers in
 * date formats (built-in or custom, from the styles part) written as ISO
 * dates; then the cell comments.  Parts are streamed (package.c): a large
 * sheet never becomes a tree, and shared strings and cells are capped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlreader.h>

#include "extract/package.h"
#include "extract/ooxml.h"

#define SST_MAX_BYTES (64u << 20)
#define SST_MAX_STRINGS 4000000u
#define CELL_MAX 32768

struct xlsx {
	tw_pkg *p;
	tw_out *out;
	/* shared strings: NUL-separated in `chars`, starting at off[i] */
	tw_buf chars;
	size_t *off, nstr, capstr;
	/* styles: whether cell format i shows a date */
	unsigned char *xf_date;
	size_t nxf;
	int date1904;
};

static void sst_load(struct xlsx *xl, const char *part)
{
	tw_xs *x = tw_xs_open(xl->p, part);
	xmlTextReaderPtr r;
	int rc, in_si = 0, in_t = 0;

	tw_buf_init(&xl->chars, SST_MAX_BYTES);
	if (!x)
		return;
	r = tw_xs_reader(x);
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);
		const char *t;
		size_t n;

		if (type == XML_READER_TYPE_ELEMENT) {
			int empty = xmlTextReaderIsEmptyElement(r);

			if (!strcmp(ln, "si")) {
				if (xl->nstr >= SST_MAX_STRINGS) {
					tw_node_error(tw_pkg_node(xl->p), TRAWL_ELIMIT, "limit",
						      "%s: more than %u shared strings; the rest were dropped",
						      part, SST_MAX_STRINGS);
					break;
				}
				if (xl->nstr == xl->capstr) {
					size_t cap = xl->capstr ? xl->capstr * 2 : 1024;
					size_t *no = tw_realloc(xl->off, cap * sizeof(*no));

					if (!no)
						break;
					xl->off = no;
					xl->capstr = cap;
				}
				xl->off[xl->nstr++] = xl->chars.len;
				in_si = !empty;
				if (empty)
					tw_buf_putc(&xl->chars, '\0');
			} else if (!strcmp(ln, "rPh") || !strcmp(ln, "phoneticPr")) {
				tw_xs_skip(x);
			} else if (in_si && !strcmp(ln, "t")) {
				in_t = !empty;
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (!strcmp(ln, "t")) {
				in_t = 0;
			} else if (!strcmp(ln, "si")) {
				in_si = 0;
				tw_buf_putc(&xl->chars, '\0');
			}
		} else if (in_t && (t = tw_xs_text(x, &n))) {
			tw_buf_append(&xl->chars, t, n);
		}
		if (xl->chars.truncated) {
			tw_node_error(tw_pkg_node(xl->p), TRAWL_ELIMIT, "limit",
				      "%s: shared strings beyond %u MiB were dropped", part,
				      SST_MAX_BYTES >> 20);
			/* The last string may be cut anywhere: drop it. */
			xl->nstr--;
			break;
		}
	}
	tw_xs_close(x, rc);
}

static const char *sst_get(const struct xlsx *xl, const char *v)
{
	char *end;
	long i = strtol(v, &end, 10);

	if (end == v || i < 0 || (size_t)i >= xl->nstr || !xl->chars.data)
		return "";
	return xl->chars.data + xl->off[i];
}

static int builtin_date_fmt(long id)
{
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) ||
	       (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

/* A custom number format shows a date or time when it has d, m, y, h or s
 * outside quotes, escapes, and [colour]/[$locale] brackets.  Elapsed-time
 * formats ([h]:mm) are durations, not dates. */
static int custom_date_fmt(const char *f)
{
	int quoted = 0;

	for (; *f; f++) {
		char c = *f;

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted)
			continue;
		if (c == '\\' || c == '_' || c == '*') {
			if (f[1])
				f++;
			continue;
		}
		if (c == '[') {
			const char *e = strchr(f, ']');

			if (!e)
				return 0;
			if (strchr("hHmMsS", f[1]))
				return 0;
			f = e;
			continue;
		}
		if (strchr("dDmMyYhHsS", c))
			return 1;
	}
	return 0;
}

static void styles_load(struct xlsx *xl, const char *part)
{
	tw_xs *x = tw_xs_open(xl->p, part);
	xmlTextReaderPtr r;
	long *custom = NULL; /* ids of custom date formats */
	long *xfid = NULL;
	size_t ncustom = 0, capcustom = 0, capxf = 0, i, j;
	int rc, in_xfs = 0;

	if (!x)
		return;
	r = tw_xs_reader(x);
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);

		if (type == XML_READER_TYPE_END_ELEMENT && !strcmp(ln, "cellXfs"))
			in_xfs = 0;
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (!strcmp(ln, "cellXfs")) {
			in_xfs = !xmlTextReaderIsEmptyElement(r);
		} else if (!strcmp(ln, "numFmt")) {
			char *id = tw_xs_attr(x, "numFmtId", "");
			char *code = tw_xs_attr(x, "formatCode", "");

			if (id && code && custom_date_fmt(code) && ncustom < 100000) {
				if (ncustom == capcustom) {
					size_t cap = capcustom ? capcustom * 2 : 16;
					long *nc = tw_realloc(custom, cap * sizeof(*nc));

					if (nc) {
						custom = nc;
						capcustom = cap;
					}
				}
				if (ncustom < capcustom)
					custom[ncustom++] = strtol(id, NULL, 10);
			}
			free(id);
			free(code);
		} else if (in_xfs && !strcmp(ln, "xf")) {
			char *id = tw_xs_attr(x, "numFmtId", "");

			if (xl->nxf < 1000000) {
				if (xl->nxf == capxf) {
					size_t cap = capxf ? capxf * 2 : 64;
					long *nx = tw_realloc(xfid, cap * sizeof(*nx));

					if (nx) {
						xfid = nx;
						capxf = cap;
					}
				}
				if (xl->nxf < capxf)
					xfid[xl->nxf++] = id ? strtol(id, NULL, 10) : 0;
			}
			free(id);
			tw_xs_skip(x);
		} else if (!strcmp(ln, "extLst") || !strcmp(ln, "fonts") ||
			   !strcmp(ln, "fills") || !strcmp(ln, "borders") ||
			   !strcmp(ln, "dxfs") || !strcmp(ln, "cellStyles")) {
			tw_xs_skip(x);
		}
	}
	tw_xs_close(x, rc);
	xl->xf_date = xl->nxf ? tw_calloc(xl->nxf, 1) : NULL;
	for (i = 0; xl->xf_date && i < xl->nxf; i++) {
		int d = builtin_date_fmt(xfid[i]);

		for (j = 0; !d && j < ncustom; j++)
			d = custom[j] == xfid[i];
		xl->xf_date[i] = (unsigned char)d;
	}
	if (!xl->xf_date)
		xl->nxf = 0;
	free(custom);
	free(xfid);
}

/* A date serial as an ISO date (and time when it has one).  Returns 0 when
 * the number does not make a date. */
static int serial_to_iso(double v, int date1904, char *out, size_t outlen)
{
	double days, frac;
	long long secs;
	unsigned y, mo, d, hh, mm, ss;
	time_t t;
	struct tm tm;

	if (!isfinite(v) || v < 0 || v >= 2958466.0)
		return 0;
	if (date1904)
		v += 1462; /* same day in the 1900 system */
	days = floor(v);
	frac = v - days;
	secs = llround(frac * 86400.0);
	if (secs >= 86400) {
		days += 1;
		secs -= 86400;
	}
	hh = (unsigned)(secs / 3600) % 24u;
	mm = (unsigned)(secs / 60 % 60);
	ss = (unsigned)(secs % 60);
	if (days < 1) {
		snprintf(out, outlen, "%02u:%02u:%02u", hh, mm, ss);
		return 1;
	}
	/* 1900 is taken as a leap year: serial 60 is 1900-02-29, which did
	 * not exist; serials after it count from 1899-12-30. */
	if (days >= 61)
		t = (time_t)((long long)days - 25569) * 86400;
	else if (days == 60)
		t = (time_t)(59 - 25568) * 86400;
	else
		t = (time_t)((long long)days - 25568) * 86400;
	if (!gmtime_r(&t, &tm))
		return 0;
	y = (unsigned)(tm.tm_year + 1900) % 10000u;
	mo = (unsigned)(tm.tm_mon + 1) % 100u;
	d = (unsigned)tm.tm_mday % 100u;
	if (secs)
		snprintf(out, outlen, "%04u-%02u-%02uT%02u:%02u:%02u", y, mo, d, hh, mm, ss);
	else
		snprintf(out, outlen, "%04u-%02u-%02u", y, mo, d);
	return 1;
}

static void cell_emit(struct xlsx *xl, const char *t, long style, tw_buf *val)
{
	const char *v = val->data ? val->data : "";
	char iso[48];

	if (!t || !strcmp(t, "n")) {
		char *end;
		double d;

		if (!*v)
			return;
		d = strtod(v, &end);
		if (style >= 0 && (size_t)style < xl->nxf && xl->xf_date[style] &&
		    end != v && !*end &&
		    serial_to_iso(d, xl->date1904, iso, sizeof(iso)))
			v = iso;
	} else if (!strcmp(t, "s")) {
		v = sst_get(xl, v);
	} else if (!strcmp(t, "b")) {
		v = !strcmp(v, "1") || !strcasecmp(v, "true") ? "TRUE" : "FALSE";
	}
	/* "str", "inlineStr", "e" and "d" are written as they are. */
	if (!*v)
		return;
	tw_out_sep(xl->out, SEP_TAB);
	tw_out_puts(xl->out, v);
}

static void sheet_walk(struct xlsx *xl, const char *part)
{
	tw_xs *x = tw_xs_open(xl->p, part);
	xmlTextReaderPtr r;
	tw_buf val;
	char *ctype = NULL;
	long style = -1;
	int rc, in_c = 0, in_v = 0, in_is = 0, in_t = 0;

	if (!x)
		return;
	r = tw_xs_reader(x);
	tw_buf_init(&val, CELL_MAX);
	while ((rc = tw_xs_next(x)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);
		const char *t;
		size_t n;

		if (type == XML_READER_TYPE_ELEMENT) {
			int empty = xmlTextReaderIsEmptyElement(r);

			if (!strcmp(ln, "c")) {
				char *s = tw_xs_attr(x, "s", "");

				free(ctype);
				ctype = tw_xs_attr(x, "t", "");
				style = s ? strtol(s, NULL, 10) : -1;
				free(s);
				tw_buf_reset(&val);
				in_c = !empty;
			} else if (in_c && !strcmp(ln, "v")) {
				in_v = !empty;
			} else if (in_c && !strcmp(ln, "is")) {
				in_is = !empty;
			} else if (in_is && !strcmp(ln, "t")) {
				in_t = !empty;
			} else if (!strcmp(ln, "row")) {
				tw_out_sep(xl->out, SEP_LINE);
			} else if (!strcmp(ln, "f") || !strcmp(ln, "rPh") ||
				   !strcmp(ln, "extLst") || tw_ooxml_is_pr(ln) ||
				   !strcmp(ln, "cols") || !strcmp(ln, "conditionalFormatting") ||
				   !strcmp(ln, "dataValidations")) {
				tw_xs_skip(x);
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (!strcmp(ln, "v")) {
				in_v = 0;
			} else if (!strcmp(ln, "t")) {
				in_t = 0;
			} else if (!strcmp(ln, "is")) {
				in_is = 0;
			} else if (!strcmp(ln, "c")) {
				cell_emit(xl, ctype, style, &val);
				in_c = in_v = in_is = in_t = 0;
			}
		} else if ((in_v || in_t) && (t = tw_xs_text(x, &n))) {
			tw_buf_append(&val, t, n);
		}
		if (tw_out_full(xl->out))
			break;
	}
	if (in_c)
		cell_emit(xl, ctype, style, &val);
	free(ctype);
	tw_buf_release(&val);
	tw_xs_close(x, rc);
}

void tw_xlsx_extract(tw_pkg *p, const char *main_part, tw_out *out)
{
	struct xlsx xl;
	tw_ooxml_rels rs;
	tw_xs *x;
	const char *part;
	size_t nsheets = 0, i, n;
	int rc;

	memset(&xl, 0, sizeof(xl));
	xl.p = p;
	xl.out = out;
	tw_ooxml_rels_load(p, main_part, &rs);
	part = tw_ooxml_rel_by_type(&rs, "sharedStrings");
	sst_load(&xl, part ? part : "xl/sharedStrings.xml");
	part = tw_ooxml_rel_by_type(&rs, "styles");
	styles_load(&xl, part ? part : "xl/styles.xml");

	x = tw_xs_open(p, main_part);
	if (x) {
		xmlTextReaderPtr r = tw_xs_reader(x);

		while ((rc = tw_xs_next(x)) == 1 && !tw_out_full(out)) {
			const char *ln;

			if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
				continue;
			ln = (const char *)xmlTextReaderConstLocalName(r);
			if (!strcmp(ln, "workbookPr")) {
				char *d = tw_xs_attr(x, "date1904", "");

				xl.date1904 = d && (!strcmp(d, "1") || !strcasecmp(d, "true"));
				free(d);
			} else if (!strcmp(ln, "sheet")) {
				char *name = tw_xs_attr(x, "name", "");
				char *id = tw_xs_attr(x, "id", "relationships");
				const char *target = tw_ooxml_rel_by_id(&rs, id);

				nsheets++;
				tw_out_sep(out, SEP_PARA);
				if (name)
					tw_out_puts(out, name);
				tw_out_sep(out, SEP_LINE);
				/* The workbook is still open on another reader: the
				 * sheet gets its own. */
				if (target)
					sheet_walk(&xl, target);
				free(name);
				free(id);
			} else if (!strcmp(ln, "definedNames") || !strcmp(ln, "extLst")) {
				tw_xs_skip(x);
			}
		}
		tw_xs_close(x, rc);
	}
	if (nsheets)
		tw_node_propf(tw_pkg_node(p), "sheets", "%zu", nsheets);

	/* Cell comments, after the sheets. */
	{
		const char **parts = tw_ooxml_members_like(p, "xl/comments", ".xml", &n);
		tw_ooxml_walk w;

		memset(&w, 0, sizeof(w));
		w.out = out;
		if (parts && n && !tw_out_full(out)) {
			tw_out_sep(out, SEP_PARA);
			tw_out_puts(out, "Comments:");
			tw_out_sep(out, SEP_LINE);
			for (i = 0; i < n && !tw_out_full(out); i++) {
				tw_out_sep(out, SEP_LINE);
				tw_ooxml_walk_part(p, parts[i], &w);
			}
		}
		free(parts);
	}
	tw_ooxml_rels_free(&rs);
	tw_buf_release(&xl.chars);
	free(xl.off);
	free(xl.xf_date);
}
