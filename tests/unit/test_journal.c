/* The journal: 0600, resume points, other plans, malformed files, report. */
#include "fixture.h"

#include "core/journal.h"

static void test_resume_points(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *path = xasprintf("%s/j", dir), err[256];
	struct journal *j;
	struct journal_progress jp;
	(void)state;

	fx_build(&a, &p);
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_FRESH);
	j = journal_open(path, &p, 0, err, sizeof err);
	assert_non_null(j);
	assert_int_equal(tu_mode(path), 0600);
	journal_step(j, 0, &p.steps[0]);
	journal_action_start(j, 0, 0);
	journal_action_end(j, 0, 0, JOURNAL_FAILED, 2);
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_FRESH);
	journal_action_end(j, 0, 0, JOURNAL_OK, 0);
	journal_action_end(j, 0, 1, JOURNAL_SKIPPED, 0);
	journal_step_end(j, 0, &p.steps[0], "done");
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(jp.step, 1);
	assert_int_equal(jp.action, 0);
	assert_int_equal(jp.skipped[0][0], 0);
	assert_int_equal(jp.skipped[0][1], 1);
	journal_progress_free(&jp);
	journal_action_end(j, 1, 0, JOURNAL_OK, 0);
	journal_action_end(j, 1, 1, JOURNAL_WARNED, 1);
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(jp.step, 1);
	assert_int_equal(jp.action, 2);
	journal_progress_free(&jp);
	journal_action_end(j, 1, 2, JOURNAL_OK, 0);
	journal_finish(j, "done");
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_COMPLETE);

	/* a fresh start voids what came before */
	j = journal_open(path, &p, 1, err, sizeof err);
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_FRESH);
	journal_action_end(j, 0, 0, JOURNAL_OK, 0);
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(jp.step, 0);
	assert_int_equal(jp.action, 1);
	journal_progress_free(&jp);
	journal_close(j);

	/* a run of another plan makes the journal someone else's */
	free(p.steps[0].act[0].cmd);
	p.steps[0].act[0].cmd = xstrdup("echo changed");
	j = journal_open(path, &p, 0, err, sizeof err);
	journal_close(j);
	free(p.steps[0].act[0].cmd);
	p.steps[0].act[0].cmd = xstrdup("echo one");
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_OTHER);

	/* a widened mode is tightened again */
	chmod(path, 0644);
	j = journal_open(path, &p, 0, err, sizeof err);
	journal_close(j);
	assert_int_equal(tu_mode(path), 0600);

	tu_write(path, "# mailshift journal 1\nrun\t1.0\tabc\nbogus line\n");
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_BAD);
	assert_non_null(strstr(err, "/j:3: not a mailshift journal line"));
	{
		char fp[17], *text;
		plan_fingerprint(&p, fp);
		text = xasprintf("run\t1.0\t%s\nend\t2.0\tx\tjunk\tok\t0\n", fp);
		tu_write(path, text);
		assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_BAD);
		assert_non_null(strstr(err, "/j:2: not an action of this plan"));
		free(text);
	}
	/* a link is not followed */
	{
		char *link = xasprintf("%s/link", dir);
		assert_int_equal(symlink(path, link), 0);
		assert_null(journal_open(link, &p, 0, err, sizeof err));
		assert_non_null(strstr(err, "cannot write the journal"));
		free(link);
	}

	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

