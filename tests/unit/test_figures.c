/* The verification table: the "mailshift-figure" lines actions print, the
 * table's order, and how the figures are shown. */
#include "testutil.h"

#include "core/figures.h"

static void test_parse(void **state)
{
	struct figure f;
	char longword[FIGURES_WORD + 1];
	char *line;
	(void)state;

	assert_int_equal(figures_parse("mailshift-figure messages 3456 3455", &f), 1);
	assert_string_equal(f.key, "messages");
	assert_string_equal(f.source, "3456");
	assert_string_equal(f.target, "3455");
	assert_string_equal(f.step, "");
	assert_int_equal(figures_parse("mailshift-figure x_y-2 A.b:c+d-e 0", &f), 1);
	assert_string_equal(f.source, "A.b:c+d-e");

	/* anything else is ordinary output: not a figure */
	memset(&f, 'z', sizeof f);
	static const char *const not[] = {
		"mailshift-figure messages 3456",            /* a figure missing */
		"mailshift-figure messages 3456 3456 same",  /* one word too many */
		"mailshift-figure messages  3456 3456",      /* two spaces */
		"mailshift-figure messages 3456 3456 ",      /* trailing space */
		"mailshift-figure Messages 3456 3456",       /* a key is lower case */
		"mailshift-figure messages 34$6 3456",       /* not a word */
		"mailshift-figure messages 3456 p4ss/w0rd",  /* '/' is no figure */
		"mailshift-figure messages 3456 3456\r",
		"mailshift-figuremessages 1 2",
		" mailshift-figure messages 1 2",
		"echo mailshift-figure messages 1 2",
		"mailshift-figure",
		"",
	};
	for (size_t i = 0; i < sizeof not / sizeof *not; i++) {
		assert_int_equal(figures_parse(not[i], &f), 0);
		assert_int_equal(f.key[0], 'z'); /* untouched */
	}
	memset(longword, '1', FIGURES_WORD);
	longword[FIGURES_WORD] = '\0';
	line = xasprintf("mailshift-figure bytes %s 1", longword);
	assert_int_equal(figures_parse(line, &f), 0);
	free(line);
	longword[FIGURES_WORD - 1] = '\0'; /* the longest a word may be */
	line = xasprintf("mailshift-figure bytes %s 1", longword);
	assert_int_equal(figures_parse(line, &f), 1);
	assert_string_equal(f.source, longword);
	free(line);
}

static struct figure fig(const char *step, const char *key, const char *s, const char *t)
{
	struct figure f;

	memset(&f, 0, sizeof f);
	snprintf(f.step, sizeof f.step, "%s", step);
	snprintf(f.key, sizeof f.key, "%s", key);
	snprintf(f.source, sizeof f.source, "%s", s);
	snprintf(f.target, sizeof f.target, "%s", t);
	return f;
}

static void expect_line(const struct figure f, const char *want)
{
	char line[256];

	figures_line(line, sizeof line, &f);
	assert_string_equal(line, want);
}

/* every known key's label fits its column: the figures stand under their
 * headers whatever the row */
static void test_columns(void **state)
{
	static const char *const keys[] = { "iredmail", "backend", "vmail-ids", "dovecot", "roundcube",
		"accounts", "domains", "resolved", "unresolved", "roots", "census", "folders", "messages",
		"bytes", "differ", "du", "room", "databases", "tables", "rows", "ldap", "dkim", "owners",
		"dkim-owners" };
	char line[256];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof keys / sizeof *keys; i++) {
		struct figure f = fig("verify", keys[i], "7", "8");

		figures_line(line, sizeof line, &f);
		/* "  " label(22) " " source(12) " " target(12): the source's last
		 * character at 36, the target's at 49 */
		assert_true(strlen(line) >= 50);
		assert_true(line[36] != ' ' && line[37] == ' ' && line[49] != ' ');
	}
}

