/* model_json.c: the inventory model to cJSON and back (snapshot lines, `--json` views).
 * Strict on types when reading, never a crash; env values do not exist here to write. */
#include "model_json.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/secrets.h"
#include "flyaudit/snapshot.h"

#define PATHLEN 192
/* Integers travel as JSON numbers (doubles): keep to the exactly representable range. */
#define JSON_INT_MAX 9007199254740992LL

/* ---- small shared pieces ------------------------------------------------------------- */

typedef struct flag_name {
	uint32_t bit;
	const char *name;
} flag_name;

static const flag_name handler_names[] = {
	{ FA_HANDLER_HTTP, "http" },       { FA_HANDLER_TLS, "tls" },
	{ FA_HANDLER_PROXY_PROTO, "proxy_proto" }, { FA_HANDLER_PG_TLS, "pg_tls" },
	{ FA_HANDLER_EDGE_HTTP, "edge_http" }, { FA_HANDLER_OTHER, "other" },
};

static const flag_name tls_names[] = {
	{ FA_TLSV_1_0, "TLSv1.0" }, { FA_TLSV_1_1, "TLSv1.1" }, { FA_TLSV_1_2, "TLSv1.2" },
	{ FA_TLSV_1_3, "TLSv1.3" }, { FA_TLSV_OTHER, "other" },
};

static const char *const autostop_names[] = { "off", "stop", "suspend" };
static const char *const kind_names[] = { "unknown", "macaroon", "user" };

static void subpath(char *buf, size_t n, const char *path, const char *key, long idx)
{
	const char *sep = (path && *path) ? "." : "";

	if (!path)
		path = "";
	if (idx >= 0)
		snprintf(buf, n, "%s%s%s[%ld]", path, sep, key, idx);
	else
		snprintf(buf, n, "%s%s%s", path, sep, key);
}

/* Sets err to "PATH.KEY: WHAT" and returns -1. */
static int jerr(char *err, size_t errlen, const char *path, const char *key, const char *what)
{
	char where[PATHLEN + 64];

	if (!err || !errlen)
		return -1;
	if (key) {
		subpath(where, sizeof(where), path, key, -1);
		snprintf(err, errlen, "%s: %s", where, what);
	} else if (path && *path) {
		snprintf(err, errlen, "%s: %s", path, what);
	} else {
		snprintf(err, errlen, "%s", what);
	}
	return -1;
}

/* ---- to JSON ------------------------------------------------------------------------------ */

static int add(cJSON *o, const char *key, cJSON *item)
{
	if (!item)
		return -1;
	if (!cJSON_AddItemToObject(o, key, item)) {
		cJSON_Delete(item);
		return -1;
	}
	return 0;
}

static int push(cJSON *arr, cJSON *item)
{
	if (!item)
		return -1;
	if (!cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		return -1;
	}
	return 0;
}

