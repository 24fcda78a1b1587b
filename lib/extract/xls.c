/*
 * xls.c - Excel BIFF8 and BIFF5 workbooks, inside the OLE2 compound files
 * that ole.c opens and dispatches.
 *
 * The workbook stream is a sequence of BIFF records; cells are gathered per
 * sheet (shared strings, labels, numbers, RK, formula results, booleans;
 * numbers in date formats as ISO dates) and written sorted by row and
 * column, tab-separated, with comments and text boxes.  Records and their
 * CONTINUE records are bounded by the stream, and cell and string counts
 * by fixed limits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "extract/le.h"
#include "extract/ole.h"

#define MAX_CELLS_PER_SHEET (2u << 20)
#define MAX_SST_STRINGS (4u << 20)

#define REC_FORMULA 0x0006
#define REC_EOF 0x000a
#define REC_FILEPASS 0x002f
#define REC_CONTINUE 0x003c
#define REC_CODEPAGE 0x0042
#define REC_DATE1904 0x0022
#define REC_XF 0x00e0
#define REC_FORMAT 0x041e
#define REC_BOUNDSHEET 0x0085
#define REC_MULRK 0x00bd
#define REC_RSTRING 0x00d6
#define REC_SST 0x00fc
#define REC_LABELSST 0x00fd
#define REC_TXO 0x01b6
#define REC_NUMBER 0x0203
#define REC_LABEL 0x0204
#define REC_BOOLERR 0x0205
#define REC_STRING 0x0207
#define REC_RK 0x027e
#define REC_BOF 0x0809

struct cell {
	uint32_t row, seq;
	uint16_t col;
	uint8_t sst;     /* `off` is a shared string index */
	uint32_t off, len;
};

struct sheet {
	uint32_t pos;    /* stream offset of its BOF */
	char *name;
	int worksheet;
};

struct xls {
	tw_extract_ctx *cx;
	tw_node *node;
	tw_ole_out *o;
	const unsigned char *d;
	size_t len;
	int biff8;
	tw_sbcs cp;
	/* shared strings: UTF-8 in sst_buf, by index */
	tw_buf sst_buf;
	uint32_t *sst_off, *sst_len;
	size_t nsst;
	/* sheets */
	struct sheet *sheets;
	size_t nsheets, sheets_cap;
	/* cells of the sheet being read */
	struct cell *cells;
	size_t ncells, cells_cap;
	tw_buf strs;     /* text of non-shared cells */
	tw_buf notes;    /* text boxes and comments of the sheet */
	int cells_capped;
	int in_sheet;
	int formula_pending;
	uint32_t frow;
	uint16_t fcol;
	/* number formats: which XF records show dates */
	unsigned char *xf_date;  /* by XF index */
	size_t nxf;
	unsigned char fmt_date[65536 / 8]; /* custom formats that are dates */
	int date1904;
};

/* Reader over a record and its CONTINUE records. */
struct segs {
	const unsigned char **p;
	size_t *n;
	size_t nseg, cur, off;
};

static int seg_avail(struct segs *s)
{
	while (s->cur < s->nseg && s->off >= s->n[s->cur]) {
		s->cur++;
		s->off = 0;
	}
	return s->cur < s->nseg;
}

static int seg_bytes(struct segs *s, unsigned char *out, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++) {
		if (!seg_avail(s))
			return 0;
		out[i] = s->p[s->cur][s->off++];
	}
	return 1;
}

static int seg_skip(struct segs *s, uint64_t k)
{
	while (k > 0) {
		size_t a;

		if (!seg_avail(s))
			return 0;
		a = s->n[s->cur] - s->off;
		if (a > k)
			a = (size_t)k;
		s->off += a;
		k -= a;
	}
	return 1;
}

/*
 * The characters of a BIFF8 string.  When they run into the next CONTINUE
 * record, that record starts with a new flags byte telling whether the rest
 * is 8-bit or 16-bit: the split rule of [MS-XLS] 2.5.293.
 */
