/* ZMQ_FD and ZMQ_EVENTS: the external event loop protocol.
 *
 * The documented protocol (zmq_getsockopt(3)): ZMQ_FD is edge-style: it
 * becomes readable when the socket's state MAY have changed; the loop then
 * reads ZMQ_EVENTS and handles messages with ZMQ_DONTWAIT until ZMQ_EVENTS
 * no longer shows the condition. Readiness of the fd alone says nothing.
 *
 * Checks:
 * - ZMQ_FD is an open descriptor, the same on every call, pollable with
 *   poll(2), and never writable-only garbage (no POLLNVAL);
 * - a loop following the protocol (poll(2) on ZMQ_FD, then ZMQ_EVENTS,
 *   drain with DONTWAIT) receives a burst of messages, and after draining
 *   (ZMQ_EVENTS without POLLIN, fd quiet) a message sent later makes the fd
 *   readable again within a bounded time and is received;
 * - ZMQ_EVENTS: PULL never shows POLLOUT; PUSH without peers shows 0; a
 *   connected PUSH shows POLLOUT; a PUSH at its HWM loses POLLOUT and, once
 *   the receiver drains the pipe, its ZMQ_FD becomes readable and ZMQ_EVENTS
 *   shows POLLOUT again. */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>

static int fd_readable (int fd, int timeout_ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    int rc;
    do
        rc = poll (&p, 1, timeout_ms);
    while (rc < 0 && errno == EINTR);
    TEST_ASSERT (rc >= 0);
    TEST_ASSERT ((p.revents & POLLNVAL) == 0);
    return rc == 1 && (p.revents & POLLIN);
}

/* Drains ZMQ_EVENTS/recv until EVENTS has no POLLIN; appends received
 * frames (as strings) to `log`. Returns the number received. */
static int drain (void *s, char *log, size_t logcap)
{
    int n = 0;
    while (get_int (s, ZMQ_EVENTS) & ZMQ_POLLIN) {
        char buf[64];
        int rc = zmq_recv (s, buf, sizeof buf - 1, ZMQ_DONTWAIT);
        if (rc < 0) {
            /* EVENTS promised a message */
            TEST_FAIL ("ZMQ_EVENTS had POLLIN but recv failed: errno %d",
                       zmq_errno ());
        }
        buf[rc] = 0;
        if (log && strlen (log) + strlen (buf) + 2 < logcap) {
            strcat (log, buf);
            strcat (log, ",");
        }
        n++;
    }
    return n;
}

/* Event loop: waits on ZMQ_FD (bounded) until `want` messages arrived.
 * Returns the number of times the fd was found readable. */
static int event_loop (void *s, int want, int timeout_ms, char *log, size_t logcap)
{
    int fd = get_int (s, ZMQ_FD);
    int got = 0, wakeups = 0;
    int64_t deadline = test_now_ms () + timeout_ms;
    /* The protocol: check EVENTS first (the edge may already have passed). */
    got += drain (s, log, logcap);
    while (got < want) {
        int64_t left = deadline - test_now_ms ();
        if (left <= 0)
            TEST_FAIL ("event loop: only %d of %d messages within %d ms (log %s)",
                       got, want, timeout_ms, log ? log : "");
        if (fd_readable (fd, (int) left)) {
            wakeups++;
            got += drain (s, log, logcap);
        }
    }
    return wakeups;
}

/* Makes the fd quiet: process pending state changes via ZMQ_EVENTS until the
 * fd is no longer readable (bounded). */
static void settle (void *s, int fd)
{
    for (int i = 0; i < 100; i++) {
        TEST_ASSERT ((get_int (s, ZMQ_EVENTS) & ZMQ_POLLIN) == 0);
        if (!fd_readable (fd, 0))
            return;
        test_sleep_ms (10);
    }
    TEST_FAIL ("ZMQ_FD stays readable although ZMQ_EVENTS shows nothing");
}

static void test_fd_basics (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_PULL);
    int fd = get_int (s, ZMQ_FD);
    TEST_ASSERT (fd >= 0);
    TEST_ASSERT (fcntl (fd, F_GETFD) != -1);
    TEST_ASSERT_EQ_INT (fd, get_int (s, ZMQ_FD));
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    TEST_ASSERT (poll (&p, 1, 0) >= 0);
    TEST_ASSERT ((p.revents & POLLNVAL) == 0);
    /* two sockets, two different fds */
    void *s2 = zmq_socket (ctx, ZMQ_PULL);
    TEST_ASSERT (get_int (s2, ZMQ_FD) != fd);
    TEST_OK (zmq_close (s2));
    TEST_OK (zmq_close (s));
}

