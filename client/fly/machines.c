/* fly/machines.c: GET /v1/apps/{app}/machines into the model. Env values are classified
 * and hashed as they are read, then dropped: nothing in the model holds one. */
#include "internal.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "flyaudit/secrets.h"

static const unsigned char zero_key[FA_API_HASH_KEY_LEN];

static void dec_env(fly_dec *d, cJSON *obj, fa_env *env)
{
	cJSON *c = NULL;
	size_t n = fly_n_children(obj);

	if (!cJSON_IsObject(obj) || n == 0)
		return;
	env->vars = fly_dalloc(d, n, sizeof(*env->vars));
	if (!env->vars)
		return;
	for (c = obj->child; c; c = c->next) {
		fa_env_var *v = NULL;
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;
		size_t len;

		if (!c->string || !cJSON_IsString(c) || !c->valuestring)
			continue; /* not a string: treated as absent */
		v = &env->vars[env->n_vars++];
		v->name = fly_strdup(c->string);
		if (!v->name) {
			d->oom = 1;
			return;
		}
		len = strlen(c->valuestring);
		v->value_len = len;
		v->detectors = fa_secret_classify(c->string, c->valuestring, len);
		if (!HMAC(EVP_sha256(), d->key, FA_API_HASH_KEY_LEN,
			  (const unsigned char *)c->valuestring, len, md, &mdlen) ||
		    mdlen < FA_ENV_HASH_LEN) {
			d->oom = 1;
			return;
		}
		memcpy(v->hash, md, FA_ENV_HASH_LEN);
		fa_memzero(md, sizeof(md));
		/* the tree copy of the value is not needed any more */
		fa_memzero(c->valuestring, len);
	}
}

/* ---- machines ------------------------------------------------------------------------ */

static int get_port(const cJSON *obj, const char *k)
{
	int v = 0;

	if (!fly_num_int(fly_get(obj, k), INT_MIN, INT_MAX, &v))
		return 0;
	if (v < 0 || v > 65535)
		return 0; /* not a port: treated as absent */
	return v;
}

static uint32_t handler_bit(const char *h)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} tab[] = {
		{ "http", FA_HANDLER_HTTP },
		{ "tls", FA_HANDLER_TLS },
		{ "proxy_proto", FA_HANDLER_PROXY_PROTO },
		{ "pg_tls", FA_HANDLER_PG_TLS },
		{ "edge_http", FA_HANDLER_EDGE_HTTP },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		const char *a = tab[i].name, *b = h;

		/* case-insensitive: "HTTP" is read as http, never as unknown */
		while (*a && *b && (*a == (char)(*b | (*b >= 'A' && *b <= 'Z' ? 0x20 : 0)))) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return tab[i].bit;
	}
	return FA_HANDLER_OTHER;
}

static uint32_t tls_bit(const char *v)
{
	if (strcmp(v, "TLSv1.0") == 0)
		return FA_TLSV_1_0;
	if (strcmp(v, "TLSv1.1") == 0)
		return FA_TLSV_1_1;
	if (strcmp(v, "TLSv1.2") == 0)
		return FA_TLSV_1_2;
	if (strcmp(v, "TLSv1.3") == 0)
		return FA_TLSV_1_3;
	return FA_TLSV_OTHER;
}

static void dec_port(const cJSON *o, fa_port *p)
{
	const cJSON *it = NULL;
	cJSON *tls = NULL;

	p->port = get_port(o, "port");
	p->start_port = get_port(o, "start_port");
	p->end_port = get_port(o, "end_port");
	p->force_https = fly_get_tri(o, "force_https");
	EACH(it, cJSON_IsArray(fly_get(o, "handlers")) ? fly_get(o, "handlers") : NULL) {
		if (cJSON_IsString(it) && it->valuestring)
			p->handlers |= handler_bit(it->valuestring);
	}
	tls = fly_get(o, "tls_options");
	EACH(it, cJSON_IsArray(fly_get(tls, "versions")) ? fly_get(tls, "versions") : NULL) {
		if (cJSON_IsString(it) && it->valuestring)
			p->tls_versions |= tls_bit(it->valuestring);
	}
}

