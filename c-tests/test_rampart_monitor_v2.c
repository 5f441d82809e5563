/* zmq_socket_monitor_versioned (v2 event format) and Rampart's
 * reason-coded monitor events (include/rampart.h). Rampart only.
 *
 * v2 message: u64 event id, u64 value count, that many u64 values, the
 * local endpoint, the remote endpoint (host byte order).
 *
 * Checks:
 * - v2 with ZMQ_EVENT_ALL: LISTENING (local = bound endpoint), ACCEPTED,
 *   HANDSHAKE_SUCCEEDED, DISCONNECTED on the binding side with
 *   local = the bound endpoint and remote = "tcp://127.0.0.1:<the raw
 *   client's port>"; CONNECTED/HANDSHAKE_SUCCEEDED on a connecting socket
 *   with remote = the endpoint connected to;
 * - versions 0 and 3 and a DEALER monitor socket are EINVAL; PUB and PUSH
 *   monitor sockets work (read with SUB / PULL);
 * - v1 (zmq_socket_monitor) with events -1 and 0xFFFF never delivers an id
 *   above 0xFFFF and keeps the 6-byte format while Rampart events fire
 *   (oversize frame, handshake timeout);
 * - v2 with ZMQ_EVENT_ALL (0xFFFF) gets no Rampart event either;
 * - ZMQ_RAMPART_EVENT_MSG_TOO_LARGE [declared, limit] for an oversize frame
 *   after the handshake and for a READY over HANDSHAKE_FRAME_CAP;
 * - ZMQ_RAMPART_EVENT_HANDSHAKE_TIMEOUT [HANDSHAKE_IVL];
 * - ZMQ_RAMPART_EVENT_HWM_DROP on a PUB with a stalled SUB: value >= 1, at
 *   most one a second (<= 2 in 1.5 s of continuous dropping), the values
 *   add up to no more than DROPS_HWM;
 * - a mask with only MSG_TOO_LARGE gets nothing else;
 * - zmq_socket_monitor_pipes_stats: EINVAL without a monitor; with a v2
 *   monitor asking ZMQ_EVENT_PIPES_STATS one event per peer with
 *   [outbound depth, inbound depth] matching a known backlog; nothing when
 *   the mask lacks PIPES_STATS;
 * - MONITOR_STOPPED (1 value, 0) when a v2 monitor is stopped.
 * - both ends on every connection event, kept from when the connection
 *   was made (so DISCONNECTED still names the peer after it is gone). */
#include "testutil.h"
#include "rawzmtp.h"
#include "monitorv2.h"
#include <rampart.h>

static int local_port (int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    TEST_ASSERT (getsockname (fd, (struct sockaddr *) &sa, &len) == 0);
    return ntohs (sa.sin_port);
}

/* ---------------------------------------------------------------------- */

