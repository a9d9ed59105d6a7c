#!/usr/bin/env python3
"""validate-csv.py REPORT.csv [REPORT.json]: the CSV report read back with python3's csv module.

- RFC 4180 as the csv module reads it (strict mode), CRLF line ends, a header row, the same
  number of cells in every row;
- no cell starts with '=', '+', '-', '@', tab or CR (formula injection): such values are
  prefixed with an apostrophe;
- with REPORT.json (the same run in JSON): one row per result, the same fingerprints in the
  same order, and the messages equal once the apostrophe is taken off.
"""
import csv
import io
import json
import sys

HEADER = ["fingerprint", "check", "title", "severity", "status", "org", "app", "resource_type",
          "resource_id", "resource_name", "region", "message", "remediation", "baseline",
          "muted_reason", "muted_expires", "cis_8_1", "soc2"]


def main():
    raw = open(sys.argv[1], "rb").read()
    text = raw.decode("utf-8", errors="strict")
    if text and not text.endswith("\r\n"):
        print("validate-csv: the file does not end with CRLF", file=sys.stderr)
        return 1
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    if not rows or rows[0] != HEADER:
        print("validate-csv: bad header %r" % (rows[0] if rows else None), file=sys.stderr)
        return 1
    for i, row in enumerate(rows[1:], 2):
        if len(row) != len(HEADER):
            print("validate-csv: row %d has %d cells" % (i, len(row)), file=sys.stderr)
            return 1
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                print("validate-csv: row %d: formula-like cell %r" % (i, cell[:40]), file=sys.stderr)
                return 1
    if len(sys.argv) > 2:
        rep = json.load(open(sys.argv[2], encoding="utf-8"))
        res = rep["results"]
        if len(res) != len(rows) - 1:
            print("validate-csv: %d rows, %d results" % (len(rows) - 1, len(res)), file=sys.stderr)
            return 1
        for r, row in zip(res, rows[1:]):
            msg = row[11][1:] if row[11][:2] in ("'=", "'+", "'-", "'@") else row[11]
            if r["fingerprint"] != row[0] or r["message"] != msg or r["check"] != row[1]:
                print("validate-csv: row for %s differs from the JSON report" % r["fingerprint"],
                      file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
