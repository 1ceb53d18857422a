/* The runner with a fake transport and a scripted admin. */
#include "fixture.h"

#include <signal.h>
#include <sys/resource.h>

#include "backends/transport.h"
#include "core/journal.h"
#include "core/runbook.h"
#include "core/runner.h"
#include "app/session.h"

/* The fake transport: exit statuses scripted per call, commands and inputs
 * recorded; with `big`, a call prints more than a value may hold. */
struct fake {
	struct transport t;
	int status[32];
	char *input[32];
	size_t calls;
	struct buf log;
	int big;
	const char *say[32]; /* a line a call prints after its "output of call N" */
	size_t interrupt_at; /* call N (from 1) interrupts the run, as a signal handler does */
};

static int fake_run(struct transport *t, enum host h, const char *cmd, const char *input,
                    const struct sink *sink)
{
	struct fake *f = (struct fake *)t;
	size_t pre = strlen(PLAN_PREAMBLE "\n");
	int st;

	f->input[f->calls] = input ? xstrdup(input) : NULL;
	st = f->status[f->calls++];
	if (f->interrupt_at == f->calls)
		runner_interrupt();
	/* every action runs after the preamble */
	assert_memory_equal(cmd, PLAN_PREAMBLE "\n", pre);
	buf_addf(&f->log, "%s: %s\n", plan_host_name(h), cmd + pre);
	sink_emitf(sink, SINK_OUT, h, "output of call %zu", f->calls);
	if (f->say[f->calls - 1])
		sink_emit(sink, SINK_OUT, h, f->say[f->calls - 1]);
	if (f->big) {
		char *line = xcalloc(1, 4097);
		size_t i;
		memset(line, 'x', 4096);
		for (i = 0; i < TRANSPORT_INPUT_MAX / 4096; i++)
			sink_emit(sink, SINK_OUT, h, line);
		free(line);
	}
	if (st == TRANSPORT_FAILED)
		snprintf(t->err, sizeof t->err, "connection refused");
	return st;
}

static void fake_free(struct transport *t)
{
	(void)t;
}

static const struct transport_ops fake_ops = { "fake", fake_run, fake_free };

/* The scripted admin: answers taken in order from a string, one char each:
 * g(o) s(kip) a(bort) r(etry). */
struct admin {
	const char *script;
	size_t asked;
	int skip_offered_for_destructive;
	const size_t *calls;        /* the fake transport's count */
	size_t manual_asked;        /* checklist questions */
	size_t calls_at_manual[4];  /* the count when each was asked */
};

static enum runner_choice next(struct admin *ad)
{
	char c = ad->script[ad->asked];
	if (c)
		ad->asked++;
	switch (c) {
	case 'g': return RUNNER_GO;
	case 's': return RUNNER_SKIP;
	case 'r': return RUNNER_RETRY;
	default: return RUNNER_ABORT;
	}
}

static enum runner_choice ui_step(void *ctx, const struct plan_step *ps, size_t i, size_t n)
{
	(void)ps; (void)i; (void)n;
	return next(ctx);
}

static enum runner_choice ui_destructive(void *ctx, const struct plan_step *ps, const struct action *a)
{
	(void)ps;
	assert_true(a->flags & ACT_DESTRUCTIVE);
	return next(ctx);
}

static enum runner_choice ui_failed(void *ctx, const struct plan_step *ps, const struct action *a,
                                    int status, int can_skip)
{
	struct admin *ad = ctx;
	(void)ps; (void)status;
	if ((a->flags & ACT_DESTRUCTIVE) && can_skip)
		ad->skip_offered_for_destructive = 1;
	return next(ctx);
}

static enum runner_choice ui_manual(void *ctx, const struct plan_step *ps, const struct action *a)
{
	struct admin *ad = ctx;
	(void)ps;
	assert_true(a->flags & ACT_MANUAL);
	if (ad->manual_asked < 4)
		ad->calls_at_manual[ad->manual_asked] = *ad->calls;
	ad->manual_asked++;
	return next(ctx);
}

struct seen {
	struct buf text;
};

static void collect(void *ctx, enum sink_kind k, enum host h, const char *text)
{
	struct seen *s = ctx;
	buf_addf(&s->text, "%d %s %s\n", (int)k, plan_host_name(h), text);
}

struct world {
	struct answers a;
	struct plan p;
	struct fake f;
	struct admin ad;
	struct runner_ui ui;
	struct seen seen;
	struct sink sink;
	struct runner_report rep;
};

