#!/usr/bin/env python3
"""gen_zip.py - a deterministic zip of many small files for the memory benchmark.

Writes --files members (default 100,000) of 200 bytes to 4 KB each, deflated,
in a tree of department/person folders: plain-text notes, CSV ledgers,
small HTML pages and short RFC 5322 messages, every one with distinct
content (a serial number and Zipf-distributed words, see gen_mbox.py).
Timestamps are fixed, so the same --seed gives the same bytes.

Usage: gen_zip.py --out FILE [--files N] [--seed S]
"""

import argparse
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_mbox  # noqa: E402  (the vocabulary, people and paragraphs)


def member(g, i):
    r = g.r
    kind = i % 4
    person = g.people[i % 700][1].split("@")[0]
    folder = "dept-%02d/%s" % (i % 37, person)
    if kind == 0:
        body = "Note %d\n\n%s\n" % (i, g.paragraph(False)[:r.randint(150,
                                                                    3800)])
        return "%s/note-%06d.txt" % (folder, i), body
    if kind == 1:
        rows = ["item,qty,amount,ref"]
        for j in range(r.randint(5, 80)):
            rows.append("%s,%d,%d.%02d,R%d-%d" % (
                g.words(1)[0], r.randint(1, 99), r.randint(1, 99999),
                r.randint(0, 99), i, j))
        return "%s/ledger-%06d.csv" % (folder, i), "\n".join(rows) + "\n"
    if kind == 2:
        p = g.paragraph(False)[:r.randint(150, 3000)]
        body = ("<html><head><title>Page %d</title></head><body><p>%s</p>"
                "</body></html>\n" % (i, p.replace("&", "&amp;")
                                      .replace("<", "&lt;")))
        return "%s/page-%06d.html" % (folder, i), body
    sender = g.people[r.randrange(len(g.people))]
    to = g.people[r.randrange(len(g.people))]
    hdate, _ = g.date()
    body = ("From: \"%s\" <%s>\r\nTo: \"%s\" <%s>\r\nDate: %s\r\n"
            "Subject: %s %d\r\nMessage-ID: <z%d@%s>\r\n\r\n%s\r\n" % (
                sender[0], sender[1], to[0], to[1], hdate,
                " ".join(g.words(4)), i, i, sender[1].split("@")[1],
                g.paragraph(False)[:r.randint(150, 3000)]))
    return "%s/msg-%06d.eml" % (folder, i), body


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--files", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=20010102)
    a = ap.parse_args()
    g = gen_mbox.Gen(a.seed)
    total = 0
    with zipfile.ZipFile(a.out, "w", zipfile.ZIP_DEFLATED,
                         compresslevel=6) as z:
        for i in range(a.files):
            name, text = member(g, i)
            zi = zipfile.ZipInfo(name, date_time=(2001, 6, 1, 12, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            data = text.encode("utf-8")
            total += len(data)
            z.writestr(zi, data)
    print("gen_zip: %d members, %d bytes uncompressed, %d bytes in %s" % (
        a.files, total, os.path.getsize(a.out), a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
