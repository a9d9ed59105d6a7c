/* fly/paths.c: the request paths of the Machines REST API, with names escaped. */
#include "internal.h"

#include <stdlib.h>

#define CERTS_LIMIT_DEFAULT 25
#define CERTS_LIMIT_MAX 500

static int url_escape(fa_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		unsigned char c = *p;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			if (fa_buf_add(b, p, 1) < 0)
				return -1;
		} else {
			char e[3];

			e[0] = '%';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			if (fa_buf_add(b, e, 3) < 0)
				return -1;
		}
	}
	return 0;
}

char *fa_api_path_apps(const char *org_slug)
{
	fa_buf b = FA_BUF_INIT(0);

	if (!org_slug)
		return NULL;
	if (fa_buf_adds(&b, "/v1/apps?org_slug=") < 0 || url_escape(&b, org_slug) < 0)
		return NULL;
	return fly_buf_finish(&b);
}

char *fa_api_path_apps_page(const char *org_slug, const char *cursor)
{
	fa_buf b = FA_BUF_INIT(0);

	if (!org_slug)
		return NULL;
	if (fa_buf_adds(&b, "/v1/apps?org_slug=") < 0 || url_escape(&b, org_slug) < 0 ||
	    (cursor && (fa_buf_adds(&b, "&cursor=") < 0 || url_escape(&b, cursor) < 0)))
		return NULL;
	return fly_buf_finish(&b);
}

char *fa_api_path_app(const char *app, const char *what)
{
	fa_buf b = FA_BUF_INIT(0);

	if (!app)
		return NULL;
	if (fa_buf_adds(&b, "/v1/apps/") < 0 || url_escape(&b, app) < 0)
		return NULL;
	if (what && what[0]) {
		if (fa_buf_adds(&b, "/") < 0 || fa_buf_adds(&b, what) < 0)
			return NULL;
	}
	return fly_buf_finish(&b);
}

char *fa_api_path_page(const char *app, const char *what, const char *cursor)
{
	fa_buf b = FA_BUF_INIT(0);
	char *base = fa_api_path_app(app, what);

	if (!base)
		return NULL;
	if (fa_buf_adds(&b, base) < 0) {
		free(base);
		return NULL;
	}
	free(base);
	if (cursor && cursor[0]) {
		if (fa_buf_adds(&b, "?cursor=") < 0 || url_escape(&b, cursor) < 0)
			return NULL;
	}
	return fly_buf_finish(&b);
}

char *fa_api_path_certs(const char *app, const char *cursor, int limit)
{
	fa_buf b = FA_BUF_INIT(0);

	if (!app)
		return NULL;
	if (limit <= 0)
		limit = CERTS_LIMIT_DEFAULT;
	if (limit > CERTS_LIMIT_MAX)
		limit = CERTS_LIMIT_MAX;
	if (fa_buf_adds(&b, "/v1/apps/") < 0 || url_escape(&b, app) < 0 ||
	    fa_buf_printf(&b, "/certificates?limit=%d", limit) < 0)
		return NULL;
	if (cursor && cursor[0]) {
		if (fa_buf_adds(&b, "&cursor=") < 0 || url_escape(&b, cursor) < 0)
			return NULL;
	}
	return fly_buf_finish(&b);
}
