/* test_graphql.c: every GraphQL document flyaudit can send, built by the client's own
 * functions (client/fly/), validated against Fly's schema (tests/fixtures/graphql/, a copy
 * of ../shared/fly-api/schema.graphql from fly-go) by tests/gql_validate.py with
 * graphql-core (Debian: python3-graphql-core). Misspelt documents must be refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "flyaudit/api.h"

#define SCHEMA "tests/fixtures/graphql/fly-schema.graphql"

typedef struct doc {
	char name[96];
	char *body;
} doc;

typedef struct docs {
	doc items[64];
	size_t n;
} docs;

static void add(docs *d, const char *name, char *body)
{
	assert_non_null(body);
	assert_true(d->n < sizeof(d->items) / sizeof(d->items[0]));
	snprintf(d->items[d->n].name, sizeof(d->items[d->n].name), "%s", name);
	d->items[d->n].body = body;
	d->n++;
}

static void release(docs *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->items[i].body);
	d->n = 0;
}

/* Every document the client builds: each template, aliased ones with 1 and 10 aliases. */
static void all_documents(docs *d)
{
	static const char *const apps[10] = {"billing-api", "web", "we\"ird\\name", "a-3", "a-4",
					     "a-5", "a-6", "a-7", "a-8", "a-9"};
	char name[96];
	int p;

	add(d, "org tokens, first page", fa_api_gql_org_tokens("acme", NULL));
	add(d, "org tokens, next page", fa_api_gql_org_tokens("acme", "MQ500"));
	add(d, "app tokens, 1 alias", fa_api_gql_app_tokens(apps, 1));
	add(d, "app tokens, 10 aliases", fa_api_gql_app_tokens(apps, 10));
	add(d, "access, every part", fa_api_gql_access("acme", -1, NULL));
	for (p = 0; p < FA_ACCESS_COUNT; p++) {
		snprintf(name, sizeof(name), "access, %s", fa_access_part_name((fa_access_part)p));
		add(d, name, fa_api_gql_access("acme", p, NULL));
		if (p == FA_ACCESS_ROLE)
			continue; /* not a connection: no next page */
		snprintf(name, sizeof(name), "access, %s, next page", fa_access_part_name((fa_access_part)p));
		add(d, name, fa_api_gql_access("acme", p, "MQ500"));
	}
	add(d, "organizations, first page", fa_api_gql_organizations(NULL));
	add(d, "organizations, next page", fa_api_gql_organizations("MQ200"));
}

static const char *python(void)
{
	const char *p = getenv("FLYAUDIT_PYTHON");

	if (p && *p)
		return p;
	/* Debian's interpreter, where python3-graphql-core lives */
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* Writes the documents as JSON Lines and runs the validator; returns its exit code. */
static int validate(const docs *d, int quiet)
{
	char path[] = "/tmp/flyaudit-gql-XXXXXX";
	char cmd[1024];
	int fd = mkstemp(path), status;
	FILE *f = NULL;
	size_t i;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (i = 0; i < d->n; i++) {
		cJSON *line = cJSON_CreateObject();
		cJSON *body = cJSON_Parse(d->items[i].body);
		char *text = NULL;

		assert_non_null(body); /* every body is JSON */
		cJSON_AddStringToObject(line, "name", d->items[i].name);
		cJSON_AddItemToObject(line, "body", body);
		text = cJSON_PrintUnformatted(line);
		assert_non_null(text);
		fprintf(f, "%s\n", text);
		free(text);
		cJSON_Delete(line);
	}
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "%s tests/gql_validate.py " SCHEMA " %s%s", python(), path,
		 quiet ? " >/dev/null 2>&1" : "");
	status = system(cmd);
	unlink(path);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_every_document_is_valid(void **state)
{
	docs d = { .n = 0 };

	(void)state;
	all_documents(&d);
	assert_true(d.n >= 17);
	assert_int_equal(validate(&d, 0), 0);
	release(&d);
}

/* A body with `from` replaced by `to` in its query text. */
static char *misspelt(const char *body, const char *from, const char *to)
{
	const char *at = strstr(body, from);
	size_t n;
	char *out;

	assert_non_null(at);
	n = strlen(body) - strlen(from) + strlen(to);
	out = malloc(n + 1);
	assert_non_null(out);
	snprintf(out, n + 1, "%.*s%s%s", (int)(at - body), body, to, at + strlen(from));
	return out;
}

/* One bad document among good ones fails the run: the validator is not a rubber stamp. */
static void test_misspelt_field_fails(void **state)
{
	static const struct {
		const char *from, *to;
		int part; /* -2: org tokens */
	} cases[] = {
		{"twoFactorProtection", "twoFactorProtecton", -1}, /* a field of User */
		{"revokedBy", "revokdBy", -2},                     /* a field of LimitedAccessToken */
		{"wireGuardPeers", "wireguardPeers", FA_ACCESS_PEERS},
		{"first:500", "frist:500", FA_ACCESS_MEMBERS},      /* an argument */
		{"$after:String", "$after:Strin", FA_ACCESS_INVITATIONS}, /* a type */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		docs d = { .n = 0 };
		char *good = cases[i].part == -2 ? fa_api_gql_org_tokens("acme", NULL)
			     : fa_api_gql_access("acme", cases[i].part, cases[i].part == FA_ACCESS_INVITATIONS ? "MQ1" : NULL);

		assert_non_null(good);
		add(&d, "good", fa_api_gql_org_tokens("acme", NULL));
		add(&d, "misspelt", misspelt(good, cases[i].from, cases[i].to));
		free(good);
		assert_int_equal(validate(&d, 1), 3);
		release(&d);
	}
}

/* A required variable that the body does not give is refused too. */
static void test_missing_variable_fails(void **state)
{
	docs d = { .n = 0 };
	char *good = fa_api_gql_access("acme", FA_ACCESS_MEMBERS, NULL);

	(void)state;
	add(&d, "no slug", misspelt(good, "\"slug\":\"acme\"", "\"other\":\"acme\""));
	free(good);
	assert_int_equal(validate(&d, 1), 3);
	release(&d);
}

/* Arguments the builders refuse rather than send. */
static void test_builders_refuse_bad_input(void **state)
{
	(void)state;
	assert_null(fa_api_gql_access(NULL, -1, NULL));
	assert_null(fa_api_gql_access("acme", FA_ACCESS_COUNT, NULL));
	assert_null(fa_api_gql_access("acme", -1, "MQ1"));            /* after needs one part */
	assert_null(fa_api_gql_access("acme", FA_ACCESS_ROLE, "MQ1")); /* the role does not page */
	assert_null(fa_api_gql_access("ac\xffme", -1, NULL));
	assert_null(fa_api_gql_organizations("\xc3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_document_is_valid),
		cmocka_unit_test(test_misspelt_field_fails),
		cmocka_unit_test(test_missing_variable_fails),
		cmocka_unit_test(test_builders_refuse_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
