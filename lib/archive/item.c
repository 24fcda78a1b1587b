/*
 * item.c - reading items back: metadata, text and the exact original bytes.
 *
 * Originals are never copied into the archive.  The raw bytes of an item
 * are found again from the file on disk: directly for a file, by offset for
 * an mbox message, and for anything deeper by re-running the extractors in
 * "locating" mode along the chain of locators stored with the items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive/archive.h"
#include "extract/extract.h"

/* trawl_item plus the strings it owns. */
typedef struct item_priv {
	trawl_item pub;
	tw_strpool pool;
} item_priv;

static const char *keep(item_priv *p, const unsigned char *s)
{
	return tw_strpool_keep(&p->pool, (const char *)s);
}

void trawl_item_free(trawl_item *it)
{
	item_priv *p = (item_priv *)it;

	if (!it)
		return;
	tw_strpool_release(&p->pool);
	free(it->addrs);
	free(it->props);
	free(it->children);
	free(it->places);
	free(it->errors);
	free(p);
}

static sqlite3_stmt *prep(trawl_archive *ar, const char *sql)
{
	return tw_prepare(ar, sql, "reading item");
}

trawl_status trawl_item_get(trawl_archive *ar, int64_t id, trawl_item **out)
{
	item_priv *p;
	trawl_item *it;
	sqlite3_stmt *s;
	int64_t blob = 0, root = 0;
	size_t cap;
	uint64_t failures;

	*out = NULL;
	failures = tw_alloc_failures();
	p = tw_calloc(1, sizeof(*p));
	if (!p)
		return TRAWL_ENOMEM;
	it = &p->pub;
	s = prep(ar, "SELECT i.id, i.parent_id, i.kind, i.name, i.path, i.depth, i.blob_id,"
		     " i.root_id, s.label, b.type, b.mime, b.sha256, b.md5, b.size, b.date,"
		     " b.truncated, (SELECT path FROM items r WHERE r.id=coalesce(i.root_id, i.id)),"
		     " i.mismatch"
		     " FROM items i LEFT JOIN blobs b ON b.id=i.blob_id"
		     " LEFT JOIN sources s ON s.id=i.source_id WHERE i.id=?");
	if (!s) {
		trawl_item_free(it);
		return TRAWL_EDB;
	}
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		trawl_item_free(it);
		return tw_fail(ar, TRAWL_ENOTFOUND, "no item with id %lld", (long long)id);
	}
	it->id = sqlite3_column_int64(s, 0);
	it->parent_id = sqlite3_column_int64(s, 1);
	it->kind = keep(p, sqlite3_column_text(s, 2));
	it->name = keep(p, sqlite3_column_text(s, 3));
	it->path = keep(p, sqlite3_column_text(s, 4));
	it->depth = sqlite3_column_int(s, 5);
	blob = sqlite3_column_int64(s, 6);
	root = sqlite3_column_int64(s, 7);
	it->label = keep(p, sqlite3_column_text(s, 8));
	it->type = keep(p, sqlite3_column_text(s, 9));
	it->mime = keep(p, sqlite3_column_text(s, 10));
	if (sqlite3_column_bytes(s, 11) == 32) {
		char hex[65];

		tw_hex(sqlite3_column_blob(s, 11), 32, hex);
		it->sha256 = keep(p, (const unsigned char *)hex);
	}
	if (sqlite3_column_bytes(s, 12) == 16) {
		char hex[33];

		tw_hex(sqlite3_column_blob(s, 12), 16, hex);
		it->md5 = keep(p, (const unsigned char *)hex);
	}
	it->size = sqlite3_column_int64(s, 13);
	if (sqlite3_column_type(s, 14) != SQLITE_NULL) {
		it->date = sqlite3_column_int64(s, 14);
		it->has_date = 1;
	}
	it->text_truncated = sqlite3_column_int(s, 15);
	it->disk_path = keep(p, sqlite3_column_text(s, 16));
	it->mismatch = keep(p, sqlite3_column_text(s, 17));
	sqlite3_finalize(s);
	(void)root;

	if (blob) {
		s = prep(ar, "SELECT subject, message_id, in_reply_to, refs, date_raw, tz, thread_id,"
			     " date_status FROM emails WHERE blob_id=?");
		if (s) {
			sqlite3_bind_int64(s, 1, blob);
			if (sqlite3_step(s) == SQLITE_ROW) {
				it->subject = keep(p, sqlite3_column_text(s, 0));
				it->message_id = keep(p, sqlite3_column_text(s, 1));
				it->in_reply_to = keep(p, sqlite3_column_text(s, 2));
				it->references = keep(p, sqlite3_column_text(s, 3));
				it->date_raw = keep(p, sqlite3_column_text(s, 4));
				it->tz_offset = sqlite3_column_int(s, 5);
				it->thread_id = sqlite3_column_int64(s, 6);
			}
			sqlite3_finalize(s);
		}
		s = prep(ar, "SELECT ea.role, ea.name, a.addr FROM email_addrs ea"
			     " LEFT JOIN addrs a ON a.id=ea.addr_id WHERE ea.blob_id=? ORDER BY ea.pos");
		if (s) {
			sqlite3_bind_int64(s, 1, blob);
			cap = 0;
			while (sqlite3_step(s) == SQLITE_ROW) {
				int role = sqlite3_column_int(s, 0);
				trawl_addr *a;

				if (it->naddrs == cap) {
					cap = cap ? cap * 2 : 8;
					a = tw_realloc(it->addrs, cap * sizeof(*a));
					if (!a)
						break;
					it->addrs = a;
				}
				a = &it->addrs[it->naddrs++];
				a->role = role >= 0 && role < TW_NROLES ? tw_role_names[role] : "?";
				a->name = keep(p, sqlite3_column_text(s, 1));
				a->addr = keep(p, sqlite3_column_text(s, 2));
			}
			sqlite3_finalize(s);
		}
		s = prep(ar, "SELECT key, value FROM props_text WHERE blob_id=? ORDER BY seq");
		if (s) {
			sqlite3_bind_int64(s, 1, blob);
			cap = 0;
			while (sqlite3_step(s) == SQLITE_ROW) {
				trawl_prop *pr;

				if (it->nprops == cap) {
					cap = cap ? cap * 2 : 8;
					pr = tw_realloc(it->props, cap * sizeof(*pr));
					if (!pr)
						break;
					it->props = pr;
				}
				pr = &it->props[it->nprops++];
				pr->key = keep(p, sqlite3_column_text(s, 0));
				pr->value = keep(p, sqlite3_column_text(s, 1));
			}
			sqlite3_finalize(s);
		}
		/* Children of a duplicate live under the first occurrence. */
		s = prep(ar, "SELECT c.id, c.kind, c.name, b.mime, b.size FROM items c"
			     " LEFT JOIN blobs b ON b.id=c.blob_id WHERE c.parent_id=("
			     "  SELECT id FROM items WHERE blob_id=?1 AND EXISTS"
			     "  (SELECT 1 FROM items k WHERE k.parent_id=items.id) ORDER BY id LIMIT 1)"
			     " ORDER BY c.id LIMIT 100000");
		if (s) {
			sqlite3_bind_int64(s, 1, blob);
			cap = 0;
			while (sqlite3_step(s) == SQLITE_ROW) {
				trawl_child *c;

				if (it->nchildren == cap) {
					cap = cap ? cap * 2 : 8;
					c = tw_realloc(it->children, cap * sizeof(*c));
					if (!c)
						break;
					it->children = c;
				}
				c = &it->children[it->nchildren++];
				c->id = sqlite3_column_int64(s, 0);
				c->kind = keep(p, sqlite3_column_text(s, 1));
				c->name = keep(p, sqlite3_column_text(s, 2));
				c->mime = keep(p, sqlite3_column_text(s, 3));
				c->size = sqlite3_column_int64(s, 4);
			}
			sqlite3_finalize(s);
		}
		s = prep(ar, "SELECT id, path FROM items WHERE blob_id=? ORDER BY id LIMIT 10000");
		if (s) {
			sqlite3_bind_int64(s, 1, blob);
			cap = 0;
			while (sqlite3_step(s) == SQLITE_ROW) {
				trawl_place *pl;

				if (it->nplaces == cap) {
					cap = cap ? cap * 2 : 4;
					pl = tw_realloc(it->places, cap * sizeof(*pl));
					if (!pl)
						break;
					it->places = pl;
				}
				pl = &it->places[it->nplaces++];
				pl->id = sqlite3_column_int64(s, 0);
				pl->path = keep(p, sqlite3_column_text(s, 1));
			}
			sqlite3_finalize(s);
		}
	}
	s = prep(ar, "SELECT stage || ': ' || message FROM errors WHERE item_id=? ORDER BY id");
	if (s) {
		sqlite3_bind_int64(s, 1, id);
		cap = 0;
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char **e;

			if (it->nerrors == cap) {
				cap = cap ? cap * 2 : 4;
				e = tw_realloc((void *)it->errors, cap * sizeof(*e));
				if (!e)
					break;
				it->errors = e;
			}
			it->errors[it->nerrors++] = keep(p, sqlite3_column_text(s, 0));
		}
		sqlite3_finalize(s);
	}
	/* A field, address, child or error lost on the way (each list stops
	 * at the first failure) would make a silently partial item. */
	if (tw_alloc_failures() != failures) {
		trawl_item_free(it);
		return tw_fail(ar, TRAWL_ENOMEM, "out of memory reading item %lld", (long long)id);
	}
	*out = it;
	return TRAWL_OK;
}

