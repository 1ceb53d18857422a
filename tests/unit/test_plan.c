/* Plan selection: the steps for each pair, in order, with their real
 * commands; pairs not built are refused with a message naming the pair. */
#include "testutil.h"

#include "core/answers.h"
#include "core/plan.h"

static char *conf(const char *sbackend, const char *tbackend, const char *options)
{
	return xasprintf("[source]\nstack = iredmail\nbackend = %s\nhost = old.example.org\n"
	                 "[target]\nstack = iredmail\nbackend = %s\nhost = new.example.org\n"
	                 "[options]\n%s", sbackend, tbackend, options);
}

static void build(struct answers *a, struct plan *p, const char *text)
{
	char err[512];
	if (answers_parse(a, "t.conf", text, err, sizeof err) < 0)
		fail_msg("%s", err);
	if (plan_build(p, a, err, sizeof err) < 0)
		fail_msg("%s", err);
}

static char *ids(const struct plan *p)
{
	struct buf b = {0};
	size_t i;
	for (i = 0; i < p->n; i++)
		buf_addf(&b, "%s%s", i ? " " : "", p->steps[i].step->id);
	return buf_steal(&b);
}

/* All the commands of one step, joined. */
static char *step_text(const struct plan *p, const char *id)
{
	struct buf b = {0};
	int si = plan_find(p, id);
	size_t i;

	assert_true(si >= 0);
	for (i = 0; i < p->steps[si].n; i++)
		buf_addf(&b, "[%s] %s\n", plan_host_name(p->steps[si].act[i].on), p->steps[si].act[i].cmd);
	return buf_steal(&b);
}

static const char full[] = "roundcube_release = /root/rc-1.7\ninstaller_dir = /root/iRedMail-1.8.1\n";
static const char all_ids[] = "preflight migration-key installer roundcube mailstore-bulk dkim config stop-services "
                              "mailstore-final chown databases accounts verify start-services test cutover remove-key";

static void test_mariadb(void **state)
{
	struct answers a;
	struct plan p;
	char *text = conf("mariadb", "mysql", full), *s, *t;
	(void)state;

	build(&a, &p, text);
	s = ids(&p);
	assert_string_equal(s, all_ids);
	free(s);
	t = step_text(&p, "accounts");
	assert_non_null(strstr(t, "mysqldump --events --routines --triggers --single-transaction --databases"));
	assert_non_null(strstr(t, "for db in vmail; do"));
	assert_null(strstr(t, "slapadd"));
	free(t);
	t = step_text(&p, "databases");
	assert_non_null(strstr(t, "amavisd iredadmin iredapd roundcubemail"));
	/* never the mysql system database */
	assert_non_null(strstr(t, "for db in amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban; do"));
	free(t);
	t = step_text(&p, "mailstore-final");
	assert_non_null(strstr(t, "--delete-after"));
	/* the target pulls, from the source's own list of mailbox folders */
	assert_non_null(strstr(t, "[target] rsync -aHAXs --numeric-ids --no-inc-recursive --info=progress2 --stats "
	                              "-e \"ssh -i /root/.ssh/mailshift-migration"));
	assert_non_null(strstr(t, "-- root@old.example.org:/var/vmail/\"$d/\" \"$v/$d/\""));
	free(t);
	assert_true(p.steps[plan_find(&p, "stop-services")].step->flags & STEP_DOWNTIME);
	assert_false(p.steps[plan_find(&p, "mailstore-bulk")].step->flags & STEP_DOWNTIME);
	{ /* figures are journaled from pre-flight and verify only; only the
	   * installer check, Roundcube and the configuration may be left out */
		size_t k;
		for (k = 0; k < p.n; k++) {
			const char *id = p.steps[k].step->id;
			assert_int_equal(!!(p.steps[k].step->flags & STEP_FIGURES),
			                 !strcmp(id, "preflight") || !strcmp(id, "verify"));
			assert_int_equal(!!(p.steps[k].step->flags & STEP_OPTIONAL),
			                 !strcmp(id, "installer") || !strcmp(id, "roundcube") || !strcmp(id, "config"));
		}
	}
	plan_free(&p);
	answers_free(&a);
	free(text);
}

