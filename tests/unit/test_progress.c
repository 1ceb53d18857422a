/* A copy's progress (rsync --info=progress2): the line read into figures
 * and drawn as a bar (tui/progress), shown in place by the console on a
 * terminal and dropped elsewhere, kept by the wizard's worker while the
 * action runs; never in the log, the ring or the journal. */
#include "testutil.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>

#include "core/console.h"
#include "app/session.h"
#include "tui/logring.h"
#include "tui/progress.h"
#include "tui/worker.h"

#define MB (1024.0 * 1024.0)

static void test_parse(void **state)
{
	struct tui_progress p;
	(void)state;

	/* a file in the middle of its copy: the time is the time left */
	assert_int_equal(tui_progress_parse("    101,122,048  33%   96.41MB/s    0:00:02  ", &p), 0);
	assert_true(p.bytes == 101122048);
	assert_int_equal(p.percent, 33);
	assert_true(p.rate > 96.40 * MB && p.rate < 96.42 * MB);
	assert_int_equal(p.eta, 2);
	assert_false(p.estimated);
	assert_int_equal(p.files_left, -1);
	assert_int_equal(p.files_total, -1);

	/* as a file ends ("xfr#"): the time since the start, the time left worked out */
	assert_int_equal(tui_progress_parse("  1,234,567  45%   12.34MB/s    0:00:12 (xfr#3, to-chk=10/100)", &p), 0);
	assert_true(p.bytes == 1234567);
	assert_int_equal(p.percent, 45);
	assert_int_equal(p.eta, 12 * 55 / 45);
	assert_true(p.estimated);
	assert_int_equal(p.files_left, 10);
	assert_int_equal(p.files_total, 100);
	assert_false(p.listing);
	assert_int_equal(tui_progress_parse("    305,000,000 100%   93.50MB/s    0:00:03 (xfr#201, to-chk=0/202)", &p), 0);
	assert_int_equal(p.percent, 100);
	assert_int_equal(p.eta, 0);

	/* a byte count beyond any disk (a server's hostile line): the most a
	 * count holds, never an undefined cast */
	{
		char line[600];
		memset(line, '9', 500);
		strcpy(line + 500, "  33%   96.41MB/s    0:00:02");
		assert_int_equal(tui_progress_parse(line, &p), 0);
		assert_true(p.bytes == UINT64_MAX);
		memcpy(line, "99999999999999999999999999999999999999.9P", 41);
		strcpy(line + 41, "  33%   96.41MB/s    0:00:02");
		assert_int_equal(tui_progress_parse(line, &p), 0);
		assert_true(p.bytes == UINT64_MAX);
	}

	/* hours; a locale with a decimal comma; rsync -h's units */
	assert_int_equal(tui_progress_parse("  1.234.567  45%   12,34MB/s   12:02:03  ", &p), 0);
	assert_true(p.bytes == 1234567);
	assert_true(p.rate > 12.33 * MB && p.rate < 12.35 * MB);
	assert_int_equal(p.eta, 12 * 3600 + 2 * 60 + 3);
	assert_int_equal(tui_progress_parse("1.23G   7%  512.00kB/s  0:01:00", &p), 0);
	assert_true(p.bytes == 1230000000ULL);
	assert_true(p.rate > 511.9 * 1024 && p.rate < 512.1 * 1024);

	/* rsync does not know: no time left */
	assert_int_equal(tui_progress_parse("  0   0%    0.00kB/s    ??:??:??  ", &p), 0);
	assert_int_equal(p.eta, -1);
	assert_int_equal(tui_progress_parse("  0   0%    0.00kB/s    0:00:07 (xfr#1, to-chk=5/6)", &p), 0);
	assert_int_equal(p.eta, -1); /* 0 %: nothing to work it out from */
	/* incremental recursion: the total still grows, no time left */
	assert_int_equal(tui_progress_parse("  5,000  50%  1.00kB/s  0:00:05 (xfr#2, ir-chk=1000/1200)", &p), 0);
	assert_true(p.listing);
	assert_int_equal(p.eta, -1);
	assert_int_equal(p.files_left, 1000);

	/* anything else is not a progress line */
	assert_int_equal(tui_progress_parse("", &p), -1);
	assert_int_equal(tui_progress_parse("receiving file list ... done", &p), -1);
	assert_int_equal(tui_progress_parse("45% done", &p), -1);
	assert_int_equal(tui_progress_parse("1,234  45%  12.34MB/s", &p), -1);
	assert_int_equal(tui_progress_parse("1,234  145%  1.00kB/s  0:00:01", &p), -1);
	assert_int_equal(tui_progress_parse("1,234  45%  1.00kB  0:00:01", &p), -1);
	assert_int_equal(tui_progress_parse("1,234  45%  1.00kB/s  0:60:00", &p), -1);
	assert_int_equal(tui_progress_parse("1,234  45%  1.00kB/s  0:00:01 trailing words", &p), -1);
	assert_int_equal(tui_progress_parse("x1,234  45%  1.00kB/s  0:00:01", &p), -1);
}

