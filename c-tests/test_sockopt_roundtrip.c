/* Socket options: set/get round trips, range checks and the effect of the
 * options that shape queueing.
 *
 * Checks:
 * - every readable read-write option returns what was set (int, int64,
 *   uint64, binary and string options; HEARTBEAT_TTL is rounded down to
 *   deciseconds);
 * - out-of-range values give EINVAL and leave the old value: negative HWM,
 *   LINGER < -1, RECONNECT_IVL < -1, RECONNECT_IVL_MAX < 0, HANDSHAKE_IVL < 0,
 *   SNDTIMEO/RCVTIMEO < -1, TCP_KEEPALIVE outside -1..1, keepalive knobs
 *   < -1, booleans outside 0..1, HEARTBEAT_IVL < 0, HEARTBEAT_TTL > 6553599,
 *   CONNECT_TIMEOUT/TCP_MAXRT < 0, SNDBUF/RCVBUF < -1, BACKLOG < 0; unknown
 *   option ids;
 * - MAXMSGSIZE below -1: libzmq accepts and stores it; Rampart may refuse
 *   it with EINVAL (either way nothing else changes);
 * - ROUTING_ID of length 0 or 256 is EINVAL, 255 works; LAST_ENDPOINT and
 *   ROUTING_ID into a too-small buffer are EINVAL; int options take exactly
 *   sizeof(int) and MAXMSGSIZE exactly sizeof(int64_t);
 * - SNDHWM limits what a PUSH queues for a peer that is not there yet;
 *   SNDHWM + RCVHWM bound an inproc pipe; CONFLATE keeps only the last
 *   message; IMMEDIATE=1 queues nothing without a connected peer; LINGER 0
 *   discards pending messages on close while a positive LINGER delivers them
 *   to a peer that appears later; SNDTIMEO/RCVTIMEO give EAGAIN after about
 *   the timeout. */
#include "testutil.h"
#include <poll.h>

/* set(v) then get() == expect */
#define rt_int(s, id, v, expect) rt_int_at (__LINE__, s, id, #id, v, expect)
static void rt_int_at (int line, void *s, int id, const char *name, int v, int expect)
{
    set_int_at (__FILE__, line, s, id, name, v);
    int got = get_int (s, id);
    if (got != expect)
        TEST_FAIL ("line %d: %s: set %d, got %d, expected %d", line, name, v, got,
                   expect);
}

/* set(v) must fail with EINVAL and leave the value as it was */
#define bad_int(s, id, v) bad_int_at (__LINE__, s, id, #id, v)
static void bad_int_at (int line, void *s, int id, const char *name, int v)
{
    int before = get_int (s, id);
    int rc = zmq_setsockopt (s, id, &v, sizeof v);
    int en = zmq_errno ();
    if (rc != -1 || en != EINVAL)
        TEST_FAIL ("line %d: set %s = %d: expected -1/EINVAL, got %d errno %d",
                   line, name, v, rc, en);
    if (get_int (s, id) != before)
        TEST_FAIL ("line %d: rejected %s = %d changed the value", line, name, v);
}

