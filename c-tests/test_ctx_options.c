/* Context options (zmq_ctx_set / zmq_ctx_get), socket limits, the legacy
 * context functions and zmq_ctx_shutdown.
 *
 * Checks:
 * - defaults: IO_THREADS 1, MAX_SOCKETS 1023, SOCKET_LIMIT 65535, IPV6 0,
 *   BLOCKY 1, MSG_T_SIZE 64 (= sizeof (zmq_msg_t)), MAX_MSGSZ INT_MAX,
 *   THREAD_SCHED_POLICY -1;
 * - set/get round trips (IO_THREADS incl. 0, MAX_SOCKETS, IPV6, BLOCKY,
 *   MAX_MSGSZ incl. 0); EINVAL for unknown ids, negative values, and
 *   setting the read-only MSG_T_SIZE; rejected sets change nothing;
 * - ctx IPV6=1 and BLOCKY=0 are inherited by sockets created afterwards
 *   (BLOCKY=0 -> LINGER 0; an explicit LINGER still wins; earlier sockets
 *   keep -1), and a BLOCKY=0 context terminates at once with unsent
 *   messages;
 * - MAX_SOCKETS=5 allows exactly 5 sockets, the sixth zmq_socket fails with
 *   EMFILE, and a closed socket's slot is reusable (within a bounded wait);
 * - zmq_init(1)/zmq_init(0)/zmq_init(-1 -> EINVAL), zmq_term and
 *   zmq_ctx_destroy; a legacy context carries messages;
 * - zmq_ctx_shutdown: a zmq_recv blocked in another thread returns
 *   -1/ETERM; afterwards send/recv/bind/connect/setsockopt/getsockopt/poll
 *   on its sockets give ETERM, zmq_socket gives NULL/ETERM, zmq_ctx_get still
 *   answers, a second shutdown is harmless, and close + term return 0;
 * - NULL context -> EFAULT from zmq_ctx_set/get/term/shutdown and
 *   zmq_socket.
 *
 * Not testable: zmq_socket on a context after zmq_ctx_term has returned (the
 * handle is freed; any access is a use-after-free). */
#include "testutil.h"
#include <limits.h>
#include <pthread.h>

#define ctx_get_is(ctx, opt, expected)                                         \
    do {                                                                       \
        int v_ = zmq_ctx_get (ctx, opt);                                       \
        if (v_ != (expected))                                                  \
            TEST_FAIL ("zmq_ctx_get(%s) = %d, expected %d", #opt, v_,          \
                       (int) (expected));                                      \
    } while (0)

