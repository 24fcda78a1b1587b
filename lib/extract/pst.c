/*
 * pst.c - Outlook PST and OST mail stores, read with libpst.
 *
 * Every item of every folder becomes a child of kind "message", named
 * "<folder path>/<n>" and located "pst:<descriptor id>", whose bytes are an
 * RFC 5322 message rebuilt from the item's MAPI fields (mailbuild.c): the
 * email extractor then parses it like any other message and recurses into
 * its attachments.  Contacts, appointments, journal entries and tasks
 * become small text messages.  The store declares how many items each
 * folder holds; the counts are reconciled with what was extracted
 * ("messages_declared", "messages_emitted") and a difference is recorded.
 *
 * libpst is not safe to run in our process on hostile files: it calls
 * exit() when an allocation fails (any corrupt length does it), raises
 * SIGSEGV on failed assertions, prints to stdout and stderr, keeps global
 * state, and has had memory-safety bugs.  So it runs in a reader process
 * with its output sent to /dev/null, that walks the store and
 * streams the raw fields of each item through a pipe; this process turns
 * them into messages (GMime is only used here), enforces the limits and the
 * time budget (killing the child when it is spent or stuck), and records a
 * crash of the child as an error after keeping every message received
 * before it.  libpst reads files only: extract() writes the bytes to a
 * private temporary file first.
 *
 * A store on disk is not extracted as one node: the walker reads it with
 * tw_pst_split_*() and hands the records of each item to an extractor
 * thread, which rebuilds the message with tw_pst_message() (see "split"
 * below).  A store inside another container, or one being located, is read
 * whole by the extractor (run_pst()).
 *
 * This file is the extractor's side: it starts the reader (pstreader.c,
 * which also says how the process is started), reads and checks its
 * records (pstreader.h) and builds the messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "extract/extract.h"
#include "extract/mailbuild.h"
#include "extract/le.h"
#include "extract/pstreader.h"

struct att {
	char *name, *mime, *cid;
	unsigned char *data;
	size_t len;
	int message;
};

/* An item (or embedded message) being received. */
struct item {
	struct item *up;       /* enclosing item of an embedded message */
	char *nested_name;     /* file name of this embedded message */
	uint64_t id;
	int type;
	char *charset;
	char *f[128];          /* string fields by tag, UTF-8 */
	unsigned char *rtf;
	size_t rtf_len;
	uint64_t sent, arrived;
	tw_buf extra;          /* rendered lines of non-mail items */
	struct att *atts;
	size_t natts;
	size_t bytes;          /* attachment bytes held */
};

struct rx {
	const trawl_limits *lim;
	tw_extract_ctx *cx;       /* whole store: the extraction, else NULL */
	tw_node *node;            /* the store's node: problems and counts go there */
	/* What to do with an item received whole. */
	void (*emit)(struct rx *r, struct item *it);
	int fd;
	pid_t pid;
	int stop;                 /* limit, expiry or protocol error */
	int stalled;              /* split: the reader said nothing for max_seconds */
	const volatile int *cancel; /* split: the run is stopping */
	char *charset;            /* of the next folder record */
	tw_buf path;              /* current folder path */
	uint64_t folder_count[TW_PST_MAX_FOLDER_DEPTH + 2];
	size_t path_len[TW_PST_MAX_FOLDER_DEPTH + 2];
	int depth;
	uint64_t declared, emitted, skipped, folders;
	tw_buf mismatch;          /* folders whose counts differ */
	unsigned nmismatch;
	tw_buf skips;             /* first skipped items */
	char *warn;
	int done;
	struct item *cur;
	/* Split: the records of the top-level item being received. */
	tw_buf part;
	int part_depth;
	uint64_t part_id;
	uint64_t max_parts;       /* more items than the store can hold: a loop */
	/* tw_pst_message(): the item built. */
	char *built;
	size_t built_len;
};

