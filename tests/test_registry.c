/* test_registry.c: the registry decoders (client/fly/registry.c) on the OCI and Docker
 * shapes of REFERENCE.md section 9 and on hostile input, and the image checks
 * (audit/checks/image.c, container.runs_as_root from the image USER) on fixtures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "checks_fixture.h"
#include "flyaudit/registry.h"

#include <cjson/cJSON.h>

#include "../client/model_json.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

/* ---- references ---------------------------------------------------------------------- */

static void ref_ok(const char *image, const char *reg, const char *repo, const char *tag,
		   const char *digest)
{
	fa_image_ref r;
	char err[256] = "";

	if (fa_image_ref_parse(image, &r, err, sizeof(err)) != 0)
		fail_msg("%s: %s", image, err);
	assert_string_equal(r.registry, reg);
	assert_string_equal(r.repository, repo);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	fa_image_ref_release(&r);
}

static void test_refs(void **state)
{
	static const char *const bad[] = {
		"", "registry.fly.io/", "registry.fly.io/App", "nginx@sha256:12",
		"nginx@md5:1111", "registry.fly.io/a/../b", "reg istry.io/a", "a//b",
		"nginx:", "nginx:-x", "evil.io/a?b=c", "evil.io/a#x", "evil.io/a%2f",
	};
	size_t i;

	(void)state;
	ref_ok("registry.fly.io/web:deployment-01J5Z6X0ABCDEF", "registry.fly.io", "web",
	       "deployment-01J5Z6X0ABCDEF", NULL);
	ref_ok("nginx", "docker.io", "library/nginx", "latest", NULL);
	ref_ok("nginx:1.25", "docker.io", "library/nginx", "1.25", NULL);
	ref_ok("grafana/agent:v0.40", "docker.io", "grafana/agent", "v0.40", NULL);
	ref_ok("localhost:5000/a/b@" D1, "localhost:5000", "a/b", NULL, D1);
	ref_ok("registry.fly.io/web:v1@" D2, "registry.fly.io", "web", "v1", D2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fa_image_ref r;
		char err[256] = "";

		if (fa_image_ref_parse(bad[i], &r, err, sizeof(err)) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(err[0] != '\0');
	}
}

/* ---- digests --------------------------------------------------------------------------- */

static void test_digests(void **state)
{
	char d[72];

	(void)state;
	fa_registry_digest_of("", 0, d);
	assert_string_equal(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_true(fa_registry_digest_matches(d, "", 0));
	assert_false(fa_registry_digest_matches(d, "x", 1));
	assert_true(fa_registry_digest_valid(D1));
	assert_false(fa_registry_digest_valid("sha256:ABCD"));
	assert_false(fa_registry_digest_valid(D1 "0"));
	assert_false(fa_registry_digest_valid("sha512:1111111111111111111111111111111111111111111111111111111111111111"));
	assert_false(fa_registry_digest_valid(NULL));
	assert_false(fa_registry_digest_matches("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "", 0));
}

/* ---- manifests ------------------------------------------------------------------------- */

static void test_manifest_shapes(void **state)
{
	static const char oci[] =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1
		"\",\"size\":1470},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
		"\"digest\":\"" D2 "\",\"size\":1000},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
		"\"digest\":\"" D3 "\",\"size\":234}]}";
	static const char docker[] =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
		"\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":7023,"
		"\"digest\":\"" D1 "\"},\"layers\":[]}";
	static const char bare[] = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D3 "\"}}";
	static const char index[] =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1
		"\",\"size\":7143,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2
		"\",\"size\":7682,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3
		"\",\"size\":566,\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"},"
		"\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}]}";
	static const char list_no_amd64[] =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
		"\"manifests\":[{\"digest\":\"" D1 "\",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}}]}";
	fa_manifest m;
	char err[256] = "";

	(void)state;
	assert_int_equal(fa_manifest_decode(oci, sizeof(oci) - 1, &m, err, sizeof(err)), 0);
	assert_int_equal(m.kind, FA_MANIFEST_IMAGE);
	assert_string_equal(m.config_digest, D1);
	assert_int_equal(m.config_size, 1470);
	assert_int_equal(m.n_layers, 2);
	assert_int_equal(m.layers_size, 1234);
	fa_manifest_release(&m);
	assert_int_equal(fa_manifest_decode(docker, sizeof(docker) - 1, &m, err, sizeof(err)), 0);
	assert_int_equal(m.kind, FA_MANIFEST_IMAGE);
	assert_int_equal(m.n_layers, 0);
	fa_manifest_release(&m);
	assert_int_equal(fa_manifest_decode(bare, sizeof(bare) - 1, &m, err, sizeof(err)), 0);
	assert_string_equal(m.config_digest, D3);
	fa_manifest_release(&m);
	assert_int_equal(fa_manifest_decode(index, sizeof(index) - 1, &m, err, sizeof(err)), 0);
	assert_int_equal(m.kind, FA_MANIFEST_INDEX);
	assert_int_equal(m.n_manifests, 3);
	assert_string_equal(m.platform_digest, D2);
	fa_manifest_release(&m);
	assert_int_equal(fa_manifest_decode(list_no_amd64, sizeof(list_no_amd64) - 1, &m, err,
					    sizeof(err)), 0);
	assert_int_equal(m.kind, FA_MANIFEST_INDEX);
	assert_null(m.platform_digest);
	fa_manifest_release(&m);
}

static void test_manifest_hostile(void **state)
{
	static const struct {
		const char *body;
		const char *needle;
	} bad[] = {
		{"", "empty"},
		{"[]", "not a JSON object"},
		{"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}", "unknown manifest media type"},
		{"{\"mediaType\":\"text/html\\u0000x\"}", "NUL"},
		{"{\"mediaType\":7}", "not a string"},
		{"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}", "config"},
		{"{\"config\":{\"digest\":\"sha256:../../etc/passwd\"}}", "config"},
		{"{\"config\":{\"digest\":\"" D1 "\",\"size\":-1}}", "size"},
		{"{\"config\":{\"digest\":\"" D1 "\"},\"layers\":{}}", "layers"},
		{"{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[{\"digest\":\"x\"}]}", "layer 0"},
		{"{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[7]}", "layer 0"},
		{"{\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}", "manifests"},
		{"{\"manifests\":[{\"digest\":\"sha256:zz\"}]}", "index entry 0"},
		{"{\"manifests\":[\"" D1 "\"]}", "index entry 0"},
		{"{\"config\":{\"digest\":\"" D1 "\"}", "truncated"},
		{"{\"config\":{\"digest\":\"" D1 "\"}} x", "trailing"},
		{"\xff\xfe{}", "UTF-8"},
	};
	size_t i;
	char deep[400];

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fa_manifest m;
		char err[256] = "";

		if (fa_manifest_decode(bad[i].body, strlen(bad[i].body), &m, err, sizeof(err)) == 0)
			fail_msg("accepted %s", bad[i].body);
		if (!strstr(err, bad[i].needle))
			fail_msg("%s: error \"%s\" lacks \"%s\"", bad[i].body, err, bad[i].needle);
		assert_null(m.config_digest);
	}
	memset(deep, '[', sizeof(deep));
	{
		fa_manifest m;
		char err[256] = "";

		assert_int_equal(fa_manifest_decode(deep, sizeof(deep), &m, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "deeper"));
		/* over the cap: refused before parsing */
		assert_int_equal(fa_manifest_decode(deep, FA_REGISTRY_MAX_MANIFEST + 1, &m, err,
						    sizeof(err)), -1);
		assert_non_null(strstr(err, "larger"));
	}
}

/* ---- configs --------------------------------------------------------------------------- */

#define GHP "ghp_" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"

static void test_config_decode(void **state)
{
	static const char cfg[] =
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2025-06-01T10:00:00.123Z\","
		"\"config\":{\"User\":\"app:app\",\"Env\":[\"PATH=/usr/local/bin:/usr/bin\","
		"\"NODE_ENV=production\",\"GITHUB_TOKEN=" GHP "\",\"EMPTY=\",\"NOEQUALS\"],"
		"\"ExposedPorts\":{\"8080/tcp\":{}},\"Labels\":{\"org.opencontainers.image.source\":"
		"\"https://github.com/acme/web\",\"org.opencontainers.image.revision\":\"abc123\"},"
		"\"Entrypoint\":[\"/app\"],\"WorkingDir\":\"/app\"},"
		"\"history\":[{\"created\":\"2025-06-01T10:00:00Z\",\"created_by\":\"/bin/sh -c #(nop) ADD file:abc in / \"},"
		"{\"created_by\":\"ARG NPM_TOKEN\",\"empty_layer\":true},"
		"{\"created_by\":\"|1 NPM_TOKEN=npm_s3cr3tvalue0123456789abcdef /bin/sh -c npm ci\"},"
		"{\"created_by\":\"RUN /bin/sh -c curl -H 'x: " GHP "' https://x\"},"
		"{\"created_by\":\"ENV API_KEY=$API_KEY\",\"empty_layer\":true}],"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]}}";
	fa_image img;
	char err[256] = "";
	char *copy = strdup(cfg);
	size_t i;

	(void)state;
	memset(&img, 0, sizeof(img));
	assert_int_equal(fa_image_config_decode(copy, strlen(copy), NULL, &img, err, sizeof(err)), 0);
	assert_string_equal(img.created, "2025-06-01T10:00:00.123Z");
	assert_string_equal(img.user, "app:app");
	assert_int_equal(img.env.n_vars, 5);
	assert_string_equal(img.env.vars[2].name, "GITHUB_TOKEN");
	assert_true(img.env.vars[2].detectors & FA_DET_GITHUB_TOKEN);
	assert_int_equal(img.env.vars[2].value_len, strlen(GHP));
	assert_int_equal(img.env.vars[1].detectors, 0);
	assert_string_equal(img.env.vars[4].name, "NOEQUALS");
	assert_string_equal(img.label_source, "https://github.com/acme/web");
	assert_string_equal(img.label_revision, "abc123");
	assert_null(img.label_version);
	assert_int_equal(img.n_exposed_ports, 1);
	assert_string_equal(img.exposed_ports[0], "8080/tcp");
	assert_int_equal(img.n_history, 5);
	assert_int_equal(img.history[0].detectors, 0);
	assert_int_equal(img.history[1].detectors, 0); /* ARG without a value */
	assert_true(img.history[1].empty_layer);
	assert_true(img.history[2].detectors & FA_DET_SECRET_NAME);
	assert_true(img.history[3].detectors & FA_DET_GITHUB_TOKEN);
	assert_int_equal(img.history[4].detectors, 0); /* a reference, not a value */
	/* nothing of a value is kept in the model (the response buffer is the transport's) */
	for (i = 0; i < img.env.n_vars; i++)
		assert_null(strstr(img.env.vars[i].name, "ghp_"));
	fa_image_release(&img);
	free(copy);
}

