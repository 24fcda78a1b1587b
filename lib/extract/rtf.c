/*
 * rtf.c - Rich Text Format to text, by hand.
 *
 * There is no maintained C library in Debian that reads RTF, and the format
 * is simple enough: a stream of control words, control symbols, groups and
 * bytes.  This file tokenises it with a bounded group stack (a document
 * nested deeper than RTF_MAX_DEPTH is recorded as corrupt and keeps the text
 * read so far), keeps the body text, headers, footers, footnotes and field
 * results, and skips the destinations a reader never shows (font and colour
 * tables, style sheets, pictures, field instructions, anything behind \*
 * that is not understood).  The \info group gives title, author and dates.
 *
 * Bytes (literal or \'hh) are in the code page of the current font
 * (\fcharset in the font table) or of the document (\ansicpg); runs of them
 * are converted with iconv, so double-byte code pages work when the two
 * halves of a character follow each other.  \uN characters are taken as
 * UTF-16 code units (surrogate pairs joined) and the \ucN fallback bytes
 * after them are skipped.
 *
 * Outlook's HTML encapsulated in RTF (\fromhtml1) is turned back into HTML
 * (the \*\htmltag groups plus the text outside \htmlrtf blocks, as in
 * [MS-OXRTFEX]) and then into text with the HTML extractor's converter.
 *
 * Embedded OLE objects (\objdata) become "attachment" children: the OLE1
 * header is read and its native data (or, for a "Package", the packaged
 * file) is handed to the framework.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "extract/le.h"
#include "extract/ole.h"

#define RTF_MAX_DEPTH 1024      /* groups open at once */
#define RTF_MAX_FONTS 4096      /* font table entries kept */
#define RTF_FONT_HASH 8192      /* open addressing, twice RTF_MAX_FONTS */
#define RTF_PROP_MAX 2048       /* bytes kept of one \info field */
#define RTF_MAX_OBJECTS 1000    /* \objdata children */
#define RTF_PEND 4096           /* bytes converted in one go */
#define RTF_ICONV_CACHE 4

/* What the text of the current group is for. */
enum dest {
	D_TEXT,     /* body text */
	D_SKIP,     /* an ignored destination */
	D_FONTTBL,  /* font table: only \fN, \fcharsetN, \cpgN matter */
	D_INFO,     /* \info: only its sub-destinations matter */
	D_TITLE,
	D_SUBJECT,
	D_AUTHOR,
	D_OPERATOR,
	D_COMPANY,
	D_GENERATOR,
	D_CREATIM,
	D_REVTIM,
	D_OBJDATA,
	D_HTMLTAG,
	D_NDEST
};

/* Per-group state, saved on '{' and restored on '}'. */
struct rstate {
	unsigned char dest;
	unsigned char uc;      /* \ucN: fallback characters after \uN */
	unsigned char htmlrtf; /* inside \htmlrtf: RTF-only rendering of HTML */
	int font;              /* \fN in force, -1 for none */
};

struct font {
	int num, cp;
};

struct rtime {
	int yr, mo, dy, hr, min;
};

struct rtf {
	tw_extract_ctx *cx;
	tw_node *node;
	const unsigned char *p, *end;
	struct rstate st;
	struct rstate *stack;
	int depth;
	int star;           /* the last token was \* at the start of a group */
	int at_start;       /* no token yet in this group but \* */
	int fromhtml;
	int doc_cp, deff;
	int tbl_font;       /* font being defined in the font table */
	int skip;           /* fallback characters still to skip after \uN */
	unsigned hi;        /* pending high surrogate, 0 for none */
	int stopped;        /* a limit or corruption ended the parse */

	struct font *fonts; /* hash of font number -> code page */
	size_t nfonts;
	int cache_font, cache_cp, font_ver, cache_ver;

	/* bytes waiting for conversion, all in one code page and target */
	unsigned char pend[RTF_PEND];
	size_t npend;
	int pend_cp;
	tw_buf *pend_to;
	struct {
		int cp;
		iconv_t cd;
	} ic[RTF_ICONV_CACHE];
	int nic;

	tw_buf text, html;
	tw_buf prop[D_NDEST];
	struct rtime tm[2];
	int pages, words;
	unsigned long nobjects;
	tw_buf objdata;
};

/* ---------------------------------------------------------------- code pages */

static int charset_cp(int charset, int doc_cp)
{
	switch (charset) {
	case 77: return 10000;
	case 128: return 932;
	case 129: return 949;
	case 130: return 1361;
	case 134: return 936;
	case 136: return 950;
	case 161: return 1253;
	case 162: return 1254;
	case 163: return 1258;
	case 177: return 1255;
	case 178: return 1256;
	case 186: return 1257;
	case 204: return 1251;
	case 222: return 874;
	case 238: return 1250;
	case 255: return 437;
	default: return doc_cp; /* 0 ANSI, 1 default, 2 symbol */
	}
}

