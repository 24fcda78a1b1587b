/*
 * graph.c - the communication graph of a set of messages: people as nodes,
 * "wrote to" as directed edges weighted by the number of messages, and its
 * export as Graphviz DOT and GEXF 1.2 (Gephi).
 *
 * The graph is computed in one grouped query over sender and recipient
 * rows of the matching messages (people from lib/people.c's grouping), so
 * an edge counts distinct messages, not recipients.  The writers escape
 * everything that comes from the evidence: names and addresses are hostile
 * text and end up inside XML attributes and DOT strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "investigate/investigate.h"
#include "search/search.h"

typedef struct graph_priv {
	trawl_graph pub;
	tw_strpool pool;
} graph_priv;

static const char *gkeep(graph_priv *p, const char *s)
{
	return tw_strpool_keep(&p->pool, s);
}

void trawl_graph_free(trawl_graph *g)
{
	graph_priv *p = (graph_priv *)g;

	if (!g)
		return;
	tw_strpool_release(&p->pool);
	free(g->nodes);
	free(g->edges);
	free(p);
}

typedef struct nstat {
	int64_t total;
	size_t idx;
	int keep;
} nstat;

trawl_status trawl_graph_get(trawl_archive *ar, const char *query, const trawl_graph_opts *opts,
			     trawl_graph **out, trawl_syntax_error *err)
{
	graph_priv *p;
	trawl_graph *g;
	trawl_status st;
	int all = 1, rc;
	char sql[1500];
	sqlite3_stmt *s = NULL;
	tw_intmap node_of;
	size_t cap_e = 0, i;
	int64_t min_msgs = opts && opts->min_messages > 1 ? opts->min_messages : 1;
	size_t max_nodes = opts ? opts->max_nodes : 0;
	const char *qj;
	uint64_t failures = tw_alloc_failures();

	*out = NULL;
	memset(&node_of, 0, sizeof(node_of));
	if (query && *query) {
		st = tw_query_temp(ar, query, "tw_gq", NULL, &all, err);
		if (st)
			return st;
	}
	p = tw_calloc(1, sizeof(*p));
	if (!p)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory");
	g = &p->pub;
	g->query = gkeep(p, query ? query : "");
	qj = all ? "" : " JOIN temp.tw_gq x ON x.blob_id=f.blob_id";
	/* People of the graph: those who sent or received within it. */
	snprintf(sql, sizeof(sql),
		 "SELECT s.pid, coalesce(p.name, a.addr), coalesce(p.addr, a.addr), s.sent, s.received"
		 " FROM (SELECT coalesce(ad.person_id, ad.id) AS pid,"
		 "  count(DISTINCT CASE WHEN f.role=0 THEN f.blob_id END) AS sent,"
		 "  count(DISTINCT CASE WHEN f.role IN (1,2,3) THEN f.blob_id END) AS received"
		 "  FROM email_addrs f%s JOIN addrs ad ON ad.id=f.addr_id"
		 "  WHERE f.role IN (0,1,2,3) GROUP BY 1) s"
		 " LEFT JOIN persons p ON p.id=s.pid LEFT JOIN addrs a ON a.id=s.pid"
		 " ORDER BY s.sent + s.received DESC, s.pid",
		 qj);
	if (sqlite3_prepare_v2(ar->db, sql, -1, &s, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "building the graph");
		goto fail;
	}
	{
		size_t cap = 0;

		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			trawl_graph_node *n;

			if (max_nodes && g->nnodes >= max_nodes)
				break;
			if (g->nnodes == cap) {
				cap = cap ? cap * 2 : 256;
				n = tw_realloc(g->nodes, cap * sizeof(*n));
				if (!n)
					goto oom;
				g->nodes = n;
			}
			n = &g->nodes[g->nnodes];
			n->id = sqlite3_column_int64(s, 0);
			n->label = gkeep(p, (const char *)sqlite3_column_text(s, 1));
			n->addr = gkeep(p, (const char *)sqlite3_column_text(s, 2));
			n->sent = sqlite3_column_int64(s, 3);
			n->received = sqlite3_column_int64(s, 4);
			if (tw_intmap_put(&node_of, n->id, (int64_t)g->nnodes))
				goto oom;
			g->nnodes++;
		}
	}
	sqlite3_finalize(s);
	s = NULL;
	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(fa.person_id, fa.id), coalesce(ra.person_id, ra.id),"
		 " count(DISTINCT f.blob_id), min(b.date), max(b.date)"
		 " FROM email_addrs f%s JOIN addrs fa ON fa.id=f.addr_id"
		 " JOIN email_addrs r ON r.blob_id=f.blob_id AND r.role IN (1,2,3)"
		 " JOIN addrs ra ON ra.id=r.addr_id LEFT JOIN blobs b ON b.id=f.blob_id"
		 " WHERE f.role=0 GROUP BY 1, 2 HAVING count(DISTINCT f.blob_id) >= %lld",
		 qj, (long long)min_msgs);
	if (sqlite3_prepare_v2(ar->db, sql, -1, &s, NULL) != SQLITE_OK) {
		st = tw_dbfail(ar, "building the graph");
		goto fail;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t a, b;
		trawl_graph_edge *e;

		if (!tw_intmap_get(&node_of, sqlite3_column_int64(s, 0), &a) ||
		    !tw_intmap_get(&node_of, sqlite3_column_int64(s, 1), &b))
			continue;
		if (g->nedges == cap_e) {
			cap_e = cap_e ? cap_e * 2 : 256;
			e = tw_realloc(g->edges, cap_e * sizeof(*e));
			if (!e)
				goto oom;
			g->edges = e;
		}
		e = &g->edges[g->nedges++];
		memset(e, 0, sizeof(*e));
		e->source = (size_t)a;
		e->target = (size_t)b;
		e->messages = sqlite3_column_int64(s, 2);
		if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
			e->first = sqlite3_column_int64(s, 3);
			e->last = sqlite3_column_int64(s, 4);
			e->has_dates = 1;
		}
	}
	if (rc != SQLITE_DONE) {
		st = tw_dbfail(ar, "building the graph");
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	snprintf(sql, sizeof(sql),
		 "SELECT count(DISTINCT f.blob_id) FROM email_addrs f%s"
		 " WHERE f.role=0 AND EXISTS(SELECT 1 FROM email_addrs r WHERE r.blob_id=f.blob_id"
		 " AND r.role IN (1,2,3))",
		 qj);
	if (sqlite3_prepare_v2(ar->db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		g->messages = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	/* Nodes without any edge left (filters) are dropped; indexes remapped. */
	{
		size_t *map = tw_malloc((g->nnodes ? g->nnodes : 1) * sizeof(*map));
		char *used = tw_calloc(g->nnodes ? g->nnodes : 1, 1);
		size_t k = 0;

		if (!map || !used) {
			free(map);
			free(used);
			goto oom;
		}
		for (i = 0; i < g->nedges; i++)
			used[g->edges[i].source] = used[g->edges[i].target] = 1;
		for (i = 0; i < g->nnodes; i++) {
			map[i] = k;
			if (used[i])
				g->nodes[k++] = g->nodes[i];
		}
		g->nnodes = k;
		for (i = 0; i < g->nedges; i++) {
			g->edges[i].source = map[g->edges[i].source];
			g->edges[i].target = map[g->edges[i].target];
		}
		free(map);
		free(used);
	}
	/* A name or address lost on the way: no graph with blank nodes. */
	if (tw_alloc_failures() != failures)
		goto oom;
	tw_intmap_release(&node_of);
	*out = g;
	return TRAWL_OK;
oom:
	st = tw_fail(ar, TRAWL_ENOMEM, "out of memory building the graph");
fail:
	sqlite3_finalize(s);
	tw_intmap_release(&node_of);
	trawl_graph_free(g);
	return st;
}

/* ---------------------------------------------------------------- writers */

typedef struct wr {
	trawl_write_fn fn;
	void *ud;
	int failed;
	int oom;   /* a chunk lost text: nothing more is written */
	tw_buf b;
} wr;

/* Hand the chunk built so far to fn: the one check of the buffer, since
 * resetting it clears its failure. */
static void wr_flush(wr *w)
{
	if (tw_buf_failed(&w->b))
		w->oom = w->failed = 1;
	if (!w->failed && w->b.len && w->fn(w->b.data, w->b.len, w->ud))
		w->failed = 1;
	tw_buf_reset(&w->b);
}

static void wr_puts(wr *w, const char *s)
{
	tw_buf_puts(&w->b, s);
	if (w->b.len > 60000)
		wr_flush(w);
}

static void wr_printf(wr *w, const char *fmt, ...) TW_PRINTF(2, 3);
static void wr_printf(wr *w, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	wr_puts(w, buf);
}

/* XML 1.0 text: markup escaped, characters XML forbids dropped. */
static void xml_text(wr *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p; p++) {
		switch (*p) {
		case '&': tw_buf_puts(&w->b, "&amp;"); break;
		case '<': tw_buf_puts(&w->b, "&lt;"); break;
		case '>': tw_buf_puts(&w->b, "&gt;"); break;
		case '"': tw_buf_puts(&w->b, "&quot;"); break;
		case '\'': tw_buf_puts(&w->b, "&apos;"); break;
		case '\t': case '\n': case '\r': tw_buf_putc(&w->b, ' '); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				break;
			/* U+FFFE and U+FFFF are not XML characters either. */
			if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
				p += 2;
				break;
			}
			tw_buf_putc(&w->b, (char)*p);
		}
	}
	if (w->b.len > 60000)
		wr_flush(w);
}

