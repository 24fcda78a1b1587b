/*
 * banned.h - C library functions trawl's sources may not call, turned into
 * compile errors (after git's banned.h).
 *
 * The build force-includes this file into every source of lib/, cli/ and
 * server/ (`-include lib/banned.h`, see the Makefile), so no file can
 * forget it.  A call to a banned function then fails to compile with an
 * error naming `sorry_<function>_is_a_banned_function`.  Tests and fuzz
 * targets are not compiled with it.  `make check` proves the ban holds
 * (tools/check-banned.sh compiles tests/build/banned.c once per function
 * and wants each to fail).
 *
 * Because -include puts this file before everything else, it first
 * includes the system headers that declare the banned functions: their
 * include guards then keep a later #include of them from seeing the macros
 * (a macro expanded inside a system prototype would break it).  So the
 * ban does not depend on the order of any file's #include lines.
 *
 * What to use instead:
 *   strcpy, strcat, strncpy, strncat  -> tw_buf, snprintf, or memcpy with a
 *       length you checked.  strncpy does not terminate a string it
 *       truncates and pads the rest with zeros; strncat's bound is the room
 *       left, not the buffer's size: both are easy to get wrong, so they
 *       go too (neither is used in the tree).
 *   sprintf, vsprintf                 -> snprintf, vsnprintf, tw_buf_printf.
 *   strtok, strtok_r                  -> a loop over strcspn/strspn (strtok
 *       keeps hidden state across calls; both write into their input).
 *   gets                              -> fgets or getline.
 *   atoi, atol, atoll                 -> strtol/strtoll with the end pointer
 *       and errno checked (ato* cannot report junk or overflow).
 *   localtime, gmtime, ctime, asctime (and their _r forms for ctime and
 *       asctime) -> localtime_r, gmtime_r, strftime: the others return
 *       static storage that another thread may overwrite.
 *   mktime                            -> timegm: trawl's dates are UTC, and
 *       mktime reads the time zone of the machine.
 */
#ifndef TRAWL_BANNED_H
#define TRAWL_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)

#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)

#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef strtok_r
#define strtok_r(x, y, z) BANNED(strtok_r)

#undef gets
#define gets(x) BANNED(gets)

#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atoll
#define atoll(x) BANNED(atoll)

#undef localtime
#define localtime(t) BANNED(localtime)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef ctime_r
#define ctime_r(t, buf) BANNED(ctime_r)
#undef asctime
#define asctime(t) BANNED(asctime)
#undef asctime_r
#define asctime_r(t, buf) BANNED(asctime_r)
#undef mktime
#define mktime(t) BANNED(mktime)

#endif
