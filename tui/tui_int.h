/* tui_int — what the wizard's modules share.  tui/tui.h is the entry point.
 *
 * Threads: the UI thread owns ncurses and is the only one that reads keys
 * (tui_term_key, called from tui_loop in tui/tui.c and nowhere else).  A
 * run's worker thread (tui/worker.c) never draws: it writes log lines into
 * the ring (tui/logring.c) and posts questions the UI thread answers.
 *
 * Screens are modules with open/draw/key/tick (interview, review, run,
 * report); one dialog at a time sits on top of the screen and gets the
 * keys first.  struct tui owns the screens' state, the dialog, the answers,
 * the plan, the session, the ring and the worker. */
#ifndef MAILSHIFT_TUI_INT_H
#define MAILSHIFT_TUI_INT_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <limits.h>
#include <stddef.h>
#include <wchar.h>

#include "core/answers.h"
#include "core/plan.h"
#include "core/runner.h"
#include "app/session.h"
#include "tui/tui.h"

/* ---- keys (tui/term.c) ---------------------------------------------- */
#define TUI_KEY_NONE (-1)   /* nothing within the timeout */
#define TUI_KEY_RESIZE (-2) /* the terminal changed size, or came back from a stop: redraw all */
#define TUI_FN(k) (0x200000 | (k)) /* a function key (ncurses KEY_*); others are characters */
#define TUI_ESC 27
#define TUI_CTRL(c) ((c) & 0x1f)
#define TUI_ENTER(k) ((k) == '\n' || (k) == '\r' || (k) == TUI_FN(KEY_ENTER))

#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24

enum tui_role { TUI_NORMAL, TUI_TITLE, TUI_SEL, TUI_ERR, TUI_WARN, TUI_OK, TUI_DIM, TUI_FIELD, TUI_BOLD, TUI_NROLES };

struct tui_glyphs {
	const char *h, *v, *tl, *tr, *bl, *br, *lt, *rt; /* lines and corners; lt/rt join a divider */
	const char *done, *failed, *running, *pending, *skipped, *stopped, *arrow, *more;
};

/* Sets up the terminal: locale (numbers stay "C"), signals, curses modes,
 * colours (none with NO_COLOR or a terminal without), glyphs (ASCII when
 * the locale is not UTF-8).  -1 with a message in err. */
int tui_term_start(char *err, size_t errlen);
/* Gives the terminal back as it was; safe to call twice (also atexit). */
void tui_term_end(void);
/* The one place that reads keys: waits at most timeout_ms. */
int tui_term_key(int timeout_ms);
/* SIGINT, SIGTERM or SIGHUP caught (0: none); raised again by tui_main
 * after the terminal is restored. */
int tui_term_signal(void);
void tui_term_reraise(void);
int tui_term_attr(enum tui_role r);
const struct tui_glyphs *tui_term_glyphs(void);
/* Where the cursor goes after this frame (a focused text field); -1: hidden. */
void tui_term_cursor(int y, int x);
/* Ends a frame: places or hides the cursor and updates the screen. */
void tui_term_flush(void);
/* 1 below 80x24; then tui_term_small_draw() says so. */
int tui_term_small(void);
void tui_term_small_draw(void);

/* ---- drawing helpers on stdscr (tui/draw.c) --------------------------- */
/* A line of text as wide characters: tabs expanded, what cannot be shown
 * as '?'.  *cols gets its width in columns. */
size_t tui_draw_decode(const char *s, wchar_t *out, size_t cap, int *cols);
/* Draws at most w columns of s at y,x; returns the columns drawn. */
int tui_draw_text(int y, int x, int w, const char *s, int attr);
/* Draws the wide characters from[0..n) that fit in w columns; returns how many. */
size_t tui_draw_wtext(int y, int x, int w, const wchar_t *s, size_t n, int attr);
void tui_draw_fill(int y, int x, int w, int attr);
void tui_draw_box(int y, int x, int h, int w, const char *title, int attr);
void tui_draw_divider(int y, int x, int w, const char *title, int attr);
/* The top line (title, and a right-aligned note) and the bottom line (key hints). */
void tui_draw_titlebar(const char *title, const char *right);
void tui_draw_statusbar(const char *hints, const char *message, int message_attr);
/* "[ label ]"; returns its width. */
int tui_draw_button(int y, int x, const char *label, int selected);
int tui_draw_width(const char *s);

/* Text wrapped to a width: UTF-8 lines.  Paragraphs end at '\n'; a
 * paragraph's leading spaces indent its continuation lines too. */
struct tui_lines {
	char **v;
	int *role; /* the role of the paragraph each line came from */
	size_t n, cap;
};
void tui_draw_wrap(struct tui_lines *l, const char *text, int width, int role);
/* The same, continuation lines indented hang columns more (log lines). */
void tui_draw_wrap_hanging(struct tui_lines *l, const char *text, int width, int role, int hang);
void tui_draw_lines_free(struct tui_lines *l);

/* ---- a one-line editor (tui/field.c) --------------------------------- */
#define TUI_FIELD_MAX 1024
struct tui_field {
	wchar_t s[TUI_FIELD_MAX];
	size_t len, cur, off; /* length, cursor, first character shown */
	int secret;           /* shows '*' per character; wiped by tui_field_wipe */
};
void tui_field_set(struct tui_field *f, const char *utf8);
/* The text as UTF-8 into out (truncated to n). */
void tui_field_get(const struct tui_field *f, char *out, size_t n);
/* Edits or moves on a key: 1 when it took the key. */
int tui_field_key(struct tui_field *f, int key);
/* Draws "[text   ]" in w columns; a focused field places the cursor. */
void tui_field_draw(struct tui_field *f, int y, int x, int w, int focused);
void tui_field_wipe(struct tui_field *f);

