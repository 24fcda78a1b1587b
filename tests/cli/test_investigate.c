/*
 * test_investigate.c - the investigation commands on the sample dump:
 * thread, people, contacts, graph, timeline, search --by-thread/--facets,
 * tag, note, saved, batch; and that the reporter's marks and person edits
 * survive re-ingest.
 *
 * Facts come from examples/expected.json (threads with their members,
 * messages per sender, messages per month), written by the generator of
 * the dump, not from trawl.
 */
#include "clitest.h"

static char db[600], dump[600];
static json_t *expected;

static int setup(void **state)
{
	char *out = NULL;
	int rc;

	expected = load_json_file("examples/expected.json");
	if (!expected)
		return -1;
	/* A copy of the dump, so that a test can change a file on disk. */
	snprintf(dump, sizeof(dump), "%s/dump", tmpdir());
	snprintf(db, sizeof(db), "%s/inv.db", tmpdir());
	rc = run_cmd(NULL, NULL, "cp -r examples/sample-dump '%s'", dump);
	if (rc == 0)
		rc = run_cmd(&out, NULL, "%s ingest --json --archive '%s' '%s'", trawl_bin(), db, dump);
	free(out);
	if (rc != 0) {
		fprintf(stderr, "ingest failed with status %d\n", rc);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	json_decref(expected);
	tmpdir_remove();
	return 0;
}

/* Run trawl with arguments (a printf format); returns the status. */
static int trawl(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int trawl(char **out, char **err, const char *fmt, ...)
{
	char args[6000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return run_cmd(out, err, "%s %s", trawl_bin(), args);
}

static long long count(const char *query)
{
	char *out = NULL;
	long long n;

	if (trawl(&out, NULL, "search --count --archive '%s' -- '%s'", db, query) != 0)
		fail_msg("search --count '%s' failed", query);
	n = strtoll(out, NULL, 10);
	free(out);
	return n;
}

/* One JSON value per line of a text; the array is the caller's. */
static json_t *json_lines(const char *s)
{
	json_t *a = json_array();
	const char *p = s;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, n);

		if (n)
			json_array_append_new(a, parse_json(line));
		free(line);
		p += n + (nl ? 1 : 0);
	}
	return a;
}

/* Message-ID (without brackets) -> hit of every message in the archive. */
static json_t *hits_by_mid(const char *query)
{
	char *out = NULL;
	json_t *lines, *by = json_object(), *h;
	size_t i;

	assert_int_equal(trawl(&out, NULL, "search --json --limit 0 --archive '%s' -- '%s'", db, query), 0);
	lines = json_lines(out);
	json_array_foreach(lines, i, h) {
		const char *mid = json_string_value(json_object_get(h, "message_id"));

		if (mid)
			json_object_set(by, mid, h);
	}
	json_decref(lines);
	free(out);
	return by;
}

static char *strip(const char *mid)
{
	size_t n = strlen(mid);

	if (mid[0] == '<' && mid[n - 1] == '>')
		return strndup(mid + 1, n - 2);
	return strdup(mid);
}

static long long hit_of(json_t *by, const char *mid, const char *key)
{
	char *m = strip(mid);
	json_t *h = json_object_get(by, m);

	if (!h)
		fail_msg("message %s not found", mid);
	free(m);
	return jint(h, key);
}

static void test_threads_match_expected(void **state)
{
	json_t *by = hits_by_mid("type:email -kind:attachment"), *t, *m, *seen = json_object();
	json_t *summary = json_object_get(expected, "thread_summary");
	size_t i, k;
	const char *key;
	json_t *h;

	json_array_foreach(json_object_get(expected, "threads"), i, t) {
		long long tid = -1;
		char buf[32];

		json_array_foreach(json_object_get(t, "members"), k, m) {
			long long x = hit_of(by, json_string_value(m), "thread");

			if (tid >= 0 && x != tid)
				fail_msg("thread '%s' is split", json_string_value(json_object_get(t, "subject")));
			tid = x;
		}
		snprintf(buf, sizeof(buf), "%lld", tid);
		if (json_object_get(seen, buf))
			fail_msg("threads '%s' and '%s' are merged",
				 json_string_value(json_object_get(t, "subject")),
				 json_string_value(json_object_get(seen, buf)));
		json_object_set(seen, buf, json_object_get(t, "subject"));
	}
	/* All conversations: the threads with replies plus the singletons. */
	json_decref(seen);
	seen = json_object();
	json_object_foreach(by, key, h) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", jint(h, "thread"));
		json_object_set_new(seen, buf, json_true());
	}
	assert_int_equal(json_object_size(seen), jint(summary, "total_threads"));
	assert_int_equal(count("type:email -kind:attachment"), jint(json_object_get(expected, "messages"), "unique"));
	{
		char *out = NULL;

		assert_int_equal(trawl(&out, NULL, "search --count --by-thread --archive '%s' -- 'type:email -kind:attachment'", db), 0);
		assert_int_equal(strtoll(out, NULL, 10), jint(summary, "total_threads"));
		free(out);
	}
	json_decref(seen);
	json_decref(by);
}

