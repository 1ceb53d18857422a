#include "core/cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh.h"
#include "backends/transport.h"
#include "core/answers.h"
#include "core/console.h"
#include "core/inspect.h"
#include "core/journal.h"
#include "core/plan.h"
#include "core/runbook.h"
#include "core/runner.h"
#include "core/xalloc.h"

struct cli {
	const char *answers, *runbook, *journal, *log, *report, *ssh_config, *until;
	int yes, dry_run, fresh, local, quiet, verbose, accept_new_host_key;
};

static const char usage_text[] =
	"usage: mailshift --answers FILE [--dry-run] [--yes] [--runbook PATH]\n"
	"                 [--journal PATH] [--log PATH] [--fresh] [--quiet|--verbose]\n"
	"                 [--accept-new-host-key] [--ssh-config FILE] [--until STEP]\n"
	"       mailshift --print-answers\n"
	"       mailshift --report JOURNAL\n"
	"       mailshift --help | --version\n";

static const char help_text[] =
	"mailshift moves a mail server to a new machine without losing a message.\n"
	"It plans the migration for the two servers described in an answers file,\n"
	"runs each step with a confirmation, and writes a bash runbook that replays it.\n"
	"\n"
	"  -a, --answers FILE   the two servers and the options (see --print-answers)\n"
	"  -n, --dry-run        write the runbook of the whole plan; touch no host\n"
	"  -y, --yes            ask nothing: run every step, stop at the first failure\n"
	"  -r, --runbook PATH   where the runbook goes (default ./mailshift-runbook.sh,\n"
	"                       with --dry-run ./mailshift-plan.sh)\n"
	"  -j, --journal PATH   the progress record (default ./mailshift.journal);\n"
	"                       a rerun resumes after the last finished action\n"
	"  -l, --log PATH       every line of output, with the commands\n"
	"                       (default ./mailshift.log)\n"
	"      --fresh          ignore the journal's progress and start at step one\n"
	"      --until STEP     stop cleanly after STEP (exit 0), e.g. the bulk copy days\n"
	"                       before the downtime; the same command without --until\n"
	"                       resumes at the next step (not with --dry-run)\n"
	"      --accept-new-host-key\n"
	"                       record a server's host key that known_hosts lacks\n"
	"                       (without it: asked, or with --yes refused); a changed\n"
	"                       key is always refused\n"
	"      --ssh-config FILE  Host, HostName, User, Port, IdentityFile from this\n"
	"                       OpenSSH config (default ~/.ssh/config)\n"
	"  -q, --quiet          print only warnings and errors\n"
	"  -v, --verbose        print each command before it runs\n"
	"      --print-answers  write a commented answers template to stdout\n"
	"      --report JOURNAL per-step durations and the downtime window\n"
	"  -h, --help, -V, --version\n"
	"\n"
	"Exit status: 0 done, 1 a step failed, 2 bad usage or input, 3 refused by the admin.\n"
	"See mailshift(1).\n";

enum { OPT_FRESH = 256, OPT_LOCAL, OPT_PRINT, OPT_REPORT, OPT_ACCEPT, OPT_SSH_CONFIG, OPT_UNTIL };

