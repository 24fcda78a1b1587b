/*
 * fuzz_odf.c - libFuzzer target for OpenDocument files (lib/extract/odf.c),
 * packaged (zip) or flat XML.
 *
 * Inputs the ODF extractor would not take are dropped early so the time
 * goes to libarchive, libxml2 and our walker; accepted ones run through
 * the whole framework under tight limits.  A zip is named .odt, anything
 * else .fodt, so that both paths are reached.  Seeds are in
 * tests/fuzz/seeds/odf/.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A zip is a package (.odt), anything else a flat XML document (.fodt). */
	int zip = size >= 2 && data[0] == 'P' && data[1] == 'K';

	return fuzz_extractor(&tw_extractor_odf, zip ? "fuzz.odt" : "fuzz.fodt",
			      zip ? "odt" : "fodt", NULL, data, size);
}
