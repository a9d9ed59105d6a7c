/* harness.h: running the real flyaudit and flymock binaries from cmocka tests (included
 * by the end-to-end test files; everything is static). Needs <cmocka.h> first. */
#ifndef FLYAUDIT_TESTS_HARNESS_H
#define FLYAUDIT_TESTS_HARNESS_H

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char build_dir[256] = "build";
static char tmpdir[256];

typedef struct mock {
	pid_t pid;
	char url[256];
} mock;

typedef struct run {
	int code;
	char *out;
	char *err;
} run;

/* Mocks still running when a test fails (cmocka jumps out of it): killed at teardown. */
static pid_t live_mocks[64];

static void remember_mock(pid_t pid, bool alive)
{
	size_t i;

	for (i = 0; i < sizeof(live_mocks) / sizeof(live_mocks[0]); i++) {
		if (alive && live_mocks[i] == 0) {
			live_mocks[i] = pid;
			return;
		}
		if (!alive && live_mocks[i] == pid) {
			live_mocks[i] = 0;
			return;
		}
	}
}

static void kill_live_mocks(void)
{
	size_t i;

	for (i = 0; i < sizeof(live_mocks) / sizeof(live_mocks[0]); i++)
		if (live_mocks[i] > 0) {
			kill(live_mocks[i], SIGTERM);
			waitpid(live_mocks[i], NULL, 0);
			live_mocks[i] = 0;
		}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf) {
			size_t got = fread(buf, 1, (size_t)n, f);

			buf[got] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* Starts flymock with the demo org over TLS; extra args after the fixed ones. */
static void mock_start(mock *m, const char *tokens, const char *const *extra)
{
	int pfd[2];
	const char *argv[40];
	char bin[300], cert[300], key[300];
	size_t n = 0, i;
	FILE *f;

	snprintf(bin, sizeof(bin), "%s/flymock", build_dir);
	snprintf(cert, sizeof(cert), "%s/test-certs/server.pem", build_dir);
	snprintf(key, sizeof(key), "%s/test-certs/server.key", build_dir);
	argv[n++] = bin;
	argv[n++] = "--quiet";
	argv[n++] = "--org";
	argv[n++] = "demo";
	argv[n++] = "--fixtures";
	argv[n++] = "mocks/fixtures";
	argv[n++] = "--tls-cert";
	argv[n++] = cert;
	argv[n++] = "--tls-key";
	argv[n++] = key;
	for (i = 0; extra && extra[i] && n < 38; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	assert_int_equal(pipe(pfd), 0);
	m->pid = fork();
	assert_true(m->pid >= 0);
	if (m->pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		setenv("FLYMOCK_TOKENS", tokens, 1);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	remember_mock(m->pid, true);
	f = fdopen(pfd[0], "r");
	assert_non_null(f);
	{
		char line[256] = "";
		const char *pre = "flymock listening on ";
		size_t n2;

		assert_non_null(fgets(line, sizeof(line), f));
		/* "flymock listening on https://127.0.0.1:PORT" */
		assert_true(strncmp(line, pre, strlen(pre)) == 0);
		memcpy(m->url, line + strlen(pre), sizeof(line) - strlen(pre));
		n2 = strcspn(m->url, " \r\n");
		m->url[n2] = '\0';
	}
	fclose(f);
	assert_true(strncmp(m->url, "https://", 8) == 0);
}

static void mock_stop(mock *m)
{
	if (m->pid > 0) {
		kill(m->pid, SIGTERM);
		waitpid(m->pid, NULL, 0);
		remember_mock(m->pid, false);
		m->pid = 0;
	}
}

static void run_free(run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

/* Runs any program, with no Fly token or org in its environment, HOME in the scratch
 * folder, and the extra "NAME=VALUE" entries of env; captures its output and exit code. */
static void run_cmd(run *r, const char *const *argv, const char *const *env)
{
	char outp[300], errp[300];
	pid_t pid;
	int st = 0;
	size_t i;

	snprintf(outp, sizeof(outp), "%s/out", tmpdir);
	snprintf(errp, sizeof(errp), "%s/err", tmpdir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(o, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
		unsetenv("FLY_ACCESS_TOKEN");
		unsetenv("FLY_API_TOKEN");
		unsetenv("FLY_ORG");
		setenv("HOME", tmpdir, 1); /* no ~/.fly/config.yml */
		for (i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = slurp(outp);
	r->err = slurp(errp);
	assert_non_null(r->out);
	assert_non_null(r->err);
}

/* Runs flyaudit with the given token (NULL = none) against url (NULL = default bases).
 * FLYAUDIT_WRAP="valgrind --error-exitcode=99 ..." runs the binary under a checker. */
static void fa_run(run *r, const char *url, const char *token, const char *ca, const char *const *args)
{
	static char wrap[512];
	char bin[300], e_tok[1200], e_flaps[400], e_gql[400], e_reg[400];
	const char *argv[40], *env[5];
	const char *w = getenv("FLYAUDIT_WRAP");
	size_t n = 0, ne = 0, i;
	char *p;

	snprintf(bin, sizeof(bin), "%s/flyaudit", build_dir);
	if (w && *w) {
		snprintf(wrap, sizeof(wrap), "%s", w);
		for (p = wrap; *p && n < 16;) {
			while (*p == ' ')
				*p++ = '\0';
			if (!*p)
				break;
			argv[n++] = p;
			while (*p && *p != ' ')
				p++;
		}
	}
	argv[n++] = bin;
	argv[n++] = "--no-progress";
	if (ca) {
		argv[n++] = "--ca-file";
		argv[n++] = ca;
	}
	for (i = 0; args[i] && n < 38; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (token) {
		snprintf(e_tok, sizeof(e_tok), "FLY_API_TOKEN=%s", token);
		env[ne++] = e_tok;
	}
	if (url) {
		snprintf(e_flaps, sizeof(e_flaps), "FLY_FLAPS_BASE_URL=%s", url);
		snprintf(e_gql, sizeof(e_gql), "FLY_API_BASE_URL=%s", url);
		snprintf(e_reg, sizeof(e_reg), "FLY_REGISTRY_HOST=%s", url);
		env[ne++] = e_flaps;
		env[ne++] = e_gql;
		env[ne++] = e_reg;
	}
	env[ne] = NULL;
	run_cmd(r, argv, env);
}

static char ca_path[300], wrong_ca_path[300];

static int group_setup(void **state)
{
	const char *b = getenv("BUILD");

	(void)state;
	if (b && *b)
		snprintf(build_dir, sizeof(build_dir), "%s", b);
	snprintf(ca_path, sizeof(ca_path), "%s/test-certs/ca.pem", build_dir);
	snprintf(wrong_ca_path, sizeof(wrong_ca_path), "%s/test-certs/wrong-ca.pem", build_dir);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/flyaudit-e2e-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return access(ca_path, R_OK) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[400];

	(void)state;
	kill_live_mocks();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
