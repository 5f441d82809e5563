/* Multipart messages.
 *
 * Checks: RCVMORE/zmq_msg_more on every frame, many-frame and large-frame
 * messages on tcp, ipc and inproc; atomic delivery (once the first frame is
 * readable the rest is readable at once); atomic drops at the HWM (PUB and
 * ROUTER never deliver a partial message); a sender closing in the middle of
 * a message delivers nothing of it; and, with a raw ZMTP 3.1 peer over TCP,
 * a ROUTER never delivers the frames of a message whose sender disconnected
 * before its last frame. */
#include "testutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

/* ---- local helpers (same block in several test files) ---------------- */
static char lh_ipc_paths_[32][256];
static int lh_n_ipc_paths_;

static inline void lh_ipc_cleanup (void)
{
    for (int i = 0; i < lh_n_ipc_paths_; i++)
        unlink (lh_ipc_paths_[i]);
}

/* Remembers an ipc endpoint's file so it is removed at exit (also when a
 * check fails). */
static inline void lh_ipc_track (const char *ep)
{
    if (strncmp (ep, "ipc://", 6) != 0 || ep[6] == '@')
        return;
    if (lh_n_ipc_paths_ == 0)
        atexit (lh_ipc_cleanup);
    if (lh_n_ipc_paths_ < 32)
        snprintf (lh_ipc_paths_[lh_n_ipc_paths_++], 256, "%s", ep + 6);
}

/* Binds `s` on transport `tp` ("tcp", "ipc" or "inproc") and returns the
 * concrete endpoint in `ep`. */
static inline void lh_bind (void *s, const char *tp, const char *tag,
                            char *ep, size_t len)
{
    if (strcmp (tp, "tcp") == 0) {
        bind_ephemeral (s, "tcp://127.0.0.1:*", ep, len);
    } else if (strcmp (tp, "ipc") == 0) {
        make_ipc_endpoint (ep, len, tag);
        lh_ipc_track (ep);
        TEST_OK (zmq_bind (s, ep));
    } else {
        snprintf (ep, len, "inproc://%s", tag);
        TEST_OK (zmq_bind (s, ep));
    }
}

static inline void lh_close (void *s)
{
    int zero = 0;
    TEST_OK (zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero));
    TEST_OK (zmq_close (s));
}

#define lh_recv_frame(s, e, n, m) lh_recv_frame_at (__LINE__, s, e, n, m)
#define lh_recv_s(s, e, m) lh_recv_frame_at (__LINE__, s, e, strlen (e), m)
#define lh_recv_any(s, b, c, m) lh_recv_any_at (__LINE__, s, b, c, m)

static inline void lh_recv_frame_at (int line, void *s, const void *expected,
                                  size_t n, int more)
{
    zmq_msg_t m;
    TEST_OK (zmq_msg_init (&m));
    int rc = zmq_msg_recv (&m, s, 0);
    if (rc < 0)
        TEST_FAIL ("line %d: recv failed: errno %d (%s)", line, zmq_errno (),
                   zmq_strerror (zmq_errno ()));
    if ((size_t) rc != n || (n && memcmp (zmq_msg_data (&m), expected, n)))
        TEST_FAIL ("line %d: expected %zu-byte frame '%.*s', got %d bytes "
                   "'%.*s'",
                   line, n, (int) n, (const char *) expected, rc, rc,
                   (const char *) zmq_msg_data (&m));
    if (more != zmq_msg_more (&m))
        TEST_FAIL ("line %d: expected more=%d", line, more);
    int rcvmore = -1;
    size_t sz = sizeof rcvmore;
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &sz));
    if (more != rcvmore)
        TEST_FAIL ("line %d: expected RCVMORE=%d", line, more);
    TEST_OK (zmq_msg_close (&m));
}

