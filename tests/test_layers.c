/* test_layers.c: the layer reader (client/layers.c) on layers built here in memory with
 * libarchive's writer: valid gzip, plain and zstd tars fed whole and in small pieces,
 * truncated and garbage input, a gzip bomb against the cap, whiteouts, huge names, path
 * traversal names, a reader freed while it runs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/layers.h"
#include "flyaudit/model.h"

typedef struct fx_entry {
	const char *path;
	const char *data; /* NULL: a directory */
	size_t zeros;     /* when data is NULL and zeros > 0: a file of that many zero bytes */
} fx_entry;

#define OUT_MAX (4u << 20)

/* A tar (pax) with the entries, through the filter; returns the bytes (free them). */
static unsigned char *build(fa_layer_compression c, const fx_entry *es, size_t n, size_t *len)
{
	struct archive *a = archive_write_new();
	unsigned char *out = malloc(OUT_MAX);
	static char zero[65536];
	size_t i, used = 0;

	assert_non_null(a);
	assert_non_null(out);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (c == FA_LAYER_GZIP)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	else if (c == FA_LAYER_ZSTD && archive_write_add_filter_zstd(a) != ARCHIVE_OK) {
		archive_write_free(a);
		free(out);
		return NULL;
	}
	assert_int_equal(archive_write_open_memory(a, out, OUT_MAX, &used), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t sz = es[i].data ? strlen(es[i].data) : es[i].zeros;

		archive_entry_set_pathname(e, es[i].path);
		archive_entry_set_filetype(e, es[i].data || es[i].zeros ? AE_IFREG : AE_IFDIR);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)sz);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (es[i].data) {
			assert_int_equal(archive_write_data(a, es[i].data, sz), (la_ssize_t)sz);
		} else {
			while (sz) {
				size_t k = sz < sizeof(zero) ? sz : sizeof(zero);

				assert_int_equal(archive_write_data(a, zero, k), (la_ssize_t)k);
				sz -= k;
			}
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*len = used;
	return out;
}

static const fx_entry demo[] = {
	{ "app/", NULL, 0 },
	{ "app/server.js", "require('http').createServer().listen(8080)\n", 0 },
	{ "./app/.env", "NODE_ENV=production\nDATABASE_PASSWORD=Tr0ub4dor&3-horse-staple\n", 0 },
	{ "app/.env.example", "DATABASE_PASSWORD=Tr0ub4dor&3-horse-staple\n", 0 },
	{ "root/.ssh/id_rsa.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI user@host\n", 0 },
	{ "/root/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n", 0 },
	{ "home/node/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", 0 },
};
#define N_DEMO (sizeof(demo) / sizeof(demo[0]))

static void expect_demo(const fa_layer_result *res)
{
	assert_int_equal(res->state, FA_LAYER_DONE);
	assert_int_equal(res->entries, N_DEMO);
	assert_int_equal(res->sniffed, 3); /* .env, id_ed25519, .npmrc */
	assert_int_equal(res->n_findings, 2);
	assert_string_equal(res->findings[0].path, "app/.env");
	assert_int_equal(res->findings[0].detectors, FA_DET_SECRET_NAME);
	assert_string_equal(res->findings[1].path, "root/.ssh/id_ed25519");
	assert_int_equal(res->findings[1].detectors, FA_DET_PEM_PRIVATE);
	assert_true(res->unpacked > 0);
}

static void test_valid(void **state)
{
	static const size_t pieces[] = { 0, 1, 7, 4096 };
	fa_layer_compression cs[] = { FA_LAYER_GZIP, FA_LAYER_TAR, FA_LAYER_ZSTD };
	size_t i, k, len;

	(void)state;
	for (k = 0; k < 3; k++) {
		unsigned char *b = build(cs[k], demo, N_DEMO, &len);

		if (!b)
			continue; /* no zstd writer here */
		for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
			fa_layer_result res;

			assert_int_equal(fa_layer_read_memory(cs[k], b, len, pieces[i], 0, &res), 0);
			expect_demo(&res);
			assert_int_equal(res.fed, (long long)len);
			fa_layer_result_release(&res);
		}
		free(b);
	}
}

