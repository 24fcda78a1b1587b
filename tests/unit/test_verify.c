/*
 * test_verify.c - lib/verify/ without an archive: the Received-chain parser
 * on well-formed, odd and broken headers; raw header splitting; the DKIM
 * key file reader (zone-file syntax); DKIM verdicts that need no signer
 * (unsigned, malformed signatures, missing keys).  Signed messages are
 * checked against dkimpy in tests/cli/test_protect.c.
 */
#include "testutil.h"
#include <unistd.h>

#include "verify/verify.h"

static void hop(const char *v, tw_hop *h)
{
	tw_received_parse(v, h);
}

static void test_received_common_forms(void **state)
{
	tw_hop h;

	hop("from mail.example.com (mail.example.com [192.0.2.1]) by mx.example.org (Postfix)"
	    " with ESMTPS id 4B2C1 for <bob@example.org>; Mon, 14 May 2001 16:39:00 -0700", &h);
	assert_true(h.parsed);
	assert_string_equal(h.from_host, "mail.example.com");
	assert_string_equal(h.from_rdns, "mail.example.com");
	assert_string_equal(h.from_ip, "192.0.2.1");
	assert_string_equal(h.by_host, "mx.example.org");
	assert_string_equal(h.protocol, "ESMTPS");
	assert_string_equal(h.id, "4B2C1");
	assert_string_equal(h.for_addr, "bob@example.org");
	assert_true(h.has_time);
	assert_int_equal(h.tz_offset, -420);
	assert_int_equal(h.time, 989883540); /* 2001-05-14 23:39:00 UTC */
	tw_hop_release(&h);

	/* Exchange style: HELO name, then the address in the comment. */
	hop("from EXCH01 ([10.1.2.3]) by exch02.corp.example.com with Microsoft SMTPSVC(5.0.2195.4905);"
	    "\t Thu, 2 Aug 2001 08:17:22 -0500", &h);
	assert_true(h.parsed);
	assert_string_equal(h.from_host, "EXCH01");
	assert_string_equal(h.from_ip, "10.1.2.3");
	assert_string_equal(h.protocol, "Microsoft");
	assert_int_equal(h.tz_offset, -300);
	tw_hop_release(&h);

	/* IPv6 and "from [ip]" without a name. */
	hop("from [IPv6:2001:db8::25] (helo=client) by relay.example.net with esmtpa (Exim 4.92)"
	    " id 1kXyZ; Tue, 01 Dec 2020 10:00:00 +0100", &h);
	assert_string_equal(h.from_ip, "2001:db8::25");
	assert_string_equal(h.by_host, "relay.example.net");
	assert_int_equal(h.tz_offset, 60);
	tw_hop_release(&h);

	/* qmail writes a comment and a date: a hop with a time only. */
	hop("(qmail 11764 invoked from network); 22 Aug 2002 11:46:29 -0000", &h);
	assert_true(h.parsed);
	assert_null(h.from_host);
	assert_true(h.has_time);
	tw_hop_release(&h);
}

static void test_received_broken(void **state)
{
	static const char *const broken[] = {
		"", ";", "from", "garbage without structure", "from x by y with z; not a date",
		"((((((((unbalanced", "from a (b [999.1.1.1]) by c; Mon, 14 May 2001 16:39:00 -0700",
		"by only.example.com", ";;;;; Mon, 14 May 2001 16:39:00 +0000 ;",
		"from \"quoted; thing\" by x; 32 Foo 2001", NULL,
	};
	tw_hop h;
	int i;

	/* Never crashes, keeps the raw text, says when it did not parse. */
	for (i = 0; broken[i]; i++) {
		hop(broken[i], &h);
		assert_non_null(h.raw);
		assert_string_equal(h.raw, broken[i]);
		tw_hop_release(&h);
	}
	hop("garbage without structure", &h);
	assert_false(h.parsed);
	tw_hop_release(&h);
	hop("by only.example.com", &h);
	assert_false(h.parsed); /* no date: not a complete hop */
	tw_hop_release(&h);
	hop("from a (b [999.1.1.1]) by c; Mon, 14 May 2001 16:39:00 -0700", &h);
	assert_null(h.from_ip); /* 999 is no octet */
	assert_true(h.parsed);
	tw_hop_release(&h);
	hop("from x by y with z; not a date", &h);
	assert_false(h.has_time);
	tw_hop_release(&h);
}

