/* Plan selection: the steps for each pair, in order, with their real
 * commands; pairs not built are refused with a message naming the pair. */
#include "plan_util.h"

#include "core/answers.h"
#include "core/journal.h"
#include "core/plan.h"
#include "app/session.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

static char *ids(const struct plan *p)
{
	struct buf b = {0};
	size_t i;
	for (i = 0; i < p->n; i++)
		buf_addf(&b, "%s%s", i ? " " : "", p->steps[i].step->id);
	return buf_steal(&b);
}

static const char full[] = "roundcube_release = /root/rc-1.7\ninstaller_dir = /root/iRedMail-1.8.1\n";
static const char all_ids[] = "preflight migration-key installer roundcube mailstore-bulk dkim config stop-services "
                              "census mailstore-final chown databases accounts verify start-services relay test "
                              "cutover remove-key decommission";

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
	assert_non_null(strstr(t, "\ndbs=vmail\n"));
	assert_non_null(strstr(t, "for db in $dbs; do"));
	assert_null(strstr(t, "slapadd"));
	free(t);
	t = step_text(&p, "databases");
	assert_non_null(strstr(t, "amavisd iredadmin iredapd roundcubemail"));
	/* never the mysql system database */
	assert_non_null(strstr(t, "\ndbs=\"amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban\"\n"));
	free(t);
	t = step_text(&p, "mailstore-final");
	assert_non_null(strstr(t, "--delete-after"));
	/* the target pulls, with the one-off key, every root the source listed */
	assert_non_null(strstr(t, "[target] b=/var/backups/mailshift\nvmail=/var/vmail\nlogin=root@old.example.org\n"
	                          "origin=old.example.org::mailshift\n"
	                          "ssh=\"ssh -F /dev/null -i /root/.ssh/mailshift-migration"));
	assert_non_null(strstr(t, "phase=final\n"));
	assert_non_null(strstr(t, "rs=(rsync -aHAXs --safe-links --numeric-ids --no-inc-recursive --stats -e \"$ssh\")"));
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
	assert_string_equal(s, "preflight migration-key mailstore-bulk dkim config stop-services census mailstore-final "
	                       "chown databases accounts verify start-services relay test cutover remove-key decommission");
	free(s);
	t = step_text(&p, "accounts");
	assert_non_null(strstr(t, "pg_dump --clean --if-exists"));
	assert_non_null(strstr(t, "ON_ERROR_STOP=1"));
	assert_null(strstr(t, "mysqldump"));
	free(t);
	t = step_text(&p, "preflight");
	assert_non_null(strstr(t, "editions=PGSQL\n"));
	free(t);
	plan_free(&p);
	answers_free(&a);
	free(text);
}

/* Pre-flight's first check on each host runs as written: the release file's
 * edition must be one of the backend's (MARIADB or MYSQL for mariadb), the
 * release read through a stand-in head. */
static void edition(const char *release, int want_refused)
{
	struct answers a;
	struct plan p;
	char *text = conf("mariadb", "mariadb", ""), *dir = tu_tmpdir(), *bin = xasprintf("%s/bin", dir);
	char *fake = xasprintf("#!/bin/sh\necho '%s'\n", release);
	struct buf out = {0};

	assert_int_equal(mkdir(bin, 0700), 0);
	put_file(bin, "head", fake, 0700);
	put_file(bin, "id", "#!/bin/sh\necho 0\n", 0700);
	build(&a, &p, text);
	run_action(dir, find_action_on(&p, "preflight", HOST_SOURCE, "editions="), &out);
	if (want_refused != (strstr(buf_cstr(&out), "expected an iRedMail MARIADB or MYSQL edition on the source") != NULL))
		fail_msg("release \"%s\": %s", release, buf_cstr(&out));
	assert_non_null(strstr(buf_cstr(&out), release));
	buf_free(&out);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(fake);
	free(bin);
	free(dir);
	free(text);
}

static void test_editions(void **state)
{
	(void)state;
	edition("1.8.1 MARIADB edition", 0);
	edition("1.8.1 MYSQL edition", 0);
	edition("1.8.1 PGSQL edition", 1);
	edition("1.8.1 OPENLDAP edition", 1);
	edition("1.8.1 MARIADBX edition", 1); /* a word, not a prefix */
}

