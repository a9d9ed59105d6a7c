/* checks/machine.c: the checks that look at one machine's config and state, plus the
 * app-level network checks that need the whole machine list (public IPs, allowlist). */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "flyaudit/secrets.h"

/* ---- helpers ------------------------------------------------------------------------ */

static bool port_includes(const fa_port *p, int x)
{
	if (p->port > 0)
		return p->port == x;
	return p->start_port > 0 && p->end_port >= p->start_port && x >= p->start_port &&
	       x <= p->end_port;
}

static void add_port_label(fa_msg *m, const fa_port *p)
{
	if (p->port > 0)
		fa_msg_addf(m, "port %d", p->port);
	else if (p->start_port > 0)
		fa_msg_addf(m, "ports %d-%d", p->start_port, p->end_port);
	else
		fa_msg_add(m, "port (no number)"); /* "public port (no number) serves ..." */
}

static void sep(fa_msg *m, size_t *count)
{
	if (*count > 0)
		fa_msg_add(m, "; ");
	(*count)++;
}

static void add_no_config(fa_msg *m, const fa_machine *mc)
{
	if (mc->has_config && mc->malformed) {
		fa_msg_addf(m, "machine config field %s is malformed (wrong JSON type or out of "
			    "range); the check cannot be evaluated", mc->malformed);
		return;
	}
	fa_msg_add(m, "machine config is not available");
	if (mc->host_status)
		fa_msg_addf(m, " (host_status %s)", mc->host_status);
	fa_msg_add(m, "; the check cannot be evaluated");
}

/* The config was read whole: present, and no field of the wrong type. */
static bool config_ok(const fa_machine *mc)
{
	return mc->has_config && !mc->malformed;
}

static int emit_no_config(fa_run *r, int idx, const fa_machine *mc)
{
	fa_msg m;

	fa_msg_init(&m);
	add_no_config(&m, mc);
	return fa_chk_emit_machine(r, idx, FA_STATUS_UNKNOWN, mc, fa_msg_str(&m));
}

static bool machine_has_public_service(const fa_machine *mc)
{
	size_t i;

	for (i = 0; i < mc->n_services; i++)
		if (fa_chk_service_public(&mc->services[i]))
			return true;
	return false;
}

static bool machine_has_public_http(const fa_machine *mc)
{
	size_t i, j;

	for (i = 0; i < mc->n_services; i++)
		for (j = 0; j < mc->services[i].n_ports; j++)
			if (mc->services[i].ports[j].handlers & (FA_HANDLER_HTTP | FA_HANDLER_EDGE_HTTP))
				return true;
	return false;
}

/* ---- secrets.plaintext_env ---------------------------------------------------------- */

static bool is_app_secret(const fa_app *app, const char *name)
{
	size_t i;

	if (!name)
		return false;
	for (i = 0; i < app->n_secrets; i++)
		if (app->secrets[i].name && strcmp(app->secrets[i].name, name) == 0)
			return true;
	return false;
}

static void add_detectors(fa_msg *m, uint32_t det)
{
	uint32_t bit;
	size_t k = 0;

	fa_msg_add(m, " (");
	for (bit = 1; bit != 0 && bit <= FA_DET_APP_SECRET; bit <<= 1) {
		const char *dn;

		if (!(det & bit))
			continue;
		dn = fa_detector_name(bit);
		fa_msg_addf(m, "%s%s", k ? ", " : "", dn ? dn : "detector");
		k++;
	}
	fa_msg_add(m, ")");
}

static void scan_env(const fa_app *app, bool secrets_ok, const fa_env *env, const char *where,
		     fa_msg *m, size_t *hits, size_t *nvars)
{
	const uint32_t known = FA_DET_VALUE_MASK | FA_DET_SECRET_NAME | FA_DET_APP_SECRET;
	size_t i;

	for (i = 0; i < env->n_vars; i++) {
		const fa_env_var *v = &env->vars[i];
		uint32_t det = v->detectors & known;

		(*nvars)++;
		if (secrets_ok && is_app_secret(app, v->name))
			det |= FA_DET_APP_SECRET;
		if (!det)
			continue;
		if (*hits > 0)
			fa_msg_add(m, ", ");
		(*hits)++;
		fa_msg_addf(m, "%s%s", where, v->name ? v->name : "(unnamed)");
		add_detectors(m, det);
	}
}

