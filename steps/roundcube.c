/* The Roundcube upgrade on the source, so its database matches the version
 * the target runs: as root, without the seed paper's "chmod 777" or any other
 * widening of the tree, owners and modes put back exactly. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

static int has_release(const struct answers *a)
{
	return a->opt.roundcube_release != NULL;
}

static void plan_roundcube(const struct answers *a, struct plan_step *ps)
{
	const char *rc = a->opt.roundcube_dir, *rel = a->opt.roundcube_release;
	const char *bk = a->opt.backup_dir;

	plan_add(ps, HOST_SOURCE, 0, "installto.sh, rsync and PHP with system() are there",
	         "test -x %q/bin/installto.sh || { echo 'no executable bin/installto.sh in the new release' >&2; exit 1; }\n"
	         "test -d %q || { echo 'no Roundcube installed at roundcube_dir' >&2; exit 1; }\n"
	         "command -v rsync >/dev/null || { echo 'installto.sh needs rsync: install it' >&2; exit 1; }\n"
	         "command -v php >/dev/null || { echo 'installto.sh needs the PHP command line (php-cli)' >&2; exit 1; }\n"
	         "php -r 'exit(in_array(\"system\", array_map(\"trim\", explode(\",\", ini_get(\"disable_functions\")))) ? 1 : 0);' "
	         "|| { echo 'PHP system() is disabled (disable_functions in php.ini): installto.sh needs it' >&2; exit 1; }\n"
	         "echo 'ready to upgrade'",
	         rel, rc);
	plan_add(ps, HOST_SOURCE, 0, "saves the tree and its owners and modes",
	         "b=%q; d=$(readlink -f -- %q)\n"
	         "mkdir -p -m 0700 -- \"$b\"\n"
	         "if [ ! -e \"$b/roundcube-before-upgrade.tar.gz\" ]; then\n"
	         "  tar -C \"$(dirname -- \"$d\")\" -czpf \"$b/roundcube-before-upgrade.tar.gz.part\" -- \"$(basename -- \"$d\")\"\n"
	         "  mv -- \"$b/roundcube-before-upgrade.tar.gz.part\" \"$b/roundcube-before-upgrade.tar.gz\"\n"
	         "fi\n"
	         "if [ ! -e \"$b/roundcube-perms\" ]; then\n"
	         "  find \"$d\" -printf '%%m %%u:%%g %%p\\0' > \"$b/roundcube-perms.part\"\n"
	         "  mv -- \"$b/roundcube-perms.part\" \"$b/roundcube-perms\"\n"
	         "fi\n"
	         "echo \"saved $(tr -cd '\\0' < \"$b/roundcube-perms\" | wc -c) owners and modes in $b/roundcube-perms\"",
	         bk, rc);
	/* as root, which writes the tree itself: it is never handed to the web
	 * server user, whose PHP would then be free to rewrite its own code */
	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE, "upgrades Roundcube in place, as root (the old tree is saved)",
	         "cd -- %q\numask 022\necho y | ./bin/installto.sh %q", rel, rc);
	plan_add(ps, HOST_SOURCE, 0, "puts back the exact owners and modes saved before",
	         "f=%q/roundcube-perms\n"
	         "t=$(mktemp -d)\n"
	         "declare -A key=()\n"
	         "n=0\n"
	         "# group the paths by owner and mode, then one chown/chmod per group\n"
	         "while IFS= read -r -d '' l; do\n"
	         "  m=${l%%%% *}; r=${l#* }; o=${r%%%% *}; p=${r#* }\n"
	         "  if [ -L \"$p\" ]; then m=L; elif [ ! -e \"$p\" ]; then continue; fi\n"
	         "  s=\"$m $o\"\n"
	         "  [ -n \"${key[$s]:-}\" ] || key[$s]=${#key[@]}\n"
	         "  printf '%%s\\0' \"$p\" >> \"$t/${key[$s]}\"\n"
	         "  n=$((n + 1))\n"
	         "done < \"$f\"\n"
	         "for k in \"${!key[@]}\"; do\n"
	         "  m=${k%%%% *}; o=${k#* }\n"
	         "  xargs -0 -r chown -h -- \"$o\" < \"$t/${key[$k]}\"\n"
	         "  [ \"$m\" = L ] || xargs -0 -r chmod -- \"$m\" < \"$t/${key[$k]}\"\n"
	         "done\n"
	         "rm -rf -- \"$t\"\n"
	         "mv -- \"$f\" \"$f.restored\"\n"
	         "echo \"restored $n owners and modes\"",
	         bk);
	plan_add(ps, HOST_SOURCE, 0, "proves no file is world-writable and every owner and mode is as before",
	         "d=$(readlink -f -- %q); f=%q/roundcube-perms.restored\n"
	         "# world-writable now, and not before the upgrade (a mode the admin chose is kept, and said)\n"
	         "declare -A was=()\n"
	         "while IFS= read -r -d '' l; do\n"
	         "  m=${l%%%% *}; p=${l#* }; p=${p#* }\n"
	         "  (( 8#$m & 2 )) && was[$p]=1\n"
	         "done < \"$f\"\n"
	         "ww= kept=0\n"
	         "while IFS= read -r -d '' p; do\n"
	         "  if [ -n \"${was[$p]:-}\" ]; then kept=$((kept + 1)); else ww+=\"$p\"$'\\n'; fi\n"
	         "done < <(find \"$d\" -perm -0002 ! -type l -print0)\n"
	         "[ -z \"$ww\" ] || { echo 'world-writable after the upgrade, and not before:' >&2; printf '%%s' \"$ww\" | sed -n 1,20p >&2; exit 1; }\n"
	         "[ \"$kept\" = 0 ] || echo \"$kept path(s) were world-writable before the upgrade and still are: consider chmod o-w\"\n"
	         "t=$(mktemp -d)\n"
	         "LC_ALL=C sort -z < \"$f\" > \"$t/before\"\n"
	         "find \"$d\" -printf '%%m %%u:%%g %%p\\0' | LC_ALL=C sort -z > \"$t/now\"\n"
	         "bad=0\n"
	         "# a line saved before and not found now: changed, unless the upgrade removed the path\n"
	         "while IFS= read -r -d '' l; do\n"
	         "  p=${l#* }; p=${p#* }\n"
	         "  [ -e \"$p\" ] && [ ! -L \"$p\" ] || continue\n"
	         "  echo \"not as before: $p (was ${l%%%% /*}, now $(stat -c '%%a %%U:%%G' -- \"$p\"))\" >&2; bad=$((bad + 1))\n"
	         "done < <(LC_ALL=C comm -z -23 \"$t/before\" \"$t/now\")\n"
	         "rm -rf -- \"$t\"\n"
	         "[ \"$bad\" = 0 ] || exit 1\n"
	         "echo \"no world-writable file in $d; $(tr -cd '\\0' < \"$f\" | wc -c) owners and modes as before the upgrade\"",
	         rc, bk);
}

const struct step step_roundcube = {
	.id = "roundcube",
	.title = "Upgrade Roundcube on the source",
	.why = "The Roundcube database is copied to the target, so it must match the "
	       "Roundcube version the target runs: upgrade the old webmail first, with "
	       "the new release's bin/installto.sh (it needs rsync and PHP's system()). "
	       "The upgrade must be able to write the installed tree. The seed paper "
	       "made everything world-writable (chmod 777) for it; mailshift runs the "
	       "script as root, which writes the tree as it is, so the tree is never "
	       "made writable for anyone else, not even for a moment for the web server "
	       "user (whose PHP could then rewrite its own code). It saves the tree and "
	       "every owner and mode first, puts back exactly the owners and modes that "
	       "were there after the upgrade (the new release's files come as root's), "
	       "and proves it: no file in the tree is world-writable and every saved "
	       "owner and mode is back.",
	.flags = STEP_OPTIONAL,
	.applies = has_release,
	.plan = plan_roundcube,
};
