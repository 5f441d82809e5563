#!/usr/bin/env python3
"""Turns `test_sockopt_matrix --dump` output (run against the reference
libzmq) into the expectation table of c-tests/test_sockopt_matrix.c.

    LD_LIBRARY_PATH=<libzmq dir> ./test_sockopt_matrix --dump > ref.txt
    python3 c-tests/sockopt_matrix_table.py ref.txt c-tests/test_sockopt_matrix.c

Rewrites the part between the BEGIN/END GENERATED TABLE markers. Rows for
options owned elsewhere are left out; the hardened defaults get HARDENED.
Hand edits (4.3.4 | 4.3.5 alternatives) must be redone after regenerating.
"""
import re
import sys

TYPES = ["PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL",
         "PUSH", "XPUB", "XSUB", "STREAM"]
# PLAIN/CURVE/ZAP belong to the security work; Rampart has no GSSAPI.
OWNED_ELSEWHERE = re.compile(r"^(PLAIN_|CURVE_|ZAP_DOMAIN|GSSAPI_)")
# Rampart's hardened defaults (README, "Hardening profiles").
HARDENED = {"MAXMSGSIZE", "HANDSHAKE_IVL", "TCP_KEEPALIVE", "TCP_KEEPALIVE_CNT",
            "TCP_KEEPALIVE_IDLE", "TCP_KEEPALIVE_INTVL", "HEARTBEAT_IVL",
            "HEARTBEAT_TIMEOUT"}


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(ref, source):
    groups = {}  # (opt, probe) -> {result: [types]}, in first-seen order
    for line in open(ref):
        opt, typ, probe, result = line.rstrip("\n").split("\t")
        if OWNED_ELSEWHERE.match(opt):
            continue
        groups.setdefault((opt, probe), {}).setdefault(result, []).append(typ)
    rows = []
    for (opt, probe), results in groups.items():
        for result, types in results.items():
            if opt.startswith("CTX "):
                mask = "0"
            elif len(types) == len(TYPES):
                mask = "ALL"
            else:
                mask = "|".join("T (ZMQ_%s)" % t for t in types)
            flags = "HARDENED" if opt in HARDENED and probe == "get" else "0"
            rows.append("    {%s, %s, %s,\n     %s, %s},"
                        % (c_str(opt), c_str(probe), mask, c_str(result), flags))
    table = ("/* BEGIN GENERATED TABLE */\nstatic const struct row rows[] = {\n"
             + "\n".join(rows) + "\n    {NULL, NULL, 0, NULL, 0},\n};\n"
             "/* END GENERATED TABLE */")
    text = open(source).read()
    text = re.sub(r"/\* BEGIN GENERATED TABLE \*/.*/\* END GENERATED TABLE \*/",
                  lambda _: table, text, flags=re.S)
    open(source, "w").write(text)
    print("%d rows" % len(rows))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
