/* Reconnection of connecting sockets.
 *
 * Checks: a connecting PUSH keeps reconnecting (RECONNECT_IVL 50 ms) after
 * its server goes away and comes back on the same tcp port / ipc path,
 * repeatedly; messages queued while the server is down (after the
 * disconnect was noticed) are delivered after reconnection; the retry
 * intervals reported by ZMQ_EVENT_CONNECT_RETRIED grow exponentially up to
 * RECONNECT_IVL_MAX and stay near RECONNECT_IVL without it; a raw TCP
 * server that answers with junk does not stop the client from reaching a
 * real server later on the same endpoint.
 *
 * libzmq 4.3.4 (and 4.3.5, LIBZMQ-FACTS 1.8.3) never reconnects after a
 * ZMTP protocol error on the connecting side (session_base_t::engine_error
 * terminates the session). Junk that only makes the connection fail (text
 * that libzmq takes for a ZMTP 1.0 peer, then a close) is recovered from;
 * junk that is a protocol error (a valid signature with an unknown
 * mechanism) is not. The latter check is therefore asserted only for
 * Rampart (is_rampart()); against libzmq it runs and reports. */
#include "testutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

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

static int mon_seq;

/* Starts a monitor on `s` for `events`; returns the PAIR to read from. */
static void *start_monitor (void *ctx, void *s, int events)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://reconnect-mon-%d", mon_seq++);
    TEST_OK (zmq_socket_monitor (s, ep, events));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT (mon);
    TEST_OK (zmq_connect (mon, ep));
    return mon;
}

/* Reads one monitor event within `ms`; returns 0 on timeout. */
static int read_event (void *mon, int ms, uint16_t *event, uint32_t *value)
{
    if (!lh_poll_in (mon, ms))
        return 0;
    zmq_msg_t m;
    TEST_OK (zmq_msg_init (&m));
    TEST_ASSERT_EQ_INT (6, zmq_msg_recv (&m, mon, 0));
    TEST_ASSERT (zmq_msg_more (&m));
    memcpy (event, zmq_msg_data (&m), 2);
    memcpy (value, (char *) zmq_msg_data (&m) + 2, 4);
    TEST_ASSERT (zmq_msg_recv (&m, mon, 0) >= 0); /* endpoint frame */
    TEST_ASSERT (!zmq_msg_more (&m));
    TEST_OK (zmq_msg_close (&m));
    return 1;
}

/* Waits (bounded) for `wanted` on the monitor, skipping other events. */
static void wait_event (void *mon, uint16_t wanted)
{
    int64_t deadline = test_now_ms () + 5000;
    for (;;) {
        int left = (int) (deadline - test_now_ms ());
        TEST_ASSERT (left > 0);
        uint16_t ev;
        uint32_t val;
        if (read_event (mon, left, &ev, &val) && ev == wanted)
            return;
    }
}

static void stop_monitor (void *s, void *mon)
{
    TEST_OK (zmq_socket_monitor (s, NULL, 0));
    lh_close (mon);
}

/* A TCP port that was free a moment ago. */
static int lh_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    TEST_ASSERT (bind (fd, (struct sockaddr *) &a, sizeof a) == 0);
    socklen_t len = sizeof a;
    TEST_ASSERT (getsockname (fd, (struct sockaddr *) &a, &len) == 0);
    close (fd);
    return ntohs (a.sin_port);
}

/* Binds `s` to `ep`, retrying (bounded) while the old listener closes. */
static void bind_retry (void *s, const char *ep)
{
    int64_t deadline = test_now_ms () + 5000;
    while (zmq_bind (s, ep) != 0) {
        TEST_ASSERT_EQ_INT (EADDRINUSE, zmq_errno ());
        TEST_ASSERT (test_now_ms () < deadline);
        test_sleep_ms (10);
    }
}

/* Sends numbered pings from `push` (DONTWAIT, EAGAIN allowed) until `pull`
 * receives one or `ms` pass. Returns 1 if one arrived. */