static void test_report(void **state)
{
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256], *text = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	/* run 1: preflight 3 s, bulk 1 h, stop 10 s, final sync fails after 4 min;
	 * run 2: final sync 6 min, start 20 s */
	tu_write(jp,
	         "# mailshift journal 2\n"
	         "run\t1000.000\tfp\n"
	         "step\t1000.000\t0\tpreflight\t-\n"
	         "stepend\t1003.000\t0\tpreflight\tdone\n"
	         "step\t1003.000\t1\tmailstore-bulk\t-\n"
	         "stepend\t4603.000\t1\tmailstore-bulk\tdone\n"
	         "step\t4603.000\t2\tstop-services\tdowntime\n"
	         "stepend\t4613.000\t2\tstop-services\tdone\n"
	         "step\t4613.000\t3\tmailstore-final\tdowntime\n"
	         "end\t4853.000\t3\t0\tfailed\t23\n"
	         "stepend\t4853.000\t3\tmailstore-final\tfailed\n"
	         "finish\t4853.000\tfailed\n"
	         "run\t5000.000\tfp\n"
	         "step\t5000.000\t3\tmailstore-final\tdowntime\n"
	         "stepend\t5360.000\t3\tmailstore-final\tdone\n"
	         "step\t5360.000\t4\tstart-services\tdowntime\n"
	         "stepend\t5380.000\t4\tstart-services\tdone\n"
	         "step\t5380.000\t5\thand-over\trelay\n"
	         "stepend\t5395.000\t5\thand-over\tdone\n"
	         /* a step merely named relay is not the relay: its flags say */
	         "step\t5395.000\t6\trelay\t-\n"
	         "stepend\t5400.000\t6\trelay\tdone\n");
	f = open_memstream(&text, &len);
	assert_int_equal(journal_report(jp, f, err, sizeof err), 0);
	fclose(f);
	assert_non_null(strstr(text, "(2 runs)"));
	assert_non_null(strstr(text, "preflight             0:00:03  done       live\n"));
	assert_non_null(strstr(text, "mailstore-bulk        1:00:00  done       live\n"));
	assert_non_null(strstr(text, "mailstore-final       0:10:00  done       downtime\n"));
	/* 10 s + 4 min + 6 min + 20 s */
	assert_non_null(strstr(text, "downtime window       0:10:30  (3 steps"));
	/* the window and the relay step (15 s): the old server refused mail */
	assert_non_null(strstr(text, "mail refused          0:10:45  (the old server refused mail"));
	assert_non_null(strstr(text, "all steps             1:10:53\n"));
	assert_null(strstr(text, "source and target")); /* no rows: no table */
	free(text);
	assert_int_equal(journal_report("/nonexistent/j", stdout, err, sizeof err), -1);
	assert_string_equal(err, "/nonexistent/j: no such journal");
	tu_rmrf(dir);
	free(jp);
	free(dir);
}

/* A run stopped after a step as asked (--until): "finish paused", and the
 * next run resumes at the next step's first action; the report says so. */
