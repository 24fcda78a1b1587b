/*
 * pstreader.h - the PST reader process (pstreader.c) and the records it
 * sends to the extractor side (pst.c).  Internal to lib/extract.
 *
 * libpst runs in a process of its own (see pst.c for why): the extractor
 * starts it with tw_pst_reader_spawn() and reads its records from a pipe.
 */
#ifndef TW_PSTREADER_H
#define TW_PSTREADER_H

#include <stdint.h>
#include <sys/types.h>

/* Folders nested deeper than this are not walked. */
#define TW_PST_MAX_FOLDER_DEPTH 64

/*
 * Records from the child: tag (1 byte), payload length (4 bytes, little
 * endian), payload.  Strings are sent raw with a leading flag byte (1: UTF-8,
 * 0: in the item's charset), converted by the parent.
 */
enum {
	R_FOLDER = 'F',   /* flag, name: a folder begins */
	R_FOLDER_END = 'G', /* declared count (i32) */
	R_MESSAGE = 'M',  /* d_id (u64), type (i32): an item begins */
	R_NESTED = 'N',   /* flag, name: an embedded message begins */
	R_END = 'X',      /* the item or embedded message ends */
	R_CHARSET = 'C',  /* charset of the item's 8-bit strings */
	R_ATTACH = 'A',   /* attachment: see send_attach() */
	R_LABEL = 'L',    /* "label\0" flag value: a line of a rendered item */
	R_LTIME = 'T',    /* "label\0" FILETIME (u64) */
	R_SKIP = 'S',     /* an item that libpst could not parse (text) */
	R_WARN = 'W',     /* a store-level problem (text) */
	R_DONE = 'Q',     /* the walk finished */
	/* Item fields (string payloads unless noted). */
	F_SUBJECT = 's', F_BODY = 'b', F_HTML = 'h', F_HEADERS = 'H',
	F_FROM_NAME = 'n', F_FROM_ADDR = 'a', F_FROM_ADDR2 = 'e', F_TO = 't',
	F_CC = 'c', F_BCC = 'B', F_MSGID = 'i', F_IRT = 'r', F_CLASS = 'k',
	F_RTF = 'R' /* binary */, F_SENT = 'd' /* u64 */, F_ARRIVED = 'D' /* u64 */,
};

/*
 * Start the reader process on the store at `path`, writing its records to
 * `wfd` (the caller closes its copy afterwards); `cpu_seconds` (0: none) is
 * its CPU backstop, `max_item` the largest attachment it sends.  Returns
 * its pid, or -1 with errno set.
 */
pid_t tw_pst_reader_spawn(int wfd, const char *path, uint64_t cpu_seconds,
			  uint64_t max_item);

/* The descriptor the reader writes its records to.  */
#define TW_PST_READER_FD 3

#endif
