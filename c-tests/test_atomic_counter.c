/* zmq_atomic_counter_*: the man page's sequence, wrap-around, many threads,
 * and (Rampart) refusal of bad handles. */
#include "testutil.h"
#include <limits.h>

#define THREADS 4
#define INCS 100000

static void hammer (void *counter)
{
    for (int i = 0; i < INCS; i++)
        zmq_atomic_counter_inc (counter);
}

static void test_man_page_sequence (void)
{
    void *counter = zmq_atomic_counter_new ();
    TEST_ASSERT (counter);
    TEST_ASSERT_EQ_INT (0, zmq_atomic_counter_value (counter));
    TEST_ASSERT_EQ_INT (0, zmq_atomic_counter_inc (counter));
    TEST_ASSERT_EQ_INT (1, zmq_atomic_counter_inc (counter));
    TEST_ASSERT_EQ_INT (2, zmq_atomic_counter_inc (counter));
    TEST_ASSERT_EQ_INT (3, zmq_atomic_counter_value (counter));
    TEST_ASSERT_EQ_INT (1, zmq_atomic_counter_dec (counter));
    TEST_ASSERT_EQ_INT (1, zmq_atomic_counter_dec (counter));
    TEST_ASSERT_EQ_INT (0, zmq_atomic_counter_dec (counter));
    zmq_atomic_counter_set (counter, 2);
    TEST_ASSERT_EQ_INT (1, zmq_atomic_counter_dec (counter));
    TEST_ASSERT_EQ_INT (0, zmq_atomic_counter_dec (counter));
    zmq_atomic_counter_destroy (&counter);
    TEST_ASSERT (counter == NULL);
}

static void test_wrap_around (void)
{
    void *counter = zmq_atomic_counter_new ();
    TEST_ASSERT (counter);
    /* 0 - 1 is not zero. */
    TEST_ASSERT_EQ_INT (1, zmq_atomic_counter_dec (counter));
    TEST_ASSERT_EQ_INT (-1, zmq_atomic_counter_value (counter));
    TEST_ASSERT_EQ_INT (-1, zmq_atomic_counter_inc (counter));
    TEST_ASSERT_EQ_INT (0, zmq_atomic_counter_value (counter));
    zmq_atomic_counter_set (counter, INT_MAX);
    TEST_ASSERT_EQ_INT (INT_MAX, zmq_atomic_counter_inc (counter));
    TEST_ASSERT_EQ_INT (INT_MIN, zmq_atomic_counter_value (counter));
    zmq_atomic_counter_set (counter, -5);
    TEST_ASSERT_EQ_INT (-5, zmq_atomic_counter_value (counter));
    zmq_atomic_counter_destroy (&counter);
    TEST_ASSERT (counter == NULL);
}

static void test_threads (void)
{
    void *counter = zmq_atomic_counter_new ();
    TEST_ASSERT (counter);
    void *threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        threads[i] = zmq_threadstart (hammer, counter);
        TEST_ASSERT (threads[i]);
    }
    for (int i = 0; i < THREADS; i++)
        zmq_threadclose (threads[i]);
    TEST_ASSERT_EQ_INT (THREADS * INCS, zmq_atomic_counter_value (counter));
    for (int i = 1; i < THREADS * INCS; i++)
        TEST_ASSERT_EQ_INT (1, zmq_atomic_counter_dec (counter));
    TEST_ASSERT_EQ_INT (0, zmq_atomic_counter_dec (counter));
    zmq_atomic_counter_destroy (&counter);
}

static void test_destroy_null (void)
{
    /* Destroying through a NULL handle variable is a no-op. */
    void *counter = NULL;
    zmq_atomic_counter_destroy (&counter);
    TEST_ASSERT (counter == NULL);
}

static void test_bad_handles (void)
{
    if (!is_rampart ())
        return; /* libzmq does not check counter handles: it would crash */

    TEST_ERRNO (EFAULT, zmq_atomic_counter_inc (NULL));
    TEST_ERRNO (EFAULT, zmq_atomic_counter_dec (NULL));
    TEST_ERRNO (EFAULT, zmq_atomic_counter_value (NULL));
    errno = 0;
    zmq_atomic_counter_set (NULL, 1);
    TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
    errno = 0;
    zmq_atomic_counter_destroy (NULL);
    TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());

    /* Something that is not a counter. */
    uint64_t junk[4] = {0x1122334455667788ull, 0, 0, 0};
    TEST_ERRNO (EFAULT, zmq_atomic_counter_inc (junk));
    TEST_ERRNO (EFAULT, zmq_atomic_counter_value ((char *) junk + 1));
    void *timers = zmq_timers_new ();
    TEST_ASSERT (timers);
    TEST_ERRNO (EFAULT, zmq_atomic_counter_inc (timers));
    void *not_counter = timers;
    errno = 0;
    zmq_atomic_counter_destroy (&not_counter);
    TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
    TEST_ASSERT (not_counter == timers);
    TEST_OK (zmq_timers_destroy (&timers));

    /* A destroyed counter. */
    if (stale_probes ()) {
        void *counter = zmq_atomic_counter_new ();
        void *stale = counter;
        zmq_atomic_counter_destroy (&counter);
        TEST_ERRNO (EFAULT, zmq_atomic_counter_inc (stale));
        errno = 0;
        zmq_atomic_counter_destroy (&stale);
        TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
    }
}

int main (void)
{
    test_watchdog (60);
    test_man_page_sequence ();
    test_wrap_around ();
    test_threads ();
    test_destroy_null ();
    test_bad_handles ();
    return 0;
}
