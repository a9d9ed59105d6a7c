/* test_snapshot.c: the JSON Lines snapshot (client/snapshot.c) and the model's JSON form
 * (client/model_json.c): round trip of every field, resume, file mode and rename, cut and
 * hostile lines, and that no "value" key is ever written. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "flyaudit/model.h"
#include "flyaudit/snapshot.h"

static char tmpdir[64];
static int file_seq;

/* ---- helpers ------------------------------------------------------------------------------ */

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	assert_non_null(d);
	memcpy(d, s, n);
	return d;
}

static void new_path(char *buf, size_t n, const char *tag)
{
	snprintf(buf, n, "%s/%s-%d.jsonl", tmpdir, tag, file_seq++);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The writer's temporary file beside path (PATH.<16 hex>.tmp): true and its name in buf
 * when there is one. */
static bool temp_of(const char *path, char *buf, size_t n)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t bl = strlen(base);
	char dir[256];
	DIR *d = NULL;
	struct dirent *e = NULL;
	bool found = false;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	d = opendir(dir);
	assert_non_null(d);
	while (!found && (e = readdir(d)) != NULL) {
		const char *nm = e->d_name;

		if (strncmp(nm, base, bl) == 0 && nm[bl] == '.' && strlen(nm) == bl + 21 &&
		    strspn(nm + bl + 1, "0123456789abcdef") == 16 && strcmp(nm + bl + 17, ".tmp") == 0) {
			snprintf(buf, n, "%.100s/%.50s", dir, nm);
			found = true;
		}
	}
	closedir(d);
	return found;
}

static void assert_str_or_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* ---- a fully populated inventory -------------------------------------------------------- */

static void fill_env(fa_env *env, const char *prefix, unsigned char seed)
{
	char name[64];
	size_t i, k;

	env->n_vars = 2;
	env->vars = calloc(2, sizeof(*env->vars));
	assert_non_null(env->vars);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "%s_VAR_%zu", prefix, i);
		env->vars[i].name = xstrdup(name);
		env->vars[i].value_len = 40 + i;
		env->vars[i].detectors = i ? (FA_DET_AWS_KEY | FA_DET_JWT | FA_DET_APP_SECRET)
					   : FA_DET_SECRET_NAME;
		for (k = 0; k < FA_ENV_HASH_LEN; k++)
			env->vars[i].hash[k] = (unsigned char)(seed + 17 * i + 31 * k);
	}
}

static void fill_check(fa_check_def *c, const char *name)
{
	c->name = name ? xstrdup(name) : NULL;
	c->type = xstrdup("http");
	c->port = 8080;
	c->path = xstrdup("/healthz");
	c->method = xstrdup("GET");
	c->protocol = xstrdup("https");
	c->interval = xstrdup("15s");
	c->timeout = xstrdup("2s");
	c->kind = name ? xstrdup("readiness") : NULL;
	c->tls_skip_verify = name ? FA_TRI_TRUE : FA_TRI_UNKNOWN;
}

static void fill_creds(fa_cred_scan *cs, const char *where)
{
	cs->n_places = 7;
	cs->n_hits = 1;
	cs->hits = calloc(1, sizeof(*cs->hits));
	assert_non_null(cs->hits);
	cs->hits[0].where = xstrdup(where);
	cs->hits[0].detectors = FA_DET_JWT | FA_DET_SECRET_NAME;
}

static void fill_machine(fa_machine *m, const char *id)
{
	fa_service *s = NULL;

	m->id = xstrdup(id);
	m->name = xstrdup("little-fire-42");
	m->state = xstrdup("started");
	m->region = xstrdup("cdg");
	m->instance_id = xstrdup("01HXYZ");
	m->private_ip = xstrdup("fdaa:0:1::3");
	m->host_status = xstrdup("ok");
	m->created_at = xstrdup("2024-01-02T03:04:05Z");
	m->updated_at = xstrdup("2024-02-02T03:04:05Z");
	m->image_digest = xstrdup("sha256:abcdef");
	m->has_config = true;
	m->image = xstrdup("registry.fly.io/web:deployment-1");
	m->process_group = xstrdup("app");
	m->init_user = xstrdup("nobody");
	m->release_command = true;
	m->malformed = xstrdup("config.services[0].ports[0].port");
	fill_env(&m->env, "MAIN", 3);
	fill_creds(&m->creds, "check \"http\" header Authorization");
	m->n_containers = 2;
	m->containers = calloc(2, sizeof(*m->containers));
	assert_non_null(m->containers);
	m->containers[0].name = xstrdup("nginx");
	m->containers[0].image = xstrdup("nginx:1.27");
	m->containers[0].user = xstrdup("root");
	fill_env(&m->containers[0].env, "SIDE", 5);
	fill_creds(&m->containers[0].creds, "file /etc/nginx/.env");
	m->containers[0].n_secrets = 2;
	m->containers[0].n_healthchecks = 1;
	/* the second container: everything absent */

	m->n_services = 2;
	m->services = calloc(2, sizeof(*m->services));
	assert_non_null(m->services);
	s = &m->services[0];
	s->protocol = xstrdup("tcp");
	s->internal_port = 8080;
	s->n_ports = 2;
	s->ports = calloc(2, sizeof(*s->ports));
	assert_non_null(s->ports);
	s->ports[0].port = 80;
	s->ports[0].handlers = FA_HANDLER_HTTP;
	s->ports[0].force_https = FA_TRI_TRUE;
	s->ports[0].default_self_signed = FA_TRI_TRUE;
	s->ports[0].n_resp_headers = 1;
	s->ports[0].resp_headers = calloc(1, sizeof(*s->ports[0].resp_headers));
	assert_non_null(s->ports[0].resp_headers);
	s->ports[0].resp_headers[0].name = xstrdup("Strict-Transport-Security");
	s->ports[0].resp_headers[0].value = xstrdup("max-age=63072000");
	s->ports[1].default_self_signed = FA_TRI_UNKNOWN;
	s->ports[1].start_port = 8000;
	s->ports[1].end_port = 8010;
	s->ports[1].handlers = FA_HANDLER_TLS | FA_HANDLER_HTTP | FA_HANDLER_PROXY_PROTO |
			       FA_HANDLER_PG_TLS | FA_HANDLER_EDGE_HTTP | FA_HANDLER_OTHER;
	s->ports[1].force_https = FA_TRI_FALSE;
	s->ports[1].tls_versions = FA_TLSV_1_0 | FA_TLSV_1_1 | FA_TLSV_1_2 | FA_TLSV_1_3 |
				   FA_TLSV_OTHER;
	s->autostop = FA_AUTOSTOP_SUSPEND;
	s->autostart = FA_TRI_TRUE;
	s->min_machines_running = 0;
	s->n_checks = 1;
	s->checks = calloc(1, sizeof(*s->checks));
	assert_non_null(s->checks);
	fill_check(&s->checks[0], NULL);
	/* the second service: everything absent */
	m->services[1].autostop = FA_AUTOSTOP_UNSET;
	m->services[1].autostart = FA_TRI_UNKNOWN;
	m->services[1].min_machines_running = -1;

	m->n_checks = 1;
	m->checks = calloc(1, sizeof(*m->checks));
	assert_non_null(m->checks);
	fill_check(&m->checks[0], "alive");

	m->n_processes = 2;
	m->processes = calloc(2, sizeof(*m->processes));
	assert_non_null(m->processes);
	m->processes[0].user = xstrdup("root");
	fill_env(&m->processes[0].env, "PROC", 99);

	m->n_mounts = 3;
	m->mounts = calloc(3, sizeof(*m->mounts));
	assert_non_null(m->mounts);
	m->mounts[0].volume = xstrdup("vol_1");
	m->mounts[0].path = xstrdup("/data");
	m->mounts[0].name = xstrdup("data");
	m->mounts[0].encrypted = FA_TRI_TRUE;
	m->mounts[1].encrypted = FA_TRI_FALSE;
	m->mounts[2].encrypted = FA_TRI_UNKNOWN;

	m->n_check_status = 1;
	m->check_status = calloc(1, sizeof(*m->check_status));
	assert_non_null(m->check_status);
	m->check_status[0].name = xstrdup("servicecheck-00-http-8080");
	m->check_status[0].status = xstrdup("critical");
	m->check_status[0].updated_at = xstrdup("2024-03-01T00:00:00Z");
}

