# verify-dkim.awk: counts an inventory of the DKIM keys (a public key's
# fingerprint a line) into the verification table's figure "dkim N".
NF { n++ }
END { printf "dkim %d\n", n }
