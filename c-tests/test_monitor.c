/* zmq_socket_monitor (v1): the events a tcp connection goes through, as
 * libzmq reports them: LISTENING on bind, CONNECT_DELAYED/CONNECTED on the
 * connecting side, ACCEPTED on the binding side, HANDSHAKE_SUCCEEDED on
 * both, DISCONNECTED when the peer goes, CLOSED when the listener closes,
 * MONITOR_STOPPED when monitoring stops; event masks; bad endpoints. */
#include "testutil.h"

static void *monitor (void *ctx, void *s, const char *ep, int events)
{
    TEST_OK (zmq_socket_monitor (s, ep, events));
    void *m = zmq_socket (ctx, ZMQ_PAIR);
    TEST_OK (zmq_connect (m, ep));
    set_rcvtimeo (m, 5000);
    return m;
}

/* Reads events until `want` arrives (others are skipped); returns its value
 * and checks the endpoint frame is present. */
static uint32_t expect_event (void *m, int want, char *ep_out, size_t ep_len)
{
    int64_t deadline = test_now_ms () + 5000;
    while (test_now_ms () < deadline) {
        unsigned char head[6];
        int n = zmq_recv (m, head, sizeof head, 0);
        if (n == -1)
            break;
        TEST_ASSERT_EQ_INT (6, n);
        int more = 0;
        size_t len = sizeof more;
        TEST_OK (zmq_getsockopt (m, ZMQ_RCVMORE, &more, &len));
        TEST_ASSERT_EQ_INT (1, more);
        char ep[256];
        n = zmq_recv (m, ep, sizeof ep - 1, 0);
        TEST_ASSERT (n >= 0);
        ep[n < (int) sizeof ep - 1 ? n : (int) sizeof ep - 1] = 0;
        uint16_t ev;
        uint32_t value;
        memcpy (&ev, head, 2);
        memcpy (&value, head + 2, 4);
        if (ev == want) {
            if (ep_out)
                snprintf (ep_out, ep_len, "%s", ep);
            return value;
        }
    }
    TEST_FAIL ("event 0x%x not seen", want);
    return 0;
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    void *srv = zmq_socket (ctx, ZMQ_REP);
    void *cli = zmq_socket (ctx, ZMQ_REQ);

    /* Only inproc endpoints; a bad socket is ENOTSOCK. */
    TEST_ERRNO (EPROTONOSUPPORT,
                zmq_socket_monitor (srv, "tcp://127.0.0.1:5999", ZMQ_EVENT_ALL));
    TEST_ERRNO (ENOTSOCK, zmq_socket_monitor (NULL, "inproc://m", ZMQ_EVENT_ALL));

    void *msrv = monitor (ctx, srv, "inproc://mon-srv", ZMQ_EVENT_ALL);
    void *mcli = monitor (ctx, cli, "inproc://mon-cli", ZMQ_EVENT_ALL);

    char ep[256], got[256];
    bind_ephemeral (srv, "tcp://127.0.0.1:*", ep, sizeof ep);
    uint32_t fd = expect_event (msrv, ZMQ_EVENT_LISTENING, got, sizeof got);
    TEST_ASSERT (fd > 0);
    TEST_ASSERT (strcmp (got, ep) == 0);

    TEST_OK (zmq_connect (cli, ep));
    expect_event (mcli, ZMQ_EVENT_CONNECTED, got, sizeof got);
    TEST_ASSERT (strcmp (got, ep) == 0);
    expect_event (msrv, ZMQ_EVENT_ACCEPTED, NULL, 0);
    TEST_ASSERT_EQ_INT (0, expect_event (mcli, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, NULL, 0));
    TEST_ASSERT_EQ_INT (0, expect_event (msrv, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, NULL, 0));

    /* Traffic works while monitored. */
    set_rcvtimeo (srv, 5000);
    set_rcvtimeo (cli, 5000);
    send_str (cli, "ping", 0);
    recv_str (srv, "ping");
    send_str (srv, "pong", 0);
    recv_str (cli, "pong");

    /* The client goes: the server sees DISCONNECTED. */
    close_zero (cli);
    expect_event (mcli, ZMQ_EVENT_MONITOR_STOPPED, NULL, 0);
    expect_event (msrv, ZMQ_EVENT_DISCONNECTED, NULL, 0);

    /* Unbinding closes the listener. */
    TEST_OK (zmq_unbind (srv, ep));
    expect_event (msrv, ZMQ_EVENT_CLOSED, got, sizeof got);
    TEST_ASSERT (strcmp (got, ep) == 0);

    /* A mask filters: only CONNECT_RETRIED for a connect nobody answers. */
    void *cli2 = zmq_socket (ctx, ZMQ_DEALER);
    void *m2 = monitor (ctx, cli2, "inproc://mon-cli2", ZMQ_EVENT_CONNECT_RETRIED);
    TEST_OK (zmq_connect (cli2, ep)); /* nobody listens there any more */
    uint32_t ivl = expect_event (m2, ZMQ_EVENT_CONNECT_RETRIED, NULL, 0);
    TEST_ASSERT (ivl >= 100);
    /* Stopping with NULL: MONITOR_STOPPED is not in the mask, so nothing. */
    TEST_OK (zmq_socket_monitor (cli2, NULL, 0));
    unsigned char head[6];
    int rc;
    do {
        rc = zmq_recv (m2, head, sizeof head, ZMQ_DONTWAIT);
        if (rc == 6) {
            uint16_t ev;
            memcpy (&ev, head, 2);
            TEST_ASSERT_EQ_INT (ZMQ_EVENT_CONNECT_RETRIED, ev);
            char tmp[256];
            TEST_ASSERT (zmq_recv (m2, tmp, sizeof tmp, 0) >= 0);
        }
    } while (rc == 6);

    close_zero (cli2);
    TEST_OK (zmq_close (m2));
    TEST_OK (zmq_close (srv));
    TEST_OK (zmq_close (msrv));
    TEST_OK (zmq_close (mcli));
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
