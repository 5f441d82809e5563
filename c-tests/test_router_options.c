/* ROUTER-family socket options: ZMQ_ROUTER_MANDATORY, ZMQ_ROUTER_HANDOVER,
 * ZMQ_PROBE_ROUTER, ZMQ_CONNECT_ROUTING_ID and ZMQ_ROUTING_ID.
 *
 * Checks: the write-only options accept 0/1 (libzmq: any value >= 0), reject
 * negative values and wrong sizes with EINVAL, and are EINVAL for
 * zmq_getsockopt; they are EINVAL on socket types they do not apply to;
 * ROUTING_ID round-trips through getsockopt and is limited to 1..255 bytes;
 * CONNECT_ROUTING_ID rejects an empty value and applies to the next connect
 * only; ROUTER_MANDATORY controls POLLOUT as zmq_setsockopt(3) describes and
 * can be toggled at run time. */
#include "testutil.h"

static void test_router_int_options (void *ctx)
{
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    check_int_write_only (router, ZMQ_ROUTER_MANDATORY, "ROUTER_MANDATORY");
    check_int_write_only (router, ZMQ_ROUTER_HANDOVER, "ROUTER_HANDOVER");
    check_int_write_only (router, ZMQ_PROBE_ROUTER, "PROBE_ROUTER");
    close_zero (router);

    /* PROBE_ROUTER also applies to DEALER and REQ. */
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    check_int_write_only (dealer, ZMQ_PROBE_ROUTER, "PROBE_ROUTER");
    void *req = zmq_socket (ctx, ZMQ_REQ);
    check_int_write_only (req, ZMQ_PROBE_ROUTER, "PROBE_ROUTER");

    /* Not applicable elsewhere. */
    int one = 1;
    TEST_ERRNO (EINVAL, zmq_setsockopt (dealer, ZMQ_ROUTER_MANDATORY, &one,
                                        sizeof one));
    TEST_ERRNO (EINVAL, zmq_setsockopt (dealer, ZMQ_ROUTER_HANDOVER, &one,
                                        sizeof one));
    TEST_ERRNO (EINVAL,
                zmq_setsockopt (dealer, ZMQ_CONNECT_ROUTING_ID, "ab", 2));
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_ERRNO (EINVAL,
                zmq_setsockopt (pull, ZMQ_PROBE_ROUTER, &one, sizeof one));
    TEST_ERRNO (EINVAL, zmq_setsockopt (pull, ZMQ_ROUTER_MANDATORY, &one,
                                        sizeof one));
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    TEST_ERRNO (EINVAL, zmq_setsockopt (pub, ZMQ_ROUTER_HANDOVER, &one,
                                        sizeof one));
    close_zero (pub);
    close_zero (pull);
    close_zero (req);
    close_zero (dealer);
}

static void test_routing_id (void *ctx)
{
    int types[] = {ZMQ_ROUTER, ZMQ_DEALER, ZMQ_REQ, ZMQ_REP};
    for (int t = 0; t < 4; t++) {
        void *s = zmq_socket (ctx, types[t]);
        unsigned char buf[300];
        size_t len = sizeof buf;
        /* Default: empty. */
        TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
        TEST_ASSERT_EQ_INT (0, len);

        TEST_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "abc", 3));
        len = sizeof buf;
        TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
        TEST_ASSERT_EQ_INT (3, len);
        TEST_ASSERT (memcmp (buf, "abc", 3) == 0);
        /* The deprecated ZMQ_IDENTITY is the same option. */
        TEST_ASSERT_EQ_INT (ZMQ_ROUTING_ID, ZMQ_IDENTITY);

        /* 255 bytes is the maximum; binary content is fine. */
        unsigned char id[256];
        for (int i = 0; i < 256; i++)
            id[i] = (unsigned char) (i + 1);
        TEST_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 255));
        len = sizeof buf;
        TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
        TEST_ASSERT_EQ_INT (255, len);
        TEST_ASSERT (memcmp (buf, id, 255) == 0);
        /* Too small a buffer: EINVAL. */
        len = 10;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));

        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 256));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 0));
        /* A rejected value leaves the old one. */
        len = sizeof buf;
        TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
        TEST_ASSERT_EQ_INT (255, len);
        close_zero (s);
    }
}

