/*
 * extract.h - the extraction layer: the extractor interface every format
 * family in lib/extract/ implements, the framework around it (extract.c),
 * and the streaming readers the walker uses to split mbox files and PST
 * stores into messages.
 *
 * Extractors read bytes and fill tw_node trees; they never touch the
 * archive, never print and include nothing above this layer.
 */
#ifndef TW_EXTRACT_H
#define TW_EXTRACT_H

#include "tw.h"
#include "mail.h"

typedef struct tw_extract_ctx tw_extract_ctx;

/*
 * An extractor reads `data` (the whole item, `len` bytes, already in memory
 * and never modified) and fills `node`: text, props, email fields, and
 * children through tw_child().  It returns TRAWL_OK, or a status that the
 * framework records as an error of stage "extract" on the node when the
 * extractor did not record a more precise one itself.  Extractors never
 * touch the archive and never print.
 */
typedef trawl_status (*tw_extract_fn)(tw_extract_ctx *cx, tw_node *node,
				       const unsigned char *data, size_t len);

typedef struct tw_extractor {
	const char *name;  /* "email", "pdf", ... */
	const char *type;  /* family given to nodes: "email", "pdf", ... */
	/* Non-zero when this extractor takes content of this MIME type and
	 * (lowercase, may be NULL) extension; data is the first bytes. */
	int (*accepts)(const char *mime, const char *ext,
		       const unsigned char *data, size_t len);
	tw_extract_fn extract;
	/* Optional: extract a file on disk without loading it whole (large
	 * PST, mbox, zip, PDF).  Called instead of extract() for inputs on
	 * disk larger than TW_MEM_THRESHOLD; `node` is set up as for extract(). */
	trawl_status (*extract_file)(tw_extract_ctx *cx, tw_node *node,
				     const char *path, uint64_t size);
} tw_extractor;

/* Inputs on disk above this size are handed to extract_file() when the
 * extractor has one, instead of being read into memory. */
#define TW_MEM_THRESHOLD (64u << 20)

/*
 * Add a child item of `parent` with content `data`/`len` (copied as needed
 * by the framework; the caller keeps ownership).  The framework hashes it,
 * detects its type, checks whether the content is already known and, if not,
 * extracts it recursively within the limits.  `locator` identifies the child
 * inside its parent so that the raw bytes can be found again by re-running
 * the parent's extractor; it must be stable across runs (e.g. "part:3",
 * "member:dir/a.txt#2").  Returns the child node (owned by the tree) or NULL
 * when a limit forbids it (then the limit is recorded on the parent and the
 * extractor should stop adding children).
 */
tw_node *tw_child(tw_extract_ctx *cx, tw_node *parent, const char *kind,
		  const char *name, const char *locator,
		  const unsigned char *data, size_t len);

/* Give every limit of *lim left at 0 its default (trawl_limits_default). */
void tw_limits_complete(trawl_limits *lim);
/* The limits in force. */
const trawl_limits *tw_cx_limits(const tw_extract_ctx *cx);
/* Non-zero when the time budget of the current input is spent or the run is
 * being cancelled; long extractors poll this and stop with TRAWL_ELIMIT. */
int tw_cx_expired(tw_extract_ctx *cx);
/* Account `n` decompressed bytes against the container budget of `node`;
 * returns TRAWL_ELIMIT (after recording it) when over. */
trawl_status tw_cx_inflate(tw_extract_ctx *cx, tw_node *node, uint64_t n,
			   uint64_t compressed);
/* Non-zero when the framework only wants the bytes of one descendant
 * (raw retrieval): extractors may skip text work then. */
int tw_cx_locating(const tw_extract_ctx *cx);

/* Detect the MIME type of content.  Returns a static or per-thread string. */
const char *tw_detect_mime(const unsigned char *data, size_t len,
			   const char *name);
/* Convert `len` bytes in `charset` (NULL: detect with uchardet) to UTF-8 and
 * append them to the node's text. */
void tw_text_convert(tw_node *n, const char *data, size_t len,
		     const char *charset);
/* Same, into a fresh NUL-terminated string (caller frees). */
char *tw_to_utf8(const char *data, size_t len, const char *charset,
		 size_t *outlen);
/* HTML to text (libxml2's HTML parser; scripts and styles dropped).  Title,
 * if any, goes to *title (caller frees; may be NULL). */
