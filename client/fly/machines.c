/* fly/machines.c: GET /v1/apps/{app}/machines into the model. Env values are classified
 * and hashed as they are read, then dropped: nothing in the model holds one. */
#include "internal.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "flyaudit/secrets.h"

static const unsigned char zero_key[FA_API_HASH_KEY_LEN];
_Static_assert(FA_API_HASH_KEY_LEN == FA_ENV_KEY_LEN, "one env hash key length");

/* What the config decoder carries: the decoder context and the machine being read, so
 * a field of the wrong type is recorded on the machine (its first one wins). */
typedef struct mdec {
	fly_dec *d;
	fa_machine *m;
} mdec;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void mal(mdec *x, const char *fmt, ...)
{
	char path[160];
	va_list ap;

	if (x->m->malformed)
		return;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	x->m->malformed = fly_strdup(path);
	if (!x->m->malformed)
		x->d->oom = 1;
}

/* snprintf into a path buffer; a cut path is still a usable name for the field. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void subp(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, n, fmt, ap);
	va_end(ap);
}

/* obj[k] when it is an object; NULL when absent or null; malformed (and NULL) otherwise. */
static cJSON *get_obj(mdec *x, const cJSON *obj, const char *k, const char *path)
{
	cJSON *it = fly_get(obj, k);

	if (!it || cJSON_IsNull(it))
		return NULL;
	if (!cJSON_IsObject(it)) {
		mal(x, "%s%s%s", path, path[0] ? "." : "", k);
		return NULL;
	}
	return it;
}

static cJSON *get_arr(mdec *x, const cJSON *obj, const char *k, const char *path)
{
	cJSON *it = fly_get(obj, k);

	if (!it || cJSON_IsNull(it))
		return NULL;
	if (!cJSON_IsArray(it)) {
		mal(x, "%s%s%s", path, path[0] ? "." : "", k);
		return NULL;
	}
	return it;
}

static void dec_env(mdec *x, cJSON *obj, fa_env *env, const char *path)
{
	fly_dec *d = x->d;
	cJSON *c = NULL;
	size_t n = fly_n_children(obj);

	if (!obj || cJSON_IsNull(obj))
		return;
	if (!cJSON_IsObject(obj)) {
		mal(x, "%s", path);
		return;
	}
	if (n == 0)
		return;
	env->vars = fly_dalloc(d, n, sizeof(*env->vars));
	if (!env->vars)
		return;
	for (c = obj->child; c; c = c->next) {
		fa_env_var *v = NULL;
		size_t len;

		if (!c->string || !cJSON_IsString(c) || !c->valuestring) {
			mal(x, "%s.%s", path, c->string ? c->string : "?");
			continue; /* not a string: malformed, never "absent" */
		}
		v = &env->vars[env->n_vars++];
		v->name = fly_strdup(c->string);
		if (!v->name) {
			d->oom = 1;
			return;
		}
		len = strlen(c->valuestring);
		v->value_len = len;
		v->detectors = fa_secret_classify(c->string, c->valuestring, len);
		/* the same hash audit --repo makes of a fly.toml value (secrets.h) */
		if (fa_env_hash(d->key, c->valuestring, len, v->hash) < 0) {
			d->oom = 1;
			return;
		}
		/* the tree copy of the value is not needed any more */
		fa_memzero(c->valuestring, len);
	}
}

/* ---- credentials outside env: classified here, the value dropped --------------------- */

#define MAX_CRED_PLACES 4096 /* per scan: a config with more is still read, not all scanned */

static void cred_add(mdec *x, fa_cred_scan *cs, uint32_t det, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

static void cred_add(mdec *x, fa_cred_scan *cs, uint32_t det, const char *fmt, ...)
{
	char where[200];
	fa_cred_hit *nh = NULL;
	va_list ap;

	cs->n_places++;
	if (!det)
		return;
	if (cs->n_hits >= MAX_CRED_PLACES)
		return;
	nh = realloc(cs->hits, (cs->n_hits + 1) * sizeof(*nh));
	if (!nh) {
		x->d->oom = 1;
		return;
	}
	cs->hits = nh;
	va_start(ap, fmt);
	vsnprintf(where, sizeof(where), fmt, ap);
	va_end(ap);
	nh[cs->n_hits].detectors = det;
	nh[cs->n_hits].where = fly_strdup(where);
	if (!nh[cs->n_hits].where) {
		x->d->oom = 1;
		return;
	}
	cs->n_hits++;
}

static bool ci_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = (char)(*a >= 'A' && *a <= 'Z' ? *a + 32 : *a);
		char cb = (char)(*b >= 'A' && *b <= 'Z' ? *b + 32 : *b);

		if (ca != cb)
			return false;
	}
	return !*a && !*b;
}