static int pings_arrive (void *push, void *pull, int ms)
{
    int64_t deadline = test_now_ms () + ms;
    int i = 0;
    while (test_now_ms () < deadline) {
        char buf[32];
        snprintf (buf, sizeof buf, "ping-%d", i++);
        int rc = zmq_send (push, buf, strlen (buf), ZMQ_DONTWAIT);
        TEST_ASSERT (rc >= 0 || zmq_errno () == EAGAIN);
        if (lh_poll_in (pull, 50)) {
            char got[32];
            int n = zmq_recv (pull, got, sizeof got, 0);
            TEST_ASSERT (n > 5 && strncmp (got, "ping-", 5) == 0);
            return 1;
        }
    }
    return 0;
}

static void drain (void *s)
{
    char buf[64];
    while (lh_poll_in (s, 50))
        TEST_ASSERT (zmq_recv (s, buf, sizeof buf, 0) >= 0);
}

static void test_server_restart (void *ctx, const char *tp)
{
    char ep[256];
    void *server = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (server, 5000);
    lh_bind (server, tp, "rc-restart", ep, sizeof ep);

    void *client = zmq_socket (ctx, ZMQ_PUSH);
    lh_set_int (client, ZMQ_RECONNECT_IVL, 50);
    void *mon = start_monitor (ctx, client,
                               ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED);
    TEST_OK (zmq_connect (client, ep));
    send_str (client, "first", 0);
    lh_recv_s (server, "first", 0);

    for (int round = 0; round < 3; round++) {
        /* Server goes away; wait until the client noticed. */
        lh_close (server);
        wait_event (mon, ZMQ_EVENT_DISCONNECTED);
        /* Queued while down: the connect-side pipe outlives the
         * connection. */
        char msg[32];
        snprintf (msg, sizeof msg, "while-down-%d", round);
        send_str (client, msg, 0);

        server = zmq_socket (ctx, ZMQ_PULL);
        set_rcvtimeo (server, 5000);
        int64_t t0 = test_now_ms ();
        bind_retry (server, ep);
        lh_recv_s (server, msg, 0);
        /* RECONNECT_IVL is 50 ms (+ jitter); allow for a loaded host. */
        TEST_ASSERT (test_now_ms () - t0 < 4000);
        wait_event (mon, ZMQ_EVENT_CONNECTED);
        snprintf (msg, sizeof msg, "after-%d", round);
        send_str (client, msg, 0);
        lh_recv_s (server, msg, 0);
    }
    stop_monitor (client, mon);
    lh_close (client);
    lh_close (server);
}

static void collect_retries (void *ctx, int ivl, int ivl_max, int n,
                             uint32_t *values, int64_t *times)
{
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", lh_free_port ());
    void *client = zmq_socket (ctx, ZMQ_PUSH);
    lh_set_int (client, ZMQ_RECONNECT_IVL, ivl);
    lh_set_int (client, ZMQ_RECONNECT_IVL_MAX, ivl_max);
    int v = -1;
    size_t len = sizeof v;
    TEST_OK (zmq_getsockopt (client, ZMQ_RECONNECT_IVL_MAX, &v, &len));
    TEST_ASSERT_EQ_INT (ivl_max, v);
    void *mon = start_monitor (ctx, client, ZMQ_EVENT_CONNECT_RETRIED);
    TEST_OK (zmq_connect (client, ep));
    for (int i = 0; i < n; i++) {
        uint16_t ev;
        TEST_ASSERT (read_event (mon, 5000, &ev, &values[i]));
        TEST_ASSERT_EQ_INT (ZMQ_EVENT_CONNECT_RETRIED, ev);
        times[i] = test_now_ms ();
    }
    stop_monitor (client, mon);
    lh_close (client);
}

