/*
 * export.c - evidence export: what a query selects, written in a form that
 * others can load and check.
 *
 *   jsonl        one object per item with metadata and text
 *   csv          one row per item, metadata only
 *   mbox         messages as an mboxrd file (re-ingesting it gives the same
 *                messages, byte for byte, when they end in a newline)
 *   eml          a folder: ID.eml for messages, ID.txt for every text
 *   zip          originals (natives/), extracted texts (text/), manifest.csv
 *                and SHA256SUMS (sha256sum -c checks the unpacked tree)
 *   concordance  a folder with a DAT load file (þ quote, 0x14 separator, ®
 *                for newlines, UTF-8 with BOM, CRLF rows), NATIVES/, TEXT/
 *
 * One item per distinct content (its first occurrence).  With redaction,
 * the findings of the chosen types are replaced by "[REDACTED:type]" in
 * texts; messages are rebuilt as their headers (scanned and masked too)
 * plus the masked text, without attachments, because a value inside a
 * base64 attachment cannot be masked in place; originals that cannot be
 * masked are left out.  A log says what was masked where.  Nothing is
 * written over: the output must not exist yet.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "protect/scan.h"
#include "search/search.h"
#include "verify/select.h"
#include "verify/verify.h"

/* ---------------------------------------------------------------- redaction */

typedef struct span {
	int64_t off, len;
	char type[16];
	char *preview;
} span;

typedef struct spans {
	span *v;
	size_t n, cap;
	char types[TW_PII_NTYPES];
	double min_conf;
} spans;

static void spans_clear(spans *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].preview);
	s->n = 0;
}

static int on_finding(const trawl_finding *f, void *ud)
{
	spans *s = ud;
	int t = tw_pii_type(f->type);

	if (t < 0 || !s->types[t] || f->confidence < s->min_conf)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		span *v = tw_realloc(s->v, cap * sizeof(*v));

		if (!v)
			return 1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].off = f->offset;
	s->v[s->n].len = f->length;
	snprintf(s->v[s->n].type, sizeof(s->v[s->n].type), "%s", f->type);
	s->v[s->n].preview = tw_strdup(f->preview);
	s->n++;
	return 0;
}

/* Text with each span replaced by its label; spans are sorted by offset
 * (findings come that way) and overlaps skipped. */
static char *redact(const char *t, size_t len, const spans *s, size_t *outlen)
{
	tw_buf b;
	size_t i, pos = 0;

	tw_buf_init(&b, len * 2 + 4096);
	for (i = 0; i < s->n; i++) {
		size_t o = (size_t)s->v[i].off, l = (size_t)s->v[i].len;

		if (o < pos || o + l > len)
			continue;
		tw_buf_append(&b, t + pos, o - pos);
		tw_buf_printf(&b, "[REDACTED:%s]", s->v[i].type);
		pos = o + l;
	}
	if (pos < len)
		tw_buf_append(&b, t + pos, len - pos);
	*outlen = b.len;
	return b.data ? tw_buf_detach(&b, NULL) : tw_strdup("");
}

/* ---------------------------------------------------------------- context */

typedef struct ex {
	trawl_archive *ar;
	const trawl_export_opts *o;
	trawl_export_stats st;
	int redacting;
	spans sp;
	tw_scanner *scanner;
	FILE *out;       /* single-file formats */
	FILE *log;       /* redactions */
	FILE *dat;       /* concordance */
	struct archive *zip;
	tw_buf sums;     /* SHA256SUMS of the zip */
	tw_buf manifest; /* manifest.csv of the zip */
	char *dir;       /* folder formats */
	int oom;         /* an item failed for lack of memory */
} ex;

static void log_span(ex *x, int64_t id, const char *path, const char *part, const span *s)
{
	if (!x->log)
		return;
	fprintf(x->log, "%lld,%s,%s,%lld,%lld,\"%s\",\"", (long long)id, part, s->type,
		(long long)s->off, (long long)s->len, s->preview ? s->preview : "");
	for (const char *p = path ? path : ""; *p; p++) {
		if (*p == '"')
			fputc('"', x->log);
		fputc((unsigned char)*p < 32 ? ' ' : *p, x->log);
	}
	fputs("\"\n", x->log);
}

/* The message rebuilt for redaction: its header fields (masked where the
 * scanner finds values of the chosen types, MIME structure fields
 * dropped), then the masked text as the only body part. */
