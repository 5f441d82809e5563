/* zmq_unbind of an endpoint bound with a wildcard port or path (tcp on
 * 127.0.0.1 and ::1, ipc), named by its LAST_ENDPOINT, drops the
 * connections accepted on it at once: what the peer sends after the unbind
 * never arrives, and the peer (RECONNECT_IVL -1) does not come back when
 * the tcp endpoint is bound again (libzmq's test_reconnect_ivl). An ipc
 * wildcard's directory goes with the unbind, so it is not bound again. */
#include "testutil.h"

static void bounce (void *a, void *b)
{
    send_str (a, "ping", 0);
    recv_str (b, "ping");
    send_str (b, "pong", 0);
    recv_str (a, "pong");
}

static void expect_nothing (void *s)
{
    char buf[16];
    set_rcvtimeo (s, 250);
    TEST_ERRNO (EAGAIN, zmq_recv (s, buf, sizeof buf, 0));
    set_rcvtimeo (s, 5000);
}

static void run (void *ctx, const char *wildcard)
{
    char ep[256];
    void *server = zmq_socket (ctx, ZMQ_PAIR);
    set_int (server, ZMQ_LINGER, 0);
    set_rcvtimeo (server, 5000);
    bind_ephemeral (server, wildcard, ep, sizeof ep);
    void *client = zmq_socket (ctx, ZMQ_PAIR);
    set_int (client, ZMQ_LINGER, 0);
    set_int (client, ZMQ_RECONNECT_IVL, -1);
    set_rcvtimeo (client, 5000);
    TEST_OK (zmq_connect (client, ep));
    bounce (client, server);

    TEST_OK (zmq_unbind (server, ep));
    zmq_send (client, "lost", 4, ZMQ_DONTWAIT);
    expect_nothing (server);
    zmq_send (server, "lost", 4, ZMQ_DONTWAIT);
    expect_nothing (client);

    if (strncmp (ep, "ipc://", 6) == 0) {
        close_zero (client);
        close_zero (server);
        return;
    }
    TEST_OK (zmq_bind (server, ep));
    zmq_send (client, "lost", 4, ZMQ_DONTWAIT);
    expect_nothing (server);

    TEST_OK (zmq_connect (client, ep));
    bounce (client, server);
    close_zero (client);
    close_zero (server);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    for (int i = 0; i < 3; i++) {
        run (ctx, "tcp://127.0.0.1:*");
        run (ctx, "ipc://*");
    }
    zmq_ctx_set (ctx, ZMQ_IPV6, 1);
    void *probe = zmq_socket (ctx, ZMQ_PAIR);
    int v6 = zmq_bind (probe, "tcp://[::1]:*") == 0;
    close_zero (probe);
    if (v6)
        for (int i = 0; i < 3; i++)
            run (ctx, "tcp://[::1]:*");
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
