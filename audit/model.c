/* model.c: lifecycle of the inventory model (model.h) and the small helpers the
 * decoders and checks share. */
#include "flyaudit/model.h"

#include <stdlib.h>
#include <string.h>

static const char *const endpoint_names[FA_EP_COUNT] = {
	"app", "machines", "volumes", "secrets", "ip_assignments", "certificates", "tokens",
	"images",
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
	FREE_ARRAY(app->images, app->n_images, fa_image_release);
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

void fa_image_release(fa_image *img)
{
	size_t i;

	if (!img)
		return;
	free(img->digest);
	free(img->ref);
	free(img->registry);
	free(img->repository);
	free(img->manifest_digest);
	free(img->config_digest);
	free(img->created);
	free(img->user);
	fa_env_release(&img->env);
	free(img->label_source);
	free(img->label_revision);
	free(img->label_version);
	for (i = 0; i < img->n_exposed_ports; i++)
		free(img->exposed_ports[i]);
	free(img->exposed_ports);
	free(img->history);
	fa_load_release(&img->load);
	free(img->layers_note);
	for (i = 0; i < img->n_files; i++) {
		free(img->files[i].path);
		free(img->files[i].layer);
	}
	free(img->files);
	memset(img, 0, sizeof(*img));
}

static int copy_s(char **out, const char *s)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -1;
}

int fa_image_copy(fa_image *out, const fa_image *src)
{
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	rc |= copy_s(&out->digest, src->digest);
	rc |= copy_s(&out->ref, src->ref);
	rc |= copy_s(&out->registry, src->registry);
	rc |= copy_s(&out->repository, src->repository);
	rc |= copy_s(&out->manifest_digest, src->manifest_digest);
	rc |= copy_s(&out->config_digest, src->config_digest);
	rc |= copy_s(&out->created, src->created);
	rc |= copy_s(&out->user, src->user);
	rc |= copy_s(&out->label_source, src->label_source);
	rc |= copy_s(&out->label_revision, src->label_revision);
	rc |= copy_s(&out->label_version, src->label_version);
	if (!rc && src->env.n_vars) {
		out->env.vars = calloc(src->env.n_vars, sizeof(*out->env.vars));
		for (i = 0; out->env.vars && i < src->env.n_vars; i++) {
			out->env.vars[i] = src->env.vars[i];
			out->env.vars[i].name = NULL;
			out->env.n_vars++;
			rc |= copy_s(&out->env.vars[i].name, src->env.vars[i].name);
		}
		if (!out->env.vars)
			rc = -1;
	}
	if (!rc && src->n_exposed_ports) {
		out->exposed_ports = calloc(src->n_exposed_ports, sizeof(char *));
		for (i = 0; out->exposed_ports && i < src->n_exposed_ports; i++) {
			out->n_exposed_ports++;
			rc |= copy_s(&out->exposed_ports[i], src->exposed_ports[i]);
		}
		if (!out->exposed_ports)
			rc = -1;
	}
	if (!rc && src->n_history) {
		out->history = malloc(src->n_history * sizeof(*out->history));
		if (out->history) {
			memcpy(out->history, src->history, src->n_history * sizeof(*out->history));
			out->n_history = src->n_history;
		} else {
			rc = -1;
		}
	}
	out->n_layers = src->n_layers;
	out->layers_size = src->layers_size;
	out->load.loaded = src->load.loaded;
	out->load.tried = src->load.tried;
	out->load.status = src->load.status;
	if (!rc)
		rc = copy_s(&out->load.message, src->load.message);
	out->layers_tried = src->layers_tried;
	out->layers_complete = src->layers_complete;
	out->n_files_more = src->n_files_more;
	out->files_sniffed = src->files_sniffed;
	out->layers_read_bytes = src->layers_read_bytes;
	out->layers_unpacked = src->layers_unpacked;
	if (!rc)
		rc = copy_s(&out->layers_note, src->layers_note);
	if (!rc && src->n_files) {
		out->files = calloc(src->n_files, sizeof(*out->files));
		for (i = 0; out->files && i < src->n_files; i++) {
			out->files[i] = src->files[i];
			out->files[i].path = out->files[i].layer = NULL;
			out->n_files++;
			rc |= copy_s(&out->files[i].path, src->files[i].path);
			rc |= copy_s(&out->files[i].layer, src->files[i].layer);
		}
		if (!out->files)
			rc = -1;
	}
	if (rc) {
		fa_image_release(out);
		return -1;
	}
	return 0;
}

const fa_image *fa_app_machine_image(const fa_app *app, const fa_machine *m)
{
	size_t i;

	if (!app || !m)
		return NULL;
	for (i = 0; i < app->n_images; i++) {
		const fa_image *img = &app->images[i];

		if (m->image_digest && img->digest && strcmp(m->image_digest, img->digest) == 0)
			return img;
		if (!m->image_digest && m->image && img->digest && strcmp(m->image, img->digest) == 0)
			return img;
	}
	return NULL;
}

const fa_image *fa_app_image_by_ref(const fa_app *app, const char *ref)
{
	size_t i;

	if (!app || !ref)
		return NULL;
	const fa_image *found = NULL;

	/* a loaded one first, then the one with the smallest digest key: the same answer
	 * whatever order the registry's answers came in */
	for (i = 0; i < app->n_images; i++) {
		const fa_image *img = &app->images[i];

		if (!img->ref || strcmp(img->ref, ref) != 0)
			continue;
		if (!found || (img->load.loaded && !found->load.loaded) ||
		    (img->load.loaded == found->load.loaded && img->digest && found->digest &&
		     strcmp(img->digest, found->digest) < 0))
			found = img;
	}
	return found;
}
