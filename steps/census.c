/* Discovery and the census: the ground truth of "nothing lost" is the
 * source's accounts, as its account backend lists them and its own Dovecot
 * resolves them (steps/sh/discover.sh), never the paths mailshift assumes.
 * Pre-flight discovers them and every storage root their mail lives in; the
 * census step counts every account's mail on the source once nothing can
 * change (steps/sh/census.sh); verify counts the target the same way and
 * compares (census-compare.sh); the test step asks the new server's own
 * Dovecot (census-dovecot.sh).  The target fetches the source's census
 * (census-fetch.sh); the source records that verify passed on it
 * (census-verified.sh). */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* Appends "name=VALUE\n" (or a here-document), through the one quoting helper. */
static void var(struct buf *b, const char *name, const char *value)
{
	shell_assign_into(b, name, value);
}

char *steps_fragment(const char *const *vars, const char *body)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; vars && vars[i]; i += 2)
		var(&b, vars[i], vars[i + 1]);
	buf_adds(&b, body);
	return buf_steal(&b);
}

char *steps_script(const struct answers *a, const char *const *vars, const char *body)
{
	struct buf b = {0};
	size_t i;

	var(&b, "b", a->opt.backup_dir);
	for (i = 0; vars && vars[i]; i += 2)
		var(&b, vars[i], vars[i + 1]);
	buf_adds(&b, steps_sh_lib);
	buf_adds(&b, body);
	return buf_steal(&b);
}

/* steps_script for the target, with lib-target.sh (the pull, the checks of
 * what the source sends; they need vmail, the mail store): the source never
 * gets that text. */
char *steps_target_script(const struct answers *a, const char *const *vars, const char *body)
{
	struct buf full = {0};
	char *s, *into = steps_import_dir(a);

	var(&full, "vmail", steps_vmail(a));
	var(&full, "into", into);
	free(into);
	buf_adds(&full, steps_sh_lib_target);
	buf_adds(&full, body);
	s = steps_script(a, vars, full.s);
	buf_free(&full);
	return s;
}

const char *steps_backend_word(const struct answers *a)
{
	return profile_of(&a->source)->backend_word;
}

const char *steps_vmail(const struct answers *a)
{
	return profile_of(&a->source)->accounts == PROFILE_ACCOUNTS_SYSTEM ? "" : a->opt.vmail_dir;
}

/* discover.sh in mode full or delta (for LDAP after the text that finds
 * slapd's configuration and suffix). */
static char *discover_cmd(const struct answers *a, const char *mode)
{
	const char *vars[] = { "backend", steps_backend_word(a), "vmail", steps_vmail(a), "mode", mode, NULL };
	const char *sys[] = { "backend", "system", "vmail", "", "mode", mode,
	                      "uid_min", a->opt.users_uid_min ? a->opt.users_uid_min : "",
	                      "uid_max", a->opt.users_uid_max ? a->opt.users_uid_max : "", NULL };
	int system = profile_of(&a->source)->accounts == PROFILE_ACCOUNTS_SYSTEM;
	char *script = steps_script(a, system ? sys : vars, steps_sh_discover), *s;

	if (!steps_uses_ldap(a))
		return script;
	{
		char *env = steps_ldap_suffix_cmd(a);
		s = xasprintf("%s%s", env, script);
		free(env);
		free(script);
	}
	return s;
}

void steps_plan_discovery(struct plan_step *ps, const struct answers *a)
{
	char *cmd = discover_cmd(a, "full");

	plan_add(ps, HOST_SOURCE, 0, "finds every account and where its mail lives, as the source's own Dovecot resolves it",
	         "%s", cmd);
	free(cmd);
	cmd = steps_script(a, NULL, steps_sh_broken);
	plan_add(ps, HOST_SOURCE, ACT_ADVISORY, "lists the active accounts the source's own Dovecot cannot resolve or log in",
	         "%s", cmd);
	free(cmd);
	plan_capture(ps, HOST_SOURCE, 0, "roots", "lists the storage roots found", "cat -- %q/discovery/roots.tsv",
	             a->opt.backup_dir);
	cmd = steps_target_script(a, NULL, "ms_accept_roots\n");
	plan_feed(ps, HOST_TARGET, 0, "roots", "accepts the storage roots the copies will fill (checked here first)",
	          "%s", cmd);
	free(cmd);
}

