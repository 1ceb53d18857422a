#include "core/runner.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/figures.h"
#include "core/xalloc.h"

/* The run going on now, for runner_interrupt(): set and cleared by
 * runner_run(); a signal handler reads it. */
static volatile sig_atomic_t *volatile current;

void runner_interrupt(void)
{
	volatile sig_atomic_t *f = current;

	if (f)
		*f = 1;
}

/* The test hook behind the kill -9 sweep (tests/lab/interrupt.sh): with
 * MAILSHIFT_TESTING=1 and MAILSHIFT_TEST_KILL_NEXT=1, mailshift kills
 * itself (SIGKILL: nothing is flushed or closed) right after the first
 * action at or past the resume point is recorded (actions a resume runs
 * again before it, in a step that passes values, do not count): each run
 * then moves the resume point by exactly one action. */
static int kill_next = -1;

static void test_kill(const struct runner_opts *o, size_t si, size_t ai)
{
	const struct journal_progress *r = o->resume;

	if (kill_next < 0) {
		const char *t = getenv("MAILSHIFT_TESTING"), *k = getenv("MAILSHIFT_TEST_KILL_NEXT");
		kill_next = t && *t && k && !strcmp(k, "1");
	}
	if (kill_next && (!r || si > r->step || (si == r->step && ai >= r->action)))
		raise(SIGKILL);
}

static enum runner_choice ask_step(const struct runner_run *r, const struct plan_step *ps, size_t i)
{
	const struct runner_ui *ui = r->ui;

	if (r->opts->yes || r->opts->dry_run || !ui || !ui->confirm_step)
		return RUNNER_GO;
	return ui->confirm_step(ui->ctx, ps, i, r->plan->n);
}

/* True when action ai of step si finished in an earlier run.  A step that
 * captures values starts over when the run resumes inside it (its values
 * went with the run that captured them), and so does a STEP_WHOLE one. */
static int earlier(const struct runner_opts *o, const struct plan_step *ps, size_t si, size_t ai)
{
	const struct journal_progress *r = o->resume;

	if (!r || (si == r->step && plan_step_restarts(ps)))
		return 0;
	return si < r->step || (si == r->step && ai < r->action);
}

static void write_earlier(const struct runner_run *r, size_t si, size_t ai, const struct action *a)
{
	const struct journal_progress *g = r->opts->resume;
	int skipped = g->skipped && g->skipped[si][ai];
	if (r->rb)
		runbook_action(r->rb, a, skipped ? RUNBOOK_SKIPPED : RUNBOOK_EARLIER);
}

/* Marks the rest of a step, from action `from`, as skipped. */
static void skip_rest(struct runner_run *r, const struct plan_step *ps, size_t si, size_t from)
{
	size_t ai;

	for (ai = from; ai < ps->n; ai++) {
		if (r->rb)
			runbook_action(r->rb, &ps->act[ai], RUNBOOK_SKIPPED);
		journal_action_end(r->j, si, ai, JOURNAL_SKIPPED, 0);
		r->rep.skipped++;
	}
}

/* The values captured so far in the current step: names borrowed from the
 * plan, texts owned here. */
struct values {
	struct value {
		const char *name;
		char *text;
	} *v;
	size_t n, cap;
};

static const char *value_get(const struct values *vs, const char *name)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i].name, name) == 0)
			return vs->v[i].text;
	return NULL;
}

/* Sets (text NULL: forgets) a value; takes text. */
static void value_set(struct values *vs, const char *name, char *text)
{
	size_t i;

	for (i = 0; i < vs->n && strcmp(vs->v[i].name, name) != 0; i++)
		;
	if (i == vs->n) {
		if (!text)
			return;
		vs->v = xgrow(vs->v, &vs->cap, vs->n + 1, sizeof *vs->v);
		vs->v[vs->n++].name = name;
	} else {
		free(vs->v[i].text);
	}
	vs->v[i].text = text;
}

static void values_free(struct values *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		free(vs->v[i].text);
	free(vs->v);
	memset(vs, 0, sizeof *vs);
}

/* A sink that keeps an action's stdout lines (up to TRANSPORT_INPUT_MAX
 * bytes) and passes everything on. */
struct tee {
	const struct sink *to;
	struct buf text;
	int overflow;
};