static char *conv(const unsigned char *p, size_t n, const char *charset)
{
	if (n && p[0] == 1)
		return tw_utf8_clean((const char *)p + 1, n - 1, NULL);
	if (n && p[0] == 0)
		return n > 1 ? tw_to_utf8((const char *)p + 1, n - 1, charset, NULL) : NULL;
	return NULL;
}

static void item_free(struct item *it)
{
	size_t i;

	if (!it)
		return;
	for (i = 0; i < TW_ARRAY_LEN(it->f); i++)
		free(it->f[i]);
	for (i = 0; i < it->natts; i++) {
		free(it->atts[i].name);
		free(it->atts[i].mime);
		free(it->atts[i].cid);
		free(it->atts[i].data);
	}
	free(it->atts);
	free(it->rtf);
	free(it->charset);
	free(it->nested_name);
	tw_buf_release(&it->extra);
	free(it);
}

static struct item *item_new(struct item *up)
{
	struct item *it = tw_calloc(1, sizeof(*it));

	if (!it)
		return NULL;
	it->up = up;
	tw_buf_init(&it->extra, 1u << 20);
	return it;
}

static void item_att(struct rx *r, struct item *it, char *name, char *mime, char *cid,
		     unsigned char *data, size_t len, int message)
{
	struct att *a;
	uint64_t max = r->lim->max_item_bytes;

	if (it->bytes + len > max) {
		tw_buf_printf(&it->extra,
			      "Attachment not extracted: %s (the message is larger than max_item_bytes)\n",
			      name ? name : "(unnamed)");
		goto drop;
	}
	a = tw_realloc(it->atts, (it->natts + 1) * sizeof(*a));
	if (!a)
		goto drop;
	it->atts = a;
	a[it->natts].name = name;
	a[it->natts].mime = mime;
	a[it->natts].cid = cid;
	a[it->natts].data = data;
	a[it->natts].len = len;
	a[it->natts].message = message;
	it->natts++;
	it->bytes += len;
	return;
drop:
	free(name);
	free(mime);
	free(cid);
	free(data);
}

/* The RFC 5322 bytes of an item (caller frees). */
static char *item_build(struct rx *r, struct item *it, size_t *len)
{
	tw_mail m;
	tw_mail_att *atts = NULL;
	const char *extra[2];
	const char *addr = NULL;
	unsigned char *rtf = NULL;
	size_t rtf_len = 0, i, natts = 0;
	int64_t t;
	char *body = NULL, *out;
	const char *b;

	memset(&m, 0, sizeof(m));
	m.headers = it->f[F_HEADERS];
	m.subject = it->f[F_SUBJECT];
	m.from_name = it->f[F_FROM_NAME];
	if (it->f[F_FROM_ADDR] && strchr(it->f[F_FROM_ADDR], '@'))
		addr = it->f[F_FROM_ADDR];
	else if (it->f[F_FROM_ADDR2] && strchr(it->f[F_FROM_ADDR2], '@'))
		addr = it->f[F_FROM_ADDR2];
	m.from_addr = addr;
	m.to = it->f[F_TO];
	m.cc = it->f[F_CC];
	m.bcc = it->f[F_BCC];
	m.message_id = it->f[F_MSGID];
	m.in_reply_to = it->f[F_IRT];
	if (it->sent && tw_filetime_to_unix(it->sent, &t)) {
		m.date = t;
		m.has_date = 1;
	} else if (it->arrived && tw_filetime_to_unix(it->arrived, &t)) {
		m.date = t;
		m.has_date = 1;
	}
	/* The body, with the rendered fields of contacts and such. */
	b = it->f[F_BODY];
	if (it->extra.len) {
		body = tw_asprintf("%s%s%s", it->extra.data, b ? "\n" : "", b ? b : "");
		b = body;
	}
	m.body = b;
	m.body_len = b ? strlen(b) : 0;
	m.html = it->f[F_HTML];
	m.html_len = m.html ? strlen(m.html) : 0;
	m.html_charset = "utf-8"; /* converted on receipt */
	if (it->f[F_CLASS]) {
		extra[0] = "X-Outlook-Message-Class";
		extra[1] = it->f[F_CLASS];
		m.extra = extra;
		m.nextra = 1;
	}
	atts = tw_calloc(it->natts + 1, sizeof(*atts));
	if (!atts) {
		free(body);
		return NULL;
	}
	for (i = 0; i < it->natts; i++) {
		atts[natts].name = it->atts[i].name;
		atts[natts].mime = it->atts[i].mime;
		atts[natts].content_id = it->atts[i].cid;
		atts[natts].data = it->atts[i].data ? it->atts[i].data
						    : (const unsigned char *)"";
		atts[natts].len = it->atts[i].len;
		atts[natts].message = it->atts[i].message;
		natts++;
	}
	/* Only compressed RTF: keep it for the RTF extractor. */
	if (!m.body_len && !m.html_len && it->rtf) {
		rtf = tw_lzfu_decompress(it->rtf, it->rtf_len,
					 (size_t)r->lim->max_item_bytes, &rtf_len);
		if (rtf && rtf_len) {
			atts[natts].name = "body.rtf";
			atts[natts].mime = "application/rtf";
			atts[natts].data = rtf;
			atts[natts].len = rtf_len;
			natts++;
		}
	}
	m.atts = atts;
	m.natts = natts;
	out = tw_mail_build(&m, len);
	free(rtf);
	free(atts);
	free(body);
	return out;
}