/* The databases step's dumps run as written (stand-in mysql and
 * mysqldump): the source's go to BACKUP/dump and nowhere else; the
 * target's own to BACKUP/target-last, fresh each run, and the first of
 * each also to BACKUP/target-before, which a later run leaves as it was. */
static void test_dumps(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *bin = xasprintf("%s/bin", dir), *opts = xasprintf("backup_dir = %s/b\n", dir);
	char *text = conf("mariadb", "mariadb", opts), *path;
	const struct action *src, *dst;
	struct buf out = {0};
	struct stat st;
	int i;
	(void)state;

	assert_int_equal(mkdir(bin, 0700), 0);
	put_file(bin, "mysql", "#!/bin/sh\ncase \"$*\" in *amavisd*) echo amavisd ;; esac\n", 0700);
	put_file(bin, "mysqldump", "#!/bin/sh\necho \"-- dump $(cat \"$0.n\" 2>/dev/null)\"\n", 0700);
	build(&a, &p, text);
	src = find_action_on(&p, "databases", HOST_SOURCE, "bzip2");
	dst = find_action_on(&p, "databases", HOST_TARGET, "bzip2");
	assert_int_equal(run_action(dir, src, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "iredadmin: not on this host"));
	buf_free(&out);
	path = xasprintf("%s/b/dump/amavisd.sql.bz2", dir);
	assert_int_equal(stat(path, &st), 0);
	free(path);
	path = xasprintf("%s/b/target-before", dir);
	assert_int_equal(stat(path, &st), -1); /* the source keeps no state before */
	free(path);
	for (i = 1; i <= 2; i++) { /* two runs on the target, two different dumps */
		char *n = xasprintf("%d", i);
		put_file(bin, "mysqldump.n", n, 0600);
		free(n);
		assert_int_equal(run_action(dir, dst, &out), 0);
		buf_free(&out);
	}
	{
		char *cmd = xasprintf("bzcat %s/b/target-last/amavisd.sql.bz2 %s/b/target-before/amavisd.sql.bz2", dir, dir);
		char *const argv[] = { (char *)"sh", (char *)"-c", cmd, NULL };
		assert_int_equal(tu_capture(argv, &out), 0);
		assert_string_equal(buf_cstr(&out), "-- dump 2\n-- dump 1\n"); /* last fresh, before the first */
		buf_free(&out);
		free(cmd);
	}
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(text);
	free(opts);
	free(bin);
	free(dir);
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
	/* no relay (relay_during_cutover = no): the old queue is handed over, and that is all */
	assert_string_equal(s, "preflight migration-key dkim config stop-services census mailstore-final chown databases "
	                       "accounts verify start-services old-queue test cutover remove-key decommission");
	free(s);
	t = step_text(&p, "accounts");
	assert_non_null(strstr(t, "slapcat"));
	assert_non_null(strstr(t, "slapadd \"${conf[@]}\" -q -b \"$suffix\""));
	assert_non_null(strstr(t, "mailshift-before"));
	assert_null(strstr(t, "dbs=vmail"));
	assert_null(strstr(t, "for db in"));
	free(t);
	/* the other iRedMail databases live in MariaDB in the LDAP edition */
	t = step_text(&p, "databases");
	assert_non_null(strstr(t, "mysqldump"));
	free(t);
	/* relay off: the old queue is handed over (drain: nothing accepted), after a verify pass */
	t = step_text(&p, "old-queue");
	assert_non_null(strstr(t, "mode=drain\n"));
	assert_non_null(strstr(t, "the verify step has not passed on the current census"));
	assert_non_null(strstr(t, "master_service_disable"));
	free(t);
	/* relay off: the cutover only prints the checklist */
	ci = plan_find(&p, "cutover");
	for (i = 0; i < p.steps[ci].n; i++)
		assert_false(p.steps[ci].act[i].flags & ACT_DESTRUCTIVE);
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
	assert_int_equal(steps_plan(&p, &a, err, sizeof err), -1);
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
	refused("[source]\nstack = postfix-dovecot\nhost = a\n[target]\nstack = sendmail-mbox\nhost = b\n",
	        "migrating postfix-dovecot to sendmail-mbox is not built yet: mailshift has plans for iredmail to "
	        "iredmail with the same backend, postfix-dovecot to postfix-dovecot, sendmail-mbox to postfix-dovecot, "
	        "sendmail-mbox to sendmail-mbox");
	refused("[source]\nstack = iredmail\nbackend = openldap\nhost = a\n[target]\nstack = postfix-dovecot\nhost = b\n",
	        "migrating iredmail/openldap to postfix-dovecot is not built yet");
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
	/* ... and the live tree is never handed to the web server user: root
	 * upgrades it; the only owner changes put back the saved ones */
	{
		int ri = plan_find(&p, "roundcube");
		size_t k;
		for (k = 0; k < p.steps[ri].n; k++) {
			assert_null(strstr(p.steps[ri].act[k].cmd, "www-data"));
			assert_null(strstr(p.steps[ri].act[k].cmd, "chmod -R"));
			assert_null(strstr(p.steps[ri].act[k].cmd, "chown -R"));
		}
	}
	/* DKIM: fingerprints compared, never advisory */
	act = find_action(&p, "dkim", "comm -23");
	assert_non_null(act->input);
	assert_false(act->flags & ACT_ADVISORY);
	/* config: diffs masked; the selected files carried, confirmed */
	act = find_action(&p, "config", "diff -u");
	assert_non_null(strstr(act->cmd, "(masked)"));
	act = find_action(&p, "config", "read -r -a files");
	assert_true(act->flags & ACT_DESTRUCTIVE);
	assert_non_null(strstr(act->cmd, "\ncarry=\"/etc/postfix/header_checks /etc/dovecot/conf.d/90-quota.conf\"\n"));
	assert_non_null(strstr(act->cmd, "read -r -a files <<< \"$carry\"\n"));
	/* pre-flight: the accounts and roots as the source's Dovecot resolves them */
	act = find_action(&p, "preflight", "mailbox path -F");
	assert_int_equal(act->on, HOST_SOURCE);
	act = find_action(&p, "preflight", "broken before the");
	assert_true(act->flags & ACT_ADVISORY);
	act = find_action(&p, "preflight", "ms_accept_roots\n");
	assert_int_equal(act->on, HOST_TARGET);
	assert_string_equal(act->input, "roots");
	/* the census: on the source once it is stopped, again anew in delta */
	act = find_action(&p, "census", "mode=delta");
	assert_int_equal(act->on, HOST_SOURCE);
	act = find_action(&p, "census", "side=source");
	assert_int_equal(act->on, HOST_SOURCE);
	/* the copies: every root; the final one deletes only inside the roots */
	act = find_action(&p, "mailstore-final", "phase=final");
	assert_true(act->flags & ACT_DESTRUCTIVE);
	assert_non_null(strstr(act->cmd, "--delete-after"));
	/* verify: the census compared, keys and owners, the pass recorded on the source */
	find_action(&p, "verify", "side=target");
	find_action(&p, "verify", "comm -3 -- \"$c/source.tsv\"");
	find_action(&p, "verify", "openssl pkey");
	find_action(&p, "verify", "mode=check");
	act = find_action(&p, "verify", "sha256sum < \"$b/census/source.tsv\"");
	assert_int_equal(act->on, HOST_SOURCE);
	assert_string_equal(act->input, "census_pass");
	/* a resume inside the databases or accounts step dumps again: what it
	 * fetched (a hostile dump) may be what made the restore fail */
	assert_true(plan_step_restarts(&p.steps[plan_find(&p, "databases")]));
	assert_true(plan_step_restarts(&p.steps[plan_find(&p, "accounts")]));
	assert_false(plan_step_restarts(&p.steps[plan_find(&p, "mailstore-final")]));
	/* the relay and the switch refuse without a pass on the current census */
	/* ... checked before anything changes: first the old server's addresses,
	 * the new server lets them past its policy daemon, then the relay */
	act = find_action(&p, "relay", "the verify step has not passed on the current census");
	assert_string_equal(act->capture, "relay_from");
	act = find_action(&p, "relay", "mailshift_relay.cidr");
	assert_int_equal(act->on, HOST_TARGET);
	assert_string_equal(act->input, "relay_from");
	assert_true(act->flags & ACT_DESTRUCTIVE);
	/* every address relayed (a regexp table, first), the queue too, no loop */
	act = find_action(&p, "relay", "mode=relay\n");
	assert_non_null(strstr(act->cmd, "the verify step has not passed on the current census"));
	assert_non_null(strstr(act->cmd, "transport_maps = regexp:/etc/postfix/mailshift_transport.regexp"));
	assert_non_null(strstr(act->cmd, "postqueue -f"));
	assert_non_null(strstr(act->cmd, "mailshift-relay/unix/myhostname="));
	find_action(&p, "cutover", "the verify step has not passed on the current census");
	/* test: the target's Dovecot against the census, a message through Postfix, removed (confirmed) */
	find_action(&p, "test", "'mailbox-guid uid flags'");
	act = find_action(&p, "test", "sendmail -f");
	assert_string_equal(act->capture, "test_message");
	/* ... and one from the old server over SMTP: the target names the
	 * mailbox, the source sends to the target's address, the target waits */
	act = find_action(&p, "test", "\nmode=pick\n");
	assert_string_equal(act->capture, "inbound");
	assert_int_equal(act->on, HOST_TARGET);
	act = find_action(&p, "test", steps_sh_test_inbound);
	assert_string_equal(act->input, "inbound");
	assert_int_equal(act->on, HOST_SOURCE);
	assert_non_null(strstr(act->cmd, "t=new.example.org\n"));
	act = find_action(&p, "test", "\nmode=wait\n");
	assert_string_equal(act->input, "inbound");
	assert_int_equal(act->on, HOST_TARGET);
	act = find_action(&p, "test", "doveadm expunge");
	assert_true(act->flags & ACT_DESTRUCTIVE);
	assert_true(act > find_action(&p, "test", "\nmode=wait\n")); /* removed after it arrived */
	/* seed 004's outbound check (an iRedMail target): a throwaway sender
	 * for the chosen mailbox, its message through port 587 signed with
	 * DKIM, the signing key one of the source's; the sender removed last */
	act = find_action(&p, "test", "\nmode=make\n");
	assert_string_equal(act->input, "outbound");
	assert_non_null(strstr(act->cmd, steps_sh_test_sender));
	assert_false(act->flags & ACT_DESTRUCTIVE);
	act = find_action(&p, "test", steps_sh_test_outbound);
	assert_string_equal(act->input, "outbound");
	assert_int_equal(act->on, HOST_TARGET);
	assert_non_null(strstr(act->cmd, "k=/var/lib/dkim\n"));
	act = find_action(&p, "test", steps_sh_test_dkim_source);
	assert_string_equal(act->input, "signing_keys");
	assert_int_equal(act->on, HOST_TARGET);
	act = find_action(&p, "test", "\nmode=remove\n");
	assert_true(act->flags & ACT_DESTRUCTIVE);
	assert_true(act > find_action(&p, "test", steps_sh_test_dkim_source));
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

/* verify's comparisons print their figures ("mailshift-figure KEY SOURCE
 * TARGET"), counted on each side, before they fail on a difference: run
 * here with the source's side listed into its file first (SIDE=8), the
 * target's fetch of it a stub of rsync, and a MariaDB stub whose one table
 * has a row more on the source. */
static void test_verify_figures(void **state)
{
	struct answers a;
	struct plan p;
	struct buf out = {0};
	char *dir = tu_tmpdir(), *opts, *text, *sh;
	const struct action *act;
	(void)state;

	sh = xasprintf("mkdir -p %s/bin %s/dkim %s/vmail/vmail1 %s/b/census %s/b/discovery && cd %s/b/census && "
	               "printf 'A\\ta@x\\t1\\t2\\t300\\t0\\nF\\ta@x\\tINBOX\\t2\\t300\\t0\\t5\\t3\\tS2\\tg1\\n"
	               "M\\ta@x\\tINBOX\\tm1\\t1\\tS\\t100\\t-\\nM\\ta@x\\tINBOX\\tm2\\t2\\tS\\t200\\t-\\n' > source.tsv && "
	               "grep -v m2 source.tsv | sed 's/\\t2\\t300\\t/\\t1\\t100\\t/' > target.tsv && "
	               "printf '%s/vmail/vmail1\\tmail\\troot:root\\t700\\n' > ../discovery/roots.tsv",
	               dir, dir, dir, dir, dir, dir, dir);
	{
		char *const argv[] = { (char *)"sh", (char *)"-c", sh, NULL };
		assert_int_equal(tu_capture(argv, &out), 0);
		buf_free(&out);
	}
	free(sh);
	/* the target fetches the source's list through the key's gate: rsync
	 * from HOST::mailshift/PATH, here a copy of PATH; no ssh runs anything */
	put_file(dir, "bin/rsync", "#!/bin/bash\nfor a; do case $a in *::mailshift/*) src=/${a#*::mailshift/} ;; esac; "
	         "last=$a; done\nexec cp -- \"$src\" \"$last\"\n", 0755);
	put_file(dir, "bin/ssh", "#!/bin/sh\necho 'no command may run on the source' >&2; exit 1\n", 0755);
	/* MariaDB as inventory.sh asks it: vmail (12 mailboxes, 2 domains) and amavisd.msgs,
	 * 8 rows on the source (SIDE=8), 7 here */
	put_file(dir, "bin/mysql",
	         "#!/bin/sh\ncase \"$*\" in\n"
	         "*\"SHOW DATABASES LIKE 'vmail'\"*|*\"SHOW DATABASES LIKE 'amavisd'\"*) echo x ;;\n"
	         "*'SHOW DATABASES'*) ;;\n"
	         "*\"table_schema = 'vmail'\"*) printf 'mailbox\\ndomain\\n' ;;\n"
	         "*\"table_schema = 'amavisd'\"*) echo msgs ;;\n"
	         "*'FROM `vmail`.`mailbox`'*) echo 12 ;;\n*'FROM `vmail`.`domain`'*) echo 2 ;;\n"
	         "*'COUNT(*)'*) echo \"${SIDE:-7}\" ;;\n"
	         "*'FROM vmail.mailbox'*) printf 'u@x\\t/var/vmail\\tvmail1\\tx/u/\\n' ;;\n"
	         "*'FROM vmail.domain'*) echo x ;;\nesac\n", 0755);

	opts = xasprintf("vmail_dir = %s/vmail\ndkim_dir = %s/dkim\nbackup_dir = %s/b\n", dir, dir, dir);
	text = conf("mariadb", "mariadb", opts);
	build(&a, &p, text);

	/* the census: a message only the source has, named with its account */
	act = find_action(&p, "verify", "comm -3 -- \"$c/source.tsv\"");
	assert_int_equal(run_action(dir, act, &out), 1);
	assert_non_null(strstr(buf_cstr(&out), "mailshift-figure census 1 1\n"
	                                       "mailshift-figure folders 1 1\n"
	                                       "mailshift-figure messages 2 1\n"
	                                       "mailshift-figure bytes 300 100\n"
	                                       "mailshift-figure differ 0 1\n"));
	assert_non_null(strstr(buf_cstr(&out), "a@x: INBOX: 2 messages on the source, 1 on the target"));
	assert_non_null(strstr(buf_cstr(&out), "INBOX: 1 message(s) missing on the target (m2)"));
	buf_free(&out);
	{ /* no pass recorded for the cutover */
		char *v = xasprintf("%s/b/census/verified", dir);
		assert_int_equal(access(v, F_OK), -1);
		free(v);
	}

	act = find_action_on(&p, "verify", HOST_SOURCE, "openssl pkey");
	assert_int_equal(run_action(dir, act, &out), 0);
	buf_free(&out);
	act = find_action_on(&p, "verify", HOST_TARGET, "openssl pkey");
	assert_int_equal(run_action(dir, act, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "\nmailshift-figure dkim 0 0\n"));
	buf_free(&out);

	act = find_action_on(&p, "verify", HOST_SOURCE, "SHOW DATABASES LIKE");
	assert_int_equal(act->native, NATIVE_PREP); /* mailshift's comparison reads the source itself */
	setenv("SIDE", "8", 1);
	assert_int_equal(run_action(dir, act, &out), 0);
	unsetenv("SIDE");
	assert_non_null(strstr(buf_cstr(&out), "5 lines in "));
	buf_free(&out);
	act = find_action_on(&p, "verify", HOST_TARGET, "SHOW DATABASES LIKE");
	assert_int_equal(act->native, NATIVE_COMPARE);
	assert_int_equal(run_action(dir, act, &out), 1); /* amavisd.msgs: 8 rows on the source, 7 here */
	assert_non_null(strstr(buf_cstr(&out), "source: 5 lines; target: 5 lines\n"
	                                       "mailshift-figure accounts 1 1\n"
	                                       "mailshift-figure databases 2 2\n"
	                                       "mailshift-figure domains 1 1\n"
	                                       "mailshift-figure rows 22 21\n"
	                                       "mailshift-figure tables 3 3\n"));
	assert_non_null(strstr(buf_cstr(&out), "\ttable amavisd.msgs rows 7\ntable amavisd.msgs rows 8\n"));
	buf_free(&out);

	/* the owner check prints its figure: 0 wrong on the source's side */
	act = find_action(&p, "verify", "mode=check");
	assert_non_null(strstr(act->cmd, "echo \"mailshift-figure owners 0 $bad\""));
	/* ... and a root in a system directory (here /tmp) is refused, not checked: no figure */
	assert_int_equal(run_action(dir, act, &out), 1);
	assert_null(strstr(buf_cstr(&out), "mailshift-figure owners"));
	assert_non_null(strstr(buf_cstr(&out), "/vmail/vmail1 lies in /tmp, a system directory"));
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

/* clean_source: the last step removes the source's copies that hold
 * secrets, confirmed, nothing else; without it there is no such step.  The
 * end of a run names what holds secrets on each server. */
static void test_clean_source(void **state)
{
	struct answers a;
	struct plan p;
	char *text, *said;
	int si;
	(void)state;

	text = conf("pgsql", "pgsql", "");
	build(&a, &p, text);
	assert_int_equal(plan_find(&p, "clean-source"), -1);
	said = steps_secrets(&a);
	assert_non_null(strstr(said, "  source  /var/backups/mailshift/dump (database dumps: password hashes)"));
	assert_non_null(strstr(said, "clean_source = yes removes them at the end"));
	assert_non_null(strstr(said, "  target  /var/backups/mailshift/dump (the source's dumps)"));
	free(said);
	plan_free(&p);
	answers_free(&a);
	free(text);

	text = conf("pgsql", "pgsql", "clean_source = yes\n");
	build(&a, &p, text);
	si = plan_find(&p, "clean-source");
	assert_int_equal(si, (int)p.n - 2); /* then decommission, the last */
	assert_int_equal(plan_find(&p, "decommission"), (int)p.n - 1);
	assert_int_equal(p.steps[si].n, 1);
	assert_int_equal(p.steps[si].act[0].on, HOST_SOURCE);
	assert_true(p.steps[si].act[0].flags & ACT_DESTRUCTIVE);
	assert_non_null(strstr(p.steps[si].act[0].cmd, "for f in dump source-config.tar.gz roundcube-before-upgrade.tar.gz; do"));
	assert_non_null(strstr(p.steps[si].act[0].cmd, "rm -rf -- \"${b:?}/$f\""));
	said = steps_secrets(&a);
	assert_non_null(strstr(said, "unless the step clean-source removed them"));
	free(said);
	plan_free(&p);
	answers_free(&a);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mariadb),
		cmocka_unit_test(test_pgsql),
		cmocka_unit_test(test_editions),
		cmocka_unit_test(test_dumps),
		cmocka_unit_test(test_openldap),
		cmocka_unit_test(test_clean_source),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_proofs),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_verify_figures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
