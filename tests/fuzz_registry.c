/* fuzz_registry.c: libFuzzer entry point for the registry decoders (make fuzz): the first
 * input byte picks the decoder (manifest or index, image config, Bearer challenge, token
 * answer, image reference, build step); the rest is its input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0: {
		fa_manifest m;

		if (fa_manifest_decode(text, size - 1, &m, err, sizeof(err)) == 0)
			fa_manifest_release(&m);
		break;
	}
	case 1: {
		fa_image img;

		memset(&img, 0, sizeof(img));
		fa_image_config_decode(text, size - 1, NULL, &img, err, sizeof(err));
		fa_image_release(&img);
		break;
	}
	case 2: {
		fa_auth_challenge c;

		if (fa_auth_challenge_parse(text, &c) == 0)
			fa_auth_challenge_release(&c);
		break;
	}
	case 3:
		free(fa_registry_decode_token(text, size - 1, err, sizeof(err)));
		break;
	case 4: {
		fa_image_ref r;

		if (fa_image_ref_parse(text, &r, err, sizeof(err)) == 0)
			fa_image_ref_release(&r);
		break;
	}
	default:
		(void)fa_image_step_classify(text, strlen(text));
		break;
	}
	free(text);
	return 0;
}
