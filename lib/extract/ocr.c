/*
 * ocr.c - text from pictures of text (scans, photographed pages, faxes)
 * with Tesseract's C API and leptonica.
 *
 * tw_ocr_image() takes the bytes of an image (every page of a multi-page
 * TIFF), tw_ocr_pix() one page already in a leptonica PIX (a PDF page
 * rendered by MuPDF); both return the UTF-8 text and Tesseract's mean
 * word confidence.  OCR is slow (seconds a page), so it is meant to run
 * as a deferred stage over items already stored, not inside an ingest.
 *
 * Each thread keeps its own TessBaseAPI per language set (initialising
 * one reads tens of megabytes of models: it is done once per thread, not
 * per page), plus one for orientation detection; tw_ocr_thread_release()
 * or the thread's exit frees them.  A page is first checked for rotation
 * (osd.traineddata): a scan fed sideways or upside down is turned upright
 * with leptonica before recognition, since Tesseract's LSTM recognises
 * upright lines only.
 *
 * Limits: the declared pixels of a page are checked before it is decoded
 * (tw_image_size, leptonica's TIFF header reader), and recognition runs
 * under a Tesseract monitor with a deadline and a cancel callback.
 * Tesseract parallelises inside a page with OpenMP; with one OCR thread
 * per core that only oversubscribes the machine, so nested parallelism is
 * turned off once per process (omp_set_max_active_levels(0): libgomp reads
 * OMP_THREAD_LIMIT from the environment when it is loaded, before any of
 * our code runs, so setting that variable here would do nothing).
 * Tesseract's and leptonica's messages on stderr are silenced.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "extract/extract.h"

/* libgomp, which libtesseract is linked with (OpenMP API). */
extern void omp_set_max_active_levels(int max_levels);

#define OCR_MAX_PIXELS 40000000ull /* a page: A4 at 600 dpi is 35 Mpx */
#define OCR_MAX_PAGES 1000
#define OCR_MAX_TEXT (8u << 20)
#define OCR_OSD_MIN_CONF 1.5f     /* orientation margin below which pages stay */

struct ocr_tls {
	char langs[128];
	TessBaseAPI *api;
	TessBaseAPI *osd;
	int osd_failed;
};

static pthread_key_t ocr_key;
static pthread_once_t ocr_once = PTHREAD_ONCE_INIT;

static void ocr_tls_free(void *p)
{
	struct ocr_tls *t = p;

	if (!t)
		return;
	if (t->api) {
		TessBaseAPIEnd(t->api);
		TessBaseAPIDelete(t->api);
	}
	if (t->osd) {
		TessBaseAPIEnd(t->osd);
		TessBaseAPIDelete(t->osd);
	}
	free(t);
}

static void ocr_init(void)
{
	pthread_key_create(&ocr_key, ocr_tls_free);
	omp_set_max_active_levels(0);
	setMsgSeverity(L_SEVERITY_NONE);
}

void tw_ocr_thread_release(void)
{
	pthread_once(&ocr_once, ocr_init);
	ocr_tls_free(pthread_getspecific(ocr_key));
	pthread_setspecific(ocr_key, NULL);
}

/* A handle initialised for `langs` with `psm`; debug output to /dev/null. */
static TessBaseAPI *ocr_new(const char *langs, TessPageSegMode psm)
{
	/* The C API takes non-const strings it does not modify. */
	static char key[] = "debug_file", val[] = "/dev/null";
	TessBaseAPI *api = TessBaseAPICreate();
	char *names[] = {key}, *values[] = {val};

	if (!api)
		return NULL;
	if (TessBaseAPIInit4(api, NULL, langs, OEM_DEFAULT, NULL, 0, names, values, 1, 0) != 0) {
		TessBaseAPIDelete(api);
		return NULL;
	}
	TessBaseAPISetPageSegMode(api, psm);
	return api;
}

static struct ocr_tls *ocr_thread(const char *langs, tw_ocr_result *r)
{
	struct ocr_tls *t;

	pthread_once(&ocr_once, ocr_init);
	t = pthread_getspecific(ocr_key);
	if (!t) {
		t = tw_calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		pthread_setspecific(ocr_key, t);
	}
	if (t->api && strcmp(t->langs, langs) != 0) {
		TessBaseAPIEnd(t->api);
		TessBaseAPIDelete(t->api);
		t->api = NULL;
	}
	if (!t->api) {
		if (strlen(langs) >= sizeof(t->langs)) {
			snprintf(r->error, sizeof(r->error), "language list too long: %s", langs);
			return NULL;
		}
		t->api = ocr_new(langs, PSM_AUTO);
		if (!t->api) {
			snprintf(r->error, sizeof(r->error),
				 "tesseract cannot load the language data for '%s'", langs);
			return NULL;
		}
		snprintf(t->langs, sizeof(t->langs), "%s", langs);
	}
	return t;
}

