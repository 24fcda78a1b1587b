/*
 * ooxml.h - the conventions of OOXML packages shared by ooxml.c (detection,
 * metadata, DOCX, PPTX) and xlsx.c (XLSX): relationship parts, numbered
 * parts ("xl/comments3.xml"), and the text walker of WordprocessingML and
 * DrawingML parts.  Defined in ooxml.c; internal to lib/extract.
 */
#ifndef TW_OOXML_H
#define TW_OOXML_H

#include "extract/package.h"

/* One relationship: its target resolved to a part name of the package. */
typedef struct tw_ooxml_rel {
	char *id, *type, *target;
} tw_ooxml_rel;

typedef struct tw_ooxml_rels {
	tw_ooxml_rel *v;
	size_t n;
} tw_ooxml_rels;

/* Relationships of part `source` ("" for the package); external targets
 * are left out.  Release with tw_ooxml_rels_free(). */
void tw_ooxml_rels_load(tw_pkg *p, const char *source, tw_ooxml_rels *rs);
void tw_ooxml_rels_free(tw_ooxml_rels *rs);
/* The target of relationship `id` (may be NULL), or NULL; owned by rs. */
const char *tw_ooxml_rel_by_id(const tw_ooxml_rels *rs, const char *id);
/* First target whose type ends with "/<suffix>", or NULL; owned by rs. */
const char *tw_ooxml_rel_by_type(const tw_ooxml_rels *rs, const char *suffix);

/* Members "<prefix>N<suffix>" (N any digits, may be empty), naturally
 * sorted.  Returns a NULL-terminated array of names borrowed from the
 * package (the caller frees the array only), NULL when out of memory. */
const char **tw_ooxml_members_like(tw_pkg *p, const char *prefix,
				   const char *suffix, size_t *count);

/* Non-zero for the local name of a property element (w:rPr, a:bodyPr ...),
 * whose subtree holds no text. */
int tw_ooxml_is_pr(const char *local_name);

/* State of the text walker over the parts of one document. */
typedef struct tw_ooxml_walk {
	tw_out *out;    /* visible text */
	tw_out *del;    /* deleted text (tracked changes), or NULL */
	int in_t, in_del, cells;
	int comments;   /* label each comment with its author */
} tw_ooxml_walk;

/* Text of a WordprocessingML or DrawingML part into w (see ooxml.c). */
trawl_status tw_ooxml_walk_part(tw_pkg *p, const char *part, tw_ooxml_walk *w);

/* The sheets of an XLSX workbook, then its comments (xlsx.c). */
void tw_xlsx_extract(tw_pkg *p, const char *main_part, tw_out *out);

#endif
