/* The SSH transport against a real sshd on loopback, started by run.sh,
 * which passes its port and files in the environment. */
#include "../unit/testutil.h"

#include "backends/transport.h"
#include "core/answers.h"

struct seen {
	struct buf text;
};

static void collect(void *ctx, enum sink_kind k, enum host h, const char *text)
{
	struct seen *s = ctx;
	buf_addf(&s->text, "%s %s|%s\n", plan_host_name(h), k == SINK_OUT ? "out" : "err", text);
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	if (!v)
		fail_msg("%s is not set: run tests/ssh/run.sh", name);
	return v;
}

static void load(struct answers *a, const char *known_hosts, const char *identity)
{
	char *text = xasprintf("[source]\nstack = iredmail\nbackend = pgsql\nhost = 127.0.0.1\nport = %s\n"
	                       "known_hosts = %s\nidentity = %s\n"
	                       "[target]\nstack = iredmail\nbackend = pgsql\nhost = localhost\nport = %s\n"
	                       "known_hosts = %s\nidentity = %s\n",
	                       env("SSH_PORT"), known_hosts, identity, env("SSH_PORT"), known_hosts, identity);
	char err[256];
	if (answers_parse(a, "ssh.conf", text, err, sizeof err) < 0)
		fail_msg("%s", err);
	free(text);
}

static void test_runs(void **state)
{
	struct answers a;
	struct transport *t;
	struct seen s = {0};
	struct sink sink = { collect, &s };
	(void)state;

	load(&a, env("SSH_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "echo \"hello $((6 * 7))\"; echo oops >&2", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "source out|hello 42\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "source err|oops\n"));
	assert_int_equal(transport_run(t, HOST_SOURCE, "exit 7", &sink), 7);
	/* the same session runs the next command; the target is a second one */
	assert_int_equal(transport_run(t, HOST_TARGET, "printf 'a\\nb'; read -r x || echo stdin-closed", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "target out|a\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "target out|bstdin-closed\n"));
	/* a lot of output on both streams at once does not deadlock */
	assert_int_equal(transport_run(t, HOST_SOURCE,
	                               "for i in $(seq 20000); do echo out$i; echo err$i >&2; done", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "source out|out20000\n"));
	assert_non_null(strstr(buf_cstr(&s.text), "source err|err20000\n"));
	assert_int_equal(transport_run(t, HOST_LOCAL, "echo here", &sink), 0);
	assert_non_null(strstr(buf_cstr(&s.text), "local out|here\n"));
	transport_free(t);
	buf_free(&s.text);
	answers_free(&a);
}

static void test_host_keys(void **state)
{
	struct answers a;
	struct transport *t;
	struct seen s = {0};
	struct sink sink = { collect, &s };
	(void)state;

	load(&a, env("SSH_WRONG_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "touch /tmp/mailshift-ssh-must-not-run", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "127.0.0.1: HOST KEY MISMATCH: the server's key SHA256:"));
	assert_int_equal(access("/tmp/mailshift-ssh-must-not-run", F_OK), -1);
	transport_free(t);
	answers_free(&a);

	load(&a, env("SSH_EMPTY_KNOWN_HOSTS"), env("SSH_IDENTITY"));
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "127.0.0.1: unknown host key SHA256:"));
	assert_non_null(strstr(transport_error(t), env("SSH_HOST_FP")));
	transport_free(t);
	answers_free(&a);
	buf_free(&s.text);
}

static void test_auth_and_connect(void **state)
{
	struct answers a;
	struct transport *t;
	struct sink sink = { NULL, NULL };
	char *text;
	char err[256];
	(void)state;

	load(&a, env("SSH_KNOWN_HOSTS"), env("SSH_OTHER_IDENTITY"));
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), TRANSPORT_FAILED);
	assert_non_null(strstr(transport_error(t), "root@ cannot log in with the key"));
	transport_free(t);
	answers_free(&a);

	text = xasprintf("[source]\nstack = iredmail\nbackend = pgsql\nhost = 127.0.0.1\nport = 1\n"
	                 "[target]\nstack = iredmail\nbackend = pgsql\nhost = 127.0.0.1\n");
	assert_int_equal(answers_parse(&a, "x", text, err, sizeof err), 0);
	t = transport_ssh_new(&a, NULL);
	assert_int_equal(transport_run(t, HOST_SOURCE, "true", &sink), TRANSPORT_FAILED);
	assert_string_equal(transport_error(t), "cannot connect to 127.0.0.1 port 1: Connection refused");
	transport_free(t);
	answers_free(&a);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_host_keys),
		cmocka_unit_test(test_auth_and_connect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