static void test_paused(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *path = xasprintf("%s/j", dir), err[256], *text = NULL;
	struct journal *j;
	struct journal_progress jp;
	size_t len = 0;
	FILE *f;
	(void)state;

	fx_build(&a, &p);
	j = journal_open(path, &p, 0, err, sizeof err);
	assert_non_null(j);
	journal_step(j, 0, &p.steps[0]);
	journal_action_start(j, 0, 0);
	journal_action_end(j, 0, 0, JOURNAL_OK, 0);
	journal_action_start(j, 0, 1);
	journal_action_end(j, 0, 1, JOURNAL_OK, 0);
	journal_step_end(j, 0, &p.steps[0], "done");
	journal_finish(j, "paused");
	assert_int_equal(journal_close(j), 0);
	text = tu_read(path);
	assert_non_null(strstr(text, "\tfirst-step\tdone\nfinish\t"));
	assert_non_null(strstr(text, "\tpaused\n"));
	free(text);
	text = NULL;
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(jp.step, 1);
	assert_int_equal(jp.action, 0);
	journal_progress_free(&jp);
	f = open_memstream(&text, &len);
	assert_int_equal(journal_report(path, f, err, sizeof err), 0);
	fclose(f);
	assert_non_null(strstr(text, "first-step            0:00:00  done       live\n"));
	assert_non_null(strstr(text, "last run           paused after step first-step as asked (--until)"));
	assert_null(strstr(text, "checklist"));
	free(text);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* Checklist items: written with their step id and note (on one line),
 * finished for a resume, listed by the report as last recorded. */
static void test_checklist(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *path = xasprintf("%s/j", dir), err[256], *text = NULL;
	struct journal *j;
	struct journal_progress jp;
	size_t len = 0;
	FILE *f;
	(void)state;

	fx_build_manual(&a, &p);
	free(p.steps[1].act[0].note);
	p.steps[1].act[0].note = xstrdup("point the MX\tat the new server\n(now)");
	j = journal_open(path, &p, 0, err, sizeof err);
	journal_step(j, 0, &p.steps[0]);
	journal_action_end(j, 0, 0, JOURNAL_OK, 0);
	journal_checklist_end(j, 0, 1, &p.steps[0], JOURNAL_PENDING);
	journal_step_end(j, 0, &p.steps[0], "done");
	journal_step(j, 1, &p.steps[1]);
	journal_checklist_end(j, 1, 0, &p.steps[1], JOURNAL_PENDING);
	journal_finish(j, "refused");
	assert_int_equal(journal_close(j), 0);
	text = tu_read(path);
	assert_non_null(strstr(text, "\t1\t0\tpending\t0\tcutover\tpoint the MX at the new server (now)\n"));
	free(text);
	text = NULL;
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(jp.step, 1);
	assert_int_equal(jp.action, 1);
	journal_progress_free(&jp);
	assert_int_equal(journal_checklist(path, NULL, 1, err, sizeof err), 2);

	/* a later run confirms the first item: listed once, confirmed */
	j = journal_open(path, &p, 1, err, sizeof err);
	journal_checklist_end(j, 0, 1, &p.steps[0], JOURNAL_CONFIRMED);
	journal_finish(j, "done");
	assert_int_equal(journal_close(j), 0);
	f = open_memstream(&text, &len);
	assert_int_equal(journal_report(path, f, err, sizeof err), 0);
	fclose(f);
	assert_non_null(strstr(text, "last run           done\n\nchecklist\n"
	                             "  confirmed  prepare: lower the MX/A TTL to 300 s a day ahead\n"
	                             "  pending    cutover: point the MX at the new server (now)\n"));
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_int_equal(journal_checklist(path, f, 1, err, sizeof err), 1);
	fclose(f);
	assert_string_equal(text, "  pending    cutover: point the MX at the new server (now)\n");
	free(text);
	assert_int_equal(journal_checklist("/nonexistent/j", NULL, 1, err, sizeof err), -1);
	assert_string_equal(err, "/nonexistent/j: no such journal");
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* Per-step times by step id: the sum over runs (what --report prints) and
 * the last finished run's duration (the wizard's estimate). */
static void test_times(void **state)
{
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256], t[32];
	struct journal_time *tm;
	size_t n;
	(void)state;

	tu_write(jp,
	         "# mailshift journal 1\n"
	         "run\t1000.000\tfp\n"
	         "step\t1000.000\t0\tpreflight\t-\n"
	         "stepend\t1003.000\t0\tpreflight\tdone\n"
	         "step\t1003.000\t1\tmailstore-final\tdowntime\n"
	         "stepend\t1243.000\t1\tmailstore-final\tfailed\n"
	         "run\t2000.000\tfp\n"
	         "step\t2000.000\t1\tmailstore-final\tdowntime\n"
	         "stepend\t2360.000\t1\tmailstore-final\tpartial\n"
	         "step\t2360.000\t2\tverify\tdowntime\n"
	         "stepend\t2361.000\t2\tverify\tfailed\n"
	         "step\t2400.000\t3\tstart-services\tdowntime\n"
	         "start\t2420.000\t3\t0\n");
	assert_int_equal(journal_times(jp, &tm, &n, err, sizeof err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(tm[0].id, "preflight");
	assert_true(tm[0].finished);
	assert_false(tm[0].downtime);
	assert_true(tm[0].last > 2.99 && tm[0].last < 3.01);
	assert_string_equal(tm[1].id, "mailstore-final");
	assert_true(tm[1].downtime);
	assert_true(tm[1].finished);
	assert_true(tm[1].secs > 599.9 && tm[1].secs < 600.1); /* 4 min failed + 6 min */
	assert_true(tm[1].last > 359.9 && tm[1].last < 360.1); /* the run that finished it */
	assert_string_equal(tm[2].id, "verify");
	assert_false(tm[2].finished);                           /* only failed: no estimate */
	assert_true(tm[2].secs > 0.99 && tm[2].secs < 1.01);
	assert_string_equal(tm[3].id, "start-services");
	assert_false(tm[3].finished);                           /* the run stopped inside it */
	assert_true(tm[3].secs > 19.9 && tm[3].secs < 20.1);
	journal_times_free(tm, n);
	journal_hms(t, sizeof t, 3725.4);
	assert_string_equal(t, "1:02:05");
	/* a damaged journal's times: huge, negative, not a number */
	journal_hms(t, sizeof t, 1e300);
	assert_string_equal(t, "2562047788015215:30:07");
	journal_hms(t, sizeof t, -5);
	assert_string_equal(t, "0:00:00");
	journal_hms(t, sizeof t, 0.0 / 0.0);
	assert_string_equal(t, "0:00:00");
	assert_int_equal(journal_times("/nonexistent/j", &tm, &n, err, sizeof err), -1);
	assert_string_equal(err, "/nonexistent/j: no such journal");
	assert_int_equal(n, 0);
	tu_rmrf(dir);
	free(jp);
	free(dir);
}

/* The verification table: rows written as the runner records them, read
 * back in the table's order, the last count of a key winning; a fresh run
 * voids them; rows do not disturb the resume point; the report prints the
 * table, and a journal without rows (an older one) none. */
/* What a step's figures are comes from its flags in the journal (survey,
 * proof), never from its id: a survey's figures that only describe the
 * servers get no verdict. */
/* A journal an earlier mailshift began ("# mailshift journal 1": FLAGS
 * only downtime) still reports as it did: pre-flight, verify and relay are
 * known by their ids there, and only there. */
static void test_legacy(void **state)
{
	static const char body[] =
	         "run\t1000.000\tfp\n"
	         "step\t1000.000\t0\tpreflight\t-\n"
	         "row\t1000.100\t0\tpreflight\taccounts\t12\t0\n"
	         "stepend\t1003.000\t0\tpreflight\tdone\n"
	         "step\t1003.000\t1\tstop-services\tdowntime\n"
	         "stepend\t1013.000\t1\tstop-services\tdone\n"
	         "step\t1013.000\t2\tverify\tdowntime\n"
	         "row\t1013.100\t2\tverify\taccounts\t12\t12\n"
	         "stepend\t1023.000\t2\tverify\tdone\n"
	         "step\t1023.000\t3\trelay\t-\n"
	         "stepend\t1030.000\t3\trelay\tdone\n";
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), *t, err[256], *text = NULL;
	struct figures fs = {0};
	size_t len = 0;
	FILE *f;
	int v;
	(void)state;

	for (v = 1; v <= 2; v++) {
		t = xasprintf("# mailshift journal %d\n%s", v, body);
		tu_write(jp, t);
		free(t);
		assert_int_equal(journal_figures(jp, &fs, err, sizeof err), 0);
		assert_int_equal(fs.n, 2);
		assert_string_equal(fs.v[0].step, "preflight");
		/* by id in the old format; by the (absent) words in the new one */
		assert_int_equal(fs.v[0].kind, v == 1 ? FIGURES_SURVEY : 0);
		assert_int_equal(fs.v[1].kind, v == 1 ? FIGURES_PROOF : 0);
		figures_free(&fs);
		f = open_memstream(&text, &len);
		assert_int_equal(journal_report(jp, f, err, sizeof err), 0);
		fclose(f);
		if (v == 1) /* the window (20 s) and the relay (7 s) */
			assert_non_null(strstr(text, "mail refused          0:00:27"));
		else
			assert_null(strstr(text, "mail refused"));
		free(text);
		text = NULL;
	}
	tu_rmrf(dir);
	free(jp);
	free(dir);
}

static void test_figure_kinds(void **state)
{
	char *dir = tu_tmpdir(), *jp = xasprintf("%s/j", dir), err[256], *text = NULL;
	struct figures fs = {0};
	size_t len = 0;
	FILE *f;
	(void)state;

	tu_write(jp,
	         "# mailshift journal 2\n"
	         "run\t1000.000\tfp\n"
	         "step\t1000.000\t0\tlook\tsurvey\n"
	         "row\t1000.100\t0\tlook\taccounts\t12\t0\n"
	         "row\t1000.200\t0\tlook\tiredmail\t1.8.1\t1.8.1\n"
	         "stepend\t1003.000\t0\tlook\tdone\n"
	         "step\t1003.000\t1\tpreflight\tdowntime,proof\n"
	         "row\t1003.100\t1\tpreflight\taccounts\t12\t11\n"
	         "stepend\t1004.000\t1\tpreflight\tdone\n");
	assert_int_equal(journal_figures(jp, &fs, err, sizeof err), 0);
	assert_int_equal(fs.n, 3);
	assert_string_equal(fs.v[0].step, "look");
	assert_int_equal(fs.v[0].kind, FIGURES_SURVEY);
	assert_false(figures_judged(&fs.v[1])); /* accounts: the survey describes */
	assert_true(figures_judged(&fs.v[0]));  /* the release must already agree */
	assert_string_equal(fs.v[2].step, "preflight");
	assert_int_equal(fs.v[2].kind, FIGURES_PROOF);
	assert_true(figures_judged(&fs.v[2]));
	figures_free(&fs);
	f = open_memstream(&text, &len);
	assert_int_equal(journal_report(jp, f, err, sizeof err), 0);
	fclose(f);
	assert_non_null(strstr(text, "what pre-flight found on each server\n"));
	assert_non_null(strstr(text, "source and target, as step preflight last counted them\n"));
	assert_non_null(strstr(text, "preflight             0:00:01  done       downtime\n"));
	free(text);
	tu_rmrf(dir);
	free(jp);
	free(dir);
}

static void test_figures(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *path = xasprintf("%s/j", dir), err[256], *text = NULL;
	struct journal *j;
	struct journal_progress jp;
	struct figures fs = {0};
	struct figure f;
	size_t len = 0;
	FILE *out;
	(void)state;

	fx_build(&a, &p);
	j = journal_open(path, &p, 0, err, sizeof err);
	assert_non_null(j);
	journal_step(j, 0, &p.steps[0]);
	journal_action_end(j, 0, 0, JOURNAL_OK, 0);
	journal_step(j, 1, &p.steps[1]);
	journal_action_start(j, 1, 0);
	assert_int_equal(figures_parse("mailshift-figure messages 3456 3400", &f), 1);
	journal_row(j, 1, &p.steps[1], &f);
	assert_int_equal(figures_parse("mailshift-figure bytes 123400000 123400000", &f), 1);
	journal_row(j, 1, &p.steps[1], &f);
	journal_action_end(j, 1, 0, JOURNAL_FAILED, 1);
	/* retried: counted again */
	journal_action_start(j, 1, 0);
	assert_int_equal(figures_parse("mailshift-figure messages 3456 3456", &f), 1);
	journal_row(j, 1, &p.steps[1], &f);
	assert_int_equal(figures_parse("mailshift-figure accounts 12 12", &f), 1);
	journal_row(j, 1, &p.steps[1], &f);
	assert_int_equal(figures_parse("mailshift-figure owners 0 3", &f), 1);
	journal_row(j, 1, &p.steps[1], &f);
	journal_action_end(j, 1, 0, JOURNAL_OK, 0);
	assert_int_equal(journal_close(j), 0);
	text = tu_read(path);
	assert_int_equal(strncmp(text, "# mailshift journal 2\n", 22), 0); /* the format that says what steps are */
	assert_non_null(strstr(text, "\t1\tsecond\tmessages\t3456\t3400\n"));
	assert_non_null(strstr(text, "\nrow\t"));
	free(text);
	text = NULL;

	/* the resume point reads past the rows */
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(jp.step, 0);
	assert_int_equal(jp.action, 1);
	journal_progress_free(&jp);

	assert_int_equal(journal_figures(path, &fs, err, sizeof err), 0);
	assert_int_equal(fs.n, 4);
	assert_string_equal(fs.v[0].key, "accounts");
	assert_string_equal(fs.v[1].key, "messages");
	assert_string_equal(fs.v[1].step, "second");
	assert_string_equal(fs.v[1].target, "3456"); /* the retry's count */
	assert_string_equal(fs.v[2].key, "bytes");
	assert_string_equal(fs.v[3].key, "owners");
	figures_free(&fs);

	out = open_memstream(&text, &len);
	assert_int_equal(journal_report(path, out, err, sizeof err), 0);
	fclose(out);
	assert_non_null(strstr(text, "\n\nsource and target, as step second last counted them\n"
	                             "  what                         source       target\n"
	                             "  mailboxes (accounts)             12           12  same\n"
	                             "  messages                       3456         3456  same\n"
	                             "  bytes                      123.4 MB     123.4 MB  same\n"
	                             "  owners and modes                 ok      3 wrong  differs\n"
	                             "  1 of 4 figures differ\n"));
	free(text);
	text = NULL;
	/* only the parts asked for */
	out = open_memstream(&text, &len);
	assert_int_equal(journal_report_parts(path, out, JOURNAL_REPORT_TIMES | JOURNAL_REPORT_CHECKLIST, err,
	                                      sizeof err), 0);
	fclose(out);
	assert_non_null(strstr(text, "downtime window"));
	assert_null(strstr(text, "source and target"));
	free(text);
	text = NULL;
	out = open_memstream(&text, &len);
	assert_int_equal(journal_report_parts(path, out, JOURNAL_REPORT_FIGURES, err, sizeof err), 0);
	fclose(out);
	assert_null(strstr(text, "downtime window"));
	assert_non_null(strstr(text, "  messages                       3456         3456  same\n"));
	free(text);
	text = NULL;

	/* a fresh run voids the table; what it counts replaces it */
	j = journal_open(path, &p, 1, err, sizeof err);
	assert_int_equal(journal_figures(path, &fs, err, sizeof err), 0);
	assert_int_equal(fs.n, 0);
	figures_free(&fs);
	assert_int_equal(figures_parse("mailshift-figure dkim 2 2", &f), 1);
	journal_row(j, 1, &p.steps[1], &f);
	journal_close(j);
	assert_int_equal(journal_figures(path, &fs, err, sizeof err), 0);
	assert_int_equal(fs.n, 1);
	assert_string_equal(fs.v[0].key, "dkim");
	figures_free(&fs);

	/* a row with a word that is no figure is left out; a row short of its
	 * fields is no journal line */
	{
		char fp[17], *t;
		plan_fingerprint(&p, fp);
		t = xasprintf("run\t1.0\t%s\nrow\t2.0\t1\tsecond\tmessages\t1 2\t3\nrow\t2.0\t1\tsecond\trows\t5\t5\n", fp);
		tu_write(path, t);
		free(t);
		assert_int_equal(journal_figures(path, &fs, err, sizeof err), 0);
		assert_int_equal(fs.n, 1);
		assert_string_equal(fs.v[0].key, "rows");
		figures_free(&fs);
		assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_FRESH);
		t = xasprintf("run\t1.0\t%s\nrow\t2.0\t1\tsecond\tmessages\t3\n", fp);
		tu_write(path, t);
		free(t);
		assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_BAD);
		assert_non_null(strstr(err, "/j:2: not a mailshift journal line"));
	}
	assert_int_equal(journal_figures("/nonexistent/j", &fs, err, sizeof err), -1);
	assert_string_equal(err, "/nonexistent/j: no such journal");
	figures_free(&fs);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* A record cut off by a crash or a full disk (a last line without its
 * newline) is no record: the resume point is read as before it, and the
 * next run's records start on a line of their own. */
