/* test_scan.c: `flyaudit scan`: the Dockerfile, YAML and .dockerignore parsers on table
 * and hostile input, the scan checks on strings, and the real binary on the fixture
 * repositories of tests/fixtures/scan/ (planted: every problem at its line; clean: every
 * check passes; malformed: coverage entries with file and line, exit 3), hostile trees
 * (huge, binary, symlinks leaving DIR, not a directory), the git index through libgit2,
 * suppressions by path, .flyauditignore, and the report formats (path:line, SARIF
 * physicalLocation, JSON location, JUnit file/line). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <git2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/audit.h"
#include "flyaudit/parse.h"
#include "flyaudit/report.h"
#include "flyaudit/scan.h"

#include "harness.h"

#define CANARY "fm2_CANARYcanaryCANARYcanary0123456789abcdefZZ"
#define PLANTED "tests/fixtures/scan/planted"
#define CLEAN "tests/fixtures/scan/clean"
#define MALFORMED "tests/fixtures/scan/malformed"

/* ---- Dockerfile parser ------------------------------------------------------------------ */

static void test_dockerfile_table(void **state)
{
	static const char df[] =
		"# syntax=docker/dockerfile:1\n"
		"ARG BASE=alpine:3.19\n"
		"FROM ${BASE} AS build\n"
		"RUN apk add \\\n"
		"    # a comment inside a continuation\n"
		"\n"
		"    curl \\\n"
		"    git\n"
		"COPY <<EOF /etc/motd\n"
		"hello\n"
		"EOF\n"
		"RUN <<-A <<B\n"
		"\tone\n"
		"\tA\n"
		"two\n"
		"B\n"
		"from scratch\n"
		"ENV A=1 B=\"two words\"\n"
		"CMD [\"/bin/app\", \"--flag\"]\n"
		"ENTRYPOINT [not json\n"
		"user 1000:1000\n";
	fa_dockerfile d;
	fa_parse_error err;

	(void)state;
	assert_int_equal(fa_dockerfile_parse(df, sizeof(df) - 1, &d, &err), 0);
	assert_int_equal(d.n, 10);
	assert_int_equal(d.n_stages, 2);
	assert_string_equal(d.items[0].cmd, "ARG");
	assert_int_equal(d.items[0].line, 2);
	assert_string_equal(d.items[1].cmd, "FROM");
	assert_int_equal(d.items[1].argc, 3);
	assert_string_equal(d.items[2].cmd, "RUN");
	assert_int_equal(d.items[2].line, 4);
	assert_string_equal(d.items[2].args, "apk add  curl  git");
	assert_string_equal(d.items[3].cmd, "COPY");
	assert_int_equal(d.items[3].line, 9);
	assert_string_equal(d.items[3].heredoc, "hello\n");
	assert_int_equal(d.items[4].line, 12);
	assert_string_equal(d.items[4].heredoc, "\tone\ntwo\n");
	assert_string_equal(d.items[5].cmd, "FROM"); /* keyword case does not matter */
	assert_int_equal(d.items[5].line, 17);
	assert_int_equal(d.items[5].stage, 1);
	assert_int_equal(d.items[6].argc, 2);
	assert_string_equal(d.items[6].argv[1], "B=two words");
	assert_true(d.items[7].json);
	assert_int_equal(d.items[7].argc, 2);
	assert_string_equal(d.items[7].argv[1], "--flag");
	assert_false(d.items[8].json); /* not JSON: the shell form, as Docker does */
	assert_string_equal(d.items[9].cmd, "USER");
	assert_int_equal(d.items[9].line, 21);
	assert_int_equal(d.items[9].stage, 1);
	fa_dockerfile_release(&d);

	/* the escape directive */
	{
		static const char bt[] = "# escape=`\nFROM windows\nRUN dir `\n  c:\\\n";

		assert_int_equal(fa_dockerfile_parse(bt, sizeof(bt) - 1, &d, &err), 0);
		assert_int_equal(d.n, 2);
		assert_string_equal(d.items[1].args, "dir  c:\\");
		fa_dockerfile_release(&d);
	}
}

