/* Interop peer for PLAIN (RFC 24) with ZAP (RFC 27): one side, in its own
 * process, so that run-plain.sh can pair Rampart with Debian's libzmq in
 * both directions.
 *
 *   interop_plain_peer server EP --zap allow|deny  --want ok|refused [--expect LIB]
 *   interop_plain_peer client EP USER PASS          --want ok|refused [--expect LIB]
 *
 * server: a DEALER with ZMQ_PLAIN_SERVER, ZMQ_ZAP_DOMAIN "interop" and
 *   routing id "SRV" binds EP (tcp://127.0.0.1:* is fine) and prints
 *   "ENDPOINT <ZMQ_LAST_ENDPOINT>". Its ZAP handler (a REP socket on
 *   inproc://zeromq.zap.01 in the same process, so in the same library)
 *   checks every request's frames and answers 200 (user id "admin-id",
 *   metadata X-Clearance=top) for admin/secret in "allow" mode, else 400.
 *   want ok: receives "hello" carrying User-Id admin-id and X-Clearance top,
 *   answers "world", waits for "bye". want refused: sees
 *   HANDSHAKE_FAILED_AUTH 400 on its monitor and no message.
 * client: a DEALER with ZMQ_PLAIN_USERNAME/PASSWORD connects to EP and
 *   sends "hello". want ok: gets "world", sends "bye". want refused: sees
 *   HANDSHAKE_FAILED_AUTH 400 (the server's ERROR) and no reply.
 *
 * Built against Debian's zmq.h and linked -lzmq without RPATH, like
 * peer.c: the loader picks Rampart or libzmq. --expect rampart|libzmq
 * checks which (zmq_has("rampart")). Every wait is bounded (10 s; a 30 s
 * alarm ends a stuck run). Exit 0 on success, 1 with a FAIL line. */
#define _GNU_SOURCE
#include <zmq.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 10000

static const char *role_ = "?";

#define FAIL(...)                                                              \
    do {                                                                       \
        fprintf (stderr, "FAIL plain-%s: ", role_);                            \
        fprintf (stderr, __VA_ARGS__);                                         \
        fprintf (stderr, "\n");                                                \
        exit (1);                                                              \
    } while (0)

#define CHECK(expr)                                                            \
    do {                                                                       \
        if (!(expr))                                                           \
            FAIL ("%s:%d: %s (errno %d: %s)", __FILE__, __LINE__, #expr,       \
                  errno, zmq_strerror (errno));                                \
    } while (0)

static void *ctx_;
static int allow_ = 1;
static volatile int stop_ = 0;

static void set_int (void *s, int opt, int v)
{
    CHECK (zmq_setsockopt (s, opt, &v, sizeof v) == 0);
}

static int64_t now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One string frame; returns its length or -1 on timeout. */
static int recv_text (void *s, char *buf, size_t cap, int *more)
{
    int n = zmq_recv (s, buf, cap - 1, 0);
    if (n < 0)
        return -1;
    if (n > (int) cap - 1)
        FAIL ("frame of %d bytes, expected at most %zu", n, cap - 1);
    buf[n] = 0;
    int m = 0;
    size_t len = sizeof m;
    CHECK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &len) == 0);
    if (more)
        *more = m;
    return n;
}

static void send_text (void *s, const char *t, int flags)
{
    CHECK (zmq_send (s, t, strlen (t), flags) == (int) strlen (t));
}

