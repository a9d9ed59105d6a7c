/* fuzz_machines.c: libFuzzer entry point for the machines decoder (make fuzz): fly-go's
 * config shapes (containers, check headers, inline files, command lines) and every wrong
 * type. Whatever the bytes, the decoder returns an error or a model it can release, whose
 * counts agree (ASan and UBSan watch the rest). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/api.h"
#include "flyaudit/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[FA_API_HASH_KEY_LEN] = { 7 };

static void walk_creds(const fa_cred_scan *cs)
{
	size_t i;

	if (cs->n_hits > cs->n_places)
		abort();
	for (i = 0; i < cs->n_hits; i++)
		if (!cs->hits[i].where || !cs->hits[i].detectors)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[FA_API_ERRLEN];
	fa_app app;
	size_t i, j;

	fa_app_init(&app);
	if (fa_api_decode_machines((const char *)data, size, key, &app, err, sizeof(err)) == 0) {
		for (i = 0; i < app.n_machines; i++) {
			const fa_machine *m = &app.machines[i];

			walk_creds(&m->creds);
			for (j = 0; j < m->n_containers; j++)
				walk_creds(&m->containers[j].creds);
			for (j = 0; j < m->env.n_vars; j++)
				if (m->env.vars[j].value_len > size)
					abort();
		}
	}
	fa_app_release(&app);
	return 0;
}
