/*
 * types.c - the families of contents ("email", "pdf", "word",
 * "spreadsheet" ...): from a detected MIME type, and from what a file
 * name's extension promises.
 *
 * Base knowledge: the extraction framework types every node with it, and
 * the writer compares the two to flag a content whose name lies about it
 * (has:mismatch), without either knowing the other.
 */
#include <string.h>

#include "tw.h"

const char *tw_ext_start(const char *name)
{
	const char *slash, *dot;

	if (!name)
		return NULL;
	slash = strrchr(name, '/');
	if (slash)
		name = slash + 1;
	dot = strrchr(name, '.');
	if (!dot || dot == name || !dot[1] || strlen(dot + 1) > 12)
		return NULL;
	return dot + 1;
}

char *tw_ext_of(const char *name)
{
	const char *start = tw_ext_start(name);
	char *e;

	if (!start)
		return NULL;
	e = tw_strdup(start);
	tw_ascii_lower(e);
	return e;
}

struct family_rule {
	const char *prefix; /* MIME type prefix */
	const char *family;
};

static const struct family_rule mime_families[] = {
	{"message/rfc822", "email"},
	{"application/vnd.ms-outlook", "email"},
	{"application/mbox", "mbox"},
	{"application/pdf", "pdf"},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml", "word"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml", "spreadsheet"},
	{"application/vnd.openxmlformats-officedocument.presentationml", "presentation"},
	{"application/msword", "word"},
	{"application/vnd.ms-word", "word"},
	{"application/vnd.ms-excel", "spreadsheet"},
	{"application/vnd.ms-powerpoint", "presentation"},
	{"application/vnd.oasis.opendocument.text", "word"},
	{"application/vnd.oasis.opendocument.spreadsheet", "spreadsheet"},
	{"application/vnd.oasis.opendocument.presentation", "presentation"},
	{"application/rtf", "word"},
	{"text/rtf", "word"},
	{"text/html", "html"},
	{"application/xhtml", "html"},
	{"text/csv", "spreadsheet"},
	{"application/zip", "archive"},
	{"application/x-tar", "archive"},
	{"application/gzip", "archive"},
	{"application/x-gzip", "archive"},
	{"application/x-bzip2", "archive"},
	{"application/x-xz", "archive"},
	{"application/zstd", "archive"},
	{"application/x-7z", "archive"},
	{"application/x-rar", "archive"},
	{"application/vnd.rar", "archive"},
	{"application/vnd.ms-tnef", "email"},
	{"application/x-ms-tnef", "email"},
	{"image/", "image"},
	{"audio/", "audio"},
	{"video/", "video"},
	{"text/xml", "xml"},
	{"application/xml", "xml"},
	{"text/", "text"},
	{"application/x-empty", "empty"},
};

const char *tw_family(const char *mime, const char *ext)
{
	size_t i;

	if (mime) {
		for (i = 0; i < TW_ARRAY_LEN(mime_families); i++) {
			const char *p = mime_families[i].prefix;

			if (strncmp(mime, p, strlen(p)) == 0)
				return mime_families[i].family;
		}
	}
	if (ext) {
		if (!strcmp(ext, "pst") || !strcmp(ext, "ost") || !strcmp(ext, "msg") ||
		    !strcmp(ext, "eml"))
			return "email";
	}
	return "other";
}

const char *tw_ext_family(const char *ext)
{
	static const struct {
		const char *ext, *family;
	} map[] = {
		{"pdf", "pdf"},           {"doc", "word"},          {"docx", "word"},
		{"odt", "word"},          {"rtf", "word"},          {"xls", "spreadsheet"},
		{"xlsx", "spreadsheet"},  {"ods", "spreadsheet"},   {"csv", "spreadsheet"},
		{"ppt", "presentation"},  {"pptx", "presentation"}, {"odp", "presentation"},
		{"zip", "archive"},       {"7z", "archive"},        {"rar", "archive"},
		{"tar", "archive"},       {"tgz", "archive"},       {"eml", "email"},
		{"msg", "email"},         {"html", "html"},         {"htm", "html"},
		{"jpg", "image"},         {"jpeg", "image"},        {"png", "image"},
		{"gif", "image"},         {"tif", "image"},         {"tiff", "image"},
		{"bmp", "image"},         {"mp3", "audio"},         {"wav", "audio"},
		{"mp4", "video"},         {"mov", "video"},         {"avi", "video"},
	};
	size_t i;

	for (i = 0; ext && i < TW_ARRAY_LEN(map); i++)
		if (!strcmp(ext, map[i].ext))
			return map[i].family;
	return NULL;
}
