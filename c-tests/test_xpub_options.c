/* XPUB socket options: ZMQ_XPUB_VERBOSE, ZMQ_XPUB_VERBOSER, ZMQ_XPUB_NODROP,
 * ZMQ_XPUB_MANUAL, ZMQ_XPUB_WELCOME_MSG, ZMQ_INVERT_MATCHING, and
 * ZMQ_SUBSCRIBE/ZMQ_UNSUBSCRIBE on an XPUB.
 *
 * Checks: the int options accept 0/1 (libzmq: any value >= 0), reject
 * negative values and wrong sizes with EINVAL, and are write-only (EINVAL
 * from zmq_getsockopt); WELCOME_MSG takes any binary value including empty
 * and is write-only; INVERT_MATCHING is readable and round-trips;
 * SUBSCRIBE on an XPUB is EINVAL unless XPUB_MANUAL is set; XPUB options
 * are EINVAL on SUB/XSUB/PULL; VERBOSE can be switched at run time. */
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

static void check_int_write_only (void *s, int opt, const char *name)
{
    int v;
    int good[] = {0, 1, 2, 1, 0};
    for (int i = 0; i < 5; i++) {
        v = good[i];
        if (zmq_setsockopt (s, opt, &v, sizeof v) != 0)
            TEST_FAIL ("%s=%d rejected: errno %d", name, v, zmq_errno ());
    }
    v = -1;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, &v, sizeof v));
    int64_t big = 1;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, &big, sizeof big));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, &v, 2));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, &v, 0));
    size_t len = sizeof v;
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, opt, &v, &len));
}

static void test_int_options (void *ctx)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    check_int_write_only (xpub, ZMQ_XPUB_VERBOSE, "XPUB_VERBOSE");
    check_int_write_only (xpub, ZMQ_XPUB_VERBOSER, "XPUB_VERBOSER");
    check_int_write_only (xpub, ZMQ_XPUB_NODROP, "XPUB_NODROP");
    check_int_write_only (xpub, ZMQ_XPUB_MANUAL, "XPUB_MANUAL");
    lh_close (xpub);

    /* zmq_setsockopt(3) lists PUB for XPUB_NODROP too. */
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    check_int_write_only (pub, ZMQ_XPUB_NODROP, "XPUB_NODROP on PUB");
    lh_close (pub);

    /* Not XPUB options on other types. */
    int one = 1;
    int others[] = {ZMQ_SUB, ZMQ_XSUB, ZMQ_PULL, ZMQ_DEALER};
    for (int i = 0; i < 4; i++) {
        void *s = zmq_socket (ctx, others[i]);
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_XPUB_VERBOSE, &one,
                                            sizeof one));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_XPUB_VERBOSER, &one,
                                            sizeof one));
        TEST_ERRNO (EINVAL,
                    zmq_setsockopt (s, ZMQ_XPUB_NODROP, &one, sizeof one));
        TEST_ERRNO (EINVAL,
                    zmq_setsockopt (s, ZMQ_XPUB_MANUAL, &one, sizeof one));
        TEST_ERRNO (EINVAL,
                    zmq_setsockopt (s, ZMQ_XPUB_WELCOME_MSG, "w", 1));
        lh_close (s);
    }
}