/* Receives one frame into buf; returns its size; checks RCVMORE. */
static inline size_t lh_recv_any_at (int line, void *s, void *buf, size_t cap,
                                  int more)
{
    int rc = zmq_recv (s, buf, cap, 0);
    if (rc < 0)
        TEST_FAIL ("line %d: recv failed: errno %d (%s)", line, zmq_errno (),
                   zmq_strerror (zmq_errno ()));
    TEST_ASSERT ((size_t) rc <= cap);
    int rcvmore = -1;
    size_t sz = sizeof rcvmore;
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &sz));
    if (more != rcvmore)
        TEST_FAIL ("line %d: expected RCVMORE=%d", line, more);
    return (size_t) rc;
}

#define lh_send_bin(s, d, n, f) lh_send_bin_at (__LINE__, s, d, n, f)
static inline void lh_send_bin_at (int line, void *s, const void *data,
                                size_t n, int flags)
{
    int rc = zmq_send (s, data, n, flags);
    if (rc != (int) n)
        TEST_FAIL ("line %d: send of %zu bytes returned %d, errno %d (%s)",
                   line, n, rc, zmq_errno (), zmq_strerror (zmq_errno ()));
}

static inline int lh_poll_in (void *s, int ms)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    int rc = zmq_poll (&it, 1, ms);
    TEST_ASSERT (rc >= 0);
    return (it.revents & ZMQ_POLLIN) ? 1 : 0;
}

static inline void lh_set_int (void *s, int opt, int v)
{
    TEST_OK (zmq_setsockopt (s, opt, &v, sizeof v));
}
/* ---------------------------------------------------------------------- */

/* ---- raw ZMTP 3.1 peer (NULL mechanism) ------------------------------ */

static void raw_write_all (int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = send (fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        TEST_ASSERT (w > 0);
        p += w;
        n -= (size_t) w;
    }
}

static void raw_read_exact (int fd, void *buf, size_t n)
{
    char *p = buf;
    int64_t deadline = test_now_ms () + 5000;
    while (n > 0) {
        int left = (int) (deadline - test_now_ms ());
        TEST_ASSERT (left > 0);
        struct pollfd pfd = {fd, POLLIN, 0};
        int rc = poll (&pfd, 1, left);
        if (rc < 0 && errno == EINTR)
            continue;
        TEST_ASSERT (rc == 1);
        ssize_t r = recv (fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        TEST_ASSERT (r > 0);
        p += r;
        n -= (size_t) r;
    }
}

static int raw_connect (const char *tcp_ep)
{
    const char *c = strrchr (tcp_ep, ':');
    TEST_ASSERT (c);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) atoi (c + 1));
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    TEST_ASSERT (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    return fd;
}

/* Writes one ZMTP 3.x frame (flags: bit0 MORE, bit2 COMMAND). */
static void zmtp_send_frame (int fd, int flags, const void *body, size_t n)
{
    unsigned char hdr[9];
    size_t hl;
    if (n <= 255) {
        hdr[0] = (unsigned char) flags;
        hdr[1] = (unsigned char) n;
        hl = 2;
    } else {
        hdr[0] = (unsigned char) (flags | 0x02);
        for (int i = 0; i < 8; i++)
            hdr[1 + i] = (unsigned char) ((uint64_t) n >> (56 - 8 * i));
        hl = 9;
    }
    raw_write_all (fd, hdr, hl);
    if (n)
        raw_write_all (fd, body, n);
}

/* Reads one frame; returns its flags; body (truncated to cap) in buf. */
static int zmtp_recv_frame (int fd, unsigned char *buf, size_t cap,
                            size_t *len)
{
    unsigned char flags;
    raw_read_exact (fd, &flags, 1);
    uint64_t n = 0;
    if (flags & 0x02) {
        unsigned char sz[8];
        raw_read_exact (fd, sz, 8);
        for (int i = 0; i < 8; i++)
            n = (n << 8) | sz[i];
    } else {
        unsigned char sz;
        raw_read_exact (fd, &sz, 1);
        n = sz;
    }
    TEST_ASSERT (n <= cap);
    raw_read_exact (fd, buf, (size_t) n);
    *len = (size_t) n;
    return flags;
}

