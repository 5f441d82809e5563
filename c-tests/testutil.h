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

#include "procstatus.h"

#define TEST_SKIP_CODE 77

#define TEST_FAIL(...)                                                          \
    do {                                                                       \
        fprintf (stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                 \
        fprintf (stderr, __VA_ARGS__);                                         \
        fprintf (stderr, "\n");                                                \
        exit (1);                                                              \
    } while (0)

/* TEST_FAIL at a given place: helpers called through a macro that passes
 * the caller's __FILE__ and __LINE__ report the test's line, not their own. */
#define TEST_FAIL_AT(file, line, ...)                                          \
    do {                                                                       \
        fprintf (stderr, "%s:%d: FAIL: ", (file), (line));                     \
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

/* ---- more checked calls --------------------------------------------------
 * The helpers whose name is a macro (set_int, recv_frame, recv_s, recv_any,
 * send_bin, send_routing_id, wait_peer_gone, bind_retry) pass the caller's
 * __FILE__ and __LINE__ to an *_at function, so a failure names the line in
 * the test. */

/* Probing a destroyed handle reads freed memory on purpose (Rampart must see
 * its dead tag and answer EFAULT). Memory checkers flag that, so runs under
 * valgrind or ASan set RAMPART_TEST_NO_STALE_PROBES to skip those probes. */
static inline int stale_probes (void)
{
    return getenv ("RAMPART_TEST_NO_STALE_PROBES") == NULL;
}

/* Closes `s` with LINGER 0 (pending messages are dropped). */
static inline void close_zero (void *s)
{
    int zero = 0;
    TEST_OK (zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero));
    TEST_OK (zmq_close (s));
}

/* Sets an int socket option; it must succeed. */
#define set_int(s, id, v) set_int_at (__FILE__, __LINE__, s, id, #id, v)
static inline void set_int_at (const char *file, int line, void *s, int id,
                               const char *name, int v)
{
    if (zmq_setsockopt (s, id, &v, sizeof v) != 0)
        TEST_FAIL_AT (file, line, "set %s = %d failed: errno %d (%s)", name, v,
                      zmq_errno (), zmq_strerror (zmq_errno ()));
}

/* Reads an int socket option; it must succeed and fill exactly an int. */
static inline int get_int (void *s, int id)
{
    int v = 0;
    size_t len = sizeof v;
    TEST_OK (zmq_getsockopt (s, id, &v, &len));
    TEST_ASSERT_EQ_INT (sizeof (int), len);
    return v;
}

/* Reads an int64/uint64 socket option; it must fill exactly 8 bytes. */
static inline int64_t get_i64 (void *s, int id)
{
    int64_t v = 0;
    size_t len = sizeof v;
    TEST_OK (zmq_getsockopt (s, id, &v, &len));
    TEST_ASSERT_EQ_INT (sizeof (int64_t), len);
    return v;
}

static inline void set_i64 (void *s, int id, int64_t v)
{
    TEST_OK (zmq_setsockopt (s, id, &v, sizeof v));
}

/* A field of /proc/self/status in kB (VmRSS, VmSize, VmHWM, ...). */
static inline long proc_status_kb (const char *field)
{
    long kb = status_kb (field);
    TEST_ASSERT (kb >= 0);
    return kb;
}

/* A write-only int option: 0, 1 and 2 are accepted (libzmq: any value
 * >= 0), -1 and sizes other than sizeof (int) are EINVAL, and
 * zmq_getsockopt says EINVAL. */
static inline void check_int_write_only (void *s, int opt, const char *name)
{
    int v;
    int good[] = {0, 1, 2, 1, 0};
    for (int i = 0; i < 5; i++) {
        v = good[i];
        if (zmq_setsockopt (s, opt, &v, sizeof v) != 0)
            TEST_FAIL ("%s=%d rejected: errno %d", name, v, zmq_errno ());
    }
    v = -1;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, &v, sizeof v));
    int64_t big = 1;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, &big, sizeof big));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, &v, 2));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, &v, 0));
    size_t len = sizeof v;
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, opt, &v, &len));
}