static void test_config_hostile(void **state)
{
	static const struct {
		const char *body;
		const char *needle;
	} bad[] = {
		{"[]", "not a JSON object"},
		{"{\"config\":[]}", "config.config"},
		{"{\"created\":7}", "created"},
		{"{\"config\":{\"User\":0}}", "User"},
		{"{\"config\":{\"Env\":\"A=B\"}}", "Env"},
		{"{\"config\":{\"Env\":[1]}}", "Env[0]"},
		{"{\"history\":{}}", "history"},
		{"{\"history\":[1]}", "history[0]"},
		{"{\"config\":{}", "truncated"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fa_image img;
		char err[256] = "";

		memset(&img, 0, sizeof(img));
		if (fa_image_config_decode(bad[i].body, strlen(bad[i].body), NULL, &img, err,
					   sizeof(err)) == 0)
			fail_msg("accepted %s", bad[i].body);
		if (!strstr(err, bad[i].needle))
			fail_msg("%s: error \"%s\" lacks \"%s\"", bad[i].body, err, bad[i].needle);
		fa_image_release(&img);
	}
	{
		fa_image img;
		char err[256] = "";

		memset(&img, 0, sizeof(img));
		assert_int_equal(fa_image_config_decode("{}", FA_REGISTRY_MAX_CONFIG + 1, NULL, &img,
							err, sizeof(err)), -1);
		assert_non_null(strstr(err, "larger"));
		/* a config with nothing: decodes, no user (root), no env */
		assert_int_equal(fa_image_config_decode("{}", 2, NULL, &img, err, sizeof(err)), 0);
		assert_null(img.user);
		assert_int_equal(img.env.n_vars, 0);
		fa_image_release(&img);
	}
}

static void test_step_classify(void **state)
{
	(void)state;
	assert_int_equal(fa_image_step_classify("", 0), 0);
	assert_int_equal(fa_image_step_classify("/bin/sh -c apt-get install -y curl", 34), 0);
	assert_true(fa_image_step_classify("|2 A=1 DB_PASSWORD=hunter2hunter2 /bin/sh -c x", 46) &
		    FA_DET_SECRET_NAME);
	assert_true(fa_image_step_classify("ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", 42) &
		    FA_DET_AWS_KEY);
	assert_int_equal(fa_image_step_classify("ENV PORT=8080 NODE_ENV=production", 33), 0);
}

/* ---- challenges, tokens, credentials ----------------------------------------------------- */

static void test_challenge(void **state)
{
	fa_auth_challenge c;
	char err[128];
	char *t;

	(void)state;
	assert_int_equal(fa_auth_challenge_parse("Bearer realm=\"https://registry.fly.io/token\","
						 "service=\"registry.fly.io\",scope=\"repository:web:pull\"",
						 &c), 0);
	assert_string_equal(c.realm, "https://registry.fly.io/token");
	assert_string_equal(c.service, "registry.fly.io");
	assert_string_equal(c.scope, "repository:web:pull");
	fa_auth_challenge_release(&c);
	assert_int_equal(fa_auth_challenge_parse("Bearer realm=https://a/t", &c), 0);
	assert_string_equal(c.realm, "https://a/t");
	assert_null(c.service);
	fa_auth_challenge_release(&c);
	assert_int_equal(fa_auth_challenge_parse("Basic realm=\"x\"", &c), 1);
	assert_int_equal(fa_auth_challenge_parse("Bearer service=\"x\"", &c), -1);
	assert_int_equal(fa_auth_challenge_parse("Bearer realm=\"unterminated", &c), -1);
	assert_int_equal(fa_auth_challenge_parse("Bearer realm", &c), -1);
	assert_int_equal(fa_auth_challenge_parse("Negotiate", &c), -1);
	assert_int_equal(fa_auth_challenge_parse(NULL, &c), -1);

	t = fa_registry_decode_token("{\"token\":\"abc\"}", 15, err, sizeof(err));
	assert_string_equal(t, "abc");
	free(t);
	t = fa_registry_decode_token("{\"access_token\":\"def\"}", 22, err, sizeof(err));
	assert_string_equal(t, "def");
	free(t);
	assert_null(fa_registry_decode_token("{\"token\":\"\"}", 12, err, sizeof(err)));
	assert_null(fa_registry_decode_token("{\"token\":\"a\\r\\nX: y\"}", 21, err, sizeof(err)));
	assert_null(fa_registry_decode_token("nope", 4, err, sizeof(err)));

	t = fa_registry_fly_credentials("FlyV1 fm2_aaa,fm2_bbb");
	assert_string_equal(t, "x:fm2_aaa,fm2_bbb");
	free(t);
	t = fa_registry_fly_credentials("fm2_ccc\n");
	assert_string_equal(t, "x:fm2_ccc");
	free(t);
}

static void test_registry_base(void **state)
{
	char out[256], err[256];

	(void)state;
	assert_int_equal(fa_registry_base("registry.fly.io", out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "https://registry.fly.io");
	assert_int_equal(fa_registry_base("https://r.example.com/", out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "https://r.example.com");
	assert_int_equal(fa_registry_base("http://127.0.0.1:5000", out, sizeof(out), err, sizeof(err)), 0);
	assert_int_equal(fa_registry_base("http://registry.fly.io", out, sizeof(out), err, sizeof(err)), -1);
	assert_int_equal(fa_registry_base("ftp://x", out, sizeof(out), err, sizeof(err)), -1);
	assert_int_equal(fa_registry_base("", out, sizeof(out), err, sizeof(err)), -1);
	assert_int_equal(fa_registry_base("a b", out, sizeof(out), err, sizeof(err)), -1);
}

/* ---- checks on images --------------------------------------------------------------------- */

static fa_image *fx_image(fa_app *a, const char *digest, const char *user, const char *created)
{
	fa_image *img = FX_PUSH(a->images, a->n_images);

	img->digest = fx_str(digest);
	img->ref = fx_str("registry.fly.io/web:deployment-1");
	img->user = fx_str(user);
	img->created = fx_str(created);
	fa_load_ok(&img->load);
	return img;
}

static fa_machine *fx_img_machine(fa_app *a, const char *id, const char *digest)
{
	fa_machine *m = fx_machine(a, id, "started");

	/* the fixture machine names user "app" in processes[0]: drop it, the image decides */
	free(m->processes[0].user);
	m->processes[0].user = NULL;
	m->image_digest = fx_str(digest);
	return m;
}

static void test_image_checks(void **state)
{
	fa_app a;
	fa_image *img;
	fa_results rs;
	fa_machine *m;

	(void)state;
	fx_app(&a, "web");
	fa_load_ok(&a.load[FA_EP_IMAGES]);
	img = fx_image(&a, D1, "", "2025-12-01T00:00:00Z"); /* root, fresh, token in ENV */
	fx_env(&img->env, "GITHUB_TOKEN", FA_DET_GITHUB_TOKEN, 1);
	fx_env(&img->env, "PATH", 0, 2);
	img = fx_image(&a, D2, "1000:1000", "2023-01-01T00:00:00Z"); /* stale, history token */
	img->history = calloc(2, sizeof(*img->history));
	img->n_history = 2;
	img->history[1].detectors = FA_DET_SECRET_NAME;
	img = fx_image(&a, D3, "node", "2025-11-20T00:00:00Z"); /* clean */
	fx_env(&img->env, "NODE_ENV", 0, 3);
	img = fx_image(&a, "sha256:4444444444444444444444444444444444444444444444444444444444444444",
		       NULL, NULL);
	fa_load_fail(&img->load, 401, "the registry refused the credentials");
	fx_img_machine(&a, "m-root", D1);
	fx_img_machine(&a, "m-stale", D2);
	fx_img_machine(&a, "m-clean", D3);
	fx_img_machine(&a, "m-401", "sha256:4444444444444444444444444444444444444444444444444444444444444444");
	m = fx_img_machine(&a, "m-named", D1); /* the config names a user: the image's is moot */
	m->processes[0].user = fx_str("app");
	fx_run(&a, NULL, &rs);

	fx_expect(&rs, "container.runs_as_root", "m-root", FA_STATUS_FAIL, "sets no USER");
	fx_expect(&rs, "container.runs_as_root", "m-stale", FA_STATUS_PASS, "USER \"1000:1000\"");
	fx_expect(&rs, "container.runs_as_root", "m-clean", FA_STATUS_PASS, "USER \"node\"");
	fx_expect(&rs, "container.runs_as_root", "m-401", FA_STATUS_UNKNOWN, "HTTP 401");
	fx_expect(&rs, "container.runs_as_root", "m-named", FA_STATUS_PASS, "non-root user");

	fx_expect(&rs, "secrets.image_env", "m-root", FA_STATUS_FAIL, "GITHUB_TOKEN (github_token)");
	fx_expect(&rs, "secrets.image_env", "m-clean", FA_STATUS_PASS, "no credential");
	fx_expect(&rs, "secrets.image_env", "m-401", FA_STATUS_UNKNOWN, "refused the credentials");
	fx_expect(&rs, "secrets.image_history", "m-stale", FA_STATUS_FAIL, "step 2 (secret_name)");
	fx_expect(&rs, "secrets.image_history", "m-clean", FA_STATUS_PASS, "0 build steps");
	fx_expect(&rs, "secrets.image_history", "m-401", FA_STATUS_UNKNOWN, "HTTP 401");
	fx_expect(&rs, "container.image_stale", "m-stale", FA_STATUS_FAIL, "more than 180");
	fx_expect(&rs, "container.image_stale", "m-clean", FA_STATUS_PASS, "42 days ago");
	fx_expect(&rs, "container.image_stale", "m-401", FA_STATUS_UNKNOWN, "HTTP 401");
	{
		const fa_result *r = fx_get(&rs, "secrets.image_env", "m-root");

		assert_null(strstr(r->message, "ghp_"));
	}
	fa_results_release(&rs);

	/* --max-image-age 30: the clean image is now stale too */
	{
		fa_audit_ctx c = fx_ctx(NULL);

		c.max_image_age_days = 30;
		fa_results_init(&rs);
		assert_int_equal(fa_audit_app(&c, &a, &rs), 0);
		fx_expect(&rs, "container.image_stale", "m-clean", FA_STATUS_FAIL, "more than 30");
		fa_results_release(&rs);
	}
	fa_app_release(&a);
}

static void test_image_checks_unread(void **state)
{
	fa_app a;
	fa_results rs;
	fa_image *img;

	(void)state;
	/* images not asked for: the image checks say nothing, runs_as_root stays unknown */
	fx_app(&a, "web");
	fx_img_machine(&a, "m1", D1);
	fx_run(&a, NULL, &rs);
	assert_int_equal(fx_count(&rs, "secrets.image_env"), 0);
	assert_int_equal(fx_count(&rs, "container.image_stale"), 0);
	fx_expect(&rs, "container.runs_as_root", "m1", FA_STATUS_UNKNOWN, "fly ssh console -C id");
	fa_results_release(&rs);

	/* asked for, the whole read failed (a 401 registry): unknown with the reason */
	fx_fail_load(&a, FA_EP_IMAGES, 401, "registry.fly.io refused the token");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "secrets.image_env", "m1", FA_STATUS_UNKNOWN, "refused the token");
	fx_expect(&rs, "container.runs_as_root", "m1", FA_STATUS_UNKNOWN, "refused the token");
	fa_results_release(&rs);

	/* the epoch as build date: unknown, not stale */
	fa_load_ok(&a.load[FA_EP_IMAGES]);
	img = fx_image(&a, D1, "root", "1970-01-01T00:00:00Z");
	(void)img;
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "container.image_stale", "m1", FA_STATUS_UNKNOWN, "reproducible");
	fx_expect(&rs, "container.runs_as_root", "m1", FA_STATUS_FAIL, "USER \"root\"");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* Multi-container machines: each container that names no user takes its own image's USER. */
static void test_container_images(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_container *c;
	fa_image *img;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	fa_load_ok(&a.load[FA_EP_IMAGES]);
	img = fx_image(&a, D1, "app", "2025-12-01T00:00:00Z");
	free(img->ref);
	img->ref = fx_str("registry.fly.io/web:v1");
	img = fx_image(&a, "nginx:1.27", "", "2025-12-01T00:00:00Z");
	free(img->ref);
	img->ref = fx_str("nginx:1.27");
	fx_env(&img->env, "UPSTREAM_TOKEN", FA_DET_GITHUB_TOKEN, 1);
	m = fx_machine_bare(&a, "m-multi", "started");
	c = FX_PUSH(m->containers, m->n_containers);
	c->name = fx_str("app");
	c->image = fx_str("registry.fly.io/web:v1");
	c = FX_PUSH(m->containers, m->n_containers);
	c->name = fx_str("nginx");
	c->image = fx_str("nginx:1.27");
	m->image_digest = fx_str(D1);
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "container.runs_as_root", "m-multi", FA_STATUS_FAIL,
		  "container nginx runs as root: the image (nginx:1.27) sets no USER");
	fx_expect(&rs, "secrets.image_env", "m-multi", FA_STATUS_FAIL, "UPSTREAM_TOKEN");
	fa_results_release(&rs);
	/* the nginx container names a user: only the app container's image decides, and passes */
	m->containers[1].user = fx_str("nginx");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "container.runs_as_root", "m-multi", FA_STATUS_PASS,
		  "container app runs as the image's USER \"app\"");
	fa_results_release(&rs);
	/* an unread container image: unknown, never pass */
	free(m->containers[0].image);
	m->containers[0].image = fx_str("registry.fly.io/other:v9");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "container.runs_as_root", "m-multi", FA_STATUS_UNKNOWN, "not read");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* secrets.image_files (--image-layers): fail on a flagged file (deleted later or not),
 * unknown when a layer was not read whole, pass when every layer was, nothing without
 * --image-layers or layers in the snapshot. */
