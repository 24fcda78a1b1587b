/*
 * pstreader.c - the PST reader process: libpst walks the store and every
 * folder and item is sent as records (pstreader.h) through a pipe to the
 * extractor side (pst.c), which turns them into messages.
 *
 * The reader is this same program, started afresh (posix_spawn of
 * /proc/self/exe) with TRAWL_PST_READER naming the store: a constructor
 * below turns such a process into the reader before main() runs.  A fork()
 * of the multithreaded ingest would inherit locks held by other threads
 * (allocator, iconv, sanitizer runtimes) and could hang in the child.  The
 * reader's output goes to /dev/null, it dies with its parent, and it has a
 * CPU backstop; the parent enforces the real limits.  libpst's strings are
 * sent raw with a flag (UTF-8 or the item's charset): the parent converts.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <libpst/libpst.h>

#include "extract/extract.h"
#include "extract/pstreader.h"

/* Not in libpst's installed headers. */
void pst_debug_setlevel(int level);
void pst_unicode_init(void);

#define MAX_EMBED_DEPTH 4

/* Environment of the reader process: the store's path, and the limits. */
#define READER_ENV "TRAWL_PST_READER"
#define READER_LIMITS_ENV "TRAWL_PST_READER_LIMITS"

/* ---------------------------------------------------------------- records */

struct wr {
	int fd;
	size_t n;
	unsigned char buf[1 << 16];
};

static void wr_raw(struct wr *w, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n > 0) {
		ssize_t k = write(w->fd, s, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			_exit(3); /* the parent went away */
		s += k;
		n -= (size_t)k;
	}
}

static void wr_flush(struct wr *w)
{
	if (w->n)
		wr_raw(w, w->buf, w->n);
	w->n = 0;
}

static void wr_bytes(struct wr *w, const void *p, size_t n)
{
	if (!n)
		return;
	if (n > sizeof(w->buf) - w->n) {
		wr_flush(w);
		if (n > sizeof(w->buf)) {
			wr_raw(w, p, n);
			return;
		}
	}
	memcpy(w->buf + w->n, p, n);
	w->n += n;
}

static void wr_u32(struct wr *w, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8),
			      (unsigned char)(v >> 16), (unsigned char)(v >> 24)};

	wr_bytes(w, b, 4);
}

static void wr_u64(struct wr *w, uint64_t v)
{
	wr_u32(w, (uint32_t)v);
	wr_u32(w, (uint32_t)(v >> 32));
}

static void wr_head(struct wr *w, char tag, size_t len)
{
	unsigned char t = (unsigned char)tag;

	wr_bytes(w, &t, 1);
	wr_u32(w, (uint32_t)len);
}

static void rec(struct wr *w, char tag, const void *p, size_t n)
{
	wr_head(w, tag, n);
	wr_bytes(w, p, n);
}

static void rec_text(struct wr *w, char tag, const char *s)
{
	rec(w, tag, s, strlen(s));
}

static void rec_str(struct wr *w, char tag, const pst_string *s)
{
	unsigned char flag;
	size_t n;

	if (!s->str || !*s->str)
		return;
	n = strlen(s->str);
	if (n > 0x7fffffffu)
		return;
	flag = s->is_utf8 ? 1 : 0;
	wr_head(w, tag, n + 1);
	wr_bytes(w, &flag, 1);
	wr_bytes(w, s->str, n);
}

static void rec_time(struct wr *w, char tag, const FILETIME *ft)
{
	if (!ft)
		return;
	wr_head(w, tag, 8);
	wr_u64(w, (uint64_t)ft->dwHighDateTime << 32 | ft->dwLowDateTime);
}

static void rec_label(struct wr *w, const char *label, const pst_string *s)
{
	size_t ll = strlen(label) + 1, n;
	unsigned char flag;

	if (!s->str || !*s->str)
		return;
	n = strlen(s->str);
	flag = s->is_utf8 ? 1 : 0;
	wr_head(w, R_LABEL, ll + 1 + n);
	wr_bytes(w, label, ll);
	wr_bytes(w, &flag, 1);
	wr_bytes(w, s->str, n);
}

static void rec_ltime(struct wr *w, const char *label, const FILETIME *ft)
{
	size_t ll = strlen(label) + 1;

	if (!ft)
		return;
	wr_head(w, R_LTIME, ll + 8);
	wr_bytes(w, label, ll);
	wr_u64(w, (uint64_t)ft->dwHighDateTime << 32 | ft->dwLowDateTime);
}

