/* The session's decisions both front ends show: whether an --until step is
 * already past (session_until_past), which steps may be left out and
 * which are (session_skip_check, session_left_out), where a resume starts
 * (session_resume_at) and what a run's end means (session_summarize: the
 * exit status, where it stopped, what resumes it, the pending checklist
 * items).  Real runs on this machine (--local), with
 * a journal in a temporary directory. */
#include "fixture_session.h"

#include "app/session.h"
#include "core/console.h"

static void plan_one(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_LOCAL, 0, "says hello", "echo hello");
}

static void plan_two(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_LOCAL, ACT_MANUAL, "lower the TTL", "printf 'do it\\n'");
}

static void plan_three(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_LOCAL, 0, "fails", "exit 3");
}

static void plan_extra(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_LOCAL, 0, "fails unless left out", "exit 5");
}

static const struct step steps[] = {
	{ .id = "one", .title = "One", .why = "First.", .plan = plan_one },
	{ .id = "two", .title = "Two", .why = "Second.", .plan = plan_two },
	{ .id = "three", .title = "Three", .why = "Third.", .plan = plan_three },
};

/* A plan with an optional step (one the admin may leave out) between two
 * it needs. */
static const struct step optional_steps[] = {
	{ .id = "one", .title = "One", .why = "First.", .plan = plan_one },
	{ .id = "extra", .title = "Extra", .why = "Optional.", .flags = STEP_OPTIONAL, .plan = plan_extra },
	{ .id = "two", .title = "Two", .why = "Second.", .plan = plan_two },
};


static void setup(struct fx_world *w, const struct step *list, size_t nsteps)
{
	fx_world_setup(w, list, nsteps);
}

/* A new session on the world's plan and files, asking nothing. */
static void session(struct fx_world *w, const char *until)
{
	w->s = (struct session){ .plan = &w->p, .journal = w->journal, .runbook = w->runbook, .log = w->log,
	                         .local = 1, .opts = { .yes = 1, .until = until } };
}

/* Opens, runs (interrupted first when asked), closes and sums up. */
static enum runner_result run(struct fx_world *w, int interrupted, struct session_summary *sum)
{
	struct console con = { .quiet = 1 };
	struct ssh_options sopt = {0};
	struct runner_report rep;
	const struct sink sink = console_sink(&con);
	enum runner_result r;
	char err[256];

	con.out = con.err = fopen("/dev/null", "we");
	assert_non_null(con.out);
	assert_int_equal(session_open(&w->s, &con, &sopt, err, sizeof err), 0);
	w->s.run.interrupted = interrupted;
	r = session_run(&w->s, NULL, &sink, &rep);
	assert_int_equal(session_close(&w->s, r, &rep, err, sizeof err), 0);
	session_summarize(&w->s, r, &rep, sum);
	console_close(&con);
	fclose(con.out);
	return r;
}

static void teardown(struct fx_world *w)
{
	fx_world_free(w);
}

/* Paused by --until, then resumed to a failure, with a checklist item
 * left pending on the way; --until decided against the journal. */