static json_t *deepest_thread(void)
{
	json_t *t, *best = NULL;
	size_t i;

	json_array_foreach(json_object_get(expected, "threads"), i, t)
		if (!best || jint(t, "depth") > jint(best, "depth"))
			best = t;
	return best;
}

static void test_thread_command(void **state)
{
	json_t *by = hits_by_mid("type:email"), *t = deepest_thread(), *lines, *l;
	const char *root = json_string_value(json_object_get(t, "root"));
	long long id = hit_of(by, root, "id"), tid = hit_of(by, root, "thread");
	char *out = NULL, *q;
	size_t i;

	/* The tree: one line per message, each reply one level deeper. */
	assert_int_equal(trawl(&out, NULL, "thread --json --archive '%s' %lld", db, id), 0);
	lines = json_lines(out);
	assert_int_equal(json_array_size(lines), jint(t, "size"));
	json_array_foreach(lines, i, l) {
		assert_int_equal(jint(l, "thread"), tid);
		assert_true(jint(l, "depth") < jint(t, "depth"));
	}
	{
		int maxd = 0;

		json_array_foreach(lines, i, l)
			if (jint(l, "depth") > maxd)
				maxd = (int)jint(l, "depth");
		assert_int_equal(maxd + 1, jint(t, "depth"));
	}
	json_decref(lines);
	free(out);
	assert_int_equal(trawl(&out, NULL, "thread --archive '%s' %lld", db, id), 0);
	assert_int_equal(count_lines(out), 1 + jint(t, "size"));
	assert_non_null(strstr(out, "engine room fire"));
	free(out);
	/* thread:ID finds the same messages, from any member. */
	q = NULL;
	if (asprintf(&q, "thread:%lld", hit_of(by, json_string_value(json_array_get(json_object_get(t, "members"), 2)), "id")) < 0)
		fail();
	assert_int_equal(count(q), jint(t, "size"));
	free(q);
	/* By conversation number too. */
	assert_int_equal(trawl(&out, NULL, "thread --thread --json --archive '%s' %lld", db, tid), 0);
	assert_int_equal(count_lines(out), jint(t, "size"));
	free(out);
	json_decref(by);
}

static void test_orphan_thread(void **state)
{
	json_t *orphan = json_array_get(json_object_get(expected, "orphans"), 0), *by, *lines, *first;
	char *out = NULL, *missing;
	long long id;

	by = hits_by_mid("type:email");
	id = hit_of(by, json_string_value(json_object_get(orphan, "message_id")), "id");
	assert_int_equal(trawl(&out, NULL, "thread --json --archive '%s' %lld", db, id), 0);
	lines = json_lines(out);
	first = json_array_get(lines, 0);
	missing = strip(json_string_value(json_object_get(orphan, "missing_parent")));
	assert_true(json_is_true(json_object_get(first, "missing")));
	assert_string_equal(json_string_value(json_object_get(first, "message_id")), missing);
	assert_int_equal(json_array_size(lines), 3); /* the missing root, the reply, its reply */
	free(missing);
	json_decref(lines);
	free(out);
	json_decref(by);
}

