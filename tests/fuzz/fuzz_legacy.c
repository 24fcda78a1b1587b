/*
 * fuzz_legacy.c - libFuzzer target for legacy Office files in OLE2
 * (lib/extract/legacy.c): Word, Excel, PowerPoint, their property sets and
 * embedded objects.
 *
 * Inputs the legacy extractor would not take (anything without the OLE2
 * signature, Outlook messages) are dropped early so the time goes to
 * libgsf and the record parsers; accepted ones run through the whole
 * framework, embedded objects included, under tight limits, and the first
 * embedded object is located again, as `trawl show --raw` does.  Seeds are
 * in tests/fuzz/seeds/legacy/ (small OLE2 files: mutations that keep the
 * compound file readable reach the record parsers).
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
	mime = tw_detect_mime(data, size, "fuzz.doc");
	if (!tw_extractor_legacy.accepts(mime, NULL, data, size))
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
	n = tw_node_new("file", "fuzz.doc", 0);
	tw_extract(n, data, size, &args);
	tw_node_free(n);

	tw_buf_init(&found, 8u << 20);
	args.locate = loc;
	args.nlocate = 1;
	args.found = &found;
	n = tw_node_new("file", "fuzz.doc", 0);
	tw_extract(n, data, size, &args);
	tw_node_free(n);
	tw_buf_release(&found);
	return 0;
}
