/* DEALER/ROUTER over tcp, ipc and inproc.
 *
 * Checks: ROUTER prepends the sender's routing id and routes by the first
 * frame; generated ids are 5 bytes starting with 0x00 and unique; DEALER
 * ZMQ_ROUTING_ID is used as the id; ROUTER_MANDATORY turns silent drops
 * into EHOSTUNREACH (unknown or departed peer) and EAGAIN (peer at HWM);
 * ZMQ_CONNECT_ROUTING_ID names the peer of an outgoing ROUTER connection;
 * ZMQ_ROUTER_HANDOVER hands an id over to the newest connection;
 * ZMQ_PROBE_ROUTER sends an empty message on connect. */
#include "testutil.h"

/* Receives [routing id][body...] on a ROUTER; returns the id length. */
static size_t recv_id (void *router, unsigned char *id, size_t cap)
{
    size_t n = recv_any (router, id, cap, 1);
    TEST_ASSERT (n >= 1);
    return n;
}

static void test_identity (void *ctx, const char *tp)
{
    char ep[256];
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    void *d1 = zmq_socket (ctx, ZMQ_DEALER);
    void *d2 = zmq_socket (ctx, ZMQ_DEALER);
    void *named = zmq_socket (ctx, ZMQ_DEALER);
    set_rcvtimeo (router, 5000);
    set_rcvtimeo (d1, 5000);
    set_rcvtimeo (d2, 5000);
    set_rcvtimeo (named, 5000);
    TEST_OK (zmq_setsockopt (named, ZMQ_ROUTING_ID, "D-named", 7));
    bind_transport (router, tp, "dr-ident", ep, sizeof ep);
    TEST_OK (zmq_connect (d1, ep));
    TEST_OK (zmq_connect (d2, ep));
    TEST_OK (zmq_connect (named, ep));

    unsigned char id1[256], id2[256], idn[256];
    send_str (d1, "from-1", 0);
    size_t l1 = recv_id (router, id1, sizeof id1);
    recv_s (router, "from-1", 0);
    send_str (d2, "from-2a", ZMQ_SNDMORE);
    send_str (d2, "from-2b", 0);
    size_t l2 = recv_id (router, id2, sizeof id2);
    recv_s (router, "from-2a", 1);
    recv_s (router, "from-2b", 0);
    send_str (named, "from-named", 0);
    size_t ln = recv_id (router, idn, sizeof idn);
    recv_s (router, "from-named", 0);

    /* Generated: 0x00 + 4 bytes, distinct. Named: exactly what was set. */
    TEST_ASSERT_EQ_INT (5, l1);
    TEST_ASSERT_EQ_INT (5, l2);
    TEST_ASSERT_EQ_INT (0, id1[0]);
    TEST_ASSERT_EQ_INT (0, id2[0]);
    TEST_ASSERT (memcmp (id1, id2, 5) != 0);
    TEST_ASSERT_EQ_INT (7, ln);
    TEST_ASSERT (memcmp (idn, "D-named", 7) == 0);

    /* The id is stable per connection. */
    send_str (d1, "again", 0);
    unsigned char again[256];
    TEST_ASSERT_EQ_INT (l1, recv_id (router, again, sizeof again));
    TEST_ASSERT (memcmp (again, id1, l1) == 0);
    recv_s (router, "again", 0);

    /* Routing to each peer by id; the id frame is stripped. */
    send_bin (router, idn, ln, ZMQ_SNDMORE);
    send_str (router, "to-named", 0);
    send_bin (router, id2, l2, ZMQ_SNDMORE);
    send_str (router, "to-2a", ZMQ_SNDMORE);
    send_bin (router, "", 0, ZMQ_SNDMORE);
    send_str (router, "to-2c", 0);
    send_bin (router, id1, l1, ZMQ_SNDMORE);
    send_str (router, "to-1", 0);
    send_bin (router, "D-named", 7, ZMQ_SNDMORE);
    send_str (router, "to-named-2", 0);
    recv_s (named, "to-named", 0);
    recv_s (named, "to-named-2", 0);
    recv_s (d2, "to-2a", 1);
    recv_s (d2, "", 1);
    recv_s (d2, "to-2c", 0);
    recv_s (d1, "to-1", 0);
    TEST_ASSERT_EQ_INT (0, poll_in (d1, 0));

    /* Without ROUTER_MANDATORY an unknown id is dropped silently (the
     * whole message), and the socket keeps working. */
    send_bin (router, "nobody", 6, ZMQ_SNDMORE);
    send_str (router, "lost", ZMQ_SNDMORE);
    send_str (router, "lost too", 0);
    send_bin (router, id1, l1, ZMQ_SNDMORE);
    send_str (router, "after-drop", 0);
    recv_s (d1, "after-drop", 0);

    close_zero (d1);
    close_zero (d2);
    close_zero (named);
    close_zero (router);
}

