/* fuzz_layers.c: libFuzzer entry point for the layer reader (client/layers.c, make fuzz):
 * the first byte picks the compression (plain tar, gzip, zstd) and the size of the pieces
 * the rest is fed in; a 1 MiB decompressed cap keeps bombs short. Also the file
 * classifier of audit/secret_files.c on the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flyaudit/layers.h"
#include "flyaudit/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t pieces[] = { 0, 64, 512, 4096, 0 }; /* 1 and 7: test_layers */
	fa_layer_result res;
	size_t i;

	if (size < 1)
		return 0;
	if (fa_layer_read_memory((fa_layer_compression)(data[0] % 3), data + 1, size - 1,
				 pieces[(data[0] >> 2) % 5], 1 << 20, &res) == 0) {
		/* what came out is well-formed */
		for (i = 0; i < res.n_findings; i++)
			if (!res.findings[i].path || !res.findings[i].detectors)
				__builtin_trap();
		fa_layer_result_release(&res);
	}
	(void)fa_secret_file_classify(".env", (const char *)data + 1, size - 1);
	return 0;
}
