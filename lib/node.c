/*
 * node.c - the in-memory item tree built by extraction.
 *
 * An input file becomes a tree of tw_node (file -> email -> attachments ->
 * archive members ...).  Extractor threads build it, the writer thread
 * stores it in one transaction and frees it.  Allocation failures degrade
 * to a recorded error rather than an abort.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"

const char *const tw_role_names[TW_NROLES] = {
	"from", "to", "cc", "bcc", "reply-to", "sender",
};

tw_node *tw_node_new(const char *kind, const char *name, int depth)
{
	tw_node *n = tw_calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->name = tw_strdup(name);
	if (name && !n->name) {
		free(n);
		return NULL;
	}
	n->depth = depth;
	n->type = "unknown";
	tw_buf_init(&n->text, 8u << 20);
	return n;
}

void tw_email_free(tw_email *e)
{
	size_t i;

	if (!e)
		return;
	free(e->message_id);
	free(e->in_reply_to);
	free(e->references);
	free(e->subject);
	free(e->date_raw);
	for (i = 0; i < e->naddrs; i++) {
		free(e->addrs[i].name);
		free(e->addrs[i].addr);
	}
	free(e->addrs);
	free(e);
}

void tw_node_free(tw_node *n)
{
	while (n) {
		tw_node *next = n->next;
		size_t i;

		tw_node_free(n->first_child);
		free(n->name);
		free(n->locator);
		free(n->mime);
		free(n->ext);
		tw_buf_release(&n->text);
		tw_email_free(n->email);
		tw_findings_free(n->findings);
		for (i = 0; i < n->nprops; i++) {
			free(n->props[i].key);
			free(n->props[i].value);
		}
		free(n->props);
		for (i = 0; i < n->nerrs; i++) {
			free(n->errs[i].stage);
			free(n->errs[i].message);
		}
		free(n->errs);
		free(n);
		n = next;
	}
}

char *tw_node_str(tw_node *n, const char *s)
{
	char *r;

	if (!s)
		return NULL;
	r = tw_utf8_clean(s, strlen(s), NULL);
	if (!r)
		n->oom = 1;
	return r;
}

int tw_node_oom(const tw_node *n)
{
	return n->oom || tw_buf_failed(&n->text) || (n->email && n->email->oom);
}

void tw_node_prop(tw_node *n, const char *key, const char *value)
{
	size_t i;
	char *v;

	if (!value || !*value)
		return;
	/* Later values of the same key replace earlier ones. */
	for (i = 0; i < n->nprops; i++) {
		if (strcmp(n->props[i].key, key) == 0) {
			v = tw_utf8_clean(value, strlen(value), NULL);
			if (!v) {
				n->oom = 1;
				return;
			}
			free(n->props[i].value);
			n->props[i].value = v;
			return;
		}
	}
	if (n->nprops == n->props_cap) {
		size_t cap = n->props_cap ? n->props_cap * 2 : 8;
		tw_prop *p = tw_realloc(n->props, cap * sizeof(*p));

		if (!p) {
			n->oom = 1;
			return;
		}
		n->props = p;
		n->props_cap = cap;
	}
	n->props[n->nprops].key = tw_strdup(key);
	n->props[n->nprops].value = tw_utf8_clean(value, strlen(value), NULL);
	if (!n->props[n->nprops].key || !n->props[n->nprops].value) {
		free(n->props[n->nprops].key);
		free(n->props[n->nprops].value);
		n->oom = 1;
		return;
	}
	n->nprops++;
}

void tw_node_propf(tw_node *n, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tw_node_prop(n, key, buf);
}

void tw_node_error(tw_node *n, trawl_status st, const char *stage,
		   const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	tw_err *e;
	char *stage_copy, *msg;

	/* Running out of memory is one fact about the item however many
	 * places noticed it; the writer records it (TW_OOM_MESSAGE). */
	if (st == TRAWL_ENOMEM) {
		n->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e = tw_realloc(n->errs, (n->nerrs + 1) * sizeof(*e));
	if (!e) {
		n->oom = 1;
		return;
	}
	n->errs = e;
	stage_copy = tw_strdup(stage);
	msg = tw_utf8_clean(buf, strlen(buf), NULL);
	if ((stage && !stage_copy) || !msg) {
		free(stage_copy);
		free(msg);
		n->oom = 1;
		return;
	}
	e[n->nerrs].status = st;
	e[n->nerrs].stage = stage_copy;
	e[n->nerrs].message = msg;
	n->nerrs++;
}

void tw_node_text(tw_node *n, const char *s, size_t len)
{
	trawl_status st = TRAWL_OK;

	if (!len || n->text.truncated)
		return;
	/* Append valid runs directly; each invalid byte becomes U+FFFD. */
	while (len && st == TRAWL_OK) {
		size_t ok = tw_utf8_valid_prefix(s, len);

		st = tw_buf_append(&n->text, s, ok);
		if (ok == len || st != TRAWL_OK)
			break;
		st = tw_buf_append(&n->text, "\xef\xbf\xbd", 3);
		s += ok + 1;
		len -= ok + 1;
	}
	if (st == TRAWL_ENOMEM)
		n->oom = 1;
	if (st == TRAWL_ELIMIT) {
		/* Do not leave half a UTF-8 sequence at the cut. */
		while (n->text.len && ((unsigned char)n->text.data[n->text.len - 1] & 0xc0) == 0x80)
			n->text.len--;
		if (n->text.len && (unsigned char)n->text.data[n->text.len - 1] >= 0xc0)
			n->text.len--;
		n->text.data[n->text.len] = '\0';
		tw_node_error(n, TRAWL_ELIMIT, "limit",
			      "text truncated at %zu bytes (max_text_bytes)", n->text.max);
	}
}

int tw_addr_blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s) && !strchr("<>\"'", *s))
			return 0;
	return 1;
}

void tw_email_addr(tw_email *e, int role, const char *name, const char *addr)
{
	tw_addr *a;

	if ((!name || !*name) && (!addr || !*addr))
		return;
	if (e->naddrs == e->addrs_cap) {
		size_t cap = e->addrs_cap ? e->addrs_cap * 2 : 8;

		a = tw_realloc(e->addrs, cap * sizeof(*a));
		if (!a) {
			e->oom = 1;
			return;
		}
		e->addrs = a;
		e->addrs_cap = cap;
	}
	a = &e->addrs[e->naddrs];
	a->role = role;
	a->name = (name && *name) ? tw_utf8_clean(name, strlen(name), NULL) : NULL;
	a->addr = (addr && *addr) ? tw_addr_normalise(addr) : NULL;
	if ((name && *name && !a->name) || (addr && !a->addr && !tw_addr_blank(addr))) {
		free(a->name);
		free(a->addr);
		e->oom = 1;
		return;
	}
	e->naddrs++;
}
