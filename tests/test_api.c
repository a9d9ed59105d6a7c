/* test_api.c: the Fly API bindings (client/fly/): paths, GraphQL bodies, error lines and
 * every decoder, on published Fly examples, REFERENCE.md examples and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flyaudit/api.h"
#include "flyaudit/model.h"
#include "flyaudit/secrets.h"

#define FIX "tests/fixtures/api/"
#define SHARED_EXAMPLES "../shared/fly-api/examples/"

static const unsigned char key1[FA_API_HASH_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const unsigned char key2[FA_API_HASH_KEY_LEN] = { 42 };

/* ---- helpers ------------------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static char *fixture(const char *name, size_t *len)
{
	char path[512];
	char *b = NULL;

	snprintf(path, sizeof(path), FIX "%s", name);
	b = slurp(path, len);
	if (!b)
		fail_msg("cannot read fixture %s (run from the repo root)", path);
	return b;
}

static fa_app new_app(const char *name)
{
	fa_app a;

	fa_app_init(&a);
	a.name = name ? strdup(name) : NULL;
	return a;
}

static int dec_machines_str(const char *s, fa_app *app, char *err)
{
	return fa_api_decode_machines(s, strlen(s), key1, app, err, FA_API_ERRLEN);
}

static int dec_machines_fix(const char *name, fa_app *app, char *err)
{
	size_t len = 0;
	char *b = fixture(name, &len);
	int rc = fa_api_decode_machines(b, len, key1, app, err, FA_API_ERRLEN);

	free(b);
	return rc;
}

/* ---- walking every string of the model --------------------------------------------- */

typedef struct walk {
	const char *needle;
	size_t strings;
	int found;
} walk;

static void w_str(walk *w, const char *s)
{
	if (!s)
		return;
	w->strings++;
	if (strstr(s, w->needle))
		w->found = 1;
}

static void w_env(walk *w, const fa_env *e)
{
	size_t i;

	for (i = 0; i < e->n_vars; i++)
		w_str(w, e->vars[i].name);
}

static void w_check(walk *w, const fa_check_def *c)
{
	w_str(w, c->name);
	w_str(w, c->type);
	w_str(w, c->path);
	w_str(w, c->method);
	w_str(w, c->protocol);
	w_str(w, c->interval);
	w_str(w, c->timeout);
	w_str(w, c->kind);
}

static void w_creds(walk *w, const fa_cred_scan *cs)
{
	size_t i;

	for (i = 0; i < cs->n_hits; i++)
		w_str(w, cs->hits[i].where);
}

static void w_app(walk *w, const fa_app *a)
{
	size_t i, j, k;

	w_str(w, a->id);
	w_str(w, a->name);
	w_str(w, a->status);
	w_str(w, a->network);
	w_str(w, a->org_slug);
	for (i = 0; i < a->n_machines; i++) {
		const fa_machine *m = &a->machines[i];

		w_str(w, m->id);
		w_str(w, m->name);
		w_str(w, m->state);
		w_str(w, m->region);
		w_str(w, m->instance_id);
		w_str(w, m->private_ip);
		w_str(w, m->host_status);
		w_str(w, m->created_at);
		w_str(w, m->updated_at);
		w_str(w, m->image_digest);
		w_str(w, m->image);
		w_str(w, m->process_group);
		w_str(w, m->init_user);
		w_str(w, m->malformed);
		w_env(w, &m->env);
		w_creds(w, &m->creds);
		for (j = 0; j < m->n_containers; j++) {
			w_str(w, m->containers[j].name);
			w_str(w, m->containers[j].image);
			w_str(w, m->containers[j].user);
			w_env(w, &m->containers[j].env);
			w_creds(w, &m->containers[j].creds);
		}
		for (j = 0; j < m->n_services; j++) {
			w_str(w, m->services[j].protocol);
			for (k = 0; k < m->services[j].n_ports; k++) {
				size_t h;

				for (h = 0; h < m->services[j].ports[k].n_resp_headers; h++) {
					w_str(w, m->services[j].ports[k].resp_headers[h].name);
					w_str(w, m->services[j].ports[k].resp_headers[h].value);
				}
			}
			for (k = 0; k < m->services[j].n_checks; k++)
				w_check(w, &m->services[j].checks[k]);
		}
		for (j = 0; j < m->n_checks; j++)
			w_check(w, &m->checks[j]);
		for (j = 0; j < m->n_processes; j++) {
			w_str(w, m->processes[j].user);
			w_env(w, &m->processes[j].env);
		}
		for (j = 0; j < m->n_mounts; j++) {
			w_str(w, m->mounts[j].volume);
			w_str(w, m->mounts[j].path);
			w_str(w, m->mounts[j].name);
		}
		for (j = 0; j < m->n_check_status; j++) {
			w_str(w, m->check_status[j].name);
			w_str(w, m->check_status[j].status);
			w_str(w, m->check_status[j].updated_at);
		}
	}
	for (i = 0; i < a->n_volumes; i++) {
		w_str(w, a->volumes[i].id);
		w_str(w, a->volumes[i].name);
		w_str(w, a->volumes[i].state);
		w_str(w, a->volumes[i].region);
		w_str(w, a->volumes[i].zone);
		w_str(w, a->volumes[i].attached_machine_id);
		w_str(w, a->volumes[i].created_at);
		w_str(w, a->volumes[i].type);
	}
	for (i = 0; i < a->n_ips; i++) {
		w_str(w, a->ips[i].address);
		w_str(w, a->ips[i].region);
		w_str(w, a->ips[i].service_name);
		w_str(w, a->ips[i].network);
		w_str(w, a->ips[i].network_org);
		w_str(w, a->ips[i].created_at);
	}
	for (i = 0; i < a->n_secrets; i++) {
		w_str(w, a->secrets[i].name);
		w_str(w, a->secrets[i].digest);
		w_str(w, a->secrets[i].created_at);
		w_str(w, a->secrets[i].updated_at);
	}
	for (i = 0; i < a->n_certs; i++) {
		w_str(w, a->certs[i].hostname);
		w_str(w, a->certs[i].status);
		w_str(w, a->certs[i].dns_provider);
	}
	for (i = 0; i < a->n_tokens; i++) {
		w_str(w, a->tokens[i].id);
		w_str(w, a->tokens[i].name);
		w_str(w, a->tokens[i].profile);
		w_str(w, a->tokens[i].user_email);
		w_str(w, a->tokens[i].app);
	}
	for (i = 0; i < FA_EP_COUNT; i++)
		w_str(w, a->load[i].message);
}

static void assert_absent(const fa_app *a, const char *needle)
{
	walk w = { needle, 0, 0 };

	w_app(&w, a);
	assert_true(w.strings > 0);
	if (w.found)
		fail_msg("value '%s' leaked into the model", needle);
}

static const fa_env_var *env_find(const fa_env *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_vars; i++)
		if (e->vars[i].name && strcmp(e->vars[i].name, name) == 0)
			return &e->vars[i];
	return NULL;
}

static int hash_is_zero(const unsigned char *h)
{
	size_t i;

	for (i = 0; i < FA_ENV_HASH_LEN; i++)
		if (h[i])
			return 0;
	return 1;
}

/* ---- paths and GraphQL bodies -------------------------------------------------------- */

static void test_paths(void **state)
{
	char *p = NULL;

	(void)state;
	p = fa_api_path_apps("acme");
	assert_string_equal(p, "/v1/apps?org_slug=acme");
	free(p);
	p = fa_api_path_apps("a b&c=d/é");
	assert_string_equal(p, "/v1/apps?org_slug=a%20b%26c%3Dd%2F%C3%A9");
	free(p);
	p = fa_api_path_app("billing-api", "machines");
	assert_string_equal(p, "/v1/apps/billing-api/machines");
	free(p);
	p = fa_api_path_app("../x?y#z", "ip_assignments");
	assert_string_equal(p, "/v1/apps/..%2Fx%3Fy%23z/ip_assignments");
	free(p);
	p = fa_api_path_app("app.name_1~", NULL);
	assert_string_equal(p, "/v1/apps/app.name_1~");
	free(p);
	assert_null(fa_api_path_apps(NULL));
	assert_null(fa_api_path_app(NULL, "machines"));
}

static void test_path_certs(void **state)
{
	char *p = NULL;

	(void)state;
	p = fa_api_path_certs("web", NULL, 100);
	assert_string_equal(p, "/v1/apps/web/certificates?limit=100");
	free(p);
	p = fa_api_path_certs("web", "", 100);
	assert_string_equal(p, "/v1/apps/web/certificates?limit=100");
	free(p);
	p = fa_api_path_page("web", "machines", NULL);
	assert_string_equal(p, "/v1/apps/web/machines");
	free(p);
	p = fa_api_path_page("w b", "volumes", "abc+/=&x");
	assert_string_equal(p, "/v1/apps/w%20b/volumes?cursor=abc%2B%2F%3D%26x");
	free(p);
	assert_null(fa_api_path_page(NULL, "machines", "x"));
	p = fa_api_path_certs("web", "abc+/=&x", 500);
	assert_string_equal(p, "/v1/apps/web/certificates?limit=500&cursor=abc%2B%2F%3D%26x");
	free(p);
	p = fa_api_path_certs("web", NULL, 100000);
	assert_string_equal(p, "/v1/apps/web/certificates?limit=500");
	free(p);
	p = fa_api_path_certs("web", NULL, 0);
	assert_string_equal(p, "/v1/apps/web/certificates?limit=25");
	free(p);
}

static void test_gql_org_tokens(void **state)
{
	char *b = fa_api_gql_org_tokens("ac\"me\n", NULL);
	cJSON *root = NULL;
	const char *q = NULL;

	(void)state;
	assert_non_null(b);
	root = cJSON_Parse(b);
	assert_non_null(root);
	q = cJSON_GetObjectItemCaseSensitive(root, "query")->valuestring;
	assert_string_equal(q, "query($slug:String!){organization(slug:$slug){limitedAccessTokens"
			       "(first:500){nodes{id name createdAt expiresAt revokedAt revokedBy profile user{email}}"
			       "pageInfo{hasNextPage endCursor}}}}");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(
				    cJSON_GetObjectItemCaseSensitive(root, "variables"), "slug")
				    ->valuestring,
			    "ac\"me\n");
	/* never ask for the token itself */
	assert_null(strstr(q, " token"));
	assert_null(strstr(q, "tokenHeader"));
	cJSON_Delete(root);
	free(b);
	assert_null(fa_api_gql_org_tokens(NULL, NULL));
}

static void test_gql_app_tokens(void **state)
{
	const char *apps[] = { "billing-api", "we\"ird\\app", "x\ny" };
	char *b = fa_api_gql_app_tokens(apps, 3);
	cJSON *root = NULL;
	const char *q = NULL;

	(void)state;
	assert_non_null(b);
	root = cJSON_Parse(b);
	assert_non_null(root);
	q = cJSON_GetObjectItemCaseSensitive(root, "query")->valuestring;
	assert_non_null(strstr(q, "query{a0:app(name:\"billing-api\"){limitedAccessTokens(first:500){nodes{"
				  "id name createdAt expiresAt revokedAt revokedBy profile user{email}}"
				  "pageInfo{hasNextPage endCursor}}}"));
	assert_non_null(strstr(q, " a1:app(name:\"we\\\"ird\\\\app\")"));
	assert_non_null(strstr(q, " a2:app(name:\"x\\u000ay\")"));
	assert_null(strstr(q, "\n"));
	assert_null(strstr(q, " token "));
	assert_null(strstr(q, "tokenHeader"));
	assert_int_equal(q[strlen(q) - 1], '}');
	cJSON_Delete(root);
	free(b);
	assert_null(fa_api_gql_app_tokens(apps, 0));
}

/* ---- error lines ---------------------------------------------------------------------- */

