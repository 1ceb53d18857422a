#include "core/runbook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backends/sh.h"
#include "core/buf.h"
#include "core/shell.h"
#include "core/xalloc.h"

struct runbook {
	FILE *f;
	const struct plan *p;
	int dry_run;
	size_t *steps; /* indexes of the steps written, in order */
	size_t nsteps, cap;
	int in_step;
	char *path;
	int failed; /* errno of the first write that failed; 0 none */
	char why[512];
};

/* Comment text wrapped at 76 columns, each line starting with prefix. */
static void comment(FILE *f, const char *prefix, const char *text)
{
	struct buf b = {0};

	buf_add_wrapped(&b, prefix, text, 76);
	fputs(buf_cstr(&b), f);
	buf_free(&b);
}

static void ssh_array(FILE *f, const char *name, const struct endpoint *e)
{
	char *login = xasprintf("%s@%s", e->user, e->host);
	char *s;

	fprintf(f, "%s=(ssh -o BatchMode=yes -o StrictHostKeyChecking=yes", name);
	if (e->known_hosts) {
		char *o = xasprintf("UserKnownHostsFile=%s", e->known_hosts);
		s = shell_quote(o);
		fprintf(f, " -o %s", s);
		free(s);
		free(o);
	}
	if (e->identity) {
		s = shell_quote(e->identity);
		fprintf(f, " -i %s", s);
		free(s);
	}
	s = shell_quote(login);
	fprintf(f, " -p %u %s)\n", e->port, s);
	free(s);
	free(login);
}

/* "cmd <<'DELIM'", the text as it is, "DELIM": the runbook's cmd reads
 * it into CMD byte for byte (it takes off the one newline a here-document
 * adds, so a text that ends in a newline keeps it).  Each line after lead
 * (a skipped action's "  # "), the first after first. */
static void heredoc(FILE *f, const char *first, const char *lead, const char *text)
{
	char *d = shell_heredoc_delimiter(text, "MS_CMD");
	const char *s = text, *e;

	fprintf(f, "%scmd <<'%s'\n", first, d);
	do {
		e = strchr(s, '\n');
		fputs(lead, f);
		fwrite(s, 1, e ? (size_t)(e - s) : strlen(s), f);
		fputc('\n', f);
		s = e + 1;
	} while (e);
	fprintf(f, "%s%s\n", lead, d);
	free(d);
}

/* BACKUP_DIR and RUNNING, the text that runs each remote command (the
 * transport's own: backends/sh). */
static void running(FILE *f, const char *backup_dir)
{
	char *text = xasprintf("%s%s", backends_sh_running_list, backends_sh_running);
	char *q = shell_quote(backup_dir);

	fprintf(f, "BACKUP_DIR=%s\n", q);
	free(q);
	fputs("# RUNNING: the transport's own wrapper (backends/sh), as mailshift sends it\n", f);
	heredoc(f, "", "", text);
	fputs("RUNNING=$CMD\n", f);
	free(text);
}