static bool ocr_cancel_fn(void *ud, int words)
{
	const tw_ocr_opts *o = ud;

	(void)words;
	return o->cancel && o->cancel(o->cancel_ud);
}

/* Turn the page upright when orientation detection is sure enough;
 * returns the page to recognise (the input or a new PIX in *rot). */
static PIX *ocr_upright(struct ocr_tls *t, PIX *pix, PIX **rot, tw_ocr_result *r)
{
	int deg = 0;
	float conf = 0;

	*rot = NULL;
	if (!t->osd && !t->osd_failed) {
		t->osd = ocr_new("osd", PSM_OSD_ONLY);
		t->osd_failed = !t->osd;
	}
	if (!t->osd)
		return pix;
	TessBaseAPISetImage2(t->osd, pix);
	/* No script name asked for: Tesseract 5 hands out a pointer into its
	 * own character set there, which capi.h wrongly says to free. */
	if (TessBaseAPIDetectOrientationScript(t->osd, &deg, &conf, NULL, NULL) &&
	    conf >= OCR_OSD_MIN_CONF && deg % 360 != 0) {
		/* deg is how far the page is turned clockwise; pixRotateOrth
		 * turns clockwise by quarter turns. */
		*rot = pixRotateOrth(pix, ((360 - deg % 360) / 90) % 4);
		if (*rot) {
			r->rotated++;
			pix = *rot;
		}
	}
	TessBaseAPIClear(t->osd);
	return pix;
}

static trawl_status ocr_page(struct ocr_tls *t, PIX *pix, const tw_ocr_opts *o,
			     tw_ocr_result *r, tw_buf *out)
{
	ETEXT_DESC *mon;
	PIX *rot = NULL, *page;
	char *text;
	int64_t t0;
	int rc;
	l_int32 w = 0, h = 0, d = 0;
	uint64_t maxpx = o->max_pixels ? o->max_pixels : OCR_MAX_PIXELS;

	pixGetDimensions(pix, &w, &h, &d);
	if (w <= 0 || h <= 0 || (uint64_t)w * (uint64_t)h > maxpx) {
		snprintf(r->error, sizeof(r->error), "page of %d x %d pixels is over %llu pixels",
			 w, h, (unsigned long long)maxpx);
		return TRAWL_ELIMIT;
	}
	if (pixGetXRes(pix) < 70) /* unknown or bogus: Tesseract assumes 70 */
		pixSetResolution(pix, 300, 300);
	page = o->osd ? ocr_upright(t, pix, &rot, r) : pix;
	TessBaseAPISetImage2(t->api, page);
	mon = TessMonitorCreate();
	if (!mon) {
		pixDestroy(&rot);
		return TRAWL_ENOMEM;
	}
	TessMonitorSetCancelFunc(mon, ocr_cancel_fn);
	TessMonitorSetCancelThis(mon, (void *)o);
	if (o->max_ms > 0)
		TessMonitorSetDeadlineMSecs(mon, o->max_ms);
	t0 = tw_now_ms();
	rc = TessBaseAPIRecognize(t->api, mon);
	TessMonitorDelete(mon);
	if (o->max_ms > 0 && tw_now_ms() - t0 >= o->max_ms)
		r->timed_out = 1;
	if (rc == 0) {
		text = TessBaseAPIGetUTF8Text(t->api);
		if (text) {
			if (out->len && *text)
				tw_buf_puts(out, "\n");
			tw_buf_puts(out, text);
			TessDeleteText(text);
		}
		r->conf_sum += TessBaseAPIMeanTextConf(t->api);
		r->pages++;
	}
	TessBaseAPIClear(t->api);
	pixDestroy(&rot);
	if (o->cancel && o->cancel(o->cancel_ud))
		return TRAWL_ELIMIT;
	return rc == 0 ? TRAWL_OK : TRAWL_ECORRUPT;
}

static void ocr_finish(tw_ocr_result *r, tw_buf *out)
{
	r->text = tw_buf_detach(out, &r->len);
	r->truncated = out->truncated;
	r->confidence = r->pages ? r->conf_sum / r->pages : 0;
}