/* The census step ---------------------------------------------------------- */

/* census.sh on one side; cache: "" (one pass over everything), "save" or
 * "use" (see census.sh). */
static char *census_cmd(const struct answers *a, const char *side, const char *cache)
{
	const char *vars[] = { "side", side, "cache", cache, "census_awk", steps_awk_census,
	                       "units_awk", steps_awk_units, NULL };

	return steps_script(a, vars, steps_sh_census);
}

/* The source keeps mbox, or its users become iRedMail mailboxes: the
 * census is each host's own Dovecot's (census-mbox.sh). */
static int mbox_source(const struct answers *a)
{
	return profile_of(&a->source)->store == PROFILE_MBOX || steps_into_iredmail(a);
}

void steps_plan_census_cache(struct plan_step *ps, const struct answers *a)
{
	char *cmd, *ssh, *origin;

	/* (an mbox census has no cache: Dovecot's own indexes are its cache) */
	if (mbox_source(a))
		return;
	ssh = steps_ssh_cmd(a);
	origin = steps_source_path(a, "");
	const char *pull[] = { "ssh", ssh, "origin", origin, NULL };

	cmd = census_cmd(a, "source", "save");
	plan_add(ps, HOST_SOURCE, 0, "counts every account's mail while live, kept for the census in the window "
	         "(only what changes meanwhile is counted again then)", "%s", cmd);
	free(cmd);
	cmd = steps_target_script(a, pull,
	                   "ms_pull \"$b/from-source\" \"$b/discovery/accounts.tsv\"\n"
	                   "ms_accept_accounts \"$b/from-source/accounts.tsv\"\n");
	plan_add(ps, HOST_TARGET, 0, "fetches the source's list of accounts", "%s", cmd);
	free(cmd);
	cmd = census_cmd(a, "target", "save");
	plan_add(ps, HOST_TARGET, 0, "counts every account's mail copied here, kept for verify", "%s", cmd);
	free(cmd);
	free(ssh);
	free(origin);
}

static void plan_census(const struct answers *a, struct plan_step *ps)
{
	char *cmd, *ssh = steps_ssh_cmd(a), *origin = steps_source_path(a, "");
	const char *pull[] = { "ssh", ssh, "origin", origin, NULL };

	plan_add(ps, HOST_SOURCE, 0, "the source's mail services are stopped (nothing can change)",
	         "%s", steps_sh_stopped);
	cmd = discover_cmd(a, "delta");
	plan_add(ps, HOST_SOURCE, 0, "finds the accounts again: those added or changed since pre-flight are resolved anew",
	         "%s", cmd);
	free(cmd);
	if (mbox_source(a)) {
		steps_plan_census_mbox(ps, a, HOST_SOURCE);
	} else {
		cmd = census_cmd(a, "source", "use");
		plan_add(ps, HOST_SOURCE, 0, "counts every account's mail: folders, messages, bytes, flags, UIDVALIDITY, UIDs",
		         "%s", cmd);
		free(cmd);
	}
	cmd = steps_target_script(a, pull, steps_sh_census_fetch);
	plan_add(ps, HOST_TARGET, 0, "fetches the source's census and its list of accounts and roots", "%s", cmd);
	free(cmd);
	free(ssh);
	free(origin);
}