static cJSON *jstr(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *jnum(long long v)
{
	return cJSON_CreateNumber((double)v);
}

/* -1 (absent) and other negatives become null. */
static cJSON *jopt(long long v)
{
	return v < 0 ? cJSON_CreateNull() : cJSON_CreateNumber((double)v);
}

static cJSON *jbool(bool b)
{
	return cJSON_CreateBool(b ? 1 : 0);
}

static cJSON *jtri(fa_tri t)
{
	if (t == FA_TRI_TRUE)
		return cJSON_CreateTrue();
	if (t == FA_TRI_FALSE)
		return cJSON_CreateFalse();
	return cJSON_CreateNull();
}

static cJSON *jflags(uint32_t mask, const flag_name *tab, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((mask & tab[i].bit) && push(arr, cJSON_CreateString(tab[i].name))) {
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

/* The bit a detector name stands for: fa_detector_name()'s names, or "bitN". 0 if none. */
static uint32_t detector_bit(const char *name)
{
	unsigned b;
	char *end = NULL;
	long v;

	for (b = 0; b < 32; b++) {
		const char *n = fa_detector_name(1u << b);

		if (n && *n && strcmp(n, "unknown") != 0 && strcmp(n, name) == 0)
			return 1u << b;
	}
	if (strncmp(name, "bit", 3) == 0 && name[3] >= '0' && name[3] <= '9') {
		v = strtol(name + 3, &end, 10);
		if (*end == '\0' && v >= 0 && v < 32)
			return 1u << v;
	}
	return 0;
}

static cJSON *jdetectors(uint32_t mask)
{
	cJSON *arr = cJSON_CreateArray();
	char tmp[16];
	unsigned b;

	if (!arr)
		return NULL;
	for (b = 0; b < 32; b++) {
		uint32_t bit = 1u << b;
		const char *n;

		if (!(mask & bit))
			continue;
		n = fa_detector_name(bit);
		/* A name that does not map back to this bit alone would not round-trip. */
		if (!n || !*n || detector_bit(n) != bit) {
			snprintf(tmp, sizeof(tmp), "bit%u", b);
			n = tmp;
		}
		if (push(arr, cJSON_CreateString(n))) {
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

static cJSON *jhash(const unsigned char *h)
{
	static const char hex[] = "0123456789abcdef";
	char s[FA_ENV_HASH_LEN * 2 + 1];
	size_t i;

	for (i = 0; i < FA_ENV_HASH_LEN; i++) {
		s[2 * i] = hex[h[i] >> 4];
		s[2 * i + 1] = hex[h[i] & 15];
	}
	s[FA_ENV_HASH_LEN * 2] = '\0';
	return cJSON_CreateString(s);
}

cJSON *fa_mj_env(const fa_env *env)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; env && i < env->n_vars; i++) {
		const fa_env_var *v = &env->vars[i];
		cJSON *o = cJSON_CreateObject();
		int rc = 0;

		if (!o)
			goto fail;
		rc |= add(o, "name", jstr(v->name));
		rc |= add(o, "len", jnum((long long)v->value_len));
		rc |= add(o, "detectors", jdetectors(v->detectors));
		rc |= add(o, "hash", jhash(v->hash));
		if (rc || push(arr, o)) {
			if (rc)
				cJSON_Delete(o);
			goto fail;
		}
	}
	return arr;
fail:
	cJSON_Delete(arr);
	return NULL;
}

static cJSON *jcheck_def(const fa_check_def *c)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "name", jstr(c->name));
	rc |= add(o, "type", jstr(c->type));
	rc |= add(o, "port", jnum(c->port));
	rc |= add(o, "path", jstr(c->path));
	rc |= add(o, "method", jstr(c->method));
	rc |= add(o, "protocol", jstr(c->protocol));
	rc |= add(o, "interval", jstr(c->interval));
	rc |= add(o, "timeout", jstr(c->timeout));
	rc |= add(o, "kind", jstr(c->kind));
	rc |= add(o, "tls_skip_verify", jtri(c->tls_skip_verify));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *jcheck_defs(const fa_check_def *cs, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < n; i++) {
		if (push(arr, jcheck_def(&cs[i]))) {
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

static cJSON *jport(const fa_port *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *hs = NULL;
	size_t i;
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "port", jnum(p->port));
	rc |= add(o, "start_port", jnum(p->start_port));
	rc |= add(o, "end_port", jnum(p->end_port));
	rc |= add(o, "handlers", jflags(p->handlers, handler_names,
					sizeof(handler_names) / sizeof(handler_names[0])));
	rc |= add(o, "force_https", jtri(p->force_https));
	rc |= add(o, "tls_versions",
		  jflags(p->tls_versions, tls_names, sizeof(tls_names) / sizeof(tls_names[0])));
	rc |= add(o, "default_self_signed", jtri(p->default_self_signed));
	hs = cJSON_CreateArray();
	for (i = 0; hs && i < p->n_resp_headers; i++) {
		cJSON *h = cJSON_CreateObject();

		if (!h || add(h, "name", jstr(p->resp_headers[i].name)) ||
		    add(h, "text", jstr(p->resp_headers[i].value))) {
			cJSON_Delete(h);
			rc = -1;
			break;
		}
		rc |= push(hs, h);
	}
	rc |= add(o, "response_headers", hs);
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *jservice(const fa_service *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *ports = NULL;
	size_t i;
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "protocol", jstr(s->protocol));
	rc |= add(o, "internal_port", jnum(s->internal_port));
	ports = cJSON_CreateArray();
	for (i = 0; ports && i < s->n_ports; i++)
		rc |= push(ports, jport(&s->ports[i]));
	rc |= add(o, "ports", ports);
	if (s->autostop >= FA_AUTOSTOP_OFF && s->autostop <= FA_AUTOSTOP_SUSPEND)
		rc |= add(o, "autostop", cJSON_CreateString(autostop_names[s->autostop]));
	else
		rc |= add(o, "autostop", cJSON_CreateNull());
	rc |= add(o, "autostart", jtri(s->autostart));
	rc |= add(o, "min_machines_running", jopt(s->min_machines_running));
	rc |= add(o, "checks", jcheck_defs(s->checks, s->n_checks));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *jcreds(const fa_cred_scan *cs)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_CreateArray();
	size_t i;
	int rc = 0;

	if (!o || !arr) {
		cJSON_Delete(o);
		cJSON_Delete(arr);
		return NULL;
	}
	rc |= add(o, "places", jnum((long long)cs->n_places));
	for (i = 0; i < cs->n_hits; i++) {
		cJSON *h = cJSON_CreateObject();

		if (!h || add(h, "where", jstr(cs->hits[i].where)) ||
		    add(h, "detectors", jdetectors(cs->hits[i].detectors))) {
			cJSON_Delete(h);
			rc = -1;
			break;
		}
		rc |= push(arr, h);
	}
	rc |= add(o, "hits", arr);
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *jcontainer(const fa_container *c)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "name", jstr(c->name));
	rc |= add(o, "image", jstr(c->image));
	rc |= add(o, "user", jstr(c->user));
	rc |= add(o, "env", fa_mj_env(&c->env));
	rc |= add(o, "creds", jcreds(&c->creds));
	rc |= add(o, "secrets", jnum((long long)c->n_secrets));
	rc |= add(o, "healthchecks", jnum((long long)c->n_healthchecks));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *fa_mj_machine(const fa_machine *m)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = NULL;
	size_t i;
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "id", jstr(m->id));
	rc |= add(o, "name", jstr(m->name));
	rc |= add(o, "state", jstr(m->state));
	rc |= add(o, "region", jstr(m->region));
	rc |= add(o, "instance_id", jstr(m->instance_id));
	rc |= add(o, "private_ip", jstr(m->private_ip));
	rc |= add(o, "host_status", jstr(m->host_status));
	rc |= add(o, "created_at", jstr(m->created_at));
	rc |= add(o, "updated_at", jstr(m->updated_at));
	rc |= add(o, "image_digest", jstr(m->image_digest));
	rc |= add(o, "has_config", jbool(m->has_config));
	rc |= add(o, "image", jstr(m->image));
	rc |= add(o, "process_group", jstr(m->process_group));
	rc |= add(o, "release_command", jbool(m->release_command));
	rc |= add(o, "malformed", jstr(m->malformed));
	rc |= add(o, "init_user", jstr(m->init_user));
	rc |= add(o, "env", fa_mj_env(&m->env));
	rc |= add(o, "creds", jcreds(&m->creds));
	arr = cJSON_CreateArray();
	for (i = 0; arr && i < m->n_containers; i++)
		rc |= push(arr, jcontainer(&m->containers[i]));
	rc |= add(o, "containers", arr);

	arr = cJSON_CreateArray();
	for (i = 0; arr && i < m->n_services; i++)
		rc |= push(arr, jservice(&m->services[i]));
	rc |= add(o, "services", arr);

	rc |= add(o, "checks", jcheck_defs(m->checks, m->n_checks));

	arr = cJSON_CreateArray();
	for (i = 0; arr && i < m->n_processes; i++) {
		cJSON *p = cJSON_CreateObject();
		int prc = 0;

		if (!p) {
			rc = -1;
			break;
		}
		prc |= add(p, "user", jstr(m->processes[i].user));
		prc |= add(p, "env", fa_mj_env(&m->processes[i].env));
		if (prc) {
			cJSON_Delete(p);
			rc = -1;
			break;
		}
		rc |= push(arr, p);
	}
	rc |= add(o, "processes", arr);

	arr = cJSON_CreateArray();
	for (i = 0; arr && i < m->n_mounts; i++) {
		cJSON *p = cJSON_CreateObject();
		int prc = 0;

		if (!p) {
			rc = -1;
			break;
		}
		prc |= add(p, "volume", jstr(m->mounts[i].volume));
		prc |= add(p, "path", jstr(m->mounts[i].path));
		prc |= add(p, "name", jstr(m->mounts[i].name));
		prc |= add(p, "encrypted", jtri(m->mounts[i].encrypted));
		if (prc) {
			cJSON_Delete(p);
			rc = -1;
			break;
		}
		rc |= push(arr, p);
	}
	rc |= add(o, "mounts", arr);

	arr = cJSON_CreateArray();
	for (i = 0; arr && i < m->n_check_status; i++) {
		cJSON *p = cJSON_CreateObject();
		int prc = 0;

		if (!p) {
			rc = -1;
			break;
		}
		prc |= add(p, "name", jstr(m->check_status[i].name));
		prc |= add(p, "status", jstr(m->check_status[i].status));
		prc |= add(p, "updated_at", jstr(m->check_status[i].updated_at));
		if (prc) {
			cJSON_Delete(p);
			rc = -1;
			break;
		}
		rc |= push(arr, p);
	}
	rc |= add(o, "check_status", arr);

	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *fa_mj_volume(const fa_volume *v)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "id", jstr(v->id));
	rc |= add(o, "name", jstr(v->name));
	rc |= add(o, "state", jstr(v->state));
	rc |= add(o, "region", jstr(v->region));
	rc |= add(o, "zone", jstr(v->zone));
	rc |= add(o, "attached_machine_id", jstr(v->attached_machine_id));
	rc |= add(o, "created_at", jstr(v->created_at));
	rc |= add(o, "type", jstr(v->type));
	rc |= add(o, "size_gb", jnum(v->size_gb));
	rc |= add(o, "snapshot_retention", jopt(v->snapshot_retention));
	rc |= add(o, "encrypted", jtri(v->encrypted));
	rc |= add(o, "auto_backup_enabled", jtri(v->auto_backup_enabled));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *fa_mj_ip(const fa_ip *ip)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "address", jstr(ip->address));
	rc |= add(o, "type", cJSON_CreateString(fa_ip_type_name(ip->type)));
	rc |= add(o, "region", jstr(ip->region));
	rc |= add(o, "service_name", jstr(ip->service_name));
	rc |= add(o, "network", jstr(ip->network));
	rc |= add(o, "network_org", jstr(ip->network_org));
	rc |= add(o, "created_at", jstr(ip->created_at));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *fa_mj_secret(const fa_secret *s)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "name", jstr(s->name));
	rc |= add(o, "digest", jstr(s->digest));
	rc |= add(o, "created_at", jstr(s->created_at));
	rc |= add(o, "updated_at", jstr(s->updated_at));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *fa_mj_cert(const fa_cert *c)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "hostname", jstr(c->hostname));
	rc |= add(o, "status", jstr(c->status));
	rc |= add(o, "configured", jtri(c->configured));
	rc |= add(o, "dns_provider", jstr(c->dns_provider));
	rc |= add(o, "has_custom_certificate", jtri(c->has_custom_certificate));
	rc |= add(o, "has_fly_certificate", jtri(c->has_fly_certificate));
	rc |= add(o, "acme_dns_configured", jtri(c->acme_dns_configured));
	rc |= add(o, "acme_alpn_configured", jtri(c->acme_alpn_configured));
	rc |= add(o, "acme_http_configured", jtri(c->acme_http_configured));
	rc |= add(o, "created_at", jstr(c->created_at));
	rc |= add(o, "updated_at", jstr(c->updated_at));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *fa_mj_token(const fa_token *t)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "id", jstr(t->id));
	rc |= add(o, "name", jstr(t->name));
	rc |= add(o, "created_at", jstr(t->created_at));
	rc |= add(o, "expires_at", jstr(t->expires_at));
	rc |= add(o, "revoked_at", jstr(t->revoked_at));
	rc |= add(o, "profile", jstr(t->profile));
	rc |= add(o, "user_email", jstr(t->user_email));
	if (t->revoked_by)
		rc |= add(o, "revoked_by", jstr(t->revoked_by));
	rc |= add(o, "app", jstr(t->app));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *fa_mj_tokens(const fa_token *t, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < n; i++) {
		if (push(arr, fa_mj_token(&t[i]))) {
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

cJSON *fa_mj_load(const fa_load *l)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "loaded", jbool(l->loaded));
	rc |= add(o, "tried", jbool(l->tried));
	rc |= add(o, "status", jnum(l->status));
	rc |= add(o, "message", jstr(l->message));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *fa_mj_self(const fa_self *s)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;
	int kind = (int)s->kind;

	if (!o)
		return NULL;
	if (kind < 0 || kind > FA_TOKEN_KIND_USER)
		kind = FA_TOKEN_KIND_UNKNOWN;
	rc |= add(o, "kind", cJSON_CreateString(kind_names[kind]));
	rc |= add(o, "decoded", jbool(s->decoded));
	rc |= add(o, "read_only", jtri(s->read_only));
	rc |= add(o, "access", jnum((long long)s->access));
	rc |= add(o, "org_id", jopt(s->org_id));
	rc |= add(o, "expires_at", s->expires_at ? jnum((long long)s->expires_at)
						 : cJSON_CreateNull());
	rc |= add(o, "n_undischarged", jnum((long long)s->n_undischarged));
	rc |= add(o, "error", jstr(s->error));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *jstrings(char *const *v, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; arr && i < n; i++)
		if (push(arr, jstr(v[i]))) {
			cJSON_Delete(arr);
			return NULL;
		}
	return arr;
}

