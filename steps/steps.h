/* steps — the migration knowledge: one file per concern, each exporting const
 * struct step tables (see core/plan.h), and the catalogue that orders them.
 *
 * Helpers here return strings the caller frees. */
#ifndef MAILSHIFT_STEPS_H
#define MAILSHIFT_STEPS_H

#include <stddef.h>

#include "core/answers.h"
#include "core/plan.h"

/* NULL-terminated, in the order a migration runs. */
extern const struct step *const steps_catalogue[];

extern const struct step step_preflight, step_installer, step_roundcube,
	step_mailstore_bulk, step_dkim, step_config, step_stop_services,
	step_mailstore_final, step_chown, step_databases, step_accounts,
	step_start_services, step_verify, step_test, step_cutover;

/* 0 when mailshift has a plan for the answers' source x target pair; -1 and
 * a message naming the pair otherwise. */
int steps_check_pair(const struct answers *a, char *err, size_t errlen);

/* applies() helpers */
int steps_is_iredmail(const struct answers *a);
int steps_uses_ldap(const struct answers *a);
int steps_uses_pgsql(const struct answers *a);

/* "ssh -o BatchMode=yes -p PORT": how the source reaches the target (only
 * safe characters: usable verbatim with %s, or quoted with %q). */
char *steps_ssh_cmd(const struct answers *a);
/* "USER@HOST", the target's login for ssh and rsync. */
char *steps_target_login(const struct answers *a);
/* "USER@HOST:PATH/" for rsync to the target. */
char *steps_target_path(const struct answers *a, const char *path);

/* Shell text: fails unless Postfix and Dovecot are stopped (on the source,
 * before anything is copied in the downtime window). */
extern const char steps_source_stopped_check[];

/* Commands shared by the SQL steps (steps/databases.c): moves the named
 * databases (a shell word list, e.g. "vmail") from source to target, each one
 * backed up on the target before it is overwritten. */
void steps_sql_move(struct plan_step *ps, const struct answers *a, const char *dbs);
/* Copies the source's dump directory to the target's. */
void steps_copy_dumps(struct plan_step *ps, const struct answers *a);
/* Shell text that prints the source's mail domains, one a line. */
char *steps_domains_cmd(const struct answers *a);
/* Shell text that sets $suffix to the LDAP suffix (option or slapd config). */
char *steps_ldap_suffix_cmd(const struct answers *a);

#endif
