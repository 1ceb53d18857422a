/* session — one run of a plan with its files and its door, the same for
 * the headless CLI (app/cli.c) and the wizard (tui/): where the run starts
 * (the journal's resume point), the log, journal and runbook opened, the
 * transport (SSH, or this machine with --local) with mailshift's own native
 * checks, the run, and the files closed saying how it ended.
 *
 * The caller fills the first block and owns the struct; what the second
 * block holds is the session's until session_close().  The plan, the
 * paths, the console and the ssh options are borrowed: they must outlive
 * the session (the ssh options and console until session_close()). */
#ifndef MAILSHIFT_SESSION_H
#define MAILSHIFT_SESSION_H

#include <stddef.h>

#include "backends/transport.h"
#include "core/answers.h"
#include "core/console.h"
#include "core/journal.h"
#include "core/plan.h"
#include "core/runbook.h"
#include "core/runner.h"

/* The exit status of mailshift, headless or in the wizard. */
enum session_exit {
	SESSION_EXIT_OK = 0,      /* done (or paused as asked, or nothing to run) */
	SESSION_EXIT_FAILED = 1,  /* a step failed */
	SESSION_EXIT_USAGE = 2,   /* bad usage or input */
	SESSION_EXIT_REFUSED = 3, /* refused or stopped by the admin */
};
/* The exit status a run that ended so has. */
enum session_exit session_exit_code(enum runner_result r);

struct session {
	const struct plan *plan;
	const char *journal, *runbook, *log;
	int local;              /* every action on this machine: no SSH, shell equivalents of native checks */
	int fresh;              /* start at step one: the journal's earlier progress is void */
	struct runner_opts opts; /* yes, until; resume is set by session_resume() */

	struct journal_progress progress; /* where an earlier run stopped (session_where) */
	struct journal *j;
	struct runbook *rb;
	struct transport *t;
	/* The run (core/runner.h), filled by session_open() and session_run();
	 * its report is the last run's, and its flag, run.interrupted, is the
	 * one the SSH options point at (&s->run.interrupted): setting it stops
	 * the run after its current action, even before it starts. */
	struct runner_run run;
};

enum session_start {
	SESSION_FROM_START, /* nothing to resume (or s->fresh) */
	SESSION_RESUMABLE,  /* an unfinished run: s->progress says where; resume or start over */
	SESSION_FINISHED,   /* every action of this plan finished */
	SESSION_OTHER_PLAN, /* the journal's last run was of another plan (the answers changed) */
	SESSION_BAD_JOURNAL, /* unreadable or malformed: the message in err */
};

/* Where a run of the plan starts, from the journal. */
enum session_start session_where(struct session *s, char *err, size_t errlen);
/* After SESSION_RESUMABLE: run from s->progress on. */
void session_resume(struct session *s);
/* Start at step one: the journal's earlier progress is voided. */
void session_start_over(struct session *s);
/* session_where() said SESSION_FINISHED: writes the runbook of the whole
 * plan, each action marked done in an earlier run (or skipped, as the
 * journal says), under the journal's lock, running nothing; a run killed
 * after its last action left its runbook cut short.  0, or -1 with err. */
int session_runbook_whole(struct session *s, char *err, size_t errlen);
/* After a run that stopped: 1, with what to tell the admin in out, when the
 * journal says the one-off key is authorized on the source and its removal
 * did not run (stopped between migration-key and remove-key, or remove-key
 * skipped); else 0. */
int session_key_left(const struct session *s, char *out, size_t n);

/* Opens the log (into con), the journal and the runbook, and makes the
 * transport (sopt: how SSH may ask the admin).  0, or -1 with a message in
 * err and nothing left open. */
int session_open(struct session *s, struct console *con, const struct ssh_options *sopt,
                 char *err, size_t errlen);
/* Runs the plan (after session_open()) asking through ui and telling
 * sink; the runner's report in *rep (and s->run.rep; rep may be NULL). */
enum runner_result session_run(struct session *s, const struct runner_ui *ui, const struct sink *sink,
                               struct runner_report *rep);
/* Frees the transport, ends the journal with the outcome and the runbook
 * with a closing note.  0, or -1 with what could not be written in err
 * (a warning: the run itself is over).  Safe after a failed open. */
int session_close(struct session *s, enum runner_result r, const struct runner_report *rep,
                  char *err, size_t errlen);
/* "done", "failed", "refused", "paused": the journal's word. */
const char *session_outcome(enum runner_result r);

/* s->opts.until names a step the run, resumed from s->progress (after
 * session_where() said SESSION_RESUMABLE, and not started over), has gone
 * past: resumed, it has nothing to run up to it.  0 without --until or
 * when starting at step one. */
