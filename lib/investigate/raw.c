/*
 * raw.c - the exact original bytes of any item (`trawl show --raw`, the
 * server's downloads, and the modules that work on originals: DKIM,
 * provenance, export).
 *
 * Originals are never copied into the archive.  The archive gives the way
 * back (tw_ar_item_chain(): the file on disk and the locators down to the
 * item); this file follows it: a file is streamed as it is, an mbox
 * message is read at its offset, and anything deeper is found by running
 * the extractors again in "locating" mode along the locators, so that the
 * bytes come from the same code that found them at ingest.
 *
 * Why here: the composition needs the archive and the extractors, so it
 * cannot live in lib/archive/ (which includes nothing above it).  It is a
 * reader, used by verify/ and protect/ beside this layer, so it belongs to
 * the readers' layer rather than to lib/ingest/, the write side at the top
 * that no reader should depend on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "extract/extract.h"

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
	tw_ar_chain ch;
	char **locs;
	size_t nloc;
	const char *disk;
	trawl_status st = TRAWL_OK;
	tw_buf data;
	uint64_t failures = tw_alloc_failures();

	st = tw_ar_item_chain(ar, id, &ch);
	if (st)
		return st;
	locs = ch.locs;
	nloc = ch.nloc;
	disk = ch.disk;
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
	tw_ar_chain_release(&ch);
	return st;
}
