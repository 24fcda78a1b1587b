/*
 * util.c - small building blocks: the capped buffer, allocation wrappers
 * that never abort, hex, UTF-8 cleaning and hashing.
 *
 * Every byte string that comes from evidence goes through tw_buf, whose
 * cap is fixed when it is created, so no input can grow memory unbounded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "tw.h"

/* ---------------------------------------------------------------- allocation */

/*
 * Every allocation of libtrawl goes through the wrappers below, so that the
 * out-of-memory test (tests/unit/test_oom.c) can make any one of them fail,
 * as SQLite's fault injection does.  Only trawl's own allocations are
 * counted: what GLib, GMime, SQLite, libarchive, libxml2, MuPDF ... allocate
 * internally goes to their own allocators and never fails here.
 *
 * When the hook is off, the cost is one relaxed atomic load per allocation.
 * When armed, every allocation takes a number (1, 2, 3 ... from the call of
 * tw_alloc_fail_at()) with one atomic increment, and the allocation whose
 * number is the target fails (and, in persistent mode, every one after it).
 */
static _Atomic int alloc_armed;
static _Atomic uint64_t alloc_n, alloc_target;
static _Atomic int alloc_persist;

static void alloc_arm(uint64_t n, int persist)
{
	atomic_store(&alloc_armed, 0);
	atomic_store(&alloc_n, 0);
	atomic_store(&alloc_target, n);
	atomic_store(&alloc_persist, persist);
	atomic_store(&alloc_armed, n != 0);
}

void tw_alloc_fail_at(uint64_t n) { alloc_arm(n, 0); }
void tw_alloc_fail_from(uint64_t n) { alloc_arm(n, 1); }
uint64_t tw_alloc_count(void) { return atomic_load(&alloc_n); }

/* Non-zero when this allocation must fail (the hook is armed and its
 * number is the target). */
static int alloc_fails(void)
{
	uint64_t k, target;

	if (!atomic_load_explicit(&alloc_armed, memory_order_relaxed))
		return 0;
	k = atomic_fetch_add(&alloc_n, 1) + 1;
	target = atomic_load(&alloc_target);
	return atomic_load(&alloc_persist) ? k >= target : k == target;
}

/* Allocations that failed on this thread, injected or real. */
static _Thread_local uint64_t thread_failures;

uint64_t tw_alloc_failures(void) { return thread_failures; }
void tw_alloc_note_failure(void) { thread_failures++; }

static void *counted(void *p)
{
	if (!p)
		thread_failures++;
	return p;
}

void *tw_malloc(size_t n)
{
	return counted(alloc_fails() ? NULL : malloc(n ? n : 1));
}

void *tw_calloc(size_t n, size_t m)
{
	return counted(alloc_fails() ? NULL : calloc(n ? n : 1, m ? m : 1));
}

void *tw_realloc(void *p, size_t n)
{
	return counted(alloc_fails() ? NULL : realloc(p, n ? n : 1));
}

char *tw_strdup(const char *s)
{
	return s ? tw_strndup(s, strlen(s)) : NULL;
}

