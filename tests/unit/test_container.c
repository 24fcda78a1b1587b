/*
 * test_container.c - archives through libarchive (lib/extract/container.c).
 *
 * Fixtures come from tests/fixtures/gen_docs2.py; the hostile inputs (a
 * decompression bomb, a 50-deep nested zip) are built here at run time with
 * zlib so that nothing large is checked in.  Corpus checks skip visibly
 * when ../shared/corpora is absent.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "fixture.h"

#define FIX "tests/fixtures/docs2/"

static tw_node *extract_fixture(const char *name)
{
	size_t len = 0;
	unsigned char *d = slurp(name, &len);
	tw_node *n;

	assert_non_null(d);
	n = extract_mem(name, d, len);
	free(d);
	return n;
}

/* ---------------------------------------------------------------- zip writer */

/* A one-member zip, stored or deflated, in a malloc'd buffer. */
static unsigned char *zip_one(const char *name, const unsigned char *data,
			      size_t len, int deflated, size_t *outlen)
{
	size_t nl = strlen(name), cap = len + len / 100 + 256 + 2 * nl;
	unsigned char *out = malloc(cap), *p, *payload;
	uLong crc = crc32(0, data, (uInt)len);
	size_t csize = len, cd;

	assert_non_null(out);
	payload = out + 30 + nl;
	if (deflated) {
		z_stream z;

		memset(&z, 0, sizeof(z));
		assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (unsigned char *)data;
		z.avail_in = (uInt)len;
		z.next_out = payload;
		z.avail_out = (uInt)(cap - 30 - nl - 200 - nl);
		assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
		csize = z.total_out;
		deflateEnd(&z);
	} else {
		memcpy(payload, data, len);
	}
#define W16(v) do { *p++ = (unsigned char)(v); *p++ = (unsigned char)((v) >> 8); } while (0)
#define W32(v) do { W16((v) & 0xffff); W16(((v) >> 16) & 0xffff); } while (0)
	p = out;
	W32(0x04034b50u); W16(20); W16(0); W16(deflated ? 8 : 0); W16(0); W16(0x5264);
	W32((uint32_t)crc); W32((uint32_t)csize); W32((uint32_t)len); W16(nl); W16(0);
	memcpy(p, name, nl);
	p = payload + csize;
	cd = (size_t)(p - out);
	W32(0x02014b50u); W16(20); W16(20); W16(0); W16(deflated ? 8 : 0); W16(0);
	W16(0x5264); W32((uint32_t)crc); W32((uint32_t)csize); W32((uint32_t)len);
	W16(nl); W16(0); W16(0); W16(0); W16(0); W32(0); W32(0);
	memcpy(p, name, nl);
	p += nl;
	W32(0x06054b50u); W16(0); W16(0); W16(1); W16(1);
	W32((uint32_t)(46 + nl)); W32((uint32_t)cd); W16(0);
	*outlen = (size_t)(p - out);
	return out;
}

/* A zip holding `mib` MiB of zeros deflated (about 1000:1), streamed. */
static unsigned char *zip_bomb(unsigned mib, size_t *outlen)
{
	static unsigned char zeros[1 << 20];
	size_t cap = (size_t)mib * 1200 + 4096, n;
	unsigned char *out = malloc(cap), *p;
	const char *name = "zeros.bin";
	size_t nl = strlen(name), cd;
	uLong crc = crc32(0, NULL, 0);
	uint32_t usize = mib << 20;
	z_stream z;
	unsigned i;

	assert_non_null(out);
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_out = out + 30 + nl;
	z.avail_out = (uInt)(cap - 30 - nl - 200);
	for (i = 0; i < mib; i++) {
		crc = crc32(crc, zeros, sizeof(zeros));
		z.next_in = zeros;
		z.avail_in = sizeof(zeros);
		assert_int_equal(deflate(&z, i + 1 == mib ? Z_FINISH : Z_NO_FLUSH),
				 i + 1 == mib ? Z_STREAM_END : Z_OK);
	}
	n = z.total_out;
	deflateEnd(&z);
	p = out;
	W32(0x04034b50u); W16(20); W16(0); W16(8); W16(0); W16(0x5264);
	W32((uint32_t)crc); W32((uint32_t)n); W32(usize); W16(nl); W16(0);
	memcpy(p, name, nl);
	p = out + 30 + nl + n;
	cd = (size_t)(p - out);
	W32(0x02014b50u); W16(20); W16(20); W16(0); W16(8); W16(0); W16(0x5264);
	W32((uint32_t)crc); W32((uint32_t)n); W32(usize); W16(nl); W16(0); W16(0);
	W16(0); W16(0); W32(0); W32(0);
	memcpy(p, name, nl);
	p += nl;
	W32(0x06054b50u); W16(0); W16(0); W16(1); W16(1);
	W32((uint32_t)(46 + nl)); W32((uint32_t)cd); W16(0);
	*outlen = (size_t)(p - out);
	return out;
}

