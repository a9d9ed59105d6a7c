/* checks/edge.c: what the answers of `audit --probe` mean. Which hostnames an app is probed
 * on, the content signatures of sensitive files, the single-page-shell test, and the
 * per-hostname results (edge.* and the evidence-based network.admin_allowlist). Pure: the
 * answers come in an fa_edge_obs from client/probe.c; the clock is ctx->now. */
#include "internal.h"

#include "flyaudit/edge.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HOST_MAX 253
#define EXPIRY_WARN_DAYS 14

const char *const fa_edge_sensitive_paths[FA_EDGE_N_SENSITIVE] = {
	"/.env", "/.git/config", "/.git/HEAD", "/config.json",
	"/.npmrc", "/server-status", "/actuator/env", "/debug/pprof/",
};

const char *const fa_edge_admin_paths[FA_EDGE_N_ADMIN] = {
	"/admin", "/admin/", "/wp-admin/", "/phpmyadmin/", "/_admin", "/dashboard",
};

static const char *const tls_names[FA_EDGE_N_TLS] = { "1.0", "1.1", "1.2", "1.3" };

/* ---- which hostnames ----------------------------------------------------------------- */

bool fa_edge_app_probed(const fa_app *app)
{
	size_t i, j, k;

	if (!app || !fa_chk_loaded(app, FA_EP_MACHINES))
		return false;
	for (i = 0; i < app->n_machines; i++) {
		const fa_machine *mc = &app->machines[i];

		if (!fa_chk_machine_audited(mc) || !mc->has_config)
			continue;
		for (j = 0; j < mc->n_services; j++)
			for (k = 0; k < mc->services[j].n_ports; k++)
				if (mc->services[j].ports[k].handlers &
				    (FA_HANDLER_HTTP | FA_HANDLER_TLS | FA_HANDLER_EDGE_HTTP))
					return true;
	}
	return false;
}

