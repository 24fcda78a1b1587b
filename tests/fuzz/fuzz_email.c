/*
 * fuzz_email.c - libFuzzer target for the MIME entry point.
 *
 * The input is appended to two fixed header lines, so that detection always
 * takes it as an RFC 5322 message and the fuzzer's bytes reach GMime and
 * trawl's MIME walk (more headers, multipart bodies, nested messages,
 * charsets, HTML).  The first attachment is then located again, as
 * `trawl show --raw` does.  Seeds are in tests/fuzz/seeds/email/.
 */
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char prefix[] = "Received: from fuzz\nFrom: fuzz@example.com\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tw_extract_args args;
	trawl_limits lim;
	unsigned char *msg;
	size_t len = sizeof(prefix) - 1 + size;
	tw_node *n;

	if (size > (4u << 20))
		return 0;
	msg = malloc(len);
	if (!msg)
		return 0;
	memcpy(msg, prefix, sizeof(prefix) - 1);
	memcpy(msg + sizeof(prefix) - 1, data, size);
	tw_extract_global_init();
	trawl_limits_default(&lim);
	lim.max_depth = 3;
	lim.max_seconds = 10;
	lim.max_item_bytes = 8u << 20;
	memset(&args, 0, sizeof(args));
	args.limits = &lim;
	n = tw_node_new("file", "fuzz.eml", 0);
	tw_extract(n, msg, len, &args);
	if (n->first_child && n->first_child->locator) {
		const char *chain[1] = {n->first_child->locator};
		tw_buf found;
		tw_node *r = tw_node_new("file", "fuzz.eml", 0);

		tw_buf_init(&found, 16u << 20);
		args.locate = chain;
		args.nlocate = 1;
		args.found = &found;
		tw_extract(r, msg, len, &args);
		tw_buf_release(&found);
		tw_node_free(r);
	}
	tw_node_free(n);
	free(msg);
	return 0;
}
