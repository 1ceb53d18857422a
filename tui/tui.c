/* The wizard's loop and the moves between screens: the one loop that reads
 * keys (tui_term_key) and hands each to the dialog on top or the screen,
 * redraws at most every 40 ms, and lets the screens poll background work;
 * starting a run (the journal's resume question, the session, the worker)
 * and ending it. */
#include "tui/tui_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/logring.h"
#include "tui/worker.h"

#define REDRAW_MS 40
#define RING_LINES 5000

enum { ID_QUIT = 1, ID_STAY, ID_RESUME, ID_OVER, ID_CANCEL, ID_OK };

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tui_open_dialog(struct tui *t, struct tui_dialog *d, tui_done_fn done)
{
	tui_dialog_free(t->dialog);
	t->dialog = d;
	t->done = done;
	t->dirty = 1;
}

void tui_say(struct tui *t, enum tui_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof t->message, fmt, ap);
	va_end(ap);
	t->message_role = role;
	t->dirty = 1;
}

void tui_message(struct tui *t, enum tui_role role, const char *title, const char *text)
{
	struct tui_dialog *d = tui_dialog_new(title, role);

	tui_dialog_text(d, TUI_NORMAL, "%s", text);
	tui_dialog_button(d, "OK", 'o', ID_OK);
	tui_dialog_cancel(d, ID_OK);
	tui_open_dialog(t, d, NULL);
}

static int quit_done(struct tui *t, struct tui_dialog *d, int id)
{
	(void)d;
	if (id == ID_QUIT)
		t->quit = 1;
	return 0;
}

void tui_ask_quit(struct tui *t, const char *what_is_lost)
{
	struct tui_dialog *d = tui_dialog_new("Quit mailshift?", TUI_NORMAL);

	tui_dialog_text(d, TUI_NORMAL, "%s", what_is_lost ? what_is_lost : "Nothing is lost by quitting now.");
	tui_dialog_button(d, "Quit", 'q', ID_QUIT);
	tui_dialog_button(d, "Stay", 'n', ID_STAY);
	tui_dialog_cancel(d, ID_STAY);
	tui_dialog_note(d, "q or Enter: quit · n or Esc: stay");
	tui_open_dialog(t, d, quit_done);
}

/* ---- a run ---------------------------------------------------------------- */

static void begin(struct tui *t)
{
	char err[512];

	t->ring = tui_logring_new(RING_LINES);
	t->worker = tui_worker_new(&t->session, t->ring);
	if (tui_worker_open(t->worker, t->args->accept_new_host_key, err, sizeof err) < 0 ||
	    tui_worker_run(t->worker, err, sizeof err) < 0) {
		tui_worker_free(t->worker);
		t->worker = NULL;
		tui_logring_free(t->ring);
		t->ring = NULL;
		tui_message(t, TUI_ERR, "Cannot start the run", err);
		return;
	}
	tui_run_open(t);
}

static int resume_done(struct tui *t, struct tui_dialog *d, int id)
{
	char err[64];

	(void)d;
	if (id == ID_RESUME) {
		if (session_until_past(&t->session)) { /* a pause the journal is past means nothing */
			t->pause[0] = '\0';
			t->session.opts.until = NULL;
		}
		session_resume(&t->session);
	} else if (id == ID_OVER) {
		session_start_over(&t->session);
	} else {
		session_close(&t->session, RUNNER_REFUSED, NULL, err, sizeof err); /* frees the progress */
		return 0;
	}
	begin(t);
	return 0;
}

