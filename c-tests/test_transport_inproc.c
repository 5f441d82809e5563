/* inproc:// transport.
 *
 * Checks: bind then connect, connect then bind (messages sent before the
 * bind are delivered, in order, whole), several connecting sockets, both
 * directions of "connect first", LAST_ENDPOINT, EADDRINUSE for a duplicate
 * bind, unbind (ENOENT afterwards, the name becomes free), disconnect, the
 * name space is per context, and EINVAL for an empty name. */
#include "testutil.h"

static void test_bind_then_connect (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    TEST_OK (zmq_bind (pull, "inproc://ip-first"));
    char last[256];
    size_t len = sizeof last;
    TEST_OK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, last, &len));
    TEST_ASSERT (strcmp (last, "inproc://ip-first") == 0);
    TEST_ASSERT_EQ_INT (strlen (last) + 1, len);

    /* Three connecting sockets. */
    void *p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = zmq_socket (ctx, ZMQ_PUSH);
        TEST_OK (zmq_connect (p[i], "inproc://ip-first"));
    }
    for (int i = 0; i < 3; i++) {
        char buf[16];
        snprintf (buf, sizeof buf, "from-%d", i);
        send_str (p[i], buf, 0);
    }
    int seen[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        char buf[16];
        size_t n = recv_any (pull, buf, sizeof buf - 1, 0);
        buf[n] = 0;
        TEST_ASSERT (n == 6 && strncmp (buf, "from-", 5) == 0);
        int k = buf[5] - '0';
        TEST_ASSERT (k >= 0 && k < 3);
        seen[k]++;
    }
    TEST_ASSERT (seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    for (int i = 0; i < 3; i++)
        close_zero (p[i]);
    close_zero (pull);
}

static void test_connect_then_bind (void *ctx)
{
    /* PUSH connects first and queues. */
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, "inproc://ip-later"));
    for (int i = 0; i < 500; i++) {
        char buf[16];
        snprintf (buf, sizeof buf, "q%d", i);
        send_str (push, buf, 0);
    }
    send_str (push, "multi-1", ZMQ_SNDMORE);
    send_str (push, "multi-2", 0);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    TEST_OK (zmq_bind (pull, "inproc://ip-later"));
    for (int i = 0; i < 500; i++) {
        char buf[16];
        snprintf (buf, sizeof buf, "q%d", i);
        recv_s (pull, buf, 0);
    }
    recv_s (pull, "multi-1", 1);
    recv_s (pull, "multi-2", 0);
    close_zero (push);
    close_zero (pull);

    /* The receiving side connects first; the sender binds later. */
    void *sub_pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (sub_pull, 5000);
    TEST_OK (zmq_connect (sub_pull, "inproc://ip-later-2"));
    void *bpush = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_bind (bpush, "inproc://ip-later-2"));
    send_str (bpush, "to the early connector", 0);
    recv_s (sub_pull, "to the early connector", 0);
    close_zero (bpush);
    close_zero (sub_pull);

    /* Identities also travel when the connect came first. */
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "early", 5));
    TEST_OK (zmq_connect (dealer, "inproc://ip-later-3"));
    send_str (dealer, "hi", 0);
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (router, 5000);
    TEST_OK (zmq_bind (router, "inproc://ip-later-3"));
    recv_s (router, "early", 1);
    recv_s (router, "hi", 0);
    close_zero (dealer);
    close_zero (router);
}

static void test_bind_errors_and_unbind (void *ctx)
{
    void *a = zmq_socket (ctx, ZMQ_PULL);
    void *b = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (a, 5000);
    set_rcvtimeo (b, 5000);
    TEST_OK (zmq_bind (a, "inproc://ip-dup"));
    TEST_ERRNO (EADDRINUSE, zmq_bind (b, "inproc://ip-dup"));
    TEST_ERRNO (EADDRINUSE, zmq_bind (a, "inproc://ip-dup"));
    /* Empty names are invalid. */
    TEST_ERRNO (EINVAL, zmq_bind (b, "inproc://"));
    TEST_ERRNO (EINVAL, zmq_connect (b, "inproc://"));

    TEST_ERRNO (ENOENT, zmq_unbind (b, "inproc://ip-dup"));
    TEST_OK (zmq_unbind (a, "inproc://ip-dup"));
    TEST_ERRNO (ENOENT, zmq_unbind (a, "inproc://ip-dup"));
    /* The name is free again at once. */
    TEST_OK (zmq_bind (b, "inproc://ip-dup"));
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, "inproc://ip-dup"));
    send_str (push, "to b", 0);
    recv_s (b, "to b", 0);
    TEST_ASSERT_EQ_INT (0, poll_in (a, 0));
    close_zero (push);

    /* Closing the binder frees the name as well (asynchronously: the
     * socket is torn down by the context's reaper, so retry, bounded). */
    close_zero (b);
    int64_t deadline = test_now_ms () + 5000;
    while (zmq_bind (a, "inproc://ip-dup") != 0) {
        TEST_ASSERT_EQ_INT (EADDRINUSE, zmq_errno ());
        TEST_ASSERT (test_now_ms () < deadline);
        test_sleep_ms (5);
    }
    close_zero (a);
}

static void test_disconnect (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_rcvtimeo (pull, 5000);
    TEST_OK (zmq_bind (pull, "inproc://ip-disc"));
    TEST_OK (zmq_connect (push, "inproc://ip-disc"));
    send_str (push, "before", 0);
    recv_s (pull, "before", 0);
    TEST_ERRNO (ENOENT, zmq_disconnect (push, "inproc://ip-other"));
    TEST_OK (zmq_disconnect (push, "inproc://ip-disc"));
    TEST_ERRNO (ENOENT, zmq_disconnect (push, "inproc://ip-disc"));
    /* No peer left. */
    TEST_ERRNO (EAGAIN, zmq_send (push, "x", 1, ZMQ_DONTWAIT));
    TEST_OK (zmq_connect (push, "inproc://ip-disc"));
    send_str (push, "after", 0);
    recv_s (pull, "after", 0);
    close_zero (push);
    close_zero (pull);
}

/* inproc names are scoped to a context. */
static void test_per_context (void *ctx)
{
    void *ctx2 = zmq_ctx_new ();
    TEST_ASSERT (ctx2);
    void *a = zmq_socket (ctx, ZMQ_PULL);
    void *b = zmq_socket (ctx2, ZMQ_PULL);
    /* The same name can be bound in both contexts. */
    TEST_OK (zmq_bind (a, "inproc://ip-ctx"));
    TEST_OK (zmq_bind (b, "inproc://ip-ctx"));
    void *pa = zmq_socket (ctx, ZMQ_PUSH);
    void *pb = zmq_socket (ctx2, ZMQ_PUSH);
    TEST_OK (zmq_connect (pa, "inproc://ip-ctx"));
    TEST_OK (zmq_connect (pb, "inproc://ip-ctx"));
    set_rcvtimeo (a, 5000);
    set_rcvtimeo (b, 5000);
    send_str (pa, "ctx one", 0);
    send_str (pb, "ctx two", 0);
    recv_s (a, "ctx one", 0);
    recv_s (b, "ctx two", 0);
    TEST_ASSERT_EQ_INT (0, poll_in (a, 50));
    TEST_ASSERT_EQ_INT (0, poll_in (b, 0));
    close_zero (pa);
    close_zero (pb);
    close_zero (a);
    close_zero (b);
    TEST_OK (zmq_ctx_term (ctx2));
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    test_bind_then_connect (ctx);
    test_connect_then_bind (ctx);
    test_bind_errors_and_unbind (ctx);
    test_disconnect (ctx);
    test_per_context (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
