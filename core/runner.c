#include "core/runner.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static enum runner_choice ask_step(const struct runner_ui *ui, const struct runner_opts *o,
                                   const struct plan_step *ps, size_t i, size_t n)
{
	if (o->yes || o->dry_run || !ui->confirm_step)
		return RUNNER_GO;
	return ui->confirm_step(ui->ctx, ps, i, n);
}

/* Marks the rest of a step, from action `from`, as skipped. */
static void skip_rest(const struct plan_step *ps, size_t si, size_t from, struct runbook *rb,
                      struct journal *j, struct runner_report *rep)
{
	size_t ai;

	for (ai = from; ai < ps->n; ai++) {
		if (rb)
			runbook_action(rb, &ps->act[ai], RUNBOOK_SKIPPED, 0);
		journal_action_end(j, si, ai, JOURNAL_SKIPPED, 0);
		rep->skipped++;
	}
}

/* Runs one action until it succeeds, is skipped, or the run must stop.
 * Returns RUNNER_GO (go on), RUNNER_SKIP (skipped) or RUNNER_ABORT with
 * rep->status set. */
static enum runner_choice run_action(const struct plan_step *ps, size_t si, size_t ai,
                                     struct transport *t, const struct runner_ui *ui,
                                     const struct sink *sink, struct journal *j,
                                     const struct runner_opts *o, struct runner_report *rep)
{
	const struct action *a = &ps->act[ai];
	int can_skip = !(a->flags & ACT_DESTRUCTIVE);

	for (;;) {
		enum runner_choice c;
		char *full;
		int status;

		sink_emit(sink, SINK_ACTION, a->on, a->note);
		sink_emit(sink, SINK_COMMAND, a->on, a->cmd);
		journal_action_start(j, si, ai);
		full = xasprintf("%s\n%s", PLAN_PREAMBLE, a->cmd);
		status = transport_run(t, a->on, full, sink);
		free(full);
		if (status == 0) {
			journal_action_end(j, si, ai, JOURNAL_OK, 0);
			return RUNNER_GO;
		}
		if (status == TRANSPORT_FAILED)
			sink_emitf(sink, SINK_ERROR, a->on, "cannot run on the %s: %s",
			           plan_host_name(a->on), transport_error(t));
		if (a->flags & ACT_ADVISORY) {
			sink_emitf(sink, SINK_WARN, a->on, "advisory check failed (exit %d): %s; going on",
			           status, a->note);
			journal_action_end(j, si, ai, JOURNAL_WARNED, status);
			rep->warnings++;
			return RUNNER_GO;
		}
		journal_action_end(j, si, ai, JOURNAL_FAILED, status);
		sink_emitf(sink, SINK_ERROR, a->on, "step %s failed on the %s (exit %d): %s",
		           ps->step->id, plan_host_name(a->on), status, a->note);
		rep->status = status;
		if (o->yes || !ui->failed)
			return RUNNER_ABORT;
		c = ui->failed(ui->ctx, ps, a, status, can_skip);
		if (c == RUNNER_RETRY)
			continue;
		if (c == RUNNER_SKIP && can_skip)
			return RUNNER_SKIP;
		return RUNNER_ABORT;
	}
}

enum runner_result runner_run(const struct plan *p, struct transport *t, const struct runner_ui *ui,
                              const struct sink *sink, struct runbook *rb, struct journal *j,
                              const struct runner_opts *o, struct runner_report *rep)
{
	size_t si, ai;

	memset(rep, 0, sizeof *rep);
	for (si = 0; si < p->n; si++) {
		const struct plan_step *ps = &p->steps[si];
		int earlier = si < o->resume_step;
		enum runner_choice c;

		if (rb)
			runbook_step(rb, si);
		if (earlier) {
			for (ai = 0; ai < ps->n; ai++)
				if (rb)
					runbook_action(rb, &ps->act[ai], RUNBOOK_EARLIER, 0);
			if (rb)
				runbook_step_end(rb);
			continue;
		}
		sink_emitf(sink, SINK_STEP, HOST_LOCAL, "[%zu/%zu] %s", si + 1, p->n, ps->step->title);
		sink_emit(sink, SINK_WHY, HOST_LOCAL, ps->step->why);
		c = ask_step(ui, o, ps, si, p->n);
		if (c == RUNNER_ABORT) {
			rep->step = si;
			if (rb)
				runbook_step_end(rb);
			return RUNNER_REFUSED;
		}
		journal_step(j, si, ps);
		if (c == RUNNER_SKIP) {
			sink_emitf(sink, SINK_INFO, HOST_LOCAL, "skipped step %s", ps->step->id);
			skip_rest(ps, si, 0, rb, j, rep);
			journal_step_end(j, si, ps, "skipped");
			if (rb)
				runbook_step_end(rb);
			continue;
		}
		for (ai = 0; ai < ps->n; ai++) {
			const struct action *a = &ps->act[ai];

			if (si == o->resume_step && ai < o->resume_action) {
				if (rb)
					runbook_action(rb, a, RUNBOOK_EARLIER, 0);
				continue;
			}
			if (o->dry_run) {
				if (rb)
					runbook_action(rb, a, RUNBOOK_PLANNED, 0);
				continue;
			}
			if ((a->flags & ACT_DESTRUCTIVE) && !o->yes && ui->confirm_destructive) {
				c = ui->confirm_destructive(ui->ctx, ps, a);
				if (c == RUNNER_ABORT) {
					rep->step = si;
					rep->action = ai;
					journal_step_end(j, si, ps, "refused");
					if (rb)
						runbook_step_end(rb);
					return RUNNER_REFUSED;
				}
				if (c == RUNNER_SKIP) {
					skip_rest(ps, si, ai, rb, j, rep);
					sink_emitf(sink, SINK_INFO, HOST_LOCAL,
					           "skipped the rest of step %s", ps->step->id);
					break;
				}
			}
			c = run_action(ps, si, ai, t, ui, sink, j, o, rep);
			if (c == RUNNER_ABORT) {
				rep->step = si;
				rep->action = ai;
				if (rb) {
					runbook_action(rb, a, RUNBOOK_FAILED, rep->status);
					runbook_step_end(rb);
				}
				journal_step_end(j, si, ps, "failed");
				return RUNNER_FAILED;
			}
			if (c == RUNNER_SKIP) {
				if (rb)
					runbook_action(rb, a, RUNBOOK_SKIPPED, 0);
				journal_action_end(j, si, ai, JOURNAL_SKIPPED, rep->status);
				rep->skipped++;
				continue;
			}
			if (rb)
				runbook_action(rb, a, RUNBOOK_RAN, 0);
		}
		journal_step_end(j, si, ps, "done");
		if (rb)
			runbook_step_end(rb);
	}
	return RUNNER_DONE;
}