static fa_autostop get_autostop(const cJSON *o)
{
	cJSON *it = fly_get(o, "autostop");

	if (cJSON_IsTrue(it))
		return FA_AUTOSTOP_STOP;
	if (cJSON_IsFalse(it))
		return FA_AUTOSTOP_OFF;
	if (cJSON_IsString(it) && it->valuestring) {
		if (strcmp(it->valuestring, "off") == 0)
			return FA_AUTOSTOP_OFF;
		if (strcmp(it->valuestring, "stop") == 0)
			return FA_AUTOSTOP_STOP;
		if (strcmp(it->valuestring, "suspend") == 0)
			return FA_AUTOSTOP_SUSPEND;
	}
	return FA_AUTOSTOP_UNSET;
}

static void dec_check_def(fly_dec *d, const cJSON *o, const char *name, fa_check_def *c)
{
	if (name) {
		c->name = fly_strdup(name);
		if (!c->name)
			d->oom = 1;
	}
	c->type = fly_dstr(d, o, "type");
	c->port = get_port(o, "port");
	c->path = fly_dstr(d, o, "path");
	c->method = fly_dstr(d, o, "method");
	c->protocol = fly_dstr(d, o, "protocol");
	c->interval = fly_dstr(d, o, "interval");
	c->timeout = fly_dstr(d, o, "timeout");
	c->kind = fly_dstr(d, o, "kind");
}

/* An array of service checks, or an object of machine checks (name -> check). */
static void dec_checks(fly_dec *d, const cJSON *src, int named, fa_check_def **out, size_t *n_out)
{
	const cJSON *it = NULL;
	size_t n;

	if (named ? !cJSON_IsObject(src) : !cJSON_IsArray(src))
		return;
	n = fly_n_children(src);
	*out = fly_dalloc(d, n, sizeof(**out));
	if (!*out)
		return;
	for (it = src->child; it && !d->oom; it = it->next) {
		if (!cJSON_IsObject(it))
			continue;
		dec_check_def(d, it, named ? it->string : NULL, &(*out)[(*n_out)++]);
	}
}

static void dec_service(fly_dec *d, const cJSON *o, fa_service *s)
{
	cJSON *ports = fly_get(o, "ports");
	const cJSON *it = NULL;
	int v = 0;

	s->protocol = fly_dstr(d, o, "protocol");
	s->internal_port = get_port(o, "internal_port");
	s->autostop = get_autostop(o);
	s->autostart = fly_get_tri(o, "autostart");
	s->min_machines_running = -1;
	if (fly_num_int(fly_get(o, "min_machines_running"), 0, INT_MAX, &v))
		s->min_machines_running = v;
	if (cJSON_IsArray(ports)) {
		s->ports = fly_dalloc(d, fly_n_children(ports), sizeof(*s->ports));
		EACH(it, s->ports ? ports : NULL) {
			if (cJSON_IsObject(it))
				dec_port(it, &s->ports[s->n_ports++]);
		}
	}
	dec_checks(d, fly_get(o, "checks"), 0, &s->checks, &s->n_checks);
}