static void test_broken(void **state)
{
	fa_layer_result res;
	unsigned char *b, junk[3000];
	size_t len, i;

	(void)state;
	b = build(FA_LAYER_GZIP, demo, N_DEMO, &len);
	/* truncated: half of it */
	assert_int_equal(fa_layer_read_memory(FA_LAYER_GZIP, b, len / 2, 100, 0, &res), 0);
	assert_int_equal(res.state, FA_LAYER_FAILED);
	assert_true(res.note[0] != '\0');
	fa_layer_result_release(&res);
	/* gzip bytes declared as a plain tar, and the reverse */
	assert_int_equal(fa_layer_read_memory(FA_LAYER_TAR, b, len, 0, 0, &res), 0);
	assert_int_equal(res.state, FA_LAYER_FAILED);
	fa_layer_result_release(&res);
	free(b);
	/* a plain tar under a gzip media type is read as what it is (no decompressor runs) */
	b = build(FA_LAYER_TAR, demo, N_DEMO, &len);
	assert_int_equal(fa_layer_read_memory(FA_LAYER_GZIP, b, len, 0, 0, &res), 0);
	expect_demo(&res);
	fa_layer_result_release(&res);
	free(b);
	/* garbage, empty, a gzip header and nothing else */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	assert_int_equal(fa_layer_read_memory(FA_LAYER_GZIP, junk, sizeof(junk), 512, 0, &res), 0);
	assert_int_equal(res.state, FA_LAYER_FAILED);
	fa_layer_result_release(&res);
	assert_int_equal(fa_layer_read_memory(FA_LAYER_TAR, junk, sizeof(junk), 0, 0, &res), 0);
	assert_int_equal(res.state, FA_LAYER_FAILED);
	fa_layer_result_release(&res);
	assert_int_equal(fa_layer_read_memory(FA_LAYER_GZIP, "", 0, 0, 0, &res), 0);
	assert_int_equal(res.state, FA_LAYER_FAILED);
	fa_layer_result_release(&res);
	assert_int_equal(fa_layer_read_memory(FA_LAYER_GZIP, "\x1f\x8b\x08\x00", 4, 0, 0, &res), 0);
	assert_int_equal(res.state, FA_LAYER_FAILED);
	fa_layer_result_release(&res);
}

/* A file of 8 MiB of zeros (8 KiB compressed) against a 1 MiB cap: stopped at the cap,
 * the credential read before it kept; memory stays libarchive's blocks. */
static void test_bomb(void **state)
{
	const fx_entry es[] = {
		{ "app/.env", "GITHUB_TOKEN=ghp_Zq3xV8bN1mK4pL7wR2tY5uI9oE6aS0dF3gH8\n", 0 },
		{ "bomb", NULL, 8u << 20 },
		{ "late/.env", "API_KEY=abcdefghijklmnop\n", 0 },
	};
	fa_layer_result res;
	unsigned char *b;
	size_t len;

	(void)state;
	b = build(FA_LAYER_GZIP, es, 3, &len);
	assert_true(len < 64 * 1024);
	assert_int_equal(fa_layer_read_memory(FA_LAYER_GZIP, b, len, 4096, 1 << 20, &res), 0);
	assert_int_equal(res.state, FA_LAYER_CAPPED);
	assert_non_null(strstr(res.note, "cap of 1 MiB decompressed"));
	assert_true(res.unpacked > (1 << 20) && res.unpacked < (4 << 20));
	assert_int_equal(res.n_findings, 1);
	assert_int_equal(res.findings[0].detectors, FA_DET_GITHUB_TOKEN | FA_DET_SECRET_NAME);
	assert_true(res.fed < (long long)len || len < 8192);
	fa_layer_result_release(&res);
	/* with the default cap it reads to the end */
	assert_int_equal(fa_layer_read_memory(FA_LAYER_GZIP, b, len, 0, 0, &res), 0);
	assert_int_equal(res.state, FA_LAYER_DONE);
	assert_int_equal(res.n_findings, 2);
	fa_layer_result_release(&res);
	free(b);
}

