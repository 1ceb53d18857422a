/* The plan review: every step of plan_build for the saved answers, with its
 * title, whether it is in the downtime window, an estimate from an earlier
 * run's journal (a rehearsal), the selected step's why, its actions on
 * Enter, and s to start. */
#include "tui/tui_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/journal.h"
#include "core/xalloc.h"

struct tui_review {
	int sel, top, why_scroll;
	struct journal_time *times;
	size_t ntimes;
	int have_times;
};

static const struct journal_time *time_of(const struct tui_review *rv, const char *id)
{
	size_t i;

	for (i = 0; i < rv->ntimes; i++)
		if (strcmp(rv->times[i].id, id) == 0)
			return rv->times[i].finished ? &rv->times[i] : NULL;
	return NULL;
}

static void free_times(struct tui_review *rv)
{
	journal_times_free(rv->times, rv->ntimes);
	rv->times = NULL;
	rv->ntimes = 0;
	rv->have_times = 0;
}

/* The step's actions: what runs where, exactly. */
static void actions(struct tui *t, const struct plan_step *ps)
{
	struct tui_dialog *d;
	char title[128];
	size_t i;

	snprintf(title, sizeof title, "Step %s: its %zu actions", ps->step->id, ps->n);
	d = tui_dialog_new(title, TUI_NORMAL);
	for (i = 0; i < ps->n; i++) {
		const struct action *a = &ps->act[i];
		tui_dialog_text(d, TUI_BOLD, "%s%zu. [%s] %s", i ? "\n" : "", i + 1, plan_host_name(a->on), a->note);
		if (a->flags & ACT_CONFIRM_HOST)
			tui_dialog_text(d, TUI_WARN, "   DESTRUCTIVE: confirmed on its own, by typing the %s's host name",
			                plan_host_name(a->on));
		else if (a->flags & ACT_DESTRUCTIVE)
			tui_dialog_text(d, TUI_WARN, "   DESTRUCTIVE: confirmed on its own, by typing yes");
		if (a->flags & ACT_ADVISORY)
			tui_dialog_text(d, TUI_DIM, "   advisory: a failure is a warning");
		if (a->flags & ACT_MANUAL)
			tui_dialog_text(d, TUI_DIM, "   checklist item: you say done or later");
		tui_dialog_command(d, a->cmd);
	}
	tui_dialog_button(d, "Close", 'c', 0);
	tui_dialog_cancel(d, 0);
	tui_dialog_note(d, "Up/Down/PgUp/PgDn scroll · Enter or Esc close");
	tui_open_dialog(t, d, NULL);
}

/* Where step id is in the wizard's list of steps left out, or -1: to
 * take it out of the list again.  Whether a step is left out is the
 * session's to say (session_left_out). */
static int skip_index(const struct tui *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->nskips; i++)
		if (strcmp(t->skips[i], id) == 0)
			return (int)i;
	return -1;
}

