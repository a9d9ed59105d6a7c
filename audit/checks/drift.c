/* checks/drift.c: regions.config_drift, comparing the serving machines of each app and
 * process group on the parts of their config that one fly.toml sets for all of them. */
#include "internal.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- order-insensitive hashing (FNV-1a 64) ------------------------------------------ */

#define H0 1469598103934665603ULL

static uint64_t h_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t h_str(uint64_t h, const char *s)
{
	if (!s)
		return h_bytes(h, "\xff\xfe", 2); /* absent differs from "" */
	return h_bytes(h, s, strlen(s) + 1);
}

static uint64_t h_int(uint64_t h, long long v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)((unsigned long long)v >> (8 * i));
	return h_bytes(h, b, sizeof(b));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Folds a set of element hashes into h, independent of their order. */
static uint64_t h_set(uint64_t h, uint64_t *v, size_t n)
{
	size_t i;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_u64);
	h = h_int(h, (long long)n);
	for (i = 0; i < n; i++)
		h = h_int(h, (long long)v[i]);
	return h;
}

/* Env vars the platform manages (FLY_*) are not drift. */
static bool env_ignored(const char *name)
{
	return name && strncmp(name, "FLY_", 4) == 0;
}

static uint64_t h_env(const fa_env *env, int *err)
{
	uint64_t *v = NULL;
	size_t i, n = 0;
	uint64_t h;

	if (env->n_vars) {
		v = calloc(env->n_vars, sizeof(*v));
		if (!v) {
			*err = -1;
			return 0;
		}
	}
	for (i = 0; i < env->n_vars; i++) {
		const fa_env_var *e = &env->vars[i];

		if (env_ignored(e->name))
			continue;
		v[n++] = h_bytes(h_str(H0, e->name), e->hash, sizeof(e->hash));
	}
	h = h_set(H0, v, n);
	free(v);
	return h;
}

static uint64_t h_checkdef(uint64_t h, const fa_check_def *c)
{
	h = h_str(h, c->name);
	h = h_str(h, c->type);
	h = h_int(h, c->port);
	h = h_str(h, c->path);
	h = h_str(h, c->method);
	h = h_str(h, c->protocol);
	h = h_str(h, c->interval);
	h = h_str(h, c->timeout);
	return h_str(h, c->kind);
}

typedef struct sig {
	uint64_t image, env, procs, containers, services, checks, all;
} sig;

