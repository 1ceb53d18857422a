# shellcheck shell=bash
# shellcheck disable=SC2154 # top sh w: tests/census/run.sh's, which sources this
# shellcheck disable=SC2016 # the hostile text is literal
# The test step's inbound check (steps/sh/test-inbound.sh, as the source
# runs it) against a stand-in SMTP server on 127.0.0.1 (python3, one
# connection, its replies chosen per test, what it was told written down):
# a message taken names the null sender, the address and the subject, ends
# with the dot, and passes; a 450 at RCPT (greylisting) fails naming a
# temporary refusal; a 550 fails naming the refusal; a server that says
# nothing fails within the timeout; a hostile address or subject on stdin
# is refused before any connection.
ib=$w/inbound
mkdir -p "$ib"
cat > "$ib/smtpd.py" <<'PY'
import socket, sys
port_file, log, rcpt_reply = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(1)
open(port_file, "w").write(str(s.getsockname()[1]))
s.settimeout(20)
c, _ = s.accept()
f = c.makefile("rwb")
out = open(log, "wb")
def say(t):
    f.write(t.encode() + b"\r\n"); f.flush()
if rcpt_reply != "silent":
    say("220 stand-in ESMTP")
data = False
for line in f:
    out.write(line); out.flush()
    l = line.rstrip(b"\r\n")
    if data:
        if l == b".":
            data = False; say("250 2.0.0 queued")
        continue
    u = l.upper()
    if u.startswith(b"EHLO"): f.write(b"250-stand-in\r\n250 PIPELINING\r\n"); f.flush()
    elif u.startswith(b"MAIL"): say("250 2.1.0 ok")
    elif u.startswith(b"RCPT"): say(rcpt_reply)
    elif u == b"DATA": say("354 go on"); data = True
    elif u == b"QUIT": say("221 bye"); break
    else: say("500 what")
c.close()
PY
ib_run() { # RCPT-REPLY STDIN: the fragment against a fresh stand-in; out, rc, log
  rm -f "$ib/port" "$ib/log"
  python3 "$ib/smtpd.py" "$ib/port" "$ib/log" "$1" & local pid=$!
  for _ in $(seq 1 50); do [ -s "$ib/port" ] && break; sleep 0.1; done
  out=$(printf '%s\n' "$2" | run_fragment test-inbound.sh t=127.0.0.1 "port=$(cat "$ib/port" 2>/dev/null)" 2>&1); rc=$?
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}
tok=mailshift-test-1700000000-42
ib_run "250 2.1.5 ok" "alice alice@new.example.org $tok"
check "inbound: the new server takes it over SMTP (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q 'took a message to alice@new.example.org over SMTP' <<<\"\$1\"" _ "$out"
check "... from the null sender, to the address, with the subject, ended by the dot" \
  bash -c "grep -qx \$'MAIL FROM:<>\r' '$ib/log' && grep -qx \$'RCPT TO:<alice@new.example.org>\r' '$ib/log' &&
    grep -qx \$'Subject: $tok\r' '$ib/log' && grep -qx \$'.\r' '$ib/log' && grep -q '^EHLO ' '$ib/log'"
ib_run "450 4.2.0 greylisted" "alice alice@new.example.org $tok"
check "inbound: a 450 (greylisting) fails, named a temporary refusal (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'temporary refusal' <<<\"\$1\" && ! grep -q '^DATA' '$ib/log'" _ "$out"
ib_run "550 5.1.1 no such user" "alice alice@new.example.org $tok"
check "inbound: a 550 fails, naming the refusal (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'the new server refused: 550 5.1.1 no such user' <<<\"\$1\"" _ "$out"
out=$(printf 'alice $(touch %s/pwned)@x %s\n' "$ib" "$tok" | run_fragment test-inbound.sh t=127.0.0.1 port=1 2>&1); rc=$?
check "inbound: a hostile address is refused before any connection (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'not an address' <<<\"\$1\" && [ ! -e '$ib/pwned' ]" _ "$out"
out=$(printf 'alice a@b.c mailshift-test-1;reboot\n' | run_fragment test-inbound.sh t=127.0.0.1 port=1 2>&1); rc=$?
check "inbound: a subject that is not a test message's is refused (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'not a test message subject' <<<\"\$1\"" _ "$out"
