/* The journal read back for people: the checklist, each step's times, the
 * tables of figures, and the report that puts them together (--report,
 * the wizard's report).  Writing and the resume point are core/journal.c. */
#include "core/journal.h"
#include "core/journal_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/figures.h"
#include "core/xalloc.h"

/* The checklist items in rec, each as last recorded, in the order first
 * recorded: (step id, note) names an item.  Prints them (out may be NULL)
 * and returns how many were printed. */
static int checklist(const struct journal_record *rec, size_t n, FILE *out, int pending_only)
{
	struct item {
		const char *step, *note;
		int confirmed;
	} *it = NULL;
	size_t i, k, nit = 0, cap = 0;
	int listed = 0;

	for (i = 0; i < n; i++) {
		const struct journal_record *r = &rec[i];
		int confirmed;
		if (!journal_want(r, "end", 8))
			continue;
		confirmed = strcmp(r->f[4], "confirmed") == 0;
		if (!confirmed && strcmp(r->f[4], "pending") != 0)
			continue;
		for (k = 0; k < nit && (strcmp(it[k].step, r->f[6]) || strcmp(it[k].note, r->f[7])); k++)
			;
		if (k == nit) {
			it = xgrow(it, &cap, nit + 1, sizeof *it);
			it[nit++] = (struct item){ r->f[6], r->f[7], 0 };
		}
		it[k].confirmed = confirmed;
	}
	for (k = 0; k < nit; k++) {
		if (pending_only && it[k].confirmed)
			continue;
		listed++;
		if (out)
			fprintf(out, "  %-10s %s: %s\n", it[k].confirmed ? "confirmed" : "pending", it[k].step, it[k].note);
	}
	free(it);
	return listed;
}

/* journal_read(), where a missing journal is an error too: 0, or -1
 * with the message in err and nothing to free. */
static int read_existing(const char *path, struct journal_record **rec, size_t *n, char **text, char *err,
                         size_t errlen)
{
	int rc = journal_read(path, rec, n, text, err, errlen);

	if (rc > 0)
		snprintf(err, errlen, "%s: no such journal", path);
	if (rc == 0)
		return 0;
	free(*rec);
	free(*text);
	*rec = NULL;
	*text = NULL;
	return -1;
}

int journal_checklist(const char *path, FILE *out, int pending_only, char *err, size_t errlen)
{
	struct journal_record *rec;
	size_t n;
	char *text;
	int rc;

	if (read_existing(path, &rec, &n, &text, err, errlen) < 0)
		return -1;
	rc = checklist(rec, n, out, pending_only);
	free(rec);
	free(text);
	return rc;
}

struct step_time {
	const char *id, *outcome; /* borrowed from the journal's text */
	double secs, last;
	int downtime, finished, relay;
};

struct times {
	struct step_time *st;
	size_t n, cap;
	int runs;
	const char *finish, *ended; /* how the last run ended, and the last step it ended */
};

static struct step_time *time_of(struct times *t, const char *id)
{
	size_t k;

	for (k = 0; k < t->n && strcmp(t->st[k].id, id); k++)
		;
	return k < t->n ? &t->st[k] : NULL;
}

/* Sums each step's time over the runs in rec, keeps the duration of its
 * last finished run (stepend done or partial), and how the last run
 * ended. */
/* A journal begun by mailshift before its step records said what each step
 * is ("# mailshift journal 1": FLAGS only "downtime" or "-"): its pre-flight,
 * verify and relay are known by their ids, the only place ids decide. */
static int legacy(const char *text)
{
	/* (the reader has cut the text into records: the line may end in a NUL) */
	return text && !strncmp(text, "# mailshift journal 1", 21) && (text[21] == '\n' || text[21] == '\0');
}