static inline void subscribe (void *s, const char *topic)
{
    TEST_OK (zmq_setsockopt (s, ZMQ_SUBSCRIBE, topic, strlen (topic)));
}

static inline void unsubscribe (void *s, const char *topic)
{
    TEST_OK (zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, topic, strlen (topic)));
}

/* ---- frames ---------------------------------------------------------- */

/* recv_frame (s, data, n, more): the next frame is exactly the n bytes at
 * `data`, and its MORE flag (zmq_msg_more and ZMQ_RCVMORE) is `more`.
 * recv_s (s, str, more): the same for a string (without its NUL); unlike
 * recv_str it also checks MORE. */
#define recv_frame(s, e, n, m) recv_frame_at (__FILE__, __LINE__, s, e, n, m)
#define recv_s(s, e, m) recv_frame_at (__FILE__, __LINE__, s, e, strlen (e), m)

static inline void recv_frame_at (const char *file, int line, void *s,
                                  const void *expected, size_t n, int more)
{
    zmq_msg_t m;
    TEST_OK (zmq_msg_init (&m));
    int rc = zmq_msg_recv (&m, s, 0);
    if (rc < 0)
        TEST_FAIL_AT (file, line, "recv failed: errno %d (%s)", zmq_errno (),
                      zmq_strerror (zmq_errno ()));
    if ((size_t) rc != n || (n && memcmp (zmq_msg_data (&m), expected, n)))
        TEST_FAIL_AT (file, line,
                      "expected %zu-byte frame '%.*s', got %d bytes '%.*s'", n,
                      (int) n, (const char *) expected, rc, rc,
                      (const char *) zmq_msg_data (&m));
    if (more != zmq_msg_more (&m))
        TEST_FAIL_AT (file, line, "expected more=%d", more);
    int rcvmore = -1;
    size_t sz = sizeof rcvmore;
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &sz));
    if (more != rcvmore)
        TEST_FAIL_AT (file, line, "expected RCVMORE=%d", more);
    TEST_OK (zmq_msg_close (&m));
}

/* recv_any (s, buf, cap, more): receives one frame into buf and returns its
 * size; checks that ZMQ_RCVMORE is `more`. */
#define recv_any(s, b, c, m) recv_any_at (__FILE__, __LINE__, s, b, c, m)
static inline size_t recv_any_at (const char *file, int line, void *s,
                                  void *buf, size_t cap, int more)
{
    int rc = zmq_recv (s, buf, cap, 0);
    if (rc < 0)
        TEST_FAIL_AT (file, line, "recv failed: errno %d (%s)", zmq_errno (),
                      zmq_strerror (zmq_errno ()));
    if ((size_t) rc > cap)
        TEST_FAIL_AT (file, line, "a %d-byte frame does not fit %zu bytes", rc,
                      cap);
    int rcvmore = -1;
    size_t sz = sizeof rcvmore;
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &sz));
    if (more != rcvmore)
        TEST_FAIL_AT (file, line, "expected RCVMORE=%d", more);
    return (size_t) rc;
}

/* send_bin (s, data, n, flags): sends n bytes as one frame; must succeed. */
#define send_bin(s, d, n, f) send_bin_at (__FILE__, __LINE__, s, d, n, f)
static inline void send_bin_at (const char *file, int line, void *s,
                                const void *data, size_t n, int flags)
{
    int rc = zmq_send (s, data, n, flags);
    if (rc != (int) n)
        TEST_FAIL_AT (file, line, "send of %zu bytes returned %d, errno %d (%s)",
                      n, rc, zmq_errno (), zmq_strerror (zmq_errno ()));
}

/* 1 if `s` becomes readable within `ms` (zmq_poll), else 0. */
static inline int poll_in (void *s, int ms)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    int rc = zmq_poll (&it, 1, ms);
    TEST_ASSERT (rc >= 0);
    return (it.revents & ZMQ_POLLIN) ? 1 : 0;
}