static void setup_plan(struct world *w, void (*build)(struct answers *, struct plan *),
                       const char *script, const int *statuses, size_t n)
{
	memset(w, 0, sizeof *w);
	build(&w->a, &w->p);
	w->f.t.ops = &fake_ops;
	memcpy(w->f.status, statuses, n * sizeof *statuses);
	w->ad.script = script;
	w->ad.calls = &w->f.calls;
	w->ui = (struct runner_ui){ ui_step, ui_destructive, ui_failed, ui_manual, &w->ad, NULL };
	w->sink = (struct sink){ collect, &w->seen };
}

static void setup(struct world *w, const char *script, const int *statuses, size_t n)
{
	setup_plan(w, fx_build, script, statuses, n);
}

/* runner_run() on the world's plan, fake transport, admin and sink; the
 * report into w->rep. */
static enum runner_result run(struct world *w, struct runbook *rb, struct journal *j, const struct runner_opts *o)
{
	struct runner_run r = { .plan = &w->p, .t = &w->f.t, .ui = &w->ui, .sink = &w->sink, .rb = rb, .j = j,
	                        .opts = o };
	enum runner_result res = runner_run(&r);

	w->rep = r.rep;
	return res;
}

static void teardown(struct world *w)
{
	size_t i;

	for (i = 0; i < w->f.calls; i++)
		free(w->f.input[i]);
	buf_free(&w->f.log);
	buf_free(&w->seen.text);
	plan_free(&w->p);
	answers_free(&w->a);
}

static void test_all_good(void **state)
{
	struct world w;
	static const int st[] = { 0, 0, 0, 1, 0 };
	struct runner_opts o = {0};
	(void)state;

	setup(&w, "gggs", st, 5);
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 5);
	assert_int_equal(w.ad.asked, 4); /* two steps, one destructive action, the failed advisory (s: go on) */
	assert_int_equal(w.rep.warnings, 1); /* the advisory "false" */
	assert_non_null(strstr(buf_cstr(&w.f.log), "target: rsync -a -- \"/var/my mail\"/ x\n"));
	assert_non_null(strstr(buf_cstr(&w.seen.text), "output of call 2"));
	assert_non_null(strstr(buf_cstr(&w.seen.text), "advisory check failed (exit 1): may warn; going on"));
	teardown(&w);
}

/* A failed advisory check is asked about: retried after a fix it passes
 * (no warning); abort stops the run there. */
static void test_advisory_asked(void **state)
{
	struct world w;
	static const int st[] = { 0, 0, 0, 1, 0, 0 };
	struct runner_opts o = {0};
	(void)state;

	setup(&w, "gggr", st, 6);
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 6);
	assert_int_equal(w.rep.warnings, 0);
	assert_null(strstr(buf_cstr(&w.seen.text), "advisory check failed"));
	teardown(&w);

	/* aborted, the check is not finished: a resume runs it again */
	{
		char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256];
		struct journal *j;
		struct journal_progress progress;

		setup(&w, "ggga", st, 6);
		j = journal_open(jp, &w.p, 0, err, sizeof err);
		assert_non_null(j);
		assert_int_equal(run(&w, NULL, j, &o), RUNNER_FAILED);
		assert_int_equal(journal_close(j), 0);
		assert_int_equal(w.f.calls, 4); /* the last action never ran */
		assert_int_equal(w.rep.status, 1);
		assert_int_equal(journal_resume_point(jp, &w.p, &progress, err, sizeof err), JOURNAL_PARTIAL);
		assert_int_equal(progress.step, 1);
		assert_int_equal(progress.action, 1); /* the advisory check itself */
		journal_progress_free(&progress);
		teardown(&w);
		tu_rmrf(dir);
		free(jp);
		free(dir);
	}
}

static void test_retry_then_skip(void **state)
{
	struct world w;
	/* call 1 fails, retried (call 2) fails, skipped; the rest succeed */
	static const int st[] = { 1, 1, 0, 0, 0, 0 };
	struct runner_opts o = {0};
	(void)state;

	setup(&w, "grsgg", st, 6);
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 6);
	assert_int_equal(w.rep.skipped, 1);
	teardown(&w);
}

static void test_destructive_failure_stops(void **state)
{
	struct world w;
	static const int st[] = { 0, 0, 23 };
	struct runner_opts o = {0};
	(void)state;

	/* the admin asks to skip the failed destructive action: the run stops */
	setup(&w, "gggs", st, 3);
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_FAILED);
	assert_int_equal(w.ad.skip_offered_for_destructive, 0);
	assert_int_equal(w.f.calls, 3);
	assert_int_equal(w.rep.step, 1);
	assert_int_equal(w.rep.action, 0);
	assert_int_equal(w.rep.status, 23);
	teardown(&w);
}