/* A header value: its credential formats, its name as an env name would be judged
 * (X-Api-Key reads as X_API_KEY), and the headers that carry credentials by nature. */
static uint32_t classify_header(const char *name, const char *v)
{
	char norm[128];
	size_t i, len = strlen(v);
	uint32_t det;

	for (i = 0; name[i] && i + 1 < sizeof(norm); i++)
		norm[i] = name[i] == '-' ? '_' : name[i];
	norm[i] = '\0';
	det = fa_secret_classify(norm, v, len);
	if ((ci_eq(name, "authorization") || ci_eq(name, "proxy-authorization") ||
	     ci_eq(name, "cookie")) &&
	    len >= 8)
		det |= FA_DET_SECRET_NAME;
	return det;
}

/* headers[] {name, values[]} of a check (machine, service or container). */
static void scan_headers(mdec *x, const cJSON *arr, fa_cred_scan *cs, const char *label,
			 const char *path)
{
	const cJSON *h = NULL, *v = NULL;
	size_t i = 0;

	if (!arr || cJSON_IsNull(arr))
		return;
	if (!cJSON_IsArray(arr)) {
		mal(x, "%s.headers", path);
		return;
	}
	EACH(h, arr) {
		const char *name = fly_get_s(h, "name");
		const cJSON *vals = fly_get(h, "values");

		if (!cJSON_IsObject(h) || !name || (vals && !cJSON_IsArray(vals) && !cJSON_IsNull(vals))) {
			mal(x, "%s.headers[%zu]", path, i);
			i++;
			continue;
		}
		EACH(v, cJSON_IsArray(vals) ? vals : NULL) {
			if (!cJSON_IsString(v) || !v->valuestring) {
				mal(x, "%s.headers[%zu].values", path, i);
				continue;
			}
			cred_add(x, cs, classify_header(name, v->valuestring), "%s header %s", label,
				 name);
			fa_memzero(v->valuestring, strlen(v->valuestring));
		}
		i++;
	}
}

/* One argument of a command line: its value alone, `NAME=value` / `--name=value`, and a
 * value that follows `--name`. */
static uint32_t classify_arg(const char *prev, const char *a)
{
	size_t len = strlen(a);
	uint32_t det = fa_secret_classify(NULL, a, len);
	const char *eq = strchr(a, '=');
	char name[128];

	if (eq && eq != a && (size_t)(eq - a) < sizeof(name)) {
		const char *n = a;

		while (*n == '-')
			n++;
		if (n < eq) {
			memcpy(name, n, (size_t)(eq - n));
			name[eq - n] = '\0';
			det |= fa_secret_classify(name, eq + 1, strlen(eq + 1));
		}
	}
	if (prev && prev[0] == '-' && !strchr(prev, '=')) {
		const char *n = prev;

		while (*n == '-')
			n++;
		if (*n && strlen(n) < sizeof(name)) {
			strcpy(name, n);
			det |= fa_secret_classify(name, a, len);
		}
	}
	return det;
}

static void scan_cmdline(mdec *x, const cJSON *obj, fa_cred_scan *cs, const char *label,
			 const char *path)
{
	static const char *const keys[] = { "exec", "entrypoint", "cmd" };
	size_t k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const cJSON *arr = get_arr(x, obj, keys[k], path), *it = NULL;
		const char *prev = NULL;
		size_t i = 0;

		EACH(it, arr) {
			i++;
			if (!cJSON_IsString(it) || !it->valuestring) {
				mal(x, "%s.%s[%zu]", path, keys[k], i - 1);
				prev = NULL;
				continue;
			}
			cred_add(x, cs, classify_arg(prev, it->valuestring), "%s%s argument %zu",
				 label, keys[k], i);
			prev = it->valuestring;
		}
		/* the values are not needed any more */
		EACH(it, arr) {
			if (cJSON_IsString(it) && it->valuestring)
				fa_memzero(it->valuestring, strlen(it->valuestring));
		}
	}
}