static void test_lifecycle (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *m = monitor_v2 (ctx, pull, "inproc://mv2-life", ZMQ_EVENT_ALL);
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    ev2_t e;
    expect_ev2 (m, ZMQ_EVENT_LISTENING, &e);
    TEST_ASSERT_EQ_INT (1, e.n);
    TEST_ASSERT (e.v[0] > 0); /* the listener's fd */
    if (strcmp (e.local, ep) != 0)
        TEST_FAIL ("LISTENING local '%s', expected '%s'", e.local, ep);

    int raw = rz_connect (ep);
    TEST_ASSERT (raw >= 0);
    char remote[64];
    snprintf (remote, sizeof remote, "tcp://127.0.0.1:%d", local_port (raw));

    expect_ev2 (m, ZMQ_EVENT_ACCEPTED, &e);
    TEST_ASSERT_EQ_INT (1, e.n);
    TEST_ASSERT (e.v[0] > 0);
    if (strcmp (e.local, ep) != 0)
        TEST_FAIL ("ACCEPTED local '%s', expected '%s'", e.local, ep);
    /* The peer's address, as libzmq 4.3.5 reports it. */
    if (strcmp (e.remote, remote) != 0)
        TEST_FAIL ("ACCEPTED remote '%s', expected '%s'", e.remote, remote);

    TEST_ASSERT (rz_handshake (raw, "PUSH", 3000) == 0);
    expect_ev2 (m, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &e);
    TEST_ASSERT_EQ_INT (1, e.n);
    TEST_ASSERT_EQ_INT (0, e.v[0]);
    if (strcmp (e.local, ep) != 0 || strcmp (e.remote, remote) != 0)
        TEST_FAIL ("HANDSHAKE_SUCCEEDED local '%s' remote '%s', expected '%s' '%s'",
                   e.local, e.remote, ep, remote);
    close (raw);
    expect_ev2 (m, ZMQ_EVENT_DISCONNECTED, &e);
    TEST_ASSERT_EQ_INT (1, e.n);
    if (strcmp (e.local, ep) != 0)
        TEST_FAIL ("DISCONNECTED local '%s', expected '%s'", e.local, ep);
    /* Still named after the peer closed (kept from the connection). */
    if (strcmp (e.remote, remote) != 0)
        TEST_FAIL ("DISCONNECTED (peer closed) remote '%s', expected '%s'",
                   e.remote, remote);

    /* the connecting side */
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *mc = monitor_v2 (ctx, push, "inproc://mv2-life-c", ZMQ_EVENT_ALL);
    TEST_OK (zmq_connect (push, ep));
    expect_ev2 (mc, ZMQ_EVENT_CONNECTED, &e);
    TEST_ASSERT_EQ_INT (1, e.n);
    if (strcmp (e.remote, ep) != 0)
        TEST_FAIL ("CONNECTED remote '%s', expected '%s'", e.remote, ep);
    TEST_ASSERT (strncmp (e.local, "tcp://127.0.0.1:", 16) == 0);
    char conn_local[256];
    snprintf (conn_local, sizeof conn_local, "%s", e.local);
    expect_ev2 (mc, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &e);
    if (strcmp (e.remote, ep) != 0 || strcmp (e.local, conn_local) != 0)
        TEST_FAIL ("connecting HANDSHAKE_SUCCEEDED local '%s' remote '%s'",
                   e.local, e.remote);
    /* ... and the binder sees that same connection from its end */
    expect_ev2 (m, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &e);
    if (strcmp (e.remote, conn_local) != 0 || strcmp (e.local, ep) != 0)
        TEST_FAIL ("binder HANDSHAKE_SUCCEEDED local '%s' remote '%s', expected "
                   "'%s' '%s'",
                   e.local, e.remote, ep, conn_local);

    /* stopping: MONITOR_STOPPED with one value 0 and no endpoints */
    TEST_OK (socket_monitor_versioned (push, NULL, 0, 2, ZMQ_PAIR));
    expect_ev2 (mc, ZMQ_EVENT_MONITOR_STOPPED, &e);
    TEST_ASSERT_EQ_INT (1, e.n);
    TEST_ASSERT_EQ_INT (0, e.v[0]);
    TEST_ASSERT_EQ_INT (0, strlen (e.local));
    TEST_ASSERT_EQ_INT (0, strlen (e.remote));
    close_zero (push);
    expect_no_ev2 (mc, 100);
    TEST_OK (zmq_close (mc));

    /* the server's monitor sees the client go (a zmq peer's orderly
     * close), then stops */
    expect_ev2 (m, ZMQ_EVENT_DISCONNECTED, &e);
    if (strcmp (e.local, ep) != 0)
        TEST_FAIL ("DISCONNECTED local '%s', expected '%s'", e.local, ep);
    if (strcmp (e.remote, conn_local) != 0)
        TEST_FAIL ("DISCONNECTED (zmq peer closed) remote '%s', expected '%s'",
                   e.remote, conn_local);
    TEST_OK (socket_monitor_versioned (pull, NULL, 0, 2, ZMQ_PAIR));
    expect_ev2 (m, ZMQ_EVENT_MONITOR_STOPPED, &e);
    close_zero (pull);
    TEST_OK (zmq_close (m));
}

