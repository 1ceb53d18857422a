/* Plan selection: the steps for each pair, in order, with their real
 * commands; pairs not built are refused with a message naming the pair. */
#include "testutil.h"

#include "core/answers.h"
#include "core/journal.h"
#include "core/plan.h"
#include "app/session.h"
#include "steps/profile.h"
#include "steps/steps.h"

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
	if (steps_plan(p, a, err, sizeof err) < 0)
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
                              "census mailstore-final chown databases accounts verify start-services relay test "
                              "cutover remove-key";

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
	                       "chown databases accounts verify start-services relay test cutover remove-key");
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
	                       "accounts verify start-services old-queue test cutover remove-key");
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
	refused("[source]\nstack = postfix-dovecot\nhost = a\n[target]\nstack = postfix-dovecot\nhost = b\n",
	        "migrating postfix-dovecot to postfix-dovecot is not built yet");
	refused("[source]\nstack = sendmail-mbox\nhost = a\n[target]\nstack = postfix-dovecot\nhost = b\n",
	        "migrating sendmail-mbox to postfix-dovecot is not built yet");
	refused("[source]\nstack = iredmail\nbackend = openldap\nhost = a\n[target]\nstack = postfix-dovecot\nhost = b\n",
	        "migrating iredmail/openldap to postfix-dovecot is not built yet");
}

/* The checks and the safety of the whole iRedMail migration: where each
 * runs, which actions are DESTRUCTIVE, and the proofs each step gives. */
/* The first action of step id on host `on` (HOST_ANY: either) whose
 * command holds needle. */
#define HOST_ANY (-1)
static const struct action *find_action_on(const struct plan *p, const char *id, int on, const char *needle)
{
	int si = plan_find(p, id);
	size_t i;

	assert_true(si >= 0);
	for (i = 0; i < p->steps[si].n; i++)
		if ((on == HOST_ANY || (int)p->steps[si].act[i].on == on) && strstr(p->steps[si].act[i].cmd, needle))
			return &p->steps[si].act[i];
	fail_msg("step %s has no action with \"%s\"", id, needle);
	return NULL;
}

static const struct action *find_action(const struct plan *p, const char *id, const char *needle)
{
	return find_action_on(p, id, HOST_ANY, needle);
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
	char *script = xasprintf("exec 2>&1\nPATH=%s/bin:$PATH\n%s\n%s", dir, PLAN_PREAMBLE, act->cmd);
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
	assert_int_equal(si, (int)p.n - 1);
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
	assert_string_equal(w, "sendmail dovecot cron crond"); /* Debian's and RHEL's names */
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
	/* the pair is still refused: the step is in no table */
	assert_int_equal(steps_check_pair(&a, err, sizeof err), -1);
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
	assert_int_equal(steps_check_pair(&a, err, sizeof err), -1);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mariadb),
		cmocka_unit_test(test_pgsql),
		cmocka_unit_test(test_openldap),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_clean_source),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_proofs),
		cmocka_unit_test(test_carry_links),
		cmocka_unit_test(test_hostile_answers),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_verify_figures),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_aliases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
