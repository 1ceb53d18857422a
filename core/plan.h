/* plan — the ordered steps and actions of one migration.
 *
 * A step is const data from the catalogue in steps/ (struct step).  Building
 * a plan asks each step whether it applies to the answers and, if so, lets it
 * append its actions.  An action is one shell command for one host: the only
 * way mailshift changes a server.
 *
 * An action may capture its stdout as a named value that later actions of
 * the same step read on their stdin (plan_capture, plan_feed): how a public
 * key or a list travels from one server to the other through mailshift.
 *
 * The plan owns its steps' action arrays and every action's strings;
 * plan_free() releases them.  It keeps a pointer to the answers it was built
 * from: they must outlive the plan. */
#ifndef MAILSHIFT_PLAN_H
#define MAILSHIFT_PLAN_H

#include <stddef.h>

#include "core/answers.h"

enum host { HOST_SOURCE, HOST_TARGET, HOST_LOCAL };

/* Every action runs after this line, by mailshift and by the runbook alike:
 * a failing command inside an action fails the action, unset variables are
 * errors, and what mailshift writes on a server is private unless an action
 * says otherwise (umask 022 where a daemon must read the file). */
#define PLAN_PREAMBLE "set -euo pipefail; umask 077"

enum {
	ACT_DESTRUCTIVE = 1 << 0, /* deletes or overwrites on a server: confirmed on its own */
	ACT_ADVISORY = 1 << 1,    /* a failure is a warning and the run goes on */
	/* A checklist item only the admin can do (the MX record at the DNS
	 * provider, SPF): cmd is a harmless command that prints the instruction
	 * (a printf on HOST_LOCAL), note is the item in one line.  The runner
	 * runs it, then asks the admin (runner_ui.manual): done (confirmed) or
	 * later (pending); with --yes it is pending.  A pending item fails
	 * nothing and counts as finished for a resume; the journal keeps it
	 * and --report lists the checklist.  Not with ACT_ADVISORY. */
	ACT_MANUAL = 1 << 2,
	/* With ACT_DESTRUCTIVE: confirmed only by typing the name of the host
	 * it runs on (the answers' host of `on`), never by "yes" or --yes alone
	 * (wiping the old server's mail).  The runner asks runner_ui.confirm_host;
	 * with opts.yes it runs only when opts.typed_host is that name, which the
	 * CLI takes from the answers (app/session.h session_typed_check), else
	 * the run stops refused.  The runbook asks for the name too. */
	ACT_CONFIRM_HOST = 1 << 3,
};

enum {
	STEP_DOWNTIME = 1 << 0, /* runs in the downtime window: counted in the estimate */
	STEP_FIGURES = 1 << 1,  /* its actions print figures ("mailshift-figure", core/figures.h) the runner
	                         * journals; another step's output never makes a table row */
	STEP_OPTIONAL = 1 << 2, /* the admin may leave it out of the plan (--skip, x in the review);
	                         * the migration is whole without it */
	STEP_PROOF = 1 << 3,    /* a proof the steps after it trust (verify's marker): an action
	                         * of it that failed cannot be skipped, only retried or the run
	                         * stopped, so a skip never ends in the proof's record */
	STEP_WHOLE = 1 << 4,    /* a run resumed inside it starts it over: what its first actions
	                         * fetched (a source's dump) may be what made a later one fail */
	/* What the engine and the wizard need to know of a step, said by the
	 * step (they never compare step ids): */
	STEP_SURVEY = 1 << 5,   /* its figures describe each server before anything changes
	                         * (pre-flight): only those that must already agree get a
	                         * verdict; the wizard shows them once it is done */
	STEP_RELAY = 1 << 6,    /* the old server's mail goes to the new one: with the downtime
	                         * window, how long the old server refused mail (--report) */
	STEP_KEY_ADD = 1 << 7,  /* authorizes the one-off key on the source (its third action) */
	STEP_KEY_REMOVE = 1 << 8, /* takes that key away again (its first action) */
};

/* Checks mailshift makes itself, through its own connections to a server's
 * databases and directory (backends/inspect), where a shell command could only
 * do less: the action's cmd is the shell equivalent the runbook runs (and
 * mailshift too, when it has no such connection: --local). */
enum native {
	NATIVE_NONE,
	NATIVE_LOOK,    /* read the host's databases/directory: versions, sizes, accounts */
	NATIVE_COMPARE, /* source and target inventories agree (rows, entries, accounts, domains) */
	NATIVE_PREP,    /* the shell's half of a later native action: mailshift has nothing to do */
};

