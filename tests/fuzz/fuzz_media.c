/*
 * fuzz_media.c - libFuzzer target for audio and video (lib/extract/media.c):
 * libavformat's demuxers behind our in-memory AVIOContext, with the probe
 * bounds, the refused nested opens and the lying-header checks.  Inputs
 * not detected as audio or video are dropped early.  Seeds are in
 * tests/fuzz/seeds/media/ (made by tests/fixtures/gen_media.sh).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extractor(&tw_extractor_media, "fuzz.mp4", "mp4", NULL, data, size);
}
