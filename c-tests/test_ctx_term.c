/* zmq_ctx_term: interrupting blocked calls, linger, and flushing.
 *
 * Checks:
 * - while zmq_ctx_term runs in the main thread, threads blocked in zmq_recv
 *   (PULL without peers), zmq_send (PUSH whose inproc pipe is at its HWM)
 *   and zmq_poll (infinite timeout) each return -1/ETERM promptly;
 *   zmq_socket on the terminating context gives NULL/ETERM; zmq_ctx_term
 *   does not return before the last of those sockets is closed, then
 *   returns 0;
 * - LINGER 0 with unsent messages for an absent peer (an ipc path nobody
 *   binds; a tcp port that is bound but not listening): term returns at
 *   once;
 * - LINGER 100: term returns after about 100 ms (>= 90 ms, < 2 s);
 * - default LINGER (-1) with messages still queued: term waits for the peer
 *   (it has not returned while no peer exists), and once the peer binds the
 *   queued messages are delivered and term returns 0. */
#include "testutil.h"
#include "rawzmtp.h"
#include <pthread.h>

struct job {
    void *ctx;
    int kind; /* 0 recv, 1 send, 2 poll */
    volatile int ready;
    volatile int done;
    int rc, err;
    int64_t t_return;
    int socket_rc_null, socket_err; /* zmq_socket after ETERM */
    volatile int64_t t_closed;
};

static void *worker (void *arg)
{
    struct job *j = (struct job *) arg;
    void *s = NULL, *peer = NULL;
    int zero = 0;
    char buf[16];
    if (j->kind == 0) {
        s = zmq_socket (j->ctx, ZMQ_PULL);
        TEST_OK (zmq_bind (s, "inproc://term-recv"));
    } else if (j->kind == 1) {
        s = zmq_socket (j->ctx, ZMQ_PUSH);
        peer = zmq_socket (j->ctx, ZMQ_PULL); /* never reads */
        int one = 1;
        TEST_OK (zmq_setsockopt (s, ZMQ_SNDHWM, &one, sizeof one));
        TEST_OK (zmq_setsockopt (peer, ZMQ_RCVHWM, &one, sizeof one));
        TEST_OK (zmq_bind (peer, "inproc://term-send"));
        TEST_OK (zmq_connect (s, "inproc://term-send"));
        int n = 0;
        while (zmq_send (s, "x", 1, ZMQ_DONTWAIT) == 1)
            if (++n > 100)
                TEST_FAIL ("HWM 1+1 pipe took more than 100 messages");
        TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
    } else {
        s = zmq_socket (j->ctx, ZMQ_PULL);
        TEST_OK (zmq_bind (s, "inproc://term-poll"));
    }
    /* LINGER 0 up front: after ETERM, setsockopt is refused too. */
    TEST_OK (zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero));
    if (peer)
        TEST_OK (zmq_setsockopt (peer, ZMQ_LINGER, &zero, sizeof zero));
    j->ready = 1;
    if (j->kind == 0)
        j->rc = zmq_recv (s, buf, sizeof buf, 0);
    else if (j->kind == 1)
        j->rc = zmq_send (s, "y", 1, 0);
    else {
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        j->rc = zmq_poll (&it, 1, -1);
    }
    j->err = zmq_errno ();
    j->t_return = test_now_ms ();
    j->done = 1;

    void *late = zmq_socket (j->ctx, ZMQ_PAIR);
    j->socket_rc_null = late == NULL;
    j->socket_err = zmq_errno ();
    if (late)
        zmq_close (late);

    /* Stagger the closes so the test can tell that term waits for them. */
    test_sleep_ms (100 + 100 * j->kind);
    if (peer)
        TEST_OK (zmq_close (peer));
    j->t_closed = test_now_ms ();
    TEST_OK (zmq_close (s));
    return NULL;
}

static void test_blocked_calls (void)
{
    void *ctx = zmq_ctx_new ();
    struct job jobs[3];
    pthread_t th[3];
    memset (jobs, 0, sizeof jobs);
    for (int i = 0; i < 3; i++) {
        jobs[i].ctx = ctx;
        jobs[i].kind = i;
        TEST_ASSERT (pthread_create (&th[i], NULL, worker, &jobs[i]) == 0);
    }
    int64_t deadline = test_now_ms () + 5000;
    for (int i = 0; i < 3; i++)
        while (!jobs[i].ready) {
            if (test_now_ms () > deadline)
                TEST_FAIL ("worker %d never got ready", i);
            test_sleep_ms (1);
        }
    test_sleep_ms (200); /* let them block */
    for (int i = 0; i < 3; i++)
        if (jobs[i].done)
            TEST_FAIL ("worker %d returned before term: rc %d errno %d", i,
                       jobs[i].rc, jobs[i].err);

    int64_t t0 = test_now_ms ();
    TEST_ASSERT_EQ_INT (0, zmq_ctx_term (ctx));
    int64_t t_term = test_now_ms ();
    for (int i = 0; i < 3; i++)
        pthread_join (th[i], NULL);

    static const char *names[] = {"zmq_recv", "zmq_send", "zmq_poll"};
    int64_t last_close = 0;
    for (int i = 0; i < 3; i++) {
        if (jobs[i].rc != -1 || jobs[i].err != ETERM)
            TEST_FAIL ("blocked %s: expected -1/ETERM, got %d errno %d (%s)",
                       names[i], jobs[i].rc, jobs[i].err,
                       zmq_strerror (jobs[i].err));
        if (jobs[i].t_return - t0 > 1000)
            TEST_FAIL ("blocked %s took %lld ms to see ETERM", names[i],
                       (long long) (jobs[i].t_return - t0));
        if (!jobs[i].socket_rc_null || jobs[i].socket_err != ETERM)
            TEST_FAIL ("zmq_socket during term: expected NULL/ETERM, got "
                       "errno %d",
                       jobs[i].socket_err);
        if (jobs[i].t_closed > last_close)
            last_close = jobs[i].t_closed;
    }
    /* term returned only after the last socket was closed */
    if (t_term < last_close)
        TEST_FAIL ("zmq_ctx_term returned %lld ms before the last zmq_close",
                   (long long) (last_close - t_term));
}