static void test_yes_aborts_on_failure(void **state)
{
	struct world w;
	static const int st[] = { 0, TRANSPORT_FAILED };
	struct runner_opts o = { .yes = 1 };
	(void)state;

	setup(&w, "", st, 2);
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_FAILED);
	assert_int_equal(w.ad.asked, 0);
	assert_int_equal(w.f.calls, 2);
	assert_non_null(strstr(buf_cstr(&w.seen.text), "cannot run on the target: connection refused"));
	teardown(&w);
}

static void test_refused(void **state)
{
	struct world w;
	static const int st[] = { 0, 0 };
	struct runner_opts o = {0};
	(void)state;

	/* step one runs, the destructive action of step two is refused */
	setup(&w, "gga", st, 2);
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_REFUSED);
	assert_int_equal(w.f.calls, 2);
	assert_int_equal(w.rep.step, 1);
	teardown(&w);
	/* skipping the first step runs none of its actions */
	setup(&w, "sa", st, 2);
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_REFUSED);
	assert_int_equal(w.f.calls, 0);
	assert_int_equal(w.rep.skipped, 2);
	teardown(&w);
}

/* An interrupt (runner_interrupt(), as the front ends' signal handlers
 * call it) stops the run going on after its current action, and only it:
 * the flag is the run's, a run after it starts clear, and one set before
 * a run starts stops it before its first question. */
static void test_interrupt(void **state)
{
	struct world w;
	static const int st[] = { 0, 0, 0, 0, 0 };
	struct runner_opts o = { .yes = 1 };
	struct runner_run r;
	(void)state;

	setup(&w, "", st, 5);
	w.f.interrupt_at = 1;
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_REFUSED);
	assert_int_equal(w.f.calls, 1); /* the action going on finished; the next did not start */
	assert_int_equal(w.rep.step, 0);
	assert_int_equal(w.rep.action, 1);
	assert_non_null(strstr(w.seen.text.s, "output of call 1"));
	teardown(&w);

	/* no run going on: nothing to stop, and the next run is not stopped */
	runner_interrupt();
	setup(&w, "", st, 5);
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 5);
	teardown(&w);

	/* set before the run: it asks nothing and runs nothing */
	setup(&w, "gggg", st, 5);
	r = (struct runner_run){ .plan = &w.p, .t = &w.f.t, .ui = &w.ui, .sink = &w.sink, .opts = &o };
	o.yes = 0;
	r.interrupted = 1;
	assert_int_equal(runner_run(&r), RUNNER_REFUSED);
	assert_int_equal(w.f.calls, 0);
	assert_int_equal(w.ad.asked, 0);
	assert_int_equal(r.rep.step, 0);
	assert_true(r.interrupted); /* the runner never clears it */
	teardown(&w);
}

/* A failed run journaled, then resumed: the finished actions are not run
 * again, and the runbook still lists them. */
