/* test_formats.c: the second-round outputs and integrations: HTML, OCSF and CSV reports,
 * the compliance mapping and --compliance tables, the filters, `fix --plan`, the
 * FLYAUDIT_NOTIFY_URL notification (a listener in the test), the man page and the shell
 * completions. Writers are tested on hostile strings in memory, then every format through
 * the real binary on flymock's demo org, checked by real parsers (tests/validate-*.py). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "flyaudit/report.h"
#include "harness.h"

#define NOTIFY_CANARY "fm2_NOTIFYcanaryNOTIFYcanary0123456789abcdefQQ"
#define OCSF_SCHEMA "tests/ocsf-detection-finding.schema.json"
#define REPORT_SCHEMA "audit/report/flyaudit-report-v1.schema.json"

/* ---- helpers -------------------------------------------------------------------- */

/* strstr, ASCII case-insensitive (strcasestr is a GNU extension) */
static char *ci_find(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return (char *)hay;
	return NULL;
}

static int sh(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void write_buf(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Runs a validator; 77 (python3-jsonschema missing) and 127 (no python3) skip. */
static void must_pass(const char *cmd)
{
	int rc = sh(cmd);

	if (rc == 77 || rc == 127) {
		print_message("[  SKIP    ] %s: tool missing\n", cmd);
		return;
	}
	if (rc != 0)
		fail_msg("failed (rc %d): %s", rc, cmd);
}

static int buf_sink(void *ud, const char *data, size_t len)
{
	return fa_buf_add(ud, data, len);
}

typedef int (*stream_fn)(const fa_report *, const fa_report_counts *, const fa_result_iter *,
			 const fa_report_sink *);

static void render(stream_fn fn, const fa_report *r, fa_buf *out)
{
	fa_report_counts c;
	fa_result_mem_iter m;
	fa_result_iter it;
	fa_report_sink sink = { buf_sink, out };

	memset(&c, 0, sizeof(c));
	fa_report_counts_add(&c, &r->results);
	fa_buf_init(out, 0);
	fa_result_iter_memory(&it, &m, &r->results);
	assert_int_equal(fn(r, &c, &it, &sink), 0);
	fa_result_mem_iter_release(&m);
	assert_int_equal(fa_buf_add(out, "", 0), 0);
}

static void add(fa_report *r, const char *id, fa_status st, const char *app, const char *type,
		const char *rid, const char *name, const char *region, const char *msg)
{
	assert_non_null(fa_check_find(id));
	assert_int_equal(fa_results_add(&r->results, fa_check_find(id), st, r->org, app, type, rid,
					name, region, msg), 0);
}

#define XSS "<script>alert(1)</script>"
#define IMG "\"><img src=x onerror=alert(1)>"

/* A report whose every outside string tries to break out of its format. */
static void hostile(fa_report *r)
{
	fa_report_init(r);
	r->tool_name = "flyaudit";
	r->tool_version = "0.1.0<b>";
	r->generated_at = "2026-11-28T12:00:00Z";
	r->org = "org" XSS;
	r->source = "live";
	r->apps = 2;
	r->apps_complete = 1;
	r->compliance = FA_FW_CIS_8_1;
	assert_int_equal(fa_report_add_error(r, "app" IMG, "machines" XSS, 500, "err " XSS "\x01\xff"), 0);
	assert_int_equal(fa_report_add_notice(r, "notice " IMG " \xe2\x80\xae"), 0);
	add(r, "secrets.plaintext_env", FA_STATUS_FAIL, "=cmd|' /C calc'!A0" IMG, "machine",
	    "$(touch pwned)`id`" XSS, "-2+3", "@SUM(1)", "=HYPERLINK(\"http://evil/\")\n" XSS "\r\n'; rm -rf / #");
	add(r, "volumes.unencrypted", FA_STATUS_FAIL, "x'; touch pwned; echo '", "volume",
	    "vol_1'\"$HOME", "data\nrm", "a\rb", "+1 <style>@import url(http://evil/x.css)</style>");
	add(r, "container.runs_as_root", FA_STATUS_UNKNOWN, "u" IMG, "machine", "m\x02" XSS, NULL,
	    NULL, "javascript:alert(1) <a href=\"http://evil/\">x</a>");
	add(r, "network.admin_allowlist", FA_STATUS_MANUAL, "m", "app", "m", NULL, NULL, "look " XSS);
	add(r, "volumes.no_backups", FA_STATUS_FAIL, "x", "volume", "v", NULL, NULL, "m");
	r->results.items[r->results.n - 1].status = FA_STATUS_MUTED;
	r->results.items[r->results.n - 1].muted_reason = strdup("reason " XSS);
	r->results.items[r->results.n - 1].muted_expires = strdup("2026-12-01" IMG);
	fa_results_sort(&r->results);
}

static char scratch[300];

static const char *scratch_path(const char *name)
{
	const char *b = getenv("BUILD");

	snprintf(scratch, sizeof(scratch), "%s/%s", b && *b ? b : "build", name);
	return scratch;
}

/* ---- golden files: the demo-like fixture, byte for byte ------------------------ */

/* Compares with tests/golden/NAME; FLYAUDIT_UPDATE_GOLDEN=1 rewrites it instead. */
static void golden(const char *name, const fa_buf *got)
{
	char path[256];
	char *want;
	const char *upd = getenv("FLYAUDIT_UPDATE_GOLDEN");
	size_t i = 0, n;

	snprintf(path, sizeof(path), "tests/golden/%s", name);
	if (upd && strcmp(upd, "1") == 0) {
		write_buf(path, got->data, got->len);
		return;
	}
	want = slurp(path);
	if (!want)
		fail_msg("missing %s (run with FLYAUDIT_UPDATE_GOLDEN=1 to create it)", path);
	n = strlen(want);
	if (n != got->len || memcmp(want, got->data, n) != 0) {
		while (i < n && i < got->len && want[i] == got->data[i])
			i++;
		free(want);
		fail_msg("%s differs from the rendering at byte %zu (FLYAUDIT_UPDATE_GOLDEN=1 "
			 "rewrites it after a deliberate change)", path, i);
	}
	free(want);
}

/* Every status, org- and app-level results, a coverage error, a notice, a baseline. */
static void fixture(fa_report *r)
{
	fa_report_init(r);
	r->tool_name = "flyaudit";
	r->tool_version = "0.1.0";
	r->generated_at = "2026-11-28T12:00:00Z";
	r->org = "demo";
	r->source = "live";
	r->apps = 3;
	r->apps_complete = 2;
	r->has_baseline = true;
	r->compliance = FA_FW_CIS_8_1;
	assert_int_equal(fa_report_add_error(r, "demo-db", "volumes", 500, "internal server error"), 0);
	assert_int_equal(fa_report_add_notice(r, "suppressions.json: entry 2 expires on 2026-12-01 (in 3 days)"), 0);
	add(r, "secrets.plaintext_env", FA_STATUS_FAIL, "demo-web", "machine", "148e1234", "web-1",
	    "iad", "env var STRIPE_KEY holds a Stripe secret key");
	add(r, "tls.https_not_forced", FA_STATUS_FAIL, "demo-web", "machine", "148e1234", "web-1",
	    "iad", "port 80 has the http handler without force_https");
	add(r, "volumes.unencrypted", FA_STATUS_FAIL, "demo-db", "volume", "vol_1", "pgdata", "ams",
	    "volume pgdata is not encrypted");
	add(r, "volumes.no_backups", FA_STATUS_FAIL, "demo-db", "volume", "vol_1", "pgdata", "ams",
	    "volume pgdata has no scheduled snapshots");
	add(r, "tokens.long_lived", FA_STATUS_FAIL, NULL, "token", "tok_1", "ci deploy", NULL,
	    "org token 'ci deploy' never expires");
	add(r, "container.image_unpinned", FA_STATUS_PASS, "demo-web", "machine", "148e1234",
	    "web-1", "iad", "image is pinned by digest");
	add(r, "container.runs_as_root", FA_STATUS_UNKNOWN, "demo-db", "machine", "9080e6f",
	    NULL, "ams", "machine config is not available");
	add(r, "network.admin_allowlist", FA_STATUS_MANUAL, "demo-web", "app", "demo-web", NULL,
	    NULL, "verify that admin routes check Fly-Client-IP");
	fa_results_sort(&r->results);
	for (size_t i = 0; i < r->results.n; i++) {
		fa_result *x = &r->results.items[i];

		x->baseline = strcmp(x->check->id, "tokens.long_lived") == 0 ? 1 : 0;
		if (strcmp(x->check->id, "volumes.no_backups") == 0) {
			x->status = FA_STATUS_MUTED;
			x->muted_reason = strdup("restored from S3 nightly");
			x->muted_expires = strdup("2027-01-31");
		}
	}
}

static void test_golden_files(void **state)
{
	static const struct {
		const char *file;
		stream_fn fn;
	} cases[] = {
		{ "report.html", fa_report_html_stream },
		{ "report.ocsf.json", fa_report_ocsf_stream },
		{ "report.csv", fa_report_csv_stream },
	};
	fa_report r;
	fa_buf a, b;
	size_t i;

	(void)state;
	fixture(&r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		render(cases[i].fn, &r, &a);
		render(cases[i].fn, &r, &b); /* deterministic: twice the same bytes */
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		a.len--; /* render() added a NUL */
		golden(cases[i].file, &a);
		fa_buf_release(&a);
		fa_buf_release(&b);
	}
	/* the notification and the plan of the same failures */
	{
		fa_report_counts c;
		fa_result_mem_iter m;
		fa_result_iter it;
		fa_plan_item items[8];
		size_t n = 0;

		memset(&c, 0, sizeof(c));
		fa_report_counts_add(&c, &r.results);
		fa_result_iter_memory(&it, &m, &r.results);
		fa_buf_init(&a, 0);
		assert_int_equal(fa_report_notify_payload(&r, &c, &it, FA_SEV_HIGH, 5, &a), 0);
		assert_int_equal(fa_buf_add(&a, "\n", 1), 0);
		golden("notify.json", &a);
		fa_buf_release(&a);
		fa_result_mem_iter_release(&m);
		for (i = 0; i < r.results.n; i++) {
			const fa_result *x = &r.results.items[i];

			if (x->status != FA_STATUS_FAIL)
				continue;
			items[n++] = (fa_plan_item){ x->check->id, fa_severity_name(x->severity), x->app,
						     x->resource_type, x->resource_id, x->resource_name,
						     x->region, x->message };
		}
		fa_buf_init(&a, 0);
		assert_int_equal(fa_report_plan(r.org, "report.json", items, n, &a), 0);
		golden("plan.sh", &a);
		fa_buf_release(&a);
	}
	fa_report_release(&r);
}

/* ---- the catalog's compliance mapping ------------------------------------------ */

static bool well_formed(const char *c, bool soc2)
{
	const char *p = c;

	if (soc2) {
		if (!isupper((unsigned char)*p))
			return false;
		while (isupper((unsigned char)*p))
			p++;
	}
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != '.' || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

/* Every check maps to at least one CIS v8.1 safeguard and one SOC 2 criterion, each
 * well-formed and with a title: a new check without a mapping fails here. */
static void test_every_check_is_mapped(void **state)
{
	const fa_check_meta *cs;
	size_t n, i;

	(void)state;
	cs = fa_checks(&n);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		const char *const *c;

		if (!cs[i].cis || !cs[i].cis[0])
			fail_msg("%s has no CIS Controls v8.1 mapping (catalog.c: the `cis` field)", cs[i].id);
		if (!cs[i].soc2 || !cs[i].soc2[0])
			fail_msg("%s has no SOC 2 mapping (catalog.c: the `soc2` field)", cs[i].id);
		for (c = cs[i].cis; *c; c++)
			if (!well_formed(*c, false) || !*fa_control_title(FA_FW_CIS_8_1, *c))
				fail_msg("%s: CIS safeguard '%s' is malformed or has no title in compliance.c",
					 cs[i].id, *c);
		for (c = cs[i].soc2; *c; c++)
			if (!well_formed(*c, true) || !*fa_control_title(FA_FW_SOC2, *c))
				fail_msg("%s: SOC 2 criterion '%s' is malformed or has no title in compliance.c",
					 cs[i].id, *c);
	}
}

static void test_frameworks_and_summary(void **state)
{
	fa_framework fw;
	fa_report r;
	fa_result_mem_iter m;
	fa_result_iter it;
	fa_compliance_summary s;
	size_t i;
	const fa_control_row *r311 = NULL, *r33 = NULL, *r310 = NULL;

	(void)state;
	assert_int_equal(fa_framework_parse("cis-8.1", &fw), 0);
	assert_int_equal(fw, FA_FW_CIS_8_1);
	assert_int_equal(fa_framework_parse("soc2", &fw), 0);
	assert_int_equal(fw, FA_FW_SOC2);
	assert_int_equal(fa_framework_parse("pci", &fw), -1);
	assert_int_equal(fa_framework_parse(NULL, &fw), -1);
	assert_string_equal(fa_control_title(FA_FW_CIS_8_1, "3.11"), "Encrypt Sensitive Data at Rest");
	assert_string_equal(fa_control_title(FA_FW_CIS_8_1, "99.1"), "");

	fa_report_init(&r);
	r.org = "o";
	add(&r, "volumes.unencrypted", FA_STATUS_FAIL, "a", "volume", "v1", NULL, NULL, "m");
	add(&r, "volumes.unencrypted", FA_STATUS_PASS, "a", "volume", "v2", NULL, NULL, "m");
	add(&r, "secrets.plaintext_env", FA_STATUS_UNKNOWN, "a", "machine", "m1", NULL, NULL, "m");
	add(&r, "tls.https_not_forced", FA_STATUS_PASS, "a", "machine", "m1", NULL, NULL, "m");
	fa_results_sort(&r.results);
	fa_result_iter_memory(&it, &m, &r.results);
	assert_int_equal(fa_compliance_summarise(FA_FW_CIS_8_1, &it, &s), 0);
	for (i = 0; i < s.n; i++) {
		if (strcmp(s.rows[i].control, "3.11") == 0)
			r311 = &s.rows[i];
		if (strcmp(s.rows[i].control, "3.3") == 0)
			r33 = &s.rows[i];
		if (strcmp(s.rows[i].control, "3.10") == 0)
			r310 = &s.rows[i];
		if (i)
			assert_true(strcmp(s.rows[i - 1].control, s.rows[i].control) != 0);
	}
	assert_non_null(r311);
	assert_non_null(r33);
	assert_non_null(r310);
	assert_true(r33 < r310); /* natural order: 3.3 before 3.10 */
	assert_int_equal(r311->by_status[FA_STATUS_FAIL], 1);
	assert_string_equal(fa_control_verdict(r311), "fail");
	assert_string_equal(fa_control_verdict(r33), "unknown");
	assert_string_equal(fa_control_verdict(r310), "pass");
	assert_string_equal(fa_control_verdict(&s.rows[s.n - 1]), "none"); /* 16.7: no result */
	fa_compliance_summary_release(&s);
	fa_result_mem_iter_release(&m);
	fa_report_release(&r);
}

/* ---- writers on hostile input --------------------------------------------------- */

static void test_html_hostile(void **state)
{
	fa_report r;
	fa_buf b;
	char cmd[1200];

	(void)state;
	hostile(&r);
	render(fa_report_html_stream, &r, &b);
	assert_null(strstr(b.data, "<script"));
	assert_null(strstr(b.data, "<img"));
	assert_null(strstr(b.data, "<style>@import"));
	assert_null(strstr(b.data, "<a href=\"http"));
	assert_non_null(strstr(b.data, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(b.data, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
	assert_null(strchr(b.data, '\x01'));
	assert_null(strstr(b.data, "\xe2\x80\xae"));
	/* unknowns and coverage errors come before the failures */
	assert_true(strstr(b.data, "id=\"coverage\"") < strstr(b.data, "id=\"failures\""));
	assert_true(strstr(b.data, "id=\"unknown\"") < strstr(b.data, "id=\"failures\""));
	assert_non_null(strstr(b.data, "id=\"compliance\""));
	assert_non_null(strstr(b.data, "<svg"));
	write_buf(scratch_path("test_formats-hostile.html"), b.data, b.len);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate-html.py '%s' '<script' '<img' '<style>@'",
		 scratch_path("test_formats-hostile.html"));
	must_pass(cmd);
	fa_buf_release(&b);
	fa_report_release(&r);
}

static void test_csv_hostile(void **state)
{
	fa_report r;
	fa_buf b;
	char cmd[800];

	(void)state;
	hostile(&r);
	render(fa_report_csv_stream, &r, &b);
	assert_non_null(strstr(b.data, "\"'=cmd|' /C calc'!A0"));
	assert_non_null(strstr(b.data, "\"'-2+3\""));
	assert_non_null(strstr(b.data, "\"'@SUM(1)\""));
	assert_non_null(strstr(b.data, "\"'=HYPERLINK(\"\"http://evil/\"\")"));
	assert_null(strstr(b.data, "\xff"));
	write_buf(scratch_path("test_formats-hostile.csv"), b.data, b.len);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate-csv.py '%s'", scratch_path("test_formats-hostile.csv"));
	must_pass(cmd);
	fa_buf_release(&b);
	fa_report_release(&r);
}

static void test_ocsf_hostile(void **state)
{
	fa_report r;
	fa_buf b;
	cJSON *root, *f;
	char cmd[800];

	(void)state;
	hostile(&r);
	render(fa_report_ocsf_stream, &r, &b);
	root = cJSON_Parse(b.data);
	assert_non_null(root);
	assert_int_equal(cJSON_GetArraySize(root), (int)r.results.n);
	f = cJSON_GetArrayItem(root, 0);
	assert_int_equal(cJSON_GetObjectItem(f, "class_uid")->valueint, 2004);
	assert_int_equal(cJSON_GetObjectItem(f, "time")->valuedouble, 1795867200000.0);
	cJSON_Delete(root);
	write_buf(scratch_path("test_formats-hostile.ocsf.json"), b.data, b.len);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate-schema.py " OCSF_SCHEMA " '%s'",
		 scratch_path("test_formats-hostile.ocsf.json"));
	must_pass(cmd);
	fa_buf_release(&b);
	fa_report_release(&r);
}

/* The plan from hostile values: `sh -n` accepts it, and running it with a fake `fly` runs
 * nothing but fly, with each hostile value as one argument. */
static void test_plan_hostile(void **state)
{
	fa_report r;
	fa_plan_item items[8];
	fa_buf b = FA_BUF_INIT(0);
	char dir[300], cmd[1400], path[400];
	char *log;
	size_t i, n = 0;

	(void)state;
	hostile(&r);
	for (i = 0; i < r.results.n && n < 8; i++) {
		const fa_result *x = &r.results.items[i];

		if (x->status != FA_STATUS_FAIL)
			continue;
		items[n].check = x->check->id;
		items[n].severity = fa_severity_name(x->severity);
		items[n].app = x->app;
		items[n].resource_type = x->resource_type;
		items[n].resource_id = x->resource_id;
		items[n].resource_name = x->resource_name;
		items[n].region = x->region;
		items[n].message = x->message;
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(fa_report_plan("org'$(id)", "r.json", items, n, &b), 0);
	assert_int_equal(fa_buf_add(&b, "", 0), 0);
	/* every destructive step is a comment */
	{
		const char *p = b.data;

		while (p && *p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			char line[2048];

			snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) - 1 ? len : sizeof(line) - 1), p);
			if (strstr(line, "fly volumes destroy") || strstr(line, "fly deploy") ||
			    strstr(line, "fly tokens revoke") || strstr(line, "fly ips release") ||
			    strstr(line, "fly machine restart") || strstr(line, "fly certs remove") ||
			    strstr(line, "rm -rf"))
				assert_true(line[0] == '#');
			p = nl ? nl + 1 : NULL;
		}
	}
	snprintf(dir, sizeof(dir), "%s/plan-hostile", tmpdir);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/plan.sh", dir);
	write_buf(path, b.data, b.len);
	snprintf(cmd, sizeof(cmd), "sh -n '%s'", path);
	assert_int_equal(sh(cmd), 0);
	/* a fake fly that logs one argument per line */
	snprintf(path, sizeof(path), "%s/fly", dir);
	write_buf(path, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> \"$FLYLOG\"\n", 66);
	chmod(path, 0700);
	snprintf(cmd, sizeof(cmd), "cd '%s' && FLYLOG='%s/log' PATH='%s':/usr/bin:/bin sh ./plan.sh >/dev/null 2>&1",
		 dir, dir, dir);
	assert_int_equal(sh(cmd), 0);
	snprintf(path, sizeof(path), "%s/pwned", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/log", dir);
	log = slurp(path);
	assert_non_null(log);
	assert_non_null(strstr(log, "\nx'; touch pwned; echo '\n")); /* one argument, verbatim */
	free(log);
	fa_buf_release(&b);
	fa_report_release(&r);
}

/* ---- a property test: data never adds markup, lines or elements ------------------ */

static unsigned long rng_state = 12345;

static unsigned rnd(void)
{
	rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng_state >> 33);
}

/* A random string of hostile bytes: markup, quotes, newlines, formula starters, UTF-8
 * fragments, bidi overrides. */
static void random_string(char *out, size_t cap, const char *prefix)
{
	static const char *const parts[] = { "<", ">", "&", "\"", "'", "\n", "\r", "\t", "=", "+", "-",
		"@", "$(", "`", ";", "#", "\\", "]]>", "</td>", "<svg>", "\xe2\x80\xae", "\xc3", "\xff",
		"\x01", "\x1b[31m", "a", "Z", " ", "%", "{", "}" };
	size_t n = strlen(prefix), k = rnd() % 12;

	memcpy(out, prefix, n);
	while (k--) {
		const char *p = parts[rnd() % (sizeof(parts) / sizeof(parts[0]))];
		size_t l = strlen(p);

		if (n + l + 1 >= cap)
			break;
		memcpy(out + n, p, l);
		n += l;
	}
	out[n] = '\0';
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static void property_report(fa_report *r, bool benign, char s[12][64])
{
	static const char *const ids[] = { "secrets.plaintext_env", "volumes.unencrypted",
		"tls.certificate_not_ready", "network.public_ip_unused" };
	size_t i;

	fa_report_init(r);
	r->org = benign ? "org" : s[0];
	r->generated_at = "2026-11-28T12:00:00Z";
	r->apps = 2;
	assert_int_equal(fa_report_add_error(r, benign ? "e" : s[1], "machines", 500, benign ? "m" : s[2]), 0);
	assert_int_equal(fa_report_add_notice(r, benign ? "n" : s[3]), 0);
	for (i = 0; i < 4; i++) {
		char app[80];

		snprintf(app, sizeof(app), "%zu%s", i, benign ? "" : s[4 + i]);
		add(r, ids[i], i == 3 ? FA_STATUS_UNKNOWN : FA_STATUS_FAIL, app, "machine",
		    benign ? "id" : s[8], benign ? "nm" : s[9], benign ? "rg" : s[10], benign ? "msg" : s[11]);
	}
	fa_results_sort(&r->results);
}

static void test_writers_property(void **state)
{
	const char *wrap = getenv("FLYAUDIT_WRAP");
	int round, rounds = wrap && *wrap ? 40 : 300; /* under valgrind: fewer */

	(void)state;
	for (round = 0; round < rounds; round++) {
		char s[12][64];
		fa_report a, b;
		fa_buf ha, hb, pa, pb, oa;
		fa_plan_item items[4];
		size_t i;
		cJSON *j;

		for (i = 0; i < 12; i++)
			random_string(s[i], sizeof(s[i]), "");
		property_report(&a, false, s);
		property_report(&b, true, s);
		render(fa_report_html_stream, &a, &ha);
		render(fa_report_html_stream, &b, &hb);
		assert_int_equal(count_char(ha.data, '<'), count_char(hb.data, '<'));
		assert_int_equal(count_char(ha.data, '>'), count_char(hb.data, '>'));
		assert_int_equal(count_char(ha.data, '"'), count_char(hb.data, '"'));
		render(fa_report_ocsf_stream, &a, &oa);
		j = cJSON_Parse(oa.data);
		assert_non_null(j);
		assert_int_equal(cJSON_GetArraySize(j), 4);
		cJSON_Delete(j);
		for (i = 0; i < 2; i++) {
			const fa_report *r = i ? &b : &a;
			fa_buf *out = i ? &pb : &pa;
			size_t k;

			for (k = 0; k < 4; k++) {
				const fa_result *x = &r->results.items[k];

				items[k] = (fa_plan_item){ x->check->id, "high", x->app, x->resource_type,
							   x->resource_id, x->resource_name, x->region, x->message };
			}
			fa_buf_init(out, 0);
			assert_int_equal(fa_report_plan(r->org, "r.json", items, 4, out), 0);
			assert_int_equal(fa_buf_add(out, "", 0), 0);
		}
		/* no line added by the data, and every quote balanced (sh -n on a sample) */
		assert_int_equal(count_char(pa.data, '\n'), count_char(pb.data, '\n'));
		if (round % 20 == 0) {
			char cmd[600];

			write_buf(scratch_path("test_formats-property.sh"), pa.data, pa.len);
			snprintf(cmd, sizeof(cmd), "sh -n '%s'", scratch_path("test_formats-property.sh"));
			assert_int_equal(sh(cmd), 0);
		}
		fa_buf_release(&ha);
		fa_buf_release(&hb);
		fa_buf_release(&oa);
		fa_buf_release(&pa);
		fa_buf_release(&pb);
		fa_report_release(&a);
		fa_report_release(&b);
	}
}

/* ---- through the real binary ---------------------------------------------------- */

static void demo_report(mock *m, const char *fmt, const char *path, const char *extra)
{
	run r;
	const char *a[] = { "--org", "demo", "audit", "--format", fmt, "-o", path, extra, NULL };

	fa_run(&r, m->url, "tok", ca_path, a);
	if (r.code != 1)
		fail_msg("audit --format %s: exit %d: %s", fmt, r.code, r.err);
	assert_int_equal(strlen(r.out), 0);
	run_free(&r);
}

static void test_demo_formats(void **state)
{
	mock m;
	char html[400], ocsf[400], csv[400], json[400], cmd[1400];
	char *text;
	cJSON *j;

	(void)state;
	snprintf(html, sizeof(html), "%s/demo.html", tmpdir);
	snprintf(ocsf, sizeof(ocsf), "%s/demo.ocsf.json", tmpdir);
	snprintf(csv, sizeof(csv), "%s/demo.csv", tmpdir);
	snprintf(json, sizeof(json), "%s/demo.json", tmpdir);
	mock_start(&m, "tok", NULL);
	demo_report(&m, "html", html, NULL);
	demo_report(&m, "ocsf", ocsf, NULL);
	demo_report(&m, "csv", csv, NULL);
	demo_report(&m, "json", json, NULL);
	mock_stop(&m);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate-html.py '%s'", html);
	must_pass(cmd);
	text = slurp(html);
	assert_non_null(strstr(text, "leaky-env"));
	assert_non_null(strstr(text, "secrets.plaintext_env"));
	assert_null(strstr(text, "sk_live_"));
	assert_null(strstr(text, "AKIAIOSFODNN7EXAMPLE"));
	free(text);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate-schema.py " OCSF_SCHEMA " '%s'", ocsf);
	must_pass(cmd);
	text = slurp(ocsf);
	j = cJSON_Parse(text);
	assert_non_null(j);
	assert_true(cJSON_GetArraySize(j) > 100);
	cJSON_Delete(j);
	free(text);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate-csv.py '%s' '%s'", csv, json);
	must_pass(cmd);
	/* one crawl, several files: the format from each extension */
	{
		char h2[400], c2[400], o2[400];
		const char *a[] = { "--org", "demo", "audit", "-o", h2, "-o", c2, "-o", o2, NULL };
		run r;

		snprintf(h2, sizeof(h2), "%s/multi.html", tmpdir);
		snprintf(c2, sizeof(c2), "%s/multi.csv", tmpdir);
		snprintf(o2, sizeof(o2), "%s/multi.ocsf.json", tmpdir);
		mock_start(&m, "tok", NULL);
		fa_run(&r, m.url, "tok", ca_path, a);
		mock_stop(&m);
		assert_int_equal(r.code, 1);
		assert_non_null(strstr(r.err, "html report written to"));
		assert_non_null(strstr(r.err, "csv report written to"));
		assert_non_null(strstr(r.err, "ocsf report written to"));
		run_free(&r);
		text = slurp(h2);
		assert_true(strncmp(text, "<!DOCTYPE html>", 15) == 0);
		free(text);
		text = slurp(c2);
		assert_true(strncmp(text, "fingerprint,check,", 18) == 0);
		free(text);
		text = slurp(o2);
		assert_true(strncmp(text, "[\n\t{", 4) == 0);
		free(text);
	}
}

static void test_compliance_cli(void **state)
{
	mock m;
	run r;
	char json[400], cmd[800];
	const char *a[] = { "--org", "demo", "audit", "--compliance", "cis-8.1", NULL };
	const char *b[] = { "--org", "demo", "audit", "--compliance", "pci", NULL };
	char *text;
	cJSON *j, *c, *x;
	bool soc = false;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.out, "CIS Controls v8.1 ("));
	assert_non_null(strstr(r.out, "CONTROL  VERDICT"));
	assert_non_null(strstr(r.out, "  3.11     fail"));
	assert_non_null(strstr(r.out, "Encrypt Sensitive Data at Rest"));
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, b);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "cis-8.1, soc2"));
	run_free(&r);
	snprintf(json, sizeof(json), "%s/soc2.json", tmpdir);
	demo_report(&m, "json", json, "--compliance=soc2");
	mock_stop(&m);
	text = slurp(json);
	j = cJSON_Parse(text);
	c = cJSON_GetObjectItem(j, "compliance");
	assert_non_null(c);
	assert_string_equal(cJSON_GetObjectItem(c, "framework")->valuestring, "soc2");
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(c, "controls"))
		if (strcmp(cJSON_GetObjectItem(x, "control")->valuestring, "CC6.7") == 0) {
			assert_string_equal(cJSON_GetObjectItem(x, "verdict")->valuestring, "fail");
			soc = true;
		}
	assert_true(soc);
	cJSON_Delete(j);
	free(text);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate-schema.py " REPORT_SCHEMA " '%s'", json);
	must_pass(cmd);
	/* checks --json carries the mapping */
	{
		const char *ca[] = { "checks", "--json", NULL };

		fa_run(&r, NULL, NULL, NULL, ca);
		assert_int_equal(r.code, 0);
		j = cJSON_Parse(r.out);
		assert_non_null(j);
		cJSON_ArrayForEach(x, j) {
			c = cJSON_GetObjectItem(x, "compliance");
			assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(c, "cis-8.1")) > 0);
			assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(c, "soc2")) > 0);
		}
		cJSON_Delete(j);
		run_free(&r);
	}
}