static void *zap_handler (void *arg)
{
    (void) arg;
    void *h = zmq_socket (ctx_, ZMQ_REP);
    CHECK (h);
    CHECK (zmq_bind (h, "inproc://zeromq.zap.01") == 0);
    set_int (h, ZMQ_RCVTIMEO, 100);
    while (!stop_) {
        char f[8][300];
        int n = 0, more = 1;
        while (more && n < 8) {
            if (recv_text (h, f[n], sizeof f[n], &more) < 0)
                break;
            n++;
        }
        if (n == 0)
            continue;
        /* version, request id, domain, address, identity, mechanism,
         * username, password */
        if (more || n != 8)
            FAIL ("ZAP request of %d frame(s)%s", n, more ? " and more" : "");
        const char *want[6] = {"1.0", "1", "interop", "127.0.0.1", "SRV", "PLAIN"};
        for (int i = 0; i < 6; i++)
            if (strcmp (f[i], want[i]) != 0)
                FAIL ("ZAP frame %d is '%s', expected '%s'", i, f[i], want[i]);
        int good = allow_ && strcmp (f[6], "admin") == 0
                   && strcmp (f[7], "secret") == 0;
        static const unsigned char meta[] = "\x0bX-Clearance\0\0\0\x03top";
        send_text (h, f[0], ZMQ_SNDMORE);
        send_text (h, f[1], ZMQ_SNDMORE);
        send_text (h, good ? "200" : "400", ZMQ_SNDMORE);
        send_text (h, good ? "OK" : "Denied", ZMQ_SNDMORE);
        send_text (h, good ? "admin-id" : "", ZMQ_SNDMORE);
        CHECK (zmq_send (h, meta, sizeof meta - 1, 0) == (int) sizeof meta - 1);
    }
    zmq_unbind (h, "inproc://zeromq.zap.01");
    zmq_close (h);
    return NULL;
}

static void *monitor (void *s, const char *ep)
{
    CHECK (zmq_socket_monitor (s, ep,
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                 | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                                 | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                 | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
           == 0);
    void *m = zmq_socket (ctx_, ZMQ_PAIR);
    CHECK (m && zmq_connect (m, ep) == 0);
    set_int (m, ZMQ_RCVTIMEO, WAIT_MS);
    return m;
}

/* Waits for HANDSHAKE_FAILED_AUTH 400; any other handshake outcome fails
 * (NO_DETAIL for a peer that hung up is skipped). */
static void expect_auth_400 (void *m)
{
    int64_t deadline = now_ms () + WAIT_MS;
    while (now_ms () < deadline) {
        unsigned char head[6];
        char ep[256];
        if (zmq_recv (m, head, sizeof head, 0) != 6)
            break;
        CHECK (zmq_recv (m, ep, sizeof ep, 0) >= 0);
        uint16_t ev;
        uint32_t v;
        memcpy (&ev, head, 2);
        memcpy (&v, head + 2, 4);
        if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && v == 400)
            return;
        if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            && (v == EPIPE || v == ECONNRESET))
            continue;
        FAIL ("handshake event %#x value %u, expected AUTH (%#x) 400", ev, v,
              ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    }
    FAIL ("no HANDSHAKE_FAILED_AUTH 400 within %d ms", WAIT_MS);
}

static void expect_nothing (void *s, int ms)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&it, 1, ms) != 0)
        FAIL ("a message arrived from a peer that should have been refused");
}

static void expect_prop (zmq_msg_t *m, const char *name, const char *want)
{
    const char *v = zmq_msg_gets (m, name);
    if (!v || strcmp (v, want) != 0)
        FAIL ("property %s is '%s', expected '%s'", name, v ? v : "(none)", want);
}

static int run_server (const char *ep, int want_ok)
{
    pthread_t zap;
    CHECK (pthread_create (&zap, NULL, zap_handler, NULL) == 0);
    usleep (50 * 1000); /* the handler binds before any client can knock */
    void *s = zmq_socket (ctx_, ZMQ_DEALER);
    set_int (s, ZMQ_PLAIN_SERVER, 1);
    CHECK (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, "interop", 7) == 0);
    CHECK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "SRV", 3) == 0);
    set_int (s, ZMQ_LINGER, 1000);
    set_int (s, ZMQ_RCVTIMEO, WAIT_MS);
    CHECK (zmq_bind (s, ep) == 0);
    void *m = monitor (s, "inproc://plain-server-monitor");
    char last[256];
    size_t len = sizeof last;
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, last, &len) == 0);
    printf ("ENDPOINT %s\n", last);
    fflush (stdout);
    if (want_ok) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, s, 0) != 5 || memcmp (zmq_msg_data (&msg), "hello", 5))
            FAIL ("no 'hello' from the client");
        expect_prop (&msg, "User-Id", "admin-id");
        expect_prop (&msg, "X-Clearance", "top");
        expect_prop (&msg, "Socket-Type", "DEALER");
        zmq_msg_close (&msg);
        send_text (s, "world", 0);
        char buf[16];
        if (recv_text (s, buf, sizeof buf, NULL) != 3 || strcmp (buf, "bye"))
            FAIL ("no 'bye' from the client");
    } else {
        expect_auth_400 (m);
        expect_nothing (s, 500);
    }
    zmq_socket_monitor (s, NULL, 0);
    zmq_close (m);
    zmq_close (s);
    stop_ = 1;
    pthread_join (zap, NULL);
    return 0;
}

