/* fuzz_edge.c: libFuzzer entry point for the edge decisions of `audit --probe` (make fuzz):
 * whatever a probed host answers goes through the content signatures, the shell test, the
 * hostname check and the results of fa_audit_edge. The first byte picks the path and how
 * the rest is split between the `/` answer and the path's answer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/edge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_audit_ctx ctx = { .org = "fuzz", .now = 1795911665, .probe = true };
	fa_edge_obs obs;
	fa_results rs;
	const char *body;
	char *host;
	size_t idx, cut, i;

	if (size < 1)
		return 0;
	idx = data[0] % FA_EDGE_N_SENSITIVE;
	body = (const char *)data + 1;
	size--;
	cut = size ? (size_t)data[0] % (size + 1) : 0;
	(void)fa_edge_signature(idx, body, size);
	host = malloc(size + 1);
	if (!host)
		return 0;
	memcpy(host, body, size);
	host[size] = '\0';
	(void)fa_edge_host_ok(host);

	memset(&obs, 0, sizeof(obs));
	obs.app = "fuzz";
	obs.host = host;
	obs.https_root.outcome = FA_EDGE_ANSWER;
	obs.https_root.status = 200;
	obs.https_root.body = body;
	obs.https_root.len = cut;
	obs.https_root.hsts = host;
	obs.http_root.outcome = FA_EDGE_ANSWER;
	obs.http_root.status = 301;
	obs.http_root.location = host;
	for (i = 0; i < FA_EDGE_N_SENSITIVE; i++) {
		obs.sensitive[i].outcome = FA_EDGE_ANSWER;
		obs.sensitive[i].status = 200;
		obs.sensitive[i].body = body + cut;
		obs.sensitive[i].len = size - cut;
	}
	for (i = 0; i < FA_EDGE_N_ADMIN; i++) {
		obs.admin[i] = obs.sensitive[i];
		obs.admin[i].error = host;
	}
	fa_results_init(&rs);
	(void)fa_audit_edge(&ctx, &obs, &rs);
	fa_results_release(&rs);
	free(host);
	return 0;
}