static int parse(struct cli *c, int argc, char **argv, int *done)
{
	static const struct option opts[] = {
		{ "answers", required_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "runbook", required_argument, NULL, 'r' },
		{ "journal", required_argument, NULL, 'j' },
		{ "log", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "fresh", no_argument, NULL, OPT_FRESH },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "accept-new-host-key", no_argument, NULL, OPT_ACCEPT },
		{ "ssh-config", required_argument, NULL, OPT_SSH_CONFIG },
		{ "local", no_argument, NULL, OPT_LOCAL },
		{ "print-answers", no_argument, NULL, OPT_PRINT },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*done = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":a:nyr:j:l:qvhV", opts, NULL)) != -1) {
		switch (o) {
		case 'a': c->answers = optarg; break;
		case 'n': c->dry_run = 1; break;
		case 'y': c->yes = 1; break;
		case 'r': c->runbook = optarg; break;
		case 'j': c->journal = optarg; break;
		case 'l': c->log = optarg; break;
		case 'q': c->quiet = 1; break;
		case 'v': c->verbose = 1; break;
		case OPT_FRESH: c->fresh = 1; break;
		case OPT_UNTIL: c->until = optarg; break;
		case OPT_ACCEPT: c->accept_new_host_key = 1; break;
		case OPT_SSH_CONFIG: c->ssh_config = optarg; break;
		case OPT_LOCAL:
			if (!getenv("MAILSHIFT_TESTING") || !*getenv("MAILSHIFT_TESTING")) {
				fputs("mailshift: --local runs every action on this machine; it is for mailshift's own "
				      "tests and needs MAILSHIFT_TESTING=1\n", stderr);
				*done = 1;
				return CLI_USAGE;
			}
			c->local = 1;
			break;
		case OPT_REPORT: c->report = optarg; break;
		case OPT_PRINT:
			answers_template(stdout);
			*done = 1;
			return CLI_OK;
		case 'h':
			fputs(usage_text, stdout);
			fputc('\n', stdout);
			fputs(help_text, stdout);
			*done = 1;
			return CLI_OK;
		case 'V':
			puts("mailshift " MAILSHIFT_VERSION);
			*done = 1;
			return CLI_OK;
		case ':':
			if (strncmp(argv[optind - 1], "--", 2) != 0)
				fprintf(stderr, "mailshift: -%c needs a value\n%s", optopt, usage_text);
			else
				fprintf(stderr, "mailshift: %s needs a value\n%s", argv[optind - 1], usage_text);
			*done = 1;
			return CLI_USAGE;
		default:
			if (strncmp(argv[optind - 1], "--", 2) != 0)
				fprintf(stderr, "mailshift: unknown option -%c\n%s", optopt, usage_text);
			else
				fprintf(stderr, "mailshift: unknown option %s\n%s", argv[optind - 1], usage_text);
			*done = 1;
			return CLI_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mailshift: unexpected argument \"%s\"\n%s", argv[optind], usage_text);
		*done = 1;
		return CLI_USAGE;
	}
	return CLI_OK;
}

static void on_signal(int sig)
{
	(void)sig;
	runner_interrupted = 1;
}

/* SIGINT and SIGTERM end the run after the current action, with the
 * journal and the runbook closed properly; a second one is the default. */
static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static size_t count_actions(const struct plan *p)
{
	size_t i, n = 0;
	for (i = 0; i < p->n; i++)
		n += p->steps[i].n;
	return n;
}

static int dry_run(struct cli *c, const struct plan *p, struct console *con)
{
	struct transport *t = transport_dry_new();
	struct runner_opts o = { .yes = 1, .dry_run = 1 };
	struct runner_report rep;
	struct runbook *rb;
	struct sink sink = { NULL, NULL };
	char err[512];
	size_t i;

	rb = runbook_open(c->runbook, p, 1, err, sizeof err);
	if (!rb) {
		fprintf(stderr, "mailshift: %s\n", err);
		transport_free(t);
		return CLI_USAGE;
	}
	runner_run(p, t, NULL, &sink, rb, NULL, &o, &rep);
	transport_free(t);
	if (runbook_close(rb, "Dry run: every step of the plan, none of it ran.") < 0) {
		fprintf(stderr, "mailshift: %s: writing the runbook failed\n", c->runbook);
		return CLI_FAILED;
	}
	if (!c->quiet) {
		fprintf(con->out, "mailshift: dry run of %s -> %s: %zu steps, %zu actions\n",
		        answers_endpoint_kind(&p->answers->source),
		        answers_endpoint_kind(&p->answers->target), p->n, count_actions(p));
		for (i = 0; i < p->n; i++)
			fprintf(con->out, "  %2zu. %-16s %s%s\n", i + 1, p->steps[i].step->id,
			        p->steps[i].step->title,
			        p->steps[i].step->flags & STEP_DOWNTIME ? "  [downtime]" : "");
		fprintf(con->out, "mailshift: wrote the runbook %s (bash %s --dry-run lists it)\n",
		        c->runbook, c->runbook);
	}
	return CLI_OK;
}

/* Decides where the run starts: fills *jp and sets o->resume when resuming,
 * sets *fresh when the journal's progress must be voided.  Returns -1 to
 * stop with *rc. */
static int resume_point(struct cli *c, const struct plan *p, struct console *con,
                        struct runner_opts *o, struct journal_progress *jp, int *fresh, int *rc)
{
	char err[512], q[512];

