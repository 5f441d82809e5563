/* ZMQ_ROUTER_RAW (deprecated, ROUTER only): a ROUTER whose peers are raw
 * TCP connections, as libzmq does it.
 *
 * Checks: the option is write-only, takes any non-negative int, is refused
 * with a wrong size and on non-router types (REP, a ROUTER underneath in
 * libzmq, accepts it); a raw ROUTER sees a plain TCP client connect as
 * [id, ""], its bytes as [id, data], can write bytes back with [id, data],
 * hangs up with [id, ""], sees a disconnect as [id, ""]; it connects out to
 * a plain TCP server without ZMTP; unroutable messages are dropped silently,
 * or EHOSTUNREACH with ROUTER_MANDATORY (set before or after ROUTER_RAW). */
#include "testutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

static int tcp_client (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    TEST_ASSERT (colon);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_port = htons ((uint16_t) atoi (colon + 1));
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT (fd >= 0);
    TEST_ASSERT (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    return fd;
}

/* Reads what the peer sent within `ms` (0 bytes = orderly close). */
#define read_some(fd, buf, cap, ms) read_some_at (__LINE__, fd, buf, cap, ms)
static int read_some_at (int line, int fd, char *buf, size_t cap, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll (&p, 1, ms) != 1)
        TEST_FAIL ("line %d: nothing to read within %d ms", line, ms);
    return (int) recv (fd, buf, cap, 0);
}

/* Waits for the peer to close `fd`. libzmq closes the connection only once
 * the ROUTER has processed the pipe's termination handshake, so keep asking
 * for ZMQ_EVENTS (which processes pending commands) meanwhile. */
static int read_eof (void *r, int fd, int ms)
{
    char buf[64];
    for (int waited = 0; waited < ms; waited += 20) {
        int ev;
        size_t len = sizeof ev;
        TEST_OK (zmq_getsockopt (r, ZMQ_EVENTS, &ev, &len));
        struct pollfd p = {fd, POLLIN, 0};
        if (poll (&p, 1, 20) == 1)
            return (int) recv (fd, buf, sizeof buf, 0);
    }
    TEST_FAIL ("the raw router did not hang up within %d ms", ms);
    return -1;
}

/* Receives [id, body] and returns the id's length (copied into id). */
static size_t recv_pair (void *s, unsigned char *id, const char *body)
{
    int n = zmq_recv (s, id, 256, 0);
    if (n < 0)
        TEST_FAIL ("recv id: %s", zmq_strerror (zmq_errno ()));
    int more = 0;
    size_t len = sizeof more;
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &len));
    TEST_ASSERT (more);
    recv_str (s, body);
    TEST_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &len));
    TEST_ASSERT (!more);
    return (size_t) n;
}

static void send_pair (void *s, const unsigned char *id, size_t idlen, const char *body)
{
    TEST_ASSERT (zmq_send (s, id, idlen, ZMQ_SNDMORE) == (int) idlen);
    TEST_ASSERT (zmq_send (s, body, strlen (body), 0) == (int) strlen (body));
}

static void option_rules (void *ctx)
{
    int types[] = {ZMQ_PAIR, ZMQ_PUB,  ZMQ_SUB,  ZMQ_REQ,  ZMQ_DEALER,
                   ZMQ_PULL, ZMQ_PUSH, ZMQ_XPUB, ZMQ_XSUB, ZMQ_STREAM};
    int one = 1, minus = -1;
    int64_t wide = 1;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *s = zmq_socket (ctx, types[i]);
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_ROUTER_RAW, &one, sizeof one));
        close_zero (s);
    }
    int routers[] = {ZMQ_ROUTER, ZMQ_REP};
    for (int i = 0; i < 2; i++) {
        void *s = zmq_socket (ctx, routers[i]);
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_ROUTER_RAW, &minus, sizeof minus));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_ROUTER_RAW, &wide, sizeof wide));
        int big = 7;
        TEST_OK (zmq_setsockopt (s, ZMQ_ROUTER_RAW, &big, sizeof big));
        int v;
        size_t len = sizeof v;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_ROUTER_RAW, &v, &len));
        close_zero (s);
    }
}

