/* mailshift — moves a mail server to a new machine without losing a message.
 * See README.md and docs/ARCHITECTURE.md. */
#include "app/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
