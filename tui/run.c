/* The run: the steps with their marks, a log pane that follows the output
 * (PgUp/PgDn scroll back, / searches, n/N go on) under the running copy's
 * progress (a bar, tui/progress.h), and a dialog for each
 * question the run asks (tui/worker.h): a step with its why and exact
 * commands, a DESTRUCTIVE action confirmed by typing yes, a failure with
 * its command and last output, a checklist item, SSH's questions. */
#include "tui/tui_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/logring.h"
#include "tui/progress.h"
#include "tui/worker.h"

#define STEPS_W 24
#define OUTPUT_LINES 8
enum { ID_STOP = 100, ID_GO_ON };

struct tui_runview {
	enum tui_mark *marks;
	size_t current;
	uint64_t bottom, seen;  /* the last log line shown when not following; the ring's end at the last look */
	int follow, ended;
	int searching;
	struct tui_field search;
	char needle[256];
	int64_t match;
	int asking;             /* the dialog on top answers q */
	struct tui_question q;
	char progress[512];     /* the action's progress line (tui_worker_progress), "": none */
	char doing[256];        /* the running action (tui_worker_activity), "": none */
	long tenths;            /* how long it has run, in tenths of a second */
	int found_shown;        /* what pre-flight found was shown (once, before the next step) */
};

/* ---- questions ----------------------------------------------------------------- */

/* The last output lines of the action (what it printed, the errors). */
static void last_output(struct tui *t, struct tui_dialog *d, uint64_t from)
{
	uint64_t end = tui_logring_end(t->ring), s, lines[OUTPUT_LINES];
	size_t n = 0, i;
	char line[TUI_LOGRING_LINE_MAX + 1];
	int tag;

	for (s = end; s > from && n < OUTPUT_LINES; s--)
		if (tui_logring_get(t->ring, s - 1, NULL, 0, &tag) == 0 &&
		    (tag == SINK_OUT || tag == SINK_ERR || tag == SINK_ERROR || tag == SINK_WARN))
			lines[n++] = s - 1;
	if (!n)
		tui_dialog_text(d, TUI_DIM, "   (no output)");
	for (i = n; i-- > 0;)
		if (tui_logring_get(t->ring, lines[i], line, sizeof line, &tag) == 0)
			tui_dialog_text(d, tag == SINK_OUT ? TUI_NORMAL : TUI_ERR, "   %s", line);
}

static int answer_done(struct tui *t, struct tui_dialog *d, int id)
{
	struct tui_runview *rs = t->rs;
	char v[1024];

	if (rs->q.kind == TUI_Q_SECRET) {
		tui_dialog_value(d, v, sizeof v);
		tui_worker_answer_secret(t->worker, id == RUNNER_GO ? v : NULL);
		explicit_bzero(v, sizeof v);
	} else {
		tui_worker_answer(t->worker, (enum runner_choice)id);
	}
	rs->asking = 0;
	return 0;
}

static struct tui_dialog *ask_step(struct tui *t, const struct tui_question *q)
{
	const struct plan_step *ps = q->ps;
	struct tui_dialog *d;
	char title[160];
	size_t i, ndestr = 0;

