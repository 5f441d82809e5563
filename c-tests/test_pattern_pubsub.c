/* PUB/SUB over tcp, ipc and inproc.
 *
 * Checks: prefix filtering (including the empty "match all" subscription and
 * case sensitivity), unsubscribe, counted duplicate subscriptions, several
 * subscribers with different filters, ZMQ_INVERT_MATCHING, a PUB never
 * blocks (drops in the mute state instead), ENOTSUP for SUB send / PUB recv,
 * and EINVAL for subscribing on a PUB.
 *
 * Subscriptions travel asynchronously, so each test first syncs
 * (sync_subscribers in testutil.h) on a topic every subscriber also
 * subscribed to (last). Subscriptions from one SUB are processed in order,
 * so once the sync topic is active all earlier ones are too. */
#include "testutil.h"

static void test_filtering (void *ctx, const char *tp)
{
    char ep[256];
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (sub, 5000);
    bind_transport (pub, tp, "ps-filter", ep, sizeof ep);
    TEST_OK (zmq_connect (sub, ep));
    subscribe (sub, "A");
    subscribe (sub, "BC");
    subscribe (sub, "X");
    subscribe (sub, "X"); /* counted twice */
    subscribe (sub, "S1");
    sync_subscriber (pub, sub, "S1");

    send_str (pub, "A1", 0);
    send_str (pub, "B1", 0);
    send_str (pub, "BC1", 0);
    send_str (pub, "BCD", 0);
    send_str (pub, "C1", 0);
    send_str (pub, "a1", 0); /* case sensitive */
    send_bin (pub, "", 0, 0);
    send_str (pub, "A", 0); /* exact topic matches its own prefix */
    send_str (pub, "X1", 0);
    send_str (pub, "A-multi", ZMQ_SNDMORE); /* only the first frame filters */
    send_str (pub, "zzz", 0);
    send_str (pub, "S1-fence", 0);
    recv_s (sub, "A1", 0);
    recv_s (sub, "BC1", 0);
    recv_s (sub, "BCD", 0);
    recv_s (sub, "A", 0);
    recv_s (sub, "X1", 0);
    recv_s (sub, "A-multi", 1);
    recv_s (sub, "zzz", 0);
    recv_s (sub, "S1-fence", 0);

    /* Unsubscribe "A" and one of the two "X"; then sync on a new topic so
     * the unsubscriptions have reached the PUB. */
    unsubscribe (sub, "A");
    unsubscribe (sub, "X");
    subscribe (sub, "S2");
    sync_subscriber (pub, sub, "S2");
    send_str (pub, "A2", 0);
    send_str (pub, "BC2", 0);
    send_str (pub, "X2", 0); /* still subscribed once */
    send_str (pub, "S2-fence", 0);
    recv_s (sub, "BC2", 0);
    recv_s (sub, "X2", 0);
    recv_s (sub, "S2-fence", 0);

    unsubscribe (sub, "X");
    subscribe (sub, "S3");
    sync_subscriber (pub, sub, "S3");
    send_str (pub, "X3", 0);
    send_str (pub, "S3-fence", 0);
    recv_s (sub, "S3-fence", 0);

    /* Wrong direction / wrong socket. */
    char tmp[8];
    TEST_ERRNO (ENOTSUP, zmq_send (sub, "x", 1, 0));
    TEST_ERRNO (ENOTSUP, zmq_recv (pub, tmp, sizeof tmp, ZMQ_DONTWAIT));
    TEST_ERRNO (EINVAL, zmq_setsockopt (pub, ZMQ_SUBSCRIBE, "A", 1));

    close_zero (sub);
    close_zero (pub);
}

static void test_multiple_subscribers (void *ctx, const char *tp)
{
    char ep[256];
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *s1 = zmq_socket (ctx, ZMQ_SUB);
    void *s2 = zmq_socket (ctx, ZMQ_SUB);
    void *s3 = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (s1, 5000);
    set_rcvtimeo (s2, 5000);
    set_rcvtimeo (s3, 5000);
    bind_transport (pub, tp, "ps-multi", ep, sizeof ep);
    subscribe (s1, "news");
    subscribe (s2, "weather");
    subscribe (s3, ""); /* everything */
    subscribe (s1, "SYNC");
    subscribe (s2, "SYNC");
    TEST_OK (zmq_connect (s1, ep));
    TEST_OK (zmq_connect (s2, ep));
    TEST_OK (zmq_connect (s3, ep));
    void *subs[3] = {s1, s2, s3};
    sync_subscribers (pub, subs, 3, "SYNC");

    send_str (pub, "news: a", 0);
    send_str (pub, "weather: b", 0);
    send_str (pub, "sports: c", 0);
    send_str (pub, "news: d", 0);
    send_str (pub, "SYNC-fence", 0);
    recv_s (s1, "news: a", 0);
    recv_s (s1, "news: d", 0);
    recv_s (s1, "SYNC-fence", 0);
    recv_s (s2, "weather: b", 0);
    recv_s (s2, "SYNC-fence", 0);
    recv_s (s3, "news: a", 0);
    recv_s (s3, "weather: b", 0);
    recv_s (s3, "sports: c", 0);
    recv_s (s3, "news: d", 0);
    recv_s (s3, "SYNC-fence", 0);

    /* Closing one subscriber does not disturb the others. */
    close_zero (s2);
    send_str (pub, "weather: e", 0);
    send_str (pub, "news: f", 0);
    recv_s (s1, "news: f", 0);
    recv_s (s3, "weather: e", 0);
    recv_s (s3, "news: f", 0);

    close_zero (s1);
    close_zero (s3);
    close_zero (pub);
}

