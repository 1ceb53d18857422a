/* The plans' safety: what the one-off key asks the source for (nothing the
 * gate does not grant), hostile answers quoted wherever they reach a
 * command, and configuration links carried as links. */
#include "plan_util.h"

#include "app/session.h"

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
	assert_int_equal(plan_find(&p, "remove-key"), (int)p.n - 2); /* then decommission, read-only */
	assert_int_equal(plan_find(&p, "decommission"), (int)p.n - 1);
	t = step_text(&p, "migration-key");
	assert_non_null(strstr(t, "[target] k=/root/.ssh/mailshift-migration\nm=\"mailshift-migration root@new.example.org\"\n"));
	assert_non_null(strstr(t, "ssh-keygen -q -t ed25519 -N \"\" -C \"$m\" -f \"$k\""));
	assert_non_null(strstr(t, "[source] b=/var/backups/mailshift\nm=\"mailshift-migration root@new.example.org\"\n"));
	assert_non_null(strstr(t, "mode=add\n"));
	assert_non_null(strstr(t, "  if [ \"$maj\" -gt 7 ] || { [ \"$maj\" = 7 ] && [ \"$min\" -ge 2 ]; }; then o=restrict\n"));
	assert_non_null(strstr(t, "mode=narrow\n"));
	assert_non_null(strstr(t, "[source] cat /etc/ssh/ssh_host_*_key.pub\n"));
	/* the source's name as the target dials it off port 22 */
	assert_non_null(strstr(t, "[target] n=\"[old.example.org]:2200\"\nf=/root/.ssh/mailshift-known_hosts\n"));
	/* the hop uses mailshift's key and known_hosts alone, none of the target's ssh setup */
	assert_non_null(strstr(t, "[target] ssh -F /dev/null -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes "
	                          "-o BatchMode=yes -o StrictHostKeyChecking=yes "
	                          "-o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts "
	                          "-o GlobalKnownHostsFile=/dev/null -l root -p 2200 root@old.example.org true"));
	/* the key's forced command is the gate: rsync reading, true, the address */
	assert_non_null(strstr(t, "o+=\",command=\\\"/bin/sh $g/gate\\\"\"\n"));
	assert_non_null(strstr(t, "root@old.example.org mailshift-address\n"));
	free(t);
	si = plan_find(&p, "migration-key");
	assert_string_equal(p.steps[si].act[1].capture, "pubkey");
	assert_string_equal(p.steps[si].act[2].input, "pubkey");
	assert_int_equal(p.steps[si].act[2].on, HOST_SOURCE);
	/* narrowed to the address the source saw the target come from */
	{
		int ki = plan_find(&p, "migration-key");
		int narrowed = 0;
		for (j = 0; j < p.steps[ki].n; j++)
			if (p.steps[ki].act[j].input && !strcmp(p.steps[ki].act[j].input, "target_addr")) {
				assert_int_equal(p.steps[ki].act[j].on, HOST_SOURCE);
				assert_non_null(strstr(p.steps[ki].act[j].cmd, "mode=narrow\n"));
				narrowed = 1;
			}
		assert_true(narrowed);
	}
	t = step_text(&p, "remove-key");
	assert_non_null(strstr(t, "[source] b=/var/backups/mailshift\nm=\"mailshift-migration root@new.example.org\"\n"));
	assert_non_null(strstr(t, "mode=remove\n"));
	assert_non_null(strstr(t, "rm -f -- \"$f\""));
	free(t);
	si = plan_find(&p, "remove-key");
	assert_true(p.steps[si].act[0].flags & ACT_DESTRUCTIVE);
	assert_true(p.steps[si].act[p.steps[si].n - 1].flags & ACT_DESTRUCTIVE);
	/* a run that stops while the key is authorized says so, and how to
	 * remove it; once remove-key ran, nothing */
	{
		char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256], say[1024];
		struct session ses = { .plan = &p, .journal = jp };
		int km = plan_find(&p, "migration-key"), kr = plan_find(&p, "remove-key");
		struct journal *jr = journal_open(jp, &p, 0, err, sizeof err);
		size_t x, y;
		assert_non_null(jr);
		for (x = 0; x < (size_t)km; x++)
			for (y = 0; y < p.steps[x].n; y++)
				journal_action_end(jr, x, y, JOURNAL_OK, 0);
		journal_action_end(jr, km, 0, JOURNAL_OK, 0);
		journal_action_end(jr, km, 1, JOURNAL_OK, 0);
		assert_int_equal(session_key_left(&ses, say, sizeof say), 0); /* not authorized yet */
		journal_action_end(jr, km, 2, JOURNAL_OK, 0);
		assert_int_equal(session_key_left(&ses, say, sizeof say), 1);
		assert_non_null(strstr(say, "the one-off key is still authorized on the source (root@old.example.org"));
		assert_non_null(strstr(say, "sed -i '/ mailshift-migration root@new.example.org$/d' ~/.ssh/authorized_keys"));
		for (x = km; x < (size_t)kr; x++)
			for (y = 0; y < p.steps[x].n; y++)
				journal_action_end(jr, x, y, JOURNAL_OK, 0);
		assert_int_equal(session_key_left(&ses, say, sizeof say), 1); /* stopped before remove-key */
		journal_action_end(jr, kr, 0, JOURNAL_OK, 0);
		assert_int_equal(session_key_left(&ses, say, sizeof say), 0);
		assert_int_equal(journal_close(jr), 0);
		tu_rmrf(dir);
		free(jp);
		free(dir);
	}
	/* no server reaches the other except the target with the one-off key */
	for (i = 0; i < p.n; i++)
		for (j = 0; j < p.steps[i].n; j++) {
			const struct action *act = &p.steps[i].act[j];
			if (act->on == HOST_SOURCE && (strstr(act->cmd, "ssh ") || strstr(act->cmd, "rsync -a")))
				fail_msg("step %s action %zu reaches out from the source:\n%s", p.steps[i].step->id, j, act->cmd);
			if (strstr(act->cmd, "ssh -") && !strstr(act->cmd, "ssh -F /dev/null -i /root/.ssh/mailshift-migration"))
				fail_msg("step %s action %zu uses another ssh:\n%s", p.steps[i].step->id, j, act->cmd);
			/* over the key the target asks the source for nothing the gate does not grant */
			for (const char *s = act->cmd; (s = strstr(s, "-p 2200 root@old.example.org ")); s++) {
				const char *w = s + strlen("-p 2200 root@old.example.org ");
				if (strncmp(w, "true", 4) != 0 && (strncmp(w, "mailshift-address", 17) != 0 || (w[17] && w[17] != '\n')))
					fail_msg("step %s action %zu asks the source's gate for more:\n%s", p.steps[i].step->id, j, s);
			}
			if (act->on == HOST_TARGET && strstr(act->cmd, "rsync -a") && !strstr(act->cmd, "-e \"$ssh\"") &&
			    !strstr(act->cmd, "old.example.org::mailshift/"))
				fail_msg("step %s action %zu pulls past the gate:\n%s", p.steps[i].step->id, j, act->cmd);
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

/* Runs config's carry_config action for one FILE (under dir) with the
 * source's archive as dir/b/source-config holds it; its exit status. */
static int carry(const char *dir, const char *file, struct buf *out)
{
	struct answers a;
	struct plan p;
	char *opts = xasprintf("backup_dir = %s/b\ncarry_config = %s%s\n", dir, dir, file);
	char *text = conf("mariadb", "mariadb", opts);
	int rc;

	build(&a, &p, text);
	rc = run_action(dir, find_action(&p, "config", "read -r -a files"), out);
	plan_free(&p);
	answers_free(&a);
	free(text);
	free(opts);
	return rc;
}

/* carry_config puts a file of the source's archive in place, never one
 * that is, or lies behind, a symbolic link the source sent (which would
 * copy, say, the target's /etc/shadow into its configuration) */
static void test_carry_links(void **state)
{
	struct buf out = {0};
	char *dir = tu_tmpdir(), *sh, *got, *path;
	(void)state;

	sh = xasprintf("d=%s; s=$d/b/source-config$d; mkdir -p $s/conf $d/real $d/conf && echo source > $s/conf/a.conf && "
	               "echo secret > $d/real/b.conf && ln -s $d/real/b.conf $s/conf/link.conf && "
	               "ln -s $d/real $s/linked && echo target > $d/conf/a.conf", dir);
	{
		char *const argv[] = { (char *)"sh", (char *)"-c", sh, NULL };
		assert_int_equal(tu_capture(argv, &out), 0);
		buf_free(&out);
	}
	free(sh);
	/* a file that is a link: refused, nothing put in place */
	assert_int_equal(carry(dir, "/conf/link.conf", &out), 1);
	assert_non_null(strstr(buf_cstr(&out), "/conf/link.conf: in the source's archive it is, or lies behind, a symbolic link: not carried"));
	buf_free(&out);
	path = xasprintf("%s/conf/link.conf", dir);
	assert_int_equal(access(path, F_OK), -1);
	free(path);
	/* a file behind a linked directory: refused */
	assert_int_equal(carry(dir, "/linked/b.conf", &out), 1);
	assert_non_null(strstr(buf_cstr(&out), "/linked/b.conf: in the source's archive it is, or lies behind, a symbolic link"));
	buf_free(&out);
	/* a plain file is carried, the target's own saved */
	assert_int_equal(carry(dir, "/conf/a.conf", &out), 0);
	buf_free(&out);
	path = xasprintf("%s/conf/a.conf", dir);
	got = tu_read(path);
	assert_string_equal(got, "source\n");
	free(got);
	free(path);
	path = xasprintf("%s/b/target-before/config%s/conf/a.conf", dir, dir);
	got = tu_read(path);
	assert_string_equal(got, "target\n");
	free(got);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_hostile_answers),
		cmocka_unit_test(test_carry_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
