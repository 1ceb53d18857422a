/* The account backend: the vmail database (MariaDB/MySQL, PostgreSQL) or the
 * OpenLDAP directory. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

static void plan_ldap(const struct answers *a, struct plan_step *ps)
{
	char *env = steps_ldap_suffix_cmd(a);
	const char *bk = a->opt.backup_dir;

	plan_add(ps, HOST_SOURCE, 0, "exports the directory with slapcat",
	         "%s"
	         "d=%q/dump\n"
	         "mkdir -p -m 0700 -- \"$d\" || exit 1\n"
	         "slapcat \"${conf[@]}\" -b \"$suffix\" -l \"$d/ldap.ldif.part\" && mv -- \"$d/ldap.ldif.part\" \"$d/ldap.ldif\" || exit 1\n"
	         "echo \"exported $(grep -c '^dn:' \"$d/ldap.ldif\") entries under $suffix\"",
	         env, bk);
	steps_copy_dumps(ps, a);
	plan_add(ps, HOST_TARGET, 0, "checks the suffixes match and saves the target's own directory",
	         "%s"
	         "b=%q\n"
	         "first=$(sed -n '1s/^dn: //p' \"$b/dump/ldap.ldif\")\n"
	         "[ \"$first\" = \"$suffix\" ] || { echo \"the source's directory is $first, the target's $suffix: "
	         "install the target with the same LDAP suffix\" >&2; exit 1; }\n"
	         "mkdir -p -m 0700 -- \"$b/target-before\" \"$b/target-last\" || exit 1\n"
	         "# fresh before every replacement (target-last); the state before the\n"
	         "# first one stays in target-before\n"
	         "slapcat \"${conf[@]}\" -b \"$suffix\" -l \"$b/target-last/ldap.ldif.part\" && "
	         "mv -- \"$b/target-last/ldap.ldif.part\" \"$b/target-last/ldap.ldif\" || exit 1\n"
	         "[ -e \"$b/target-before/ldap.ldif\" ] || cp -p -- \"$b/target-last/ldap.ldif\" \"$b/target-before/ldap.ldif\" || exit 1\n"
	         "echo \"saved $(grep -c '^dn:' \"$b/target-last/ldap.ldif\") entries in $b/target-last/ldap.ldif "
	         "(the directory before mailshift first replaced it: $b/target-before/ldap.ldif)\"",
	         env, bk);
	plan_add(ps, HOST_TARGET, ACT_DESTRUCTIVE, "replaces the target's directory with the source's",
	         "set -e\n"
	         "%s"
	         "f=%q/dump/ldap.ldif\n"
	         "if [ ${#conf[@]} -gt 0 ]; then\n"
	         "  dir=$(awk -v s=\"$suffix\" '$1 == \"suffix\" {gsub(/\"/, \"\", $2); cur = $2} "
	         "$1 == \"directory\" && cur == s {print $2; exit}' \"${conf[1]}\")\n"
	         "else\n"
	         "  dir=$(slapcat -n 0 -a \"(olcSuffix=$suffix)\" | sed -n 's/^olcDbDirectory: //p')\n"
	         "fi\n"
	         "[ -n \"$dir\" ] && [ -d \"$dir\" ] || { echo \"cannot find the database directory of $suffix\" >&2; exit 1; }\n"
	         "owner=$(stat -c %%U:%%G -- \"$dir\")\n"
	         "systemctl stop slapd </dev/null >/dev/null 2>&1\n"
	         "keep=\"$dir.mailshift-before\"\n"
	         "[ -e \"$keep\" ] && keep=\"$dir.mailshift-failed-$(date +%%Y%%m%%d-%%H%%M%%S)\"\n"
	         "mv -- \"$dir\" \"$keep\" && echo \"the target's database files are kept in $keep\"\n"
	         "mkdir -m 0700 -- \"$dir\"\n"
	         "[ ! -e \"$keep/DB_CONFIG\" ] || cp -p -- \"$keep/DB_CONFIG\" \"$dir/\"\n"
	         "# The services bind as cn=vmail and cn=vmailadmin with the target's own\n"
	         "# passwords: those two entries keep the target's userPassword.\n"
	         "awk -v keep=%q/target-before/ldap.ldif '\n"
	         "  function dn_of(rec,  n, l, i) { n = split(rec, l, \"\\n\"); for (i = 1; i <= n; i++) if (l[i] ~ /^dn: /) return tolower(substr(l[i], 5)); return \"\" }\n"
	         "  function pw_of(rec,  n, l, i, pw) { n = split(rec, l, \"\\n\"); pw = \"\"\n"
	         "    for (i = 1; i <= n; i++) if (l[i] ~ /^userPassword::? /) { pw = l[i]; while (i < n && l[i + 1] ~ /^ /) pw = pw \"\\n\" l[++i] }\n"
	         "    return pw }\n"
	         "  BEGIN { RS = \"\"; while ((getline rec < keep) > 0) { d = dn_of(rec); p = pw_of(rec); if (d ~ /^cn=vmail(admin)?,/ && p != \"\") pw[d] = p } }\n"
	         "  { d = dn_of($0); n = split($0, l, \"\\n\"); out = \"\"; skip = 0\n"
	         "    for (i = 1; i <= n; i++) {\n"
	         "      if (skip && l[i] ~ /^ /) continue\n"
	         "      skip = 0\n"
	         "      if ((d in pw) && l[i] ~ /^userPassword::? /) { out = out pw[d] \"\\n\"; skip = 1; kept++; continue }\n"
	         "      out = out l[i] \"\\n\" }\n"
	         "    printf \"%%s\\n\", out }\n"
	         "  END { print kept + 0 \" service password(s) kept from the target\" > \"/dev/stderr\" }' \"$f\" > \"$f.import\"\n"
	         "slapadd \"${conf[@]}\" -q -b \"$suffix\" -l \"$f.import\"\n"
	         "chown -R \"$owner\" -- \"$dir\"\n"
	         "systemctl start slapd </dev/null >/dev/null 2>&1\n"
	         "echo \"imported $(grep -c '^dn:' \"$f\") entries under $suffix\"",
	         env, bk, bk);
	free(env);
}

static void plan_accounts(const struct answers *a, struct plan_step *ps)
{
	if (steps_uses_ldap(a))
		plan_ldap(a, ps);
	else
		steps_sql_move(ps, a, "vmail");
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