/* ---- dialogs (tui/dialog.c) ------------------------------------------- */
struct tui_dialog;
enum tui_input { TUI_INPUT_NONE, TUI_INPUT_TEXT, TUI_INPUT_SECRET };
struct tui_dialog *tui_dialog_new(const char *title, enum tui_role frame);
/* Appends a paragraph (UTF-8, may hold '\n') shown in role. */
void tui_dialog_text(struct tui_dialog *d, enum tui_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A command exactly as it runs: "$ " before it, its lines aligned (dim). */
void tui_dialog_command(struct tui_dialog *d, const char *cmd);
/* A button: its label, the key that picks it (0: none), the id returned. */
void tui_dialog_button(struct tui_dialog *d, const char *label, int hotkey, int id);
/* Esc picks this id (-1, the default: Esc does nothing). */
void tui_dialog_cancel(struct tui_dialog *d, int id);
void tui_dialog_input(struct tui_dialog *d, enum tui_input kind, const char *label, const char *initial);
/* Button id is taken only when the input holds exactly word ("yes");
 * otherwise the note says refused and the input gets the focus. */
void tui_dialog_require(struct tui_dialog *d, int id, const char *word, const char *refused);
/* The input's text (UTF-8). */
void tui_dialog_value(const struct tui_dialog *d, char *out, size_t n);
/* A line above the buttons (a hint, or why the input was refused). */
void tui_dialog_note(struct tui_dialog *d, const char *note);
void tui_dialog_draw(struct tui_dialog *d);
/* Takes a key: the id of the button chosen, or -1 while it stays open. */
int tui_dialog_key(struct tui_dialog *d, int key);
void tui_dialog_free(struct tui_dialog *d); /* wipes a secret input */

/* ---- the application (tui/tui.c) ------------------------------------- */
struct tui;
struct tui_screen {
	void (*draw)(struct tui *t);
	void (*key)(struct tui *t, int key);
	void (*tick)(struct tui *t); /* each turn of the loop (about 10 a second), or NULL */
};

/* Called when a button of the dialog is chosen, with t->dialog already
 * cleared (so it may open another): 0 closes (frees) d, 1 keeps it open. */
typedef int (*tui_done_fn)(struct tui *t, struct tui_dialog *d, int id);

struct tui_interview;
struct tui_review;
struct tui_runview;
struct tui_report;
struct tui_logring;
struct tui_worker;

struct tui {
	const struct tui_args *args;
	const struct tui_screen *screen;
	struct tui_dialog *dialog;
	tui_done_fn done;
	int dirty, quit, exit_code;
	char message[256];          /* one line in the status bar until the next key */
	enum tui_role message_role;

	char saved[PATH_MAX];       /* the answers file written by the interview ("": none yet) */
	struct answers answers;     /* read back from it, ~/.ssh/config applied */
	struct plan plan;
	int have_plan;
	char pause[64];             /* the run pauses after this step ("": it does not); p in the review */
	int until_seen;             /* --until (and --skip) were looked up in the plan */
	const char *skips[16];      /* steps left out (x in the review; session_skip_check allowed each),
	                             * as runner_opts.skip: the plan's step ids, static as every step */
	size_t nskips;

	struct session session;
	struct tui_logring *ring;
	struct tui_worker *worker;
	int ran;                    /* a run ended: result, rep and sum hold how */
	enum runner_result result;
	struct runner_report rep;
	struct session_summary sum; /* what its end means (session_summarize) */

	struct tui_interview *iv;
	struct tui_review *rv;
	struct tui_runview *rs;
	struct tui_report *rp;
};

void tui_open_dialog(struct tui *t, struct tui_dialog *d, tui_done_fn done);
/* The journal's tables of figures (core/figures.h; only: the tables of
 * the steps of that kind, FIGURES_SURVEY or FIGURES_PROOF, or 0 for all),
 * line by line with the role to draw each in, through
 * line(ctx, ...) (tui/report.c).  Returns how many tables it showed. */
int tui_figures_show(const char *journal, unsigned only,
                     void (*line)(void *ctx, enum tui_role role, const char *text), void *ctx);
/* A message with one button. */
void tui_message(struct tui *t, enum tui_role role, const char *title, const char *text);
/* "Quit the wizard?" with why it matters (NULL: nothing is lost). */
void tui_ask_quit(struct tui *t, const char *what_is_lost);
void tui_say(struct tui *t, enum tui_role role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Screens: each opens itself (making its state on first use) and frees
 * its state at the end of the wizard. */
void tui_interview_open(struct tui *t, int page);
void tui_interview_free(struct tui *t);
void tui_review_open(struct tui *t);
void tui_review_free(struct tui *t);
void tui_run_open(struct tui *t);     /* the worker has started */
void tui_run_free(struct tui *t);
void tui_report_open(struct tui *t);
void tui_report_free(struct tui *t);
/* Starting the run from the review: resume question, session, worker (tui/tui.c). */
void tui_start_run(struct tui *t);
/* The run ended: join the worker, close the session (tui/tui.c). */
void tui_end_run(struct tui *t);

#endif
