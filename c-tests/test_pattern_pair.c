/* ZMQ_PAIR: exclusive pair over tcp, ipc and inproc.
 *
 * Checks: bidirectional messaging, multipart and empty frames preserved,
 * PAIR accepts only one peer (a second connecting PAIR is never served),
 * the mute state blocks (EAGAIN with DONTWAIT / SNDTIMEO, never drops) and
 * sending resumes once the peer drains its queue. */
#include "testutil.h"

static void test_basic (void *ctx, const char *tp)
{
    void *a, *b;
    make_pair (ctx, tp, "pair-basic", ZMQ_PAIR, ZMQ_PAIR, &a, &b);

    int type = -1;
    size_t sz = sizeof type;
    TEST_OK (zmq_getsockopt (a, ZMQ_TYPE, &type, &sz));
    TEST_ASSERT_EQ_INT (ZMQ_PAIR, type);

    /* Both directions. */
    send_str (b, "ping", 0);
    recv_s (a, "ping", 0);
    send_str (a, "pong", 0);
    recv_s (b, "pong", 0);

    /* Multipart with an empty middle frame, then a lone empty message. */
    send_str (b, "one", ZMQ_SNDMORE);
    TEST_ASSERT_EQ_INT (0, zmq_send (b, "", 0, ZMQ_SNDMORE));
    send_str (b, "three", 0);
    TEST_ASSERT_EQ_INT (0, zmq_send (b, "", 0, 0));
    recv_s (a, "one", 1);
    recv_s (a, "", 1);
    recv_s (a, "three", 0);
    recv_s (a, "", 0);

    /* Ordering of many messages. */
    for (int i = 0; i < 200; i++) {
        char buf[32];
        snprintf (buf, sizeof buf, "m%d", i);
        send_str (a, buf, 0);
    }
    for (int i = 0; i < 200; i++) {
        char buf[32];
        snprintf (buf, sizeof buf, "m%d", i);
        recv_s (b, buf, 0);
    }
    TEST_ASSERT_EQ_INT (0, poll_in (b, 0));

    close_zero (a);
    close_zero (b);
}

/* A PAIR serves exactly one peer: the second connecting PAIR is ignored. */
static void test_exclusive (void *ctx, const char *tp)
{
    char ep[256];
    void *srv = zmq_socket (ctx, ZMQ_PAIR);
    void *c1 = zmq_socket (ctx, ZMQ_PAIR);
    void *c2 = zmq_socket (ctx, ZMQ_PAIR);
    set_rcvtimeo (srv, 5000);
    set_rcvtimeo (c1, 5000);
    bind_transport (srv, tp, "pair-excl", ep, sizeof ep);
    TEST_OK (zmq_connect (c1, ep));
    /* Round trip: c1 is now the established peer. */
    send_str (c1, "first", 0);
    recv_s (srv, "first", 0);
    send_str (srv, "ack", 0);
    recv_s (c1, "ack", 0);

    TEST_OK (zmq_connect (c2, ep));
    /* c2's message may be queued locally but must never reach srv. */
    int rc = zmq_send (c2, "intruder", 8, ZMQ_DONTWAIT);
    TEST_ASSERT (rc == 8 || (rc == -1 && zmq_errno () == EAGAIN));

    /* srv keeps talking to c1 only. */
    for (int i = 0; i < 5; i++) {
        send_str (c1, "legit", 0);
        recv_s (srv, "legit", 0);
        send_str (srv, "reply", 0);
        recv_s (c1, "reply", 0);
    }
    TEST_ASSERT_EQ_INT (0, poll_in (srv, 200));
    TEST_ASSERT_EQ_INT (0, poll_in (c2, 0));

    close_zero (c2);
    close_zero (c1);
    close_zero (srv);
}

/* The mute state blocks: DONTWAIT gives EAGAIN, SNDTIMEO gives EAGAIN after
 * the timeout, nothing is dropped, and draining the peer unblocks. */
