/*
 * fuzz_legacy.c - libFuzzer target for legacy Office files in OLE2
 * (lib/extract/ole.c, doc.c, xls.c, ppt.c): Word, Excel, PowerPoint, their
 * property sets and embedded objects.
 *
 * Inputs the legacy extractor would not take (anything without the OLE2
 * signature, Outlook messages) are dropped early so the time goes to
 * libgsf and the record parsers; accepted ones run through the whole
 * framework, embedded objects included, under tight limits, and the first
 * embedded object is located again, as `trawl show --raw` does.  Seeds are
 * in tests/fuzz/seeds/legacy/ (small OLE2 files: mutations that keep the
 * compound file readable reach the record parsers).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extractor(&tw_extractor_legacy, "fuzz.doc", NULL, "object:1", data, size);
}
