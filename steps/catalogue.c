#include "steps/steps.h"

#include <stdio.h>

#include "core/xalloc.h"

const struct step *const steps_catalogue[] = {
	/* while the old server is live */
	&step_preflight,
	&step_migration_key,
	&step_installer,
	&step_roundcube,
	&step_mailstore_bulk,
	&step_dkim,
	&step_config,
	/* the downtime window */
	&step_stop_services,
	&step_census,
	&step_mailstore_final,
	&step_chown,
	&step_databases,
	&step_accounts,
	&step_verify,
	&step_start_services,
	/* the new server runs: the old one relays to it at once, then the test
	 * and the switch */
	&step_relay,
	&step_old_queue,
	&step_test,
	&step_cutover,
	/* the target no longer needs the source */
	&step_remove_key,
	&step_clean_source,
	NULL,
};

static int same_family(enum backend a, enum backend b)
{
	if (a == BACKEND_MYSQL)
		a = BACKEND_MARIADB;
	if (b == BACKEND_MYSQL)
		b = BACKEND_MARIADB;
	return a == b;
}

int steps_check_pair(const struct answers *a, char *err, size_t errlen)
{
	const char *s = answers_endpoint_kind(&a->source);
	const char *t = answers_endpoint_kind(&a->target);

	if (a->source.stack == STACK_IREDMAIL && a->target.stack == STACK_IREDMAIL &&
	    same_family(a->source.backend, a->target.backend))
		return 0;
	if (a->source.stack == STACK_IREDMAIL && a->target.stack == STACK_IREDMAIL)
		snprintf(err, errlen, "migrating %s to %s is not built yet: mailshift moves iRedMail "
		         "to the same backend (install the target with the source's backend)", s, t);
	else
		snprintf(err, errlen, "migrating %s to %s is not built yet: mailshift has plans for "
		         "iredmail to iredmail with the same backend", s, t);
	return -1;
}

int steps_is_iredmail(const struct answers *a)
{
	return a->source.stack == STACK_IREDMAIL;
}

int steps_uses_ldap(const struct answers *a)
{
	return a->source.backend == BACKEND_OPENLDAP;
}

int steps_uses_pgsql(const struct answers *a)
{
	return a->source.backend == BACKEND_PGSQL;
}

/* The target's hop to the source: mailshift's key and known_hosts alone,
 * none of the target's own ssh setup (-F /dev/null: no ~/.ssh/config or
 * /etc/ssh/ssh_config, whose ProxyCommand, agent or keys would apply; no
 * global known_hosts). */
char *steps_ssh_cmd(const struct answers *a)
{
	return xasprintf("ssh -F /dev/null -i " STEPS_KEY " -o IdentitiesOnly=yes -o BatchMode=yes "
	                 "-o StrictHostKeyChecking=yes -o UserKnownHostsFile=" STEPS_KNOWN_HOSTS
	                 " -o GlobalKnownHostsFile=/dev/null -l %s -p %u",
	                 a->source.user, a->source.port);
}

char *steps_source_login(const struct answers *a)
{
	return xasprintf("%s@%s", a->source.user, a->source.host);
}

char *steps_source_path(const struct answers *a, const char *path)
{
	/* (rsync's USER@ before HOST:: would name a daemon user: the ssh
	 * user is steps_ssh_cmd's -l) */
	return xasprintf("%s::" STEPS_MODULE "%s%s", a->source.host, *path && *path != '/' ? "/" : "", path);
}
