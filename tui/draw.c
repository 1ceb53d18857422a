/* Drawing on stdscr: text that never overflows its columns (wide and
 * unprintable characters accounted for), boxes, bars, buttons, and text
 * wrapped to a width. */
#include "tui/tui_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

size_t tui_draw_decode(const char *s, wchar_t *out, size_t cap, int *cols)
{
	mbstate_t st;
	size_t n = 0, len = strlen(s);
	int c = 0;

	memset(&st, 0, sizeof st);
	while (len > 0 && n + 1 < cap) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, len, &st);
		int w;

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) { /* not a character here: one byte, shown as ? */
			memset(&st, 0, sizeof st);
			wc = L'?';
			k = 1;
		}
		s += k;
		len -= k;
		if (wc == L'\t') {
			do
				out[n++] = L' ';
			while (++c % 8 && n + 1 < cap);
			continue;
		}
		w = wcwidth(wc);
		if (w < 0) {
			wc = L'?';
			w = 1;
		}
		out[n++] = wc;
		c += w;
	}
	out[n] = L'\0';
	if (cols)
		*cols = c;
	return n;
}

size_t tui_draw_wtext(int y, int x, int w, const wchar_t *s, size_t n, int attr)
{
	size_t i;
	int c = 0;

	for (i = 0; i < n; i++) {
		int cw = wcwidth(s[i]);
		if (cw < 0)
			cw = 1;
		if (c + cw > w)
			break;
		c += cw;
	}
	if (i > 0 && y >= 0 && y < LINES) {
		attron(attr);
		mvaddnwstr(y, x, s, (int)i);
		attroff(attr);
	}
	return i;
}

int tui_draw_text(int y, int x, int w, const char *s, int attr)
{
	wchar_t buf[1024];
	int cols;
	size_t n = tui_draw_decode(s, buf, sizeof buf / sizeof *buf, &cols);
	const struct tui_glyphs *g = tui_term_glyphs();

	if (w <= 0)
		return 0;
	if (cols <= w) {
		tui_draw_wtext(y, x, w, buf, n, attr);
		return cols;
	}
	/* too long: cut, and say so with the last column */
	tui_draw_wtext(y, x, w - 1, buf, n, attr);
	attron(attr);
	mvaddstr(y, x + w - 1, g->more);
	attroff(attr);
	return w;
}

int tui_draw_width(const char *s)
{
	wchar_t buf[1024];
	int cols;

	tui_draw_decode(s, buf, sizeof buf / sizeof *buf, &cols);
	return cols;
}

void tui_draw_fill(int y, int x, int w, int attr)
{
	attron(attr);
	mvhline(y, x, ' ', w);
	attroff(attr);
}

static void hrule(int y, int x, int w, int attr)
{
	const char *h = tui_term_glyphs()->h;
	int i;

	attron(attr);
	move(y, x);
	for (i = 0; i < w; i++)
		addstr(h);
	attroff(attr);
}

void tui_draw_box(int y, int x, int h, int w, const char *title, int attr)
{
	const struct tui_glyphs *g = tui_term_glyphs();
	int i;

	if (h < 2 || w < 2)
		return;
	attron(attr);
	mvaddstr(y, x, g->tl);
	hrule(y, x + 1, w - 2, attr);
	attron(attr);
	mvaddstr(y, x + w - 1, g->tr);
	for (i = 1; i < h - 1; i++) {
		mvaddstr(y + i, x, g->v);
		mvaddstr(y + i, x + w - 1, g->v);
	}
	mvaddstr(y + h - 1, x, g->bl);
	hrule(y + h - 1, x + 1, w - 2, attr);
	attron(attr);
	mvaddstr(y + h - 1, x + w - 1, g->br);
	attroff(attr);
	if (title && *title) {
		char t[256];
		snprintf(t, sizeof t, " %s ", title);
		tui_draw_text(y, x + 2, w - 4, t, attr | A_BOLD);
	}
}

void tui_draw_divider(int y, int x, int w, const char *title, int attr)
{
	const struct tui_glyphs *g = tui_term_glyphs();

	attron(attr);
	mvaddstr(y, x, g->lt);
	hrule(y, x + 1, w - 2, attr);
	attron(attr);
	mvaddstr(y, x + w - 1, g->rt);
	attroff(attr);
	if (title && *title) {
		char t[256];
		snprintf(t, sizeof t, " %s ", title);
		tui_draw_text(y, x + 2, w - 4, t, attr | A_BOLD);
	}
}

