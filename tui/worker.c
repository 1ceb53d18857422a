#include "tui/worker.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/xalloc.h"

enum qstate { Q_NONE, Q_POSTED, Q_SHOWN, Q_ANSWERED };

struct tui_worker {
	struct session *s;
	struct tui_logring *ring;
	struct console con; /* the log file; its terminal streams go to /dev/null */
	struct ssh_options sopt;
	pthread_t th;
	int running, joined;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* guarded by mu */
	enum qstate qstate;
	struct tui_question q;
	enum runner_choice choice;
	char *secret;
	size_t secret_n;
	int stopping;
	uint64_t out_from;
	enum tui_mark *marks;
	size_t current;
	char progress[512]; /* the latest SINK_PROGRESS text; "" none */
	char doing[256];    /* the running action ("[source] what it does"); "" none */
	char connecting[256]; /* the transport's "connecting to ..." until it logs in */
	struct timespec since; /* when `doing` began */
	int asking;           /* a question waits: no activity line */
	int finished;
	enum runner_result result;
	struct runner_report rep;
};

/* ---- the worker thread's side ------------------------------------------ */

/* Pushes each line of text with prefix before it. */
static void push(struct tui_worker *w, enum sink_kind kind, const char *prefix, const char *text)
{
	const char *l, *e;

	for (l = text;; l = e + 1) {
		char *line;
		e = strchr(l, '\n');
		line = xasprintf("%s%.*s", prefix, e ? (int)(e - l) : (int)strlen(l), l);
		tui_logring_push(w->ring, (int)kind, line);
		free(line);
		if (!e)
			break;
	}
}

/* What runs now: an action (text, from now on), or nothing (NULL). */
static void set_doing(struct tui_worker *w, const char *prefix, const char *text)
{
	pthread_mutex_lock(&w->mu);
	w->connecting[0] = '\0';
	if (text) {
		snprintf(w->doing, sizeof w->doing, "%s%s", prefix, text);
		clock_gettime(CLOCK_MONOTONIC, &w->since);
	} else {
		w->doing[0] = '\0';
	}
	pthread_mutex_unlock(&w->mu);
}

/* Keeps text as the progress line ("": none). */
static void set_progress(struct tui_worker *w, const char *text)
{
	pthread_mutex_lock(&w->mu);
	snprintf(w->progress, sizeof w->progress, "%s", text);
	pthread_mutex_unlock(&w->mu);
}

/* The sink: the log file (as the headless console writes it) and the ring,
 * in the headless console's format; a progress line only in w->progress
 * (the console sink drops it: no terminal, and never logged). */
static void emit(void *ctx, enum sink_kind kind, enum host h, const char *text)
{
	struct tui_worker *w = ctx;
	struct sink log = console_sink(&w->con);
	const char *host = plan_host_name(h);
	char pre[32];

	sink_emit(&log, kind, h, text);
	switch (kind) {
	case SINK_PROGRESS: set_progress(w, text); break;
	case SINK_STEP:
		set_progress(w, "");
		set_doing(w, "", NULL);
		push(w, kind, "== ", text);
		break;
	case SINK_WHY: break; /* the step's dialog shows it */
	case SINK_ACTION:
		set_progress(w, ""); /* before the line: the UI sees no old progress under it */
		snprintf(pre, sizeof pre, "-- [%s] ", host);
		set_doing(w, pre + 3, text);
		push(w, kind, pre, text);
		pthread_mutex_lock(&w->mu);
		w->out_from = tui_logring_end(w->ring);
		pthread_mutex_unlock(&w->mu);
		break;
	case SINK_COMMAND: push(w, kind, "   $ ", text); break;
	case SINK_OUT:
		snprintf(pre, sizeof pre, "%s| ", host);
		push(w, kind, pre, text);
		break;
	case SINK_ERR:
		snprintf(pre, sizeof pre, "%s! ", host);
		push(w, kind, pre, text);
		break;
	case SINK_INFO:
		pthread_mutex_lock(&w->mu); /* the SSH transport's connecting ... logged in */
		if (strncmp(text, "connecting to ", 14) == 0)
			snprintf(w->connecting, sizeof w->connecting, "%s", text);
		else if (strncmp(text, "logged in to ", 13) == 0)
			w->connecting[0] = '\0';
		pthread_mutex_unlock(&w->mu);
		push(w, kind, "mailshift: ", text);
		break;
	case SINK_WARN: push(w, kind, "warning: ", text); break;
	case SINK_ERROR: push(w, kind, "error: ", text); break;
	}
}