	(void)t;
	snprintf(title, sizeof title, "Step %zu of %zu: %s", q->step + 1, q->nsteps, ps->step->title);
	d = tui_dialog_new(title, ps->step->flags & STEP_DOWNTIME ? TUI_WARN : TUI_NORMAL);
	if (ps->step->flags & STEP_DOWNTIME)
		tui_dialog_text(d, TUI_WARN, "In the downtime window: mail is stopped while it runs.\n");
	tui_dialog_text(d, TUI_NORMAL, "%s", ps->step->why);
	for (i = 0; i < ps->n; i++)
		ndestr += (ps->act[i].flags & ACT_DESTRUCTIVE) != 0;
	tui_dialog_text(d, TUI_BOLD, "\n%zu action%s%s:", ps->n, ps->n == 1 ? "" : "s",
	                ndestr ? ", some DESTRUCTIVE (each asked again)" : "");
	for (i = 0; i < ps->n; i++) {
		const struct action *a = &ps->act[i];
		tui_dialog_text(d, a->flags & ACT_DESTRUCTIVE ? TUI_WARN : TUI_BOLD, "%zu. [%s] %s%s", i + 1,
		                plan_host_name(a->on), a->note, a->flags & ACT_DESTRUCTIVE ? " (DESTRUCTIVE)" : "");
		tui_dialog_command(d, a->cmd);
	}
	tui_dialog_button(d, "Run", 'y', RUNNER_GO);
	tui_dialog_button(d, "Skip", 's', RUNNER_SKIP);
	tui_dialog_button(d, "Stop", 'q', RUNNER_ABORT);
	tui_dialog_note(d, "y run this step · s skip it · q stop the run · Up/Down/PgUp/PgDn scroll");
	return d;
}

static struct tui_dialog *ask(struct tui *t, const struct tui_question *q)
{
	struct tui_dialog *d;
	char title[160], why[64], refused[256];

