/* The less common stable options, with libzmq 4.3.5's defaults, set/get
 * round trips and EINVAL cases, and what they do:
 * - ZMQ_SOCKS_PROXY / ZMQ_SOCKS_USERNAME (99) / ZMQ_SOCKS_PASSWORD (100):
 *   default "", NULL clears, "" with a non-NULL pointer is EINVAL for the
 *   proxy but clears the credentials, 255-byte limit on credentials;
 * - ZMQ_BINDTODEVICE: up to 16 bytes, "" non-NULL EINVAL, NULL clears;
 * - ZMQ_LOOPBACK_FASTPATH (94) default 0 and ZMQ_MULTICAST_LOOP (96)
 *   default 1: any int is a bool, read back as 0/1;
 * - ZMQ_USE_FD: default -1, -2 EINVAL; a pre-made tcp and ipc listening
 *   socket is used by zmq_bind (the ipc file is the application's and is
 *   still there after zmq_unbind); Rampart refuses a second bind with the
 *   same fd while the first owns it;
 * - ZMQ_TCP_ACCEPT_FILTER: address/CIDR parsing (EINVAL for names, /33,
 *   "", empty mask, IPv6 without ZMQ_IPV6), write-only; a non-matching
 *   filter keeps a tcp peer out, a matching one (or none after NULL)
 *   lets it in;
 * - ZMQ_IPC_FILTER_UID/_GID/_PID: 4-byte values, NULL clears, other sizes
 *   EINVAL, write-only; our uid/gid/pid let an ipc peer in, others don't;
 * - getsockopt into a larger buffer: RCVMORE into an int64 reads as that
 *   int (the rest zeroed), a string's tail is zeroed; MAXMSGSIZE still
 *   wants exactly 8 bytes;
 * - HEARTBEAT_TTL -1 (read as 0 deciseconds), INVERT_MATCHING 2 (read 1);
 * - GSSAPI options are EINVAL on Rampart (a libzmq built without GSSAPI);
 * - zmq_msg_get (ZMQ_SRCFD) on a tcp message is the connection's fd. */
#include "testutil.h"
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/un.h>

#define OPT_LOOPBACK_FASTPATH 94
#define OPT_MULTICAST_LOOP 96
#define OPT_SOCKS_USERNAME 99
#define OPT_SOCKS_PASSWORD 100

static void get_str_is (void *s, int opt, const char *expected)
{
    char buf[300];
    size_t len = sizeof buf;
    TEST_OK (zmq_getsockopt (s, opt, buf, &len));
    TEST_ASSERT_EQ_INT (strlen (expected) + 1, len);
    if (strcmp (buf, expected) != 0)
        TEST_FAIL ("option %d is '%s', expected '%s'", opt, buf, expected);
}

static void test_string_options (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT (s);
    get_str_is (s, ZMQ_SOCKS_PROXY, "");
    get_str_is (s, OPT_SOCKS_USERNAME, "");
    get_str_is (s, OPT_SOCKS_PASSWORD, "");
    get_str_is (s, ZMQ_BINDTODEVICE, "");

    TEST_OK (zmq_setsockopt (s, ZMQ_SOCKS_PROXY, "host:1080", 9));
    get_str_is (s, ZMQ_SOCKS_PROXY, "host:1080");
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_SOCKS_PROXY, "", 0));
    get_str_is (s, ZMQ_SOCKS_PROXY, "host:1080");
    TEST_OK (zmq_setsockopt (s, ZMQ_SOCKS_PROXY, NULL, 0));
    get_str_is (s, ZMQ_SOCKS_PROXY, "");

    char big[300];
    memset (big, 'u', sizeof big);
    for (int opt = OPT_SOCKS_USERNAME; opt <= OPT_SOCKS_PASSWORD; opt++) {
        TEST_OK (zmq_setsockopt (s, opt, "someone", 7));
        get_str_is (s, opt, "someone");
        TEST_OK (zmq_setsockopt (s, opt, "", 0));
        get_str_is (s, opt, "");
        TEST_OK (zmq_setsockopt (s, opt, big, 255));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, opt, big, 256));
        TEST_OK (zmq_setsockopt (s, opt, NULL, 0));
        get_str_is (s, opt, "");
    }

    TEST_OK (zmq_setsockopt (s, ZMQ_BINDTODEVICE, "lo", 2));
    get_str_is (s, ZMQ_BINDTODEVICE, "lo");
    TEST_OK (zmq_setsockopt (s, ZMQ_BINDTODEVICE, big, 16));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_BINDTODEVICE, big, 17));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_BINDTODEVICE, "", 0));
    TEST_OK (zmq_setsockopt (s, ZMQ_BINDTODEVICE, NULL, 0));
    get_str_is (s, ZMQ_BINDTODEVICE, "");

    /* A string read into a larger buffer: the tail is zeroed. */
    TEST_OK (zmq_setsockopt (s, ZMQ_SOCKS_PROXY, "ab:1", 4));
    char buf[32];
    memset (buf, 'Z', sizeof buf);
    size_t len = sizeof buf;
    TEST_OK (zmq_getsockopt (s, ZMQ_SOCKS_PROXY, buf, &len));
    TEST_ASSERT_EQ_INT (5, len);
    for (size_t i = 5; i < sizeof buf; i++)
        TEST_ASSERT_EQ_INT (0, buf[i]);
    /* ... and a short one is EINVAL. */
    len = 3;
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_SOCKS_PROXY, buf, &len));
    close_zero (s);
}