static void test_pgsql(void **state)
{
	struct answers a;
	struct plan p;
	char *text = conf("pgsql", "pgsql", ""), *s, *t;
	(void)state;

	build(&a, &p, text);
	s = ids(&p);
	/* no installer_dir and no roundcube_release: those steps are left out */
	assert_string_equal(s, "preflight migration-key mailstore-bulk dkim config stop-services mailstore-final chown "
	                       "databases accounts verify start-services test cutover remove-key");
	free(s);
	t = step_text(&p, "accounts");
	assert_non_null(strstr(t, "pg_dump --clean --if-exists"));
	assert_non_null(strstr(t, "ON_ERROR_STOP=1"));
	assert_null(strstr(t, "mysqldump"));
	free(t);
	t = step_text(&p, "preflight");
	assert_non_null(strstr(t, "*\" PGSQL \"*"));
	free(t);
	plan_free(&p);
	answers_free(&a);
	free(text);
}

static void test_openldap(void **state)
{
	struct answers a;
	struct plan p;
	char *text = conf("openldap", "openldap", "two_phase_sync = no\nrelay_during_cutover = no\n"), *s, *t;
	size_t i;
	int ci;
	(void)state;

	build(&a, &p, text);
	s = ids(&p);
	assert_string_equal(s, "preflight migration-key dkim config stop-services mailstore-final chown databases "
	                       "accounts verify start-services test cutover remove-key");
	free(s);
	t = step_text(&p, "accounts");
	assert_non_null(strstr(t, "slapcat"));
	assert_non_null(strstr(t, "slapadd \"${conf[@]}\" -q -b \"$suffix\""));
	assert_non_null(strstr(t, "mailshift-before"));
	assert_null(strstr(t, "for db in vmail"));
	free(t);
	/* the other iRedMail databases live in MariaDB in the LDAP edition */
	t = step_text(&p, "databases");
	assert_non_null(strstr(t, "mysqldump"));
	free(t);
	/* relay off: the cutover only prints the checklist */
	ci = plan_find(&p, "cutover");
	for (i = 0; i < p.steps[ci].n; i++)
		assert_false(p.steps[ci].act[i].flags & ACT_DESTRUCTIVE);
	plan_free(&p);
	answers_free(&a);
	free(text);
}

/* The copies are pulls by the target with the one-off key; the key step
 * comes before any copy and the removal last. */
static void test_key(void **state)
{
	struct answers a;
	struct plan p;
	char *text = xasprintf("[source]\nstack = iredmail\nbackend = mariadb\nhost = old.example.org\nport = 2200\n"
	                       "[target]\nstack = iredmail\nbackend = mariadb\nhost = new.example.org\n[options]\n");
	char *t;
	size_t i, j;
	int si;
	(void)state;

	build(&a, &p, text);
	assert_int_equal(plan_find(&p, "migration-key"), 1);
	assert_int_equal(plan_find(&p, "remove-key"), (int)p.n - 1);
	t = step_text(&p, "migration-key");
	assert_non_null(strstr(t, "[target] k=/root/.ssh/mailshift-migration\n"));
	assert_non_null(strstr(t, "ssh-keygen -q -t ed25519 -N \"\" -C \"mailshift-migration root@new.example.org\""));
	assert_non_null(strstr(t, "[source] m=\"mailshift-migration root@new.example.org\"\n"));
	assert_non_null(strstr(t, "line=\"no-agent-forwarding,no-port-forwarding,no-X11-forwarding,no-pty $type $blob $m\"\n"));
	assert_non_null(strstr(t, "[source] cat /etc/ssh/ssh_host_*_key.pub\n"));
	/* the source's name as the target dials it off port 22 */
	assert_non_null(strstr(t, "[target] n=\"[old.example.org]:2200\"; f=/root/.ssh/mailshift-known_hosts\n"));
	assert_non_null(strstr(t, "[target] ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes "
	                          "-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts "
	                          "-p 2200 root@old.example.org true"));
	free(t);
	si = plan_find(&p, "migration-key");
	assert_string_equal(p.steps[si].act[1].capture, "pubkey");
	assert_string_equal(p.steps[si].act[2].input, "pubkey");
	assert_int_equal(p.steps[si].act[2].on, HOST_SOURCE);
	t = step_text(&p, "remove-key");
	assert_non_null(strstr(t, "[source] m=\"mailshift-migration root@new.example.org\"\n"));
	assert_non_null(strstr(t, "rm -f -- \"$f\""));
	free(t);
	si = plan_find(&p, "remove-key");
	assert_true(p.steps[si].act[0].flags & ACT_DESTRUCTIVE);
	assert_true(p.steps[si].act[p.steps[si].n - 1].flags & ACT_DESTRUCTIVE);
	/* no server reaches the other except the target with the one-off key */
	for (i = 0; i < p.n; i++)
		for (j = 0; j < p.steps[i].n; j++) {
			const struct action *act = &p.steps[i].act[j];
			if (act->on == HOST_SOURCE && (strstr(act->cmd, "ssh ") || strstr(act->cmd, "rsync -")))
				fail_msg("step %s action %zu reaches out from the source:\n%s", p.steps[i].step->id, j, act->cmd);
			if (strstr(act->cmd, "ssh -") && !strstr(act->cmd, "ssh -i /root/.ssh/mailshift-migration"))
				fail_msg("step %s action %zu uses another ssh:\n%s", p.steps[i].step->id, j, act->cmd);
		}
	plan_free(&p);
	answers_free(&a);
	free(text);
}