static uint32_t classify_file(const char *path, const unsigned char *buf, size_t len)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	uint32_t det;
	size_t i = 0;

	base = base ? base + 1 : path;
	det = fa_secret_classify(NULL, (const char *)buf, len) & FA_DET_VALUE_MASK;
	/* .env style lines: NAME=value, judged as env vars are */
	while (i < len) {
		size_t e = i, eq = 0;
		char name[128];

		while (e < len && buf[e] != '\n')
			e++;
		for (eq = i; eq < e && buf[eq] != '='; eq++)
			;
		if (eq < e && eq > i) {
			size_t ns = i, nl;

			if (e - i > 7 && memcmp(buf + i, "export ", 7) == 0)
				ns = i + 7;
			nl = eq - ns;
			if (nl > 0 && nl < sizeof(name)) {
				size_t vs = eq + 1, ve = e;

				memcpy(name, buf + ns, nl);
				name[nl] = '\0';
				if (ve > vs && buf[ve - 1] == '\r')
					ve--;
				if (ve - vs >= 2 && (buf[vs] == '"' || buf[vs] == '\'') &&
				    buf[ve - 1] == buf[vs]) {
					vs++;
					ve--;
				}
				det |= fa_secret_classify(name, (const char *)buf + vs, ve - vs);
			}
		}
		i = e + 1;
	}
	(void)base;
	return det;
}

static void scan_files(mdec *x, const cJSON *obj, fa_cred_scan *cs, const char *label,
		       const char *path)
{
	const cJSON *arr = get_arr(x, obj, "files", path), *f = NULL;
	size_t i = 0;

	EACH(f, arr) {
		const char *gp = fly_get_s(f, "guest_path");
		const cJSON *raw = fly_get(f, "raw_value");
		unsigned char *buf = NULL;
		size_t rl, cap;
		int n;

		if (!cJSON_IsObject(f)) {
			mal(x, "%s.files[%zu]", path, i++);
			continue;
		}
		if (!raw || cJSON_IsNull(raw)) {
			cs->n_places++; /* secret_name or image_config: the safe forms */
			i++;
			continue;
		}
		if (!cJSON_IsString(raw) || !raw->valuestring) {
			mal(x, "%s.files[%zu].raw_value", path, i++);
			continue;
		}
		rl = strlen(raw->valuestring);
		cap = rl / 4 * 3 + 3;
		if (rl % 4 != 0 || !(buf = malloc(cap + 1))) {
			if (rl % 4 != 0)
				mal(x, "%s.files[%zu].raw_value", path, i);
			else
				x->d->oom = 1;
			i++;
			continue;
		}
		n = rl ? EVP_DecodeBlock(buf, (const unsigned char *)raw->valuestring, (int)rl) : 0;
		if (n < 0) {
			mal(x, "%s.files[%zu].raw_value", path, i);
		} else {
			size_t dl = (size_t)n;

			if (rl >= 1 && raw->valuestring[rl - 1] == '=')
				dl--;
			if (rl >= 2 && raw->valuestring[rl - 2] == '=')
				dl--;
			cred_add(x, cs, classify_file(gp, buf, dl), "%sfile %s", label,
				 gp ? gp : "(no guest_path)");
		}
		fa_memzero(buf, cap + 1);
		free(buf);
		fa_memzero(raw->valuestring, rl);
		i++;
	}
}

/* ---- machines ------------------------------------------------------------------------ */

/* A port number: absent is 0; present, it is an integer 1..65535 or malformed. */
static int get_port(mdec *x, const cJSON *obj, const char *k, const char *path)
{
	cJSON *it = fly_get(obj, k);
	double v;

	if (!it)
		return 0;
	if (!cJSON_IsNumber(it)) {
		mal(x, "%s.%s", path, k);
		return 0;
	}
	v = it->valuedouble;
	if (!(v >= 1 && v <= 65535) || v != (double)(int)v) {
		mal(x, "%s.%s", path, k);
		return 0;
	}
	return (int)v;
}

