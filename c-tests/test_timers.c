/* zmq_timers_*: handle checks, corner cases, firing and ordering, cancel,
 * reset and set_interval, and handlers that change the set they run from. */
#include "testutil.h"

/* What handlers saw: the ids they were called with, in order. */
static int fired[64];
static int nfired;

static void record (int timer_id, void *arg)
{
    (void) arg;
    if (nfired < 64)
        fired[nfired++] = timer_id;
}

static void set_flag (int timer_id, void *arg)
{
    (void) timer_id;
    *(int *) arg = 1;
}

/* Sleeps until the next timer is due, then executes. */
static void sleep_and_execute (void *timers)
{
    long timeout = zmq_timers_timeout (timers);
    while (timeout > 0) {
        test_sleep_ms ((int) timeout);
        timeout = zmq_timers_timeout (timers);
    }
    TEST_OK (zmq_timers_execute (timers));
}

static void test_null_and_bad_handles (void)
{
    void *timers = NULL;
    TEST_ERRNO (EFAULT, zmq_timers_destroy (&timers));
    /* A NULL handle, and the address of a variable that is not a set. */
    TEST_ERRNO (EFAULT, zmq_timers_add (timers, 100, record, NULL));
    TEST_ERRNO (EFAULT, zmq_timers_add (&timers, 100, record, NULL));
    TEST_ERRNO (EFAULT, zmq_timers_cancel (timers, 1));
    TEST_ERRNO (EFAULT, zmq_timers_cancel (&timers, 1));
    TEST_ERRNO (EFAULT, zmq_timers_set_interval (timers, 1, 100));
    TEST_ERRNO (EFAULT, zmq_timers_set_interval (&timers, 1, 100));
    TEST_ERRNO (EFAULT, zmq_timers_reset (timers, 1));
    TEST_ERRNO (EFAULT, zmq_timers_reset (&timers, 1));
    TEST_ERRNO (EFAULT, zmq_timers_timeout (timers));
    TEST_ERRNO (EFAULT, zmq_timers_timeout (&timers));
    TEST_ERRNO (EFAULT, zmq_timers_execute (timers));
    TEST_ERRNO (EFAULT, zmq_timers_execute (&timers));

    if (is_rampart ()) {
        /* libzmq dereferences these and crashes. */
        TEST_ERRNO (EFAULT, zmq_timers_destroy (NULL));
        void *counter = zmq_atomic_counter_new ();
        TEST_ERRNO (EFAULT, zmq_timers_add (counter, 1, record, NULL));
        TEST_ERRNO (EFAULT, zmq_timers_destroy (&counter));
        TEST_ASSERT (counter != NULL);
        zmq_atomic_counter_destroy (&counter);
        /* A destroyed set. */
        void *set = zmq_timers_new ();
        void *stale = set;
        TEST_OK (zmq_timers_destroy (&set));
        TEST_ASSERT (set == NULL);
        if (stale_probes ()) {
            TEST_ERRNO (EFAULT, zmq_timers_execute (stale));
            TEST_ERRNO (EFAULT, zmq_timers_destroy (&stale));
        }
    }
}

static void test_corner_cases (void)
{
    void *timers = zmq_timers_new ();
    TEST_ASSERT (timers);
    TEST_ERRNO (EINVAL, zmq_timers_cancel (timers, 1));
    TEST_ERRNO (EINVAL, zmq_timers_set_interval (timers, 1, SIZE_MAX));
    TEST_ERRNO (EINVAL, zmq_timers_reset (timers, 1));
    TEST_ERRNO (EFAULT, zmq_timers_add (timers, SIZE_MAX, NULL, NULL));

    /* The longest interval is accepted. (libzmq wraps the deadline into the
     * past, so executing here would fire it in an endless loop; the Rampart
     * part below checks it does not fire.) */
    int id = zmq_timers_add (timers, SIZE_MAX, record, NULL);
    TEST_ASSERT (id > 0);
    TEST_OK (zmq_timers_cancel (timers, id));
    TEST_ERRNO (EINVAL, zmq_timers_cancel (timers, id));

    /* No live timers: -1, and errno is left alone. */
    errno = 0;
    TEST_ASSERT_EQ_INT (-1, zmq_timers_timeout (timers));
    TEST_ASSERT_EQ_INT (0, errno);
    TEST_OK (zmq_timers_execute (timers));
    TEST_OK (zmq_timers_destroy (&timers));
    TEST_ASSERT (timers == NULL);
}

