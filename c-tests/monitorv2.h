/* Reading Rampart's monitor events in the v2 format (u64 event id, u64
 * value count, the values, local and remote endpoint), shared by the
 * Rampart-only tests. Include after testutil.h. */
#ifndef RAMPART_MONITORV2_H
#define RAMPART_MONITORV2_H

#include <dlfcn.h>

#ifndef ZMQ_EVENT_PIPES_STATS /* zmq.h's draft API */
#define ZMQ_EVENT_PIPES_STATS 0x10000
#endif

typedef struct {
    uint64_t id;
    uint64_t n;
    uint64_t v[8];
    char local[256];
    char remote[256];
} ev2_t;

static inline void recv_u64 (void *m, uint64_t *out, int more_expected)
{
    unsigned char buf[16];
    int n = zmq_recv (m, buf, sizeof buf, 0);
    if (n != 8)
        TEST_FAIL ("v2 event: a %d-byte frame where a u64 was expected", n);
    memcpy (out, buf, 8);
    TEST_ASSERT_EQ_INT (more_expected, get_int (m, ZMQ_RCVMORE));
}

static inline void recv_string_frame (void *m, char *out, size_t cap, int more)
{
    int n = zmq_recv (m, out, cap - 1, 0);
    TEST_ASSERT (n >= 0 && n < (int) cap);
    out[n] = 0;
    TEST_ASSERT_EQ_INT (more, get_int (m, ZMQ_RCVMORE));
}

/* Receives one v2 event within timeout_ms; 1 if one came, else 0. */
static inline int recv_ev2 (void *m, ev2_t *e, int timeout_ms)
{
    if (!poll_in (m, timeout_ms))
        return 0;
    memset (e, 0, sizeof *e);
    recv_u64 (m, &e->id, 1);
    recv_u64 (m, &e->n, 1);
    TEST_ASSERT (e->n <= 8);
    for (uint64_t i = 0; i < e->n; i++)
        recv_u64 (m, &e->v[i], 1);
    recv_string_frame (m, e->local, sizeof e->local, 1);
    recv_string_frame (m, e->remote, sizeof e->remote, 0);
    return 1;
}

/* expect_ev2 (m, id, e): reads events (skipping others) until `id`. */
#define expect_ev2(m, id, e) expect_ev2_at (__FILE__, __LINE__, m, id, e)
static inline void expect_ev2_at (const char *file, int line, void *m, uint64_t id,
                           ev2_t *e)
{
    int64_t deadline = test_now_ms () + 5000;
    while (test_now_ms () < deadline) {
        if (!recv_ev2 (m, e, (int) (deadline - test_now_ms ())))
            break;
        if (e->id == id)
            return;
    }
    TEST_FAIL_AT (file, line, "v2 event 0x%llx not seen within 5 s",
                  (unsigned long long) id);
}

/* No event at all arrives within ms. */
#define expect_no_ev2(m, ms) expect_no_ev2_at (__FILE__, __LINE__, m, ms)
static inline void expect_no_ev2_at (const char *file, int line, void *m, int ms)
{
    ev2_t e;
    if (recv_ev2 (m, &e, ms))
        TEST_FAIL_AT (file, line, "unexpected v2 event 0x%llx (local '%s' remote '%s')",
                      (unsigned long long) e.id, e.local, e.remote);
}

/* zmq_socket_monitor_versioned, looked up at run time: it is draft API,
 * and the test binaries also load libraries built without it. */
static inline int socket_monitor_versioned (void *s, const char *ep,
                                            uint64_t events, int version, int type)
{
    typedef int (*monitor_fn) (void *, const char *, uint64_t, int, int);
    monitor_fn f = (monitor_fn) dlsym (RTLD_DEFAULT, "zmq_socket_monitor_versioned");
    if (!f) {
        errno = ENOTSUP;
        return -1;
    }
    return f (s, ep, events, version, type);
}

/* zmq_socket_monitor_pipes_stats, likewise. */
static inline int socket_monitor_pipes_stats (void *s)
{
    typedef int (*stats_fn) (void *);
    stats_fn f = (stats_fn) dlsym (RTLD_DEFAULT, "zmq_socket_monitor_pipes_stats");
    if (!f) {
        errno = ENOTSUP;
        return -1;
    }
    return f (s);
}

/* Starts a v2 monitor of `s` and returns the connected PAIR. */
static inline void *monitor_v2 (void *ctx, void *s, const char *ep, uint64_t events)
{
    TEST_OK (socket_monitor_versioned (s, ep, events, 2, ZMQ_PAIR));
    void *m = zmq_socket (ctx, ZMQ_PAIR);
    TEST_OK (zmq_connect (m, ep));
    set_rcvtimeo (m, 5000);
    return m;
}

#endif
