/* PUB/SUB over tcp, ipc and inproc.
 *
 * Checks: prefix filtering (including the empty "match all" subscription and
 * case sensitivity), unsubscribe, counted duplicate subscriptions, several
 * subscribers with different filters, ZMQ_INVERT_MATCHING, a PUB never
 * blocks (drops in the mute state instead), ENOTSUP for SUB send / PUB recv,
 * and EINVAL for subscribing on a PUB.
 *
 * Subscriptions travel asynchronously, so each test first "syncs": the PUB
 * sends numbered messages on a topic every subscriber also subscribed to
 * (last), until every subscriber got one; then each subscriber drains up to
 * the last number sent. Subscriptions from one SUB are processed in order,
 * so once the sync topic is active all earlier ones are too. */
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

/* See the file comment. Every sub in `subs` must be subscribed to `prefix`
 * (or to a prefix of it). */
static void sync_subs (void *pub, void **subs, int n, const char *prefix)
{
    int got[8] = {0};
    int seq = 0, remaining = n;
    char buf[256];
    int64_t deadline = test_now_ms () + 10000;
    TEST_ASSERT (n <= 8);
    while (remaining > 0) {
        TEST_ASSERT (test_now_ms () < deadline);
        snprintf (buf, sizeof buf, "%s#%d", prefix, seq++);
        send_str (pub, buf, 0);
        zmq_pollitem_t items[8];
        for (int i = 0; i < n; i++) {
            items[i].socket = subs[i];
            items[i].fd = 0;
            items[i].events = got[i] ? 0 : ZMQ_POLLIN;
            items[i].revents = 0;
        }
        TEST_ASSERT (zmq_poll (items, n, 20) >= 0);
        for (int i = 0; i < n; i++)
            if (!got[i] && (items[i].revents & ZMQ_POLLIN)) {
                got[i] = 1;
                remaining--;
            }
    }
    char last[256];
    snprintf (last, sizeof last, "%s#%d", prefix, seq - 1);
    for (int i = 0; i < n; i++) {
        for (;;) {
            size_t len = lh_recv_any (subs[i], buf, sizeof buf - 1, 0);
            buf[len] = 0;
            TEST_ASSERT (strncmp (buf, prefix, strlen (prefix)) == 0);
            if (strcmp (buf, last) == 0)
                break;
        }
    }
}

static void sync_one (void *pub, void *sub, const char *prefix)
{
    void *subs[1] = {sub};
    sync_subs (pub, subs, 1, prefix);
}

static void test_filtering (void *ctx, const char *tp)
{
    char ep[256];
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (sub, 5000);
    lh_bind (pub, tp, "ps-filter", ep, sizeof ep);
    TEST_OK (zmq_connect (sub, ep));
    subscribe (sub, "A");
    subscribe (sub, "BC");
    subscribe (sub, "X");
    subscribe (sub, "X"); /* counted twice */
    subscribe (sub, "S1");
    sync_one (pub, sub, "S1");

    send_str (pub, "A1", 0);
    send_str (pub, "B1", 0);
    send_str (pub, "BC1", 0);
    send_str (pub, "BCD", 0);
    send_str (pub, "C1", 0);
    send_str (pub, "a1", 0); /* case sensitive */
    lh_send_bin (pub, "", 0, 0);
    send_str (pub, "A", 0); /* exact topic matches its own prefix */
    send_str (pub, "X1", 0);
    send_str (pub, "A-multi", ZMQ_SNDMORE); /* only the first frame filters */
    send_str (pub, "zzz", 0);
    send_str (pub, "S1-fence", 0);
    lh_recv_s (sub, "A1", 0);
    lh_recv_s (sub, "BC1", 0);
    lh_recv_s (sub, "BCD", 0);
    lh_recv_s (sub, "A", 0);
    lh_recv_s (sub, "X1", 0);
    lh_recv_s (sub, "A-multi", 1);
    lh_recv_s (sub, "zzz", 0);
    lh_recv_s (sub, "S1-fence", 0);

    /* Unsubscribe "A" and one of the two "X"; then sync on a new topic so
     * the unsubscriptions have reached the PUB. */
    unsubscribe (sub, "A");
    unsubscribe (sub, "X");
    subscribe (sub, "S2");
    sync_one (pub, sub, "S2");
    send_str (pub, "A2", 0);
    send_str (pub, "BC2", 0);
    send_str (pub, "X2", 0); /* still subscribed once */
    send_str (pub, "S2-fence", 0);
    lh_recv_s (sub, "BC2", 0);
    lh_recv_s (sub, "X2", 0);
    lh_recv_s (sub, "S2-fence", 0);

    unsubscribe (sub, "X");
    subscribe (sub, "S3");
    sync_one (pub, sub, "S3");
    send_str (pub, "X3", 0);
    send_str (pub, "S3-fence", 0);
    lh_recv_s (sub, "S3-fence", 0);

    /* Wrong direction / wrong socket. */
    char tmp[8];
    TEST_ERRNO (ENOTSUP, zmq_send (sub, "x", 1, 0));
    TEST_ERRNO (ENOTSUP, zmq_recv (pub, tmp, sizeof tmp, ZMQ_DONTWAIT));
    TEST_ERRNO (EINVAL, zmq_setsockopt (pub, ZMQ_SUBSCRIBE, "A", 1));

    lh_close (sub);
    lh_close (pub);
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
    lh_bind (pub, tp, "ps-multi", ep, sizeof ep);
    subscribe (s1, "news");
    subscribe (s2, "weather");
    subscribe (s3, ""); /* everything */
    subscribe (s1, "SYNC");
    subscribe (s2, "SYNC");
    TEST_OK (zmq_connect (s1, ep));
    TEST_OK (zmq_connect (s2, ep));
    TEST_OK (zmq_connect (s3, ep));
    void *subs[3] = {s1, s2, s3};
    sync_subs (pub, subs, 3, "SYNC");

    send_str (pub, "news: a", 0);
    send_str (pub, "weather: b", 0);
    send_str (pub, "sports: c", 0);
    send_str (pub, "news: d", 0);
    send_str (pub, "SYNC-fence", 0);
    lh_recv_s (s1, "news: a", 0);
    lh_recv_s (s1, "news: d", 0);
    lh_recv_s (s1, "SYNC-fence", 0);
    lh_recv_s (s2, "weather: b", 0);
    lh_recv_s (s2, "SYNC-fence", 0);
    lh_recv_s (s3, "news: a", 0);
    lh_recv_s (s3, "weather: b", 0);
    lh_recv_s (s3, "sports: c", 0);
    lh_recv_s (s3, "news: d", 0);
    lh_recv_s (s3, "SYNC-fence", 0);

    /* Closing one subscriber does not disturb the others. */
    lh_close (s2);
    send_str (pub, "weather: e", 0);
    send_str (pub, "news: f", 0);
    lh_recv_s (s1, "news: f", 0);
    lh_recv_s (s3, "weather: e", 0);
    lh_recv_s (s3, "news: f", 0);

    lh_close (s1);
    lh_close (s3);
    lh_close (pub);
}