static void test_int_round_trips (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT (s);
    rt_int (s, ZMQ_SNDHWM, 7, 7);
    rt_int (s, ZMQ_SNDHWM, 0, 0); /* 0 = no limit */
    rt_int (s, ZMQ_RCVHWM, 9, 9);
    rt_int (s, ZMQ_RCVHWM, 0, 0);
    rt_int (s, ZMQ_SNDTIMEO, 123, 123);
    rt_int (s, ZMQ_SNDTIMEO, 0, 0);
    rt_int (s, ZMQ_SNDTIMEO, -1, -1);
    rt_int (s, ZMQ_RCVTIMEO, 456, 456);
    rt_int (s, ZMQ_RCVTIMEO, -1, -1);
    rt_int (s, ZMQ_LINGER, 0, 0);
    rt_int (s, ZMQ_LINGER, 250, 250);
    rt_int (s, ZMQ_LINGER, -1, -1);
    rt_int (s, ZMQ_SNDBUF, 65536, 65536);
    rt_int (s, ZMQ_SNDBUF, 0, 0);
    rt_int (s, ZMQ_SNDBUF, -1, -1);
    rt_int (s, ZMQ_RCVBUF, 131072, 131072);
    rt_int (s, ZMQ_RCVBUF, -1, -1);
    rt_int (s, ZMQ_BACKLOG, 5, 5);
    rt_int (s, ZMQ_BACKLOG, 0, 0);
    rt_int (s, ZMQ_HANDSHAKE_IVL, 1234, 1234);
    rt_int (s, ZMQ_HANDSHAKE_IVL, 0, 0); /* 0 = no handshake timeout */
    rt_int (s, ZMQ_TCP_KEEPALIVE, 1, 1);
    rt_int (s, ZMQ_TCP_KEEPALIVE, 0, 0);
    rt_int (s, ZMQ_TCP_KEEPALIVE, -1, -1);
    rt_int (s, ZMQ_TCP_KEEPALIVE_CNT, 5, 5);
    rt_int (s, ZMQ_TCP_KEEPALIVE_CNT, -1, -1);
    rt_int (s, ZMQ_TCP_KEEPALIVE_IDLE, 30, 30);
    rt_int (s, ZMQ_TCP_KEEPALIVE_INTVL, 7, 7);
    rt_int (s, ZMQ_CONNECT_TIMEOUT, 250, 250);
    rt_int (s, ZMQ_CONNECT_TIMEOUT, 0, 0);
    rt_int (s, ZMQ_TCP_MAXRT, 1000, 1000);
    rt_int (s, ZMQ_RECONNECT_IVL, 250, 250);
    rt_int (s, ZMQ_RECONNECT_IVL, -1, -1); /* -1 = no reconnection */
    rt_int (s, ZMQ_RECONNECT_IVL, 0, 0);
    rt_int (s, ZMQ_RECONNECT_IVL_MAX, 5000, 5000);
    rt_int (s, ZMQ_RECONNECT_IVL_MAX, 0, 0);
    rt_int (s, ZMQ_IPV6, 1, 1);
    rt_int (s, ZMQ_IPV6, 0, 0);
    rt_int (s, ZMQ_TOS, 0x28, 0x28);
    rt_int (s, ZMQ_HEARTBEAT_IVL, 1000, 1000);
    rt_int (s, ZMQ_HEARTBEAT_TIMEOUT, 3000, 3000);
    rt_int (s, ZMQ_HEARTBEAT_TTL, 2000, 2000);
    rt_int (s, ZMQ_HEARTBEAT_TTL, 2050, 2000);       /* deciseconds, down */
    rt_int (s, ZMQ_HEARTBEAT_TTL, 6553599, 6553500); /* the maximum */
    rt_int (s, ZMQ_HEARTBEAT_TTL, 0, 0);
    rt_int (s, ZMQ_IMMEDIATE, 1, 1);
    rt_int (s, ZMQ_IMMEDIATE, 0, 0);
    rt_int (s, ZMQ_CONFLATE, 1, 1);
    rt_int (s, ZMQ_CONFLATE, 0, 0);
    rt_int (s, ZMQ_INVERT_MATCHING, 1, 1);
    rt_int (s, ZMQ_INVERT_MATCHING, 0, 0);
    /* Setting twice keeps the last value. */
    set_int (s, ZMQ_SNDHWM, 11);
    set_int (s, ZMQ_SNDHWM, 12);
    TEST_ASSERT_EQ_INT (12, get_int (s, ZMQ_SNDHWM));
    /* Options are per socket. */
    void *other = zmq_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT_EQ_INT (1000, get_int (other, ZMQ_SNDHWM));
    TEST_OK (zmq_close (other));
    close_zero (s);
}