static void tee_emit(void *ctx, enum sink_kind kind, enum host host, const char *text)
{
	struct tee *t = ctx;

	if (kind == SINK_OUT && !t->overflow) {
		size_t n = strlen(text);
		if (t->text.len + n + 1 > TRANSPORT_INPUT_MAX) {
			t->overflow = 1;
		} else {
			buf_add(&t->text, text, n);
			buf_addc(&t->text, '\n');
		}
	}
	sink_emit(t->to, kind, host, text);
}

/* A sink that records in the journal the figures of the verification
 * table an action prints ("mailshift-figure KEY SOURCE TARGET", core/figures.h)
 * and passes every line on. */
struct rows {
	const struct sink *to;
	struct journal *j;
	size_t si;
	const struct plan_step *ps;
};

static void rows_emit(void *ctx, enum sink_kind kind, enum host host, const char *text)
{
	struct rows *r = ctx;
	struct figure f;

	char note[FIGURES_NOTE];

	char said[FIGURES_NOTE + 64];

	/* a figure is journaled and shown in words, never as the protocol line */
	if (kind == SINK_OUT && (r->ps->step->flags & STEP_FIGURES) && figures_parse(text, &f)) {
		journal_row(r->j, r->si, r->ps, &f);
		f.kind = (r->ps->step->flags & STEP_SURVEY ? FIGURES_SURVEY : 0) |
		         (r->ps->step->flags & STEP_PROOF ? FIGURES_PROOF : 0);
		figures_say(said, sizeof said, &f);
		text = said;
	} else if (kind == SINK_OUT && (r->ps->step->flags & STEP_FIGURES) && figures_note_parse(text, note, sizeof note)) {
		journal_note(r->j, r->si, r->ps, note);
		snprintf(said, sizeof said, "differs: %s", note);
		text = said;
	}
	sink_emit(r->to, kind, host, text);
}

/* Runs action a of step si once, its input taken from and its output kept
 * in vals.  Returns its exit status, or TRANSPORT_FAILED; *said is set
 * when the runner itself has told the admin why. */
static int run_once(const struct runner_run *r, const struct plan_step *ps, size_t si, const struct action *a,
                    struct values *vals, int *said)
{
	const struct sink *sink = r->sink;
	const struct runner_opts *o = r->opts;
	struct rows rows = { sink, r->j, si, ps };
	const struct sink counted = { rows_emit, &rows };
	struct tee tee = { &counted, {0}, 0 };
	const struct sink keep = { tee_emit, &tee };
	const char *input = NULL;
	char *full;
	int status;

	*said = 0;
	if (a->capture)
		value_set(vals, a->capture, NULL);
	if (a->input && !(input = value_get(vals, a->input))) {
		sink_emitf(sink, SINK_ERROR, a->on, "nothing to read: the value \"%s\" was not captured in this "
		           "run (the action of step %s that captures it failed or was skipped); run the whole step again",
		           a->input, ps->step->id);
		*said = 1;
		return TRANSPORT_FAILED;
	}
	if (a->native && o->native)
		return o->native(o->native_ctx, a->native, a->on, r->t, &counted);
	full = xasprintf("%s\n%s", PLAN_PREAMBLE, a->cmd);
	status = transport_run_input(r->t, a->on, full, input, a->capture ? &keep : &counted);
	free(full);
	if (a->capture && status == 0) {
		if (tee.overflow) {
			sink_emitf(sink, SINK_ERROR, a->on, "the action printed more than %d bytes: too much to keep as \"%s\"",
			           TRANSPORT_INPUT_MAX, a->capture);
			*said = 1;
			status = TRANSPORT_FAILED;
		} else {
			value_set(vals, a->capture, buf_steal(&tee.text));
		}
	}
	buf_free(&tee.text);
	return status;
}

/* Runs one action until it succeeds, is skipped, or the run must stop.
 * Returns RUNNER_GO (go on), RUNNER_SKIP (skipped after failing) or
 * RUNNER_ABORT with r->rep.status set. */
static enum runner_choice run_action(struct runner_run *r, const struct plan_step *ps, size_t si, size_t ai,
                                     struct values *vals)
{
	const struct runner_ui *ui = r->ui;
	const struct sink *sink = r->sink;
	const struct runner_opts *o = r->opts;
	struct journal *j = r->j;
	struct runner_report *rep = &r->rep;
	const struct action *a = &ps->act[ai];
	int can_skip = !(a->flags & ACT_DESTRUCTIVE) && !(ps->step->flags & STEP_PROOF);

