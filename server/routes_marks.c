/*
 * routes_marks.c - tags and notes, the only routes that write: they go
 * through the one writable handle (srv_writer(), locked), and http.c empties
 * the response cache after each (SRV_WRITE) so the next search shows them.
 */
#include <stdlib.h>
#include <string.h>

#include "routes.h"

/* ---------------------------------------------------------------- tags, notes */

int srv_add_tag_name(const char *name, int64_t n, void *ud)
{
	json_array_append_new((json_t *)ud, json_string(name));
	return 0;
}

static int add_tag_count(const char *name, int64_t n, void *ud)
{
	json_array_append_new((json_t *)ud, json_pack("{s:s, s:I}", "tag", name, "count", (json_int_t)n));
	return 0;
}

static int send_item_tags(srv_req *r, trawl_archive *ar, unsigned status)
{
	json_t *tags = json_array();
	trawl_status st = trawl_item_tags(ar, r->id, srv_add_tag_name, tags);

	if (st != TRAWL_OK) {
		json_decref(tags);
		return srv_lib_error(r, ar, st, "cannot read the tags");
	}
	return srv_json(r, status, json_pack("{s:I, s:o}", "id", (json_int_t)r->id, "tags", tags));
}

int srv_h_item_tags(srv_req *r)
{
	int rc = MHD_NO;
	trawl_archive *ar = srv_item_reader(r, &rc);

	return ar ? send_item_tags(r, ar, 200) : rc;
}

/* Tag or untag the content of one item (tags belong to contents). */
static int change_item_tag(srv_req *r, const char *tag, int add)
{
	trawl_archive *w;
	trawl_syntax_error err;
	char q[48];
	int64_t matched = 0;
	trawl_status st;
	int rc = MHD_NO;

	memset(&err, 0, sizeof(err));
	snprintf(q, sizeof(q), "id:%lld", (long long)r->id);
	w = srv_writer(r, &rc);
	if (!w)
		return rc;
	st = trawl_tag_query(w, q, add ? &tag : NULL, add ? 1 : 0, add ? NULL : &tag, add ? 0 : 1,
			     &matched, &err);
	if (st != TRAWL_OK) {
		rc = st == TRAWL_EINVAL
			     ? srv_error(r, 400, "bad_tag", "a tag is 1 to 64 letters, digits and - _ . / +", NULL)
			     : srv_lib_error(r, w, st, "cannot change the tag");
		srv_writer_unlock();
		return rc;
	}
	rc = matched ? send_item_tags(r, w, 200) : srv_error(r, 404, "not_found", "no such item", NULL);
	srv_writer_unlock();
	return rc;
}

int srv_h_item_tag_add(srv_req *r)
{
	int rc = MHD_NO;
	json_t *b = srv_body_json(r, &rc), *t;

	if (!b)
		return rc;
	t = json_object_get(b, "tag");
	if (!json_is_string(t)) {
		json_decref(b);
		return srv_error(r, 400, "bad_body", "send {\"tag\": NAME}", NULL);
	}
	rc = change_item_tag(r, json_string_value(t), 1);
	json_decref(b);
	return rc;
}

int srv_h_item_tag_remove(srv_req *r)
{
	return change_item_tag(r, r->param[0], 0);
}

int srv_h_tags(srv_req *r)
{
	trawl_archive *ar;
	json_t *tags;
	trawl_status st;
	int rc = MHD_NO;

	ar = srv_reader(r, &rc);
	if (!ar)
		return rc;
	tags = json_array();
	st = trawl_tags_list(ar, add_tag_count, tags);
	if (st != TRAWL_OK) {
		json_decref(tags);
		return srv_lib_error(r, ar, st, "cannot list tags");
	}
	return srv_json(r, 200, json_pack("{s:o}", "tags", tags));
}