static void test_dockerfile_hostile(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		int rc;
		unsigned line;
	} cases[] = {
		{ "", 0, FA_PARSE_ESYNTAX, 1 },                   /* no FROM */
		{ "# only a comment\n", 0, FA_PARSE_ESYNTAX, 1 },
		{ "RUN x\nFROM a\n", 0, FA_PARSE_ESYNTAX, 1 },     /* before FROM */
		{ "FROM a\nFOO bar\n", 0, FA_PARSE_ESYNTAX, 2 },   /* unknown */
		{ "FROM a\nRUN <<EOF\nx\n", 0, FA_PARSE_ESYNTAX, 2 }, /* heredoc open */
		{ "FROM\n", 0, FA_PARSE_ESYNTAX, 1 },
		{ "FROM a\nRUN \0x\n", 14, FA_PARSE_ESYNTAX, 2 }, /* NUL */
		{ "FROM a\nRUN x \\", 0, 0, 0 },                  /* continuation at EOF */
		{ "FROM a\r\nUSER app\r\n", 0, 0, 0 },             /* CRLF */
		{ "FROM a\nCMD [\"\\u0041\", \"x\\\"\"]\n", 0, 0, 0 },
		{ "FROM a\nCMD [\"x\",]\n", 0, 0, 0 },            /* bad JSON: shell form */
		{ "FROM a\nRUN echo <<<here\n", 0, 0, 0 },         /* here-string */
		{ "FROM a\nRUN <<\"EOF\"\n$x\nEOF\n", 0, 0, 0 },  /* quoted marker */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fa_dockerfile d;
		fa_parse_error err;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		int rc = fa_dockerfile_parse(cases[i].text, len, &d, &err);

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].rc, err.msg);
		if (rc)
			assert_int_equal(err.line, cases[i].line);
		fa_dockerfile_release(&d);
	}
	/* too large */
	{
		size_t n = FA_PARSE_MAX_INPUT + 1;
		char *big = malloc(n);
		fa_dockerfile d;
		fa_parse_error err;

		assert_non_null(big);
		memset(big, 'a', n);
		assert_int_equal(fa_dockerfile_parse(big, n, &d, &err), FA_PARSE_ELIMIT);
		free(big);
	}
	/* every prefix of a real Dockerfile parses or fails cleanly */
	{
		char *text = slurp(PLANTED "/Dockerfile");
		size_t n, k;

		assert_non_null(text);
		n = strlen(text);
		for (k = 0; k <= n; k++) {
			fa_dockerfile d;
			fa_parse_error err;
			int rc = fa_dockerfile_parse(text, k, &d, &err);

			assert_true(rc == 0 || rc == FA_PARSE_ESYNTAX);
			fa_dockerfile_release(&d);
		}
		free(text);
	}
}

/* ---- YAML --------------------------------------------------------------------------------- */

static void test_yaml_table(void **state)
{
	static const char y[] = "a: 1\n"
				"b:\n"
				"  - x\n"
				"  - {k: v}\n"
				"c: &anchor\n"
				"  d: \"quoted\"\n"
				"e: *anchor\n"
				"run: |\n"
				"  line one\n"
				"  line two\n";
	fa_yaml_doc d;
	fa_parse_error err;
	const fa_yaml_node *n, *k = NULL;

	(void)state;
	assert_int_equal(fa_yaml_parse(y, sizeof(y) - 1, &d, &err), 0);
	assert_int_equal(d.root->type, FA_YAML_MAP);
	n = fa_yaml_get(d.root, "a", &k);
	assert_string_equal(n->value, "1");
	assert_int_equal(k->line, 1);
	n = fa_yaml_get(d.root, "b", NULL);
	assert_int_equal(n->type, FA_YAML_SEQ);
	assert_int_equal(n->n, 2);
	assert_int_equal(n->items[1]->line, 4);
	assert_string_equal(fa_yaml_get(n->items[1], "k", NULL)->value, "v");
	n = fa_yaml_get(fa_yaml_get(d.root, "c", NULL), "d", NULL);
	assert_false(n->plain);
	n = fa_yaml_get(d.root, "e", NULL);
	assert_int_equal(n->type, FA_YAML_ALIAS); /* never expanded */
	assert_string_equal(n->value, "anchor");
	n = fa_yaml_get(d.root, "run", NULL);
	assert_string_equal(n->value, "line one\nline two\n");
	assert_null(fa_yaml_get(d.root, "missing", NULL));
	fa_yaml_release(&d);
}

static void test_yaml_hostile(void **state)
{
	static const struct {
		const char *text;
		int rc;
		unsigned line;
	} cases[] = {
		{ "a: [1, 2\n", FA_PARSE_ESYNTAX, 2 },
		{ "a: b\n c: d\n", FA_PARSE_ESYNTAX, 2 },
		{ "a: \"open\n", FA_PARSE_ESYNTAX, 2 },
		{ "a: *nowhere\n", 0, 0 }, /* an alias is kept, never resolved */
		{ "\t- x\n", FA_PARSE_ESYNTAX, 1 },
		{ "", 0, 0 },
		{ "--- a\n--- b\n", 0, 0 },
		/* the billion laughs stay small: aliases are not expanded */
		{ "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
		  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n", 0, 0 },
	};
	size_t i;
	char deep[2 * (FA_PARSE_MAX_DEPTH + 10) + 1];
	fa_yaml_doc d;
	fa_parse_error err;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = fa_yaml_parse(cases[i].text, strlen(cases[i].text), &d, &err);

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
		if (rc)
			assert_int_equal(err.line, cases[i].line);
		else if (i == sizeof(cases) / sizeof(cases[0]) - 1)
			assert_true(d.n_nodes < 100);
		fa_yaml_release(&d);
	}
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	assert_int_equal(fa_yaml_parse(deep, strlen(deep), &d, &err), FA_PARSE_ELIMIT);
	fa_yaml_release(&d);
}

/* ---- .dockerignore ------------------------------------------------------------------------- */

