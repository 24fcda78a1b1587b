/*
 * json_inv.c - the JSON shapes of the investigation results (conversations,
 * people, contacts, timelines, facets, notes), shared by the commands'
 * --json output and the web API like the shapes in json.c (json.h).
 *
 * Every builder returns a new reference (json_decref() it).  Dates are ISO
 * 8601 UTC strings or null.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"

json_t *tj_thread_msg(const trawl_thread_msg *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", m->missing ? json_null() : json_integer(m->id));
	json_object_set_new(o, "depth", json_integer(m->depth));
	json_object_set_new(o, "parent", json_integer(m->parent));
	json_object_set_new(o, "missing", json_boolean(m->missing));
	json_object_set_new(o, "message_id", tj_str(m->message_id));
	json_object_set_new(o, "date", tj_date(m->date, m->has_date));
	json_object_set_new(o, "tz_offset", json_integer(m->tz_offset));
	json_object_set_new(o, "from", tj_str(m->from));
	json_object_set_new(o, "subject", tj_str(m->subject));
	return o;
}

json_t *tj_thread(const trawl_thread *t)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;

	json_object_set_new(o, "thread", json_integer(t->thread_id));
	json_object_set_new(o, "messages", json_integer((json_int_t)t->nmessages));
	for (i = 0; i < t->nmsgs; i++)
		json_array_append_new(a, tj_thread_msg(&t->msgs[i]));
	json_object_set_new(o, "tree", a);
	return o;
}

json_t *tj_person(const trawl_person *p)
{
	json_t *o = json_object(), *a = json_array(), *n = json_array();
	size_t i;

	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "name", tj_str(p->name));
	json_object_set_new(o, "address", tj_str(p->addr));
	json_object_set_new(o, "sent", json_integer(p->sent));
	json_object_set_new(o, "received", json_integer(p->received));
	json_object_set_new(o, "first", tj_date(p->first, p->has_dates));
	json_object_set_new(o, "last", tj_date(p->last, p->has_dates));
	for (i = 0; i < p->naddrs; i++) {
		json_t *x = json_pack("{s:o, s:I}", "address", tj_str(p->addrs[i].addr), "messages",
				      (json_int_t)p->addrs[i].messages);

		if (p->addrs[i].why)
			json_object_set_new(x, "why", json_string(p->addrs[i].why));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "addresses", a);
	for (i = 0; i < p->nnames; i++)
		json_array_append_new(n, json_pack("{s:o, s:I}", "name", tj_str(p->names[i].name),
						   "count", (json_int_t)p->names[i].count));
	json_object_set_new(o, "names", n);
	return o;
}

json_t *tj_contact(const trawl_contact *c)
{
	return json_pack("{s:I, s:o, s:o, s:I, s:I, s:o, s:o}", "person", (json_int_t)c->person_id,
			 "name", tj_str(c->name), "address", tj_str(c->addr), "sent",
			 (json_int_t)c->sent, "received", (json_int_t)c->received, "first",
			 tj_date(c->first, c->has_dates), "last", tj_date(c->last, c->has_dates));
}

json_t *tj_bucket(const trawl_bucket *b)
{
	return json_pack("{s:s, s:o, s:I}", "period", b->label, "start", tj_date(b->start, 1), "count",
			 (json_int_t)b->count);
}

json_t *tj_facets(const trawl_facets *f)
{
	json_t *o = json_object(), *fs = json_object();
	size_t i, k;

	json_object_set_new(o, "total", json_integer(f->total));
	for (i = 0; i < f->nfacets; i++) {
		json_t *fo = json_object(), *vals = json_array();

		json_object_set_new(fo, "field", json_string(f->facets[i].field));
		for (k = 0; k < f->facets[i].nvalues; k++) {
			const trawl_facet_value *v = &f->facets[i].values[k];

			json_array_append_new(vals, json_pack("{s:o, s:o, s:I}", "value", tj_str(v->value),
							      "label", tj_str(v->label), "count",
							      (json_int_t)v->count));
		}
		json_object_set_new(fo, "values", vals);
		json_object_set_new(fo, "others", json_integer(f->facets[i].others));
		json_object_set_new(fs, f->facets[i].name, fo);
	}
	json_object_set_new(o, "facets", fs);
	return o;
}

json_t *tj_graph(const trawl_graph *g)
{
	json_t *o = json_object(), *nodes = json_array(), *edges = json_array();
	size_t i;

	for (i = 0; i < g->nnodes; i++)
		json_array_append_new(nodes, json_pack("{s:I, s:o, s:o, s:I, s:I}", "id",
							(json_int_t)g->nodes[i].id, "label",
							tj_str(g->nodes[i].label), "address",
							tj_str(g->nodes[i].addr), "sent",
							(json_int_t)g->nodes[i].sent, "received",
							(json_int_t)g->nodes[i].received));
	for (i = 0; i < g->nedges; i++) {
		const trawl_graph_edge *e = &g->edges[i];

		json_array_append_new(edges, json_pack("{s:I, s:I, s:I, s:o, s:o}", "source",
							(json_int_t)g->nodes[e->source].id, "target",
							(json_int_t)g->nodes[e->target].id, "messages",
							(json_int_t)e->messages, "first",
							tj_date(e->first, e->has_dates), "last",
							tj_date(e->last, e->has_dates)));
	}
	json_object_set_new(o, "query", tj_str(g->query));
	json_object_set_new(o, "messages", json_integer(g->messages));
	json_object_set_new(o, "nodes", nodes);
	json_object_set_new(o, "edges", edges);
	return o;
}

json_t *tj_note(const trawl_note *n)
{
	return json_pack("{s:I, s:o, s:o}", "id", (json_int_t)n->id, "text", tj_str(n->text),
			 "created", tj_date(n->created, 1));
}
