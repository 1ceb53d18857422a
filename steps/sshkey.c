/* The one-off key the target uses to pull from the source: created on the
 * target, authorized on the source with a marking comment, and taken away
 * again at the end.  The old server never gets a key to the new one. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

/* The comment that marks mailshift's line in the source's authorized_keys:
 * "mailshift-migration USER@TARGET" (the answers' user and host are
 * validated: no blanks).  The last field of the line, so it is found
 * exactly, and the same on every run for the same target. */
static char *marker(const struct answers *a)
{
	return xasprintf("mailshift-migration %s@%s", a->target.user, a->target.host);
}

/* The source's name as the target dials it, as ssh looks it up in
 * known_hosts: HOST, or [HOST]:PORT off port 22. */
static char *known_name(const struct answers *a)
{
	if (a->source.port == 22)
		return xstrdup(a->source.host);
	return xasprintf("[%s]:%u", a->source.host, a->source.port);
}

static void plan_key(const struct answers *a, struct plan_step *ps)
{
	char *m = marker(a), *name = known_name(a);
	char *ssh = steps_ssh_cmd(a), *login = steps_source_login(a);

	plan_add(ps, HOST_TARGET, 0, "creates a one-off SSH key on the target (an earlier run's is kept)",
	         "k=%q\n"
	         "mkdir -p -m 0700 -- \"${k%%/*}\"\n"
	         "if [ -e \"$k\" ] || [ -e \"$k.pub\" ]; then\n"
	         "  { [ -f \"$k\" ] && [ -f \"$k.pub\" ]; } || { echo \"$k or $k.pub is missing: remove what is left "
	         "of the pair and run this step again\" >&2; exit 1; }\n"
	         "  echo \"keeping the key of an earlier run: $k\"\n"
	         "else\n"
	         "  ssh-keygen -q -t ed25519 -N \"\" -C %q -f \"$k\"\n"
	         "  echo \"created $k\"\n"
	         "fi",
	         STEPS_KEY, m);
	plan_capture(ps, HOST_TARGET, 0, "pubkey", "reads its public key",
	             "cat -- %q", STEPS_KEY ".pub");
	plan_feed(ps, HOST_SOURCE, 0, "pubkey",
	          "authorizes it on the source, marked, without forwarding or terminal (once)",
	          "m=%q\n"
	          "read -r type blob _ || { echo 'no public key came from the target' >&2; exit 1; }\n"
	          "case $type in ssh-ed25519) ;; *) echo \"not an ed25519 public key: $type\" >&2; exit 1 ;; esac\n"
	          "case $blob in ''|*[!A-Za-z0-9+/=]*) echo 'not a public key' >&2; exit 1 ;; esac\n"
	          "line=\"no-agent-forwarding,no-port-forwarding,no-X11-forwarding,no-pty $type $blob $m\"\n"
	          "f=\"$HOME/.ssh/authorized_keys\"\n"
	          "mkdir -p -m 0700 -- \"$HOME/.ssh\"\n"
	          "if [ -f \"$f\" ] && grep -qxF -- \"$line\" \"$f\"; then echo \"already authorized in $f\"; exit 0; fi\n"
	          "if [ -s \"$f\" ] && [ -n \"$(tail -c 1 -- \"$f\")\" ]; then echo >> \"$f\"; fi\n"
	          "printf '%%s\\n' \"$line\" >> \"$f\"\n"
	          "echo \"authorized in $f, marked \\\"$m\\\"\"",
	          m);
	plan_capture(ps, HOST_SOURCE, 0, "hostkeys",
	             "reads the source's host keys (over this connection, whose host key was checked)",
	             "cat /etc/ssh/ssh_host_*_key.pub");
	plan_feed(ps, HOST_TARGET, 0, "hostkeys",
	          "gives the target the source's host keys, in a known_hosts file of its own",
	          "n=%q; f=%q\n"
	          ": > \"$f.part\"\n"
	          "while read -r type blob _; do\n"
	          "  case $type in ssh-*|ecdsa-*|sk-*) ;; *) echo \"not a host key type: $type\" >&2; exit 1 ;; esac\n"
	          "  case $blob in ''|*[!A-Za-z0-9+/=]*) echo 'not a host key' >&2; exit 1 ;; esac\n"
	          "  printf '%%s %%s %%s\\n' \"$n\" \"$type\" \"$blob\" >> \"$f.part\"\n"
	          "done\n"
	          "[ -s \"$f.part\" ] || { echo 'no host key came from the source' >&2; exit 1; }\n"
	          "mv -f -- \"$f.part\" \"$f\"\n"
	          "echo \"the target knows the source as $n by $(wc -l < \"$f\") host key(s), in $f\"",
	          name, STEPS_KNOWN_HOSTS);
	plan_add(ps, HOST_TARGET, 0, "the target logs in to the source with the key (host key checked)",
	         "%s %q true && echo 'the target reaches the source over SSH with the one-off key'", ssh, login);
	free(m);
	free(name);
	free(ssh);
	free(login);
}