static void scan_creds(const fa_cred_scan *cs, const char *prefix, fa_msg *m, size_t *hits,
		       size_t *nplaces)
{
	size_t i;

	*nplaces += cs->n_places;
	for (i = 0; i < cs->n_hits; i++) {
		const fa_cred_hit *h = &cs->hits[i];

		if (!h->detectors)
			continue;
		if (*hits > 0)
			fa_msg_add(m, ", ");
		(*hits)++;
		fa_msg_addf(m, "%s%s", prefix, h->where ? h->where : "(somewhere)");
		add_detectors(m, h->detectors);
	}
}

static int check_plaintext_env(fa_run *r, const fa_machine *mc)
{
	bool secrets_ok = fa_chk_loaded(r->app, FA_EP_SECRETS);
	size_t hits = 0, nvars = 0, nplaces = 0, i;
	fa_msg m;

	if (!config_ok(mc))
		return emit_no_config(r, FA_CK_PLAINTEXT_ENV, mc);
	fa_msg_init(&m);
	fa_msg_add(&m, "secret-like values in the machine config: ");
	scan_env(r->app, secrets_ok, &mc->env, "", &m, &hits, &nvars);
	for (i = 0; i < mc->n_processes; i++) {
		char where[48];
		int k = snprintf(where, sizeof(where), "processes[%zu].env ", i);

		if (k < 0 || (size_t)k >= sizeof(where))
			where[0] = '\0';
		scan_env(r->app, secrets_ok, &mc->processes[i].env, where, &m, &hits, &nvars);
	}
	scan_creds(&mc->creds, "", &m, &hits, &nplaces);
	for (i = 0; i < mc->n_containers; i++) {
		const fa_container *c = &mc->containers[i];
		char where[160];
		int k = snprintf(where, sizeof(where), "container %s env ", c->name ? c->name : "?");

		if (k < 0 || (size_t)k >= sizeof(where))
			snprintf(where, sizeof(where), "container %zu env ", i);
		scan_env(r->app, secrets_ok, &c->env, where, &m, &hits, &nvars);
		k = snprintf(where, sizeof(where), "container %s ", c->name ? c->name : "?");
		if (k < 0 || (size_t)k >= sizeof(where))
			snprintf(where, sizeof(where), "container %zu ", i);
		scan_creds(&c->creds, where, &m, &hits, &nplaces);
	}
	if (hits > 0) {
		fa_msg_add(&m, "; move them to fly secrets");
		return fa_chk_emit_machine(r, FA_CK_PLAINTEXT_ENV, FA_STATUS_FAIL, mc, fa_msg_str(&m));
	}
	fa_msg_init(&m);
	if (!secrets_ok) {
		fa_msg_addf(&m, "no credential-format value or secret-like name in %zu env vars and "
			    "%zu other places, but the overlap with app secret names cannot be "
			    "checked: ", nvars, nplaces);
		fa_chk_load_reason(&m, r->app, FA_EP_SECRETS);
		return fa_chk_emit_machine(r, FA_CK_PLAINTEXT_ENV, FA_STATUS_UNKNOWN, mc,
					   fa_msg_str(&m));
	}
	fa_msg_addf(&m, "%zu env vars checked: no credential-format value, secret-like name or "
		    "app secret name", nvars);
	if (nplaces > 0)
		fa_msg_addf(&m, "; no credential in %zu check headers, files or command-line "
			    "arguments", nplaces);
	return fa_chk_emit_machine(r, FA_CK_PLAINTEXT_ENV, FA_STATUS_PASS, mc, fa_msg_str(&m));
}

/* ---- network.private_service_public ------------------------------------------------- */

static const struct {
	int port;
	const char *what;
} private_ports[] = {
	{22, "SSH"},          {2375, "Docker API"},    {2376, "Docker API (TLS)"},
	{2379, "etcd"},       {2380, "etcd peer"},     {3306, "MySQL"},
	{5432, "Postgres"},   {5433, "Postgres"},      {5672, "RabbitMQ"},
	{6379, "Redis"},      {9042, "Cassandra"},     {9092, "Kafka"},
	{9200, "Elasticsearch"}, {9300, "Elasticsearch transport"}, {11211, "memcached"},
	{15672, "RabbitMQ management"}, {27017, "MongoDB"},
};
#define N_PRIVATE_PORTS (sizeof(private_ports) / sizeof(private_ports[0]))