bool fa_edge_host_ok(const char *host)
{
	size_t i, len, label = 0;
	bool alpha = false;

	if (!host)
		return false;
	len = strlen(host);
	if (len == 0 || len > HOST_MAX || host[0] == '.' || host[0] == '-' || host[len - 1] == '.' ||
	    host[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];

		if (c == '.') {
			if (label == 0)
				return false; /* ".." */
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-')
			return false; /* '*', ':', '_', '/', '@', spaces, non-ASCII */
		if (isalpha(c))
			alpha = true;
		if (++label > 63)
			return false;
	}
	/* an IPv4 literal has no letter; a name needs a dot (no single-label hosts) */
	return alpha && strchr(host, '.') != NULL;
}

int fa_edge_hosts(const fa_app *app, int (*fn)(void *ud, const char *host), void *ud)
{
	char host[HOST_MAX + 1], flydev[HOST_MAX + 1] = "";
	int count = 0;
	size_t i, j;

	if (!fn || !fa_edge_app_probed(app) || !app->name)
		return 0;
	if (strlen(app->name) + sizeof(".fly.dev") <= sizeof(host)) {
		snprintf(host, sizeof(host), "%s.fly.dev", app->name);
		for (j = 0; host[j]; j++)
			host[j] = (char)tolower((unsigned char)host[j]);
		if (fa_edge_host_ok(host)) {
			memcpy(flydev, host, sizeof(flydev));
			if (fn(ud, host) < 0)
				return -1;
			count++;
		}
	}
	for (i = 0; fa_chk_loaded(app, FA_EP_CERTS) && i < app->n_certs; i++) {
		const fa_cert *c = &app->certs[i];
		bool dup = false;

		if (c->configured != FA_TRI_TRUE || !fa_edge_host_ok(c->hostname))
			continue;
		snprintf(host, sizeof(host), "%s", c->hostname);
		for (j = 0; host[j]; j++)
			host[j] = (char)tolower((unsigned char)host[j]);
		/* duplicates: the fly.dev name, or an earlier certificate of the same name */
		if (strcmp(host, flydev) == 0)
			dup = true;
		for (j = 0; !dup && j < i; j++)
			if (app->certs[j].configured == FA_TRI_TRUE && app->certs[j].hostname &&
			    strcasecmp(app->certs[j].hostname, host) == 0)
				dup = true;
		if (dup)
			continue;
		if (fn(ud, host) < 0)
			return -1;
		count++;
	}
	return count;
}

/* ---- content signatures -------------------------------------------------------------- */

static bool has(const char *body, size_t len, const char *needle)
{
	size_t nl = strlen(needle), i;

	if (nl == 0 || nl > len)
		return nl == 0;
	for (i = 0; i + nl <= len; i++)
		if (body[i] == needle[0] && memcmp(body + i, needle, nl) == 0)
			return true;
	return false;
}

static size_t skip_ws(const char *b, size_t len, size_t i)
{
	while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	return i;
}

static char first_char(const char *b, size_t len)
{
	size_t i = skip_ws(b, len, 0);

	return i < len ? b[i] : '\0';
}

static char last_char(const char *b, size_t len)
{
	while (len > 0 && (b[len - 1] == ' ' || b[len - 1] == '\t' || b[len - 1] == '\r' ||
			   b[len - 1] == '\n'))
		len--;
	return len > 0 ? b[len - 1] : '\0';
}

/* `KEY=value` lines: at least one, and at least half of the lines that are not blank or
 * comments; a NUL byte or a markup line means it is not a dotenv file. */
static bool looks_dotenv(const char *b, size_t len)
{
	size_t i = 0, lines = 0, kv = 0;

	while (i < len) {
		size_t end = i, j;

		while (end < len && b[end] != '\n')
			end++;
		j = skip_ws(b, end, i);
		if (j < end && b[j] != '#') {
			lines++;
			if (b[j] == '<')
				return false;
			if (end - j > 7 && memcmp(b + j, "export ", 7) == 0)
				j += 7;
			if (j < end && (isalpha((unsigned char)b[j]) || b[j] == '_')) {
				while (j < end && (isalnum((unsigned char)b[j]) || b[j] == '_' || b[j] == '.'))
					j++;
				while (j < end && (b[j] == ' ' || b[j] == '\t'))
					j++;
				if (j < end && b[j] == '=')
					kv++;
			}
		}
		i = end + 1;
	}
	return kv > 0 && kv * 2 >= lines;
}

static bool looks_git_head(const char *b, size_t len)
{
	size_t i, n = 0;

	if (len >= 10 && memcmp(b, "ref: refs/", 10) == 0)
		return true;
	for (i = 0; i < len && isxdigit((unsigned char)b[i]); i++)
		n++;
	return (n == 40 || n == 64) && skip_ws(b, len, i) == len;
}

int fa_edge_signature(size_t idx, const char *body, size_t len)
{
	char first, last;

	if (!body || len == 0 || idx >= FA_EDGE_N_SENSITIVE || memchr(body, '\0', len))
		return 0;
	first = first_char(body, len);
	last = last_char(body, len);
	if (first == '<')
		return 0; /* an HTML page (a shell, an error page), whatever it mentions */
	switch (idx) {
	case 0: /* /.env */
		return looks_dotenv(body, len);
	case 1: /* /.git/config */
		return first == '[' && has(body, len, "[core]");
	case 2: /* /.git/HEAD */
		return looks_git_head(body, len);
	case 3: /* /config.json: a JSON object */
		return first == '{' && last == '}' && has(body, len, "\":");
	case 4: /* /.npmrc */
		return has(body, len, "_authToken") || has(body, len, "_auth=") ||
		       has(body, len, "_password=") || has(body, len, "registry=");
	case 5: /* /server-status (Apache mod_status, also ?auto) */
		return has(body, len, "Apache Server Status") || has(body, len, "Server uptime") ||
		       has(body, len, "Total Accesses:");
	case 6: /* /actuator/env (Spring Boot) */
		return first == '{' && (has(body, len, "\"propertySources\"") ||
					has(body, len, "\"activeProfiles\""));
	case 7: /* /debug/pprof/ (Go net/http/pprof) */
		return has(body, len, "Types of profiles available") ||
		       has(body, len, "/debug/pprof/goroutine") || has(body, len, "goroutine?debug=");
	default:
		return 0;
	}
}

bool fa_edge_is_shell(const fa_edge_answer *root, const fa_edge_answer *a)
{
	if (!root || !a || root->outcome != FA_EDGE_ANSWER || a->outcome != FA_EDGE_ANSWER ||
	    root->status != 200 || a->status != 200 || root->len == 0)
		return false;
	return root->len == a->len && root->truncated == a->truncated &&
	       memcmp(root->body, a->body, a->len) == 0;
}

/* ---- results ------------------------------------------------------------------------- */

typedef struct edge_run {
	const fa_audit_ctx *ctx;
	const fa_edge_obs *obs;
	fa_results *out;
	int err;
} edge_run;

static void emit(edge_run *r, int idx, fa_status st, fa_msg *m)
{
	if (r->err)
		return;
	if (fa_results_add(r->out, fa_chk_meta(idx), st, r->ctx ? r->ctx->org : NULL, r->obs->app,
			   "hostname", r->obs->host, NULL, NULL, fa_msg_str(m)) < 0)
		r->err = -1;
}

static const char *why(const fa_edge_answer *a)
{
	if (a->error && a->error[0])
		return a->error;
	switch (a->outcome) {
	case FA_EDGE_NOT_TRIED:
		return "not probed (the probe cap was reached or the run stopped)";
	case FA_EDGE_REFUSED:
		return "connection refused";
	case FA_EDGE_TLS_REFUSED:
		return "TLS handshake failed";
	case FA_EDGE_CERT_INVALID:
		return "the certificate does not verify";
	case FA_EDGE_CLIENT_CANNOT:
		return "this client cannot offer that TLS version";
	default:
		return "no answer";
	}
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static void check_http(edge_run *r)
{
	const fa_edge_answer *a = &r->obs->http_root;
	fa_msg m;

	fa_msg_init(&m);
	fa_msg_addf(&m, "http://%s/ ", r->obs->host);
	if (a->outcome == FA_EDGE_REFUSED) {
		fa_msg_add(&m, "is not served: nothing answers plain HTTP on port 80");
		emit(r, FA_CK_EDGE_HTTP, FA_STATUS_PASS, &m);
	} else if (a->outcome != FA_EDGE_ANSWER) {
		fa_msg_addf(&m, "could not be probed: %s", why(a));
		emit(r, FA_CK_EDGE_HTTP, FA_STATUS_UNKNOWN, &m);
	} else if (is_redirect(a->status) && a->location &&
		   strncasecmp(a->location, "https://", 8) == 0) {
		fa_msg_addf(&m, "redirects to https (HTTP %ld)", a->status);
		emit(r, FA_CK_EDGE_HTTP, FA_STATUS_PASS, &m);
	} else if (is_redirect(a->status)) {
		fa_msg_addf(&m, "redirects (HTTP %ld) to '%.200s', not to https", a->status,
			    a->location ? a->location : "(no Location)");
		emit(r, FA_CK_EDGE_HTTP, FA_STATUS_FAIL, &m);
	} else {
		fa_msg_addf(&m, "answers HTTP %ld with %zu%s bytes of content over plain HTTP instead "
			    "of redirecting to https", a->status, a->len, a->truncated ? "+" : "");
		emit(r, FA_CK_EDGE_HTTP, FA_STATUS_FAIL, &m);
	}
}

static bool handshake_done(const fa_edge_answer *a)
{
	/* a certificate that fails verification was still sent in a completed negotiation */
	return a->outcome == FA_EDGE_ANSWER || a->outcome == FA_EDGE_CERT_INVALID;
}

static void check_tls(edge_run *r)
{
	const fa_edge_answer *t = r->obs->tls;
	fa_msg m;
	int i;

	fa_msg_init(&m);
	if (handshake_done(&t[0]) || handshake_done(&t[1])) {
		fa_msg_addf(&m, "%s completes a TLS %s handshake", r->obs->host,
			    handshake_done(&t[0]) && handshake_done(&t[1]) ? "1.0 and a TLS 1.1"
			    : handshake_done(&t[0])			    ? "1.0"
									    : "1.1");
		emit(r, FA_CK_EDGE_TLS_LEGACY, FA_STATUS_FAIL, &m);
		return;
	}
	if (t[0].outcome != FA_EDGE_TLS_REFUSED || t[1].outcome != FA_EDGE_TLS_REFUSED) {
		const fa_edge_answer *bad = t[0].outcome != FA_EDGE_TLS_REFUSED ? &t[0] : &t[1];

		fa_msg_addf(&m, "TLS %s handshake with %s gave no evidence: %s",
			    bad == &t[0] ? "1.0" : "1.1", r->obs->host, why(bad));
		emit(r, FA_CK_EDGE_TLS_LEGACY, FA_STATUS_UNKNOWN, &m);
		return;
	}
	fa_msg_addf(&m, "%s refuses TLS 1.0 and 1.1 handshakes", r->obs->host);
	for (i = 2; i < FA_EDGE_N_TLS; i++)
		fa_msg_addf(&m, "; TLS %s %s", tls_names[i],
			    handshake_done(&t[i]) ? "accepted"
			    : t[i].outcome == FA_EDGE_TLS_REFUSED ? "refused" : "not known");
	emit(r, FA_CK_EDGE_TLS_LEGACY, FA_STATUS_PASS, &m);
}

/* max-age of a Strict-Transport-Security value, or -1 when it has none */
static long long hsts_max_age(const char *v)
{
	const char *p = v;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (strncasecmp(p, "max-age", 7) == 0) {
			long long n = 0;
			bool digits = false;

			p += 7;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p++ != '=')
				return -1;
			while (*p == ' ' || *p == '"')
				p++;
			while (isdigit((unsigned char)*p)) {
				if (n < 100000000000LL)
					n = n * 10 + (*p - '0');
				p++;
				digits = true;
			}
			return digits ? n : -1;
		}
		p = strchr(p, ';');
	}
	return -1;
}

