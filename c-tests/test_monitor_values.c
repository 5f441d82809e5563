/* Monitor events' values and addresses as libzmq reports them:
 * - a socket closing with a listener reports CLOSED (the listener's fd,
 *   the bound endpoint) before MONITOR_STOPPED;
 * - BIND_FAILED carries the errno and the address without its transport;
 * - an ipc connect that fails at once reports its socket CLOSED, then
 *   CONNECT_RETRIED;
 * - in a NULL handshake: a peer that just closes is NO_DETAIL with EPIPE
 *   (or ECONNRESET when our greeting hit the closed socket); an unknown
 *   command is PROTOCOL with ZMTP_UNEXPECTED_COMMAND; a wrong Socket-Type
 *   or an unreadable READY end with DISCONNECTED alone. */
#include "testutil.h"
#include "rawzmtp.h"

/* Next event within 3 s: 1 with its number, value and endpoint, 0 if none. */
static int next_event (void *m, int *ev, uint32_t *value, char *ep, size_t cap)
{
    unsigned char head[6];
    int n = zmq_recv (m, head, sizeof head, 0);
    if (n == -1)
        return 0;
    TEST_ASSERT_EQ_INT (6, n);
    n = zmq_recv (m, ep, cap - 1, 0);
    TEST_ASSERT (n >= 0);
    ep[n < (int) cap - 1 ? n : (int) cap - 1] = 0;
    uint16_t e;
    memcpy (&e, head, 2);
    memcpy (value, head + 2, 4);
    *ev = e;
    return 1;
}

#define expect_event(m, want, value, ep, cap)                                  \
    expect_event_at (__LINE__, m, want, value, ep, cap)
static void expect_event_at (int line, void *m, int want, uint32_t *value,
                             char *ep, size_t cap)
{
    int ev;
    if (!next_event (m, &ev, value, ep, cap))
        TEST_FAIL ("line %d: no event, wanted 0x%x", line, want);
    if (ev != want)
        TEST_FAIL ("line %d: event 0x%x (value %u, %s), wanted 0x%x", line, ev,
                   *value, ep, want);
}

static void *monitored (void *ctx, int type, const char *name, void **mon)
{
    void *s = zmq_socket (ctx, type);
    set_int (s, ZMQ_LINGER, 0);
    TEST_OK (zmq_socket_monitor (s, name, ZMQ_EVENT_ALL));
    *mon = zmq_socket (ctx, ZMQ_PAIR);
    TEST_OK (zmq_connect (*mon, name));
    set_rcvtimeo (*mon, 3000);
    return s;
}

static void test_close_reports_listener (void *ctx)
{
    void *mon;
    void *server = monitored (ctx, ZMQ_DEALER, "inproc://mv-close", &mon);
    char ep[256], got[256];
    bind_ephemeral (server, "tcp://127.0.0.1:*", ep, sizeof ep);
    uint32_t listener_fd, v;
    expect_event (mon, ZMQ_EVENT_LISTENING, &listener_fd, got, sizeof got);
    TEST_ASSERT (strcmp (got, ep) == 0);

    void *client = zmq_socket (ctx, ZMQ_DEALER);
    set_int (client, ZMQ_LINGER, 0);
    TEST_OK (zmq_connect (client, ep));
    send_str (client, "x", 0);
    set_rcvtimeo (server, 5000);
    recv_str (server, "x");
    expect_event (mon, ZMQ_EVENT_ACCEPTED, &v, got, sizeof got);
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &v, got, sizeof got);
    TEST_OK (zmq_close (server));
    expect_event (mon, ZMQ_EVENT_CLOSED, &v, got, sizeof got);
    TEST_ASSERT_EQ_INT (listener_fd, v);
    TEST_ASSERT (strcmp (got, ep) == 0);
    expect_event (mon, ZMQ_EVENT_MONITOR_STOPPED, &v, got, sizeof got);
    close_zero (mon);
    close_zero (client);
}

