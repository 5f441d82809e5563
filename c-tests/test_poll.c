/* zmq_poll over sockets, raw file descriptors and both.
 *
 * Checks:
 * - POLLIN: none on an empty PULL (timeout 0 returns 0 at once); set when a
 *   message arrives (poll wakes before its timeout); polling does not consume
 *   the message; cleared after the message is read;
 * - POLLOUT: set on a PUSH with a connected peer; not set on a PUSH without
 *   peers, nor with IMMEDIATE=1 and a connect to an endpoint nobody serves;
 *   set on a PUSH with IMMEDIATE=0 and such a connect (the pipe queues);
 *   cleared when the pipe reaches its HWM; revents only ever holds
 *   requested events;
 * - raw fds: a pipe(2) read end is POLLIN only after a write, the write end
 *   is POLLOUT; socket and fd items mixed in one call report independently
 *   and the return value counts items with events; a pipe with its write
 *   end closed reports ZMQ_POLLERR (POLLHUP);
 * - timeouts: 0 returns immediately, a positive timeout with no event
 *   returns 0 after about that long, -1 waits until another thread sends;
 *   nitems 0 with a timeout sleeps for it;
 * - errors: a garbage socket pointer -> ENOTSOCK; NULL items with nitems > 0
 *   -> EFAULT; a socket of a shut-down context -> ETERM, including a zmq_poll
 *   blocked in another thread when zmq_ctx_shutdown is called. */
#include "testutil.h"
#include <pthread.h>

/* Waits (bounded) until `s` reports `ev` through zmq_poll. */
static void wait_event (void *s, short ev, int timeout_ms, const char *what)
{
    zmq_pollitem_t it = {s, 0, ev, 0};
    int rc = zmq_poll (&it, 1, timeout_ms);
    if (rc != 1 || (it.revents & ev) != ev)
        TEST_FAIL ("%s: zmq_poll rc %d revents %d (errno %d)", what, rc,
                   it.revents, zmq_errno ());
}

static void test_socket_events (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *push = zmq_socket (ctx, ZMQ_PUSH);

    /* PUSH without any peer: no POLLOUT */
    zmq_pollitem_t out = {push, 0, ZMQ_POLLOUT, 0};
    int64_t t0 = test_now_ms ();
    TEST_ASSERT_EQ_INT (0, zmq_poll (&out, 1, 100));
    TEST_ASSERT_EQ_INT (0, out.revents);
    TEST_ASSERT (test_now_ms () - t0 >= 90);

    TEST_OK (zmq_connect (push, ep));
    wait_event (push, ZMQ_POLLOUT, 5000, "connected PUSH POLLOUT");

    /* empty PULL: timeout 0 returns at once with nothing */
    zmq_pollitem_t in = {pull, 0, ZMQ_POLLIN, 0x7f};
    t0 = test_now_ms ();
    TEST_ASSERT_EQ_INT (0, zmq_poll (&in, 1, 0));
    TEST_ASSERT_EQ_INT (0, in.revents);
    TEST_ASSERT (test_now_ms () - t0 < 100);

    send_str (push, "ping", 0);
    t0 = test_now_ms ();
    in.revents = 0;
    TEST_ASSERT_EQ_INT (1, zmq_poll (&in, 1, 5000));
    TEST_ASSERT_EQ_INT (ZMQ_POLLIN, in.revents);
    TEST_ASSERT (test_now_ms () - t0 < 4000); /* woke on the event */
    /* polling again does not consume it */
    TEST_ASSERT_EQ_INT (1, zmq_poll (&in, 1, 0));
    TEST_ASSERT_EQ_INT (ZMQ_POLLIN, in.revents);
    recv_str (pull, "ping");
    TEST_ASSERT_EQ_INT (0, zmq_poll (&in, 1, 0));
    TEST_ASSERT_EQ_INT (0, in.revents);

    /* Only requested events are reported: a PULL asked for POLLOUT has
     * none; a PUSH asked for POLLIN|POLLOUT reports only POLLOUT. */
    zmq_pollitem_t pout = {pull, 0, ZMQ_POLLOUT, 0};
    TEST_ASSERT_EQ_INT (0, zmq_poll (&pout, 1, 0));
    TEST_ASSERT_EQ_INT (0, pout.revents);
    zmq_pollitem_t both = {push, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0};
    TEST_ASSERT_EQ_INT (1, zmq_poll (&both, 1, 0));
    TEST_ASSERT_EQ_INT (ZMQ_POLLOUT, both.revents);
    /* events 0: never reported */
    zmq_pollitem_t none = {push, 0, 0, 0};
    TEST_ASSERT_EQ_INT (0, zmq_poll (&none, 1, 0));
    TEST_ASSERT_EQ_INT (0, none.revents);

    /* Two sockets in one call; the return value counts items. */
    send_str (push, "a", 0);
    wait_event (pull, ZMQ_POLLIN, 5000, "second message");
    zmq_pollitem_t two[2] = {{pull, 0, ZMQ_POLLIN, 0}, {push, 0, ZMQ_POLLOUT, 0}};
    TEST_ASSERT_EQ_INT (2, zmq_poll (two, 2, 0));
    TEST_ASSERT_EQ_INT (ZMQ_POLLIN, two[0].revents);
    TEST_ASSERT_EQ_INT (ZMQ_POLLOUT, two[1].revents);
    recv_str (pull, "a");
    close_zero (push);
    close_zero (pull);
}

