#include "core/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/xalloc.h"

struct journal {
	int fd;
	int failed; /* errno of the first write that failed; 0 none */
	char *path;
	char why[512];
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put(struct journal *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct journal *j, const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;
	size_t off = 0;
	off_t start;

	if (!j || j->failed) /* after a failure nothing more: no record after a missing one */
		return;
	start = lseek(j->fd, 0, SEEK_END);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	while (off < b.len) {
		ssize_t n = write(j->fd, b.s + off, b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			j->failed = n < 0 ? errno : ENOSPC;
			/* a record is whole or absent: a torn line would make the
			 * journal unreadable for the resume it is there for */
			if (start >= 0 && ftruncate(j->fd, start) < 0)
				j->failed = errno;
			break;
		}
		off += (size_t)n;
	}
	if (fdatasync(j->fd) < 0 && errno != EINVAL && !j->failed)
		j->failed = errno;
	buf_free(&b);
}

/* A last line without its newline (a write cut off by a crash) is cut
 * away, so the records appended now start on a line of their own. */
static void drop_torn_tail(struct journal *j, off_t size)
{
	char chunk[512];
	off_t end = size;

	while (end > 0) {
		off_t from = end > (off_t)sizeof chunk ? end - (off_t)sizeof chunk : 0;
		ssize_t n = pread(j->fd, chunk, (size_t)(end - from), from), i;
		if (n <= 0)
			return;
		for (i = n; i > 0; i--)
			if (chunk[i - 1] == '\n') {
				if (from + i != size && ftruncate(j->fd, from + i) < 0)
					j->failed = errno;
				return;
			}
		end = from;
	}
	if (size > 0 && ftruncate(j->fd, 0) < 0) /* one torn line and nothing else */
		j->failed = errno;
}

struct journal *journal_open(const char *path, const struct plan *p, int fresh, char *err, size_t errlen)
{
	struct journal *j;
	struct stat st;
	char fp[17];
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600); /* read: its torn tail */

	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) { /* never chmod a device */
		snprintf(err, errlen, "%s: the journal must be a regular file", path);
		close(fd);
		return NULL;
	}
	if (fd < 0 || fstat(fd, &st) < 0 || fchmod(fd, 0600) < 0) {
		snprintf(err, errlen, "%s: cannot write the journal: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	j = xcalloc(1, sizeof *j);
	j->fd = fd;
	j->path = xstrdup(path);
	drop_torn_tail(j, st.st_size);
	if (st.st_size == 0)
		put(j, "# mailshift journal 1\n");
	plan_fingerprint(p, fp);
	put(j, "run\t%.3f\t%s%s\n", now(), fp, fresh ? "\tfresh" : "");
	return j;
}

void journal_step(struct journal *j, size_t si, const struct plan_step *ps)
{
	put(j, "step\t%.3f\t%zu\t%s\t%s\n", now(), si, ps->step->id,
	    ps->step->flags & STEP_DOWNTIME ? "downtime" : "-");
}

void journal_action_start(struct journal *j, size_t si, size_t ai)
{
	put(j, "start\t%.3f\t%zu\t%zu\n", now(), si, ai);
}

static const char *const result_names[] = {
	[JOURNAL_OK] = "ok", [JOURNAL_FAILED] = "failed",
	[JOURNAL_WARNED] = "warned", [JOURNAL_SKIPPED] = "skipped",
	[JOURNAL_CONFIRMED] = "confirmed", [JOURNAL_PENDING] = "pending",
};

void journal_action_end(struct journal *j, size_t si, size_t ai, enum journal_result r, int status)
{
	put(j, "end\t%.3f\t%zu\t%zu\t%s\t%d\n", now(), si, ai, result_names[r], status);
}

void journal_checklist_end(struct journal *j, size_t si, size_t ai, const struct plan_step *ps,
                           enum journal_result r)
{
	char *note, *c;

	if (!j)
		return;
	note = xstrdup(ps->act[ai].note);
	for (c = note; *c; c++) /* one field on one line */
		if (*c == '\t' || *c == '\n' || *c == '\r')
			*c = ' ';
	put(j, "end\t%.3f\t%zu\t%zu\t%s\t0\t%s\t%s\n", now(), si, ai, result_names[r], ps->step->id, note);
	free(note);
}

void journal_row(struct journal *j, size_t si, const struct plan_step *ps, const struct figure *f)
{
	put(j, "row\t%.3f\t%zu\t%s\t%s\t%s\t%s\n", now(), si, ps->step->id, f->key, f->source, f->target);
}

void journal_step_end(struct journal *j, size_t si, const struct plan_step *ps, const char *outcome)
{
	put(j, "stepend\t%.3f\t%zu\t%s\t%s\n", now(), si, ps->step->id, outcome);
}

void journal_finish(struct journal *j, const char *outcome)
{
	put(j, "finish\t%.3f\t%s\n", now(), outcome);
}

const char *journal_error(struct journal *j)
{
	if (!j || !j->failed)
		return NULL;
	snprintf(j->why, sizeof j->why, "%s: %s", j->path, strerror(j->failed));
	return j->why;
}

int journal_close(struct journal *j)
{
	int rc;

	if (!j)
		return 0;
	rc = j->failed ? -1 : 0;
	if (close(j->fd) < 0)
		rc = -1;
	free(j->path);
	free(j);
	return rc;
}

/* Reading.  A journal is small (a few lines per action), so it is read
 * whole and split into fields. */

struct record {
	char *f[8]; /* enough for a checklist item's end line (its note has no tab) */
	int n;
	int line;
};

static int read_records(const char *path, struct record **out, size_t *count, char **text,
                        char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct buf b = {0};
	char chunk[4096], *line, *next;
	size_t n, cap = 0;
	int lineno = 0;

	*out = NULL;
	*count = 0;
	*text = NULL;
	if (!f) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		buf_free(&b);
		return -1;
	}
	fclose(f);
	*text = buf_steal(&b);
	for (line = *text; line && *line; line = next) {
		struct record r = { .line = ++lineno };
		char *s;
		next = strchr(line, '\n');
		if (!next) /* torn: its write was cut off (a crash, the disk full) */
			break;
		*next++ = '\0';
		if (*line == '#' || !*line)
			continue;
		for (s = line; s && r.n < 8; r.n++) {
			r.f[r.n] = s;
			s = strchr(s, '\t');
			if (s)
				*s++ = '\0';
		}
		*out = xgrow(*out, &cap, *count + 1, sizeof **out);
		(*out)[(*count)++] = r;
	}
	return 0;
}

