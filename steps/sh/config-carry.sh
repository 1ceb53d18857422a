# shellcheck shell=bash
# shellcheck disable=SC2154 # b carry: the prologue's
# config-carry: on the target, puts the source's files named in carry_config
# in place, from the unpacked archive ($b/source-config), each only if it is
# a file of the archive itself, reached through no symbolic link the source
# sent.  The target's own file is saved first ($b/target-before/config, the
# first time only) and its owner and mode are kept; Postfix and Dovecot then
# check their configuration when a file of theirs came.
# Prologue: b (the backup directory), carry (the absolute paths,
# space-separated).
# Fails, before anything changes, naming a file it will not carry; fails
# when postfix check or doveconf fails.
src="$b/source-config"; saved="$b/target-before/config"
read -r -a files <<< "$carry"
for f in "${files[@]}"; do
  [ -f "$src$f" ] || { echo "$f is not in the source's configuration archive: only files under its paths can be carried" >&2; exit 1; }
  # a file of the archive itself, reached through no symbolic link the source sent
  # shellcheck disable=SC2015 # fails when either test fails: A && B || C is meant
  [ ! -L "$src$f" ] && [ "$(readlink -f -- "$src$f")" = "$(readlink -f -- "$src")$f" ] || { echo "$f: in the source's archive it is, or lies behind, a symbolic link: not carried (the source may be compromised)" >&2; exit 1; }
done
for f in "${files[@]}"; do
  ref="$src$f"
  if [ -e "$f" ]; then
    # shellcheck disable=SC2174 # -m for the saved copy's directory only: its parents are under $b, root's already
    mkdir -p -m 0700 -- "$saved$(dirname -- "$f")"
    [ -e "$saved$f" ] || cp -p -- "$f" "$saved$f"
    ref=$f
  fi
  (umask 022 && mkdir -p -- "$(dirname -- "$f")")
  cp -- "$src$f" "$f.mailshift-new"
  chown --reference="$ref" -- "$f.mailshift-new"
  chmod --reference="$ref" -- "$f.mailshift-new"
  mv -f -- "$f.mailshift-new" "$f"
  echo "carried $f from the source$( [ "$ref" = "$f" ] && echo " (the target's own is in $saved$f)")"
done
case " ${files[*]}" in *" /etc/postfix/"*)
  postfix check || { echo "postfix check failed: the target's own files are in $saved" >&2; exit 1; }
  echo 'postfix check: no problem found' ;; esac
case " ${files[*]}" in *" /etc/dovecot/"*)
  doveconf -n >/dev/null || { echo "doveconf failed: the target's own files are in $saved" >&2; exit 1; }
  echo 'doveconf: the configuration parses' ;; esac