static void test_resume(void **state)
{
	struct world w;
	static const int first[] = { 0, 0, 0, 1, 7 };
	static const int second[] = { 0, 0 };
	struct runner_opts o = { .yes = 1 };
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), *rp = xasprintf("%s/rb.sh", dir), err[256], *text;
	struct journal *j;
	struct runbook *rb;
	struct journal_progress progress;
	(void)state;

	setup(&w, "", first, 5);
	j = journal_open(jp, &w.p, 0, err, sizeof err);
	assert_non_null(j);
	assert_int_equal(run(&w, NULL, j, &o), RUNNER_FAILED);
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(w.f.calls, 5);
	assert_int_equal(journal_resume_point(jp, &w.p, &progress, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(progress.step, 1);
	assert_int_equal(progress.action, 2); /* after the destructive action and the advisory warning */
	teardown(&w);

	setup(&w, "", second, 2);
	o.resume = &progress;
	j = journal_open(jp, &w.p, 0, err, sizeof err);
	rb = runbook_open(rp, &w.p, 0, err, sizeof err);
	assert_non_null(rb);
	assert_int_equal(run(&w, rb, j, &o), RUNNER_DONE);
	assert_int_equal(runbook_close(rb, NULL), 0);
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(w.f.calls, 1);
	assert_string_equal(buf_cstr(&w.f.log), "local: printf '%s\\n' done\n");
	journal_progress_free(&progress);
	assert_int_equal(journal_resume_point(jp, &w.p, &progress, err, sizeof err), JOURNAL_COMPLETE);
	text = tu_read(rp);
	assert_non_null(strstr(text, "  # first check (done in an earlier run)\n  cmd <<'MS_CMD'\necho one\nMS_CMD\n  on_source \"$CMD\"\n"));
	assert_non_null(strstr(text, "  # last\n  cmd <<'MS_CMD'\nprintf '%s\\n' done\nMS_CMD\n  on_local \"$CMD\"\n"));
	free(text);
	journal_progress_free(&progress);
	/* a run killed right after the last action left the runbook cut short;
	 * a rerun that finds every step finished writes it whole, running nothing */
	assert_int_equal(truncate(rp, 200), 0);
	{
		struct session s = { .plan = &w.p, .journal = jp, .runbook = rp };
		int calls = w.f.calls;
		assert_int_equal(session_where(&s, err, sizeof err), SESSION_FINISHED);
		assert_int_equal(session_runbook_whole(&s, err, sizeof err), 0);
		assert_int_equal(w.f.calls, calls);
		journal_progress_free(&s.progress);
	}
	text = tu_read(rp);
	assert_non_null(strstr(text, "  # first check (done in an earlier run)\n  cmd <<'MS_CMD'\necho one\nMS_CMD\n  on_source \"$CMD\"\n"));
	assert_non_null(strstr(text, "  # last (done in an earlier run)\n"));
	assert_non_null(strstr(text, "\"step_${s//-/_}\"\n"));
	free(text);
	teardown(&w);
	tu_rmrf(dir);
	free(jp);
	free(rp);
	free(dir);
}

/* A captured value reaches the later action's stdin, line by line. */
static void test_value_flows(void **state)
{
	struct world w;
	static const int st[] = { 0, 0, 0, 0 };
	struct runner_opts o = { .yes = 1 };
	(void)state;

	setup_plan(&w, fx_build_values, "", st, 4);
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 4);
	assert_null(w.f.input[0]);
	assert_string_equal(w.f.input[1], "output of call 1\n");
	assert_null(w.f.input[2]);
	assert_string_equal(w.f.input[3], "output of call 3\n");
	/* the captured output is still shown */
	assert_non_null(strstr(buf_cstr(&w.seen.text), "output of call 1"));
	assert_non_null(strstr(buf_cstr(&w.f.log), "source: read -r k; echo \"got $k\"\n"));
	teardown(&w);
}

/* The capturing action failed and was skipped: the reading action fails
 * without running, and says why. */
static void test_value_missing(void **state)
{
	struct world w;
	static const int st[] = { 5 };
	struct runner_opts o = {0};
	(void)state;

	setup_plan(&w, fx_build_values, "gsa", st, 1);
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_FAILED);
	assert_int_equal(w.f.calls, 1);
	assert_int_equal(w.rep.step, 0);
	assert_int_equal(w.rep.action, 1);
	assert_int_equal(w.rep.status, TRANSPORT_FAILED);
	assert_non_null(strstr(buf_cstr(&w.seen.text), "nothing to read: the value \"pubkey\" was not captured in this run"));
	assert_null(strstr(buf_cstr(&w.seen.text), "cannot run on the source"));
	teardown(&w);
}

/* More output than a value holds fails the capturing action. */
static void test_value_too_big(void **state)
{
	struct world w;
	static const int st[] = { 0 };
	struct runner_opts o = { .yes = 1 };
	(void)state;

	setup_plan(&w, fx_build_values, "", st, 1);
	w.f.big = 1;
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_FAILED);
	assert_int_equal(w.f.calls, 1);
	assert_non_null(strstr(buf_cstr(&w.seen.text), "too much to keep as \"pubkey\""));
	teardown(&w);
}

/* A run resumed inside a step that captures runs the whole step again. */
static void test_value_resume(void **state)
{
	struct world w;
	static const int st[] = { 0, 0, 0, 0 };
	struct runner_opts o = { .yes = 1 };
	unsigned char s0[2] = {0}, s1[2] = {0}, *rows[2] = { s0, s1 };
	struct journal_progress progress = { .step = 0, .action = 1, .skipped = rows, .nsteps = 2 };
	(void)state;

	setup_plan(&w, fx_build_values, "", st, 4);
	o.resume = &progress;
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 4);
	assert_string_equal(w.f.input[1], "output of call 1\n");
	teardown(&w);
}

/* Runs the checklist plan with a journal in dir; returns the result. */
static enum runner_result run_journaled(struct world *w, const char *jp, const struct runner_opts *o)
{
	char err[256];
	struct journal *j = journal_open(jp, &w->p, 0, err, sizeof err);
	enum runner_result r;

