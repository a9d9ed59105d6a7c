/* test_torture.c: fail the Nth allocation, for every N, in the decoders, the checks, the
 * token decoder, the suppression parser, the snapshot reader, the TOML parser and the scan
 * parsers and checks (Dockerfile, workflow, fly.toml, token literals). Each run must end in
 * success or a clean error: no crash, no leak (ASan's leak checker and valgrind see to
 * that in `make asan` and `make valgrind`), and never a half-filled result.
 *
 * The allocator is swapped at link time (-Wl,--wrap=malloc,... for this binary only, see
 * the Makefile) and through cJSON's hooks, as curl's "torture" tests do. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flyaudit/api.h"
#include "flyaudit/audit.h"
#include "flyaudit/edge.h"
#include "flyaudit/macaroon.h"
#include "flyaudit/policy.h"
#include "flyaudit/registry.h"
#include "flyaudit/layers.h"

#include <archive.h>
#include <archive_entry.h>
#include "flyaudit/report.h"
#include "flyaudit/snapshot.h"
#include "flyaudit/scan.h"
#include "flyaudit/toml.h"

/* ---- the failing allocator ------------------------------------------------------- */

static long fail_at = -1; /* the allocation number that fails; -1 = none */
static long n_allocs;
static bool failed;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static bool should_fail(void)
{
	if (fail_at < 0)
		return false;
	if (++n_allocs == fail_at) {
		failed = true;
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t n)
{
	return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return should_fail() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return should_fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return should_fail() ? NULL : __real_strndup(s, n);
}

static void *cjson_malloc(size_t n)
{
	return should_fail() ? NULL : __real_malloc(n);
}

static void arm(long n)
{
	fail_at = n;
	n_allocs = 0;
	failed = false;
}

static void disarm(void)
{
	fail_at = -1;
}

/* ---- helpers --------------------------------------------------------------------- */

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
	buf = __real_malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#define MAX_POINTS 20000

/* Runs `op` failing allocation 1, 2, ... until a run completes without a failure.
 * op returns 0 on success, <0 on a clean error; after a success with a failure injected
 * it must still have produced a complete result (op checks that itself). */
typedef int (*torture_op)(void *ctx, bool injected);

static void torture(torture_op op, void *ctx, const char *what)
{
	long n;
	int rc;

	/* the reference run, with nothing failing */
	rc = op(ctx, false);
	if (rc != 0)
		fail_msg("%s: fails without any injected failure", what);
	for (n = 1; n < MAX_POINTS; n++) {
		arm(n);
		rc = op(ctx, true);
		disarm();
		if (!failed) {
			assert_int_equal(rc, 0);
			/* every allocation point was tried; there were some */
			assert_true(n > 1);
			print_message("%s: %ld allocation points\n", what, n - 1);
			return;
		}
		/* an injected failure either surfaced as an error or was absorbed */
		assert_true(rc <= 0);
	}
	fail_msg("%s: more than %d allocation points", what, MAX_POINTS);
}

/* ---- operations -------------------------------------------------------------------- */

typedef struct body_ctx {
	char *body;
	size_t len;
	int which;
} body_ctx;

static const unsigned char key[FA_API_HASH_KEY_LEN] = { 1, 2, 3 };

static int op_decode(void *vctx, bool injected)
{
	body_ctx *c = vctx;
	fa_app app;
	fa_app *apps = NULL;
	fa_token *toks = NULL;
	size_t n = 0, i;
	char err[FA_API_ERRLEN], *next = NULL;
	int rc;

	(void)injected;
	fa_app_init(&app);
	switch (c->which) {
	case 0: rc = fa_api_decode_machines(c->body, c->len, key, &app, err, sizeof(err)); break;
	case 1: rc = fa_api_decode_volumes(c->body, c->len, &app, err, sizeof(err)); break;
	case 2: rc = fa_api_decode_ips(c->body, c->len, &app, err, sizeof(err)); break;
	case 3: rc = fa_api_decode_secrets(c->body, c->len, &app, err, sizeof(err)); break;
	case 4: rc = fa_api_decode_certs_page(c->body, c->len, &app, &next, err, sizeof(err)); break;
	case 5: rc = fa_api_decode_apps(c->body, c->len, &apps, &n, err, sizeof(err)); break;
	default: rc = fa_api_decode_org_tokens(c->body, c->len, &toks, &n, NULL, err, sizeof(err)); break;
	}
	if (rc < 0) {
		/* nothing was kept */
		assert_int_equal(app.n_machines + app.n_volumes + app.n_ips + app.n_secrets + app.n_certs, 0);
		assert_null(apps);
		assert_null(toks);
		assert_null(next);
	} else if (c->which == 0) {
		assert_true(app.n_machines > 0);
	}
	free(next);
	for (i = 0; apps && i < n; i++)
		fa_app_release(&apps[i]);
	free(apps);
	for (i = 0; toks && i < n; i++)
		fa_token_release(&toks[i]);
	free(toks);
	fa_app_release(&app);
	return rc < 0 ? -1 : 0;
}

static void run_decoder(const char *fixture, int which)
{
	body_ctx c;
	char path[256];

	snprintf(path, sizeof(path), "tests/fixtures/api/%s", fixture);
	c.body = slurp(path, &c.len);
	c.which = which;
	torture(op_decode, &c, fixture);
	free(c.body);
}

static void test_decoders(void **state)
{
	(void)state;
	run_decoder("machines-env-secrets.json", 0);
	run_decoder("ref-machines-list.json", 0);
	run_decoder("machines-containers.json", 0);
	run_decoder("ref-volumes-list.json", 1);
	run_decoder("ref-ips-list.json", 2);
	run_decoder("ref-secrets-list.json", 3);
	run_decoder("ref-certificates-list.json", 4);
	run_decoder("ref-apps-list.json", 5);
	run_decoder("ref-graphql-org-tokens.json", 6);
}

/* people and access: a whole decode, or an error and nothing kept */
static int op_decode_access(void *vctx, bool injected)
{
	body_ctx *c = vctx;
	fa_access a;
	char err[FA_API_ERRLEN], *next[FA_ACCESS_COUNT];
	int rc, p;

	(void)injected;
	memset(&a, 0, sizeof(a));
	rc = fa_api_decode_access(c->body, c->len, -1, &a, next, err, sizeof(err));
	for (p = 0; p < FA_ACCESS_COUNT; p++) {
		assert_null(next[p]);
		if (rc < 0)
			assert_false(a.load[p].tried);
		else
			assert_true(a.load[p].loaded);
	}
	if (rc < 0)
		assert_int_equal(a.n_members + a.n_invitations + a.n_sso + a.n_peers + a.n_wg_tokens, 0);
	else
		assert_int_equal(a.n_members, 6);
	fa_access_release(&a);
	return rc < 0 ? -1 : 0;
}

/* the org-level checks over decoded access data */
static int op_audit_org(void *vctx, bool injected)
{
	const fa_inventory *inv = vctx;
	fa_audit_ctx ctx = { .org = "demo", .now = 1795911665 };
	fa_results rs;
	int rc;

	(void)injected;
	ctx.access = &inv->access;
	fa_results_init(&rs);
	rc = fa_audit_org(&ctx, inv, &rs);
	if (rc == 0)
		assert_true(rs.n > 10);
	fa_results_release(&rs);
	return rc < 0 ? -1 : 0;
}

static void test_access(void **state)
{
	body_ctx c;
	fa_inventory inv;
	char err[FA_API_ERRLEN], *next[FA_ACCESS_COUNT];

	(void)state;
	c.body = slurp("tests/fixtures/api/ref-graphql-access.json", &c.len);
	c.which = 0;
	torture(op_decode_access, &c, "fa_api_decode_access");
	memset(&inv, 0, sizeof(inv));
	inv.self.org_id = -1;
	assert_int_equal(fa_api_decode_access(c.body, c.len, -1, &inv.access, next, err, sizeof(err)), 0);
	torture(op_audit_org, &inv, "fa_audit_org (access)");
	fa_inventory_release(&inv);
	free(c.body);
}

/* the checks over a decoded app: all results, or an error and none half-made */
static int op_audit(void *vctx, bool injected)
{
	const fa_app *app = vctx;
	fa_audit_ctx ctx = { .org = "demo", .now = 1795911665 };
	fa_results rs;
	int rc;

	(void)injected;
	fa_results_init(&rs);
	rc = fa_audit_app(&ctx, app, &rs);
	if (rc == 0)
		assert_true(rs.n > 0);
	fa_results_release(&rs);
	return rc < 0 ? -1 : 0;
}

static void test_checks(void **state)
{
	fa_app app;
	size_t len;
	char *body = slurp("tests/fixtures/api/machines-env-secrets.json", &len);
	char err[FA_API_ERRLEN];

	(void)state;
	fa_app_init(&app);
	app.name = __real_strdup("leaky");
	assert_int_equal(fa_api_decode_machines(body, len, key, &app, err, sizeof(err)), 0);
	fa_load_ok(&app.load[FA_EP_MACHINES]);
	torture(op_audit, &app, "fa_audit_app");
	fa_app_release(&app);
	free(body);
}

static int op_macaroon(void *vctx, bool injected)
{
	const char *tok = vctx;
	fa_token_info *info = NULL;
	fa_buf out = FA_BUF_INIT(0);
	char err[256];
	int rc;

	(void)injected;
	rc = fa_macaroon_decode(tok, strlen(tok), 1795911665, &info, err, sizeof(err));
	if (rc < 0) {
		assert_null(info);
		return -1;
	}
	rc = fa_whoami_json(info, 1795911665, NULL, &out);
	fa_token_info_free(info);
	fa_buf_release(&out);
	return rc < 0 ? -1 : 0;
}

/* the edge decisions of one probed hostname (--probe): all six results, or an error */
static int op_edge(void *vctx, bool injected)
{
	const fa_edge_obs *obs = vctx;
	fa_audit_ctx ctx = { .org = "demo", .now = 1795911665, .probe = true };
	fa_results rs;
	int rc;

	(void)injected;
	fa_results_init(&rs);
	rc = fa_audit_edge(&ctx, obs, &rs);
	if (rc == 0)
		assert_int_equal(rs.n, 6);
	fa_results_release(&rs);
	return rc < 0 ? -1 : 0;
}

static void test_edge(void **state)
{
	static const char env[] = "DB_PASSWORD=x\nAPI_KEY=y\n";
	fa_edge_obs obs;
	size_t i;

	(void)state;
	memset(&obs, 0, sizeof(obs));
	obs.app = "leaky";
	obs.host = "leaky.fly.dev";
	obs.probe_addr = "192.0.2.1";
	obs.http_root.outcome = FA_EDGE_ANSWER;
	obs.http_root.status = 200;
	obs.https_root.outcome = FA_EDGE_ANSWER;
	obs.https_root.status = 200;
	obs.https_root.body = "<html></html>";
	obs.https_root.len = 13;
	obs.cert_expiry = 1795911665 + 86400;
	obs.tls[0].outcome = FA_EDGE_ANSWER;
	for (i = 0; i < FA_EDGE_N_SENSITIVE; i++) {
		obs.sensitive[i].outcome = FA_EDGE_ANSWER;
		obs.sensitive[i].status = 200;
		obs.sensitive[i].body = env;
		obs.sensitive[i].len = sizeof(env) - 1;
	}
	for (i = 0; i < FA_EDGE_N_ADMIN; i++) {
		obs.admin[i].outcome = FA_EDGE_ANSWER;
		obs.admin[i].status = 200;
		obs.admin[i].body = "admin";
		obs.admin[i].len = 5;
	}
	torture(op_edge, &obs, "fa_audit_edge");
}

static void test_macaroon(void **state)
{
	/* Organization 4242 read-only, ValidityWindow (as flymock --mint-token readonly) */
	static const char tok[] =
		"FlyV1 fm2_lJPECIuFF6hHXbqPxBBueZBXqNT7XjidUWzX0EG5wrVodHRwczovL2FwaS5mbHkuaW8vdjGUAJLNEJIB"
		"BJLOawtv8c5rghctxCBeuanGcK6GvW1t8o1B/QWVHUmPEOkSTtRVvHUYDePPSQ==";

	(void)state;
	torture(op_macaroon, (void *)tok, "fa_macaroon_decode");
}

static int op_suppressions(void *vctx, bool injected)
{
	const char *text = vctx;
	fa_suppressions s;
	char err[256];
	int rc;

	(void)injected;
	fa_suppressions_init(&s);
	rc = fa_suppressions_parse(text, strlen(text), "s.json", &s, err, sizeof(err));
	if (rc == 0)
		assert_int_equal(s.n, 3);
	fa_suppressions_release(&s);
	return rc < 0 ? -1 : 0;
}

static void test_suppressions(void **state)
{
	size_t len;
	char *text = slurp("examples/suppressions.json", &len);

	(void)state;
	torture(op_suppressions, text, "fa_suppressions_parse");
	free(text);
}

static int op_snapshot(void *vctx, bool injected)
{
	const char *path = vctx;
	fa_snapshot_reader *r = NULL;
	fa_inventory inv;
	fa_app app;
	char err[FA_SNAPSHOT_ERRLEN];
	int rc, apps = 0;

	(void)injected;
	memset(&inv, 0, sizeof(inv));
	if (fa_snapshot_reader_open(&r, path, &inv, err, sizeof(err)) < 0) {
		assert_null(r);
		fa_inventory_release(&inv);
		return -1;
	}
	fa_app_init(&app);
	while ((rc = fa_snapshot_read_app(r, &app, err, sizeof(err))) == 1) {
		apps++;
		fa_app_release(&app);
	}
	fa_app_release(&app);
	fa_snapshot_reader_close(r);
	fa_inventory_release(&inv);
	return rc < 0 ? -1 : 0;
}

static void test_snapshot_reader(void **state)
{
	(void)state;
	torture(op_snapshot, (void *)"tests/fixtures/snapshot/complete.jsonl", "snapshot reader");
}

/* The registry decoders on the demo's index, manifest and config shapes. */
static const char reg_index[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
	"{\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
	"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
	"{\"digest\":\"sha256:2222222222222222222222222222222222222222222222222222222222222222\","
	"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
static const char reg_config[] =
	"{\"created\":\"2026-11-01T10:00:00Z\",\"config\":{\"User\":\"app\",\"Env\":[\"PATH=/bin\","
	"\"GITHUB_TOKEN=ghp_Zq3xV8bN1mK4pL7wR2tY5uI9oE6aS0dF3gH8\"],\"ExposedPorts\":{\"8080/tcp\":{}},"
	"\"Labels\":{\"org.opencontainers.image.source\":\"https://github.com/x/y\"}},"
	"\"history\":[{\"created_by\":\"|1 NPM_TOKEN=npm_s3cr3tvalue0123456789 /bin/sh -c npm ci\"},"
	"{\"created_by\":\"USER app\",\"empty_layer\":true}]}";

static int op_registry(void *vctx, bool injected)
{
	fa_manifest m;
	fa_image img, copy;
	fa_auth_challenge ch;
	fa_image_ref ref;
	char err[256], *body;
	int rc = 0;

	(void)vctx;
	if (fa_manifest_decode(reg_index, sizeof(reg_index) - 1, &m, err, sizeof(err)) < 0) {
		rc = -1;
	} else {
		assert_non_null(m.platform_digest);
		fa_manifest_release(&m);
	}
	/* the config decoder zeroes values in place: decode a copy */
	body = __real_strdup(reg_config);
	memset(&img, 0, sizeof(img));
	if (fa_image_config_decode(body, strlen(body), key, &img, err, sizeof(err)) < 0) {
		rc = -1;
	} else {
		assert_int_equal(img.env.n_vars, 2);
		assert_int_equal(img.n_history, 2);
		if (fa_image_copy(&copy, &img) == 0) {
			assert_int_equal(copy.env.n_vars, 2);
			fa_image_release(&copy);
		} else {
			rc = -1;
		}
	}
	fa_image_release(&img);
	free(body);
	if (fa_auth_challenge_parse("Bearer realm=\"https://a/t\",service=\"s\",scope=\"x\"", &ch) == 0)
		fa_auth_challenge_release(&ch);
	else
		rc = -1;
	if (fa_image_ref_parse("nginx:1.27", &ref, err, sizeof(err)) == 0)
		fa_image_ref_release(&ref);
	else
		rc = -1;
	if (!injected && rc)
		fail_msg("registry decoders: %s", err);
	return rc;
}

static void test_registry_decoders(void **state)
{
	(void)state;
	torture(op_registry, NULL, "registry decoders");
}

/* --image-layers: a manifest's layer list, the layer reader (client/layers.c) on a small
 * gzip layer with a flagged .env, a key and a whiteout, and an image copy with its files. */
typedef struct layer_ctx {
	unsigned char *gz;
	size_t len;
} layer_ctx;

static const char reg_manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"config\":{\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},"
	"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"size\":10,"
	"\"digest\":\"sha256:2222222222222222222222222222222222222222222222222222222222222222\"},"
	"{\"size\":20,\"digest\":\"sha256:3333333333333333333333333333333333333333333333333333333333333333\"}]}";

static int op_layers(void *vctx, bool injected)
{
	layer_ctx *c = vctx;
	fa_layer_result res;
	fa_manifest m;
	fa_image img, copy;
	char err[256];
	int rc = 0;

	if (fa_manifest_decode(reg_manifest, sizeof(reg_manifest) - 1, &m, err, sizeof(err)) < 0) {
		rc = -1;
	} else {
		assert_int_equal(m.n_layers, 2);
		assert_string_equal(m.layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
		assert_null(m.layers[1].media_type);
		fa_manifest_release(&m);
	}
	if (fa_layer_read_memory(FA_LAYER_GZIP, c->gz, c->len, 100, 0, &res) < 0) {
		rc = -1;
	} else {
		if (res.state == FA_LAYER_DONE) {
			assert_int_equal(res.n_findings, 2);
			assert_string_equal(res.findings[0].path, "app/.env");
			assert_int_equal(res.n_whiteouts, 1);
		} else {
			assert_true(injected);
			assert_string_equal(res.note, "out of memory");
			rc = -1;
		}
		fa_layer_result_release(&res);
	}
	memset(&img, 0, sizeof(img));
	img.layers_tried = true;
	img.files = __real_malloc(sizeof(*img.files));
	img.files[0].path = __real_strdup("app/.env");
	img.files[0].layer = __real_strdup("sha256:22");
	img.files[0].detectors = FA_DET_SECRET_NAME;
	img.n_files = 1;
	img.layers_note = __real_strdup("capped");
	if (fa_image_copy(&copy, &img) == 0) {
		assert_int_equal(copy.n_files, 1);
		assert_string_equal(copy.files[0].path, "app/.env");
		assert_string_equal(copy.layers_note, "capped");
		fa_image_release(&copy);
	} else {
		rc = -1;
	}
	fa_image_release(&img);
	if (!injected && rc)
		fail_msg("layers: %s", err);
	return rc;
}

static void test_layers(void **state)
{
	static const struct {
		const char *path, *data;
	} es[] = {
		{ "app/server.js", "console.log(1)\n" },
		{ "./app/.env", "DATABASE_PASSWORD=Tr0ub4dor&3-horse-staple\n" },
		{ "root/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n" },
		{ "etc/.wh.old.pem", "" },
	};
	struct archive *a = archive_write_new();
	layer_ctx c;
	size_t i, cap = 1 << 20;

	(void)state;
	c.gz = __real_malloc(cap);
	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, c.gz, cap, &c.len), ARCHIVE_OK);
	for (i = 0; i < sizeof(es) / sizeof(es[0]); i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, es[i].path);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0600);
		archive_entry_set_size(e, (la_int64_t)strlen(es[i].data));
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		archive_write_data(a, es[i].data, strlen(es[i].data));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	torture(op_layers, &c, "layer reader");
	free(c.gz);
}

