/* edge.c: `flymock --edge`, the demo org's public hostnames as Fly's edge would serve them,
 * with a planted problem on some, for the `audit --probe` tests (reached through
 * `--connect-to`). Four listeners: plain HTTP, HTTPS (TLS 1.2+), HTTPS that also accepts
 * TLS 1.0/1.1 (a pinned GnuTLS priority), and HTTPS with a short-lived certificate. Which
 * host answers how is decided by the Host header. It counts requests per Host, requests
 * that carried an Authorization header, and User-Agents other than flyaudit's probe one:
 * GET /__mock/edge-stats.
 *
 * Planted (the demo README's app names; every other host is clean: http redirects to
 * https, HSTS, 404 on every other path):
 *   http-only.fly.dev      plain HTTP answers with content (no redirect); meant to be routed
 *                          to the legacy listener, which completes TLS 1.0/1.1
 *   no-health.fly.dev      no Strict-Transport-Security
 *   always-on.example      meant for the listener whose certificate expires in 5 days
 *   leaky-env.fly.dev      serves /.env
 *   www.web-clean.example  a single-page app: every path answers 200 with the same shell
 *   sick-app.fly.dev       /admin answers 200 to anyone
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "flymock.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>

#define EDGE_MAX_HOSTS 256
#define EDGE_HOST_LEN 256
#define EDGE_UA "flyaudit/"
#define EDGE_UA_TAIL " (+probe)"

enum { L_HTTP = 0, L_HTTPS, L_LEGACY, L_EXPIRING, L_COUNT };
static const char *const listener_names[L_COUNT] = { "http", "https", "legacy", "expiring" };
static int listener_ids[L_COUNT] = { L_HTTP, L_HTTPS, L_LEGACY, L_EXPIRING };

static struct {
	pthread_mutex_t mu;
	char hosts[EDGE_MAX_HOSTS][EDGE_HOST_LEN];
	unsigned long counts[EDGE_MAX_HOSTS];
	size_t n_hosts;
	unsigned long total;
	unsigned long with_auth;
	unsigned long bad_ua;
	unsigned long by_listener[L_COUNT];
} E = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const char SHELL[] =
	"<!doctype html><html><head><title>web-clean</title></head>"
	"<body><div id=\"root\"></div><script src=\"/app.js\"></script></body></html>\n";
static const char DOTENV[] =
	"# planted by flymock: fake values\n"
	"DATABASE_URL=postgres://app:not-a-real-password@db.internal:5432/app\n"
	"SECRET_KEY_BASE=flymock-fake-secret-key-base\n";

static void count(const char *host, int listener, int auth, int ua_ok)
{
	size_t i;

	pthread_mutex_lock(&E.mu);
	E.total++;
	E.by_listener[listener]++;
	if (auth)
		E.with_auth++;
	if (!ua_ok)
		E.bad_ua++;
	for (i = 0; i < E.n_hosts; i++)
		if (strcmp(E.hosts[i], host) == 0)
			break;
	if (i == E.n_hosts && E.n_hosts < EDGE_MAX_HOSTS)
		snprintf(E.hosts[E.n_hosts++], EDGE_HOST_LEN, "%s", host);
	if (i < E.n_hosts)
		E.counts[i]++;
	pthread_mutex_unlock(&E.mu);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *body,
			     const char *location, int hsts, const char *ctype)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype ? ctype : "text/html; charset=utf-8");
	MHD_add_response_header(r, "Server", "Fly/flymock-edge");
	if (location)
		MHD_add_response_header(r, "Location", location);
	if (hsts)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve_stats(struct MHD_Connection *c)
{
	char buf[EDGE_MAX_HOSTS * (EDGE_HOST_LEN + 32) + 512];
	size_t off = 0, i;

	pthread_mutex_lock(&E.mu);
	off += (size_t)snprintf(buf + off, sizeof(buf) - off,
				"{\"total\":%lu,\"with_authorization\":%lu,\"bad_user_agent\":%lu,"
				"\"listeners\":{\"http\":%lu,\"https\":%lu,\"legacy\":%lu,\"expiring\":%lu},"
				"\"hosts\":{",
				E.total, E.with_auth, E.bad_ua, E.by_listener[L_HTTP], E.by_listener[L_HTTPS],
				E.by_listener[L_LEGACY], E.by_listener[L_EXPIRING]);
	for (i = 0; i < E.n_hosts && off < sizeof(buf) - EDGE_HOST_LEN - 40; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s\"%s\":%lu", i ? "," : "",
					E.hosts[i], E.counts[i]);
	snprintf(buf + off, sizeof(buf) - off, "}}\n");
	pthread_mutex_unlock(&E.mu);
	return reply(c, 200, buf, NULL, 0, "application/json");
}

/* The host part of a Host header (no port), lowercased; "?" when absent or odd. */
static void host_of(const char *hdr, char *out, size_t outlen)
{
	size_t i = 0;

	if (!hdr || !*hdr) {
		snprintf(out, outlen, "?");
		return;
	}
	for (; hdr[i] && hdr[i] != ':' && i + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)hdr[i];

		out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : (ch < 0x21 || ch > 0x7e) ? '?' : (char)ch;
	}
	out[i] = '\0';
}