static void check_hsts(edge_run *r)
{
	const fa_edge_answer *a = &r->obs->https_root;
	fa_msg m;
	long long age;

	fa_msg_init(&m);
	fa_msg_addf(&m, "https://%s/ ", r->obs->host);
	if (a->outcome != FA_EDGE_ANSWER) {
		fa_msg_addf(&m, "gave no trusted answer to read: %s", why(a));
		emit(r, FA_CK_EDGE_HSTS, FA_STATUS_UNKNOWN, &m);
		return;
	}
	if (!a->hsts) {
		fa_msg_addf(&m, "answers HTTP %ld without a Strict-Transport-Security header", a->status);
		emit(r, FA_CK_EDGE_HSTS, FA_STATUS_FAIL, &m);
		return;
	}
	age = hsts_max_age(a->hsts);
	if (age <= 0) {
		fa_msg_addf(&m, "sends Strict-Transport-Security '%.100s' %s", a->hsts,
			    age == 0 ? "(max-age=0 turns HSTS off)" : "without a valid max-age");
		emit(r, FA_CK_EDGE_HSTS, FA_STATUS_FAIL, &m);
		return;
	}
	fa_msg_addf(&m, "sends Strict-Transport-Security (max-age=%lld)", age);
	emit(r, FA_CK_EDGE_HSTS, FA_STATUS_PASS, &m);
}