void tui_start_run(struct tui *t)
{
	const struct tui_args *a = t->args;
	struct tui_dialog *d;
	struct session_resume_at at;
	char err[512];
	const struct plan *p = &t->plan;

	t->session = (struct session){ .plan = p, .journal = a->journal, .runbook = a->runbook, .log = a->log,
	                               .local = a->local, .fresh = a->fresh,
	                               .opts = { .until = t->pause[0] ? t->pause : NULL, .skip = t->skips,
	                                         .nskip = t->nskips } };
	switch (session_where(&t->session, err, sizeof err)) {
	case SESSION_FROM_START:
		begin(t);
		return;
	case SESSION_BAD_JOURNAL:
		tui_message(t, TUI_ERR, "The journal cannot be read", err);
		return;
	case SESSION_RESUMABLE:
		d = tui_dialog_new("Resume the unfinished run?", TUI_NORMAL);
		if (session_until_past(&t->session)) /* dropped if it resumes (resume_done) */
			tui_dialog_text(d, TUI_WARN, "The run already went past step %s: resumed, it will not pause "
			                "there.\n", t->pause);
		session_resume_at(&t->session, &at);
		tui_dialog_text(d, TUI_NORMAL, "The journal %s shows an unfinished run of this plan. Resume at step %s "
		                "(%s), action %zu of %zu?", a->journal, at.step, at.title, at.action, at.actions);
		tui_dialog_text(d, TUI_DIM, "\nStart over runs every step again from the first; the journal keeps "
		                "the earlier runs.");
		tui_dialog_button(d, "Resume", 'r', ID_RESUME);
		tui_dialog_button(d, "Start over", 's', ID_OVER);
		tui_dialog_button(d, "Cancel", 'c', ID_CANCEL);
		break;
	case SESSION_FINISHED:
		d = tui_dialog_new("This plan has run", TUI_NORMAL);
		tui_dialog_text(d, TUI_NORMAL, "The journal %s says every step of this plan finished. Run it again "
		                "from step one?", a->journal);
		if (session_runbook_whole(&t->session, err, sizeof err) == 0)
			tui_dialog_text(d, TUI_DIM, "\nThe runbook of the whole plan is in %s.", a->runbook);
		else
			tui_dialog_text(d, TUI_WARN, "\n%s", err);
		tui_dialog_button(d, "Start over", 's', ID_OVER);
		tui_dialog_button(d, "Cancel", 'c', ID_CANCEL);
		break;
	case SESSION_OTHER_PLAN:
	default:
		d = tui_dialog_new("The journal is another plan's", TUI_WARN);
		tui_dialog_text(d, TUI_NORMAL, "The journal %s records a different plan (the answers changed since). "
		                "Start this plan at step one? The journal keeps the other plan's runs; their progress "
		                "does not count for this one.", a->journal);
		tui_dialog_button(d, "Start at step one", 's', ID_OVER);
		tui_dialog_button(d, "Cancel", 'c', ID_CANCEL);
		break;
	}
	tui_dialog_cancel(d, ID_CANCEL);
	tui_open_dialog(t, d, resume_done);
}

void tui_end_run(struct tui *t)
{
	char err[512];

	t->result = tui_worker_join(t->worker, &t->rep, err, sizeof err);
	t->ran = 1;
	session_summarize(&t->session, t->result, &t->rep, &t->sum);
	t->exit_code = (int)t->sum.exit;
	if (tui_term_signal()) {
		t->quit = 1;
		return;
	}
	tui_report_open(t);
	if (*err)
		tui_say(t, TUI_WARN, "warning: %s", err);
	else if (t->sum.key_left)
		tui_say(t, TUI_WARN, "The one-off key is still authorized on the source: the report says how to remove it.");
}

/* ---- the loop ------------------------------------------------------------- */

static void draw(struct tui *t)
{
	erase();
	tui_term_cursor(-1, -1);
	if (tui_term_small()) {
		tui_term_small_draw();
	} else {
		t->screen->draw(t);
		if (t->dialog) {
			tui_term_cursor(-1, -1); /* the dialog's input, if any, has the cursor */
			tui_dialog_draw(t->dialog);
		}
	}
	tui_term_flush();
}

static void dialog_key(struct tui *t, int key)
{
	struct tui_dialog *d = t->dialog;
	tui_done_fn done = t->done;
	int id = tui_dialog_key(d, key);

	if (id < 0)
		return;
	t->dialog = NULL;
	t->done = NULL;
	if (done && done(t, d, id) && !t->dialog) {
		t->dialog = d; /* kept open (e.g. a refused input) */
		t->done = done;
		return;
	}
	tui_dialog_free(d);
}

