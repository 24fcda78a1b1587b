/*
 * store.c - writing extraction results into the archive (the look-ups of
 * the walker and the extractor threads are in reader.c).
 *
 * Only the writer thread calls the tw_store_* writers, inside transactions
 * the pipeline opens and commits; one unit (an input file with all its
 * descendants, or one mbox message) is always written whole inside one
 * transaction, so a kill never leaves half a file.  Contents are stored
 * once per SHA-256 (blobs); every occurrence is an item pointing at its
 * blob.  Texts are stored and indexed once per content too (texts, fts):
 * the copies of a message filed in several folders differ in their headers
 * but share one text, found by its key (tw_text_key()).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "archive/archive.h"
#include "archive/db.h"

enum {
	S_BLOB_GET, S_BLOB_INS, S_BLOB_FILL, S_ITEM_INS, S_TEXT_GET, S_TEXT_INS,
	S_FTS_INS, S_EMAIL_INS, S_ADDR_GET, S_ADDR_INS, S_EADDR_INS, S_PROP_INS,
	S_ERR_INS, S_FILE_PUT, S_SRC_INS, S_SRC_END, S_MBOX_ITEM, S_PVAL_GET, S_PVAL_INS,
	S_BLOB_NEW
};

/* Metadata values at least this long are stored once in prop_values and
 * referred to (Enron's X-To lines repeat on every copy of a message). */
#define PROP_SHARED_MIN 24

/* The blob of a digest (0 if none); its family goes to type[n] when
 * type is not NULL ("" when unknown). */
static int64_t blob_lookup(trawl_archive *ar, const tw_digest *d, int *extracted,
			   char *type, size_t n)
{
	sqlite3_stmt *s = tw_stmt(ar, S_BLOB_GET,
				  "SELECT id, extracted, type FROM blobs WHERE sha256=?");
	int64_t id = 0;

	if (!s)
		return -1;
	sqlite3_bind_blob(s, 1, d->sha256, 32, SQLITE_STATIC);
	if (type)
		type[0] = '\0';
	if (sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		*extracted = sqlite3_column_int(s, 1);
		if (type && sqlite3_column_text(s, 2))
			snprintf(type, n, "%s", (const char *)sqlite3_column_text(s, 2));
	}
	sqlite3_reset(s);
	return id;
}

/* A placeholder row for a content known but not extracted yet. */
static int64_t blob_insert(trawl_archive *ar, const tw_node *n)
{
	sqlite3_stmt *s = tw_stmt(ar, S_BLOB_INS,
				  "INSERT INTO blobs(sha256, md5, size, mime, type) VALUES(?,?,?,?,?)");

	if (!s)
		return -1;
	sqlite3_bind_blob(s, 1, n->digest.sha256, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, n->digest.md5, 16, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, n->size);
	sqlite3_bind_text(s, 4, n->mime, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, n->mime ? n->type : NULL, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		tw_dbfail(ar, "inserting content");
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return sqlite3_last_insert_rowid(ar->db);
}

/* "2014-11-24T10:03:00Z" (or a prefix of it) to UTC seconds. */
static int iso_to_utc(const char *s, int64_t *out)
{
	struct tm tm;
	int y = 0, mo = 1, d = 1, h = 0, mi = 0, se = 0, n;

	if (!s)
		return -1;
	n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se);
	if (n < 3 || y < 1601 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static const char *node_prop(const tw_node *n, const char *key)
{
	size_t i;

	for (i = 0; i < n->nprops; i++)
		if (strcmp(n->props[i].key, key) == 0)
			return n->props[i].value;
	return NULL;
}

/* The text of a content as the index sees it: subject, body, and names. */
static const char *text_subject(const tw_node *n)
{
	return n->email ? n->email->subject : node_prop(n, "title");
}

/* The names of a content and of its children.  A message's own file name
 * is left out: it is where a copy was filed ("142." in a maildir), not
 * part of the message, and would keep copies from sharing a text. */
static void text_names(const tw_node *n, tw_buf *names)
{
	const tw_node *c;

	if (n->name && !n->email)
		tw_buf_puts(names, n->name);
	for (c = n->first_child; c; c = c->next) {
		if (c->name) {
			if (names->len)
				tw_buf_putc(names, '\n');
			tw_buf_puts(names, c->name);
		}
	}
}

static void key_part(EVP_MD_CTX *c, const char *p, size_t n)
{
	unsigned char len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)n >> (8 * i));
	EVP_DigestUpdate(c, len, 8);
	EVP_DigestUpdate(c, p, n);
}