static int run_client (const char *ep, const char *user, const char *pass, int want_ok)
{
    void *c = zmq_socket (ctx_, ZMQ_DEALER);
    CHECK (zmq_setsockopt (c, ZMQ_PLAIN_USERNAME, user, strlen (user)) == 0);
    CHECK (zmq_setsockopt (c, ZMQ_PLAIN_PASSWORD, pass, strlen (pass)) == 0);
    set_int (c, ZMQ_LINGER, 1000);
    set_int (c, ZMQ_RCVTIMEO, WAIT_MS);
    void *m = monitor (c, "inproc://plain-client-monitor");
    CHECK (zmq_connect (c, ep) == 0);
    if (want_ok) {
        send_text (c, "hello", 0);
        char buf[16];
        if (recv_text (c, buf, sizeof buf, NULL) != 5 || strcmp (buf, "world"))
            FAIL ("no 'world' from the server");
        send_text (c, "bye", 0);
    } else {
        /* The refusal may come before this send: the session is gone
         * then, and a blocking send would wait for a peer forever. */
        if (zmq_send (c, "hello", 5, ZMQ_DONTWAIT) != 5 && errno != EAGAIN)
            FAIL ("send: %s", zmq_strerror (errno));
        expect_auth_400 (m);
        expect_nothing (c, 500);
    }
    zmq_socket_monitor (c, NULL, 0);
    zmq_close (m);
    zmq_close (c);
    return 0;
}

int main (int argc, char **argv)
{
    alarm (30);
    if (argc < 3)
        FAIL ("usage: server EP --zap allow|deny --want ok|refused | "
              "client EP USER PASS --want ok|refused [--expect rampart|libzmq]");
    role_ = argv[1];
    const char *ep = argv[2];
    int want_ok = -1, server = strcmp (role_, "server") == 0;
    const char *user = NULL, *pass = NULL, *expect = NULL;
    int i = 3;
    if (!server) {
        if (argc < 5)
            FAIL ("client needs USER PASS");
        user = argv[3];
        pass = argv[4];
        i = 5;
    }
    for (; i + 1 < argc; i += 2) {
        if (!strcmp (argv[i], "--want"))
            want_ok = !strcmp (argv[i + 1], "ok");
        else if (!strcmp (argv[i], "--zap"))
            allow_ = !strcmp (argv[i + 1], "allow");
        else if (!strcmp (argv[i], "--expect"))
            expect = argv[i + 1];
        else
            FAIL ("unknown option %s", argv[i]);
    }
    if (want_ok < 0)
        FAIL ("--want ok|refused is required");
    if (expect) {
        int is_rampart = zmq_has ("rampart") == 1;
        if (is_rampart != (strcmp (expect, "rampart") == 0))
            FAIL ("loaded %s, expected %s", is_rampart ? "rampart" : "libzmq", expect);
    }
    ctx_ = zmq_ctx_new ();
    CHECK (ctx_);
    int rc = server ? run_server (ep, want_ok) : run_client (ep, user, pass, want_ok);
    zmq_ctx_term (ctx_);
    if (rc == 0)
        printf ("OK plain-%s\n", role_);
    return rc;
}