static unsigned font_slot(int num)
{
	return ((unsigned)num * 2654435761u) % RTF_FONT_HASH;
}

static struct font *font_find(struct rtf *r, int num, int add)
{
	unsigned i, k;

	if (!r->fonts) {
		if (!add)
			return NULL;
		r->fonts = tw_calloc(RTF_FONT_HASH, sizeof(*r->fonts));
		if (!r->fonts)
			return NULL;
		for (i = 0; i < RTF_FONT_HASH; i++)
			r->fonts[i].num = -1;
	}
	for (i = font_slot(num), k = 0; k < RTF_FONT_HASH;
	     i = (i + 1) % RTF_FONT_HASH, k++) {
		if (r->fonts[i].num == num)
			return &r->fonts[i];
		if (r->fonts[i].num == -1)
			break;
	}
	if (!add || k == RTF_FONT_HASH || r->nfonts >= RTF_MAX_FONTS || num < 0)
		return NULL;
	r->fonts[i].num = num;
	r->fonts[i].cp = 0;
	r->nfonts++;
	return &r->fonts[i];
}

/* The code page bytes of the current group are in. */
static int current_cp(struct rtf *r)
{
	int f = r->st.font >= 0 ? r->st.font : r->deff;
	struct font *e;

	if (f == r->cache_font && r->cache_ver == r->font_ver)
		return r->cache_cp;
	e = f >= 0 ? font_find(r, f, 0) : NULL;
	r->cache_font = f;
	r->cache_ver = r->font_ver;
	r->cache_cp = e && e->cp ? e->cp : r->doc_cp;
	return r->cache_cp;
}

static iconv_t cp_iconv(struct rtf *r, int cp)
{
	char name[32];
	iconv_t cd;
	int i;

	for (i = 0; i < r->nic; i++)
		if (r->ic[i].cp == cp)
			return r->ic[i].cd;
	switch (cp) {
	case 10000: snprintf(name, sizeof(name), "MACINTOSH"); break;
	case 1361: snprintf(name, sizeof(name), "JOHAB"); break;
	case 65001: snprintf(name, sizeof(name), "UTF-8"); break;
	default: snprintf(name, sizeof(name), "CP%d", cp); break;
	}
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1 && cp != 1252)
		return cp_iconv(r, 1252); /* unknown code page: best guess */
	if (cd == (iconv_t)-1)
		return cd;
	if (r->nic == RTF_ICONV_CACHE) {
		iconv_close(r->ic[0].cd);
		memmove(r->ic, r->ic + 1, sizeof(r->ic[0]) * (RTF_ICONV_CACHE - 1));
		r->nic--;
	}
	r->ic[r->nic].cp = cp;
	r->ic[r->nic].cd = cd;
	r->nic++;
	return cd;
}

static const char replacement[] = "\xef\xbf\xbd";

/*
 * Convert the pending bytes.  When not `final`, an incomplete multibyte
 * character at the end stays pending for the next bytes.
 */
static void flush(struct rtf *r, int final)
{
	size_t i, left;
	char out[RTF_PEND * 4], *ip, *op;
	size_t outleft;
	iconv_t cd;

	if (!r->npend)
		return;
	for (i = 0; i < r->npend && r->pend[i] < 0x80; i++)
		;
	if (i == r->npend) {
		tw_buf_append(r->pend_to, r->pend, r->npend);
		r->npend = 0;
		return;
	}
	cd = cp_iconv(r, r->pend_cp);
	if (cd == (iconv_t)-1) {
		tw_buf_append(r->pend_to, r->pend, r->npend); /* cleaned later */
		r->npend = 0;
		return;
	}
	iconv(cd, NULL, NULL, NULL, NULL);
	ip = (char *)r->pend;
	left = r->npend;
	while (left > 0) {
		op = out;
		outleft = sizeof(out);
		if (iconv(cd, &ip, &left, &op, &outleft) != (size_t)-1) {
			tw_buf_append(r->pend_to, out, (size_t)(op - out));
			continue;
		}
		tw_buf_append(r->pend_to, out, (size_t)(op - out));
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL && !final) {
			memmove(r->pend, ip, left);
			r->npend = left;
			return;
		}
		/* an invalid or truncated sequence: mark it and go on */
		tw_buf_append(r->pend_to, replacement, 3);
		ip++;
		left--;
	}
	r->npend = 0;
}

/* ---------------------------------------------------------------- output */

static tw_buf *target(struct rtf *r)
{
	switch (r->st.dest) {
	case D_TEXT:
		if (!r->fromhtml)
			return &r->text;
		return r->st.htmlrtf ? NULL : &r->html;
	case D_HTMLTAG:
		return r->fromhtml ? &r->html : NULL;
	case D_TITLE:
	case D_SUBJECT:
	case D_AUTHOR:
	case D_OPERATOR:
	case D_COMPANY:
	case D_GENERATOR:
		return &r->prop[r->st.dest];
	default:
		return NULL;
	}
}

