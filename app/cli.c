#include "app/cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/transport.h"
#include "core/answers.h"
#include "core/console.h"
#include "core/journal.h"
#include "core/plan.h"
#include "core/runbook.h"
#include "core/runner.h"
#include "app/session.h"
#include "core/xalloc.h"
#include "steps/steps.h"
#include "tui/tui.h"

struct cli {
	const char *answers, *runbook, *journal, *log, *report, *ssh_config, *until;
	const char *skip[16]; /* --skip STEP, each an optional step left out */
	size_t nskip;
	int yes, dry_run, fresh, local, quiet, verbose, accept_new_host_key, wizard;
};

static const char usage_text[] =
	"usage: mailshift --answers FILE [--dry-run] [--yes] [--runbook PATH]\n"
	"                 [--journal PATH] [--log PATH] [--fresh] [--quiet|--verbose]\n"
	"                 [--accept-new-host-key] [--ssh-config FILE] [--until STEP]\n"
	"                 [--skip STEP]...\n"
	"       mailshift [--wizard] [--answers FILE] [--runbook PATH] [--journal PATH]\n"
	"                 [--log PATH] [--fresh] [--accept-new-host-key] [--ssh-config FILE]\n"
	"                 [--until STEP] [--skip STEP]...\n"
	"       mailshift --print-answers\n"
	"       mailshift --report JOURNAL\n"
	"       mailshift --help | --version\n";

static const char help_text[] =
	"mailshift moves a mail server to a new machine without losing a message.\n"
	"It plans the migration for the two servers described in an answers file,\n"
	"runs each step with a confirmation, and writes a bash runbook that replays it.\n"
	"\n"
	"  -w, --wizard         the interactive wizard on this terminal: asks for the\n"
	"                       two servers and the options, saves them as an answers\n"
	"                       file, shows the plan, runs it step by step; with\n"
	"                       --answers it starts from that file (mailshift with no\n"
	"                       arguments on a terminal opens it too)\n"
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
	"      --skip STEP      leave an optional step out of the plan (installer,\n"
	"                       roundcube, config); again for another\n"
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

enum { OPT_FRESH = 256, OPT_LOCAL, OPT_PRINT, OPT_REPORT, OPT_ACCEPT, OPT_SSH_CONFIG, OPT_UNTIL, OPT_SKIP };

static int parse(struct cli *c, int argc, char **argv, int *done)
{
	static const struct option opts[] = {
		{ "answers", required_argument, NULL, 'a' },
		{ "wizard", no_argument, NULL, 'w' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "runbook", required_argument, NULL, 'r' },
		{ "journal", required_argument, NULL, 'j' },
		{ "log", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "fresh", no_argument, NULL, OPT_FRESH },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "skip", required_argument, NULL, OPT_SKIP },
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
	while ((o = getopt_long(argc, argv, ":a:wnyr:j:l:qvhV", opts, NULL)) != -1) {
		switch (o) {
		case 'a': c->answers = optarg; break;
		case 'w': c->wizard = 1; break;
		case 'n': c->dry_run = 1; break;
		case 'y': c->yes = 1; break;
		case 'r': c->runbook = optarg; break;
		case 'j': c->journal = optarg; break;
		case 'l': c->log = optarg; break;
		case 'q': c->quiet = 1; break;
		case 'v': c->verbose = 1; break;
		case OPT_FRESH: c->fresh = 1; break;
		case OPT_UNTIL: c->until = optarg; break;
		case OPT_SKIP:
			if (c->nskip == sizeof c->skip / sizeof *c->skip) {
				fputs("mailshift: too many --skip options\n", stderr);
				*done = 1;
				return SESSION_EXIT_USAGE;
			}
			c->skip[c->nskip++] = optarg;
			break;
		case OPT_ACCEPT: c->accept_new_host_key = 1; break;
		case OPT_SSH_CONFIG: c->ssh_config = optarg; break;
		case OPT_LOCAL:
			if (!getenv("MAILSHIFT_TESTING") || !*getenv("MAILSHIFT_TESTING")) {
				fputs("mailshift: --local runs every action on this machine; it is for mailshift's own "
				      "tests and needs MAILSHIFT_TESTING=1\n", stderr);
				*done = 1;
				return SESSION_EXIT_USAGE;
			}
			c->local = 1;
			break;
		case OPT_REPORT: c->report = optarg; break;
		case OPT_PRINT:
			answers_template(stdout);
			*done = 1;
			return SESSION_EXIT_OK;
		case 'h':
			fputs(usage_text, stdout);
			fputc('\n', stdout);
			fputs(help_text, stdout);
			*done = 1;
			return SESSION_EXIT_OK;
		case 'V':
			puts("mailshift " MAILSHIFT_VERSION);
			*done = 1;
			return SESSION_EXIT_OK;
		case ':':
			if (strncmp(argv[optind - 1], "--", 2) != 0)
				fprintf(stderr, "mailshift: -%c needs a value\n%s", optopt, usage_text);
			else
				fprintf(stderr, "mailshift: %s needs a value\n%s", argv[optind - 1], usage_text);
			*done = 1;
			return SESSION_EXIT_USAGE;
		default:
			if (strncmp(argv[optind - 1], "--", 2) != 0)
				fprintf(stderr, "mailshift: unknown option -%c\n%s", optopt, usage_text);
			else
				fprintf(stderr, "mailshift: unknown option %s\n%s", argv[optind - 1], usage_text);
			*done = 1;
			return SESSION_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mailshift: unexpected argument \"%s\"\n%s", argv[optind], usage_text);
		*done = 1;
		return SESSION_EXIT_USAGE;
	}
	return SESSION_EXIT_OK;
}

