/*
 * fuzz_msg.c - libFuzzer target for Outlook .msg files
 * (lib/extract/msg.c, mailbuild.c).
 *
 * Inputs the msg extractor would not take (other OLE2 files, anything
 * else) are dropped early so the time goes to libgsf, the property readers
 * and the message rebuilding; accepted ones run through the whole
 * framework, attachments included, under tight limits.  Seeds are in
 * tests/fuzz/seeds/msg/.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extractor(&tw_extractor_msg, "fuzz.msg", NULL, NULL, data, size);
}