	switch (q->kind) {
	case TUI_Q_STEP:
		return ask_step(t, q);
	case TUI_Q_DESTRUCTIVE:
		snprintf(title, sizeof title, "DESTRUCTIVE action in step %s", q->ps->step->id);
		d = tui_dialog_new(title, TUI_WARN);
		tui_dialog_text(d, TUI_WARN, "This deletes or overwrites on the %s: %s", plan_host_name(q->a->on),
		                q->a->note);
		tui_dialog_command(d, q->a->cmd);
		tui_dialog_input(d, TUI_INPUT_TEXT, "Type yes to run it:", "");
		tui_dialog_button(d, "Run", 0, RUNNER_GO);
		tui_dialog_require(d, RUNNER_GO, "yes", "Type yes to run it; Tab goes to the other buttons.");
		tui_dialog_button(d, "Skip the rest of the step", 's', RUNNER_SKIP);
		tui_dialog_button(d, "Stop", 'q', RUNNER_ABORT);
		tui_dialog_note(d, "yes + Enter runs it · Tab to skip the rest of the step or stop the run");
		return d;
	case TUI_Q_TYPED_HOST:
		snprintf(title, sizeof title, "DESTRUCTIVE action in step %s: type the host name", q->ps->step->id);
		d = tui_dialog_new(title, TUI_ERR);
		tui_dialog_text(d, TUI_WARN, "This wipes data on the %s, %s: %s", plan_host_name(q->a->on), q->text,
		                q->a->note);
		tui_dialog_text(d, TUI_NORMAL, "It cannot be undone. It runs only once you type that server's host "
		                "name, as the answers say it: %s", q->text);
		tui_dialog_command(d, q->a->cmd);
		tui_dialog_input(d, TUI_INPUT_TEXT, "Type the host name to run it:", "");
		tui_dialog_button(d, "Wipe", 0, RUNNER_GO);
		snprintf(refused, sizeof refused, "That is not %.120s: type the %s's host name exactly, or Tab to "
		         "the other buttons.", q->text, plan_host_name(q->a->on));
		tui_dialog_require(d, RUNNER_GO, q->text, refused);
		tui_dialog_button(d, "Skip the rest of the step", 's', RUNNER_SKIP);
		tui_dialog_button(d, "Stop", 'q', RUNNER_ABORT);
		tui_dialog_note(d, "the host name + Enter wipes · Tab to skip the rest of the step or stop the run");
		return d;
	case TUI_Q_FAILED:
		runner_status_text(q->status, why, sizeof why);
		if (q->a->flags & ACT_ADVISORY) /* a warning: fix it and check again, or go on */
			snprintf(title, sizeof title, "Advisory check in step %s failed on the %s (%s)", q->ps->step->id,
			         plan_host_name(q->a->on), why);
		else
			snprintf(title, sizeof title, "Step %s failed on the %s (%s)", q->ps->step->id,
			         plan_host_name(q->a->on), why);
		d = tui_dialog_new(title, q->a->flags & ACT_ADVISORY ? TUI_WARN : TUI_ERR);
		tui_dialog_text(d, TUI_BOLD, "%s", q->a->note);
		tui_dialog_text(d, TUI_NORMAL, "\nLast output:");
		last_output(t, d, q->out_from);
		tui_dialog_text(d, TUI_NORMAL, "\nThe command:");
		tui_dialog_command(d, q->a->cmd);
		tui_dialog_button(d, "Retry", 'r', RUNNER_RETRY);
		if (q->a->flags & ACT_ADVISORY)
			tui_dialog_button(d, "Go on with the warning", 'g', RUNNER_SKIP);
		else if (q->can_skip)
			tui_dialog_button(d, "Skip this action", 's', RUNNER_SKIP);
		tui_dialog_button(d, "Abort", 'a', RUNNER_ABORT);
		tui_dialog_note(d, q->a->flags & ACT_ADVISORY ? "r check again (after fixing it) · g go on · a abort (resumable)"
		                : q->can_skip ? "r retry · s skip this action · a abort (resumable)"
		                : q->ps->step->flags & STEP_PROOF ? "r retry · a abort: what comes later trusts this check, so it cannot be skipped"
		                : "r retry · a abort: a DESTRUCTIVE action is never skipped");
		return d;
	case TUI_Q_MANUAL:
		snprintf(title, sizeof title, "Checklist: step %s", q->ps->step->id);
		d = tui_dialog_new(title, TUI_NORMAL);
		tui_dialog_text(d, TUI_BOLD, "%s", q->a->note);
		last_output(t, d, q->out_from);
		tui_dialog_text(d, TUI_DIM, "\nOnly you can do this. Done records it confirmed; later leaves it pending: "
		                "the report and mailshift --report list it.");
		tui_dialog_button(d, "Done", 'd', RUNNER_GO);
		tui_dialog_button(d, "Later", 'l', RUNNER_SKIP);
		tui_dialog_button(d, "Stop", 'q', RUNNER_ABORT);
		tui_dialog_note(d, "d done · l later · q stop the run");
		return d;
	case TUI_Q_CONFIRM:
		d = tui_dialog_new("SSH asks", TUI_WARN);
		tui_dialog_text(d, TUI_NORMAL, "%s", q->text);
		/* No first: an Enter typed for something else never trusts a key */
		tui_dialog_button(d, "No", 'n', RUNNER_ABORT);
		tui_dialog_button(d, "Yes", 'y', RUNNER_GO);
		tui_dialog_cancel(d, RUNNER_ABORT);
		return d;
	case TUI_Q_SECRET:
		d = tui_dialog_new("SSH needs a secret", TUI_NORMAL);
		tui_dialog_text(d, TUI_NORMAL, "It is kept in memory only, never written.");
		tui_dialog_input(d, TUI_INPUT_SECRET, q->text, "");
		tui_dialog_button(d, "OK", 0, RUNNER_GO);
		tui_dialog_button(d, "Cancel", 0, RUNNER_ABORT);
		tui_dialog_cancel(d, RUNNER_ABORT);
		return d;
	}
	return NULL;
}

static void found_line(void *ctx, enum tui_role role, const char *text)
{
	tui_dialog_text(ctx, role, "%s", text[0] ? text : " ");
}

/* The question waiting, once what pre-flight found has been read. */
static int found_done(struct tui *t, struct tui_dialog *d, int id)
{
	(void)d; (void)id;
	tui_open_dialog(t, ask(t, &t->rs->q), answer_done);
	return 0;
}

/* Before the first step after a pre-flight that ran now: what it found on
 * each server (versions, ids, sizes, accounts, databases), while nothing
 * has changed yet.  1 when shown (the question waits behind it). */
