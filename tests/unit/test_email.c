/*
 * test_email.c - the mail extractors on hand-written messages: encoded
 * headers, 8-bit headers, dates, broken MIME, nested messages, charsets,
 * mbox splitting and unescaping, and re-locating an attachment's bytes.
 */
#include "testutil.h"

static tw_node *msg(const char *text)
{
	return extract_mem("m.eml", text, strlen(text));
}

static const tw_addr *addr(const tw_node *n, int role, int k)
{
	size_t i;

	for (i = 0; n->email && i < n->email->naddrs; i++)
		if (n->email->addrs[i].role == role && k-- == 0)
			return &n->email->addrs[i];
	return NULL;
}

static void test_encoded_words(void **state)
{
	tw_node *n = msg("From: =?ISO-8859-1?Q?J=F8rgen_M=E6land?= <JM@Example.COM>\n"
			 "To: \"Smith, Jane\" <jane@example.com>, =?UTF-8?B?0JjQstCw0L0=?= <ivan@example.ru>\n"
			 "Subject: =?UTF-8?Q?Sj=C3=B8forklaring?= =?UTF-8?Q?_i_morgen?=\n"
			 "Date: Mon, 17 Mar 2014 09:12:00 +0100\n"
			 "Message-ID: <abc@x>\n\nbody\n");

	assert_string_equal(n->type, "email");
	assert_string_equal(n->email->subject, "Sjøforklaring i morgen");
	assert_string_equal(addr(n, TW_FROM, 0)->name, "Jørgen Mæland");
	assert_string_equal(addr(n, TW_FROM, 0)->addr, "jm@example.com");
	assert_string_equal(addr(n, TW_TO, 0)->name, "Smith, Jane");
	assert_string_equal(addr(n, TW_TO, 1)->name, "Иван");
	assert_string_equal(n->email->message_id, "abc@x");
	tw_node_free(n);
}

static void test_8bit_headers_and_body(void **state)
{
	/* Latin-1 bytes in a header and a body that claims us-ascii. */
	tw_node *n = msg("From: Ren\xe9 <r@x.org>\nSubject: caf\xe9 cr\xe8me\nDate: Tue, 1 Apr 2014 10:00:00 -0700\n"
			 "Content-Type: text/plain; charset=us-ascii\n\nna\xefve r\xe9sum\xe9\n");

	assert_non_null(strstr(n->email->subject, "café"));
	assert_non_null(strstr(n->text.data, "naïve résumé"));
	tw_node_free(n);
}

static void test_dates(void **state)
{
	tw_node *n = msg("From: a@b\nSubject: s\nDate: Mon, 14 May 2001 16:39:00 -0700 (PDT)\n\nx\n");

	assert_int_equal(n->email->date_status, TW_DATE_OK);
	assert_int_equal(n->email->date, 989883540); /* 2001-05-14T23:39:00Z */
	assert_int_equal(n->email->tz_offset, -420);
	tw_node_free(n);
	n = msg("From: a@b\nSubject: no date\nTo: c@d\n\nx\n");
	assert_int_equal(n->email->date_status, TW_DATE_MISSING);
	tw_node_free(n);
	n = msg("From: a@b\nSubject: s\nDate: onsdag 18. juni 2014 14.05\n\nx\n");
	assert_int_equal(n->email->date_status, TW_DATE_INVALID);
	assert_string_equal(n->email->date_raw, "onsdag 18. juni 2014 14.05");
	tw_node_free(n);
}

static void test_broken_multipart(void **state)
{
	/* No closing boundary: the parts read so far still count. */
	tw_node *n = msg("From: a@b\nSubject: s\nMIME-Version: 1.0\n"
			 "Content-Type: multipart/mixed; boundary=\"XYZ\"\n\n"
			 "--XYZ\nContent-Type: text/plain\n\njetsam in the body\n"
			 "--XYZ\nContent-Type: application/octet-stream; name=\"a.bin\"\n"
			 "Content-Transfer-Encoding: base64\n\nAAECAw==\n");

	assert_non_null(strstr(n->text.data, "jetsam"));
	assert_int_equal(n->nchildren, 1);
	assert_string_equal(n->first_child->name, "a.bin");
	assert_int_equal(n->first_child->size, 4);
	tw_node_free(n);
}

static void test_no_blank_line_after_headers(void **state)
{
	tw_node *n = msg("From: a@b\nSubject: s\nDate: Mon, 14 May 2001 16:39:00 -0700\n");

	assert_string_equal(n->type, "email");
	assert_string_equal(n->email->subject, "s");
	tw_node_free(n);
}

static const char nested[] =
	"From: outer@x\nSubject: Fwd: inner\nMIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=b1\n\n"
	"--b1\nContent-Type: text/plain\n\nsee below\n"
	"--b1\nContent-Type: message/rfc822\n\n"
	"From: inner@y\nSubject: inner\nMIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=b2\n\n"
	"--b2\nContent-Type: text/plain\n\ngrapnel inside\n"
	"--b2\nContent-Type: text/csv; name=\"list.csv\"\nContent-Disposition: attachment; filename*=UTF-8''l%C3%B8nn.csv\n\n"
	"a,b\nscrimshaw,2\n"
	"--b2--\n"
	"--b1--\n";