static void draw(struct tui *t)
{
	struct tui_review *rv = t->rv;
	const struct plan *p = &t->plan;
	const struct plan_step *cur = &p->steps[rv->sel];
	struct tui_lines l = {0};
	int w = COLS, inner = w - 4, list_h, why_h, y, i, tw, ndown = 0, nest = 0;
	double down = 0;
	char line[512], est[32], title[256], total[160];

	snprintf(title, sizeof title, "mailshift %s the plan", tui_term_glyphs()->h);
	snprintf(line, sizeof line, "%s %s %s", p->answers->source.host, tui_term_glyphs()->arrow,
	         p->answers->target.host);
	tui_draw_titlebar(title, line);
	why_h = 6;
	list_h = LINES - 7 - why_h; /* the bars, the box's top and bottom, the header, the total, the divider */
	if (rv->sel < rv->top)
		rv->top = rv->sel;
	if (rv->sel >= rv->top + list_h)
		rv->top = rv->sel - list_h + 1;
	snprintf(title, sizeof title, "The plan: %zu steps, %s %s %s", p->n, answers_endpoint_kind(&p->answers->source),
	         tui_term_glyphs()->arrow, answers_endpoint_kind(&p->answers->target));
	tui_draw_box(1, 0, LINES - 2, w, title, A_NORMAL);
	tw = inner - 4 - 17 - 10 - 16;
	snprintf(line, sizeof line, "%3s %-16s %-*s %9s %-15s", "#", "step", tw, "what", "estimate", "window");
	tui_draw_text(2, 2, inner, line, A_BOLD);
	for (i = 0; i < (int)p->n; i++) {
		const struct journal_time *jt = time_of(rv, p->steps[i].step->id);
		int dt = p->steps[i].step->flags & STEP_DOWNTIME;
		if (jt) {
			nest++;
			if (dt)
				down += jt->last;
		}
		ndown += dt != 0;
		if (i < rv->top || i >= rv->top + list_h)
			continue;
		if (jt)
			journal_hms(est, sizeof est, jt->last);
		else
			snprintf(est, sizeof est, "-");
		snprintf(line, sizeof line, "%3d %-16s %-*.*s %9s %s%s", i + 1, p->steps[i].step->id, tw, tw,
		         p->steps[i].step->title, est, dt ? "downtime" : "live",
		         session_left_out(p, t->skips, t->nskips, (size_t)i) ? ", left out"
		         : strcmp(t->pause, p->steps[i].step->id) ? "" : ", pause");
		y = 3 + i - rv->top;
		if (i == rv->sel)
			tui_draw_fill(y, 1, w - 2, tui_term_attr(TUI_SEL));
		tui_draw_text(y, 2, inner, line, i == rv->sel ? tui_term_attr(TUI_SEL)
		              : dt ? tui_term_attr(TUI_WARN) : (int)A_NORMAL);
	}
	if (!rv->have_times || !nest) {
		snprintf(total, sizeof total, "%d downtime steps; no estimates yet (a rehearsal's journal gives them)",
		         ndown);
	} else {
		journal_hms(est, sizeof est, down);
		snprintf(total, sizeof total, "downtime estimate %s (%d steps), from %s", est, ndown, t->args->journal);
	}
	tui_draw_text(3 + list_h, 2, inner, total, tui_term_attr(TUI_DIM));
	snprintf(title, sizeof title, "Why: %s", cur->step->title);
	tui_draw_divider(4 + list_h, 0, w, title, A_NORMAL);
	tui_draw_wrap(&l, cur->step->why, inner, TUI_NORMAL);
	snprintf(line, sizeof line, "%zu action%s; Enter lists them with their exact commands.", cur->n,
	         cur->n == 1 ? "" : "s");
	tui_draw_wrap(&l, line, inner, TUI_DIM);
	if (rv->why_scroll > (int)l.n - why_h)
		rv->why_scroll = (int)l.n - why_h;
	if (rv->why_scroll < 0)
		rv->why_scroll = 0;
	for (i = 0; i < why_h && rv->why_scroll + i < (int)l.n; i++)
		tui_draw_text(5 + list_h + i, 2, inner, l.v[rv->why_scroll + i],
		              tui_term_attr((enum tui_role)l.role[rv->why_scroll + i]));
	if (rv->why_scroll + why_h < (int)l.n)
		tui_draw_text(LINES - 2, w - 16, 13, " more: PgDn ", tui_term_attr(TUI_DIM));
	tui_draw_lines_free(&l);
	tui_draw_statusbar("Up/Down step  Enter actions  p pause after  x leave out  s start  Esc back  q quit", t->message,
	                   tui_term_attr(t->message_role));
}

/* p: the run pauses after step i (the CLI's --until), or no longer does. */
static void pause_after(struct tui *t, int i)
{
	const char *id = t->plan.steps[i].step->id;
	enum session_until u = session_until_check(&t->plan, id, NULL, 0);

	if (strcmp(t->pause, id) == 0) {
		t->pause[0] = '\0';
		tui_say(t, TUI_OK, "The run no longer pauses after step %s.", id);
	} else if (u == SESSION_UNTIL_LAST) {
		tui_say(t, TUI_WARN, "Step %s is the last: the run ends there anyway.", id);
	} else if (u == SESSION_UNTIL_WINDOW) {
		tui_say(t, TUI_WARN, "Not inside the downtime window: mail would stay stopped while the run waits. "
		        "Pause before the window or after it.");
	} else {
		snprintf(t->pause, sizeof t->pause, "%s", id);
		tui_say(t, TUI_OK, "Pauses after %s; starting again resumes at step %s (p again: no pause).", id,
		        t->plan.steps[i + 1].step->id);
	}
}

