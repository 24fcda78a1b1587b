/*
 * json.c - the JSON shapes of hits, items, statistics, errors and findings, shared by
 * the command line (`trawl search --json`, `show --json`, `stats --json`,
 * `errors --json`) and the web API (`trawl serve`), so that a script gets
 * the same object whichever way it asks.
 *
 * Every builder returns a new reference (json_decref() it) or NULL when
 * out of memory.  Evidence strings are copied as they are: escaping for a
 * terminal or for HTML is the caller's business, except `snippet_html`,
 * which is already escaped with only <mark> elements added.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

const char *tj_iso(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm)) {
		snprintf(buf, n, "?");
		return buf;
	}
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

json_t *tj_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *tj_date(int64_t t, int has)
{
	char iso[40];

	return has ? json_string(tj_iso(t, iso, sizeof(iso))) : json_null();
}

/* Snippet without marks, and as HTML with <mark> around matches. */
static void snippet_forms(const char *s, char **plain, char **html)
{
	size_t n = s ? strlen(s) : 0, i, p = 0, h = 0;

	*plain = malloc(n + 1);
	*html = malloc(n * 6 + 1);
	if (!*plain || !*html) {
		free(*plain);
		free(*html);
		*plain = *html = NULL;
		return;
	}
	for (i = 0; i < n; i++) {
		char c = s[i];
		const char *esc = NULL;

		if (c == TRAWL_HL_START[0]) {
			memcpy(*html + h, "<mark>", 6);
			h += 6;
			continue;
		}
		if (c == TRAWL_HL_END[0]) {
			memcpy(*html + h, "</mark>", 7);
			h += 7;
			continue;
		}
		(*plain)[p++] = c;
		switch (c) {
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '&': esc = "&amp;"; break;
		case '"': esc = "&quot;"; break;
		case '\'': esc = "&#39;"; break;
		}
		if (esc) {
			memcpy(*html + h, esc, strlen(esc));
			h += strlen(esc);
		} else {
			(*html)[h++] = c;
		}
	}
	(*plain)[p] = '\0';
	(*html)[h] = '\0';
}

json_t *tj_hit(const trawl_hit *h)
{
	char iso[40], *plain = NULL, *html = NULL;
	json_t *o;

	snippet_forms(h->snippet, &plain, &html);
	o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:f}",
		      "id", (json_int_t)h->id, "kind", tj_str(h->kind), "type", tj_str(h->type),
		      "date", h->has_date ? json_string(tj_iso(h->date, iso, sizeof(iso))) : json_null(),
		      "from", tj_str(h->from), "to", tj_str(h->to), "subject", tj_str(h->subject),
		      "message_id", tj_str(h->message_id), "path", tj_str(h->path),
		      "sha256", tj_str(h->sha256), "snippet", tj_str(plain),
		      "snippet_html", tj_str(html), "size", (json_int_t)h->size,
		      "occurrences", (json_int_t)h->occurrences, "score", h->score);
	if (o && h->thread_id)
		json_object_set_new(o, "thread", json_integer(h->thread_id));
	if (o && h->thread_hits)
		json_object_set_new(o, "thread_hits", json_integer(h->thread_hits));
	free(plain);
	free(html);
	return o;
}