static const char helpers[] =
	"# Every action runs after this line, as mailshift ran it.\n"
	"PREAMBLE='" PLAN_PREAMBLE "'\n"
	"DRY_RUN=0 YES=0 FROM='' ONLY='' UNTIL=''\n"
	"usage() {\n"
	"  echo \"usage: $0 [--dry-run] [--yes] [--from STEP] [--until STEP | --only STEP]\"\n"
	"  echo \"steps: ${STEPS[*]}\"\n"
	"}\n"
	"\n"
	"# The dry run prints on fd 3 (this script's stdout), also from inside NAME=$(...).\n"
	"exec 3>&1\n"
	"\n"
	"run_on() { # run_on WHERE [--stdin] COMMAND: stdin is empty unless --stdin\n"
	"  local where=$1 fed=0 cmd\n"
	"  shift\n"
	"  if [ \"$1\" = --stdin ]; then fed=1; shift; fi\n"
	"  cmd=$1\n"
	"  if [ \"$DRY_RUN\" = 1 ]; then\n"
	"    printf '  [%s] %s\\n' \"$where\" \"${cmd//$'\\n'/$'\\n'         }\" >&3\n"
	"    [ \"$fed\" = 0 ] || printf '         (reads on stdin a value captured above)\\n' >&3\n"
	"    return 0\n"
	"  fi\n"
	"  printf '+ [%s] %s\\n' \"$where\" \"$cmd\" >&2\n"
	"  if [ \"$fed\" = 1 ]; then run_there \"$where\" \"$cmd\"; else run_there \"$where\" \"$cmd\" </dev/null; fi\n"
	"}\n"
	"run_there() { # run_there WHERE COMMAND\n"
	"  case $1 in\n"
	"    source) \"${SOURCE_SSH[@]}\" \"$(remote_job \"$2\")\" ;;\n"
	"    target) \"${TARGET_SSH[@]}\" \"$(remote_job \"$2\")\" ;;\n"
	"    local) bash -c \"$PREAMBLE\"$'\\n'\"$2\" ;;\n"
	"  esac\n"
	"}\n"
	"# On a server a command runs as a job that records itself under\n"
	"# $BACKUP_DIR/running while it runs, and only once no command of an\n"
	"# earlier run (this runbook's, or mailshift's, killed or cut off) runs there.\n"
	"remote_job() {\n"
	"  printf 'ms_d=%s ms_token= ms_input=pass ms_wait=1 ms_cmd=%s\\n%s' \\\n"
	"    \"$(q \"$BACKUP_DIR/running\")\" \"$(q \"$PREAMBLE\"$'\\n'\"$1\")\" \"$RUNNING\"\n"
	"}\n"
	"# Single quotes, each quote in the text as '\\'' (as mailshift quotes).\n"
	"q() { printf \"'%s'\" \"${1//\\'/\\'\\\\\\'\\'}\"; }\n"
	"on_source() { run_on source \"$@\"; }\n"
	"on_target() { run_on target \"$@\"; }\n"
	"on_local() { run_on local \"$@\"; }\n"
	"\n"
	"# An advisory check may fail: the replay warns and goes on.\n"
	"advisory() {\n"
	"  \"$@\" || echo \"warning: the check above failed (advisory: going on)\" >&2\n"
	"}\n"
	"\n"
	"# The next action deletes or overwrites on a server: asked on its own.\n"
	"destructive() {\n"
	"  if [ \"$DRY_RUN\" = 1 ]; then printf '  DESTRUCTIVE: %s\\n' \"$1\"; return 0; fi\n"
	"  [ \"$YES\" = 1 ] && return 0\n"
	"  local reply\n"
	"  read -r -p \"DESTRUCTIVE: $1. Type yes to go on: \" reply\n"
	"  [ \"$reply\" = yes ] || { echo 'refused: stopping' >&2; exit 3; }\n"
	"}\n"
	"\n"
	"# The action above printed a checklist item only the admin can do: asked,\n"
	"# never checked; the answer is only printed (--yes: pending).\n"
	"manual() {\n"
	"  if [ \"$DRY_RUN\" = 1 ]; then printf '  CHECKLIST: %s\\n' \"$1\"; return 0; fi\n"
	"  local reply=''\n"
	"  [ \"$YES\" = 1 ] || read -r -p \"CHECKLIST: $1 - done? [y/N] \" reply || reply=''\n"
	"  case $reply in\n"
	"    y|Y|yes) printf 'confirmed: %s\\n' \"$1\" ;;\n"
	"    *) printf 'pending: %s\\n' \"$1\" ;;\n"
	"  esac\n"
	"}\n";

/* Only in a runbook whose plan has an ACT_CONFIRM_HOST action (the wipe of
 * the old server): --yes does not answer it, only the host's name typed, or
 * given beforehand in CONFIRM_HOST (CONFIRM_HOST=old.example.org bash RUNBOOK --yes). */
