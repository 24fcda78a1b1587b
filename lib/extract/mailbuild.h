/*
 * mailbuild.h - rebuild an RFC 5322 message from Outlook fields.
 *
 * PST items and MSG files hold a message as separate MAPI properties rather
 * than as MIME.  Their extractors fill a tw_mail and get back the bytes of
 * an equivalent MIME message, which the email extractor then parses like
 * any other: one mail model, one place where attachments become children.
 * Internal to lib/extract (pst.c, msg.c; tnef.c for the helpers).
 */
#ifndef TW_MAILBUILD_H
#define TW_MAILBUILD_H

#include <stddef.h>
#include <stdint.h>

/* A recipient with its role (TW_TO, TW_CC, TW_BCC from tw.h). */
typedef struct tw_mail_rcpt {
	int role;
	const char *name; /* UTF-8 display name, may be NULL */
	const char *addr; /* address, may be NULL */
} tw_mail_rcpt;

typedef struct tw_mail_att {
	const char *name;       /* file name (UTF-8), may be NULL */
	const char *mime;       /* "type/subtype", may be NULL */
	const char *content_id; /* may be NULL */
	const unsigned char *data;
	size_t len;
	int message;            /* data is an RFC 5322 message (message/rfc822) */
} tw_mail_att;

/* Every string is UTF-8 and may be NULL. */
typedef struct tw_mail {
	/* Original transport headers (PR_TRANSPORT_MESSAGE_HEADERS): used as
	 * the header block when they look like one (their MIME fields are
	 * dropped); the fields below only fill in what they lack. */
	const char *headers;
	const char *subject;
	const char *from_name, *from_addr;
	/* Recipients: `rcpts` when known, else the display lists ("a; b"). */
	const tw_mail_rcpt *rcpts;
	size_t nrcpts;
	const char *to, *cc, *bcc;
	int64_t date; /* UTC seconds, used when has_date */
	int has_date;
	const char *message_id, *in_reply_to, *references;
	const char *body;         /* text/plain */
	size_t body_len;
	const char *html;         /* text/html, in html_charset (NULL: UTF-8) */
	size_t html_len;
	const char *html_charset;
	const tw_mail_att *atts;
	size_t natts;
	/* Extra header fields, e.g. X-Outlook-Class; name/value pairs. */
	const char *const *extra;
	size_t nextra;
} tw_mail;

/* Build the message; returns malloc'd bytes (caller frees) and their length
 * in *len, or NULL when out of memory. */
char *tw_mail_build(const tw_mail *m, size_t *len);

/* The iconv name of Windows code page `cp` (PR_MESSAGE_CODEPAGE,
 * PR_INTERNET_CPID, TNEF's attOemCodepage): a static string, or one written
 * to buf; NULL for 0 and values above 65535. */
const char *tw_codepage_charset(uint64_t cp, char *buf, size_t n);

/* FILETIME (100 ns ticks since 1601) to Unix seconds; 0 when out of range. */
int tw_filetime_to_unix(uint64_t ft, int64_t *out);

/*
 * Decompress an Outlook compressed-RTF body (PR_RTF_COMPRESSED, [MS-OXRTFCP]
 * "LZFu", or its uncompressed "MELA" form).  Returns malloc'd bytes (caller
 * frees) and their length, at most `max`; NULL when the data is not
 * compressed RTF or is damaged beyond use.
 */
unsigned char *tw_lzfu_decompress(const unsigned char *in, size_t n, size_t max,
				  size_t *outlen);

#endif
