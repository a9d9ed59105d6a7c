/* test_e2e_registry.c: the real binary against flymock's registry (issue 9): the demo's
 * image findings, every registry mode (Basic, Bearer challenge, 401, digest mismatch, a
 * blob redirect to a second host, a token realm on a foreign host), the `images` view,
 * snapshots read offline, and a canary token that never reaches a URL, a log line, a
 * redirect or a foreign host. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "harness.h"

#define CANARY "fm2_CANARYcanaryCANARYcanary0123456789abcdefZZ"

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The status of `check` on the machines of `app`: counts per status. */
static size_t count(const cJSON *results, const char *check, const char *app, const char *status)
{
	const cJSON *x;
	size_t n = 0;

	cJSON_ArrayForEach(x, results) {
		const char *c = jstr(x, "check"), *a = jstr(x, "app"), *s = jstr(x, "status");

		if (c && strcmp(c, check) == 0 && a && (!app || strcmp(a, app) == 0) && s &&
		    strcmp(s, status) == 0)
			n++;
	}
	return n;
}

/* GET /__mock/stats and the value of one counter. */
static long mock_stat(const mock *m, const char *key)
{
	char cmd[800], buf[4096] = "";
	FILE *p;
	size_t n;
	cJSON *j;
	long v = -1;

	snprintf(cmd, sizeof(cmd), "curl -s --cacert '%s' '%s/__mock/stats'", ca_path, m->url);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	j = cJSON_Parse(buf);
	if (!j) {
		/* no curl binary: the leak counter cannot be read (CI installs curl) */
		print_message("mock stats unreadable (is curl installed?): leak counter not checked\n");
		return 0;
	}
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, key)))
		v = (long)cJSON_GetObjectItemCaseSensitive(j, key)->valuedouble;
	cJSON_Delete(j);
	return v;
}

/* Set around a call of audit_json: the run also reads the image layers. */
static bool with_layers;

/* Runs `audit --format json` against a mock in `mode` (NULL: the default Basic). */
static cJSON *audit_json(mock *m, const char *mode, const char *token, int *code, long *leaks)
{
	run r;
	char rp[400];
	const char *a[] = { "-v", "--org", "demo", "audit", "--format", "json", "-o", rp,
			    with_layers ? "--image-layers" : NULL, NULL };
	const char *extra[] = { "--registry", mode, NULL };
	char *text;
	cJSON *rep;

	snprintf(rp, sizeof(rp), "%s/registry-report.json", tmpdir);
	mock_start(m, token, mode ? extra : NULL);
	fa_run(&r, m->url, token, ca_path, a);
	*code = r.code;
	assert_null(strstr(r.out, "CANARYcanary"));
	assert_null(strstr(r.err, "CANARYcanary"));
	run_free(&r);
	*leaks = mock_stat(m, "registry_leaks");
	mock_stop(m);
	text = slurp(rp);
	assert_non_null(text);
	assert_null(strstr(text, "CANARYcanary"));
	rep = cJSON_Parse(text);
	free(text);
	assert_non_null(rep);
	return rep;
}

/* The demo's image findings, the same whatever the way in. */
static void expect_demo_images(const cJSON *rep)
{
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(rep, "results");

	assert_int_equal(count(results, "container.runs_as_root", "idle-ip", "fail"), 1);
	assert_int_equal(count(results, "secrets.image_env", "no-health", "fail"), 1);
	assert_int_equal(count(results, "secrets.image_history", "sick-app", "fail"), 1);
	assert_int_equal(count(results, "container.image_stale", "always-on", "fail"), 2);
	/* the clean image (an OCI index, USER node) passes all of them */
	assert_int_equal(count(results, "secrets.image_env", "api-clean", "pass"), 3);
	assert_int_equal(count(results, "secrets.image_history", "api-clean", "pass"), 3);
	assert_int_equal(count(results, "container.image_stale", "api-clean", "pass"), 3);
	assert_int_equal(count(results, "container.runs_as_root", "api-clean", "pass"), 3);
	/* the other registry (anonymous Bearer) is read too */
	assert_int_equal(count(results, "secrets.image_env", "public-db", "pass"), 1);
	/* runs_as_root is unknown only where the machine config itself is missing */
	assert_int_equal(count(results, "container.runs_as_root", NULL, "unknown"), 1);
	assert_int_equal(count(results, "container.runs_as_root", "unreachable-host", "unknown"), 1);
	assert_int_equal(count(results, "secrets.image_env", NULL, "unknown"), 0);
}

