/*
 * fuzz_ooxml.c - libFuzzer target for Office Open XML packages
 * (lib/extract/ooxml.c, xlsx.c and the package layer package.c).
 *
 * Inputs the OOXML extractor would not take are dropped early so the time
 * goes to libarchive, libxml2 and our part walkers; accepted ones run
 * through the whole framework (embedded objects included) under tight
 * limits, so that a zip bomb costs milliseconds.  Seeds are in
 * tests/fuzz/seeds/ooxml/.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extractor(&tw_extractor_ooxml, "fuzz.docx", "docx", NULL, data, size);
}
