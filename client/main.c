/* main.c: the flyaudit binary; everything happens in client/cmd/cli.c. */
#include <sys/resource.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "cmd/cli.h"

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

int main(int argc, char **argv)
{
	no_core_dumps();
	return fa_cli_main(argc, argv);
}
