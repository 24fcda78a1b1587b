/*
 * cmd_provenance.c - `trawl provenance QUERY`: where the matching messages
 * came from, read from their original headers: the relays of the Received
 * chain, originating IPs, the mail clients, and the time zones each sender
 * wrote from.  --csv gives one row per hop for a spreadsheet; --json one
 * object per message.  Also `trawl show --provenance` (cli_show_provenance).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void zone(int tz, char *buf, size_t n)
{
	int a = tz < 0 ? -tz : tz;

	snprintf(buf, n, "%c%02d%02d", tz < 0 ? '-' : '+', a / 60, a % 60);
}

/* `key`: the time in UTC, and "zone": its original offset; both null
 * without a time. */
static void json_time(json_t *o, const char *key, int has, int64_t t, int tz)
{
	char buf[64];

	if (!has) {
		json_object_set_new(o, key, json_null());
		json_object_set_new(o, "zone", json_null());
		return;
	}
	json_object_set_new(o, key, json_string(tj_iso(t, buf, sizeof(buf))));
	zone(tz, buf, sizeof(buf));
	json_object_set_new(o, "zone", json_string(buf));
}

static json_t *prov_json(const trawl_provenance *p)
{
	json_t *o = json_object(), *hops = json_array(), *orig = json_object();
	size_t i;

	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "path", tj_str(p->path));
	json_object_set_new(o, "message_id", tj_str(p->message_id));
	json_object_set_new(o, "from", tj_str(p->from));
	json_time(o, "date", p->has_date, p->date, p->tz_offset);
	json_object_set_new(o, "mailer", tj_str(p->mailer));
	json_object_set_new(o, "dkim", tj_str(p->dkim));
	for (i = 0; i < p->norigin; i++)
		json_object_set_new(orig, p->origin[i].key, tj_str(p->origin[i].value));
	json_object_set_new(o, "originating", orig);
	for (i = 0; i < p->nhops; i++) {
		const trawl_hop *h = &p->hops[i];
		json_t *j = json_object();

		json_object_set_new(j, "hop", json_integer(h->index));
		json_object_set_new(j, "from", tj_str(h->from_host));
		json_object_set_new(j, "from_rdns", tj_str(h->from_rdns));
		json_object_set_new(j, "ip", tj_str(h->from_ip));
		json_object_set_new(j, "by", tj_str(h->by_host));
		json_object_set_new(j, "protocol", tj_str(h->protocol));
		json_object_set_new(j, "id", tj_str(h->id));
		json_object_set_new(j, "for", tj_str(h->for_addr));
		json_time(j, "time", h->has_time, h->time, h->tz_offset);
		json_object_set_new(j, "parsed", json_boolean(h->parsed));
		json_object_set_new(j, "raw", tj_str(h->raw));
		json_array_append_new(hops, j);
	}
	json_object_set_new(o, "hops", hops);
	return o;
}

static void safe(const char *s)
{
	char *c = cli_snippet(s ? s : "-", 0);

	fputs(c ? c : "", stdout);
	free(c);
}

static void print_prov(const trawl_provenance *p)
{
	char buf[64];
	size_t i;

	printf("provenance of id:%lld", (long long)p->id);
	if (p->message_id) {
		printf("  ");
		safe(p->message_id);
	}
	putchar('\n');
	if (p->date_raw) {
		printf("  date:      ");
		safe(p->date_raw);
		putchar('\n');
	}
	if (p->mailer) {
		printf("  client:    ");
		safe(p->mailer);
		putchar('\n');
	}
	for (i = 0; i < p->norigin; i++) {
		printf("  %s: ", p->origin[i].key);
		safe(p->origin[i].value);
		putchar('\n');
	}
	printf("  dkim:      %s\n", p->dkim ? p->dkim : "(not verified; see 'trawl verify --dkim')");
	printf("  %zu hop%s (first relay first):\n", p->nhops, p->nhops == 1 ? "" : "s");
	for (i = 0; i < p->nhops; i++) {
		const trawl_hop *h = &p->hops[i];

		printf("  %2d. ", h->index);
		if (!h->parsed) {
			printf("(unparsed) ");
			safe(h->raw);
			putchar('\n');
			continue;
		}
		printf("from ");
		safe(h->from_host);
		if (h->from_ip) {
			printf(" [");
			safe(h->from_ip);
			putchar(']');
		}
		printf(" by ");
		safe(h->by_host);
		if (h->protocol) {
			printf(" with ");
			safe(h->protocol);
		}
		if (h->has_time)
			printf("  %s", cli_local(h->time, h->tz_offset, buf, sizeof(buf)));
		putchar('\n');
	}
}

