/*
 * container.c - archives and compressed files, read with libarchive.
 *
 * Zip (and jar, epub...), tar, cpio, ar, 7z, rar/rar5, cab, lha, iso9660,
 * xar and warc become a node whose regular members are children of kind
 * "member", named by their path inside the container and located by their
 * ordinal ("member:<n>", counting every entry libarchive returns, so that
 * the same member is found again on re-reading).  Single-file compressors
 * (.gz .bz2 .xz .zst .lz .lzma .Z .lz4) are opened with libarchive's "raw"
 * format behind its decompression filters and give one member named after
 * the file without its compression extension; a compressed tar is read as
 * a tar.  The raw format accepts any bytes whatsoever, so it is only used
 * when libmagic said the content is one of those compressors.
 *
 * Zip-based office documents are left to their own extractors, even when
 * libmagic only says application/zip.  Member names come from the attacker:
 * they are never used as file system paths (nothing is written to disk);
 * absolute or "../" names are kept as they are and flagged "unsafe_path".
 * Every decompressed block is accounted with tw_cx_inflate() so that bombs
 * stop at the ratio and size limits; members above max_item_bytes,
 * encrypted members and corrupt archives are recorded as errors on the
 * container while the readable members are kept.
 */
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>

#include "extract/extract.h"
#include "extract/le.h"

#define READ_BLOCK (1u << 20)

/* ---------------------------------------------------------------- detection */

/* Archive MIME types libmagic gives for the formats libarchive reads. */
static const char *const archive_mimes[] = {
	"application/zip",
	"application/x-zip",
	"application/x-zip-compressed",
	"application/java-archive",
	"application/x-java-archive",
	"application/epub+zip",
	"application/x-tar",
	"application/x-gtar",
	"application/x-ustar",
	"application/x-7z-compressed",
	"application/x-rar",
	"application/x-rar-compressed",
	"application/vnd.rar",
	"application/x-cpio",
	"application/x-archive",
	"application/x-iso9660-image",
	"application/vnd.ms-cab-compressed",
	"application/x-lha",
	"application/x-lzh-compressed",
	"application/x-xar",
	"application/warc",
};

/* Single-file compressors: read through the raw format. */
static const char *const compressed_mimes[] = {
	"application/gzip",
	"application/x-gzip",
	"application/x-bzip2",
	"application/x-xz",
	"application/zstd",
	"application/x-zstd",
	"application/x-lzip",
	"application/x-lzma",
	"application/x-compress",
	"application/x-lz4",
};

static int in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static int is_compressed_mime(const char *mime)
{
	return mime && in_list(mime, compressed_mimes, TW_ARRAY_LEN(compressed_mimes));
}

/* Extensions of zip-based office documents, which have their own
 * extractors earlier in the registry.  The StarOffice 6 formats (.sxw...)
 * are not among them: no office extractor reads them, and their XML
 * members are still worth indexing. */
static const char *const office_exts[] = {
	"docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm", "xlsb",
	"xlam", "pptx", "pptm", "potx", "potm", "ppsx", "ppsm", "ppam", "sldx",
	"sldm", "odt", "ods", "odp", "odg", "odf", "odc", "odi", "odm", "ott",
	"ots", "otp", "otg",
};

struct zipscan {
	int content_types; /* [Content_Types].xml */
	int ooxml_part;    /* word/, xl/ or ppt/ */
	int odf;           /* mimetype member naming an ODF type */
};

static void zip_name(struct zipscan *z, const unsigned char *name, size_t n,
		     const unsigned char *stored, size_t stored_len)
{
	static const char ct[] = "[Content_Types].xml";

	if (n == sizeof(ct) - 1 && memcmp(name, ct, n) == 0)
		z->content_types = 1;
	else if ((n > 5 && memcmp(name, "word/", 5) == 0) ||
		 (n > 3 && memcmp(name, "xl/", 3) == 0) ||
		 (n > 4 && memcmp(name, "ppt/", 4) == 0))
		z->ooxml_part = 1;
	else if (n == 8 && memcmp(name, "mimetype", 8) == 0 && stored) {
		static const char *const odf[] = {
			"application/vnd.oasis.opendocument.",
		};
		size_t i;

		for (i = 0; i < TW_ARRAY_LEN(odf); i++)
			if (stored_len >= strlen(odf[i]) &&
			    memcmp(stored, odf[i], strlen(odf[i])) == 0)
				z->odf = 1;
	}
}

