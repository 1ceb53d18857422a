# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's
# config-diff: on the target, unpacks the source's configuration archive
# beside the live configuration ($b/source-config.DATE, and the link
# $b/source-config to it) and shows each file that differs from the target's
# own: a diff, with the values of settings that look like credentials
# masked (password, secret, bind_pw, a DSN with a password), so it shows
# that such a line differs, never its value; not at all for a file that is
# not text, holds a key or certificate, or credentials a line mask cannot
# catch (multi-line DSNs, user:password maps).
# Prologue: b (the backup directory, with source-config.tar.gz).
# Prints each file that differs, and how many; fails when the unpacked
# directory cannot be entered.
d="$b/source-config.$(date +%Y%m%d-%H%M%S)"
mkdir -m 0700 -- "$d" && tar -C "$d" -xzpf "$b/source-config.tar.gz"
ln -sfn -- "$(basename -- "$d")" "$b/source-config"
cd -- "$d" || exit 1
n=0
while IFS= read -r f; do
  f=${f#./}
  if [ ! -e "/$f" ]; then echo "only on the source: /$f"; n=$((n + 1)); continue; fi
  cmp -s -- "$f" "/$f" && continue
  n=$((n + 1))
  if ! grep -qI . -- "$f"; then echo "differs (not text): /$f"; continue; fi
  if grep -q -e '-----BEGIN' -- "$f" "/$f"; then echo "differs (a key or certificate: not shown): /$f"; continue; fi
  # files whose credentials a line mask cannot catch (multi-line DSNs, user:password maps)
  case /$f in *passwd*|*sasl*|*fetchmailrc*|/etc/amavis/*|/etc/amavisd*|*/settings.py)
    echo "differs (holds credentials: not shown; compare by hand): diff /$f $d/$f"; continue ;; esac
  echo "differs: /$f  (- target, + source; password-like values masked)"
  diff -u --label "target /$f" --label "source /$f" -- "/$f" "$f" | sed -E 's/((pass|pwd|secret|dsn|bindpw|bind_pw|_key|token)[^=:]*[=:][[:space:]]*).*/\1******** (masked)/I; s#(://[^:/@[:space:]]*:)[^@[:space:]]*@#\1********@#g' | head -n 60 || true
done < <(find . -type f | LC_ALL=C sort)
echo "$n file(s) differ; the source's configuration is in $b/source-config. Carry a file with the option carry_config (this step puts it in place, the target's own saved), or your edits by hand"