static void test_invert_matching (void *ctx, const char *tp)
{
    char ep[256];
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (sub, 5000);
    set_int (pub, ZMQ_INVERT_MATCHING, 1);
    set_int (sub, ZMQ_INVERT_MATCHING, 1);
    int v = -1;
    size_t sz = sizeof v;
    TEST_OK (zmq_getsockopt (sub, ZMQ_INVERT_MATCHING, &v, &sz));
    TEST_ASSERT_EQ_INT (1, v);
    bind_transport (pub, tp, "ps-invert", ep, sizeof ep);
    subscribe (sub, "B");
    TEST_OK (zmq_connect (sub, ep));
    /* With inverted matching the sub receives what does NOT match "B". */
    sync_subscriber (pub, sub, "S");

    send_str (pub, "A1", 0);
    send_str (pub, "B1", 0);
    send_str (pub, "BB", 0);
    send_str (pub, "C1", 0);
    send_str (pub, "S-fence", 0);
    recv_s (sub, "A1", 0);
    recv_s (sub, "C1", 0);
    recv_s (sub, "S-fence", 0);

    close_zero (sub);
    close_zero (pub);
}

/* PUB never blocks: without subscribers and with a subscriber that does
 * not read, every send succeeds at once; excess messages are dropped
 * (whole), and what arrives is in order. */
static void test_pub_never_blocks (void *ctx, const char *tp)
{
    char ep[256];
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (pub, ZMQ_SNDHWM, 10);
    set_int (sub, ZMQ_RCVHWM, 10);
    /* Fixed, small kernel buffers (no autotuning), so that what the
     * network can hold is far below what is sent. */
    set_int (pub, ZMQ_SNDBUF, 65536);
    set_int (sub, ZMQ_RCVBUF, 65536);
    set_rcvtimeo (sub, 5000);
    bind_transport (pub, tp, "ps-noblock", ep, sizeof ep);

    /* No subscriber at all. */
    for (int i = 0; i < 1000; i++)
        send_str (pub, "nobody", 0);

    subscribe (sub, "");
    TEST_OK (zmq_connect (sub, ep));
    sync_subscriber (pub, sub, "S");

    const int N = 20000;
    char buf[1024];
    memset (buf, 'x', sizeof buf);
    int64_t t0 = test_now_ms ();
    for (int i = 0; i < N; i++) {
        memcpy (buf, &i, sizeof i);
        /* Blocking send (flags 0) must still return immediately. */
        TEST_ASSERT_EQ_INT ((int) sizeof buf,
                            zmq_send (pub, buf, sizeof buf, ZMQ_SNDMORE));
        TEST_ASSERT_EQ_INT (3, zmq_send (pub, "two", 3, ZMQ_SNDMORE));
        TEST_ASSERT_EQ_INT (5, zmq_send (pub, "parts", 5, 0));
    }
    TEST_ASSERT (test_now_ms () - t0 < 20000);

    /* Drain what got through: increasing sequence numbers, whole
     * messages. */
    int got = 0, prev = -1;
    while (poll_in (sub, 500)) {
        char rbuf[2048];
        int n = zmq_recv (sub, rbuf, sizeof rbuf, 0);
        TEST_ASSERT_EQ_INT ((int) sizeof buf, n);
        int seq;
        memcpy (&seq, rbuf, sizeof seq);
        TEST_ASSERT (seq > prev && seq < N);
        prev = seq;
        recv_s (sub, "two", 1);
        recv_s (sub, "parts", 0);
        got++;
    }
    TEST_ASSERT (got >= 1);
    if (strcmp (tp, "inproc") == 0) {
        /* No kernel buffers: at most SNDHWM + RCVHWM survive. */
        TEST_ASSERT (got <= 20);
    } else {
        /* ~20 MB sent against ~128 KiB of socket buffers and 20 messages
         * of queues: most must have been dropped. */
        TEST_ASSERT (got < N / 2);
    }
    /* The connection is still fine afterwards. */
    send_str (pub, "after", 0);
    recv_s (sub, "after", 0);

    close_zero (sub);
    close_zero (pub);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    const char *tps[] = {"tcp", "ipc", "inproc"};
    for (int i = 0; i < 3; i++) {
        test_filtering (ctx, tps[i]);
        test_multiple_subscribers (ctx, tps[i]);
        test_invert_matching (ctx, tps[i]);
        test_pub_never_blocks (ctx, tps[i]);
    }
    TEST_OK (zmq_ctx_term (ctx));
    ipc_cleanup ();
    return 0;
}