static size_t index_of(struct tui_worker *w, const struct plan_step *ps)
{
	return (size_t)(ps - w->s->plan->steps);
}

/* Posts q and waits for the UI thread's answer; "stop" once stopping. */
static enum runner_choice ask(struct tui_worker *w, struct tui_question *q)
{
	enum runner_choice c = RUNNER_ABORT;

	pthread_mutex_lock(&w->mu);
	w->progress[0] = '\0'; /* the action it showed has ended */
	w->asking = 1;          /* the activity line hides behind the question, and comes back after */
	if (!w->stopping) {
		q->nsteps = w->s->plan->n;
		q->out_from = w->out_from;
		w->q = *q;
		w->qstate = Q_POSTED;
		while (w->qstate != Q_ANSWERED)
			pthread_cond_wait(&w->cv, &w->mu);
		c = w->choice;
	}
	w->qstate = Q_NONE;
	w->asking = 0;
	w->secret = NULL;
	pthread_mutex_unlock(&w->mu);
	return c;
}

static void mark(struct tui_worker *w, size_t i, enum tui_mark m)
{
	pthread_mutex_lock(&w->mu);
	w->marks[i] = m;
	w->current = i;
	pthread_mutex_unlock(&w->mu);
}

static enum runner_choice confirm_step(void *ctx, const struct plan_step *ps, size_t i, size_t n)
{
	struct tui_worker *w = ctx;
	struct tui_question q = { .kind = TUI_Q_STEP, .step = i, .ps = ps };
	enum runner_choice c;
	size_t k;

	(void)n;
	pthread_mutex_lock(&w->mu);
	for (k = 0; k < i; k++) /* the run went past them */
		if (w->marks[k] == TUI_MARK_RUNNING)
			w->marks[k] = TUI_MARK_DONE;
	pthread_mutex_unlock(&w->mu);
	mark(w, i, TUI_MARK_ASKING);
	c = ask(w, &q);
	mark(w, i, c == RUNNER_GO ? TUI_MARK_RUNNING : c == RUNNER_SKIP ? TUI_MARK_SKIPPED : TUI_MARK_STOPPED);
	return c;
}

static enum runner_choice confirm_destructive(void *ctx, const struct plan_step *ps, const struct action *a)
{
	struct tui_worker *w = ctx;
	struct tui_question q = { .kind = TUI_Q_DESTRUCTIVE, .step = index_of(w, ps), .ps = ps, .a = a };
	enum runner_choice c = ask(w, &q);

	if (c == RUNNER_ABORT)
		mark(w, q.step, TUI_MARK_STOPPED);
	return c;
}

static enum runner_choice confirm_host(void *ctx, const struct plan_step *ps, const struct action *a,
                                       const char *host)
{
	struct tui_worker *w = ctx;
	struct tui_question q = { .kind = TUI_Q_TYPED_HOST, .step = index_of(w, ps), .ps = ps, .a = a,
	                          .text = host };
	enum runner_choice c = ask(w, &q);

	if (c == RUNNER_ABORT)
		mark(w, q.step, TUI_MARK_STOPPED);
	return c;
}

static enum runner_choice failed(void *ctx, const struct plan_step *ps, const struct action *a,
                                 int status, int can_skip)
{
	struct tui_worker *w = ctx;
	struct tui_question q = { .kind = TUI_Q_FAILED, .step = index_of(w, ps), .ps = ps, .a = a,
	                          .status = status, .can_skip = can_skip };
	enum runner_choice c;

	mark(w, q.step, TUI_MARK_FAILED);
	c = ask(w, &q);
	if (c == RUNNER_RETRY || (c == RUNNER_SKIP && can_skip))
		mark(w, q.step, TUI_MARK_RUNNING);
	return c;
}

static enum runner_choice manual(void *ctx, const struct plan_step *ps, const struct action *a)
{
	struct tui_worker *w = ctx;
	struct tui_question q = { .kind = TUI_Q_MANUAL, .step = index_of(w, ps), .ps = ps, .a = a };
	enum runner_choice c = ask(w, &q);