static void check_cert(edge_run *r)
{
	const fa_edge_answer *a = &r->obs->https_root;
	long long left;
	fa_msg m;

	fa_msg_init(&m);
	if (a->outcome == FA_EDGE_CERT_INVALID) {
		fa_msg_addf(&m, "the certificate served for %s does not verify: %s", r->obs->host, why(a));
		emit(r, FA_CK_EDGE_CERT_EXPIRING, FA_STATUS_FAIL, &m);
		return;
	}
	if (a->outcome != FA_EDGE_ANSWER) {
		fa_msg_addf(&m, "https://%s/ could not be probed: %s", r->obs->host, why(a));
		emit(r, FA_CK_EDGE_CERT_EXPIRING, FA_STATUS_UNKNOWN, &m);
		return;
	}
	if (r->obs->cert_expiry <= 0 || !r->ctx) {
		fa_msg_addf(&m, "the certificate served for %s verifies, but its expiry could not be read",
			    r->obs->host);
		emit(r, FA_CK_EDGE_CERT_EXPIRING, FA_STATUS_UNKNOWN, &m);
		return;
	}
	left = r->obs->cert_expiry - (long long)r->ctx->now;
	if (left < (long long)EXPIRY_WARN_DAYS * 86400) {
		if (left <= 0)
			fa_msg_addf(&m, "the certificate served for %s has expired", r->obs->host);
		else
			fa_msg_addf(&m, "the certificate served for %s expires in %lld day(s) (under %d): "
				    "renewal is not happening", r->obs->host, left / 86400, EXPIRY_WARN_DAYS);
		emit(r, FA_CK_EDGE_CERT_EXPIRING, FA_STATUS_FAIL, &m);
		return;
	}
	fa_msg_addf(&m, "the certificate served for %s verifies and expires in %lld days", r->obs->host,
		    left / 86400);
	emit(r, FA_CK_EDGE_CERT_EXPIRING, FA_STATUS_PASS, &m);
}