static void test_dockerignore(void **state)
{
	static const struct {
		const char *ignore, *path;
		bool excluded;
	} cases[] = {
		{ ".env", ".env", true },
		{ ".env*", ".env.production", true },
		{ "*.env", ".env", true },
		{ "**/.env*", ".env", true },
		{ "**/.env*", "sub/dir/.env.local", true },
		{ "/.env", ".env", true },
		{ "./.env", ".env", true },
		{ ".env*\n!.env.production", ".env.production", false },
		{ ".env*\n!.env.production", ".env", true },
		{ "# .env", ".env", false },
		{ "node_modules", ".env", false },
		{ "*", ".env", true },
		{ "*\n!src", ".env", true },
		{ "config", "config/.env", true },
		{ "config/", "config/.env", true },
		{ "", ".env", false },
		{ "  .env  \r\n", ".env", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (fa_dockerignore_excludes(cases[i].ignore, strlen(cases[i].ignore), cases[i].path) !=
		    cases[i].excluded)
			fail_msg("case %zu: '%s' on %s", i, cases[i].ignore, cases[i].path);
}

/* ---- checks on strings ---------------------------------------------------------------------- */

static const fa_result *find(const fa_results *rs, const char *check, const char *file,
			     unsigned line, fa_status st)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const fa_result *r = &rs->items[i];

		if (strcmp(r->check->id, check) == 0 && r->file && strcmp(r->file, file) == 0 &&
		    r->line == line && r->status == st)
			return r;
	}
	return NULL;
}

static void test_token_literal(void **state)
{
	/* a Fly macaroon (the official ConfineOrganization vector) and look-alikes */
	static const char tok[] =
		"fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EED3vf6jgExZUlJp9f7SswTzC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIJkXvEIPtppx5Wp4yRjciUPyJc4h2JLjvCUjANcCggAZAMnTb6";
	fa_scan_ctx c = { NULL, 1700000000 };
	fa_results rs;
	fa_buf text = FA_BUF_INIT(0);
	size_t i;

	(void)state;
	fa_results_init(&rs);
	assert_int_equal(fa_buf_printf(&text,
				       "docs mention fm2_ and fo1_ prefixes\n"
				       "fake = \"fm2_notavalidmacaroonatallnotatallnotatall\"\n"
				       "real = \"FlyV1 %s\"\n",
				       tok), 0);
	assert_int_equal(fa_scan_token_literals(&c, "notes.txt", text.data, text.len, &rs), 0);
	assert_int_equal(rs.n, 1); /* only the one the decoder confirms */
	assert_non_null(find(&rs, "ci.token_hardcoded", "notes.txt", 3, FA_STATUS_FAIL));
	assert_non_null(strstr(rs.items[0].message, "org"));
	for (i = 0; i < rs.n; i++) { /* never the token */
		assert_null(strstr(rs.items[i].message, "lJPEEExB"));
		assert_null(strstr(rs.items[i].resource_id, "lJPEEExB"));
	}
	fa_results_release(&rs);
	fa_buf_release(&text);
}

static void test_workflow_checks(void **state)
{
	static const char wf[] =
		"on: push\n"
		"jobs:\n"
		"  a:\n"
		"    uses: org/repo/.github/workflows/x.yml@main\n"
		"  b:\n"
		"    steps:\n"
		"      - uses: ./local-action\n"
		"      - uses: docker://alpine:3.19\n"
		"      - uses: docker://alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
		"      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n"
		"      - run: FLY_API_TOKEN=\"$FLY_API_TOKEN\" fly deploy\n"
		"      - run: FLY_API_TOKEN=abc fly deploy --build-arg VERSION=1\n"
		"      - run: |\n"
		"          echo one\n"
		"          docker build --build-arg GITHUB_TOKEN=x .\n";
	fa_scan_ctx c = { NULL, 0 };
	fa_results rs;
	fa_parse_error err;

	(void)state;
	fa_results_init(&rs);
	assert_int_equal(fa_scan_workflow(&c, "w.yml", wf, sizeof(wf) - 1, &rs, &err), 0);
	assert_non_null(find(&rs, "ci.action_unpinned", "w.yml", 4, FA_STATUS_FAIL));
	assert_non_null(find(&rs, "ci.action_unpinned", "w.yml", 8, FA_STATUS_FAIL));
	assert_non_null(find(&rs, "ci.action_unpinned", "w.yml", 9, FA_STATUS_PASS));
	assert_non_null(find(&rs, "ci.action_unpinned", "w.yml", 10, FA_STATUS_PASS));
	assert_null(find(&rs, "ci.action_unpinned", "w.yml", 7, FA_STATUS_FAIL));
	assert_null(find(&rs, "ci.token_not_from_secrets", "w.yml", 11, FA_STATUS_FAIL));
	assert_non_null(find(&rs, "ci.token_not_from_secrets", "w.yml", 12, FA_STATUS_FAIL));
	assert_null(find(&rs, "ci.secret_as_build_arg", "w.yml", 12, FA_STATUS_FAIL));
	assert_non_null(find(&rs, "ci.secret_as_build_arg", "w.yml", 15, FA_STATUS_FAIL));
	fa_results_release(&rs);
}

/* ---- the binary on the fixtures --------------------------------------------------------------- */