void tw_text_key(tw_node *n, const char *text, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdl = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	const char *subject = text_subject(n);
	tw_buf names;

	n->text_keyed = 0;
	if (!c)
		return;
	tw_buf_init(&names, 64 * 1024);
	text_names(n, &names);
	if (EVP_DigestInit_ex(c, tw_md_sha256(), NULL)) {
		key_part(c, subject ? subject : "", subject ? strlen(subject) : 0);
		key_part(c, text ? text : "", len);
		key_part(c, names.data ? names.data : "", names.len);
		if (EVP_DigestFinal_ex(c, md, &mdl) && mdl >= sizeof(n->text_key)) {
			memcpy(n->text_key, md, sizeof(n->text_key));
			n->text_keyed = 1;
		}
	}
	EVP_MD_CTX_free(c);
	tw_buf_release(&names);
}

int tw_step_done(trawl_archive *ar, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		tw_dbfail(ar, what);
		return -1;
	}
	return 0;
}

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The id of a shared metadata value, added if new; -1 on failure. */
static int64_t prop_value_id(trawl_archive *ar, const char *v)
{
	uint64_t h = fnv(v);
	int64_t id = tw_id_cache_get(&ar->pvals, v, h);
	sqlite3_stmt *s;

	if (id)
		return id;
	/* Values sharing a hash are told apart by comparing them. */
	s = tw_stmt(ar, S_PVAL_GET, "SELECT id, value FROM prop_values WHERE hash=?");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)h);
	while (!id && sqlite3_step(s) == SQLITE_ROW) {
		const char *have = (const char *)sqlite3_column_text(s, 1);

		if (have && strcmp(have, v) == 0)
			id = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (!id) {
		s = tw_stmt(ar, S_PVAL_INS, "INSERT INTO prop_values(hash, value) VALUES(?,?)");
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, (int64_t)h);
		sqlite3_bind_text(s, 2, v, -1, SQLITE_STATIC);
		if (tw_step_done(ar, s, "storing metadata"))
			return -1;
		id = sqlite3_last_insert_rowid(ar->db);
	}
	tw_id_cache_put(&ar->pvals, v, h, id);
	return id;
}

static int64_t addr_id(trawl_archive *ar, const char *addr)
{
	sqlite3_stmt *s;
	int64_t id = 0;
	uint64_t h;

	if (!addr)
		return 0;
	h = fnv(addr);
	id = tw_id_cache_get(&ar->addrs, addr, h);
	if (id)
		return id;
	s = tw_stmt(ar, S_ADDR_GET, "SELECT id FROM addrs WHERE addr=?");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (!id) {
		s = tw_stmt(ar, S_ADDR_INS, "INSERT INTO addrs(addr) VALUES(?)");
		if (!s)
			return -1;
		sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
		if (tw_step_done(ar, s, "inserting address"))
			return -1;
		id = sqlite3_last_insert_rowid(ar->db);
	}
	tw_id_cache_put(&ar->addrs, addr, h, id);
	return id;
}

/* The text row of node n: an existing one with the same key, or a new one,
 * indexed.  Returns its id, or -1. */
static int64_t text_put(trawl_archive *ar, tw_node *n)
{
	const char *subject = text_subject(n);
	char *plain = NULL;
	const char *text = n->text.data ? n->text.data : "";
	size_t len = n->text.len;
	sqlite3_stmt *s;
	tw_buf names;
	int64_t id = -1;

	if (n->text_in_z) {
		/* The pipeline kept only the compressed text of this node. */
		plain = tw_inflate(n->ztext, n->zlen, &len);
		text = plain ? plain : "";
		if (!plain)
			len = 0;
	}
	if (!n->text_keyed)
		tw_text_key(n, text, len);
	if (n->text_keyed) {
		s = tw_stmt(ar, S_TEXT_GET, "SELECT id FROM texts WHERE hash=?");
		if (!s)
			goto out;
		sqlite3_bind_blob(s, 1, n->text_key, sizeof(n->text_key), SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (id >= 0)
			goto out;
	}
	tw_buf_init(&names, 64 * 1024);
	text_names(n, &names);
	s = tw_stmt(ar, S_TEXT_INS, "INSERT INTO texts(hash, subject, body, names) VALUES(?,?,?,?)");
	if (!s) {
		tw_buf_release(&names);
		goto out;
	}
	if (n->text_keyed)
		sqlite3_bind_blob(s, 1, n->text_key, sizeof(n->text_key), SQLITE_STATIC);
	sqlite3_bind_text(s, 2, subject, -1, SQLITE_STATIC);
	if (!n->ztext && len > 64) {
		/* Left to the writer by the pipeline (see compress_tree()). */
		n->ztext = tw_deflate(text, len, &n->zlen);
	}
	if (n->ztext)
		sqlite3_bind_blob(s, 3, n->ztext, (int)n->zlen, SQLITE_STATIC);
	else
		sqlite3_bind_text(s, 3, text, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, names.data, (int)names.len, SQLITE_STATIC);
	if (tw_step_done(ar, s, "storing text")) {
		tw_buf_release(&names);
		goto out;
	}
	id = sqlite3_last_insert_rowid(ar->db);
	s = tw_stmt(ar, S_FTS_INS, "INSERT INTO fts(rowid, subject, body, names) VALUES(?,?,?,?)");
	if (s) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, text, (int)len, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, names.data, (int)names.len, SQLITE_STATIC);
	}
	if (!s || tw_step_done(ar, s, "indexing text"))
		id = -1;
	tw_buf_release(&names);
