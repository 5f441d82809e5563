/* inproc:// transport.
 *
 * Checks: bind then connect, connect then bind (messages sent before the
 * bind are delivered, in order, whole), several connecting sockets, both
 * directions of "connect first", LAST_ENDPOINT, EADDRINUSE for a duplicate
 * bind, unbind (ENOENT afterwards, the name becomes free), disconnect, the
 * name space is per context, and EINVAL for an empty name. */
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

static void test_bind_then_connect (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    TEST_OK (zmq_bind (pull, "inproc://ip-first"));
    char last[256];
    size_t len = sizeof last;
    TEST_OK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, last, &len));
    TEST_ASSERT (strcmp (last, "inproc://ip-first") == 0);
    TEST_ASSERT_EQ_INT (strlen (last) + 1, len);

    /* Three connecting sockets. */
    void *p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = zmq_socket (ctx, ZMQ_PUSH);
        TEST_OK (zmq_connect (p[i], "inproc://ip-first"));
    }
    for (int i = 0; i < 3; i++) {
        char buf[16];
        snprintf (buf, sizeof buf, "from-%d", i);
        send_str (p[i], buf, 0);
    }
    int seen[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        char buf[16];
        size_t n = lh_recv_any (pull, buf, sizeof buf - 1, 0);
        buf[n] = 0;
        TEST_ASSERT (n == 6 && strncmp (buf, "from-", 5) == 0);
        int k = buf[5] - '0';
        TEST_ASSERT (k >= 0 && k < 3);
        seen[k]++;
    }
    TEST_ASSERT (seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    for (int i = 0; i < 3; i++)
        lh_close (p[i]);
    lh_close (pull);
}

static void test_connect_then_bind (void *ctx)
{
    /* PUSH connects first and queues. */
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, "inproc://ip-later"));
    for (int i = 0; i < 500; i++) {
        char buf[16];
        snprintf (buf, sizeof buf, "q%d", i);
        send_str (push, buf, 0);
    }
    send_str (push, "multi-1", ZMQ_SNDMORE);
    send_str (push, "multi-2", 0);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    TEST_OK (zmq_bind (pull, "inproc://ip-later"));
    for (int i = 0; i < 500; i++) {
        char buf[16];
        snprintf (buf, sizeof buf, "q%d", i);
        lh_recv_s (pull, buf, 0);
    }
    lh_recv_s (pull, "multi-1", 1);
    lh_recv_s (pull, "multi-2", 0);
    lh_close (push);
    lh_close (pull);

    /* The receiving side connects first; the sender binds later. */
    void *sub_pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (sub_pull, 5000);
    TEST_OK (zmq_connect (sub_pull, "inproc://ip-later-2"));
    void *bpush = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_bind (bpush, "inproc://ip-later-2"));
    send_str (bpush, "to the early connector", 0);
    lh_recv_s (sub_pull, "to the early connector", 0);
    lh_close (bpush);
    lh_close (sub_pull);

    /* Identities also travel when the connect came first. */
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "early", 5));
    TEST_OK (zmq_connect (dealer, "inproc://ip-later-3"));
    send_str (dealer, "hi", 0);
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (router, 5000);
    TEST_OK (zmq_bind (router, "inproc://ip-later-3"));
    lh_recv_s (router, "early", 1);
    lh_recv_s (router, "hi", 0);
    lh_close (dealer);
    lh_close (router);
}