static void check_all(const char *path, const char *prefix, bool want, const char *sev_not)
{
	char *text = slurp(path);
	cJSON *j = cJSON_Parse(text), *x;
	int n = 0;

	assert_non_null(j);
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(j, "results")) {
		const char *id = cJSON_GetObjectItem(x, "check")->valuestring;

		n++;
		assert_int_equal(strncmp(id, prefix, strlen(prefix)) == 0, want);
		if (sev_not)
			assert_string_not_equal(cJSON_GetObjectItem(x, "severity")->valuestring, sev_not);
	}
	assert_true(n > 0);
	cJSON_Delete(j);
	free(text);
}

static void test_filters(void **state)
{
	mock m;
	run r;
	char p1[400], p2[400], p3[400];
	const char *bad[] = { "audit", "--checks", "secrets.*,nope.x", NULL };
	const char *bad2[] = { "audit", "--exclude-checks", "tls.nothing", NULL };
	const char *bad3[] = { "audit", "--severity", "urgent", NULL };
	const char *bad4[] = { "audit", "--notify-url", "https://hooks.example/x", NULL };

	(void)state;
	/* unknown ids: exit 2 and the list of valid ones, before anything is read */
	fa_run(&r, NULL, "tok", NULL, bad);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "no check matches 'nope.x'"));
	assert_non_null(strstr(r.err, "  volumes.unencrypted\n"));
	run_free(&r);
	fa_run(&r, NULL, "tok", NULL, bad2);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "  secrets.plaintext_env\n"));
	run_free(&r);
	fa_run(&r, NULL, "tok", NULL, bad3);
	assert_int_equal(r.code, 2);
	run_free(&r);
	fa_run(&r, NULL, "tok", NULL, bad4);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "FLYAUDIT_NOTIFY_URL"));
	assert_null(strstr(r.err, "hooks.example"));
	run_free(&r);

	mock_start(&m, "tok", NULL);
	snprintf(p1, sizeof(p1), "%s/f1.json", tmpdir);
	snprintf(p2, sizeof(p2), "%s/f2.json", tmpdir);
	snprintf(p3, sizeof(p3), "%s/f3.json", tmpdir);
	demo_report(&m, "json", p1, "--checks=secrets.*");
	demo_report(&m, "json", p2, "--exclude-checks=secrets.*,tokens.*");
	demo_report(&m, "json", p3, "--severity=critical,high");
	mock_stop(&m);
	check_all(p1, "secrets.", true, NULL);
	check_all(p2, "secrets.", false, NULL);
	check_all(p2, "tokens.", false, NULL);
	check_all(p3, "", true, "medium");
	check_all(p3, "", true, "low");
}