static void refused(const char *text, const char *want)
{
	struct answers a;
	struct plan p;
	char err[512] = "";

	if (answers_parse(&a, "t.conf", text, err, sizeof err) < 0)
		fail_msg("%s", err);
	assert_int_equal(plan_build(&p, &a, err, sizeof err), -1);
	if (!strstr(err, want))
		fail_msg("got \"%s\", want \"%s\"", err, want);
	assert_int_equal(p.n, 0);
	plan_free(&p);
	answers_free(&a);
}

static void test_refused(void **state)
{
	char *t = conf("mariadb", "pgsql", "");
	(void)state;
	refused(t, "migrating iredmail/mariadb to iredmail/pgsql is not built yet");
	free(t);
	refused("[source]\nstack = postfix-dovecot\nhost = a\n[target]\nstack = postfix-dovecot\nhost = b\n",
	        "migrating postfix-dovecot to postfix-dovecot is not built yet");
	refused("[source]\nstack = sendmail-mbox\nhost = a\n[target]\nstack = postfix-dovecot\nhost = b\n",
	        "migrating sendmail-mbox to postfix-dovecot is not built yet");
	refused("[source]\nstack = iredmail\nbackend = openldap\nhost = a\n[target]\nstack = postfix-dovecot\nhost = b\n",
	        "migrating iredmail/openldap to postfix-dovecot is not built yet");
}

/* The checks and the safety of the whole iRedMail migration: where each
 * runs, which actions are DESTRUCTIVE, and the proofs each step gives. */
static const struct action *find_action(const struct plan *p, const char *id, const char *needle)
{
	int si = plan_find(p, id);
	size_t i;

	assert_true(si >= 0);
	for (i = 0; i < p->steps[si].n; i++)
		if (strstr(p->steps[si].act[i].cmd, needle))
			return &p->steps[si].act[i];
	fail_msg("step %s has no action with \"%s\"", id, needle);
	return NULL;
}

static void test_proofs(void **state)
{
	struct answers a;
	struct plan p;
	char *text = conf("mariadb", "mariadb", "roundcube_release = /root/rc-1.7\ninstaller_dir = /root/iRedMail-1.8.1\n"
	                  "carry_config = /etc/postfix/header_checks  /etc/dovecot/conf.d/90-quota.conf\n");
	const struct action *act;
	(void)state;

	build(&a, &p, text);
	assert_string_equal(a.opt.carry_config, "/etc/postfix/header_checks /etc/dovecot/conf.d/90-quota.conf");
	/* rsync is offered on both hosts, the installer checked on the target */
	act = find_action(&p, "preflight", "apt-get install -y -q rsync");
	assert_int_equal(act->on, HOST_SOURCE);
	/* the target runs the copies with --info=progress2: rsync 3.1 or newer */
	act = find_action(&p, "preflight", "3.1 or newer needed");
	assert_int_equal(act->on, HOST_TARGET);
	assert_non_null(strstr(act->cmd, "apt-get install -y -q rsync"));
	act = find_action(&p, "installer", "yum/misc/");
	assert_int_equal(act->on, HOST_TARGET);
	assert_true(act->flags & ACT_ADVISORY);
	/* Roundcube: no world-writable file after the upgrade */
	act = find_action(&p, "roundcube", "-perm -0002");
	assert_int_equal(act->on, HOST_SOURCE);
	assert_false(act->flags & ACT_ADVISORY);
	/* DKIM: fingerprints compared, never advisory */
	act = find_action(&p, "dkim", "comm -23");
	assert_non_null(act->input);
	assert_false(act->flags & ACT_ADVISORY);
	/* config: diffs masked; the selected files carried, confirmed */
	act = find_action(&p, "config", "diff -u");
	assert_non_null(strstr(act->cmd, "(masked)"));
	act = find_action(&p, "config", "read -r -a files");
	assert_true(act->flags & ACT_DESTRUCTIVE);
	assert_non_null(strstr(act->cmd, "<<< \"/etc/postfix/header_checks /etc/dovecot/conf.d/90-quota.conf\""));
	/* verify: keys and owners; test: Dovecot's view, a message through Postfix, removed (confirmed) */
	find_action(&p, "verify", "openssl pkey");
	find_action(&p, "verify", "! -user vmail");
	find_action(&p, "test", "'messages unseen'");
	act = find_action(&p, "test", "sendmail -f");
	assert_string_equal(act->capture, "test_message");
	act = find_action(&p, "test", "doveadm expunge");
	assert_true(act->flags & ACT_DESTRUCTIVE);
	plan_free(&p);
	answers_free(&a);
	free(text);

	/* without carry_config, nothing is put in place */
	text = conf("mariadb", "mariadb", "");
	build(&a, &p, text);
	{
		int si = plan_find(&p, "config");
		size_t i;
		for (i = 0; i < p.steps[si].n; i++)
			assert_false(p.steps[si].act[i].flags & ACT_DESTRUCTIVE);
	}
	plan_free(&p);
	answers_free(&a);
	free(text);
}

