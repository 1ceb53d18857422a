/* Answers files: good ones parse with defaults, bad ones name file:line and
 * what was expected, and what is written reads back the same. */
#include <sys/stat.h>

#include "testutil.h"

#include "core/answers.h"

static const char good[] =
	"# comment\n"
	"[source]\n"
	"stack = iredmail\n"
	"backend = mariadb   # inline comment\n"
	"host = 10.0.0.2\n"
	"identity = \"/root/keys/id #1\"\n"
	"\n"
	"[target]\n"
	"stack = iredmail\n"
	"backend = mysql\n"
	"host = new.example.org\n"
	"port = 2222\n"
	"user = admin\n"
	"known_hosts = /root/.ssh/known_hosts\n"
	"[options]\n"
	"vmail_dir = /srv/vmail/\n"
	"two_phase_sync = no\n";

static void test_good(void **state)
{
	struct answers a;
	char err[256] = "";
	(void)state;

	assert_int_equal(answers_parse(&a, "good.conf", good, err, sizeof err), 0);
	assert_int_equal(a.source.stack, STACK_IREDMAIL);
	assert_int_equal(a.source.backend, BACKEND_MARIADB);
	assert_string_equal(a.source.host, "10.0.0.2");
	assert_int_equal(a.source.port, 22);
	assert_string_equal(a.source.user, "root");
	assert_string_equal(a.source.identity, "/root/keys/id #1");
	assert_null(a.source.known_hosts);
	assert_int_equal(a.target.backend, BACKEND_MYSQL);
	assert_int_equal(a.target.port, 2222);
	assert_string_equal(a.target.user, "admin");
	assert_string_equal(a.opt.vmail_dir, "/srv/vmail"); /* the trailing slash is dropped */
	assert_string_equal(a.opt.dkim_dir, "/var/lib/dkim");
	assert_string_equal(a.opt.backup_dir, "/var/backups/mailshift");
	assert_null(a.opt.roundcube_release);
	assert_int_equal(a.opt.two_phase_sync, 0);
	assert_int_equal(a.opt.relay_during_cutover, 1);
	assert_string_equal(answers_endpoint_kind(&a.source), "iredmail/mariadb");
	answers_free(&a);
}

struct bad {
	const char *text;
	const char *err;
};

#define SRC "[source]\nstack = iredmail\nbackend = pgsql\nhost = a\n"
#define DST "[target]\nstack = iredmail\nbackend = pgsql\nhost = b\n"