static int found(struct tui *t)
{
	struct tui_runview *rs = t->rs;
	int pf = plan_find_flag(&t->plan, STEP_SURVEY);
	struct tui_dialog *d;

	if (rs->found_shown || rs->q.kind != TUI_Q_STEP || pf < 0 || rs->q.ps == &t->plan.steps[pf] ||
	    rs->marks[pf] != TUI_MARK_DONE)
		return 0;
	rs->found_shown = 1;
	d = tui_dialog_new("Pre-flight is done: nothing changed but rsync where it was missing", TUI_OK);
	if (!tui_figures_show(t->args->journal, FIGURES_SURVEY, found_line, d)) {
		tui_dialog_free(d);
		return 0;
	}
	tui_dialog_text(d, TUI_NORMAL, " ");
	tui_dialog_text(d, TUI_NORMAL, "Read it through before going on: what must agree "
	                "(the release and backend, the POP3 UIDL format), the room for the mail on "
	                "the target. The full inventory is in the log.");
	tui_dialog_button(d, "Continue", 'c', 0);
	tui_dialog_cancel(d, 0);
	tui_dialog_note(d, "Enter continues to the next step's question · PgUp/PgDn scroll");
	tui_open_dialog(t, d, found_done);
	return 1;
}

static void tick(struct tui *t)
{
	struct tui_runview *rs = t->rs;
	enum tui_mark *m;
	uint64_t end;

	if (rs->ended)
		return;
	if (tui_worker_finished(t->worker)) {
		rs->ended = 1;
		tui_open_dialog(t, NULL, NULL); /* a question stopping answered, or "Stop the run?" */
		rs->asking = 0;
		tui_worker_marks(t->worker, rs->marks, t->plan.n);
		tui_end_run(t);
		return;
	}
	if ((end = tui_logring_end(t->ring)) != rs->seen) {
		rs->seen = end;
		t->dirty = 1;
	}
	{
		char progress[sizeof rs->progress];
		tui_worker_progress(t->worker, progress, sizeof progress);
		if (strcmp(progress, rs->progress) != 0) {
			memcpy(rs->progress, progress, sizeof progress);
			t->dirty = 1;
		}
	}
	{
		char doing[sizeof rs->doing];
		double secs;
		long tenths = tui_worker_activity(t->worker, doing, sizeof doing, &secs) ? (long)(secs * 10) : -1;
		if (strcmp(doing, rs->doing) != 0 || tenths / 2 != rs->tenths / 2) { /* the spinner turns 5 times a second */
			memcpy(rs->doing, doing, sizeof doing);
			rs->tenths = tenths;
			t->dirty = 1;
		}
	}
	m = xcalloc(t->plan.n, sizeof *m);
	rs->current = tui_worker_marks(t->worker, m, t->plan.n);
	if (memcmp(m, rs->marks, t->plan.n * sizeof *m) != 0) {
		memcpy(rs->marks, m, t->plan.n * sizeof *m);
		t->dirty = 1;
	}
	free(m);
	if (rs->asking && tui_worker_stopping(t->worker) && t->dialog) { /* stopping answered it */
		tui_open_dialog(t, NULL, NULL);
		rs->asking = 0;
	}
	if (!t->dialog && tui_worker_question(t->worker, &rs->q)) {
		flushinp(); /* keys typed before the question appeared never answer it */
		if (!found(t))
			tui_open_dialog(t, ask(t, &rs->q), answer_done);
		rs->asking = 1;
	}
}

/* ---- the screen ------------------------------------------------------------------ */

