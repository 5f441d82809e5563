/* A subscription made just before a publish, with both CPUs busy.
 *
 * PUB bound on tcp, SUB connected and subscribed long ago to one topic;
 * then the SUB subscribes to "" (later rounds: a new topic) and the PUB
 * publishes within a millisecond, then once a millisecond until the SUB has
 * a message. Two bounded busy loops (5 s) load the machine meanwhile.
 *
 * What libzmq guarantees here: a subscription travels asynchronously
 * (SUB's I/O thread, TCP, PUB's I/O thread, the PUB's pipe), so a message
 * published before it reached the PUB is dropped, in libzmq as in Rampart
 * (under load either loses a few of the first sends, whatever the library).
 * Once it has reached the PUB's pipe, the next send applies it: libzmq
 * processes pending commands on send, Rampart every pending pipe event on
 * every send. So every round must deliver within a bound, and the SUB must
 * never wait for ever (a subscription stuck in a pipe or a session). The
 * first-send hit rate is printed for comparison, not asserted.
 *
 * RAMPART_TEST: timeout=90 */
#include "testutil.h"
#include <sys/wait.h>

#define ROUNDS 40
#define ROUND_LIMIT_MS 3000

static pid_t busy_loop (int ms)
{
    pid_t p = fork ();
    if (p == 0) {
        int64_t end = test_now_ms () + ms;
        volatile unsigned long x = 0;
        while (test_now_ms () < end)
            for (int i = 0; i < 100000; i++)
                x++;
        _exit (0);
    }
    return p;
}

int main (void)
{
    test_watchdog (80);
    void *ctx = zmq_ctx_new ();
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    char ep[256];
    bind_ephemeral (pub, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_OK (zmq_connect (sub, ep));
    subscribe (sub, "sync");
    sync_subscriber (pub, sub, "sync");
    test_sleep_ms (100); /* subscribed long ago */

    pid_t load[2] = {busy_loop (5000), busy_loop (5000)};
    TEST_ASSERT (load[0] > 0 && load[1] > 0);
    int first_hits = 0;
    int64_t worst = 0;
    for (int r = 0; r < ROUNDS; r++) {
        char topic[32];
        if (r == 0)
            topic[0] = 0; /* everything */
        else
            snprintf (topic, sizeof topic, "t%d", r);
        subscribe (sub, topic);
        int64_t start = test_now_ms ();
        test_sleep_ms (1);
        int got = 0;
        for (int k = 0; !got; k++) {
            if (test_now_ms () - start > ROUND_LIMIT_MS)
                TEST_FAIL ("round %d: subscription to \"%s\" not applied after %d ms",
                           r, topic, ROUND_LIMIT_MS);
            char msg[48];
            snprintf (msg, sizeof msg, "t%d:%d", r, k);
            if (r == 0)
                snprintf (msg, sizeof msg, "x0:%d", k); /* matches only "" */
            send_str (pub, msg, 0);
            if (poll_in (sub, 1)) {
                char buf[64];
                int n = zmq_recv (sub, buf, sizeof buf - 1, 0);
                TEST_ASSERT (n > 0);
                buf[n] = 0;
                first_hits += k == 0;
                got = 1;
            }
        }
        int64_t took = test_now_ms () - start;
        if (took > worst)
            worst = took;
        /* Drain what the remaining sends of this round left. */
        while (poll_in (sub, 20))
            TEST_ASSERT (zmq_recv (sub, NULL, 0, 0) >= 0);
    }
    printf ("%d rounds under load: first send delivered in %d, worst round %lld ms\n",
            ROUNDS, first_hits, (long long) worst);
    for (int i = 0; i < 2; i++) {
        kill (load[i], SIGKILL);
        waitpid (load[i], NULL, 0);
    }
    close_zero (sub);
    close_zero (pub);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
