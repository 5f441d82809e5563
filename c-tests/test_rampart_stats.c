/* Rampart's counters (include/rampart.h, ZMQ_RAMPART_STAT_*): read-only
 * int64 socket options. Rampart only (skipped on libzmq).
 *
 * Checks:
 * - every counter reads as 8 bytes (0 on a fresh socket); a 4-byte buffer
 *   and zmq_setsockopt are EINVAL; ids next to the range are EINVAL;
 * - MSGS/BYTES IN/OUT after known multipart messages over tcp and inproc
 *   (whole messages; bytes = every frame body, a ROUTER's routing-id frame
 *   included); a failed send counts nothing; a receive counts only when the
 *   application takes the message;
 * - QUEUED_MSGS/BYTES: an inproc PUSH with an unread PULL shows exactly what
 *   was sent (both ends of the pipe), falling as the PULL reads, 0 at the
 *   end; over tcp the PULL's inbound pipe reaches what was sent, the PUSH's
 *   own pipe drains to 0;
 * - DROPS_HWM: a PUB (SNDHWM 10) with a tcp SUB that does not read: drops
 *   grow with further sends, and received + dropped == sent; a ROUTER
 *   (no ROUTER_MANDATORY) sending to a peer at HWM: received + dropped ==
 *   sent; an unknown routing id is not an HWM drop;
 * - OVERSIZE: a raw peer's frame over an explicit MAXMSGSIZE and over the
 *   default profile's 16 MiB; frames within the limit do not count;
 * - HANDSHAKE_FAILURES: three kinds of bad greeting, one each;
 * - HANDSHAKE_TIMEOUTS: silent and half-greeting peers with HANDSHAKE_IVL
 *   200 ms; a finished handshake does not count;
 * - PEERS: 0 -> N -> 0 over tcp, counted after the handshake only;
 * - REJECTED_BY_CAP, EVICTIONS, DROPS_BUDGET: readable and 0 (not
 *   implemented yet);
 * - LISTENER_PAUSES: in a forked child with RLIMIT_NOFILE lowered so that
 *   accept fails with EMFILE, the counter reaches >= 1, and once the limit
 *   is raised again the pending connection is accepted. */
#include "testutil.h"
#include "rawzmtp.h"
#include "monitorv2.h"
#include <rampart.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MiB (1024 * 1024)

static const struct {
    int id;
    const char *name;
} stats[] = {
  {ZMQ_RAMPART_STAT_MSGS_IN, "MSGS_IN"},
  {ZMQ_RAMPART_STAT_BYTES_IN, "BYTES_IN"},
  {ZMQ_RAMPART_STAT_MSGS_OUT, "MSGS_OUT"},
  {ZMQ_RAMPART_STAT_BYTES_OUT, "BYTES_OUT"},
  {ZMQ_RAMPART_STAT_QUEUED_MSGS, "QUEUED_MSGS"},
  {ZMQ_RAMPART_STAT_QUEUED_BYTES, "QUEUED_BYTES"},
  {ZMQ_RAMPART_STAT_DROPS_HWM, "DROPS_HWM"},
  {ZMQ_RAMPART_STAT_DROPS_BUDGET, "DROPS_BUDGET"},
  {ZMQ_RAMPART_STAT_OVERSIZE, "OVERSIZE"},
  {ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES, "HANDSHAKE_FAILURES"},
  {ZMQ_RAMPART_STAT_HANDSHAKE_TIMEOUTS, "HANDSHAKE_TIMEOUTS"},
  {ZMQ_RAMPART_STAT_REJECTED_BY_CAP, "REJECTED_BY_CAP"},
  {ZMQ_RAMPART_STAT_EVICTIONS, "EVICTIONS"},
  {ZMQ_RAMPART_STAT_PEERS, "PEERS"},
  {ZMQ_RAMPART_STAT_LISTENER_PAUSES, "LISTENER_PAUSES"},
};
#define N_STATS ((int) (sizeof stats / sizeof stats[0]))

/* wait_stat (s, id, want, ms): polls counter `id` until it equals `want`
 * (bounded); fails at the caller's line with the last value seen. */