	assert_non_null(j);
	r = run(w, NULL, j, o);
	assert_int_equal(journal_close(j), 0);
	return r;
}

/* --yes: checklist items run (the instruction shows), nothing is asked,
 * each is recorded pending, and the run is done and complete. */
static void test_manual_yes(void **state)
{
	struct world w;
	static const int st[] = { 0, 0, 0, 0 };
	struct runner_opts o = { .yes = 1 };
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256], *text;
	struct journal_progress progress;
	(void)state;

	setup_plan(&w, fx_build_manual, "", st, 4);
	assert_int_equal(run_journaled(&w, jp, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 4);
	assert_int_equal(w.ad.manual_asked, 0);
	assert_int_equal(w.rep.pending, 2);
	assert_int_equal(w.rep.confirmed, 0);
	assert_non_null(strstr(buf_cstr(&w.f.log), "local: printf '%s\\n' new.example.org\n"));
	assert_non_null(strstr(buf_cstr(&w.seen.text), "checklist: pending (do it later; mailshift --report lists it): "
	                                                "lower the MX/A TTL to 300 s a day ahead"));
	text = tu_read(jp);
	assert_non_null(strstr(text, "\t0\t1\tpending\t0\tprepare\tlower the MX/A TTL to 300 s a day ahead\n"));
	assert_non_null(strstr(text, "\t1\t0\tpending\t0\tcutover\tpoint the MX at the new server (it's the switch)\n"));
	assert_null(strstr(text, "\t0\t1\tok\t"));
	free(text);
	/* pending blocks no resume */
	assert_int_equal(journal_resume_point(jp, &w.p, &progress, err, sizeof err), JOURNAL_COMPLETE);
	assert_int_equal(journal_checklist(jp, NULL, 1, err, sizeof err), 2);
	teardown(&w);
	tu_rmrf(dir);
	free(jp);
	free(dir);
}

/* The admin confirms the first item and leaves the second for later:
 * asked after each instruction ran, recorded confirmed and pending. */
static void test_manual_confirm_later(void **state)
{
	struct world w;
	static const int st[] = { 0, 0, 0, 0 };
	struct runner_opts o = {0};
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256], *text = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	/* step, item (done), step, item (later) */
	setup_plan(&w, fx_build_manual, "gggs", st, 4);
	assert_int_equal(run_journaled(&w, jp, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 4);
	assert_int_equal(w.ad.manual_asked, 2);
	assert_int_equal(w.ad.calls_at_manual[0], 2); /* after its instruction ran */
	assert_int_equal(w.ad.calls_at_manual[1], 3);
	assert_int_equal(w.rep.confirmed, 1);
	assert_int_equal(w.rep.pending, 1);
	assert_non_null(strstr(buf_cstr(&w.seen.text), "checklist: confirmed: lower the MX/A TTL"));
	f = open_memstream(&text, &len);
	assert_int_equal(journal_checklist(jp, f, 0, err, sizeof err), 2);
	fclose(f);
	assert_string_equal(text, "  confirmed  prepare: lower the MX/A TTL to 300 s a day ahead\n"
	                          "  pending    cutover: point the MX at the new server (it's the switch)\n");
	free(text);
	teardown(&w);
	tu_rmrf(dir);
	free(jp);
	free(dir);
}

/* [a]bort at a checklist item: the run stops, the item is not recorded,
 * and a resume shows it again. */
