/* Subscription limits (HARDENING.md): the topic length a SUB may set and a
 * PUB accepts from peers, the bytes of subscriptions a PUB keeps, their
 * profile values and variables; very long topics work where allowed (the
 * tries never recurse). Rampart only. */
#include "testutil.h"
#include <rampart.h>

static void test_profile_values (void)
{
    unsetenv ("RAMPART_PROFILE");
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_EQ_INT (64 << 10, get_i64 (s, ZMQ_RAMPART_MAX_TOPIC));
    /* 0: no cap of its own, the socket budget bounds it. */
    TEST_ASSERT_EQ_INT (0, get_i64 (s, ZMQ_RAMPART_SUBSCRIPTION_MEMORY));
    char *big = calloc (1, (64 << 10) + 1);
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_SUBSCRIBE, big, (64 << 10) + 1));
    TEST_OK (zmq_setsockopt (s, ZMQ_SUBSCRIBE, big, 64 << 10));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));

    setenv ("RAMPART_PROFILE", "strict", 1);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_EQ_INT (4 << 10, get_i64 (s, ZMQ_RAMPART_MAX_TOPIC));
    TEST_ASSERT_EQ_INT (16 << 20, get_i64 (s, ZMQ_RAMPART_SUBSCRIPTION_MEMORY));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_SUBSCRIBE, big, (4 << 10) + 1));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));

    /* compat: unlimited, and a 1 MiB topic works. */
    setenv ("RAMPART_PROFILE", "compat", 1);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_EQ_INT (0, get_i64 (s, ZMQ_RAMPART_MAX_TOPIC));
    free (big);
    big = calloc (1, 1 << 20);
    memset (big, 'a', 1 << 20);
    TEST_OK (zmq_setsockopt (s, ZMQ_SUBSCRIBE, big, 1 << 20));
    TEST_OK (zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, big, 1 << 20));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));
    free (big);

    setenv ("RAMPART_PROFILE", "default", 1);
    setenv ("RAMPART_MAX_TOPIC", "100", 1);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_EQ_INT (100, get_i64 (s, ZMQ_RAMPART_MAX_TOPIC));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));
    unsetenv ("RAMPART_MAX_TOPIC");
    unsetenv ("RAMPART_PROFILE");
}

/* An XSUB peer sends subscriptions the PUB must refuse: too long, or past
 * the memory cap. Refused topics get no messages and are counted. */
static void test_publisher_refuses (void *ctx)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    set_i64 (pub, ZMQ_RAMPART_MAX_TOPIC, 8);
    set_i64 (pub, ZMQ_RAMPART_SUBSCRIPTION_MEMORY, 4096);
    char ep[64];
    bind_ephemeral (pub, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    TEST_OK (zmq_connect (xsub, ep));
    set_rcvtimeo (xsub, 200);

    /* Accepted: "\x01short". Refused: a 9-byte topic. */
    send_str (xsub, "\x01short", 0);
    send_str (xsub, "\x01too-long!", 0);
    int64_t deadline = test_now_ms () + 3000;
    char buf[64];
    int got_short = 0;
    while (!got_short && test_now_ms () < deadline) {
        send_str (pub, "short-msg", 0);
        send_str (pub, "too-long!-msg", 0);
        int n;
        while ((n = zmq_recv (xsub, buf, sizeof buf - 1, 0)) >= 0) {
            buf[n] = 0;
            TEST_ASSERT (strncmp (buf, "too-long!", 9) != 0);
            if (strcmp (buf, "short-msg") == 0)
                got_short = 1;
        }
    }
    TEST_ASSERT (got_short);
    TEST_ASSERT_EQ_INT (1, get_i64 (pub, ZMQ_RAMPART_STAT_OVERSIZE));

    /* Fill the subscription memory: later subscriptions are ignored. */
    int sent = 0;
    for (int i = 0; i < 2000; i++) {
        char t[16];
        snprintf (t, sizeof t, "\x01t%05d", i);
        send_str (xsub, t, 0);
        sent++;
    }
    deadline = test_now_ms () + 3000;
    while (get_i64 (pub, ZMQ_RAMPART_STAT_OVERSIZE) < 2
           && test_now_ms () < deadline) {
        send_str (pub, "nothing", 0); /* lets the PUB read subscriptions */
        test_sleep_ms (10);
    }
    int64_t refused = get_i64 (pub, ZMQ_RAMPART_STAT_OVERSIZE) - 1;
    TEST_ASSERT (refused > 0 && refused < sent);
    /* The last topic was refused: nothing arrives for it. */
    set_rcvtimeo (xsub, 3000);
    send_str (pub, "t01999", 0);
    send_str (pub, "short-end", 0);
    for (;;) {
        int n = zmq_recv (xsub, buf, sizeof buf - 1, 0);
        TEST_ASSERT (n >= 0);
        buf[n] = 0;
        TEST_ASSERT (strcmp (buf, "t01999") != 0);
        if (strcmp (buf, "short-end") == 0)
            break;
    }
    close_zero (xsub);
    close_zero (pub);
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart's subscription limits");
    test_profile_values ();
    void *ctx = zmq_ctx_new ();
    test_publisher_refuses (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