static void test_wide_round_trips (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    /* MAXMSGSIZE: int64 */
    int64_t values[] = {0, 1, 1000, (int64_t) 1 << 40, INT64_MAX, -1};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        TEST_OK (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &values[i], sizeof values[i]));
        TEST_ASSERT_EQ_INT (values[i], get_i64 (s, ZMQ_MAXMSGSIZE));
    }
    /* MAXMSGSIZE below -1: libzmq stores it (and treats it as no limit).
     * Rampart may refuse it; it must not change anything then. */
    {
        int64_t keep = 4096, m2 = -2;
        TEST_OK (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &keep, sizeof keep));
        int rc = zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &m2, sizeof m2);
        if (rc == 0)
            TEST_ASSERT_EQ_INT (-2, get_i64 (s, ZMQ_MAXMSGSIZE));
        else {
            if (!is_rampart ())
                TEST_FAIL ("libzmq refused MAXMSGSIZE -2: errno %d", zmq_errno ());
            TEST_ASSERT_EQ_INT (EINVAL, zmq_errno ());
            TEST_ASSERT_EQ_INT (4096, get_i64 (s, ZMQ_MAXMSGSIZE));
        }
    }
    /* MAXMSGSIZE takes exactly 8 bytes both ways. */
    {
        int i = 100;
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &i, sizeof i));
        size_t len = sizeof i;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &i, &len));
    }
    /* AFFINITY: uint64 bitmap */
    uint64_t aff = 3;
    TEST_OK (zmq_setsockopt (s, ZMQ_AFFINITY, &aff, sizeof aff));
    TEST_ASSERT_EQ_INT (3, get_i64 (s, ZMQ_AFFINITY));
    aff = (uint64_t) 1 << 63;
    TEST_OK (zmq_setsockopt (s, ZMQ_AFFINITY, &aff, sizeof aff));
    {
        uint64_t back = 0;
        size_t len = sizeof back;
        TEST_OK (zmq_getsockopt (s, ZMQ_AFFINITY, &back, &len));
        TEST_ASSERT (back == aff);
    }
    /* ZAP_DOMAIN: string */
    TEST_OK (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, "global", 6));
    {
        char buf[64];
        size_t len = sizeof buf;
        TEST_OK (zmq_getsockopt (s, ZMQ_ZAP_DOMAIN, buf, &len));
        TEST_ASSERT_EQ_INT (7, len);
        TEST_ASSERT (strcmp (buf, "global") == 0);
    }
    close_zero (s);
}

static void test_routing_id (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    unsigned char id[256];
    for (int i = 0; i < 256; i++)
        id[i] = (unsigned char) (i + 1);
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 0));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 256));
    /* rejected: still unset */
    {
        unsigned char buf[256];
        size_t len = sizeof buf;
        TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
        TEST_ASSERT_EQ_INT (0, len);
    }
    TEST_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "x", 1));
    TEST_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 255));
    unsigned char buf[256];
    size_t len = 254;
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
    len = 255;
    TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
    TEST_ASSERT_EQ_INT (255, len);
    TEST_ASSERT (memcmp (buf, id, 255) == 0);
    /* binary, embedded zero bytes kept */
    TEST_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "a\0b", 3));
    len = sizeof buf;
    TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
    TEST_ASSERT_EQ_INT (3, len);
    TEST_ASSERT (memcmp (buf, "a\0b", 3) == 0);
    close_zero (s);
}

static void test_last_endpoint (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_PULL);
    char ep[256];
    bind_ephemeral (s, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_ASSERT (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);
    TEST_ASSERT (atoi (ep + 16) > 0); /* the wildcard port was resolved */
    size_t need = strlen (ep) + 1;
    char buf[256];
    size_t len = need - 1;
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
    len = 5;
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
    len = need;
    TEST_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
    TEST_ASSERT_EQ_INT (need, len);
    TEST_ASSERT (strcmp (buf, ep) == 0);
    /* The latest bind wins. */
    TEST_OK (zmq_bind (s, "inproc://roundtrip-last-ep"));
    len = sizeof buf;
    TEST_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
    TEST_ASSERT (strcmp (buf, "inproc://roundtrip-last-ep") == 0);
    TEST_ASSERT_EQ_INT (strlen ("inproc://roundtrip-last-ep") + 1, len);
    close_zero (s);
}

