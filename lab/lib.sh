# shellcheck shell=bash disable=SC2034
# (SC2034: the LAB_* settings are used by the scripts that source this file.)
# Shared helpers for the mailshift lab, sourced by lab/* scripts.
# Two hosts (source 10.200.0.2, target 10.200.0.3), each an overlay of / booted with
# systemd-nspawn in its own network namespace, joined by a bridge (10.200.0.1/24).

export LC_ALL=C TZ=UTC
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_RUN=$LAB_DIR/run
LAB_VAR=${LAB_VAR:-/var/tmp/mailshift-lab}
LAB_DEBS=/var/cache/mailshift-lab/debs
LAB_BRIDGE=msbr0
LAB_HOSTS=(source target)
LAB_SCENARIOS=(iredmail-mariadb iredmail-pgsql iredmail-openldap postfix-dovecot sendmail-mbox sendmail-sendmail postfix-iredmail sendmail-iredmail)
declare -A LAB_IP=([source]=10.200.0.2 [target]=10.200.0.3)
declare -A LAB_NS=([source]=ms-source [target]=ms-target)
declare -A LAB_VETH=([source]=ms-src [target]=ms-tgt)
# Units the lab may enable on a host; each scenario picks its own, the rest are masked.
LAB_UNITS=(mariadb postgresql slapd dovecot postfix sendmail amavis)

lab_die() { echo "lab: error: $*" >&2; exit 1; }
lab_log() { echo "lab: $*" >&2; }

lab_need_root() {
    [ "$(id -u)" -eq 0 ] || lab_die "must be run as root"
}

# The shared/ folder beside the repository (or $LAB_SHARED).
lab_shared() {
    local d
    for d in "${LAB_SHARED:-}" "$LAB_DIR/../../shared" "$LAB_DIR/../shared" /work/shared; do
        [ -n "$d" ] && [ -f "$d/iredmail-1.8.1/iredmail.mysql" ] && { (cd "$d" && pwd); return 0; }
    done
    lab_die "cannot find shared/iredmail-1.8.1 (set LAB_SHARED)"
}

# Serialize lab/up and lab/down (fd 9 stays open for the calling script's lifetime).
lab_lock() {
    mkdir -p "$LAB_VAR"
    exec 9>"$LAB_VAR/lock"
    flock -w 600 9 && return 0
    lab_log "the processes that hold $LAB_VAR/lock:"
    lab_lock_holders >&2
    lab_die "another lab/up or lab/down kept $LAB_VAR/lock for 10 minutes"
}

