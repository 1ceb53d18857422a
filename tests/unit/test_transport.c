/* The local transport and the line splitter. */
#include "testutil.h"

#include <time.h>

#include "backends/transport.h"

struct seen {
	struct buf text;
	int lines;
};

static void collect(void *ctx, enum sink_kind k, enum host h, const char *text)
{
	struct seen *s = ctx;
	buf_addf(&s->text, "%s %s|%s\n", plan_host_name(h), k == SINK_OUT ? "out" : "err", text);
	s->lines++;
}

static void test_local(void **state)
{
	struct transport *t = transport_local_new();
	struct seen s = {0};
	struct sink sink = { collect, &s };
	(void)state;

	assert_int_equal(transport_run(t, HOST_TARGET, "echo one; echo two >&2; printf 'a\\n\\nb'", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "target out|one\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "target err|two\n"));
	/* an empty line is a line; a last line without newline is flushed */
	assert_non_null(strstr(buf_cstr(&s.text), "target out|a\ntarget out|\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "target out|b\n"));
	assert_int_equal(s.lines, 5);
	assert_int_equal(transport_run(t, HOST_SOURCE, "exit 42", &sink), 42);
	assert_int_equal(transport_run(t, HOST_SOURCE, "kill -TERM $$", &sink), 128 + 15);
	/* stdin is /dev/null: a command that reads does not hang */
	assert_int_equal(transport_run(t, HOST_SOURCE, "read -r x || echo eof", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "source out|eof\n"));
	buf_free(&s.text);
	transport_free(t);
}

/* A daemon started by the command keeps the pipes open: the transport
 * returns when the command exits, not when the daemon does. */
static void test_daemon_keeps_pipes(void **state)
{
	struct transport *t = transport_local_new();
	struct seen s = {0};
	struct sink sink = { collect, &s };
	time_t start = time(NULL);
	(void)state;

	assert_int_equal(transport_run(t, HOST_TARGET, "sleep 60 & echo started; exit 3", &sink), 3);
	assert_true(time(NULL) - start < 30);
	assert_non_null(strstr(buf_cstr(&s.text), "target out|started\n"));
	buf_free(&s.text);
	transport_free(t);
}

static void test_long_lines(void **state)
{
	struct transport *t = transport_local_new();
	struct seen s = {0};
	struct sink sink = { collect, &s };
	(void)state;

	/* 10000 bytes with no newline arrive whole, in pieces of at most 4095 */
	assert_int_equal(transport_run(t, HOST_LOCAL, "head -c 10000 /dev/zero | tr '\\0' x", &sink), 0);
	assert_int_equal(s.lines, 3);
	assert_int_equal(s.text.len, 10000 + 3 * strlen("local out|\n"));
	buf_free(&s.text);
	transport_free(t);
}

static void test_splitter(void **state)
{
	struct seen s = {0};
	struct sink sink = { collect, &s };
	struct line_splitter ls = { .kind = SINK_ERR, .host = HOST_SOURCE };
	(void)state;

	line_splitter_feed(&ls, "par", 3, &sink);
	line_splitter_feed(&ls, "tial\r\nnext", 10, &sink);
	assert_string_equal(buf_cstr(&s.text), "source err|partial\n");
	line_splitter_flush(&ls, &sink);
	line_splitter_flush(&ls, &sink);
	assert_string_equal(buf_cstr(&s.text), "source err|partial\nsource err|next\n");
	buf_free(&s.text);
}

static void test_dry(void **state)
{
	struct transport *t = transport_dry_new();
	struct seen s = {0};
	struct sink sink = { collect, &s };
	(void)state;

	assert_int_equal(transport_run(t, HOST_TARGET, "touch /tmp/mailshift-dry-must-not-exist", &sink), 0);
	assert_int_equal(access("/tmp/mailshift-dry-must-not-exist", F_OK), -1);
	assert_int_equal(s.lines, 0);
	transport_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_daemon_keeps_pipes),
		cmocka_unit_test(test_splitter),
		cmocka_unit_test(test_dry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