/* ---------------------------------------------------------------- tests */

static void test_mixed_zip(void **state)
{
	tw_node *n = extract_fixture(FIX "mixed.zip"), *c, *inner;

	assert_string_equal(n->type, "archive");
	assert_int_equal(n->nerrs, 0);
	/* docs/ is a directory: not an item. */
	assert_int_equal(n->nchildren, 6);
	c = child_named(n, "docs/hello.txt");
	assert_non_null(c);
	assert_string_equal(c->kind, "member");
	assert_string_equal(c->locator, "member:1");
	assert_non_null(strstr(c->text.data, "zanzibar"));
	assert_null(node_prop(c, "unsafe_path"));
	inner = child_named(n, "inner.zip");
	assert_non_null(inner);
	assert_string_equal(inner->type, "archive");
	assert_non_null(node_find_text(inner->first_child, "marmalade"));
	/* Office documents are not opened as archives. */
	c = child_named(n, "report.docx");
	assert_non_null(c);
	assert_null(node_prop(c, "archive_format"));
	assert_int_equal(c->nchildren, 0);
	/* A 0-byte member is an item too. */
	c = child_named(n, "empty.txt");
	assert_non_null(c);
	assert_int_equal(c->size, 0);
	tw_node_free(n);
}

static void test_accepts_office(void **state)
{
	size_t len = 0;
	unsigned char *zip = slurp(FIX "mixed.zip", &len);
	const tw_extractor *x = &tw_extractor_container;
	tw_buf found;
	const char *loc[] = {"member:3"};

	assert_non_null(zip);
	assert_true(x->accepts("application/zip", "zip", zip, len));
	assert_true(x->accepts("application/zip", "jar", zip, len));
	assert_true(x->accepts("application/java-archive", "jar", zip, len));
	assert_false(x->accepts("application/zip", "docx", zip, len));
	assert_false(x->accepts("application/zip", "odt", zip, len));
	assert_false(x->accepts("text/plain", "zip", zip, len));
	assert_true(x->accepts("application/gzip", "gz", zip, len));
	/* By content: the docx member itself, with no extension. */
	locate_mem("mixed.zip", zip, len, loc, 1, &found);
	assert_true(found.len > 100);
	assert_false(x->accepts("application/zip", NULL,
				(const unsigned char *)found.data, found.len));
	assert_false(x->accepts("application/zip", "bin",
				(const unsigned char *)found.data, 320));
	tw_buf_release(&found);
	free(zip);
}

static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n == 0;
}

static void test_unsafe_names(void **state)
{
	char tmpl[512], cwd[4096], *dir;
	unsigned char *zip;
	size_t len = 0;
	struct stat before, after;
	int have_shadow = stat("/etc/shadow", &before) == 0;
	tw_node *n, *c;

	zip = slurp(FIX "mixed.zip", &len);
	assert_non_null(zip);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	dir = fixture_tmpdir(tmpl, sizeof(tmpl), "unsafe");
	assert_int_equal(chdir(dir), 0);
	n = extract_mem("mixed.zip", zip, len);
	assert_int_equal(chdir(cwd), 0);
	/* Nothing written where the names point. */
	assert_true(dir_is_empty(dir));
	rmdir(dir);
	if (have_shadow) {
		assert_int_equal(stat("/etc/shadow", &after), 0);
		assert_true(before.st_mtime == after.st_mtime);
	}
	c = child_named(n, "../../etc/passwd");
	assert_non_null(c);
	assert_string_equal(node_prop(c, "unsafe_path"), "yes");
	assert_non_null(strstr(c->text.data, "root:x:0:0"));
	c = child_named(n, "/etc/shadow");
	assert_non_null(c);
	assert_string_equal(node_prop(c, "unsafe_path"), "yes");
	tw_node_free(n);
	free(zip);
}

