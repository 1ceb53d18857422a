#include "core/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/shell.h"
#include "core/xalloc.h"

const char *plan_host_name(enum host h)
{
	switch (h) {
	case HOST_SOURCE: return "source";
	case HOST_TARGET: return "target";
	case HOST_LOCAL: return "local";
	}
	return "?";
}

const char *plan_host_address(const struct plan *p, enum host h)
{
	if (h == HOST_SOURCE)
		return p->answers->source.host;
	return h == HOST_TARGET ? p->answers->target.host : "localhost";
}

const struct action *plan_find_action(const struct plan *p, unsigned flags)
{
	size_t i, k;

	for (i = 0; i < p->n; i++)
		for (k = 0; k < p->steps[i].n; k++)
			if ((p->steps[i].act[k].flags & flags) == flags)
				return &p->steps[i].act[k];
	return NULL;
}

void plan_build(struct plan *p, const struct answers *a, const struct step *const *steps)
{
	size_t i;

	memset(p, 0, sizeof *p);
	p->answers = a;
	for (i = 0; steps[i]; i++) {
		const struct step *s = steps[i];
		struct plan_step *ps;

		if (s->applies && !s->applies(a))
			continue;
		p->steps = xgrow(p->steps, &p->cap, p->n + 1, sizeof *p->steps);
		ps = &p->steps[p->n++];
		memset(ps, 0, sizeof *ps);
		ps->step = s;
		s->plan(a, ps);
	}
}

void plan_free(struct plan *p)
{
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		for (j = 0; j < p->steps[i].n; j++) {
			free(p->steps[i].act[j].cmd);
			free(p->steps[i].act[j].note);
			free(p->steps[i].act[j].capture);
			free(p->steps[i].act[j].input);
		}
		free(p->steps[i].act);
	}
	free(p->steps);
	memset(p, 0, sizeof *p);
}

static struct action *vadd(struct plan_step *ps, enum host on, unsigned flags, const char *note,
                           const char *fmt, va_list ap)
{
	struct action *act;

	ps->act = xgrow(ps->act, &ps->cap, ps->n + 1, sizeof *ps->act);
	act = &ps->act[ps->n++];
	memset(act, 0, sizeof *act);
	act->on = on;
	act->flags = flags;
	act->note = xstrdup(note);
	act->cmd = shell_vfmt(fmt, ap);
	return act;
}

void plan_add(struct plan_step *ps, enum host on, unsigned flags, const char *note,
              const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(ps, on, flags, note, fmt, ap);
	va_end(ap);
}

void plan_checklist(struct plan_step *ps, const char *note, const char *text)
{
	plan_add(ps, HOST_LOCAL, ACT_MANUAL, note, "printf '%%s\\n' %q", text);
}

void plan_native(struct plan_step *ps, enum host on, unsigned flags, enum native what, const char *note,
                 const char *fmt, ...)
{
	struct action *act;
	va_list ap;

	va_start(ap, fmt);
	act = vadd(ps, on, flags, note, fmt, ap);
	va_end(ap);
	act->native = what;
}

/* A value's name becomes a shell variable of the runbook: a bad one is a bug. */
static void check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > PLAN_NAME_MAX || name[0] < 'a' || name[0] > 'z' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != n) {
		fprintf(stderr, "mailshift: bug: \"%s\" is not a value name\n", name);
		abort();
	}
}

void plan_capture(struct plan_step *ps, enum host on, unsigned flags, const char *name,
                  const char *note, const char *fmt, ...)
{
	struct action *act;
	va_list ap;

	check_name(name);
	va_start(ap, fmt);
	act = vadd(ps, on, flags, note, fmt, ap);
	va_end(ap);
	act->capture = xstrdup(name);
}

void plan_feed(struct plan_step *ps, enum host on, unsigned flags, const char *name,
               const char *note, const char *fmt, ...)
{
	struct action *act;
	va_list ap;
	size_t i;

	check_name(name);
	for (i = 0; i < ps->n; i++)
		if (ps->act[i].capture && strcmp(ps->act[i].capture, name) == 0)
			break;
	if (i == ps->n) {
		fprintf(stderr, "mailshift: bug: no earlier action of step %s captures \"%s\"\n",
		        ps->step ? ps->step->id : "?", name);
		abort();
	}
	va_start(ap, fmt);
	act = vadd(ps, on, flags, note, fmt, ap);
	va_end(ap);
	act->input = xstrdup(name);
}

int plan_step_restarts(const struct plan_step *ps)
{
	return (ps->step->flags & STEP_WHOLE) || plan_step_captures(ps);
}

int plan_step_captures(const struct plan_step *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (ps->act[i].capture)
			return 1;
	return 0;
}

int plan_find(const struct plan *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->steps[i].step->id, id) == 0)
			return (int)i;
	return -1;
}

int plan_find_flag(const struct plan *p, unsigned flags)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if ((p->steps[i].step->flags & flags) == flags)
			return (int)i;
	return -1;
}

static unsigned long long fnv(unsigned long long h, const void *data, size_t n)
{
	const unsigned char *s = data;
	while (n--) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void plan_fingerprint(const struct plan *p, char out[17])
{
	unsigned long long h = 0xcbf29ce484222325ULL;
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		const struct plan_step *ps = &p->steps[i];
		h = fnv(h, ps->step->id, strlen(ps->step->id) + 1);
		for (j = 0; j < ps->n; j++) {
			unsigned char meta[2] = { (unsigned char)ps->act[j].on,
			                          (unsigned char)ps->act[j].flags };
			h = fnv(h, meta, sizeof meta);
			h = fnv(h, ps->act[j].cmd, strlen(ps->act[j].cmd) + 1);
			/* only where present: plans without values keep their fingerprint */
			if (ps->act[j].capture) {
				h = fnv(h, ">", 1);
				h = fnv(h, ps->act[j].capture, strlen(ps->act[j].capture) + 1);
			}
			if (ps->act[j].input) {
				h = fnv(h, "<", 1);
				h = fnv(h, ps->act[j].input, strlen(ps->act[j].input) + 1);
			}
		}
	}
	snprintf(out, 17, "%016llx", h);
}
