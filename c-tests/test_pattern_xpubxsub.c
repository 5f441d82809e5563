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

/* ---- local helpers (same block in several test files) ---------------- */
static char lh_ipc_paths_[32][256];
static int lh_n_ipc_paths_;

static inline void lh_ipc_cleanup (void)
{
    for (int i = 0; i < lh_n_ipc_paths_; i++)
        unlink (lh_ipc_paths_[i]);
}

/* Remembers an ipc endpoint's file so it is removed at exit (also when a
 * check fails). */
static inline void lh_ipc_track (const char *ep)
{
    if (strncmp (ep, "ipc://", 6) != 0 || ep[6] == '@')
        return;
    if (lh_n_ipc_paths_ == 0)
        atexit (lh_ipc_cleanup);
    if (lh_n_ipc_paths_ < 32)
        snprintf (lh_ipc_paths_[lh_n_ipc_paths_++], 256, "%s", ep + 6);
}

/* Binds `s` on transport `tp` ("tcp", "ipc" or "inproc") and returns the
 * concrete endpoint in `ep`. */
static inline void lh_bind (void *s, const char *tp, const char *tag,
                            char *ep, size_t len)
{
    if (strcmp (tp, "tcp") == 0) {
        bind_ephemeral (s, "tcp://127.0.0.1:*", ep, len);
    } else if (strcmp (tp, "ipc") == 0) {
        make_ipc_endpoint (ep, len, tag);
        lh_ipc_track (ep);
        TEST_OK (zmq_bind (s, ep));
    } else {
        snprintf (ep, len, "inproc://%s", tag);
        TEST_OK (zmq_bind (s, ep));
    }
}

static inline void lh_close (void *s)
{
    int zero = 0;
    TEST_OK (zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero));
    TEST_OK (zmq_close (s));
}

#define lh_recv_frame(s, e, n, m) lh_recv_frame_at (__LINE__, s, e, n, m)
#define lh_recv_s(s, e, m) lh_recv_frame_at (__LINE__, s, e, strlen (e), m)
#define lh_recv_any(s, b, c, m) lh_recv_any_at (__LINE__, s, b, c, m)

static inline void lh_recv_frame_at (int line, void *s, const void *expected,
                                  size_t n, int more)
{
    zmq_msg_t m;
    TEST_OK (zmq_msg_init (&m));
    int rc = zmq_msg_recv (&m, s, 0);
    if (rc < 0)
        TEST_FAIL ("line %d: recv failed: errno %d (%s)", line, zmq_errno (),
                   zmq_strerror (zmq_errno ()));
    if ((size_t) rc != n || (n && memcmp (zmq_msg_data (&m), expected, n)))
        TEST_FAIL ("line %d: expected %zu-byte frame '%.*s', got %d bytes "
                   "'%.*s'",
                   line, n, (int) n, (const char *) expected, rc, rc,
                   (const char *) zmq_msg_data (&m));
    if (more != zmq_msg_more (&m))
        TEST_FAIL ("line %d: expected more=%d", line, more);
    int rcvmore = -1;
    size_t sz = sizeof rcvmore;
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &sz));
    if (more != rcvmore)
        TEST_FAIL ("line %d: expected RCVMORE=%d", line, more);
    TEST_OK (zmq_msg_close (&m));
}

/* Receives one frame into buf; returns its size; checks RCVMORE. */
static inline size_t lh_recv_any_at (int line, void *s, void *buf, size_t cap,
                                  int more)
{
    int rc = zmq_recv (s, buf, cap, 0);
    if (rc < 0)
        TEST_FAIL ("line %d: recv failed: errno %d (%s)", line, zmq_errno (),
                   zmq_strerror (zmq_errno ()));
    TEST_ASSERT ((size_t) rc <= cap);
    int rcvmore = -1;
    size_t sz = sizeof rcvmore;
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &sz));
    if (more != rcvmore)
        TEST_FAIL ("line %d: expected RCVMORE=%d", line, more);
    return (size_t) rc;
}

#define lh_send_bin(s, d, n, f) lh_send_bin_at (__LINE__, s, d, n, f)
static inline void lh_send_bin_at (int line, void *s, const void *data,
                                size_t n, int flags)
{
    int rc = zmq_send (s, data, n, flags);
    if (rc != (int) n)
        TEST_FAIL ("line %d: send of %zu bytes returned %d, errno %d (%s)",
                   line, n, rc, zmq_errno (), zmq_strerror (zmq_errno ()));
}

static inline int lh_poll_in (void *s, int ms)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    int rc = zmq_poll (&it, 1, ms);
    TEST_ASSERT (rc >= 0);
    return (it.revents & ZMQ_POLLIN) ? 1 : 0;
}

