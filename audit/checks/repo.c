/* checks/repo.c: the checks of `flyaudit scan` (scan.h) over one repository file at a
 * time: Dockerfiles, GitHub Actions workflows, fly.toml, .env files and Fly token
 * literals. Results are of resource type "file", with the path and line. Values read from
 * files never reach a result. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flyaudit/macaroon.h"
#include "flyaudit/scan.h"
#include "flyaudit/secrets.h"
#include "flyaudit/buf.h"
#include "flyaudit/toml.h"

typedef struct emitter {
	const fa_scan_ctx *c;
	const char *path;
	const char *app; /* fly.toml: the app it names */
	const char *type;    /* resource type; NULL = "file" */
	const char *id_base; /* resource id before "#item"; NULL = the path */
	fa_results *out;
	int err;
	bool failed[FA_CK_COUNT]; /* a fail was emitted for this check */
	bool ran[FA_CK_COUNT];    /* the check looked at something */
} emitter;

/* One result; `item` (may be NULL) tells apart several results of one check in a file. */
static int emit(emitter *e, int idx, fa_status st, const char *item, unsigned line,
		const char *msg)
{
	fa_buf id = FA_BUF_INIT(0);

	if (e->err)
		return e->err;
	e->ran[idx] = true;
	if (st == FA_STATUS_FAIL)
		e->failed[idx] = true;
	if (fa_buf_adds(&id, e->id_base ? e->id_base : e->path) ||
	    (item && (fa_buf_adds(&id, "#") || fa_buf_adds(&id, item))) ||
	    fa_results_add(e->out, fa_chk_meta(idx), st, e->c ? e->c->org : NULL, e->app,
			   e->type ? e->type : "file", id.data, item, NULL, msg) < 0 ||
	    fa_result_set_location(&e->out->items[e->out->n - 1], e->path, line) < 0)
		e->err = -1;
	fa_buf_release(&id);
	return e->err;
}

/* A pass for each check that ran and found nothing. */
static int emit_passes(emitter *e, const int *idx, size_t n, const char *what)
{
	size_t i;
	fa_msg m;

	for (i = 0; i < n; i++) {
		if (e->failed[idx[i]])
			continue;
		fa_msg_init(&m);
		fa_msg_add(&m, what);
		if (emit(e, idx[i], FA_STATUS_PASS, NULL, 0, fa_msg_str(&m)))
			return e->err;
	}
	return e->err;
}

/* The names of the detectors in `bits`, comma-separated. */
static void detectors(fa_msg *m, uint32_t bits)
{
	uint32_t b;
	bool first = true;

	for (b = 1; b && b <= FA_DET_SECRET_NAME; b <<= 1) {
		if (!(bits & b))
			continue;
		fa_msg_addf(m, "%s%s", first ? "" : ", ", fa_detector_name(b));
		first = false;
	}
}

/* Credential detectors for NAME=value, skipping values that only reference a variable. */
static uint32_t classify(const char *name, const char *value)
{
	size_t n = value ? strlen(value) : 0;
	uint32_t bits;

	if (!n)
		return 0;
	bits = fa_secret_classify(name, value, n);
	if (value[0] == '$')
		bits &= FA_DET_VALUE_MASK; /* ${VAR}: a reference, not a value */
	return bits;
}

/* image[:tag][@digest]: 1 pinned, 0 latest or untagged, -1 a variable (cannot tell). */
static int image_pinned(const char *img)
{
	const char *slash, *colon;

	if (strchr(img, '$'))
		return -1;
	if (strstr(img, "@sha256:"))
		return 1;
	slash = strrchr(img, '/');
	colon = strrchr(slash ? slash : img, ':');
	if (!colon || !colon[1])
		return 0;
	return strcmp(colon + 1, "latest") == 0 ? 0 : 1;
}

/* ---- Dockerfile ------------------------------------------------------------------------ */

static bool is_root_user(const char *u)
{
	char name[64];
	size_t n = strcspn(u, ":");

	if (n >= sizeof(name))
		return false;
	memcpy(name, u, n);
	name[n] = '\0';
	return strcmp(name, "root") == 0 || strcmp(name, "0") == 0;
}

/* ENV/ARG pairs of one instruction: calls back with name, value (NULL = no default). */
static void df_pairs(emitter *e, const fa_df_instr *in)
{
	size_t i;
	bool legacy = strcmp(in->cmd, "ENV") == 0 && in->argc >= 2 && !strchr(in->argv[0], '=');

	if (legacy) { /* ENV NAME value with spaces */
		const char *v = in->args + strlen(in->argv[0]);
		uint32_t bits;

		while (*v == ' ' || *v == '\t')
			v++;
		bits = classify(in->argv[0], v);
		if (bits) {
			fa_msg m;

			fa_msg_init(&m);
			fa_msg_addf(&m, "ENV %s holds a credential (", in->argv[0]);
			detectors(&m, bits);
			fa_msg_add(&m, "); the value is in the image config");
			emit(e, FA_CK_SECRETS_DOCKERFILE, FA_STATUS_FAIL, in->argv[0], in->line,
			     fa_msg_str(&m));
		}
		return;
	}
	for (i = 0; i < in->argc && !e->err; i++) {
		const char *eq = strchr(in->argv[i], '=');
		char name[256];
		size_t nn;
		uint32_t bits;
		fa_msg m;

		if (!eq)
			continue; /* ARG NAME: no default */
		nn = (size_t)(eq - in->argv[i]);
		if (!nn || nn >= sizeof(name))
			continue;
		memcpy(name, in->argv[i], nn);
		name[nn] = '\0';
		bits = classify(name, eq + 1);
		if (!bits)
			continue;
		fa_msg_init(&m);
		fa_msg_addf(&m, "%s %s %s a credential (", in->cmd, name,
			    strcmp(in->cmd, "ARG") == 0 ? "defaults to" : "holds");
		detectors(&m, bits);
		fa_msg_add(&m, strcmp(in->cmd, "ARG") == 0
				       ? "); build arguments are kept in the image history"
				       : "); the value is in the image config");
		emit(e, FA_CK_SECRETS_DOCKERFILE, FA_STATUS_FAIL, name, in->line, fa_msg_str(&m));
	}
}

/* FROM [--platform=x] image [AS name] */
static const char *from_image(const fa_df_instr *in, const char **alias)
{
	size_t i = 0;

	*alias = NULL;
	while (i < in->argc && strncmp(in->argv[i], "--", 2) == 0)
		i++;
	if (i >= in->argc)
		return NULL;
	if (i + 2 < in->argc && strcasecmp(in->argv[i + 1], "AS") == 0)
		*alias = in->argv[i + 2];
	return in->argv[i];
}

/* COPY/ADD of the whole context ("." or "./" or "*" as a source). */
static bool copies_context(const fa_df_instr *in)
{
	size_t i, last;

	if (strcmp(in->cmd, "COPY") != 0 && strcmp(in->cmd, "ADD") != 0)
		return false;
	if (in->argc < 2)
		return false;
	last = in->argc - 1;
	for (i = 0; i < last; i++) {
		const char *a = in->argv[i];

		if (strncmp(a, "--", 2) == 0) {
			if (strncmp(a, "--from", 6) == 0)
				return false; /* from another stage or image */
			continue;
		}
		if (strcmp(a, ".") == 0 || strcmp(a, "./") == 0 || strcmp(a, "*") == 0 ||
		    strcmp(a, "./*") == 0)
			return true;
	}
	return false;
}

