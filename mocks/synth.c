/* synth.c: the synthetic org "synth" of N apps (app-00001 …), generated per request from a
 * per-app seed, so any N costs no memory up front and every run serves the same bodies. */
#include "flymock.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Problems an app may carry (chosen from its seed). */
enum {
	P_LEAKY = 1 << 0,       /* a secret-shaped env value */
	P_PUBLIC_DB = 1 << 1,   /* public 5432 pg_tls service */
	P_NO_HTTPS = 1 << 2,    /* port 80 without force_https */
	P_OLD_TLS = 1 << 3,     /* TLSv1.0/1.1 on 443 */
	P_ROOT = 1 << 4,        /* processes[].user root */
	P_NO_CHECKS = 1 << 5,   /* no service checks */
	P_CRITICAL = 1 << 6,    /* a critical check status */
	P_ALWAYS_ON = 1 << 7,   /* autostop false */
	P_DRIFT = 1 << 8,       /* second started machine has another image tag */
	P_UNREACHABLE = 1 << 9, /* last machine's host unreachable, no config */
	P_PLAIN_VOL = 1 << 10,  /* volume encrypted false */
	P_NO_BACKUP = 1 << 11,  /* volume auto_backup_enabled false */
	P_CERT_PENDING = 1 << 12,
	P_LONG_TOKEN = 1 << 13, /* 20-year deploy token */
	P_LATEST = 1 << 14      /* image :latest from docker hub */
};

static const char *const regions[] = {"iad", "fra", "syd", "ams"};

struct app_info {
	long idx;
	char name[32];
	uint64_t seed;
	unsigned int problems;
	int machines;   /* 1..3 */
	int volumes;    /* 0..1 */
	int certs;      /* 1..2 */
	int autostop_suspend;
	int dedicated_v4;
};

