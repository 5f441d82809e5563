/* errno reporting: zmq_errno, zmq_strerror and the error each misuse gives.
 *
 * Checks:
 * - zmq_errno() equals the libc errno after failing calls;
 * - the libzmq-specific codes are ZMQ_HAUSNUMERO + 51..54, their
 *   zmq_strerror texts match libzmq's (also its own "Host unreachable" for
 *   EHOSTUNREACH), and other codes use strerror(3);
 * - ENOTSOCK for NULL and garbage socket pointers in every socket call;
 *   EFAULT for a NULL context and a garbage context pointer;
 * - EINVAL for unknown socket types; ENOTSUP for sending on SUB/PULL and
 *   receiving on PUB/PUSH; EAGAIN with ZMQ_DONTWAIT (both directions);
 * - EFSM: REQ recv before send, REQ send twice, REP send before recv, REP
 *   recv twice;
 * - EHOSTUNREACH from a ROUTER with ROUTER_MANDATORY for an unknown peer
 *   (without ROUTER_MANDATORY the message is silently dropped);
 * - ENOCOMPATPROTO: udp:// on a PUSH (libzmq: UDP only for RADIO/DISH;
 *   Rampart may answer EPROTONOSUPPORT if it has no UDP transport);
 *   pgm:// on a REQ when pgm is built in, else EPROTONOSUPPORT;
 *   EPROTONOSUPPORT for an unknown transport; EINVAL for malformed
 *   endpoints; ENOENT for unbind/disconnect of unknown endpoints;
 * - ENOMEM from zmq_msg_init_size for sizes that cannot be allocated (no
 *   real allocation happens: malloc refuses at once; under ASan run with
 *   ASAN_OPTIONS=allocator_may_return_null=1);
 * - ETERM after zmq_ctx_shutdown. */
#include "testutil.h"

static void test_errno_and_strerror (void)
{
    /* zmq_errno mirrors errno */
    errno = 0;
    TEST_ASSERT (zmq_close (NULL) == -1);
    TEST_ASSERT_EQ_INT (ENOTSOCK, errno);
    TEST_ASSERT_EQ_INT (errno, zmq_errno ());
    errno = 0;
    TEST_ASSERT (zmq_ctx_term (NULL) == -1);
    TEST_ASSERT_EQ_INT (EFAULT, errno);
    TEST_ASSERT_EQ_INT (errno, zmq_errno ());
    errno = 12345;
    TEST_ASSERT_EQ_INT (12345, zmq_errno ());

    /* the library-specific codes */
    TEST_ASSERT_EQ_INT (ZMQ_HAUSNUMERO + 51, EFSM);
    TEST_ASSERT_EQ_INT (ZMQ_HAUSNUMERO + 52, ENOCOMPATPROTO);
    TEST_ASSERT_EQ_INT (ZMQ_HAUSNUMERO + 53, ETERM);
    TEST_ASSERT_EQ_INT (ZMQ_HAUSNUMERO + 54, EMTHREAD);
    TEST_ASSERT_EQ_INT (156384712, ZMQ_HAUSNUMERO);
    /* glibc's values are used for the rest */
    TEST_ASSERT_EQ_INT (95, ENOTSUP);
    TEST_ASSERT_EQ_INT (88, ENOTSOCK);
    TEST_ASSERT_EQ_INT (113, EHOSTUNREACH);

    static const struct {
        int code;
        const char *text;
    } texts[] = {
        {EFSM, "Operation cannot be accomplished in current state"},
        {ENOCOMPATPROTO, "The protocol is not compatible with the socket type"},
        {ETERM, "Context was terminated"},
        {EMTHREAD, "No thread available"},
        /* libzmq has its own text for this one (glibc: "No route to host") */
        {EHOSTUNREACH, "Host unreachable"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char *got = zmq_strerror (texts[i].code);
        TEST_ASSERT (got != NULL);
        if (strcmp (got, texts[i].text) != 0)
            TEST_FAIL ("zmq_strerror(%d) = '%s', expected '%s'", texts[i].code,
                       got, texts[i].text);
    }
    static const int plain[] = {EINVAL,   EAGAIN,          ENOTSUP,
                                EMFILE,   EFAULT,          ENOTSOCK,
                                EPROTONOSUPPORT, ECONNREFUSED, EADDRINUSE,
                                ENOMEM,   EINTR,           ETIMEDOUT};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        char expect[256];
        snprintf (expect, sizeof expect, "%s", strerror (plain[i]));
        const char *got = zmq_strerror (plain[i]);
        if (strcmp (got, expect) != 0)
            TEST_FAIL ("zmq_strerror(%d) = '%s', expected '%s'", plain[i], got,
                       expect);
    }
}

