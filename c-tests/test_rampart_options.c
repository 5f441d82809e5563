/* Rampart's own options (include/rampart.h): the profile a context reports,
 * the per-pipe byte cap beside the message HWMs, and the handshake frame cap
 * kept separate from MAXMSGSIZE. Rampart only (skipped on libzmq). */
#include "testutil.h"
#include "rawzmtp.h"
#include <rampart.h>

static void test_profile (void)
{
    unsetenv ("RAMPART_PROFILE");
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT_EQ_INT (RAMPART_PROFILE_DEFAULT,
                        zmq_ctx_get (ctx, ZMQ_RAMPART_PROFILE));
    TEST_OK (zmq_ctx_term (ctx));
    setenv ("RAMPART_PROFILE", "strict", 1);
    ctx = zmq_ctx_new ();
    TEST_ASSERT_EQ_INT (RAMPART_PROFILE_STRICT,
                        zmq_ctx_get (ctx, ZMQ_RAMPART_PROFILE));
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_EQ_INT (8 << 20, get_i64 (s, ZMQ_RAMPART_PIPE_BYTE_CAP));
    TEST_ASSERT_EQ_INT (16 << 10, get_i64 (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));
    setenv ("RAMPART_PROFILE", "compat", 1);
    ctx = zmq_ctx_new ();
    TEST_ASSERT_EQ_INT (RAMPART_PROFILE_COMPAT,
                        zmq_ctx_get (ctx, ZMQ_RAMPART_PROFILE));
    s = zmq_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_EQ_INT (0, get_i64 (s, ZMQ_RAMPART_PIPE_BYTE_CAP));
    TEST_ASSERT_EQ_INT (-1, get_i64 (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));
    unsetenv ("RAMPART_PROFILE");
}

static void test_option_values (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT_EQ_INT (32 << 20, get_i64 (s, ZMQ_RAMPART_PIPE_BYTE_CAP));
    TEST_ASSERT_EQ_INT (64 << 10, get_i64 (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP));
    int64_t v = 1000;
    TEST_OK (zmq_setsockopt (s, ZMQ_RAMPART_PIPE_BYTE_CAP, &v, sizeof v));
    TEST_ASSERT_EQ_INT (1000, get_i64 (s, ZMQ_RAMPART_PIPE_BYTE_CAP));
    v = 0;
    TEST_OK (zmq_setsockopt (s, ZMQ_RAMPART_PIPE_BYTE_CAP, &v, sizeof v));
    TEST_ASSERT_EQ_INT (0, get_i64 (s, ZMQ_RAMPART_PIPE_BYTE_CAP));
    v = -1;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_RAMPART_PIPE_BYTE_CAP, &v, sizeof v));
    int i = 5;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_RAMPART_PIPE_BYTE_CAP, &i, sizeof i));
    v = -1;
    TEST_OK (zmq_setsockopt (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP, &v, sizeof v));
    TEST_ASSERT_EQ_INT (-1, get_i64 (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP));
    v = 10; /* smaller than a greeting: refused */
    TEST_ERRNO (EINVAL,
                zmq_setsockopt (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP, &v, sizeof v));
    TEST_OK (zmq_close (s));
}

/* The byte cap bounds a pipe however few messages it holds. */
static void test_byte_cap (void *ctx)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    int64_t cap = 1000;
    TEST_OK (zmq_setsockopt (push, ZMQ_RAMPART_PIPE_BYTE_CAP, &cap, sizeof cap));
    TEST_OK (zmq_bind (pull, "inproc://rampart-bytecap"));
    TEST_OK (zmq_connect (push, "inproc://rampart-bytecap"));
    char buf[600];
    memset (buf, 'x', sizeof buf);
    int sent = 0;
    while (zmq_send (push, buf, sizeof buf, ZMQ_DONTWAIT) == (int) sizeof buf)
        sent++;
    TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
    /* One into the empty pipe, one more while under 1000 bytes. */
    TEST_ASSERT_EQ_INT (2, sent);
    set_rcvtimeo (pull, 2000);
    for (int k = 0; k < sent; k++)
        TEST_ASSERT_EQ_INT ((int) sizeof buf, zmq_recv (pull, buf, sizeof buf, 0));
    /* Drained: there is room again. */
    TEST_ASSERT_EQ_INT ((int) sizeof buf, zmq_send (push, buf, sizeof buf, ZMQ_DONTWAIT));
    TEST_ASSERT_EQ_INT ((int) sizeof buf, zmq_recv (pull, buf, sizeof buf, 0));
    int zero = 0;
    TEST_OK (zmq_setsockopt (push, ZMQ_LINGER, &zero, sizeof zero));
    TEST_OK (zmq_close (push));
    TEST_OK (zmq_close (pull));
}

/* A READY bigger than the handshake cap ends the connection, even with an
 * unlimited MAXMSGSIZE; raising the cap lets the same peer in. */
static void test_handshake_cap (void *ctx)
{
    for (int round = 0; round < 2; round++) {
        void *pull = zmq_socket (ctx, ZMQ_PULL);
        int64_t unlimited = -1;
        TEST_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &unlimited, sizeof unlimited));
        int64_t cap = round == 0 ? 4096 : 1 << 20;
        TEST_OK (zmq_setsockopt (pull, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP, &cap, sizeof cap));
        char ep[256];
        bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
        int fd = rz_connect (ep);
        TEST_ASSERT (fd >= 0);
        TEST_ASSERT (rz_send_greeting (fd) == 0);
        TEST_ASSERT (rz_recv_greeting (fd, 5000) == 0);
        /* A READY of 20 000 bytes: Socket-Type plus one large property. */
        size_t body_len = 20000;
        unsigned char *body = calloc (1, body_len);
        TEST_ASSERT (body);
        size_t n = 0;
        body[n++] = 5;
        memcpy (body + n, "READY", 5);
        n += 5;
        n += rz_put_property_header (body + n, "Socket-Type", 4);
        memcpy (body + n, "PUSH", 4);
        n += 4;
        size_t vlen = body_len - n - 1 - 5 - 4;
        n += rz_put_property_header (body + n, "X-Big", vlen);
        n += vlen;
        TEST_ASSERT_EQ_INT (body_len, n);
        /* Header first: the cap applies to the declared size. */
        rz_send_frame_header (fd, 0x04, body_len, 1);
        if (round == 0) {
            TEST_ASSERT (rz_wait_hangup (fd, 5000) == 1);
        } else {
            TEST_ASSERT (rz_send_all (fd, body, body_len) == 0);
            /* Accepted: a message then flows. */
            unsigned char frame[3] = {0x00, 1, 'z'};
            TEST_ASSERT (rz_send_all (fd, frame, sizeof frame) == 0);
            set_rcvtimeo (pull, 5000);
            recv_str (pull, "z");
        }
        free (body);
        close (fd);
        close_zero (pull);
    }
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart's own options");
    test_profile ();
    void *ctx = zmq_ctx_new ();
    test_option_values (ctx);
    test_byte_cap (ctx);
    test_handshake_cap (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
