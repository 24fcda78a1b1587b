/*
 * xml.c - generic XML: the text content of every element.
 *
 * For XML that no specific extractor claims (data exports, RSS and Atom
 * feeds, SVG, property lists, WordprocessingML 2003 ...).  libxml2's push
 * parser streams the document through SAX callbacks, in chunks, so that
 * the text read before a syntax error is kept (the error is recorded) and
 * the time budget is polled between chunks.  It never touches the network
 * (XML_PARSE_NONET), and neither loads external DTDs nor substitutes
 * entities (no XML_PARSE_DTDLOAD, no XML_PARSE_NOENT): external entities
 * cannot read local files and entity expansion cannot blow up.
 *
 * Elements end lines so that neighbouring values do not run into each
 * other, except the text runs of WordprocessingML, which split words and
 * are joined back; script, style and embedded binary data are dropped; a
 * few attributes that commonly carry human text (title, alt, label ...)
 * are kept; the first <title> near the root becomes the title property.
 * Internal entities are not substituted, but libxml2 reads each one once
 * to check it, and that text comes through then.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>

#include "extract/extract.h"

#define XML_CHUNK (64u << 10)
#define XML_MAX_DEPTH 4096  /* the push parser itself has no depth limit */

struct xml {
	xmlParserCtxtPtr ctxt;
	tw_buf out;
	tw_buf pend;       /* text of the current text node, not yet written */
	int depth;
	int skip_depth;    /* >0 inside <script>/<style> (its depth + 1) */
	int title_depth;   /* >0 inside the title element (its depth + 1) */
	int run_depth;     /* >0 inside a WordprocessingML <w:t> text run */
	int inline_ok;     /* the last text was a run: the next one joins it */
	char *title;
	tw_buf title_buf;
	char err[256];
	int nerr;
	int too_deep;
};

/*
 * The callbacks get the parser context (libxml2's own SAX2 handlers, kept
 * for the DTD and entity bookkeeping, need it as their user data); our
 * state hangs off its _private pointer.
 */
static struct xml *state(void *ctx)
{
	return ((xmlParserCtxtPtr)ctx)->_private;
}

/* libxml2 reports here instead of printing; the first error is kept. */
static void xml_error(void *ud, xmlErrorPtr e)
{
	struct xml *x = state(ud);
	size_t n;

	if (!e || e->level < XML_ERR_ERROR || x->nerr++)
		return;
	snprintf(x->err, sizeof(x->err), "line %d: %s", e->line,
		 e->message ? e->message : "error");
	n = strlen(x->err);
	while (n && (x->err[n - 1] == '\n' || x->err[n - 1] == ' '))
		x->err[--n] = '\0';
}

static int blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

/*
 * Write a piece of text on a line of its own.  Runs of WordprocessingML
 * (Word 2003 XML, flat OPC) split words anywhere, so consecutive runs are
 * joined instead, spaces included.
 */
static void put_text(struct xml *x, const char *s, size_t n, int run)
{
	if (!n || (!run && blank(s, n)))
		return;
	if (x->out.len && !(run && x->inline_ok)) {
		char last = x->out.data[x->out.len - 1];

		if (last != '\n')
			tw_buf_putc(&x->out, '\n');
	}
	tw_buf_append(&x->out, s, n);
	x->inline_ok = run;
	if (x->title_depth)
		tw_buf_append(&x->title_buf, s, n);
	if (x->out.truncated)
		xmlStopParser(x->ctxt);
}

/* An element boundary ends the pending text node. */
static void boundary(struct xml *x)
{
	if (x->pend.len)
		put_text(x, x->pend.data, x->pend.len, x->run_depth > 0);
	tw_buf_reset(&x->pend);
}

static int word_ns(const xmlChar *uri)
{
	const char *u = (const char *)uri;

	return u && (strstr(u, "wordprocessingml") || strstr(u, "office/word/2003/wordml"));
}

/* Elements whose content is never text for a reader. */
static int skipped(const char *name, int word)
{
	return strcasecmp(name, "script") == 0 || strcasecmp(name, "style") == 0 ||
	       strcmp(name, "binaryData") == 0 ||           /* flat OPC parts */
	       (word && (strcmp(name, "binData") == 0 ||    /* images */
			 strcmp(name, "instrText") == 0));  /* field codes */
}

static int text_attr(const char *name)
{
	static const char *const keep[] = {
		"title", "alt", "label", "summary", "description", "text",
	};
	size_t i;

	for (i = 0; i < TW_ARRAY_LEN(keep); i++)
		if (strcasecmp(name, keep[i]) == 0)
			return 1;
	return 0;
}

static void start_element(void *ud, const xmlChar *local, const xmlChar *prefix,
			  const xmlChar *uri, int nns, const xmlChar **ns,
			  int nattr, int ndefaulted, const xmlChar **attrs)
{
	struct xml *x = state(ud);
	const char *name = (const char *)local;
	int i, word = word_ns(uri);

	boundary(x);
	if (++x->depth > XML_MAX_DEPTH && !x->too_deep) {
		x->too_deep = 1;
		xmlStopParser(x->ctxt);
		return;
	}
	if (x->skip_depth || !name)
		return;
	if (skipped(name, word)) {
		x->skip_depth = x->depth;
		return;
	}
	if (word) {
		if (strcmp(name, "t") == 0 && !x->run_depth)
			x->run_depth = x->depth;
		else if (strcmp(name, "tab") == 0)
			put_text(x, "\t", 1, 1);
		else if (strcmp(name, "br") == 0 || strcmp(name, "cr") == 0)
			put_text(x, "\n", 1, 1);
	} else {
		x->inline_ok = 0;
	}
	if (!x->title && !x->title_depth && x->depth <= 4 &&
	    strcasecmp(name, "title") == 0)
		x->title_depth = x->depth;
	/* attributes come as (local, prefix, URI, value, end) */
	for (i = 0; i < nattr && attrs; i++) {
		const char *an = (const char *)attrs[5 * i];
		const char *v = (const char *)attrs[5 * i + 3];
		const char *e = (const char *)attrs[5 * i + 4];

		if (an && v && e && e > v && text_attr(an))
			put_text(x, v, (size_t)(e - v), 0);
	}
}