static void draw_steps(struct tui *t, int h)
{
	const struct tui_glyphs *g = tui_term_glyphs();
	struct tui_runview *rs = t->rs;
	int top = 0, i, rows = h - 3;
	char line[64];

	tui_draw_box(1, 0, h, STEPS_W, "Steps", A_NORMAL);
	if ((int)rs->current >= rows)
		top = (int)rs->current - rows + 1;
	for (i = top; i < (int)t->plan.n && i - top < rows; i++) {
		static const int roles[] = {
			[TUI_MARK_PENDING] = TUI_NORMAL, [TUI_MARK_ASKING] = TUI_BOLD, [TUI_MARK_RUNNING] = TUI_BOLD,
			[TUI_MARK_DONE] = TUI_OK, [TUI_MARK_FAILED] = TUI_ERR, [TUI_MARK_SKIPPED] = TUI_DIM,
			[TUI_MARK_EARLIER] = TUI_DIM, [TUI_MARK_STOPPED] = TUI_WARN,
		};
		const char *marks[] = {
			[TUI_MARK_PENDING] = g->pending, [TUI_MARK_ASKING] = "?", [TUI_MARK_RUNNING] = g->running,
			[TUI_MARK_DONE] = g->done, [TUI_MARK_FAILED] = g->failed, [TUI_MARK_SKIPPED] = g->skipped,
			[TUI_MARK_EARLIER] = g->done, [TUI_MARK_STOPPED] = g->stopped,
		};
		enum tui_mark m = rs->marks[i];
		snprintf(line, sizeof line, "%s %-16s%s", marks[m], t->plan.steps[i].step->id,
		         t->plan.steps[i].step->flags & STEP_DOWNTIME ? " *" : "");
		tui_draw_text(2 + i - top, 2, STEPS_W - 3, line, tui_term_attr((enum tui_role)roles[m]));
	}
	tui_draw_text(h - 1, 2, STEPS_W - 3, "* downtime", tui_term_attr(TUI_DIM));
}

static int role_of(int tag)
{
	switch (tag) {
	case SINK_STEP: case SINK_ACTION: return TUI_BOLD;
	case SINK_COMMAND: return TUI_DIM;
	case SINK_ERROR: return TUI_ERR;
	case SINK_WARN: return TUI_WARN;
	case SINK_INFO: return TUI_OK;
	}
	return TUI_NORMAL;
}

/* The log from the bottom up: each line wrapped to the pane, its
 * continuation rows indented. */
static void draw_log(struct tui *t, int y0, int x0, int h, int w)
{
	struct tui_runview *rs = t->rs;
	uint64_t begin = tui_logring_begin(t->ring), end = tui_logring_end(t->ring), s;
	char line[TUI_LOGRING_LINE_MAX + 1];
	int y = y0 + h - 1, tag;

	if (end == begin)
		return;
	if (rs->follow || rs->bottom >= end)
		rs->bottom = end - 1;
	if (rs->bottom < begin)
		rs->bottom = begin;
	for (s = rs->bottom + 1; s-- > begin && y >= y0;) {
		struct tui_lines l = {0};
		int r, attr;

		if (tui_logring_get(t->ring, s, line, sizeof line, &tag) < 0)
			break;
		tui_draw_wrap_hanging(&l, line, w, 0, 2);
		attr = rs->match == (int64_t)s ? tui_term_attr(TUI_SEL) : tui_term_attr((enum tui_role)role_of(tag));
		for (r = 0; r < (int)l.n; r++)
			if (y - (int)l.n + 1 + r >= y0)
				tui_draw_text(y - (int)l.n + 1 + r, x0, w, l.v[r], attr);
		y -= (int)l.n;
		tui_draw_lines_free(&l);
	}
}

/* The copy's progress: a bar and its figures when the line reads as
 * rsync's progress2, the text as it came otherwise. */
static void draw_progress(struct tui *t, int y, int x, int w)
{
	const char *text = t->rs->progress + strspn(t->rs->progress, " ");
	struct tui_progress p;
	char line[256];
	int filled;

	if (tui_progress_parse(text, &p) < 0) {
		tui_draw_text(y, x, w, text, tui_term_attr(TUI_BOLD));
		return;
	}
	filled = tui_progress_format(&p, w, line, sizeof line);
	tui_draw_text(y, x, w, line, tui_term_attr(TUI_BOLD));
	if (filled > 0) { /* the filled cells again, coloured (exactly them: a longer text would end in "…") */
		char bar[64];
		snprintf(bar, sizeof bar, "%.*s", filled, line + 1);
		tui_draw_text(y, x + 1, filled, bar, tui_term_attr(TUI_OK));
	}
}

