/* The context option ZMQ_MAX_MSGSZ as the sockets' MAXMSGSIZE default.
 * Rampart only.
 *
 * libzmq stores ZMQ_MAX_MSGSZ and ignores it. Rampart, outside the compat
 * profile, makes an explicitly set ZMQ_MAX_MSGSZ the ZMQ_MAXMSGSIZE default
 * of sockets created afterwards.
 *
 * Checks:
 * - default profile: zmq_ctx_set (ZMQ_MAX_MSGSZ, 5000) before zmq_socket:
 *   zmq_getsockopt (ZMQ_MAXMSGSIZE) is 5000; a raw peer's 4000-byte frame
 *   passes, a 5000-byte one too, a 5001-byte one closes the connection and
 *   OVERSIZE is 1; a socket created before the zmq_ctx_set keeps 16 MiB;
 * - an explicit ZMQ_MAXMSGSIZE on the socket wins (a 6000-byte frame then
 *   passes), also an explicit -1;
 * - the context option wins over RAMPART_MAXMSGSIZE and over the strict
 *   profile's 1 MiB;
 * - RAMPART_PROFILE=compat: ZMQ_MAX_MSGSZ is stored (zmq_ctx_get) but
 *   MAXMSGSIZE stays -1 and a 6000-byte frame passes, as with libzmq. */
#include "testutil.h"
#include "rawzmtp.h"
#include <rampart.h>

#define MiB (1024 * 1024)

static unsigned char body[8192];

/* A PULL from ctx (optionally with an explicit MAXMSGSIZE), bound on tcp. */
static void *victim (void *ctx, int set_max, int64_t max, char *ep, size_t len)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_ASSERT (pull);
    if (set_max)
        TEST_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    set_rcvtimeo (pull, 5000);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, len);
    return pull;
}

/* A raw peer sends frames of `sizes` (0-terminated); each must arrive. */
#define passes(pull, ep, size) passes_at (__FILE__, __LINE__, pull, ep, size)
static void passes_at (const char *file, int line, void *pull, const char *ep,
                       size_t size)
{
    int raw = rz_connect_ready (ep, "PUSH", 3000);
    if (raw < 0)
        TEST_FAIL_AT (file, line, "raw peer: no handshake");
    if (rz_send_frame_header (raw, 0, size, 1) != 0
        || rz_send_all (raw, body, size) != 0)
        TEST_FAIL_AT (file, line, "raw peer: send failed");
    char buf[sizeof body];
    int n = zmq_recv (pull, buf, sizeof buf, 0);
    if (n != (int) size)
        TEST_FAIL_AT (file, line, "a %zu-byte frame: recv returned %d (errno %d)",
                      size, n, zmq_errno ());
    close (raw);
}

/* A raw peer declares a `size`-byte frame: the victim must close. */
#define rejected(pull, ep, size) rejected_at (__FILE__, __LINE__, pull, ep, size)
static void rejected_at (const char *file, int line, void *pull, const char *ep,
                         size_t size)
{
    int64_t before = get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE);
    int raw = rz_connect_ready (ep, "PUSH", 3000);
    if (raw < 0)
        TEST_FAIL_AT (file, line, "raw peer: no handshake");
    rz_send_frame_header (raw, 0, size, 1);
    rz_send_all (raw, body, size > sizeof body ? sizeof body : size);
    if (!rz_wait_closed (raw, 3000))
        TEST_FAIL_AT (file, line, "a %zu-byte frame: the connection stayed open",
                      size);
    close (raw);
    int64_t deadline = test_now_ms () + 2000;
    while (get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE) != before + 1) {
        if (test_now_ms () > deadline)
            TEST_FAIL_AT (file, line, "OVERSIZE %lld, expected %lld",
                          (long long) get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE),
                          (long long) before + 1);
        test_sleep_ms (5);
    }
    char buf[16];
    if (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT) != -1)
        TEST_FAIL_AT (file, line, "something of the rejected frame arrived");
}