static void step_times(const struct journal_record *rec, size_t n, int old, struct times *t)
{
	double started = 0, last = 0;
	const char *open_id = NULL;
	struct step_time *s;
	size_t i;

	memset(t, 0, sizeof *t);
	for (i = 0; i < n; i++) {
		const struct journal_record *r = &rec[i];
		double ts = r->n > 1 ? strtod(r->f[1], NULL) : 0;
		if (journal_want(r, "run", 3)) {
			t->runs++;
			open_id = t->finish = t->ended = NULL;
		} else if (journal_want(r, "finish", 3)) {
			t->finish = r->f[2];
		} else if (journal_want(r, "step", 5)) {
			if (!time_of(t, r->f[3])) {
				t->st = xgrow(t->st, &t->cap, t->n + 1, sizeof *t->st);
				t->st[t->n++] = (struct step_time){ r->f[3], "unfinished", 0, 0,
				                                            journal_has_word(r->f[4], "downtime"), 0,
				                                            journal_has_word(r->f[4], "relay") ||
				                                                    (old && !strcmp(r->f[3], "relay")) };
			}
			open_id = r->f[3];
			started = ts;
		} else if (journal_want(r, "stepend", 5) && open_id && !strcmp(open_id, r->f[3])) {
			s = time_of(t, open_id);
			s->secs += ts - started;
			s->outcome = r->f[4];
			if (!strcmp(r->f[4], "done") || !strcmp(r->f[4], "partial")) {
				s->last = ts - started;
				s->finished = 1;
			}
			t->ended = open_id;
			open_id = NULL;
		}
		if (ts > 0)
			last = ts;
	}
	if (open_id) /* the last run stopped inside a step */
		time_of(t, open_id)->secs += last - started;
}

int journal_times(const char *path, struct journal_time **out, size_t *count, char *err, size_t errlen)
{
	struct journal_record *rec;
	struct times t;
	size_t n, k;
	char *text;

	*out = NULL;
	*count = 0;
	if (read_existing(path, &rec, &n, &text, err, errlen) < 0)
		return -1;
	step_times(rec, n, legacy(text), &t);
	*out = xcalloc(t.n ? t.n : 1, sizeof **out);
	for (k = 0; k < t.n; k++)
		(*out)[k] = (struct journal_time){ xstrdup(t.st[k].id), t.st[k].secs, t.st[k].last,
		                                   t.st[k].finished, t.st[k].downtime };
	*count = t.n;
	free(t.st);
	free(rec);
	free(text);
	return 0;
}

void journal_times_free(struct journal_time *t, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		free(t[k].id);
	free(t);
}

