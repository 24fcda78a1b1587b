/*
 * fuzz_scan.c - libFuzzer target for the findings scanner and its
 * validators (lib/scan/): any bytes as a text, as a sheet, on both engines
 * (alternating), so the validators' look-arounds are tried at every edge.
 */
#include "protect/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tw_scanner *s[2];
	static unsigned n;
	tw_findings f;
	size_t i;
	int e = (int)(n++ & 1);

	if (!s[0]) {
		tw_scan_force_engine(0);
		s[0] = tw_scanner_new();
		s[1] = tw_scanner_new();
	}
	if (tw_scan_force_engine(e ? 2 : 1) != 0)
		tw_scan_force_engine(2);
	memset(&f, 0, sizeof(f));
	tw_scan_text(s[e], (const char *)data, size, size && (data[0] & 1), &f);
	for (i = 0; i < f.n; i++) {
		if (f.v[i].off + f.v[i].len > size)
			__builtin_trap();
		free(f.v[i].value);
		free(f.v[i].preview);
	}
	free(f.v);
	return 0;
}