static const char confirm_host_text[] =
	"\n"
	"# The next action wipes data on a server: it runs only once that server's\n"
	"# host name is typed (--yes does not answer it); CONFIRM_HOST=HOST in the\n"
	"# environment gives it beforehand.\n"
	"confirm_host() { # confirm_host HOST NOTE\n"
	"  if [ \"$DRY_RUN\" = 1 ]; then printf '  DESTRUCTIVE, confirmed by typing %s: %s\\n' \"$1\" \"$2\"; return 0; fi\n"
	"  local reply=${CONFIRM_HOST:-}\n"
	"  [ -n \"$reply\" ] || read -r -p \"DESTRUCTIVE: $2. Type the host name $1 to go on: \" reply || reply=''\n"
	"  [ \"$reply\" = \"$1\" ] || { echo \"refused: the host name typed is not $1: stopping\" >&2; exit 3; }\n"
	"}\n";

static const char main_text[] =
	"\n"
	"while [ $# -gt 0 ]; do\n"
	"  case $1 in\n"
	"    --dry-run) DRY_RUN=1 ;;\n"
	"    --yes) YES=1 ;;\n"
	"    --from) FROM=${2:?--from needs a step}; shift ;;\n"
	"    --only) ONLY=${2:?--only needs a step}; shift ;;\n"
	"    --until) UNTIL=${2:?--until needs a step}; shift ;;\n"
	"    -h|--help) usage; exit 0 ;;\n"
	"    *) usage >&2; exit 2 ;;\n"
	"  esac\n"
	"  shift\n"
	"done\n"
	"\n"
	"known() { local s; for s in \"${STEPS[@]}\"; do [ \"$s\" = \"$1\" ] && return 0; done; return 1; }\n"
	"for s in \"$FROM\" \"$ONLY\" \"$UNTIL\"; do\n"
	"  [ -z \"$s\" ] || known \"$s\" || { echo \"no step $s; steps: ${STEPS[*]}\" >&2; exit 2; }\n"
	"done\n"
	"\n"
	"started=0\n"
	"[ -n \"$FROM\" ] || started=1\n"
	"for i in \"${!STEPS[@]}\"; do\n"
	"  s=${STEPS[$i]}\n"
	"  [ \"$s\" = \"$FROM\" ] && started=1\n"
	"  [ \"$started\" = 1 ] || continue\n"
	"  [ -z \"$ONLY\" ] || [ \"$s\" = \"$ONLY\" ] || continue\n"
	"  printf '== step %s: %s\\n' \"$s\" \"${TITLES[$i]}\"\n"
	"  if [ \"$DRY_RUN\" = 0 ] && [ \"$YES\" = 0 ]; then\n"
	"    while :; do\n"
	"      read -r -p \"Run step $s? [y]es, [s]kip, [q]uit: \" reply || { echo 'no answer: stopping' >&2; exit 3; }\n"
	"      case $reply in\n"
	"        y|Y|yes) break ;;\n"
	"        s|S|skip) echo \"skipped $s\"; continue 2 ;;\n"
	"        q|Q|quit) echo 'stopped by the admin' >&2; exit 3 ;;\n"
	"      esac\n"
	"    done\n"
	"  fi\n"
	"  \"step_${s//-/_}\"\n"
	"  if [ \"$s\" = \"$UNTIL\" ]; then echo \"stopped after step $s (--until): --from the next step resumes\"; break; fi\n"
	"done\n";

