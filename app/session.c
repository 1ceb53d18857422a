#include "app/session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh.h"
#include "backends/inspect.h"
#include "core/xalloc.h"

enum session_start session_where(struct session *s, char *err, size_t errlen)
{
	if (s->fresh)
		return SESSION_FROM_START;
	switch (journal_resume_point(s->journal, s->plan, &s->progress, err, errlen)) {
	case JOURNAL_FRESH: return SESSION_FROM_START;
	case JOURNAL_PARTIAL: return SESSION_RESUMABLE;
	case JOURNAL_COMPLETE: return SESSION_FINISHED;
	case JOURNAL_OTHER: return SESSION_OTHER_PLAN;
	case JOURNAL_BAD: break;
	}
	return SESSION_BAD_JOURNAL;
}

void session_resume(struct session *s)
{
	s->opts.resume = &s->progress;
}

void session_start_over(struct session *s)
{
	journal_progress_free(&s->progress);
	s->opts.resume = NULL;
	s->fresh = 1;
}

int session_runbook_whole(struct session *s, char *err, size_t errlen)
{
	int fd = journal_hold(s->journal, err, errlen), rc;
	struct runbook *rb = fd < 0 ? NULL : runbook_open(s->runbook, s->plan, 0, err, errlen);
	size_t si, ai;

	if (!rb) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (si = 0; si < s->plan->n; si++) {
		const struct plan_step *ps = &s->plan->steps[si];
		runbook_step(rb, si);
		for (ai = 0; ai < ps->n; ai++) {
			int skipped = s->progress.skipped && s->progress.skipped[si][ai];
			runbook_action(rb, &ps->act[ai], skipped ? RUNBOOK_SKIPPED : RUNBOOK_EARLIER);
		}
		runbook_step_end(rb);
	}
	rc = runbook_close(rb, NULL);
	close(fd);
	if (rc < 0)
		snprintf(err, errlen, "%s: writing the runbook failed", s->runbook);
	return rc;
}

int session_key_left(const struct session *s, char *out, size_t n)
{
	const struct plan *p = s->plan;
	const struct answers *a = p->answers;
	int km = plan_find_flag(p, STEP_KEY_ADD), kr = plan_find_flag(p, STEP_KEY_REMOVE), left = 0;
	struct journal_progress g;
	char err[256];

	if (km < 0 || kr < 0)
		return 0;
	switch (journal_resume_point(s->journal, p, &g, err, sizeof err)) {
	case JOURNAL_PARTIAL:
		/* authorized (the step's third action) and not yet removed (its first) */
		left = (g.step > (size_t)km || (g.step == (size_t)km && g.action >= 3)) &&
		       (g.step < (size_t)kr || (g.step == (size_t)kr && g.action == 0));
		break;
	case JOURNAL_COMPLETE:
		left = g.skipped && g.skipped[kr][0]; /* the admin skipped its removal */
		break;
	default:
		break;
	}
	journal_progress_free(&g);
	if (left)
		snprintf(out, n, "the one-off key is still authorized on the source (%s@%s: the line of "
		         "~/.ssh/authorized_keys marked \"mailshift-migration %s@%s\"): it lets the target log in "
		         "there until the run's last step, remove-key, takes it away, or it expires 14 days after it "
		         "was added (it can only read the source, through its gate). Resume the run, or remove it "
		         "now, on the source: sed -i '/ mailshift-migration %s@%s$/d' ~/.ssh/authorized_keys",
		         a->source.user, a->source.host, a->target.user, a->target.host, a->target.user,
		         a->target.host);
	return left;
}

/* Native actions (core/plan.h) through mailshift's own connections. */
static int native(void *ctx, enum native what, enum host on, struct transport *t, const struct sink *sink)
{
	const struct answers *a = ctx;

	if (what == NATIVE_LOOK)
		return inspect_look(a, t, on, sink);
	if (what == NATIVE_PREP) {
		sink_emit(sink, SINK_INFO, on, "mailshift reads this itself in the comparison that follows: "
		          "nothing to do here");
		return 0;
	}
	return inspect_compare(a, t, sink);
}

int session_open(struct session *s, struct console *con, const struct ssh_options *sopt,
                 char *err, size_t errlen)
{
	/* the journal first: its lock keeps a second run on it from touching
	 * the log or the runbook */
	if (!(s->j = journal_open(s->journal, s->plan, s->fresh, err, errlen)) ||
	    console_open_log(con, s->log, err, errlen) < 0 ||
	    !(s->rb = runbook_open(s->runbook, s->plan, 0, err, errlen))) {
		console_close(con);
		journal_close(s->j);
		s->j = NULL;
		return -1;
	}
	s->t = s->local ? transport_local_new() : transport_ssh_new(s->plan->answers, sopt);
	if (!s->local) { /* the probes need SSH tunnels; --local runs the shell equivalents */
		s->opts.native = native;
		s->opts.native_ctx = (void *)s->plan->answers;
	}
	s->run.plan = s->plan;
	s->run.t = s->t;
	s->run.rb = s->rb;
	s->run.j = s->j;
	s->run.opts = &s->opts;
	return 0;
}

