/* The wizard's dialogs and line editor without a terminal: keys in, the
 * button chosen out; the typed confirmation of a DESTRUCTIVE action; the
 * editor's moves and UTF-8; a secret wiped. */
#include "testutil.h"

#include <locale.h>

#include "tui/tui_int.h"

enum { GO = 10, SKIP, STOP };

static int type(struct tui_dialog *d, const char *s)
{
	int id = -1;

	for (; *s; s++)
		id = tui_dialog_key(d, (unsigned char)*s);
	return id;
}

static void test_buttons(void **state)
{
	struct tui_dialog *d = tui_dialog_new("Step 1 of 2", TUI_NORMAL);
	(void)state;

	tui_dialog_text(d, TUI_NORMAL, "why");
	tui_dialog_button(d, "Run", 'y', GO);
	tui_dialog_button(d, "Skip", 's', SKIP);
	tui_dialog_button(d, "Stop", 'q', STOP);
	assert_int_equal(tui_dialog_key(d, TUI_ESC), -1);      /* no cancel: Esc chooses nothing */
	assert_int_equal(tui_dialog_key(d, 'x'), -1);
	assert_int_equal(tui_dialog_key(d, 'S'), SKIP);        /* keys ignore case */
	assert_int_equal(tui_dialog_key(d, '\r'), GO);         /* Enter: the selected one, the first */
	assert_int_equal(tui_dialog_key(d, TUI_FN(KEY_RIGHT)), -1);
	assert_int_equal(tui_dialog_key(d, '\n'), SKIP);
	assert_int_equal(tui_dialog_key(d, '\t'), -1);
	assert_int_equal(tui_dialog_key(d, TUI_FN(KEY_ENTER)), STOP);
	assert_int_equal(tui_dialog_key(d, '\t'), -1);         /* Tab wraps to the first */
	assert_int_equal(tui_dialog_key(d, '\r'), GO);
	assert_int_equal(tui_dialog_key(d, TUI_FN(KEY_NPAGE)), -1); /* scrolling chooses nothing */
	tui_dialog_cancel(d, STOP);
	assert_int_equal(tui_dialog_key(d, TUI_ESC), STOP);
	tui_dialog_free(d);
}

/* A DESTRUCTIVE action runs only on the word yes. */
static void test_typed_yes(void **state)
{
	struct tui_dialog *d = tui_dialog_new("DESTRUCTIVE", TUI_WARN);
	char v[32];
	(void)state;

	tui_dialog_input(d, TUI_INPUT_TEXT, "Type yes to run it:", "");
	tui_dialog_button(d, "Run", 0, GO);
	tui_dialog_button(d, "Skip the rest", 's', SKIP);
	tui_dialog_button(d, "Stop", 'q', STOP);
	tui_dialog_require(d, GO, "yes", "type yes");
	assert_int_equal(tui_dialog_key(d, '\r'), -1);         /* nothing typed */
	assert_int_equal(type(d, "s"), -1);                    /* the input has the focus: s is typed, no hotkey */
	assert_int_equal(tui_dialog_key(d, '\r'), -1);         /* "s" */
	assert_int_equal(tui_dialog_key(d, TUI_FN(KEY_BACKSPACE)), -1);
	assert_int_equal(type(d, "YES\r"), -1);                /* exactly the word */
	assert_int_equal(tui_dialog_key(d, TUI_CTRL('u')), -1);
	assert_int_equal(type(d, "ye\r"), -1);
	assert_int_equal(type(d, "s"), -1);
	tui_dialog_value(d, v, sizeof v);
	assert_string_equal(v, "yes");
	assert_int_equal(tui_dialog_key(d, '\r'), GO);
	/* Tab leaves the input: the other buttons need no word */
	assert_int_equal(tui_dialog_key(d, TUI_CTRL('u')), -1);
	assert_int_equal(tui_dialog_key(d, '\t'), -1);
	assert_int_equal(tui_dialog_key(d, '\r'), -1);         /* Run selected, no yes: refused */
	assert_int_equal(tui_dialog_key(d, '\t'), -1);         /* the refusal gave the input the focus */
	assert_int_equal(tui_dialog_key(d, 's'), SKIP);
	assert_int_equal(tui_dialog_key(d, 'q'), STOP);
	tui_dialog_free(d);
}

static void test_field(void **state)
{
	struct tui_field f;
	char out[64];
	(void)state;

	memset(&f, 0, sizeof f);
	tui_field_set(&f, "hst");
	assert_int_equal(f.cur, 3);
	assert_true(tui_field_key(&f, TUI_FN(KEY_LEFT)));
	assert_true(tui_field_key(&f, TUI_FN(KEY_LEFT)));
	assert_true(tui_field_key(&f, 'o'));
	tui_field_get(&f, out, sizeof out);
	assert_string_equal(out, "host");
	assert_true(tui_field_key(&f, TUI_FN(KEY_END)));
	assert_true(tui_field_key(&f, 0x7f));                  /* backspace */
	assert_true(tui_field_key(&f, TUI_FN(KEY_HOME)));
	assert_true(tui_field_key(&f, TUI_FN(KEY_DC)));         /* delete */
	tui_field_get(&f, out, sizeof out);
	assert_string_equal(out, "os");
	assert_false(tui_field_key(&f, '\t'));                 /* not the editor's: the form's */
	assert_false(tui_field_key(&f, 27));
	assert_false(tui_field_key(&f, TUI_FN(KEY_F(1))));
	assert_true(tui_field_key(&f, 0xe9));                  /* é, typed at the start */
	tui_field_get(&f, out, sizeof out);
	assert_string_equal(out, "\xc3\xa9os");
	tui_field_set(&f, "/var/\xc3\xa9t\xc3\xa9");           /* UTF-8 in, the same out */
	tui_field_get(&f, out, sizeof out);
	assert_string_equal(out, "/var/\xc3\xa9t\xc3\xa9");
	assert_int_equal(f.len, 8);
	tui_field_get(&f, out, 8);                             /* cut at a character, not inside one */
	assert_string_equal(out, "/var/\xc3\xa9");
	tui_field_get(&f, out, 7);
	assert_string_equal(out, "/var/");
	assert_true(tui_field_key(&f, TUI_FN(KEY_LEFT)));
	assert_true(tui_field_key(&f, TUI_CTRL('k')));         /* to the end */
	tui_field_get(&f, out, sizeof out);
	assert_string_equal(out, "/var/\xc3\xa9t");
	assert_true(tui_field_key(&f, TUI_CTRL('u')));         /* to the start */
	assert_int_equal(f.len, 0);
	f.secret = 1;
	tui_field_set(&f, "s3cret");
	assert_int_equal(f.secret, 1);
	tui_field_wipe(&f);
	assert_int_equal(f.len, 0);
	assert_int_equal(f.s[0], 0);
	assert_int_equal(f.s[3], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buttons),
		cmocka_unit_test(test_typed_yes),
		cmocka_unit_test(test_field),
	};
	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