static void test_defaults (void)
{
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    ctx_get_is (ctx, ZMQ_IO_THREADS, 1);
    ctx_get_is (ctx, ZMQ_MAX_SOCKETS, 1023);
    ctx_get_is (ctx, ZMQ_SOCKET_LIMIT, 65535);
    ctx_get_is (ctx, ZMQ_IPV6, 0);
    ctx_get_is (ctx, ZMQ_BLOCKY, 1);
    ctx_get_is (ctx, ZMQ_MSG_T_SIZE, 64);
    TEST_ASSERT_EQ_INT (sizeof (zmq_msg_t), zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE));
    ctx_get_is (ctx, ZMQ_MAX_MSGSZ, INT_MAX);
    ctx_get_is (ctx, ZMQ_THREAD_SCHED_POLICY, -1);

    /* unknown options */
    TEST_ERRNO (EINVAL, zmq_ctx_get (ctx, 9999));
    TEST_ERRNO (EINVAL, zmq_ctx_get (ctx, -1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, 9999, 1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, -1, 1));
    /* read-only */
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_MSG_T_SIZE, 64));
    /* negative values */
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_IO_THREADS, -1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, -1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 0));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_IPV6, -1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_BLOCKY, -1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, -1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, -2));
    /* nothing changed */
    ctx_get_is (ctx, ZMQ_IO_THREADS, 1);
    ctx_get_is (ctx, ZMQ_MAX_SOCKETS, 1023);
    ctx_get_is (ctx, ZMQ_IPV6, 0);
    ctx_get_is (ctx, ZMQ_BLOCKY, 1);
    ctx_get_is (ctx, ZMQ_MAX_MSGSZ, INT_MAX);
    ctx_get_is (ctx, ZMQ_MSG_T_SIZE, 64);

    /* round trips (before any socket exists) */
    TEST_OK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2));
    ctx_get_is (ctx, ZMQ_IO_THREADS, 2);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 0));
    ctx_get_is (ctx, ZMQ_IO_THREADS, 0);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 1));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 100));
    ctx_get_is (ctx, ZMQ_MAX_SOCKETS, 100);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 1023));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_IPV6, 1));
    ctx_get_is (ctx, ZMQ_IPV6, 1);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_IPV6, 0));
    ctx_get_is (ctx, ZMQ_IPV6, 0);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_BLOCKY, 0));
    ctx_get_is (ctx, ZMQ_BLOCKY, 0);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_BLOCKY, 1));
    ctx_get_is (ctx, ZMQ_BLOCKY, 1);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 12345));
    ctx_get_is (ctx, ZMQ_MAX_MSGSZ, 12345);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 0));
    ctx_get_is (ctx, ZMQ_MAX_MSGSZ, 0);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, INT_MAX));
    ctx_get_is (ctx, ZMQ_MAX_MSGSZ, INT_MAX);
    TEST_OK (zmq_ctx_term (ctx));
}

static void test_inherited_by_sockets (void)
{
    void *ctx = zmq_ctx_new ();
    void *before = zmq_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_EQ_INT (-1, get_int (before, ZMQ_LINGER));
    TEST_ASSERT_EQ_INT (0, get_int (before, ZMQ_IPV6));

    TEST_OK (zmq_ctx_set (ctx, ZMQ_BLOCKY, 0));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_IPV6, 1));
    void *after = zmq_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_EQ_INT (0, get_int (after, ZMQ_LINGER));
    TEST_ASSERT_EQ_INT (1, get_int (after, ZMQ_IPV6));
    /* the earlier socket keeps its values */
    TEST_ASSERT_EQ_INT (-1, get_int (before, ZMQ_LINGER));
    TEST_ASSERT_EQ_INT (0, get_int (before, ZMQ_IPV6));
    /* explicit socket options still win */
    int v = 300;
    TEST_OK (zmq_setsockopt (after, ZMQ_LINGER, &v, sizeof v));
    TEST_ASSERT_EQ_INT (300, get_int (after, ZMQ_LINGER));
    TEST_OK (zmq_close (after));
    TEST_OK (zmq_close (before));
    TEST_OK (zmq_ctx_term (ctx));

    /* A BLOCKY=0 context does not wait for unsent messages at term. */
    ctx = zmq_ctx_new ();
    TEST_OK (zmq_ctx_set (ctx, ZMQ_BLOCKY, 0));
    char ep[256];
    make_ipc_endpoint (ep, sizeof ep, "ctxopt-blocky");
    unlink (ep + 6);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, ep));
    for (int i = 0; i < 5; i++)
        TEST_ASSERT_EQ_INT (1, zmq_send (push, "x", 1, ZMQ_DONTWAIT));
    TEST_OK (zmq_close (push));
    int64_t t0 = test_now_ms ();
    TEST_OK (zmq_ctx_term (ctx));
    int64_t took = test_now_ms () - t0;
    if (took > 1000)
        TEST_FAIL ("BLOCKY=0 context took %lld ms to terminate", (long long) took);
}