static const struct bad bads[] = {
	{ "stack = iredmail\n", "bad.conf:1: stack: expected a [source], [target] or [options] line first" },
	{ SRC DST "[options\n", "bad.conf:9: expected \"[source]\", \"[target]\" or \"[options]\", got \"[options\"" },
	{ SRC DST "[extra]\n", "bad.conf:9: unknown section [extra]: expected [source], [target] or [options]" },
	{ SRC "colour = blue\n" DST, "bad.conf:5: unknown key \"colour\" in [source]" },
	{ SRC DST "[options]\nhost = x\n", "bad.conf:10: unknown key \"host\" in [options]" },
	{ SRC "just words\n", "bad.conf:5: expected \"key = value\" or \"[section]\", got a line starting \"just\"" },
	{ SRC "password: S3cretPW\n", "bad.conf:5: expected \"key = value\" or \"[section]\", got a line starting \"password\"" },
	{ SRC "= value\n", "bad.conf:5: expected a key before '='" },
	{ "[source]\nstack = exim\n", "bad.conf:2: stack: expected iredmail, postfix-dovecot or sendmail-mbox, got \"exim\"" },
	{ "[source]\nbackend = oracle\n", "bad.conf:2: backend: expected openldap, mariadb, mysql or pgsql, got \"oracle\"" },
	{ SRC "port = 0\n", "bad.conf:5: port: expected a number 1-65535, got \"0\"" },
	{ SRC "port = 22x\n", "bad.conf:5: port: expected a number 1-65535, got \"22x\"" },
	{ SRC "port = 70000\n", "bad.conf:5: port: expected a number 1-65535, got \"70000\"" },
	{ SRC "port = 22\nport = 23\n", "bad.conf:6: port again: expected each key once per section" },
	{ SRC DST "[source]\n", "bad.conf:9: [source] again: expected each section once (first at line 1)" },
	{ "[source]\nstack = iredmail\nbackend = pgsql\nhost = A\n[target]\nstack = iredmail\nbackend = pgsql\nhost = a\n",
	  "bad.conf:5: [target] is the same host as [source] (a port 22): expected two servers" },
	{ "[source]\nhost = -oProxyCommand=x\n", "bad.conf:2: host: expected a host name or IPv4 address, got \"-oProxyCommand=x\"" },
	{ "[source]\nhost = a b\n", "bad.conf:2: host: expected a host name or IPv4 address, got \"a b\"" },
	{ "[source]\nhost = ::1\n", "bad.conf:2: host: expected a host name or IPv4 address, got \"::1\"" },
	{ SRC "user = -oProxyCommand=touch\n", "bad.conf:5: user: expected a user name (letters, digits, . _ -), got \"-oProxyCommand=touch\"" },
	{ SRC "user = root@evil\n", "bad.conf:5: user: expected a user name (letters, digits, . _ -), got \"root@evil\"" },
	{ SRC DST "[options]\nvmail_dir = /\n", "bad.conf:10: vmail_dir: expected a directory below /, not / itself, got \"/\"" },
	{ SRC DST "[options]\nvmail_dir = ///\n", "bad.conf:10: vmail_dir: expected a directory below /, not / itself, got \"/\"" },
	{ SRC DST "[options]\nvmail_dir = /var/../etc\n", "bad.conf:10: vmail_dir: expected a path without . or .. parts, got \"/var/../etc\"" },
	{ SRC DST "[options]\nbackup_dir = /var/\n", "bad.conf:10: backup_dir: /var is a system directory, and mailshift makes this one 0700: name a folder of its own, e.g. /var/backups/mailshift" },
	{ SRC DST "[options]\nvmail_dir = \"/var/v\tmail\"\n", "bad.conf:10: vmail_dir: expected printable text, found a control character" },
	{ SRC "identity = relative/key\n", "bad.conf:5: identity: expected an absolute path, got \"relative/key\"" },
	{ SRC DST "[options]\ncarry_config = /etc/postfix/main.cf etc/x\n", "bad.conf:10: carry_config: expected an absolute path, got \"etc/x\"" },
	{ SRC DST "[options]\ncarry_config = /etc/../root/x\n", "bad.conf:10: carry_config: expected a path without . or .. parts, got \"/etc/../root/x\"" },
	{ SRC "identity = \"/open\n", "bad.conf:5: identity: expected a closing '\"'" },
	{ SRC "identity = \"/a\" b\n", "bad.conf:5: identity: expected nothing after the closing '\"'" },
	{ SRC "user =\n", "bad.conf:5: user: expected a value" },
	{ SRC DST "[options]\ntwo_phase_sync = maybe\n", "bad.conf:10: two_phase_sync: expected yes or no, got \"maybe\"" },
	{ SRC, "bad.conf: expected a [target] section" },
	{ DST, "bad.conf: expected a [source] section" },
	{ "[source]\nhost = a\n" DST, "bad.conf:1: [source] needs \"stack = iredmail | postfix-dovecot | sendmail-mbox\"" },
	{ "[source]\nstack = iredmail\nhost = a\n" DST, "bad.conf:1: [source] is iredmail: it needs \"backend = openldap | mariadb | mysql | pgsql\"" },
	{ "[source]\nstack = sendmail-mbox\nbackend = pgsql\nhost = a\n" DST,
	  "bad.conf:1: [source]: backend applies to iredmail only; sendmail-mbox keeps accounts in system users" },
	{ SRC "[target]\nstack = iredmail\nbackend = pgsql\n", "bad.conf:5: [target] needs \"host = NAME\"" },
	{ NULL, NULL },
};

static void test_bad(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; bads[i].text; i++) {
		struct answers a;
		char err[256] = "";
		int rc = answers_parse(&a, "bad.conf", bads[i].text, err, sizeof err);
		if (rc != -1 || strcmp(err, bads[i].err) != 0)
			fail_msg("case %zu: rc %d, got  \"%s\"\n      want \"%s\"", i, rc, err, bads[i].err);
		assert_null(a.source.host);
		answers_free(&a);
	}
}

