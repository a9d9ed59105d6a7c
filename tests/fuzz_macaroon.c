/* fuzz_macaroon.c: libFuzzer entry point for the token decoder (make fuzz). The first
 * input byte picks how the rest is fed: as header text, or as msgpack bytes wrapped in
 * "fm2_" + base64 (so the fuzzer reaches the caveat decoder without learning base64). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/macaroon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64enc(const uint8_t *p, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = B64[(v >> 6) & 63];
		out[o++] = B64[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = B64[(v >> 6) & 63];
		out[o++] = '=';
	}
	return o;
}

static void exercise(const char *hdr, size_t len)
{
	fa_token_info *info = NULL;
	char err[256];
	fa_buf b = FA_BUF_INIT(0);
	int rc = fa_macaroon_decode(hdr, len, 1700000000, &info, err, sizeof(err));

	if (rc != 0) {
		if (info || err[0] == '\0' || strchr(err, '\n'))
			abort();
		return;
	}
	if (fa_whoami_json(info, 1700000000, "{}", &b) == 0) {
		if (b.len < 2 || b.data[0] != '{' || b.data[b.len - 1] != '}')
			abort();
	}
	fa_buf_release(&b);
	if (fa_whoami_text(info, 1700000000, &b) == 0 && b.len == 0)
		abort();
	fa_buf_release(&b);
	fa_token_info_free(info);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = NULL;
	size_t n = 0, half;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0: /* header text */
		exercise((const char *)data + 1, size - 1);
		buf = malloc(size);
		if (!buf)
			return 0;
		memcpy(buf, data + 1, size - 1);
		buf[size - 1] = '\0';
		{
			fa_self self;

			fa_self_from_token(buf, 1700000000, &self);
			free(self.error);
		}
		break;
	case 1: /* one macaroon, as msgpack bytes */
		buf = malloc(8 + 4 * (size / 3 + 1));
		if (!buf)
			return 0;
		memcpy(buf, "fm2_", 4);
		n = 4 + b64enc(data + 1, size - 1, buf + 4);
		exercise(buf, n);
		break;
	case 2: /* two macaroons (a permission and a discharge, say) */
		half = (size - 1) / 2;
		buf = malloc(16 + 4 * (size / 3 + 2));
		if (!buf)
			return 0;
		memcpy(buf, "FlyV1 fm2_", 10);
		n = 10 + b64enc(data + 1, half, buf + 10);
		memcpy(buf + n, ",fm2_", 5);
		n += 5;
		n += b64enc(data + 1 + half, size - 1 - half, buf + n);
		exercise(buf, n);
		break;
	default: { /* the helpers on raw bytes */
		size_t len = 0, outlen = 0;
		unsigned char *out = malloc(size);

		if (!out)
			return 0;
		(void)fa_msgpack_object_len(data + 1, size - 1, &len);
		(void)fa_base64_decode_strict((const char *)data + 1, size - 1, out, size, &outlen);
		free(out);
		break;
	}
	}
	free(buf);
	return 0;
}