static uint64_t mix(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void app_info(long idx, struct app_info *a)
{
	uint64_t r;
	unsigned int pct;

	memset(a, 0, sizeof *a);
	a->idx = idx;
	snprintf(a->name, sizeof a->name, "app-%05ld", idx);
	a->seed = mix((uint64_t)idx * 7919u + 17u);
	r = a->seed;
	a->machines = 1 + (int)(r % 3);
	r = mix(r);
	a->volumes = (int)(r % 2);
	r = mix(r);
	a->certs = 1 + (int)(r % 2);
	r = mix(r);
	a->autostop_suspend = (int)(r % 4 == 0);
	r = mix(r);
	a->dedicated_v4 = (int)(r % 5 == 0);
	/* Roughly 60% of apps are clean; the others carry one or two problems. */
	r = mix(r);
	pct = (unsigned int)(r % 100);
	if (pct >= 40) {
		unsigned int k;
		for (k = 0; k < 1 + (pct % 2); k++) {
			r = mix(r);
			a->problems |= 1u << (r % 15);
		}
	}
	if (a->problems & P_DRIFT && a->machines < 2)
		a->machines = 2;
	if (a->problems & (P_PLAIN_VOL | P_NO_BACKUP))
		a->volumes = 1;
}

/* Parses "app-NNNNN" back to its index (0 if not an app of this org). */
static long app_index(const fm_source *s, const char *app)
{
	char *end = NULL;
	char canon[32];
	long v;

	if (app == NULL || strncmp(app, "app-", 4) != 0)
		return 0;
	errno = 0;
	v = strtol(app + 4, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || (size_t)v > s->napps)
		return 0;
	snprintf(canon, sizeof canon, "app-%05ld", v);
	return strcmp(canon, app) == 0 ? v : 0;
}

int fm_synth_open(fm_source *s, long n, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	if (n < 1 || n > 1000000) {
		snprintf(err, errlen, "--synthetic takes 1..1000000");
		return -1;
	}
	snprintf(s->org_slug, sizeof s->org_slug, "synth");
	s->synthetic = 1;
	s->napps = (size_t)n;
	return 0;
}

int fm_synth_has_app(const fm_source *s, const char *app)
{
	return app_index(s, app) > 0;
}

static void machine_id(const struct app_info *a, int m, char *out, size_t outlen)
{
	snprintf(out, outlen, "%014llx", (unsigned long long)(mix(a->seed + (uint64_t)m + 1) & 0xffffffffffffffULL));
}

static void volume_id(const struct app_info *a, char *out, size_t outlen)
{
	snprintf(out, outlen, "vol_%016llx", (unsigned long long)mix(a->seed ^ 0xabcdefULL));
}

static int app_object(fa_buf *b, const struct app_info *a)
{
	return fa_buf_printf(b,
			     "{\"id\":\"%016llx\",\"name\":\"%s\",\"machine_count\":%d,\"volume_count\":%d,"
			     "\"network\":\"default\",\"status\":\"deployed\",\"internal_numeric_id\":%ld,"
			     "\"organization\":{\"name\":\"Synthetic Org\",\"slug\":\"synth\",\"internal_numeric_id\":777}}",
			     (unsigned long long)(a->seed & 0xffffffffffffffffULL), a->name, a->machines,
			     a->volumes, 6000000 + a->idx);
}

static int machine_object(fa_buf *b, const struct app_info *a, int m)
{
	char mid[32];
	char vid[32];
	const char *region = regions[(a->seed >> (8 * m)) % 4];
	unsigned int p = a->problems;
	int unreachable = (p & P_UNREACHABLE) && m == a->machines - 1;
	int drift = (p & P_DRIFT) && m == 1;
	const char *user = (p & P_ROOT) ? "root" : "app";
	char image[160];
	char tag[64];
	int rc = 0;

	machine_id(a, m, mid, sizeof mid);
	volume_id(a, vid, sizeof vid);
	if (p & P_LATEST) {
		snprintf(tag, sizeof tag, "latest");
		snprintf(image, sizeof image, "docker.io/library/nginx:latest");
	} else {
		snprintf(tag, sizeof tag, "deployment-01JSYN%020llu",
			 (unsigned long long)(drift ? a->seed % 99991 + 1 : a->seed % 99991));
		snprintf(image, sizeof image, "registry.fly.io/%s:%s", a->name, tag);
	}
	rc |= fa_buf_printf(b,
			    "{\"id\":\"%s\",\"name\":\"synth-%s-%d\",\"state\":\"started\",\"region\":\"%s\","
			    "\"instance_id\":\"01JSYNTH%018llu\",\"private_ip\":\"fdaa:9:%lx:a7b:%x::2\","
			    "\"created_at\":\"2026-06-01T10:00:00Z\",\"updated_at\":\"2026-11-01T10:00:00Z\","
			    "\"host_status\":\"%s\",\"cordoned\":false,"
			    "\"image_ref\":{\"registry\":\"%s\",\"repository\":\"%s\",\"tag\":\"%s\","
			    "\"digest\":\"sha256:%016llx%016llx%016llx%016llx\",\"labels\":{}},",
			    mid, a->name + 4, m, region,
			    (unsigned long long)(a->seed % 1000000000000000000ULL), a->idx & 0xffff, m + 1,
			    unreachable ? "unreachable" : "ok",
			    (p & P_LATEST) ? "docker.io" : "registry.fly.io",
			    (p & P_LATEST) ? "library/nginx" : a->name, tag,
			    (unsigned long long)mix(a->seed + 1), (unsigned long long)mix(a->seed + 2),
			    (unsigned long long)mix(a->seed + 3), (unsigned long long)mix(a->seed + 4));
	if (unreachable)
		return rc | fa_buf_printf(b, "\"incomplete_config\":{\"image\":\"%s\"}}", image);
	rc |= fa_buf_printf(b,
			    "\"config\":{\"image\":\"%s\",\"env\":{\"PRIMARY_REGION\":\"iad\",\"FLY_PROCESS_GROUP\":\"app\","
			    "\"LOG_LEVEL\":\"info\"%s},"
			    "\"init\":{\"cmd\":[\"./server\"]},\"guest\":{\"cpu_kind\":\"shared\",\"cpus\":1,\"memory_mb\":256},"
			    "\"metadata\":{\"fly_platform_version\":\"v2\",\"fly_process_group\":\"app\","
			    "\"fly_release_version\":\"3\",\"fly_flyctl_version\":\"0.3.221\"},"
			    "\"restart\":{\"policy\":\"on-failure\",\"max_retries\":10},"
			    "\"processes\":[{\"cmd\":[\"./server\"],\"user\":\"%s\"}],",
			    image,
			    (p & P_LEAKY) ? ",\"AWS_SECRET_ACCESS_KEY\":\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"" : "",
			    user);
	if (a->volumes > 0 && m == 0)
		rc |= fa_buf_printf(b, "\"mounts\":[{\"volume\":\"%s\",\"path\":\"/data\",\"name\":\"data\"}],", vid);
	if (p & P_PUBLIC_DB) {
		rc |= fa_buf_adds(b,
				  "\"services\":[{\"protocol\":\"tcp\",\"internal_port\":5432,\"autostop\":false,"
				  "\"autostart\":true,\"min_machines_running\":1,"
				  "\"ports\":[{\"port\":5432,\"handlers\":[\"pg_tls\"]}]}]},");
	} else {
		rc |= fa_buf_printf(b,
				    "\"services\":[{\"protocol\":\"tcp\",\"internal_port\":8080,\"autostop\":%s,"
				    "\"autostart\":true,\"min_machines_running\":%d,\"ports\":["
				    "{\"port\":80,\"handlers\":[\"http\"]%s},"
				    "{\"port\":443,\"handlers\":[\"tls\",\"http\"],\"tls_options\":{\"alpn\":[\"h2\",\"http/1.1\"],"
				    "\"versions\":%s}}],"
				    "\"concurrency\":{\"type\":\"connections\",\"hard_limit\":25,\"soft_limit\":20}%s}]},",
				    (p & P_ALWAYS_ON) ? "false" : a->autostop_suspend ? "\"suspend\"" : "true",
				    (p & P_ALWAYS_ON) ? 2 : 0,
				    (p & P_NO_HTTPS) ? "" : ",\"force_https\":true",
				    (p & P_OLD_TLS) ? "[\"TLSv1.0\",\"TLSv1.1\",\"TLSv1.2\"]" : "[\"TLSv1.2\",\"TLSv1.3\"]",
				    (p & P_NO_CHECKS) ? "" :
				    ",\"checks\":[{\"type\":\"http\",\"port\":8080,\"interval\":\"15s\",\"timeout\":\"2s\","
				    "\"method\":\"GET\",\"path\":\"/healthz\",\"protocol\":\"http\"}]");
	}
	rc |= fa_buf_printf(b,
			    "\"events\":[{\"id\":\"01JSYNEV%018llu\",\"type\":\"start\",\"status\":\"started\","
			    "\"source\":\"flyd\",\"timestamp\":%lld}],\"checks\":[",
			    (unsigned long long)(mix(a->seed + 9) % 1000000000000000000ULL),
			    1790000000000LL + a->idx * 1000);
	if (!(p & P_NO_CHECKS) && !(p & P_PUBLIC_DB))
		rc |= fa_buf_adds(b, "{\"name\":\"servicecheck-00-http-8080\",\"status\":\"passing\","
				     "\"output\":\"Success\",\"updated_at\":\"2026-11-01T10:00:02Z\"}");
	if (p & P_CRITICAL)
		rc |= fa_buf_printf(b, "%s{\"name\":\"servicecheck-01-tcp-8080\",\"status\":\"critical\","
				       "\"output\":\"connect: connection refused\",\"updated_at\":\"2026-11-01T10:00:05Z\"}",
				    (!(p & P_NO_CHECKS) && !(p & P_PUBLIC_DB)) ? "," : "");
	return rc | fa_buf_adds(b, "]}");
}

static int body_for_app(const struct app_info *a, enum fm_kind kind, fa_buf *b)
{
	unsigned int p = a->problems;
	char mid[32];
	char vid[32];
	int rc = 0;
	int i;

	switch (kind) {
	case FM_APP:
		return app_object(b, a);
	case FM_MACHINES:
		rc |= fa_buf_adds(b, "[");
		for (i = 0; i < a->machines; i++) {
			if (i > 0)
				rc |= fa_buf_adds(b, ",");
			rc |= machine_object(b, a, i);
		}
		return rc | fa_buf_adds(b, "]");
	case FM_VOLUMES:
		if (a->volumes == 0)
			return fa_buf_adds(b, "[]");
		machine_id(a, 0, mid, sizeof mid);
		volume_id(a, vid, sizeof vid);
		return fa_buf_printf(b,
				     "[{\"id\":\"%s\",\"name\":\"data\",\"state\":\"created\",\"size_gb\":1,"
				     "\"region\":\"%s\",\"zone\":\"%04x\",\"encrypted\":%s,\"attached_machine_id\":\"%s\","
				     "\"attached_alloc_id\":null,\"created_at\":\"2026-06-01T10:00:00.000Z\","
				     "\"fstype\":\"ext4\",\"snapshot_retention\":5,\"auto_backup_enabled\":%s,"
				     "\"host_status\":\"ok\",\"type\":\"local\"}]",
				     vid, regions[a->seed % 4], (unsigned int)(a->seed & 0xffff),
				     (p & P_PLAIN_VOL) ? "false" : "true", mid,
				     (p & P_NO_BACKUP) ? "false" : "true");
	case FM_SECRETS:
		return fa_buf_printf(b,
				     "{\"secrets\":[{\"name\":\"DATABASE_URL\",\"digest\":\"%016llx\","
				     "\"created_at\":\"2026-05-01T10:00:00Z\",\"updated_at\":\"2026-05-01T10:00:00Z\"},"
				     "{\"name\":\"SECRET_KEY_BASE\",\"digest\":\"%016llx\","
				     "\"created_at\":\"2026-05-01T10:00:00Z\",\"updated_at\":\"2026-05-01T10:00:00Z\"}]}",
				     (unsigned long long)mix(a->seed + 20), (unsigned long long)mix(a->seed + 21));
	case FM_IPS:
		rc |= fa_buf_printf(b,
				    "{\"ips\":[{\"ip\":\"2a09:8280:1::%lx:%x\",\"region\":\"global\",\"service_name\":\"\","
				    "\"shared\":false,\"created_at\":\"2026-05-01T10:02:00Z\"},",
				    (a->idx >> 16) + 1, (unsigned int)(a->idx & 0xffff));
		if (a->dedicated_v4 || (p & P_PUBLIC_DB))
			rc |= fa_buf_printf(b,
					    "{\"ip\":\"137.%ld.%ld.%ld\",\"region\":\"global\",\"shared\":false,"
					    "\"created_at\":\"2026-06-11T08:00:00Z\"}]}",
					    66 + (a->idx >> 16) % 100, (a->idx >> 8) & 0xff, a->idx & 0xff);
		else
			rc |= fa_buf_adds(b, "{\"ip\":\"66.241.124.213\",\"region\":\"global\",\"shared\":true,"
					     "\"created_at\":\"2026-05-01T10:02:01Z\"}]}");
		return rc;
	case FM_CERTS:
		rc |= fa_buf_adds(b, "[");
		for (i = 0; i < a->certs; i++) {
			int pending = (p & P_CERT_PENDING) && i == a->certs - 1;
			rc |= fa_buf_printf(b,
					    "%s{\"hostname\":\"%s%s.synth.example\",\"status\":\"%s\",\"dns_provider\":\"cloudflare\","
					    "\"acme_dns_configured\":%s,\"acme_alpn_configured\":%s,\"acme_http_configured\":%s,"
					    "\"ownership_txt_configured\":true,\"configured\":%s,\"acme_requested\":true,"
					    "\"has_custom_certificate\":false,\"has_fly_certificate\":true,"
					    "\"created_at\":\"2026-01-15T10:30:00Z\",\"updated_at\":\"2026-01-15T12:00:00Z\"}",
					    i > 0 ? "," : "", i == 0 ? "" : "www.", a->name,
					    pending ? "pending_validation" : "active", pending ? "false" : "true",
					    pending ? "false" : "true", pending ? "false" : "true",
					    pending ? "false" : "true");
		}
		return rc | fa_buf_adds(b, "]");
	case FM_APP_TOKENS:
		if (!(p & P_LONG_TOKEN) && a->idx % 3 != 0)
			return fa_buf_adds(b, "{\"nodes\":[]}");
		return fa_buf_printf(b,
				     "{\"nodes\":[{\"id\":\"syn%09ld\",\"name\":\"flyctl deploy token\","
				     "\"createdAt\":\"2026-02-01T10:00:00Z\",\"expiresAt\":\"%s\",\"revokedAt\":null,"
				     "\"profile\":\"deploy\",\"profileParams\":{\"app_id\":\"%s\"},"
				     "\"user\":{\"email\":\"ci@synth.example\"}}]}",
				     a->idx, (p & P_LONG_TOKEN) ? "2046-01-27T10:00:00Z" : "2027-02-01T10:00:00Z",
				     a->name);
	case FM_APPS:
	case FM_ORG_TOKENS:
	case FM_TOKENS_CURRENT:
	case FM_ORG_ACCESS:
		break;
	}
	return -1;
}

long fm_synth_members = 3;

/* A clean org: N members with two-factor protection (the token owners among them; the
 * first is the one admin), SSO required, no invitations, no WireGuard peers. */
static int synth_access(fa_buf *out)
{
	static const char *const named[] = {"owner", "auditor", "ci"};
	long i;
	int rc = 0;

	rc |= fa_buf_adds(out, "{\"id\":\"synthorg\",\"slug\":\"synth\",\"viewerRole\":\"member\","
			       "\"members\":{\"edges\":[");
	for (i = 0; i < fm_synth_members && rc == 0; i++) {
		char user[32];

		if (i < 3)
			snprintf(user, sizeof user, "%s", named[i]);
		else
			snprintf(user, sizeof user, "user%06ld", i);
		rc |= fa_buf_printf(out,
				    "%s{\"role\":\"%s\",\"joinedAt\":\"2025-01-01T00:00:00Z\",\"node\":{"
				    "\"id\":\"synU%06ld\",\"email\":\"%s@synth.example\",\"name\":\"%s\","
				    "\"twoFactorProtection\":true,\"lastRegion\":\"iad\"}}",
				    i ? "," : "", i == 0 ? "ADMIN" : "MEMBER", i, user, user);
	}
	rc |= fa_buf_adds(out, "]},\"invitations\":{\"nodes\":[]},"
			       "\"thirdPartyConfigurations\":{\"nodes\":[{\"id\":\"synSSO\",\"name\":"
			       "\"Synthetic IdP\",\"location\":\"https://idp.synth.example\","
			       "\"flyctlLevel\":\"REQUIRED\",\"uiexLevel\":\"REQUIRED\","
			       "\"customLevel\":\"DISABLED\",\"createdAt\":\"2025-01-01T00:00:00Z\"}]},"
			       "\"wireGuardPeers\":{\"nodes\":[]},\"delegatedWireGuardTokens\":{\"nodes\":[]}}");
	return rc ? -1 : 0;
}

int fm_synth_body(const fm_source *s, enum fm_kind kind, const char *app, fa_buf *out,
		  char *err, size_t errlen)
{
	struct app_info a;
	long idx;
	size_t i;
	int rc = 0;

	switch (kind) {
	case FM_APPS:
		rc |= fa_buf_printf(out, "{\"total_apps\":%zu,\"apps\":[", s->napps);
		for (i = 1; i <= s->napps && rc == 0; i++) {
			app_info((long)i, &a);
			if (i > 1)
				rc |= fa_buf_adds(out, ",");
			rc |= app_object(out, &a);
		}
		rc |= fa_buf_adds(out, "]}");
		break;
	case FM_ORG_TOKENS:
		rc = fa_buf_adds(out,
				 "{\"nodes\":[{\"id\":\"synORG000001\",\"name\":\"Org deploy token\","
				 "\"createdAt\":\"2025-01-01T00:00:00Z\",\"expiresAt\":\"2044-12-27T00:00:00Z\","
				 "\"revokedAt\":null,\"profile\":\"deploy_organization\",\"profileParams\":{},"
				 "\"user\":{\"email\":\"owner@synth.example\"}},"
				 "{\"id\":\"synORG000002\",\"name\":\"Read-only org token\","
				 "\"createdAt\":\"2026-06-01T00:00:00Z\",\"expiresAt\":\"2027-06-01T00:00:00Z\","
				 "\"revokedAt\":null,\"profile\":\"deploy_organization\",\"profileParams\":{},"
				 "\"user\":{\"email\":\"auditor@synth.example\"}}]}");
		break;
	case FM_ORG_ACCESS:
		rc = synth_access(out);
		break;
	case FM_TOKENS_CURRENT:
		rc = fa_buf_adds(out,
				 "{\"tokens\":[{\"token_id\":\"synthcurrent1\",\"org_slug\":\"synth\","
				 "\"organization\":\"Synthetic Org\",\"apps\":[],\"user\":\"auditor@synth.example\","
				 "\"restricted_to_machine\":\"\",\"source_machine_id\":\"\"}]}");
		break;
	default:
		idx = app_index(s, app);
		if (idx == 0) {
			snprintf(err, errlen, "no synthetic app %s", app != NULL ? app : "(null)");
			return -1;
		}
		app_info(idx, &a);
		rc = body_for_app(&a, kind, out);
		break;
	}
	if (rc != 0) {
		snprintf(err, errlen, "synthetic body too large or out of memory");
		return -1;
	}
	return 0;
}