static void on_signal(int sig)
{
	(void)sig;
	runner_interrupt(); /* the run going on stops after its current action */
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
	struct runner_opts o = { .yes = 1, .dry_run = 1, .skip = (const char *const *)c->skip, .nskip = c->nskip };
	struct runbook *rb;
	struct sink sink = { NULL, NULL };
	struct runner_run run = { .plan = p, .sink = &sink, .opts = &o };
	char err[512];
	size_t i;

	rb = runbook_open(c->runbook, p, 1, err, sizeof err);
	if (!rb) {
		fprintf(stderr, "mailshift: %s\n", err);
		transport_free(t);
		return SESSION_EXIT_USAGE;
	}
	run.t = t;
	run.rb = rb;
	runner_run(&run);
	transport_free(t);
	if (runbook_close(rb, "Dry run: every step of the plan, none of it ran.") < 0) {
		fprintf(stderr, "mailshift: %s: writing the runbook failed\n", c->runbook);
		return SESSION_EXIT_FAILED;
	}
	if (!c->quiet) {
		fprintf(con->out, "mailshift: dry run of %s -> %s: %zu steps, %zu actions\n",
		        answers_endpoint_kind(&p->answers->source),
		        answers_endpoint_kind(&p->answers->target), p->n, count_actions(p));
		for (i = 0; i < p->n; i++)
			fprintf(con->out, "  %2zu. %-16s %s%s%s\n", i + 1, p->steps[i].step->id,
			        p->steps[i].step->title,
			        p->steps[i].step->flags & STEP_DOWNTIME ? "  [downtime]" : "",
			        session_left_out(p, o.skip, o.nskip, i) ? "  [left out]" : "");
		fprintf(con->out, "mailshift: wrote the runbook %s (bash %s --dry-run lists it)\n",
		        c->runbook, c->runbook);
	}
	return SESSION_EXIT_OK;
}

/* Decides where the run starts (with the journal's progress in s when
 * resuming).  Returns -1 to stop with *rc. */
static int resume_point(struct cli *c, struct session *s, struct console *con, int *rc)
{
	struct session_resume_at at;
	char err[512], q[512];

	switch (session_where(s, err, sizeof err)) {
	case SESSION_FROM_START:
		return 0;
	case SESSION_BAD_JOURNAL:
		fprintf(stderr, "mailshift: %s\n", err);
		*rc = SESSION_EXIT_USAGE;
		return -1;
	case SESSION_OTHER_PLAN:
		fprintf(stderr, "mailshift: %s records a different plan (the answers changed): "
		        "use another --journal, or --fresh to start this plan at step one\n", c->journal);
		*rc = SESSION_EXIT_USAGE;
		return -1;
	case SESSION_FINISHED:
		fprintf(con->out, "mailshift: %s says every step of this plan finished; "
		        "--fresh runs it again from step one\n", c->journal);
		*rc = SESSION_EXIT_OK;
		if (session_runbook_whole(s, err, sizeof err) < 0) {
			fprintf(stderr, "mailshift: %s\n", err);
			*rc = SESSION_EXIT_FAILED;
		} else {
			fprintf(con->out, "mailshift: the runbook of the whole plan is in %s\n", s->runbook);
		}
		return -1;
	case SESSION_RESUMABLE:
		break;
	}
	session_resume_at(s, &at);
	snprintf(q, sizeof q, "mailshift: %s shows an unfinished run. Resume at step %s, action %zu of %zu?",
	         c->journal, at.step, at.action, at.actions);
	if (c->yes)
		fprintf(con->out, "%s yes (--yes)\n", q);
	else if (!console_ask_yes(con, q, 1)) {
		fprintf(con->out, "mailshift: starting at step one\n");
		session_start_over(s);
		return 0;
	}
	session_resume(s);
	return 0;
}

