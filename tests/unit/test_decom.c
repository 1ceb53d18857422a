/* The decommission step, the typed-host confirmation (ACT_CONFIRM_HOST) in
 * the runner, the runbook and the CLI's decision, the IP takeover and the
 * secondary MX: plan contents and option checks. */
#include "plan_util.h"

#include "app/session.h"
#include "backends/transport.h"
#include "core/runbook.h"
#include "core/runner.h"

static const struct action *only_flag(const struct plan *p, unsigned flags, size_t *count)
{
	const struct action *first = NULL;
	size_t i, k;

	*count = 0;
	for (i = 0; i < p->n; i++)
		for (k = 0; k < p->steps[i].n; k++)
			if ((p->steps[i].act[k].flags & flags) == flags) {
				if (!first)
					first = &p->steps[i].act[k];
				(*count)++;
			}
	return first;
}

/* Without wipe_source: decommission is the last step, one read-only
 * listing on the source; nothing asks for a typed host name. */
static void test_listing(void **state)
{
	struct answers a;
	struct plan p;
	char *text = conf("mariadb", "mariadb", "");
	const struct plan_step *ps;
	size_t n;
	int si;
	(void)state;

	build(&a, &p, text);
	si = plan_find(&p, "decommission");
	assert_int_equal(si, (int)p.n - 1);
	assert_int_equal(plan_find(&p, "cutover"), (int)p.n - 3); /* cutover, remove-key, decommission */
	ps = &p.steps[si];
	assert_int_equal(ps->n, 1);
	assert_int_equal(ps->act[0].on, HOST_SOURCE);
	assert_int_equal(ps->act[0].flags, ACT_ADVISORY); /* never destructive */
	assert_non_null(strstr(ps->act[0].cmd, "postconf -h smtpd_tls_key_file"));
	assert_non_null(strstr(ps->act[0].cmd, "doveconf -h ssl_key"));
	assert_non_null(strstr(ps->act[0].cmd, "dbs=\"vmail amavisd iredadmin"));
	assert_non_null(strstr(ps->act[0].cmd, "m=\"mailshift-migration root@new.example.org\""));
	assert_non_null(strstr(ps->act[0].cmd, "ms_path_problem()")); /* lib.sh before it */
	assert_null(strstr(ps->act[0].cmd, "rm "));
	assert_null(strstr(ps->act[0].cmd, "-delete"));
	assert_null(only_flag(&p, ACT_CONFIRM_HOST, &n));
	assert_int_equal(n, 0);
	/* the cutover records nothing for a wipe that does not come */
	assert_int_equal(p.steps[plan_find(&p, "cutover")].act[0].flags, 0);
	assert_null(strstr(p.steps[plan_find(&p, "cutover")].act[1].cmd, "$b/cutover"));
	plan_free(&p);
	answers_free(&a);
	free(text);
}

/* wipe_source = yes: one action wipes, DESTRUCTIVE and typed-host
 * confirmed, after the verified check and the cutover's record. */
static void test_wipe(void **state)
{
	struct answers a;
	struct plan p;
	char *text = conf("pgsql", "pgsql", "wipe_source = yes\n");
	const struct action *w, *rec;
	size_t n;
	int si;
	(void)state;

	build(&a, &p, text);
	w = only_flag(&p, ACT_CONFIRM_HOST, &n);
	assert_int_equal(n, 1);
	si = plan_find(&p, "decommission");
	assert_ptr_equal(w, &p.steps[si].act[1]);
	assert_int_equal(w->on, HOST_SOURCE);
	assert_true(w->flags & ACT_DESTRUCTIVE);
	assert_string_equal(plan_host_address(&p, w->on), "old.example.org");
	assert_non_null(strstr(w->cmd, steps_verified_check));
	assert_non_null(strstr(w->cmd, "the cutover step has not run since verify passed"));
	assert_non_null(strstr(w->cmd, "find -P \"$real\" -xdev -mindepth 1 -delete"));
	assert_true(strstr(w->cmd, "b=/var/backups/mailshift") < strstr(w->cmd, steps_verified_check));
	rec = find_action_on(&p, "cutover", HOST_SOURCE, "cp -- \"$b/verified\" \"$b/cutover\"");
	assert_int_equal(rec->flags, 0);
	assert_true(plan_find(&p, "cutover") < si);
	plan_free(&p);
	answers_free(&a);
	free(text);
}