int fa_scan_dockerfile(const fa_scan_ctx *c, const char *path, const char *text, size_t len,
		       const char *dockerignore, size_t di_len, fa_results *out,
		       fa_parse_error *err)
{
	static const int checks[] = { FA_CK_SECRETS_DOCKERFILE, FA_CK_IMAGE_UNPINNED };
	emitter e;
	fa_dockerfile df;
	const char **stages = NULL;
	const fa_df_instr *user = NULL, *last_from = NULL, *copy_all = NULL;
	size_t i, k;
	int rc;

	memset(&e, 0, sizeof(e));
	e.c = c;
	e.path = path;
	e.out = out;
	rc = fa_dockerfile_parse(text, len, &df, err);
	if (rc == FA_PARSE_ENOMEM)
		return -1;
	if (rc)
		return FA_SCAN_UNPARSED;
	stages = calloc(df.n_stages + 1, sizeof(*stages));
	if (!stages) {
		fa_dockerfile_release(&df);
		return -1;
	}
	for (i = 0; i < df.n && !e.err; i++) {
		const fa_df_instr *in = &df.items[i];

		if (strcmp(in->cmd, "FROM") == 0) {
			const char *alias = NULL, *img = from_image(in, &alias);
			bool stage_ref = false;
			fa_msg m;
			int pin;

			last_from = in;
			user = NULL; /* USER does not carry across stages */
			copy_all = NULL;
			for (k = 0; img && k < in->stage; k++)
				if (stages[k] && strcasecmp(stages[k], img) == 0)
					stage_ref = true;
			stages[in->stage] = alias;
			if (!img || stage_ref || strcmp(img, "scratch") == 0)
				continue;
			pin = image_pinned(img);
			fa_msg_init(&m);
			if (pin == 1) {
				fa_msg_addf(&m, "FROM %s is pinned", img);
				emit(&e, FA_CK_IMAGE_UNPINNED, FA_STATUS_PASS, img, in->line, fa_msg_str(&m));
			} else if (pin == 0) {
				fa_msg_addf(&m, "FROM %s uses the latest tag (or no tag)", img);
				emit(&e, FA_CK_IMAGE_UNPINNED, FA_STATUS_FAIL, img, in->line, fa_msg_str(&m));
			} else {
				fa_msg_addf(&m, "FROM %s names its image through a build argument", img);
				emit(&e, FA_CK_IMAGE_UNPINNED, FA_STATUS_UNKNOWN, img, in->line,
				     fa_msg_str(&m));
			}
		} else if (strcmp(in->cmd, "USER") == 0) {
			user = in;
		} else if (strcmp(in->cmd, "ENV") == 0 || strcmp(in->cmd, "ARG") == 0) {
			df_pairs(&e, in);
		} else if (copies_context(in)) {
			copy_all = in;
		}
	}
	/* the final stage's last USER decides */
	if (!e.err) {
		fa_msg m;

		fa_msg_init(&m);
		if (!user) {
			fa_msg_add(&m, "the final stage sets no USER: the container runs as root");
			emit(&e, FA_CK_RUNS_AS_ROOT, FA_STATUS_FAIL, NULL,
			     last_from ? last_from->line : 1, fa_msg_str(&m));
		} else if (user->argc == 0 || is_root_user(user->argv[0])) {
			fa_msg_add(&m, "the final stage runs as root (USER root)");
			emit(&e, FA_CK_RUNS_AS_ROOT, FA_STATUS_FAIL, NULL, user->line, fa_msg_str(&m));
		} else if (strchr(user->argv[0], '$')) {
			fa_msg_add(&m, "USER is set from a build argument: cannot tell");
			emit(&e, FA_CK_RUNS_AS_ROOT, FA_STATUS_UNKNOWN, NULL, user->line, fa_msg_str(&m));
		} else {
			fa_msg_addf(&m, "the final stage runs as %s", user->argv[0]);
			emit(&e, FA_CK_RUNS_AS_ROOT, FA_STATUS_PASS, NULL, user->line, fa_msg_str(&m));
		}
	}
	if (!e.err && copy_all) {
		fa_msg m;
		bool excl = dockerignore && fa_dockerignore_excludes(dockerignore, di_len, ".env") &&
			    fa_dockerignore_excludes(dockerignore, di_len, ".env.production");

		fa_msg_init(&m);
		if (excl) {
			fa_msg_add(&m, "the build copies the context; .dockerignore excludes .env files");
			emit(&e, FA_CK_ENV_FILE_COMMITTED, FA_STATUS_PASS, "build-context", copy_all->line,
			     fa_msg_str(&m));
		} else {
			fa_msg_add(&m, dockerignore
					       ? "the build copies the whole context and .dockerignore does not exclude .env files"
					       : "the build copies the whole context and there is no .dockerignore to exclude .env files");
			emit(&e, FA_CK_ENV_FILE_COMMITTED, FA_STATUS_FAIL, "build-context",
			     copy_all->line, fa_msg_str(&m));
		}
	}
	e.ran[FA_CK_IMAGE_UNPINNED] = true;
	e.failed[FA_CK_IMAGE_UNPINNED] = true; /* per FROM above, never a file-level pass */
	emit_passes(&e, checks, sizeof(checks) / sizeof(checks[0]),
		    "no ENV or ARG default holds a credential");
	free(stages);
	fa_dockerfile_release(&df);
	return e.err;
}

/* ---- workflows --------------------------------------------------------------------------- */

static bool is_sha40(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return s[40] == '\0';
}

static bool scalar(const fa_yaml_node *n)
{
	return n && n->type == FA_YAML_SCALAR && n->value;
}

/* "${{ secrets.NAME }}" and nothing else */
static bool is_secret_ref(const char *v)
{
	const char *p = v, *end;

	while (*p == ' ')
		p++;
	if (strncmp(p, "${{", 3) != 0)
		return false;
	p += 3;
	while (*p == ' ')
		p++;
	if (strncmp(p, "secrets.", 8) != 0)
		return false;
	p += 8;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	while (*p == ' ')
		p++;
	if (strncmp(p, "}}", 2) != 0)
		return false;
	end = p + 2;
	while (*end == ' ')
		end++;
	return *end == '\0';
}

static bool is_fly_token_var(const char *k)
{
	return strcmp(k, "FLY_API_TOKEN") == 0 || strcmp(k, "FLY_ACCESS_TOKEN") == 0;
}

static void wf_env(emitter *e, const fa_yaml_node *env)
{
	size_t i;

	if (!env || env->type != FA_YAML_MAP)
		return;
	for (i = 0; i < env->n && !e->err; i++) {
		const fa_yaml_node *k = env->keys[i], *v = env->items[i];
		fa_msg m;

		if (!scalar(k) || !is_fly_token_var(k->value))
			continue;
		fa_msg_init(&m);
		if (scalar(v) && is_secret_ref(v->value)) {
			fa_msg_addf(&m, "%s comes from the repository's secrets", k->value);
			emit(e, FA_CK_CI_TOKEN_NOT_SECRET, FA_STATUS_PASS, k->value, k->line,
			     fa_msg_str(&m));
		} else {
			fa_msg_addf(&m, "%s is set from something other than ${{ secrets.* }}", k->value);
			emit(e, FA_CK_CI_TOKEN_NOT_SECRET, FA_STATUS_FAIL, k->value, k->line,
			     fa_msg_str(&m));
		}
	}
}

/* The line of the n-th newline-separated line of a block scalar starting at `line`:
 * a literal block (`run: |`) starts on the next line. */
static unsigned run_line(const fa_yaml_node *run, const char *at)
{
	unsigned line = run->line;
	const char *p;

	if (!run->plain && strchr(run->value, '\n'))
		line++; /* block scalar: its text starts below the key */
	for (p = run->value; p < at; p++)
		line += *p == '\n';
	return line;
}

static void wf_run(emitter *e, const fa_yaml_node *run)
{
	const char *v, *p;

	if (!scalar(run))
		return;
	v = run->value;
	/* FLY_API_TOKEN=... / export FLY_ACCESS_TOKEN=... in a shell line */
	for (p = v; (p = strstr(p, "FLY_")) != NULL; p++) {
		const char *name_end = p + strcspn(p, "= \t\n");
		char name[32];
		size_t nn = (size_t)(name_end - p);
		fa_msg m;

		if (nn >= sizeof(name) || *name_end != '=' || (p > v && (isalnum((unsigned char)p[-1]) || p[-1] == '_')))
			continue;
		memcpy(name, p, nn);
		name[nn] = '\0';
		if (!is_fly_token_var(name))
			continue;
		{
			char val[256];
			size_t vn = strcspn(name_end + 1, " \t\n;");

			if (vn >= sizeof(val))
				vn = sizeof(val) - 1;
			memcpy(val, name_end + 1, vn);
			val[vn] = '\0';
			/* "$FLY_API_TOKEN"-style references and secrets pass */
			if (val[0] == '$' || (val[0] == '"' && val[1] == '$') ||
			    strstr(val, "secrets."))
				continue;
		}
		fa_msg_init(&m);
		fa_msg_addf(&m, "a run step sets %s to a literal value", name);
		emit(e, FA_CK_CI_TOKEN_NOT_SECRET, FA_STATUS_FAIL, name, run_line(run, p),
		     fa_msg_str(&m));
	}
	/* fly tokens create ... without -x / --expiry */
	for (p = v; (p = strstr(p, "tokens create")) != NULL; p++) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[512];
		fa_msg m;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		if (strstr(line, " -x") || strstr(line, "--expiry"))
			continue;
		fa_msg_init(&m);
		fa_msg_add(&m, "`fly tokens create` without an expiry (-x): the token lives 20 years");
		emit(e, FA_CK_CI_TOKEN_NOT_SECRET, FA_STATUS_FAIL, "tokens-create", run_line(run, p),
		     fa_msg_str(&m));
	}
	/* --build-arg NAME=${{ secrets.X }} or a secret-like NAME */
	for (p = v; (p = strstr(p, "--build-arg")) != NULL; p++) {
		const char *a = p + 11;
		char name[128];
		size_t nn;
		bool secret;
		fa_msg m;

		while (*a == ' ' || *a == '=' || *a == '"' || *a == '\'')
			a++;
		nn = strcspn(a, "= \t\n\"'");
		if (nn == 0 || nn >= sizeof(name))
			continue;
		memcpy(name, a, nn);
		name[nn] = '\0';
		{
			const char *eol = a + strcspn(a, " \t\n");
			const char *sec = strstr(a, "secrets.");

			secret = (sec && sec < eol) || fa_secret_name_looks_secret(name);
		}
		if (!secret)
			continue;
		fa_msg_init(&m);
		fa_msg_addf(&m, "--build-arg %s passes a secret to the build (it stays in the image history)",
			    name);
		emit(e, FA_CK_CI_SECRET_BUILD_ARG, FA_STATUS_FAIL, name, run_line(run, p),
		     fa_msg_str(&m));
	}
}