/* A DOT double-quoted string body: quotes and backslashes escaped (so
 * that \N, \G ... lose their meaning), control characters dropped. */
static void dot_text(wr *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			tw_buf_putc(&w->b, '\\');
		if (*p < 0x20 || *p == 0x7f)
			continue;
		tw_buf_putc(&w->b, (char)*p);
	}
	if (w->b.len > 60000)
		wr_flush(w);
}

static const char *iso_day(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm))
		snprintf(buf, n, "?");
	else
		strftime(buf, n, "%Y-%m-%d", &tm);
	return buf;
}

static void write_dot(wr *w, const trawl_graph *g)
{
	size_t i;

	wr_puts(w, "digraph trawl {\n  graph [overlap=false, splines=true];\n"
		   "  node [shape=box, style=rounded, fontsize=10];\n  edge [fontsize=8];\n");
	for (i = 0; i < g->nnodes; i++) {
		const trawl_graph_node *n = &g->nodes[i];

		wr_printf(w, "  p%lld [label=\"", (long long)n->id);
		dot_text(w, n->label);
		if (n->addr && n->label && strcmp(n->addr, n->label)) {
			wr_puts(w, "\\n");
			dot_text(w, n->addr);
		}
		wr_printf(w, "\", tooltip=\"sent %lld, received %lld\"];\n", (long long)n->sent,
			  (long long)n->received);
	}
	for (i = 0; i < g->nedges; i++) {
		const trawl_graph_edge *e = &g->edges[i];

		wr_printf(w, "  p%lld -> p%lld [label=\"%lld\", weight=%lld, penwidth=%.1f];\n",
			  (long long)g->nodes[e->source].id, (long long)g->nodes[e->target].id,
			  (long long)e->messages, (long long)e->messages,
			  e->messages >= 100 ? 5.0 : 1.0 + (double)e->messages / 25.0);
	}
	wr_puts(w, "}\n");
}