static int check_private_service(fa_run *r, const fa_machine *mc)
{
	size_t i, j, k, hits = 0, npub = 0;
	fa_msg m;

	if (!config_ok(mc))
		return emit_no_config(r, FA_CK_PRIVATE_SERVICE_PUBLIC, mc);
	fa_msg_init(&m);
	for (i = 0; i < mc->n_services; i++) {
		const fa_service *s = &mc->services[i];

		if (!fa_chk_service_public(s))
			continue;
		npub++;
		for (k = 0; k < N_PRIVATE_PORTS; k++) {
			if (s->internal_port == private_ports[k].port) {
				sep(&m, &hits);
				fa_msg_addf(&m, "service %s/%d is public and its internal port is %s (%d)",
					    s->protocol ? s->protocol : "tcp", s->internal_port,
					    private_ports[k].what, private_ports[k].port);
			}
		}
		for (j = 0; j < s->n_ports; j++) {
			const fa_port *p = &s->ports[j];

			for (k = 0; k < N_PRIVATE_PORTS; k++) {
				if (!port_includes(p, private_ports[k].port))
					continue;
				sep(&m, &hits);
				fa_msg_addf(&m, "service %s/%d: public ", s->protocol ? s->protocol : "tcp",
					    s->internal_port);
				add_port_label(&m, p);
				fa_msg_addf(&m, " includes %s (%d)", private_ports[k].what,
					    private_ports[k].port);
			}
			if (p->handlers & FA_HANDLER_PG_TLS) {
				sep(&m, &hits);
				fa_msg_addf(&m, "service %s/%d: public ", s->protocol ? s->protocol : "tcp",
					    s->internal_port);
				add_port_label(&m, p);
				fa_msg_add(&m, " has the pg_tls handler (Postgres)");
			}
		}
	}
	if (hits > 0)
		return fa_chk_emit_machine(r, FA_CK_PRIVATE_SERVICE_PUBLIC, FA_STATUS_FAIL, mc,
					   fa_msg_str(&m));
	fa_msg_init(&m);
	if (npub == 0)
		fa_msg_add(&m, "no service with public ports");
	else
		fa_msg_addf(&m, "%zu public service(s), none on a private-service port", npub);
	return fa_chk_emit_machine(r, FA_CK_PRIVATE_SERVICE_PUBLIC, FA_STATUS_PASS, mc,
				   fa_msg_str(&m));
}

/* ---- tls.https_not_forced and tls.weak_protocols ------------------------------------ */

static int check_https(fa_run *r, const fa_machine *mc)
{
	size_t i, j, hits = 0, nhttp = 0;
	fa_msg m;

	if (!config_ok(mc))
		return emit_no_config(r, FA_CK_HTTPS_NOT_FORCED, mc);
	fa_msg_init(&m);
	for (i = 0; i < mc->n_services; i++) {
		const fa_service *s = &mc->services[i];

		for (j = 0; j < s->n_ports; j++) {
			const fa_port *p = &s->ports[j];

			if (!(p->handlers & FA_HANDLER_HTTP) || (p->handlers & FA_HANDLER_TLS))
				continue;
			nhttp++;
			if (p->force_https == FA_TRI_TRUE)
				continue;
			sep(&m, &hits);
			fa_msg_addf(&m, "service %s/%d: public ", s->protocol ? s->protocol : "tcp",
				    s->internal_port);
			add_port_label(&m, p);
			fa_msg_addf(&m, " serves plain HTTP and force_https is %s",
				    p->force_https == FA_TRI_FALSE ? "false"
								   : "not set (Fly defaults to false)");
		}
	}
	if (hits > 0)
		return fa_chk_emit_machine(r, FA_CK_HTTPS_NOT_FORCED, FA_STATUS_FAIL, mc,
					   fa_msg_str(&m));
	fa_msg_init(&m);
	if (nhttp == 0)
		fa_msg_add(&m, "no public port serves plain HTTP");
	else
		fa_msg_addf(&m, "%zu plain-HTTP public port(s), all with force_https = true", nhttp);
	return fa_chk_emit_machine(r, FA_CK_HTTPS_NOT_FORCED, FA_STATUS_PASS, mc, fa_msg_str(&m));
}