int cli_show_provenance(trawl_archive *ar, int64_t id, int json)
{
	trawl_provenance *p = NULL;
	trawl_status st = trawl_provenance_get(ar, id, &p);

	if (st != TRAWL_OK)
		return st;
	if (json) {
		json_t *o = prov_json(p);

		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		print_prov(p);
	}
	trawl_provenance_free(p);
	return TRAWL_OK;
}

/* ---------------------------------------------------------------- summary */

typedef struct counter {
	char **keys;
	int64_t *counts;
	size_t n, cap;
} counter;

static void count(counter *c, const char *key)
{
	size_t i;

	if (!key || !*key)
		return;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->keys[i], key)) {
			c->counts[i]++;
			return;
		}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		char **k = realloc(c->keys, cap * sizeof(*k));
		int64_t *v;

		if (!k)
			return;
		c->keys = k;
		v = realloc(c->counts, cap * sizeof(*v));
		if (!v)
			return;
		c->counts = v;
		c->cap = cap;
	}
	c->keys[c->n] = strdup(key);
	if (!c->keys[c->n])
		return;
	c->counts[c->n++] = 1;
}

static void print_top(const char *title, counter *c, int64_t limit)
{
	size_t i, k, shown = 0;

	if (!c->n)
		return;
	printf("%s\n", title);
	/* Selection of the largest, limit times: lists are short. */
	while (shown < c->n && (!limit || (int64_t)shown < limit)) {
		k = SIZE_MAX;
		for (i = 0; i < c->n; i++)
			if (c->counts[i] >= 0 && (k == SIZE_MAX || c->counts[i] > c->counts[k]))
				k = i;
		if (k == SIZE_MAX)
			break;
		printf("  %8lld  ", (long long)c->counts[k]);
		safe(c->keys[k]);
		putchar('\n');
		c->counts[k] = -1;
		shown++;
	}
}

static void counter_free(counter *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->keys[i]);
	free(c->keys);
	free(c->counts);
}

struct summary {
	int mode; /* 0 text, 1 csv, 2 json */
	int64_t messages, hops, unparsed;
	counter ips, relays, mailers, zones, origin;
};

static void csv_field(const char *s)
{
	const char *p;

	if (!s)
		return;
	putchar('"');
	for (p = s; *p; p++) {
		if (*p == '"')
			putchar('"');
		/* A leading =, +, - or @ would be a formula in a spreadsheet. */
		if (p == s && (*p == '=' || *p == '+' || *p == '-' || *p == '@'))
			putchar('\'');
		putchar((unsigned char)*p < 32 ? ' ' : *p);
	}
	putchar('"');
}

static int on_prov(const trawl_provenance *p, void *ud)
{
	struct summary *s = ud;
	char buf[64];
	size_t i;

	s->messages++;
	if (s->mode == 2) {
		json_t *o = prov_json(p);

		cli_json_print(o, stdout);
		json_decref(o);
		return 0;
	}
	for (i = 0; i < p->nhops; i++) {
		const trawl_hop *h = &p->hops[i];

		s->hops++;
		if (!h->parsed)
			s->unparsed++;
		if (s->mode == 1) {
			printf("%lld,", (long long)p->id);
			csv_field(p->message_id);
			putchar(',');
			csv_field(p->from);
			printf(",%d,", h->index);
			csv_field(h->from_host);
			putchar(',');
			csv_field(h->from_rdns);
			putchar(',');
			csv_field(h->from_ip);
			putchar(',');
			csv_field(h->by_host);
			putchar(',');
			csv_field(h->protocol);
			putchar(',');
			if (h->has_time)
				printf("%s", tj_iso(h->time, buf, sizeof(buf)));
			putchar(',');
			if (h->has_time) {
				zone(h->tz_offset, buf, sizeof(buf));
				printf("%s", buf);
			}
			printf(",%d,", h->parsed);
			csv_field(p->mailer);
			putchar(',');
			csv_field(p->norigin ? p->origin[0].value : NULL);
			putchar('\n');
		} else {
			count(&s->ips, h->from_ip);
			count(&s->relays, h->by_host);
			if (h->has_time) {
				zone(h->tz_offset, buf, sizeof(buf));
				count(&s->zones, buf);
			}
		}
	}
	if (s->mode == 1 && !p->nhops) {
		printf("%lld,", (long long)p->id);
		csv_field(p->message_id);
		putchar(',');
		csv_field(p->from);
		printf(",0,,,,,,,,0,");
		csv_field(p->mailer);
		putchar(',');
		csv_field(p->norigin ? p->origin[0].value : NULL);
		putchar('\n');
	}
	if (s->mode == 0) {
		count(&s->mailers, p->mailer);
		for (i = 0; i < p->norigin; i++)
			count(&s->origin, p->origin[i].value);
	}
	return 0;
}