static void test_headers_split(void **state)
{
	static const char msg[] = "From: a@example.com\nSubject: one\n two\nX-Empty:\nno colon line\n"
				  "To: b@example.org\n\nbody\n";
	size_t n;
	char *m = tw_crlf(msg, sizeof(msg) - 1, &n);
	tw_hdrs hs;
	char *v;

	assert_non_null(m);
	assert_non_null(strstr(m, "one\r\n two\r\n"));
	assert_int_equal(tw_hdrs_parse(m, n, &hs), 0);
	assert_int_equal(hs.n, 4);
	v = tw_hdr_unfold(tw_hdr_find(&hs, "subject"));
	assert_string_equal(v, "one two");
	free(v);
	assert_non_null(hs.body);
	assert_int_equal(hs.blen, 6);
	assert_memory_equal(hs.body, "body\r\n", 6);
	tw_hdrs_release(&hs);
	free(m);
}

static void test_key_file(void **state)
{
	char path[] = "/tmp/trawl-keys-XXXXXX", err[256];
	int fd = mkstemp(path);
	FILE *f;
	tw_dkim_keys *k;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("; archived 2014-08-07\n"
	      "s1._domainkey.example.com. 3600 IN TXT \"v=DKIM1; k=rsa; \" \"p=AAAA\"\n"
	      "s2._domainkey.Example.COM IN TXT ( \"v=DKIM1; \"\n"
	      "   \"p=BBBB\" ) ; comment\n"
	      "s4._domainkey.example.org v=DKIM1; p=DDDD\n"
	      "$ORIGIN example.net.\n"
	      "s3._domainkey TXT \"p=C\\\"C\"\n",
	      f);
	fclose(f);
	k = tw_dkim_keys_load(path, err, sizeof(err));
	assert_non_null(k);
	assert_string_equal(tw_dkim_keys_find(k, "s1._domainkey.example.com"), "v=DKIM1; k=rsa; p=AAAA");
	assert_string_equal(tw_dkim_keys_find(k, "s2._domainkey.example.com"), "v=DKIM1; p=BBBB");
	assert_string_equal(tw_dkim_keys_find(k, "s3._domainkey.example.net"), "p=C\"C");
	assert_string_equal(tw_dkim_keys_find(k, "s4._domainkey.example.org"), "v=DKIM1; p=DDDD");
	assert_null(tw_dkim_keys_find(k, "s9._domainkey.example.com"));
	tw_dkim_keys_free(k);
	unlink(path);
	assert_null(tw_dkim_keys_load("/nonexistent/keys", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/keys"));
}

static void verdict(const char *msg, const char *want, const char *reason_part)
{
	tw_dkim_res r;

	tw_dkim_verify(msg, strlen(msg), NULL, 0, &r);
	if (strcmp(r.result, want) || (reason_part && !strstr(r.reason, reason_part)))
		fail_msg("expected %s (%s), got %s: %s", want, reason_part ? reason_part : "",
			 r.result, r.reason);
	tw_dkim_res_release(&r);
}

static void test_dkim_without_signer(void **state)
{
	verdict("From: a@example.com\n\nhi\n", "none", "no DKIM-Signature");
	verdict("DKIM-Signature: v=1; a=rsa-sha256; d=example.com\nFrom: a@example.com\n\nhi\n",
		"fail", "required tag");
	verdict("DKIM-Signature: v=1; v=1; a=rsa-sha256\nFrom: a@example.com\n\nhi\n", "fail",
		"malformed");
	verdict("DKIM-Signature: v=1; a=rsa-md5; b=AAAA; bh=AAAA; d=example.com; h=from; s=s1\n"
		"From: a@example.com\n\nhi\n",
		"fail", "unsupported algorithm");
	verdict("DKIM-Signature: v=1; a=rsa-sha256; b=AAAA; bh=AAAA; d=example.com; h=to; s=s1\n"
		"From: a@example.com\n\nhi\n",
		"fail", "From");
	/* The body hash of "hi\r\n" under simple canonicalisation. */
	verdict("DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; b=AAAA;"
		" bh=RHI91NDg1Go8f6isolS2HCe2tXiflhd+gsgHAECfFTU=; d=example.com; h=from; s=s1\n"
		"From: a@example.com\n\nhi\n",
		"nokey", "no key for s1._domainkey.example.com");
	verdict("DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; b=AAAA;"
		" bh=RHI91NDg1Go8f6isolS2HCe2tXiflhd+gsgHAECfFTU=; d=example.com; h=from; s=s1\n"
		"From: a@example.com\n\nhi!\n",
		"fail", "body hash");
	verdict("DKIM-Signature: v=1; a=rsa-sha256; b=AAAA; bh=AAAA; d=example.com; h=from; s=s1;"
		" i=joe@evil.example\nFrom: a@example.com\n\nhi\n",
		"fail", "i=");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_received_common_forms),
		cmocka_unit_test(test_received_broken),
		cmocka_unit_test(test_headers_split),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_dkim_without_signer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
