/* STREAM sockets that connect out, as libzmq runs them: the peer (and its
 * routing id) exists from zmq_connect on, so a message to a CONNECT_ROUTING_ID
 * name can be sent at once and goes out when the connection is up; a
 * connecting STREAM's ZMQ_ROUTING_ID reads back the id it generated for the
 * peer it connected to; connect and disconnect notifications are [id, empty]
 * on both sides (with the Peer-Address property); [id, empty] hangs up after
 * the data before it, the side that hung up gets no notification, the other
 * side gets its disconnect notification (Rampart also tells a connecting
 * STREAM, which libzmq 4.3 fails to), and a STREAM that hung up does not
 * reconnect. */
#include "testutil.h"

/* Receives one [id, body] pair: the id into id[] (returns its length), the
 * body into body[] (its length in *bodysize). */
#define recv_pair(...) recv_pair_at (__LINE__, __VA_ARGS__)
static int recv_pair_at (int line, void *s, unsigned char *id, char *body,
                         size_t cap, int *bodysize)
{
    int n = zmq_recv (s, id, 255, 0);
    if (n <= 0)
        TEST_FAIL ("line %d: no id frame: %s", line, zmq_strerror (zmq_errno ()));
    int more = 0;
    size_t len = sizeof more;
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &len));
    if (!more)
        TEST_FAIL ("line %d: id frame without MORE", line);
    int b = zmq_recv (s, body, cap, 0);
    if (b < 0)
        TEST_FAIL ("line %d: no body frame: %s", line, zmq_strerror (zmq_errno ()));
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &len));
    if (more)
        TEST_FAIL ("line %d: body frame with MORE", line);
    *bodysize = b;
    return n;
}

/* Waits up to 5 s for `s` to have input while keeping `other` turning:
 * libzmq finishes a STREAM hang-up only when the socket that hung up is
 * used again (its pipe's termination runs on the application thread). */
static void wait_in_while_using (void *s, void *other)
{
    int64_t deadline = test_now_ms () + 5000;
    while (test_now_ms () < deadline) {
        zmq_pollitem_t items[] = {{s, 0, ZMQ_POLLIN, 0}, {other, 0, ZMQ_POLLIN, 0}};
        TEST_OK (zmq_poll (items, 2, 50));
        if (items[0].revents & ZMQ_POLLIN)
            return;
    }
    TEST_FAIL ("no input within 5 s");
}

static void *stream_socket (void *ctx, int notify)
{
    void *s = zmq_socket (ctx, ZMQ_STREAM);
    TEST_ASSERT (s);
    set_int (s, ZMQ_STREAM_NOTIFY, notify);
    set_int (s, ZMQ_LINGER, 0);
    set_rcvtimeo (s, 5000);
    return s;
}

