#!/usr/bin/env python3
"""Runs one threat of the attack suite (HARDENING.md, T1..T5) against one
library: a baseline run (victim + well-behaved peer, no attacker) and an
attack run (the same plus the attacker), and reports

  peak RSS (VmHWM) and peak VmSize (VmPeak) of the victim in MiB,
  the victim's CPU seconds (user + sys) in the attack run,
  survived: the victim was alive at the end and still serving the
            well-behaved peer in the last second,
  legit:    the well-behaved peer's throughput (thr) or median latency (lat)
            in the attack run as a ratio of the baseline run.

Used by scripts/attack.sh (the table) and by check_attack.py (ctest bounds).
Standard library only. Every process runs under `timeout`, and all of them
are killed when this script exits.

  attack_run.py --bin DIR --lib DIR --threat T1 [--profile default]
                [--label NAME] [--expect rampart|libzmq] [--quick]
                [--logdir DIR] [--clean-env] [--row]

Threats: T1 T2 T3 T3-fd256 T4 T5, and T3-churn (T3 with the attacker
reopening every connection the victim closes, 1 s later: no idle stretch).
"""
import argparse
import atexit
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

THREATS = ["T1", "T2", "T3", "T3-fd256", "T4", "T5", "T3-churn"]
CLK_TCK = os.sysconf("SC_CLK_TCK")

_children = []


def now_ms():
    return int(time.monotonic() * 1000)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_kv(words):
    kv = {}
    for w in words:
        k, sep, v = w.partition("=")
        if not sep:
            kv[k] = True
            continue
        try:
            kv[k] = int(v)
        except ValueError:
            try:
                kv[k] = float(v)
            except ValueError:
                kv[k] = v
    return kv