static void note_folder_counts(struct rx *r, uint64_t declared)
{
	uint64_t got = r->folder_count[r->depth];

	r->declared += declared;
	if (got != declared) {
		if (r->nmismatch++ < 10)
			tw_buf_printf(&r->mismatch, "%s\"%s\" declares %llu, %llu extracted",
				      r->mismatch.len ? "; " : "",
				      r->path.data ? r->path.data : "",
				      (unsigned long long)declared,
				      (unsigned long long)got);
	}
}

/* The current folder's path, "" at the top. */
static const char *folder_path(const struct rx *r)
{
	return r->path.data && r->path.len ? r->path.data : "";
}

/* The name of the item just counted in the current folder: "<folder
 * path>/<n>" (caller frees). */
static char *item_name(const struct rx *r)
{
	const char *path = folder_path(r);

	return tw_asprintf("%s%s%llu", path, *path ? "/" : "",
			   (unsigned long long)r->folder_count[r->depth]);
}

/* Whole store: the item becomes a child of the store's node. */
static void emit_child(struct rx *r, struct item *it)
{
	char *bytes, *name, loc[40];
	size_t len = 0;
	tw_node *c = NULL;
	const char *path = folder_path(r);

	r->folder_count[r->depth]++;
	bytes = item_build(r, it, &len);
	if (!bytes) {
		tw_node_error(r->node, TRAWL_ENOMEM, "extract",
			      "out of memory building item %llu", (unsigned long long)it->id);
		return;
	}
	snprintf(loc, sizeof(loc), "pst:%llu", (unsigned long long)it->id);
	name = item_name(r);
	if (name)
		c = tw_child(r->cx, r->node, "message", name, loc,
			     (const unsigned char *)bytes, len);
	else
		tw_node_error(r->node, TRAWL_ENOMEM, "extract", "out of memory");
	if (c && !tw_cx_locating(r->cx) && *path)
		tw_node_prop(c, "folder", path);
	free(name);
	free(bytes);
	if (c)
		r->emitted++;
	else if (!tw_cx_locating(r->cx) || tw_cx_expired(r->cx))
		r->stop = 1;
}

