/*
 * test_investigate_corpus.c - conversations, timelines and people on real
 * mail: the Enron portion (maildir, Exchange X-From/X-To headers) and the
 * python-dev mailing list (mbox, rich in replies).  The headers are read
 * independently here, in C, and compared with what trawl derived:
 *   - every message whose In-Reply-To names a message present in the
 *     archive is in the same conversation as that message;
 *   - `trawl timeline --by month` equals a count of the Date headers;
 *   - an SMTP sender and the X.500 DN that X-From gives for it in the same
 *     message belong to one person;
 *   - facets and timeline over the whole portion are timed (reported; a
 *     generous bound catches order-of-magnitude regressions only).
 * Skipped, with a message, when the corpora are absent.
 */
#include <ctype.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "clitest.h"

#define NEED(path)                                                                          \
	do {                                                                                \
		struct stat sb_;                                                            \
		if (!ct_corpora || stat(path, &sb_) != 0) {                                 \
			printf("SKIP: %s not found (../shared/corpora or TRAWL_CORPORA)\n", path); \
			skip();                                                             \
		}                                                                           \
	} while (0)

/* ---------------------------------------------------------------- headers */

typedef struct msg {
	char mid[512], irt[512], from[512], xfrom[1024], to[4096], xto[4096], date[256];
} msg;

/* Unfolded header fields of one message (text up to the first blank line). */
static void read_headers(const char *text, size_t len, msg *m)
{
	const char *p = text, *end = text + len;
	char field[8192];
	size_t fl = 0;

	memset(m, 0, sizeof(*m));
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int blank = n == 0 || (n == 1 && p[0] == '\r');
		int cont = !blank && (p[0] == ' ' || p[0] == '\t');

		if (!cont && fl) {
			/* Store the finished field. */
			char *colon;

			field[fl] = '\0';
			colon = strchr(field, ':');
			if (colon) {
				char *v = colon + 1;
				struct {
					const char *name;
					char *dst;
					size_t cap;
				} f[] = {
					{"message-id", m->mid, sizeof(m->mid)}, {"in-reply-to", m->irt, sizeof(m->irt)},
					{"from", m->from, sizeof(m->from)},     {"x-from", m->xfrom, sizeof(m->xfrom)},
					{"to", m->to, sizeof(m->to)},           {"x-to", m->xto, sizeof(m->xto)},
					{"date", m->date, sizeof(m->date)},
				};
				size_t i;

				*colon = '\0';
				while (*v == ' ' || *v == '\t')
					v++;
				for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
					if (!strcasecmp(field, f[i].name) && !f[i].dst[0])
						snprintf(f[i].dst, f[i].cap, "%s", v);
			}
			fl = 0;
		}
		if (blank || !nl)
			break;
		while (n && (p[n - 1] == '\r'))
			n--;
		if (fl + n + 1 < sizeof(field)) {
			if (cont && fl)
				field[fl++] = ' ';
			memcpy(field + fl, p, n);
			fl += n;
		}
		p = nl + 1;
	}
}

/* The id inside the first <...>, lowercased nowhere (ids are exact). */
static int first_id(const char *v, char *out, size_t n)
{
	const char *a = strchr(v, '<'), *b = a ? strchr(a, '>') : NULL;

	if (!a || !b || b == a + 1 || (size_t)(b - a - 1) >= n)
		return 0;
	memcpy(out, a + 1, (size_t)(b - a - 1));
	out[b - a - 1] = '\0';
	return 1;
}

