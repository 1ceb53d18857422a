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
	assert_non_null(strstr(text, "  # skipped by the admin in this run:\n  # cmd <<'MS_CMD'\n"
	                             "  # echo two; echo err >&2\n  # MS_CMD\n  # on_target \"$CMD\"\n"));
	assert_non_null(strstr(text, "  destructive overwrites\n  cmd <<'MS_CMD'\n"
	                             "rsync -a -- \"/var/my mail\"/ x\nMS_CMD\n  on_target \"$CMD\"\n"));
	assert_non_null(strstr(text, "  cmd <<'MS_CMD'\nfalse\nMS_CMD\n  advisory on_source \"$CMD\"\n"));
	assert_non_null(strstr(text, "printf '%s\\n' done\nMS_CMD\n  on_local \"$CMD\"\n"
	                             "  # the run stopped here: the action above failed (exit 4)\n"));
	/* no command is quoted inside quotes any more: none of the one
	 * quoting helper's '\'' in the whole runbook but the comment on q() */
	assert_non_null(strstr(text, "# Single quotes, each quote in the text as '\\''"));
	assert_ptr_equal(strstr(text, "'\\''"), strstr(text, "# Single quotes, each quote in the text as '\\''") + 43);
	assert_null(strstr(strstr(text, "'\\''") + 1, "'\\''"));
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
	assert_non_null(strstr(text, "  # reads the key\n  cmd <<'MS_CMD'\ncat -- \"/root/my key.pub\"\nMS_CMD\n"
	                             "  # shellcheck disable=SC2034 # (read below, unless the run stopped first)\n"
	                             "  local pubkey && pubkey=$(on_target \"$CMD\")\n"));
	assert_non_null(strstr(text, "  # skipped by the admin in this run:\n  # cmd <<'MS_CMD'\n"
	                             "  # read -r k; echo \"got $k\"\n  # MS_CMD\n"
	                             "  # on_source --stdin \"$CMD\" <<<\"$pubkey\"\n"));
	assert_non_null(strstr(text, "  local word && word=$(on_local \"$CMD\")\n"));
	assert_non_null(strstr(text, "  cmd <<'MS_CMD'\nwhile read -r w; do echo \"local got $w\"; done\nMS_CMD\n"
	                             "  advisory on_local --stdin \"$CMD\" <<<\"$word\"\n"));
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
	assert_non_null(strstr(text, "  # lower the MX/A TTL to 300 s a day ahead\n  cmd <<'MS_CMD'\n"
	                             "printf '%s\\n' \"At your DNS provider, lower the TTL of the MX "
	                             "and A records to 300 seconds.\"\nMS_CMD\n  on_local \"$CMD\"\n"
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

/* A command holding lines equal to MS_CMD and MS_CMD_1 (from a hostile
 * server, say) gets the delimiter MS_CMD_2; one with quotes, $, backslashes,
 * a tab, a backslash-newline and a trailing newline comes back from its
 * here-document byte for byte. */
static const char fx_delims[] = "cat <<'MS_CMD_1'\nMS_CMD\nMS_CMD_1\necho done";
static const char fx_bytes[] = "printf '%s|' \"it's\" 'a \"quote\"' '$HOME' 'back\\slash\\\\n'\t# a tab\n"
                               "echo \\\n  continued\n";

static void fx_plan_delims(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_LOCAL, 0, "a here-document of its own", "%s", fx_delims);
}

static void fx_plan_bytes(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_LOCAL, 0, "every byte", "%s", fx_bytes);
}

static const struct step fx_heredoc_steps[] = {
	{ .id = "delims", .title = "Delimiters", .why = "A hostile line.", .plan = fx_plan_delims },
	{ .id = "bytes", .title = "Bytes", .why = "Every byte.", .plan = fx_plan_bytes },
};

/* text with each newline followed by the dry run's 9 columns of indent */
static char *dry_form(const char *text)
{
	struct buf b = {0};

	for (; *text; text++) {
		buf_addc(&b, *text);
		if (*text == '\n')
			buf_adds(&b, "         ");
	}
	return buf_steal(&b);
}

static void test_heredoc(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *rp = xasprintf("%s/rb.sh", dir), err[256], *text, *want, *cmd;
	struct runbook *rb;
	struct buf out = {0};
	char *const check[] = { (char *)"shellcheck", rp, NULL };
	int rc;
	(void)state;

	fx_build_from(&a, &p, fx_heredoc_steps);
	assert_string_equal(p.steps[0].act[0].cmd, fx_delims);
	assert_string_equal(p.steps[1].act[0].cmd, fx_bytes);
	rb = runbook_open(rp, &p, 0, err, sizeof err);
	assert_non_null(rb);
	runbook_step(rb, 0);
	runbook_action(rb, &p.steps[0].act[0], RUNBOOK_RAN);
	runbook_action(rb, &p.steps[0].act[0], RUNBOOK_SKIPPED); /* the same, commented out */
	runbook_step_end(rb);
	runbook_step(rb, 1);
	runbook_action(rb, &p.steps[1].act[0], RUNBOOK_RAN);
	assert_int_equal(runbook_close(rb, NULL), 0);
	text = tu_read(rp);
	assert_non_null(strstr(text, "  # a here-document of its own\n  cmd <<'MS_CMD_2'\n"
	                             "cat <<'MS_CMD_1'\nMS_CMD\nMS_CMD_1\necho done\nMS_CMD_2\n  on_local \"$CMD\"\n"));
	/* skipped: every line commented out, the here-document's too */
	assert_non_null(strstr(text, "  # skipped by the admin in this run:\n  # cmd <<'MS_CMD_2'\n"
	                             "  # cat <<'MS_CMD_1'\n  # MS_CMD\n  # MS_CMD_1\n  # echo done\n  # MS_CMD_2\n"
	                             "  # on_local \"$CMD\"\n  :\n}\n"));
	want = xasprintf("  # every byte\n  cmd <<'MS_CMD'\n%s\nMS_CMD\n  on_local \"$CMD\"\n", fx_bytes);
	assert_non_null(strstr(text, want));
	free(want);
	free(text);
	rc = tu_capture(check, &out);
	if (rc != 127) /* shellcheck is not installed */
		assert_int_equal(rc, 0);

	/* the dry run prints each command whole */
	cmd = xasprintf("bash %s --dry-run", rp);
	assert_int_equal(sh(cmd, &out), 0);
	free(cmd);
	text = dry_form(fx_delims);
	want = xasprintf("== step delims: Delimiters\n  [local] %s\n== step bytes: Bytes\n", text);
	assert_non_null(strstr(buf_cstr(&out), want));
	free(want);
	free(text);
	text = dry_form(fx_bytes);
	want = xasprintf("== step bytes: Bytes\n  [local] %s\n", text);
	assert_non_null(strstr(buf_cstr(&out), want));
	free(want);
	free(text);

	/* run: "+ [local] CMD" on stderr is the text byte for byte, and it runs */
	cmd = xasprintf("bash %s --yes 2>&1", rp);
	assert_int_equal(sh(cmd, &out), 0);
	free(cmd);
	want = xasprintf("== step delims: Delimiters\n+ [local] %s\nMS_CMD\ndone\n== step bytes: Bytes\n"
	                 "+ [local] %s\nit's|a \"quote\"|$HOME|back\\slash\\\\n|continued\n",
	                 fx_delims, fx_bytes);
	assert_string_equal(buf_cstr(&out), want);
	free(want);
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
		cmocka_unit_test(test_heredoc),
		cmocka_unit_test(test_unwritable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