	for (;;) {
		enum runner_choice c;
		int status, said;
		char why[64];

		sink_emit(sink, SINK_ACTION, a->on, a->note);
		sink_emit(sink, SINK_COMMAND, a->on, a->cmd);
		journal_action_start(j, si, ai);
		status = run_once(r, ps, si, a, vals, &said);
		if (status == 0) {
			if (!(a->flags & ACT_MANUAL)) /* a checklist item is recorded once answered */
				journal_action_end(j, si, ai, JOURNAL_OK, 0);
			return RUNNER_GO;
		}
		if (status == TRANSPORT_FAILED && !said)
			sink_emitf(sink, SINK_ERROR, a->on, "cannot run on the %s: %s",
			           plan_host_name(a->on), transport_error(r->t));
		/* an advisory check that could not run at all is no warning: the
		 * connection is gone, and nothing after it may run */
		if ((a->flags & ACT_ADVISORY) && !(a->flags & ACT_MANUAL) && status != TRANSPORT_FAILED &&
		    !r->interrupted) {
			/* asked: fix it and check again (the installer's files), go on, or
			 * stop; only "go on" makes it a warning, finished for a resume */
			c = o->yes || !ui || !ui->failed ? RUNNER_SKIP : ui->failed(ui->ctx, ps, a, status, 1);
			journal_action_end(j, si, ai, c == RUNNER_SKIP ? JOURNAL_WARNED : JOURNAL_FAILED, status);
			if (c == RUNNER_RETRY)
				continue;
			if (c == RUNNER_ABORT) {
				rep->status = status;
				return RUNNER_ABORT;
			}
			sink_emitf(sink, SINK_WARN, a->on, "advisory check failed (exit %d): %s; going on",
			           status, a->note);
			rep->warnings++;
			return RUNNER_GO;
		}
		journal_action_end(j, si, ai, JOURNAL_FAILED, status);
		rep->status = status;
		if (r->interrupted) {
			sink_emitf(sink, SINK_ERROR, a->on, "interrupted during step %s", ps->step->id);
			return RUNNER_ABORT;
		}
		sink_emitf(sink, SINK_ERROR, a->on, "step %s failed on the %s (%s): %s", ps->step->id,
		           plan_host_name(a->on), runner_status_text(status, why, sizeof why), a->note);
		if (o->yes || !ui || !ui->failed)
			return RUNNER_ABORT;
		c = ui->failed(ui->ctx, ps, a, status, can_skip);
		if (c == RUNNER_RETRY)
			continue;
		if (c == RUNNER_SKIP && can_skip)
			return RUNNER_SKIP;
		return RUNNER_ABORT;
	}
}

/* A checklist item (ACT_MANUAL) whose instruction was just shown: the
 * admin confirms it or leaves it pending (with opts.yes: pending).  Returns
 * RUNNER_GO once recorded, or RUNNER_ABORT (the admin stopped the run, or
 * it was interrupted) with nothing recorded: a resume shows it again. */
static enum runner_choice checklist(struct runner_run *r, const struct plan_step *ps, size_t si, size_t ai)
{
	const struct runner_ui *ui = r->ui;
	const struct sink *sink = r->sink;
	struct runbook *rb = r->rb;
	struct journal *j = r->j;
	struct runner_report *rep = &r->rep;
	const struct action *a = &ps->act[ai];
	enum runner_choice c = RUNNER_SKIP;

	if (r->interrupted)
		return RUNNER_ABORT;
	if (!r->opts->yes && ui && ui->manual)
		c = ui->manual(ui->ctx, ps, a);
	if (c == RUNNER_ABORT)
		return RUNNER_ABORT;
	if (c == RUNNER_GO) {
		journal_checklist_end(j, si, ai, ps, JOURNAL_CONFIRMED);
		rep->confirmed++;
		sink_emitf(sink, SINK_INFO, HOST_LOCAL, "checklist: confirmed: %s", a->note);
		if (rb)
			runbook_note(rb, "checklist item: the admin confirmed it was done");
	} else {
		journal_checklist_end(j, si, ai, ps, JOURNAL_PENDING);
		rep->pending++;
		sink_emitf(sink, SINK_INFO, HOST_LOCAL, "checklist: pending (do it later; mailshift --report lists it): %s",
		           a->note);
		if (rb)
			runbook_note(rb, "checklist item: left pending in this run");
	}
	return RUNNER_GO;
}

