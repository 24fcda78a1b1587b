/*
 * investigate.h - derived data for investigation: conversations (thread.c),
 * people and their addresses (people.c), who writes to whom (graph.c).
 *
 * The ingest pipeline refreshes conversations and people after the writer
 * has committed new messages (tw_derive_*); readers use the public API.
 */
#ifndef TW_INVESTIGATE_H
#define TW_INVESTIGATE_H

#include "archive/archive.h"
#include "mail.h"

/* Threading (lib/investigate/thread.c).  tw_derive_pending() fills temp.tw_new with the
 * emails the derived data (threads, people) has not seen yet: those without
 * a thread id, or all emails when some were deleted since the last pass
 * (*full set).  Then tw_people_update() and tw_thread_update() run, in the
 * caller's transaction, and tw_derive_done() records the state. */
trawl_status tw_derive_pending(trawl_archive *ar, int *full, int64_t *n);
trawl_status tw_thread_update(trawl_archive *ar, int full);
trawl_status tw_derive_done(trawl_archive *ar);
/* Subject without reply prefixes and list tags, lowercased, blanks folded;
 * a forward keeps one "fwd:" so that it stays a conversation of its own.
 * *reply is set when the subject started with a reply prefix.  Caller frees. */
char *tw_subject_base(const char *subject, int *reply);

/* Record names and X.500 pairs of the emails in temp.tw_new, then regroup. */
trawl_status tw_people_update(trawl_archive *ar, int full);
/* Recompute persons from the recorded evidence and manual edits. */
trawl_status tw_people_regroup(trawl_archive *ar);

#endif /* TW_INVESTIGATE_H */