/* The second-round writers (HTML, OCSF, CSV, the notification, the fix plan, the
 * compliance summary) on a small report: an error or the very bytes of the reference run. */
typedef struct writers_ctx {
	fa_report rep;
	char *ref[6];
} writers_ctx;

static int buf_sink(void *ud, const char *data, size_t len)
{
	return fa_buf_add(ud, data, len);
}

static int op_writers(void *vctx, bool injected)
{
	writers_ctx *c = vctx;
	fa_report_counts counts;
	fa_result_mem_iter m;
	fa_result_iter it;
	fa_compliance_summary cs;
	fa_plan_item item = { "volumes.unencrypted", "high", "db", "volume", "vol_1", "pg", "ams", "m" };
	int k, rc = 0;

	memset(&counts, 0, sizeof(counts));
	fa_report_counts_add(&counts, &c->rep.results);
	static const char v2[] = "{\"schema\":\"flyaudit.report/v2\",\"orgs\":[{\"org\":\"a\",\"results\":"
				 "[{\"check\":\"volumes.unencrypted\",\"severity\":\"high\",\"status\":\"fail\","
				 "\"app\":\"db\",\"resource\":{\"type\":\"volume\",\"id\":\"vol_1\"}}]}]}";
	char err[200];
	size_t n_plan = 0;

	for (k = 0; k < 6 && rc == 0; k++) {
		fa_buf b = FA_BUF_INIT(0);
		fa_report_sink sink = { buf_sink, &b };

		fa_result_iter_memory(&it, &m, &c->rep.results);
		switch (k) {
		case 0: rc = fa_report_html_stream(&c->rep, &counts, &it, &sink); break;
		case 1: rc = fa_report_ocsf_stream(&c->rep, &counts, &it, &sink); break;
		case 2: rc = fa_report_csv_stream(&c->rep, &counts, &it, &sink); break;
		case 3: rc = fa_report_notify_payload(&c->rep, &counts, &it, FA_SEV_HIGH, 5, &b); break;
		case 4: rc = fa_report_plan("o", "r.json", &item, 1, &b); break;
		default: rc = fa_report_plan_json(v2, sizeof(v2) - 1, "v2.json", &b, &n_plan, err, sizeof(err)); break;
		}
		fa_result_mem_iter_release(&m);
		if (rc == 0 && fa_buf_add(&b, "", 0) < 0)
			rc = -1;
		if (rc == 0 && !injected)
			c->ref[k] = __real_strdup(b.data);
		else if (rc == 0)
			assert_string_equal(b.data, c->ref[k]);
		fa_buf_release(&b);
	}
	if (rc == 0) {
		fa_result_iter_memory(&it, &m, &c->rep.results);
		rc = fa_compliance_summarise(FA_FW_SOC2, &it, &cs);
		fa_result_mem_iter_release(&m);
		if (rc == 0) {
			assert_true(cs.n > 0);
			fa_compliance_summary_release(&cs);
		}
	}
	return rc < 0 ? -1 : 0;
}