/* ---- pub/sub ----------------------------------------------------------- */

/* Subscriptions travel asynchronously. This "syncs": `pub` sends numbered
 * messages "<prefix>#<n>" until every one of the n (<= 8) sockets in `subs`
 * got one (bounded: 10 s), then each subscriber drains up to the last number
 * sent. Every subscriber must be subscribed to `prefix` (or a prefix of
 * it); subscriptions a SUB made earlier are then active too. */
static inline void sync_subscribers (void *pub, void **subs, int n,
                                     const char *prefix)
{
    int got[8] = {0};
    int seq = 0, remaining = n;
    char buf[256];
    int64_t deadline = test_now_ms () + 10000;
    TEST_ASSERT (n <= 8);
    while (remaining > 0) {
        TEST_ASSERT (test_now_ms () < deadline);
        snprintf (buf, sizeof buf, "%s#%d", prefix, seq++);
        send_str (pub, buf, 0);
        zmq_pollitem_t items[8];
        for (int i = 0; i < n; i++) {
            items[i].socket = subs[i];
            items[i].fd = 0;
            items[i].events = got[i] ? 0 : ZMQ_POLLIN;
            items[i].revents = 0;
        }
        TEST_ASSERT (zmq_poll (items, n, 20) >= 0);
        for (int i = 0; i < n; i++)
            if (!got[i] && (items[i].revents & ZMQ_POLLIN)) {
                got[i] = 1;
                remaining--;
            }
    }
    char last[256];
    snprintf (last, sizeof last, "%s#%d", prefix, seq - 1);
    for (int i = 0; i < n; i++) {
        for (;;) {
            size_t len = recv_any (subs[i], buf, sizeof buf - 1, 0);
            buf[len] = 0;
            TEST_ASSERT (strncmp (buf, prefix, strlen (prefix)) == 0);
            if (strcmp (buf, last) == 0)
                break;
        }
    }
}

/* sync_subscribers for one subscriber. */
static inline void sync_subscriber (void *pub, void *sub, const char *prefix)
{
    void *subs[1] = {sub};
    sync_subscribers (pub, subs, 1, prefix);
}

/* ---- ROUTER with ROUTER_MANDATORY -------------------------------------- */

/* send_routing_id (router, id, n): sends the routing-id frame (SNDMORE)
 * once that peer is routable, retrying EHOSTUNREACH for up to 5 s (a peer
 * is known once its handshake is done). The caller sends the body next. */
#define send_routing_id(r, id, n)                                              \
    send_routing_id_at (__FILE__, __LINE__, r, id, n)
static inline void send_routing_id_at (const char *file, int line, void *router,
                                       const void *id, size_t n)
{
    int64_t deadline = test_now_ms () + 5000;
    while (zmq_send (router, id, n, ZMQ_SNDMORE) == -1) {
        int en = zmq_errno ();
        if (en != EHOSTUNREACH)
            TEST_FAIL_AT (file, line, "routing id '%.*s': expected "
                          "EHOSTUNREACH, got errno %d (%s)",
                          (int) n, (const char *) id, en, zmq_strerror (en));
        if (test_now_ms () >= deadline)
            TEST_FAIL_AT (file, line, "peer '%.*s' not routable within 5 s",
                          (int) n, (const char *) id);
        test_sleep_ms (5);
    }
}

/* wait_peer_gone (router, id): waits (up to 5 s) until `router` no longer
 * knows the peer `id`, i.e. its id frame fails with EHOSTUNREACH. While it
 * is still known, a "probe" message is sent to it. */
#define wait_peer_gone(r, id) wait_peer_gone_at (__FILE__, __LINE__, r, id)
static inline void wait_peer_gone_at (const char *file, int line, void *router,
                                      const char *id)
{
    int64_t deadline = test_now_ms () + 5000;
    for (;;) {
        if (zmq_send (router, id, strlen (id), ZMQ_SNDMORE) == -1) {
            int en = zmq_errno ();
            if (en != EHOSTUNREACH)
                TEST_FAIL_AT (file, line, "routing id '%s': expected "
                              "EHOSTUNREACH, got errno %d (%s)",
                              id, en, zmq_strerror (en));
            return;
        }
        send_str (router, "probe", 0);
        if (test_now_ms () >= deadline)
            TEST_FAIL_AT (file, line, "peer '%s' still routable after 5 s", id);
        test_sleep_ms (5);
    }
}