/* "Mon, 14 May 2001 16:39:00 -0700 (PDT)" -> "2001-05" in UTC. */
static int month_of(const char *d, char *out, size_t n)
{
	static const char *const mon[] = {"jan", "feb", "mar", "apr", "may", "jun",
					  "jul", "aug", "sep", "oct", "nov", "dec"};
	char ms[8] = "", zone[16] = "";
	int day, year, h, mi, s = 0, i, k;
	struct tm tm;
	time_t t;
	long off = 0;
	const char *p = strchr(d, ',');

	p = p ? p + 1 : d;
	k = sscanf(p, "%d %3s %d %d:%d:%d %15s", &day, ms, &year, &h, &mi, &s, zone);
	if (k < 7) {
		s = 0;
		k = sscanf(p, "%d %3s %d %d:%d %15s", &day, ms, &year, &h, &mi, zone);
		if (k < 6)
			return 0;
	}
	for (i = 0; i < 12 && strncasecmp(ms, mon[i], 3); i++)
		;
	if (i == 12)
		return 0;
	/* RFC 5322 4.3 (obsolete years), as mail readers apply it: Enron has
	 * "Wed, 28 Dec 0001 ..." for 2001. */
	if (year < 50)
		year += 2000;
	else if (year < 1000)
		year += 1900;
	if ((zone[0] == '+' || zone[0] == '-') && isdigit((unsigned char)zone[1])) {
		long z = strtol(zone + 1, NULL, 10);

		off = (z / 100) * 3600 + (z % 100) * 60;
		if (zone[0] == '-')
			off = -off;
	} else if (strcasecmp(zone, "GMT") && strcasecmp(zone, "UT") && strcasecmp(zone, "UTC")) {
		static const struct {
			const char *n;
			int h;
		} z[] = {{"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
			 {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
		size_t j;

		for (j = 0; j < sizeof(z) / sizeof(z[0]) && strcasecmp(zone, z[j].n); j++)
			;
		if (j == sizeof(z) / sizeof(z[0]))
			return 0;
		off = z[j].h * 3600L;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = i;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm) - off;
	if (!gmtime_r(&t, &tm))
		return 0;
	strftime(out, n, "%Y-%m", &tm);
	return 1;
}

static char *slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	d = malloc((size_t)n + 1);
	if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
		free(d);
		d = NULL;
	}
	if (d)
		d[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return d;
}

/* Message-ID -> conversation, for every message of the archive. */
static json_t *threads_of(const char *db)
{
	char *out = NULL, *p;
	json_t *by = json_object();

	assert_int_equal(run_cmd(&out, NULL, "%s search --json --limit 0 --archive '%s' type:email",
				 trawl_bin(), db), 0);
	for (p = out; *p;) {
		char *nl = strchr(p, '\n');
		json_t *h;
		const char *mid;

		if (nl)
			*nl = '\0';
		if (*p) {
			h = parse_json(p);
			mid = json_string_value(json_object_get(h, "message_id"));
			if (mid && json_object_get(h, "thread"))
				json_object_set(by, mid, json_object_get(h, "thread"));
			json_decref(h);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	free(out);
	return by;
}

/* Check In-Reply-To pairs; returns the number of pairs checked. */
static long check_pairs(json_t *by, msg *m, size_t n)
{
	long pairs = 0, bad = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char mid[512], irt[512];
		json_t *a, *b;

		if (!first_id(m[i].mid, mid, sizeof(mid)) || !first_id(m[i].irt, irt, sizeof(irt)))
			continue;
		b = json_object_get(by, irt);
		if (!b)
			continue; /* the parent is not in the archive */
		a = json_object_get(by, mid);
		if (!a)
			fail_msg("message <%s> is not in the archive", mid);
		pairs++;
		if (json_integer_value(a) != json_integer_value(b)) {
			if (bad++ < 5)
				fprintf(stderr, "<%s> replies to <%s> but is in another conversation\n", mid, irt);
		}
	}
	if (bad)
		fail_msg("%ld of %ld replies are not in their parent's conversation", bad, pairs);
	return pairs;
}

static json_t *month_counts(const char *db, const char *query, long long *undated)
{
	char *out = NULL, *p;
	json_t *m = json_object();

	assert_int_equal(run_cmd(&out, NULL, "%s timeline --by month --json --archive '%s' -- '%s'",
				 trawl_bin(), db, query), 0);
	for (p = out; *p;) {
		char *nl = strchr(p, '\n');
		json_t *h;

		if (nl)
			*nl = '\0';
		if (*p) {
			h = parse_json(p);
			if (json_object_get(h, "period")) {
				if (json_integer_value(json_object_get(h, "count")))
					json_object_set(m, json_string_value(json_object_get(h, "period")),
							json_object_get(h, "count"));
			} else {
				*undated = json_integer_value(json_object_get(h, "undated"));
			}
			json_decref(h);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	free(out);
	return m;
}

static double now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

/* ---------------------------------------------------------------- Enron */

/* One message gives an SMTP address and the X.500 DN of the same mailbox:
 * count it in *checked, and in *bad when they are not in one person (pm:
 * address -> person id).  Both are lowercased in place; the address is
 * trimmed. */
static void check_pair(json_t *pm, char *smtp, char *dn, long *checked, long *bad)
{
	json_t *a, *b;
	char *c;

	for (c = dn; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (c = smtp; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	while (*smtp && isspace((unsigned char)smtp[strlen(smtp) - 1]))
		smtp[strlen(smtp) - 1] = '\0';
	if (strstr(smtp, "no.address@"))
		return; /* a placeholder many people share */
	a = json_object_get(pm, smtp);
	b = json_object_get(pm, dn);
	(*checked)++;
	if (!a || !b || json_integer_value(a) != json_integer_value(b)) {
		if ((*bad)++ < 5)
			fprintf(stderr, "%s and %s are not one person\n", smtp, dn);
	}
}

static void test_enron(void **state)
{
	char src[600], dir[600], db[600], *list = NULL, *p, *out = NULL;
	msg *m;
	size_t n = 0, cap = 30000, i;
	json_t *by, *months, *want, *people, *pm;
	long long undated = 0, unparsed = 0;
	long pairs, x500 = 0, x500_bad = 0;
	const char *key;
	json_t *v;
	double t0;

	snprintf(src, sizeof(src), "%s/enron-maildir/enron-maildir-shared.tar.zst",
		 ct_corpora ? ct_corpora : "../shared/corpora");
	NEED(src);
	want = json_object();
	snprintf(dir, sizeof(dir), "%s/enron", tmpdir());
	snprintf(db, sizeof(db), "%s/enron.db", tmpdir());
	if (run_cmd(NULL, NULL, "mkdir -p '%s' && zstd -dc '%s' | tar -x -C '%s'", dir, src, dir) != 0) {
		printf("SKIP: cannot unpack %s (zstd and tar needed)\n", src);
		skip();
	}
	assert_int_equal(run_cmd(NULL, NULL, "%s ingest --label enron --archive '%s' '%s'", trawl_bin(), db, dir), 0);
	/* Read every file's headers. */
	m = calloc(cap, sizeof(*m));
	assert_non_null(m);
	assert_int_equal(run_cmd(&list, NULL, "find '%s' -type f | sort", dir), 0);
	for (p = list; *p && n < cap;) {
		char *nl = strchr(p, '\n'), *text;
		size_t len;

		if (nl)
			*nl = '\0';
		text = slurp_file(p, &len);
		assert_non_null(text);
		read_headers(text, len, &m[n++]);
		free(text);
		if (!nl)
			break;
		p = nl + 1;
	}
	free(list);
	assert_int_equal(n, 26738);
	/* Conversations. */
	by = threads_of(db);
	pairs = check_pairs(by, m, n);
	printf("enron: %ld In-Reply-To pairs within the archive, all in one conversation\n", pairs);
	json_decref(by);
	/* Timeline per month against the Date headers. */
	for (i = 0; i < n; i++) {
		char mo[16];

		if (!m[i].date[0] || !month_of(m[i].date, mo, sizeof(mo))) {
			unparsed++;
			continue;
		}
		json_object_set_new(want, mo, json_integer(json_integer_value(json_object_get(want, mo)) + 1));
	}
	months = month_counts(db, "", &undated);
	assert_int_equal(undated, unparsed);
	json_object_foreach(want, key, v)
		if (json_integer_value(json_object_get(months, key)) != json_integer_value(v))
			fail_msg("%s: trawl counts %lld, the Date headers %lld", key,
				 (long long)json_integer_value(json_object_get(months, key)),
				 (long long)json_integer_value(v));
	assert_int_equal(json_object_size(months), json_object_size(want));
	printf("enron: %zu months agree with the Date headers (%lld undated)\n", json_object_size(want), undated);
	json_decref(months);
	json_decref(want);
	/* X-From gives the sender's X.500 DN: both are one person. */
	assert_int_equal(run_cmd(&out, NULL, "%s people --json --limit 0 --archive '%s'", trawl_bin(), db), 0);
	pm = json_object();
	people = json_array();
	for (p = out; *p;) {
		char *nl = strchr(p, '\n');
		json_t *h, *a;
		size_t k;

		if (nl)
			*nl = '\0';
		if (*p) {
			h = parse_json(p);
			json_array_foreach(json_object_get(h, "addresses"), k, a)
				json_object_set(pm, json_string_value(json_object_get(a, "address")),
						json_object_get(h, "id"));
			json_decref(h);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	free(out);
	json_decref(people);
	for (i = 0; i < n; i++) {
		char dn[512], smtp[512], *lt, *gt;

		lt = strstr(m[i].xfrom, "</O=");
		gt = lt ? strchr(lt, '>') : NULL;
		if (!gt || strchr(m[i].from, ',') || !strchr(m[i].from, '@'))
			continue;
		snprintf(dn, sizeof(dn), "%.*s", (int)(gt - lt - 1), lt + 1);
		/* "legal <.hall@enron.com>": the address in brackets. */
		{
			const char *a1 = strchr(m[i].from, '<'), *a2 = a1 ? strchr(a1, '>') : NULL;

			if (a1 && a2)
				snprintf(smtp, sizeof(smtp), "%.*s", (int)(a2 - a1 - 1), a1 + 1);
			else
				snprintf(smtp, sizeof(smtp), "%s", m[i].from);
		}
		check_pair(pm, smtp, dn, &x500, &x500_bad);
	}
	printf("enron: %ld messages give an SMTP sender and its X.500 DN; %ld not grouped\n", x500, x500_bad);
	assert_true(x500 > 1000);
	assert_int_equal(x500_bad, 0);
	/* The same for a single recipient: To has one address, X-To one DN. */
	x500 = x500_bad = 0;
	for (i = 0; i < n; i++) {
		char dn[512], smtp[sizeof(m->to)], *lt, *gt, *c;

		lt = strstr(m[i].xto, "</O=");
		gt = lt ? strchr(lt, '>') : NULL;
		if (!gt || strchr(gt, '<') || strchr(m[i].xto, '<') != lt || strchr(m[i].to, ',') ||
		    !strchr(m[i].to, '@') || strchr(m[i].to, '<'))
			continue;
		/* One entry: "Last, First <dn>" has one comma at most before it
		 * ("Outlook Migration Team, Buy, Rick <dn>" is two entries). */
		{
			int commas = 0;

			for (c = m[i].xto; c < lt; c++)
				commas += *c == ',';
			if (commas > 1)
				continue;
		}
		snprintf(dn, sizeof(dn), "%.*s", (int)(gt - lt - 1), lt + 1);
		snprintf(smtp, sizeof(smtp), "%s", m[i].to);
		check_pair(pm, smtp, dn, &x500, &x500_bad);
	}
	printf("enron: %ld messages give one recipient and its X.500 DN; %ld not grouped\n", x500, x500_bad);
	assert_true(x500 > 1000);
	assert_int_equal(x500_bad, 0);
	json_decref(pm);
	/* Speed of facets and timeline over the whole portion (one process
	 * each, so the figure includes starting trawl). */
	t0 = now_ms();
	assert_int_equal(run_cmd(NULL, NULL, "%s search --count --facets --archive '%s' label:enron", trawl_bin(), db), 0);
	printf("enron: search --count --facets label:enron took %.0f ms\n", now_ms() - t0);
	assert_true(now_ms() - t0 < 5000);
	t0 = now_ms();
	assert_int_equal(run_cmd(NULL, NULL, "%s timeline --by month --archive '%s' label:enron", trawl_bin(), db), 0);
	printf("enron: timeline --by month label:enron took %.0f ms\n", now_ms() - t0);
	assert_true(now_ms() - t0 < 5000);
	free(m);
}

/* ---------------------------------------------------------------- mailing list */

static void test_mailing_list(void **state)
{
	char dir[600], db[600], *list = NULL, *p;
	msg *m;
	size_t n = 0, cap = 20000;
	json_t *by;
	long pairs;

	snprintf(dir, sizeof(dir), "%s/mailing-list-mbox/python-dev",
		 ct_corpora ? ct_corpora : "../shared/corpora");
	NEED(dir);
	snprintf(db, sizeof(db), "%s/list.db", tmpdir());
	assert_int_equal(run_cmd(NULL, NULL, "%s ingest --archive '%s' '%s'", trawl_bin(), db, dir), 0);
	m = calloc(cap, sizeof(*m));
	assert_non_null(m);
	assert_int_equal(run_cmd(&list, NULL, "ls '%s'/*.txt", dir), 0);
	for (p = list; *p;) {
		char *nl = strchr(p, '\n'), *text, *q, *end;
		size_t len;

		if (nl)
			*nl = '\0';
		text = slurp_file(p, &len);
		assert_non_null(text);
		/* Messages start after lines "From " at the start of a line. */
		end = text + len;
		for (q = text; q < end && n < cap;) {
			char *next;

			if (strncmp(q, "From ", 5)) {
				q = strchr(q, '\n');
				if (!q)
					break;
				q++;
				continue;
			}
			q = strchr(q, '\n');
			if (!q)
				break;
			q++;
			read_headers(q, (size_t)(end - q), &m[n++]);
			for (next = q; (next = strstr(next, "\nFrom ")); next++)
				break;
			q = next ? next + 1 : end;
		}
		free(text);
		if (!nl)
			break;
		p = nl + 1;
	}
	free(list);
	assert_true(n > 4000);
	by = threads_of(db);
	pairs = check_pairs(by, m, n);
	printf("python-dev: %zu messages, %ld In-Reply-To pairs within the archive, all in one conversation\n",
	       n, pairs);
	assert_true(pairs > 1000);
	json_decref(by);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailing_list),
		cmocka_unit_test(test_enron),
	};

	return cmocka_run_group_tests(tests, corpus_setup, corpus_teardown);
}
