/* Pre-flight: the checks that must pass before anything changes, and the
 * iRedMail installer's missing files. */
#include <stdlib.h>

#include "core/xalloc.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* The edition words /etc/iredmail-release may carry for a backend (none:
 * any edition). */
static const char *edition_words(enum backend b)
{
	switch (b) {
	case BACKEND_OPENLDAP: return "OPENLDAP";
	case BACKEND_PGSQL: return "PGSQL";
	case BACKEND_MARIADB:
	case BACKEND_MYSQL: return "MARIADB MYSQL";
	case BACKEND_NONE: break;
	}
	return "";
}

static const char *edition_name(enum backend b)
{
	switch (b) {
	case BACKEND_OPENLDAP: return "OPENLDAP";
	case BACKEND_PGSQL: return "PGSQL";
	default: return "MARIADB or MYSQL";
	}
}

/* Adds one action: the fragment after its prologue. */
static void add_fragment(struct plan_step *ps, enum host h, unsigned flags, const char *note,
                         const char *const *vars, const char *body)
{
	char *cmd = steps_fragment(vars, body);

	plan_add(ps, h, flags, note, "%s", cmd);
	free(cmd);
}

static void plan_host_checks(const struct answers *a, struct plan_step *ps, enum host h,
                             const struct endpoint *e)
{
	const char *name = plan_host_name(h);
	const char *sql = e->backend == BACKEND_PGSQL ? "pg_dump psql runuser" : "mysqldump mysql";
	const char *ldap = e->backend == BACKEND_OPENLDAP ? " slapcat slapadd" : "";
	const char *host[] = { "host", name, NULL };
	const char *release[] = { "host", name, "editions", edition_words(e->backend),
	                          "edition", edition_name(e->backend), NULL };
	char *list = xasprintf("rsync bzip2 du df openssl %s%s%s", sql, ldap,
	                       h == HOST_TARGET ? " doveadm ssh ssh-keygen sendmail" : " pgrep ss");
	const char *tools[] = { "host", name, "tools", list, NULL };
	const char *versions[] = { "rc", a->opt.roundcube_dir, "pre", h == HOST_TARGET ? "- " : "",
	                           "post", h == HOST_TARGET ? "" : " -", NULL };
	char *rsync = steps_fragment(host, steps_sh_preflight_rsync);

	add_fragment(ps, h, 0, "runs iRedMail with its backend, as root, bash, systemd", release,
	             steps_sh_preflight_host);
	/* the target runs the copies: its rsync's version is checked too */
	plan_add(ps, h, 0, h == HOST_TARGET ? "installs rsync if it is missing (the copies need it on both servers; "
	                                     "3.1 or newer here, for the copy's progress)"
	                                   : "installs rsync if it is missing (the copies need it on both servers)",
	         "%s%s", rsync, h == HOST_TARGET ? steps_sh_preflight_rsync_version : "");
	free(rsync);
	add_fragment(ps, h, 0, "has the tools the migration uses", tools, steps_sh_preflight_tools);
	free(list);
	add_fragment(ps, h, 0, "reports its Dovecot and Roundcube versions", versions, steps_sh_preflight_versions);
}

/* The source's mail measured, and the target's room for it: free space plus
 * what an earlier bulk copy already put there.  With system users (no one
 * store) the roots alone, and the room where they go. */
static void plan_room(struct plan_step *ps, const struct answers *a)
{
	const char *bytes[] = { "v", steps_vmail(a), "b", a->opt.backup_dir, NULL };
	const char *room[] = { "vmail", steps_vmail(a), NULL };
	const char *homes[] = { "vmail", "", "b", a->opt.backup_dir, NULL };
	/* into iRedMail: the copies and the mailboxes, twice the mail */
	const char *into[] = { "vmail", a->opt.vmail_dir, "factor", "2", NULL };
	char *cmd = steps_fragment(bytes, steps_sh_preflight_mail_bytes);

	plan_capture(ps, HOST_SOURCE, 0, "mail_bytes", *steps_vmail(a) ? "measures the source's mail (the store and "
	             "the roots outside it)" : "measures the source's mail (the users' homes)", "%s", cmd);
	free(cmd);
	cmd = steps_fragment(steps_into_iredmail(a) ? into : *steps_vmail(a) ? room : homes, steps_sh_preflight_room);
	plan_feed(ps, HOST_TARGET, 0, "mail_bytes", "the target has room for the mail", "%s", cmd);
	free(cmd);
}