enum runner_result session_run(struct session *s, const struct runner_ui *ui, const struct sink *sink,
                               struct runner_report *rep)
{
	enum runner_result r;

	s->run.ui = ui;
	s->run.sink = sink;
	r = runner_run(&s->run);
	if (rep)
		*rep = s->run.rep;
	return r;
}

const char *session_outcome(enum runner_result r)
{
	switch (r) {
	case RUNNER_DONE: return "done";
	case RUNNER_FAILED: return "failed";
	case RUNNER_REFUSED: return "refused";
	case RUNNER_PAUSED: return "paused";
	}
	return "failed";
}

/* The closing comment of the runbook: NULL when the run reached the end. */
static char *runbook_end_note(enum runner_result r, const struct plan *p, const struct runner_report *rep)
{
	if (r == RUNNER_DONE)
		return NULL;
	if (r == RUNNER_PAUSED)
		return xasprintf("The run stopped after step %s as asked (--until): the steps above are the ones it "
		                 "ran. The same mailshift command without --until resumes at step %s and writes "
		                 "the runbook of the whole plan.", p->steps[rep->step].step->id,
		                 p->steps[rep->step + 1].step->id);
	return xstrdup("The run stopped before the end: the steps above are the ones it reached.");
}

int session_close(struct session *s, enum runner_result r, const struct runner_report *rep,
                  char *err, size_t errlen)
{
	char *note;
	int rc = 0;

	if (s->t)
		transport_free(s->t);
	s->t = NULL;
	s->run.t = NULL;
	s->run.j = NULL;
	s->run.rb = NULL;
	journal_progress_free(&s->progress);
	s->opts.resume = NULL;
	if (!s->j)
		return 0;
	journal_finish(s->j, session_outcome(r));
	if (journal_close(s->j) < 0) {
		snprintf(err, errlen, "%s: writing the journal failed", s->journal);
		rc = -1;
	}
	s->j = NULL;
	note = runbook_end_note(r, s->plan, rep);
	if (runbook_close(s->rb, note) < 0) {
		snprintf(err, errlen, "%s: writing the runbook failed", s->runbook);
		rc = -1;
	}
	s->rb = NULL;
	free(note);
	return rc;
}

int session_ssh_config(struct answers *a, const char *path, char *err, size_t errlen)
{
	char *def = NULL;
	const char *home = getenv("HOME");
	int rc;

	if (!path) {
		def = xasprintf("%s/.ssh/config", home && *home ? home : "/root");
		path = def;
	} else if (access(path, R_OK) < 0) {
		snprintf(err, errlen, "--ssh-config %s: %s", path, strerror(errno));
		return -1;
	}
	rc = ssh_config_apply(&a->source, path, err, errlen);
	if (rc == 0)
		rc = ssh_config_apply(&a->target, path, err, errlen);
	free(def);
	return rc;
}

enum session_exit session_exit_code(enum runner_result r)
{
	switch (r) {
	case RUNNER_FAILED:
		return SESSION_EXIT_FAILED;
	case RUNNER_REFUSED:
		return SESSION_EXIT_REFUSED;
	case RUNNER_DONE:
	case RUNNER_PAUSED:
		break;
	}
	return SESSION_EXIT_OK;
}

int session_until_past(const struct session *s)
{
	const char *until = s->opts.until;

	return until && !s->fresh && plan_find(s->plan, until) < (int)s->progress.step;
}

void session_summarize(const struct session *s, enum runner_result r, const struct runner_report *rep,
                       struct session_summary *out)
{
	const struct plan *p = s->plan;
	char err[256];
	int n;

	memset(out, 0, sizeof *out);
	out->result = r;
	out->exit = session_exit_code(r);
	out->rep = *rep;
	out->interrupted = s->run.interrupted != 0;
	if (r != RUNNER_DONE && rep->step < p->n) {
		out->step = p->steps[rep->step].step->id;
		out->resume_index = rep->step;
		/* paused: after the until step, which is never the last (RUNNER_DONE) */
		if (r == RUNNER_PAUSED && rep->step + 1 < p->n)
			out->resume_index = rep->step + 1;
		out->resume_step = p->steps[out->resume_index].step->id;
	}
	if (r == RUNNER_FAILED)
		runner_status_text(rep->status, out->why, sizeof out->why);
	n = journal_checklist(s->journal, NULL, 1, err, sizeof err);
	out->pending = n > 0 ? n : 0;
	out->key_left = session_key_left(s, out->key, sizeof out->key);
}

