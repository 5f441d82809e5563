/* PING from a raw ZMTP peer to a socket that does no heartbeating itself
 * (libzmq's test_heartbeats mock ping): every PING gets a PONG echoing its
 * context, several PINGs in one write included; a context over RFC 37's 16
 * bytes is cut to 16 (libzmq) unless Rampart's strict PING check is on; a
 * PING's TTL arms a deadline that silence after it runs out (TTL 0: none).
 *
 * Rampart's default profile refuses a PING whose context is over 16 bytes
 * (HARDENING.md); RAMPART_STRICT_PING=0, set below before the context is
 * created, gives libzmq's behaviour, which libzmq itself ignores. The
 * strict part runs against Rampart only. */
#include "testutil.h"
#include "rawzmtp.h"

static int raw_peer (const char *ep)
{
    int fd = rz_connect_ready (ep, "DEALER", 5000);
    TEST_ASSERT (fd >= 0);
    return fd;
}

/* A PING body: ttl (deciseconds) and context. */
static size_t ping (unsigned char *out, unsigned ttl, const void *ctx, size_t n)
{
    memcpy (out, "\x04PING", 5);
    out[5] = (unsigned char) (ttl >> 8);
    out[6] = (unsigned char) ttl;
    memcpy (out + 7, ctx, n);
    return 7 + n;
}

static void expect_pong (int fd, const void *context, size_t n)
{
    unsigned char body[128];
    unsigned flags = 0;
    int64_t size = rz_recv_frame (fd, &flags, body, sizeof body, 5000);
    TEST_ASSERT_EQ_INT (5 + n, size);
    TEST_ASSERT (flags & RZ_FLAG_COMMAND);
    TEST_ASSERT (memcmp (body, "\x04PONG", 5) == 0);
    TEST_ASSERT (memcmp (body + 5, context, n) == 0);
}

int main (void)
{
    test_watchdog (60);
    setenv ("RAMPART_STRICT_PING", "0", 1);
    void *ctx = zmq_ctx_new ();
    void *server = zmq_socket (ctx, ZMQ_ROUTER);
    set_int (server, ZMQ_LINGER, 0);
    char ep[256];
    bind_ephemeral (server, "tcp://127.0.0.1:*", ep, sizeof ep);

    /* Two PINGs in one write: "LOL", then 58 bytes that come back cut. */
    int fd = raw_peer (ep);
    unsigned char wire[256], long_ctx[58];
    memcpy (long_ctx, "LOL", 3);
    memset (long_ctx + 3, 'z', sizeof long_ctx - 3);
    size_t n = 0;
    unsigned char body[128];
    size_t b = ping (body, 0, "LOL", 3);
    wire[n++] = RZ_FLAG_COMMAND;
    wire[n++] = (unsigned char) b;
    memcpy (wire + n, body, b);
    n += b;
    b = ping (body, 0, long_ctx, sizeof long_ctx);
    wire[n++] = RZ_FLAG_COMMAND;
    wire[n++] = (unsigned char) b;
    memcpy (wire + n, body, b);
    n += b;
    TEST_ASSERT_EQ_INT (0, rz_send_all (fd, wire, n));
    expect_pong (fd, "LOL", 3);
    expect_pong (fd, long_ctx, 16);
    /* An empty context, and exactly 16 bytes. */
    b = ping (body, 0, "", 0);
    TEST_ASSERT_EQ_INT (0, rz_send_frame (fd, RZ_FLAG_COMMAND, body, b));
    expect_pong (fd, "", 0);
    b = ping (body, 0, "0123456789abcdef", 16);
    TEST_ASSERT_EQ_INT (0, rz_send_frame (fd, RZ_FLAG_COMMAND, body, b));
    expect_pong (fd, "0123456789abcdef", 16);
    /* TTL 0: no deadline; the connection stays up through silence. */
    TEST_ASSERT_EQ_INT (0, rz_wait_closed (fd, 500));
    close (fd);

    /* TTL 3 (300 ms), then silence: the socket gives up on the peer. */
    fd = raw_peer (ep);
    b = ping (body, 3, "t", 1);
    TEST_ASSERT_EQ_INT (0, rz_send_frame (fd, RZ_FLAG_COMMAND, body, b));
    expect_pong (fd, "t", 1);
    int64_t t0 = test_now_ms ();
    TEST_ASSERT_EQ_INT (1, rz_wait_closed (fd, 3000));
    TEST_ASSERT (test_now_ms () - t0 >= 250);
    close (fd);
    close_zero (server);
    TEST_OK (zmq_ctx_term (ctx));

    const char *profile = getenv ("RAMPART_PROFILE");
    if (is_rampart () && !(profile && strcmp (profile, "compat") == 0)) {
        /* Strict (the default profile; compat truncates as libzmq): 17
         * bytes of context end the connection; 16 are fine. */
        unsetenv ("RAMPART_STRICT_PING");
        ctx = zmq_ctx_new ();
        server = zmq_socket (ctx, ZMQ_ROUTER);
        set_int (server, ZMQ_LINGER, 0);
        bind_ephemeral (server, "tcp://127.0.0.1:*", ep, sizeof ep);
        fd = raw_peer (ep);
        b = ping (body, 0, "0123456789abcdef", 16);
        TEST_ASSERT_EQ_INT (0, rz_send_frame (fd, RZ_FLAG_COMMAND, body, b));
        expect_pong (fd, "0123456789abcdef", 16);
        b = ping (body, 0, "0123456789abcdefg", 17);
        TEST_ASSERT_EQ_INT (0, rz_send_frame (fd, RZ_FLAG_COMMAND, body, b));
        TEST_ASSERT_EQ_INT (1, rz_wait_closed (fd, 3000));
        close (fd);
        close_zero (server);
        TEST_OK (zmq_ctx_term (ctx));
    }
    return 0;
}