static void test_demo_image_findings(void **state)
{
	mock m;
	int code;
	long leaks;
	cJSON *rep;
	const cJSON *cov;

	(void)state;
	rep = audit_json(&m, NULL, "tok", &code, &leaks);
	assert_int_equal(code, 1);
	expect_demo_images(rep);
	cov = cJSON_GetObjectItemCaseSensitive(rep, "coverage");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cov, "errors")), 0);
	assert_int_equal(leaks, 0);
	cJSON_Delete(rep);
}

/* secrets.image_files on the demo (--image-layers): leaky-env's `.env` is found (path and
 * detector, never the value) though a later layer deletes it, the clean image's layers
 * pass, nothing is unknown. */
static void expect_demo_layers(const cJSON *rep)
{
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(rep, "results"), *x;
	char *text = cJSON_PrintUnformatted(rep);

	assert_int_equal(count(results, "secrets.image_files", "leaky-env", "fail"), 1);
	assert_int_equal(count(results, "secrets.image_files", NULL, "fail"), 1);
	assert_int_equal(count(results, "secrets.image_files", "api-clean", "pass"), 3);
	assert_int_equal(count(results, "secrets.image_files", NULL, "unknown"), 0);
	cJSON_ArrayForEach(x, results) {
		const char *c = jstr(x, "check"), *a = jstr(x, "app"), *msg = jstr(x, "message");

		/* copied in, then `RUN rm .env`: the next layer's whiteout deletes it, its
		 * bytes stay in the first layer */
		if (c && strcmp(c, "secrets.image_files") == 0 && a && strcmp(a, "leaky-env") == 0) {
			assert_non_null(strstr(msg, ".env (secret_name) in layer sha256:"));
			assert_non_null(strstr(msg, "deleted by a later layer, still in the image"));
		}
	}
	assert_null(strstr(text, "Tr0ub4dor"));
	free(text);
}

static void test_bearer_and_redirect_modes(void **state)
{
	static const char *const modes[] = { "bearer", "redirect", "bearer,redirect" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		mock m;
		int code;
		long leaks;
		cJSON *rep;

		/* the last one also streams every layer, each redirected to the other host:
		 * the canary token must not follow them there */
		with_layers = i == 2;
		rep = audit_json(&m, modes[i], CANARY, &code, &leaks);
		with_layers = false;
		if (code != 1)
			fail_msg("mode %s: exit %d", modes[i], code);
		expect_demo_images(rep);
		if (i == 2)
			expect_demo_layers(rep);
		else
			assert_int_equal(count(cJSON_GetObjectItemCaseSensitive(rep, "results"),
					       "secrets.image_files", NULL, "pass"), 0);
		assert_int_equal(leaks, 0);
		cJSON_Delete(rep);
	}
}

/* A registry that refuses the token: the image checks are unknown with the reason, the
 * coverage names the images, exit 3 (never a pass). */
static void test_401_is_unknown_and_partial(void **state)
{
	mock m;
	int code;
	long leaks;
	cJSON *rep;
	const cJSON *results, *errs, *x;
	bool saw_images = false;

	(void)state;
	with_layers = true; /* and with --image-layers: secrets.image_files unknown, not pass */
	rep = audit_json(&m, "401", "tok", &code, &leaks);
	with_layers = false;
	assert_int_equal(code, 3);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	assert_int_equal(count(results, "secrets.image_files", "no-health", "unknown"), 1);
	assert_int_equal(count(results, "secrets.image_files", "leaky-env", "unknown"), 1);
	assert_int_equal(count(results, "secrets.image_files", "public-db", "pass"), 1);
	assert_int_equal(count(results, "secrets.image_env", "no-health", "unknown"), 1);
	/* the other registry (public-db, root-runner) needs no Fly token */
	assert_int_equal(count(results, "secrets.image_env", NULL, "pass"), 2);
	assert_int_equal(count(results, "secrets.image_env", "public-db", "pass"), 1);
	assert_int_equal(count(results, "container.runs_as_root", "idle-ip", "unknown"), 1);
	cJSON_ArrayForEach(x, results) {
		const char *c = jstr(x, "check"), *a = jstr(x, "app"), *msg = jstr(x, "message");

		if (c && strcmp(c, "secrets.image_env") == 0 && a && strcmp(a, "no-health") == 0)
			assert_non_null(strstr(msg, "refused the Fly token"));
	}
	errs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "coverage"), "errors");
	cJSON_ArrayForEach(x, errs) {
		const char *ep = jstr(x, "endpoint");

		if (ep && strcmp(ep, "images") == 0)
			saw_images = true;
	}
	assert_true(saw_images);
	cJSON_Delete(rep);
}

