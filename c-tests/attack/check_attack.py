#!/usr/bin/env python3
"""ctest driver of the attack suite: runs one threat once (baseline + attack,
quick timings) against Rampart with RAMPART_PROFILE=default and checks the
bounds of HARDENING.md's default profile. Exit 0 = pass, 1 = a bound was
missed, 2 = the scenario itself could not run.

  check_attack.py --threat T4 --bin DIR --lib DIR [--logdir DIR]

Bounds (MiB = 1024 * 1024 bytes; the per-pipe byte cap is 32 MiB):
  T1        PUB victim peak RSS < 8 x 32 MiB + 128 MiB; every live
            subscriber keeps receiving
  T2        victim survives, peak RSS < 256 MiB, the legitimate PUSH gets
            >= 10% of its baseline throughput
  T3, T3-fd256 (and T3-churn, not registered)
            victim survives, never spins (CPU over an idle 5 s stretch of
            the flood < 1 s), serves the connected client within 1 s of the
            flood's start and a newly connecting client within 3 s
  T4        victim peak RSS < 100 x 64 KiB + 64 MiB; survives
  T5        PUSH victim peak RSS < 2 x 32 MiB + 64 MiB; the healthy PULL
            keeps receiving
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attack_run  # noqa: E402

MIB = 1024.0 * 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threat", required=True, choices=attack_run.THREATS)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--logdir", default="")
    a = ap.parse_args()
    attack_run.install_signal_handlers()
    logdir = a.logdir or tempfile.mkdtemp(prefix="rampart-attack-check-")
    os.makedirs(logdir, exist_ok=True)
    runner = attack_run.Runner(a.bin, a.lib, "default", "rampart", logdir,
                               clean_env=True, quick=True)
    s = runner.run_threat(a.threat)
    att, base = s["attack"], s["base"]
    print("%s on rampart/default: peak RSS %.1f MiB (baseline %.1f), peak VmSize "
          "%.1f MiB, CPU %.2f s, survived %s, legit %s; %s" % (
              a.threat, s["rss_mib"], s["base_rss_mib"], s["vmpeak_mib"],
              s["cpu_s"] or 0.0, "yes" if s["survived"] else "no",
              attack_run.fmt_ratio(s), s["note"]))
    print("logs: %s" % logdir)
    if s["errors"]:
        for e in s["errors"]:
            print("ERROR: %s" % e)
        return 2

    failures = []

    def bound(ok, what):
        print("  %s %s" % ("ok  " if ok else "FAIL", what))
        if not ok:
            failures.append(what)

    t = a.threat
    rss = s["rss_mib"]
    if t == "T1":
        limit = 8 * 32 + 128
        bound(rss < limit, "PUB peak RSS %.1f MiB < %d MiB" % (rss, limit))
        m = att.get("live_min_sub_rate")
        bound(m is not None and m > 0,
              "every live subscriber keeps receiving (the slowest: %s msg/s)" %
              attack_run.fmt_num(m))
        bound(att.get("serving_at_end", False), "live subscribers served in the last second")
    elif t == "T2":
        bound(s["survived"], "victim survives and serves the legitimate PUSH to the end")
        bound(rss < 256, "victim peak RSS %.1f MiB < 256 MiB" % rss)
        r = s["legit_ratio"]
        bound(r is not None and r >= 0.10,
              "legitimate PUSH throughput %s of baseline >= 0.10" %
              ("?" if r is None else "%.2f" % r))
    elif t in ("T3", "T3-fd256", "T3-churn"):
        bound(s["survived"], "victim survives and serves the client to the end")
        cpu = att.get("window_cpu_s")
        bound(cpu is not None and cpu < 1.0,
              "victim CPU over an idle 5 s stretch of the flood %s s < 1 s" %
              ("?" if cpu is None else "%.2f" % cpu))
        first = att.get("first_after_mark_ms")
        bound(first is not None and 0 <= first <= 1000,
              "connected client's first reply %s ms after the flood started <= 1000 ms" % first)
        # A newcomer queues in the kernel backlog behind the flood while the
        # handshake slots rotate (one may turn stale per slot per second), and
        # its SYN may be dropped and resent after 1 s: served, not locked out.
        fresh = att.get("fresh_ms")
        bound(fresh is not None and 0 <= fresh <= 3000,
              "a client connecting during the flood served in %s ms <= 3000 ms" %
              ("(never)" if fresh is not None and fresh < 0 else fresh))
    elif t == "T4":
        limit = 100 * 64 / 1024.0 + 64
        bound(rss < limit, "victim peak RSS %.1f MiB < %.2f MiB" % (rss, limit))
        bound(s["survived"], "victim survives and serves the legitimate PUSH to the end")
    elif t == "T5":
        limit = 2 * 32 + 64
        bound(rss < limit, "PUSH victim peak RSS %.1f MiB < %d MiB" % (rss, limit))
        v = s["legit_attack"]
        bound(v is not None and v > 0 and att.get("serving_at_end", False),
              "the healthy PULL keeps receiving (%s msg/s, baseline %s)" % (
                  attack_run.fmt_num(v), attack_run.fmt_num(s["legit_base"])))
    if failures:
        print("FAILED: %d bound(s) missed" % len(failures))
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
