/* Connection admission (HARDENING.md, "Connections"): the caps on a
 * listener's connections, on connections per remote address and on
 * handshakes in progress, the replacement of stale handshakes at a cap, the
 * counters and reason-coded events they produce, and their profile values
 * and environment variables. Rampart only (skipped on libzmq). */
#include "testutil.h"
#include "rawzmtp.h"
#include "monitorv2.h"
#include <rampart.h>

/* A REP with the given caps bound on tcp; its port in *port. */
static void *capped_rep (void *ctx, int64_t conns, int64_t per_addr,
                         int64_t handshakes, int *port)
{
    void *rep = zmq_socket (ctx, ZMQ_REP);
    set_i64 (rep, ZMQ_RAMPART_MAX_CONNECTIONS, conns);
    set_i64 (rep, ZMQ_RAMPART_MAX_CONNECTIONS_PER_ADDRESS, per_addr);
    set_i64 (rep, ZMQ_RAMPART_MAX_HANDSHAKES, handshakes);
    char ep[64];
    bind_ephemeral (rep, "tcp://127.0.0.1:*", ep, sizeof ep);
    *port = rz_endpoint_port (ep);
    return rep;
}

/* One request/reply through `rep` from a fresh REQ; returns the ms it took,
 * or -1 if no reply came within `timeout_ms`. */
static int64_t round_trip (void *ctx, void *rep, int port, int timeout_ms)
{
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    set_rcvtimeo (req, 50);
    TEST_OK (zmq_connect (req, ep));
    int64_t start = test_now_ms ();
    send_str (req, "ping", 0);
    int64_t took = -1;
    char buf[16];
    while (test_now_ms () - start < timeout_ms) {
        if (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT) == 4) {
            send_str (rep, "pong", 0);
        }
        if (zmq_recv (req, buf, sizeof buf, 0) == 4) {
            took = test_now_ms () - start;
            break;
        }
    }
    close_zero (req);
    return took;
}

static void test_defaults_and_env (void)
{
    unsetenv ("RAMPART_PROFILE");
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_ROUTER);
    int64_t conns = get_i64 (s, ZMQ_RAMPART_MAX_CONNECTIONS);
    TEST_ASSERT (conns > 0 && conns <= 4096);
    TEST_ASSERT_EQ_INT (256, get_i64 (s, ZMQ_RAMPART_MAX_CONNECTIONS_PER_ADDRESS));
    TEST_ASSERT_EQ_INT (256, get_i64 (s, ZMQ_RAMPART_MAX_HANDSHAKES));
    int64_t bad = -1;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_RAMPART_MAX_HANDSHAKES, &bad,
                                        sizeof bad));
    int small = 3;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_RAMPART_MAX_CONNECTIONS, &small,
                                        sizeof small));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));

    setenv ("RAMPART_PROFILE", "strict", 1);
    setenv ("RAMPART_MAX_HANDSHAKES", "7", 1);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_ROUTER);
    conns = get_i64 (s, ZMQ_RAMPART_MAX_CONNECTIONS);
    TEST_ASSERT (conns > 0 && conns <= 1024);
    TEST_ASSERT_EQ_INT (32, get_i64 (s, ZMQ_RAMPART_MAX_CONNECTIONS_PER_ADDRESS));
    TEST_ASSERT_EQ_INT (7, get_i64 (s, ZMQ_RAMPART_MAX_HANDSHAKES));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));
    unsetenv ("RAMPART_MAX_HANDSHAKES");

    setenv ("RAMPART_PROFILE", "compat", 1);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_ROUTER);
    TEST_ASSERT_EQ_INT (0, get_i64 (s, ZMQ_RAMPART_MAX_CONNECTIONS));
    TEST_ASSERT_EQ_INT (0, get_i64 (s, ZMQ_RAMPART_MAX_CONNECTIONS_PER_ADDRESS));
    TEST_ASSERT_EQ_INT (0, get_i64 (s, ZMQ_RAMPART_MAX_HANDSHAKES));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));
    unsetenv ("RAMPART_PROFILE");
}

/* Handshakes that never finish hold the handshake cap; the listener stops
 * accepting (a newcomer waits in the backlog) until the oldest turns 1 s
 * old and gives way. The legitimate client is served within about 1 s. */