static void test_format(void **state)
{
	struct tui_progress p;
	char line[256];
	(void)state;

	tui_progress_size(512, line, sizeof line);
	assert_string_equal(line, "512 B");
	tui_progress_size(1234567, line, sizeof line);
	assert_string_equal(line, "1.2 MB");
	tui_progress_size(305e6, line, sizeof line);
	assert_string_equal(line, "291 MB");
	tui_progress_size(5.5 * 1024 * MB, line, sizeof line);
	assert_string_equal(line, "5.5 GB");

	assert_int_equal(tui_progress_parse("  1,234,567  45%   12.34MB/s    0:00:12 (xfr#3, to-chk=10/100)", &p), 0);
	/* wide: a bar of at most 40 cells, 45 % of it filled, every figure */
	assert_int_equal(tui_progress_format(&p, 120, line, sizeof line), 18);
	assert_string_equal(line, "[##################----------------------] "
	                          "45%  1.2 MB  12.3 MB/s  ETA ~0:00:14  10/100 files left");
	/* narrower: the bar shrinks, then the files left go */
	assert_int_equal(tui_progress_format(&p, 72, line, sizeof line), 6);
	assert_string_equal(line, "[######--------] 45%  1.2 MB  12.3 MB/s  ETA ~0:00:14  10/100 files left");
	assert_int_equal(strlen(line), 72);
	assert_int_equal(tui_progress_format(&p, 52, line, sizeof line), 5);
	assert_string_equal(line, "[#####--------] 45%  1.2 MB  12.3 MB/s  ETA ~0:00:14");
	/* too narrow for a bar: the figures, cut */
	assert_int_equal(tui_progress_format(&p, 20, line, sizeof line), -1);
	assert_string_equal(line, "45%  1.2 MB  12.3 MB");

	assert_int_equal(tui_progress_parse("  5,000  50%  1.00kB/s  0:00:05 (xfr#2, ir-chk=1000/1200)", &p), 0);
	tui_progress_format(&p, 52, line, sizeof line);
	assert_string_equal(line, "[######-------] 50%  4.9 KB  1.0 KB/s  listing files");
	assert_int_equal(tui_progress_parse("  101,122,048  33%   96.41MB/s    1:00:02  ", &p), 0);
	tui_progress_format(&p, 60, line, sizeof line);
	assert_string_equal(line, "[######---------------] 33%  96.4 MB  96.4 MB/s  ETA 1:00:02");
}

/* What the rsync here writes, through the local transport. */
struct pieces {
	int progress, unread, lines;
	struct tui_progress last;
};

static void keep(void *ctx, enum sink_kind k, enum host h, const char *text)
{
	struct pieces *pc = ctx;
	struct tui_progress p;
	(void)h;

	if (k == SINK_PROGRESS) {
		pc->progress++;
		pc->unread += tui_progress_parse(text, &p) < 0;
	} else if (k == SINK_OUT && tui_progress_parse(text, &p) == 0) {
		pc->lines++;
		pc->last = p;
	}
}

/* Every piece of a real rsync's progress2 reads as one; its last figures
 * come as a line: 100 %, no file left to check. */
static void test_rsync(void **state)
{
	char *dir, *cmd;
	struct transport *t;
	struct pieces pc = {0};
	struct sink sink = { keep, &pc };
	(void)state;

	if (system("command -v rsync >/dev/null 2>&1") != 0)
		skip();
	dir = tu_tmpdir();
	t = transport_local_new();
	cmd = xasprintf("mkdir %s/src && for i in $(seq 1 20); do head -c 100000 /dev/urandom >%s/src/f$i; done && "
	                "rsync -aHAXs --numeric-ids --no-inc-recursive --info=progress2 --stats %s/src/ %s/dst/",
	                dir, dir, dir, dir);
	assert_int_equal(transport_run(t, HOST_TARGET, cmd, &sink), 0);
	assert_true(pc.progress >= 1);
	assert_int_equal(pc.unread, 0);
	assert_int_equal(pc.lines, 1);
	assert_int_equal(pc.last.percent, 100);
	assert_int_equal(pc.last.files_left, 0);
	assert_int_equal(pc.last.files_total, 21); /* the files and the folder */
	assert_true(pc.last.bytes == 2000000);
	assert_false(pc.last.listing);
	free(cmd);
	transport_free(t);
	tu_rmrf(dir);
	free(dir);
}

/* ---- the console ---------------------------------------------------------------- */

