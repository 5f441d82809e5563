/* zmq_proxy, zmq_proxy_steerable and zmq_device.
 *
 * Checks:
 * - zmq_proxy(ROUTER, DEALER, capture PAIR): a multipart request and its
 *   multipart reply cross whole in both directions, and the capture socket
 *   gets a copy of every frame with its MORE flag; terminating the context
 *   makes the proxy return -1/ETERM (and zmq_ctx_term then returns 0);
 * - zmq_proxy_steerable(PULL, PUSH, NULL, PAIR control): STATISTICS answers
 *   8 uint64 frames (frontend in msgs/bytes, out msgs/bytes, then backend's);
 *   PAUSE holds messages back (and they are not lost), RESUME lets them
 *   through, TERMINATE makes the call return 0. With libzmq >= 4.3.5
 *   semantics (and Rampart) every other command is answered with an empty
 *   frame and an unknown command changes nothing; libzmq 4.3.4 sends no
 *   such answer, so that part runs only where it applies; a SUB control
 *   socket (which cannot answer) still takes TERMINATE;
 * - zmq_device(ZMQ_STREAMER, PULL, PUSH) while the backend has no peer:
 *   nothing is dropped and (Rampart only: libzmq 4.3.4 spins here) the
 *   proxy does not spin (CPU time over 400 ms of waiting stays small); once a peer connects every message arrives in
 *   order; context termination returns -1/ETERM;
 * - NULL frontend or backend: -1/EFAULT. */
#include "testutil.h"
#include <pthread.h>
#include <sys/resource.h>

struct proxy_job {
    void *front, *back, *capture, *control;
    int device; /* 1: zmq_device */
    int rc, err;
    volatile int done;
};

static void *run_proxy (void *arg)
{
    struct proxy_job *j = (struct proxy_job *) arg;
    if (j->device)
        j->rc = zmq_device (ZMQ_STREAMER, j->front, j->back);
    else if (j->control)
        j->rc = zmq_proxy_steerable (j->front, j->back, j->capture, j->control);
    else
        j->rc = zmq_proxy (j->front, j->back, j->capture);
    j->err = zmq_errno ();
    int zero = 0;
    void *all[] = {j->front, j->back, j->capture, j->control};
    for (int i = 0; i < 4; i++)
        if (all[i]) {
            zmq_setsockopt (all[i], ZMQ_LINGER, &zero, sizeof zero);
            zmq_close (all[i]);
        }
    j->done = 1;
    return NULL;
}

static void *socket_at (void *ctx, int type, const char *ep, int bind)
{
    void *s = zmq_socket (ctx, type);
    TEST_ASSERT (s != NULL);
    int zero = 0;
    TEST_OK (zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero));
    if (bind)
        TEST_OK (zmq_bind (s, ep));
    else
        TEST_OK (zmq_connect (s, ep));
    set_rcvtimeo (s, 5000);
    return s;
}

static void proxy_with_capture (void)
{
    void *ctx = zmq_ctx_new ();
    void *front = socket_at (ctx, ZMQ_ROUTER, "inproc://p1-front", 1);
    void *back = socket_at (ctx, ZMQ_DEALER, "inproc://p1-back", 1);
    void *capture = socket_at (ctx, ZMQ_PAIR, "inproc://p1-capture", 1);
    void *tap = socket_at (ctx, ZMQ_PAIR, "inproc://p1-capture", 0);
    void *client = zmq_socket (ctx, ZMQ_DEALER);
    TEST_OK (zmq_setsockopt (client, ZMQ_ROUTING_ID, "C1", 2));
    int zero = 0;
    TEST_OK (zmq_setsockopt (client, ZMQ_LINGER, &zero, sizeof zero));
    set_rcvtimeo (client, 5000);
    TEST_OK (zmq_connect (client, "inproc://p1-front"));
    void *worker = socket_at (ctx, ZMQ_DEALER, "inproc://p1-back", 0);

    struct proxy_job j = {front, back, capture, NULL, 0, 0, 0, 0};
    pthread_t t;
    TEST_ASSERT (pthread_create (&t, NULL, run_proxy, &j) == 0);

    send_str (client, "A", ZMQ_SNDMORE);
    send_str (client, "BB", 0);
    recv_s (worker, "C1", 1);
    recv_s (worker, "A", 1);
    recv_s (worker, "BB", 0);
    send_str (worker, "C1", ZMQ_SNDMORE);
    send_str (worker, "r1", ZMQ_SNDMORE);
    send_str (worker, "r2", 0);
    recv_s (client, "r1", 1);
    recv_s (client, "r2", 0);

    /* The capture saw both messages, frame by frame, MORE flags kept. */
    recv_s (tap, "C1", 1);
    recv_s (tap, "A", 1);
    recv_s (tap, "BB", 0);
    recv_s (tap, "C1", 1);
    recv_s (tap, "r1", 1);
    recv_s (tap, "r2", 0);

    TEST_OK (zmq_close (client));
    TEST_OK (zmq_close (worker));
    TEST_OK (zmq_close (tap));
    TEST_ASSERT_EQ_INT (0, zmq_ctx_term (ctx));
    pthread_join (t, NULL);
    TEST_ASSERT_EQ_INT (-1, j.rc);
    TEST_ASSERT_EQ_INT (ETERM, j.err);
}