/* After a run: the checklist items (ACT_MANUAL) still pending, this run's
 * and earlier runs' (the session counted them in the journal). */
static void pending_items(const struct cli *c, const struct session_summary *sum, struct console *con)
{
	char err[512];

	if (sum->pending <= 0)
		return;
	fprintf(con->out, "mailshift: %d checklist item(s) pending: the migration is not finished until you "
	        "have done them (mailshift --report %s lists the checklist):\n", sum->pending, c->journal);
	journal_checklist(c->journal, con->out, 1, err, sizeof err);
}

/* --until names a step the resumed run went past (session_until_past):
 * there is nothing to run up to it.  Returns 1 (after saying so) then. */
static int until_done(const struct cli *c, const struct session *s, struct console *con)
{
	const struct plan *p = s->plan;

	if (!session_until_past(s))
		return 0;
	fprintf(con->out, "mailshift: step %s finished in an earlier run (journal %s): nothing to run up to it; "
	        "the same command without --until resumes at step %zu (%s)\n",
	        c->until, c->journal, s->progress.step + 1, p->steps[s->progress.step].step->id);
	return 1;
}

static int run(struct cli *c, const struct plan *p, struct console *con)
{
	struct session s = { .plan = p, .journal = c->journal, .runbook = c->runbook, .log = c->log,
	                     .local = c->local, .fresh = c->fresh,
	                     .opts = { .yes = c->yes, .until = c->until, .skip = (const char *const *)c->skip,
	                               .nskip = c->nskip, .typed_host = p->answers->opt.wipe_source_confirm } };
	struct runner_report rep;
	struct session_summary sum;
	struct runner_ui ui = console_ui(con);
	struct sink sink = console_sink(con);
	struct ssh_options sopt;
	enum runner_result r;
	char err[512];
	int rc = SESSION_EXIT_OK;

	if (resume_point(c, &s, con, &rc) < 0) {
		session_close(&s, RUNNER_DONE, NULL, err, sizeof err); /* nothing open: frees the progress */
		return rc;
	}
	if (until_done(c, &s, con)) {
		session_close(&s, RUNNER_DONE, NULL, err, sizeof err);
		return SESSION_EXIT_OK;
	}
	/* --yes asks nothing, host keys included: those need --accept-new-host-key */
	sopt = (struct ssh_options){ c->accept_new_host_key, c->yes ? NULL : console_confirm, console_secret, con,
	                             &s.run.interrupted };
	if (session_open(&s, con, &sopt, err, sizeof err) < 0) {
		fprintf(stderr, "mailshift: %s\n", err);
		session_close(&s, RUNNER_FAILED, NULL, err, sizeof err);
		return SESSION_EXIT_USAGE;
	}
	install_signals();
	r = session_run(&s, &ui, &sink, &rep);
	if (session_close(&s, r, &rep, err, sizeof err) < 0)
		fprintf(stderr, "mailshift: warning: %s\n", err);
	session_summarize(&s, r, &rep, &sum);
	switch (r) {
	case RUNNER_DONE:
		fprintf(con->out, "mailshift: done: %zu steps; %zu advisory warning(s), %zu action(s) skipped.\n"
		        "mailshift: runbook %s, journal %s, log %s\n",
		        p->n, rep.warnings, rep.skipped, c->runbook, c->journal, c->log);
		{
			char *secrets = steps_secrets(p->answers);
			fprintf(con->out, "mailshift: %s\n", secrets);
			free(secrets);
		}
		break;
	case RUNNER_PAUSED:
		fprintf(con->out, "mailshift: stopped after step %s as asked (--until); the same command without "
		        "--until resumes at step %zu (%s)\n"
		        "mailshift: runbook %s, journal %s, log %s\n",
		        sum.step, sum.resume_index + 1, sum.resume_step, c->runbook, c->journal, c->log);
		break;
	case RUNNER_FAILED:
		fprintf(stderr, "mailshift: stopped: step %s failed (%s). Fix the cause, then run the same "
		        "command again: it resumes at that action (journal %s; log %s).\n",
		        sum.step, sum.why, c->journal, c->log);
		break;
	case RUNNER_REFUSED:
		fprintf(stderr, "mailshift: %s at step %s; the same command resumes there.\n",
		        sum.interrupted ? "interrupted" : "stopped by the admin", sum.step);
		break;
	}
	pending_items(c, &sum, con);
	if (sum.key_left)
		fprintf(stderr, "mailshift: warning: %s\n", sum.key);
	return (int)sum.exit;
}