static void test_arguments (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    TEST_ERRNO (EINVAL, socket_monitor_versioned (s, "inproc://mv2-a", ZMQ_EVENT_ALL, 3, ZMQ_PAIR));
    TEST_ERRNO (EINVAL, socket_monitor_versioned (s, "inproc://mv2-a", ZMQ_EVENT_ALL, 0, ZMQ_PAIR));
    TEST_ERRNO (EINVAL, socket_monitor_versioned (s, "inproc://mv2-a", ZMQ_EVENT_ALL, 2, ZMQ_DEALER));
    TEST_ERRNO (EINVAL, socket_monitor_versioned (s, "inproc://mv2-a", ZMQ_EVENT_ALL, 2, ZMQ_SUB));
    TEST_ERRNO (EPROTONOSUPPORT, socket_monitor_versioned (s, "tcp://127.0.0.1:1", ZMQ_EVENT_ALL, 2, ZMQ_PAIR));
    /* nothing was started by the failures */
    TEST_ERRNO (EINVAL, socket_monitor_pipes_stats (s));

    /* PUB and PUSH monitor sockets */
    int types[2] = {ZMQ_PUB, ZMQ_PUSH};
    int readers[2] = {ZMQ_SUB, ZMQ_PULL};
    for (int i = 0; i < 2; i++) {
        char mep[64];
        snprintf (mep, sizeof mep, "inproc://mv2-type-%d", i);
        void *x = zmq_socket (ctx, ZMQ_PULL);
        TEST_OK (socket_monitor_versioned (x, mep, ZMQ_EVENT_ALL, 2, types[i]));
        void *r = zmq_socket (ctx, readers[i]);
        if (readers[i] == ZMQ_SUB)
            subscribe (r, "");
        TEST_OK (zmq_connect (r, mep));
        set_rcvtimeo (r, 5000);
        /* give the SUB's subscription time to reach the PUB: bind until
         * LISTENING arrives, retrying with new listeners */
        ev2_t e;
        int got = 0;
        for (int tries = 0; tries < 50 && !got; tries++) {
            char ep[256];
            bind_ephemeral (x, "tcp://127.0.0.1:*", ep, sizeof ep);
            int64_t until = test_now_ms () + 100;
            while (!got && recv_ev2 (r, &e, (int) (until - test_now_ms () > 0 ? until - test_now_ms () : 0)))
                if (e.id == ZMQ_EVENT_LISTENING && strcmp (e.local, ep) == 0)
                    got = 1;
        }
        if (!got)
            TEST_FAIL ("no LISTENING through a v2 monitor of type %d", types[i]);
        TEST_OK (socket_monitor_versioned (x, NULL, 0, 2, types[i]));
        close_zero (x);
        close_zero (r);
    }
    close_zero (s);
}

/* ---------------------------------------------------------------------- */

/* Reads v1 events until `want` (or 5 s): every one must be 6 bytes + an
 * endpoint frame, with an id <= 0xFFFF. Returns 1 if `want` arrived. */
static int v1_until_ms (void *m, int want, int ms)
{
    int64_t deadline = test_now_ms () + ms;
    while (test_now_ms () < deadline) {
        int64_t left = deadline - test_now_ms ();
        if (!poll_in (m, left > 0 ? (int) left : 0))
            return 0;
        unsigned char head[16];
        int n = zmq_recv (m, head, sizeof head, 0);
        if (n != 6)
            TEST_FAIL ("v1 event: first frame of %d bytes, expected 6", n);
        TEST_ASSERT_EQ_INT (1, get_int (m, ZMQ_RCVMORE));
        char ep[256];
        n = zmq_recv (m, ep, sizeof ep, 0);
        TEST_ASSERT (n >= 0);
        TEST_ASSERT_EQ_INT (0, get_int (m, ZMQ_RCVMORE));
        uint16_t ev;
        memcpy (&ev, head, 2);
        if (ev == 0)
            TEST_FAIL ("v1 event id 0 (a truncated Rampart event?)");
        if (ev == want)
            return 1;
    }
    return 0;
}

static int v1_until (void *m, int want)
{
    return v1_until_ms (m, want, 5000);
}