cJSON *fa_mj_image(const fa_image *img)
{
	cJSON *o = cJSON_CreateObject(), *hist = NULL;
	size_t i;
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "digest", jstr(img->digest));
	rc |= add(o, "ref", jstr(img->ref));
	rc |= add(o, "registry", jstr(img->registry));
	rc |= add(o, "repository", jstr(img->repository));
	rc |= add(o, "manifest_digest", jstr(img->manifest_digest));
	rc |= add(o, "config_digest", jstr(img->config_digest));
	rc |= add(o, "created", jstr(img->created));
	rc |= add(o, "user", jstr(img->user));
	rc |= add(o, "env", fa_mj_env(&img->env));
	rc |= add(o, "label_source", jstr(img->label_source));
	rc |= add(o, "label_revision", jstr(img->label_revision));
	rc |= add(o, "label_version", jstr(img->label_version));
	rc |= add(o, "exposed_ports", jstrings(img->exposed_ports, img->n_exposed_ports));
	hist = cJSON_CreateArray();
	for (i = 0; hist && i < img->n_history; i++) {
		cJSON *h = cJSON_CreateObject();
		int hrc = 0;

		if (!h) {
			rc = -1;
			break;
		}
		hrc |= add(h, "detectors", jdetectors(img->history[i].detectors));
		hrc |= add(h, "empty_layer", jbool(img->history[i].empty_layer));
		if (hrc) {
			cJSON_Delete(h);
			rc = -1;
			break;
		}
		rc |= push(hist, h);
	}
	rc |= add(o, "history", hist);
	rc |= add(o, "n_layers", jnum((long long)img->n_layers));
	rc |= add(o, "layers_size", jnum(img->layers_size));
	rc |= add(o, "load", fa_mj_load(&img->load));
	if (img->layers_tried) {
		cJSON *files = cJSON_CreateArray();

		rc |= add(o, "layers_tried", jbool(true));
		rc |= add(o, "layers_complete", jbool(img->layers_complete));
		rc |= add(o, "layers_note", jstr(img->layers_note));
		rc |= add(o, "files_sniffed", jnum((long long)img->files_sniffed));
		rc |= add(o, "n_files_more", jnum((long long)img->n_files_more));
		rc |= add(o, "layers_read_bytes", jnum(img->layers_read_bytes));
		rc |= add(o, "layers_unpacked", jnum(img->layers_unpacked));
		for (i = 0; files && i < img->n_files; i++) {
			const fa_image_file *f = &img->files[i];
			cJSON *fo = cJSON_CreateObject();
			int frc = 0;

			if (!fo) {
				rc = -1;
				break;
			}
			frc |= add(fo, "path", jstr(f->path));
			frc |= add(fo, "detectors", jdetectors(f->detectors));
			frc |= add(fo, "layer", jstr(f->layer));
			frc |= add(fo, "deleted", jbool(f->deleted));
			if (frc) {
				cJSON_Delete(fo);
				rc = -1;
				break;
			}
			rc |= push(files, fo);
		}
		rc |= add(o, "files", files);
	}
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *fa_mj_app_resources(const fa_app *app, fa_endpoint ep)
{
	cJSON *arr = NULL;
	size_t i, n;
	int rc = 0;

	switch (ep) {
	case FA_EP_MACHINES: n = app->n_machines; break;
	case FA_EP_VOLUMES: n = app->n_volumes; break;
	case FA_EP_SECRETS: n = app->n_secrets; break;
	case FA_EP_IPS: n = app->n_ips; break;
	case FA_EP_CERTS: n = app->n_certs; break;
	case FA_EP_TOKENS: n = app->n_tokens; break;
	case FA_EP_IMAGES: n = app->n_images; break;
	default: return NULL;
	}
	arr = cJSON_CreateArray();
	for (i = 0; arr && !rc && i < n; i++) {
		switch (ep) {
		case FA_EP_MACHINES: rc = push(arr, fa_mj_machine(&app->machines[i])); break;
		case FA_EP_VOLUMES: rc = push(arr, fa_mj_volume(&app->volumes[i])); break;
		case FA_EP_SECRETS: rc = push(arr, fa_mj_secret(&app->secrets[i])); break;
		case FA_EP_IPS: rc = push(arr, fa_mj_ip(&app->ips[i])); break;
		case FA_EP_CERTS: rc = push(arr, fa_mj_cert(&app->certs[i])); break;
		case FA_EP_TOKENS: rc = push(arr, fa_mj_token(&app->tokens[i])); break;
		case FA_EP_IMAGES: rc = push(arr, fa_mj_image(&app->images[i])); break;
		default: break;
		}
	}
	if (rc) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

static const char *const resource_keys[FA_EP_COUNT] = {
	NULL, "machines", "volumes", "secrets", "ips", "certs", "tokens", "images",
};

cJSON *fa_mj_app(const fa_app *app)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *loaded = NULL, *errors = NULL;
	int ep, rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "id", jstr(app->id));
	rc |= add(o, "name", jstr(app->name));
	rc |= add(o, "status", jstr(app->status));
	rc |= add(o, "network", jstr(app->network));
	rc |= add(o, "org_slug", jstr(app->org_slug));
	rc |= add(o, "internal_numeric_id", jopt(app->internal_numeric_id));
	rc |= add(o, "machine_count", jopt(app->machine_count));
	rc |= add(o, "volume_count", jopt(app->volume_count));
	for (ep = FA_EP_MACHINES; ep < FA_EP_COUNT; ep++)
		rc |= add(o, resource_keys[ep], fa_mj_app_resources(app, (fa_endpoint)ep));

	loaded = cJSON_CreateArray();
	errors = cJSON_CreateArray();
	for (ep = 0; loaded && errors && ep < FA_EP_COUNT; ep++) {
		const fa_load *l = &app->load[ep];
		cJSON *e = NULL;
		int erc = 0;

		if (l->loaded) {
			rc |= push(loaded, cJSON_CreateString(fa_endpoint_name((fa_endpoint)ep)));
			continue;
		}
		if (!l->tried)
			continue;
		e = cJSON_CreateObject();
		if (!e) {
			rc = -1;
			break;
		}
		erc |= add(e, "endpoint", cJSON_CreateString(fa_endpoint_name((fa_endpoint)ep)));
		erc |= add(e, "status", jnum(l->status));
		erc |= add(e, "message", jstr(l->message));
		if (erc) {
			cJSON_Delete(e);
			rc = -1;
			break;
		}
		rc |= push(errors, e);
	}
	rc |= add(o, "loaded", loaded);
	rc |= add(o, "errors", errors);
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* ---- from JSON ------------------------------------------------------------------------- */

static const cJSON *field(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return (v && !cJSON_IsNull(v)) ? v : NULL;
}

static int get_str(const cJSON *o, const char *key, const char *path, char **out, char *err,
		   size_t errlen)
{
	const cJSON *v = field(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring)
		return jerr(err, errlen, path, key, "expected a string or null");
	*out = strdup(v->valuestring);
	if (!*out)
		return jerr(err, errlen, path, key, "out of memory");
	return 0;
}

static int get_ll(const cJSON *o, const char *key, const char *path, long long lo,
		  long long hi, long long dflt, long long *out, char *err, size_t errlen)
{
	const cJSON *v = field(o, key);
	double d;

	*out = dflt;
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v))
		return jerr(err, errlen, path, key, "expected an integer or null");
	d = v->valuedouble;
	if (!(d >= (double)lo && d <= (double)hi))
		return jerr(err, errlen, path, key, "integer out of range");
	if ((double)(long long)d != d)
		return jerr(err, errlen, path, key, "expected an integer, not a fraction");
	*out = (long long)d;
	return 0;
}

static int get_int(const cJSON *o, const char *key, const char *path, int lo, int dflt,
		   int *out, char *err, size_t errlen)
{
	long long v = 0;

	if (get_ll(o, key, path, lo, INT32_MAX, dflt, &v, err, errlen))
		return -1;
	*out = (int)v;
	return 0;
}

static int get_bool(const cJSON *o, const char *key, const char *path, bool *out, char *err,
		    size_t errlen)
{
	const cJSON *v = field(o, key);

	*out = false;
	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return jerr(err, errlen, path, key, "expected true or false");
	*out = cJSON_IsTrue(v) != 0;
	return 0;
}

static int get_tri(const cJSON *o, const char *key, const char *path, fa_tri *out, char *err,
		   size_t errlen)
{
	const cJSON *v = field(o, key);

	*out = FA_TRI_UNKNOWN;
	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return jerr(err, errlen, path, key, "expected true, false or null");
	*out = cJSON_IsTrue(v) ? FA_TRI_TRUE : FA_TRI_FALSE;
	return 0;
}

static int need_object(const cJSON *j, const char *path, char *err, size_t errlen)
{
	if (!cJSON_IsObject(j))
		return jerr(err, errlen, path, NULL, "expected an object");
	return 0;
}