static void test_writers(void **state)
{
	writers_ctx c;
	int k;

	(void)state;
	memset(&c, 0, sizeof(c));
	fa_report_init(&c.rep);
	c.rep.org = "o";
	c.rep.generated_at = "2026-11-28T12:00:00Z";
	c.rep.compliance = FA_FW_CIS_8_1;
	assert_int_equal(fa_report_add_error(&c.rep, "db", "volumes", 500, "boom <x>"), 0);
	assert_int_equal(fa_results_add(&c.rep.results, fa_check_find("volumes.unencrypted"), FA_STATUS_FAIL,
					"o", "db", "volume", "vol_1", "pg", "ams", "not encrypted"), 0);
	assert_int_equal(fa_results_add(&c.rep.results, fa_check_find("secrets.plaintext_env"), FA_STATUS_UNKNOWN,
					"o", "web", "machine", "m1", NULL, NULL, "=cmd"), 0);
	assert_int_equal(fa_results_add(&c.rep.results, fa_check_find("tls.https_not_forced"), FA_STATUS_PASS,
					"o", "web", "machine", "m1", NULL, NULL, "ok"), 0);
	fa_results_sort(&c.rep.results);
	torture(op_writers, &c, "report writers (html, ocsf, csv, notify, plan, plan from a v2 report)");
	for (k = 0; k < 6; k++)
		free(c.ref[k]);
	fa_report_release(&c.rep);
}