/* While an action runs with no progress of its own (connecting, a dump, a
 * check), a turning mark, what runs and for how long: the UI is alive and
 * the admin sees what it waits for. */
static void draw_activity(struct tui *t, int y, int x, int w)
{
	static const char *const utf8[] = { "⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏" };
	static const char ascii[] = "|/-\\";
	struct tui_runview *rs = t->rs;
	long s = rs->tenths / 10, frame = rs->tenths / 2;
	char line[320], mark[8];

	if (tui_term_glyphs()->h[0] & 0x80)
		snprintf(mark, sizeof mark, "%s", utf8[frame % 10]);
	else
		snprintf(mark, sizeof mark, "%c", ascii[frame % 4]);
	snprintf(line, sizeof line, "%s %s  %ld:%02ld", mark, rs->doing, s / 60, s % 60);
	tui_draw_text(y, x, w, line, tui_term_attr(TUI_BOLD));
}

static void draw(struct tui *t)
{
	struct tui_runview *rs = t->rs;
	const struct tui_glyphs *g = tui_term_glyphs();
	int h = LINES - 2, lw = COLS - STEPS_W;
	char title[128], right[160];

	snprintf(title, sizeof title, "mailshift %s %s", g->h, rs->ended ? "the run is over" : "running");
	if (rs->ended)
		snprintf(right, sizeof right, "Enter: the report");
	else if (tui_worker_stopping(t->worker))
		snprintf(right, sizeof right, "stopping after the current action...");
	else
		snprintf(right, sizeof right, "step %zu/%zu %s%s", rs->current + 1, t->plan.n,
		         t->plan.steps[rs->current].step->id, rs->asking ? ": waiting for you" : "");
	tui_draw_titlebar(title, right);
	draw_steps(t, h);
	tui_draw_box(1, STEPS_W, h, lw, rs->follow ? "Log" : "Log (scrolled back: End follows)", A_NORMAL);
	if ((rs->progress[0] || (rs->doing[0] && rs->tenths >= 5)) && !rs->ended && h > 8) {
		/* above the log, a divider between */
		if (rs->progress[0])
			draw_progress(t, 2, STEPS_W + 2, lw - 4);
		else
			draw_activity(t, 2, STEPS_W + 2, lw - 4);
		tui_draw_divider(3, STEPS_W, lw, NULL, A_NORMAL);
		draw_log(t, 4, STEPS_W + 2, h - 4, lw - 4);
	} else {
		draw_log(t, 2, STEPS_W + 2, h - 2, lw - 4);
	}
	if (rs->searching) {
		tui_draw_fill(LINES - 1, 0, COLS, A_NORMAL);
		tui_draw_text(LINES - 1, 1, 2, "/", A_BOLD);
		tui_field_draw(&rs->search, LINES - 1, 2, COLS - 30, 1);
		tui_draw_text(LINES - 1, COLS - 27, 26, "Enter find  Esc cancel", tui_term_attr(TUI_DIM));
		return;
	}
	tui_draw_statusbar(rs->ended ? "PgUp/PgDn scroll  / search  n/N next/previous  Enter report  q quit"
	                   : "PgUp/PgDn scroll  End follow  / search  n/N next/previous  q stop the run",
	                   t->message, tui_term_attr(t->message_role));
}