static void test_show_has_thread(void **state)
{
	json_t *by = hits_by_mid("type:email"), *it;
	const char *root = json_string_value(json_object_get(deepest_thread(), "root"));
	char *out = NULL;

	assert_int_equal(trawl(&out, NULL, "show --json --archive '%s' %lld", db, hit_of(by, root, "id")), 0);
	it = parse_json(out);
	assert_int_equal(jint(it, "thread"), hit_of(by, root, "thread"));
	json_decref(it);
	free(out);
	json_decref(by);
}

static void test_thread_errors(void **state)
{
	long long pdf;

	assert_int_equal(trawl(NULL, NULL, "thread --archive '%s'", db), 2);
	assert_int_equal(trawl(NULL, NULL, "thread --archive '%s' 99999999", db), 3);
	pdf = first_hit_id(db, "type:pdf depth:0");
	assert_int_equal(trawl(NULL, NULL, "thread --archive '%s' %lld", db, pdf), 3);
	assert_int_equal(trawl(NULL, NULL, "search --count --archive '%s' thread:abc", db), 2);
}

/* person id -> person, from people --json */
static json_t *people(const char *query)
{
	char *out = NULL;
	json_t *lines;

	assert_int_equal(trawl(&out, NULL, "people --json --limit 0 --archive '%s' -- '%s'", db, query), 0);
	lines = json_lines(out);
	free(out);
	return lines;
}

static json_t *person_with(json_t *list, const char *addr)
{
	json_t *p, *a;
	size_t i, k;

	json_array_foreach(list, i, p)
		json_array_foreach(json_object_get(p, "addresses"), k, a)
			if (!strcmp(json_string_value(json_object_get(a, "address")), addr))
				return p;
	return NULL;
}

static void test_people_counts(void **state)
{
	json_t *list = people("-kind:attachment"), *senders = json_object_get(expected, "senders"), *v;
	const char *addr;

	json_object_foreach(senders, addr, v) {
		json_t *p = person_with(list, addr), *a;
		long long want = 0;
		size_t k;

		if (!p)
			fail_msg("no person has %s", addr);
		/* A person sends what all its addresses sent. */
		json_array_foreach(json_object_get(p, "addresses"), k, a) {
			json_t *n = json_object_get(senders, json_string_value(json_object_get(a, "address")));

			want += n ? json_integer_value(n) : 0;
		}
		if (jint(p, "sent") != want)
			fail_msg("%s: person sent %lld, headers say %lld", addr, jint(p, "sent"), want);
		assert_true(json_is_string(json_object_get(p, "first")));
	}
	/* Tor's two addresses are one person (same name, same local part). */
	assert_true(person_with(list, "tor.aasen@fastpost.example") ==
		    person_with(list, "tor.aasen@halvorsen-maritime.example"));
	json_decref(list);
}

static void test_person_query_and_contacts(void **state)
{
	char *out = NULL;
	json_t *lines, *c;
	size_t i;
	int found = 0;

	/* person: covers both of Tor's addresses. */
	assert_int_equal(count("person:tor.aasen@fastpost.example"),
			 count("contact:tor.aasen@fastpost.example OR contact:tor.aasen@halvorsen-maritime.example"));
	assert_true(count("person:tor.aasen@fastpost.example") > count("contact:tor.aasen@fastpost.example"));
	assert_int_equal(trawl(&out, NULL, "contacts --json --archive '%s' tor.aasen@fastpost.example", db), 0);
	lines = json_lines(out);
	json_array_foreach(lines, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "address")), "jonas.brekke@halvorsen-maritime.example"))
			continue;
		found = 1;
		assert_int_equal(jint(c, "sent"),
				 count("(from:tor.aasen@fastpost.example OR from:tor.aasen@halvorsen-maritime.example)"
				       " recipient:jonas.brekke@halvorsen-maritime.example"));
		assert_int_equal(jint(c, "received"),
				 count("from:jonas.brekke@halvorsen-maritime.example"
				       " (recipient:tor.aasen@fastpost.example OR recipient:tor.aasen@halvorsen-maritime.example)"));
	}
	assert_true(found);
	json_decref(lines);
	free(out);
	assert_int_equal(trawl(NULL, NULL, "contacts --archive '%s' nobody@nowhere.example", db), 3);
	assert_int_equal(trawl(NULL, NULL, "contacts --archive '%s' halvorsen", db), 2); /* many fit */
	assert_int_equal(trawl(NULL, NULL, "people show --archive '%s' nobody@nowhere.example", db), 3);
}