struct zones {
	const char *last;
	char *lastbuf;
	int shown;
};

static int on_zone(const char *sender, int tz, int64_t n, void *ud)
{
	struct zones *z = ud;
	char buf[16];

	if (!z->shown++)
		printf("time zones of the Date header per sender:\n");
	if (!z->lastbuf || strcmp(z->lastbuf, sender ? sender : "")) {
		free(z->lastbuf);
		z->lastbuf = strdup(sender ? sender : "");
		printf("  ");
		safe(sender);
		putchar('\n');
	}
	zone(tz, buf, sizeof(buf));
	printf("      %s  %lld\n", buf, (long long)n);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: trawl provenance [OPTIONS] [QUERY...]\n\n"
	      "Where the messages matching QUERY came from, from their original headers: the\n"
	      "Received chain (relays, IPs, protocols, times and zones), X-Originating-IP and\n"
	      "similar, the mail client (X-Mailer, User-Agent), and the time zones each sender\n"
	      "wrote from.  'trawl show --provenance ID' shows one message.\n\n"
	      "  -a, --archive FILE  archive to read\n"
	      "      --csv           one row per hop: id, message_id, from, hop, from_host,\n"
	      "                      from_rdns, ip, by, protocol, time, zone, parsed, mailer,\n"
	      "                      originating_ip\n"
	      "      --json          one object per message, with its hops\n"
	      "  -n, --limit N       rows per summary table (default 15; 0 = all)\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error.\n",
	      f);
}

int cmd_provenance(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"csv", no_argument, NULL, 'C'},
		{"json", no_argument, NULL, 'J'},          {"limit", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *archive = NULL;
	struct summary s;
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_status st;
	int c, rc = EXIT_OK;
	int64_t limit = 15;
	char *query;

	memset(&s, 0, sizeof(s));
	while ((c = getopt_long(argc, argv, "a:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'C': s.mode = 1; break;
		case 'J': s.mode = 2; break;
		case 'n':
			if (cli_int("--limit", optarg, &limit))
				return EXIT_USAGE;
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	rc = cli_query_open(argc, argv, optind, archive, TRAWL_OPEN_READONLY, &query, &ar, &err);
	if (rc)
		return rc;
	if (s.mode == 1)
		printf("id,message_id,from,hop,from_host,from_rdns,ip,by,protocol,time,zone,parsed,mailer,originating_ip\n");
	st = trawl_provenance_query(ar, query, on_prov, &s, &err);
	if (st == TRAWL_OK && s.mode == 0) {
		struct zones z = {NULL, NULL, 0};

		printf("%lld messages, %lld hops (%lld unparsed)\n", (long long)s.messages,
		       (long long)s.hops, (long long)s.unparsed);
		print_top("relay IPs (the 'from' of each hop):", &s.ips, limit);
		print_top("originating IPs (X-Originating-IP and similar):", &s.origin, limit);
		print_top("receiving relays:", &s.relays, limit);
		print_top("mail clients:", &s.mailers, limit);
		print_top("zones of relay timestamps:", &s.zones, limit);
		st = trawl_sender_zones(ar, query, on_zone, &z, &err);
		free(z.lastbuf);
	}
	if (st == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (st != TRAWL_OK) {
		cli_error("provenance failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	}
	counter_free(&s.ips);
	counter_free(&s.relays);
	counter_free(&s.mailers);
	counter_free(&s.zones);
	counter_free(&s.origin);
	trawl_archive_close(ar);
	free(query);
	return rc;
}