static void scan(run *r, const char *dir, const char *const *extra)
{
	const char *args[20];
	size_t n = 0, i;

	args[n++] = "scan";
	args[n++] = dir;
	for (i = 0; extra && extra[i] && n < 19; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	fa_run(r, NULL, NULL, NULL, args);
}

static cJSON *scan_json(run *r, const char *dir, const char *const *extra)
{
	const char *args[20] = { "--format", "json" };
	size_t n = 2, i;
	cJSON *j;

	for (i = 0; extra && extra[i] && n < 19; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	scan(r, dir, args);
	j = cJSON_Parse(r->out);
	if (!j)
		fail_msg("not JSON: %s / %s", r->out, r->err);
	return j;
}

/* The result of `check` at file:line with `status` in a JSON report. */
static const cJSON *json_find(const cJSON *rep, const char *check, const char *file,
			      int line, const char *status)
{
	const cJSON *res;

	cJSON_ArrayForEach(res, cJSON_GetObjectItem(rep, "results"))
	{
		const cJSON *loc = cJSON_GetObjectItem(res, "location");
		const cJSON *l = cJSON_GetObjectItem(loc, "line");

		if (strcmp(cJSON_GetObjectItem(res, "check")->valuestring, check) == 0 &&
		    strcmp(cJSON_GetObjectItem(res, "status")->valuestring, status) == 0 && loc &&
		    strcmp(cJSON_GetObjectItem(loc, "file")->valuestring, file) == 0 &&
		    (line == 0 ? !l || l->valueint == 1 || 1 : l && l->valueint == line))
			return res;
	}
	return NULL;
}

static size_t json_count(const cJSON *rep, const char *status)
{
	return (size_t)cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "summary"), status)->valueint;
}

static void test_planted(void **state)
{
	static const struct {
		const char *check, *file;
		int line;
	} want[] = {
		{ "secrets.plaintext_env", "fly.toml", 10 },
		{ "secrets.plaintext_env", "fly.toml", 11 },
		{ "container.image_unpinned", "fly.toml", 6 },
		{ "tls.https_not_forced", "fly.toml", 15 },
		{ "machines.autostop_disabled", "fly.toml", 16 },
		{ "tls.weak_protocols", "fly.toml", 17 },
		{ "health.checks_missing", "fly.toml", 13 }, /* the only [checks] is the worker's */
		{ "network.private_service_public", "fly.toml", 23 },
		{ "health.checks_missing", "fly.toml", 20 },
		{ "secrets.dockerfile", "Dockerfile", 4 },
		{ "container.image_unpinned", "Dockerfile", 12 },
		{ "secrets.dockerfile", "Dockerfile", 13 },
		{ "secrets.env_file_committed", "Dockerfile", 16 },
		{ "container.runs_as_root", "Dockerfile", 18 },
		{ "container.image_unpinned", "worker/Dockerfile.worker", 1 },
		{ "container.runs_as_root", "worker/Dockerfile.worker", 1 },
		{ "ci.token_not_from_secrets", ".github/workflows/deploy.yml", 6 },
		{ "ci.action_unpinned", ".github/workflows/deploy.yml", 11 },
		{ "ci.action_unpinned", ".github/workflows/deploy.yml", 12 },
		{ "ci.secret_as_build_arg", ".github/workflows/deploy.yml", 15 },
		{ "ci.token_not_from_secrets", ".github/workflows/deploy.yml", 17 },
		{ "secrets.env_file_committed", ".env", 1 },
		{ "ci.token_hardcoded", "config/deploy-notes.sh", 2 },
	};
	run r = { 0 };
	cJSON *rep;
	size_t i;

	(void)state;
	rep = scan_json(&r, PLANTED, NULL);
	assert_int_equal(r.code, 1);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!json_find(rep, want[i].check, want[i].file, want[i].line, "fail"))
			fail_msg("missing %s at %s:%d", want[i].check, want[i].file, want[i].line);
	{ /* the planted ones and nothing else (autostop is also off on [[services]]) */
		assert_non_null(json_find(rep, "machines.autostop_disabled", "fly.toml", 20, "fail"));
		assert_int_equal(json_count(rep, "fail"), sizeof(want) / sizeof(want[0]) + 1);
	}
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "coverage"),
								"errors")), 0);
	/* fly.toml results name their app; no value or token is in the report */
	assert_string_equal(cJSON_GetObjectItem(json_find(rep, "tls.https_not_forced", "fly.toml",
							   15, "fail"), "app")->valuestring,
			    "planted-app");
	assert_null(strstr(r.out, "correct-horse"));
	assert_null(strstr(r.out, "AKIAIOSFODNN7EXAMPLE"));
	assert_null(strstr(r.out, "sk_live_"));
	assert_null(strstr(r.out, "lJPEEExB"));
	assert_null(strstr(r.out, "s3cr3t"));
	cJSON_Delete(rep);
	run_free(&r);

	/* text: path:line */
	scan(&r, PLANTED, NULL);
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.out, "repository  Dockerfile:18: "));
	assert_non_null(strstr(r.out, "planted-app  fly.toml:10 (DB_PASSWORD): "));
	run_free(&r);
}

