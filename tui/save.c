#include "tui/save.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/session.h"
#include "core/xalloc.h"
#include "steps/steps.h"

#define NAME "answers"

int tui_save_check(const struct tui_save_item *items, size_t n, struct answers *a, char *err, size_t errlen,
                   int *bad)
{
	static const char *const secs[] = { "source", "target", "options" };
	int *line_of = xcalloc(n ? n : 1, sizeof *line_of), sec_line[3], line = 0, at = 0, rc;
	char *text = NULL, *msg;
	size_t len = 0, i, s;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		free(line_of);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (s = 0; s < 3; s++) {
		fprintf(f, "[%s]\n", secs[s]);
		sec_line[s] = ++line;
		for (i = 0; i < n; i++)
			if (strcmp(items[i].sec, secs[s]) == 0 && *items[i].value) {
				answers_write_key(f, items[i].name, items[i].value); /* one line: no control characters */
				line_of[i] = ++line;
			}
	}
	fclose(f);
	rc = answers_parse(a, NAME, text, err, errlen);
	free(text);
	*bad = -1;
	if (rc < 0) {
		/* "answers:LINE: what": the item on that line, or the section's first */
		if (sscanf(err, NAME ":%d:", &at) == 1)
			for (i = 0; i < n; i++)
				if (line_of[i] == at)
					*bad = (int)i;
		for (s = 0; s < 3 && *bad < 0; s++) {
			if (sec_line[s] != at)
				continue;
			for (i = 0; i < n && *bad < 0; i++)
				if (!strcmp(items[i].sec, secs[s]) &&
				    (strstr(err, "host") ? !strcmp(items[i].name, "host")
				     : strstr(err, "backend") ? !strcmp(items[i].name, "backend") : !strcmp(items[i].name, "stack")))
					*bad = (int)i;
		}
		msg = strchr(err, ':');
		if (msg && at)
			msg = strchr(msg + 1, ':');
		if (msg) {
			msg += msg[1] == ' ' ? 2 : 1;
			memmove(err, msg, strlen(msg) + 1);
		}
	}
	free(line_of);
	return rc;
}

int tui_save_write(const struct answers *a, const char *path, char *err, size_t errlen)
{
	char *copy = xstrdup(path), *tmp = xasprintf("%s/.mailshift-answers.XXXXXX", dirname(copy));
	int fd = mkstemp(tmp), rc = -1; /* mode 0600 */
	FILE *f;

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot write there: %s", path, strerror(errno));
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
	} else {
		int ok;
		answers_write(a, f);
		ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
		if (fclose(f) != 0)
			ok = 0;
		if (ok && rename(tmp, path) == 0)
			rc = 0;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot write it: %s", path, strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	free(copy);
	return rc;
}

int tui_save_plan(const char *path, int local, const char *ssh_config, struct answers *a, struct plan *p,
                  char *err, size_t errlen)
{
	if (answers_load(a, path, err, errlen) < 0)
		return -1;
	if ((!local && session_ssh_config(a, ssh_config, err, errlen) < 0) ||
	    steps_plan(p, a, err, errlen) < 0) {
		answers_free(a);
		return -1;
	}
	return 0;
}
