/* The interview: the source, the target and the options as forms built
 * from the answers file's own table of keys (core/answers.h), checked as
 * the admin types with the parser's own checks, then saved (mode 0600, no
 * password) to the file the admin names, read back, and planned. */
#include "tui/tui_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "tui/resolve.h"
#include "tui/save.h"

enum { PAGE_SOURCE, PAGE_TARGET, PAGE_OPTIONS, PAGE_SAVE, NPAGES };
enum { ID_REPLACE = 1, ID_KEEP };
#define MAX_FIELDS 40
#define LABEL_W 22
#define DEFAULT_SAVE "./mailshift-answers.conf"

static const char *const page_sec[NPAGES] = { "source", "target", "options", NULL };
static const char *const page_name[NPAGES] = { "Source", "Target", "Options", "Save" };
static const char *const page_title[NPAGES] = {
	"The source: the server you move from", "The target: the new server", "Options", "Save the answers",
};
static const char *const page_intro[NPAGES] = {
	"The server you move from, reached over SSH (the identity below, or ssh-agent). "
	"mailshift runs its commands there as root, each step after you confirm it.",
	"The new server, installed with its stack (iRedMail from iRedMail: the same version and backend), "
	"reached the same way. "
	"The copies go from server to server, never through this machine.",
	"Where things are on the servers, and how the migration goes. "
	"An empty field takes the default that F1 explains.",
	"The answers go to this file (mode 0600, never a password): mailshift --answers FILE "
	"replays them headless. The plan comes next; nothing runs yet.",
};

struct ivfield {
	int page;
	const char *sec;            /* NULL: the save path */
	struct answers_key_info k;
	struct tui_field edit;      /* text values */
	const char *choices[6];     /* stack, backend, yes/no */
	int nchoices, choice;
	char err[320];              /* why the value is refused ("": fine) */
	char note[320];             /* a remark that refuses nothing (the host lookup) */
	int note_ok;
	struct tui_resolve *res;
};

struct tui_interview {
	struct ivfield f[MAX_FIELDS];
	int n, page, focus;         /* focus: a field of the page, then Back, then Next */
};

static int is_text(const struct ivfield *f)
{
	return f->nchoices == 0;
}

static void add_field(struct tui_interview *iv, int page, const struct answers_key_info *k)
{
	struct ivfield *f;
	int i;

	if (iv->n == MAX_FIELDS)
		abort(); /* the table of keys outgrew the form: a bug */
	f = &iv->f[iv->n++];
	f->page = page;
	f->sec = page_sec[page];
	f->k = *k;
	if (k->type == ANSWERS_STACK)
		for (i = STACK_IREDMAIL; i <= STACK_SENDMAIL_MBOX; i++)
			f->choices[f->nchoices++] = answers_stack_name((enum stack)i);
	if (k->type == ANSWERS_BACKEND) {
		for (i = BACKEND_OPENLDAP; i <= BACKEND_PGSQL; i++)
			f->choices[f->nchoices++] = answers_backend_name((enum backend)i);
		f->choices[f->nchoices++] = "none";
	}
	if (k->type == ANSWERS_BOOL) {
		f->choices[f->nchoices++] = "yes";
		f->choices[f->nchoices++] = "no";
	}
}

/* A field's value as the file would hold it ("" for none). */
static void value_of(const struct ivfield *f, char *out, size_t n)
{
	char *s, *e;

	if (!is_text(f)) {
		snprintf(out, n, "%s", strcmp(f->choices[f->choice], "none") ? f->choices[f->choice] : "");
		return;
	}
	tui_field_get(&f->edit, out, n);
	for (s = out; *s == ' '; s++)
		;
	for (e = s + strlen(s); e > s && e[-1] == ' '; e--)
		;
	*e = '\0';
	memmove(out, s, strlen(s) + 1);
}

static void set_value(struct ivfield *f, const char *v)
{
	int i;

	if (is_text(f)) {
		tui_field_set(&f->edit, v);
		return;
	}
	for (i = 0; i < f->nchoices; i++)
		if (strcmp(f->choices[i], *v ? v : "none") == 0)
			f->choice = i;
}

/* The parser's verdict on one value, and whether this machine can read
 * the identity file (not with --local: nothing connects). */