static int check_weak_tls(fa_run *r, const fa_machine *mc)
{
	size_t i, j, hits = 0, nset = 0;
	fa_msg m;

	if (!config_ok(mc))
		return emit_no_config(r, FA_CK_WEAK_PROTOCOLS, mc);
	fa_msg_init(&m);
	for (i = 0; i < mc->n_services; i++) {
		const fa_service *s = &mc->services[i];

		for (j = 0; j < s->n_ports; j++) {
			const fa_port *p = &s->ports[j];

			if (p->tls_versions == 0)
				continue;
			nset++;
			if (!(p->tls_versions & (FA_TLSV_1_0 | FA_TLSV_1_1)))
				continue;
			sep(&m, &hits);
			fa_msg_addf(&m, "service %s/%d: ", s->protocol ? s->protocol : "tcp",
				    s->internal_port);
			add_port_label(&m, p);
			fa_msg_addf(&m, " allows%s%s", (p->tls_versions & FA_TLSV_1_0) ? " TLSv1.0" : "",
				    (p->tls_versions & FA_TLSV_1_1) ? " TLSv1.1" : "");
		}
	}
	if (hits > 0)
		return fa_chk_emit_machine(r, FA_CK_WEAK_PROTOCOLS, FA_STATUS_FAIL, mc,
					   fa_msg_str(&m));
	fa_msg_init(&m);
	if (nset == 0)
		fa_msg_add(&m, "no port sets tls_options.versions (Fly's defaults: TLS 1.2 and 1.3)");
	else
		fa_msg_addf(&m, "%zu port(s) set tls_options.versions, none allows TLS 1.0 or 1.1",
			    nset);
	return fa_chk_emit_machine(r, FA_CK_WEAK_PROTOCOLS, FA_STATUS_PASS, mc, fa_msg_str(&m));
}

/* ---- container.runs_as_root and container.image_unpinned ---------------------------- */

/* True for "root", "0", "root:GROUP" and "0:GROUP". */
static bool user_is_root(const char *u)
{
	size_t n = strcspn(u, ":");

	return (n == 4 && strncmp(u, "root", 4) == 0) || (n == 1 && u[0] == '0');
}

static int check_root(fa_run *r, const fa_machine *mc)
{
	size_t i, hits = 0, named = 0, unnamed = 0;
	fa_msg m;

	if (!config_ok(mc))
		return emit_no_config(r, FA_CK_RUNS_AS_ROOT, mc);
	fa_msg_init(&m);
	if (mc->init_user && mc->init_user[0]) {
		if (user_is_root(mc->init_user)) {
			sep(&m, &hits);
			fa_msg_addf(&m, "init runs as user \"%s\"", mc->init_user);
		}
	}
	for (i = 0; i < mc->n_processes; i++) {
		const char *u = mc->processes[i].user;

		if (!u || !u[0]) {
			unnamed++;
			continue;
		}
		named++;
		if (user_is_root(u)) {
			sep(&m, &hits);
			fa_msg_addf(&m, "processes[%zu] runs as user \"%s\"", i, u);
		}
	}
	for (i = 0; i < mc->n_containers; i++) {
		const fa_container *c = &mc->containers[i];

		if (!c->user || !c->user[0]) {
			unnamed++;
			continue;
		}
		named++;
		if (user_is_root(c->user)) {
			sep(&m, &hits);
			fa_msg_addf(&m, "container %s runs as user \"%s\"", c->name ? c->name : "?",
				    c->user);
		}
	}
	if (hits > 0)
		return fa_chk_emit_machine(r, FA_CK_RUNS_AS_ROOT, FA_STATUS_FAIL, mc, fa_msg_str(&m));
	fa_msg_init(&m);
	if (named > 0 && unnamed == 0) {
		fa_msg_addf(&m, "every process and container (%zu) names a non-root user", named);
		return fa_chk_emit_machine(r, FA_CK_RUNS_AS_ROOT, FA_STATUS_PASS, mc, fa_msg_str(&m));
	}
	if (named > 0)
		fa_msg_addf(&m, "%zu of %zu processes and containers name no user; ", unnamed,
			    named + unnamed);
	fa_msg_add(&m, "the user comes from the image and is not visible in the machine config: "
		       "check `USER` in the Dockerfile or run `fly ssh console -C id`");
	return fa_chk_emit_machine(r, FA_CK_RUNS_AS_ROOT, FA_STATUS_UNKNOWN, mc, fa_msg_str(&m));
}