/* ---- endpoints --------------------------------------------------------- */

static char test_ipc_paths_[32][256];
static int test_n_ipc_paths_;

/* Removes the files of the ipc endpoints given to ipc_track. */
static inline void ipc_cleanup (void)
{
    for (int i = 0; i < test_n_ipc_paths_; i++)
        unlink (test_ipc_paths_[i]);
}

/* Remembers an ipc endpoint's file so it is removed at exit (also when a
 * check fails). */
static inline void ipc_track (const char *ep)
{
    if (strncmp (ep, "ipc://", 6) != 0 || ep[6] == '@')
        return;
    if (test_n_ipc_paths_ == 0)
        atexit (ipc_cleanup);
    if (test_n_ipc_paths_ < 32)
        snprintf (test_ipc_paths_[test_n_ipc_paths_++], 256, "%s", ep + 6);
}

/* Binds `s` on transport `tp` ("tcp", "ipc" or "inproc") and returns the
 * concrete endpoint in `ep`; `tag` makes ipc and inproc names unique. */
static inline void bind_transport (void *s, const char *tp, const char *tag,
                                   char *ep, size_t len)
{
    if (strcmp (tp, "tcp") == 0) {
        bind_ephemeral (s, "tcp://127.0.0.1:*", ep, len);
    } else if (strcmp (tp, "ipc") == 0) {
        make_ipc_endpoint (ep, len, tag);
        ipc_track (ep);
        TEST_OK (zmq_bind (s, ep));
    } else {
        snprintf (ep, len, "inproc://%s", tag);
        TEST_OK (zmq_bind (s, ep));
    }
}

/* Creates a `bound_type` socket bound on transport `tp` (bind_transport)
 * and a `conn_type` socket connected to it, both with a 5 s RCVTIMEO. */
static inline void make_pair (void *ctx, const char *tp, const char *tag,
                              int bound_type, int conn_type, void **bound,
                              void **conn)
{
    char ep[256];
    *bound = zmq_socket (ctx, bound_type);
    *conn = zmq_socket (ctx, conn_type);
    TEST_ASSERT (*bound && *conn);
    set_rcvtimeo (*bound, 5000);
    set_rcvtimeo (*conn, 5000);
    bind_transport (*bound, tp, tag, ep, sizeof ep);
    TEST_OK (zmq_connect (*conn, ep));
}

/* Reads ZMQ_LAST_ENDPOINT into buf; checks the reported length is the
 * string's plus its NUL. */
static inline void get_last_endpoint (void *s, char *buf, size_t cap)
{
    size_t len = cap;
    TEST_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
    TEST_ASSERT (len >= 1 && len <= cap);
    TEST_ASSERT_EQ_INT (strlen (buf) + 1, len);
}

/* bind_retry (s, ep): binds, retrying on EADDRINUSE for up to 5 s while an
 * old listener of that endpoint closes (closing is asynchronous). */
#define bind_retry(s, ep) bind_retry_at (__FILE__, __LINE__, s, ep)
static inline void bind_retry_at (const char *file, int line, void *s,
                                  const char *ep)
{
    int64_t deadline = test_now_ms () + 5000;
    while (zmq_bind (s, ep) != 0) {
        int en = zmq_errno ();
        if (en != EADDRINUSE)
            TEST_FAIL_AT (file, line, "bind %s: expected EADDRINUSE, got errno "
                          "%d (%s)", ep, en, zmq_strerror (en));
        if (test_now_ms () >= deadline)
            TEST_FAIL_AT (file, line, "bind %s: still EADDRINUSE after 5 s", ep);
        test_sleep_ms (10);
    }
}

#endif