/* --until names no step of this plan, or one inside the downtime window
 * (session_until_check): said, exit 2.  1 when so. */
static int bad_until(const struct cli *c, const struct plan *p)
{
	char err[1024];
	enum session_until u = session_until_check(p, c->until, err, sizeof err);

	if (u != SESSION_UNTIL_UNKNOWN && u != SESSION_UNTIL_WINDOW)
		return 0;
	fprintf(stderr, "mailshift: --until %s\n", err);
	return 1;
}

/* A --skip naming no step of the plan, or one the migration needs: said
 * with the steps that may be left out (session_skip_check).  1 when there
 * is one. */
static int bad_skip(const struct cli *c, const struct plan *p)
{
	char err[512];
	size_t i;

	for (i = 0; i < c->nskip; i++)
		if (session_skip_check(p, c->skip[i], err, sizeof err) != SESSION_SKIP_OK) {
			fprintf(stderr, "mailshift: --skip %s\n", err);
			return 1;
		}
	return 0;
}

/* --wizard: the same files and options, asked for on the terminal. */
static int wizard(const struct cli *c)
{
	struct tui_args a = { .answers = c->answers, .journal = c->journal, .log = c->log,
	                      .runbook = c->runbook ? c->runbook : "mailshift-runbook.sh", .ssh_config = c->ssh_config,
	                      .local = c->local, .fresh = c->fresh, .accept_new_host_key = c->accept_new_host_key,
	                      .until = c->until, .skip = (const char *const *)c->skip, .nskip = c->nskip };

	if (c->yes || c->dry_run || c->quiet || c->verbose) {
		fprintf(stderr, "mailshift: --wizard asks at each step and shows everything: it takes no --yes, "
		        "--dry-run, --quiet or --verbose (those are for --answers FILE)\n%s", usage_text);
		return SESSION_EXIT_USAGE;
	}
	return tui_main(&a);
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
			return SESSION_EXIT_USAGE;
		}
		return SESSION_EXIT_OK;
	}
	if (c.wizard || argc == 1) {
		if (argc == 1 && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
			fprintf(stderr, "mailshift: no answers file, and no terminal for the wizard: pass --answers FILE "
			        "(mailshift --print-answers > answers.conf writes a template), or run mailshift on a "
			        "terminal\n%s", usage_text);
			return SESSION_EXIT_USAGE;
		}
		return wizard(&c);
	}
	if (!c.answers) {
		fprintf(stderr, "mailshift: no answers file: pass --answers FILE (mailshift --print-answers > "
		        "answers.conf writes a template), or --wizard on a terminal\n%s", usage_text);
		return SESSION_EXIT_USAGE;
	}
	if (c.until && c.dry_run) {
		fprintf(stderr, "mailshift: --until stops a run after a step; a dry run runs nothing and writes "
		        "the whole plan: use one or the other\n%s", usage_text);
		return SESSION_EXIT_USAGE;
	}
	if (!c.runbook)
		c.runbook = c.dry_run ? "mailshift-plan.sh" : "mailshift-runbook.sh";
	signal(SIGPIPE, SIG_IGN);
	con.quiet = c.quiet;
	con.verbose = c.verbose;
	if (answers_load(&a, c.answers, err, sizeof err) < 0) {
		fprintf(stderr, "mailshift: %s\n", err);
		return SESSION_EXIT_USAGE;
	}
	if (!c.local && session_ssh_config(&a, c.ssh_config, err, sizeof err) < 0) {
		fprintf(stderr, "mailshift: %s\n", err);
		answers_free(&a);
		return SESSION_EXIT_USAGE;
	}
	if (steps_plan(&p, &a, err, sizeof err) < 0) {
		fprintf(stderr, "mailshift: %s\n", err);
		answers_free(&a);
		return SESSION_EXIT_USAGE;
	}
	if (c.until && bad_until(&c, &p))
		rc = SESSION_EXIT_USAGE;
	else if (bad_skip(&c, &p))
		rc = SESSION_EXIT_USAGE;
	else if (session_typed_check(&p, c.yes, c.dry_run, a.opt.wipe_source_confirm, err, sizeof err) < 0) {
		fprintf(stderr, "mailshift: refused: %s\n", err);
		rc = SESSION_EXIT_USAGE;
	}
	else
		rc = c.dry_run ? dry_run(&c, &p, &con) : run(&c, &p, &con);
	console_close(&con);
	plan_free(&p);
	answers_free(&a);
	return rc;
}