/* 1 (said on the sink) when the journal or the runbook could not be
 * written: the run stops before the next action, since a resume would not
 * know where it is and the runbook would not hold what ran. */
static int records_fail(const struct runner_run *r)
{
	struct journal *j = r->j;
	struct runbook *rb = r->rb;
	const struct sink *sink = r->sink;
	const char *why, *what = "journal";

	if (!(why = journal_error(j)) && rb) {
		why = runbook_error(rb);
		what = "runbook";
	}
	if (!why)
		return 0;
	sink_emitf(sink, SINK_ERROR, HOST_LOCAL,
	           "cannot write the %s (%s): mailshift stops before the next action, so that the journal "
	           "knows where the run is and the runbook holds what ran. Make room (df -h), then run "
	           "the same command again: it resumes here", what, why);
	return 1;
}

/* An ACT_CONFIRM_HOST action: the admin types the host's name (the ui's
 * confirm_host), or with opts.yes typed it beforehand (opts.typed_host).
 * Anything else refuses it. */
static enum runner_choice typed(struct runner_run *r, const struct plan_step *ps, const struct action *a)
{
	const struct runner_ui *ui = r->ui;
	const struct runner_opts *o = r->opts;
	const char *host = plan_host_address(r->plan, a->on);

	if (!o->yes && ui && ui->confirm_host)
		return ui->confirm_host(ui->ctx, ps, a, host);
	if (o->yes && o->typed_host && strcmp(o->typed_host, host) == 0)
		return RUNNER_GO;
	sink_emitf(r->sink, SINK_ERROR, a->on, "refused: %s: only after the %s's host name (%s) is typed%s",
	           a->note, plan_host_name(a->on), host,
	           o->yes ? " (the answers' wipe_source_confirm does not name it)" : "");
	return RUNNER_ABORT;
}

/* Runs the actions of one step.  Returns RUNNER_DONE, or the result that
 * ends the run with r->rep.step/action set. */
static enum runner_result run_actions(struct runner_run *r, const struct plan_step *ps, size_t si,
                                      struct values *vals)
{
	const struct runner_ui *ui = r->ui;
	const struct sink *sink = r->sink;
	const struct runner_opts *o = r->opts;
	struct runbook *rb = r->rb;
	struct journal *j = r->j;
	struct runner_report *rep = &r->rep;
	const char *outcome = "done";
	enum runner_choice c;
	size_t ai;
	char note[160], why[64];

	for (ai = 0; ai < ps->n; ai++) {
		const struct action *a = &ps->act[ai];

		if (earlier(o, ps, si, ai)) {
			write_earlier(r, si, ai, a);
			continue;
		}
		if (o->dry_run) {
			if (rb)
				runbook_action(rb, a, RUNBOOK_PLANNED);
			continue;
		}
		rep->step = si;
		rep->action = ai;
		if (r->interrupted) {
			journal_step_end(j, si, ps, "interrupted");
			return RUNNER_REFUSED;
		}
		if (records_fail(r)) {
			rep->status = RUNNER_NO_RECORDS;
			return RUNNER_FAILED;
		}
		if (a->flags & ACT_CONFIRM_HOST)
			c = typed(r, ps, a);
		else if ((a->flags & ACT_DESTRUCTIVE) && !o->yes && ui && ui->confirm_destructive)
			c = ui->confirm_destructive(ui->ctx, ps, a);
		else
			c = RUNNER_GO;
		if (c == RUNNER_ABORT) {
			journal_step_end(j, si, ps, "refused");
			return RUNNER_REFUSED;
		}
		if (c == RUNNER_SKIP) {
			skip_rest(r, ps, si, ai);
			sink_emitf(sink, SINK_INFO, HOST_LOCAL, "skipped the rest of step %s", ps->step->id);
			outcome = "partial";
			break;
		}
		if (rb)
			runbook_action(rb, a, RUNBOOK_RAN);
		c = run_action(r, ps, si, ai, vals);
		if (c == RUNNER_GO && (a->flags & ACT_MANUAL) && checklist(r, ps, si, ai) == RUNNER_ABORT) {
			if (rb)
				runbook_note(rb, "the run stopped here, at this checklist item (not answered)");
			journal_step_end(j, si, ps, r->interrupted ? "interrupted" : "refused");
			return RUNNER_REFUSED;
		}
		if (c == RUNNER_ABORT) {
			snprintf(note, sizeof note, "the run stopped here: the action above failed (%s)",
			         runner_status_text(rep->status, why, sizeof why));
			if (rb)
				runbook_note(rb, note);
			journal_step_end(j, si, ps, "failed");
			return r->interrupted ? RUNNER_REFUSED : RUNNER_FAILED;
		}
		if (c == RUNNER_SKIP) {
			snprintf(note, sizeof note, "the action above failed (%s) and the admin skipped it",
			         runner_status_text(rep->status, why, sizeof why));
			if (rb)
				runbook_note(rb, note);
			journal_action_end(j, si, ai, JOURNAL_SKIPPED, rep->status);
			rep->skipped++;
			outcome = "partial";
		}
		test_kill(o, si, ai);
	}
	journal_step_end(j, si, ps, outcome);
	return RUNNER_DONE;
}

