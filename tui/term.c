/* The terminal: set up and given back on every way out (normal end, exit()
 * anywhere, SIGINT/SIGTERM/SIGHUP, a crash), stopped and resumed with
 * Ctrl-Z, resized; colours and glyphs; and the one place keys are read. */
#include "tui/tui_int.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/runner.h"

static SCREEN *screen;
static volatile sig_atomic_t active, caught, resumed;
static struct termios shell_tio, prog_tio;
static int have_tio;
/* Written from signal handlers (write(2) only): leave and re-enter curses. */
static char leave_seq[128], enter_seq[128];
static size_t leave_len, enter_len;
static int attrs[TUI_NROLES];
static int utf8, cursor_y = -1, cursor_x = -1, cursor_shown = -1;

static const struct tui_glyphs glyphs_utf8 = {
	"─", "│", "┌", "┐", "└", "┘", "├", "┤",
	"✓", "✗", "▶", "·", "–", "■", "→", "…",
};
static const struct tui_glyphs glyphs_ascii = {
	"-", "|", "+", "+", "+", "+", "+", "+",
	"+", "x", ">", ".", "-", "!", "->", "~",
};

/* Appends a terminfo capability (if the terminal has it) to a sequence. */
static void add_cap(char *seq, size_t *len, size_t cap, const char *name)
{
	char *s = tigetstr(name);
	size_t n;

	if (!s || s == (char *)-1)
		return;
	n = strlen(s);
	if (*len + n < cap) {
		memcpy(seq + *len, s, n);
		*len += n;
	}
}

static void put_seq(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Async-signal-safe: the shell's terminal modes and screen back. */
static void leave_now(void)
{
	if (!active)
		return;
	put_seq(leave_seq, leave_len);
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &shell_tio);
}

static void on_signal(int sig)
{
	int e = errno;

	if (caught || !active) { /* a second one, or no curses: leave at once */
		leave_now();
		active = 0;
		signal(sig, SIG_DFL);
		raise(sig);
	}
	caught = sig;
	runner_interrupt(); /* a run stops after its current action */
	errno = e;
}

static void on_crash(int sig)
{
	leave_now();
	active = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_tstp(int sig)
{
	int e = errno;
	sigset_t set;

	(void)sig;
	leave_now();
	signal(SIGTSTP, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGTSTP); /* stopped here until SIGCONT */
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGTSTP, on_tstp);
	if (active) {
		if (have_tio)
			tcsetattr(STDIN_FILENO, TCSADRAIN, &prog_tio);
		put_seq(enter_seq, enter_len);
	}
	resumed = 1;
	errno = e;
}

