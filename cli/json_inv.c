/*
 * json_inv.c - the JSON shapes of the investigation results (conversations,
 * people, contacts, timelines, facets, notes), shared by the commands'
 * --json output and the web API like the shapes in json.c.
 *
 * Every builder returns a new reference (json_decref() it).  Dates are ISO
 * 8601 UTC strings or null.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static json_t *jdate(int64_t t, int has)
{
	char iso[40];

	return has ? json_string(cli_iso(t, iso, sizeof(iso))) : json_null();
}

json_t *cli_thread_msg_json(const trawl_thread_msg *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", m->missing ? json_null() : json_integer(m->id));
	json_object_set_new(o, "depth", json_integer(m->depth));
	json_object_set_new(o, "parent", json_integer(m->parent));
	json_object_set_new(o, "missing", json_boolean(m->missing));
	json_object_set_new(o, "message_id", cli_jstr(m->message_id));
	json_object_set_new(o, "date", jdate(m->date, m->has_date));
	json_object_set_new(o, "tz_offset", json_integer(m->tz_offset));
	json_object_set_new(o, "from", cli_jstr(m->from));
	json_object_set_new(o, "subject", cli_jstr(m->subject));
	return o;
}

json_t *cli_thread_json(const trawl_thread *t)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;

	json_object_set_new(o, "thread", json_integer(t->thread_id));
	json_object_set_new(o, "messages", json_integer((json_int_t)t->nmessages));
	for (i = 0; i < t->nmsgs; i++)
		json_array_append_new(a, cli_thread_msg_json(&t->msgs[i]));
	json_object_set_new(o, "tree", a);
	return o;
}

json_t *cli_person_json(const trawl_person *p)
{
	json_t *o = json_object(), *a = json_array(), *n = json_array();
	size_t i;

	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "name", cli_jstr(p->name));
	json_object_set_new(o, "address", cli_jstr(p->addr));
	json_object_set_new(o, "sent", json_integer(p->sent));
	json_object_set_new(o, "received", json_integer(p->received));
	json_object_set_new(o, "first", jdate(p->first, p->has_dates));
	json_object_set_new(o, "last", jdate(p->last, p->has_dates));
	for (i = 0; i < p->naddrs; i++) {
		json_t *x = json_pack("{s:o, s:I}", "address", cli_jstr(p->addrs[i].addr), "messages",
				      (json_int_t)p->addrs[i].messages);

		if (p->addrs[i].why)
			json_object_set_new(x, "why", json_string(p->addrs[i].why));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "addresses", a);
	for (i = 0; i < p->nnames; i++)
		json_array_append_new(n, json_pack("{s:o, s:I}", "name", cli_jstr(p->names[i].name),
						   "count", (json_int_t)p->names[i].count));
	json_object_set_new(o, "names", n);
	return o;
}

json_t *cli_contact_json(const trawl_contact *c)
{
	return json_pack("{s:I, s:o, s:o, s:I, s:I, s:o, s:o}", "person", (json_int_t)c->person_id,
			 "name", cli_jstr(c->name), "address", cli_jstr(c->addr), "sent",
			 (json_int_t)c->sent, "received", (json_int_t)c->received, "first",
			 jdate(c->first, c->has_dates), "last", jdate(c->last, c->has_dates));
}

json_t *cli_bucket_json(const trawl_bucket *b)
{
	return json_pack("{s:s, s:o, s:I}", "period", b->label, "start", jdate(b->start, 1), "count",
			 (json_int_t)b->count);
}

json_t *cli_facets_json(const trawl_facets *f)
{
	json_t *o = json_object(), *fs = json_object();
	size_t i, k;

	json_object_set_new(o, "total", json_integer(f->total));
	for (i = 0; i < f->nfacets; i++) {
		json_t *fo = json_object(), *vals = json_array();

		json_object_set_new(fo, "field", json_string(f->facets[i].field));
		for (k = 0; k < f->facets[i].nvalues; k++) {
			const trawl_facet_value *v = &f->facets[i].values[k];

			json_array_append_new(vals, json_pack("{s:o, s:o, s:I}", "value", cli_jstr(v->value),
							      "label", cli_jstr(v->label), "count",
							      (json_int_t)v->count));
		}
		json_object_set_new(fo, "values", vals);
		json_object_set_new(fo, "others", json_integer(f->facets[i].others));
		json_object_set_new(fs, f->facets[i].name, fo);
	}
	json_object_set_new(o, "facets", fs);
	return o;
}

json_t *cli_graph_json(const trawl_graph *g)
{
	json_t *o = json_object(), *nodes = json_array(), *edges = json_array();
	size_t i;

	for (i = 0; i < g->nnodes; i++)
		json_array_append_new(nodes, json_pack("{s:I, s:o, s:o, s:I, s:I}", "id",
							(json_int_t)g->nodes[i].id, "label",
							cli_jstr(g->nodes[i].label), "address",
							cli_jstr(g->nodes[i].addr), "sent",
							(json_int_t)g->nodes[i].sent, "received",
							(json_int_t)g->nodes[i].received));
	for (i = 0; i < g->nedges; i++) {
		const trawl_graph_edge *e = &g->edges[i];

		json_array_append_new(edges, json_pack("{s:I, s:I, s:I, s:o, s:o}", "source",
							(json_int_t)g->nodes[e->source].id, "target",
							(json_int_t)g->nodes[e->target].id, "messages",
							(json_int_t)e->messages, "first",
							jdate(e->first, e->has_dates), "last",
							jdate(e->last, e->has_dates)));
	}
	json_object_set_new(o, "query", cli_jstr(g->query));
	json_object_set_new(o, "messages", json_integer(g->messages));
	json_object_set_new(o, "nodes", nodes);
	json_object_set_new(o, "edges", edges);
	return o;
}

json_t *cli_note_json(const trawl_note *n)
{
	return json_pack("{s:I, s:o, s:o}", "id", (json_int_t)n->id, "text", cli_jstr(n->text),
			 "created", jdate(n->created, 1));
}

/* Print evidence text on a terminal line: control characters become '?'. */
void cli_print_safe(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c < 32 || c == 127 ? '?' : c, f);
	}
}