static int get_array(const cJSON *o, const char *key, const char *path, const cJSON **out,
		     char *err, size_t errlen)
{
	const cJSON *v = field(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return jerr(err, errlen, path, key, "expected an array or null");
	*out = v;
	return 0;
}

static int get_flags(const cJSON *o, const char *key, const char *path, const flag_name *tab,
		     size_t n, uint32_t *out, char *err, size_t errlen)
{
	const cJSON *arr = NULL, *it = NULL;
	char sub[PATHLEN];
	long idx = 0;
	size_t i;

	*out = 0;
	if (get_array(o, key, path, &arr, err, errlen))
		return -1;
	cJSON_ArrayForEach(it, arr)
	{
		subpath(sub, sizeof(sub), path, key, idx++);
		if (!cJSON_IsString(it) || !it->valuestring)
			return jerr(err, errlen, sub, NULL, "expected a string");
		for (i = 0; i < n; i++)
			if (strcmp(tab[i].name, it->valuestring) == 0)
				break;
		if (i == n)
			return jerr(err, errlen, sub, NULL, "unknown name");
		*out |= tab[i].bit;
	}
	return 0;
}

typedef int (*elem_from_fn)(const cJSON *j, const char *path, void *out, char *err,
			    size_t errlen);

/* Reads the array `arr` (NULL = none) named `apath` into a new zeroed array of n
 * elements, each filled by fn. On error the partly filled array is still handed out
 * (*items, *n) so the caller's release frees it. */
static int array_items(const cJSON *arr, const char *apath, size_t elem, elem_from_fn fn,
		       void **items, size_t *n, char *err, size_t errlen)
{
	const cJSON *it = NULL;
	unsigned char *mem = NULL;
	char sub[PATHLEN];
	size_t cnt, i = 0;

	*items = NULL;
	*n = 0;
	if (!arr)
		return 0;
	cnt = (size_t)cJSON_GetArraySize(arr);
	if (!cnt)
		return 0;
	mem = calloc(cnt, elem);
	if (!mem)
		return jerr(err, errlen, apath, NULL, "out of memory");
	*items = mem;
	*n = cnt;
	cJSON_ArrayForEach(it, arr)
	{
		if (i >= cnt)
			break;
		snprintf(sub, sizeof(sub), "%s[%zu]", apath, i);
		if (fn(it, sub, mem + i * elem, err, errlen))
			return -1;
		i++;
	}
	return 0;
}

/* o[key]: an array, absent or null. */
static int array_from(const cJSON *o, const char *key, const char *path, size_t elem,
		      elem_from_fn fn, void **items, size_t *n, char *err, size_t errlen)
{
	const cJSON *arr = NULL;
	char apath[PATHLEN];

	*items = NULL;
	*n = 0;
	if (get_array(o, key, path, &arr, err, errlen))
		return -1;
	subpath(apath, sizeof(apath), path, key, -1);
	return array_items(arr, apath, elem, fn, items, n, err, errlen);
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* o["detectors"]: an array of detector names (absent or null: none). */
static int get_detectors(const cJSON *j, const char *path, uint32_t *out, char *err,
			 size_t errlen)
{
	const cJSON *arr = NULL, *it = NULL;
	char sub[PATHLEN];
	long idx = 0;

	if (get_array(j, "detectors", path, &arr, err, errlen))
		return -1;
	cJSON_ArrayForEach(it, arr)
	{
		uint32_t bit;

		subpath(sub, sizeof(sub), path, "detectors", idx++);
		if (!cJSON_IsString(it) || !it->valuestring)
			return jerr(err, errlen, sub, NULL, "expected a detector name");
		bit = detector_bit(it->valuestring);
		if (!bit)
			return jerr(err, errlen, sub, NULL, "unknown detector");
		*out |= bit;
	}
	return 0;
}

static int env_var_from(const cJSON *j, const char *path, void *outp, char *err, size_t errlen)
{
	fa_env_var *v = outp;
	const cJSON *h = NULL;
	long long len = 0;
	size_t i;

	if (need_object(j, path, err, errlen) || get_str(j, "name", path, &v->name, err, errlen))
		return -1;
	if (get_ll(j, "len", path, 0, JSON_INT_MAX, 0, &len, err, errlen))
		return -1;
	v->value_len = (size_t)len;
	if (get_detectors(j, path, &v->detectors, err, errlen))
		return -1;
	h = field(j, "hash");
	if (h) {
		if (!cJSON_IsString(h) || !h->valuestring ||
		    strlen(h->valuestring) != FA_ENV_HASH_LEN * 2)
			return jerr(err, errlen, path, "hash", "expected 32 hex digits");
		for (i = 0; i < FA_ENV_HASH_LEN; i++) {
			int hi = hex_nibble(h->valuestring[2 * i]);
			int lo = hex_nibble(h->valuestring[2 * i + 1]);

			if (hi < 0 || lo < 0)
				return jerr(err, errlen, path, "hash", "expected 32 hex digits");
			v->hash[i] = (unsigned char)(hi << 4 | lo);
		}
	}
	return 0;
}

/* Reads an env array (j itself; NULL or null = empty). Does not release on error. */
static int env_from(const cJSON *j, const char *path, fa_env *out, char *err, size_t errlen)
{
	void *items = NULL;
	int rc;

	out->vars = NULL;
	out->n_vars = 0;
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsArray(j))
		return jerr(err, errlen, path, NULL, "expected an array or null");
	rc = array_items(j, path ? path : "env", sizeof(fa_env_var), env_var_from, &items,
			 &out->n_vars, err, errlen);
	out->vars = items;
	return rc;
}

int fa_mj_env_from(const cJSON *j, const char *path, fa_env *out, char *err, size_t errlen)
{
	if (env_from(j, path, out, err, errlen)) {
		fa_env_release(out);
		return -1;
	}
	return 0;
}

static int check_def_from(const cJSON *j, const char *path, void *outp, char *err,
			  size_t errlen)
{
	fa_check_def *c = outp;

	if (need_object(j, path, err, errlen) ||
	    get_str(j, "name", path, &c->name, err, errlen) ||
	    get_str(j, "type", path, &c->type, err, errlen) ||
	    get_int(j, "port", path, INT32_MIN, 0, &c->port, err, errlen) ||
	    get_str(j, "path", path, &c->path, err, errlen) ||
	    get_str(j, "method", path, &c->method, err, errlen) ||
	    get_str(j, "protocol", path, &c->protocol, err, errlen) ||
	    get_str(j, "interval", path, &c->interval, err, errlen) ||
	    get_str(j, "timeout", path, &c->timeout, err, errlen) ||
	    get_str(j, "kind", path, &c->kind, err, errlen) ||
	    get_tri(j, "tls_skip_verify", path, &c->tls_skip_verify, err, errlen))
		return -1;
	return 0;
}

static int header_from(const cJSON *j, const char *path, void *outp, char *err, size_t errlen)
{
	fa_header *h = outp;

	if (need_object(j, path, err, errlen) || get_str(j, "name", path, &h->name, err, errlen) ||
	    get_str(j, "text", path, &h->value, err, errlen))
		return -1;
	if (!h->name || !h->value)
		return jerr(err, errlen, path, NULL, "expected a name and a value");
	return 0;
}

static int cred_hit_from(const cJSON *j, const char *path, void *outp, char *err,
			 size_t errlen)
{
	fa_cred_hit *h = outp;
	const cJSON *arr = NULL, *it = NULL;
	char sub[PATHLEN];
	long idx = 0;

	if (need_object(j, path, err, errlen) || get_str(j, "where", path, &h->where, err, errlen) ||
	    get_array(j, "detectors", path, &arr, err, errlen))
		return -1;
	if (!h->where)
		return jerr(err, errlen, path, "where", "expected a string");
	cJSON_ArrayForEach(it, arr)
	{
		uint32_t bit;

		subpath(sub, sizeof(sub), path, "detectors", idx++);
		if (!cJSON_IsString(it) || !it->valuestring)
			return jerr(err, errlen, sub, NULL, "expected a detector name");
		bit = detector_bit(it->valuestring);
		if (!bit)
			return jerr(err, errlen, sub, NULL, "unknown detector");
		h->detectors |= bit;
	}
	return 0;
}

/* o[key]: {places, hits[]}, absent or null. Does not release on error. */
static int creds_from(const cJSON *o, const char *key, const char *path, fa_cred_scan *cs,
		      char *err, size_t errlen)
{
	const cJSON *j = field(o, key);
	char sub[PATHLEN];
	long long places = 0;
	void *items = NULL;
	int rc;

	if (!j)
		return 0;
	subpath(sub, sizeof(sub), path, key, -1);
	if (need_object(j, sub, err, errlen) ||
	    get_ll(j, "places", sub, 0, JSON_INT_MAX, 0, &places, err, errlen))
		return -1;
	cs->n_places = (size_t)places;
	rc = array_from(j, "hits", sub, sizeof(fa_cred_hit), cred_hit_from, &items, &cs->n_hits,
			err, errlen);
	cs->hits = items;
	return rc;
}

static int container_from(const cJSON *j, const char *path, void *outp, char *err,
			  size_t errlen)
{
	fa_container *c = outp;
	char sub[PATHLEN];
	long long n = 0;

	if (need_object(j, path, err, errlen) || get_str(j, "name", path, &c->name, err, errlen) ||
	    get_str(j, "image", path, &c->image, err, errlen) ||
	    get_str(j, "user", path, &c->user, err, errlen))
		return -1;
	subpath(sub, sizeof(sub), path, "env", -1);
	if (env_from(cJSON_GetObjectItemCaseSensitive(j, "env"), sub, &c->env, err, errlen) ||
	    creds_from(j, "creds", path, &c->creds, err, errlen) ||
	    get_ll(j, "secrets", path, 0, JSON_INT_MAX, 0, &n, err, errlen))
		return -1;
	c->n_secrets = (size_t)n;
	if (get_ll(j, "healthchecks", path, 0, JSON_INT_MAX, 0, &n, err, errlen))
		return -1;
	c->n_healthchecks = (size_t)n;
	return 0;
}

static int port_from(const cJSON *j, const char *path, void *outp, char *err, size_t errlen)
{
	fa_port *p = outp;
	void *items = NULL;
	int rc;

	p->force_https = FA_TRI_UNKNOWN;
	p->default_self_signed = FA_TRI_UNKNOWN;
	if (need_object(j, path, err, errlen) ||
	    get_int(j, "port", path, INT32_MIN, 0, &p->port, err, errlen) ||
	    get_int(j, "start_port", path, INT32_MIN, 0, &p->start_port, err, errlen) ||
	    get_int(j, "end_port", path, INT32_MIN, 0, &p->end_port, err, errlen) ||
	    get_flags(j, "handlers", path, handler_names,
		      sizeof(handler_names) / sizeof(handler_names[0]), &p->handlers, err,
		      errlen) ||
	    get_tri(j, "force_https", path, &p->force_https, err, errlen) ||
	    get_flags(j, "tls_versions", path, tls_names, sizeof(tls_names) / sizeof(tls_names[0]),
		      &p->tls_versions, err, errlen) ||
	    get_tri(j, "default_self_signed", path, &p->default_self_signed, err, errlen))
		return -1;
	rc = array_from(j, "response_headers", path, sizeof(fa_header), header_from, &items,
			&p->n_resp_headers, err, errlen);
	p->resp_headers = items;
	return rc;
}

static int service_from(const cJSON *j, const char *path, void *outp, char *err,
			size_t errlen)
{
	fa_service *s = outp;
	const cJSON *a = NULL;
	void *items = NULL;
	int rc;

	s->autostop = FA_AUTOSTOP_UNSET;
	s->autostart = FA_TRI_UNKNOWN;
	s->min_machines_running = -1;
	if (need_object(j, path, err, errlen) ||
	    get_str(j, "protocol", path, &s->protocol, err, errlen) ||
	    get_int(j, "internal_port", path, INT32_MIN, 0, &s->internal_port, err, errlen))
		return -1;
	rc = array_from(j, "ports", path, sizeof(fa_port), port_from, &items, &s->n_ports, err,
			errlen);
	s->ports = items;
	if (rc)
		return -1;
	a = field(j, "autostop");
	if (a) {
		int i;

		if (!cJSON_IsString(a) || !a->valuestring)
			return jerr(err, errlen, path, "autostop",
				    "expected \"off\", \"stop\", \"suspend\" or null");
		for (i = 0; i < 3; i++)
			if (strcmp(a->valuestring, autostop_names[i]) == 0)
				break;
		if (i == 3)
			return jerr(err, errlen, path, "autostop",
				    "expected \"off\", \"stop\", \"suspend\" or null");
		s->autostop = (fa_autostop)i;
	}
	if (get_tri(j, "autostart", path, &s->autostart, err, errlen) ||
	    get_int(j, "min_machines_running", path, 0, -1, &s->min_machines_running, err,
		    errlen))
		return -1;
	rc = array_from(j, "checks", path, sizeof(fa_check_def), check_def_from, &items,
			&s->n_checks, err, errlen);
	s->checks = items;
	return rc;
}

static int process_from(const cJSON *j, const char *path, void *outp, char *err,
			size_t errlen)
{
	fa_process *p = outp;
	char sub[PATHLEN];

	if (need_object(j, path, err, errlen) || get_str(j, "user", path, &p->user, err, errlen))
		return -1;
	subpath(sub, sizeof(sub), path, "env", -1);
	return env_from(cJSON_GetObjectItemCaseSensitive(j, "env"), sub, &p->env, err, errlen);
}

static int mount_from(const cJSON *j, const char *path, void *outp, char *err, size_t errlen)
{
	fa_mount *m = outp;

	m->encrypted = FA_TRI_UNKNOWN;
	if (need_object(j, path, err, errlen) ||
	    get_str(j, "volume", path, &m->volume, err, errlen) ||
	    get_str(j, "path", path, &m->path, err, errlen) ||
	    get_str(j, "name", path, &m->name, err, errlen) ||
	    get_tri(j, "encrypted", path, &m->encrypted, err, errlen))
		return -1;
	return 0;
}

static int check_status_from(const cJSON *j, const char *path, void *outp, char *err,
			     size_t errlen)
{
	fa_check_status *c = outp;

	if (need_object(j, path, err, errlen) ||
	    get_str(j, "name", path, &c->name, err, errlen) ||
	    get_str(j, "status", path, &c->status, err, errlen) ||
	    get_str(j, "updated_at", path, &c->updated_at, err, errlen))
		return -1;
	return 0;
}

static int machine_fill(const cJSON *j, const char *path, fa_machine *m, char *err,
			size_t errlen)
{
	char sub[PATHLEN];
	void *items = NULL;
	int rc;

	if (need_object(j, path, err, errlen) || get_str(j, "id", path, &m->id, err, errlen) ||
	    get_str(j, "name", path, &m->name, err, errlen) ||
	    get_str(j, "state", path, &m->state, err, errlen) ||
	    get_str(j, "region", path, &m->region, err, errlen) ||
	    get_str(j, "instance_id", path, &m->instance_id, err, errlen) ||
	    get_str(j, "private_ip", path, &m->private_ip, err, errlen) ||
	    get_str(j, "host_status", path, &m->host_status, err, errlen) ||
	    get_str(j, "created_at", path, &m->created_at, err, errlen) ||
	    get_str(j, "updated_at", path, &m->updated_at, err, errlen) ||
	    get_str(j, "image_digest", path, &m->image_digest, err, errlen) ||
	    get_bool(j, "has_config", path, &m->has_config, err, errlen) ||
	    get_str(j, "image", path, &m->image, err, errlen) ||
	    get_str(j, "process_group", path, &m->process_group, err, errlen) ||
	    get_bool(j, "release_command", path, &m->release_command, err, errlen) ||
	    get_str(j, "malformed", path, &m->malformed, err, errlen) ||
	    get_str(j, "init_user", path, &m->init_user, err, errlen) ||
	    creds_from(j, "creds", path, &m->creds, err, errlen))
		return -1;
	rc = array_from(j, "containers", path, sizeof(fa_container), container_from, &items,
			&m->n_containers, err, errlen);
	m->containers = items;
	if (rc)
		return -1;
	subpath(sub, sizeof(sub), path, "env", -1);
	if (env_from(cJSON_GetObjectItemCaseSensitive(j, "env"), sub, &m->env, err, errlen))
		return -1;
	rc = array_from(j, "services", path, sizeof(fa_service), service_from, &items,
			&m->n_services, err, errlen);
	m->services = items;
	if (rc)
		return -1;
	rc = array_from(j, "checks", path, sizeof(fa_check_def), check_def_from, &items,
			&m->n_checks, err, errlen);
	m->checks = items;
	if (rc)
		return -1;
	rc = array_from(j, "processes", path, sizeof(fa_process), process_from, &items,
			&m->n_processes, err, errlen);
	m->processes = items;
	if (rc)
		return -1;
	rc = array_from(j, "mounts", path, sizeof(fa_mount), mount_from, &items, &m->n_mounts,
			err, errlen);
	m->mounts = items;
	if (rc)
		return -1;
	rc = array_from(j, "check_status", path, sizeof(fa_check_status), check_status_from,
			&items, &m->n_check_status, err, errlen);
	m->check_status = items;
	return rc;
}

int fa_mj_machine_from(const cJSON *j, const char *path, fa_machine *out, char *err,
		       size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (machine_fill(j, path, out, err, errlen)) {
		fa_machine_release(out);
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

int fa_mj_volume_from(const cJSON *j, const char *path, fa_volume *v, char *err,
		      size_t errlen)
{
	long long ret = -1;

	memset(v, 0, sizeof(*v));
	v->snapshot_retention = -1;
	v->encrypted = FA_TRI_UNKNOWN;
	v->auto_backup_enabled = FA_TRI_UNKNOWN;
	if (need_object(j, path, err, errlen) || get_str(j, "id", path, &v->id, err, errlen) ||
	    get_str(j, "name", path, &v->name, err, errlen) ||
	    get_str(j, "state", path, &v->state, err, errlen) ||
	    get_str(j, "region", path, &v->region, err, errlen) ||
	    get_str(j, "zone", path, &v->zone, err, errlen) ||
	    get_str(j, "attached_machine_id", path, &v->attached_machine_id, err, errlen) ||
	    get_str(j, "created_at", path, &v->created_at, err, errlen) ||
	    get_str(j, "type", path, &v->type, err, errlen) ||
	    get_ll(j, "size_gb", path, -JSON_INT_MAX, JSON_INT_MAX, 0, &v->size_gb, err,
		   errlen) ||
	    get_ll(j, "snapshot_retention", path, 0, INT32_MAX, -1, &ret, err, errlen) ||
	    get_tri(j, "encrypted", path, &v->encrypted, err, errlen) ||
	    get_tri(j, "auto_backup_enabled", path, &v->auto_backup_enabled, err, errlen)) {
		fa_volume_release(v);
		return -1;
	}
	v->snapshot_retention = (int)ret;
	return 0;
}

int fa_mj_ip_from(const cJSON *j, const char *path, fa_ip *ip, char *err, size_t errlen)
{
	const cJSON *t = NULL;
	int i;

	memset(ip, 0, sizeof(*ip));
	if (need_object(j, path, err, errlen))
		return -1;
	t = field(j, "type");
	if (!t || !cJSON_IsString(t) || !t->valuestring)
		return jerr(err, errlen, path, "type", "expected an IP type name");
	for (i = FA_IP_V4; i <= FA_IP_EGRESS_V6; i++)
		if (strcmp(fa_ip_type_name((fa_ip_type)i), t->valuestring) == 0)
			break;
	if (i > FA_IP_EGRESS_V6)
		return jerr(err, errlen, path, "type", "unknown IP type");
	ip->type = (fa_ip_type)i;
	if (get_str(j, "address", path, &ip->address, err, errlen) ||
	    get_str(j, "region", path, &ip->region, err, errlen) ||
	    get_str(j, "service_name", path, &ip->service_name, err, errlen) ||
	    get_str(j, "network", path, &ip->network, err, errlen) ||
	    get_str(j, "network_org", path, &ip->network_org, err, errlen) ||
	    get_str(j, "created_at", path, &ip->created_at, err, errlen)) {
		fa_ip_release(ip);
		return -1;
	}
	return 0;
}

int fa_mj_secret_from(const cJSON *j, const char *path, fa_secret *s, char *err,
		      size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (need_object(j, path, err, errlen) ||
	    get_str(j, "name", path, &s->name, err, errlen) ||
	    get_str(j, "digest", path, &s->digest, err, errlen) ||
	    get_str(j, "created_at", path, &s->created_at, err, errlen) ||
	    get_str(j, "updated_at", path, &s->updated_at, err, errlen)) {
		fa_secret_release(s);
		return -1;
	}
	return 0;
}

int fa_mj_cert_from(const cJSON *j, const char *path, fa_cert *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (need_object(j, path, err, errlen) ||
	    get_str(j, "hostname", path, &c->hostname, err, errlen) ||
	    get_str(j, "status", path, &c->status, err, errlen) ||
	    get_tri(j, "configured", path, &c->configured, err, errlen) ||
	    get_str(j, "dns_provider", path, &c->dns_provider, err, errlen) ||
	    get_tri(j, "has_custom_certificate", path, &c->has_custom_certificate, err,
		    errlen) ||
	    get_tri(j, "has_fly_certificate", path, &c->has_fly_certificate, err, errlen) ||
	    get_tri(j, "acme_dns_configured", path, &c->acme_dns_configured, err, errlen) ||
	    get_tri(j, "acme_alpn_configured", path, &c->acme_alpn_configured, err, errlen) ||
	    get_tri(j, "acme_http_configured", path, &c->acme_http_configured, err, errlen) ||
	    get_str(j, "created_at", path, &c->created_at, err, errlen) ||
	    get_str(j, "updated_at", path, &c->updated_at, err, errlen)) {
		fa_cert_release(c);
		c->configured = c->has_custom_certificate = c->has_fly_certificate =
			c->acme_dns_configured = c->acme_alpn_configured =
				c->acme_http_configured = FA_TRI_UNKNOWN;
		return -1;
	}
	return 0;
}

int fa_mj_token_from(const cJSON *j, const char *path, fa_token *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (need_object(j, path, err, errlen) || get_str(j, "id", path, &t->id, err, errlen) ||
	    get_str(j, "name", path, &t->name, err, errlen) ||
	    get_str(j, "created_at", path, &t->created_at, err, errlen) ||
	    get_str(j, "expires_at", path, &t->expires_at, err, errlen) ||
	    get_str(j, "revoked_at", path, &t->revoked_at, err, errlen) ||
	    get_str(j, "profile", path, &t->profile, err, errlen) ||
	    get_str(j, "user_email", path, &t->user_email, err, errlen) ||
	    get_str(j, "revoked_by", path, &t->revoked_by, err, errlen) ||
	    get_str(j, "app", path, &t->app, err, errlen)) {
		fa_token_release(t);
		return -1;
	}
	return 0;
}

static int step_from(const cJSON *j, const char *path, void *outp, char *err, size_t errlen)
{
	fa_image_step *st = outp;
	bool empty = false;

	if (need_object(j, path, err, errlen) ||
	    get_detectors(j, path, &st->detectors, err, errlen) ||
	    get_bool(j, "empty_layer", path, &empty, err, errlen))
		return -1;
	st->empty_layer = empty;
	return 0;
}

static int string_from(const cJSON *j, const char *path, void *outp, char *err, size_t errlen)
{
	char **s = outp;

	if (!cJSON_IsString(j) || !j->valuestring)
		return jerr(err, errlen, path, NULL, "expected a string");
	*s = strdup(j->valuestring);
	return *s ? 0 : jerr(err, errlen, path, NULL, "out of memory");
}

static int file_from(const cJSON *j, const char *path, void *outp, char *err, size_t errlen)
{
	fa_image_file *f = outp;

	if (need_object(j, path, err, errlen) || get_str(j, "path", path, &f->path, err, errlen) ||
	    get_detectors(j, path, &f->detectors, err, errlen) ||
	    get_str(j, "layer", path, &f->layer, err, errlen) ||
	    get_bool(j, "deleted", path, &f->deleted, err, errlen)) {
		free(f->path);
		free(f->layer);
		f->path = f->layer = NULL;
		return -1;
	}
	return 0;
}

int fa_mj_image_from(const cJSON *j, const char *path, fa_image *img, char *err, size_t errlen)
{
	const cJSON *v = NULL;
	void *items = NULL;
	long long nl = 0, sniffed = 0, more = 0;
	char sub[PATHLEN];
	int rc;

	memset(img, 0, sizeof(*img));
	if (need_object(j, path, err, errlen) ||
	    get_str(j, "digest", path, &img->digest, err, errlen) ||
	    get_str(j, "ref", path, &img->ref, err, errlen) ||
	    get_str(j, "registry", path, &img->registry, err, errlen) ||
	    get_str(j, "repository", path, &img->repository, err, errlen) ||
	    get_str(j, "manifest_digest", path, &img->manifest_digest, err, errlen) ||
	    get_str(j, "config_digest", path, &img->config_digest, err, errlen) ||
	    get_str(j, "created", path, &img->created, err, errlen) ||
	    get_str(j, "user", path, &img->user, err, errlen) ||
	    get_str(j, "label_source", path, &img->label_source, err, errlen) ||
	    get_str(j, "label_revision", path, &img->label_revision, err, errlen) ||
	    get_str(j, "label_version", path, &img->label_version, err, errlen) ||
	    get_ll(j, "n_layers", path, 0, JSON_INT_MAX, 0, &nl, err, errlen) ||
	    get_ll(j, "layers_size", path, 0, JSON_INT_MAX, 0, &img->layers_size, err, errlen))
		goto fail;
	img->n_layers = (size_t)nl;
	if ((v = field(j, "env")) != NULL) {
		subpath(sub, sizeof(sub), path, "env", -1);
		if (fa_mj_env_from(v, sub, &img->env, err, errlen))
			goto fail;
	}
	rc = array_from(j, "exposed_ports", path, sizeof(char *), string_from, &items,
			&img->n_exposed_ports, err, errlen);
	img->exposed_ports = items;
	if (rc)
		goto fail;
	rc = array_from(j, "history", path, sizeof(fa_image_step), step_from, &items,
			&img->n_history, err, errlen);
	img->history = items;
	if (rc)
		goto fail;
	if ((v = field(j, "load")) != NULL) {
		subpath(sub, sizeof(sub), path, "load", -1);
		if (fa_mj_load_from(v, sub, &img->load, err, errlen))
			goto fail;
	}
	if (get_bool(j, "layers_tried", path, &img->layers_tried, err, errlen) ||
	    get_bool(j, "layers_complete", path, &img->layers_complete, err, errlen) ||
	    get_str(j, "layers_note", path, &img->layers_note, err, errlen) ||
	    get_ll(j, "files_sniffed", path, 0, JSON_INT_MAX, 0, &sniffed, err, errlen) ||
	    get_ll(j, "n_files_more", path, 0, JSON_INT_MAX, 0, &more, err, errlen) ||
	    get_ll(j, "layers_read_bytes", path, 0, JSON_INT_MAX, 0, &img->layers_read_bytes, err,
		   errlen) ||
	    get_ll(j, "layers_unpacked", path, 0, JSON_INT_MAX, 0, &img->layers_unpacked, err,
		   errlen))
		goto fail;
	img->files_sniffed = (size_t)sniffed;
	img->n_files_more = (size_t)more;
	rc = array_from(j, "files", path, sizeof(fa_image_file), file_from, &items, &img->n_files,
			err, errlen);
	img->files = items;
	if (rc)
		goto fail;
	return 0;
fail:
	fa_image_release(img);
	return -1;
}

/* Adapters from the generic element signature to the typed functions. */
static int machine_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return fa_mj_machine_from(j, path, out, err, errlen);
}

static int volume_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return fa_mj_volume_from(j, path, out, err, errlen);
}

static int ip_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return fa_mj_ip_from(j, path, out, err, errlen);
}