/* Handle one record; returns -1 on a protocol error. */
static int handle(struct rx *r, int tag, const unsigned char *p, size_t n)
{
	struct item *it = r->cur;

	switch (tag) {
	case R_CHARSET:
		free(r->charset);
		r->charset = tw_strndup((const char *)p, n);
		if (it) {
			free(it->charset);
			it->charset = tw_strndup((const char *)p, n);
		}
		return 0;
	case R_FOLDER: {
		char *name;

		if (r->depth >= TW_PST_MAX_FOLDER_DEPTH || it)
			return -1;
		name = conv(p, n, r->charset);
		r->path_len[r->depth] = r->path.len;
		if (name)
			for (char *s = name; *s; s++)
				if (*s == '/')
					*s = '_';
		if (r->path.len)
			tw_buf_putc(&r->path, '/');
		tw_buf_puts(&r->path, name && *name ? name : "(unnamed)");
		free(name);
		r->depth++;
		r->folder_count[r->depth] = 0;
		r->folders++;
		return 0;
	}
	case R_FOLDER_END:
		if (n != 4 || r->depth == 0 || it)
			return -1;
		note_folder_counts(r, tw_le32(p) > 0x7fffffffu ? 0 : tw_le32(p));
		r->depth--;
		r->path.len = r->path_len[r->depth];
		if (r->path.data)
			r->path.data[r->path.len] = 0;
		return 0;
	case R_MESSAGE:
		if (n != 12 || it)
			return -1;
		it = item_new(NULL);
		if (!it)
			return -1;
		it->id = tw_le64(p);
		it->type = (int)tw_le32(p + 8);
		it->charset = tw_strdup(r->charset);
		r->cur = it;
		return 0;
	case R_NESTED: {
		struct item *in;

		if (!it || n < 1)
			return -1;
		in = item_new(it);
		if (!in)
			return -1;
		in->nested_name = conv(p, n, it->charset);
		in->charset = tw_strdup(it->charset);
		r->cur = in;
		return 0;
	}
	case R_END:
		if (!it)
			return -1;
		r->cur = it->up;
		if (it->up && !it->f[F_SUBJECT] && !it->f[F_BODY] && !it->f[F_HTML] &&
		    !it->f[F_HEADERS] && !it->natts && !it->extra.len && !it->rtf) {
			/* An empty embedded item (a recurrence exception
			 * record, say): nothing to keep. */
		} else if (it->up) {
			size_t len = 0;
			char *bytes = item_build(r, it, &len);

			if (bytes)
				item_att(r, it->up, it->nested_name, NULL, NULL,
					 (unsigned char *)bytes, len, 1);
			it->nested_name = NULL;
		} else if (!r->stop) {
			r->emit(r, it);
		}
		item_free(it);
		return 0;
	case R_ATTACH: {
		size_t pos = 0, fl[3], i;
		const unsigned char *fp[3];
		char *name, *mime, *cid;
		unsigned char *data;

		if (!it)
			return -1;
		for (i = 0; i < 3; i++) {
			if (n - pos < 4)
				return -1;
			fl[i] = tw_le32(p + pos);
			pos += 4;
			if (fl[i] > n - pos)
				return -1;
			fp[i] = p + pos;
			pos += fl[i];
		}
		name = conv(fp[0], fl[0], it->charset);
		mime = conv(fp[1], fl[1], it->charset);
		cid = fl[2] ? tw_utf8_clean((const char *)fp[2], fl[2], NULL) : NULL;
		data = tw_malloc(n - pos + 1);
		if (data)
			memcpy(data, p + pos, n - pos);
		item_att(r, it, name, mime, cid, data, data ? n - pos : 0, 0);
		return 0;
	}
	case R_LABEL: {
		const unsigned char *z = memchr(p, 0, n);
		char *v;

		if (!it || !z)
			return -1;
		v = conv(z + 1, n - (size_t)(z + 1 - p), it->charset);
		if (v)
			tw_buf_printf(&it->extra, "%s: %s\n", (const char *)p, v);
		free(v);
		return 0;
	}
	case R_LTIME: {
		const unsigned char *z = memchr(p, 0, n);
		int64_t t;

		if (!it || !z || n - (size_t)(z + 1 - p) != 8)
			return -1;
		if (tw_filetime_to_unix(tw_le64(z + 1), &t)) {
			char iso[32];
			time_t tt = (time_t)t;
			struct tm tm;

			if (gmtime_r(&tt, &tm) && strftime(iso, sizeof(iso),
							   "%Y-%m-%dT%H:%M:%SZ", &tm))
				tw_buf_printf(&it->extra, "%s: %s\n", (const char *)p, iso);
		}
		return 0;
	}
	case F_SENT:
	case F_ARRIVED:
		if (!it || n != 8)
			return -1;
		if (tag == F_SENT)
			it->sent = tw_le64(p);
		else
			it->arrived = tw_le64(p);
		return 0;
	case F_RTF:
		if (!it)
			return -1;
		free(it->rtf);
		it->rtf = tw_malloc(n ? n : 1);
		if (it->rtf)
			memcpy(it->rtf, p, n);
		it->rtf_len = it->rtf ? n : 0;
		return 0;
	case F_CLASS:
		if (!it)
			return -1;
		free(it->f[tag]);
		it->f[tag] = tw_utf8_clean((const char *)p, n, NULL);
		return 0;
	case F_SUBJECT: case F_BODY: case F_HTML: case F_HEADERS: case F_FROM_NAME:
	case F_FROM_ADDR: case F_FROM_ADDR2: case F_TO: case F_CC: case F_BCC:
	case F_MSGID: case F_IRT:
		if (!it)
			return -1;
		free(it->f[tag]);
		it->f[tag] = conv(p, n, it->charset);
		return 0;
	case R_SKIP:
		r->skipped++;
		if (r->skips.len < 400)
			tw_buf_printf(&r->skips, "%s%.*s in \"%s\"", r->skips.len ? "; " : "",
				      (int)(n > 120 ? 120 : n), (const char *)p,
				      folder_path(r));
		return 0;
	case R_WARN:
		free(r->warn);
		r->warn = tw_utf8_clean((const char *)p, n, NULL);
		return 0;
	case R_DONE:
		r->done = 1;
		return 0;
	default:
		return -1;
	}
}