	if (c == RUNNER_ABORT)
		mark(w, q.step, TUI_MARK_STOPPED);
	return c;
}

static int ssh_confirm(void *ctx, const char *question)
{
	struct tui_question q = { .kind = TUI_Q_CONFIRM, .text = question };

	return ask(ctx, &q) == RUNNER_GO;
}

static int ssh_secret(void *ctx, const char *prompt, char *buf, size_t n)
{
	struct tui_worker *w = ctx;
	struct tui_question q = { .kind = TUI_Q_SECRET, .text = prompt };

	explicit_bzero(buf, n);
	pthread_mutex_lock(&w->mu);
	w->secret = buf;
	w->secret_n = n;
	pthread_mutex_unlock(&w->mu);
	if (ask(w, &q) == RUNNER_GO)
		return 0;
	explicit_bzero(buf, n);
	return -1;
}

static void *run(void *arg)
{
	struct tui_worker *w = arg;
	const struct runner_ui ui = { .confirm_step = confirm_step, .confirm_destructive = confirm_destructive,
	                              .failed = failed, .manual = manual, .confirm_host = confirm_host,
	                              .ctx = w };
	const struct sink sink = { emit, w };
	struct runner_report rep;
	enum runner_result r = session_run(w->s, &ui, &sink, &rep);
	size_t k;

	pthread_mutex_lock(&w->mu);
	for (k = 0; k < w->s->plan->n; k++) {
		if (w->marks[k] != TUI_MARK_RUNNING && w->marks[k] != TUI_MARK_ASKING)
			continue;
		if (r == RUNNER_DONE || r == RUNNER_PAUSED)
			w->marks[k] = TUI_MARK_DONE;
		else
			w->marks[k] = r == RUNNER_FAILED && k == rep.step && rep.status != RUNNER_NO_RECORDS
			              ? TUI_MARK_FAILED : TUI_MARK_STOPPED;
	}
	w->result = r;
	w->rep = rep;
	w->progress[0] = w->doing[0] = w->connecting[0] = '\0';
	w->finished = 1;
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- the UI thread's side ----------------------------------------------- */

struct tui_worker *tui_worker_new(struct session *s, struct tui_logring *ring)
{
	struct tui_worker *w = xcalloc(1, sizeof *w);
	size_t k;

	w->s = s;
	w->ring = ring;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->marks = xcalloc(s->plan->n ? s->plan->n : 1, sizeof *w->marks);
	if (s->opts.resume) /* the steps before the resume point finished earlier (or were skipped) */
		for (k = 0; k < s->opts.resume->step && k < s->plan->n; k++) {
			size_t a, skipped = 0;
			for (a = 0; a < s->plan->steps[k].n; a++)
				skipped += s->opts.resume->skipped && s->opts.resume->skipped[k][a];
			w->marks[k] = skipped && skipped == s->plan->steps[k].n ? TUI_MARK_SKIPPED : TUI_MARK_EARLIER;
		}
	w->con.out = w->con.err = fopen("/dev/null", "we");
	w->con.quiet = 1;
	w->sopt = (struct ssh_options){ 0, ssh_confirm, ssh_secret, w, &s->run.interrupted };
	return w;
}


int tui_worker_open(struct tui_worker *w, int accept_new_host_key, char *err, size_t errlen)
{
	w->sopt.accept_new_host_key = accept_new_host_key;
	if (!w->con.out) {
		snprintf(err, errlen, "/dev/null: cannot open");
		return -1;
	}
	return session_open(w->s, &w->con, &w->sopt, err, errlen);
}

const struct ssh_options *tui_worker_ssh_options(struct tui_worker *w)
{
	return &w->sopt;
}

int tui_worker_run(struct tui_worker *w, char *err, size_t errlen)
{
	sigset_t block, old;
	int rc;

	/* resizes and stops are the UI thread's: they must not interrupt a
	 * connect() or poll() in the run */
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGTSTP);
	sigaddset(&block, SIGCONT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(&w->th, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the run: %s", strerror(rc));
		return -1;
	}
	w->running = 1;
	return 0;
}

int tui_worker_question(struct tui_worker *w, struct tui_question *q)
{
	int got = 0;

	pthread_mutex_lock(&w->mu);
	if (w->qstate == Q_POSTED) {
		*q = w->q;
		w->qstate = Q_SHOWN;
		got = 1;
	}
	pthread_mutex_unlock(&w->mu);
	return got;
}

/* With mu held: the question waiting gets its answer. */
static void answer_locked(struct tui_worker *w, enum runner_choice c)
{
	if (w->qstate != Q_POSTED && w->qstate != Q_SHOWN)
		return;
	w->choice = c;
	w->qstate = Q_ANSWERED;
	pthread_cond_broadcast(&w->cv);
}

void tui_worker_answer(struct tui_worker *w, enum runner_choice c)
{
	pthread_mutex_lock(&w->mu);
	if (w->q.kind != TUI_Q_SECRET)
		answer_locked(w, c);
	pthread_mutex_unlock(&w->mu);
}

void tui_worker_answer_secret(struct tui_worker *w, const char *secret)
{
	pthread_mutex_lock(&w->mu);
	if (w->q.kind == TUI_Q_SECRET && w->secret && (w->qstate == Q_POSTED || w->qstate == Q_SHOWN)) {
		if (secret)
			snprintf(w->secret, w->secret_n, "%s", secret);
		answer_locked(w, secret ? RUNNER_GO : RUNNER_ABORT);
	}
	pthread_mutex_unlock(&w->mu);
}

void tui_worker_stop(struct tui_worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	w->s->run.interrupted = 1;
	answer_locked(w, RUNNER_ABORT);
	pthread_mutex_unlock(&w->mu);
}

int tui_worker_stopping(struct tui_worker *w)
{
	int v;

	pthread_mutex_lock(&w->mu);
	v = w->stopping;
	pthread_mutex_unlock(&w->mu);
	return v;
}

size_t tui_worker_marks(struct tui_worker *w, enum tui_mark *out, size_t n)
{
	size_t cur;

	pthread_mutex_lock(&w->mu);
	memcpy(out, w->marks, (n < w->s->plan->n ? n : w->s->plan->n) * sizeof *out);
	cur = w->current;
	pthread_mutex_unlock(&w->mu);
	return cur;
}

int tui_worker_finished(struct tui_worker *w)
{
	int v;

	pthread_mutex_lock(&w->mu);
	v = w->finished;
	pthread_mutex_unlock(&w->mu);
	return v;
}

int tui_worker_progress(struct tui_worker *w, char *buf, size_t n)
{
	int got;

	pthread_mutex_lock(&w->mu);
	got = w->progress[0] != '\0';
	if (n)
		snprintf(buf, n, "%s", w->progress);
	pthread_mutex_unlock(&w->mu);
	return got;
}

int tui_worker_activity(struct tui_worker *w, char *buf, size_t n, double *seconds)
{
	struct timespec now;
	int got;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&w->mu);
	got = w->doing[0] != '\0' && !w->asking;
	if (n)
		snprintf(buf, n, "%s", w->connecting[0] ? w->connecting : w->doing);
	*seconds = got ? (double)(now.tv_sec - w->since.tv_sec) + (now.tv_nsec - w->since.tv_nsec) / 1e9 : 0;
	pthread_mutex_unlock(&w->mu);
	return got;
}

enum runner_result tui_worker_join(struct tui_worker *w, struct runner_report *rep, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (w->running && !w->joined) {
		pthread_join(w->th, NULL);
		w->joined = 1;
		session_close(w->s, w->result, &w->rep, err, errlen);
		console_close(&w->con);
	}
	*rep = w->rep;
	return w->result;
}

void tui_worker_free(struct tui_worker *w)
{
	struct runner_report rep;
	char err[256];

	if (!w)
		return;
	if (w->running && !w->joined) {
		tui_worker_stop(w);
		tui_worker_join(w, &rep, err, sizeof err);
	}
	if (!w->running) /* opened but never run: close what session_open opened */
		session_close(w->s, RUNNER_REFUSED, &w->rep, err, sizeof err);
	console_close(&w->con);
	if (w->con.out)
		fclose(w->con.out);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->marks);
	free(w);
}
