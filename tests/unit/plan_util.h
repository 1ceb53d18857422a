/* Helpers of the plan tests (test_plan.c, test_stacks.c): answers for two
 * iRedMail hosts, plans built from them, an action found by its text, an
 * action run in bash.  static inline: each test file takes what it uses. */
#ifndef MAILSHIFT_PLAN_UTIL_H
#define MAILSHIFT_PLAN_UTIL_H

#include <sys/stat.h>

#include "testutil.h"

#include "core/answers.h"
#include "core/plan.h"
#include "steps/steps.h"

/* The first action of step id on host `on` (HOST_ANY: either) whose
 * command holds needle. */
#define HOST_ANY (-1)

static inline char *conf(const char *sbackend, const char *tbackend, const char *options)
{
	return xasprintf("[source]\nstack = iredmail\nbackend = %s\nhost = old.example.org\n"
	                 "[target]\nstack = iredmail\nbackend = %s\nhost = new.example.org\n"
	                 "[options]\n%s", sbackend, tbackend, options);
}

static inline void build(struct answers *a, struct plan *p, const char *text)
{
	char err[512];
	if (answers_parse(a, "t.conf", text, err, sizeof err) < 0)
		fail_msg("%s", err);
	if (steps_plan(p, a, err, sizeof err) < 0)
		fail_msg("%s", err);
}

/* The checks and the safety of the whole iRedMail migration: where each
 * runs, which actions are DESTRUCTIVE, and the proofs each step gives. */
/* The first action of step id on host `on` (HOST_ANY: either) whose
 * command holds needle. */
#define HOST_ANY (-1)
static inline const struct action *find_action_on(const struct plan *p, const char *id, int on, const char *needle)
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

static inline const struct action *find_action(const struct plan *p, const char *id, const char *needle)
{
	return find_action_on(p, id, HOST_ANY, needle);
}

/* Runs one action in bash after the preamble, with dir/bin first on PATH;
 * its stdout in out, its exit status returned. */
static inline int run_action(const char *dir, const struct action *act, struct buf *out)
{
	char *script = xasprintf("exec 2>&1\nPATH=%s/bin:$PATH\n%s\n%s", dir, PLAN_PREAMBLE, act->cmd);
	char *const argv[] = { (char *)"bash", (char *)"-c", script, NULL };
	int rc = tu_capture(argv, out);

	free(script);
	return rc;
}

static inline void put_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	tu_write(path, text);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

/* All the commands of one step, joined. */
static inline char *step_text(const struct plan *p, const char *id)
{
	struct buf b = {0};
	int si = plan_find(p, id);
	size_t i;

	assert_true(si >= 0);
	for (i = 0; i < p->steps[si].n; i++)
		buf_addf(&b, "[%s] %s\n", plan_host_name(p->steps[si].act[i].on), p->steps[si].act[i].cmd);
	return buf_steal(&b);
}

#endif