/* Every action is valid bash, whatever the answers hold, and user text only
 * ever appears quoted. */
static void test_hostile_answers(void **state)
{
	static const char evil[] = "/var/v mail$(touch /tmp/mailshift-pwned)'\"`x`";
	static const char evil_ini[] = "\"/var/v mail$(touch /tmp/mailshift-pwned)'\\\"`x`\"";
	struct answers a;
	struct plan p;
	char *opts = xasprintf("vmail_dir = %s\nbackup_dir = %s\nroundcube_release = /r\ninstaller_dir = %s\n"
	                       "roundcube_dir = %s\ncarry_config = /etc/x$(touch /tmp/mailshift-pwned)'`x`\n"
	                       "ldap_suffix = \"dc=ex'ample\"\n", evil_ini, evil_ini, evil_ini, evil_ini);
	char *text = conf("openldap", "openldap", opts);
	size_t i, j;
	(void)state;

	build(&a, &p, text);
	assert_string_equal(a.opt.vmail_dir, evil);
	for (i = 0; i < p.n; i++)
		for (j = 0; j < p.steps[i].n; j++) {
			const char *cmd = p.steps[i].act[j].cmd;
			char *const argv[] = { (char *)"bash", (char *)"-n", (char *)"-c", (char *)cmd, NULL };
			struct buf out = {0};
			if (tu_capture(argv, &out) != 0)
				fail_msg("step %s action %zu is not valid bash:\n%s", p.steps[i].step->id, j, cmd);
			buf_free(&out);
			/* the raw value never appears unquoted */
			assert_null(strstr(cmd, " /var/v mail$(touch"));
			assert_null(strstr(cmd, " /etc/x$(touch"));
		}
	plan_free(&p);
	answers_free(&a);
	free(text);
	free(opts);
}

/* Runs one action in bash after the preamble, with dir/bin first on PATH;
 * its stdout in out, its exit status returned. */
static int run_action(const char *dir, const struct action *act, struct buf *out)
{
	char *script = xasprintf("PATH=%s/bin:$PATH\n%s\n%s", dir, PLAN_PREAMBLE, act->cmd);
	char *const argv[] = { (char *)"bash", (char *)"-c", script, NULL };
	int rc = tu_capture(argv, out);

	free(script);
	return rc;
}

static void put_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	tu_write(path, text);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

/* verify's comparisons print their figures ("verify-row KEY SOURCE
 * TARGET"), counted on each side, before they fail on a difference: run
 * here with the source's side (over ssh) a stub that reads another folder
 * and a MariaDB stub whose one table has a row more on the source. */