out:
	free(plain);
	return id;
}

/* Store what was extracted from node n: its text, its blob row (a new row
 * when blob is 0, else the placeholder row `blob`), email fields, metadata
 * and findings.  Returns the blob id or -1. */
static int64_t blob_store(trawl_archive *ar, int64_t blob, tw_node *n)
{
	sqlite3_stmt *s;
	int64_t date = 0, text;
	int has_date = 0, k = 1;
	size_t i;

	if (n->email && n->email->date_status == TW_DATE_OK) {
		date = n->email->date;
		has_date = 1;
	} else if (iso_to_utc(node_prop(n, "created"), &date) == 0 ||
		   iso_to_utc(node_prop(n, "modified"), &date) == 0) {
		has_date = 1;
	}
	text = text_put(ar, n);
	if (text < 0)
		return -1;
	if (blob)
		s = tw_stmt(ar, S_BLOB_FILL,
			    "UPDATE blobs SET md5=?, size=?, mime=?, type=?, date=?, nchildren=?,"
			    " extracted=1, truncated=?, text_id=? WHERE id=?");
	else
		s = tw_stmt(ar, S_BLOB_NEW,
			    "INSERT INTO blobs(md5, size, mime, type, date, nchildren, extracted,"
			    " truncated, text_id, sha256) VALUES(?,?,?,?,?,?,1,?,?,?)");
	if (!s)
		return -1;
	sqlite3_bind_blob(s, k++, n->digest.md5, 16, SQLITE_STATIC);
	sqlite3_bind_int64(s, k++, n->size);
	sqlite3_bind_text(s, k++, n->mime, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, k++, n->type, -1, SQLITE_STATIC);
	if (has_date)
		sqlite3_bind_int64(s, k, date);
	k++;
	sqlite3_bind_int64(s, k++, (int64_t)n->nchildren);
	sqlite3_bind_int(s, k++, n->text.truncated);
	sqlite3_bind_int64(s, k++, text);
	if (blob)
		sqlite3_bind_int64(s, k, blob);
	else
		sqlite3_bind_blob(s, k, n->digest.sha256, 32, SQLITE_STATIC);
	if (tw_step_done(ar, s, "storing content"))
		return -1;
	if (!blob)
		blob = sqlite3_last_insert_rowid(ar->db);

	if (n->email) {
		const tw_email *e = n->email;

		s = tw_stmt(ar, S_EMAIL_INS,
			    "INSERT OR REPLACE INTO emails(blob_id, message_id, in_reply_to, refs,"
			    " subject, tz, date_status, date_raw) VALUES(?,?,?,?,?,?,?,?)");
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, blob);
		sqlite3_bind_text(s, 2, e->message_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, e->in_reply_to, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, e->references, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, e->subject, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 6, e->tz_offset);
		sqlite3_bind_int(s, 7, e->date_status);
		sqlite3_bind_text(s, 8, e->date_raw, -1, SQLITE_STATIC);
		if (tw_step_done(ar, s, "storing email"))
			return -1;
		for (i = 0; i < e->naddrs; i++) {
			int64_t aid = addr_id(ar, e->addrs[i].addr);

			if (aid < 0)
				return -1;
			s = tw_stmt(ar, S_EADDR_INS,
				    "INSERT INTO email_addrs(blob_id, role, addr_id, name, pos)"
				    " VALUES(?,?,?,?,?)");
			if (!s)
				return -1;
			sqlite3_bind_int64(s, 1, blob);
			sqlite3_bind_int(s, 2, e->addrs[i].role);
			if (aid)
				sqlite3_bind_int64(s, 3, aid);
			sqlite3_bind_text(s, 4, e->addrs[i].name, -1, SQLITE_STATIC);
			sqlite3_bind_int(s, 5, (int)i);
			if (tw_step_done(ar, s, "storing address"))
				return -1;
		}
	}
	for (i = 0; i < n->nprops; i++) {
		if (n->email && strcmp(n->props[i].key, "title") == 0)
			continue; /* the subject already says it */
		const char *v = n->props[i].value;
		int64_t vid = 0;

		if (v && strlen(v) >= PROP_SHARED_MIN && (vid = prop_value_id(ar, v)) < 0)
			return -1;
		s = tw_stmt(ar, S_PROP_INS, "INSERT INTO props(blob_id, key, value, value_id) VALUES(?,?,?,?)");
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, blob);
		sqlite3_bind_text(s, 2, n->props[i].key, -1, SQLITE_STATIC);
		if (vid)
			sqlite3_bind_int64(s, 4, vid);
		else
			sqlite3_bind_text(s, 3, v, -1, SQLITE_STATIC);
		if (tw_step_done(ar, s, "storing metadata"))
			return -1;
	}
	if (n->findings && tw_store_findings(ar, blob, n))
		return -1;
	return blob;
}

