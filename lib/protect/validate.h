/*
 * validate.h - what the two files of validators share (private to
 * lib/protect/): the small character tests, the checks on a value's
 * surroundings, and the entry points of the secret validators
 * (secrets.c) that tw_scan_anchor() in validate.c dispatches to.
 */
#ifndef TW_VALIDATE_H
#define TW_VALIDATE_H

#include <ctype.h>
#include <string.h>

#include "protect/scan.h"

static inline int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int is_alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

/* c is one of `set` (never the NUL that ends the set). */
static inline int in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* The value at [s, e) is not glued to a longer token on the left (no
 * letter or digit, and no "-", "." or "/" that continues a number), or on
 * the right. */
int tw_v_clean_before(const char *t, size_t s);
int tw_v_clean_after(const char *t, size_t len, size_t e);
/* Does the text hold `lit` at `pos`?  Texts need not end in a NUL. */
int tw_v_lit_at(const tw_scan_ctx *cx, size_t pos, const char *lit);
/* Has this anchor kind already handled a run covering `pos`? */
int tw_v_seen_run(tw_scan_ctx *cx, int kind, size_t pos);
void tw_v_mark_run(tw_scan_ctx *cx, int kind, size_t s, size_t e);

/* Secret validators (secrets.c): each looks at the text ending at `e`. */
void tw_v_password(tw_scan_ctx *cx, size_t e);
void tw_v_url_cred(tw_scan_ctx *cx, size_t e);
void tw_v_pem(tw_scan_ctx *cx, size_t e);
void tw_v_aws_id(tw_scan_ctx *cx, size_t e);
void tw_v_aws_secret(tw_scan_ctx *cx, size_t e);
void tw_v_token(tw_scan_ctx *cx, const tw_scan_pattern *pt, size_t s, size_t e);
void tw_v_ipv4(tw_scan_ctx *cx, size_t e);
void tw_v_ipv6(tw_scan_ctx *cx, size_t e);

#endif /* TW_VALIDATE_H */