static int seg_chars(struct segs *s, size_t cch, int high, tw_buf *b)
{
	tw_ole_out o;

	memset(&o, 0, sizeof(o));
	o.b = *b;
	while (cch > 0) {
		size_t a, k;
		const unsigned char *p;

		if (s->cur >= s->nseg)
			break;
		if (s->off >= s->n[s->cur]) {
			s->cur++;
			s->off = 0;
			if (s->cur >= s->nseg || s->n[s->cur] == 0)
				break;
			high = s->p[s->cur][s->off++] & 1;
			continue;
		}
		a = s->n[s->cur] - s->off;
		p = s->p[s->cur] + s->off;
		k = high ? a / 2 : a;
		if (k == 0) {
			s->off = s->n[s->cur]; /* a split code unit: drop it */
			continue;
		}
		if (k > cch)
			k = cch;
		if (high)
			tw_ole_out_utf16(&o, p, k);
		else {
			size_t i;

			for (i = 0; i < k; i++)
				tw_ole_out_cp(&o, p[i]);
		}
		s->off += high ? 2 * k : k;
		cch -= k;
	}
	*b = o.b;
	return cch == 0;
}

static void xls_read_sst(struct xls *x, size_t pos, const unsigned char *rec,
			 size_t rlen)
{
	const unsigned char *segp[1024];
	size_t segn[1024];
	struct segs s;
	uint32_t count, i;
	size_t p = pos;

	if (x->sst_off || rlen < 8)
		return; /* one SST per workbook */
	s.p = segp;
	s.n = segn;
	s.nseg = 0;
	segp[s.nseg] = rec + 8;
	segn[s.nseg++] = rlen - 8;
	/* the CONTINUE records that follow */
	p += 4 + rlen;
	while (p + 4 <= x->len && s.nseg < TW_ARRAY_LEN(segp) &&
	       tw_le16(x->d + p) == REC_CONTINUE) {
		size_t l = tw_le16(x->d + p + 2);

		if (l > x->len - p - 4)
			l = x->len - p - 4;
		segp[s.nseg] = x->d + p + 4;
		segn[s.nseg++] = l;
		p += 4 + l;
	}
	s.cur = s.off = 0;
	count = tw_le32(rec + 4);
	/* every string takes at least 3 bytes: a bound on the count */
	if (count > x->len / 3 + 1)
		count = (uint32_t)(x->len / 3 + 1);
	if (count > MAX_SST_STRINGS)
		count = MAX_SST_STRINGS;
	x->sst_off = tw_calloc(count ? count : 1, sizeof(*x->sst_off));
	x->sst_len = tw_calloc(count ? count : 1, sizeof(*x->sst_len));
	if (!x->sst_off || !x->sst_len)
		return;
	for (i = 0; i < count; i++) {
		unsigned char h[3], f;
		uint16_t cch;
		uint16_t runs = 0;
		uint32_t ext = 0;
		size_t start = x->sst_buf.len;

		if (!seg_bytes(&s, h, 3))
			break;
		cch = tw_le16(h);
		f = h[2];
		if (f & 0x08) {
			unsigned char r[2];

			if (!seg_bytes(&s, r, 2))
				break;
			runs = tw_le16(r);
		}
		if (f & 0x04) {
			unsigned char e[4];

			if (!seg_bytes(&s, e, 4))
				break;
			ext = tw_le32(e);
		}
		if (!seg_chars(&s, cch, f & 1, &x->sst_buf))
			break;
		x->sst_off[i] = (uint32_t)start;
		x->sst_len[i] = (uint32_t)(x->sst_buf.len - start);
		x->nsst = i + 1;
		if (!seg_skip(&s, 4ull * runs) || !seg_skip(&s, ext))
			break;
		if ((i & 0xffff) == 0xffff && tw_cx_expired(x->cx))
			break;
	}
}

/* A string of a cell record (LABEL, RSTRING, STRING) into x->strs. */
static int xls_string(struct xls *x, const unsigned char *p, size_t n,
		      uint32_t *off, uint32_t *len)
{
	size_t cch, start = x->strs.len;
	tw_ole_out o;

	if (n < 2)
		return 0;
	cch = tw_le16(p);
	memset(&o, 0, sizeof(o));
	o.b = x->strs;
	if (x->biff8) {
		int high;

		if (n < 3)
			return 0;
		/* XLUnicodeString: only fHighByte matters */
		high = p[2] & 1;
		p += 3;
		n -= 3;
		if (high) {
			if (cch > n / 2)
				cch = n / 2;
			tw_ole_out_utf16(&o, p, cch);
		} else {
			size_t i;

			if (cch > n)
				cch = n;
			for (i = 0; i < cch; i++)
				tw_ole_out_cp(&o, p[i]);
		}
	} else {
		p += 2;
		n -= 2;
		if (cch > n)
			cch = n;
		tw_ole_out_8bit(&o, &x->cp, p, cch);
	}
	x->strs = o.b;
	*off = (uint32_t)start;
	*len = (uint32_t)(x->strs.len - start);
	return 1;
}