static int64_t item_insert(trawl_archive *ar, const tw_node *n, int64_t parent,
			   int64_t root, int64_t blob, int64_t source,
			   const char *path, int dup, const char *mismatch)
{
	sqlite3_stmt *s = tw_stmt(ar, S_ITEM_INS,
				  "INSERT INTO items(parent_id, root_id, blob_id, source_id, kind, name,"
				  " locator, ext, depth, path, dup, mismatch)"
				  " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");

	if (!s)
		return -1;
	if (parent)
		sqlite3_bind_int64(s, 1, parent);
	if (root)
		sqlite3_bind_int64(s, 2, root);
	if (blob)
		sqlite3_bind_int64(s, 3, blob);
	sqlite3_bind_int64(s, 4, source);
	sqlite3_bind_text(s, 5, n->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, n->locator, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, n->ext, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 9, n->depth);
	sqlite3_bind_text(s, 10, path, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 11, dup);
	sqlite3_bind_text(s, 12, mismatch, -1, SQLITE_STATIC);
	if (tw_step_done(ar, s, "storing item"))
		return -1;
	/* A file on disk has no root_id: it is its own root. */
	return sqlite3_last_insert_rowid(ar->db);
}

static int error_insert(trawl_archive *ar, int64_t item, const char *path,
			const char *stage, trawl_status st, const char *msg,
			int64_t source)
{
	sqlite3_stmt *s = tw_stmt(ar, S_ERR_INS,
				  "INSERT INTO errors(item_id, path, stage, status, message, source_id)"
				  " VALUES(?,?,?,?,?,?)");

	if (!s)
		return -1;
	if (item)
		sqlite3_bind_int64(s, 1, item);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, stage, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, trawl_status_str(st), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, msg, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, source);
	return tw_step_done(ar, s, "storing error");
}

/* Errors recorded on node n, the loss of memory included (tw_node_oom()). */
static size_t node_nerrs(const tw_node *n)
{
	return n->nerrs + (tw_node_oom(n) ? 1 : 0);
}

/* Store the errors of node n for item `item`; returns 0 or -1. */
static int node_errors_put(trawl_archive *ar, int64_t item, const char *path,
			   const tw_node *n, int64_t source)
{
	size_t i;

	for (i = 0; i < n->nerrs; i++)
		if (error_insert(ar, item, path, n->errs[i].stage, n->errs[i].status,
				 n->errs[i].message, source))
			return -1;
	/* What was kept of an item that lost something for lack of memory
	 * is stored, marked as incomplete: never a silent partial item. */
	if (tw_node_oom(n) &&
	    error_insert(ar, item, path, "extract", TRAWL_ENOMEM, TW_OOM_MESSAGE, source))
		return -1;
	return 0;
}