static void test_manual_abort(void **state)
{
	struct world w;
	static const int st[] = { 0, 0 };
	struct runner_opts o = {0};
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256];
	struct journal_progress progress;
	(void)state;

	setup_plan(&w, fx_build_manual, "ga", st, 2);
	assert_int_equal(run_journaled(&w, jp, &o), RUNNER_REFUSED);
	assert_int_equal(w.f.calls, 2);
	assert_int_equal(w.rep.step, 0);
	assert_int_equal(w.rep.action, 1);
	assert_int_equal(w.rep.pending + w.rep.confirmed, 0);
	assert_int_equal(journal_resume_point(jp, &w.p, &progress, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(progress.step, 0);
	assert_int_equal(progress.action, 1);
	journal_progress_free(&progress);
	assert_int_equal(journal_checklist(jp, NULL, 0, err, sizeof err), 0);
	teardown(&w);
	tu_rmrf(dir);
	free(jp);
	free(dir);
}

/* --until: the run stops after the named step, every action of it
 * finished, and the journal resumes at the next step's first action. */
static void test_until(void **state)
{
	struct world w;
	static const int st[] = { 0, 0, 0, 0, 0 };
	struct runner_opts o = { .yes = 1, .until = "first-step" };
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256];
	struct journal *j;
	struct journal_progress progress;
	(void)state;

	setup(&w, "", st, 5);
	j = journal_open(jp, &w.p, 0, err, sizeof err);
	assert_int_equal(run(&w, NULL, j, &o), RUNNER_PAUSED);
	journal_finish(j, "paused");
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(w.f.calls, 2);
	assert_int_equal(w.rep.step, 0);
	assert_int_equal(journal_resume_point(jp, &w.p, &progress, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(progress.step, 1);
	assert_int_equal(progress.action, 0);
	teardown(&w);

	/* the rerun, without --until, resumes there and runs the rest */
	setup(&w, "", st, 5);
	o.until = NULL;
	o.resume = &progress;
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 3);
	assert_true(strncmp(buf_cstr(&w.f.log), "target: rsync", 13) == 0);
	journal_progress_free(&progress);
	teardown(&w);

	/* a skipped step stops the run too; the last step and a dry run do not pause */
	setup(&w, "s", st, 5);
	o = (struct runner_opts){ .until = "first-step" };
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_PAUSED);
	assert_int_equal(w.f.calls, 0);
	assert_int_equal(w.ad.asked, 1);
	teardown(&w);
	setup(&w, "", st, 5);
	o = (struct runner_opts){ .yes = 1, .until = "second" };
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 5);
	teardown(&w);
	setup(&w, "", st, 5);
	o = (struct runner_opts){ .yes = 1, .dry_run = 1, .until = "first-step" };
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_DONE);
	assert_int_equal(w.f.calls, 0);
	teardown(&w);
	tu_rmrf(dir);
	free(jp);
	free(dir);
}

/* A plan with a native comparison, as the verify step has. */
static void fx_plan_compare(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_TARGET, 0, "counts messages", "echo counting");
	plan_native(ps, HOST_TARGET, 0, NATIVE_COMPARE, "compares", "echo 'the shell equivalent'");
}

static void fx_plan_after(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_TARGET, 0, "after", "echo after");
}

static const struct step fx_compare_steps[] = {
	{ .id = "verify", .title = "Verify", .why = "Counts both.", .flags = STEP_FIGURES, .plan = fx_plan_compare },
	{ .id = "later", .title = "Later", .why = "Then.", .plan = fx_plan_after },
};

static void fx_build_compare(struct answers *a, struct plan *p)
{
	fx_build_from(a, p, fx_compare_steps);
}

static int native_rows(void *ctx, enum native what, enum host on, struct transport *t, const struct sink *sink)
{
	int *called = ctx;
	(void)t;
	assert_int_equal(what, NATIVE_COMPARE);
	(*called)++;
	sink_emit(sink, SINK_OUT, HOST_LOCAL, "mailshift-figure accounts 12 11");
	sink_emit(sink, SINK_ERR, on, "mailshift-figure domains 2 2"); /* stderr: no figure */
	return 1;
}

/* The figures an action prints ("mailshift-figure KEY SOURCE TARGET") are
 * recorded in the journal with the step's id, also when the action fails,
 * also from a native action, and still shown; other lines are not. */