static void test_verify_figures(void **state)
{
	struct answers a;
	struct plan p;
	struct buf out = {0};
	char *dir = tu_tmpdir(), *opts, *text, *sh;
	const struct action *act;
	(void)state;

	sh = xasprintf("mkdir -p %s/bin %s/dkim %s/vmail/vmail1/a/Maildir/cur %s/src/vmail1/a/Maildir/cur "
	               "%s/src/vmail1/a/Maildir/new && cd %s && "
	               "head -c 1000 /dev/zero > 'vmail/vmail1/a/Maildir/cur/1.h:2,S' && "
	               "head -c 1000 /dev/zero > 'src/vmail1/a/Maildir/cur/1.h:2,S' && "
	               "head -c 234567 /dev/zero > 'vmail/vmail1/a/Maildir/cur/2 with space.h:2,' && "
	               "head -c 234567 /dev/zero > 'src/vmail1/a/Maildir/cur/2 with space.h:2,' && "
	               "head -c 500 /dev/zero > src/vmail1/a/Maildir/new/3.h", dir, dir, dir, dir, dir, dir);
	{
		char *const argv[] = { (char *)"sh", (char *)"-c", sh, NULL };
		assert_int_equal(tu_capture(argv, &out), 0);
		buf_free(&out);
	}
	free(sh);
	/* the source: the last argument, run on the source's folder */
	sh = xasprintf("#!/bin/bash\nfor a; do last=$a; done\nfrom=%s/vmail to=%s/src\n"
	               "SIDE=8 exec bash -c \"${last//\"$from\"/\"$to\"}\"\n", dir, dir);
	put_file(dir, "bin/ssh", sh, 0755);
	free(sh);
	put_file(dir, "bin/mysql",
	         "#!/bin/sh\ncase $2 in\n"
	         "'SHOW DATABASES') printf 'mysql\\nvmail\\namavisd\\n' ;;\n"
	         "'SHOW TABLES') if [ \"$3\" = vmail ]; then printf 'mailbox\\ndomain\\n'; else echo msgs; fi ;;\n"
	         "*mailbox*) echo 12 ;;\n*domain*) echo 2 ;;\n*) echo \"${SIDE:-7}\" ;;\nesac\n", 0755);

	opts = xasprintf("vmail_dir = %s/vmail\ndkim_dir = %s/dkim\n", dir, dir);
	text = conf("mariadb", "mariadb", opts);
	build(&a, &p, text);

	act = find_action(&p, "verify", "-printf \"%p %s\\n\"");
	assert_int_equal(run_action(dir, act, &out), 1); /* a message only the source has */
	assert_string_equal(buf_cstr(&out), "source: 3 lines; target: 2 lines\n"
	                                     "verify-row bytes 236067 235567\n"
	                                     "verify-row messages 3 2\n");
	buf_free(&out);

	act = find_action(&p, "verify", "openssl pkey");
	assert_int_equal(run_action(dir, act, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "\nverify-row dkim 0 0\n"));
	buf_free(&out);

	act = find_action(&p, "verify", "SHOW TABLES");
	assert_int_equal(act->native, NATIVE_COMPARE);
	assert_int_equal(run_action(dir, act, &out), 1); /* amavisd.msgs: 8 rows on the source, 7 here */
	assert_string_equal(buf_cstr(&out), "source: 3 lines; target: 3 lines\n"
	                                     "verify-row accounts 12 12\n"
	                                     "verify-row databases 2 2\n"
	                                     "verify-row domains 2 2\n"
	                                     "verify-row rows 22 21\n"
	                                     "verify-row tables 3 3\n");
	buf_free(&out);

	/* the owner check prints its figure: 0 wrong on the source's side */
	act = find_action(&p, "verify", "! -user vmail");
	assert_non_null(strstr(act->cmd, "echo \"verify-row owners 0 $n\""));
	/* ... and a find that fails (a folder it may not read) is no "0 wrong" */
	put_file(dir, "bin/find", "#!/bin/sh\ncase \"$*\" in\n"
	                          "*'-user vmail'*) echo 'find: Permission denied' >&2; exit 1 ;;\n"
	                          "*'-user amavis'*) exit 0 ;;\nesac\nexec /usr/bin/find \"$@\"\n",
	         0755); /* the mail's finds fail, the keys' (the last) works */
	assert_int_equal(run_action(dir, act, &out), 1);
	assert_null(strstr(buf_cstr(&out), "verify-row owners"));
	buf_free(&out);

	plan_free(&p);
	answers_free(&a);
	free(text);
	free(opts);
	tu_rmrf(dir);
	free(dir);
}

static void test_fingerprint(void **state)
{
	struct answers a, b;
	struct plan p, q;
	char *t1 = conf("mariadb", "mariadb", ""), *t2 = conf("mariadb", "mariadb", "vmail_dir = /srv/mail\n");
	char f1[17], f2[17], f3[17];
	(void)state;

	build(&a, &p, t1);
	build(&b, &q, t2);
	plan_fingerprint(&p, f1);
	plan_fingerprint(&q, f2);
	assert_string_not_equal(f1, f2);
	plan_fingerprint(&p, f3);
	assert_string_equal(f1, f3);
	assert_int_equal(strlen(f1), 16);
	plan_free(&p);
	plan_free(&q);
	answers_free(&a);
	answers_free(&b);
	free(t1);
	free(t2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mariadb),
		cmocka_unit_test(test_pgsql),
		cmocka_unit_test(test_openldap),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_proofs),
		cmocka_unit_test(test_hostile_answers),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_verify_figures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
