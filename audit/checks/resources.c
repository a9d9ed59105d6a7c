/* checks/resources.c: checks on volumes, certificates, org and app tokens, and the token
 * flyaudit itself runs with. */
#include "internal.h"

#include <string.h>

#define DAY 86400LL

/* ---- volumes ------------------------------------------------------------------------ */

static bool volume_gone(const fa_volume *v)
{
	static const char *const gone[] = {"destroyed", "destroying", "scheduling_destroy",
		"pending_destroy", "fork_cleanup", "waiting_for_detach", NULL};
	size_t i;

	if (!v->state)
		return false;
	for (i = 0; gone[i]; i++)
		if (strcmp(v->state, gone[i]) == 0)
			return true;
	return false;
}

static int emit_volume(fa_run *r, int idx, fa_status st, const fa_volume *v, const char *msg)
{
	return fa_chk_emit(r, idx, st, "volume", v->id ? v->id : "(no id)", v->name, v->region, msg);
}

int fa_chk_volumes(fa_run *r)
{
	const fa_app *app = r->app;
	size_t i;

	if (!fa_chk_loaded(app, FA_EP_VOLUMES)) {
		fa_chk_emit_load_unknown(r, FA_CK_UNENCRYPTED, FA_EP_VOLUMES);
		fa_chk_emit_load_unknown(r, FA_CK_NO_BACKUPS, FA_EP_VOLUMES);
	}
	for (i = 0; i < app->n_volumes && !r->err; i++) {
		const fa_volume *v = &app->volumes[i];

		if (volume_gone(v))
			continue;
		if (v->encrypted == FA_TRI_TRUE)
			emit_volume(r, FA_CK_UNENCRYPTED, FA_STATUS_PASS, v, "the volume is encrypted");
		else if (v->encrypted == FA_TRI_FALSE)
			emit_volume(r, FA_CK_UNENCRYPTED, FA_STATUS_FAIL, v,
				    "the volume is not encrypted (encrypted: false)");
		else
			emit_volume(r, FA_CK_UNENCRYPTED, FA_STATUS_UNKNOWN, v,
				    "the API did not say whether the volume is encrypted");
		if (v->auto_backup_enabled == FA_TRI_TRUE)
			emit_volume(r, FA_CK_NO_BACKUPS, FA_STATUS_PASS, v,
				    "automatic daily snapshots are enabled");
		else if (v->auto_backup_enabled == FA_TRI_FALSE)
			emit_volume(r, FA_CK_NO_BACKUPS, FA_STATUS_FAIL, v,
				    "automatic snapshots are disabled (auto_backup_enabled: false)");
		else
			emit_volume(r, FA_CK_NO_BACKUPS, FA_STATUS_UNKNOWN, v,
				    "the API did not say whether automatic snapshots are enabled");
	}
	return r->err;
}

/* ---- certificates ------------------------------------------------------------------- */

int fa_chk_certs(fa_run *r)
{
	const fa_app *app = r->app;
	size_t i;

	if (!fa_chk_loaded(app, FA_EP_CERTS))
		fa_chk_emit_load_unknown(r, FA_CK_CERT_NOT_READY, FA_EP_CERTS);
	for (i = 0; i < app->n_certs && !r->err; i++) {
		const fa_cert *c = &app->certs[i];
		const char *host = c->hostname ? c->hostname : "(no hostname)";
		fa_status st;
		fa_msg m;

		fa_msg_init(&m);
		if (c->status && strcmp(c->status, "active") != 0) {
			st = FA_STATUS_FAIL;
			fa_msg_addf(&m, "certificate status is %s", c->status);
			if (c->configured == FA_TRI_FALSE)
				fa_msg_add(&m, " and DNS is not configured");
		} else if (c->configured == FA_TRI_FALSE) {
			st = FA_STATUS_FAIL;
			fa_msg_add(&m, "DNS for the hostname is not configured");
		} else if (!c->status) {
			st = FA_STATUS_UNKNOWN;
			fa_msg_add(&m, "the API did not report the certificate status");
		} else if (c->configured == FA_TRI_UNKNOWN) {
			st = FA_STATUS_UNKNOWN;
			fa_msg_add(&m, "the certificate is active but the API did not say whether DNS is "
				       "configured");
		} else if (c->has_custom_certificate == FA_TRI_TRUE) {
			st = FA_STATUS_PASS;
			fa_msg_add(&m, "the certificate is active, DNS is configured and a custom "
				       "certificate is installed");
		} else if (c->acme_dns_configured == FA_TRI_TRUE ||
			   c->acme_alpn_configured == FA_TRI_TRUE ||
			   c->acme_http_configured == FA_TRI_TRUE) {
			st = FA_STATUS_PASS;
			fa_msg_addf(&m, "the certificate is active and DNS is configured (ACME%s%s%s)",
				    c->acme_dns_configured == FA_TRI_TRUE ? " dns" : "",
				    c->acme_alpn_configured == FA_TRI_TRUE ? " alpn" : "",
				    c->acme_http_configured == FA_TRI_TRUE ? " http" : "");
		} else {
			/* flyctl reads readiness from these flags too: "active" and "configured"
			 * with no challenge that can renew it is a disagreement the reference
			 * does not settle */
			st = FA_STATUS_UNKNOWN;
			fa_msg_add(&m, "the certificate is active and configured, but ");
			if (c->acme_dns_configured == FA_TRI_FALSE &&
			    c->acme_alpn_configured == FA_TRI_FALSE &&
			    c->acme_http_configured == FA_TRI_FALSE)
				fa_msg_add(&m, "no ACME challenge (dns, alpn, http) is configured and no "
					       "custom certificate is installed: renewal may fail; run "
					       "`fly certs check HOST`");
			else
				fa_msg_add(&m, "the API did not say which ACME challenge is configured; "
					       "run `fly certs check HOST`");
		}
		fa_chk_emit(r, FA_CK_CERT_NOT_READY, st, "certificate", host, NULL, NULL,
			    fa_msg_str(&m));
	}
	return r->err;
}

