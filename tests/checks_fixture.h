/* checks_fixture.h: building inventory fixtures in C for the check tests
 * (tests/test_checks*.c). Everything is malloc'ed the way the decoder does it, so
 * fa_app_release() frees it. Include after <cmocka.h>. */
#ifndef FLYAUDIT_TEST_CHECKS_FIXTURE_H
#define FLYAUDIT_TEST_CHECKS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/audit.h"
#include "flyaudit/model.h"
#include "../audit/checks/internal.h"

static inline char *fx_str(const char *s)
{
	char *p = NULL;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	p = malloc(n);
	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

/* Grows arr (of *n elements of size sz) by one zeroed element; returns the new array. */
static inline void *fx_push(void *arr, size_t *n, size_t sz)
{
	char *p = realloc(arr, (*n + 1) * sz);

	assert_non_null(p);
	memset(p + *n * sz, 0, sz);
	(*n)++;
	return p;
}
/* Appends to an array member and gives a pointer to the new element. */
#define FX_PUSH(arr, n) ((arr) = fx_push((arr), &(n), sizeof(*(arr))), &(arr)[(n) - 1])

/* 2026-01-01T00:00:00Z */
#define FX_NOW ((time_t)1767225600)

static inline fa_audit_ctx fx_ctx(const fa_self *self)
{
	fa_audit_ctx c;

	memset(&c, 0, sizeof(c));
	c.org = "acme";
	c.now = FX_NOW;
	c.self = self;
	c.probe = false;
	return c;
}

static inline void fx_app(fa_app *a, const char *name)
{
	int ep;

	fa_app_init(a);
	a->name = fx_str(name);
	a->org_slug = fx_str("acme");
	for (ep = 0; ep < FA_EP_COUNT; ep++)
		if (ep != FA_EP_IMAGES) /* images: asked for only by the image tests */
			fa_load_ok(&a->load[ep]);
}

static inline void fx_fail_load(fa_app *a, fa_endpoint ep, int status, const char *msg)
{
	a->load[ep].tried = true;
	assert_int_equal(fa_load_fail(&a->load[ep], status, msg), 0);
}

static inline fa_env_var *fx_env(fa_env *e, const char *name, uint32_t det, unsigned char hash)
{
	fa_env_var *v = FX_PUSH(e->vars, e->n_vars);

	v->name = fx_str(name);
	v->value_len = 12;
	v->detectors = det;
	memset(v->hash, hash, sizeof(v->hash));
	return v;
}

static inline fa_service *fx_service(fa_machine *m, const char *proto, int internal)
{
	fa_service *s = FX_PUSH(m->services, m->n_services);

	s->protocol = fx_str(proto);
	s->internal_port = internal;
	s->autostop = FA_AUTOSTOP_STOP;
	s->autostart = FA_TRI_TRUE;
	s->min_machines_running = -1;
	return s;
}

static inline fa_port *fx_port(fa_service *s, int port, uint32_t handlers, fa_tri force)
{
	fa_port *p = FX_PUSH(s->ports, s->n_ports);

	p->port = port;
	p->handlers = handlers;
	p->force_https = force;
	return p;
}

static inline fa_check_def *fx_svc_check(fa_service *s, const char *type, int port)
{
	fa_check_def *c = FX_PUSH(s->checks, s->n_checks);

	c->type = fx_str(type);
	c->port = port;
	c->interval = fx_str("15s");
	c->timeout = fx_str("2s");
	if (strcmp(type, "http") == 0)
		c->path = fx_str("/health");
	return c;
}

static inline fa_check_def *fx_machine_check(fa_machine *m, const char *name, const char *type)
{
	fa_check_def *c = FX_PUSH(m->checks, m->n_checks);

	c->name = fx_str(name);
	c->type = fx_str(type);
	c->port = 8080;
	c->kind = fx_str("informational");
	return c;
}

static inline fa_check_status *fx_status(fa_machine *m, const char *name, const char *status)
{
	fa_check_status *c = FX_PUSH(m->check_status, m->n_check_status);

	c->name = fx_str(name);
	c->status = fx_str(status);
	c->updated_at = fx_str("2025-12-31T23:00:00Z");
	return c;
}

static inline fa_process *fx_process(fa_machine *m, const char *user)
{
	fa_process *p = FX_PUSH(m->processes, m->n_processes);

	p->user = fx_str(user);
	return p;
}

/* A bare machine: config present, nothing in it. */
static inline fa_machine *fx_machine_bare(fa_app *a, const char *id, const char *state)
{
	fa_machine *m = FX_PUSH(a->machines, a->n_machines);

	m->id = fx_str(id);
	m->name = fx_str("fixture-machine");
	m->state = fx_str(state);
	m->region = fx_str("iad");
	m->host_status = fx_str("ok");
	m->has_config = true;
	m->image = fx_str("registry.fly.io/web:deployment-01J5Z6X0ABCDEF");
	m->process_group = fx_str("app");
	return m;
}

/* A machine that passes every check: public HTTP service on 80 (force_https) and 443
 * (tls, TLS 1.2/1.3), autostop, a service check, a named non-root user, a passing check. */
static inline fa_machine *fx_machine(fa_app *a, const char *id, const char *state)
{
	fa_machine *m = fx_machine_bare(a, id, state);
	fa_service *s;
	fa_port *p;

	fx_env(&m->env, "PRIMARY_REGION", 0, 0x11);
	fx_env(&m->env, "FLY_PROCESS_GROUP", 0, 0x12);
	fx_env(&m->env, "LOG_LEVEL", 0, 0x13);
	s = fx_service(m, "tcp", 8080);
	fx_port(s, 80, FA_HANDLER_HTTP, FA_TRI_TRUE);
	p = fx_port(s, 443, FA_HANDLER_TLS | FA_HANDLER_HTTP, FA_TRI_UNKNOWN);
	p->tls_versions = FA_TLSV_1_2 | FA_TLSV_1_3;
	fx_svc_check(s, "http", 8080);
	fx_process(m, "app");
	fx_status(m, "servicecheck-00-http-8080", "passing");
	return m;
}

static inline fa_volume *fx_volume(fa_app *a, const char *id, fa_tri enc, fa_tri backup)
{
	fa_volume *v = FX_PUSH(a->volumes, a->n_volumes);

	v->id = fx_str(id);
	v->name = fx_str("data");
	v->state = fx_str("created");
	v->region = fx_str("iad");
	v->snapshot_retention = 5;
	v->encrypted = enc;
	v->auto_backup_enabled = backup;
	return v;
}

static inline fa_ip *fx_ip(fa_app *a, const char *addr, fa_ip_type t)
{
	fa_ip *ip = FX_PUSH(a->ips, a->n_ips);

	ip->address = fx_str(addr);
	ip->type = t;
	ip->region = fx_str("global");
	return ip;
}

static inline void fx_secret(fa_app *a, const char *name)
{
	fa_secret *s = FX_PUSH(a->secrets, a->n_secrets);

	s->name = fx_str(name);
	s->digest = fx_str("a1b2c3");
}

static inline fa_cert *fx_cert(fa_app *a, const char *host, const char *status, fa_tri conf)
{
	fa_cert *c = FX_PUSH(a->certs, a->n_certs);

	c->hostname = fx_str(host);
	c->status = fx_str(status);
	c->configured = conf;
	c->has_custom_certificate = FA_TRI_FALSE;
	c->has_fly_certificate = FA_TRI_TRUE;
	c->acme_dns_configured = FA_TRI_TRUE;
	c->acme_alpn_configured = FA_TRI_TRUE;
	c->acme_http_configured = FA_TRI_TRUE;
	return c;
}

static inline fa_token *fx_token(fa_token **arr, size_t *n, const char *id, const char *expires,
				 const char *revoked)
{
	fa_token *t;

	*arr = fx_push(*arr, n, sizeof(fa_token));
	t = &(*arr)[*n - 1];

	t->id = fx_str(id);
	t->name = fx_str("ci token");
	t->created_at = fx_str("2025-01-01T00:00:00Z");
	t->expires_at = fx_str(expires);
	t->revoked_at = fx_str(revoked);
	t->profile = fx_str("deploy");
	return t;
}

/* ---- looking at results ----------------------------------------------------------------- */

static inline size_t fx_count(const fa_results *rs, const char *check)
{
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->items[i].check->id, check) == 0)
			n++;
	return n;
}

