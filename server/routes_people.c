/*
 * routes_people.c - the routes over people: the people of a query's
 * messages, one person with addresses, names and contacts, and the graph
 * of who wrote to whom.
 */
#include <stdlib.h>
#include <string.h>

#include "routes.h"

/* ---------------------------------------------------------------- people */

struct people_out {
	json_t *arr;
};

static int add_person(const trawl_person *p, void *ud)
{
	json_array_append_new(((struct people_out *)ud)->arr, tj_person(p));
	return 0;
}

int srv_h_people(srv_req *r)
{
	const char *q = srv_arg(r, "q"), *match = srv_arg(r, "match"), *sort = srv_arg(r, "sort");
	trawl_people_opts opts;
	trawl_syntax_error err;
	struct people_out po;
	trawl_archive *ar;
	int64_t size, page;
	int rc = MHD_NO, more;
	trawl_status st;

	memset(&opts, 0, sizeof(opts));
	memset(&err, 0, sizeof(err));
	if (srv_int_arg(r, "size", 50, 1, SRV_MAX_PAGE, &size, &rc) ||
	    srv_int_arg(r, "page", 1, 1, SRV_MAX_OFFSET, &page, &rc))
		return rc;
	if (sort && *sort && strcmp(sort, "name") && strcmp(sort, "messages"))
		return srv_error(r, 400, "bad_argument", "sort takes messages or name",
				 json_pack("{s:s}", "argument", "sort"));
	ar = srv_query_reader(r, &q, &err, &rc);
	if (!ar)
		return rc;
	opts.match = match && *match ? match : NULL;
	opts.by_name = sort && !strcmp(sort, "name");
	/* One more than asked tells whether there is a next page. */
	opts.limit = size + 1;
	opts.offset = (page - 1) * size;
	po.arr = json_array();
	st = trawl_people(ar, *q ? q : NULL, &opts, add_person, &po, &err);
	if (st == TRAWL_ESYNTAX) {
		json_decref(po.arr);
		return srv_syntax_error(r, q, &err);
	}
	if (st != TRAWL_OK) {
		json_decref(po.arr);
		return srv_lib_error(r, ar, st, "cannot list people");
	}
	more = json_array_size(po.arr) > (size_t)size;
	if (more)
		json_array_remove(po.arr, (size_t)size);
	return srv_json(r, 200, json_pack("{s:s, s:I, s:I, s:b, s:o}", "query", q, "offset",
					  (json_int_t)opts.offset, "size", (json_int_t)size, "more", more,
					  "people", po.arr));
}

static int add_contact(const trawl_contact *c, void *ud)
{
	json_array_append_new((json_t *)ud, tj_contact(c));
	return 0;
}

/* /api/people/SPEC: SPEC is a person id or an address (or a part of one
 * that fits a single person). */
int srv_h_person(srv_req *r)
{
	const char *q = srv_arg(r, "q");
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_person *p = NULL;
	trawl_status st;
	int64_t pid;
	int rc = MHD_NO;
	json_t *o, *contacts;

	memset(&err, 0, sizeof(err));
	ar = srv_query_reader(r, &q, &err, &rc);
	if (!ar)
		return rc;
	st = trawl_person_find(ar, r->param[0], &pid);
	if (st == TRAWL_EINVAL)
		return srv_error(r, 409, "ambiguous", trawl_archive_errmsg(ar), NULL);
	if (st == TRAWL_OK)
		st = trawl_person_get(ar, pid, &p);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot load the person");
	o = tj_person(p);
	trawl_person_free(p);
	contacts = json_array();
	st = trawl_contacts(ar, pid, *q ? q : NULL, add_contact, contacts, &err);
	if (st != TRAWL_OK) {
		json_decref(o);
		json_decref(contacts);
		if (st == TRAWL_ESYNTAX)
			return srv_syntax_error(r, q, &err);
		return srv_lib_error(r, ar, st, "cannot list contacts");
	}
	if (o)
		json_object_set_new(o, "contacts", contacts);
	else
		json_decref(contacts);
	return srv_json(r, 200, o);
}

int srv_h_graph(srv_req *r)
{
	const char *q = srv_arg(r, "q");
	trawl_graph_opts opts;
	trawl_syntax_error err;
	trawl_archive *ar;
	trawl_graph *g = NULL;
	trawl_status st;
	int64_t max, min;
	int rc = MHD_NO;

	memset(&opts, 0, sizeof(opts));
	memset(&err, 0, sizeof(err));
	if (srv_int_arg(r, "max", 40, 2, 500, &max, &rc) ||
	    srv_int_arg(r, "min", 1, 1, 1000000, &min, &rc))
		return rc;
	ar = srv_query_reader(r, &q, &err, &rc);
	if (!ar)
		return rc;
	opts.max_nodes = (size_t)max;
	opts.min_messages = min;
	st = trawl_graph_get(ar, *q ? q : NULL, &opts, &g, &err);
	if (st == TRAWL_ESYNTAX)
		return srv_syntax_error(r, q, &err);
	if (st != TRAWL_OK)
		return srv_lib_error(r, ar, st, "cannot build the graph");
	{
		json_t *o = tj_graph(g);

		trawl_graph_free(g);
		if (o)
			json_object_set_new(o, "query", json_string(q));
		return srv_json(r, 200, o);
	}
}