static size_t put_property (unsigned char *p, const char *name,
                            const void *value, size_t vlen)
{
    size_t nl = strlen (name), off = 0;
    p[off++] = (unsigned char) nl;
    memcpy (p + off, name, nl);
    off += nl;
    p[off++] = (unsigned char) (vlen >> 24);
    p[off++] = (unsigned char) (vlen >> 16);
    p[off++] = (unsigned char) (vlen >> 8);
    p[off++] = (unsigned char) vlen;
    memcpy (p + off, value, vlen);
    return off + vlen;
}

/* Connects to `tcp_ep` and completes a ZMTP 3.1 NULL handshake as a
 * `socket_type` peer with the given identity. Returns the fd. */
static int zmtp_raw_peer (const char *tcp_ep, const char *socket_type,
                          const char *identity)
{
    int fd = raw_connect (tcp_ep);
    unsigned char greeting[64];
    memset (greeting, 0, sizeof greeting);
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3; /* major */
    greeting[11] = 1; /* minor */
    memcpy (greeting + 12, "NULL", 4);
    greeting[32] = 0; /* as-server */
    raw_write_all (fd, greeting, sizeof greeting);

    unsigned char peer[64];
    raw_read_exact (fd, peer, sizeof peer);
    TEST_ASSERT_EQ_INT (0xff, peer[0]);
    TEST_ASSERT_EQ_INT (0x7f, peer[9] & 0x7f);
    TEST_ASSERT_EQ_INT (3, peer[10]);
    TEST_ASSERT (memcmp (peer + 12, "NULL", 5) == 0);

    unsigned char ready[512];
    size_t off = 0;
    ready[off++] = 5;
    memcpy (ready + off, "READY", 5);
    off += 5;
    off += put_property (ready + off, "Socket-Type", socket_type,
                         strlen (socket_type));
    off += put_property (ready + off, "Identity", identity, strlen (identity));
    zmtp_send_frame (fd, 0x04, ready, off);

    unsigned char body[1024];
    size_t blen;
    int flags = zmtp_recv_frame (fd, body, sizeof body, &blen);
    TEST_ASSERT (flags & 0x04);
    TEST_ASSERT (blen >= 6 && memcmp (body, "\5READY", 6) == 0);
    return fd;
}

/* ------------------------------------------------------------------------ */

static void test_many_frames (void *ctx, const char *tp)
{
    char ep[256];
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_rcvtimeo (pull, 10000);
    lh_bind (pull, tp, "mp-many", ep, sizeof ep);
    TEST_OK (zmq_connect (push, ep));

    /* 1000 small frames. */
    const int N = 1000;
    for (int i = 0; i < N; i++) {
        char buf[16];
        snprintf (buf, sizeof buf, "f%d", i);
        send_str (push, buf, i < N - 1 ? ZMQ_SNDMORE : 0);
    }
    send_str (push, "single", 0);
    TEST_ASSERT_EQ_INT (1, lh_poll_in (pull, 10000));
    for (int i = 0; i < N; i++) {
        char buf[16];
        snprintf (buf, sizeof buf, "f%d", i);
        if (i == 0) {
            lh_recv_s (pull, buf, 1);
            continue;
        }
        /* Atomic delivery: the rest is there already. */
        char got[16];
        int n = zmq_recv (pull, got, sizeof got, ZMQ_DONTWAIT);
        TEST_ASSERT_EQ_INT ((int) strlen (buf), n);
        TEST_ASSERT (memcmp (got, buf, (size_t) n) == 0);
        int more = -1;
        size_t sz = sizeof more;
        TEST_OK (zmq_getsockopt (pull, ZMQ_RCVMORE, &more, &sz));
        TEST_ASSERT_EQ_INT (i < N - 1 ? 1 : 0, more);
    }
    lh_recv_s (pull, "single", 0);

    /* 3 frames of 1 MiB, 0 bytes and 1 MiB. */
    size_t big = 1024 * 1024;
    char *b = malloc (big);
    TEST_ASSERT (b);
    for (int part = 0; part < 3; part++) {
        size_t len = part == 1 ? 0 : big;
        memset (b, 'A' + part, big);
        TEST_ASSERT_EQ_INT ((int) len,
                            zmq_send (push, b, len, part < 2 ? ZMQ_SNDMORE : 0));
    }
    TEST_ASSERT_EQ_INT (1, lh_poll_in (pull, 10000));
    for (int part = 0; part < 3; part++) {
        zmq_msg_t m;
        TEST_OK (zmq_msg_init (&m));
        size_t len = part == 1 ? 0 : big;
        TEST_ASSERT_EQ_INT ((int) len,
                            zmq_msg_recv (&m, pull, part ? ZMQ_DONTWAIT : 0));
        if (len) {
            const char *d = zmq_msg_data (&m);
            TEST_ASSERT (d[0] == 'A' + part && d[len - 1] == 'A' + part);
        }
        TEST_ASSERT_EQ_INT (part < 2 ? 1 : 0, zmq_msg_more (&m));
        TEST_OK (zmq_msg_close (&m));
    }
    free (b);

    /* A trailing SNDMORE with nothing after it is never delivered until the
     * message is completed. */
    send_str (push, "pending", ZMQ_SNDMORE);
    TEST_ASSERT_EQ_INT (0, lh_poll_in (pull, 100));
    send_str (push, "done", 0);
    lh_recv_s (pull, "pending", 1);
    lh_recv_s (pull, "done", 0);

    lh_close (push);
    lh_close (pull);
}