struct walker {
	struct wr *w;
	pst_file *pf;
	uint64_t max_item;
};

static void send_item(struct walker *k, pst_item *item, int depth);

/* Attachment record: three length-prefixed fields (name and MIME type as
 * flagged strings, content id raw), then the data (the rest). */
static void send_field(struct wr *w, const pst_string *s, int flagged)
{
	size_t n = s->str ? strlen(s->str) : 0;
	unsigned char f = s->is_utf8 ? 1 : 0;

	wr_u32(w, (uint32_t)(n + (flagged ? 1 : 0)));
	if (flagged)
		wr_bytes(w, &f, 1);
	wr_bytes(w, s->str ? s->str : "", n);
}

static void send_attach(struct walker *k, pst_item_attach *a)
{
	const pst_string *name = a->filename2.str ? &a->filename2 : &a->filename1;
	size_t nl = name->str ? strlen(name->str) : 0;
	size_t ml = a->mimetype.str ? strlen(a->mimetype.str) : 0;
	size_t cl = a->content_id.str ? strlen(a->content_id.str) : 0;
	pst_binary data = pst_attach_to_mem(k->pf, a);
	char note[160];

	if (!data.data && !nl)
		return;
	if (data.size > k->max_item) {
		snprintf(note, sizeof(note),
			 "%.80s (%zu bytes, more than max_item_bytes)",
			 name->str ? name->str : "(unnamed)", data.size);
		rec_label(k->w, "Attachment not extracted", &(pst_string){1, note});
		free(data.data);
		return;
	}
	wr_head(k->w, R_ATTACH, 4 + 1 + nl + 4 + 1 + ml + 4 + cl + data.size);
	send_field(k->w, name, 1);
	send_field(k->w, &a->mimetype, 1);
	send_field(k->w, &a->content_id, 0);
	if (data.size)
		wr_bytes(k->w, data.data, data.size);
	free(data.data);
}

static void send_embedded(struct walker *k, pst_item_attach *a, int depth)
{
	pst_desc_tree d;
	pst_item *inner;
	const pst_string *name = a->filename2.str ? &a->filename2 : &a->filename1;
	unsigned char flag = name->is_utf8 ? 1 : 0;
	size_t nl = name->str ? strlen(name->str) : 0;

	memset(&d, 0, sizeof(d));
	d.desc = pst_getID(k->pf, a->i_id);
	if (!d.desc)
		return;
	inner = pst_parse_item(k->pf, &d, a->id2_head);
	if (!inner)
		return;
	wr_head(k->w, R_NESTED, 1 + nl);
	wr_bytes(k->w, &flag, 1);
	wr_bytes(k->w, name->str ? name->str : "", nl);
	send_item(k, inner, depth + 1);
	rec(k->w, R_END, NULL, 0);
	pst_freeItem(inner);
}