static void test_mandatory (void *ctx, const char *tp)
{
    char ep[256];
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_rcvtimeo (router, 5000);
    set_rcvtimeo (dealer, 5000);
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "known", 5));
    bind_transport (router, tp, "dr-mandatory", ep, sizeof ep);

    /* Unknown peer: EHOSTUNREACH on the id frame, with or without
     * DONTWAIT. */
    TEST_ERRNO (EHOSTUNREACH, zmq_send (router, "known", 5, ZMQ_SNDMORE));
    TEST_ERRNO (EHOSTUNREACH,
                zmq_send (router, "nobody", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT));

    TEST_OK (zmq_connect (dealer, ep));
    send_str (dealer, "hi", 0);
    recv_s (router, "known", 1);
    recv_s (router, "hi", 0);
    send_bin (router, "known", 5, ZMQ_SNDMORE);
    send_str (router, "reply", 0);
    recv_s (dealer, "reply", 0);
    TEST_ERRNO (EHOSTUNREACH, zmq_send (router, "nobody", 6, ZMQ_SNDMORE));
    /* A failed id frame leaves no partial message behind. */
    send_bin (router, "known", 5, ZMQ_SNDMORE);
    send_str (router, "still fine", 0);
    recv_s (dealer, "still fine", 0);

    /* Once the peer is gone its id becomes unreachable (bounded wait for
     * the disconnect to be noticed). */
    close_zero (dealer);
    wait_peer_gone (router, "known");
    close_zero (router);
}

/* ROUTER_MANDATORY + a peer at its HWM gives EAGAIN (inproc, where the
 * capacity is exactly SNDHWM + RCVHWM and no kernel buffer hides it). */
static void test_mandatory_hwm (void *ctx)
{
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    set_int (router, ZMQ_SNDHWM, 2);
    set_int (dealer, ZMQ_RCVHWM, 2);
    set_rcvtimeo (router, 5000);
    set_rcvtimeo (dealer, 5000);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "slow", 4));
    TEST_OK (zmq_bind (router, "inproc://dr-hwm"));
    TEST_OK (zmq_connect (dealer, "inproc://dr-hwm"));
    send_str (dealer, "hi", 0);
    recv_s (router, "slow", 1);
    recv_s (router, "hi", 0);

    int sent = 0;
    for (;;) {
        TEST_ASSERT (sent <= 10);
        int rc = zmq_send (router, "slow", 4, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        if (rc == -1) {
            TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
            break;
        }
        send_str (router, "payload", 0);
        sent++;
    }
    TEST_ASSERT (sent >= 2 && sent <= 4);
    for (int i = 0; i < sent; i++)
        recv_s (dealer, "payload", 0);
    /* Room again (a blocking send with a timeout: the writer learns about
     * the freed space asynchronously). */
    set_int (router, ZMQ_SNDTIMEO, 5000);
    send_bin (router, "slow", 4, ZMQ_SNDMORE);
    send_str (router, "more", 0);
    recv_s (dealer, "more", 0);

    close_zero (dealer);
    close_zero (router);
}

/* ROUTER connecting with CONNECT_ROUTING_ID knows its peer by that name at
 * once; the bound ROUTER sees the connecting ROUTER's own ROUTING_ID. */