/* x: an optional step left out of the plan (the CLI's --skip), or back in. */
static void leave_out(struct tui *t, int i)
{
	const struct step *st = t->plan.steps[i].step;
	int k = skip_index(t, st->id);

	if (k >= 0) {
		memmove(&t->skips[k], &t->skips[k + 1], (t->nskips - (size_t)k - 1) * sizeof t->skips[0]);
		t->nskips--;
		tui_say(t, TUI_OK, "Step %s is back in the plan.", st->id);
	} else if (session_skip_check(&t->plan, st->id, NULL, 0) != SESSION_SKIP_OK) {
		tui_say(t, TUI_WARN, "The migration needs step %s: it cannot be left out (its question still "
		        "offers to skip it).", st->id);
	} else if (t->nskips < sizeof t->skips / sizeof t->skips[0]) {
		t->skips[t->nskips++] = st->id; /* the step's own id: static */
		tui_say(t, TUI_OK, "Step %s is left out: the run skips it without asking (x again: back in).", st->id);
	}
}

static void key(struct tui *t, int k)
{
	struct tui_review *rv = t->rv;
	int n = (int)t->plan.n;

	switch (k) {
	case TUI_FN(KEY_UP): case 'k':
		if (rv->sel > 0)
			rv->sel--;
		rv->why_scroll = 0;
		break;
	case TUI_FN(KEY_DOWN): case 'j':
		if (rv->sel + 1 < n)
			rv->sel++;
		rv->why_scroll = 0;
		break;
	case TUI_FN(KEY_HOME): rv->sel = 0; break;
	case TUI_FN(KEY_END): rv->sel = n - 1; break;
	case TUI_FN(KEY_PPAGE): rv->why_scroll -= 4; break;
	case TUI_FN(KEY_NPAGE): rv->why_scroll += 4; break;
	case 'p': case 'P':
		pause_after(t, rv->sel);
		break;
	case 'x': case 'X':
		leave_out(t, rv->sel);
		break;
	case 's': case 'S':
		tui_start_run(t);
		break;
	case TUI_ESC: case TUI_FN(KEY_LEFT):
		tui_interview_open(t, 3);
		break;
	case 'q': case TUI_FN(KEY_F(10)):
		tui_ask_quit(t, NULL);
		break;
	case '?': case TUI_FN(KEY_F(1)):
		tui_message(t, TUI_NORMAL, "The plan", "These are the steps mailshift runs for your answers, in order. "
		            "Steps marked downtime run while mail is stopped; the estimate is the time the step took "
		            "in the last run that finished it, from the journal (a rehearsal against a copy gives "
		            "real figures). Before each step the run shows its why and exact commands and asks; "
		            "actions that delete or overwrite ask again, by typing yes. p on a step makes the run "
		            "pause after it (the bulk copy days ahead, say; starting again resumes there); x leaves an "
		            "optional step out (the installer check, the Roundcube upgrade, the configuration). s starts; "
		            "Esc goes back to the answers.");
		break;
	default:
		if (TUI_ENTER(k))
			actions(t, &t->plan.steps[rv->sel]);
	}
}

static const struct tui_screen screen = { draw, key, NULL };

void tui_review_open(struct tui *t)
{
	char err[256];
	int first;

	if (!t->rv)
		t->rv = xcalloc(1, sizeof *t->rv);
	free_times(t->rv);
	t->rv->have_times = journal_times(t->args->journal, &t->rv->times, &t->rv->ntimes, err, sizeof err) == 0;
	first = !t->until_seen;
	t->until_seen = 1;
	if (first) { /* --skip: the first plan shown takes them */
		size_t k;
		char why[512], text[640];
		for (k = 0; k < t->args->nskip; k++) {
			const char *id = t->args->skip[k];
			if (session_skip_check(&t->plan, id, why, sizeof why) != SESSION_SKIP_OK) {
				snprintf(text, sizeof text, "--skip %s. Optional steps are left out with x in the list.",
				         why);
				tui_message(t, TUI_ERR, "Not a step to leave out", text);
			} else if (skip_index(t, id) < 0) {
				leave_out(t, plan_find(&t->plan, id));
			}
		}
	}
	if (t->args->until && first) { /* --until: the first plan shown takes it */
		int i = plan_find(&t->plan, t->args->until);
		if (i < 0)
			tui_message(t, TUI_ERR, "No such step", "--until names a step this plan does not have; the run "
			            "will not pause. Choose one with p in the list.");
		else
			pause_after(t, i);
	}
	if (t->pause[0] && plan_find(&t->plan, t->pause) < 0) /* the answers changed: another plan */
		t->pause[0] = '\0';
	if (t->rv->sel >= (int)t->plan.n)
		t->rv->sel = 0;
	t->screen = &screen;
	t->dirty = 1;
}

void tui_review_free(struct tui *t)
{
	if (!t->rv)
		return;
	free_times(t->rv);
	free(t->rv);
	t->rv = NULL;
}