/* SIGINT, SIGTERM, SIGHUP: a run stops after its current action (the
 * journal and runbook closed as usual), then the wizard ends. */
static void on_signal(struct tui *t)
{
	if (t->worker && !t->ran) {
		if (!tui_worker_stopping(t->worker))
			tui_worker_stop(t->worker);
		return; /* the run screen's tick sees the end (tui_end_run), then quits */
	}
	t->quit = 1;
}

static void loop(struct tui *t)
{
	long last = 0;

	t->dirty = 1;
	while (!t->quit) {
		int key;

		if (tui_term_signal())
			on_signal(t);
		if (!t->quit && t->screen->tick)
			t->screen->tick(t);
		if (t->quit)
			break;
		if (t->dirty && now_ms() - last >= REDRAW_MS) {
			draw(t);
			t->dirty = 0;
			last = now_ms();
		}
		if (tui_term_signal()) { /* the terminal may be gone: wait for the run's end without reading it */
			struct timespec ts = { 0, 100000000 };
			nanosleep(&ts, NULL);
			continue;
		}
		key = tui_term_key(t->dirty ? REDRAW_MS : 100);
		if (key == TUI_KEY_NONE)
			continue;
		t->dirty = 1;
		if (key == TUI_KEY_RESIZE || tui_term_small())
			continue; /* too small: keys wait until the screen can show what they do */
		t->message[0] = '\0';
		if (t->dialog)
			dialog_key(t, key);
		else
			t->screen->key(t, key);
	}
}

/* What the terminal shows after the wizard: how it ended, and the files. */
static void summary(const struct tui *t)
{
	const struct plan *p = &t->plan;
	const struct tui_args *a = t->args;

	if (t->ran) {
		switch (t->result) {
		case RUNNER_DONE:
			printf("mailshift: done: %zu steps; %zu advisory warning(s), %zu action(s) skipped.\n", p->n,
			       t->rep.warnings, t->rep.skipped);
			break;
		case RUNNER_PAUSED:
			printf("mailshift: paused after step %s.\n", t->sum.step);
			break;
		case RUNNER_FAILED:
			printf("mailshift: stopped: step %s failed (%s). Fix the cause, then run the wizard again "
			       "with the same answers: it resumes at that action.\n", t->sum.step, t->sum.why);
			break;
		case RUNNER_REFUSED:
			/* the run's flag is set by the wizard's own stop too: a signal is the terminal's */
			printf("mailshift: %s at step %s; the wizard resumes there with the same answers.\n",
			       tui_term_signal() ? "interrupted" : "stopped by the admin", t->sum.step);
			break;
		}
		printf("mailshift: answers %s, runbook %s, journal %s, log %s\n", t->saved, a->runbook, a->journal,
		       a->log);
	} else if (*t->saved) {
		printf("mailshift: answers saved to %s; mailshift --answers %s runs them headless\n", t->saved, t->saved);
	}
}

int tui_main(const struct tui_args *a)
{
	struct tui t;
	char err[512];

	memset(&t, 0, sizeof t);
	t.args = a;
	if (a->answers && answers_load(&t.answers, a->answers, err, sizeof err) < 0) {
		fprintf(stderr, "mailshift: %s\n", err);
		return SESSION_EXIT_USAGE;
	}
	if (tui_term_start(err, sizeof err) < 0) {
		answers_free(&t.answers);
		fprintf(stderr, "mailshift: %s\n", err);
		return SESSION_EXIT_USAGE;
	}
	tui_interview_open(&t, 0);
	loop(&t);
	tui_dialog_free(t.dialog);
	tui_worker_free(t.worker); /* a run still going stops after its action */
	tui_interview_free(&t);
	tui_review_free(&t);
	tui_run_free(&t);
	tui_report_free(&t);
	tui_logring_free(t.ring);
	tui_term_end();
	summary(&t);
	if (t.have_plan)
		plan_free(&t.plan);
	answers_free(&t.answers);
	fflush(stdout);
	tui_term_reraise();
	return t.exit_code;
}