static void test_whiteouts_names(void **state)
{
	static char huge[5200];
	static char hugefile[5200];
	fx_entry es[] = {
		{ "app/.wh..env", "", 0 },
		{ "etc/.wh..wh..opq", "", 0 },
		{ ".wh.top", "", 0 },
		{ "../../etc/.env", "SECRET_KEY=Zq3xV8bN1mK4pL7w\n", 0 },
		{ huge, "PASSWORD=Zq3xV8bN1mK4pL7w\n", 0 },
		{ hugefile, "x", 0 },
		{ "weird\x1b[31m/.env", "PASSWORD=Zq3xV8bN1mK4pL7w\n", 0 },
	};
	fa_layer_result res;
	unsigned char *b;
	size_t len;

	(void)state;
	memset(huge, 'd', sizeof(huge) - 1);
	for (size_t i = 100; i < sizeof(huge) - 10; i += 100)
		huge[i] = '/';
	memcpy(huge + sizeof(huge) - 6, "/.env", 6);
	memset(hugefile, 'e', sizeof(hugefile) - 1);
	b = build(FA_LAYER_GZIP, es, sizeof(es) / sizeof(es[0]), &len);
	assert_int_equal(fa_layer_read_memory(FA_LAYER_GZIP, b, len, 333, 0, &res), 0);
	assert_int_equal(res.state, FA_LAYER_DONE);
	assert_int_equal(res.n_whiteouts, 3);
	assert_string_equal(res.whiteouts[0], "app/.env");
	assert_string_equal(res.whiteouts[1], "etc/");
	assert_string_equal(res.whiteouts[2], "top");
	assert_int_equal(res.n_findings, 3);
	assert_string_equal(res.findings[0].path, "../../etc/.env");
	assert_int_equal(strlen(res.findings[1].path), FA_IMAGE_FILE_PATH_MAX);
	assert_non_null(strstr(res.findings[1].path, "..."));
	assert_int_equal(res.findings[2].detectors, FA_DET_SECRET_NAME);
	fa_layer_result_release(&res);
	free(b);
}

static void test_media_types_and_abort(void **state)
{
	fa_layer_reader *r;
	unsigned char *b;
	size_t len;

	(void)state;
	assert_int_equal(fa_layer_compression_of("application/vnd.oci.image.layer.v1.tar+gzip"), FA_LAYER_GZIP);
	assert_int_equal(fa_layer_compression_of("application/vnd.docker.image.rootfs.diff.tar.gzip"), FA_LAYER_GZIP);
	assert_int_equal(fa_layer_compression_of("application/vnd.oci.image.layer.v1.tar+zstd"), FA_LAYER_ZSTD);
	assert_int_equal(fa_layer_compression_of("application/vnd.oci.image.layer.v1.tar"), FA_LAYER_TAR);
	assert_int_equal(fa_layer_compression_of(NULL), FA_LAYER_GZIP);
	assert_int_equal(fa_layer_compression_of("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"), -1);
	assert_int_equal(fa_layer_compression_of("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"), -1);
	assert_int_equal(fa_layer_compression_of("text/plain"), -1);
	/* freed in the middle: the thread stops, nothing hangs or leaks */
	b = build(FA_LAYER_GZIP, demo, N_DEMO, &len);
	r = fa_layer_reader_new(FA_LAYER_GZIP, 0);
	assert_non_null(r);
	assert_int_equal(fa_layer_feed(r, b, 20), 0);
	fa_layer_reader_free(r);
	r = fa_layer_reader_new(FA_LAYER_GZIP, 0);
	fa_layer_reader_free(r);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_whiteouts_names),
		cmocka_unit_test(test_media_types_and_abort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