static void test_range_checks (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    bad_int (s, ZMQ_SNDHWM, -1);
    bad_int (s, ZMQ_RCVHWM, -1);
    bad_int (s, ZMQ_RCVHWM, -1000);
    bad_int (s, ZMQ_LINGER, -2);
    bad_int (s, ZMQ_RECONNECT_IVL, -2);
    bad_int (s, ZMQ_RECONNECT_IVL_MAX, -1);
    bad_int (s, ZMQ_HANDSHAKE_IVL, -1);
    bad_int (s, ZMQ_SNDTIMEO, -2);
    bad_int (s, ZMQ_RCVTIMEO, -2);
    bad_int (s, ZMQ_TCP_KEEPALIVE, 2);
    bad_int (s, ZMQ_TCP_KEEPALIVE, -2);
    bad_int (s, ZMQ_TCP_KEEPALIVE_CNT, -2);
    bad_int (s, ZMQ_TCP_KEEPALIVE_IDLE, -2);
    bad_int (s, ZMQ_TCP_KEEPALIVE_INTVL, -2);
    bad_int (s, ZMQ_IPV6, 2);
    bad_int (s, ZMQ_IPV6, -1);
    bad_int (s, ZMQ_IMMEDIATE, 2);
    bad_int (s, ZMQ_IMMEDIATE, -1);
    bad_int (s, ZMQ_CONFLATE, 2);
    bad_int (s, ZMQ_CONFLATE, -1);
    bad_int (s, ZMQ_HEARTBEAT_IVL, -1);
    bad_int (s, ZMQ_HEARTBEAT_TTL, 6553600);
    bad_int (s, ZMQ_HEARTBEAT_TIMEOUT, -2);
    bad_int (s, ZMQ_CONNECT_TIMEOUT, -1);
    bad_int (s, ZMQ_TCP_MAXRT, -1);
    bad_int (s, ZMQ_SNDBUF, -2);
    bad_int (s, ZMQ_RCVBUF, -2);
    bad_int (s, ZMQ_BACKLOG, -1);
    bad_int (s, ZMQ_TOS, -1);

    /* Unknown ids. */
    int v = 1;
    size_t len = sizeof v;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, 12345, &v, sizeof v));
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, 12345, &v, &len));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, 0, &v, sizeof v));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, -7, &v, sizeof v));

    /* Int options accept exactly sizeof(int). */
    int64_t w = 10;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_LINGER, &w, sizeof w));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_LINGER, &w, 1));
    len = 2;
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_LINGER, &v, &len));
    TEST_ASSERT_EQ_INT (-1, get_int (s, ZMQ_LINGER));
    close_zero (s);
}

/* SNDHWM: a connect-side pipe to a peer that is not there yet accepts
 * exactly SNDHWM messages (IMMEDIATE=0). */
static void test_sndhwm_effect (void *ctx)
{
    char ep[256];
    make_ipc_endpoint (ep, sizeof ep, "rt-nowhere");
    unlink (ep + 6);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, 4);
    TEST_OK (zmq_connect (push, ep));
    int n = 0;
    while (n < 100 && zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1)
        n++;
    TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
    TEST_ASSERT_EQ_INT (4, n);
    close_zero (push);
}

/* Over inproc the pipe holds SNDHWM of the sender plus RCVHWM of the
 * receiver, whichever side binds; the receiver then gets them in order. */