static void test_backoff (void *ctx)
{
    /* Exponential: the k-th retry waits base_k = min(ivl * 2^k, max),
     * plus (libzmq 4.3.4) a random jitter below ivl; 4.3.5 drops the
     * jitter when IVL_MAX is set. Accept [base_k, base_k + ivl). */
    const int ivl = 50, max = 400, n = 7;
    uint32_t val[7];
    int64_t t[7];
    collect_retries (ctx, ivl, max, n, val, t);
    int base = ivl;
    for (int i = 0; i < n; i++) {
        if ((int) val[i] < base || (int) val[i] >= base + ivl)
            TEST_FAIL ("retry %d: interval %u outside [%d, %d)", i, val[i],
                       base, base + ivl);
        /* The next attempt really waits that long (timers never fire
         * early; a few ms of rounding allowed). */
        if (i > 0)
            TEST_ASSERT (t[i] - t[i - 1] >= (int64_t) val[i - 1] - 5);
        base = base * 2 > max ? max : base * 2;
    }

    /* Without IVL_MAX the interval stays at ivl (+ jitter below ivl). */
    collect_retries (ctx, ivl, 0, 5, val, t);
    for (int i = 0; i < 5; i++) {
        if ((int) val[i] < ivl || (int) val[i] >= 2 * ivl)
            TEST_FAIL ("retry %d: interval %u outside [%d, %d)", i, val[i],
                       ivl, 2 * ivl);
        if (i > 0)
            TEST_ASSERT (t[i] - t[i - 1] >= (int64_t) val[i - 1] - 5);
    }
}

/* A raw TCP server on a fresh port that accepts one connection, writes
 * `junk`, then closes everything. Returns the port. */
static int junk_server_start (int *lfd_out)
{
    int lfd = socket (AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT (lfd >= 0);
    int one = 1;
    TEST_ASSERT (setsockopt (lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
                 == 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    TEST_ASSERT (bind (lfd, (struct sockaddr *) &a, sizeof a) == 0);
    TEST_ASSERT (listen (lfd, 4) == 0);
    socklen_t len = sizeof a;
    TEST_ASSERT (getsockname (lfd, (struct sockaddr *) &a, &len) == 0);
    *lfd_out = lfd;
    return ntohs (a.sin_port);
}

/* Returns 1 if the client reached the real server afterwards. */
static int run_junk_case (void *ctx, const void *junk, size_t junk_len)
{
    int lfd;
    int port = junk_server_start (&lfd);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    void *client = zmq_socket (ctx, ZMQ_PUSH);
    lh_set_int (client, ZMQ_RECONNECT_IVL, 50);
    void *mon = start_monitor (ctx, client, ZMQ_EVENT_DISCONNECTED);
    TEST_OK (zmq_connect (client, ep));
    int cfd = accept (lfd, NULL, NULL);
    TEST_ASSERT (cfd >= 0);
    ssize_t w = send (cfd, junk, junk_len, MSG_NOSIGNAL);
    TEST_ASSERT (w == (ssize_t) junk_len);
    /* Close our end too; then wait until the client has dropped this
     * connection, whichever side noticed first. */
    close (cfd);
    close (lfd);
    wait_event (mon, ZMQ_EVENT_DISCONNECTED);

    void *server = zmq_socket (ctx, ZMQ_PULL);
    bind_retry (server, ep);
    int ok = pings_arrive (client, server, 3000);
    drain (server);
    stop_monitor (client, mon);
    lh_close (client);
    lh_close (server);
    return ok;
}

static void test_garbage_server (void *ctx)
{
    /* 1. Text junk: libzmq takes it for a ZMTP 1.0 peer, then sees the
     *    connection close, and reconnects. */
    const char *http = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    TEST_ASSERT (run_junk_case (ctx, http, strlen (http)));

    /* 2. A ZMTP greeting with an unknown mechanism: a protocol error. */
    unsigned char greeting[64];
    memset (greeting, 0, sizeof greeting);
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    greeting[11] = 1;
    memcpy (greeting + 12, "JUNK", 4);
    int ok = run_junk_case (ctx, greeting, sizeof greeting);
    /* 3. Pure 0xff bytes: also a protocol error (mechanism mismatch). */
    unsigned char ffs[64];
    memset (ffs, 0xff, sizeof ffs);
    int ok2 = run_junk_case (ctx, ffs, sizeof ffs);
    if (is_rampart ()) {
        TEST_ASSERT (ok);
        TEST_ASSERT (ok2);
    } else {
        fprintf (stderr,
                 "note: libzmq %s reconnect after a protocol error "
                 "(mechanism JUNK: %s, 0xff junk: %s); not asserted\n",
                 ok && ok2 ? "did" : "did not", ok ? "yes" : "no",
                 ok2 ? "yes" : "no");
    }
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    test_server_restart (ctx, "tcp");
    test_server_restart (ctx, "ipc");
    test_backoff (ctx);
    test_garbage_server (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    lh_ipc_cleanup ();
    return 0;
}