static void test_handshake_cap (void *ctx)
{
    int port;
    void *rep = capped_rep (ctx, 0, 0, 4, &port);
    set_int (rep, ZMQ_HANDSHAKE_IVL, 30000);
    int fds[4];
    for (int i = 0; i < 4; i++)
        TEST_ASSERT ((fds[i] = rz_connect_port (port)) >= 0);
    test_sleep_ms (300);
    /* A legitimate client gets through once a stale handshake gives way. */
    int64_t took = round_trip (ctx, rep, port, 5000);
    TEST_ASSERT (took >= 0);
    TEST_ASSERT (took < 2500);
    /* The oldest squatter was dropped to make room; it was counted. */
    int dropped = 0;
    for (int i = 0; i < 4; i++)
        dropped += rz_wait_hangup (fds[i], 100) == 1;
    TEST_ASSERT (dropped >= 1);
    TEST_ASSERT (get_i64 (rep, ZMQ_RAMPART_STAT_REJECTED_BY_CAP) >= 1);
    for (int i = 0; i < 4; i++)
        close (fds[i]);
    close_zero (rep);
}

/* At the per-address cap, a newcomer replaces a stale handshake from that
 * address; with nothing to replace it is refused (closed at once) and a
 * CONNECTION_REJECTED event says which cap. */
static void test_per_address_cap (void *ctx)
{
    int port;
    void *rep = capped_rep (ctx, 0, 2, 0, &port);
    void *mon = monitor_v2 (ctx, rep, "inproc://caps-mon",
                            ZMQ_RAMPART_EVENT_CONNECTION_REJECTED);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    /* Two live peers that finished their handshake and keep talking. */
    int a = rz_connect_ready (ep, "REQ", 2000);
    int b = rz_connect_ready (ep, "REQ", 2000);
    TEST_ASSERT (a >= 0 && b >= 0);
    int64_t deadline = test_now_ms () + 2000;
    while (get_i64 (rep, ZMQ_RAMPART_STAT_PEERS) < 2
           && test_now_ms () < deadline)
        test_sleep_ms (10);
    TEST_ASSERT_EQ_INT (2, get_i64 (rep, ZMQ_RAMPART_STAT_PEERS));
    /* A third from the same address: nobody stale to replace, refused. */
    int c = rz_connect_port (port);
    TEST_ASSERT (c >= 0);
    TEST_ASSERT (rz_wait_hangup (c, 2000) == 1);
    close (c);
    TEST_ASSERT_EQ_INT (1, get_i64 (rep, ZMQ_RAMPART_STAT_REJECTED_BY_CAP));
    TEST_ASSERT (rz_is_open (a) && rz_is_open (b));

    /* The event: two values (cap kind, cap). */
    ev2_t e;
    expect_ev2 (mon, ZMQ_RAMPART_EVENT_CONNECTION_REJECTED, &e);
    TEST_ASSERT_EQ_INT (2, (int) e.n);
    TEST_ASSERT_EQ_INT (RAMPART_CAP_PER_ADDRESS, (int) e.v[0]);
    TEST_ASSERT_EQ_INT (2, (int) e.v[1]);

    /* One peer leaves: room again. */
    close (a);
    deadline = test_now_ms () + 2000;
    while (get_i64 (rep, ZMQ_RAMPART_STAT_PEERS) > 1
           && test_now_ms () < deadline)
        test_sleep_ms (10);
    TEST_ASSERT (round_trip (ctx, rep, port, 3000) >= 0);
    close (b);
    close_zero (mon);
    close_zero (rep);
}

/* The listener-wide cap: squatters still in their handshake for over 1 s
 * make way for newcomers, so clients keep being served. */
static void test_connection_cap (void *ctx)
{
    int port;
    void *rep = capped_rep (ctx, 3, 0, 0, &port);
    set_int (rep, ZMQ_HANDSHAKE_IVL, 30000);
    int fds[3];
    for (int i = 0; i < 3; i++)
        TEST_ASSERT ((fds[i] = rz_connect_port (port)) >= 0);
    test_sleep_ms (1200);
    for (int round = 0; round < 3; round++)
        TEST_ASSERT (round_trip (ctx, rep, port, 3000) >= 0);
    TEST_ASSERT (get_i64 (rep, ZMQ_RAMPART_STAT_REJECTED_BY_CAP) >= 1);
    for (int i = 0; i < 3; i++)
        close (fds[i]);
    close_zero (rep);
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart's connection caps");
    test_defaults_and_env ();
    void *ctx = zmq_ctx_new ();
    test_handshake_cap (ctx);
    test_per_address_cap (ctx);
    test_connection_cap (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
