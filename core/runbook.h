/* runbook — the bash script that replays the migration.
 *
 * Written while the plan runs: the header and helpers when opened, each step
 * as a function with its why as comments, each action exactly as it ran,
 * and the step list and main loop when closed.  An action's command is a
 * quoted here-document, its text as it ran, unescaped, that the runbook's
 * cmd reads into CMD byte for byte:
 *     cmd <<'MS_CMD'
 *     ...
 *     MS_CMD
 *     on_WHERE "$CMD"
 * (the delimiter MS_CMD, else MS_CMD_1, MS_CMD_2, ..., the first no line of
 * the command equals).  An action that captures a value (core/plan.h) is
 * then "local NAME && NAME=$(on_WHERE \"$CMD\")", one that reads it
 * "on_WHERE --stdin \"$CMD\" <<<\"$NAME\"": values live in the step's
 * function, so --from and --only replay whole steps, as mailshift resumes
 * them.  A skipped action is commented out on every line, its text too.
 * A checklist item (ACT_MANUAL) is its action followed by "manual 'NOTE'":
 * the replay prints the instruction, then asks "done?
 * [y/N]" and prints "confirmed: NOTE" or "pending: NOTE" (with --yes:
 * pending, without asking; --dry-run: "CHECKLIST: NOTE").  The script takes --yes,
 * --from STEP, --only STEP and --dry-run.  It holds no secret: credentials
 * stay on the servers.  Mode 0700.
 *
 * The runbook borrows the plan and its answers; runbook_close() frees it. */
#ifndef MAILSHIFT_RUNBOOK_H
#define MAILSHIFT_RUNBOOK_H

#include <stddef.h>

#include "core/plan.h"

enum runbook_mark {
	RUNBOOK_RAN,     /* ran and succeeded (or an advisory check warned) */
	RUNBOOK_EARLIER, /* finished in an earlier run, per the journal */
	RUNBOOK_PLANNED, /* a dry run: nothing ran */
	RUNBOOK_SKIPPED, /* the admin skipped it: written commented out */
};

struct runbook;

struct runbook *runbook_open(const char *path, const struct plan *p, int dry_run,
                             char *err, size_t errlen);
void runbook_step(struct runbook *rb, size_t si);
/* Writes an action; mailshift writes it just before running it. */
void runbook_action(struct runbook *rb, const struct action *a, enum runbook_mark mark);
/* A comment line about what just happened ("the action above failed"). */
void runbook_note(struct runbook *rb, const char *text);
void runbook_step_end(struct runbook *rb);
/* Writes the step list and main; note (may be NULL) is a closing comment.
 * Returns 0, or -1 when any write failed. */
/* NULL while everything written so far reached the file; else "PATH:
 * why" (the runbook's own buffer, until the next call). */
const char *runbook_error(struct runbook *rb);
int runbook_close(struct runbook *rb, const char *note);

#endif
