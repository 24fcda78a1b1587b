/*
 * fuzz_pst_records.c - libFuzzer target for the rebuilding of a PST item
 * from the records the PST reader process sends (tw_pst_message() in
 * lib/extract/pst.c).  The reader parses hostile stores with libpst, so
 * its records are not trusted either: any bytes either build a message or
 * nothing.  Seeds are in tests/fuzz/seeds/pst_records/.
 */
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	trawl_limits lim;
	size_t len = 0;
	char *msg;

	trawl_limits_default(&lim);
	lim.max_item_bytes = 1u << 20;
	msg = tw_pst_message(data, size, &lim, &len);
	if (msg && !len)
		__builtin_trap();
	free(msg);
	return 0;
}
