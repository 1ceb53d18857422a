/* The keys explained in plain words, for a first-time admin: what each one
 * is, where to find its value on the server, what the default means, an
 * example, and what goes wrong when it is wrong.  The wizard's F1 shows
 * them (tui/interview.c, through answers_key_info); the template keeps the
 * one-line help of core/answers_keys.c.  Each text is a few sentences that
 * fit the help dialog at 80x24 (tests/unit/test_answers.c holds them to
 * it); a key of [source] and [target] has one text for both. */
#include "core/answers_int.h"

#include <string.h>

static const struct {
	const char *name, *text;
} explained[] = {
	{ "stack",
	  "What kind of mail server this is. iredmail means the iRedMail installer set it up "
	  "(Postfix, Dovecot, Amavis and a database or LDAP): `cat /etc/iredmail-release` on the "
	  "server then shows a line like \"1.8.1 MARIADB edition.\". postfix-dovecot: Postfix "
	  "and Dovecot, the mailboxes Unix accounts; sendmail-mbox: sendmail, mbox files in "
	  "/var/mail. mailshift has plans for iRedMail to iRedMail (same backend), "
	  "postfix-dovecot to postfix-dovecot or to iredmail, and sendmail-mbox to postfix-dovecot, "
	  "sendmail-mbox or iredmail; another pair is refused with a message before anything runs. iredmail "
	  "for a server without it stops pre-flight on the missing release file." },
	{ "backend",
	  "Where iRedMail keeps the mail accounts: openldap (an LDAP directory), mariadb or mysql "
	  "(one family to mailshift), or pgsql (PostgreSQL). The word after the version in "
	  "`head -n 1 /etc/iredmail-release` tells it: \"1.8.1 PGSQL edition.\" means pgsql, "
	  "MARIADB mariadb, OPENLDAP openldap, MYSQL (older releases) mysql. The source and the "
	  "target must have the same backend, since the accounts are dumped and restored with "
	  "its tools; install the target accordingly. none is for a server that is not iRedMail. "
	  "A wrong backend stops pre-flight, which compares it with the release file." },
	{ "host",
	  "The name or IPv4 address of this server as this machine reaches it by SSH, e.g. "
	  "mail.example.com or 192.0.2.10; a Host alias of your ~/.ssh/config works too. The "
	  "servers use these names as well: the target pulls the mail from the source's name, "
	  "and after the switch the old server relays mail to the target's name on port 25. So "
	  "pick names both servers can resolve, never localhost. There is no default. "
	  "`ssh root@NAME hostname` from here proves the name works. A wrong name fails at the "
	  "first connection, before anything changes." },
	{ "port",
	  "The TCP port this server's SSH daemon listens on. Left empty it is 22, the standard; "
	  "change it only if sshd listens elsewhere. `sshd -T | grep '^port '` as root on the server shows the port it uses, e.g. "
	  "\"port 2222\". The target also connects to the source's port to pull the mail. A "
	  "wrong port fails at the first connection (connection refused or a time-out), before "
	  "anything changes." },
	{ "user",
	  "The account mailshift logs in as by SSH. Leave it empty for root: the steps stop "
	  "services, restore databases and change owners, so they run as root, and sudo for "
	  "another user is not built yet. The target also logs in to the source as this user, "
	  "with a one-off key that mailshift removes at the end. If root may not log in (`sshd -T "
	  "| grep permitrootlogin` on the server says no), set PermitRootLogin prohibit-password "
	  "in /etc/ssh/sshd_config and reload sshd: root with keys only. Another user fails at "
	  "pre-flight with \"mailshift runs its commands as root\"." },
	{ "identity",
	  "The private key file mailshift logs in with, on this machine (not on the server), "
	  "e.g. /root/.ssh/id_ed25519. Left empty, mailshift tries your ssh-agent, then the keys "
	  "in ~/.ssh (id_ed25519, id_ecdsa, id_rsa), then a password it asks for. The server must "
	  "hold the matching public key (the line of the .pub file) in the user's "
	  "~/.ssh/authorized_keys, for root /root/.ssh/authorized_keys; `ssh -i FILE root@HOST "
	  "true` proves it. A key's passphrase is asked for when mailshift connects. A wrong key ends in "
	  "\"cannot log in\", naming what was tried, before anything changes." },
	{ "known_hosts",
	  "The file on this machine with the servers' host keys, which prove you reach the real "
	  "server and not an impostor. Left empty it is ~/.ssh/known_hosts, where ssh records a "
	  "host the first time you answer yes. A host not in the file is shown with its SHA256 "
	  "fingerprint for you to accept or refuse: compare it with `ssh-keygen -lf "
	  "/etc/ssh/ssh_host_ed25519_key.pub` (the .pub of the type shown) on the server's own "
	  "console. A key that changed is always refused, as ssh does; if the server was "
	  "reinstalled, delete its old line with `ssh-keygen -R HOST`." },
	{ "password",
	  "The SSH password of the user above, for a server that takes no key. Better left out: "
	  "mailshift asks for it when it connects and keeps it in memory only. In an answers "
	  "file it requires the file to be readable by you alone (chmod 600 FILE), or the file "
	  "is refused; the wizard never writes it back, and no runbook, journal or log holds it. "
	  "A key (identity) is safer. The servers need no password between them: the target "
	  "gets a one-off key of its own." },
	{ "vmail_dir",
	  "The mail store: the folder that holds every mailbox, at the same path on both "
	  "servers. iRedMail's default is /var/vmail, with the mailboxes in vmail1/ and the "
	  "sieve/ and public/ folders beside it: `ls /var/vmail` shows them, `du -sh /var/vmail` "
	  "how much mail there is to copy. If it was put elsewhere, `doveadm user -f home "
	  "USER@DOMAIN` shows a mailbox's folder: the store is the part before vmail1/. A wrong "
	  "path copies the wrong tree or nothing; pre-flight stops when a server has no such "
	  "folder." },
	{ "dkim_dir",
	  "The folder of the DKIM keys, the private keys that sign outgoing mail (one "
	  "DOMAIN.pem per domain), at the same path on both servers. iRedMail's default is "
	  "/var/lib/dkim: `ls -l /var/lib/dkim` lists the keys, and `grep -r dkim_key "
	  "/etc/amavis*` shows the files Amavis signs with. The keys move as they are, so the "
	  "DKIM records in your DNS stay right. A wrong folder moves no keys: the new server "
	  "signs with its own, which your DNS does not publish, and receivers see failed DKIM "
	  "signatures." },
	{ "roundcube_dir",
	  "Where Roundcube, the webmail, is installed, at the same path on both servers. "
	  "iRedMail's default is /opt/www/roundcubemail, a link to the versioned folder "
	  "(`ls -l /opt/www` shows it). If it is elsewhere, `find /opt /var/www /usr/share -path "
	  "'*/program/include/iniset.php'` finds it: the folder above program/. mailshift reads "
	  "the version there, brings the source's config/config.inc.php for review, and "
	  "upgrades this tree when roundcube_release is set. A wrong path shows \"Roundcube not "
	  "found\" at pre-flight and leaves the webmail's settings out of the review." },
	{ "roundcube_release",
	  "Set it only to upgrade Roundcube on the source before the move, so that its database "
	  "fits the newer Roundcube the target runs. It is the folder on the source where you "
	  "unpacked the newer release from roundcube.net, e.g. /root/roundcubemail-1.6.9 (it "
	  "holds bin/installto.sh). mailshift saves the old tree, lets the web server user write "
	  "it for the upgrade alone, runs installto.sh, then puts back the exact owners and "
	  "modes. Pre-flight prints both servers' Roundcube versions: compare them. Left empty "
	  "there is no upgrade, and different versions may leave the target's webmail with an "
	  "older database." },
	{ "installer_dir",
	  "The folder on the target where the iRedMail installer of the source's version is "
	  "unpacked, e.g. /root/iRedMail-1.8.1 (it holds iRedMail.sh and pkgs/); `head -n 1 "
	  "/etc/iredmail-release` on the source gives the version. An older installer cannot "
	  "download some of its files any more, and stops. Set, mailshift lists each missing or "
	  "damaged file of pkgs/pkgs.sha256 (older: pkgs/MD5.misc) with its URL and the folder it "
	  "goes in, pkgs/misc/. Left empty, nothing is checked. The check changes nothing and "
	  "only warns." },
	{ "carry_config",
	  "Configuration files the target takes over from the source as they are, separated by "
	  "spaces, e.g. /etc/postfix/header_checks /etc/postfix/helo_access.pcre. Leave it empty at "
	  "first: the config step shows each file that differs, as a diff with passwords masked, "
	  "and you choose after reading it. Only files under what that step archives can be "
	  "carried (Postfix, Dovecot, Amavis, iRedAPD, fail2ban, SpamAssassin, nginx, Roundcube's "
	  "config.inc.php). The target's own copy is saved first. Never carry files with the "
	  "target's own passwords (such as /etc/postfix/mysql/ or /etc/dovecot/dovecot-mysql.conf): its services "
	  "would fail to log in." },
	{ "ldap_suffix",
	  "For the openldap backend only: the root of your LDAP directory, e.g. "
	  "dc=example,dc=com. Leave it empty: mailshift reads the suffix line of slapd.conf "
	  "(/etc/ldap or /etc/openldap), or slapd's cn=config. To see it yourself: `grep "
	  "^suffix /etc/ldap/slapd.conf /etc/openldap/slapd.conf`. Set it only when a step says "
	  "\"cannot find the LDAP suffix\". A wrong suffix finds no accounts to move; "
	  "pre-flight's account count shows it." },
	{ "backup_dir",
	  "A folder on both servers where mailshift keeps what it saves: the source's database "
	  "dumps (dump/) and configuration, and the target's own state before it is replaced "
	  "(target-before/), so a change can be undone by hand. The default is "
	  "/var/backups/mailshift, made mode 0700, for root only. It needs room for the "
	  "compressed dumps: `du -sh /var/lib/mysql` (or /var/lib/postgresql, /var/lib/ldap) "
	  "gives an idea, `df -h /var/backups` the room there. Keep it until the new server has "
	  "run well for a while: it is your way back." },
	{ "two_phase_sync",
	  "yes (the default): the mail is copied twice. First a bulk copy while the old server "
	  "still serves users, which may take hours (`du -sh /var/vmail` on the source gives the "
	  "size); then, in the downtime window, a final copy of only what changed, in minutes. "
	  "no: one copy, in the downtime window, so mail is down for as long as the whole copy "
	  "takes. Say no only for a small mail store. Either way no message is lost: the final "
	  "copy runs with the mail services stopped." },
	{ "relay_during_cutover",
	  "yes (the default): once the verify step passed, the old server's Postfix passes all "
	  "mail for your domains to the new server. Senders that still use the old MX record "
	  "(until its TTL runs out everywhere) then reach the new mailboxes. The old server must "
	  "reach the new one on port 25, by the target's host name. no: the old server stays "
	  "stopped; senders retry for days, so mail comes late but is not lost if you change the "
	  "MX record soon; the mail the old server had queued is handed to the new one either "
	  "way. To undo the relay, main.cf and master.cf are saved as "
	  "/etc/postfix/main.cf.mailshift-before and master.cf.mailshift-before." },
	{ "overwrite_target",
	  "no (the default): pre-flight refuses a target that already went live (an earlier "
	  "mailshift run started its mail services) or that holds accounts the source lacks, "
	  "before anything changes: a migration replaces the target's accounts and makes its "
	  "mail as the source's, so those accounts and the mail its users received would be "
	  "lost. yes: you mean it (the right server, a rehearsal to run again): mailshift goes "
	  "on. The target's databases and directory are saved fresh before each replacement "
	  "(target-last/; the first state stays in target-before/), and every file the final "
	  "copy deletes or replaces is kept under deleted/ in the backup directory." },
	{ "clean_source",
	  "no (the default): the copies mailshift made on the old server stay in its backup "
	  "directory: the database dumps (dump/: password hashes, service credentials) and the "
	  "configuration archives (source-config.tar.gz, roundcube-before-upgrade.tar.gz). yes: "
	  "the last step, clean-source, removes them after the cutover (a destructive action, "
	  "confirmed): the old server keeps its live databases and files, and the new server "
	  "keeps its copies and its own saved state. Say yes when the old server goes to "
	  "someone else, or was compromised. At the end of every run mailshift lists what "
	  "holds secrets on each server." },
	{ "cutover",
	  "mx (the default): at the cutover you point the MX records (or the A records they "
	  "name) of your domains at the new server; the old one relays until the old TTL has "
	  "passed. ip: the new server takes over the old one's IP address instead, so DNS stays "
	  "as it is: the old server gives the address up (its interface configuration), the new "
	  "one takes it (its own, and Postfix's inet_interfaces, mynetworks and myhostname if "
	  "they name it); the PTR record and SPF stay. mailshift reaches the old server by that "
	  "address, so with ip everything it does there (remove-key, clean-source, "
	  "decommission) runs before the cutover, which is then the last step." },
	{ "secondary_mx",
	  "When the downtime window cannot be short: the host name of a mail server that "
	  "queues your domains' mail meanwhile, e.g. backup-mx.example.org. Before the window "
	  "(a TTL ahead) add an MX record of lower priority (a higher number) pointing at it, "
	  "and make it queue for your domains (Postfix: relay_domains with them, no transport; "
	  "or sendmail's equivalent). The window's first step lists this, and the cutover says "
	  "when to flush its queue to the new server and take the record away. Left empty, "
	  "senders' own servers hold the mail and retry." },
	{ "wipe_source",
	  "no (the default): the decommission step, the last, only lists what still holds data "
	  "and secrets on the old server (mail, dumps, DKIM keys, databases, /etc/shadow, host "
	  "and TLS keys), with sizes, for you to handle. yes: it then also removes the mail "
	  "(each storage root's contents) and mailshift's dumps there: a destructive action, "
	  "refused unless verify passed on the current census and the cutover step ran, and "
	  "confirmed only by typing the old server's host name. Say yes when the old server "
	  "goes back to a provider or to someone else. Not with cutover = ip." },
	{ "wipe_source_confirm",
	  "Only for a headless run with --yes and wipe_source = yes: the old server's host name "
	  "exactly as [source] host says it, typed here as the confirmation the wizard asks for. "
	  "Without it (or with another name) mailshift --yes refuses to start (exit 2). The "
	  "wizard ignores it and asks you to type the name." },
	{ "users_uid_min",
	  "For a server whose mailboxes are Unix accounts (postfix-dovecot, sendmail-mbox): the "
	  "lowest user id of the real users to move to the new server. Left empty it is UID_MIN "
	  "of the old server's /etc/login.defs (`grep UID_MIN /etc/login.defs`), 1000 when that "
	  "file has none; old Red Hat systems say 500. Every account below it is the system's "
	  "and stays. Too low, and system accounts the new server has with other ids are "
	  "reported as conflicts; too high, and real users are left behind." },
	{ "users_uid_max",
	  "For a server whose mailboxes are Unix accounts: the highest user id to move. Left "
	  "empty it is just below the old server's nobody account (`id -u nobody`, usually "
	  "65534; on old Red Hat nobody is 99 and nfsnobody 65534, the higher one counts), so "
	  "65533 when there is none. Accounts above it stay behind. Set it with users_uid_min "
	  "to move one block of ids, e.g. 2000 to 2999." },
	{ "users_domain",
	  "For a move of Unix accounts (postfix-dovecot, sendmail-mbox) into iRedMail: the mail "
	  "domain each user becomes a mailbox of, alice becoming alice@DOMAIN, e.g. example.com. "
	  "The domain must exist on the new iRedMail server already (add it in iRedAdmin first). "
	  "Left empty it is the new server's only domain; with several, pre-flight stops and names "
	  "them. Use the domain your users' addresses have now, or their mail is relayed to "
	  "addresses that do not exist." },
};

const char *answers_explain(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof explained / sizeof *explained; i++)
		if (strcmp(explained[i].name, name) == 0)
			return explained[i].text;
	return NULL;
}
