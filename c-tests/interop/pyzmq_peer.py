"""Interop peer in Python: the roles of interop/peer.c, implemented with pyzmq.

    python pyzmq_peer.py ROLE bind|connect EP [EP2] [--expect pyzmq|rampart|libzmq]
                         [--rampart-dir DIR] [--corrupt] [--check-metadata]

Run with the PyPI pyzmq wheel (its own bundled libzmq 4.3.5) against a
Rampart interop_peer, or with Debian's python3-zmq under LD_PRELOAD /
LD_LIBRARY_PATH. Every message is the same, byte for byte, as in peer.c (read
that file's comments for the patterns); run-interop.py pairs the two.

--expect pyzmq    the loaded libzmq must NOT be Rampart (zmq.has("rampart") is
                  false) and no file under --rampart-dir may be mapped: the
                  test then really pairs Rampart with a real libzmq
--expect rampart  the loaded libzmq must be Rampart, and exactly
                  --rampart-dir/libzmq.so.5 (symlinks resolved) must be mapped

With --check-metadata, like peer.c, it checks every received message's
metadata (Socket-Type, Peer-Address, routing ids as Identity) and reports
mismatches after the exchange. Prints "LIB ...", "ENDPOINTS ..." (when
binding) and "OK <role> ..."; exits 0 on success and 1 on failure. Every wait
is bounded.
"""

import os
import signal
import sys
import time

import zmq

TIMEOUT_MS = 10000
LINGER_MS = 5000
ROLE = "?"
CORRUPT = [False]


def fail(msg):
    sys.stderr.write("FAIL %s: %s\n" % (ROLE, msg))
    sys.stderr.flush()
    os._exit(1)