/* --all-orgs: the combined report, JSON v2 and the text sections over two orgs. */
typedef struct orgs_ctx {
	fa_report org[2];
	char *ref[2];
} orgs_ctx;

static int op_orgs_writers(void *vctx, bool injected)
{
	orgs_ctx *c = vctx;
	fa_report_counts counts[2], total;
	fa_result_mem_iter m[2];
	fa_result_iter it[2];
	fa_report_org views[2];
	fa_report top;
	int k, rc = 0;

	for (k = 0; k < 2; k++) {
		memset(&counts[k], 0, sizeof(counts[k]));
		fa_report_counts_add(&counts[k], &c->org[k].results);
		fa_result_iter_memory(&it[k], &m[k], &c->org[k].results);
		views[k].report = &c->org[k];
		views[k].counts = &counts[k];
		views[k].it = &it[k];
	}
	fa_report_init(&top);
	top.generated_at = "2026-11-28T12:00:00Z";
	top.compliance = FA_FW_SOC2;
	if (fa_report_orgs_combine(&top, &total, views, 2) < 0)
		rc = -1;
	for (k = 0; k < 2 && rc == 0; k++) {
		fa_buf b = FA_BUF_INIT(0);
		fa_report_sink sink = { buf_sink, &b };

		rc = k ? fa_report_text_orgs_stream(&top, &total, false, views, 2, &sink)
		       : fa_report_json_orgs_stream(&top, &total, views, 2, &sink);
		if (rc == 0 && fa_buf_add(&b, "", 1) < 0)
			rc = -1;
		if (rc == 0 && !injected)
			c->ref[k] = __real_strdup(b.data);
		else if (rc == 0)
			assert_string_equal(b.data, c->ref[k]);
		fa_buf_release(&b);
	}
	for (k = 0; k < 2; k++)
		fa_result_mem_iter_release(&m[k]);
	fa_report_release(&top);
	return rc < 0 ? -1 : 0;
}