static void test_fix_plan_demo(void **state)
{
	mock m;
	run r;
	char json[400], plan[400], cmd[800];
	const char *a[] = { "fix", "--plan", json, "-o", plan, NULL };
	const char *b[] = { "fix", "--plan", plan, NULL };
	char *text;

	(void)state;
	snprintf(json, sizeof(json), "%s/plan-src.json", tmpdir);
	snprintf(plan, sizeof(plan), "%s/plan.sh", tmpdir);
	mock_start(&m, NOTIFY_CANARY, NULL);
	{
		const char *aa[] = { "--org", "demo", "audit", "--format", "json", "-o", json, NULL };

		fa_run(&r, m.url, NOTIFY_CANARY, ca_path, aa);
		assert_int_equal(r.code, 1);
		run_free(&r);
	}
	mock_stop(&m);
	fa_run(&r, NULL, NULL, NULL, a);
	assert_int_equal(r.code, 0);
	run_free(&r);
	snprintf(cmd, sizeof(cmd), "sh -n '%s'", plan);
	assert_int_equal(sh(cmd), 0);
	text = slurp(plan);
	assert_non_null(text);
	assert_true(strncmp(text, "#!/bin/sh\n", 10) == 0);
	assert_non_null(strstr(text, "fly volumes update 'vol_"));
	assert_non_null(strstr(text, "-a 'plain-volumes'"));
	assert_non_null(strstr(text, "# fly volumes destroy 'vol_"));
	assert_non_null(strstr(text, "fly secrets list -a 'leaky-env'"));
	assert_non_null(strstr(text, "#   force_https = true"));
	assert_null(strstr(text, "\nfly deploy"));
	assert_null(strstr(text, "sk_live_"));
	assert_null(strstr(text, "AKIAIOSFODNN7EXAMPLE"));
	assert_null(strstr(text, "NOTIFYcanary"));
	/* critical first */
	assert_true(strstr(text, "[critical]") < strstr(text, "[high]"));
	free(text);
	/* not a report: exit 2 */
	fa_run(&r, NULL, NULL, NULL, b);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "not a flyaudit JSON report"));
	run_free(&r);
}

