/* PLAIN (RFC 24) and ZAP (RFC 27) as libzmq 4.3.5 does them, over tcp:
 * - the ZAP request's frames (version, request id, domain, address, the
 *   server's own routing id, mechanism, username, password);
 * - status 200 puts User-Id and the reply's metadata on every message from
 *   that peer, and a peer cannot override them with its own properties;
 * - 400 and 500 reach the client as ERROR (HANDSHAKE_FAILED_AUTH on both
 *   sides) and the client does not come back; 300 fails the server side
 *   only and the client retries; a malformed reply is
 *   HANDSHAKE_FAILED_PROTOCOL with ZMQ_PROTOCOL_ERROR_ZAP_*; a PLAIN server
 *   with no handler fails every client (NO_DETAIL, EFAULT);
 * - NULL asks ZAP when ZMQ_ZAP_DOMAIN is set, goes on without a handler
 *   unless ZMQ_ZAP_ENFORCE_DOMAIN;
 * - the options: ZMQ_MECHANISM, PLAIN_SERVER/USERNAME/PASSWORD and
 *   ZAP_ENFORCE_DOMAIN read back as libzmq.
 * Rampart only: a refused peer counts in ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES
 * and holds no handshake slot afterwards. */
#include "testutil.h"
#include "rawzmtp.h"
#include <pthread.h>
#include <rampart.h>

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN /* zmq.h's draft API */
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

#define ZAP_EP "inproc://zeromq.zap.01"

/* What the handler answers: the status for good credentials, or a broken
 * reply. Bad credentials always get 400. */
enum { ANSWER_200, ANSWER_300, ANSWER_500, ANSWER_BAD_VERSION };

typedef struct {
    void *ctx;
    int answer;
    int stop;     /* set by the main thread (atomic) */
    int requests; /* handled so far (atomic) */
    int ready;
    char frames[10][64]; /* the last request, frame by frame */
    int nframes;
    pthread_mutex_t lock;
} zap_t;

static int atomic_get (int *p)
{
    return __atomic_load_n (p, __ATOMIC_SEQ_CST);
}

static void *zap_thread (void *arg)
{
    zap_t *z = arg;
    void *h = zmq_socket (z->ctx, ZMQ_REP);
    TEST_OK (zmq_bind (h, ZAP_EP));
    set_rcvtimeo (h, 50);
    __atomic_store_n (&z->ready, 1, __ATOMIC_SEQ_CST);
    while (!atomic_get (&z->stop)) {
        char f[10][64];
        int n = 0;
        int more = 1;
        while (more && n < 10) {
            int len = zmq_recv (h, f[n], sizeof f[n] - 1, 0);
            if (len < 0)
                break;
            f[n][len < 63 ? len : 63] = 0;
            n++;
            more = get_int (h, ZMQ_RCVMORE);
        }
        if (n == 0)
            continue;
        TEST_ASSERT (!more);
        pthread_mutex_lock (&z->lock);
        memcpy (z->frames, f, sizeof f);
        z->nframes = n;
        pthread_mutex_unlock (&z->lock);
        int good = n >= 6
                   && (strcmp (f[5], "NULL") == 0
                       || (n == 8 && strcmp (f[5], "PLAIN") == 0
                           && strcmp (f[6], "admin") == 0
                           && strcmp (f[7], "secret") == 0));
        const char *status = "400";
        if (good)
            status = z->answer == ANSWER_300   ? "300"
                     : z->answer == ANSWER_500 ? "500"
                                               : "200";
        /* Metadata: one property, X-Clearance = top. */
        unsigned char meta[32];
        size_t ml = 0;
        meta[ml++] = 11;
        memcpy (meta + ml, "X-Clearance", 11);
        ml += 11;
        meta[ml++] = 0, meta[ml++] = 0, meta[ml++] = 0, meta[ml++] = 3;
        memcpy (meta + ml, "top", 3);
        ml += 3;
        send_str (h, z->answer == ANSWER_BAD_VERSION ? "2.0" : f[0], ZMQ_SNDMORE);
        send_str (h, f[1], ZMQ_SNDMORE);
        send_str (h, status, ZMQ_SNDMORE);
        send_str (h, good ? "OK" : "Bad credentials", ZMQ_SNDMORE);
        send_str (h, strcmp (f[5], "NULL") == 0 ? "anonymous" : "admin-id",
                  ZMQ_SNDMORE);
        TEST_ASSERT (zmq_send (h, meta, ml, 0) == (int) ml);
        __atomic_add_fetch (&z->requests, 1, __ATOMIC_SEQ_CST);
    }
    /* Unbound now: libzmq frees the name only when the socket is reaped,
     * and the next test must find no handler (or bind its own). */
    TEST_OK (zmq_unbind (h, ZAP_EP));
    close_zero (h);
    return NULL;
}