/* cutover = ip: the checklist of the address takeover, last in the plan,
 * after every step that reaches the source; no MX item. */
static void test_ip(void **state)
{
	struct answers a;
	struct plan p;
	char *text = conf("openldap", "openldap", "cutover = ip\n");
	const struct plan_step *ps;
	struct buf all = {0};
	size_t i;
	int si;
	(void)state;

	build(&a, &p, text);
	si = plan_find(&p, "cutover");
	assert_int_equal(si, (int)p.n - 1);
	assert_true(plan_find(&p, "remove-key") < si);
	assert_true(plan_find(&p, "decommission") < si);
	ps = &p.steps[si];
	assert_string_equal(ps->step->title, "Switch over: the new server takes the old one's address");
	for (i = 0; i < ps->n; i++)
		buf_addf(&all, "%s\n%s\n", ps->act[i].note, ps->act[i].cmd);
	assert_non_null(strstr(all.s, "the old server gives up its address"));
	assert_non_null(strstr(all.s, "inet_interfaces"));
	assert_non_null(strstr(all.s, "mynetworks"));
	assert_non_null(strstr(all.s, "PTR"));
	assert_non_null(strstr(all.s, "ran before this step"));
	assert_null(strstr(all.s, "point the MX records at the new server"));
	assert_null(strstr(all.s, "keep the old server relaying"));
	buf_free(&all);
	plan_free(&p);
	answers_free(&a);
	free(text);
}

/* secondary_mx: the window's first step starts with its checklist, the
 * cutover says when to flush it. */
static void test_secondary_mx(void **state)
{
	struct answers a;
	struct plan p;
	char *text = conf("mariadb", "mariadb", "secondary_mx = mx2.example.net\n");
	const struct plan_step *ps;
	(void)state;

	build(&a, &p, text);
	ps = &p.steps[plan_find(&p, "stop-services")];
	assert_true(ps->act[0].flags & ACT_MANUAL);
	assert_true(ps->act[1].flags & ACT_MANUAL);
	assert_non_null(strstr(ps->act[0].cmd, "MX record of lower priority"));
	assert_non_null(strstr(ps->act[0].cmd, "pointing at mx2.example.net"));
	assert_non_null(strstr(ps->act[0].cmd, "TTL"));
	assert_non_null(strstr(ps->act[1].cmd, "relay_domains"));
	assert_int_equal(ps->act[2].on, HOST_SOURCE); /* then the stop */
	find_action(&p, "cutover", "postqueue -f");
	plan_free(&p);
	answers_free(&a);
	free(text);
	text = conf("mariadb", "mariadb", "");
	build(&a, &p, text);
	assert_false(p.steps[plan_find(&p, "stop-services")].act[0].flags & ACT_MANUAL);
	plan_free(&p);
	answers_free(&a);
	free(text);
}

static void refused(const char *options, const char *want)
{
	struct answers a;
	char err[512], *text = conf("mariadb", "mariadb", options);

	assert_int_equal(answers_parse(&a, "t.conf", text, err, sizeof err), -1);
	if (!strstr(err, want))
		fail_msg("\"%s\" lacks \"%s\"", err, want);
	answers_free(&a);
	free(text);
}

static void test_options(void **state)
{
	struct answers a;
	char err[512], *text = conf("mariadb", "mariadb", "");
	(void)state;

	assert_int_equal(answers_parse(&a, "t.conf", text, err, sizeof err), 0);
	assert_string_equal(a.opt.cutover, "mx");
	assert_null(a.opt.secondary_mx);
	assert_int_equal(a.opt.wipe_source, 0);
	answers_free(&a);
	free(text);
	refused("cutover = dns\n", "t.conf:10: cutover: expected mx or ip, got \"dns\"");
	refused("secondary_mx = mx2;rm -rf /\n", "secondary_mx: expected a host name or IPv4 address, got \"mx2;rm -rf /\"");
	refused("secondary_mx = \"a b\"\n", "secondary_mx: expected a host name or IPv4 address, got \"a b\"");
	refused("secondary_mx = OLD.example.org\n", "secondary_mx: expected a third host that queues the mail meanwhile, got OLD.example.org, the source itself");
	refused("secondary_mx = new.example.org\n", "the target itself");
	refused("wipe_source = yes\ncutover = ip\n", "wipe_source: not with cutover = ip");
	refused("wipe_source_confirm = old.example.org\n", "wipe_source_confirm: only with wipe_source = yes");
	refused("wipe_source = yes\nwipe_source_confirm = -old\n", "wipe_source_confirm: expected a host name");
	assert_int_equal(answers_check_value("options", "cutover", "ip", err, sizeof err), 0);
	assert_int_equal(answers_check_value("options", "cutover", "IP", err, sizeof err), -1);
	assert_int_equal(answers_check_value("options", "secondary_mx", "mx2.example.net", err, sizeof err), 0);
}

