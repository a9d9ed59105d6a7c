/* fuzz_jsoncheck.c: libFuzzer on audit/jsoncheck.c (repeated keys, escaped NULs) over any
 * bytes, parsed or not (tests/run-fuzz.sh builds and runs it). */
#include <stddef.h>
#include <stdint.h>

#include "flyaudit/jsoncheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[160];

	(void)fa_json_check((const char *)data, size, why, sizeof(why));
	return 0;
}
