/*
 * fuzz_rtf.c - libFuzzer target for the RTF reader (lib/extract/rtf.c).
 *
 * Inputs the RTF extractor would not take are dropped early; since it takes
 * anything that starts with "{\rtf", the fuzzer soon keeps that prefix and
 * spends its time in the tokenizer, the code page conversions, the font
 * table, \info, encapsulated HTML and \objdata (whose embedded objects are
 * then extracted too, under tight limits).  The first embedded object is
 * also located again, as `trawl show --raw` does.  Seeds are in
 * tests/fuzz/seeds/rtf/.
 */
#include "tw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const loc[] = {"object:1"};
	tw_extract_args args;
	trawl_limits lim;
	const char *mime;
	tw_buf found;
	tw_node *n;

	tw_extract_global_init();
	mime = tw_detect_mime(data, size, "fuzz.rtf");
	if (!tw_extractor_rtf.accepts(mime, NULL, data, size))
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
	n = tw_node_new("file", "fuzz.rtf", 0);
	tw_extract(n, data, size, &args);
	tw_node_free(n);

	tw_buf_init(&found, 8u << 20);
	args.locate = loc;
	args.nlocate = 1;
	args.found = &found;
	n = tw_node_new("file", "fuzz.rtf", 0);
	tw_extract(n, data, size, &args);
	tw_node_free(n);
	tw_buf_release(&found);
	return 0;
}
