/*
 * fuzz_ooxml.c - libFuzzer target for Office Open XML packages
 * (lib/extract/ooxml.c).
 *
 * Inputs the OOXML extractor would not take are dropped early so the time
 * goes to libarchive, libxml2 and our part walkers; accepted ones run
 * through the whole framework (embedded objects included) under tight
 * limits, so that a zip bomb costs milliseconds.  Seeds are in
 * tests/fuzz/seeds/ooxml/.
 */
#include "tw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tw_extract_args args;
	trawl_limits lim;
	const char *mime;
	tw_node *n;

	tw_extract_global_init();
	mime = tw_detect_mime(data, size, "fuzz.docx");
	if (!tw_extractor_ooxml.accepts(mime, "docx", data, size))
		return 0;
	trawl_limits_default(&lim);
	lim.max_depth = 2;
	lim.max_seconds = 10;
	lim.max_item_bytes = 8u << 20;
	lim.max_container_bytes = 32u << 20;
	lim.max_text_bytes = 1u << 20;
	memset(&args, 0, sizeof(args));
	args.limits = &lim;
	n = tw_node_new("file", "fuzz.docx", 0);
	tw_extract(n, data, size, &args);
	tw_node_free(n);
	return 0;
}