/* A high surrogate not followed by a low one is a broken character. */
static void drop_hi(struct rtf *r, tw_buf *to)
{
	r->hi = 0;
	tw_buf_append(to, replacement, 3);
}

static void emit_byte(struct rtf *r, unsigned char c)
{
	tw_buf *to;
	int cp;

	if (r->skip > 0) {
		r->skip--;
		return;
	}
	to = target(r);
	if (!to || c == 0)
		return;
	if (r->hi)
		drop_hi(r, to);
	cp = current_cp(r);
	if (r->npend && (cp != r->pend_cp || to != r->pend_to))
		flush(r, 1);
	r->pend_cp = cp;
	r->pend_to = to;
	r->pend[r->npend++] = c;
	if (r->npend == RTF_PEND)
		flush(r, 0);
}

static void put_utf8(tw_buf *b, unsigned u)
{
	char s[4];

	tw_buf_append(b, s, tw_utf8_encode(u, s));
}

/* Text produced by a control word (\par, \tab, \emdash ...). */
static void emit_str(struct rtf *r, const char *s)
{
	tw_buf *to;

	if (r->skip > 0) {
		r->skip--;
		return;
	}
	to = target(r);
	if (!to)
		return;
	flush(r, 1);
	if (r->hi)
		drop_hi(r, to);
	tw_buf_puts(to, s);
}

static void emit_unicode(struct rtf *r, long n)
{
	tw_buf *to = target(r);
	unsigned u;

	if (n < 0)
		n += 65536;
	u = (unsigned)n & 0xffff;
	r->skip = r->st.uc;
	if (!to)
		return;
	flush(r, 1);
	if (u >= 0xd800 && u <= 0xdbff) {
		if (r->hi)
			drop_hi(r, to);
		r->hi = u;
		return;
	}
	if (u >= 0xdc00 && u <= 0xdfff && r->hi) {
		u = 0x10000 + ((r->hi - 0xd800) << 10) + (u - 0xdc00);
		r->hi = 0;
	} else if (r->hi) {
		r->hi = 0;
		tw_buf_append(to, replacement, 3);
	}
	if (u == 0)
		return;
	put_utf8(to, u);
}

/* ---------------------------------------------------------------- control words */

enum act {
	A_DEST,      /* arg: the destination */
	A_STR,       /* text */
	A_PAR,       /* paragraph and line breaks */
	A_UC, A_U, A_F, A_FCHARSET, A_CPG, A_ANSICPG, A_CP, A_DEFF, A_BIN,
	A_YR, A_MO, A_DY, A_HR, A_MIN, A_NOFPAGES, A_NOFWORDS,
	A_HTMLRTF, A_FROMHTML, A_HTMLTAG, A_PLAIN, A_STARDEST, A_UD,
};

struct word {
	const char *name;
	unsigned char act;
	int arg;
	const char *str;
};