static void check_field(struct tui *t, struct ivfield *f)
{
	char v[TUI_FIELD_MAX * 4];

	f->err[0] = '\0';
	value_of(f, v, sizeof v);
	if (!*v || !f->sec)
		return;
	if (answers_check_value(f->sec, f->k.name, v, f->err, sizeof f->err) < 0)
		return;
	if (!t->args->local && strcmp(f->k.name, "identity") == 0 && access(v, R_OK) < 0)
		snprintf(f->err, sizeof f->err, "identity: cannot read %.200s here: %s", v, strerror(errno));
}

static void fill(struct tui *t, struct tui_interview *iv, const struct answers *a)
{
	char v[4096];
	int i;

	for (i = 0; i < iv->n; i++) {
		struct ivfield *f = &iv->f[i];
		if (!f->sec)
			continue;
		answers_value(a, f->sec, f->k.name, v, sizeof v);
		set_value(f, v);
		check_field(t, f);
	}
}

static struct tui_interview *make(struct tui *t)
{
	static const struct answers_key_info save = { "answers file", "where the answers are written (mode 0600, "
		"replaced whole; never a password): mailshift --answers FILE replays them headless", 0, ANSWERS_PATH,
		"The file on this machine that keeps what you answered, e.g. /root/mail-move.conf. It is written "
		"readable by you alone, without any password, and an existing file is replaced whole after you "
		"confirm. Keep it: mailshift --answers FILE --dry-run shows the same plan without the wizard, and "
		"the same command without --dry-run runs it, or resumes a stopped run from its journal." };
	struct tui_interview *iv = xcalloc(1, sizeof *iv);
	struct answers_key_info k;
	struct answers def;
	char err[256];
	size_t i;
	int page;

	for (page = PAGE_SOURCE; page <= PAGE_OPTIONS; page++)
		for (i = 0; answers_key_info(i, &k); i++)
			if (k.endpoint == (page != PAGE_OPTIONS) && k.type != ANSWERS_SECRET)
				add_field(iv, page, &k);
	add_field(iv, PAGE_SAVE, &save);
	tui_field_set(&iv->f[iv->n - 1].edit, DEFAULT_SAVE);
	if (t->args->answers) {
		fill(t, iv, &t->answers);
		return iv;
	}
	/* a new interview starts from the parser's own defaults */
	if (answers_parse(&def, "defaults", "[source]\nstack = iredmail\nbackend = mariadb\nhost = s\n"
	                  "[target]\nstack = iredmail\nbackend = mariadb\nhost = t\n", err, sizeof err) == 0) {
		fill(t, iv, &def);
		answers_free(&def);
	}
	for (i = 0; i < (size_t)iv->n; i++)
		if (iv->f[i].k.type == ANSWERS_HOST)
			tui_field_set(&iv->f[i].edit, "");
	return iv;
}

/* The page's fields: *first and the count. */
static int page_fields(const struct tui_interview *iv, int page, int *first)
{
	int i, n = 0;

	*first = -1;
	for (i = 0; i < iv->n; i++)
		if (iv->f[i].page == page) {
			if (*first < 0)
				*first = i;
			n++;
		}
	return n;
}

static struct ivfield *focused(struct tui_interview *iv)
{
	int first, n = page_fields(iv, iv->page, &first);

	return iv->focus < n ? &iv->f[first + iv->focus] : NULL;
}

/* Leaving a host field looks its name up (a remark, not a refusal:
 * ~/.ssh/config or the network may still reach it). */
static void leave_field(struct ivfield *f)
{
	char v[512];

	if (!f || f->k.type != ANSWERS_HOST || f->err[0])
		return;
	value_of(f, v, sizeof v);
	tui_resolve_free(f->res);
	f->res = NULL;
	f->note[0] = '\0';
	if (!*v)
		return;
	f->res = tui_resolve_start(v);
	snprintf(f->note, sizeof f->note, "looking %.250s up...", v);
	f->note_ok = 1;
}

static void move_focus(struct tui_interview *iv, int delta)
{
	int first, n = page_fields(iv, iv->page, &first);

	leave_field(focused(iv));
	iv->focus = (iv->focus + delta + n + 2) % (n + 2);
}

static void go_page(struct tui *t, int page)
{
	struct tui_interview *iv = t->iv;

	leave_field(focused(iv));
	iv->page = page;
	iv->focus = 0;
	t->dirty = 1;
}

