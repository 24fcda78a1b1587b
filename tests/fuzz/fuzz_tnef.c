/*
 * fuzz_tnef.c - libFuzzer target for TNEF (winmail.dat) streams
 * (lib/extract/tnef.c).
 *
 * Inputs without the TNEF signature are dropped early so the time goes to
 * the attribute and MAPI property walker; accepted ones run through the
 * whole framework, attachments included, under tight limits.  Seeds are in
 * tests/fuzz/seeds/tnef/.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extractor(&tw_extractor_tnef, "winmail.dat", NULL, NULL, data, size);
}