/* 0 pinned, 1 unpinned; the reason is added to m. */
static int judge_image(fa_msg *m, const char *who, const char *img)
{
	const char *last, *colon;

	if (strchr(img, '@')) {
		fa_msg_addf(m, "%simage %s is pinned by digest", who, img);
		return 0;
	}
	/* the tag is after the last ':' of the last path component (host:port is not a tag) */
	last = strrchr(img, '/');
	last = last ? last + 1 : img;
	colon = strrchr(last, ':');
	if (!colon || !colon[1]) {
		fa_msg_addf(m, "%simage %s has no tag (means `latest`)", who, img);
		return 1;
	}
	if (strcmp(colon + 1, "latest") == 0) {
		fa_msg_addf(m, "%simage %s uses the `latest` tag", who, img);
		return 1;
	}
	fa_msg_addf(m, "%simage %s is pinned to tag %s", who, img, colon + 1);
	return 0;
}

static int check_image(fa_run *r, const fa_machine *mc)
{
	size_t i, hits = 0, n = 0, noimg = 0;
	fa_msg bad, good;

	if (!config_ok(mc))
		return emit_no_config(r, FA_CK_IMAGE_UNPINNED, mc);
	fa_msg_init(&bad);
	fa_msg_init(&good);
	if (mc->image && mc->image[0]) {
		fa_msg tmp;

		fa_msg_init(&tmp);
		n++;
		if (judge_image(&tmp, "", mc->image)) {
			sep(&bad, &hits);
			fa_msg_add(&bad, fa_msg_str(&tmp));
		} else {
			fa_msg_add(&good, fa_msg_str(&tmp));
		}
	} else if (mc->n_containers == 0) {
		return fa_chk_emit_machine(r, FA_CK_IMAGE_UNPINNED, FA_STATUS_UNKNOWN, mc,
					   "the machine config names no image");
	}
	for (i = 0; i < mc->n_containers; i++) {
		const fa_container *c = &mc->containers[i];
		char who[160];
		fa_msg tmp;

		if (!c->image || !c->image[0]) {
			noimg++;
			continue;
		}
		snprintf(who, sizeof(who), "container %s ", c->name ? c->name : "?");
		fa_msg_init(&tmp);
		n++;
		if (judge_image(&tmp, who, c->image)) {
			sep(&bad, &hits);
			fa_msg_add(&bad, fa_msg_str(&tmp));
		} else {
			if (good.len)
				fa_msg_add(&good, "; ");
			fa_msg_add(&good, fa_msg_str(&tmp));
		}
	}
	if (hits > 0)
		return fa_chk_emit_machine(r, FA_CK_IMAGE_UNPINNED, FA_STATUS_FAIL, mc,
					   fa_msg_str(&bad));
	if (noimg > 0) {
		fa_msg_addf(&good, "%s%zu container(s) name no image", good.len ? "; " : "", noimg);
		return fa_chk_emit_machine(r, FA_CK_IMAGE_UNPINNED, FA_STATUS_UNKNOWN, mc,
					   fa_msg_str(&good));
	}
	return fa_chk_emit_machine(r, FA_CK_IMAGE_UNPINNED, FA_STATUS_PASS, mc, fa_msg_str(&good));
}

/* ---- health checks ---------------------------------------------------------------------- */

