/* steps — the migration knowledge: one file per concern, each exporting const
 * struct step tables (see core/plan.h), and the catalogue that orders them.
 *
 * Helpers here return strings the caller frees. */
#ifndef MAILSHIFT_STEPS_H
#define MAILSHIFT_STEPS_H

#include <stddef.h>

#include "core/answers.h"
#include "core/plan.h"

extern const struct step step_preflight, step_preflight_system, step_migration_key, step_installer, step_roundcube,
	step_mailstore_bulk, step_dkim, step_config, step_stop_services,
	step_census, step_mailstore_final, step_chown, step_databases, step_accounts,
	step_start_services, step_verify, step_relay, step_old_queue, step_test, step_cutover, step_remove_key,
	step_clean_source, step_decommission;
/* The switch for cutover = ip (steps/window.c): the same id as step_cutover,
 * which applies with cutover = mx; placed after every step that reaches the
 * source, since the address mailshift reaches it by moves to the target. */
extern const struct step step_cutover_ip;
/* System users (steps/users.c): the source's real users and their groups
 * created on the target with the same ids and hashes.  In no pair table yet
 * (issue 15's pairs are not built). */
extern const struct step step_users;

/* 0 when mailshift has a plan for the answers' source x target pair (its
 * pair table, steps/catalogue.c); -1 and a message naming the pair
 * otherwise ("not built yet"). */
int steps_check_pair(const struct answers *a, char *err, size_t errlen);
/* Builds the plan of the answers from their pair's table (plan_build);
 * -1 with steps_check_pair's message, and an empty plan, when there is none. */
int steps_plan(struct plan *p, const struct answers *a, char *err, size_t errlen);

/* The source's account backend (its profile, steps/profile.h). */
int steps_uses_ldap(const struct answers *a);
int steps_uses_pgsql(const struct answers *a);
/* "mysql", "pgsql", "ldap" or "system": the account backend, as the shell
 * fragments name it. */
const char *steps_backend_word(const struct answers *a);
/* The mail store the fragments know as vmail: the option vmail_dir, or ""
 * when the source's accounts are system users (their mail lives in their
 * homes, each home a storage root: there is no one store). */
const char *steps_vmail(const struct answers *a);

/* Server to server, the TARGET pulls from the SOURCE, never the other way and
 * never through the admin's machine.  It logs in with a one-off key that
 * step migration-key (steps/sshkey.c) creates on the target and authorizes
 * on the source, and checks the source's host key in a file of its own;
 * step remove-key takes both away. */
#define STEPS_KEY "/root/.ssh/mailshift-migration"
#define STEPS_KNOWN_HOSTS "/root/.ssh/mailshift-known_hosts"

/* "ssh -i KEY ... -l USER -p PORT": how the target reaches the source (only
 * safe characters: usable verbatim with %s, or quoted with %q, e.g. rsync -e).
 * On the source the key runs nothing but its gate (steps/sh/gate.sh): true,
 * "mailshift-address", and rsync as the read-only daemon of module
 * STEPS_MODULE. */
char *steps_ssh_cmd(const struct answers *a);
#define STEPS_MODULE "mailshift"
/* "USER@HOST", the source's login for ssh. */
char *steps_source_login(const struct answers *a);
/* "HOST::mailshift/PATH" for rsync (-e steps_ssh_cmd) from the source
 * through the key's gate (append "/" for a directory's contents; rsync -s
 * keeps PATH one word on the source); "" gives "HOST::mailshift", to which
 * a script appends absolute paths. */
char *steps_source_path(const struct answers *a, const char *path);

/* Discovery and the census (steps/census.c). */

/* The text of a fragment of steps/sh (steps/sh.h) with its prologue: b (the
 * backup dir), then each name and value of vars (NULL-terminated pairs, or
 * NULL), quoted; then lib.sh and body. */
char *steps_script(const struct answers *a, const char *const *vars, const char *body);
/* A fragment of steps/sh (steps/sh.h) with its prologue alone: each name
 * and value of vars (NULL-terminated pairs, or NULL) as NAME='VALUE', quoted
 * by the one helper, then body.  For plan_add(ps, ..., "%s", text). */
char *steps_fragment(const char *const *vars, const char *body);
/* steps_script for the target, with lib-target.sh (ms_pull, the checks of
 * what the source sends) before body: the source never gets that text. */
char *steps_target_script(const struct answers *a, const char *const *vars, const char *body);
/* Pre-flight: the accounts and storage roots (discover.sh), the accounts the
 * source's Dovecot cannot resolve (advisory), the roots accepted on the target. */
void steps_plan_discovery(struct plan_step *ps, const struct answers *a);
/* The bulk copy's last actions: the target's owners as the source's, and the
 * census of each side kept as the cache the window's census starts from. */
void steps_plan_census_cache(struct plan_step *ps, const struct answers *a);
/* Verify: the target's census, compared with the source's. */
void steps_plan_census_compare(struct plan_step *ps, const struct answers *a);
/* Verify's last actions: the census the comparison passed on, recorded on the source. */
void steps_plan_verified(struct plan_step *ps, const struct answers *a);
/* Shell text (needs $b): fails unless verify passed on the source's current census. */
extern const char steps_verified_check[];
/* The test: the target's own Dovecot against the source's census. */
void steps_plan_dovecot_check(struct plan_step *ps, const struct answers *a);

