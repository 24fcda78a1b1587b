/*
 * test_scan.c - the findings scanner (lib/scan/): every type with valid
 * values and near misses that must not match, on both engines (Hyperscan
 * and the PCRE2-JIT fallback), which must agree; masking of previews; and
 * scanning a node tree as ingest does.
 */
#include "testutil.h"
#include "protect/scan.h"

static int engine; /* 1 Hyperscan, 2 PCRE2 */

static tw_findings *scan(const char *text, int sheet)
{
	tw_findings *f = calloc(1, sizeof(*f));
	tw_scanner *s;

	assert_int_equal(tw_scan_force_engine(engine), 0);
	s = tw_scanner_new();
	assert_non_null(s);
	assert_int_equal(tw_scan_text(s, text, strlen(text), sheet, f), TRAWL_OK);
	tw_scanner_free(s);
	return f;
}

static int count_type(const tw_findings *f, int type)
{
	size_t i;
	int n = 0;

	for (i = 0; i < f->n; i++)
		n += f->v[i].type == type;
	return n;
}

static const tw_finding *find_value(const tw_findings *f, int type, const char *value)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->v[i].type == type && !strcmp(f->v[i].value, value))
			return &f->v[i];
	return NULL;
}

/* `text` must give exactly one finding of `type` with `value`. */
static void expect_one(const char *text, int type, const char *value)
{
	tw_findings *f = scan(text, 0);

	if (count_type(f, type) != 1 || !find_value(f, type, value))
		fail_msg("[%s] %s: expected one %s '%s', got %d", tw_scan_engine(), text,
			 tw_pii_names[type], value, count_type(f, type));
	tw_findings_free(f);
}

static void expect_none(const char *text, int type)
{
	tw_findings *f = scan(text, 0);

	if (count_type(f, type) != 0)
		fail_msg("[%s] %s: expected no %s, got '%s'", tw_scan_engine(), text,
			 tw_pii_names[type], f->v[0].value);
	tw_findings_free(f);
}

static int setup_hs(void **state)
{
	engine = 1;
	if (tw_scan_force_engine(1) != 0) {
		printf("SKIP: Hyperscan cannot run on this machine (hs_valid_platform)\n");
		return -1;
	}
	return 0;
}

static int setup_pcre(void **state)
{
	engine = 2;
	return tw_scan_force_engine(2);
}

/* ---------------------------------------------------------------- checks */

static void test_luhn_ssn_iban_rules(void **state)
{
	assert_true(tw_luhn_ok("4111111111111111", 16));
	assert_false(tw_luhn_ok("4111111111111112", 16));
	assert_true(tw_ssn_ok("536221234"));
	assert_false(tw_ssn_ok("000123456"));
	assert_false(tw_ssn_ok("666123456"));
	assert_false(tw_ssn_ok("912345678"));
	assert_false(tw_ssn_ok("536001234"));
	assert_false(tw_ssn_ok("536220000"));
	assert_false(tw_ssn_ok("078051120"));
	assert_false(tw_ssn_ok("123456789"));
	assert_true(tw_iban_ok("DE89370400440532013000", 22));
	assert_false(tw_iban_ok("DE88370400440532013000", 22));
	assert_false(tw_iban_ok("DE8937040044053201300", 21));
	assert_true(tw_iban_ok("GB29NWBK60161331926819", 22));
	assert_true(tw_iban_ok("NO9386011117947", 15));
	assert_string_equal(tw_card_brand("378282246310005", 15), "amex");
	assert_null(tw_card_brand("378282246310005", 16));
	assert_string_equal(tw_card_brand("5555555555554444", 16), "mastercard");
	assert_string_equal(tw_card_brand("2221000000000009", 16), "mastercard");
}

static void test_preview_masks_all_but_last_four(void **state)
{
	char *p = tw_mask_preview("536-22-1234", 11, 1);

	assert_string_equal(p, "***-**-1234");
	free(p);
	p = tw_mask_preview("4111 1111 1111 1111", 19, 1);
	assert_string_equal(p, "**** **** **** 1111");
	free(p);
	p = tw_mask_preview("hunter2pass", 11, 0);
	assert_string_equal(p, "*******pass");
	free(p);
	/* Short secrets show at most half. */
	p = tw_mask_preview("abcd", 4, 0);
	assert_string_equal(p, "**cd");
	free(p);
	/* Long secrets shrink to 16 stars. */
	p = tw_mask_preview("AKIAZZZZZZZZZZZZ1234AKIAZZZZZZZZZZZZ1234", 40, 0);
	assert_string_equal(p, "****************1234");
	free(p);
}

