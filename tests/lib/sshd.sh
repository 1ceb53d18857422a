# A private OpenSSH server on 127.0.0.1 for the transport and wizard tests
# (sourced).  sshd_start DIR PASSWORD-AUTH(yes|no): writes DIR/sshd_config
# (host key DIR/host_key, keys in DIR/authorized_keys.USER, strict modes off,
# no PAM), starts sshd in the foreground in the background, and waits for
# its port.  Sets $port and $pid (the caller kills it).
# shellcheck shell=bash
sshd_start() {
  local d=$1
  port=$((20000 + RANDOM % 20000))
  mkdir -p /run/sshd
  cat > "$d/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $d/host_key
AuthorizedKeysFile $d/authorized_keys.%u
PidFile $d/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication $2
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
CONF
  /usr/sbin/sshd -D -e -f "$d/sshd_config" 2>"$d/sshd.log" &
  # shellcheck disable=SC2034 # pid is for the caller
  pid=$!
  for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
}
