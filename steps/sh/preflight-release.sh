# shellcheck shell=bash
# preflight-release: both servers run the same iRedMail version.  Run on the
# target, the source's /etc/iredmail-release line on stdin.
# No prologue; prints both lines and the table's rows; fails when the
# versions differ, naming the older side and what to do.
src=$(cat)
dst=$(head -n 1 /etc/iredmail-release)
echo "source: $src"; echo "target: $dst"
echo "mailshift-figure iredmail ${src%% *} ${dst%% *}"
echo "mailshift-figure backend $(echo "$src" | awk '{print $2}') $(echo "$dst" | awk '{print $2}')"
sv=${src%% *} tv=${dst%% *}
[ "$sv" != "$tv" ] || exit 0
# the advice names the older side
if [ "$(printf '%s\n' "$sv" "$tv" | sort -V | head -n 1)" = "$sv" ]; then
  echo "iRedMail versions differ: the source runs $sv, older than the target's $tv: upgrade the source to $tv first, or install $sv on the target" >&2
else
  echo "iRedMail versions differ: the target runs $tv, older than the source's $sv: install $sv on the target (never move a newer iRedMail's databases into an older one)" >&2
fi
exit 1
