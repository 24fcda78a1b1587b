/*
 * test_msg.c - Outlook .msg files (lib/extract/msg.c, mailbuild.c).
 *
 * budget.msg is written by tests/fixtures/gen_docs2.py; the Tika samples
 * under ../shared/corpora are checked when present and skipped visibly
 * otherwise.
 */
#include "fixture.h"
#include "extract/mailbuild.h"

#define FIX "tests/fixtures/docs2/"
#define TIKA_MS "/tika-test-documents/tika-parsers/tika-parsers-standard/" \
	"tika-parsers-standard-modules/tika-parser-microsoft-module/src/test/" \
	"resources/test-documents/"

static tw_node *corpus(const char *name)
{
	char path[4096];
	tw_node *n;

	snprintf(path, sizeof(path), "%s" TIKA_MS "%s", corpora(), name);
	n = extract_file(path);
	if (!n) {
		print_message("SKIP: %s absent (no corpora)\n", path);
		skip();
	}
	return n;
}

static int has_addr(const tw_email *e, int role, const char *addr)
{
	size_t i;

	for (i = 0; i < e->naddrs; i++)
		if (e->addrs[i].role == role && e->addrs[i].addr &&
		    strcmp(e->addrs[i].addr, addr) == 0)
			return 1;
	return 0;
}

static void test_fixture(void **state)
{
	tw_node *n = extract_file(FIX "budget.msg"), *c;

	assert_non_null(n);
	assert_string_equal(n->type, "email");
	assert_non_null(n->email);
	assert_string_equal(n->email->subject, "Quarterly budget review");
	assert_string_equal(n->email->message_id, "fixture-1@example.com");
	assert_string_equal(n->email->in_reply_to, "fixture-0@example.com");
	assert_int_equal(n->email->date_status, TW_DATE_OK);
	assert_true(n->email->date == 1614834367);
	assert_true(has_addr(n->email, TW_FROM, "alice@example.com"));
	assert_true(has_addr(n->email, TW_TO, "bob@example.com"));
	assert_true(has_addr(n->email, TW_CC, "carol@example.com"));
	assert_non_null(strstr(n->text.data, "zeppelin"));
	assert_string_equal(node_prop(n, "message_class"), "IPM.Note");
	assert_int_equal(n->nerrs, 0);
	/* Attachments are children of the message, as for any email. */
	assert_int_equal(n->nchildren, 2);
	c = child_named(n, "figures.txt");
	assert_non_null(c);
	assert_string_equal(c->locator, "part:1");
	assert_non_null(strstr(c->text.data, "42 apples"));
	c = child_named(n, "Inner message.eml");
	assert_non_null(c);
	assert_non_null(c->email);
	assert_string_equal(c->email->subject, "Inner message");
	assert_true(has_addr(c->email, TW_FROM, "dora@example.org"));
	assert_non_null(strstr(c->text.data, "kumquat"));
	tw_node_free(n);
}

static void test_locate(void **state)
{
	size_t len = 0;
	unsigned char *d = slurp(FIX "budget.msg", &len);
	const char *loc[] = {"part:1"};
	tw_buf found;

	assert_non_null(d);
	locate_mem("budget.msg", d, len, loc, 1, &found);
	assert_non_null(found.data);
	assert_string_equal(found.data, "figures: 42 apples and 7 pears\n");
	tw_buf_release(&found);
	free(d);
}

static void test_not_a_message(void **state)
{
	size_t len = 0;
	unsigned char *d = slurp(FIX "not-a-message.doc", &len);

	assert_non_null(d);
	/* Other OLE2 documents are left to their own extractor. */
	assert_false(tw_extractor_msg.accepts("application/msword", "doc", d, len));
	assert_false(tw_extractor_msg.accepts("application/x-ole-storage", "doc", d, len));
	assert_false(tw_extractor_msg.accepts("application/CDFV2", NULL, d, len));
	free(d);
	d = slurp(FIX "budget.msg", &len);
	assert_non_null(d);
	assert_true(tw_extractor_msg.accepts("application/vnd.ms-outlook", "msg", d, len));
	assert_true(tw_extractor_msg.accepts("application/CDFV2", NULL, d, len));
	/* libmagic may name a message after an embedded workbook. */
	assert_true(tw_extractor_msg.accepts("application/vnd.ms-excel", NULL, d, len));
	assert_false(tw_extractor_msg.accepts("application/vnd.ms-outlook", "msg",
					      (const unsigned char *)"not ole", 7));
	free(d);
}

static void test_damaged(void **state)
{
	size_t len = 0, cut;
	unsigned char *d = slurp(FIX "budget.msg", &len);
	tw_node *n;

	assert_non_null(d);
	/* Every truncation point: never a crash, always a node. */
	for (cut = 0; cut < len; cut += 97) {
		n = extract_mem("cut.msg", d, cut);
		assert_non_null(n);
		tw_node_free(n);
	}
	/* Damaged sectors in the middle. */
	memset(d + 1536, 0xff, 512);
	n = extract_mem("damaged.msg", d, len);
	assert_non_null(n);
	tw_node_free(n);
	free(d);
}