static pthread_t zap_start (zap_t *z, void *ctx, int answer)
{
    memset (z, 0, sizeof *z);
    pthread_mutex_init (&z->lock, NULL);
    z->ctx = ctx;
    z->answer = answer;
    pthread_t t;
    TEST_ASSERT (pthread_create (&t, NULL, zap_thread, z) == 0);
    while (!atomic_get (&z->ready))
        test_sleep_ms (1);
    return t;
}

static void zap_stop (zap_t *z, pthread_t t)
{
    __atomic_store_n (&z->stop, 1, __ATOMIC_SEQ_CST);
    pthread_join (t, NULL);
}

/* A v1 monitor on the handshake events. */
static void *monitor (void *ctx, void *s, const char *ep)
{
    TEST_OK (zmq_socket_monitor (s, ep,
                                 ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                   | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                                   | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                   | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL));
    void *m = zmq_socket (ctx, ZMQ_PAIR);
    TEST_OK (zmq_connect (m, ep));
    return m;
}

/* The next event within `ms`, skipping NO_DETAIL for a peer that hung up
 * (EPIPE, ECONNRESET: timing, as upstream's tests); -1 if none. */
static int next_event (void *m, int ms, uint32_t *value)
{
    int64_t deadline = test_now_ms () + ms;
    for (;;) {
        int left = (int) (deadline - test_now_ms ());
        if (left < 0)
            left = 0;
        set_rcvtimeo (m, left);
        unsigned char head[6];
        int n = zmq_recv (m, head, sizeof head, 0);
        if (n == -1)
            return -1;
        TEST_ASSERT_EQ_INT (6, n);
        char ep[256];
        TEST_ASSERT (zmq_recv (m, ep, sizeof ep, 0) >= 0);
        uint16_t ev;
        memcpy (&ev, head, 2);
        memcpy (value, head + 2, 4);
        if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            && (*value == EPIPE || *value == ECONNRESET))
            continue;
        return ev;
    }
}

#define expect_event(m, w, v) expect_event_at (__LINE__, m, w, v)
static void expect_event_at (int line, void *m, int want, uint32_t want_value)
{
    uint32_t v = 0;
    int ev = next_event (m, 5000, &v);
    if (ev != want || v != want_value)
        TEST_FAIL ("line %d: event %#x value %u, expected %#x value %u", line,
                   ev, v, want, want_value);
}

static void expect_no_event (void *m, int ms)
{
    uint32_t v = 0;
    int ev = next_event (m, ms, &v);
    if (ev != -1)
        TEST_FAIL ("unexpected event %#x value %u", ev, v);
}

static void close_monitor (void *s, void *m)
{
    TEST_OK (zmq_socket_monitor (s, NULL, 0));
    close_zero (m);
}

/* A DEALER server: PLAIN (or NULL with ZAP domain "test"). */
static void *server_socket (void *ctx, int plain, char *ep, size_t eplen)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    TEST_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "IDENT", 5));
    if (plain)
        set_int (s, ZMQ_PLAIN_SERVER, 1);
    TEST_OK (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, "test", 4));
    set_int (s, ZMQ_LINGER, 0);
    bind_ephemeral (s, "tcp://127.0.0.1:*", ep, eplen);
    return s;
}

/* A DEALER client; with `mon`, its monitor (started before the connect,
 * so no event is missed) is stored there. */
static void *client_socket_mon (void *ctx, const char *user, const char *pass,
                                const char *ep, const char *mon_ep, void **mon)
{
    void *c = zmq_socket (ctx, ZMQ_DEALER);
    if (user) {
        TEST_OK (zmq_setsockopt (c, ZMQ_PLAIN_USERNAME, user, strlen (user)));
        TEST_OK (zmq_setsockopt (c, ZMQ_PLAIN_PASSWORD, pass, strlen (pass)));
    }
    set_int (c, ZMQ_LINGER, 0);
    set_int (c, ZMQ_RECONNECT_IVL, 50);
    if (mon)
        *mon = monitor (ctx, c, mon_ep);
    TEST_OK (zmq_connect (c, ep));
    return c;
}