const struct step step_census = {
	.id = "census",
	.title = "Count every mailbox on the source (the census)",
	.why = "With the old server's mail services stopped nothing can change, so this "
	       "is the moment to write down what must arrive: every account the account "
	       "backend lists (found again, so an account added since pre-flight is in "
	       "it), with every folder and message where the source's own Dovecot keeps "
	       "them: message counts, bytes, flags, and what mail clients key on "
	       "(UIDVALIDITY, the UIDs, the next UID, POP3 UIDLs). It is one pass over "
	       "the storage roots, however many accounts, and takes seconds. Verify "
	       "counts the target the same way after the restore and compares, account "
	       "by account and folder by folder; the new server's own Dovecot is "
	       "compared with it after the start.",
	.flags = STEP_DOWNTIME,
	.plan = plan_census,
};

/* Verify's and the test's parts --------------------------------------------- */

void steps_plan_census_compare(struct plan_step *ps, const struct answers *a)
{
	const char *compare[] = { "compare_awk", steps_awk_census_compare, NULL };
	char *cmd;

	if (mbox_source(a)) {
		steps_plan_census_mbox(ps, a, HOST_TARGET);
		return;
	}
	cmd = census_cmd(a, "target", "use");
	plan_add(ps, HOST_TARGET, 0, "counts every account's mail on the target, as the census did on the source",
	         "%s", cmd);
	free(cmd);
	cmd = steps_script(a, compare, steps_sh_census_compare);
	plan_add(ps, HOST_TARGET, 0, "every account, folder and message of the source's census is on the target, the same",
	         "%s", cmd);
	free(cmd);
}

void steps_plan_verified(struct plan_step *ps, const struct answers *a)
{
	const char *vars[] = { "b", a->opt.backup_dir, NULL };
	char *cmd;

	plan_capture(ps, HOST_TARGET, 0, "census_pass", "reads the census the comparison passed on",
	             "cat -- %q/census/verified", a->opt.backup_dir);
	cmd = steps_fragment(vars, steps_sh_census_verified);
	plan_feed(ps, HOST_SOURCE, 0, "census_pass", "records that the target passed on the current census (the relay requires it)",
	          "%s", cmd);
	free(cmd);
}

/* Shell text: fails unless the verify step passed on the source's current census. */
const char steps_verified_check[] =
	"[ -e \"$b/verified\" ] && [ \"$(cat -- \"$b/verified\")\" = \"$(sha256sum < \"$b/census/source.tsv\" | cut -c 1-64)\" ] || "
	"{ echo 'the verify step has not passed on the current census: run census and verify first' >&2; exit 1; }\n";

void steps_plan_dovecot_check(struct plan_step *ps, const struct answers *a)
{
	const char *vars[] = { "dovecot_awk", steps_awk_census_dovecot, NULL };
	char *cmd;

	/* (an mbox source's census is Dovecot's: verify compared it with the
	 * target's own Dovecot already) */
	if (mbox_source(a))
		return;
	cmd = steps_script(a, vars, steps_sh_census_dovecot);
	plan_add(ps, HOST_TARGET, 0, "the target's own Dovecot finds every account of the census and shows its messages",
	         "%s", cmd);
	free(cmd);
}

/* The Dovecot census and mbox -> Maildir ------------------------------------
 *
 * A sendmail-mbox source (INBOX in /var/mail/USER, folders in ~/mail): its
 * census is what its own Dovecot shows (steps/sh/census-mbox.sh), so the
 * mbox source and the Maildir target give lines that compare
 * (census-mbox-compare.sh); the conversion (mbox-maildir.sh, the convert
 * step) runs on the target after the homes and /var/mail were copied there,
 * with dsync (doveadm backup -R), which keeps UIDVALIDITY and the UIDs.  The
 * users are those the users step chose (its users.tsv on the target); the
 * source's census gets their names as a value (captured on the target, fed
 * to the source) and is written where the census step's fetch and the
 * relay's check read it ($b/census/source.tsv).  Dovecot writes its X-UID
 * headers and ~/mail/.imap while it counts: the census runs before the
 * final copy, which carries them. */

/* the users step's list, on the target (steps/sh/users-accept.sh) */
#define MBOX_USERS "/users/move/users.tsv"

/* steps_script with mbox-lib.sh before body */
static char *mbox_script(const struct answers *a, const char *const *vars, const char *body)
{
	char *text = xasprintf("%s%s", steps_sh_mbox_lib, body), *s;

	s = steps_script(a, vars, text);
	free(text);
	return s;
}