static void test_pollout_without_peer (void *ctx)
{
    char ep[256];
    make_ipc_endpoint (ep, sizeof ep, "poll-nowhere");
    unlink (ep + 6);

    /* IMMEDIATE=1: a connect to nowhere creates no pipe: no POLLOUT */
    void *imm = zmq_socket (ctx, ZMQ_PUSH);
    int one = 1;
    TEST_OK (zmq_setsockopt (imm, ZMQ_IMMEDIATE, &one, sizeof one));
    TEST_OK (zmq_connect (imm, ep));
    zmq_pollitem_t it = {imm, 0, ZMQ_POLLOUT, 0};
    TEST_ASSERT_EQ_INT (0, zmq_poll (&it, 1, 200));
    TEST_ASSERT_EQ_INT (0, it.revents);

    /* IMMEDIATE=0: the connecting pipe queues, so POLLOUT until the HWM */
    void *lazy = zmq_socket (ctx, ZMQ_PUSH);
    int hwm = 3;
    TEST_OK (zmq_setsockopt (lazy, ZMQ_SNDHWM, &hwm, sizeof hwm));
    TEST_OK (zmq_connect (lazy, ep));
    wait_event (lazy, ZMQ_POLLOUT, 2000, "IMMEDIATE=0 PUSH POLLOUT");
    for (int i = 0; i < 3; i++)
        TEST_ASSERT_EQ_INT (1, zmq_send (lazy, "x", 1, ZMQ_DONTWAIT));
    zmq_pollitem_t full = {lazy, 0, ZMQ_POLLOUT, 0};
    TEST_ASSERT_EQ_INT (0, zmq_poll (&full, 1, 100));
    TEST_ASSERT_EQ_INT (0, full.revents);
    TEST_ERRNO (EAGAIN, zmq_send (lazy, "x", 1, ZMQ_DONTWAIT));
    close_zero (imm);
    close_zero (lazy);
}

static void test_raw_fds (void *ctx)
{
    int p[2];
    TEST_ASSERT (pipe (p) == 0);
    zmq_pollitem_t rd = {NULL, p[0], ZMQ_POLLIN, 0};
    zmq_pollitem_t wr = {NULL, p[1], ZMQ_POLLOUT, 0};
    TEST_ASSERT_EQ_INT (0, zmq_poll (&rd, 1, 50));
    TEST_ASSERT_EQ_INT (0, rd.revents);
    TEST_ASSERT_EQ_INT (1, zmq_poll (&wr, 1, 0));
    TEST_ASSERT_EQ_INT (ZMQ_POLLOUT, wr.revents);
    TEST_ASSERT (write (p[1], "z", 1) == 1);
    TEST_ASSERT_EQ_INT (1, zmq_poll (&rd, 1, 1000));
    TEST_ASSERT_EQ_INT (ZMQ_POLLIN, rd.revents);
    char c;
    TEST_ASSERT (read (p[0], &c, 1) == 1 && c == 'z');
    TEST_ASSERT_EQ_INT (0, zmq_poll (&rd, 1, 0));

    /* mixed: a socket and a raw fd */
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_bind (pull, "inproc://poll-mixed"));
    TEST_OK (zmq_connect (push, "inproc://poll-mixed"));
    zmq_pollitem_t mix[2] = {{pull, 0, ZMQ_POLLIN, 0}, {NULL, p[0], ZMQ_POLLIN, 0}};
    TEST_ASSERT_EQ_INT (0, zmq_poll (mix, 2, 50));
    TEST_ASSERT (write (p[1], "y", 1) == 1);
    TEST_ASSERT_EQ_INT (1, zmq_poll (mix, 2, 1000));
    TEST_ASSERT_EQ_INT (0, mix[0].revents);
    TEST_ASSERT_EQ_INT (ZMQ_POLLIN, mix[1].revents);
    send_str (push, "m", 0);
    TEST_ASSERT_EQ_INT (2, zmq_poll (mix, 2, 1000));
    TEST_ASSERT_EQ_INT (ZMQ_POLLIN, mix[0].revents);
    TEST_ASSERT_EQ_INT (ZMQ_POLLIN, mix[1].revents);
    TEST_ASSERT (read (p[0], &c, 1) == 1 && c == 'y');
    TEST_ASSERT_EQ_INT (1, zmq_poll (mix, 2, 0));
    TEST_ASSERT_EQ_INT (ZMQ_POLLIN, mix[0].revents);
    TEST_ASSERT_EQ_INT (0, mix[1].revents);
    recv_str (pull, "m");
    TEST_ASSERT_EQ_INT (0, zmq_poll (mix, 2, 0));

    /* A pipe whose write end is closed: poll(2) says POLLHUP only, which
     * zmq_poll reports as ZMQ_POLLERR (even though it was not requested). */
    close (p[1]);
    TEST_ASSERT_EQ_INT (1, zmq_poll (&rd, 1, 1000));
    TEST_ASSERT_EQ_INT (ZMQ_POLLERR, rd.revents);
    close (p[0]);
    close_zero (push);
    close_zero (pull);
}

