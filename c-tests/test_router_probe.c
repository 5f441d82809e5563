/* ZMQ_PROBE_ROUTER: a ROUTER or DEALER that connects with the option set
 * sends an empty message to its peer as soon as the connection is up,
 * without the application touching the socket again after zmq_connect
 * (the probe is queued on the pipe when it is created). The bound ROUTER
 * sees [client id, empty] and can answer at once. */
#include "testutil.h"

static void probe (void *ctx, int client_type, const char *transport)
{
    char ep[256];
    void *server = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (server, 5000);
    bind_ephemeral (server, transport, ep, sizeof ep);

    void *client = zmq_socket (ctx, client_type);
    set_rcvtimeo (client, 5000);
    TEST_OK (zmq_setsockopt (client, ZMQ_ROUTING_ID, "X", 1));
    set_int (client, ZMQ_PROBE_ROUTER, 1);
    TEST_OK (zmq_connect (client, ep));

    /* Only the server is used from here on until it answers. */
    recv_s (server, "X", 1);
    char buf[64];
    TEST_ASSERT_EQ_INT (0, zmq_recv (server, buf, sizeof buf, 0));
    int more = 1;
    size_t len = sizeof more;
    TEST_OK (zmq_getsockopt (server, ZMQ_RCVMORE, &more, &len));
    TEST_ASSERT_EQ_INT (0, more);

    send_str (server, "X", ZMQ_SNDMORE);
    send_str (server, "Hello", 0);
    if (client_type == ZMQ_ROUTER) {
        /* The server set no id: the client generated one, 0x00 + u32. */
        unsigned char id[16];
        TEST_ASSERT_EQ_INT (5, zmq_recv (client, id, sizeof id, 0));
        TEST_ASSERT_EQ_INT (0, id[0]);
    }
    recv_s (client, "Hello", 0);
    close_zero (client);
    close_zero (server);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    probe (ctx, ZMQ_ROUTER, "tcp://127.0.0.1:*");
    probe (ctx, ZMQ_DEALER, "tcp://127.0.0.1:*");
    probe (ctx, ZMQ_ROUTER, "ipc://*");
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