static void test_tar_gz(void **state)
{
	tw_node *n = extract_fixture(FIX "docs.tar.gz"), *c;

	assert_string_equal(n->type, "archive");
	assert_int_equal(n->nchildren, 2);
	c = child_named(n, "notes/a.txt");
	assert_non_null(c);
	assert_string_equal(c->locator, "member:0");
	assert_non_null(strstr(c->text.data, "quokka"));
	c = child_named(n, "notes/b.txt");
	assert_non_null(c);
	assert_non_null(strstr(c->text.data, "wombat"));
	assert_int_equal(n->nerrs, 0);
	tw_node_free(n);
}

static void test_single_gz(void **state)
{
	tw_node *n = extract_fixture(FIX "single.txt.gz"), *c;

	assert_int_equal(n->nchildren, 1);
	c = n->first_child;
	assert_string_equal(c->name, "single.txt");
	assert_string_equal(c->locator, "member:0");
	assert_int_equal(c->size, 38 * 4);
	assert_non_null(strstr(c->text.data, "ocelot"));
	tw_node_free(n);
}

static void test_gz_not_gzip(void **state)
{
	/* A file named .gz that is not gzip is not handed to the raw reader. */
	static const char text[] = "just some words in a file with a misleading name\n";
	tw_node *n = extract_mem("fake.gz", text, sizeof(text) - 1);

	assert_int_equal(n->nchildren, 0);
	assert_string_not_equal(n->type, "archive");
	tw_node_free(n);
}

static void test_encrypted(void **state)
{
	tw_node *n = extract_fixture(FIX "encrypted.zip"), *c;
	size_t i;
	int found = 0;

	for (i = 0; i < n->nerrs; i++)
		if (n->errs[i].status == TRAWL_EENCRYPTED &&
		    strcmp(n->errs[i].stage, "decrypt") == 0 &&
		    strstr(n->errs[i].message, "secret.txt"))
			found = 1;
	assert_true(found);
	/* The other member is still extracted. */
	assert_int_equal(n->nchildren, 1);
	c = child_named(n, "plain.txt");
	assert_non_null(c);
	assert_non_null(strstr(c->text.data, "heliotrope"));
	tw_node_free(n);
}

static void test_truncated(void **state)
{
	tw_node *n = extract_fixture(FIX "truncated.zip");

	assert_true(node_has_error(n, TRAWL_ECORRUPT));
	/* Members read before the damage are kept. */
	assert_non_null(child_named(n, "docs/hello.txt"));
	tw_node_free(n);
}

static void test_bomb(void **state)
{
	size_t len = 0;
	unsigned char *zip = zip_bomb(200, &len);
	int64_t t0 = tw_now_ms();
	tw_node *n;

	assert_true(len < 400 * 1024);
	n = extract_mem("bomb.zip", zip, len);
	assert_true(err_has(n, TRAWL_ELIMIT, "ratio"));
	/* Stopped early: no 200 MiB member. */
	assert_int_equal(n->nchildren, 0);
	assert_true(tw_now_ms() - t0 < 30000);
	tw_node_free(n);
	free(zip);
}

static void test_deep_nesting(void **state)
{
	static const char leaf[] = "bottom of the well\n";
	unsigned char *cur, *next;
	size_t len, nlen;
	tw_node *n, *c;
	int i, depth = 0;
	char name[32];

	cur = zip_one("leaf.txt", (const unsigned char *)leaf, sizeof(leaf) - 1, 1, &len);
	for (i = 49; i >= 1; i--) {
		snprintf(name, sizeof(name), "level%02d.zip", i);
		next = zip_one(name, cur, len, 0, &nlen);
		free(cur);
		cur = next;
		len = nlen;
	}
	n = extract_mem("level00.zip", cur, len);
	for (c = n; c->first_child; c = c->first_child)
		depth++;
	assert_int_equal(c->depth, 11);
	assert_int_equal(depth, 11);
	assert_true(err_has(c, TRAWL_ELIMIT, "max_depth"));
	assert_null(node_find_text(n, "bottom of the well"));
	tw_node_free(n);
	free(cur);
}

static void test_locate_nested(void **state)
{
	size_t len = 0;
	unsigned char *zip = slurp(FIX "mixed.zip", &len);
	const char *loc[] = {"member:2", "member:0"};
	tw_buf found;

	assert_non_null(zip);
	locate_mem("mixed.zip", zip, len, loc, 2, &found);
	assert_non_null(found.data);
	assert_string_equal(found.data, "the nested zip holds the word marmalade\n");
	tw_buf_release(&found);
	free(zip);
}