/* The checks that compare the two servers.  No server reaches the other
 * yet (step migration-key comes after): what the source says travels
 * through mailshift as a captured value, and the target compares. */
static void plan_compare(const struct answers *a, struct plan_step *ps)
{
	const char *ids = "echo \"$(id -u vmail):$(id -g vmail)\"";
	const char *idv[] = { "ids", ids, NULL };
	char *cmd;

	plan_capture(ps, HOST_SOURCE, 0, "release", "reads the source's iRedMail version",
	             "head -n 1 /etc/iredmail-release");
	plan_feed(ps, HOST_TARGET, 0, "release", "both run the same iRedMail version", "%s", steps_sh_preflight_release);
	plan_capture(ps, HOST_SOURCE, 0, "vmail_ids", "reads the source's vmail uid:gid", "%s", ids);
	cmd = steps_fragment(idv, steps_sh_preflight_vmail_ids);
	plan_feed(ps, HOST_TARGET, ACT_ADVISORY, "vmail_ids", "the vmail user has the same uid:gid on both", "%s", cmd);
	free(cmd);
	plan_room(ps, a);
}

/* mailshift reads the host's databases (and directory) itself; the
 * runbook asks the servers' own clients for the version and the accounts. */
static void plan_look(const struct answers *a, struct plan_step *ps, enum host h, const struct endpoint *e)
{
	char *ldap = NULL;

	if (e->backend == BACKEND_OPENLDAP) {
		char *env = steps_ldap_suffix_cmd(a);
		ldap = xasprintf("%secho \"LDAP accounts: $(slapcat \"${conf[@]}\" -b \"$suffix\" "
		                 "-a '(objectClass=mailUser)' | grep -c '^dn:')\"\n", env);
		free(env);
	}
	if (e->backend == BACKEND_PGSQL)
		plan_native(ps, h, 0, NATIVE_LOOK, "its databases answer: versions, sizes, accounts",
		            "pg='runuser -u postgres -- psql -X -At'\n"
		            "echo \"PostgreSQL $($pg -c 'SHOW server_version')\"\n"
		            "echo \"accounts: $($pg -d vmail -c 'SELECT COUNT(*) FROM mailbox')\"");
	else
		plan_native(ps, h, 0, NATIVE_LOOK,
		            ldap ? "its directory and databases answer: versions, sizes, accounts"
		                 : "its databases answer: versions, sizes, accounts",
		            "echo \"MariaDB $(mysql -Nse 'SELECT VERSION()')\"\n"
		            "%s",
		            ldap ? ldap : "echo \"accounts: $(mysql -Nse 'SELECT COUNT(*) FROM vmail.mailbox')\"");
	free(ldap);
}

/* What only the target has (steps/sh/own.sh): refused unless overwrite_target. */
static void plan_own(const struct answers *a, struct plan_step *ps)
{
	char *users = steps_accounts_cmd(a, 0);
	const char *over = a->opt.overwrite_target ? "yes" : "no";
	const char *tv[] = { "side", "target", "overwrite", over, "accounts_cmd", users, NULL };
	const char *sv[] = { "side", "source", "overwrite", over, NULL };
	char *t = steps_script(a, tv, steps_sh_own), *s = steps_script(a, sv, steps_sh_own);

	plan_capture(ps, HOST_TARGET, 0, "target_accounts", "the target has not gone live; lists its accounts", "%s", t);
	plan_feed(ps, HOST_SOURCE, 0, "target_accounts", "the target holds no account the source lacks", "%s", s);
	free(t);
	free(s);
	free(users);
}