static void test_rows_recorded(void **state)
{
	struct world w;
	static const int st[] = { 0, 0 };
	struct runner_opts o = { .yes = 1 };
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256], *text;
	struct journal *j;
	struct figures fs = {0};
	int called = 0;
	(void)state;

	/* the shell actions: one prints a figure and a line that is none */
	setup(&w, "", st, 2);
	w.f.say[0] = "mailshift-figure messages 3456 3455";
	w.f.say[1] = "mailshift-figure bytes 1 kB 2 kB"; /* five words: no figure */
	w.f.status[1] = 1;
	j = journal_open(jp, &w.p, 0, err, sizeof err);
	assert_non_null(j);
	assert_int_equal(run(&w, NULL, j, &o), RUNNER_FAILED);
	assert_int_equal(journal_close(j), 0);
	/* shown in words, not as mailshift's own protocol line */
	assert_non_null(strstr(buf_cstr(&w.seen.text),
	                       "figure: messages: 3456 on the source, 3455 on the target (differs)\n"));
	assert_null(strstr(buf_cstr(&w.seen.text), "mailshift-figure messages"));
	text = tu_read(jp);
	assert_non_null(strstr(text, "\t0\tfirst-step\tmessages\t3456\t3455\n"));
	assert_null(strstr(text, "bytes"));
	free(text);
	teardown(&w);
	unlink(jp);

	/* a step without STEP_FIGURES (its output, e.g. a server's config, is
	 * not mailshift's to trust as figures): shown, never recorded */
	{
		static const int ok[] = { 0, 0, 0, 0, 0 };
		setup(&w, "", ok, 5);
		w.f.say[2] = "mailshift-figure messages 1 1"; /* the first action of step "second" */
		j = journal_open(jp, &w.p, 0, err, sizeof err);
		assert_int_equal(run(&w, NULL, j, &o), RUNNER_DONE);
		assert_int_equal(journal_close(j), 0);
		assert_non_null(strstr(buf_cstr(&w.seen.text), "mailshift-figure messages 1 1\n"));
		text = tu_read(jp);
		assert_null(strstr(text, "row\t"));
		free(text);
		teardown(&w);
		unlink(jp);
	}

	/* a failing action's figure (skipped by the admin); then a native
	 * comparison that differs (the admin stops there) */
	setup_plan(&w, fx_build_compare, "gsa", st, 2);
	w.f.say[0] = "mailshift-figure messages 10 9";
	w.f.status[0] = 1;
	o = (struct runner_opts){ .native = native_rows, .native_ctx = &called };
	j = journal_open(jp, &w.p, 0, err, sizeof err);
	assert_non_null(j);
	assert_int_equal(run(&w, NULL, j, &o), RUNNER_FAILED);
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(w.f.calls, 1);
	assert_int_equal(called, 1);
	assert_non_null(strstr(buf_cstr(&w.seen.text),
	                       "figure: mailboxes (accounts): 12 on the source, 11 on the target (differs)\n"));
	assert_int_equal(journal_figures(jp, &fs, err, sizeof err), 0);
	assert_int_equal(fs.n, 2);
	assert_string_equal(fs.v[0].key, "accounts");
	assert_string_equal(fs.v[0].step, "verify");
	assert_string_equal(fs.v[0].source, "12");
	assert_string_equal(fs.v[0].target, "11");
	assert_string_equal(fs.v[1].key, "messages");
	assert_string_equal(fs.v[1].target, "9");
	figures_free(&fs);
	teardown(&w);
	tu_rmrf(dir);
	free(jp);
	free(dir);
}

/* A journal or runbook that cannot be written (the disk full: here a file
 * size limit) stops the run before the next action, saying which and
 * how to go on; nothing runs without its record. */
static void test_records_full(void **state)
{
	static const int st[] = { 0, 0, 0, 0, 0 };
	struct runner_opts o = { .yes = 1 };
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), *rp = xasprintf("%s/rb.sh", dir), err[256];
	struct rlimit old, lim;
	struct world w;
	struct journal *j;
	struct runbook *rb;
	struct stat sb;
	int which;
	(void)state;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead */
	for (which = 0; which < 2; which++) { /* 0: the journal is full, 1: the runbook */
		setup(&w, "", st, 5);
		j = which == 0 ? journal_open(jp, &w.p, 1, err, sizeof err) : NULL;
		rb = runbook_open(rp, &w.p, 0, err, sizeof err);
		assert_non_null(rb);
		assert_int_equal(runbook_error(rb), NULL);
		assert_int_equal(stat(which == 0 ? jp : rp, &sb), 0);
		lim = old;
		lim.rlim_cur = (rlim_t)sb.st_size; /* not one byte more (runbook_error flushed the runbook) */
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
		assert_int_equal(run(&w, rb, j, &o), RUNNER_FAILED);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
		assert_int_equal(w.f.calls, 0); /* before the first action */
		assert_int_equal(w.rep.status, RUNNER_NO_RECORDS); /* not a failure of the step's action */
		{
			char why[64];
			assert_string_equal(runner_status_text(w.rep.status, why, sizeof why),
			                    "not run: the journal or runbook could not be written");
		}
		if (which == 0) {
			assert_non_null(strstr(buf_cstr(&w.seen.text), "cannot write the journal ("));
			assert_non_null(journal_error(j));
			assert_non_null(strstr(journal_error(j), "File too large"));
			assert_int_equal(journal_close(j), -1);
			{ /* no torn record: the file ends on a whole line, as before the limit */
				char *text = tu_read(jp);
				assert_int_equal(strlen(text), (size_t)sb.st_size);
				assert_int_equal(text[strlen(text) - 1], '\n');
				free(text);
			}
		} else {
			assert_non_null(strstr(buf_cstr(&w.seen.text), "cannot write the runbook ("));
		}
		assert_non_null(strstr(buf_cstr(&w.seen.text), "run the same command again: it resumes here"));
		runbook_close(rb, NULL);
		teardown(&w);
		unlink(jp);
	}
	signal(SIGXFSZ, SIG_DFL);
	tu_rmrf(dir);
	free(jp);
	free(rp);
	free(dir);
}