static void test_fires_after_interval (void)
{
    void *timers = zmq_timers_new ();
    TEST_ASSERT (timers);
    int invoked = 0;
    const long full = 100;
    void *watch = zmq_stopwatch_start ();
    int id = zmq_timers_add (timers, (size_t) full, set_flag, &invoked);
    TEST_ASSERT (id > 0);

    TEST_OK (zmq_timers_execute (timers));
    if (zmq_stopwatch_intermediate (watch) < (unsigned long) full * 1000)
        TEST_ASSERT_EQ_INT (0, invoked);
    long timeout = zmq_timers_timeout (timers);
    TEST_ASSERT (timeout >= 0 && timeout <= full);

    test_sleep_ms ((int) (timeout / 2));
    TEST_OK (zmq_timers_execute (timers));
    if (zmq_stopwatch_intermediate (watch) < (unsigned long) full * 1000)
        TEST_ASSERT_EQ_INT (0, invoked);

    sleep_and_execute (timers);
    TEST_ASSERT_EQ_INT (1, invoked);
    TEST_ASSERT (zmq_stopwatch_intermediate (watch) >= (unsigned long) (full - 1) * 1000);

    /* It repeats. */
    invoked = 0;
    sleep_and_execute (timers);
    TEST_ASSERT_EQ_INT (1, invoked);

    /* A shorter interval takes effect from now. */
    invoked = 0;
    TEST_OK (zmq_timers_set_interval (timers, id, 30));
    timeout = zmq_timers_timeout (timers);
    TEST_ASSERT (timeout >= 0 && timeout <= 30);
    sleep_and_execute (timers);
    TEST_ASSERT_EQ_INT (1, invoked);

    /* Cancelled: never again. */
    invoked = 0;
    timeout = zmq_timers_timeout (timers);
    TEST_OK (zmq_timers_cancel (timers, id));
    test_sleep_ms ((int) timeout * 2 + 10);
    TEST_OK (zmq_timers_execute (timers));
    TEST_ASSERT_EQ_INT (0, invoked);
    TEST_ASSERT_EQ_INT (-1, zmq_timers_timeout (timers));

    zmq_stopwatch_stop (watch);
    TEST_OK (zmq_timers_destroy (&timers));
}

static void test_order (void)
{
    void *timers = zmq_timers_new ();
    int c = zmq_timers_add (timers, 60, record, NULL);
    int a = zmq_timers_add (timers, 20, record, NULL);
    int b = zmq_timers_add (timers, 40, record, NULL);
    TEST_ASSERT (a > 0 && b > 0 && c > 0);
    TEST_ASSERT (a != b && b != c && a != c);
    long timeout = zmq_timers_timeout (timers);
    TEST_ASSERT (timeout > 0 && timeout <= 20);
    test_sleep_ms (70);
    nfired = 0;
    TEST_OK (zmq_timers_execute (timers));
    TEST_ASSERT_EQ_INT (3, nfired);
    TEST_ASSERT_EQ_INT (a, fired[0]);
    TEST_ASSERT_EQ_INT (b, fired[1]);
    TEST_ASSERT_EQ_INT (c, fired[2]);
    /* Each is rescheduled one interval after the execute. */
    timeout = zmq_timers_timeout (timers);
    TEST_ASSERT (timeout > 0 && timeout <= 20);
    TEST_OK (zmq_timers_destroy (&timers));
}

static void test_reset (void)
{
    void *timers = zmq_timers_new ();
    int invoked = 0;
    int id = zmq_timers_add (timers, 100, set_flag, &invoked);
    void *watch = zmq_stopwatch_start ();
    test_sleep_ms (60);
    TEST_OK (zmq_timers_reset (timers, id));
    /* Restarted: a full interval from the reset. */
    long timeout = zmq_timers_timeout (timers);
    TEST_ASSERT (timeout > 60 && timeout <= 100);
    test_sleep_ms (60);
    TEST_OK (zmq_timers_execute (timers));
    if (zmq_stopwatch_intermediate (watch) < 155 * 1000)
        TEST_ASSERT_EQ_INT (0, invoked);
    sleep_and_execute (timers);
    TEST_ASSERT_EQ_INT (1, invoked);
    zmq_stopwatch_stop (watch);
    TEST_OK (zmq_timers_destroy (&timers));
}

/* Handlers that change the set they are called from. */
static void *g_timers;
static int g_victim, g_added, g_self_calls;

static void cancel_victim (int timer_id, void *arg)
{
    (void) arg;
    record (timer_id, NULL);
    TEST_OK (zmq_timers_cancel (g_timers, g_victim));
    g_added = zmq_timers_add (g_timers, 1000, record, NULL);
    TEST_ASSERT (g_added > 0);
}

static void cancel_self (int timer_id, void *arg)
{
    (void) arg;
    g_self_calls++;
    TEST_OK (zmq_timers_cancel (g_timers, timer_id));
}