static void test_max_sockets (void)
{
    void *ctx = zmq_ctx_new ();
    TEST_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 5));
    ctx_get_is (ctx, ZMQ_MAX_SOCKETS, 5);
    void *s[5];
    for (int i = 0; i < 5; i++) {
        s[i] = zmq_socket (ctx, ZMQ_PAIR);
        if (!s[i])
            TEST_FAIL ("socket %d of 5 failed: %s", i + 1,
                       zmq_strerror (zmq_errno ()));
    }
    void *extra = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT (extra == NULL);
    TEST_ASSERT_EQ_INT (EMFILE, zmq_errno ());
    TEST_ASSERT_EQ_INT (EMFILE, errno);
    /* still full, other types too */
    TEST_ASSERT (zmq_socket (ctx, ZMQ_PUB) == NULL);
    TEST_ASSERT_EQ_INT (EMFILE, zmq_errno ());

    /* The existing sockets work. */
    TEST_OK (zmq_bind (s[0], "inproc://ctxopt-max"));
    TEST_OK (zmq_connect (s[1], "inproc://ctxopt-max"));
    send_str (s[1], "hi", 0);
    set_rcvtimeo (s[0], 2000);
    recv_str (s[0], "hi");

    /* Closing one frees its slot (the close may complete asynchronously). */
    TEST_OK (zmq_close (s[4]));
    int64_t deadline = test_now_ms () + 3000;
    for (;;) {
        s[4] = zmq_socket (ctx, ZMQ_PAIR);
        if (s[4])
            break;
        TEST_ASSERT_EQ_INT (EMFILE, zmq_errno ());
        if (test_now_ms () > deadline)
            TEST_FAIL ("a closed socket's slot was never reused");
        test_sleep_ms (10);
    }
    TEST_ASSERT (zmq_socket (ctx, ZMQ_PAIR) == NULL);
    TEST_ASSERT_EQ_INT (EMFILE, zmq_errno ());
    for (int i = 0; i < 5; i++)
        TEST_OK (zmq_close (s[i]));
    TEST_OK (zmq_ctx_term (ctx));
}

static void test_legacy (void)
{
    void *ctx = zmq_init (1);
    TEST_ASSERT (ctx);
    ctx_get_is (ctx, ZMQ_IO_THREADS, 1);
    void *a = zmq_socket (ctx, ZMQ_PAIR);
    void *b = zmq_socket (ctx, ZMQ_PAIR);
    TEST_OK (zmq_bind (a, "inproc://ctxopt-legacy"));
    TEST_OK (zmq_connect (b, "inproc://ctxopt-legacy"));
    send_str (b, "legacy", 0);
    set_rcvtimeo (a, 2000);
    recv_str (a, "legacy");
    TEST_OK (zmq_close (a));
    TEST_OK (zmq_close (b));
    TEST_ASSERT_EQ_INT (0, zmq_term (ctx));

    /* zmq_init(0): no I/O threads; inproc still works */
    ctx = zmq_init (0);
    TEST_ASSERT (ctx);
    ctx_get_is (ctx, ZMQ_IO_THREADS, 0);
    a = zmq_socket (ctx, ZMQ_PAIR);
    b = zmq_socket (ctx, ZMQ_PAIR);
    TEST_OK (zmq_bind (a, "inproc://ctxopt-legacy0"));
    TEST_OK (zmq_connect (b, "inproc://ctxopt-legacy0"));
    send_str (b, "zero", 0);
    set_rcvtimeo (a, 2000);
    recv_str (a, "zero");
    TEST_OK (zmq_close (a));
    TEST_OK (zmq_close (b));
    TEST_ASSERT_EQ_INT (0, zmq_ctx_destroy (ctx));

    ctx = zmq_init (2);
    TEST_ASSERT (ctx);
    ctx_get_is (ctx, ZMQ_IO_THREADS, 2);
    TEST_ASSERT_EQ_INT (0, zmq_ctx_destroy (ctx));

    errno = 0;
    TEST_ASSERT (zmq_init (-1) == NULL);
    TEST_ASSERT_EQ_INT (EINVAL, zmq_errno ());
}

struct blocked {
    void *sock;
    int rc;
    int err;
    volatile int started;
};