void journal_hms(char *out, size_t n, double secs)
{
	/* a time from a damaged journal may be huge, negative or NaN: casting
	 * such a double is undefined, so it shows as 0 or the most a long holds */
	long t = !(secs > 0) ? 0 : secs >= 9.2e18 ? LONG_MAX : (long)(secs + 0.5);
	snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

/* The figures in rec: each (step, key) as last recorded, and the notes; a
 * fresh run voids the earlier ones.  A row with a malformed word is left
 * out. */
static void figures_of(const struct journal_record *rec, size_t n, int old, struct figures *fs)
{
	struct figure f;
	size_t i, k, nkind = 0, cap = 0;
	/* each step's kind, from its "step" records (FLAGS) */
	struct { const char *id; unsigned kind; } *kinds = NULL;

	for (i = 0; i < n; i++) {
		const struct journal_record *r = &rec[i];
		if (journal_want(r, "run", 4) && !strcmp(r->f[3], "fresh")) {
			figures_clear(fs);
		} else if (journal_want(r, "step", 5)) {
			for (k = 0; k < nkind && strcmp(kinds[k].id, r->f[3]); k++)
				;
			if (k == nkind) {
				kinds = xgrow(kinds, &cap, nkind + 1, sizeof *kinds);
				kinds[nkind++].id = r->f[3];
			}
			kinds[k].kind = (journal_has_word(r->f[4], "survey") || (old && !strcmp(r->f[3], "preflight"))
			                         ? FIGURES_SURVEY : 0) |
			                (journal_has_word(r->f[4], "proof") || (old && !strcmp(r->f[3], "verify"))
			                         ? FIGURES_PROOF : 0);
		} else if (journal_want(r, "row", 7) && figures_word(r->f[3], 1) && figures_word(r->f[4], 1) &&
		           figures_word(r->f[5], 0) && figures_word(r->f[6], 0)) {
			for (k = 0; k < nkind && strcmp(kinds[k].id, r->f[3]); k++)
				;
			f.kind = k < nkind ? kinds[k].kind : 0;
			memcpy(f.step, r->f[3], strlen(r->f[3]) + 1);
			memcpy(f.key, r->f[4], strlen(r->f[4]) + 1);
			memcpy(f.source, r->f[5], strlen(r->f[5]) + 1);
			memcpy(f.target, r->f[6], strlen(r->f[6]) + 1);
			figures_set(fs, &f);
		} else if (journal_want(r, "note", 5) && figures_word(r->f[3], 1)) {
			figures_note(fs, r->f[3], r->f[4]);
		}
	}
	free(kinds);
	figures_sort(fs);
}

int journal_figures(const char *path, struct figures *out, char *err, size_t errlen)
{
	struct journal_record *rec;
	size_t n;
	char *text;

	if (read_existing(path, &rec, &n, &text, err, errlen) < 0)
		return -1;
	figures_of(rec, n, legacy(text), out);
	free(rec);
	free(text);
	return 0;
}

int journal_report(const char *path, FILE *out, char *err, size_t errlen)
{
	return journal_report_parts(path, out, JOURNAL_REPORT_ALL, err, errlen);
}

int journal_report_parts(const char *path, FILE *out, unsigned parts, char *err, size_t errlen)
{
	struct journal_record *rec;
	struct times tm;
	struct step_time *st;
	struct figures fs = {0};
	size_t n, k;
	double total = 0, down = 0, relay = -1;
	char *text, t[32];
	int ndown = 0;

	if (read_existing(path, &rec, &n, &text, err, errlen) < 0)
		return -1;
	step_times(rec, n, legacy(text), &tm);
	st = tm.st;
	if (parts & JOURNAL_REPORT_TIMES) {
		fprintf(out, "mailshift report: %s (%d run%s)\n\n", path, tm.runs, tm.runs == 1 ? "" : "s");
		fprintf(out, "%-18s %10s  %-10s %s\n", "step", "time", "result", "window");
		for (k = 0; k < tm.n; k++) {
			journal_hms(t, sizeof t, st[k].secs);
			fprintf(out, "%-18s %10s  %-10s %s\n", st[k].id, t, st[k].outcome,
			        st[k].downtime ? "downtime" : "live");
			total += st[k].secs;
			if (st[k].relay)
				relay = st[k].secs;
			if (st[k].downtime) {
				down += st[k].secs;
				ndown++;
			}
		}
		journal_hms(t, sizeof t, down);
		fprintf(out, "\n%-18s %10s  (%d step%s: from stopping the old server to starting the new one)\n",
		        "downtime window", t, ndown, ndown == 1 ? "" : "s");
		/* senders are refused from the stop until the old server relays
		 * (the relay runs right after the start, before the test) */
		if (relay >= 0) {
			journal_hms(t, sizeof t, down + relay);
			fprintf(out, "%-18s %10s  (the old server refused mail: from stopping it until it relayed)\n",
			        "mail refused", t);
		}
		journal_hms(t, sizeof t, total);
		fprintf(out, "%-18s %10s\n", "all steps", t);
		if (tm.finish && strcmp(tm.finish, "paused") == 0 && tm.ended)
			fprintf(out, "%-18s paused after step %s as asked (--until): a rerun without it resumes at the next step\n",
			        "last run", tm.ended);
		else if (tm.finish)
			fprintf(out, "%-18s %s\n", "last run", tm.finish);
	}
	if (parts & JOURNAL_REPORT_FIGURES) {
		figures_of(rec, n, legacy(text), &fs);
		if (fs.n) {
			fputc('\n', out);
			figures_print(&fs, out);
		}
		figures_free(&fs);
	}
	if ((parts & JOURNAL_REPORT_CHECKLIST) && checklist(rec, n, NULL, 0) > 0) {
		fputs("\nchecklist\n", out);
		checklist(rec, n, out, 0);
	}
	free(st);
	free(rec);
	free(text);
	return 0;
}