#define wait_stat(s, id, want, ms)                                             \
    wait_stat_at (__FILE__, __LINE__, s, id, #id, want, ms)
static int64_t wait_stat_at (const char *file, int line, void *s, int id,
                             const char *name, int64_t want, int ms)
{
    int64_t deadline = test_now_ms () + ms, v;
    for (;;) {
        v = get_i64 (s, id);
        if (v == want)
            return v;
        if (test_now_ms () >= deadline)
            TEST_FAIL_AT (file, line, "%s: expected %lld within %d ms, got %lld",
                          name, (long long) want, ms, (long long) v);
        test_sleep_ms (5);
    }
}

/* ---------------------------------------------------------------------- */

static void test_access (void *ctx)
{
    int types[] = {ZMQ_PUSH, ZMQ_PULL, ZMQ_ROUTER, ZMQ_PUB, ZMQ_SUB, ZMQ_REQ};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        void *s = zmq_socket (ctx, types[t]);
        TEST_ASSERT (s);
        for (int i = 0; i < N_STATS; i++) {
            int64_t v = -7;
            size_t len = sizeof v;
            if (zmq_getsockopt (s, stats[i].id, &v, &len) != 0)
                TEST_FAIL ("getsockopt %s: errno %d", stats[i].name, zmq_errno ());
            if (len != 8 || v != 0)
                TEST_FAIL ("%s on a fresh socket: len %zu value %lld", stats[i].name,
                           len, (long long) v);
            /* as for libzmq's int64 options, the size must be exactly 8 */
            char big[16];
            len = sizeof big;
            TEST_ERRNO (EINVAL, zmq_getsockopt (s, stats[i].id, big, &len));
            int32_t small = 0;
            len = sizeof small;
            TEST_ERRNO (EINVAL, zmq_getsockopt (s, stats[i].id, &small, &len));
            v = 0;
            TEST_ERRNO (EINVAL, zmq_setsockopt (s, stats[i].id, &v, sizeof v));
            v = 5;
            TEST_ERRNO (EINVAL, zmq_setsockopt (s, stats[i].id, &v, sizeof v));
            int iv = 0;
            TEST_ERRNO (EINVAL, zmq_setsockopt (s, stats[i].id, &iv, sizeof iv));
        }
        int64_t v;
        size_t len = sizeof v;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, 0x52410200, &v, &len));
        len = sizeof v;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, 0x52410210, &v, &len));
        TEST_OK (zmq_close (s));
    }
}

/* Sends a multipart message of string frames; returns its body bytes. */
static int64_t send_parts (void *s, const char **parts, int n)
{
    int64_t bytes = 0;
    for (int i = 0; i < n; i++) {
        send_str (s, parts[i], i + 1 < n ? ZMQ_SNDMORE : 0);
        bytes += (int64_t) strlen (parts[i]);
    }
    return bytes;
}

static void recv_parts (void *s, const char **parts, int n)
{
    for (int i = 0; i < n; i++)
        recv_s (s, parts[i], i + 1 < n);
}

static const char *m1[] = {"a", "bb", "ccc"};      /* 6 bytes */
static const char *m2[] = {"hello"};                /* 5 */
static const char *m3[] = {"", "xyz", "", "0123456789"}; /* 13 */

