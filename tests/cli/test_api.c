/*
 * test_api.c - the JSON API of `trawl serve` on the sample dump: every
 * endpoint's status codes and JSON shape, the security headers on every
 * response (errors and static files included), 400 with a position on a
 * bad query, raw bytes equal to the original, request limits, the Host and
 * origin checks, and the access token (required off loopback, or from
 * everyone with --require-token).
 *
 * Truth comes from examples/expected.json and from the `trawl` command
 * itself where the API promises to agree with it (search --json, show
 * --json, stats --json), never from the server's own answers.
 */
#include <pthread.h>

#include "srvtest.h"

static char db[600];
static json_t *expected;
static srv S;

static int setup(void **state)
{
	char args[800];

	expected = load_json_file("examples/expected.json");
	if (!expected)
		return -1;
	snprintf(db, sizeof(db), "%s/sample.db", tmpdir());
	if (run_cmd(NULL, NULL, "%s ingest --archive '%s' examples/sample-dump", trawl_bin(), db) != 0)
		return -1;
	snprintf(args, sizeof(args), "--archive '%s' --listen 127.0.0.1:0 --threads 4", db);
	if (srv_start(&S, args) != 0) {
		fprintf(stderr, "server did not start: %s\n", S.banner);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	int rc = srv_stop(&S);

	json_decref(expected);
	tmpdir_remove();
	if (rc != 0)
		fprintf(stderr, "trawl serve exited with status %d at SIGTERM\n", rc);
	return rc == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- helpers */

static json_t *body_json(const resp *r)
{
	return parse_json(r->body);
}

static void assert_security_headers(const resp *r, int sandbox)
{
	char v[1024];

	if (!hdr(r, "Content-Security-Policy", v, sizeof(v)))
		fail_msg("no Content-Security-Policy on a %d response:\n%s", r->status, r->head);
	if (sandbox) {
		assert_non_null(strstr(v, "default-src 'none'"));
		assert_non_null(strstr(v, "sandbox"));
		assert_null(strstr(v, "script-src"));
		assert_non_null(strstr(v, "img-src data:"));
	} else {
		assert_string_equal(v, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
				       "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
				       "frame-ancestors 'none'");
	}
	assert_non_null(hdr(r, "X-Content-Type-Options", v, sizeof(v)));
	assert_string_equal(v, "nosniff");
	assert_non_null(hdr(r, "Referrer-Policy", v, sizeof(v)));
	assert_string_equal(v, "no-referrer");
	assert_non_null(hdr(r, "Cache-Control", v, sizeof(v)));
	assert_string_equal(v, "no-store");
}

/* The JSON error shape: {"status":N,"error":CODE,"message":...}. */
static json_t *assert_error(const resp *r, int status)
{
	json_t *o;

	if (r->status != status)
		fail_msg("expected %d, got %d: %s", status, r->status, r->body);
	o = body_json(r);
	assert_int_equal(jint(o, "status"), status);
	assert_true(json_is_string(json_object_get(o, "error")));
	assert_true(json_is_string(json_object_get(o, "message")));
	return o;
}

static void sha256_of(const resp *r, char out[65])
{
	char path[700], *sum = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/body.bin", tmpdir());
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(r->body, 1, r->body_len, f), r->body_len);
	fclose(f);
	assert_int_equal(run_cmd(&sum, NULL, "sha256sum '%s' | cut -c1-64", path), 0);
	snprintf(out, 65, "%.64s", sum);
	free(sum);
}

/* ---------------------------------------------------------------- tests */

static void test_headers_on_every_response(void **state)
{
	static const struct {
		const char *method, *path;
		int status;
	} cases[] = {
		{"GET", "/", 200},
		{"GET", "/assets/app.js", 200},
		{"GET", "/assets/app.css", 200},
		{"GET", "/assets/nope.js", 404},
		{"GET", "/item/5?q=x", 200},
		{"GET", "/api", 200},
		{"GET", "/api/search?q=engine", 200},
		{"GET", "/api/search?q=from%3A", 400},
		{"GET", "/api/items/99999999", 404},
		{"GET", "/api/nothing", 404},
		{"DELETE", "/api/stats", 405},
		{"GET", "/api/stats", 200},
		{"GET", "/api/errors", 200},
		{"GET", "/api/session", 200},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		resp r;

		assert_int_equal(http_req(&r, S.port, cases[i].method, cases[i].path, NULL, NULL, 0), 0);
		if (r.status != cases[i].status)
			fail_msg("%s %s: %d, expected %d", cases[i].method, cases[i].path, r.status,
				 cases[i].status);
		assert_security_headers(&r, 0);
		resp_free(&r);
	}
}

static void test_static_ui(void **state)
{
	resp r = http_get(S.port, "/", NULL);
	char v[256];

	assert_int_equal(r.status, 200);
	assert_non_null(hdr(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "/assets/app.js"));
	/* Nothing in the page is loaded from elsewhere. */
	assert_null(strstr(r.body, "http://"));
	assert_null(strstr(r.body, "https://"));
	resp_free(&r);
	r = http_get(S.port, "/assets/app.js", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(hdr(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/javascript; charset=utf-8");
	/* Evidence never goes through an HTML parser in the UI. */
	assert_null(strstr(r.body, "innerHTML"));
	assert_null(strstr(r.body, "outerHTML"));
	assert_null(strstr(r.body, "insertAdjacentHTML"));
	assert_null(strstr(r.body, "document.write"));
	assert_null(strstr(r.body, "eval("));
	resp_free(&r);
	/* No path from the client reaches the disk. */
	r = http_get(S.port, "/assets/../../../../etc/passwd", NULL);
	assert_int_equal(r.status, 404);
	assert_null(strstr(r.body, "root:"));
	resp_free(&r);
}

/* GET /api/search gives the same hits, field for field, as search --json. */
static void test_search_matches_cli(void **state)
{
	static const char *queries[] = {"engine", "from:jonas.brekke@halvorsen-maritime.example has:attachment",
					"\"engine room fire\"", "type:pdf OR type:word", ""};
	size_t i;

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char enc[600], path[800], *out = NULL, *line, *save = NULL, *cnt = NULL;
		resp r;
		json_t *o, *hits;
		size_t k = 0;

		urlenc(queries[i], enc, sizeof(enc));
		snprintf(path, sizeof(path), "/api/search?q=%s&size=30&page=2", enc);
		r = http_get(S.port, path, NULL);
		assert_int_equal(r.status, 200);
		o = body_json(&r);
		hits = json_object_get(o, "hits");
		assert_true(json_is_array(hits));
		assert_int_equal(run_cmd(&cnt, NULL, "%s search --count --archive '%s' -- '%s'", trawl_bin(), db,
					 queries[i]), 0);
		assert_int_equal(jint(o, "total"), strtoll(cnt, NULL, 10));
		assert_int_equal(jint(o, "offset"), 30);
		assert_int_equal(jint(o, "size"), 30);
		assert_int_equal(run_cmd(&out, NULL, "%s search --json --limit 30 --offset 30 --archive '%s' -- '%s'",
					 trawl_bin(), db, queries[i]), 0);
		for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
			json_t *cli = parse_json(line), *api = json_array_get(hits, k);

			if (!api || !json_equal(cli, api)) {
				char *a = api ? json_dumps(api, JSON_COMPACT) : NULL;

				fail_msg("query '%s' hit %zu differs:\ncli %s\napi %s", queries[i], k, line,
					 a ? a : "(missing)");
			}
			json_decref(cli);
		}
		assert_int_equal(json_array_size(hits), k);
		if (strtoll(cnt, NULL, 10) > 30)
			assert_true(k > 0);
		json_decref(o);
		resp_free(&r);
		free(out);
		free(cnt);
	}
}

static void test_search_arguments(void **state)
{
	static const char *bad[] = {"/api/search?q=x&size=201", "/api/search?q=x&page=0",
				    "/api/search?q=x&size=abc", "/api/search?q=x&sort=size",
				    "/api/search?q=x&collapse=sender", "/api/search?q=x&offset=-1"};
	size_t i;
	resp r;
	json_t *o;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = http_get(S.port, bad[i], NULL);
		json_decref(assert_error(&r, 400));
		resp_free(&r);
	}
	/* A repeated search is answered from the cache, identically. */
	{
		resp a = http_get(S.port, "/api/search?q=crew&size=7", NULL), b;
		char v[64];

		b = http_get(S.port, "/api/search?q=crew&size=7", NULL);
		assert_int_equal(a.status, 200);
		assert_int_equal(b.status, 200);
		assert_null(hdr(&a, "X-Trawl-Cache", v, sizeof(v)));
		assert_non_null(hdr(&b, "X-Trawl-Cache", v, sizeof(v)));
		assert_string_equal(a.body, b.body);
		assert_security_headers(&b, 0);
		resp_free(&a);
		resp_free(&b);
	}
	/* size=0 is a count only. */
	r = http_get(S.port, "/api/search?q=type%3Aemail&size=0", NULL);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_true(jint(o, "total") > 200);
	assert_int_equal(json_array_size(json_object_get(o, "hits")), 0);
	json_decref(o);
	resp_free(&r);
	/* Sorting by date: hits come oldest first. */
	r = http_get(S.port, "/api/search?q=type%3Aemail&sort=date&size=20", NULL);
	o = body_json(&r);
	{
		json_t *hits = json_object_get(o, "hits"), *h;
		const char *prev = "";
		size_t k;

		assert_int_equal(json_array_size(hits), 20);
		json_array_foreach(hits, k, h) {
			const char *d = json_string_value(json_object_get(h, "date"));

			if (d) {
				assert_true(strcmp(prev, d) <= 0);
				prev = d;
			}
		}
	}
	json_decref(o);
	resp_free(&r);
}

static void test_bad_query_400_with_position(void **state)
{
	static const struct {
		const char *enc, *text;
	} cases[] = {
		{"from%3Ajeff%20(budget", "unbalanced"},
		{"form%3Ajeff", "unknown field 'form'"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[300];
		const char *api[] = {"search", "check"};
		size_t k;

		for (k = 0; k < 2; k++) {
			resp r;
			json_t *o;

			snprintf(path, sizeof(path), "/api/%s?q=%s", api[k], cases[i].enc);
			r = http_get(S.port, path, NULL);
			o = assert_error(&r, 400);
			assert_string_equal(json_string_value(json_object_get(o, "error")), "syntax");
			assert_true(json_is_integer(json_object_get(o, "position")));
			assert_true(jint(o, "position") >= 0);
			assert_true((size_t)jint(o, "position") <= strlen(json_string_value(json_object_get(o, "query"))));
			if (cases[i].text)
				assert_non_null(strstr(json_string_value(json_object_get(o, "message")), cases[i].text));
			json_decref(o);
			resp_free(&r);
		}
	}
	/* A value the grammar accepts but the search rejects is a 400 too. */
	{
		resp r = http_get(S.port, "/api/search?q=date%3A2014-13", NULL);
		json_t *o = assert_error(&r, 400);

		assert_string_equal(json_string_value(json_object_get(o, "error")), "syntax");
		assert_true(json_is_integer(json_object_get(o, "position")));
		json_decref(o);
		resp_free(&r);
	}
	/* The position is where the CLI puts its caret: "form:jeff" at 7. */
	{
		resp r = http_get(S.port, "/api/check?q=engine%20form%3Ajeff", NULL);
		json_t *o = assert_error(&r, 400);

		assert_int_equal(jint(o, "position"), 7);
		json_decref(o);
		resp_free(&r);
	}
	{
		resp r = http_get(S.port, "/api/check?q=engine%20from%3Ajeff", NULL);

		assert_int_equal(r.status, 200);
		resp_free(&r);
	}
}

/* GET /api/items/ID is `trawl show --json` plus family and text sizes. */
static void test_item_matches_show(void **state)
{
	const char *mid = json_string_value(json_object_get(json_object_get(expected, "edge_cases"),
							     "nested_message_rfc822"));
	char q[300], path[100], *out = NULL;
	long long id;
	resp r;
	json_t *api, *cli;
	const char *key;
	json_t *v;

	snprintf(q, sizeof(q), "mid:%s", mid);
	id = first_hit_id(db, q);
	snprintf(path, sizeof(path), "/api/items/%lld", id);
	r = http_get(S.port, path, NULL);
	assert_int_equal(r.status, 200);
	api = body_json(&r);
	assert_int_equal(run_cmd(&out, NULL, "%s show --json --archive '%s' %lld", trawl_bin(), db, id), 0);
	cli = parse_json(out);
	json_object_foreach(cli, key, v) {
		if (!json_equal(v, json_object_get(api, key)))
			fail_msg("item %lld: '%s' differs from show --json", id, key);
	}
	assert_true(json_is_array(json_object_get(api, "family")));
	assert_true(json_is_array(json_object_get(api, "children")));
	assert_true(json_array_size(json_object_get(api, "children")) >= 1);
	assert_int_equal(jint(api, "text_length"), strlen(json_string_value(json_object_get(cli, "text"))));
	assert_true(json_is_false(json_object_get(api, "text_cut")));
	/* The forwarded message inside is an item whose family leads back here. */
	{
		json_t *kids = json_object_get(api, "children"), *c, *it;
		size_t k;
		long long child = 0;
		resp cr;

		json_array_foreach(kids, k, c) {
			const char *mime = json_string_value(json_object_get(c, "mime"));

			if (mime && !strcmp(mime, "message/rfc822"))
				child = jint(c, "id");
		}
		assert_true(child > 0);
		snprintf(path, sizeof(path), "/api/items/%lld?text=10", child);
		cr = http_get(S.port, path, NULL);
		assert_int_equal(cr.status, 200);
		it = body_json(&cr);
		assert_int_equal(jint(json_array_get(json_object_get(it, "family"), 0), "id"), id);
		assert_int_equal(jint(it, "parent"), id);
		assert_true(strlen(json_string_value(json_object_get(it, "text"))) <= 10);
		assert_true(json_is_true(json_object_get(it, "text_cut")));
		json_decref(it);
		resp_free(&cr);
	}
	json_decref(api);
	json_decref(cli);
	free(out);
	resp_free(&r);
}

static void test_item_errors(void **state)
{
	static const char *paths[] = {"/api/items/99999999", "/api/items/99999999/raw",
				      "/api/items/99999999/text", "/api/items/0", "/api/items/abc",
				      "/api/items/-1", "/api/items/1.5", "/api/items/%2e%2e%2fetc"};
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		resp r = http_get(S.port, paths[i], NULL);

		json_decref(assert_error(&r, 404));
		assert_security_headers(&r, 0);
		resp_free(&r);
	}
}

/* Raw bytes: equal to the original file (hash in expected.json) and to
 * the recorded hash for attachments, archive members and mbox messages. */
static void test_raw_bytes(void **state)
{
	json_t *hashes = json_object_get(expected, "sha256"), *v;
	const char *file;
	int files = 0;
	static const char *queries[] = {"scrimshaw", "gangplank type:word", "lighthousekeeper", "grapnel",
					"type:email depth:1 sweetener", "kind:message engine"};
	size_t i;

	json_object_foreach(hashes, file, v) {
		const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		char q[400], path[100], sum[65], ct[200], cd[600];
		resp r;

		if (files >= 4 || strchr(base, '\'') || strchr(base, ' '))
			continue;
		snprintf(q, sizeof(q), "filename:\"%s\" depth:0", base);
		snprintf(path, sizeof(path), "/api/items/%lld/raw", first_hit_id(db, q));
		r = http_get(S.port, path, NULL);
		assert_int_equal(r.status, 200);
		sha256_of(&r, sum);
		if (strcmp(sum, json_string_value(v)) != 0)
			fail_msg("%s: raw bytes hash to %s, the file to %s", file, sum, json_string_value(v));
		assert_non_null(hdr(&r, "Content-Type", ct, sizeof(ct)));
		assert_string_equal(ct, "application/octet-stream");
		assert_non_null(hdr(&r, "Content-Disposition", cd, sizeof(cd)));
		assert_true(strncmp(cd, "attachment;", 11) == 0);
		assert_security_headers(&r, 0);
		resp_free(&r);
		files++;
	}
	assert_true(files >= 3);
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char path[100], sum[65];
		json_t *h;
		resp r;

		h = first_hit(db, queries[i]);
		snprintf(path, sizeof(path), "/api/items/%lld/raw", jint(h, "id"));
		r = http_get(S.port, path, NULL);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.body_len, jint(h, "size"));
		sha256_of(&r, sum);
		if (strcmp(sum, json_string_value(json_object_get(h, "sha256"))) != 0)
			fail_msg("'%s': raw bytes of id %lld hash to %s", queries[i], jint(h, "id"), sum);
		json_decref(h);
		resp_free(&r);
	}
}

