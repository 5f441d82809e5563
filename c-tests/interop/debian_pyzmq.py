"""Debian's unmodified python3-zmq running on Rampart.

    LD_PRELOAD=PREFIX/lib/libzmq.so.5 /usr/bin/python3 debian_pyzmq.py \\
        --rampart-dir PREFIX/lib --mode preload [--expect-version 4.3.5]
    LD_LIBRARY_PATH=PREFIX/lib /usr/bin/python3 debian_pyzmq.py \\
        --rampart-dir PREFIX/lib --mode ldpath [--expect-version 4.3.5]

Debian's zmq extension modules are linked to the system libzmq.so.5 (4.3.4);
the loader hands them Rampart instead. The script first proves that: zmq is
Debian's package, zmq.zmq_version() is Rampart's version, zmq.has("rampart"),
and /proc/self/maps holds PREFIX/lib/libzmq.so.5 and no other libzmq. Then,
within the process:
  - REQ/REP over tcp, ipc and inproc (round trips with multipart messages)
  - PUB/SUB over tcp, ipc and inproc (prefix filters, a subscription added
    mid-stream, an unsubscribe; exact message lists)
  - zmq.asyncio (which waits on ZMQ_FD and reads ZMQ_EVENTS, edge-triggered):
    REQ/REP between two coroutines, and a SUB coroutine receiving bursts of
    1..200 messages published while it waits
With --mode reference (no LD_PRELOAD / LD_LIBRARY_PATH) the same checks run
on Debian's own libzmq from --reference-dir: the differential run, showing the
script checks libzmq's behaviour. Every wait is bounded (RCVTIMEO,
asyncio.wait_for, a 60 s alarm). Prints one
"ok" line per check and "N passed, 0 failed"; exits 0, or 1 on the first
failure.
"""

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time

import zmq
import zmq.asyncio

TIMEOUT_MS = 5000
passed = [0]


def fail(msg):
    print("FAIL: %s" % msg, flush=True)
    print("%d passed, 1 failed" % passed[0], flush=True)
    os._exit(1)


def ok(msg):
    passed[0] += 1
    print("ok %d - %s" % (passed[0], msg), flush=True)


def mapped_libzmq():
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and "libzmq" in os.path.basename(parts[5]):
                paths.add(os.path.realpath(parts[5]))
    return sorted(paths)


def check_loaded(args):
    zfile = os.path.realpath(zmq.__file__)
    if not zfile.startswith("/usr/lib/python3/dist-packages/"):
        fail("zmq comes from %s, not Debian's python3-zmq" % zfile)
    maps = mapped_libzmq()
    version = zmq.zmq_version()
    print("python %s, pyzmq %s (%s), libzmq %s, mapped: %s" % (
        sys.version.split()[0], zmq.pyzmq_version(), zfile, version, ", ".join(maps)), flush=True)
    if args.mode == "reference":
        # The differential run: the same checks on Debian's own libzmq.
        ref = os.path.realpath(os.path.join(args.reference_dir, "libzmq.so.5"))
        if maps != [ref]:
            fail("expected exactly %s mapped, found %s" % (ref, maps))
        if zmq.has("rampart"):
            fail("zmq.has('rampart') is true in the reference run")
        ok("Debian's python3-zmq %s on the reference libzmq %s (%s)" % (
            zmq.pyzmq_version(), version, ref))
        return
    rso = os.path.realpath(os.path.join(args.rampart_dir, "libzmq.so.5"))
    if args.mode == "preload":
        if rso not in [os.path.realpath(p) for p in os.environ.get("LD_PRELOAD", "").split(":") if p]:
            fail("--mode preload but LD_PRELOAD=%r" % os.environ.get("LD_PRELOAD"))
    else:
        if os.environ.get("LD_PRELOAD"):
            fail("--mode ldpath but LD_PRELOAD=%r is set" % os.environ["LD_PRELOAD"])
        dirs = [os.path.realpath(d) for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
        if os.path.realpath(args.rampart_dir) not in dirs:
            fail("--mode ldpath but LD_LIBRARY_PATH=%r" % os.environ.get("LD_LIBRARY_PATH"))
    if maps != [rso]:
        fail("expected exactly %s mapped, found %s" % (rso, maps))
    if not zmq.has("rampart"):
        fail("zmq.has('rampart') is false")
    if args.expect_version and version != args.expect_version:
        fail("zmq.zmq_version() is %s, expected %s" % (version, args.expect_version))
    ok("Debian's python3-zmq %s runs on Rampart %s (%s, %s)" % (
        zmq.pyzmq_version(), version, rso, args.mode))


def endpoints(tmpdir, tag):
    return [("tcp", "tcp://127.0.0.1:*"),
            ("ipc", "ipc://%s/%s.ipc" % (tmpdir, tag)),
            ("inproc", "inproc://%s" % tag)]


def sock(ctx, kind):
    s = ctx.socket(kind)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.LINGER, 0)
    return s


