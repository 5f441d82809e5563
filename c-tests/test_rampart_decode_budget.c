/* Frames being received count against the socket's memory budget: half of
 * ZMQ_RAMPART_SOCKET_BUDGET is for decodes in progress, shared by the
 * connections, and one connection at a time may go past its share (so any
 * frame up to MAXMSGSIZE still completes). Raw peers each declare a 4 MiB
 * frame and push 2 MiB of it: with a 1 MiB budget the victim holds a few
 * MiB, without a budget it holds all of it; then every frame completes.
 * Whole frames a PULL does not read are held to the budget too. Rampart
 * only. */
#include "testutil.h"
#include "rawzmtp.h"
#include <fcntl.h>
#include <poll.h>
#include <rampart.h>

#define MiB (1 << 20)
#define PEERS 12
#define DECLARED (4 * MiB)
#define PUSHED (2 * MiB)

/* Pushes up to `limit` body bytes on each fd for `ms`, sampling the
 * victim's RSS; returns the peak growth in kB. */
static long push_bodies (int *fds, size_t *sent, size_t limit, int ms)
{
    static char chunk[64 << 10];
    long rss0 = proc_status_kb ("VmRSS"), peak = rss0;
    int64_t end = test_now_ms () + ms;
    while (test_now_ms () < end) {
        for (int i = 0; i < PEERS; i++) {
            while (sent[i] < limit) {
                size_t n = limit - sent[i] < sizeof chunk ? limit - sent[i]
                                                          : sizeof chunk;
                ssize_t w = write (fds[i], chunk, n);
                if (w <= 0)
                    break;
                sent[i] += (size_t) w;
            }
        }
        long rss = proc_status_kb ("VmRSS");
        if (rss > peak)
            peak = rss;
        test_sleep_ms (20);
    }
    return peak - rss0;
}

static long run (void *ctx, int64_t budget, size_t pushed, int finish)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    int64_t max = 8 * MiB;
    TEST_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    TEST_OK (zmq_setsockopt (pull, ZMQ_RAMPART_SOCKET_BUDGET, &budget,
                             sizeof budget));
    char ep[64];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    int fds[PEERS];
    size_t sent[PEERS] = {0};
    for (int i = 0; i < PEERS; i++) {
        fds[i] = rz_connect_ready (ep, "PUSH", 3000);
        TEST_ASSERT (fds[i] >= 0);
        TEST_ASSERT (rz_send_frame_header (fds[i], 0, DECLARED, 1) == 0);
        fcntl (fds[i], F_SETFL, fcntl (fds[i], F_GETFL) | O_NONBLOCK);
    }
    long growth = push_bodies (fds, sent, pushed, 1500);
    if (finish) {
        /* Every frame completes, one after another, and arrives whole. */
        set_rcvtimeo (pull, 100);
        static char body[DECLARED];
        int got = 0;
        int64_t end = test_now_ms () + 20000;
        while (got < PEERS && test_now_ms () < end) {
            push_bodies (fds, sent, DECLARED, 40);
            int n;
            while ((n = zmq_recv (pull, body, sizeof body, ZMQ_DONTWAIT)) >= 0) {
                TEST_ASSERT_EQ_INT (DECLARED, n);
                got++;
            }
        }
        TEST_ASSERT_EQ_INT (PEERS, got);
    }
    for (int i = 0; i < PEERS; i++)
        close (fds[i]);
    close_zero (pull);
    return growth;
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart's decode budget");
    void *ctx = zmq_ctx_new ();
    /* With a budget first (the run without one would leave freed pages for
     * it to reuse, hiding its growth). */
    long with = run (ctx, MiB, PUSHED, 1);
    long without = run (ctx, 0, PUSHED, 0);
    fprintf (stderr, "RSS growth: %ld kB with a 1 MiB budget, %ld kB without\n",
             with, without);
    /* 12 x 2 MiB pushed. With the budget: 12 shares of 64 KiB, one frame
     * going on past its share, read buffers and allocator slack (measured
     * about 6 MiB); without: every byte pushed, twice over as body buffers
     * grow (measured about 48 MiB). */
    TEST_ASSERT (with < 10 * 1024);
    TEST_ASSERT (without > 20 * 1024);

    /* Whole frames sent to a PULL that does not read: a message the pipe
     * takes past its share still counts against the budget until it is
     * read, so one completes and the others wait at their share (without
     * that, every pipe would take one 4 MiB message: 48 MiB). Reading
     * then lets every frame through (checked in run). */
    long whole = run (ctx, MiB, DECLARED, 1);
    fprintf (stderr, "RSS growth: %ld kB for %d whole 4 MiB frames, 1 MiB budget\n",
             whole, PEERS);
    TEST_ASSERT (whole < 14 * 1024);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