static void test_clean(void **state)
{
	run r = { 0 };
	cJSON *rep;

	(void)state;
	rep = scan_json(&r, CLEAN, (const char *const[]){ "--fail-on", "low", NULL });
	assert_int_equal(r.code, 0);
	assert_int_equal(json_count(rep, "fail"), 0);
	assert_int_equal(json_count(rep, "unknown"), 0);
	assert_true(json_count(rep, "pass") >= 20); /* every check looked and passed */
	assert_non_null(json_find(rep, "container.runs_as_root", "Dockerfile", 19, "pass"));
	assert_non_null(json_find(rep, "secrets.env_file_committed", "Dockerfile", 16, "pass"));
	assert_non_null(json_find(rep, "ci.action_unpinned", ".github/workflows/deploy.yml", 11, "pass"));
	/* [processes]: a service's messages name the groups it lists */
	assert_non_null(strstr(r.out, "[[services]] #1 (processes app, worker) has health checks"));
	cJSON_Delete(rep);
	run_free(&r);
}

static void test_malformed(void **state)
{
	static const char *const want[] = { ".github/workflows/ci.yml:7", "Dockerfile:2",
		"api.Dockerfile:2", "fly.toml:5" };
	run r = { 0 };
	cJSON *rep;
	const cJSON *errs, *e;
	size_t i = 0;

	(void)state;
	rep = scan_json(&r, MALFORMED, NULL);
	assert_int_equal(r.code, 3); /* partial, even with a failure */
	errs = cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "coverage"), "errors");
	assert_int_equal(cJSON_GetArraySize(errs), 4);
	cJSON_ArrayForEach(e, errs)
	{
		assert_string_equal(cJSON_GetObjectItem(e, "endpoint")->valuestring, want[i]);
		assert_non_null(strstr(cJSON_GetObjectItem(e, "message")->valuestring, "cannot be parsed"));
		i++;
	}
	/* the other files were still scanned */
	assert_non_null(json_find(rep, "secrets.env_file_committed", ".env.production", 1, "fail"));
	cJSON_Delete(rep);
	run_free(&r);
}

static void test_formats(void **state)
{
	char path[400], cmd[900];
	run r = { 0 };
	cJSON *sarif, *res;
	const cJSON *loc;
	bool seen = false;

	(void)state;
	scan(&r, PLANTED, (const char *const[]){ "--format", "sarif", NULL });
	assert_int_equal(r.code, 1);
	sarif = cJSON_Parse(r.out);
	assert_non_null(sarif);
	cJSON_ArrayForEach(res, cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(sarif, "runs"), 0),
						    "results"))
	{
		loc = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(res, "locations"), 0),
					  "physicalLocation");
		assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(loc, "artifactLocation"),
							"uriBaseId")->valuestring, "SRCROOT");
		if (strcmp(cJSON_GetObjectItem(cJSON_GetObjectItem(loc, "artifactLocation"), "uri")->valuestring,
			   ".github/workflows/deploy.yml") == 0 &&
		    cJSON_GetObjectItem(cJSON_GetObjectItem(loc, "region"), "startLine")->valueint == 15)
			seen = true;
	}
	assert_true(seen);
	cJSON_Delete(sarif);
	/* the SARIF schema and the report schema (skip without python3-jsonschema) */
	snprintf(path, sizeof(path), "%s/scan.sarif", tmpdir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(r.out, f);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import jsonschema' 2>/dev/null || exit 0; "
		 "python3 tests/validate-schema.py ../shared/schemas/sarif-schema-2.1.0.json '%s'", path);
	assert_int_equal(system(cmd), 0);
	run_free(&r);

	scan(&r, PLANTED, (const char *const[]){ "--format", "json", "-o", path, NULL });
	assert_int_equal(r.code, 1);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import jsonschema' 2>/dev/null || exit 0; "
		 "python3 tests/validate-schema.py audit/report/flyaudit-report-v1.schema.json '%s'", path);
	assert_int_equal(system(cmd), 0);
	run_free(&r);

	scan(&r, PLANTED, (const char *const[]){ "--format", "junit", NULL });
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.out, " file=\"fly.toml\" line=\"15\""));
	run_free(&r);
}

