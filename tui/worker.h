/* worker — a run of the plan in a thread of its own, and how it talks to
 * the UI thread, which alone owns the terminal.
 *
 * runner_run() (core/runner) is synchronous and asks through struct
 * runner_ui; the SSH transport asks through struct ssh_options.  Here those
 * callbacks run in the worker thread: each posts a question (struct
 * tui_question) under the worker's mutex and waits on its condition
 * variable until the UI thread answers with tui_worker_answer() or
 * tui_worker_answer_secret().  The UI thread never waits for the worker: it
 * polls tui_worker_question(), tui_worker_marks() and tui_worker_finished()
 * each turn of its loop.  Output lines go to the log file and into the ring
 * (tui/logring.h), tagged with their enum sink_kind.  A progress line
 * (SINK_PROGRESS: rsync's --info=progress2) goes to neither: the worker
 * keeps the latest one for tui_worker_progress() until the action ends.
 *
 * Ownership: the worker borrows the session (its plan, paths and options)
 * and the ring, which must outlive it; it owns the log console and the
 * thread.  tui_worker_join() closes the session; tui_worker_free() frees
 * the worker (joining first if it must). */
#ifndef MAILSHIFT_TUI_WORKER_H
#define MAILSHIFT_TUI_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "backends/transport.h"
#include "core/runner.h"
#include "app/session.h"
#include "tui/logring.h"

/* A step's state, as the run screen marks it. */
enum tui_mark {
	TUI_MARK_PENDING, TUI_MARK_ASKING, TUI_MARK_RUNNING, TUI_MARK_DONE, TUI_MARK_FAILED,
	TUI_MARK_SKIPPED, TUI_MARK_EARLIER, TUI_MARK_STOPPED,
};

enum tui_question_kind {
	TUI_Q_STEP,        /* run step `step`? GO, SKIP or ABORT */
	TUI_Q_DESTRUCTIVE, /* run this DESTRUCTIVE action? GO, SKIP (the rest of the step) or ABORT */
	TUI_Q_FAILED,      /* the action failed: RETRY, SKIP (only when can_skip; an ADVISORY check:
	                      go on with the warning) or ABORT */
	TUI_Q_MANUAL,      /* a checklist item: GO (done), SKIP (later) or ABORT */
	TUI_Q_CONFIRM,     /* SSH asks yes (GO) or no (ABORT): text is the question */
	TUI_Q_SECRET,      /* SSH needs a secret: text is the prompt; tui_worker_answer_secret() */
	TUI_Q_TYPED_HOST,  /* run this ACT_CONFIRM_HOST action? GO only once text (the host's name)
	                      was typed, SKIP (the rest of the step) or ABORT */
};

struct tui_question {
	enum tui_question_kind kind;
	size_t step, nsteps;        /* the step's index in the plan, and the plan's length */
	const struct plan_step *ps; /* borrowed from the plan (NULL for CONFIRM, SECRET) */
	const struct action *a;     /* DESTRUCTIVE, FAILED, MANUAL, TYPED_HOST */
	int status, can_skip;       /* FAILED */
	const char *text;           /* CONFIRM, SECRET: valid until answered; TYPED_HOST: the host name */
	uint64_t out_from;          /* FAILED, MANUAL: the first ring line of the action's output */
};

struct tui_worker;

struct tui_worker *tui_worker_new(struct session *s, struct tui_logring *ring);
/* Opens the session (log, journal, runbook, transport) with the worker's
 * callbacks for SSH.  0, or -1 with a message in err. */
int tui_worker_open(struct tui_worker *w, int accept_new_host_key, char *err, size_t errlen);
/* Starts runner_run() in the thread (the session must be open).  0 or -1. */
int tui_worker_run(struct tui_worker *w, char *err, size_t errlen);
/* How SSH asks the admin through this worker (for tests: the callbacks
 * tui_worker_open() gives the transport). */
const struct ssh_options *tui_worker_ssh_options(struct tui_worker *w);

/* UI thread: 1 and the question in *q when one waits that was not yet
 * taken (each is given once); 0 otherwise. */
int tui_worker_question(struct tui_worker *w, struct tui_question *q);
void tui_worker_answer(struct tui_worker *w, enum runner_choice c);
/* The SSH secret typed (copied into the worker's buffer), or NULL: none. */
void tui_worker_answer_secret(struct tui_worker *w, const char *secret);
/* The run stops after its current action (the session's run.interrupted,
 * set even before the run starts); a question
 * waiting, and every one after, is answered "stop" (no, no secret). */
void tui_worker_stop(struct tui_worker *w);
int tui_worker_stopping(struct tui_worker *w);
/* Each step's mark into out[0..n), and the step the run is at. */
size_t tui_worker_marks(struct tui_worker *w, enum tui_mark *out, size_t n);
int tui_worker_finished(struct tui_worker *w);
/* The running action's latest progress line, copied into buf (cut to n):
 * 1, or 0 when there is none (cleared when an action or step begins, when
 * a question is asked and when the run ends). */
int tui_worker_progress(struct tui_worker *w, char *buf, size_t n);
/* 1 while an action runs (outside a question): what it does ("[source]
 * note", or the transport's "connecting to ..." until it has logged in)
 * into buf, and for how long into *seconds; 0 between actions. */
int tui_worker_activity(struct tui_worker *w, char *buf, size_t n, double *seconds);
/* After tui_worker_finished(): joins the thread and closes the session.
 * The result, the runner's report in *rep, and in err a warning when a
 * file could not be written ("" otherwise). */
enum runner_result tui_worker_join(struct tui_worker *w, struct runner_report *rep, char *err, size_t errlen);
void tui_worker_free(struct tui_worker *w);

#endif