static void test_orgs_writers(void **state)
{
	orgs_ctx c;
	int k;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (k = 0; k < 2; k++) {
		fa_report_init(&c.org[k]);
		c.org[k].org = k ? "b" : "a";
		assert_int_equal(fa_results_add(&c.org[k].results, fa_check_find("tokens.long_lived"),
						FA_STATUS_FAIL, c.org[k].org, NULL, "token", "t", NULL,
						NULL, "never expires"), 0);
		assert_int_equal(fa_results_add(&c.org[k].results, fa_check_find("volumes.unencrypted"),
						FA_STATUS_PASS, c.org[k].org, k ? "b-db" : "a-db",
						"volume", "v", NULL, NULL, "ok"), 0);
		fa_results_sort(&c.org[k].results);
	}
	assert_int_equal(fa_report_add_error(&c.org[1], NULL, "apps", 403, "unauthorized"), 0);
	torture(op_orgs_writers, &c, "--all-orgs report (combine, json v2, text)");
	for (k = 0; k < 2; k++) {
		free(c.ref[k]);
		fa_report_release(&c.org[k]);
	}
}

static int op_toml(void *vctx, bool injected)
{
	const char *text = vctx;
	fa_toml *doc = NULL;
	fa_toml_error err;
	const fa_toml_value *root;
	const char *s = NULL;
	int rc;

	(void)injected;
	rc = fa_toml_parse(&doc, text, strlen(text), &err);
	if (rc < 0) {
		assert_null(doc);
		assert_int_equal(rc, FA_TOML_ENOMEM);
		assert_int_equal(err.code, FA_TOML_ENOMEM);
		return -1;
	}
	/* all of it, or nothing */
	root = fa_toml_root(doc);
	assert_int_equal(fa_toml_table_size(root), 6);
	assert_int_equal(fa_toml_table_size(fa_toml_table_get(root, "env")), 20);
	assert_int_equal(fa_toml_as_string(fa_toml_get(root, "env.K19"), &s, NULL), 0);
	assert_string_equal(s, "v\xc3\xa9");
	assert_int_equal(fa_toml_array_size(fa_toml_table_get(root, "services")), 2);
	assert_int_equal(fa_toml_line(fa_toml_get(root, "http_service.tls_options.alpn")), 30);
	fa_toml_free(doc);
	return 0;
}

