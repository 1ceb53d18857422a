/* A one-line editor: insert, delete, move, scroll sideways, and a secret
 * mode that shows '*' and wipes what was typed. */
#include "tui/tui_int.h"

#include <string.h>

void tui_field_set(struct tui_field *f, const char *utf8)
{
	int secret = f->secret;

	tui_field_wipe(f);
	f->secret = secret;
	f->len = tui_draw_decode(utf8, f->s, TUI_FIELD_MAX, NULL);
	f->cur = f->len;
}

void tui_field_get(const struct tui_field *f, char *out, size_t n)
{
	mbstate_t st;
	size_t i, k, len = 0;
	char mb[MB_LEN_MAX];

	memset(&st, 0, sizeof st);
	for (i = 0; i < f->len; i++) {
		k = wcrtomb(mb, f->s[i], &st);
		if (k == (size_t)-1 || len + k + 1 > n)
			break;
		memcpy(out + len, mb, k);
		len += k;
	}
	if (n)
		out[len] = '\0';
	explicit_bzero(mb, sizeof mb);
}

void tui_field_wipe(struct tui_field *f)
{
	explicit_bzero(f, sizeof *f);
}

static int printable(int key)
{
	return key >= 0x20 && key != 0x7f && key < 0x110000 && !(key & TUI_FN(0)) && wcwidth((wchar_t)key) > 0;
}

int tui_field_key(struct tui_field *f, int key)
{
	switch (key) {
	case TUI_FN(KEY_LEFT):
		if (f->cur > 0)
			f->cur--;
		return 1;
	case TUI_FN(KEY_RIGHT):
		if (f->cur < f->len)
			f->cur++;
		return 1;
	case TUI_FN(KEY_HOME): case TUI_CTRL('a'):
		f->cur = 0;
		return 1;
	case TUI_FN(KEY_END): case TUI_CTRL('e'):
		f->cur = f->len;
		return 1;
	case TUI_FN(KEY_BACKSPACE): case 0x7f: case TUI_CTRL('h'):
		if (f->cur == 0)
			return 1;
		f->cur--;
		/* fallthrough */
	case TUI_FN(KEY_DC): case TUI_CTRL('d'):
		if (f->cur < f->len) {
			memmove(f->s + f->cur, f->s + f->cur + 1, (f->len - f->cur - 1) * sizeof *f->s);
			f->s[--f->len] = 0;
		}
		return 1;
	case TUI_CTRL('u'): /* as in a shell: erase to the start */
		memmove(f->s, f->s + f->cur, (f->len - f->cur) * sizeof *f->s);
		f->len -= f->cur;
		wmemset(f->s + f->len, 0, TUI_FIELD_MAX - f->len);
		f->cur = 0;
		return 1;
	case TUI_CTRL('k'):
		wmemset(f->s + f->cur, 0, TUI_FIELD_MAX - f->cur);
		f->len = f->cur;
		return 1;
	}
	if (!printable(key))
		return 0;
	if (f->len + 1 >= TUI_FIELD_MAX)
		return 1;
	memmove(f->s + f->cur + 1, f->s + f->cur, (f->len - f->cur) * sizeof *f->s);
	f->s[f->cur++] = (wchar_t)key;
	f->len++;
	return 1;
}

void tui_field_draw(struct tui_field *f, int y, int x, int w, int focused)
{
	int inner = w - 2, attr = tui_term_attr(TUI_FIELD) | (focused ? A_BOLD : 0), c = 0;
	size_t i;

	if (inner < 2)
		return;
	/* keep the cursor in view: scroll by whole characters */
	if (f->cur < f->off)
		f->off = f->cur;
	for (;;) {
		int cols = 0;
		for (i = f->off; i < f->cur; i++)
			cols += f->secret ? 1 : (wcwidth(f->s[i]) < 0 ? 1 : wcwidth(f->s[i]));
		if (cols < inner || f->off >= f->cur)
			break;
		f->off++;
	}
	mvaddstr(y, x, "[");
	tui_draw_fill(y, x + 1, inner, attr);
	if (f->secret) {
		for (i = f->off; i < f->len && c < inner; i++, c++)
			mvaddch(y, x + 1 + c, '*' | attr);
	} else {
		tui_draw_wtext(y, x + 1, inner, f->s + f->off, f->len - f->off, attr);
	}
	mvaddstr(y, x + w - 1, "]");
	if (focused) {
		for (i = f->off, c = 0; i < f->cur; i++)
			c += f->secret ? 1 : (wcwidth(f->s[i]) < 0 ? 1 : wcwidth(f->s[i]));
		tui_term_cursor(y, x + 1 + c);
	}
}
