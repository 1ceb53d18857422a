/* The SSH transport against a real sshd on loopback, started by run.sh,
 * which passes its port, files and a password user in the environment.
 * `ssh_test stream` runs only the 100 MB streaming test (not under
 * valgrind: it measures this process's memory). */
#include "../unit/testutil.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "backends/ssh.h"
#include "backends/transport.h"
#include "core/answers.h"

struct seen {
	struct buf text;
};

static void collect(void *ctx, enum sink_kind k, enum host h, const char *text)
{
	struct seen *s = ctx;
	buf_addf(&s->text, "%s %s|%s\n", plan_host_name(h), k == SINK_OUT ? "out" : k == SINK_ERR ? "err" : "info",
	         text);
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	if (!v)
		fail_msg("%s is not set: run tests/ssh/run.sh", name);
	return v;
}

/* extra: more [source] lines, e.g. "user = x\npassword = y\n" */
static void load_with(struct answers *a, const char *known_hosts, const char *identity, const char *extra)
{
	char *id = identity ? xasprintf("identity = %s\n", identity) : xstrdup("");
	char *text = xasprintf("[source]\nstack = iredmail\nbackend = pgsql\nhost = 127.0.0.1\nport = %s\n"
	                       "known_hosts = %s\n%s%s"
	                       "[target]\nstack = iredmail\nbackend = pgsql\nhost = localhost\nport = %s\n"
	                       "known_hosts = %s\n%s",
	                       env("SSH_PORT"), known_hosts, id, extra, env("SSH_PORT"), known_hosts, id);
	char err[256];
	if (answers_parse(a, "ssh.conf", text, err, sizeof err) < 0)
		fail_msg("%s", err);
	free(text);
	free(id);
}

