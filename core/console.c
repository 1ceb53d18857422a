#include "core/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"

int console_open_log(struct console *c, const char *path, char *err, size_t errlen)
{
	/* as the journal and the runbook: never through a symbolic link, never
	 * waiting on a FIFO, never a device (whose mode a chmod would change) */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: the log must be a regular file", path);
		close(fd);
		return -1;
	}
	if (fd < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 || fchmod(fd, 0600) < 0 ||
	    !(c->log = fdopen(fd, "a"))) {
		snprintf(err, errlen, "%s: cannot write the log: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

void console_close(struct console *c)
{
	if (c->log)
		fclose(c->log);
	c->log = NULL;
}

static void log_line(struct console *c, const char *tag, enum host h, const char *text)
{
	char stamp[32];
	time_t t = time(NULL);
	const char *s, *e;

	if (!c->log)
		return;
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	for (s = text;; s = e + 1) {
		e = strchr(s, '\n');
		fprintf(c->log, "%s %-6s %-6s %.*s\n", stamp, tag, plan_host_name(h),
		        e ? (int)(e - s) : (int)strlen(s), s);
		if (!e)
			break;
	}
	fflush(c->log);
}

/* Wraps text at 76 columns with an indent. */
static void wrapped(FILE *f, const char *indent, const char *text)
{
	struct buf b = {0};

	buf_add_wrapped(&b, indent, text, 76);
	fputs(buf_cstr(&b), f);
	buf_free(&b);
}

/* A progress line on a terminal: back to the line's start, the text cut to
 * the terminal's width (a wrapped line could not be drawn over), control
 * characters as '?', then the rest of the line cleared.  Elsewhere (a file,
 * a pipe, a dumb terminal, --quiet) it is dropped. */
static void show_progress(struct console *c, enum host h, const char *text)
{
	const char *term = getenv("TERM"), *host = plan_host_name(h);
	struct winsize ws;
	int fd = fileno(c->out), room = 80;

	if (c->quiet || fd < 0 || !isatty(fd) || (term && strcmp(term, "dumb") == 0))
		return;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		room = ws.ws_col;
	room -= 1 + (int)strlen(host) + 5; /* "   HOST| " and the last column */
	while (*text == ' ')
		text++;
	fprintf(c->out, "\r   %s| ", host);
	for (; *text && room > 0; text++, room--)
		fputc((unsigned char)*text < 0x20 || *text == 0x7f ? '?' : *text, c->out);
	fputs("\033[K", c->out);
	fflush(c->out);
	c->progress = 1;
}

/* Whatever comes next starts on a fresh line: the progress line is cleared
 * (the command's next line, rsync's last figures, takes its place). */
static void end_progress(struct console *c)
{
	if (!c->progress)
		return;
	fputs("\r\033[K", c->out);
	fflush(c->out);
	c->progress = 0;
}

/* What the servers send is shown and logged as text, never as terminal
 * controls: every control byte but the newline and the tab (ESC, BEL, CR,
 * backspace, DEL) and every C1 control (U+0080..U+009F, which a UTF-8
 * terminal may take for CSI) becomes '?'.  NULL when text is clean. */
static char *harmless(const char *text)
{
	const unsigned char *s;
	struct buf b = {0};

	for (s = (const unsigned char *)text; *s; s++)
		if ((*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f || (*s == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f))
			break;
	if (!*s)
		return NULL;
	for (s = (const unsigned char *)text; *s; s++) {
		if (*s == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
			buf_addc(&b, '?');
			s++;
		} else {
			buf_addc(&b, (*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f ? '?' : (char)*s);
		}
	}
	return buf_steal(&b);
}

static void emit_text(struct console *c, enum sink_kind kind, enum host h, const char *text);

static void emit(void *ctx, enum sink_kind kind, enum host h, const char *text)
{
	char *clean = harmless(text);

	emit_text(ctx, kind, h, clean ? clean : text);
	free(clean);
}

static void emit_text(struct console *c, enum sink_kind kind, enum host h, const char *text)
{
	static const char *const tags[] = {
		[SINK_OUT] = "out", [SINK_ERR] = "err", [SINK_STEP] = "step", [SINK_WHY] = "why",
		[SINK_ACTION] = "action", [SINK_COMMAND] = "cmd", [SINK_INFO] = "info", [SINK_WARN] = "warn", [SINK_ERROR] = "error",
		[SINK_PROGRESS] = "progress",
	};

	if (kind == SINK_PROGRESS) { /* transient: never in the log */
		show_progress(c, h, text);
		return;
	}
	end_progress(c);
	log_line(c, tags[kind], h, text);
	switch (kind) {
	case SINK_PROGRESS:
		break;
	case SINK_OUT:
		if (!c->quiet)
			fprintf(c->out, "   %s| %s\n", plan_host_name(h), text);
		break;
	case SINK_ERR:
		if (!c->quiet)
			fprintf(c->out, "   %s! %s\n", plan_host_name(h), text);
		break;
	case SINK_STEP:
		if (!c->quiet)
			fprintf(c->out, "\n== %s\n", text);
		break;
	case SINK_WHY:
		if (!c->quiet)
			wrapped(c->out, "   ", text);
		break;
	case SINK_ACTION:
		if (!c->quiet)
			fprintf(c->out, "-- [%s] %s\n", plan_host_name(h), text);
		break;
	case SINK_COMMAND:
		if (c->verbose) {
			const char *l, *e;
			for (l = text;; l = e + 1) {
				e = strchr(l, '\n');
				fprintf(c->out, "   $ %.*s\n", e ? (int)(e - l) : (int)strlen(l), l);
				if (!e)
					break;
			}
		}
		break;
	case SINK_INFO:
		if (!c->quiet)
			fprintf(c->out, "mailshift: %s\n", text);
		break;
	case SINK_WARN:
		fprintf(c->err, "mailshift: warning: %s\n", text);
		break;
	case SINK_ERROR:
		fprintf(c->err, "mailshift: %s\n", text);
		break;
	}
	fflush(c->out);
}

struct sink console_sink(struct console *c)
{
	return (struct sink){ emit, c };
}

/* Reads one line of the admin's answer into line (the rest of a longer
 * line is read and dropped, so it cannot answer the next question). */
static int read_line(struct console *c, char *line, size_t n)
{
	if (!fgets(line, (int)n, c->in))
		return -1;
	if (!strchr(line, '\n')) {
		int ch;
		while ((ch = fgetc(c->in)) != EOF && ch != '\n')
			;
	}
	log_line(c, "answer", HOST_LOCAL, line);
	return 0;
}

/* One line of the admin's answer, lowercased first letter; 0 on EOF. */
static int answer(struct console *c, const char *prompt)
{
	char line[64];

	end_progress(c);
	fputs(prompt, c->out);
	fflush(c->out);
	if (read_line(c, line, sizeof line) < 0) {
		fputc('\n', c->out);
		return 0;
	}
	return line[0] == '\n' ? '\n' : (line[0] | 0x20);
}

int console_ask_yes(struct console *c, const char *question, int def)
{
	char prompt[512];
	int a;

	snprintf(prompt, sizeof prompt, "%s [%s] ", question, def ? "Y/n" : "y/N");
	a = answer(c, prompt);
	if (a == '\n')
		return def;
	return a == 'y';
}

int console_confirm(void *ctx, const char *question)
{
	struct console *c = ctx;

	end_progress(c);
	fprintf(c->out, "%s\n", question);
	return console_ask_yes(c, "Answer", 0);
}

/* Reads a line with echo off from the terminal (/dev/tty), or, with no
 * terminal, from stdin when that is no terminal either (a pipe).  The line
 * is never logged. */
int console_secret(void *ctx, const char *prompt, char *buf, size_t n)
{
	struct console *c = ctx;
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+e");
	FILE *in = tty ? tty : c->in, *out = tty ? tty : c->err;
	int echo_off = 0, ok;
	size_t len;

	if (!tty && isatty(fileno(c->in)))
		return -1;
	end_progress(c);
	if (tty)
		setvbuf(tty, NULL, _IONBF, 0); /* no stdio buffer keeps the secret */
	if (tty && tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
	}
	fputs(prompt, out);
	fflush(out);
	ok = fgets(buf, (int)n, in) != NULL;
	if (echo_off)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	if (echo_off || !tty) /* the Enter was not echoed */
		fputc('\n', out);
	if (tty)
		fclose(tty);
	if (!ok) {
		explicit_bzero(buf, n);
		return -1;
	}
	len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return 0;
}

static enum runner_choice confirm_step(void *ctx, const struct plan_step *ps, size_t i, size_t n)
{
	struct console *c = ctx;
	char prompt[256];
	int a;

	(void)i; (void)n;
	snprintf(prompt, sizeof prompt, "Run step %s? [y]es, [s]kip, [q]uit: ", ps->step->id);
	for (;;) {
		a = answer(c, prompt);
		if (a == 'y')
			return RUNNER_GO;
		if (a == 's')
			return RUNNER_SKIP;
		if (a == 'q' || a == 0)
			return RUNNER_ABORT;
	}
}

static enum runner_choice confirm_destructive(void *ctx, const struct plan_step *ps, const struct action *a)
{
	struct console *c = ctx;
	char line[64];

	(void)ps;
	end_progress(c);
	fprintf(c->out, "   DESTRUCTIVE on the %s: %s\n   Type yes to run it, skip to skip the rest of "
	        "this step, anything else to stop: ", plan_host_name(a->on), a->note);
	fflush(c->out);
	if (read_line(c, line, sizeof line) < 0)
		return RUNNER_ABORT;
	if (strcmp(line, "yes\n") == 0)
		return RUNNER_GO;
	if (strcmp(line, "skip\n") == 0)
		return RUNNER_SKIP;
	return RUNNER_ABORT;
}

static enum runner_choice failed(void *ctx, const struct plan_step *ps, const struct action *a,
                                 int status, int can_skip)
{
	struct console *c = ctx;
	int ans;

	(void)a; (void)status;
	for (;;) {
		ans = answer(c, can_skip ? "[r]etry, [s]kip this action, or [a]bort? "
		                : ps->step->flags & STEP_PROOF ? "What comes later trusts this check: [r]etry or [a]bort? "
		                                               : "This action is destructive: [r]etry or [a]bort? ");
		if (ans == 'r')
			return RUNNER_RETRY;
		if (ans == 's' && can_skip)
			return RUNNER_SKIP;
		if (ans == 'a' || ans == 0)
			return RUNNER_ABORT;
	}
}

/* A checklist item whose instruction was just printed. */
static enum runner_choice manual(void *ctx, const struct plan_step *ps, const struct action *a)
{
	struct console *c = ctx;
	int ans;

	end_progress(c);
	fprintf(c->out, "   CHECKLIST (%s): %s\n", ps->step->id, a->note);
	for (;;) {
		ans = answer(c, "   Done? [y]es / [l]ater / [a]bort: ");
		if (ans == 'y')
			return RUNNER_GO;
		if (ans == 'l')
			return RUNNER_SKIP;
		if (ans == 'a' || ans == 0)
			return RUNNER_ABORT;
	}
}

struct runner_ui console_ui(struct console *c)
{
	return (struct runner_ui){
		.confirm_step = confirm_step,
		.confirm_destructive = confirm_destructive,
		.failed = failed,
		.manual = manual,
		.ctx = c,
	};
}
