/*
 * mail.h - address, name, date and sniffing primitives (lib/mail.c,
 * lib/maildate.c), shared by the extractors, the walker and the readers.
 *
 * They depend on nothing but the base: mail.c is plain C, so the lean front
 * program can canonicalise addresses in queries without linking GMime;
 * maildate.c parses dates with GMime and is linked only where dates are read.
 */
#ifndef TW_MAIL_H
#define TW_MAIL_H

#include "tw.h"

/* Parse an RFC 5322 date; returns 0 and fills *utc / *tz on success. */
int tw_parse_date(const char *s, int64_t *utc, int *tz_offset);
/* Normalise an address: trim, unquote, lowercase.  Caller frees.  NULL for
 * an address that is blank (tw_addr_blank()), else when out of memory. */
char *tw_addr_normalise(const char *addr);
/* Non-zero when addr holds nothing but blanks, quotes and angle brackets. */
int tw_addr_blank(const char *addr);
/* Non-zero when data looks like the start of an RFC 5322 message. */
int tw_looks_like_message(const unsigned char *data, size_t len);
/* Non-zero when data starts like an mbox ("From " line). */
int tw_looks_like_mbox(const unsigned char *data, size_t len);
/* Copy of s[0..n) without surrounding blanks, quotes and angle brackets;
 * NULL when nothing is left or out of memory.  Caller frees. */
char *tw_addr_trim(const char *s, size_t n);
enum { TW_ADDR_OTHER, TW_ADDR_SMTP, TW_ADDR_X500 };
/* Canonical address for grouping: lowercase, without quotes, brackets,
 * comments or "mailto:"; Exchange DNs (also as IMCEAEX-... and with =3D
 * artefacts) as "/o=.../cn=...".  *kind (may be NULL) gets TW_ADDR_*.
 * NULL for an empty address.  Caller frees. */
char *tw_addr_canon(const char *addr, int *kind);
/* Display name for comparison: "Allen, Phillip K." -> "phillip k allen";
 * NULL when it is empty or an address.  Caller frees. */
char *tw_name_canon(const char *name);
/* Local part of a canonical address (the last CN of a DN); caller frees. */
char *tw_addr_local(const char *canon, int kind);
/* Initialise GMime once for the date parser and the extractors; idempotent
 * and thread-safe. */
void tw_mail_global_init(void);

#endif /* TW_MAIL_H */
