/* report/plan.c: `flyaudit fix --plan`: a shell script a person reviews and runs, never
 * flyaudit. Values from the report are single-quoted in commands and kept to one line in
 * comments; nothing destructive is left uncommented; no secret value is ever in it (the
 * report holds none, and `fly secrets set` is written with a placeholder). */
#include "flyaudit/report.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/jsoncheck.h"

typedef struct plan {
	fa_buf *b;
	const fa_plan_item *it;
	const char *org;
} plan;

static int w(plan *p, const char *s)
{
	return fa_buf_adds(p->b, s);
}

/* one line of comment text: no newline, no control character */
static int c1(plan *p, const char *s)
{
	return fa_rpt_escape(p->b, s ? s : "", FA_ESC_TERMINAL);
}

/* a shell word: '...' with ' as '\'' (valid UTF-8, control characters as '?') */
static int q(plan *p, const char *s)
{
	fa_buf clean = FA_BUF_INIT(0);
	const char *c;
	int rc = -1;

	if (fa_rpt_escape(&clean, s ? s : "", FA_ESC_TERMINAL) || fa_buf_adds(p->b, "'"))
		goto cleanup;
	for (c = clean.data; *c; c++)
		if (*c == '\'' ? fa_buf_adds(p->b, "'\\''") : fa_buf_add(p->b, c, 1))
			goto cleanup;
	rc = fa_buf_adds(p->b, "'");
cleanup:
	fa_buf_release(&clean);
	return rc;
}

static const char *app_of(plan *p)
{
	return p->it->app ? p->it->app : "";
}

/* "fly CMD -a 'APP'" and a newline */
static int app_cmd(plan *p, const char *prefix, const char *cmd)
{
	return w(p, prefix) || w(p, cmd) || w(p, " -a ") || q(p, app_of(p)) || w(p, "\n");
}

/* "fly CMD 'ID'... -a 'APP'" */
static int id_cmd(plan *p, const char *prefix, const char *cmd, const char *tail)
{
	return w(p, prefix) || w(p, cmd) || w(p, " ") || q(p, p->it->resource_id) ||
	       (tail && (w(p, " ") || w(p, tail))) || w(p, " -a ") || q(p, app_of(p)) || w(p, "\n");
}

static int warn(plan *p, const char *what)
{
	return w(p, "# WARNING: ") || w(p, what) || w(p, " Uncomment only after review:\n");
}

static int redeploy(plan *p)
{
	return warn(p, "a deploy replaces the app's machines (rolling restart).") ||
	       app_cmd(p, "# ", "fly deploy");
}

static int toml(plan *p, const char *lines)
{
	return w(p, "# fly.toml edit:\n") || w(p, lines);
}