void tui_draw_titlebar(const char *title, const char *right)
{
	int a = tui_term_attr(TUI_TITLE), rw = right ? tui_draw_width(right) : 0;

	tui_draw_fill(0, 0, COLS, a);
	tui_draw_text(0, 1, COLS - rw - 3, title, a);
	if (right && rw < COLS - 10)
		tui_draw_text(0, COLS - rw - 1, rw, right, a);
}

void tui_draw_statusbar(const char *hints, const char *message, int message_attr)
{
	tui_draw_fill(LINES - 1, 0, COLS, A_NORMAL);
	if (message && *message)
		tui_draw_text(LINES - 1, 1, COLS - 2, message, message_attr);
	else
		tui_draw_text(LINES - 1, 1, COLS - 2, hints, tui_term_attr(TUI_DIM));
}

int tui_draw_button(int y, int x, const char *label, int selected)
{
	char b[64];

	snprintf(b, sizeof b, "[ %s ]", label);
	return tui_draw_text(y, x, COLS - x, b, selected ? tui_term_attr(TUI_SEL) | A_BOLD : A_NORMAL);
}

/* Appends one line (a range of wide characters) as UTF-8. */
static void add_line(struct tui_lines *l, const wchar_t *s, size_t n, int role)
{
	struct buf b = {0};
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t i, k;

	memset(&st, 0, sizeof st);
	for (i = 0; i < n; i++)
		if ((k = wcrtomb(mb, s[i], &st)) != (size_t)-1)
			buf_add(&b, mb, k);
	if (l->n + 1 > l->cap) {
		size_t cap = l->cap;
		l->v = xgrow(l->v, &cap, l->n + 1, sizeof *l->v);
		l->role = xgrow(l->role, &l->cap, l->n + 1, sizeof *l->role);
	}
	l->role[l->n] = role;
	l->v[l->n++] = b.s ? buf_steal(&b) : xstrdup("");
}

static int wwidth(const wchar_t *s, size_t n)
{
	int w = 0, c;
	size_t i;

	for (i = 0; i < n; i++)
		w += (c = wcwidth(s[i])) < 0 ? 1 : c;
	return w;
}

/* Wraps one paragraph (no '\n'); continuation lines are indented as the
 * first, plus hang columns. */
static void wrap_para(struct tui_lines *l, const wchar_t *s, size_t n, int width, int role, int hang)
{
	size_t indent = 0, start = 0;

	while (indent < n && s[indent] == L' ' && (int)indent < width / 2)
		indent++;
	if (indent + 1 < n && s[indent] == L'$' && s[indent + 1] == L' ') /* a command: align after "$ " */
		indent += 2;
	if ((int)indent + hang < width / 2)
		indent += (size_t)hang;
	if (n == 0) {
		add_line(l, s, 0, role);
		return;
	}
	while (start < n) {
		int lead = start ? (int)indent : 0, cols = lead;
		size_t end = start, brk = 0, i;
		wchar_t line[2048];
		size_t ln = 0;

		while (end < n && cols + wwidth(s + end, 1) <= width) {
			if (s[end] == L' ' && end > start)
				brk = end;
			cols += wwidth(s + end, 1);
			end++;
		}
		if (end < n && brk > start)
			end = brk; /* break at the last space */
		else if (end == start)
			end = start + 1; /* a character wider than the line */
		for (i = 0; i < (size_t)lead && ln < 2047; i++)
			line[ln++] = L' ';
		for (i = start; i < end && ln < 2047; i++)
			line[ln++] = s[i];
		add_line(l, line, ln, role);
		start = end;
		while (start < n && s[start] == L' ')
			start++;
	}
}

void tui_draw_wrap(struct tui_lines *l, const char *text, int width, int role)
{
	tui_draw_wrap_hanging(l, text, width, role, 0);
}

void tui_draw_wrap_hanging(struct tui_lines *l, const char *text, int width, int role, int hang)
{
	const char *p = text, *e;

	if (width < 8)
		width = 8;
	for (;;) {
		char *para;
		wchar_t w[2048];
		size_t n;

		e = strchr(p, '\n');
		para = e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p);
		n = tui_draw_decode(para, w, sizeof w / sizeof *w, NULL);
		wrap_para(l, w, n, width, role, hang);
		free(para);
		if (!e)
			break;
		p = e + 1;
	}
}

void tui_draw_lines_free(struct tui_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->role);
	memset(l, 0, sizeof *l);
}
