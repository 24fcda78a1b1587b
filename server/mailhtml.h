/*
 * mailhtml.h - the HTML body of a message, for the sandboxed email view
 * (GET /api/items/ID/html).  A building block: GMime only.
 */
#ifndef TRAWL_SRV_MAILHTML_H
#define TRAWL_SRV_MAILHTML_H

#include <stddef.h>

/* The HTML body of the message in raw[0..len), converted to UTF-8 (caller
 * frees), or NULL when it has none.  Uses GMime; call srv_mailhtml_init()
 * once before any thread calls srv_mailhtml(). */
void srv_mailhtml_init(void);
char *srv_mailhtml(const unsigned char *raw, size_t len, size_t max, size_t *out_len);

#endif