static void check_not_socket (void *s, const char *what)
{
    char buf[8];
    int v = 0;
    size_t len = sizeof v;
    zmq_msg_t msg;
    TEST_OK (zmq_msg_init (&msg));
#define NS(expr)                                                               \
    do {                                                                       \
        errno = 0;                                                             \
        int rc_ = (int) (expr);                                                \
        if (rc_ != -1 || zmq_errno () != ENOTSOCK)                             \
            TEST_FAIL ("%s: %s: expected -1/ENOTSOCK, got %d errno %d", what,  \
                       #expr, rc_, zmq_errno ());                              \
    } while (0)
    NS (zmq_send (s, "a", 1, 0));
    NS (zmq_send (s, "a", 1, ZMQ_DONTWAIT));
    NS (zmq_send_const (s, "a", 1, 0));
    NS (zmq_recv (s, buf, sizeof buf, 0));
    NS (zmq_msg_send (&msg, s, 0));
    NS (zmq_msg_recv (&msg, s, 0));
    NS (zmq_setsockopt (s, ZMQ_LINGER, &v, sizeof v));
    NS (zmq_getsockopt (s, ZMQ_LINGER, &v, &len));
    NS (zmq_bind (s, "inproc://errno-nosock"));
    NS (zmq_connect (s, "inproc://errno-nosock"));
    NS (zmq_unbind (s, "inproc://errno-nosock"));
    NS (zmq_disconnect (s, "inproc://errno-nosock"));
    NS (zmq_socket_monitor (s, "inproc://errno-mon", ZMQ_EVENT_ALL));
    NS (zmq_close (s));
#undef NS
    TEST_OK (zmq_msg_close (&msg));
}

static void test_bad_handles (void)
{
    check_not_socket (NULL, "NULL socket");
    /* readable memory that is not a socket */
    uint64_t garbage[32];
    memset (garbage, 0, sizeof garbage);
    check_not_socket (garbage, "zeroed socket");
    memset (garbage, 0xA5, sizeof garbage);
    check_not_socket (garbage, "garbage socket");

    /* a context handle is not a socket */
    void *ctx = zmq_ctx_new ();
    check_not_socket (ctx, "context as socket");

    /* NULL and garbage contexts */
    errno = 0;
    TEST_ASSERT (zmq_socket (NULL, ZMQ_PAIR) == NULL);
    TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
    TEST_ERRNO (EFAULT, zmq_ctx_set (NULL, ZMQ_IO_THREADS, 1));
    TEST_ERRNO (EFAULT, zmq_ctx_get (NULL, ZMQ_IO_THREADS));
    TEST_ERRNO (EFAULT, zmq_ctx_shutdown (NULL));
    TEST_ERRNO (EFAULT, zmq_ctx_term (NULL));
    errno = 0;
    TEST_ASSERT (zmq_socket (garbage, ZMQ_PAIR) == NULL);
    TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
    TEST_ERRNO (EFAULT, zmq_ctx_get (garbage, ZMQ_IO_THREADS));
    TEST_ERRNO (EFAULT, zmq_ctx_set (garbage, ZMQ_IO_THREADS, 1));

    /* a socket handle is not a context */
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    errno = 0;
    TEST_ASSERT (zmq_socket (s, ZMQ_PAIR) == NULL);
    TEST_ASSERT_EQ_INT (EFAULT, zmq_errno ());
    TEST_ERRNO (EFAULT, zmq_ctx_get (s, ZMQ_IO_THREADS));
    TEST_OK (zmq_close (s));

    /* bad socket types */
    static const int bad_types[] = {-1, 99, 1000, 0x7fffffff};
    for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
        errno = 0;
        void *b = zmq_socket (ctx, bad_types[i]);
        if (b != NULL || zmq_errno () != EINVAL)
            TEST_FAIL ("zmq_socket(type %d): expected NULL/EINVAL, got %p errno %d",
                       bad_types[i], b, zmq_errno ());
    }
    TEST_OK (zmq_ctx_term (ctx));
}