/* The one thing to do a day ahead, last in every pre-flight. */
static void plan_ttl(struct plan_step *ps)
{
	plan_checklist(ps, "lower the TTL of the MX and A records to 300 seconds, a day ahead",
	               "At your DNS provider, lower the TTL of every mail domain's MX record and of the A "
	               "record it names to 300 seconds, at least a day (the old TTL) before the switch, so "
	               "senders follow the change within minutes.");
}

static void plan_preflight(const struct answers *a, struct plan_step *ps)
{
	plan_host_checks(a, ps, HOST_SOURCE, &a->source);
	plan_host_checks(a, ps, HOST_TARGET, &a->target);
	steps_plan_discovery(ps, a);
	plan_own(a, ps);
	plan_compare(a, ps);
	plan_look(a, ps, HOST_SOURCE, &a->source);
	plan_look(a, ps, HOST_TARGET, &a->target);
	plan_ttl(ps);
}

const struct step step_preflight = {
	.id = "preflight",
	.title = "Pre-flight checks",
	.why = "Before anything changes, mailshift checks both servers: the same iRedMail "
	       "version with the same backend on each (a mismatch breaks the databases "
	       "when they are restored), the tools the copy needs, the vmail user's ids, "
	       "and that the target has room for the mail. What the source reports goes "
	       "to the target through mailshift, which compares; the servers do not "
	       "reach each other yet. Then mailshift reads each server's databases (and "
	       "directory) itself, through SSH tunnels with the server's own credentials: "
	       "versions, sizes, tables and rows, accounts and domains. It finds every "
	       "account the account backend lists and asks the source's own Dovecot "
	       "where each one's mail lives: every storage root found (another base "
	       "directory, another storage node, the mailing lists, the sieve scripts, "
	       "the public folders) is copied, owned and verified like the mail store; "
	       "a layout mailshift cannot carry stops here, naming the accounts, and "
	       "accounts the source's Dovecot cannot resolve are listed (broken before "
	       "the migration, not by it). Nothing is "
	       "changed by this step, except that rsync is installed where it is "
	       "missing (the copies need it on both servers). Last, the one thing to "
	       "do a day ahead: lower the TTL of your MX and A records, a checklist "
	       "item you confirm (or leave pending).",
	.flags = STEP_FIGURES | STEP_SURVEY,
	.plan = plan_preflight,
};

static int has_installer(const struct answers *a)
{
	return a->opt.installer_dir != NULL;
}

static void plan_installer(const struct answers *a, struct plan_step *ps)
{
	const char *vars[] = { "d", a->opt.installer_dir, NULL };

	add_fragment(ps, HOST_TARGET, ACT_ADVISORY,
	             "lists the installer files that are missing or damaged, and where each comes from", vars,
	             steps_sh_installer_files);
}

const struct step step_installer = {
	.id = "installer",
	.title = "Check the iRedMail installer's files",
	.why = "The target must run the source's iRedMail version. Its installer "
	       "(pkgs/get_all.sh) downloads the files listed in pkgs/pkgs.sha256 (older "
	       "releases: pkgs/MD5.misc) into pkgs/misc/; for an older release some are "
	       "no longer on the mirror and the installer stops. This step checks the "
	       "installer tree on the target and lists each missing or damaged file with "
	       "the URL it comes from and the folder it goes in (pkgs/misc/). Fetch them "
	       "(from the mirror, an archive, or the source's own installer tree), then "
	       "retry the check until it passes. It changes nothing; a missing file is "
	       "a warning, not a stop.",
	.flags = STEP_OPTIONAL,
	.applies = has_installer,
	.plan = plan_installer,
};

/* Pre-flight checks for the system-user stacks (issue 15), in no pair table
 * yet.  Each host reads itself with the same fragment; the source's reading
 * travels to the target as a value, and the target compares. */

/* Seed 002: POP3 clients re-download everything when the new server makes
 * the UIDLs another way (preflight-pop3*.sh).  A stop: nothing has changed. */