static void test_inproc_hwm_sum (void *ctx, int push_binds)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (push, ZMQ_SNDHWM, 2);
    set_int (pull, ZMQ_RCVHWM, 3);
    const char *ep = push_binds ? "inproc://rt-hwm-a" : "inproc://rt-hwm-b";
    if (push_binds) {
        TEST_OK (zmq_bind (push, ep));
        TEST_OK (zmq_connect (pull, ep));
    } else {
        TEST_OK (zmq_bind (pull, ep));
        TEST_OK (zmq_connect (push, ep));
    }
    int n = 0;
    char msg[16];
    for (;;) {
        snprintf (msg, sizeof msg, "m%d", n);
        if (n >= 100 || zmq_send (push, msg, strlen (msg), ZMQ_DONTWAIT) < 0)
            break;
        n++;
    }
    TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
    TEST_ASSERT_EQ_INT (5, n);
    set_rcvtimeo (pull, 2000);
    for (int i = 0; i < n; i++) {
        snprintf (msg, sizeof msg, "m%d", i);
        recv_str (pull, msg);
    }
    char buf[16];
    TEST_ERRNO (EAGAIN, zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT));
    /* room again (the sender may learn of it lazily: allow it to block) */
    set_int (push, ZMQ_SNDTIMEO, 2000);
    TEST_ASSERT_EQ_INT (1, zmq_send (push, "y", 1, 0));
    recv_str (pull, "y");
    close_zero (push);
    close_zero (pull);
}

/* CONFLATE: only the newest message is kept. */
static void test_conflate (void *ctx)
{
    /* inproc, the conflating PULL connects */
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_CONFLATE, 1);
    TEST_OK (zmq_bind (push, "inproc://rt-conflate"));
    TEST_OK (zmq_connect (pull, "inproc://rt-conflate"));
    char msg[16], buf[16];
    for (int i = 1; i <= 10; i++) {
        snprintf (msg, sizeof msg, "%d", i);
        TEST_ASSERT_EQ_INT ((int) strlen (msg),
                            zmq_send (push, msg, strlen (msg), ZMQ_DONTWAIT));
    }
    set_rcvtimeo (pull, 2000);
    recv_str (pull, "10");
    TEST_ERRNO (EAGAIN, zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT));
    close_zero (push);
    close_zero (pull);

    /* tcp, the conflating PULL binds: after all ten have had time to
     * arrive, only the tenth is there. */
    pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_CONFLATE, 1);
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, ep));
    for (int i = 1; i <= 10; i++) {
        snprintf (msg, sizeof msg, "%d", i);
        TEST_ASSERT_EQ_INT ((int) strlen (msg), zmq_send (push, msg, strlen (msg), 0));
    }
    zmq_pollitem_t it = {pull, 0, ZMQ_POLLIN, 0};
    TEST_ASSERT_EQ_INT (1, zmq_poll (&it, 1, 5000));
    test_sleep_ms (300);
    recv_str (pull, "10");
    TEST_ERRNO (EAGAIN, zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT));
    close_zero (push);
    close_zero (pull);
}

/* IMMEDIATE=1: nothing is queued for peers that are not connected. */
static void test_immediate (void *ctx)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_IMMEDIATE, 1);
    TEST_ERRNO (EAGAIN, zmq_send (push, "x", 1, ZMQ_DONTWAIT));
    char ep[256];
    make_ipc_endpoint (ep, sizeof ep, "rt-immediate");
    unlink (ep + 6);
    TEST_OK (zmq_connect (push, ep));
    test_sleep_ms (50);
    TEST_ERRNO (EAGAIN, zmq_send (push, "x", 1, ZMQ_DONTWAIT));
    /* A peer arrives: now it can send, and the peer gets only what was sent
     * after the connection. */
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_OK (zmq_bind (pull, ep));
    int64_t deadline = test_now_ms () + 5000;
    while (zmq_send (push, "late", 4, ZMQ_DONTWAIT) != 4) {
        TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
        if (test_now_ms () > deadline)
            TEST_FAIL ("IMMEDIATE PUSH never became writable after the peer bound");
        test_sleep_ms (10);
    }
    set_rcvtimeo (pull, 2000);
    recv_str (pull, "late");
    char buf[16];
    TEST_ERRNO (EAGAIN, zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT));
    close_zero (push);
    close_zero (pull);
    unlink (ep + 6);

    /* contrast: IMMEDIATE=0 queues to the connecting pipe */
    push = zmq_socket (ctx, ZMQ_PUSH);
    make_ipc_endpoint (ep, sizeof ep, "rt-notimmediate");
    unlink (ep + 6);
    TEST_OK (zmq_connect (push, ep));
    TEST_ASSERT_EQ_INT (1, zmq_send (push, "q", 1, ZMQ_DONTWAIT));
    pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_OK (zmq_bind (pull, ep));
    set_rcvtimeo (pull, 5000);
    recv_str (pull, "q");
    close_zero (push);
    close_zero (pull);
    unlink (ep + 6);
}