static void test_pattern_errors (void *ctx)
{
    char buf[16];
    /* ENOTSUP: wrong direction */
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_ERRNO (ENOTSUP, zmq_send (sub, "x", 1, 0));
    TEST_ERRNO (ENOTSUP, zmq_send (sub, "x", 1, ZMQ_DONTWAIT));
    TEST_ERRNO (ENOTSUP, zmq_recv (pub, buf, sizeof buf, 0));
    TEST_ERRNO (ENOTSUP, zmq_recv (pub, buf, sizeof buf, ZMQ_DONTWAIT));
    TEST_ERRNO (ENOTSUP, zmq_recv (push, buf, sizeof buf, 0));
    TEST_ERRNO (ENOTSUP, zmq_send (pull, "x", 1, 0));
    {
        zmq_msg_t m;
        TEST_OK (zmq_msg_init (&m));
        TEST_ERRNO (ENOTSUP, zmq_msg_recv (&m, pub, 0));
        TEST_OK (zmq_msg_close (&m));
    }

    /* EAGAIN with DONTWAIT */
    TEST_ERRNO (EAGAIN, zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT));
    TEST_ERRNO (EAGAIN, zmq_send (push, "x", 1, ZMQ_DONTWAIT));
    TEST_ERRNO (EAGAIN, zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT));
    /* PUB without subscribers drops silently: no error */
    TEST_ASSERT_EQ_INT (1, zmq_send (pub, "x", 1, ZMQ_DONTWAIT));
    close_zero (sub);
    close_zero (pub);
    close_zero (push);
    close_zero (pull);

    /* EFSM */
    void *req = zmq_socket (ctx, ZMQ_REQ);
    void *rep = zmq_socket (ctx, ZMQ_REP);
    TEST_ERRNO (EFSM, zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT));
    TEST_ERRNO (EFSM, zmq_recv (req, buf, sizeof buf, 0));
    TEST_ERRNO (EFSM, zmq_send (rep, "x", 1, 0));
    TEST_OK (zmq_bind (rep, "inproc://errno-reqrep"));
    TEST_OK (zmq_connect (req, "inproc://errno-reqrep"));
    send_str (req, "q", 0);
    TEST_ERRNO (EFSM, zmq_send (req, "q2", 2, 0));
    TEST_ERRNO (EFSM, zmq_send (req, "q2", 2, ZMQ_DONTWAIT));
    set_rcvtimeo (rep, 2000);
    recv_str (rep, "q");
    TEST_ERRNO (EFSM, zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT));
    send_str (rep, "a", 0);
    TEST_ERRNO (EFSM, zmq_send (rep, "a2", 2, 0));
    set_rcvtimeo (req, 2000);
    recv_str (req, "a");
    /* the cycle starts over */
    TEST_ERRNO (EFSM, zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT));
    close_zero (req);
    close_zero (rep);

    /* EHOSTUNREACH with ROUTER_MANDATORY */
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    TEST_ASSERT_EQ_INT (6, zmq_send (router, "nobody", 6, ZMQ_SNDMORE));
    TEST_ASSERT_EQ_INT (1, zmq_send (router, "x", 1, 0)); /* dropped */
    int one = 1;
    TEST_OK (zmq_setsockopt (router, ZMQ_ROUTER_MANDATORY, &one, sizeof one));
    TEST_ERRNO (EHOSTUNREACH, zmq_send (router, "nobody", 6, ZMQ_SNDMORE));
    TEST_ERRNO (EHOSTUNREACH, zmq_send (router, "nobody", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT));
    /* a known peer is reachable */
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    TEST_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D1", 2));
    TEST_OK (zmq_bind (router, "inproc://errno-router"));
    TEST_OK (zmq_connect (dealer, "inproc://errno-router"));
    send_str (dealer, "hello", 0);
    set_rcvtimeo (router, 2000);
    recv_str (router, "D1");
    recv_str (router, "hello");
    TEST_ASSERT_EQ_INT (2, zmq_send (router, "D1", 2, ZMQ_SNDMORE));
    TEST_ASSERT_EQ_INT (2, zmq_send (router, "ok", 2, 0));
    set_rcvtimeo (dealer, 2000);
    recv_str (dealer, "ok");
    TEST_ERRNO (EHOSTUNREACH, zmq_send (router, "D2", 2, ZMQ_SNDMORE));
    close_zero (dealer);
    close_zero (router);
}

