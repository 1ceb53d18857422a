/* The runbook's text: header, functions with the why, actions as run,
 * destructive confirmations, skipped actions commented out; valid bash. */
#include "fixture.h"

#include "core/runbook.h"

static void test_text(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *rp = xasprintf("%s/rb.sh", dir), err[256], *text;
	struct runbook *rb;
	struct buf out = {0};
	char *const syntax[] = { (char *)"bash", (char *)"-n", rp, NULL };
	char *const dry[] = { (char *)"bash", rp, (char *)"--dry-run", NULL };
	char *const only[] = { (char *)"bash", rp, (char *)"--dry-run", (char *)"--only", (char *)"second", NULL };
	char *const nostep[] = { (char *)"bash", rp, (char *)"--from", (char *)"nope", NULL };
	(void)state;

	fx_build(&a, &p);
	rb = runbook_open(rp, &p, 0, err, sizeof err);
	assert_non_null(rb);
	assert_int_equal(tu_mode(rp), 0700);
	runbook_step(rb, 0);
	runbook_action(rb, &p.steps[0].act[0], RUNBOOK_RAN);
	runbook_action(rb, &p.steps[0].act[1], RUNBOOK_SKIPPED);
	runbook_step_end(rb);
	runbook_step(rb, 1);
	runbook_action(rb, &p.steps[1].act[0], RUNBOOK_RAN);
	runbook_action(rb, &p.steps[1].act[1], RUNBOOK_RAN);
	runbook_action(rb, &p.steps[1].act[2], RUNBOOK_RAN);
	runbook_note(rb, "the run stopped here: the action above failed (exit 4)");
	assert_int_equal(runbook_close(rb, "Stopped early."), 0);
	text = tu_read(rp);

	assert_true(strncmp(text, "#!/usr/bin/env bash\n", 20) == 0);
	assert_non_null(strstr(text, "set -Eeuo pipefail\n"));
	assert_non_null(strstr(text, "# mailshift runbook: iredmail/mariadb root@old.example.org -> "
	                             "iredmail/mariadb root@new.example.org\n"));
	assert_non_null(strstr(text, "TARGET_SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=yes "
	                             "-o \"UserKnownHostsFile=/etc/ssh/known hosts\" -p 2222 root@new.example.org)\n"));
	assert_non_null(strstr(text, "# --- first-step: First\n#\n# Because the first thing comes first.\nstep_first_step() {\n"));
	assert_non_null(strstr(text, "# --- second: Second [downtime window]\n"));
	assert_non_null(strstr(text, "  # skipped by the admin in this run:\n  # on_target \"echo two; echo err >&2\"\n"));
	assert_non_null(strstr(text, "  destructive overwrites\n  on_target 'rsync -a -- \"/var/my mail\"/ x'\n"));
	assert_non_null(strstr(text, "  advisory on_source false\n"));
	assert_non_null(strstr(text, "done'\n  # the run stopped here: the action above failed (exit 4)\n"));
	assert_non_null(strstr(text, "PREAMBLE='set -euo pipefail; umask 077'\n"));
	assert_non_null(strstr(text, "STEPS=(first-step second)\n"));
	assert_non_null(strstr(text, "# Stopped early.\n"));
	assert_null(strstr(text, "password"));
	free(text);

	assert_int_equal(tu_capture(syntax, &out), 0);
	buf_reset(&out);
	assert_int_equal(tu_capture(dry, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "== step first-step: First\n  [source] echo one\n"));
	assert_non_null(strstr(buf_cstr(&out), "  DESTRUCTIVE: overwrites\n  [target] rsync -a -- \"/var/my mail\"/ x\n"));
	assert_null(strstr(buf_cstr(&out), "echo two"));
	buf_reset(&out);
	assert_int_equal(tu_capture(only, &out), 0);
	assert_null(strstr(buf_cstr(&out), "first-step"));
	assert_non_null(strstr(buf_cstr(&out), "== step second: Second\n"));
	buf_reset(&out);
	assert_int_equal(tu_capture(nostep, &out), 2);
	buf_free(&out);

	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(rp);
	free(dir);
}

/* A captured value is a step-local variable; the action that reads it gets
 * it on stdin.  Valid bash, shellcheck-clean, and it replays. */