static struct cell *xls_cell(struct xls *x, uint32_t row, uint16_t col)
{
	struct cell *c;

	if (!x->in_sheet)
		return NULL;
	if (x->ncells >= MAX_CELLS_PER_SHEET) {
		x->cells_capped = 1;
		return NULL;
	}
	if (x->ncells == x->cells_cap) {
		size_t cap = x->cells_cap ? x->cells_cap * 2 : 256;
		struct cell *n = tw_realloc(x->cells, cap * sizeof(*n));

		if (!n)
			return NULL;
		x->cells = n;
		x->cells_cap = cap;
	}
	c = &x->cells[x->ncells];
	memset(c, 0, sizeof(*c));
	c->row = row;
	c->col = col;
	c->seq = (uint32_t)x->ncells++;
	return c;
}

static void xls_text_cell(struct xls *x, uint32_t row, uint16_t col,
			  const char *s, size_t n)
{
	struct cell *c = xls_cell(x, row, col);

	if (!c)
		return;
	c->off = (uint32_t)x->strs.len;
	tw_buf_append(&x->strs, s, n);
	c->len = (uint32_t)(x->strs.len - c->off);
}

/* Does a number format show a date or time?  Letters inside quotes,
 * brackets ([Red], [$-409]) and escapes do not count. */
static int format_is_date(const char *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = f[i];

		if (c == '"') {
			while (++i < n && f[i] != '"')
				;
		} else if (c == '[') {
			while (++i < n && f[i] != ']')
				;
		} else if (c == '\\' || c == '_' || c == '*') {
			i++;
		} else if (strchr("dDmMyYhHsS", c)) {
			return 1;
		}
	}
	return 0;
}

static int builtin_date(unsigned ifmt)
{
	return (ifmt >= 14 && ifmt <= 22) || (ifmt >= 45 && ifmt <= 47) ||
	       (ifmt >= 27 && ifmt <= 36) || (ifmt >= 50 && ifmt <= 58);
}

static void xls_format(struct xls *x, const unsigned char *p, size_t n)
{
	unsigned ifmt;
	tw_buf b;
	uint32_t off, len;
	int date;

	if (n < 3)
		return;
	ifmt = tw_le16(p);
	tw_buf_init(&b, 1024);
	if (x->biff8) {
		tw_buf save = x->strs;

		x->strs = b;
		if (!xls_string(x, p + 2, n - 2, &off, &len)) {
			b = x->strs;
			x->strs = save;
			tw_buf_release(&b);
			return;
		}
		b = x->strs;
		x->strs = save;
	} else {
		size_t cch = p[2];

		if (cch > n - 3)
			cch = n - 3;
		tw_buf_append(&b, p + 3, cch);
	}
	date = b.data && format_is_date(b.data, b.len);
	tw_buf_release(&b);
	if (date)
		x->fmt_date[ifmt / 8] |= (unsigned char)(1u << (ifmt % 8));
	else
		x->fmt_date[ifmt / 8] &= (unsigned char)~(1u << (ifmt % 8));
}

static void xls_xf(struct xls *x, const unsigned char *p, size_t n)
{
	unsigned ifmt;

	if (n < 4 || x->nxf >= 65536)
		return;
	if (!x->xf_date) {
		x->xf_date = tw_calloc(65536, 1);
		if (!x->xf_date)
			return;
	}
	ifmt = tw_le16(p + 2);
	x->xf_date[x->nxf++] = (unsigned char)(builtin_date(ifmt) ||
					       (x->fmt_date[ifmt / 8] >> (ifmt % 8) & 1));
}

/* An Excel serial date as ISO 8601 (1900 system with its phantom
 * 29 February 1900, or the 1904 system). */
static int serial_date(double v, int date1904, char *s, size_t cap)
{
	long days, secs, y, m, d, era, doe, yoe, doy, mp;
	double frac;

	if (!(v >= 0 && v < 2958466))
		return 0;
	days = (long)floor(v);
	frac = v - (double)days;
	secs = (long)floor(frac * 86400 + 0.5);
	if (secs >= 86400) {
		days++;
		secs -= 86400;
	}
	if (date1904)
		days += 24107; /* 1904-01-01 as days after 1899-12-30 */
	else if (days < 61)
		days += 1;     /* before the phantom leap day */
	/* days since 1899-12-30 -> civil date (Howard Hinnant's algorithm) */
	days += -25569 + 719468; /* to days since 0000-03-01 */
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	if (v < 1 && !date1904)
		return snprintf(s, cap, "%02ld:%02ld:%02ld", secs / 3600, secs / 60 % 60,
				secs % 60);
	if (secs == 0)
		return snprintf(s, cap, "%04ld-%02ld-%02ld", y, m, d);
	return snprintf(s, cap, "%04ld-%02ld-%02ld %02ld:%02ld:%02ld", y, m, d,
			secs / 3600, secs / 60 % 60, secs % 60);
}

