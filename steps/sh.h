/* steps/sh — the shell and awk fragments steps run, embedded into the binary
 * at build time from steps/sh/ (steps/sh/embed.sh writes build/gen/steps_sh.c):
 * each file's text, byte for byte, as a static string.  A step runs one as
 * a prologue of named values quoted by the one quoting helper (core/shell),
 * then lib.sh where the fragment uses it, then the fragment; an awk
 * program travels as one such value.  `make check` runs shellcheck on them.
 *
 * Each fragment's header says its prologue, what it reads and writes. */
#ifndef MAILSHIFT_STEPS_SH_H
#define MAILSHIFT_STEPS_SH_H

extern const char steps_sh_lib[];            /* ms_path_problem, ms_dovecot_auth, ms_resolve, ms_dirstate, ... */
extern const char steps_sh_lib_target[];     /* the target's only: ms_accept_roots, ms_accept_accounts, ms_pull */
extern const char steps_sh_discover[];       /* the source's accounts and storage roots */
extern const char steps_sh_broken[];         /* the accounts discovery found broken (advisory) */
extern const char steps_sh_census[];         /* every account's mail, per folder and message */
extern const char steps_awk_census[];
extern const char steps_sh_census_compare[]; /* the target's census against the source's */
extern const char steps_awk_census_compare[];
extern const char steps_sh_census_dovecot[]; /* the target's Dovecot against the source's census */
extern const char steps_awk_census_dovecot[];
extern const char steps_sh_copy[];           /* the mail store and the roots, pulled by the target */
extern const char steps_awk_units[];         /* a changed directory: its account, or itself */
extern const char steps_sh_owners[];         /* each root's owner and mode: fixed, or checked */
extern const char steps_sh_inventory[];      /* what verify compares of the databases and directory */
extern const char steps_sh_own[];            /* what only the target has: refused in pre-flight */
extern const char steps_sh_restore[];        /* the source's dumps replace the target's databases, or all are put back */
extern const char steps_sh_relay[];          /* the old Postfix relays to the new server, its queue first */
extern const char steps_sh_relay_allow[];    /* the new server takes the relayed mail past its policy checks */
extern const char steps_sh_authkey[];         /* the one-off key in the source's authorized_keys: add, narrow, remove */
extern const char steps_sh_gate[];            /* the key's forced command there: rsync reading, nothing else */
extern const char steps_sh_stopped[];        /* nothing on the source can change its mail (the window) */

#endif