/* LINGER: with 0, messages pending at close are discarded; with a positive
 * linger they are still delivered to a peer that binds after the close. */
static void test_linger (int linger)
{
    char ep[256], tag[32];
    snprintf (tag, sizeof tag, "rt-linger-%d", linger);
    make_ipc_endpoint (ep, sizeof ep, tag);
    unlink (ep + 6);

    void *ctx_a = zmq_ctx_new ();
    void *push = zmq_socket (ctx_a, ZMQ_PUSH);
    set_int (push, ZMQ_LINGER, linger);
    TEST_OK (zmq_connect (push, ep));
    for (int i = 0; i < 3; i++)
        TEST_ASSERT_EQ_INT (1, zmq_send (push, "m", 1, ZMQ_DONTWAIT));
    TEST_OK (zmq_close (push));

    void *ctx_b = zmq_ctx_new ();
    void *pull = zmq_socket (ctx_b, ZMQ_PULL);
    TEST_OK (zmq_bind (pull, ep));
    set_rcvtimeo (pull, linger == 0 ? 1000 : 5000);
    int got = 0;
    char buf[8];
    while (got < 3 && zmq_recv (pull, buf, sizeof buf, 0) >= 0)
        got++;
    if (linger == 0 && got != 0)
        TEST_FAIL ("LINGER 0: %d discarded messages were delivered", got);
    if (linger > 0 && got != 3)
        TEST_FAIL ("LINGER %d: only %d of 3 messages delivered", linger, got);

    int64_t t0 = test_now_ms ();
    TEST_OK (zmq_ctx_term (ctx_a));
    int64_t took = test_now_ms () - t0;
    if (took > 1000)
        TEST_FAIL ("LINGER %d: zmq_ctx_term took %lld ms", linger, (long long) took);
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx_b));
    unlink (ep + 6);
}

/* SNDTIMEO / RCVTIMEO: EAGAIN after about the timeout. */
static void test_timeouts (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVTIMEO, 200);
    char buf[8];
    int64_t t0 = test_now_ms ();
    TEST_ERRNO (EAGAIN, zmq_recv (pull, buf, sizeof buf, 0));
    int64_t took = test_now_ms () - t0;
    if (took < 190 || took > 3000)
        TEST_FAIL ("RCVTIMEO 200: returned after %lld ms", (long long) took);
    /* RCVTIMEO 0 = immediate */
    set_int (pull, ZMQ_RCVTIMEO, 0);
    t0 = test_now_ms ();
    TEST_ERRNO (EAGAIN, zmq_recv (pull, buf, sizeof buf, 0));
    TEST_ASSERT (test_now_ms () - t0 < 150);
    close_zero (pull);

    void *push = zmq_socket (ctx, ZMQ_PUSH); /* no peers: cannot send */
    set_int (push, ZMQ_SNDTIMEO, 300);
    t0 = test_now_ms ();
    TEST_ERRNO (EAGAIN, zmq_send (push, "x", 1, 0));
    took = test_now_ms () - t0;
    if (took < 290 || took > 3000)
        TEST_FAIL ("SNDTIMEO 300: returned after %lld ms", (long long) took);
    close_zero (push);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);

    test_int_round_trips (ctx);
    test_wide_round_trips (ctx);
    test_routing_id (ctx);
    test_last_endpoint (ctx);
    test_range_checks (ctx);
    test_sndhwm_effect (ctx);
    test_inproc_hwm_sum (ctx, 0);
    test_inproc_hwm_sum (ctx, 1);
    test_conflate (ctx);
    test_immediate (ctx);
    test_timeouts (ctx);
    test_linger (0);
    test_linger (2000);

    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
