/*
 * fuzz_pdf.c - libFuzzer target for PDF documents (lib/extract/pdf.c).
 *
 * Inputs the PDF extractor would not take are dropped early so the time
 * goes to MuPDF and our page loop; accepted ones run through the whole
 * framework (embedded files included) under tight limits.  Seeds are in
 * tests/fuzz/seeds/pdf/.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extractor(&tw_extractor_pdf, "fuzz.pdf", "pdf", NULL, data, size);
}