static void end_element(void *ud, const xmlChar *local, const xmlChar *prefix,
			const xmlChar *uri)
{
	struct xml *x = state(ud);

	if (!x->skip_depth)
		boundary(x);
	else
		tw_buf_reset(&x->pend);
	if (x->skip_depth == x->depth)
		x->skip_depth = 0;
	if (x->run_depth == x->depth)
		x->run_depth = 0;
	if (word_ns(uri) && local && strcmp((const char *)local, "p") == 0 &&
	    !x->skip_depth) {
		/* a paragraph ends the line its runs built */
		if (x->out.len && x->out.data[x->out.len - 1] != '\n')
			tw_buf_putc(&x->out, '\n');
		x->inline_ok = 0;
	} else if (!word_ns(uri)) {
		x->inline_ok = 0;
	}
	if (x->title_depth == x->depth) {
		x->title_depth = 0;
		if (x->title_buf.len && !x->title)
			x->title = tw_strndup(x->title_buf.data, x->title_buf.len);
	}
	if (x->depth > 0)
		x->depth--;
}

static void characters(void *ud, const xmlChar *s, int n)
{
	struct xml *x = state(ud);

	if (!x->skip_depth && n > 0)
		tw_buf_append(&x->pend, s, (size_t)n);
}

static int xml_accepts(const char *mime, const char *ext,
		       const unsigned char *data, size_t len)
{
	size_t n;

	if (!mime)
		return 0;
	if (strcmp(mime, "text/xml") == 0 || strcmp(mime, "application/xml") == 0)
		return 1;
	/* image/svg+xml, application/rss+xml, application/atom+xml ... */
	n = strlen(mime);
	return n > 4 && strcmp(mime + n - 4, "+xml") == 0 &&
	       strcmp(mime, "application/xhtml+xml") != 0;
}

static void trim_prop(tw_node *node, const char *key, char *t)
{
	size_t k = strlen(t);

	while (k && (t[k - 1] == ' ' || t[k - 1] == '\n' || t[k - 1] == '\t' ||
		     t[k - 1] == '\r'))
		t[--k] = '\0';
	while (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r')
		t++;
	tw_node_prop(node, key, t);
}

static trawl_status xml_extract(tw_extract_ctx *cx, tw_node *node,
				const unsigned char *data, size_t len)
{
	xmlSAXHandler sax;
	struct xml x;
	size_t pos = 0, max = tw_cx_limits(cx)->max_text_bytes;
	int stopped = 0, rc = 0;

	if (tw_cx_locating(cx))
		return TRAWL_OK;
	memset(&x, 0, sizeof(x));
	memset(&sax, 0, sizeof(sax));
	xmlSAXVersion(&sax, 2);
	sax.startElementNs = start_element;
	sax.endElementNs = end_element;
	sax.characters = characters;
	sax.cdataBlock = characters;
	sax.ignorableWhitespace = NULL;
	sax.reference = NULL; /* entity references stay unexpanded */
	sax.comment = NULL;
	sax.processingInstruction = NULL;
	sax.warning = NULL;
	sax.error = NULL;
	sax.fatalError = NULL;
	sax.serror = xml_error;
	/* one byte over the limit lets tw_node_text() see and record it */
	tw_buf_init(&x.out, max + 1);
	tw_buf_init(&x.pend, max + 1);
	tw_buf_init(&x.title_buf, 1024);
	x.ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
	if (!x.ctxt) {
		tw_node_error(node, TRAWL_ENOMEM, "parse", "cannot create an XML parser");
		goto out;
	}
	x.ctxt->_private = &x;
	xmlCtxtUseOptions(x.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
				  XML_PARSE_NOWARNING);
	while (pos < len) {
		size_t n = len - pos > XML_CHUNK ? XML_CHUNK : len - pos;
		int last = pos + n >= len;

		rc = xmlParseChunk(x.ctxt, (const char *)data + pos, (int)n, last);
		pos += n;
		if (rc != 0 || x.ctxt->disableSAX || last)
			break;
		if (tw_cx_expired(cx)) {
			stopped = 1;
			break;
		}
	}
	boundary(&x);
	if (x.too_deep)
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "XML nested deeper than %d elements; text kept up to there",
			      XML_MAX_DEPTH);
	else if (!stopped && !x.out.truncated &&
		 (rc != 0 || x.nerr || !x.ctxt->wellFormed))
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "malformed XML (%s); text kept up to the error",
			      x.nerr ? x.err : "parse error");
	if (x.out.len)
		tw_node_text(node, x.out.data, x.out.len);
	if (x.title)
		trim_prop(node, "title", x.title);
	if (x.ctxt->myDoc)
		xmlFreeDoc(x.ctxt->myDoc); /* the DTD, kept for entity checks */
	xmlFreeParserCtxt(x.ctxt);
out:
	free(x.title);
	tw_buf_release(&x.out);
	tw_buf_release(&x.pend);
	tw_buf_release(&x.title_buf);
	return TRAWL_OK;
}

const tw_extractor tw_extractor_xml = {
	"xml", "xml", xml_accepts, xml_extract, NULL,
};
