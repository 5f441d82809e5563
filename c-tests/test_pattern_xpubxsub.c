/* XPUB/XSUB over tcp, ipc and inproc.
 *
 * Checks: XPUB receives subscriptions as 0x01+topic and cancellations as
 * 0x00+topic; duplicates are folded unless ZMQ_XPUB_VERBOSE (subscribe) or
 * ZMQ_XPUB_VERBOSER (subscribe and unsubscribe) is set; an XSUB subscribes by
 * sending 0x01+topic and unsubscribes with 0x00+topic; XSUB does not filter
 * locally and its other upstream messages reach the XPUB; ZMQ_XPUB_MANUAL
 * leaves filtering to setsockopt(ZMQ_SUBSCRIBE/UNSUBSCRIBE) on the XPUB;
 * ZMQ_XPUB_WELCOME_MSG is delivered on connect; ZMQ_XPUB_NODROP returns
 * EAGAIN in the mute state and loses nothing. */
#include "testutil.h"

/* Expects a subscription (kind 1) or cancellation (kind 0) message. */
#define recv_sub(s, kind, topic) recv_sub_at (__LINE__, s, kind, topic)
static void recv_sub_at (int line, void *s, int kind, const char *topic)
{
    char exp[256];
    exp[0] = (char) kind;
    size_t n = strlen (topic);
    memcpy (exp + 1, topic, n);
    recv_frame_at (__FILE__, line, s, exp, n + 1, 0);
}

/* XPUB sees (un)subscriptions; duplicates are folded by default. */
static void test_subscription_messages (void *ctx, const char *tp)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    void *s1 = zmq_socket (ctx, ZMQ_SUB);
    void *s2 = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (xpub, 5000);
    bind_transport (xpub, tp, "xx-subs", ep, sizeof ep);

    /* A subscription made before connecting is sent on connect. */
    subscribe (s1, "early");
    TEST_OK (zmq_connect (s1, ep));
    recv_sub (xpub, 1, "early");
    subscribe (s1, "A");
    recv_sub (xpub, 1, "A");
    subscribe (s1, "");
    recv_sub (xpub, 1, "");
    unsubscribe (s1, "");
    recv_sub (xpub, 0, "");

    /* Duplicate from a second subscriber: not passed on. */
    TEST_OK (zmq_connect (s2, ep));
    subscribe (s2, "A");
    subscribe (s2, "fence1");
    recv_sub (xpub, 1, "fence1");
    /* Cancelling a topic someone else still has: not passed on. */
    unsubscribe (s2, "A");
    subscribe (s2, "fence2");
    recv_sub (xpub, 1, "fence2");
    /* The last cancellation is passed on. */
    unsubscribe (s1, "A");
    recv_sub (xpub, 0, "A");
    unsubscribe (s1, "early");
    recv_sub (xpub, 0, "early");

    /* A subscriber that goes away cancels the topics only it had: the XPUB
     * reports a cancellation for each (libzmq xpub_t::xpipe_terminated; the
     * order follows the subscription trie, so accept either). */
    close_zero (s2);
    int seen1 = 0, seen2 = 0;
    for (int i = 0; i < 2; i++) {
        char buf[64];
        int n = zmq_recv (xpub, buf, sizeof buf, 0);
        if (n == 7 && memcmp (buf, "\0fence1", 7) == 0)
            seen1++;
        else if (n == 7 && memcmp (buf, "\0fence2", 7) == 0)
            seen2++;
        else
            TEST_FAIL ("unexpected message of %d bytes from XPUB", n);
    }
    TEST_ASSERT (seen1 == 1 && seen2 == 1);
    /* "fence1" is now new again for the next subscriber. */
    void *s3 = zmq_socket (ctx, ZMQ_SUB);
    TEST_OK (zmq_connect (s3, ep));
    subscribe (s3, "fence1");
    recv_sub (xpub, 1, "fence1");

    close_zero (s1);
    close_zero (s3);
    close_zero (xpub);
}

static void test_verbose (void *ctx, const char *tp, int verboser)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    void *s1 = zmq_socket (ctx, ZMQ_SUB);
    void *s2 = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (xpub, 5000);
    set_int (xpub, verboser ? ZMQ_XPUB_VERBOSER : ZMQ_XPUB_VERBOSE, 1);
    bind_transport (xpub, tp, verboser ? "xx-verboser" : "xx-verbose", ep,
                    sizeof ep);
    TEST_OK (zmq_connect (s1, ep));
    TEST_OK (zmq_connect (s2, ep));

    subscribe (s1, "A");
    recv_sub (xpub, 1, "A");
    subscribe (s2, "A");
    recv_sub (xpub, 1, "A"); /* duplicate passed on */
    unsubscribe (s2, "A");
    if (verboser) {
        recv_sub (xpub, 0, "A"); /* duplicate cancellation passed on */
    } else {
        subscribe (s2, "fence");
        recv_sub (xpub, 1, "fence");
    }
    unsubscribe (s1, "A");
    recv_sub (xpub, 0, "A");

    close_zero (s1);
    close_zero (s2);
    close_zero (xpub);
}