char *tw_html_to_text(const char *html, size_t len, const char *charset,
		      size_t max, char **title);

/*
 * Run the whole extraction of one input: detect, extract, recurse.  `root`
 * must have name/kind set; data is the whole input.  `known` (may be NULL)
 * is asked whether a content is already in the archive.  `locate`: when not
 * NULL, extraction only follows the chain of `nlocate` child locators (e.g.
 * "part:2" then "member:x.docx") and copies the bytes of the last into
 * *found.
 */
typedef int (*tw_known_fn)(const tw_digest *d, void *ud);
typedef struct tw_extract_args {
	const trawl_limits *limits;
	tw_known_fn known;
	void *known_ud;
	const volatile int *cancel;
	const char *path;          /* the input's file on disk, or NULL */
	const char *const *locate; /* locators from the root's child down */
	size_t nlocate;
	tw_buf *found;
} tw_extract_args;

void tw_extract(tw_node *root, const unsigned char *data, size_t len,
		const tw_extract_args *args);
/* Same for a file on disk that is too large to read into memory: hashes it
 * by streaming, detects its type from its head, and calls extract_file()
 * (or records a "limit" error when the extractor has none). */
void tw_extract_path(tw_node *root, const char *path, uint64_t size,
		     const tw_extract_args *args);
/* A civil date and time at `tz_minutes` east of UTC (fields as read, not
 * normalised: 24:00 and leap seconds roll over) as UTC "YYYY-MM-DDTHH:MM:SSZ"
 * in out.  Returns 0, or -1 when the result falls outside years 1-9999. */
int tw_utc_iso(int y, int mo, int d, int h, int mi, int s, int tz_minutes,
	       char out[32]);
/* Write `len` bytes to a new private temporary file and return its path
 * (caller unlinks and frees), for libraries that only read files. */
char *tw_temp_file(const void *data, size_t len);

/* Process-wide initialisation of the libraries extractors use (GMime,
 * libxml2, libmagic); idempotent and thread-safe. */
void tw_extract_global_init(void);

/* Extractors, one per format family (lib/extract/). */
extern const tw_extractor tw_extractor_email;
extern const tw_extractor tw_extractor_text;
extern const tw_extractor tw_extractor_html;
extern const tw_extractor tw_extractor_mbox;
extern const tw_extractor tw_extractor_pdf;
extern const tw_extractor tw_extractor_ooxml;
extern const tw_extractor tw_extractor_odf;
extern const tw_extractor tw_extractor_rtf;
extern const tw_extractor tw_extractor_legacy;
extern const tw_extractor tw_extractor_msg;
extern const tw_extractor tw_extractor_tnef;
extern const tw_extractor tw_extractor_container;
extern const tw_extractor tw_extractor_pst;
extern const tw_extractor tw_extractor_xml;
extern const tw_extractor tw_extractor_image;
extern const tw_extractor tw_extractor_media;

/* libavformat's process-wide setup (lib/extract/media.c): its logging off. */
void tw_media_global_init(void);
/* The width and height an image's header declares (JPEG, PNG, GIF, BMP,
 * WebP, TIFF's first page), without decoding it (lib/extract/image.c).
 * Returns 0, or -1 when the format is not one of these or the header is
 * unreadable. */
int tw_image_size(const unsigned char *data, size_t len, uint64_t *w, uint64_t *h);

/* A PST or OST store on disk read message by message (lib/extract/pst.c):
 * the walker takes each top-level item's records, an extractor thread
 * turns them into a message with tw_pst_message(). */
typedef struct tw_pst_split tw_pst_split;
typedef struct tw_pst_part {
	uint64_t id;          /* descriptor id: locator "pst:<id>" */
	char *name;           /* "<folder path>/<n>" */
	char *folder;         /* folder path, or NULL */
	unsigned char *recs;  /* the item's records */
	size_t len;
} tw_pst_part;
/* Start reading; problems, counts and reconciliation go on `node` (by
 * tw_pst_split_close()).  The reader gives up after max_seconds of
 * silence, and stops when *cancel becomes non-zero. */
tw_pst_split *tw_pst_split_open(const char *path, const trawl_limits *lim,
				const volatile int *cancel, tw_node *node);
/* The next item: 1 with *part filled (free with tw_pst_part_free), 0 at
 * the end of the store or when reading stopped. */
