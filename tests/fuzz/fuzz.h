/*
 * fuzz.h - the body shared by the extractor fuzz targets.
 *
 * fuzz_extractor() drops inputs extractor `x` would not take (so the time
 * goes to its parser), runs the rest through the whole framework under
 * tight limits (embedded contents are extracted too), and, when `locator`
 * is given, locates that child again as `trawl show --raw` does.
 */
#ifndef TRAWL_FUZZ_H
#define TRAWL_FUZZ_H

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline int fuzz_extractor(const tw_extractor *x, const char *name, const char *ext,
				 const char *locator, const uint8_t *data, size_t size)
{
	tw_extract_args args;
	trawl_limits lim;
	tw_node *n;

	tw_extract_global_init();
	if (!x->accepts(tw_detect_mime(data, size, name), ext, data, size))
		return 0;
	trawl_limits_default(&lim);
	lim.max_depth = 2;
	lim.max_seconds = 10;
	lim.max_item_bytes = 8u << 20;
	lim.max_container_bytes = 32u << 20;
	lim.max_members = 2000;
	lim.max_text_bytes = 1u << 20;
	memset(&args, 0, sizeof(args));
	args.limits = &lim;
	n = tw_node_new("file", name, 0);
	tw_extract(n, data, size, &args);
	tw_node_free(n);
	if (locator) {
		const char *chain[1] = {locator};
		tw_buf found;

		tw_buf_init(&found, 8u << 20);
		args.locate = chain;
		args.nlocate = 1;
		args.found = &found;
		n = tw_node_new("file", name, 0);
		tw_extract(n, data, size, &args);
		tw_node_free(n);
		tw_buf_release(&found);
	}
	return 0;
}

#endif