static int sign_machine(const fa_machine *mc, sig *s)
{
	uint64_t *v = NULL;
	size_t i, j, n, cap;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->image = h_str(H0, mc->image);
	s->env = h_env(&mc->env, &err);

	/* processes: user and env, in order (the order is the config's) */
	s->procs = h_int(H0, (long long)mc->n_processes);
	for (i = 0; i < mc->n_processes && !err; i++) {
		s->procs = h_str(s->procs, mc->processes[i].user);
		s->procs = h_int(s->procs, (long long)h_env(&mc->processes[i].env, &err));
	}
	/* containers: name, image, user and env, in order */
	s->containers = h_int(H0, (long long)mc->n_containers);
	for (i = 0; i < mc->n_containers && !err; i++) {
		const fa_container *c = &mc->containers[i];

		s->containers = h_str(s->containers, c->name);
		s->containers = h_str(s->containers, c->image);
		s->containers = h_str(s->containers, c->user);
		s->containers = h_int(s->containers, (long long)h_env(&c->env, &err));
	}

	/* services, each with its ports as a set; the services as a set */
	cap = mc->n_services;
	for (i = 0; i < mc->n_services; i++)
		cap = cap > mc->services[i].n_ports ? cap : mc->services[i].n_ports;
	n = 0;
	for (i = 0; i < mc->n_services; i++)
		n += mc->services[i].n_checks;
	n += mc->n_checks;
	cap = cap > n ? cap : n;
	if (cap) {
		v = calloc(cap + 1, sizeof(*v));
		if (!v)
			return -1;
	}
	{
		uint64_t *sv = NULL;

		if (mc->n_services) {
			sv = calloc(mc->n_services, sizeof(*sv));
			if (!sv) {
				free(v);
				return -1;
			}
		}
		for (i = 0; i < mc->n_services; i++) {
			const fa_service *svc = &mc->services[i];
			uint64_t h = H0;

			h = h_str(h, svc->protocol);
			h = h_int(h, svc->internal_port);
			h = h_int(h, svc->autostop);
			h = h_int(h, svc->autostart);
			h = h_int(h, svc->min_machines_running);
			for (j = 0; j < svc->n_ports; j++) {
				const fa_port *p = &svc->ports[j];
				uint64_t ph = H0;

				ph = h_int(ph, p->port);
				ph = h_int(ph, p->start_port);
				ph = h_int(ph, p->end_port);
				ph = h_int(ph, p->handlers);
				ph = h_int(ph, p->force_https);
				ph = h_int(ph, p->tls_versions);
				v[j] = ph;
			}
			sv[i] = h_set(h, v, svc->n_ports);
		}
		s->services = h_set(H0, sv, mc->n_services);
		free(sv);
	}
	/* service checks (tagged with their service's port) and machine checks, as a set */
	n = 0;
	for (i = 0; i < mc->n_services; i++)
		for (j = 0; j < mc->services[i].n_checks; j++)
			v[n++] = h_checkdef(h_int(H0, mc->services[i].internal_port),
					    &mc->services[i].checks[j]);
	for (i = 0; i < mc->n_checks; i++)
		v[n++] = h_checkdef(h_str(H0, "machine"), &mc->checks[i]);
	s->checks = h_set(H0, v, n);
	free(v);
	if (err)
		return -1;
	s->all = h_int(h_int(h_int(h_int(h_int(H0, (long long)s->image), (long long)s->env),
				   (long long)s->procs),
			     (long long)s->services),
		       (long long)s->checks);
	s->all = h_int(s->all, (long long)s->containers);
	return 0;
}

/* ---- describing a difference ----------------------------------------------------------- */

static const fa_env_var *env_find(const fa_env *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->n_vars; i++)
		if (env->vars[i].name && name && strcmp(env->vars[i].name, name) == 0)
			return &env->vars[i];
	return NULL;
}

static void describe_env(fa_msg *m, const fa_env *ref, const fa_env *e)
{
	size_t i, k = 0;

	fa_msg_add(m, "env ");
	for (i = 0; i < ref->n_vars; i++) {
		const fa_env_var *a = &ref->vars[i];
		const fa_env_var *b;

		if (env_ignored(a->name))
			continue;
		b = env_find(e, a->name);
		if (!b)
			fa_msg_addf(m, "%s%s (missing)", k++ ? ", " : "", a->name ? a->name : "?");
		else if (memcmp(a->hash, b->hash, sizeof(a->hash)) != 0)
			fa_msg_addf(m, "%s%s (value)", k++ ? ", " : "", a->name ? a->name : "?");
	}
	for (i = 0; i < e->n_vars; i++) {
		const fa_env_var *b = &e->vars[i];

		if (env_ignored(b->name) || env_find(ref, b->name))
			continue;
		fa_msg_addf(m, "%s%s (extra)", k++ ? ", " : "", b->name ? b->name : "?");
	}
}