static void test_default_profile (void)
{
    unsetenv ("RAMPART_PROFILE");
    unsetenv ("RAMPART_MAXMSGSIZE");
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT_EQ_INT (RAMPART_PROFILE_DEFAULT, zmq_ctx_get (ctx, ZMQ_RAMPART_PROFILE));
    void *early = zmq_socket (ctx, ZMQ_PULL);
    TEST_ASSERT_EQ_INT (16 * MiB, get_i64 (early, ZMQ_MAXMSGSIZE));
    TEST_ASSERT_EQ_INT (INT32_MAX, zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, -1));

    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 5000));
    TEST_ASSERT_EQ_INT (5000, zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ));
    /* sockets that already exist keep their default */
    TEST_ASSERT_EQ_INT (16 * MiB, get_i64 (early, ZMQ_MAXMSGSIZE));
    TEST_OK (zmq_close (early));

    int types[] = {ZMQ_PULL, ZMQ_DEALER, ZMQ_ROUTER, ZMQ_SUB, ZMQ_REP};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *s = zmq_socket (ctx, types[i]);
        TEST_ASSERT_EQ_INT (5000, get_i64 (s, ZMQ_MAXMSGSIZE));
        TEST_OK (zmq_close (s));
    }

    /* enforced on the wire */
    char ep[256];
    void *pull = victim (ctx, 0, 0, ep, sizeof ep);
    TEST_ASSERT_EQ_INT (5000, get_i64 (pull, ZMQ_MAXMSGSIZE));
    passes (pull, ep, 4000);
    passes (pull, ep, 5000);
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE));
    rejected (pull, ep, 5001);
    TEST_ASSERT_EQ_INT (1, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE));
    passes (pull, ep, 100); /* later peers are still welcome */
    close_zero (pull);

    /* an explicit MAXMSGSIZE wins */
    pull = victim (ctx, 1, 7000, ep, sizeof ep);
    TEST_ASSERT_EQ_INT (7000, get_i64 (pull, ZMQ_MAXMSGSIZE));
    passes (pull, ep, 6000);
    rejected (pull, ep, 7001);
    close_zero (pull);
    pull = victim (ctx, 1, -1, ep, sizeof ep);
    TEST_ASSERT_EQ_INT (-1, get_i64 (pull, ZMQ_MAXMSGSIZE));
    passes (pull, ep, 8000);
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE));
    close_zero (pull);

    /* a later zmq_ctx_set applies to later sockets */
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 3000));
    pull = victim (ctx, 0, 0, ep, sizeof ep);
    TEST_ASSERT_EQ_INT (3000, get_i64 (pull, ZMQ_MAXMSGSIZE));
    rejected (pull, ep, 4000);
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx));
}

static void test_over_env_and_strict (void)
{
    /* the context option is explicit: it wins over RAMPART_MAXMSGSIZE */
    setenv ("RAMPART_MAXMSGSIZE", "2048", 1);
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PULL);
    TEST_ASSERT_EQ_INT (2048, get_i64 (s, ZMQ_MAXMSGSIZE));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 6000));
    char ep[256];
    void *pull = victim (ctx, 0, 0, ep, sizeof ep);
    TEST_ASSERT_EQ_INT (6000, get_i64 (pull, ZMQ_MAXMSGSIZE));
    passes (pull, ep, 5000);
    rejected (pull, ep, 6001);
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx));
    unsetenv ("RAMPART_MAXMSGSIZE");

    /* and over the strict profile's 1 MiB, either way */
    setenv ("RAMPART_PROFILE", "strict", 1);
    ctx = zmq_ctx_new ();
    TEST_ASSERT_EQ_INT (RAMPART_PROFILE_STRICT, zmq_ctx_get (ctx, ZMQ_RAMPART_PROFILE));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 2 * MiB));
    s = zmq_socket (ctx, ZMQ_PULL);
    TEST_ASSERT_EQ_INT (2 * MiB, get_i64 (s, ZMQ_MAXMSGSIZE));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 4000));
    pull = victim (ctx, 0, 0, ep, sizeof ep);
    TEST_ASSERT_EQ_INT (4000, get_i64 (pull, ZMQ_MAXMSGSIZE));
    rejected (pull, ep, 4001);
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx));
    unsetenv ("RAMPART_PROFILE");
}

static void test_compat (void)
{
    setenv ("RAMPART_PROFILE", "compat", 1);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT_EQ_INT (RAMPART_PROFILE_COMPAT, zmq_ctx_get (ctx, ZMQ_RAMPART_PROFILE));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 5000));
    TEST_ASSERT_EQ_INT (5000, zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ));
    char ep[256];
    void *pull = victim (ctx, 0, 0, ep, sizeof ep);
    TEST_ASSERT_EQ_INT (-1, get_i64 (pull, ZMQ_MAXMSGSIZE));
    passes (pull, ep, 6000);
    passes (pull, ep, 8000);
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE));
    close_zero (pull);
    /* an explicit MAXMSGSIZE is enforced in compat, as in libzmq */
    pull = victim (ctx, 1, 5000, ep, sizeof ep);
    rejected (pull, ep, 5001);
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx));
    unsetenv ("RAMPART_PROFILE");
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart: ZMQ_MAX_MSGSZ as the MAXMSGSIZE default");
    memset (body, 'q', sizeof body);
    test_default_profile ();
    test_over_env_and_strict ();
    test_compat ();
    fprintf (stderr, "max_msgsz: all checks done\n");
    return 0;
}