struct action {
	enum host on;
	unsigned flags;
	char *cmd;     /* exactly what runs, and what the runbook shows */
	char *note;    /* one line for the admin (what this action does) */
	char *capture; /* NULL, or the name its stdout is kept under (plan_capture) */
	char *input;   /* NULL, or the name of the value it reads on stdin (plan_feed) */
	enum native native; /* NATIVE_NONE, or what mailshift does itself instead of cmd */
};

struct plan_step;

struct step {
	const char *id;    /* [a-z-]+, stable: the runbook's and journal's name */
	const char *title; /* a short line */
	const char *why;   /* the plain-language explanation read before confirming */
	unsigned flags;
	int (*applies)(const struct answers *a);
	void (*plan)(const struct answers *a, struct plan_step *ps);
};

struct plan_step {
	const struct step *step;
	struct action *act;
	size_t n, cap;
};

struct plan {
	const struct answers *answers;
	struct plan_step *steps;
	size_t n, cap;
};

/* Builds the plan of the answers from steps (NULL-terminated, in order: the
 * pair's table, steps/steps.h steps_plan()): each step that applies, with
 * its actions. */
void plan_build(struct plan *p, const struct answers *a, const struct step *const *steps);
void plan_free(struct plan *p);

/* Appends an action to a step.  cmd is a shell_fmt() template (%q quotes,
 * %s is verbatim).  note is copied. */
void plan_add(struct plan_step *ps, enum host on, unsigned flags, const char *note,
              const char *fmt, ...);

/* Values between actions.
 *
 * plan_capture() appends an action whose stdout becomes the value `name`;
 * plan_feed() appends one that reads the value `name` on its stdin (the
 * text exactly as captured: every line the action printed, each ending in
 * a newline).  A name is [a-z][a-z0-9_]*, at most PLAN_NAME_MAX bytes: the
 * runbook keeps the value in a shell variable of that name.  plan_feed()
 * aborts when no earlier action of the step captures `name` (a bug in a
 * step, caught by the unit tests).
 *
 * The runner (core/runner) keeps a value for the rest of its step only, and
 * at most TRANSPORT_INPUT_MAX bytes of it (backends/transport.h): more fails
 * the capturing action.  An action whose value is missing (the capturing
 * action failed or was skipped) fails without running.  A run resumed in
 * the middle of a step that captures starts that step over, so such steps
 * must be safe to repeat.  Values are what servers print (public keys,
 * names, sizes): never a secret, and never spliced into a command's text. */
#define PLAN_NAME_MAX 32
void plan_capture(struct plan_step *ps, enum host on, unsigned flags, const char *name,
                  const char *note, const char *fmt, ...);
void plan_feed(struct plan_step *ps, enum host on, unsigned flags, const char *name,
               const char *note, const char *fmt, ...);
/* Appends an action that mailshift carries out itself (enum native) on
 * host; cmd is the shell equivalent, as plan_add's. */
void plan_native(struct plan_step *ps, enum host on, unsigned flags, enum native what, const char *note,
                 const char *fmt, ...);
/* Appends a checklist item (ACT_MANUAL) on HOST_LOCAL: note is the item in
 * one line, text the instruction printed whole (data: the command that
 * prints it is made here, quoted by the one helper). */
void plan_checklist(struct plan_step *ps, const char *note, const char *text);
/* 1 when an action of the step captures a value. */
int plan_step_captures(const struct plan_step *ps);
/* 1 when a run resumed inside the step starts it over: it captures a value
 * (gone with the run that captured it), or it is STEP_WHOLE. */
int plan_step_restarts(const struct plan_step *ps);

/* Index of the step with this id, or -1. */
int plan_find(const struct plan *p, const char *id);
/* Index of the first step with every bit of flags (STEP_*), or -1. */
int plan_find_flag(const struct plan *p, unsigned flags);
/* A hex digest of every step id and action; the journal uses it to know a
 * resume belongs to the same plan.  Writes 17 bytes into out. */
void plan_fingerprint(const struct plan *p, char out[17]);
/* "source", "target", "local". */
const char *plan_host_name(enum host h);
/* The answers' host name of h (HOST_LOCAL: "localhost"): what an
 * ACT_CONFIRM_HOST action asks the admin to type. */
const char *plan_host_address(const struct plan *p, enum host h);
/* The first action of p with every bit of flags (ACT_*), or NULL. */
const struct action *plan_find_action(const struct plan *p, unsigned flags);

#endif
