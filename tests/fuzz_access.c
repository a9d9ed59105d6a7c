/* fuzz_access.c: libFuzzer entry point for the people-and-access decoder and the
 * organizations decoder (client/fly/access.c; make fuzz). The first byte picks the part
 * the body answers (-1 = every part) and, when odd, the organizations decoder instead. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/api.h"
#include "flyaudit/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[FA_API_ERRLEN], *next[FA_ACCESS_COUNT];
	fa_access a;
	int part, p;

	if (size < 1)
		return 0;
	if (data[0] & 0x80) {
		char **slugs = NULL, *cur = NULL;
		size_t n = 0, i;

		if (fa_api_decode_organizations((const char *)data + 1, size - 1, &slugs, &n, &cur, err,
						sizeof(err)) == 0) {
			for (i = 0; i < n; i++)
				free(slugs[i]);
			free(slugs);
			free(cur);
		}
		return 0;
	}
	part = (int)(data[0] % (FA_ACCESS_COUNT + 1)) - 1;
	memset(&a, 0, sizeof(a));
	/* twice into the same struct: pages append */
	for (int round = 0; round < 2; round++) {
		if (fa_api_decode_access((const char *)data + 1, size - 1, part, &a, next, err, sizeof(err)) == 0)
			for (p = 0; p < FA_ACCESS_COUNT; p++)
				free(next[p]);
	}
	fa_access_release(&a);
	return 0;
}