static void image_file(fa_image *img, const char *path, uint32_t det, bool deleted)
{
	fa_image_file *f = FX_PUSH(img->files, img->n_files);

	f->path = fx_str(path);
	f->detectors = det;
	f->layer = fx_str("sha256:abababababababababababababababababababababababababababababababab");
	f->deleted = deleted;
}

static void test_image_files_check(void **state)
{
	fa_app a;
	fa_image *img;
	fa_results rs;
	fa_audit_ctx c = fx_ctx(NULL);

	(void)state;
	fx_app(&a, "web");
	fa_load_ok(&a.load[FA_EP_IMAGES]);
	img = fx_image(&a, D1, "app", "2025-12-01T00:00:00Z");
	img->layers_tried = true;
	img->layers_complete = true;
	img->n_layers = 2;
	image_file(img, "app/.env", FA_DET_SECRET_NAME, false);
	image_file(img, "root/.ssh/id_ed25519", FA_DET_PEM_PRIVATE, true);
	img = fx_image(&a, D2, "app", "2025-12-01T00:00:00Z"); /* clean, read whole */
	img->layers_tried = true;
	img->layers_complete = true;
	img->n_layers = 3;
	img->files_sniffed = 1;
	img = fx_image(&a, D3, "app", "2025-12-01T00:00:00Z"); /* a gzip bomb stopped at the cap */
	img->layers_tried = true;
	img->layers_note = fx_str("layer sha256:cdcd... stopped at the cap of 2048 MiB decompressed");
	img = fx_image(&a, "sha256:4444444444444444444444444444444444444444444444444444444444444444",
		       "app", "2025-12-01T00:00:00Z"); /* capped, but a credential came first */
	img->layers_tried = true;
	img->layers_note = fx_str("stopped at the cap");
	image_file(img, "srv/.npmrc", FA_DET_SECRET_NAME, false);
	fx_img_machine(&a, "m-leak", D1);
	fx_img_machine(&a, "m-clean", D2);
	fx_img_machine(&a, "m-bomb", D3);
	fx_img_machine(&a, "m-capped-leak",
		       "sha256:4444444444444444444444444444444444444444444444444444444444444444");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "secrets.image_files", "m-leak", FA_STATUS_FAIL,
		  "app/.env (secret_name) in layer sha256:abababababab");
	fx_expect(&rs, "secrets.image_files", "m-leak", FA_STATUS_FAIL,
		  "root/.ssh/id_ed25519 (private_key) in layer sha256:abababababab (deleted by a later layer");
	fx_expect(&rs, "secrets.image_files", "m-clean", FA_STATUS_PASS,
		  "3 layers read, 1 suspicious files read, none holds a credential");
	fx_expect(&rs, "secrets.image_files", "m-bomb", FA_STATUS_UNKNOWN, "stopped at the cap");
	fx_expect(&rs, "secrets.image_files", "m-capped-leak", FA_STATUS_FAIL, "srv/.npmrc");
	fa_results_release(&rs);

	/* the same images without their layers: not evaluated, unless --image-layers was
	 * given (then unknown, never pass) */
	for (size_t i = 0; i < a.n_images; i++)
		a.images[i].layers_tried = false;
	fx_run(&a, NULL, &rs);
	assert_int_equal(fx_count(&rs, "secrets.image_files"), 0);
	fa_results_release(&rs);
	c.image_layers = true;
	fa_results_init(&rs);
	assert_int_equal(fa_audit_app(&c, &a, &rs), 0);
	fx_expect(&rs, "secrets.image_files", "m-clean", FA_STATUS_UNKNOWN,
		  "its layers were not read");
	fa_results_release(&rs);
	/* --image-layers and a registry that refused: unknown with the reason */
	fa_load_fail(&a.images[1].load, 401, "the registry refused the credentials");
	fa_results_init(&rs);
	assert_int_equal(fa_audit_app(&c, &a, &rs), 0);
	fx_expect(&rs, "secrets.image_files", "m-clean", FA_STATUS_UNKNOWN, "refused the credentials");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* The layer findings survive the snapshot (model_json) and fa_image_copy; an image read
 * without --image-layers writes no layer keys. */
