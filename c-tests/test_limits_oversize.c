/* Oversized frames from a raw ZMTP peer (threat T4, oversized messages).
 *
 * The victim is a PULL in this process; the attacker is a raw TCP client
 * (rawzmtp.h) that completes a NULL handshake as a PUSH and then declares
 * frames larger than the victim's MAXMSGSIZE.
 *
 * Checks (both libraries, MAXMSGSIZE set explicitly):
 * - frames up to MAXMSGSIZE (1000) from the raw peer are delivered;
 * - a frame declaring 2000 bytes (8-byte length) makes the victim close that
 *   connection within 3 s, and nothing of it is delivered;
 * - with MAXMSGSIZE 100, a short-form frame declaring 200 bytes does too;
 * - a well-behaved PUSH connected all along still delivers afterwards;
 * - a real PUSH whose 2000-byte message got its connection closed
 *   reconnects and delivers later messages (asserted on Rampart; on libzmq
 *   it does too; the outcome is printed);
 * - LIBZMQ-FACTS 1.8.3, the connecting side: a PULL (MAXMSGSIZE 1000)
 *   connected to a raw server that sends a 2000-byte frame drops that
 *   connection; Rampart then reconnects (asserted on Rampart only; libzmq
 *   stops reconnecting, which is printed).
 * Rampart only:
 * - under RAMPART_PROFILE=default with MAXMSGSIZE not set (16 MiB), a frame
 *   declaring 17 MiB is rejected (connection closed) while a 64 KiB message
 *   passes. */
/* RAMPART_TEST: labels=limits */
#include "testutil.h"
#include "rawzmtp.h"

static void *make_victim (void *ctx, int64_t maxmsgsize, char *ep, size_t eplen)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_ASSERT (pull);
    if (maxmsgsize != 0)
        TEST_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &maxmsgsize,
                                 sizeof maxmsgsize));
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, eplen);
    set_rcvtimeo (pull, 5000);
    return pull;
}

/* Receives one message and checks its size and fill byte. */
static void recv_sized (void *s, size_t size, unsigned char fill)
{
    zmq_msg_t m;
    TEST_OK (zmq_msg_init (&m));
    int rc = zmq_msg_recv (&m, s, 0);
    if (rc < 0)
        TEST_FAIL ("expected a %zu-byte message: errno %d (%s)", size,
                   zmq_errno (), zmq_strerror (zmq_errno ()));
    TEST_ASSERT_EQ_INT (size, zmq_msg_size (&m));
    const unsigned char *d = (const unsigned char *) zmq_msg_data (&m);
    for (size_t i = 0; i < size; i++)
        if (d[i] != fill)
            TEST_FAIL ("byte %zu of the %zu-byte message is %u, expected %u", i,
                       size, d[i], fill);
    TEST_OK (zmq_msg_close (&m));
}

static void expect_nothing (void *s)
{
    char buf[16];
    TEST_ERRNO (EAGAIN, zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT));
}

