/* journal — the append-only record of a migration's progress.
 *
 * One text line per event, tab-separated, written and flushed to disk as it
 * happens, in a file of mode 0600:
 *   run T FINGERPRINT [fresh]    a run of the plan with that fingerprint begins;
 *                                "fresh": it started over, earlier progress is void
 *   step T STEP ID FLAGS         a step begins; FLAGS: what the report needs of
 *                                it, words joined by commas, or "-": downtime
 *                                (STEP_DOWNTIME), survey, proof, relay.  The
 *                                first line says the format: "# mailshift
 *                                journal 2"; in a journal begun as "... 1"
 *                                FLAGS held only downtime, and the report knows
 *                                pre-flight, verify and relay by their ids
 *   start T STEP ACTION          an action begins
 *   end T STEP ACTION RESULT RC  ok | failed | warned | skipped, exit status
 *   end T STEP ACTION RESULT 0 ID NOTE
 *                                a checklist item (ACT_MANUAL): RESULT is
 *                                confirmed (the admin said it is done) or
 *                                pending (not yet, or --yes); ID is the step's
 *                                id and NOTE the item's note (tabs and newlines
 *                                as spaces), so --report lists the checklist
 *                                without the plan.  Both count as finished.
 *   row T STEP ID KEY SOURCE TARGET
 *                                a figure of the verification table (see
 *                                core/figures.h): what step ID counted on
 *                                each side; the last one of a step and key
 *                                counts, a fresh run voids the earlier ones
 *   note T STEP ID TEXT          what a step's figures mean in words (a
 *                                "mailshift-note" line, core/figures.h): the
 *                                accounts the census found different
 *   stepend T STEP ID OUTCOME    done | partial | skipped | failed | refused |
 *                                interrupted
 *   finish T OUTCOME             done | failed | refused | paused ("paused":
 *                                stopped after a step as asked, --until; every
 *                                action it reached finished, so a rerun resumes
 *                                at the next step's first action)
 * T is seconds since the epoch with milliseconds.  STEP and ACTION are
 * indexes into the plan.  No command output and no secret is written (a
 * note is mailshift's own text, never a secret).
 *
 * A struct journal is owned by its opener and released by journal_close(). */
#ifndef MAILSHIFT_JOURNAL_H
#define MAILSHIFT_JOURNAL_H

#include <stddef.h>
#include <stdio.h>

#include "core/figures.h"
#include "core/plan.h"

enum journal_result {
	JOURNAL_OK, JOURNAL_FAILED, JOURNAL_WARNED, JOURNAL_SKIPPED,
	JOURNAL_CONFIRMED, JOURNAL_PENDING, /* checklist items: journal_checklist_end */
};

struct journal;

/* Opens (creating with mode 0600, or tightening an existing file to 0600),
 * takes the journal's lock (one run at a time: another run holding it is a
 * failure that names its process) and appends a "run" line; fresh marks a
 * start from step one, which voids the progress recorded before.  NULL with
 * a message in err on failure. */
struct journal *journal_open(const char *path, const struct plan *p, int fresh, char *err, size_t errlen);
/* Takes the journal's lock alone, writing nothing (a run that only reads
 * it): the locked descriptor, which the caller closes, or -1 with a
 * message in err (another run holds it, named as by journal_open). */
int journal_hold(const char *path, char *err, size_t errlen);
void journal_step(struct journal *j, size_t si, const struct plan_step *ps);
void journal_action_start(struct journal *j, size_t si, size_t ai);
void journal_action_end(struct journal *j, size_t si, size_t ai, enum journal_result r, int status);
/* A checklist item's (ACT_MANUAL) outcome, r JOURNAL_CONFIRMED or
 * JOURNAL_PENDING, with the step's id and the action's note. */
void journal_checklist_end(struct journal *j, size_t si, size_t ai, const struct plan_step *ps,
                           enum journal_result r);
/* A figure of the verification table that step si counted (f valid, as
 * figures_parse leaves it; its step is taken from ps). */