static void test_image_files_snapshot(void **state)
{
	fa_image img, back, cp;
	cJSON *j;
	char err[256];

	(void)state;
	memset(&img, 0, sizeof(img));
	img.digest = fx_str(D1);
	fa_load_ok(&img.load);
	j = fa_mj_image(&img);
	assert_non_null(j);
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "files"));
	cJSON_Delete(j);
	img.layers_tried = true;
	img.layers_note = fx_str("layer sha256:cd... stopped at the cap");
	img.files_sniffed = 4;
	img.n_files_more = 2;
	img.layers_read_bytes = 1234;
	img.layers_unpacked = 99999;
	image_file(&img, "app/.env", FA_DET_SECRET_NAME | FA_DET_AWS_KEY, false);
	image_file(&img, "root/.ssh/id_rsa", FA_DET_PEM_PRIVATE, true);
	j = fa_mj_image(&img);
	assert_non_null(j);
	assert_int_equal(fa_mj_image_from(j, "images[0]", &back, err, sizeof(err)), 0);
	cJSON_Delete(j);
	assert_int_equal(fa_image_copy(&cp, &back), 0);
	for (int k = 0; k < 2; k++) {
		const fa_image *b = k ? &cp : &back;

		assert_true(b->layers_tried);
		assert_false(b->layers_complete);
		assert_string_equal(b->layers_note, img.layers_note);
		assert_int_equal(b->files_sniffed, 4);
		assert_int_equal(b->n_files_more, 2);
		assert_int_equal(b->layers_read_bytes, 1234);
		assert_int_equal(b->layers_unpacked, 99999);
		assert_int_equal(b->n_files, 2);
		assert_string_equal(b->files[0].path, "app/.env");
		assert_int_equal(b->files[0].detectors, FA_DET_SECRET_NAME | FA_DET_AWS_KEY);
		assert_string_equal(b->files[1].layer, img.files[1].layer);
		assert_false(b->files[0].deleted);
		assert_true(b->files[1].deleted);
	}
	fa_image_release(&back);
	fa_image_release(&cp);
	/* hostile snapshot lines: an unknown detector, a path that is not a string */
	j = cJSON_Parse("{\"files\":[{\"path\":\"a/.env\",\"detectors\":[\"nope\"]}]}");
	assert_int_equal(fa_mj_image_from(j, "images[0]", &back, err, sizeof(err)), -1);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"files\":[{\"path\":7}],\"layers_tried\":true}");
	assert_int_equal(fa_mj_image_from(j, "images[0]", &back, err, sizeof(err)), -1);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"files_sniffed\":-1}");
	assert_int_equal(fa_mj_image_from(j, "images[0]", &back, err, sizeof(err)), -1);
	cJSON_Delete(j);
	fa_image_release(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_manifest_shapes),
		cmocka_unit_test(test_manifest_hostile),
		cmocka_unit_test(test_config_decode),
		cmocka_unit_test(test_config_hostile),
		cmocka_unit_test(test_step_classify),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_registry_base),
		cmocka_unit_test(test_image_checks),
		cmocka_unit_test(test_image_checks_unread),
		cmocka_unit_test(test_container_images),
		cmocka_unit_test(test_image_files_check),
		cmocka_unit_test(test_image_files_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
