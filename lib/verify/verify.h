/*
 * verify.h - internals of lib/verify/: raw header parsing shared by the
 * DKIM verifier and the provenance parser, the DKIM verifier itself, and
 * the Received-chain parser.  Nothing here touches the archive; the
 * archive side is lib/verify/evidence.c.
 */
#ifndef TW_VERIFY_H
#define TW_VERIFY_H

#include "mail.h"

/* ---------------------------------------------------------------- headers */

/* One header field as it appears in the message: `raw` runs from the
 * first byte of the name to the end of its last line, line ending
 * included. */
typedef struct tw_hdr {
	const char *name;
	size_t nlen;
	const char *raw;
	size_t rlen;
	const char *value; /* after the colon */
	size_t vlen;       /* up to the final line ending, excluded */
} tw_hdr;

typedef struct tw_hdrs {
	tw_hdr *v;
	size_t n;
	const char *body; /* after the empty line (NULL when there is none) */
	size_t blen;
} tw_hdrs;

/* Split a message (CRLF line endings, see tw_crlf) into header fields and
 * body.  Fields point into `msg`.  Lines that are no header field (no
 * colon) are skipped, like an mbox "From " line.  Returns -1 when out of
 * memory. */
int tw_hdrs_parse(const char *msg, size_t len, tw_hdrs *out);
void tw_hdrs_release(tw_hdrs *h);
/* Copy of `msg` with every bare LF made CRLF (caller frees). */
char *tw_crlf(const char *msg, size_t len, size_t *outlen);
/* The value of field h unfolded (CRLF removed), trimmed; caller frees. */
char *tw_hdr_unfold(const tw_hdr *h);
/* Last field named `name` (case-insensitive), or NULL. */
const tw_hdr *tw_hdr_find(const tw_hdrs *h, const char *name);

/* ---------------------------------------------------------------- DKIM */

typedef struct tw_dkim_keys tw_dkim_keys;
/* Load DNS TXT records from a key file ("sel._domainkey.example.com [TTL]
 * [IN] TXT "v=DKIM1; ..."", zone-file quoting, parentheses and $ORIGIN).
 * NULL on failure with `err` set. */
tw_dkim_keys *tw_dkim_keys_load(const char *path, char *err, size_t errlen);
void tw_dkim_keys_free(tw_dkim_keys *k);
/* Record for "selector._domainkey.domain" (lowercase), or NULL. */
const char *tw_dkim_keys_find(const tw_dkim_keys *k, const char *name);

typedef struct tw_dkim_sigres {
	char *domain, *selector, *algorithm, *canon;
	const char *result; /* static: "pass", "fail", "nokey" */
	char *reason;
	int weak;
} tw_dkim_sigres;

typedef struct tw_dkim_res {
	const char *result; /* static: "pass", "fail", "nokey", "none" */
	char *reason;
	int weak;
	tw_dkim_sigres *sigs;
	size_t nsigs;
} tw_dkim_res;

/* Verify every DKIM-Signature of a raw message (any line endings).  Keys
 * come from `keys` (may be NULL) and, with `dns`, from live DNS. */
void tw_dkim_verify(const char *msg, size_t len, const tw_dkim_keys *keys, int dns,
		    tw_dkim_res *out);
void tw_dkim_res_release(tw_dkim_res *r);

/* ---------------------------------------------------------------- Received */

typedef struct tw_hop {
	char *from_host, *from_rdns, *from_ip, *by_host, *protocol, *id, *for_addr;
	int64_t time;
	int has_time, tz_offset, parsed;
	char *raw;
} tw_hop;

/* Parse one Received header value (unfolded). */
void tw_received_parse(const char *value, tw_hop *hop);
void tw_hop_release(tw_hop *hop);

#endif