static int steps(plan *p)
{
	const char *c = p->it->check ? p->it->check : "";
	bool app = p->it->app != NULL;

	if (strcmp(c, "secrets.plaintext_env") == 0)
		return app_cmd(p, "", "fly secrets list") ||
		       w(p, "# for each variable the finding names, set it as a secret (type the value\n"
			    "# yourself; it is not in this plan), then rotate it: it was readable in [env].\n") ||
		       w(p, "#   fly secrets set --stage NAME=VALUE -a ") || q(p, app_of(p)) || w(p, "\n") ||
		       toml(p, "#   remove those variables from [env]\n") || redeploy(p);
	if (strcmp(c, "network.private_service_public") == 0)
		return app_cmd(p, "", "fly ips list") ||
		       toml(p, "#   remove the [[services.ports]] (or [http_service]) of the internal service;\n"
			       "#   reach it as APP.internal or over Flycast instead\n") ||
		       w(p, "# when the app has no private address yet:\n") ||
		       app_cmd(p, "#   ", "fly ips allocate-v6 --private") || redeploy(p);
	if (strcmp(c, "network.public_ip_unused") == 0)
		return app_cmd(p, "", "fly ips list") ||
		       warn(p, "releasing an address is final; a dedicated IPv4 cannot be had back.") ||
		       w(p, "# fly ips release ADDRESS -a ") || q(p, app_of(p)) || w(p, "\n");
	if (strcmp(c, "tls.https_not_forced") == 0)
		return toml(p, "#   [http_service]\n#   force_https = true\n") || redeploy(p);
	if (strcmp(c, "tls.weak_protocols") == 0)
		return toml(p, "#   [[services.ports]]\n"
			       "#   tls_options = { versions = [\"TLSv1.2\", \"TLSv1.3\"] }\n") || redeploy(p);
	if (strcmp(c, "tls.certificate_not_ready") == 0)
		return id_cmd(p, "", "fly certs check", NULL) ||
		       w(p, "# create the DNS records it prints (A/AAAA or CNAME, and _acme-challenge)\n") ||
		       warn(p, "removing the certificate breaks HTTPS for that hostname.") ||
		       id_cmd(p, "# ", "fly certs remove", NULL);
	if (strcmp(c, "container.runs_as_root") == 0)
		return w(p, "# Dockerfile edit:\n#   RUN adduser -D -u 10001 app\n#   USER app\n") ||
		       w(p, "# and drop any user = \"root\" from the machine config; after the deploy check:\n") ||
		       w(p, "#   fly ssh console -C id --machine ") || q(p, p->it->resource_id) ||
		       w(p, " -a ") || q(p, app_of(p)) || w(p, "\n") || redeploy(p);
	if (strcmp(c, "container.image_unpinned") == 0)
		return id_cmd(p, "", "fly machine status", NULL) ||
		       w(p, "# Dockerfile edit: a versioned base image (FROM node:20-alpine, not :latest)\n") ||
		       warn(p, "deploying an image replaces the app's machines.") ||
		       w(p, "# fly deploy --image registry.fly.io/APP:TAG -a ") || q(p, app_of(p)) || w(p, "\n");
	if (strcmp(c, "health.checks_missing") == 0)
		return toml(p, "#   [[http_service.checks]]\n#   grace_period = \"10s\"\n"
			       "#   interval = \"15s\"\n#   method = \"GET\"\n#   path = \"/health\"\n"
			       "#   timeout = \"5s\"\n") || redeploy(p);
	if (strcmp(c, "health.checks_failing") == 0)
		return app_cmd(p, "", "fly checks list") ||
		       warn(p, "a restart interrupts the machine's requests.") ||
		       id_cmd(p, "# ", "fly machine restart", NULL);
	if (strcmp(c, "machines.autostop_disabled") == 0)
		return toml(p, "#   [http_service]\n#   auto_stop_machines = \"stop\"\n"
			       "#   auto_start_machines = true\n") || redeploy(p);
	if (strcmp(c, "regions.config_drift") == 0)
		return app_cmd(p, "", "fly config show") || redeploy(p);
	if (strcmp(c, "volumes.no_backups") == 0)
		return id_cmd(p, "", "fly volumes update", "--scheduled-snapshots=true --snapshot-retention 5");
	if (strcmp(c, "volumes.unencrypted") == 0)
		return app_cmd(p, "", "fly volumes list") ||
		       w(p, "# a volume cannot be encrypted in place: create an encrypted one, copy the data,\n"
			    "# point [mounts] at it, deploy, and only then destroy the old one:\n#   fly volumes create ") ||
		       q(p, p->it->resource_name ? p->it->resource_name : "NAME") || w(p, " --encrypted -r ") ||
		       q(p, p->it->region ? p->it->region : "REGION") || w(p, " -a ") || q(p, app_of(p)) ||
		       w(p, "\n") || warn(p, "destroying a volume deletes its data for good.") ||
		       id_cmd(p, "# ", "fly volumes destroy", NULL);
	if (strcmp(c, "tokens.long_lived") == 0)
		return w(p, "# mint a short-lived replacement (it prints a secret: send it straight to\n"
			    "# your secret store, never to a file or log):\n") ||
		       (app ? (w(p, "#   fly tokens create deploy -x 720h -a ") || q(p, app_of(p)) || w(p, "\n"))
			    : (w(p, "#   fly tokens create org -x 720h -o ") || q(p, p->org) || w(p, "\n"))) ||
		       warn(p, "revoking breaks whatever still uses the token.") ||
		       w(p, "# fly tokens revoke ") || q(p, p->it->resource_id) || w(p, "\n");
	if (strcmp(c, "tokens.auditor_not_readonly") == 0 || strcmp(c, "tokens.auditor_expiring") == 0)
		return w(p, "# give flyaudit a read-only token (it prints a secret: into your CI secret store):\n"
			    "#   fly tokens create readonly ") || q(p, p->org) || w(p, " -x 2160h\n");
	return w(p, "# no automated steps for this check: follow the fix above\n");
}