static enum MHD_Result on_edge_request(void *cls, struct MHD_Connection *c, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_size, void **con_cls)
{
	int listener = *(const int *)cls;
	const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char host[EDGE_HOST_LEN], loc[EDGE_HOST_LEN + 16];
	int https = listener != L_HTTP, ua_ok;

	(void)version;
	(void)upload_data;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(url, "/__mock/edge-stats") == 0)
		return serve_stats(c);
	host_of(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"), host, sizeof(host));
	ua_ok = ua && strncmp(ua, EDGE_UA, strlen(EDGE_UA)) == 0 && strlen(ua) > strlen(EDGE_UA_TAIL) &&
		strcmp(ua + strlen(ua) - strlen(EDGE_UA_TAIL), EDGE_UA_TAIL) == 0;
	count(host, listener, auth != NULL, ua_ok);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, 405, "method not allowed\n", NULL, https, "text/plain");

	if (!https) {
		if (strcmp(host, "http-only.fly.dev") == 0)
			return reply(c, 200, "<html><body>http-only: served over plain HTTP</body></html>\n",
				     NULL, 0, NULL);
		snprintf(loc, sizeof(loc), "https://%s%s", host, url);
		return reply(c, 301, "", loc, 0, NULL);
	}
	if (strcmp(host, "www.web-clean.example") == 0)
		return reply(c, 200, SHELL, NULL, 1, NULL);
	if (strcmp(url, "/") == 0) {
		char body[EDGE_HOST_LEN + 64];

		snprintf(body, sizeof(body), "<html><body>%s home</body></html>\n", host);
		return reply(c, 200, body, NULL, strcmp(host, "no-health.fly.dev") != 0, NULL);
	}
	if (strcmp(host, "leaky-env.fly.dev") == 0 && strcmp(url, "/.env") == 0)
		return reply(c, 200, DOTENV, NULL, 1, "text/plain");
	if (strcmp(host, "sick-app.fly.dev") == 0 && strcmp(url, "/admin") == 0)
		return reply(c, 200, "<html><body>Admin dashboard: users, billing, settings</body></html>\n",
			     NULL, 1, NULL);
	if (strcmp(url, "/admin") == 0 || strcmp(url, "/admin/") == 0)
		return reply(c, 302, "", "/login", strcmp(host, "no-health.fly.dev") != 0, NULL);
	return reply(c, 404, "not found\n", NULL, strcmp(host, "no-health.fly.dev") != 0, "text/plain");
}

static char *slurp_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && len < 1024 * 1024 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else {
			buf[len] = '\0';
		}
	}
	fclose(f);
	return buf;
}