static void test_endpoint_errors (void *ctx)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    /* udp:// is for RADIO/DISH only: libzmq says ENOCOMPATPROTO. A library
     * without UDP at all (Rampart may leave this draft transport out) may
     * say EPROTONOSUPPORT instead. */
    for (int i = 0; i < 2; i++) {
        int rc = i == 0 ? zmq_connect (push, "udp://127.0.0.1:5555")
                        : zmq_bind (push, "udp://127.0.0.1:*");
        int en = zmq_errno ();
        TEST_ASSERT_EQ_INT (-1, rc);
        if (en != ENOCOMPATPROTO && !(is_rampart () && en == EPROTONOSUPPORT))
            TEST_FAIL ("udp:// on a PUSH (%s): expected ENOCOMPATPROTO, got "
                       "errno %d (%s)",
                       i == 0 ? "connect" : "bind", en, zmq_strerror (en));
    }
    if (zmq_has ("pgm"))
        TEST_ERRNO (ENOCOMPATPROTO, zmq_connect (req, "pgm://127.0.0.1;239.192.1.1:5555"));
    else
        TEST_ERRNO (EPROTONOSUPPORT, zmq_connect (req, "pgm://127.0.0.1;239.192.1.1:5555"));
    TEST_ERRNO (EPROTONOSUPPORT, zmq_connect (push, "foo://bar"));
    TEST_ERRNO (EPROTONOSUPPORT, zmq_bind (push, "foo://bar"));
    TEST_ERRNO (EINVAL, zmq_connect (push, "tcp://"));
    TEST_ERRNO (EINVAL, zmq_connect (push, "127.0.0.1:5555"));
    TEST_ERRNO (EINVAL, zmq_bind (push, "no-scheme"));
    TEST_ERRNO (ENOENT, zmq_unbind (push, "inproc://errno-never-bound"));
    TEST_ERRNO (ENOENT, zmq_disconnect (push, "tcp://127.0.0.1:1"));
    close_zero (push);
    close_zero (req);
}

static void test_msg_errors (void)
{
    zmq_msg_t m;
    TEST_ERRNO (ENOMEM, zmq_msg_init_size (&m, SIZE_MAX / 2));
    TEST_ERRNO (ENOMEM, zmq_msg_init_size (&m, SIZE_MAX - 100));
    TEST_ERRNO (ENOMEM, zmq_msg_init_size (&m, (size_t) 1 << 50));
    TEST_OK (zmq_msg_init (&m));
    TEST_ERRNO (EINVAL, zmq_msg_get (&m, 9999));
    TEST_OK (zmq_msg_close (&m));
}

static void test_eterm (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PULL);
    TEST_OK (zmq_ctx_shutdown (ctx));
    char buf[8];
    TEST_ERRNO (ETERM, zmq_recv (s, buf, sizeof buf, 0));
    TEST_ASSERT_EQ_INT (ETERM, errno);
    errno = 0;
    TEST_ASSERT (zmq_socket (ctx, ZMQ_PUSH) == NULL);
    TEST_ASSERT_EQ_INT (ETERM, zmq_errno ());
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    test_watchdog (30);
    test_errno_and_strerror ();
    test_bad_handles ();
    void *ctx = zmq_ctx_new ();
    test_pattern_errors (ctx);
    test_endpoint_errors (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    test_msg_errors ();
    test_eterm ();
    return 0;
}