static int secret_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return fa_mj_secret_from(j, path, out, err, errlen);
}

static int cert_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return fa_mj_cert_from(j, path, out, err, errlen);
}

static int token_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return fa_mj_token_from(j, path, out, err, errlen);
}

static int image_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return fa_mj_image_from(j, path, out, err, errlen);
}

static void tokens_free(fa_token *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fa_token_release(&t[i]);
	free(t);
}

int fa_mj_tokens_from(const cJSON *j, const char *path, fa_token **out, size_t *n_out,
		      char *err, size_t errlen)
{
	void *items = NULL;
	size_t n = 0;

	*out = NULL;
	*n_out = 0;
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsArray(j))
		return jerr(err, errlen, path, NULL, "expected an array or null");
	if (array_items(j, path ? path : "", sizeof(fa_token), token_elem, &items, &n, err,
			errlen)) {
		tokens_free(items, n);
		return -1;
	}
	*out = items;
	*n_out = n;
	return 0;
}

int fa_mj_load_from(const cJSON *j, const char *path, fa_load *l, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	if (need_object(j, path, err, errlen) ||
	    get_bool(j, "loaded", path, &l->loaded, err, errlen) ||
	    get_bool(j, "tried", path, &l->tried, err, errlen) ||
	    get_int(j, "status", path, INT32_MIN, 0, &l->status, err, errlen) ||
	    get_str(j, "message", path, &l->message, err, errlen)) {
		fa_load_release(l);
		return -1;
	}
	if (l->loaded)
		l->tried = true;
	return 0;
}