static void xls_number(struct xls *x, uint32_t row, uint16_t col, unsigned ixfe,
		       double v)
{
	char s[64];
	int n = 0;

	if (isnan(v) || isinf(v))
		return;
	if (ixfe < x->nxf && x->xf_date[ixfe])
		n = serial_date(v, x->date1904, s, sizeof(s));
	if (n > 0)
		;
	else if (fabs(v) < 1e17 && v == floor(v))
		n = snprintf(s, sizeof(s), "%.0f", v);
	else
		n = snprintf(s, sizeof(s), "%.15g", v);
	if (n > 0)
		xls_text_cell(x, row, col, s, (size_t)n);
}

static double rk_value(uint32_t rk)
{
	double v;

	if (rk & 2) {
		v = (double)((int32_t)rk >> 2);
	} else {
		uint64_t bits = (uint64_t)(rk & 0xfffffffcu) << 32;

		memcpy(&v, &bits, sizeof(v));
	}
	return (rk & 1) ? v / 100 : v;
}

static double le_double(const unsigned char *p)
{
	uint64_t bits = tw_le64(p);
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

static int cell_cmp(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *sheet_name(struct xls *x, size_t pos)
{
	size_t i;

	for (i = 0; i < x->nsheets; i++)
		if (x->sheets[i].pos == pos)
			return x->sheets[i].name;
	return NULL;
}

/* Write the cells of the sheet just read, sorted, and forget them. */
static void xls_flush_sheet(struct xls *x)
{
	size_t i;
	tw_ole_out *o = x->o;

	if (x->ncells)
		qsort(x->cells, x->ncells, sizeof(*x->cells), cell_cmp);
	for (i = 0; i < x->ncells && !tw_ole_out_full(o); i++) {
		struct cell *c = &x->cells[i];
		const char *s;
		size_t n;

		if (i > 0 && x->cells[i - 1].row == c->row &&
		    x->cells[i - 1].col == c->col)
			continue; /* the same cell twice: keep the first */
		if (i > 0 && x->cells[i - 1].row == c->row)
			tw_ole_out_str(o, "\t");
		else
			tw_ole_out_nl(o);
		if (c->sst) {
			if (c->off >= x->nsst || !x->sst_buf.data)
				continue;
			s = x->sst_buf.data + x->sst_off[c->off];
			n = x->sst_len[c->off];
		} else {
			if (!x->strs.data)
				continue;
			s = x->strs.data + c->off;
			n = c->len;
		}
		/* a cell's own line breaks would break the row */
		{
			size_t k, st = 0;

			for (k = 0; k <= n; k++) {
				if (k == n || s[k] == '\n' || s[k] == '\t') {
					tw_ole_out_bytes(o, s + st, k - st);
					if (k < n)
						tw_ole_out_str(o, " ");
					st = k + 1;
				}
			}
		}
	}
	tw_ole_out_nl(o);
	if (x->notes.len) {
		tw_ole_out_bytes(o, x->notes.data, x->notes.len);
		tw_ole_out_nl(o);
	}
	if (x->cells_capped)
		tw_node_error(x->node, TRAWL_ELIMIT, "limit",
			      "sheet has more than %u cells; the rest were skipped",
			      MAX_CELLS_PER_SHEET);
	x->ncells = 0;
	x->cells_capped = 0;
	tw_buf_reset(&x->strs);
	tw_buf_reset(&x->notes);
}

static void xls_boundsheet(struct xls *x, const unsigned char *p, size_t n)
{
	struct sheet *s;
	tw_ole_out o;
	size_t cch;

	if (n < 8 || x->nsheets >= 65536)
		return;
	if (x->nsheets == x->sheets_cap) {
		size_t cap = x->sheets_cap ? x->sheets_cap * 2 : 16;
		struct sheet *ns = tw_realloc(x->sheets, cap * sizeof(*ns));

		if (!ns)
			return;
		x->sheets = ns;
		x->sheets_cap = cap;
	}
	s = &x->sheets[x->nsheets];
	memset(s, 0, sizeof(*s));
	s->pos = tw_le32(p);
	s->worksheet = p[5] == 0;
	memset(&o, 0, sizeof(o));
	tw_buf_init(&o.b, 1024);
	cch = p[6];
	if (x->biff8) {
		int high = p[7] & 1;

		if (high) {
			if (cch > (n - 8) / 2)
				cch = (n - 8) / 2;
			tw_ole_out_utf16(&o, p + 8, cch);
		} else {
			size_t i;

			if (cch > n - 8)
				cch = n - 8;
			for (i = 0; i < cch; i++)
				tw_ole_out_cp(&o, p[8 + i]);
		}
	} else {
		if (cch > n - 7)
			cch = n - 7;
		tw_ole_out_8bit(&o, &x->cp, p + 7, cch);
	}
	s->name = o.b.data ? tw_buf_detach(&o.b, NULL) : tw_strdup("");
	if (!s->name)
		return;
	x->nsheets++;
}

void tw_xls_extract(tw_extract_ctx *cx, tw_node *node, GsfInfile *root,
		    tw_ole_out *o, size_t cap)
{
	struct xls x;
	size_t pos = 0, i;
	int damaged = 0, depth = 0, encrypted = 0, truncated = 0;
	unsigned long nrec = 0;
	unsigned char *wb;
	size_t wlen;

	node->type = "spreadsheet";
	wb = tw_ole_read_stream(root, "Workbook", cap, &wlen, &damaged);
	if (!wb)
		wb = tw_ole_read_stream(root, "Book", cap, &wlen, &damaged);
	if (!wb || wlen < 8) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "Excel workbook stream is missing or empty");
		free(wb);
		return;
	}
	memset(&x, 0, sizeof(x));
	x.cx = cx;
	x.node = node;
	x.o = o;
	x.d = wb;
	x.len = wlen;
	x.biff8 = 1;
	tw_sbcs_init(&x.cp, 1252);
	tw_buf_init(&x.sst_buf, cap);
	tw_buf_init(&x.strs, cap);
	tw_buf_init(&x.notes, 1u << 20);

	while (pos + 4 <= wlen) {
		uint16_t type = tw_le16(wb + pos);
		size_t rlen = tw_le16(wb + pos + 2);
		const unsigned char *p = wb + pos + 4;

		if (rlen > wlen - pos - 4) {
			truncated = 1;
			rlen = wlen - pos - 4;
		}
		if ((++nrec & 0xffff) == 0 && tw_cx_expired(cx))
			break;
		if (tw_ole_out_full(o))
			break;
		switch (type) {
		case REC_BOF:
			if (rlen >= 4) {
				uint16_t ver = tw_le16(p), dt = tw_le16(p + 2);

				if (depth == 0 && pos == 0)
					x.biff8 = ver >= 0x0600;
				if (dt == 0x0010 || dt == 0x0020 || dt == 0x0040) {
					const char *name = sheet_name(&x, pos);

					if (x.in_sheet)
						xls_flush_sheet(&x);
					x.in_sheet = 1;
					tw_ole_out_nl(o);
					tw_ole_out_str(o, "Sheet: ");
					tw_ole_out_str(o, name ? name : "?");
					tw_ole_out_str(o, "\n");
				}
			}
			depth++;
			break;
		case REC_EOF:
			if (x.in_sheet)
				xls_flush_sheet(&x);
			x.in_sheet = 0;
			if (depth > 0)
				depth--;
			break;
		case REC_FILEPASS:
			encrypted = 1;
			break;
		case REC_CODEPAGE:
			if (rlen >= 2 && !x.biff8)
				tw_sbcs_init(&x.cp, tw_le16(p));
			break;
		case REC_BOUNDSHEET:
			xls_boundsheet(&x, p, rlen);
			break;
		case REC_FORMAT:
			xls_format(&x, p, rlen);
			break;
		case REC_XF:
			if (!x.in_sheet)
				xls_xf(&x, p, rlen);
			break;
		case REC_DATE1904:
			if (rlen >= 2)
				x.date1904 = tw_le16(p) == 1;
			break;
		case REC_SST:
			xls_read_sst(&x, pos, p, rlen);
			break;
		case REC_LABELSST:
			if (rlen >= 10) {
				struct cell *c = xls_cell(&x, tw_le16(p), tw_le16(p + 2));

				if (c) {
					c->sst = 1;
					c->off = tw_le32(p + 6);
				}
			}
			break;
		case REC_LABEL:
		case REC_RSTRING:
			if (rlen >= 8) {
				uint32_t off, l;
				struct cell *c;

				if (xls_string(&x, p + 6, rlen - 6, &off, &l) &&
				    (c = xls_cell(&x, tw_le16(p), tw_le16(p + 2)))) {
					c->off = off;
					c->len = l;
				}
			}
			break;
		case REC_NUMBER:
			if (rlen >= 14)
				xls_number(&x, tw_le16(p), tw_le16(p + 2), tw_le16(p + 4),
					   le_double(p + 6));
			break;
		case REC_RK:
			if (rlen >= 10)
				xls_number(&x, tw_le16(p), tw_le16(p + 2), tw_le16(p + 4),
					   rk_value(tw_le32(p + 6)));
			break;
		case REC_MULRK:
			if (rlen >= 6) {
				size_t k, n = (rlen - 6) / 6;
				uint16_t col = tw_le16(p + 2);

				for (k = 0; k < n && col + k < 65536; k++)
					xls_number(&x, tw_le16(p), (uint16_t)(col + k),
						   tw_le16(p + 4 + 6 * k),
						   rk_value(tw_le32(p + 4 + 6 * k + 2)));
			}
			break;
		case REC_FORMULA:
			x.formula_pending = 0;
			if (rlen >= 14) {
				uint32_t row = tw_le16(p);
				uint16_t col = tw_le16(p + 2);

				if (p[12] == 0xff && p[13] == 0xff) {
					if (p[6] == 0) {
						x.formula_pending = 1;
						x.frow = row;
						x.fcol = col;
					} else if (p[6] == 1) {
						xls_text_cell(&x, row, col, p[8] ? "TRUE" : "FALSE",
							      p[8] ? 4 : 5);
					}
				} else {
					xls_number(&x, row, col, tw_le16(p + 4),
						   le_double(p + 6));
				}
			}
			break;
		case REC_STRING:
			if (x.formula_pending) {
				uint32_t off, l;
				struct cell *c;

				if (xls_string(&x, p, rlen, &off, &l) &&
				    (c = xls_cell(&x, x.frow, x.fcol))) {
					c->off = off;
					c->len = l;
				}
				x.formula_pending = 0;
			}
			break;
		case REC_BOOLERR:
			if (rlen >= 8) {
				if (p[7] == 0)
					xls_text_cell(&x, tw_le16(p), tw_le16(p + 2),
						      p[6] ? "TRUE" : "FALSE", p[6] ? 4 : 5);
			}
			break;
		case REC_TXO:
			/* a comment or text box: its text is in the CONTINUE
			 * record that follows, after a flags byte */
			if (rlen >= 12 && x.in_sheet) {
				size_t cch = tw_le16(p + 10), q = pos + 4 + rlen;

				if (cch && q + 5 <= wlen && tw_le16(wb + q) == REC_CONTINUE) {
					size_t cl = tw_le16(wb + q + 2);
					const unsigned char *c = wb + q + 4;
					tw_ole_out no;

					if (cl > wlen - q - 4)
						cl = wlen - q - 4;
					if (cl < 1)
						break;
					memset(&no, 0, sizeof(no));
					no.b = x.notes;
					if (c[0] & 1) {
						if (cch > (cl - 1) / 2)
							cch = (cl - 1) / 2;
						tw_ole_out_utf16(&no, c + 1, cch);
					} else {
						if (cch > cl - 1)
							cch = cl - 1;
						tw_ole_out_8bit(&no, &x.cp, c + 1, cch);
					}
					tw_ole_out_str(&no, "\n");
					x.notes = no.b;
				}
			}
			break;
		}
		if (encrypted)
			break;
		pos += 4 + rlen;
	}
	if (x.in_sheet)
		xls_flush_sheet(&x);
	if (encrypted) {
		tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
			      "Excel workbook is encrypted with a password");
	} else if (truncated || damaged) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "Excel workbook stream is truncated or damaged; text may be incomplete");
	}
	{
		size_t ws = 0;

		for (i = 0; i < x.nsheets; i++)
			ws += x.sheets[i].worksheet;
		if (ws)
			tw_node_propf(node, "sheets", "%zu", ws);
	}
	for (i = 0; i < x.nsheets; i++)
		free(x.sheets[i].name);
	free(x.sheets);
	free(x.cells);
	free(x.sst_off);
	free(x.sst_len);
	free(x.xf_date);
	tw_buf_release(&x.sst_buf);
	tw_buf_release(&x.strs);
	tw_buf_release(&x.notes);
	free(wb);
}