/* Sorted by name (strcmp) for bsearch. */
static const struct word words[] = {
	{"aftnsep", A_DEST, D_SKIP, NULL},
	{"aftnsepc", A_DEST, D_SKIP, NULL},
	{"annotation", A_STARDEST, 1, NULL},
	{"ansi", A_CP, 1252, NULL},
	{"ansicpg", A_ANSICPG, 0, NULL},
	{"atnauthor", A_DEST, D_SKIP, NULL},
	{"atndate", A_DEST, D_SKIP, NULL},
	{"atnid", A_DEST, D_SKIP, NULL},
	{"author", A_DEST, D_AUTHOR, NULL},
	{"bin", A_BIN, 0, NULL},
	{"bkmkend", A_DEST, D_SKIP, NULL},
	{"bkmkstart", A_DEST, D_SKIP, NULL},
	{"bullet", A_STR, 0, "\xe2\x80\xa2"},
	{"buptim", A_DEST, D_SKIP, NULL},
	{"bxe", A_DEST, D_SKIP, NULL},
	{"category", A_DEST, D_SKIP, NULL},
	{"cell", A_STR, 0, "\t"},
	{"colortbl", A_DEST, D_SKIP, NULL},
	{"comment", A_DEST, D_SKIP, NULL},
	{"company", A_DEST, D_COMPANY, NULL},
	{"cpg", A_CPG, 0, NULL},
	{"creatim", A_DEST, D_CREATIM, NULL},
	{"datastore", A_DEST, D_SKIP, NULL},
	{"deff", A_DEFF, 0, NULL},
	{"doccomm", A_DEST, D_SKIP, NULL},
	{"docvar", A_DEST, D_SKIP, NULL},
	{"dy", A_DY, 0, NULL},
	{"emdash", A_STR, 0, "\xe2\x80\x94"},
	{"emspace", A_STR, 0, " "},
	{"endash", A_STR, 0, "\xe2\x80\x93"},
	{"enspace", A_STR, 0, " "},
	{"f", A_F, 0, NULL},
	{"falt", A_DEST, D_SKIP, NULL},
	{"fchars", A_DEST, D_SKIP, NULL},
	{"fcharset", A_FCHARSET, 0, NULL},
	{"filetbl", A_DEST, D_SKIP, NULL},
	{"fldinst", A_DEST, D_SKIP, NULL},
	{"fonttbl", A_DEST, D_FONTTBL, NULL},
	{"footnote", A_STARDEST, 1, NULL},
	{"fromhtml", A_FROMHTML, 0, NULL},
	{"ftnsep", A_DEST, D_SKIP, NULL},
	{"ftnsepc", A_DEST, D_SKIP, NULL},
	{"generator", A_DEST, D_GENERATOR, NULL},
	{"hlinkbase", A_DEST, D_SKIP, NULL},
	{"hr", A_HR, 0, NULL},
	{"htmlrtf", A_HTMLRTF, 0, NULL},
	{"htmltag", A_HTMLTAG, 0, NULL},
	{"info", A_DEST, D_INFO, NULL},
	{"keycode", A_DEST, D_SKIP, NULL},
	{"keywords", A_DEST, D_SKIP, NULL},
	{"latentstyles", A_DEST, D_SKIP, NULL},
	{"lchars", A_DEST, D_SKIP, NULL},
	{"ldblquote", A_STR, 0, "\xe2\x80\x9c"},
	{"line", A_PAR, 0, NULL},
	{"listoverridetable", A_DEST, D_SKIP, NULL},
	{"listpicture", A_DEST, D_SKIP, NULL},
	{"listtable", A_DEST, D_SKIP, NULL},
	{"lquote", A_STR, 0, "\xe2\x80\x98"},
	{"mac", A_CP, 10000, NULL},
	{"manager", A_DEST, D_SKIP, NULL},
	{"min", A_MIN, 0, NULL},
	{"mmathPr", A_DEST, D_SKIP, NULL},
	{"mo", A_MO, 0, NULL},
	{"nestcell", A_STR, 0, "\t"},
	{"nestrow", A_PAR, 0, NULL},
	{"nextfile", A_DEST, D_SKIP, NULL},
	{"nofpages", A_NOFPAGES, 0, NULL},
	{"nofwords", A_NOFWORDS, 0, NULL},
	{"nonshppict", A_DEST, D_SKIP, NULL},
	{"objclass", A_DEST, D_SKIP, NULL},
	{"objdata", A_DEST, D_OBJDATA, NULL},
	{"objname", A_DEST, D_SKIP, NULL},
	{"operator", A_DEST, D_OPERATOR, NULL},
	{"page", A_PAR, 0, NULL},
	{"par", A_PAR, 0, NULL},
	{"password", A_DEST, D_SKIP, NULL},
	{"pc", A_CP, 437, NULL},
	{"pca", A_CP, 850, NULL},
	{"pgdsctbl", A_DEST, D_SKIP, NULL},
	{"pict", A_DEST, D_SKIP, NULL},
	{"plain", A_PLAIN, 0, NULL},
	{"pntxta", A_DEST, D_SKIP, NULL},
	{"pntxtb", A_DEST, D_SKIP, NULL},
	{"printim", A_DEST, D_SKIP, NULL},
	{"private", A_DEST, D_SKIP, NULL},
	{"rdblquote", A_STR, 0, "\xe2\x80\x9d"},
	{"revtbl", A_DEST, D_SKIP, NULL},
	{"revtim", A_DEST, D_REVTIM, NULL},
	{"row", A_PAR, 0, NULL},
	{"rquote", A_STR, 0, "\xe2\x80\x99"},
	{"rsidtbl", A_DEST, D_SKIP, NULL},
	{"rxe", A_DEST, D_SKIP, NULL},
	{"sect", A_PAR, 0, NULL},
	{"shpinst", A_STARDEST, 0, NULL},
	{"shprslt", A_DEST, D_SKIP, NULL},
	{"shptxt", A_STARDEST, 0, NULL},
	{"sn", A_DEST, D_SKIP, NULL},
	{"sp", A_DEST, D_SKIP, NULL},
	{"stylesheet", A_DEST, D_SKIP, NULL},
	{"subject", A_DEST, D_SUBJECT, NULL},
	{"sv", A_DEST, D_SKIP, NULL},
	{"tab", A_STR, 0, "\t"},
	{"tc", A_DEST, D_SKIP, NULL},
	{"template", A_DEST, D_SKIP, NULL},
	{"themedata", A_DEST, D_SKIP, NULL},
	{"title", A_DEST, D_TITLE, NULL},
	{"txe", A_DEST, D_SKIP, NULL},
	{"u", A_U, 0, NULL},
	{"uc", A_UC, 0, NULL},
	{"ud", A_UD, 0, NULL},
	{"userprops", A_DEST, D_SKIP, NULL},
	{"wgrffmtfilter", A_DEST, D_SKIP, NULL},
	{"xe", A_DEST, D_SKIP, NULL},
	{"xmlnstbl", A_DEST, D_SKIP, NULL},
	{"yr", A_YR, 0, NULL},
};