json_t *tj_item(const trawl_item *it, const char *text)
{
	char iso[40];
	json_t *o = json_object(), *a;
	size_t i;

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(it->id));
	json_object_set_new(o, "parent", it->parent_id ? json_integer(it->parent_id) : json_null());
	json_object_set_new(o, "kind", tj_str(it->kind));
	json_object_set_new(o, "type", tj_str(it->type));
	json_object_set_new(o, "name", tj_str(it->name));
	json_object_set_new(o, "mime", tj_str(it->mime));
	json_object_set_new(o, "path", tj_str(it->path));
	json_object_set_new(o, "disk_path", tj_str(it->disk_path));
	json_object_set_new(o, "label", tj_str(it->label));
	json_object_set_new(o, "depth", json_integer(it->depth));
	json_object_set_new(o, "size", json_integer(it->size));
	json_object_set_new(o, "sha256", tj_str(it->sha256));
	json_object_set_new(o, "md5", tj_str(it->md5));
	json_object_set_new(o, "extension_mismatch", tj_str(it->mismatch));
	json_object_set_new(o, "date", it->has_date ? json_string(tj_iso(it->date, iso, sizeof(iso)))
						    : json_null());
	if (it->message_id || it->subject || it->naddrs) {
		json_object_set_new(o, "subject", tj_str(it->subject));
		json_object_set_new(o, "message_id", tj_str(it->message_id));
		json_object_set_new(o, "in_reply_to", tj_str(it->in_reply_to));
		json_object_set_new(o, "references", tj_str(it->references));
		json_object_set_new(o, "date_header", tj_str(it->date_raw));
		json_object_set_new(o, "tz_offset", json_integer(it->tz_offset));
		json_object_set_new(o, "thread", it->thread_id ? json_integer(it->thread_id) : json_null());
	}
	a = json_array();
	for (i = 0; i < it->naddrs; i++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:o}", "role", it->addrs[i].role,
						   "name", tj_str(it->addrs[i].name), "address",
						   tj_str(it->addrs[i].addr)));
	json_object_set_new(o, "addresses", a);
	a = json_object();
	for (i = 0; i < it->nprops; i++)
		json_object_set_new(a, it->props[i].key, tj_str(it->props[i].value));
	json_object_set_new(o, "metadata", a);
	a = json_array();
	for (i = 0; i < it->nchildren; i++)
		json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o, s:I}", "id",
						   (json_int_t)it->children[i].id, "kind",
						   tj_str(it->children[i].kind), "name",
						   tj_str(it->children[i].name), "mime",
						   tj_str(it->children[i].mime), "size",
						   (json_int_t)it->children[i].size));
	json_object_set_new(o, "children", a);
	a = json_array();
	for (i = 0; i < it->nplaces; i++)
		json_array_append_new(a, json_pack("{s:I, s:o}", "id", (json_int_t)it->places[i].id,
						   "path", tj_str(it->places[i].path)));
	json_object_set_new(o, "places", a);
	a = json_array();
	for (i = 0; i < it->nerrors; i++)
		json_array_append_new(a, tj_str(it->errors[i]));
	json_object_set_new(o, "errors", a);
	json_object_set_new(o, "text_truncated", json_boolean(it->text_truncated));
	json_object_set_new(o, "text", tj_str(text));
	return o;
}

static int add_type(const char *name, int64_t n, void *ud)
{
	json_object_set_new((json_t *)ud, name, json_integer(n));
	return 0;
}

json_t *tj_stats(trawl_archive *ar, const trawl_stats *s)
{
	char a[40], b[40];
	json_t *types = json_object();

	if (!types)
		return NULL;
	trawl_stats_by_type(ar, add_type, types);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:o}",
			 "items", (json_int_t)s->items, "files", (json_int_t)s->files,
			 "emails", (json_int_t)s->emails, "attachments", (json_int_t)s->attachments,
			 "members", (json_int_t)s->members, "documents", (json_int_t)s->documents,
			 "contents", (json_int_t)s->blobs, "duplicates", (json_int_t)s->duplicates,
			 "errors", (json_int_t)s->errors, "bytes", (json_int_t)s->bytes,
			 "ingest_runs", (json_int_t)s->sources, "first_date",
			 s->first_date ? json_string(tj_iso(s->first_date, a, sizeof(a))) : json_null(),
			 "last_date",
			 s->last_date ? json_string(tj_iso(s->last_date, b, sizeof(b))) : json_null(),
			 "archive_bytes", (json_int_t)s->archive_bytes, "by_type", types);
}

json_t *tj_error(const trawl_error *e)
{
	return json_pack("{s:o, s:s?, s:s?, s:s?, s:s?}", "id",
			 e->item_id ? json_integer(e->item_id) : json_null(), "path", e->path,
			 "stage", e->stage, "status", e->status, "message", e->message);
}

json_t *tj_finding(const trawl_finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string(f->type));
	json_object_set_new(o, "id", json_integer(f->id));
	json_object_set_new(o, "confidence", json_real(f->confidence));
	json_object_set_new(o, "preview", json_string(f->preview ? f->preview : ""));
	json_object_set_new(o, "subtype", f->subtype ? json_string(f->subtype) : json_null());
	json_object_set_new(o, "offset", json_integer(f->offset));
	json_object_set_new(o, "length", json_integer(f->length));
	json_object_set_new(o, "hash", json_string(f->hash ? f->hash : ""));
	json_object_set_new(o, "path", f->path ? json_string(f->path) : json_null());
	json_object_set_new(o, "person", f->person ? json_string(f->person) : json_null());
	json_object_set_new(o, "label", f->label ? json_string(f->label) : json_null());
	return o;
}

static int add_finding(const trawl_finding *f, void *ud)
{
	json_array_append_new(ud, tj_finding(f));
	return 0;
}

json_t *tj_item_findings(trawl_archive *ar, int64_t id)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	if (trawl_item_findings(ar, id, add_finding, arr) != TRAWL_OK) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}
