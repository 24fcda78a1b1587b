/*
 * lang.c - the language of a text (tw_lang_detect, see text.h).
 *
 * Why CLD2 rather than exttextcat: both were measured by bench/langdet.cc
 * on 40 mail-like texts of 15-300 bytes (5 each in en, fr, de, es, ru, ja,
 * zh, and 5 mixing two languages), on this project's shared 2-core build
 * machine under load:
 *
 *                      right answers   per short text   per 4 KiB   start-up
 *   CLD2 (libcld2)         40/40            68 us          504 us     none
 *   exttextcat             37/40          1147 us         3413 us    53 ms
 *
 * exttextcat took English for Scots, French for Breton, and gave nothing
 * for mixed English/Japanese; it also loads 160 n-gram profiles from files
 * (53 ms per handle, one handle per thread since a handle is not
 * thread-safe), which alone would be ten times the start-up of the `trawl`
 * front.  CLD2 is 7-17 times faster, has no state (so it is thread-safe as
 * is) and no data files; its cost is a C++ shim (cld2.cc) and libstdc++,
 * which libcld2 needs anyway.  CLD2's time grows with the text (about
 * 75 us for 512 bytes, 140 us for 1 KiB on that loaded machine), and the
 * start of a text tells its language as well as the rest, so only the
 * first TW_LANG_SCAN bytes are looked at.
 *
 * The memo: the writer thread stores each new text's language (the
 * trigger that fills text_lang), and the extractor threads can find it
 * earlier, in parallel; a table of recent results, keyed by a 64-bit hash
 * of the exact bytes detection reads, turns the writer's call into a hash.
 * The result is a function of those bytes only, so a hit gives what
 * detection would.
 */
#include <pthread.h>

#include "text/text.h"

const char *tw_cld2_detect(const char *utf8, int len, int *reliable);

#define MEMO_SIZE 16384 /* a power of two; more than texts in flight */

struct memo {
	uint64_t key;
	const char *lang;
	int used;
};

static struct memo memo[MEMO_SIZE];
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t hash64(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ n;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

/* The first TW_LANG_SCAN bytes of valid UTF-8 without control characters
 * (replaced by spaces), cut at a character boundary. */
static size_t clean(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n && o < TW_LANG_SCAN) {
		unsigned char c = (unsigned char)s[i];
		size_t l, v;

		if (c < 0x80) {
			out[o++] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
			i++;
			continue;
		}
		l = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		v = tw_utf8_valid_prefix(s + i, n - i < l ? n - i : l);
		if (v < l) {
			out[o++] = ' ';
			i++;
			continue;
		}
		if (o + l > TW_LANG_SCAN)
			break;
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	return o;
}

/* CLD2's codes that are not the ISO 639-1 code, or are more than one. */
static const char *iso639_1(const char *c)
{
	if (!c || !c[0] || !c[1])
		return NULL;
	if (!strncmp(c, "zh", 2))
		return "zh";
	if (!strcmp(c, "iw"))
		return "he";
	if (!strcmp(c, "in"))
		return "id";
	if (!strcmp(c, "jw"))
		return "jv";
	if (!strcmp(c, "nb") || !strcmp(c, "nn"))
		return "no";
	if (c[2] != '\0')
		return NULL; /* a code of three letters: no ISO 639-1 code */
	return c;
}

const char *tw_lang_detect(const char *utf8, size_t len)
{
	char buf[TW_LANG_SCAN];
	const char *lang;
	uint64_t key;
	size_t n, slot;
	int reliable = 0, letters = 0;

	if (!utf8 || !len)
		return NULL;
	n = clean(utf8, len, buf);
	for (size_t i = 0; i < n && letters < 4; i++)
		letters += (unsigned char)buf[i] >= 0x80 || ((buf[i] | 0x20) >= 'a' && (buf[i] | 0x20) <= 'z');
	if (letters < 4)
		return NULL;
	key = hash64(buf, n);
	slot = key & (MEMO_SIZE - 1);
	pthread_mutex_lock(&memo_lock);
	if (memo[slot].used && memo[slot].key == key) {
		lang = memo[slot].lang;
		pthread_mutex_unlock(&memo_lock);
		return lang;
	}
	pthread_mutex_unlock(&memo_lock);
	lang = iso639_1(tw_cld2_detect(buf, (int)n, &reliable));
	pthread_mutex_lock(&memo_lock);
	memo[slot].key = key;
	memo[slot].lang = lang;
	memo[slot].used = 1;
	pthread_mutex_unlock(&memo_lock);
	return lang;
}