static uint32_t handler_bit(const char *h)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} tab[] = {
		{ "http", FA_HANDLER_HTTP },
		{ "tls", FA_HANDLER_TLS },
		{ "proxy_proto", FA_HANDLER_PROXY_PROTO },
		{ "pg_tls", FA_HANDLER_PG_TLS },
		{ "edge_http", FA_HANDLER_EDGE_HTTP },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		const char *a = tab[i].name, *b = h;

		/* case-insensitive: "HTTP" is read as http, never as unknown */
		while (*a && *b && (*a == (char)(*b | (*b >= 'A' && *b <= 'Z' ? 0x20 : 0)))) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return tab[i].bit;
	}
	return FA_HANDLER_OTHER;
}

static uint32_t tls_bit(const char *v)
{
	if (strcmp(v, "TLSv1.0") == 0)
		return FA_TLSV_1_0;
	if (strcmp(v, "TLSv1.1") == 0)
		return FA_TLSV_1_1;
	if (strcmp(v, "TLSv1.2") == 0)
		return FA_TLSV_1_2;
	if (strcmp(v, "TLSv1.3") == 0)
		return FA_TLSV_1_3;
	return FA_TLSV_OTHER;
}

/* http_options.response.headers: name -> string or list of strings (joined). */
static void dec_resp_headers(mdec *x, const cJSON *hs, fa_port *p, const char *path)
{
	const cJSON *h = NULL;

	if (!hs)
		return;
	p->resp_headers = fly_dalloc(x->d, fly_n_children(hs), sizeof(*p->resp_headers));
	EACH(h, p->resp_headers ? hs : NULL) {
		fa_buf b;
		const cJSON *v = NULL;
		fa_header *out = NULL;

		if (x->d->oom)
			return;
		if (!h->string || !(cJSON_IsString(h) || cJSON_IsArray(h))) {
			mal(x, "%s.%s", path, h->string ? h->string : "?");
			continue;
		}
		fa_buf_init(&b, 8192);
		if (cJSON_IsString(h)) {
			fa_buf_add(&b, h->valuestring, strlen(h->valuestring));
		} else {
			EACH(v, h) {
				if (!cJSON_IsString(v))
					continue;
				if (b.len)
					fa_buf_add(&b, ", ", 2);
				fa_buf_add(&b, v->valuestring, strlen(v->valuestring));
			}
		}
		out = &p->resp_headers[p->n_resp_headers++];
		out->name = fly_strdup(h->string);
		out->value = b.data ? fly_buf_finish(&b) : fly_strdup("");
		if (!out->name || !out->value)
			x->d->oom = 1;
	}
}

static void dec_port(mdec *x, const cJSON *o, fa_port *p, const char *path)
{
	const cJSON *it = NULL, *arr = NULL;
	cJSON *tls = NULL, *http = NULL, *resp = NULL;
	char sub[200];
	size_t i = 0;

	p->port = get_port(x, o, "port", path);
	p->start_port = get_port(x, o, "start_port", path);
	p->end_port = get_port(x, o, "end_port", path);
	p->force_https = fly_get_tri(o, "force_https");
	arr = get_arr(x, o, "handlers", path);
	EACH(it, arr) {
		if (cJSON_IsString(it) && it->valuestring)
			p->handlers |= handler_bit(it->valuestring);
		else
			mal(x, "%s.handlers[%zu]", path, i);
		i++;
	}
	subp(sub, sizeof(sub), "%s.tls_options", path);
	tls = get_obj(x, o, "tls_options", path);
	arr = get_arr(x, tls, "versions", sub);
	EACH(it, arr) {
		if (cJSON_IsString(it) && it->valuestring)
			p->tls_versions |= tls_bit(it->valuestring);
		else
			mal(x, "%s.versions", sub);
	}
	p->default_self_signed = fly_get_tri(tls, "default_self_signed");
	http = get_obj(x, o, "http_options", path);
	subp(sub, sizeof(sub), "%s.http_options", path);
	resp = get_obj(x, http, "response", sub);
	subp(sub, sizeof(sub), "%s.http_options.response", path);
	dec_resp_headers(x, get_obj(x, resp, "headers", sub), p, sub);
}

