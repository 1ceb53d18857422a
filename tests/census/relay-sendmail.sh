# shellcheck shell=bash
# The cutover relay of a sendmail source (steps/sh/relay-sendmail.sh, the
# text mailshift embeds) on a scratch /etc/mail (the prologue's etc), with
# stand-ins for m4, makemap, mailq, systemctl, pgrep and sendmail on PATH: each
# logs its call; m4 turns the .mc's mailertable feature and MAIL_HUB into
# the .cf lines sendmail's m4 makes of them (Kmailertable, DH); mailq
# prints a queue file of this test; sendmail -q empties it when told to.
# Sourced by tests/census/run.sh (its run_fragment, check, $w, $b, $sh).
se=$w/sendmail-etc sbin=$w/sendmail-bin slog=$w/sendmail-calls
mkdir -p "$sbin"
cat > "$sbin/m4" <<'FAKE'
#!/bin/sh
echo "m4 $*" >> "$SLOG"
echo '# sendmail.cf built by the stand-in m4'
sed -n "s/^FEATURE(\`mailertable', \`\(.*\)')dnl\$/Kmailertable \1/p; s/^define(\`MAIL_HUB', \`\(.*\)')dnl\$/DH\1/p" "$1"
FAKE
cat > "$sbin/makemap" <<'FAKE'
#!/bin/sh
echo "makemap $*" >> "$SLOG"
cat > "$2.db"
FAKE
cat > "$sbin/mailq" <<'FAKE'
#!/bin/sh
if [ -s "$SQUEUE" ]; then cat "$SQUEUE"; else printf '\t\t/var/spool/mqueue is empty\n\t\tTotal requests: 0\n'; fi
FAKE
cat > "$sbin/systemctl" <<'FAKE'
#!/bin/sh
echo "systemctl $*" >> "$SLOG"
[ "$1" != is-active ] || [ -e "$SACTIVE" ]
FAKE
# (pgrep too: a real sendmail of this machine, or of the lab's hosts,
# must not make the old one look running)
cat > "$sbin/pgrep" <<'FAKE'
#!/bin/sh
[ -e "$SACTIVE" ]
FAKE
cat > "$sbin/sendmail" <<'FAKE'
#!/bin/sh
echo "sendmail $*" >> "$SLOG"
[ ! -e "$SFLUSH" ] || rm -f "$SQUEUE"
FAKE
chmod +x "$sbin"/*
# Debian's sendmail.mc, shortened: no mailertable feature (a commented one)
sm_etc() {
  rm -rf "$se" && mkdir -p "$se"
  printf '%s\n' '# names of this host' 'old.lab.test' 'old' 'lab.test' 'localhost' 'Example.NET other' > "$se/local-host-names"
  printf '%s\n' 'divert(-1)dnl' "include(\`/usr/share/sendmail/cf/m4/cf.m4')dnl" "OSTYPE(\`debian')dnl" \
    "FEATURE(\`use_cw_file')dnl" "dnl FEATURE(\`mailertable')dnl" 'MAILER_DEFINITIONS' "MAILER(\`local')dnl" \
    "MAILER(\`smtp')dnl" > "$se/sendmail.mc"
  echo '# the old sendmail.cf' > "$se/sendmail.cf"
  printf '%s\n' 'far.example.org esmtp:[gw.example.org]' 'lab.test smtp:[old.lab.test]' > "$se/mailertable"
  chmod 0640 "$se/mailertable"
}
relay_sm() { # MODE [T]: the fragment as the relay or old-queue step runs it
  SLOG=$slog SQUEUE=$w/sendmail-queue SACTIVE=$w/sendmail-active SFLUSH=$w/sendmail-flush PATH="$sbin:$PATH" \
    run_fragment relay-sendmail.sh "t=${2:-new.example.org}" "mode=$1" "etc=$se" \
    "domains_awk=$(cat "$sh/sendmail-domains.awk")"
}
tree() { find "$se" -printf '%p %m %s\n' | sort; cat "$se"/*; }
sm_etc
cp "$se/local-host-names" "$w/lhn.orig"; cp "$se/sendmail.mc" "$w/mc.orig"
rm -f "$slog" "$w/sendmail-queue" "$w/sendmail-active" "$w/sendmail-flush"
out=$(relay_sm relay 2>&1); rc=$?
check "relay-sendmail: relays 3 domains, saying so (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q 'relays every address of 3 domain(s) to new.example.org' <<<\"\$1\"" _ "$out" ||
  sed 's/^/     /' <<<"$out"
check "relay-sendmail: local-host-names loses exactly the domains (the short names, localhost and the comment stay)" \
  cmp -s "$se/local-host-names" - <<<$'# names of this host\nold\nlocalhost\nother'
check "relay-sendmail: the mailertable sends each domain to [TARGET], an earlier entry replaced, another kept (mode kept)" \
  bash -c "cmp -s '$se/mailertable' - <<<\$'far.example.org esmtp:[gw.example.org]\nold.lab.test esmtp:[new.example.org]\nlab.test esmtp:[new.example.org]\nexample.net esmtp:[new.example.org]' \
    && [ \$(stat -c %a '$se/mailertable') = 640 ]"
check "relay-sendmail: relay-domains (class R) lists them, or sendmail refuses to relay" \
  cmp -s "$se/relay-domains" - <<<$'old.lab.test\nlab.test\nexample.net'
check "relay-sendmail: sendmail.mc gains the mailertable feature and the hub, before MAILER_DEFINITIONS" \
  bash -c "diff '$w/mc.orig' '$se/sendmail.mc' | grep -x '> .*' | cmp -s - <<<\$'> FEATURE(\`mailertable\\', \`hash -o $se/mailertable.db\\')dnl\n> define(\`MAIL_HUB\\', \`esmtp:new.example.org.\\')dnl' \
    && [ \"\$(grep -n -e '^FEATURE(\`mailertable' -e '^define(\`MAIL_HUB' -e '^MAILER_DEFINITIONS' '$se/sendmail.mc' | cut -d: -f1 | paste -sd ' ')\" = '6 7 8' ]"
check "relay-sendmail: makemap hash rebuilt the map, m4 the .cf (with the mailertable and the hub)" \
  bash -c "grep -qx 'makemap hash $se/mailertable' '$slog' && [ -e '$se/mailertable.db' ] && grep -qx 'm4 sendmail.mc' '$slog' \
    && grep -qx 'Kmailertable hash -o $se/mailertable.db' '$se/sendmail.cf' && grep -qx 'DHesmtp:new.example.org.' '$se/sendmail.cf'"
check "relay-sendmail: sendmail started as a relay, its queue run" \
  bash -c "grep -qx 'systemctl restart sendmail.service' '$slog' && grep -qx 'sendmail -q' '$slog'"
check "relay-sendmail: every file saved first, as it was" \
  bash -c "cmp -s '$se/local-host-names.mailshift-before' '$w/lhn.orig' && cmp -s '$se/sendmail.mc.mailshift-before' '$w/mc.orig' \
    && [ -e '$se/sendmail.cf.mailshift-before' ] && [ -e '$se/mailertable.mailshift-before' ] && [ -e '$se/relay-domains.mailshift-before' ]"
check "relay-sendmail: ... and the way back named" grep -q '^undo: cd .* cp -p \$f.mailshift-before \$f' <<<"$out"
tree > "$w/sm.once"
out=$(relay_sm relay 2>&1); rc=$?
tree > "$w/sm.after"
check "relay-sendmail: run again, it changes nothing (the feature once, the saved files the first ones) (exit $rc)" \
  bash -c "[ $rc = 0 ] && cmp -s '$w/sm.once' '$w/sm.after' \
    && cmp -s '$se/local-host-names.mailshift-before' '$w/lhn.orig' && grep -q 'relays every address of 3 domain(s)' <<<\"\$1\"" _ "$out"

# drain: no daemon, one queue run; the queue must end empty for the domains
printf '%s\n' $'\t\t/var/spool/mqueue (2 requests)' \
  '-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------' \
  '5B3CAbc1001234      812 Tue Dec  3 12:00 <carol@far.example.org>' \
  '                 (Deferred: Connection refused by old.lab.test.)' \
  $'\t\t\t\t\t <bob@Example.NET>' $'\t\t\t\t\t <dave@far.example.org>' \
  '5B3CAbc1001235      400 Tue Dec  3 12:01 <root@old.lab.test>' $'\t\t\t\t\t <alice>' \
  $'\t\tTotal requests: 2' > "$w/sendmail-queue"
rm -f "$slog"
out=$(relay_sm drain 2>&1); rc=$?
check "relay-sendmail: drain fails while mailq lists mail for the domains, naming how many (a local name counts, another domain not) (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'queue still holds 2 message(s) for your domains' <<<\"\$1\" \
    && grep -qx 'sendmail -q -v' '$slog' && ! grep -q restart '$slog'" _ "$out"
touch "$w/sendmail-flush"
out=$(relay_sm drain 2>&1); rc=$?
check "relay-sendmail: drain passes once the queue run handed it over (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q 'handed its queue for 3 domain(s) to new.example.org and accepts nothing' <<<\"\$1\"" _ "$out"
touch "$w/sendmail-active"
out=$(relay_sm drain 2>&1); rc=$?
check "relay-sendmail: drain refuses while the old sendmail runs (it would accept mail) (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'the old sendmail runs' <<<\"\$1\"" _ "$out"
rm -f "$w/sendmail-active" "$w/sendmail-flush"

# a hub given as an address: in brackets (user@[ADDRESS] is local there)
sm_etc
out=$(relay_sm relay 10.0.0.5 2>&1); rc=$?
check "relay-sendmail: a new server given by its address: the hub and the entries in brackets (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -qx \"define(\\\`MAIL_HUB', \\\`esmtp:\\[10.0.0.5\\]')dnl\" '$se/sendmail.mc' \
    && grep -qx 'example.net esmtp:\\[10.0.0.5\\]' '$se/mailertable'"

# hostile names: a bad domain (or target) stops before anything changes
for bad in 'ex_ample.com' '$(touch '"$w"'/sm-pwned).com' $'evil\033]0;x\a.com'; do
  sm_etc
  printf '%s\n' "$bad" >> "$se/local-host-names"
  tree > "$w/sm.before"
  out=$(relay_sm relay 2>&1); rc=$?
  tree > "$w/sm.after"
  check "relay-sendmail: a bad domain in local-host-names stops it, named harmlessly, nothing changed (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q '^not a domain name mailshift can relay: ' <<<\"\$1\" && ! grep -q \$'\\033' <<<\"\$1\" \
      && cmp -s '$w/sm.before' '$w/sm.after' && [ ! -e '$w/sm-pwned' ]" _ "$out"
done
sm_etc
tree > "$w/sm.before"
out=$(relay_sm relay 'new.example.org;reboot' 2>&1); rc=$?
tree > "$w/sm.after"
check "relay-sendmail: a target that is no host name stops it, nothing changed (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'not a host mailshift can relay to' <<<\"\$1\" \
    && cmp -s '$w/sm.before' '$w/sm.after'" _ "$out"
sed -i '/MAILER/d' "$se/sendmail.mc"
tree > "$w/sm.before"
out=$(relay_sm relay 2>&1); rc=$?
tree > "$w/sm.after"
check "relay-sendmail: a sendmail.mc without mailers is refused, nothing changed (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'names no mailer' <<<\"\$1\" \
    && cmp -s '$w/sm.before' '$w/sm.after'" _ "$out"