static void test_msgs_bytes (void *ctx, const char *tp)
{
    void *pull, *push;
    make_pair (ctx, tp, "stats-mb", ZMQ_PULL, ZMQ_PUSH, &pull, &push);

    int64_t bytes = 0;
    bytes += send_parts (push, m1, 3);
    bytes += send_parts (push, m2, 1);
    bytes += send_parts (push, m3, 4);
    TEST_ASSERT_EQ_INT (24, bytes);
    TEST_ASSERT_EQ_INT (3, get_i64 (push, ZMQ_RAMPART_STAT_MSGS_OUT));
    TEST_ASSERT_EQ_INT (24, get_i64 (push, ZMQ_RAMPART_STAT_BYTES_OUT));
    TEST_ASSERT_EQ_INT (0, get_i64 (push, ZMQ_RAMPART_STAT_MSGS_IN));
    TEST_ASSERT_EQ_INT (0, get_i64 (push, ZMQ_RAMPART_STAT_BYTES_IN));
    /* nothing received by the application yet */
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_MSGS_IN));
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_BYTES_IN));

    recv_parts (pull, m1, 3);
    TEST_ASSERT_EQ_INT (1, get_i64 (pull, ZMQ_RAMPART_STAT_MSGS_IN));
    TEST_ASSERT_EQ_INT (6, get_i64 (pull, ZMQ_RAMPART_STAT_BYTES_IN));
    /* half a message: bytes count, the message not yet */
    recv_s (pull, "hello", 0);
    recv_s (pull, "", 1);
    recv_s (pull, "xyz", 1);
    TEST_ASSERT_EQ_INT (2, get_i64 (pull, ZMQ_RAMPART_STAT_MSGS_IN));
    TEST_ASSERT_EQ_INT (14, get_i64 (pull, ZMQ_RAMPART_STAT_BYTES_IN));
    recv_s (pull, "", 1);
    recv_s (pull, "0123456789", 0);
    TEST_ASSERT_EQ_INT (3, get_i64 (pull, ZMQ_RAMPART_STAT_MSGS_IN));
    TEST_ASSERT_EQ_INT (24, get_i64 (pull, ZMQ_RAMPART_STAT_BYTES_IN));
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_MSGS_OUT));
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_BYTES_OUT));

    /* zmq_msg_send / zmq_msg_recv count the same way */
    zmq_msg_t m;
    TEST_OK (zmq_msg_init_size (&m, 1000));
    memset (zmq_msg_data (&m), 'm', 1000);
    TEST_ASSERT_EQ_INT (1000, zmq_msg_send (&m, push, 0));
    TEST_OK (zmq_msg_init (&m));
    TEST_ASSERT_EQ_INT (1000, zmq_msg_recv (&m, pull, 0));
    TEST_OK (zmq_msg_close (&m));
    TEST_ASSERT_EQ_INT (4, get_i64 (push, ZMQ_RAMPART_STAT_MSGS_OUT));
    TEST_ASSERT_EQ_INT (1024, get_i64 (push, ZMQ_RAMPART_STAT_BYTES_OUT));
    TEST_ASSERT_EQ_INT (4, get_i64 (pull, ZMQ_RAMPART_STAT_MSGS_IN));
    TEST_ASSERT_EQ_INT (1024, get_i64 (pull, ZMQ_RAMPART_STAT_BYTES_IN));

    /* a receive that fails counts nothing */
    char buf[8];
    TEST_ERRNO (EAGAIN, zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT));
    TEST_ASSERT_EQ_INT (4, get_i64 (pull, ZMQ_RAMPART_STAT_MSGS_IN));
    close_zero (push);
    close_zero (pull);

    /* a send that fails (no peer) counts nothing */
    void *lonely = zmq_socket (ctx, ZMQ_PUSH);
    TEST_ERRNO (EAGAIN, zmq_send (lonely, "zz", 2, ZMQ_DONTWAIT));
    TEST_ASSERT_EQ_INT (0, get_i64 (lonely, ZMQ_RAMPART_STAT_MSGS_OUT));
    TEST_ASSERT_EQ_INT (0, get_i64 (lonely, ZMQ_RAMPART_STAT_BYTES_OUT));
    close_zero (lonely);

    /* ROUTER/DEALER: the routing-id frame is a frame the app sees */
    void *router, *dealer;
    router = zmq_socket (ctx, ZMQ_ROUTER);
    dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_rcvtimeo (router, 5000);
    set_rcvtimeo (dealer, 5000);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "id1", 3));
    char ep[256];
    bind_transport (router, tp, "stats-rd", ep, sizeof ep);
    TEST_OK (zmq_connect (dealer, ep));
    send_str (dealer, "x", ZMQ_SNDMORE);
    send_str (dealer, "yy", 0);
    recv_s (router, "id1", 1);
    recv_s (router, "x", 1);
    recv_s (router, "yy", 0);
    TEST_ASSERT_EQ_INT (1, get_i64 (router, ZMQ_RAMPART_STAT_MSGS_IN));
    TEST_ASSERT_EQ_INT (6, get_i64 (router, ZMQ_RAMPART_STAT_BYTES_IN));
    TEST_ASSERT_EQ_INT (1, get_i64 (dealer, ZMQ_RAMPART_STAT_MSGS_OUT));
    TEST_ASSERT_EQ_INT (3, get_i64 (dealer, ZMQ_RAMPART_STAT_BYTES_OUT));
    send_str (router, "id1", ZMQ_SNDMORE);
    send_str (router, "back", 0);
    recv_s (dealer, "back", 0);
    TEST_ASSERT_EQ_INT (1, get_i64 (router, ZMQ_RAMPART_STAT_MSGS_OUT));
    TEST_ASSERT_EQ_INT (7, get_i64 (router, ZMQ_RAMPART_STAT_BYTES_OUT));
    TEST_ASSERT_EQ_INT (1, get_i64 (dealer, ZMQ_RAMPART_STAT_MSGS_IN));
    TEST_ASSERT_EQ_INT (4, get_i64 (dealer, ZMQ_RAMPART_STAT_BYTES_IN));
    close_zero (dealer);
    close_zero (router);
}

/* ---------------------------------------------------------------------- */

static void check_queued (void *s, int64_t msgs, int64_t bytes, const char *what)
{
    int64_t qm = get_i64 (s, ZMQ_RAMPART_STAT_QUEUED_MSGS);
    int64_t qb = get_i64 (s, ZMQ_RAMPART_STAT_QUEUED_BYTES);
    if (qm != msgs || qb != bytes)
        TEST_FAIL ("%s: QUEUED_MSGS %lld QUEUED_BYTES %lld, expected %lld and %lld",
                   what, (long long) qm, (long long) qb, (long long) msgs,
                   (long long) bytes);
}