/* libzmq 4.3.5 answers every control command but STATISTICS with an empty
 * frame; 4.3.4 does not. */
static int control_acks (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    return is_rampart () || major * 10000 + minor * 100 + patch >= 40305;
}

static void command (void *ctl, const char *cmd)
{
    send_str (ctl, cmd, 0);
    if (control_acks ())
        recv_s (ctl, "", 0);
}

/* Asks for STATISTICS and compares the eight counters. */
static void expect_stats (void *ctl, const uint64_t want[8])
{
    send_str (ctl, "STATISTICS", 0);
    for (int i = 0; i < 8; i++) {
        zmq_msg_t m;
        TEST_OK (zmq_msg_init (&m));
        int n = zmq_msg_recv (&m, ctl, 0);
        if (n != 8)
            TEST_FAIL ("statistics frame %d: %d bytes (errno %s)", i, n,
                       zmq_strerror (zmq_errno ()));
        uint64_t v;
        memcpy (&v, zmq_msg_data (&m), 8);
        if (v != want[i])
            TEST_FAIL ("statistics frame %d: %llu, expected %llu", i,
                       (unsigned long long) v, (unsigned long long) want[i]);
        TEST_ASSERT_EQ_INT (i < 7, zmq_msg_more (&m));
        zmq_msg_close (&m);
    }
}

static void steerable (void)
{
    void *ctx = zmq_ctx_new ();
    void *front = socket_at (ctx, ZMQ_PULL, "inproc://p2-front", 1);
    void *back = socket_at (ctx, ZMQ_PUSH, "inproc://p2-back", 1);
    void *control = socket_at (ctx, ZMQ_PAIR, "inproc://p2-control", 1);
    void *ctl = socket_at (ctx, ZMQ_PAIR, "inproc://p2-control", 0);
    void *sender = socket_at (ctx, ZMQ_PUSH, "inproc://p2-front", 0);
    void *receiver = socket_at (ctx, ZMQ_PULL, "inproc://p2-back", 0);

    struct proxy_job j = {front, back, NULL, control, 0, 0, 0, 0};
    pthread_t t;
    TEST_ASSERT (pthread_create (&t, NULL, run_proxy, &j) == 0);

    send_str (sender, "hello", 0);
    recv_str (receiver, "hello");
    const uint64_t one[8] = {1, 5, 0, 0, 0, 0, 1, 5};
    expect_stats (ctl, one);

    /* Paused: the STATISTICS answer proves PAUSE was taken first. */
    command (ctl, "PAUSE");
    expect_stats (ctl, one);
    send_str (sender, "world", 0);
    zmq_pollitem_t it = {receiver, 0, ZMQ_POLLIN, 0};
    TEST_ASSERT_EQ_INT (0, zmq_poll (&it, 1, 300));
    expect_stats (ctl, one);

    command (ctl, "RESUME");
    recv_str (receiver, "world");
    const uint64_t two[8] = {2, 10, 0, 0, 0, 0, 2, 10};
    expect_stats (ctl, two);

    if (control_acks ()) {
        /* An unknown command is answered and changes nothing. */
        command (ctl, "BOGUS");
        send_str (sender, "again", 0);
        recv_str (receiver, "again");
        const uint64_t three[8] = {3, 15, 0, 0, 0, 0, 3, 15};
        expect_stats (ctl, three);
    }

    command (ctl, "TERMINATE");
    pthread_join (t, NULL);
    TEST_ASSERT_EQ_INT (0, j.rc);

    TEST_OK (zmq_close (ctl));
    TEST_OK (zmq_close (sender));
    TEST_OK (zmq_close (receiver));
    TEST_ASSERT_EQ_INT (0, zmq_ctx_term (ctx));
}