/* Read exactly n bytes, watching the clock; 0 on EOF/failure.  A whole
 * store has the extraction's budget; a store read message by message has
 * none, but the reader must not fall silent for max_seconds. */
static int read_full(struct rx *r, unsigned char *buf, size_t n)
{
	size_t got = 0;
	int64_t quiet_since = tw_now_ms();

	while (got < n) {
		struct pollfd pfd = {r->fd, POLLIN, 0};
		int pr = poll(&pfd, 1, 250);
		ssize_t k;

		if (r->cx ? tw_cx_expired(r->cx) : r->cancel && *r->cancel) {
			r->stop = 1;
			return 0;
		}
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return 0;
		if (pr == 0) {
			if (!r->cx && tw_now_ms() - quiet_since > (int64_t)r->lim->max_seconds * 1000) {
				r->stalled = r->stop = 1;
				return 0;
			}
			continue;
		}
		k = read(r->fd, buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return 0;
		got += (size_t)k;
		quiet_since = tw_now_ms();
	}
	return 1;
}

/* The next record from the reader (*p malloc'ed, NUL after the payload);
 * 0 at the end, after a stop, or on a failure (recorded on r->node). */
static int next_record(struct rx *r, int *tag, unsigned char **p, uint32_t *n)
{
	uint64_t max_rec = r->lim->max_item_bytes + (1u << 20);
	unsigned char head[5];

	if (r->stop || r->done || !read_full(r, head, 5))
		return 0;
	*tag = head[0];
	*n = tw_le32(head + 1);
	if (*n > max_rec) {
		r->stop = 1;
		tw_node_error(r->node, TRAWL_ELIMIT, "limit",
			      "a PST item record of %u bytes is too large", *n);
		return 0;
	}
	*p = tw_malloc((size_t)*n + 1);
	if (!*p) {
		r->stop = 1;
		tw_node_error(r->node, TRAWL_ENOMEM, "extract", "out of memory");
		return 0;
	}
	if (!read_full(r, *p, *n)) {
		free(*p);
		return 0;
	}
	(*p)[*n] = 0;
	return 1;
}

static void protocol_error(struct rx *r)
{
	r->stop = 1;
	tw_node_error(r->node, TRAWL_ECORRUPT, "extract",
		      "the PST reader process sent a malformed record");
}

/* Start the reader on path; -1 when it cannot be started (recorded). */
static int rx_start(struct rx *r, const char *path, uint64_t cpu_seconds)
{
	int fds[2];

	tw_buf_init(&r->path, 64 * 1024);
	tw_buf_init(&r->mismatch, 2048);
	tw_buf_init(&r->skips, 1024);
	r->fd = -1;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		tw_node_error(r->node, TRAWL_EIO, "extract", "cannot create a pipe: %s",
			      strerror(errno));
		return -1;
	}
	if (fds[1] == TW_PST_READER_FD) {
		/* A dup2() onto itself would keep close-on-exec set. */
		int moved = fcntl(fds[1], F_DUPFD_CLOEXEC, TW_PST_READER_FD + 1);

		if (moved >= 0) {
			close(fds[1]);
			fds[1] = moved;
		}
	}
	r->pid = tw_pst_reader_spawn(fds[1], path, cpu_seconds, r->lim->max_item_bytes);
	close(fds[1]);
	if (r->pid < 0) {
		close(fds[0]);
		tw_node_error(r->node, TRAWL_EIO, "extract",
			      "cannot start the PST reader process (/proc/self/exe): %s",
			      strerror(errno));
		return -1;
	}
	r->fd = fds[0];
	return 0;
}