/* ---- notifications: a one-shot HTTP listener in a child process ------------------ */

typedef struct listener {
	pid_t pid;
	int port;
	char path[400];
} listener;

static void listen_once(listener *l, const char *name)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(s >= 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	l->port = ntohs(sa.sin_port);
	snprintf(l->path, sizeof(l->path), "%s/%s", tmpdir, name);
	unlink(l->path);
	l->pid = fork();
	assert_true(l->pid >= 0);
	if (l->pid == 0) {
		struct pollfd pf = { s, POLLIN, 0 };
		char buf[65536];
		size_t got = 0;
		int c, fd;

		/* nothing within 120 s: no request (the file stays absent) */
		if (poll(&pf, 1, 120000) != 1)
			_exit(0);
		c = accept(s, NULL, NULL);
		if (c < 0)
			_exit(1);
		for (;;) {
			ssize_t k = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
			char *hdr_end, *cl;

			if (k <= 0)
				break;
			got += (size_t)k;
			buf[got] = '\0';
			hdr_end = strstr(buf, "\r\n\r\n");
			cl = ci_find(buf, "content-length:");
			if (hdr_end && cl && (size_t)(hdr_end + 4 - buf) + strtoul(cl + 15, NULL, 10) <= got)
				break;
			if (got >= sizeof(buf) - 1)
				break;
		}
		fd = open(l->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			if (write(fd, buf, got) < 0)
				_exit(1);
			close(fd);
		}
		{
			const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

			if (send(c, ok, strlen(ok), 0) < 0)
				_exit(1);
		}
		close(c);
		_exit(0);
	}
	close(s);
}