/* Raw peer: handshake, legal frames, then an oversized declaration. */
static void test_raw_oversize (void *ctx)
{
    char ep[256];
    void *victim = make_victim (ctx, 1000, ep, sizeof ep);

    void *good = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (good, ep));
    send_str (good, "good-1", 0);
    recv_str (victim, "good-1");

    int raw = rz_connect_ready (ep, "PUSH", 3000);
    if (raw < 0)
        TEST_FAIL ("raw peer: handshake with the victim failed");
    unsigned char body[2048];
    memset (body, 'r', sizeof body);
    TEST_ASSERT (rz_send_frame (raw, 0, "raw-legal", 9) == 0);
    recv_str (victim, "raw-legal");
    /* exactly at the limit, long form */
    TEST_ASSERT (rz_send_frame_header (raw, 0, 1000, 1) == 0);
    TEST_ASSERT (rz_send_all (raw, body, 1000) == 0);
    recv_sized (victim, 1000, 'r');

    /* over the limit: declare 2000 bytes, send part of the body */
    TEST_ASSERT (rz_send_frame_header (raw, 0, 2000, 1) == 0);
    rz_send_all (raw, body, 100); /* may fail if already closed */
    int64_t t0 = test_now_ms ();
    if (!rz_wait_closed (raw, 3000))
        TEST_FAIL ("victim kept the connection open after a 2000-byte frame "
                   "declaration (MAXMSGSIZE 1000)");
    fprintf (stderr, "oversize (long form): closed after %lld ms\n",
             (long long) (test_now_ms () - t0));
    close (raw);

    /* the well-behaved peer is unaffected, and nothing leaked through */
    send_str (good, "good-2", 0);
    recv_str (victim, "good-2");
    expect_nothing (victim);
    close_zero (good);
    close_zero (victim);

    /* short form: MAXMSGSIZE 100, frame declaring 200 in one size byte */
    victim = make_victim (ctx, 100, ep, sizeof ep);
    raw = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (raw >= 0);
    TEST_ASSERT (rz_send_frame (raw, 0, body, 100) == 0);
    recv_sized (victim, 100, 'r');
    TEST_ASSERT (rz_send_frame_header (raw, 0, 200, 0) == 0);
    rz_send_all (raw, body, 200);
    if (!rz_wait_closed (raw, 3000))
        TEST_FAIL ("victim kept the connection open after a 200-byte frame "
                   "(MAXMSGSIZE 100)");
    close (raw);
    expect_nothing (victim);

    /* a fresh raw peer may connect again afterwards */
    raw = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (raw >= 0);
    TEST_ASSERT (rz_send_frame (raw, 0, "again", 5) == 0);
    recv_str (victim, "again");
    close (raw);
    close_zero (victim);
}

/* A real PUSH sends an oversized message; does it come back? */
static void test_real_pusher_reconnects (void *ctx)
{
    char ep[256];
    void *victim = make_victim (ctx, 1000, ep, sizeof ep);
    void *pusher = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (pusher, ep));
    send_str (pusher, "before", 0);
    recv_str (victim, "before");

    unsigned char big[2000];
    memset (big, 'B', sizeof big);
    TEST_ASSERT_EQ_INT (2000, zmq_send (pusher, big, sizeof big, 0));

    /* Keep offering small probes; the first that arrives proves the
     * reconnection. Probes sent while the old connection was dying may be
     * lost, which is fine. */
    int received = 0;
    int64_t t0 = test_now_ms (), deadline = t0 + 5000;
    int seq = 0;
    while (test_now_ms () < deadline && !received) {
        char msg[32];
        snprintf (msg, sizeof msg, "probe-%d", seq++);
        zmq_send (pusher, msg, strlen (msg), ZMQ_DONTWAIT);
        zmq_pollitem_t it = {victim, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&it, 1, 100) == 1) {
            char buf[64];
            int n = zmq_recv (victim, buf, sizeof buf - 1, ZMQ_DONTWAIT);
            TEST_ASSERT (n > 0);
            buf[n] = 0;
            /* the oversized message itself must never arrive */
            TEST_ASSERT (strncmp (buf, "probe-", 6) == 0);
            received = 1;
        }
    }
    fprintf (stderr, "%s: PUSH after its oversized message: %s (%lld ms)\n",
             is_rampart () ? "rampart" : "libzmq",
             received ? "reconnected and delivered" : "never delivered again",
             (long long) (test_now_ms () - t0));
    if (is_rampart () && !received)
        TEST_FAIL ("the PUSH whose connection was closed for an oversized "
                   "message never delivered again");
    close_zero (pusher);
    close_zero (victim);
}

/* LIBZMQ-FACTS 1.8.3: the CONNECTING side detects the oversized frame. A
 * PULL (MAXMSGSIZE 1000) connects to a raw server that sends a 2000-byte
 * frame; the PULL drops the connection. libzmq treats this as a protocol
 * error and stops reconnecting to that endpoint for good; Rampart keeps
 * reconnecting (asserted on Rampart only; libzmq's outcome is printed). */
