/*
 * fuzz_mbox.c - libFuzzer target for the mbox splitter (lib/extract/mbox.c):
 * any bytes split into messages, with every message's framing checked to
 * stay inside the input.  Seeds are in tests/fuzz/seeds/mbox/.
 */
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tw_mbox *mb = tw_mbox_open_mem(data, size);
	tw_buf msg;
	uint64_t off, last = 0;
	int first = 1;

	if (!mb)
		return 0;
	tw_buf_init(&msg, 1u << 24);
	while (tw_mbox_next(mb, &msg, &off) == 1) {
		if (off >= size || (!first && off <= last) || msg.len > size)
			__builtin_trap();
		last = off;
		first = 0;
	}
	tw_buf_release(&msg);
	tw_mbox_close(mb, NULL);
	return 0;
}