static void test_bind_errors_and_unbind (void *ctx)
{
    void *a = zmq_socket (ctx, ZMQ_PULL);
    void *b = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (a, 5000);
    set_rcvtimeo (b, 5000);
    TEST_OK (zmq_bind (a, "inproc://ip-dup"));
    TEST_ERRNO (EADDRINUSE, zmq_bind (b, "inproc://ip-dup"));
    TEST_ERRNO (EADDRINUSE, zmq_bind (a, "inproc://ip-dup"));
    /* Empty names are invalid. */
    TEST_ERRNO (EINVAL, zmq_bind (b, "inproc://"));
    TEST_ERRNO (EINVAL, zmq_connect (b, "inproc://"));

    TEST_ERRNO (ENOENT, zmq_unbind (b, "inproc://ip-dup"));
    TEST_OK (zmq_unbind (a, "inproc://ip-dup"));
    TEST_ERRNO (ENOENT, zmq_unbind (a, "inproc://ip-dup"));
    /* The name is free again at once. */
    TEST_OK (zmq_bind (b, "inproc://ip-dup"));
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, "inproc://ip-dup"));
    send_str (push, "to b", 0);
    lh_recv_s (b, "to b", 0);
    TEST_ASSERT_EQ_INT (0, lh_poll_in (a, 0));
    lh_close (push);

    /* Closing the binder frees the name as well (asynchronously: the
     * socket is torn down by the context's reaper, so retry, bounded). */
    lh_close (b);
    int64_t deadline = test_now_ms () + 5000;
    while (zmq_bind (a, "inproc://ip-dup") != 0) {
        TEST_ASSERT_EQ_INT (EADDRINUSE, zmq_errno ());
        TEST_ASSERT (test_now_ms () < deadline);
        test_sleep_ms (5);
    }
    lh_close (a);
}

static void test_disconnect (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_rcvtimeo (pull, 5000);
    TEST_OK (zmq_bind (pull, "inproc://ip-disc"));
    TEST_OK (zmq_connect (push, "inproc://ip-disc"));
    send_str (push, "before", 0);
    lh_recv_s (pull, "before", 0);
    TEST_ERRNO (ENOENT, zmq_disconnect (push, "inproc://ip-other"));
    TEST_OK (zmq_disconnect (push, "inproc://ip-disc"));
    TEST_ERRNO (ENOENT, zmq_disconnect (push, "inproc://ip-disc"));
    /* No peer left. */
    TEST_ERRNO (EAGAIN, zmq_send (push, "x", 1, ZMQ_DONTWAIT));
    TEST_OK (zmq_connect (push, "inproc://ip-disc"));
    send_str (push, "after", 0);
    lh_recv_s (pull, "after", 0);
    lh_close (push);
    lh_close (pull);
}

/* inproc names are scoped to a context. */
static void test_per_context (void *ctx)
{
    void *ctx2 = zmq_ctx_new ();
    TEST_ASSERT (ctx2);
    void *a = zmq_socket (ctx, ZMQ_PULL);
    void *b = zmq_socket (ctx2, ZMQ_PULL);
    /* The same name can be bound in both contexts. */
    TEST_OK (zmq_bind (a, "inproc://ip-ctx"));
    TEST_OK (zmq_bind (b, "inproc://ip-ctx"));
    void *pa = zmq_socket (ctx, ZMQ_PUSH);
    void *pb = zmq_socket (ctx2, ZMQ_PUSH);
    TEST_OK (zmq_connect (pa, "inproc://ip-ctx"));
    TEST_OK (zmq_connect (pb, "inproc://ip-ctx"));
    set_rcvtimeo (a, 5000);
    set_rcvtimeo (b, 5000);
    send_str (pa, "ctx one", 0);
    send_str (pb, "ctx two", 0);
    lh_recv_s (a, "ctx one", 0);
    lh_recv_s (b, "ctx two", 0);
    TEST_ASSERT_EQ_INT (0, lh_poll_in (a, 50));
    TEST_ASSERT_EQ_INT (0, lh_poll_in (b, 0));
    lh_close (pa);
    lh_close (pb);
    lh_close (a);
    lh_close (b);
    TEST_OK (zmq_ctx_term (ctx2));
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    test_bind_then_connect (ctx);
    test_connect_then_bind (ctx);
    test_bind_errors_and_unbind (ctx);
    test_disconnect (ctx);
    test_per_context (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