static void test_error_message_examples(void **state)
{
	static const struct {
		const char *file;
		long status;
		const char *want;
	} tab[] = {
		{ "flaps-error--fly-go-1.json", 422,
		  "HTTP 422: Validation failed: Name has already been taken" },
		{ "flaps-error--fly-go-6.json", 503, "HTTP 503: out of capacity" },
		{ "apps-get-error--fly-go-3.json", 404, "HTTP 404: app not found" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		char out[FA_API_ERRLEN];
		size_t len = 0;
		char *b = fixture(tab[i].file, &len);

		fa_api_error_message(tab[i].status, b, len, out, sizeof(out));
		assert_string_equal(out, tab[i].want);
		free(b);
	}
}

static void test_error_message_shapes(void **state)
{
	static const struct {
		long status;
		const char *body;
		const char *want;
	} tab[] = {
		{ 404, "404 page not found\n", "HTTP 404: 404 page not found" },
		{ 401, "{\"message\":\"Unauthorized\"}", "HTTP 401: Unauthorized" },
		{ 401, "{\"error\":\"Authenticate: token validation error\"}",
		  "HTTP 401: Authenticate: token validation error" },
		{ 400, "{\"error\":\"from error\",\"message\":\"from message\"}", "HTTP 400: from message" },
		{ 400, "{\"error\":\"from error\",\"message\":null}", "HTTP 400: from error" },
		{ 500, "", "HTTP 500" },
		{ 500, "{}", "HTTP 500" },
		{ 502, "<html>\r\n<b>Bad\tGateway</b>\n\n</html>", "HTTP 502: <html> <b>Bad Gateway</b> </html>" },
		{ 403, "line1\nline2\x1b[31mred\x7f", "HTTP 403: line1 line2 [31mred" },
		{ 400, "bad \xff\xfe bytes", "HTTP 400: bad ?? bytes" },
		{ 200, "{\"data\":null,\"errors\":[{\"message\":\"You must be authenticated to view this.\","
		       "\"extensions\":{\"code\":\"UNAUTHORIZED\"}}]}",
		  "graphql: You must be authenticated to view this. (UNAUTHORIZED)" },
		{ 0, NULL, "empty response" },
		{ 429, "{\"status\":\"error\",\"message\":\"rate\\nlimited\\u2028now\"}", "HTTP 429: rate limited now" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		char out[FA_API_ERRLEN];

		fa_api_error_message(tab[i].status, tab[i].body, tab[i].body ? strlen(tab[i].body) : 0,
				     out, sizeof(out));
		assert_string_equal(out, tab[i].want);
	}
}

static void test_error_message_cut(void **state)
{
	char body[4000];
	char out[32];
	char big[FA_API_ERRLEN];
	size_t i;

	(void)state;
	/* multi-byte characters never split at the cut */
	for (i = 0; i + 2 < sizeof(body); i += 2) {
		body[i] = (char)0xc3;
		body[i + 1] = (char)0xa9;
	}
	body[i] = '\0';
	fa_api_error_message(404, body, strlen(body), out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	assert_memory_equal(out, "HTTP 404: ", 10);
	assert_int_equal((strlen(out) - 10) % 2, 0);
	for (i = 10; out[i]; i += 2)
		assert_memory_equal(out + i, "\xc3\xa9", 2);
	/* a long message is bounded even in a large buffer, and stays one line */
	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	body[100] = '\n';
	fa_api_error_message(500, body, strlen(body), big, sizeof(big));
	assert_true(strlen(big) < sizeof(big));
	assert_null(strchr(big, '\n'));
	/* outlen 1: just the terminator */
	fa_api_error_message(500, "x", 1, out, 1);
	assert_int_equal(out[0], '\0');
}

/* ---- apps ----------------------------------------------------------------------------- */

static void free_apps(fa_app *as, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fa_app_release(&as[i]);
	free(as);
}

static void test_apps_docs(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app *as = NULL;
	size_t n = 0, len = 0;
	char *b = fixture("apps-list--docs-1.json", &len);

	(void)state;
	assert_int_equal(fa_api_decode_apps(b, len, &as, &n, err, sizeof(err)), 0);
	free(b);
	assert_int_equal(n, 1);
	assert_string_equal(as[0].id, "682kqp6pdno9d543");
	assert_string_equal(as[0].name, "my-app-1");
	assert_int_equal(as[0].machine_count, 3);
	assert_int_equal(as[0].volume_count, 2);
	assert_string_equal(as[0].network, "default");
	assert_null(as[0].status);
	assert_null(as[0].org_slug);
	assert_int_equal(as[0].internal_numeric_id, -1);
	free_apps(as, n);

	b = fixture("apps-list--docs-2.json", &len);
	assert_int_equal(fa_api_decode_apps(b, len, &as, &n, err, sizeof(err)), 0);
	free(b);
	assert_int_equal(n, 2);
	assert_string_equal(as[1].name, "muddy-violet-667");
	assert_string_equal(as[1].network, "test-network");
	free_apps(as, n);
}

static void test_apps_reference(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app *as = NULL;
	size_t n = 0, len = 0;
	char *b = fixture("ref-apps-list.json", &len);

	(void)state;
	assert_int_equal(fa_api_decode_apps(b, len, &as, &n, err, sizeof(err)), 0);
	free(b);
	assert_int_equal(n, 2);
	assert_string_equal(as[0].name, "billing-api");
	assert_string_equal(as[0].status, "deployed");
	assert_string_equal(as[0].org_slug, "acme");
	assert_int_equal(as[0].internal_numeric_id, 5123456);
	assert_string_equal(as[1].status, "pending");
	assert_int_equal(as[1].machine_count, 0);
	assert_int_equal(as[1].internal_numeric_id, -1);
	assert_false(as[0].load[FA_EP_MACHINES].tried);
	free_apps(as, n);

	/* shape errors */
	as = NULL;
	n = 7;
	assert_int_equal(fa_api_decode_apps("[]", 2, &as, &n, err, sizeof(err)), FA_API_EJSON);
	assert_null(as);
	assert_int_equal(n, 7);
	assert_int_equal(fa_api_decode_apps("{\"apps\":{}}", 11, &as, &n, err, sizeof(err)),
			 FA_API_EJSON);
	assert_int_equal(fa_api_decode_apps("{\"total_apps\":0,\"apps\":[]}", 26, &as, &n, err,
					    sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_null(as);
}

/* ---- machines ------------------------------------------------------------------------- */

static const fa_cred_hit *hit(const fa_cred_scan *cs, const char *where)
{
	size_t i;

	for (i = 0; i < cs->n_hits; i++)
		if (strcmp(cs->hits[i].where, where) == 0)
			return &cs->hits[i];
	return NULL;
}

/* fly-go's shapes: containers, check headers, inline files, command lines, legacy group
 * metadata, response headers; values classified and dropped. */
static void test_machines_containers(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("billing-api");
	const fa_machine *m;
	const fa_container *c;
	const fa_port *p;
	const fa_cred_hit *h;

	(void)state;
	assert_int_equal(dec_machines_fix("machines-containers.json", &app, err), 0);
	assert_int_equal(app.n_machines, 1);
	m = &app.machines[0];
	assert_null(m->malformed);
	assert_string_equal(m->state, "starting");
	assert_string_equal(m->process_group, "web"); /* the legacy key */
	assert_true(m->release_command);               /* metadata.fly_release_command */
	/* credentials outside env: where, and which detectors; never the value */
	assert_non_null(h = hit(&m->creds, "init.cmd argument 4"));
	assert_true(h->detectors & FA_DET_GITHUB_TOKEN);
	assert_non_null(h = hit(&m->creds, "init.cmd argument 6")); /* after --password */
	assert_true(h->detectors & FA_DET_SECRET_NAME);
	assert_non_null(h = hit(&m->creds, "check \"http\" header Authorization"));
	assert_non_null(h = hit(&m->creds, "services[0].checks[0] header X-Api-Key"));
	assert_true(h->detectors & FA_DET_GOOGLE_KEY);
	assert_non_null(h = hit(&m->creds, "file /app/.env"));
	assert_true(h->detectors & FA_DET_URL_PASSWORD);
	assert_null(hit(&m->creds, "check \"http\" header Accept"));
	assert_null(hit(&m->creds, "file /app/key.pem"));    /* secret_name: the safe form */
	assert_null(hit(&m->creds, "file /app/readme.txt")); /* nothing in it */
	assert_int_equal(m->creds.n_hits, 5);
	assert_int_equal(m->creds.n_places, 16);
	/* containers */
	assert_int_equal(m->n_containers, 3);
	c = &m->containers[0];
	assert_string_equal(c->name, "app");
	assert_string_equal(c->user, "app");
	assert_int_equal(c->env.n_vars, 1);
	assert_int_equal(c->n_secrets, 1);
	assert_int_equal(c->n_healthchecks, 1);
	assert_non_null(hit(&c->creds, "healthcheck \"alive\" header Cookie"));
	c = &m->containers[1];
	assert_string_equal(c->name, "nginx");
	assert_string_equal(c->user, "root");
	assert_string_equal(c->image, "nginx:latest");
	assert_true(c->env.vars[0].detectors & FA_DET_STRIPE_KEY);
	assert_non_null(h = hit(&c->creds, "file /etc/nginx/htpasswd"));
	assert_true(h->detectors & FA_DET_PEM_PRIVATE);
	assert_null(m->containers[2].user); /* the image decides: never guessed */
	/* what else the config shows */
	p = &m->services[0].ports[0];
	assert_int_equal(p->default_self_signed, FA_TRI_TRUE);
	assert_int_equal(p->n_resp_headers, 2);
	assert_string_equal(p->resp_headers[0].name, "Strict-Transport-Security");
	assert_string_equal(p->resp_headers[0].value, "max-age=63072000");
	assert_string_equal(p->resp_headers[1].value, "a, b");
	assert_int_equal(m->services[0].checks[0].tls_skip_verify, FA_TRI_TRUE);
	/* no value anywhere in the model */
	assert_absent(&app, "ghp_A1b2");
	assert_absent(&app, "Tr0ub4dor");
	assert_absent(&app, "dXNlcjpw");
	assert_absent(&app, "AIzaSy");
	assert_absent(&app, "s3cr3t");
	assert_absent(&app, "sk_live");
	assert_absent(&app, "session=");
	assert_absent(&app, "BEGIN RSA");
	fa_app_release(&app);
}

/* Hostile shapes: wrong types are malformed (named), never "absent"; nothing crashes. */
static void test_machines_malformed(void **state)
{
	static const struct {
		const char *cfg;
		const char *field; /* NULL: not malformed */
	} cases[] = {
		{ "\"env\":[]", "config.env" },
		{ "\"env\":null", NULL },
		{ "\"env\":{\"A\":true}", "config.env.A" },
		{ "\"services\":{}", "config.services" },
		{ "\"services\":[1]", "config.services[0]" },
		{ "\"services\":[{\"ports\":{}}]", "config.services[0].ports" },
		{ "\"services\":[{\"ports\":[{\"handlers\":\"http\"}]}]",
		  "config.services[0].ports[0].handlers" },
		{ "\"services\":[{\"ports\":[{\"handlers\":[7]}]}]",
		  "config.services[0].ports[0].handlers[0]" },
		{ "\"services\":[{\"ports\":[{\"tls_options\":[]}]}]",
		  "config.services[0].ports[0].tls_options" },
		{ "\"services\":[{\"ports\":[{\"tls_options\":{\"versions\":{}}}]}]",
		  "config.services[0].ports[0].tls_options.versions" },
		{ "\"services\":[{\"ports\":[{\"port\":0}]}]", "config.services[0].ports[0].port" },
		{ "\"services\":[{\"ports\":[{\"port\":65536}]}]",
		  "config.services[0].ports[0].port" },
		{ "\"services\":[{\"ports\":[{\"port\":65535}]}]", NULL },
		{ "\"services\":[{\"internal_port\":true}]", "config.services[0].internal_port" },
		{ "\"services\":[{\"checks\":{}}]", "config.services[0].checks" },
		{ "\"checks\":[]", "config.checks" },
		{ "\"checks\":{\"a\":{\"headers\":{}}}", "config.checks.a.headers" },
		{ "\"checks\":{\"a\":{\"headers\":[{\"name\":\"X\",\"values\":[1]}]}}",
		  "config.checks.a.headers[0].values" },
		{ "\"processes\":{}", "config.processes" },
		{ "\"containers\":{}", "config.containers" },
		{ "\"containers\":[{\"env\":[]}]", "config.containers[0].env" },
		{ "\"containers\":[{\"user\":0}]", "config.containers[0].user" },
		{ "\"files\":[{\"raw_value\":\"not base64!\"}]", "config.files[0].raw_value" },
		{ "\"files\":[{\"raw_value\":7}]", "config.files[0].raw_value" },
		{ "\"init\":{\"cmd\":\"run --password=x\"}", "config.init.cmd" },
		{ "\"init\":[]", "config.init" },
		{ "\"metadata\":[]", "config.metadata" },
		{ "\"services\":[{\"ports\":[{\"http_options\":{\"response\":{\"headers\":[]}}}]}]",
		  "config.services[0].ports[0].http_options.response.headers" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[1024], err[FA_API_ERRLEN] = "";
		fa_app app = new_app("a");

		snprintf(body, sizeof(body), "[{\"id\":\"m1\",\"config\":{%s}}]", cases[i].cfg);
		assert_int_equal(dec_machines_str(body, &app, err), 0);
		if (!cases[i].field && app.machines[0].malformed)
			fail_msg("case %zu: malformed %s", i, app.machines[0].malformed);
		if (cases[i].field && (!app.machines[0].malformed ||
				       strcmp(app.machines[0].malformed, cases[i].field) != 0))
			fail_msg("case %zu: want %s, got %s", i, cases[i].field,
				 app.machines[0].malformed ? app.machines[0].malformed : "(none)");
		fa_app_release(&app);
	}
}

static void test_machines_docs_1(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("sleep");

	(void)state;
	assert_int_equal(dec_machines_fix("machines-list--docs-1.json", &app, err), 0);
	assert_int_equal(app.n_machines, 2);
	assert_string_equal(app.machines[0].id, "a5c5de9ce64ca12");
	assert_string_equal(app.machines[0].name, "aged-wind-2649");
	assert_string_equal(app.machines[0].state, "started");
	assert_string_equal(app.machines[0].region, "ord");
	assert_string_equal(app.machines[0].instance_id, "1RREBN3T5K95DK9IVP4XHTTPEY2");
	assert_string_equal(app.machines[0].private_ip, "fdaa:0:18:a7b:196:e274:9ce1:2");
	assert_string_equal(app.machines[0].created_at, "2023-10-31T02:30:10Z");
	assert_string_equal(app.machines[0].image_digest,
			    "sha256:597c3e12f830132be2aa69b4c0deccb0657ea4253e6d59c6f38e41e9f69a0add");
	assert_true(app.machines[0].has_config); /* "config": {} is a config */
	assert_null(app.machines[0].image);
	assert_int_equal(app.machines[0].n_services, 0);
	assert_null(app.machines[0].host_status);
	/* the second one has no config at all */
	assert_false(app.machines[1].has_config);
	assert_null(app.machines[1].instance_id);
	assert_string_equal(app.machines[1].image_digest,
			    "sha256:5615ef423504d56ae345ccff9db54796d589965da953297f5785042df0628452");
	fa_app_release(&app);
}

static void test_machines_docs_2_3(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("x");
	size_t len = 0;
	char *one = NULL, *wrapped = NULL;

	(void)state;
	assert_int_equal(dec_machines_fix("machines-list--docs-2.json", &app, err), 0);
	assert_int_equal(app.n_machines, 1);
	assert_true(app.machines[0].has_config);
	assert_string_equal(app.machines[0].image, "flyio/fastify-functions:latest");
	assert_int_equal(app.machines[0].env.n_vars, 0); /* "env": null */
	assert_null(app.machines[0].process_group);      /* "metadata": {} */
	assert_string_equal(fa_machine_group(&app.machines[0]), "(none)"); /* never "app" */

	assert_int_equal(dec_machines_fix("machines-list--docs-3.json", &app, err), 0);
	assert_int_equal(app.n_machines, 2);
	assert_string_equal(app.machines[1].private_ip, "fdaa:0:18:a7b:8ba9:8eb:6d2c:2");

	/* machines-get--docs-2 is one machine: wrapped into a list it decodes the same way */
	one = fixture("machines-get--docs-2.json", &len);
	wrapped = malloc(len + 3);
	assert_non_null(wrapped);
	wrapped[0] = '[';
	memcpy(wrapped + 1, one, len);
	wrapped[len + 1] = ']';
	wrapped[len + 2] = '\0';
	assert_int_equal(dec_machines_str(wrapped, &app, err), 0);
	assert_int_equal(app.n_machines, 1);
	assert_string_equal(app.machines[0].state, "stopped");
	assert_int_equal(app.machines[0].n_services, 1);
	assert_int_equal(app.machines[0].services[0].internal_port, 8080);
	assert_int_equal(app.machines[0].services[0].n_ports, 2);
	assert_int_equal(app.machines[0].services[0].ports[0].port, 443);
	assert_int_equal(app.machines[0].services[0].ports[0].handlers,
			 FA_HANDLER_TLS | FA_HANDLER_HTTP);
	assert_int_equal(app.machines[0].services[0].ports[1].handlers, FA_HANDLER_HTTP);
	assert_int_equal(app.machines[0].services[0].ports[1].force_https, FA_TRI_UNKNOWN);
	assert_int_equal(app.machines[0].services[0].autostop, FA_AUTOSTOP_UNSET);
	assert_int_equal(app.machines[0].services[0].min_machines_running, -1);
	free(one);
	free(wrapped);
	fa_app_release(&app);
}

static void test_machines_reference(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("billing-api");
	const fa_machine *m = NULL;
	const fa_service *s = NULL;

	(void)state;
	assert_int_equal(dec_machines_fix("ref-machines-list.json", &app, err), 0);
	assert_int_equal(app.n_machines, 1);
	m = &app.machines[0];
	assert_string_equal(m->host_status, "ok");
	assert_true(m->has_config);
	assert_string_equal(m->image, "registry.fly.io/billing-api:deployment-01J5Z6X0ABCDEF");
	assert_string_equal(m->process_group, "app");
	assert_null(m->init_user);
	assert_int_equal(m->env.n_vars, 3);
	assert_non_null(env_find(&m->env, "LOG_LEVEL"));
	assert_int_equal(env_find(&m->env, "LOG_LEVEL")->value_len, 4);
	assert_int_equal(env_find(&m->env, "PRIMARY_REGION")->detectors, 0);
	assert_int_equal(m->n_services, 1);
	s = &m->services[0];
	assert_string_equal(s->protocol, "tcp");
	assert_int_equal(s->internal_port, 8080);
	assert_int_equal(s->autostop, FA_AUTOSTOP_STOP);
	assert_int_equal(s->autostart, FA_TRI_TRUE);
	assert_int_equal(s->min_machines_running, 1);
	assert_int_equal(s->n_ports, 2);
	assert_int_equal(s->ports[0].port, 80);
	assert_int_equal(s->ports[0].handlers, FA_HANDLER_HTTP);
	assert_int_equal(s->ports[0].force_https, FA_TRI_TRUE);
	assert_int_equal(s->ports[0].tls_versions, 0);
	assert_int_equal(s->ports[1].port, 443);
	assert_int_equal(s->ports[1].handlers, FA_HANDLER_TLS | FA_HANDLER_HTTP);
	assert_int_equal(s->ports[1].tls_versions, FA_TLSV_1_2 | FA_TLSV_1_3);
	assert_int_equal(s->ports[1].force_https, FA_TRI_UNKNOWN);
	assert_int_equal(s->n_checks, 1);
	assert_null(s->checks[0].name);
	assert_string_equal(s->checks[0].type, "http");
	assert_int_equal(s->checks[0].port, 8080);
	assert_string_equal(s->checks[0].path, "/healthz");
	assert_string_equal(s->checks[0].method, "GET");
	assert_string_equal(s->checks[0].protocol, "http");
	assert_string_equal(s->checks[0].interval, "15s");
	assert_string_equal(s->checks[0].timeout, "2s");
	assert_int_equal(m->n_checks, 1);
	assert_string_equal(m->checks[0].name, "db");
	assert_string_equal(m->checks[0].type, "tcp");
	assert_int_equal(m->checks[0].port, 5432);
	assert_string_equal(m->checks[0].kind, "informational");
	assert_int_equal(m->n_mounts, 1);
	assert_string_equal(m->mounts[0].volume, "vol_9vw681egy1jj5xm4");
	assert_string_equal(m->mounts[0].path, "/data");
	assert_string_equal(m->mounts[0].name, "data");
	assert_int_equal(m->mounts[0].encrypted, FA_TRI_UNKNOWN);
	assert_int_equal(m->n_processes, 1);
	assert_string_equal(m->processes[0].user, "app");
	assert_int_equal(m->processes[0].env.n_vars, 0);
	assert_int_equal(m->n_check_status, 2);
	assert_string_equal(m->check_status[0].name, "servicecheck-00-http-8080");
	assert_string_equal(m->check_status[0].status, "passing");
	assert_string_equal(m->check_status[1].name, "db");
	assert_string_equal(m->check_status[1].status, "critical");
	assert_string_equal(m->check_status[1].updated_at, "2024-08-21T09:16:05.001Z");
	/* check output is never kept */
	assert_absent(&app, "connection refused");
	fa_app_release(&app);
}

static void test_machines_env_secrets(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("leaky");
	const fa_machine *m = NULL;
	const fa_env_var *v = NULL;
	static const char *const values[] = {
		"AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE", "hunter2hunter2",
		"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "ghp_1234567890abcdefghijklmnopqrstuvwxyzAB",
		"same-value-everywhere",
	};
	size_t i;

	(void)state;
	assert_int_equal(dec_machines_fix("machines-env-secrets.json", &app, err), 0);
	assert_int_equal(app.n_machines, 3);
	m = &app.machines[0];
	assert_string_equal(m->process_group, "worker");
	assert_int_equal(m->env.n_vars, 4); /* NUMERIC (not a string) is skipped */
	assert_null(env_find(&m->env, "NUMERIC"));
	v = env_find(&m->env, "AWS_ACCESS_KEY_ID");
	assert_non_null(v);
	assert_int_equal(v->value_len, strlen("AKIAIOSFODNN7EXAMPLE"));
	assert_true(v->detectors & FA_DET_AWS_KEY);
	assert_false(hash_is_zero(v->hash));
	v = env_find(&m->env, "DATABASE_URL");
	assert_non_null(v);
	assert_true(v->detectors & FA_DET_URL_PASSWORD);
	assert_int_equal(v->value_len, strlen("postgres://app:hunter2hunter2@db.internal:5432/app"));
	v = env_find(&m->env, "PRIMARY_REGION");
	assert_int_equal(v->detectors, 0);
	assert_int_equal(v->value_len, 3);
	/* processes[].env is classified the same way */
	assert_int_equal(m->n_processes, 2);
	assert_string_equal(m->processes[0].user, "root");
	assert_null(m->processes[1].user);
	v = env_find(&m->processes[0].env, "STRIPE_SECRET");
	assert_non_null(v);
	assert_true(v->detectors & FA_DET_STRIPE_KEY);
	assert_int_equal(v->value_len, strlen("sk_live_4eC39HqLyjWDarjtT1zdp7dc"));
	assert_int_equal(env_find(&m->processes[0].env, "MODE")->detectors, 0);
	/* equal values hash equal across machines, different values differ */
	assert_memory_equal(env_find(&m->env, "SHARED")->hash,
			    env_find(&app.machines[1].env, "SHARED")->hash, FA_ENV_HASH_LEN);
	assert_memory_not_equal(env_find(&m->env, "AWS_ACCESS_KEY_ID")->hash,
				env_find(&app.machines[1].env, "AWS_ACCESS_KEY_ID")->hash,
				FA_ENV_HASH_LEN);
	/* bg_deployments_compat* is dropped; check output never kept */
	assert_int_equal(m->n_check_status, 1);
	assert_string_equal(m->check_status[0].name, "alive");
	/* mounts */
	assert_int_equal(m->mounts[0].encrypted, FA_TRI_FALSE);
	/* no config: only the image of incomplete_config */
	assert_false(app.machines[2].has_config);
	assert_string_equal(app.machines[2].image, "registry.fly.io/leaky:v2");
	assert_int_equal(app.machines[2].env.n_vars, 0);
	assert_int_equal(app.machines[2].n_services, 0);
	assert_string_equal(app.machines[2].host_status, "unreachable");
	/* no value anywhere in the model */
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		assert_absent(&app, values[i]);
	fa_app_release(&app);
}

static void test_machines_hash_key(void **state)
{
	const char *body = "[{\"id\":\"m\",\"config\":{\"env\":{\"A\":\"v\",\"B\":\"v\",\"C\":\"w\",\"E\":\"\"}}}]";
	char err[FA_API_ERRLEN] = "";
	fa_app a1 = new_app("a"), a2 = new_app("a"), a3 = new_app("a");
	const fa_env *e1 = NULL;

	(void)state;
	assert_int_equal(fa_api_decode_machines(body, strlen(body), key1, &a1, err, sizeof(err)), 0);
	assert_int_equal(fa_api_decode_machines(body, strlen(body), key2, &a2, err, sizeof(err)), 0);
	assert_int_equal(fa_api_decode_machines(body, strlen(body), NULL, &a3, err, sizeof(err)), 0);
	e1 = &a1.machines[0].env;
	assert_int_equal(e1->n_vars, 4);
	assert_memory_equal(e1->vars[0].hash, e1->vars[1].hash, FA_ENV_HASH_LEN);
	assert_memory_not_equal(e1->vars[0].hash, e1->vars[2].hash, FA_ENV_HASH_LEN);
	/* keyed: another key gives another hash for the same value */
	assert_memory_not_equal(e1->vars[0].hash, a2.machines[0].env.vars[0].hash, FA_ENV_HASH_LEN);
	assert_false(hash_is_zero(a3.machines[0].env.vars[0].hash));
	assert_int_equal(e1->vars[3].value_len, 0);
	/* audit --repo hashes a fly.toml value with the same function: equal values, equal
	 * hashes under one key (secrets.h) */
	{
		unsigned char h[FA_ENV_HASH_LEN];

		assert_int_equal(fa_env_hash(key1, "v", 1, h), 0);
		assert_memory_equal(h, e1->vars[0].hash, FA_ENV_HASH_LEN);
		assert_int_equal(fa_env_hash(key1, "", 0, h), 0);
		assert_memory_equal(h, e1->vars[3].hash, FA_ENV_HASH_LEN);
	}
	fa_app_release(&a1);
	fa_app_release(&a2);
	fa_app_release(&a3);
}

static void test_autostop_forms(void **state)
{
	static const struct {
		const char *json;
		fa_autostop want;
	} tab[] = {
		{ "true", FA_AUTOSTOP_STOP },     { "false", FA_AUTOSTOP_OFF },
		{ "\"off\"", FA_AUTOSTOP_OFF },   { "\"stop\"", FA_AUTOSTOP_STOP },
		{ "\"suspend\"", FA_AUTOSTOP_SUSPEND }, { "null", FA_AUTOSTOP_UNSET },
		{ "\"bogus\"", FA_AUTOSTOP_UNSET }, { "1", FA_AUTOSTOP_UNSET },
		{ "{}", FA_AUTOSTOP_UNSET },      { NULL, FA_AUTOSTOP_UNSET },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		char body[256];
		char err[FA_API_ERRLEN] = "";
		fa_app app = new_app("a");

		if (tab[i].json)
			snprintf(body, sizeof(body),
				 "[{\"id\":\"m1\",\"config\":{\"services\":[{\"autostop\":%s}]}}]", tab[i].json);
		else
			snprintf(body, sizeof(body), "[{\"id\":\"m1\",\"config\":{\"services\":[{}]}}]");
		assert_int_equal(dec_machines_str(body, &app, err), 0);
		assert_int_equal(app.machines[0].n_services, 1);
		if (app.machines[0].services[0].autostop != tab[i].want)
			fail_msg("autostop %s: got %d", tab[i].json ? tab[i].json : "(absent)",
				 app.machines[0].services[0].autostop);
		fa_app_release(&app);
	}
}

static void test_machines_handlers_tls(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("leaky");
	const fa_service *s = NULL;

	(void)state;
	assert_int_equal(dec_machines_fix("machines-env-secrets.json", &app, err), 0);
	assert_int_equal(app.machines[0].n_services, 5);
	s = &app.machines[0].services[0];
	assert_int_equal(s->autostop, FA_AUTOSTOP_SUSPEND);
	assert_int_equal(s->autostart, FA_TRI_FALSE);
	assert_int_equal(s->ports[0].port, 0);
	assert_int_equal(s->ports[0].start_port, 10000);
	assert_int_equal(s->ports[0].end_port, 10010);
	assert_int_equal(s->ports[0].handlers, FA_HANDLER_PG_TLS | FA_HANDLER_PROXY_PROTO |
						       FA_HANDLER_EDGE_HTTP | FA_HANDLER_OTHER);
	assert_int_equal(s->ports[1].handlers, FA_HANDLER_TLS | FA_HANDLER_HTTP);
	assert_int_equal(s->ports[1].force_https, FA_TRI_FALSE);
	assert_int_equal(s->ports[1].tls_versions,
			 FA_TLSV_1_0 | FA_TLSV_1_1 | FA_TLSV_1_2 | FA_TLSV_OTHER);
	assert_string_equal(app.machines[0].services[1].protocol, "udp");
	assert_int_equal(app.machines[0].services[1].autostop, FA_AUTOSTOP_OFF);
	assert_int_equal(app.machines[0].services[2].autostop, FA_AUTOSTOP_STOP);
	assert_int_equal(app.machines[0].services[3].autostop, FA_AUTOSTOP_OFF);
	assert_int_equal(app.machines[0].services[4].autostop, FA_AUTOSTOP_UNSET);
	assert_int_equal(app.machines[0].services[4].autostart, FA_TRI_UNKNOWN);
	fa_app_release(&app);
}

static void test_machines_wrong_types(void **state)
{
	const char *body =
		"[{\"id\":\"m1\",\"name\":null,\"state\":[],\"region\":{},\"image_ref\":\"x\","
		"\"checks\":{\"a\":1},"
		"\"config\":{\"image\":7,\"env\":[\"A\",\"B\"],\"metadata\":\"m\","
		"\"services\":[7,null,{\"protocol\":1,\"internal_port\":\"80\",\"ports\":{},"
		"\"autostart\":\"yes\",\"min_machines_running\":\"2\",\"checks\":{}},"
		"{\"ports\":[1,{\"port\":\"80\",\"handlers\":\"http\",\"force_https\":\"true\","
		"\"tls_options\":{\"versions\":\"TLSv1.0\"}},{\"handlers\":[1,null,\"tls\"],"
		"\"tls_options\":[]}]}],"
		"\"checks\":[{\"type\":\"tcp\"}],\"processes\":{\"user\":\"root\"},"
		"\"mounts\":[{\"encrypted\":\"no\",\"volume\":3}]}},"
		"{\"id\":\"m2\",\"config\":null,\"incomplete_config\":{\"image\":5}}]";
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("a");
	const fa_machine *m = NULL;

	(void)state;
	assert_int_equal(dec_machines_str(body, &app, err), 0);
	assert_int_equal(app.n_machines, 2);
	m = &app.machines[0];
	assert_string_equal(m->id, "m1");
	assert_null(m->name);
	assert_null(m->state);
	assert_null(m->region);
	assert_null(m->image_digest);
	assert_int_equal(m->n_check_status, 0);
	assert_true(m->has_config);
	assert_null(m->image);
	assert_null(m->process_group);
	assert_int_equal(m->env.n_vars, 0);
	assert_int_equal(m->n_services, 2);
	assert_null(m->services[0].protocol);
	assert_int_equal(m->services[0].internal_port, 0);
	assert_int_equal(m->services[0].n_ports, 0);
	assert_int_equal(m->services[0].autostart, FA_TRI_UNKNOWN);
	assert_int_equal(m->services[0].min_machines_running, -1);
	assert_int_equal(m->services[0].n_checks, 0);
	assert_int_equal(m->services[1].n_ports, 2);
	assert_int_equal(m->services[1].ports[0].port, 0);
	assert_int_equal(m->services[1].ports[0].handlers, 0);
	assert_int_equal(m->services[1].ports[0].force_https, FA_TRI_UNKNOWN);
	assert_int_equal(m->services[1].ports[0].tls_versions, 0);
	assert_int_equal(m->services[1].ports[1].handlers, FA_HANDLER_TLS);
	assert_int_equal(m->n_checks, 0); /* config.checks must be an object */
	assert_int_equal(m->n_processes, 0);
	assert_int_equal(m->n_mounts, 1);
	assert_int_equal(m->mounts[0].encrypted, FA_TRI_UNKNOWN);
	assert_null(m->mounts[0].volume);
	assert_false(app.machines[1].has_config);
	assert_null(app.machines[1].image);
	fa_app_release(&app);
}

/* A list item that is not an object, or that does not name itself, makes the whole list
 * unusable: dropping it silently could hide a finding. */
static void test_items_must_name_themselves(void **state)
{
	static const struct {
		const char *body;
		int which; /* 0 machines, 1 volumes, 2 secrets, 3 ips, 4 certs, 5 apps */
		const char *err;
	} tab[] = {
		{ "[{\"id\":\"m1\"}, null]", 0, "machines[1] is not an object" },
		{ "[{\"id\":\"m1\"}, 3]", 0, "machines[1] is not an object" },
		{ "[{\"name\":\"no-id\"}]", 0, "machines[0] has no \"id\" string" },
		{ "[{\"id\":12345}]", 0, "machines[0] has no \"id\" string" },
		{ "[{\"id\":\"\"}]", 0, "machines[0] has no \"id\" string" },
		{ "[{\"id\":\"vol_1\"},{\"encrypted\":false}]", 1, "volumes[1] has no \"id\" string" },
		{ "{\"secrets\":[{\"digest\":\"x\"}]}", 2, "secrets[0] has no \"name\" string" },
		{ "{\"ips\":[{\"ip\":12345,\"shared\":true}]}", 3, "ips[0] has no \"ip\" string" },
		{ "{\"certificates\":[\"a.example\"]}", 4, "certificates[0] is not an object" },
		{ "{\"apps\":[{\"id\":\"x\"}]}", 5, "apps[0] has no \"name\" string" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		fa_app app = new_app("a");
		fa_app *as = NULL;
		char err[FA_API_ERRLEN] = "", *next = NULL;
		size_t n = 0, len = strlen(tab[i].body);
		int rc = 0;

		switch (tab[i].which) {
		case 0: rc = fa_api_decode_machines(tab[i].body, len, NULL, &app, err, sizeof(err)); break;
		case 1: rc = fa_api_decode_volumes(tab[i].body, len, &app, err, sizeof(err)); break;
		case 2: rc = fa_api_decode_secrets(tab[i].body, len, &app, err, sizeof(err)); break;
		case 3: rc = fa_api_decode_ips(tab[i].body, len, &app, err, sizeof(err)); break;
		case 4: rc = fa_api_decode_certs_page(tab[i].body, len, &app, &next, err, sizeof(err)); break;
		default: rc = fa_api_decode_apps(tab[i].body, len, &as, &n, err, sizeof(err)); break;
		}
		assert_int_equal(rc, FA_API_EJSON);
		assert_string_equal(err, tab[i].err);
		assert_null(as);
		assert_null(next);
		assert_int_equal(app.n_machines + app.n_volumes + app.n_secrets + app.n_ips + app.n_certs, 0);
		fa_app_release(&app);
	}
}

static void test_huge_numbers(void **state)
{
	const char *body =
		"[{\"id\":\"m1\",\"config\":{\"services\":[{\"internal_port\":1e400,\"min_machines_running\":1e400,"
		"\"ports\":[{\"port\":-1e300,\"start_port\":9223372036854775808,\"end_port\":65535.9},"
		"{\"port\":443.7}]},{\"internal_port\":-1,\"min_machines_running\":-1e300},"
		"{\"min_machines_running\":9223372036854775808}],"
		"\"checks\":{\"c\":{\"port\":70000}}}}]";
	const char *vols =
		"[{\"id\":\"v1\",\"size_gb\":9223372036854775808,\"snapshot_retention\":1e400},"
		"{\"id\":\"v2\",\"size_gb\":-1e300,\"snapshot_retention\":-5},"
		"{\"id\":\"v3\",\"size_gb\":1e19,\"snapshot_retention\":7.9}]";
	const char *apps = "{\"apps\":[{\"name\":\"a\",\"machine_count\":1e400,\"volume_count\":-1e400,"
			   "\"internal_numeric_id\":9223372036854775807}]}";
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("a");
	fa_app *as = NULL;
	size_t n = 0;
	const fa_service *s = NULL;

	(void)state;
	assert_int_equal(dec_machines_str(body, &app, err), 0);
	s = app.machines[0].services;
	/* not a port: malformed (the first one is named), never a port or "absent" */
	assert_non_null(app.machines[0].malformed);
	assert_string_equal(app.machines[0].malformed, "config.services[0].internal_port");
	assert_int_equal(s[0].internal_port, 0);
	assert_int_equal(s[0].min_machines_running, INT_MAX);
	assert_int_equal(s[0].ports[0].port, 0);
	assert_int_equal(s[0].ports[0].start_port, 0);
	assert_int_equal(s[0].ports[0].end_port, 0);
	assert_int_equal(s[0].ports[1].port, 0);
	assert_int_equal(s[1].internal_port, 0);
	assert_int_equal(s[1].min_machines_running, 0);
	assert_int_equal(s[2].min_machines_running, INT_MAX);
	assert_int_equal(app.machines[0].checks[0].port, 0);

	assert_int_equal(fa_api_decode_volumes(vols, strlen(vols), &app, err, sizeof(err)), 0);
	assert_int_equal(app.n_volumes, 3);
	assert_true(app.volumes[0].size_gb == LLONG_MAX);
	assert_int_equal(app.volumes[0].snapshot_retention, INT_MAX);
	assert_int_equal(app.volumes[1].size_gb, 0);
	assert_int_equal(app.volumes[1].snapshot_retention, 0);
	assert_true(app.volumes[2].size_gb == LLONG_MAX);
	assert_int_equal(app.volumes[2].snapshot_retention, 7);

	assert_int_equal(fa_api_decode_apps(apps, strlen(apps), &as, &n, err, sizeof(err)), 0);
	assert_true(as[0].machine_count == LLONG_MAX);
	assert_int_equal(as[0].volume_count, 0);
	assert_true(as[0].internal_numeric_id == LLONG_MAX);
	free_apps(as, n);
	fa_app_release(&app);
}

/* ---- body checks ---------------------------------------------------------------------- */

static void test_deep_nesting(void **state)
{
	size_t n = 10000, i;
	char *deep = malloc(2 * n + 1);
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("a");
	char ok[FA_API_MAX_DEPTH * 2 + 64];
	size_t pos = 0;

	(void)state;
	assert_non_null(deep);
	for (i = 0; i < n; i++) {
		deep[i] = '[';
		deep[n + i] = ']';
	}
	deep[2 * n] = '\0';
	assert_int_equal(fa_api_decode_machines(deep, 2 * n, key1, &app, err, sizeof(err)),
			 FA_API_EJSON);
	assert_non_null(strstr(err, "nested"));
	/* unbalanced: only openers */
	assert_int_equal(fa_api_decode_volumes(deep, n, &app, err, sizeof(err)), FA_API_EJSON);
	assert_non_null(strstr(err, "nested"));
	free(deep);
	/* brackets inside strings do not count */
	pos += (size_t)snprintf(ok + pos, sizeof(ok) - pos, "[{\"id\":\"v\",\"name\":\"");
	for (i = 0; i < FA_API_MAX_DEPTH + 5; i++)
		ok[pos++] = '[';
	pos += (size_t)snprintf(ok + pos, sizeof(ok) - pos, "\\\"]\"}]");
	assert_int_equal(fa_api_decode_volumes(ok, pos, &app, err, sizeof(err)), 0);
	assert_int_equal(app.n_volumes, 1);
	assert_int_equal(strlen(app.volumes[0].name), FA_API_MAX_DEPTH + 5 + 2);
	/* exactly at the limit is fine */
	pos = 0;
	for (i = 0; i < FA_API_MAX_DEPTH; i++)
		ok[pos++] = '[';
	for (i = 0; i < FA_API_MAX_DEPTH; i++)
		ok[pos++] = ']';
	/* the depth is accepted; the items are then refused for their shape */
	assert_int_equal(fa_api_decode_volumes(ok, pos, &app, err, sizeof(err)), FA_API_EJSON);
	assert_null(strstr(err, "nested"));
	assert_non_null(strstr(err, "not an object"));
	fa_app_release(&app);
}

static void test_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"[{\"name\":\"\xff\"}]",
		"[{\"name\":\"\xc0\xaf\"}]",         /* overlong '/' */
		"[{\"name\":\"\xed\xa0\x80\"}]",     /* surrogate */
		"[{\"name\":\"\xf4\x90\x80\x80\"}]", /* > U+10FFFF */
		"[{\"name\":\"\xe2\x82\"}]",         /* truncated sequence */
	};
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("a");
	size_t i;
	const char nul[] = "[{\"name\":\"a\0b\"}]";

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fa_api_decode_volumes(bad[i], strlen(bad[i]), &app, err, sizeof(err)),
				 FA_API_EJSON);
		assert_non_null(strstr(err, "UTF-8"));
	}
	assert_int_equal(fa_api_decode_volumes(nul, sizeof(nul) - 1, &app, err, sizeof(err)),
			 FA_API_EJSON);
	/* valid multi-byte text is fine */
	assert_int_equal(dec_machines_str("[{\"id\":\"m\",\"name\":\"caf\xc3\xa9 \xf0\x9f\x9a\x80\"}]", &app, err), 0);
	assert_string_equal(app.machines[0].name, "caf\xc3\xa9 \xf0\x9f\x9a\x80");
	fa_app_release(&app);
}

static void test_empty_truncated_scalar(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("a");

	(void)state;
	assert_int_equal(fa_api_decode_machines("", 0, key1, &app, err, sizeof(err)), FA_API_EJSON);
	assert_string_equal(err, "empty response");
	assert_int_equal(fa_api_decode_machines(NULL, 0, key1, &app, err, sizeof(err)), FA_API_EJSON);
	assert_string_equal(err, "empty response");
	assert_int_equal(dec_machines_str(" \r\n\t", &app, err), FA_API_EJSON);
	assert_string_equal(err, "empty response");
	assert_int_equal(dec_machines_str("[{\"id\":\"abc\",\"config\":{\"env\":{", &app, err),
			 FA_API_EJSON);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(dec_machines_str("{\"id\":\"abc\"}", &app, err), FA_API_EJSON);
	assert_string_equal(err, "expected a JSON array of machines");
	assert_int_equal(dec_machines_str("42", &app, err), FA_API_EJSON);
	assert_string_equal(err, "expected a JSON array of machines");
	assert_int_equal(dec_machines_str("\"[]\"", &app, err), FA_API_EJSON);
	assert_int_equal(dec_machines_str("[] []", &app, err), FA_API_EJSON);
	assert_non_null(strstr(err, "trailing"));
	assert_int_equal(dec_machines_str("[1,]", &app, err), FA_API_EJSON);
	assert_non_null(strstr(err, "invalid JSON"));
	assert_int_equal(dec_machines_str("{\"secrets\":[]}", &app, err), FA_API_EJSON);
	/* null is Go's empty list */
	assert_int_equal(dec_machines_str("null", &app, err), 0);
	assert_int_equal(app.n_machines, 0);
	assert_int_equal(dec_machines_str("[]", &app, err), 0);
	assert_int_equal(app.n_machines, 0);
	assert_null(app.machines);
	fa_app_release(&app);
}

static void test_error_leaves_app(void **state)
{
	static const char *const hostile[] = {
		"", "{", "[", "{\"a\":}", "nul", "[\"unterminated]", "{}", "true", "null x",
		"[{\"id\":\"x\"}]]", "[{\"id\":\"\\ud800\"}]",
	};
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("billing-api");
	size_t len = 0, i;
	char *b = fixture("ref-machines-list.json", &len);
	fa_machine *before = NULL;

	(void)state;
	assert_int_equal(fa_api_decode_machines(b, len, key1, &app, err, sizeof(err)), 0);
	free(b);
	b = fixture("volumes-list--docs-1.json", &len);
	assert_int_equal(fa_api_decode_volumes(b, len, &app, err, sizeof(err)), 0);
	free(b);
	before = app.machines;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		err[0] = '\0';
		assert_int_equal(dec_machines_str(hostile[i], &app, err), FA_API_EJSON);
		assert_true(err[0] != '\0');
		assert_ptr_equal(app.machines, before);
		assert_int_equal(app.n_machines, 1);
		assert_string_equal(app.machines[0].id, "3d8d9e1cd61389");
		assert_int_not_equal(fa_api_decode_volumes(hostile[i], strlen(hostile[i]), &app, err,
							   sizeof(err)), 0);
		assert_int_equal(app.n_volumes, 2);
		assert_int_not_equal(fa_api_decode_secrets(hostile[i], strlen(hostile[i]), &app, err,
							   sizeof(err)), 0);
		assert_int_not_equal(fa_api_decode_ips(hostile[i], strlen(hostile[i]), &app, err,
						       sizeof(err)), 0);
		assert_int_equal(app.n_secrets + app.n_ips, 0);
	}
	fa_app_release(&app);
}

/* Every decoder, every hostile body: an error or a sane decode, never a crash or leak. */
static void test_hostile_table(void **state)
{
	static const char *const bodies[] = {
		"", " ", "{", "}", "[", "]", "null", "true", "0", "-1e300", "1e400", "\"s\"", "[]", "{}",
		"[null]", "[[]]", "[{}]", "{\"apps\":null}", "{\"apps\":[null,1,\"x\",{}]}",
		"{\"secrets\":[{\"name\":1,\"value\":\"AKIAIOSFODNN7EXAMPLE\"}]}",
		"{\"ips\":[{\"ip\":5,\"shared\":\"yes\",\"network\":\"x\"},{}]}",
		"{\"certificates\":[{\"configured\":\"yes\"}],\"next_cursor\":5}",
		"{\"certificates\":{},\"next_cursor\":\"c\"}",
		"{\"tokens\":[1,{\"apps\":[1,\"a\",null]}]}",
		"{\"data\":null}", "{\"data\":{\"organization\":{\"limitedAccessTokens\":5}}}",
		"{\"data\":{\"organization\":{\"limitedAccessTokens\":{\"nodes\":[1,{\"user\":7}]}}}}",
		"{\"data\":{\"a0\":5,\"a1\":{\"limitedAccessTokens\":{\"nodes\":{}}}},\"errors\":5}",
		"{\"errors\":[{\"path\":[],\"extensions\":5},{\"path\":[1]},7]}",
		"{\"errors\":[]}", "{\"errors\":{}}",
		"[{\"config\":{\"env\":{\"\":\"\"},\"processes\":[{\"env\":null,\"user\":[]}]}}]",
		"[{\"size_gb\":\"3\",\"encrypted\":1,\"auto_backup_enabled\":null}]",
		"{\"total_apps\":1e999,\"apps\":[{\"organization\":[]}]}",
		"[9223372036854775808, -9223372036854775809, 1e-400, -0]",
		"[{\"size_gb\":1234567890123456789012345678901234567890123456789012345678901234567890}]",
		"[{\"config\":{\"env\":{\"K\":\"AKIA\\u0000IOSFODNN7EXAMPLE\",\"\\u0000\":\"x\"}}}]",
		"{\"secrets\":[{\"name\":\"\\ud83d\\ude80\"},{\"name\":\"\\udc00\"}]}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const char *b = bodies[i];
		size_t len = strlen(b);
		char err[FA_API_ERRLEN];
		char line[FA_API_ERRLEN];
		fa_app app = new_app("a0");
		fa_app app1 = new_app("a1");
		fa_app *pair[2] = { &app, &app1 };
		fa_app *as = NULL;
		fa_token *ts = NULL;
		fa_token_current tc;
		char *cursor = NULL;
		size_t n = 0, j;
		int rc;

		memset(&tc, 0, sizeof(tc));
		rc = fa_api_decode_machines(b, len, key1, &app, err, sizeof(err));
		assert_true(rc == 0 || rc == FA_API_EJSON);
		rc = fa_api_decode_volumes(b, len, &app, err, sizeof(err));
		assert_true(rc == 0 || rc == FA_API_EJSON);
		for (j = 0; j < app.n_volumes; j++) {
			assert_true(app.volumes[j].size_gb >= 0);
			assert_true(app.volumes[j].encrypted == FA_TRI_UNKNOWN ||
				    app.volumes[j].encrypted == FA_TRI_TRUE ||
				    app.volumes[j].encrypted == FA_TRI_FALSE);
		}
		rc = fa_api_decode_secrets(b, len, &app, err, sizeof(err));
		assert_true(rc == 0 || rc == FA_API_EJSON);
		assert_absent(&app, "AKIAIOSFODNN7EXAMPLE");
		rc = fa_api_decode_ips(b, len, &app, err, sizeof(err));
		assert_true(rc == 0 || rc == FA_API_EJSON);
		rc = fa_api_decode_certs_page(b, len, &app, &cursor, err, sizeof(err));
		assert_true(rc == 0 || rc == FA_API_EJSON);
		if (rc)
			assert_null(cursor);
		free(cursor);
		rc = fa_api_decode_apps(b, len, &as, &n, err, sizeof(err));
		assert_true(rc == 0 || rc == FA_API_EJSON);
		if (rc == 0)
			free_apps(as, n);
		n = 0;
		rc = fa_api_decode_org_tokens(b, len, &ts, &n, NULL, err, sizeof(err));
		assert_true(rc <= 0 && rc > FA_API_ENOMEM);
		if (rc == 0) {
			for (j = 0; j < n; j++)
				fa_token_release(&ts[j]);
			free(ts);
		}
		rc = fa_api_decode_app_tokens(b, len, pair, 2, err, sizeof(err));
		assert_true(rc <= 0 && rc > FA_API_ENOMEM);
		if (rc != 0) {
			assert_false(app.load[FA_EP_TOKENS].tried);
			assert_false(app1.load[FA_EP_TOKENS].tried);
		}
		rc = fa_api_decode_tokens_current(b, len, &tc, err, sizeof(err));
		assert_true(rc == 0 || rc == FA_API_EJSON);
		fa_token_current_release(&tc);
		fa_api_error_message(500, b, len, line, sizeof(line));
		assert_non_null(strstr(line, "HTTP 500"));
		assert_null(strchr(line, '\n'));
		fa_app_release(&app);
		fa_app_release(&app1);
	}
}

/* ---- volumes, secrets, IPs ----------------------------------------------------------- */

static void test_volumes(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("a");
	size_t len = 0;
	char *b = fixture("volumes-list--docs-1.json", &len);
	const char *partial = "[{\"id\":\"vol_x\"},{\"id\":\"vol_y\",\"encrypted\":false,"
			      "\"auto_backup_enabled\":false,\"type\":\"cache\",\"attached_machine_id\":null}]";

	(void)state;
	assert_int_equal(fa_api_decode_volumes(b, len, &app, err, sizeof(err)), 0);
	free(b);
	assert_int_equal(app.n_volumes, 2);
	assert_string_equal(app.volumes[0].id, "vol_9vw681egy1jj5xm4");
	assert_string_equal(app.volumes[0].name, "disk");
	assert_string_equal(app.volumes[0].state, "created");
	assert_string_equal(app.volumes[0].region, "yul");
	assert_string_equal(app.volumes[0].zone, "09cd");
	assert_string_equal(app.volumes[0].attached_machine_id, "908057ef21e487");
	assert_string_equal(app.volumes[0].created_at, "2023-09-01T19:47:14.774Z");
	assert_int_equal(app.volumes[0].size_gb, 3);
	assert_int_equal(app.volumes[0].snapshot_retention, 5);
	assert_int_equal(app.volumes[0].encrypted, FA_TRI_TRUE);
	assert_int_equal(app.volumes[0].auto_backup_enabled, FA_TRI_TRUE);
	assert_null(app.volumes[0].type);
	assert_null(app.volumes[1].attached_machine_id);

	b = fixture("ref-volumes-list.json", &len);
	assert_int_equal(fa_api_decode_volumes(b, len, &app, err, sizeof(err)), 0);
	free(b);
	assert_int_equal(app.n_volumes, 1); /* replaced, not appended */
	assert_string_equal(app.volumes[0].type, "local");

	assert_int_equal(fa_api_decode_volumes(partial, strlen(partial), &app, err, sizeof(err)), 0);
	assert_int_equal(app.volumes[0].encrypted, FA_TRI_UNKNOWN); /* never guess "encrypted" */
	assert_int_equal(app.volumes[0].auto_backup_enabled, FA_TRI_UNKNOWN);
	assert_int_equal(app.volumes[0].snapshot_retention, -1);
	assert_int_equal(app.volumes[1].encrypted, FA_TRI_FALSE);
	assert_int_equal(app.volumes[1].auto_backup_enabled, FA_TRI_FALSE);
	assert_string_equal(app.volumes[1].type, "cache");

	assert_int_equal(fa_api_decode_volumes("{\"volumes\":[]}", 14, &app, err, sizeof(err)),
			 FA_API_EJSON);
	assert_string_equal(err, "expected a JSON array of volumes");
	assert_int_equal(app.n_volumes, 2);
	fa_app_release(&app);
}

static void test_secrets(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("a");
	size_t len = 0;
	char *b = fixture("ref-secrets-list.json", &len);
	const char *with_values = "{\"secrets\":[{\"name\":\"AWS_SECRET\",\"digest\":\"d1\","
				  "\"value\":\"AKIAIOSFODNN7EXAMPLE\"},{\"name\":\"X\",\"value\":\"hunter2hunter2\"}]}";

	(void)state;
	assert_int_equal(fa_api_decode_secrets(b, len, &app, err, sizeof(err)), 0);
	free(b);
	assert_int_equal(app.n_secrets, 2);
	assert_string_equal(app.secrets[0].name, "DATABASE_URL");
	assert_string_equal(app.secrets[0].digest, "cdbe3268a82bfe99");
	assert_string_equal(app.secrets[0].created_at, "2024-05-01T10:00:00Z");
	assert_string_equal(app.secrets[0].updated_at, "2024-08-20T14:00:00Z");
	assert_string_equal(app.secrets[1].name, "STRIPE_KEY");

	assert_int_equal(fa_api_decode_secrets(with_values, strlen(with_values), &app, err,
					       sizeof(err)), 0);
	assert_int_equal(app.n_secrets, 2);
	assert_string_equal(app.secrets[0].name, "AWS_SECRET");
	assert_null(app.secrets[1].digest);
	assert_absent(&app, "AKIAIOSFODNN7EXAMPLE");
	assert_absent(&app, "hunter2");

	assert_int_equal(fa_api_decode_secrets("{\"secrets\":[]}", 14, &app, err, sizeof(err)), 0);
	assert_int_equal(app.n_secrets, 0);
	assert_int_equal(fa_api_decode_secrets("{\"secrets\":null}", 16, &app, err, sizeof(err)), 0);
	assert_int_equal(fa_api_decode_secrets("{}", 2, &app, err, sizeof(err)), FA_API_EJSON);
	assert_non_null(strstr(err, "secrets"));
	assert_int_equal(fa_api_decode_secrets("[]", 2, &app, err, sizeof(err)), FA_API_EJSON);
	fa_app_release(&app);
}

static void test_ip_inference(void **state)
{
	static const struct {
		const char *ip;
		int shared, egress;
		const char *type;
		fa_ip_type want;
	} tab[] = {
		{ "137.66.12.34", 0, 0, NULL, FA_IP_V4 },
		{ "2a09:8280:1::4b:8d21", 0, 0, NULL, FA_IP_V6 },
		{ "66.241.124.213", 1, 0, NULL, FA_IP_SHARED_V4 },
		{ "fdaa:2:45b:0:1::7", 0, 0, NULL, FA_IP_PRIVATE_V6 },
		{ "FDAA:2:45b:0:1::7", 0, 0, NULL, FA_IP_PRIVATE_V6 },
		{ "149.248.200.10", 0, 1, NULL, FA_IP_EGRESS_V4 },
		{ "2a09:8280:1::99", 0, 1, NULL, FA_IP_EGRESS_V6 },
		/* fly-go order: egress before fdaa, fdaa before shared */
		{ "fdaa:2:45b:0:1::8", 0, 1, NULL, FA_IP_EGRESS_V6 },
		{ "fdaa:2:45b:0:1::9", 1, 0, NULL, FA_IP_PRIVATE_V6 },
		{ "66.241.124.213", 1, 1, NULL, FA_IP_EGRESS_V4 },
		/* an explicit type wins; an unknown one falls back to inference */
		{ "137.66.12.34", 0, 0, "shared_v4", FA_IP_SHARED_V4 },
		{ "2a09:8280:1::4b:8d21", 0, 0, "private_v6", FA_IP_PRIVATE_V6 },
		{ "137.66.12.34", 1, 0, "v4", FA_IP_V4 },
		{ "1.2.3.4", 0, 0, "egress_v4", FA_IP_EGRESS_V4 },
		{ "::1", 0, 0, "egress_v6", FA_IP_EGRESS_V6 },
		{ "fdaa::1", 0, 0, "v6", FA_IP_V6 },
		{ "137.66.12.34", 0, 0, "bogus", FA_IP_V4 },
		{ "fdaa::2", 0, 0, "", FA_IP_PRIVATE_V6 },
		{ NULL, 0, 0, NULL, FA_IP_V4 },
		{ "fdaa", 0, 0, NULL, FA_IP_V4 },
		{ "fda", 0, 0, NULL, FA_IP_V4 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		fa_ip_type t = fa_api_infer_ip_type(tab[i].ip, tab[i].shared, tab[i].egress, tab[i].type);

		if (t != tab[i].want)
			fail_msg("row %zu (%s): got %s, want %s", i, tab[i].ip ? tab[i].ip : "NULL",
				 fa_ip_type_name(t), fa_ip_type_name(tab[i].want));
	}
}

static void test_ips(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("a");
	size_t len = 0;
	char *b = fixture("ref-ips-list.json", &len);
	const char *typed = "{\"ips\":[{\"ip\":\"fdaa:0:1::3\",\"network\":{\"name\":\"backend\"},"
			    "\"service_name\":\"api\"},{\"ip\":\"fdaa:0:1::4\"},"
			    "{\"ip\":\"137.66.1.1\",\"type\":\"shared_v4\",\"network\":{\"name\":\"n\"}}]}";

	(void)state;
	assert_int_equal(fa_api_decode_ips(b, len, &app, err, sizeof(err)), 0);
	free(b);
	assert_int_equal(app.n_ips, 5);
	assert_string_equal(app.ips[0].address, "2a09:8280:1::4b:8d21");
	assert_int_equal(app.ips[0].type, FA_IP_V6);
	assert_string_equal(app.ips[0].region, "global");
	assert_string_equal(app.ips[0].service_name, "");
	assert_null(app.ips[0].network);
	assert_int_equal(app.ips[1].type, FA_IP_SHARED_V4);
	assert_null(app.ips[1].service_name);
	assert_int_equal(app.ips[2].type, FA_IP_V4);
	assert_int_equal(app.ips[3].type, FA_IP_PRIVATE_V6);
	assert_string_equal(app.ips[3].network, ""); /* the org's default network */
	assert_int_equal(app.ips[4].type, FA_IP_EGRESS_V4);
	assert_string_equal(app.ips[4].region, "iad");
	assert_string_equal(app.ips[4].created_at, "2024-08-01T00:00:00Z");

	assert_int_equal(fa_api_decode_ips(typed, strlen(typed), &app, err, sizeof(err)), 0);
	assert_int_equal(app.n_ips, 3);
	assert_string_equal(app.ips[0].network, "backend");
	assert_string_equal(app.ips[0].service_name, "api");
	assert_string_equal(app.ips[1].network, "");
	assert_int_equal(app.ips[2].type, FA_IP_SHARED_V4);
	assert_null(app.ips[2].network); /* only Flycast has a network */

	assert_int_equal(fa_api_decode_ips("{\"ips\":[]}", 10, &app, err, sizeof(err)), 0);
	assert_int_equal(app.n_ips, 0);
	assert_int_equal(fa_api_decode_ips("{\"ips\":\"x\"}", 11, &app, err, sizeof(err)),
			 FA_API_EJSON);
	fa_app_release(&app);
}

/* ---- certificates ---------------------------------------------------------------------- */

static void test_certs_docs(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("a");
	size_t len = 0;
	char *b = fixture("certificates-list--docs-1.json", &len);
	char *cursor = (char *)"sentinel";

	(void)state;
	assert_int_equal(fa_api_decode_certs_page(b, len, &app, &cursor, err, sizeof(err)), 0);
	free(b);
	assert_null(cursor); /* no next_cursor field */
	assert_int_equal(app.n_certs, 1);
	assert_string_equal(app.certs[0].hostname, "example.com");
	assert_string_equal(app.certs[0].status, "active");
	assert_string_equal(app.certs[0].dns_provider, "enom");
	assert_int_equal(app.certs[0].configured, FA_TRI_TRUE);
	assert_int_equal(app.certs[0].has_custom_certificate, FA_TRI_FALSE);
	assert_int_equal(app.certs[0].has_fly_certificate, FA_TRI_TRUE);
	assert_string_equal(app.certs[0].created_at, "2024-01-15T10:30:00Z");
	assert_string_equal(app.certs[0].updated_at, "2024-01-15T12:00:00Z");

	b = fixture("ref-certificates-list.json", &len);
	cursor = NULL;
	assert_int_equal(fa_api_decode_certs_page(b, len, &app, &cursor, err, sizeof(err)), 0);
	free(b);
	assert_null(cursor); /* "" means the end */
	assert_int_equal(app.n_certs, 2); /* appended */
	assert_string_equal(app.certs[1].hostname, "api.acme.com");
	assert_string_equal(app.certs[1].dns_provider, "cloudflare");
	fa_app_release(&app);
}

static void test_certs_paging(void **state)
{
	const char *p1 = "{\"certificates\":[{\"hostname\":\"a.example.com\",\"status\":\"active\"}],"
			 "\"total_count\":3,\"next_cursor\":\"Y3Vyc29yOjE=\"}";
	const char *p2 = "{\"certificates\":[{\"hostname\":\"b.example.com\","
			 "\"status\":\"pending_validation\",\"configured\":false},"
			 "{\"hostname\":\"c.example.com\"}],\"total_count\":3,\"next_cursor\":\"\"}";
	char err[FA_API_ERRLEN] = "";
	fa_app app = new_app("web");
	char *cursor = NULL, *path = NULL;

	(void)state;
	/* a short page (1 of limit 100) with a cursor: follow it */
	assert_int_equal(fa_api_decode_certs_page(p1, strlen(p1), &app, &cursor, err, sizeof(err)), 0);
	assert_non_null(cursor);
	assert_string_equal(cursor, "Y3Vyc29yOjE=");
	path = fa_api_path_certs(app.name, cursor, 100);
	assert_string_equal(path, "/v1/apps/web/certificates?limit=100&cursor=Y3Vyc29yOjE%3D");
	free(path);
	free(cursor);
	cursor = NULL;
	assert_int_equal(fa_api_decode_certs_page(p2, strlen(p2), &app, &cursor, err, sizeof(err)), 0);
	assert_null(cursor);
	assert_int_equal(app.n_certs, 3);
	assert_string_equal(app.certs[0].hostname, "a.example.com");
	assert_string_equal(app.certs[1].status, "pending_validation");
	assert_int_equal(app.certs[1].configured, FA_TRI_FALSE);
	assert_int_equal(app.certs[2].configured, FA_TRI_UNKNOWN);
	assert_null(app.certs[2].status);
	/* a bad page appends nothing and leaves no cursor */
	cursor = (char *)"x";
	assert_int_equal(fa_api_decode_certs_page("{\"certificates\":[{\"hostname\":\"d\"}", 33, &app,
						  &cursor, err, sizeof(err)), FA_API_EJSON);
	assert_null(cursor);
	assert_int_equal(app.n_certs, 3);
	/* an empty page with a cursor still returns it */
	assert_int_equal(fa_api_decode_certs_page("{\"certificates\":[],\"next_cursor\":\"n2\"}", 38,
						  &app, &cursor, err, sizeof(err)), 0);
	assert_string_equal(cursor, "n2");
	free(cursor);
	assert_int_equal(app.n_certs, 3);
	fa_app_release(&app);
}

/* ---- tokens ---------------------------------------------------------------------------- */

static void test_org_tokens(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_token *ts = NULL;
	size_t n = 0, len = 0, i;
	char *b = fixture("ref-graphql-org-tokens.json", &len);

	(void)state;
	assert_int_equal(fa_api_decode_org_tokens(b, len, &ts, &n, NULL, err, sizeof(err)), 0);
	free(b);
	assert_int_equal(n, 3);
	assert_string_equal(ts[0].id, "Ymz1q8Gv0LkT");
	assert_string_equal(ts[0].name, "Org deploy token");
	assert_string_equal(ts[0].created_at, "2024-03-01T12:00:00Z");
	assert_string_equal(ts[0].expires_at, "2044-02-25T12:00:00Z");
	assert_null(ts[0].revoked_at);
	assert_string_equal(ts[0].profile, "deploy_organization");
	assert_string_equal(ts[0].user_email, "jane@acme.com");
	assert_null(ts[0].app);
	assert_string_equal(ts[1].profile, "deploy");
	assert_string_equal(ts[2].expires_at, "2024-08-21T09:10:00Z");
	for (i = 0; i < n; i++)
		fa_token_release(&ts[i]);
	free(ts);

	ts = NULL;
	n = 0;
	assert_int_equal(fa_api_decode_org_tokens("{\"data\":{\"organization\":{\"limitedAccessTokens\":"
						  "{\"nodes\":[]}}}}", 62, &ts, &n, NULL, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_null(ts);
}

/* Token lists come a page at a time: the cursor is handed back, a page that says more
 * follow without a cursor is refused, and an app whose list is longer than a page is
 * failed rather than cut. */
static void test_token_paging(void **state)
{
	const char *p1 = "{\"data\":{\"organization\":{\"limitedAccessTokens\":{\"nodes\":[{\"id\":\"t1\"}],"
			 "\"pageInfo\":{\"hasNextPage\":true,\"endCursor\":\"Y3Vy\"}}}}}";
	const char *p2 = "{\"data\":{\"organization\":{\"limitedAccessTokens\":{\"nodes\":[{\"id\":\"t2\"}],"
			 "\"pageInfo\":{\"hasNextPage\":false,\"endCursor\":\"x\"}}}}}";
	const char *stuck = "{\"data\":{\"organization\":{\"limitedAccessTokens\":{\"nodes\":[],"
			    "\"pageInfo\":{\"hasNextPage\":true,\"endCursor\":null}}}}}";
	const char *batch = "{\"data\":{\"a0\":{\"limitedAccessTokens\":{\"nodes\":[{\"id\":\"x\"}],"
			    "\"pageInfo\":{\"hasNextPage\":true,\"endCursor\":\"c\"}}},"
			    "\"a1\":{\"limitedAccessTokens\":{\"nodes\":[{\"id\":\"y\"}],"
			    "\"pageInfo\":{\"hasNextPage\":false}}}}}";
	fa_token *ts = NULL;
	size_t n = 0, i;
	char err[FA_API_ERRLEN], *next = NULL, *q = NULL;
	fa_app a0 = new_app("a"), a1 = new_app("b");
	fa_app *apps[2] = { &a0, &a1 };

	(void)state;
	assert_int_equal(fa_api_decode_org_tokens(p1, strlen(p1), &ts, &n, &next, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(next, "Y3Vy");
	q = fa_api_gql_org_tokens("acme", next);
	assert_non_null(strstr(q, "after:$after"));
	assert_non_null(strstr(q, "\"after\":\"Y3Vy\""));
	free(q);
	free(next);
	for (i = 0; i < n; i++)
		fa_token_release(&ts[i]);
	free(ts);
	assert_int_equal(fa_api_decode_org_tokens(p2, strlen(p2), &ts, &n, &next, err, sizeof(err)), 0);
	assert_null(next);
	for (i = 0; i < n; i++)
		fa_token_release(&ts[i]);
	free(ts);
	/* more pages but no cursor, or a caller that cannot follow: refused, not cut */
	assert_int_equal(fa_api_decode_org_tokens(stuck, strlen(stuck), &ts, &n, &next, err, sizeof(err)),
			 FA_API_EJSON);
	assert_non_null(strstr(err, "more pages"));
	assert_int_equal(fa_api_decode_org_tokens(p1, strlen(p1), &ts, &n, NULL, err, sizeof(err)),
			 FA_API_EJSON);
	/* the batch: a0 has more than a page (failed), a1 is whole */
	assert_int_equal(fa_api_decode_app_tokens(batch, strlen(batch), apps, 2, err, sizeof(err)), 0);
	assert_false(a0.load[FA_EP_TOKENS].loaded);
	assert_non_null(strstr(a0.load[FA_EP_TOKENS].message, "more than 500 tokens"));
	assert_int_equal(a0.n_tokens, 0);
	assert_true(a1.load[FA_EP_TOKENS].loaded);
	assert_int_equal(a1.n_tokens, 1);
	fa_app_release(&a0);
	fa_app_release(&a1);
}

static void test_graphql_errors_in_200(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_token *ts = NULL;
	size_t n = 0, len = 0;
	char *b = NULL;
	const char *other = "{\"data\":null,\"errors\":[{\"message\":\"boom\\nline\","
			    "\"extensions\":{\"code\":\"SERVER_ERROR\"}}]}";
	const char *mixed = "{\"errors\":[{\"message\":\"a\",\"extensions\":{\"code\":\"INVALID\"}},"
			    "{\"message\":\"Not authorized\",\"extensions\":{\"code\":\"UNAUTHORIZED\"}}]}";

	(void)state;
	b = fixture("ref-graphql-unauthorized.json", &len);
	assert_int_equal(fa_api_decode_org_tokens(b, len, &ts, &n, NULL, err, sizeof(err)), FA_API_EUNAUTH);
	assert_string_equal(err, "You must be authenticated to view this. (UNAUTHORIZED)");
	free(b);
	b = fixture("ref-graphql-not-found.json", &len);
	assert_int_equal(fa_api_decode_org_tokens(b, len, &ts, &n, NULL, err, sizeof(err)),
			 FA_API_ENOTFOUND);
	assert_string_equal(err, "Could not find App (NOT_FOUND)");
	free(b);
	assert_int_equal(fa_api_decode_org_tokens(other, strlen(other), &ts, &n, NULL, err, sizeof(err)),
			 FA_API_EGRAPHQL);
	assert_string_equal(err, "boom line (SERVER_ERROR)");
	assert_int_equal(fa_api_decode_org_tokens(mixed, strlen(mixed), &ts, &n, NULL, err, sizeof(err)),
			 FA_API_EUNAUTH);
	assert_string_equal(err, "Not authorized (UNAUTHORIZED)");
	/* the generic envelope from fly-go's tests: data but no organization */
	b = fixture("graphql-generic--fly-go-1.json", &len);
	assert_int_equal(fa_api_decode_org_tokens(b, len, &ts, &n, NULL, err, sizeof(err)),
			 FA_API_ENOTFOUND);
	free(b);
	assert_int_equal(fa_api_decode_org_tokens("{\"data\":{\"organization\":null}}", 30, &ts, &n, NULL, err, sizeof(err)), FA_API_ENOTFOUND);
	assert_int_equal(fa_api_decode_org_tokens("[]", 2, &ts, &n, NULL, err, sizeof(err)), FA_API_EJSON);
	assert_null(ts);
	assert_int_equal(n, 0);
	/* errors read by message as Fly's clients do, when extensions.code is missing */
	{
		static const struct {
			const char *body;
			int rc;
		} bym[] = {
			{ "{\"data\":null,\"errors\":[{\"message\":\"You must be authenticated to "
			  "view this.\"}]}", FA_API_EUNAUTH },
			{ "{\"data\":null,\"errors\":[{\"message\":\"Not Authorized\"}]}",
			  FA_API_EUNAUTH },
			{ "{\"data\":null,\"errors\":[{\"message\":\"Could not find Organization "
			  "acme\"}]}", FA_API_ENOTFOUND },
			{ "{\"data\":null,\"errors\":[{\"message\":\"Query has complexity of 900\"}]}",
			  FA_API_EGRAPHQL },
		};
		size_t k;

		for (k = 0; k < sizeof(bym) / sizeof(bym[0]); k++)
			assert_int_equal(fa_api_decode_org_tokens(bym[k].body, strlen(bym[k].body), &ts,
								  &n, NULL, err, sizeof(err)),
					 bym[k].rc);
	}
}

static void test_app_tokens_batch(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_app a0 = new_app("billing-api"), a1 = new_app("gone-app"), a2 = new_app("quiet");
	fa_app *apps[3] = { &a0, &a1, &a2 };
	size_t len = 0;
	char *b = fixture("app-tokens-batch.json", &len);

	(void)state;
	assert_int_equal(fa_api_decode_app_tokens(b, len, apps, 3, err, sizeof(err)), 0);
	free(b);
	assert_true(a0.load[FA_EP_TOKENS].loaded);
	assert_true(a0.load[FA_EP_TOKENS].tried);
	assert_null(a0.load[FA_EP_TOKENS].message);
	assert_int_equal(a0.n_tokens, 1);
	assert_string_equal(a0.tokens[0].id, "Pq4w9Rz2XbnS");
	assert_string_equal(a0.tokens[0].app, "billing-api");
	assert_string_equal(a0.tokens[0].user_email, "ci@acme.com");
	assert_string_equal(a0.tokens[0].expires_at, "2044-06-05T08:00:00Z");
	assert_false(a1.load[FA_EP_TOKENS].loaded);
	assert_true(a1.load[FA_EP_TOKENS].tried);
	assert_non_null(a1.load[FA_EP_TOKENS].message);
	assert_non_null(strstr(a1.load[FA_EP_TOKENS].message, "Could not find App"));
	assert_int_equal(a1.n_tokens, 0);
	assert_true(a2.load[FA_EP_TOKENS].loaded);
	assert_int_equal(a2.n_tokens, 0);
	fa_app_release(&a0);
	fa_app_release(&a1);
	fa_app_release(&a2);
}

static void test_app_tokens_unusable(void **state)
{
	const char *unauth = "{\"data\":{\"a0\":null,\"a1\":{\"limitedAccessTokens\":{\"nodes\":[]}}},"
			     "\"errors\":[{\"message\":\"Not authorized\",\"path\":[\"a0\"],"
			     "\"extensions\":{\"code\":\"UNAUTHORIZED\"}}]}";
	const char *global = "{\"data\":null,\"errors\":[{\"message\":\"maintenance\","
			     "\"extensions\":{\"code\":\"MAINTENANCE\"}}]}";
	const char *missing = "{\"data\":{\"a0\":{\"limitedAccessTokens\":{\"nodes\":[]}}}}";
	char err[FA_API_ERRLEN] = "";
	fa_app a0 = new_app("x"), a1 = new_app("y");
	fa_app *apps[2] = { &a0, &a1 };

	(void)state;
	assert_int_equal(fa_api_decode_app_tokens(unauth, strlen(unauth), apps, 2, err, sizeof(err)),
			 FA_API_EUNAUTH);
	assert_false(a0.load[FA_EP_TOKENS].tried);
	assert_false(a1.load[FA_EP_TOKENS].tried);
	assert_int_equal(fa_api_decode_app_tokens(global, strlen(global), apps, 2, err, sizeof(err)),
			 FA_API_EGRAPHQL);
	assert_string_equal(err, "maintenance (MAINTENANCE)");
	assert_false(a0.load[FA_EP_TOKENS].tried);
	assert_int_equal(fa_api_decode_app_tokens("{\"data\"", 7, apps, 2, err, sizeof(err)),
			 FA_API_EJSON);
	assert_false(a0.load[FA_EP_TOKENS].tried);
	/* an alias missing from data: that app failed, the other loaded */
	assert_int_equal(fa_api_decode_app_tokens(missing, strlen(missing), apps, 2, err, sizeof(err)),
			 0);
	assert_true(a0.load[FA_EP_TOKENS].loaded);
	assert_false(a1.load[FA_EP_TOKENS].loaded);
	assert_true(a1.load[FA_EP_TOKENS].tried);
	assert_non_null(a1.load[FA_EP_TOKENS].message);
	fa_app_release(&a0);
	fa_app_release(&a1);
}

static void test_tokens_current(void **state)
{
	char err[FA_API_ERRLEN] = "";
	fa_token_current tc;
	size_t len = 0;
	char *b = fixture("ref-tokens-current.json", &len);

	(void)state;
	memset(&tc, 0, sizeof(tc));
	assert_int_equal(fa_api_decode_tokens_current(b, len, &tc, err, sizeof(err)), 0);
	free(b);
	assert_string_equal(tc.token_id, "tok_123");
	assert_string_equal(tc.org_slug, "acme");
	assert_string_equal(tc.organization, "Acme Corp");
	assert_string_equal(tc.user, "jane@acme.com");
	assert_int_equal(tc.n_apps, 1);
	assert_string_equal(tc.apps[0], "billing-api");
	/* a second decode replaces the first without a leak */
	b = fixture("ref-tokens-current.json", &len);
	assert_int_equal(fa_api_decode_tokens_current(b, len, &tc, err, sizeof(err)), 0);
	free(b);
	assert_string_equal(tc.org_slug, "acme");
	fa_token_current_release(&tc);
	assert_null(tc.token_id);
	assert_int_equal(tc.n_apps, 0);

	assert_int_equal(fa_api_decode_tokens_current("{\"tokens\":[]}", 13, &tc, err, sizeof(err)),
			 FA_API_EJSON);
	assert_null(tc.token_id);
	assert_int_equal(fa_api_decode_tokens_current("{\"tokens\":[{\"org_slug\":5,\"apps\":\"a\"}]}",
						      38, &tc, err, sizeof(err)), 0);
	assert_null(tc.org_slug);
	assert_int_equal(tc.n_apps, 0);
	fa_token_current_release(&tc);
	assert_int_equal(fa_api_decode_tokens_current("{\"error\":\"invalid token\"}", 25, &tc, err,
						      sizeof(err)), FA_API_EJSON);
}

/* ---- the published examples, read from ../shared at test time --------------------------- */

static void test_shared_examples(void **state)
{
	DIR *dir = opendir(SHARED_EXAMPLES);
	struct dirent *de = NULL;
	size_t seen = 0;

	(void)state;
	if (!dir) {
		skip();
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		const char *n = de->d_name;
		char path[1024];
		char err[FA_API_ERRLEN] = "";
		char line[FA_API_ERRLEN];
		size_t len = 0;
		char *b = NULL;
		fa_app app;
		fa_app *as = NULL;
		size_t na = 0;
		char *cursor = NULL;

		if (strlen(n) < 6 || strcmp(n + strlen(n) - 5, ".json") != 0)
			continue;
		app = new_app("x");
		snprintf(path, sizeof(path), SHARED_EXAMPLES "%s", n);
		b = slurp(path, &len);
		assert_non_null(b);
		if (strncmp(n, "machines-list--", 15) == 0) {
			assert_int_equal(fa_api_decode_machines(b, len, key1, &app, err, sizeof(err)), 0);
			assert_true(app.n_machines > 0);
			assert_non_null(app.machines[0].id);
			seen++;
		} else if (strncmp(n, "volumes-list--", 14) == 0) {
			assert_int_equal(fa_api_decode_volumes(b, len, &app, err, sizeof(err)), 0);
			assert_true(app.n_volumes > 0);
			assert_int_equal(app.volumes[0].encrypted, FA_TRI_TRUE);
			seen++;
		} else if (strncmp(n, "apps-list--", 11) == 0) {
			assert_int_equal(fa_api_decode_apps(b, len, &as, &na, err, sizeof(err)), 0);
			assert_true(na > 0);
			assert_non_null(as[0].name);
			free_apps(as, na);
			seen++;
		} else if (strncmp(n, "certificates-list--", 19) == 0) {
			assert_int_equal(fa_api_decode_certs_page(b, len, &app, &cursor, err, sizeof(err)), 0);
			assert_true(app.n_certs > 0);
			free(cursor);
			seen++;
		} else if (strstr(n, "-error--")) {
			fa_api_error_message(400, b, len, line, sizeof(line));
			assert_memory_equal(line, "HTTP 400: ", 10);
			assert_true(strlen(line) > 10);
			assert_null(strchr(line, '{'));
			seen++;
		} else {
			/* anything else must not crash the decoders */
			(void)fa_api_decode_machines(b, len, key1, &app, err, sizeof(err));
			(void)fa_api_decode_volumes(b, len, &app, err, sizeof(err));
		}
		free(b);
		fa_app_release(&app);
	}
	closedir(dir);
	assert_true(seen >= 10);
}

/* ---- the app list, streamed -------------------------------------------------------- */

typedef struct names {
	char list[64][64];
	long long ids[64];
	size_t n;
	int stop_after; /* return -1 after this many (0 = never) */
} names;

static int collect(void *ud, const fa_app *app)
{
	names *nm = ud;

	assert_non_null(app->name);
	if (nm->n < 64) {
		snprintf(nm->list[nm->n], sizeof(nm->list[0]), "%s", app->name);
		nm->ids[nm->n] = app->internal_numeric_id;
	}
	nm->n++;
	return (nm->stop_after && (int)nm->n >= nm->stop_after) ? -1 : 0;
}

static int stream_all(const char *body, size_t len, size_t chunk, names *nm, char *err)
{
	fa_api_apps_stream *s = NULL;
	size_t off;
	int rc = 0;

	assert_int_equal(fa_api_apps_stream_new(&s, collect, nm), 0);
	for (off = 0; off < len && rc == 0; off += chunk)
		rc = fa_api_apps_stream_feed(s, body + off, len - off < chunk ? len - off : chunk, err,
					     FA_API_ERRLEN);
	if (rc == 0)
		rc = fa_api_apps_stream_finish(s, err, FA_API_ERRLEN);
	fa_api_apps_stream_free(s);
	return rc;
}

static void test_apps_stream_matches_whole_decode(void **state)
{
	static const char *const files[] = { "ref-apps-list.json", "apps-list--docs-1.json",
					     "apps-list--docs-2.json" };
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 100000 };
	size_t f, k, i;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len, n = 0;
		char *body = fixture(files[f], &len), err[FA_API_ERRLEN];
		fa_app *apps = NULL;

		assert_int_equal(fa_api_decode_apps(body, len, &apps, &n, err, sizeof(err)), 0);
		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			names nm;

			memset(&nm, 0, sizeof(nm));
			if (stream_all(body, len, chunks[k], &nm, err) != 0)
				fail_msg("%s in pieces of %zu: %s", files[f], chunks[k], err);
			assert_int_equal(nm.n, n);
			for (i = 0; i < n; i++) {
				assert_string_equal(nm.list[i], apps[i].name);
				assert_true(nm.ids[i] == apps[i].internal_numeric_id);
			}
		}
		for (i = 0; i < n; i++)
			fa_app_release(&apps[i]);
		free(apps);
		free(body);
	}
}

static void test_apps_stream_hostile(void **state)
{
	static const struct {
		const char *body;
		int ok;      /* 1 = decodes */
		size_t apps; /* handed over */
		const char *err;
	} tab[] = {
		{ "{\"apps\":[]}", 1, 0, NULL },
		{ "{\"apps\":null,\"total_apps\":0}", 1, 0, NULL },
		{ "{\"status\":\"apps\",\"apps\":[{\"name\":\"a\"}]}", 1, 1, NULL },
		{ "{\"x\":{\"apps\":[{\"name\":\"inner\"}]},\"apps\":[{\"name\":\"a\",\"k\":\"]}\\\"\"}]}", 1, 1, NULL },
		{ "{\"apps\":[{\"name\":\"a\"},{\"name\":\"b\"}], \"total_apps\": 2}  \n", 1, 2, NULL },
		{ "", 0, 0, "empty response" },
		{ "[{\"name\":\"a\"}]", 0, 0, "expected a JSON object with \"apps\"" },
		{ "{\"total_apps\":1}", 0, 0, "no \"apps\" in the response" },
		{ "{\"apps\":{\"name\":\"a\"}}", 0, 0, "\"apps\" is not an array" },
		{ "{\"apps\":[{\"name\":\"a\"},3]}", 0, 1, "apps[1] is not an object" },
		{ "{\"apps\":[{\"id\":\"x\"}]}", 0, 0, "apps[0] has no \"name\" string" },
		{ "{\"apps\":[{\"name\":\"\"}]}", 0, 0, "apps[0] has no \"name\" string" },
		{ "{\"apps\":[{\"name\":\"a\"}", 0, 1, "truncated JSON" },
		{ "{\"apps\":[{\"name\":\"a", 0, 0, "truncated JSON" },
		{ "{\"apps\":[]} x", 0, 0, "invalid JSON: trailing data" },
		{ "{\"apps\":[{\"name\":\"a\",\"x\":tru}]}", 0, 0, "apps[0] is not valid JSON" },
		{ "{\"apps\":[{\"name\":\"\xff\"}]}", 0, 0, "apps[0] is not valid UTF-8" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		names nm;
		char err[FA_API_ERRLEN] = "";
		int rc;

		memset(&nm, 0, sizeof(nm));
		rc = stream_all(tab[i].body, strlen(tab[i].body), 3, &nm, err);
		if (tab[i].ok && rc != 0)
			fail_msg("case %zu: %s", i, err);
		if (!tab[i].ok) {
			assert_int_equal(rc, FA_API_EJSON);
			assert_string_equal(err, tab[i].err);
		}
		assert_int_equal(nm.n, tab[i].apps);
	}
}

static void test_apps_stream_limits_reset_stop(void **state)
{
	fa_api_apps_stream *s = NULL;
	char err[FA_API_ERRLEN] = "";
	names nm;
	size_t i;
	char *big;
	const char *two = "{\"apps\":[{\"name\":\"a\"},{\"name\":\"b\"}]}";

	(void)state;
	/* nesting past the limit */
	big = malloc(4 * FA_API_MAX_DEPTH + 64);
	assert_non_null(big);
	memcpy(big, "{\"apps\":[{\"name\":\"a\",\"x\":", 26);
	for (i = 0; i < FA_API_MAX_DEPTH; i++)
		big[26 + i] = '[';
	memset(&nm, 0, sizeof(nm));
	assert_int_equal(stream_all(big, 26 + FA_API_MAX_DEPTH, 5, &nm, err), FA_API_EJSON);
	assert_non_null(strstr(err, "nested deeper"));
	free(big);
	/* an element over 1 MiB */
	big = malloc(1100 * 1024);
	assert_non_null(big);
	memcpy(big, "{\"apps\":[{\"name\":\"", 18);
	memset(big + 18, 'a', 1100 * 1024 - 18);
	memset(&nm, 0, sizeof(nm));
	assert_int_equal(stream_all(big, 1100 * 1024, 4096, &nm, err), FA_API_EJSON);
	assert_string_equal(err, "apps[0] is larger than 1 MiB");
	free(big);
	/* reset: a retried transfer starts again from nothing */
	memset(&nm, 0, sizeof(nm));
	assert_int_equal(fa_api_apps_stream_new(&s, collect, &nm), 0);
	assert_int_equal(fa_api_apps_stream_feed(s, two, 20, err, sizeof(err)), 0);
	fa_api_apps_stream_reset(s);
	nm.n = 0;
	assert_int_equal(fa_api_apps_stream_feed(s, two, strlen(two), err, sizeof(err)), 0);
	assert_int_equal(fa_api_apps_stream_finish(s, err, sizeof(err)), 0);
	assert_int_equal(fa_api_apps_stream_count(s), 2);
	assert_int_equal(nm.n, 2);
	fa_api_apps_stream_free(s);
	/* the callback stops the stream; later feeds keep failing */
	memset(&nm, 0, sizeof(nm));
	nm.stop_after = 1;
	assert_int_equal(fa_api_apps_stream_new(&s, collect, &nm), 0);
	assert_int_equal(fa_api_apps_stream_feed(s, two, strlen(two), err, sizeof(err)), FA_API_EJSON);
	assert_int_equal(nm.n, 1);
	assert_int_equal(fa_api_apps_stream_feed(s, "x", 1, err, sizeof(err)), FA_API_EJSON);
	assert_int_equal(fa_api_apps_stream_finish(s, err, sizeof(err)), FA_API_EJSON);
	fa_api_apps_stream_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_paging),
		cmocka_unit_test(test_apps_stream_matches_whole_decode),
		cmocka_unit_test(test_apps_stream_hostile),
		cmocka_unit_test(test_apps_stream_limits_reset_stop),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_path_certs),
		cmocka_unit_test(test_gql_org_tokens),
		cmocka_unit_test(test_gql_app_tokens),
		cmocka_unit_test(test_error_message_examples),
		cmocka_unit_test(test_error_message_shapes),
		cmocka_unit_test(test_error_message_cut),
		cmocka_unit_test(test_apps_docs),
		cmocka_unit_test(test_apps_reference),
		cmocka_unit_test(test_machines_docs_1),
		cmocka_unit_test(test_machines_containers),
		cmocka_unit_test(test_machines_malformed),
		cmocka_unit_test(test_machines_docs_2_3),
		cmocka_unit_test(test_machines_reference),
		cmocka_unit_test(test_machines_env_secrets),
		cmocka_unit_test(test_machines_hash_key),
		cmocka_unit_test(test_autostop_forms),
		cmocka_unit_test(test_machines_handlers_tls),
		cmocka_unit_test(test_machines_wrong_types),
		cmocka_unit_test(test_items_must_name_themselves),
		cmocka_unit_test(test_huge_numbers),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_empty_truncated_scalar),
		cmocka_unit_test(test_error_leaves_app),
		cmocka_unit_test(test_hostile_table),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_ip_inference),
		cmocka_unit_test(test_ips),
		cmocka_unit_test(test_certs_docs),
		cmocka_unit_test(test_certs_paging),
		cmocka_unit_test(test_org_tokens),
		cmocka_unit_test(test_graphql_errors_in_200),
		cmocka_unit_test(test_app_tokens_batch),
		cmocka_unit_test(test_app_tokens_unusable),
		cmocka_unit_test(test_tokens_current),
		cmocka_unit_test(test_shared_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
