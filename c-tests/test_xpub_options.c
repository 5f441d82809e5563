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

static void test_int_options (void *ctx)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    check_int_write_only (xpub, ZMQ_XPUB_VERBOSE, "XPUB_VERBOSE");
    check_int_write_only (xpub, ZMQ_XPUB_VERBOSER, "XPUB_VERBOSER");
    check_int_write_only (xpub, ZMQ_XPUB_NODROP, "XPUB_NODROP");
    check_int_write_only (xpub, ZMQ_XPUB_MANUAL, "XPUB_MANUAL");
    close_zero (xpub);

    /* zmq_setsockopt(3) lists PUB for XPUB_NODROP too. */
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    check_int_write_only (pub, ZMQ_XPUB_NODROP, "XPUB_NODROP on PUB");
    close_zero (pub);

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
        close_zero (s);
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
    set_int (xpub, ZMQ_XPUB_MANUAL, 1);
    TEST_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "a", 1));
    TEST_OK (zmq_setsockopt (xpub, ZMQ_UNSUBSCRIBE, "a", 1));
    TEST_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "", 0));
    len = sizeof buf;
    TEST_ERRNO (EINVAL, zmq_getsockopt (xpub, ZMQ_SUBSCRIBE, buf, &len));
    close_zero (xpub);

    /* SUB: SUBSCRIBE/UNSUBSCRIBE are write-only too. */
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    TEST_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "x", 1));
    TEST_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "x", 1));
    len = sizeof buf;
    TEST_ERRNO (EINVAL, zmq_getsockopt (sub, ZMQ_SUBSCRIBE, buf, &len));
    len = sizeof buf;
    TEST_ERRNO (EINVAL, zmq_getsockopt (sub, ZMQ_UNSUBSCRIBE, buf, &len));
    close_zero (sub);
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
        set_int (s, ZMQ_INVERT_MATCHING, 1);
        len = sizeof v;
        TEST_OK (zmq_getsockopt (s, ZMQ_INVERT_MATCHING, &v, &len));
        TEST_ASSERT_EQ_INT (1, v);
        set_int (s, ZMQ_INVERT_MATCHING, 0);
        len = sizeof v;
        TEST_OK (zmq_getsockopt (s, ZMQ_INVERT_MATCHING, &v, &len));
        TEST_ASSERT_EQ_INT (0, v);
        v = 1;
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_INVERT_MATCHING, &v, 2));
        len = 2;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_INVERT_MATCHING, &v, &len));
        close_zero (s);
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
    recv_frame (xpub, "\1A", 2, 0);
    TEST_OK (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "A", 1));
    TEST_OK (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "F1", 2));
    recv_frame (xpub, "\1F1", 3, 0); /* duplicate "A" folded */

    set_int (xpub, ZMQ_XPUB_VERBOSE, 1);
    TEST_OK (zmq_setsockopt (s1, ZMQ_SUBSCRIBE, "F1", 2));
    recv_frame (xpub, "\1F1", 3, 0); /* now passed on */

    set_int (xpub, ZMQ_XPUB_VERBOSE, 0);
    TEST_OK (zmq_setsockopt (s1, ZMQ_SUBSCRIBE, "B", 1));
    recv_frame (xpub, "\1B", 2, 0);
    TEST_OK (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "B", 1));
    TEST_OK (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "F2", 2));
    recv_frame (xpub, "\1F2", 3, 0); /* folded again */

    close_zero (s1);
    close_zero (s2);
    close_zero (xpub);
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