static void test_text_and_html(void **state)
{
	char path[100], ct[200];
	long long id = first_hit_id(db, "subject:\"Engine log 14 March\" -subject:Re");
	resp r;

	snprintf(path, sizeof(path), "/api/items/%lld/text", id);
	r = http_get(S.port, path, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(hdr(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "text/plain; charset=utf-8");
	assert_non_null(strstr(r.body, "fuel line leak"));
	assert_security_headers(&r, 0);
	resp_free(&r);
	/* This message has an HTML alternative: served under the sandbox policy. */
	snprintf(path, sizeof(path), "/api/items/%lld/html", id);
	r = http_get(S.port, path, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(hdr(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "<p"));
	assert_non_null(strstr(r.body, "fuel line leak"));
	assert_security_headers(&r, 1);
	resp_free(&r);
	/* A PDF has no HTML view: 404, still sandboxed. */
	snprintf(path, sizeof(path), "/api/items/%lld/html", first_hit_id(db, "type:pdf"));
	r = http_get(S.port, path, NULL);
	assert_int_equal(r.status, 404);
	assert_security_headers(&r, 1);
	resp_free(&r);
}

static void test_stats_and_errors(void **state)
{
	char *out = NULL;
	resp r = http_get(S.port, "/api/stats", NULL);
	json_t *api, *cli, *v;
	const char *key;

	assert_int_equal(r.status, 200);
	api = body_json(&r);
	assert_int_equal(run_cmd(&out, NULL, "%s stats --json --archive '%s'", trawl_bin(), db), 0);
	cli = parse_json(out);
	json_object_foreach(cli, key, v) {
		if (strcmp(key, "archive_bytes") && !json_equal(v, json_object_get(api, key)))
			fail_msg("stats '%s' differs from stats --json", key);
	}
	assert_int_equal(jint(api, "emails"), jint(json_object_get(expected, "messages"), "unique") + 1);
	json_decref(api);
	json_decref(cli);
	free(out);
	resp_free(&r);
	r = http_get(S.port, "/api/errors", NULL);
	assert_int_equal(r.status, 200);
	api = body_json(&r);
	assert_int_equal(jint(api, "total"), 1); /* the first empty file */
	v = json_array_get(json_object_get(api, "errors"), 0);
	assert_true(json_is_string(json_object_get(v, "path")));
	assert_true(json_is_string(json_object_get(v, "stage")));
	json_decref(api);
	resp_free(&r);
}

static void test_index_lists_endpoints(void **state)
{
	resp r = http_get(S.port, "/api", NULL);
	json_t *o = body_json(&r), *eps = json_object_get(o, "endpoints"), *e;
	size_t i;
	int search = 0, raw = 0;

	json_array_foreach(eps, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));

		search |= !strcmp(p, "/api/search");
		raw |= !strcmp(p, "/api/items/{id}/raw");
		assert_true(json_is_string(json_object_get(e, "method")));
	}
	assert_true(search && raw);
	json_decref(o);
	resp_free(&r);
	/* Every field the UI offers for completion parses. */
	r = http_get(S.port, "/api/fields", NULL);
	o = body_json(&r);
	eps = json_object_get(o, "fields");
	assert_true(json_array_size(eps) >= 20);
	json_array_foreach(eps, i, e) {
		char path[200];
		resp c;

		snprintf(path, sizeof(path), "/api/check?q=%s%%3Ax", json_string_value(json_object_get(e, "field")));
		c = http_get(S.port, path, NULL);
		if (c.status != 200)
			fail_msg("field %s: %s", json_string_value(json_object_get(e, "field")), c.body);
		resp_free(&c);
	}
	json_decref(o);
	resp_free(&r);
}

static void test_limits(void **state)
{
	char *path = malloc(10000), *body = malloc(70000);
	resp r;

	memcpy(path, "/api/search?q=", 14);
	memset(path + 14, 'a', 9000);
	path[9014] = '\0';
	r = http_get(S.port, path, NULL);
	json_decref(assert_error(&r, 414));
	assert_security_headers(&r, 0);
	resp_free(&r);
	memset(body, ' ', 70000);
	assert_int_equal(http_req(&r, S.port, "POST", "/api/login", "Content-Type: application/json\r\n",
				  body, 70000), 0);
	json_decref(assert_error(&r, 413));
	assert_security_headers(&r, 0);
	resp_free(&r);
	free(path);
	free(body);
	/* Query complexity: the parser's cap on terms answers 400. */
	{
		char *q = malloc(4000);
		size_t i, o = 0;

		o += (size_t)snprintf(q + o, 4000 - o, "/api/search?q=");
		for (i = 0; i < 600 && o + 10 < 4000; i++)
			o += (size_t)snprintf(q + o, 4000 - o, "a%zu+", i % 10);
		r = http_get(S.port, q, NULL);
		json_decref(assert_error(&r, 400));
		resp_free(&r);
		free(q);
	}
}

/* A page on another site that resolves its name to 127.0.0.1 (DNS
 * rebinding) must not read the archive; writes need JSON and our origin. */
static void test_host_and_origin_checks(void **state)
{
	resp r;
	char h[200];

	{
		/* A raw request with only the attacker's Host header. */
		struct sockaddr_in a;
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		const char req[] = "GET /api/stats HTTP/1.1\r\nHost: rebind.attacker.example:8080\r\nConnection: close\r\n\r\n";
		char buf[4096];
		ssize_t n, len = 0;

		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)S.port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
		while ((n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
			len += n;
		buf[len] = '\0';
		close(fd);
		assert_true(strncmp(buf, "HTTP/1.1 403", 12) == 0);
		assert_non_null(strstr(buf, "bad_host"));
		assert_non_null(strstr(buf, "Content-Security-Policy:"));
	}
	/* Writes: JSON only, and only from this origin. */
	assert_int_equal(http_req(&r, S.port, "POST", "/api/login", "Content-Type: text/plain\r\n", "{}", 2), 0);
	json_decref(assert_error(&r, 415));
	resp_free(&r);
	snprintf(h, sizeof(h), "Content-Type: application/json\r\nOrigin: http://attacker.example\r\n");
	assert_int_equal(http_req(&r, S.port, "POST", "/api/login", h, "{\"token\":\"x\"}", 13), 0);
	json_decref(assert_error(&r, 403));
	resp_free(&r);
	snprintf(h, sizeof(h), "Content-Type: application/json\r\nSec-Fetch-Site: cross-site\r\n");
	assert_int_equal(http_req(&r, S.port, "POST", "/api/login", h, "{\"token\":\"x\"}", 13), 0);
	json_decref(assert_error(&r, 403));
	resp_free(&r);
}

/* Token rules.  Off loopback a token is needed; every peer in these tests
 * is on loopback, so --require-token (which treats every peer as remote)
 * stands in for a remote client. */
static void test_token_enforcement(void **state)
{
	srv a, b;
	char args[900], hb[400];
	resp r;
	json_t *o;

	/* Listening on all interfaces without --token: one is generated,
	 * 64 hex digits, printed once; loopback peers still need none. */
	snprintf(args, sizeof(args), "--archive '%s' --listen 0.0.0.0:0 --threads 2", db);
	assert_int_equal(srv_start(&a, args), 0);
	assert_int_equal(strlen(a.token), 64);
	assert_int_equal(strspn(a.token, "0123456789abcdef"), 64);
	r = http_get(a.port, "/api/stats", NULL);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(srv_stop(&a), 0);

	snprintf(args, sizeof(args), "--archive '%s' --listen 127.0.0.1:0 --require-token --threads 2", db);
	assert_int_equal(srv_start(&b, args), 0);
	assert_int_equal(strlen(b.token), 64);
	/* No token, a wrong one, a truncated one: 401 with the JSON error. */
	r = http_get(b.port, "/api/search?q=engine", NULL);
	json_decref(assert_error(&r, 401));
	assert_non_null(hdr(&r, "WWW-Authenticate", hb, sizeof(hb)));
	assert_security_headers(&r, 0);
	resp_free(&r);
	r = http_get(b.port, "/api/items/1/raw", "Authorization: Bearer 0000000000000000000000000000000000000000000000000000000000000000\r\n");
	json_decref(assert_error(&r, 401));
	resp_free(&r);
	snprintf(hb, sizeof(hb), "Authorization: Bearer %.63s\r\n", b.token);
	r = http_get(b.port, "/api/stats", hb);
	json_decref(assert_error(&r, 401));
	resp_free(&r);
	/* The right token as a bearer token or as the login cookie. */
	snprintf(hb, sizeof(hb), "Authorization: Bearer %s\r\n", b.token);
	r = http_get(b.port, "/api/search?q=engine", hb);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	snprintf(hb, sizeof(hb), "Cookie: trawl_token=%s\r\n", b.token);
	r = http_get(b.port, "/api/stats", hb);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* The UI files hold no evidence and load without it; the session
	 * endpoint says a token is needed. */
	r = http_get(b.port, "/", NULL);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	r = http_get(b.port, "/api/session", NULL);
	o = body_json(&r);
	assert_true(json_is_true(json_object_get(o, "token_required")));
	assert_true(json_is_false(json_object_get(o, "authenticated")));
	json_decref(o);
	resp_free(&r);
	/* Signing in: a wrong token is refused, the right one sets the cookie. */
	assert_int_equal(http_req(&r, b.port, "POST", "/api/login", "Content-Type: application/json\r\n",
				  "{\"token\":\"nope-nope-nope-nope\"}", 31), 0);
	json_decref(assert_error(&r, 401));
	resp_free(&r);
	{
		char body[200];
		int n = snprintf(body, sizeof(body), "{\"token\":\"%s\"}", b.token);

		assert_int_equal(http_req(&r, b.port, "POST", "/api/login", "Content-Type: application/json\r\n",
					  body, (size_t)n), 0);
		assert_int_equal(r.status, 200);
		assert_non_null(hdr(&r, "Set-Cookie", hb, sizeof(hb)));
		assert_non_null(strstr(hb, b.token));
		assert_non_null(strstr(hb, "HttpOnly"));
		assert_non_null(strstr(hb, "SameSite=Strict"));
		resp_free(&r);
	}
	assert_int_equal(srv_stop(&b), 0);

	/* A token given on the command line must be long enough. */
	assert_int_equal(run_cmd(NULL, NULL, "%s serve --archive '%s' --listen 127.0.0.1:0 --token short",
				 trawl_bin(), db), 2);
	/* A missing archive is an error at start, not at the first request. */
	assert_int_equal(run_cmd(NULL, NULL, "%s serve --archive '%s/none.db' --listen 127.0.0.1:0",
				 trawl_bin(), tmpdir()), 1);
	assert_int_equal(run_cmd(NULL, NULL, "%s serve --listen nowhere", trawl_bin()), 2);
}


/* ---------------------------------------------------------------- investigation */

static json_t *get_json(const char *path, int status)
{
	resp r = http_get(S.port, path, NULL);
	json_t *o;

	if (r.status != status)
		fail_msg("GET %s: %d, expected %d: %.300s", path, r.status, status, r.body);
	assert_security_headers(&r, 0);
	o = body_json(&r);
	resp_free(&r);
	return o;
}

static void test_people_and_graph(void **state)
{
	json_t *senders = json_object_get(expected, "senders");
	json_t *o, *p, *c;
	size_t i;
	const char *addr = "jonas.brekke@halvorsen-maritime.example";
	char path[300];
	long long jonas = 0;

	o = get_json("/api/people?size=5", 200);
	assert_int_equal(json_array_size(json_object_get(o, "people")), 5);
	assert_true(json_is_true(json_object_get(o, "more")));
	json_array_foreach(json_object_get(o, "people"), i, p) {
		assert_true(json_is_string(json_object_get(p, "address")));
		assert_true(json_is_integer(json_object_get(p, "sent")));
		assert_true(json_is_integer(json_object_get(p, "received")));
	}
	json_decref(o);
	/* A person's messages sent agree with the headers of the dump. */
	snprintf(path, sizeof(path), "/api/people/%s", addr);
	o = get_json(path, 200);
	assert_string_equal(json_string_value(json_object_get(o, "address")), addr);
	assert_int_equal(jint(o, "sent"), jint(senders, addr));
	assert_true(json_array_size(json_object_get(o, "contacts")) >= 3);
	json_array_foreach(json_object_get(o, "contacts"), i, c)
		assert_true(jint(c, "sent") + jint(c, "received") > 0);
	jonas = jint(o, "id");
	json_decref(o);
	/* By id too; a match narrowing the list; unknown people are 404. */
	snprintf(path, sizeof(path), "/api/people/%lld", jonas);
	o = get_json(path, 200);
	assert_string_equal(json_string_value(json_object_get(o, "address")), addr);
	json_decref(o);
	o = get_json("/api/people?match=brekke", 200);
	assert_true(json_array_size(json_object_get(o, "people")) >= 1);
	json_array_foreach(json_object_get(o, "people"), i, p) {
		char *d = json_dumps(p, 0);

		assert_non_null(strcasestr(d, "brekke"));
		free(d);
	}
	json_decref(o);
	json_decref(get_json("/api/people/nobody%40nowhere.example", 404));
	/* The graph: at most `max` nodes, edges between them. */
	o = get_json("/api/graph?max=6", 200);
	assert_true(json_array_size(json_object_get(o, "nodes")) <= 6);
	assert_true(json_array_size(json_object_get(o, "nodes")) >= 2);
	json_array_foreach(json_object_get(o, "edges"), i, c) {
		json_t *n;
		size_t k;
		int src = 0, dst = 0;

		json_array_foreach(json_object_get(o, "nodes"), k, n) {
			src |= jint(n, "id") == jint(c, "source");
			dst |= jint(n, "id") == jint(c, "target");
		}
		assert_true(src && dst);
		assert_true(jint(c, "messages") >= 1);
	}
	json_decref(o);
	json_decref(get_json("/api/graph?max=1", 400));
	json_decref(get_json("/api/people?q=from%3A", 400));
}

static void test_timeline_and_facets(void **state)
{
	json_t *months = json_object_get(expected, "months_utc"), *o, *b, *f;
	size_t i;
	int seen = 0;
	long long total;

	/* Messages per month (stored as files or in the mbox) as the dump's
	 * generator counted them. */
	o = get_json("/api/timeline?by=month&q=type%3Aemail%20-kind%3Aattachment", 200);
	assert_string_equal(json_string_value(json_object_get(o, "by")), "month");
	json_array_foreach(json_object_get(o, "buckets"), i, b) {
		json_t *want = json_object_get(months, json_string_value(json_object_get(b, "period")));

		if (want) {
			assert_int_equal(jint(b, "count"), json_integer_value(want));
			seen++;
		}
	}
	assert_int_equal(seen, json_object_size(months));
	json_decref(o);
	o = get_json("/api/timeline?q=engine", 200);
	assert_true(json_array_size(json_object_get(o, "buckets")) >= 2);
	json_decref(o);
	json_decref(get_json("/api/timeline?by=fortnight", 400));
	json_decref(get_json("/api/timeline?q=%28", 400));
	/* Facets count the same hits as the search. */
	o = get_json("/api/search?q=engine&size=0", 200);
	total = jint(o, "total");
	json_decref(o);
	o = get_json("/api/facets?q=engine&limit=3", 200);
	assert_int_equal(jint(o, "total"), total);
	f = json_object_get(json_object_get(o, "facets"), "from");
	assert_non_null(f);
	assert_string_equal(json_string_value(json_object_get(f, "field")), "from");
	assert_true(json_array_size(json_object_get(f, "values")) <= 3);
	json_array_foreach(json_object_get(f, "values"), i, b) {
		/* Clicking a facet value refines the query to exactly its count. */
		char q[400], enc[500], path[700];
		json_t *s;

		snprintf(q, sizeof(q), "engine from:%s", json_string_value(json_object_get(b, "value")));
		urlenc(q, enc, sizeof(enc));
		snprintf(path, sizeof(path), "/api/search?size=0&q=%s", enc);
		s = get_json(path, 200);
		assert_int_equal(jint(s, "total"), jint(b, "count"));
		json_decref(s);
	}
	json_decref(o);
	json_decref(get_json("/api/facets?q=from%3A", 400));
}

static void test_conversation(void **state)
{
	json_t *threads = json_object_get(expected, "threads"), *t, *o, *m;
	size_t i, k;
	int checked = 0;

	json_array_foreach(threads, i, t) {
		char q[300], path[100];
		long long id, tid, present = 0;
		json_t *members = json_object_get(t, "members");

		if (!json_is_true(json_object_get(t, "root_present")) || checked >= 3)
			continue;
		snprintf(q, sizeof(q), "mid:%s", json_string_value(json_object_get(t, "root")));
		id = first_hit_id(db, q);
		snprintf(path, sizeof(path), "/api/items/%lld/thread", id);
		o = get_json(path, 200);
		tid = jint(o, "thread");
		json_array_foreach(json_object_get(o, "tree"), k, m)
			present += !json_is_true(json_object_get(m, "missing"));
		assert_int_equal(present, (long long)json_array_size(members));
		assert_int_equal(jint(o, "messages"), present);
		assert_true(json_is_string(json_object_get(o, "subject")));
		json_decref(o);
		snprintf(path, sizeof(path), "/api/threads/%lld", tid);
		o = get_json(path, 200);
		assert_int_equal(jint(o, "thread"), tid);
		json_decref(o);
		checked++;
	}
	assert_int_equal(checked, 3);
	json_decref(get_json("/api/threads/99999999", 404));
}

static resp post_json(const char *method, const char *path, const char *body, const char *extra)
{
	resp r;
	char h[400];

	snprintf(h, sizeof(h), "Content-Type: application/json\r\n%s", extra ? extra : "");
	if (http_req(&r, S.port, method, path, h, body, body ? strlen(body) : 0) != 0)
		fail_msg("%s %s: no response", method, path);
	assert_security_headers(&r, 0);
	return r;
}

static void test_tags_and_notes(void **state)
{
	long long id = first_hit_id(db, "subject:\"Engine log 14 March\" -subject:Re");
	char path[200], body[200];
	resp r;
	json_t *o;
	long long note;

	snprintf(path, sizeof(path), "/api/items/%lld/tags", id);
	o = get_json(path, 200);
	assert_int_equal(json_array_size(json_object_get(o, "tags")), 0);
	json_decref(o);
	/* A search answered before a write is not served from the cache
	 * after it. */
	o = get_json("/api/search?q=tag%3Afollow-up", 200);
	assert_int_equal(jint(o, "total"), 0);
	json_decref(o);
	/* Tag, find by tag, refuse a bad name, untag. */
	r = post_json("POST", path, "{\"tag\":\"Follow-up\"}", NULL);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "tags"), 0)), "follow-up");
	json_decref(o);
	resp_free(&r);
	o = get_json("/api/search?q=tag%3Afollow-up", 200);
	assert_int_equal(jint(o, "total"), 1);
	assert_int_equal(jint(json_array_get(json_object_get(o, "hits"), 0), "id"), id);
	json_decref(o);
	o = get_json("/api/tags", 200);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(o, "tags"), 0), "tag")),
			    "follow-up");
	json_decref(o);
	r = post_json("POST", path, "{\"tag\":\"two words\"}", NULL);
	json_decref(assert_error(&r, 400));
	resp_free(&r);
	r = post_json("POST", path, "{\"tag\":\"x\"}", "Origin: http://attacker.example\r\n");
	json_decref(assert_error(&r, 403));
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/items/%lld/tags/follow-up", id);
	r = post_json("DELETE", path, NULL, NULL);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_int_equal(json_array_size(json_object_get(o, "tags")), 0);
	json_decref(o);
	resp_free(&r);
	/* A tag with a slash is removed through its encoded name. */
	snprintf(path, sizeof(path), "/api/items/%lld/tags", id);
	r = post_json("POST", path, "{\"tag\":\"case/2014\"}", NULL);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/items/%lld/tags/case%%2F2014", id);
	r = post_json("DELETE", path, NULL, NULL);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_int_equal(json_array_size(json_object_get(o, "tags")), 0);
	json_decref(o);
	resp_free(&r);
	/* Bulk: tag what a query matches. */
	r = post_json("POST", "/api/tags", "{\"query\":\"engine\",\"add\":[\"bulk\"]}", NULL);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	{
		json_t *s = get_json("/api/search?q=engine&size=0", 200), *t = get_json("/api/search?q=tag%3Abulk&size=0", 200);

		assert_int_equal(jint(o, "matched"), jint(s, "total"));
		assert_int_equal(jint(t, "total"), jint(s, "total"));
		json_decref(t);
		/* A page of hits carries the same total. */
		t = get_json("/api/search?q=tag%3Abulk&size=1", 200);
		assert_int_equal(jint(t, "total"), jint(s, "total"));
		json_decref(s);
		json_decref(t);
	}
	json_decref(o);
	resp_free(&r);
	r = post_json("POST", "/api/tags", "{\"query\":\"engine (\",\"add\":[\"bulk\"]}", NULL);
	json_decref(assert_error(&r, 400));
	resp_free(&r);
	r = post_json("POST", "/api/tags", "{\"query\":\"engine\",\"remove\":[\"bulk\"]}", NULL);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* No total is kept across the change, whichever connection counted. */
	for (int k = 0; k < 4; k++) {
		json_t *t = get_json("/api/search?q=tag%3Abulk&size=1", 200);

		assert_int_equal(jint(t, "total"), 0);
		json_decref(t);
	}
	/* Notes: add (201), list, delete; a note of another item is not ours. */
	snprintf(path, sizeof(path), "/api/items/%lld/notes", id);
	r = post_json("POST", path, "{\"text\":\"ask the captain <b>why</b>\"}", NULL);
	assert_int_equal(r.status, 201);
	o = body_json(&r);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(o, "notes"), 0), "text")),
			    "ask the captain <b>why</b>");
	note = jint(json_array_get(json_object_get(o, "notes"), 0), "id");
	json_decref(o);
	resp_free(&r);
	r = post_json("POST", path, "{\"text\":\"\"}", NULL);
	json_decref(assert_error(&r, 400));
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/items/%lld/notes/%lld", first_hit_id(db, "type:pdf"), note);
	r = post_json("DELETE", path, NULL, NULL);
	json_decref(assert_error(&r, 404));
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/items/%lld/notes/%lld", id, note);
	r = post_json("DELETE", path, NULL, NULL);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_int_equal(json_array_size(json_object_get(o, "notes")), 0);
	json_decref(o);
	resp_free(&r);
	(void)body;
}