/* Stop the reader, and put the store's counts and problems on r->node. */
static void rx_finish(struct rx *r)
{
	int status = 0, report;

	if (r->fd >= 0) {
		/* Done, stopped, or the child died: make sure it is gone. */
		if (!r->done)
			kill(r->pid, SIGKILL);
		close(r->fd);
		while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	while (r->cur) {
		struct item *up = r->cur->up;

		item_free(r->cur);
		r->cur = up;
	}
	/* Nothing is said of a store whose reading was cancelled: the run
	 * stops, and the next one reads it again. */
	report = r->fd >= 0 && (r->cx ? !tw_cx_locating(r->cx) : !(r->cancel && *r->cancel));
	if (report) {
		tw_node *node = r->node;
		int crashed = !r->done && !r->stop;

		tw_node_propf(node, "messages_declared", "%llu",
			      (unsigned long long)r->declared);
		tw_node_propf(node, "messages_emitted", "%llu",
			      (unsigned long long)r->emitted);
		if (r->warn)
			tw_node_error(node, TRAWL_ECORRUPT, "parse", "%s", r->warn);
		else if (r->stalled)
			tw_node_error(node, TRAWL_ELIMIT, "limit",
				      "libpst made no progress for %u s (max_seconds) after %llu messages; the rest of the store was not read",
				      r->lim->max_seconds, (unsigned long long)r->emitted);
		else if (crashed && WIFSIGNALED(status))
			tw_node_error(node, TRAWL_ECORRUPT, "extract",
				      "libpst crashed (signal %d) after %llu messages; the rest of the store was not read",
				      WTERMSIG(status), (unsigned long long)r->emitted);
		else if (crashed)
			tw_node_error(node, TRAWL_ECORRUPT, "extract",
				      "libpst stopped (exit status %d) after %llu messages; the rest of the store was not read",
				      WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				      (unsigned long long)r->emitted);
		if (r->done && !r->folders)
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "no folder could be read from the PST");
		if (r->skipped)
			tw_node_error(node, TRAWL_ECORRUPT, "extract",
				      "%llu items could not be read: %s",
				      (unsigned long long)r->skipped,
				      r->skips.data ? r->skips.data : "");
		if (r->done && r->declared != r->emitted)
			tw_node_error(node, TRAWL_ECORRUPT, "extract",
				      "PST declares %llu items, %llu extracted: %s%s",
				      (unsigned long long)r->declared,
				      (unsigned long long)r->emitted,
				      r->mismatch.data ? r->mismatch.data : "",
				      r->nmismatch > 10 ? "; ..." : "");
	}
	free(r->charset);
	free(r->warn);
	free(r->built);
	tw_buf_release(&r->path);
	tw_buf_release(&r->mismatch);
	tw_buf_release(&r->skips);
	tw_buf_release(&r->part);
}

