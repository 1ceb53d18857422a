#include "tui/logring.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"

struct line {
	char *text;
	int tag;
};

struct tui_logring {
	pthread_mutex_t mu;
	struct line *l; /* l[seq % cap] */
	size_t cap, bytes;
	uint64_t begin, end;
};

struct tui_logring *tui_logring_new(size_t cap)
{
	struct tui_logring *r = xcalloc(1, sizeof *r);

	r->cap = cap ? cap : 1;
	r->l = xcalloc(r->cap, sizeof *r->l);
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

void tui_logring_free(struct tui_logring *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->cap; i++)
		free(r->l[i].text);
	free(r->l);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* How many bytes of s to keep: at most max, not splitting a UTF-8 character. */
static size_t cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

void tui_logring_push(struct tui_logring *r, int tag, const char *text)
{
	size_t n = cut(text, TUI_LOGRING_LINE_MAX);
	char *copy = xstrndup(text, n);
	struct line *slot;

	pthread_mutex_lock(&r->mu);
	slot = &r->l[r->end % r->cap];
	if (r->end - r->begin == r->cap) { /* full: the oldest goes */
		r->bytes -= strlen(slot->text) + 1;
		free(slot->text);
		r->begin++;
	}
	slot->text = copy;
	slot->tag = tag;
	r->bytes += n + 1;
	r->end++;
	pthread_mutex_unlock(&r->mu);
}

uint64_t tui_logring_begin(struct tui_logring *r)
{
	uint64_t v;

	pthread_mutex_lock(&r->mu);
	v = r->begin;
	pthread_mutex_unlock(&r->mu);
	return v;
}

uint64_t tui_logring_end(struct tui_logring *r)
{
	uint64_t v;

	pthread_mutex_lock(&r->mu);
	v = r->end;
	pthread_mutex_unlock(&r->mu);
	return v;
}

int tui_logring_get(struct tui_logring *r, uint64_t seq, char *out, size_t n, int *tag)
{
	int rc = -1;

	pthread_mutex_lock(&r->mu);
	if (seq >= r->begin && seq < r->end) {
		const struct line *l = &r->l[seq % r->cap];
		if (n)
			snprintf(out, n, "%s", l->text);
		if (tag)
			*tag = l->tag;
		rc = 0;
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* strcasestr for ASCII letters only, whatever the locale. */
static int holds(const char *hay, const char *needle, size_t nlen)
{
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, nlen) == 0)
			return 1;
	return 0;
}

int64_t tui_logring_search(struct tui_logring *r, uint64_t from, int backward, const char *needle)
{
	size_t nlen = strlen(needle);
	int64_t found = -1;
	uint64_t s;

	if (!nlen)
		return -1;
	pthread_mutex_lock(&r->mu);
	if (r->end > r->begin) {
		if (backward) {
			s = from >= r->end ? r->end - 1 : from;
			for (; s >= r->begin && found < 0; s--) {
				if (holds(r->l[s % r->cap].text, needle, nlen))
					found = (int64_t)s;
				if (s == 0)
					break;
			}
		} else {
			for (s = from < r->begin ? r->begin : from; s < r->end && found < 0; s++)
				if (holds(r->l[s % r->cap].text, needle, nlen))
					found = (int64_t)s;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

size_t tui_logring_bytes(struct tui_logring *r)
{
	size_t v;

	pthread_mutex_lock(&r->mu);
	v = r->bytes;
	pthread_mutex_unlock(&r->mu);
	return v;
}
