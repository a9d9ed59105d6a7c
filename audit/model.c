/* model.c: lifecycle of the inventory model (model.h) and the small helpers the
 * decoders and checks share. */
#include "flyaudit/model.h"

#include <stdlib.h>
#include <string.h>

static const char *const endpoint_names[FA_EP_COUNT] = {
	"app", "machines", "volumes", "secrets", "ip_assignments", "certificates", "tokens",
};

const char *fa_endpoint_name(fa_endpoint ep)
{
	if ((int)ep < 0 || ep >= FA_EP_COUNT)
		return "unknown";
	return endpoint_names[ep];
}

int fa_endpoint_from_name(const char *name)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < FA_EP_COUNT; i++)
		if (strcmp(endpoint_names[i], name) == 0)
			return i;
	return -1;
}

void fa_env_release(fa_env *env)
{
	size_t i;

	if (!env)
		return;
	for (i = 0; i < env->n_vars; i++)
		free(env->vars[i].name);
	free(env->vars);
	env->vars = NULL;
	env->n_vars = 0;
}

static void check_def_release(fa_check_def *c)
{
	free(c->name);
	free(c->type);
	free(c->path);
	free(c->method);
	free(c->protocol);
	free(c->interval);
	free(c->timeout);
	free(c->kind);
}

static void check_defs_free(fa_check_def *cs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_def_release(&cs[i]);
	free(cs);
}

void fa_cred_scan_release(fa_cred_scan *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_hits; i++)
		free(c->hits[i].where);
	free(c->hits);
	memset(c, 0, sizeof(*c));
}

void fa_container_release(fa_container *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->image);
	free(c->user);
	fa_env_release(&c->env);
	fa_cred_scan_release(&c->creds);
	memset(c, 0, sizeof(*c));
}

static void port_release(fa_port *p)
{
	size_t i;

	for (i = 0; i < p->n_resp_headers; i++) {
		free(p->resp_headers[i].name);
		free(p->resp_headers[i].value);
	}
	free(p->resp_headers);
}

void fa_machine_release(fa_machine *m)
{
	size_t i;

	if (!m)
		return;
	free(m->id);
	free(m->name);
	free(m->state);
	free(m->region);
	free(m->instance_id);
	free(m->private_ip);
	free(m->host_status);
	free(m->created_at);
	free(m->updated_at);
	free(m->image_digest);
	free(m->image);
	free(m->process_group);
	free(m->malformed);
	free(m->init_user);
	fa_env_release(&m->env);
	for (i = 0; i < m->n_services; i++) {
		size_t j;

		free(m->services[i].protocol);
		for (j = 0; j < m->services[i].n_ports; j++)
			port_release(&m->services[i].ports[j]);
		free(m->services[i].ports);
		check_defs_free(m->services[i].checks, m->services[i].n_checks);
	}
	free(m->services);
	check_defs_free(m->checks, m->n_checks);
	for (i = 0; i < m->n_processes; i++) {
		free(m->processes[i].user);
		fa_env_release(&m->processes[i].env);
	}
	free(m->processes);
	for (i = 0; i < m->n_mounts; i++) {
		free(m->mounts[i].volume);
		free(m->mounts[i].path);
		free(m->mounts[i].name);
	}
	free(m->mounts);
	for (i = 0; i < m->n_containers; i++)
		fa_container_release(&m->containers[i]);
	free(m->containers);
	fa_cred_scan_release(&m->creds);
	for (i = 0; i < m->n_check_status; i++) {
		free(m->check_status[i].name);
		free(m->check_status[i].status);
		free(m->check_status[i].updated_at);
	}
	free(m->check_status);
	memset(m, 0, sizeof(*m));
}

void fa_volume_release(fa_volume *v)
{
	if (!v)
		return;
	free(v->id);
	free(v->name);
	free(v->state);
	free(v->region);
	free(v->zone);
	free(v->attached_machine_id);
	free(v->created_at);
	free(v->type);
	memset(v, 0, sizeof(*v));
}

void fa_ip_release(fa_ip *ip)
{
	if (!ip)
		return;
	free(ip->address);
	free(ip->region);
	free(ip->service_name);
	free(ip->network);
	free(ip->network_org);
	free(ip->created_at);
	memset(ip, 0, sizeof(*ip));
}

void fa_secret_release(fa_secret *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->digest);
	free(s->created_at);
	free(s->updated_at);
	memset(s, 0, sizeof(*s));
}

void fa_cert_release(fa_cert *c)
{
	if (!c)
		return;
	free(c->hostname);
	free(c->status);
	free(c->dns_provider);
	free(c->created_at);
	free(c->updated_at);
	memset(c, 0, sizeof(*c));
}

void fa_token_release(fa_token *t)
{
	if (!t)
		return;
	free(t->id);
	free(t->name);
	free(t->created_at);
	free(t->expires_at);
	free(t->revoked_at);
	free(t->profile);
	free(t->user_email);
	free(t->revoked_by);
	free(t->app);
	memset(t, 0, sizeof(*t));
}