trawl_status trawl_item_text(trawl_archive *ar, int64_t id, char **out, size_t *len)
{
	sqlite3_stmt *s = prep(ar, "SELECT t.body FROM items i JOIN blobs b ON b.id=i.blob_id"
				      " JOIN texts t ON t.id=b.text_id WHERE i.id=?");
	trawl_status st = TRAWL_OK;

	*out = NULL;
	if (len)
		*len = 0;
	if (!s)
		return TRAWL_EDB;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		uint64_t failures = tw_alloc_failures();

		if (sqlite3_column_type(s, 0) == SQLITE_BLOB) {
			*out = tw_inflate(sqlite3_column_blob(s, 0),
					  (size_t)sqlite3_column_bytes(s, 0), len);
		} else {
			*out = tw_strdup((const char *)sqlite3_column_text(s, 0));
			if (*out && len)
				*len = strlen(*out);
		}
		if (!*out && tw_alloc_failures() != failures)
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory reading the text of item %lld",
				     (long long)id);
		else if (!*out)
			st = tw_fail(ar, TRAWL_ECORRUPT, "stored text of item %lld is damaged",
				     (long long)id);
	} else {
		sqlite3_stmt *e = prep(ar, "SELECT 1 FROM items WHERE id=?");

		/* No text is an empty text; no item is an error. */
		if (e) {
			sqlite3_bind_int64(e, 1, id);
			if (sqlite3_step(e) != SQLITE_ROW)
				st = tw_fail(ar, TRAWL_ENOTFOUND, "no item with id %lld", (long long)id);
			sqlite3_finalize(e);
		}
		if (st == TRAWL_OK)
			*out = tw_strdup("");
	}
	sqlite3_finalize(s);
	return st;
}