/*
 * Look at the member names of a zip without libarchive: the local headers
 * at the start (all that the head of a large file shows) and, when the
 * whole file is here, the central directory.  Bounded and tolerant: a
 * damaged zip simply shows fewer names.
 */
static void zip_scan(const unsigned char *d, size_t n, struct zipscan *z)
{
	size_t pos = 0, scanned = 0, limit = n < (4u << 20) ? n : (4u << 20);
	size_t i, start;

	while (pos + 30 <= limit && scanned < 256) {
		const unsigned char *h = d + pos;
		size_t nl, el, cs;
		unsigned flags, method;

		if (tw_le32(h) != 0x04034b50) {
			const unsigned char *next =
				memmem(d + pos + 1, limit - pos - 1, "PK\003\004", 4);

			if (!next)
				break;
			pos = (size_t)(next - d);
			continue;
		}
		flags = tw_le16(h + 6);
		method = tw_le16(h + 8);
		cs = tw_le32(h + 18);
		nl = tw_le16(h + 26);
		el = tw_le16(h + 28);
		if (pos + 30 + nl + el > n)
			break;
		{
			const unsigned char *data = h + 30 + nl + el;
			size_t avail = n - (pos + 30 + nl + el);

			zip_name(z, h + 30, nl, method == 0 ? data : NULL,
				 method == 0 ? (cs < avail ? cs : avail) : 0);
		}
		scanned++;
		if ((flags & 8) || cs == 0xffffffffu) {
			pos += 30 + nl + el; /* size unknown here: search on */
			continue;
		}
		pos += 30 + nl + el + cs;
	}
	/* End of central directory record: within the last 64 KiB + 22. */
	if (n < 22)
		return;
	start = n > 65557 ? n - 65557 : 0;
	for (i = n - 22 + 1; i-- > start;) {
		size_t cd, entries, k;

		if (tw_le32(d + i) != 0x06054b50)
			continue;
		entries = tw_le16(d + i + 10);
		cd = tw_le32(d + i + 16);
		for (k = 0; k < entries && cd + 46 <= n; k++) {
			size_t nl = tw_le16(d + cd + 28), el = tw_le16(d + cd + 30),
			       cl = tw_le16(d + cd + 32);

			if (tw_le32(d + cd) != 0x02014b50 || cd + 46 + nl > n)
				break;
			zip_name(z, d + cd + 46, nl, NULL, 0);
			cd += 46 + nl + el + cl;
		}
		break;
	}
}

static int is_office_zip(const char *ext, const unsigned char *data, size_t len)
{
	struct zipscan z;

	if (ext && in_list(ext, office_exts, TW_ARRAY_LEN(office_exts)))
		return 1;
	if (len < 4 || memcmp(data, "PK", 2) != 0)
		return 0;
	memset(&z, 0, sizeof(z));
	zip_scan(data, len, &z);
	return (z.content_types && z.ooxml_part) || z.odf;
}

static int container_accepts(const char *mime, const char *ext,
			     const unsigned char *data, size_t len)
{
	if (!mime)
		return 0;
	if (is_compressed_mime(mime))
		return 1;
	if (!in_list(mime, archive_mimes, TW_ARRAY_LEN(archive_mimes)))
		return 0;
	if (strstr(mime, "zip") && is_office_zip(ext, data, len))
		return 0;
	return 1;
}

/* ---------------------------------------------------------------- reading */

struct reader {
	tw_extract_ctx *cx;
	tw_node *node;
	struct archive *a;
	int raw;               /* single-file compressor */
	char *raw_name;        /* member name for the raw case */
	int64_t consumed;      /* raw input bytes accounted so far */
	tw_buf encrypted;      /* names of encrypted members */
	unsigned nencrypted;
	tw_buf unsupported;    /* members in a compression libarchive lacks */
	unsigned nunsupported;
	char *unsupported_why;
	unsigned nfailed;      /* members that could not be read */
	int stop;              /* a limit was hit: no more members */
};

