/* fly/token_current.c: GET /v1/tokens/current: the running token and its org. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void fa_token_current_release(fa_token_current *tc)
{
	size_t i;

	if (!tc)
		return;
	free(tc->token_id);
	free(tc->org_slug);
	free(tc->organization);
	free(tc->user);
	for (i = 0; i < tc->n_apps; i++)
		free(tc->apps[i]);
	free(tc->apps);
	memset(tc, 0, sizeof(*tc));
}

int fa_api_decode_tokens_current(const char *body, size_t len, fa_token_current *out,
				 char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *first = NULL, *apps = NULL;
	const cJSON *it = NULL;
	fly_dec d = { 0, NULL };
	fa_token_current tc;
	int rc;

	memset(&tc, 0, sizeof(tc));
	if (!out) {
		fly_set_err(err, errlen, "no output");
		return FA_API_EJSON;
	}
	rc = fly_parse_wrapped(body, len, "tokens", NULL, &root, &arr, err, errlen);
	if (rc)
		return rc;
	EACH(first, arr) {
		if (cJSON_IsObject(first))
			break;
	}
	if (!first) {
		fly_set_err(err, errlen, "the response describes no token");
		rc = FA_API_EJSON;
		goto cleanup;
	}
	tc.token_id = fly_dstr(&d, first, "token_id");
	tc.org_slug = fly_dstr(&d, first, "org_slug");
	tc.organization = fly_dstr(&d, first, "organization");
	tc.user = fly_dstr(&d, first, "user");
	apps = fly_get(first, "apps");
	if (cJSON_IsArray(apps)) {
		tc.apps = fly_dalloc(&d, fly_n_children(apps), sizeof(*tc.apps));
		EACH(it, tc.apps ? apps : NULL) {
			if (!cJSON_IsString(it) || !it->valuestring)
				continue;
			tc.apps[tc.n_apps] = fly_strdup(it->valuestring);
			if (!tc.apps[tc.n_apps]) {
				d.oom = 1;
				break;
			}
			tc.n_apps++;
		}
	}
	if (d.oom) {
		fa_token_current_release(&tc);
		rc = fly_oom_err(err, errlen);
		goto cleanup;
	}
	fa_token_current_release(out);
	*out = tc;
cleanup:
	cJSON_Delete(root);
	return rc;
}
