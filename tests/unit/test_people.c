/*
 * test_people.c - addresses and people (lib/people.c): canonical forms of
 * addresses (case, quotes, comments, Exchange X.500 DNs in their several
 * spellings) and names; grouping by X-From/X-To pairs and by name plus
 * local part, with the guards against false merges; merges and splits by
 * hand; and the graph exports (GEXF checked with libxml2, DOT escaping).
 */
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "invtest.h"

static void canon_is(const char *in, const char *out, int kind)
{
	int k = -1;
	char *c = tw_addr_canon(in, &k);

	if (!out) {
		if (c)
			fail_msg("'%s' -> '%s', expected nothing", in, c);
		return;
	}
	if (!c || strcmp(c, out) || k != kind)
		fail_msg("'%s' -> '%s' (kind %d), expected '%s' (kind %d)", in, c ? c : "(null)", k, out,
			 kind);
	free(c);
}

static void test_addr_canon(void **state)
{
	canon_is("Jeff.Skilling@ENRON.com", "jeff.skilling@enron.com", TW_ADDR_SMTP);
	canon_is("  'jeff@enron.com'  ", "jeff@enron.com", TW_ADDR_SMTP);
	canon_is("\"jeff@enron.com\"", "jeff@enron.com", TW_ADDR_SMTP);
	canon_is("jeff@enron.com (Jeff Skilling)", "jeff@enron.com", TW_ADDR_SMTP);
	canon_is("Jeff Skilling <jeff@enron.com>", "jeff@enron.com", TW_ADDR_SMTP);
	canon_is("mailto:Jeff@Enron.com", "jeff@enron.com", TW_ADDR_SMTP);
	canon_is("/O=ENRON/OU=NA/CN=RECIPIENTS/CN=JSMITH", "/o=enron/ou=na/cn=recipients/cn=jsmith",
		 TW_ADDR_X500);
	canon_is("Smith, John </O=ENRON/OU=NA/CN=RECIPIENTS/CN=JSmith>",
		 "/o=enron/ou=na/cn=recipients/cn=jsmith", TW_ADDR_X500);
	canon_is("/O=3DENRON/OU=3DNA/CN=3DRECIPIENTS/CN=3DMGRIGSB",
		 "/o=enron/ou=na/cn=recipients/cn=mgrigsb", TW_ADDR_X500);
	canon_is("EX:/O=ENRON/OU=NA/CN=RECIPIENTS/CN=JSMITH", "/o=enron/ou=na/cn=recipients/cn=jsmith",
		 TW_ADDR_X500);
	canon_is("IMCEAEX-_O=ENRON_OU=NA_CN=RECIPIENTS_CN=JSMITH@ENRON.com",
		 "/o=enron/ou=na/cn=recipients/cn=jsmith", TW_ADDR_X500);
	canon_is("IMCEANOTES-soblander+40carrfut+2Ecom+40ENRON@ENRON.com", "soblander@carrfut.com",
		 TW_ADDR_SMTP);
	canon_is("IMCEANOTES-+22Equity+20Alert+22+20+3Calerts+40equityalert+2Ecom+3E+40ENRON@ENRON.com",
		 "alerts@equityalert.com", TW_ADDR_SMTP);
	canon_is("undisclosed-recipients", "undisclosed-recipients", TW_ADDR_OTHER);
	canon_is("  <>  ", NULL, 0);
	canon_is("(only a comment)", NULL, 0);
	{
		char *l = tw_addr_local("/o=enron/ou=na/cn=recipients/cn=pallen", TW_ADDR_X500);

		assert_string_equal(l, "pallen");
		free(l);
		l = tw_addr_local("k..allen@enron.com", TW_ADDR_SMTP);
		assert_string_equal(l, "k..allen");
		free(l);
	}
}

