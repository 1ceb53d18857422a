/* The wizard's run thread and the UI thread: each question the runner or
 * SSH asks reaches the UI once, its answer goes back, step marks follow the
 * run, output reaches the ring and the log, stopping answers for the
 * admin.  Plays the UI thread by hand, without a terminal. */
#include "fixture_session.h"

#include <pthread.h>
#include <time.h>

#include "app/session.h"
#include "tui/logring.h"
#include "tui/worker.h"

static void plan_one(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_LOCAL, 0, "says hello", "echo hello");
	plan_add(ps, HOST_LOCAL, 0, "fails", "echo out; echo oops >&2; exit 3");
}

static void plan_two(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_LOCAL, ACT_DESTRUCTIVE, "destroys", "echo destroyed");
	plan_add(ps, HOST_LOCAL, ACT_ADVISORY, "may warn", "echo missing file; exit 4");
	plan_add(ps, HOST_LOCAL, ACT_MANUAL, "lower the TTL", "printf 'do it\\n'");
}

static const struct step steps[] = {
	{ .id = "one", .title = "One", .why = "First.", .plan = plan_one },
	{ .id = "two", .title = "Two", .why = "Second.", .flags = STEP_DOWNTIME, .plan = plan_two },
};

struct world {
	struct fx_world f;
	struct tui_logring *ring;
};

static void setup(struct world *w)
{
	fx_world_setup(&w->f, steps, 2);
	w->ring = tui_logring_new(100);
}

static void teardown(struct world *w)
{
	tui_logring_free(w->ring);
	fx_world_free(&w->f);
}

static void nap(void)
{
	struct timespec ts = { 0, 2000000 };
	nanosleep(&ts, NULL);
}

/* The UI thread's poll, until a question comes (at most 10 s). */
static void next_question(struct tui_worker *wk, struct tui_question *q)
{
	int i;

	for (i = 0; i < 5000; i++) {
		if (tui_worker_question(wk, q))
			return;
		nap();
	}
	fail_msg("no question from the worker");
}

static void wait_finished(struct tui_worker *wk)
{
	int i;

	for (i = 0; i < 5000 && !tui_worker_finished(wk); i++)
		nap();
	assert_true(tui_worker_finished(wk));
}

/* The ring lines from `from` on, one string. */
static char *ring_text(struct tui_logring *r, uint64_t from)
{
	struct buf b = {0};
	char line[256];
	uint64_t s;

	for (s = from; s < tui_logring_end(r); s++)
		if (tui_logring_get(r, s, line, sizeof line, NULL) == 0)
			buf_addf(&b, "%s\n", line);
	return buf_steal(&b);
}

static void test_run(void **state)
{
	struct world w;
	struct tui_worker *wk;
	struct tui_question q, again;
	struct runner_report rep;
	enum tui_mark marks[2];
	char err[256], *text;
	(void)state;

	setup(&w);
	wk = tui_worker_new(&w.f.s, w.ring);
	assert_int_equal(tui_worker_open(wk, 0, err, sizeof err), 0);
	assert_int_equal(tui_worker_run(wk, err, sizeof err), 0);

	next_question(wk, &q);
	assert_int_equal(q.kind, TUI_Q_STEP);
	assert_int_equal(q.step, 0);
	assert_int_equal(q.nsteps, 2);
	assert_ptr_equal(q.ps, &w.f.p.steps[0]);
	tui_worker_marks(wk, marks, 2);
	assert_int_equal(marks[0], TUI_MARK_ASKING);
	assert_int_equal(marks[1], TUI_MARK_PENDING);
	assert_int_equal(tui_worker_question(wk, &again), 0); /* given once */
	tui_worker_answer(wk, RUNNER_GO);

	next_question(wk, &q);
	assert_int_equal(q.kind, TUI_Q_FAILED);
	assert_int_equal(q.status, 3);
	assert_true(q.can_skip);
	assert_ptr_equal(q.a, &w.f.p.steps[0].act[1]);
	tui_worker_marks(wk, marks, 2);
	assert_int_equal(marks[0], TUI_MARK_FAILED);
	text = ring_text(w.ring, q.out_from); /* the failed action's own lines */
	assert_non_null(strstr(text, "local| out\n"));
	assert_non_null(strstr(text, "local! oops\n"));
	assert_null(strstr(text, "hello"));
	free(text);
	tui_worker_answer(wk, RUNNER_RETRY);
	next_question(wk, &q);
	assert_int_equal(q.kind, TUI_Q_FAILED);
	tui_worker_answer(wk, RUNNER_SKIP);

	next_question(wk, &q);
	assert_int_equal(q.kind, TUI_Q_STEP);
	assert_int_equal(q.step, 1);
	tui_worker_marks(wk, marks, 2);
	assert_int_equal(marks[0], TUI_MARK_DONE);
	tui_worker_answer(wk, RUNNER_GO);
	next_question(wk, &q);
	assert_int_equal(q.kind, TUI_Q_DESTRUCTIVE);
	assert_true(q.a->flags & ACT_DESTRUCTIVE);
	tui_worker_answer(wk, RUNNER_GO);
	next_question(wk, &q); /* an advisory check that failed: asked too; skip goes on with the warning */
	assert_int_equal(q.kind, TUI_Q_FAILED);
	assert_true(q.a->flags & ACT_ADVISORY);
	assert_int_equal(q.status, 4);
	text = ring_text(w.ring, q.out_from);
	assert_non_null(strstr(text, "local| missing file\n"));
	free(text);
	tui_worker_answer(wk, RUNNER_SKIP);
	next_question(wk, &q);
	assert_int_equal(q.kind, TUI_Q_MANUAL);
	text = ring_text(w.ring, q.out_from);
	assert_non_null(strstr(text, "local| do it\n"));
	free(text);
	tui_worker_answer(wk, RUNNER_SKIP); /* later */

	wait_finished(wk);
	assert_int_equal(tui_worker_join(wk, &rep, err, sizeof err), RUNNER_DONE);
	assert_string_equal(err, "");
	assert_int_equal(rep.skipped, 1);
	assert_int_equal(rep.pending, 1);
	assert_int_equal(rep.warnings, 1);
	tui_worker_marks(wk, marks, 2);
	assert_int_equal(marks[0], TUI_MARK_DONE);
	assert_int_equal(marks[1], TUI_MARK_DONE);
	text = ring_text(w.ring, 0);
	assert_non_null(strstr(text, "== [1/2] One\n"));
	assert_non_null(strstr(text, "-- [local] says hello\n   $ echo hello\nlocal| hello\n"));
	assert_non_null(strstr(text, "local| destroyed\n"));
	free(text);
	tui_worker_free(wk);
	text = tu_read(w.f.journal);
	assert_non_null(strstr(text, "\tpending\t0\ttwo\tlower the TTL\n"));
	assert_non_null(strstr(text, "\nfinish\t"));
	free(text);
	text = tu_read(w.f.log); /* the headless console's log format */
	assert_non_null(strstr(text, " out    local  hello\n"));
	free(text);
	assert_int_equal(tu_mode(w.f.log), 0600);
	teardown(&w);
}