/* ---------------------------------------------------------------- types */

static void test_ssn(void **state)
{
	expect_one("Employee 536-22-1234 joined in May.", TW_PII_SSN, "536221234");
	expect_one("SSN 536 22 1234", TW_PII_SSN, "536221234");
	expect_one("Social Security No: 536221234", TW_PII_SSN, "536221234");
	expect_none("SSN: 000-12-3456", TW_PII_SSN);
	expect_none("SSN: 666-12-3456", TW_PII_SSN);
	expect_none("SSN: 912-12-3456", TW_PII_SSN);
	expect_none("SSN: 536-00-1234", TW_PII_SSN);
	expect_none("SSN: 536-22-0000", TW_PII_SSN);
	expect_none("SSN: 078-05-1120", TW_PII_SSN);
	expect_none("wire ref 536221234", TW_PII_SSN);      /* bare, no context */
	expect_none("call 1-800-536-22-1234", TW_PII_SSN);  /* part of a longer number */
	expect_none("SSN 536-22-12345", TW_PII_SSN);
	expect_none("SSN 536-22 1234", TW_PII_SSN);          /* mixed separators */
	{
		tw_findings *f = scan("SSN: 536-22-1234", 0);

		assert_int_equal(f->n, 1);
		assert_true(f->v[0].confidence > 0.9);
		assert_string_equal(f->v[0].preview, "***-**-1234");
		assert_int_equal(f->v[0].off, 5);
		assert_int_equal(f->v[0].len, 11);
		tw_findings_free(f);
	}
}

static void test_card(void **state)
{
	expect_one("Visa 4111 1111 1111 1111 exp 04/03", TW_PII_CARD, "4111111111111111");
	expect_one("charge 4111-1111-1111-1111 please", TW_PII_CARD, "4111111111111111");
	expect_one("number 4111111111111111.", TW_PII_CARD, "4111111111111111");
	expect_one("Amex 3782 822463 10005", TW_PII_CARD, "378282246310005");
	expect_one("MC 5555555555554444", TW_PII_CARD, "5555555555554444");
	expect_one("Diners 3056 930902 5904", TW_PII_CARD, "30569309025904");
	expect_one("Visa card 4222222222222", TW_PII_CARD, "4222222222222");
	expect_none("Visa 4111 1111 1111 1112", TW_PII_CARD);    /* Luhn fails */
	expect_none("ref 9111 1111 1111 1117", TW_PII_CARD);     /* no such IIN */
	expect_none("code 41 111111 11111111", TW_PII_CARD);     /* no card grouping */
	expect_none("serial 4111111111111111-42", TW_PII_CARD);  /* longer identifier */
	expect_none("EAN 4006381333932", TW_PII_CARD);           /* 13 digits, no context */
	expect_none("0000 0000 0000 0000", TW_PII_CARD);
	expect_none("Ref 6779 1088 4127 7392 8886", TW_PII_CARD); /* grid of groups */
	expect_none("4111111111111111111111", TW_PII_CARD);
}

static void test_iban(void **state)
{
	expect_one("IBAN: DE89 3704 0044 0532 0130 00", TW_PII_IBAN, "DE89370400440532013000");
	expect_one("pay GB29NWBK60161331926819 now", TW_PII_IBAN, "GB29NWBK60161331926819");
	expect_one("NO93 8601 1117 947 BIC DNBANOKK", TW_PII_IBAN, "NO9386011117947");
	expect_none("IBAN: DE88 3704 0044 0532 0130 00", TW_PII_IBAN); /* wrong check digits */
	expect_none("IBAN: DE89 3704 0044 0532 0130 0", TW_PII_IBAN);  /* too short */
	expect_none("IBAN: DE8937040044053201300012", TW_PII_IBAN);    /* too long */
	expect_none("XX89 3704 0044 0532 0130 00", TW_PII_IBAN);
	expect_none("de89 3704 0044 0532 0130 00", TW_PII_IBAN);
	/* The account digits inside an IBAN are not a card. */
	expect_none("IBAN DE75 5121 0800 1245 1261 99", TW_PII_CARD);
}

