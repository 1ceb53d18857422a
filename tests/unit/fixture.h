/* A small plan built from hand-written steps, for the runner, runbook and
 * journal tests: two steps, the second in the downtime window with a
 * destructive and an advisory action. */
#ifndef MAILSHIFT_FIXTURE_H
#define MAILSHIFT_FIXTURE_H

#include "testutil.h"

#include "core/answers.h"
#include "core/plan.h"

static void fx_plan_first(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_SOURCE, 0, "first check", "echo %q", "one");
	plan_add(ps, HOST_TARGET, 0, "second check", "echo two; echo err >&2");
}

static void fx_plan_second(const struct answers *a, struct plan_step *ps)
{
	plan_add(ps, HOST_TARGET, ACT_DESTRUCTIVE, "overwrites", "rsync -a -- %q/ x", a->opt.vmail_dir);
	plan_add(ps, HOST_SOURCE, ACT_ADVISORY, "may warn", "false");
	plan_add(ps, HOST_LOCAL, 0, "last", "printf '%%s\\n' done");
}

static const struct step fx_steps[] = {
	{ .id = "first-step", .title = "First", .why = "Because the first thing comes first.",
	  .flags = STEP_FIGURES, .plan = fx_plan_first },
	{ .id = "second", .title = "Second", .why = "Then the second, in the downtime.",
	  .flags = STEP_DOWNTIME, .plan = fx_plan_second },
};

static const char fx_answers_text[] =
	"[source]\nstack = iredmail\nbackend = mariadb\nhost = old.example.org\n"
	"[target]\nstack = iredmail\nbackend = mariadb\nhost = new.example.org\nport = 2222\n"
	"known_hosts = /etc/ssh/known hosts\n[options]\nvmail_dir = \"/var/my mail\"\n";

/* Builds the fixture plan by hand (not from the catalogue). */
static inline void fx_build_from(struct answers *a, struct plan *p, const struct step *steps)
{
	char err[256];
	size_t i;

	assert_int_equal(answers_parse(a, "fx.conf", fx_answers_text, err, sizeof err), 0);
	memset(p, 0, sizeof *p);
	p->answers = a;
	p->n = p->cap = 2;
	p->steps = xcalloc(2, sizeof *p->steps);
	for (i = 0; i < 2; i++) {
		p->steps[i].step = &steps[i];
		steps[i].plan(a, &p->steps[i]);
	}
}

static inline void fx_build(struct answers *a, struct plan *p)
{
	fx_build_from(a, p, fx_steps);
}

/* A plan whose actions pass values: a key read on the target and fed to
 * the source, and the same on this machine (which a runbook can replay). */
static void fx_plan_values(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_capture(ps, HOST_TARGET, 0, "pubkey", "reads the key", "cat -- %q", "/root/my key.pub");
	plan_feed(ps, HOST_SOURCE, 0, "pubkey", "authorizes it", "read -r k; echo \"got $k\"");
}

static void fx_plan_local_values(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_capture(ps, HOST_LOCAL, 0, "word", "says a word", "echo %q; echo %q", "hello world", "it's me");
	plan_feed(ps, HOST_LOCAL, ACT_ADVISORY, "word", "reads it", "while read -r w; do echo \"local got $w\"; done");
}

static const struct step fx_value_steps[] = {
	{ .id = "values", .title = "Values", .why = "A value goes from one host to the other.",
	  .plan = fx_plan_values },
	{ .id = "local-values", .title = "Local values", .why = "And here.", .plan = fx_plan_local_values },
};

static inline void fx_build_values(struct answers *a, struct plan *p)
{
	fx_build_from(a, p, fx_value_steps);
}

/* A plan with checklist items (ACT_MANUAL): printed instructions the admin
 * confirms, one in each step. */
static void fx_plan_prepare(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_LOCAL, 0, "a check", "echo ready");
	plan_add(ps, HOST_LOCAL, ACT_MANUAL, "lower the MX/A TTL to 300 s a day ahead", "printf '%%s\\n' %q",
	         "At your DNS provider, lower the TTL of the MX and A records to 300 seconds.");
}

static void fx_plan_switch(const struct answers *a, struct plan_step *ps)
{
	plan_add(ps, HOST_LOCAL, ACT_MANUAL, "point the MX at the new server (it's the switch)",
	         "printf '%%s\\n' %q", a->target.host);
	plan_add(ps, HOST_LOCAL, 0, "after", "echo after");
}

static const struct step fx_manual_steps[] = {
	{ .id = "prepare", .title = "Prepare", .why = "A day ahead.", .plan = fx_plan_prepare },
	{ .id = "cutover", .title = "Cutover", .why = "The switch.", .plan = fx_plan_switch },
};

static inline void fx_build_manual(struct answers *a, struct plan *p)
{
	fx_build_from(a, p, fx_manual_steps);
}

#endif
