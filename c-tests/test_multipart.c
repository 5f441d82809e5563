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
#include "rawzmtp.h"

/* Connects to `tcp_ep` and completes a ZMTP 3.1 NULL handshake (rawzmtp.h)
 * as a `socket_type` peer with the given identity. Returns the fd. */
static int zmtp_raw_peer (const char *tcp_ep, const char *socket_type,
                          const char *identity)
{
    int fd = rz_connect (tcp_ep);
    TEST_ASSERT (fd >= 0);
    TEST_ASSERT (rz_send_greeting (fd) == 0);

    unsigned char peer[64];
    TEST_ASSERT (rz_recv_exact (fd, peer, sizeof peer, 5000)
                 == (ssize_t) sizeof peer);
    TEST_ASSERT_EQ_INT (0xff, peer[0]);
    TEST_ASSERT_EQ_INT (0x7f, peer[9] & 0x7f);
    TEST_ASSERT_EQ_INT (3, peer[10]);
    TEST_ASSERT (memcmp (peer + 12, "NULL", 5) == 0);

    TEST_ASSERT (rz_send_ready (fd, socket_type, identity) == 0);
    unsigned flags = 0;
    unsigned char body[1024];
    int64_t blen = rz_recv_frame (fd, &flags, body, sizeof body, 5000);
    TEST_ASSERT (blen <= (int64_t) sizeof body);
    TEST_ASSERT (flags & RZ_FLAG_COMMAND);
    TEST_ASSERT (blen >= 6 && memcmp (body, "\5READY", 6) == 0);
    return fd;
}

static void test_many_frames (void *ctx, const char *tp)
{
    char ep[256];
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_rcvtimeo (pull, 10000);
    bind_transport (pull, tp, "mp-many", ep, sizeof ep);
    TEST_OK (zmq_connect (push, ep));

    /* 1000 small frames. */
    const int N = 1000;
    for (int i = 0; i < N; i++) {
        char buf[16];
        snprintf (buf, sizeof buf, "f%d", i);
        send_str (push, buf, i < N - 1 ? ZMQ_SNDMORE : 0);
    }
    send_str (push, "single", 0);
    TEST_ASSERT_EQ_INT (1, poll_in (pull, 10000));
    for (int i = 0; i < N; i++) {
        char buf[16];
        snprintf (buf, sizeof buf, "f%d", i);
        if (i == 0) {
            recv_s (pull, buf, 1);
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
    recv_s (pull, "single", 0);

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
    TEST_ASSERT_EQ_INT (1, poll_in (pull, 10000));
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
    TEST_ASSERT_EQ_INT (0, poll_in (pull, 100));
    send_str (push, "done", 0);
    recv_s (pull, "pending", 1);
    recv_s (pull, "done", 0);

    close_zero (push);
    close_zero (pull);
}

/* PUB drops whole messages at the HWM. */
static void test_atomic_drop_pub (void *ctx, const char *tp)
{
    char ep[256];
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (pub, ZMQ_SNDHWM, 3);
    set_int (sub, ZMQ_RCVHWM, 3);
    /* Small fixed kernel buffers: far less than the ~10 MB sent below. */
    set_int (pub, ZMQ_SNDBUF, 65536);
    set_int (sub, ZMQ_RCVBUF, 65536);
    set_rcvtimeo (sub, 5000);
    bind_transport (pub, tp, "mp-pubdrop", ep, sizeof ep);
    TEST_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    TEST_OK (zmq_connect (sub, ep));
    /* Wait until the subscription is active. */
    int64_t deadline = test_now_ms () + 10000;
    do {
        TEST_ASSERT (test_now_ms () < deadline);
        send_str (pub, "sync", 0);
    } while (!poll_in (sub, 20));
    while (poll_in (sub, 50)) {
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
            send_bin (pub, frame, FRAME, p < PARTS - 1 ? ZMQ_SNDMORE : 0);
        }
    int got = 0, prev = -1;
    while (poll_in (sub, 300)) {
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
    close_zero (sub);
    close_zero (pub);
}

/* ROUTER (no MANDATORY) drops whole messages for a peer at its HWM. */
static void test_atomic_drop_router (void *ctx, const char *tp)
{
    char ep[256];
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_int (router, ZMQ_SNDHWM, 3);
    set_int (dealer, ZMQ_RCVHWM, 3);
    set_int (router, ZMQ_SNDBUF, 65536);
    set_int (dealer, ZMQ_RCVBUF, 65536);
    set_rcvtimeo (router, 5000);
    set_rcvtimeo (dealer, 5000);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D", 1));
    bind_transport (router, tp, "mp-routerdrop", ep, sizeof ep);
    TEST_OK (zmq_connect (dealer, ep));
    send_str (dealer, "hello", 0);
    recv_s (router, "D", 1);
    recv_s (router, "hello", 0);

    /* Frames padded to 4 KiB: ~8 MB in all, far beyond the buffers. */
    const int N = 1000, FRAME = 4096;
    char frame[4096];
    for (int i = 0; i < N; i++) {
        send_bin (router, "D", 1, ZMQ_SNDMORE);
        memset (frame, 0, sizeof frame);
        snprintf (frame, sizeof frame, "%d/a", i);
        send_bin (router, frame, FRAME, ZMQ_SNDMORE);
        memset (frame, 0, sizeof frame);
        snprintf (frame, sizeof frame, "%d/b", i);
        send_bin (router, frame, FRAME, 0);
    }
    int got = 0, prev = -1;
    while (poll_in (dealer, 300)) {
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
    close_zero (dealer);
    close_zero (router);
}

/* A sender that closes in the middle of a message delivers none of it. */
static void test_close_mid_message (void *ctx, const char *tp)
{
    char ep[256];
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    bind_transport (pull, tp, "mp-closemid", ep, sizeof ep);

    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, ep));
    send_str (push, "whole-1", ZMQ_SNDMORE);
    send_str (push, "whole-2", 0);
    send_str (push, "partial-1", ZMQ_SNDMORE);
    send_str (push, "partial-2", ZMQ_SNDMORE);
    /* Linger so that the complete message still goes out. */
    set_int (push, ZMQ_LINGER, 1000);
    TEST_OK (zmq_close (push));

    recv_s (pull, "whole-1", 1);
    recv_s (pull, "whole-2", 0);
    void *push2 = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push2, ep));
    send_str (push2, "fence", 0);
    recv_s (pull, "fence", 0);
    TEST_ASSERT_EQ_INT (0, poll_in (pull, 100));
    close_zero (push2);
    close_zero (pull);
}