static void listener_wait(listener *l)
{
	waitpid(l->pid, NULL, 0);
}

static void notify_run(run *r, mock *m, const char *url, const char *const *extra)
{
	char bin[300], e_tok[300], e_f[400], e_g[400], e_n[300], e_r[400];
	const char *argv[20];
	const char *env[6] = { e_tok, e_f, e_g, e_n, e_r, NULL };
	size_t n = 0, i;

	snprintf(bin, sizeof(bin), "%s/flyaudit", build_dir);
	snprintf(e_tok, sizeof(e_tok), "FLY_API_TOKEN=%s", NOTIFY_CANARY);
	snprintf(e_f, sizeof(e_f), "FLY_FLAPS_BASE_URL=%s", m->url);
	snprintf(e_g, sizeof(e_g), "FLY_API_BASE_URL=%s", m->url);
	snprintf(e_r, sizeof(e_r), "FLY_REGISTRY_HOST=%s", m->url);
	snprintf(e_n, sizeof(e_n), "FLYAUDIT_NOTIFY_URL=%s", url);
	argv[n++] = bin;
	argv[n++] = "--no-progress";
	argv[n++] = "--ca-file";
	argv[n++] = ca_path;
	argv[n++] = "--org";
	argv[n++] = "demo";
	argv[n++] = "audit";
	for (i = 0; extra && extra[i] && n < 18; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	run_cmd(r, argv, env);
}

static void test_notify(void **state)
{
	mock m;
	run r;
	listener l;
	char url[200], rep[400];
	char *req, *body;
	cJSON *j, *top;
	const char *json_out[] = { "--format", "json", "-o", rep, NULL };
	const char *with_base[] = { "--baseline", rep, "-o", NULL, NULL };
	char rep2[400];

	(void)state;
	snprintf(rep, sizeof(rep), "%s/notify.json", tmpdir);
	snprintf(rep2, sizeof(rep2), "%s/notify2.txt", tmpdir);
	with_base[3] = rep2;
	mock_start(&m, NOTIFY_CANARY, NULL);
	listen_once(&l, "notify-req");
	/* a query string, as Discord's ?wait=true, goes through unchanged */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hooks/T000/B000?wait=true", l.port);
	notify_run(&r, &m, url, json_out);
	listener_wait(&l);
	assert_int_equal(r.code, 1); /* unchanged by the notification */
	assert_null(strstr(r.err, "warning"));
	run_free(&r);
	req = slurp(l.path);
	assert_non_null(req);
	assert_true(strncmp(req, "POST /hooks/T000/B000?wait=true HTTP/1.1\r\n", 42) == 0);
	assert_non_null(ci_find(req, "\r\nContent-Type: application/json\r\n"));
	assert_null(ci_find(req, "\r\nAuthorization:"));
	assert_null(strstr(req, "NOTIFYcanary"));
	assert_null(strstr(req, "sk_live_"));
	assert_null(strstr(req, "AKIAIOSFODNN7EXAMPLE"));
	body = strstr(req, "\r\n\r\n");
	assert_non_null(body);
	j = cJSON_Parse(body + 4);
	assert_non_null(j);
	assert_true(strncmp(cJSON_GetObjectItem(j, "text")->valuestring, "flyaudit: demo: ", 16) == 0);
	assert_string_equal(cJSON_GetObjectItem(j, "content")->valuestring,
			    cJSON_GetObjectItem(j, "text")->valuestring);
	/* main's 11 (4 critical + 7 high, 2 of them people and access) + 2 critical of the
	 * demo's images (secrets.image_env, secrets.image_history) */
	assert_int_equal(cJSON_GetObjectItem(j, "new_failures")->valueint, 13);
	top = cJSON_GetObjectItem(j, "top");
	assert_int_equal(cJSON_GetArraySize(top), 5);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "severity")->valuestring, "critical");
	cJSON_Delete(j);
	free(req);

	/* against a baseline of the same org: nothing new, no request */
	listen_once(&l, "notify-none");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", l.port);
	notify_run(&r, &m, url, with_base);
	assert_int_equal(r.code, 0);
	run_free(&r);
	kill(l.pid, SIGTERM);
	listener_wait(&l);
	assert_int_not_equal(access(l.path, F_OK), 0);

	/* nobody listening: a warning, the report is written, the exit code stays */
	unlink(rep);
	notify_run(&r, &m, "http://127.0.0.1:1/hook", json_out);
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.err, "warning: notification not sent"));
	assert_null(strstr(r.err, "127.0.0.1:1/hook"));
	assert_int_equal(access(rep, F_OK), 0);
	run_free(&r);
	/* a URL that is not https (nor loopback http): refused, still a warning */
	notify_run(&r, &m, "http://hooks.example.com/x", json_out);
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.err, "warning: notification not sent"));
	run_free(&r);
	mock_stop(&m);
}