/* Refuses to leave a page with a refused or missing value. */
static int page_ok(struct tui *t, struct tui_interview *iv)
{
	int first, n = page_fields(iv, iv->page, &first), i;
	char v[16];

	for (i = first; i < first + n; i++) {
		struct ivfield *f = &iv->f[i];
		check_field(t, f);
		value_of(f, v, sizeof v);
		if (!f->err[0] && !*v && ((f->k.type == ANSWERS_HOST && f->k.endpoint) || !f->sec))
			snprintf(f->err, sizeof f->err, "%s: needed", f->k.name);
		if (f->err[0]) {
			iv->focus = i - first;
			tui_say(t, TUI_ERR, "%s", f->err);
			return 0;
		}
	}
	return 1;
}

/* ---- saving ---------------------------------------------------------------- */

static void save_now(struct tui *t, const char *path)
{
	struct tui_interview *iv = t->iv;
	struct tui_save_item items[MAX_FIELDS] = { { 0 } };
	char *values[MAX_FIELDS], v[TUI_FIELD_MAX * 4], err[512];
	struct answers a;
	int i, n = 0, bad, map[MAX_FIELDS], rc;

	for (i = 0; i < iv->n; i++) {
		if (!iv->f[i].sec)
			continue;
		value_of(&iv->f[i], v, sizeof v);
		values[n] = xstrdup(v);
		items[n] = (struct tui_save_item){ iv->f[i].sec, iv->f[i].k.name, values[n] };
		map[n++] = i;
	}
	rc = tui_save_check(items, (size_t)n, &a, err, sizeof err, &bad);
	for (i = 0; i < n; i++)
		free(values[i]);
	if (rc < 0) {
		if (bad >= 0) { /* show it where it is */
			struct ivfield *f = &iv->f[map[bad]];
			int first;
			snprintf(f->err, sizeof f->err, "%.300s", err);
			iv->page = f->page;
			page_fields(iv, f->page, &first);
			iv->focus = map[bad] - first;
		}
		tui_say(t, TUI_ERR, "%s", err);
		return;
	}
	i = tui_save_write(&a, path, err, sizeof err);
	answers_free(&a);
	if (i < 0) {
		tui_message(t, TUI_ERR, "The answers were not saved", err);
		return;
	}
	snprintf(t->saved, sizeof t->saved, "%s", path);
	if (t->have_plan)
		plan_free(&t->plan);
	answers_free(&t->answers);
	t->have_plan = 0;
	if (tui_save_plan(path, t->args->local, t->args->ssh_config, &t->answers, &t->plan, err, sizeof err) < 0) {
		tui_message(t, TUI_ERR, "No plan for these answers", err);
		return;
	}
	t->have_plan = 1;
	tui_review_open(t);
	tui_say(t, TUI_OK, "answers saved to %s (mode 0600)", path);
}

static int replace_done(struct tui *t, struct tui_dialog *d, int id)
{
	char path[PATH_MAX];

	(void)d;
	if (id == ID_REPLACE) {
		value_of(&t->iv->f[t->iv->n - 1], path, sizeof path);
		save_now(t, path);
	}
	return 0;
}

static void save(struct tui *t)
{
	struct tui_interview *iv = t->iv;
	struct tui_dialog *d;
	char path[PATH_MAX];

	if (!page_ok(t, iv))
		return;
	value_of(&iv->f[iv->n - 1], path, sizeof path);
	if (access(path, F_OK) == 0 && strcmp(path, t->saved) != 0) {
		d = tui_dialog_new("Replace the file?", TUI_WARN);
		tui_dialog_text(d, TUI_NORMAL, "%s exists. Replace it with these answers (its comments go too)?", path);
		tui_dialog_button(d, "Replace", 'r', ID_REPLACE);
		tui_dialog_button(d, "Keep it", 'k', ID_KEEP);
		tui_dialog_cancel(d, ID_KEEP);
		tui_open_dialog(t, d, replace_done);
		return;
	}
	save_now(t, path);
}

/* ---- the screen ------------------------------------------------------------- */

