/* What zmq_disconnect, zmq_unbind and zmq_close do to the pipes they end,
 * and HWM changes on inproc pipes that already exist, as libzmq does them:
 * - disconnecting an inproc connect ends the pipe on both sides: a PUSH with
 *   no other peer then says EAGAIN, the PULL gets nothing more; a connect
 *   still waiting for its bind is ended too, its messages still delivered
 *   to the later bind (libzmq terminates the pipe after what it holds);
 * - unbinding a tcp endpoint bound with a wildcard port ends the connections
 *   it accepted (a PUSH with no other peer says EAGAIN);
 * - a socket that connected inproc before the bind and closed keeps what it
 *   sent for the bind, whatever its LINGER;
 * - SNDHWM changed after an inproc connect and bind applies, added to the
 *   peer's RCVHWM as at connect time. */
#include "testutil.h"

static void *ctx;

static void expect_nothing (void *s, int ms)
{
    TEST_ASSERT_EQ_INT (0, poll_in (s, ms));
    TEST_ERRNO (EAGAIN, zmq_recv (s, NULL, 0, ZMQ_DONTWAIT));
}

static void disconnect_inproc_bound_first (void)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_bind (pull, "inproc://teardown-a"));
    TEST_OK (zmq_connect (push, "inproc://teardown-a"));
    send_str (push, "before", 0);
    recv_str (pull, "before");
    TEST_OK (zmq_disconnect (push, "inproc://teardown-a"));
    TEST_ERRNO (EAGAIN, zmq_send (push, "after", 5, ZMQ_DONTWAIT));
    expect_nothing (pull, 100);
    close_zero (push);
    close_zero (pull);
}

static void disconnect_inproc_pending (void)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, "inproc://teardown-b"));
    send_str (push, "queued", 0); /* waits in the pending pipe */
    TEST_OK (zmq_disconnect (push, "inproc://teardown-b"));
    /* The withdrawn connect no longer counts as a peer. */
    TEST_ERRNO (EAGAIN, zmq_send (push, "lost", 4, ZMQ_DONTWAIT));
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_OK (zmq_bind (pull, "inproc://teardown-b"));
    set_rcvtimeo (pull, 2000);
    recv_str (pull, "queued");
    expect_nothing (pull, 100);
    TEST_ERRNO (EAGAIN, zmq_send (push, "lost", 4, ZMQ_DONTWAIT));
    close_zero (push);
    close_zero (pull);
}

static void unbind_wildcard_tcp (void)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    char ep[256];
    bind_ephemeral (push, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_OK (zmq_connect (pull, ep));
    set_rcvtimeo (pull, 5000);
    send_str (push, "ABC", 0);
    recv_str (pull, "ABC");
    TEST_OK (zmq_unbind (push, ep));
    test_sleep_ms (300);
    TEST_ERRNO (EAGAIN, zmq_send (push, "ABC", 3, ZMQ_DONTWAIT));
    close_zero (pull);
    close_zero (push);
}

static void close_before_bind_keeps_messages (void)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, 1);
    TEST_OK (zmq_connect (push, "inproc://teardown-c"));
    int sent = 0;
    while (sent < 100 && zmq_send (push, "m", 1, ZMQ_DONTWAIT) == 1)
        sent++;
    TEST_ASSERT_EQ_INT (1, sent);
    close_zero (push); /* even with LINGER 0 (libzmq) */
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVHWM, 0);
    TEST_OK (zmq_bind (pull, "inproc://teardown-c"));
    set_rcvtimeo (pull, 2000);
    recv_str (pull, "m");
    expect_nothing (pull, 50);
    close_zero (pull);
}

static void hwm_changed_after_connect (void)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVHWM, 1);
    set_int (push, ZMQ_SNDHWM, 1);
    /* Connect first: the bind finds the waiting pipe. */
    TEST_OK (zmq_connect (pull, "inproc://teardown-d"));
    TEST_OK (zmq_bind (push, "inproc://teardown-d"));
    set_int (push, ZMQ_SNDHWM, 5);
    int sent = 0;
    while (sent < 1000 && zmq_send (push, NULL, 0, ZMQ_DONTWAIT) == 0)
        sent++;
    TEST_ASSERT_EQ_INT (6, sent);
    close_zero (push);
    close_zero (pull);
}

int main (void)
{
    test_watchdog (60);
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    disconnect_inproc_bound_first ();
    disconnect_inproc_pending ();
    unbind_wildcard_tcp ();
    close_before_bind_keeps_messages ();
    hwm_changed_after_connect ();
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
