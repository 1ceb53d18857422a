#!/usr/bin/env python3
"""bench/census/gen.py: an iRedMail source at the seed paper's scale, in bulk.

Runs ON the lab's source host (bench/census/run.sh pipes it through ssh) and
writes, deterministically from --seed:
  - the Maildirs of --accounts accounts spread over --domains domains, in
    iRedMail's layout (<base>/<node>/<domain>/<c>/<c>/<c>/<local>-<date>/Maildir),
    each with INBOX, Sent, Trash and Archive/2024; messages per account from a
    skewed (log-normal) distribution: most accounts hold a few, some thousands;
    each message a real RFC 5322 text whose Maildir name carries its size (S=),
    its size with CRLF (W=) and its flags;
  - the vmail database's rows for them (domain, mailbox, forwardings), written
    as multi-row INSERTs to --sql, which run.sh loads with one mysql call.
Files are written directly (no Dovecot, no SMTP: today's lab seeding takes
about 7 minutes for 1,000 accounts); run.sh then lets the source's Dovecot
index every account once, as a live server's would be.

It prints one line: accounts, messages, bytes.
"""
import argparse
import base64
import hashlib
import math
import os
import random
import time

FOLDERS = ("INBOX", "Sent", "Trash", "Archive/2024")
FOLDER_WEIGHTS = (55, 20, 5, 20)
FLAGSETS = ("S", "S", "RS", "FS", "S", "", "RS", "S")
EPOCH0 = 1704067200  # 2024-01-01 UTC
WORDS = ("mail", "server", "migration", "quarterly", "report", "meeting", "invoice",
         "the", "a", "of", "and", "to", "in", "is", "for", "on", "with", "as", "by",
         "project", "update", "schedule", "budget", "draft", "review", "please")


def ssha512(password, rnd):
    salt = rnd.getrandbits(64).to_bytes(8, "big")
    digest = hashlib.sha512(password.encode() + salt).digest()
    return "{SSHA512}" + base64.b64encode(digest + salt).decode()


def body(rnd, n):
    out, line = [], []
    for _ in range(n):
        line.append(rnd.choice(WORDS))
        if len(line) >= 12:
            out.append(" ".join(line))
            line = []
    if line:
        out.append(" ".join(line))
    return "\n".join(out) + "\n"


def message(rnd, addr, k, folder, epoch):
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(epoch))
    text = ("Return-Path: <sender%d@bench-sender.test>\n"
            "Delivered-To: %s\n"
            "Message-ID: <bench-%d.%s@bench.test>\n"
            "Date: %s\n"
            "From: Sender %d <sender%d@bench-sender.test>\n"
            "To: <%s>\n"
            "Subject: Bench message %d in %s\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=us-ascii\n\n" %
            (k % 11, addr, k, addr.replace("@", "."), date, k % 11, k % 11, addr, k, folder))
    text += body(rnd, 30 + int(rnd.expovariate(1 / 250.0)))
    return text.encode()


def maildir_of(local, domain, idx):
    c1 = local[0]
    c2 = local[1] if len(local) > 1 else c1
    c3 = local[2] if len(local) > 2 else c2
    ts = time.strftime("%Y.%m.%d.%H.%M.%S", time.gmtime(EPOCH0 - 86400 * 400 + idx * 37))
    return "%s/%s/%s/%s/%s-%s/" % (domain, c1, c2, c3, local, ts)


def mkdirs(path):
    os.makedirs(path, mode=0o700, exist_ok=True)


def write_account(rnd, home, addr, idx, nmsg):
    md = home + "Maildir"
    dirs = {}
    for f in FOLDERS:
        d = md if f == "INBOX" else md + "/." + f.replace("/", ".")
        for sub in ("cur", "new", "tmp"):
            mkdirs(d + "/" + sub)
        if f != "INBOX":
            open(d + "/maildirfolder", "wb").close()
        dirs[f] = d
    with open(md + "/subscriptions", "w") as fh:
        fh.write("Sent\nTrash\nArchive/2024\n")
    total = 0
    for k in range(nmsg):
        f = rnd.choices(FOLDERS, FOLDER_WEIGHTS)[0]
        data = message(rnd, addr, k, f, EPOCH0 + idx * 60 + k * 3600)
        size = len(data)
        vsize = size + data.count(b"\n")
        flags = "S" if f == "Sent" else ("ST" if f == "Trash" else rnd.choice(FLAGSETS))
        base = "%d.M%dP%d.bench,S=%d,W=%d" % (EPOCH0 + idx * 60 + k * 3600, k, idx, size, vsize)
        if not flags and k % 2 == 0:
            path = dirs[f] + "/new/" + base
        else:
            path = dirs[f] + "/cur/" + base + ":2," + flags
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, data)
        os.close(fd)
        total += size
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=37350)
    ap.add_argument("--domains", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--median", type=float, default=6.0, help="median messages per account")
    ap.add_argument("--sigma", type=float, default=1.1, help="log-normal spread")
    ap.add_argument("--cap", type=int, default=3000, help="most messages in one account")
    ap.add_argument("--base", default="/var/vmail")
    ap.add_argument("--node", default="vmail1")
    ap.add_argument("--sql", required=True)
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    domains = ["bench%02d.test" % i for i in range(a.domains)]
    now = "'2024-01-01 00:00:00'"
    rows, fwd = [], []
    nmsgs = nbytes = 0
    for idx in range(a.accounts):
        d = domains[idx % len(domains)]
        local = "u%06d" % idx
        addr = local + "@" + d
        md = maildir_of(local, d, idx)
        n = min(a.cap, int(rnd.lognormvariate(math.log(a.median), a.sigma)))
        nbytes += write_account(rnd, "%s/%s/%s" % (a.base, a.node, md), addr, idx, n)
        nmsgs += n
        rows.append("('%s','%s','%s','en_US','%s','%s','%s',1024,'%s',%s,%s,1)" %
                    (addr, ssha512("bench-" + local, rnd), local, a.base, a.node, md, d, now, now))
        fwd.append("('%s','%s','%s','%s',1,1)" % (addr, addr, d, d))
    with open(a.sql, "w") as out:
        out.write("".join("INSERT INTO domain (domain, description, transport, settings, created, active) "
                          "VALUES ('%s', 'bench domain', 'dovecot', '', %s, 1);\n" % (d, now) for d in domains))
        for i in range(0, len(rows), 1000):
            out.write("INSERT INTO mailbox (username, password, name, language, storagebasedirectory, "
                      "storagenode, maildir, quota, domain, passwordlastchange, created, active) VALUES\n" +
                      ",\n".join(rows[i:i + 1000]) + ";\n")
            out.write("INSERT INTO forwardings (address, forwarding, domain, dest_domain, is_forwarding, "
                      "active) VALUES\n" + ",\n".join(fwd[i:i + 1000]) + ";\n")
    print("accounts %d messages %d bytes %d" % (a.accounts, nmsgs, nbytes))


if __name__ == "__main__":
    main()