void journal_row(struct journal *j, size_t si, const struct plan_step *ps, const struct figure *f);
/* A note of step si (text printable, as figures_note_parse leaves it). */
void journal_note(struct journal *j, size_t si, const struct plan_step *ps, const char *text);
void journal_step_end(struct journal *j, size_t si, const struct plan_step *ps, const char *outcome);
void journal_finish(struct journal *j, const char *outcome);
/* 0, or -1 when a write failed at any point (the journal is then unreliable). */
/* NULL while every record was written; else "PATH: why" of the first
 * write that failed (the journal's own buffer, until the next call). */
const char *journal_error(struct journal *j);
int journal_close(struct journal *j);

enum journal_resume {
	JOURNAL_FRESH,    /* no journal, or nothing of this plan finished */
	JOURNAL_PARTIAL,  /* progress->step/action: the first action not finished */
	JOURNAL_COMPLETE, /* every action finished */
	JOURNAL_OTHER,    /* the journal's last run was of another plan */
	JOURNAL_BAD,      /* unreadable or malformed: message in err */
};

/* Where a run of this plan stopped.  The caller owns `skipped` and frees it
 * with journal_progress_free(). */
struct journal_progress {
	size_t step, action;     /* the first action not finished */
	unsigned char **skipped; /* [step][action]: 1 when the admin skipped it */
	size_t nsteps;
};

enum journal_resume journal_resume_point(const char *path, const struct plan *p,
                                         struct journal_progress *progress, char *err, size_t errlen);
void journal_progress_free(struct journal_progress *progress);

/* Prints per-step durations, the downtime window's sum, how the last run
 * ended, the verification table and the checklist.  0, or -1 with a
 * message in err. */
int journal_report(const char *path, FILE *out, char *err, size_t errlen);
/* The same, only the parts asked for (JOURNAL_REPORT_*, or'ed): the wizard
 * shows the table itself. */
enum {
	JOURNAL_REPORT_TIMES = 1,     /* the steps' times, downtime, how the last run ended */
	JOURNAL_REPORT_FIGURES = 2,   /* the verification table */
	JOURNAL_REPORT_CHECKLIST = 4, /* every checklist item */
	JOURNAL_REPORT_ALL = 7,
};
int journal_report_parts(const char *path, FILE *out, unsigned parts, char *err, size_t errlen);

/* The verification table: each figure (step, key) as last recorded since
 * the last fresh run, in the table's order (figures_sort).  The caller
 * zeroes *out and frees it with figures_free(), also after a failure.
 * 0, or -1 with a message in err. */
int journal_figures(const char *path, struct figures *out, char *err, size_t errlen);

/* Each step's times in the journal, by step id, in the order first begun:
 * what --report prints, and the estimates the wizard shows before a run
 * (a rehearsal's journal).  The caller frees *out with journal_times_free().
 * 0, or -1 with a message in err. */
struct journal_time {
	char *id;
	double secs;   /* time spent in the step, over every run */
	double last;   /* duration of its last finished run (done or partial) */
	int finished;  /* some run finished it: last is a fair estimate */
	int downtime;  /* in the downtime window */
};
int journal_times(const char *path, struct journal_time **out, size_t *n, char *err, size_t errlen);
void journal_times_free(struct journal_time *t, size_t n);
/* "H:MM:SS", rounded to the second. */
void journal_hms(char *out, size_t n, double secs);

/* The checklist: each item (ACT_MANUAL) as last recorded, in the order first
 * recorded, one line each to out (NULL: count only):
 *   "  confirmed  STEP: NOTE" or "  pending    STEP: NOTE"
 * only the pending ones when pending_only.  Every run counts, fresh ones
 * too (what the admin did at the DNS provider stays done).  The number of
 * items listed, or -1 with a message in err. */
int journal_checklist(const char *path, FILE *out, int pending_only, char *err, size_t errlen);

#endif