static void test_paused_then_failed(void **state)
{
	struct fx_world w;
	struct session_summary sum;
	char err[256];
	(void)state;

	setup(&w, steps, 3);
	session(&w, "one");
	assert_int_equal(session_until_past(&w.s), 0); /* nothing ran yet */
	assert_int_equal(run(&w, 0, &sum), RUNNER_PAUSED);
	assert_int_equal(sum.result, RUNNER_PAUSED);
	assert_int_equal(sum.exit, SESSION_EXIT_OK);
	assert_string_equal(sum.step, "one");
	assert_string_equal(sum.resume_step, "two");
	assert_int_equal(sum.resume_index, 1);
	assert_string_equal(sum.why, "");
	assert_int_equal(sum.pending, 0);
	assert_int_equal(sum.key_left, 0);
	assert_int_equal(sum.interrupted, 0);

	/* the journal says the run is at step two: --until one is past, two is not */
	session(&w, "one");
	assert_int_equal(session_where(&w.s, err, sizeof err), SESSION_RESUMABLE);
	assert_int_equal(w.s.progress.step, 1);
	assert_int_equal(session_until_past(&w.s), 1);
	w.s.opts.until = "two";
	assert_int_equal(session_until_past(&w.s), 0);
	w.s.opts.until = NULL;
	assert_int_equal(session_until_past(&w.s), 0);
	w.s.opts.until = "one";
	session_start_over(&w.s); /* from step one, the pause means something again */
	assert_int_equal(session_until_past(&w.s), 0);
	journal_progress_free(&w.s.progress);

	session(&w, NULL);
	assert_int_equal(session_where(&w.s, err, sizeof err), SESSION_RESUMABLE);
	session_resume(&w.s);
	assert_int_equal(run(&w, 0, &sum), RUNNER_FAILED);
	assert_int_equal(sum.exit, SESSION_EXIT_FAILED);
	assert_string_equal(sum.step, "three");
	assert_string_equal(sum.resume_step, "three"); /* a resume runs the failed action again */
	assert_int_equal(sum.resume_index, 2);
	assert_string_equal(sum.why, "exit 3");
	assert_int_equal(sum.pending, 1); /* --yes left the checklist item of step two pending */
	teardown(&w);
}

/* Done: nothing to say where; interrupted before it started: refused at
 * the first step, the flag said. */
static void test_done_and_interrupted(void **state)
{
	struct fx_world w;
	struct session_summary sum;
	(void)state;

	setup(&w, steps, 1);
	session(&w, NULL);
	assert_int_equal(run(&w, 1, &sum), RUNNER_REFUSED);
	assert_int_equal(sum.exit, SESSION_EXIT_REFUSED);
	assert_int_equal(sum.interrupted, 1);
	assert_string_equal(sum.step, "one");
	assert_string_equal(sum.resume_step, "one");
	assert_string_equal(sum.why, "");

	session(&w, NULL);
	w.s.fresh = 1;
	assert_int_equal(run(&w, 0, &sum), RUNNER_DONE);
	assert_int_equal(sum.exit, SESSION_EXIT_OK);
	assert_null(sum.step);
	assert_null(sum.resume_step);
	assert_int_equal(sum.interrupted, 0);
	assert_int_equal(sum.rep.skipped, 0);
	assert_int_equal(sum.pending, 0);
	teardown(&w);
}

/* Leaving steps out: only an optional step of the plan may be, with the
 * one wording both front ends show; the step left out is the one the
 * runner skips; where the resume starts. */