static void test_name_canon(void **state)
{
	struct {
		const char *in, *out;
	} c[] = {
		{"Allen, Phillip K.", "phillip k allen"},
		{"Phillip K Allen", "phillip k allen"},
		{"\"ALLEN, PHILLIP K\"", "phillip k allen"},
		{"Presto, Kevin M. </O=ENRON/OU=NA/CN=RECIPIENTS/CN=KPRESTO>", "kevin m presto"},
		{"ARSystem <ARSystem@mailman.enron.com>@ENRON", "arsystem"},
		{"Miller, Don (Asset Mktg)", "don miller"},
		{"  ", NULL},
		{"<jeff@enron.com>", NULL},
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *n = tw_name_canon(c[i].in);

		if ((n == NULL) != (c[i].out == NULL) || (n && strcmp(n, c[i].out)))
			fail_msg("'%s' -> '%s', expected '%s'", c[i].in, n ? n : "(null)",
				 c[i].out ? c[i].out : "(null)");
		free(n);
	}
}

static void test_x500_pairs(void **state)
{
	trawl_archive *ar = inv_open();
	static const char *const m1[] = {"0::k..allen@enron.com", "1::jae.black@enron.com",
					 "1::m..presto@enron.com", NULL};
	static const char *const m2[] = {"0::jae.black@enron.com", "1::k..allen@enron.com", NULL};
	static const char *const m3[] = {"0::no.address@enron.com", "1::jae.black@enron.com", NULL};
	static const char *const m4[] = {"0::no.address@enron.com", "1::jae.black@enron.com", NULL};
	static const char *const m5[] = {"0::jae.black@enron.com", "1::a.one@enron.com",
					 "1::b.two@enron.com", NULL};
	int64_t b1, b2, b3, b4, b5, pa, pd;
	trawl_person *p = NULL;
	size_t i;
	int why = 0;

	b1 = inv_msg(ar, "1@x", NULL, NULL, "One", 1000000, m1);
	inv_prop(ar, b1, "x-from", "Allen, Phillip K. </O=ENRON/OU=NA/CN=RECIPIENTS/CN=PALLEN>");
	inv_prop(ar, b1, "x-to", "Black, Tamara Jae </O=ENRON/OU=NA/CN=RECIPIENTS/CN=Tblack>, "
				 "Presto, Kevin M. </O=ENRON/OU=NA/CN=RECIPIENTS/CN=KPRESTO>");
	b2 = inv_msg(ar, "2@x", NULL, NULL, "Two", 1000100, m2);
	inv_prop(ar, b2, "x-from", "Tamara Jae Black");
	inv_prop(ar, b2, "x-to", "Allen, Phillip K. </O=ENRON/OU=NA/CN=RECIPIENTS/CN=Pallen>");
	/* A shared placeholder paired with two DNs is no evidence. */
	b3 = inv_msg(ar, "3@x", NULL, NULL, "Three", 1000200, m3);
	inv_prop(ar, b3, "x-from", "Miller, Don </O=ENRON/OU=NA/CN=RECIPIENTS/CN=DMILLE2>");
	b4 = inv_msg(ar, "4@x", NULL, NULL, "Four", 1000300, m4);
	inv_prop(ar, b4, "x-from", "Buy, Rick </O=ENRON/OU=NA/CN=RECIPIENTS/CN=RBUY>");
	/* One address, two DNs of one person (Exchange and Notes): both count;
	 * an address shared by two people: neither does. */
	{
		static const char *const j1[] = {"0::janet.d@enron.com", "1::x@enron.com", NULL};
		static const char *const s1[] = {"0::shared.box@enron.com", "1::x@enron.com", NULL};
		static const char *const d1[] = {"0::dana.davis@enron.com", "1::x@enron.com", NULL};
		int64_t k;

		k = inv_msg(ar, "j1@x", NULL, NULL, "J1", 1000500, j1);
		inv_prop(ar, k, "x-from", "Dietrich, Janet </O=ENRON/OU=NA/CN=RECIPIENTS/CN=JDIETRI>");
		k = inv_msg(ar, "j2@x", NULL, NULL, "J2", 1000600, j1);
		inv_prop(ar, k, "x-from", "Dietrich, Janet </O=ENRON/OU=NA/CN=RECIPIENTS/CN=NOTESADDR/CN=384ECA1E>");
		k = inv_msg(ar, "s1@x", NULL, NULL, "S1", 1000700, s1);
		inv_prop(ar, k, "x-from", "Miller, Don </O=ENRON/OU=NA/CN=RECIPIENTS/CN=DMILLE2>");
		k = inv_msg(ar, "s2@x", NULL, NULL, "S2", 1000800, s1);
		inv_prop(ar, k, "x-from", "Buy, Rick </O=ENRON/OU=NA/CN=RECIPIENTS/CN=RBUY>");
		/* One person under two DNs with fuller and shorter names. */
		k = inv_msg(ar, "d1@x", NULL, NULL, "D1", 1000900, d1);
		inv_prop(ar, k, "x-from", "Davis, Mark Dana </O=ENRON/OU=NA/CN=RECIPIENTS/CN=MDAVIS>");
		k = inv_msg(ar, "d2@x", NULL, NULL, "D2", 1001000, d1);
		inv_prop(ar, k, "x-from", "Davis, Dana </O=ENRON/OU=NA/CN=RECIPIENTS/CN=DDAVIS>");
	}
	/* "Massey II, John <dn>" is one entry when To has one address. */
	{
		static const char *const mj[] = {"0::x@enron.com", "1::john.massey@enron.com", NULL};
		int64_t k = inv_msg(ar, "mj@x", NULL, NULL, "MJ", 1001100, mj);

		inv_prop(ar, k, "x-to", "Massey II, John </O=ENRON/OU=NA/CN=RECIPIENTS/CN=Jmassey>");
	}
	/* Counts that differ: no positional pairing. */
	b5 = inv_msg(ar, "5@x", NULL, NULL, "Five", 1000400, m5);
	inv_prop(ar, b5, "x-to", "One, A. </O=ENRON/OU=NA/CN=RECIPIENTS/CN=AONE>");
	inv_derive(ar);

	pa = inv_person(ar, "k..allen@enron.com");
	assert_true(pa > 0);
	assert_int_equal(inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=pallen"), pa);
	assert_int_equal(inv_person(ar, "jae.black@enron.com"),
			 inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=tblack"));
	assert_int_equal(inv_person(ar, "m..presto@enron.com"),
			 inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=kpresto"));
	assert_true(inv_person(ar, "m..presto@enron.com") != pa);
	pd = inv_person(ar, "no.address@enron.com");
	assert_true(pd != inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=dmille2"));
	assert_true(pd != inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=rbuy"));
	assert_int_equal(inv_person(ar, "janet.d@enron.com"),
			 inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=jdietri"));
	assert_int_equal(inv_person(ar, "janet.d@enron.com"),
			 inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=notesaddr/cn=384eca1e"));
	assert_true(inv_person(ar, "shared.box@enron.com") !=
		    inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=dmille2"));
	assert_int_equal(inv_person(ar, "dana.davis@enron.com"),
			 inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=mdavis"));
	assert_int_equal(inv_person(ar, "dana.davis@enron.com"),
			 inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=ddavis"));
	assert_true(inv_person(ar, "shared.box@enron.com") !=
		    inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=rbuy"));
	assert_int_equal(inv_person(ar, "john.massey@enron.com"),
			 inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=jmassey"));
	assert_true(inv_person(ar, "a.one@enron.com") !=
		    inv_person(ar, "/o=enron/ou=na/cn=recipients/cn=aone"));
	/* The person shows its names and why each address is there. */
	assert_int_equal(trawl_person_get(ar, pa, &p), TRAWL_OK);
	assert_string_equal(p->name, "Allen, Phillip K.");
	assert_int_equal(p->naddrs, 2);
	assert_int_equal(p->sent, 1);
	assert_int_equal(p->received, 1);
	for (i = 0; i < p->naddrs; i++)
		why += p->addrs[i].why && strstr(p->addrs[i].why, "/o=enron/ou=na/cn=recipients/cn=pallen");
	assert_int_equal(why, 2);
	trawl_person_free(p);
	{
		int64_t id = 0;

		assert_int_equal(trawl_person_find(ar, "/O=ENRON/OU=NA/CN=RECIPIENTS/CN=PALLEN", &id), TRAWL_OK);
		assert_int_equal(id, pa);
		assert_int_equal(trawl_person_find(ar, "nobody@nowhere.example", &id), TRAWL_ENOTFOUND);
		assert_int_equal(trawl_person_find(ar, "enron", &id), TRAWL_EINVAL); /* ambiguous */
	}
	(void)b2;
	inv_close(ar);
}

static void test_name_and_local_part(void **state)
{
	trawl_archive *ar = inv_open();
	static const char *const m1[] = {"0:John Smith:jsmith@a.example", "1::x@c.example", NULL};
	static const char *const m2[] = {"0:Smith, John:jsmith@b.example", "1::x@c.example", NULL};
	static const char *const m3[] = {"0:John Smith:john@d.example", "1::x@c.example", NULL};
	static const char *const m4[] = {"0:Info Desk:info@a.example", "1::x@c.example", NULL};
	static const char *const m5[] = {"0:Info Desk:info@b.example", "1::x@c.example", NULL};

	inv_msg(ar, "1@x", NULL, NULL, "a", 1000, m1);
	inv_msg(ar, "2@x", NULL, NULL, "b", 1000, m2);
	inv_msg(ar, "3@x", NULL, NULL, "c", 1000, m3);
	inv_msg(ar, "4@x", NULL, NULL, "d", 1000, m4);
	inv_msg(ar, "5@x", NULL, NULL, "e", 1000, m5);
	inv_derive(ar);
	assert_int_equal(inv_person(ar, "jsmith@a.example"), inv_person(ar, "jsmith@b.example"));
	assert_true(inv_person(ar, "john@d.example") != inv_person(ar, "jsmith@a.example"));
	assert_true(inv_person(ar, "info@a.example") != inv_person(ar, "info@b.example"));
	inv_close(ar);
}

static void test_merge_split(void **state)
{
	trawl_archive *ar = inv_open();
	static const char *const m1[] = {"0:Tor Aasen:tor@work.example", "1::x@c.example", NULL};
	static const char *const m2[] = {"0:T. A.:ta77@home.example", "1::x@c.example", NULL};
	static const char *const m3[] = {"0:Tor Aasen:tor@home.example", "1::x@c.example", NULL};
	static const char *const list[] = {"tor@home.example"};
	int64_t ids = 0;

	inv_msg(ar, "1@x", NULL, NULL, "a", 1000, m1);
	inv_msg(ar, "2@x", NULL, NULL, "b", 2000, m2);
	inv_derive(ar);
	assert_true(inv_person(ar, "tor@work.example") != inv_person(ar, "ta77@home.example"));
	assert_int_equal(trawl_people_merge(ar, "tor@work.example", "TA77@home.example"), TRAWL_OK);
	assert_int_equal(inv_person(ar, "tor@work.example"), inv_person(ar, "ta77@home.example"));
	assert_int_equal(trawl_people_merge(ar, "tor@work.example", "ta77@home.example"), TRAWL_EINVAL);
	/* Later ingests keep the merge; a split overrides the automatic
	 * evidence (same name and local part) for the address. */
	inv_msg(ar, "3@x", NULL, NULL, "c", 3000, m3);
	inv_derive(ar);
	assert_int_equal(inv_person(ar, "tor@work.example"), inv_person(ar, "ta77@home.example"));
	assert_int_equal(inv_person(ar, "tor@work.example"), inv_person(ar, "tor@home.example"));
	assert_int_equal(trawl_people_split(ar, list, 1), TRAWL_OK);
	assert_true(inv_person(ar, "tor@home.example") != inv_person(ar, "tor@work.example"));
	assert_int_equal(inv_person(ar, "tor@work.example"), inv_person(ar, "ta77@home.example"));
	{
		static const char *const bad[] = {"nobody@nowhere.example"};

		assert_int_equal(trawl_people_split(ar, bad, 1), TRAWL_ENOTFOUND);
	}
	/* A merge after the split wins again. */
	assert_int_equal(trawl_people_merge(ar, "tor@home.example", "tor@work.example"), TRAWL_OK);
	assert_int_equal(inv_person(ar, "tor@home.example"), inv_person(ar, "tor@work.example"));
	ids = inv_int(ar, "SELECT count(*) FROM person_edits WHERE ?1=?1", 0);
	assert_int_equal(ids, 3);
	inv_close(ar);
}

static int collect(const void *buf, size_t len, void *ud)
{
	return tw_buf_append((tw_buf *)ud, buf, len) != TRAWL_OK;
}

static void test_graph_exports(void **state)
{
	trawl_archive *ar = inv_open();
	static const char *const m1[] = {"0:Evil \"<&>\" \\N\x01:evil@x.example",
					 "1:Bob:bob@x.example", "2:Carol:carol@x.example", NULL};
	static const char *const m2[] = {"0:Bob:bob@x.example", "1::evil@x.example", NULL};
	trawl_graph *g = NULL;
	tw_buf out;
	xmlDocPtr doc;
	xmlNodePtr root, n, graph = NULL, nodes = NULL, edges = NULL;
	tw_strmap ids;
	size_t nn = 0, ne = 0;

	memset(&ids, 0, sizeof(ids));
	inv_msg(ar, "1@x", NULL, NULL, "a", 1000, m1);
	inv_msg(ar, "2@x", NULL, NULL, "b", 2000, m2);
	inv_msg(ar, "3@x", NULL, NULL, "c", 3000, m2);
	inv_derive(ar);
	assert_int_equal(trawl_graph_get(ar, "", NULL, &g, NULL), TRAWL_OK);
	assert_int_equal(g->nnodes, 3);
	assert_int_equal(g->nedges, 3);
	assert_int_equal(g->messages, 3);

	tw_buf_init(&out, 1 << 20);
	assert_int_equal(trawl_graph_write(g, TRAWL_GRAPH_GEXF, collect, &out), TRAWL_OK);
	doc = xmlReadMemory(out.data, (int)out.len, "g.gexf", NULL, XML_PARSE_NONET);
	assert_non_null(doc); /* well-formed */
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "gexf");
	assert_non_null(root->ns);
	assert_string_equal((const char *)root->ns->href, "http://www.gexf.net/1.2draft");
	for (n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST "graph"))
			graph = n;
	assert_non_null(graph);
	for (n = graph->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!xmlStrcmp(n->name, BAD_CAST "nodes"))
			nodes = n;
		if (!xmlStrcmp(n->name, BAD_CAST "edges"))
			edges = n;
	}
	assert_non_null(nodes);
	assert_non_null(edges);
	for (n = nodes->children; n; n = n->next) {
		xmlChar *id;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		id = xmlGetProp(n, BAD_CAST "id");
		assert_non_null(id);
		assert_false(tw_strmap_get(&ids, (const char *)id, NULL)); /* unique */
		tw_strmap_put(&ids, (const char *)id, 1);
		xmlFree(id);
		nn++;
	}
	for (n = edges->children; n; n = n->next) {
		xmlChar *s, *t, *w;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		s = xmlGetProp(n, BAD_CAST "source");
		t = xmlGetProp(n, BAD_CAST "target");
		w = xmlGetProp(n, BAD_CAST "weight");
		assert_true(s && tw_strmap_get(&ids, (const char *)s, NULL));
		assert_true(t && tw_strmap_get(&ids, (const char *)t, NULL));
		assert_true(w && strtod((const char *)w, NULL) >= 1);
		xmlFree(s);
		xmlFree(t);
		xmlFree(w);
		ne++;
	}
	assert_int_equal(nn, 3);
	assert_int_equal(ne, 3);
	xmlFreeDoc(doc);
	tw_strmap_release(&ids);

	/* DOT: the hostile name cannot close its string or inject escapes. */
	tw_buf_reset(&out);
	assert_int_equal(trawl_graph_write(g, TRAWL_GRAPH_DOT, collect, &out), TRAWL_OK);
	assert_non_null(strstr(out.data, "digraph trawl {"));
	assert_non_null(strstr(out.data, "Evil \\\"<&>\\\" \\\\N"));
	assert_null(strchr(out.data, '\x01'));
	tw_buf_release(&out);
	trawl_graph_free(g);
	inv_close(ar);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_canon),
		cmocka_unit_test(test_name_canon),
		cmocka_unit_test(test_x500_pairs),
		cmocka_unit_test(test_name_and_local_part),
		cmocka_unit_test(test_merge_split),
		cmocka_unit_test(test_graph_exports),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	xmlCleanupParser();
	return rc;
}
