/* The verification table (see core/figures.h). */
#include "core/figures.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* The known keys, in the table's order, with what the table calls them (at
 * most 22 characters: the column's width);
 * `before` marks what must already agree at pre-flight (the rest of
 * pre-flight's figures describe the servers: the target is still empty). */
static const struct label {
	const char *key, *label;
	int before;
} labels[] = {
	{ "iredmail", "iRedMail release", 1 },
	{ "backend", "backend", 1 },
	{ "vmail-ids", "vmail uid:gid", 1 },
	{ "pop3-uidl", "POP3 UIDL format", 0 },
	{ "dovecot", "Dovecot", 0 },
	{ "roundcube", "Roundcube", 0 },
	{ "accounts", "mailboxes (accounts)", 0 },
	{ "domains", "mail domains", 0 },
	{ "resolved", "accounts Dovecot finds", 0 },
	{ "unresolved", "unresolved or no login", 0 },
	{ "roots", "storage roots", 0 },
	{ "census", "accounts in the census", 0 },
	{ "folders", "folders", 0 },
	{ "messages", "messages", 0 },
	{ "subscriptions", "folder subscriptions", 0 },
	{ "bytes", "bytes", 0 },
	{ "differ", "accounts that differ", 0 },
	{ "du", "mail on disk", 0 },
	{ "room", "room for the mail", 0 },
	{ "databases", "databases", 0 },
	{ "tables", "database tables", 0 },
	{ "rows", "database rows", 0 },
	{ "ldap", "LDAP entries", 0 },
	{ "dkim", "DKIM keys", 0 },
	{ "owners", "owners and modes", 0 },
	{ "dkim-owners", "DKIM key owners", 0 },
};
#define NLABELS (sizeof labels / sizeof *labels)

static size_t rank(const char *key)
{
	size_t i;

	for (i = 0; i < NLABELS && strcmp(labels[i].key, key); i++)
		;
	return i;
}

int figures_word(const char *s, int key)
{
	const char *extra = key ? "_-" : "._:+-";
	size_t n = strlen(s), i;

	if (n == 0 || n >= FIGURES_WORD)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (!key && c >= 'A' && c <= 'Z') ||
		      (c && strchr(extra, c))))
			return 0;
	}
	return 1;
}

int figures_parse(const char *line, struct figure *f)
{
	static const char prefix[] = FIGURES_PREFIX " ";
	char w[3][FIGURES_WORD];
	const char *s, *e;
	int k;

	if (strncmp(line, prefix, sizeof prefix - 1))
		return 0;
	s = line + sizeof prefix - 1;
	for (k = 0; k < 3; k++) {
		e = strchr(s, ' ');
		if (!e)
			e = s + strlen(s);
		if (e == s || (size_t)(e - s) >= FIGURES_WORD || (k < 2) != (*e == ' '))
			return 0;
		memcpy(w[k], s, (size_t)(e - s));
		w[k][e - s] = '\0';
		if (!figures_word(w[k], k == 0))
			return 0;
		s = e + 1;
	}
	memset(f, 0, sizeof *f);
	memcpy(f->key, w[0], sizeof f->key);
	memcpy(f->source, w[1], sizeof f->source);
	memcpy(f->target, w[2], sizeof f->target);
	return 1;
}

static void printable(char *out, size_t n, const char *text)
{
	size_t i;

	for (i = 0; i + 1 < n && text[i]; i++)
		out[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
	out[i] = '\0';
}

int figures_note_parse(const char *line, char *out, size_t n)
{
	static const char prefix[] = FIGURES_NOTE_PREFIX " ";

	if (strncmp(line, prefix, sizeof prefix - 1) || !line[sizeof prefix - 1])
		return 0;
	printable(out, n, line + sizeof prefix - 1);
	return 1;
}

void figures_note(struct figures *fs, const char *step, const char *text)
{
	struct figure_note *nt;

	fs->note = xgrow(fs->note, &fs->capnote, fs->nnote + 1, sizeof *fs->note);
	nt = &fs->note[fs->nnote++];
	printable(nt->step, sizeof nt->step, step);
	printable(nt->text, sizeof nt->text, text);
}

static void drop_notes(struct figures *fs, const char *step)
{
	size_t i, k = 0;

	for (i = 0; i < fs->nnote; i++)
		if (strcmp(fs->note[i].step, step))
			fs->note[k++] = fs->note[i];
	fs->nnote = k;
}

void figures_set(struct figures *fs, const struct figure *f)
{
	size_t i;

	if (!strcmp(f->key, "differ"))
		drop_notes(fs, f->step);

	for (i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].step, f->step) && !strcmp(fs->v[i].key, f->key)) {
			struct figure old = fs->v[i];
			fs->v[i] = *f;
			if (!strcmp(f->source, "-")) /* the other host's column: kept */
				memcpy(fs->v[i].source, old.source, sizeof old.source);
			if (!strcmp(f->target, "-"))
				memcpy(fs->v[i].target, old.target, sizeof old.target);
			return;
		}
	fs->v = xgrow(fs->v, &fs->cap, fs->n + 1, sizeof *fs->v);
	fs->v[fs->n++] = *f;
}

void figures_clear(struct figures *fs)
{
	fs->n = 0;
	fs->nnote = 0;
}

void figures_free(struct figures *fs)
{
	free(fs->v);
	free(fs->note);
	memset(fs, 0, sizeof *fs);
}

/* The table's order of a figure: its step as first seen, its key's rank,
 * where it was recorded. */