/* the import's map of users and addresses (steps/sh/irm-accounts.sh) */
#define IMPORT_MAP "/accounts/map.tsv"

void steps_plan_census_mbox(struct plan_step *ps, const struct answers *a, enum host side)
{
	char *users = xasprintf("%s%s", a->opt.backup_dir, steps_into_iredmail(a) ? IMPORT_MAP : MBOX_USERS), *cmd;
	char *map = steps_into_iredmail(a) ? xstrdup(users) : xstrdup("");
	char *source = xasprintf("%s/census/source.tsv", a->opt.backup_dir);

	if (side == HOST_SOURCE) {
		const char *vars[] = { "side", "source", "users", "", "census_awk", steps_awk_census_mbox,
		                       "out", source, NULL };

		plan_capture(ps, HOST_TARGET, 0, "mbox_users", "lists the users whose mail the census counts",
		             "cut -f 1 -- %q", users);
		cmd = mbox_script(a, vars, steps_sh_census_mbox);
		plan_feed(ps, HOST_SOURCE, 0, "mbox_users", "counts those users' mail as the source's own Dovecot shows it: "
		          "folders, messages, flags, UIDVALIDITY, UIDs, POP3 UIDLs, subscriptions", "%s", cmd);
		free(cmd);
	} else {
		const char *vars[] = { "side", "target", "users", users, "census_awk", steps_awk_census_mbox,
		                       "map", map, NULL };
		const char *compare[] = { "source", source, "target", "", "compare_awk", steps_awk_census_mbox_compare, NULL };

		cmd = mbox_script(a, vars, steps_sh_census_mbox);
		plan_add(ps, HOST_TARGET, 0, "counts the same users' mail as the target's own Dovecot shows it", "%s", cmd);
		free(cmd);
		cmd = steps_script(a, compare, steps_sh_census_mbox_compare);
		plan_add(ps, HOST_TARGET, 0, "every user, folder and message the source's Dovecot showed, the target's shows the same",
		         "%s", cmd);
		free(cmd);
	}
	free(source);
	free(users);
	free(map);
}

static void plan_convert(const struct answers *a, struct plan_step *ps)
{
	char *users = xasprintf("%s" MBOX_USERS, a->opt.backup_dir), *cmd;
	const char *vars[] = { "users", users, "inbox_dir", profile_of(&a->source)->store_dir, "mbox_dir", "mail",
	                       "census_awk", steps_awk_census_mbox, NULL };

	cmd = mbox_script(a, vars, steps_sh_mbox_maildir);
	plan_add(ps, HOST_TARGET, 0, "converts each user's mbox (/var/mail/USER, ~/mail) into the Maildir this "
	         "server's Dovecot gives the user, keeping UIDVALIDITY, UIDs, flags and subscriptions; the mbox stays",
	         "%s", cmd);
	free(cmd);
	free(users);
}

const struct step step_convert = {
	.id = "convert",
	.title = "Convert the mbox mail into Maildir",
	.why = "The old server keeps each user's mail as mbox files (INBOX in "
	       "/var/mail/USER, the other folders in ~/mail); the new one stores "
	       "Maildir. The copies carried the mbox files as they are; now the new "
	       "server's own Dovecot reads them and writes each user's Maildir with "
	       "dsync (doveadm backup -R), as the user, keeping what mail clients "
	       "key on: each folder's UIDVALIDITY and next UID, each message's UID, "
	       "flags and keywords, so POP3 and IMAP clients do not fetch everything "
	       "again; the subscriptions too. Each user's Maildir is compared with the "
	       "mbox after the conversion. It is safe to run again: a user already "
	       "converted is left alone, and a Maildir holding mail that is not from "
	       "the mbox stops the step before any user is converted. The mbox files "
	       "stay (the way back).",
	.flags = STEP_DOWNTIME,
	.plan = plan_convert,
};
