/* The log ring of the wizard's run screen: bounded memory whatever the
 * volume, wrap-around, long lines cut at a character, search both ways,
 * one writer and one reader at once. */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "tui/logring.h"

static void test_order_and_wrap(void **state)
{
	struct tui_logring *r = tui_logring_new(4);
	char line[64];
	int tag, i;
	(void)state;

	assert_int_equal(tui_logring_begin(r), 0);
	assert_int_equal(tui_logring_end(r), 0);
	assert_int_equal(tui_logring_get(r, 0, line, sizeof line, &tag), -1);
	for (i = 0; i < 3; i++) {
		snprintf(line, sizeof line, "line %d", i);
		tui_logring_push(r, i * 10, line);
	}
	assert_int_equal(tui_logring_begin(r), 0);
	assert_int_equal(tui_logring_end(r), 3);
	assert_int_equal(tui_logring_get(r, 1, line, sizeof line, &tag), 0);
	assert_string_equal(line, "line 1");
	assert_int_equal(tag, 10);
	/* three more: 0 and 1 go, 2..5 stay, in order */
	for (i = 3; i < 6; i++) {
		snprintf(line, sizeof line, "line %d", i);
		tui_logring_push(r, i * 10, line);
	}
	assert_int_equal(tui_logring_begin(r), 2);
	assert_int_equal(tui_logring_end(r), 6);
	assert_int_equal(tui_logring_get(r, 1, line, sizeof line, &tag), -1);
	for (i = 2; i < 6; i++) {
		char want[16];
		snprintf(want, sizeof want, "line %d", i);
		assert_int_equal(tui_logring_get(r, (uint64_t)i, line, sizeof line, &tag), 0);
		assert_string_equal(line, want);
		assert_int_equal(tag, i * 10);
	}
	assert_int_equal(tui_logring_get(r, 6, line, sizeof line, &tag), -1);
	/* a short buffer gets a cut copy */
	assert_int_equal(tui_logring_get(r, 5, line, 4, NULL), 0);
	assert_string_equal(line, "lin");
	tui_logring_free(r);
}

static void test_bounded(void **state)
{
	enum { CAP = 100 };
	struct tui_logring *r = tui_logring_new(CAP);
	char *big = xcalloc(1, 10001), out[TUI_LOGRING_LINE_MAX + 8];
	size_t i, peak = 0;
	(void)state;

	memset(big, 'x', 10000);
	for (i = 0; i < 30000; i++) {
		size_t n = (i * 7919) % 10001; /* every length from 0 to 10000 */
		char saved = big[n];
		big[n] = '\0';
		tui_logring_push(r, 0, big);
		big[n] = saved;
		if (tui_logring_bytes(r) > peak)
			peak = tui_logring_bytes(r);
	}
	assert_int_equal(tui_logring_end(r), 30000);
	assert_int_equal(tui_logring_end(r) - tui_logring_begin(r), CAP);
	assert_true(peak <= (size_t)CAP * (TUI_LOGRING_LINE_MAX + 1));
	assert_true(peak > (size_t)CAP * TUI_LOGRING_LINE_MAX / 2); /* the bound is not vacuous */
	for (i = 30000 - CAP; i < 30000; i++) {
		assert_int_equal(tui_logring_get(r, i, out, sizeof out, NULL), 0);
		assert_true(strlen(out) <= TUI_LOGRING_LINE_MAX);
	}
	/* a 2-byte character across the cut: cut before it */
	big[TUI_LOGRING_LINE_MAX - 1] = (char)0xc3;
	big[TUI_LOGRING_LINE_MAX] = (char)0xa9;
	tui_logring_push(r, 0, big);
	assert_int_equal(tui_logring_get(r, 30000, out, sizeof out, NULL), 0);
	assert_int_equal(strlen(out), TUI_LOGRING_LINE_MAX - 1);
	assert_true(tui_logring_bytes(r) <= (size_t)CAP * (TUI_LOGRING_LINE_MAX + 1));
	free(big);
	tui_logring_free(r);
}

static void test_search(void **state)
{
	struct tui_logring *r = tui_logring_new(5);
	(void)state;

	assert_int_equal(tui_logring_search(r, 0, 0, "x"), -1);
	tui_logring_push(r, 0, "alpha");         /* 0: gone once 5 and 6 come */
	tui_logring_push(r, 0, "Needle one");    /* 1: gone too */
	tui_logring_push(r, 0, "beta");          /* 2 */
	tui_logring_push(r, 0, "a needle two");  /* 3 */
	tui_logring_push(r, 0, "gamma");         /* 4 */
	tui_logring_push(r, 0, "NEEDLE three");  /* 5 */
	tui_logring_push(r, 0, "delta");         /* 6 */
	assert_int_equal(tui_logring_begin(r), 2);
	assert_int_equal(tui_logring_search(r, 0, 0, "needle"), 3);  /* from before the oldest: starts there */
	assert_int_equal(tui_logring_search(r, 4, 0, "needle"), 5);
	assert_int_equal(tui_logring_search(r, 6, 0, "needle"), -1);
	assert_int_equal(tui_logring_search(r, 99, 1, "needle"), 5); /* backward from past the end */
	assert_int_equal(tui_logring_search(r, 4, 1, "needle"), 3);
	assert_int_equal(tui_logring_search(r, 2, 1, "needle"), -1); /* line 1 is gone */
	assert_int_equal(tui_logring_search(r, 2, 0, "ONE"), -1);
	assert_int_equal(tui_logring_search(r, 2, 0, ""), -1);
	assert_int_equal(tui_logring_search(r, 2, 0, "ta"), 2);       /* beta */
	tui_logring_free(r);
}

struct pusher {
	struct tui_logring *r;
	int n;
	atomic_int seen;	/* set by the reader after its first read */
};

static void *push_many(void *arg)
{
	struct pusher *p = arg;
	char line[32];
	int i;

	for (i = 0; i < p->n; i++) {
		snprintf(line, sizeof line, "%d", i);
		tui_logring_push(p->r, i, line);
		/* Halfway, wait for the reader: a scheduler (or valgrind) that
		 * runs this thread to the end first must not leave the reader
		 * nothing to read while the writer is still busy. */
		if (i == p->n / 2)
			while (!atomic_load(&p->seen))
				sched_yield();
	}
	return NULL;
}

/* A reader sees each line whole, with its own tag, while a writer pushes. */
static void test_threads(void **state)
{
	struct pusher p = { tui_logring_new(64), 50000, 0 };
	pthread_t th;
	char line[32];
	int tag, reads = 0;
	(void)state;

	assert_int_equal(pthread_create(&th, NULL, push_many, &p), 0);
	while (tui_logring_end(p.r) < (uint64_t)p.n) {
		uint64_t e = tui_logring_end(p.r);
		if (e > 0 && tui_logring_get(p.r, e - 1, line, sizeof line, &tag) == 0) {
			assert_int_equal(atoi(line), tag);
			assert_int_equal((uint64_t)tag, e - 1);
			reads++;
			atomic_store(&p.seen, 1);
		}
	}
	pthread_join(th, NULL);
	assert_true(reads > 0);
	assert_int_equal(tui_logring_end(p.r) - tui_logring_begin(p.r), 64);
	tui_logring_free(p.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_wrap),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
