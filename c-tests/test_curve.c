/* CURVE security (RFC 25/26): zmq_curve_keypair / zmq_curve_public, the
 * ZMQ_CURVE_* options (32 binary bytes or 40 Z85 characters, read back by
 * buffer size), ZMQ_MECHANISM, encrypted PAIR and REQ/REP over tcp, and a
 * client with the wrong server key failing with the server's
 * HANDSHAKE_FAILED_PROTOCOL / ZMTP_CRYPTOGRAPHIC monitor event while nothing
 * gets through; a ZAP handler that gets the client's public key as the
 * credential, accepts one client (User-Id on its messages) and refuses
 * another (HANDSHAKE_FAILED_AUTH 400 on the client). Written to libzmq's
 * semantics (Debian's libzmq has CURVE). */
#include "testutil.h"
#include <pthread.h>

/* libzmq's own test vector (tests/test_sodium.cpp). */
static const char vec_public[] = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
static const char vec_secret[] = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";

typedef struct
{
    char public_[41];
    char secret[41];
} keypair_t;

static keypair_t new_keypair (void)
{
    keypair_t k;
    memset (&k, 0x55, sizeof k);
    TEST_OK (zmq_curve_keypair (k.public_, k.secret));
    TEST_ASSERT_EQ_INT (40, (int) strlen (k.public_));
    TEST_ASSERT_EQ_INT (40, (int) strlen (k.secret));
    return k;
}

static void test_key_functions (void)
{
    TEST_ASSERT_EQ_INT (1, zmq_has ("curve"));
    char out[41];
    TEST_OK (zmq_curve_public (out, vec_secret));
    TEST_ASSERT (strcmp (out, vec_public) == 0);

    keypair_t a = new_keypair (), b = new_keypair ();
    TEST_ASSERT (strcmp (a.public_, b.public_) != 0);
    TEST_ASSERT (strcmp (a.secret, b.secret) != 0);
    TEST_OK (zmq_curve_public (out, a.secret));
    TEST_ASSERT (strcmp (out, a.public_) == 0);
    uint8_t bin[32];
    TEST_ASSERT (zmq_z85_decode (bin, a.public_) == bin);

    /* Not a 40-character Z85 key: EINVAL, output untouched. */
    const char *bad[] = {"42", "0123456789012345678901234567890123456789."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset (out, 0, sizeof out);
        errno = 0;
        TEST_ASSERT_EQ_INT (-1, zmq_curve_public (out, bad[i]));
        TEST_ASSERT_EQ_INT (EINVAL, zmq_errno ());
        TEST_ASSERT_EQ_INT (0, out[0]);
    }
}

/* Reads a key option with a buffer of `size` bytes. */
static int get_key (void *s, int opt, void *buf, size_t size)
{
    size_t len = size;
    int rc = zmq_getsockopt (s, opt, buf, &len);
    if (rc == 0)
        TEST_ASSERT_EQ_INT ((int) size, (int) len);
    return rc;
}