/* PUB drops whole messages at the HWM. */
static void test_atomic_drop_pub (void *ctx, const char *tp)
{
    char ep[256];
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    lh_set_int (pub, ZMQ_SNDHWM, 3);
    lh_set_int (sub, ZMQ_RCVHWM, 3);
    /* Small fixed kernel buffers: far less than the ~10 MB sent below. */
    lh_set_int (pub, ZMQ_SNDBUF, 65536);
    lh_set_int (sub, ZMQ_RCVBUF, 65536);
    set_rcvtimeo (sub, 5000);
    lh_bind (pub, tp, "mp-pubdrop", ep, sizeof ep);
    TEST_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    TEST_OK (zmq_connect (sub, ep));
    /* Wait until the subscription is active. */
    int64_t deadline = test_now_ms () + 10000;
    do {
        TEST_ASSERT (test_now_ms () < deadline);
        send_str (pub, "sync", 0);
    } while (!lh_poll_in (sub, 20));
    while (lh_poll_in (sub, 50)) {
        char tmp[8];
        TEST_ASSERT_EQ_INT (4, zmq_recv (sub, tmp, sizeof tmp, 0));
    }

    /* Each frame: "seq/part" then zero padding to 2 KiB. */
    const int N = 1000, PARTS = 5, FRAME = 2048;
    char frame[2048];
    for (int i = 0; i < N; i++)
        for (int p = 0; p < PARTS; p++) {
            memset (frame, 0, sizeof frame);
            snprintf (frame, sizeof frame, "%d/%d", i, p);
            lh_send_bin (pub, frame, FRAME, p < PARTS - 1 ? ZMQ_SNDMORE : 0);
        }
    int got = 0, prev = -1;
    while (lh_poll_in (sub, 300)) {
        int seq = -1;
        for (int p = 0; p < PARTS; p++) {
            char buf[2048 + 1];
            int n = zmq_recv (sub, buf, sizeof buf - 1,
                              p ? ZMQ_DONTWAIT : 0);
            TEST_ASSERT_EQ_INT (FRAME, n);
            buf[n] = 0;
            int s, q;
            TEST_ASSERT (sscanf (buf, "%d/%d", &s, &q) == 2);
            if (p == 0)
                seq = s;
            TEST_ASSERT_EQ_INT (seq, s);
            TEST_ASSERT_EQ_INT (p, q);
            int more = -1;
            size_t sz = sizeof more;
            TEST_OK (zmq_getsockopt (sub, ZMQ_RCVMORE, &more, &sz));
            TEST_ASSERT_EQ_INT (p < PARTS - 1 ? 1 : 0, more);
        }
        TEST_ASSERT (seq > prev);
        prev = seq;
        got++;
    }
    TEST_ASSERT (got >= 1 && got < N / 2);
    lh_close (sub);
    lh_close (pub);
}