static void load(struct answers *a, const char *known_hosts, const char *identity)
{
	load_with(a, known_hosts, identity, "");
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_runs(void **state)
{
	struct answers a;
	struct transport *t;
	struct seen s = {0};
	struct sink sink = { collect, &s };
	double t0;
	(void)state;

	load(&a, env("SSH_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	/* backup_dir is made root's alone, also when it existed */
	mkdir("/var/backups/mailshift", 0755);
	assert_int_equal(chmod("/var/backups/mailshift", 0755), 0);
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "echo \"hello $((6 * 7))\"; echo oops >&2", &sink), 0);
	assert_int_equal(tu_mode("/var/backups/mailshift"), 0700);
	assert_non_null(strstr(buf_cstr(&s.text), "source out|hello 42\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "source err|oops\n"));
	assert_int_equal(transport_run(t, HOST_SOURCE, "exit 7", &sink), 7);
	/* a stderr line without its newline keeps its text */
	assert_int_equal(transport_run(t, HOST_SOURCE, "printf 'no newline' >&2; exit 4", &sink), 4);
	assert_non_null(strstr(buf_cstr(&s.text), "source err|no newline\n"));
	assert_null(strstr(buf_cstr(&s.text), "mailshift-exit-"));
	/* the same session runs the next command; the target is a second one */
	assert_int_equal(transport_run(t, HOST_TARGET, "printf 'a\\nb'; read -r x || echo stdin-closed", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "target out|a\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "target out|bstdin-closed\n"));
	/* input arrives on stdin, whole, then EOF */
	assert_int_equal(transport_run_input(t, HOST_TARGET, "cat; echo end", "ssh-ed25519 AAAA key\nsecond\n", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "target out|ssh-ed25519 AAAA key\ntarget out|second\ntarget out|end\n"));
	/* input larger than one SSH packet arrives whole */
	{
		char *big = xmalloc(40001);
		memset(big, 'k', 40000);
		big[40000] = '\0';
		assert_int_equal(transport_run_input(t, HOST_TARGET, "wc -c", big, &sink), 0);
		assert_non_null(strstr(buf_cstr(&s.text), "target out|40001\n")); /* and the final newline */
		free(big);
	}
	/* the exit status line is found whatever stderr ended with */
	assert_int_equal(transport_run(t, HOST_SOURCE, "head -c 4080 /dev/zero | tr '\\0' e >&2; exit 3", &sink), 3);
	assert_int_equal(transport_run(t, HOST_SOURCE, "echo last >&2; echo >&2; exit 2", &sink), 2);
	assert_non_null(strstr(buf_cstr(&s.text), "source err|last\nsource err|\n"));
	assert_null(strstr(buf_cstr(&s.text), "mailshift-exit-"));
	/* a lot of output on both streams at once does not deadlock */
	assert_int_equal(transport_run(t, HOST_SOURCE,
	                               "for i in $(seq 20000); do echo out$i; echo err$i >&2; done", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "source out|out20000\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "source err|err20000\n"));
	/* a daemon that keeps stdout open does not hold the run: the command
	 * is over when its exit status comes */
	t0 = now();
	assert_int_equal(transport_run(t, HOST_SOURCE, "sleep 37 & echo started; exit 3", &sink), 3);
	assert_true(now() - t0 < 20);
	assert_non_null(strstr(buf_cstr(&s.text), "source out|started\n"));
	assert_int_equal(transport_run(t, HOST_SOURCE, "pkill -f 'sleep [3]7'; echo after-daemon", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "source out|after-daemon\n"));
	/* killed by a signal: the shell's own death is reported by name */
	assert_int_equal(transport_run(t, HOST_SOURCE, "echo dying; kill -TERM $$", &sink), 128 + 15);
	assert_non_null(strstr(buf_cstr(&s.text), "source err|the command was killed by signal SIGTERM\n"));
	assert_int_equal(transport_run(t, HOST_SOURCE, "bash -c 'kill -KILL $$'", &sink), 128 + 9);
	assert_int_equal(transport_run(t, HOST_LOCAL, "echo here", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "local out|here\n"));
	/* a forged status line: a command learns its token (its shell's command
	 * line), the next prints it as its status and fails; its own token is
	 * another, so that line is only output and the failure stands */
	{
		const char *tok;
		char seen_token[64] = "", *forge;
		buf_free(&s.text);
		s.text = (struct buf){0};
		assert_int_equal(transport_run(t, HOST_SOURCE,
		                               "tr '\\0' '\\n' < /proc/$$/cmdline | grep -o 'mailshift-exit-[0-9a-f]*' | head -n 1",
		                               &sink), 0);
		tok = strstr(buf_cstr(&s.text), "source out|mailshift-exit-");
		assert_non_null(tok);
		sscanf(tok + 11, "%63[a-z0-9-]", seen_token);
		assert_int_equal(strlen(seen_token), 15 + 32);
		forge = xasprintf("printf '\\n%%s 0\\n' %s >&2; exit 3", seen_token);
		assert_int_equal(transport_run(t, HOST_SOURCE, forge, &sink), 3);
		assert_int_equal(transport_run(t, HOST_TARGET, forge, &sink), 3);
		free(forge);
	}
	transport_free(t);
	buf_free(&s.text);
	answers_free(&a);
}

/* The connection dies under a running command: one clear error, and the
 * next command gets a new connection. */
static void test_dropped(void **state)
{
	struct answers a;
	struct transport *t;
	struct seen s = {0};
	struct sink sink = { collect, &s };
	(void)state;

	load(&a, env("SSH_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "echo before; kill -KILL $PPID; sleep 5; echo after", &sink),
	                 TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "127.0.0.1: the connection was lost while the command ran"));
	assert_null(strstr(buf_cstr(&s.text), "source out|after\n"));
	assert_int_equal(transport_run(t, HOST_SOURCE, "echo reconnected", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "source out|reconnected\n"));
	transport_free(t);
	buf_free(&s.text);
	answers_free(&a);
}

/* Ctrl-C during a long command stops it on the server too, promptly: its
 * whole process group, children included. */
static volatile sig_atomic_t stop_flag;

static void on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void test_interrupt(void **state)
{
	struct answers a;
	struct transport *t;
	struct seen s = {0};
	struct sink sink = { collect, &s };
	struct ssh_options o = { .interrupted = &stop_flag };
	struct sigaction sa = { .sa_handler = on_alarm };
	double t0;
	(void)state;

	load(&a, env("SSH_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, &o);
	sigaction(SIGALRM, &sa, NULL);
	stop_flag = 0;
	t0 = now();
	alarm(2);
	/* a command that ignores SIGTERM is killed STOP_MS later */
	assert_int_equal(transport_run(t, HOST_SOURCE, "trap '' TERM; echo started; sleep 301; echo never", &sink),
	                 128 + 9);
	assert_true(now() - t0 < 20);
	assert_non_null(strstr(buf_cstr(&s.text), "source info|interrupted: stopping the command on the source\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "source info|the command on the source still runs: killing it\n"));
	if (strstr(buf_cstr(&s.text), "never")) fail_msg("%s", buf_cstr(&s.text));
	stop_flag = 0;
	assert_int_equal(transport_run(t, HOST_SOURCE, "pgrep -f 'sleep 30[1]' || echo gone", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "source out|gone\n"));
	/* a command that ends on SIGTERM ends at once */
	t0 = now();
	alarm(1);
	assert_int_equal(transport_run(t, HOST_SOURCE, "sleep 302; echo never", &sink), 128 + 15);
	assert_true(now() - t0 < 8);
	stop_flag = 0;
	transport_free(t);
	buf_free(&s.text);
	answers_free(&a);
}

static int say_stop(void *ctx, const char *q)
{
	(*(int *)ctx)++;
	assert_non_null(strstr(q, "Stop it now?"));
	return 1;
}

/* A command outlives its connection (mailshift killed, the network gone):
 * the next connection to that host never runs beside it.  It waits for it,
 * fails naming it when it cannot tell the admin, or stops it when asked. */
static void test_earlier_still_runs(void **state)
{
	struct answers a;
	struct transport *t;
	struct seen s = {0};
	struct sink sink = { collect, &s };
	char *dir = tu_tmpdir(), *cmd, *check;
	int asked = 0, sock;
	struct ssh_options o = { .confirm = say_stop, .ctx = &asked };
	double t0;
	(void)state;

	chmod(dir, 0755);
	load(&a, env("SSH_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	/* the connection dies; the command goes on 4 s more and leaves a file */
	t = transport_ssh_new(&a, NULL);
	cmd = xasprintf("kill -KILL $PPID; sleep 4; touch %s/first", dir);
	assert_int_equal(transport_run(t, HOST_SOURCE, cmd, &sink), TRANSPORT_FAILED);
	free(cmd);
	/* nobody to tell (a tunnel's connection): refused, named */
	assert_null(transport_ssh_session(t, HOST_SOURCE, &sock));
	assert_non_null(strstr(transport_error(t), "a command an earlier mailshift run started still runs there (process group "));
	/* a run waits until it ended: the file is there when the next command runs */
	check = xasprintf("test -e %s/first && echo after-earlier", dir);
	t0 = now();
	assert_int_equal(transport_run(t, HOST_SOURCE, check, &sink), 0);
	assert_true(now() - t0 >= 1);
	assert_non_null(strstr(buf_cstr(&s.text), "source out|after-earlier\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "source info|still running: pgid "));
	assert_non_null(strstr(buf_cstr(&s.text), " sleep 4\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "source info|waiting until it ends"));
	free(check);
	transport_free(t);

	/* asked to stop it: stopped, its file never comes */
	t = transport_ssh_new(&a, &o);
	cmd = xasprintf("kill -KILL $PPID; sleep 33; touch %s/second", dir);
	assert_int_equal(transport_run(t, HOST_SOURCE, cmd, &sink), TRANSPORT_FAILED);
	free(cmd);
	t0 = now();
	assert_int_equal(transport_run(t, HOST_SOURCE, "pgrep -f 'sleep 3[3]' || echo gone", &sink), 0);
	assert_true(now() - t0 < 15);
	assert_int_equal(asked, 1);
	assert_non_null(strstr(buf_cstr(&s.text), "source info|stopping it"));
	assert_non_null(strstr(buf_cstr(&s.text), "source out|gone\n"));
	transport_free(t);
	cmd = xasprintf("%s/second", dir);
	assert_int_equal(access(cmd, F_OK), -1);
	free(cmd);
	tu_rmrf(dir);
	free(dir);
	buf_free(&s.text);
	answers_free(&a);
}

/* A record whose number is now another process group's (a reboot, or the
 * number reused): never taken for an earlier command, never stopped; it is
 * removed. */
static void test_earlier_reused(void **state)
{
	struct answers a;
	struct transport *t;
	struct seen s = {0};
	struct sink sink = { collect, &s };
	int asked = 0, i;
	struct ssh_options o = { .confirm = say_stop, .ctx = &asked };
	char boot[64] = "", *rec[2];
	pid_t kid[2];
	FILE *f;
	(void)state;

	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	assert_non_null(f);
	assert_non_null(fgets(boot, sizeof boot, f));
	fclose(f);
	boot[strcspn(boot, "\n")] = '\0';
	for (i = 0; i < 2; i++) {
		kid[i] = fork();
		assert_true(kid[i] >= 0);
		if (kid[i] == 0) {
			setsid();
			pause();
			_exit(0);
		}
		rec[i] = xasprintf("/var/backups/mailshift/running/%d", (int)kid[i]);
	}
	load(&a, env("SSH_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	usleep(200000);
	/* another boot's record; this boot's, but another process's start */
	tu_write(rec[0], "00000000-0000-0000-0000-000000000000 1 2026-01-01 00:00:00 UTC\n");
	f = fopen(rec[1], "w");
	assert_non_null(f);
	fprintf(f, "%s 1 2026-01-01 00:00:00 UTC\n", boot);
	fclose(f);
	t = transport_ssh_new(&a, &o);
	assert_int_equal(transport_run(t, HOST_SOURCE, "echo fine", &sink), 0);
	assert_int_equal(asked, 0);
	assert_null(strstr(buf_cstr(&s.text), "still running"));
	for (i = 0; i < 2; i++) {
		assert_int_equal(kill(kid[i], 0), 0); /* not stopped */
		assert_int_equal(access(rec[i], F_OK), -1); /* removed */
		kill(kid[i], SIGKILL);
		waitpid(kid[i], NULL, 0);
		free(rec[i]);
	}
	transport_free(t);
	buf_free(&s.text);
	answers_free(&a);
}

static int say_yes(void *ctx, const char *q)
{
	(*(int *)ctx)++;
	assert_non_null(strstr(q, env("SSH_HOST_FP")));
	return 1;
}

static void test_host_keys(void **state)
{
	struct answers a;
	struct transport *t;
	struct seen s = {0};
	struct sink sink = { collect, &s };
	int asked = 0;
	struct ssh_options accept = { 1, NULL, NULL, NULL, NULL }, ask = { 0, say_yes, NULL, &asked, NULL };
	char *dir = tu_tmpdir(), *kh = xasprintf("%s/new-ssh-dir/known_hosts", dir), *text;
	(void)state;

	/* changed: refused, whatever the options say */
	load(&a, env("SSH_WRONG_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, &accept);
	assert_int_equal(transport_run(t, HOST_SOURCE, "touch /tmp/mailshift-ssh-must-not-run", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!"));
	assert_non_null(strstr(transport_error(t), env("SSH_HOST_FP")));
	assert_int_equal(access("/tmp/mailshift-ssh-must-not-run", F_OK), -1);
	transport_free(t);
	answers_free(&a);

	/* only a key of another type is known (hashed): refused, as changed */
	load(&a, env("SSH_OTHERTYPE_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, &accept);
	assert_int_equal(transport_run(t, HOST_SOURCE, "touch /tmp/mailshift-ssh-must-not-run", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "holds a key of another type for it: refusing to connect"));
	assert_int_equal(access("/tmp/mailshift-ssh-must-not-run", F_OK), -1);
	transport_free(t);
	answers_free(&a);

	/* the right key, but revoked */
	load(&a, env("SSH_REVOKED_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, &accept);
	assert_int_equal(transport_run(t, HOST_SOURCE, "touch /tmp/mailshift-ssh-must-not-run", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "is REVOKED in"));
	assert_int_equal(access("/tmp/mailshift-ssh-must-not-run", F_OK), -1);
	transport_free(t);
	answers_free(&a);

	/* unknown, nobody to ask: refused, with the fingerprint and the way on */
	load(&a, env("SSH_EMPTY_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "touch /tmp/mailshift-ssh-must-not-run", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "unknown host key"));
	assert_non_null(strstr(transport_error(t), env("SSH_HOST_FP")));
	assert_non_null(strstr(transport_error(t), "--accept-new-host-key"));
	assert_int_equal(access("/tmp/mailshift-ssh-must-not-run", F_OK), -1);
	transport_free(t);
	answers_free(&a);

	/* unknown, accepted: recorded (the file did not exist), then known */
	load(&a, kh, env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, &accept);
	assert_int_equal(transport_run(t, HOST_SOURCE, "echo in", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "recorded the ED25519 host key of [127.0.0.1]:"));
	assert_non_null(strstr(buf_cstr(&s.text), "/new-ssh-dir\n")); /* its directory was created */
	transport_free(t);
	text = tu_read(kh);
	assert_non_null(strstr(text, "[127.0.0.1]:"));
	assert_non_null(strstr(text, " ssh-ed25519 "));
	free(text);
	{
		struct stat st;
		assert_int_equal(stat(kh, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), 0);
	/* the target (localhost) is still unknown there: the admin is asked */
	transport_free(t);
	t = transport_ssh_new(&a, &ask);
	assert_int_equal(transport_run(t, HOST_TARGET, "true", &sink), 0);
	assert_int_equal(asked, 1);
	transport_free(t);
	answers_free(&a);
	tu_rmrf(dir);
	free(dir);
	free(kh);
	buf_free(&s.text);
}

struct typist {
	const char *lines[3]; /* typed in turn; NULL: nothing more to type */
	int next;
};

static int typed(void *ctx, const char *prompt, char *buf, size_t n)
{
	struct typist *ty = ctx;
	assert_non_null(strstr(prompt, "'s password: "));
	if (ty->next >= 3 || !ty->lines[ty->next])
		return -1;
	snprintf(buf, n, "%s", ty->lines[ty->next++]);
	return 0;
}

static void test_auth_and_connect(void **state)
{
	struct answers a;
	struct transport *t;
	struct sink sink = { NULL, NULL };
	char *text, *extra;
	char err[256];
	(void)state;

	load(&a, env("SSH_KNOWN_HOSTS"), env("SSH_OTHER_IDENTITY"));
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "root@ cannot log in: tried the key"));
	transport_free(t);
	answers_free(&a);

	/* a password from the answers: wrong, then right */
	extra = xasprintf("user = %s\npassword = wrong-%s\n", env("SSH_PW_USER"), env("SSH_PW"));
	load_with(&a, env("SSH_KNOWN_HOSTS"), NULL, extra);
	free(extra);
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "cannot log in: tried the answers' password (wrong password)"));
	assert_null(strstr(transport_error(t), env("SSH_PW")));
	transport_free(t);
	answers_free(&a);
	extra = xasprintf("user = %s\npassword = %s\n", env("SSH_PW_USER"), env("SSH_PW"));
	load_with(&a, env("SSH_KNOWN_HOSTS"), NULL, extra);
	free(extra);
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "[ \"$(id -un)\" = \"$USER\" ]", &sink), 0);
	transport_free(t);
	answers_free(&a);

	/* typed at the prompt: a wrong one, then the right one */
	{
		struct typist ty = { { "not-it", env("SSH_PW"), NULL }, 0 };
		struct ssh_options o = { 0, NULL, typed, &ty, NULL };
		extra = xasprintf("user = %s\n", env("SSH_PW_USER"));
		load_with(&a, env("SSH_KNOWN_HOSTS"), NULL, extra);
		free(extra);
		t = transport_ssh_new(&a, &o);
		assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), 0);
		assert_int_equal(ty.next, 2);
		transport_free(t);
		/* headless, no password anywhere: a clear refusal */
		t = transport_ssh_new(&a, NULL);
		assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), TRANSPORT_FAILED);
		assert_non_null(strstr(transport_error(t), "a password can be asked for when mailshift runs in a terminal"));
		transport_free(t);
		answers_free(&a);
	}

	text = xasprintf("[source]\nstack = iredmail\nbackend = pgsql\nhost = 127.0.0.1\nport = 1\n"
	                 "[target]\nstack = iredmail\nbackend = pgsql\nhost = no-such-host.invalid\n");
	assert_int_equal(answers_parse(&a, "x", text, err, sizeof err), 0);
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), TRANSPORT_FAILED);
	assert_string_equal(transport_error(t), "cannot connect to 127.0.0.1 port 1: Connection refused");
	assert_int_equal(transport_run(t, HOST_TARGET, "true", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "no-such-host.invalid: "));
	transport_free(t);
	answers_free(&a);
	free(text);
}

static int passphrase(void *ctx, const char *prompt, char *buf, size_t n)
{
	(*(int *)ctx)++;
	assert_non_null(strstr(prompt, "Passphrase for the key "));
	snprintf(buf, n, "%s", env("SSH_PP"));
	return 0;
}

/* A key with a passphrase: asked for; with nobody to ask, a clear refusal. */
static void test_passphrase(void **state)
{
	struct answers a;
	struct transport *t;
	struct sink sink = { NULL, NULL };
	int asked = 0;
	struct ssh_options o = { 0, NULL, passphrase, &asked, NULL };
	(void)state;

	load(&a, env("SSH_KNOWN_HOSTS"), env("SSH_PP_IDENTITY"));
	t = transport_ssh_new(&a, &o);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), 0);
	assert_int_equal(asked, 1);
	transport_free(t);
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "cannot read it, or wrong passphrase"));
	transport_free(t);
	answers_free(&a);
}

/* ~/.ssh/config: an alias with HostName, Port and IdentityFile. */
static void test_ssh_config(void **state)
{
	struct answers a;
	struct transport *t;
	struct sink sink = { NULL, NULL };
	char *dir = tu_tmpdir(), *cfg = xasprintf("%s/config", dir), *text, err[256];
	(void)state;

	text = xasprintf("# a comment\nHost other *.example !old-mail\n  Port 1\n"
	                 "Host old-mail\n  User = root\n  HostName 127.0.0.1\n  Port %s\n  IdentityFile \"%s\"\n"
	                 "Host *\n  Port 2\n  HostName elsewhere\n",
	                 env("SSH_PORT"), env("SSH_IDENTITY"));
	tu_write(cfg, text);
	free(text);
	text = xasprintf("[source]\nstack = iredmail\nbackend = pgsql\nhost = old-mail\nknown_hosts = %s\n"
	                 "[target]\nstack = iredmail\nbackend = pgsql\nhost = new-mail\nport = 2200\n",
	                 env("SSH_KNOWN_HOSTS"));
	assert_int_equal(answers_parse(&a, "x", text, err, sizeof err), 0);
	assert_int_equal(ssh_config_apply(&a.source, cfg, err, sizeof err), 0);
	assert_int_equal(ssh_config_apply(&a.target, cfg, err, sizeof err), 0);
	assert_string_equal(a.source.host, "127.0.0.1");
	assert_int_equal(a.source.port, atoi(env("SSH_PORT")));
	assert_string_equal(a.source.identity, env("SSH_IDENTITY"));
	assert_string_equal(a.target.host, "elsewhere");
	assert_int_equal(a.target.port, 2200); /* the answers' port wins */
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), 0);
	transport_free(t);
	answers_free(&a);
	tu_write(cfg, "Host *\n Port 70000\n");
	assert_int_equal(answers_parse(&a, "x", text, err, sizeof err), 0);
	assert_int_equal(ssh_config_apply(&a.source, cfg, err, sizeof err), -1);
	assert_non_null(strstr(err, "config:2: Port: expected a number 1-65535, got \"70000\""));
	answers_free(&a);
	/* the values are checked as the answers file's: none reaches ssh, rsync
	 * or a shell unchecked, and an error shows no control byte */
	{
		static const char *const bad[][2] = {
			{ "Host *\n HostName evil;touch /tmp/x\n", "config:2: HostName: expected a host name or IPv4 address, got \"evil;touch /tmp/x\"" },
			{ "Host *\n User -oProxyCommand=x\n", "config:2: User: expected a user name (letters, digits, . _ -), got \"-oProxyCommand=x\"" },
			{ "Host *\n IdentityFile key\033[2J\n", "config:2: IdentityFile: expected an absolute path (or ~/...) in printable text, got \"key?[2J\"" },
			{ "Host *\n HostName a\033]0;x\n", "config:2: HostName: expected a host name or IPv4 address, got \"a?]0;x\"" },
		};
		size_t i;
		for (i = 0; i < sizeof bad / sizeof *bad; i++) {
			tu_write(cfg, bad[i][0]);
			assert_int_equal(answers_parse(&a, "x", text, err, sizeof err), 0);
			assert_int_equal(ssh_config_apply(&a.source, cfg, err, sizeof err), -1);
			assert_non_null(strstr(err, bad[i][1]));
			assert_string_equal(a.source.host, "old-mail");
			answers_free(&a);
		}
	}
	free(text);
	tu_rmrf(dir);
	free(dir);
	free(cfg);
}

struct counter {
	unsigned long long bytes, lines;
};

static void count(void *ctx, enum sink_kind k, enum host h, const char *text)
{
	struct counter *c = ctx;
	(void)h;
	if (k == SINK_OUT) {
		c->bytes += strlen(text) + 1;
		c->lines++;
	}
}

/* 100 MB of stdout streams through with bounded memory. */
static void test_stream(void **state)
{
	struct answers a;
	struct transport *t;
	struct counter c = {0};
	struct sink sink = { count, &c };
	struct rusage before, after;
	(void)state;

	load(&a, env("SSH_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), 0);
	getrusage(RUSAGE_SELF, &before);
	/* 1,600,000 lines of 63 characters and a newline: 102,400,000 bytes */
	assert_int_equal(transport_run(t, HOST_SOURCE,
	                               "yes 012345678901234567890123456789012345678901234567890123456789abc"
	                               " | head -n 1600000", &sink), 0);
	getrusage(RUSAGE_SELF, &after);
	assert_int_equal(c.lines, 1600000);
	assert_int_equal(c.bytes, 102400000ULL);
	printf("stream: %llu bytes; max RSS %ld KiB before, %ld KiB after\n", c.bytes, before.ru_maxrss,
	       after.ru_maxrss);
	assert_true(after.ru_maxrss - before.ru_maxrss < 8 * 1024);
	transport_free(t);
	answers_free(&a);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_earlier_still_runs),
		cmocka_unit_test(test_earlier_reused),
		cmocka_unit_test(test_host_keys),
		cmocka_unit_test(test_auth_and_connect),
		cmocka_unit_test(test_ssh_config),
		cmocka_unit_test(test_passphrase),
	};
	const struct CMUnitTest stream[] = {
		cmocka_unit_test(test_stream),
	};
	if (argc > 1 && !strcmp(argv[1], "stream"))
		return cmocka_run_group_tests(stream, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