char *tw_strndup(const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	p = tw_malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *tw_asprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = tw_malloc((size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void tw_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int64_t tw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tw_ascii_lower(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* ---------------------------------------------------------------- tw_buf */

void tw_buf_init(tw_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

trawl_status tw_buf_append(tw_buf *b, const void *p, size_t n)
{
	trawl_status st = TRAWL_OK;

	if (b->failed)
		return TRAWL_ENOMEM;
	if (n > b->max - b->len) {
		n = b->max - b->len;
		b->truncated = 1;
		st = TRAWL_ELIMIT;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *d;

		while (cap < b->len + n + 1)
			cap = cap > SIZE_MAX / 2 ? b->len + n + 1 : cap * 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		d = tw_realloc(b->data, cap);
		if (!d) {
			/* Sticky: the bytes already held stay valid, but the
			 * buffer no longer says all it was given. */
			b->failed = 1;
			return TRAWL_ENOMEM;
		}
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return st;
}

trawl_status tw_buf_puts(tw_buf *b, const char *s)
{
	return tw_buf_append(b, s, strlen(s));
}

trawl_status tw_buf_putc(tw_buf *b, char c)
{
	return tw_buf_append(b, &c, 1);
}

trawl_status tw_buf_printf(tw_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;
	trawl_status st;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return TRAWL_EINVAL;
	if ((size_t)n < sizeof(small))
		return tw_buf_append(b, small, (size_t)n);
	{
		char *big;

		if (b->failed)
			return TRAWL_ENOMEM;
		big = tw_malloc((size_t)n + 1);
		if (!big) {
			b->failed = 1;
			return TRAWL_ENOMEM;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		st = tw_buf_append(b, big, (size_t)n);
		free(big);
	}
	return st;
}

void tw_buf_reset(tw_buf *b)
{
	b->len = 0;
	b->truncated = 0;
	b->failed = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *tw_buf_detach(tw_buf *b, size_t *len)
{
	char *d = b->data;

	if (b->failed) {
		tw_buf_release(b);
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

void tw_buf_release(tw_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

/* ---------------------------------------------------------------- tw_strpool */

const char *tw_strpool_keep(tw_strpool *p, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		char **n = tw_realloc(p->strs, cap * sizeof(*n));

		if (!n)
			return NULL;
		p->strs = n;
		p->cap = cap;
	}
	d = tw_strdup(s);
	if (d)
		p->strs[p->n++] = d;
	return d;
}

void tw_strpool_release(tw_strpool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->strs[i]);
	free(p->strs);
	p->strs = NULL;
	p->n = p->cap = 0;
}

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

size_t tw_utf8_encode(unsigned cp, char out[4])
{
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t tw_utf8_valid_prefix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k;

		/* ASCII runs are the common case: eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			/* A NUL byte is not text either. */
			if ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		k = utf8_seq(p + i, n - i);
		if (k == 0)
			return i;
		i += k;
	}
	return n;
}

char *tw_utf8_clean(const char *s, size_t n, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	char *out;

	if (tw_utf8_valid_prefix(s, n) == n) {
		if (outlen)
			*outlen = n;
		return tw_strndup(s, n);
	}
	/* Worst case every byte becomes the 3-byte replacement character. */
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	out = tw_malloc(n * 3 + 1);
	if (!out)
		return NULL;
	while (i < n) {
		size_t k = utf8_seq(p + i, n - i);

		if (k == 0) {
			out[o++] = (char)0xef;
			out[o++] = (char)0xbf;
			out[o++] = (char)0xbd;
			i++;
		} else {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		}
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return out;
}

/* ---------------------------------------------------------------- hashing */

/* Digests fetched once: OpenSSL 3 looks an algorithm up again on every
 * init given EVP_sha256(), which cost more than hashing a short text. */
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256, *md_md5;

static void md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
}

const EVP_MD *tw_md_sha256(void)
{
	pthread_once(&md_once, md_fetch);
	return md_sha256 ? md_sha256 : EVP_sha256();
}

const EVP_MD *tw_md_md5(void)
{
	pthread_once(&md_once, md_fetch);
	return md_md5 ? md_md5 : EVP_md5();
}

struct tw_hasher {
	EVP_MD_CTX *sha, *md5;
};

tw_hasher *tw_hasher_new(void)
{
	tw_hasher *h = tw_calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->sha = EVP_MD_CTX_new();
	h->md5 = EVP_MD_CTX_new();
	if (!h->sha || !h->md5 || !EVP_DigestInit_ex(h->sha, tw_md_sha256(), NULL) ||
	    !EVP_DigestInit_ex(h->md5, tw_md_md5(), NULL)) {
		EVP_MD_CTX_free(h->sha);
		EVP_MD_CTX_free(h->md5);
		free(h);
		return NULL;
	}
	return h;
}

void tw_hasher_update(tw_hasher *h, const void *p, size_t n)
{
	if (!h)
		return;
	EVP_DigestUpdate(h->sha, p, n);
	EVP_DigestUpdate(h->md5, p, n);
}

void tw_hasher_final(tw_hasher *h, tw_digest *d)
{
	memset(d, 0, sizeof(*d));
	if (!h)
		return;
	EVP_DigestFinal_ex(h->sha, d->sha256, NULL);
	EVP_DigestFinal_ex(h->md5, d->md5, NULL);
	EVP_MD_CTX_free(h->sha);
	EVP_MD_CTX_free(h->md5);
	free(h);
}

void tw_digest_mem(const void *p, size_t n, tw_digest *d)
{
	/* One-shot digests need no tw_hasher: no allocation of ours can fail
	 * here and leave a content with a zero digest. */
	memset(d, 0, sizeof(*d));
	EVP_Digest(p, n, d->sha256, NULL, tw_md_sha256(), NULL);
	EVP_Digest(p, n, d->md5, NULL, tw_md_md5(), NULL);
}

/* ---------------------------------------------------------------- status */

const char *trawl_status_str(trawl_status st)
{
	static const char *const names[] = {
		[TRAWL_OK] = "ok",
		[TRAWL_ENOMEM] = "out of memory",
		[TRAWL_EIO] = "i/o error",
		[TRAWL_EDB] = "database error",
		[TRAWL_ESYNTAX] = "syntax error",
		[TRAWL_ENOTFOUND] = "not found",
		[TRAWL_EINVAL] = "invalid argument",
		[TRAWL_ELIMIT] = "limit",
		[TRAWL_ECORRUPT] = "corrupt",
		[TRAWL_EENCRYPTED] = "encrypted",
		[TRAWL_EUNSUPPORTED] = "unsupported",
		[TRAWL_EVERSION] = "version",
		[TRAWL_EBUSY] = "busy",
		[TRAWL_ECANCELLED] = "cancelled",
		[TRAWL_EEMPTY] = "empty",
		[TRAWL_EREADONLY] = "read-only",
	};

	if ((size_t)st < TW_ARRAY_LEN(names) && names[st])
		return names[st];
	return "unknown";
}