/* ROUTER (no MANDATORY) drops whole messages for a peer at its HWM. */
static void test_atomic_drop_router (void *ctx, const char *tp)
{
    char ep[256];
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    lh_set_int (router, ZMQ_SNDHWM, 3);
    lh_set_int (dealer, ZMQ_RCVHWM, 3);
    lh_set_int (router, ZMQ_SNDBUF, 65536);
    lh_set_int (dealer, ZMQ_RCVBUF, 65536);
    set_rcvtimeo (router, 5000);
    set_rcvtimeo (dealer, 5000);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D", 1));
    lh_bind (router, tp, "mp-routerdrop", ep, sizeof ep);
    TEST_OK (zmq_connect (dealer, ep));
    send_str (dealer, "hello", 0);
    lh_recv_s (router, "D", 1);
    lh_recv_s (router, "hello", 0);

    /* Frames padded to 4 KiB: ~8 MB in all, far beyond the buffers. */
    const int N = 1000, FRAME = 4096;
    char frame[4096];
    for (int i = 0; i < N; i++) {
        lh_send_bin (router, "D", 1, ZMQ_SNDMORE);
        memset (frame, 0, sizeof frame);
        snprintf (frame, sizeof frame, "%d/a", i);
        lh_send_bin (router, frame, FRAME, ZMQ_SNDMORE);
        memset (frame, 0, sizeof frame);
        snprintf (frame, sizeof frame, "%d/b", i);
        lh_send_bin (router, frame, FRAME, 0);
    }
    int got = 0, prev = -1;
    while (lh_poll_in (dealer, 300)) {
        char a[4096 + 1], b[4096 + 1];
        int n = zmq_recv (dealer, a, sizeof a - 1, 0);
        TEST_ASSERT_EQ_INT (FRAME, n);
        a[n] = 0;
        n = zmq_recv (dealer, b, sizeof b - 1, ZMQ_DONTWAIT);
        TEST_ASSERT_EQ_INT (FRAME, n);
        b[n] = 0;
        int s1, s2;
        char c1, c2;
        TEST_ASSERT (sscanf (a, "%d/%c", &s1, &c1) == 2 && c1 == 'a');
        TEST_ASSERT (sscanf (b, "%d/%c", &s2, &c2) == 2 && c2 == 'b');
        TEST_ASSERT_EQ_INT (s1, s2);
        TEST_ASSERT (s1 > prev);
        prev = s1;
        got++;
    }
    TEST_ASSERT (got >= 1 && got < N / 2);
    lh_close (dealer);
    lh_close (router);
}

/* A sender that closes in the middle of a message delivers none of it. */
static void test_close_mid_message (void *ctx, const char *tp)
{
    char ep[256];
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    lh_bind (pull, tp, "mp-closemid", ep, sizeof ep);

    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, ep));
    send_str (push, "whole-1", ZMQ_SNDMORE);
    send_str (push, "whole-2", 0);
    send_str (push, "partial-1", ZMQ_SNDMORE);
    send_str (push, "partial-2", ZMQ_SNDMORE);
    /* Linger so that the complete message still goes out. */
    lh_set_int (push, ZMQ_LINGER, 1000);
    TEST_OK (zmq_close (push));

    lh_recv_s (pull, "whole-1", 1);
    lh_recv_s (pull, "whole-2", 0);
    void *push2 = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push2, ep));
    send_str (push2, "fence", 0);
    lh_recv_s (pull, "fence", 0);
    TEST_ASSERT_EQ_INT (0, lh_poll_in (pull, 100));
    lh_close (push2);
    lh_close (pull);
}

