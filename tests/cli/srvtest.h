/*
 * srvtest.h - helpers for tests that run `trawl serve`: start it on a free
 * loopback port, speak HTTP/1.0 to it over a plain socket, stop it.
 *
 * The client is deliberately tiny (one request per connection, read to
 * EOF) so that the tests need nothing beyond libc; it is not a general
 * HTTP client.  The server's exit status is checked when it stops, so a
 * sanitizer report at shutdown (leak, use after free) fails the test.
 */
#ifndef SRVTEST_H
#define SRVTEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "clitest.h"

typedef struct srv {
	pid_t pid;
	int port;
	int out;            /* read end of the server's stdout */
	char banner[4096];  /* what it printed at start */
	char token[160];    /* "token: ..." line, when printed */
} srv;

/* Start `trawl serve ARGS`; returns 0 once it prints its URL. */
static inline int srv_start(srv *s, const char *args)
{
	int fds[2];
	size_t len = 0;
	char *p;
	int waited = 0;

	memset(s, 0, sizeof(*s));
	if (pipe(fds) != 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		char cmd[4096];

		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		snprintf(cmd, sizeof(cmd), "exec %s serve %s", trawl_bin(), args);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	s->out = fds[0];
	/* The first line carries the URL; lines printed with it (token) come
	 * in the same write, so read until a short quiet spell after it. */
	while (len + 1 < sizeof(s->banner)) {
		struct pollfd pf = {s->out, POLLIN, 0};
		int got_line = memchr(s->banner, '\n', len) != NULL;
		int r = poll(&pf, 1, got_line ? 300 : 1000);
		ssize_t k;

		if (r == 0) {
			if (got_line)
				break;
			if (++waited > 60)
				return -1;
			continue;
		}
		k = read(s->out, s->banner + len, sizeof(s->banner) - 1 - len);
		if (k <= 0)
			break;
		len += (size_t)k;
		s->banner[len] = '\0';
	}
	p = strstr(s->banner, "http://");
	if (!p)
		return -1;
	p = strstr(p + 7, "]:") ? strstr(p + 7, "]:") + 1 : strchr(p + 7, ':');
	if (!p)
		return -1;
	s->port = (int)strtol(p + 1, NULL, 10);
	p = strstr(s->banner, "token: ");
	if (p) {
		size_t n = strcspn(p + 7, "\n");

		snprintf(s->token, sizeof(s->token), "%.*s", (int)n, p + 7);
	}
	return s->port > 0 ? 0 : -1;
}

/* Stop with SIGTERM; returns the exit status (128+signal if killed). */
static inline int srv_stop(srv *s)
{
	int st = 0, i;

	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	for (i = 0; i < 300; i++) {
		pid_t r = waitpid(s->pid, &st, WNOHANG);

		if (r == s->pid)
			break;
		usleep(100000);
	}
	if (i == 300) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &st, 0);
	}
	close(s->out);
	s->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

typedef struct resp {
	int status;
	char *head;  /* status line and headers, NUL-terminated */
	char *body;  /* NUL-terminated (binary bodies: use body_len) */
	size_t body_len;
} resp;

static inline void resp_free(resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* One HTTP/1.0 request.  `headers` are extra "Name: value\r\n" lines (may
 * be NULL); `body` may be NULL.  Returns 0 when a response came back. */
static inline int http_req(resp *out, int port, const char *method, const char *path,
			   const char *headers, const char *body, size_t body_len)
{
	struct sockaddr_in a;
	struct timeval tv = {60, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t cap = 65536, len = 0, hl;
	char *buf, *sep, *req;
	size_t reqcap;
	int n;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	reqcap = strlen(path) + (headers ? strlen(headers) : 0) + 256;
	req = malloc(reqcap);
	n = snprintf(req, reqcap, "%s %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n%s", method, path, port,
		     headers ? headers : "");
	if (body)
		n += snprintf(req + n, reqcap - (size_t)n, "Content-Length: %zu\r\n", body_len);
	n += snprintf(req + n, reqcap - (size_t)n, "\r\n");
	if (write(fd, req, (size_t)n) != n) {
		free(req);
		close(fd);
		return -1;
	}
	free(req);
	if (body && body_len) {
		size_t off = 0;

		while (off < body_len) {
			ssize_t k = write(fd, body + off, body_len - off);

			if (k <= 0)
				break; /* the server may refuse early; read its answer */
			off += (size_t)k;
		}
	}
	buf = malloc(cap);
	for (;;) {
		ssize_t k;

		if (cap - len < 65536) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		k = read(fd, buf + len, cap - len - 1);
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	if (!sep || strncmp(buf, "HTTP/1.", 7) != 0) {
		free(buf);
		return -1;
	}
	hl = (size_t)(sep - buf);
	out->head = strndup(buf, hl);
	out->body_len = len - hl - 4;
	out->body = malloc(out->body_len + 1);
	memcpy(out->body, sep + 4, out->body_len);
	out->body[out->body_len] = '\0';
	out->status = (int)strtol(buf + 9, NULL, 10);
	free(buf);
	return 0;
}

static inline resp http_get(int port, const char *path, const char *headers)
{
	resp r;

	if (http_req(&r, port, "GET", path, headers, NULL, 0) != 0)
		fail_msg("GET %s: no HTTP response", path);
	return r;
}

/* Value of a response header (case-insensitive name) copied into buf;
 * NULL when absent. */
static inline const char *hdr(const resp *r, const char *name, char *buf, size_t n)
{
	const char *p = r->head;
	size_t nl = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(buf, n, "%.*s", (int)(e ? (size_t)(e - v) : strlen(v)), v);
			return buf;
		}
	}
	return NULL;
}

/* Percent-encode a query value. */
static inline void urlenc(const char *s, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

#endif