/* Raw ZMTP peer over TCP disconnects after half a message. */
static void test_raw_peer_partial (void *ctx)
{
    char ep[256];
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_rcvtimeo (router, 5000);
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    bind_ephemeral (router, "tcp://127.0.0.1:*", ep, sizeof ep);

    /* 1. A complete 3-frame message, then 2 frames of a 3rd-less message,
     *    then the connection closes. */
    int fd = zmtp_raw_peer (ep, "DEALER", "raw1");
    TEST_ASSERT (rz_send_frame (fd, RZ_FLAG_MORE, "c-1", 3) == 0);
    TEST_ASSERT (rz_send_frame (fd, RZ_FLAG_MORE, "c-2", 3) == 0);
    TEST_ASSERT (rz_send_frame (fd, 0, "c-3", 3) == 0);
    TEST_ASSERT (rz_send_frame (fd, RZ_FLAG_MORE, "half-1", 6) == 0);
    TEST_ASSERT (rz_send_frame (fd, RZ_FLAG_MORE, "half-2", 6) == 0);
    recv_s (router, "raw1", 1);
    recv_s (router, "c-1", 1);
    recv_s (router, "c-2", 1);
    recv_s (router, "c-3", 0);
    /* The router is reading from this peer: it can answer it. */
    send_bin (router, "raw1", 4, ZMQ_SNDMORE);
    send_str (router, "ack", 0);
    unsigned char body[64];
    unsigned flags = 0xff;
    int64_t blen = rz_recv_frame (fd, &flags, body, sizeof body, 5000);
    TEST_ASSERT (blen <= (int64_t) sizeof body);
    TEST_ASSERT_EQ_INT (0, flags);
    TEST_ASSERT (blen == 3 && memcmp (body, "ack", 3) == 0);
    close (fd);
    wait_peer_gone (router, "raw1");

    /* 2. A peer whose first message is incomplete. A large last frame that
     *    is cut short is also covered: announce 100000 bytes, send 10. */
    fd = zmtp_raw_peer (ep, "DEALER", "raw2");
    TEST_ASSERT (rz_send_frame (fd, RZ_FLAG_MORE, "only-frame-1", 12) == 0);
    TEST_ASSERT (rz_send_frame_header (fd, 0, 100000, 1) == 0);
    TEST_ASSERT (rz_send_all (fd, "0123456789", 10) == 0);
    /* Make sure the router has seen this peer before it goes: it becomes
     * routable once identified, which happens on its first frame. */
    send_routing_id (router, "raw2", 4);
    send_str (router, "hello raw2", 0);
    close (fd);
    wait_peer_gone (router, "raw2");

    /* 3. A real DEALER sends a fence: it is the next (and only) message. */
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "real", 4));
    TEST_OK (zmq_connect (dealer, ep));
    send_str (dealer, "fence-1", ZMQ_SNDMORE);
    send_str (dealer, "fence-2", 0);
    recv_s (router, "real", 1);
    recv_s (router, "fence-1", 1);
    recv_s (router, "fence-2", 0);
    TEST_ASSERT_EQ_INT (0, poll_in (router, 100));

    close_zero (dealer);
    close_zero (router);
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
    ipc_cleanup ();
    return 0;
}