static struct MHD_Daemon *start(int id, struct sockaddr_in *sa, const char *cert, const char *key,
				const char *priorities)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_AUTO; /* no error log: refused handshakes are the point */

	if (!cert)
		return MHD_start_daemon(flags, 0, NULL, NULL, on_edge_request, &listener_ids[id],
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)sa,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_END);
	return MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, on_edge_request, &listener_ids[id],
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)sa,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
				MHD_OPTION_HTTPS_PRIORITIES, priorities, MHD_OPTION_END);
}

int fm_edge_main(int argc, char **argv)
{
	const char *cert_file = NULL, *key_file = NULL, *exp_cert_file = NULL, *exp_key_file = NULL;
	char *pem[4] = { NULL, NULL, NULL, NULL };
	struct MHD_Daemon *d[L_COUNT] = { NULL, NULL, NULL, NULL };
	unsigned int ports[L_COUNT] = { 0, 0, 0, 0 };
	struct sockaddr_in sa;
	sigset_t sigs;
	int i, sig = 0, rc = 1;

	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--edge") == 0 || strcmp(argv[i], "--quiet") == 0)
			continue;
		if (!v) {
			fprintf(stderr, "flymock --edge: %s wants a value\n", argv[i]);
			return 2;
		}
		if (strcmp(argv[i], "--tls-cert") == 0)
			cert_file = v;
		else if (strcmp(argv[i], "--tls-key") == 0)
			key_file = v;
		else if (strcmp(argv[i], "--expiring-cert") == 0)
			exp_cert_file = v;
		else if (strcmp(argv[i], "--expiring-key") == 0)
			exp_key_file = v;
		else {
			fprintf(stderr, "usage: flymock --edge --tls-cert PEM --tls-key PEM "
					"[--expiring-cert PEM --expiring-key PEM]\n");
			return 2;
		}
		i++;
	}
	if (!cert_file || !key_file || !exp_cert_file != !exp_key_file) {
		fprintf(stderr, "flymock --edge: --tls-cert and --tls-key are required "
				"(--expiring-cert and --expiring-key go together)\n");
		return 2;
	}
	pem[0] = slurp_file(cert_file);
	pem[1] = slurp_file(key_file);
	if (exp_cert_file) {
		pem[2] = slurp_file(exp_cert_file);
		pem[3] = slurp_file(exp_key_file);
	}
	if (!pem[0] || !pem[1] || (exp_cert_file && (!pem[2] || !pem[3]))) {
		fprintf(stderr, "flymock --edge: cannot read the certificates\n");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d[L_HTTP] = start(L_HTTP, &sa, NULL, NULL, NULL);
	d[L_HTTPS] = start(L_HTTPS, &sa, pem[0], pem[1], "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1");
	/* Fly's tls_options.versions = ["TLSv1.0", ...]: the old versions are allowed */
	d[L_LEGACY] = start(L_LEGACY, &sa, pem[0], pem[1],
			    "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+SHA1:+AES-128-CBC:+AES-256-CBC");
	if (pem[2])
		d[L_EXPIRING] = start(L_EXPIRING, &sa, pem[2], pem[3], "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1");
	for (i = 0; i < L_COUNT; i++) {
		const union MHD_DaemonInfo *info;

		if (i == L_EXPIRING && !pem[2])
			continue;
		if (!d[i] || !(info = MHD_get_daemon_info(d[i], MHD_DAEMON_INFO_BIND_PORT))) {
			fprintf(stderr, "flymock --edge: cannot start the %s listener\n", listener_names[i]);
			goto out;
		}
		ports[i] = info->port;
	}
	printf("flymock edge listening http=%u https=%u legacy=%u expiring=%u\n", ports[L_HTTP],
	       ports[L_HTTPS], ports[L_LEGACY], ports[L_EXPIRING]);
	fflush(stdout);
	while (sigwait(&sigs, &sig) != 0)
		;
	rc = 0;
out:
	for (i = 0; i < L_COUNT; i++)
		if (d[i])
			MHD_stop_daemon(d[i]);
	for (i = 0; i < 4; i++)
		free(pem[i]);
	return rc;
}
