/*
 * tnef.c - TNEF winmail.dat attachments.
 *
 * Placeholder until the extractor is written: it accepts nothing, so such
 * content is recorded as "unsupported".
 */
#include "tw.h"

static int tnef_accepts(const char *mime, const char *ext,
			const unsigned char *data, size_t len)
{
	return 0;
}

static trawl_status tnef_extract(tw_extract_ctx *cx, tw_node *node,
				const unsigned char *data, size_t len)
{
	return TRAWL_EUNSUPPORTED;
}

const tw_extractor tw_extractor_tnef = {
	"tnef", "email", tnef_accepts, tnef_extract, NULL,
};