static void test_nested_message(void **state)
{
	tw_node *n = msg(nested), *inner, *csv;

	assert_int_equal(n->nchildren, 1);
	inner = n->first_child;
	assert_string_equal(inner->kind, "attachment");
	assert_string_equal(inner->type, "email");
	assert_string_equal(inner->email->subject, "inner");
	assert_non_null(strstr(inner->text.data, "grapnel"));
	csv = inner->first_child;
	assert_non_null(csv);
	assert_string_equal(csv->name, "lønn.csv");   /* RFC 2231 */
	assert_non_null(strstr(csv->text.data, "scrimshaw"));
	assert_null(strstr(n->text.data, "grapnel")); /* not mixed into the outer body */
	tw_node_free(n);
}

static void test_locate_attachment(void **state)
{
	const char *chain[] = {"part:1", "part:1"};
	tw_buf found;

	locate_mem("m.eml", nested, strlen(nested), chain, 2, &found);
	assert_non_null(found.data);
	/* The line break before a boundary belongs to the boundary. */
	assert_string_equal(found.data, "a,b\nscrimshaw,2");
	tw_buf_release(&found);
}

static void test_html_only_and_charsets(void **state)
{
	tw_node *n = msg("From: a@b\nSubject: s\nContent-Type: text/html; charset=windows-1252\n\n"
			 "<html><head><title>T</title><style>p{color:red}</style><script>alert(1)</script></head>"
			 "<body><p>\x93quoted\x94 davitcrane \x80 5</p><table><tr><td>a</td><td>b</td></tr></table></body></html>");

	assert_non_null(strstr(n->text.data, "“quoted” davitcrane € 5"));
	assert_null(strstr(n->text.data, "alert"));
	assert_null(strstr(n->text.data, "color"));
	tw_node_free(n);
	n = msg("From: a@b\nSubject: s\nContent-Type: text/plain; charset=koi8-r\n"
		"Content-Transfer-Encoding: base64\n\nzMXEz8vPzA==\n");
	assert_non_null(strstr(n->text.data, "ледокол"));
	tw_node_free(n);
}

static void test_alternative_prefers_plain(void **state)
{
	tw_node *n = msg("From: a@b\nSubject: s\nMIME-Version: 1.0\n"
			 "Content-Type: multipart/alternative; boundary=q\n\n"
			 "--q\nContent-Type: text/plain\n\nplain marlinspike\n"
			 "--q\nContent-Type: text/html\n\n<p>html marlinspike</p>\n--q--\n");

	assert_non_null(strstr(n->text.data, "plain marlinspike"));
	assert_null(strstr(n->text.data, "html marlinspike"));
	assert_int_equal(n->nchildren, 0);
	tw_node_free(n);
}

static void test_mbox_split(void **state)
{
	const char box[] =
		"From alice@x Mon Jan  1 00:00:00 2001\n"
		"From: alice@x\nSubject: one\n\nfirst\n>From here\n>>From there\n\n"
		"From bob@y Tue Jan  2 10:11:12 2001\n"
		"From: bob@y\nSubject: two\n\nFrom the start of a line without a time\nsecond\n";
	tw_mbox *mb = tw_mbox_open_mem((const unsigned char *)box, sizeof(box) - 1);
	tw_buf b;
	uint64_t off;

	tw_buf_init(&b, 1 << 20);
	assert_int_equal(tw_mbox_next(mb, &b, &off), 1);
	assert_int_equal(off, 0);
	assert_string_equal(b.data, "From: alice@x\nSubject: one\n\nfirst\nFrom here\n>From there\n");
	assert_int_equal(tw_mbox_next(mb, &b, &off), 1);
	assert_int_equal(off, strstr(box, "From bob") - box);
	assert_non_null(strstr(b.data, "From the start of a line"));
	assert_non_null(strstr(b.data, "second"));
	assert_int_equal(tw_mbox_next(mb, &b, &off), 0);
	tw_mbox_close(mb, NULL);
	tw_buf_release(&b);
	/* The same bytes as a member inside something become message children. */
	{
		tw_node *n = extract_mem("box", box, sizeof(box) - 1);

		assert_string_equal(n->type, "mbox");
		assert_int_equal(n->nchildren, 2);
		assert_string_equal(n->first_child->email->subject, "one");
		tw_node_free(n);
	}
}

static void test_sniffers(void **state)
{
	const char *m = "Received: from x\nFrom: a@b\nSubject: s\n\nbody";
	const char *t = "Dear sir: this is a letter\nNot a header: really\n\nbody";

	assert_true(tw_looks_like_message((const unsigned char *)m, strlen(m)));
	assert_false(tw_looks_like_message((const unsigned char *)t, strlen(t)));
	assert_false(tw_looks_like_mbox((const unsigned char *)m, strlen(m)));
}

static void test_limits_text_truncated(void **state)
{
	trawl_limits lim;
	char *big = malloc(300000);
	tw_node *n;

	memset(&lim, 0, sizeof(lim));
	lim.max_text_bytes = 1000;
	memcpy(big, "From: a@b\nSubject: s\n\n", 22);
	memset(big + 22, 'w', 300000 - 23);
	big[299999] = '\0';
	n = extract_mem_limits("m", big, strlen(big), &lim);
	assert_int_equal(n->text.len, 1000);
	assert_true(n->text.truncated);
	assert_true(node_has_error(n, TRAWL_ELIMIT));
	tw_node_free(n);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoded_words),
		cmocka_unit_test(test_8bit_headers_and_body),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_broken_multipart),
		cmocka_unit_test(test_no_blank_line_after_headers),
		cmocka_unit_test(test_nested_message),
		cmocka_unit_test(test_locate_attachment),
		cmocka_unit_test(test_html_only_and_charsets),
		cmocka_unit_test(test_alternative_prefers_plain),
		cmocka_unit_test(test_mbox_split),
		cmocka_unit_test(test_sniffers),
		cmocka_unit_test(test_limits_text_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