/* Every kind of value and table, and a table past the size where it gets a hash index. */
static void test_toml(void **state)
{
	static const char text[] =
		"app = \"demo\"\n"
		"a.b.c = [1, 2.5, true, 1979-05-27T07:32:00Z, {x = 'y', z.w = [[]]}]\n"
		"[env]\n"
		"K0 = \"v\\u00e9\"\nK1 = 'v'\nK2 = '''v'''\nK3 = \"\"\"\nv\"\"\"\nK4 = \"v\"\nK5 = \"v\"\n"
		"K6 = \"v\"\nK7 = \"v\"\nK8 = \"v\"\nK9 = \"v\"\nK10 = \"v\"\nK11 = \"v\"\nK12 = \"v\"\n"
		"K13 = \"v\"\nK14 = \"v\"\nK15 = \"v\"\nK16 = \"v\"\nK17 = \"v\"\nK18 = \"v\"\n"
		"K19 = \"v\\u00e9\"\n"
		"[[services]]\n"
		"[[services.ports]]\nport = 443\n"
		"[[services]]\n"
		"[http_service]\n"
		"tls_options.alpn = [\"h2\"]\n"
		"[checks.a]\n";

	(void)state;
	torture(op_toml, (void *)text, "fa_toml_parse");
}

/* The scan parsers and checks (scan.h) on the planted fixture files: a success with a
 * failure injected must give every result of the reference run. */
