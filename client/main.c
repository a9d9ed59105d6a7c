/* main.c: the flyaudit binary; everything happens in client/cmd/cli.c. */
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "cmd/cli.h"

volatile sig_atomic_t fa_stop_signal;

/* A core dump would hold the token (and the Authorization header built from it): none for
 * the whole run, whatever the shell's ulimit says. */
static void no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &rl);
#if defined(__linux__)
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

/* The first SIGINT/SIGTERM stops the run as --max-time passing does (the transport
 * notices within 200 ms; the report is written, exit 3); a second one exits at once. */
static void on_stop_signal(int sig)
{
	if (fa_stop_signal)
		_exit(128 + sig);
	fa_stop_signal = sig;
}

static void catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked write or poll returns */
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
}

int main(int argc, char **argv)
{
	no_core_dumps();
	catch_stop_signals();
	return fa_cli_main(argc, argv);
}
