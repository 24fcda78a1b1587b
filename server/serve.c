/*
 * serve.c - `trawl serve`: the web interface and JSON API over an archive.
 *
 * This file owns the process side of the server: options, the listening
 * address, the access token, the archive handles and the lifetime of the
 * libmicrohttpd daemon.  Requests themselves are handled in http.c (policy:
 * headers, limits, authentication, dispatch) and the route handlers
 * (routes.c and routes_*.c, one handler per route, one table).
 *
 * Threads: libmicrohttpd runs a few threads, each polling its share of the
 * connections; requests that need the archive run on a separate pool
 * (pool.c, --threads), so a slow query never holds up other connections.
 * SQLite connections are not shared between threads here, so each thread
 * opens its own read-only archive handle the first time it needs one and
 * closes it when the thread ends (a pthread key destructor).  One writable handle, opened at start, applies pending
 * schema migrations and is the only way reporter data (tags, notes) is
 * written; a mutex serialises its use.  Evidence is never written.
 *
 * Access: the default address is 127.0.0.1.  Any other listening address
 * needs an access token, from --token, $TRAWL_TOKEN or generated from
 * getrandom() and printed once.  Peers on loopback (127.0.0.0/8, ::1) are
 * trusted unless --require-token says every peer must present it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../cli/cli.h"
#include "cache.h"
#include "mailhtml.h"
#include "pool.h"
#include "server.h"

srv_config srv_cfg;

static pthread_key_t reader_key;
static pthread_mutex_t writer_mu = PTHREAD_MUTEX_INITIALIZER;
static trawl_archive *writer;

/* ---------------------------------------------------------------- handles */

static void reader_close(void *p)
{
	trawl_archive_close(p);
}

trawl_archive *srv_archive(const char **why)
{
	trawl_archive *ar = pthread_getspecific(reader_key);
	trawl_status st;

	if (ar)
		return ar;
	st = trawl_archive_open(srv_cfg.archive_path, TRAWL_OPEN_READONLY, &ar);
	if (st != TRAWL_OK) {
		static __thread char msg[512];

		snprintf(msg, sizeof(msg), "%s", trawl_archive_errmsg(ar));
		trawl_archive_close(ar);
		*why = msg;
		return NULL;
	}
	if (pthread_setspecific(reader_key, ar) != 0) {
		trawl_archive_close(ar);
		*why = "out of memory";
		return NULL;
	}
	return ar;
}

trawl_archive *srv_writer_lock(void)
{
	pthread_mutex_lock(&writer_mu);
	if (!writer) {
		pthread_mutex_unlock(&writer_mu);
		return NULL;
	}
	return writer;
}

void srv_writer_unlock(void)
{
	pthread_mutex_unlock(&writer_mu);
}

/* ---------------------------------------------------------------- address */

/* Parse ADDR:PORT, [V6]:PORT, :PORT or PORT into `ss`. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[128] = "127.0.0.1";
	const char *port = s, *colon;
	char *end;
	long p;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		port = close + 2;
	} else if ((colon = strrchr(s, ':')) != NULL) {
		if ((size_t)(colon - s) >= sizeof(host))
			return -1;
		if (colon > s) {
			memcpy(host, s, (size_t)(colon - s));
			host[colon - s] = '\0';
		}
		port = colon + 1;
	}
	errno = 0;
	p = strtol(port, &end, 10);
	if (!*port || *end || errno || p < 0 || p > 65535)
		return -1;
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	{
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
			a4->sin_family = AF_INET;
			a4->sin_port = htons((uint16_t)p);
			*sl = sizeof(*a4);
			return 0;
		}
		memset(ss, 0, sizeof(*ss));
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
			a6->sin6_family = AF_INET6;
			a6->sin6_port = htons((uint16_t)p);
			*sl = sizeof(*a6);
			return 0;
		}
	}
	return -1;
}

static int addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		const uint8_t *b = a->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			return 1;
		/* 127.0.0.0/8 reaching a dual-stack socket as ::ffff:127.x.y.z */
		return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && b[12] == 127;
	}
	return 0;
}

int srv_peer_is_loopback(const struct sockaddr *sa)
{
	return sa && addr_is_loopback(sa);
}

static const char *addr_text(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	char h[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, h, sizeof(h));
		snprintf(buf, n, "[%s]", h);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, h, sizeof(h));
		snprintf(buf, n, "%s", h);
	}
	return buf;
}

/* ---------------------------------------------------------------- token */

