/* fly/certificates.c: GET /v1/apps/{app}/certificates, one cursor page at a time. */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int fa_api_decode_certs_page(const char *body, size_t len, fa_app *app, char **next_cursor,
			     char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	fly_dec d = { 0, NULL };
	fa_cert *cs = NULL, *grown = NULL;
	size_t n = 0, i;
	char *cursor = NULL;
	const char *nc = NULL;
	int rc;

	if (next_cursor)
		*next_cursor = NULL;
	if (!app) {
		fly_set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = fly_parse_wrapped(body, len, "certificates", "hostname", &root, &arr, err, errlen);
	if (rc)
		return rc;
	cs = fly_dalloc(&d, fly_n_children(arr), sizeof(*cs));
	EACH(it, cs ? arr : NULL) {
		fa_cert *c = NULL;

		c = &cs[n++];
		c->hostname = fly_dstr(&d, it, "hostname");
		c->status = fly_dstr(&d, it, "status");
		c->configured = fly_get_tri(it, "configured");
		c->dns_provider = fly_dstr(&d, it, "dns_provider");
		c->has_custom_certificate = fly_get_tri(it, "has_custom_certificate");
		c->has_fly_certificate = fly_get_tri(it, "has_fly_certificate");
		c->acme_dns_configured = fly_get_tri(it, "acme_dns_configured");
		c->acme_alpn_configured = fly_get_tri(it, "acme_alpn_configured");
		c->acme_http_configured = fly_get_tri(it, "acme_http_configured");
		c->created_at = fly_dstr(&d, it, "created_at");
		c->updated_at = fly_dstr(&d, it, "updated_at");
	}
	nc = fly_get_s(root, "next_cursor");
	if (nc && nc[0]) {
		cursor = fly_strdup(nc);
		if (!cursor)
			d.oom = 1;
	}
	cJSON_Delete(root);
	if (!d.oom && n > 0) {
		if (app->n_certs > SIZE_MAX / sizeof(*cs) - n) {
			d.oom = 1;
		} else {
			grown = realloc(app->certs, (app->n_certs + n) * sizeof(*cs));
			if (!grown)
				d.oom = 1;
		}
	}
	if (d.oom) {
		for (i = 0; i < n; i++)
			fa_cert_release(&cs[i]);
		free(cs);
		free(cursor);
		return fly_oom_err(err, errlen);
	}
	if (n > 0) {
		memcpy(grown + app->n_certs, cs, n * sizeof(*cs));
		app->certs = grown;
		app->n_certs += n;
	}
	free(cs);
	if (next_cursor)
		*next_cursor = cursor;
	else
		free(cursor);
	return 0;
}