class Child:
    """A program under `timeout` (its own process group), with its READY,
    ESTABLISHED, TICK and RESULT lines parsed as they arrive."""

    def __init__(self, name, argv, env, limit_s, logdir, tag):
        self.name = name
        self.ready = None
        self.established = None
        self.result = None
        self.ticks = []
        self.cond = threading.Condition()
        self.eof = False
        base = os.path.join(logdir, "%s.%s" % (tag, name))
        self.err_path = base + ".err"
        self.out_log = open(base + ".out", "w")
        err = open(self.err_path, "w")
        self.argv = argv
        self.proc = subprocess.Popen(
            ["timeout", "-k", "3", str(int(limit_s))] + argv,
            stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
            env=env, text=True, bufsize=1)
        err.close()
        _children.append(self)
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    def _reader(self):
        for line in self.proc.stdout:
            self.out_log.write(line)
            parts = line.split()
            if not parts:
                continue
            kind, kv = parts[0], parse_kv(parts[1:])
            with self.cond:
                if kind == "READY":
                    self.ready = kv
                elif kind == "ESTABLISHED":
                    self.established = kv
                elif kind == "TICK":
                    self.ticks.append(kv)
                elif kind == "RESULT":
                    self.result = kv
                self.cond.notify_all()
        self.out_log.flush()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait_for(self, attr, timeout_s):
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while getattr(self, attr) is None and not self.eof:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return getattr(self, attr)

    @property
    def pid(self):
        return self.ready.get("pid") if self.ready else None

    def alive(self):
        return self.proc.poll() is None

    def stop(self, grace_s=5.0):
        """SIGTERM to the program (it prints RESULT and exits), then the
        whole group is killed if it is not gone within grace_s. Returns the
        exit status of `timeout` (the program's, or 124/137)."""
        if self.alive():
            try:
                if self.pid:
                    os.kill(self.pid, signal.SIGTERM)
                else:
                    os.killpg(self.proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc.wait()
        self.thread.join(2)
        return self.proc.returncode

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def stderr_head(self):
        try:
            with open(self.err_path) as f:
                for line in f:
                    if line.strip():
                        return line.strip()[:160]
        except OSError:
            pass
        return ""


def kill_all():
    for c in _children:
        if c.alive():
            c.kill()


atexit.register(kill_all)


def _on_signal(sig, frame):
    kill_all()
    sys.exit(128 + sig)


def install_signal_handlers():
    """SIGTERM/SIGINT/SIGHUP kill every child before exiting."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _on_signal)


class Sampler:
    """Reads the victim's /proc status and CPU every 100 ms."""

    def __init__(self, pid):
        self.pid = pid
        self.hwm_kb = 0
        self.peak_kb = 0
        self.cpu_ms = 0
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def read(self):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        self.hwm_kb = max(self.hwm_kb, int(line.split()[1]))
                    elif line.startswith("VmPeak:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            self.cpu_ms = max(self.cpu_ms, self.cpu_now())
        except (OSError, ValueError, IndexError):
            pass

    def cpu_now(self):
        """The victim's user + system CPU in ms (-1 if gone)."""
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) * 1000 // CLK_TCK
        except (OSError, ValueError, IndexError):
            return -1

    def _run(self):
        while not self.stopped:
            self.read()
            time.sleep(0.1)

    def stop(self):
        self.read()
        self.stopped = True


def tick_rate(ticks, key, w0, w1):
    """Rate per second of counter `key` over [w0, w1] (monotonic ms)."""
    inside = [t for t in ticks if key in t and w0 <= t["t"] <= w1]
    if len(inside) < 2 or inside[-1]["t"] <= inside[0]["t"]:
        return None
    a, b = inside[0], inside[-1]
    return (b[key] - a[key]) * 1000.0 / (b["t"] - a["t"])


def tick_delta(ticks, key, w0, w1):
    """How much counter `key` grew over [w0, w1]; None without ticks."""
    inside = [t for t in ticks if key in t and w0 <= t["t"] <= w1]
    before = [t for t in ticks if key in t and t["t"] < w0]
    if not inside:
        return None
    start = before[-1][key] if before else inside[0][key]
    return inside[-1][key] - start


# ---------------------------------------------------------------- threats
def threat_plan(threat, quick):
    """Programs and timing of one threat. Times in seconds."""
    plan = {
        "warm": 1.0,
        "ramp": 1.0 if quick else 2.0,
        "window": 4.0 if quick else 8.0,
        "base_window": 2.0 if quick else 4.0,
        "establish_s": 8.0,
    }
    if threat == "T1":
        plan.update(
            victim=["pub", "--size", "256K", "--rate", "100"],
            legit=["subs", "--count", "24"],
            attacker=["stall", "--type", "SUB", "--count", "8", "--rcvbuf", "4096"],
            metric=("legit", "msgs", "thr"))
    elif threat == "T2":
        plan.update(
            victim=["pull", "--rate", "5000"],
            legit=["push", "--size", "64"],
            attacker=["flood", "--count", "4", "--size", "256K"],
            metric=("victim", "legit", "thr"))
    elif threat in ("T3", "T3-fd256", "T3-churn"):
        limited = threat == "T3-fd256"
        # with 256 fds the victim cannot take more than ~256 + its backlog:
        # do not wait as long for the other thousands
        establish_ms = 4000 if limited else 7000
        plan.update(
            victim=["rep", "--nofile", "256" if limited else "max"],
            legit=["req", "--interval-ms", "10"],
            # T3-churn: a connection the victim closes comes back after 1 s
            attacker=["connflood", "--count", "10000", "--inflight", "2000",
                      "--establish-ms", str(establish_ms),
                      "--reconnect", "1" if threat == "T3-churn" else "0"],
            metric=("legit", "median_after_us", "lat"),
            ramp=0.5, window=5.0, base_window=5.0,
            establish_s=establish_ms / 1000.0 + 2.0)
    elif threat == "T4":
        plan.update(
            victim=["pull", "--rate", "5000"],
            legit=["push", "--size", "64"],
            attacker=["giant", "--count", "100", "--declare", "1G", "--chunk", "1K",
                      "--interval-ms", "100"],
            metric=("victim", "legit", "thr"))
    elif threat == "T5":
        plan.update(
            victim=["push", "--size", "1M"],
            legit=["pull"],
            attacker=["stall", "--type", "PULL", "--count", "1", "--rcvbuf", "4096"],
            metric=("legit", "msgs", "thr"))
    else:
        raise SystemExit("unknown threat %s (one of %s)" % (threat, " ".join(THREATS)))
    return plan


class Runner:
    def __init__(self, bindir, libdir, profile, expect, logdir, clean_env, quick):
        self.bindir = bindir
        self.quick = quick
        self.expect = expect
        self.logdir = logdir
        env = dict(os.environ)
        if clean_env:
            for k in list(env):
                if k.startswith("RAMPART_"):
                    del env[k]
        env.pop("LD_PRELOAD", None)
        env["LD_LIBRARY_PATH"] = libdir
        if profile:
            env["RAMPART_PROFILE"] = profile
        else:
            env.pop("RAMPART_PROFILE", None)
        self.env = env

    def prog(self, name):
        return os.path.join(self.bindir, name)

    def run_once(self, threat, attack, tag):
        """One run; returns a dict of measurements."""
        plan = threat_plan(threat, self.quick)
        window = plan["window"] if attack else plan["base_window"]
        total = plan["warm"] + plan["establish_s"] + plan["ramp"] + window + 30
        r = {"attack": attack, "errors": []}
        victim = Child("victim", [self.prog("attack_victim")] + plan["victim"],
                       self.env, total, self.logdir, tag)
        ready = victim.wait_for("ready", 10)
        if not ready or "endpoint" not in ready:
            victim.stop(2)
            r["errors"].append("victim did not start: rc=%s %s" %
                               (victim.proc.returncode, victim.stderr_head()))
            return r
        if self.expect is not None and ready.get("rampart") != (1 if self.expect == "rampart" else 0):
            victim.stop(2)
            r["errors"].append("wrong library loaded: rampart=%s, expected %s" %
                               (ready.get("rampart"), self.expect))
            return r
        ep = ready["endpoint"]
        r["nofile"] = ready.get("nofile")
        sampler = Sampler(victim.pid)

        legit_argv = [self.prog("attack_legit")] + plan["legit"] + ["--connect", ep]
        mark = now_ms() + int(plan["warm"] * 1000)
        if plan["metric"][2] == "lat":
            legit_argv += ["--mark", str(mark), "--fresh-at", str(mark + 3000)]
        legit = Child("legit", legit_argv, self.env, total, self.logdir, tag)
        if not legit.wait_for("ready", 10):
            r["errors"].append("legit peer did not start: %s" % legit.stderr_head())
        time.sleep(max(0.0, (mark - now_ms()) / 1000.0))

        attacker = None
        t_est = now_ms()
        if attack:
            attacker = Child("attacker", [self.prog("attack_raw")] + plan["attacker"] +
                             ["--connect", ep], self.env, total, self.logdir, tag)
            est = attacker.wait_for("established", plan["establish_s"])
            t_est = now_ms()
            if est is None:
                r["errors"].append("attacker not established within %.0f s: %s" %
                                   (plan["establish_s"], attacker.stderr_head()))
            r["attacker_ready"] = attacker.ready
            r["established"] = est
            r["establish_ms"] = t_est - mark
        time.sleep(plan["ramp"])
        w0 = now_ms()
        cpu0 = sampler.cpu_now()
        time.sleep(window)
        w1 = now_ms()
        cpu1 = sampler.cpu_now()
        r["window_cpu_s"] = (cpu1 - cpu0) / 1000.0 if cpu0 >= 0 and cpu1 >= 0 else None
        r["window_s"] = (w1 - w0) / 1000.0
        r["alive_at_end"] = victim.alive()
        sampler.read()

        legit_rc = legit.stop()
        r["legit_result"] = legit.result
        if legit.result is None:
            r["errors"].append("legit peer: no RESULT (rc=%s) %s" % (legit_rc, legit.stderr_head()))
        if attacker is not None:
            attacker.stop()
            r["attacker_result"] = attacker.result
        victim_rc = victim.stop(10)
        sampler.stop()
        r["victim_rc"] = victim_rc
        r["victim_result"] = victim.result
        vres = victim.result or {}
        r["rss_kb"] = max(sampler.hwm_kb, vres.get("vmhwm_kb", 0) or 0)
        r["vmpeak_kb"] = max(sampler.peak_kb, vres.get("vmpeak_kb", 0) or 0)
        r["cpu_s"] = (vres["cpu_ms"] if "cpu_ms" in vres else sampler.cpu_ms) / 1000.0
        if victim_rc != 0 or victim.result is None:
            r["victim_error"] = "rc=%s %s" % (victim_rc, victim.stderr_head())

        # the well-behaved peer: its metric over the window, and whether it
        # was still served in the last second
        who, key, kind = plan["metric"]
        src = legit if who == "legit" else victim
        if kind == "thr":
            r["legit_value"] = tick_rate(src.ticks, key, w0, w1)
            tail = tick_delta(src.ticks, key, w1 - 1000, w1)
        else:
            lr = legit.result or {}
            v = lr.get(key, -1)
            r["legit_value"] = v if isinstance(v, (int, float)) and v >= 0 else None
            tail = tick_delta(legit.ticks, "ok", w1 - 1000, w1)
            for k in ("first_after_mark_ms", "fresh_ms", "timeouts", "max_after_us",
                      "p90_after_us"):
                r[k] = lr.get(k)
        r["serving_at_end"] = bool(tail)
        r["survived"] = bool(r["alive_at_end"] and r["serving_at_end"])
        if threat == "T1":
            r["live_min_sub_rate"] = tick_rate(legit.ticks, "min_sub", w0, w1)
            r["pub_rate"] = tick_rate(victim.ticks, "sent", w0, w1)
        if threat in ("T2", "T4"):
            r["other_rate"] = tick_rate(victim.ticks, "other", w0, w1)
        if threat == "T5":
            r["push_rate"] = tick_rate(victim.ticks, "sent", w0, w1)
            r["eagain"] = vres.get("failed")
            r["max_send_ms"] = vres.get("max_send_ms")
        return r

    def run_threat(self, threat):
        """Baseline, then attack; returns a summary dict."""
        tag = threat
        log("  %s: baseline run" % threat)
        base = self.run_once(threat, False, tag + ".base")
        log("  %s: attack run" % threat)
        att = self.run_once(threat, True, tag + ".attack")
        return summarize(threat, base, att)


def fmt_ms(v):
    if v is None:
        return "?"
    if v < 0:
        return "none"
    return "%d ms" % v


def summarize(threat, base, att):
    kind = threat_plan(threat, True)["metric"][2]
    s = {"threat": threat, "base": base, "attack": att}
    s["errors"] = base["errors"] + att["errors"]
    s["rss_mib"] = att.get("rss_kb", 0) / 1024.0
    s["vmpeak_mib"] = att.get("vmpeak_kb", 0) / 1024.0
    s["cpu_s"] = att.get("cpu_s")
    s["survived"] = att.get("survived", False)
    s["base_rss_mib"] = base.get("rss_kb", 0) / 1024.0
    bv, av = base.get("legit_value"), att.get("legit_value")
    s["legit_kind"] = kind
    s["legit_base"], s["legit_attack"] = bv, av
    ratio = None
    if bv and av is not None and bv > 0:
        ratio = av / bv
    elif kind == "thr" and bv and av is None:
        ratio = 0.0
    s["legit_ratio"] = ratio
    notes = []
    if kind == "thr":
        notes.append("legit %s/s (base %s)" % (fmt_num(av), fmt_num(bv)))
    if threat == "T1":
        notes.append("min sub %s/s; pub %s/s" % (fmt_num(att.get("live_min_sub_rate")),
                                                 fmt_num(att.get("pub_rate"))))
    elif threat in ("T2", "T4"):
        if threat == "T2":
            notes.append("flood msgs %s/s" % fmt_num(att.get("other_rate")))
        ar = att.get("attacker_result") or {}
        if threat == "T4":
            notes.append("giant conns closed %s" % ar.get("closed", "?"))
    elif kind == "lat":
        notes.append("median %s us (base %s)" % (fmt_num(av), fmt_num(bv)))
        notes.append("1st reply %s (base %s)" % (fmt_ms(att.get("first_after_mark_ms")),
                                                fmt_ms(base.get("first_after_mark_ms"))))
        notes.append("new client %s" % fmt_ms(att.get("fresh_ms")))
        if att.get("window_cpu_s") is not None:
            notes.append("idle-5s CPU %.2f s" % att["window_cpu_s"])
        est = att.get("established") or {}
        ar = att.get("attacker_result") or {}
        notes.append("conns up %s/%s after %.1f s" % (
            est.get("up", "?"), est.get("target", "?"), att.get("establish_ms", 0) / 1000.0))
        if ar.get("closed"):
            notes.append("closed by victim %s" % ar.get("closed"))
    elif threat == "T5":
        notes.append("EAGAIN %s" % att.get("eagain", "?"))
    ready = att.get("attacker_ready") or {}
    if ready.get("count", 0) < ready.get("requested", 0):
        notes.append("attacker fd-limited to %s conns" % ready.get("count"))
    if att.get("victim_error"):
        notes.append("victim " + att["victim_error"])
    if not att.get("serving_at_end", True) and att.get("alive_at_end"):
        notes.append("not serving at end")
    s["note"] = "; ".join(notes)
    return s


def fmt_num(v):
    if v is None:
        return "?"
    if abs(v) >= 100:
        return "%.0f" % v
    return "%.3g" % v


def fmt_ratio(s):
    r = s["legit_ratio"]
    if r is None:
        return "?"
    return "%s %.2f" % (s["legit_kind"], r)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="directory of attack_victim, attack_legit, attack_raw")
    ap.add_argument("--lib", required=True, help="directory with the libzmq.so.5 to load")
    ap.add_argument("--threat", required=True, choices=THREATS)
    ap.add_argument("--profile", default="", help="RAMPART_PROFILE for every process")
    ap.add_argument("--label", default="", help="library label for the row")
    ap.add_argument("--expect", choices=["rampart", "libzmq"], help="fail unless this library loads")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--logdir", default="")
    ap.add_argument("--clean-env", action="store_true", help="drop RAMPART_* variables (except --profile)")
    ap.add_argument("--row", action="store_true", help="print one tab-separated ROW line on stdout")
    a = ap.parse_args()
    install_signal_handlers()
    logdir = a.logdir or tempfile.mkdtemp(prefix="rampart-attack-")
    os.makedirs(logdir, exist_ok=True)
    runner = Runner(a.bin, a.lib, a.profile, a.expect, logdir, a.clean_env, a.quick)
    s = runner.run_threat(a.threat)
    label = a.label or a.lib
    for e in s["errors"]:
        log("  %s [%s]: %s" % (a.threat, label, e))
    if a.row:
        print("ROW\t%s\t%s\t%.1f\t%.1f\t%s\t%s\t%s\t%s" % (
            a.threat, label, s["rss_mib"], s["vmpeak_mib"],
            "%.2f" % s["cpu_s"] if s["cpu_s"] is not None else "?",
            "yes" if s["survived"] else "no", fmt_ratio(s),
            s["note"] + ("; ERROR " + s["errors"][0] if s["errors"] else "")))
    else:
        print("%s [%s]: rss %.1f MiB, vmpeak %.1f MiB, cpu %s s, survived %s, legit %s; %s" % (
            a.threat, label, s["rss_mib"], s["vmpeak_mib"], s["cpu_s"],
            "yes" if s["survived"] else "no", fmt_ratio(s), s["note"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
