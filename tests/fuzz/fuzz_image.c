/*
 * fuzz_image.c - libFuzzer target for images (lib/extract/image.c): the
 * header readers of JPEG, PNG, GIF, BMP, WebP and TIFF, and the EXIF
 * (libexif), XMP (libxml2) and IPTC blocks they find.  Inputs the image
 * extractor would not take are dropped early.  Seeds are in
 * tests/fuzz/seeds/image/ (made by tests/fixtures/gen_media.sh).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t w, h;

	(void)tw_image_size(data, size, &w, &h);
	return fuzz_extractor(&tw_extractor_image, "fuzz.jpg", "jpg", NULL, data, size);
}