# Prints "PID COMMAND" for each process (but this shell) with the lab's lock open.
lab_lock_holders() {
    local f p
    for f in /proc/[0-9]*/fd/*; do
        [ "$(readlink "$f" 2>/dev/null)" = "$LAB_VAR/lock" ] || continue
        p=${f#/proc/}; p=${p%%/*}
        [ "$p" != "$$" ] || continue
        echo "  $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
    done | sort -u
}

lab_need_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || lab_die "missing tool '$t' (run lab/install-deps)"
    done
}

LAB_TOOLS=(ip systemd-nspawn unshare setsid mount umount ssh ssh-keygen openssl curl rsync
           doveadm systemd-id128 mkpasswd slapadd slappasswd chroot findmnt)

lab_host_ok() { case "${1:-}" in source|target) return 0 ;; *) return 1 ;; esac; }
lab_root() { echo "$LAB_VAR/$1/root"; }

lab_ssh_opts() {
    echo -i "$LAB_RUN/id_ed25519" -o UserKnownHostsFile="$LAB_RUN/known_hosts" \
        -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=3 \
        -o LogLevel=ERROR
}

# lab_ssh HOST CMD... : run a command as root on a lab host.
lab_ssh() {
    local h=$1; shift
    # shellcheck disable=SC2046
    ssh $(lab_ssh_opts) "root@${LAB_IP[$h]}" -- "$@"
}

# ---- network ---------------------------------------------------------------------

lab_net_up() {
    local h
    ip link add "$LAB_BRIDGE" type bridge
    ip addr add 10.200.0.1/24 dev "$LAB_BRIDGE"
    ip link set "$LAB_BRIDGE" up
    for h in "${LAB_HOSTS[@]}"; do
        ip netns add "${LAB_NS[$h]}"
        ip link add "${LAB_VETH[$h]}" type veth peer name "${LAB_VETH[$h]}-p"
        ip link set "${LAB_VETH[$h]}" master "$LAB_BRIDGE" up
        ip link set "${LAB_VETH[$h]}-p" netns "${LAB_NS[$h]}"
        ip -n "${LAB_NS[$h]}" link set "${LAB_VETH[$h]}-p" name eth0
        ip -n "${LAB_NS[$h]}" addr add "${LAB_IP[$h]}/24" dev eth0
        ip -n "${LAB_NS[$h]}" link set eth0 up
        ip -n "${LAB_NS[$h]}" link set lo up
    done
}

lab_net_down() {
    local h
    for h in "${LAB_HOSTS[@]}"; do
        ip netns del "${LAB_NS[$h]}" 2>/dev/null || true
        ip link del "${LAB_VETH[$h]}" 2>/dev/null || true
    done
    ip link del "$LAB_BRIDGE" 2>/dev/null || true
}

# ---- hosts -----------------------------------------------------------------------

# pids of nspawn processes booting a lab root (running or stale).
lab_nspawn_pids() {
    pgrep -f -- "^systemd-nspawn .* -D $LAB_VAR/(source|target)/root\$" || true
}

# lab_host_mount HOST [LAYER] : the host's root = overlay of /. An optional cached
# layer (an upper dir built by lab_layer, e.g. sendmail in place of postfix) is copied
# into the fresh upper dir first, whiteouts and all (layers nested inside / cannot be
# stacked as lower dirs).
lab_host_mount() {
    local h=$1 d=$LAB_VAR/$1
    mkdir -p "$d/upper" "$d/work" "$d/root"
    [ -z "${2:-}" ] || cp -a "$2/." "$d/upper/"
    mount -t overlay overlay -o "lowerdir=/,upperdir=$d/upper,workdir=$d/work" "$d/root"
}

# lab_layer NAME FUNC : a cached overlay layer built once by FUNC ROOT (run with /proc
# mounted and the machine's policy-rc.d in place); rebuilt when the machine's package
# set or the lab's .deb files change. Prints the layer directory.
lab_layer() {
    local name=$1 fn=$2 d=$LAB_VAR/cache/$1 stamp
    stamp=$( { md5sum /var/lib/dpkg/status; ls -l "$LAB_DEBS" 2>/dev/null; declare -f "$fn"; } | md5sum | cut -c1-32)
    if [ "$(cat "$d/stamp" 2>/dev/null)" != "$stamp" ]; then
        lab_log "building cached layer '$name' (once)"
        rm -rf "$d"
        mkdir -p "$d/upper" "$d/work" "$d/root"
        mount -t overlay overlay -o "lowerdir=/,upperdir=$d/upper,workdir=$d/work" "$d/root"
        mount -t proc proc "$d/root/proc"
        local rc=0
        "$fn" "$d/root" || rc=$?
        umount "$d/root/proc"
        umount "$d/root"
        rm -rf "$d/work" "$d/root"
        [ "$rc" -eq 0 ] || { rm -rf "$d"; lab_die "building layer '$name' failed"; }
        echo "$stamp" >"$d/stamp"
    fi
    echo "$d/upper"
}

lab_host_boot() {
    local h=$1 root
    root=$(lab_root "$h")
    setsid unshare --mount --propagation private \
        systemd-nspawn --boot --register=no --keep-unit --console=passive \
        -M "ms-$h" --hostname="$h" \
        --network-namespace-path="/run/netns/${LAB_NS[$h]}" -D "$root" \
        </dev/null >"$LAB_RUN/$h.console" 2>&1 9>&- &
    echo $! >"$LAB_RUN/$h.pid"
}

lab_unmount_all() {
    local m i
    for ((i = 0; i < 20; i++)); do
        m=$(findmnt -rn -o TARGET | grep "^$LAB_VAR/" | sort -r | head -n1) || true
        [ -n "$m" ] || return 0
        umount "$m" 2>/dev/null || { sleep 0.3; umount -l "$m" 2>/dev/null || true; }
    done
    lab_die "could not unmount $m"
}

# Full teardown; safe to call at any time, also after a crashed run. Both hosts get
# SIGTERM at once (nspawn then halts the container cleanly), stragglers get SIGKILL.
lab_teardown() {
    local h p pids i
    pids=$(lab_nspawn_pids)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        [ -n "$(lab_nspawn_pids)" ] || break
        sleep 0.1
    done
    pids=$(lab_nspawn_pids)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    for h in "${LAB_HOSTS[@]}"; do
        rm -f "$LAB_RUN/$h.pid"
        # Anything still living in a host's network namespace belongs to that host.
        [ -e "/run/netns/${LAB_NS[$h]}" ] || continue
        for p in $(ip netns pids "${LAB_NS[$h]}" 2>/dev/null); do
            kill -KILL "$p" 2>/dev/null || true
        done
    done
    lab_unmount_all
    lab_net_down
    # The hosts' files go at once, out of the way; deleting them (millions of
    # files for a bench at scale: minutes) goes on in the background, without
    # the lab's lock (fd 9) and never into a file system mounted below.
    local trash
    trash=$(mktemp -d "${LAB_VAR:?}/trash.XXXXXX")
    for h in "${LAB_HOSTS[@]}"; do
        [ ! -e "$LAB_VAR/$h" ] || mv -- "$LAB_VAR/$h" "$trash/"
    done
    (setsid rm -rf --one-file-system -- "$LAB_VAR"/trash.* </dev/null >/dev/null 2>&1 9>&- &)
}

# Prints what a teardown left behind (empty when clean).
lab_leftovers() {
    findmnt -rn -o TARGET | grep "^$LAB_VAR/" | sed 's/^/mount /' || true
    ip netns list 2>/dev/null | awk '$1 ~ /^ms-(source|target)$/ {print "netns " $1}'
    ip -br link 2>/dev/null | awk '$1 ~ /^(msbr0|ms-src|ms-tgt)/ {print "link " $1}'
    lab_nspawn_pids | sed 's/^/process /'
}

lab_wait_ssh() {
    local h=$1 i
    for ((i = 0; i < 120; i++)); do
        lab_ssh "$h" true 2>/dev/null && return 0
        sleep 0.25
    done
    lab_die "$h (${LAB_IP[$h]}) did not answer ssh; see $LAB_RUN/$h.console"
}

# ---- files written into a host before boot -----------------------------------------

# lab_mask ROOT UNIT... : mask units inside a host root.
lab_mask() {
    local root=$1 u; shift
    for u in "$@"; do ln -sfn /dev/null "$root/etc/systemd/system/$u.service"; done
}

# lab_host_base HOST SCENARIO-UNITS... : identity, keys, cert, network names.
lab_host_base() {
    local h=$1 root u; shift
    root=$(lab_root "$h")
    systemd-id128 new >"$root/etc/machine-id"
    echo "$h" >"$root/etc/hostname"
    echo "$h.lab.test" >"$root/etc/mailname"
    cat >"$root/etc/hosts" <<EOF
127.0.0.1 localhost
10.200.0.1 lab-gw
10.200.0.2 source.lab.test source
10.200.0.3 target.lab.test target
EOF
    # No DNS on the lab network: an unreachable nameserver only makes daemons wait.
    rm -f "$root/etc/resolv.conf"
    echo '# mailshift lab: no DNS; names come from /etc/hosts' >"$root/etc/resolv.conf"
    rm -f "$root/usr/sbin/policy-rc.d" "$root"/etc/ssh/ssh_host_*
    ssh-keygen -q -A -f "$root" >/dev/null
    mkdir -p "$root/etc/ssh/sshd_config.d"
    printf 'PasswordAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n' \
        >"$root/etc/ssh/sshd_config.d/lab.conf"
    # Root's shell starts as on a fresh Debian server, not as on this machine (whose
    # ~/.bashrc may run tools like pyenv, which wait on locks of this machine's files).
    cp /etc/skel/.bashrc /etc/skel/.profile "$root/root/"
    rm -f "$root/root/.bash_profile" "$root/root/.bash_login"
    # Root's own key, as a real server has one; the other host does not trust it
    # (mailshift brings its own one-off key for the copies).
    install -d -m 0700 "$root/root/.ssh"
    ssh-keygen -q -t ed25519 -N '' -C "root@$h" -f "$root/root/.ssh/id_ed25519"
    # TLS cert (self-signed, SAN = IP and name), kept also in run/ for curl --cacert.
    install -d -m 0755 "$root/etc/lab-tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
        -subj "/CN=$h.lab.test" \
        -addext "subjectAltName=DNS:$h.lab.test,DNS:$h,IP:${LAB_IP[$h]}" \
        -keyout "$root/etc/lab-tls/key.pem" -out "$root/etc/lab-tls/cert.pem" 2>/dev/null
    chmod 0600 "$root/etc/lab-tls/key.pem"
    cp "$root/etc/lab-tls/cert.pem" "$LAB_RUN/$h-cert.pem"
    # Debian's dovecot conf.d/10-ssl.conf names these (the image has no cert of its own).
    install -d -m 0700 "$root/etc/dovecot/private"
    install -m 0644 "$root/etc/lab-tls/cert.pem" "$root/etc/dovecot/private/dovecot.pem"
    install -m 0600 "$root/etc/lab-tls/key.pem" "$root/etc/dovecot/private/dovecot.key"
    # No per-login systemd user manager: every lab/ssh call would wait for it.
    sed -i '/pam_systemd\.so/d' "$root/etc/pam.d/common-session"
    # The machine's own accounts (uid 1000-59999) are not part of a lab host.
    awk -F: '$3 >= 1000 && $3 < 60000 {print $1}' "$root/etc/passwd" | while read -r u; do
        chroot "$root" userdel -r -f "$u" >/dev/null 2>&1 || true
    done
    # Quiet, fast boot: no timers or units the lab does not use.
    lab_mask "$root" apt-daily apt-daily-upgrade dpkg-db-backup e2scrub_all e2scrub_reap \
        fstrim man-db phpsessionclean roundcube-cleandb roundcube-gc systemd-timesyncd \
        systemd-pstore postfix-resolvconf getty@tty1 console-getty
    for u in "${LAB_UNITS[@]}"; do
        [[ " $* " == *" $u "* ]] && continue
        lab_mask "$root" "$u"
    done
}

# After both hosts have keys: run/known_hosts for the admin, and the admin's key
# authorized on both.  The hosts do not trust each other: no peer key in
# authorized_keys, no known_hosts inside (mailshift sets up its own link).
lab_host_trust() {
    local h root
    : >"$LAB_RUN/known_hosts"
    for h in "${LAB_HOSTS[@]}"; do
        root=$(lab_root "$h")
        for k in "$root"/etc/ssh/ssh_host_*_key.pub; do
            echo "${LAB_IP[$h]} $(cut -d' ' -f1,2 "$k")"
            echo "$h,$h.lab.test $(cut -d' ' -f1,2 "$k")"
        done >>"$LAB_RUN/known_hosts"
    done
    for h in "${LAB_HOSTS[@]}"; do
        root=$(lab_root "$h")
        cat "$LAB_RUN/id_ed25519.pub" >"$root/root/.ssh/authorized_keys"
        rm -f "$root/root/.ssh/known_hosts"
        chmod 0600 "$root/root/.ssh/authorized_keys"
    done
}

# ---- deterministic seed ------------------------------------------------------------

LAB_SEED=${LAB_SEED:-1}
LAB_USERS=${LAB_USERS:-6}
LAB_MESSAGES=${LAB_MESSAGES:-10}
LAB_LARGE=${LAB_LARGE:-2}
LAB_NAMES=(alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia
           peggy rupert sybil trent victor walter wendy)
LAB_FOLDERS=(INBOX Sent Trash Archive/2024)

# The first lines of a setup script run inside a host: in DIR, PostgreSQL
# started, and pg() running psql as postgres (quiet, stopping on an error).
lab_pg_preamble() { # DIR
    cat <<SH
cd $1
v=\$(ls /etc/postgresql | sort -V | tail -n1)
systemctl start "postgresql@\$v-main"
pg() { (cd / && runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 "\$@" >/dev/null); }
SH
}

lab_check_seed() {
    [[ "$LAB_SEED" =~ ^[0-9]+$ ]] || lab_die "LAB_SEED must be a non-negative integer"
    if ! [[ "$LAB_USERS" =~ ^[0-9]+$ ]] || [ "$LAB_USERS" -lt 1 ]; then
        lab_die "LAB_USERS must be >= 1"
    fi
    [[ "$LAB_MESSAGES" =~ ^[0-9]+$ ]] || lab_die "LAB_MESSAGES must be >= 0"
    [[ "$LAB_LARGE" =~ ^[0-9]+$ ]] || lab_die "LAB_LARGE must be >= 0"
}

# Park-Miller style generator in $LAB_RNG; lab_rand N sets REPLY to 0..N-1.
lab_srand() { LAB_RNG=$(( ($1 * 7919 + 104729) % 2147483647 )); [ "$LAB_RNG" -gt 0 ] || LAB_RNG=1; }
lab_rand() { LAB_RNG=$(( LAB_RNG * 48271 % 2147483647 )); REPLY=$(( LAB_RNG % $1 )); }

lab_user_name() { # index (0-based) -> local part
    local i=$1
    if [ "$i" -lt ${#LAB_NAMES[@]} ]; then echo "${LAB_NAMES[$i]}"; else echo "user$((i + 1))"; fi
}

lab_password() { # user -> deterministic password
    local h
    h=$(printf '%s:%s' "$LAB_SEED" "$1" | sha256sum)
    echo "Pw-${h:0:14}"
}