static void test_bind_failed (void *ctx)
{
    void *holder = zmq_socket (ctx, ZMQ_DEALER);
    set_int (holder, ZMQ_LINGER, 0);
    char ep[256], got[256];
    bind_ephemeral (holder, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *mon;
    void *s = monitored (ctx, ZMQ_DEALER, "inproc://mv-bind", &mon);
    TEST_ERRNO (EADDRINUSE, zmq_bind (s, ep));
    /* libzmq first reports the socket it opened as CLOSED. */
    int ev;
    uint32_t v;
    do {
        TEST_ASSERT (next_event (mon, &ev, &v, got, sizeof got));
    } while (ev == ZMQ_EVENT_CLOSED);
    TEST_ASSERT_EQ_INT (ZMQ_EVENT_BIND_FAILED, ev);
    TEST_ASSERT_EQ_INT (EADDRINUSE, v);
    TEST_ASSERT (strcmp (got, ep + strlen ("tcp://")) == 0);
    close_zero (s);
    close_zero (mon);
    close_zero (holder);
}

static void test_ipc_connect_fails (void *ctx)
{
    char ep[256], got[256];
    make_ipc_endpoint (ep, sizeof ep, "mv-missing");
    void *mon;
    void *s = monitored (ctx, ZMQ_DEALER, "inproc://mv-ipc", &mon);
    set_int (s, ZMQ_RECONNECT_IVL, 100);
    TEST_OK (zmq_connect (s, ep));
    uint32_t v;
    expect_event (mon, ZMQ_EVENT_CLOSED, &v, got, sizeof got);
    TEST_ASSERT (strcmp (got, ep) == 0);
    expect_event (mon, ZMQ_EVENT_CONNECT_RETRIED, &v, got, sizeof got);
    TEST_ASSERT (v >= 100 && v < 1000);
    TEST_ASSERT (strcmp (got, ep) == 0);
    close_zero (s);
    close_zero (mon);
}

/* A raw peer connects, sends `bytes` (if any) and closes. */
static void raw_peer (const char *ep, const void *bytes, size_t n)
{
    int fd = rz_connect (ep);
    TEST_ASSERT (fd >= 0);
    if (n)
        TEST_ASSERT_EQ_INT (0, rz_send_all (fd, bytes, n));
    test_sleep_ms (100);
    close (fd);
}

static void test_handshake_failures (void *ctx)
{
    void *mon;
    void *server = monitored (ctx, ZMQ_DEALER, "inproc://mv-hs", &mon);
    char ep[256], got[256];
    bind_ephemeral (server, "tcp://127.0.0.1:*", ep, sizeof ep);
    uint32_t v;
    expect_event (mon, ZMQ_EVENT_LISTENING, &v, got, sizeof got);

    /* The peer closes before saying anything. */
    raw_peer (ep, NULL, 0);
    expect_event (mon, ZMQ_EVENT_ACCEPTED, &v, got, sizeof got);
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, &v, got, sizeof got);
    TEST_ASSERT (v == EPIPE || v == ECONNRESET);
    TEST_ASSERT (strcmp (got, ep) == 0);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED, &v, got, sizeof got);

    unsigned char wire[256];
    unsigned char greeting[64];
    rz_make_greeting (greeting, 0);

    /* An unknown command where READY belongs. */
    memcpy (wire, greeting, 64);
    memcpy (wire + 64, "\x04\x06\x05" "HELLO", 8);
    raw_peer (ep, wire, 72);
    expect_event (mon, ZMQ_EVENT_ACCEPTED, &v, got, sizeof got);
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, &v, got, sizeof got);
    TEST_ASSERT_EQ_INT (ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND, v);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED, &v, got, sizeof got);

    /* A SUB may not talk to a DEALER: no HANDSHAKE_FAILED event. */
    memcpy (wire, greeting, 64);
    memcpy (wire + 64, "\x04\x1a\x05READY\x0bSocket-Type\0\0\0\x03SUB", 28);
    raw_peer (ep, wire, 92);
    expect_event (mon, ZMQ_EVENT_ACCEPTED, &v, got, sizeof got);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED, &v, got, sizeof got);

    /* A READY whose property runs past its end: the same. */
    memcpy (wire, greeting, 64);
    memcpy (wire + 64, "\x04\x0a\x05READY\x0bSoc", 12);
    raw_peer (ep, wire, 76);
    expect_event (mon, ZMQ_EVENT_ACCEPTED, &v, got, sizeof got);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED, &v, got, sizeof got);

    close_zero (server);
    expect_event (mon, ZMQ_EVENT_CLOSED, &v, got, sizeof got);
    expect_event (mon, ZMQ_EVENT_MONITOR_STOPPED, &v, got, sizeof got);
    close_zero (mon);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    test_close_reports_listener (ctx);
    test_bind_failed (ctx);
    test_ipc_connect_fails (ctx);
    test_handshake_failures (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