static int want(const struct record *r, const char *kind, int fields)
{
	return strcmp(r->f[0], kind) == 0 && r->n >= fields;
}

/* A plan index: digits only, below limit. */
static int index_of(const char *s, size_t limit, size_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v >= limit)
		return -1;
	*out = v;
	return 0;
}

static void clear(unsigned char **done, unsigned char **skipped, const struct plan *p)
{
	size_t s;
	for (s = 0; s < p->n; s++) {
		memset(done[s], 0, p->steps[s].n ? p->steps[s].n : 1);
		memset(skipped[s], 0, p->steps[s].n ? p->steps[s].n : 1);
	}
}

static unsigned char **grid(const struct plan *p)
{
	unsigned char **g = xcalloc(p->n ? p->n : 1, sizeof *g);
	size_t s;
	for (s = 0; s < p->n; s++)
		g[s] = xcalloc(p->steps[s].n ? p->steps[s].n : 1, 1);
	return g;
}

static void grid_free(unsigned char **g, size_t n)
{
	size_t s;
	if (!g)
		return;
	for (s = 0; s < n; s++)
		free(g[s]);
	free(g);
}

void journal_progress_free(struct journal_progress *progress)
{
	grid_free(progress->skipped, progress->nsteps);
	memset(progress, 0, sizeof *progress);
}

enum journal_resume journal_resume_point(const char *path, const struct plan *p,
                                         struct journal_progress *progress, char *err, size_t errlen)
{
	struct record *rec;
	size_t n, i, s, a;
	char fp[17], *text;
	unsigned char **done, **skipped;
	int mine = 0, last_mine = 0, any = 0, rc;
	enum journal_resume result = JOURNAL_COMPLETE;

