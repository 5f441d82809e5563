/* The context's I/O thread options, as libzmq 4.3.5 has them:
 * - zmq_ctx_get: THREAD_SCHED_POLICY -1 and THREAD_NAME_PREFIX 0 by
 *   default; THREAD_PRIORITY reads as SOCKET_LIMIT (they share id 3);
 *   THREAD_AFFINITY_CPU_ADD/_REMOVE cannot be read;
 * - zmq_ctx_set: the defaults (-1) and other negatives are EINVAL for
 *   SCHED_POLICY, PRIORITY and the affinity options; removing a CPU that
 *   was not added is EINVAL; NAME_PREFIX takes any int and reads back;
 * - applied to the I/O threads started afterwards: a thread named
 *   "<prefix>/ZMQbg/IO/0" exists, and it runs on CPU 0 only. */
#include "testutil.h"
#include <dirent.h>
#include <sched.h>

#define ctx_get_is(ctx, opt, expected)                                         \
    do {                                                                       \
        int v_ = zmq_ctx_get (ctx, opt);                                       \
        if (v_ != (expected))                                                  \
            TEST_FAIL ("zmq_ctx_get(%s) = %d, expected %d", #opt, v_,          \
                       (int) (expected));                                      \
    } while (0)

/* The tid of this process's thread called `name`, or -1. */
static int thread_named (const char *name)
{
    DIR *d = opendir ("/proc/self/task");
    if (!d)
        return -1;
    struct dirent *e;
    int found = -1;
    while ((e = readdir (d)) != NULL && found < 0) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], comm[64] = "";
        snprintf (path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen (path, "r");
        if (!f)
            continue;
        if (fgets (comm, sizeof comm, f)) {
            comm[strcspn (comm, "\n")] = 0;
            if (strcmp (comm, name) == 0)
                found = atoi (e->d_name);
        }
        fclose (f);
    }
    closedir (d);
    return found;
}

int main (void)
{
    test_watchdog (30);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    ctx_get_is (ctx, ZMQ_THREAD_SCHED_POLICY, -1);
    ctx_get_is (ctx, ZMQ_THREAD_NAME_PREFIX, 0);
    ctx_get_is (ctx, ZMQ_THREAD_PRIORITY, zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT));
    TEST_ERRNO (EINVAL, zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD));
    TEST_ERRNO (EINVAL, zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE));

    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, -1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, -1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, -1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, -1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3));
    ctx_get_is (ctx, ZMQ_THREAD_SCHED_POLICY, -1);

    /* SCHED_OTHER with priority 0: allowed for everyone. */
    TEST_OK (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, SCHED_OTHER));
    ctx_get_is (ctx, ZMQ_THREAD_SCHED_POLICY, SCHED_OTHER);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 0));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 0));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 1));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 1));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 1));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, -5));
    ctx_get_is (ctx, ZMQ_THREAD_NAME_PREFIX, -5);
    TEST_OK (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, 1234));
    ctx_get_is (ctx, ZMQ_THREAD_NAME_PREFIX, 1234);

    /* Start the I/O thread (libzmq at the first socket, Rampart at the
     * first bind or connect over a network transport). */
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT (s);
    char ep[256];
    bind_ephemeral (s, "tcp://127.0.0.1:*", ep, sizeof ep);
    int tid = -1;
    for (int i = 0; i < 100 && tid < 0; i++) {
        tid = thread_named ("1234/ZMQbg/IO/0");
        if (tid < 0)
            test_sleep_ms (10);
    }
    if (tid < 0)
        TEST_FAIL ("no thread named 1234/ZMQbg/IO/0");
    /* The thread is named as it starts and applies its affinity just after
     * (before it serves anything): look until it has, for at most 1 s. */
    cpu_set_t set;
    for (int i = 0; i < 100; i++) {
        CPU_ZERO (&set);
        TEST_ASSERT (sched_getaffinity (tid, sizeof set, &set) == 0);
        if (CPU_COUNT (&set) == 1)
            break;
        test_sleep_ms (10);
    }
    TEST_ASSERT (CPU_ISSET (0, &set));
    TEST_ASSERT_EQ_INT (1, CPU_COUNT (&set));
    close_zero (s);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