static void fill_token(fa_token *t, const char *id, const char *app)
{
	t->id = xstrdup(id);
	t->name = xstrdup("deploy \"ci\" \xc3\xa9\n"); /* quotes, UTF-8, a newline */
	t->created_at = xstrdup("2023-01-01T00:00:00Z");
	t->expires_at = app ? xstrdup("2043-01-01T00:00:00Z") : NULL;
	t->revoked_at = NULL;
	t->profile = xstrdup("deploy");
	t->user_email = xstrdup("ops@example.com");
	t->app = app ? xstrdup(app) : NULL;
}

static void fill_app(fa_app *a, const char *name)
{
	fa_app_init(a);
	a->id = xstrdup("app-id-1");
	a->name = xstrdup(name);
	a->status = xstrdup("deployed");
	a->network = xstrdup("default");
	a->org_slug = xstrdup("acme");
	a->internal_numeric_id = 123456789012LL;
	a->machine_count = 2;
	a->volume_count = -1;

	a->n_machines = 2;
	a->machines = calloc(2, sizeof(*a->machines));
	assert_non_null(a->machines);
	fill_machine(&a->machines[0], "m-1");
	a->machines[1].id = xstrdup("m-2"); /* a machine without config */

	a->n_volumes = 2;
	a->volumes = calloc(2, sizeof(*a->volumes));
	assert_non_null(a->volumes);
	a->volumes[0].id = xstrdup("vol_1");
	a->volumes[0].name = xstrdup("data");
	a->volumes[0].state = xstrdup("created");
	a->volumes[0].region = xstrdup("cdg");
	a->volumes[0].zone = xstrdup("a1b2");
	a->volumes[0].attached_machine_id = xstrdup("m-1");
	a->volumes[0].created_at = xstrdup("2024-01-01T00:00:00Z");
	a->volumes[0].type = xstrdup("local");
	a->volumes[0].size_gb = 10;
	a->volumes[0].snapshot_retention = 5;
	a->volumes[0].encrypted = FA_TRI_TRUE;
	a->volumes[0].auto_backup_enabled = FA_TRI_FALSE;
	a->volumes[1].snapshot_retention = -1;
	a->volumes[1].encrypted = FA_TRI_UNKNOWN;
	a->volumes[1].auto_backup_enabled = FA_TRI_UNKNOWN;

	a->n_ips = 2;
	a->ips = calloc(2, sizeof(*a->ips));
	assert_non_null(a->ips);
	a->ips[0].address = xstrdup("2a09:8280:1::1");
	a->ips[0].type = FA_IP_V6;
	a->ips[0].region = xstrdup("global");
	a->ips[0].service_name = xstrdup("web");
	a->ips[0].created_at = xstrdup("2024-01-01T00:00:00Z");
	a->ips[1].address = xstrdup("fdaa:0:1:0:1::2");
	a->ips[1].type = FA_IP_PRIVATE_V6;
	a->ips[1].network = xstrdup("");
	a->ips[1].network_org = xstrdup("other-org");

	a->n_secrets = 1;
	a->secrets = calloc(1, sizeof(*a->secrets));
	assert_non_null(a->secrets);
	a->secrets[0].name = xstrdup("DATABASE_URL");
	a->secrets[0].digest = xstrdup("a1b2c3");
	a->secrets[0].created_at = xstrdup("2024-01-01T00:00:00Z");
	a->secrets[0].updated_at = xstrdup("2024-01-02T00:00:00Z");

	a->n_certs = 1;
	a->certs = calloc(1, sizeof(*a->certs));
	assert_non_null(a->certs);
	a->certs[0].hostname = xstrdup("www.example.com");
	a->certs[0].status = xstrdup("pending_validation");
	a->certs[0].configured = FA_TRI_FALSE;
	a->certs[0].dns_provider = xstrdup("cloudflare");
	a->certs[0].has_custom_certificate = FA_TRI_UNKNOWN;
	a->certs[0].has_fly_certificate = FA_TRI_TRUE;
	a->certs[0].acme_dns_configured = FA_TRI_TRUE;
	a->certs[0].acme_alpn_configured = FA_TRI_FALSE;
	a->certs[0].acme_http_configured = FA_TRI_UNKNOWN;
	a->certs[0].created_at = xstrdup("2024-01-01T00:00:00Z");
	a->certs[0].updated_at = xstrdup("2024-01-03T00:00:00Z");

	a->n_tokens = 1;
	a->tokens = calloc(1, sizeof(*a->tokens));
	assert_non_null(a->tokens);
	fill_token(&a->tokens[0], "tok-app", name);

	fa_load_ok(&a->load[FA_EP_APP]);
	fa_load_ok(&a->load[FA_EP_MACHINES]);
	fa_load_ok(&a->load[FA_EP_VOLUMES]);
	assert_int_equal(fa_load_fail(&a->load[FA_EP_SECRETS], 503, "service unavailable"), 0);
	assert_int_equal(fa_load_fail(&a->load[FA_EP_IPS], 0, "timeout"), 0);
	fa_load_ok(&a->load[FA_EP_CERTS]);
	/* tokens: not tried */
}

static void fill_inventory(fa_inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->org = xstrdup("acme");
	inv->collected_at = xstrdup("2026-11-28T12:00:00Z");
	inv->source = xstrdup("live");
	inv->self.kind = FA_TOKEN_KIND_MACAROON;
	inv->self.decoded = true;
	inv->self.read_only = FA_TRI_FALSE;
	inv->self.access = 1 | 2 | 16;
	inv->self.org_id = 4242;
	inv->self.expires_at = 1900000000;
	inv->self.n_undischarged = 1;
	inv->self.error = xstrdup("third-party caveat without discharge");
	inv->n_org_tokens = 2;
	inv->org_tokens = calloc(2, sizeof(*inv->org_tokens));
	assert_non_null(inv->org_tokens);
	fill_token(&inv->org_tokens[0], "tok-1", NULL);
	fill_token(&inv->org_tokens[1], "tok-2", NULL);
	fa_load_ok(&inv->org_tokens_load);
	assert_int_equal(fa_load_fail(&inv->apps_load, 429, "rate limited"), 0);
}

/* ---- field-by-field comparison ------------------------------------------------------------ */

static void cmp_env(const fa_env *a, const fa_env *b)
{
	size_t i;

	assert_int_equal(a->n_vars, b->n_vars);
	for (i = 0; i < a->n_vars; i++) {
		assert_str_or_null(a->vars[i].name, b->vars[i].name);
		assert_int_equal(a->vars[i].value_len, b->vars[i].value_len);
		assert_int_equal(a->vars[i].detectors, b->vars[i].detectors);
		assert_memory_equal(a->vars[i].hash, b->vars[i].hash, FA_ENV_HASH_LEN);
	}
}

static void cmp_checks(const fa_check_def *a, const fa_check_def *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		assert_str_or_null(a[i].name, b[i].name);
		assert_str_or_null(a[i].type, b[i].type);
		assert_int_equal(a[i].port, b[i].port);
		assert_str_or_null(a[i].path, b[i].path);
		assert_str_or_null(a[i].method, b[i].method);
		assert_str_or_null(a[i].protocol, b[i].protocol);
		assert_str_or_null(a[i].interval, b[i].interval);
		assert_str_or_null(a[i].timeout, b[i].timeout);
		assert_str_or_null(a[i].kind, b[i].kind);
		assert_int_equal(a[i].tls_skip_verify, b[i].tls_skip_verify);
	}
}