enum session_skip session_skip_check(const struct plan *p, const char *id, char *err, size_t errlen)
{
	int i = plan_find(p, id);
	enum session_skip r = i < 0 ? SESSION_SKIP_UNKNOWN
	                      : p->steps[i].step->flags & STEP_OPTIONAL ? SESSION_SKIP_OK : SESSION_SKIP_NEEDED;
	size_t k, len;

	if (r == SESSION_SKIP_OK || !err || !errlen)
		return r;
	snprintf(err, errlen, "%s: %s; the steps this plan may leave out are:", id,
	         r == SESSION_SKIP_UNKNOWN ? "no such step in this plan" : "the migration needs this step");
	for (k = 0; k < p->n; k++) {
		len = strlen(err);
		if (p->steps[k].step->flags & STEP_OPTIONAL)
			snprintf(err + len, errlen - len, " %s", p->steps[k].step->id);
	}
	return r;
}

enum session_until session_until_check(const struct plan *p, const char *id, char *err, size_t errlen)
{
	int i = plan_find(p, id), before = -1, after = -1;
	size_t k, len;

	if (i >= 0 && (size_t)i + 1 >= p->n)
		return SESSION_UNTIL_LAST;
	if (i >= 0 && !((p->steps[i].step->flags & STEP_DOWNTIME) && (p->steps[i + 1].step->flags & STEP_DOWNTIME)))
		return SESSION_UNTIL_OK;
	if (!err || !errlen)
		return i < 0 ? SESSION_UNTIL_UNKNOWN : SESSION_UNTIL_WINDOW;
	if (i < 0) {
		snprintf(err, errlen, "%s: no such step in this plan; its steps are:", id);
		for (k = 0; k < p->n; k++) {
			len = strlen(err);
			snprintf(err + len, errlen - len, " %s", p->steps[k].step->id);
		}
		return SESSION_UNTIL_UNKNOWN;
	}
	for (k = 0; k < p->n; k++) /* the window's edges: the last step before it, its last step */
		if (p->steps[k].step->flags & STEP_DOWNTIME) {
			if (before < 0)
				before = (int)k - 1;
			after = (int)k;
		}
	snprintf(err, errlen, "%s: inside the downtime window: mail would stay stopped while the run waits; "
	         "pause before the window%s%s%s or after it (%s)", id, before >= 0 ? " (after " : "",
	         before >= 0 ? p->steps[before].step->id : "", before >= 0 ? ")" : "", p->steps[after].step->id);
	return SESSION_UNTIL_WINDOW;
}

int session_left_out(const struct plan *p, const char *const *ids, size_t n, size_t i)
{
	return i < p->n && runner_skips(ids, n, p->steps[i].step->id);
}

void session_resume_at(const struct session *s, struct session_resume_at *out)
{
	const struct plan_step *ps = &s->plan->steps[s->progress.step];

	out->index = s->progress.step;
	out->step = ps->step->id;
	out->title = ps->step->title;
	out->action = s->progress.action + 1;
	out->actions = ps->n;
}

int session_typed_check(const struct plan *p, int yes, int dry_run, const char *typed, char *err,
                        size_t errlen)
{
	const struct action *a = plan_find_action(p, ACT_DESTRUCTIVE | ACT_CONFIRM_HOST);
	const char *host, *who, *id = "?";
	size_t i;

	if (!a || dry_run)
		return 0;
	host = plan_host_address(p, a->on);
	who = plan_host_name(a->on);
	for (i = 0; i < p->n; i++)
		if (a >= p->steps[i].act && a < p->steps[i].act + p->steps[i].n)
			id = p->steps[i].step->id;
	if (yes && typed && strcmp(typed, host) == 0)
		return 0;
	if (yes && typed)
		snprintf(err, errlen, "step %s wipes the %s, %s: wipe_source_confirm = %s in the answers is not its "
		         "host name; write wipe_source_confirm = %s to confirm it (or wipe_source = no)",
		         id, who, host, typed, host);
	else
		snprintf(err, errlen, "step %s wipes the %s, %s (wipe_source = yes): a headless run needs --yes and "
		         "wipe_source_confirm = %s in the answers, the host name typed as the confirmation (the "
		         "wizard asks you to type it)", id, who, host, host);
	return -1;
}
