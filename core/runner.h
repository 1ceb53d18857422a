/* runner — runs a plan: for each step, show why, confirm, then run each
 * action through the transport, streaming its output to the sink, writing it
 * to the runbook and the journal.
 *
 * On a failure the admin chooses retry, skip or abort; skip is never offered
 * for a DESTRUCTIVE action, so a run never goes past one that failed, nor in
 * a STEP_PROOF step, so its record can only follow checks that passed.  An
 * ADVISORY action's failure is a warning: the admin is asked too (retry after
 * fixing, skip = go on with the warning, abort).  With opts.yes nothing is asked:
 * every step and destructive action runs, and the first failure aborts.
 *
 * Values (see plan_capture in core/plan.h): an action that captures has its
 * stdout lines kept (and still streamed to the sink) for the rest of its
 * step; an action that reads a value gets it on stdin, and fails without
 * running when the value is missing.  A run resumed inside a step that
 * captures runs that step again from its first action.
 *
 * Checklist items (ACT_MANUAL): the action runs like any other (its output
 * is the instruction); when it succeeded the admin is asked (ui->manual):
 * GO records it confirmed, SKIP pending, ABORT stops the run before it is
 * recorded (a resume shows it again).  With opts.yes, or no ui->manual, it
 * is recorded pending without asking.  A pending item is no failure.
 *
 * opts.until names the last step to run: after it (ran or skipped) the run
 * stops with RUNNER_PAUSED, every action it reached finished, so a resume
 * starts at the next step's first action.  Ignored in a dry run, and when
 * it is the plan's last step (that is RUNNER_DONE).
 *
 * One run is one struct runner_run: the caller fills its first block
 * (borrowed: plan, transport, ui, sink, runbook, journal, opts; ui, rb and
 * j may be NULL) and zeroes the rest, which is the run's own: the report
 * runner_run() fills, and the interrupt flag.  The struct must stay put
 * while the run lasts: the SSH transport's options point at its flag. */
#ifndef MAILSHIFT_RUNNER_H
#define MAILSHIFT_RUNNER_H

#include <signal.h>
#include <stddef.h>

#include "backends/transport.h"
#include "core/journal.h"
#include "core/plan.h"
#include "core/runbook.h"

enum runner_choice { RUNNER_GO, RUNNER_SKIP, RUNNER_ABORT, RUNNER_RETRY };

struct runner_ui {
	/* Before step i of n: GO, SKIP or ABORT. */
	enum runner_choice (*confirm_step)(void *ctx, const struct plan_step *ps, size_t i, size_t n);
	/* Before a DESTRUCTIVE action: GO, SKIP or ABORT. */
	enum runner_choice (*confirm_destructive)(void *ctx, const struct plan_step *ps, const struct action *a);
	/* After a failed action: RETRY, SKIP (only when can_skip) or ABORT. */
	enum runner_choice (*failed)(void *ctx, const struct plan_step *ps, const struct action *a,
	                             int status, int can_skip);
	/* After a checklist item (ACT_MANUAL) showed its instruction: GO (done,
	 * confirmed), SKIP (not yet: pending) or ABORT. */
	enum runner_choice (*manual)(void *ctx, const struct plan_step *ps, const struct action *a);
	void *ctx;
	/* Before an ACT_CONFIRM_HOST action (core/plan.h): GO only when the
	 * admin typed host, the name of the host it runs on; SKIP (the rest of
	 * the step) or ABORT.  NULL: such an action is refused (the run stops). */
	enum runner_choice (*confirm_host)(void *ctx, const struct plan_step *ps, const struct action *a,
	                                   const char *host);
};

struct runner_opts {
	int yes;      /* ask nothing; abort on the first failure */
	int dry_run;  /* run nothing; write the runbook as planned */
	const struct journal_progress *resume; /* NULL, or where an earlier run stopped */
	const char *until; /* NULL, or the id of the last step to run (RUNNER_PAUSED after it) */
	const char *const *skip; /* ids of steps the admin left out: skipped unasked (which may be:
	                          * app/session.h session_skip_check, a STEP_OPTIONAL step) */
	size_t nskip;
	/* NULL, or the host name the admin typed beforehand (the answers'
	 * wipe_source_confirm): with yes, an ACT_CONFIRM_HOST action runs only
	 * when it is the name of the host it runs on, else the run stops refused. */
	const char *typed_host;
	/* Carries out a native action (core/plan.h) on its host: an exit
	 * status.  NULL: native actions run their shell equivalent. */
	int (*native)(void *ctx, enum native what, enum host on, struct transport *t, const struct sink *sink);
	void *native_ctx;
};

enum runner_result {
	RUNNER_DONE = 0,    /* every step ran or was skipped by the admin */
	RUNNER_FAILED = 1,  /* an action failed and the run stopped */
	RUNNER_REFUSED = 3, /* the admin stopped the run (or interrupted it) */
	RUNNER_PAUSED = 4,  /* stopped after opts.until as asked: not an exit status (that is 0) */
};

struct runner_report {
	size_t step, action; /* where it stopped, for FAILED and REFUSED; PAUSED: the until step */
	int status;          /* the failed action's exit status */
	size_t warnings;     /* advisory checks that failed */
	size_t skipped;      /* actions the admin skipped */
	size_t confirmed;    /* checklist items the admin confirmed in this run */
	size_t pending;      /* checklist items left pending in this run */
};

struct runner_run {
	/* the caller's, borrowed */
	const struct plan *plan;
	struct transport *t;
	const struct runner_ui *ui;     /* NULL: ask nothing (every choice GO) */
	const struct sink *sink;
	struct runbook *rb;             /* NULL: no runbook */
	struct journal *j;              /* NULL: no journal */
	const struct runner_opts *opts;
	/* the run's own */
	struct runner_report rep;       /* filled by runner_run() */
	/* Set (from any thread, or a signal handler through runner_interrupt())
	 * and the run stops after its current action; runner_run() reads it and
	 * never clears it, so one set before the run starts stops it at once. */
	volatile sig_atomic_t interrupted;
};

/* Async-signal-safe: the run going on now (runner_run() between its start
 * and its end), if any, stops after its current action.  For the front
 * ends' SIGINT/SIGTERM/SIGHUP handlers, which can reach no run of their own. */
void runner_interrupt(void);

/* rep->status of a run stopped before an action because the journal or
 * the runbook could not be written (RUNNER_FAILED; rep->step/action is the
 * action that did not run). */
#define RUNNER_NO_RECORDS (-2)

/* "exit N", "it could not run" (the transport failed), or what
 * RUNNER_NO_RECORDS means: into buf. */
const char *runner_status_text(int status, char *buf, size_t n);
/* 1 when id is one of skip[0..n): a step left out (opts.skip).  The one
 * test, the runner's and the front ends' (app/session.h session_left_out);
 * which ids may be in the list is the session's to say. */
int runner_skips(const char *const *skip, size_t n, const char *id);

/* Runs r->plan; the result, with r->rep saying where it stopped. */
enum runner_result runner_run(struct runner_run *r);

#endif