static void send_item(struct walker *k, pst_item *item, int depth)
{
	char cs[64];
	const char *charset = pst_default_charset(item, sizeof(cs), cs);
	pst_item_email *e = item->email;
	pst_item_attach *a;

	if (charset)
		rec_text(k->w, R_CHARSET, charset);
	rec_str(k->w, F_SUBJECT, &item->subject);
	rec_str(k->w, F_BODY, &item->body);
	if (item->ascii_type)
		rec_text(k->w, F_CLASS, item->ascii_type);
	if (e) {
		rec_str(k->w, F_HEADERS, &e->header);
		rec_str(k->w, F_HTML, &e->htmlbody);
		rec_str(k->w, F_FROM_NAME, e->outlook_sender_name.str ?
			&e->outlook_sender_name : &e->outlook_sender_name2);
		rec_str(k->w, F_FROM_ADDR, &e->sender_address);
		rec_str(k->w, F_FROM_ADDR2, &e->sender2_address);
		rec_str(k->w, F_TO, &e->sentto_address);
		rec_str(k->w, F_CC, &e->cc_address);
		rec_str(k->w, F_BCC, &e->bcc_address);
		rec_str(k->w, F_MSGID, &e->messageid);
		rec_str(k->w, F_IRT, &e->in_reply_to);
		rec_time(k->w, F_SENT, e->sent_date);
		rec_time(k->w, F_ARRIVED, e->arrival_date);
		if (e->rtf_compressed.data && e->rtf_compressed.size &&
		    e->rtf_compressed.size <= k->max_item)
			rec(k->w, F_RTF, e->rtf_compressed.data, e->rtf_compressed.size);
	}
	/* libpst fills these structures for other items too (a message's
	 * PR_EMAIL_ADDRESS makes a "contact"): the item type decides. */
	if (item->contact && item->type == PST_TYPE_CONTACT) {
		pst_item_contact *c = item->contact;

		rec_label(k->w, "Name", &c->fullname);
		rec_label(k->w, "E-mail", &c->address1);
		rec_label(k->w, "E-mail 2", &c->address2);
		rec_label(k->w, "E-mail 3", &c->address3);
		rec_label(k->w, "Company", &c->company_name);
		rec_label(k->w, "Job title", &c->job_title);
		rec_label(k->w, "Department", &c->department);
		rec_label(k->w, "Business phone", &c->business_phone);
		rec_label(k->w, "Home phone", &c->home_phone);
		rec_label(k->w, "Mobile phone", &c->mobile_phone);
		rec_label(k->w, "Business address", &c->business_address);
		rec_label(k->w, "Home address", &c->home_address);
		rec_label(k->w, "Nickname", &c->nickname);
		rec_ltime(k->w, "Birthday", c->birthday);
	}
	if (item->appointment && (item->type == PST_TYPE_APPOINTMENT ||
				  item->type == PST_TYPE_SCHEDULE)) {
		pst_item_appointment *ap = item->appointment;

		rec_ltime(k->w, "Start", ap->start);
		rec_ltime(k->w, "End", ap->end);
		rec_label(k->w, "Location", &ap->location);
		rec_label(k->w, "Recurrence", &ap->recurrence_description);
	}
	if (item->journal && item->type == PST_TYPE_JOURNAL) {
		rec_label(k->w, "Journal type", &item->journal->type);
		rec_label(k->w, "Description", &item->journal->description);
		rec_ltime(k->w, "Start", item->journal->start);
		rec_ltime(k->w, "End", item->journal->end);
	}
	if (item->type != PST_TYPE_NOTE && item->type != PST_TYPE_REPORT)
		rec_label(k->w, "Comment", &item->comment);
	for (a = item->attach; a; a = a->next) {
		if (a->method == PST_ATTACH_EMBEDDED) {
			if (depth < MAX_EMBED_DEPTH)
				send_embedded(k, a, depth);
		} else {
			send_attach(k, a);
		}
	}
}

static void walk_folder(struct walker *k, pst_desc_tree *d, int depth)
{
	for (; d; d = d->next) {
		pst_item *item;
		char note[96];

		if (!d->desc) {
			snprintf(note, sizeof(note), "descriptor %llu has no data",
				 (unsigned long long)d->d_id);
			rec_text(k->w, R_SKIP, note);
			continue;
		}
		item = pst_parse_item(k->pf, d, NULL);
		if (!item) {
			snprintf(note, sizeof(note), "item %llu could not be parsed",
				 (unsigned long long)d->d_id);
			rec_text(k->w, R_SKIP, note);
			continue;
		}
		if (item->folder) {
			const pst_string *n = &item->file_as;
			unsigned char flag = n->is_utf8 ? 1 : 0;
			size_t nl = n->str ? strlen(n->str) : 0;
			char cs[64];
			const char *charset = pst_default_charset(item, sizeof(cs), cs);

			if (charset)
				rec_text(k->w, R_CHARSET, charset);
			wr_head(k->w, R_FOLDER, 1 + nl);
			wr_bytes(k->w, &flag, 1);
			wr_bytes(k->w, n->str ? n->str : "", nl);
			if (d->child && depth < TW_PST_MAX_FOLDER_DEPTH)
				walk_folder(k, d->child, depth + 1);
			wr_head(k->w, R_FOLDER_END, 4);
			wr_u32(k->w, (uint32_t)item->folder->item_count);
		} else if (!item->message_store) {
			wr_head(k->w, R_MESSAGE, 12);
			wr_u64(k->w, d->d_id);
			wr_u32(k->w, (uint32_t)item->type);
			send_item(k, item, 0);
			rec(k->w, R_END, NULL, 0);
		}
		pst_freeItem(item);
	}
}