static void test_connect_routing_id (void *ctx)
{
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    TEST_ERRNO (EINVAL, zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, "", 0));
    TEST_OK (zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, "a", 1));
    unsigned char id[255];
    memset (id, 'x', sizeof id);
    TEST_OK (zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, id, 255));
    char buf[300];
    size_t len = sizeof buf;
    TEST_ERRNO (EINVAL,
                zmq_getsockopt (router, ZMQ_CONNECT_ROUTING_ID, buf, &len));
    close_zero (router);

    /* The name applies to the next zmq_connect only. */
    char ep1[256], ep2[256];
    void *srv1 = zmq_socket (ctx, ZMQ_ROUTER);
    void *srv2 = zmq_socket (ctx, ZMQ_ROUTER);
    TEST_OK (zmq_setsockopt (srv2, ZMQ_ROUTING_ID, "srv2-own", 8));
    set_rcvtimeo (srv1, 5000);
    set_rcvtimeo (srv2, 5000);
    bind_ephemeral (srv1, "tcp://127.0.0.1:*", ep1, sizeof ep1);
    bind_ephemeral (srv2, "tcp://127.0.0.1:*", ep2, sizeof ep2);
    void *cli = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (cli, 5000);
    set_int (cli, ZMQ_ROUTER_MANDATORY, 1);
    TEST_OK (zmq_setsockopt (cli, ZMQ_ROUTING_ID, "cli", 3));
    TEST_OK (zmq_setsockopt (cli, ZMQ_CONNECT_ROUTING_ID, "named", 5));
    TEST_OK (zmq_connect (cli, ep1));
    TEST_OK (zmq_connect (cli, ep2));
    /* srv2's connection is known by srv2's own ROUTING_ID, learned in the
     * handshake: wait (bounded) until it is routable. */
    send_routing_id (cli, "srv2-own", 8);
    send_str (cli, "to srv2", 0);
    recv_s (srv2, "cli", 1);
    recv_s (srv2, "to srv2", 0);
    send_bin (cli, "named", 5, ZMQ_SNDMORE);
    send_str (cli, "to srv1", 0);
    recv_s (srv1, "cli", 1);
    recv_s (srv1, "to srv1", 0);
    TEST_ASSERT_EQ_INT (0, poll_in (srv2, 50));
    close_zero (cli);
    close_zero (srv1);
    close_zero (srv2);
}

static int pollout (void *s)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLOUT, 0};
    TEST_ASSERT (zmq_poll (&it, 1, 0) >= 0);
    return (it.revents & ZMQ_POLLOUT) ? 1 : 0;
}

static void test_mandatory_runtime (void *ctx)
{
    char ep[256];
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (router, 5000);
    bind_ephemeral (router, "tcp://127.0.0.1:*", ep, sizeof ep);
    /* zmq_setsockopt(3): without MANDATORY a ROUTER is always writable;
     * with it, only when some peer can take a message. */
    TEST_ASSERT_EQ_INT (1, pollout (router));
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    TEST_ASSERT_EQ_INT (0, pollout (router));
    TEST_ERRNO (EHOSTUNREACH, zmq_send (router, "ghost", 5, ZMQ_SNDMORE));

    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_rcvtimeo (dealer, 5000);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "peer", 4));
    TEST_OK (zmq_connect (dealer, ep));
    send_str (dealer, "hi", 0);
    recv_s (router, "peer", 1);
    recv_s (router, "hi", 0);
    TEST_ASSERT_EQ_INT (1, pollout (router));

    /* Toggle off: unknown ids are dropped silently again. */
    set_int (router, ZMQ_ROUTER_MANDATORY, 0);
    send_bin (router, "ghost", 5, ZMQ_SNDMORE);
    send_str (router, "dropped", 0);
    send_bin (router, "peer", 4, ZMQ_SNDMORE);
    send_str (router, "delivered", 0);
    recv_s (dealer, "delivered", 0);
    /* And on again. */
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    TEST_ERRNO (EHOSTUNREACH, zmq_send (router, "ghost", 5, ZMQ_SNDMORE));
    close_zero (dealer);
    close_zero (router);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    test_router_int_options (ctx);
    test_routing_id (ctx);
    test_connect_routing_id (ctx);
    test_mandatory_runtime (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
