/*
 * banned.c - the build's own test of lib/banned.h (run by make check through
 * tools/check-banned.sh).
 *
 * Compiled with the flags of lib/ (so with -include lib/banned.h) once with
 * -DUSE_<function> for each banned function: each of those compilations
 * must fail, naming the function.  Compiled with none of them it must
 * succeed, which also shows that the system headers included after the
 * forced banned.h still compile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int banned_test(char *dst, size_t n, const char *src);

int banned_test(char *dst, size_t n, const char *src)
{
	time_t t = 0;
	struct tm tm;
	char *save = NULL;

	(void)save;
	(void)tm;
	(void)t;
#if defined(USE_strcpy)
	strcpy(dst, src);
#elif defined(USE_strcat)
	strcat(dst, src);
#elif defined(USE_strncpy)
	strncpy(dst, src, n);
#elif defined(USE_strncat)
	strncat(dst, src, n);
#elif defined(USE_sprintf)
	sprintf(dst, "%s", src);
#elif defined(USE_vsprintf)
	vsprintf(dst, src, NULL);
#elif defined(USE_strtok)
	return strtok(dst, ":") != NULL;
#elif defined(USE_strtok_r)
	return strtok_r(dst, ":", &save) != NULL;
#elif defined(USE_gets)
	return gets(dst) != NULL;
#elif defined(USE_atoi)
	return atoi(src);
#elif defined(USE_atol)
	return (int)atol(src);
#elif defined(USE_atoll)
	return (int)atoll(src);
#elif defined(USE_localtime)
	return localtime(&t) != NULL;
#elif defined(USE_gmtime)
	return gmtime(&t) != NULL;
#elif defined(USE_ctime)
	return ctime(&t) != NULL;
#elif defined(USE_ctime_r)
	return ctime_r(&t, dst) != NULL;
#elif defined(USE_asctime)
	return asctime(&tm) != NULL;
#elif defined(USE_asctime_r)
	return asctime_r(&tm, dst) != NULL;
#elif defined(USE_mktime)
	return (int)mktime(&tm);
#else
	/* The allowed forms of the same work. */
	snprintf(dst, n, "%s", src);
	return gmtime_r(&t, &tm) != NULL && (int)strtol(src, NULL, 10) >= 0;
#endif
	return 0;
}