/* Store node n and its subtree; returns the item id or -1. */
static int64_t put_node(trawl_archive *ar, tw_node *n, int64_t parent,
			int64_t root, int64_t source, const char *path,
			tw_unit_result *res, int *dup_out)
{
	int64_t blob = 0, id;
	int extracted = 0, dup = 0;
	tw_node *c;
	int has_content = n->mime != NULL || n->known;
	char btype[32] = "", mismatch[160] = "";
	const char *want, *type;

	if (has_content) {
		blob = blob_lookup(ar, &n->digest, &extracted, btype, sizeof(btype));
		if (blob < 0)
			return -1;
		if (extracted || n->known) {
			/* Stored already, or being extracted by another thread
			 * (which fills the placeholder made here). */
			dup = 1;
			if (!blob && (blob = blob_insert(ar, n)) < 0)
				return -1;
		} else if ((blob = blob_store(ar, blob, n)) < 0) {
			return -1;
		}
	}
	/* A name that promises another type than the content is recorded
	 * per occurrence: the same bytes may be honestly named elsewhere. */
	type = !n->mime ? NULL : !n->known ? n->type : btype[0] ? btype : n->type;
	want = tw_ext_family(n->ext);
	if (want && type && *type && strcmp(want, type) != 0 && strcmp(type, "empty") != 0)
		snprintf(mismatch, sizeof(mismatch), "name says .%s (%s), content is %s", n->ext,
			 want, type);
	id = item_insert(ar, n, parent, root, blob, source, path, dup,
			 mismatch[0] ? mismatch : NULL);
	if (id < 0)
		return -1;
	res->items++;
	if (dup_out)
		*dup_out = dup;
	if (node_errors_put(ar, id, path, n, source))
		return -1;
	if (parent)
		res->item_errors += node_nerrs(n);
	/* Children of a duplicate were stored with the first occurrence; a
	 * duplicate's own children are not re-extracted, so there are none. */
	for (c = n->first_child; c; c = c->next) {
		char *cpath = tw_asprintf("%s!/%s", path, c->name ? c->name : "?");
		int64_t r;

		if (!cpath)
			return -1;
		r = put_node(ar, c, id, root ? root : id, source, cpath, res, NULL);
		free(cpath);
		if (r < 0)
			return -1;
	}
	return id;
}

static int file_put(trawl_archive *ar, const char *path, int64_t size,
		    int64_t mtime, int64_t item, int done)
{
	sqlite3_stmt *s = tw_stmt(ar, S_FILE_PUT,
				  "INSERT OR REPLACE INTO files(path, size, mtime, item_id, done)"
				  " VALUES(?,?,?,?,?)");

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, size);
	sqlite3_bind_int64(s, 3, mtime);
	sqlite3_bind_int64(s, 4, item);
	sqlite3_bind_int(s, 5, done);
	return tw_step_done(ar, s, "recording file");
}

const char *tw_split_prefix(int format)
{
	return format == TW_SPLIT_PST ? "pst:" : "mbox:";
}

/* The split container's own item, made when its first unit arrives (and
 * counted in res then). */
static int64_t split_item(trawl_archive *ar, tw_split *m, int64_t source,
			  tw_unit_result *res)
{
	int64_t id;

	if (m->item_id)
		return m->item_id;
	/* old_root stays set: extractor threads keep excluding the old family
	 * from "known" until this deletion is committed and visible to them. */
	if (m->old_root && tw_store_delete_family(ar, m->old_root))
		return -1;
	id = item_insert(ar, m->node, 0, 0, 0, source, m->path, 0, NULL);
	if (id < 0 || file_put(ar, m->path, m->size, m->mtime, id, 0))
		return -1;
	m->item_id = id;
	res->items++;
	return id;
}

static trawl_status store_unit(trawl_archive *ar, int64_t source, tw_unit *u,
			       tw_unit_result *res);
static trawl_status store_split_done(trawl_archive *ar, tw_split *m,
				     int64_t source, tw_unit_result *res);

/* The writer's own allocation failures (paths, SQL text, names of a text
 * row ...) abort the unit: its transaction is rolled back, so no partial
 * item is committed, and the run ends with TRAWL_ENOMEM. */
static trawl_status store_oom(trawl_archive *ar, uint64_t failures, trawl_status st)
{
	if (tw_alloc_failures() == failures)
		return st;
	return tw_fail(ar, TRAWL_ENOMEM, "out of memory while storing an input");
}

trawl_status tw_store_unit(trawl_archive *ar, int64_t source, tw_unit *u,
			   tw_unit_result *res)
{
	uint64_t failures = tw_alloc_failures();
	trawl_status st = store_unit(ar, source, u, res);

	return store_oom(ar, failures, st);
}

trawl_status tw_store_split_done(trawl_archive *ar, tw_split *m,
				 int64_t source, tw_unit_result *res)
{
	uint64_t failures = tw_alloc_failures();
	trawl_status st = store_split_done(ar, m, source, res);

	return store_oom(ar, failures, st);
}