static void test_skip(void **state)
{
	static const char *const extra[] = { "extra" }, *const none[] = { "nosuch", "two" };
	struct fx_world w;
	struct session_summary sum;
	struct session_resume_at at;
	char err[256];
	(void)state;

	setup(&w, optional_steps, 3);
	strcpy(err, "untouched");
	assert_int_equal(session_skip_check(&w.p, "extra", err, sizeof err), SESSION_SKIP_OK);
	assert_string_equal(err, "untouched");
	assert_int_equal(session_skip_check(&w.p, "nosuch", err, sizeof err), SESSION_SKIP_UNKNOWN);
	assert_string_equal(err, "nosuch: no such step in this plan; the steps this plan may leave out are: extra");
	assert_int_equal(session_skip_check(&w.p, "two", err, sizeof err), SESSION_SKIP_NEEDED);
	assert_string_equal(err, "two: the migration needs this step; the steps this plan may leave out are: extra");
	assert_int_equal(session_skip_check(&w.p, "one", NULL, 0), SESSION_SKIP_NEEDED);
	assert_int_equal(session_skip_check(&w.p, "Extra", NULL, 0), SESSION_SKIP_UNKNOWN); /* ids, not titles */
	/* a short buffer is cut, never overrun */
	assert_int_equal(session_skip_check(&w.p, "two", err, 8), SESSION_SKIP_NEEDED);
	assert_string_equal(err, "two: th");

	assert_int_equal(session_left_out(&w.p, extra, 1, 0), 0);
	assert_int_equal(session_left_out(&w.p, extra, 1, 1), 1);
	assert_int_equal(session_left_out(&w.p, extra, 1, 2), 0);
	assert_int_equal(session_left_out(&w.p, extra, 1, 3), 0); /* no such step */
	assert_int_equal(session_left_out(&w.p, extra, 0, 1), 0);
	assert_int_equal(session_left_out(&w.p, none, 2, 1), 0);
	assert_int_equal(session_left_out(&w.p, none, 2, 2), 1);

	/* in the plan, the optional step runs (and fails here) */
	session(&w, NULL);
	assert_int_equal(run(&w, 0, &sum), RUNNER_FAILED);
	assert_string_equal(sum.step, "extra");
	assert_string_equal(sum.why, "exit 5");

	/* the resume question's facts: step extra, its first action of one */
	session(&w, NULL);
	assert_int_equal(session_where(&w.s, err, sizeof err), SESSION_RESUMABLE);
	session_resume_at(&w.s, &at);
	assert_int_equal(at.index, 1);
	assert_string_equal(at.step, "extra");
	assert_string_equal(at.title, "Extra");
	assert_int_equal(at.action, 1);
	assert_int_equal(at.actions, 1);

	/* left out, the runner skips it unasked and the run ends */
	session_resume(&w.s);
	w.s.opts.skip = extra;
	w.s.opts.nskip = 1;
	assert_int_equal(run(&w, 0, &sum), RUNNER_DONE);
	assert_int_equal(sum.exit, SESSION_EXIT_OK);
	assert_int_equal(sum.rep.skipped, 1);
	assert_int_equal(sum.pending, 1); /* step two's checklist item ran, --yes left it pending */
	teardown(&w);
}

/* Where a run may pause (--until, p in the wizard): decided once. */
static const struct step window_steps[] = {
	{ .id = "one", .title = "One", .why = "First.", .plan = plan_one },
	{ .id = "two", .title = "Two", .why = "Stops the mail.", .flags = STEP_DOWNTIME, .plan = plan_two },
	{ .id = "three", .title = "Three", .why = "Starts it.", .flags = STEP_DOWNTIME, .plan = plan_three },
	{ .id = "extra", .title = "Extra", .why = "After.", .plan = plan_extra },
};

static void test_until(void **state)
{
	struct fx_world w;
	char err[512];
	(void)state;

	setup(&w, window_steps, 4);
	strcpy(err, "untouched");
	assert_int_equal(session_until_check(&w.p, "one", err, sizeof err), SESSION_UNTIL_OK);
	assert_string_equal(err, "untouched");
	/* after the window's last step: mail runs again */
	assert_int_equal(session_until_check(&w.p, "three", err, sizeof err), SESSION_UNTIL_OK);
	assert_int_equal(session_until_check(&w.p, "extra", err, sizeof err), SESSION_UNTIL_LAST);
	assert_int_equal(session_until_check(&w.p, "two", err, sizeof err), SESSION_UNTIL_WINDOW);
	assert_string_equal(err, "two: inside the downtime window: mail would stay stopped while the run "
	                    "waits; pause before the window (after one) or after it (three)");
	assert_int_equal(session_until_check(&w.p, "nosuch", err, sizeof err), SESSION_UNTIL_UNKNOWN);
	assert_string_equal(err, "nosuch: no such step in this plan; its steps are: one two three extra");
	assert_int_equal(session_until_check(&w.p, "two", NULL, 0), SESSION_UNTIL_WINDOW);
	teardown(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paused_then_failed),
		cmocka_unit_test(test_done_and_interrupted),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_until),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