/* The runner and ACT_CONFIRM_HOST: a fake transport counts what runs. */
struct fake {
	struct transport t;
	size_t calls;
};

static int fake_run(struct transport *t, enum host h, const char *cmd, const char *input, const struct sink *sink)
{
	(void)h; (void)cmd; (void)input; (void)sink;
	((struct fake *)t)->calls++;
	return 0;
}

static void fake_free(struct transport *t)
{
	(void)t;
}

static const struct transport_ops fake_ops = { "fake", fake_run, fake_free };

struct admin {
	enum runner_choice typed, destructive;
	char host[64];
	int asked_typed, asked_destructive;
};

static enum runner_choice ui_step(void *ctx, const struct plan_step *ps, size_t i, size_t n)
{
	(void)ctx; (void)ps; (void)i; (void)n;
	return RUNNER_GO;
}

static enum runner_choice ui_destructive(void *ctx, const struct plan_step *ps, const struct action *a)
{
	struct admin *ad = ctx;
	(void)ps; (void)a;
	ad->asked_destructive++;
	return ad->destructive;
}

static enum runner_choice ui_typed(void *ctx, const struct plan_step *ps, const struct action *a, const char *host)
{
	struct admin *ad = ctx;
	(void)ps;
	assert_true(a->flags & ACT_CONFIRM_HOST);
	snprintf(ad->host, sizeof ad->host, "%s", host);
	ad->asked_typed++;
	return ad->typed;
}

static void quiet(void *ctx, enum sink_kind k, enum host h, const char *text)
{
	struct buf *b = ctx;
	(void)h;
	if (k == SINK_ERROR)
		buf_addf(b, "%s\n", text);
}

static void wipe_only(const struct answers *a, struct plan_step *ps)
{
	(void)a;
	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE, "overwrites", "true");
	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE | ACT_CONFIRM_HOST, "wipes it", "true");
}

static const struct step wipe_steps[] = { { .id = "wipe", .title = "Wipe", .why = "Because.", .plan = wipe_only },
                                          { NULL, NULL, NULL, 0, NULL, NULL } };

/* Runs the two-action plan; the transport's count into *calls. */
static enum runner_result run_wipe(struct admin *ad, int with_typed, const struct runner_opts *o, size_t *calls,
                                   struct buf *errors)
{
	struct answers a;
	struct plan p;
	char err[256], *text = conf("mariadb", "mariadb", "");
	const struct step *const steps[] = { &wipe_steps[0], NULL };
	struct fake f = { .t = { .ops = &fake_ops } };
	struct runner_ui ui = { ui_step, ui_destructive, NULL, NULL, ad, with_typed ? ui_typed : NULL };
	struct sink sink = { quiet, errors };
	struct runner_run r = { .plan = &p, .t = &f.t, .ui = &ui, .sink = &sink, .opts = o };
	enum runner_result res;

	assert_int_equal(answers_parse(&a, "t.conf", text, err, sizeof err), 0);
	plan_build(&p, &a, steps);
	res = runner_run(&r);
	*calls = f.calls;
	plan_free(&p);
	answers_free(&a);
	free(text);
	return res;
}