static inline void lh_set_int (void *s, int opt, int v)
{
    TEST_OK (zmq_setsockopt (s, opt, &v, sizeof v));
}
/* ---------------------------------------------------------------------- */

static void subscribe (void *s, const char *topic)
{
    TEST_OK (zmq_setsockopt (s, ZMQ_SUBSCRIBE, topic, strlen (topic)));
}

static void unsubscribe (void *s, const char *topic)
{
    TEST_OK (zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, topic, strlen (topic)));
}

/* Expects a subscription (kind 1) or cancellation (kind 0) message. */
#define recv_sub(s, kind, topic) recv_sub_at (__LINE__, s, kind, topic)
static void recv_sub_at (int line, void *s, int kind, const char *topic)
{
    char exp[256];
    exp[0] = (char) kind;
    size_t n = strlen (topic);
    memcpy (exp + 1, topic, n);
    lh_recv_frame_at (line, s, exp, n + 1, 0);
}

/* Sends from `pub` numbered messages on `prefix` until `sub` gets one, then
 * drains `sub` up to the last one sent. */
static void sync_topic (void *pub, void *sub, const char *prefix)
{
    char buf[256], last[256];
    int seq = 0;
    int64_t deadline = test_now_ms () + 10000;
    do {
        TEST_ASSERT (test_now_ms () < deadline);
        snprintf (buf, sizeof buf, "%s#%d", prefix, seq++);
        send_str (pub, buf, 0);
    } while (!lh_poll_in (sub, 20));
    snprintf (last, sizeof last, "%s#%d", prefix, seq - 1);
    for (;;) {
        size_t len = lh_recv_any (sub, buf, sizeof buf - 1, 0);
        buf[len] = 0;
        TEST_ASSERT (strncmp (buf, prefix, strlen (prefix)) == 0);
        if (strcmp (buf, last) == 0)
            break;
    }
}

/* XPUB sees (un)subscriptions; duplicates are folded by default. */
static void test_subscription_messages (void *ctx, const char *tp)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    void *s1 = zmq_socket (ctx, ZMQ_SUB);
    void *s2 = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (xpub, 5000);
    lh_bind (xpub, tp, "xx-subs", ep, sizeof ep);

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
    lh_close (s2);
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

    lh_close (s1);
    lh_close (s3);
    lh_close (xpub);
}

static void test_verbose (void *ctx, const char *tp, int verboser)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    void *s1 = zmq_socket (ctx, ZMQ_SUB);
    void *s2 = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (xpub, 5000);
    lh_set_int (xpub, verboser ? ZMQ_XPUB_VERBOSER : ZMQ_XPUB_VERBOSE, 1);
    lh_bind (xpub, tp, verboser ? "xx-verboser" : "xx-verbose", ep,
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

    lh_close (s1);
    lh_close (s2);
    lh_close (xpub);
}

/* XSUB subscribes by sending 0x01+topic, does not filter locally, and can
 * send other messages upstream. */
