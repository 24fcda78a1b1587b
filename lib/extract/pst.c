/*
 * pst.c - Outlook PST and OST with libpst.
 *
 * Placeholder until the extractor is written: it accepts nothing, so such
 * content is recorded as "unsupported".
 */
#include "tw.h"

static int pst_accepts(const char *mime, const char *ext,
			const unsigned char *data, size_t len)
{
	return 0;
}

static trawl_status pst_extract(tw_extract_ctx *cx, tw_node *node,
				const unsigned char *data, size_t len)
{
	return TRAWL_EUNSUPPORTED;
}

const tw_extractor tw_extractor_pst = {
	"pst", "email", pst_accepts, pst_extract, NULL,
};