static char *redacted_message(ex *x, int64_t id, const char *path, const char *raw, size_t rawlen,
			      const char *text, size_t tlen, size_t *outlen)
{
	size_t n, i;
	char *m = tw_crlf(raw, rawlen, &n), *body;
	tw_hdrs hs;
	tw_buf out;
	size_t blen;
	int64_t masked = (int64_t)x->sp.n;

	if (!m || tw_hdrs_parse(m, n, &hs)) {
		free(m);
		return NULL;
	}
	tw_buf_init(&out, (size_t)1 << 31);
	for (i = 0; i < hs.n; i++) {
		const tw_hdr *h = &hs.v[i];
		tw_findings f;
		size_t k, pos = 0;

		if ((h->nlen >= 8 && !strncasecmp(h->name, "Content-", 8)) ||
		    (h->nlen == 12 && !strncasecmp(h->name, "MIME-Version", 12)))
			continue;
		memset(&f, 0, sizeof(f));
		if (x->scanner)
			tw_scan_text(x->scanner, h->raw, h->rlen, 0, &f);
		for (k = 0; k < f.n; k++) {
			span s;

			if (!x->sp.types[f.v[k].type] || f.v[k].confidence < x->sp.min_conf ||
			    f.v[k].off < pos)
				continue;
			tw_buf_append(&out, h->raw + pos, f.v[k].off - pos);
			tw_buf_printf(&out, "[REDACTED:%s]", tw_pii_names[f.v[k].type]);
			pos = f.v[k].off + f.v[k].len;
			memset(&s, 0, sizeof(s));
			snprintf(s.type, sizeof(s.type), "%s", tw_pii_names[f.v[k].type]);
			s.off = (int64_t)f.v[k].off;
			s.len = (int64_t)f.v[k].len;
			s.preview = f.v[k].preview;
			log_span(x, id, path, "header", &s);
			masked++;
		}
		tw_buf_append(&out, h->raw + pos, h->rlen - pos);
		for (k = 0; k < f.n; k++) {
			free(f.v[k].value);
			free(f.v[k].preview);
		}
		free(f.v);
	}
	body = redact(text, tlen, &x->sp, &blen);
	tw_buf_printf(&out,
		      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		      "Content-Transfer-Encoding: 8bit\r\n"
		      "X-Trawl-Redacted: %lld values masked; attachments and formatting removed\r\n\r\n",
		      (long long)masked);
	if (body) {
		/* The text has LF line ends; the message has CRLF. */
		for (i = 0; i < blen; i++) {
			if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))
				tw_buf_putc(&out, '\r');
			tw_buf_putc(&out, body[i]);
		}
	}
	free(body);
	tw_hdrs_release(&hs);
	free(m);
	*outlen = out.len;
	return out.data ? tw_buf_detach(&out, NULL) : tw_strdup("");
}

/* ---------------------------------------------------------------- helpers */

static void sha_hex(const void *p, size_t n, char hex[65])
{
	unsigned char d[32];
	unsigned dl = 32;

	EVP_Digest(p, n, d, &dl, tw_md_sha256(), NULL);
	tw_hex(d, 32, hex);
}