static void *client_socket (void *ctx, const char *user, const char *pass,
                            const char *ep)
{
    return client_socket_mon (ctx, user, pass, ep, NULL, NULL);
}

static void expect_prop (zmq_msg_t *m, const char *name, const char *want)
{
    const char *v = zmq_msg_gets (m, name);
    if (!v || strcmp (v, want) != 0)
        TEST_FAIL ("property %s: \"%s\", expected \"%s\"", name,
                   v ? v : "(none)", want);
}

static void test_plain_success (void *ctx)
{
    zap_t z;
    pthread_t t = zap_start (&z, ctx, ANSWER_200);
    char ep[128];
    void *s = server_socket (ctx, 1, ep, sizeof ep);
    void *sm = monitor (ctx, s, "inproc://mon-ok-s");
    void *cm;
    void *c = client_socket_mon (ctx, "admin", "secret", ep, "inproc://mon-ok-c", &cm);
    send_str (c, "hello", 0);
    set_rcvtimeo (s, 5000);
    zmq_msg_t m;
    zmq_msg_init (&m);
    TEST_ASSERT_EQ_INT (5, zmq_msg_recv (&m, s, 0));
    expect_prop (&m, "User-Id", "admin-id");
    expect_prop (&m, "X-Clearance", "top");
    expect_prop (&m, "Socket-Type", "DEALER");
    expect_prop (&m, "Peer-Address", "127.0.0.1");
    zmq_msg_close (&m);
    send_str (s, "world", 0);
    set_rcvtimeo (c, 5000);
    zmq_msg_init (&m);
    TEST_ASSERT_EQ_INT (5, zmq_msg_recv (&m, c, 0));
    /* The client asked no ZAP handler: no User-Id on its side. */
    TEST_ASSERT (zmq_msg_gets (&m, "User-Id") == NULL);
    zmq_msg_close (&m);
    expect_event (sm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);
    expect_event (cm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);

    pthread_mutex_lock (&z.lock);
    const char *want[] = {"",      "1.0",    "1",     "test",
                          "127.0.0.1", "IDENT", "PLAIN", "admin", "secret"};
    /* Frame 0 is REP's envelope, already stripped: version first. */
    TEST_ASSERT_EQ_INT (8, z.nframes);
    for (int i = 0; i < 8; i++)
        if (strcmp (z.frames[i], want[i + 1]) != 0)
            TEST_FAIL ("ZAP frame %d: \"%s\", expected \"%s\"", i, z.frames[i],
                       want[i + 1]);
    pthread_mutex_unlock (&z.lock);
    TEST_ASSERT_EQ_INT (ZMQ_PLAIN, get_int (c, ZMQ_MECHANISM));
    close_monitor (s, sm);
    close_monitor (c, cm);
    close_zero (c);
    close_zero (s);
    zap_stop (&z, t);
}

/* 400 (bad password) and 500: ERROR to the client, AUTH on both sides, and
 * the client does not reconnect. */
static void test_refused (void *ctx, int answer, const char *pass,
                          uint32_t status)
{
    zap_t z;
    pthread_t t = zap_start (&z, ctx, answer);
    char ep[128];
    void *s = server_socket (ctx, 1, ep, sizeof ep);
    void *sm = monitor (ctx, s, "inproc://mon-ref-s");
    void *cm;
    void *c = client_socket_mon (ctx, "admin", pass, ep, "inproc://mon-ref-c", &cm);
    /* Not blocking: the refusal may already have ended the session. */
    TEST_ASSERT (zmq_send (c, "hello", 5, ZMQ_DONTWAIT) == 5 || errno == EAGAIN);
    expect_event (sm, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, status);
    expect_event (cm, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, status);
    TEST_ASSERT (!poll_in (s, 300));
    /* No second attempt (the ERROR is final). */
    expect_no_event (cm, 300);
    TEST_ASSERT_EQ_INT (1, atomic_get (&z.requests));
    if (is_rampart ())
        TEST_ASSERT (get_i64 (s, ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES) >= 1);
    close_monitor (s, sm);
    close_monitor (c, cm);
    close_zero (c);
    close_zero (s);
    zap_stop (&z, t);
}

/* 300: the server fails without an ERROR; the client sees no AUTH event.
 * libzmq then leaves the connection open until HANDSHAKE_IVL; Rampart
 * closes it at once (it holds a handshake slot for nothing), and the
 * client, which got no ERROR, tries again. */