static int word_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct word *)e)->name);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Read a control word after the backslash: letters, an optional signed
 * parameter and its delimiting space.  Names longer than the buffer are
 * cut (they match nothing); parameters are clamped.
 */
static void read_word(struct rtf *r, char *name, size_t cap, int *has, long *param)
{
	size_t n = 0;
	int neg = 0, digits = 0;
	long v = 0;

	while (r->p < r->end && is_alpha(*r->p)) {
		if (n + 1 < cap)
			name[n++] = (char)*r->p;
		r->p++;
	}
	name[n] = '\0';
	if (r->p < r->end && *r->p == '-' && r->p + 1 < r->end &&
	    r->p[1] >= '0' && r->p[1] <= '9') {
		neg = 1;
		r->p++;
	}
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (v < 100000000L)
			v = v * 10 + (*r->p - '0');
		digits++;
		r->p++;
	}
	if (r->p < r->end && *r->p == ' ')
		r->p++;
	*has = digits > 0;
	*param = neg ? -v : v;
}

static void skip_bin(struct rtf *r, long n)
{
	if (n < 0)
		n = 0;
	if ((size_t)n > (size_t)(r->end - r->p))
		n = r->end - r->p;
	r->p += n;
}

static void set_dest(struct rtf *r, int d)
{
	/* Inside a skipped or metadata-only group, nothing becomes text
	 * again: a \fldinst inside \pict stays skipped. */
	if (r->st.dest == D_SKIP || r->st.dest == D_FONTTBL)
		d = D_SKIP;
	else if (r->st.dest == D_INFO && d == D_TEXT)
		d = D_SKIP;
	else if (d == D_OBJDATA && r->st.dest != D_OBJDATA)
		tw_buf_reset(&r->objdata);
	if (d >= D_TITLE && d <= D_GENERATOR && d != r->st.dest) {
		/* A later value replaces an earlier one: \author given twice,
		 * or the Unicode \ud version of an \upr field. */
		flush(r, 1);
		tw_buf_reset(&r->prop[d]);
	}
	r->st.dest = (unsigned char)d;
}

static void control_word(struct rtf *r)
{
	char name[40];
	int has, star = r->star;
	long param;
	const struct word *w;

	read_word(r, name, sizeof(name), &has, &param);
	r->star = 0;
	r->at_start = 0;
	w = bsearch(name, words, TW_ARRAY_LEN(words), sizeof(words[0]), word_cmp);
	if (w && w->act == A_BIN) {
		skip_bin(r, has ? param : 0);
		if (r->skip > 0)
			r->skip--;
		return;
	}
	if (r->skip > 0 && (!w || w->act != A_U)) {
		/* a control word counts as one fallback character */
		r->skip--;
		return;
	}
	if (!w) {
		/* \*\unknown: an optional destination this reader ignores */
		if (star)
			set_dest(r, D_SKIP);
		return;
	}
	switch (w->act) {
	case A_DEST:
		set_dest(r, w->arg);
		break;
	case A_STARDEST:
		/* a \* destination whose content is text; comments and
		 * footnotes sit inside their paragraph: set them apart */
		if (w->arg)
			emit_str(r, "\n");
		break;
	case A_UD:
		/* The Unicode twin of an \upr group: better for metadata,
		 * but in body text it would repeat the ANSI version. */
		if (r->st.dest == D_TEXT)
			set_dest(r, D_SKIP);
		break;
	case A_STR:
		emit_str(r, w->str);
		break;
	case A_PAR:
		if (r->fromhtml && r->st.dest == D_TEXT && !r->st.htmlrtf)
			emit_str(r, "\r\n");
		else
			emit_str(r, "\n");
		break;
	case A_UC:
		if (has && param >= 0 && param <= 16)
			r->st.uc = (unsigned char)param;
		break;
	case A_U:
		r->skip = 0;
		if (has)
			emit_unicode(r, param);
		break;
	case A_F:
		if (!has)
			break;
		if (r->st.dest == D_FONTTBL)
			r->tbl_font = (int)param;
		r->st.font = (int)param;
		break;
	case A_FCHARSET:
	case A_CPG:
		if (r->st.dest == D_FONTTBL && has && r->tbl_font >= 0) {
			struct font *f = font_find(r, r->tbl_font, 1);

			if (f && (w->act == A_CPG || !f->cp)) {
				f->cp = w->act == A_CPG ? (int)param
							: charset_cp((int)param, r->doc_cp);
				r->font_ver++;
			}
		}
		break;
	case A_ANSICPG:
		if (has && param > 0 && param < 100000) {
			r->doc_cp = (int)param;
			r->font_ver++;
		}
		break;
	case A_CP:
		r->doc_cp = w->arg;
		r->font_ver++;
		break;
	case A_DEFF:
		if (has)
			r->deff = (int)param;
		break;
	case A_PLAIN:
		r->st.font = -1;
		break;
	case A_YR: case A_MO: case A_DY: case A_HR: case A_MIN:
		if (has && (r->st.dest == D_CREATIM || r->st.dest == D_REVTIM)) {
			struct rtime *t = &r->tm[r->st.dest == D_REVTIM];
			int v = (int)param;

			if (w->act == A_YR) t->yr = v;
			else if (w->act == A_MO) t->mo = v;
			else if (w->act == A_DY) t->dy = v;
			else if (w->act == A_HR) t->hr = v;
			else t->min = v;
		}
		break;
	case A_NOFPAGES:
		if (has && r->st.dest == D_INFO)
			r->pages = (int)param;
		break;
	case A_NOFWORDS:
		if (has && r->st.dest == D_INFO)
			r->words = (int)param;
		break;
	case A_HTMLRTF:
		r->st.htmlrtf = !(has && param == 0);
		break;
	case A_FROMHTML:
		r->fromhtml = 1;
		break;
	case A_HTMLTAG:
		if (r->fromhtml && r->st.dest == D_TEXT)
			r->st.dest = D_HTMLTAG;
		else
			set_dest(r, D_SKIP);
		break;
	}
}

