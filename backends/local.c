/* The local transport: every host's command runs on this machine under
 * bash -c, stdin from /dev/null or a pipe carrying the input, stdout and
 * stderr read through poll(). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/transport.h"
#include "core/xalloc.h"

static void child(const char *cmd, int in, int out, int err)
{
	if (in < 0)
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	execl("/bin/bash", "bash", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* The input is at most TRANSPORT_INPUT_MAX bytes, which a pipe holds
 * (Linux pipes take 64 KiB), so it is written whole before reading. */
static int input_pipe(const char *input)
{
	int in[2];
	size_t len = strlen(input), off = 0;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	fcntl(in[1], F_SETFL, O_NONBLOCK); /* a small pipe fails, never hangs */
	while (off < len) {
		ssize_t n = write(in[1], input + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(in[0]);
			close(in[1]);
			return -1;
		}
		off += (size_t)n;
	}
	close(in[1]);
	return in[0];
}

static int local_run(struct transport *t, enum host host, const char *cmd, const char *input,
                     const struct sink *sink)
{
	int out[2], err[2], status = 0, open_fds = 2, exited = 0, in = -1;
	struct line_splitter ls[2] = { { .kind = SINK_OUT, .host = host },
	                               { .kind = SINK_ERR, .host = host } };
	struct pollfd pfd[2];
	pid_t pid;

	if (input && (in = input_pipe(input)) < 0)
		goto fail;
	if (pipe2(out, O_CLOEXEC) < 0)
		goto fail;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		close(out[0]); close(out[1]); close(err[0]); close(err[1]);
		goto fail;
	}
	if (pid == 0)
		child(cmd, in, out[1], err[1]);
	if (in >= 0)
		close(in);
	close(out[1]);
	close(err[1]);
	pfd[0] = (struct pollfd){ .fd = out[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = err[0], .events = POLLIN };
	/* Read until both pipes end.  A daemon started by the command may keep
	 * them open after the command exits: once the command has exited, what
	 * is already in the pipes is read and the rest is not waited for. */
	while (open_fds > 0) {
		int i, ready = poll(pfd, 2, exited ? 0 : 200);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready <= 0) {
			if (exited)
				break;
			if (waitpid(pid, &status, WNOHANG) == pid)
				exited = 1;
			continue;
		}
		for (i = 0; i < 2; i++) {
			char chunk[4096];
			ssize_t n;
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[i].fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				line_splitter_flush(&ls[i], sink);
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			line_splitter_feed(&ls[i], chunk, (size_t)n, sink);
		}
	}
	line_splitter_flush(&ls[0], sink);
	line_splitter_flush(&ls[1], sink);
	if (pfd[0].fd >= 0) close(pfd[0].fd);
	if (pfd[1].fd >= 0) close(pfd[1].fd);
	while (!exited && waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(t->err, sizeof t->err, "waitpid: %s", strerror(errno));
			return TRANSPORT_FAILED;
		}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
fail:
	snprintf(t->err, sizeof t->err, "cannot start bash: %s", strerror(errno));
	if (in >= 0)
		close(in);
	return TRANSPORT_FAILED;
}

static void local_free(struct transport *t)
{
	free(t);
}

static const struct transport_ops local_ops = {
	.name = "local",
	.run = local_run,
	.free = local_free,
};

struct transport *transport_local_new(void)
{
	struct transport *t = xcalloc(1, sizeof *t);
	t->ops = &local_ops;
	return t;
}

static int dry_run(struct transport *t, enum host host, const char *cmd, const char *input,
                   const struct sink *sink)
{
	(void)t; (void)host; (void)cmd; (void)input; (void)sink;
	return 0;
}

static const struct transport_ops dry_ops = {
	.name = "dry",
	.run = dry_run,
	.free = local_free,
};

struct transport *transport_dry_new(void)
{
	struct transport *t = xcalloc(1, sizeof *t);
	t->ops = &dry_ops;
	return t;
}