static fa_autostop get_autostop(const cJSON *o)
{
	cJSON *it = fly_get(o, "autostop");

	if (cJSON_IsTrue(it))
		return FA_AUTOSTOP_STOP;
	if (cJSON_IsFalse(it))
		return FA_AUTOSTOP_OFF;
	if (cJSON_IsString(it) && it->valuestring) {
		if (strcmp(it->valuestring, "off") == 0)
			return FA_AUTOSTOP_OFF;
		if (strcmp(it->valuestring, "stop") == 0)
			return FA_AUTOSTOP_STOP;
		if (strcmp(it->valuestring, "suspend") == 0)
			return FA_AUTOSTOP_SUSPEND;
	}
	return FA_AUTOSTOP_UNSET;
}

static void dec_check_def(mdec *x, const cJSON *o, const char *name, fa_check_def *c,
			  const char *label, const char *path)
{
	fly_dec *d = x->d;

	if (name) {
		c->name = fly_strdup(name);
		if (!c->name)
			d->oom = 1;
	}
	c->type = fly_dstr(d, o, "type");
	c->port = get_port(x, o, "port", path);
	c->path = fly_dstr(d, o, "path");
	c->method = fly_dstr(d, o, "method");
	c->protocol = fly_dstr(d, o, "protocol");
	c->interval = fly_dstr(d, o, "interval");
	c->timeout = fly_dstr(d, o, "timeout");
	c->kind = fly_dstr(d, o, "kind");
	c->tls_skip_verify = fly_get_tri(o, "tls_skip_verify");
	scan_headers(x, fly_get(o, "headers"), &x->m->creds, label, path);
}

/* An array of service checks, or an object of machine checks (name -> check). */
static void dec_checks(mdec *x, const cJSON *src, int named, fa_check_def **out, size_t *n_out,
		       const char *path)
{
	const cJSON *it = NULL;
	size_t n, i = 0;

	if (!src || cJSON_IsNull(src))
		return;
	if (named ? !cJSON_IsObject(src) : !cJSON_IsArray(src)) {
		mal(x, "%s", path);
		return;
	}
	n = fly_n_children(src);
	*out = fly_dalloc(x->d, n, sizeof(**out));
	if (!*out)
		return;
	for (it = src->child; it && !x->d->oom; it = it->next, i++) {
		char sub[200], label[200];

		if (named) {
			subp(sub, sizeof(sub), "%s.%s", path, it->string ? it->string : "?");
			subp(label, sizeof(label), "check \"%s\"", it->string ? it->string : "?");
		} else {
			subp(sub, sizeof(sub), "%s[%zu]", path, i);
			/* "services[0].checks[1]": the place, as processes[0].cmd is named */
			subp(label, sizeof(label), "%s", sub + strlen("config."));
		}
		if (!cJSON_IsObject(it)) {
			mal(x, "%s", sub);
			continue;
		}
		dec_check_def(x, it, named ? it->string : NULL, &(*out)[(*n_out)++], label, sub);
	}
}

static void dec_service(mdec *x, const cJSON *o, fa_service *s, const char *path)
{
	fly_dec *d = x->d;
	cJSON *ports = get_arr(x, o, "ports", path);
	const cJSON *it = NULL;
	char sub[200];
	int v = 0;
	size_t i = 0;

	s->protocol = fly_dstr(d, o, "protocol");
	s->internal_port = get_port(x, o, "internal_port", path);
	s->autostop = get_autostop(o);
	s->autostart = fly_get_tri(o, "autostart");
	s->min_machines_running = -1;
	if (fly_num_int(fly_get(o, "min_machines_running"), 0, INT_MAX, &v))
		s->min_machines_running = v;
	if (ports) {
		s->ports = fly_dalloc(d, fly_n_children(ports), sizeof(*s->ports));
		EACH(it, s->ports ? ports : NULL) {
			subp(sub, sizeof(sub), "%s.ports[%zu]", path, i++);
			if (d->oom)
				break;
			if (cJSON_IsObject(it))
				dec_port(x, it, &s->ports[s->n_ports++], sub);
			else
				mal(x, "%s", sub);
		}
	}
	subp(sub, sizeof(sub), "%s.checks", path);
	dec_checks(x, fly_get(o, "checks"), 0, &s->checks, &s->n_checks, sub);
}

