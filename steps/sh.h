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
extern const char steps_sh_relay_sendmail[]; /* the same for an old sendmail: mailertable, MAIL_HUB, its queue */
extern const char steps_awk_sendmail_domains[]; /* a sendmail's mail domains, from its local-host-names */
extern const char steps_sh_relay_allow[];    /* the new server takes the relayed mail past its policy checks */
extern const char steps_sh_authkey[];         /* the one-off key in the source's authorized_keys: add, narrow, remove */
extern const char steps_sh_gate[];            /* the key's forced command there: rsync reading, nothing else */
extern const char steps_sh_stopped[];        /* nothing on the source can change its mail (the window) */

/* steps/preflight.c, steps/carry.c (Roundcube, DKIM), steps/databases.c (LDAP accounts) */
extern const char steps_sh_preflight_host[];          /* root, bash, systemd, the backend's iRedMail edition */
extern const char steps_sh_preflight_rsync[];         /* rsync installed where it is missing */
extern const char steps_sh_preflight_rsync_version[]; /* the target's rsync is 3.1 or newer */
extern const char steps_sh_preflight_tools[];         /* the tools the migration uses are there */
extern const char steps_sh_preflight_versions[];      /* this server's Dovecot and Roundcube versions */
extern const char steps_sh_preflight_release[];       /* both run the same iRedMail version (on the target) */
extern const char steps_sh_preflight_vmail_ids[];     /* vmail has the same uid:gid on both (on the target) */
extern const char steps_sh_preflight_mail_bytes[];    /* the source's mail, in bytes */
extern const char steps_sh_preflight_room[];          /* the target has room for it */
extern const char steps_sh_installer_files[];         /* the installer's missing or damaged files, with their URLs */
extern const char steps_sh_roundcube_ready[];         /* installto.sh, rsync and PHP with system() are there */
extern const char steps_sh_roundcube_save[];          /* the tree and its owners and modes, saved */
extern const char steps_sh_roundcube_restore[];       /* the saved owners and modes put back */
extern const char steps_sh_roundcube_prove[];         /* nothing world-writable anew, every owner and mode back */
extern const char steps_sh_accounts_export[];         /* the source's directory exported with slapcat */
extern const char steps_sh_accounts_save[];           /* the suffixes match; the target's directory saved */
extern const char steps_sh_accounts_replace[];        /* the target's directory replaced with the source's */
extern const char steps_awk_accounts_passwords[];     /* the LDIF to load, the service accounts' passwords kept */
extern const char steps_sh_dkim_save[];               /* the target's own DKIM keys saved */
extern const char steps_sh_dkim_copy[];               /* the source's keys pulled to the target */
extern const char steps_sh_dkim_own[];                /* amavis owns the keys: directory 0700, keys 0400 */
extern const char steps_sh_dkim_compare[];            /* the target's keys are the source's, by fingerprint */

/* The fragments of verify.c, carry.c (config), sshkey.c, window.c, census.c,
 * databases.c (their long commands, as shell). */
extern const char steps_sh_verify_list[];        /* verify: an inventory on the source, into a file for the target */
extern const char steps_sh_verify_compare[];     /* verify: the target's inventory against the source's, line by line */
extern const char steps_awk_verify_dkim[];       /* verify: the DKIM inventory's figure */
extern const char steps_awk_verify_inventory[];  /* verify: the databases' and directory's inventory's figures */
extern const char steps_sh_verify_dkim_owners[]; /* verify: every DKIM key is amavis's, 0400 */
extern const char steps_sh_test_message[];       /* test: a message through the target's MTA, or from the old server, arrives */
extern const char steps_sh_test_inbound[];      /* the old server sends the new one a message over SMTP */
extern const char steps_sh_test_sender[];       /* test: the throwaway mailbox an iRedMail target's test sends from */
extern const char steps_sh_test_outbound[];     /* test: a user's message through port 587 with SASL, signed with DKIM */
extern const char steps_sh_test_dkim_source[];  /* test: the key that signed it is one of the old server's */
extern const char steps_pl_dkim_verify[];       /* (perl) a message's DKIM signature against the key files, no DNS */
extern const char steps_sh_test_remove[];        /* test: the recorded test messages removed */
extern const char steps_sh_config_archive[];     /* config: the source's mail configuration archived */
extern const char steps_sh_config_diff[];        /* config: unpacked on the target, each file that differs shown */
extern const char steps_sh_config_carry[];       /* config: the carry_config files put in place */
extern const char steps_sh_sshkey_create[];      /* migration-key: the one-off key pair on the target */
extern const char steps_sh_sshkey_hosts[];       /* migration-key: the source's host keys, the target's own file */
extern const char steps_sh_services_stop[];      /* stop-services: the mail daemons stopped, each recorded */
extern const char steps_sh_services_start[];     /* start-services: the databases, then those daemons started */
extern const char steps_sh_decom_list[];        /* decommission: what still holds data and secrets on the source */
extern const char steps_sh_decom_wipe[];        /* decommission: the source's mail data wiped (wipe_source) */
extern const char steps_sh_cleanup_source[];     /* clean-source: the source's copies that hold secrets removed */
extern const char steps_sh_census_fetch[];       /* census: the source's census, accounts and roots, on the target */
extern const char steps_sh_census_verified[];    /* verify: the source records that verify passed on its census */
extern const char steps_sh_relay_from[];         /* relay, old-queue: the source's own addresses */
extern const char steps_sh_databases_dump[];     /* databases, accounts: each database dumped, compressed */