static int check_health_missing(fa_run *r, const fa_machine *mc)
{
	size_t i, nsvc = 0;
	fa_msg m;

	if (!config_ok(mc))
		return emit_no_config(r, FA_CK_CHECKS_MISSING, mc);
	if (!machine_has_public_service(mc))
		return r->err; /* applies only to machines with a public service */
	for (i = 0; i < mc->n_services; i++)
		nsvc += mc->services[i].n_checks;
	for (i = 0; i < mc->n_containers; i++)
		nsvc += mc->containers[i].n_healthchecks;
	fa_msg_init(&m);
	if (nsvc == 0 && mc->n_checks == 0) {
		fa_msg_add(&m, "the machine has a public service but no service checks and no "
			       "machine checks");
		return fa_chk_emit_machine(r, FA_CK_CHECKS_MISSING, FA_STATUS_FAIL, mc, fa_msg_str(&m));
	}
	fa_msg_addf(&m, "%zu service check(s) and %zu machine check(s) configured", nsvc,
		    mc->n_checks);
	return fa_chk_emit_machine(r, FA_CK_CHECKS_MISSING, FA_STATUS_PASS, mc, fa_msg_str(&m));
}

static int check_health_failing(fa_run *r, const fa_machine *mc)
{
	size_t i, hits = 0, warn = 0;
	fa_msg m;

	if (!mc->state || strcmp(mc->state, "started") != 0 || mc->n_check_status == 0)
		return r->err; /* applies only to started machines that report checks */
	fa_msg_init(&m);
	fa_msg_add(&m, "critical checks: ");
	for (i = 0; i < mc->n_check_status; i++) {
		const fa_check_status *cs = &mc->check_status[i];

		if (cs->status && strcmp(cs->status, "critical") == 0) {
			fa_msg_addf(&m, "%s%s", hits ? ", " : "", cs->name ? cs->name : "(unnamed)");
			hits++;
		} else if (cs->status && strcmp(cs->status, "warning") == 0) {
			warn++;
		}
	}
	if (hits > 0) {
		fa_msg_addf(&m, " (%zu of %zu)", hits, mc->n_check_status);
		return fa_chk_emit_machine(r, FA_CK_CHECKS_FAILING, FA_STATUS_FAIL, mc, fa_msg_str(&m));
	}
	fa_msg_init(&m);
	fa_msg_addf(&m, "%zu check(s) reported, none critical", mc->n_check_status);
	if (warn)
		fa_msg_addf(&m, " (%zu warning)", warn);
	return fa_chk_emit_machine(r, FA_CK_CHECKS_FAILING, FA_STATUS_PASS, mc, fa_msg_str(&m));
}

/* ---- machines.autostop_disabled ------------------------------------------------------- */

static int check_autostop(fa_run *r, const fa_machine *mc)
{
	size_t i, hits = 0, npub = 0;
	fa_msg m;

	if (!config_ok(mc))
		return emit_no_config(r, FA_CK_AUTOSTOP_DISABLED, mc);
	fa_msg_init(&m);
	for (i = 0; i < mc->n_services; i++) {
		const fa_service *s = &mc->services[i];

		if (!fa_chk_service_public(s))
			continue;
		npub++;
		if (s->autostop != FA_AUTOSTOP_OFF && s->autostop != FA_AUTOSTOP_UNSET)
			continue;
		sep(&m, &hits);
		fa_msg_addf(&m, "public service %s/%d has autostop %s",
			    s->protocol ? s->protocol : "tcp", s->internal_port,
			    s->autostop == FA_AUTOSTOP_OFF ? "off" : "not set (Fly defaults to off)");
	}
	if (npub == 0)
		return r->err; /* applies only to services with public ports */
	if (hits > 0)
		return fa_chk_emit_machine(r, FA_CK_AUTOSTOP_DISABLED, FA_STATUS_FAIL, mc,
					   fa_msg_str(&m));
	fa_msg_init(&m);
	fa_msg_addf(&m, "every public service (%zu) has autostop stop or suspend", npub);
	return fa_chk_emit_machine(r, FA_CK_AUTOSTOP_DISABLED, FA_STATUS_PASS, mc, fa_msg_str(&m));
}

/* ---- driver ----------------------------------------------------------------------------- */

