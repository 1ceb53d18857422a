/* The report after a run: how it ended, the verification table (source
 * and target as the verify step last counted them, from the journal), the
 * checklist items still pending (earlier runs' too), where the answers,
 * runbook, journal and log are, and the journal's report (per-step times,
 * the downtime window, the whole checklist).  Scrollable; l shows the
 * run's log again. */
#include "tui/tui_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/figures.h"
#include "core/journal.h"
#include "core/xalloc.h"
#include "steps/steps.h"

struct para {
	char *text;
	enum tui_role role;
};

struct tui_report {
	struct para *p;
	size_t n, cap;
	int scroll, body_h, body_n;
	const char *word; /* how it ended, one word */
};

static void add(struct tui_report *rp, enum tui_role role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(struct tui_report *rp, enum tui_role role, const char *fmt, ...)
{
	va_list ap;

	rp->p = xgrow(rp->p, &rp->cap, rp->n + 1, sizeof *rp->p);
	va_start(ap, fmt);
	rp->p[rp->n].text = xvasprintf(fmt, ap);
	va_end(ap);
	rp->p[rp->n++].role = role;
}

/* What a journal function prints, as paragraphs. */
static void add_printed(struct tui_report *rp, enum tui_role role, char *text)
{
	char *l, *e;

	for (l = text; l && *l; l = e ? e + 1 : NULL) {
		e = strchr(l, '\n');
		if (e)
			*e = '\0';
		add(rp, role, "%s", l);
	}
}

static void outcome(struct tui *t, struct tui_report *rp)
{
	const struct plan *p = &t->plan;
	const char *id = t->sum.step;

	switch (t->result) {
	case RUNNER_DONE:
		rp->word = "done";
		add(rp, TUI_OK, "The migration is done: %zu steps; %zu advisory warning(s), %zu action(s) skipped.",
		    p->n, t->rep.warnings, t->rep.skipped);
		{
			char *secrets = steps_secrets(p->answers), *line, *save = NULL;
			for (line = strtok_r(secrets, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				add(rp, TUI_NORMAL, "%s", line);
			free(secrets);
		}
		break;
	case RUNNER_PAUSED:
		rp->word = "paused";
		add(rp, TUI_OK, "Paused after step %s, as asked.", id);
		add(rp, TUI_NORMAL, "Start the wizard again with the same answers (mailshift --wizard --answers %s) "
		    "when it is time to go on: it resumes at step %s.", t->saved, t->sum.resume_step);
		break;
	case RUNNER_FAILED:
		rp->word = "failed";
		add(rp, TUI_ERR, "The run failed at step %s (%s).", id, t->sum.why);
		add(rp, TUI_NORMAL, "Fix the cause, then start the wizard again with the same answers (mailshift "
		    "--wizard --answers %s): the journal lets it resume at that action.", t->saved);
		break;
	case RUNNER_REFUSED:
		rp->word = "stopped";
		add(rp, TUI_WARN, "The run stopped at step %s, as you asked.", id);
		add(rp, TUI_NORMAL, "Start the wizard again with the same answers (mailshift --wizard --answers %s): "
		    "it offers to resume there.", t->saved);
		break;
	}
	if (t->sum.key_left) /* whole, where the status line would cut it short */
		add(rp, TUI_WARN, "Note: %s", t->sum.key);
}

int tui_figures_show(const char *journal, unsigned only,
                     void (*line)(void *ctx, enum tui_role role, const char *text), void *ctx)
{
	struct figures fs = {0};
	char text[256], err[512];
	size_t i, k, n;
	int shown = 0;

	if (journal_figures(journal, &fs, err, sizeof err) < 0) {
		figures_free(&fs);
		return 0;
	}
	figures_sort(&fs);
	for (i = 0; i < fs.n; i = k) {
		int differ = 0, judged = 0;
		const char *step = fs.v[i].step;

		for (k = i; k < fs.n && !strcmp(fs.v[k].step, step); k++)
			;
		if (only && !(fs.v[i].kind & only))
			continue;
		if (shown++)
			line(ctx, TUI_NORMAL, "");
		if (fs.v[i].kind & FIGURES_SURVEY)
			line(ctx, TUI_BOLD, "What pre-flight found on each server");
		else {
			snprintf(text, sizeof text, "Source and target, as step %s last counted them", step);
			line(ctx, TUI_BOLD, text);
		}
		figures_header(text, sizeof text);
		line(ctx, TUI_DIM, text);
		for (n = i; n < k; n++) {
			int bad = figures_judged(&fs.v[n]) && !figures_same(&fs.v[n]);
			figures_line(text, sizeof text, &fs.v[n]);
			line(ctx, bad ? TUI_ERR : TUI_NORMAL, text);
			judged += figures_judged(&fs.v[n]);
			differ += bad;
		}
		if (differ) {
			snprintf(text, sizeof text, "%d of %d figures differ.", differ, judged);
			line(ctx, TUI_ERR, text);
		} else if (judged) {
			snprintf(text, sizeof text, "All %d figures are the same on both servers.", judged);
			line(ctx, TUI_OK, text);
		}
		for (n = 0, judged = 0; n < fs.nnote; n++)
			if (!strcmp(fs.note[n].step, step)) {
				if (!judged++)
					line(ctx, TUI_BOLD, "What differs (the first accounts):");
				snprintf(text, sizeof text, "  %s", fs.note[n].text);
				line(ctx, TUI_ERR, text);
			}
	}
	figures_free(&fs);
	return shown;
}

static void report_line(void *ctx, enum tui_role role, const char *text)
{
	add(ctx, role, "%s", text);
}

/* The journal's verification table (a row that differs in the error
 * colour), or why there is none. */
static void figures(struct tui_report *rp, const char *journal)
{
	if (!tui_figures_show(journal, FIGURES_PROOF, report_line, rp))
		add(rp, TUI_DIM, "No verification in the journal yet: the verify step counts both servers for the "
		    "table of source and target.");
}

/* A file's whole path (found again after the wizard has quit), or the
 * path as given when it cannot be resolved. */
static const char *full(const char *path, char *buf)
{
	return realpath(path, buf) ? buf : path;
}

static void build(struct tui *t, struct tui_report *rp)
{
	const struct tui_args *a = t->args;
	char where[4][PATH_MAX];
	char *text = NULL, err[512];
	size_t len = 0;
	FILE *f;
	int n;

	outcome(t, rp);
	add(rp, TUI_NORMAL, "%s", "");
	n = t->sum.pending;
	if (n > 0) {
		add(rp, TUI_WARN, "%d checklist item(s) pending: the migration is not finished until you have done them.",
		    n);
		if ((f = open_memstream(&text, &len)) != NULL) {
			journal_checklist(a->journal, f, 1, err, sizeof err);
			fclose(f);
			add_printed(rp, TUI_WARN, text);
			free(text);
			text = NULL;
		}
	} else {
		add(rp, TUI_NORMAL, "No checklist item is pending.");
	}
	add(rp, TUI_NORMAL, "%s", "");
	figures(rp, a->journal);
	add(rp, TUI_NORMAL, "%s", "");
	add(rp, TUI_BOLD, "Files");
	add(rp, TUI_NORMAL, "  answers  %s", full(t->saved, where[0]));
	add(rp, TUI_NORMAL, "  runbook  %s", full(a->runbook, where[1]));
	add(rp, TUI_NORMAL, "  journal  %s", full(a->journal, where[2]));
	add(rp, TUI_NORMAL, "  log      %s", full(a->log, where[3]));
	add(rp, TUI_DIM, "Headless, the same run: mailshift --answers %s; the runbook replays it: bash %s --dry-run "
	    "lists it.", t->saved, a->runbook);
	add(rp, TUI_NORMAL, "%s", "");
	if ((f = open_memstream(&text, &len)) != NULL) {
		/* the table is above */
		if (journal_report_parts(a->journal, f, JOURNAL_REPORT_TIMES | JOURNAL_REPORT_CHECKLIST, err,
		                         sizeof err) < 0)
			fprintf(f, "%s\n", err);
		fclose(f);
		add_printed(rp, TUI_NORMAL, text);
		free(text);
	}
	if (tui_figures_show(a->journal, FIGURES_SURVEY, report_line, rp)) /* for reference, last */
		add(rp, TUI_NORMAL, "%s", "");
}

static void draw(struct tui *t)
{
	struct tui_report *rp = t->rp;
	struct tui_lines l = {0};
	char title[64];
	int i;
	size_t k;

	snprintf(title, sizeof title, "mailshift %s report", tui_term_glyphs()->h);
	tui_draw_titlebar(title, rp->word);
	tui_draw_box(1, 0, LINES - 2, COLS, "How the run ended", A_NORMAL);
	for (k = 0; k < rp->n; k++)
		tui_draw_wrap(&l, rp->p[k].text, COLS - 4, rp->p[k].role);
	rp->body_h = LINES - 4;
	rp->body_n = (int)l.n;
	if (rp->scroll > rp->body_n - rp->body_h)
		rp->scroll = rp->body_n - rp->body_h;
	if (rp->scroll < 0)
		rp->scroll = 0;
	for (i = 0; i < rp->body_h && rp->scroll + i < rp->body_n; i++)
		tui_draw_text(2 + i, 2, COLS - 4, l.v[rp->scroll + i], tui_term_attr((enum tui_role)l.role[rp->scroll + i]));
	tui_draw_lines_free(&l);
	tui_draw_statusbar("Up/Down/PgUp/PgDn scroll  l the log  q quit", t->message, tui_term_attr(t->message_role));
}

static void key(struct tui *t, int k)
{
	struct tui_report *rp = t->rp;

	switch (k) {
	case TUI_FN(KEY_UP): rp->scroll--; break;
	case TUI_FN(KEY_DOWN): rp->scroll++; break;
	case TUI_FN(KEY_PPAGE): rp->scroll -= rp->body_h - 1; break;
	case TUI_FN(KEY_NPAGE): rp->scroll += rp->body_h - 1; break;
	case TUI_FN(KEY_HOME): rp->scroll = 0; break;
	case TUI_FN(KEY_END): rp->scroll = rp->body_n; break;
	case 'l': case 'L': tui_run_open(t); break;
	case 'q': case 'Q': case TUI_FN(KEY_F(10)): t->quit = 1; break;
	}
}

static const struct tui_screen screen = { draw, key, NULL };

void tui_report_open(struct tui *t)
{
	if (!t->rp) {
		t->rp = xcalloc(1, sizeof *t->rp);
		build(t, t->rp);
	}
	t->screen = &screen;
	t->dirty = 1;
}

void tui_report_free(struct tui *t)
{
	size_t k;

	if (!t->rp)
		return;
	for (k = 0; k < t->rp->n; k++)
		free(t->rp->p[k].text);
	free(t->rp->p);
	free(t->rp);
	t->rp = NULL;
}
