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
#include "rawzmtp.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

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
    if (!poll_in (mon, ms))
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
    close_zero (mon);
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
        if (poll_in (pull, 50)) {
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
    while (poll_in (s, 50))
        TEST_ASSERT (zmq_recv (s, buf, sizeof buf, 0) >= 0);
}

static void test_server_restart (void *ctx, const char *tp)
{
    char ep[256];
    void *server = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (server, 5000);
    bind_transport (server, tp, "rc-restart", ep, sizeof ep);

    void *client = zmq_socket (ctx, ZMQ_PUSH);
    set_int (client, ZMQ_RECONNECT_IVL, 50);
    void *mon = start_monitor (ctx, client,
                               ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED);
    TEST_OK (zmq_connect (client, ep));
    send_str (client, "first", 0);
    recv_s (server, "first", 0);

    for (int round = 0; round < 3; round++) {
        /* Server goes away; wait until the client noticed. */
        close_zero (server);
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
        recv_s (server, msg, 0);
        /* RECONNECT_IVL is 50 ms (+ jitter); allow for a loaded host. */
        TEST_ASSERT (test_now_ms () - t0 < 4000);
        wait_event (mon, ZMQ_EVENT_CONNECTED);
        snprintf (msg, sizeof msg, "after-%d", round);
        send_str (client, msg, 0);
        recv_s (server, msg, 0);
    }
    stop_monitor (client, mon);
    close_zero (client);
    close_zero (server);
}

static void collect_retries (void *ctx, int ivl, int ivl_max, int n,
                             uint32_t *values, int64_t *times)
{
    char ep[64];
    int port = rz_free_port ();
    TEST_ASSERT (port > 0);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    void *client = zmq_socket (ctx, ZMQ_PUSH);
    set_int (client, ZMQ_RECONNECT_IVL, ivl);
    set_int (client, ZMQ_RECONNECT_IVL_MAX, ivl_max);
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
    close_zero (client);
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
    rz_loopback_addr (&a, 0);
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
    set_int (client, ZMQ_RECONNECT_IVL, 50);
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
    close_zero (client);
    close_zero (server);
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
    ipc_cleanup ();
    return 0;
}
