/*
 * cmd_verify.c - `trawl verify`: re-hash the originals on disk and report
 * files that changed or went missing since ingest; with --dkim, verify the
 * DKIM signatures of messages (offline, from a file of archived DNS keys)
 * and record the results for dkim: queries.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct out {
	int json;
	int64_t n, ok, changed, missing, unreadable;
	int64_t pass, fail, nokey, none;
};

static int on_check(const trawl_check *c, void *ud)
{
	struct out *o = ud;

	o->n++;
	if (!strcmp(c->status, "ok"))
		o->ok++;
	else if (!strcmp(c->status, "changed"))
		o->changed++;
	else if (!strcmp(c->status, "missing"))
		o->missing++;
	else
		o->unreadable++;
	if (o->json) {
		json_t *j = json_pack("{s:I, s:s, s:s, s:o, s:o, s:I}", "id", (json_int_t)c->id, "path",
				      c->path, "status", c->status, "expected", tj_str(c->expected),
				      "actual", tj_str(c->actual), "size", (json_int_t)c->size);

		cli_json_print(j, stdout);
		json_decref(j);
	} else if (strcmp(c->status, "ok") != 0) {
		char *p = cli_snippet(c->path, 0);

		printf("%-10s id:%-8lld %s\n", c->status, (long long)c->id, p);
		free(p);
	}
	return 0;
}

static int on_dkim(const trawl_dkim_result *r, void *ud)
{
	struct out *o = ud;

	o->n++;
	if (!strcmp(r->result, "pass"))
		o->pass++;
	else if (!strcmp(r->result, "fail"))
		o->fail++;
	else if (!strcmp(r->result, "nokey"))
		o->nokey++;
	else
		o->none++;
	if (o->json) {
		json_t *j = json_object(), *a = json_array();
		size_t i;

		json_object_set_new(j, "id", json_integer(r->id));
		json_object_set_new(j, "path", tj_str(r->path));
		json_object_set_new(j, "message_id", tj_str(r->message_id));
		json_object_set_new(j, "dkim", json_string(r->result));
		json_object_set_new(j, "reason", tj_str(r->reason));
		json_object_set_new(j, "weak", json_boolean(r->weak));
		for (i = 0; i < r->nsigs; i++)
			json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:b}",
							   "domain", tj_str(r->sigs[i].domain),
							   "selector", tj_str(r->sigs[i].selector),
							   "algorithm", tj_str(r->sigs[i].algorithm),
							   "canonicalization", tj_str(r->sigs[i].canon),
							   "result", r->sigs[i].result,
							   "reason", tj_str(r->sigs[i].reason),
							   "weak", r->sigs[i].weak));
		json_object_set_new(j, "signatures", a);
		cli_json_print(j, stdout);
		json_decref(j);
	} else {
		char *reason = cli_snippet(r->reason ? r->reason : "", 0);
		char *path = cli_snippet(r->path ? r->path : "", 0);

		printf("id:%-8lld %-6s%s %s\n         %s\n", (long long)r->id, r->result,
		       r->weak ? " (weak: l=)" : "", reason, path);
		free(reason);
		free(path);
	}
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: trawl verify [OPTIONS] [QUERY...]\n\n"
	      "Without --dkim: hash the original files again and report those that changed or\n"
	      "went missing since they were ingested (QUERY limits it to the files behind the\n"
	      "matching items).  Exit status 1 when any did.\n\n"
	      "With --dkim: verify the DKIM signatures (rsa-sha256, ed25519-sha256; simple and\n"
	      "relaxed) of the messages matching QUERY on their exact original bytes, and\n"
	      "record the results for the dkim: query field.  Each message is pass, fail (body\n"
	      "hash or signature), nokey, or none (unsigned), with the reason; l= is flagged\n"
	      "as weak.\n\n"
	      "  -a, --archive FILE  archive to check\n"
	      "      --dkim          verify DKIM signatures\n"
	      "  -k, --keys FILE     DNS TXT records of the keys, as archived:\n"
	      "                        sel._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=...\"\n"
	      "      --dns           also look keys up in live DNS (off unless asked: today's\n"
	      "                      keys are not the keys of the time)\n"
	      "      --no-store      do not record the results (read-only)\n"
	      "      --json          one JSON object per file or message (with --dkim: id,\n"
	      "                      path, message_id, dkim, reason, weak, signatures)\n"
	      "  -h, --help          this help\n\n"
	      "Exit status: 0 ok, 1 failure or changed/missing originals, 2 usage or query error.\n",
	      f);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"dkim", no_argument, NULL, 'D'},
		{"keys", required_argument, NULL, 'k'},    {"dns", no_argument, NULL, 'N'},
		{"no-store", no_argument, NULL, 'S'},      {"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *archive = NULL;
	trawl_dkim_opts dopts;
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_status st;
	struct out o;
	int dkim = 0, c, rc = EXIT_OK;
	char *query;

	memset(&dopts, 0, sizeof(dopts));
	memset(&o, 0, sizeof(o));
	dopts.store = 1;
	while ((c = getopt_long(argc, argv, "a:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'D': dkim = 1; break;
		case 'k': dopts.keys_file = optarg; break;
		case 'N': dopts.dns = 1; break;
		case 'S': dopts.store = 0; break;
		case 'J': o.json = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!dkim && (dopts.keys_file || dopts.dns)) {
		cli_error("--keys and --dns go with --dkim");
		return EXIT_USAGE;
	}
	rc = cli_query_open(argc, argv, optind, archive, dkim && dopts.store ? 0 : TRAWL_OPEN_READONLY, &query, &ar, &err);
	if (rc)
		return rc;
	if (dkim)
		st = trawl_verify_dkim(ar, query, &dopts, on_dkim, &o, &err);
	else
		st = trawl_verify_originals(ar, query, on_check, &o, &err);
	if (st == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (st == TRAWL_ENOTFOUND) {
		cli_error("%s", trawl_archive_errmsg(ar));
		rc = EXIT_NOTFOUND;
	} else if (st != TRAWL_OK) {
		cli_error("verify failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	} else if (dkim) {
		if (!o.json)
			fprintf(stderr, "dkim: %lld messages: %lld pass, %lld fail, %lld nokey, %lld unsigned\n",
				(long long)o.n, (long long)o.pass, (long long)o.fail, (long long)o.nokey,
				(long long)o.none);
	} else {
		if (!o.json)
			fprintf(stderr, "verify: %lld originals: %lld ok, %lld changed, %lld missing, %lld unreadable\n",
				(long long)o.n, (long long)o.ok, (long long)o.changed, (long long)o.missing,
				(long long)o.unreadable);
		if (o.changed || o.missing || o.unreadable)
			rc = EXIT_FAIL;
	}
	trawl_archive_close(ar);
	free(query);
	return rc;
}
