/* Stalled-peer eviction for dropping socket types, and the connection
 * keepers of the hardening profiles (TCP keepalive, ZMTP heartbeats): their
 * profile values, RAMPART_* variables and effect. Rampart only. */
#include "testutil.h"
#include "monitorv2.h"
#include <rampart.h>

static void test_profile_values (void)
{
    unsetenv ("RAMPART_PROFILE");
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PUB);
    TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_RAMPART_STALL_EVICT_IVL));
    TEST_ASSERT_EQ_INT (1, get_int (s, ZMQ_TCP_KEEPALIVE));
    TEST_ASSERT_EQ_INT (60, get_int (s, ZMQ_TCP_KEEPALIVE_IDLE));
    TEST_ASSERT_EQ_INT (10, get_int (s, ZMQ_TCP_KEEPALIVE_INTVL));
    TEST_ASSERT_EQ_INT (6, get_int (s, ZMQ_TCP_KEEPALIVE_CNT));
    TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_HEARTBEAT_IVL));
    int v = -1;
    TEST_ERRNO (EINVAL,
                zmq_setsockopt (s, ZMQ_RAMPART_STALL_EVICT_IVL, &v, sizeof v));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));

    setenv ("RAMPART_PROFILE", "strict", 1);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_PUB);
    TEST_ASSERT_EQ_INT (60000, get_int (s, ZMQ_RAMPART_STALL_EVICT_IVL));
    TEST_ASSERT_EQ_INT (30000, get_int (s, ZMQ_HEARTBEAT_IVL));
    TEST_ASSERT_EQ_INT (90000, get_int (s, ZMQ_HEARTBEAT_TIMEOUT));
    TEST_ASSERT_EQ_INT (1, get_int (s, ZMQ_TCP_KEEPALIVE));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));

    setenv ("RAMPART_PROFILE", "compat", 1);
    setenv ("RAMPART_STALL_EVICT_IVL", "1234", 1);
    setenv ("RAMPART_HEARTBEAT_IVL", "5000", 1);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_PUB);
    TEST_ASSERT_EQ_INT (1234, get_int (s, ZMQ_RAMPART_STALL_EVICT_IVL));
    TEST_ASSERT_EQ_INT (5000, get_int (s, ZMQ_HEARTBEAT_IVL));
    TEST_ASSERT_EQ_INT (-1, get_int (s, ZMQ_TCP_KEEPALIVE));
    TEST_ASSERT_EQ_INT (-1, get_int (s, ZMQ_HEARTBEAT_TIMEOUT));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));
    unsetenv ("RAMPART_STALL_EVICT_IVL");
    unsetenv ("RAMPART_HEARTBEAT_IVL");
    unsetenv ("RAMPART_PROFILE");
}

/* A SUB that stops reading: the PUB drops for it at its HWM, and once it has
 * been full for STALL_EVICT_IVL the PUB closes its connection, counts the
 * eviction and says so; a live subscriber keeps receiving throughout. */
