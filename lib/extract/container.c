/*
 * container.c - archives and compressed files with libarchive.
 *
 * Placeholder until the extractor is written: it accepts nothing, so such
 * content is recorded as "unsupported".
 */
#include "tw.h"

static int container_accepts(const char *mime, const char *ext,
			const unsigned char *data, size_t len)
{
	return 0;
}

static trawl_status container_extract(tw_extract_ctx *cx, tw_node *node,
				const unsigned char *data, size_t len)
{
	return TRAWL_EUNSUPPORTED;
}

const tw_extractor tw_extractor_container = {
	"container", "archive", container_accepts, container_extract, NULL,
};