static void test_connect_routing_id (void *ctx, const char *tp)
{
    char ep1[256], ep2[256];
    void *srv1 = zmq_socket (ctx, ZMQ_ROUTER);
    void *srv2 = zmq_socket (ctx, ZMQ_ROUTER);
    void *cli = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (srv1, 5000);
    set_rcvtimeo (srv2, 5000);
    set_rcvtimeo (cli, 5000);
    set_int (cli, ZMQ_ROUTER_MANDATORY, 1);
    TEST_OK (zmq_setsockopt (cli, ZMQ_ROUTING_ID, "client", 6));
    bind_transport (srv1, tp, "dr-crid1", ep1, sizeof ep1);
    bind_transport (srv2, tp, "dr-crid2", ep2, sizeof ep2);
    TEST_OK (zmq_setsockopt (cli, ZMQ_CONNECT_ROUTING_ID, "one", 3));
    TEST_OK (zmq_connect (cli, ep1));
    TEST_OK (zmq_setsockopt (cli, ZMQ_CONNECT_ROUTING_ID, "two", 3));
    TEST_OK (zmq_connect (cli, ep2));

    /* The peer names are usable right after connect (the pipe exists
     * before the handshake); tolerate EHOSTUNREACH for a bounded time in
     * case an implementation attaches later. */
    const char *names[2] = {"one", "two"};
    for (int i = 0; i < 2; i++) {
        send_routing_id (cli, names[i], 3);
        send_str (cli, i == 0 ? "hello one" : "hello two", 0);
    }
    recv_s (srv1, "client", 1);
    recv_s (srv1, "hello one", 0);
    recv_s (srv2, "client", 1);
    recv_s (srv2, "hello two", 0);
    send_bin (srv2, "client", 6, ZMQ_SNDMORE);
    send_str (srv2, "back from two", 0);
    send_bin (srv1, "client", 6, ZMQ_SNDMORE);
    send_str (srv1, "back from one", 0);
    /* Replies arrive tagged with the names chosen by the client. Their
     * relative order is not defined (two connections). */
    int got_one = 0, got_two = 0;
    for (int i = 0; i < 2; i++) {
        char name[8], body[32];
        size_t n = recv_any (cli, name, sizeof name, 1);
        size_t b = recv_any (cli, body, sizeof body - 1, 0);
        body[b] = 0;
        if (n == 3 && memcmp (name, "one", 3) == 0) {
            TEST_ASSERT (strcmp (body, "back from one") == 0);
            got_one++;
        } else if (n == 3 && memcmp (name, "two", 3) == 0) {
            TEST_ASSERT (strcmp (body, "back from two") == 0);
            got_two++;
        } else
            TEST_FAIL ("unexpected peer name");
    }
    TEST_ASSERT (got_one == 1 && got_two == 1);

    close_zero (cli);
    close_zero (srv1);
    close_zero (srv2);
}