static void test_evicts_stalled_subscriber (void *ctx)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    set_int (pub, ZMQ_SNDHWM, 10);
    set_int (pub, ZMQ_SNDBUF, 4096);
    set_int (pub, ZMQ_RAMPART_STALL_EVICT_IVL, 300);
    char ep[64];
    bind_ephemeral (pub, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *mon = monitor_v2 (ctx, pub, "inproc://evict-mon",
                            ZMQ_RAMPART_EVENT_PEER_EVICTED);

    void *stalled = zmq_socket (ctx, ZMQ_SUB);
    set_int (stalled, ZMQ_RCVHWM, 10);
    set_int (stalled, ZMQ_RCVBUF, 4096);
    set_int (stalled, ZMQ_RECONNECT_IVL, 5000); /* stay gone for the test */
    subscribe (stalled, "");
    TEST_OK (zmq_connect (stalled, ep));
    void *live = zmq_socket (ctx, ZMQ_SUB);
    subscribe (live, "");
    TEST_OK (zmq_connect (live, ep));
    void *subs[2] = {stalled, live};
    sync_subscribers (pub, subs, 2, "sync");
    TEST_ASSERT_EQ_INT (2, get_i64 (pub, ZMQ_RAMPART_STAT_PEERS));

    char body[1024];
    memset (body, 'x', sizeof body);
    int64_t start = test_now_ms ();
    long live_got = 0;
    while (get_i64 (pub, ZMQ_RAMPART_STAT_EVICTIONS) == 0
           && test_now_ms () - start < 5000) {
        TEST_ASSERT (zmq_send (pub, body, sizeof body, 0) == sizeof body);
        while (zmq_recv (live, body, sizeof body, ZMQ_DONTWAIT) >= 0)
            live_got++;
        test_sleep_ms (1);
    }
    int64_t took = test_now_ms () - start;
    TEST_ASSERT_EQ_INT (1, get_i64 (pub, ZMQ_RAMPART_STAT_EVICTIONS));
    TEST_ASSERT (took >= 300);
    TEST_ASSERT (get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_HWM) > 0);
    TEST_ASSERT (live_got > 100);

    /* The event says how long it was stalled, on the bound endpoint. */
    ev2_t e;
    expect_ev2 (mon, ZMQ_RAMPART_EVENT_PEER_EVICTED, &e);
    TEST_ASSERT_EQ_INT (1, (int) e.n);
    TEST_ASSERT (e.v[0] >= 300 && e.v[0] < 5000);
    TEST_ASSERT (strcmp (e.local, ep) == 0);

    /* Its connection is gone; the live subscriber still gets messages. */
    int64_t deadline = test_now_ms () + 2000;
    while (get_i64 (pub, ZMQ_RAMPART_STAT_PEERS) != 1
           && test_now_ms () < deadline)
        test_sleep_ms (10);
    TEST_ASSERT_EQ_INT (1, get_i64 (pub, ZMQ_RAMPART_STAT_PEERS));
    while (zmq_recv (live, body, sizeof body, ZMQ_DONTWAIT) >= 0) {
    }
    send_str (pub, "after", 0);
    set_rcvtimeo (live, 2000);
    recv_str (live, "after");

    close_zero (stalled);
    close_zero (live);
    close_zero (mon);
    close_zero (pub);
}

/* The PUB connected to a SUB that stalls: after the eviction it reconnects
 * (as after any lost connection), and once the subscriber reads again it
 * gets messages over the new connection. */
static void test_connecting_pub_reconnects_after_eviction (void *ctx)
{
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (sub, ZMQ_RCVHWM, 10);
    set_int (sub, ZMQ_RCVBUF, 4096);
    subscribe (sub, "");
    char ep[64];
    bind_ephemeral (sub, "tcp://127.0.0.1:*", ep, sizeof ep);

    void *pub = zmq_socket (ctx, ZMQ_PUB);
    set_int (pub, ZMQ_SNDHWM, 10);
    set_int (pub, ZMQ_SNDBUF, 4096);
    set_int (pub, ZMQ_RECONNECT_IVL, 100);
    set_int (pub, ZMQ_RAMPART_STALL_EVICT_IVL, 300);
    TEST_OK (zmq_connect (pub, ep));
    sync_subscribers (pub, &sub, 1, "sync");

    char body[1024];
    memset (body, 'x', sizeof body);
    int64_t start = test_now_ms ();
    while (get_i64 (pub, ZMQ_RAMPART_STAT_EVICTIONS) == 0
           && test_now_ms () - start < 5000) {
        TEST_ASSERT (zmq_send (pub, body, sizeof body, 0) == sizeof body);
        test_sleep_ms (1);
    }
    TEST_ASSERT_EQ_INT (1, get_i64 (pub, ZMQ_RAMPART_STAT_EVICTIONS));

    /* The subscriber reads again; the PUB is back within a few intervals. */
    int got_after = 0;
    int64_t deadline = test_now_ms () + 3000;
    while (!got_after && test_now_ms () < deadline) {
        send_str (pub, "after", 0);
        test_sleep_ms (20);
        int n;
        while ((n = zmq_recv (sub, body, sizeof body, ZMQ_DONTWAIT)) >= 0)
            if (n == 5 && memcmp (body, "after", 5) == 0)
                got_after = 1;
    }
    TEST_ASSERT (got_after);
    TEST_ASSERT_EQ_INT (1, get_i64 (pub, ZMQ_RAMPART_STAT_PEERS));
    TEST_ASSERT_EQ_INT (1, get_i64 (pub, ZMQ_RAMPART_STAT_EVICTIONS));

    close_zero (pub);
    close_zero (sub);
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart's stalled-peer eviction");
    test_profile_values ();
    void *ctx = zmq_ctx_new ();
    test_evicts_stalled_subscriber (ctx);
    test_connecting_pub_reconnects_after_eviction (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