static void test_roundtrip(void **state)
{
	struct answers a, b;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	assert_int_equal(answers_parse(&a, "good.conf", good, err, sizeof err), 0);
	free(a.opt.ldap_suffix);
	a.opt.ldap_suffix = xstrdup(" spaced; \"quoted\" #x ");
	f = open_memstream(&text, &len);
	answers_write(&a, f);
	fclose(f);
	assert_int_equal(answers_parse(&b, "written", text, err, sizeof err), 0);
	assert_string_equal(b.opt.ldap_suffix, a.opt.ldap_suffix);
	assert_string_equal(b.source.identity, a.source.identity);
	assert_string_equal(b.target.host, a.target.host);
	assert_int_equal(b.target.port, a.target.port);
	assert_int_equal(b.opt.two_phase_sync, 0);
	assert_int_equal(b.target.backend, BACKEND_MYSQL);
	answers_free(&a);
	answers_free(&b);
	free(text);
}

static void test_template(void **state)
{
	struct answers a;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	(void)state;

	answers_template(f);
	fclose(f);
	assert_non_null(strstr(text, "# stack: iredmail | postfix-dovecot | sendmail-mbox"));
	assert_non_null(strstr(text, "Database and LDAP credentials never go here"));
	assert_non_null(strstr(text, "#password =\n"));
	assert_int_equal(answers_parse(&a, "template", text, err, sizeof err), 0);
	assert_int_equal(a.source.stack, STACK_IREDMAIL);
	answers_free(&a);
	free(text);
}