static void test_options (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT_EQ_INT (ZMQ_NULL, get_int (s, ZMQ_MECHANISM));
    TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_CURVE_SERVER));

    uint8_t vec_bin[32];
    TEST_ASSERT (zmq_z85_decode (vec_bin, vec_public) == vec_bin);
    const int keys[] = {ZMQ_CURVE_PUBLICKEY, ZMQ_CURVE_SECRETKEY, ZMQ_CURVE_SERVERKEY};
    for (int i = 0; i < 3; i++) {
        int opt = keys[i];
        /* 40 characters without NUL, 41 with it, 32 binary bytes. */
        TEST_OK (zmq_setsockopt (s, opt, vec_public, 40));
        char text[41];
        uint8_t bin[32];
        TEST_OK (get_key (s, opt, text, 41));
        TEST_ASSERT (strcmp (text, vec_public) == 0);
        TEST_OK (get_key (s, opt, bin, 32));
        TEST_ASSERT (memcmp (bin, vec_bin, 32) == 0);
        TEST_OK (zmq_setsockopt (s, opt, vec_secret, 41));
        TEST_OK (get_key (s, opt, text, 41));
        TEST_ASSERT (strcmp (text, vec_secret) == 0);
        TEST_OK (zmq_setsockopt (s, opt, vec_bin, 32));
        TEST_OK (get_key (s, opt, text, 41));
        TEST_ASSERT (strcmp (text, vec_public) == 0);
        /* Other buffer sizes are refused. */
        char big[64];
        TEST_ERRNO (EINVAL, get_key (s, opt, big, 40));
        TEST_ERRNO (EINVAL, get_key (s, opt, big, 33));
        TEST_ERRNO (EINVAL, get_key (s, opt, big, 64));
        /* Bad lengths and characters outside the alphabet. */
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, vec_bin, 31));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, vec_public, 39));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, vec_public, 35));
        char bad[41];
        memcpy (bad, vec_public, 41);
        bad[7] = '~';
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, bad, 40));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, bad, 41));
        TEST_OK (get_key (s, opt, text, 41));
        TEST_ASSERT (strcmp (text, vec_public) == 0);
    }
    TEST_ASSERT_EQ_INT (ZMQ_CURVE, get_int (s, ZMQ_MECHANISM));
    TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_CURVE_SERVER));
    set_int (s, ZMQ_CURVE_SERVER, 1);
    TEST_ASSERT_EQ_INT (1, get_int (s, ZMQ_CURVE_SERVER));
    TEST_ASSERT_EQ_INT (ZMQ_CURVE, get_int (s, ZMQ_MECHANISM));
    int two = 2;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_CURVE_SERVER, &two, sizeof two));
    /* Setting a server key makes a client again. */
    TEST_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, vec_public, 40));
    TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_CURVE_SERVER));
    set_int (s, ZMQ_CURVE_SERVER, 1);
    set_int (s, ZMQ_CURVE_SERVER, 0);
    TEST_ASSERT_EQ_INT (ZMQ_NULL, get_int (s, ZMQ_MECHANISM));
    TEST_OK (zmq_close (s));
}

static void make_server (void *s, const keypair_t *server)
{
    set_int (s, ZMQ_CURVE_SERVER, 1);
    TEST_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, server->secret, 40));
}

static void make_client (void *s, const char *server_public, const keypair_t *client)
{
    TEST_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 41));
    TEST_OK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, client->public_, 40));
    TEST_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, client->secret, 40));
}