static void test_changes_from_handlers (void)
{
    g_timers = zmq_timers_new ();
    int first = zmq_timers_add (g_timers, 10, cancel_victim, NULL);
    g_victim = zmq_timers_add (g_timers, 10, record, NULL);
    test_sleep_ms (30);
    nfired = 0;
    TEST_OK (zmq_timers_execute (g_timers));
    /* The victim was due but cancelled first; the added timer is not due. */
    TEST_ASSERT_EQ_INT (1, nfired);
    TEST_ASSERT_EQ_INT (first, fired[0]);
    TEST_ERRNO (EINVAL, zmq_timers_cancel (g_timers, g_victim));
    TEST_OK (zmq_timers_cancel (g_timers, first));
    long timeout = zmq_timers_timeout (g_timers);
    TEST_ASSERT (timeout > 900 && timeout <= 1000);
    TEST_OK (zmq_timers_cancel (g_timers, g_added));

    /* A handler cancelling its own timer. */
    g_self_calls = 0;
    TEST_ASSERT (zmq_timers_add (g_timers, 5, cancel_self, NULL) > 0);
    test_sleep_ms (20);
    TEST_OK (zmq_timers_execute (g_timers));
    test_sleep_ms (20);
    TEST_OK (zmq_timers_execute (g_timers));
    TEST_ASSERT_EQ_INT (1, g_self_calls);
    TEST_ASSERT_EQ_INT (-1, zmq_timers_timeout (g_timers));
    TEST_OK (zmq_timers_destroy (&g_timers));
}

/* Rampart only: things libzmq gets wrong or crashes on. */
static int g_count;

static void reschedule_self (int timer_id, void *arg)
{
    (void) arg;
    g_count++;
    TEST_OK (zmq_timers_set_interval (g_timers, timer_id, 1000));
    TEST_OK (zmq_timers_reset (g_timers, timer_id));
}

static void destroy_set (int timer_id, void *arg)
{
    (void) timer_id;
    (void) arg;
    g_count++;
    TEST_OK (zmq_timers_destroy (&g_timers));
    TEST_ASSERT (g_timers == NULL);
}

static void test_rampart_only (void)
{
    if (!is_rampart ())
        return;

    /* The longest interval saturates and never fires. */
    void *timers = zmq_timers_new ();
    int far = zmq_timers_add (timers, SIZE_MAX, record, NULL);
    nfired = 0;
    TEST_OK (zmq_timers_execute (timers));
    TEST_ASSERT_EQ_INT (0, nfired);
    TEST_ASSERT (zmq_timers_timeout (timers) > 1000000000L);
    TEST_OK (zmq_timers_cancel (timers, far));

    /* A zero interval runs once per execute (libzmq can loop forever). */
    int id = zmq_timers_add (timers, 0, record, NULL);
    nfired = 0;
    TEST_ASSERT_EQ_INT (0, zmq_timers_timeout (timers));
    TEST_OK (zmq_timers_execute (timers));
    TEST_OK (zmq_timers_execute (timers));
    TEST_ASSERT_EQ_INT (2, nfired);

    /* A cancelled timer is gone at once (libzmq 4.3.4 still lets
     * reset/set_interval succeed on it until the next timeout/execute). */
    TEST_OK (zmq_timers_cancel (timers, id));
    TEST_ERRNO (EINVAL, zmq_timers_reset (timers, id));
    TEST_ERRNO (EINVAL, zmq_timers_set_interval (timers, id, 5));
    TEST_OK (zmq_timers_destroy (&timers));

    /* A handler rescheduling its own timer (undefined in libzmq). */
    g_timers = zmq_timers_new ();
    g_count = 0;
    zmq_timers_add (g_timers, 0, reschedule_self, NULL);
    TEST_OK (zmq_timers_execute (g_timers));
    TEST_OK (zmq_timers_execute (g_timers));
    TEST_ASSERT_EQ_INT (1, g_count);
    long timeout = zmq_timers_timeout (g_timers);
    TEST_ASSERT (timeout > 900 && timeout <= 1000);

    /* A handler destroying the set: the execute stops and frees it. */
    zmq_timers_add (g_timers, 0, destroy_set, NULL);
    zmq_timers_add (g_timers, 0, destroy_set, NULL);
    void *stale = g_timers;
    g_count = 0;
    TEST_OK (zmq_timers_execute (stale));
    TEST_ASSERT_EQ_INT (1, g_count);
    if (stale_probes ())
        TEST_ERRNO (EFAULT, zmq_timers_execute (stale));
}

int main (void)
{
    test_watchdog (30);
    test_null_and_bad_handles ();
    test_corner_cases ();
    test_fires_after_interval ();
    test_order ();
    test_reset ();
    test_changes_from_handlers ();
    test_rampart_only ();
    return 0;
}