static void test_queued (void *ctx)
{
    /* inproc: one pipe shared by both sockets, so both see the backlog */
    void *pull, *push;
    make_pair (ctx, "inproc", "stats-q", ZMQ_PULL, ZMQ_PUSH, &pull, &push);
    check_queued (push, 0, 0, "inproc push, empty");
    const char *q[] = {"ab", "cde"};
    for (int i = 0; i < 3; i++)
        send_parts (push, q, 2);
    check_queued (push, 3, 15, "inproc push, 3 sent");
    check_queued (pull, 3, 15, "inproc pull, 3 unread");
    recv_parts (pull, q, 2);
    check_queued (pull, 2, 10, "inproc pull, 1 read");
    check_queued (push, 2, 10, "inproc push, 1 read by the peer");
    recv_parts (pull, q, 2);
    recv_parts (pull, q, 2);
    check_queued (pull, 0, 0, "inproc pull, all read");
    check_queued (push, 0, 0, "inproc push, all read by the peer");
    close_zero (push);
    close_zero (pull);

    /* tcp: the PULL's inbound pipe fills once delivery is done; the PUSH's
     * pipe is drained into the connection (I/O buffers are not counted) */
    push = zmq_socket (ctx, ZMQ_PUSH);
    pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    char ep[256];
    bind_ephemeral (push, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_OK (zmq_connect (pull, ep));
    wait_stat (push, ZMQ_RAMPART_STAT_PEERS, 1, 5000);
    char a[100], b[50];
    memset (a, 'a', sizeof a);
    memset (b, 'b', sizeof b);
    for (int i = 0; i < 5; i++) {
        send_bin (push, a, sizeof a, ZMQ_SNDMORE);
        send_bin (push, b, sizeof b, 0);
    }
    wait_stat (pull, ZMQ_RAMPART_STAT_QUEUED_MSGS, 5, 5000);
    TEST_ASSERT_EQ_INT (750, get_i64 (pull, ZMQ_RAMPART_STAT_QUEUED_BYTES));
    wait_stat (push, ZMQ_RAMPART_STAT_QUEUED_MSGS, 0, 5000);
    TEST_ASSERT_EQ_INT (0, get_i64 (push, ZMQ_RAMPART_STAT_QUEUED_BYTES));
    for (int i = 0; i < 5; i++) {
        recv_frame (pull, a, sizeof a, 1);
        recv_frame (pull, b, sizeof b, 0);
        check_queued (pull, 4 - i, 150 * (4 - i), "tcp pull while reading");
    }
    TEST_ASSERT_EQ_INT (5, get_i64 (pull, ZMQ_RAMPART_STAT_MSGS_IN));
    TEST_ASSERT_EQ_INT (750, get_i64 (pull, ZMQ_RAMPART_STAT_BYTES_IN));
    close_zero (push);
    close_zero (pull);
}

/* ---------------------------------------------------------------------- */

/* Receives everything until `quiet_ms` pass with nothing; returns the count. */
static int64_t drain (void *s, int quiet_ms)
{
    int64_t n = 0;
    char buf[16];
    while (poll_in (s, quiet_ms)) {
        int more;
        do {
            TEST_ASSERT (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT) >= 0);
            more = get_int (s, ZMQ_RCVMORE);
        } while (more);
        n++;
    }
    return n;
}

static void test_drops_pub (void *ctx)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (pub, ZMQ_SNDHWM, 10);
    set_int (pub, ZMQ_SNDBUF, 4096);
    set_int (sub, ZMQ_RCVHWM, 10);
    set_int (sub, ZMQ_RCVBUF, 4096);
    set_rcvtimeo (sub, 5000);
    char ep[256];
    bind_ephemeral (pub, "tcp://127.0.0.1:*", ep, sizeof ep);
    subscribe (sub, "");
    TEST_OK (zmq_connect (sub, ep));
    sync_subscriber (pub, sub, "");
    TEST_ASSERT_EQ_INT (0, get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_HWM));

    /* The SUB stops reading: send until the PUB starts dropping. */
    static char body[4096];
    memset (body, 'p', sizeof body);
    int64_t sent = 0, drops = 0;
    int64_t deadline = test_now_ms () + 5000;
    while ((drops = get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_HWM)) == 0) {
        if (test_now_ms () > deadline)
            TEST_FAIL ("no HWM drop after %lld messages to a stalled SUB",
                       (long long) sent);
        TEST_ASSERT_EQ_INT (sizeof body,
                            zmq_send (pub, body, sizeof body, ZMQ_DONTWAIT));
        sent++;
    }
    TEST_ASSERT (sent > 10); /* the pipe took SNDHWM messages at least */
    /* The first drops may come before the I/O thread has filled the
     * connection's buffers; keep sending (with pauses for it to catch up)
     * until 100 sends in a row were all dropped: then the stall is real. */
    int run = 0;
    while (run < 100) {
        if (test_now_ms () > deadline)
            TEST_FAIL ("never 100 drops in a row (sent %lld)", (long long) sent);
        if (sent % 50 == 0)
            test_sleep_ms (2);
        int64_t before = get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_HWM);
        TEST_ASSERT_EQ_INT (sizeof body, zmq_send (pub, body, sizeof body, ZMQ_DONTWAIT));
        sent++;
        int64_t after = get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_HWM);
        TEST_ASSERT (after == before || after == before + 1);
        run = after == before + 1 ? run + 1 : 0;
    }
    /* now every further message is dropped, and counted once */
    test_sleep_ms (50);
    drops = get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_HWM);
    for (int i = 0; i < 100; i++) {
        TEST_ASSERT_EQ_INT (sizeof body, zmq_send (pub, body, sizeof body, ZMQ_DONTWAIT));
        sent++;
    }
    int64_t drops2 = get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_HWM);
    fprintf (stderr, "pub: %lld sent, %lld dropped; %lld dropped of the last 100\n",
             (long long) sent, (long long) drops2, (long long) (drops2 - drops));
    TEST_ASSERT_EQ_INT (100, drops2 - drops);
    /* the SUB now takes everything that was not dropped */
    int64_t got = drain (sub, 500);
    if (got + drops2 != sent)
        TEST_FAIL ("sent %lld: received %lld + DROPS_HWM %lld != sent",
                   (long long) sent, (long long) got, (long long) drops2);
    TEST_ASSERT_EQ_INT (drops2, get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_HWM));
    TEST_ASSERT_EQ_INT (0, get_i64 (sub, ZMQ_RAMPART_STAT_DROPS_HWM));
    close_zero (sub);
    close_zero (pub);
}

