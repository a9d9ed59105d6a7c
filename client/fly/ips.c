/* fly/ips.c: GET /v1/apps/{app}/ip_assignments, with the IP type inferred as fly-go does. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int type_from_name(const char *t, fa_ip_type *out)
{
	static const struct {
		const char *name;
		fa_ip_type type;
	} tab[] = {
		{ "v4", FA_IP_V4 },
		{ "v6", FA_IP_V6 },
		{ "shared_v4", FA_IP_SHARED_V4 },
		{ "private_v6", FA_IP_PRIVATE_V6 },
		{ "egress_v4", FA_IP_EGRESS_V4 },
		{ "egress_v6", FA_IP_EGRESS_V6 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(t, tab[i].name) == 0) {
			*out = tab[i].type;
			return 1;
		}
	}
	return 0;
}

fa_ip_type fa_api_infer_ip_type(const char *ip, int shared, int egress, const char *type)
{
	fa_ip_type t = FA_IP_V4;
	int v6;

	if (type && type_from_name(type, &t))
		return t;
	if (!ip)
		ip = "";
	v6 = strchr(ip, ':') != NULL;
	if (egress)
		return v6 ? FA_IP_EGRESS_V6 : FA_IP_EGRESS_V4;
	if ((ip[0] == 'f' || ip[0] == 'F') && (ip[1] == 'd' || ip[1] == 'D') &&
	    (ip[2] == 'a' || ip[2] == 'A') && (ip[3] == 'a' || ip[3] == 'A') && ip[4] == ':')
		return FA_IP_PRIVATE_V6;
	if (shared)
		return FA_IP_SHARED_V4;
	return v6 ? FA_IP_V6 : FA_IP_V4;
}

int fa_api_decode_ips(const char *body, size_t len, fa_app *app, char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	fly_dec d = { 0, NULL };
	fa_ip *ips = NULL;
	size_t n = 0, i;
	int rc;

	if (!app) {
		fly_set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = fly_parse_wrapped(body, len, "ips", "ip", &root, &arr, err, errlen);
	if (rc)
		return rc;
	ips = fly_dalloc(&d, fly_n_children(arr), sizeof(*ips));
	EACH(it, ips ? arr : NULL) {
		fa_ip *ip = NULL;
		cJSON *net = NULL;

		ip = &ips[n++];
		ip->address = fly_dstr(&d, it, "ip");
		ip->type = fa_api_infer_ip_type(ip->address, cJSON_IsTrue(fly_get(it, "shared")),
						cJSON_IsTrue(fly_get(it, "egress")), fly_get_s(it, "type"));
		ip->region = fly_dstr(&d, it, "region");
		ip->service_name = fly_dstr(&d, it, "service_name");
		ip->created_at = fly_dstr(&d, it, "created_at");
		net = fly_get(it, "network");
		if (ip->type == FA_IP_PRIVATE_V6) {
			/* Flycast: a missing network is the org's default one ("") */
			const char *name = fly_get_s(net, "name");

			ip->network = fly_strdup(name ? name : "");
			if (!ip->network)
				d.oom = 1;
			ip->network_org = fly_dstr(&d, net, "org_slug");
		}
	}
	cJSON_Delete(root);
	if (d.oom) {
		for (i = 0; i < n; i++)
			fa_ip_release(&ips[i]);
		free(ips);
		return fly_oom_err(err, errlen);
	}
	if (n == 0) {
		free(ips);
		ips = NULL;
	}
	for (i = 0; i < app->n_ips; i++)
		fa_ip_release(&app->ips[i]);
	free(app->ips);
	app->ips = ips;
	app->n_ips = n;
	return 0;
}