/* run_actions with the step's values, which end with the step. */
static enum runner_result run_step(struct runner_run *r, const struct plan_step *ps, size_t si)
{
	struct values vals = {0};
	enum runner_result res = run_actions(r, ps, si, &vals);

	values_free(&vals);
	return res;
}

int runner_skips(const char *const *skip, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(skip[i], id) == 0)
			return 1;
	return 0;
}

/* 1 when the admin left step ps out of the plan (opts.skip). */
static int left_out(const struct runner_opts *o, const struct plan_step *ps)
{
	return runner_skips(o->skip, o->nskip, ps->step->id);
}

/* The steps, from the first: RUNNER_DONE, or what ended the run. */
static enum runner_result run_steps(struct runner_run *run)
{
	const struct plan *p = run->plan;
	const struct runner_opts *o = run->opts;
	struct runbook *rb = run->rb;
	struct journal *j = run->j;
	const struct sink *sink = run->sink;
	struct runner_report *rep = &run->rep;
	enum runner_result r = RUNNER_DONE;
	size_t si, ai;

	for (si = 0; si < p->n && r == RUNNER_DONE; si++) {
		const struct plan_step *ps = &p->steps[si];
		enum runner_choice c;

		if (rb)
			runbook_step(rb, si);
		if (earlier(o, ps, si, ps->n ? ps->n - 1 : 0)) {
			for (ai = 0; ai < ps->n; ai++)
				write_earlier(run, si, ai, &ps->act[ai]);
		} else {
			sink_emitf(sink, SINK_STEP, HOST_LOCAL, "[%zu/%zu] %s", si + 1, p->n, ps->step->title);
			sink_emit(sink, SINK_WHY, HOST_LOCAL, ps->step->why);
			c = run->interrupted ? RUNNER_ABORT : left_out(o, ps) ? RUNNER_SKIP : ask_step(run, ps, si);
			rep->step = si;
			rep->action = 0;
			if (c == RUNNER_ABORT) {
				r = RUNNER_REFUSED;
			} else if (c == RUNNER_SKIP) {
				journal_step(j, si, ps);
				sink_emitf(sink, SINK_INFO, HOST_LOCAL, "skipped step %s%s", ps->step->id,
				           left_out(o, ps) ? " (left out of the plan, as asked)" : "");
				skip_rest(run, ps, si, 0);
				journal_step_end(j, si, ps, "skipped");
			} else {
				if (!o->dry_run)
					journal_step(j, si, ps);
				r = run_step(run, ps, si);
			}
		}
		if (rb)
			runbook_step_end(rb);
		/* --until: stop after this step, as asked; a resume starts at the next */
		if (r == RUNNER_DONE && o->until && !o->dry_run && si + 1 < p->n &&
		    strcmp(ps->step->id, o->until) == 0) {
			rep->step = si;
			rep->action = ps->n;
			r = RUNNER_PAUSED;
		}
	}
	return r;
}

enum runner_result runner_run(struct runner_run *run)
{
	enum runner_result r;

	memset(&run->rep, 0, sizeof run->rep);
	current = &run->interrupted;
	r = run_steps(run);
	if (current == &run->interrupted)
		current = NULL;
	return r;
}

const char *runner_status_text(int status, char *buf, size_t n)
{
	if (status == RUNNER_NO_RECORDS)
		snprintf(buf, n, "not run: the journal or runbook could not be written");
	else if (status < 0)
		snprintf(buf, n, "it could not run");
	else
		snprintf(buf, n, "exit %d", status);
	return buf;
}
