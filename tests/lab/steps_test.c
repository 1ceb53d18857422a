/* steps_test ANSWERS DIR STEP...: runs the named steps, in that order, as
 * one plan over SSH with --yes (the journal, runbook and log in DIR), for
 * the steps that no pair table holds yet (tests/lab/blocks.sh): the real
 * session, runner and transport, only the plan is made here.  The exit
 * status is mailshift's (enum session_exit); the output is the console's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/session.h"
#include "core/console.h"
#include "core/xalloc.h"
#include "steps/steps.h"

static const struct step *const known[] = {
	&step_migration_key, &step_users, &step_aliases, &step_remove_key, NULL,
};

int main(int argc, char **argv)
{
	struct console con = { .out = stdout, .err = stderr, .in = stdin };
	const struct step **list;
	struct answers a;
	struct plan p;
	struct session s;
	struct ssh_options sopt;
	struct runner_report rep;
	struct session_summary sum;
	struct sink sink = console_sink(&con);
	enum runner_result r;
	char err[512], *journal, *runbook, *log;
	int i, k;

	if (argc < 4) {
		fprintf(stderr, "usage: steps_test ANSWERS DIR STEP...\n");
		return SESSION_EXIT_USAGE;
	}
	if (answers_load(&a, argv[1], err, sizeof err) < 0) {
		fprintf(stderr, "steps_test: %s\n", err);
		return SESSION_EXIT_USAGE;
	}
	list = xcalloc((size_t)argc, sizeof *list);
	for (i = 3; i < argc; i++) {
		for (k = 0; known[k] && strcmp(known[k]->id, argv[i]); k++)
			;
		if (!known[k]) {
			fprintf(stderr, "steps_test: no step %s here\n", argv[i]);
			return SESSION_EXIT_USAGE;
		}
		list[i - 3] = known[k];
	}
	plan_build(&p, &a, list);
	journal = xasprintf("%s/mailshift.journal", argv[2]);
	runbook = xasprintf("%s/mailshift-runbook.sh", argv[2]);
	log = xasprintf("%s/mailshift.log", argv[2]);
	s = (struct session){ .plan = &p, .journal = journal, .runbook = runbook, .log = log, .fresh = 1,
	                      .opts = { .yes = 1 } };
	sopt = (struct ssh_options){ 0, NULL, console_secret, &con, &s.run.interrupted };
	if (session_where(&s, err, sizeof err) == SESSION_BAD_JOURNAL || session_open(&s, &con, &sopt, err, sizeof err) < 0) {
		fprintf(stderr, "steps_test: %s\n", err);
		return SESSION_EXIT_USAGE;
	}
	r = session_run(&s, NULL, &sink, &rep);
	if (session_close(&s, r, &rep, err, sizeof err) < 0)
		fprintf(stderr, "steps_test: warning: %s\n", err);
	session_summarize(&s, r, &rep, &sum);
	console_close(&con);
	plan_free(&p);
	answers_free(&a);
	free(list);
	free(journal);
	free(runbook);
	free(log);
	return (int)sum.exit;
}