	*fresh = c->fresh;
	if (c->fresh)
		return 0;
	switch (journal_resume_point(c->journal, p, jp, err, sizeof err)) {
	case JOURNAL_FRESH:
		return 0;
	case JOURNAL_BAD:
		fprintf(stderr, "mailshift: %s\n", err);
		*rc = CLI_USAGE;
		return -1;
	case JOURNAL_OTHER:
		fprintf(stderr, "mailshift: %s records a different plan (the answers changed): "
		        "use another --journal, or --fresh to start this plan at step one\n", c->journal);
		*rc = CLI_USAGE;
		return -1;
	case JOURNAL_COMPLETE:
		fprintf(con->out, "mailshift: %s says every step of this plan finished; "
		        "--fresh runs it again from step one\n", c->journal);
		*rc = CLI_OK;
		return -1;
	case JOURNAL_PARTIAL:
		break;
	}
	snprintf(q, sizeof q, "mailshift: %s shows an unfinished run. Resume at step %s, action %zu of %zu?",
	         c->journal, p->steps[jp->step].step->id, jp->action + 1, p->steps[jp->step].n);
	if (c->yes)
		fprintf(con->out, "%s yes (--yes)\n", q);
	else if (!console_ask_yes(con, q, 1)) {
		fprintf(con->out, "mailshift: starting at step one\n");
		journal_progress_free(jp);
		*fresh = 1;
		return 0;
	}
	o->resume = jp;
	return 0;
}

/* Native actions (core/plan.h) through mailshift's own connections. */
static int native(void *ctx, enum native what, enum host on, struct transport *t, const struct sink *sink)
{
	const struct answers *a = ctx;

	if (what == NATIVE_LOOK)
		return inspect_look(a, t, on, sink);
	return inspect_compare(a, t, sink);
}

/* After a run: the checklist items (ACT_MANUAL) still pending, this run's
 * and earlier runs', from the journal. */
static void pending_items(const struct cli *c, struct console *con)
{
	char err[512];
	int n = journal_checklist(c->journal, NULL, 1, err, sizeof err);

	if (n <= 0)
		return;
	fprintf(con->out, "mailshift: %d checklist item(s) pending: the migration is not finished until you "
	        "have done them (mailshift --report %s lists the checklist):\n", n, c->journal);
	journal_checklist(c->journal, con->out, 1, err, sizeof err);
}

/* --until names a step the journal says finished: there is nothing to run
 * up to it.  Returns 1 (after saying so) in that case. */
static int until_done(const struct cli *c, const struct plan *p, const struct runner_opts *o,
                      struct console *con)
{
	if (!c->until || !o->resume || (int)o->resume->step <= plan_find(p, c->until))
		return 0;
	fprintf(con->out, "mailshift: step %s finished in an earlier run (journal %s): nothing to run up to it; "
	        "the same command without --until resumes at step %zu (%s)\n",
	        c->until, c->journal, o->resume->step + 1, p->steps[o->resume->step].step->id);
	return 1;
}

static const char *outcome(enum runner_result r)
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

static int run(struct cli *c, const struct plan *p, struct console *con)
{
	struct runner_opts o = { .yes = c->yes, .until = c->until };
	struct journal_progress jp = {0};
	struct runner_report rep;
	struct runner_ui ui = console_ui(con);
	struct sink sink = console_sink(con);
	struct transport *t;
	struct journal *j;
	struct runbook *rb;
	struct ssh_options sopt;
	enum runner_result r;
	char err[512], *note;
	int rc = CLI_OK, fresh;

	if (resume_point(c, p, con, &o, &jp, &fresh, &rc) < 0)
		return rc;
	if (until_done(c, p, &o, con)) {
		journal_progress_free(&jp);
		return CLI_OK;
	}
	j = NULL;
	rb = NULL;
	if (console_open_log(con, c->log, err, sizeof err) < 0 ||
	    !(j = journal_open(c->journal, p, fresh, err, sizeof err)) ||
	    !(rb = runbook_open(c->runbook, p, 0, err, sizeof err))) {
		fprintf(stderr, "mailshift: %s\n", err);
		journal_close(j);
		journal_progress_free(&jp);
		return CLI_USAGE;
	}
	install_signals();
	/* --yes asks nothing, host keys included: those need --accept-new-host-key */
	sopt = (struct ssh_options){ c->accept_new_host_key, c->yes ? NULL : console_confirm, console_secret, con };
	t = c->local ? transport_local_new() : transport_ssh_new(p->answers, &sopt);
	if (!c->local) { /* the probes need SSH tunnels; --local runs the shell equivalents */
		o.native = native;
		o.native_ctx = (void *)p->answers;
	}
	r = runner_run(p, t, &ui, &sink, rb, j, &o, &rep);
	transport_free(t);
	journal_progress_free(&jp);
	journal_finish(j, outcome(r));
	if (journal_close(j) < 0)
		fprintf(stderr, "mailshift: warning: %s: writing the journal failed\n", c->journal);
	note = runbook_end_note(r, p, &rep);
	if (runbook_close(rb, note) < 0)
		fprintf(stderr, "mailshift: warning: %s: writing the runbook failed\n", c->runbook);
	free(note);
	switch (r) {
	case RUNNER_DONE:
		fprintf(con->out, "mailshift: done: %zu steps; %zu advisory warning(s), %zu action(s) skipped.\n"
		        "mailshift: runbook %s, journal %s, log %s\n",
		        p->n, rep.warnings, rep.skipped, c->runbook, c->journal, c->log);
		rc = CLI_OK;
		break;
	case RUNNER_PAUSED:
		fprintf(con->out, "mailshift: stopped after step %s as asked (--until); the same command without "
		        "--until resumes at step %zu (%s)\n"
		        "mailshift: runbook %s, journal %s, log %s\n",
		        p->steps[rep.step].step->id, rep.step + 2, p->steps[rep.step + 1].step->id,
		        c->runbook, c->journal, c->log);
		rc = CLI_OK;
		break;
	case RUNNER_FAILED:
		fprintf(stderr, "mailshift: stopped: step %s failed (exit %d). Fix the cause, then run the same "
		        "command again: it resumes at that action (journal %s; log %s).\n",
		        p->steps[rep.step].step->id, rep.status, c->journal, c->log);
		rc = CLI_FAILED;
		break;
	case RUNNER_REFUSED:
		fprintf(stderr, "mailshift: %s at step %s; the same command resumes there.\n",
		        runner_interrupted ? "interrupted" : "stopped by the admin", p->steps[rep.step].step->id);
		rc = CLI_REFUSED;
		break;
	}
	pending_items(c, con);
	return rc;
}