/* Many clients at once: every worker thread opens its own archive handle. */
struct worker {
	int ok, failed;
};

static void *client(void *arg)
{
	struct worker *w = arg;
	static const char *paths[] = {"/api/search?q=engine", "/api/search?q=type%3Aemail&sort=-date&page=3",
				      "/api/stats", "/api/items/3", "/api/search?q=fire+OR+flange"};
	int i;

	for (i = 0; i < 25; i++) {
		resp r;

		if (http_req(&r, S.port, "GET", paths[i % 5], NULL, NULL, 0) == 0 && r.status == 200)
			w->ok++;
		else
			w->failed++;
		resp_free(&r);
	}
	return NULL;
}

static void test_concurrent_clients(void **state)
{
	pthread_t t[16];
	struct worker w[16];
	int i, ok = 0, failed = 0;

	memset(w, 0, sizeof(w));
	for (i = 0; i < 16; i++)
		assert_int_equal(pthread_create(&t[i], NULL, client, &w[i]), 0);
	for (i = 0; i < 16; i++) {
		pthread_join(t[i], NULL);
		ok += w[i].ok;
		failed += w[i].failed;
	}
	assert_int_equal(failed, 0);
	assert_int_equal(ok, 16 * 25);
}


/* While the archive changes, cached answers are refreshed: a message
 * ingested while the server runs shows up in a search already cached. */