static void test_mute_blocks (void *ctx, const char *tp)
{
    char ep[256];
    void *a = zmq_socket (ctx, ZMQ_PAIR);
    void *b = zmq_socket (ctx, ZMQ_PAIR);
    int hwm = 5;
    TEST_OK (zmq_setsockopt (a, ZMQ_SNDHWM, &hwm, sizeof hwm));
    TEST_OK (zmq_setsockopt (b, ZMQ_RCVHWM, &hwm, sizeof hwm));
    int small = 4096;
    TEST_OK (zmq_setsockopt (a, ZMQ_SNDBUF, &small, sizeof small));
    TEST_OK (zmq_setsockopt (b, ZMQ_RCVBUF, &small, sizeof small));
    set_rcvtimeo (b, 5000);
    bind_transport (b, tp, "pair-mute", ep, sizeof ep);
    TEST_OK (zmq_connect (a, ep));
    send_str (a, "hello", 0);
    recv_s (b, "hello", 0);

    /* Large messages so kernel socket buffers fill quickly on tcp/ipc. */
    size_t msz = strcmp (tp, "inproc") == 0 ? 10 : 64 * 1024;
    char *buf = malloc (msz);
    TEST_ASSERT (buf);
    int sent = 0;
    int64_t deadline = test_now_ms () + 20000;
    for (;;) {
        memset (buf, 'a' + sent % 26, msz);
        memcpy (buf, &sent, sizeof sent);
        int rc = zmq_send (a, buf, msz, ZMQ_DONTWAIT);
        if (rc == -1) {
            TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
            /* tcp/ipc: the I/O thread may still be moving data into the
             * kernel; only stop once we stay blocked for a while. */
            zmq_pollitem_t it = {a, 0, ZMQ_POLLOUT, 0};
            TEST_ASSERT (zmq_poll (&it, 1, 100) >= 0);
            if (!(it.revents & ZMQ_POLLOUT))
                break;
            continue;
        }
        TEST_ASSERT_EQ_INT ((int) msz, rc);
        sent++;
        TEST_ASSERT (test_now_ms () < deadline);
        TEST_ASSERT (sent < 100000);
    }
    fprintf (stderr, "%s: mute state after %d messages\n", tp, sent);
    TEST_ASSERT (sent >= hwm);
    if (strcmp (tp, "inproc") == 0) {
        /* inproc: no kernel buffers; the pipe holds SNDHWM + peer RCVHWM. */
        TEST_ASSERT (sent <= 2 * hwm);
    }
    /* A blocking send with SNDTIMEO times out with EAGAIN. */
    int tmo = 100;
    TEST_OK (zmq_setsockopt (a, ZMQ_SNDTIMEO, &tmo, sizeof tmo));
    int64_t t0 = test_now_ms ();
    TEST_ERRNO (EAGAIN, zmq_send (a, buf, msz, 0));
    TEST_ASSERT (test_now_ms () - t0 >= 90);

    /* Everything sent arrives, in order, nothing dropped. */
    for (int i = 0; i < sent; i++) {
        zmq_msg_t m;
        TEST_OK (zmq_msg_init (&m));
        TEST_ASSERT_EQ_INT ((int) msz, zmq_msg_recv (&m, b, 0));
        int idx;
        memcpy (&idx, zmq_msg_data (&m), sizeof idx);
        TEST_ASSERT_EQ_INT (i, idx);
        TEST_ASSERT_EQ_INT ('a' + i % 26,
                            ((char *) zmq_msg_data (&m))[msz - 1]);
        TEST_OK (zmq_msg_close (&m));
    }
    /* Once drained, sending works again. */
    tmo = 5000;
    TEST_OK (zmq_setsockopt (a, ZMQ_SNDTIMEO, &tmo, sizeof tmo));
    send_str (a, "after", 0);
    recv_s (b, "after", 0);
    free (buf);
    close_zero (a);
    close_zero (b);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    const char *tps[] = {"tcp", "ipc", "inproc"};
    for (int i = 0; i < 3; i++) {
        test_basic (ctx, tps[i]);
        test_exclusive (ctx, tps[i]);
        test_mute_blocks (ctx, tps[i]);
    }
    TEST_OK (zmq_ctx_term (ctx));
    ipc_cleanup ();
    return 0;
}
