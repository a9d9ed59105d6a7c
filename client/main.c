/* main.c: the flyaudit binary; everything happens in client/cli.c. */
#include "cmd/cli.h"

int main(int argc, char **argv)
{
	return fa_cli_main(argc, argv);
}