/* ---- man page and completions --------------------------------------------------- */

/* Every "--option" and every command of `flyaudit --help` appears in `file`. */
static void covers_help(const char *file, bool man_escapes)
{
	const char *a[] = { "--help", NULL };
	run r;
	char *doc = slurp(file), *p;

	assert_non_null(doc);
	fa_run(&r, NULL, NULL, NULL, a);
	assert_int_equal(r.code, 0);
	for (p = r.out; (p = strstr(p, "--")) != NULL;) {
		char opt[64], want[160];
		size_t n = 2, k, w = 0;

		while (n < sizeof(opt) - 1 && (isalnum((unsigned char)p[n]) || p[n] == '-'))
			n++;
		memcpy(opt, p, n);
		opt[n] = '\0';
		p += n;
		if (n <= 2)
			continue;
		for (k = 0; k < n && w < sizeof(want) - 2; k++) {
			if (man_escapes && opt[k] == '-')
				want[w++] = '\\';
			want[w++] = opt[k];
		}
		want[w] = '\0';
		if (!strstr(doc, want))
			fail_msg("%s does not document %s", file, opt);
	}
	/* the commands: the first word of each line under "commands:" */
	p = strstr(r.out, "commands:\n");
	assert_non_null(p);
	for (p = strchr(p, '\n') + 1; strncmp(p, "  ", 2) == 0; p = strchr(p, '\n') + 1) {
		char cmd[40];
		size_t n = strcspn(p + 2, " \n");

		snprintf(cmd, sizeof(cmd), "%.*s", (int)n, p + 2);
		if (!strstr(doc, cmd))
			fail_msg("%s does not document the command %s", file, cmd);
	}
	run_free(&r);
	free(doc);
}