static void describe(fa_msg *m, const fa_machine *ref, const sig *rs, const fa_machine *mc,
		     const sig *ms)
{
	size_t k = 0;

	fa_msg_addf(m, "%s", mc->id ? mc->id : "?");
	if (mc->region)
		fa_msg_addf(m, " (%s)", mc->region);
	fa_msg_add(m, ": ");
	if (rs->image != ms->image) {
		fa_msg_addf(m, "image %s", mc->image ? mc->image : "(none)");
		k++;
	}
	if (rs->env != ms->env) {
		if (k++)
			fa_msg_add(m, ", ");
		describe_env(m, &ref->env, &mc->env);
	}
	if (rs->procs != ms->procs) {
		if (k++)
			fa_msg_add(m, ", ");
		fa_msg_add(m, "processes");
	}
	if (rs->containers != ms->containers) {
		if (k++)
			fa_msg_add(m, ", ");
		fa_msg_add(m, "containers");
	}
	if (rs->services != ms->services) {
		if (k++)
			fa_msg_add(m, ", ");
		fa_msg_add(m, "services");
	}
	if (rs->checks != ms->checks) {
		if (k++)
			fa_msg_add(m, ", ");
		fa_msg_add(m, "checks");
	}
}

/* ---- the check ------------------------------------------------------------------------- */

/* The machines drift compares: those that serve (started, or stopped/suspended with a
 * service that autostarts), never a one-shot release_command machine. Only machines of
 * one group are ever compared (a machine without group metadata is group "(none)"). */
static bool is_started(const fa_machine *mc)
{
	return fa_machine_serves(mc) && !mc->release_command;
}

static bool cfg_ok(const fa_machine *mc)
{
	return mc->has_config && !mc->malformed;
}

static bool same_group(const fa_machine *a, const fa_machine *b)
{
	const char *ga = fa_machine_group(a), *gb = fa_machine_group(b);

	return ga && gb && strcmp(ga, gb) == 0;
}