/* Pre-flight's part of step users (steps/users.c): the target fetches the
 * source's account files and chooses the real users, checks that its crypt
 * verifies every kind of hash moved (naming the users of a kind it cannot)
 * and that no name or id of theirs is another's on the target; nothing is
 * created. */
void steps_plan_users_check(struct plan_step *ps, const struct answers *a);
/* Its parts: the files fetched and the real users chosen (users/move/ on
 * the target); the target's crypt checked against every kind of hash. */
void steps_plan_users_read(struct plan_step *ps, const struct answers *a);
void steps_plan_users_hashes(struct plan_step *ps, const struct answers *a);

/* System users into iRedMail (steps/mailboxes.c): 1 for a system-user
 * source and an iRedMail target.  Then each user becomes a mailbox of the
 * target's account backend (step mailboxes), the copies go into
 * steps_import_dir (copy.sh's into), and step import puts each user's mail
 * into its mailbox with dsync and its aliases and .forward into
 * forwardings.  steps_import_dir: "" when not into iRedMail, else
 * VMAIL_DIR/mailshift-import; the caller frees. */
int steps_into_iredmail(const struct answers *a);
/* An iRedMail fragment on the target: its backend's text (irm-lib.sh, and
 * for LDAP the suffix first), then body.  vars: the fragment's own
 * (NULL-terminated pairs), after backend and domain.  The caller frees. */
char *steps_irm_script(const struct answers *a, const char *const *vars, const char *body);
char *steps_import_dir(const struct answers *a);
extern const struct step step_mailboxes, step_import, step_preflight_into;
/* Pre-flight's part: the target has the users' domain (users_domain, or its
 * only one). */
void steps_plan_irm_domain(struct plan_step *ps, const struct answers *a);

/* Commands shared by the SQL steps (steps/databases.c): moves the named
 * databases (a shell word list, e.g. "vmail") from source to target, each one
 * backed up on the target before it is overwritten. */
void steps_sql_move(struct plan_step *ps, const struct answers *a, const char *dbs);
/* The target pulls the source's dump directory into its own. */
void steps_copy_dumps(struct plan_step *ps, const struct answers *a);
/* Shell text that prints the source's mail domains, one a line. */
char *steps_domains_cmd(const struct answers *a);
/* Shell text printing the accounts of the host's account backend, one a
 * line (active_only: the active ones); caller frees. */
char *steps_accounts_cmd(const struct answers *a, int active_only);

/* What holds secrets on each server once the migration ran (dumps,
 * configuration, saved state), as lines for the end of a run (steps/sshkey.c).
 * The caller frees. */
char *steps_secrets(const struct answers *a);
/* Shell text (steps/sh/ldap-suffix.sh after its prologue) that sets conf
 * and $suffix, the LDAP suffix (option ldap_suffix, or slapd's config). */
char *steps_ldap_suffix_cmd(const struct answers *a);

/* Pre-flight checks for the system-user stacks (steps/preflight.c), in no
 * pair table yet: each host reads itself, the source's reading goes to the
 * target as a value (plan_feed), the target compares.
 * pop3: both Dovecots make POP3 UIDLs alike (pop3_uidl_format), or the
 * source serves no POP3; fails otherwise, before anything changes (figure
 * pop3-uidl).  packages: the target has the mail-related packages the
 * source has (a fixed list, Debian and RHEL names mapped), naming each it
 * lacks; advisory (the admin decides). */
void steps_plan_pop3_check(struct plan_step *ps, const struct answers *a);
void steps_plan_packages_check(struct plan_step *ps, const struct answers *a);
/* Aliases (steps/aliases.c): the source's aliases file merged into the
 * target's, the target's own entries kept, what needs a person listed, then
 * newaliases. */
extern const struct step step_aliases;

/* mbox -> Maildir (steps/census.c), for an mbox source (the sendmail-mbox
 * profile).  The users are those of the users step (its users.tsv on the
 * target).
 * census_mbox: the Dovecot census of those users on side (the source's:
 * their names captured on the target and fed to it, written to its
 * census/source.tsv, which the census step's fetch then brings), and on the
 * target the census and the comparison of the two: each folder's
 * UIDVALIDITY, next UID and messages, each message's UID, flags, GUID,
 * size and POP3 UIDL, the subscriptions, as each host's own Dovecot shows
 * them (mbox or Maildir alike).  The census step and verify call it.
 * step_convert: on the target, after the homes and /var/mail were copied
 * (the same paths), each user's mbox into the Maildir the target's Dovecot
 * gives the user, with dsync (doveadm backup -R: UIDVALIDITY and UIDs
 * kept); refuses a Maildir holding other mail; the mbox stays. */
void steps_plan_census_mbox(struct plan_step *ps, const struct answers *a, enum host side);
extern const struct step step_convert;

#endif
