/* The stacks: the profiles the steps ask, the steps of the system-user
 * stacks (users, aliases, the POP3 and packages checks, mbox -> Maildir),
 * built alone and run where they can run here, and the pairs they make. */
#include "plan_util.h"

#include "core/figures.h"
#include "steps/profile.h"

/* What differs between stacks is the profiles' data, and the steps ask
 * them: the units each host stops and starts, the databases moved. */
static void test_profiles(void **state)
{
	struct answers a;
	struct plan p;
	char *t = conf("openldap", "openldap", "");
	const struct endpoint pd = { .stack = STACK_POSTFIX_DOVECOT }, sm = { .stack = STACK_SENDMAIL_MBOX };
	char *w;
	(void)state;

	assert_string_equal(profile_of(&pd)->name, "postfix-dovecot");
	assert_int_equal(profile_of(&pd)->accounts, PROFILE_ACCOUNTS_SYSTEM);
	assert_int_equal(profile_of(&sm)->store, PROFILE_MBOX);
	w = profile_units_words(profile_of(&sm)->mail_units);
	assert_string_equal(w, "fetchmail sendmail dovecot cron crond"); /* Debian's and RHEL's names */
	free(w);
	build(&a, &p, t);
	assert_string_equal(profile_of(&a.source)->account_dbs, ""); /* LDAP: no vmail database */
	find_action_on(&p, "stop-services", HOST_SOURCE, "units=\"postfix dovecot amavis amavisd ");
	find_action_on(&p, "start-services", HOST_TARGET, "live_units=\"postfix dovecot\"");
	find_action_on(&p, "start-services", HOST_TARGET, "data_units=\"mariadb mysql mysqld postgresql slapd\"");
	find_action_on(&p, "databases", HOST_SOURCE, "dbs=\"amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban\"");
	plan_free(&p);
	answers_free(&a);
	free(t);
}


/* Step users (steps/users.c), in no pair table yet: built alone for a
 * postfix-dovecot pair.  Every action runs on the target; none captures a
 * value (no hash travels through mailshift); the source's files come
 * through the one-off key's gate; no hash is ever on a command line; the
 * options' range reaches the fragment.  Then the real text of the action
 * that chooses the users runs on a backup directory of files written here. */
static void plan_check(const struct answers *a, struct plan_step *ps)
{
	steps_plan_users_check(ps, a);
}