static void test_phone(void **state)
{
	expect_one("Tel: (713) 853-6161", TW_PII_PHONE, "+17138536161");
	expect_one("call 713-853-6161 today", TW_PII_PHONE, "+17138536161");
	expect_one("1-713-853-6161", TW_PII_PHONE, "+17138536161");
	expect_one("London +44 20 7946 0958.", TW_PII_PHONE, "+442079460958");
	expect_none("call 123-853-6161", TW_PII_PHONE);  /* area code cannot start with 1 */
	expect_none("call 713-153-6161", TW_PII_PHONE);  /* nor the exchange */
	expect_none("on 2001-05-14 at 10:30", TW_PII_PHONE);
	expect_none("+1 23", TW_PII_PHONE);
}

static void test_email(void **state)
{
	expect_one("write to Jeff.Skilling@Enron.com today", TW_PII_EMAIL, "jeff.skilling@enron.com");
	expect_one("<kay.mann@enron.com>", TW_PII_EMAIL, "kay.mann@enron.com");
	expect_none("user@localhost", TW_PII_EMAIL);
	expect_none("meet @ 5.30", TW_PII_EMAIL);
	expect_none("a@b.c1", TW_PII_EMAIL);
}

static void test_dob(void **state)
{
	expect_one("DOB: 08/04/1961", TW_PII_DOB, "1961-08-04");
	expect_one("Date of birth 1961-08-04.", TW_PII_DOB, "1961-08-04");
	expect_one("born on August 4, 1961 in Honolulu", TW_PII_DOB, "1961-08-04");
	expect_one("Geburtsdatum: 4 August 1961", TW_PII_DOB, "1961-08-04");
	expect_none("The meeting is on 08/04/1961.", TW_PII_DOB); /* no keyword */
	expect_none("DOB: 13/13/1961", TW_PII_DOB);
	expect_none("born in Texas", TW_PII_DOB);
}

static void test_password(void **state)
{
	expect_one("login jdoe, password: Tr0ub4dor&3", TW_PII_PASSWORD, "Tr0ub4dor&3");
	expect_one("Server=db1;Uid=sa;Pwd=s3cr3t!;", TW_PII_PASSWORD, "s3cr3t!");
	expect_one("ftp://enron:Houston99@ftp.example.com/pub", TW_PII_PASSWORD, "Houston99");
	expect_one("Your password is: \"blue sky 42\"", TW_PII_PASSWORD, "blue sky 42");
	expect_none("Password: please call the help desk", TW_PII_PASSWORD);
	expect_none("password: ********", TW_PII_PASSWORD);
	expect_none("password: <your password>", TW_PII_PASSWORD);
	expect_none("the password expired yesterday", TW_PII_PASSWORD);
	expect_none("boarding pass: 12A", TW_PII_PASSWORD);
	expect_none("PIN: 12", TW_PII_PASSWORD);
	{
		/* A login table in a spreadsheet: every cell under Password. */
		tw_findings *f = scan("Logins\nUser\tPassword\tNotes\njdoe\tWinter2001\tadmin\n"
				      "asmith\tEnron#1\t\n\nOther sheet\nA\tB\n", 1);

		assert_int_equal(count_type(f, TW_PII_PASSWORD), 2);
		assert_non_null(find_value(f, TW_PII_PASSWORD, "Winter2001"));
		assert_non_null(find_value(f, TW_PII_PASSWORD, "Enron#1"));
		tw_findings_free(f);
		f = scan("user,password\njdoe,Winter2001\n", 1);
		assert_int_equal(count_type(f, TW_PII_PASSWORD), 1);
		tw_findings_free(f);
		/* The same text is no table when it is not a sheet. */
		f = scan("user,password\njdoe,Winter2001\n", 0);
		assert_int_equal(count_type(f, TW_PII_PASSWORD), 0);
		tw_findings_free(f);
	}
}

static void test_keys(void **state)
{
	const char *pem =
		"key follows\n-----BEGIN RSA PRIVATE KEY-----\n"
		"MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
		"VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
		"-----END RSA PRIVATE KEY-----\nthanks";
	tw_findings *f = scan(pem, 0);

	assert_int_equal(count_type(f, TW_PII_KEY), 1);
	assert_string_equal(f->v[0].subtype, "rsa-private-key");
	assert_true(f->v[0].confidence > 0.9);
	assert_int_equal(f->v[0].off, strlen("key follows\n"));
	assert_null(strstr(f->v[0].preview, "MIIE"));
	tw_findings_free(f);
	expect_one("aws_access_key_id = AKIAZ3XQ7JMRB5EN2K4Q", TW_PII_KEY, "AKIAZ3XQ7JMRB5EN2K4Q");
	expect_one("aws_secret_access_key=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",
		   TW_PII_KEY, "Zx8bQ2vLm9Tq4Wn7Rp1Ys6Uc3Hd5Kf0Jg8Ae2Bi4");
	expect_one("token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 ok", TW_PII_KEY,
		   "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789");
	expect_one("slack xoxb-123456789012-abcdefABCDEF", TW_PII_KEY, "xoxb-123456789012-abcdefABCDEF");
	expect_none("AKIAIOSFODNN7EXAMPLE", TW_PII_KEY);        /* AWS's documentation key */
	expect_none("AKIAZ3XQ7JMRB5EN2K4", TW_PII_KEY);         /* one short */
	expect_none("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n", TW_PII_KEY);
	expect_none("ghp_short", TW_PII_KEY);
}

