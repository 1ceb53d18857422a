#include "steps/steps.h"

#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"
#include "steps/profile.h"

/* The pair tables: for each (source stack, target stack), the ordered steps
 * of its migration.  A generic step (pre-flight, the key, the services,
 * verify, the cutover) asks the hosts' profiles (steps/profile.h) and
 * serves every pair; a pair's own steps are in its table alone.  A step's
 * applies() only reads the admin's options. */

/* iRedMail to iRedMail, the same account backend. */
static const struct step *const iredmail_iredmail[] = {
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
	&step_cutover,      /* cutover = mx: the source keeps its address */
	/* the target no longer needs the source */
	&step_remove_key,
	&step_clean_source,
	&step_decommission,
	/* cutover = ip: the source's address moves to the target, so this
	 * comes after every step that reaches the source by it */
	&step_cutover_ip,
	NULL,
};

/* A stack with system users to the same (Postfix+Dovecot, sendmail with
 * mbox): the users first (the homes they own are the storage roots), then
 * the generic steps. */
static const struct step *const system_same[] = {
	/* while the old server is live */
	&step_preflight_system,
	&step_migration_key,
	&step_users,
	&step_mailstore_bulk,
	&step_aliases,
	&step_config,
	/* the downtime window */
	&step_stop_services,
	&step_census,
	&step_mailstore_final,
	&step_chown,
	&step_verify,
	&step_start_services,
	/* the new server runs */
	&step_relay,
	&step_old_queue,
	&step_test,
	&step_cutover,      /* cutover = mx: the source keeps its address */
	/* the target no longer needs the source */
	&step_remove_key,
	&step_clean_source,
	&step_decommission,
	&step_cutover_ip,   /* cutover = ip: after every step that reaches the source by it */
	NULL,
};

/* sendmail with mbox spools to Postfix+Dovecot with Maildir: the same,
 * with the conversion after the final copy, before verify (whose census is
 * each host's own Dovecot's: steps/census.c). */
static const struct step *const sendmail_mbox_postfix_dovecot[] = {
	/* while the old server is live */
	&step_preflight_system,
	&step_migration_key,
	&step_users,
	&step_mailstore_bulk,
	&step_aliases,
	&step_config,
	/* the downtime window */
	&step_stop_services,
	&step_census,
	&step_mailstore_final,
	&step_chown,
	&step_convert,
	&step_verify,
	&step_start_services,
	/* the new server runs */
	&step_relay,
	&step_old_queue,
	&step_test,
	&step_cutover,      /* cutover = mx: the source keeps its address */
	/* the target no longer needs the source */
	&step_remove_key,
	&step_clean_source,
	&step_decommission,
	&step_cutover_ip,   /* cutover = ip: after every step that reaches the source by it */
	NULL,
};

/* A stack with system users into iRedMail (any backend): each user made a
 * mailbox of the target's backend (mailboxes), the copies into a directory
 * of their own, then in the window each user's mail into its mailbox and
 * the aliases and .forward files into forwardings (import); the census is
 * each host's own Dovecot's, the users named by the import's map. */
static const struct step *const system_iredmail[] = {
	/* while the old server is live */
	&step_preflight_into,
	&step_migration_key,
	&step_mailboxes,
	&step_mailstore_bulk,
	&step_config,
	/* the downtime window */
	&step_stop_services,
	&step_census,
	&step_mailstore_final,
	&step_import,
	&step_verify,
	&step_start_services,
	/* the new server runs */
	&step_relay,
	&step_old_queue,
	&step_test,
	&step_cutover,      /* cutover = mx: the source keeps its address */
	/* the target no longer needs the source */
	&step_remove_key,
	&step_clean_source,
	&step_decommission,
	&step_cutover_ip,   /* cutover = ip: after every step that reaches the source by it */
	NULL,
};

struct pair {
	enum stack from, to;
	const char *same_accounts; /* NULL, or why the target's account backend must be the source's */
	const struct step *const *steps; /* empty: known, not built yet */
};

static const struct pair pairs[] = {
	{ STACK_IREDMAIL, STACK_IREDMAIL,
	  "mailshift moves iRedMail to the same backend (install the target with the source's backend)",
	  iredmail_iredmail },
	{ STACK_POSTFIX_DOVECOT, STACK_POSTFIX_DOVECOT, NULL, system_same },
	{ STACK_SENDMAIL_MBOX, STACK_POSTFIX_DOVECOT, NULL, sendmail_mbox_postfix_dovecot },
	{ STACK_SENDMAIL_MBOX, STACK_SENDMAIL_MBOX, NULL, system_same },
	{ STACK_POSTFIX_DOVECOT, STACK_IREDMAIL, NULL, system_iredmail },
	{ STACK_SENDMAIL_MBOX, STACK_IREDMAIL, NULL, system_iredmail },
};

static const struct pair *find_pair(const struct answers *a)
{
	size_t i;

	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		if (pairs[i].from == a->source.stack && pairs[i].to == a->target.stack)
			return &pairs[i];
	return NULL;
}

/* The pairs whose tables are built, for messages: "iredmail to iredmail
 * with the same backend". */
static void built_pairs(char *out, size_t n)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof pairs / sizeof pairs[0] && len < n; i++) {
		if (!pairs[i].steps[0])
			continue;
		len += (size_t)snprintf(out + len, n - len, "%s%s to %s%s", len ? ", " : "",
		                        answers_stack_name(pairs[i].from), answers_stack_name(pairs[i].to),
		                        pairs[i].same_accounts ? " with the same backend" : "");
	}
}

int steps_check_pair(const struct answers *a, char *err, size_t errlen)
{
	const char *s = answers_endpoint_kind(&a->source);
	const char *t = answers_endpoint_kind(&a->target);
	const struct pair *pr = find_pair(a);
	char built[256];

	built_pairs(built, sizeof built);
	if (pr && pr->steps[0] && (!pr->same_accounts ||
	                           profile_of(&a->source)->accounts == profile_of(&a->target)->accounts))
		return 0;
	if (pr && pr->steps[0])
		snprintf(err, errlen, "migrating %s to %s is not built yet: %s", s, t, pr->same_accounts);
	else
		snprintf(err, errlen, "migrating %s to %s is not built yet: mailshift has plans for %s",
		         s, t, built);
	return -1;
}

int steps_plan(struct plan *p, const struct answers *a, char *err, size_t errlen)
{
	if (steps_check_pair(a, err, errlen) < 0) {
		memset(p, 0, sizeof *p);
		return -1;
	}
	plan_build(p, a, find_pair(a)->steps);
	return 0;
}

int steps_uses_ldap(const struct answers *a)
{
	return profile_of(&a->source)->accounts == PROFILE_ACCOUNTS_LDAP;
}

int steps_uses_pgsql(const struct answers *a)
{
	return profile_of(&a->source)->accounts == PROFILE_ACCOUNTS_PGSQL;
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