/* A whole store, in the extraction of its node (a PST inside an archive or
 * attached to a message, or one being located). */
static trawl_status run_pst(tw_extract_ctx *cx, tw_node *node, const char *path)
{
	struct rx r;
	unsigned char *p;
	uint32_t n;
	int tag;

	memset(&r, 0, sizeof(r));
	r.lim = tw_cx_limits(cx);
	r.cx = cx;
	r.node = node;
	r.emit = emit_child;
	if (rx_start(&r, path, r.lim->max_seconds) == 0)
		while (next_record(&r, &tag, &p, &n)) {
			if (handle(&r, tag, p, n) < 0)
				protocol_error(&r);
			free(p);
		}
	rx_finish(&r);
	return TRAWL_OK;
}

static trawl_status pst_extract_file(tw_extract_ctx *cx, tw_node *node,
				     const char *path, uint64_t size)
{
	(void)size;
	return run_pst(cx, node, path);
}

/* ---------------------------------------------------------------- split */

/*
 * A PST on disk is read by the walker, message by message: the records of
 * each top-level item are handed to an extractor thread, which rebuilds the
 * message (tw_pst_message()) and extracts it, so the messages of one store
 * are spread over the threads, committed as they come, and a resumed run
 * skips those already committed.
 */
struct tw_pst_split {
	struct rx r;
};

static void put_record(tw_buf *b, int tag, const void *p, size_t n)
{
	unsigned char head[5] = {(unsigned char)tag, (unsigned char)n,
				 (unsigned char)(n >> 8), (unsigned char)(n >> 16),
				 (unsigned char)(n >> 24)};

	tw_buf_append(b, head, 5);
	tw_buf_append(b, p, n);
}

/* Keep a record of the top-level item being received: 1 when the item is
 * complete, 0 when not, -1 on a protocol error. */
static int split_record(struct rx *r, int tag, const unsigned char *p, uint32_t n)
{
	if (tag == R_CHARSET || !r->part_depth) {
		/* Folders, skips, the end; the charset is followed as a whole
		 * store follows it. */
		if (tag != R_MESSAGE && handle(r, tag, p, n) < 0)
			return -1;
		if (!r->part_depth && tag != R_MESSAGE)
			return 0;
	}
	switch (tag) {
	case R_MESSAGE:
		if (r->part_depth || n != 12)
			return -1;
		r->part_id = tw_le64(p);
		tw_buf_reset(&r->part);
		if (r->charset)
			put_record(&r->part, R_CHARSET, r->charset, strlen(r->charset));
		r->part_depth = 1;
		break;
	case R_NESTED:
		r->part_depth++;
		break;
	case R_END:
		r->part_depth--;
		break;
	case R_ATTACH:
		/* The message keeps at most max_item_bytes of attachments
		 * (item_att()); more is not held here either. */
		if (r->part.len + n > r->lim->max_item_bytes + (1u << 20)) {
			static const char label[] = "Attachment not extracted\0\1"
						    "(the message is larger than max_item_bytes)";

			put_record(&r->part, R_LABEL, label, sizeof(label) - 1);
			return 0;
		}
		break;
	}
	put_record(&r->part, tag, p, n);
	if (r->part.truncated)
		return -1;
	if (r->part_depth)
		return 0;
	if (r->emitted >= r->max_parts) {
		tw_node_error(r->node, TRAWL_ECORRUPT, "extract",
			      "the PST yields more than %llu items, more than its size can hold (a loop in its folders?); reading stopped",
			      (unsigned long long)r->max_parts);
		r->stop = 1;
		return 0;
	}
	r->folder_count[r->depth]++;
	r->emitted++;
	return 1;
}