static void test_temporary_failure (void *ctx)
{
    zap_t z;
    pthread_t t = zap_start (&z, ctx, ANSWER_300);
    char ep[128];
    void *s = server_socket (ctx, 1, ep, sizeof ep);
    void *sm = monitor (ctx, s, "inproc://mon-300-s");
    void *cm;
    void *c = client_socket_mon (ctx, "admin", "secret", ep, "inproc://mon-300-c", &cm);
    expect_event (sm, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 300);
    if (is_rampart ()) {
        int64_t deadline = test_now_ms () + 5000;
        while (atomic_get (&z.requests) < 3 && test_now_ms () < deadline)
            test_sleep_ms (10);
        TEST_ASSERT (atomic_get (&z.requests) >= 3);
    }
    expect_no_event (cm, 100);
    TEST_ASSERT (!poll_in (s, 10));
    close_monitor (s, sm);
    close_monitor (c, cm);
    close_zero (c);
    close_zero (s);
    zap_stop (&z, t);
}

static void test_malformed_reply (void *ctx)
{
    zap_t z;
    pthread_t t = zap_start (&z, ctx, ANSWER_BAD_VERSION);
    char ep[128];
    void *s = server_socket (ctx, 1, ep, sizeof ep);
    void *sm = monitor (ctx, s, "inproc://mon-bad-s");
    void *c = client_socket (ctx, "admin", "secret", ep);
    expect_event (sm, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                  ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION);
    TEST_ASSERT (!poll_in (s, 100));
    close_monitor (s, sm);
    close_zero (c);
    close_zero (s);
    zap_stop (&z, t);
}

static void test_plain_without_handler (void *ctx)
{
    char ep[128];
    void *s = server_socket (ctx, 1, ep, sizeof ep);
    void *sm = monitor (ctx, s, "inproc://mon-noh-s");
    void *c = client_socket (ctx, "admin", "secret", ep);
    send_str (c, "hello", 0);
    expect_event (sm, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EFAULT);
    TEST_ASSERT (!poll_in (s, 100));
    close_monitor (s, sm);
    close_zero (c);
    close_zero (s);
}

static void test_null_with_domain (void *ctx)
{
    /* With a handler: asked with mechanism NULL, its User-Id on messages. */
    zap_t z;
    pthread_t t = zap_start (&z, ctx, ANSWER_200);
    char ep[128];
    void *s = server_socket (ctx, 0, ep, sizeof ep);
    void *c = client_socket (ctx, NULL, NULL, ep);
    send_str (c, "hello", 0);
    set_rcvtimeo (s, 5000);
    zmq_msg_t m;
    zmq_msg_init (&m);
    TEST_ASSERT_EQ_INT (5, zmq_msg_recv (&m, s, 0));
    expect_prop (&m, "User-Id", "anonymous");
    zmq_msg_close (&m);
    pthread_mutex_lock (&z.lock);
    TEST_ASSERT_EQ_INT (6, z.nframes);
    TEST_ASSERT (strcmp (z.frames[5], "NULL") == 0);
    pthread_mutex_unlock (&z.lock);
    close_zero (c);
    close_zero (s);
    zap_stop (&z, t);

    /* Without one: NULL goes on, unless the domain is enforced. */
    s = server_socket (ctx, 0, ep, sizeof ep);
    c = client_socket (ctx, NULL, NULL, ep);
    send_str (c, "hello", 0);
    set_rcvtimeo (s, 5000);
    recv_str (s, "hello");
    close_zero (c);
    close_zero (s);

    s = zmq_socket (ctx, ZMQ_DEALER);
    set_int (s, ZMQ_ZAP_ENFORCE_DOMAIN, 1);
    TEST_ASSERT_EQ_INT (1, get_int (s, ZMQ_ZAP_ENFORCE_DOMAIN));
    TEST_OK (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, "test", 4));
    set_int (s, ZMQ_LINGER, 0);
    bind_ephemeral (s, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *sm = monitor (ctx, s, "inproc://mon-enf-s");
    c = client_socket (ctx, NULL, NULL, ep);
    send_str (c, "hello", 0);
    expect_event (sm, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EFAULT);
    TEST_ASSERT (!poll_in (s, 100));
    close_monitor (s, sm);
    close_zero (c);
    close_zero (s);
}

