/*
 * ole.h - OLE2 compound files through libgsf, shared by the extractors of
 * legacy Office files (ole.c dispatches to doc.c, xls.c and ppt.c) and by
 * msg.c; and OLE1 packages, shared with rtf.c.
 *
 * ole.c owns the libgsf plumbing (opening a compound file from memory,
 * reading its streams, keeping libgsf quiet), the text output with the
 * code-page tables of 8-bit text, and the embedded objects that become
 * "attachment" children located "object:N".  Internal to lib/extract.
 */
#ifndef TW_OLE_H
#define TW_OLE_H

#include <gsf/gsf-infile.h>
#include <gsf/gsf-input.h>

#include "extract/extract.h"

/* ---------------------------------------------------------------- libgsf */

/*
 * libgsf (and GLib under it) reports damaged files with g_warning(), and
 * the library must never print: between tw_ole_quiet() and the matching
 * tw_ole_loud(), the calling thread's libgsf, GLib-GObject and default-
 * domain messages are dropped.  Calls nest.  Other threads, and this one
 * outside the pair, are untouched.
 */
void tw_ole_quiet(void);
void tw_ole_loud(void);

/* Open a compound file over data/len (not copied: it must outlive the
 * result).  Returns the root storage and its input in *in (the caller
 * unrefs both), or NULL with the reason in why. */
GsfInfile *tw_ole_open(const unsigned char *data, size_t len, GsfInput **in,
		       char *why, size_t whycap);
/* The index of a child by name, ignoring case ("WORKBOOK" exists), or -1. */
int tw_ole_child_index(GsfInfile *dir, const char *name);
int tw_ole_has_child(GsfInfile *dir, const char *name);
/* Read a whole stream, at most `cap` bytes, NUL-terminated (caller frees).
 * A stream whose sector chain breaks is read up to the break, and one
 * longer than cap is cut; both set *damaged (when not NULL).  NULL when out
 * of memory, and from tw_ole_read_stream() when `name` is absent or a
 * storage. */
unsigned char *tw_ole_read_input(GsfInput *s, size_t cap, size_t *outlen,
				 int *damaged);
unsigned char *tw_ole_read_stream(GsfInfile *dir, const char *name, size_t cap,
				  size_t *outlen, int *damaged);

/* ---------------------------------------------------------------- text output */

/* The text of a document, in a capped buffer. */
typedef struct tw_ole_out {
	tw_buf b;
	int last; /* last byte written, for separators */
} tw_ole_out;

void tw_ole_out_bytes(tw_ole_out *o, const char *s, size_t n);
void tw_ole_out_str(tw_ole_out *o, const char *s);
/* One code point, as UTF-8. */
void tw_ole_out_cp(tw_ole_out *o, unsigned u);
/* End the current line unless at the start of one. */
void tw_ole_out_nl(tw_ole_out *o);
/* Non-zero once the buffer is full (the text is cut). */
int tw_ole_out_full(const tw_ole_out *o);

/* A single-byte code page as a table of Unicode code points. */
typedef struct tw_sbcs {
	uint16_t u[256];
} tw_sbcs;

/* The table of Windows code page `cp` (10000: Mac Roman); cp1252 for 0,
 * UTF-16 and UTF-8, ISO-8859-1 when iconv knows neither. */
void tw_sbcs_init(tw_sbcs *t, int cp);
/* 8-bit text through a code-page table; CR and VT become newlines, other
 * controls but tab are dropped. */
void tw_ole_out_8bit(tw_ole_out *o, const tw_sbcs *t, const unsigned char *p,
		     size_t n);
/* `nchars` UTF-16LE units, same rules. */
void tw_ole_out_utf16(tw_ole_out *o, const unsigned char *p, size_t nchars);

/* ---------------------------------------------------------------- embedded objects */

/* The embedded objects of one document, numbered "object:N" in order. */
typedef struct tw_ole_objs {
	tw_extract_ctx *cx;
	tw_node *node;
	unsigned n;
	int stop; /* a limit was reached: no more children */
} tw_ole_objs;

/* Add one object as an attachment child (NULL name: "objectN.ole"). */
void tw_ole_obj_child(tw_ole_objs *ob, const char *name, const unsigned char *d,
		      size_t n);
/* A storage that merely wraps a file: an OLE1 package (\001Ole10Native),
 * an OOXML document ("Package") or a raw one ("CONTENTS", e.g. PDF).
 * Returns 1 when it was one and its file was handed over. */
int tw_ole_storage_unwrap(tw_ole_objs *ob, GsfInfile *st, const char *sname,
			  size_t cap);
/* Each storage of `dir` whose name starts with `prefix` ("" for all): its
 * wrapped file, or else the storage written out as a compound file. */
void tw_ole_storages(tw_ole_objs *ob, GsfInfile *dir, const char *prefix,
		     size_t cap);

/*
 * An OLE1 "Package" (the native data of a packaged object, as in RTF's
 * \objdata or after the 4-byte size of an \001Ole10Native stream): the
 * packaged file, pointing into d, and its original name (the base name of
 * its path, else its label) in fname.  Returns 1 when the structure holds
 * together, else 0.
 */
int tw_ole1_package(const unsigned char *d, size_t n, char *fname, size_t fcap,
		    const unsigned char **data, size_t *dlen);

/* ---------------------------------------------------------------- formats */

/* Word (doc.c): the text of the WordDocument stream into o; problems are
 * recorded on node.  `codepage` is that of the property sets (Word 6/95). */
void tw_doc_extract(tw_extract_ctx *cx, tw_node *node, GsfInfile *root,
		    tw_ole_out *o, int codepage, size_t cap);
/* Excel (xls.c): the sheets of the Workbook (or Book) stream into o. */
void tw_xls_extract(tw_extract_ctx *cx, tw_node *node, GsfInfile *root,
		    tw_ole_out *o, size_t cap);
/* PowerPoint (ppt.c): the text atoms into o, the ExOleObjStg objects into
 * ob; also called when locating, for the objects. */
void tw_ppt_extract(tw_extract_ctx *cx, tw_node *node, GsfInfile *root,
		    tw_ole_out *o, tw_ole_objs *ob, int codepage, size_t cap);

#endif