typedef struct scan_ctx {
	int which; /* 0 Dockerfile, 1 workflow, 2 fly.toml, 3 token literals */
	char *text;
	size_t len;
	size_t want; /* results of the reference run */
} scan_ctx;

static int op_scan(void *ctx, bool injected)
{
	scan_ctx *c = ctx;
	fa_scan_ctx sc = { NULL, 1700000000 };
	fa_results rs;
	fa_parse_error err;
	int rc;

	fa_results_init(&rs);
	switch (c->which) {
	case 0:
		rc = fa_scan_dockerfile(&sc, "Dockerfile", c->text, c->len, ".env*\n", 6, &rs, &err);
		break;
	case 1:
		rc = fa_scan_workflow(&sc, "w.yml", c->text, c->len, &rs, &err);
		break;
	case 2:
		rc = fa_scan_fly_toml(&sc, "fly.toml", c->text, c->len, &rs, &err);
		break;
	default:
		rc = fa_scan_token_literals(&sc, "notes.sh", c->text, c->len, &rs);
		break;
	}
	if (rc == 0) {
		if (!injected)
			c->want = rs.n;
		assert_int_equal(rs.n, c->want);
	}
	fa_results_release(&rs);
	return rc == 0 ? 0 : -1;
}

static void test_scan(void **state)
{
	static const char *const files[] = { "tests/fixtures/scan/planted/Dockerfile",
		"tests/fixtures/scan/planted/.github/workflows/deploy.yml",
		"tests/fixtures/scan/planted/fly.toml",
		"tests/fixtures/scan/planted/config/deploy-notes.sh" };
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		scan_ctx c = { i, NULL, 0, 0 };
		FILE *f = fopen(files[i], "rb");
		char buf[8192];

		assert_non_null(f);
		c.len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		c.text = buf;
		torture(op_scan, &c, files[i]);
		assert_true(c.want > 0);
	}
}