void fa_load_release(fa_load *l)
{
	if (!l)
		return;
	free(l->message);
	l->message = NULL;
}

int fa_load_fail(fa_load *l, int status, const char *message)
{
	char *copy = NULL;
	size_t i, n;

	if (!message)
		message = "failed";
	n = strlen(message);
	if (n > 300)
		n = 300;
	copy = malloc(n + 1);
	if (!copy)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)message[i];

		copy[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	copy[n] = '\0';
	free(l->message);
	l->message = copy;
	l->loaded = false;
	l->tried = true;
	l->status = status;
	return 0;
}

void fa_load_ok(fa_load *l)
{
	free(l->message);
	l->message = NULL;
	l->loaded = true;
	l->tried = true;
}

bool fa_load_failed(const fa_load *l)
{
	return l->tried && !l->loaded;
}

bool fa_app_complete(const fa_app *app)
{
	int ep;

	for (ep = 0; ep < FA_EP_COUNT; ep++)
		if (fa_load_failed(&app->load[ep]))
			return false;
	return true;
}

#define FREE_ARRAY(arr, n, release)                  \
	do {                                         \
		size_t i_;                           \
		for (i_ = 0; i_ < (n); i_++)         \
			release(&(arr)[i_]);         \
		free(arr);                           \
		(arr) = NULL;                        \
		(n) = 0;                             \
	} while (0)

void fa_app_init(fa_app *app)
{
	memset(app, 0, sizeof(*app));
	app->internal_numeric_id = -1;
	app->machine_count = -1;
	app->volume_count = -1;
}

void fa_app_release(fa_app *app)
{
	int ep;

	if (!app)
		return;
	free(app->id);
	free(app->name);
	free(app->status);
	free(app->network);
	free(app->org_slug);
	FREE_ARRAY(app->machines, app->n_machines, fa_machine_release);
	FREE_ARRAY(app->volumes, app->n_volumes, fa_volume_release);
	FREE_ARRAY(app->ips, app->n_ips, fa_ip_release);
	FREE_ARRAY(app->secrets, app->n_secrets, fa_secret_release);
	FREE_ARRAY(app->certs, app->n_certs, fa_cert_release);
	FREE_ARRAY(app->tokens, app->n_tokens, fa_token_release);
	for (ep = 0; ep < FA_EP_COUNT; ep++)
		fa_load_release(&app->load[ep]);
	fa_app_init(app);
}

void fa_self_release(fa_self *self)
{
	if (!self)
		return;
	free(self->error);
	memset(self, 0, sizeof(*self));
	self->org_id = -1;
}

void fa_inventory_release(fa_inventory *inv)
{
	if (!inv)
		return;
	free(inv->org);
	free(inv->collected_at);
	free(inv->source);
	fa_self_release(&inv->self);
	FREE_ARRAY(inv->org_tokens, inv->n_org_tokens, fa_token_release);
	fa_load_release(&inv->org_tokens_load);
	fa_load_release(&inv->apps_load);
	fa_access_release(&inv->access);
	memset(inv, 0, sizeof(*inv));
	inv->self.org_id = -1;
}

const char *fa_ip_type_name(fa_ip_type t)
{
	switch (t) {
	case FA_IP_V4: return "v4";
	case FA_IP_V6: return "v6";
	case FA_IP_SHARED_V4: return "shared_v4";
	case FA_IP_PRIVATE_V6: return "private_v6";
	case FA_IP_EGRESS_V4: return "egress_v4";
	case FA_IP_EGRESS_V6: return "egress_v6";
	}
	return "unknown";
}

bool fa_ip_is_public(fa_ip_type t)
{
	return t == FA_IP_V4 || t == FA_IP_V6 || t == FA_IP_SHARED_V4;
}

const char *fa_machine_group(const fa_machine *m)
{
	return (m && m->process_group && m->process_group[0]) ? m->process_group : "(none)";
}

bool fa_machine_audited(const fa_machine *m)
{
	if (!m)
		return false;
	/* no state or an unknown one: audited (fail closed); only a machine that is gone or
	 * on its way out is skipped: destroying, and the terminal states of Fly's docs */
	return !m->state || (strcmp(m->state, "destroyed") != 0 &&
			     strcmp(m->state, "destroying") != 0 &&
			     strcmp(m->state, "replaced") != 0 && strcmp(m->state, "migrated") != 0);
}

bool fa_machine_serves(const fa_machine *m)
{
	size_t i;

	if (!m || !m->state)
		return false;
	if (strcmp(m->state, "started") == 0)
		return true;
	if (strcmp(m->state, "stopped") != 0 && strcmp(m->state, "suspended") != 0)
		return false;
	for (i = 0; i < m->n_services; i++)
		if (m->services[i].autostart != FA_TRI_FALSE)
			return true; /* autostart is Fly's default */
	return false;
}