static trawl_status store_unit(trawl_archive *ar, int64_t source, tw_unit *u,
			       tw_unit_result *res)
{
	tw_node *r = u->root;
	int dup = 0;
	int64_t id;

	memset(res, 0, sizeof(*res));
	if (u->kind == TW_UNIT_SPLIT_END)
		return TRAWL_OK; /* completion is decided by the pipeline */
	if (u->kind == TW_UNIT_PART) {
		int64_t parent = split_item(ar, u->split, source, res);
		char *path;

		if (parent < 0)
			return TRAWL_EDB;
		path = tw_asprintf("%s!/%s", u->split->path, r->name);
		if (!path)
			return TRAWL_ENOMEM;
		id = put_node(ar, r, parent, parent, source, path, res, &dup);
		free(path);
		if (id < 0)
			return TRAWL_EDB;
	} else {
		if (u->old_root && tw_store_delete_family(ar, u->old_root))
			return TRAWL_EDB;
		id = put_node(ar, r, 0, 0, source, u->path, res, &dup);
		if (id < 0 || file_put(ar, u->path, u->size, u->mtime, id, 1))
			return TRAWL_EDB;
	}
	res->outcome = dup ? 1 : (node_nerrs(r) ? 2 : 0);
	return TRAWL_OK;
}

static trawl_status store_split_done(trawl_archive *ar, tw_split *m,
				     int64_t source, tw_unit_result *res)
{
	tw_node *n = m->node;
	int extracted = 0;
	int64_t item, blob;
	sqlite3_stmt *s;

	memset(res, 0, sizeof(*res));
	res->outcome = -1;
	item = split_item(ar, m, source, res);
	if (item < 0)
		return TRAWL_EDB;
	n->size = m->size;
	blob = blob_lookup(ar, &n->digest, &extracted, NULL, 0);
	if (blob == 0) {
		n->nchildren = m->nparts;
		blob = blob_store(ar, 0, n);
	}
	if (blob < 0)
		return TRAWL_EDB;
	s = tw_stmt(ar, S_MBOX_ITEM, "UPDATE items SET blob_id=?, dup=? WHERE id=?");
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, blob);
	sqlite3_bind_int(s, 2, extracted);
	sqlite3_bind_int64(s, 3, item);
	if (tw_step_done(ar, s, "completing a split container"))
		return TRAWL_EDB;
	if (m->truncated_walk || atomic_load(&m->lost))
		return TRAWL_OK; /* resumed by the next run */
	if (node_errors_put(ar, item, m->path, n, source))
		return TRAWL_EDB;
	if (file_put(ar, m->path, m->size, m->mtime, item, 1))
		return TRAWL_EDB;
	if (m->nparts == 0) {
		/* Nothing in it (or nothing readable): the file is an input. */
		res->outcome = extracted ? 1 : node_nerrs(n) ? 2 : 0;
	} else {
		res->item_errors = node_nerrs(n);
	}
	return TRAWL_OK;
}

trawl_status tw_store_walk_error(trawl_archive *ar, int64_t source,
				 const char *path, trawl_status st,
				 const char *message)
{
	return error_insert(ar, 0, path, "walk", st, message, source) ? TRAWL_EDB
								      : TRAWL_OK;
}

trawl_status tw_store_source_begin(trawl_archive *ar, const char *roots,
				   const char *label, int64_t *source_id)
{
	sqlite3_stmt *s = tw_stmt(ar, S_SRC_INS,
				  "INSERT INTO sources(roots, label, started) VALUES(?,?,?)");

	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_text(s, 1, roots, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, label, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	if (tw_step_done(ar, s, "recording ingest run"))
		return TRAWL_EDB;
	*source_id = sqlite3_last_insert_rowid(ar->db);
	return TRAWL_OK;
}

trawl_status tw_store_source_end(trawl_archive *ar, int64_t source,
				 const trawl_ingest_stats *st)
{
	sqlite3_stmt *s = tw_stmt(ar, S_SRC_END,
				  "UPDATE sources SET finished=?, seen=?, indexed=?, duplicates=?,"
				  " errors=? WHERE id=?");

	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 2, (int64_t)st->seen);
	sqlite3_bind_int64(s, 3, (int64_t)st->indexed);
	sqlite3_bind_int64(s, 4, (int64_t)st->duplicates);
	sqlite3_bind_int64(s, 5, (int64_t)st->errors);
	sqlite3_bind_int64(s, 6, source);
	return tw_step_done(ar, s, "recording ingest run") ? TRAWL_EDB : TRAWL_OK;
}

/* What rehome_children() failed at, for its messages. */
static const char rehome_what[] = "keeping the children of shared contents";

/*
 * Before a family goes: a content whose first occurrence (dup=0, holding
 * its children) is in the family but which occurs elsewhere too keeps its
 * children, moved under its first occurrence outside the family, which
 * becomes the first.  Items are written parents first, so in id order an
 * outer content moves before the contents inside it (which then have left
 * the family and stay where they are).
 */
