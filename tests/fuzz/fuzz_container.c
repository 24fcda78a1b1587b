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
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extractor(&tw_extractor_container, "fuzz.bin", NULL, NULL, data, size);
}
