/*
 * util.c - what the commands share: errors, the archive to open, query
 * errors with a caret, the opening of a query command, colour, dates,
 * sizes, JSON output, snippets.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_color_mode;

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("trawl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *cli_archive_path(const char *opt)
{
	const char *env = getenv("TRAWL_ARCHIVE");

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return "trawl.db";
}

trawl_archive *cli_open(const char *opt, unsigned flags)
{
	trawl_archive *ar = NULL;
	trawl_status st = trawl_archive_open(cli_archive_path(opt), flags, &ar);

	if (st != TRAWL_OK) {
		cli_error("%s", trawl_archive_errmsg(ar));
		trawl_archive_close(ar);
		return NULL;
	}
	return ar;
}

void cli_syntax_error(const char *query, const trawl_syntax_error *err)
{
	size_t i;

	cli_error("query error: %s", err->message);
	fprintf(stderr, "  %s\n  ", query);
	for (i = 0; i < err->pos && query[i]; i++)
		fputc(query[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

char *cli_join(int argc, char **argv, int from)
{
	size_t len = 1;
	int i;
	char *s, *p;

	for (i = from; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (i = from; i < argc; i++) {
		size_t k = strlen(argv[i]);

		if (i > from)
			*p++ = ' ';
		memcpy(p, argv[i], k);
		p += k;
	}
	*p = '\0';
	return s;
}

int cli_query_open(int argc, char **argv, int from, const char *archive, unsigned flags,
		   char **query, trawl_archive **ar, trawl_syntax_error *err)
{
	*ar = NULL;
	*query = cli_join(argc, argv, from);
	if (!*query)
		return EXIT_FAIL;
	memset(err, 0, sizeof(*err));
	if (trawl_query_check(*query, err) != TRAWL_OK) {
		cli_syntax_error(*query, err);
		free(*query);
		*query = NULL;
		return EXIT_USAGE;
	}
	*ar = cli_open(archive, flags);
	if (!*ar) {
		free(*query);
		*query = NULL;
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if (cli_color_mode)
		return cli_color_mode > 0;
	if (nc && *nc)
		return 0;
	return isatty(fileno(f));
}

const char *cli_local(int64_t t, int tz, char *buf, size_t n)
{
	time_t tt = (time_t)(t + (int64_t)tz * 60);
	struct tm tm;
	char d[32];
	int a = tz < 0 ? -tz : tz;

	if (!gmtime_r(&tt, &tm)) {
		snprintf(buf, n, "?");
		return buf;
	}
	strftime(d, sizeof(d), "%Y-%m-%d %H:%M", &tm);
	snprintf(buf, n, "%s %c%02d%02d", d, tz < 0 ? '-' : '+', a / 60, a % 60);
	return buf;
}

const char *cli_size(int64_t b, char *buf, size_t n)
{
	static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%lld B", (long long)b);
	else
		snprintf(buf, n, "%.1f %s", v, units[u]);
	return buf;
}

void cli_json_print(json_t *v, FILE *f)
{
	json_dumpf(v, f, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
	fputc('\n', f);
}

int cli_int(const char *opt, const char *s, int64_t *out)
{
	char *e;
	long long v = strtoll(s, &e, 10);

	if (!*s || *e || v < 0) {
		cli_error("%s needs a non-negative whole number, not '%s'", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_item_id(const char *arg, int64_t *out)
{
	if (!strncmp(arg, "id:", 3))
		arg += 3;
	return cli_int("ID", arg, out);
}

char *cli_snippet(const char *s, int color)
{
	size_t n = s ? strlen(s) : 0, i, o = 0;
	char *out = malloc(n * 5 + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == TRAWL_HL_START[0]) {
			if (color) {
				memcpy(out + o, "\033[1m", 4);
				o += 4;
			}
		} else if (s[i] == TRAWL_HL_END[0]) {
			if (color) {
				memcpy(out + o, "\033[0m", 4);
				o += 4;
			}
		} else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
			out[o++] = ' ';
		} else if ((unsigned char)s[i] < 32 || s[i] == 127) {
			/* Control bytes from evidence never reach the terminal. */
			continue;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* Print evidence text on a terminal line: control characters become '?'. */
void cli_print_safe(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c < 32 || c == 127 ? '?' : c, f);
	}
}