trawl_status tw_ocr_pix(struct Pix *pix, const tw_ocr_opts *o, tw_ocr_result *r)
{
	struct ocr_tls *t;
	tw_buf out;
	trawl_status st;

	memset(r, 0, sizeof(*r));
	t = ocr_thread(o->langs ? o->langs : "eng", r);
	if (!t)
		return TRAWL_EUNSUPPORTED;
	tw_buf_init(&out, OCR_MAX_TEXT);
	st = ocr_page(t, pix, o, r, &out);
	ocr_finish(r, &out);
	return st;
}

trawl_status tw_ocr_image(const unsigned char *data, size_t len, const tw_ocr_opts *o,
			  tw_ocr_result *r)
{
	struct ocr_tls *t;
	tw_buf out;
	trawl_status st = TRAWL_OK, pst;
	l_int32 fmt = IFF_UNKNOWN, n = 1, i, w, h, bps, spp, res, cmap, pf;
	uint64_t iw = 0, ih = 0, maxpx = o->max_pixels ? o->max_pixels : OCR_MAX_PIXELS;
	int maxpages = o->max_pages > 0 ? o->max_pages : OCR_MAX_PAGES;
	FILE *f;
	PIX *pix;

	memset(r, 0, sizeof(*r));
	t = ocr_thread(o->langs ? o->langs : "eng", r);
	if (!t)
		return TRAWL_EUNSUPPORTED;
	if (len < 12 || findFileFormatBuffer(data, &fmt) != 0 || fmt == IFF_UNKNOWN) {
		snprintf(r->error, sizeof(r->error), "not an image format leptonica reads");
		return TRAWL_EUNSUPPORTED;
	}
	tw_buf_init(&out, OCR_MAX_TEXT);
	if (L_FORMAT_IS_TIFF(fmt)) {
		f = fopenReadFromMemory(data, len);
		if (!f || tiffGetCount(f, &n) != 0)
			n = 0;
		if (f)
			fclose(f);
		if (n > maxpages) {
			snprintf(r->error, sizeof(r->error), "%d pages: only the first %d were read",
				 n, maxpages);
			st = TRAWL_ELIMIT;
			n = maxpages;
		}
		for (i = 0; i < n; i++) {
			/* The page's declared size before its pixels are allocated. */
			if (readHeaderMemTiff(data, len, i, &w, &h, &bps, &spp, &res, &cmap, &pf) != 0 ||
			    w <= 0 || h <= 0 || (uint64_t)w * (uint64_t)h > maxpx) {
				r->pages_failed++;
				st = TRAWL_ELIMIT;
				snprintf(r->error, sizeof(r->error),
					 "page %d: size unreadable or over %llu pixels", i + 1,
					 (unsigned long long)maxpx);
				continue;
			}
			pix = pixReadMemTiff(data, len, i);
			if (!pix) {
				r->pages_failed++;
				st = TRAWL_ECORRUPT;
				snprintf(r->error, sizeof(r->error), "page %d cannot be decoded", i + 1);
				continue;
			}
			pst = ocr_page(t, pix, o, r, &out);
			pixDestroy(&pix);
			if (pst != TRAWL_OK) {
				r->pages_failed++;
				st = pst;
				if (pst == TRAWL_ELIMIT && o->cancel && o->cancel(o->cancel_ud))
					break;
			}
		}
		if (n == 0) {
			snprintf(r->error, sizeof(r->error), "TIFF without readable pages");
			st = TRAWL_ECORRUPT;
		}
	} else {
		if (tw_image_size(data, len, &iw, &ih) != 0) {
			if (fmt == IFF_GIF ||
			    pixReadHeaderMem(data, len, &pf, &w, &h, &bps, &spp, &cmap) != 0) {
				snprintf(r->error, sizeof(r->error), "image header unreadable");
				tw_buf_release(&out);
				return TRAWL_ECORRUPT;
			}
			iw = (uint64_t)w;
			ih = (uint64_t)h;
		}
		if (!iw || !ih || iw > maxpx / ih) {
			snprintf(r->error, sizeof(r->error), "image of %llu x %llu is over %llu pixels",
				 (unsigned long long)iw, (unsigned long long)ih,
				 (unsigned long long)maxpx);
			tw_buf_release(&out);
			return TRAWL_ELIMIT;
		}
		pix = pixReadMem(data, len);
		if (!pix) {
			snprintf(r->error, sizeof(r->error), "image cannot be decoded");
			tw_buf_release(&out);
			return TRAWL_ECORRUPT;
		}
		st = ocr_page(t, pix, o, r, &out);
		pixDestroy(&pix);
		if (st != TRAWL_OK)
			r->pages_failed++;
	}
	ocr_finish(r, &out);
	return st;
}

void tw_ocr_result_release(tw_ocr_result *r)
{
	free(r->text);
	memset(r, 0, sizeof(*r));
}
