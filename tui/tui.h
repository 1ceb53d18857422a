/* tui — the interactive wizard (ncurses): the interview that writes an
 * answers file, the plan review, the run with its confirmations and live
 * log, and the report.  It runs the same plan, runner and files as the
 * headless CLI (app/session), so a wizard run can be replayed headless.
 * app/cli.c calls tui_main(); everything else in tui/ is internal
 * (tui/tui_int.h). */
#ifndef MAILSHIFT_TUI_H
#define MAILSHIFT_TUI_H

struct tui_args {
	const char *answers;     /* prefill the interview from this file, or NULL */
	const char *journal, *runbook, *log;
	const char *ssh_config;  /* NULL: ~/.ssh/config */
	int local;               /* --local (tests): every action on this machine */
	int fresh;               /* --fresh: ignore the journal's progress */
	int accept_new_host_key;
	const char *until;       /* --until STEP: the pause point the review starts with, or NULL */
	const char *const *skip; /* --skip STEP...: optional steps the review starts with left out */
	size_t nskip;
};

/* Runs the wizard on the terminal (stdin and stdout must be one).  Returns
 * an exit status as the CLI's: 0 done (or nothing run), 1 a step failed,
 * 2 bad input, 3 stopped by the admin.  A signal that ended it is raised
 * again once the terminal is restored. */
int tui_main(const struct tui_args *a);

#endif
