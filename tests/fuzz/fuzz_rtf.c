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
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extractor(&tw_extractor_rtf, "fuzz.rtf", NULL, "object:1", data, size);
}