/* ---- tokens.long_lived -------------------------------------------------------------- */

/* Org tokens: `r->app` is NULL and the unknown result names the org. Revoked and
 * expired tokens give no result (they cannot be used any more). */
int fa_chk_tokens(fa_run *r, const fa_token *toks, size_t n, const fa_load *load)
{
	long long now = r->ctx ? (long long)r->ctx->now : 0;
	size_t i;

	if (!load->loaded) {
		if (r->app) {
			fa_chk_emit_load_unknown(r, FA_CK_LONG_LIVED, FA_EP_TOKENS);
			fa_chk_emit_load_unknown(r, FA_CK_OWNER_NOT_MEMBER, FA_EP_TOKENS);
		} else {
			const char *org = r->ctx && r->ctx->org ? r->ctx->org : "(org)";
			fa_msg m;

			fa_msg_init(&m);
			fa_chk_load_reason_l(&m, load, "org tokens");
			fa_chk_emit(r, FA_CK_LONG_LIVED, FA_STATUS_UNKNOWN, "org", org, NULL, NULL,
				    fa_msg_str(&m));
			fa_chk_emit(r, FA_CK_OWNER_NOT_MEMBER, FA_STATUS_UNKNOWN, "org", org, NULL, NULL,
				    fa_msg_str(&m));
		}
	}
	for (i = 0; i < n && !r->err; i++) {
		const fa_token *t = &toks[i];
		const char *id = t->id ? t->id : "(no id)";
		const char *kind = r->app ? "app" : "org";
		long long exp = 0, days;
		fa_msg m;

		if (t->revoked_at && t->revoked_at[0])
			continue;
		fa_msg_init(&m);
		if (!t->expires_at || !t->expires_at[0]) {
			fa_chk_token_owner(r, t);
			fa_msg_addf(&m, "live %s token%s%s never expires", kind,
				    t->profile ? " with profile " : "", t->profile ? t->profile : "");
			fa_chk_emit(r, FA_CK_LONG_LIVED, FA_STATUS_FAIL, "token", id, t->name, NULL,
				    fa_msg_str(&m));
			continue;
		}
		if (fa_chk_parse_rfc3339(t->expires_at, &exp) < 0) {
			fa_msg_addf(&m, "expires_at \"%s\" is not an RFC 3339 time", t->expires_at);
			fa_chk_emit(r, FA_CK_LONG_LIVED, FA_STATUS_UNKNOWN, "token", id, t->name, NULL,
				    fa_msg_str(&m));
			fa_chk_token_owner(r, t); /* it may be live */
			continue;
		}
		if (exp <= now)
			continue; /* expired */
		fa_chk_token_owner(r, t);
		days = (exp - now) / DAY;
		if (exp - now > 365 * DAY) {
			fa_msg_addf(&m, "live %s token expires %s, in %lld days (more than 365)", kind,
				    t->expires_at, days);
			fa_chk_emit(r, FA_CK_LONG_LIVED, FA_STATUS_FAIL, "token", id, t->name, NULL,
				    fa_msg_str(&m));
		} else {
			fa_msg_addf(&m, "live %s token expires %s, in %lld days", kind, t->expires_at,
				    days);
			fa_chk_emit(r, FA_CK_LONG_LIVED, FA_STATUS_PASS, "token", id, t->name, NULL,
				    fa_msg_str(&m));
		}
	}
	return r->err;
}

/* ---- the running token -------------------------------------------------------------- */

#define SELF_ID "running"
#define SELF_NAME "the token flyaudit runs with"

static int emit_self(fa_run *r, int idx, fa_status st, const char *msg)
{
	return fa_chk_emit(r, idx, st, "token", SELF_ID, SELF_NAME, NULL, msg);
}

static void add_undecoded(fa_msg *m, const fa_self *s)
{
	fa_msg_add(m, "the token could not be decoded");
	if (s->error && s->error[0]) {
		fa_msg_add(m, ": ");
		fa_msg_add(m, s->error);
	}
}

