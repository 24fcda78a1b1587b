/*
 * fuzz_odf.c - libFuzzer target for OpenDocument files (lib/extract/odf.c),
 * packaged (zip) or flat XML.
 *
 * Inputs the ODF extractor would not take are dropped early so the time
 * goes to libarchive, libxml2 and our walker; accepted ones run through
 * the whole framework under tight limits.  A zip is named .odt, anything
 * else .fodt, so that both paths are reached.  Seeds are in
 * tests/fuzz/seeds/odf/.
 */
#include "tw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tw_extract_args args;
	trawl_limits lim;
	const char *mime, *name, *ext;
	tw_node *n;

	tw_extract_global_init();
	if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
		name = "fuzz.odt";
		ext = "odt";
	} else {
		name = "fuzz.fodt";
		ext = "fodt";
	}
	mime = tw_detect_mime(data, size, name);
	if (!tw_extractor_odf.accepts(mime, ext, data, size))
		return 0;
	trawl_limits_default(&lim);
	lim.max_depth = 2;
	lim.max_seconds = 10;
	lim.max_item_bytes = 8u << 20;
	lim.max_container_bytes = 32u << 20;
	lim.max_text_bytes = 1u << 20;
	memset(&args, 0, sizeof(args));
	args.limits = &lim;
	n = tw_node_new("file", name, 0);
	tw_extract(n, data, size, &args);
	tw_node_free(n);
	return 0;
}
