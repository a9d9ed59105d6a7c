/* fly/secrets.c: GET /v1/apps/{app}/secrets: names and digests only, never a value. */
#include "internal.h"

#include <stdlib.h>

int fa_api_decode_secrets(const char *body, size_t len, fa_app *app, char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	fly_dec d = { 0, NULL };
	fa_secret *ss = NULL;
	size_t n = 0, i;
	int rc;

	if (!app) {
		fly_set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = fly_parse_wrapped(body, len, "secrets", "name", &root, &arr, err, errlen);
	if (rc)
		return rc;
	ss = fly_dalloc(&d, fly_n_children(arr), sizeof(*ss));
	EACH(it, ss ? arr : NULL) {
		fa_secret *s = NULL;

		s = &ss[n++];
		/* names and digests only: a `value` field is never read */
		s->name = fly_dstr(&d, it, "name");
		s->digest = fly_dstr(&d, it, "digest");
		s->created_at = fly_dstr(&d, it, "created_at");
		s->updated_at = fly_dstr(&d, it, "updated_at");
	}
	cJSON_Delete(root);
	if (d.oom) {
		for (i = 0; i < n; i++)
			fa_secret_release(&ss[i]);
		free(ss);
		return fly_oom_err(err, errlen);
	}
	if (n == 0) {
		free(ss);
		ss = NULL;
	}
	for (i = 0; i < app->n_secrets; i++)
		fa_secret_release(&app->secrets[i]);
	free(app->secrets);
	app->secrets = ss;
	app->n_secrets = n;
	return 0;
}
