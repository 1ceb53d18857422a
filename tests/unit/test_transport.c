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
	buf_addf(&s->text, "%s %s|%s\n", plan_host_name(h),
	         k == SINK_OUT ? "out" : k == SINK_ERR ? "err" : k == SINK_PROGRESS ? "progress" : "other", text);
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

static void feed(struct line_splitter *ls, const char *text, const struct sink *sink)
{
	line_splitter_feed(ls, text, strlen(text), sink);
}

/* Text ended by a lone '\r' (rsync's --info=progress2 writes "\rPIECE"
 * again and again, then "\n") is a progress piece; "\r\n" is a line end,
 * also when the two bytes arrive in different reads. */
static void test_splitter_progress(void **state)
{
	struct seen s = {0};
	struct sink sink = { collect, &s };
	struct line_splitter ls = { .kind = SINK_OUT, .host = HOST_TARGET };
	static const char rsync[] = "\r     32,768   0%    0.00kB/s    0:00:00  "
	                            "\r    101,122,048  33%   96.41MB/s    0:00:02  "
	                            "\r    300,000,000  98%   93.52MB/s    0:00:03 (xfr#1, to-chk=200/202)"
	                            "\r    305,000,000 100%   93.50MB/s    0:00:03 (xfr#201, to-chk=0/202)\n"
	                            "\nNumber of files: 202\n";
	(void)state;

	/* progress pieces, the first '\r' before any text giving none; the
	 * newest piece (after the last '\r') is shown at once */
	feed(&ls, "\r 10%\r 20%\r 30", &sink);
	assert_string_equal(buf_cstr(&s.text), "target progress| 10%\ntarget progress| 20%\ntarget progress| 30\n");
	/* a final line after progress: the text the '\n' ends is a line */
	feed(&ls, "%\ndone\n", &sink);
	assert_string_equal(buf_cstr(&s.text), "target progress| 10%\ntarget progress| 20%\ntarget progress| 30\n"
	                                       "target out| 30%\ntarget out|done\n");
	buf_free(&s.text);
	memset(&s, 0, sizeof s);

	/* "\r\n" across a read boundary is one line end: no progress, no empty line */
	feed(&ls, "one\r", &sink);
	assert_int_equal(s.lines, 0);
	feed(&ls, "\ntwo\r\n\r", &sink);
	assert_string_equal(buf_cstr(&s.text), "target out|one\ntarget out|two\n");
	feed(&ls, "\n", &sink); /* "\r" then "\n": an empty line */
	assert_string_equal(buf_cstr(&s.text), "target out|one\ntarget out|two\ntarget out|\n");
	buf_free(&s.text);
	memset(&s, 0, sizeof s);

	/* a '\r' at the end of a read, then more text: the piece was progress */
	feed(&ls, "A\r", &sink);
	feed(&ls, "B\r", &sink);
	assert_string_equal(buf_cstr(&s.text), "target progress|A\n");
	feed(&ls, "C", &sink);
	assert_string_equal(buf_cstr(&s.text), "target progress|A\ntarget progress|B\ntarget progress|C\n");
	/* the stream's last text is a line */
	line_splitter_flush(&ls, &sink);
	assert_string_equal(buf_cstr(&s.text), "target progress|A\ntarget progress|B\ntarget progress|C\n"
	                                       "target out|C\n");
	feed(&ls, "last\r", &sink);
	line_splitter_flush(&ls, &sink);
	assert_non_null(strstr(buf_cstr(&s.text), "target out|C\ntarget out|last\n"));
	assert_int_equal(s.lines, 5); /* A, B, C as progress; C and last as lines */
	buf_free(&s.text);
	memset(&s, 0, sizeof s);

	/* rsync's own output as rsync writes it ("\rPIECE", one write each):
	 * each piece shown once, as soon as it comes, then the lines */
	{
		const char *w = rsync, *next;
		for (; *w; w = next) {
			next = strchr(w + 1, '\r');
			if (!next)
				next = w + strlen(w);
			line_splitter_feed(&ls, w, (size_t)(next - w), &sink);
		}
	}
	line_splitter_flush(&ls, &sink);
	assert_string_equal(buf_cstr(&s.text),
	                    "target progress|     32,768   0%    0.00kB/s    0:00:00  \n"
	                    "target progress|    101,122,048  33%   96.41MB/s    0:00:02  \n"
	                    "target progress|    300,000,000  98%   93.52MB/s    0:00:03 (xfr#1, to-chk=200/202)\n"
	                    "target out|    305,000,000 100%   93.50MB/s    0:00:03 (xfr#201, to-chk=0/202)\n"
	                    "target out|\ntarget out|Number of files: 202\n");
	buf_free(&s.text);
	memset(&s, 0, sizeof s);

	/* through the local transport, on both streams */
	{
		struct transport *t = transport_local_new();
		assert_int_equal(transport_run(t, HOST_SOURCE, "printf '\\r1%%\\r2%%\\r3%%\\n'; printf 'e\\rf\\r\\n' >&2",
		                               &sink), 0);
		assert_non_null(strstr(buf_cstr(&s.text), "source progress|1%\nsource progress|2%\nsource out|3%\n"));
		assert_non_null(strstr(buf_cstr(&s.text), "source progress|e\nsource err|f\n"));
		assert_int_equal(s.lines, 5);
		transport_free(t);
	}
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
		cmocka_unit_test(test_splitter_progress),
		cmocka_unit_test(test_dry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