static void test_runner_typed(void **state)
{
	struct admin ad = { .typed = RUNNER_GO, .destructive = RUNNER_GO };
	struct runner_opts o = {0};
	struct buf errors = {0};
	size_t calls;
	(void)state;

	/* the wizard: asked to type the source's name, not "yes" */
	assert_int_equal(run_wipe(&ad, 1, &o, &calls, &errors), RUNNER_DONE);
	assert_int_equal(calls, 2);
	assert_int_equal(ad.asked_typed, 1);
	assert_int_equal(ad.asked_destructive, 1); /* the other destructive action only */
	assert_string_equal(ad.host, "old.example.org");
	/* not typed: refused, the wipe does not run */
	ad = (struct admin){ .typed = RUNNER_ABORT, .destructive = RUNNER_GO };
	assert_int_equal(run_wipe(&ad, 1, &o, &calls, &errors), RUNNER_REFUSED);
	assert_int_equal(calls, 1);
	/* a front end that cannot ask for a typed name: refused */
	ad = (struct admin){ .typed = RUNNER_GO, .destructive = RUNNER_GO };
	assert_int_equal(run_wipe(&ad, 0, &o, &calls, &errors), RUNNER_REFUSED);
	assert_int_equal(calls, 1);
	assert_non_null(strstr(errors.s, "refused: wipes it: only after the source's host name (old.example.org) is typed"));
	/* --yes alone does not answer it */
	o.yes = 1;
	assert_int_equal(run_wipe(&ad, 1, &o, &calls, &errors), RUNNER_REFUSED);
	assert_int_equal(calls, 1);
	assert_int_equal(ad.asked_typed, 0);
	o.typed_host = "old.example.com";
	assert_int_equal(run_wipe(&ad, 1, &o, &calls, &errors), RUNNER_REFUSED);
	assert_int_equal(calls, 1);
	assert_non_null(strstr(errors.s, "(the answers' wipe_source_confirm does not name it)"));
	o.typed_host = "old.example.org";
	assert_int_equal(run_wipe(&ad, 1, &o, &calls, &errors), RUNNER_DONE);
	assert_int_equal(calls, 2);
	buf_free(&errors);
}

/* The CLI's decision before a run, and the runbook's guard. */
static void test_cli_and_runbook(void **state)
{
	struct answers a;
	struct plan p;
	char err[512], path[] = "/tmp/mailshift-decom-XXXXXX", *text, *rb_text;
	struct runbook *rb;
	size_t i, k;
	int fd;
	(void)state;

	text = conf("mariadb", "mariadb", "wipe_source = yes\n");
	build(&a, &p, text);
	assert_int_equal(session_typed_check(&p, 0, 1, NULL, err, sizeof err), 0); /* a dry run */
	assert_int_equal(session_typed_check(&p, 0, 0, "old.example.org", err, sizeof err), -1);
	assert_non_null(strstr(err, "step decommission wipes the source, old.example.org (wipe_source = yes): a headless "
	                            "run needs --yes and wipe_source_confirm = old.example.org"));
	assert_int_equal(session_typed_check(&p, 1, 0, NULL, err, sizeof err), -1);
	assert_int_equal(session_typed_check(&p, 1, 0, "new.example.org", err, sizeof err), -1);
	assert_non_null(strstr(err, "wipe_source_confirm = new.example.org in the answers is not its host name"));
	assert_int_equal(session_typed_check(&p, 1, 0, "old.example.org", err, sizeof err), 0);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	rb = runbook_open(path, &p, 1, err, sizeof err);
	assert_non_null(rb);
	for (i = 0; i < p.n; i++) {
		runbook_step(rb, i);
		for (k = 0; k < p.steps[i].n; k++)
			runbook_action(rb, &p.steps[i].act[k], RUNBOOK_PLANNED);
		runbook_step_end(rb);
	}
	assert_int_equal(runbook_close(rb, NULL), 0);
	rb_text = tu_read(path);
	assert_non_null(strstr(rb_text, "confirm_host() { # confirm_host HOST NOTE\n"));
	assert_non_null(strstr(rb_text, "  local reply=${CONFIRM_HOST:-}\n"));
	assert_non_null(strstr(rb_text, "  confirm_host old.example.org \"wipes the old server's mail"));
	free(rb_text);
	plan_free(&p);
	answers_free(&a);
	free(text);

	/* without a wipe: no such helper, nothing refused */
	text = conf("mariadb", "mariadb", "");
	build(&a, &p, text);
	assert_int_equal(session_typed_check(&p, 0, 0, NULL, err, sizeof err), 0);
	rb = runbook_open(path, &p, 1, err, sizeof err);
	assert_int_equal(runbook_close(rb, NULL), 0);
	rb_text = tu_read(path);
	assert_null(strstr(rb_text, "confirm_host"));
	free(rb_text);
	unlink(path);
	plan_free(&p);
	answers_free(&a);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_secondary_mx),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_runner_typed),
		cmocka_unit_test(test_cli_and_runbook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
