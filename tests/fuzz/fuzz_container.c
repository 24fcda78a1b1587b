/*
 * fuzz_container.c - libFuzzer target for archives and compressed files
 * (lib/extract/container.c).
 *
 * Inputs the container extractor would not take are dropped early so the
 * time goes to libarchive and our reading loop; accepted ones run through
 * the whole framework, members included, under tight limits so that a
 * bomb costs milliseconds, not the fuzzer's memory.  Seeds are in
 * tests/fuzz/seeds/container/.
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
	mime = tw_detect_mime(data, size, "fuzz.bin");
	if (!tw_extractor_container.accepts(mime, NULL, data, size))
		return 0;
	trawl_limits_default(&lim);
	lim.max_depth = 2;
	lim.max_seconds = 10;
	lim.max_item_bytes = 8u << 20;
	lim.max_container_bytes = 32u << 20;
	lim.max_members = 2000;
	memset(&args, 0, sizeof(args));
	args.limits = &lim;
	n = tw_node_new("file", "fuzz.bin", 0);
	tw_extract(n, data, size, &args);
	tw_node_free(n);
	return 0;
}