static void test_graph_formats(void **state)
{
	char *out = NULL, gexf[700], dot[700];
	json_t *g, *n, *e;
	size_t i;
	json_t *ids = json_object();

	assert_int_equal(trawl(&out, NULL, "graph --archive '%s' -- '-kind:attachment'", db), 0);
	g = parse_json(out);
	free(out);
	assert_true(json_array_size(json_object_get(g, "nodes")) >= 20);
	json_array_foreach(json_object_get(g, "nodes"), i, n) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", jint(n, "id"));
		json_object_set_new(ids, buf, json_true());
	}
	json_array_foreach(json_object_get(g, "edges"), i, e) {
		char a[32], b[32];

		snprintf(a, sizeof(a), "%lld", jint(e, "source"));
		snprintf(b, sizeof(b), "%lld", jint(e, "target"));
		assert_non_null(json_object_get(ids, a));
		assert_non_null(json_object_get(ids, b));
		assert_true(jint(e, "messages") >= 1);
	}
	json_decref(ids);
	json_decref(g);
	snprintf(gexf, sizeof(gexf), "%s/g.gexf", tmpdir());
	snprintf(dot, sizeof(dot), "%s/g.dot", tmpdir());
	assert_int_equal(trawl(NULL, NULL, "graph --format gexf -o '%s' --archive '%s'", gexf, db), 0);
	assert_int_equal(trawl(NULL, NULL, "graph --format dot -o '%s' --archive '%s'", dot, db), 0);
	assert_int_equal(trawl(NULL, NULL, "graph --format svg --archive '%s'", db), 2);
	if (run_cmd(NULL, NULL, "command -v xmllint") == 0) {
		/* Well-formed, and every edge joins declared nodes. */
		assert_int_equal(run_cmd(NULL, NULL, "xmllint --noout '%s'", gexf), 0);
		assert_int_equal(run_cmd(&out, NULL,
					 "xmllint --xpath \"count(//*[local-name()='edge'][not(@source = //*[local-name()='node']/@id) or not(@target = //*[local-name()='node']/@id)])\" '%s'",
					 gexf), 0);
		assert_int_equal(strtoll(out, NULL, 10), 0);
		free(out);
	} else {
		printf("SKIP: xmllint not installed, GEXF not checked with it\n");
	}
	if (run_cmd(NULL, NULL, "command -v dot") == 0) {
		assert_int_equal(run_cmd(&out, NULL, "dot -Tsvg '%s'", dot), 0);
		assert_non_null(strstr(out, "<svg"));
		free(out);
	} else {
		printf("SKIP: graphviz (dot) not installed, DOT not rendered (tools/deps.sh installs it)\n");
	}
}