static void help(struct tui *t, struct ivfield *f)
{
	struct tui_dialog *d;
	char title[96], v[1024];

	if (!f) {
		tui_message(t, TUI_NORMAL, "Help", "Back returns to the page before (Esc does too); Next checks this "
		            "page and goes on. Nothing runs before the plan is shown and you start it.");
		return;
	}
	snprintf(title, sizeof title, f->sec ? "Help: [%s] %s" : "Help: %s%s", f->sec ? f->sec : "", f->k.name);
	d = tui_dialog_new(title, TUI_NORMAL);
	/* the one line of the template, then the same in plain words (the
	 * dialog scrolls when a small terminal cannot show it all) */
	tui_dialog_text(d, TUI_BOLD, "%s", f->k.help);
	if (f->k.explain)
		tui_dialog_text(d, TUI_NORMAL, "\n%s", f->k.explain);
	value_of(f, v, sizeof v);
	if (f->sec)
		tui_dialog_text(d, TUI_DIM, "\nIn the answers file: %s = %s under [%s]%s", f->k.name, *v ? v : "...",
		                f->sec, *v ? "" : " (left out: the default)");
	if (f->err[0])
		tui_dialog_text(d, TUI_ERR, "\nNow: %s", f->err);
	else if (f->note[0])
		tui_dialog_text(d, f->note_ok ? TUI_OK : TUI_WARN, "\n%s", f->note);
	tui_dialog_text(d, TUI_DIM, "\nTab or Up/Down move; Left/Right or Space change a choice; Enter goes on; Esc "
	                "goes back a page; F10 quits.");
	tui_dialog_button(d, "OK", 'o', 0);
	tui_dialog_cancel(d, 0);
	tui_open_dialog(t, d, NULL);
}

static void draw_field(struct ivfield *f, int y, int x, int w, int focus)
{
	const struct tui_glyphs *g = tui_term_glyphs();
	int vw = w - LABEL_W - 4;

	tui_draw_text(y, x, LABEL_W, f->k.name, focus ? A_BOLD : A_NORMAL);
	if (vw > 60)
		vw = 60;
	if (is_text(f)) {
		tui_field_draw(&f->edit, y, x + LABEL_W, vw, focus);
	} else {
		char c[64];
		snprintf(c, sizeof c, "< %s >", f->choices[f->choice]);
		tui_draw_text(y, x + LABEL_W, vw, c, focus ? tui_term_attr(TUI_SEL) : (int)A_BOLD);
	}
	if (f->err[0])
		tui_draw_text(y, x + LABEL_W + vw + 1, 2, g->failed, tui_term_attr(TUI_ERR));
	else if (f->note[0] && !f->res)
		tui_draw_text(y, x + LABEL_W + vw + 1, 2, f->note_ok ? g->done : "?",
		              tui_term_attr(f->note_ok ? TUI_OK : TUI_WARN));
}

static void draw(struct tui *t)
{
	struct tui_interview *iv = t->iv;
	struct ivfield *cur = focused(iv);
	struct tui_lines l = {0};
	int first, n = page_fields(iv, iv->page, &first), i, x = 3, w = COLS - 2, y = 5, rows, top = 0, bx;
	char title[128], right[64];

	snprintf(title, sizeof title, "mailshift %s migration wizard", tui_term_glyphs()->h);
	snprintf(right, sizeof right, "%d/%d %s", iv->page + 1, NPAGES, page_name[iv->page]);
	tui_draw_titlebar(title, right);
	tui_draw_box(1, 0, LINES - 2, COLS, page_title[iv->page], A_NORMAL);
	tui_draw_wrap(&l, page_intro[iv->page], w - 4, TUI_DIM);
	for (i = 0; i < (int)l.n && i < 2; i++)
		tui_draw_text(2 + i, x, w - 4, l.v[i], tui_term_attr(TUI_DIM));
	tui_draw_lines_free(&l);
	rows = LINES - 14; /* below: a blank, the help (2), the verdict, a blank, the buttons */
	if (iv->focus < n && iv->focus >= rows)
		top = iv->focus - rows + 1;
	for (i = top; i < n && i - top < rows; i++)
		draw_field(&iv->f[first + i], y + i - top, x, w - 2, i == iv->focus);
	y += (n < rows ? n : rows) + 1;
	if (cur) {
		tui_draw_wrap(&l, cur->k.help, w - 4, TUI_DIM);
		for (i = 0; i < (int)l.n && i < 2; i++)
			tui_draw_text(y + i, x, w - 4, l.v[i], tui_term_attr(TUI_DIM));
		tui_draw_lines_free(&l);
		if (cur->err[0])
			tui_draw_text(y + 2, x, w - 4, cur->err, tui_term_attr(TUI_ERR));
		else if (cur->note[0])
			tui_draw_text(y + 2, x, w - 4, cur->note, tui_term_attr(cur->note_ok ? TUI_OK : TUI_WARN));
	}
	bx = COLS - 40;
	bx += tui_draw_button(LINES - 4, bx, "< Back", iv->focus == n) + 2;
	tui_draw_button(LINES - 4, bx, iv->page == PAGE_SAVE ? "Save, show the plan >" : "Next >", iv->focus == n + 1);
	tui_draw_statusbar(cur && is_text(cur) ? "Tab/Up/Down move  Enter next  Esc back  F1 help  F10 quit"
	                   : "Tab/Up/Down move  Left/Right change  Enter next  Esc back  ? help  q quit",
	                   t->message, tui_term_attr(t->message_role));
}

