/* cli — the headless front end: options, the console sink and prompts, and
 * the run of a plan from an answers file.  main.c calls cli_main(); it calls
 * the wizard (tui/) for --wizard. */
#ifndef MAILSHIFT_CLI_H
#define MAILSHIFT_CLI_H

/* Returns an exit status: enum session_exit (app/session.h). */
int cli_main(int argc, char **argv);

#endif
