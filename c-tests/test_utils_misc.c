/* Version, errno, error texts, capabilities, stopwatch, sleep and
 * application threads. */
#include "testutil.h"
#include <pthread.h>

static void test_version (void)
{
    int major = -1, minor = -1, patch = -1;
    zmq_version (&major, &minor, &patch);
    TEST_ASSERT_EQ_INT (4, major);
    TEST_ASSERT_EQ_INT (3, minor);
    TEST_ASSERT (patch >= 0);
    if (is_rampart ()) {
        TEST_ASSERT_EQ_INT (5, patch);
        /* NULL pointers are skipped (libzmq writes through them). */
        zmq_version (NULL, NULL, NULL);
        minor = -1;
        zmq_version (NULL, &minor, NULL);
        TEST_ASSERT_EQ_INT (3, minor);
    }
}

static void test_errno (void)
{
    errno = EAGAIN;
    TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
    errno = ETERM;
    TEST_ASSERT_EQ_INT (ETERM, zmq_errno ());
    errno = 0;
    TEST_ASSERT_EQ_INT (0, zmq_errno ());
}

static void expect_text (int code, const char *text)
{
    const char *got = zmq_strerror (code);
    TEST_ASSERT (got != NULL);
    if (strcmp (got, text) != 0)
        TEST_FAIL ("zmq_strerror (%d): expected '%s', got '%s'", code, text, got);
}

static void test_strerror (void)
{
    expect_text (EFSM, "Operation cannot be accomplished in current state");
    expect_text (ENOCOMPATPROTO, "The protocol is not compatible with the socket type");
    expect_text (ETERM, "Context was terminated");
    expect_text (EMTHREAD, "No thread available");
    /* libzmq's own wording, where glibc says "No route to host". */
    expect_text (EHOSTUNREACH, "Host unreachable");

    /* System codes read as strerror does. */
    int codes[] = {0, EINVAL, EAGAIN, EFAULT, ENOTSUP, EPROTONOSUPPORT, ENOBUFS,
                   ENETDOWN, EADDRINUSE, EADDRNOTAVAIL, ECONNREFUSED, EINPROGRESS,
                   ENOTSOCK, EMSGSIZE, EAFNOSUPPORT, ENETUNREACH, ECONNABORTED,
                   ECONNRESET, ENOTCONN, ETIMEDOUT, ENETRESET,
                   EINTR, ENOMEM, 12345, -1, ZMQ_HAUSNUMERO};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char expected[256];
        snprintf (expected, sizeof expected, "%s", strerror (codes[i]));
        expect_text (codes[i], expected);
    }

    /* Looking up a text leaves errno alone. */
    errno = EINTR;
    zmq_strerror (EINVAL);
    zmq_strerror (EFSM);
    TEST_ASSERT_EQ_INT (EINTR, zmq_errno ());

    if (is_rampart ()) {
        /* Rampart's texts stay valid and unchanged across later calls. */
        const char *a = zmq_strerror (EINVAL);
        const char *b = zmq_strerror (54321);
        zmq_strerror (EAGAIN);
        zmq_strerror (54322);
        TEST_ASSERT (strcmp (a, strerror (EINVAL)) == 0);
        TEST_ASSERT (strcmp (b, "Unknown error 54321") == 0);
        TEST_ASSERT (zmq_strerror (EINVAL) == a);
    }
}

static void test_has (void)
{
    TEST_ASSERT_EQ_INT (1, zmq_has ("ipc"));
    TEST_ASSERT_EQ_INT (0, zmq_has ("nonsense"));
    TEST_ASSERT_EQ_INT (0, zmq_has (""));
    TEST_ASSERT_EQ_INT (0, zmq_has ("IPC"));
    TEST_ASSERT_EQ_INT (0, zmq_has ("ws")); /* the names are "WS"/"WSS" */
    const char *known[] = {"pgm", "tipc", "norm", "gssapi", "draft",
                           "WS", "WSS", "vmci"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        int has = zmq_has (known[i]);
        TEST_ASSERT (has == 0 || has == 1);
        if (is_rampart () && has != 0)
            TEST_FAIL ("Rampart claims '%s'", known[i]);
    }
    if (is_rampart ()) {
        TEST_ASSERT_EQ_INT (1, zmq_has ("rampart"));
        TEST_ASSERT_EQ_INT (1, zmq_has ("curve"));
        TEST_ASSERT_EQ_INT (0, zmq_has (NULL));
    } else {
        TEST_ASSERT_EQ_INT (0, zmq_has ("rampart"));
    }
}