/* Tag every content a query matches: {"query":Q, "add":[...], "remove":[...]}. */
int srv_h_tags_bulk(srv_req *r)
{
	const char *add[16], *rem[16];
	size_t nadd = 0, nrem = 0, i;
	int rc = MHD_NO;
	json_t *b = srv_body_json(r, &rc), *q, *a, *d, *v;
	trawl_syntax_error err;
	trawl_archive *w;
	int64_t matched = 0;
	trawl_status st;

	if (!b)
		return rc;
	q = json_object_get(b, "query");
	a = json_object_get(b, "add");
	d = json_object_get(b, "remove");
	if (!json_is_string(q) || (a && !json_is_array(a)) || (d && !json_is_array(d)) ||
	    json_array_size(a) > 16 || json_array_size(d) > 16 || json_array_size(a) + json_array_size(d) == 0) {
		json_decref(b);
		return srv_error(r, 400, "bad_body",
				 "send {\"query\": Q, \"add\": [TAG...], \"remove\": [TAG...]} (up to 16 each)", NULL);
	}
	json_array_foreach(a, i, v) if (json_is_string(v)) add[nadd++] = json_string_value(v);
	json_array_foreach(d, i, v) if (json_is_string(v)) rem[nrem++] = json_string_value(v);
	memset(&err, 0, sizeof(err));
	w = srv_writer(r, &rc);
	if (!w) {
		json_decref(b);
		return rc;
	}
	st = trawl_tag_query(w, json_string_value(q), add, nadd, rem, nrem, &matched, &err);
	if (st == TRAWL_ESYNTAX)
		rc = srv_syntax_error(r, json_string_value(q), &err);
	else if (st == TRAWL_EINVAL)
		rc = srv_error(r, 400, "bad_tag", "a tag is 1 to 64 letters, digits and - _ . / +", NULL);
	else if (st != TRAWL_OK)
		rc = srv_lib_error(r, w, st, "cannot change tags");
	else
		rc = srv_json(r, 200, json_pack("{s:I}", "matched", (json_int_t)matched));
	srv_writer_unlock();
	json_decref(b);
	return rc;
}

int srv_add_note(const trawl_note *n, void *ud)
{
	json_array_append_new((json_t *)ud, tj_note(n));
	return 0;
}

static int send_notes(srv_req *r, trawl_archive *ar, unsigned status)
{
	json_t *notes = json_array();
	trawl_status st = trawl_notes(ar, r->id, srv_add_note, notes);

	if (st != TRAWL_OK) {
		json_decref(notes);
		return srv_lib_error(r, ar, st, "cannot read the notes");
	}
	return srv_json(r, status, json_pack("{s:I, s:o}", "id", (json_int_t)r->id, "notes", notes));
}

int srv_h_item_notes(srv_req *r)
{
	int rc = MHD_NO;
	trawl_archive *ar = srv_item_reader(r, &rc);

	return ar ? send_notes(r, ar, 200) : rc;
}

int srv_h_item_note_add(srv_req *r)
{
	int rc = MHD_NO;
	json_t *b = srv_body_json(r, &rc), *t;
	trawl_archive *w;
	trawl_status st;

	if (!b)
		return rc;
	t = json_object_get(b, "text");
	if (!json_is_string(t) || json_string_length(t) == 0 || json_string_length(t) > 16384) {
		json_decref(b);
		return srv_error(r, 400, "bad_body", "send {\"text\": NOTE} with 1 to 16384 bytes", NULL);
	}
	w = srv_writer(r, &rc);
	if (!w) {
		json_decref(b);
		return rc;
	}
	st = trawl_note_add(w, r->id, json_string_value(t), NULL);
	rc = st == TRAWL_OK ? send_notes(r, w, 201) : srv_lib_error(r, w, st, "cannot add the note");
	srv_writer_unlock();
	json_decref(b);
	return rc;
}

int srv_h_item_note_delete(srv_req *r)
{
	char *end;
	long long nid = strtoll(r->param[0], &end, 10);
	trawl_archive *w;
	trawl_status st;
	int rc;

	if (*end || nid <= 0)
		return srv_error(r, 404, "not_found", "no such note", NULL);
	w = srv_writer(r, &rc);
	if (!w)
		return rc;
	/* Only a note of this item's content: ids from the client name
	 * nothing beyond what the path says. */
	{
		json_t *notes = json_array(), *n;
		size_t i;
		int found = 0;

		st = trawl_notes(w, r->id, srv_add_note, notes);
		json_array_foreach(notes, i, n)
			found |= json_integer_value(json_object_get(n, "id")) == nid;
		json_decref(notes);
		if (st == TRAWL_OK && !found) {
			srv_writer_unlock();
			return srv_error(r, 404, "not_found", "this item has no note with that id", NULL);
		}
	}
	if (st == TRAWL_OK)
		st = trawl_note_delete(w, nid);
	rc = st == TRAWL_OK ? send_notes(r, w, 200) : srv_lib_error(r, w, st, "cannot delete the note");
	srv_writer_unlock();
	return rc;
}