static void test_values(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *rp = xasprintf("%s/rb.sh", dir), err[256], *text;
	struct runbook *rb;
	struct buf out = {0};
	char *const syntax[] = { (char *)"bash", (char *)"-n", rp, NULL };
	char *const check[] = { (char *)"shellcheck", rp, NULL };
	char *const dry[] = { (char *)"bash", rp, (char *)"--dry-run", NULL };
	char *const local[] = { (char *)"bash", rp, (char *)"--yes", (char *)"--only", (char *)"local-values", NULL };
	int rc;
	(void)state;

	fx_build_values(&a, &p);
	rb = runbook_open(rp, &p, 0, err, sizeof err);
	assert_non_null(rb);
	runbook_step(rb, 0);
	runbook_action(rb, &p.steps[0].act[0], RUNBOOK_RAN);
	runbook_action(rb, &p.steps[0].act[1], RUNBOOK_SKIPPED);
	runbook_step_end(rb);
	runbook_step(rb, 1);
	runbook_action(rb, &p.steps[1].act[0], RUNBOOK_RAN);
	runbook_action(rb, &p.steps[1].act[1], RUNBOOK_RAN);
	assert_int_equal(runbook_close(rb, NULL), 0);
	text = tu_read(rp);
	assert_non_null(strstr(text, "  # reads the key\n"
	                             "  # shellcheck disable=SC2034 # (read below, unless the run stopped first)\n"
	                             "  local pubkey && pubkey=$(on_target 'cat -- \"/root/my key.pub\"')\n"));
	assert_non_null(strstr(text, "  # skipped by the admin in this run:\n"
	                             "  # on_source --stdin 'read -r k; echo \"got $k\"' <<<\"$pubkey\"\n"));
	assert_non_null(strstr(text, "  local word && word=$(on_local "));
	assert_non_null(strstr(text, "  advisory on_local --stdin 'while read -r w; do echo \"local got $w\"; done' <<<\"$word\"\n"));
	free(text);

	assert_int_equal(tu_capture(syntax, &out), 0);
	buf_reset(&out);
	rc = tu_capture(check, &out);
	if (rc != 127) /* shellcheck is not installed */
		assert_int_equal(rc, 0);
	buf_reset(&out);
	/* the dry run shows the captured command too (it prints on fd 3) */
	assert_int_equal(tu_capture(dry, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "== step values: Values\n  [target] cat -- \"/root/my key.pub\"\n"));
	assert_non_null(strstr(buf_cstr(&out), "  [local] while read -r w; do echo \"local got $w\"; done\n"
	                                       "         (reads on stdin a value captured above)\n"));
	buf_reset(&out);
	assert_int_equal(tu_capture(local, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "local got hello world\nlocal got it's me\n"));
	buf_free(&out);

	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(rp);
	free(dir);
}

/* Runs "bash -c SCRIPT" with stdout captured; returns the exit status. */
static int sh(const char *script, struct buf *out)
{
	char *const argv[] = { (char *)"bash", (char *)"-c", (char *)script, NULL };

	buf_reset(out);
	return tu_capture(argv, out);
}

/* A checklist item: its action, then "manual NOTE", which asks on replay
 * (or leaves it pending with --yes); valid bash, shellcheck-clean. */
static void test_manual(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *rp = xasprintf("%s/rb.sh", dir), err[256], *text, *cmd;
	struct runbook *rb;
	struct buf out = {0};
	char *const syntax[] = { (char *)"bash", (char *)"-n", rp, NULL };
	char *const check[] = { (char *)"shellcheck", rp, NULL };
	int rc;
	(void)state;

	fx_build_manual(&a, &p);
	rb = runbook_open(rp, &p, 0, err, sizeof err);
	assert_non_null(rb);
	runbook_step(rb, 0);
	runbook_action(rb, &p.steps[0].act[0], RUNBOOK_RAN);
	runbook_action(rb, &p.steps[0].act[1], RUNBOOK_RAN);
	runbook_step_end(rb);
	runbook_step(rb, 1);
	runbook_action(rb, &p.steps[1].act[0], RUNBOOK_SKIPPED);
	runbook_action(rb, &p.steps[1].act[1], RUNBOOK_RAN);
	assert_int_equal(runbook_close(rb, "The run stopped after step prepare as asked (--until)."), 0);
	text = tu_read(rp);
	assert_non_null(strstr(text, "  # lower the MX/A TTL to 300 s a day ahead\n"
	                             "  on_local 'printf '\\''%s\\n'\\'' \"At your DNS provider, lower the TTL of the MX "
	                             "and A records to 300 seconds.\"'\n"
	                             "  manual \"lower the MX/A TTL to 300 s a day ahead\"\n"));
	assert_non_null(strstr(text, "  # manual \"point the MX at the new server (it's the switch)\"\n"));
	assert_non_null(strstr(text, "# The run stopped after step prepare as asked (--until).\n"));
	free(text);

	assert_int_equal(tu_capture(syntax, &out), 0);
	buf_reset(&out);
	rc = tu_capture(check, &out);
	if (rc != 127) /* shellcheck is not installed */
		assert_int_equal(rc, 0);
	buf_reset(&out);
	cmd = xasprintf("bash %s --dry-run", rp);
	assert_int_equal(sh(cmd, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "  CHECKLIST: lower the MX/A TTL to 300 s a day ahead\n"));
	free(cmd);
	/* --yes: the instruction, then pending without a question */
	cmd = xasprintf("bash %s --yes --only prepare </dev/null 2>/dev/null", rp);
	assert_int_equal(sh(cmd, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "ready\nAt your DNS provider, lower the TTL of the MX and A records "
	                                       "to 300 seconds.\npending: lower the MX/A TTL to 300 s a day ahead\n"));
	free(cmd);
	/* asked: y is confirmed; no answer (or EOF) is pending */
	cmd = xasprintf("printf 'y\\ny\\n' | bash %s --only prepare 2>/dev/null", rp);
	assert_int_equal(sh(cmd, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "\nconfirmed: lower the MX/A TTL to 300 s a day ahead\n"));
	free(cmd);
	cmd = xasprintf("printf 'y\\n' | bash %s --only prepare 2>/dev/null", rp);
	assert_int_equal(sh(cmd, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "\npending: lower the MX/A TTL to 300 s a day ahead\n"));
	assert_null(strstr(buf_cstr(&out), "confirmed"));
	free(cmd);
	buf_free(&out);

	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(rp);
	free(dir);
}

static void test_unwritable(void **state)
{
	struct answers a;
	struct plan p;
	char err[256];
	(void)state;

	fx_build(&a, &p);
	assert_null(runbook_open("/nonexistent/dir/rb.sh", &p, 1, err, sizeof err));
	assert_string_equal(err, "/nonexistent/dir/rb.sh: cannot write the runbook: No such file or directory");
	plan_free(&p);
	answers_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_manual),
		cmocka_unit_test(test_unwritable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