static void test_connecting_side_reconnects (void *ctx)
{
    int port = 0;
    int listener = rz_listen (&port);
    TEST_ASSERT (listener >= 0);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);

    void *pull = zmq_socket (ctx, ZMQ_PULL);
    int64_t max = 1000;
    TEST_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    int ivl = 100;
    TEST_OK (zmq_setsockopt (pull, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl));
    set_rcvtimeo (pull, 5000);
    TEST_OK (zmq_connect (pull, ep));

    int conn = rz_accept (listener, 5000);
    TEST_ASSERT (conn >= 0);
    TEST_ASSERT (rz_handshake (conn, "PUSH", 3000) == 0);
    TEST_ASSERT (rz_send_frame (conn, 0, "legal", 5) == 0);
    recv_str (pull, "legal");
    static unsigned char body[2000];
    memset (body, 'X', sizeof body);
    TEST_ASSERT (rz_send_frame_header (conn, 0, sizeof body, 1) == 0);
    rz_send_all (conn, body, sizeof body);
    if (!rz_wait_closed (conn, 3000))
        TEST_FAIL ("connecting PULL kept a connection that sent a 2000-byte "
                   "frame (MAXMSGSIZE 1000)");
    close (conn);
    expect_nothing (pull);

    /* Does it come back? */
    int64_t t0 = test_now_ms ();
    conn = rz_accept (listener, 3000);
    int back = conn >= 0;
    if (back) {
        TEST_ASSERT (rz_handshake (conn, "PUSH", 3000) == 0);
        TEST_ASSERT (rz_send_frame (conn, 0, "again", 5) == 0);
        recv_str (pull, "again");
        close (conn);
    }
    fprintf (stderr,
             "%s: connecting PULL after receiving an oversized frame: %s "
             "(%lld ms)\n",
             is_rampart () ? "rampart" : "libzmq",
             back ? "reconnected" : "did not reconnect within 3 s",
             (long long) (test_now_ms () - t0));
    if (is_rampart () && !back)
        TEST_FAIL ("connecting PULL stopped reconnecting after an oversized "
                   "frame");
    close_zero (pull);
    close (listener);
}

/* Rampart's default profile: 16 MiB unless configured. */
static void test_default_profile (void)
{
    void *ctx = zmq_ctx_new ();
    char ep[256];
    void *victim = make_victim (ctx, 0, ep, sizeof ep);
    int64_t m = 0;
    size_t len = sizeof m;
    TEST_OK (zmq_getsockopt (victim, ZMQ_MAXMSGSIZE, &m, &len));
    TEST_ASSERT_EQ_INT (16 * 1024 * 1024, m);

    int raw = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (raw >= 0);
    static unsigned char body[65536];
    memset (body, 'd', sizeof body);
    TEST_ASSERT (rz_send_frame_header (raw, 0, sizeof body, 1) == 0);
    TEST_ASSERT (rz_send_all (raw, body, sizeof body) == 0);
    recv_sized (victim, sizeof body, 'd');

    TEST_ASSERT (rz_send_frame_header (raw, 0, (uint64_t) 17 * 1024 * 1024, 1) == 0);
    rz_send_all (raw, body, 4096);
    if (!rz_wait_closed (raw, 3000))
        TEST_FAIL ("default profile: a 17 MiB frame declaration was not rejected");
    close (raw);
    expect_nothing (victim);
    close_zero (victim);
    TEST_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    test_watchdog (60);
    /* Rampart: the default profile for the last part (explicit MAXMSGSIZE
     * elsewhere makes the profile irrelevant). libzmq ignores these. */
    setenv ("RAMPART_PROFILE", "default", 1);
    unsetenv ("RAMPART_MAXMSGSIZE");
    unsetenv ("RAMPART_HANDSHAKE_IVL");

    void *ctx = zmq_ctx_new ();
    test_raw_oversize (ctx);
    test_real_pusher_reconnects (ctx);
    test_connecting_side_reconnects (ctx);
    TEST_OK (zmq_ctx_term (ctx));

    if (is_rampart ())
        test_default_profile ();
    else
        fprintf (stderr, "libzmq: default-profile check skipped (Rampart only)\n");
    return 0;
}
