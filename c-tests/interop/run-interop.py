#!/usr/bin/env python3
"""Interop driver: pairs two peer processes running on different libzmqs.

    run-interop.py --a SIDE --b SIDE --patterns P[,P...] [--transports tcp,ipc]
                   --peer PATH --rampart-lib DIR [--libzmq-dir DIR]
                   [--expect-version X.Y.Z] [--python PATH | --python-default PATH]
                   [--require-python]
                   [--system-python PATH] [--check-binary HEADER_VERSION]
                   [--check-metadata] [--curve]
    run-interop.py --selftest ... (same configuration options)

Standard library only. For every pattern and transport it runs all four
arrangements of the two sides: side A plays the pattern's first role and then
its second, and for each, side A binds and then side B binds. The binding peer
binds to tcp://127.0.0.1:* (or a fresh ipc path) and prints ZMQ_LAST_ENDPOINT;
the driver hands that to the connecting peer. Each process runs under
`timeout`, and each checks which libzmq it loaded, so a wrong loader path
fails instead of passing vacuously.

Sides
  rampart          interop_peer, LD_LIBRARY_PATH=<rampart-lib>
  rampart-preload  interop_peer, LD_PRELOAD=<rampart-lib>/libzmq.so.5
  libzmq           interop_peer, LD_LIBRARY_PATH unset (Debian's libzmq5), or
                   LD_LIBRARY_PATH=<libzmq-dir> when that is not a system dir
  pyzmq            pyzmq_peer.py under --python (PyPI pyzmq: bundled libzmq)
  debpy-preload    pyzmq_peer.py under --system-python (Debian's python3-zmq,
                   linked to the system libzmq) with LD_PRELOAD=<rampart-lib>/
                   libzmq.so.5: it must find Rampart loaded
  debpy-ldpath     the same with LD_LIBRARY_PATH=<rampart-lib>

Patterns: reqrep pushpull pubsub dealerrouter multipart, and curvefail
(always with CURVE and a client that names the wrong server key: the binding
peer must see the handshake fail, nothing must pass); see peer.c.

--check-binary V  first check the interop_peer binary itself: NEEDED
                  libzmq.so.5, no RPATH/RUNPATH, and it reports that it was
                  compiled against zmq.h version V (Debian's header)
--selftest        shows the checks can fail: corrupted bytes in either
                  direction and a wrong library (on either side) must each
                  make a run fail
--check-metadata  the peers also check each received message's metadata
                  (Socket-Type, Peer-Address, routing ids as Identity)
--curve           every socket uses CURVE: the binding peer is the server,
                  the connecting one the client (interop_peer sides only)

--python PATH          the Python with PyPI's pyzmq (RAMPART_PYTHON): must work
--python-default PATH  used when --python is not given; if it does not exist
                       the pyzmq runs are skipped (exit 77) unless
                       --require-python

Exit status: 0 all passed, 1 something failed, 77 no pyzmq Python (see
above), 2 usage.
"""

import argparse
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PATTERNS = {
    "reqrep": ("req", "rep"),
    "pushpull": ("push", "pull"),
    "pubsub": ("pub", "sub"),
    "dealerrouter": ("dealer", "router"),
    "multipart": ("mp-req", "mp-rep"),
    "curvefail": ("cf-push", "cf-pull"),
}
# Extra peer options a pattern always needs.
PATTERN_OPTIONS = {"curvefail": ["--curve", "--curve-wrong-key"]}
PROC_TIMEOUT = 60  # seconds, per peer process (the peers also have a 60 s alarm)
ENDPOINT_WAIT = 20  # seconds for the binding peer to announce its endpoints
SYSTEM_LIB_DIRS = ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/lib",
                   "/usr/lib64", "/lib64")


def log(msg):
    print(msg, flush=True)


