/*
 * investigate.h - derived data for investigation: conversations (thread.c),
 * people and their addresses (people.c: evidence and grouping;
 * people_read.c: the public reads and edits), who writes to whom (graph.c).
 *
 * The rules live here; what they read and write goes through the storage
 * seam (lib/archive/archive.h), so nothing in this module issues SQL.  The
 * ingest pipeline refreshes conversations and people after the writer has
 * committed new messages (tw_investigate_refresh); readers use the public
 * API.
 */
#ifndef TW_INVESTIGATE_H
#define TW_INVESTIGATE_H

#include "archive/archive.h"
#include "mail.h"

/* Refresh conversations and people for the emails the derived data has not
 * seen yet (or for all, after deletions), then record that it has seen them
 * (lib/investigate/thread.c).  Runs in the caller's transaction
 * (lib/ingest/pipeline.c: tw_ar_begin, tw_store_gc, this, tw_ar_commit) so
 * that a kill leaves the work to the next run rather than half done. */
trawl_status tw_investigate_refresh(trawl_archive *ar);

/* Threading (lib/investigate/thread.c): give the pending emails (see
 * tw_ar_derive_pending) and the conversations they touch their thread ids;
 * `full`: the pending emails are all emails. */
trawl_status tw_thread_update(trawl_archive *ar, int full);
/* Subject without reply prefixes and list tags, lowercased, blanks folded;
 * a forward keeps one "fwd:" so that it stays a conversation of its own.
 * *reply is set when the subject started with a reply prefix.  Caller frees. */
char *tw_subject_base(const char *subject, int *reply);

/* Record names and X.500 pairs of the pending emails, then regroup
 * (lib/investigate/people.c). */
trawl_status tw_people_update(trawl_archive *ar, int full);
/* Recompute persons from the recorded evidence and manual edits. */
trawl_status tw_people_regroup(trawl_archive *ar);

#endif /* TW_INVESTIGATE_H */
