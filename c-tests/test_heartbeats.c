/* ZMTP heartbeats (RFC 37) with libzmq's semantics, seen from a raw peer:
 * - HEARTBEAT_IVL: the socket sends PING every interval, its TTL field the
 *   HEARTBEAT_TTL in deciseconds;
 * - HEARTBEAT_TIMEOUT: a peer that sends nothing for that long after a PING
 *   is disconnected; one that answers PONG stays;
 * - a PING from the peer gets a PONG echoing its context, and its TTL makes
 *   the socket drop the peer when nothing more arrives within it, even with
 *   heartbeats off on the socket.
 * Runs on libzmq and Rampart. */
#include "testutil.h"
#include "rawzmtp.h"

/* Reads frames until a command named `name` arrives; returns its body
 * length (body in buf) or -1 on timeout. */
static int64_t recv_command (int fd, const char *name, unsigned char *buf,
                             size_t cap, int timeout_ms)
{
    int64_t deadline = test_now_ms () + timeout_ms;
    size_t nlen = strlen (name);
    while (test_now_ms () < deadline) {
        unsigned flags = 0;
        int64_t n = rz_recv_frame (fd, &flags, buf, cap,
                                   (int) (deadline - test_now_ms ()));
        if (n < 0)
            return -1;
        if ((flags & RZ_FLAG_COMMAND) && n >= (int64_t) nlen + 1
            && buf[0] == nlen && memcmp (buf + 1, name, nlen) == 0)
            return n;
    }
    return -1;
}

static int send_ping (int fd, unsigned ttl_ds, const char *context)
{
    unsigned char body[32];
    size_t n = 0;
    body[n++] = 4;
    memcpy (body + n, "PING", 4);
    n += 4;
    body[n++] = (unsigned char) (ttl_ds >> 8);
    body[n++] = (unsigned char) ttl_ds;
    memcpy (body + n, context, strlen (context));
    n += strlen (context);
    return rz_send_frame (fd, RZ_FLAG_COMMAND, body, n);
}

static int send_pong (int fd)
{
    unsigned char body[5] = {4, 'P', 'O', 'N', 'G'};
    return rz_send_frame (fd, RZ_FLAG_COMMAND, body, sizeof body);
}

static void *bound_pull (void *ctx, int ivl, int ttl, int timeout, char *ep,
                         size_t eplen)
{
    void *s = zmq_socket (ctx, ZMQ_PULL);
    set_int (s, ZMQ_HEARTBEAT_IVL, ivl);
    set_int (s, ZMQ_HEARTBEAT_TTL, ttl);
    if (timeout >= 0)
        set_int (s, ZMQ_HEARTBEAT_TIMEOUT, timeout);
    else /* -1 (follow the interval) is the default, and can't be set */
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_HEARTBEAT_TIMEOUT, &timeout,
                                            sizeof timeout));
    bind_ephemeral (s, "tcp://127.0.0.1:*", ep, eplen);
    return s;
}

/* PINGs carry the TTL; silence after them ends the connection. */
static void test_ping_and_timeout (void *ctx)
{
    char ep[64];
    void *s = bound_pull (ctx, 100, 2000, 400, ep, sizeof ep);
    int fd = rz_connect_ready (ep, "PUSH", 2000);
    TEST_ASSERT (fd >= 0);
    unsigned char buf[64];
    int64_t t0 = test_now_ms ();
    int64_t n = recv_command (fd, "PING", buf, sizeof buf, 1000);
    TEST_ASSERT (n >= 7);
    TEST_ASSERT (test_now_ms () - t0 < 1000);
    TEST_ASSERT_EQ_INT (20, (buf[5] << 8) | buf[6]); /* 2000 ms in ds */
    /* Silent from here: dropped after about HEARTBEAT_TIMEOUT. */
    TEST_ASSERT (rz_wait_hangup (fd, 3000) == 1);
    int64_t took = test_now_ms () - t0;
    TEST_ASSERT (took >= 300);
    close (fd);
    close_zero (s);
}

/* A peer that answers every PING with PONG stays connected. */
static void test_pong_keeps_alive (void *ctx)
{
    char ep[64];
    void *s = bound_pull (ctx, 100, 0, 300, ep, sizeof ep);
    int fd = rz_connect_ready (ep, "PUSH", 2000);
    TEST_ASSERT (fd >= 0);
    unsigned char buf[64];
    int64_t end = test_now_ms () + 1200;
    int pings = 0;
    while (test_now_ms () < end) {
        if (recv_command (fd, "PING", buf, sizeof buf, 500) < 0)
            break;
        pings++;
        TEST_OK (send_pong (fd));
    }
    TEST_ASSERT (pings >= 5);
    TEST_ASSERT (rz_is_open (fd));
    /* And data still flows. */
    unsigned char msg[2] = {'h', 'i'};
    TEST_OK (rz_send_frame (fd, 0, msg, 2));
    set_rcvtimeo (s, 2000);
    recv_str (s, "hi");
    close (fd);
    close_zero (s);
}

/* Heartbeats off on the socket: it still answers PING with PONG (context
 * echoed), and the peer's TTL holds: silence past it ends the connection. */
static void test_peer_ttl (void *ctx)
{
    char ep[64];
    void *s = bound_pull (ctx, 0, 0, -1, ep, sizeof ep);
    int fd = rz_connect_ready (ep, "PUSH", 2000);
    TEST_ASSERT (fd >= 0);
    TEST_OK (send_ping (fd, 3, "ctx42")); /* TTL 300 ms */
    unsigned char buf[64];
    int64_t t0 = test_now_ms ();
    int64_t n = recv_command (fd, "PONG", buf, sizeof buf, 1000);
    TEST_ASSERT_EQ_INT (10, n);
    TEST_ASSERT (memcmp (buf + 5, "ctx42", 5) == 0);
    TEST_ASSERT (rz_wait_hangup (fd, 3000) == 1);
    TEST_ASSERT (test_now_ms () - t0 >= 200);
    close (fd);
    close_zero (s);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    test_ping_and_timeout (ctx);
    test_pong_keeps_alive (ctx);
    test_peer_ttl (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
