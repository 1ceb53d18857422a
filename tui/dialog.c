/* Dialogs: a framed box over the screen with paragraphs (scrollable when
 * long), an optional input line, a note, and buttons picked with
 * Tab/arrows and Enter, or their key.  A dialog reads no keys itself: the
 * loop (tui/tui.c) hands it each one. */
#include "tui/tui_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define MAX_BUTTONS 5

struct para {
	char *text;
	enum tui_role role;
};

struct tui_dialog {
	char *title;
	enum tui_role frame;
	struct para *p;
	size_t np, cap;
	struct {
		char label[32];
		int hotkey, id;
	} b[MAX_BUTTONS];
	int nb, sel, cancel;
	enum tui_input input;
	char input_label[64];
	struct tui_field field;
	int on_input; /* the input has the focus (else the buttons) */
	char note[256];
	int scroll, body_h, body_n; /* first body line shown; from the last draw */
	int require_id;             /* this button needs the input to hold require_word */
	char require_word[256], require_note[256];
};

struct tui_dialog *tui_dialog_new(const char *title, enum tui_role frame)
{
	struct tui_dialog *d = xcalloc(1, sizeof *d);

	d->title = xstrdup(title);
	d->frame = frame;
	d->cancel = -1;
	d->require_id = -1;
	return d;
}

void tui_dialog_text(struct tui_dialog *d, enum tui_role role, const char *fmt, ...)
{
	va_list ap;

	d->p = xgrow(d->p, &d->cap, d->np + 1, sizeof *d->p);
	va_start(ap, fmt);
	d->p[d->np].text = xvasprintf(fmt, ap);
	va_end(ap);
	d->p[d->np++].role = role;
}

void tui_dialog_command(struct tui_dialog *d, const char *cmd)
{
	const char *l, *e;

	for (l = cmd;; l = e + 1) {
		e = strchr(l, '\n');
		tui_dialog_text(d, TUI_DIM, "   %s %.*s", l == cmd ? "$" : " ", e ? (int)(e - l) : (int)strlen(l), l);
		if (!e)
			break;
	}
}

void tui_dialog_button(struct tui_dialog *d, const char *label, int hotkey, int id)
{
	if (d->nb == MAX_BUTTONS)
		return;
	snprintf(d->b[d->nb].label, sizeof d->b[d->nb].label, "%s", label);
	d->b[d->nb].hotkey = hotkey;
	d->b[d->nb++].id = id;
}

void tui_dialog_cancel(struct tui_dialog *d, int id)
{
	d->cancel = id;
}

void tui_dialog_input(struct tui_dialog *d, enum tui_input kind, const char *label, const char *initial)
{
	d->input = kind;
	snprintf(d->input_label, sizeof d->input_label, "%s", label);
	d->field.secret = kind == TUI_INPUT_SECRET;
	tui_field_set(&d->field, initial ? initial : "");
	d->on_input = 1;
}

void tui_dialog_require(struct tui_dialog *d, int id, const char *word, const char *refused)
{
	d->require_id = id;
	snprintf(d->require_word, sizeof d->require_word, "%s", word);
	snprintf(d->require_note, sizeof d->require_note, "%s", refused);
}

void tui_dialog_value(const struct tui_dialog *d, char *out, size_t n)
{
	tui_field_get(&d->field, out, n);
}

void tui_dialog_note(struct tui_dialog *d, const char *note)
{
	snprintf(d->note, sizeof d->note, "%s", note ? note : "");
}

void tui_dialog_free(struct tui_dialog *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->np; i++)
		free(d->p[i].text);
	free(d->p);
	free(d->title);
	tui_field_wipe(&d->field);
	free(d);
}

