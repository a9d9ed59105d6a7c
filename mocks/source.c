/* source.c: flymock's data sources: raw demo fixtures read from disk per request, or
 * the synthetic generator (synth.c). */
#include "flymock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define FIXTURE_MAX ((size_t)16 * 1024 * 1024)

static int read_file(const char *path, fa_buf *out, char *err, size_t errlen)
{
	FILE *f = NULL;
	char chunk[8192];
	size_t n;
	int rc = -1;

	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "cannot open fixture %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (fa_buf_add(out, chunk, n) != 0) {
			snprintf(err, errlen, "fixture %s too large", path);
			goto cleanup;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read fixture %s", path);
		goto cleanup;
	}
	if (out->data == NULL && fa_buf_adds(out, "") != 0) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	rc = 0;
cleanup:
	fclose(f);
	return rc;
}

static int valid_app_name(const char *app)
{
	size_t i;

	if (app == NULL || app[0] == '\0')
		return 0;
	for (i = 0; app[i] != '\0'; i++) {
		char c = app[i];
		if (i >= 63)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int fm_demo_open(fm_source *s, const char *dir, char *err, size_t errlen)
{
	char path[4200];
	fa_buf raw = FA_BUF_INIT(FIXTURE_MAX);
	cJSON *root = NULL;
	const cJSON *apps = NULL;
	const cJSON *it = NULL;
	int rc = -1;

	memset(s, 0, sizeof *s);
	snprintf(s->org_slug, sizeof s->org_slug, "%s", "demo");
	if (snprintf(s->dir, sizeof s->dir, "%s", dir) >= (int)sizeof s->dir) {
		snprintf(err, errlen, "fixture path too long");
		return -1;
	}
	snprintf(path, sizeof path, "%s/apps.json", dir);
	if (read_file(path, &raw, err, errlen) != 0)
		goto cleanup;
	root = cJSON_ParseWithLength(raw.data, raw.len);
	apps = cJSON_GetObjectItemCaseSensitive(root, "apps");
	if (!cJSON_IsArray(apps)) {
		snprintf(err, errlen, "%s: no \"apps\" array", path);
		goto cleanup;
	}
	s->apps = calloc((size_t)cJSON_GetArraySize(apps) + 1, sizeof *s->apps);
	if (s->apps == NULL) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	cJSON_ArrayForEach(it, apps) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *org = cJSON_GetObjectItemCaseSensitive(it, "organization");
		const cJSON *slug = cJSON_GetObjectItemCaseSensitive(org, "slug");
		if (!cJSON_IsString(name) || !valid_app_name(name->valuestring)) {
			snprintf(err, errlen, "%s: an app has no valid name", path);
			goto cleanup;
		}
		if (cJSON_IsString(slug))
			snprintf(s->org_slug, sizeof s->org_slug, "%s", slug->valuestring);
		s->apps[s->napps] = strdup(name->valuestring);
		if (s->apps[s->napps] == NULL) {
			snprintf(err, errlen, "out of memory");
			goto cleanup;
		}
		s->napps++;
	}
	rc = 0;
cleanup:
	cJSON_Delete(root);
	fa_buf_release(&raw);
	if (rc != 0)
		fm_source_close(s);
	return rc;
}

void fm_source_close(fm_source *s)
{
	size_t i;

	if (s->apps != NULL) {
		for (i = 0; i < s->napps; i++)
			free(s->apps[i]);
		free(s->apps);
	}
	s->apps = NULL;
	s->napps = 0;
}

int fm_source_has_app(const fm_source *s, const char *app)
{
	size_t i;

	if (!valid_app_name(app))
		return 0;
	if (s->synthetic)
		return fm_synth_has_app(s, app);
	for (i = 0; i < s->napps; i++)
		if (strcmp(s->apps[i], app) == 0)
			return 1;
	return 0;
}

/* GET /v1/apps/{app}: the item of apps.json with that name. */
static int demo_app(const fm_source *s, const char *app, fa_buf *out, char *err, size_t errlen)
{
	char path[4200];
	fa_buf raw = FA_BUF_INIT(FIXTURE_MAX);
	cJSON *root = NULL;
	const cJSON *it = NULL;
	char *txt = NULL;
	int rc = -1;

	snprintf(path, sizeof path, "%s/apps.json", s->dir);
	if (read_file(path, &raw, err, errlen) != 0)
		goto cleanup;
	root = cJSON_ParseWithLength(raw.data, raw.len);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "apps")) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		if (cJSON_IsString(name) && strcmp(name->valuestring, app) == 0) {
			txt = cJSON_PrintUnformatted(it);
			break;
		}
	}
	if (txt == NULL || fa_buf_adds(out, txt) != 0) {
		snprintf(err, errlen, "app %s missing from apps.json", app);
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(txt);
	cJSON_Delete(root);
	fa_buf_release(&raw);
	return rc;
}

int fm_source_body(const fm_source *s, enum fm_kind kind, const char *app, fa_buf *out,
		   char *err, size_t errlen)
{
	char path[4400];
	const char *file = NULL;

	if (s->synthetic)
		return fm_synth_body(s, kind, app, out, err, errlen);
	switch (kind) {
	case FM_APPS:
		snprintf(path, sizeof path, "%s/apps.json", s->dir);
		return read_file(path, out, err, errlen);
	case FM_ORG_TOKENS:
		snprintf(path, sizeof path, "%s/org-tokens.json", s->dir);
		return read_file(path, out, err, errlen);
	case FM_TOKENS_CURRENT:
		snprintf(path, sizeof path, "%s/tokens-current.json", s->dir);
		return read_file(path, out, err, errlen);
	case FM_ORG_ACCESS:
		snprintf(path, sizeof path, "%s/access.json", s->dir);
		return read_file(path, out, err, errlen);
	case FM_APP:
		return demo_app(s, app, out, err, errlen);
	case FM_MACHINES: file = "machines.json"; break;
	case FM_VOLUMES: file = "volumes.json"; break;
	case FM_SECRETS: file = "secrets.json"; break;
	case FM_IPS: file = "ip_assignments.json"; break;
	case FM_CERTS: file = "certificates.json"; break;
	case FM_APP_TOKENS: file = "tokens.json"; break;
	}
	if (file == NULL || !valid_app_name(app)) {
		snprintf(err, errlen, "bad fixture request");
		return -1;
	}
	snprintf(path, sizeof path, "%s/apps/%s/%s", s->dir, app, file);
	return read_file(path, out, err, errlen);
}