static void test_pair_and_reqrep (void *ctx)
{
    keypair_t server = new_keypair (), client = new_keypair ();
    char ep[256];

    void *srv = zmq_socket (ctx, ZMQ_PAIR);
    void *cli = zmq_socket (ctx, ZMQ_PAIR);
    make_server (srv, &server);
    make_client (cli, server.public_, &client);
    set_rcvtimeo (srv, 5000);
    set_rcvtimeo (cli, 5000);
    bind_ephemeral (srv, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_OK (zmq_connect (cli, ep));
    send_str (cli, "hello", ZMQ_SNDMORE);
    send_str (cli, "", ZMQ_SNDMORE);
    send_str (cli, "world", 0);
    recv_s (srv, "hello", 1);
    recv_s (srv, "", 1);
    recv_s (srv, "world", 0);
    size_t big = 100 * 1000;
    char *data = malloc (big);
    TEST_ASSERT (data != NULL);
    for (size_t i = 0; i < big; i++)
        data[i] = (char) (i * 7);
    send_bin (srv, data, big, 0);
    recv_frame (cli, data, big, 0);
    free (data);
    close_zero (cli);
    close_zero (srv);

    void *rep = zmq_socket (ctx, ZMQ_REP);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    make_server (rep, &server);
    make_client (req, server.public_, &client);
    set_rcvtimeo (rep, 5000);
    set_rcvtimeo (req, 5000);
    bind_ephemeral (rep, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_OK (zmq_connect (req, ep));
    for (int i = 0; i < 50; i++) {
        send_str (req, "ping", 0);
        recv_s (rep, "ping", 0);
        send_str (rep, "pong", 0);
        recv_s (req, "pong", 0);
    }
    close_zero (req);
    close_zero (rep);
}

/* Reads v1 events until `want` with `value` (others are skipped: a client
 * retries, so failures repeat); fails after 5 s or on a successful
 * handshake. */
static void expect_event (void *mon, int want, uint32_t want_value)
{
    int64_t deadline = test_now_ms () + 5000;
    while (test_now_ms () < deadline) {
        uint8_t head[6];
        int n = zmq_recv (mon, head, sizeof head, 0);
        if (n == -1)
            break;
        TEST_ASSERT_EQ_INT (6, n);
        char ep[256];
        TEST_ASSERT (zmq_recv (mon, ep, sizeof ep, 0) >= 0);
        uint16_t ev;
        uint32_t value;
        memcpy (&ev, head, 2);
        memcpy (&value, head + 2, 4);
        if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            TEST_FAIL ("a handshake succeeded that must fail");
        if (ev == want && value == want_value)
            return;
    }
    TEST_FAIL ("event 0x%x with value 0x%x not seen", want, (unsigned) want_value);
}

static void test_wrong_server_key (void *ctx)
{
    keypair_t server = new_keypair (), client = new_keypair (), other = new_keypair ();
    char ep[256];
    void *srv = zmq_socket (ctx, ZMQ_PULL);
    make_server (srv, &server);
    TEST_OK (zmq_socket_monitor (srv, "inproc://curve-mon",
                                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                   | ZMQ_EVENT_HANDSHAKE_SUCCEEDED));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    TEST_OK (zmq_connect (mon, "inproc://curve-mon"));
    set_rcvtimeo (mon, 5000);
    bind_ephemeral (srv, "tcp://127.0.0.1:*", ep, sizeof ep);

    void *cli = zmq_socket (ctx, ZMQ_PUSH);
    make_client (cli, other.public_, &client);
    TEST_OK (zmq_connect (cli, ep));
    send_str (cli, "secret", ZMQ_DONTWAIT);
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                  ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
    set_rcvtimeo (srv, 300);
    char buf[16];
    TEST_ERRNO (EAGAIN, zmq_recv (srv, buf, sizeof buf, 0));
    close_zero (cli);

    /* A NULL client cannot talk to a CURVE server either. */
    void *plain = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (plain, ep));
    send_str (plain, "clear", ZMQ_DONTWAIT);
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                  ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
    TEST_ERRNO (EAGAIN, zmq_recv (srv, buf, sizeof buf, 0));
    close_zero (plain);
    close_zero (mon);
    close_zero (srv);
}

/* ---- ZAP: the handler sees mechanism CURVE and the client's key ---- */
typedef struct
{
    void *ctx;
    uint8_t allowed[32];
    int stop;
    int requests;
    int bad_requests; /* requests not shaped as libzmq sends them for CURVE */
} zap_t;

static void *zap_thread (void *arg)
{
    zap_t *z = arg;
    void *h = zmq_socket (z->ctx, ZMQ_REP);
    TEST_OK (zmq_bind (h, "inproc://zeromq.zap.01"));
    set_rcvtimeo (h, 50);
    while (!__atomic_load_n (&z->stop, __ATOMIC_SEQ_CST)) {
        uint8_t f[8][64];
        int len[8], n = 0, more = 1;
        while (more && n < 8) {
            len[n] = zmq_recv (h, f[n], sizeof f[n], 0);
            if (len[n] < 0)
                break;
            n++;
            more = get_int (h, ZMQ_RCVMORE);
        }
        if (n == 0)
            continue;
        /* version, request id, domain, address, identity, mechanism, key */
        int shaped = n == 7 && !more && len[0] == 3 && memcmp (f[0], "1.0", 3) == 0
                     && len[5] == 5 && memcmp (f[5], "CURVE", 5) == 0 && len[6] == 32;
        if (!shaped)
            __atomic_add_fetch (&z->bad_requests, 1, __ATOMIC_SEQ_CST);
        int good = shaped && memcmp (f[6], z->allowed, 32) == 0;
        send_bin (h, f[0], (size_t) len[0], ZMQ_SNDMORE);
        send_bin (h, f[1], (size_t) len[1], ZMQ_SNDMORE);
        send_str (h, good ? "200" : "400", ZMQ_SNDMORE);
        send_str (h, good ? "OK" : "No access", ZMQ_SNDMORE);
        send_str (h, good ? "alice" : "", ZMQ_SNDMORE);
        send_str (h, "", 0);
        __atomic_add_fetch (&z->requests, 1, __ATOMIC_SEQ_CST);
    }
    TEST_OK (zmq_unbind (h, "inproc://zeromq.zap.01"));
    close_zero (h);
    return NULL;
}

static void test_zap (void *ctx)
{
    keypair_t server = new_keypair (), alice = new_keypair (), mallory = new_keypair ();
    zap_t z = {ctx, {0}, 0, 0, 0};
    TEST_ASSERT (zmq_z85_decode (z.allowed, alice.public_) == z.allowed);
    pthread_t t;
    TEST_ASSERT (pthread_create (&t, NULL, zap_thread, &z) == 0);
    test_sleep_ms (50); /* the handler is bound */

    char ep[256];
    void *srv = zmq_socket (ctx, ZMQ_PULL);
    make_server (srv, &server);
    TEST_OK (zmq_setsockopt (srv, ZMQ_ZAP_DOMAIN, "curve-test", 10));
    set_rcvtimeo (srv, 5000);
    bind_ephemeral (srv, "tcp://127.0.0.1:*", ep, sizeof ep);

    /* Alice: accepted; her messages carry the handler's User-Id. */
    void *a = zmq_socket (ctx, ZMQ_PUSH);
    make_client (a, server.public_, &alice);
    TEST_OK (zmq_connect (a, ep));
    send_str (a, "from alice", 0);
    zmq_msg_t m;
    zmq_msg_init (&m);
    TEST_ASSERT_EQ_INT (10, zmq_msg_recv (&m, srv, 0));
    TEST_ASSERT (memcmp (zmq_msg_data (&m), "from alice", 10) == 0);
    const char *user = zmq_msg_gets (&m, "User-Id");
    TEST_ASSERT (user != NULL && strcmp (user, "alice") == 0);
    zmq_msg_close (&m);

    /* Mallory: refused by ZAP; her side reports AUTH 400. */
    void *b = zmq_socket (ctx, ZMQ_PUSH);
    make_client (b, server.public_, &mallory);
    TEST_OK (zmq_socket_monitor (b, "inproc://curve-zap-mon",
                                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                   | ZMQ_EVENT_HANDSHAKE_SUCCEEDED));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    TEST_OK (zmq_connect (mon, "inproc://curve-zap-mon"));
    set_rcvtimeo (mon, 5000);
    TEST_OK (zmq_connect (b, ep));
    send_str (b, "from mallory", ZMQ_DONTWAIT);
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400);
    set_rcvtimeo (srv, 300);
    char buf[32];
    TEST_ERRNO (EAGAIN, zmq_recv (srv, buf, sizeof buf, 0));
    close_zero (mon);
    close_zero (b);
    close_zero (a);
    close_zero (srv);
    __atomic_store_n (&z.stop, 1, __ATOMIC_SEQ_CST);
    pthread_join (t, NULL);
    TEST_ASSERT (z.requests >= 2);
    TEST_ASSERT_EQ_INT (0, z.bad_requests);
}

int main (void)
{
    test_watchdog (60);
    if (!zmq_has ("curve") && !is_rampart ())
        TEST_SKIP ("this libzmq was built without CURVE");
    void *ctx = zmq_ctx_new ();
    test_key_functions ();
    test_options (ctx);
    test_pair_and_reqrep (ctx);
    test_wrong_server_key (ctx);
    test_zap (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