/* "archive.tar.gz" -> "archive.tar", "x.tgz" -> "x.tar", "bob.gz" -> "bob". */
static char *raw_member_name(const char *name)
{
	static const struct {
		const char *ext, *repl;
	} exts[] = {
		{".tgz", ".tar"}, {".tbz", ".tar"}, {".tbz2", ".tar"},
		{".txz", ".tar"}, {".tzst", ".tar"}, {".tlz", ".tar"},
		{".gz", ""}, {".gzip", ""}, {".bz2", ""}, {".bzip2", ""},
		{".xz", ""}, {".zst", ""}, {".zstd", ""}, {".lz", ""},
		{".lzma", ""}, {".z", ""}, {".lz4", ""},
	};
	const char *base, *slash;
	size_t n, i;

	if (!name || !*name)
		return tw_strdup("data");
	slash = strrchr(name, '/');
	base = slash && slash[1] ? slash + 1 : name;
	n = strlen(base);
	for (i = 0; i < TW_ARRAY_LEN(exts); i++) {
		size_t k = strlen(exts[i].ext);

		if (n > k && strncasecmp(base + n - k, exts[i].ext, k) == 0)
			return tw_asprintf("%.*s%s", (int)(n - k), base, exts[i].repl);
	}
	return tw_strdup(base);
}

/* Absolute, drive-letter or parent-relative paths: an extraction tool would
 * write them outside its target directory. */
static int unsafe_path(const char *p)
{
	const char *s = p;

	if (p[0] == '/' || p[0] == '\\')
		return 1;
	if (((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z')) &&
	    p[1] == ':')
		return 1;
	while (*s) {
		size_t k = strcspn(s, "/\\");

		if (k == 2 && s[0] == '.' && s[1] == '.')
			return 1;
		s += k;
		if (*s)
			s++;
	}
	return 0;
}

static int is_dir_name(struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e);
	size_t n;

	if (!p)
		p = archive_entry_pathname_utf8(e);
	n = p ? strlen(p) : 0;
	return n == 0 || p[n - 1] == '/' || p[n - 1] == '\\';
}

/* The member's path as UTF-8 (caller frees). */
static char *entry_name(struct archive_entry *e, size_t index)
{
	const char *u = archive_entry_pathname_utf8(e);
	const char *raw;

	if (u && *u)
		return tw_utf8_clean(u, strlen(u), NULL);
	raw = archive_entry_pathname(e);
	if (raw && *raw)
		return tw_to_utf8(raw, strlen(raw), NULL, NULL);
	return tw_asprintf("member-%zu", index);
}

/* Account the decompressed bytes of one block against the container. */
static trawl_status account(struct reader *r, size_t n)
{
	int64_t now = archive_filter_bytes(r->a, -1);
	uint64_t compressed = 0;

	if (now > r->consumed) {
		compressed = (uint64_t)(now - r->consumed);
		r->consumed = now;
	}
	return tw_cx_inflate(r->cx, r->node, n, compressed);
}

static int looks_encrypted(const char *msg)
{
	return msg && (strcasestr(msg, "passphrase") || strcasestr(msg, "encrypt") ||
		       strcasestr(msg, "password"));
}

static void note_encrypted(struct reader *r, const char *name)
{
	if (r->nencrypted++ < 20) {
		if (r->encrypted.len)
			tw_buf_puts(&r->encrypted, ", ");
		tw_buf_puts(&r->encrypted, name);
	}
}

/*
 * Read the data of the current entry into `out`.  Returns 1 when the member
 * is complete, 0 when it was skipped (error recorded), -1 when reading must
 * stop (limit or fatal error, recorded).
 */
static int read_member(struct reader *r, struct archive_entry *e,
		       const char *name, tw_buf *out)
{
	static __thread char block[1 << 16];
	uint64_t max = tw_cx_limits(r->cx)->max_item_bytes;
	int warnings = 0;

	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
	    (uint64_t)archive_entry_size(e) > max) {
		tw_node_error(r->node, TRAWL_ELIMIT, "limit",
			      "member \"%s\" is %lld bytes, more than max_item_bytes (%llu): not extracted",
			      name, (long long)archive_entry_size(e),
			      (unsigned long long)max);
		return 0;
	}
	for (;;) {
		la_ssize_t got = archive_read_data(r->a, block, sizeof(block));

		if (got == 0)
			return 1;
		if (got < 0) {
			const char *msg = archive_error_string(r->a);

			if ((got == ARCHIVE_WARN || got == ARCHIVE_RETRY) && warnings++ < 64)
				continue;
			if (looks_encrypted(msg)) {
				note_encrypted(r, name);
				return got == ARCHIVE_FATAL ? -1 : 0;
			}
			if (msg && strncmp(msg, "Unsupported", 11) == 0) {
				/* e.g. "Unsupported ZIP compression method (6:
				 * imploded)": one error for them all. */
				if (r->nunsupported++ < 20) {
					if (r->unsupported.len)
						tw_buf_puts(&r->unsupported, ", ");
					tw_buf_puts(&r->unsupported, name);
				}
				if (!r->unsupported_why)
					r->unsupported_why = tw_strdup(msg);
			} else if (r->nfailed++ < 10) {
				tw_node_error(r->node, TRAWL_ECORRUPT, "extract",
					      "cannot read member \"%s\": %s", name,
					      msg ? msg : "read error");
			}
			return got == ARCHIVE_FATAL ? -1 : 0;
		}
		if (account(r, (size_t)got) != TRAWL_OK)
			return -1;
		if (tw_cx_expired(r->cx))
			return -1;
		if (out->len + (size_t)got > max) {
			tw_node_error(r->node, TRAWL_ELIMIT, "limit",
				      "member \"%s\" is more than max_item_bytes (%llu): not extracted",
				      name, (unsigned long long)max);
			return 0;
		}
		if (tw_buf_append(out, block, (size_t)got) != TRAWL_OK) {
			tw_node_error(r->node, TRAWL_ENOMEM, "extract",
				      "out of memory reading member \"%s\"", name);
			return 0;
		}
	}
}