static void test_receive_protocol (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, ep));
    int fd = get_int (pull, ZMQ_FD);

    /* a burst of 20 */
    char msg[32];
    for (int i = 0; i < 20; i++) {
        snprintf (msg, sizeof msg, "b%d", i);
        send_str (push, msg, 0);
    }
    char log[1024] = "";
    event_loop (pull, 20, 5000, log, sizeof log);
    char expect[1024] = "";
    for (int i = 0; i < 20; i++) {
        snprintf (msg, sizeof msg, "b%d,", i);
        strcat (expect, msg);
    }
    if (strcmp (log, expect) != 0)
        TEST_FAIL ("burst: got %s", log);
    TEST_ASSERT_EQ_INT (0, get_int (pull, ZMQ_EVENTS) & ZMQ_POLLIN);

    /* Drained and quiet; a later message makes the fd readable again. */
    for (int round = 0; round < 3; round++) {
        settle (pull, fd);
        TEST_ASSERT (!fd_readable (fd, 50));
        snprintf (msg, sizeof msg, "late%d", round);
        send_str (push, msg, 0);
        int64_t t0 = test_now_ms ();
        if (!fd_readable (fd, 5000))
            TEST_FAIL ("round %d: ZMQ_FD not readable 5 s after a message was "
                       "sent to the drained socket",
                       round);
        TEST_ASSERT (test_now_ms () - t0 < 5000);
        log[0] = 0;
        event_loop (pull, 1, 5000, log, sizeof log);
        snprintf (expect, sizeof expect, "late%d,", round);
        if (strcmp (log, expect) != 0)
            TEST_FAIL ("round %d: got %s", round, log);
    }
    close_zero (push);
    close_zero (pull);
}

static void test_pollout_events (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_EQ_INT (0, get_int (push, ZMQ_EVENTS));
    TEST_ASSERT_EQ_INT (0, get_int (pull, ZMQ_EVENTS));

    /* tcp: POLLOUT once connected (bounded wait on the fd protocol) */
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    int one = 1;
    TEST_OK (zmq_setsockopt (push, ZMQ_IMMEDIATE, &one, sizeof one));
    TEST_OK (zmq_connect (push, ep));
    int fd = get_int (push, ZMQ_FD);
    int64_t deadline = test_now_ms () + 5000;
    while (!(get_int (push, ZMQ_EVENTS) & ZMQ_POLLOUT)) {
        if (test_now_ms () > deadline)
            TEST_FAIL ("connected PUSH never showed ZMQ_POLLOUT");
        fd_readable (fd, 100);
    }
    TEST_ASSERT_EQ_INT (0, get_int (pull, ZMQ_EVENTS) & ZMQ_POLLOUT);
    close_zero (push);
    close_zero (pull);

    /* inproc with HWM 2+2: full pipe -> no POLLOUT; drained -> fd readable
     * and POLLOUT again. */
    pull = zmq_socket (ctx, ZMQ_PULL);
    push = zmq_socket (ctx, ZMQ_PUSH);
    int two = 2;
    TEST_OK (zmq_setsockopt (push, ZMQ_SNDHWM, &two, sizeof two));
    TEST_OK (zmq_setsockopt (pull, ZMQ_RCVHWM, &two, sizeof two));
    TEST_OK (zmq_bind (pull, "inproc://fd-events-hwm"));
    TEST_OK (zmq_connect (push, "inproc://fd-events-hwm"));
    TEST_ASSERT (get_int (push, ZMQ_EVENTS) & ZMQ_POLLOUT);
    int n = 0;
    while (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1)
        if (++n > 100)
            TEST_FAIL ("inproc HWM 2+2 took over 100 messages");
    TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
    TEST_ASSERT_EQ_INT (4, n);
    TEST_ASSERT_EQ_INT (0, get_int (push, ZMQ_EVENTS) & ZMQ_POLLOUT);
    fd = get_int (push, ZMQ_FD);
    for (int i = 0; i < 100 && fd_readable (fd, 0); i++) {
        TEST_ASSERT_EQ_INT (0, get_int (push, ZMQ_EVENTS) & ZMQ_POLLOUT);
        test_sleep_ms (5);
    }
    TEST_ASSERT (!fd_readable (fd, 0));

    TEST_ASSERT_EQ_INT (4, drain (pull, NULL, 0));
    if (!fd_readable (fd, 5000))
        TEST_FAIL ("sender's ZMQ_FD not readable after the receiver drained");
    deadline = test_now_ms () + 5000;
    while (!(get_int (push, ZMQ_EVENTS) & ZMQ_POLLOUT)) {
        if (test_now_ms () > deadline)
            TEST_FAIL ("PUSH never showed ZMQ_POLLOUT again");
        fd_readable (fd, 100);
    }
    TEST_ASSERT_EQ_INT (1, zmq_send (push, "y", 1, ZMQ_DONTWAIT));
    close_zero (push);
    close_zero (pull);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    test_fd_basics (ctx);
    test_receive_protocol (ctx);
    test_pollout_events (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
