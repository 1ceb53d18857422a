/* A session's world for the unit tests (test_session, test_worker): an
 * answers text, a plan built by hand from a list of steps (not from a
 * pair table), and the run's files in a temporary directory.  The world
 * owns all of it: fx_world_free releases it. */
#ifndef MAILSHIFT_FIXTURE_SESSION_H
#define MAILSHIFT_FIXTURE_SESSION_H

#include "testutil.h"

#include "app/session.h"

struct fx_world {
	char *dir, *journal, *runbook, *log;
	struct answers a;
	struct plan p;
	struct session s; /* on p and the files, --local, asking nothing */
};

static inline void fx_world_setup(struct fx_world *w, const struct step *list, size_t nsteps)
{
	char err[256];
	size_t i;

	memset(w, 0, sizeof *w);
	w->dir = tu_tmpdir();
	w->journal = xasprintf("%s/j", w->dir);
	w->runbook = xasprintf("%s/rb.sh", w->dir);
	w->log = xasprintf("%s/log", w->dir);
	assert_int_equal(answers_parse(&w->a, "t", "[source]\nstack = iredmail\nbackend = mariadb\nhost = a\n"
	                               "[target]\nstack = iredmail\nbackend = mariadb\nhost = b\n", err, sizeof err), 0);
	w->p.answers = &w->a;
	w->p.n = w->p.cap = nsteps;
	w->p.steps = xcalloc(nsteps, sizeof *w->p.steps);
	for (i = 0; i < nsteps; i++) {
		w->p.steps[i].step = &list[i];
		list[i].plan(&w->a, &w->p.steps[i]);
	}
	w->s = (struct session){ .plan = &w->p, .journal = w->journal, .runbook = w->runbook, .log = w->log,
	                         .local = 1 };
}

static inline void fx_world_free(struct fx_world *w)
{
	plan_free(&w->p);
	answers_free(&w->a);
	tu_rmrf(w->dir);
	free(w->dir);
	free(w->journal);
	free(w->runbook);
	free(w->log);
}

#endif