int fa_mj_self_from(const cJSON *j, const char *path, fa_self *s, char *err, size_t errlen)
{
	const cJSON *k = NULL;
	long long v = 0;

	memset(s, 0, sizeof(*s));
	s->org_id = -1;
	s->read_only = FA_TRI_UNKNOWN;
	if (need_object(j, path, err, errlen))
		return -1;
	k = field(j, "kind");
	if (k) {
		int i;

		if (!cJSON_IsString(k) || !k->valuestring)
			return jerr(err, errlen, path, "kind", "expected a token kind name");
		for (i = 0; i <= FA_TOKEN_KIND_USER; i++)
			if (strcmp(kind_names[i], k->valuestring) == 0)
				break;
		if (i > FA_TOKEN_KIND_USER)
			return jerr(err, errlen, path, "kind", "unknown token kind");
		s->kind = (fa_token_kind)i;
	}
	if (get_bool(j, "decoded", path, &s->decoded, err, errlen) ||
	    get_tri(j, "read_only", path, &s->read_only, err, errlen))
		return -1;
	if (get_ll(j, "access", path, 0, UINT32_MAX, 0, &v, err, errlen))
		return -1;
	s->access = (unsigned)v;
	if (get_ll(j, "org_id", path, 0, JSON_INT_MAX, -1, &s->org_id, err, errlen))
		return -1;
	if (get_ll(j, "expires_at", path, -JSON_INT_MAX, JSON_INT_MAX, 0, &v, err, errlen))
		return -1;
	s->expires_at = (time_t)v;
	if (get_ll(j, "n_undischarged", path, 0, JSON_INT_MAX, 0, &v, err, errlen))
		return -1;
	s->n_undischarged = (size_t)v;
	if (get_str(j, "error", path, &s->error, err, errlen))
		return -1;
	return 0;
}