/* Everything the pty's master can read now. */
static char *drain(int master)
{
	struct buf b = {0};
	struct pollfd pfd = { master, POLLIN, 0 };
	char chunk[1024];
	ssize_t n;

	while (poll(&pfd, 1, 200) > 0 && (n = read(master, chunk, sizeof chunk)) > 0)
		buf_add(&b, chunk, (size_t)n);
	return buf_steal(&b);
}

static void test_console(void **state)
{
	char *dir = tu_tmpdir(), *log = xasprintf("%s/log", dir), *seen, *err = NULL, *mem = NULL;
	struct console c = {0};
	struct sink s;
	struct termios raw;
	struct winsize ws = { .ws_row = 24, .ws_col = 40 };
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
	size_t errlen = 0, memlen = 0;
	char msg[256];
	(void)state;

	setenv("TERM", "xterm", 1);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	assert_int_equal(tcgetattr(slave, &raw), 0);
	cfmakeraw(&raw); /* what is written arrives as written */
	assert_int_equal(tcsetattr(slave, TCSANOW, &raw), 0);
	assert_int_equal(ioctl(slave, TIOCSWINSZ, &ws), 0);

	/* a terminal: in place, cut to its 40 columns, then cleared for the next line */
	c.out = fdopen(slave, "w");
	c.err = open_memstream(&err, &errlen);
	assert_int_equal(console_open_log(&c, log, msg, sizeof msg), 0);
	s = console_sink(&c);
	sink_emit(&s, SINK_OUT, HOST_TARGET, "before");
	sink_emit(&s, SINK_PROGRESS, HOST_TARGET, "    101,122,048  33%   96.41MB/s    0:00:02  ");
	sink_emit(&s, SINK_PROGRESS, HOST_TARGET, "  2,000\x1b]0;x\a  66%   96.41MB/s    0:00:01");
	sink_emit(&s, SINK_OUT, HOST_TARGET, "    305,000,000 100%   93.50MB/s    0:00:03 (xfr#201, to-chk=0/202)");
	sink_emit(&s, SINK_PROGRESS, HOST_TARGET, "  5%");
	sink_emit(&s, SINK_WARN, HOST_TARGET, "advisory check failed");
	fflush(c.out);
	seen = drain(master);
	assert_string_equal(seen, "   target| before\n"
	                          "\r   target| 101,122,048  33%   96.41MB/s\x1b[K"
	                          "\r   target| 2,000?]0;x?  66%   96.41MB/s\x1b[K"
	                          "\r\x1b[K   target|     305,000,000 100%   93.50MB/s    0:00:03 (xfr#201, to-chk=0/202)\n"
	                          "\r   target| 5%\x1b[K"
	                          "\r\x1b[K");
	free(seen);
	fclose(c.out);
	fclose(c.err);
	assert_string_equal(err, "mailshift: warning: advisory check failed\n");
	free(err);
	console_close(&c);
	seen = tu_read(log); /* the lines, never the progress */
	assert_non_null(strstr(seen, " out    target before\n"));
	assert_non_null(strstr(seen, " 100% "));
	assert_null(strstr(seen, "33%"));
	assert_null(strstr(seen, "66%"));
	assert_null(strstr(seen, "5%"));
	assert_null(strstr(seen, "progress"));
	free(seen);

	/* not a terminal: dropped */
	memset(&c, 0, sizeof c);
	c.out = open_memstream(&mem, &memlen);
	c.err = c.out;
	s = console_sink(&c);
	sink_emit(&s, SINK_PROGRESS, HOST_TARGET, "  1,000  33%   1.00kB/s    0:00:02");
	sink_emit(&s, SINK_OUT, HOST_TARGET, "after");
	fclose(c.out);
	assert_string_equal(mem, "   target| after\n");
	free(mem);
	/* a terminal but TERM=dumb: dropped too */
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	memset(&c, 0, sizeof c);
	c.out = c.err = fdopen(slave, "w");
	setenv("TERM", "dumb", 1);
	s = console_sink(&c);
	sink_emit(&s, SINK_PROGRESS, HOST_TARGET, "  1,000  33%   1.00kB/s    0:00:02");
	sink_emit(&s, SINK_OUT, HOST_TARGET, "after");
	fflush(c.out);
	seen = drain(master);
	assert_string_equal(seen, "   target| after\n");
	free(seen);
	fclose(c.out);
	setenv("TERM", "xterm", 1);
	close(master);
	tu_rmrf(dir);
	free(dir);
	free(log);
}

/* ---- the wizard's worker ------------------------------------------------------ */

static char *go_dir;

/* Shows two progress pieces, waits for the test's go, ends like rsync. */
static void plan_copy(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_LOCAL, 0, "copies",
	         "printf '\\r  1,000  10%%%%  1.00kB/s  0:00:09\\r  2,000  20%%%%  1.00kB/s  0:00:08'\n"
	         "while [ ! -e %q/go ]; do sleep 0.01; done\n"
	         "printf '\\r  5,000 100%%%%  1.00kB/s  0:00:05 (xfr#1, to-chk=0/1)\\n'",
	         go_dir);
	plan_add(ps, HOST_LOCAL, 0, "waits", "while [ ! -e %q/go2 ]; do sleep 0.01; done; echo next", go_dir);
}