static void test_stopwatch (void)
{
    void *watch = zmq_stopwatch_start ();
    TEST_ASSERT (watch);
    test_sleep_ms (20);
    unsigned long mid = zmq_stopwatch_intermediate (watch);
    TEST_ASSERT (mid >= 20000);
    TEST_ASSERT (mid < 5000000);
    test_sleep_ms (5);
    unsigned long end = zmq_stopwatch_stop (watch);
    TEST_ASSERT (end >= mid + 5000);
    TEST_ASSERT (end < 5000000);

    if (is_rampart ()) {
        errno = 0;
        TEST_ASSERT_EQ_INT (0, zmq_stopwatch_intermediate (NULL));
        TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
        errno = 0;
        TEST_ASSERT_EQ_INT (0, zmq_stopwatch_stop (NULL));
        TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
        void *other = zmq_atomic_counter_new ();
        errno = 0;
        TEST_ASSERT_EQ_INT (0, zmq_stopwatch_stop (other));
        TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
        zmq_atomic_counter_destroy (&other);
        /* A stopped (freed) stopwatch. */
        if (stale_probes ()) {
            void *stale = zmq_stopwatch_start ();
            zmq_stopwatch_stop (stale);
            errno = 0;
            TEST_ASSERT_EQ_INT (0, zmq_stopwatch_stop (stale));
            TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
        }
    }
}

static void test_sleep (void)
{
    int64_t start = test_now_ms ();
    zmq_sleep (0);
    TEST_ASSERT (test_now_ms () - start < 500);
    start = test_now_ms ();
    zmq_sleep (1);
    int64_t took = test_now_ms () - start;
    TEST_ASSERT (took >= 990 && took < 3000);
    if (is_rampart ()) {
        start = test_now_ms ();
        zmq_sleep (-1); /* libzmq would sleep for ~136 years */
        TEST_ASSERT (test_now_ms () - start < 500);
    }
}

struct thread_state
{
    void *counter;
    int ran;
    int all_blocked;
    pthread_t id;
};

static void thread_body (void *arg)
{
    struct thread_state *st = (struct thread_state *) arg;
    st->id = pthread_self ();
    /* libzmq blocks every signal on the threads it starts. */
    sigset_t mask;
    pthread_sigmask (SIG_BLOCK, NULL, &mask);
    st->all_blocked = sigismember (&mask, SIGINT) && sigismember (&mask, SIGTERM)
                      && sigismember (&mask, SIGALRM);
    test_sleep_ms (20);
    zmq_atomic_counter_inc (st->counter);
    st->ran = 1;
}

static void test_threads (void)
{
    struct thread_state st[3];
    void *counter = zmq_atomic_counter_new ();
    void *threads[3];
    for (int i = 0; i < 3; i++) {
        memset (&st[i], 0, sizeof st[i]);
        st[i].counter = counter;
        threads[i] = zmq_threadstart (thread_body, &st[i]);
        TEST_ASSERT (threads[i]);
    }
    for (int i = 0; i < 3; i++) {
        zmq_threadclose (threads[i]);
        /* Joined: its work is done and visible. */
        TEST_ASSERT_EQ_INT (1, st[i].ran);
        TEST_ASSERT_EQ_INT (1, st[i].all_blocked);
        TEST_ASSERT (!pthread_equal (st[i].id, pthread_self ()));
    }
    TEST_ASSERT_EQ_INT (3, zmq_atomic_counter_value (counter));
    zmq_atomic_counter_destroy (&counter);
}

/* Rampart: a thread closing its own handle gets EDEADLK instead of a hang or
 * an abort. */
static void *volatile g_self_handle;
static volatile int g_self_errno = -1;

static void close_self (void *arg)
{
    (void) arg;
    while (g_self_handle == NULL)
        test_sleep_ms (1);
    errno = 0;
    zmq_threadclose (g_self_handle);
    g_self_errno = errno;
}

static void test_threads_rampart_only (void)
{
    if (!is_rampart ())
        return;
    errno = 0;
    TEST_ASSERT (zmq_threadstart (NULL, NULL) == NULL);
    TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
    errno = 0;
    zmq_threadclose (NULL);
    TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
    void *timers = zmq_timers_new ();
    errno = 0;
    zmq_threadclose (timers);
    TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
    TEST_OK (zmq_timers_destroy (&timers));

    void *t = zmq_threadstart (close_self, NULL);
    TEST_ASSERT (t);
    g_self_handle = t;
    while (g_self_errno == -1)
        test_sleep_ms (1);
    TEST_ASSERT_EQ_INT (EDEADLK, g_self_errno);
    zmq_threadclose (t);
    /* Closed: the handle is gone. */
    if (stale_probes ()) {
        errno = 0;
        zmq_threadclose (t);
        TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
    }
}

int main (void)
{
    test_watchdog (30);
    test_version ();
    test_errno ();
    test_strerror ();
    test_has ();
    test_stopwatch ();
    test_sleep ();
    test_threads ();
    test_threads_rampart_only ();
    return 0;
}