static void test_drops_router (void *ctx, const char *tp)
{
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_int (router, ZMQ_SNDHWM, 2);
    set_int (dealer, ZMQ_RCVHWM, 2);
    set_int (router, ZMQ_SNDBUF, 4096);
    set_int (dealer, ZMQ_RCVBUF, 4096);
    set_rcvtimeo (router, 5000);
    set_rcvtimeo (dealer, 5000);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "d", 1));
    char ep[256];
    bind_transport (router, tp, "stats-rdrop", ep, sizeof ep);
    TEST_OK (zmq_connect (dealer, ep));
    send_str (dealer, "hi", 0);
    recv_s (router, "d", 1);
    recv_s (router, "hi", 0);

    /* an unknown routing id is dropped silently, but it is no HWM drop */
    send_str (router, "nobody", ZMQ_SNDMORE);
    send_str (router, "lost", 0);
    TEST_ASSERT_EQ_INT (0, get_i64 (router, ZMQ_RAMPART_STAT_DROPS_HWM));

    static char body[4096];
    memset (body, 'r', sizeof body);
    int64_t sent = 0;
    int64_t deadline = test_now_ms () + 5000;
    while (get_i64 (router, ZMQ_RAMPART_STAT_DROPS_HWM) < 20) {
        if (test_now_ms () > deadline)
            TEST_FAIL ("ROUTER: fewer than 20 HWM drops after %lld sends",
                       (long long) sent);
        send_str (router, "d", ZMQ_SNDMORE);
        send_bin (router, body, sizeof body, 0);
        sent++;
    }
    int64_t drops = get_i64 (router, ZMQ_RAMPART_STAT_DROPS_HWM);
    int64_t got = drain (dealer, 300);
    fprintf (stderr, "router (%s): sent %lld, received %lld, dropped %lld\n", tp,
             (long long) sent, (long long) got, (long long) drops);
    TEST_ASSERT (got >= 2);
    if (got + drops != sent)
        TEST_FAIL ("ROUTER (%s): received %lld + DROPS_HWM %lld != sent %lld", tp,
                   (long long) got, (long long) drops, (long long) sent);
    close_zero (dealer);
    close_zero (router);
}

/* ---------------------------------------------------------------------- */

static void test_oversize (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    int64_t max = 1000;
    TEST_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    set_rcvtimeo (pull, 5000);
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);

    static unsigned char body[70000];
    memset (body, 'o', sizeof body);
    int raw = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (raw >= 0);
    TEST_ASSERT (rz_send_frame_header (raw, 0, 1000, 1) == 0);
    TEST_ASSERT (rz_send_all (raw, body, 1000) == 0);
    char buf[2000];
    TEST_ASSERT_EQ_INT (1000, zmq_recv (pull, buf, sizeof buf, 0));
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE));
    TEST_ASSERT (rz_send_frame_header (raw, 0, 2000, 1) == 0);
    rz_send_all (raw, body, 100);
    TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
    close (raw);
    wait_stat (pull, ZMQ_RAMPART_STAT_OVERSIZE, 1, 2000);
    /* a second offender, one byte over */
    raw = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (raw >= 0);
    TEST_ASSERT (rz_send_frame_header (raw, 0, 1001, 1) == 0);
    TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
    close (raw);
    wait_stat (pull, ZMQ_RAMPART_STAT_OVERSIZE, 2, 2000);
    /* not counted as handshake failures; the peers are gone */
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES));
    wait_stat (pull, ZMQ_RAMPART_STAT_PEERS, 0, 2000);
    close_zero (pull);

    /* the default profile's 16 MiB, MAXMSGSIZE never set */
    unsetenv ("RAMPART_PROFILE");
    unsetenv ("RAMPART_MAXMSGSIZE");
    void *ctx2 = zmq_ctx_new ();
    pull = zmq_socket (ctx2, ZMQ_PULL);
    TEST_ASSERT_EQ_INT (16 * MiB, get_i64 (pull, ZMQ_MAXMSGSIZE));
    set_rcvtimeo (pull, 5000);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    raw = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (raw >= 0);
    TEST_ASSERT (rz_send_frame_header (raw, 0, sizeof body, 1) == 0);
    TEST_ASSERT (rz_send_all (raw, body, sizeof body) == 0);
    zmq_msg_t m;
    TEST_OK (zmq_msg_init (&m));
    TEST_ASSERT_EQ_INT ((int) sizeof body, zmq_msg_recv (&m, pull, 0));
    TEST_OK (zmq_msg_close (&m));
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE));
    TEST_ASSERT (rz_send_frame_header (raw, 0, 16 * MiB + 1, 1) == 0);
    TEST_ASSERT (rz_wait_closed (raw, 3000) == 1);
    close (raw);
    wait_stat (pull, ZMQ_RAMPART_STAT_OVERSIZE, 1, 2000);
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx2));
}