/* XSUB subscribes by sending 0x01+topic, does not filter locally, and can
 * send other messages upstream. */
static void test_xsub (void *ctx, const char *tp)
{
    void *xpub, *xsub;
    make_pair (ctx, tp, "xx-xsub", ZMQ_XPUB, ZMQ_XSUB, &xpub, &xsub);

    send_bin (xsub, "\1A", 2, 0);
    recv_sub (xpub, 1, "A");
    send_bin (xsub, "\1S", 2, 0);
    recv_sub (xpub, 1, "S");
    /* Messages without the 0/1 prefix go upstream unchanged. */
    send_str (xsub, "hello upstream", 0);
    recv_s (xpub, "hello upstream", 0);

    sync_subscriber (xpub, xsub, "S");
    send_str (xpub, "A1", 0);
    send_str (xpub, "B1", 0);
    send_str (xpub, "S-fence", 0);
    recv_s (xsub, "A1", 0);
    recv_s (xsub, "S-fence", 0);

    /* Cancel "A": the XPUB stops sending it. */
    send_bin (xsub, "\0A", 2, 0);
    recv_sub (xpub, 0, "A");
    send_str (xpub, "A2", 0);
    send_str (xpub, "S-fence2", 0);
    recv_s (xsub, "S-fence2", 0);

    /* A plain PUB filters for an XSUB in the same way. */
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *xsub2 = zmq_socket (ctx, ZMQ_XSUB);
    set_rcvtimeo (xsub2, 5000);
    char ep2[256];
    bind_transport (pub, tp, "xx-xsub-pub", ep2, sizeof ep2);
    TEST_OK (zmq_connect (xsub2, ep2));
    send_bin (xsub2, "\1T", 2, 0);
    sync_subscriber (pub, xsub2, "T");
    send_str (pub, "U1", 0);
    send_str (pub, "T-fence", 0);
    recv_s (xsub2, "T-fence", 0);
    close_zero (xsub2);
    close_zero (pub);

    close_zero (xsub);
    close_zero (xpub);
}

/* XPUB_MANUAL: subscriptions are reported but not applied; the
 * application applies its own choice with ZMQ_SUBSCRIBE on the XPUB (for
 * the peer that sent the last subscription message). */
static void test_manual (void *ctx, const char *tp)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    set_rcvtimeo (xpub, 5000);
    set_rcvtimeo (xsub, 5000);
    /* Without MANUAL, SUBSCRIBE on an XPUB is not a valid option. */
    TEST_ERRNO (EINVAL, zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "B", 1));
    set_int (xpub, ZMQ_XPUB_MANUAL, 1);
    bind_transport (xpub, tp, "xx-manual", ep, sizeof ep);
    TEST_OK (zmq_connect (xsub, ep));

    send_bin (xsub, "\1A", 2, 0);
    recv_sub (xpub, 1, "A");
    /* Map the request for "A" to "B". Takes effect at once (local). */
    subscribe (xpub, "B");
    send_str (xpub, "A1", 0);
    send_str (xpub, "B1", 0);
    recv_s (xsub, "B1", 0);

    /* Duplicates are always reported in manual mode. */
    send_bin (xsub, "\1A", 2, 0);
    recv_sub (xpub, 1, "A");
    /* The XSUB counts its own subscriptions ("A" twice now) and passes a
     * cancellation upstream only when the count drops to zero. */
    send_bin (xsub, "\0A", 2, 0);
    send_bin (xsub, "\1F", 2, 0);
    recv_sub (xpub, 1, "F");
    send_bin (xsub, "\0A", 2, 0);
    recv_sub (xpub, 0, "A");

    unsubscribe (xpub, "B");
    subscribe (xpub, "C");
    send_str (xpub, "B2", 0);
    send_str (xpub, "A2", 0);
    send_str (xpub, "C2", 0);
    recv_s (xsub, "C2", 0);
    TEST_ASSERT_EQ_INT (0, poll_in (xsub, 0));

    close_zero (xsub);
    close_zero (xpub);
}