static void next_page(struct tui *t)
{
	struct tui_interview *iv = t->iv;

	if (iv->page == PAGE_SAVE)
		save(t);
	else if (page_ok(t, iv))
		go_page(t, iv->page + 1);
}

static void back_page(struct tui *t)
{
	if (t->iv->page == PAGE_SOURCE)
		tui_ask_quit(t, *t->saved ? NULL : "The answers are not saved yet.");
	else
		go_page(t, t->iv->page - 1);
}

static void key(struct tui *t, int k)
{
	struct tui_interview *iv = t->iv;
	struct ivfield *f = focused(iv);
	int first, n = page_fields(iv, iv->page, &first), text = f && is_text(f);

	if (k == TUI_FN(KEY_F(1)) || (k == '?' && !text))
		help(t, f);
	else if (k == TUI_FN(KEY_F(10)) || (k == 'q' && !text))
		tui_ask_quit(t, *t->saved ? NULL : "The answers are not saved yet.");
	else if (k == TUI_ESC || k == TUI_FN(KEY_PPAGE))
		back_page(t);
	else if (k == TUI_FN(KEY_NPAGE))
		next_page(t);
	else if (k == '\t' || k == TUI_FN(KEY_DOWN))
		move_focus(iv, 1);
	else if (k == TUI_FN(KEY_BTAB) || k == TUI_FN(KEY_UP))
		move_focus(iv, -1);
	else if (TUI_ENTER(k) && iv->focus == n)
		back_page(t);
	else if (TUI_ENTER(k) && (iv->focus == n + 1 || iv->focus == n - 1))
		next_page(t);
	else if (TUI_ENTER(k))
		move_focus(iv, 1);
	else if (!f && (k == TUI_FN(KEY_LEFT) || k == TUI_FN(KEY_RIGHT)))
		iv->focus = iv->focus == n ? n + 1 : n;
	else if (f && !text && (k == TUI_FN(KEY_LEFT) || k == TUI_FN(KEY_RIGHT) || k == ' ')) {
		f->choice = (f->choice + (k == TUI_FN(KEY_LEFT) ? f->nchoices - 1 : 1)) % f->nchoices;
		check_field(t, f);
	} else if (text && tui_field_key(&f->edit, k)) {
		check_field(t, f);
		f->note[0] = '\0';
	}
}

/* The host lookups that finished. */
static void tick(struct tui *t)
{
	int i, ok;

	for (i = 0; i < t->iv->n; i++) {
		struct ivfield *f = &t->iv->f[i];
		if (f->res && tui_resolve_poll(f->res, f->note, sizeof f->note, &ok)) {
			f->note_ok = ok;
			if (!ok)
				strncat(f->note, " (a remark: ~/.ssh/config or the network may still reach it)",
				        sizeof f->note - strlen(f->note) - 1);
			tui_resolve_free(f->res);
			f->res = NULL;
			t->dirty = 1;
		}
	}
}

static const struct tui_screen tui_interview_screen_ops = { draw, key, tick };

void tui_interview_open(struct tui *t, int page)
{
	if (!t->iv)
		t->iv = make(t);
	t->iv->page = page;
	t->iv->focus = page == PAGE_SAVE ? page_fields(t->iv, page, &(int){0}) + 1 : 0;
	t->screen = &tui_interview_screen_ops;
	t->dirty = 1;
}

void tui_interview_free(struct tui *t)
{
	int i;

	if (!t->iv)
		return;
	for (i = 0; i < t->iv->n; i++) {
		tui_resolve_free(t->iv->f[i].res);
		tui_field_wipe(&t->iv->f[i].edit);
	}
	free(t->iv);
	t->iv = NULL;
}
