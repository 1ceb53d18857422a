/* Pre-flight: the checks that must pass before anything changes, and the
 * iRedMail installer's missing files. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* The edition names /etc/iredmail-release may carry for a backend. */
static const char *edition_pattern(enum backend b)
{
	switch (b) {
	case BACKEND_OPENLDAP: return "*\" OPENLDAP \"*";
	case BACKEND_PGSQL: return "*\" PGSQL \"*";
	case BACKEND_MARIADB:
	case BACKEND_MYSQL: return "*\" MARIADB \"*|*\" MYSQL \"*";
	case BACKEND_NONE: break;
	}
	return "*";
}

static const char *edition_name(enum backend b)
{
	switch (b) {
	case BACKEND_OPENLDAP: return "OPENLDAP";
	case BACKEND_PGSQL: return "PGSQL";
	default: return "MARIADB or MYSQL";
	}
}

static void plan_host_checks(const struct answers *a, struct plan_step *ps, enum host h,
                             const struct endpoint *e)
{
	const char *name = plan_host_name(h);
	const char *sql = e->backend == BACKEND_PGSQL ? "pg_dump psql runuser" : "mysqldump mysql";
	const char *ldap = e->backend == BACKEND_OPENLDAP ? " slapcat slapadd" : "";

	plan_add(ps, h, 0, "runs iRedMail with its backend, as root, bash, systemd",
	         "[ \"$(id -u)\" = 0 ] || { echo 'mailshift runs its commands as root: set user = root' >&2; exit 1; }\n"
	         "[ -n \"${BASH_VERSION:-}\" ] || { echo 'the login shell must be bash' >&2; exit 1; }\n"
	         "release=$(head -n 1 /etc/iredmail-release) || exit 1\n"
	         "echo \"%s: $release\"\n"
	         "case \" $release \" in %s) ;; *) echo 'expected an iRedMail %s edition on the %s' >&2; exit 1 ;; esac\n"
	         "if [ ! -d /run/systemd/system ] || ! command -v systemctl >/dev/null; then\n"
	         "  echo 'systemd does not run the %s: mailshift stops and starts the mail services with systemctl, "
	         "and cannot stop them here (a host without systemd is not built yet)' >&2; exit 1\n"
	         "fi",
	         name, edition_pattern(e->backend), edition_name(e->backend), name, name);
	plan_add(ps, h, 0, h == HOST_TARGET ? "installs rsync if it is missing (the copies need it on both servers; "
	                                     "3.1 or newer here, for the copy's progress)"
	                                   : "installs rsync if it is missing (the copies need it on both servers)",
	         "if command -v rsync >/dev/null; then echo \"rsync is installed: $(command -v rsync)\"\n"
	         "else\n"
	         "echo 'rsync is missing on the %s: installing it'\n"
	         "if command -v apt-get >/dev/null; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q rsync </dev/null\n"
	         "elif command -v dnf >/dev/null; then dnf install -y rsync </dev/null\n"
	         "elif command -v yum >/dev/null; then yum install -y rsync </dev/null\n"
	         "else echo 'no apt-get, dnf or yum here: install rsync by hand' >&2; exit 1; fi\n"
	         "command -v rsync >/dev/null || { echo 'rsync is still missing' >&2; exit 1; }\n"
	         "fi%s",
	         name, h == HOST_TARGET ?
	         "\n# the target runs the copies: --info=progress2 is rsync 3.1 (2014) or newer\n"
	         "v=$(rsync --version | sed -n 1p)\n"
	         "read -r maj min <<<\"$(sed -n 's/.*version \\([0-9]*\\)\\.\\([0-9]*\\).*/\\1 \\2/p' <<<\"$v\")\"\n"
	         "[ \"${maj:-0}\" -gt 3 ] || { [ \"${maj:-0}\" = 3 ] && [ \"${min:-0}\" -ge 1 ]; } || "
	         "{ echo \"the target's rsync is too old for the copies (3.1 or newer needed): $v\" >&2; exit 1; }\n"
	         "echo \"$v\"" : "");
	plan_add(ps, h, 0, "has the tools the migration uses",
	         "missing=0\n"
	         "for t in rsync bzip2 du df openssl %s%s%s; do\n"
	         "  command -v \"$t\" >/dev/null || { echo \"missing on the %s: $t\" >&2; missing=1; }\n"
	         "done\n"
	         "[ \"$missing\" = 0 ] && echo 'all tools present'",
	         sql, ldap, h == HOST_TARGET ? " doveadm ssh ssh-keygen sendmail" : " pgrep ss", name);
	plan_add(ps, h, 0, "reports its Dovecot and Roundcube versions",
	         "dv=$(dovecot --version 2>/dev/null) || dv=\n"
	         "echo \"Dovecot ${dv:-not found}\"\n"
	         "rc=%q\n"
	         "v=$(sed -n \"s/.*define('RCMAIL_VERSION', *'\\([^']*\\)').*/\\1/p\" \"$rc/program/include/iniset.php\" 2>/dev/null || true)\n"
	         "echo \"Roundcube ${v:-not found in $rc}\"\n"
	         "# pre-flight's table (this server's column)\n"
	         "dw=${dv%%%% *}\n"
	         "echo \"verify-row dovecot %s${dw:-none}%s\"\n"
	         "echo \"verify-row roundcube %s${v:-none}%s\"",
	         a->opt.roundcube_dir, h == HOST_TARGET ? "- " : "", h == HOST_TARGET ? "" : " -",
	         h == HOST_TARGET ? "- " : "", h == HOST_TARGET ? "" : " -");
}