static trawl_status rehome_children(trawl_archive *ar, int64_t root_id)
{
	sqlite3_stmt *find = NULL, *in = NULL, *sub = NULL, *mv = NULL, *errs = NULL, *flip = NULL;
	int64_t (*pairs)[2] = NULL;
	size_t n = 0, cap = 0, k;
	trawl_status st = TRAWL_OK;
	int rc;

	/* Collect first, move after: no writes under a running read. */
	find = tw_prepare(ar,
			  "SELECT i.id, (SELECT min(j.id) FROM items j WHERE j.blob_id=i.blob_id"
			  "  AND coalesce(j.root_id, j.id) != ?1)"
			  " FROM items i JOIN blobs b ON b.id=i.blob_id"
			  " WHERE (i.root_id=?1 OR i.id=?1) AND i.dup=0 AND b.nchildren > 0"
			  " ORDER BY i.id",
			  rehome_what);
	if (!find) {
		st = tw_dbstatus(ar);
		goto out;
	}
	sqlite3_bind_int64(find, 1, root_id);
	while ((rc = sqlite3_step(find)) == SQLITE_ROW) {
		if (sqlite3_column_type(find, 1) == SQLITE_NULL)
			continue;
		if (n == cap) {
			int64_t(*np)[2] = tw_realloc(pairs, (cap ? cap * 2 : 16) * sizeof(*pairs));

			if (!np) {
				st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
				goto out;
			}
			pairs = np;
			cap = cap ? cap * 2 : 16;
		}
		pairs[n][0] = sqlite3_column_int64(find, 0);
		pairs[n][1] = sqlite3_column_int64(find, 1);
		n++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	if (!n)
		goto out;
	if (tw_exec(ar, "CREATE TEMP TABLE IF NOT EXISTS tw_moved(id INTEGER PRIMARY KEY);"))
		goto fail;
	in = tw_prepare(ar, "SELECT 1 FROM items WHERE id=?1 AND (root_id=?2 OR id=?2)", rehome_what);
	if (in)
		sub = tw_prepare(ar,
				 "INSERT INTO temp.tw_moved WITH RECURSIVE sub(id) AS"
				 " (SELECT id FROM items WHERE parent_id=?1"
				 "  UNION ALL SELECT i.id FROM items i JOIN sub ON i.parent_id=sub.id)"
				 " SELECT id FROM sub",
				 rehome_what);
	if (sub)
		mv = tw_prepare(ar,
				/* ?1 old first occurrence, ?2 new one: the subtree
				 * below ?1 takes ?2's family, path and depth. */
				"WITH o AS (SELECT path, depth FROM items WHERE id=?1),"
				" n AS (SELECT coalesce(root_id, id) AS root, path, depth FROM items WHERE id=?2)"
				" UPDATE items SET root_id=(SELECT root FROM n),"
				"  path=(SELECT path FROM n) || substr(path, length((SELECT path FROM o)) + 1),"
				"  depth=depth - (SELECT depth FROM o) + (SELECT depth FROM n),"
				"  parent_id=CASE WHEN parent_id=?1 THEN ?2 ELSE parent_id END"
				" WHERE id IN (SELECT id FROM temp.tw_moved)",
				rehome_what);
	if (mv)
		errs = tw_prepare(ar,
				  /* The errors of the moved items name their new paths. */
				  "UPDATE errors SET path=(SELECT i.path FROM items i WHERE i.id=errors.item_id)"
				  " WHERE item_id IN (SELECT id FROM temp.tw_moved)",
				  rehome_what);
	if (errs)
		flip = tw_prepare(ar, "UPDATE items SET dup=(id=?1) WHERE id IN (?1, ?2)", rehome_what);
	if (!flip) {
		st = tw_dbstatus(ar);
		goto out;
	}
	for (k = 0; k < n; k++) {
		int still;

		/* Inside a content moved already: it went along. */
		sqlite3_bind_int64(in, 1, pairs[k][0]);
		sqlite3_bind_int64(in, 2, root_id);
		still = sqlite3_step(in) == SQLITE_ROW;
		sqlite3_reset(in);
		if (!still)
			continue;
		if (tw_exec(ar, "DELETE FROM temp.tw_moved;"))
			goto fail;
		sqlite3_bind_int64(sub, 1, pairs[k][0]);
		sqlite3_bind_int64(mv, 1, pairs[k][0]);
		sqlite3_bind_int64(mv, 2, pairs[k][1]);
		sqlite3_bind_int64(flip, 1, pairs[k][0]);
		sqlite3_bind_int64(flip, 2, pairs[k][1]);
		rc = sqlite3_step(sub) == SQLITE_DONE && sqlite3_step(mv) == SQLITE_DONE &&
		     sqlite3_step(errs) == SQLITE_DONE && sqlite3_step(flip) == SQLITE_DONE;
		sqlite3_reset(sub);
		sqlite3_reset(mv);
		sqlite3_reset(errs);
		sqlite3_reset(flip);
		if (!rc)
			goto fail;
	}
	goto out;
fail:
	st = tw_dbfail(ar, rehome_what);
out:
	sqlite3_finalize(find);
	sqlite3_finalize(in);
	sqlite3_finalize(sub);
	sqlite3_finalize(mv);
	sqlite3_finalize(errs);
	sqlite3_finalize(flip);
	free(pairs);
	return st;
}

/*
 * A replaced family loses only its items and errors here (after giving
 * away the children of contents that occur elsewhere too).  Contents it
 * used stay until tw_store_gc() at the end of the run: the new version of
 * the file usually holds most of them again, and extractor threads may
 * already have found them "known" (and so not extracted them again).
 */
trawl_status tw_store_delete_family(trawl_archive *ar, int64_t root_id)
{
	char sql[512];
	trawl_status st = rehome_children(ar, root_id);

	if (st)
		return st;
	snprintf(sql, sizeof(sql),
		 "DELETE FROM errors WHERE item_id IN (SELECT id FROM items WHERE root_id=%lld OR id=%lld);"
		 "DELETE FROM items WHERE root_id=%lld OR id=%lld;",
		 (long long)root_id, (long long)root_id, (long long)root_id, (long long)root_id);
	return tw_exec(ar, sql);
}

/* Delete contents no item uses any more, with their email fields and
 * metadata, then the texts and shared metadata values nothing uses any
 * more, with their index entries.  Only a run that deleted something pays
 * for the scans of texts and metadata. */
trawl_status tw_store_gc(trawl_archive *ar)
{
	trawl_status st = tw_exec(ar,
				  "CREATE TEMP TABLE IF NOT EXISTS tw_del(blob_id INTEGER PRIMARY KEY);"
				  "DELETE FROM tw_del;"
				  "INSERT INTO tw_del SELECT id FROM blobs b"
				  "  WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.blob_id=b.id);");

	if (st || sqlite3_changes(ar->db) == 0)
		return st;
	st = tw_exec(ar,
		     "DELETE FROM email_addrs WHERE blob_id IN (SELECT blob_id FROM tw_del);"
		     "DELETE FROM emails WHERE blob_id IN (SELECT blob_id FROM tw_del);"
		     "DELETE FROM props WHERE blob_id IN (SELECT blob_id FROM tw_del);"
		     "DELETE FROM blobs WHERE id IN (SELECT blob_id FROM tw_del);"
		     "DELETE FROM tw_del;"
		     "DELETE FROM prop_values WHERE id NOT IN"
		     "  (SELECT value_id FROM props WHERE value_id IS NOT NULL);"
		     "CREATE TEMP TABLE IF NOT EXISTS tw_tdel(text_id INTEGER PRIMARY KEY);"
		     "INSERT INTO tw_tdel SELECT id FROM texts t"
		     "  WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.text_id=t.id);"
		     /* fts_src names the text id blob_id (see lib/archive.c). */
		     "INSERT INTO fts(fts, rowid, subject, body, names)"
		     "  SELECT 'delete', blob_id, subject, body, names FROM fts_src"
		     "  WHERE blob_id IN (SELECT text_id FROM tw_tdel);"
		     "DELETE FROM texts WHERE id IN (SELECT text_id FROM tw_tdel);"
		     "DELETE FROM tw_tdel;");
	/* Ids the writer remembers may name deleted values. */
	tw_store_release(ar);
	return st;
}

trawl_status tw_ar_begin(trawl_archive *ar)
{
	return tw_exec(ar, "BEGIN IMMEDIATE");
}

trawl_status tw_ar_commit(trawl_archive *ar)
{
	return tw_exec(ar, "COMMIT");
}

void tw_ar_rollback(trawl_archive *ar)
{
	char msg[sizeof(ar->errmsg)];

	memcpy(msg, ar->errmsg, sizeof(msg));
	tw_exec(ar, "ROLLBACK");
	memcpy(ar->errmsg, msg, sizeof(msg));
}

trawl_status tw_store_compact(trawl_archive *ar)
{
	/* Give back pages freed by index merges and replaced families. */
	trawl_status st = tw_exec(ar, "PRAGMA incremental_vacuum; PRAGMA optimize;");

	if (st)
		return st;
	/* Leave the archive as one file: copy the log into it and empty the
	 * log, unless readers still need it (then it stays for the next run;
	 * the wait for them is short). */
	sqlite3_busy_timeout(ar->db, 200);
	sqlite3_wal_checkpoint_v2(ar->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_busy_timeout(ar->db, TW_BUSY_TIMEOUT_MS);
	return TRAWL_OK;
}