static void control(struct rtf *r)
{
	int c, h1, h2;

	if (r->p >= r->end)
		return;
	c = *r->p;
	if (is_alpha(c)) {
		control_word(r);
		return;
	}
	r->p++;
	if (c == '*') {
		/* \* only marks a destination right after '{'; elsewhere
		 * (some writers put it before style words) it means nothing. */
		r->star = r->at_start;
		return;
	}
	r->star = 0;
	r->at_start = 0;
	switch (c) {
	case '\'':
		if (r->end - r->p >= 2 && (h1 = hexval(r->p[0])) >= 0 &&
		    (h2 = hexval(r->p[1])) >= 0) {
			r->p += 2;
			emit_byte(r, (unsigned char)(h1 * 16 + h2));
		}
		return;
	case '\\': case '{': case '}':
		emit_byte(r, (unsigned char)c);
		return;
	case '~':
		emit_str(r, "\xc2\xa0");
		return;
	case '_':
		emit_str(r, "-");
		return;
	case '\r': case '\n':
		emit_str(r, "\n");
		return;
	case '\t':
		emit_str(r, "\t");
		return;
	default:
		/* \- optional hyphen, \: index subentry, \| formula ... */
		if (r->skip > 0)
			r->skip--;
		return;
	}
}

/* ---------------------------------------------------------------- objects */

/* A length-prefixed string of the OLE1 header; returns 0 when it does not fit. */
static int ole1_string(const unsigned char *d, size_t n, size_t *pos,
		       const unsigned char **s, size_t *slen)
{
	uint32_t l;

	if (n - *pos < 4)
		return 0;
	l = tw_le32(d + *pos);
	*pos += 4;
	if (l > n - *pos)
		return 0;
	*s = d + *pos;
	*slen = l;
	*pos += l;
	return 1;
}

/* The \objdata group ended: decode it and hand the object over. */
static void object_done(struct rtf *r)
{
	unsigned char *bin;
	const unsigned char *cls = NULL, *s, *native, *pdata;
	size_t i, n = 0, pos = 8, clen = 0, slen, plen;
	char name[256], loc[32], cname[64];
	uint32_t nlen;
	int hi = -1;

	if (r->stopped || !r->objdata.len)
		return;
	if (++r->nobjects > RTF_MAX_OBJECTS) {
		if (r->nobjects == RTF_MAX_OBJECTS + 1)
			tw_node_error(r->node, TRAWL_ELIMIT, "limit",
				      "more than %d embedded objects; the rest were skipped",
				      RTF_MAX_OBJECTS);
		return;
	}
	bin = tw_malloc(r->objdata.len / 2 + 1);
	if (!bin)
		return;
	for (i = 0; i < r->objdata.len; i++) {
		int v = hexval((unsigned char)r->objdata.data[i]);

		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			bin[n++] = (unsigned char)(hi * 16 + v);
			hi = -1;
		}
	}
	tw_buf_reset(&r->objdata);
	/* OLEVersion, FormatID (2: embedded), ClassName, Topic, Item, data */
	if (n < 8 || tw_le32(bin + 4) != 2 || !ole1_string(bin, n, &pos, &cls, &clen) ||
	    !ole1_string(bin, n, &pos, &s, &slen) ||
	    !ole1_string(bin, n, &pos, &s, &slen) || n - pos < 4) {
		free(bin);
		return;
	}
	nlen = tw_le32(bin + pos);
	pos += 4;
	if (nlen > n - pos)
		nlen = (uint32_t)(n - pos); /* truncated: keep what is there */
	native = bin + pos;
	snprintf(cname, sizeof(cname), "%.*s", (int)(clen > 63 ? 63 : clen),
		 (const char *)cls);
	for (i = 0; cname[i]; i++)
		if ((unsigned char)cname[i] < 32 || cname[i] == '/')
			cname[i] = '_';
	snprintf(loc, sizeof(loc), "object:%lu", r->nobjects);
	if (strcmp(cname, "Package") == 0 &&
	    tw_ole1_package(native, nlen, name, sizeof(name), &pdata, &plen)) {
		tw_child(r->cx, r->node, "attachment", name, loc, pdata, plen);
	} else {
		snprintf(name, sizeof(name), "object%lu (%s)", r->nobjects,
			 *cname ? cname : "OLE");
		tw_child(r->cx, r->node, "attachment", name, loc, native, nlen);
	}
	free(bin);
}