struct runbook *runbook_open(const char *path, const struct plan *p, int dry_run,
                             char *err, size_t errlen)
{
	const struct answers *a = p->answers;
	struct runbook *rb;
	char stamp[64];
	time_t t = time(NULL);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	/* O_NONBLOCK: a FIFO without a reader fails instead of hanging */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0700);

	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) { /* never chmod a device */
		snprintf(err, errlen, "%s: the runbook must be a regular file", path);
		close(fd);
		return NULL;
	}
	if (fd < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 || fchmod(fd, 0700) < 0) {
		snprintf(err, errlen, "%s: cannot write the runbook: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	rb = xcalloc(1, sizeof *rb);
	rb->f = fdopen(fd, "w");
	if (!rb->f)
		abort();
	rb->p = p;
	rb->path = xstrdup(path);
	rb->dry_run = dry_run;
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M UTC", gmtime(&t));
	fprintf(rb->f, "#!/usr/bin/env bash\n"
	        "# mailshift runbook: %s %s@%s -> %s %s@%s\n"
	        "# Written by mailshift %s on %s%s.\n"
	        "#\n"
	        "# Replays the migration step by step:\n"
	        "#   bash %s --dry-run     print every command, run nothing\n"
	        "#   bash %s --from STEP   start at STEP;  --only STEP: just that one\n"
	        "#   bash %s --until STEP  stop after STEP (e.g. the bulk copy, days ahead)\n"
	        "#   bash %s --yes         no questions (destructive actions included;\n"
	        "#                         checklist items are left pending)\n"
	        "# No secret is written here: credentials stay on the servers\n"
	        "# (/root/.my.cnf, the postgres user, slapd's own configuration).\n"
	        "set -Eeuo pipefail\n"
	        "trap 'echo \"runbook: a command failed (line $LINENO); fix it and rerun with --from\" >&2' ERR\n\n"
	        "# Each command is written as it ran, unescaped, in a here-document:\n"
	        "#   cmd <<'MS_CMD'\n"
	        "#   ...the command...\n"
	        "#   MS_CMD\n"
	        "#   on_source \"$CMD\"\n"
	        "# cmd reads it into CMD byte for byte (no line of the command equals its\n"
	        "# delimiter: MS_CMD, else MS_CMD_1, ...) and takes off the newline the\n"
	        "# here-document adds.\n"
	        "cmd() { IFS= read -r -d '' CMD || :; CMD=${CMD%%$'\\n'}; }\n\n",
	        answers_endpoint_kind(&a->source), a->source.user, a->source.host,
	        answers_endpoint_kind(&a->target), a->target.user, a->target.host,
	        MAILSHIFT_VERSION, stamp, dry_run ? " (dry run: the plan, nothing ran)" : " while it ran",
	        base, base, base, base);
	ssh_array(rb->f, "SOURCE_SSH", &a->source);
	ssh_array(rb->f, "TARGET_SSH", &a->target);
	running(rb->f, a->opt.backup_dir);
	fputc('\n', rb->f);
	fputs(helpers, rb->f);
	if (plan_find_action(p, ACT_CONFIRM_HOST))
		fputs(confirm_host_text, rb->f);
	return rb;
}

static char *func_name(const char *id)
{
	char *s = xasprintf("step_%s", id), *c;
	for (c = s; *c; c++)
		if (*c == '-')
			*c = '_';
	return s;
}

void runbook_step(struct runbook *rb, size_t si)
{
	const struct plan_step *ps = &rb->p->steps[si];
	char *fn = func_name(ps->step->id);

	rb->steps = xgrow(rb->steps, &rb->cap, rb->nsteps + 1, sizeof *rb->steps);
	rb->steps[rb->nsteps++] = si;
	fprintf(rb->f, "\n# --- %s: %s%s\n#\n", ps->step->id, ps->step->title,
	        ps->step->flags & STEP_DOWNTIME ? " [downtime window]" : "");
	comment(rb->f, "# ", ps->step->why);
	fprintf(rb->f, "%s() {\n", fn);
	rb->in_step = 1;
	free(fn);
}

/* The line that runs an action's command, read into CMD just above:
 * "[advisory ]on_WHERE \"$CMD\"", with a value it captures as
 * "[local NAME && ]NAME=$(...)" and one it reads as
 * "on_WHERE --stdin \"$CMD\" <<<\"$NAME\"". */
static char *action_line(const struct action *a, int declare)
{
	const char *fn = a->on == HOST_SOURCE ? "on_source" : a->on == HOST_TARGET ? "on_target" : "on_local";
	struct buf b = {0};

	if (a->capture && declare)
		buf_addf(&b, "local %s && ", a->capture);
	if (a->capture)
		buf_addf(&b, "%s=$(", a->capture);
	if (a->flags & ACT_ADVISORY)
		buf_adds(&b, "advisory ");
	buf_addf(&b, "%s%s \"$CMD\"", fn, a->input ? " --stdin" : "");
	if (a->capture)
		buf_addc(&b, ')');
	if (a->input)
		buf_addf(&b, " <<<\"$%s\"", a->input);
	return buf_steal(&b);
}

void runbook_action(struct runbook *rb, const struct action *a, enum runbook_mark mark)
{
	int skipped = mark == RUNBOOK_SKIPPED;
	char *line = action_line(a, !skipped);
	const char *lead = skipped ? "  # " : "  ";

	fprintf(rb->f, "  # %s%s\n", a->note, mark == RUNBOOK_EARLIER ? " (done in an earlier run)" : "");
	if (a->native)
		fputs("  # (mailshift reads this through its own database and LDAP connections;\n"
		      "  # the runbook checks it with the servers' own tools)\n", rb->f);
	if (skipped)
		fputs("  # skipped by the admin in this run:\n", rb->f);
	if (a->flags & ACT_CONFIRM_HOST) {
		char *n = shell_quote(a->note), *h = shell_quote(plan_host_address(rb->p, a->on));
		fprintf(rb->f, "%sconfirm_host %s %s\n", lead, h, n);
		free(n);
		free(h);
	} else if (a->flags & ACT_DESTRUCTIVE) {
		char *n = shell_quote(a->note);
		fprintf(rb->f, "%sdestructive %s\n", lead, n);
		free(n);
	}
	/* a skipped action stays commented out on every line, its text too */
	heredoc(rb->f, lead, skipped ? lead : "", a->cmd);
	if (a->capture && !skipped)
		fputs("  # shellcheck disable=SC2034 # (read below, unless the run stopped first)\n", rb->f);
	fprintf(rb->f, "%s%s\n", lead, line);
	if (a->flags & ACT_MANUAL) {
		char *n = shell_quote(a->note);
		fprintf(rb->f, "%smanual %s\n", lead, n);
		free(n);
	}
	fflush(rb->f);
	free(line);
}

void runbook_note(struct runbook *rb, const char *text)
{
	fprintf(rb->f, "  # %s\n", text);
	fflush(rb->f);
}

void runbook_step_end(struct runbook *rb)
{
	if (!rb->in_step)
		return;
	fputs("  :\n}\n", rb->f);
	fflush(rb->f);
	rb->in_step = 0;
}

const char *runbook_error(struct runbook *rb)
{
	errno = 0;
	if (!rb->failed && (fflush(rb->f) != 0 || ferror(rb->f)))
		rb->failed = errno ? errno : EIO;
	if (!rb->failed)
		return NULL;
	snprintf(rb->why, sizeof rb->why, "%s: %s", rb->path, strerror(rb->failed));
	return rb->why;
}

int runbook_close(struct runbook *rb, const char *note)
{
	size_t i;
	int rc;

	runbook_step_end(rb);
	fputs("\nSTEPS=(", rb->f);
	for (i = 0; i < rb->nsteps; i++)
		fprintf(rb->f, "%s%s", i ? " " : "", rb->p->steps[rb->steps[i]].step->id);
	fputs(")\nTITLES=(", rb->f);
	for (i = 0; i < rb->nsteps; i++) {
		char *q = shell_quote(rb->p->steps[rb->steps[i]].step->title);
		fprintf(rb->f, "\n  %s", q);
		free(q);
	}
	fputs("\n)\n", rb->f);
	if (note) {
		fputc('\n', rb->f);
		comment(rb->f, "# ", note);
	}
	fputs(main_text, rb->f);
	rc = ferror(rb->f) ? -1 : 0;
	if (fflush(rb->f) != 0 || fsync(fileno(rb->f)) < 0)
		rc = -1;
	if (fclose(rb->f) != 0)
		rc = -1;
	free(rb->steps);
	free(rb->path);
	free(rb);
	return rc;
}