static void cmp_creds(const fa_cred_scan *a, const fa_cred_scan *b)
{
	size_t i;

	assert_int_equal(a->n_places, b->n_places);
	assert_int_equal(a->n_hits, b->n_hits);
	for (i = 0; i < a->n_hits; i++) {
		assert_str_or_null(a->hits[i].where, b->hits[i].where);
		assert_int_equal(a->hits[i].detectors, b->hits[i].detectors);
	}
}

static void cmp_machine(const fa_machine *a, const fa_machine *b)
{
	size_t i, k;

	assert_str_or_null(a->id, b->id);
	assert_str_or_null(a->name, b->name);
	assert_str_or_null(a->state, b->state);
	assert_str_or_null(a->region, b->region);
	assert_str_or_null(a->instance_id, b->instance_id);
	assert_str_or_null(a->private_ip, b->private_ip);
	assert_str_or_null(a->host_status, b->host_status);
	assert_str_or_null(a->created_at, b->created_at);
	assert_str_or_null(a->updated_at, b->updated_at);
	assert_str_or_null(a->image_digest, b->image_digest);
	assert_int_equal(a->has_config, b->has_config);
	assert_str_or_null(a->image, b->image);
	assert_str_or_null(a->process_group, b->process_group);
	assert_str_or_null(a->init_user, b->init_user);
	assert_int_equal(a->release_command, b->release_command);
	assert_str_or_null(a->malformed, b->malformed);
	cmp_env(&a->env, &b->env);
	cmp_creds(&a->creds, &b->creds);
	assert_int_equal(a->n_containers, b->n_containers);
	for (i = 0; i < a->n_containers; i++) {
		const fa_container *c = &a->containers[i], *d = &b->containers[i];

		assert_str_or_null(c->name, d->name);
		assert_str_or_null(c->image, d->image);
		assert_str_or_null(c->user, d->user);
		cmp_env(&c->env, &d->env);
		cmp_creds(&c->creds, &d->creds);
		assert_int_equal(c->n_secrets, d->n_secrets);
		assert_int_equal(c->n_healthchecks, d->n_healthchecks);
	}
	assert_int_equal(a->n_services, b->n_services);
	for (i = 0; i < a->n_services; i++) {
		const fa_service *s = &a->services[i], *t = &b->services[i];

		assert_str_or_null(s->protocol, t->protocol);
		assert_int_equal(s->internal_port, t->internal_port);
		assert_int_equal(s->n_ports, t->n_ports);
		for (k = 0; k < s->n_ports; k++) {
			assert_int_equal(s->ports[k].port, t->ports[k].port);
			assert_int_equal(s->ports[k].start_port, t->ports[k].start_port);
			assert_int_equal(s->ports[k].end_port, t->ports[k].end_port);
			assert_int_equal(s->ports[k].handlers, t->ports[k].handlers);
			assert_int_equal(s->ports[k].force_https, t->ports[k].force_https);
			assert_int_equal(s->ports[k].tls_versions, t->ports[k].tls_versions);
			assert_int_equal(s->ports[k].default_self_signed,
					 t->ports[k].default_self_signed);
			assert_int_equal(s->ports[k].n_resp_headers, t->ports[k].n_resp_headers);
			if (s->ports[k].n_resp_headers) {
				assert_str_or_null(s->ports[k].resp_headers[0].name,
						   t->ports[k].resp_headers[0].name);
				assert_str_or_null(s->ports[k].resp_headers[0].value,
						   t->ports[k].resp_headers[0].value);
			}
		}
		assert_int_equal(s->autostop, t->autostop);
		assert_int_equal(s->autostart, t->autostart);
		assert_int_equal(s->min_machines_running, t->min_machines_running);
		assert_int_equal(s->n_checks, t->n_checks);
		cmp_checks(s->checks, t->checks, s->n_checks);
	}
	assert_int_equal(a->n_checks, b->n_checks);
	cmp_checks(a->checks, b->checks, a->n_checks);
	assert_int_equal(a->n_processes, b->n_processes);
	for (i = 0; i < a->n_processes; i++) {
		assert_str_or_null(a->processes[i].user, b->processes[i].user);
		cmp_env(&a->processes[i].env, &b->processes[i].env);
	}
	assert_int_equal(a->n_mounts, b->n_mounts);
	for (i = 0; i < a->n_mounts; i++) {
		assert_str_or_null(a->mounts[i].volume, b->mounts[i].volume);
		assert_str_or_null(a->mounts[i].path, b->mounts[i].path);
		assert_str_or_null(a->mounts[i].name, b->mounts[i].name);
		assert_int_equal(a->mounts[i].encrypted, b->mounts[i].encrypted);
	}
	assert_int_equal(a->n_check_status, b->n_check_status);
	for (i = 0; i < a->n_check_status; i++) {
		assert_str_or_null(a->check_status[i].name, b->check_status[i].name);
		assert_str_or_null(a->check_status[i].status, b->check_status[i].status);
		assert_str_or_null(a->check_status[i].updated_at, b->check_status[i].updated_at);
	}
}

static void cmp_token(const fa_token *a, const fa_token *b)
{
	assert_str_or_null(a->id, b->id);
	assert_str_or_null(a->name, b->name);
	assert_str_or_null(a->created_at, b->created_at);
	assert_str_or_null(a->expires_at, b->expires_at);
	assert_str_or_null(a->revoked_at, b->revoked_at);
	assert_str_or_null(a->profile, b->profile);
	assert_str_or_null(a->user_email, b->user_email);
	assert_str_or_null(a->app, b->app);
}

static void cmp_load(const fa_load *a, const fa_load *b)
{
	assert_int_equal(a->loaded, b->loaded);
	assert_int_equal(a->tried, b->tried);
	assert_int_equal(a->status, b->status);
	assert_str_or_null(a->message, b->message);
}

