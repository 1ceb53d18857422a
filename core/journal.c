#include "core/journal.h"
#include "core/journal_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

/* The process holding the flock on the file of st (from /proc/locks), or 0. */
static long lock_holder(const struct stat *st)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256], kind[16];
	unsigned maj, mnr;
	unsigned long ino;
	long pid, found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof line, f))
		if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%lu", kind, &pid, &maj, &mnr, &ino) == 5 &&
		    !strcmp(kind, "FLOCK") && ino == (unsigned long)st->st_ino &&
		    maj == major(st->st_dev) && mnr == minor(st->st_dev))
			found = pid;
	fclose(f);
	return found;
}

/* One run at a time on a journal: an exclusive flock for as long as it is
 * open (released when its descriptor closes, also when mailshift dies). */
static int lock_journal(int fd, const struct stat *st, const char *path, char *err, size_t errlen)
{
	long pid;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK) {
		snprintf(err, errlen, "%s: cannot lock the journal: %s", path, strerror(errno));
		return -1;
	}
	pid = lock_holder(st);
	if (pid > 0)
		snprintf(err, errlen, "%s is in use by another run (process %ld): wait for it to end, or stop it, "
		         "before running this one; or use another --journal", path, pid);
	else
		snprintf(err, errlen, "%s is in use by another run: wait for it to end, or stop it, before running "
		         "this one; or use another --journal", path);
	return -1;
}

int journal_hold(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (lock_journal(fd, &st, path, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
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
	if (lock_journal(fd, &st, path, err, errlen) < 0) {
		close(fd);
		return NULL;
	}
	j = xcalloc(1, sizeof *j);
	j->fd = fd;
	j->path = xstrdup(path);
	drop_torn_tail(j, st.st_size);
	if (st.st_size == 0)
		put(j, "# mailshift journal 2\n");
	plan_fingerprint(p, fp);
	put(j, "run\t%.3f\t%s%s\n", now(), fp, fresh ? "\tfresh" : "");
	return j;
}

void journal_step(struct journal *j, size_t si, const struct plan_step *ps)
{
	unsigned fl = ps->step->flags;
	char words[64];

	snprintf(words, sizeof words, "%s%s%s%s", fl & STEP_DOWNTIME ? ",downtime" : "",
	         fl & STEP_SURVEY ? ",survey" : "", fl & STEP_PROOF ? ",proof" : "",
	         fl & STEP_RELAY ? ",relay" : "");
	put(j, "step\t%.3f\t%zu\t%s\t%s\n", now(), si, ps->step->id, words[0] ? words + 1 : "-");
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

void journal_note(struct journal *j, size_t si, const struct plan_step *ps, const char *text)
{
	put(j, "note\t%.3f\t%zu\t%s\t%s\n", now(), si, ps->step->id, text);
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

int journal_read(const char *path, struct journal_record **out, size_t *count, char **text,
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
	{
		/* a NUL would end the text early: the records after it, lost
		 * without a word, would rewind the resume point */
		const char *nul = b.len ? memchr(b.s, '\0', b.len) : NULL;
		if (nul) {
			const char *c;
			for (c = b.s; c < nul; c++)
				lineno += *c == '\n';
			snprintf(err, errlen, "%s: line %d holds a NUL byte: the journal is damaged (not written by "
			         "mailshift); mailshift will not guess where the run stopped. Restore it, or use --fresh",
			         path, lineno + 1);
			buf_free(&b);
			return -1;
		}
	}
	*text = buf_steal(&b);
	for (line = *text; line && *line; line = next) {
		struct journal_record r = { .line = ++lineno };
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

int journal_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

int journal_want(const struct journal_record *r, const char *kind, int fields)
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
	struct journal_record *rec;
	size_t n, i, s, a;
	char fp[17], *text;
	unsigned char **done, **skipped;
	int mine = 0, last_mine = 0, any = 0, rc;
	enum journal_resume result = JOURNAL_COMPLETE;

	memset(progress, 0, sizeof *progress);
	rc = journal_read(path, &rec, &n, &text, err, errlen);
	if (rc != 0) {
		free(text);
		return rc > 0 ? JOURNAL_FRESH : JOURNAL_BAD;
	}
	plan_fingerprint(p, fp);
	done = grid(p);
	skipped = grid(p);
	for (i = 0; i < n; i++) {
		struct journal_record *r = &rec[i];
		if (journal_want(r, "run", 3)) {
			mine = last_mine = strcmp(r->f[2], fp) == 0;
			if (mine && r->n >= 4 && strcmp(r->f[3], "fresh") == 0) {
				clear(done, skipped, p);
				any = 0;
			}
		} else if (journal_want(r, "end", 6) && mine) {
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
		} else if (r->n < 2 || (!journal_want(r, "run", 3) && !journal_want(r, "step", 5) && !journal_want(r, "start", 4) &&
		                        !journal_want(r, "end", 6) && !journal_want(r, "stepend", 5) && !journal_want(r, "finish", 3) &&
		                        !journal_want(r, "row", 7))) {
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