/* The single result of `check` on resource `id`; fails the test when there is not
 * exactly one. */
static inline const fa_result *fx_get(const fa_results *rs, const char *check, const char *id)
{
	const fa_result *found = NULL;
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++) {
		const fa_result *r = &rs->items[i];

		if (strcmp(r->check->id, check) == 0 && r->resource_id && strcmp(r->resource_id, id) == 0) {
			found = r;
			n++;
		}
	}
	if (n != 1)
		fail_msg("%zu results for %s on %s (want 1)", n, check, id);
	return found;
}

static inline void fx_expect(const fa_results *rs, const char *check, const char *id,
			     fa_status st, const char *needle)
{
	const fa_result *r = fx_get(rs, check, id);

	if (r->status != st)
		fail_msg("%s on %s: status %s, want %s (message: %s)", check, id,
			 fa_status_name(r->status), fa_status_name(st), r->message ? r->message : "");
	if (needle && (!r->message || !strstr(r->message, needle)))
		fail_msg("%s on %s: message \"%s\" lacks \"%s\"", check, id,
			 r->message ? r->message : "", needle);
}

/* Runs fa_audit_app on one app and returns 0; results go to rs (initialised here). */
static inline void fx_run(const fa_app *a, const fa_self *self, fa_results *rs)
{
	fa_audit_ctx c = fx_ctx(self);

	fa_results_init(rs);
	assert_int_equal(fa_audit_app(&c, a, rs), 0);
}

#endif