static void find(struct tui *t, int older)
{
	struct tui_runview *rs = t->rs;
	uint64_t from;
	int64_t m;

	if (!rs->needle[0])
		return;
	if (rs->match >= 0)
		from = older ? (uint64_t)rs->match - (rs->match > 0) : (uint64_t)rs->match + 1;
	else
		from = rs->follow ? tui_logring_end(t->ring) : rs->bottom;
	m = rs->match == 0 && older ? -1 : tui_logring_search(t->ring, from, older, rs->needle);
	if (m < 0) {
		tui_say(t, TUI_WARN, "%s not found%s", rs->needle, older ? " further back" : " further on");
		return;
	}
	rs->match = m;
	rs->follow = 0;
	rs->bottom = (uint64_t)m + 3; /* a little after it, to read on */
	tui_say(t, TUI_OK, "line %lld holds %s: n older, N newer", (long long)m + 1, rs->needle);
}

static int stop_done(struct tui *t, struct tui_dialog *d, int id)
{
	(void)d;
	if (id == ID_STOP && !t->rs->ended)
		tui_worker_stop(t->worker);
	return 0;
}

static void scroll_log(struct tui_runview *rs, struct tui *t, long by)
{
	uint64_t begin = tui_logring_begin(t->ring), end = tui_logring_end(t->ring);
	uint64_t b = rs->follow ? (end ? end - 1 : 0) : rs->bottom;

	if (by < 0)
		b = b - begin > (uint64_t)-by ? b + (uint64_t)by : begin;
	else
		b += (uint64_t)by;
	rs->follow = end == 0 || b + 1 >= end;
	rs->bottom = b;
}

static void key(struct tui *t, int k)
{
	struct tui_runview *rs = t->rs;
	struct tui_dialog *d;
	long page = LINES - 6;

	if (rs->searching) {
		if (TUI_ENTER(k)) {
			tui_field_get(&rs->search, rs->needle, sizeof rs->needle);
			rs->searching = 0;
			rs->match = -1;
			find(t, 1);
		} else if (k == TUI_ESC) {
			rs->searching = 0;
		} else {
			tui_field_key(&rs->search, k);
		}
		return;
	}
	switch (k) {
	case TUI_FN(KEY_PPAGE): scroll_log(rs, t, -page); break;
	case TUI_FN(KEY_NPAGE): scroll_log(rs, t, page); break;
	case TUI_FN(KEY_UP): scroll_log(rs, t, -1); break;
	case TUI_FN(KEY_DOWN): scroll_log(rs, t, 1); break;
	case TUI_FN(KEY_HOME): scroll_log(rs, t, -(long)tui_logring_end(t->ring)); break;
	case TUI_FN(KEY_END): case 'G':
		rs->follow = 1;
		rs->match = -1;
		break;
	case '/':
		rs->searching = 1;
		tui_field_set(&rs->search, "");
		break;
	case 'n': find(t, 1); break;
	case 'N': find(t, 0); break;
	case 'q': case TUI_FN(KEY_F(10)):
		if (rs->ended) {
			t->quit = 1;
			break;
		}
		d = tui_dialog_new("Stop the run?", TUI_WARN);
		tui_dialog_text(d, TUI_NORMAL, "The run stops after the action it is running now. The journal records "
		                "where; starting the wizard again with the same answers offers to resume there.");
		tui_dialog_button(d, "Stop", 's', ID_STOP);
		tui_dialog_button(d, "Go on", 'g', ID_GO_ON);
		tui_dialog_cancel(d, ID_GO_ON);
		tui_open_dialog(t, d, stop_done);
		break;
	default:
		if (rs->ended && (TUI_ENTER(k) || k == TUI_ESC || k == 'r'))
			tui_report_open(t);
	}
}

static const struct tui_screen screen = { draw, key, tick };

void tui_run_open(struct tui *t)
{
	if (!t->rs) {
		t->rs = xcalloc(1, sizeof *t->rs);
		t->rs->marks = xcalloc(t->plan.n ? t->plan.n : 1, sizeof *t->rs->marks);
		t->rs->follow = 1;
		t->rs->match = -1;
	}
	t->screen = &screen;
	t->dirty = 1;
}

void tui_run_free(struct tui *t)
{
	if (!t->rs)
		return;
	free(t->rs->marks);
	free(t->rs);
	t->rs = NULL;
}