static void test_man_page(void **state)
{
	char cmd[800];
	int rc;

	(void)state;
	covers_help("examples/man/flyaudit.1", true);
	rc = sh("command -v man >/dev/null 2>&1");
	if (rc != 0) {
		print_message("[  SKIP    ] man missing: the page is not rendered\n");
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "MANWIDTH=80 man -l examples/man/flyaudit.1 2>'%s/man.err' | grep -q 'exclude-checks' && ! grep -q . '%s/man.err'",
		 tmpdir, tmpdir);
	assert_int_equal(sh(cmd), 0);
}

static void test_completions(void **state)
{
	(void)state;
	covers_help("examples/completions/flyaudit.bash", false);
	covers_help("examples/completions/_flyaudit", false);
	assert_int_equal(sh("bash -n examples/completions/flyaudit.bash"), 0);
	assert_int_equal(sh("bash -c '. examples/completions/flyaudit.bash; COMP_WORDS=(flyaudit --format o); "
			    "COMP_CWORD=2; _flyaudit; [ \"${COMPREPLY[*]}\" = ocsf ]'"), 0);
	if (sh("command -v zsh >/dev/null 2>&1") == 0)
		assert_int_equal(sh("zsh -n examples/completions/_flyaudit"), 0);
	else
		print_message("[  SKIP    ] zsh missing: _flyaudit not parsed\n");
}