static void check_sensitive(edge_run *r)
{
	const fa_edge_obs *o = r->obs;
	fa_msg m, miss;
	size_t i, nexp = 0, nmiss = 0, n200 = 0;

	fa_msg_init(&m);
	fa_msg_init(&miss);
	for (i = 0; i < FA_EDGE_N_SENSITIVE; i++) {
		const fa_edge_answer *a = &o->sensitive[i];

		if (a->outcome != FA_EDGE_ANSWER) {
			fa_msg_addf(&miss, "%s%s (%s)", nmiss ? ", " : "", fa_edge_sensitive_paths[i], why(a));
			nmiss++;
			continue;
		}
		if (a->status != 200 || fa_edge_is_shell(&o->https_root, a))
			continue;
		n200++;
		if (fa_edge_signature(i, a->body, a->len)) {
			fa_msg_addf(&m, "%s%s", nexp ? ", " : "", fa_edge_sensitive_paths[i]);
			nexp++;
		}
	}
	if (nexp) {
		fa_msg head;

		fa_msg_init(&head);
		fa_msg_addf(&head, "https://%s serves %s with the content such a file holds", o->host,
			    fa_msg_str(&m));
		emit(r, FA_CK_EDGE_SENSITIVE, FA_STATUS_FAIL, &head);
		return;
	}
	if (nmiss) {
		fa_msg head;

		fa_msg_init(&head);
		fa_msg_addf(&head, "%zu of %d sensitive paths of %s could not be probed: %s", nmiss,
			    FA_EDGE_N_SENSITIVE, o->host, fa_msg_str(&miss));
		emit(r, FA_CK_EDGE_SENSITIVE, FA_STATUS_UNKNOWN, &head);
		return;
	}
	fa_msg_addf(&m, "none of %d sensitive paths of %s serves such content", FA_EDGE_N_SENSITIVE,
		    o->host);
	if (n200)
		fa_msg_addf(&m, " (%zu answered 200 with other content)", n200);
	emit(r, FA_CK_EDGE_SENSITIVE, FA_STATUS_PASS, &m);
}

static void check_admin(edge_run *r)
{
	const fa_edge_obs *o = r->obs;
	const char *from = o->probe_addr && o->probe_addr[0] ? o->probe_addr : "an unknown address";
	fa_msg m, miss;
	size_t i, nopen = 0, nmiss = 0;

	fa_msg_init(&m);
	fa_msg_init(&miss);
	for (i = 0; i < FA_EDGE_N_ADMIN; i++) {
		const fa_edge_answer *a = &o->admin[i];

		if (a->outcome != FA_EDGE_ANSWER) {
			fa_msg_addf(&miss, "%s%s (%s)", nmiss ? ", " : "", fa_edge_admin_paths[i], why(a));
			nmiss++;
			continue;
		}
		if (a->status == 200 && !fa_edge_is_shell(&o->https_root, a)) {
			fa_msg_addf(&m, "%s%s", nopen ? ", " : "", fa_edge_admin_paths[i]);
			nopen++;
		}
	}
	if (nopen) {
		fa_msg head;

		fa_msg_init(&head);
		fa_msg_addf(&head, "https://%s answers 200 on %s to the prober (from %s), with no 401, "
			    "403 or redirect to a login: an allowlist that admits this address looks "
			    "open to it", o->host, fa_msg_str(&m), from);
		emit(r, FA_CK_ADMIN_ALLOWLIST, FA_STATUS_FAIL, &head);
		return;
	}
	if (nmiss) {
		fa_msg_addf(&m, "%zu of %d admin paths of %s could not be probed (from %s): %s", nmiss,
			    FA_EDGE_N_ADMIN, o->host, from, fa_msg_str(&miss));
		emit(r, FA_CK_ADMIN_ALLOWLIST, FA_STATUS_UNKNOWN, &m);
		return;
	}
	fa_msg_addf(&m, "no admin path of %s answers 200 to the prober (from %s): refused, "
		    "redirected, missing or the app's own page", o->host, from);
	emit(r, FA_CK_ADMIN_ALLOWLIST, FA_STATUS_PASS, &m);
}

int fa_audit_edge(const fa_audit_ctx *ctx, const fa_edge_obs *obs, fa_results *out)
{
	edge_run r;

	if (!ctx || !obs || !obs->host || !out)
		return -1;
	r.ctx = ctx;
	r.obs = obs;
	r.out = out;
	r.err = 0;
	check_http(&r);
	check_tls(&r);
	check_hsts(&r);
	check_cert(&r);
	check_sensitive(&r);
	check_admin(&r);
	return r.err;
}