const struct step step_migration_key = {
	.id = "migration-key",
	.title = "Let the target reach the source with a one-off key",
	.why = "The mail, the DKIM keys, the configuration and the database dumps travel "
	       "directly between the servers, never through your machine: the new server "
	       "pulls them from the old one with rsync over SSH. For that mailshift "
	       "creates a one-off key on the target (" STEPS_KEY ", kept if an "
	       "earlier run made it), authorizes it for the source's user in its "
	       "~/.ssh/authorized_keys with a marking comment (mailshift-migration and "
	       "the target) and without agent or port forwarding or a terminal, and gives "
	       "the target the source's host keys, read over your own connection whose "
	       "host key was checked, in a file of its own (" STEPS_KNOWN_HOSTS "), "
	       "so the target checks the source's identity strictly. The old server never "
	       "gets a key to the new one. The last step, remove-key, takes all of it away.",
	.applies = steps_is_iredmail,
	.plan = plan_key,
};

static void plan_remove(const struct answers *a, struct plan_step *ps)
{
	char *m = marker(a), *ssh = steps_ssh_cmd(a), *login = steps_source_login(a);

	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE,
	         "removes the key's marked line from the source's authorized_keys (nothing else)",
	         "m=%q\n"
	         "f=\"$HOME/.ssh/authorized_keys\"\n"
	         "[ -f \"$f\" ] || { echo \"no $f: nothing to remove\"; exit 0; }\n"
	         "# the lines whose last field is the marker (want=1), or all the others (want=0)\n"
	         "marked() {\n"
	         "  M=\" $m\" awk -v want=\"$1\" '{ n = length(ENVIRON[\"M\"]); "
	         "hit = length($0) >= n && substr($0, length($0) - n + 1) == ENVIRON[\"M\"] } hit == want' \"$f\"\n"
	         "}\n"
	         "n=$(marked 1 | wc -l)\n"
	         "[ \"$n\" -gt 0 ] || { echo \"no line of $f is marked \\\"$m\\\": nothing to remove\"; exit 0; }\n"
	         "# the rest goes to a file beside it, with its mode and owner, then\n"
	         "# replaces it in one rename: a full disk cannot leave it cut short\n"
	         "new=\"$f.mailshift-new\"\n"
	         "marked 0 > \"$new\" && chmod --reference=\"$f\" -- \"$new\" && chown --reference=\"$f\" -- \"$new\" "
	         "|| { rm -f -- \"$new\"; echo \"cannot write $new: $f is unchanged\" >&2; exit 1; }\n"
	         "mv -f -- \"$new\" \"$f\"\n"
	         "echo \"removed $n line(s) marked \\\"$m\\\" from $f\"",
	         m);
	plan_add(ps, HOST_TARGET, 0, "the source refuses the key now",
	         "k=%q\n"
	         "[ -f \"$k\" ] || { echo \"no $k on the target: nothing to check\"; exit 0; }\n"
	         "if %s %q true 2>/dev/null; then echo 'the one-off key still opens the source: "
	         "look for its line in authorized_keys there' >&2; exit 1; fi\n"
	         "echo 'the source refuses the one-off key'",
	         STEPS_KEY, ssh, login);
	plan_add(ps, HOST_TARGET, ACT_DESTRUCTIVE, "deletes the key pair and the source's host keys file on the target",
	         "for f in %q %q %q %q; do\n"
	         "  if [ -e \"$f\" ]; then rm -f -- \"$f\"; echo \"deleted $f\"; fi\n"
	         "done",
	         STEPS_KEY, STEPS_KEY ".pub", STEPS_KNOWN_HOSTS, STEPS_KNOWN_HOSTS ".part");
	free(m);
	free(ssh);
	free(login);
}

const struct step step_remove_key = {
	.id = "remove-key",
	.title = "Remove the one-off key",
	.why = "The target no longer needs to reach the source. mailshift removes from "
	       "the source's authorized_keys the line it added, found by its marking "
	       "comment (every other line stays as it was, and the file keeps its mode "
	       "and owner), checks that the source refuses the key, and deletes the key "
	       "pair and the source's host keys file on the target. If a run stops "
	       "earlier (a failed or refused step), the key stays authorized until this "
	       "step runs: resume the run, or run it alone with the runbook's --only "
	       "remove-key.",
	.applies = steps_is_iredmail,
	.plan = plan_remove,
};
