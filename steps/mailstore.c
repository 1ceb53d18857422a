/* The mail store: a bulk copy while the old server is live, a final copy in
 * the downtime window, and the owners the target's Dovecot expects. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

/* The target pulls the source's mail store into the same path.  While the
 * server is live, Dovecot renames and expunges files under rsync's feet:
 * exit 24 ("some files vanished") is expected then, and the final copy
 * takes what the bulk copy missed.
 *
 * --info=progress2 reports the whole transfer in place (bytes, percent,
 * rate, time left; a '\r'-ended SINK_PROGRESS line, shown by the console
 * and the wizard, never logged; the runbook's replay shows it too).
 * --no-inc-recursive: rsync lists the whole tree before it copies, so the
 * percentage and the time left are of the whole store from the start (with
 * incremental recursion the total grows as folders are found: the
 * percentage goes backwards and the time left means nothing for hours),
 * and -H knows every hard link (Dovecot links a copied message into the
 * other folder) before it copies one, instead of sending a linked message
 * again when its other name turns up later.  The cost is the file list in memory on
 * both servers, about 100 bytes a file (100 MB for a million messages), and
 * copying starts after listing; both are small beside the copy itself. */
static void add_sync(struct plan_step *ps, const struct answers *a, int live, const char *note)
{
	char *ssh = steps_ssh_cmd(a), *src = steps_source_path(a, a->opt.vmail_dir);

	plan_add(ps, HOST_TARGET, ACT_DESTRUCTIVE, note,
	         "rsync -aHAXs --numeric-ids --no-inc-recursive --info=progress2 --stats -e %q -- %q/ %q/%s",
	         ssh, src, a->opt.vmail_dir,
	         live ? " || { rc=$?; [ \"$rc\" = 24 ] || exit \"$rc\"; "
	                "echo 'some files vanished while copying (mail changes while live): the final copy takes them'; }"
	              : "");
	free(ssh);
	free(src);
}

static int two_phase(const struct answers *a)
{
	return steps_is_iredmail(a) && a->opt.two_phase_sync;
}

static void plan_bulk(const struct answers *a, struct plan_step *ps)
{
	add_sync(ps, a, 1, "copies every mailbox to the target (adds and updates, deletes nothing)");
}

const struct step step_mailstore_bulk = {
	.id = "mailstore-bulk",
	.title = "Copy the mail store while the old server is live",
	.why = "Copying all the mail is the longest part of a migration (a day for a "
	       "large server in the seed paper), so it runs first, while the old server "
	       "still serves users. The target pulls the mail store from the source with "
	       "rsync (directly, with the one-off key) into the same path, keeping hard "
	       "links, ACLs, extended attributes, numeric owners and the Maildir file "
	       "names (which carry each message's flags); it deletes nothing. The "
	       "final copy in the downtime window then only moves what changed, which "
	       "takes minutes.",
	.applies = two_phase,
	.plan = plan_bulk,
};

static void plan_final(const struct answers *a, struct plan_step *ps)
{
	char *ssh = steps_ssh_cmd(a), *src = steps_source_path(a, a->opt.vmail_dir);

	plan_add(ps, HOST_SOURCE, 0, "the source's mail services are stopped (nothing can change)",
	         "%s", steps_source_stopped_check);
	add_sync(ps, a, 0, "copies what changed since the bulk copy");
	/* The mailbox folders to prune are the source's: a folder only the
	 * target has is left alone, as before the migration. */
	plan_capture(ps, HOST_SOURCE, 0, "folders", "lists the source's mailbox folders (vmail1, ...)",
	             "cd -- %q\n"
	             "for n in vmail[0-9]*; do\n"
	             "  if [ -d \"$n\" ]; then printf '%%s\\n' \"$n\"; fi\n"
	             "done",
	             a->opt.vmail_dir);
	plan_feed(ps, HOST_TARGET, ACT_DESTRUCTIVE, "folders",
	          "removes from the target's mailboxes the messages deleted on the source meanwhile",
	          "v=%q\n"
	          "n=0\n"
	          "while IFS= read -r d; do\n"
	          "  case $d in vmail[0-9]*) ;; *) continue ;; esac\n"
	          "  case $d in */*) echo \"not a folder name: $d\" >&2; exit 1 ;; esac\n"
	          "  rsync -aHAXs --numeric-ids --delete-after --stats -e %q -- %q/\"$d/\" \"$v/$d/\"\n"
	          "  n=$((n + 1))\n"
	          "done\n"
	          "echo \"$n mailbox folder(s) now as on the source\"",
	          a->opt.vmail_dir, ssh, src);
	free(ssh);
	free(src);
}

const struct step step_mailstore_final = {
	.id = "mailstore-final",
	.title = "Final copy of the mail store",
	.why = "With the old server's mail services stopped, no message can arrive or "
	       "change, so this copy is complete: it moves what changed since the bulk "
	       "copy and, inside the mailbox folders (vmail1, ...), removes from the "
	       "target what users deleted on the source meanwhile, so deleted mail does "
	       "not come back. Nothing outside the mailbox folders is deleted.",
	.flags = STEP_DOWNTIME,
	.applies = steps_is_iredmail,
	.plan = plan_final,
};

static void plan_chown(const struct answers *a, struct plan_step *ps)
{
	plan_add(ps, HOST_TARGET, 0, "vmail owns the mailboxes; modes as iRedMail sets them",
	         "v=%q\n"
	         "chown root:root -- \"$v\" && chmod 0755 -- \"$v\"\n"
	         "for d in \"$v\"/vmail[0-9]* \"$v/sieve\" \"$v/public\"; do\n"
	         "  [ -d \"$d\" ] || continue\n"
	         "  chown -R vmail:vmail -- \"$d\" && chmod 0700 -- \"$d\" && echo \"vmail:vmail 0700 $d\"\n"
	         "done",
	         a->opt.vmail_dir);
}

const struct step step_chown = {
	.id = "chown",
	.title = "Give the mail to the vmail user",
	.why = "Dovecot reads and writes the mail as the vmail user (uid 2000 in "
	       "iRedMail). After the copy every mailbox, the sieve scripts and the "
	       "public folders must belong to vmail:vmail with mode 0700, and the store "
	       "itself to root with mode 0755, or users see empty or unreadable mailboxes.",
	.flags = STEP_DOWNTIME,
	.applies = steps_is_iredmail,
	.plan = plan_chown,
};