/* Writes `len` bytes into tmpdir/rel (creating folders). */
static void put(const char *root, const char *rel, const char *data, size_t len)
{
	char path[600], cmd[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n++;
	closedir(d);
	return n;
}

static void test_hostile_tree(void **state)
{
	char root[400], outside[400], link[600];
	char *huge;
	size_t before;
	run r = { 0 };
	cJSON *rep;
	const cJSON *errs, *e;
	bool big = false, bin = false, wf = false;

	(void)state;
	snprintf(root, sizeof(root), "%s/hostile", tmpdir);
	snprintf(outside, sizeof(outside), "%s/outside", tmpdir);
	put(outside, "Dockerfile", "FROM evil:latest\n", 17);
	put(outside, ".env", "X=1\n", 4);
	put(root, "ok/Dockerfile", "FROM alpine:3.19\nUSER app\n", 26);
	huge = malloc(2 * 1024 * 1024);
	assert_non_null(huge);
	memset(huge, '#', 2 * 1024 * 1024);
	put(root, "fly.toml", huge, 2 * 1024 * 1024);
	free(huge);
	put(root, "bin/Dockerfile", "FROM a\n\0\1\2", 10);
	put(root, "blob.bin", "\0\0fm2_", 6);
	/* a workflow outside .github/workflows (an example) that does not parse */
	put(root, "ci/pipeline.yml", "jobs:\n  a:\n    runs-on: x\n    steps:\n      - name: a: b\n", 56);
	put(root, "ci/other.yml", "just: [yaml, that is not a workflow\n", 36);
	/* symlinks that leave DIR: a file and a folder */
	snprintf(link, sizeof(link), "%s/Dockerfile", root);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	snprintf(link, sizeof(link), "%s/escape", root);
	assert_int_equal(symlink(outside, link), 0);
	before = count_entries(root);

	rep = scan_json(&r, root, NULL);
	assert_int_equal(r.code, 3);
	errs = cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "coverage"), "errors");
	cJSON_ArrayForEach(e, errs)
	{
		const char *ep = cJSON_GetObjectItem(e, "endpoint")->valuestring;

		if (strcmp(ep, "fly.toml") == 0)
			big = strstr(cJSON_GetObjectItem(e, "message")->valuestring, "cap") != NULL;
		if (strcmp(ep, "bin/Dockerfile") == 0)
			bin = true;
		if (strcmp(ep, "ci/pipeline.yml:5") == 0)
			wf = true;
		assert_null(strstr(ep, "other.yml")); /* other YAML is not ours to judge */
	}
	assert_true(big);
	assert_true(bin);
	assert_true(wf);
	assert_null(strstr(r.out, "evil"));     /* nothing outside DIR was read */
	assert_null(strstr(r.out, "escape/"));
	assert_non_null(json_find(rep, "container.runs_as_root", "ok/Dockerfile", 2, "pass"));
	assert_int_equal(count_entries(root), before); /* nothing written into DIR */
	cJSON_Delete(rep);
	run_free(&r);

	/* not a directory, missing: exit 2 */
	scan(&r, PLANTED "/fly.toml", NULL);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "not a directory"));
	run_free(&r);
	scan(&r, "/nonexistent/flyaudit", NULL);
	assert_int_equal(r.code, 2);
	run_free(&r);
	fa_run(&r, NULL, NULL, NULL, (const char *const[]){ "scan", "a", "b", NULL });
	assert_int_equal(r.code, 2);
	run_free(&r);
}

/* In a git work tree only what the index holds is read (libgit2 writes the index here). */
static void test_git_index(void **state)
{
	char root[400];
	git_repository *repo = NULL;
	git_index *idx = NULL;
	run r = { 0 };
	cJSON *rep;

	(void)state;
	snprintf(root, sizeof(root), "%s/gitrepo", tmpdir);
	put(root, ".env", "A=1\n", 4);
	put(root, ".env.local", "A=1\n", 4);           /* not tracked */
	put(root, "Dockerfile", "FROM x:latest\n", 14); /* not tracked */
	put(root, "app/Dockerfile", "FROM alpine:3.19\nUSER app\n", 26);
	git_libgit2_init();
	assert_int_equal(git_repository_init(&repo, root, 0), 0);
	assert_int_equal(git_repository_index(&idx, repo), 0);
	assert_int_equal(git_index_add_bypath(idx, ".env"), 0);
	assert_int_equal(git_index_add_bypath(idx, "app/Dockerfile"), 0);
	assert_int_equal(git_index_write(idx), 0);
	git_index_free(idx);
	git_repository_free(repo);
	git_libgit2_shutdown();

	rep = scan_json(&r, root, NULL);
	assert_int_equal(r.code, 1);
	assert_non_null(json_find(rep, "secrets.env_file_committed", ".env", 1, "fail"));
	assert_null(strstr(r.out, ".env.local"));
	assert_null(json_find(rep, "container.image_unpinned", "Dockerfile", 1, "fail"));
	assert_non_null(json_find(rep, "container.runs_as_root", "app/Dockerfile", 2, "pass"));
	cJSON_Delete(rep);
	run_free(&r);
}

static void test_suppress_and_ignore(void **state)
{
	char sup[400], root[400];
	run r = { 0 };
	cJSON *rep;
	const cJSON *m;

	(void)state;
	snprintf(sup, sizeof(sup), "%s/sup.json", tmpdir);
	{
		static const char text[] =
			"[{\"check\": \"container.runs_as_root\", \"path\": \"worker/\", "
			"\"reason\": \"the worker image is rebuilt next sprint\", \"expires\": \"2099-01-01\"}]";

		put(tmpdir, "sup.json", text, sizeof(text) - 1);
	}
	rep = scan_json(&r, PLANTED, (const char *const[]){ "--suppressions", sup, NULL });
	m = json_find(rep, "container.runs_as_root", "worker/Dockerfile.worker", 1, "muted");
	assert_non_null(m);
	assert_non_null(json_find(rep, "container.runs_as_root", "Dockerfile", 18, "fail"));
	cJSON_Delete(rep);
	run_free(&r);

	/* .flyauditignore: the .dockerignore syntax */
	snprintf(root, sizeof(root), "%s/ignored", tmpdir);
	put(root, "fixtures/Dockerfile", "FROM x:latest\n", 14);
	put(root, "fixtures/keep/Dockerfile", "FROM x:latest\n", 14);
	put(root, ".flyauditignore", "# planted on purpose\nfixtures/\n!fixtures/keep\n",
	    strlen("# planted on purpose\nfixtures/\n!fixtures/keep\n"));
	rep = scan_json(&r, root, NULL);
	assert_null(json_find(rep, "container.image_unpinned", "fixtures/Dockerfile", 1, "fail"));
	assert_non_null(json_find(rep, "container.image_unpinned", "fixtures/keep/Dockerfile", 1, "fail"));
	cJSON_Delete(rep);
	run_free(&r);
}