static void test_mismatch_and_foreign_realm(void **state)
{
	mock m;
	int code;
	long leaks;
	cJSON *rep;
	const cJSON *results, *x;
	size_t mism = 0;

	(void)state;
	rep = audit_json(&m, "mismatch", "tok", &code, &leaks);
	assert_int_equal(code, 3);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	assert_int_equal(count(results, "secrets.image_env", NULL, "pass"), 0);
	cJSON_ArrayForEach(x, results) {
		const char *msg = jstr(x, "message");

		if (msg && strstr(msg, "does not match its digest"))
			mism++;
	}
	assert_true(mism > 0);
	cJSON_Delete(rep);

	/* layers that do not match their digest: their files do not count (leaky-env's .env
	 * neither), secrets.image_files is unknown everywhere, the coverage names the layer */
	with_layers = true;
	rep = audit_json(&m, "layer-mismatch", "tok", &code, &leaks);
	with_layers = false;
	assert_int_equal(code, 3);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	assert_int_equal(count(results, "secrets.image_files", NULL, "pass"), 0);
	assert_int_equal(count(results, "secrets.image_files", NULL, "fail"), 0);
	assert_int_equal(count(results, "secrets.image_files", "leaky-env", "unknown"), 1);
	assert_int_equal(count(results, "secrets.image_env", "api-clean", "pass"), 3);
	mism = 0;
	cJSON_ArrayForEach(x, results) {
		const char *c = jstr(x, "check"), *msg = jstr(x, "message");

		if (c && strcmp(c, "secrets.image_files") == 0 && msg &&
		    strstr(msg, "does not match its digest"))
			mism++;
	}
	assert_true(mism > 0);
	mism = 0;
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "coverage"), "errors")) {
		const char *ep = jstr(x, "endpoint");

		if (ep && strcmp(ep, "image_layers") == 0)
			mism++;
	}
	assert_true(mism > 0);
	cJSON_Delete(rep);

	/* the Fly registry names a token realm on another host: no credentials go there */
	rep = audit_json(&m, "foreign-realm", CANARY, &code, &leaks);
	assert_int_equal(code, 3);
	assert_int_equal(leaks, 0);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	assert_int_equal(count(results, "secrets.image_env", "no-health", "unknown"), 1);
	cJSON_ArrayForEach(x, results) {
		const char *c = jstr(x, "check"), *a = jstr(x, "app"), *msg = jstr(x, "message");

		if (c && strcmp(c, "secrets.image_env") == 0 && a && strcmp(a, "no-health") == 0)
			assert_non_null(strstr(msg, "no credentials were sent there"));
	}
	cJSON_Delete(rep);
}

static void test_images_view(void **state)
{
	mock m;
	run r;
	const char *all[] = { "--org", "demo", "images", NULL };
	const char *one[] = { "images", "no-health", "--json", NULL };
	cJSON *arr;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, all);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "IMAGE"));
	assert_non_null(strstr(r.out, "(root)"));       /* idle-ip: no USER */
	assert_non_null(strstr(r.out, "GITHUB_TOKEN")); /* no-health: flagged ENV name */
	assert_non_null(strstr(r.out, "registry.fly.io/always-on"));
	assert_null(strstr(r.out, "ghp_"));             /* never a value */
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, one);
	assert_int_equal(r.code, 0);
	arr = cJSON_Parse(r.out);
	assert_non_null(arr);
	assert_int_equal(cJSON_GetArraySize(arr), 1);
	assert_string_equal(jstr(cJSON_GetArrayItem(arr, 0), "user"), "app");
	assert_non_null(strstr(r.out, "GITHUB_TOKEN"));
	assert_null(strstr(r.out, "ghp_"));
	cJSON_Delete(arr);
	run_free(&r);
	mock_stop(&m);
	/* a registry that refuses: the view says so, exit 3 */
	{
		const char *extra[] = { "--registry", "401", NULL };

		mock_start(&m, "tok", extra);
		fa_run(&r, m.url, "tok", ca_path, all);
		assert_int_equal(r.code, 3);
		assert_non_null(strstr(r.out, "refused"));
		run_free(&r);
		mock_stop(&m);
	}
}

