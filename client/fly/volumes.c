/* fly/volumes.c: GET /v1/apps/{app}/volumes into the model. */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>

int fa_api_decode_volumes(const char *body, size_t len, fa_app *app, char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	fly_dec d = { 0, NULL };
	fa_volume *vs = NULL;
	size_t n = 0, i;
	int rc;

	if (!app) {
		fly_set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = fly_parse_array(body, len, "volumes", "id", &root, &arr, err, errlen);
	if (rc)
		return rc;
	vs = fly_dalloc(&d, fly_n_children(arr), sizeof(*vs));
	EACH(it, vs ? arr : NULL) {
		fa_volume *v = NULL;
		int r = 0;

		v = &vs[n++];
		v->id = fly_dstr(&d, it, "id");
		v->name = fly_dstr(&d, it, "name");
		v->state = fly_dstr(&d, it, "state");
		v->region = fly_dstr(&d, it, "region");
		v->zone = fly_dstr(&d, it, "zone");
		v->attached_machine_id = fly_dstr(&d, it, "attached_machine_id");
		v->created_at = fly_dstr(&d, it, "created_at");
		v->type = fly_dstr(&d, it, "type");
		v->size_gb = 0;
		fly_num_ll(fly_get(it, "size_gb"), 0, LLONG_MAX, &v->size_gb);
		v->snapshot_retention = -1;
		if (fly_num_int(fly_get(it, "snapshot_retention"), 0, INT_MAX, &r))
			v->snapshot_retention = r;
		v->encrypted = fly_get_tri(it, "encrypted");
		v->auto_backup_enabled = fly_get_tri(it, "auto_backup_enabled");
	}
	cJSON_Delete(root);
	if (d.oom) {
		for (i = 0; i < n; i++)
			fa_volume_release(&vs[i]);
		free(vs);
		return fly_oom_err(err, errlen);
	}
	if (n == 0) {
		free(vs);
		vs = NULL;
	}
	for (i = 0; i < app->n_volumes; i++)
		fa_volume_release(&app->volumes[i]);
	free(app->volumes);
	app->volumes = vs;
	app->n_volumes = n;
	return 0;
}