static void test_report_locations(void **state)
{
	fa_report rep;
	fa_buf b = FA_BUF_INIT(0);
	const fa_check_meta *m = fa_check_find("ci.action_unpinned");

	(void)state;
	fa_report_init(&rep);
	rep.tool_name = "flyaudit";
	rep.tool_version = "t";
	rep.generated_at = "2026-01-01T00:00:00Z";
	rep.org = "repository";
	rep.source = ".";
	assert_int_equal(fa_results_add(&rep.results, m, FA_STATUS_FAIL, NULL, NULL, "file",
					"a b/w.yml#x", "x", NULL, "msg"), 0);
	assert_int_equal(fa_result_set_location(&rep.results.items[0], "a b/w.yml", 7), 0);
	assert_int_equal(fa_report_sarif(&rep, &b), 0);
	assert_non_null(strstr(b.data, "\"uri\":\t\"a%20b/w.yml\""));
	assert_non_null(strstr(b.data, "\"startLine\":\t7"));
	fa_buf_release(&b);
	assert_int_equal(fa_report_text(&rep, false, &b), 0);
	assert_non_null(strstr(b.data, "a b/w.yml:7 (x)"));
	fa_buf_release(&b);
	fa_report_release(&rep);
}

/* Whether any of the files holds any of the values. */
static bool leaks(const char *const *texts, size_t n, const char *const *values)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; texts[i] && values[k]; k++)
			if (strstr(texts[i], values[k]))
				return true;
	return false;
}

/* audit --repo against the demo org: the planted drift of tests/fixtures/scan/drift and
 * nothing else (force_https, auto-stop, an env name only the repository has, one env value
 * that differs by keyed hash while another matches); no [env] value of the repository or
 * of the machines in any output; the scan's own findings in the same report; an app not
 * in the org. */
static void test_repo_drift(void **state)
{
	static const struct {
		const char *id;
		int line;
		const char *status;
	} want[] = {
		{ "web-clean:fly.toml#force_https", 14, "fail" },
		{ "web-clean:fly.toml#auto_stop_machines", 15, "fail" },
		{ "web-clean:fly.toml#env_names", 7, "fail" },
		{ "web-clean:fly.toml#env_value:RELEASE_TRACK", 10, "fail" },
		{ "web-clean:fly.toml#ports", 12, "pass" },
		{ "web-clean:fly.toml#public_internal_ports", 12, "pass" },
		{ "web-clean:fly.toml#tls_versions", 12, "pass" },
		{ "web-clean:fly.toml#health_checks", 12, "pass" },
		{ "web-clean:fly.toml#processes", 1, "pass" },
		{ "web-clean:fly.production.toml#env_values", 6, "pass" },
	};
	/* the values of both sides: the repository's and what web-clean's machines run */
	static const char *const values[] = { "canary-2d93af", "stable-8c41e2", "assets-5f0b7d",
		"\"debug\"", NULL };
	mock m;
	run r = { 0 };
	cJSON *rep;
	const cJSON *res;
	char js[400], sarif[400], txt[400];
	char *files[3];
	size_t i, drift_fails = 0, drift_prod = 0, found = 0;

	(void)state;
	snprintf(js, sizeof(js), "%s/drift.json", tmpdir);
	snprintf(sarif, sizeof(sarif), "%s/drift.sarif", tmpdir);
	snprintf(txt, sizeof(txt), "%s/drift.txt", tmpdir);
	/* a canary token: it must never appear in anything --repo prints */
	mock_start(&m, CANARY, NULL);
	fa_run(&r, m.url, CANARY, ca_path,
	       (const char *const[]){ "--org", "demo", "--app", "web-clean", "audit", "--repo",
				      "tests/fixtures/scan/drift", "-o", js, "-o", sarif, "-o", txt, NULL });
	assert_int_equal(r.code, 1); /* the scan's https_not_forced is high */
	files[0] = slurp(js);
	files[1] = slurp(sarif);
	files[2] = slurp(txt);
	for (i = 0; i < 3; i++) {
		assert_non_null(files[i]);
		assert_null(strstr(files[i], "CANARY"));
	}
	assert_null(strstr(r.out, "CANARY"));
	assert_null(strstr(r.err, "CANARY"));
	/* no env value of either side, in any output */
	assert_false(leaks((const char *const[]){ r.out, r.err, files[0], files[1], files[2] }, 5, values));
	/* the text report names the drifted variable and its file:line */
	assert_non_null(strstr(files[2], "RELEASE_TRACK"));
	assert_non_null(strstr(files[2], "fly.toml:10"));
	assert_non_null(strstr(files[1], "env_value:RELEASE_TRACK"));
	rep = cJSON_Parse(files[0]);
	assert_non_null(rep);
	cJSON_ArrayForEach(res, cJSON_GetObjectItem(rep, "results"))
	{
		const char *check = cJSON_GetObjectItem(res, "check")->valuestring;
		const char *st = cJSON_GetObjectItem(res, "status")->valuestring;
		const char *id = cJSON_GetObjectItem(cJSON_GetObjectItem(res, "resource"), "id")->valuestring;
		const cJSON *loc = cJSON_GetObjectItem(res, "location");

		if (strcmp(check, "config.repo_drift") != 0)
			continue;
		assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(res, "resource"), "type")->valuestring, "app");
		assert_string_equal(cJSON_GetObjectItem(res, "app")->valuestring, "web-clean");
		assert_non_null(loc);
		assert_string_not_equal(st, "unknown");
		if (strcmp(st, "fail") == 0)
			drift_fails++;
		if (strncmp(id, "web-clean:fly.production.toml#", 30) == 0) {
			assert_string_equal(st, "pass"); /* the twin that matches: no drift */
			drift_prod++;
		}
		/* ASSET_HOST matches, LOG_LEVEL is not live: neither has a value result */
		assert_null(strstr(id, "ASSET_HOST"));
		assert_null(strstr(id, "env_value:LOG_LEVEL"));
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			if (strcmp(id, want[i].id) == 0) {
				assert_string_equal(st, want[i].status);
				assert_int_equal(cJSON_GetObjectItem(loc, "line")->valueint, want[i].line);
				found++;
			}
	}
	assert_int_equal(found, sizeof(want) / sizeof(want[0]));
	assert_int_equal(drift_fails, 4); /* the planted drift and nothing else */
	assert_int_equal(drift_prod, 9);  /* 7 settings, env_values, processes */
	/* the scan's findings are in the same report */
	assert_non_null(json_find(rep, "tls.https_not_forced", "fly.toml", 14, "fail"));
	assert_non_null(strstr(files[0], "LOG_LEVEL"));
	cJSON_Delete(rep);
	for (i = 0; i < 3; i++)
		free(files[i]);
	run_free(&r);

	/* a fly.toml naming an app the run did not audit: unknown, not pass; not a directory: 2 */
	fa_run(&r, m.url, CANARY, ca_path,
	       (const char *const[]){ "--org", "demo", "--app", "api-clean", "audit", "--repo",
				      "tests/fixtures/scan/drift", "--format", "json", NULL });
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	drift_fails = 0;
	cJSON_ArrayForEach(res, cJSON_GetObjectItem(rep, "results"))
	{
		if (strcmp(cJSON_GetObjectItem(res, "check")->valuestring, "config.repo_drift") != 0)
			continue;
		assert_string_equal(cJSON_GetObjectItem(res, "status")->valuestring, "unknown");
		assert_non_null(strstr(cJSON_GetObjectItem(res, "message")->valuestring, "not in the org"));
		drift_fails++;
	}
	assert_int_equal(drift_fails, 2); /* one per fly.toml */
	cJSON_Delete(rep);
	run_free(&r);
	fa_run(&r, m.url, CANARY, ca_path,
	       (const char *const[]){ "--org", "demo", "audit", "--repo", "tests/fixtures/scan/drift/fly.toml", NULL });
	assert_int_equal(r.code, 2);
	run_free(&r);
	mock_stop(&m);
}