static void test_bool_and_int_options (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_SUB);
    TEST_ASSERT (s);
    TEST_ASSERT_EQ_INT (0, get_int (s, OPT_LOOPBACK_FASTPATH));
    TEST_ASSERT_EQ_INT (1, get_int (s, OPT_MULTICAST_LOOP));
    set_int (s, OPT_LOOPBACK_FASTPATH, 5);
    TEST_ASSERT_EQ_INT (1, get_int (s, OPT_LOOPBACK_FASTPATH));
    set_int (s, OPT_MULTICAST_LOOP, 0);
    TEST_ASSERT_EQ_INT (0, get_int (s, OPT_MULTICAST_LOOP));
    set_int (s, OPT_MULTICAST_LOOP, -3);
    TEST_ASSERT_EQ_INT (1, get_int (s, OPT_MULTICAST_LOOP));
    int64_t wide = 1;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, OPT_MULTICAST_LOOP, &wide, sizeof wide));

    TEST_ASSERT_EQ_INT (-1, get_int (s, ZMQ_USE_FD));
    set_int (s, ZMQ_USE_FD, 7);
    TEST_ASSERT_EQ_INT (7, get_int (s, ZMQ_USE_FD));
    int v = -2;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_USE_FD, &v, sizeof v));
    set_int (s, ZMQ_USE_FD, -1);

    set_int (s, ZMQ_HEARTBEAT_TTL, -1);
    TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_HEARTBEAT_TTL));
    v = -100;
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_HEARTBEAT_TTL, &v, sizeof v));
    set_int (s, ZMQ_INVERT_MATCHING, 2);
    TEST_ASSERT_EQ_INT (1, get_int (s, ZMQ_INVERT_MATCHING));

    /* An int read into an int64 comes out as that int. */
    int64_t more;
    memset (&more, 0xff, sizeof more);
    size_t len = sizeof more;
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &len));
    TEST_ASSERT_EQ_INT (sizeof (int), len);
    TEST_ASSERT_EQ_INT (0, more);
    /* ... but option values proper want their exact size. */
    len = 16;
    char buf[16];
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_MAXMSGSIZE, buf, &len));
    len = sizeof (int64_t);
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_LINGER, buf, &len));
    /* GSSAPI: Rampart is a libzmq built without it (Debian's has it). */
    if (is_rampart ()) {
        int gss[] = {ZMQ_GSSAPI_SERVER, ZMQ_GSSAPI_PRINCIPAL,
                     ZMQ_GSSAPI_SERVICE_PRINCIPAL, ZMQ_GSSAPI_PLAINTEXT,
                     ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
                     ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE};
        TEST_ASSERT (!zmq_has ("gssapi"));
        for (int i = 0; i < 6; i++) {
            v = 0;
            TEST_ERRNO (EINVAL, zmq_setsockopt (s, gss[i], &v, sizeof v));
            len = sizeof v;
            TEST_ERRNO (EINVAL, zmq_getsockopt (s, gss[i], &v, &len));
        }
    }
    close_zero (s);
}