static void write_gexf(wr *w, const trawl_graph *g)
{
	char a[32], b[32];
	size_t i;

	wr_puts(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<gexf xmlns=\"http://www.gexf.net/1.2draft\""
		   " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
		   " xsi:schemaLocation=\"http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd\""
		   " version=\"1.2\">\n"
		   "  <meta>\n    <creator>trawl " TRAWL_VERSION "</creator>\n    <description>");
	xml_text(w, "who wrote to whom");
	if (g->query && *g->query) {
		xml_text(w, ": ");
		xml_text(w, g->query);
	}
	wr_puts(w, "</description>\n  </meta>\n"
		   "  <graph mode=\"static\" defaultedgetype=\"directed\">\n"
		   "    <attributes class=\"node\">\n"
		   "      <attribute id=\"0\" title=\"address\" type=\"string\"/>\n"
		   "      <attribute id=\"1\" title=\"sent\" type=\"long\"/>\n"
		   "      <attribute id=\"2\" title=\"received\" type=\"long\"/>\n"
		   "    </attributes>\n"
		   "    <attributes class=\"edge\">\n"
		   "      <attribute id=\"0\" title=\"messages\" type=\"long\"/>\n"
		   "      <attribute id=\"1\" title=\"first\" type=\"string\"/>\n"
		   "      <attribute id=\"2\" title=\"last\" type=\"string\"/>\n"
		   "    </attributes>\n    <nodes>\n");
	for (i = 0; i < g->nnodes; i++) {
		const trawl_graph_node *n = &g->nodes[i];

		wr_printf(w, "      <node id=\"p%lld\" label=\"", (long long)n->id);
		xml_text(w, n->label);
		wr_puts(w, "\">\n        <attvalues>\n          <attvalue for=\"0\" value=\"");
		xml_text(w, n->addr);
		wr_printf(w, "\"/>\n          <attvalue for=\"1\" value=\"%lld\"/>\n"
			     "          <attvalue for=\"2\" value=\"%lld\"/>\n        </attvalues>\n      </node>\n",
			  (long long)n->sent, (long long)n->received);
	}
	wr_puts(w, "    </nodes>\n    <edges>\n");
	for (i = 0; i < g->nedges; i++) {
		const trawl_graph_edge *e = &g->edges[i];

		wr_printf(w, "      <edge id=\"e%zu\" source=\"p%lld\" target=\"p%lld\" weight=\"%lld\">\n"
			     "        <attvalues>\n          <attvalue for=\"0\" value=\"%lld\"/>\n",
			  i, (long long)g->nodes[e->source].id, (long long)g->nodes[e->target].id,
			  (long long)e->messages, (long long)e->messages);
		if (e->has_dates)
			wr_printf(w, "          <attvalue for=\"1\" value=\"%s\"/>\n"
				     "          <attvalue for=\"2\" value=\"%s\"/>\n",
				  iso_day(e->first, a, sizeof(a)), iso_day(e->last, b, sizeof(b)));
		wr_puts(w, "        </attvalues>\n      </edge>\n");
	}
	wr_puts(w, "    </edges>\n  </graph>\n</gexf>\n");
}

trawl_status trawl_graph_write(const trawl_graph *g, trawl_graph_format format,
			       trawl_write_fn fn, void *ud)
{
	wr w;

	if (format != TRAWL_GRAPH_DOT && format != TRAWL_GRAPH_GEXF)
		return TRAWL_EINVAL;
	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.ud = ud;
	tw_buf_init(&w.b, 1 << 20);
	if (format == TRAWL_GRAPH_DOT)
		write_dot(&w, g);
	else
		write_gexf(&w, g);
	wr_flush(&w);
	tw_buf_release(&w.b);
	if (w.oom)
		return TRAWL_ENOMEM;
	return w.failed ? TRAWL_EIO : TRAWL_OK;
}