static void wf_uses(emitter *e, const fa_yaml_node *uses)
{
	const char *v, *at;
	fa_msg m;

	if (!scalar(uses))
		return;
	v = uses->value;
	if (strncmp(v, "./", 2) == 0)
		return; /* an action of this repository */
	fa_msg_init(&m);
	if (strncmp(v, "docker://", 9) == 0) {
		if (strstr(v, "@sha256:")) {
			fa_msg_addf(&m, "%s is pinned by digest", v);
			emit(e, FA_CK_CI_ACTION_UNPINNED, FA_STATUS_PASS, v, uses->line, fa_msg_str(&m));
		} else {
			fa_msg_addf(&m, "%s is used by tag, not by digest", v);
			emit(e, FA_CK_CI_ACTION_UNPINNED, FA_STATUS_FAIL, v, uses->line, fa_msg_str(&m));
		}
		return;
	}
	at = strrchr(v, '@');
	if (at && is_sha40(at + 1)) {
		fa_msg_addf(&m, "%s is pinned to a commit", v);
		emit(e, FA_CK_CI_ACTION_UNPINNED, FA_STATUS_PASS, v, uses->line, fa_msg_str(&m));
	} else {
		fa_msg_addf(&m, "%s is used by branch or tag, not by commit SHA", v);
		emit(e, FA_CK_CI_ACTION_UNPINNED, FA_STATUS_FAIL, v, uses->line, fa_msg_str(&m));
	}
}

int fa_scan_workflow(const fa_scan_ctx *c, const char *path, const char *text, size_t len,
		     fa_results *out, fa_parse_error *err)
{
	static const int checks[] = { FA_CK_CI_TOKEN_NOT_SECRET, FA_CK_CI_SECRET_BUILD_ARG };
	emitter e;
	fa_yaml_doc doc;
	const fa_yaml_node *jobs;
	size_t i, k;
	int rc;

	memset(&e, 0, sizeof(e));
	e.c = c;
	e.path = path;
	e.out = out;
	rc = fa_yaml_parse(text, len, &doc, err);
	if (rc == FA_PARSE_ENOMEM)
		return -1;
	if (rc)
		return FA_SCAN_UNPARSED;
	if (doc.root && doc.root->type != FA_YAML_MAP) {
		if (err) {
			err->line = doc.root->line;
			snprintf(err->msg, sizeof(err->msg), "a workflow must be a mapping");
		}
		fa_yaml_release(&doc);
		return FA_SCAN_UNPARSED;
	}
	wf_env(&e, fa_yaml_get(doc.root, "env", NULL));
	jobs = fa_yaml_get(doc.root, "jobs", NULL);
	for (i = 0; jobs && jobs->type == FA_YAML_MAP && i < jobs->n && !e.err; i++) {
		const fa_yaml_node *job = jobs->items[i], *steps;

		wf_env(&e, fa_yaml_get(job, "env", NULL));
		wf_uses(&e, fa_yaml_get(job, "uses", NULL)); /* reusable workflows */
		steps = fa_yaml_get(job, "steps", NULL);
		for (k = 0; steps && steps->type == FA_YAML_SEQ && k < steps->n && !e.err; k++) {
			const fa_yaml_node *st = steps->items[k];

			wf_env(&e, fa_yaml_get(st, "env", NULL));
			wf_uses(&e, fa_yaml_get(st, "uses", NULL));
			wf_run(&e, fa_yaml_get(st, "run", NULL));
		}
	}
	emit_passes(&e, checks, sizeof(checks) / sizeof(checks[0]),
		    "the workflow takes Fly tokens from secrets and passes no secret as a build argument");
	fa_yaml_release(&doc);
	return e.err;
}

/* ---- fly.toml ---------------------------------------------------------------------------- */

static const int private_ports[] = { 22, 2375, 2376, 2379, 2380, 3306, 5432, 5433, 5672,
	6379, 9042, 9092, 9200, 9300, 11211, 15672, 27017 };

static bool private_port(int64_t p)
{
	size_t i;

	for (i = 0; i < sizeof(private_ports) / sizeof(private_ports[0]); i++)
		if (private_ports[i] == p)
			return true;
	return false;
}

static bool has_string(const fa_toml_value *arr, const char *s)
{
	size_t i;

	for (i = 0; i < fa_toml_array_size(arr); i++) {
		const char *v = NULL;

		if (fa_toml_as_string(fa_toml_array_at(arr, i), &v, NULL) == 0 && strcasecmp(v, s) == 0)
			return true;
	}
	return false;
}

static bool weak_tls(const fa_toml_value *tls)
{
	const fa_toml_value *vs = fa_toml_table_get(tls, "versions");

	return has_string(vs, "TLSv1.0") || has_string(vs, "TLSv1.1") || has_string(vs, "TLSv1");
}

/* auto_stop_machines: true / "stop" / "suspend" pass; false / "off" / absent fail. */
static bool autostop_on(const fa_toml_value *svc)
{
	const fa_toml_value *v = fa_toml_table_get(svc, "auto_stop_machines");
	const char *s = NULL;
	bool b = false;

	if (fa_toml_as_bool(v, &b) == 0)
		return b;
	if (fa_toml_as_string(v, &s, NULL) == 0)
		return strcmp(s, "stop") == 0 || strcmp(s, "suspend") == 0;
	return false;
}

/* ---- process groups ([processes]), as flyctl hands sections to machines ---------------
 *
 * A fly.toml's [processes] maps group names to commands; with none, the app has the one
 * group "app". A section (http_service, [[services]], a [checks] entry, [[mounts]], [[vm]])
 * with `processes = [...]` goes to the machines of those groups; one without it goes to the
 * DEFAULT group only: "app" when declared (or nothing is), else the first name in byte
 * order (flyctl's Flatten and DefaultProcessName). A section naming only groups that
 * [processes] does not declare reaches no machine. */

#define MAX_GROUPS 64 /* process groups compared; a file or app with more is not compared */

typedef struct procs {
	const fa_toml_value *table; /* [processes]; NULL when absent or not a table */
	size_t n;                   /* its groups */
	const char *def;            /* the default group */
} procs;

static bool key_ok(const fa_toml_key *k)
{
	return k->name && strlen(k->name) == k->len && k->len > 0;
}

static void procs_init(procs *p, const fa_toml_value *root)
{
	const fa_toml_value *t = fa_toml_table_get(root, "processes");
	bool have_app = false;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->def = "app";
	if (fa_toml_type_of(t) != FA_TOML_TABLE)
		return;
	p->table = t;
	for (i = 0; i < fa_toml_table_size(t); i++) {
		fa_toml_key k;

		if (!fa_toml_table_at(t, i, &k) || !key_ok(&k))
			continue;
		if (strcmp(k.name, "app") == 0)
			have_app = true;
		if (!p->n || strcmp(k.name, p->def) < 0)
			p->def = k.name;
		p->n++;
	}
	if (!p->n || have_app)
		p->def = "app";
}

/* Whether the file declares group g (with no [processes]: only "app"). */
static bool procs_declared(const procs *p, const char *g)
{
	if (!p->n)
		return strcmp(g, "app") == 0;
	return fa_toml_table_get(p->table, g) != NULL;
}

/* Whether section `sec` goes to the machines of group g. Names in `processes` that are
 * not strings are ignored (flyctl refuses them); none left: the default group. */
static bool applies(const procs *p, const fa_toml_value *sec, const char *g)
{
	const fa_toml_value *ps = fa_toml_table_get(sec, "processes");
	size_t i, named = 0;

	for (i = 0; i < fa_toml_array_size(ps); i++) {
		const char *s = NULL;

		if (fa_toml_as_string(fa_toml_array_at(ps, i), &s, NULL) != 0)
			continue;
		named++;
		if (strcmp(s, g) == 0)
			return true;
	}
	return named == 0 && strcmp(g, p->def) == 0;
}

/* A set of group names (borrowed), to tell which groups several sections reach without
 * comparing every pair of sections (a hostile file may hold thousands). */
#define MAX_NAMES 256

typedef struct groupset {
	const char *names[MAX_NAMES];
	size_t n;
	bool over; /* more names than fit: taken as reaching every group */
} groupset;

static void gs_add(groupset *gs, const char *g)
{
	size_t i;

	for (i = 0; i < gs->n; i++)
		if (strcmp(gs->names[i], g) == 0)
			return;
	if (gs->n == MAX_NAMES)
		gs->over = true;
	else
		gs->names[gs->n++] = g;
}

/* Adds the groups section `sec` goes to. */
static void gs_section(groupset *gs, const procs *p, const fa_toml_value *sec)
{
	const fa_toml_value *ps = fa_toml_table_get(sec, "processes");
	size_t i, named = 0;

	for (i = 0; i < fa_toml_array_size(ps) && !gs->over; i++) {
		const char *s = NULL;

		if (fa_toml_as_string(fa_toml_array_at(ps, i), &s, NULL) != 0)
			continue;
		named++;
		gs_add(gs, s);
	}
	if (!named)
		gs_add(gs, p->def);
}

/* Whether a [checks] entry reaches a group section sec goes to (`checks`: the groups of
 * every [checks] entry). */
static bool top_checks_for(const procs *p, const groupset *checks, const fa_toml_value *sec)
{
	groupset mine;
	size_t i, k;

	if (checks->over)
		return true;
	memset(&mine, 0, sizeof(mine));
	gs_section(&mine, p, sec);
	if (mine.over)
		return checks->n > 0;
	for (i = 0; i < mine.n; i++)
		for (k = 0; k < checks->n; k++)
			if (strcmp(mine.names[i], checks->names[k]) == 0)
				return true;
	return false;
}