/* --until names no step of this plan: says which there are. */
static int unknown_step(const char *id, const struct plan *p)
{
	size_t i;

	fprintf(stderr, "mailshift: --until %s: no such step in this plan; its steps are:", id);
	for (i = 0; i < p->n; i++)
		fprintf(stderr, " %s", p->steps[i].step->id);
	fputc('\n', stderr);
	return CLI_USAGE;
}

/* The answers say where; ~/.ssh/config may say more (HostName, Port...). */
static int apply_ssh_config(const struct cli *c, struct answers *a)
{
	char err[512], *def = NULL;
	const char *home = getenv("HOME"), *path = c->ssh_config;
	int rc;

	if (!path) {
		def = xasprintf("%s/.ssh/config", home && *home ? home : "/root");
		path = def;
	} else if (access(path, R_OK) < 0) {
		fprintf(stderr, "mailshift: --ssh-config %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = ssh_config_apply(&a->source, path, err, sizeof err);
	if (rc == 0)
		rc = ssh_config_apply(&a->target, path, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "mailshift: %s\n", err);
	free(def);
	return rc;
}

int cli_main(int argc, char **argv)
{
	struct cli c = { .journal = "mailshift.journal", .log = "mailshift.log" };
	struct console con = { .out = stdout, .err = stderr, .in = stdin };
	struct answers a;
	struct plan p;
	char err[512];
	int done, rc = parse(&c, argc, argv, &done);

	if (done)
		return rc;
	if (c.report) {
		if (journal_report(c.report, stdout, err, sizeof err) < 0) {
			fprintf(stderr, "mailshift: %s\n", err);
			return CLI_USAGE;
		}
		return CLI_OK;
	}
	if (!c.answers) {
		fprintf(stderr, "mailshift: the interactive wizard is not built yet: describe the servers in an "
		        "answers file (mailshift --print-answers > answers.conf) and pass --answers FILE\n");
		return CLI_USAGE;
	}
	if (c.until && c.dry_run) {
		fprintf(stderr, "mailshift: --until stops a run after a step; a dry run runs nothing and writes "
		        "the whole plan: use one or the other\n%s", usage_text);
		return CLI_USAGE;
	}
	if (!c.runbook)
		c.runbook = c.dry_run ? "mailshift-plan.sh" : "mailshift-runbook.sh";
	signal(SIGPIPE, SIG_IGN);
	con.quiet = c.quiet;
	con.verbose = c.verbose;
	if (answers_load(&a, c.answers, err, sizeof err) < 0) {
		fprintf(stderr, "mailshift: %s\n", err);
		return CLI_USAGE;
	}
	if (!c.local && apply_ssh_config(&c, &a) < 0) {
		answers_free(&a);
		return CLI_USAGE;
	}
	if (plan_build(&p, &a, err, sizeof err) < 0) {
		fprintf(stderr, "mailshift: %s\n", err);
		answers_free(&a);
		return CLI_USAGE;
	}
	if (c.until && plan_find(&p, c.until) < 0)
		rc = unknown_step(c.until, &p);
	else
		rc = c.dry_run ? dry_run(&c, &p, &con) : run(&c, &p, &con);
	console_close(&con);
	plan_free(&p);
	answers_free(&a);
	return rc;
}