static int starts_with(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

static void dec_container(mdec *x, const cJSON *o, fa_container *c, const char *path)
{
	fly_dec *d = x->d;
	const cJSON *arr = NULL, *it = NULL;
	size_t i = 0;

	c->name = fly_dstr(d, o, "name");
	c->image = fly_dstr(d, o, "image");
	c->user = fly_dstr(d, o, "user");
	if (fly_get(o, "user") && !cJSON_IsNull(fly_get(o, "user")) && !fly_get_s(o, "user"))
		mal(x, "%s.user", path);
	{
		char sub[200];

		subp(sub, sizeof(sub), "%s.env", path);
		dec_env(x, fly_get(o, "env"), &c->env, sub);
	}
	arr = get_arr(x, o, "secrets", path);
	c->n_secrets = fly_n_children(arr);
	scan_cmdline(x, o, &c->creds, "", path);
	scan_files(x, o, &c->creds, "", path);
	arr = get_arr(x, o, "healthchecks", path);
	EACH(it, arr) {
		char sub[200], label[200];
		const char *hn = fly_get_s(it, "name");

		subp(sub, sizeof(sub), "%s.healthchecks[%zu]", path, i);
		if (!cJSON_IsObject(it)) {
			mal(x, "%s", sub);
			i++;
			continue;
		}
		c->n_healthchecks++;
		if (hn)
			subp(label, sizeof(label), "healthcheck \"%s\"", hn);
		else
			subp(label, sizeof(label), "healthcheck %zu", i);
		scan_headers(x, fly_get(fly_get(it, "http"), "headers"), &c->creds, label, sub);
		i++;
	}
}

static bool is_release_group(const char *g)
{
	return g && (strcmp(g, "release_command") == 0 || strcmp(g, "fly_app_release_command") == 0);
}

static void dec_config(mdec *x, cJSON *cfg, fa_machine *m)
{
	fly_dec *d = x->d;
	cJSON *arr = NULL, *it = NULL, *meta = NULL, *init = NULL;
	size_t i = 0;

	m->image = fly_dstr(d, cfg, "image");
	meta = get_obj(x, cfg, "metadata", "config");
	m->process_group = fly_dstr(d, meta, "fly_process_group");
	if (!m->process_group)
		m->process_group = fly_dstr(d, meta, "process_group");
	m->release_command = is_release_group(fly_get_s(meta, "fly_process_group")) ||
			     is_release_group(fly_get_s(meta, "process_group")) ||
			     (fly_get(meta, "fly_release_command") &&
			      !cJSON_IsNull(fly_get(meta, "fly_release_command")) &&
			      !cJSON_IsFalse(fly_get(meta, "fly_release_command")));
	dec_env(x, fly_get(cfg, "env"), &m->env, "config.env");

	arr = get_arr(x, cfg, "services", "config");
	if (arr) {
		m->services = fly_dalloc(d, fly_n_children(arr), sizeof(*m->services));
		i = 0;
		EACH(it, m->services ? arr : NULL) {
			char sub[64];

			subp(sub, sizeof(sub), "config.services[%zu]", i++);
			if (d->oom)
				break;
			if (cJSON_IsObject(it))
				dec_service(x, it, &m->services[m->n_services++], sub);
			else
				mal(x, "%s", sub);
		}
	}
	dec_checks(x, fly_get(cfg, "checks"), 1, &m->checks, &m->n_checks, "config.checks");

	init = get_obj(x, cfg, "init", "config");
	scan_cmdline(x, init, &m->creds, "init.", "config.init");
	scan_files(x, cfg, &m->creds, "", "config");

	arr = get_arr(x, cfg, "processes", "config");
	if (arr) {
		m->processes = fly_dalloc(d, fly_n_children(arr), sizeof(*m->processes));
		i = 0;
		EACH(it, m->processes ? arr : NULL) {
			fa_process *p = NULL;
			char sub[64], label[64];

			subp(sub, sizeof(sub), "config.processes[%zu]", i);
			subp(label, sizeof(label), "processes[%zu].", i++);
			if (d->oom)
				break;
			if (!cJSON_IsObject(it)) {
				mal(x, "%s", sub);
				continue;
			}
			p = &m->processes[m->n_processes++];
			p->user = fly_dstr(d, it, "user");
			{
				char esub[80];

				subp(esub, sizeof(esub), "%s.env", sub);
				dec_env(x, fly_get(it, "env"), &p->env, esub);
			}
			scan_cmdline(x, it, &m->creds, label, sub);
		}
	}

	arr = get_arr(x, cfg, "containers", "config");
	if (arr) {
		m->containers = fly_dalloc(d, fly_n_children(arr), sizeof(*m->containers));
		i = 0;
		EACH(it, m->containers ? arr : NULL) {
			char sub[64];

			subp(sub, sizeof(sub), "config.containers[%zu]", i++);
			if (d->oom)
				break;
			if (!cJSON_IsObject(it)) {
				mal(x, "%s", sub);
				continue;
			}
			dec_container(x, it, &m->containers[m->n_containers++], sub);
		}
	}

	arr = get_arr(x, cfg, "mounts", "config");
	if (arr) {
		m->mounts = fly_dalloc(d, fly_n_children(arr), sizeof(*m->mounts));
		EACH(it, m->mounts ? arr : NULL) {
			fa_mount *mt = NULL;

			if (!cJSON_IsObject(it))
				continue;
			mt = &m->mounts[m->n_mounts++];
			mt->volume = fly_dstr(d, it, "volume");
			mt->path = fly_dstr(d, it, "path");
			mt->name = fly_dstr(d, it, "name");
			mt->encrypted = fly_get_tri(it, "encrypted");
		}
	}
}

static void dec_machine(fly_dec *d, cJSON *o, fa_machine *m)
{
	cJSON *cfg = fly_get(o, "config");
	cJSON *arr = NULL, *it = NULL;
	mdec x = { d, m };

	m->id = fly_dstr(d, o, "id");
	m->name = fly_dstr(d, o, "name");
	m->state = fly_dstr(d, o, "state");
	m->region = fly_dstr(d, o, "region");
	m->instance_id = fly_dstr(d, o, "instance_id");
	m->private_ip = fly_dstr(d, o, "private_ip");
	m->host_status = fly_dstr(d, o, "host_status");
	m->created_at = fly_dstr(d, o, "created_at");
	m->updated_at = fly_dstr(d, o, "updated_at");
	m->image_digest = fly_dstr(d, fly_get(o, "image_ref"), "digest");
	if (cJSON_IsObject(cfg)) {
		m->has_config = true;
		dec_config(&x, cfg, m);
	} else {
		/* No config (host not ok): only the image of the rebuilt config is used. */
		m->has_config = false;
		if (cfg && !cJSON_IsNull(cfg))
			mal(&x, "config");
		m->image = fly_dstr(d, fly_get(o, "incomplete_config"), "image");
	}

	arr = fly_get(o, "checks");
	if (cJSON_IsArray(arr)) {
		m->check_status = fly_dalloc(d, fly_n_children(arr), sizeof(*m->check_status));
		EACH(it, m->check_status ? arr : NULL) {
			fa_check_status *cs = NULL;
			const char *name = fly_get_s(it, "name");

			if (!cJSON_IsObject(it))
				continue;
			if (name && starts_with(name, "bg_deployments_compat"))
				continue; /* fake checks flaps adds for old flyctl (fly-go strips them) */
			cs = &m->check_status[m->n_check_status++];
			cs->name = fly_dstr(d, it, "name");
			cs->status = fly_dstr(d, it, "status");
			cs->updated_at = fly_dstr(d, it, "updated_at");
		}
	}
}

static void machines_free(fa_machine *ms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fa_machine_release(&ms[i]);
	free(ms);
}

int fa_api_decode_machines(const char *body, size_t len, const unsigned char *hash_key,
			   fa_app *app, char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	fly_dec d = { 0, hash_key ? hash_key : zero_key };
	fa_machine *ms = NULL;
	size_t n = 0, i;
	int rc;

	if (!app) {
		fly_set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = fly_parse_array(body, len, "machines", "id", &root, &arr, err, errlen);
	if (rc)
		return rc;
	ms = fly_dalloc(&d, fly_n_children(arr), sizeof(*ms));
	EACH(it, ms ? arr : NULL) {
		if (d.oom)
			break;
		dec_machine(&d, it, &ms[n++]);
	}
	cJSON_Delete(root);
	if (d.oom) {
		machines_free(ms, n);
		return fly_oom_err(err, errlen);
	}
	if (n == 0) {
		free(ms);
		ms = NULL;
	}
	for (i = 0; i < app->n_machines; i++)
		fa_machine_release(&app->machines[i]);
	free(app->machines);
	app->machines = ms;
	app->n_machines = n;
	return 0;
}