class Config:
    def __init__(self, args):
        self.peer = os.path.abspath(args.peer)
        self.rampart_lib = os.path.realpath(args.rampart_lib)
        self.libzmq_dir = os.path.realpath(args.libzmq_dir) if args.libzmq_dir else None
        self.expect_version = args.expect_version
        self.python = args.python
        self.system_python = args.system_python
        self.pyzmq_peer = os.path.join(HERE, "pyzmq_peer.py")

    def base_env(self):
        env = dict(os.environ)
        for k in ("LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH", "PYTHONHOME"):
            env.pop(k, None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def side(self, kind):
        """(argv prefix, env, expected LIB kind, extra peer args)."""
        env = self.base_env()
        rampart_so = os.path.join(self.rampart_lib, "libzmq.so.5")
        rampart_checks = ["--expect", "rampart", "--expect-dir", self.rampart_lib]
        if self.expect_version:
            rampart_checks += ["--expect-version", self.expect_version]
        if kind == "rampart":
            env["LD_LIBRARY_PATH"] = self.rampart_lib
            return [self.peer], env, "rampart", rampart_checks
        if kind == "rampart-preload":
            env["LD_PRELOAD"] = rampart_so
            return [self.peer], env, "rampart", rampart_checks
        if kind == "libzmq":
            extra = ["--expect", "libzmq"]
            if self.libzmq_dir:
                extra += ["--expect-dir", self.libzmq_dir]
                if self.libzmq_dir not in [os.path.realpath(d) for d in SYSTEM_LIB_DIRS]:
                    env["LD_LIBRARY_PATH"] = self.libzmq_dir
            return [self.peer], env, "libzmq", extra
        if kind == "pyzmq":
            return ([self.python, self.pyzmq_peer], env, "libzmq",
                    ["--expect", "pyzmq", "--rampart-dir", self.rampart_lib])
        if kind in ("debpy-preload", "debpy-ldpath"):
            if kind == "debpy-preload":
                env["LD_PRELOAD"] = rampart_so
            else:
                env["LD_LIBRARY_PATH"] = self.rampart_lib
            return ([self.system_python, self.pyzmq_peer], env, "rampart",
                    ["--expect", "rampart", "--rampart-dir", self.rampart_lib])
        raise SystemExit("unknown side %r" % kind)


class Proc:
    """A peer process whose stdout/stderr are read by threads."""

    def __init__(self, name, argv, env):
        self.name = name
        self.argv = argv
        self.lines = queue.Queue()
        self.out = []
        self.err = []
        self.p = subprocess.Popen(
            ["timeout", "-k", "5", str(PROC_TIMEOUT)] + argv, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)
        self.t_out = threading.Thread(target=self._read, args=(self.p.stdout, self.out, True))
        self.t_err = threading.Thread(target=self._read, args=(self.p.stderr, self.err, False))
        self.t_out.daemon = self.t_err.daemon = True
        self.t_out.start()
        self.t_err.start()

    def _read(self, stream, sink, to_queue):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            sink.append(line)
            if to_queue:
                self.lines.put(line)
        if to_queue:
            self.lines.put(None)

    def wait_line(self, prefix, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            if line.startswith(prefix):
                return line

    def wait(self, deadline):
        try:
            rc = self.p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            rc = self.p.wait()
            self.err.append("(killed by the driver: deadline)")
        self.t_out.join(5)
        self.t_err.join(5)
        return rc

    def kill(self):
        """Kills `timeout` and the peer under it (their own process group)."""
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.p.wait()

    def transcript(self):
        cmd = " ".join(self.argv)
        return "    [%s] %s\n%s" % (self.name, cmd, "\n".join(
            ["      out: " + s for s in self.out] + ["      err: " + s for s in self.err]))


def run_pair(cfg, tmpdir, pattern, transport, a_kind, b_kind, a_role_idx, a_binds, extra_a=(),
             extra_b=(), label=None):
    """Runs one arrangement; returns (ok, description, details)."""
    roles = PATTERNS[pattern]
    a_role = roles[a_role_idx]
    b_role = roles[1 - a_role_idx]
    run_pair.counter += 1
    if transport == "tcp":
        templates = ["tcp://127.0.0.1:*", "tcp://127.0.0.1:*"]
    else:
        templates = ["ipc://%s/%s-%d-%d.ipc" % (tmpdir, pattern, run_pair.counter, i)
                     for i in (1, 2)]
    sides = {
        "A": (a_kind, a_role, list(extra_a)),
        "B": (b_kind, b_role, list(extra_b)),
    }
    binder, connector = ("A", "B") if a_binds else ("B", "A")
    desc = label or "%-12s %-3s %s(%s,%s) <-> %s(%s,%s)" % (
        pattern, transport, a_kind, a_role, "bind" if a_binds else "connect",
        b_kind, b_role, "connect" if a_binds else "bind")

    def start(which, mode, eps):
        kind, role, extra = sides[which]
        prefix, env, lib_kind, checks = cfg.side(kind)
        argv = prefix + [role, mode] + eps + checks + extra
        return Proc("%s %s %s" % (kind, role, mode), argv, env), lib_kind

    t0 = time.monotonic()
    procs = []
    problems = []
    try:
        bproc, b_lib = start(binder, "bind", templates)
        procs.append((bproc, b_lib, sides[binder][1]))
        line = bproc.wait_line("ENDPOINTS ", ENDPOINT_WAIT)
        if line is None:
            problems.append("the binding peer announced no endpoints")
        else:
            eps = line.split()[1:]
            cproc, c_lib = start(connector, "connect", eps)
            procs.append((cproc, c_lib, sides[connector][1]))
        deadline = time.monotonic() + PROC_TIMEOUT + 10
        # Once one peer has failed, the other would only wait for its
        # timeouts: stop it after a short grace period.
        while time.monotonic() < deadline and any(p.p.poll() is None for p, _, _ in procs):
            if any(p.p.poll() not in (None, 0) for p, _, _ in procs):
                time.sleep(0.5)
                for p, _, _ in procs:
                    if p.p.poll() is None:
                        p.err.append("(stopped by the driver: the other peer failed)")
                        p.kill()
                break
            time.sleep(0.02)
        for proc, lib_kind, role in procs:
            rc = proc.wait(deadline)
            if rc != 0:
                problems.append("%s exited with %d" % (proc.name, rc))
            libs = [s for s in proc.out if s.startswith("LIB ")]
            if not libs or libs[0].split()[1] != lib_kind:
                problems.append("%s: expected a LIB %s line, got %s" % (proc.name, lib_kind, libs))
            if not any(s.startswith("OK %s " % role) or s == "OK %s" % role for s in proc.out):
                problems.append("%s: no 'OK %s' line" % (proc.name, role))
    finally:
        for proc, _, _ in procs:
            proc.kill()
    secs = time.monotonic() - t0
    ok = not problems
    details = ""
    if not ok:
        details = "  problems: %s\n%s" % ("; ".join(problems),
                                          "\n".join(p.transcript() for p, _, _ in procs))
    return ok, "%s  %.2fs" % (desc, secs), details, procs


run_pair.counter = 0


def check_binary(cfg, header_version):
    """The peer is an unmodified libzmq program: NEEDED libzmq.so.5, no RPATH."""
    problems = []
    try:
        out = subprocess.run(["readelf", "-d", cfg.peer], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as e:
        return ["readelf failed: %s" % e]
    if "Shared library: [libzmq.so.5]" not in out:
        problems.append("%s does not need libzmq.so.5:\n%s" % (cfg.peer, out))
    for tag in ("(RPATH)", "(RUNPATH)"):
        if tag in out:
            problems.append("%s has an %s entry" % (cfg.peer, tag))
    env = cfg.base_env()
    r = subprocess.run(["timeout", "30", cfg.peer, "--header-version"], env=env,
                       capture_output=True, text=True)
    got = r.stdout.strip()
    if r.returncode != 0 or got != header_version:
        problems.append("the binary was compiled against zmq.h %r, expected Debian's %s (%s)"
                        % (got, header_version, r.stderr.strip()))
    log("binary: %s: NEEDED libzmq.so.5, no RPATH/RUNPATH, compiled against zmq.h %s%s"
        % (cfg.peer, got, "" if not problems else "  -> PROBLEM"))
    return problems


def python_usable(cfg, args):
    """None if the pyzmq Python is usable, else the exit status (77 skip / 1 fail).

    --python (RAMPART_PYTHON) was configured explicitly: it must work.
    --python-default (build/venv/bin/python): a missing one skips the test
    (scripts/test.sh treats the venv as optional), unless --require-python."""
    if not cfg.python and args.python_default:
        if os.path.exists(args.python_default):
            cfg.python = args.python_default
        else:
            msg = ("no pyzmq Python: RAMPART_PYTHON is not configured and %s does not exist "
                   "(scripts/test.sh creates that venv)" % args.python_default)
            log(("FAIL: " if args.require_python else "SKIP: ") + msg)
            return 1 if args.require_python else 77
    if not cfg.python:
        log(("FAIL: " if args.require_python else "SKIP: ") + "no pyzmq Python configured")
        return 1 if args.require_python else 77
    if not os.access(cfg.python, os.X_OK):
        log("FAIL: the pyzmq Python %s does not exist or is not executable" % cfg.python)
        return 1
    r = subprocess.run([cfg.python, "-c",
                        "import zmq; print(zmq.pyzmq_version(), zmq.zmq_version())"],
                       capture_output=True, text=True, timeout=60, env=cfg.base_env())
    if r.returncode != 0:
        log("FAIL: %s cannot import zmq:\n%s" % (cfg.python, r.stderr))
        return 1
    log("pyzmq: %s -> pyzmq %s" % (cfg.python, r.stdout.strip()))
    return None


def selftest(cfg, tmpdir, other):
    """Each of these runs must FAIL; returns the problems (runs that passed)."""
    problems = []
    cases = [
        ("corrupt bytes from %s to rampart (pushpull)" % other, "pushpull", "rampart", other,
         1, [], ["--corrupt"]),
        ("corrupt bytes from rampart to %s (reqrep)" % other, "reqrep", "rampart", other,
         0, ["--corrupt"], []),
        ("corrupt bytes from %s to rampart (multipart)" % other, "multipart", "rampart", other,
         0, [], ["--corrupt"]),
    ]
    for label, pattern, a, b, idx, ea, eb in cases:
        ok, desc, _, procs = run_pair(cfg, tmpdir, pattern, "tcp", a, b, idx, True, ea, eb,
                                      label=label)
        failed_ok = [p for p, _, _ in procs if any("unexpected message" in s for s in p.err)]
        if ok or not failed_ok:
            problems.append("%s: expected the receiver to report 'unexpected message'" % label)
            log("SELFTEST-PROBLEM %s" % desc)
        else:
            log("selftest ok (failed as it must): %s" % desc)
    # A loader mix-up must not pass: the Rampart side expecting Rampart but
    # given the reference library.
    prefix, env, _, checks = cfg.side("libzmq")
    rprefix, _, _, rchecks = cfg.side("rampart")
    r = subprocess.run(["timeout", "30"] + rprefix + ["push", "bind", "tcp://127.0.0.1:*"] + rchecks,
                       env=env, capture_output=True, text=True)
    if r.returncode == 0 or "expected Rampart" not in r.stderr:
        problems.append("a peer expecting Rampart ran on the reference libzmq (rc %d): %s"
                        % (r.returncode, r.stderr.strip()))
    else:
        log("selftest ok (failed as it must): Rampart expected, reference libzmq loaded: %s"
            % r.stderr.strip())
    if other == "pyzmq":
        # The pyzmq side must notice when it is not on its own libzmq.
        prefix, env, _, _ = cfg.side("debpy-preload")
        r = subprocess.run(["timeout", "30"] + prefix + ["push", "bind", "tcp://127.0.0.1:*",
                                                         "--expect", "pyzmq", "--rampart-dir",
                                                         cfg.rampart_lib],
                           env=env, capture_output=True, text=True)
        if r.returncode == 0 or "Rampart is loaded" not in r.stderr:
            problems.append("a pyzmq peer on Rampart passed its library check (rc %d): %s"
                            % (r.returncode, r.stderr.strip()))
        else:
            log("selftest ok (failed as it must): pyzmq side expected, Rampart loaded: %s"
                % r.stderr.strip())
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", default="rampart")
    ap.add_argument("--b", default="libzmq")
    # By default every pattern that needs no special options.
    ap.add_argument("--patterns",
                    default=",".join(p for p in PATTERNS if p not in PATTERN_OPTIONS))
    ap.add_argument("--transports", default="tcp,ipc")
    ap.add_argument("--peer", required=True)
    ap.add_argument("--rampart-lib", required=True)
    ap.add_argument("--libzmq-dir")
    ap.add_argument("--expect-version")
    ap.add_argument("--python", default="")
    ap.add_argument("--python-default", default="")
    ap.add_argument("--require-python", action="store_true")
    ap.add_argument("--system-python", default="/usr/bin/python3")
    ap.add_argument("--check-binary", metavar="HEADER_VERSION")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--check-metadata", action="store_true")
    ap.add_argument("--curve", action="store_true")
    args = ap.parse_args()
    cfg = Config(args)

    patterns = [p for p in args.patterns.split(",") if p]
    transports = [t for t in args.transports.split(",") if t]
    for p in patterns:
        if p not in PATTERNS:
            ap.error("unknown pattern %s" % p)
    for t in transports:
        if t not in ("tcp", "ipc"):
            ap.error("unknown transport %s" % t)
    if not os.access(cfg.peer, os.X_OK):
        log("FAIL: peer program %s missing" % cfg.peer)
        return 1
    so = os.path.join(cfg.rampart_lib, "libzmq.so.5")
    if not os.path.exists(so):
        log("FAIL: no Rampart library %s" % so)
        return 1
    if "pyzmq" in (args.a, args.b):
        status = python_usable(cfg, args)
        if status is not None:
            return status
    for kind in (args.a, args.b):
        if kind.startswith("debpy") and not os.access(cfg.system_python, os.X_OK):
            log("FAIL: %s (Debian's python3 with python3-zmq) is missing" % cfg.system_python)
            return 1

    failures = []
    if args.check_binary:
        failures += check_binary(cfg, args.check_binary)

    tmpdir = tempfile.mkdtemp(prefix="rampart-interop-")
    passed = 0
    try:
        if args.selftest:
            failures += selftest(cfg, tmpdir, args.b)
        else:
            for pattern in patterns:
                for transport in transports:
                    for a_role_idx in (0, 1):
                        for a_binds in (True, False):
                            extra = ["--check-metadata"] if args.check_metadata else []
                            if args.curve:
                                extra.append("--curve")
                            extra += [o for o in PATTERN_OPTIONS.get(pattern, [])
                                      if o not in extra]
                            ok, desc, details, _ = run_pair(cfg, tmpdir, pattern, transport,
                                                            args.a, args.b, a_role_idx, a_binds,
                                                            extra, extra)
                            log("%s %s" % ("PASS" if ok else "FAIL", desc))
                            if ok:
                                passed += 1
                            else:
                                log(details)
                                failures.append(desc)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    if not args.selftest:
        log("%d passed, %d failed" % (passed, len(failures)))
    if failures:
        log("FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