static void test_welcome_and_subscribe (void *ctx)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    char big[300];
    memset (big, 'w', sizeof big);
    TEST_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, "hi", 2));
    TEST_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, big, sizeof big));
    TEST_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, "\0\1\2", 3));
    TEST_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, NULL, 0));
    char buf[400];
    size_t len = sizeof buf;
    TEST_ERRNO (EINVAL,
                zmq_getsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, buf, &len));

    /* SUBSCRIBE / UNSUBSCRIBE on an XPUB need XPUB_MANUAL. */
    TEST_ERRNO (EINVAL, zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "a", 1));
    TEST_ERRNO (EINVAL, zmq_setsockopt (xpub, ZMQ_UNSUBSCRIBE, "a", 1));
    lh_set_int (xpub, ZMQ_XPUB_MANUAL, 1);
    TEST_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "a", 1));
    TEST_OK (zmq_setsockopt (xpub, ZMQ_UNSUBSCRIBE, "a", 1));
    TEST_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "", 0));
    len = sizeof buf;
    TEST_ERRNO (EINVAL, zmq_getsockopt (xpub, ZMQ_SUBSCRIBE, buf, &len));
    lh_close (xpub);

    /* SUB: SUBSCRIBE/UNSUBSCRIBE are write-only too. */
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    TEST_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "x", 1));
    TEST_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "x", 1));
    len = sizeof buf;
    TEST_ERRNO (EINVAL, zmq_getsockopt (sub, ZMQ_SUBSCRIBE, buf, &len));
    len = sizeof buf;
    TEST_ERRNO (EINVAL, zmq_getsockopt (sub, ZMQ_UNSUBSCRIBE, buf, &len));
    lh_close (sub);
}

static void test_invert_matching (void *ctx)
{
    int types[] = {ZMQ_XPUB, ZMQ_PUB, ZMQ_SUB};
    for (int t = 0; t < 3; t++) {
        void *s = zmq_socket (ctx, types[t]);
        int v = -1;
        size_t len = sizeof v;
        TEST_OK (zmq_getsockopt (s, ZMQ_INVERT_MATCHING, &v, &len));
        TEST_ASSERT_EQ_INT (sizeof v, len);
        TEST_ASSERT_EQ_INT (0, v);
        lh_set_int (s, ZMQ_INVERT_MATCHING, 1);
        len = sizeof v;
        TEST_OK (zmq_getsockopt (s, ZMQ_INVERT_MATCHING, &v, &len));
        TEST_ASSERT_EQ_INT (1, v);
        lh_set_int (s, ZMQ_INVERT_MATCHING, 0);
        len = sizeof v;
        TEST_OK (zmq_getsockopt (s, ZMQ_INVERT_MATCHING, &v, &len));
        TEST_ASSERT_EQ_INT (0, v);
        v = 1;
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_INVERT_MATCHING, &v, 2));
        len = 2;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_INVERT_MATCHING, &v, &len));
        lh_close (s);
    }
}

/* XPUB_VERBOSE can be switched on and off while peers are connected. */
static void test_verbose_runtime (void *ctx)
{
    char ep[256];
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    set_rcvtimeo (xpub, 5000);
    bind_ephemeral (xpub, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *s1 = zmq_socket (ctx, ZMQ_SUB);
    void *s2 = zmq_socket (ctx, ZMQ_SUB);
    TEST_OK (zmq_connect (s1, ep));
    TEST_OK (zmq_connect (s2, ep));

    TEST_OK (zmq_setsockopt (s1, ZMQ_SUBSCRIBE, "A", 1));
    lh_recv_frame (xpub, "\1A", 2, 0);
    TEST_OK (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "A", 1));
    TEST_OK (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "F1", 2));
    lh_recv_frame (xpub, "\1F1", 3, 0); /* duplicate "A" folded */

    lh_set_int (xpub, ZMQ_XPUB_VERBOSE, 1);
    TEST_OK (zmq_setsockopt (s1, ZMQ_SUBSCRIBE, "F1", 2));
    lh_recv_frame (xpub, "\1F1", 3, 0); /* now passed on */

    lh_set_int (xpub, ZMQ_XPUB_VERBOSE, 0);
    TEST_OK (zmq_setsockopt (s1, ZMQ_SUBSCRIBE, "B", 1));
    lh_recv_frame (xpub, "\1B", 2, 0);
    TEST_OK (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "B", 1));
    TEST_OK (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "F2", 2));
    lh_recv_frame (xpub, "\1F2", 3, 0); /* folded again */

    lh_close (s1);
    lh_close (s2);
    lh_close (xpub);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    test_int_options (ctx);
    test_welcome_and_subscribe (ctx);
    test_invert_matching (ctx);
    test_verbose_runtime (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