/* A journal or runbook path that is not a regular file is refused, never
 * chmod-ed (as root, /dev/null would lose its mode). */
static void test_records_not_regular(void **state)
{
	struct world w;
	static const int st[] = { 0 };
	char err[256];
	(void)state;

	setup(&w, "", st, 1);
	assert_null(journal_open("/dev/null", &w.p, 0, err, sizeof err));
	assert_string_equal(err, "/dev/null: the journal must be a regular file");
	assert_null(runbook_open("/dev/null", &w.p, 0, err, sizeof err));
	assert_string_equal(err, "/dev/null: the runbook must be a regular file");
	teardown(&w);
}

/* A step the admin left out of the plan (opts.skip) is skipped without
 * its question; the others run; the journal says skipped. */
static void test_left_out(void **state)
{
	struct world w;
	static const int st[] = { 0, 0, 0 };
	static const char *const skip[] = { "first-step" };
	struct runner_opts o = { .skip = skip, .nskip = 1 };
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256], *text;
	struct journal *j;
	(void)state;

	setup(&w, "gg", st, 3);
	j = journal_open(jp, &w.p, 0, err, sizeof err);
	assert_int_equal(run(&w, NULL, j, &o), RUNNER_DONE);
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(w.f.calls, 3);       /* the second step's three actions only */
	assert_int_equal(w.ad.asked, 2);      /* its question and its destructive action: none for the first */
	assert_null(strstr(buf_cstr(&w.f.log), "echo one"));
	assert_non_null(strstr(buf_cstr(&w.seen.text), "skipped step first-step (left out of the plan, as asked)"));
	text = tu_read(jp);
	assert_non_null(strstr(text, "\tfirst-step\tskipped\n"));
	free(text);
	teardown(&w);
	tu_rmrf(dir);
	free(jp);
	free(dir);
}

/* A proof (verify): its failed check cannot be skipped, so the action
 * after it, which records the proof, never runs after a failure. */
static void fx_plan_proof(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_TARGET, 0, "compares", "false");
	plan_add(ps, HOST_SOURCE, 0, "records the proof", "touch verified");
}

static const struct step fx_proof_steps[] = {
	{ .id = "first-step", .title = "First", .why = "Then the proof.", .plan = fx_plan_first },
	{ .id = "proof", .title = "Proof", .why = "It must pass.", .flags = STEP_PROOF, .plan = fx_plan_proof },
};

static void build_proof(struct answers *a, struct plan *p)
{
	fx_build_from(a, p, fx_proof_steps);
}

static void test_proof_not_skipped(void **state)
{
	struct world w;
	static const int st[] = { 1, 0, 1, 0 };
	struct runner_opts o = {0};
	(void)state;

	/* the first step's failed check may be skipped ... */
	setup_plan(&w, build_proof, "gsgs", st, 4);
	w.ad.calls = &w.f.calls;
	assert_int_equal(run(&w, NULL, NULL, &o), RUNNER_FAILED);
	assert_int_equal(w.rep.skipped, 1);
	/* ... the proof's is not: the admin's skip stops the run there */
	assert_int_equal(w.f.calls, 3);
	assert_int_equal(w.rep.step, 1);
	assert_int_equal(w.rep.action, 0);
	assert_null(strstr(buf_cstr(&w.f.log), "touch verified"));
	teardown(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_good),
		cmocka_unit_test(test_advisory_asked),
		cmocka_unit_test(test_retry_then_skip),
		cmocka_unit_test(test_destructive_failure_stops),
		cmocka_unit_test(test_yes_aborts_on_failure),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_value_flows),
		cmocka_unit_test(test_value_missing),
		cmocka_unit_test(test_value_too_big),
		cmocka_unit_test(test_value_resume),
		cmocka_unit_test(test_manual_yes),
		cmocka_unit_test(test_manual_confirm_later),
		cmocka_unit_test(test_manual_abort),
		cmocka_unit_test(test_until),
		cmocka_unit_test(test_rows_recorded),
		cmocka_unit_test(test_records_full),
		cmocka_unit_test(test_left_out),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_proof_not_skipped),
		cmocka_unit_test(test_records_not_regular),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