/* A raw PLAIN client whose INITIATE claims User-Id "root": the server's
 * messages carry the ZAP handler's User-Id, not the peer's. */
static void test_user_id_not_spoofable (void *ctx)
{
    zap_t z;
    pthread_t t = zap_start (&z, ctx, ANSWER_200);
    char ep[128];
    void *s = server_socket (ctx, 1, ep, sizeof ep);
    int fd = rz_connect (ep);
    TEST_ASSERT (fd >= 0);
    unsigned char g[64];
    rz_make_greeting (g, 0);
    memset (g + 12, 0, 20);
    memcpy (g + 12, "PLAIN", 5);
    TEST_ASSERT (rz_send_all (fd, g, sizeof g) == 0);
    unsigned char peer[64];
    TEST_ASSERT (rz_recv_exact (fd, peer, 64, 5000) == 64);
    TEST_ASSERT (memcmp (peer + 12, "PLAIN", 5) == 0);
    /* peer[32], as-server: 1 from Rampart (RFC 23), 0 from libzmq. */
    const unsigned char hello[] = "\x05HELLO\x05" "admin\x06" "secret";
    TEST_ASSERT (rz_send_frame (fd, RZ_FLAG_COMMAND, hello, sizeof hello - 1)
                 == 0);
    unsigned char body[512];
    unsigned flags = 0;
    TEST_ASSERT (rz_recv_frame (fd, &flags, body, sizeof body, 5000) == 8);
    TEST_ASSERT (memcmp (body, "\x07WELCOME", 8) == 0);
    unsigned char init[256];
    size_t n = 0;
    memcpy (init, "\x08INITIATE", 9);
    n = 9;
    n += rz_put_property_header (init + n, "Socket-Type", 6);
    memcpy (init + n, "DEALER", 6);
    n += 6;
    n += rz_put_property_header (init + n, "User-Id", 4);
    memcpy (init + n, "root", 4);
    n += 4;
    TEST_ASSERT (rz_send_frame (fd, RZ_FLAG_COMMAND, init, n) == 0);
    int64_t r = rz_recv_frame (fd, &flags, body, sizeof body, 5000);
    TEST_ASSERT (r >= 6 && memcmp (body, "\x05READY", 6) == 0);
    TEST_ASSERT (rz_send_frame (fd, 0, "msg", 3) == 0);
    set_rcvtimeo (s, 5000);
    zmq_msg_t m;
    zmq_msg_init (&m);
    TEST_ASSERT_EQ_INT (3, zmq_msg_recv (&m, s, 0));
    expect_prop (&m, "User-Id", "admin-id");
    zmq_msg_close (&m);
    close (fd);
    close_zero (s);
    zap_stop (&z, t);
}

/* A ZAP handler may be a ROUTER: it sees the request behind a routing id
 * and the empty delimiter, and answers through them. */
static void router_handler_serve (void *h)
{
    set_rcvtimeo (h, 5000);
    zmq_msg_t f[10];
    int n = 0, more = 1;
    while (more && n < 10) {
        zmq_msg_init (&f[n]);
        TEST_ASSERT (zmq_msg_recv (&f[n], h, 0) >= 0);
        more = zmq_msg_more (&f[n]);
        n++;
    }
    /* id, delimiter, version, request id, domain, address, identity,
     * mechanism, username, password */
    TEST_ASSERT_EQ_INT (10, n);
    TEST_ASSERT_EQ_INT (0, (int) zmq_msg_size (&f[1]));
    TEST_ASSERT (zmq_msg_size (&f[7]) == 5 && memcmp (zmq_msg_data (&f[7]), "PLAIN", 5) == 0);
    TEST_ASSERT (zmq_msg_send (&f[0], h, ZMQ_SNDMORE) >= 0);
    send_str (h, "", ZMQ_SNDMORE);
    send_str (h, "1.0", ZMQ_SNDMORE);
    send_str (h, "1", ZMQ_SNDMORE);
    send_str (h, "200", ZMQ_SNDMORE);
    send_str (h, "OK", ZMQ_SNDMORE);
    send_str (h, "router-user", ZMQ_SNDMORE);
    send_str (h, "", 0);
    for (int i = 1; i < n; i++)
        zmq_msg_close (&f[i]);
}