static void child_main(int fd, const char *path, uint64_t max_seconds,
		       uint64_t max_item)
{
	static struct wr w;
	struct walker k;
	pst_file pf;
	pst_item *root;
	pst_desc_tree *top;
	struct rlimit rl;

	/* stdin, stdout and stderr are /dev/null (see tw_pst_reader_spawn()). */
	signal(SIGPIPE, SIG_DFL);
	/* A backstop: the parent kills us at the deadline anyway.  A store
	 * read message by message (max_seconds 0) has no overall budget. */
	if (max_seconds) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)max_seconds + 10;
		setrlimit(RLIMIT_CPU, &rl);
	}
	w.fd = fd;
	pst_debug_setlevel(100);
	pst_unicode_init();
	if (pst_open(&pf, path, "windows-1252") != 0) {
		rec_text(&w, R_WARN, "not a PST/OST file libpst can open");
		wr_flush(&w);
		_exit(2);
	}
	if (pst_load_index(&pf) != 0) {
		rec_text(&w, R_WARN, "the PST index cannot be read");
		wr_flush(&w);
		_exit(2);
	}
	pst_load_extended_attributes(&pf);
	root = pst_parse_item(&pf, pf.d_head, NULL);
	if (!root || !root->message_store) {
		rec_text(&w, R_WARN, "the PST has no readable message store record");
		wr_flush(&w);
		_exit(2);
	}
	top = pst_getTopOfFolders(&pf, root);
	if (!top) {
		rec_text(&w, R_WARN, "the PST has no top of folders record");
		wr_flush(&w);
		_exit(2);
	}
	k.w = &w;
	k.pf = &pf;
	k.max_item = max_item;
	walk_folder(&k, top->child, 0);
	rec(&w, R_DONE, NULL, 0);
	wr_flush(&w);
	_exit(0);
}

/* Runs before main() in every program linking trawl: in a process started
 * by tw_pst_reader_spawn(), become the reader and never return. */
__attribute__((constructor)) static void reader_entry(void)
{
	const char *path = getenv(READER_ENV);
	const char *lims = getenv(READER_LIMITS_ENV);
	unsigned long long secs = 0, item = 0, parent = 0;

	if (!path)
		return;
	if (!lims || sscanf(lims, "%llu %llu %llu", &secs, &item, &parent) != 3)
		_exit(2);
	/* Never outlive trawl (killed, crashed): a reader stuck in libpst
	 * would spin on alone. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((unsigned long long)getppid() != parent)
		_exit(2);
	child_main(TW_PST_READER_FD, path, secs, item);
	_exit(0);
}

/* ---------------------------------------------------------------- start */

extern char **environ;

pid_t tw_pst_reader_spawn(int wfd, const char *path, uint64_t cpu_seconds,
			  uint64_t max_item)
{
	posix_spawn_file_actions_t fa;
	size_t n = 0, i, j = 0;
	char **env, *pvar, lvar[96];
	char *argv[] = {(char *)"trawl-pst-reader", NULL};
	pid_t pid = -1;
	int rc;

	while (environ && environ[n])
		n++;
	env = tw_calloc(n + 3, sizeof(*env));
	pvar = tw_asprintf("%s=%s", READER_ENV, path);
	if (!env || !pvar) {
		free(env);
		free(pvar);
		errno = ENOMEM;
		return -1;
	}
	snprintf(lvar, sizeof(lvar), "%s=%llu %llu %llu", READER_LIMITS_ENV,
		 (unsigned long long)cpu_seconds, (unsigned long long)max_item,
		 (unsigned long long)getpid());
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], READER_ENV, strlen(READER_ENV)) != 0)
			env[j++] = environ[i];
	env[j++] = pvar;
	env[j++] = lvar;
	env[j] = NULL;
	/* libpst prints; nothing of it may reach our output. */
	rc = posix_spawn_file_actions_init(&fa);
	if (rc == 0) {
		if ((rc = posix_spawn_file_actions_adddup2(&fa, wfd, TW_PST_READER_FD)) == 0 &&
		    (rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0)) == 0 &&
		    (rc = posix_spawn_file_actions_adddup2(&fa, 0, 1)) == 0 &&
		    (rc = posix_spawn_file_actions_adddup2(&fa, 0, 2)) == 0)
			rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, env);
		posix_spawn_file_actions_destroy(&fa);
	}
	free(env);
	free(pvar);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return pid;
}
