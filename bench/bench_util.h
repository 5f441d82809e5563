/* Shared helpers for Rampart's benchmark programs.
 *
 * The programs use only the stable zmq.h API, so the same binaries run
 * against Rampart and against any libzmq 4.x (LD_LIBRARY_PATH decides).
 * Timing uses CLOCK_MONOTONIC directly, not the library's stopwatch.
 *
 * Output: human-readable "key: value [unit]" lines followed by one
 * machine-readable line starting with "RESULT".
 *
 * Exit codes: 0 ok, 1 usage, 2 zmq error, 3 bind failed with EADDRINUSE
 * (the runner picks another port and retries), 4 protocol surprise (a
 * message of the wrong size). */
#ifndef RAMPART_BENCH_UTIL_H
#define RAMPART_BENCH_UTIL_H

#include <zmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_EXIT_USAGE 1
#define BENCH_EXIT_ZMQ 2
#define BENCH_EXIT_ADDRINUSE 3
#define BENCH_EXIT_PROTOCOL 4

static inline double bench_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static inline void bench_die (const char *what)
{
    int err = errno;
    fprintf (stderr, "%s failed: %s (errno %d)\n", what, zmq_strerror (err),
             err);
    exit (BENCH_EXIT_ZMQ);
}

/* Parse a decimal integer argument >= min, or exit with a usage error. */
static inline long bench_arg (const char *text, const char *name, long min)
{
    char *end = NULL;
    errno = 0;
    long value = strtol (text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min) {
        fprintf (stderr, "invalid %s '%s' (must be an integer >= %ld)\n", name,
                 text, min);
        exit (BENCH_EXIT_USAGE);
    }
    return value;
}

static inline void bench_bind (void *socket, const char *endpoint)
{
    if (zmq_bind (socket, endpoint) != 0) {
        int err = errno;
        fprintf (stderr, "zmq_bind(%s) failed: %s (errno %d)\n", endpoint,
                 zmq_strerror (err), err);
        exit (err == EADDRINUSE ? BENCH_EXIT_ADDRINUSE : BENCH_EXIT_ZMQ);
    }
}

static inline void bench_connect (void *socket, const char *endpoint)
{
    if (zmq_connect (socket, endpoint) != 0)
        bench_die ("zmq_connect");
}

static inline void bench_set_int (void *socket, int option, int value)
{
    if (zmq_setsockopt (socket, option, &value, sizeof value) != 0)
        bench_die ("zmq_setsockopt");
}

/* Receive one message into msg and check its size. */
static inline void bench_recv_sized (void *socket, zmq_msg_t *msg,
                                     size_t size)
{
    if (zmq_msg_recv (msg, socket, 0) < 0)
        bench_die ("zmq_msg_recv");
    if (zmq_msg_size (msg) != size) {
        fprintf (stderr, "received a message of %zu bytes, expected %zu\n",
                 zmq_msg_size (msg), size);
        exit (BENCH_EXIT_PROTOCOL);
    }
}

/* Send a fresh message of the given size (contents left as allocated, as
 * the point is to measure the library, not memset). */
static inline void bench_send_sized (void *socket, size_t size)
{
    zmq_msg_t msg;
    if (zmq_msg_init_size (&msg, size) != 0)
        bench_die ("zmq_msg_init_size");
    if (zmq_msg_send (&msg, socket, 0) < 0)
        bench_die ("zmq_msg_send");
}

/* count messages were transferred; the clock ran from the first message's
 * arrival to the last one's, so count - 1 transfers were timed. */
static inline void bench_report_thr (size_t size, long count, double seconds)
{
    long timed = count - 1;
    if (seconds <= 0.0)
        seconds = 1e-9;
    double msg_per_s = (double) timed / seconds;
    double mb_per_s = msg_per_s * (double) size * 8.0 / 1e6;
    printf ("message size: %zu [B]\n", size);
    printf ("message count: %ld\n", count);
    printf ("elapsed: %.6f [s]\n", seconds);
    printf ("mean throughput: %.0f [msg/s]\n", msg_per_s);
    printf ("mean throughput: %.3f [Mb/s]\n", mb_per_s);
    printf ("RESULT thr size=%zu count=%ld seconds=%.6f msg_per_s=%.0f "
            "mb_per_s=%.3f\n",
            size, count, seconds, msg_per_s, mb_per_s);
    fflush (stdout);
}

/* roundtrips were made; the first one (connection warm-up) was not timed. */
static inline void bench_report_lat (size_t size, long roundtrips,
                                     double seconds)
{
    long timed = roundtrips - 1;
    double latency_us = seconds * 1e6 / ((double) timed * 2.0);
    printf ("message size: %zu [B]\n", size);
    printf ("roundtrip count: %ld\n", roundtrips);
    printf ("elapsed: %.6f [s]\n", seconds);
    printf ("average latency: %.3f [us]\n", latency_us);
    printf ("RESULT lat size=%zu count=%ld seconds=%.6f latency_us=%.3f\n",
            size, roundtrips, seconds, latency_us);
    fflush (stdout);
}

/* Closing a socket right after the last send can lose the tail of the
 * stream with libzmq despite ZMQ_LINGER (seen here on ipc; libzmq issues
 * #1264, #1922, #4660). So the side that sends last keeps its socket open
 * until its peer, which closes only after it has everything, disconnects:
 * a socket monitor reports that. If monitoring is unsupported the program
 * falls back to closing at once.
 *
 * Call bench_watch before connecting or binding; returns the monitor's PAIR
 * socket or NULL. */
static inline void *bench_watch (void *ctx, void *socket)
{
    static int serial;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://rampart-bench-monitor-%d",
              ++serial);
    if (zmq_socket_monitor (socket, endpoint, ZMQ_EVENT_DISCONNECTED) != 0)
        return NULL;
    void *pair = zmq_socket (ctx, ZMQ_PAIR);
    if (!pair)
        return NULL;
    if (zmq_connect (pair, endpoint) != 0) {
        zmq_close (pair);
        return NULL;
    }
    return pair;
}

/* Wait (at most timeout_ms) for a DISCONNECTED event, then close the
 * monitor's PAIR socket. */
static inline void bench_wait_disconnect (void *pair, int timeout_ms)
{
    if (!pair)
        return;
    zmq_setsockopt (pair, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    int done = 0;
    while (!done && zmq_msg_recv (&frame, pair, 0) >= 0) {
        /* Frame 1: 16-bit event id + 32-bit value; frame 2: address. */
        if (zmq_msg_size (&frame) >= 2) {
            const unsigned char *data = zmq_msg_data (&frame);
            unsigned event = data[0] | (unsigned) data[1] << 8;
            done = (event & ZMQ_EVENT_DISCONNECTED) != 0;
        }
        while (zmq_msg_more (&frame) && zmq_msg_recv (&frame, pair, 0) >= 0)
            ;
    }
    zmq_msg_close (&frame);
    int linger = 0;
    zmq_setsockopt (pair, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close (pair);
}

static inline void bench_close (void *socket)
{
    if (zmq_close (socket) != 0)
        bench_die ("zmq_close");
}

static inline void bench_term (void *ctx)
{
    while (zmq_ctx_term (ctx) != 0) {
        if (errno != EINTR)
            bench_die ("zmq_ctx_term");
    }
}

#endif