def bind(s, ep):
    s.bind(ep)
    return s.getsockopt(zmq.LAST_ENDPOINT).decode()


def recv(s, what):
    try:
        return s.recv_multipart()
    except zmq.Again:
        fail("%s: timed out" % what)


def expect(s, exp, what):
    got = recv(s, what)
    if got != exp:
        fail("%s: expected %r, got %r" % (what, [f[:40] for f in exp], [f[:40] for f in got]))


def payload(n, seed):
    return bytes((k + 31 * seed) & 0xFF for k in range(n))


def test_reqrep(ctx, tmpdir):
    for tp, ep in endpoints(tmpdir, "reqrep"):
        rep = sock(ctx, zmq.REP)
        req = sock(ctx, zmq.REQ)
        req.connect(bind(rep, ep))
        n = 50
        for i in range(n):
            request = [b"req-%d" % i] + ([b"", payload(300, i)] if i % 5 == 0 else [])
            req.send_multipart(request)
            expect(rep, request, "%s request %d" % (tp, i))
            reply = [b"rep-%d" % i, payload(i * 3, i + 7)]
            rep.send_multipart(reply)
            expect(req, reply, "%s reply %d" % (tp, i))
        req.close()
        rep.close()
        ok("REQ/REP over %s: %d round trips" % (tp, n))