/* "NAME (processes web, worker; worker is not in [processes])": which machines a section's
 * results are about, when it names its groups. */
static void section_label(const procs *p, const fa_toml_value *sec, const char *name, char *out,
			  size_t n)
{
	const fa_toml_value *ps = fa_toml_table_get(sec, "processes");
	size_t i, used, named = 0, undeclared = 0;

	snprintf(out, n, "%s", name);
	for (i = 0; i < fa_toml_array_size(ps); i++) {
		const char *s = NULL;

		if (fa_toml_as_string(fa_toml_array_at(ps, i), &s, NULL) != 0)
			continue;
		used = strlen(out);
		snprintf(out + used, n - used, "%s%s", named++ ? ", " : " (processes ", s);
	}
	if (!named)
		return;
	for (i = 0; i < fa_toml_array_size(ps); i++) {
		const char *s = NULL;

		if (fa_toml_as_string(fa_toml_array_at(ps, i), &s, NULL) != 0 || procs_declared(p, s))
			continue;
		used = strlen(out);
		snprintf(out + used, n - used, "%s%s",
			 undeclared++ ? ", " : "; not in [processes], so on no machine: ", s);
	}
	used = strlen(out);
	snprintf(out + used, n - used, ")");
}

/* One service: http_service (is_http) or one [[services]] entry. */
static void toml_service(emitter *e, const fa_toml_value *svc, const char *name, const char *label,
			 bool is_http, bool top_checks)
{
	const fa_toml_value *ports = fa_toml_table_get(svc, "ports");
	int64_t internal = 0;
	bool force = false, public_svc = is_http || fa_toml_array_size(ports) > 0;
	bool checks = top_checks;
	unsigned line = fa_toml_line(svc);
	size_t i;
	fa_msg m;

	fa_toml_as_int(fa_toml_table_get(svc, "internal_port"), &internal);
	fa_toml_as_bool(fa_toml_table_get(svc, "force_https"), &force);
	if (!public_svc)
		return;
	if (fa_toml_array_size(fa_toml_table_get(svc, "checks")) ||
	    fa_toml_array_size(fa_toml_table_get(svc, "http_checks")) ||
	    fa_toml_array_size(fa_toml_table_get(svc, "tcp_checks")))
		checks = true;

	/* private service behind a public port */
	{
		bool bad = private_port(internal);
		unsigned bad_line = fa_toml_line(fa_toml_table_get(svc, "internal_port"));

		for (i = 0; i < fa_toml_array_size(ports); i++) {
			const fa_toml_value *p = fa_toml_array_at(ports, i);
			int64_t port = 0;

			fa_toml_as_int(fa_toml_table_get(p, "port"), &port);
			if (private_port(port) || has_string(fa_toml_table_get(p, "handlers"), "pg_tls")) {
				bad = true;
				bad_line = fa_toml_line(p);
			}
		}
		fa_msg_init(&m);
		if (bad) {
			fa_msg_addf(&m, "%s exposes internal port %lld publicly", label, (long long)internal);
			emit(e, FA_CK_PRIVATE_SERVICE_PUBLIC, FA_STATUS_FAIL, name, bad_line ? bad_line : line,
			     fa_msg_str(&m));
		} else {
			fa_msg_addf(&m, "%s exposes no private-service port", label);
			emit(e, FA_CK_PRIVATE_SERVICE_PUBLIC, FA_STATUS_PASS, name, line, fa_msg_str(&m));
		}
	}
	/* https */
	{
		bool http_plain = false, weak = false;
		unsigned hl = line, wl = line;

		if (is_http) {
			http_plain = !force;
			hl = fa_toml_line(fa_toml_table_get(svc, "force_https"));
			hl = hl ? hl : line;
			if (weak_tls(fa_toml_table_get(svc, "tls_options"))) {
				weak = true;
				wl = fa_toml_line(fa_toml_table_get(svc, "tls_options"));
			}
		}
		for (i = 0; i < fa_toml_array_size(ports); i++) {
			const fa_toml_value *p = fa_toml_array_at(ports, i);
			const fa_toml_value *h = fa_toml_table_get(p, "handlers");
			bool pf = false;

			fa_toml_as_bool(fa_toml_table_get(p, "force_https"), &pf);
			if (has_string(h, "http") && !has_string(h, "tls") && !pf && !force) {
				http_plain = true;
				hl = fa_toml_line(p);
			}
			if (weak_tls(fa_toml_table_get(p, "tls_options"))) {
				weak = true;
				wl = fa_toml_line(fa_toml_table_get(p, "tls_options"));
			}
		}
		fa_msg_init(&m);
		fa_msg_addf(&m, http_plain ? "%s serves plain HTTP without force_https = true"
					   : "%s forces HTTPS", label);
		emit(e, FA_CK_HTTPS_NOT_FORCED, http_plain ? FA_STATUS_FAIL : FA_STATUS_PASS, name,
		     http_plain ? hl : line, fa_msg_str(&m));
		fa_msg_init(&m);
		fa_msg_addf(&m, weak ? "%s allows TLS 1.0 or 1.1 (tls_options.versions)"
				     : "%s allows no TLS version below 1.2", label);
		emit(e, FA_CK_WEAK_PROTOCOLS, weak ? FA_STATUS_FAIL : FA_STATUS_PASS, name,
		     weak ? wl : line, fa_msg_str(&m));
	}
	fa_msg_init(&m);
	fa_msg_addf(&m, checks ? "%s has health checks" : "%s is public and has no health checks", label);
	emit(e, FA_CK_CHECKS_MISSING, checks ? FA_STATUS_PASS : FA_STATUS_FAIL, name, line,
	     fa_msg_str(&m));
	{
		bool on = autostop_on(svc);
		unsigned al = fa_toml_line(fa_toml_table_get(svc, "auto_stop_machines"));

		fa_msg_init(&m);
		fa_msg_addf(&m, on ? "%s stops idle machines" : "%s has auto_stop_machines off or unset",
			    label);
		emit(e, FA_CK_AUTOSTOP_DISABLED, on ? FA_STATUS_PASS : FA_STATUS_FAIL, name,
		     al ? al : line, fa_msg_str(&m));
	}
}

static void toml_env(emitter *e, const fa_toml_value *env)
{
	size_t i;
	fa_msg m;

	for (i = 0; i < fa_toml_table_size(env) && !e->err; i++) {
		fa_toml_key key;
		const fa_toml_value *v = fa_toml_table_at(env, i, &key);
		const char *s = NULL;
		uint32_t bits;

		if (fa_toml_as_string(v, &s, NULL) != 0 || strlen(key.name) != key.len)
			continue;
		bits = classify(key.name, s);
		if (!bits)
			continue;
		fa_msg_init(&m);
		fa_msg_addf(&m, "[env] %s holds a credential (", key.name);
		detectors(&m, bits);
		fa_msg_add(&m, "); use `fly secrets set`");
		emit(e, FA_CK_PLAINTEXT_ENV, FA_STATUS_FAIL, key.name, key.line, fa_msg_str(&m));
	}
	if (!e->failed[FA_CK_PLAINTEXT_ENV]) {
		fa_msg_init(&m);
		fa_msg_add(&m, "[env] holds no credential");
		emit(e, FA_CK_PLAINTEXT_ENV, FA_STATUS_PASS, NULL, 0, fa_msg_str(&m));
	}
}

int fa_scan_fly_toml(const fa_scan_ctx *c, const char *path, const char *text, size_t len,
		     fa_results *out, fa_parse_error *err)
{
	emitter e;
	fa_toml *doc = NULL;
	fa_toml_error terr;
	const fa_toml_value *root, *svcs, *http, *img;
	const char *app = NULL, *s = NULL;
	char label[512];
	groupset checks;
	procs p;
	size_t i;
	int rc;

	memset(&e, 0, sizeof(e));
	memset(&terr, 0, sizeof(terr));
	e.c = c;
	e.path = path;
	e.out = out;
	rc = fa_toml_parse(&doc, text, len, &terr);
	if (rc == FA_TOML_ENOMEM)
		return -1;
	if (rc) {
		if (err) {
			err->line = terr.line;
			snprintf(err->msg, sizeof(err->msg), "%s", terr.msg[0] ? terr.msg : "not TOML");
		}
		return FA_SCAN_UNPARSED;
	}
	root = fa_toml_root(doc);
	if (fa_toml_as_string(fa_toml_table_get(root, "app"), &app, NULL) == 0 && app[0])
		e.app = app;
	toml_env(&e, fa_toml_table_get(root, "env"));
	procs_init(&p, root);
	memset(&checks, 0, sizeof(checks));
	for (i = 0; i < fa_toml_table_size(fa_toml_table_get(root, "checks")); i++)
		gs_section(&checks, &p, fa_toml_table_at(fa_toml_table_get(root, "checks"), i, NULL));
	http = fa_toml_table_get(root, "http_service");
	if (fa_toml_type_of(http) == FA_TOML_TABLE) {
		section_label(&p, http, "[http_service]", label, sizeof(label));
		toml_service(&e, http, "[http_service]", label, true, top_checks_for(&p, &checks, http));
	}
	svcs = fa_toml_table_get(root, "services");
	for (i = 0; i < fa_toml_array_size(svcs) && !e.err; i++) {
		const fa_toml_value *sv = fa_toml_array_at(svcs, i);
		char name[48];

		snprintf(name, sizeof(name), "[[services]] #%zu", i + 1);
		section_label(&p, sv, name, label, sizeof(label));
		toml_service(&e, sv, name, label, false, top_checks_for(&p, &checks, sv));
	}
	img = fa_toml_get(root, "build.image");
	if (!e.err && fa_toml_as_string(img, &s, NULL) == 0) {
		int pin = image_pinned(s);
		fa_msg m;

		fa_msg_init(&m);
		fa_msg_addf(&m, pin == 1 ? "[build] image %s is pinned"
					 : "[build] image %s uses the latest tag (or no tag)", s);
		emit(&e, FA_CK_IMAGE_UNPINNED, pin == 1 ? FA_STATUS_PASS : FA_STATUS_FAIL, s,
		     fa_toml_line(img), fa_msg_str(&m));
	}
	fa_toml_free(doc);
	return e.err;
}

