/*
 * cld2.cc - the C face of CLD2 (Compact Language Detector 2), which has
 * only a C++ interface.  lib/text/lang.c is its one caller; it hands over
 * interchange-valid UTF-8 of bounded length.  Built without exceptions and
 * RTTI: CLD2's detection allocates nothing that could throw to us.
 */
#include <stdio.h>

#include <cld2/public/compact_lang_det.h>

extern "C" const char *tw_cld2_detect(const char *utf8, int len, int *reliable);

extern "C" const char *tw_cld2_detect(const char *utf8, int len, int *reliable)
{
	bool ok = false;
	int valid = 0;
	CLD2::Language l = CLD2::DetectLanguageCheckUTF8(utf8, len, true, &ok, &valid);

	*reliable = ok;
	if (l == CLD2::UNKNOWN_LANGUAGE || l == CLD2::TG_UNKNOWN_LANGUAGE)
		return NULL;
	return CLD2::LanguageCode(l);
}