static void test_cache_follows_ingest(void **state)
{
	char dir[700], path[800];
	FILE *f;
	int i, seen = 0;
	json_t *o;

	o = get_json("/api/search?q=zanzibarquokka&size=5", 200);
	assert_int_equal(jint(o, "total"), 0);
	json_decref(o);
	o = get_json("/api/search?q=zanzibarquokka&size=5", 200); /* now cached */
	json_decref(o);
	snprintf(dir, sizeof(dir), "%s/late", tmpdir());
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/late.eml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("From: Late Sender <late@example.org>\r\nTo: jonas.brekke@halvorsen-maritime.example\r\n"
	      "Subject: arrives while serving\r\nDate: Tue, 1 Apr 2014 10:00:00 +0000\r\n"
	      "Message-ID: <late-1@example.org>\r\n\r\nThe zanzibarquokka report.\r\n", f);
	fclose(f);
	assert_int_equal(run_cmd(NULL, NULL, "%s ingest --archive '%s' '%s'", trawl_bin(), db, dir), 0);
	/* Fresh for --cache-ms (2 s), then refreshed in the background. */
	for (i = 0; i < 100 && !seen; i++) {
		o = get_json("/api/search?q=zanzibarquokka&size=5", 200);
		seen = jint(o, "total") == 1;
		json_decref(o);
		if (!seen)
			usleep(200000);
	}
	assert_true(seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers_on_every_response),
		cmocka_unit_test(test_static_ui),
		cmocka_unit_test(test_index_lists_endpoints),
		cmocka_unit_test(test_search_matches_cli),
		cmocka_unit_test(test_search_arguments),
		cmocka_unit_test(test_bad_query_400_with_position),
		cmocka_unit_test(test_item_matches_show),
		cmocka_unit_test(test_item_errors),
		cmocka_unit_test(test_raw_bytes),
		cmocka_unit_test(test_text_and_html),
		cmocka_unit_test(test_stats_and_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_host_and_origin_checks),
		cmocka_unit_test(test_token_enforcement),
		cmocka_unit_test(test_people_and_graph),
		cmocka_unit_test(test_timeline_and_facets),
		cmocka_unit_test(test_conversation),
		cmocka_unit_test(test_tags_and_notes),
		cmocka_unit_test(test_concurrent_clients),
		cmocka_unit_test(test_cache_follows_ingest),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