static void test_welcome (void *ctx, const char *tp)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    TEST_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, "WELCOME", 7));
    set_rcvtimeo (xpub, 5000);
    bind_transport (xpub, tp, "xx-welcome", ep, sizeof ep);

    /* The welcome message is written when the XPUB attaches the new peer,
     * which libzmq does only while the application uses the XPUB socket
     * (zmq_setsockopt(3): "user must poll on incoming subscription messages
     * on the XPUB socket"). So read the subscription first. */

    /* A SUB must subscribe to the welcome topic (it filters locally). */
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (sub, 5000);
    subscribe (sub, "WELCOME");
    TEST_OK (zmq_connect (sub, ep));
    recv_sub (xpub, 1, "WELCOME");
    recv_s (sub, "WELCOME", 0);

    /* An XSUB gets it whatever it subscribes to, before anything else. */
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    set_rcvtimeo (xsub, 5000);
    TEST_OK (zmq_connect (xsub, ep));
    send_bin (xsub, "\1zzz", 4, 0);
    recv_sub (xpub, 1, "zzz");
    recv_s (xsub, "WELCOME", 0);

    /* Disabled with an empty value: the next subscriber gets nothing. */
    TEST_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, NULL, 0));
    void *xsub2 = zmq_socket (ctx, ZMQ_XSUB);
    set_rcvtimeo (xsub2, 5000);
    TEST_OK (zmq_connect (xsub2, ep));
    send_bin (xsub2, "\1", 1, 0);
    recv_sub (xpub, 1, "");
    send_str (xpub, "first-data", 0);
    recv_s (xsub2, "first-data", 0);

    close_zero (xsub2);
    close_zero (xsub);
    close_zero (sub);
    close_zero (xpub);
}

/* XPUB_NODROP: in the mute state send returns EAGAIN instead of dropping;
 * every accepted message arrives. */
static void test_nodrop (void *ctx, const char *tp)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (xpub, ZMQ_XPUB_NODROP, 1);
    set_int (xpub, ZMQ_SNDHWM, 10);
    set_int (sub, ZMQ_RCVHWM, 10);
    set_int (xpub, ZMQ_SNDBUF, 4096);
    set_int (sub, ZMQ_RCVBUF, 4096);
    set_rcvtimeo (xpub, 5000);
    set_rcvtimeo (sub, 5000);
    bind_transport (xpub, tp, "xx-nodrop", ep, sizeof ep);
    subscribe (sub, "");
    TEST_OK (zmq_connect (sub, ep));
    recv_sub (xpub, 1, "");
    sync_subscriber (xpub, sub, "S");

    size_t msz = strcmp (tp, "inproc") == 0 ? 16 : 16384;
    char *buf = calloc (1, msz);
    TEST_ASSERT (buf);
    int sent = 0, eagains = 0;
    int64_t deadline = test_now_ms () + 20000;
    for (;;) {
        TEST_ASSERT (test_now_ms () < deadline);
        memcpy (buf, &sent, sizeof sent);
        int rc = zmq_send (xpub, buf, msz, ZMQ_DONTWAIT);
        if (rc == -1) {
            TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
            /* The I/O thread may still be moving data into the kernel:
             * stop once sending keeps failing for a while. (zmq_poll is no
             * help: libzmq 4.3.4 reports an XPUB as always writable even
             * with NODROP at the HWM, libzmq issues #1597/#1598.) */
            if (++eagains >= 10)
                break;
            test_sleep_ms (20);
            continue;
        }
        TEST_ASSERT_EQ_INT ((int) msz, rc);
        sent++;
        eagains = 0;
    }
    TEST_ASSERT (sent >= 10);
    /* Blocking send with a timeout also gives EAGAIN. */
    set_int (xpub, ZMQ_SNDTIMEO, 50);
    TEST_ERRNO (EAGAIN, zmq_send (xpub, buf, msz, 0));

    /* Nothing was dropped. */
    char *rbuf = malloc (msz + 1);
    TEST_ASSERT (rbuf);
    for (int i = 0; i < sent; i++) {
        int n = zmq_recv (sub, rbuf, msz + 1, 0);
        TEST_ASSERT_EQ_INT ((int) msz, n);
        int seq;
        memcpy (&seq, rbuf, sizeof seq);
        TEST_ASSERT_EQ_INT (i, seq);
    }
    set_int (xpub, ZMQ_SNDTIMEO, 5000);
    send_str (xpub, "after", 0);
    recv_s (sub, "after", 0);
    free (rbuf);
    free (buf);
    close_zero (sub);
    close_zero (xpub);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    const char *tps[] = {"tcp", "ipc", "inproc"};
    for (int i = 0; i < 3; i++) {
        test_subscription_messages (ctx, tps[i]);
        test_verbose (ctx, tps[i], 0);
        test_verbose (ctx, tps[i], 1);
        test_xsub (ctx, tps[i]);
        test_manual (ctx, tps[i]);
        test_welcome (ctx, tps[i]);
        test_nodrop (ctx, tps[i]);
    }
    TEST_OK (zmq_ctx_term (ctx));
    ipc_cleanup ();
    return 0;
}
