/* XPUB details found by libzmq's own tests (test_xpub_verbose,
 * test_xpub_manual), as libzmq does them:
 * - a SUB subscribing again to a topic it has sends the subscription again:
 *   a plain XPUB filters the duplicate, an XPUB_VERBOSE one passes it on;
 * - XPUB_MANUAL: ZMQ_SUBSCRIBE applies to the peer whose notification the
 *   application received last; when that peer goes, the XPUB reports every
 *   topic the peer had asked for as unsubscribed;
 * - XPUB_VERBOSER reports each unsubscription, and the topics of a peer
 *   that goes even while another peer still has them. */
#include "testutil.h"

static void *ctx;

static void expect_note (void *xpub, int subscribe, const char *topic)
{
    char want[64];
    want[0] = (char) subscribe;
    size_t n = strlen (topic);
    memcpy (want + 1, topic, n);
    recv_frame (xpub, want, n + 1, 0);
}

static void expect_silence (void *s)
{
    TEST_ASSERT_EQ_INT (0, poll_in (s, 100));
}

static void duplicate_subscriptions (void)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (xpub, 2000);
    set_rcvtimeo (sub, 2000);
    TEST_OK (zmq_bind (xpub, "inproc://xsem-dup"));
    TEST_OK (zmq_connect (sub, "inproc://xsem-dup"));
    subscribe (sub, "A");
    expect_note (xpub, 1, "A");
    subscribe (sub, "A");
    expect_silence (xpub); /* filtered: the XPUB has it already */
    set_int (xpub, ZMQ_XPUB_VERBOSE, 1);
    subscribe (sub, "A");
    expect_note (xpub, 1, "A"); /* the SUB sent it again */
    send_str (xpub, "A", 0);
    recv_str (sub, "A");
    close_zero (sub);
    close_zero (xpub);
}

static void manual_mode (void)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    set_int (xpub, ZMQ_XPUB_MANUAL, 1);
    set_rcvtimeo (xpub, 2000);
    TEST_OK (zmq_bind (xpub, "inproc://xsem-manual"));
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    set_rcvtimeo (xsub, 2000);
    TEST_OK (zmq_connect (xsub, "inproc://xsem-manual"));
    send_bin (xsub, "\1A", 2, 0);
    send_bin (xsub, "\1B", 2, 0);
    expect_note (xpub, 1, "A");
    TEST_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "XA", 2));
    expect_note (xpub, 1, "B");
    TEST_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "XB", 2));
    send_bin (xsub, "\0A", 2, 0);
    expect_note (xpub, 0, "A");
    TEST_OK (zmq_setsockopt (xpub, ZMQ_UNSUBSCRIBE, "XA", 2));
    send_str (xpub, "XA", 0);
    send_str (xpub, "XB", 0);
    recv_str (xsub, "XB");
    TEST_ERRNO (EAGAIN, zmq_recv (xsub, NULL, 0, ZMQ_DONTWAIT));
    close_zero (xsub);
    /* The peer asked for B and still had it. */
    expect_note (xpub, 0, "B");
    expect_silence (xpub);
    close_zero (xpub);
}

static void verboser_unsubscriptions (void)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    set_int (xpub, ZMQ_XPUB_VERBOSER, 1);
    set_rcvtimeo (xpub, 2000);
    TEST_OK (zmq_bind (xpub, "inproc://xsem-verboser"));
    void *sub0 = zmq_socket (ctx, ZMQ_SUB);
    void *sub1 = zmq_socket (ctx, ZMQ_SUB);
    TEST_OK (zmq_connect (sub0, "inproc://xsem-verboser"));
    TEST_OK (zmq_connect (sub1, "inproc://xsem-verboser"));
    subscribe (sub0, "A");
    expect_note (xpub, 1, "A");
    subscribe (sub1, "A");
    expect_note (xpub, 1, "A");
    unsubscribe (sub1, "A");
    expect_note (xpub, 0, "A"); /* sub0 still has it: verboser says so anyway */
    subscribe (sub1, "A");
    expect_note (xpub, 1, "A");
    close_zero (sub1);
    expect_note (xpub, 0, "A"); /* a peer that went, likewise */
    /* XPUB_VERBOSE after VERBOSER turns the unsubscription reports off. */
    set_int (xpub, ZMQ_XPUB_VERBOSE, 1);
    void *sub2 = zmq_socket (ctx, ZMQ_SUB);
    TEST_OK (zmq_connect (sub2, "inproc://xsem-verboser"));
    subscribe (sub2, "A");
    expect_note (xpub, 1, "A");
    unsubscribe (sub2, "A");
    expect_silence (xpub);
    close_zero (sub2);
    close_zero (sub0);
    expect_note (xpub, 0, "A"); /* the last one went */
    close_zero (xpub);
}

int main (void)
{
    test_watchdog (60);
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    duplicate_subscriptions ();
    manual_mode ();
    verboser_unsubscriptions ();
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