static const int machine_checks[] = {
	FA_CK_PLAINTEXT_ENV,  FA_CK_PRIVATE_SERVICE_PUBLIC, FA_CK_HTTPS_NOT_FORCED,
	FA_CK_WEAK_PROTOCOLS, FA_CK_RUNS_AS_ROOT,           FA_CK_IMAGE_UNPINNED,
	FA_CK_CHECKS_MISSING, FA_CK_CHECKS_FAILING,         FA_CK_AUTOSTOP_DISABLED,
};

int fa_chk_machines(fa_run *r)
{
	const fa_app *app = r->app;
	size_t i;

	if (!fa_chk_loaded(app, FA_EP_MACHINES)) {
		/* Machines fetched before the failure are still checked below: their own
		 * results are sound; the app-level unknown says the list is incomplete. */
		for (i = 0; i < sizeof(machine_checks) / sizeof(machine_checks[0]); i++)
			fa_chk_emit_load_unknown(r, machine_checks[i], FA_EP_MACHINES);
	}
	for (i = 0; i < app->n_machines && !r->err; i++) {
		const fa_machine *mc = &app->machines[i];

		if (!fa_chk_machine_audited(mc))
			continue;
		check_plaintext_env(r, mc);
		check_private_service(r, mc);
		check_https(r, mc);
		check_weak_tls(r, mc);
		check_root(r, mc);
		check_image(r, mc);
		check_health_missing(r, mc);
		check_health_failing(r, mc);
		check_autostop(r, mc);
	}
	return r->err;
}

/* ---- network.public_ip_unused and network.admin_allowlist ----------------------------- */

static int check_public_ip_unused(fa_run *r)
{
	const fa_app *app = r->app;
	const char *name = app->name ? app->name : "(no name)";
	const fa_machine *user = NULL;
	size_t i, npub = 0, nocfg = 0, nuser = 0;
	fa_msg m;

	if (!fa_chk_loaded(app, FA_EP_IPS))
		return fa_chk_emit_load_unknown(r, FA_CK_PUBLIC_IP_UNUSED, FA_EP_IPS);
	fa_msg_init(&m);
	for (i = 0; i < app->n_ips; i++) {
		const fa_ip *ip = &app->ips[i];

		if (!fa_ip_is_public(ip->type))
			continue;
		fa_msg_addf(&m, "%s%s (%s)", npub ? ", " : "", ip->address ? ip->address : "?",
			    fa_ip_type_name(ip->type));
		npub++;
	}
	if (npub == 0)
		return fa_chk_emit(r, FA_CK_PUBLIC_IP_UNUSED, FA_STATUS_PASS, "app", name, NULL, NULL,
				   "the app holds no public IP");
	if (!fa_chk_loaded(app, FA_EP_MACHINES)) {
		fa_msg m2;

		fa_msg_init(&m2);
		fa_msg_addf(&m2, "the app holds %zu public IP(s) but ", npub);
		fa_chk_load_reason(&m2, app, FA_EP_MACHINES);
		return fa_chk_emit(r, FA_CK_PUBLIC_IP_UNUSED, FA_STATUS_UNKNOWN, "app", name, NULL,
				   NULL, fa_msg_str(&m2));
	}
	for (i = 0; i < app->n_machines; i++) {
		const fa_machine *mc = &app->machines[i];

		if (!fa_chk_machine_audited(mc))
			continue;
		if (!config_ok(mc)) {
			nocfg++;
			continue;
		}
		if (machine_has_public_service(mc)) {
			/* name the smallest id, so the message does not depend on list order */
			if (!user || strcmp(mc->id ? mc->id : "", user->id ? user->id : "") < 0)
				user = mc;
			nuser++;
		}
	}
	if (user) {
		fa_msg m2;

		fa_msg_init(&m2);
		fa_msg_addf(&m2, "public IP(s) in use: %zu machine(s) have a service with public "
			    "ports (e.g. %s)", nuser, user->id ? user->id : "?");
		return fa_chk_emit(r, FA_CK_PUBLIC_IP_UNUSED, FA_STATUS_PASS, "app", name, NULL, NULL,
				   fa_msg_str(&m2));
	}
	if (nocfg > 0) {
		fa_msg m2;

		fa_msg_init(&m2);
		fa_msg_addf(&m2, "the app holds public IP(s) and %zu machine(s) have no readable "
			    "config: cannot tell whether a public service uses them", nocfg);
		return fa_chk_emit(r, FA_CK_PUBLIC_IP_UNUSED, FA_STATUS_UNKNOWN, "app", name, NULL,
				   NULL, fa_msg_str(&m2));
	}
	fa_msg_add(&m, " held but no machine has a service with public ports: release them and "
		       "use Flycast (private_v6)");
	return fa_chk_emit(r, FA_CK_PUBLIC_IP_UNUSED, FA_STATUS_FAIL, "app", name, NULL, NULL,
			   fa_msg_str(&m));
}