static void test_router_handler (void *ctx)
{
    char ep[128];
    void *s = server_socket (ctx, 1, ep, sizeof ep);
    /* Bound after the server: the handler is looked up per request. */
    void *h = zmq_socket (ctx, ZMQ_ROUTER);
    TEST_OK (zmq_bind (h, ZAP_EP));
    void *c = client_socket (ctx, "admin", "secret", ep);
    router_handler_serve (h);
    send_str (c, "hello", 0);
    set_rcvtimeo (s, 5000);
    zmq_msg_t m;
    zmq_msg_init (&m);
    TEST_ASSERT_EQ_INT (5, zmq_msg_recv (&m, s, 0));
    expect_prop (&m, "User-Id", "router-user");
    zmq_msg_close (&m);
    TEST_OK (zmq_unbind (h, ZAP_EP));
    close_zero (h);
    close_zero (c);
    close_zero (s);
}

static void test_options (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT_EQ_INT (ZMQ_NULL, get_int (s, ZMQ_MECHANISM));
    TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_ZAP_ENFORCE_DOMAIN));
    set_int (s, ZMQ_PLAIN_SERVER, 1);
    TEST_ASSERT_EQ_INT (ZMQ_PLAIN, get_int (s, ZMQ_MECHANISM));
    TEST_ASSERT_EQ_INT (1, get_int (s, ZMQ_PLAIN_SERVER));
    set_int (s, ZMQ_PLAIN_SERVER, 0);
    TEST_ASSERT_EQ_INT (ZMQ_NULL, get_int (s, ZMQ_MECHANISM));
    TEST_OK (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "admin", 5));
    TEST_ASSERT_EQ_INT (ZMQ_PLAIN, get_int (s, ZMQ_MECHANISM));
    TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_PLAIN_SERVER));
    char buf[64];
    size_t len = sizeof buf;
    TEST_OK (zmq_getsockopt (s, ZMQ_PLAIN_USERNAME, buf, &len));
    TEST_ASSERT (len == 6 && strcmp (buf, "admin") == 0);
    TEST_OK (zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, NULL, 0));
    TEST_ASSERT_EQ_INT (ZMQ_NULL, get_int (s, ZMQ_MECHANISM));
    char big[300];
    memset (big, 'x', sizeof big);
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, big, 256));
    int two = 2;
    TEST_ERRNO (EINVAL,
                zmq_setsockopt (s, ZMQ_PLAIN_SERVER, &two, sizeof two));
    close_zero (s);
}

/* Rampart: refused clients end their connections; none lingers in the
 * handshake (the listener's handshake slots are all free again). */
static void test_refused_peers_hold_nothing (void *ctx)
{
    if (!is_rampart ())
        return;
    zap_t z;
    pthread_t t = zap_start (&z, ctx, ANSWER_200);
    char ep[128];
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    TEST_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "IDENT", 5));
    set_int (s, ZMQ_PLAIN_SERVER, 1);
    TEST_OK (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, "test", 4));
    set_int (s, ZMQ_LINGER, 0);
    set_i64 (s, ZMQ_RAMPART_MAX_HANDSHAKES, 2);
    bind_ephemeral (s, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *bad[8];
    for (int i = 0; i < 8; i++)
        bad[i] = client_socket (ctx, "admin", "wrong", ep);
    int64_t deadline = test_now_ms () + 5000;
    while (get_i64 (s, ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES) < 8
           && test_now_ms () < deadline)
        test_sleep_ms (10);
    TEST_ASSERT_EQ_INT (8, (int) get_i64 (s, ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES));
    /* With both slots free, a good client gets in at once. */
    void *c = client_socket (ctx, "admin", "secret", ep);
    send_str (c, "hello", 0);
    set_rcvtimeo (s, 2000);
    recv_str (s, "hello");
    TEST_ASSERT_EQ_INT (1, (int) get_i64 (s, ZMQ_RAMPART_STAT_PEERS));
    for (int i = 0; i < 8; i++)
        close_zero (bad[i]);
    close_zero (c);
    close_zero (s);
    zap_stop (&z, t);
}

int main (void)
{
    test_watchdog (90);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    test_options (ctx);
    test_plain_success (ctx);
    test_refused (ctx, ANSWER_200, "wrong", 400);
    test_refused (ctx, ANSWER_500, "secret", 500);
    test_temporary_failure (ctx);
    test_malformed_reply (ctx);
    test_plain_without_handler (ctx);
    test_null_with_domain (ctx);
    test_user_id_not_spoofable (ctx);
    test_router_handler (ctx);
    test_refused_peers_hold_nothing (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