static void test_v1_unchanged (void *ctx)
{
    int masks[2] = {-1, 0xFFFF};
    for (int k = 0; k < 2; k++) {
        void *pull = zmq_socket (ctx, ZMQ_PULL);
        int64_t max = 1000;
        TEST_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
        set_int (pull, ZMQ_HANDSHAKE_IVL, 200);
        char mep[64];
        snprintf (mep, sizeof mep, "inproc://mv1-%d", k);
        TEST_OK (zmq_socket_monitor (pull, mep, masks[k]));
        void *m = zmq_socket (ctx, ZMQ_PAIR);
        TEST_OK (zmq_connect (m, mep));
        char ep[256];
        bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
        TEST_ASSERT (v1_until (m, ZMQ_EVENT_LISTENING));
        /* oversize after the handshake */
        int raw = rz_connect_ready (ep, "PUSH", 3000);
        TEST_ASSERT (raw >= 0);
        TEST_ASSERT (rz_send_frame_header (raw, 0, 5000, 1) == 0);
        TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
        close (raw);
        TEST_ASSERT (v1_until (m, ZMQ_EVENT_DISCONNECTED));
        /* a handshake timeout */
        raw = rz_connect (ep);
        TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
        close (raw);
        TEST_ASSERT (v1_until (m, ZMQ_EVENT_DISCONNECTED));
        /* an oversize READY (handshake frame cap) */
        raw = rz_connect (ep);
        TEST_ASSERT (rz_send_greeting (raw) == 0);
        TEST_ASSERT (rz_recv_greeting (raw, 3000) == 0);
        TEST_ASSERT (rz_send_frame_header (raw, RZ_FLAG_COMMAND, 100000, 1) == 0);
        TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
        close (raw);
        TEST_ASSERT (v1_until (m, ZMQ_EVENT_DISCONNECTED));
        /* whatever else is pending is in the v1 format too */
        TEST_ASSERT (!v1_until_ms (m, -1, 100));
        TEST_ASSERT_EQ_INT (3, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE) + get_i64 (pull, ZMQ_RAMPART_STAT_HANDSHAKE_TIMEOUTS));
        TEST_OK (zmq_socket_monitor (pull, NULL, 0));
        close_zero (pull);
        close_zero (m);
    }
}

/* ---------------------------------------------------------------------- */