static int write_file(ex *x, const char *rel, const void *p, size_t n)
{
	char *path = tw_asprintf("%s/%s", x->dir, rel);
	FILE *f;
	int rc = 0;

	if (!path)
		return -1;
	f = fopen(path, "wbx");
	if (!f) {
		tw_fail(x->ar, TRAWL_EIO, "cannot create '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (n && fwrite(p, 1, n, f) != n)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc)
		tw_fail(x->ar, TRAWL_EIO, "writing '%s' failed: %s", path, strerror(errno));
	x->st.bytes += (int64_t)n;
	free(path);
	return rc;
}

static int zip_add(ex *x, const char *name, const void *p, size_t n)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	if (!e)
		return -1;
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	/* A fixed time: the same export gives the same zip. */
	archive_entry_set_mtime(e, 946684800, 0);
	if (archive_write_header(x->zip, e) != ARCHIVE_OK ||
	    (n && archive_write_data(x->zip, p, n) != (la_ssize_t)n)) {
		tw_fail(x->ar, TRAWL_EIO, "writing '%s' into the zip failed: %s", name,
			archive_error_string(x->zip));
		rc = -1;
	}
	archive_entry_free(e);
	if (!rc) {
		char hex[65];

		sha_hex(n ? p : "", n, hex);
		tw_buf_printf(&x->sums, "%s  %s\n", hex, name);
		x->st.bytes += (int64_t)n;
	}
	return rc;
}

/* CSV field, quoted, with spreadsheet formulas defused. */
static void csv_put(tw_buf *b, const char *s)
{
	const char *p;

	tw_buf_putc(b, '"');
	if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
		tw_buf_putc(b, '\'');
	for (p = s ? s : ""; *p; p++) {
		if (*p == '"')
			tw_buf_putc(b, '"');
		tw_buf_putc(b, (unsigned char)*p < 32 ? ' ' : *p);
	}
	tw_buf_putc(b, '"');
}

static const char *addr_of(const trawl_item *it, const char *role, tw_buf *b)
{
	size_t i;

	tw_buf_reset(b);
	for (i = 0; i < it->naddrs; i++) {
		if (strcmp(it->addrs[i].role, role))
			continue;
		if (b->len)
			tw_buf_puts(b, ", ");
		tw_buf_puts(b, it->addrs[i].addr ? it->addrs[i].addr : (it->addrs[i].name ? it->addrs[i].name : ""));
	}
	return b->data ? b->data : "";
}

static const char *iso(int64_t t, int has, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!has || !gmtime_r(&tt, &tm))
		return "";
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static const char *native_ext(const trawl_item *it)
{
	const char *dot;

	if (it->type && !strcmp(it->type, "email"))
		return "eml";
	dot = it->name ? strrchr(it->name, '.') : NULL;
	if (dot && dot[1] && strlen(dot + 1) <= 8) {
		const char *p;

		for (p = dot + 1; *p; p++)
			if (!isalnum((unsigned char)*p))
				return "bin";
		return dot + 1;
	}
	return "bin";
}

/* ---------------------------------------------------------------- concordance */

static void dat_field(FILE *f, const char *s, int first)
{
	const char *p;

	if (!first)
		fputc(0x14, f);
	fputs("\xc3\xbe", f); /* þ */
	for (p = s ? s : ""; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n' || *p == '\r')
			fputs("\xc2\xae", f); /* ® stands for a newline */
		else if ((unsigned char)*p == 0x14 || (unsigned char)*p < 32)
			fputc(' ', f);
		else if ((unsigned char)*p == 0xc3 && (unsigned char)p[1] == 0xbe) {
			fputc(' ', f); /* a þ of the data would end the field */
			p++;
		} else
			fputc(*p, f);
	}
	fputs("\xc3\xbe", f);
}

static const char *const dat_fields[] = {
	"BEGDOC", "ENDDOC", "BEGATTACH", "ENDATTACH", "PARENTDOC", "CUSTODIAN", "FROM", "TO", "CC",
	"SUBJECT", "DATESENT", "FILENAME", "FILEPATH", "FILESIZE", "MD5HASH", "SHA256HASH",
	"NATIVEPATH", "TEXTPATH", "TRAWLID", NULL,
};

/* ---------------------------------------------------------------- one item */

static int export_item(ex *x, const tw_sel_item *si, const char *control, const char *begattach,
		       const char *endattach, const char *parentdoc)
{
	trawl_export_format fmt = x->o->format;
	trawl_item *it = NULL;
	char *text = NULL, *rtext = NULL, *native = NULL;
	size_t tlen = 0, rtlen = 0, nlen = 0;
	tw_buf raw, tmp;
	int is_mail, rc = 0, have_raw = 0;
	char date[40];
	trawl_status st;
	uint64_t failures = tw_alloc_failures();

	st = trawl_item_get(x->ar, si->id, &it);
	if (st == TRAWL_ENOMEM)
		x->oom = 1;
	if (st)
		return st == TRAWL_ENOMEM ? -1 : 0;
	is_mail = it->type && !strcmp(it->type, "email");
	if (fmt == TRAWL_EXPORT_MBOX && !is_mail) {
		x->st.skipped++;
		trawl_item_free(it);
		return 0;
	}
	tw_buf_init(&raw, (size_t)1 << 31);
	tw_buf_init(&tmp, 1 << 20);
	if (trawl_item_text(x->ar, si->id, &text, &tlen) != TRAWL_OK) {
		text = tw_strdup("");
		tlen = 0;
	}
	if (x->redacting) {
		spans_clear(&x->sp);
		trawl_item_findings(x->ar, si->id, on_finding, &x->sp);
		for (size_t k = 0; k < x->sp.n; k++)
			log_span(x, si->id, it->path, "text", &x->sp.v[k]);
		x->st.redactions += (int64_t)x->sp.n;
		rtext = redact(text ? text : "", tlen, &x->sp, &rtlen);
	} else {
		rtext = text;
		rtlen = tlen;
	}
	/* The native: the original bytes, or for redaction the rebuilt
	 * message (other originals cannot be masked and are left out). */
	if (fmt == TRAWL_EXPORT_MBOX || fmt == TRAWL_EXPORT_ZIP || fmt == TRAWL_EXPORT_CONCORDANCE ||
	    (fmt == TRAWL_EXPORT_EML && is_mail)) {
		if (tw_item_bytes(x->ar, si->id, &raw) == TRAWL_OK) {
			have_raw = 1;
			if (x->redacting && is_mail) {
				native = redacted_message(x, si->id, it->path, raw.data ? raw.data : "", raw.len,
							  text ? text : "", tlen, &nlen);
			} else if (!x->redacting) {
				native = raw.data ? raw.data : tw_strdup("");
				nlen = raw.len;
				raw.data = NULL;
				raw.len = 0;
			}
		} else {
			x->st.errors++;
		}
	}
	(void)have_raw;
	/* Its text, findings or original lost for lack of memory, nothing of
	 * the item is written: a redaction could miss a span. */
	if (tw_alloc_failures() != failures) {
		rc = -1;
		goto done;
	}
	switch (fmt) {
	case TRAWL_EXPORT_JSONL: {
		json_t *o = json_object();
		char *line;

		json_object_set_new(o, "id", json_integer(it->id));
		json_object_set_new(o, "kind", json_string(it->kind ? it->kind : ""));
		json_object_set_new(o, "type", it->type ? json_string(it->type) : json_null());
		json_object_set_new(o, "path", it->path ? json_string(it->path) : json_null());
		json_object_set_new(o, "name", it->name ? json_string(it->name) : json_null());
		json_object_set_new(o, "mime", it->mime ? json_string(it->mime) : json_null());
		json_object_set_new(o, "custodian", it->label ? json_string(it->label) : json_null());
		json_object_set_new(o, "sha256", it->sha256 ? json_string(it->sha256) : json_null());
		json_object_set_new(o, "md5", it->md5 ? json_string(it->md5) : json_null());
		json_object_set_new(o, "size", json_integer(it->size));
		json_object_set_new(o, "date", it->has_date ? json_string(iso(it->date, 1, date, sizeof(date))) : json_null());
		json_object_set_new(o, "from", json_string(addr_of(it, "from", &tmp)));
		json_object_set_new(o, "to", json_string(addr_of(it, "to", &tmp)));
		json_object_set_new(o, "cc", json_string(addr_of(it, "cc", &tmp)));
		json_object_set_new(o, "subject", it->subject ? json_string(it->subject) : json_null());
		json_object_set_new(o, "message_id", it->message_id ? json_string(it->message_id) : json_null());
		if (x->redacting)
			json_object_set_new(o, "redactions", json_integer((json_int_t)x->sp.n));
		if (!x->o->no_text)
			json_object_set_new(o, "text", json_stringn(rtext ? rtext : "", rtlen));
		line = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!line || fprintf(x->out, "%s\n", line) < 0)
			rc = -1;
		x->st.bytes += line ? (int64_t)strlen(line) + 1 : 0;
		free(line);
		break;
	}
	case TRAWL_EXPORT_CSV: {
		char num[32];

		tw_buf_reset(&raw);
		snprintf(num, sizeof(num), "%lld", (long long)it->id);
		tw_buf_puts(&raw, num);
		tw_buf_putc(&raw, ',');
		csv_put(&raw, it->kind);
		tw_buf_putc(&raw, ',');
		csv_put(&raw, it->type);
		tw_buf_putc(&raw, ',');
		csv_put(&raw, it->path);
		tw_buf_putc(&raw, ',');
		csv_put(&raw, it->label);
		tw_buf_printf(&raw, ",%s,%s,%lld,%s,", it->sha256 ? it->sha256 : "", it->md5 ? it->md5 : "",
			      (long long)it->size, iso(it->date, it->has_date, date, sizeof(date)));
		csv_put(&raw, addr_of(it, "from", &tmp));
		tw_buf_putc(&raw, ',');
		csv_put(&raw, addr_of(it, "to", &tmp));
		tw_buf_putc(&raw, ',');
		csv_put(&raw, it->subject);
		tw_buf_putc(&raw, ',');
		csv_put(&raw, it->message_id);
		tw_buf_puts(&raw, "\n");
		if (fwrite(raw.data, 1, raw.len, x->out) != raw.len)
			rc = -1;
		x->st.bytes += (int64_t)raw.len;
		break;
	}
	case TRAWL_EXPORT_MBOX: {
		time_t tt = (time_t)it->date;
		struct tm tm;
		char when[64] = "Thu Jan  1 00:00:00 1970";
		const char *from = addr_of(it, "from", &tmp);
		size_t p = 0;

		if (!native) {
			x->st.skipped++;
			break;
		}
		if (it->has_date && gmtime_r(&tt, &tm))
			strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
		/* The separator: no spaces in the address part. */
		fprintf(x->out, "From %s %s\n", *from && !strpbrk(from, " \t,") ? from : "MAILER-DAEMON",
			when);
		/* mboxrd: every line matching ^>*From gets one more '>'. */
		while (p < nlen) {
			size_t e = p, q = p;

			while (e < nlen && native[e] != '\n')
				e++;
			while (q < e && native[q] == '>')
				q++;
			if (e - q >= 5 && !memcmp(native + q, "From ", 5))
				fputc('>', x->out);
			fwrite(native + p, 1, e - p, x->out);
			fputc('\n', x->out);
			x->st.bytes += (int64_t)(e - p + 1);
			p = e + 1;
		}
		fputc('\n', x->out);
		break;
	}
	case TRAWL_EXPORT_EML: {
		char name[64];

		if (is_mail && native) {
			snprintf(name, sizeof(name), "%lld.eml", (long long)it->id);
			if (write_file(x, name, native, nlen))
				rc = -1;
		}
		snprintf(name, sizeof(name), "%lld.txt", (long long)it->id);
		if (!rc && write_file(x, name, rtext ? rtext : "", rtlen))
			rc = -1;
		break;
	}
	case TRAWL_EXPORT_ZIP: {
		char nname[96] = "", tname[64];
		char num[32];

		if (native) {
			snprintf(nname, sizeof(nname), "natives/%lld.%s", (long long)it->id, native_ext(it));
			if (zip_add(x, nname, native, nlen))
				rc = -1;
		}
		snprintf(tname, sizeof(tname), "text/%lld.txt", (long long)it->id);
		if (!rc && zip_add(x, tname, rtext ? rtext : "", rtlen))
			rc = -1;
		snprintf(num, sizeof(num), "%lld,", (long long)it->id);
		tw_buf_puts(&x->manifest, num);
		csv_put(&x->manifest, it->path);
		tw_buf_putc(&x->manifest, ',');
		csv_put(&x->manifest, it->label);
		tw_buf_printf(&x->manifest, ",%s,%s,%lld,%s,", it->sha256 ? it->sha256 : "",
			      it->md5 ? it->md5 : "", (long long)it->size,
			      iso(it->date, it->has_date, date, sizeof(date)));
		csv_put(&x->manifest, it->date_raw);
		tw_buf_printf(&x->manifest, ",%s,%s\n", nname, tname);
		break;
	}
	case TRAWL_EXPORT_CONCORDANCE: {
		char nrel[96] = "", trel[96], npath[96] = "", tpath[96], size[32];

		if (native) {
			snprintf(nrel, sizeof(nrel), "NATIVES/%s.%s", control, native_ext(it));
			snprintf(npath, sizeof(npath), "NATIVES\\%s.%s", control, native_ext(it));
			if (write_file(x, nrel, native, nlen))
				rc = -1;
		}
		snprintf(trel, sizeof(trel), "TEXT/%s.txt", control);
		snprintf(tpath, sizeof(tpath), "TEXT\\%s.txt", control);
		if (!rc && write_file(x, trel, rtext ? rtext : "", rtlen))
			rc = -1;
		snprintf(size, sizeof(size), "%lld", (long long)it->size);
		dat_field(x->dat, control, 1);
		dat_field(x->dat, control, 0);
		dat_field(x->dat, begattach, 0);
		dat_field(x->dat, endattach, 0);
		dat_field(x->dat, parentdoc, 0);
		dat_field(x->dat, it->label, 0);
		dat_field(x->dat, addr_of(it, "from", &tmp), 0);
		dat_field(x->dat, addr_of(it, "to", &tmp), 0);
		dat_field(x->dat, addr_of(it, "cc", &tmp), 0);
		dat_field(x->dat, it->subject, 0);
		dat_field(x->dat, is_mail ? iso(it->date, it->has_date, date, sizeof(date)) : "", 0);
		dat_field(x->dat, it->name, 0);
		dat_field(x->dat, it->path, 0);
		dat_field(x->dat, size, 0);
		dat_field(x->dat, it->md5, 0);
		dat_field(x->dat, it->sha256, 0);
		dat_field(x->dat, npath, 0);
		dat_field(x->dat, tpath, 0);
		snprintf(size, sizeof(size), "%lld", (long long)it->id);
		dat_field(x->dat, size, 0);
		fputs("\r\n", x->dat);
		break;
	}
	}
	/* Built rows and fields (CSV, load file) check here, once. */
	if (!rc && tw_alloc_failures() != failures)
		rc = -1;
done:
	if (rc && tw_alloc_failures() != failures) {
		x->oom = 1;
		tw_fail(x->ar, TRAWL_ENOMEM, "out of memory exporting item %lld", (long long)si->id);
	}
	if (!rc)
		x->st.items++;
	if (rtext != text)
		free(rtext);
	free(text);
	free(native);
	tw_buf_release(&raw);
	tw_buf_release(&tmp);
	trawl_item_free(it);
	return rc;
}

