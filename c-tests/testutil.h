/* Shared helpers for Rampart's C tests. Tests use only zmq.h (and rampart.h
 * for Rampart's own features), so the same binary runs against Rampart and
 * against Debian's libzmq (LD_LIBRARY_PATH decides which).
 *
 * Convention: one program per test_*.c; exit 0 = pass, 77 = skipped,
 * anything else = fail. Every wait is bounded. */
#ifndef RAMPART_TESTUTIL_H
#define RAMPART_TESTUTIL_H

#define _GNU_SOURCE
#include <zmq.h>
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <signal.h>

#define TEST_SKIP_CODE 77

#define TEST_FAIL(...)                                                          \
    do {                                                                       \
        fprintf (stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                 \
        fprintf (stderr, __VA_ARGS__);                                         \
        fprintf (stderr, "\n");                                                \
        exit (1);                                                              \
    } while (0)

#define TEST_ASSERT(cond)                                                      \
    do {                                                                       \
        if (!(cond))                                                           \
            TEST_FAIL ("assertion failed: %s", #cond);                         \
    } while (0)

#define TEST_ASSERT_EQ_INT(expected, actual)                                   \
    do {                                                                       \
        long long e_ = (long long) (expected), a_ = (long long) (actual);      \
        if (e_ != a_)                                                          \
            TEST_FAIL ("%s: expected %lld, got %lld", #actual, e_, a_);        \
    } while (0)

/* The call must not return -1. */
#define TEST_OK(expr)                                                          \
    do {                                                                       \
        if ((expr) == -1)                                                      \
            TEST_FAIL ("%s failed: errno %d (%s)", #expr, zmq_errno (),        \
                       zmq_strerror (zmq_errno ()));                           \
    } while (0)

/* The call must return -1 with errno `err`. */
#define TEST_ERRNO(err, expr)                                                  \
    do {                                                                       \
        int rc_ = (int) (expr);                                                \
        int en_ = zmq_errno ();                                                \
        if (rc_ != -1)                                                         \
            TEST_FAIL ("%s: expected -1/%s, got %d", #expr, #err, rc_);        \
        if (en_ != (err))                                                      \
            TEST_FAIL ("%s: expected errno %s (%d), got %d (%s)", #expr, #err, \
                       (err), en_, zmq_strerror (en_));                        \
    } while (0)

#define TEST_SKIP(...)                                                         \
    do {                                                                       \
        fprintf (stderr, "SKIP: ");                                            \
        fprintf (stderr, __VA_ARGS__);                                         \
        fprintf (stderr, "\n");                                                \
        exit (TEST_SKIP_CODE);                                                 \
    } while (0)

/* Kills the test if it runs longer than `seconds` (a hang is a failure). */
static inline void test_watchdog (unsigned seconds)
{
    signal (SIGALRM, SIG_DFL);
    alarm (seconds);
}

/* True when the loaded libzmq is Rampart: Rampart answers zmq_has("rampart"). */
static inline int is_rampart (void)
{
    return zmq_has ("rampart");
}

static inline int64_t test_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void test_sleep_ms (int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep (&ts, NULL);
}

/* Sends a string as one frame (flags: 0 or ZMQ_SNDMORE). */
static inline void send_str (void *s, const char *str, int flags)
{
    int n = zmq_send (s, str, strlen (str), flags);
    if (n != (int) strlen (str))
        TEST_FAIL ("send '%s' failed: %d errno %d (%s)", str, n, zmq_errno (),
                   zmq_strerror (zmq_errno ()));
}

/* Receives one frame and checks it equals `expected`. */
static inline void recv_str (void *s, const char *expected)
{
    char buf[4096];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    if (n < 0)
        TEST_FAIL ("recv (expecting '%s') failed: errno %d (%s)", expected,
                   zmq_errno (), zmq_strerror (zmq_errno ()));
    buf[n < (int) sizeof buf - 1 ? n : (int) sizeof buf - 1] = 0;
    if (strcmp (buf, expected) != 0)
        TEST_FAIL ("expected '%s', got '%s'", expected, buf);
}

/* Sets a receive timeout so a missing message fails instead of hanging. */
static inline void set_rcvtimeo (void *s, int ms)
{
    TEST_OK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &ms, sizeof ms));
}

/* Binds to an ephemeral endpoint (e.g. "tcp://127.0.0.1:*") and returns the
 * concrete one in `out`. */
static inline void bind_ephemeral (void *s, const char *ep, char *out, size_t outlen)
{
    TEST_OK (zmq_bind (s, ep));
    size_t len = outlen;
    TEST_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, out, &len));
}

/* A unique ipc endpoint for this process. */
static inline void make_ipc_endpoint (char *out, size_t outlen, const char *tag)
{
    snprintf (out, outlen, "ipc:///tmp/rampart-test-%d-%s", (int) getpid (), tag);
}

#endif
