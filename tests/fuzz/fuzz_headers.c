/*
 * fuzz_headers.c - libFuzzer target for the raw-header parsers of
 * lib/verify/: header splitting, every Received header as a hop, and the
 * DKIM verifier on whatever DKIM-Signature headers the input holds (no
 * keys, no DNS: the tag, canonicalisation and hashing code still runs).
 */
#include "verify/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n, i;
	char *m = tw_crlf((const char *)data, size, &n);
	tw_hdrs hs;
	tw_dkim_res r;

	if (!m)
		return 0;
	if (tw_hdrs_parse(m, n, &hs) == 0) {
		for (i = 0; i < hs.n; i++) {
			char *v = tw_hdr_unfold(&hs.v[i]);
			tw_hop h;

			tw_received_parse(v, &h);
			tw_hop_release(&h);
			free(v);
		}
		tw_hdrs_release(&hs);
	}
	free(m);
	tw_dkim_verify((const char *)data, size, NULL, 0, &r);
	tw_dkim_res_release(&r);
	return 0;
}