/* Waits until `router` (with ROUTER_MANDATORY) no longer knows `id`. */
static void wait_peer_gone (void *router, const char *id)
{
    int64_t deadline = test_now_ms () + 5000;
    for (;;) {
        int rc = zmq_send (router, id, strlen (id), ZMQ_SNDMORE);
        if (rc == -1) {
            TEST_ASSERT_EQ_INT (EHOSTUNREACH, zmq_errno ());
            return;
        }
        send_str (router, "probe", 0);
        TEST_ASSERT (test_now_ms () < deadline);
        test_sleep_ms (5);
    }
}

/* Raw ZMTP peer over TCP disconnects after half a message. */
static void test_raw_peer_partial (void *ctx)
{
    char ep[256];
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (router, 5000);
    lh_set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    bind_ephemeral (router, "tcp://127.0.0.1:*", ep, sizeof ep);

    /* 1. A complete 3-frame message, then 2 frames of a 3rd-less message,
     *    then the connection closes. */
    int fd = zmtp_raw_peer (ep, "DEALER", "raw1");
    zmtp_send_frame (fd, 0x01, "c-1", 3);
    zmtp_send_frame (fd, 0x01, "c-2", 3);
    zmtp_send_frame (fd, 0x00, "c-3", 3);
    zmtp_send_frame (fd, 0x01, "half-1", 6);
    zmtp_send_frame (fd, 0x01, "half-2", 6);
    lh_recv_s (router, "raw1", 1);
    lh_recv_s (router, "c-1", 1);
    lh_recv_s (router, "c-2", 1);
    lh_recv_s (router, "c-3", 0);
    /* The router is reading from this peer: it can answer it. */
    lh_send_bin (router, "raw1", 4, ZMQ_SNDMORE);
    send_str (router, "ack", 0);
    unsigned char body[64];
    size_t blen;
    int flags = zmtp_recv_frame (fd, body, sizeof body, &blen);
    TEST_ASSERT_EQ_INT (0, flags);
    TEST_ASSERT (blen == 3 && memcmp (body, "ack", 3) == 0);
    close (fd);
    wait_peer_gone (router, "raw1");

    /* 2. A peer whose first message is incomplete. A large last frame that
     *    is cut short is also covered: announce 100000 bytes, send 10. */
    fd = zmtp_raw_peer (ep, "DEALER", "raw2");
    zmtp_send_frame (fd, 0x01, "only-frame-1", 12);
    unsigned char hdr[9] = {0x02, 0, 0, 0, 0, 0, 0x01, 0x86, 0xa0};
    raw_write_all (fd, hdr, sizeof hdr);
    raw_write_all (fd, "0123456789", 10);
    /* Make sure the router has seen this peer before it goes: it becomes
     * routable once identified, which happens on its first frame. */
    int64_t deadline = test_now_ms () + 5000;
    while (zmq_send (router, "raw2", 4, ZMQ_SNDMORE) == -1) {
        TEST_ASSERT_EQ_INT (EHOSTUNREACH, zmq_errno ());
        TEST_ASSERT (test_now_ms () < deadline);
        test_sleep_ms (5);
    }
    send_str (router, "hello raw2", 0);
    close (fd);
    wait_peer_gone (router, "raw2");

    /* 3. A real DEALER sends a fence: it is the next (and only) message. */
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "real", 4));
    TEST_OK (zmq_connect (dealer, ep));
    send_str (dealer, "fence-1", ZMQ_SNDMORE);
    send_str (dealer, "fence-2", 0);
    lh_recv_s (router, "real", 1);
    lh_recv_s (router, "fence-1", 1);
    lh_recv_s (router, "fence-2", 0);
    TEST_ASSERT_EQ_INT (0, lh_poll_in (router, 100));

    lh_close (dealer);
    lh_close (router);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    const char *tps[] = {"tcp", "ipc", "inproc"};
    for (int i = 0; i < 3; i++) {
        test_many_frames (ctx, tps[i]);
        test_atomic_drop_pub (ctx, tps[i]);
        test_atomic_drop_router (ctx, tps[i]);
        test_close_mid_message (ctx, tps[i]);
    }
    test_raw_peer_partial (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    lh_ipc_cleanup ();
    return 0;
}