static void test_load(void **state)
{
	char *dir = tu_tmpdir(), *path = xasprintf("%s/a.conf", dir), err[256];
	struct answers a;
	(void)state;

	assert_int_equal(answers_load(&a, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "a.conf: cannot read: No such file or directory"));
	tu_write(path, SRC DST);
	assert_int_equal(answers_load(&a, path, err, sizeof err), 0);
	assert_int_equal(a.target.backend, BACKEND_PGSQL);
	assert_false(a.source.port_set || a.source.user_set);
	answers_free(&a);

	/* a password: only in a file nobody else can read, never written back */
	tu_write(path, SRC "password = \"pl anted#pw\"\nport = 2222\nuser = admin\n" DST);
	chmod(path, 0644);
	assert_int_equal(answers_load(&a, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "holds a password, and other users can read the file: chmod 600"));
	assert_null(strstr(err, "pl anted"));
	chmod(path, 0600);
	assert_int_equal(answers_load(&a, path, err, sizeof err), 0);
	assert_string_equal(a.source.password, "pl anted#pw");
	assert_null(a.target.password);
	assert_true(a.source.port_set && a.source.user_set);
	{
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		answers_write(&a, f);
		fclose(f);
		assert_null(strstr(text, "pl anted"));
		assert_null(strstr(text, "password"));
		free(text);
	}
	answers_free(&a);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* The keys API the wizard builds its forms from: the same table, values
 * read back as a file holds them, one value checked as the parser does. */
static void test_keys_api(void **state)
{
	struct answers_key_info k;
	struct answers a;
	char err[256], v[256];
	size_t i, endpoint = 0, options = 0;
	int seen_password = 0;
	FILE *f;
	char *text = NULL;
	size_t len = 0;
	(void)state;

	for (i = 0; answers_key_info(i, &k); i++) {
		assert_non_null(k.help);
		assert_true(strlen(k.help) > 5);
		if (k.endpoint)
			endpoint++;
		else
			options++;
		if (!strcmp(k.name, "password")) {
			seen_password = 1;
			assert_int_equal(k.type, ANSWERS_SECRET);
		}
		if (!strcmp(k.name, "port"))
			assert_int_equal(k.type, ANSWERS_PORT);
	}
	assert_int_equal(endpoint, 8);
	assert_int_equal(options, 19);
	assert_true(seen_password);
	assert_int_equal(answers_key_info(i, &k), 0);

	assert_int_equal(answers_check_value("source", "port", "22", err, sizeof err), 0);
	assert_int_equal(answers_check_value("target", "port", "0", err, sizeof err), -1);
	assert_string_equal(err, "port: expected a number 1-65535, got \"0\"");
	assert_int_equal(answers_check_value("options", "vmail_dir", "var/vmail", err, sizeof err), -1);
	assert_string_equal(err, "vmail_dir: expected an absolute path, got \"var/vmail\"");
	assert_int_equal(answers_check_value("source", "host", "-bad", err, sizeof err), -1);
	assert_int_equal(answers_check_value("options", "two_phase_sync", "maybe", err, sizeof err), -1);
	assert_int_equal(answers_check_value("options", "host", "a", err, sizeof err), -1);
	assert_string_equal(err, "unknown key \"host\" in [options]");
	/* the system users' range: uids, decimal, from 1 */
	assert_int_equal(answers_check_value("options", "users_uid_min", "500", err, sizeof err), 0);
	assert_int_equal(answers_check_value("options", "users_uid_max", "4294967294", err, sizeof err), 0);
	assert_int_equal(answers_check_value("options", "users_uid_min", "0", err, sizeof err), -1);
	assert_int_equal(answers_check_value("options", "users_uid_max", "4294967295", err, sizeof err), -1);
	assert_int_equal(answers_check_value("options", "users_uid_min", "1e3", err, sizeof err), -1);
	assert_string_equal(err, "users_uid_min: expected a uid, a number 1-4294967294, got \"1e3\"");

	assert_int_equal(answers_parse(&a, "t", "[source]\nstack = iredmail\nbackend = pgsql\nhost = a\n"
	                               "password = s3cret\n[target]\nstack = iredmail\nbackend = pgsql\nhost = b\n"
	                               "port = 2200\n[options]\ncarry_config = /etc/a /etc/b\ntwo_phase_sync = no\n",
	                               err, sizeof err), 0);
	assert_int_equal(answers_value(&a, "source", "backend", v, sizeof v), 0);
	assert_string_equal(v, "pgsql");
	answers_value(&a, "target", "port", v, sizeof v);
	assert_string_equal(v, "2200");
	answers_value(&a, "source", "password", v, sizeof v);
	assert_string_equal(v, "");                  /* never given out */
	answers_value(&a, "options", "carry_config", v, sizeof v);
	assert_string_equal(v, "/etc/a /etc/b");
	answers_value(&a, "options", "two_phase_sync", v, sizeof v);
	assert_string_equal(v, "no");
	answers_value(&a, "options", "installer_dir", v, sizeof v);
	assert_string_equal(v, "");
	assert_int_equal(answers_value(&a, "options", "nosuch", v, sizeof v), -1);
	answers_free(&a);

	f = open_memstream(&text, &len);
	answers_write_key(f, "a", "plain");
	answers_write_key(f, "b", "has # hash");
	answers_write_key(f, "c", " \"q\\ ");
	fclose(f);
	assert_string_equal(text, "a = plain\nb = \"has # hash\"\nc = \" \\\"q\\\\ \"\n");
	free(text);
}

/* Sentences in a text: a '.', '!' or '?' before a space or the end, not
 * the one of "e.g." or "i.e.". */
static int sentences(const char *t)
{
	const char *p;
	int n = 0;

	for (p = t; *p; p++)
		if (strchr(".!?", *p) && (p[1] == ' ' || !p[1]) &&
		    !(p - t >= 3 && (!strncmp(p - 3, "e.g", 3) || !strncmp(p - 3, "i.e", 3))))
			n++;
	return n;
}

/* Lines of t wrapped at width columns, word by word (ASCII). */
static int wrapped_lines(const char *t, size_t width)
{
	size_t col = 0, w;
	int lines = 1;

	while (*t) {
		while (*t == ' ')
			t++;
		w = strcspn(t, " ");
		if (!w)
			break;
		if (col && col + 1 + w > width) {
			lines++;
			col = 0;
		}
		col += (col ? 1 : 0) + w;
		t += w;
	}
	return lines;
}

/* F1 in the wizard: every key is explained in plain words, a few sentences
 * that fit the help dialog at 80x24 (72 columns of text), and the
 * explanation names the default the one-line help promises. */
static void test_keys_explained(void **state)
{
	struct answers_key_info k;
	size_t i;
	const char *d;
	char want[64];
	(void)state;

	for (i = 0; answers_key_info(i, &k); i++) {
		size_t n;
		print_message("%s\n", k.name);
		assert_non_null(k.explain);
		n = strlen(k.explain);
		assert_in_range(n, 250, 700);
		assert_null(strpbrk(k.explain, "\n\t"));
		assert_null(strstr(k.explain, k.help));         /* more than the one line again */
		assert_in_range(sentences(k.explain), 3, 8);
		assert_in_range(wrapped_lines(k.explain, 72), 3, 10);
		/* "(default /var/vmail)", "(default 22)", "(default yes)": the same value */
		for (d = strstr(k.help, "default "); d; d = strstr(d + 1, "default ")) {
			size_t w = strcspn(d + 8, " );,");
			assert_true(w > 0 && w < sizeof want);
			memcpy(want, d + 8, w);
			want[w] = '\0';
			assert_non_null(strstr(k.explain, want));
		}
	}
	assert_int_equal(i, 27);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_keys_api),
		cmocka_unit_test(test_keys_explained),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