void steps_plan_pop3_check(struct plan_step *ps, const struct answers *a)
{
	const char *src[] = { "side", "source", NULL }, *dst[] = { "side", "target", NULL };
	char *s = steps_fragment(src, steps_sh_preflight_pop3), *t = steps_fragment(dst, steps_sh_preflight_pop3);

	(void)a;
	plan_capture(ps, HOST_SOURCE, 0, "pop3_uidl", "reads whether its Dovecot serves POP3, and its pop3_uidl_format",
	             "%s", s);
	plan_feed(ps, HOST_TARGET, 0, "pop3_uidl",
	          "makes the POP3 UIDLs as the source does (or the source serves no POP3)", "%s%s", t,
	          steps_sh_preflight_pop3_compare);
	free(s);
	free(t);
}

/* Seed 003: what the new server lacks (preflight-packages*.sh).  Advisory:
 * the admin decides, since a fetchmail or a webmail left behind may be
 * intended. */
void steps_plan_packages_check(struct plan_step *ps, const struct answers *a)
{
	/* a move to another MTA: the source's MTA packages are not missing */
	int from = profile_of(&a->source)->relay_postfix, to = profile_of(&a->target)->relay_postfix;
	const char *vars[] = { "replaced", from == to ? ""
	                       : from ? "postfix-pcre postfix-mysql postfix-pgsql postfix-ldap" : "sendmail sendmail-cf",
	                       NULL };
	char *cmd = steps_fragment(vars, steps_sh_preflight_packages_compare);

	plan_capture(ps, HOST_SOURCE, ACT_ADVISORY, "packages", "lists the mail-related packages it has", "%s",
	             steps_sh_preflight_packages);
	plan_feed(ps, HOST_TARGET, ACT_ADVISORY, "packages",
	          "has the mail-related packages the source has (those it lacks are named)", "%s%s",
	          steps_sh_preflight_packages, cmd);
	free(cmd);
}

/* System-user stacks (Postfix or sendmail, with Dovecot) ------------------ */

static void plan_stack_checks(const struct answers *a, struct plan_step *ps, enum host h)
{
	const struct endpoint *e = h == HOST_SOURCE ? &a->source : &a->target;
	const char *name = plan_host_name(h);
	/* (system users into iRedMail: the target is an iRedMail server) */
	int irm = h == HOST_TARGET && steps_into_iredmail(a);
	const char *stack[] = { "host", name, "mta", profile_of(e)->relay_postfix ? "postfix" : "sendmail",
	                        "iredmail", irm ? "1" : "0", NULL };
	const char *host[] = { "host", name, NULL };
	const char *tools[] = { "host", name, "tools", irm ? "rsync du df doveadm ssh ssh-keygen perl flock" :
	                        h == HOST_TARGET ?
	                        "rsync du df doveadm ssh ssh-keygen perl useradd groupadd chpasswd chage gpasswd flock" :
	                        "rsync du df doveadm pgrep ss", NULL };
	const char *versions[] = { "rc", a->opt.roundcube_dir, "pre", h == HOST_TARGET ? "- " : "",
	                           "post", h == HOST_TARGET ? "" : " -", NULL };
	char *rsync = steps_fragment(host, steps_sh_preflight_rsync);

	add_fragment(ps, h, 0, irm ? "runs iRedMail's Postfix and Dovecot, as root, bash, systemd"
	                           : "runs its MTA and Dovecot, as root, bash, systemd", stack, steps_sh_preflight_stack);
	plan_add(ps, h, 0, "installs rsync if it is missing (the copies need it on both servers)", "%s%s", rsync,
	         h == HOST_TARGET ? steps_sh_preflight_rsync_version : "");
	free(rsync);
	add_fragment(ps, h, 0, "has the tools the migration uses", tools, steps_sh_preflight_tools);
	add_fragment(ps, h, 0, "reports its Dovecot and Roundcube versions", versions, steps_sh_preflight_versions);
}