int tw_pst_split_next(tw_pst_split *s, tw_pst_part *part);
void tw_pst_part_free(tw_pst_part *part);
void tw_pst_split_close(tw_pst_split *s);
/* The RFC 5322 bytes of an item from its records (caller frees); NULL when
 * they hold no item. */
char *tw_pst_message(const unsigned char *recs, size_t len, const trawl_limits *lim,
		     size_t *out_len);
/* Non-zero when data starts like a PST or OST store. */
int tw_looks_like_pst(const unsigned char *data, size_t len);

/* ---------------------------------------------------------------- OCR */

/* Text from images with Tesseract (lib/extract/ocr.c).  Not run during an
 * ingest: OCR is a deferred stage over stored items. */
typedef struct tw_ocr_opts {
	const char *langs;     /* Tesseract languages, "eng+fra" (NULL: "eng") */
	uint64_t max_pixels;   /* per page; larger pages are refused (0: 40 Mpx) */
	int max_ms;            /* recognition time per page (0: no deadline) */
	int max_pages;         /* pages of a TIFF read (0: 1000) */
	int osd;               /* detect sideways and upside-down pages, turn them */
	int (*cancel)(void *ud); /* polled during recognition: non-zero stops */
	void *cancel_ud;
} tw_ocr_opts;

typedef struct tw_ocr_result {
	char *text;            /* UTF-8, pages separated by newlines (owned) */
	size_t len;
	int truncated;         /* text cut at 8 MiB */
	int confidence;        /* Tesseract's mean word confidence, 0-100 */
	int pages;             /* pages recognised */
	int pages_failed;      /* pages refused (limits) or undecodable */
	int rotated;           /* pages turned upright before recognition */
	int timed_out;         /* a page hit max_ms: its text is partial */
	int conf_sum;
	char error[256];       /* the last problem, "" when none */
} tw_ocr_result;

struct Pix;
/* OCR every page of an image (JPEG, PNG, TIFF incl. multi-page and G4,
 * BMP, GIF, WebP, PNM ... whatever leptonica decodes).  Fills *r (release
 * with tw_ocr_result_release, also after an error: partial text is kept).
 * Returns TRAWL_OK; TRAWL_EUNSUPPORTED when the language data is missing
 * or the format unknown; TRAWL_ELIMIT when a page is over max_pixels, too
 * many pages, or cancelled; TRAWL_ECORRUPT when a page cannot be decoded.
 * Uses (and keeps) this thread's Tesseract handles. */
trawl_status tw_ocr_image(const unsigned char *data, size_t len, const tw_ocr_opts *o,
			  tw_ocr_result *r);
/* The same for one page already decoded (the caller keeps pix; its
 * resolution is set to 300 dpi when it has none). */
trawl_status tw_ocr_pix(struct Pix *pix, const tw_ocr_opts *o, tw_ocr_result *r);
void tw_ocr_result_release(tw_ocr_result *r);
/* Free this thread's Tesseract handles now (they are also freed when the
 * thread exits; the main thread should call this before exiting). */
void tw_ocr_thread_release(void);

/* The table the framework dispatches on, in order of preference. */
extern const tw_extractor *const tw_extractors[];
extern const size_t tw_nextractors;
/* ---------------------------------------------------------------- mbox */

/* Streaming mbox reader (lib/extract/mbox.c). */
typedef struct tw_mbox tw_mbox;
/* Read `f` from its current position, which is byte `offset` of the file;
 * with `hash`, every byte read is hashed (see tw_mbox_close). */
tw_mbox *tw_mbox_open_file(FILE *f, uint64_t offset, int hash);
tw_mbox *tw_mbox_open_mem(const unsigned char *d, size_t n);
/* Next message into `msg` (unescaped, framing removed; cut at msg->max with
 * msg->truncated set); *offset receives the offset of its "From " line.
 * Returns 1 for a message, 0 at the end. */
int tw_mbox_next(tw_mbox *mb, tw_buf *msg, uint64_t *offset);
/* Close; with `d` and a hashing reader, reads to the end and gives the
 * digest of the whole file. */
void tw_mbox_close(tw_mbox *mb, tw_digest *d);
int tw_mbox_is_separator(const char *line, size_t len);

#endif /* TW_EXTRACT_H */