void tui_dialog_draw(struct tui_dialog *d)
{
	struct tui_lines l = {0};
	int w = COLS - 4 < 76 ? COLS - 4 : 76, extra, h, y, x, i, bx, bw, below;
	size_t k;

	for (k = 0; k < d->np; k++)
		tui_draw_wrap(&l, d->p[k].text, w - 4, d->p[k].role);
	/* a long label (a passphrase prompt naming its file) puts the input under it */
	below = d->input && tui_draw_width(d->input_label) > (w - 4) / 2;
	extra = 4 + (d->input ? 2 + below : 0) + (d->note[0] ? 1 : 0);
	h = (int)l.n + extra;
	if (h > LINES - 2)
		h = LINES - 2;
	d->body_h = h - extra;
	d->body_n = (int)l.n;
	if (d->scroll > d->body_n - d->body_h)
		d->scroll = d->body_n - d->body_h;
	if (d->scroll < 0)
		d->scroll = 0;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	for (i = 0; i < h; i++)
		tui_draw_fill(y + i, x, w, A_NORMAL);
	tui_draw_box(y, x, h, w, d->title, tui_term_attr(d->frame));
	for (i = 0; i < d->body_h && d->scroll + i < d->body_n; i++) {
		int role = l.role[d->scroll + i];
		tui_draw_text(y + 1 + i, x + 2, w - 4, l.v[d->scroll + i], tui_term_attr((enum tui_role)role));
	}
	if (d->scroll + d->body_h < d->body_n)
		tui_draw_text(y + 1 + d->body_h, x + w - 22, 20, "more below: PgDn", tui_term_attr(TUI_DIM));
	else if (d->scroll > 0)
		tui_draw_text(y + 1 + d->body_h, x + w - 22, 20, "more above: PgUp", tui_term_attr(TUI_DIM));
	i = y + 1 + d->body_h;
	if (d->input && below) {
		tui_draw_text(i + 1, x + 2, w - 4, d->input_label, A_BOLD);
		tui_field_draw(&d->field, i + 2, x + 2, w - 4, d->on_input);
		i += 3;
	} else if (d->input) {
		int lw = tui_draw_text(i + 1, x + 2, w - 4, d->input_label, A_BOLD);
		tui_field_draw(&d->field, i + 1, x + 3 + lw, w - 5 - lw, d->on_input);
		i += 2;
	}
	if (d->note[0])
		tui_draw_text(++i, x + 2, w - 4, d->note, tui_term_attr(TUI_WARN));
	for (bw = 0, k = 0; k < (size_t)d->nb; k++)
		bw += tui_draw_width(d->b[k].label) + 5;
	bx = x + (w - bw) / 2;
	for (k = 0; k < (size_t)d->nb; k++)
		bx += tui_draw_button(y + h - 2, bx, d->b[k].label, !d->on_input && d->sel == (int)k) + 1;
	tui_draw_lines_free(&l);
}

/* Scrolls the body; 1 when the key was a scrolling one. */
static int scroll_key(struct tui_dialog *d, int key)
{
	switch (key) {
	case TUI_FN(KEY_UP): d->scroll--; break;
	case TUI_FN(KEY_DOWN): d->scroll++; break;
	case TUI_FN(KEY_PPAGE): d->scroll -= d->body_h > 1 ? d->body_h - 1 : 1; break;
	case TUI_FN(KEY_NPAGE): d->scroll += d->body_h > 1 ? d->body_h - 1 : 1; break;
	default: return 0;
	}
	if (d->scroll > d->body_n - d->body_h)
		d->scroll = d->body_n - d->body_h;
	if (d->scroll < 0)
		d->scroll = 0;
	return 1;
}

static int dialog_key(struct tui_dialog *d, int key);

/* The id chosen, unless it needs a word the input does not hold. */
static int chosen(struct tui_dialog *d, int id)
{
	char v[sizeof d->require_word + 1];

	if (id < 0 || id != d->require_id)
		return id;
	tui_field_get(&d->field, v, sizeof v);
	if (strcmp(v, d->require_word) == 0)
		return id;
	tui_dialog_note(d, d->require_note);
	d->on_input = d->input != TUI_INPUT_NONE;
	return -1;
}

int tui_dialog_key(struct tui_dialog *d, int key)
{
	return chosen(d, dialog_key(d, key));
}

static int dialog_key(struct tui_dialog *d, int key)
{
	int k;

	if (key == TUI_ESC)
		return d->cancel;
	if (scroll_key(d, key))
		return -1;
	if (d->on_input) {
		if (TUI_ENTER(key))
			return d->nb ? d->b[0].id : -1;
		if (key == '\t' || key == TUI_FN(KEY_BTAB)) {
			d->on_input = 0;
			d->sel = key == '\t' ? 0 : d->nb - 1;
			return -1;
		}
		tui_field_key(&d->field, key);
		return -1;
	}
	switch (key) {
	case '\t': case TUI_FN(KEY_RIGHT):
		if (d->sel + 1 < d->nb)
			d->sel++;
		else if (d->input)
			d->on_input = 1;
		else if (key == '\t')
			d->sel = 0;
		return -1;
	case TUI_FN(KEY_BTAB): case TUI_FN(KEY_LEFT):
		if (d->sel > 0)
			d->sel--;
		else if (d->input)
			d->on_input = 1;
		return -1;
	}
	if (TUI_ENTER(key))
		return d->nb ? d->b[d->sel].id : -1;
	for (k = 0; k < d->nb; k++)
		if (d->b[k].hotkey && key >= 0 && key < 0x80 && tolower(key) == d->b[k].hotkey)
			return d->b[k].id;
	return -1;
}
