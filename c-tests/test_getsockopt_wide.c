/* ZMQ_RCVMORE, ZMQ_EVENTS and ZMQ_FD read into a buffer wider than an int
 * (older bindings pass an int64_t): the call succeeds, reports
 * sizeof (int), and the bytes past the int are zeroed, so the wide variable
 * holds the value (libzmq's test_getsockopt_memset). Other int options
 * still want exactly sizeof (int). */
#include "testutil.h"

static int64_t wide (void *s, int opt)
{
    int64_t v;
    size_t len = sizeof v;
    memset (&v, 0xFF, sizeof v);
    TEST_OK (zmq_getsockopt (s, opt, &v, &len));
    TEST_ASSERT_EQ_INT (sizeof (int), len);
    return v;
}

int main (void)
{
    test_watchdog (30);
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_bind (pull, "inproc://wide"));
    TEST_OK (zmq_connect (push, "inproc://wide"));

    TEST_ASSERT_EQ_INT (0, wide (pull, ZMQ_RCVMORE));
    TEST_ASSERT_EQ_INT (0, wide (pull, ZMQ_EVENTS));
    TEST_ASSERT (wide (pull, ZMQ_FD) >= 0);
    send_str (push, "a", ZMQ_SNDMORE);
    send_str (push, "b", 0);
    TEST_ASSERT_EQ_INT (ZMQ_POLLIN, wide (pull, ZMQ_EVENTS));
    set_rcvtimeo (pull, 5000);
    recv_str (pull, "a");
    TEST_ASSERT_EQ_INT (1, wide (pull, ZMQ_RCVMORE));
    recv_str (pull, "b");
    TEST_ASSERT_EQ_INT (0, wide (pull, ZMQ_RCVMORE));

    int64_t v;
    size_t len = sizeof v;
    TEST_ERRNO (EINVAL, zmq_getsockopt (pull, ZMQ_LINGER, &v, &len));

    close_zero (push);
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
