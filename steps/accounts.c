/* The account backend: the vmail database (MariaDB/MySQL, PostgreSQL) or the
 * OpenLDAP directory. */
#include <stdlib.h>

#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* Adds one action: what finds slapd's configuration and suffix (env),
 * then the fragment after its prologue, all after `first` (a shell option). */
static void add_ldap(struct plan_step *ps, enum host h, unsigned flags, const char *note, const char *first,
                     const char *env, const char *const *vars, const char *body)
{
	char *frag = steps_fragment(vars, body);

	plan_add(ps, h, flags, note, "%s%s%s", first, env, frag);
	free(frag);
}

static void plan_ldap(const struct answers *a, struct plan_step *ps)
{
	char *env = steps_ldap_suffix_cmd(a);
	const char *b[] = { "b", a->opt.backup_dir, NULL };
	const char *replace[] = { "b", a->opt.backup_dir, "passwords_awk", steps_awk_accounts_passwords, NULL };

	add_ldap(ps, HOST_SOURCE, 0, "exports the directory with slapcat", "", env, b, steps_sh_accounts_export);
	steps_copy_dumps(ps, a);
	add_ldap(ps, HOST_TARGET, 0, "checks the suffixes match and saves the target's own directory", "", env, b,
	         steps_sh_accounts_save);
	add_ldap(ps, HOST_TARGET, ACT_DESTRUCTIVE, "replaces the target's directory with the source's", "set -e\n", env,
	         replace, steps_sh_accounts_replace);
	free(env);
}

static void plan_accounts(const struct answers *a, struct plan_step *ps)
{
	if (steps_uses_ldap(a))
		plan_ldap(a, ps);
	else
		steps_sql_move(ps, a, profile_of(&a->source)->account_dbs);
}

const struct step step_accounts = {
	.id = "accounts",
	.title = "Move the mail accounts",
	.why = "The accounts (domains, mailboxes with their password hashes, aliases, "
	       "quotas, forwardings) live in the account backend: the vmail database for "
	       "MariaDB/MySQL and PostgreSQL, or the OpenLDAP directory. It is copied "
	       "whole, so every user keeps the same password. For SQL the vmail database "
	       "is dumped and restored like the others. For LDAP the directory is exported "
	       "with slapcat, slapd is stopped on the target, its database files are "
	       "moved aside (kept, not deleted), the export is loaded with slapadd and "
	       "given back to the LDAP user. The service accounts cn=vmail and "
	       "cn=vmailadmin keep the target's passwords, which the target's Dovecot, "
	       "Postfix and iRedAdmin use to bind.",
	.flags = STEP_DOWNTIME | STEP_WHOLE, /* dumps again on a resume */
	.plan = plan_accounts,
};
