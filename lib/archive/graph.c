/*
 * graph.c - the rows of the communication graph: the people who sent or
 * received the messages of a selection, and who wrote to whom how often.
 *
 * Each is one grouped query over the sender and recipient rows of the
 * messages (people from lib/investigate/people.c's grouping, or the bare
 * address), so that a link counts distinct messages, not recipients.  The
 * graph itself (indexes, filters) and its formats are built in
 * lib/investigate/graph.c.
 */
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "archive/db.h"

/* " JOIN temp.<sel> x ON x.blob_id=f.blob_id", or "" for every message. */
static char *sel_join(const char *sel)
{
	if (!sel)
		return tw_strdup("");
	return tw_asprintf(" JOIN temp.%s x ON x.blob_id=f.blob_id", sel);
}

/* Prepare sql (NULL when it could not be made) into *out and free it. */
static trawl_status prepare_free(trawl_archive *ar, char *sql, sqlite3_stmt **out)
{
	*out = NULL;
	if (!sql)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory building the graph");
	*out = tw_prepare(ar, sql, "building the graph");
	free(sql);
	return *out ? TRAWL_OK : TRAWL_EDB;
}

trawl_status tw_ar_graph_people(trawl_archive *ar, const char *sel,
				int (*fn)(const trawl_graph_node *n, void *ud), void *ud)
{
	char *qj = sel_join(sel), *sql;
	sqlite3_stmt *s;
	trawl_status st;
	int rc;

	if (!qj)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory building the graph");
	sql = tw_asprintf("SELECT s.pid, coalesce(p.name, a.addr), coalesce(p.addr, a.addr), s.sent, s.received"
			  " FROM (SELECT coalesce(ad.person_id, ad.id) AS pid,"
			  "  count(DISTINCT CASE WHEN f.role=0 THEN f.blob_id END) AS sent,"
			  "  count(DISTINCT CASE WHEN f.role IN (1,2,3) THEN f.blob_id END) AS received"
			  "  FROM email_addrs f%s JOIN addrs ad ON ad.id=f.addr_id"
			  "  WHERE f.role IN (0,1,2,3) GROUP BY 1) s"
			  " LEFT JOIN persons p ON p.id=s.pid LEFT JOIN addrs a ON a.id=s.pid"
			  " ORDER BY s.sent + s.received DESC, s.pid",
			  qj);
	free(qj);
	st = prepare_free(ar, sql, &s);
	if (st)
		return st;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		trawl_graph_node n;

		n.id = sqlite3_column_int64(s, 0);
		n.label = (const char *)sqlite3_column_text(s, 1);
		n.addr = (const char *)sqlite3_column_text(s, 2);
		n.sent = sqlite3_column_int64(s, 3);
		n.received = sqlite3_column_int64(s, 4);
		if (fn(&n, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "building the graph");
	sqlite3_finalize(s);
	return st;
}

trawl_status tw_ar_graph_links(trawl_archive *ar, const char *sel, int64_t min_messages,
			       int (*fn)(const tw_ar_graph_link *l, void *ud), void *ud)
{
	char *qj = sel_join(sel), *sql;
	sqlite3_stmt *s;
	trawl_status st;
	int rc;

	if (!qj)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory building the graph");
	sql = tw_asprintf("SELECT coalesce(fa.person_id, fa.id), coalesce(ra.person_id, ra.id),"
			  " count(DISTINCT f.blob_id), min(b.date), max(b.date)"
			  " FROM email_addrs f%s JOIN addrs fa ON fa.id=f.addr_id"
			  " JOIN email_addrs r ON r.blob_id=f.blob_id AND r.role IN (1,2,3)"
			  " JOIN addrs ra ON ra.id=r.addr_id LEFT JOIN blobs b ON b.id=f.blob_id"
			  " WHERE f.role=0 GROUP BY 1, 2 HAVING count(DISTINCT f.blob_id) >= %lld",
			  qj, (long long)min_messages);
	free(qj);
	st = prepare_free(ar, sql, &s);
	if (st)
		return st;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		tw_ar_graph_link l;

		memset(&l, 0, sizeof(l));
		l.from = sqlite3_column_int64(s, 0);
		l.to = sqlite3_column_int64(s, 1);
		l.messages = sqlite3_column_int64(s, 2);
		if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
			l.first = sqlite3_column_int64(s, 3);
			l.last = sqlite3_column_int64(s, 4);
			l.has_dates = 1;
		}
		if (fn(&l, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = tw_dbfail(ar, "building the graph");
	sqlite3_finalize(s);
	return st;
}

trawl_status tw_ar_graph_messages(trawl_archive *ar, const char *sel, int64_t *n)
{
	char *qj = sel_join(sel), *sql;
	sqlite3_stmt *s;
	trawl_status st;

	*n = 0;
	if (!qj)
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory building the graph");
	sql = tw_asprintf("SELECT count(DISTINCT f.blob_id) FROM email_addrs f%s"
			  " WHERE f.role=0 AND EXISTS(SELECT 1 FROM email_addrs r WHERE r.blob_id=f.blob_id"
			  " AND r.role IN (1,2,3))",
			  qj);
	free(qj);
	st = prepare_free(ar, sql, &s);
	if (st)
		return st;
	if (sqlite3_step(s) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	else
		st = tw_dbfail(ar, "building the graph");
	sqlite3_finalize(s);
	return st;
}
