# shellcheck shell=bash
# shellcheck disable=SC2154 # host editions edition: the prologue's
# preflight-host: root, bash, systemd and an iRedMail edition
# in editions (words, none: any; edition names them) on host.
# Short: the failure dialog shows a command's first lines.
[ "$(id -u)" = 0 ] || { echo 'mailshift runs its commands as root: set user = root' >&2; exit 1; }
[ -n "${BASH_VERSION:-}" ] || { echo 'the login shell must be bash' >&2; exit 1; }
release=$(head -n 1 /etc/iredmail-release) || exit 1
echo "$host: $release"
ok=
[ -n "$editions" ] || ok=yes
for e in $editions; do
  case " $release " in *" $e "*) ok=yes ;; esac
done
[ -n "$ok" ] || { echo "expected an iRedMail $edition edition on the $host" >&2; exit 1; }
if [ ! -d /run/systemd/system ] || ! command -v systemctl >/dev/null; then
  echo "systemd does not run the $host: mailshift stops and starts the mail services with systemctl, and cannot stop them here (a host without systemd is not built yet)" >&2; exit 1
fi
