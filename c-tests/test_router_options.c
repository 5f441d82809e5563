/* ROUTER-family socket options: ZMQ_ROUTER_MANDATORY, ZMQ_ROUTER_HANDOVER,
 * ZMQ_PROBE_ROUTER, ZMQ_CONNECT_ROUTING_ID and ZMQ_ROUTING_ID.
 *
 * Checks: the write-only options accept 0/1 (libzmq: any value >= 0), reject
 * negative values and wrong sizes with EINVAL, and are EINVAL for
 * zmq_getsockopt; they are EINVAL on socket types they do not apply to;
 * ROUTING_ID round-trips through getsockopt and is limited to 1..255 bytes;
 * CONNECT_ROUTING_ID rejects an empty value and applies to the next connect
 * only; ROUTER_MANDATORY controls POLLOUT as zmq_setsockopt(3) describes and
 * can be toggled at run time. */
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
    /* Write-only. */
    size_t len = sizeof v;
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, opt, &v, &len));
}

static void test_router_int_options (void *ctx)
{
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    check_int_write_only (router, ZMQ_ROUTER_MANDATORY, "ROUTER_MANDATORY");
    check_int_write_only (router, ZMQ_ROUTER_HANDOVER, "ROUTER_HANDOVER");
    check_int_write_only (router, ZMQ_PROBE_ROUTER, "PROBE_ROUTER");
    lh_close (router);

    /* PROBE_ROUTER also applies to DEALER and REQ. */
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    check_int_write_only (dealer, ZMQ_PROBE_ROUTER, "PROBE_ROUTER");
    void *req = zmq_socket (ctx, ZMQ_REQ);
    check_int_write_only (req, ZMQ_PROBE_ROUTER, "PROBE_ROUTER");

    /* Not applicable elsewhere. */
    int one = 1;
    TEST_ERRNO (EINVAL, zmq_setsockopt (dealer, ZMQ_ROUTER_MANDATORY, &one,
                                        sizeof one));
    TEST_ERRNO (EINVAL, zmq_setsockopt (dealer, ZMQ_ROUTER_HANDOVER, &one,
                                        sizeof one));
    TEST_ERRNO (EINVAL,
                zmq_setsockopt (dealer, ZMQ_CONNECT_ROUTING_ID, "ab", 2));
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_ERRNO (EINVAL,
                zmq_setsockopt (pull, ZMQ_PROBE_ROUTER, &one, sizeof one));
    TEST_ERRNO (EINVAL, zmq_setsockopt (pull, ZMQ_ROUTER_MANDATORY, &one,
                                        sizeof one));
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    TEST_ERRNO (EINVAL, zmq_setsockopt (pub, ZMQ_ROUTER_HANDOVER, &one,
                                        sizeof one));
    lh_close (pub);
    lh_close (pull);
    lh_close (req);
    lh_close (dealer);
}

static void test_routing_id (void *ctx)
{
    int types[] = {ZMQ_ROUTER, ZMQ_DEALER, ZMQ_REQ, ZMQ_REP};
    for (int t = 0; t < 4; t++) {
        void *s = zmq_socket (ctx, types[t]);
        unsigned char buf[300];
        size_t len = sizeof buf;
        /* Default: empty. */
        TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
        TEST_ASSERT_EQ_INT (0, len);

        TEST_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "abc", 3));
        len = sizeof buf;
        TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
        TEST_ASSERT_EQ_INT (3, len);
        TEST_ASSERT (memcmp (buf, "abc", 3) == 0);
        /* The deprecated ZMQ_IDENTITY is the same option. */
        TEST_ASSERT_EQ_INT (ZMQ_ROUTING_ID, ZMQ_IDENTITY);

        /* 255 bytes is the maximum; binary content is fine. */
        unsigned char id[256];
        for (int i = 0; i < 256; i++)
            id[i] = (unsigned char) (i + 1);
        TEST_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 255));
        len = sizeof buf;
        TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
        TEST_ASSERT_EQ_INT (255, len);
        TEST_ASSERT (memcmp (buf, id, 255) == 0);
        /* Too small a buffer: EINVAL. */
        len = 10;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));

        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 256));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 0));
        /* A rejected value leaves the old one. */
        len = sizeof buf;
        TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
        TEST_ASSERT_EQ_INT (255, len);
        lh_close (s);
    }
}