/* --image-layers on a synthetic org whose images share 8 layers (image k has layer k % 8,
 * asked for at about the same moment): each layer is downloaded once, the other images
 * wait for it and take its result; every image's .env is still found. */
static void test_shared_layers_read_once(void **state)
{
	mock m;
	run r;
	char rp[400];
	const char *extra[] = { "--synthetic", "24", "--registry", "layers", NULL };
	const char *a[] = { "--org", "synth", "audit", "--image-layers", "--format", "json", "-o", rp,
			    NULL };
	char *text;
	cJSON *rep;
	const cJSON *results;

	(void)state;
	snprintf(rp, sizeof(rp), "%s/shared-layers.json", tmpdir);
	setenv("FLYMOCK_LAYER_MB", "1", 1);
	mock_start(&m, "tok", extra);
	unsetenv("FLYMOCK_LAYER_MB");
	fa_run(&r, m.url, "tok", ca_path, a);
	mock_stop(&m);
	assert_int_equal(r.code, 1);
	if (!strstr(r.err, "read 8 image layer(s) (0 not whole, "))
		fail_msg("stderr: %s", r.err);
	text = slurp(rp);
	assert_non_null(text);
	rep = cJSON_Parse(text);
	free(text);
	assert_non_null(rep);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	assert_int_equal(count(results, "secrets.image_files", NULL, "unknown"), 0);
	assert_int_equal(count(results, "secrets.image_files", NULL, "pass"), 0);
	assert_true(count(results, "secrets.image_files", NULL, "fail") >= 24);
	cJSON_Delete(rep);
	run_free(&r);
}

/* The images go into the snapshot: `audit --from` finds the same with no registry. */
static void test_snapshot_keeps_images(void **state)
{
	mock m;
	run r;
	char snap[400], rp[400];
	const char *s[] = { "--org", "demo", "snapshot", "-o", snap, "--image-layers", NULL };
	const char *a[] = { "audit", "--from", snap, "--format", "json", "-o", rp, NULL };
	const char *a2[] = { "audit", "--from", snap, "--format", "json", "-o", rp, "--max-image-age", "10", NULL };
	char *text;
	cJSON *rep;

	(void)state;
	snprintf(snap, sizeof(snap), "%s/images.jsonl", tmpdir);
	snprintf(rp, sizeof(rp), "%s/images-from.json", tmpdir);
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, s);
	assert_int_equal(r.code, 0);
	run_free(&r);
	mock_stop(&m);
	text = slurp(snap);
	assert_non_null(strstr(text, "\"images\""));
	assert_non_null(strstr(text, "GITHUB_TOKEN"));
	assert_null(strstr(text, "ghp_"));
	assert_non_null(strstr(text, "\"layers_tried\""));
	assert_null(strstr(text, "Tr0ub4dor")); /* a file's path, never its content */
	free(text);
	fa_run(&r, NULL, NULL, NULL, a);
	assert_int_equal(r.code, 1);
	run_free(&r);
	text = slurp(rp);
	rep = cJSON_Parse(text);
	free(text);
	expect_demo_images(rep);
	expect_demo_layers(rep); /* the layer findings came from the snapshot */
	cJSON_Delete(rep);
	/* --max-image-age: the clean images (built within the last weeks) go stale too */
	fa_run(&r, NULL, NULL, NULL, a2);
	run_free(&r);
	text = slurp(rp);
	rep = cJSON_Parse(text);
	free(text);
	assert_true(count(cJSON_GetObjectItemCaseSensitive(rep, "results"), "container.image_stale",
			  "api-clean", "fail") == 3 ||
		    count(cJSON_GetObjectItemCaseSensitive(rep, "results"), "container.image_stale",
			  "web-clean", "fail") == 2);
	cJSON_Delete(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_image_findings),
		cmocka_unit_test(test_bearer_and_redirect_modes),
		cmocka_unit_test(test_401_is_unknown_and_partial),
		cmocka_unit_test(test_mismatch_and_foreign_realm),
		cmocka_unit_test(test_images_view),
		cmocka_unit_test(test_snapshot_keeps_images),
		cmocka_unit_test(test_shared_layers_read_once),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
