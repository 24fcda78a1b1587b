/*
 * internal.h - every internal header of libtrawl, for the unit tests and
 * fuzz targets, which test modules from the inside.  Library code includes
 * only the headers its layer may use (tools/check-layers.sh).
 */
#ifndef TW_TEST_INTERNAL_H
#define TW_TEST_INTERNAL_H

#include "tw.h"
#include "mail.h"
#include "text/text.h"
#include "extract/extract.h"
#include "archive/archive.h"
#include "archive/db.h"
#include "search/search.h"
#include "investigate/investigate.h"
#include "protect/scan.h"
#include "ingest/ingest.h"

#endif /* TW_TEST_INTERNAL_H */