struct sender {
    void *sock;
    int delay_ms;
};

static void *delayed_send (void *arg)
{
    struct sender *s = (struct sender *) arg;
    test_sleep_ms (s->delay_ms);
    send_str (s->sock, "late", 0);
    return NULL;
}

static void test_timeouts (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_OK (zmq_bind (pull, "inproc://poll-timeouts"));
    zmq_pollitem_t it = {pull, 0, ZMQ_POLLIN, 0};

    int64_t t0 = test_now_ms ();
    TEST_ASSERT_EQ_INT (0, zmq_poll (&it, 1, 0));
    TEST_ASSERT (test_now_ms () - t0 < 100);

    t0 = test_now_ms ();
    TEST_ASSERT_EQ_INT (0, zmq_poll (&it, 1, 250));
    int64_t took = test_now_ms () - t0;
    if (took < 240 || took > 3000)
        TEST_FAIL ("zmq_poll(250) returned after %lld ms", (long long) took);

    /* -1: waits for the message another thread sends after 200 ms */
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, "inproc://poll-timeouts"));
    struct sender sd = {push, 200};
    pthread_t th;
    TEST_ASSERT (pthread_create (&th, NULL, delayed_send, &sd) == 0);
    t0 = test_now_ms ();
    TEST_ASSERT_EQ_INT (1, zmq_poll (&it, 1, -1));
    took = test_now_ms () - t0;
    pthread_join (th, NULL);
    TEST_ASSERT_EQ_INT (ZMQ_POLLIN, it.revents);
    if (took < 150 || took > 5000)
        TEST_FAIL ("zmq_poll(-1) returned after %lld ms", (long long) took);
    recv_str (pull, "late");

    /* nitems 0: just sleeps */
    t0 = test_now_ms ();
    TEST_ASSERT_EQ_INT (0, zmq_poll (NULL, 0, 200));
    took = test_now_ms () - t0;
    if (took < 190 || took > 3000)
        TEST_FAIL ("zmq_poll(NULL, 0, 200) returned after %lld ms", (long long) took);
    t0 = test_now_ms ();
    TEST_ASSERT_EQ_INT (0, zmq_poll (NULL, 0, 0));
    TEST_ASSERT (test_now_ms () - t0 < 100);

    close_zero (push);
    close_zero (pull);
}

struct poller {
    void *sock;
    volatile int started;
    int rc, err;
};

static void *blocked_poll (void *arg)
{
    struct poller *p = (struct poller *) arg;
    zmq_pollitem_t it = {p->sock, 0, ZMQ_POLLIN, 0};
    p->started = 1;
    p->rc = zmq_poll (&it, 1, -1);
    p->err = zmq_errno ();
    return NULL;
}

static void test_errors (void)
{
    /* a garbage "socket" (readable memory that is no socket) */
    uint64_t garbage[16];
    memset (garbage, 0x5a, sizeof garbage);
    zmq_pollitem_t bad = {garbage, 0, ZMQ_POLLIN, 0};
    TEST_ERRNO (ENOTSOCK, zmq_poll (&bad, 1, 0));
    memset (garbage, 0, sizeof garbage);
    TEST_ERRNO (ENOTSOCK, zmq_poll (&bad, 1, 0));
    TEST_ERRNO (EFAULT, zmq_poll (NULL, 1, 0));

    /* shut-down context: ETERM for a blocked poll and for later ones */
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_OK (zmq_bind (pull, "inproc://poll-term"));
    struct poller p = {pull, 0, 0, 0};
    pthread_t th;
    TEST_ASSERT (pthread_create (&th, NULL, blocked_poll, &p) == 0);
    while (!p.started)
        test_sleep_ms (1);
    test_sleep_ms (100);
    TEST_OK (zmq_ctx_shutdown (ctx));
    pthread_join (th, NULL);
    TEST_ASSERT_EQ_INT (-1, p.rc);
    TEST_ASSERT_EQ_INT (ETERM, p.err);
    zmq_pollitem_t it = {pull, 0, ZMQ_POLLIN, 0};
    TEST_ERRNO (ETERM, zmq_poll (&it, 1, 0));
    TEST_ERRNO (ETERM, zmq_poll (&it, 1, 100));
    TEST_OK (zmq_close (pull));
    TEST_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    test_socket_events (ctx);
    test_pollout_without_peer (ctx);
    test_raw_fds (ctx);
    test_timeouts (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    test_errors ();
    return 0;
}