/* audit --repo: a fly.toml read with the run's key (fa_fly_toml_read) and held against
 * the demo's web-clean (fa_repo_drift): an error, or every result of the reference run. */
typedef struct repo_ctx {
	char *text;
	size_t len;
	fa_app app;
	size_t want;
} repo_ctx;

static int op_repo(void *vctx, bool injected)
{
	repo_ctx *c = vctx;
	fa_scan_ctx sc = { NULL, 1700000000 };
	fa_fly_toml *t = NULL;
	fa_parse_error err;
	fa_results rs;
	int rc;

	rc = fa_fly_toml_read(c->text, c->len, key, &t, &err);
	if (rc != 0) {
		assert_null(t);
		return -1;
	}
	fa_results_init(&rs);
	rc = fa_repo_drift(&sc, "fly.toml", t, &c->app, &rs);
	if (rc == 0) {
		if (!injected)
			c->want = rs.n;
		assert_int_equal(rs.n, c->want);
	}
	fa_results_release(&rs);
	fa_fly_toml_free(t);
	return rc == 0 ? 0 : -1;
}

static void test_repo(void **state)
{
	repo_ctx c;
	char err[FA_API_ERRLEN];
	char *body;
	size_t len;

	(void)state;
	memset(&c, 0, sizeof(c));
	fa_app_init(&c.app);
	c.app.name = __real_strdup("web-clean");
	body = slurp("mocks/fixtures/demo/apps/web-clean/machines.json", &len);
	assert_int_equal(fa_api_decode_machines(body, len, key, &c.app, err, sizeof(err)), 0);
	fa_load_ok(&c.app.load[FA_EP_MACHINES]);
	free(body);
	c.text = slurp("tests/fixtures/scan/drift/fly.toml", &c.len);
	torture(op_repo, &c, "fa_fly_toml_read + fa_repo_drift");
	assert_true(c.want > 0);
	free(c.text);
	fa_app_release(&c.app);
}

static int setup(void **state)
{
	cJSON_Hooks hooks = { cjson_malloc, free };

	(void)state;
	cJSON_InitHooks(&hooks);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoders),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_macaroon),
		cmocka_unit_test(test_suppressions),
		cmocka_unit_test(test_snapshot_reader),
		cmocka_unit_test(test_registry_decoders),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_writers),
		cmocka_unit_test(test_orgs_writers),
		cmocka_unit_test(test_toml),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_repo),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
