/* fly/errors.c: one clean line from an error body (REST or GraphQL) for coverage and
 * diagnostics. */
#include "internal.h"

#define MSG_MAX 240 /* longest message text taken from a body */

#include <stdio.h>
#include <string.h>

/* The GraphQL code of an error object, or NULL. */
static const char *gql_code(const cJSON *e)
{
	return fly_get_s(fly_get(e, "extensions"), "code");
}

static int ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i, j;

	for (i = 0; hay[i]; i++) {
		for (j = 0; j < n && hay[i + j]; j++) {
			char a = hay[i + j], b = needle[j];

			if (a >= 'A' && a <= 'Z')
				a = (char)(a + 32);
			if (a != b)
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

/* True when error e is of kind `code` ("UNAUTHORIZED", "NOT_FOUND"): by extensions.code,
 * or by the message, which is what Fly's own clients match on ("Could not find App",
 * "You must be authenticated to view this."). */
static int gql_is(const cJSON *e, const char *code)
{
	const char *c = gql_code(e), *msg = fly_get_s(e, "message");

	if (c && strcmp(c, code) == 0)
		return 1;
	if (!msg)
		return 0;
	if (strcmp(code, "UNAUTHORIZED") == 0)
		return ci_contains(msg, "unauthorized") || ci_contains(msg, "not authorized") ||
		       ci_contains(msg, "must be authenticated") ||
		       ci_contains(msg, "not authenticated");
	if (strcmp(code, "NOT_FOUND") == 0)
		return ci_contains(msg, "could not find") || ci_contains(msg, "not found");
	return 0;
}

/* Writes "MESSAGE (CODE)" for a GraphQL error into l. */
void fly_gql_error_text(fly_line *l, const cJSON *e)
{
	const char *msg = fly_get_s(e, "message");
	const char *code = gql_code(e);

	l->budget = MSG_MAX;
	if (msg && msg[0])
		fly_line_text(l, msg, strlen(msg));
	else
		fly_line_str(l, "graphql error");
	l->budget = 64;
	if (code && code[0]) {
		fly_line_str(l, " (");
		fly_line_text(l, code, strlen(code));
		fly_line_str(l, ")");
	}
}

/* True when `errors` is present and is anything but null or an empty array. */
int fly_gql_has_errors(const cJSON *root)
{
	cJSON *errs = fly_get(root, "errors");

	if (!errs || cJSON_IsNull(errs))
		return 0;
	if (cJSON_IsArray(errs) && fly_n_children(errs) == 0)
		return 0;
	return 1;
}

int fly_gql_any_code(const cJSON *root, const char *code)
{
	cJSON *errs = fly_get(root, "errors");
	const cJSON *e = NULL;

	if (!cJSON_IsArray(errs))
		return 0;
	EACH(e, errs) {
		if (gql_is(e, code))
			return 1;
	}
	return 0;
}

/* The error code and line for a body that has GraphQL errors (the first one speaks). */
int fly_gql_errors(const cJSON *root, char *err, size_t errlen)
{
	cJSON *errs = fly_get(root, "errors");
	const cJSON *first = NULL;
	fly_line l;
	int rc = FA_API_EGRAPHQL;

	if (fly_gql_any_code(root, "UNAUTHORIZED"))
		rc = FA_API_EUNAUTH;
	else if (fly_gql_any_code(root, "NOT_FOUND"))
		rc = FA_API_ENOTFOUND;
	fly_line_init(&l, err, errlen);
	if (cJSON_IsArray(errs))
		first = errs->child;
	if (rc == FA_API_EUNAUTH || rc == FA_API_ENOTFOUND) {
		const cJSON *e = NULL;
		const char *want = rc == FA_API_EUNAUTH ? "UNAUTHORIZED" : "NOT_FOUND";

		EACH(e, errs) {
			if (gql_is(e, want)) {
				first = e;
				break;
			}
		}
	}
	if (cJSON_IsObject(first))
		fly_gql_error_text(&l, first);
	else
		fly_line_str(&l, "graphql error (malformed errors)");
	return rc;
}

void fa_api_error_message(long status, const char *body, size_t len, char *out, size_t outlen)
{
	char msg[1024];
	cJSON *root = NULL;
	fly_line m, l;

	if (!out || outlen == 0)
		return;
	if (!body)
		len = 0;
	fly_line_init(&m, msg, sizeof(msg));
	m.budget = MSG_MAX;
	if (len > 0 && fly_parse_body(body, len, &root, NULL, 0) == 0 && cJSON_IsObject(root)) {
		const char *text = fly_get_s(root, "message");

		/* fly-go prefers `message` when both are there */
		if (!text || !text[0])
			text = fly_get_s(root, "error");
		if (text && text[0]) {
			fly_line_text(&m, text, strlen(text));
		} else if (fly_gql_has_errors(root)) {
			char tmp[FA_API_ERRLEN];

			fly_gql_errors(root, tmp, sizeof(tmp));
			fly_line_str(&m, "graphql: ");
			fly_line_str(&m, tmp);
		}
	} else if (len > 0) {
		fly_line_text(&m, body, len);
	}
	cJSON_Delete(root);

	fly_line_init(&l, out, outlen);
	if (status > 0 && status != 200) {
		char pre[32];

		snprintf(pre, sizeof(pre), "HTTP %ld", status);
		fly_line_str(&l, pre);
		if (m.pos > 0) {
			fly_line_str(&l, ": ");
			fly_line_str(&l, msg);
		}
	} else if (m.pos > 0) {
		fly_line_str(&l, msg);
	} else {
		fly_line_str(&l, len > 0 ? "unexpected response" : "empty response");
	}
}