static void on_cont(int sig)
{
	(void)sig;
	resumed = 1;
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void install_signals(void)
{
	static const int crashes[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT, SIGXCPU, SIGXFSZ };
	size_t i;

	handle(SIGINT, on_signal, SA_RESTART);
	handle(SIGTERM, on_signal, SA_RESTART);
	handle(SIGHUP, on_signal, SA_RESTART);
	handle(SIGTSTP, on_tstp, SA_RESTART);
	handle(SIGCONT, on_cont, SA_RESTART);
	handle(SIGPIPE, SIG_IGN, 0);
	for (i = 0; i < sizeof crashes / sizeof *crashes; i++)
		handle(crashes[i], on_crash, SA_RESETHAND);
}

static void colours(void)
{
	const char *nc = getenv("NO_COLOR");

	attrs[TUI_NORMAL] = A_NORMAL;
	attrs[TUI_TITLE] = A_REVERSE;
	attrs[TUI_SEL] = A_REVERSE;
	attrs[TUI_ERR] = A_BOLD;
	attrs[TUI_WARN] = A_BOLD;
	attrs[TUI_OK] = A_NORMAL;
	attrs[TUI_DIM] = A_DIM;
	attrs[TUI_FIELD] = A_UNDERLINE;
	attrs[TUI_BOLD] = A_BOLD;
	if ((nc && *nc) || !has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	init_pair(1, COLOR_WHITE, COLOR_BLUE);
	init_pair(2, COLOR_BLACK, COLOR_CYAN);
	init_pair(3, COLOR_RED, -1);
	init_pair(4, COLOR_YELLOW, -1);
	init_pair(5, COLOR_GREEN, -1);
	attrs[TUI_TITLE] = COLOR_PAIR(1) | A_BOLD;
	attrs[TUI_SEL] = COLOR_PAIR(2);
	attrs[TUI_ERR] = COLOR_PAIR(3) | A_BOLD;
	attrs[TUI_WARN] = COLOR_PAIR(4) | A_BOLD;
	attrs[TUI_OK] = COLOR_PAIR(5);
}

static void at_exit(void)
{
	tui_term_end();
}

int tui_term_start(char *err, size_t errlen)
{
	static int registered;

	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C"); /* the journal writes and reads numbers with '.' */
	utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the wizard needs a terminal (stdin and stdout)");
		return -1;
	}
	have_tio = tcgetattr(STDIN_FILENO, &shell_tio) == 0;
	/* before curses, so it installs no handlers of its own for these */
	install_signals();
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		snprintf(err, errlen, "cannot use the terminal \"%s\" (TERM)", getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	set_term(screen);
	if (!registered++)
		atexit(at_exit);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	cursor_shown = 0;
	colours();
	leave_len = enter_len = 0;
	add_cap(leave_seq, &leave_len, sizeof leave_seq, "sgr0");
	add_cap(leave_seq, &leave_len, sizeof leave_seq, "cnorm");
	add_cap(leave_seq, &leave_len, sizeof leave_seq, "rmkx");
	add_cap(leave_seq, &leave_len, sizeof leave_seq, "rmcup");
	add_cap(enter_seq, &enter_len, sizeof enter_seq, "smcup");
	add_cap(enter_seq, &enter_len, sizeof enter_seq, "smkx");
	refresh();
	if (have_tio)
		tcgetattr(STDIN_FILENO, &prog_tio);
	active = 1;
	return 0;
}

void tui_term_end(void)
{
	if (!screen)
		return;
	active = 0;
	curs_set(1);
	endwin();
	delscreen(screen);
	screen = NULL;
	fflush(stdout);
}

int tui_term_signal(void)
{
	return caught;
}

void tui_term_reraise(void)
{
	int sig = caught;

	if (!sig)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}

int tui_term_key(int timeout_ms)
{
	wint_t ch;
	int r;

	if (resumed) {
		resumed = 0;
		clearok(curscr, TRUE);
		cursor_shown = -1; /* the shell may have shown it: set it again */
		return TUI_KEY_RESIZE;
	}
	timeout(timeout_ms);
	r = get_wch(&ch);
	if (r == ERR)
		return TUI_KEY_NONE;
	if (r == KEY_CODE_YES)
		return ch == KEY_RESIZE ? TUI_KEY_RESIZE : TUI_FN((int)ch);
	return (int)ch;
}

int tui_term_attr(enum tui_role r)
{
	return attrs[r];
}

const struct tui_glyphs *tui_term_glyphs(void)
{
	return utf8 ? &glyphs_utf8 : &glyphs_ascii;
}

void tui_term_cursor(int y, int x)
{
	cursor_y = y;
	cursor_x = x;
}

void tui_term_flush(void)
{
	int want = cursor_y >= 0;

	if (want != cursor_shown) {
		curs_set(want);
		cursor_shown = want;
	}
	if (want)
		move(cursor_y, cursor_x);
	refresh();
	cursor_y = cursor_x = -1;
}

int tui_term_small(void)
{
	return COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES;
}

void tui_term_small_draw(void)
{
	static const char more[] = "make the window larger to go on";
	char line[96];
	int y = LINES / 2 - 1, w;

	erase();
	snprintf(line, sizeof line, "terminal too small (need %dx%d, have %dx%d)", TUI_MIN_COLS, TUI_MIN_LINES,
	         COLS, LINES);
	w = (int)strlen(line);
	tui_draw_text(y < 0 ? 0 : y, w < COLS ? (COLS - w) / 2 : 0, COLS, line, tui_term_attr(TUI_BOLD));
	w = (int)strlen(more);
	tui_draw_text(y + 1, w < COLS ? (COLS - w) / 2 : 0, COLS, more, A_NORMAL);
}