/* A control socket that cannot answer (SUB, as zmq_proxy_steerable(3)'s
 * example) still takes commands. */
static void steerable_sub_control (void)
{
    void *ctx = zmq_ctx_new ();
    void *front = socket_at (ctx, ZMQ_PULL, "inproc://p4-front", 1);
    void *back = socket_at (ctx, ZMQ_PUSH, "inproc://p4-back", 1);
    void *ctl = socket_at (ctx, ZMQ_PUB, "inproc://p4-control", 1);
    void *control = socket_at (ctx, ZMQ_SUB, "inproc://p4-control", 0);
    TEST_OK (zmq_setsockopt (control, ZMQ_SUBSCRIBE, "", 0));

    struct proxy_job j = {front, back, NULL, control, 0, 0, 0, 0};
    pthread_t t;
    TEST_ASSERT (pthread_create (&t, NULL, run_proxy, &j) == 0);
    /* Until the subscription reaches the PUB, it drops: repeat. */
    for (int i = 0; i < 100 && !j.done; i++) {
        send_str (ctl, "TERMINATE", 0);
        test_sleep_ms (20);
    }
    pthread_join (t, NULL);
    TEST_ASSERT_EQ_INT (0, j.rc);
    TEST_OK (zmq_close (ctl));
    TEST_ASSERT_EQ_INT (0, zmq_ctx_term (ctx));
}

static int64_t cpu_ms (void)
{
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    return (int64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000
           + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

static void device_backpressure (void)
{
    enum { N = 50 };
    void *ctx = zmq_ctx_new ();
    void *front = socket_at (ctx, ZMQ_PULL, "inproc://p3-front", 1);
    void *back = zmq_socket (ctx, ZMQ_PUSH);
    char ep[256];
    bind_ephemeral (back, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *sender = socket_at (ctx, ZMQ_PUSH, "inproc://p3-front", 0);

    struct proxy_job j = {front, back, NULL, NULL, 1, 0, 0, 0};
    pthread_t t;
    TEST_ASSERT (pthread_create (&t, NULL, run_proxy, &j) == 0);

    char buf[32];
    for (int i = 0; i < N; i++) {
        snprintf (buf, sizeof buf, "m%d", i);
        send_str (sender, buf, 0);
    }
    /* The backend has no peer: the proxy must wait, not spin. */
    test_sleep_ms (50);
    int64_t c0 = cpu_ms (), w0 = test_now_ms ();
    test_sleep_ms (400);
    int64_t used = cpu_ms () - c0, wall = test_now_ms () - w0;
    /* (Debian's libzmq 4.3.4 spins here: the bound is Rampart's.) */
    if (is_rampart () && used > wall / 3)
        TEST_FAIL ("%lld ms of CPU in %lld ms while the backend had no peer",
                   (long long) used, (long long) wall);
    TEST_ASSERT (!j.done);

    void *receiver = socket_at (ctx, ZMQ_PULL, ep, 0);
    for (int i = 0; i < N; i++) {
        snprintf (buf, sizeof buf, "m%d", i);
        recv_str (receiver, buf);
    }

    TEST_OK (zmq_close (sender));
    TEST_OK (zmq_close (receiver));
    TEST_ASSERT_EQ_INT (0, zmq_ctx_term (ctx));
    pthread_join (t, NULL);
    TEST_ASSERT_EQ_INT (-1, j.rc);
    TEST_ASSERT_EQ_INT (ETERM, j.err);
}

static void bad_arguments (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ERRNO (EFAULT, zmq_proxy (NULL, s, NULL));
    TEST_ERRNO (EFAULT, zmq_proxy (s, NULL, NULL));
    TEST_ERRNO (EFAULT, zmq_proxy_steerable (NULL, s, NULL, NULL));
    TEST_ERRNO (EFAULT, zmq_proxy_steerable (s, NULL, NULL, NULL));
    TEST_OK (zmq_close (s));
    TEST_ASSERT_EQ_INT (0, zmq_ctx_term (ctx));
}

int main (void)
{
    test_watchdog (60);
    bad_arguments ();
    proxy_with_capture ();
    steerable ();
    steerable_sub_control ();
    device_backpressure ();
    return 0;
}