static void test_msg_too_large (void *ctx)
{
    /* only MSG_TOO_LARGE asked for: no ACCEPTED, HANDSHAKE_SUCCEEDED,
     * DISCONNECTED, ... */
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    int64_t max = 1000;
    TEST_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    int64_t cap = 4096;
    TEST_OK (zmq_setsockopt (pull, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP, &cap, sizeof cap));
    void *m = monitor_v2 (ctx, pull, "inproc://mv2-big", ZMQ_RAMPART_EVENT_MSG_TOO_LARGE);
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    int raw = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (raw >= 0);
    char remote[64];
    snprintf (remote, sizeof remote, "tcp://127.0.0.1:%d", local_port (raw));
    TEST_ASSERT (rz_send_frame (raw, 0, "fine", 4) == 0);
    set_rcvtimeo (pull, 5000);
    recv_str (pull, "fine");
    TEST_ASSERT (rz_send_frame_header (raw, 0, 2000, 1) == 0);
    TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
    close (raw);
    ev2_t e;
    TEST_ASSERT (recv_ev2 (m, &e, 5000)); /* the very first event */
    if (e.id != ZMQ_RAMPART_EVENT_MSG_TOO_LARGE)
        TEST_FAIL ("first event 0x%llx, only MSG_TOO_LARGE was asked for",
                   (unsigned long long) e.id);
    TEST_ASSERT_EQ_INT (2, e.n);
    TEST_ASSERT_EQ_INT (2000, e.v[0]);
    TEST_ASSERT_EQ_INT (1000, e.v[1]);
    if (strcmp (e.local, ep) != 0 || strcmp (e.remote, remote) != 0)
        TEST_FAIL ("MSG_TOO_LARGE local '%s' remote '%s', expected '%s' '%s'",
                   e.local, e.remote, ep, remote);

    /* a READY over the handshake frame cap: [declared, cap] */
    raw = rz_connect (ep);
    TEST_ASSERT (rz_send_greeting (raw) == 0);
    TEST_ASSERT (rz_recv_greeting (raw, 3000) == 0);
    TEST_ASSERT (rz_send_frame_header (raw, RZ_FLAG_COMMAND, 20000, 1) == 0);
    TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
    close (raw);
    TEST_ASSERT (recv_ev2 (m, &e, 5000));
    TEST_ASSERT_EQ_INT (ZMQ_RAMPART_EVENT_MSG_TOO_LARGE, e.id);
    TEST_ASSERT_EQ_INT (2, e.n);
    TEST_ASSERT_EQ_INT (20000, e.v[0]);
    TEST_ASSERT_EQ_INT (4096, e.v[1]);
    /* nothing else: no DISCONNECTED, no HANDSHAKE_FAILED_* */
    expect_no_ev2 (m, 200);
    close_zero (pull);
    TEST_OK (zmq_close (m));

    /* the default profile's handshake cap (64 KiB), MAXMSGSIZE unlimited */
    pull = zmq_socket (ctx, ZMQ_PULL);
    max = -1;
    TEST_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    m = monitor_v2 (ctx, pull, "inproc://mv2-big2",
                    ZMQ_RAMPART_EVENT_ALL | ZMQ_EVENT_DISCONNECTED);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    raw = rz_connect (ep);
    TEST_ASSERT (rz_send_greeting (raw) == 0);
    TEST_ASSERT (rz_recv_greeting (raw, 3000) == 0);
    TEST_ASSERT (rz_send_frame_header (raw, RZ_FLAG_COMMAND, 65537, 1) == 0);
    TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
    close (raw);
    TEST_ASSERT (recv_ev2 (m, &e, 5000));
    TEST_ASSERT_EQ_INT (ZMQ_RAMPART_EVENT_MSG_TOO_LARGE, e.id);
    TEST_ASSERT_EQ_INT (65537, e.v[0]);
    TEST_ASSERT_EQ_INT (65536, e.v[1]);
    /* DISCONNECTED still fires, after the reason */
    TEST_ASSERT (recv_ev2 (m, &e, 5000));
    TEST_ASSERT_EQ_INT (ZMQ_EVENT_DISCONNECTED, e.id);
    expect_no_ev2 (m, 100);
    close_zero (pull);
    TEST_OK (zmq_close (m));

    /* v2 with ZMQ_EVENT_ALL: libzmq's events only, no Rampart reason */
    pull = zmq_socket (ctx, ZMQ_PULL);
    max = 1000;
    TEST_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    m = monitor_v2 (ctx, pull, "inproc://mv2-big3", ZMQ_EVENT_ALL);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    raw = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (rz_send_frame_header (raw, 0, 2000, 1) == 0);
    TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
    close (raw);
    for (;;) {
        TEST_ASSERT (recv_ev2 (m, &e, 5000));
        if (e.id > 0xFFFF)
            TEST_FAIL ("event 0x%llx delivered to a ZMQ_EVENT_ALL monitor",
                       (unsigned long long) e.id);
        if (e.id == ZMQ_EVENT_DISCONNECTED)
            break;
    }
    expect_no_ev2 (m, 100);
    TEST_ASSERT_EQ_INT (1, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE));
    close_zero (pull);
    TEST_OK (zmq_close (m));
}

static void test_handshake_timeout_event (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_HANDSHAKE_IVL, 200);
    void *m = monitor_v2 (ctx, pull, "inproc://mv2-hs",
                          ZMQ_RAMPART_EVENT_HANDSHAKE_TIMEOUT
                            | ZMQ_RAMPART_EVENT_MSG_TOO_LARGE);
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    int raw = rz_connect (ep);
    TEST_ASSERT (raw >= 0);
    char remote[64];
    snprintf (remote, sizeof remote, "tcp://127.0.0.1:%d", local_port (raw));
    int64_t t0 = test_now_ms ();
    ev2_t e;
    TEST_ASSERT (recv_ev2 (m, &e, 5000));
    int64_t took = test_now_ms () - t0;
    TEST_ASSERT_EQ_INT (ZMQ_RAMPART_EVENT_HANDSHAKE_TIMEOUT, e.id);
    TEST_ASSERT_EQ_INT (1, e.n);
    TEST_ASSERT_EQ_INT (200, e.v[0]);
    TEST_ASSERT (took >= 100 && took < 3000);
    if (strcmp (e.local, ep) != 0 || strcmp (e.remote, remote) != 0)
        TEST_FAIL ("HANDSHAKE_TIMEOUT local '%s' remote '%s', expected '%s' '%s'",
                   e.local, e.remote, ep, remote);
    TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
    close (raw);
    /* a completed handshake then idling: no timeout event */
    raw = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (raw >= 0);
    expect_no_ev2 (m, 500);
    close (raw);
    expect_no_ev2 (m, 100);
    close_zero (pull);
    TEST_OK (zmq_close (m));
}

