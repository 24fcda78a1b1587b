/*
 * fuzz_query.c - libFuzzer target for the query language parser
 * (lib/query.c): any text either parses to a tree or fails with a position
 * inside the text.  Seeds are in tests/fuzz/seeds/query/.
 */
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *q = tw_strndup((const char *)data, size);
	trawl_syntax_error err;
	tw_qnode *n = NULL;
	trawl_status st;

	if (!q)
		return 0;
	memset(&err, 0, sizeof(err));
	st = tw_query_parse(q, &n, &err);
	if (st == TRAWL_OK && !n)
		__builtin_trap();
	if (st == TRAWL_ESYNTAX && (err.pos > strlen(q) || !err.message[0]))
		__builtin_trap();
	tw_query_free(n);
	free(q);
	return 0;
}