/* LINGER 0 or 100 with unsent messages and no peer. */
static void test_linger_no_peer (int linger, int use_tcp)
{
    void *ctx = zmq_ctx_new ();
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_setsockopt (push, ZMQ_LINGER, &linger, sizeof linger));
    char ep[256];
    int holder = -1;
    if (use_tcp) {
        /* A port that is bound but not listening: connects to it are refused
         * for as long as `holder` stays open, and nobody else can take it. */
        int port = 0;
        holder = rz_bind_loopback (&port);
        TEST_ASSERT (holder >= 0);
        snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    } else {
        make_ipc_endpoint (ep, sizeof ep, "term-nopeer");
        unlink (ep + 6);
    }
    TEST_OK (zmq_connect (push, ep));
    for (int i = 0; i < 10; i++)
        TEST_ASSERT_EQ_INT (5, zmq_send (push, "hello", 5, ZMQ_DONTWAIT));
    TEST_OK (zmq_close (push));
    int64_t t0 = test_now_ms ();
    TEST_ASSERT_EQ_INT (0, zmq_ctx_term (ctx));
    int64_t took = test_now_ms () - t0;
    if (linger == 0 && took > 500)
        TEST_FAIL ("LINGER 0 (%s): term took %lld ms", use_tcp ? "tcp" : "ipc",
                   (long long) took);
    if (linger > 0 && (took < linger - 10 || took > 2000))
        TEST_FAIL ("LINGER %d (%s): term took %lld ms", linger,
                   use_tcp ? "tcp" : "ipc", (long long) took);
    if (holder >= 0)
        close (holder);
}

struct term_job {
    void *ctx;
    volatile int done;
    int rc;
};

static void *term_thread (void *arg)
{
    struct term_job *t = (struct term_job *) arg;
    t->rc = zmq_ctx_term (t->ctx);
    t->done = 1;
    return NULL;
}

/* Default LINGER (-1): term flushes queued messages to a peer. */
static void test_linger_flush (void)
{
    char ep[256];
    make_ipc_endpoint (ep, sizeof ep, "term-flush");
    unlink (ep + 6);

    void *ctx_a = zmq_ctx_new ();
    void *push = zmq_socket (ctx_a, ZMQ_PUSH);
    int v = 0;
    size_t len = sizeof v;
    TEST_OK (zmq_getsockopt (push, ZMQ_LINGER, &v, &len));
    TEST_ASSERT_EQ_INT (-1, v);
    TEST_OK (zmq_connect (push, ep));
    const int N = 100;
    char msg[32];
    for (int i = 0; i < N; i++) {
        snprintf (msg, sizeof msg, "flush-%d", i);
        TEST_ASSERT_EQ_INT ((int) strlen (msg),
                            zmq_send (push, msg, strlen (msg), ZMQ_DONTWAIT));
    }
    TEST_OK (zmq_close (push));

    struct term_job tj = {ctx_a, 0, -2};
    pthread_t th;
    TEST_ASSERT (pthread_create (&th, NULL, term_thread, &tj) == 0);
    test_sleep_ms (300);
    if (tj.done)
        TEST_FAIL ("zmq_ctx_term returned (%d) with 100 unsent messages, no "
                   "peer and LINGER -1",
                   tj.rc);

    void *ctx_b = zmq_ctx_new ();
    void *pull = zmq_socket (ctx_b, ZMQ_PULL);
    TEST_OK (zmq_bind (pull, ep));
    set_rcvtimeo (pull, 5000);
    for (int i = 0; i < N; i++) {
        snprintf (msg, sizeof msg, "flush-%d", i);
        recv_str (pull, msg);
    }
    int64_t deadline = test_now_ms () + 5000;
    while (!tj.done) {
        if (test_now_ms () > deadline)
            TEST_FAIL ("zmq_ctx_term did not return after the flush");
        test_sleep_ms (5);
    }
    pthread_join (th, NULL);
    TEST_ASSERT_EQ_INT (0, tj.rc);
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx_b));
    unlink (ep + 6);

    /* Over tcp, with the peer already listening: term returns 0 and the
     * peer (in another context) has every message. */
    ctx_b = zmq_ctx_new ();
    pull = zmq_socket (ctx_b, ZMQ_PULL);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    ctx_a = zmq_ctx_new ();
    push = zmq_socket (ctx_a, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, ep));
    for (int i = 0; i < N; i++) {
        snprintf (msg, sizeof msg, "tcp-%d", i);
        TEST_ASSERT_EQ_INT ((int) strlen (msg),
                            zmq_send (push, msg, strlen (msg), ZMQ_DONTWAIT));
    }
    TEST_OK (zmq_close (push));
    TEST_ASSERT_EQ_INT (0, zmq_ctx_term (ctx_a));
    set_rcvtimeo (pull, 5000);
    for (int i = 0; i < N; i++) {
        snprintf (msg, sizeof msg, "tcp-%d", i);
        recv_str (pull, msg);
    }
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx_b));
}

int main (void)
{
    test_watchdog (60);
    test_blocked_calls ();
    test_linger_no_peer (0, 0);
    test_linger_no_peer (0, 1);
    test_linger_no_peer (100, 0);
    test_linger_no_peer (100, 1);
    test_linger_flush ();
    return 0;
}