/* ---------------------------------------------------------------------- */

static void test_handshake_failures (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);

    unsigned char g[64];
    for (int kind = 0; kind < 3; kind++) {
        int fd = rz_connect (ep);
        TEST_ASSERT (fd >= 0);
        rz_make_greeting (g, 0);
        if (kind == 0) { /* not ZMTP at all: without the 0xFF signature
                          * it would be a ZMTP 1.0 frame, and a zero length
                          * is none (text such as "GET /" would instead be
                          * read as a 1.0 identity and wait for the
                          * handshake timeout, as in libzmq) */
            memset (g, ' ', sizeof g);
            memcpy (g, "\0\0GET / HTTP/1.1\r\n", 18);
        } else if (kind == 1) { /* a mechanism the victim does not use */
            memset (g + 12, 0, 20);
            memcpy (g + 12, "CURVE", 5);
        } else { /* ZMTP major version 2 with a 3.x-sized greeting */
            g[10] = 2;
        }
        rz_send_all (fd, g, sizeof g);
        if (!rz_wait_closed (fd, 3000))
            TEST_FAIL ("bad greeting %d: the connection stayed open", kind);
        close (fd);
        wait_stat (pull, ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES, kind + 1, 2000);
    }
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_HANDSHAKE_TIMEOUTS));
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE));
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_PEERS));
    /* a good peer afterwards is not a failure */
    int fd = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (fd >= 0);
    TEST_ASSERT (rz_send_frame (fd, 0, "ok", 2) == 0);
    recv_str (pull, "ok");
    TEST_ASSERT_EQ_INT (3, get_i64 (pull, ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES));
    TEST_ASSERT_EQ_INT (1, get_i64 (pull, ZMQ_RAMPART_STAT_PEERS));
    close (fd);
    wait_stat (pull, ZMQ_RAMPART_STAT_PEERS, 0, 3000);
    TEST_ASSERT_EQ_INT (3, get_i64 (pull, ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES));
    close_zero (pull);
}

static void test_handshake_timeouts (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_HANDSHAKE_IVL, 200);
    set_rcvtimeo (pull, 5000);
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);

    /* a handshaken peer that idles past the interval is not a timeout */
    int good = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (good >= 0);

    int silent = rz_connect (ep);
    int half = rz_connect (ep);
    TEST_ASSERT (silent >= 0 && half >= 0);
    unsigned char g[64];
    rz_make_greeting (g, 0);
    TEST_ASSERT (rz_send_all (half, g, 20) == 0);
    int64_t t0 = test_now_ms ();
    TEST_ASSERT (rz_wait_closed (silent, 3000) == 1);
    TEST_ASSERT (rz_wait_closed (half, 3000) == 1);
    TEST_ASSERT (test_now_ms () - t0 >= 100);
    close (silent);
    close (half);
    wait_stat (pull, ZMQ_RAMPART_STAT_HANDSHAKE_TIMEOUTS, 2, 2000);
    /* a timeout is a failed handshake too: failures >= timeouts */
    TEST_ASSERT (get_i64 (pull, ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES) >= 2);
    TEST_ASSERT_EQ_INT (0, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE));

    TEST_ASSERT (rz_is_open (good));
    TEST_ASSERT (rz_send_frame (good, 0, "still", 5) == 0);
    recv_str (pull, "still");
    TEST_ASSERT_EQ_INT (2, get_i64 (pull, ZMQ_RAMPART_STAT_HANDSHAKE_TIMEOUTS));
    TEST_ASSERT_EQ_INT (1, get_i64 (pull, ZMQ_RAMPART_STAT_PEERS));
    close (good);
    close_zero (pull);
}