static void test_xsub (void *ctx, const char *tp)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    set_rcvtimeo (xpub, 5000);
    set_rcvtimeo (xsub, 5000);
    lh_bind (xpub, tp, "xx-xsub", ep, sizeof ep);
    TEST_OK (zmq_connect (xsub, ep));

    lh_send_bin (xsub, "\1A", 2, 0);
    recv_sub (xpub, 1, "A");
    lh_send_bin (xsub, "\1S", 2, 0);
    recv_sub (xpub, 1, "S");
    /* Messages without the 0/1 prefix go upstream unchanged. */
    send_str (xsub, "hello upstream", 0);
    lh_recv_s (xpub, "hello upstream", 0);

    sync_topic (xpub, xsub, "S");
    send_str (xpub, "A1", 0);
    send_str (xpub, "B1", 0);
    send_str (xpub, "S-fence", 0);
    lh_recv_s (xsub, "A1", 0);
    lh_recv_s (xsub, "S-fence", 0);

    /* Cancel "A": the XPUB stops sending it. */
    lh_send_bin (xsub, "\0A", 2, 0);
    recv_sub (xpub, 0, "A");
    send_str (xpub, "A2", 0);
    send_str (xpub, "S-fence2", 0);
    lh_recv_s (xsub, "S-fence2", 0);

    /* A plain PUB filters for an XSUB in the same way. */
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *xsub2 = zmq_socket (ctx, ZMQ_XSUB);
    set_rcvtimeo (xsub2, 5000);
    char ep2[256];
    lh_bind (pub, tp, "xx-xsub-pub", ep2, sizeof ep2);
    TEST_OK (zmq_connect (xsub2, ep2));
    lh_send_bin (xsub2, "\1T", 2, 0);
    sync_topic (pub, xsub2, "T");
    send_str (pub, "U1", 0);
    send_str (pub, "T-fence", 0);
    lh_recv_s (xsub2, "T-fence", 0);
    lh_close (xsub2);
    lh_close (pub);

    lh_close (xsub);
    lh_close (xpub);
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
    lh_set_int (xpub, ZMQ_XPUB_MANUAL, 1);
    lh_bind (xpub, tp, "xx-manual", ep, sizeof ep);
    TEST_OK (zmq_connect (xsub, ep));

    lh_send_bin (xsub, "\1A", 2, 0);
    recv_sub (xpub, 1, "A");
    /* Map the request for "A" to "B". Takes effect at once (local). */
    subscribe (xpub, "B");
    send_str (xpub, "A1", 0);
    send_str (xpub, "B1", 0);
    lh_recv_s (xsub, "B1", 0);

    /* Duplicates are always reported in manual mode. */
    lh_send_bin (xsub, "\1A", 2, 0);
    recv_sub (xpub, 1, "A");
    /* The XSUB counts its own subscriptions ("A" twice now) and passes a
     * cancellation upstream only when the count drops to zero. */
    lh_send_bin (xsub, "\0A", 2, 0);
    lh_send_bin (xsub, "\1F", 2, 0);
    recv_sub (xpub, 1, "F");
    lh_send_bin (xsub, "\0A", 2, 0);
    recv_sub (xpub, 0, "A");

    unsubscribe (xpub, "B");
    subscribe (xpub, "C");
    send_str (xpub, "B2", 0);
    send_str (xpub, "A2", 0);
    send_str (xpub, "C2", 0);
    lh_recv_s (xsub, "C2", 0);
    TEST_ASSERT_EQ_INT (0, lh_poll_in (xsub, 0));

    lh_close (xsub);
    lh_close (xpub);
}

static void test_welcome (void *ctx, const char *tp)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    TEST_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, "WELCOME", 7));
    set_rcvtimeo (xpub, 5000);
    lh_bind (xpub, tp, "xx-welcome", ep, sizeof ep);

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
    lh_recv_s (sub, "WELCOME", 0);

    /* An XSUB gets it whatever it subscribes to, before anything else. */
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    set_rcvtimeo (xsub, 5000);
    TEST_OK (zmq_connect (xsub, ep));
    lh_send_bin (xsub, "\1zzz", 4, 0);
    recv_sub (xpub, 1, "zzz");
    lh_recv_s (xsub, "WELCOME", 0);

    /* Disabled with an empty value: the next subscriber gets nothing. */
    TEST_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, NULL, 0));
    void *xsub2 = zmq_socket (ctx, ZMQ_XSUB);
    set_rcvtimeo (xsub2, 5000);
    TEST_OK (zmq_connect (xsub2, ep));
    lh_send_bin (xsub2, "\1", 1, 0);
    recv_sub (xpub, 1, "");
    send_str (xpub, "first-data", 0);
    lh_recv_s (xsub2, "first-data", 0);

    lh_close (xsub2);
    lh_close (xsub);
    lh_close (sub);
    lh_close (xpub);
}

/* XPUB_NODROP: in the mute state send returns EAGAIN instead of dropping;
 * every accepted message arrives. */
static void test_nodrop (void *ctx, const char *tp)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    lh_set_int (xpub, ZMQ_XPUB_NODROP, 1);
    lh_set_int (xpub, ZMQ_SNDHWM, 10);
    lh_set_int (sub, ZMQ_RCVHWM, 10);
    lh_set_int (xpub, ZMQ_SNDBUF, 4096);
    lh_set_int (sub, ZMQ_RCVBUF, 4096);
    set_rcvtimeo (xpub, 5000);
    set_rcvtimeo (sub, 5000);
    lh_bind (xpub, tp, "xx-nodrop", ep, sizeof ep);
    subscribe (sub, "");
    TEST_OK (zmq_connect (sub, ep));
    recv_sub (xpub, 1, "");
    sync_topic (xpub, sub, "S");

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
    lh_set_int (xpub, ZMQ_SNDTIMEO, 50);
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
    lh_set_int (xpub, ZMQ_SNDTIMEO, 5000);
    send_str (xpub, "after", 0);
    lh_recv_s (sub, "after", 0);
    free (rbuf);
    free (buf);
    lh_close (sub);
    lh_close (xpub);
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
    lh_ipc_cleanup ();
    return 0;
}