static int app_loads_from(const cJSON *j, const char *path, fa_app *app, char *err,
			  size_t errlen)
{
	const cJSON *arr = NULL, *it = NULL;
	char sub[PATHLEN];
	long idx = 0;
	int ep;

	if (get_array(j, "loaded", path, &arr, err, errlen))
		return -1;
	cJSON_ArrayForEach(it, arr)
	{
		subpath(sub, sizeof(sub), path, "loaded", idx++);
		if (!cJSON_IsString(it) || !it->valuestring)
			return jerr(err, errlen, sub, NULL, "expected an endpoint name");
		ep = fa_endpoint_from_name(it->valuestring);
		if (ep < 0)
			return jerr(err, errlen, sub, NULL, "unknown endpoint");
		fa_load_ok(&app->load[ep]);
	}
	if (get_array(j, "errors", path, &arr, err, errlen))
		return -1;
	idx = 0;
	cJSON_ArrayForEach(it, arr)
	{
		const cJSON *e = NULL;
		char *msg = NULL;
		int status = 0;

		subpath(sub, sizeof(sub), path, "errors", idx++);
		if (need_object(it, sub, err, errlen))
			return -1;
		e = field(it, "endpoint");
		if (!e || !cJSON_IsString(e) || !e->valuestring)
			return jerr(err, errlen, sub, "endpoint", "expected an endpoint name");
		ep = fa_endpoint_from_name(e->valuestring);
		if (ep < 0)
			return jerr(err, errlen, sub, "endpoint", "unknown endpoint");
		if (get_int(it, "status", sub, INT32_MIN, 0, &status, err, errlen) ||
		    get_str(it, "message", sub, &msg, err, errlen))
			return -1;
		free(app->load[ep].message);
		app->load[ep].message = msg;
		app->load[ep].loaded = false;
		app->load[ep].tried = true;
		app->load[ep].status = status;
	}
	return 0;
}

static int app_fill(const cJSON *j, const char *path, fa_app *app, char *err, size_t errlen)
{
	void *items = NULL;
	int rc;

	if (need_object(j, path, err, errlen) || get_str(j, "id", path, &app->id, err, errlen) ||
	    get_str(j, "name", path, &app->name, err, errlen) ||
	    get_str(j, "status", path, &app->status, err, errlen) ||
	    get_str(j, "network", path, &app->network, err, errlen) ||
	    get_str(j, "org_slug", path, &app->org_slug, err, errlen) ||
	    get_ll(j, "internal_numeric_id", path, 0, JSON_INT_MAX, -1, &app->internal_numeric_id,
		   err, errlen) ||
	    get_ll(j, "machine_count", path, 0, JSON_INT_MAX, -1, &app->machine_count, err,
		   errlen) ||
	    get_ll(j, "volume_count", path, 0, JSON_INT_MAX, -1, &app->volume_count, err, errlen))
		return -1;
	rc = array_from(j, "machines", path, sizeof(fa_machine), machine_elem, &items,
			&app->n_machines, err, errlen);
	app->machines = items;
	if (rc)
		return -1;
	rc = array_from(j, "volumes", path, sizeof(fa_volume), volume_elem, &items,
			&app->n_volumes, err, errlen);
	app->volumes = items;
	if (rc)
		return -1;
	rc = array_from(j, "ips", path, sizeof(fa_ip), ip_elem, &items, &app->n_ips, err, errlen);
	app->ips = items;
	if (rc)
		return -1;
	rc = array_from(j, "secrets", path, sizeof(fa_secret), secret_elem, &items,
			&app->n_secrets, err, errlen);
	app->secrets = items;
	if (rc)
		return -1;
	rc = array_from(j, "certs", path, sizeof(fa_cert), cert_elem, &items, &app->n_certs, err,
			errlen);
	app->certs = items;
	if (rc)
		return -1;
	rc = array_from(j, "tokens", path, sizeof(fa_token), token_elem, &items, &app->n_tokens,
			err, errlen);
	app->tokens = items;
	if (rc)
		return -1;
	rc = array_from(j, "images", path, sizeof(fa_image), image_elem, &items, &app->n_images,
			err, errlen);
	app->images = items;
	if (rc)
		return -1;
	return app_loads_from(j, path, app, err, errlen);
}

int fa_mj_app_from(const cJSON *j, const char *path, fa_app *out, char *err, size_t errlen)
{
	fa_app_init(out);
	if (app_fill(j, path, out, err, errlen)) {
		fa_app_release(out);
		return -1;
	}
	return 0;
}

/* ---- the public, cJSON-free views (snapshot.h) -------------------------------------------- */