static int starts_with(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

static void dec_config(fly_dec *d, cJSON *cfg, fa_machine *m)
{
	cJSON *arr = NULL, *it = NULL;

	m->image = fly_dstr(d, cfg, "image");
	m->process_group = fly_dstr(d, fly_get(cfg, "metadata"), "fly_process_group");
	dec_env(d, fly_get(cfg, "env"), &m->env);

	arr = fly_get(cfg, "services");
	if (cJSON_IsArray(arr)) {
		m->services = fly_dalloc(d, fly_n_children(arr), sizeof(*m->services));
		EACH(it, m->services ? arr : NULL) {
			if (d->oom)
				break;
			if (cJSON_IsObject(it))
				dec_service(d, it, &m->services[m->n_services++]);
		}
	}
	dec_checks(d, fly_get(cfg, "checks"), 1, &m->checks, &m->n_checks);

	arr = fly_get(cfg, "processes");
	if (cJSON_IsArray(arr)) {
		m->processes = fly_dalloc(d, fly_n_children(arr), sizeof(*m->processes));
		EACH(it, m->processes ? arr : NULL) {
			fa_process *p = NULL;

			if (d->oom)
				break;
			if (!cJSON_IsObject(it))
				continue;
			p = &m->processes[m->n_processes++];
			p->user = fly_dstr(d, it, "user");
			dec_env(d, fly_get(it, "env"), &p->env);
		}
	}

	arr = fly_get(cfg, "mounts");
	if (cJSON_IsArray(arr)) {
		m->mounts = fly_dalloc(d, fly_n_children(arr), sizeof(*m->mounts));
		EACH(it, m->mounts ? arr : NULL) {
			fa_mount *mt = NULL;

			if (!cJSON_IsObject(it))
				continue;
			mt = &m->mounts[m->n_mounts++];
			mt->volume = fly_dstr(d, it, "volume");
			mt->path = fly_dstr(d, it, "path");
			mt->name = fly_dstr(d, it, "name");
			mt->encrypted = fly_get_tri(it, "encrypted");
		}
	}
}

static void dec_machine(fly_dec *d, cJSON *o, fa_machine *m)
{
	cJSON *cfg = fly_get(o, "config");
	cJSON *arr = NULL, *it = NULL;

	m->id = fly_dstr(d, o, "id");
	m->name = fly_dstr(d, o, "name");
	m->state = fly_dstr(d, o, "state");
	m->region = fly_dstr(d, o, "region");
	m->instance_id = fly_dstr(d, o, "instance_id");
	m->private_ip = fly_dstr(d, o, "private_ip");
	m->host_status = fly_dstr(d, o, "host_status");
	m->created_at = fly_dstr(d, o, "created_at");
	m->updated_at = fly_dstr(d, o, "updated_at");
	m->image_digest = fly_dstr(d, fly_get(o, "image_ref"), "digest");
	if (cJSON_IsObject(cfg)) {
		m->has_config = true;
		dec_config(d, cfg, m);
	} else {
		/* No config (host not ok): only the image of the rebuilt config is used. */
		m->has_config = false;
		m->image = fly_dstr(d, fly_get(o, "incomplete_config"), "image");
	}

	arr = fly_get(o, "checks");
	if (cJSON_IsArray(arr)) {
		m->check_status = fly_dalloc(d, fly_n_children(arr), sizeof(*m->check_status));
		EACH(it, m->check_status ? arr : NULL) {
			fa_check_status *cs = NULL;
			const char *name = fly_get_s(it, "name");

			if (!cJSON_IsObject(it))
				continue;
			if (name && starts_with(name, "bg_deployments_compat"))
				continue; /* fake checks flaps adds for old flyctl (fly-go strips them) */
			cs = &m->check_status[m->n_check_status++];
			cs->name = fly_dstr(d, it, "name");
			cs->status = fly_dstr(d, it, "status");
			cs->updated_at = fly_dstr(d, it, "updated_at");
		}
	}
}

static void machines_free(fa_machine *ms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fa_machine_release(&ms[i]);
	free(ms);
}

int fa_api_decode_machines(const char *body, size_t len, const unsigned char *hash_key,
			   fa_app *app, char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	fly_dec d = { 0, hash_key ? hash_key : zero_key };
	fa_machine *ms = NULL;
	size_t n = 0, i;
	int rc;

	if (!app) {
		fly_set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = fly_parse_array(body, len, "machines", "id", &root, &arr, err, errlen);
	if (rc)
		return rc;
	ms = fly_dalloc(&d, fly_n_children(arr), sizeof(*ms));
	EACH(it, ms ? arr : NULL) {
		if (d.oom)
			break;
		dec_machine(&d, it, &ms[n++]);
	}
	cJSON_Delete(root);
	if (d.oom) {
		machines_free(ms, n);
		return fly_oom_err(err, errlen);
	}
	if (n == 0) {
		free(ms);
		ms = NULL;
	}
	for (i = 0; i < app->n_machines; i++)
		fa_machine_release(&app->machines[i]);
	free(app->machines);
	app->machines = ms;
	app->n_machines = n;
	return 0;
}