static void test_corpus_att_msg(void **state)
{
	tw_node *n = corpus("testMSG_att_msg.msg"), *c;

	assert_non_null(n->email);
	assert_string_equal(n->email->subject, "test email");
	assert_true(has_addr(n->email, TW_FROM, "nick.booth@pof.com.au"));
	assert_non_null(strstr(n->text.data, "Test email with 1 msg attachment"));
	c = child_named(n, "Test Attachment.eml");
	assert_non_null(c);
	assert_non_null(strstr(c->text.data, "Blah blah blah"));
	assert_non_null(child_named(n, "smbprn.00009008.KdcPjl.pdf"));
	tw_node_free(n);
}

static void test_corpus_chinese(void **state)
{
	tw_node *n = corpus("testMSG_chinese.msg");

	assert_non_null(n->email);
	assert_non_null(strstr(n->email->subject, "格式測試"));
	assert_non_null(strstr(n->text.data, "中文測試"));
	tw_node_free(n);
}

static void test_corpus_other_items(void **state)
{
	tw_node *n = corpus("testMSG_Contact.msg");

	assert_string_equal(node_prop(n, "message_class"), "IPM.Contact");
	assert_string_equal(n->email->subject, "Quick Brown Fox Jr");
	tw_node_free(n);
	n = corpus("testMSG_Task.msg");
	assert_string_equal(n->email->subject, "Must jump over the lazy dog");
	assert_non_null(strstr(n->text.data, "Quick brown fox must do what he must"));
	tw_node_free(n);
	n = corpus("testMSG_StickyNote.msg");
	assert_non_null(strstr(n->text.data, "note about the quick brown fox"));
	tw_node_free(n);
}

static void test_lzfu(void **state)
{
	/* The compressed example of [MS-OXRTFCP] 4.1. */
	static const unsigned char comp[] = {
		0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75,
		0xf1, 0xc5, 0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67,
		0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09,
		0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f,
		0xa0,
	};
	static const char want[] = "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n";
	size_t n = 0;
	unsigned char *out = tw_lzfu_decompress(comp, sizeof(comp), 1 << 20, &n);

	assert_non_null(out);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	free(out);
	/* Truncated, or a lying size: bounded, no overrun. */
	out = tw_lzfu_decompress(comp, 20, 1 << 20, &n);
	free(out);
	out = tw_lzfu_decompress(comp, sizeof(comp), 10, &n);
	assert_non_null(out);
	assert_true(n <= 10);
	free(out);
	assert_null(tw_lzfu_decompress(comp, 8, 1 << 20, &n));
}

/* Hostile field values cannot add header fields or break the structure. */
static void test_mailbuild_hostile(void **state)
{
	static const char headers[] =
		"Microsoft Mail Internet Headers Version 2.0\r\n"
		"Received: from a by b; Mon, 1 Jan 2001 00:00:00 +0000\r\n"
		"Subject: from the transport headers\r\n"
		"Content-Type: multipart/signed; boundary=\"zzz\"\r\n"
		"MIME-Version: 1.0\r\n"
		"\r\n"
		"Body: not a header\r\n";
	tw_mail_att att = {"evil\r\nX-Injected: 1.txt", "text/plain\r\nX-Bad: 1",
			   NULL, (const unsigned char *)"payload", 7, 0};
	tw_mail m;
	size_t len = 0;
	char *b;
	tw_node *n;

	memset(&m, 0, sizeof(m));
	m.subject = "line one\r\nBcc: victim@example.com";
	m.from_name = "Mallory \"<x>\"";
	m.from_addr = "mallory@example.com";
	m.to = "Alice <alice@example.com>; bob@example.com; Carol Only";
	m.body = "body text";
	m.body_len = 9;
	m.atts = &att;
	m.natts = 1;
	b = tw_mail_build(&m, &len);
	assert_non_null(b);
	assert_null(strstr(b, "\nBcc:"));
	assert_null(strstr(b, "\nX-Injected:"));
	assert_null(strstr(b, "\nX-Bad:"));
	n = extract_mem("built.eml", b, len);
	assert_non_null(n->email);
	assert_non_null(strstr(n->email->subject, "line one"));
	assert_true(has_addr(n->email, TW_FROM, "mallory@example.com"));
	assert_true(has_addr(n->email, TW_TO, "alice@example.com"));
	assert_true(has_addr(n->email, TW_TO, "bob@example.com"));
	assert_int_equal(n->nchildren, 1);
	tw_node_free(n);
	free(b);

	/* Transport headers: used, minus their MIME fields and odd lines. */
	m.headers = headers;
	b = tw_mail_build(&m, &len);
	assert_non_null(b);
	assert_non_null(strstr(b, "Subject: from the transport headers\n"));
	assert_null(strstr(b, "line one"));
	assert_null(strstr(b, "multipart/signed"));
	assert_null(strstr(b, "Microsoft Mail Internet Headers"));
	assert_null(strstr(b, "Body: not a header"));
	n = extract_mem("built.eml", b, len);
	assert_string_equal(n->email->subject, "from the transport headers");
	assert_non_null(strstr(n->text.data, "body text"));
	tw_node_free(n);
	/* The same fields give the same bytes (no random boundaries). */
	{
		size_t len2 = 0;
		char *b2 = tw_mail_build(&m, &len2);

		assert_non_null(b2);
		assert_int_equal(len, len2);
		assert_memory_equal(b, b2, len);
		free(b2);
	}
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_not_a_message),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_lzfu),
		cmocka_unit_test(test_mailbuild_hostile),
		cmocka_unit_test(test_corpus_att_msg),
		cmocka_unit_test(test_corpus_chinese),
		cmocka_unit_test(test_corpus_other_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