static void test_timeline(void **state)
{
	json_t *months = json_object_get(expected, "months_utc"), *lines, *l, *last;
	const char *by[] = {"day", "week", "month", "year"};
	char *out = NULL;
	size_t i, k;
	long long total = 0;
	const char *m;
	json_t *v;

	json_object_foreach(months, m, v)
		total += json_integer_value(v);
	for (k = 0; k < 4; k++) {
		long long sum = 0;

		assert_int_equal(trawl(&out, NULL, "timeline --json --by %s --archive '%s' -- 'type:email -kind:attachment'",
				       by[k], db), 0);
		lines = json_lines(out);
		last = json_array_get(lines, json_array_size(lines) - 1);
		assert_int_equal(jint(last, "undated"), 2); /* no Date and a malformed one */
		for (i = 0; i + 1 < json_array_size(lines); i++) {
			l = json_array_get(lines, i);
			sum += jint(l, "count");
			if (k == 2) {
				json_t *want = json_object_get(months, json_string_value(json_object_get(l, "period")));

				assert_int_equal(jint(l, "count"), want ? json_integer_value(want) : 0);
			}
		}
		assert_int_equal(sum, total);
		json_decref(lines);
		free(out);
	}
	assert_int_equal(trawl(NULL, NULL, "timeline --by fortnight --archive '%s'", db), 2);
}

static void test_facets(void **state)
{
	char *out = NULL;
	json_t *lines, *f, *from, *month, *v;
	size_t i;

	assert_int_equal(trawl(&out, NULL, "search --json --facets --limit 1 --archive '%s' -- 'type:email -kind:attachment'", db), 0);
	lines = json_lines(out);
	assert_int_equal(json_array_size(lines), 2);
	f = json_array_get(lines, 1);
	assert_int_equal(jint(f, "total"), jint(json_object_get(expected, "messages"), "unique"));
	from = json_object_get(json_object_get(json_object_get(f, "facets"), "from"), "values");
	assert_string_equal(json_string_value(json_object_get(json_array_get(from, 0), "value")),
			    "jonas.brekke@halvorsen-maritime.example");
	json_array_foreach(from, i, v)
		assert_int_equal(jint(v, "count"),
				 json_integer_value(json_object_get(json_object_get(expected, "senders"),
								    json_string_value(json_object_get(v, "value")))));
	month = json_object_get(json_object_get(json_object_get(f, "facets"), "month"), "values");
	assert_int_equal(json_array_size(month), json_object_size(json_object_get(expected, "months_utc")));
	json_array_foreach(month, i, v)
		assert_int_equal(jint(v, "count"),
				 json_integer_value(json_object_get(json_object_get(expected, "months_utc"),
								    json_string_value(json_object_get(v, "value")))));
	json_decref(lines);
	free(out);
	/* Text form. */
	assert_int_equal(trawl(&out, NULL, "search --facets --count --archive '%s' bunker*", db), 0);
	assert_non_null(strstr(out, "recipient (recipient:)"));
	free(out);
}

static void test_tags(void **state)
{
	long long n = count("\"engine room\"");
	char *out = NULL;

	assert_true(n >= 2);
	assert_int_equal(trawl(&out, NULL, "tag --archive '%s' +Fire +hot -- '\"engine room\"'", db), 0);
	free(out);
	assert_int_equal(count("tag:fire"), n);
	assert_int_equal(count("tag:hot -\"engine room\""), 0);
	assert_int_equal(count("tag:h*"), n);
	assert_int_equal(trawl(NULL, NULL, "tag --archive '%s' -hot -- '\"engine room\"'", db), 0);
	assert_int_equal(count("tag:hot"), 0);
	assert_int_equal(count("tag:fire"), n);
	assert_int_equal(trawl(&out, NULL, "tag --list --archive '%s'", db), 0);
	assert_non_null(strstr(out, "fire"));
	free(out);
	assert_int_equal(trawl(NULL, NULL, "tag --archive '%s' '+bad tag' bunkerfuel", db), 2);
	assert_int_equal(trawl(NULL, NULL, "tag --archive '%s' +x", db), 2);
	assert_int_equal(trawl(NULL, NULL, "tag --archive '%s' +x 'from:(oops'", db), 2);
}

