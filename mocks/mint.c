/* mint.c: tokens for the mock, shaped as Fly mints them (TOKENS.md): a permission
 * macaroon `fm2_<base64 msgpack>` with an Organization caveat and a validity window,
 * signed with a throwaway key the mock does not check. Written byte by byte here, with
 * no code shared with the client's decoder, so a wrong belief in one is not mirrored. */
#include "flymock.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEMO_ORG_ID 4242u

static int put(fa_buf *b, const void *p, size_t n)
{
	return fa_buf_add(b, p, n);
}

static int put_u8(fa_buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;

	return put(b, &c, 1);
}

/* msgpack unsigned in its smallest form */
static int put_uint(fa_buf *b, uint64_t v)
{
	unsigned char t[9];
	size_t n, i;

	if (v < 128)
		return put_u8(b, (unsigned)v);
	if (v <= 0xff) {
		t[0] = 0xcc;
		n = 1;
	} else if (v <= 0xffff) {
		t[0] = 0xcd;
		n = 2;
	} else if (v <= 0xffffffffu) {
		t[0] = 0xce;
		n = 4;
	} else {
		t[0] = 0xcf;
		n = 8;
	}
	for (i = 0; i < n; i++)
		t[1 + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
	return put(b, t, n + 1);
}

static int put_bin(fa_buf *b, const unsigned char *p, size_t n)
{
	return put_u8(b, 0xc4) || put_u8(b, (unsigned)n) || put(b, p, n);
}

static int put_str(fa_buf *b, const char *s)
{
	size_t n = strlen(s);

	return put_u8(b, 0xa0 | (unsigned)n) || put(b, s, n);
}

int fm_mint_token(const char *kind, long days, fa_buf *out)
{
	fa_buf mac = FA_BUF_INIT(4096);
	unsigned char kid[8], rnd[16], key[32], tail[32];
	unsigned int tail_len = 0;
	unsigned mask;
	unsigned long long app_id = 0;
	uint64_t now = (uint64_t)time(NULL);
	char *b64 = NULL;
	int n, rc = -1;

	if (strcmp(kind, "user") == 0) {
		unsigned char r[24];
		char enc[64];

		if (RAND_bytes(r, sizeof(r)) != 1)
			return -1;
		n = EVP_EncodeBlock((unsigned char *)enc, r, sizeof(r));
		return (n < 0 || fa_buf_adds(out, "fo1_") || fa_buf_add(out, enc, (size_t)n)) ? -1 : 0;
	}
	if (strcmp(kind, "readonly") == 0) {
		mask = 1;
	} else if (strcmp(kind, "org") == 0) {
		mask = 31;
	} else if (strncmp(kind, "deploy:", 7) == 0) {
		/* an app deploy token: the app's internal numeric id */
		char *end = NULL;

		app_id = strtoull(kind + 7, &end, 10);
		if (!end || *end || app_id == 0)
			return -1;
		mask = 31;
	} else {
		return -1;
	}
	if (RAND_bytes(kid, sizeof(kid)) != 1 || RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    RAND_bytes(key, sizeof(key)) != 1)
		return -1;
	/* [nonce, location, caveats, tail] */
	if (put_u8(&mac, 0x94) || put_u8(&mac, 0x93) || put_bin(&mac, kid, sizeof(kid)) ||
	    put_bin(&mac, rnd, sizeof(rnd)) || put_u8(&mac, 0xc2) ||
	    put_str(&mac, "https://api.fly.io/v1") ||
	    /* caveats: Organization [id, mask], (Apps [{id: mask}],) ValidityWindow [nb, na] */
	    put_u8(&mac, app_id ? 0x96 : 0x94) || put_uint(&mac, 0) || put_u8(&mac, 0x92) ||
	    put_uint(&mac, DEMO_ORG_ID) || put_uint(&mac, mask) ||
	    (app_id && (put_uint(&mac, 3) || put_u8(&mac, 0x91) || put_u8(&mac, 0x81) ||
			put_uint(&mac, app_id) || put_uint(&mac, mask))) ||
	    put_uint(&mac, 4) ||
	    put_u8(&mac, 0x92) || put_uint(&mac, now - 60) ||
	    put_uint(&mac, now + (uint64_t)(days > 0 ? days : 90) * 86400u))
		goto cleanup;
	/* a tail that looks like a signature; nobody verifies it here */
	if (!HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)mac.data, mac.len, tail, &tail_len) ||
	    put_bin(&mac, tail, 32))
		goto cleanup;
	b64 = malloc(4 * ((mac.len + 2) / 3) + 1);
	if (!b64)
		goto cleanup;
	n = EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)mac.data, (int)mac.len);
	if (n < 0 || fa_buf_adds(out, "fm2_") || fa_buf_add(out, b64, (size_t)n))
		goto cleanup;
	rc = 0;
cleanup:
	free(b64);
	fa_buf_release(&mac);
	return rc;
}