static int id_cmp(const fa_machine *a, const fa_machine *b)
{
	return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

/* Lists the serving machines of the group of machines[first] without a config, in id
 * order (a stable message whatever the list order). */
static void add_missing(fa_msg *miss, const fa_app *app, size_t first)
{
	const fa_machine *last = NULL;
	size_t i, k = 0;

	for (;;) {
		const fa_machine *pick = NULL;

		for (i = first; i < app->n_machines; i++) {
			const fa_machine *mc = &app->machines[i];

			if (!is_started(mc) || cfg_ok(mc) || !same_group(mc, &app->machines[first]))
				continue;
			if (last && id_cmp(mc, last) <= 0)
				continue;
			if (!pick || id_cmp(mc, pick) < 0)
				pick = mc;
		}
		if (!pick)
			return;
		fa_msg_addf(miss, "%s%s", k++ ? ", " : "", pick->id ? pick->id : "?");
		last = pick;
	}
}

/* Compares the serving machines of the group of machines[first]; `partial` when the
 * machine list is incomplete (a pass is then not given). */
static int drift_group(fa_run *r, size_t first, bool partial)
{
	const fa_app *app = r->app;
	const char *group = fa_machine_group(&app->machines[first]);
	size_t *idx = NULL;
	sig *sigs = NULL;
	size_t i, j, n = 0, nocfg = 0, ref = 0, best = 0, ndiff = 0, last = 0;
	char rid[512];
	fa_msg m, miss;
	int k;

	k = snprintf(rid, sizeof(rid), "%s/%s", app->name ? app->name : "?", group ? group : "(none)");
	if (k < 0 || (size_t)k >= sizeof(rid))
		rid[sizeof(rid) - 1] = '\0';
	idx = calloc(app->n_machines, sizeof(*idx));
	sigs = calloc(app->n_machines, sizeof(*sigs));
	if (!idx || !sigs) {
		r->err = -1;
		goto cleanup;
	}
	fa_msg_init(&miss);
	for (i = first; i < app->n_machines; i++) {
		const fa_machine *mc = &app->machines[i];

		if (!is_started(mc) || !same_group(mc, &app->machines[first]))
			continue;
		if (!cfg_ok(mc)) {
			nocfg++;
			continue;
		}
		if (sign_machine(mc, &sigs[n]) < 0) {
			r->err = -1;
			goto cleanup;
		}
		idx[n++] = i;
	}
	add_missing(&miss, app, first);
	fa_msg_init(&m);
	if (n < 2) {
		if (nocfg > 0) {
			fa_msg_addf(&m, "%zu serving machine(s) with a readable config; config not "
				    "available for %s", n, fa_msg_str(&miss));
			fa_chk_emit(r, FA_CK_CONFIG_DRIFT, FA_STATUS_UNKNOWN, "process_group", rid, NULL,
				    NULL, fa_msg_str(&m));
		} else if (n == 1 && !partial) {
			fa_msg_addf(&m, "only one serving machine (%s): nothing to compare",
				    app->machines[idx[0]].id ? app->machines[idx[0]].id : "?");
			fa_chk_emit(r, FA_CK_CONFIG_DRIFT, FA_STATUS_PASS, "process_group", rid, NULL, NULL,
				    fa_msg_str(&m));
		}
		goto cleanup;
	}
	/* the reference: the most common signature, ties to the smallest machine id */
	for (i = 0; i < n; i++) {
		size_t count = 0;

		for (j = 0; j < n; j++)
			count += sigs[j].all == sigs[i].all;
		if (count > best || (count == best &&
				     id_cmp(&app->machines[idx[i]], &app->machines[idx[ref]]) < 0)) {
			best = count;
			ref = i;
		}
	}
	ndiff = n - best;
	if (ndiff > 0) {
		const fa_machine *rm = &app->machines[idx[ref]];
		size_t shown = 0;

		fa_msg_addf(&m, "%zu of %zu serving machines differ from %s (the most common config): ",
			    ndiff, n, rm->id ? rm->id : "?");
		/* list the differing machines in id order for a stable message */
		for (;;) {
			size_t pick = n;

			for (i = 0; i < n; i++) {
				if (sigs[i].all == sigs[ref].all)
					continue;
				if (shown > 0 && id_cmp(&app->machines[idx[i]], &app->machines[idx[last]]) <= 0)
					continue;
				if (pick == n || id_cmp(&app->machines[idx[i]], &app->machines[idx[pick]]) < 0)
					pick = i;
			}
			if (pick == n)
				break;
			if (shown++)
				fa_msg_add(&m, "; ");
			describe(&m, rm, &sigs[ref], &app->machines[idx[pick]], &sigs[pick]);
			last = pick;
		}
		if (nocfg > 0)
			fa_msg_addf(&m, "; config not available for %s", fa_msg_str(&miss));
		fa_chk_emit(r, FA_CK_CONFIG_DRIFT, FA_STATUS_FAIL, "process_group", rid, NULL, NULL,
			    fa_msg_str(&m));
	} else if (nocfg > 0) {
		fa_msg_addf(&m, "%zu serving machines agree, but config not available for %s", n,
			    fa_msg_str(&miss));
		fa_chk_emit(r, FA_CK_CONFIG_DRIFT, FA_STATUS_UNKNOWN, "process_group", rid, NULL, NULL,
			    fa_msg_str(&m));
	} else if (!partial) {
		fa_msg_addf(&m, "%zu serving machines share image, env, processes, containers, "
			    "services and checks", n);
		fa_chk_emit(r, FA_CK_CONFIG_DRIFT, FA_STATUS_PASS, "process_group", rid, NULL, NULL,
			    fa_msg_str(&m));
	}
cleanup:
	free(idx);
	free(sigs);
	return r->err;
}

int fa_chk_drift(fa_run *r)
{
	const fa_app *app = r->app;
	bool partial = !fa_chk_loaded(app, FA_EP_MACHINES);
	size_t i, j;

	if (partial)
		fa_chk_emit_load_unknown(r, FA_CK_CONFIG_DRIFT, FA_EP_MACHINES);
	for (i = 0; i < app->n_machines && !r->err; i++) {
		const fa_machine *mc = &app->machines[i];
		bool seen = false;

		if (!is_started(mc))
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = is_started(&app->machines[j]) && same_group(&app->machines[j], mc);
		if (!seen)
			drift_group(r, i, partial);
	}
	return r->err;
}