static void test_notes_and_saved(void **state)
{
	char *out = NULL;
	json_t *h, *it;
	long long id;

	id = first_hit_id(db, "bunkerfuel");
	assert_int_equal(trawl(NULL, NULL, "note --archive '%s' %lld 'check the \\033[31m page 3'", db, id), 0);
	assert_int_equal(trawl(&out, NULL, "show --json --archive '%s' %lld", db, id), 0);
	it = parse_json(out);
	assert_int_equal(json_array_size(json_object_get(it, "notes")), 1);
	json_decref(it);
	free(out);
	assert_int_equal(trawl(&out, NULL, "show --archive '%s' %lld", db, id), 0);
	assert_non_null(strstr(out, "check the"));
	assert_null(strchr(out, '\033')); /* not a terminal: no escapes at all */
	free(out);
	assert_int_equal(trawl(NULL, NULL, "note --archive '%s' 99999999 'x'", db), 3);
	assert_int_equal(trawl(NULL, NULL, "note --archive '%s' --delete 99999999", db), 3);

	assert_int_equal(trawl(NULL, NULL, "saved add --archive '%s' fire '\"engine room\" OR bunkerfuel'", db), 0);
	assert_int_equal(trawl(NULL, NULL, "saved add --archive '%s' broken 'from:(x'", db), 2);
	assert_int_equal(trawl(&out, NULL, "saved list --json --archive '%s'", db), 0);
	h = parse_json(out);
	assert_string_equal(json_string_value(json_object_get(h, "name")), "fire");
	assert_int_equal(jint(h, "hits"), count("\"engine room\" OR bunkerfuel"));
	json_decref(h);
	free(out);
	assert_int_equal(trawl(&out, NULL, "saved show --archive '%s' fire", db), 0);
	assert_string_equal(out, "\"engine room\" OR bunkerfuel\n");
	free(out);
	assert_int_equal(trawl(NULL, NULL, "saved rm --archive '%s' nothing", db), 3);
}

static void test_batch(void **state)
{
	char list[700], *out = NULL, *err = NULL;
	FILE *f;
	json_t *lines;

	snprintf(list, sizeof(list), "%s/list.txt", tmpdir());
	f = fopen(list, "w");
	assert_non_null(f);
	fputs("bunkerfuel\n# a comment\n\nfrom:jonas (unbalanced\nRune Moe\r\nspinnaker\n", f);
	fclose(f);
	assert_int_equal(trawl(&out, &err, "batch --archive '%s' '%s'", db, list), 2);
	assert_non_null(strstr(err, "line 4"));
	assert_non_null(strstr(out, "line,query,hits,error\n"));
	{
		char want[200];

		snprintf(want, sizeof(want), "1,\"bunkerfuel\",%lld,\n", count("bunkerfuel"));
		assert_non_null(strstr(out, want));
		snprintf(want, sizeof(want), "6,\"spinnaker\",%lld,\n", count("spinnaker"));
		assert_non_null(strstr(out, want));
	}
	free(out);
	free(err);
	assert_int_equal(trawl(&out, NULL, "batch --json --literal --tag listed --archive '%s' '%s'", db, list), 0);
	lines = json_lines(out);
	assert_int_equal(json_array_size(lines), 4);
	assert_int_equal(jint(json_array_get(lines, 2), "line"), 5);
	assert_int_equal(jint(json_array_get(lines, 2), "hits"), count("\"Rune Moe\""));
	assert_true(count("tag:listed") >= count("\"Rune Moe\""));
	json_decref(lines);
	free(out);
}

/* Marks and person edits survive re-ingest (a changed file is replaced,
 * which deletes items and makes conversations and people be derived again
 * from scratch) and follow the content to a new copy with a new item id. */
