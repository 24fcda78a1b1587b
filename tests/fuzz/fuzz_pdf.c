/*
 * fuzz_pdf.c - libFuzzer target for PDF documents (lib/extract/pdf.c).
 *
 * Inputs the PDF extractor would not take are dropped early so the time
 * goes to MuPDF and our page loop; accepted ones run through the whole
 * framework (embedded files included) under tight limits.  Seeds are in
 * tests/fuzz/seeds/pdf/.
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
	mime = tw_detect_mime(data, size, "fuzz.pdf");
	if (!tw_extractor_pdf.accepts(mime, "pdf", data, size))
		return 0;
	trawl_limits_default(&lim);
	lim.max_depth = 2;
	lim.max_seconds = 10;
	lim.max_item_bytes = 8u << 20;
	lim.max_container_bytes = 32u << 20;
	lim.max_text_bytes = 1u << 20;
	memset(&args, 0, sizeof(args));
	args.limits = &lim;
	n = tw_node_new("file", "fuzz.pdf", 0);
	tw_extract(n, data, size, &args);
	tw_node_free(n);
	return 0;
}