static trawl_status read_entries(struct reader *r)
{
	struct archive_entry *e;
	size_t index = 0;
	int retries = 0;
	tw_buf data;

	tw_buf_init(&data, (size_t)tw_cx_limits(r->cx)->max_item_bytes + 1);
	while (!r->stop) {
		int rc = archive_read_next_header(r->a, &e);
		char *name, loc[40];
		const char *linked;
		tw_node *c;
		int got;

		if (rc == ARCHIVE_EOF)
			break;
		if (rc == ARCHIVE_RETRY && retries++ < 16)
			continue;
		if (rc < ARCHIVE_WARN || rc == ARCHIVE_RETRY) {
			const char *msg = archive_error_string(r->a);

			if (tw_cx_locating(r->cx))
				break;
			if (looks_encrypted(msg) ||
			    archive_read_has_encrypted_entries(r->a) > 0)
				tw_node_error(r->node, TRAWL_EENCRYPTED, "decrypt",
					      "archive is encrypted (%s); %zu entries read",
					      msg ? msg : "no password", index);
			else
				tw_node_error(r->node, TRAWL_ECORRUPT, "parse",
					      "archive is damaged after %zu entries: %s",
					      index, msg ? msg : "unreadable header");
			break;
		}
		retries = 0;
		index++;
		if (tw_cx_expired(r->cx))
			break;
		/* Regular files only; some writers (GNU ar in deterministic
		 * mode, old zips) leave the type bits unset on files. */
		if (archive_entry_filetype(e) != AE_IFREG &&
		    (archive_entry_filetype(e) != 0 || is_dir_name(e)))
			continue;
		linked = archive_entry_hardlink(e);
		if (linked && archive_entry_size(e) == 0)
			continue; /* a tar hard link: same content as its target */
		/* The format is known once a header was read: a compressed
		 * tar is a tar, anything else behind a filter is "raw". */
		if (r->raw && archive_format(r->a) == ARCHIVE_FORMAT_RAW)
			name = tw_strdup(r->raw_name);
		else
			name = entry_name(e, index - 1);
		if (!name)
			break;
		if (archive_entry_is_data_encrypted(e)) {
			note_encrypted(r, name);
			free(name);
			continue;
		}
		tw_buf_reset(&data);
		got = read_member(r, e, name, &data);
		if (got < 0)
			r->stop = 1;
		if (got > 0) {
			snprintf(loc, sizeof(loc), "member:%zu", index - 1);
			c = tw_child(r->cx, r->node, "member", name, loc,
				     (const unsigned char *)(data.data ? data.data : ""),
				     data.len);
			if (c && !tw_cx_locating(r->cx) && unsafe_path(name))
				tw_node_prop(c, "unsafe_path", "yes");
			if (!c && (!tw_cx_locating(r->cx) || tw_cx_expired(r->cx)))
				r->stop = 1;
		}
		free(name);
	}
	tw_buf_release(&data);
	return TRAWL_OK;
}

