/* figures — the verification table: what the verify step counted on each
 * side (accounts, messages, bytes, tables, rows, LDAP entries, DKIM keys,
 * wrong owners) and whether the two agree.
 *
 * A verify action (steps/verify.c on the servers, backends/inspect.c through
 * mailshift's own connections) prints one line per figure on its stdout:
 *   mailshift-figure KEY SOURCE TARGET
 * single spaces between; KEY a short id ([a-z0-9_-]), SOURCE and TARGET
 * one word each ([A-Za-z0-9._:+-]), each under FIGURES_WORD bytes: counts,
 * never text read from a server, so never a secret.  The runner records
 * each such line in the journal (journal_row); --report and the wizard's
 * report print the table (figures_print, figures_line).
 *
 * A figure of "-" is one host's column left open: pre-flight's actions
 * each see one server and print "KEY VALUE -" or "KEY - VALUE";
 * figures_set() keeps the other column.
 *
 * Known keys, in the order the table shows them (any other key is shown
 * by its id after them, its figures as they are):
 *   iredmail (release), backend, vmail-ids, dovecot, roundcube (versions),
 *   accounts (mailboxes), domains,
 *   resolved, unresolved, roots (pre-flight's discovery: the accounts the
 *   source's Dovecot resolves and does not, the storage roots),
 *   census (accounts), folders, messages, bytes (shown as kB/MB/GB),
 *   differ (accounts whose census differs; the source's figure is 0),
 *   du (the mail's disk usage, du -B1: more than the files' bytes),
 *   room (the target's room for the mail, as bytes),
 *   databases, tables, rows, ldap (entries), dkim (keys),
 *   owners, dkim-owners (paths, keys with a wrong owner or mode: 0 is
 *   shown "ok"; the source's figure is what the target must show, 0)
 *   pop3-uidl (each host's POP3 UIDL format, '%' as '+'; shown, never
 *   judged: its check is the pre-flight action's own)
 *
 * struct figures owns its array; release it with figures_free(). */
#ifndef MAILSHIFT_FIGURES_H
#define MAILSHIFT_FIGURES_H

#include <stddef.h>
#include <stdio.h>

#define FIGURES_PREFIX "mailshift-figure"
#define FIGURES_WORD 48

/* What the step that counted a figure is (its journal FLAGS): */
enum {
	FIGURES_SURVEY = 1 << 0, /* describes the servers (STEP_SURVEY, pre-flight) */
	FIGURES_PROOF = 1 << 1,  /* a proof (STEP_PROOF, verify): the verification table */
};

struct figure {
	char step[FIGURES_WORD]; /* the id of the step that counted it ("verify") */
	unsigned kind;           /* FIGURES_SURVEY, FIGURES_PROOF */
	char key[FIGURES_WORD], source[FIGURES_WORD], target[FIGURES_WORD];
};

/* What differs, in words: a verify action may also print
 *   mailshift-note TEXT
 * (the census's accounts that differ, with what differs: the first 20);
 * the runner journals each line, and the report lists a step's notes under
 * its table.  TEXT names accounts and folders of the source: it is kept as
 * printable ASCII (anything else becomes '?'), at most FIGURES_NOTE - 1
 * bytes.  A step's notes are those recorded since its last "differ" figure
 * (the count they belong to). */
#define FIGURES_NOTE_PREFIX "mailshift-note"
#define FIGURES_NOTE 240

struct figure_note {
	char step[FIGURES_WORD];
	char text[FIGURES_NOTE];
};

struct figures {
	struct figure *v;
	size_t n, cap;
	struct figure_note *note;
	size_t nnote, capnote;
};

/* 1 when line is "mailshift-figure KEY SOURCE TARGET" (f filled, its step
 * empty), else 0 (f untouched). */
int figures_parse(const char *line, struct figure *f);
/* 1 when line is "mailshift-note TEXT": TEXT, made printable, into out (n
 * bytes, at least 1), else 0. */
int figures_note_parse(const char *line, char *out, size_t n);
/* Records a note of step (its text made printable and cut as above). */
void figures_note(struct figures *fs, const char *step, const char *text);

/* 1 when s is a valid word (a key when key is set, else a figure). */
int figures_word(const char *s, int key);
/* Records f: replaces the figure of the same step and key (a retried or
 * resumed action counted again), else appends.  f must be valid.  A
 * "differ" figure drops the step's notes (a new count, new notes). */
void figures_set(struct figures *fs, const struct figure *f);
void figures_clear(struct figures *fs);
void figures_free(struct figures *fs);
/* Sorts the figures into the table's order (by step as first seen, then
 * the known keys' order, then the rest as recorded). */
void figures_sort(struct figures *fs);
/* 1 when the source's and the target's figure are the same. */
int figures_same(const struct figure *f);
/* 1 when the table gives the figure a verdict (same/differs): both
 * columns filled, and for a survey (pre-flight) only what must already
 * agree (release, backend, vmail ids); the rest of a survey describes. */
int figures_judged(const struct figure *f);
/* The table's lines, without a newline: the column heads, and one row
 * ("  messages                     3456        3456  same"). */
void figures_header(char *out, size_t n);
void figures_line(char *out, size_t n, const struct figure *f);
/* The figure in words, for the live log and the log file (a person reads
 * them; the "mailshift-figure" line is mailshift's own protocol):
 * "figure: messages: 3456 on the source, 3456 on the target (same)";
 * a column left open is not named. */
void figures_say(char *out, size_t n, const struct figure *f);
/* Prints the table (sorted; a title per step, the heads, the rows, a
 * summary) to out; nothing when there are no figures.  Returns how many
 * figures differ. */
int figures_print(struct figures *fs, FILE *out);

#endif
