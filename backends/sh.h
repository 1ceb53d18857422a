/* backends/sh — the shell fragments the SSH transport runs on a server,
 * embedded at build time from backends/sh/ (steps/sh/embed.sh writes them
 * into build/gen/steps_sh.c): each file's text, byte for byte.  The runbook
 * (core/runbook) runs the same text.  Each fragment's header says its
 * prologue.  `make check` runs shellcheck on them. */
#ifndef MAILSHIFT_BACKENDS_SH_H
#define MAILSHIFT_BACKENDS_SH_H

extern const char backends_sh_running[];      /* a command as a recorded job of its own process group */
extern const char backends_sh_running_list[]; /* ms_earlier: the recorded commands still running */

#endif