static int check_admin_allowlist(fa_run *r)
{
	const fa_app *app = r->app;
	const char *name = app->name ? app->name : "(no name)";
	size_t i, nocfg = 0;

	if (!fa_chk_loaded(app, FA_EP_MACHINES))
		return fa_chk_emit_load_unknown(r, FA_CK_ADMIN_ALLOWLIST, FA_EP_MACHINES);
	for (i = 0; i < app->n_machines; i++) {
		const fa_machine *mc = &app->machines[i];

		if (!fa_chk_machine_audited(mc))
			continue;
		if (!config_ok(mc)) {
			nocfg++;
			continue;
		}
		if (machine_has_public_http(mc) && r->ctx && r->ctx->probe)
			return r->err; /* probed: one result per hostname (edge.c) */
		if (machine_has_public_http(mc))
			return fa_chk_emit(r, FA_CK_ADMIN_ALLOWLIST, FA_STATUS_MANUAL, "app", name, NULL,
					   NULL,
					   "the app serves public HTTP; the API cannot show IP allowlisting: "
					   "verify that admin routes check the Fly-Client-IP header against "
					   "an allowlist, or are served only over Flycast/.internal");
	}
	if (nocfg > 0)
		return fa_chk_emit(r, FA_CK_ADMIN_ALLOWLIST, FA_STATUS_UNKNOWN, "app", name, NULL, NULL,
				   "some machines have no readable config: cannot tell whether the "
				   "app serves public HTTP");
	return r->err;
}

/* ---- network.flycast_cross_org -------------------------------------------------------- */

static int check_flycast_org(fa_run *r)
{
	const fa_app *app = r->app;
	const char *org = app->org_slug ? app->org_slug : r->ctx->org;
	size_t i;

	if (!fa_chk_loaded(app, FA_EP_IPS))
		return fa_chk_emit_load_unknown(r, FA_CK_FLYCAST_CROSS_ORG, FA_EP_IPS);
	for (i = 0; i < app->n_ips && !r->err; i++) {
		const fa_ip *ip = &app->ips[i];
		const char *addr = ip->address ? ip->address : "?";
		const char *net = ip->network && ip->network[0] ? ip->network : "default";
		fa_msg m;

		if (ip->type != FA_IP_PRIVATE_V6)
			continue;
		fa_msg_init(&m);
		if (!ip->network_org || !ip->network_org[0] || !org) {
			fa_msg_addf(&m, "Flycast address %s (network %s): the API did not say which "
				    "organization the network belongs to", addr, net);
			fa_chk_emit(r, FA_CK_FLYCAST_CROSS_ORG, FA_STATUS_UNKNOWN, "ip", addr, NULL,
				    ip->region, fa_msg_str(&m));
		} else if (strcmp(ip->network_org, org) != 0) {
			fa_msg_addf(&m, "Flycast address %s is in network %s of organization %s, not "
				    "%s: that organization's machines can reach this app", addr, net,
				    ip->network_org, org);
			fa_chk_emit(r, FA_CK_FLYCAST_CROSS_ORG, FA_STATUS_FAIL, "ip", addr, NULL,
				    ip->region, fa_msg_str(&m));
		} else {
			fa_msg_addf(&m, "Flycast address %s is in network %s of the app's own "
				    "organization %s", addr, net, org);
			fa_chk_emit(r, FA_CK_FLYCAST_CROSS_ORG, FA_STATUS_PASS, "ip", addr, NULL,
				    ip->region, fa_msg_str(&m));
		}
	}
	return r->err;
}

int fa_chk_app_network(fa_run *r)
{
	check_public_ip_unused(r);
	check_flycast_org(r);
	check_admin_allowlist(r);
	return r->err;
}