int session_until_past(const struct session *s);

/* Leaving a step out of the plan (the CLI's --skip, x in the wizard's
 * plan), decided here for both front ends: only a STEP_OPTIONAL step of
 * the plan may be.  The runner skips the steps left out without asking
 * (opts.skip: it applies the list, it does not judge it). */
enum session_skip {
	SESSION_SKIP_OK,      /* an optional step of the plan: it may be left out */
	SESSION_SKIP_UNKNOWN, /* no step of the plan */
	SESSION_SKIP_NEEDED,  /* a step the migration needs */
};
/* Whether step id may be left out of p.  When not, err says why and which
 * steps may be: "ID: no such step in this plan; the steps this plan may
 * leave out are: installer roundcube config" (or "ID: the migration needs
 * this step; ..."); err may be NULL. */
enum session_skip session_skip_check(const struct plan *p, const char *id, char *err, size_t errlen);
/* 1 when step i of p is among the n ids left out (the runner's own test:
 * runner_skips). */
int session_left_out(const struct plan *p, const char *const *ids, size_t n, size_t i);

/* Whether the run may pause after step id (--until, p in the wizard's
 * plan review).  Not inside the downtime window: mail would stay stopped
 * while the run waits.  The last step needs no pause (the run ends there).
 * When not OK, err says why (err may be NULL):
 *   "ID: no such step in this plan; its steps are: preflight ... remove-key"
 *   "ID: inside the downtime window: mail would stay stopped while the run
 *    waits; pause before the window (e.g. after mailstore-bulk) or after it
 *    (start-services)" */
enum session_until {
	SESSION_UNTIL_OK,
	SESSION_UNTIL_UNKNOWN, /* no step of the plan */
	SESSION_UNTIL_LAST,    /* the plan's last step: the run ends there anyway */
	SESSION_UNTIL_WINDOW,  /* it and the next step are in the downtime window */
};
enum session_until session_until_check(const struct plan *p, const char *id, char *err, size_t errlen);

/* A headless run of a plan with an ACT_CONFIRM_HOST action (the wipe of
 * the old server, core/plan.h), decided before anything runs: it needs yes
 * (--yes) and typed (the answers' wipe_source_confirm) equal to the host
 * name of that action's host; the wizard asks the admin to type it instead.
 * 0 when the run may start (or the plan has no such action, or dry_run);
 * -1 with why in err:
 *   "step decommission wipes the source (wipe_source = yes): a headless run
 *    needs --yes and wipe_source_confirm = HOST in the answers ..." */
int session_typed_check(const struct plan *p, int yes, int dry_run, const char *typed, char *err,
                        size_t errlen);

/* After session_where() said SESSION_RESUMABLE: where a resume starts, as
 * the resume question (the CLI's and the wizard's) says it. */
struct session_resume_at {
	size_t index;             /* the step's index in the plan */
	const char *step, *title; /* its id and title */
	size_t action, actions;   /* action number `action` (from 1) of its `actions` */
};
void session_resume_at(const struct session *s, struct session_resume_at *out);

/* What a run's end means, decided once for both front ends (the CLI says
 * it on stderr/stdout, the wizard on its report screen and after it). */
struct session_summary {
	enum runner_result result;
	enum session_exit exit;   /* mailshift's exit status */
	struct runner_report rep;
	int interrupted;          /* the run's flag was set (a signal; in the wizard its stop too) */
	/* FAILED, REFUSED: the step it stopped at; PAUSED: the step it paused
	 * after; DONE: NULL */
	const char *step;
	/* FAILED, REFUSED: the same step (a resume starts there); PAUSED: the
	 * next step, at index resume_index; DONE: NULL */
	const char *resume_step;
	size_t resume_index;
	char why[64];             /* FAILED: runner_status_text() of its status; else "" */
	int pending;              /* checklist items pending, this run's and earlier ones' (the journal); 0 none or unreadable */
	int key_left;             /* session_key_left(): the one-off key is still on the source */
	char key[1024];           /* what to tell the admin about it */
};
/* After session_close() (it reads the journal file): fills *out. */
void session_summarize(const struct session *s, enum runner_result r, const struct runner_report *rep,
                       struct session_summary *out);

/* Applies an OpenSSH client config to both endpoints (path NULL:
 * ~/.ssh/config, which may be missing; a path given must be readable):
 * the answers say where, the config may say more (HostName, Port...).
 * 0, or -1 with a message in err. */
int session_ssh_config(struct answers *a, const char *path, char *err, size_t errlen);

#endif