	memset(progress, 0, sizeof *progress);
	rc = read_records(path, &rec, &n, &text, err, errlen);
	if (rc != 0) {
		free(text);
		return rc > 0 ? JOURNAL_FRESH : JOURNAL_BAD;
	}
	plan_fingerprint(p, fp);
	done = grid(p);
	skipped = grid(p);
	for (i = 0; i < n; i++) {
		struct record *r = &rec[i];
		if (want(r, "run", 3)) {
			mine = last_mine = strcmp(r->f[2], fp) == 0;
			if (mine && r->n >= 4 && strcmp(r->f[3], "fresh") == 0) {
				clear(done, skipped, p);
				any = 0;
			}
		} else if (want(r, "end", 6) && mine) {
			if (index_of(r->f[2], p->n, &s) < 0 || index_of(r->f[3], p->steps[s].n, &a) < 0) {
				snprintf(err, errlen, "%s:%d: not an action of this plan", path, r->line);
				result = JOURNAL_BAD;
				goto out;
			}
			if (strcmp(r->f[4], "failed") != 0) {
				done[s][a] = 1;
				skipped[s][a] = strcmp(r->f[4], "skipped") == 0;
				any = 1;
			}
		} else if (r->n < 2 || (!want(r, "run", 3) && !want(r, "step", 5) && !want(r, "start", 4) &&
		                        !want(r, "end", 6) && !want(r, "stepend", 5) && !want(r, "finish", 3) &&
		                        !want(r, "row", 7))) {
			snprintf(err, errlen, "%s:%d: not a mailshift journal line", path, r->line);
			result = JOURNAL_BAD;
			goto out;
		}
	}
	if (n > 0 && !last_mine) {
		result = JOURNAL_OTHER;
		goto out;
	}
	for (s = 0; s < p->n && result == JOURNAL_COMPLETE; s++)
		for (a = 0; a < p->steps[s].n; a++)
			if (!done[s][a]) {
				progress->step = s;
				progress->action = a;
				result = JOURNAL_PARTIAL;
				break;
			}
	if (!any || (result == JOURNAL_PARTIAL && progress->step == 0 && progress->action == 0))
		result = JOURNAL_FRESH;
	if (result == JOURNAL_PARTIAL) {
		progress->skipped = skipped;
		progress->nsteps = p->n;
		skipped = NULL;
	}
out:
	grid_free(done, p->n);
	grid_free(skipped, p->n);
	free(rec);
	free(text);
	return result;
}

/* The checklist items in rec, each as last recorded, in the order first
 * recorded: (step id, note) names an item.  Prints them (out may be NULL)
 * and returns how many were printed. */
