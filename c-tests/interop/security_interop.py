#!/usr/bin/env python3
"""PLAIN, CURVE and ZAP between Rampart and real libzmqs, in both directions.

    security_interop.py --rampart-lib DIR --pairs SERVER:CLIENT[,...]
                        [--python PATH] [--system-python PATH] [--cases C,...]
    security_interop.py --role server|client ...   (one peer; used by the driver)

Every peer is a pyzmq program, so this is also how pyzmq users meet Rampart:
the server runs pyzmq's own ZAP authenticator (zmq.auth.thread), which binds
inproc://zeromq.zap.01 and answers the library's ZAP requests.

Sides
  rampart  Debian's python3-zmq (--system-python) with LD_LIBRARY_PATH=<rampart-lib>:
           pyzmq-style usage of Rampart with no rebuild
  libzmq   Debian's python3-zmq on Debian's libzmq 4.3.4 (built with libsodium)
  pyzmq    the PyPI wheel (--python), which carries its own libzmq 4.3.5

Cases (each over tcp on 127.0.0.1, a REQ client and a REP server)
  plain-ok          PLAIN, right password: the reply arrives; the server sees
                    User-Id "admin" on the request
  plain-bad-pass    PLAIN, wrong password: no reply, the client's monitor
                    reports HANDSHAKE_FAILED_AUTH with status 400
  curve-ok          CURVE, right server key, client key allowed: the reply arrives
  curve-bad-server  CURVE, the client holds a wrong server key: no reply
  curve-denied      CURVE, the authenticator denies the client's key
                    (configure_curve_callback): no reply, HANDSHAKE_FAILED_AUTH
  null-denied       NULL with a ZAP domain, the authenticator denies 127.0.0.1:
                    no reply

Every peer checks which libzmq it loaded (zmq_has("rampart") and the version),
so a wrong loader path fails instead of passing vacuously.
Exit status: 0 all passed, 1 something failed, 77 no PyPI pyzmq Python for a
pair that needs it.
"""

import argparse
import os
import subprocess
import sys
import time

CASES = ["plain-ok", "plain-bad-pass", "curve-ok", "curve-bad-server", "curve-denied", "null-denied"]
REPLY_WAIT_S = 2.0


# --- one peer ------------------------------------------------------------------
def check_library(zmq, side):
    is_rampart = bool(zmq.has("rampart"))
    want = side == "rampart"
    if is_rampart != want:
        sys.exit(f"{side}: loaded the wrong libzmq (zmq_has('rampart') = {is_rampart})")


def run_server(args):
    import zmq
    from zmq.auth.thread import ThreadAuthenticator

    check_library(zmq, args.side)
    ctx = zmq.Context()
    auth = ThreadAuthenticator(ctx)
    auth.start()
    sock = ctx.socket(zmq.REP)
    sock.linger = 0
    case = args.case
    if case.startswith("plain"):
        auth.configure_plain(domain="*", passwords={"admin": "secret"})
        sock.plain_server = True
    elif case.startswith("curve"):
        allowed = args.client_public.encode()

        def callback(domain, key):
            # pyzmq hands the key over Z85-encoded.
            return case != "curve-denied" and key == allowed

        if hasattr(auth, "configure_curve_callback"):
            # pyzmq >= 19: the callback object needs a `callback` method.
            class Keys:
                def callback(self, domain, key):
                    return callback(domain, key)

            auth.configure_curve_callback(domain="*", credentials_provider=Keys())
        else:
            auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)
        sock.curve_secretkey = args.server_secret.encode()
        sock.curve_publickey = args.server_public.encode()
        sock.curve_server = True
    elif case == "null-denied":
        auth.deny("127.0.0.1")
        sock.zap_domain = b"global"
    sock.bind("tcp://127.0.0.1:*")
    print(sock.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
    failures = 0
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    poller.register(sys.stdin, zmq.POLLIN)  # the driver closes it when the client is done
    deadline = time.monotonic() + args.serve_s
    while time.monotonic() < deadline:
        ready = dict(poller.poll(100))
        if sys.stdin.fileno() in ready:
            break
        if sock not in ready:
            continue
        frame = sock.recv(copy=False)
        if case == "plain-ok":
            user = frame.get("User-Id")
            if user != "admin":
                print(f"server: User-Id is {user!r}, want 'admin'", file=sys.stderr)
                failures += 1
        sock.send(b"reply:" + frame.bytes)
    auth.stop()
    sock.close()
    ctx.term()
    sys.exit(1 if failures else 0)


def run_client(args):
    import zmq
    import zmq.utils.monitor

    check_library(zmq, args.side)
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REQ)
    sock.linger = 0
    case = args.case
    if case.startswith("plain"):
        sock.plain_username = b"admin"
        sock.plain_password = b"secret" if case == "plain-ok" else b"wrong"
    elif case.startswith("curve"):
        sock.curve_publickey = args.client_public.encode()
        sock.curve_secretkey = args.client_secret.encode()
        server_key = args.server_public if case != "curve-bad-server" else args.wrong_public
        sock.curve_serverkey = server_key.encode()
    mon = sock.get_monitor_socket()
    sock.connect(args.endpoint)
    sock.send(b"hello")
    got = None
    if sock.poll(int(REPLY_WAIT_S * 1000)):
        got = sock.recv()
    # A failing handshake repeats with every reconnect: read for a bounded time.
    events = []
    until = time.monotonic() + 0.3
    while len(events) < 100 and mon.poll(max(1, int((until - time.monotonic()) * 1000))):
        events.append(zmq.utils.monitor.recv_monitor_message(mon))
    names = [(int(e["event"]), int(e["value"])) for e in events]
    expect_ok = case in ("plain-ok", "curve-ok")
    problems = []
    if expect_ok and got != b"reply:hello":
        problems.append(f"no reply (got {got!r}); events {names}")
    if not expect_ok and got is not None:
        problems.append(f"got a reply {got!r} although the handshake must fail")
    if not expect_ok and any(e == zmq.EVENT_HANDSHAKE_SUCCEEDED for e, _ in names):
        problems.append(f"the handshake succeeded: {names}")
    if case in ("plain-bad-pass", "curve-denied"):
        if (zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400) not in names:
            problems.append(f"no HANDSHAKE_FAILED_AUTH 400 event: {names}")
    sock.disable_monitor()
    mon.close()
    sock.close()
    ctx.term()
    if problems:
        # (event, value) pairs as numbers, the first few only.
        problems = [p if len(p) < 300 else p[:300] + "...]" for p in problems]
        print(f"client ({args.side}, {case}): " + "; ".join(problems), file=sys.stderr)
        sys.exit(1)
    sys.exit(0)