static void cmp_app(const fa_app *a, const fa_app *b)
{
	size_t i;
	int ep;

	assert_str_or_null(a->id, b->id);
	assert_str_or_null(a->name, b->name);
	assert_str_or_null(a->status, b->status);
	assert_str_or_null(a->network, b->network);
	assert_str_or_null(a->org_slug, b->org_slug);
	assert_int_equal(a->internal_numeric_id, b->internal_numeric_id);
	assert_int_equal(a->machine_count, b->machine_count);
	assert_int_equal(a->volume_count, b->volume_count);
	assert_int_equal(a->n_machines, b->n_machines);
	for (i = 0; i < a->n_machines; i++)
		cmp_machine(&a->machines[i], &b->machines[i]);
	assert_int_equal(a->n_volumes, b->n_volumes);
	for (i = 0; i < a->n_volumes; i++) {
		const fa_volume *v = &a->volumes[i], *w = &b->volumes[i];

		assert_str_or_null(v->id, w->id);
		assert_str_or_null(v->name, w->name);
		assert_str_or_null(v->state, w->state);
		assert_str_or_null(v->region, w->region);
		assert_str_or_null(v->zone, w->zone);
		assert_str_or_null(v->attached_machine_id, w->attached_machine_id);
		assert_str_or_null(v->created_at, w->created_at);
		assert_str_or_null(v->type, w->type);
		assert_int_equal(v->size_gb, w->size_gb);
		assert_int_equal(v->snapshot_retention, w->snapshot_retention);
		assert_int_equal(v->encrypted, w->encrypted);
		assert_int_equal(v->auto_backup_enabled, w->auto_backup_enabled);
	}
	assert_int_equal(a->n_ips, b->n_ips);
	for (i = 0; i < a->n_ips; i++) {
		assert_str_or_null(a->ips[i].address, b->ips[i].address);
		assert_int_equal(a->ips[i].type, b->ips[i].type);
		assert_str_or_null(a->ips[i].region, b->ips[i].region);
		assert_str_or_null(a->ips[i].service_name, b->ips[i].service_name);
		assert_str_or_null(a->ips[i].network, b->ips[i].network);
		assert_str_or_null(a->ips[i].network_org, b->ips[i].network_org);
		assert_str_or_null(a->ips[i].created_at, b->ips[i].created_at);
	}
	assert_int_equal(a->n_secrets, b->n_secrets);
	for (i = 0; i < a->n_secrets; i++) {
		assert_str_or_null(a->secrets[i].name, b->secrets[i].name);
		assert_str_or_null(a->secrets[i].digest, b->secrets[i].digest);
		assert_str_or_null(a->secrets[i].created_at, b->secrets[i].created_at);
		assert_str_or_null(a->secrets[i].updated_at, b->secrets[i].updated_at);
	}
	assert_int_equal(a->n_certs, b->n_certs);
	for (i = 0; i < a->n_certs; i++) {
		const fa_cert *c = &a->certs[i], *d = &b->certs[i];

		assert_str_or_null(c->hostname, d->hostname);
		assert_str_or_null(c->status, d->status);
		assert_int_equal(c->configured, d->configured);
		assert_str_or_null(c->dns_provider, d->dns_provider);
		assert_int_equal(c->has_custom_certificate, d->has_custom_certificate);
		assert_int_equal(c->has_fly_certificate, d->has_fly_certificate);
		assert_int_equal(c->acme_dns_configured, d->acme_dns_configured);
		assert_int_equal(c->acme_alpn_configured, d->acme_alpn_configured);
		assert_int_equal(c->acme_http_configured, d->acme_http_configured);
		assert_str_or_null(c->created_at, d->created_at);
		assert_str_or_null(c->updated_at, d->updated_at);
	}
	assert_int_equal(a->n_tokens, b->n_tokens);
	for (i = 0; i < a->n_tokens; i++)
		cmp_token(&a->tokens[i], &b->tokens[i]);
	for (ep = 0; ep < FA_EP_COUNT; ep++)
		cmp_load(&a->load[ep], &b->load[ep]);
}

/* ---- writing a snapshot ----------------------------------------------------------------- */

static void write_snapshot(const char *path, const char *const *names, size_t n, bool close)
{
	fa_snapshot_writer *w = NULL;
	fa_inventory inv;
	fa_app app;
	char err[FA_SNAPSHOT_ERRLEN] = "";
	size_t i;

	fill_inventory(&inv);
	assert_int_equal(fa_snapshot_open(&w, path, false, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_write_header(w, &inv), 0);
	for (i = 0; i < n; i++) {
		fill_app(&app, names[i]);
		assert_int_equal(fa_snapshot_write_app(w, &app), 0);
		fa_app_release(&app);
	}
	if (close)
		assert_int_equal(fa_snapshot_close(w, true, err, sizeof(err)), 0);
	else
		fa_snapshot_abort(w);
	fa_inventory_release(&inv);
}

/* Reads every app; returns how many, and the error text of a failure in err. */
static int read_all(const char *path, size_t max_line, char *err, size_t errlen,
		    bool *complete, bool *closed)
{
	fa_snapshot_reader *r = NULL;
	fa_inventory inv;
	fa_app app;
	int n = 0, rc;

	err[0] = '\0';
	if (fa_snapshot_reader_open_max(&r, path, max_line, &inv, err, errlen) != 0) {
		assert_null(r);
		assert_null(inv.org);
		assert_true(err[0] != '\0');
		return -1;
	}
	while ((rc = fa_snapshot_read_app(r, &app, err, errlen)) == 1) {
		n++;
		fa_app_release(&app);
	}
	assert_null(app.name); /* nothing held after 0 or -1 */
	if (complete)
		*complete = fa_snapshot_reader_complete(r);
	if (closed)
		*closed = fa_snapshot_reader_closed(r);
	fa_snapshot_reader_close(r);
	fa_inventory_release(&inv);
	if (rc < 0) {
		assert_true(err[0] != '\0');
		return -1;
	}
	return n;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
	static const char *const names[] = { "web", "api" };
	char path[128], err[FA_SNAPSHOT_ERRLEN] = "";
	fa_snapshot_reader *r = NULL;
	fa_inventory want, got;
	fa_app want_app, got_app;
	size_t i;

	(void)state;
	new_path(path, sizeof(path), "round");
	write_snapshot(path, names, 2, true);

	fill_inventory(&want);
	assert_int_equal(fa_snapshot_reader_open(&r, path, &got, err, sizeof(err)), 0);
	assert_string_equal(got.org, want.org);
	assert_string_equal(got.collected_at, want.collected_at);
	assert_string_equal(got.source, path);
	assert_int_equal(got.self.kind, want.self.kind);
	assert_int_equal(got.self.decoded, want.self.decoded);
	assert_int_equal(got.self.read_only, want.self.read_only);
	assert_int_equal(got.self.access, want.self.access);
	assert_int_equal(got.self.org_id, want.self.org_id);
	assert_int_equal(got.self.expires_at, want.self.expires_at);
	assert_int_equal(got.self.n_undischarged, want.self.n_undischarged);
	assert_string_equal(got.self.error, want.self.error);
	assert_int_equal(got.n_org_tokens, want.n_org_tokens);
	for (i = 0; i < want.n_org_tokens; i++)
		cmp_token(&want.org_tokens[i], &got.org_tokens[i]);
	cmp_load(&want.org_tokens_load, &got.org_tokens_load);
	cmp_load(&want.apps_load, &got.apps_load);

	for (i = 0; i < 2; i++) {
		assert_int_equal(fa_snapshot_read_app(r, &got_app, err, sizeof(err)), 1);
		fill_app(&want_app, names[i]);
		cmp_app(&want_app, &got_app);
		fa_app_release(&want_app);
		fa_app_release(&got_app);
	}
	assert_false(fa_snapshot_reader_closed(r));
	assert_int_equal(fa_snapshot_read_app(r, &got_app, err, sizeof(err)), 0);
	assert_true(fa_snapshot_reader_closed(r));
	assert_true(fa_snapshot_reader_complete(r));
	assert_int_equal(fa_snapshot_read_app(r, &got_app, err, sizeof(err)), 0);
	fa_snapshot_reader_close(r);
	fa_inventory_release(&got);
	fa_inventory_release(&want);
}

/* A default self (nothing known) and empty inventory survive too. */
static void test_round_trip_empty(void **state)
{
	char path[128], err[FA_SNAPSHOT_ERRLEN] = "";
	fa_snapshot_writer *w = NULL;
	fa_snapshot_reader *r = NULL;
	fa_inventory inv, got;
	fa_app app;

	(void)state;
	new_path(path, sizeof(path), "empty");
	memset(&inv, 0, sizeof(inv));
	inv.self.org_id = -1;
	inv.self.read_only = FA_TRI_UNKNOWN;
	assert_int_equal(fa_snapshot_open(&w, path, false, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_write_header(w, &inv), 0);
	fa_app_init(&app);
	assert_int_equal(fa_snapshot_write_app(w, &app), 0);
	assert_int_equal(fa_snapshot_close(w, false, err, sizeof(err)), 0);

	assert_int_equal(fa_snapshot_reader_open(&r, path, &got, err, sizeof(err)), 0);
	assert_null(got.org);
	assert_int_equal(got.self.kind, FA_TOKEN_KIND_UNKNOWN);
	assert_int_equal(got.self.read_only, FA_TRI_UNKNOWN);
	assert_int_equal(got.self.org_id, -1);
	assert_int_equal(got.self.expires_at, 0);
	assert_int_equal(got.n_org_tokens, 0);
	assert_false(got.apps_load.tried);
	assert_int_equal(fa_snapshot_read_app(r, &app, err, sizeof(err)), 1);
	assert_null(app.name);
	assert_int_equal(app.machine_count, -1);
	assert_int_equal(app.internal_numeric_id, -1);
	assert_false(app.load[FA_EP_MACHINES].tried);
	fa_app_release(&app);
	assert_int_equal(fa_snapshot_read_app(r, &app, err, sizeof(err)), 0);
	assert_true(fa_snapshot_reader_closed(r));
	assert_false(fa_snapshot_reader_complete(r)); /* closed with complete=false */
	fa_snapshot_reader_close(r);
	fa_inventory_release(&got);
}

static void test_no_value_key(void **state)
{
	static const char *const names[] = { "web" };
	char path[128];
	char *text = NULL, *view = NULL;
	fa_app app;
	int ep;

	(void)state;
	new_path(path, sizeof(path), "novalue");
	write_snapshot(path, names, 1, true);
	text = slurp(path, NULL);
	assert_null(strstr(text, "\"value\""));
	assert_null(strstr(text, "\"values\""));
	/* the env record is there, in its documented shape */
	assert_non_null(strstr(text, "\"name\":\"MAIN_VAR_1\",\"len\":41,"
				     "\"detectors\":[\"aws_access_key\",\"jwt\",\"app_secret_name\"],"
				     "\"hash\":\""));
	assert_non_null(strstr(text, "{\"end\":true,\"apps\":1,\"complete\":true}\n"));
	free(text);

	fill_app(&app, "web");
	for (ep = FA_EP_MACHINES; ep < FA_EP_COUNT; ep++) {
		view = fa_json_app_resources(&app, (fa_endpoint)ep);
		assert_non_null(view);
		assert_null(strstr(view, "\"value\""));
		free(view);
	}
	view = fa_json_app(&app, false);
	assert_non_null(view);
	assert_null(strstr(view, "\"value\""));
	assert_null(strchr(view, '\n')); /* one line */
	free(view);
	fa_app_release(&app);
}

static void test_json_views(void **state)
{
	fa_app app;
	fa_inventory inv;
	char *s = NULL;
	cJSON *j = NULL;

	(void)state;
	fill_app(&app, "web");
	assert_null(fa_json_app_resources(&app, FA_EP_APP));
	assert_null(fa_json_app_resources(&app, FA_EP_COUNT));

	s = fa_json_app_resources(&app, FA_EP_MACHINES);
	assert_non_null(s);
	assert_non_null(strchr(s, '\n')); /* pretty */
	j = cJSON_Parse(s);
	assert_true(cJSON_IsArray(j));
	assert_int_equal(cJSON_GetArraySize(j), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "id")->valuestring,
			    "m-1");
	cJSON_Delete(j);
	free(s);

	s = fa_json_app_resources(&app, FA_EP_IPS);
	assert_non_null(s);
	assert_non_null(strstr(s, "\"private_v6\""));
	free(s);

	s = fa_json_app(&app, true);
	assert_non_null(s);
	j = cJSON_Parse(s);
	assert_non_null(j);
	assert_string_equal(
		cJSON_GetArrayItem(cJSON_GetObjectItem(j, "loaded"), 0)->valuestring, "app");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "errors"),
								   0),
						"endpoint")
				    ->valuestring,
			    "secrets");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "errors")), 2);
	cJSON_Delete(j);
	free(s);
	fa_app_release(&app);

	fill_inventory(&inv);
	s = fa_json_tokens(inv.org_tokens, inv.n_org_tokens);
	assert_non_null(s);
	assert_non_null(strstr(s, "tok-2"));
	free(s);
	s = fa_json_self(&inv.self);
	assert_non_null(s);
	assert_non_null(strstr(s, "\"macaroon\""));
	free(s);
	fa_inventory_release(&inv);
}

