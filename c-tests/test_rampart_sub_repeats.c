/* A SUB (or XSUB) subscribing again to a topic it has sends the subscription
 * again, as libzmq does (XPUB_VERBOSE publishers report each one), but like
 * libzmq only while the pipe has room: a program repeating one subscription
 * while its publisher is unreachable holds at most SNDHWM of them, not one
 * per call. New topics always go (they are bounded by the subscription
 * trie, counted in the socket budget). */
#include "testutil.h"
#include "rawzmtp.h"
#include <rampart.h>

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", rz_free_port ());
    for (int type = ZMQ_SUB; type <= ZMQ_XSUB; type += ZMQ_XSUB - ZMQ_SUB) {
        void *sub = zmq_socket (ctx, type);
        set_int (sub, ZMQ_SNDHWM, 100);
        TEST_OK (zmq_connect (sub, ep)); /* nobody listens there */
        for (int i = 0; i < 100000; i++) {
            if (type == ZMQ_SUB)
                subscribe (sub, "A");
            else
                send_bin (sub, "\1A", 2, 0);
        }
        int64_t queued = get_i64 (sub, ZMQ_RAMPART_STAT_QUEUED_MSGS);
        if (queued > 101)
            TEST_FAIL ("type %d: %lld subscription messages queued for 100000 repeats",
                       type, (long long) queued);
        /* New topics are not held back by the HWM. */
        char topic[16];
        for (int i = 0; i < 300; i++) {
            snprintf (topic, sizeof topic, "\1t%d", i);
            if (type == ZMQ_SUB)
                subscribe (sub, topic + 1);
            else
                send_bin (sub, topic, strlen (topic), 0);
        }
        TEST_ASSERT (get_i64 (sub, ZMQ_RAMPART_STAT_QUEUED_MSGS) >= queued + 300);
        close_zero (sub);
    }
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
