/* cli — the headless front end: options, the console sink and prompts, and
 * the run of a plan from an answers file.  main.c calls cli_main(). */
#ifndef MAILSHIFT_CLI_H
#define MAILSHIFT_CLI_H

enum cli_exit {
	CLI_OK = 0,      /* done */
	CLI_FAILED = 1,  /* a step failed */
	CLI_USAGE = 2,   /* bad usage or input */
	CLI_REFUSED = 3, /* refused by the admin */
};

int cli_main(int argc, char **argv);

#endif