tw_pst_split *tw_pst_split_open(const char *path, const trawl_limits *lim,
				const volatile int *cancel, tw_node *node)
{
	tw_pst_split *s = tw_calloc(1, sizeof(*s));
	struct stat sb;

	if (!s)
		return NULL;
	/* An item takes a descriptor and a data block: at least 64 bytes. */
	s->r.max_parts = (stat(path, &sb) == 0 ? (uint64_t)sb.st_size / 64 : 0) + 1000;
	s->r.lim = lim;
	s->r.node = node;
	s->r.cancel = cancel;
	tw_buf_init(&s->r.part, (size_t)lim->max_item_bytes + (4u << 20));
	if (rx_start(&s->r, path, 0) != 0)
		s->r.stop = 1;
	return s;
}

int tw_pst_split_next(tw_pst_split *s, tw_pst_part *part)
{
	struct rx *r = &s->r;
	unsigned char *p;
	uint32_t n;
	int tag;

	memset(part, 0, sizeof(*part));
	while (next_record(r, &tag, &p, &n)) {
		int rc = split_record(r, tag, p, n);

		free(p);
		if (rc < 0) {
			protocol_error(r);
			break;
		}
		if (rc == 1) {
			const char *path = folder_path(r);

			part->id = r->part_id;
			part->name = item_name(r);
			part->folder = *path ? tw_strdup(path) : NULL;
			part->recs = (unsigned char *)tw_buf_detach(&r->part, &part->len);
			tw_buf_init(&r->part, (size_t)r->lim->max_item_bytes + (4u << 20));
			if (!part->name || !part->recs) {
				tw_pst_part_free(part);
				tw_node_error(r->node, TRAWL_ENOMEM, "extract", "out of memory");
				r->stop = 1;
				break;
			}
			return 1;
		}
	}
	return 0;
}

void tw_pst_part_free(tw_pst_part *part)
{
	free(part->name);
	free(part->folder);
	free(part->recs);
	memset(part, 0, sizeof(*part));
}

void tw_pst_split_close(tw_pst_split *s)
{
	if (!s)
		return;
	rx_finish(&s->r);
	free(s);
}

static void keep_built(struct rx *r, struct item *it)
{
	if (!r->built)
		r->built = item_build(r, it, &r->built_len);
}

char *tw_pst_message(const unsigned char *recs, size_t len, const trawl_limits *lim,
		     size_t *out_len)
{
	struct rx r;
	size_t pos = 0;
	char *out;

	memset(&r, 0, sizeof(r));
	r.lim = lim;
	r.emit = keep_built;
	tw_buf_init(&r.path, 1);
	tw_buf_init(&r.mismatch, 1);
	tw_buf_init(&r.skips, 1);
	while (pos + 5 <= len && !r.built) {
		uint32_t n = tw_le32(recs + pos + 1);

		if (n > len - pos - 5 || handle(&r, recs[pos], recs + pos + 5, n) < 0)
			break;
		pos += 5 + (size_t)n;
	}
	r.fd = -1;
	out = r.built;
	*out_len = r.built_len;
	r.built = NULL;
	rx_finish(&r);
	return out;
}

static trawl_status pst_extract(tw_extract_ctx *cx, tw_node *node,
				const unsigned char *data, size_t len)
{
	char *tmp = tw_temp_file(data, len);
	trawl_status st;

	if (!tmp) {
		tw_node_error(node, TRAWL_EIO, "extract",
			      "cannot write a temporary file for libpst: %s", strerror(errno));
		return TRAWL_OK;
	}
	st = run_pst(cx, node, tmp);
	unlink(tmp);
	free(tmp);
	return st;
}

int tw_looks_like_pst(const unsigned char *data, size_t len)
{
	/* "!BDN": the PST/OST header magic, whatever libmagic said. */
	return len >= 512 && memcmp(data, "!BDN", 4) == 0;
}

static int pst_accepts(const char *mime, const char *ext,
		       const unsigned char *data, size_t len)
{
	(void)mime;
	(void)ext;
	return tw_looks_like_pst(data, len);
}

const tw_extractor tw_extractor_pst = {
	"pst", "email", pst_accepts, pst_extract, pst_extract_file,
};