/* The checks that compare the two servers.  No server reaches the other
 * yet (step migration-key comes after): what the source says travels
 * through mailshift as a captured value, and the target compares. */
static void plan_compare(const struct answers *a, struct plan_step *ps)
{
	/* free space plus what an earlier bulk copy already put there */
	char *df = shell_fmt("test -d %q && echo $(( $(df -P -B1 -- %q | awk \"NR == 2 {print \\$4}\") "
	                     "+ $(du -sx -B1 -- %q | cut -f 1) ))", a->opt.vmail_dir, a->opt.vmail_dir, a->opt.vmail_dir);
	const char *ids = "echo \"$(id -u vmail):$(id -g vmail)\"";

	plan_capture(ps, HOST_SOURCE, 0, "release", "reads the source's iRedMail version",
	             "head -n 1 /etc/iredmail-release");
	plan_feed(ps, HOST_TARGET, 0, "release", "both run the same iRedMail version",
	          "src=$(cat)\n"
	          "dst=$(head -n 1 /etc/iredmail-release)\n"
	          "echo \"source: $src\"; echo \"target: $dst\"\n"
	          "echo \"verify-row iredmail ${src%%%% *} ${dst%%%% *}\"\n"
	          "echo \"verify-row backend $(echo \"$src\" | awk '{print $2}') $(echo \"$dst\" | awk '{print $2}')\"\n"
	          "sv=${src%%%% *} tv=${dst%%%% *}\n"
	          "[ \"$sv\" != \"$tv\" ] || exit 0\n"
	          "# the advice names the older side\n"
	          "if [ \"$(printf '%%s\\n' \"$sv\" \"$tv\" | sort -V | head -n 1)\" = \"$sv\" ]; then\n"
	          "  echo \"iRedMail versions differ: the source runs $sv, older than the target's $tv: upgrade the source "
	          "to $tv first, or install $sv on the target\" >&2\n"
	          "else\n"
	          "  echo \"iRedMail versions differ: the target runs $tv, older than the source's $sv: install $sv on the "
	          "target (never move a newer iRedMail's databases into an older one)\" >&2\n"
	          "fi\n"
	          "exit 1");
	plan_capture(ps, HOST_SOURCE, 0, "vmail_ids", "reads the source's vmail uid:gid", "%s", ids);
	plan_feed(ps, HOST_TARGET, ACT_ADVISORY, "vmail_ids", "the vmail user has the same uid:gid on both",
	          "src=$(cat)\n"
	          "dst=$(%s)\n"
	          "echo \"vmail uid:gid on the source $src, on the target $dst\"\n"
	          "echo \"verify-row vmail-ids $src $dst\"\n"
	          "[ \"$src\" = \"$dst\" ] || { echo 'vmail ids differ: the copy keeps numbers, the chown step fixes "
	          "owners; check mail_uid/mail_gid in the target dovecot.conf' >&2; exit 1; }",
	          ids);
	plan_capture(ps, HOST_SOURCE, 0, "mail_bytes", "measures the source's mail (the store and the roots outside it)",
	             "v=%q\n"
	             "dirs=(\"$v\")\n"
	             "while IFS=\"$(printf '\\t')\" read -r r _; do\n"
	             "  case $r/ in \"$v\"/*) ;; *) [ ! -d \"$r\" ] || dirs+=(\"$r\") ;; esac\n"
	             "done < %q/discovery/roots.tsv\n"
	             "du -scx -B1 -- \"${dirs[@]}\" | tail -n 1 | cut -f 1",
	             a->opt.vmail_dir, a->opt.backup_dir);
	plan_feed(ps, HOST_TARGET, 0, "mail_bytes", "the target has room for the mail",
	          "need=$(cat)\n"
	          "have=$(%s) || { echo 'the target has no mail store directory yet: install iRedMail there first' >&2; exit 1; }\n"
	          "case $need$have in *[!0-9]*|'') echo 'cannot measure the disk space' >&2; exit 1 ;; esac\n"
	          "echo \"mail on the source: $need bytes; room for it on the target: $have bytes\"\n"
	          "echo \"verify-row du $need -\"; echo \"verify-row room - $have\"\n"
	          "[ \"$have\" -gt $((need + need / 10)) ] || { echo \"not enough room on the target: it needs "
	          "$((need + need / 10)) bytes free (the mail plus 10%%)\" >&2; exit 1; }",
	          df);
	free(df);
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

static void plan_preflight(const struct answers *a, struct plan_step *ps)
{
	plan_host_checks(a, ps, HOST_SOURCE, &a->source);
	plan_host_checks(a, ps, HOST_TARGET, &a->target);
	steps_plan_discovery(ps, a);
	plan_own(a, ps);
	plan_compare(a, ps);
	plan_look(a, ps, HOST_SOURCE, &a->source);
	plan_look(a, ps, HOST_TARGET, &a->target);
	plan_checklist(ps, "lower the TTL of the MX and A records to 300 seconds, a day ahead",
	               "At your DNS provider, lower the TTL of every mail domain's MX record and of the A "
	               "record it names to 300 seconds, at least a day (the old TTL) before the switch, so "
	               "senders follow the change within minutes.");
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
	plan_add(ps, HOST_TARGET, ACT_ADVISORY, "lists the installer files that are missing or damaged, and where each comes from",
	         "d=%q\n"
	         "cd -- \"$d/pkgs\" || { echo \"no installer tree at $d on the target: unpack the source's iRedMail version there\" >&2; exit 1; }\n"
	         "if [ -f pkgs.sha256 ]; then list=pkgs.sha256 sum=sha256sum\n"
	         "elif [ -f MD5.misc ]; then list=MD5.misc sum=md5sum\n"
	         "else echo \"no pkgs/pkgs.sha256 or pkgs/MD5.misc in $d\" >&2; exit 1; fi\n"
	         "# the mirror get_all.sh downloads from (conf/global), as it builds the URL\n"
	         "mirror=\n"
	         "[ ! -f \"$d/conf/global\" ] || mirror=$(sed -n 's/.*IREDMAIL_MIRROR:-\\([^}]*\\)}.*/\\1/p' \"$d/conf/global\" | awk 'NR == 1')\n"
	         "mirror=${mirror:-https://dl.iredmail.org}\n"
	         "bad=0 n=0\n"
	         "while read -r want file; do\n"
	         "  [ -n \"$file\" ] || continue\n"
	         "  file=${file#\\*}\n"
	         "  case $file in misc/*) ;; *) file=misc/$file ;; esac\n"
	         "  n=$((n + 1))\n"
	         "  if [ ! -f \"$file\" ]; then why=missing\n"
	         "  elif [ \"$($sum < \"$file\" | cut -d ' ' -f 1)\" != \"$want\" ]; then why='wrong checksum'\n"
	         "  else continue; fi\n"
	         "  bad=$((bad + 1))\n"
	         "  echo \"$why: ${file#misc/}  <- $mirror/yum/misc/${file#misc/}  -> $d/pkgs/misc/\"\n"
	         "done < \"$list\"\n"
	         "if [ \"$bad\" -gt 0 ]; then echo \"$bad of $n file(s) to download by hand (URL <-) into $d/pkgs/misc/ (->), "
	         "then retry this check; the installer stops without them\" >&2; exit 1; fi\n"
	         "echo \"all $n files in $list are present and intact\"",
	         a->opt.installer_dir);
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