def sync_sub(pub, sub, probe, what):
    """Publishes [probe] until the SUB gets one; drains the rest."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000.0
    while True:
        pub.send_multipart([probe, b"probe"])
        if sub.poll(20, zmq.POLLIN):
            break
        if time.monotonic() > deadline:
            fail("%s: the subscription for %r never reached the PUB" % (what, probe))
    expect(sub, [probe, b"probe"], what)
    pub.send_multipart([probe, b"end"])
    while True:
        m = recv(sub, what)
        if m == [probe, b"end"]:
            return
        if m != [probe, b"probe"]:
            fail("%s: unexpected %r while syncing" % (what, m))


def publish_and_check(pub, sub, phase, expected_topics, what):
    topics = [b"A", b"AB", b"B", b"C"]
    for i in range(20):
        for t in topics:
            pub.send_multipart([t, b"%d|%d" % (phase, i)])
    pub.send_multipart([b"END", b"%d" % phase])
    want = [[t, b"%d|%d" % (phase, i)] for i in range(20) for t in topics if t in expected_topics]
    want.append([b"END", b"%d" % phase])
    got = [recv(sub, what) for _ in range(len(want))]
    if got != want:
        fail("%s: expected %d messages %r..., got %r..." % (what, len(want), want[:6], got[:6]))
    if sub.poll(50, zmq.POLLIN):
        fail("%s: an extra message: %r" % (what, sub.recv_multipart()))
    return len(want) - 1


def test_pubsub(ctx, tmpdir):
    for tp, ep in endpoints(tmpdir, "pubsub"):
        pub = sock(ctx, zmq.PUB)
        sub = sock(ctx, zmq.SUB)
        sub.connect(bind(pub, ep))
        sub.setsockopt(zmq.SUBSCRIBE, b"END")
        sub.setsockopt(zmq.SUBSCRIBE, b"A")
        sub.setsockopt(zmq.SUBSCRIBE, b"P1")
        sync_sub(pub, sub, b"P1", "%s phase 1" % tp)
        n1 = publish_and_check(pub, sub, 1, [b"A", b"AB"], "%s phase 1" % tp)
        # A subscription added mid-stream.
        sub.setsockopt(zmq.SUBSCRIBE, b"C")
        sub.setsockopt(zmq.SUBSCRIBE, b"P2")
        sync_sub(pub, sub, b"P2", "%s phase 2" % tp)
        n2 = publish_and_check(pub, sub, 2, [b"A", b"AB", b"C"], "%s phase 2" % tp)
        # An unsubscribe.
        sub.setsockopt(zmq.UNSUBSCRIBE, b"A")
        sub.setsockopt(zmq.SUBSCRIBE, b"P3")
        sync_sub(pub, sub, b"P3", "%s phase 3" % tp)
        n3 = publish_and_check(pub, sub, 3, [b"C"], "%s phase 3" % tp)
        sub.close()
        pub.close()
        ok("PUB/SUB over %s: prefix filters, subscribe and unsubscribe mid-stream "
           "(%d/%d/%d messages)" % (tp, n1, n2, n3))


async def with_timeout(coro, what, secs=TIMEOUT_MS / 1000.0):
    try:
        return await asyncio.wait_for(coro, secs)
    except asyncio.TimeoutError:
        fail("%s: timed out after %.0f s (ZMQ_FD / ZMQ_EVENTS wake-up missing?)" % (what, secs))


async def async_reqrep(actx):
    rep = sock(actx, zmq.REP)
    req = sock(actx, zmq.REQ)
    req.connect(bind(rep, "tcp://127.0.0.1:*"))
    n = 50

    async def server():
        for i in range(n):
            m = await with_timeout(rep.recv_multipart(), "async server request %d" % i)
            if m != [b"req", b"%d" % i]:
                fail("async server: request %d is %r" % (i, m))
            await with_timeout(rep.send_multipart([b"rep", b"%d" % i]), "async server send")

    async def client():
        for i in range(n):
            await with_timeout(req.send_multipart([b"req", b"%d" % i]), "async client send")
            m = await with_timeout(req.recv_multipart(), "async client reply %d" % i)
            if m != [b"rep", b"%d" % i]:
                fail("async client: reply %d is %r" % (i, m))

    await with_timeout(asyncio.gather(server(), client()), "async REQ/REP", 30)
    req.close()
    rep.close()
    ok("zmq.asyncio REQ/REP over tcp: %d round trips between two coroutines" % n)


async def async_pubsub(actx):
    pub = sock(actx, zmq.PUB)
    sub = sock(actx, zmq.SUB)
    sub.connect(bind(pub, "tcp://127.0.0.1:*"))
    sub.setsockopt(zmq.SUBSCRIBE, b"T")
    sub.setsockopt(zmq.SUBSCRIBE, b"P")
    deadline = time.monotonic() + TIMEOUT_MS / 1000.0
    while True:
        await pub.send_multipart([b"P", b"probe"])
        if await sub.poll(20, zmq.POLLIN):
            break
        if time.monotonic() > deadline:
            fail("async SUB: the subscription never reached the PUB")
    await pub.send_multipart([b"P", b"end"])
    while True:
        m = await with_timeout(sub.recv_multipart(), "async sync")
        if m == [b"P", b"end"]:
            break
    batches = [1, 2, 3, 200, 1, 50, 7]
    total = sum(batches)

    async def producer():
        k = 0
        for b in batches:
            for _ in range(b):
                await pub.send_multipart([b"T", b"%d" % k, b"x" * (k % 300)])
                await pub.send_multipart([b"U", b"filtered out"])
                k += 1
            await asyncio.sleep(0.02)  # the consumer is waiting again

    async def consumer():
        for k in range(total):
            m = await with_timeout(sub.recv_multipart(), "async SUB message %d of %d" % (k, total))
            if m != [b"T", b"%d" % k, b"x" * (k % 300)]:
                fail("async SUB: message %d is %r" % (k, [f[:20] for f in m]))

    await with_timeout(asyncio.gather(producer(), consumer()), "async PUB/SUB", 30)
    if await sub.poll(50, zmq.POLLIN):
        fail("async SUB: an extra message")
    sub.close()
    pub.close()
    ok("zmq.asyncio SUB over tcp: %d messages in bursts of %s, filtered exactly" % (total, batches))


async def async_main():
    actx = zmq.asyncio.Context()
    await async_reqrep(actx)
    await async_pubsub(actx)
    actx.term()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rampart-dir")
    ap.add_argument("--reference-dir", default="/usr/lib/x86_64-linux-gnu")
    ap.add_argument("--mode", choices=("preload", "ldpath", "reference"), required=True)
    ap.add_argument("--expect-version")
    args = ap.parse_args()
    if args.mode != "reference" and not args.rampart_dir:
        ap.error("--rampart-dir is required with --mode %s" % args.mode)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(60)
    check_loaded(args)
    tmpdir = tempfile.mkdtemp(prefix="rampart-debpy-")
    try:
        ctx = zmq.Context()
        test_reqrep(ctx, tmpdir)
        test_pubsub(ctx, tmpdir)
        ctx.term()
        asyncio.run(async_main())
    finally:
        for f in os.listdir(tmpdir):
            os.unlink(os.path.join(tmpdir, f))
        os.rmdir(tmpdir)
    print("%d passed, 0 failed" % passed[0], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