static void test_hwm_drop_event (void *ctx)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (pub, ZMQ_SNDHWM, 5);
    set_int (sub, ZMQ_RCVHWM, 5);
    set_rcvtimeo (sub, 5000);
    void *m = monitor_v2 (ctx, pub, "inproc://mv2-hwm", ZMQ_RAMPART_EVENT_HWM_DROP);
    TEST_OK (zmq_bind (pub, "inproc://mv2-hwm-pub"));
    subscribe (sub, "");
    TEST_OK (zmq_connect (sub, "inproc://mv2-hwm-pub"));
    sync_subscriber (pub, sub, "");
    expect_no_ev2 (m, 0);

    /* the SUB stalls; the PUB keeps sending for 1.5 s */
    int events = 0;
    uint64_t sum = 0;
    int64_t t0 = test_now_ms ();
    int64_t first_at = -1, second_at = -1;
    long sent = 0;
    while (test_now_ms () - t0 < 1500) {
        send_str (pub, "flood", ZMQ_DONTWAIT);
        sent++;
        ev2_t e;
        while (recv_ev2 (m, &e, 0)) {
            TEST_ASSERT_EQ_INT (ZMQ_RAMPART_EVENT_HWM_DROP, e.id);
            TEST_ASSERT_EQ_INT (1, e.n);
            TEST_ASSERT (e.v[0] >= 1);
            TEST_ASSERT_EQ_INT (0, strlen (e.remote));
            events++;
            sum += e.v[0];
            if (first_at < 0)
                first_at = test_now_ms () - t0;
            else if (second_at < 0)
                second_at = test_now_ms () - t0;
        }
        test_sleep_ms (1);
    }
    int64_t drops = get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_HWM);
    fprintf (stderr, "HWM_DROP: %d events in 1.5 s (at %lld, %lld ms), values sum %llu, "
             "DROPS_HWM %lld, %ld sent\n",
             events, (long long) first_at, (long long) second_at,
             (unsigned long long) sum, (long long) drops, sent);
    if (events < 1)
        TEST_FAIL ("no HWM_DROP event while dropping for 1.5 s");
    if (events > 2)
        TEST_FAIL ("%d HWM_DROP events in 1.5 s: the limit is one a second", events);
    if (second_at >= 0 && second_at - first_at < 900)
        TEST_FAIL ("two HWM_DROP events %lld ms apart", (long long) (second_at - first_at));
    TEST_ASSERT (drops > 0);
    TEST_ASSERT ((int64_t) sum <= drops);
    close_zero (sub);
    close_zero (pub);
    TEST_OK (zmq_close (m));
}

/* ---------------------------------------------------------------------- */