# --- the driver ------------------------------------------------------------------
def side_command(side, opts):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.pop("LD_LIBRARY_PATH", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if side == "rampart":
        env["LD_LIBRARY_PATH"] = opts.rampart_lib
        env["RAMPART_PROFILE"] = opts.profile
        py = opts.system_python
    elif side == "libzmq":
        py = opts.system_python
    elif side == "pyzmq":
        py = opts.python
    else:
        sys.exit(f"unknown side {side}")
    return [py, os.path.abspath(__file__)], env


def keypairs(opts):
    """Three CURVE key pairs made by Debian's libzmq (server, client, wrong)."""
    code = ("import zmq\n"
            "for _ in range(3):\n"
            "    p, s = zmq.curve_keypair(); print(p.decode(), s.decode())\n")
    out = subprocess.run([opts.system_python, "-c", code], capture_output=True, text=True,
                         timeout=30, check=True, env={"PATH": os.environ.get("PATH", "")})
    return [line.split() for line in out.stdout.splitlines()]


def run_pair(server, client, case, keys, opts):
    (spub, ssec), (cpub, csec), (wpub, _) = keys
    # "--opt=VALUE": a Z85 key may start with "-" and must not read as an option.
    common = ["--case=" + case, "--server-public=" + spub, "--server-secret=" + ssec,
              "--client-public=" + cpub, "--client-secret=" + csec, "--wrong-public=" + wpub]
    scmd, senv = side_command(server, opts)
    srv = subprocess.Popen(scmd + ["--role", "server", "--side", server] + common,
                           env=senv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        endpoint = srv.stdout.readline().strip()
        if not endpoint:
            return "server printed no endpoint"
        ccmd, cenv = side_command(client, opts)
        cli = subprocess.run(ccmd + ["--role", "client", "--side", client, "--endpoint", endpoint]
                             + common, env=cenv, timeout=30)
        if cli.returncode != 0:
            return f"client exit {cli.returncode}"
    finally:
        srv.stdin.close()
        try:
            rc = srv.wait(timeout=opts.serve_s + 15)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
            return "server hung"
    if rc != 0:
        return f"server exit {rc}"
    return None


def driver(opts):
    pairs = [p.split(":") for p in opts.pairs.split(",")]
    if any("pyzmq" in p for p in pairs) and not (opts.python and os.path.exists(opts.python)):
        print(f"no PyPI pyzmq Python at {opts.python!r}: skipped", file=sys.stderr)
        sys.exit(77)
    keys = keypairs(opts)
    failed = 0
    total = 0
    for server, client in pairs:
        for case in opts.cases.split(","):
            total += 1
            t0 = time.monotonic()
            err = run_pair(server, client, case, keys, opts)
            status = "ok" if err is None else f"FAILED: {err}"
            print(f"{server:>7} server <- {client:<7} client  {case:<17} "
                  f"{status} ({time.monotonic() - t0:.1f} s)", flush=True)
            failed += err is not None
    print(f"{total - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--role", choices=["server", "client"])
    ap.add_argument("--side")
    ap.add_argument("--case", choices=CASES)
    ap.add_argument("--endpoint")
    for k in ("server-public", "server-secret", "client-public", "client-secret", "wrong-public"):
        ap.add_argument("--" + k)
    ap.add_argument("--serve-s", type=float, default=30.0)
    ap.add_argument("--rampart-lib")
    ap.add_argument("--pairs", default="rampart:rampart,rampart:libzmq,libzmq:rampart")
    ap.add_argument("--python", default="")
    ap.add_argument("--system-python", default="/usr/bin/python3")
    ap.add_argument("--profile", default="default", help="RAMPART_PROFILE for the Rampart side")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated subset of the cases")
    opts = ap.parse_args()
    if opts.role in ("server", "client"):
        try:
            (run_server if opts.role == "server" else run_client)(opts)
        except Exception as exc:  # noqa: BLE001 - report any failure, then leave
            print(f"{opts.role} ({opts.side}, {opts.case}): {type(exc).__name__}: {exc}",
                  file=sys.stderr, flush=True)
            # The authenticator's thread or an unterminated context must not
            # keep a failed peer alive.
            os._exit(1)
    else:
        if not opts.rampart_lib:
            ap.error("--rampart-lib is required")
        driver(opts)


if __name__ == "__main__":
    main()