/* ---------------------------------------------------------------- families */

typedef struct fam {
	int64_t top, id;
	size_t idx;
} fam;

static int cmp_fam(const void *a, const void *b)
{
	const fam *x = a, *y = b;

	if (x->top != y->top)
		return x->top < y->top ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The document family of an item: its outermost ancestor that is not an
 * mbox or a folder of messages (a message in an mbox is a family of its
 * own; an attachment belongs to its message). */
static int64_t family_top(sqlite3_stmt *q, int64_t id)
{
	int64_t cur = id;
	int guard = 0;

	while (guard++ < 64) {
		int64_t parent = 0;
		int parent_is_mbox = 0;

		sqlite3_bind_int64(q, 1, cur);
		if (sqlite3_step(q) == SQLITE_ROW) {
			parent = sqlite3_column_int64(q, 0);
			parent_is_mbox = sqlite3_column_int(q, 1);
		}
		sqlite3_reset(q);
		if (!parent || parent_is_mbox)
			break;
		cur = parent;
	}
	return cur;
}

/* ---------------------------------------------------------------- driver */

trawl_status trawl_export(trawl_archive *ar, const char *query, const trawl_export_opts *opts,
			  trawl_export_stats *out, trawl_syntax_error *err)
{
	ex x;
	tw_sel *sel = NULL;
	trawl_status st;
	struct stat sb;
	size_t i;
	int to_stdout, folder;
	char *logpath = NULL;

	memset(&x, 0, sizeof(x));
	if (out)
		memset(out, 0, sizeof(*out));
	if (!opts || !opts->out || !*opts->out)
		return tw_fail(ar, TRAWL_EINVAL, "export needs an output (--output FILE or folder)");
	x.ar = ar;
	x.o = opts;
	to_stdout = !strcmp(opts->out, "-");
	folder = opts->format == TRAWL_EXPORT_EML || opts->format == TRAWL_EXPORT_CONCORDANCE;
	if (to_stdout && (folder || opts->format == TRAWL_EXPORT_ZIP))
		return tw_fail(ar, TRAWL_EINVAL, "this format writes files: give --output a path, not '-'");
	if (!to_stdout && lstat(opts->out, &sb) == 0)
		return tw_fail(ar, TRAWL_EINVAL, "'%s' exists: export never writes over anything; choose a new name",
			       opts->out);
	if (opts->redact && *opts->redact) {
		const char *p = opts->redact;

		if (to_stdout)
			return tw_fail(ar, TRAWL_EINVAL, "--redact needs --output FILE: the log of what was masked goes next to it");
		while (*p) {
			const char *e = strchr(p, ',');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			char name[32];
			int t;

			if (!n || n >= sizeof(name))
				return tw_fail(ar, TRAWL_EINVAL, "bad --redact list '%s'", opts->redact);
			memcpy(name, p, n);
			name[n] = 0;
			if (!strcmp(name, "all")) {
				memset(x.sp.types, 1, sizeof(x.sp.types));
			} else if ((t = tw_pii_type(name)) >= 0) {
				x.sp.types[t] = 1;
			} else {
				return tw_fail(ar, TRAWL_EINVAL,
					       "unknown type '%s' in --redact: use ssn, card, iban, phone, email, password, key, dob, ip or all",
					       name);
			}
			p = e ? e + 1 : p + n;
		}
		x.redacting = 1;
		x.sp.min_conf = opts->redact_min_confidence;
		x.scanner = tw_scanner_new();
	}
	st = tw_select(ar, query, opts->format == TRAWL_EXPORT_MBOX, &sel, err);
	if (st)
		goto done;
	/* Create the output. */
	if (folder) {
		if (mkdir(opts->out, 0755) != 0) {
			st = tw_fail(ar, TRAWL_EIO, "cannot create folder '%s': %s", opts->out, strerror(errno));
			goto done;
		}
		x.dir = tw_strdup(opts->out);
		if (opts->format == TRAWL_EXPORT_CONCORDANCE) {
			char *p1 = tw_asprintf("%s/NATIVES", opts->out), *p2 = tw_asprintf("%s/TEXT", opts->out);
			char *dp = tw_asprintf("%s/export.dat", opts->out);

			if (!p1 || !p2 || !dp || mkdir(p1, 0755) || mkdir(p2, 0755) || !(x.dat = fopen(dp, "wbx"))) {
				st = tw_fail(ar, TRAWL_EIO, "cannot create the load file in '%s': %s", opts->out,
					     strerror(errno));
				free(p1), free(p2), free(dp);
				goto done;
			}
			free(p1), free(p2), free(dp);
			fputs("\xef\xbb\xbf", x.dat); /* UTF-8 byte order mark */
			for (i = 0; dat_fields[i]; i++)
				dat_field(x.dat, dat_fields[i], i == 0);
			fputs("\r\n", x.dat);
		}
		if (x.redacting)
			logpath = tw_asprintf("%s/redactions.csv", opts->out);
	} else if (opts->format == TRAWL_EXPORT_ZIP) {
		x.zip = archive_write_new();
		if (!x.zip || archive_write_set_format_zip(x.zip) != ARCHIVE_OK ||
		    archive_write_open_filename(x.zip, opts->out) != ARCHIVE_OK) {
			st = tw_fail(ar, TRAWL_EIO, "cannot create zip '%s': %s", opts->out,
				     x.zip ? archive_error_string(x.zip) : "out of memory");
			goto done;
		}
		tw_buf_init(&x.sums, (size_t)1 << 30);
		tw_buf_init(&x.manifest, (size_t)1 << 30);
		tw_buf_puts(&x.manifest, "id,family_path,custodian,sha256,md5,size,date,date_header,native,text\n");
		if (x.redacting)
			logpath = tw_asprintf("%s.redactions.csv", opts->out);
	} else {
		x.out = to_stdout ? stdout : fopen(opts->out, "wbx");
		if (!x.out) {
			st = tw_fail(ar, TRAWL_EIO, "cannot create '%s': %s", opts->out, strerror(errno));
			goto done;
		}
		if (opts->format == TRAWL_EXPORT_CSV)
			fputs("id,kind,type,path,custodian,sha256,md5,size,date,from,to,subject,message_id\n", x.out);
		if (x.redacting)
			logpath = tw_asprintf("%s.redactions.csv", opts->out);
	}
	if (x.redacting && !logpath) {
		/* A redaction is never written without its log. */
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		goto done;
	}
	if (logpath) {
		x.log = fopen(logpath, "wbx");
		if (!x.log) {
			st = tw_fail(ar, TRAWL_EIO, "cannot create the redaction log '%s': %s", logpath,
				     strerror(errno));
			goto done;
		}
		fputs("id,part,type,offset,length,preview,path\n", x.log);
	}
	if (opts->format == TRAWL_EXPORT_CONCORDANCE) {
		/* Families together, each in id order, numbered in that order. */
		fam *f = tw_calloc(sel->n ? sel->n : 1, sizeof(*f));
		sqlite3_stmt *q = NULL;
		const char *prefix = opts->prefix && *opts->prefix ? opts->prefix : "TRAWL";
		size_t a, b;

		if (!f) {
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
			goto done;
		}
		if (sqlite3_prepare_v2(ar->db,
				       "SELECT i.parent_id, coalesce((SELECT b.type='mbox' FROM items p"
				       " JOIN blobs b ON b.id=p.blob_id WHERE p.id=i.parent_id), 0)"
				       " FROM items i WHERE i.id=?",
				       -1, &q, NULL) != SQLITE_OK) {
			free(f);
			st = tw_dbfail(ar, "grouping families");
			goto done;
		}
		for (i = 0; i < sel->n; i++) {
			f[i].id = sel->v[i].id;
			f[i].top = family_top(q, sel->v[i].id);
			f[i].idx = i;
		}
		sqlite3_finalize(q);
		qsort(f, sel->n, sizeof(*f), cmp_fam);
		for (a = 0; a < sel->n && st == TRAWL_OK; a = b) {
			char beg[64], end[64], parent[64] = "";

			for (b = a; b < sel->n && f[b].top == f[a].top; b++)
				;
			snprintf(beg, sizeof(beg), "%s%07zu", prefix, a + 1);
			snprintf(end, sizeof(end), "%s%07zu", prefix, b);
			for (i = a; i < b; i++) {
				char cn[64];

				snprintf(cn, sizeof(cn), "%s%07zu", prefix, i + 1);
				/* Members of a family point at its first document. */
				if (i > a)
					snprintf(parent, sizeof(parent), "%s", beg);
				if (export_item(&x, &sel->v[f[i].idx], cn, beg, end, i > a ? parent : ""))
					st = x.oom || !x.ar->errmsg[0] ? TRAWL_ENOMEM : TRAWL_EIO;
			}
		}
		free(f);
	} else {
		for (i = 0; i < sel->n && st == TRAWL_OK; i++)
			if (export_item(&x, &sel->v[i], NULL, NULL, NULL, NULL))
				st = x.oom ? TRAWL_ENOMEM : TRAWL_EIO;
	}
	/* The manifest and checksums were built line by line: checked once. */
	if (st == TRAWL_OK && x.zip && (tw_buf_failed(&x.manifest) || tw_buf_failed(&x.sums)))
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory building the manifest");
	if (st == TRAWL_OK && x.zip) {
		char hex[65];

		/* The manifest, its hash, and the checksums of everything. */
		sha_hex(x.manifest.data ? x.manifest.data : "", x.manifest.len, hex);
		memcpy(x.st.manifest_sha256, hex, 65);
		if (zip_add(&x, "manifest.csv", x.manifest.data ? x.manifest.data : "", x.manifest.len))
			st = TRAWL_EIO;
		else {
			tw_buf h;

			tw_buf_init(&h, 256);
			tw_buf_printf(&h, "%s  manifest.csv\n", hex);
			if (tw_buf_failed(&h))
				st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
			else if (zip_add(&x, "manifest.csv.sha256", h.data, h.len))
				st = TRAWL_EIO;
			tw_buf_release(&h);
		}
		if (st == TRAWL_OK) {
			/* SHA256SUMS covers every file above, itself excluded. */
			tw_buf copy = x.sums;

			if (zip_add(&x, "SHA256SUMS", copy.data ? copy.data : "", copy.len))
				st = TRAWL_EIO;
		}
	}
done:
	if (x.zip) {
		if (archive_write_close(x.zip) != ARCHIVE_OK && st == TRAWL_OK)
			st = tw_fail(ar, TRAWL_EIO, "finishing zip '%s': %s", opts->out,
				     archive_error_string(x.zip));
		archive_write_free(x.zip);
	}
	if (x.out && x.out != stdout && fclose(x.out) != 0 && st == TRAWL_OK)
		st = tw_fail(ar, TRAWL_EIO, "writing '%s' failed: %s", opts->out, strerror(errno));
	if (x.out == stdout && fflush(stdout) != 0 && st == TRAWL_OK)
		st = tw_fail(ar, TRAWL_EIO, "writing to standard output failed");
	if (x.dat && fclose(x.dat) != 0 && st == TRAWL_OK)
		st = tw_fail(ar, TRAWL_EIO, "writing the load file failed");
	if (x.log && fclose(x.log) != 0 && st == TRAWL_OK)
		st = tw_fail(ar, TRAWL_EIO, "writing the redaction log failed");
	spans_clear(&x.sp);
	free(x.sp.v);
	tw_scanner_free(x.scanner);
	tw_buf_release(&x.sums);
	tw_buf_release(&x.manifest);
	free(x.dir);
	free(logpath);
	tw_sel_free(sel);
	if (out)
		*out = x.st;
	return st;
}