static int checklist(const struct record *rec, size_t n, FILE *out, int pending_only)
{
	struct item {
		const char *step, *note;
		int confirmed;
	} *it = NULL;
	size_t i, k, nit = 0, cap = 0;
	int listed = 0;

	for (i = 0; i < n; i++) {
		const struct record *r = &rec[i];
		int confirmed;
		if (!want(r, "end", 8))
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

int journal_checklist(const char *path, FILE *out, int pending_only, char *err, size_t errlen)
{
	struct record *rec;
	size_t n;
	char *text;
	int rc = read_records(path, &rec, &n, &text, err, errlen);

	if (rc > 0)
		snprintf(err, errlen, "%s: no such journal", path);
	if (rc == 0)
		rc = checklist(rec, n, out, pending_only);
	else
		rc = -1;
	free(rec);
	free(text);
	return rc;
}

struct step_time {
	const char *id, *outcome; /* borrowed from the journal's text */
	double secs, last;
	int downtime, finished;
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
static void step_times(const struct record *rec, size_t n, struct times *t)
{
	double started = 0, last = 0;
	const char *open_id = NULL;
	struct step_time *s;
	size_t i;

	memset(t, 0, sizeof *t);
	for (i = 0; i < n; i++) {
		const struct record *r = &rec[i];
		double ts = r->n > 1 ? strtod(r->f[1], NULL) : 0;
		if (want(r, "run", 3)) {
			t->runs++;
			open_id = t->finish = t->ended = NULL;
		} else if (want(r, "finish", 3)) {
			t->finish = r->f[2];
		} else if (want(r, "step", 5)) {
			if (!time_of(t, r->f[3])) {
				t->st = xgrow(t->st, &t->cap, t->n + 1, sizeof *t->st);
				t->st[t->n++] = (struct step_time){ r->f[3], "unfinished", 0, 0, !strcmp(r->f[4], "downtime"), 0 };
			}
			open_id = r->f[3];
			started = ts;
		} else if (want(r, "stepend", 5) && open_id && !strcmp(open_id, r->f[3])) {
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
	struct record *rec;
	struct times t;
	size_t n, k;
	char *text;
	int rc = read_records(path, &rec, &n, &text, err, errlen);

	*out = NULL;
	*count = 0;
	if (rc > 0)
		snprintf(err, errlen, "%s: no such journal", path);
	if (rc != 0) {
		free(text);
		return -1;
	}
	step_times(rec, n, &t);
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
	long t = (long)(secs + 0.5);
	snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

/* The figures in rec: each (step, key) as last recorded; a fresh run
 * voids the earlier ones.  A row with a malformed word is left out. */
static void figures_of(const struct record *rec, size_t n, struct figures *fs)
{
	struct figure f;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct record *r = &rec[i];
		if (want(r, "run", 4) && !strcmp(r->f[3], "fresh")) {
			figures_clear(fs);
		} else if (want(r, "row", 7) && figures_word(r->f[3], 1) && figures_word(r->f[4], 1) &&
		           figures_word(r->f[5], 0) && figures_word(r->f[6], 0)) {
			memcpy(f.step, r->f[3], strlen(r->f[3]) + 1);
			memcpy(f.key, r->f[4], strlen(r->f[4]) + 1);
			memcpy(f.source, r->f[5], strlen(r->f[5]) + 1);
			memcpy(f.target, r->f[6], strlen(r->f[6]) + 1);
			figures_set(fs, &f);
		}
	}
	figures_sort(fs);
}

int journal_figures(const char *path, struct figures *out, char *err, size_t errlen)
{
	struct record *rec;
	size_t n;
	char *text;
	int rc = read_records(path, &rec, &n, &text, err, errlen);

	if (rc > 0)
		snprintf(err, errlen, "%s: no such journal", path);
	if (rc == 0)
		figures_of(rec, n, out);
	free(rec);
	free(text);
	return rc == 0 ? 0 : -1;
}

int journal_report(const char *path, FILE *out, char *err, size_t errlen)
{
	return journal_report_parts(path, out, JOURNAL_REPORT_ALL, err, errlen);
}

int journal_report_parts(const char *path, FILE *out, unsigned parts, char *err, size_t errlen)
{
	struct record *rec;
	struct times tm;
	struct step_time *st;
	struct figures fs = {0};
	size_t n, k;
	double total = 0, down = 0;
	char *text, t[32];
	int rc, ndown = 0;

	rc = read_records(path, &rec, &n, &text, err, errlen);
	if (rc > 0)
		snprintf(err, errlen, "%s: no such journal", path);
	if (rc != 0) {
		free(text);
		return -1;
	}
	step_times(rec, n, &tm);
	st = tm.st;
	if (parts & JOURNAL_REPORT_TIMES) {
		fprintf(out, "mailshift report: %s (%d run%s)\n\n", path, tm.runs, tm.runs == 1 ? "" : "s");
		fprintf(out, "%-18s %10s  %-10s %s\n", "step", "time", "result", "window");
		for (k = 0; k < tm.n; k++) {
			journal_hms(t, sizeof t, st[k].secs);
			fprintf(out, "%-18s %10s  %-10s %s\n", st[k].id, t, st[k].outcome,
			        st[k].downtime ? "downtime" : "live");
			total += st[k].secs;
			if (st[k].downtime) {
				down += st[k].secs;
				ndown++;
			}
		}
		journal_hms(t, sizeof t, down);
		fprintf(out, "\n%-18s %10s  (%d step%s: from stopping the old server to starting the new one)\n",
		        "downtime window", t, ndown, ndown == 1 ? "" : "s");
		journal_hms(t, sizeof t, total);
		fprintf(out, "%-18s %10s\n", "all steps", t);
		if (tm.finish && strcmp(tm.finish, "paused") == 0 && tm.ended)
			fprintf(out, "%-18s paused after step %s as asked (--until): a rerun without it resumes at the next step\n",
			        "last run", tm.ended);
		else if (tm.finish)
			fprintf(out, "%-18s %s\n", "last run", tm.finish);
	}
	if (parts & JOURNAL_REPORT_FIGURES) {
		figures_of(rec, n, &fs);
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