/* ---------------------------------------------------------------- groups */

static void push(struct rtf *r)
{
	r->star = 0;
	r->at_start = 1;
	if (r->skip > 0)
		r->skip = 0; /* fallback text never crosses a group */
	if (r->depth >= RTF_MAX_DEPTH) {
		tw_node_error(r->node, TRAWL_ECORRUPT, "parse",
			      "RTF groups nested deeper than %d: the rest was not read",
			      RTF_MAX_DEPTH);
		r->stopped = 1;
		return;
	}
	r->stack[r->depth++] = r->st;
}

static void pop(struct rtf *r)
{
	int was = r->st.dest;

	r->star = 0;
	r->at_start = 0;
	r->skip = 0;
	if (r->depth == 0) {
		r->stopped = 1; /* the document group is closed: the end */
		return;
	}
	r->st = r->stack[--r->depth];
	if (was == D_OBJDATA && r->st.dest != D_OBJDATA)
		object_done(r);
	if (r->depth == 0)
		r->stopped = 1;
}

/*
 * Skip a whole ignored group quickly: pictures and object data are most of
 * the bytes of many files.  Only braces, escapes and \bin matter here, and
 * nesting is counted, not stacked.
 */
static void skip_group(struct rtf *r)
{
	size_t depth = 1;

	while (r->p < r->end) {
		const unsigned char *q = r->p;
		unsigned char c;

		while (q < r->end && *q != '{' && *q != '}' && *q != '\\')
			q++;
		r->p = q;
		if (q >= r->end)
			break;
		c = *r->p++;
		if (c == '{') {
			depth++;
		} else if (c == '}') {
			if (--depth == 0) {
				pop(r);
				return;
			}
		} else if (r->p < r->end) {
			if (is_alpha(*r->p)) {
				char name[8];
				int has;
				long param;

				read_word(r, name, sizeof(name), &has, &param);
				if (strcmp(name, "bin") == 0 && has)
					skip_bin(r, param);
			} else {
				r->p++;
			}
		}
	}
}

/* A run of plain text bytes, appended in one go (most of a document). */
static void text_run(struct rtf *r)
{
	const unsigned char *q = r->p;
	size_t n, k;
	tw_buf *to;
	int cp;

	while (q < r->end && *q != '{' && *q != '}' && *q != '\\' && *q != '\r' &&
	       *q != '\n' && *q)
		q++;
	if (q == r->p) {
		r->p++; /* a NUL byte: dropped */
		return;
	}
	if (r->skip > 0 || r->hi) {
		/* fallback characters to skip, or a broken surrogate: the
		 * careful path, byte by byte */
		while (r->p < q)
			emit_byte(r, *r->p++);
		return;
	}
	to = target(r);
	n = (size_t)(q - r->p);
	if (to) {
		cp = current_cp(r);
		if (r->npend && (cp != r->pend_cp || to != r->pend_to))
			flush(r, 1);
		r->pend_cp = cp;
		r->pend_to = to;
		while (n > 0) {
			k = RTF_PEND - r->npend < n ? RTF_PEND - r->npend : n;
			memcpy(r->pend + r->npend, r->p, k);
			r->npend += k;
			r->p += k;
			n -= k;
			if (r->npend == RTF_PEND)
				flush(r, 0);
		}
	}
	r->p = q;
}

/* Collect the hex digits of \objdata without tokenising them one by one. */
static void objdata_run(struct rtf *r)
{
	const unsigned char *q = r->p;

	while (q < r->end && *q != '{' && *q != '}' && *q != '\\')
		q++;
	tw_buf_append(&r->objdata, r->p, (size_t)(q - r->p));
	r->p = q;
}

static void parse(struct rtf *r)
{
	unsigned long n = 0;

	while (r->p < r->end && !r->stopped) {
		unsigned char c;

		if ((++n & 0xffff) == 0 && tw_cx_expired(r->cx)) {
			r->stopped = 1;
			break;
		}
		if (r->st.dest == D_SKIP && r->depth > 0) {
			skip_group(r);
			continue;
		}
		if (r->st.dest == D_OBJDATA && *r->p != '{' && *r->p != '}' &&
		    *r->p != '\\') {
			objdata_run(r);
			continue;
		}
		c = *r->p++;
		switch (c) {
		case '{':
			push(r);
			break;
		case '}':
			pop(r);
			break;
		case '\\':
			control(r);
			break;
		case '\r':
		case '\n':
			break;
		default:
			r->star = 0;
			r->at_start = 0;
			r->p--;
			text_run(r);
			break;
		}
	}
}