/* ---------------------------------------------------------------- raw bytes */

static trawl_status stream_file(trawl_archive *ar, const char *path,
				trawl_write_fn fn, void *ud)
{
	FILE *f = fopen(path, "rb");
	unsigned char buf[65536];
	size_t n;

	if (!f)
		return tw_fail(ar, TRAWL_EIO, "cannot open original '%s': %m", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (fn(buf, n, ud)) {
			fclose(f);
			return tw_fail(ar, TRAWL_EIO, "writing output failed");
		}
	}
	fclose(f);
	return TRAWL_OK;
}

trawl_status trawl_item_raw(trawl_archive *ar, int64_t id, trawl_write_fn fn, void *ud)
{
	char *locs[128];
	size_t nloc = 0, i;
	int64_t cur = id;
	char *disk = NULL;
	trawl_status st = TRAWL_OK;
	sqlite3_stmt *s = prep(ar, "SELECT parent_id, locator, path FROM items WHERE id=?");
	tw_buf data;
	uint64_t failures = tw_alloc_failures();

	if (!s)
		return TRAWL_EDB;
	/* Collect locators up to the file on disk. */
	for (;;) {
		int64_t parent;

		sqlite3_bind_int64(s, 1, cur);
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_finalize(s);
			for (i = 0; i < nloc; i++)
				free(locs[i]);
			return tw_fail(ar, TRAWL_ENOTFOUND, "no item with id %lld", (long long)cur);
		}
		parent = sqlite3_column_int64(s, 0);
		if (!parent) {
			disk = tw_strdup((const char *)sqlite3_column_text(s, 2));
			sqlite3_reset(s);
			break;
		}
		if (nloc == TW_ARRAY_LEN(locs)) {
			sqlite3_finalize(s);
			for (i = 0; i < nloc; i++)
				free(locs[i]);
			return tw_fail(ar, TRAWL_ELIMIT, "item %lld is nested too deeply", (long long)id);
		}
		locs[nloc++] = tw_strdup((const char *)sqlite3_column_text(s, 1));
		sqlite3_reset(s);
		cur = parent;
	}
	sqlite3_finalize(s);
	/* A locator or the path lost: the bytes found would be another's. */
	if (tw_alloc_failures() != failures) {
		st = tw_fail(ar, TRAWL_ENOMEM, "out of memory");
		goto out;
	}
	/* Reverse: root's child first. */
	for (i = 0; i < nloc / 2; i++) {
		char *t = locs[i];

		locs[i] = locs[nloc - 1 - i];
		locs[nloc - 1 - i] = t;
	}
	if (!disk) {
		st = tw_fail(ar, TRAWL_ENOTFOUND, "item %lld has no file on disk", (long long)id);
		goto out;
	}
	if (nloc == 0) {
		st = stream_file(ar, disk, fn, ud);
		goto out;
	}
	tw_buf_init(&data, (size_t)1 << 34);
	{
		FILE *f = fopen(disk, "rb");
		size_t first = 0;

		if (!f) {
			st = tw_fail(ar, TRAWL_EIO, "cannot open original '%s': %m", disk);
			tw_buf_release(&data);
			goto out;
		}
		if (locs[0] && strncmp(locs[0], "mbox:", 5) == 0) {
			uint64_t off = strtoull(locs[0] + 5, NULL, 10), got;
			tw_mbox *mb = NULL;

			if (fseeko(f, (off_t)off, SEEK_SET) != 0 ||
			    !(mb = tw_mbox_open_file(f, off, 0)) ||
			    tw_mbox_next(mb, &data, &got) != 1 || got != off) {
				if (mb)
					tw_mbox_close(mb, NULL);
				fclose(f);
				if (tw_alloc_failures() != failures)
					st = tw_fail(ar, TRAWL_ENOMEM, "out of memory reading '%s'", disk);
				else
					st = tw_fail(ar, TRAWL_ECORRUPT,
						     "the mbox '%s' changed since it was ingested (no message at offset %llu)",
						     disk, (unsigned long long)off);
				tw_buf_release(&data);
				goto out;
			}
			tw_mbox_close(mb, NULL);
			first = 1;
		} else {
			unsigned char buf[65536];
			size_t n;

			while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
				tw_buf_append(&data, buf, n);
		}
		fclose(f);
		if (first < nloc) {
			tw_buf found;
			tw_extract_args args;
			tw_node *root = tw_node_new("file", NULL, 0);

			tw_buf_init(&found, (size_t)1 << 34);
			memset(&args, 0, sizeof(args));
			args.locate = (const char *const *)locs + first;
			args.nlocate = nloc - first;
			args.found = &found;
			if (root)
				tw_extract(root, (const unsigned char *)data.data, data.len, &args);
			tw_node_free(root);
			/* The original, or the way down to the item, lost bytes:
			 * what was found is not the item's. */
			if (tw_alloc_failures() != failures) {
				st = tw_fail(ar, TRAWL_ENOMEM, "out of memory finding item %lld",
					     (long long)id);
			} else if (!found.data && nloc - first) {
				/* An empty child is found with no bytes: tell them apart. */
				st = tw_fail(ar, TRAWL_ENOTFOUND,
					     "could not find item %lld inside '%s' again (the original changed?)",
					     (long long)id, disk);
			} else if (found.len && fn(found.data, found.len, ud)) {
				st = tw_fail(ar, TRAWL_EIO, "writing output failed");
			}
			tw_buf_release(&found);
		} else if (tw_alloc_failures() != failures) {
			st = tw_fail(ar, TRAWL_ENOMEM, "out of memory reading item %lld", (long long)id);
		} else if (data.len && fn(data.data, data.len, ud)) {
			st = tw_fail(ar, TRAWL_EIO, "writing output failed");
		}
	}
	tw_buf_release(&data);
out:
	free(disk);
	for (i = 0; i < nloc; i++)
		free(locs[i]);
	return st;
}