/* ---- token literals ---------------------------------------------------------------------- */

static bool token_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '+' || ch == '/' || ch == '=' ||
	       ch == ',' || ch == '-';
}

/* fo1_ tokens are opaque: 40 or more base64url characters, nothing else */
static bool opaque_token_shape(const char *s, size_t n)
{
	size_t i;

	if (n < 40 || n > 200)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static const char *find_prefix(const char *p, const char *end)
{
	static const char *const prefixes[] = { "fm2_", "fm1r_", "fm1a_", "fo1_" };
	const char *best = NULL;
	size_t i;

	for (i = 0; i < 4; i++) {
		size_t pl = strlen(prefixes[i]);
		const char *q = p;

		while (q + pl <= end) {
			const char *h = memchr(q, prefixes[i][0], (size_t)(end - q));

			if (!h || h + pl > end)
				break;
			if (memcmp(h, prefixes[i], pl) == 0 && (h == p || !token_char(h[-1]) || h[-1] == ',')) {
				if (!best || h < best)
					best = h;
				break;
			}
			q = h + 1;
		}
	}
	return best;
}

int fa_scan_token_literals(const fa_scan_ctx *c, const char *path, const char *text, size_t len,
			   fa_results *out)
{
	emitter e;
	const char *p = text, *end = text + len;

	memset(&e, 0, sizeof(e));
	e.c = c;
	e.path = path;
	e.out = out;
	while (p < end && !e.err) {
		const char *t = find_prefix(p, end), *q;
		fa_token_info *info = NULL;
		unsigned line = 1;
		size_t n;
		fa_msg m;
		int rc;

		if (!t)
			break;
		for (q = t; q < end && token_char(*q); q++)
			;
		n = (size_t)(q - t);
		p = q;
		if (n < 32)
			continue; /* "fm2_" in prose, not a token */
		if (strncmp(t, "fo1_", 4) == 0 && !opaque_token_shape(t + 4, n - 4))
			continue; /* an opaque token cannot be decoded: its shape must fit */
		rc = fa_macaroon_decode(t, n, c ? c->now : 0, &info, NULL, 0);
		if (rc == FA_MAC_ENOMEM)
			return -1;
		if (rc != 0 || !info || (info->kind != FA_TOKEN_KIND_MACAROON && strncmp(t, "fo1_", 4) != 0)) {
			fa_token_info_free(info);
			continue; /* not confirmed: not reported */
		}
		for (q = text; q < t; q++)
			line += *q == '\n';
		fa_msg_init(&m);
		if (info->kind == FA_TOKEN_KIND_MACAROON) {
			fa_buf d = FA_BUF_INIT(4096);

			fa_msg_add(&m, "a Fly token is committed: ");
			if (fa_whoami_text(info, c ? c->now : 0, &d) < 0 || !d.data) {
				fa_token_info_free(info);
				return -1; /* out of memory: never a result without what it can do */
			}
			d.data[strcspn(d.data, "\n")] = '\0';
			fa_msg_add(&m, d.data);
			fa_buf_release(&d);
		} else {
			fa_msg_add(&m, "a Fly user token (fo1_, opaque) is committed: it acts as its user on every org the user can reach");
		}
		{
			char item[32];

			snprintf(item, sizeof(item), "token@%u", line);
			emit(&e, FA_CK_CI_TOKEN_HARDCODED, FA_STATUS_FAIL, item, line, fa_msg_str(&m));
		}
		fa_token_info_free(info);
	}
	return e.err;
}

/* ---- .env files ---------------------------------------------------------------------------- */

bool fa_scan_is_env_file(const char *path)
{
	const char *base = strrchr(path, '/');
	static const char *const templates[] = { ".example", ".sample", ".template", ".dist",
		".defaults", ".tmpl", NULL };
	size_t i, n;

	base = base ? base + 1 : path;
	if (strncmp(base, ".env", 4) != 0 || (base[4] && base[4] != '.'))
		return false;
	n = strlen(base);
	for (i = 0; templates[i]; i++) {
		size_t tn = strlen(templates[i]);

		if (n >= tn && strcmp(base + n - tn, templates[i]) == 0)
			return false;
	}
	return true;
}

int fa_scan_env_file(const fa_scan_ctx *c, const char *path, fa_results *out)
{
	emitter e;

	memset(&e, 0, sizeof(e));
	e.c = c;
	e.path = path;
	e.out = out;
	return emit(&e, FA_CK_ENV_FILE_COMMITTED, FA_STATUS_FAIL, NULL, 1,
		    "a .env file is committed to the repository");
}

/* ---- audit --repo: fly.toml against the live app ---------------------------------------- */

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted, space-separated rendering of up to 64 words. */
static int join_sorted(fa_buf *b, const char **words, size_t n)
{
	size_t i;

	qsort(words, n, sizeof(*words), cmp_cstr);
	for (i = 0; i < n; i++) {
		if (i && strcmp(words[i], words[i - 1]) == 0)
			continue;
		if (fa_buf_printf(b, "%s%s", b->len ? " " : "", words[i]))
			return -1;
	}
	return fa_buf_add(b, "", 0);
}

static void handlers_str(char *out, size_t n, uint32_t h)
{
	snprintf(out, n, "%s%s%s%s", h & FA_HANDLER_HTTP ? "http" : "",
		 (h & FA_HANDLER_HTTP) && (h & (FA_HANDLER_TLS | FA_HANDLER_PG_TLS)) ? "+" : "",
		 h & FA_HANDLER_TLS ? "tls" : "", h & FA_HANDLER_PG_TLS ? "pg_tls" : "");
	if (!*out)
		snprintf(out, n, "%s", h ? "other" : "none");
}

static uint32_t toml_handlers(const fa_toml_value *arr)
{
	uint32_t h = 0;

	if (has_string(arr, "http"))
		h |= FA_HANDLER_HTTP;
	if (has_string(arr, "tls"))
		h |= FA_HANDLER_TLS;
	if (has_string(arr, "pg_tls"))
		h |= FA_HANDLER_PG_TLS;
	return h;
}

/* The repository's view of one setting, and the line it comes from. */
typedef struct setting {
	const char *name;
	fa_buf repo;
	unsigned line;
} setting;

enum { S_FORCE_HTTPS, S_PORTS, S_PUBLIC_INTERNAL, S_TLS, S_CHECKS, S_AUTOSTOP, S_ENV, S_IMAGE, S_N };

/* The settings the machines of process group `group` get from the file. */
static int repo_settings(const fa_toml_value *root, const procs *pg, const char *group, setting *s,
			 bool *have_image)
{
	const fa_toml_value *http = fa_toml_table_get(root, "http_service");
	const fa_toml_value *svcs = fa_toml_table_get(root, "services");
	const fa_toml_value *env = fa_toml_table_get(root, "env");
	const char *words[256];
	char tmp[64];
	size_t nw = 0, i, k;
	bool force = false, weak = false, checks, autostop = false, first_svc = true;
	const char *img = NULL;

	if (fa_toml_type_of(http) != FA_TOML_TABLE || !applies(pg, http, group))
		http = NULL;
	/* ports and handlers, public internal ports */
	if (http) {
		int64_t ip = 0;

		fa_toml_as_bool(fa_toml_table_get(http, "force_https"), &force);
		s[S_FORCE_HTTPS].line = fa_toml_line(fa_toml_table_get(http, "force_https"));
		if (!s[S_FORCE_HTTPS].line)
			s[S_FORCE_HTTPS].line = fa_toml_line(http);
		fa_toml_as_int(fa_toml_table_get(http, "internal_port"), &ip);
		snprintf(tmp, sizeof(tmp), "%lld", (long long)ip);
		if (fa_buf_adds(&s[S_PUBLIC_INTERNAL].repo, tmp))
			return -1;
		words[nw++] = "80:http";
		words[nw++] = "443:http+tls";
		weak = weak_tls(fa_toml_table_get(http, "tls_options"));
		autostop = autostop_on(http);
		s[S_AUTOSTOP].line = fa_toml_line(fa_toml_table_get(http, "auto_stop_machines"));
		if (!s[S_AUTOSTOP].line)
			s[S_AUTOSTOP].line = fa_toml_line(http);
		s[S_PORTS].line = s[S_PUBLIC_INTERNAL].line = s[S_TLS].line = fa_toml_line(http);
		first_svc = false;
	}
	{
		char portbuf[64][48];
		size_t np = 0;

		for (i = 0; i < fa_toml_array_size(svcs); i++) {
			const fa_toml_value *sv = fa_toml_array_at(svcs, i);
			const fa_toml_value *ports = fa_toml_table_get(sv, "ports");
			int64_t ip = 0;

			if (!fa_toml_array_size(ports) || !applies(pg, sv, group))
				continue;
			fa_toml_as_int(fa_toml_table_get(sv, "internal_port"), &ip);
			snprintf(tmp, sizeof(tmp), "%lld", (long long)ip);
			if (fa_buf_printf(&s[S_PUBLIC_INTERNAL].repo, "%s%s",
					  s[S_PUBLIC_INTERNAL].repo.len ? " " : "", tmp))
				return -1;
			if (first_svc) {
				if (!s[S_FORCE_HTTPS].line)
					s[S_FORCE_HTTPS].line = fa_toml_line(sv);
				autostop = autostop_on(sv);
				s[S_AUTOSTOP].line = fa_toml_line(sv);
				s[S_PORTS].line = s[S_PUBLIC_INTERNAL].line = s[S_TLS].line = fa_toml_line(sv);
				first_svc = false;
			}
			for (k = 0; k < fa_toml_array_size(ports) && np < 64 && nw < 250; k++) {
				const fa_toml_value *p = fa_toml_array_at(ports, k);
				int64_t port = 0;
				bool pf = false;
				char h[32];

				fa_toml_as_int(fa_toml_table_get(p, "port"), &port);
				handlers_str(h, sizeof(h), toml_handlers(fa_toml_table_get(p, "handlers")));
				snprintf(portbuf[np], sizeof(portbuf[np]), "%lld:%s", (long long)port, h);
				words[nw++] = portbuf[np++];
				if (weak_tls(fa_toml_table_get(p, "tls_options")))
					weak = true;
				if (fa_toml_as_bool(fa_toml_table_get(p, "force_https"), &pf) == 0 && pf)
					force = true;
			}
		}
		if (join_sorted(&s[S_PORTS].repo, words, nw))
			return -1;
	}
	if (fa_buf_adds(&s[S_FORCE_HTTPS].repo, force ? "true" : "false") ||
	    fa_buf_adds(&s[S_TLS].repo, weak ? "TLS 1.0/1.1 allowed" : "TLS 1.2+ only") ||
	    fa_buf_adds(&s[S_AUTOSTOP].repo, autostop ? "on" : "off"))
		return -1;
	/* checks anywhere */
	checks = fa_toml_array_size(fa_toml_table_get(http, "checks")) > 0;
	for (i = 0; i < fa_toml_table_size(fa_toml_table_get(root, "checks")); i++)
		if (applies(pg, fa_toml_table_at(fa_toml_table_get(root, "checks"), i, NULL), group))
			checks = true;
	for (i = 0; i < fa_toml_array_size(svcs); i++) {
		const fa_toml_value *sv = fa_toml_array_at(svcs, i);

		if (!applies(pg, sv, group))
			continue;
		if (fa_toml_array_size(fa_toml_table_get(sv, "http_checks")) ||
		    fa_toml_array_size(fa_toml_table_get(sv, "tcp_checks")) ||
		    fa_toml_array_size(fa_toml_table_get(sv, "checks")))
			checks = true;
	}
	if (fa_buf_adds(&s[S_CHECKS].repo, checks ? "present" : "none"))
		return -1;
	s[S_CHECKS].line = s[S_PORTS].line;
	/* env names */
	nw = 0;
	for (i = 0; i < fa_toml_table_size(env) && nw < 256; i++) {
		fa_toml_key key;

		if (fa_toml_table_at(env, i, &key) && strlen(key.name) == key.len)
			words[nw++] = key.name;
	}
	if (join_sorted(&s[S_ENV].repo, words, nw))
		return -1;
	s[S_ENV].line = fa_toml_line(env);
	/* image */
	*have_image = fa_toml_as_string(fa_toml_get(root, "build.image"), &img, NULL) == 0;
	if (*have_image) {
		if (fa_buf_adds(&s[S_IMAGE].repo, img))
			return -1;
		s[S_IMAGE].line = fa_toml_line(fa_toml_get(root, "build.image"));
	}
	return 0;
}

/* The same settings, as one live machine has them. */
static int live_settings(const fa_machine *m, fa_buf *v /* [S_N] */)
{
	const char *words[256];
	char portbuf[64][48];
	char tmp[32];
	size_t nw = 0, np = 0, i, k;
	bool force = false, weak = false, checks = m->n_checks > 0, autostop = false, first = true;

	for (i = 0; i < m->n_services; i++) {
		const fa_service *sv = &m->services[i];

		if (sv->n_checks)
			checks = true;
		if (!sv->n_ports)
			continue;
		snprintf(tmp, sizeof(tmp), "%d", sv->internal_port);
		if (fa_buf_printf(&v[S_PUBLIC_INTERNAL], "%s%s", v[S_PUBLIC_INTERNAL].len ? " " : "", tmp))
			return -1;
		if (first) {
			autostop = sv->autostop == FA_AUTOSTOP_STOP || sv->autostop == FA_AUTOSTOP_SUSPEND;
			first = false;
		}
		for (k = 0; k < sv->n_ports && np < 64 && nw < 250; k++) {
			const fa_port *p = &sv->ports[k];
			char h[32];

			handlers_str(h, sizeof(h), p->handlers);
			snprintf(portbuf[np], sizeof(portbuf[np]), "%d:%s", p->port, h);
			words[nw++] = portbuf[np++];
			if (p->tls_versions & (FA_TLSV_1_0 | FA_TLSV_1_1))
				weak = true;
			if (p->force_https == FA_TRI_TRUE)
				force = true;
		}
	}
	if (join_sorted(&v[S_PORTS], words, nw) ||
	    fa_buf_adds(&v[S_FORCE_HTTPS], force ? "true" : "false") ||
	    fa_buf_adds(&v[S_TLS], weak ? "TLS 1.0/1.1 allowed" : "TLS 1.2+ only") ||
	    fa_buf_adds(&v[S_AUTOSTOP], autostop ? "on" : "off") ||
	    fa_buf_adds(&v[S_CHECKS], checks ? "present" : "none") ||
	    fa_buf_adds(&v[S_IMAGE], m->image ? m->image : ""))
		return -1;
	if (fa_buf_add(&v[S_PUBLIC_INTERNAL], "", 0))
		return -1;
	nw = 0;
	for (i = 0; i < m->env.n_vars && nw < 256; i++) {
		const char *n = m->env.vars[i].name;

		/* the platform's own variables are not in fly.toml */
		if (!n || strncmp(n, "FLY_", 4) == 0 || strcmp(n, "PRIMARY_REGION") == 0)
			continue;
		words[nw++] = n;
	}
	return join_sorted(&v[S_ENV], words, nw);
}

/* ---- the fly.toml as audit --repo holds it ---------------------------------------------- */

/* One [env] entry: its name and line, and the keyed hash of its value (never the value). */
typedef struct fly_env {
	char *name;
	unsigned line;
	bool comparable; /* a string (no NUL), integer or boolean: flyctl deploys those as text */
	unsigned char hash[FA_ENV_HASH_LEN];
} fly_env;

/* One process group of the file and the settings its machines get. */
typedef struct fly_group {
	char *name;
	unsigned line; /* its key in [processes]; 0 for the implicit "app" */
	char *val[S_N];
	unsigned lines[S_N];
} fly_group;

struct fa_fly_toml {
	char *app;
	bool hashed;   /* [env] values were hashed with the run's key */
	bool declared; /* [processes] names at least one group */
	bool capped;   /* more than MAX_GROUPS groups: process groups are not compared */
	unsigned proc_line;
	fly_group *groups; /* never empty */
	size_t n_groups, def;
	bool have_image;
	fly_env *env;
	size_t n_env;
};

void fa_fly_toml_free(fa_fly_toml *t)
{
	size_t i, k;

	if (!t)
		return;
	for (i = 0; i < t->n_groups; i++) {
		free(t->groups[i].name);
		for (k = 0; k < S_N; k++)
			free(t->groups[i].val[k]);
	}
	for (i = 0; i < t->n_env; i++)
		free(t->env[i].name);
	free(t->groups);
	free(t->env);
	free(t->app);
	free(t);
}

const char *fa_fly_toml_app_name(const fa_fly_toml *t)
{
	return t ? t->app : NULL;
}

static int group_add(fa_fly_toml *t, const fa_toml_value *root, const procs *pg, const char *name,
		     unsigned line)
{
	fly_group *g = &t->groups[t->n_groups];
	setting s[S_N];
	size_t k;
	int rc = 0;

	memset(g, 0, sizeof(*g));
	t->n_groups++;
	g->line = line;
	if (!(g->name = strdup(name)))
		return -1;
	for (k = 0; k < S_N; k++) {
		s[k].line = 0;
		fa_buf_init(&s[k].repo, 65536);
	}
	if (repo_settings(root, pg, name, s, &t->have_image) < 0)
		rc = -1;
	for (k = 0; k < S_N && !rc; k++) {
		g->val[k] = strdup(s[k].repo.data ? s[k].repo.data : "");
		g->lines[k] = s[k].line;
		if (!g->val[k])
			rc = -1;
	}
	for (k = 0; k < S_N; k++)
		fa_buf_release(&s[k].repo);
	return rc;
}

/* Hashes one [env] value as the live decoder hashes a machine's (flyctl deploys an integer
 * or a boolean as its text); any other type is kept as not comparable. */
static int env_add(fa_fly_toml *t, const fa_toml_key *k, const fa_toml_value *v,
		   const unsigned char *key)
{
	fly_env *e = &t->env[t->n_env];
	const char *s = NULL;
	size_t len = 0;
	int64_t n = 0;
	bool b = false;
	char tmp[32];
	int rc = 0;

	memset(e, 0, sizeof(*e));
	if (!(e->name = strdup(k->name)))
		return -1;
	t->n_env++;
	e->line = k->line;
	if (fa_toml_as_string(v, &s, &len) == 0) {
		/* a NUL inside (\u0000): what the machine ends up with is not ours to guess */
		e->comparable = !memchr(s, '\0', len);
	} else if (fa_toml_as_int(v, &n) == 0) {
		len = (size_t)snprintf(tmp, sizeof(tmp), "%lld", (long long)n);
		s = tmp;
		e->comparable = true;
	} else if (fa_toml_as_bool(v, &b) == 0) {
		s = b ? "true" : "false";
		len = strlen(s);
		e->comparable = true;
	}
	if (e->comparable && key)
		rc = fa_env_hash(key, s, len, e->hash);
	fa_memzero(tmp, sizeof(tmp));
	return rc;
}

int fa_fly_toml_read(const char *text, size_t len, const unsigned char *key, fa_fly_toml **out,
		     fa_parse_error *err)
{
	fa_toml *doc = NULL;
	fa_toml_error terr;
	const fa_toml_value *root, *env;
	fa_fly_toml *t = NULL;
	const char *app = NULL;
	procs pg;
	size_t i, n;
	int rc;

	*out = NULL;
	memset(&terr, 0, sizeof(terr));
	rc = fa_toml_parse(&doc, text, len, &terr);
	if (rc == FA_TOML_ENOMEM)
		return -1;
	if (rc) {
		if (err) {
			err->line = terr.line;
			snprintf(err->msg, sizeof(err->msg), "%s", terr.msg[0] ? terr.msg : "not TOML");
		}
		return FA_SCAN_UNPARSED;
	}
	root = fa_toml_root(doc);
	procs_init(&pg, root);
	n = pg.n ? pg.n : 1;
	if (n > MAX_GROUPS)
		n = MAX_GROUPS;
	env = fa_toml_table_get(root, "env");
	if (!(t = calloc(1, sizeof(*t))) || !(t->groups = calloc(n, sizeof(*t->groups))) ||
	    !(t->env = calloc(fa_toml_table_size(env) + 1, sizeof(*t->env))))
		goto oom;
	if (fa_toml_as_string(fa_toml_table_get(root, "app"), &app, NULL) == 0 && app[0] &&
	    !(t->app = strdup(app)))
		goto oom;
	t->hashed = key != NULL;
	t->declared = pg.n > 0;
	t->capped = pg.n > MAX_GROUPS;
	t->proc_line = fa_toml_line(pg.table);
	/* the settings each group's machines get (the implicit "app" when none is declared) */
	if (!pg.n && group_add(t, root, &pg, "app", 0) < 0)
		goto oom;
	/* the default group first (kept when there are more groups than are compared) */
	if (pg.n) {
		fa_toml_key k;

		if (!fa_toml_table_getn(pg.table, pg.def, strlen(pg.def), &k) ||
		    group_add(t, root, &pg, pg.def, k.line) < 0)
			goto oom;
	}
	for (i = 0; pg.n && i < fa_toml_table_size(pg.table) && t->n_groups < n; i++) {
		fa_toml_key k;

		if (!fa_toml_table_at(pg.table, i, &k) || !key_ok(&k) || strcmp(k.name, pg.def) == 0)
			continue;
		if (group_add(t, root, &pg, k.name, k.line) < 0)
			goto oom;
	}
	/* [env]: names, lines and keyed hashes; the values go with the tree, wiped */
	for (i = 0; i < fa_toml_table_size(env); i++) {
		fa_toml_key k;
		const fa_toml_value *v = fa_toml_table_at(env, i, &k);

		if (v && key_ok(&k) && env_add(t, &k, v, key) < 0)
			goto oom;
	}
	fa_toml_free(doc);
	*out = t;
	return 0;
oom:
	fa_toml_free(doc);
	fa_fly_toml_free(t);
	return -1;
}

/* ---- audit --repo: the fly.toml against the live app ------------------------------------ */

/* The machines whose settings are compared: started, with a config, not one-shot. */
static bool compared(const fa_machine *mc)
{
	return mc->has_config && mc->state && strcmp(mc->state, "started") == 0 && !mc->release_command;
}

/* The machines that make up the app's process groups: any not destroyed, but release
 * commands and the platform's own one-off groups (fly_app_console, ...). */
static bool counted(const fa_machine *mc)
{
	if (mc->release_command)
		return false;
	if (mc->state && (strcmp(mc->state, "destroyed") == 0 || strcmp(mc->state, "destroying") == 0))
		return false;
	return !mc->process_group || strncmp(mc->process_group, "fly_app_", 8) != 0;
}

/* The file's group a machine belongs to: a machine without group metadata (an older
 * deploy) is taken as the default group, as flyctl takes it. NULL: none of the file's. */
static const fly_group *group_of(const fa_fly_toml *t, const fa_machine *mc)
{
	size_t i;

	if (!mc->process_group)
		return &t->groups[t->def];
	for (i = 0; i < t->n_groups; i++)
		if (strcmp(t->groups[i].name, mc->process_group) == 0)
			return &t->groups[i];
	return NULL;
}

/* What the started machines say about one [env] name. */
typedef struct env_tally {
	const fly_env *v;
	size_t n_have, n_diff;
	const fa_machine *differs; /* the first machine whose value differs */
} env_tally;

static int cmp_tally(const void *a, const void *b)
{
	return strcmp(((const env_tally *)a)->v->name, ((const env_tally *)b)->v->name);
}

/* env values, by keyed hash: one fail per [env] name whose value differs on a started
 * machine that sets it; a name on one side only is env_names' (above). Each machine's
 * variables are looked up among the file's names, sorted: a file of many names held
 * against many machines stays linear-logarithmic. */
static void env_values(emitter *e, const fa_fly_toml *t, const fa_app *app)
{
	env_tally *tl;
	size_t i, j, n_common = 0, n_match = 0;
	unsigned first_line = 0;
	bool bad = false;

	if (!t->n_env)
		return;
	if (!(tl = calloc(t->n_env, sizeof(*tl)))) {
		e->err = -1;
		return;
	}
	for (i = 0; i < t->n_env; i++)
		tl[i].v = &t->env[i];
	qsort(tl, t->n_env, sizeof(*tl), cmp_tally);
	for (j = 0; j < app->n_machines; j++) {
		const fa_machine *mc = &app->machines[j];

		if (!compared(mc))
			continue;
		for (i = 0; i < mc->env.n_vars; i++) {
			const fa_env_var *lv = &mc->env.vars[i];
			fly_env key;
			env_tally probe, *hit;

			if (!lv->name)
				continue;
			key.name = lv->name;
			probe.v = &key;
			if (!(hit = bsearch(&probe, tl, t->n_env, sizeof(*tl), cmp_tally)))
				continue;
			hit->n_have++;
			if (t->hashed && hit->v->comparable &&
			    memcmp(lv->hash, hit->v->hash, FA_ENV_HASH_LEN) != 0) {
				if (!hit->differs)
					hit->differs = mc;
				hit->n_diff++;
			}
		}
	}
	/* results in the file's order */
	for (i = 0; i < t->n_env && !e->err; i++) {
		const fly_env *v = &t->env[i];
		env_tally probe, *x;
		char item[300];
		fa_msg m;

		probe.v = v;
		x = bsearch(&probe, tl, t->n_env, sizeof(*tl), cmp_tally);
		if (!x || !x->n_have)
			continue;
		if (!n_common++)
			first_line = v->line;
		if (!t->hashed)
			continue;
		snprintf(item, sizeof(item), "env_value:%s", v->name);
		fa_msg_init(&m);
		if (!v->comparable) {
			fa_msg_addf(&m, "env_value: [env] %s in the repository is not a string, integer or boolean (or holds a NUL), so its value is not compared",
				    v->name);
			emit(e, FA_CK_REPO_DRIFT, FA_STATUS_UNKNOWN, item, v->line ? v->line : 1, fa_msg_str(&m));
			bad = true;
		} else if (x->differs) {
			fa_msg_addf(&m, "env_value: the value of [env] %s differs from the one machine %s runs (%zu of %zu started machines that set it differ; compared by keyed hash, no value is shown)",
				    v->name, x->differs->id ? x->differs->id : "?", x->n_diff, x->n_have);
			emit(e, FA_CK_REPO_DRIFT, FA_STATUS_FAIL, item, v->line ? v->line : 1, fa_msg_str(&m));
			bad = true;
		} else {
			n_match++;
		}
	}
	free(tl);
	if (!n_common || e->err)
		return;
	if (!t->hashed) {
		fa_msg m;

		fa_msg_init(&m);
		fa_msg_addf(&m, "env_values: the values of the %zu [env] variables the machines also set are not compared: the live values were hashed with the key of the run that read them (a snapshot), and that key is never stored",
			    n_common);
		emit(e, FA_CK_REPO_DRIFT, FA_STATUS_UNKNOWN, "env_values", first_line ? first_line : 1,
		     fa_msg_str(&m));
	} else if (!bad) {
		fa_msg m;

		fa_msg_init(&m);
		fa_msg_addf(&m, "env_values: the %zu [env] values the started machines set match the repository (compared by keyed hash)",
			    n_match);
		emit(e, FA_CK_REPO_DRIFT, FA_STATUS_PASS, "env_values", first_line ? first_line : 1,
		     fa_msg_str(&m));
	}
}

/* Process groups: each group of the file that no live machine runs, and each live group
 * the file does not have, is a fail. */
static void process_groups(emitter *e, const fa_fly_toml *t, const fa_app *app)
{
	const char *live[MAX_GROUPS], *repo[MAX_GROUPS];
	const fa_machine *first[MAX_GROUPS];
	size_t nl = 0, i, j, n_machines = 0;
	unsigned line = t->proc_line ? t->proc_line : 1;
	bool capped = t->capped, bad = false;
	fa_buf rb = FA_BUF_INIT(0);
	char item[300];
	fa_msg m;

	for (i = 0; i < app->n_machines; i++) {
		const fa_machine *mc = &app->machines[i];
		const char *g;

		if (!counted(mc))
			continue;
		n_machines++;
		if (!mc->process_group && !mc->has_config) {
			/* no config to say which group it is (its host is not ok): unknown */
			fa_msg_init(&m);
			fa_msg_addf(&m, "processes: machine %s has no config (host status %s), so the process groups are not compared",
				    mc->id ? mc->id : "?", mc->host_status ? mc->host_status : "unknown");
			emit(e, FA_CK_REPO_DRIFT, FA_STATUS_UNKNOWN, "processes", line, fa_msg_str(&m));
			return;
		}
		g = mc->process_group ? mc->process_group : t->groups[t->def].name;
		for (j = 0; j < nl && strcmp(live[j], g) != 0; j++)
			;
		if (j < nl)
			continue;
		if (nl == MAX_GROUPS) {
			capped = true;
			break;
		}
		first[nl] = mc;
		live[nl++] = g;
	}
	if (!n_machines)
		return; /* no machine to hold the groups against (the settings above say why) */
	if (capped) {
		emit(e, FA_CK_REPO_DRIFT, FA_STATUS_UNKNOWN, "processes", line,
		     "processes: more than 64 process groups, so they are not compared");
		return;
	}
	for (i = 0; i < t->n_groups; i++)
		repo[i] = t->groups[i].name;
	if (join_sorted(&rb, repo, t->n_groups) < 0)
		goto oom;
	for (i = 0; i < t->n_groups && !e->err; i++) {
		for (j = 0; j < nl && strcmp(live[j], t->groups[i].name) != 0; j++)
			;
		if (j < nl)
			continue;
		snprintf(item, sizeof(item), "process_group:%s", t->groups[i].name);
		fa_msg_init(&m);
		fa_msg_addf(&m, "processes: process group %s is in the repository, no live machine runs it (the repository has \"%s\")",
			    t->groups[i].name, rb.data);
		emit(e, FA_CK_REPO_DRIFT, FA_STATUS_FAIL, item, t->groups[i].line ? t->groups[i].line : line,
		     fa_msg_str(&m));
		bad = true;
	}
	for (j = 0; j < nl && !e->err; j++) {
		for (i = 0; i < t->n_groups && strcmp(live[j], t->groups[i].name) != 0; i++)
			;
		if (i < t->n_groups)
			continue;
		snprintf(item, sizeof(item), "process_group:%s", live[j]);
		fa_msg_init(&m);
		fa_msg_addf(&m, "processes: live process group %s (machine %s) is not in the repository (the repository has \"%s\")",
			    live[j], first[j]->id ? first[j]->id : "?", rb.data);
		emit(e, FA_CK_REPO_DRIFT, FA_STATUS_FAIL, item, line, fa_msg_str(&m));
		bad = true;
	}
	if (!bad && !e->err) {
		fa_msg_init(&m);
		fa_msg_addf(&m, "processes: the repository and the %zu live machines have the same process groups (\"%s\")",
			    n_machines, rb.data);
		emit(e, FA_CK_REPO_DRIFT, FA_STATUS_PASS, "processes", line, fa_msg_str(&m));
	}
	goto done;
oom:
	e->err = -1;
done:
	fa_buf_release(&rb);
}

int fa_repo_drift(const fa_scan_ctx *c, const char *path, const fa_fly_toml *t, const fa_app *app,
		  fa_results *out)
{
	static const char *const names[S_N] = { "force_https", "ports", "public_internal_ports",
		"tls_versions", "health_checks", "auto_stop_machines", "env_names", "image" };
	emitter e;
	fa_buf live[S_N];
	fa_buf idb = FA_BUF_INIT(0);
	bool any = false;
	size_t i, k;

	memset(&e, 0, sizeof(e));
	e.c = c;
	e.path = path;
	e.out = out;
	e.app = app->name;
	e.type = "app";
	if (fa_buf_printf(&idb, "%s:%s", app->name ? app->name : "(no name)", path ? path : ""))
		return -1;
	e.id_base = idb.data; /* "APP:fly.toml": several fly.toml files of one app stay apart */
	for (k = 0; k < S_N; k++)
		fa_buf_init(&live[k], 65536);
	if (!fa_chk_loaded(app, FA_EP_MACHINES)) {
		fa_msg m;

		fa_msg_init(&m);
		fa_chk_load_reason(&m, app, FA_EP_MACHINES);
		emit(&e, FA_CK_REPO_DRIFT, FA_STATUS_UNKNOWN, "machines", 1, fa_msg_str(&m));
		goto done;
	}
	for (k = 0; k < S_N && !e.err; k++) {
		const fa_machine *differs = NULL;
		const fly_group *dg = NULL;
		/* env names and the image are the app's; the rest each group's */
		bool per_group = k != S_ENV && k != S_IMAGE;
		size_t n_diff = 0, n_seen = 0;
		const fly_group *d = &t->groups[t->def];
		fa_msg m;

		if (k == S_IMAGE && !t->have_image)
			continue;
		for (i = 0; i < app->n_machines; i++) {
			const fa_machine *mc = &app->machines[i];
			const fly_group *g = per_group ? group_of(t, mc) : d;
			size_t j;

			/* a machine of a group the file lacks is the process groups' fail below */
			if (!compared(mc) || !g)
				continue;
			for (j = 0; j < S_N; j++)
				fa_buf_reset(&live[j]);
			if (live_settings(mc, live) < 0)
				goto oom;
			n_seen++;
			if (strcmp(live[k].data ? live[k].data : "", g->val[k]) != 0) {
				if (!differs) {
					differs = mc; /* the message names the first one */
					dg = g;
				}
				n_diff++;
			}
		}
		if (!n_seen)
			continue;
		any = true;
		fa_msg_init(&m);
		if (differs) {
			char grp[200] = "", mgrp[200] = "";
			size_t j;

			for (j = 0; j < S_N; j++)
				fa_buf_reset(&live[j]);
			if (live_settings(differs, live) < 0)
				goto oom;
			if (per_group && t->declared) {
				snprintf(grp, sizeof(grp), " for process group %s", dg->name);
				snprintf(mgrp, sizeof(mgrp), " (group %s)", dg->name);
			}
			fa_msg_addf(&m, "%s: the repository says \"%s\"%s, machine %s%s runs \"%s\" (%zu of %zu started machines differ)",
				    names[k], dg->val[k], grp, differs->id ? differs->id : "?", mgrp,
				    live[k].data ? live[k].data : "", n_diff, n_seen);
			emit(&e, FA_CK_REPO_DRIFT, FA_STATUS_FAIL, names[k], dg->lines[k] ? dg->lines[k] : 1,
			     fa_msg_str(&m));
		} else if (per_group && t->declared && t->n_groups > 1) {
			fa_msg_addf(&m, "%s: the repository and the %zu started machines agree, group by group",
				    names[k], n_seen);
			emit(&e, FA_CK_REPO_DRIFT, FA_STATUS_PASS, names[k], d->lines[k] ? d->lines[k] : 1,
			     fa_msg_str(&m));
		} else {
			fa_msg_addf(&m, "%s: the repository and the %zu started machines agree (\"%s\")",
				    names[k], n_seen, d->val[k]);
			emit(&e, FA_CK_REPO_DRIFT, FA_STATUS_PASS, names[k], d->lines[k] ? d->lines[k] : 1,
			     fa_msg_str(&m));
		}
	}
	if (!any && !e.err)
		emit(&e, FA_CK_REPO_DRIFT, FA_STATUS_UNKNOWN, "machines", 1,
		     "no started machine with a config to compare the repository with");
	if (!e.err)
		env_values(&e, t, app);
	if (!e.err)
		process_groups(&e, t, app);
	goto done;
oom:
	e.err = -1;
done:
	for (k = 0; k < S_N; k++)
		fa_buf_release(&live[k]);
	fa_buf_release(&idb);
	return e.err;
}