static void raw_listener (void *ctx, int mandatory_first)
{
    void *r = zmq_socket (ctx, ZMQ_ROUTER);
    int one = 1;
    if (mandatory_first)
        set_int (r, ZMQ_ROUTER_MANDATORY, 1);
    TEST_OK (zmq_setsockopt (r, ZMQ_ROUTER_RAW, &one, sizeof one));
    if (!mandatory_first)
        set_int (r, ZMQ_ROUTER_MANDATORY, 1);
    set_rcvtimeo (r, 5000);
    char ep[128];
    bind_ephemeral (r, "tcp://127.0.0.1:*", ep, sizeof ep);

    /* Unroutable with ROUTER_MANDATORY. */
    TEST_ERRNO (EHOSTUNREACH, zmq_send (r, "nobody", 6, ZMQ_SNDMORE));

    int fd = tcp_client (ep);
    unsigned char id[256];
    size_t idlen = recv_pair (r, id, ""); /* the connect notification */
    TEST_ASSERT (idlen > 0);

    /* No ZMTP greeting comes from a raw router. */
    struct pollfd p = {fd, POLLIN, 0};
    TEST_ASSERT_EQ_INT (0, poll (&p, 1, 200));

    TEST_ASSERT (send (fd, "GET /\r\n", 7, 0) == 7);
    unsigned char id2[256];
    size_t id2len = recv_pair (r, id2, "GET /\r\n");
    TEST_ASSERT (id2len == idlen && memcmp (id, id2, idlen) == 0);

    send_pair (r, id, idlen, "HTTP/1.0 200 OK\r\n");
    char buf[256];
    int n = read_some (fd, buf, sizeof buf, 5000);
    TEST_ASSERT_EQ_INT (17, n);
    TEST_ASSERT (memcmp (buf, "HTTP/1.0 200 OK\r\n", 17) == 0);

    /* [id, ""] hangs up. */
    send_pair (r, id, idlen, "");
    n = read_eof (r, fd, 5000);
    TEST_ASSERT_EQ_INT (0, n);
    close (fd);

    /* A second client that hangs up itself: connect, then disconnect
     * notifications. */
    fd = tcp_client (ep);
    idlen = recv_pair (r, id, "");
    close (fd);
    id2len = recv_pair (r, id2, "");
    TEST_ASSERT (id2len == idlen && memcmp (id, id2, idlen) == 0);
    close_zero (r);
}

static void raw_connecter (void *ctx)
{
    /* A plain TCP server. */
    int lfd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    TEST_ASSERT (bind (lfd, (struct sockaddr *) &a, sizeof a) == 0);
    TEST_ASSERT (listen (lfd, 4) == 0);
    socklen_t alen = sizeof a;
    TEST_ASSERT (getsockname (lfd, (struct sockaddr *) &a, &alen) == 0);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", ntohs (a.sin_port));

    void *r = zmq_socket (ctx, ZMQ_ROUTER);
    int one = 1;
    TEST_OK (zmq_setsockopt (r, ZMQ_ROUTER_RAW, &one, sizeof one));
    set_rcvtimeo (r, 5000);
    /* Unroutable without ROUTER_MANDATORY: dropped, no error. */
    TEST_ASSERT (zmq_send (r, "nobody", 6, ZMQ_SNDMORE) == 6);
    TEST_ASSERT (zmq_send (r, "x", 1, 0) == 1);
    TEST_OK (zmq_connect (r, ep));

    struct pollfd p = {lfd, POLLIN, 0};
    TEST_ASSERT (poll (&p, 1, 5000) == 1);
    int fd = accept (lfd, NULL, NULL);
    TEST_ASSERT (fd >= 0);
    unsigned char id[256];
    size_t idlen = recv_pair (r, id, "");
    send_pair (r, id, idlen, "ping");
    char buf[64];
    int n = read_some (fd, buf, sizeof buf, 5000);
    /* Nothing but the bytes: no ZMTP signature first. */
    TEST_ASSERT_EQ_INT (4, n);
    TEST_ASSERT (memcmp (buf, "ping", 4) == 0);
    TEST_ASSERT (send (fd, "pong", 4, 0) == 4);
    unsigned char id2[256];
    size_t id2len = recv_pair (r, id2, "pong");
    TEST_ASSERT (id2len == idlen && memcmp (id, id2, idlen) == 0);
    close (fd);
    close (lfd);
    close_zero (r);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    option_rules (ctx);
    raw_listener (ctx, 1);
    raw_listener (ctx, 0);
    raw_connecter (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
