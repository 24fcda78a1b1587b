/*
 * cmd_export.c - `trawl export QUERY`: write what a query selects in a form
 * others can load and check (JSON lines, CSV, mbox, .eml files, a zip with
 * a manifest, or a Concordance load file), optionally with findings masked.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: trawl export [OPTIONS] -o OUT QUERY...\n\n"
	      "Export the contents matching QUERY (one item per distinct content, oldest\n"
	      "first).  Nothing is ever written over: OUT must not exist.\n\n"
	      "  -a, --archive FILE    archive to read\n"
	      "  -f, --format FMT      jsonl (default): one object per item, with text\n"
	      "                        csv: one row per item (metadata)\n"
	      "                        mbox: the messages as an mboxrd file\n"
	      "                        eml: folder OUT with ID.eml per message, ID.txt texts\n"
	      "                        zip: originals (natives/), texts (text/), manifest.csv\n"
	      "                          (id, family path, custodian, SHA-256, MD5, size,\n"
	      "                          dates) and SHA256SUMS: unzip and run sha256sum -c\n"
	      "                        concordance: folder OUT with export.dat (BEGDOC,\n"
	      "                          ENDDOC, BEGATTACH, ENDATTACH, CUSTODIAN, MD5HASH,\n"
	      "                          NATIVEPATH, TEXTPATH, ...), NATIVES/, TEXT/\n"
	      "  -o, --output OUT      file or folder to create ('-' for standard output with\n"
	      "                        jsonl, csv and mbox)\n"
	      "      --redact TYPES    mask findings of these types (ssn,card,iban,phone,email,\n"
	      "                        password,key,dob,ip or all) in texts and messages;\n"
	      "                        messages become headers plus the masked text, other\n"
	      "                        originals are left out; redactions.csv logs each mask\n"
	      "      --min-confidence X  only mask findings at or above X (default 0)\n"
	      "      --no-text         jsonl: leave the text out\n"
	      "      --prefix P        concordance control numbers (default TRAWL)\n"
	      "      --json            print the summary as JSON\n"
	      "  -h, --help            this help\n\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or query error.\n",
	      f);
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'}, {"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},  {"redact", required_argument, NULL, 'r'},
		{"min-confidence", required_argument, NULL, 'm'},
		{"no-text", no_argument, NULL, 'T'},       {"prefix", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'J'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const struct {
		const char *name;
		trawl_export_format f;
	} formats[] = {
		{"jsonl", TRAWL_EXPORT_JSONL}, {"csv", TRAWL_EXPORT_CSV},
		{"mbox", TRAWL_EXPORT_MBOX},   {"eml", TRAWL_EXPORT_EML},
		{"zip", TRAWL_EXPORT_ZIP},     {"concordance", TRAWL_EXPORT_CONCORDANCE},
		{"dat", TRAWL_EXPORT_CONCORDANCE},
	};
	const char *archive = NULL;
	trawl_export_opts opts;
	trawl_export_stats st;
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_status s;
	int json = 0, c, rc = EXIT_OK;
	size_t i;
	char *query, *e;

	memset(&opts, 0, sizeof(opts));
	while ((c = getopt_long(argc, argv, "a:f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'f':
			for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
				if (!strcmp(optarg, formats[i].name))
					break;
			if (i == sizeof(formats) / sizeof(formats[0])) {
				cli_error("--format takes jsonl, csv, mbox, eml, zip or concordance, not '%s'", optarg);
				return EXIT_USAGE;
			}
			opts.format = formats[i].f;
			break;
		case 'o': opts.out = optarg; break;
		case 'r': opts.redact = optarg; break;
		case 'm':
			opts.redact_min_confidence = strtod(optarg, &e);
			if (*e || e == optarg || opts.redact_min_confidence < 0 || opts.redact_min_confidence > 1) {
				cli_error("--min-confidence needs a number from 0 to 1, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'T': opts.no_text = 1; break;
		case 'p': opts.prefix = optarg; break;
		case 'J': json = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!opts.out) {
		cli_error("export needs --output OUT (a new file or folder, or '-')");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(opts.out, "-") && isatty(STDOUT_FILENO) && opts.format == TRAWL_EXPORT_MBOX)
		cli_error("note: writing an mbox to a terminal; redirect to a file");
	rc = cli_query_open(argc, argv, optind, archive, TRAWL_OPEN_READONLY, &query, &ar, &err);
	if (rc)
		return rc;
	s = trawl_export(ar, query, &opts, &st, &err);
	if (s == TRAWL_ESYNTAX) {
		cli_syntax_error(query, &err);
		rc = EXIT_USAGE;
	} else if (s == TRAWL_EINVAL) {
		cli_error("%s", trawl_archive_errmsg(ar));
		rc = EXIT_USAGE;
	} else if (s != TRAWL_OK) {
		cli_error("export failed: %s", trawl_archive_errmsg(ar));
		rc = EXIT_FAIL;
	}
	if (s == TRAWL_OK) {
		if (json) {
			json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s}", "items", (json_int_t)st.items,
					      "skipped", (json_int_t)st.skipped, "errors", (json_int_t)st.errors,
					      "redactions", (json_int_t)st.redactions, "bytes",
					      (json_int_t)st.bytes, "manifest_sha256", st.manifest_sha256);

			/* The summary goes where the export does not. */
			cli_json_print(o, strcmp(opts.out, "-") ? stdout : stderr);
			json_decref(o);
		} else {
			fprintf(stderr, "export: %lld items written", (long long)st.items);
			if (st.skipped)
				fprintf(stderr, ", %lld skipped (not messages)", (long long)st.skipped);
			if (st.errors)
				fprintf(stderr, ", %lld originals unreadable", (long long)st.errors);
			if (opts.redact)
				fprintf(stderr, ", %lld values masked", (long long)st.redactions);
			fputc('\n', stderr);
			if (st.manifest_sha256[0])
				fprintf(stderr, "manifest.csv sha256 %s\n", st.manifest_sha256);
		}
	}
	trawl_archive_close(ar);
	free(query);
	return rc;
}