static char *print_and_free(cJSON *j, bool pretty)
{
	char *s = NULL;

	if (!j)
		return NULL;
	s = pretty ? cJSON_Print(j) : cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

char *fa_json_app_resources(const fa_app *app, fa_endpoint ep)
{
	if (!app)
		return NULL;
	return print_and_free(fa_mj_app_resources(app, ep), true);
}

char *fa_json_app(const fa_app *app, bool pretty)
{
	if (!app)
		return NULL;
	return print_and_free(fa_mj_app(app), pretty);
}

char *fa_json_tokens(const fa_token *tokens, size_t n)
{
	return print_and_free(fa_mj_tokens(tokens, n), true);
}

char *fa_json_self(const fa_self *self)
{
	if (!self)
		return NULL;
	return print_and_free(fa_mj_self(self), true);
}

/* ---- people and access (the snapshot header's "access") ----------------------------------- */

/* The access items are flat records of strings and one tri-state: one table per type. */
typedef struct mj_field {
	const char *key;
	size_t off;
	bool tri; /* an fa_tri, else a char * */
} mj_field;

#define MJ_S(T, k, f) { k, offsetof(T, f), false }
#define MJ_T(T, k, f) { k, offsetof(T, f), true }
static const mj_field member_fields[] = {
	MJ_S(fa_member, "id", id), MJ_S(fa_member, "email", email), MJ_S(fa_member, "name", name),
	MJ_S(fa_member, "role", role), MJ_S(fa_member, "joined_at", joined_at),
	MJ_S(fa_member, "last_region", last_region), MJ_T(fa_member, "two_factor", two_factor),
	{ NULL, 0, false } };
static const mj_field invitation_fields[] = {
	MJ_S(fa_invitation, "id", id), MJ_S(fa_invitation, "email", email),
	MJ_S(fa_invitation, "created_at", created_at), MJ_S(fa_invitation, "redeemed_at", redeemed_at),
	MJ_S(fa_invitation, "inviter_email", inviter_email), MJ_T(fa_invitation, "redeemed", redeemed),
	{ NULL, 0, false } };
static const mj_field sso_fields[] = {
	MJ_S(fa_sso_config, "id", id), MJ_S(fa_sso_config, "name", name),
	MJ_S(fa_sso_config, "location", location), MJ_S(fa_sso_config, "flyctl_level", flyctl_level),
	MJ_S(fa_sso_config, "uiex_level", uiex_level), MJ_S(fa_sso_config, "custom_level", custom_level),
	MJ_S(fa_sso_config, "created_at", created_at), { NULL, 0, false } };
static const mj_field peer_fields[] = {
	MJ_S(fa_wg_peer, "id", id), MJ_S(fa_wg_peer, "name", name), MJ_S(fa_wg_peer, "region", region),
	MJ_S(fa_wg_peer, "peerip", peerip), MJ_S(fa_wg_peer, "network", network), { NULL, 0, false } };
static const mj_field wg_token_fields[] = {
	MJ_S(fa_wg_token, "id", id), MJ_S(fa_wg_token, "name", name), { NULL, 0, false } };

static cJSON *jrecord(const void *rec, const mj_field *f)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;

	if (!o)
		return NULL;
	for (; f->key; f++) {
		const unsigned char *at = (const unsigned char *)rec + f->off;

		rc |= add(o, f->key, f->tri ? jtri(*(const fa_tri *)(const void *)at)
					    : jstr(*(char *const *)(const void *)at));
	}
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *jrecords(const void *arr, size_t n, size_t size, const mj_field *f)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < n; i++) {
		if (push(a, jrecord((const unsigned char *)arr + i * size, f))) {
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

cJSON *fa_mj_access_part(const fa_access *a, fa_access_part p)
{
	switch (p) {
	case FA_ACCESS_ROLE: return jstr(a->viewer_role);
	case FA_ACCESS_MEMBERS: return jrecords(a->members, a->n_members, sizeof(fa_member), member_fields);
	case FA_ACCESS_INVITATIONS:
		return jrecords(a->invitations, a->n_invitations, sizeof(fa_invitation), invitation_fields);
	case FA_ACCESS_SSO: return jrecords(a->sso, a->n_sso, sizeof(fa_sso_config), sso_fields);
	case FA_ACCESS_PEERS: return jrecords(a->peers, a->n_peers, sizeof(fa_wg_peer), peer_fields);
	case FA_ACCESS_DELEGATED:
		return jrecords(a->wg_tokens, a->n_wg_tokens, sizeof(fa_wg_token), wg_token_fields);
	default: return NULL;
	}
}

cJSON *fa_mj_access(const fa_access *a)
{
	cJSON *o = cJSON_CreateObject(), *loads = NULL;
	int rc = 0, p;

	if (!o)
		return NULL;
	for (p = 0; p < FA_ACCESS_COUNT; p++)
		rc |= add(o, fa_access_part_name((fa_access_part)p), fa_mj_access_part(a, (fa_access_part)p));
	loads = cJSON_CreateObject();
	for (p = 0; loads && p < FA_ACCESS_COUNT; p++)
		rc |= add(loads, fa_access_part_name((fa_access_part)p), fa_mj_load(&a->load[p]));
	rc |= add(o, "load", loads);
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int record_from(const cJSON *j, const char *path, void *rec, const mj_field *f, char *err,
		       size_t errlen)
{
	if (need_object(j, path, err, errlen))
		return -1;
	for (; f->key; f++) {
		unsigned char *at = (unsigned char *)rec + f->off;

		if (f->tri ? get_tri(j, f->key, path, (fa_tri *)(void *)at, err, errlen)
			   : get_str(j, f->key, path, (char **)(void *)at, err, errlen))
			return -1;
	}
	return 0;
}

static int member_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return record_from(j, path, out, member_fields, err, errlen);
}

static int invitation_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return record_from(j, path, out, invitation_fields, err, errlen);
}

static int sso_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return record_from(j, path, out, sso_fields, err, errlen);
}

static int peer_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return record_from(j, path, out, peer_fields, err, errlen);
}

static int wg_token_elem(const cJSON *j, const char *path, void *out, char *err, size_t errlen)
{
	return record_from(j, path, out, wg_token_fields, err, errlen);
}

/* On error *a holds what was read; the caller releases it. */
int fa_mj_access_from(const cJSON *j, const char *path, fa_access *a, char *err, size_t errlen)
{
	const cJSON *loads = NULL;
	char sub[PATHLEN];
	int p;

	memset(a, 0, sizeof(*a));
	if (need_object(j, path, err, errlen) ||
	    get_str(j, "role", path, &a->viewer_role, err, errlen) ||
	    array_from(j, "members", path, sizeof(fa_member), member_elem, (void **)&a->members,
		       &a->n_members, err, errlen) ||
	    array_from(j, "invitations", path, sizeof(fa_invitation), invitation_elem,
		       (void **)&a->invitations, &a->n_invitations, err, errlen) ||
	    array_from(j, "sso", path, sizeof(fa_sso_config), sso_elem, (void **)&a->sso, &a->n_sso, err,
		       errlen) ||
	    array_from(j, "wireguard_peers", path, sizeof(fa_wg_peer), peer_elem, (void **)&a->peers,
		       &a->n_peers, err, errlen) ||
	    array_from(j, "wireguard_tokens", path, sizeof(fa_wg_token), wg_token_elem,
		       (void **)&a->wg_tokens, &a->n_wg_tokens, err, errlen))
		return -1;
	loads = field(j, "load");
	if (!loads)
		return jerr(err, errlen, path, "load", "missing: which parts were read is unknown");
	if (need_object(loads, path, err, errlen))
		return -1;
	for (p = 0; p < FA_ACCESS_COUNT; p++) {
		const char *name = fa_access_part_name((fa_access_part)p);
		const cJSON *l = field(loads, name);

		subpath(sub, sizeof(sub), path, "load", -1);
		if (l && fa_mj_load_from(l, sub, &a->load[p], err, errlen))
			return -1;
	}
	return 0;
}

/* A token view row: the token, and whether its creator is still a member (null: unknown). */
char *fa_json_tokens_owners(const fa_token *t, size_t n, const fa_access *a)
{
	cJSON *arr = fa_mj_tokens(t, n), *it = NULL;
	bool known = a && a->load[FA_ACCESS_MEMBERS].loaded;
	size_t i = 0;

	cJSON_ArrayForEach(it, arr)
	{
		const fa_token *k = &t[i++];
		cJSON *v = known && k->user_email ? jbool(fa_access_member(a, k->user_email) != NULL)
						  : cJSON_CreateNull();

		if (add(it, "owner_is_member", v)) {
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return print_and_free(arr, true);
}

/* ---- the snapshot header ------------------------------------------------------------------ */

cJSON *fa_mj_header(const fa_inventory *inv)
{
	cJSON *o = cJSON_CreateObject();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= add(o, "schema", cJSON_CreateString(FA_SNAPSHOT_SCHEMA));
	rc |= add(o, "org", jstr(inv->org));
	rc |= add(o, "collected_at", jstr(inv->collected_at));
	rc |= add(o, "self", fa_mj_self(&inv->self));
	rc |= add(o, "org_tokens", fa_mj_tokens(inv->org_tokens, inv->n_org_tokens));
	rc |= add(o, "org_tokens_load", fa_mj_load(&inv->org_tokens_load));
	rc |= add(o, "apps_load", fa_mj_load(&inv->apps_load));
	if (fa_access_tried(&inv->access))
		rc |= add(o, "access", fa_mj_access(&inv->access));
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int header_fill(const cJSON *j, fa_inventory *inv, char *err, size_t errlen)
{
	const cJSON *v = NULL;

	if (need_object(j, "", err, errlen))
		return -1;
	v = field(j, "schema");
	if (!v)
		return jerr(err, errlen, "", NULL, "no \"schema\": not a flyaudit snapshot");
	if (!cJSON_IsString(v) || !v->valuestring)
		return jerr(err, errlen, "", "schema", "expected a string");
	if (strcmp(v->valuestring, FA_SNAPSHOT_SCHEMA) != 0) {
		if (err && errlen)
			snprintf(err, errlen, "schema \"%.64s\" is not \"%s\"", v->valuestring,
				 FA_SNAPSHOT_SCHEMA);
		return -1;
	}
	if (get_str(j, "org", "", &inv->org, err, errlen) ||
	    get_str(j, "collected_at", "", &inv->collected_at, err, errlen))
		return -1;
	v = field(j, "self");
	if (v && fa_mj_self_from(v, "self", &inv->self, err, errlen))
		return -1;
	if (fa_mj_tokens_from(cJSON_GetObjectItemCaseSensitive(j, "org_tokens"), "org_tokens",
			      &inv->org_tokens, &inv->n_org_tokens, err, errlen))
		return -1;
	v = field(j, "org_tokens_load");
	if (v && fa_mj_load_from(v, "org_tokens_load", &inv->org_tokens_load, err, errlen))
		return -1;
	v = field(j, "apps_load");
	if (v && fa_mj_load_from(v, "apps_load", &inv->apps_load, err, errlen))
		return -1;
	v = field(j, "access");
	if (v && fa_mj_access_from(v, "access", &inv->access, err, errlen))
		return -1;
	return 0;
}

int fa_mj_header_from(const cJSON *j, fa_inventory *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->self.org_id = -1;
	out->self.read_only = FA_TRI_UNKNOWN;
	if (header_fill(j, out, err, errlen)) {
		fa_inventory_release(out);
		return -1;
	}
	return 0;
}
