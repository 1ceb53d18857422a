/* The console: the admin's answers to each question (checklist items,
 * steps, destructive actions, failures), the sink, the 0600 log. */
#include "fixture.h"

#include "core/console.h"

/* A console reading `input` and writing into memory. */
struct term {
	struct console c;
	char *out, *err;
	size_t outlen, errlen;
};

static void term_open(struct term *t, const char *input)
{
	memset(t, 0, sizeof *t);
	t->c.in = *input ? fmemopen((void *)input, strlen(input), "r") : fopen("/dev/null", "r");
	t->c.out = open_memstream(&t->out, &t->outlen);
	t->c.err = open_memstream(&t->err, &t->errlen);
	assert_non_null(t->c.in);
	assert_non_null(t->c.out);
	assert_non_null(t->c.err);
}

/* Closes the streams: t->out and t->err hold what was written. */
static void term_close(struct term *t)
{
	fclose(t->c.in);
	fclose(t->c.out);
	fclose(t->c.err);
	console_close(&t->c);
}

static void term_free(struct term *t)
{
	free(t->out);
	free(t->err);
}

/* Asks the checklist question of the manual fixture's cutover item. */
static enum runner_choice ask_manual(const struct plan *p, const char *input, struct term *t)
{
	struct runner_ui ui;
	enum runner_choice c;

	term_open(t, input);
	ui = console_ui(&t->c);
	assert_non_null(ui.manual);
	c = ui.manual(ui.ctx, &p->steps[1], &p->steps[1].act[0]);
	term_close(t);
	return c;
}

static void test_manual(void **state)
{
	struct answers a;
	struct plan p;
	struct term t;
	(void)state;

	fx_build_manual(&a, &p);
	assert_int_equal(ask_manual(&p, "y\n", &t), RUNNER_GO);
	assert_string_equal(t.out, "   CHECKLIST (cutover): point the MX at the new server (it's the switch)\n"
	                           "   Done? [y]es / [l]ater / [a]bort: ");
	term_free(&t);
	assert_int_equal(ask_manual(&p, "Later\n", &t), RUNNER_SKIP);
	term_free(&t);
	/* anything else asks again */
	assert_int_equal(ask_manual(&p, "maybe\n\nl\n", &t), RUNNER_SKIP);
	assert_non_null(strstr(t.out, "[a]bort:    Done? [y]es / [l]ater / [a]bort:    Done? "));
	term_free(&t);
	assert_int_equal(ask_manual(&p, "a\n", &t), RUNNER_ABORT);
	term_free(&t);
	/* no answer at all stops the run */
	assert_int_equal(ask_manual(&p, "", &t), RUNNER_ABORT);
	term_free(&t);
	plan_free(&p);
	answers_free(&a);
}

static void test_questions(void **state)
{
	struct answers a;
	struct plan p;
	struct term t;
	struct runner_ui ui;
	const struct action *destructive;
	(void)state;

	fx_build(&a, &p);
	destructive = &p.steps[1].act[0];
	term_open(&t, "x\ns\ny\nq\n");
	ui = console_ui(&t.c);
	assert_int_equal(ui.confirm_step(ui.ctx, &p.steps[0], 0, 2), RUNNER_SKIP);
	assert_int_equal(ui.confirm_step(ui.ctx, &p.steps[0], 0, 2), RUNNER_GO);
	assert_int_equal(ui.confirm_step(ui.ctx, &p.steps[0], 0, 2), RUNNER_ABORT);
	assert_int_equal(ui.confirm_step(ui.ctx, &p.steps[0], 0, 2), RUNNER_ABORT); /* EOF */
	term_close(&t);
	assert_non_null(strstr(t.out, "Run step first-step? [y]es, [s]kip, [q]uit: "));
	term_free(&t);

	/* a destructive action takes "yes" or "skip" in full */
	term_open(&t, "yes\nskip\ny\n");
	ui = console_ui(&t.c);
	assert_int_equal(ui.confirm_destructive(ui.ctx, &p.steps[1], destructive), RUNNER_GO);
	assert_int_equal(ui.confirm_destructive(ui.ctx, &p.steps[1], destructive), RUNNER_SKIP);
	assert_int_equal(ui.confirm_destructive(ui.ctx, &p.steps[1], destructive), RUNNER_ABORT);
	term_close(&t);
	assert_non_null(strstr(t.out, "   DESTRUCTIVE on the target: overwrites\n"));
	term_free(&t);

	/* skip is not taken after a destructive action failed */
	term_open(&t, "r\ns\na\ns\n");
	ui = console_ui(&t.c);
	assert_int_equal(ui.failed(ui.ctx, &p.steps[1], destructive, 1, 0), RUNNER_RETRY);
	assert_int_equal(ui.failed(ui.ctx, &p.steps[1], destructive, 1, 0), RUNNER_ABORT);
	assert_int_equal(ui.failed(ui.ctx, &p.steps[0], &p.steps[0].act[0], 1, 1), RUNNER_SKIP);
	term_close(&t);
	assert_non_null(strstr(t.out, "This action is destructive: [r]etry or [a]bort? "));
	term_free(&t);

	term_open(&t, "\nn\n");
	assert_int_equal(console_ask_yes(&t.c, "Resume?", 1), 1);
	assert_int_equal(console_ask_yes(&t.c, "Resume?", 1), 0);
	assert_int_equal(console_ask_yes(&t.c, "Resume?", 1), 0); /* EOF */
	term_close(&t);
	assert_non_null(strstr(t.out, "Resume? [Y/n] "));
	term_free(&t);
	plan_free(&p);
	answers_free(&a);
}

