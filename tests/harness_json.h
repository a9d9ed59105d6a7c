/* harness_json.h: reading flyaudit's JSON output in the end-to-end tests (needs <cmocka.h>
 * and <cjson/cJSON.h> first). Static inline: a test file that uses neither is not warned. */
#ifndef FLYAUDIT_TESTS_HARNESS_JSON_H
#define FLYAUDIT_TESTS_HARNESS_JSON_H

#include <stdbool.h>
#include <string.h>

/* The string member k of o, or NULL when it is missing or not a string. */
static inline const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Whether results holds check on app (NULL: an org-level result) with that status. */
static inline bool has_result(const cJSON *results, const char *check, const char *app,
			      const char *status)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, results) {
		const char *xa = jstr(x, "app");
		const char *xc = jstr(x, "check"), *xs = jstr(x, "status");

		if (xc && xs && strcmp(xc, check) == 0 && strcmp(xs, status) == 0 &&
		    ((!app && !xa) || (app && xa && strcmp(app, xa) == 0)))
			return true;
	}
	return false;
}

#endif
