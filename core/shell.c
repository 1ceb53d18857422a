#include "core/shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

int shell_is_plain(const char *s)
{
	if (!*s || *s == '-')
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("-_./:@+,", c)))
			return 0;
	}
	return 1;
}

/* Three forms, the simplest that is exact:
 *  - plain words stay bare, so the runbook reads like a human wrote it;
 *  - text with none of $ ` \ " ! goes in double quotes, which nest inside the
 *    single quotes of an outer level without escapes;
 *  - anything else goes in single quotes, which protect every byte but the
 *    single quote itself, written as '\'' (close, escaped quote, reopen).
 * A leading '-' and any '=' are never bare, so they stand out to a reader;
 * quoting does not stop a value from being taken as an option: templates
 * put `--` before such operands. */
void shell_quote_into(struct buf *out, const char *s)
{
	if (shell_is_plain(s)) {
		buf_adds(out, s);
		return;
	}
	if (!strpbrk(s, "$`\\\"!")) {
		buf_addc(out, '"');
		buf_adds(out, s);
		buf_addc(out, '"');
		return;
	}
	buf_addc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(out, "'\\''");
		else
			buf_addc(out, *s);
	}
	buf_addc(out, '\'');
}

char *shell_quote(const char *s)
{
	struct buf b = {0};
	shell_quote_into(&b, s);
	return buf_steal(&b);
}

char *shell_vfmt(const char *fmt, va_list ap)
{
	struct buf b = {0};
	const char *p;

	for (p = fmt; *p; p++) {
		if (*p != '%') {
			buf_addc(&b, *p);
			continue;
		}
		switch (*++p) {
		case 'q':
			shell_quote_into(&b, va_arg(ap, const char *));
			break;
		case 's':
			buf_adds(&b, va_arg(ap, const char *));
			break;
		case 'd':
			buf_addf(&b, "%d", va_arg(ap, int));
			break;
		case 'u':
			buf_addf(&b, "%u", va_arg(ap, unsigned));
			break;
		case '%':
			buf_addc(&b, '%');
			break;
		default:
			fprintf(stderr, "mailshift: bug: shell_fmt: bad conversion in \"%s\"\n", fmt);
			abort();
		}
	}
	return buf_steal(&b);
}

char *shell_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = shell_vfmt(fmt, ap);
	va_end(ap);
	return s;
}

/* 1 when a line of text starts with word: bash may end a here-document
 * inside $( ) at a line "WORD)", so every line that begins with the
 * delimiter is avoided, not only one equal to it. */
static int has_line(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *s = text, *e;

	for (;;) {
		e = strchr(s, '\n');
		if ((e ? (size_t)(e - s) : strlen(s)) >= n && memcmp(s, word, n) == 0)
			return 1;
		if (!e)
			return 0;
		s = e + 1;
	}
}

char *shell_heredoc_delimiter(const char *text, const char *base)
{
	char *d = xstrdup(base);
	unsigned n = 0;

	while (has_line(text, d)) {
		free(d);
		d = xasprintf("%s_%u", base, ++n);
	}
	return d;
}

void shell_assign_into(struct buf *out, const char *name, const char *value)
{
	char *d;

	if (!strchr(value, '\n') || !strchr(value, '\'')) {
		buf_addf(out, "%s=", name);
		shell_quote_into(out, value);
		buf_addc(out, '\n');
		return;
	}
	d = shell_heredoc_delimiter(value, "MS_VALUE");
	/* the braces: a here-document bash cannot make (no room for its temporary
	 * file) fails the command, never the read's "|| :" */
	buf_addf(out, "{ IFS= read -r -d '' %s || :; } <<'%s'\n%s\n%s\n%s=${%s%%$'\\n'}\n",
	         name, d, value, d, name, name);
	free(d);
}