/* ---------------------------------------------------------------- extractor */

static void time_prop(tw_node *node, const char *key, const struct rtime *t)
{
	if (t->yr < 1900 || t->yr > 9999 || t->mo < 1 || t->mo > 12 || t->dy < 1 ||
	    t->dy > 31 || t->hr < 0 || t->hr > 23 || t->min < 0 || t->min > 59)
		return;
	/* RTF times carry no zone: they are given as read. */
	tw_node_propf(node, key, "%04d-%02d-%02dT%02d:%02d:00Z", t->yr, t->mo,
		      t->dy, t->hr, t->min);
}

static void str_prop(struct rtf *r, const char *key, int d)
{
	tw_buf *b = &r->prop[d];
	size_t s = 0, e = b->len;

	if (!b->data)
		return;
	while (s < e && (unsigned char)b->data[s] <= ' ')
		s++;
	while (e > s && (unsigned char)b->data[e - 1] <= ' ')
		e--;
	/* \generator values end with the ';' of a table entry */
	if (e > s && b->data[e - 1] == ';')
		e--;
	b->data[e] = '\0';
	tw_node_prop(r->node, key, b->data + s);
}

static int rtf_accepts(const char *mime, const char *ext,
		       const unsigned char *data, size_t len)
{
	size_t i = 0;

	if (mime && (strcmp(mime, "text/rtf") == 0 ||
		     strcmp(mime, "application/rtf") == 0))
		return 1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && i < 64 && (data[i] == ' ' || data[i] == '\t' ||
				     data[i] == '\r' || data[i] == '\n'))
		i++;
	return len - i >= 5 && memcmp(data + i, "{\\rtf", 5) == 0;
}

static trawl_status rtf_extract(tw_extract_ctx *cx, tw_node *node,
				const unsigned char *data, size_t len)
{
	struct rtf *r = tw_calloc(1, sizeof(*r));
	size_t max = tw_cx_limits(cx)->max_text_bytes;
	int i;

	if (!r)
		return TRAWL_ENOMEM;
	r->stack = tw_malloc(sizeof(*r->stack) * RTF_MAX_DEPTH);
	if (!r->stack) {
		free(r);
		return TRAWL_ENOMEM;
	}
	r->cx = cx;
	r->node = node;
	r->p = data;
	r->end = data + len;
	r->st.dest = D_TEXT;
	r->st.uc = 1;
	r->st.font = -1;
	r->doc_cp = 1252;
	r->deff = -1;
	r->tbl_font = -1;
	r->cache_font = -2;
	/* One byte over the limit lets tw_node_text() see and record it. */
	tw_buf_init(&r->text, max + 1);
	tw_buf_init(&r->html, max > SIZE_MAX / 4 ? SIZE_MAX : max * 4);
	for (i = 0; i < D_NDEST; i++)
		tw_buf_init(&r->prop[i], RTF_PROP_MAX);
	tw_buf_init(&r->objdata, len);

	/* Skip to the document group (a BOM or blank lines may come first). */
	while (r->p < r->end && *r->p != '{')
		r->p++;
	parse(r);
	flush(r, 1);
	if (!r->stopped && r->depth > 0 && !tw_cx_expired(cx))
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "RTF ends with %d group(s) still open: the file is truncated",
			      r->depth);

	if (!tw_cx_locating(cx)) {
		if (r->fromhtml && r->html.len) {
			char *t = tw_html_to_text(r->html.data, r->html.len, "UTF-8",
						  max + 1, NULL);

			if (t)
				tw_node_text(node, t, strlen(t));
			free(t);
		}
		if (r->text.len)
			tw_node_text(node, r->text.data, r->text.len);
		str_prop(r, "title", D_TITLE);
		str_prop(r, "subject", D_SUBJECT);
		str_prop(r, "author", D_AUTHOR);
		str_prop(r, "last_modified_by", D_OPERATOR);
		str_prop(r, "company", D_COMPANY);
		str_prop(r, "creator", D_GENERATOR);
		time_prop(node, "created", &r->tm[0]);
		time_prop(node, "modified", &r->tm[1]);
		if (r->pages > 0)
			tw_node_propf(node, "pages", "%d", r->pages);
		if (r->words > 0)
			tw_node_propf(node, "words", "%d", r->words);
	}

	for (i = 0; i < r->nic; i++)
		iconv_close(r->ic[i].cd);
	tw_buf_release(&r->text);
	tw_buf_release(&r->html);
	for (i = 0; i < D_NDEST; i++)
		tw_buf_release(&r->prop[i]);
	tw_buf_release(&r->objdata);
	free(r->fonts);
	free(r->stack);
	free(r);
	return TRAWL_OK;
}

const tw_extractor tw_extractor_rtf = {
	"rtf", "word", rtf_accepts, rtf_extract, NULL,
};
