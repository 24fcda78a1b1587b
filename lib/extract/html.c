/*
 * html.c - HTML to text with libxml2's forgiving HTML parser.
 *
 * Scripts, styles and comments are dropped; the title is kept apart; block
 * elements end lines so that words of neighbouring cells do not run into
 * each other.  The parser never touches the network (HTML_PARSE_NONET).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "extract/extract.h"

static int is_block(const char *name)
{
	static const char *const blocks[] = {
		"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
		"table", "ul", "ol", "blockquote", "pre", "hr", "section", "article",
		"header", "footer", "td", "th", "dd", "dt", "title", "address",
	};
	size_t i;

	for (i = 0; i < TW_ARRAY_LEN(blocks); i++)
		if (strcasecmp(name, blocks[i]) == 0)
			return 1;
	return 0;
}

static void walk(xmlNode *n, tw_buf *out, int depth)
{
	for (; n; n = n->next) {
		if (out->truncated)
			return;
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			const char *t = (const char *)n->content;

			if (t)
				tw_buf_puts(out, t);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE || depth > 256)
			continue;
		if (strcasecmp((const char *)n->name, "script") == 0 ||
		    strcasecmp((const char *)n->name, "style") == 0 ||
		    strcasecmp((const char *)n->name, "head") == 0 ||
		    strcasecmp((const char *)n->name, "noscript") == 0 ||
		    strcasecmp((const char *)n->name, "template") == 0)
			continue;
		walk(n->children, out, depth + 1);
		if (is_block((const char *)n->name))
			tw_buf_putc(out, '\n');
		else if (strcasecmp((const char *)n->name, "td") == 0)
			tw_buf_putc(out, '\t');
	}
}

static char *find_title(xmlNode *n, int depth)
{
	for (; n && depth < 8; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			if (strcasecmp((const char *)n->name, "title") == 0) {
				xmlChar *c = xmlNodeGetContent(n);
				char *r = c ? tw_strdup((const char *)c) : NULL;

				xmlFree(c);
				return r;
			}
			{
				char *r = find_title(n->children, depth + 1);

				if (r)
					return r;
			}
		}
	}
	return NULL;
}

/* Collapse runs of blank space so that layout tables do not bloat text. */
static void squeeze(tw_buf *b)
{
	size_t i, o = 0;
	int nl = 0, sp = 0;

	for (i = 0; i < b->len; i++) {
		char c = b->data[i];

		if (c == '\r')
			continue;
		if (c == '\n') {
			nl++;
			sp = 0;
			continue;
		}
		if (c == ' ' || c == '\t' || (c == (char)0xc2 && i + 1 < b->len && (unsigned char)b->data[i + 1] == 0xa0)) {
			if (c == (char)0xc2)
				i++; /* U+00A0, no-break space */
			sp = 1;
			continue;
		}
		if (nl) {
			if (o)
				b->data[o++] = '\n';
			if (nl > 1 && o)
				b->data[o++] = '\n';
		} else if (sp && o) {
			b->data[o++] = ' ';
		}
		nl = sp = 0;
		b->data[o++] = c;
	}
	b->len = o;
	if (b->data)
		b->data[o] = '\0';
}

char *tw_html_to_text(const char *html, size_t len, const char *charset,
		      size_t max, char **title)
{
	htmlDocPtr doc;
	tw_buf out;
	int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		   HTML_PARSE_NONET | HTML_PARSE_COMPACT;

	if (title)
		*title = NULL;
	if (len > INT32_MAX)
		len = INT32_MAX;
	doc = htmlReadMemory(html, (int)len, NULL, charset && *charset ? charset : NULL,
			     opts);
	if (!doc && charset)
		doc = htmlReadMemory(html, (int)len, NULL, NULL, opts);
	if (!doc)
		return NULL;
	tw_buf_init(&out, max ? max : (8u << 20));
	walk(xmlDocGetRootElement(doc), &out, 0);
	if (title)
		*title = find_title(xmlDocGetRootElement(doc), 0);
	xmlFreeDoc(doc);
	squeeze(&out);
	if (!out.data)
		return tw_strdup("");
	return tw_buf_detach(&out, NULL);
}

static int html_accepts(const char *mime, const char *ext,
			const unsigned char *data, size_t len)
{
	return mime && (strcmp(mime, "text/html") == 0 ||
			strcmp(mime, "application/xhtml+xml") == 0);
}

static trawl_status html_extract(tw_extract_ctx *cx, tw_node *node,
				 const unsigned char *data, size_t len)
{
	char *title = NULL, *t;

	if (tw_cx_locating(cx))
		return TRAWL_OK;
	t = tw_html_to_text((const char *)data, len, NULL,
			    tw_cx_limits(cx)->max_text_bytes, &title);
	if (!t) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse", "HTML could not be parsed");
		return TRAWL_ECORRUPT;
	}
	tw_node_text(node, t, strlen(t));
	if (title)
		tw_node_prop(node, "title", title);
	free(title);
	free(t);
	return TRAWL_OK;
}

const tw_extractor tw_extractor_html = {
	"html", "html", html_accepts, html_extract, NULL,
};