/* steps/census.c: the Dovecot census of an mbox store (or a Maildir), mbox -> Maildir */
extern const char steps_sh_mbox_lib[];              /* ms_names, ms_namespace, ms_separator, ms_dovecot_list */
extern const char steps_sh_census_mbox[];           /* every user's mail as this host's Dovecot shows it */
extern const char steps_awk_census_mbox[];
extern const char steps_sh_census_mbox_compare[];   /* two such censuses, line for line */
extern const char steps_awk_census_mbox_compare[];
extern const char steps_sh_mbox_maildir[];          /* each user's mbox into the Maildir, with dsync */
extern const char steps_sh_preflight_web[];         /* the source's web tree and CGI directories, for review */
extern const char steps_sh_import[];                /* into iRedMail: each user's copied mail into its mailbox, with dsync */

/* steps/users.c: the system users, on the target */
extern const char steps_sh_users_pull[];     /* the source's passwd, shadow, group, gshadow, login.defs fetched */
extern const char steps_sh_users_accept[];   /* the real users and their groups chosen, every line checked */
extern const char steps_awk_users[];
extern const char steps_sh_users_hashes[];   /* this server's crypt verifies every kind of hash moved */
extern const char steps_sh_users_create[];   /* conflicts refused, then the groups and users created */
extern const char steps_awk_users_target[];

/* steps/databases.c (steps_ldap_suffix_cmd), steps/carry.c and steps/verify.c */
extern const char steps_sh_ldap_suffix[];       /* LDAP: slapd's config file (conf) and the suffix */
extern const char steps_sh_dkim_fingerprints[]; /* in the DKIM directory: each key and its public half's digest */

/* steps/preflight.c: the system-user stacks' checks */
extern const char steps_sh_preflight_stack[];            /* root, bash, systemd, the stack's MTA and Dovecot */
extern const char steps_sh_preflight_domains[];          /* the target takes mail for the source's domains */
extern const char steps_sh_preflight_pop3[];             /* this server's POP3 and pop3_uidl_format */
extern const char steps_sh_preflight_pop3_compare[];     /* the target's against the source's */
extern const char steps_sh_preflight_packages[];         /* this server's mail-related packages */
extern const char steps_sh_preflight_packages_compare[]; /* the source's the target lacks, named */
/* steps/aliases.c: the aliases, on the target */
extern const char steps_sh_aliases_pull[];   /* the source's aliases file fetched through the gate */
extern const char steps_sh_aliases_accept[]; /* every entry checked, a bad one named by its line */
extern const char steps_awk_aliases[];
extern const char steps_sh_aliases_merge[];  /* merged into the target's, conflicts listed; newaliases */
/* system users -> iRedMail (issue 15): on the iRedMail target, not wired yet */
extern const char steps_sh_irm_lib[];          /* the vmail database or the directory: read, domains, addresses, load */
extern const char steps_awk_irm_lib[];         /* SQL and LDIF quoting, UTF-8, iRedMail's hashed maildir */
extern const char steps_sh_irm_accounts[];     /* each real user a mailbox, {CRYPT} hash kept; conflicts refused */
extern const char steps_awk_irm_accounts[];
extern const char steps_sh_irm_forwardings[];  /* aliases and .forward as aliases and forwardings; by-hand list */
extern const char steps_awk_irm_forwardings[];

#endif