/* The packaging files keep their promises (docker has no engine in CI: not built here). */
static void test_dockerfile_and_action(void **state)
{
	char *d = slurp("examples/docker/Dockerfile"), *a = slurp("examples/github/action.yml"), *p;

	(void)state;
	assert_non_null(d);
	assert_non_null(a);
	/* multi-stage, every FROM pinned by digest, a non-root USER last */
	{
		int froms = 0;

		for (p = d; (p = strstr(p, "\nFROM ")) != NULL; p++) {
			char line[300];

			snprintf(line, sizeof(line), "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
			froms++;
			if (!strstr(line, "@sha256:"))
				fail_msg("Dockerfile: base not pinned by digest: %s", line);
		}
		assert_true(froms >= 2);
		p = strstr(d, "\nUSER ");
		assert_non_null(p);
		assert_null(strstr(p + 1, "\nUSER root"));
		assert_null(strstr(d, "\nUSER 0"));
		assert_null(strstr(d, "FLY_API_TOKEN="));
		assert_null(strstr(d, "\nARG FLY"));
	}
	/* composite action: every `uses:` pinned by a 40-hex SHA, the token from secrets */
	for (p = a; (p = strstr(p, "uses: ")) != NULL; p++) {
		const char *at = strchr(p, '@'), *bol = p;
		size_t k;

		while (bol > a && bol[-1] != '\n')
			bol--;
		while (*bol == ' ')
			bol++;
		if (*bol == '#')
			continue; /* the usage comment */

		assert_non_null(at);
		for (k = 1; k <= 40; k++)
			assert_true(isxdigit((unsigned char)at[k]));
		assert_true(at[41] == ' ' || at[41] == '\n');
	}
	assert_non_null(strstr(a, "using: composite"));
	assert_non_null(strstr(a, "upload-sarif"));
	assert_non_null(strstr(a, "upload-artifact"));
	free(d);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_check_is_mapped),
		cmocka_unit_test(test_golden_files),
		cmocka_unit_test(test_frameworks_and_summary),
		cmocka_unit_test(test_html_hostile),
		cmocka_unit_test(test_csv_hostile),
		cmocka_unit_test(test_ocsf_hostile),
		cmocka_unit_test(test_plan_hostile),
		cmocka_unit_test(test_writers_property),
		cmocka_unit_test(test_demo_formats),
		cmocka_unit_test(test_compliance_cli),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_fix_plan_demo),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_man_page),
		cmocka_unit_test(test_completions),
		cmocka_unit_test(test_dockerfile_and_action),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