static void plan_preflight_system(const struct answers *a, struct plan_step *ps)
{
	plan_stack_checks(a, ps, HOST_SOURCE);
	plan_stack_checks(a, ps, HOST_TARGET);
	steps_plan_discovery(ps, a);
	/* the domains the cutover relays to the target: a Postfix source's
	 * mydestination, a sendmail source's local-host-names; the target's
	 * check asks its own MTA */
	{
		char *domains = steps_domains_cmd(a);
		const char *vars[] = { "mta", profile_of(&a->target)->relay_postfix ? "postfix" : "sendmail", NULL };
		char *check = steps_fragment(vars, steps_sh_preflight_domains);

		plan_capture(ps, HOST_SOURCE, 0, "domains", profile_of(&a->source)->relay_postfix
		             ? "lists the mail domains it delivers locally (mydestination)"
		             : "lists the mail domains it delivers locally (local-host-names)", "%s", domains);
		plan_feed(ps, HOST_TARGET, 0, "domains", "takes mail for each of them (the cutover relays them here)",
		          "%s", check);
		free(check);
		free(domains);
	}
	if (steps_into_iredmail(a))
		steps_plan_irm_domain(ps, a);
	steps_plan_pop3_check(ps, a);
	steps_plan_packages_check(ps, a);
	plan_add(ps, HOST_SOURCE, ACT_ADVISORY, "lists its web tree and CGI directories for review (mailshift "
	         "carries no web pages)", "%s", steps_sh_preflight_web);
	plan_room(ps, a);
	plan_ttl(ps);
}

const struct step step_preflight_system = {
	.id = "preflight",
	.title = "Pre-flight checks",
	.why = "Before anything changes, mailshift checks both servers: each runs its "
	       "mail transfer agent (Postfix or sendmail) and Dovecot, as root, under "
	       "systemd, with the tools the copy needs. It finds the real users of the "
	       "source (from the UID_MIN of its login.defs up to below nobody) and asks "
	       "the source's own Dovecot where each one's mail lives: each user's home "
	       "is a storage root, copied whole (.forward, .procmailrc, ~/mail with the "
	       "mail). If the source serves POP3, both servers must make the same "
	       "UIDLs, or every POP3 client would fetch all its mail again: a "
	       "difference stops here. It names the mail-related packages the source "
	       "has and the target lacks (SpamAssassin, procmail, fetchmail, webmail), "
	       "and checks the target has room for the mail. Nothing is changed, "
	       "except that rsync is installed where it is missing. The users' ids, "
	       "names and password hashes are checked by the users step, right after "
	       "the one-off key, before anything is created. Last, the one thing to do "
	       "a day ahead: lower the TTL of your MX and A records.",
	.flags = STEP_FIGURES | STEP_SURVEY,
	.plan = plan_preflight_system,
};

/* The same checks, said for system users moving into iRedMail. */
const struct step step_preflight_into = {
	.id = "preflight",
	.title = "Pre-flight checks",
	.why = "Before anything changes, mailshift checks both servers: the old one runs its "
	       "mail transfer agent (Postfix or sendmail) and Dovecot, the new one iRedMail, "
	       "each as root, under systemd, with the tools the copy needs. It finds the real "
	       "users of the old server (from the UID_MIN of its login.defs up to below nobody) "
	       "and asks its own Dovecot where each one's mail lives; the new server must have "
	       "the domain their addresses will be in (users_domain, or its only domain) and "
	       "room for the mail twice (the copies, then the mailboxes). If the old server "
	       "serves POP3, both servers must make the same UIDLs, or every POP3 client would "
	       "fetch all its mail again: a difference stops here. It names the mail-related "
	       "packages the old server has and the new one lacks. Nothing is changed, except "
	       "that rsync is installed where it is missing. Last, the one thing to do a day "
	       "ahead: lower the TTL of your MX and A records.",
	.flags = STEP_FIGURES | STEP_SURVEY,
	.plan = plan_preflight_system,
};
