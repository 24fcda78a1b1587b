/*
 * registry.c - the table of extractors, in the order they are asked.
 *
 * The first extractor whose accepts() says yes to a content's detected MIME
 * type (and extension) extracts it.  Specific formats come before generic
 * ones: the plain-text extractor is last.
 */
#include "extract/extract.h"

const tw_extractor *const tw_extractors[] = {
	&tw_extractor_email,
	&tw_extractor_mbox,
	&tw_extractor_pst,
	&tw_extractor_msg,
	&tw_extractor_tnef,
	&tw_extractor_pdf,
	&tw_extractor_ooxml,
	&tw_extractor_odf,
	&tw_extractor_legacy,
	&tw_extractor_rtf,
	&tw_extractor_container,
	&tw_extractor_image,
	&tw_extractor_media,
	&tw_extractor_html,
	&tw_extractor_xml,
	&tw_extractor_text,
};

const size_t tw_nextractors = TW_ARRAY_LEN(tw_extractors);