static void test_torn_tail(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *path = xasprintf("%s/j", dir), err[256], *text, *torn;
	struct journal *j;
	struct journal_progress jp;
	(void)state;

	fx_build(&a, &p);
	j = journal_open(path, &p, 0, err, sizeof err);
	journal_action_end(j, 0, 0, JOURNAL_OK, 0);
	assert_int_equal(journal_close(j), 0);
	text = tu_read(path);
	torn = xasprintf("%send\t1.0\t0\t1\to", text); /* "ok" never finished */
	tu_write(path, torn);
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(jp.step, 0);
	assert_int_equal(jp.action, 1); /* action 1 is not done: its record was torn */
	journal_progress_free(&jp);
	j = journal_open(path, &p, 0, err, sizeof err);
	journal_action_end(j, 0, 1, JOURNAL_OK, 0);
	assert_int_equal(journal_close(j), 0);
	free(text);
	text = tu_read(path);
	assert_null(strstr(text, "\to\n"));
	assert_null(strstr(text, "\torun")); /* the torn text is gone, not glued to the next record */
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_PARTIAL);
	assert_int_equal(jp.step, 1); /* both actions of step 0 done */
	assert_int_equal(jp.action, 0);
	journal_progress_free(&jp);

	/* a NUL byte before the last records: an error, never a silent rewind
	 * to the record before it */
	free(text);
	text = tu_read(path);
	{
		FILE *f = fopen(path, "w");
		char *second = strstr(text, "end\t");
		assert_non_null(f);
		assert_non_null(second);
		fwrite(text, 1, (size_t)(second - text), f);
		fputc('\0', f);
		fputs(second, f);
		fclose(f);
	}
	assert_int_equal(journal_resume_point(path, &p, &jp, err, sizeof err), JOURNAL_BAD);
	assert_non_null(strstr(err, "holds a NUL byte: the journal is damaged"));

	/* a FIFO (or any file that is not regular) is refused at once, never waited on */
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(journal_open(path, &p, 0, err, sizeof err));
	assert_non_null(strstr(err, "must be a regular file"));
	free(text);
	free(torn);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* one run at a time: a second open of the same journal is refused, naming
 * the process that holds it, until the first closes */
static void test_one_run(void **state)
{
	struct answers a;
	struct plan p;
	char *dir = tu_tmpdir(), *path = xasprintf("%s/j", dir), err[512], *want;
	struct journal *j, *k;
	(void)state;

	fx_build(&a, &p);
	j = journal_open(path, &p, 0, err, sizeof err);
	assert_non_null(j);
	k = journal_open(path, &p, 0, err, sizeof err);
	assert_null(k);
	want = xasprintf("%s is in use by another run (process %ld): wait for it to end", path, (long)getpid());
	assert_non_null(strstr(err, want));
	assert_int_equal(journal_close(j), 0);
	k = journal_open(path, &p, 0, err, sizeof err);
	assert_non_null(k);
	assert_int_equal(journal_close(k), 0);
	free(want);
	plan_free(&p);
	answers_free(&a);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resume_points),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_paused),
		cmocka_unit_test(test_checklist),
		cmocka_unit_test(test_figure_kinds),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_one_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
