/*
 * maildate.c - RFC 5322 dates, parsed with GMime, and GMime's one-time
 * set-up shared by everything that parses mail (extractors, verification).
 *
 * Apart from mail.c because it links GMime, which the front program does
 * not load.
 */
#include <pthread.h>

#include <gmime/gmime.h>

#include "mail.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
	static const char *fallback[] = {"UTF-8", "windows-1252", NULL};

	g_mime_init();
	g_mime_parser_options_set_fallback_charsets(
		g_mime_parser_options_get_default(), fallback);
	g_mime_parser_options_set_warning_callback(
		g_mime_parser_options_get_default(), NULL, NULL);
}

void tw_mail_global_init(void)
{
	pthread_once(&init_once, global_init);
}

int tw_parse_date(const char *s, int64_t *utc, int *tz_offset)
{
	GDateTime *dt;

	tw_mail_global_init();
	if (!s)
		return -1;
	dt = g_mime_utils_header_decode_date(s);
	if (!dt)
		return -1;
	*utc = g_date_time_to_unix(dt);
	*tz_offset = (int)(g_date_time_get_utc_offset(dt) / G_TIME_SPAN_MINUTE);
	g_date_time_unref(dt);
	return 0;
}