static void test_lines(void **state)
{
	char line[256];
	(void)state;

	figures_header(line, sizeof line);
	assert_string_equal(line, "  what                         source       target");
	expect_line(fig("verify", "accounts", "12", "12"),
	            "  mailboxes (accounts)             12           12  same");
	expect_line(fig("verify", "messages", "3456", "3455"),
	            "  messages                       3456         3455  differs");
	expect_line(fig("verify", "bytes", "123400000", "123400000"),
	            "  bytes                      123.4 MB     123.4 MB  same");
	expect_line(fig("verify", "bytes", "999", "1000"),
	            "  bytes                         999 B       1.0 kB  differs");
	expect_line(fig("verify", "bytes", "5000000000000", "5000000000000"),
	            "  bytes                        5.0 TB       5.0 TB  same");
	/* 999.96 kB rounds up: shown as MB, not "1000.0 kB" */
	expect_line(fig("verify", "bytes", "999960", "999960"),
	            "  bytes                        1.0 MB       1.0 MB  same");
	/* rounded alike but not the same: the exact figures are shown */
	expect_line(fig("verify", "bytes", "123400000", "123400001"),
	            "  bytes                     123400000    123400001  differs");
	expect_line(fig("verify", "owners", "0", "0"),
	            "  owners and modes                 ok           ok  same");
	expect_line(fig("verify", "owners", "0", "3"),
	            "  owners and modes                 ok      3 wrong  differs");
	expect_line(fig("verify", "ldap", "45", "45"),
	            "  LDAP entries                     45           45  same");
	/* a key mailshift does not know is shown by its id */
	expect_line(fig("verify", "quota_x", "a", "a"),
	            "  quota_x                           a            a  same");
}

static void test_order_and_print(void **state)
{
	struct figures fs = {0};
	struct figure f;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	(void)state;

	f = fig("verify", "owners", "0", "0");
	figures_set(&fs, &f);
	f = fig("verify", "zz", "1", "1");
	figures_set(&fs, &f);
	f = fig("verify", "bytes", "10", "10");
	figures_set(&fs, &f);
	f = fig("verify", "messages", "2", "1");
	figures_set(&fs, &f);
	f = fig("verify", "accounts", "3", "3");
	figures_set(&fs, &f);
	f = fig("verify", "messages", "2", "2"); /* counted again: replaces */
	figures_set(&fs, &f);
	f = fig("test", "messages", "5", "6");   /* another step's: its own row */
	figures_set(&fs, &f);
	assert_int_equal(fs.n, 6);
	figures_sort(&fs);
	assert_string_equal(fs.v[0].key, "accounts");
	assert_string_equal(fs.v[1].key, "messages");
	assert_string_equal(fs.v[1].target, "2");
	assert_string_equal(fs.v[2].key, "bytes");
	assert_string_equal(fs.v[3].key, "owners");
	assert_string_equal(fs.v[4].key, "zz");
	assert_string_equal(fs.v[5].step, "test");

	out = open_memstream(&text, &len);
	assert_int_equal(figures_print(&fs, out), 1);
	fclose(out);
	assert_string_equal(text,
	                    "source and target, as step verify last counted them\n"
	                    "  what                         source       target\n"
	                    "  mailboxes (accounts)              3            3  same\n"
	                    "  messages                          2            2  same\n"
	                    "  bytes                          10 B         10 B  same\n"
	                    "  owners and modes                 ok           ok  same\n"
	                    "  zz                                1            1  same\n"
	                    "  all 5 figures are the same\n"
	                    "source and target, as step test last counted them\n"
	                    "  what                         source       target\n"
	                    "  messages                          5            6  differs\n"
	                    "  1 of 1 figures differ\n");
	free(text);
	text = NULL;

	figures_clear(&fs);
	out = open_memstream(&text, &len);
	assert_int_equal(figures_print(&fs, out), 0);
	fclose(out);
	assert_string_equal(text, "");
	free(text);
	figures_free(&fs);
	assert_null(fs.v);
}

/* Pre-flight's figures: each host fills its own column ("-" leaves the
 * other's as it was); only what must already agree gets a verdict, the
 * rest (the target is still empty) describes the servers. */
/* A figure of a survey step (STEP_SURVEY: pre-flight). */
static struct figure survey(const char *key, const char *s, const char *t)
{
	struct figure f = fig("preflight", key, s, t);

	f.kind = FIGURES_SURVEY;
	return f;
}