static void test_pipes_stats (void *ctx)
{
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    TEST_ERRNO (EINVAL, socket_monitor_pipes_stats (router));
    int one = 1;
    TEST_OK (zmq_setsockopt (router, ZMQ_ROUTER_MANDATORY, &one, sizeof one));
    TEST_OK (zmq_bind (router, "inproc://mv2-ps"));
    void *a = zmq_socket (ctx, ZMQ_DEALER);
    void *b = zmq_socket (ctx, ZMQ_DEALER);
    TEST_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "A", 1));
    TEST_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "B", 1));
    TEST_OK (zmq_connect (a, "inproc://mv2-ps"));
    TEST_OK (zmq_connect (b, "inproc://mv2-ps"));
    /* known backlog: router -> A 2, -> B 3; A -> router 5, B -> router 1 */
    for (int i = 0; i < 2; i++) {
        send_routing_id (router, "A", 1);
        send_str (router, "to-a", 0);
    }
    for (int i = 0; i < 3; i++) {
        send_routing_id (router, "B", 1);
        send_str (router, "to-b", 0);
    }
    for (int i = 0; i < 5; i++)
        send_str (a, "from-a", 0);
    send_str (b, "from-b", 0);

    /* a monitor without PIPES_STATS in its mask: accepted, no event */
    void *m = monitor_v2 (ctx, router, "inproc://mv2-ps-m1", ZMQ_EVENT_ALL);
    TEST_OK (socket_monitor_pipes_stats (router));
    expect_no_ev2 (m, 200);
    TEST_OK (socket_monitor_versioned (router, NULL, 0, 2, ZMQ_PAIR));
    TEST_OK (zmq_close (m));

    m = monitor_v2 (ctx, router, "inproc://mv2-ps-m2", ZMQ_EVENT_PIPES_STATS);
    /* inbound delivery on inproc is immediate, but wait until the router
     * has seen all 6 inbound messages */
    int64_t deadline = test_now_ms () + 5000;
    while (get_i64 (router, ZMQ_RAMPART_STAT_QUEUED_MSGS) != 11) {
        TEST_ASSERT (test_now_ms () < deadline);
        test_sleep_ms (5);
    }
    TEST_OK (socket_monitor_pipes_stats (router));
    int seen_a = 0, seen_b = 0;
    for (int i = 0; i < 2; i++) {
        ev2_t e;
        if (!recv_ev2 (m, &e, 5000))
            TEST_FAIL ("PIPES_STATS: %d events of 2", i);
        TEST_ASSERT_EQ_INT (ZMQ_EVENT_PIPES_STATS, e.id);
        TEST_ASSERT_EQ_INT (2, e.n);
        if (strcmp (e.local, "inproc://mv2-ps") != 0)
            TEST_FAIL ("PIPES_STATS local '%s' remote '%s'", e.local, e.remote);
        if (e.v[0] == 2 && e.v[1] == 5)
            seen_a++;
        else if (e.v[0] == 3 && e.v[1] == 1)
            seen_b++;
        else
            TEST_FAIL ("PIPES_STATS values [%llu, %llu]; expected [2, 5] and [3, 1]",
                       (unsigned long long) e.v[0], (unsigned long long) e.v[1]);
    }
    TEST_ASSERT (seen_a == 1 && seen_b == 1);
    expect_no_ev2 (m, 100);

    /* after the peers read and the router reads, depths are 0 */
    set_rcvtimeo (a, 5000);
    set_rcvtimeo (b, 5000);
    set_rcvtimeo (router, 5000);
    for (int i = 0; i < 2; i++)
        recv_str (a, "to-a");
    for (int i = 0; i < 3; i++)
        recv_str (b, "to-b");
    char buf[16];
    for (int i = 0; i < 12; i++)
        TEST_ASSERT (zmq_recv (router, buf, sizeof buf, 0) >= 0);
    TEST_OK (socket_monitor_pipes_stats (router));
    for (int i = 0; i < 2; i++) {
        ev2_t e;
        TEST_ASSERT (recv_ev2 (m, &e, 5000));
        TEST_ASSERT_EQ_INT (ZMQ_EVENT_PIPES_STATS, e.id);
        TEST_ASSERT_EQ_INT (0, e.v[0]);
        TEST_ASSERT_EQ_INT (0, e.v[1]);
    }
    TEST_OK (socket_monitor_versioned (router, NULL, 0, 2, ZMQ_PAIR));
    TEST_ERRNO (EINVAL, socket_monitor_pipes_stats (router));
    close_zero (a);
    close_zero (b);
    close_zero (router);
    TEST_OK (zmq_close (m));
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart's monitor events");
    unsetenv ("RAMPART_PROFILE");
    void *ctx = zmq_ctx_new ();
    test_arguments (ctx);
    test_v1_unchanged (ctx);
    test_msg_too_large (ctx);
    test_handshake_timeout_event (ctx);
    test_hwm_drop_event (ctx);
    test_pipes_stats (ctx);
    test_lifecycle (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