/* A named connect can be used at once, before the connection exists. */
static void test_send_right_after_connect (void *ctx)
{
    char ep[256];
    void *server = stream_socket (ctx, 0);
    bind_ephemeral (server, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *client = stream_socket (ctx, 0);
    TEST_OK (zmq_setsockopt (client, ZMQ_CONNECT_ROUTING_ID, "conn1", 5));
    TEST_OK (zmq_connect (client, ep));
    send_str (client, "conn1", ZMQ_SNDMORE);
    send_str (client, "hi 1", 0);

    unsigned char id[256];
    char body[64];
    int size;
    int idlen = recv_pair (server, id, body, sizeof body, &size);
    TEST_ASSERT_EQ_INT (5, idlen); /* generated: 0x00 + u32 */
    TEST_ASSERT_EQ_INT (0, id[0]);
    TEST_ASSERT_EQ_INT (4, size);
    TEST_ASSERT (memcmp (body, "hi 1", 4) == 0);

    /* The reply reaches the client under its CONNECT_ROUTING_ID. */
    TEST_ASSERT_EQ_INT (idlen, zmq_send (server, id, idlen, ZMQ_SNDMORE));
    send_str (server, "ok", 0);
    idlen = recv_pair (client, id, body, sizeof body, &size);
    TEST_ASSERT_EQ_INT (5, idlen);
    TEST_ASSERT (memcmp (id, "conn1", 5) == 0);
    TEST_ASSERT_EQ_INT (2, size);
    close_zero (client);
    close_zero (server);
}

/* Notifications, the connecting side's ZMQ_ROUTING_ID, hanging up. */
static void test_notifications_and_hang_up (void *ctx)
{
    char ep[256];
    void *server = stream_socket (ctx, 1);
    bind_ephemeral (server, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *client = stream_socket (ctx, 1);
    set_int (client, ZMQ_RECONNECT_IVL, 50);
    TEST_OK (zmq_connect (client, ep));

    /* Connect notifications on both sides, carrying Peer-Address. */
    zmq_msg_t idm;
    zmq_msg_init (&idm);
    TEST_ASSERT (zmq_msg_recv (&idm, server, 0) > 0);
    TEST_ASSERT (zmq_msg_more (&idm));
    const char *peer = zmq_msg_gets (&idm, "Peer-Address");
    TEST_ASSERT (peer && strcmp (peer, "127.0.0.1") == 0);
    unsigned char srv_id[256];
    size_t srv_id_len = zmq_msg_size (&idm);
    memcpy (srv_id, zmq_msg_data (&idm), srv_id_len);
    char body[256];
    TEST_ASSERT_EQ_INT (0, zmq_recv (server, body, sizeof body, 0));

    unsigned char id[256];
    int size;
    int cid_len = recv_pair (client, id, body, sizeof body, &size);
    TEST_ASSERT_EQ_INT (0, size);
    TEST_ASSERT_EQ_INT (5, cid_len);

    /* The connecting STREAM's ZMQ_ROUTING_ID is the id it gave its peer. */
    unsigned char rid[256];
    size_t rid_len = sizeof rid;
    TEST_OK (zmq_getsockopt (client, ZMQ_ROUTING_ID, rid, &rid_len));
    TEST_ASSERT_EQ_INT (cid_len, (int) rid_len);
    TEST_ASSERT (memcmp (rid, id, rid_len) == 0);

    /* A request through it, then the server answers and hangs up. */
    TEST_ASSERT_EQ_INT ((int) rid_len,
                        zmq_send (client, rid, rid_len, ZMQ_SNDMORE));
    send_str (client, "GET /", 0);
    int n = recv_pair (server, id, body, sizeof body, &size);
    TEST_ASSERT_EQ_INT ((int) srv_id_len, n);
    TEST_ASSERT (memcmp (id, srv_id, srv_id_len) == 0);
    TEST_ASSERT_EQ_INT (5, size);
    TEST_ASSERT (memcmp (body, "GET /", 5) == 0);
    zmq_send (server, srv_id, srv_id_len, ZMQ_SNDMORE);
    send_str (server, "HTTP/1.0 200 OK", ZMQ_SNDMORE); /* MORE is ignored */
    zmq_send (server, srv_id, srv_id_len, ZMQ_SNDMORE);
    TEST_OK (zmq_send (server, NULL, 0, 0));

    /* Everything sent before the hang-up arrives, then the client hears
     * that the connection is gone. */
    char reply[64];
    int got = 0;
    while (got < 15) {
        n = recv_pair (client, id, reply + got, sizeof reply - got, &size);
        TEST_ASSERT (size > 0);
        got += size;
    }
    TEST_ASSERT_EQ_INT (15, got);
    TEST_ASSERT (memcmp (reply, "HTTP/1.0 200 OK", 15) == 0);
    if (is_rampart ()) {
        /* zmq_socket(3): a lost connection is a zero-length message. libzmq
         * 4.3 never delivers this one to a connecting STREAM (its own
         * test_stream.cpp leaves the check out with a FIXME). */
        n = recv_pair (client, id, body, sizeof body, &size);
        TEST_ASSERT_EQ_INT (0, size);
        TEST_ASSERT (memcmp (id, rid, rid_len) == 0);
    }

    /* The side that hung up gets no notification for it; the peer is gone. */
    set_rcvtimeo (server, 300);
    zmq_msg_t m;
    zmq_msg_init (&m);
    while (zmq_msg_recv (&m, server, 0) >= 0) {
        /* The client reconnects (it did not hang up): only a new peer's
         * connect notification may show up, never the old id. */
        TEST_ASSERT (zmq_msg_size (&m) != srv_id_len
                     || memcmp (zmq_msg_data (&m), srv_id, srv_id_len) != 0);
        TEST_ASSERT (zmq_msg_recv (&m, server, 0) == 0);
    }
    TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
    TEST_ERRNO (EHOSTUNREACH, zmq_send (server, srv_id, srv_id_len, ZMQ_SNDMORE));
    zmq_msg_close (&m);
    zmq_msg_close (&idm);
    close_zero (client);
    close_zero (server);
}

/* The connecting side hangs up: the server is told, the client does not
 * reconnect. */
static void test_client_hangs_up (void *ctx)
{
    char ep[256];
    void *server = stream_socket (ctx, 1);
    bind_ephemeral (server, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *client = stream_socket (ctx, 1);
    set_int (client, ZMQ_RECONNECT_IVL, 50);
    TEST_OK (zmq_setsockopt (client, ZMQ_CONNECT_ROUTING_ID, "srv", 3));
    TEST_OK (zmq_connect (client, ep));

    unsigned char id[256], srv_id[256];
    char body[64];
    int size;
    int srv_id_len = recv_pair (server, srv_id, body, sizeof body, &size);
    TEST_ASSERT_EQ_INT (0, size);
    int n = recv_pair (client, id, body, sizeof body, &size);
    TEST_ASSERT_EQ_INT (3, n);
    TEST_ASSERT_EQ_INT (0, size);

    send_str (client, "srv", ZMQ_SNDMORE);
    send_str (client, "bye", 0);
    send_str (client, "srv", ZMQ_SNDMORE);
    TEST_OK (zmq_send (client, "", 0, 0));

    n = recv_pair (server, id, body, sizeof body, &size);
    TEST_ASSERT_EQ_INT (srv_id_len, n);
    TEST_ASSERT_EQ_INT (3, size);
    wait_in_while_using (server, client);
    n = recv_pair (server, id, body, sizeof body, &size);
    TEST_ASSERT_EQ_INT (srv_id_len, n);
    TEST_ASSERT (memcmp (id, srv_id, n) == 0);
    TEST_ASSERT_EQ_INT (0, size); /* disconnect notification */

    /* No reconnect: nothing more arrives within several reconnect
     * intervals, and the name is gone on the client. */
    int64_t until = test_now_ms () + 400;
    while (test_now_ms () < until) {
        zmq_pollitem_t items[] = {{server, 0, ZMQ_POLLIN, 0}, {client, 0, ZMQ_POLLIN, 0}};
        TEST_OK (zmq_poll (items, 2, 50));
        TEST_ASSERT (!(items[0].revents & ZMQ_POLLIN));
    }
    TEST_ERRNO (EHOSTUNREACH, zmq_send (client, "srv", 3, ZMQ_SNDMORE));
    close_zero (client);
    close_zero (server);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    test_send_right_after_connect (ctx);
    test_notifications_and_hang_up (ctx);
    test_client_hangs_up (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