static void test_filter_options (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT (s);
    const char *good[] = {"127.0.0.1", "127.0.0.1/8", "10.0.0.0/0", "192.168.1.1/32",
                          "127.1"};
    const char *bad[] = {"localhost", "127.0.0.1/33", "10.0.0.0/", "::1",
                         "10.0.0.0/-1", " 10.0.0.1", "1.2.3.4.5", "256.1.1.1"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        TEST_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, good[i], strlen (good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, bad[i], strlen (bad[i])) != -1
            || zmq_errno () != EINVAL)
            TEST_FAIL ("filter '%s' accepted", bad[i]);
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "", 0));
    TEST_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, NULL, 0));
    set_int (s, ZMQ_IPV6, 1);
    TEST_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "::1", 3));
    TEST_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "fe80::/10", 9));
    TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "::1/129", 7));
    char buf[64];
    size_t len = sizeof buf;
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_TCP_ACCEPT_FILTER, buf, &len));

    int ids[] = {ZMQ_IPC_FILTER_UID, ZMQ_IPC_FILTER_GID, ZMQ_IPC_FILTER_PID};
    for (int i = 0; i < 3; i++) {
        uint32_t id = 12345;
        TEST_OK (zmq_setsockopt (s, ids[i], &id, sizeof id));
        TEST_OK (zmq_setsockopt (s, ids[i], NULL, 0));
        uint64_t wide = 1;
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ids[i], &wide, sizeof wide));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ids[i], &id, 0));
        len = sizeof id;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, ids[i], &id, &len));
    }
    close_zero (s);
}

/* Whether a PAIR connected to a PAIR bound at `ep` (with `filter` applied
 * to the bound one first) can exchange a message within `ms`. */
typedef void (*filter_fn) (void *bound);

static int connects (void *ctx, const char *transport, filter_fn filter, int ms)
{
    void *b = zmq_socket (ctx, ZMQ_PAIR);
    void *c = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT (b && c);
    if (filter)
        filter (b);
    char ep[256];
    if (strcmp (transport, "tcp") == 0) {
        bind_ephemeral (b, "tcp://127.0.0.1:*", ep, sizeof ep);
    } else {
        static int n;
        char tag[32];
        snprintf (tag, sizeof tag, "filter%d", n++);
        make_ipc_endpoint (ep, sizeof ep, tag);
        ipc_track (ep);
        TEST_OK (zmq_bind (b, ep));
    }
    set_int (c, ZMQ_RECONNECT_IVL, -1);
    TEST_OK (zmq_connect (c, ep));
    set_int (c, ZMQ_SNDTIMEO, ms);
    set_rcvtimeo (b, ms);
    int ok = 0;
    if (zmq_send (c, "hi", 2, 0) == 2) {
        char buf[8];
        ok = zmq_recv (b, buf, sizeof buf, 0) == 2;
    }
    close_zero (c);
    close_zero (b);
    return ok;
}

static void filter_other_host (void *b)
{
    TEST_OK (zmq_setsockopt (b, ZMQ_TCP_ACCEPT_FILTER, "127.0.0.2", 9));
}
static void filter_loopback_net (void *b)
{
    filter_other_host (b);
    TEST_OK (zmq_setsockopt (b, ZMQ_TCP_ACCEPT_FILTER, "127.0.0.0/8", 11));
}
static void filter_cleared (void *b)
{
    filter_other_host (b);
    TEST_OK (zmq_setsockopt (b, ZMQ_TCP_ACCEPT_FILTER, NULL, 0));
}
static void filter_my_uid (void *b)
{
    uid_t u = getuid ();
    TEST_OK (zmq_setsockopt (b, ZMQ_IPC_FILTER_UID, &u, sizeof u));
}
static void filter_other_uid (void *b)
{
    uid_t u = getuid () + 1;
    TEST_OK (zmq_setsockopt (b, ZMQ_IPC_FILTER_UID, &u, sizeof u));
}
static void filter_my_gid (void *b)
{
    filter_other_uid (b);
    gid_t g = getgid ();
    TEST_OK (zmq_setsockopt (b, ZMQ_IPC_FILTER_GID, &g, sizeof g));
}
static void filter_my_pid (void *b)
{
    filter_other_uid (b);
    pid_t p = getpid ();
    TEST_OK (zmq_setsockopt (b, ZMQ_IPC_FILTER_PID, &p, sizeof p));
}
static void filter_other_pid (void *b)
{
    pid_t p = getpid () + 1;
    TEST_OK (zmq_setsockopt (b, ZMQ_IPC_FILTER_PID, &p, sizeof p));
}

static void test_filters_at_work (void *ctx)
{
    TEST_ASSERT (connects (ctx, "tcp", NULL, 3000));
    TEST_ASSERT (!connects (ctx, "tcp", filter_other_host, 300));
    TEST_ASSERT (connects (ctx, "tcp", filter_loopback_net, 3000));
    TEST_ASSERT (connects (ctx, "tcp", filter_cleared, 3000));
    TEST_ASSERT (connects (ctx, "ipc", filter_my_uid, 3000));
    TEST_ASSERT (!connects (ctx, "ipc", filter_other_uid, 300));
    TEST_ASSERT (connects (ctx, "ipc", filter_my_gid, 3000));
    TEST_ASSERT (connects (ctx, "ipc", filter_my_pid, 3000));
    TEST_ASSERT (!connects (ctx, "ipc", filter_other_pid, 300));
}