static void test_users(void **state)
{
	static const struct step check_step = { .id = "users-check", .title = "t", .why = "t", .plan = plan_check };
	struct answers a;
	struct plan p;
	char err[512], *dir = tu_tmpdir(), *text, *path;
	const struct plan_step *ps;
	size_t i;
	(void)state;

	text = xasprintf("[source]\nstack = postfix-dovecot\nhost = old.example.org\n"
	                 "[target]\nstack = postfix-dovecot\nhost = new.example.org\n"
	                 "[options]\nbackup_dir = %s\nusers_uid_min = 500\n", dir);
	if (answers_parse(&a, "t.conf", text, err, sizeof err) < 0)
		fail_msg("%s", err);
	/* the pair is built */
	assert_int_equal(steps_check_pair(&a, err, sizeof err), 0);
	plan_build(&p, &a, (const struct step *const[]){ &step_users, NULL });
	assert_int_equal(p.n, 1);
	ps = &p.steps[0];
	assert_string_equal(ps->step->id, "users");
	assert_int_equal(ps->n, 4);
	assert_false(plan_step_captures(ps));
	for (i = 0; i < ps->n; i++) {
		assert_int_equal(ps->act[i].on, HOST_TARGET);
		assert_null(ps->act[i].capture);
		assert_null(ps->act[i].input);
		assert_null(strstr(ps->act[i].cmd, "usermod -p"));
		assert_null(strstr(ps->act[i].cmd, "useradd -p"));
	}
	/* the pull: over the key, from the gate's module, the source's files only */
	assert_non_null(strstr(ps->act[0].cmd, "ssh=\"ssh -F /dev/null -i /root/.ssh/mailshift-migration "));
	assert_non_null(strstr(ps->act[0].cmd, "origin=old.example.org::" STEPS_MODULE "\n"));
	assert_non_null(strstr(ps->act[0].cmd, "rsync -asz --no-links -e \"$ssh\" -- \"${args[@]}\" \"$d/\""));
	assert_non_null(strstr(ps->act[0].cmd, "ms_pull \"$u\" /etc/passwd /etc/shadow /etc/group ||"));
	/* the range of the options, the source's where unset */
	assert_non_null(strstr(ps->act[1].cmd, "uid_min=500\nuid_max=\"\"\n"));
	assert_non_null(strstr(ps->act[2].cmd, "| perl -e '"));
	assert_non_null(strstr(ps->act[3].cmd, "sysroot=\"\"\nmode=create\n"));
	assert_non_null(strstr(ps->act[3].cmd, "chpasswd -e \"${R[@]}\""));

	/* the action that chooses the users, as it runs: the awk program
	 * arrives whole through the prologue; alice moves, root and a line
	 * with a control byte in its name are not */
	path = xasprintf("%s/users", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	free(path);
	path = xasprintf("%s/users/passwd", dir);
	tu_write(path, "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001:Alice:/home/alice:/bin/bash\n");
	free(path);
	path = xasprintf("%s/users/shadow", dir);
	tu_write(path, "root:*:1::::::\nalice:$6$s$h:19000:0:99999:7:::\n");
	free(path);
	path = xasprintf("%s/users/group", dir);
	tu_write(path, "root:x:0:\nalice:x:1001:\n");
	free(path);
	{
		char *cmd = xasprintf("%s\n%s", PLAN_PREAMBLE, ps->act[1].cmd);
		char *const argv[] = { (char *)"bash", (char *)"-c", cmd, NULL };
		struct buf out = {0};

		assert_int_equal(tu_capture(argv, &out), 0);
		assert_non_null(strstr(buf_cstr(&out), "the real users: uids 500 (users_uid_min) to 65533"));
		free(cmd);
		buf_free(&out);
		path = xasprintf("%s/users/move/users.tsv", dir);
		free(text);
		text = tu_read(path);
		assert_string_equal(text, "alice\t1001\t1001\t/home/alice\t/bin/bash\tAlice\n");
		free(path);
		path = xasprintf("%s/users/passwd", dir);
		tu_write(path, "root:x:0:0:root:/root:/bin/bash\nal\033ice:x:1001:1001:Alice:/home/alice:/bin/bash\n");
		free(path);
		cmd = xasprintf("exec 2>&1\n%s\n%s", PLAN_PREAMBLE, ps->act[1].cmd);
		{
			char *const argv2[] = { (char *)"bash", (char *)"-c", cmd, NULL };
			assert_int_equal(tu_capture(argv2, &out), 1);
		}
		assert_non_null(strstr(buf_cstr(&out), "refused: passwd line 2, \"al?ice\": is not a user name"));
		free(cmd);
		buf_free(&out);
	}
	plan_free(&p);

	/* pre-flight's part: the same reading and the hash check, the
	 * conflicts checked, nothing created */
	plan_build(&p, &a, (const struct step *const[]){ &check_step, NULL });
	ps = &p.steps[0];
	assert_int_equal(ps->n, 4);
	assert_false(plan_step_captures(ps));
	assert_non_null(strstr(ps->act[2].cmd, "| perl -e '"));
	assert_non_null(strstr(ps->act[3].cmd, "mode=check\n"));
	for (i = 0; i < ps->n; i++)
		assert_int_equal(ps->act[i].on, HOST_TARGET);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(dir);
	free(text);
}

/* Pre-flight's checks for the system-user stacks (steps/preflight.c), in a
 * test-local step: the source's readings captured, the target's comparisons
 * fed them; run here with the servers' tools faked in dir/bin. */
#include "core/figures.h"
#include "steps/sh.h"

static void plan_pfcheck(const struct answers *a, struct plan_step *ps)
{
	steps_plan_pop3_check(ps, a);
	steps_plan_packages_check(ps, a);
}

/* Runs one action as run_action does, value on its stdin (dir/in). */
static int run_fed(const char *dir, const struct action *act, const char *value, struct buf *out)
{
	char *in = xasprintf("%s/in", dir), *script;
	int rc;

	tu_write(in, value);
	script = xasprintf("exec 2>&1 <%s\nPATH=%s/bin:$PATH\n%s\n%s", in, dir, PLAN_PREAMBLE, act->cmd);
	{
		char *const argv[] = { (char *)"bash", (char *)"-c", script, NULL };
		rc = tu_capture(argv, out);
	}
	free(script);
	free(in);
	return rc;
}

/* The one pop3-uidl figure of out, parsed (fails the test without one). */
static void pop3_figure(const char *out, struct figure *f)
{
	const char *line = strstr(out, FIGURES_PREFIX " pop3-uidl ");
	char *text;

	assert_non_null(line);
	text = xstrndup(line, strcspn(line, "\n"));
	assert_int_equal(figures_parse(text, f), 1);
	free(text);
}

static void test_preflight_checks(void **state)
{
	static const struct step step_x = { .id = "pfcheck", .title = "t", .why = "t", .plan = plan_pfcheck };
	struct answers a;
	struct plan p;
	struct buf src = {0}, out = {0};
	struct figures fs = {0};
	struct figure f;
	char err[512], line[256], *dir = tu_tmpdir(), *text, *path;
	const struct plan_step *ps;
	(void)state;

	text = xasprintf("[source]\nstack = postfix-dovecot\nhost = old.example.org\n"
	                 "[target]\nstack = postfix-dovecot\nhost = new.example.org\n"
	                 "[options]\nbackup_dir = %s\n", dir);
	if (answers_parse(&a, "t.conf", text, err, sizeof err) < 0)
		fail_msg("%s", err);
	plan_build(&p, &a, (const struct step *const[]){ &step_x, NULL });
	assert_int_equal(p.n, 1);
	ps = &p.steps[0];
	assert_int_equal(ps->n, 4);
	/* pop3: the source's reading is the value the target's comparison reads; a stop */
	assert_int_equal(ps->act[0].on, HOST_SOURCE);
	assert_int_equal(ps->act[0].flags, 0);
	assert_string_equal(ps->act[0].capture, "pop3_uidl");
	assert_null(ps->act[0].input);
	assert_int_equal(ps->act[1].on, HOST_TARGET);
	assert_int_equal(ps->act[1].flags, 0);
	assert_null(ps->act[1].capture);
	assert_string_equal(ps->act[1].input, "pop3_uidl");
	assert_non_null(strstr(ps->act[0].cmd, "side=source\n"));
	assert_null(strstr(ps->act[0].cmd, steps_sh_preflight_pop3_compare));
	assert_non_null(strstr(ps->act[1].cmd, "side=target\n"));
	assert_non_null(strstr(ps->act[1].cmd, steps_sh_preflight_pop3_compare));
	/* packages: advisory on both sides, the same kind of hand-over */
	assert_int_equal(ps->act[2].on, HOST_SOURCE);
	assert_int_equal(ps->act[2].flags, ACT_ADVISORY);
	assert_string_equal(ps->act[2].capture, "packages");
	assert_int_equal(ps->act[3].on, HOST_TARGET);
	assert_int_equal(ps->act[3].flags, ACT_ADVISORY);
	assert_string_equal(ps->act[3].input, "packages");
	assert_non_null(strstr(ps->act[3].cmd, steps_sh_preflight_packages_compare));

	/* doveconf answers from dir/protocols and dir/uidl; dpkg from dir/status */
	path = xasprintf("%s/bin", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	free(path);
	put_file(dir, "bin/doveconf", "#!/bin/sh\nd=${0%/bin/*}\ncase \"$2\" in protocols) cat \"$d/protocols\" ;; "
	         "pop3_uidl_format) cat \"$d/uidl\" ;; *) exit 89 ;; esac\n", 0755);
	put_file(dir, "bin/dpkg-query", "#!/bin/sh\nd=${0%/bin/*}\ncase \"$2\" in *Package*) cat \"$d/status\" ;; "
	         "*) printf 'install ok installed' ;; esac\n", 0755);
	put_file(dir, "protocols", "imap pop3 lmtp\n", 0600);
	put_file(dir, "uidl", "%08Xu%08Xv\n", 0600);
	assert_int_equal(run_action(dir, &ps->act[0], &src), 0);
	pop3_figure(buf_cstr(&src), &f);
	assert_string_equal(f.source, "+08Xu+08Xv");
	assert_string_equal(f.target, "-");
	f.kind = FIGURES_SURVEY;
	figures_set(&fs, &f);
	/* the target makes them another way: a stop, naming what to set */
	put_file(dir, "uidl", "%u\n", 0600);
	assert_int_equal(run_fed(dir, &ps->act[1], buf_cstr(&src), &out), 1);
	assert_non_null(strstr(buf_cstr(&out), "Set pop3_uidl_format = %08Xu%08Xv in the target's Dovecot"));
	pop3_figure(buf_cstr(&out), &f);
	assert_string_equal(f.source, "-");
	assert_string_equal(f.target, "+u");
	f.kind = FIGURES_SURVEY;
	figures_set(&fs, &f);
	assert_int_equal(fs.n, 1);
	assert_string_equal(fs.v[0].source, "+08Xu+08Xv");
	assert_string_equal(fs.v[0].target, "+u");
	figures_line(line, sizeof line, &fs.v[0]); /* described, no verdict: the action decides */
	assert_string_equal(line, "  POP3 UIDL format         +08Xu+08Xv           +u");
	buf_free(&out);
	put_file(dir, "uidl", "%08Xu%08Xv\n", 0600);
	assert_int_equal(run_fed(dir, &ps->act[1], buf_cstr(&src), &out), 0);
	buf_free(&out);
	buf_free(&src);

	/* packages: the source's fetchmail, which the target lacks, named */
	put_file(dir, "status", "install ok installed fetchmail\ninstall ok installed amavisd-new\n", 0600);
	assert_int_equal(run_action(dir, &ps->act[2], &src), 0);
	assert_non_null(strstr(buf_cstr(&src), "package manager: dpkg\ninstalled: amavisd-new\ninstalled: fetchmail\n"));
	put_file(dir, "status", "install ok installed amavisd-new\n", 0600);
	assert_int_equal(run_fed(dir, &ps->act[3], buf_cstr(&src), &out), 1);
	assert_non_null(strstr(buf_cstr(&out), "missing on the target: fetchmail, "));
	assert_null(strstr(buf_cstr(&out), "missing on the target: amavisd"));
	buf_free(&out);
	buf_free(&src);

	figures_free(&fs);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(dir);
	free(text);
}

/* Step aliases (steps/aliases.c), in no pair table yet: built alone for a
 * postfix-dovecot pair.  Every action runs on the target and none captures
 * a value; the source's file comes through the one-off key's gate; the
 * files are the profiles'.  Then the real text of the action that checks
 * the source's entries runs on a backup directory of files written here. */
static void test_aliases(void **state)
{
	struct answers a;
	struct plan p;
	char err[512], *dir = tu_tmpdir(), *text, *path, *cmd;
	const struct plan_step *ps;
	struct buf out = {0};
	size_t i;
	(void)state;

	text = xasprintf("[source]\nstack = sendmail-mbox\nhost = old.example.org\n"
	                 "[target]\nstack = postfix-dovecot\nhost = new.example.org\n"
	                 "[options]\nbackup_dir = %s\n", dir);
	if (answers_parse(&a, "t.conf", text, err, sizeof err) < 0)
		fail_msg("%s", err);
	assert_int_equal(steps_check_pair(&a, err, sizeof err), 0); /* built now */
	plan_build(&p, &a, (const struct step *const[]){ &step_aliases, NULL });
	assert_int_equal(p.n, 1);
	ps = &p.steps[0];
	assert_string_equal(ps->step->id, "aliases");
	assert_int_equal(ps->n, 3);
	assert_false(plan_step_captures(ps));
	for (i = 0; i < ps->n; i++) {
		assert_int_equal(ps->act[i].on, HOST_TARGET);
		assert_null(ps->act[i].capture);
		assert_null(ps->act[i].input);
	}
	/* the pull: over the key, from the gate's module, with lib-target's rsync */
	assert_non_null(strstr(ps->act[0].cmd, "ssh=\"ssh -F /dev/null -i /root/.ssh/mailshift-migration "));
	assert_non_null(strstr(ps->act[0].cmd, "origin=old.example.org::" STEPS_MODULE "\n"));
	assert_non_null(strstr(ps->act[0].cmd, "rsync -asz --no-links -e \"$ssh\" -- \"${args[@]}\" \"$d/\""));
	assert_non_null(strstr(ps->act[0].cmd, "if ! e=$(ms_pull \"$d/pull\" \"$src_aliases\" 2>&1); then"));
	assert_non_null(strstr(ps->act[0].cmd, "src_aliases=/etc/aliases\n"));
	/* the merge: the target's own file (its profile's), the real one, newaliases */
	assert_non_null(strstr(ps->act[2].cmd, "sysroot=\"\"\naliases_file=/etc/aliases\nsource=old.example.org\n"));
	assert_non_null(strstr(ps->act[2].cmd, "\nnewaliases ||"));
	assert_null(strstr(ps->act[1].cmd, "rsync"));
	assert_null(strstr(ps->act[2].cmd, "rsync"));

	/* the action that checks the source's entries, as it runs: the awk
	 * program arrives whole through the prologue; an entry with a control
	 * byte in its name is named by its line, shown with ? */
	path = xasprintf("%s/aliases", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	free(path);
	path = xasprintf("%s/aliases/source-aliases", dir);
	tu_write(path, "# the source's\nsales: alice,\n  bob\nsupport: \"|/usr/bin/t a, b\"\n");
	cmd = xasprintf("exec 2>&1\n%s\n%s", PLAN_PREAMBLE, ps->act[1].cmd);
	{
		char *const argv[] = { (char *)"bash", (char *)"-c", cmd, NULL };
		assert_int_equal(tu_capture(argv, &out), 0);
	}
	assert_non_null(strstr(buf_cstr(&out), "/etc/aliases: 2 alias(es), every line checked; 1 target(s)"));
	buf_free(&out);
	free(text);
	free(path);
	path = xasprintf("%s/aliases/source.tsv", dir);
	text = tu_read(path);
	assert_string_equal(text, "A\tsales\t2\talice, bob\nA\tsupport\t4\t\"|/usr/bin/t a, b\"\n"
	                          "R\tsupport\t4\tpipe\t\"|/usr/bin/t a, b\"\n");
	free(path);
	path = xasprintf("%s/aliases/source-aliases", dir);
	tu_write(path, "root: admin\nsa\033les: alice\n");
	{
		char *const argv[] = { (char *)"bash", (char *)"-c", cmd, NULL };
		assert_int_equal(tu_capture(argv, &out), 1);
	}
	assert_non_null(strstr(buf_cstr(&out), "refused: line 2, \"sa?les\": holds a byte that is not printable text"));
	assert_null(strchr(buf_cstr(&out), '\033'));
	buf_free(&out);
	free(cmd);
	free(path);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(dir);
	free(text);
}

/* mbox -> Maildir (steps/census.c): the Dovecot census on each side and the
 * conversion, built alone for a sendmail-mbox -> postfix-dovecot pair.  The
 * users come from the users step's list on the target; the source gets
 * their names as a value and writes its census where the census step's
 * fetch reads it; every value reaches the shell through the
 * prologue, quoted.  Then the source's census runs as planned on names
 * that are none: refused before Dovecot is asked (tests/census/mbox.sh runs
 * it all against a real Dovecot). */
static void plan_mbox(const struct answers *a, struct plan_step *ps)
{
	steps_plan_census_mbox(ps, a, HOST_SOURCE);
	step_convert.plan(a, ps);
	steps_plan_census_mbox(ps, a, HOST_TARGET);
}

static void test_mbox(void **state)
{
	static const struct step mbox_step = { .id = "mbox", .title = "t", .why = "t", .plan = plan_mbox };
	struct answers a;
	struct plan p;
	char err[512], *dir = tu_tmpdir(), *text, *users, *cmd, *t;
	const struct plan_step *ps;
	size_t i;
	(void)state;

	text = xasprintf("[source]\nstack = sendmail-mbox\nhost = old.example.org\n"
	                 "[target]\nstack = postfix-dovecot\nhost = new.example.org\n"
	                 "[options]\nbackup_dir = %s\n", dir);
	if (answers_parse(&a, "t.conf", text, err, sizeof err) < 0)
		fail_msg("%s", err);
	assert_int_equal(steps_check_pair(&a, err, sizeof err), 0);
	plan_build(&p, &a, (const struct step *const[]){ &mbox_step, NULL });
	ps = &p.steps[0];
	assert_int_equal(ps->n, 5);
	users = xasprintf("users=%s/users/move/users.tsv\n", dir);
	/* the names travel as a value: captured on the target, fed to the source */
	assert_int_equal(ps->act[0].on, HOST_TARGET);
	assert_string_equal(ps->act[0].capture, "mbox_users");
	assert_non_null(strstr(ps->act[0].cmd, "cut -f 1 -- "));
	assert_non_null(strstr(ps->act[0].cmd, "/users/move/users.tsv"));
	assert_int_equal(ps->act[1].on, HOST_SOURCE);
	assert_string_equal(ps->act[1].input, "mbox_users");
	assert_non_null(strstr(ps->act[1].cmd, "side=source\nusers=\"\"\n{ IFS= read -r -d '' census_awk || :; } <<'MS_VALUE'\n"));
	assert_non_null(strstr(ps->act[1].cmd, "ms_dovecot_list \"$sep\" -F \"$tmp/users\""));
	/* ...into the file the census step's fetch and the relay's check read */
	t = xasprintf("\nout=%s/census/source.tsv\n", dir);
	assert_non_null(strstr(ps->act[1].cmd, t));
	free(t);
	/* the conversion: the users step's list, /var/mail (the source's
	 * profile) and ~/mail, dsync per user */
	assert_int_equal(ps->act[2].on, HOST_TARGET);
	assert_non_null(strstr(ps->act[2].cmd, users));
	assert_non_null(strstr(ps->act[2].cmd, "inbox_dir=/var/mail\nmbox_dir=mail\n{ IFS= read -r -d '' census_awk"));
	assert_non_null(strstr(ps->act[2].cmd, "doveadm \"${same[@]}\" backup -R -u \"$u\" \"$loc\""));
	/* the target's census and the comparison, with the fetched census */
	assert_non_null(strstr(ps->act[3].cmd, "side=target\n"));
	assert_non_null(strstr(ps->act[3].cmd, users));
	t = xasprintf("source=%s/census/source.tsv\n", dir);
	assert_non_null(strstr(ps->act[4].cmd, t));
	free(t);
	assert_non_null(strstr(ps->act[4].cmd, "read -r -d '' compare_awk"));
	for (i = 0; i < ps->n; i++) {
		char *const argv[] = { (char *)"bash", (char *)"-n", (char *)"-c", ps->act[i].cmd, NULL };
		struct buf out = {0};

		assert_int_equal(tu_capture(argv, &out), 0);
		buf_free(&out);
		if (i)
			assert_non_null(strstr(ps->act[i].cmd, "b=")); /* the prologue's backup dir */
	}
	/* the source's census as it runs: names that are none stop it */
	cmd = xasprintf("exec 2>&1\n%s\nprintf 'alice\\n$(touch %s/pwned)\\n' | {\n%s\n}", PLAN_PREAMBLE, dir, ps->act[1].cmd);
	{
		char *const argv[] = { (char *)"bash", (char *)"-c", cmd, NULL };
		struct buf out = {0};
		char *pwned = xasprintf("%s/pwned", dir);

		assert_int_equal(tu_capture(argv, &out), 1);
		assert_non_null(strstr(buf_cstr(&out), "not a user name: $(touch "));
		assert_non_null(strstr(buf_cstr(&out), "nothing counted"));
		assert_int_equal(access(pwned, F_OK), -1);
		free(pwned);
		buf_free(&out);
	}
	free(cmd);
	free(users);
	plan_free(&p);
	answers_free(&a);
	free(text);
	free(dir);
}

/* The plan of the pair FROM -> TO (backup dir DIR/b), whose step ids must be
 * WANT, in order and no more. */
static void plan_pair(struct answers *a, struct plan *p, const char *from, const char *to, const char *dir,
                      const char *const *want)
{
	char err[512], *text;
	size_t i;

	text = xasprintf("[source]\nstack = %s\nhost = old.example.org\n[target]\nstack = %s\nhost = new.example.org\n"
	                 "[options]\nbackup_dir = %s/b\n", from, to, dir);
	if (answers_parse(a, "t.conf", text, err, sizeof err) < 0 || steps_plan(p, a, err, sizeof err) < 0)
		fail_msg("%s", err);
	free(text);
	for (i = 0; want && want[i]; i++) {
		if (i >= p->n)
			fail_msg("the plan ends before %s", want[i]);
		assert_string_equal(p->steps[i].step->id, want[i]);
	}
	if (want)
		assert_int_equal(p->n, i);
}

/* postfix-dovecot to postfix-dovecot: the pair's table, and nothing of
 * iRedMail in it */
static void test_system_pair(void **state)
{
	static const char *const want[] = { "preflight", "migration-key", "users", "mailstore-bulk", "aliases",
		"config", "stop-services", "census", "mailstore-final", "chown", "verify", "start-services", "relay",
		"test", "cutover", "remove-key", "decommission", NULL };
	struct answers a;
	struct plan p;
	struct buf out = {0};
	struct action act;
	char *dir = tu_tmpdir(), *t;
	const struct action *dom, *act_p;
	size_t i, j;
	(void)state;

	plan_pair(&a, &p, "postfix-dovecot", "postfix-dovecot", dir, want);
	/* nothing of iRedMail: its release, its databases, its DKIM keys */
	for (i = 0; i < p.n; i++)
		for (j = 0; j < p.steps[i].n; j++) {
			const char *c = p.steps[i].act[j].cmd;
			if (strstr(c, steps_sh_preflight_host) || strstr(c, steps_sh_preflight_release) ||
			    strstr(c, "mysqldump") || strstr(c, "/var/lib/dkim"))
				fail_msg("step %s holds iRedMail's commands", p.steps[i].step->id);
		}
	/* the outbound check as a throwaway system user, advisory, no DKIM */
	(void)find_action_on(&p, "test", HOST_TARGET, "backend=system\nmode=make\n");
	act_p = find_action_on(&p, "test", HOST_TARGET, steps_sh_test_outbound);
	assert_true(act_p->flags & ACT_ADVISORY);
	assert_non_null(strstr(act_p->cmd, "k=\"\"\n"));
	act_p = find_action_on(&p, "test", HOST_TARGET, "backend=system\nmode=remove\n");
	assert_true(act_p->flags & ACT_DESTRUCTIVE);
	/* the accounts are the system's; no one store: each home a root */
	(void)find_action_on(&p, "preflight", HOST_SOURCE, "backend=system\n");
	(void)find_action_on(&p, "mailstore-bulk", HOST_TARGET, "vmail=\"\"\nlogin=");
	t = step_text(&p, "verify");
	assert_null(strstr(t, "inventory"));
	assert_non_null(strstr(t, "census-compare"));
	free(t);
	/* the domains the source delivers locally go to the target's check */
	dom = find_action_on(&p, "preflight", HOST_SOURCE, "postconf -x -h mydestination");
	assert_string_equal(dom->capture, "domains");
	dom = find_action_on(&p, "preflight", HOST_TARGET, steps_sh_preflight_domains);
	assert_string_equal(dom->input, "domains");
	/* ...run with a stand-in postconf: a domain the target does not take
	 * stops it, named; one in its virtual table (postmap -q) passes */
	t = xasprintf("%s/bin", dir);
	assert_int_equal(mkdir(t, 0700), 0);
	free(t);
	put_file(dir, "bin/postconf", "#!/bin/sh\ncase \"$*\" in\n"
	         "*mydestination*) echo 'new.example.org, Example.COM, localhost' ;;\n"
	         "*virtual_mailbox_domains*) echo 'hash:/etc/postfix/vdomains' ;;\nesac\n", 0700);
	put_file(dir, "bin/postmap", "#!/bin/sh\n[ \"$1 $2 $3\" = \"-q virt.example.net hash:/etc/postfix/vdomains\" ]\n", 0700);
	act = *dom;
	act.cmd = xasprintf("printf 'example.com\\nold.example.org\\nvirt.example.net\\n' | {\n%s\n}", dom->cmd);
	assert_int_not_equal(run_action(dir, &act, &out), 0);
	if (!strstr(out.s, "does not take mail for: old.example.org.") || strstr(out.s, "for: example.com") ||
	    !strstr(out.s, "virt.example.net: the target takes it (hash:/etc/postfix/vdomains)"))
		fail_msg("%s", out.s);
	free(act.cmd);
	buf_free(&out);
	act.cmd = xasprintf("printf 'example.com\\nvirt.example.net\\n' | {\n%s\n}", dom->cmd);
	if (run_action(dir, &act, &out) != 0 || !strstr(out.s, "takes mail for all 2 domain(s)"))
		fail_msg("%s", out.s);
	free(act.cmd);
	buf_free(&out);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(dir);
}

/* sendmail-mbox -> postfix-dovecot: the system pair's steps with the
 * conversion between the final copy and verify; the census and verify are
 * each host's own Dovecot's, the source's written where the fetch and the
 * relay's check read it; the final copy leaves the converted Maildirs
 * alone; the relay is sendmail's. */
static void test_sendmail_pair(void **state)
{
	static const char *const want[] = { "preflight", "migration-key", "users", "mailstore-bulk", "aliases",
		"config", "stop-services", "census", "mailstore-final", "chown", "convert", "verify", "start-services",
		"relay", "test", "cutover", "remove-key", "decommission", NULL };
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *t;
	size_t i;
	(void)state;

	plan_pair(&a, &p, "sendmail-mbox", "postfix-dovecot", dir, want);
	t = xasprintf("out=%s/b/census/source.tsv\n", dir);
	(void)find_action_on(&p, "census", HOST_SOURCE, t);
	free(t);
	(void)find_action_on(&p, "census", HOST_TARGET, steps_sh_census_fetch);
	t = step_text(&p, "census");
	assert_null(strstr(t, steps_sh_census)); /* no Maildir walk of an mbox */
	free(t);
	(void)find_action_on(&p, "mailstore-final", HOST_TARGET, "convert=1\n");
	(void)find_action_on(&p, "mailstore-bulk", HOST_TARGET, "convert=1\n");
	(void)find_action_on(&p, "verify", HOST_TARGET, steps_sh_census_mbox_compare);
	t = step_text(&p, "test");
	assert_null(strstr(t, steps_sh_census_dovecot));
	free(t);
	t = step_text(&p, "mailstore-bulk");
	assert_null(strstr(t, "ms_accept_accounts")); /* no census cache */
	free(t);
	(void)find_action_on(&p, "relay", HOST_SOURCE, steps_sh_relay_sendmail);
	/* the Postfix target has no sendmail package: it replaces it */
	(void)find_action_on(&p, "preflight", HOST_TARGET, "replaced=\"sendmail sendmail-cf\"\n");
	t = steps_secrets(&a);
	assert_non_null(strstr(t, "/b/users (the source's passwd, shadow"));
	assert_null(strstr(t, "dump"));
	assert_non_null(strstr(t, "/b/source-config.tar.gz (its configuration"));
	free(t);
	plan_free(&p);
	answers_free(&a);
	/* postfix-dovecot's final copy deletes what users deleted, Maildirs too */
	plan_pair(&a, &p, "postfix-dovecot", "postfix-dovecot", dir, NULL);
	(void)find_action_on(&p, "mailstore-final", HOST_TARGET, "convert=0\n");
	plan_free(&p);
	answers_free(&a);
	/* sendmail-mbox -> sendmail-mbox: mbox stays mbox (no conversion); the
	 * target's checks ask sendmail, which has no policy daemon to pass */
	plan_pair(&a, &p, "sendmail-mbox", "sendmail-mbox", dir, NULL);
	for (i = 0; i < p.n; i++)
		assert_string_not_equal(p.steps[i].step->id, "convert");
	(void)find_action_on(&p, "mailstore-final", HOST_TARGET, "convert=0\n");
	(void)find_action_on(&p, "preflight", HOST_TARGET, "mta=sendmail\n");
	(void)find_action_on(&p, "test", HOST_TARGET, "systemctl is-active sendmail dovecot");
	(void)find_action_on(&p, "verify", HOST_TARGET, steps_sh_census_mbox_compare);
	t = step_text(&p, "relay");
	assert_null(strstr(t, steps_sh_relay_allow));
	free(t);
	/* (no outbound check on sendmail: not built) */
	t = step_text(&p, "test");
	assert_null(strstr(t, steps_sh_test_sender));
	free(t);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(dir);
}

/* system users into iRedMail: mailboxes before the copies, which go into a
 * directory of their own; the import in the window; the census is both
 * Dovecots', the target's by the import's map */
static void test_into_iredmail_pair(void **state)
{
	static const char *const want[] = { "preflight", "migration-key", "mailboxes", "mailstore-bulk", "config",
		"stop-services", "census", "mailstore-final", "import", "verify", "start-services",
		"relay", "test", "cutover", "remove-key", "decommission", NULL };
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *t;
	(void)state;

	plan_pair(&a, &p, "sendmail-mbox", "iredmail\nbackend = pgsql", dir, want);
	(void)find_action_on(&p, "mailboxes", HOST_TARGET, steps_sh_irm_accounts);
	(void)find_action_on(&p, "mailboxes", HOST_TARGET, "backend=pgsql\n");
	(void)find_action_on(&p, "mailstore-bulk", HOST_TARGET, "into=/var/vmail/mailshift-import\n");
	(void)find_action_on(&p, "mailstore-final", HOST_TARGET, "convert=0\n");
	(void)find_action_on(&p, "import", HOST_TARGET, steps_sh_import);
	(void)find_action_on(&p, "import", HOST_TARGET, steps_sh_irm_forwardings);
	(void)find_action_on(&p, "preflight", HOST_TARGET, "iredmail=1\n");
	t = xasprintf("map=%s/b/accounts/map.tsv\n", dir);
	(void)find_action_on(&p, "verify", HOST_TARGET, t);
	free(t);
	t = step_text(&p, "verify");
	assert_null(strstr(t, steps_sh_owners)); /* the homes are not on the target */
	free(t);
	t = step_text(&p, "mailstore-bulk");
	assert_null(strstr(t, steps_sh_owners));
	free(t);
	/* the outbound check, signed with the target's own key: the source had
	 * no DKIM keys to compare it with */
	(void)find_action_on(&p, "test", HOST_TARGET, steps_sh_test_outbound);
	t = step_text(&p, "test");
	assert_null(strstr(t, steps_sh_test_dkim_source));
	free(t);
	plan_free(&p);
	answers_free(&a);
	/* Postfix+Dovecot the same; LDAP's suffix before the accounts */
	plan_pair(&a, &p, "postfix-dovecot", "iredmail\nbackend = openldap", dir, want);
	(void)find_action_on(&p, "mailboxes", HOST_TARGET, "backend=ldap\n");
	(void)find_action_on(&p, "mailboxes", HOST_TARGET, steps_sh_ldap_suffix);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_preflight_checks),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_mbox),
		cmocka_unit_test(test_system_pair),
		cmocka_unit_test(test_sendmail_pair),
		cmocka_unit_test(test_into_iredmail_pair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
