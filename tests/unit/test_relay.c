/* The cutover relay by the source's stack: relay.sh (transport_maps) for a
 * Postfix source, relay-sendmail.sh (mailertable, MAIL_HUB) for a sendmail
 * one, in both modes; the source's mail domains as the profile says
 * (mydestination, local-host-names), and pre-flight's capture of them for
 * a sendmail source too.  The sendmail-mbox pairs have no table yet: the
 * steps are built alone.  (tests/census/relay-sendmail.sh runs the
 * fragment itself.) */
#include "plan_util.h"

#include "steps/profile.h"
#include "steps/sh.h"

/* answers for SOURCE -> postfix-dovecot, relay_during_cutover as given */
static void answers_for(struct answers *a, const char *source, const char *relay)
{
	char err[512], *text = xasprintf("[source]\nstack = %s\nhost = old.example.org\n"
	                                 "[target]\nstack = postfix-dovecot\nhost = new.example.org\n"
	                                 "[options]\nbackup_dir = /var/backups/ms\nrelay_during_cutover = %s\n",
	                                 source, relay);

	if (answers_parse(a, "t.conf", text, err, sizeof err) < 0)
		fail_msg("%s", err);
	free(text);
}

/* The last action of the one step built alone: the relay on the source. */
static const struct action *relay_action(struct plan *p, const struct answers *a, const struct step *st)
{
	const struct plan_step *ps;

	plan_build(p, a, (const struct step *const[]){ st, NULL });
	assert_int_equal(p->n, 1);
	ps = &p->steps[0];
	assert_int_equal(ps->n, 3);
	/* the old server's addresses go to the new one's policy checks first */
	assert_string_equal(ps->act[0].capture, "relay_from");
	assert_string_equal(ps->act[1].input, "relay_from");
	assert_int_equal(ps->act[2].on, HOST_SOURCE);
	assert_true(ps->act[2].flags & ACT_DESTRUCTIVE);
	/* refused unless verify passed */
	assert_non_null(strstr(ps->act[2].cmd, steps_verified_check));
	return &ps->act[2];
}

static void test_sendmail_source(void **state)
{
	static const char *const modes[][2] = { { "yes", "mode=relay\n" }, { "no", "mode=drain\n" } };
	struct answers a;
	struct plan p;
	size_t i;
	(void)state;

	for (i = 0; i < 2; i++) {
		const struct action *act;
		const struct step *st = i ? &step_old_queue : &step_relay;
		struct buf out = {0};

		answers_for(&a, "sendmail-mbox", modes[i][0]);
		act = relay_action(&p, &a, st);
		assert_non_null(strstr(act->cmd, steps_sh_relay_sendmail));
		assert_null(strstr(act->cmd, steps_sh_relay));       /* not the Postfix one */
		assert_null(strstr(act->cmd, "postconf"));
		assert_non_null(strstr(act->cmd, modes[i][1]));
		assert_non_null(strstr(act->cmd, "t=new.example.org\n"));
		/* /etc/mail only through the prologue, and the domains' rule */
		assert_non_null(strstr(act->cmd, "etc=/etc/mail\n"));
		assert_non_null(strstr(act->cmd, steps_awk_sendmail_domains));
		assert_non_null(strstr(act->note, i ? "old sendmail hands its queue" : "old sendmail relays your domains"));
		{ /* bash reads it */
			char *const argv[] = { (char *)"bash", (char *)"-n", (char *)"-c", act->cmd, NULL };

			assert_int_equal(tu_capture(argv, &out), 0);
			buf_free(&out);
		}
		plan_free(&p);
		answers_free(&a);
	}
}

static void test_postfix_source(void **state)
{
	static const char *const modes[][2] = { { "yes", "mode=relay\n" }, { "no", "mode=drain\n" } };
	struct answers a;
	struct plan p;
	size_t i;
	(void)state;

	for (i = 0; i < 2; i++) {
		const struct action *act;

		answers_for(&a, "postfix-dovecot", modes[i][0]);
		act = relay_action(&p, &a, i ? &step_old_queue : &step_relay);
		assert_non_null(strstr(act->cmd, steps_sh_relay));
		assert_null(strstr(act->cmd, steps_sh_relay_sendmail));
		assert_non_null(strstr(act->cmd, modes[i][1]));
		assert_non_null(strstr(act->cmd, "postconf -x -h mydestination"));
		assert_non_null(strstr(act->note, "old Postfix"));
		plan_free(&p);
		answers_free(&a);
	}
	/* an iRedMail source relays with Postfix too */
	{
		char *t = conf("mariadb", "mariadb", "");
		const struct action *act;

		build(&a, &p, t);
		act = find_action_on(&p, "relay", HOST_SOURCE, steps_sh_relay);
		assert_null(strstr(act->cmd, steps_sh_relay_sendmail));
		plan_free(&p);
		answers_free(&a);
		free(t);
	}
}

/* A sendmail source's domains: the dotted names of local-host-names but
 * localhost, run here on a file in the place of /etc/mail's; pre-flight
 * captures them and the Postfix target checks it takes each. */
static void test_sendmail_domains(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *path = xasprintf("%s/local-host-names", dir), *cmd, *at;
	const struct action *cap, *feed;
	struct buf out = {0};
	(void)state;

	answers_for(&a, "sendmail-mbox", "yes");
	cmd = steps_domains_cmd(&a);
	at = strstr(cmd, "/etc/mail/local-host-names");
	assert_non_null(at);
	assert_non_null(strstr(cmd, steps_awk_sendmail_domains));
	tu_write(path, "# this host\nold.example.org old\nlocalhost localhost.localdomain\nExample.COM\n\n"
	               "lists.example.com # the lists\n");
	{
		char *run = xasprintf("%.*s%s%s", (int)(at - cmd), cmd, path, at + strlen("/etc/mail/local-host-names"));
		char *const argv[] = { (char *)"bash", (char *)"-c", run, NULL };

		assert_int_equal(tu_capture(argv, &out), 0);
		assert_string_equal(buf_cstr(&out), "old.example.org\nExample.COM\nlists.example.com\n");
		free(run);
	}
	buf_free(&out);
	/* pre-flight: captured on the source, fed to the target's check */
	plan_build(&p, &a, (const struct step *const[]){ &step_preflight_system, NULL });
	cap = find_action_on(&p, "preflight", HOST_SOURCE, "/etc/mail/local-host-names");
	assert_string_equal(cap->capture, "domains");
	assert_non_null(strstr(cap->note, "local-host-names"));
	feed = find_action_on(&p, "preflight", HOST_TARGET, steps_sh_preflight_domains);
	assert_string_equal(feed->input, "domains");
	plan_free(&p);
	answers_free(&a);
	free(cmd);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sendmail_source),
		cmocka_unit_test(test_postfix_source),
		cmocka_unit_test(test_sendmail_domains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