static void bounce (void *b, void *c)
{
    set_rcvtimeo (b, 5000);
    set_rcvtimeo (c, 5000);
    send_str (c, "ping", 0);
    recv_str (b, "ping");
    send_str (b, "pong", 0);
    recv_str (c, "pong");
}

static void test_use_fd (void *ctx)
{
    /* tcp */
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT (fd >= 0);
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    TEST_ASSERT (bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0);
    TEST_ASSERT (listen (fd, 16) == 0);
    socklen_t sl = sizeof sa;
    TEST_ASSERT (getsockname (fd, (struct sockaddr *) &sa, &sl) == 0);
    char ep[256];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", ntohs (sa.sin_port));
    void *b = zmq_socket (ctx, ZMQ_PAIR);
    void *c = zmq_socket (ctx, ZMQ_PAIR);
    set_int (b, ZMQ_USE_FD, fd);
    TEST_OK (zmq_bind (b, ep));
    char last[256];
    get_last_endpoint (b, last, sizeof last);
    TEST_ASSERT (strcmp (last, ep) == 0);
    TEST_OK (zmq_connect (c, ep));
    bounce (b, c);
    if (is_rampart ()) {
        /* The fd has an owner now: a second one is refused (libzmq would
         * take it again and close it twice). */
        void *b2 = zmq_socket (ctx, ZMQ_PAIR);
        set_int (b2, ZMQ_USE_FD, fd);
        TEST_ERRNO (EINVAL, zmq_bind (b2, ep));
        close_zero (b2);
    }
    close_zero (c);
    close_zero (b);

    /* ipc */
    char path[108];
    snprintf (path, sizeof path, "/tmp/rampart-usefd-%d", (int) getpid ());
    unlink (path);
    fd = socket (AF_UNIX, SOCK_STREAM, 0);
    TEST_ASSERT (fd >= 0);
    struct sockaddr_un su;
    memset (&su, 0, sizeof su);
    su.sun_family = AF_UNIX;
    strcpy (su.sun_path, path);
    TEST_ASSERT (bind (fd, (struct sockaddr *) &su, sizeof su) == 0);
    TEST_ASSERT (listen (fd, 16) == 0);
    snprintf (ep, sizeof ep, "ipc://%s", path);
    b = zmq_socket (ctx, ZMQ_PAIR);
    c = zmq_socket (ctx, ZMQ_PAIR);
    set_int (b, ZMQ_USE_FD, fd);
    TEST_OK (zmq_bind (b, ep));
    TEST_OK (zmq_connect (c, ep));
    bounce (b, c);
    TEST_OK (zmq_unbind (b, ep));
    test_sleep_ms (100);
    struct stat st;
    TEST_ASSERT (stat (path, &st) == 0); /* the application's file stays */
    TEST_ASSERT (unlink (path) == 0);
    close_zero (c);
    close_zero (b);
}

static void test_srcfd (void *ctx)
{
    void *b = zmq_socket (ctx, ZMQ_PULL);
    void *c = zmq_socket (ctx, ZMQ_PUSH);
    char ep[256];
    bind_ephemeral (b, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_OK (zmq_connect (c, ep));
    set_rcvtimeo (b, 5000);
    send_str (c, "x", 0);
    zmq_msg_t m;
    zmq_msg_init (&m);
    TEST_ASSERT_EQ_INT (1, zmq_msg_recv (&m, b, 0));
    int fd = zmq_msg_get (&m, ZMQ_SRCFD);
    TEST_ASSERT (fd >= 0);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    TEST_ASSERT (getpeername (fd, (struct sockaddr *) &peer, &pl) == 0);
    TEST_ASSERT_EQ_INT (htonl (INADDR_LOOPBACK), peer.sin_addr.s_addr);
    zmq_msg_close (&m);
    /* A message that never crossed a connection has none. */
    zmq_msg_init_size (&m, 3);
    TEST_ASSERT_EQ_INT (-1, zmq_msg_get (&m, ZMQ_SRCFD));
    zmq_msg_close (&m);
    close_zero (c);
    close_zero (b);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    test_string_options (ctx);
    test_bool_and_int_options (ctx);
    test_filter_options (ctx);
    test_filters_at_work (ctx);
    test_use_fd (ctx);
    test_srcfd (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