static void test_connect_routing_id (void *ctx)
{
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    TEST_ERRNO (EINVAL, zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, "", 0));
    TEST_OK (zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, "a", 1));
    unsigned char id[255];
    memset (id, 'x', sizeof id);
    TEST_OK (zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, id, 255));
    char buf[300];
    size_t len = sizeof buf;
    TEST_ERRNO (EINVAL,
                zmq_getsockopt (router, ZMQ_CONNECT_ROUTING_ID, buf, &len));
    lh_close (router);

    /* The name applies to the next zmq_connect only. */
    char ep1[256], ep2[256];
    void *srv1 = zmq_socket (ctx, ZMQ_ROUTER);
    void *srv2 = zmq_socket (ctx, ZMQ_ROUTER);
    TEST_OK (zmq_setsockopt (srv2, ZMQ_ROUTING_ID, "srv2-own", 8));
    set_rcvtimeo (srv1, 5000);
    set_rcvtimeo (srv2, 5000);
    bind_ephemeral (srv1, "tcp://127.0.0.1:*", ep1, sizeof ep1);
    bind_ephemeral (srv2, "tcp://127.0.0.1:*", ep2, sizeof ep2);
    void *cli = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (cli, 5000);
    lh_set_int (cli, ZMQ_ROUTER_MANDATORY, 1);
    TEST_OK (zmq_setsockopt (cli, ZMQ_ROUTING_ID, "cli", 3));
    TEST_OK (zmq_setsockopt (cli, ZMQ_CONNECT_ROUTING_ID, "named", 5));
    TEST_OK (zmq_connect (cli, ep1));
    TEST_OK (zmq_connect (cli, ep2));
    /* srv2's connection is known by srv2's own ROUTING_ID, learned in the
     * handshake: wait (bounded) until it is routable. */
    int64_t deadline = test_now_ms () + 5000;
    while (zmq_send (cli, "srv2-own", 8, ZMQ_SNDMORE) == -1) {
        TEST_ASSERT_EQ_INT (EHOSTUNREACH, zmq_errno ());
        TEST_ASSERT (test_now_ms () < deadline);
        test_sleep_ms (5);
    }
    send_str (cli, "to srv2", 0);
    lh_recv_s (srv2, "cli", 1);
    lh_recv_s (srv2, "to srv2", 0);
    lh_send_bin (cli, "named", 5, ZMQ_SNDMORE);
    send_str (cli, "to srv1", 0);
    lh_recv_s (srv1, "cli", 1);
    lh_recv_s (srv1, "to srv1", 0);
    TEST_ASSERT_EQ_INT (0, lh_poll_in (srv2, 50));
    lh_close (cli);
    lh_close (srv1);
    lh_close (srv2);
}

static int pollout (void *s)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLOUT, 0};
    TEST_ASSERT (zmq_poll (&it, 1, 0) >= 0);
    return (it.revents & ZMQ_POLLOUT) ? 1 : 0;
}

static void test_mandatory_runtime (void *ctx)
{
    char ep[256];
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (router, 5000);
    bind_ephemeral (router, "tcp://127.0.0.1:*", ep, sizeof ep);
    /* zmq_setsockopt(3): without MANDATORY a ROUTER is always writable;
     * with it, only when some peer can take a message. */
    TEST_ASSERT_EQ_INT (1, pollout (router));
    lh_set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    TEST_ASSERT_EQ_INT (0, pollout (router));
    TEST_ERRNO (EHOSTUNREACH, zmq_send (router, "ghost", 5, ZMQ_SNDMORE));

    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_rcvtimeo (dealer, 5000);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "peer", 4));
    TEST_OK (zmq_connect (dealer, ep));
    send_str (dealer, "hi", 0);
    lh_recv_s (router, "peer", 1);
    lh_recv_s (router, "hi", 0);
    TEST_ASSERT_EQ_INT (1, pollout (router));

    /* Toggle off: unknown ids are dropped silently again. */
    lh_set_int (router, ZMQ_ROUTER_MANDATORY, 0);
    lh_send_bin (router, "ghost", 5, ZMQ_SNDMORE);
    send_str (router, "dropped", 0);
    lh_send_bin (router, "peer", 4, ZMQ_SNDMORE);
    send_str (router, "delivered", 0);
    lh_recv_s (dealer, "delivered", 0);
    /* And on again. */
    lh_set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    TEST_ERRNO (EHOSTUNREACH, zmq_send (router, "ghost", 5, ZMQ_SNDMORE));
    lh_close (dealer);
    lh_close (router);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    test_router_int_options (ctx);
    test_routing_id (ctx);
    test_connect_routing_id (ctx);
    test_mandatory_runtime (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