static void test_marks_survive_reingest(void **state)
{
	char *out = NULL, path[800];
	json_t *h, *it, *list;
	long long id, copy_id;
	const char *file = "loose/20140616-2210_Report_of_unreported_marine_casualty_MV_Nordkapp.eml";
	const char *other = "loose/20140618-1405_Kaianlegg_befaring.eml";

	id = first_hit_id(db, "path:20140616-2210 depth:0");
	assert_int_equal(trawl(NULL, NULL, "tag --archive '%s' +evidence -- id:%lld", db, id), 0);
	assert_int_equal(trawl(NULL, NULL, "note --archive '%s' %lld 'sent to the NMSB'", db, id), 0);
	assert_int_equal(trawl(NULL, NULL, "people merge --archive '%s' gareth.pryce@bluewater-consult.example aurelio.santos77@freemail.example", db), 0);
	/* Another file changes on disk: re-ingest replaces its items. */
	snprintf(path, sizeof(path), "%s/%s", dump, other);
	assert_int_equal(run_cmd(NULL, NULL, "printf 'one more line\\n' >> '%s'", path), 0);
	assert_int_equal(trawl(&out, NULL, "ingest --json --archive '%s' '%s'", db, dump), 0);
	h = parse_json(last_line(out));
	assert_int_equal(jint(h, "replaced"), 1);
	json_decref(h);
	free(out);
	assert_int_equal(count("tag:evidence"), 1);
	list = people("");
	assert_true(person_with(list, "gareth.pryce@bluewater-consult.example") ==
		    person_with(list, "aurelio.santos77@freemail.example"));
	assert_true(person_with(list, "tor.aasen@fastpost.example") ==
		    person_with(list, "tor.aasen@halvorsen-maritime.example"));
	json_decref(list);
	/* Conversations are still whole after the full pass. */
	{
		json_t *by = hits_by_mid("type:email -kind:attachment"), *t;
		size_t i, k;

		json_array_foreach(json_object_get(expected, "threads"), i, t) {
			json_t *m;
			long long tid = -1;

			json_array_foreach(json_object_get(t, "members"), k, m) {
				long long x = hit_of(by, json_string_value(m), "thread");

				assert_true(tid < 0 || x == tid);
				tid = x;
			}
		}
		json_decref(by);
	}
	/* A copy of the tagged file elsewhere: a new item, the same marks. */
	assert_int_equal(run_cmd(NULL, NULL, "mkdir -p '%s/extra' && cp '%s/%s' '%s/extra/copy.eml'", dump,
				 dump, file, dump), 0);
	assert_int_equal(trawl(NULL, NULL, "ingest --archive '%s' '%s'", db, dump), 0);
	/* (A hit names the first occurrence; the copy is among its places.) */
	assert_int_equal(trawl(&out, NULL, "show --json --archive '%s' %lld", db, id), 0);
	it = parse_json(out);
	free(out);
	copy_id = 0;
	{
		json_t *pl;
		size_t i;

		json_array_foreach(json_object_get(it, "places"), i, pl)
			if (strstr(json_string_value(json_object_get(pl, "path")), "extra/copy.eml"))
				copy_id = jint(pl, "id");
	}
	json_decref(it);
	assert_true(copy_id > 0 && copy_id != id);
	assert_int_equal(trawl(&out, NULL, "show --json --archive '%s' %lld", db, copy_id), 0);
	it = parse_json(out);
	free(out);
	assert_int_equal(json_array_size(json_object_get(it, "notes")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(it, "tags"), 0)), "evidence");
	json_decref(it);
}

static void test_help(void **state)
{
	const char *cmds[] = {"thread", "people", "contacts", "graph", "timeline", "tag", "note", "saved", "batch"};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *out = NULL;

		if (trawl(&out, NULL, "%s --help", cmds[i]) != 0 || !strstr(out, "usage: trawl"))
			fail_msg("%s --help", cmds[i]);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_match_expected),
		cmocka_unit_test(test_thread_command),
		cmocka_unit_test(test_orphan_thread),
		cmocka_unit_test(test_show_has_thread),
		cmocka_unit_test(test_thread_errors),
		cmocka_unit_test(test_people_counts),
		cmocka_unit_test(test_person_query_and_contacts),
		cmocka_unit_test(test_graph_formats),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_facets),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_notes_and_saved),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_marks_survive_reingest),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