struct place {
	size_t step, rank, at;
};

static int place_cmp(const void *a, const void *b)
{
	const struct place *x = a, *y = b;

	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

void figures_sort(struct figures *fs)
{
	struct place *pl;
	struct figure *v;
	size_t i, k;

	if (fs->n < 2)
		return;
	pl = xcalloc(fs->n, sizeof *pl);
	for (i = 0; i < fs->n; i++) {
		for (k = 0; strcmp(fs->v[k].step, fs->v[i].step); k++)
			;
		pl[i] = (struct place){ k, rank(fs->v[i].key), i };
	}
	qsort(pl, fs->n, sizeof *pl, place_cmp);
	v = xcalloc(fs->n, sizeof *v);
	for (i = 0; i < fs->n; i++)
		v[i] = fs->v[pl[i].at];
	memcpy(fs->v, v, fs->n * sizeof *v);
	free(v);
	free(pl);
}

int figures_same(const struct figure *f)
{
	return strcmp(f->source, f->target) == 0;
}

int figures_judged(const struct figure *f)
{
	size_t r = rank(f->key);

	if (!strcmp(f->source, "-") || !strcmp(f->target, "-"))
		return 0;
	if (f->kind & FIGURES_SURVEY)
		return r < NLABELS && labels[r].before;
	return 1;
}

static int digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* A figure as the table shows it. */
static void show(char *out, size_t n, const char *key, const char *v)
{
	static const char *const unit[] = { "kB", "MB", "GB", "TB", "PB" };

	if ((!strcmp(key, "bytes") || !strcmp(key, "du") || !strcmp(key, "room")) && digits(v) && strlen(v) < 19) {
		double b = strtod(v, NULL);
		size_t u = 0;
		if (b < 1000) {
			snprintf(out, n, "%s B", v);
			return;
		}
		for (b /= 1000; b >= 999.95 && u + 1 < sizeof unit / sizeof *unit; b /= 1000)
			u++;
		snprintf(out, n, "%.1f %s", b, unit[u]);
	} else if ((!strcmp(key, "owners") || !strcmp(key, "dkim-owners")) && digits(v)) {
		if (strspn(v, "0") == strlen(v))
			snprintf(out, n, "ok");
		else
			snprintf(out, n, "%s wrong", v);
	} else {
		snprintf(out, n, "%s", v);
	}
}

static void rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
}

void figures_header(char *out, size_t n)
{
	snprintf(out, n, "  %-22s %12s %12s", "what", "source", "target");
}

void figures_line(char *out, size_t n, const struct figure *f)
{
	char s[FIGURES_WORD + 16], t[FIGURES_WORD + 16];
	size_t r = rank(f->key);
	int same = figures_same(f);

	show(s, sizeof s, f->key, f->source);
	show(t, sizeof t, f->key, f->target);
	if (!same && !strcmp(s, t)) { /* rounded alike: show what differs */
		snprintf(s, sizeof s, "%s", f->source);
		snprintf(t, sizeof t, "%s", f->target);
	}
	snprintf(out, n, "  %-22s %12s %12s  %s", r < NLABELS ? labels[r].label : f->key, s, t,
	         !figures_judged(f) ? "" : same ? "same" : "differs");
	rtrim(out); /* no verdict: no trailing blanks */
}

void figures_say(char *out, size_t n, const struct figure *f)
{
	char s[FIGURES_WORD + 16], t[FIGURES_WORD + 16];
	size_t r = rank(f->key);
	const char *label = r < NLABELS ? labels[r].label : f->key;
	int os = !strcmp(f->source, "-"), ot = !strcmp(f->target, "-");

	show(s, sizeof s, f->key, f->source);
	show(t, sizeof t, f->key, f->target);
	if (os || ot)
		snprintf(out, n, "figure: %s: %s on the %s", label, os ? t : s, os ? "target" : "source");
	else
		snprintf(out, n, "figure: %s: %s on the source, %s on the target%s", label, s, t,
		         !figures_judged(f) ? "" : figures_same(f) ? " (same)" : " (differs)");
}

int figures_print(struct figures *fs, FILE *out)
{
	char line[256];
	size_t i, k, n;
	int differ = 0, d, a;

	figures_sort(fs);
	for (i = 0; i < fs->n; i = k) {
		for (k = i; k < fs->n && !strcmp(fs->v[k].step, fs->v[i].step); k++)
			;
		if (fs->v[i].kind & FIGURES_SURVEY)
			fprintf(out, "what pre-flight found on each server\n");
		else
			fprintf(out, "source and target, as step %s last counted them\n", fs->v[i].step);
		figures_header(line, sizeof line);
		fprintf(out, "%s\n", line);
		for (d = a = 0, n = i; n < k; n++) {
			figures_line(line, sizeof line, &fs->v[n]);
			fprintf(out, "%s\n", line);
			if (figures_judged(&fs->v[n])) {
				d += !figures_same(&fs->v[n]);
				a++;
			}
		}
		if (a && d)
			fprintf(out, "  %d of %d figures differ\n", d, a);
		else if (a)
			fprintf(out, "  all %d figures are the same\n", a);
		for (n = 0, a = 0; n < fs->nnote; n++)
			if (!strcmp(fs->note[n].step, fs->v[i].step))
				fprintf(out, "%s  %s\n", a++ ? "" : "  what differs (the first accounts):\n", fs->note[n].text);
		differ += d;
	}
	return differ;
}