static void test_preflight(void **state)
{
	struct figures fs = {0};
	struct figure f;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	(void)state;

	f = survey("accounts", "12", "-");
	figures_set(&fs, &f);
	f = survey("accounts", "-", "0");
	figures_set(&fs, &f);
	f = survey("iredmail", "1.8.1", "1.8.0");
	figures_set(&fs, &f);
	f = survey("dovecot", "-", "2.3.19.1");
	figures_set(&fs, &f);
	f = survey("room", "-", "2500000000");
	figures_set(&fs, &f);
	assert_int_equal(fs.n, 4);
	assert_string_equal(fs.v[0].source, "12");
	assert_string_equal(fs.v[0].target, "0");
	assert_false(figures_judged(&fs.v[0])); /* the target is empty before the copy */
	assert_true(figures_judged(&fs.v[1]));
	assert_false(figures_judged(&fs.v[2])); /* one column open */
	f = fig("verify", "accounts", "12", "11");
	assert_true(figures_judged(&f));
	/* the step's kind decides, not its id */
	f = fig("preflight", "accounts", "12", "11");
	assert_true(figures_judged(&f));

	out = open_memstream(&text, &len);
	assert_int_equal(figures_print(&fs, out), 1);
	fclose(out);
	assert_string_equal(text,
	                    "what pre-flight found on each server\n"
	                    "  what                         source       target\n"
	                    "  iRedMail release              1.8.1        1.8.0  differs\n"
	                    "  Dovecot                           -     2.3.19.1\n"
	                    "  mailboxes (accounts)             12            0\n"
	                    "  room for the mail                 -       2.5 GB\n"
	                    "  1 of 1 figures differ\n");
	free(text);
	figures_free(&fs);
}

/* A figure in the live log is words, not the protocol line. */
static void test_say(void **state)
{
	struct figure f;
	char out[256];
	(void)state;

	f = fig("verify", "bytes", "2500000000", "2500000000");
	figures_say(out, sizeof out, &f);
	assert_string_equal(out, "figure: bytes: 2.5 GB on the source, 2.5 GB on the target (same)");
	f = survey("dovecot", "-", "2.3.19.1");
	figures_say(out, sizeof out, &f);
	assert_string_equal(out, "figure: Dovecot: 2.3.19.1 on the target");
	f = survey("accounts", "12", "0"); /* a survey describes: no verdict */
	figures_say(out, sizeof out, &f);
	assert_string_equal(out, "figure: mailboxes (accounts): 12 on the source, 0 on the target");
	f = fig("verify", "owners", "0", "3");
	figures_say(out, sizeof out, &f);
	assert_null(strstr(out, "mailshift-figure"));
	assert_non_null(strstr(out, "(differs)"));
}

/* The accounts that differ, in words: a note is printable text, belongs to
 * the last "differ" count of its step, and shows under that step's table. */
static void test_notes(void **state)
{
	struct figures fs = {0};
	struct figure f;
	char note[FIGURES_NOTE], *text = NULL, big[FIGURES_NOTE * 2];
	size_t len = 0;
	FILE *out;
	(void)state;

	assert_int_equal(figures_note_parse("mailshift-note bob@example.net: INBOX: 1 message(s) missing", note, sizeof note), 1);
	assert_string_equal(note, "bob@example.net: INBOX: 1 message(s) missing");
	/* a name from the source reaches the report, the terminal: no control bytes */
	assert_int_equal(figures_note_parse("mailshift-note a\033]0;pwned\007b\tc\xc3\xa9", note, sizeof note), 1);
	assert_string_equal(note, "a?]0;pwned?b?c??");
	assert_int_equal(figures_note_parse("mailshift-note ", note, sizeof note), 0);
	assert_int_equal(figures_note_parse("mailshift-figure differ 0 1", note, sizeof note), 0);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "mailshift-note ", 15);
	assert_int_equal(figures_note_parse(big, note, sizeof note), 1);
	assert_int_equal(strlen(note), FIGURES_NOTE - 1);

	f = fig("verify", "differ", "0", "2");
	figures_set(&fs, &f);
	figures_note(&fs, "verify", "old: a first count's account");
	f = fig("verify", "differ", "0", "1"); /* counted again: the old notes go */
	figures_set(&fs, &f);
	figures_note(&fs, "verify", "bob@example.net: its mail directory is missing on the target");
	assert_int_equal(fs.nnote, 1);
	out = open_memstream(&text, &len);
	figures_print(&fs, out);
	fclose(out);
	assert_non_null(strstr(text, "  accounts that differ              0            1  differs\n"
	                             "  1 of 1 figures differ\n"
	                             "  what differs (the first accounts):\n"
	                             "  bob@example.net: its mail directory is missing on the target\n"));
	assert_null(strstr(text, "old:"));
	free(text);
	figures_free(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_order_and_print),
		cmocka_unit_test(test_preflight),
		cmocka_unit_test(test_say),
		cmocka_unit_test(test_notes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