static struct archive *new_reader(int raw)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	/* Only filters built on libraries: others would run external
	 * programs on hostile input. */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_lzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_compress(a);
	archive_read_support_filter_lz4(a);
	/* Every format libarchive reads except mtree: a spec that holds no
	 * data of its own but names files of the machine reading it (read
	 * when its "checkfs" option is on); nothing to index, and nothing
	 * a hostile .gz should be able to point at. */
	archive_read_support_format_7zip(a);
	archive_read_support_format_ar(a);
	archive_read_support_format_cab(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_empty(a);
	archive_read_support_format_iso9660(a);
	archive_read_support_format_lha(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_warc(a);
	archive_read_support_format_xar(a);
	archive_read_support_format_zip(a);
	if (raw)
		archive_read_support_format_raw(a);
	return a;
}

static trawl_status run(tw_extract_ctx *cx, tw_node *node, const unsigned char *data,
			size_t len, const char *path)
{
	struct reader r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.cx = cx;
	r.node = node;
	r.raw = is_compressed_mime(node->mime);
	r.a = new_reader(r.raw);
	if (!r.a)
		return TRAWL_ENOMEM;
	tw_buf_init(&r.encrypted, 1024);
	tw_buf_init(&r.unsupported, 1024);
	if (path)
		rc = archive_read_open_filename(r.a, path, READ_BLOCK);
	else
		rc = archive_read_open_memory(r.a, data, len);
	if (rc != ARCHIVE_OK) {
		const char *msg = archive_error_string(r.a);

		if (!tw_cx_locating(cx))
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "not a readable archive: %s",
				      msg ? msg : "unrecognised format");
		archive_read_free(r.a);
		tw_buf_release(&r.encrypted);
		tw_buf_release(&r.unsupported);
		return TRAWL_OK;
	}
	if (r.raw) {
		r.raw_name = raw_member_name(node->name);
		if (!r.raw_name) {
			archive_read_free(r.a);
			tw_buf_release(&r.encrypted);
			tw_buf_release(&r.unsupported);
			return TRAWL_ENOMEM;
		}
	}
	read_entries(&r);
	if (!tw_cx_locating(cx)) {
		const char *fmt = archive_format_name(r.a);

		if (fmt)
			tw_node_prop(node, "archive_format", fmt);
		if (r.nencrypted)
			tw_node_error(node, TRAWL_EENCRYPTED, "decrypt",
				      "%u encrypted member%s not extracted (no password): %s%s",
				      r.nencrypted, r.nencrypted == 1 ? "" : "s",
				      r.encrypted.data ? r.encrypted.data : "",
				      r.nencrypted > 20 ? ", ..." : "");
		if (r.nunsupported)
			tw_node_error(node, TRAWL_EUNSUPPORTED, "extract",
				      "%u member%s not extracted (%s): %s%s",
				      r.nunsupported, r.nunsupported == 1 ? "" : "s",
				      r.unsupported_why ? r.unsupported_why : "unsupported",
				      r.unsupported.data ? r.unsupported.data : "",
				      r.nunsupported > 20 ? ", ..." : "");
		if (r.nfailed > 10)
			tw_node_error(node, TRAWL_ECORRUPT, "extract",
				      "%u more members could not be read", r.nfailed - 10);
	}
	archive_read_free(r.a);
	free(r.raw_name);
	free(r.unsupported_why);
	tw_buf_release(&r.encrypted);
	tw_buf_release(&r.unsupported);
	return TRAWL_OK;
}

static trawl_status container_extract(tw_extract_ctx *cx, tw_node *node,
				      const unsigned char *data, size_t len)
{
	return run(cx, node, data, len, NULL);
}

static trawl_status container_extract_file(tw_extract_ctx *cx, tw_node *node,
					   const char *path, uint64_t size)
{
	(void)size;
	return run(cx, node, NULL, 0, path);
}

const tw_extractor tw_extractor_container = {
	"container", "archive", container_accepts, container_extract,
	container_extract_file,
};