static int block(plan *p)
{
	const fa_plan_item *it = p->it;
	const fa_check_meta *m = fa_check_find(it->check);

	if (w(p, "\n# ---- [") || c1(p, it->severity) || w(p, "] ") || c1(p, it->check) ||
	    w(p, ": app ") || c1(p, it->app ? it->app : "(org)") || w(p, ", ") ||
	    c1(p, it->resource_type) || w(p, " ") || c1(p, it->resource_id))
		return -1;
	if (it->resource_name && (w(p, " (") || c1(p, it->resource_name) || w(p, ")")))
		return -1;
	if (it->region && (w(p, " region ") || c1(p, it->region)))
		return -1;
	if (w(p, "\n# ") || c1(p, it->message) || w(p, "\n"))
		return -1;
	if (m && (w(p, "# fix: ") || c1(p, m->remediation) || w(p, "\n")))
		return -1;
	return steps(p);
}

int fa_report_plan(const char *org, const char *source, const fa_plan_item *items, size_t n,
		   fa_buf *out)
{
	plan p = { out, NULL, org ? org : "" };
	size_t i;

	if (w(&p, "#!/bin/sh\n# flyaudit fix plan for org ") || c1(&p, p.org) ||
	    w(&p, ", from ") || c1(&p, source) ||
	    fa_buf_printf(out, "\n# %zu failure%s. flyaudit ran none of this: review each block first.\n",
			  n, n == 1 ? "" : "s") ||
	    w(&p, "# Steps that destroy or replace something are commented out under a WARNING.\n"
		  "# Secret values are never in this file: type them yourself.\n"
		  "set -eu\n"))
		goto fail;
	for (i = 0; i < n; i++) {
		p.it = &items[i];
		if (block(&p))
			goto fail;
	}
	if (w(&p, n ? "" : "# nothing to fix\n") == 0)
		return 0;
fail:
	fa_buf_release(out);
	return -1;
}

/* ---- reading the report (fix --plan) ---------------------------------------------------- */

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int sev_rank(const char *s)
{
	fa_severity v;

	return s && fa_severity_parse(s, &v) == 0 ? (int)v : -1;
}

static int cmp_item(const void *pa, const void *pb)
{
	const fa_plan_item *a = pa, *b = pb;
	int c = sev_rank(b->severity) - sev_rank(a->severity);

	if (c)
		return c;
	c = strcmp(a->app ? a->app : "", b->app ? b->app : "");
	if (c)
		return c;
	c = strcmp(a->check ? a->check : "", b->check ? b->check : "");
	return c ? c : strcmp(a->resource_id ? a->resource_id : "", b->resource_id ? b->resource_id : "");
}

int fa_report_plan_json(const char *text, size_t len, const char *source, fa_buf *out,
			size_t *n_failures, char *err, size_t errlen)
{
	cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
	const cJSON *results, *r;
	const char *schema = str(root, "schema");
	fa_plan_item *items = NULL;
	size_t n = 0, cap;
	char why[160];
	int rc = -1;

	*n_failures = 0;
	if (root && fa_json_check(text, len, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", source, why);
		goto cleanup;
	}
	if (schema && strcmp(schema, FA_REPORT_SCHEMA_V2) == 0 && fa_rpt_json_flatten_v2(root) < 0) {
		snprintf(err, errlen, "%s: a %s report without its orgs' results", source,
			 FA_REPORT_SCHEMA_V2);
		goto cleanup;
	}
	results = cJSON_GetObjectItemCaseSensitive(root, "results");
	if (!schema || (strcmp(schema, FA_REPORT_SCHEMA) != 0 && strcmp(schema, FA_REPORT_SCHEMA_V2) != 0) ||
	    !cJSON_IsArray(results)) {
		snprintf(err, errlen, "%s: not a flyaudit JSON report (%s)", source, FA_REPORT_SCHEMA);
		goto cleanup;
	}
	rc = -2;
	cap = (size_t)cJSON_GetArraySize(results);
	items = calloc(cap ? cap : 1, sizeof(*items));
	if (!items) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	cJSON_ArrayForEach(r, results) {
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(r, "resource");
		const char *st = str(r, "status");

		/* unmuted failures only: muted ones are accepted risk */
		if (!st || strcmp(st, "fail") != 0 || n >= cap)
			continue;
		items[n].check = str(r, "check");
		items[n].severity = str(r, "severity");
		items[n].app = str(r, "app");
		items[n].resource_type = str(res, "type");
		items[n].resource_id = str(res, "id");
		items[n].resource_name = str(res, "name");
		items[n].region = str(res, "region");
		items[n].message = str(r, "message");
		n++;
	}
	if (n)
		qsort(items, n, sizeof(*items), cmp_item);
	if (fa_report_plan(str(root, "org"), source, items, n, out) < 0) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	*n_failures = n;
	rc = 0;
cleanup:
	if (rc)
		fa_buf_release(out);
	free(items);
	cJSON_Delete(root);
	return rc;
}