/* --quiet keeps warnings and errors; the log (0600) keeps everything and
 * the admin's answers. */
static void test_sink_and_log(void **state)
{
	char *dir = tu_tmpdir(), *log = xasprintf("%s/log", dir), err[256], *text;
	struct term t;
	struct sink s;
	struct runner_ui ui;
	struct answers a;
	struct plan p;
	(void)state;

	fx_build_manual(&a, &p);
	term_open(&t, "l\n");
	t.c.quiet = 1;
	assert_int_equal(console_open_log(&t.c, log, err, sizeof err), 0);
	assert_int_equal(tu_mode(log), 0600);
	s = console_sink(&t.c);
	sink_emit(&s, SINK_OUT, HOST_LOCAL, "Point the MX at new.example.org");
	sink_emit(&s, SINK_INFO, HOST_LOCAL, "checklist: pending");
	sink_emit(&s, SINK_WARN, HOST_TARGET, "advisory check failed");
	sink_emit(&s, SINK_WARN, HOST_SOURCE, "cannot stop: \033]0;pwned\007\033[2J\xc2\x9b" "31mred\r\tnow");
	ui = console_ui(&t.c);
	assert_int_equal(ui.manual(ui.ctx, &p.steps[1], &p.steps[1].act[0]), RUNNER_SKIP);
	term_close(&t);
	assert_null(strstr(t.out, "Point the MX"));
	assert_null(strstr(t.out, "checklist: pending"));
	assert_string_equal(t.err, "mailshift: warning: advisory check failed\n"
	                           "mailshift: warning: cannot stop: ?]0;pwned??[2J?31mred?\tnow\n");
	text = tu_read(log);
	/* server text drives no terminal: ESC, BEL, CR and C1 controls are '?', in the log too */
	assert_non_null(strstr(text, " warn   source cannot stop: ?]0;pwned??[2J?31mred?\tnow\n"));
	assert_null(strchr(text, '\033'));
	assert_non_null(strstr(text, " out    local  Point the MX at new.example.org\n"));
	assert_non_null(strstr(text, " info   local  checklist: pending\n"));
	assert_non_null(strstr(text, " answer local  l\n"));
	free(text);
	term_free(&t);
	assert_int_equal(console_open_log(&t.c, "/nonexistent/dir/log", err, sizeof err), -1);
	assert_string_equal(err, "/nonexistent/dir/log: cannot write the log: No such file or directory");
	/* a device is refused, its mode untouched; a FIFO without a reader
	 * does not hang; a symbolic link is not followed */
	{
		char *fifo = xasprintf("%s/fifo", dir), *link = xasprintf("%s/link", dir);
		unsigned before = tu_mode("/dev/null");
		assert_int_equal(console_open_log(&t.c, "/dev/null", err, sizeof err), -1);
		assert_string_equal(err, "/dev/null: the log must be a regular file");
		assert_int_equal(tu_mode("/dev/null"), before);
		assert_int_equal(mkfifo(fifo, 0600), 0);
		assert_int_equal(console_open_log(&t.c, fifo, err, sizeof err), -1);
		assert_int_equal(symlink(log, link), 0);
		assert_int_equal(console_open_log(&t.c, link, err, sizeof err), -1);
		assert_non_null(strstr(err, "cannot write the log"));
		free(fifo);
		free(link);
	}
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(log);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manual),
		cmocka_unit_test(test_questions),
		cmocka_unit_test(test_sink_and_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