static void add_access(fa_msg *m, unsigned a)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{1, "read"}, {2, "write"}, {4, "create"}, {8, "delete"}, {16, "control"}};
	size_t i, k = 0;

	fa_msg_add(m, " (access:");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (a & names[i].bit)
			fa_msg_addf(m, "%s%s", k++ ? "," : " ", names[i].name);
	if (!k)
		fa_msg_add(m, " none");
	fa_msg_add(m, ")");
}

static int self_readonly(fa_run *r, const fa_self *s)
{
	fa_msg m;

	fa_msg_init(&m);
	if (s->kind == FA_TOKEN_KIND_USER)
		return emit_self(r, FA_CK_AUDITOR_NOT_READONLY, FA_STATUS_FAIL,
				 "flyaudit runs with a user token, which can do everything the user "
				 "can: use `fly tokens create readonly`");
	if (s->kind != FA_TOKEN_KIND_MACAROON || !s->decoded) {
		add_undecoded(&m, s);
		return emit_self(r, FA_CK_AUDITOR_NOT_READONLY, FA_STATUS_UNKNOWN, fa_msg_str(&m));
	}
	if (s->read_only == FA_TRI_TRUE)
		return emit_self(r, FA_CK_AUDITOR_NOT_READONLY, FA_STATUS_PASS,
				 "the token's caveats restrict it to read access");
	if (s->read_only == FA_TRI_FALSE) {
		fa_msg_add(&m, "the token can write");
		add_access(&m, s->access);
		fa_msg_add(&m, ": use `fly tokens create readonly`");
		return emit_self(r, FA_CK_AUDITOR_NOT_READONLY, FA_STATUS_FAIL, fa_msg_str(&m));
	}
	return emit_self(r, FA_CK_AUDITOR_NOT_READONLY, FA_STATUS_UNKNOWN,
			 "the token decoded but its caveats do not settle whether it can write");
}

static int self_expiring(fa_run *r, const fa_self *s)
{
	long long now = (long long)r->ctx->now;
	long long left;
	fa_msg m;

	fa_msg_init(&m);
	if (s->expires_at == 0) {
		if (s->kind == FA_TOKEN_KIND_MACAROON && s->decoded)
			return emit_self(r, FA_CK_AUDITOR_EXPIRING, FA_STATUS_PASS,
					 "the token carries no expiry");
		if (s->kind == FA_TOKEN_KIND_USER)
			return emit_self(r, FA_CK_AUDITOR_EXPIRING, FA_STATUS_UNKNOWN,
					 "the expiry of a user token is not visible");
		add_undecoded(&m, s);
		return emit_self(r, FA_CK_AUDITOR_EXPIRING, FA_STATUS_UNKNOWN, fa_msg_str(&m));
	}
	left = (long long)s->expires_at - now;
	if (left <= 0)
		return emit_self(r, FA_CK_AUDITOR_EXPIRING, FA_STATUS_FAIL, "the token has expired");
	if (left <= 14 * DAY) {
		fa_msg_addf(&m, "the token expires in %lld hours (within 14 days)", left / 3600);
		return emit_self(r, FA_CK_AUDITOR_EXPIRING, FA_STATUS_FAIL, fa_msg_str(&m));
	}
	fa_msg_addf(&m, "the token expires in %lld days", left / DAY);
	return emit_self(r, FA_CK_AUDITOR_EXPIRING, FA_STATUS_PASS, fa_msg_str(&m));
}

static int self_undischarged(fa_run *r, const fa_self *s)
{
	fa_msg m;

	fa_msg_init(&m);
	if (s->kind == FA_TOKEN_KIND_USER)
		return r->err; /* not a macaroon: no caveats */
	if (s->kind != FA_TOKEN_KIND_MACAROON || !s->decoded) {
		add_undecoded(&m, s);
		return emit_self(r, FA_CK_UNDISCHARGED, FA_STATUS_UNKNOWN, fa_msg_str(&m));
	}
	if (s->n_undischarged > 0) {
		fa_msg_addf(&m, "%zu third-party caveat(s) without a discharge", s->n_undischarged);
		return emit_self(r, FA_CK_UNDISCHARGED, FA_STATUS_FAIL, fa_msg_str(&m));
	}
	return emit_self(r, FA_CK_UNDISCHARGED, FA_STATUS_PASS,
			 "every third-party caveat has a discharge");
}

int fa_chk_self(fa_run *r)
{
	const fa_self *s = r->ctx->self;

	if (!s) {
		emit_self(r, FA_CK_AUDITOR_NOT_READONLY, FA_STATUS_UNKNOWN,
			  "nothing is known of the running token");
		emit_self(r, FA_CK_AUDITOR_EXPIRING, FA_STATUS_UNKNOWN,
			  "nothing is known of the running token");
		emit_self(r, FA_CK_UNDISCHARGED, FA_STATUS_UNKNOWN,
			  "nothing is known of the running token");
		return r->err;
	}
	self_readonly(r, s);
	self_expiring(r, s);
	self_undischarged(r, s);
	return r->err;
}