static void test_handover (void *ctx, const char *tp)
{
    char ep[256];
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    void *old = zmq_socket (ctx, ZMQ_DEALER);
    void *newer = zmq_socket (ctx, ZMQ_DEALER);
    set_rcvtimeo (router, 5000);
    set_rcvtimeo (old, 5000);
    set_rcvtimeo (newer, 5000);
    set_int (router, ZMQ_ROUTER_HANDOVER, 1);
    TEST_OK (zmq_setsockopt (old, ZMQ_ROUTING_ID, "X", 1));
    TEST_OK (zmq_setsockopt (newer, ZMQ_ROUTING_ID, "X", 1));
    bind_transport (router, tp, "dr-handover", ep, sizeof ep);

    TEST_OK (zmq_connect (old, ep));
    send_str (old, "from old", 0);
    recv_s (router, "X", 1);
    recv_s (router, "from old", 0);
    send_bin (router, "X", 1, ZMQ_SNDMORE);
    send_str (router, "to old", 0);
    recv_s (old, "to old", 0);

    TEST_OK (zmq_connect (newer, ep));
    send_str (newer, "from new", 0);
    recv_s (router, "X", 1);
    recv_s (router, "from new", 0);
    /* The id now routes to the newest connection. */
    send_bin (router, "X", 1, ZMQ_SNDMORE);
    send_str (router, "to new", 0);
    recv_s (newer, "to new", 0);
    TEST_ASSERT_EQ_INT (0, poll_in (old, 200));

    close_zero (old);
    close_zero (newer);
    close_zero (router);

    /* Without HANDOVER the first connection keeps the id. */
    router = zmq_socket (ctx, ZMQ_ROUTER);
    old = zmq_socket (ctx, ZMQ_DEALER);
    newer = zmq_socket (ctx, ZMQ_DEALER);
    set_rcvtimeo (router, 5000);
    set_rcvtimeo (old, 5000);
    set_rcvtimeo (newer, 5000);
    TEST_OK (zmq_setsockopt (old, ZMQ_ROUTING_ID, "Y", 1));
    TEST_OK (zmq_setsockopt (newer, ZMQ_ROUTING_ID, "Y", 1));
    bind_transport (router, tp, "dr-nohandover", ep, sizeof ep);
    TEST_OK (zmq_connect (old, ep));
    send_str (old, "from old", 0);
    recv_s (router, "Y", 1);
    recv_s (router, "from old", 0);
    TEST_OK (zmq_connect (newer, ep));
    /* Give the duplicate connection a chance to be (not) identified: the
     * newer dealer's message must not show up as "Y". */
    send_str (newer, "from new", 0);
    send_str (old, "old again", 0);
    recv_s (router, "Y", 1);
    recv_s (router, "old again", 0);
    send_bin (router, "Y", 1, ZMQ_SNDMORE);
    send_str (router, "to old", 0);
    recv_s (old, "to old", 0);
    TEST_ASSERT_EQ_INT (0, poll_in (newer, 200));
    TEST_ASSERT_EQ_INT (0, poll_in (router, 0));

    close_zero (old);
    close_zero (newer);
    close_zero (router);
}

static void test_probe_router (void *ctx, const char *tp)
{
    char ep[256];
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (router, 5000);
    bind_transport (router, tp, "dr-probe", ep, sizeof ep);

    /* DEALER with PROBE_ROUTER: the ROUTER gets [id][empty] on connect,
     * before the DEALER sends anything. */
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_rcvtimeo (dealer, 5000);
    set_int (dealer, ZMQ_PROBE_ROUTER, 1);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "prober", 6));
    TEST_OK (zmq_connect (dealer, ep));
    recv_s (router, "prober", 1);
    recv_s (router, "", 0);
    /* The ROUTER can answer the probe right away. */
    send_bin (router, "prober", 6, ZMQ_SNDMORE);
    send_str (router, "welcome", 0);
    recv_s (dealer, "welcome", 0);
    send_str (dealer, "real", 0);
    recv_s (router, "prober", 1);
    recv_s (router, "real", 0);

    /* A connecting ROUTER with PROBE_ROUTER probes too. */
    void *crouter = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (crouter, 5000);
    set_int (crouter, ZMQ_PROBE_ROUTER, 1);
    TEST_OK (zmq_setsockopt (crouter, ZMQ_ROUTING_ID, "rprobe", 6));
    TEST_OK (zmq_setsockopt (crouter, ZMQ_CONNECT_ROUTING_ID, "server", 6));
    TEST_OK (zmq_connect (crouter, ep));
    recv_s (router, "rprobe", 1);
    recv_s (router, "", 0);
    send_bin (router, "rprobe", 6, ZMQ_SNDMORE);
    send_str (router, "hi router", 0);
    recv_s (crouter, "server", 1);
    recv_s (crouter, "hi router", 0);

    close_zero (crouter);
    close_zero (dealer);
    close_zero (router);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    const char *tps[] = {"tcp", "ipc", "inproc"};
    for (int i = 0; i < 3; i++) {
        test_identity (ctx, tps[i]);
        test_mandatory (ctx, tps[i]);
        test_connect_routing_id (ctx, tps[i]);
        test_handover (ctx, tps[i]);
        test_probe_router (ctx, tps[i]);
    }
    test_mandatory_hwm (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    ipc_cleanup ();
    return 0;
}