static void test_ip(void **state)
{
	expect_one("from 192.0.2.44 at noon", TW_PII_IP, "192.0.2.44");
	expect_one("host 10.1.2.3", TW_PII_IP, "10.1.2.3");
	expect_one("v6 2001:db8::8a2e:370:7334 here", TW_PII_IP, "2001:db8::8a2e:370:7334");
	expect_none("version 1.2.3.4.5", TW_PII_IP);
	expect_none("Windows 5.0.2195.6717", TW_PII_IP);
	expect_none("256.1.1.1", TW_PII_IP);
	expect_none("at 10:30:00 sharp", TW_PII_IP);
	expect_none("mac 00:1a:2b:3c:4d:5e", TW_PII_IP);
}

/* Both engines report the same findings on the same text. */
static void test_engines_agree(void **state)
{
	const char *text =
		"SSN 536-22-1234, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00\n"
		"Tel (713) 853-6161, +44 20 7946 0958, jeff@enron.com, DOB: 08/04/1961\n"
		"password: Tr0ub4dor&3 and ftp://a:b1c2d3@host.example.com/ 192.0.2.1 ::1\n"
		"Ref 6779 1088 4127 7392 8886 4111111111111111 5555-5555-5555-4444 1234 5678\n"
		"AKIAZ3XQ7JMRB5EN2K4Q xoxp-1234567890-abcdefghij 378282246310005\n";
	tw_findings *a, *b;
	size_t i;

	if (tw_scan_force_engine(1) != 0) {
		printf("SKIP: Hyperscan cannot run on this machine\n");
		skip();
	}
	engine = 1;
	a = scan(text, 0);
	engine = 2;
	b = scan(text, 0);
	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->v[i].type, b->v[i].type);
		assert_int_equal(a->v[i].off, b->v[i].off);
		assert_int_equal(a->v[i].len, b->v[i].len);
		assert_string_equal(a->v[i].value, b->v[i].value);
	}
	assert_true(a->n >= 14);
	tw_findings_free(a);
	tw_findings_free(b);
}

/* Ingest's entry point: every extracted node of a tree, nothing else. */
static void test_scan_tree(void **state)
{
	static const char msg[] =
		"From: a@example.com\nTo: b@example.org\nSubject: x\n"
		"MIME-Version: 1.0\nContent-Type: text/plain\n\nSSN: 536-22-1234\n";
	tw_node *root;

	tw_scan_force_engine(0);
	root = extract_mem("m.eml", msg, sizeof(msg) - 1);
	tw_scan_tree(root);
	assert_non_null(root->findings);
	assert_int_equal(count_type(root->findings, TW_PII_SSN), 1);
	tw_node_free(root);
}

int main(void)
{
	const struct CMUnitTest checks[] = {
		cmocka_unit_test(test_luhn_ssn_iban_rules),
		cmocka_unit_test(test_preview_masks_all_but_last_four),
		cmocka_unit_test(test_engines_agree),
		cmocka_unit_test(test_scan_tree),
	};
	const struct CMUnitTest types[] = {
		cmocka_unit_test(test_ssn),      cmocka_unit_test(test_card),
		cmocka_unit_test(test_iban),     cmocka_unit_test(test_phone),
		cmocka_unit_test(test_email),    cmocka_unit_test(test_dob),
		cmocka_unit_test(test_password), cmocka_unit_test(test_keys),
		cmocka_unit_test(test_ip),
	};
	int rc = 0;

	rc |= cmocka_run_group_tests_name("checks", checks, NULL, NULL);
	rc |= cmocka_run_group_tests_name("hyperscan", types, setup_hs, NULL);
	rc |= cmocka_run_group_tests_name("pcre2", types, setup_pcre, NULL);
	return rc;
}
