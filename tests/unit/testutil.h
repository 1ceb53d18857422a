/* Helpers shared by the unit tests (header-only: each test is one binary). */
#ifndef MAILSHIFT_TESTUTIL_H
#define MAILSHIFT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/xalloc.h"

/* Runs argv with stdout captured into out; returns the exit status. */
static inline int tu_capture(char *const argv[], struct buf *out)
{
	int p[2], status;
	pid_t pid;
	char chunk[4096];
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], chunk, sizeof chunk)) > 0)
		buf_add(out, chunk, (size_t)n);
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A fresh temporary directory; the caller frees the string. */
static inline char *tu_tmpdir(void)
{
	char *d = xstrdup("/tmp/mailshift-test-XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static inline void tu_rmrf(const char *dir)
{
	char *const argv[] = { (char *)"rm", (char *)"-rf", (char *)"--", (char *)dir, NULL };
	struct buf out = {0};
	tu_capture(argv, &out);
	buf_free(&out);
}

static inline char *tu_read(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b = {0};
	char chunk[4096];
	size_t n;

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_steal(&b);
}

static inline void tu_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static inline unsigned tu_mode(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

#endif