def fill(length, seed):
    """byte k = (k + 31*seed + 7*(k >> 8)) mod 256, as in peer.c."""
    base = bytes(range(256)) * 2
    blocks = []
    for b in range((length + 255) // 256):
        o = (31 * seed + 7 * b) & 0xFF
        blocks.append(base[o:o + 256])
    return b"".join(blocks)[:length]


def show(frames):
    out = []
    for f in frames[:12]:
        r = repr(f[:40])
        out.append("%d B %s%s" % (len(f), r, "..." if len(f) > 40 else ""))
    return "%d frame(s): [%s]" % (len(frames), ", ".join(out))


def send(s, frames):
    frames = list(frames)
    if CORRUPT[0]:
        for i, f in enumerate(frames):
            if f:
                b = bytearray(f)
                b[len(b) // 2] ^= 0x20
                frames[i] = bytes(b)
                CORRUPT[0] = False
                break
    s.send_multipart(frames, copy=True)


PEER_TYPE = {zmq.REQ: "REP", zmq.REP: "REQ", zmq.PUSH: "PULL", zmq.PULL: "PUSH",
             zmq.PUB: "SUB", zmq.SUB: "PUB", zmq.DEALER: "ROUTER", zmq.ROUTER: "DEALER"}
DEFERRED = []  # metadata mismatches: reported after the exchange (see peer.c)
META = {"transport": "tcp", "side": "connecting", "identity": None, "check": False}


def defer(msg):
    if msg not in DEFERRED:
        DEFERRED.append(msg)


def prop(frame, name):
    try:
        v = frame.get(name)
    except zmq.ZMQError:
        return None
    return v.decode() if isinstance(v, bytes) else v


def check_metadata(s, frame):
    """The same checks as peer.c's check_metadata."""
    want = PEER_TYPE[s.getsockopt(zmq.TYPE)]
    st = prop(frame, "Socket-Type")
    if st != want:
        defer("metadata: a message's Socket-Type property is %s, expected %s" % (st, want))
    pa = prop(frame, "Peer-Address")
    side = META["side"]
    if META["transport"] == "tcp":
        if pa != "127.0.0.1":
            defer("metadata: Peer-Address on the %s side of tcp is '%s', expected '127.0.0.1'"
                  % (side, pa))
    else:
        prefix = "localhost:%d:%d:" % (os.getuid(), os.getgid())
        if not (pa and pa.startswith(prefix) and pa[len(prefix):].isdigit()):
            defer("metadata: Peer-Address on the %s side of ipc is '%s', expected '%s<peer pid>'"
                  % (side, pa, prefix))
    META["identity"] = prop(frame, "Identity")


def recv(s, what):
    try:
        frames = s.recv_multipart(copy=False)
    except zmq.Again:
        fail("%s: timed out after %d ms" % (what, TIMEOUT_MS))
    if META["check"]:
        check_metadata(s, frames[0])
    return [f.bytes for f in frames]


def check(got, exp, what):
    if got == exp:
        return
    detail = ""
    for i, (g, e) in enumerate(zip(got, exp)):
        if g != e:
            if len(g) != len(e):
                detail = "first difference: frame %d size %d, expected %d" % (i, len(g), len(e))
            else:
                k = next(k for k in range(len(g)) if g[k] != e[k])
                detail = "first difference: frame %d byte %d: 0x%02x, expected 0x%02x" % (
                    i, k, g[k], e[k])
            break
    fail("%s: unexpected message\n  expected %s\n  got      %s\n  %s" % (
        what, show(exp), show(got), detail))


def expect(s, exp, what):
    check(recv(s, what), exp, what)


class Peer:
    def __init__(self, ctx, binding, eps):
        self.ctx = ctx
        self.binding = binding
        self.eps = eps
        self.bound = []

    def socket(self, kind):
        s = self.ctx.socket(kind)
        s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
        s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
        s.setsockopt(zmq.LINGER, LINGER_MS)
        return s

    def attach(self, s, i):
        if i >= len(self.eps):
            fail("role needs endpoint %d, got %d" % (i + 1, len(self.eps)))
        if self.binding:
            s.bind(self.eps[i])
            ep = s.getsockopt(zmq.LAST_ENDPOINT).decode()
            while len(self.bound) <= i:
                self.bound.append(None)
            self.bound[i] = ep
        else:
            s.connect(self.eps[i])

    def announce(self):
        if self.binding:
            print("ENDPOINTS " + " ".join(self.bound), flush=True)


def poll_in(s, ms):
    return bool(s.poll(ms, zmq.POLLIN))


# ---- reqrep -----------------------------------------------------------------
RR_N = 100


def rr_request(i):
    m = [b"req-%d" % i]
    if i % 5 == 0:
        m += [b"part-a", b""]
    return m


def rr_reply(i):
    m = [b"rep-%d" % i]
    if i % 7 == 0:
        m.append(fill(300, i))
    return m


def role_req(p):
    s = p.socket(zmq.REQ)
    p.attach(s, 0)
    p.announce()
    for i in range(RR_N):
        send(s, rr_request(i))
        expect(s, rr_reply(i), "reply %d" % i)
    s.close()
    return "round_trips=%d" % RR_N


def role_rep(p):
    s = p.socket(zmq.REP)
    p.attach(s, 0)
    p.announce()
    for i in range(RR_N):
        expect(s, rr_request(i), "request %d" % i)
        send(s, rr_reply(i))
    s.close()
    return "round_trips=%d" % RR_N


# ---- pushpull ---------------------------------------------------------------
PP_N = 200
PP_SIZES = [0, 1, 255, 256, 1000, 65536]


def pp_message(i):
    m = [b"push-%d" % i]
    for j in range(1, 1 + i % 3):
        m.append(fill(PP_SIZES[(i + j) % 6], i * 8 + j))
    return m


PP_BULK = 20000


def pp_bulk(i):
    return b"b%d" % i + b"x" * (i % 17)


def role_push(p):
    s = p.socket(zmq.PUSH)
    ctl = p.socket(zmq.PULL)  # the puller's "done" (see peer.c: pp_done)
    p.attach(s, 0)
    p.attach(ctl, 1)
    p.announce()
    for i in range(PP_N):
        send(s, pp_message(i))
    for i in range(PP_BULK):
        s.send(pp_bulk(i))
    expect(ctl, [b"done"], "done")
    s.close()
    ctl.close()
    return "sent=%d+%d" % (PP_N, PP_BULK)


def role_pull(p):
    s = p.socket(zmq.PULL)
    ctl = p.socket(zmq.PUSH)
    p.attach(s, 0)
    p.attach(ctl, 1)
    p.announce()
    for i in range(PP_N):
        expect(s, pp_message(i), "message %d" % i)
    for i in range(PP_BULK):
        expect(s, [pp_bulk(i)], "bulk message %d" % i)
    if poll_in(s, 300):
        fail("received more than %d messages: %s" % (PP_N + PP_BULK, show(s.recv_multipart())))
    send(ctl, [b"done"])
    s.close()
    ctl.close()
    return "received=%d+%d" % (PP_N, PP_BULK)


# ---- pubsub -----------------------------------------------------------------
PS_N = 20
PS_PHASES = 6
PS_TOPICS = [b"A", b"AB", b"B", b"C"]
PS_EXPECT = [0, 0x3, 0x7, 0x7, 0x4, 0xF, 0x0]


def ps_message(k, i, t):
    m = [PS_TOPICS[t], b"%d|%d" % (k, i)]
    if i % 4 == 0:
        m.append(fill(256 + i, k * 100 + i * 4 + t))
    return m


def ps_subscriptions(s, k):
    probe = b"P%d" % k
    prev = b"P%d" % (k - 1)
    if k == 1:
        s.setsockopt(zmq.SUBSCRIBE, b"A")
    elif k == 2:
        s.setsockopt(zmq.UNSUBSCRIBE, prev)
        s.setsockopt(zmq.SUBSCRIBE, b"B")
        s.setsockopt(zmq.SUBSCRIBE, b"A")
    elif k == 3:
        s.setsockopt(zmq.UNSUBSCRIBE, prev)
        s.setsockopt(zmq.UNSUBSCRIBE, b"A")
    elif k == 4:
        s.setsockopt(zmq.UNSUBSCRIBE, prev)
        s.setsockopt(zmq.UNSUBSCRIBE, b"A")
    elif k == 5:
        s.setsockopt(zmq.UNSUBSCRIBE, prev)
        s.setsockopt(zmq.UNSUBSCRIBE, b"B")
        s.setsockopt(zmq.SUBSCRIBE, b"")
        return
    elif k == 6:
        s.setsockopt(zmq.UNSUBSCRIBE, b"")
    s.setsockopt(zmq.SUBSCRIBE, probe)


def role_pub(p):
    pub = p.socket(zmq.PUB)
    ctl = p.socket(zmq.PULL)
    p.attach(pub, 0)
    p.attach(ctl, 1)
    p.announce()
    probes = 0
    for k in range(1, PS_PHASES + 1):
        probe = b"P%d" % k
        noise = b"~%d" % k
        deadline = time.monotonic() + TIMEOUT_MS / 1000.0
        while True:
            send(pub, [probe, b"probe"])
            for t in PS_TOPICS:
                send(pub, [t, noise])
            probes += 1
            if poll_in(ctl, 20):
                break
            if time.monotonic() > deadline:
                fail("phase %d: no ack from the subscriber after %d probes" % (k, probes))
        expect(ctl, [b"ack %d" % k], "ack")
        for i in range(PS_N):
            for t in range(4):
                send(pub, ps_message(k, i, t))
        send(pub, [probe, b"end"])
    expect(ctl, [b"done"], "done")
    pub.close()
    ctl.close()
    return "phases=%d probes=%d" % (PS_PHASES, probes)


def ps_noise_topic(m, k):
    """The topic index of a noise message [t]["~<k>"] of phase k, else -1."""
    if len(m) == 2 and m[1] == b"~%d" % k and m[0] in PS_TOPICS:
        return PS_TOPICS.index(m[0])
    return -1


def role_sub(p):
    sub = p.socket(zmq.SUB)
    ctl = p.socket(zmq.PUSH)
    p.attach(sub, 0)
    p.attach(ctl, 1)
    p.announce()
    total = noise_before = noise_after = 0
    for k in range(1, PS_PHASES + 1):
        probe = b"P%d" % k
        ps_subscriptions(sub, k)
        before = PS_EXPECT[k - 1] | PS_EXPECT[k]
        while True:
            m = recv(sub, "phase %d: waiting for the probe" % k)
            if m == [probe, b"probe"]:
                break
            t = ps_noise_topic(m, k)
            if t < 0 or not before & (1 << t):
                fail("phase %d: before the probe, a message the old and new subscriptions "
                     "both exclude: %s" % (k, show(m)))
            noise_before += 1
        send(ctl, [b"ack %d" % k])
        n_got = 0
        want = [ps_message(k, i, t) for i in range(PS_N) for t in range(4)
                if PS_EXPECT[k] & (1 << t)]
        want.append([probe, b"end"])
        for exp in want:
            what = "phase %d message %d of %d" % (k, n_got, len(want))
            while True:
                m = recv(sub, what)
                if n_got > 0:
                    break
                if m == [probe, b"probe"]:
                    continue
                nt = ps_noise_topic(m, k)
                if nt < 0:
                    break
                if not PS_EXPECT[k] & (1 << nt):
                    fail("phase %d: after the probe, a message on topic %s, which the "
                         "subscriptions no longer select" % (k, PS_TOPICS[nt].decode()))
                noise_after += 1
            check(m, exp, what)
            n_got += 1
        total += n_got - 1
    send(ctl, [b"done"])
    if poll_in(sub, 100):
        fail("a message arrived after the last phase: %s" % show(sub.recv_multipart()))
    sub.setsockopt(zmq.LINGER, 0)  # see peer.c: only re-queued subscriptions remain
    sub.close()
    ctl.close()
    return "phases=%d received=%d noise_before_probe=%d noise_after_probe=%d" % (
        PS_PHASES, total, noise_before, noise_after)


# ---- dealerrouter -------------------------------------------------------------
DR_N = 50
DR_ID = b"interop-dealer-1"
DR_ROUTER_ID = b"interop-router"


def dr_request(d, i):
    if d == 1:
        return [b"", b"d1", b"%d" % i]
    return [b"d2", b"%d" % i, fill(i * 13 % 300, i)]


def dr_reply(d, i):
    if d == 1:
        return [b"", b"d1-ack", b"%d" % i]
    return [b"d2-ack", b"%d" % i]


def role_dealer(p):
    d1 = p.socket(zmq.DEALER)
    d2 = p.socket(zmq.DEALER)
    d1.setsockopt(zmq.ROUTING_ID, DR_ID)
    p.attach(d1, 0)
    p.attach(d2, 1 if len(p.eps) > 1 else 0)
    p.announce()
    for i in range(DR_N):
        send(d1, dr_request(1, i))
        send(d2, dr_request(2, i))
    for d, s in ((1, d1), (2, d2)):
        for i in range(DR_N):
            expect(s, dr_reply(d, i), "dealer %d reply %d" % (d, i))
            if META["check"] and META["identity"] != DR_ROUTER_ID.decode():
                defer("metadata: the ROUTER's Identity property is %r, expected %r"
                      % (META["identity"], DR_ROUTER_ID.decode()))
    d1.close()
    d2.close()
    return "replies=%d" % (2 * DR_N)


def role_router(p):
    r = p.socket(zmq.ROUTER)
    r.setsockopt(zmq.ROUTER_MANDATORY, 1)
    r.setsockopt(zmq.ROUTING_ID, DR_ROUTER_ID)
    p.attach(r, 0)
    if not p.binding and len(p.eps) > 1:
        p.attach(r, 1)
    p.announce()
    try:
        r.send(b"nobody", zmq.SNDMORE)
        fail("sending to an unknown id with ROUTER_MANDATORY succeeded")
    except zmq.ZMQError as e:
        if e.errno != zmq.EHOSTUNREACH:
            fail("sending to an unknown id: expected EHOSTUNREACH, got %s" % e)
    nxt = {1: 0, 2: 0}
    anon = None
    for _ in range(2 * DR_N):
        m = recv(r, "request")
        if len(m) < 2:
            fail("request with %d frame(s): no routing id frame" % len(m))
        rid = m[0]
        if rid == DR_ID:
            d = 1
            if META["check"] and META["identity"] != DR_ID.decode():
                defer("metadata: dealer 1's Identity property is %r, expected %r"
                      % (META["identity"], DR_ID.decode()))
        else:
            d = 2
            if META["check"] and META["identity"] != "":
                defer("metadata: the anonymous dealer's Identity property is %r, expected ''"
                      % (META["identity"],))
            if len(rid) != 5 or rid[0] != 0:
                fail("the anonymous DEALER's generated id must be 0x00 + 4 bytes: %s" % show(m))
            if anon is None:
                anon = rid
            elif rid != anon:
                fail("the anonymous DEALER's id changed between messages")
        if nxt[d] >= DR_N:
            fail("dealer %d sent more than %d requests" % (d, DR_N))
        what = "dealer %d request %d" % (d, nxt[d])
        check(m[1:], dr_request(d, nxt[d]), what)
        send(r, [rid] + dr_reply(d, nxt[d]))
        nxt[d] += 1
    if poll_in(r, 100):
        fail("more than %d requests" % (2 * DR_N))
    r.close()
    return "requests=%d named_id=%s anon_id_len=%d" % (2 * DR_N, DR_ID.decode(), len(anon or b""))


# ---- multipart ----------------------------------------------------------------
KIB = 1024
MIB = 1024 * 1024
MP_SIZES = [
    [0, 1, 255, 256, 64 * KIB, MIB, 0],
    [0],
    [MIB],
    [0, 0, 0],
    [255, 256, 254, 257, 64 * KIB - 1, 64 * KIB + 1],
    [1],
    [j * 7 for j in range(40)],
]


def mp_message(m, reply):
    sizes = MP_SIZES[m]
    n = len(sizes)
    out = []
    for j in range(n):
        length = sizes[n - 1 - j] if reply else sizes[j]
        out.append(fill(length, (1000 if reply else 0) + m * 64 + j))
    return out


def role_mp_req(p):
    s = p.socket(zmq.REQ)
    p.attach(s, 0)
    p.announce()
    total = 0
    for m in range(len(MP_SIZES)):
        send(s, mp_message(m, False))
        rep = mp_message(m, True)
        expect(s, rep, "multipart reply %d" % m)
        total += sum(len(f) for f in rep)
    s.close()
    return "messages=%d reply_bytes=%d" % (len(MP_SIZES), total)


def role_mp_rep(p):
    s = p.socket(zmq.REP)
    p.attach(s, 0)
    p.announce()
    total = 0
    for m in range(len(MP_SIZES)):
        req = mp_message(m, False)
        expect(s, req, "multipart request %d" % m)
        total += sum(len(f) for f in req)
        send(s, mp_message(m, True))
    s.close()
    return "messages=%d request_bytes=%d" % (len(MP_SIZES), total)


ROLES = {
    "req": role_req, "rep": role_rep, "push": role_push, "pull": role_pull,
    "pub": role_pub, "sub": role_sub, "dealer": role_dealer, "router": role_router,
    "mp-req": role_mp_req, "mp-rep": role_mp_rep,
}


def mapped_libzmq():
    """The libzmq files mapped into this process."""
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and "libzmq" in os.path.basename(parts[5]):
                paths.add(os.path.realpath(parts[5]))
    return sorted(paths)


def check_library(expect_kind, rampart_dir):
    rampart = bool(zmq.has("rampart"))
    maps = mapped_libzmq()
    print("LIB %s %s pyzmq=%s %s" % ("rampart" if rampart else "libzmq", zmq.zmq_version(),
                                      zmq.pyzmq_version(), ",".join(maps)), flush=True)
    rso = os.path.realpath(os.path.join(rampart_dir, "libzmq.so.5")) if rampart_dir else None
    in_rampart = [m for m in maps if m == rso]
    if expect_kind == "pyzmq":
        if rampart:
            fail("expected pyzmq's own libzmq, but Rampart is loaded (%s)" % maps)
        if in_rampart:
            fail("a Rampart library is mapped: %s" % in_rampart)
    elif expect_kind == "rampart":
        if not rampart:
            fail("expected Rampart, but zmq.has('rampart') is false (%s)" % maps)
        if rso and not in_rampart:
            fail("%s is not mapped: %s" % (rso, maps))
    elif expect_kind == "libzmq":
        if rampart:
            fail("expected the reference libzmq, but Rampart is loaded (%s)" % maps)


def main(argv):
    global ROLE
    if len(argv) < 4 or argv[1] not in ROLES or argv[2] not in ("bind", "connect"):
        sys.stderr.write(__doc__)
        return 2
    ROLE = argv[1]
    binding = argv[2] == "bind"
    META["side"] = "binding" if binding else "connecting"
    eps = []
    expect_kind = None
    rampart_dir = None
    i = 3
    while i < len(argv):
        a = argv[i]
        if a == "--expect" and i + 1 < len(argv):
            expect_kind = argv[i + 1]
            i += 1
        elif a == "--rampart-dir" and i + 1 < len(argv):
            rampart_dir = argv[i + 1]
            i += 1
        elif a == "--corrupt":
            CORRUPT[0] = True
        elif a == "--check-metadata":
            META["check"] = True
        elif a.startswith("-") or len(eps) >= 2:
            sys.stderr.write(__doc__)
            return 2
        else:
            eps.append(a)
        i += 1
    if eps and eps[0].startswith("ipc://"):
        META["transport"] = "ipc"
    # A hang is a failure: SIGALRM's default action kills the process.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(60)
    check_library(expect_kind, rampart_dir)
    ctx = zmq.Context()
    try:
        summary = ROLES[ROLE](Peer(ctx, binding, eps))
    except zmq.ZMQError as e:
        fail("%s" % e)
    ctx.term()
    if DEFERRED:
        for d in DEFERRED:
            sys.stderr.write("FAIL %s: %s\n" % (ROLE, d))
        return 1
    print("OK %s %s" % (ROLE, summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
