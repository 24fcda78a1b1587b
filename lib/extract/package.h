/*
 * package.h - reading zip-based office packages (OOXML and ODF).
 *
 * Both extractors read a zip of XML parts: tw_pkg opens the package from
 * memory through libarchive (inflated bytes accounted against the
 * container limits), tw_xs streams one XML part with libxml2's reader
 * (no network, no entity substitution), and tw_out gathers text with
 * separators of graded strength.  Defined in package.c.
 */
#ifndef TW_PACKAGE_H
#define TW_PACKAGE_H

#include <libxml/xmlreader.h>

#include "extract/extract.h"

/* Member names longer than this are not looked at. */
#define TW_PKG_NAME_MAX 1024

typedef struct tw_pkg tw_pkg;
typedef struct tw_xs tw_xs;
typedef struct tw_out tw_out;
int tw_zip_scan(const unsigned char *d, size_t n,
		int (*fn)(const char *name, size_t len, void *ud), void *ud);
int tw_iso_date(const char *s, char out[32]);
tw_pkg *tw_pkg_open(tw_extract_ctx *cx, tw_node *node,
		    const unsigned char *d, size_t n);
void tw_pkg_close(tw_pkg *p);
int tw_pkg_stopped(const tw_pkg *p);
/* The node the package's children, props and errors go to. */
tw_node *tw_pkg_node(const tw_pkg *p);
/* The regular members, in archive order: how many, and the name of the
 * i-th (owned by the package; NULL when out of range). */
size_t tw_pkg_count(const tw_pkg *p);
const char *tw_pkg_name(const tw_pkg *p, size_t i);
long tw_pkg_find(const tw_pkg *p, const char *name);
unsigned char *tw_pkg_read(tw_pkg *p, size_t i, uint64_t max, size_t *len,
			   trawl_status *status);
void tw_pkg_children(tw_pkg *p, const char *const *prefixes, size_t nprefixes,
		     int top_level_only);
/* Emit the members named (by relationships, say) as children, each once. */
void tw_pkg_children_named(tw_pkg *p, char *const *names, size_t count);
tw_xs *tw_xs_open(tw_pkg *p, const char *part);
tw_xs *tw_xs_open_mem(tw_extract_ctx *cx, tw_node *node, const char *part,
		      const unsigned char *d, size_t n);
xmlTextReaderPtr tw_xs_reader(tw_xs *x);
int tw_xs_next(tw_xs *x);
void tw_xs_skip(tw_xs *x);
char *tw_xs_attr(tw_xs *x, const char *local, const char *ns);
const char *tw_xs_text(tw_xs *x, size_t *len);
trawl_status tw_xs_close(tw_xs *x, int result);
tw_out *tw_out_new(tw_node *node, tw_buf *sink);
void tw_out_sep(tw_out *o, int level);
void tw_out_text(tw_out *o, const char *s, size_t n);
void tw_out_puts(tw_out *o, const char *s);
int tw_out_full(const tw_out *o);
void tw_out_free(tw_out *o);


/* Separator strengths of tw_out_sep(). */
enum { SEP_NONE, SEP_SPACE, SEP_TAB, SEP_LINE, SEP_PARA };

#endif