static void *recv_thread (void *arg)
{
    struct blocked *b = (struct blocked *) arg;
    char buf[16];
    b->started = 1;
    b->rc = zmq_recv (b->sock, buf, sizeof buf, 0);
    b->err = zmq_errno ();
    return NULL;
}

static void test_shutdown (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_bind (pull, "inproc://ctxopt-shutdown"));

    struct blocked b = {pull, 0, 0, 0};
    pthread_t th;
    TEST_ASSERT (pthread_create (&th, NULL, recv_thread, &b) == 0);
    while (!b.started)
        test_sleep_ms (1);
    test_sleep_ms (100); /* let it block */
    int64_t t0 = test_now_ms ();
    TEST_OK (zmq_ctx_shutdown (ctx));
    pthread_join (th, NULL);
    TEST_ASSERT (test_now_ms () - t0 < 2000);
    TEST_ASSERT_EQ_INT (-1, b.rc);
    TEST_ASSERT_EQ_INT (ETERM, b.err);

    char buf[8];
    TEST_ERRNO (ETERM, zmq_recv (pull, buf, sizeof buf, 0));
    TEST_ERRNO (ETERM, zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT));
    TEST_ERRNO (ETERM, zmq_send (push, "x", 1, 0));
    TEST_ERRNO (ETERM, zmq_send (push, "x", 1, ZMQ_DONTWAIT));
    TEST_ERRNO (ETERM, zmq_bind (push, "inproc://ctxopt-after"));
    TEST_ERRNO (ETERM, zmq_connect (push, "inproc://ctxopt-shutdown"));
    int v = 0;
    size_t len = sizeof v;
    TEST_ERRNO (ETERM, zmq_getsockopt (push, ZMQ_LINGER, &v, &len));
    TEST_ERRNO (ETERM, zmq_setsockopt (push, ZMQ_LINGER, &v, sizeof v));
    zmq_pollitem_t it = {pull, 0, ZMQ_POLLIN, 0};
    TEST_ERRNO (ETERM, zmq_poll (&it, 1, 0));
    errno = 0;
    TEST_ASSERT (zmq_socket (ctx, ZMQ_PAIR) == NULL);
    TEST_ASSERT_EQ_INT (ETERM, zmq_errno ());
    /* options can still be read; shutting down again is harmless */
    ctx_get_is (ctx, ZMQ_IO_THREADS, 1);
    TEST_OK (zmq_ctx_shutdown (ctx));

    TEST_OK (zmq_close (pull));
    TEST_OK (zmq_close (push));
    t0 = test_now_ms ();
    TEST_OK (zmq_ctx_term (ctx));
    TEST_ASSERT (test_now_ms () - t0 < 2000);

    /* shutdown of a context without sockets, then term */
    ctx = zmq_ctx_new ();
    TEST_OK (zmq_ctx_shutdown (ctx));
    TEST_OK (zmq_ctx_term (ctx));
}

static void test_null_context (void)
{
    TEST_ERRNO (EFAULT, zmq_ctx_get (NULL, ZMQ_IO_THREADS));
    TEST_ERRNO (EFAULT, zmq_ctx_set (NULL, ZMQ_IO_THREADS, 1));
    TEST_ERRNO (EFAULT, zmq_ctx_term (NULL));
    TEST_ERRNO (EFAULT, zmq_ctx_shutdown (NULL));
    TEST_ERRNO (EFAULT, zmq_term (NULL));
    TEST_ERRNO (EFAULT, zmq_ctx_destroy (NULL));
    errno = 0;
    TEST_ASSERT (zmq_socket (NULL, ZMQ_PAIR) == NULL);
    TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
}

int main (void)
{
    test_watchdog (60);
    test_defaults ();
    test_inherited_by_sockets ();
    test_max_sockets ();
    test_legacy ();
    test_shutdown ();
    test_null_context ();
    return 0;
}