static void test_mode_and_rename(void **state)
{
	char path[128], tmp[160], err[FA_SNAPSHOT_ERRLEN] = "";
	fa_snapshot_writer *w = NULL;
	fa_inventory inv;
	struct stat st;
	mode_t old;

	(void)state;
	new_path(path, sizeof(path), "mode");
	old = umask(0);
	fill_inventory(&inv);
	assert_int_equal(fa_snapshot_open(&w, path, false, err, sizeof(err)), 0);
	assert_true(temp_of(path, tmp, sizeof(tmp)));
	assert_false(exists(path));
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(fa_snapshot_write_header(w, &inv), 0);
	assert_false(exists(path));
	assert_int_equal(fa_snapshot_close(w, true, err, sizeof(err)), 0);
	umask(old);
	assert_false(temp_of(path, tmp, sizeof(tmp)));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(read_all(path, 0, err, sizeof(err), NULL, NULL), 0);

	/* close without a header: an error, the temp file removed, PATH untouched */
	assert_int_equal(fa_snapshot_open(&w, path, false, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_close(w, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "header"));
	assert_false(temp_of(path, tmp, sizeof(tmp)));
	assert_int_equal(read_all(path, 0, err, sizeof(err), NULL, NULL), 0);

	/* an app before the header is refused */
	assert_int_equal(fa_snapshot_open(&w, path, false, err, sizeof(err)), 0);
	{
		fa_app app;

		fa_app_init(&app);
		assert_int_equal(fa_snapshot_write_app(w, &app), -1);
		assert_non_null(strstr(fa_snapshot_writer_error(w), "before the header"));
	}
	fa_snapshot_abort(w);
	assert_false(temp_of(path, tmp, sizeof(tmp)));
	assert_true(exists(path));

	/* a directory that does not exist */
	snprintf(path, sizeof(path), "%s/no/such/dir/x.jsonl", tmpdir);
	assert_int_equal(fa_snapshot_open(&w, path, false, err, sizeof(err)), -1);
	assert_null(w);
	assert_non_null(strstr(err, "cannot create"));
	fa_inventory_release(&inv);
}

static void test_resume(void **state)
{
	static const char *const first[] = { "alpha", "beta" };
	char path[128], tmp[160], err[FA_SNAPSHOT_ERRLEN] = "";
	fa_snapshot_writer *w = NULL;
	fa_snapshot_reader *r = NULL;
	fa_inventory inv, got;
	fa_app app;
	bool complete = false, closed = true;
	char *text = NULL;

	(void)state;
	new_path(path, sizeof(path), "resume");
	write_snapshot(path, first, 2, false); /* aborted: renamed into place, no closing line */
	assert_false(temp_of(path, tmp, sizeof(tmp)));
	assert_int_equal(read_all(path, 0, err, sizeof(err), &complete, &closed), 2);
	assert_false(closed);
	assert_false(complete);

	/* an abort before the header keeps the previous partial as it was */
	text = slurp(path, NULL);
	assert_int_equal(fa_snapshot_open(&w, path, true, err, sizeof(err)), 0);
	fa_snapshot_abort(w);
	{
		char *again = slurp(path, NULL);

		assert_string_equal(text, again);
		free(again);
	}
	free(text);

	fill_inventory(&inv);
	assert_int_equal(fa_snapshot_open(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_resumed_apps(w), 2);
	assert_true(fa_snapshot_has_app(w, "alpha"));
	assert_true(fa_snapshot_has_app(w, "beta"));
	assert_false(fa_snapshot_has_app(w, "gamma"));
	assert_false(fa_snapshot_has_app(w, NULL));
	assert_int_equal(fa_snapshot_write_header(w, &inv), 0);
	fill_app(&app, "gamma");
	assert_int_equal(fa_snapshot_write_app(w, &app), 0);
	fa_app_release(&app);
	assert_int_equal(fa_snapshot_close(w, true, err, sizeof(err)), 0);

	assert_int_equal(read_all(path, 0, err, sizeof(err), &complete, &closed), 3);
	assert_true(complete);
	assert_int_equal(fa_snapshot_reader_open(&r, path, &got, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_read_app(r, &app, err, sizeof(err)), 1);
	assert_string_equal(app.name, "alpha");
	fa_app_release(&app);
	assert_int_equal(fa_snapshot_read_app(r, &app, err, sizeof(err)), 1);
	assert_string_equal(app.name, "beta");
	fa_app_release(&app);
	assert_int_equal(fa_snapshot_read_app(r, &app, err, sizeof(err)), 1);
	assert_string_equal(app.name, "gamma");
	fa_app_release(&app);
	fa_snapshot_reader_close(r);
	fa_inventory_release(&got);

	/* resuming a complete file keeps its apps (and takes the closing line off) */
	assert_int_equal(fa_snapshot_open(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_resumed_apps(w), 3);
	assert_int_equal(fa_snapshot_write_header(w, &inv), 0);
	assert_int_equal(fa_snapshot_close(w, true, err, sizeof(err)), 0);
	assert_int_equal(read_all(path, 0, err, sizeof(err), &complete, NULL), 3);

	/* another org: refused at the header, the file left alone */
	free(inv.org);
	inv.org = xstrdup("other-org");
	assert_int_equal(fa_snapshot_open(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_write_header(w, &inv), -1);
	assert_non_null(strstr(fa_snapshot_writer_error(w), "other-org"));
	assert_int_equal(fa_snapshot_write_app(w, &app), -1);
	assert_int_equal(fa_snapshot_close(w, true, err, sizeof(err)), -1);
	assert_false(temp_of(path, tmp, sizeof(tmp)));
	assert_int_equal(read_all(path, 0, err, sizeof(err), &complete, NULL), 3);

	/* resume of a path that does not exist: a fresh snapshot */
	new_path(path, sizeof(path), "resume-new");
	assert_int_equal(fa_snapshot_open(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_resumed_apps(w), 0);
	assert_int_equal(fa_snapshot_write_header(w, &inv), 0);
	assert_int_equal(fa_snapshot_close(w, true, err, sizeof(err)), 0);
	assert_int_equal(read_all(path, 0, err, sizeof(err), &complete, NULL), 0);
	fa_inventory_release(&inv);
}

/* A crash mid-write leaves a cut last line: the reader names it, resume drops it. */
static void test_cut_last_line(void **state)
{
	static const char *const names[] = { "one", "two" };
	char path[128], err[FA_SNAPSHOT_ERRLEN] = "";
	fa_snapshot_writer *w = NULL;
	fa_inventory inv;
	fa_app app;
	char *text = NULL, *last = NULL;
	size_t len;

	(void)state;
	new_path(path, sizeof(path), "cut");
	write_snapshot(path, names, 2, false);
	text = slurp(path, &len);
	/* cut the second app line in the middle */
	assert_true(len > 2 && text[len - 1] == '\n');
	text[len - 1] = '\0';
	last = strrchr(text, '\n');
	assert_non_null(last);
	last[1 + (strlen(last + 1) / 2)] = '\0';
	write_file(path, text);
	free(text);

	assert_int_equal(read_all(path, 0, err, sizeof(err), NULL, NULL), -1);
	assert_non_null(strstr(err, ":3: line cut short"));

	fill_inventory(&inv);
	assert_int_equal(fa_snapshot_open(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_resumed_apps(w), 1);
	assert_true(fa_snapshot_has_app(w, "one"));
	assert_false(fa_snapshot_has_app(w, "two"));
	assert_int_equal(fa_snapshot_write_header(w, &inv), 0);
	fill_app(&app, "two");
	assert_int_equal(fa_snapshot_write_app(w, &app), 0);
	fa_app_release(&app);
	assert_int_equal(fa_snapshot_close(w, true, err, sizeof(err)), 0);
	assert_int_equal(read_all(path, 0, err, sizeof(err), NULL, NULL), 2);
	fa_inventory_release(&inv);
}

/* Resume refuses a file with a corrupt line before the end, or that is not a snapshot. */
static void test_resume_refuses(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "{\"schema\":\"flyaudit.inventory/v1\",\"org\":\"acme\"}\n"
		  "{\"app\":{\"name\":\"a\"}}\n"
		  "{\"app\":{\"name\":\n"
		  "{\"app\":{\"name\":\"c\"}}\n",
		  ":3: not valid JSON (not resuming)" },
		{ "{\"schema\":\"flyaudit.inventory/v1\"}\n{\"app\":{\"name\":7}}\n",
		  ":2: app.name: expected a string or null" },
		{ "{\"schema\":\"flyaudit.inventory/v1\"}\n{\"x\":1}\n",
		  ":2: neither an app nor the closing line" },
		{ "name,value\nweb,1\n", ":1: not valid JSON" },
		{ "{\"schema\":\"something/v2\"}\n", "is not \"flyaudit.inventory/v1\"" },
		{ "{\"hello\":1}\n{\"app\":{}}\n", "not a flyaudit snapshot" },
	};
	char path[128], tmp[160], err[FA_SNAPSHOT_ERRLEN];
	fa_snapshot_writer *w = NULL;
	size_t i;
	char *after = NULL;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		new_path(path, sizeof(path), "refuse");
			write_file(path, cases[i].text);
		err[0] = '\0';
		assert_int_equal(fa_snapshot_open(&w, path, true, err, sizeof(err)), -1);
		assert_null(w);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
		assert_false(temp_of(path, tmp, sizeof(tmp)));
		after = slurp(path, NULL);
		assert_string_equal(after, cases[i].text);
		free(after);
	}
	/* an empty file, or one with only a cut header, is nothing to resume */
	new_path(path, sizeof(path), "refuse");
	write_file(path, "{\"schema\":\"flyaudit.inv");
	assert_int_equal(fa_snapshot_open(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_resumed_apps(w), 0);
	fa_snapshot_abort(w);
	new_path(path, sizeof(path), "refuse");
	write_file(path, "");
	assert_int_equal(fa_snapshot_open(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(fa_snapshot_resumed_apps(w), 0);
	fa_snapshot_abort(w);
}

#define HDR "{\"schema\":\"flyaudit.inventory/v1\",\"org\":\"acme\"}\n"
#define M0(x) HDR "{\"app\":{\"name\":\"a\",\"machines\":[{" x "}]}}\n"
#define S0(x) M0("\"services\":[{" x "}]")

static const struct hostile {
	const char *text;
	const char *want; /* a piece of the error */
} hostile[] = {
	{ "", ":1: empty file" },
	{ "\n\n  \n", ":1: empty file" },
	{ "not json\n", ":1: not valid JSON" },
	{ "[1,2]\n", ":1: not a JSON object" },
	{ "null\n", ":1: not a JSON object" },
	{ "{\"org\":\"acme\"}\n", ":1: no \"schema\"" },
	{ "{\"schema\":null}\n", ":1: no \"schema\"" },
	{ "{\"schema\":1}\n", ":1: schema: expected a string" },
	{ "{\"schema\":\"flyaudit.inventory/v2\"}\n", "is not \"flyaudit.inventory/v1\"" },
	{ "{\"app\":{\"name\":\"a\"}}\n", ":1: no \"schema\"" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"org\":5}\n", ":1: org: expected a string" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"self\":[]}\n", ":1: self: expected an object" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"self\":{\"access\":\"rw\"}}\n",
	  ":1: self.access: expected an integer" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"self\":{\"access\":-1}}\n",
	  ":1: self.access: integer out of range" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"self\":{\"kind\":\"robot\"}}\n",
	  ":1: self.kind: unknown token kind" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"self\":{\"read_only\":\"yes\"}}\n",
	  ":1: self.read_only: expected true, false or null" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"self\":{\"expires_at\":1.5}}\n",
	  ":1: self.expires_at: expected an integer, not a fraction" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"org_tokens\":{}}\n",
	  ":1: org_tokens: expected an array" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"org_tokens\":[{\"expires_at\":1}]}\n",
	  ":1: org_tokens[0].expires_at: expected a string" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"org_tokens\":[7]}\n",
	  ":1: org_tokens[0]: expected an object" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"apps_load\":{\"loaded\":1}}\n",
	  ":1: apps_load.loaded: expected true or false" },
	{ HDR "{\"app\":\"web\"}\n", ":2: app: expected an object" },
	{ HDR "{\"app\":{\"name\":1}}\n", ":2: app.name: expected a string or null" },
	{ HDR "{\"app\":{\"machine_count\":\"3\"}}\n", ":2: app.machine_count: expected an integer" },
	{ HDR "{\"app\":{\"machine_count\":1e300}}\n", ":2: app.machine_count: integer out of range" },
	{ HDR "{\"app\":{\"machines\":{}}}\n", ":2: app.machines: expected an array" },
	{ HDR "{\"app\":{\"machines\":[1]}}\n", ":2: app.machines[0]: expected an object" },
	{ M0("\"has_config\":\"yes\""), ":2: app.machines[0].has_config: expected true or false" },
	{ M0("\"env\":{}"), ":2: app.machines[0].env: expected an array" },
	{ M0("\"env\":[{\"name\":\"A\",\"hash\":\"zz\"}]"),
	  ":2: app.machines[0].env[0].hash: expected 32 hex digits" },
	{ M0("\"env\":[{\"name\":\"A\",\"hash\":\"0123456789abcdef0123456789abcdeg\"}]"),
	  "app.machines[0].env[0].hash: expected 32 hex digits" },
	{ M0("\"env\":[{\"name\":\"A\",\"detectors\":[\"nope\"]}]"),
	  "app.machines[0].env[0].detectors[0]: unknown detector" },
	{ M0("\"env\":[{\"name\":\"A\",\"detectors\":\"jwt\"}]"),
	  "app.machines[0].env[0].detectors: expected an array" },
	{ M0("\"env\":[{\"name\":\"A\",\"len\":-1}]"),
	  "app.machines[0].env[0].len: integer out of range" },
	{ M0("\"env\":[{\"name\":\"A\",\"value\":\"hunter2\",\"len\":\"7\"}]"),
	  "app.machines[0].env[0].len: expected an integer" },
	{ M0("\"processes\":[{\"env\":[{\"name\":[]}]}]"),
	  "app.machines[0].processes[0].env[0].name: expected a string" },
	{ M0("\"mounts\":[{\"encrypted\":1}]"),
	  "app.machines[0].mounts[0].encrypted: expected true, false or null" },
	{ M0("\"check_status\":[{\"status\":{}}]"),
	  "app.machines[0].check_status[0].status: expected a string" },
	{ M0("\"checks\":[{\"port\":\"80\"}]"), "app.machines[0].checks[0].port: expected an integer" },
	{ S0("\"autostop\":\"maybe\""), "app.machines[0].services[0].autostop: expected \"off\"" },
	{ S0("\"autostop\":true"), "app.machines[0].services[0].autostop: expected \"off\"" },
	{ S0("\"autostart\":\"true\""), "app.machines[0].services[0].autostart: expected true" },
	{ S0("\"min_machines_running\":-2"),
	  "app.machines[0].services[0].min_machines_running: integer out of range" },
	{ S0("\"ports\":[{\"handlers\":[\"http2\"]}]"),
	  "app.machines[0].services[0].ports[0].handlers[0]: unknown name" },
	{ S0("\"ports\":[{\"tls_versions\":[12]}]"),
	  "app.machines[0].services[0].ports[0].tls_versions[0]: expected a string" },
	{ S0("\"ports\":[{\"force_https\":\"true\"}]"),
	  "app.machines[0].services[0].ports[0].force_https: expected true" },
	{ S0("\"ports\":[{\"port\":3e9}]"),
	  "app.machines[0].services[0].ports[0].port: integer out of range" },
	{ HDR "{\"app\":{\"volumes\":[{\"encrypted\":\"no\"}]}}\n",
	  ":2: app.volumes[0].encrypted: expected true, false or null" },
	{ HDR "{\"app\":{\"volumes\":[{\"size_gb\":\"10\"}]}}\n", "app.volumes[0].size_gb: expected" },
	{ HDR "{\"app\":{\"ips\":[{\"address\":\"1.2.3.4\"}]}}\n", "app.ips[0].type: expected an IP type" },
	{ HDR "{\"app\":{\"ips\":[{\"type\":\"v5\"}]}}\n", "app.ips[0].type: unknown IP type" },
	{ HDR "{\"app\":{\"secrets\":[{\"digest\":false}]}}\n", "app.secrets[0].digest: expected a string" },
	{ HDR "{\"app\":{\"certs\":[{\"configured\":\"yes\"}]}}\n", "app.certs[0].configured: expected true" },
	{ HDR "{\"app\":{\"tokens\":[{\"id\":5}]}}\n", "app.tokens[0].id: expected a string" },
	{ HDR "{\"app\":{\"loaded\":[\"nope\"]}}\n", "app.loaded[0]: unknown endpoint" },
	{ HDR "{\"app\":{\"loaded\":\"machines\"}}\n", "app.loaded: expected an array" },
	{ HDR "{\"app\":{\"errors\":[{\"endpoint\":1}]}}\n", "app.errors[0].endpoint: expected an endpoint" },
	{ HDR "{\"app\":{\"errors\":[{\"endpoint\":\"machines\",\"status\":\"x\"}]}}\n",
	  "app.errors[0].status: expected an integer" },
	{ HDR "{\"app\":{\"errors\":[{\"endpoint\":\"machines\",\"message\":7}]}}\n",
	  "app.errors[0].message: expected a string" },
	{ HDR "{\"end\":true,\"apps\":5,\"complete\":true}\n", ":2: apps: the closing line does not count" },
	{ HDR "{\"end\":false,\"apps\":0,\"complete\":true}\n", ":2: end: expected true" },
	{ HDR "{\"end\":true,\"apps\":0,\"complete\":\"yes\"}\n", ":2: complete: expected true or false" },
	{ HDR "{\"end\":true,\"apps\":0,\"complete\":true}\n{\"app\":{}}\n",
	  ":3: content after the closing line" },
	{ HDR HDR, ":2: a second header" },
	/* people and access in the header */
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"access\":{\"members\":\"x\",\"load\":{}}}\n",
	  ":1: access.members: expected an array" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"access\":{\"members\":[]}}\n",
	  ":1: access.load: missing" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"access\":{\"members\":[{\"two_factor\":\"no\"}],\"load\":{}}}\n",
	  "access.members[0].two_factor: expected true, false or null" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"access\":{\"load\":{\"members\":{\"loaded\":1}}}}\n",
	  "loaded: expected true or false" },
	{ HDR "{\"apps\":[]}\n", ":2: neither an app nor the closing line" },
	/* a repeated key hides the first value; an escaped NUL cuts a name (issue 15) */
	{ HDR "{\"app\":{\"name\":\"web\",\"name\":\"evil\"}}\n",
	  ":2: malformed JSON (a repeated key, or an escaped NUL in a string)" },
	{ HDR "{\"app\":{\"name\":\"nw-web\\u0000../../evil\"}}\n",
	  ":2: malformed JSON (a repeated key, or an escaped NUL in a string)" },
	{ "{\"schema\":\"flyaudit.inventory/v1\",\"org\":\"a\",\"org\":\"b\"}\n",
	  ":1: malformed JSON (a repeated key, or an escaped NUL in a string)" },
	{ HDR "{\"app\":{}} trailing\n", ":2: not valid JSON" },
	{ HDR "{\"app\":{\"name\":\"a\"}}\n{\"app\":{\"name\":", ":3: line cut short" },
};

static void test_hostile_lines(void **state)
{
	char path[128], err[FA_SNAPSHOT_ERRLEN];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		new_path(path, sizeof(path), "hostile");
		write_file(path, hostile[i].text);
		n = read_all(path, 0, err, sizeof(err), NULL, NULL);
		if (n != -1)
			fail_msg("case %zu: no error (%d apps read)", i, n);
		if (strncmp(err, path, strlen(path)) != 0 || !strstr(err, hostile[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, hostile[i].want);
		assert_null(strchr(err, '\n'));
		assert_null(strstr(err, "hunter2"));
	}
}

/* Odd but valid: nulls everywhere, unknown fields, blank lines, CRLF, no closing line. */
static void test_lenient_lines(void **state)
{
	static const char text[] =
		"{\"schema\":\"flyaudit.inventory/v1\",\"org\":null,\"self\":null,"
		"\"org_tokens\":null,\"future\":{\"x\":[1,2]}}\r\n"
		"\n"
		"{\"app\":{\"name\":\"n\",\"id\":null,\"internal_numeric_id\":null,"
		"\"machine_count\":null,\"volume_count\":7,\"machines\":[{\"id\":\"m\",\"env\":null,"
		"\"services\":[{\"ports\":[{\"force_https\":null,\"handlers\":null}],"
		"\"autostop\":null,\"autostart\":null,\"min_machines_running\":null}],"
		"\"mounts\":[{\"encrypted\":null}],\"surprise\":true}],"
		"\"volumes\":[{\"encrypted\":null,\"snapshot_retention\":null}],"
		"\"ips\":[{\"type\":\"shared_v4\",\"network\":null}],"
		"\"certs\":[{\"configured\":null}],\"loaded\":null,\"errors\":null}}\n";
	char path[128], err[FA_SNAPSHOT_ERRLEN] = "";
	fa_snapshot_reader *r = NULL;
	fa_inventory inv;
	fa_app app;

	(void)state;
	new_path(path, sizeof(path), "lenient");
	write_file(path, text);
	assert_int_equal(fa_snapshot_reader_open(&r, path, &inv, err, sizeof(err)), 0);
	assert_null(inv.org);
	assert_int_equal(inv.self.org_id, -1);
	assert_int_equal(inv.self.read_only, FA_TRI_UNKNOWN);
	assert_int_equal(fa_snapshot_read_app(r, &app, err, sizeof(err)), 1);
	assert_string_equal(app.name, "n");
	assert_null(app.id);
	assert_int_equal(app.internal_numeric_id, -1);
	assert_int_equal(app.machine_count, -1);
	assert_int_equal(app.volume_count, 7);
	assert_int_equal(app.n_machines, 1);
	assert_false(app.machines[0].has_config);
	assert_int_equal(app.machines[0].env.n_vars, 0);
	assert_int_equal(app.machines[0].services[0].ports[0].force_https, FA_TRI_UNKNOWN);
	assert_int_equal(app.machines[0].services[0].ports[0].handlers, 0);
	assert_int_equal(app.machines[0].services[0].autostop, FA_AUTOSTOP_UNSET);
	assert_int_equal(app.machines[0].services[0].autostart, FA_TRI_UNKNOWN);
	assert_int_equal(app.machines[0].services[0].min_machines_running, -1);
	assert_int_equal(app.machines[0].mounts[0].encrypted, FA_TRI_UNKNOWN);
	assert_int_equal(app.volumes[0].encrypted, FA_TRI_UNKNOWN);
	assert_int_equal(app.volumes[0].auto_backup_enabled, FA_TRI_UNKNOWN);
	assert_int_equal(app.volumes[0].snapshot_retention, -1);
	assert_int_equal(app.ips[0].type, FA_IP_SHARED_V4);
	assert_int_equal(app.certs[0].configured, FA_TRI_UNKNOWN);
	assert_int_equal(app.certs[0].has_fly_certificate, FA_TRI_UNKNOWN);
	assert_false(app.load[FA_EP_MACHINES].tried);
	fa_app_release(&app);
	assert_int_equal(fa_snapshot_read_app(r, &app, err, sizeof(err)), 0);
	assert_false(fa_snapshot_reader_closed(r)); /* a partial */
	assert_false(fa_snapshot_reader_complete(r));
	fa_snapshot_reader_close(r);
	fa_inventory_release(&inv);
}

/* Lines past the cap, deep nesting and NUL bytes are refused before cJSON sees them. */
static void test_limits(void **state)
{
	char path[128], err[FA_SNAPSHOT_ERRLEN];
	char *text = NULL;
	size_t n = 300000, i, hl = strlen(HDR);

	(void)state;
	text = malloc(hl + n + 64);
	assert_non_null(text);
	memcpy(text, HDR, hl);
	memcpy(text + hl, "{\"app\":{\"name\":\"", 16);
	memset(text + hl + 16, 'x', n);
	memcpy(text + hl + 16 + n, "\"}}\n", 5);
	new_path(path, sizeof(path), "huge");
	write_file(path, text);
	/* fine under the default cap, refused under a 64 KiB one */
	assert_int_equal(read_all(path, 0, err, sizeof(err), NULL, NULL), 1);
	assert_int_equal(read_all(path, 65536, err, sizeof(err), NULL, NULL), -1);
	assert_non_null(strstr(err, ":2: line too long"));
	/* a huge header line */
	assert_int_equal(read_all(path, 16, err, sizeof(err), NULL, NULL), -1);
	assert_non_null(strstr(err, ":1: line too long"));

	/* 200 levels of nesting */
	memcpy(text, HDR, hl);
	memcpy(text + hl, "{\"app\":", 7);
	for (i = 0; i < 200; i++)
		text[hl + 7 + i] = '[';
	for (i = 0; i < 200; i++)
		text[hl + 207 + i] = ']';
	memcpy(text + hl + 407, "}\n", 3);
	new_path(path, sizeof(path), "deep");
	write_file(path, text);
	assert_int_equal(read_all(path, 0, err, sizeof(err), NULL, NULL), -1);
	assert_non_null(strstr(err, ":2: JSON nested too deep"));
	free(text);

	/* a NUL byte inside a line */
	new_path(path, sizeof(path), "nul");
	{
		static const char withnul[] = HDR "{\"app\":{\"name\":\"a\0b\"}}\n";
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		assert_int_equal(fwrite(withnul, 1, sizeof(withnul) - 1, f), sizeof(withnul) - 1);
		fclose(f);
	}
	assert_int_equal(read_all(path, 0, err, sizeof(err), NULL, NULL), -1);
	assert_non_null(strstr(err, ":2: NUL byte"));

	/* a missing file */
	snprintf(path, sizeof(path), "%s/does-not-exist.jsonl", tmpdir);
	assert_int_equal(read_all(path, 0, err, sizeof(err), NULL, NULL), -1);
	assert_non_null(strstr(err, "cannot read"));
}

/* The checked-in fixtures read as documented. */
static void test_fixtures(void **state)
{
	char err[FA_SNAPSHOT_ERRLEN];
	bool complete = false, closed = false;

	(void)state;
	assert_int_equal(read_all("tests/fixtures/snapshot/complete.jsonl", 0, err, sizeof(err),
				  &complete, &closed),
			 2);
	assert_true(closed);
	assert_true(complete);
	assert_int_equal(read_all("tests/fixtures/snapshot/partial.jsonl", 0, err, sizeof(err),
				  &complete, &closed),
			 1);
	assert_false(closed);
	assert_int_equal(read_all("tests/fixtures/snapshot/cut.jsonl", 0, err, sizeof(err), NULL,
				  NULL),
			 -1);
	assert_non_null(strstr(err, "cut short"));
}

/* ---- setup ---------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fa-snapshot-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e = NULL;
	char path[384];

	(void)state;
	if (!d)
		return -1;
	/* the directory holds only the plain files this test made */
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_empty),
		cmocka_unit_test(test_no_value_key),
		cmocka_unit_test(test_json_views),
		cmocka_unit_test(test_mode_and_rename),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_cut_last_line),
		cmocka_unit_test(test_resume_refuses),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test(test_lenient_lines),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_fixtures),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
