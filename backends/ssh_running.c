/* What mailshift runs on a server never runs beside a command of an
 * earlier run, and a run that stops stops its command there too.
 *
 * Every command runs as a job of its own process group (bash's job
 * control), which records itself under BACKUP_DIR/running/PGID before it
 * does anything and announces its group on stderr ("TOKEN pgid N").  The
 * record outlives mailshift: when mailshift is killed, or the connection
 * drops, the command may go on for hours on the server.  So each time
 * mailshift logs in to a host it looks there first: a record whose group
 * still has a process is an earlier command still running.  The admin is
 * shown what it is (the server's own process table) and asked to stop it;
 * otherwise mailshift waits until it ends.  Records of groups that ended
 * are removed.  On an interrupt (Ctrl-C) the running command's group is
 * sent SIGTERM over a second channel, and SIGKILL if it lingers.
 *
 * The shell of both, the wrapper and the look, is backends/sh/running.sh
 * and running-list.sh; the runbook runs the same text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/sh.h"
#include "backends/ssh.h"
#include "backends/ssh_int.h"
#include "core/buf.h"
#include "core/shell.h"
#include "core/xalloc.h"

#define WAIT_POLL_S 2
#define WAIT_SAY_S 60 /* how often the wait says it still waits */

static char *wrap(const char *token, const char *backup_dir, const char *cmd, int input, int long_cmd)
{
	char *dir = xasprintf("%s/running", backup_dir);
	char *w = shell_fmt("ms_d=%q ms_token=%q ms_input=%s ms_wait=0 ms_cmd=%q ms_cmd_in=%s\n%s", dir, token,
	                    input ? "whole" : "none", cmd, long_cmd ? "1" : "0", backends_sh_running);

	free(dir);
	return w;
}

char *ssh_wrap(const char *token, const char *backup_dir, const char *cmd, int input)
{
	return wrap(token, backup_dir, cmd, input, 0);
}

char *ssh_wrap_long(const char *token, const char *backup_dir, int input)
{
	return wrap(token, backup_dir, "", input, 1);
}

int ssh_side_run(LIBSSH2_SESSION *s, const char *cmd, struct buf *out)
{
	int blocking = libssh2_session_get_blocking(s), rc = -1;
	LIBSSH2_CHANNEL *ch;
	char b[4096];
	ssize_t n = 0;

	libssh2_session_set_blocking(s, 1);
	ch = libssh2_channel_open_session(s);
	if (ch && libssh2_channel_exec(ch, cmd) == 0) {
		libssh2_channel_send_eof(ch);
		while ((n = libssh2_channel_read(ch, b, sizeof b)) > 0)
			if (out && out->len < 65536)
				buf_add(out, b, (size_t)n);
		if (n == 0) {
			libssh2_channel_close(ch);
			libssh2_channel_wait_closed(ch);
			rc = libssh2_channel_get_exit_status(ch);
		}
	}
	if (ch)
		libssh2_channel_free(ch);
	libssh2_session_set_blocking(s, blocking);
	return rc;
}

void ssh_stop_group(LIBSSH2_SESSION *s, long pgid, int hard)
{
	char cmd[96];

	if (pgid <= 1)
		return;
	snprintf(cmd, sizeof cmd, "kill -%s -- -%ld 2>/dev/null; true", hard ? "KILL" : "TERM", pgid);
	ssh_side_run(s, cmd, NULL);
}

/* The groups of earlier commands still running, each as "pgid N started
 * TIME" and then up to 5 of its processes ("  PID ELAPSED ARGS"); the
 * records of groups that ended are removed. */
static int earlier_list(LIBSSH2_SESSION *s, const char *backup_dir, struct buf *out)
{
	char *cmd = shell_fmt("exec 2>/dev/null; d=%q/running\n%sms_earlier \"$d\"", backup_dir, backends_sh_running_list);
	int rc = ssh_side_run(s, cmd, out);

	free(cmd);
	return rc;
}

/* Control bytes from the server never reach the admin's terminal. */
static void printable(char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* Shows the list on the sink; returns the first group's number. */
static long show(const struct sink *sink, enum host h, const char *list)
{
	const char *l = list, *e;
	long first = 0;

	for (; *l; l = e + (*e != '\0')) {
		char line[240];
		e = strchrnul(l, '\n');
		snprintf(line, sizeof line, "%.*s", (int)(e - l), l);
		printable(line);
		if (!first && strncmp(line, "pgid ", 5) == 0)
			first = strtol(line + 5, NULL, 10);
		if (sink)
			sink_emitf(sink, SINK_WARN, h, "%s%s", strncmp(line, "pgid ", 5) ? "  " : "still running: ", line);
	}
	return first;
}

int ssh_earlier(struct transport *t, LIBSSH2_SESSION *s, int sock, enum host h, const char *hostname,
                const char *backup_dir, const struct ssh_options *o, const struct sink *sink)
{
	const char *side = h == HOST_TARGET ? "target" : "source";
	struct buf list = {0};
	time_t start = time(NULL), said = start;
	int stop = 0, asked = 0;

	for (;;) {
		long pgid;

		buf_reset(&list);
		if (earlier_list(s, backup_dir, &list) != 0) {
			buf_free(&list);
			return ssh_fail(t, "%s: cannot look for commands of an earlier mailshift run under %s/running",
			                hostname, backup_dir);
		}
		if (!list.len)
			break;
		if (!asked) {
			if (sink)
				sink_emitf(sink, SINK_WARN, h, "a command an earlier mailshift run started on the %s (%s) "
				           "still runs there; mailshift never runs beside it:", side, hostname);
			pgid = show(sink, h, buf_cstr(&list));
			if (!sink) {
				buf_free(&list);
				return ssh_fail(t, "%s: a command an earlier mailshift run started still runs there "
				                "(process group %ld, recorded in %s/running): mailshift never runs beside "
				                "it; wait until it ends, or stop it (kill -TERM -- -%ld on the %s)",
				                hostname, pgid, backup_dir, pgid, side);
			}
			stop = o && o->confirm &&
			       o->confirm(o->ctx, "A command of an earlier mailshift run still runs on that server "
			                          "(above). Stop it now? (no: mailshift waits until it ends)");
			sink_emitf(sink, SINK_INFO, h, stop ? "stopping it (SIGTERM to its process group)"
			                                    : "waiting until it ends (or stop it there: kill -TERM -- -%ld)",
			           pgid);
			asked = 1;
		} else {
			pgid = show(NULL, h, buf_cstr(&list));
		}
		if (stop)
			ssh_stop_group(s, pgid, time(NULL) - start >= 10);
		if (o && o->interrupted && *o->interrupted) {
			buf_free(&list);
			return ssh_fail(t, "%s: interrupted while waiting for a command of an earlier run", hostname);
		}
		if (time(NULL) - said >= WAIT_SAY_S) {
			said = time(NULL);
			sink_emitf(sink, SINK_INFO, h, "still waiting for it (%lds)", (long)(said - start));
		}
		{
			int next = 0;
			libssh2_keepalive_send(s, &next);
		}
		ssh_wait(s, sock, 0);
		sleep(WAIT_POLL_S);
	}
	if (asked)
		sink_emitf(sink, SINK_INFO, h, "the earlier command has ended; going on");
	buf_free(&list);
	return 0;
}