static void test_extract_file(void **state)
{
	struct stat st;
	tw_extract_args args;
	tw_node *n = tw_node_new("file", FIX "mixed.zip", 0), *c;

	assert_int_equal(stat(FIX "mixed.zip", &st), 0);
	memset(&args, 0, sizeof(args));
	tw_extract_path(n, FIX "mixed.zip", (uint64_t)st.st_size, &args);
	assert_int_equal(n->nchildren, 6);
	c = child_named(n, "docs/hello.txt");
	assert_non_null(c);
	assert_string_equal(c->locator, "member:1");
	assert_non_null(node_find_text(n, "marmalade"));
	tw_node_free(n);
}

static void test_limits(void **state)
{
	size_t len = 0;
	unsigned char *zip = slurp(FIX "mixed.zip", &len);
	trawl_limits lim;
	tw_node *n;

	trawl_limits_default(&lim);
	lim.max_members = 2;
	n = extract_mem_limits("mixed.zip", zip, len, &lim);
	assert_true(err_has(n, TRAWL_ELIMIT, "max_members"));
	tw_node_free(n);

	trawl_limits_default(&lim);
	lim.max_item_bytes = 40;
	n = extract_mem_limits("mixed.zip", zip, len, &lim);
	/* hello.txt (43 bytes) is skipped and named; smaller ones stay. */
	assert_true(err_has(n, TRAWL_ELIMIT, "docs/hello.txt"));
	assert_null(child_named(n, "docs/hello.txt"));
	assert_non_null(child_named(n, "/etc/shadow"));
	tw_node_free(n);
	free(zip);
}

static void test_garbage_archive(void **state)
{
	/* gzip magic, then nonsense. */
	static const unsigned char junk[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3,
					     'n', 'o', 't', ' ', 'd', 'e', 'f', 'l',
					     'a', 't', 'e', 0xff, 0xfe, 0xfd};
	tw_node *n = extract_mem("junk.gz", junk, sizeof(junk));

	assert_true(n->nerrs > 0);
	tw_node_free(n);
}

/* ---------------------------------------------------------------- corpus */

static void corpus_archive(const char *rel, const char *member, size_t min_children)
{
	char path[1024];
	tw_node *n;

	snprintf(path, sizeof(path), "tika-test-documents/tika-parsers/"
		 "tika-parsers-standard/tika-parsers-standard-modules/"
		 "tika-parser-pkg-module/src/test/resources/test-documents/%s", rel);
	n = corpus_node(path);
	if (!n)
		skip();
	assert_true(n->nchildren >= min_children);
	assert_non_null(child_named(n, member));
	tw_node_free(n);
}

static void test_corpus_7z(void **state)
{
	corpus_archive("test-documents.7z", "test-documents/testTXT.txt", 9);
}

static void test_corpus_rar(void **state)
{
	corpus_archive("test-documents.rar", "test-documents/testTXT.txt", 9);
}

static void test_corpus_cpio(void **state)
{
	corpus_archive("test-documents.cpio", "test-documents/testTXT.txt", 9);
}

/* 135 members in the "imploded" method libarchive cannot decode: one
 * "unsupported" error naming them, not 135 "corrupt" ones. */
static void test_corpus_imploded(void **state)
{
	tw_node *n = corpus_node("tika-test-documents/tika-parsers/"
				 "tika-parsers-standard/tika-parsers-standard-modules/"
				 "tika-parser-pkg-module/src/test/resources/test-documents/moby.zip");
	size_t i;

	if (!n)
		skip();
	assert_true(err_has(n, TRAWL_EUNSUPPORTED, "135 members not extracted"));
	assert_true(err_has(n, TRAWL_EUNSUPPORTED, "imploded"));
	for (i = 0; i < n->nerrs; i++)
		assert_int_not_equal(n->errs[i].status, TRAWL_ECORRUPT);
	tw_node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed_zip),
		cmocka_unit_test(test_accepts_office),
		cmocka_unit_test(test_unsafe_names),
		cmocka_unit_test(test_tar_gz),
		cmocka_unit_test(test_single_gz),
		cmocka_unit_test(test_gz_not_gzip),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_locate_nested),
		cmocka_unit_test(test_extract_file),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_garbage_archive),
		cmocka_unit_test(test_corpus_7z),
		cmocka_unit_test(test_corpus_rar),
		cmocka_unit_test(test_corpus_cpio),
		cmocka_unit_test(test_corpus_imploded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