static const struct step copy_step = { .id = "copy", .title = "Copy", .why = "Copies.", .plan = plan_copy };

static void nap(void)
{
	struct timespec ts = { 0, 2000000 };
	nanosleep(&ts, NULL);
}

static char *ring_text(struct tui_logring *r)
{
	struct buf b = {0};
	char line[256];
	uint64_t s;

	for (s = tui_logring_begin(r); s < tui_logring_end(r); s++)
		if (tui_logring_get(r, s, line, sizeof line, NULL) == 0)
			buf_addf(&b, "%s\n", line);
	return buf_steal(&b);
}

static void touch(const char *name)
{
	char *path = xasprintf("%s/%s", go_dir, name);
	tu_write(path, "");
	free(path);
}

static void test_worker(void **state)
{
	char *journal, *runbook, *log, *text, err[256], progress[128];
	struct answers a;
	struct plan p = {0};
	struct session s;
	struct tui_logring *ring = tui_logring_new(100);
	struct tui_worker *wk;
	struct runner_report rep;
	int i;
	(void)state;

	go_dir = tu_tmpdir();
	journal = xasprintf("%s/j", go_dir);
	runbook = xasprintf("%s/rb.sh", go_dir);
	log = xasprintf("%s/log", go_dir);
	assert_int_equal(answers_parse(&a, "t", "[source]\nstack = iredmail\nbackend = mariadb\nhost = a\n"
	                               "[target]\nstack = iredmail\nbackend = mariadb\nhost = b\n", err, sizeof err), 0);
	p.answers = &a;
	p.n = p.cap = 1;
	p.steps = xcalloc(1, sizeof *p.steps);
	p.steps[0].step = &copy_step;
	copy_step.plan(&a, &p.steps[0]);
	s = (struct session){ .plan = &p, .journal = journal, .runbook = runbook, .log = log, .local = 1,
	                      .opts = { .yes = 1 } };

	wk = tui_worker_new(&s, ring);
	assert_int_equal(tui_worker_progress(wk, progress, sizeof progress), 0);
	assert_string_equal(progress, "");
	assert_int_equal(tui_worker_open(wk, 0, err, sizeof err), 0);
	assert_int_equal(tui_worker_run(wk, err, sizeof err), 0);
	/* the newest piece (after the last '\r') is there while the action runs */
	for (i = 0; i < 5000 && !strstr(progress, "20%"); i++) {
		tui_worker_progress(wk, progress, sizeof progress);
		nap();
	}
	assert_string_equal(progress, "  2,000  20%  1.00kB/s  0:00:08");
	assert_int_equal(tui_worker_progress(wk, progress, 9), 1); /* cut to the buffer */
	assert_string_equal(progress, "  2,000 ");
	text = ring_text(ring);
	assert_non_null(strstr(text, "-- [local] copies\n"));
	assert_null(strstr(text, "10%  1.00kB/s")); /* (the command has "10%%") */
	free(text);

	/* the next action begins: no progress under it */
	touch("go");
	for (i = 0; i < 5000; i++) {
		text = ring_text(ring);
		if (strstr(text, "-- [local] waits\n"))
			break;
		free(text);
		text = NULL;
		nap();
	}
	assert_non_null(text);
	assert_non_null(strstr(text, "local|   5,000 100%  1.00kB/s  0:00:05 (xfr#1, to-chk=0/1)\n"));
	assert_null(strstr(text, "20%  1.00kB/s"));
	free(text);
	assert_int_equal(tui_worker_progress(wk, progress, sizeof progress), 0);
	assert_string_equal(progress, "");

	touch("go2");
	for (i = 0; i < 5000 && !tui_worker_finished(wk); i++)
		nap();
	assert_int_equal(tui_worker_join(wk, &rep, err, sizeof err), RUNNER_DONE);
	assert_int_equal(tui_worker_progress(wk, progress, sizeof progress), 0);
	tui_worker_free(wk);
	text = tu_read(log);
	assert_non_null(strstr(text, " out    local    5,000 100%"));
	assert_null(strstr(text, "10%  1.00kB/s"));
	assert_null(strstr(text, "20%  1.00kB/s"));
	free(text);
	text = tu_read(journal);
	assert_null(strstr(text, "10%  1.00kB/s"));
	free(text);

	tui_logring_free(ring);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(go_dir);
	free(go_dir);
	free(journal);
	free(runbook);
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_rsync),
		cmocka_unit_test(test_console),
		cmocka_unit_test(test_worker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