/* audit --from SNAPSHOT --repo: the snapshot's env hashes come from another run's key, so
 * values are not compared: one unknown that says so, never a fail or a pass. */
static void test_repo_from_snapshot(void **state)
{
	char root[400];
	run r = { 0 };
	cJSON *rep;
	const cJSON *res;
	bool seen = false;

	(void)state;
	snprintf(root, sizeof(root), "%s/from-snapshot", tmpdir);
	put(root, "fly.toml", "app = \"web\"\n[env]\n  PORT = \"8080\"\n", 34);
	fa_run(&r, NULL, NULL, NULL,
	       (const char *const[]){ "audit", "--from", "tests/fixtures/snapshot/complete.jsonl",
				      "--repo", root, "--format", "json", NULL });
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	cJSON_ArrayForEach(res, cJSON_GetObjectItem(rep, "results"))
	{
		const char *id = cJSON_GetObjectItem(cJSON_GetObjectItem(res, "resource"), "id")->valuestring;
		const char *st = cJSON_GetObjectItem(res, "status")->valuestring;

		assert_null(strstr(id, "env_value:"));
		if (strcmp(id, "web:fly.toml#env_values") == 0) {
			assert_string_equal(st, "unknown");
			assert_non_null(strstr(cJSON_GetObjectItem(res, "message")->valuestring, "never stored"));
			assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(res, "location"), "line")->valueint, 3);
			seen = true;
		}
	}
	assert_true(seen);
	cJSON_Delete(rep);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dockerfile_table),
		cmocka_unit_test(test_dockerfile_hostile),
		cmocka_unit_test(test_yaml_table),
		cmocka_unit_test(test_yaml_hostile),
		cmocka_unit_test(test_dockerignore),
		cmocka_unit_test(test_token_literal),
		cmocka_unit_test(test_workflow_checks),
		cmocka_unit_test(test_report_locations),
		cmocka_unit_test(test_planted),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_hostile_tree),
		cmocka_unit_test(test_git_index),
		cmocka_unit_test(test_suppress_and_ignore),
		cmocka_unit_test(test_repo_drift),
		cmocka_unit_test(test_repo_from_snapshot),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