static int make_token(char *out, size_t n)
{
	unsigned char raw[32];
	size_t got = 0, i;

	while (got < sizeof(raw)) {
		ssize_t k = getrandom(raw + got, sizeof(raw) - got, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)k;
	}
	if (n < 2 * sizeof(raw) + 1)
		return -1;
	for (i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

static int token_acceptable(const char *t)
{
	size_t n = strlen(t), i;

	if (n < 16 || n >= sizeof(srv_cfg.token))
		return 0;
	for (i = 0; i < n; i++)
		if (t[i] <= ' ' || t[i] >= 127 || t[i] == ';' || t[i] == ',' || t[i] == '"')
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- command */

static void usage(FILE *f)
{
	fputs("usage: trawl serve [OPTIONS]\n\n"
	      "Serve the web interface and the JSON API (docs/api.md) over an archive.\n"
	      "Evidence is read-only; tags and notes are writable.\n\n"
	      "  -a, --archive FILE     archive to serve\n"
	      "  -l, --listen ADDR:PORT address to listen on (default 127.0.0.1:8080;\n"
	      "                         [::1]:8080 for IPv6; port 0 picks a free port)\n"
	      "      --token TOKEN      access token (16 to 128 printable characters);\n"
	      "                         $TRAWL_TOKEN is read too and is not visible in ps\n"
	      "      --require-token    ask every client for the token, loopback included\n"
	      "                         (for machines shared with other users)\n"
	      "  -j, --threads N        threads running queries (default: 4 per core, at least 8)\n"
	      "      --cache-ms N       serve repeated searches from memory for N ms\n"
	      "                         (default 2000; 0 = off); writes through this\n"
	      "                         server empty the cache at once\n"
	      "  -h, --help             this help\n\n"
	      "Listening on an address other than loopback (127.0.0.0/8, ::1) needs a token:\n"
	      "without --token one is generated and printed once.  Clients send it as\n"
	      "'Authorization: Bearer TOKEN', or sign in once in the browser (a cookie).\n"
	      "Clients on loopback need no token unless --require-token is given.\n\n"
	      "The server prints its URL on the first line of standard output and runs\n"
	      "until interrupted (Ctrl-C or SIGTERM).\n\n"
	      "Exit status: 0 stopped normally, 1 failure, 2 usage.\n",
	      f);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"archive", required_argument, NULL, 'a'},
		{"listen", required_argument, NULL, 'l'},
		{"token", required_argument, NULL, 'T'},
		{"require-token", no_argument, NULL, 'R'},
		{"threads", required_argument, NULL, 'j'},
		{"cache-ms", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *archive = NULL, *listen = "127.0.0.1:8080", *token = getenv("TRAWL_TOKEN");
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	trawl_archive *probe = NULL;
	trawl_status st;
	sigset_t sigs;
	int c, sig = 0, generated = 0;
	int64_t v;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	char host[INET6_ADDRSTRLEN + 4];
	unsigned port;

	memset(&srv_cfg, 0, sizeof(srv_cfg));
	/* Threads, not cores, bound how many slow queries can hold up the
	 * others: a request waits only for its own thread. */
	srv_cfg.threads = cores > 2 ? (unsigned)cores * 4 : 8;
	/* Polling threads only move bytes and answer from the cache. */
	srv_cfg.http_threads = cores > 2 ? (unsigned)cores : 2;
	while ((c = getopt_long(argc, argv, "a:l:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': archive = optarg; break;
		case 'l': listen = optarg; break;
		case 'T': token = optarg; break;
		case 'R': srv_cfg.require_token = 1; break;
		case 'j':
			if (cli_int("--threads", optarg, &v))
				return EXIT_USAGE;
			if (v < 1 || v > 256) {
				cli_error("--threads takes 1 to 256, not %lld", (long long)v);
				return EXIT_USAGE;
			}
			srv_cfg.threads = (unsigned)v;
			break;
		case 'C':
			if (cli_int("--cache-ms", optarg, &v))
				return EXIT_USAGE;
			srv_cache_set_ms(v > 600000 ? 600000 : v);
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (parse_listen(listen, &ss, &sl) != 0) {
		cli_error("--listen takes ADDR:PORT with a numeric address (127.0.0.1:8080, [::1]:8080), not '%s'",
			  listen);
		return EXIT_USAGE;
	}
	srv_cfg.bind_loopback = addr_is_loopback((struct sockaddr *)&ss);
	if (token && *token) {
		if (!token_acceptable(token)) {
			cli_error("the token must be 16 to 128 printable characters without spaces, quotes, ',' or ';'");
			return EXIT_USAGE;
		}
		snprintf(srv_cfg.token, sizeof(srv_cfg.token), "%s", token);
	} else if (!srv_cfg.bind_loopback || srv_cfg.require_token) {
		if (make_token(srv_cfg.token, sizeof(srv_cfg.token)) != 0) {
			cli_error("cannot generate a token: getrandom failed: %s", strerror(errno));
			return EXIT_FAIL;
		}
		generated = 1;
	}
	srv_cfg.archive_path = strdup(cli_archive_path(archive));
	if (!srv_cfg.archive_path)
		return EXIT_FAIL;

	/* The writable handle migrates the schema so that the read-only
	 * handles of the workers can open it.  A read-only medium still
	 * serves, without tags and notes. */
	st = trawl_archive_open(srv_cfg.archive_path, 0, &writer);
	if (st != TRAWL_OK) {
		cli_error("%s", trawl_archive_errmsg(writer));
		trawl_archive_close(writer);
		writer = NULL;
		if (st == TRAWL_ENOTFOUND || st == TRAWL_ECORRUPT || st == TRAWL_EVERSION) {
			free(srv_cfg.archive_path);
			return EXIT_FAIL;
		}
		cli_error("serving read-only: tags and notes cannot be saved");
	} else if (!trawl_archive_writable(writer)) {
		/* The file cannot be written (permissions, read-only medium):
		 * say so now, and let the session report it, rather than fail
		 * each write. */
		cli_error("archive '%s' cannot be written: serving read-only: tags and notes cannot be saved",
			  srv_cfg.archive_path);
		trawl_archive_close(writer);
		writer = NULL;
	}
	if (trawl_archive_open(srv_cfg.archive_path, TRAWL_OPEN_READONLY, &probe) != TRAWL_OK) {
		cli_error("%s", trawl_archive_errmsg(probe));
		trawl_archive_close(probe);
		trawl_archive_close(writer);
		free(srv_cfg.archive_path);
		return EXIT_FAIL;
	}
	trawl_archive_close(probe);

	srv_mailhtml_init();
	if (pthread_key_create(&reader_key, reader_close) != 0) {
		cli_error("cannot create thread storage");
		trawl_archive_close(writer);
		free(srv_cfg.archive_path);
		return EXIT_FAIL;
	}
	/* Workers inherit this mask; the main thread alone waits for signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (srv_http_start(srv_cfg.threads) != 0) {
		cli_error("cannot start the worker threads");
		pthread_key_delete(reader_key);
		trawl_archive_close(writer);
		free(srv_cfg.archive_path);
		return EXIT_FAIL;
	}
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
				     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, srv_access, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_THREAD_POOL_SIZE, srv_cfg.http_threads,
			     MHD_OPTION_CONNECTION_LIMIT, 2000u,
			     MHD_OPTION_CONNECTION_TIMEOUT, 60u,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
			     MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
			     MHD_OPTION_URI_LOG_CALLBACK, srv_uri_log, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, srv_completed, NULL,
			     MHD_OPTION_END);
	if (!d) {
		cli_error("cannot listen on %s: %s (is the port in use?)", listen,
			  errno ? strerror(errno) : "libmicrohttpd failed to start");
		srv_pool_stop();
		pthread_key_delete(reader_key);
		trawl_archive_close(writer);
		free(srv_cfg.archive_path);
		return EXIT_FAIL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = info ? info->port : 0;
	addr_text(&ss, host, sizeof(host));
	printf("trawl: serving %s at http://%s:%u/\n", srv_cfg.archive_path, host, port);
	if (srv_cfg.token[0] && generated) {
		printf("token: %s\n", srv_cfg.token);
		printf("open:  http://%s:%u/#token=%s\n", host, port, srv_cfg.token);
	}
	if (!srv_cfg.bind_loopback)
		printf("note:  listening beyond this machine; clients off loopback need the token\n");
	fflush(stdout);

	/* Any of the three stops the server; the loop only rides out EINTR. */
	while (sigwait(&sigs, &sig) != 0)
		;
	fprintf(stderr, "trawl: stopping\n");
	/* The pool first: it answers what is queued and resumes every
	 * suspended connection, which libmicrohttpd needs before it stops.
	 * Threads end with their key destructors closing their handles. */
	srv_pool_stop();
	MHD_stop_daemon(d);
	pthread_key_delete(reader_key);
	srv_cache_free();
	pthread_mutex_lock(&writer_mu);
	trawl_archive_close(writer);
	writer = NULL;
	pthread_mutex_unlock(&writer_mu);
	free(srv_cfg.archive_path);
	return EXIT_OK;
}