/* Stopping answers the question waiting, and the run ends refused. */
static void test_stop(void **state)
{
	struct world w;
	struct tui_worker *wk;
	struct tui_question q;
	struct runner_report rep;
	enum tui_mark marks[2];
	char err[256], *text;
	(void)state;

	setup(&w);
	wk = tui_worker_new(&w.f.s, w.ring);
	assert_int_equal(tui_worker_open(wk, 0, err, sizeof err), 0);
	assert_int_equal(tui_worker_run(wk, err, sizeof err), 0);
	next_question(wk, &q);
	assert_int_equal(q.kind, TUI_Q_STEP);
	assert_false(tui_worker_stopping(wk));
	/* SSH waits on the run's own flag, which stopping sets */
	assert_ptr_equal(tui_worker_ssh_options(wk)->interrupted, &w.f.s.run.interrupted);
	assert_false(w.f.s.run.interrupted);
	tui_worker_stop(wk);
	assert_true(tui_worker_stopping(wk));
	assert_true(w.f.s.run.interrupted);
	wait_finished(wk);
	assert_int_equal(tui_worker_join(wk, &rep, err, sizeof err), RUNNER_REFUSED);
	tui_worker_marks(wk, marks, 2);
	assert_int_equal(marks[0], TUI_MARK_STOPPED);
	tui_worker_free(wk);
	text = tu_read(w.f.journal);
	assert_non_null(strstr(text, "\nfinish\t"));
	assert_non_null(strstr(text, "\trefused\n"));
	assert_null(strstr(text, "\nstart\t")); /* nothing ran */
	free(text);
	teardown(&w);
}

struct asker {
	const struct ssh_options *o;
	char buf[64];
	int rc[3];
};

static void *ssh_asks(void *arg)
{
	struct asker *k = arg;

	k->rc[0] = k->o->secret(k->o->ctx, "Password for root@a: ", k->buf, sizeof k->buf);
	k->rc[1] = k->o->confirm(k->o->ctx, "Trust the key SHA256:abc?");
	k->rc[2] = k->o->confirm(k->o->ctx, "Trust it again?");
	return NULL;
}

/* SSH's questions from the run thread: a secret typed, yes, then no. */
static void test_ssh_questions(void **state)
{
	struct world w;
	struct tui_worker *wk;
	struct tui_question q;
	struct asker k;
	pthread_t th;
	(void)state;

	setup(&w);
	wk = tui_worker_new(&w.f.s, w.ring);
	memset(&k, 0, sizeof k);
	k.o = tui_worker_ssh_options(wk);
	assert_non_null(k.o->confirm);
	assert_non_null(k.o->secret);
	assert_int_equal(pthread_create(&th, NULL, ssh_asks, &k), 0);
	next_question(wk, &q);
	assert_int_equal(q.kind, TUI_Q_SECRET);
	assert_string_equal(q.text, "Password for root@a: ");
	tui_worker_answer(wk, RUNNER_GO); /* not how a secret is answered: ignored */
	tui_worker_answer_secret(wk, "hunter2");
	next_question(wk, &q);
	assert_int_equal(q.kind, TUI_Q_CONFIRM);
	assert_string_equal(q.text, "Trust the key SHA256:abc?");
	tui_worker_answer(wk, RUNNER_GO);
	next_question(wk, &q);
	tui_worker_answer(wk, RUNNER_ABORT);
	pthread_join(th, NULL);
	assert_int_equal(k.rc[0], 0);
	assert_string_equal(k.buf, "hunter2");
	assert_int_equal(k.rc[1], 1);
	assert_int_equal(k.rc[2], 0);
	/* no secret typed: -1 and an empty buffer */
	k.o = tui_worker_ssh_options(wk);
	assert_int_equal(pthread_create(&th, NULL, ssh_asks, &k), 0);
	next_question(wk, &q);
	tui_worker_answer_secret(wk, NULL);
	next_question(wk, &q);
	tui_worker_stop(wk); /* answers no from now on */
	pthread_join(th, NULL);
	assert_int_equal(k.rc[0], -1);
	assert_string_equal(k.buf, "");
	assert_int_equal(k.rc[1], 0);
	assert_int_equal(k.rc[2], 0);
	tui_worker_free(wk);
	teardown(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_ssh_questions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