static void test_invert_matching (void *ctx, const char *tp)
{
    char ep[256];
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_rcvtimeo (sub, 5000);
    lh_set_int (pub, ZMQ_INVERT_MATCHING, 1);
    lh_set_int (sub, ZMQ_INVERT_MATCHING, 1);
    int v = -1;
    size_t sz = sizeof v;
    TEST_OK (zmq_getsockopt (sub, ZMQ_INVERT_MATCHING, &v, &sz));
    TEST_ASSERT_EQ_INT (1, v);
    lh_bind (pub, tp, "ps-invert", ep, sizeof ep);
    subscribe (sub, "B");
    TEST_OK (zmq_connect (sub, ep));
    /* With inverted matching the sub receives what does NOT match "B". */
    sync_one (pub, sub, "S");

    send_str (pub, "A1", 0);
    send_str (pub, "B1", 0);
    send_str (pub, "BB", 0);
    send_str (pub, "C1", 0);
    send_str (pub, "S-fence", 0);
    lh_recv_s (sub, "A1", 0);
    lh_recv_s (sub, "C1", 0);
    lh_recv_s (sub, "S-fence", 0);

    lh_close (sub);
    lh_close (pub);
}

/* PUB never blocks: without subscribers and with a subscriber that does
 * not read, every send succeeds at once; excess messages are dropped
 * (whole), and what arrives is in order. */
static void test_pub_never_blocks (void *ctx, const char *tp)
{
    char ep[256];
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    lh_set_int (pub, ZMQ_SNDHWM, 10);
    lh_set_int (sub, ZMQ_RCVHWM, 10);
    /* Fixed, small kernel buffers (no autotuning), so that what the
     * network can hold is far below what is sent. */
    lh_set_int (pub, ZMQ_SNDBUF, 65536);
    lh_set_int (sub, ZMQ_RCVBUF, 65536);
    set_rcvtimeo (sub, 5000);
    lh_bind (pub, tp, "ps-noblock", ep, sizeof ep);

    /* No subscriber at all. */
    for (int i = 0; i < 1000; i++)
        send_str (pub, "nobody", 0);

    subscribe (sub, "");
    TEST_OK (zmq_connect (sub, ep));
    sync_one (pub, sub, "S");

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
    while (lh_poll_in (sub, 500)) {
        char rbuf[2048];
        int n = zmq_recv (sub, rbuf, sizeof rbuf, 0);
        TEST_ASSERT_EQ_INT ((int) sizeof buf, n);
        int seq;
        memcpy (&seq, rbuf, sizeof seq);
        TEST_ASSERT (seq > prev && seq < N);
        prev = seq;
        lh_recv_s (sub, "two", 1);
        lh_recv_s (sub, "parts", 0);
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
    lh_recv_s (sub, "after", 0);

    lh_close (sub);
    lh_close (pub);
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
    lh_ipc_cleanup ();
    return 0;
}