/* ---------------------------------------------------------------------- */

static void test_peers (void *ctx)
{
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    char ep[256];
    bind_ephemeral (router, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_ASSERT_EQ_INT (0, get_i64 (router, ZMQ_RAMPART_STAT_PEERS));

    enum { N = 3 };
    void *d[N];
    for (int i = 0; i < N; i++) {
        d[i] = zmq_socket (ctx, ZMQ_DEALER);
        TEST_ASSERT_EQ_INT (0, get_i64 (d[i], ZMQ_RAMPART_STAT_PEERS));
        TEST_OK (zmq_connect (d[i], ep));
        wait_stat (router, ZMQ_RAMPART_STAT_PEERS, i + 1, 5000);
        wait_stat (d[i], ZMQ_RAMPART_STAT_PEERS, 1, 5000);
    }
    /* a raw connection that has not finished its handshake is no peer */
    int raw = rz_connect (ep);
    TEST_ASSERT (raw >= 0);
    TEST_ASSERT (rz_send_greeting (raw) == 0);
    TEST_ASSERT (rz_recv_greeting (raw, 3000) == 0);
    test_sleep_ms (100);
    TEST_ASSERT_EQ_INT (N, get_i64 (router, ZMQ_RAMPART_STAT_PEERS));
    /* ... until it has */
    TEST_ASSERT (rz_send_ready (raw, "DEALER", NULL) == 0);
    wait_stat (router, ZMQ_RAMPART_STAT_PEERS, N + 1, 5000);
    close (raw);
    wait_stat (router, ZMQ_RAMPART_STAT_PEERS, N, 5000);
    for (int i = 0; i < N; i++) {
        close_zero (d[i]);
        wait_stat (router, ZMQ_RAMPART_STAT_PEERS, N - 1 - i, 5000);
    }

    /* the connecting side: its peer goes when the binder closes */
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    TEST_OK (zmq_connect (dealer, ep));
    wait_stat (dealer, ZMQ_RAMPART_STAT_PEERS, 1, 5000);
    wait_stat (router, ZMQ_RAMPART_STAT_PEERS, 1, 5000);
    close_zero (router);
    wait_stat (dealer, ZMQ_RAMPART_STAT_PEERS, 0, 5000);
    close_zero (dealer);
}

static void test_no_false_positives (void *ctx)
{
    /* traffic and a peer leaving trip no cap, budget or eviction counter */
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    char ep[256];
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    int fd = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (fd >= 0);
    close (fd);
    int ids[] = {ZMQ_RAMPART_STAT_REJECTED_BY_CAP, ZMQ_RAMPART_STAT_EVICTIONS,
                 ZMQ_RAMPART_STAT_DROPS_BUDGET};
    for (int i = 0; i < 3; i++)
        TEST_ASSERT_EQ_INT (0, get_i64 (pull, ids[i]));
    close_zero (pull);
}

/* ---------------------------------------------------------------------- */

/* In a forked child (own context, limit applies to the child only): bind a
 * ROUTER, lower RLIMIT_NOFILE to the lowest free descriptor so accept()
 * gets EMFILE, connect a raw client prepared beforehand, and wait for
 * LISTENER_PAUSES >= 1; then raise the limit and check the listener
 * resumes (the pending connection completes its handshake). */
static int listener_pause_child (void)
{
    alarm (15);
    void *ctx = zmq_ctx_new ();
    if (!ctx)
        return 10;
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    /* the reason-coded event, on a v2 monitor made before fds run out */
    if (socket_monitor_versioned (router, "inproc://pause-mon",
                                  ZMQ_RAMPART_EVENT_LISTENER_PAUSED, 2, ZMQ_PAIR)
        != 0)
        return 24;
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    if (zmq_connect (mon, "inproc://pause-mon") != 0)
        return 25;
    char ep[256];
    size_t len = sizeof ep;
    if (zmq_bind (router, "tcp://127.0.0.1:*") != 0
        || zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, ep, &len) != 0)
        return 11;
    int port = rz_endpoint_port (ep);
    /* touch the counters once so any lazy set-up happens now */
    if (get_i64 (router, ZMQ_RAMPART_STAT_LISTENER_PAUSES) != 0)
        return 12;
    int cfd = socket (AF_INET, SOCK_STREAM, 0);
    if (cfd < 0)
        return 13;
    /* Lower the limit a little above the lowest free descriptor and fill
     * what is left, so no hole below the limit remains whatever order the
     * system hands descriptors out in. */
    int lowest = dup (0);
    if (lowest < 0)
        return 14;
    close (lowest);
    struct rlimit old, low;
    if (getrlimit (RLIMIT_NOFILE, &old) != 0)
        return 15;
    low = old;
    low.rlim_cur = (rlim_t) lowest + 8;
    if (setrlimit (RLIMIT_NOFILE, &low) != 0)
        return 16;
    int fill[64], filled = 0, fill_errno = 0;
    while (filled < 64) {
        int d = dup (0);
        if (d < 0) {
            fill_errno = errno;
            break;
        }
        fill[filled++] = d;
    }
    if (fill_errno != EMFILE) {
        setrlimit (RLIMIT_NOFILE, &old);
        fprintf (stderr,
                 "child: with RLIMIT_NOFILE %d, %d dups then errno %d "
                 "(want EMFILE)\n",
                 lowest + 8, filled, fill_errno);
        return 77; /* this system does not enforce the limit on dup */
    }
    struct sockaddr_in sa;
    rz_loopback_addr (&sa, port);
    if (connect (cfd, (struct sockaddr *) &sa, sizeof sa) != 0)
        return 18; /* the kernel's backlog takes it */
    int64_t deadline = test_now_ms () + 5000, pauses = 0;
    while ((pauses = get_i64 (router, ZMQ_RAMPART_STAT_LISTENER_PAUSES)) < 1
           && test_now_ms () < deadline)
        test_sleep_ms (10);
    int64_t peers_while_low = get_i64 (router, ZMQ_RAMPART_STAT_PEERS);
    if (setrlimit (RLIMIT_NOFILE, &old) != 0)
        return 19;
    while (filled > 0)
        close (fill[--filled]);
    if (pauses < 1) {
        fprintf (stderr, "child: LISTENER_PAUSES still 0 after 5 s at EMFILE\n");
        return 20;
    }
    if (peers_while_low != 0)
        return 21;
    /* the listener resumes (pauses are at most 2 s) */
    if (rz_handshake (cfd, "DEALER", 6000) != 0) {
        fprintf (stderr, "child: no handshake after the limit was raised\n");
        return 22;
    }
    deadline = test_now_ms () + 3000;
    while (get_i64 (router, ZMQ_RAMPART_STAT_PEERS) != 1 && test_now_ms () < deadline)
        test_sleep_ms (10);
    if (get_i64 (router, ZMQ_RAMPART_STAT_PEERS) != 1)
        return 23;
    /* LISTENER_PAUSED: [pause ms, errno] */
    int tmo = 2000;
    zmq_setsockopt (mon, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
    uint64_t f[4];
    for (int i = 0; i < 4; i++)
        if (zmq_recv (mon, &f[i], 8, 0) != 8)
            return 26;
    if (f[0] != ZMQ_RAMPART_EVENT_LISTENER_PAUSED || f[1] != 2 || f[2] < 100
        || f[3] != EMFILE) {
        fprintf (stderr, "child: LISTENER_PAUSED %llx n=%llu [%llu, %llu]\n",
                 (unsigned long long) f[0], (unsigned long long) f[1],
                 (unsigned long long) f[2], (unsigned long long) f[3]);
        return 27;
    }
    zmq_close (mon);
    fprintf (stderr, "child: LISTENER_PAUSES %lld\n",
             (long long) get_i64 (router, ZMQ_RAMPART_STAT_LISTENER_PAUSES));
    close (cfd);
    close_zero (router);
    zmq_ctx_term (ctx);
    return 0;
}

static void test_listener_pauses (void)
{
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    TEST_ASSERT (pid >= 0);
    if (pid == 0)
        _exit (listener_pause_child ());
    int status = 0;
    int64_t deadline = test_now_ms () + 20000;
    pid_t r;
    while ((r = waitpid (pid, &status, WNOHANG)) == 0) {
        if (test_now_ms () > deadline) {
            kill (pid, SIGKILL);
            waitpid (pid, &status, 0);
            TEST_FAIL ("listener-pause child hung");
        }
        test_sleep_ms (10);
    }
    TEST_ASSERT (r == pid);
    if (WIFSIGNALED (status))
        TEST_FAIL ("listener-pause child killed by signal %d", WTERMSIG (status));
    if (WEXITSTATUS (status) == 77) {
        fprintf (stderr, "SKIP listener pauses: RLIMIT_NOFILE not enforced here\n");
        return;
    }
    if (WEXITSTATUS (status) != 0)
        TEST_FAIL ("listener-pause child failed with code %d", WEXITSTATUS (status));
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart's counters");
    unsetenv ("RAMPART_PROFILE");
    /* first, while this process has no context or I/O thread to fork */
    test_listener_pauses ();

    void *ctx = zmq_ctx_new ();
    test_access (ctx);
    test_msgs_bytes (ctx, "tcp");
    test_msgs_bytes (ctx, "inproc");
    test_queued (ctx);
    test_drops_pub (ctx);
    test_drops_router (ctx, "inproc");
    test_drops_router (ctx, "tcp");
    test_oversize (ctx);
    test_handshake_failures (ctx);
    test_handshake_timeouts (ctx);
    test_peers (ctx);
    test_no_false_positives (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
