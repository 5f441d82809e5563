/* tcp:// transport: endpoint syntax and lifecycle.
 *
 * Checks: wildcard port "*" and port 0 resolve to a real port in
 * ZMQ_LAST_ENDPOINT; "*" host and an interface name ("lo"); source address
 * "tcp://src;dst" on connect (address and explicit port); IPv6 [::1] with
 * ZMQ_IPV6 (skipped if the host has no ::1); EADDRINUSE; unbind via the
 * LAST_ENDPOINT string (a wildcard string is ENOENT) and rebinding; disconnect;
 * connect before bind (queued messages are delivered); EINVAL, ENODEV,
 * EADDRNOTAVAIL and EPROTONOSUPPORT for bad endpoints. */
#include "testutil.h"
#include "rawzmtp.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Returns the port of "tcp://host:port" (host may be [v6]). */
static int ep_port (const char *ep)
{
    int port = rz_endpoint_port (ep);
    TEST_ASSERT (port > 0 && port < 65536);
    return port;
}

static void round_trip (void *ctx, void *bound, const char *connect_ep)
{
    void *c = zmq_socket (ctx, ZMQ_PAIR);
    set_rcvtimeo (c, 5000);
    set_rcvtimeo (bound, 5000);
    TEST_OK (zmq_connect (c, connect_ep));
    send_str (c, "ping", 0);
    recv_s (bound, "ping", 0);
    send_str (bound, "pong", 0);
    recv_s (c, "pong", 0);
    close_zero (c);
}

static void test_wildcards (void *ctx)
{
    char ep[256], conn[256];

    void *s = zmq_socket (ctx, ZMQ_PAIR);
    bind_ephemeral (s, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_ASSERT (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);
    ep_port (ep);
    round_trip (ctx, s, ep);
    close_zero (s);

    /* Port 0 behaves like "*". */
    s = zmq_socket (ctx, ZMQ_PAIR);
    bind_ephemeral (s, "tcp://127.0.0.1:0", ep, sizeof ep);
    TEST_ASSERT (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);
    ep_port (ep);
    round_trip (ctx, s, ep);
    close_zero (s);

    /* "*" host: all interfaces, reported as 0.0.0.0. */
    s = zmq_socket (ctx, ZMQ_PAIR);
    bind_ephemeral (s, "tcp://*:*", ep, sizeof ep);
    TEST_ASSERT (strncmp (ep, "tcp://0.0.0.0:", 14) == 0);
    snprintf (conn, sizeof conn, "tcp://127.0.0.1:%d", ep_port (ep));
    round_trip (ctx, s, conn);
    close_zero (s);

    /* Interface name. */
    s = zmq_socket (ctx, ZMQ_PAIR);
    if (zmq_bind (s, "tcp://lo:*") == 0) {
        get_last_endpoint (s, ep, sizeof ep);
        TEST_ASSERT (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);
        round_trip (ctx, s, ep);
    } else {
        /* Only acceptable if this host has no "lo". */
        TEST_ASSERT_EQ_INT (ENODEV, zmq_errno ());
    }
    close_zero (s);

    /* LAST_ENDPOINT follows the most recent bind. */
    s = zmq_socket (ctx, ZMQ_PULL);
    char ep1[256], ep2[256];
    bind_ephemeral (s, "tcp://127.0.0.1:*", ep1, sizeof ep1);
    bind_ephemeral (s, "tcp://127.0.0.1:*", ep2, sizeof ep2);
    TEST_ASSERT (strcmp (ep1, ep2) != 0);
    get_last_endpoint (s, ep, sizeof ep);
    TEST_ASSERT (strcmp (ep, ep2) == 0);
    /* Too small a buffer: EINVAL. */
    char tiny[4];
    size_t tl = sizeof tiny;
    TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, tiny, &tl));
    /* Both endpoints accept connections. */
    void *p1 = zmq_socket (ctx, ZMQ_PUSH);
    void *p2 = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (p1, ep1));
    TEST_OK (zmq_connect (p2, ep2));
    set_rcvtimeo (s, 5000);
    send_str (p1, "via-1", 0);
    recv_s (s, "via-1", 0);
    send_str (p2, "via-2", 0);
    recv_s (s, "via-2", 0);
    /* libzmq also records connect endpoints in LAST_ENDPOINT (zmq_getsockopt(3)
     * only promises bound ones); a drop-in must do the same. */
    get_last_endpoint (p1, ep, sizeof ep);
    TEST_ASSERT (strcmp (ep, ep1) == 0);
    close_zero (p1);
    close_zero (p2);
    close_zero (s);

    /* A fresh socket has an empty LAST_ENDPOINT. */
    s = zmq_socket (ctx, ZMQ_PAIR);
    size_t len = sizeof ep;
    TEST_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
    TEST_ASSERT_EQ_INT (1, len);
    TEST_ASSERT_EQ_INT (0, ep[0]);
    close_zero (s);
}

static void test_source_address (void *ctx)
{
    char ep[256], conn[300];
    /* Source IP: the bound side sees 127.0.0.2 as Peer-Address. */
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    snprintf (conn, sizeof conn, "tcp://127.0.0.2:0;127.0.0.1:%d",
              ep_port (ep));
    TEST_OK (zmq_connect (push, conn));
    send_str (push, "from .2", 0);
    zmq_msg_t m;
    TEST_OK (zmq_msg_init (&m));
    TEST_ASSERT_EQ_INT (7, zmq_msg_recv (&m, pull, 0));
    TEST_ASSERT (memcmp (zmq_msg_data (&m), "from .2", 7) == 0);
    const char *pa = zmq_msg_gets (&m, "Peer-Address");
    TEST_ASSERT (pa && strcmp (pa, "127.0.0.2") == 0);
    TEST_OK (zmq_msg_close (&m));
    close_zero (push);

    /* Source IP and port: checked with a plain TCP listener. */
    int lport = 0;
    int lfd = rz_listen (&lport);
    TEST_ASSERT (lfd >= 0);
    int src_port = rz_free_port ();
    TEST_ASSERT (src_port > 0);
    push = zmq_socket (ctx, ZMQ_PUSH);
    snprintf (conn, sizeof conn, "tcp://127.0.0.3:%d;127.0.0.1:%d", src_port,
              lport);
    TEST_OK (zmq_connect (push, conn));
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int cfd = accept (lfd, (struct sockaddr *) &peer, &plen);
    TEST_ASSERT (cfd >= 0);
    char ip[64];
    inet_ntop (AF_INET, &peer.sin_addr, ip, sizeof ip);
    TEST_ASSERT (strcmp (ip, "127.0.0.3") == 0);
    TEST_ASSERT_EQ_INT (src_port, ntohs (peer.sin_port));
    close_zero (push);
    close (cfd);
    close (lfd);
    close_zero (pull);
}

static int have_ipv6_loopback (void)
{
    int fd = socket (AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in6 a;
    memset (&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    int ok = bind (fd, (struct sockaddr *) &a, sizeof a) == 0;
    close (fd);
    return ok;
}

static void test_ipv6 (void *ctx)
{
    if (!have_ipv6_loopback ()) {
        fprintf (stderr, "note: no ::1 on this host, IPv6 checks skipped\n");
        return;
    }
    char ep[256], conn[256];
    /* Without ZMQ_IPV6 the socket is IPv4 only. */
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    int v = -1;
    size_t sz = sizeof v;
    TEST_OK (zmq_getsockopt (s, ZMQ_IPV6, &v, &sz));
    TEST_ASSERT_EQ_INT (0, v);
    TEST_ASSERT_EQ_INT (-1, zmq_bind (s, "tcp://[::1]:*"));

    set_int (s, ZMQ_IPV6, 1);
    sz = sizeof v;
    TEST_OK (zmq_getsockopt (s, ZMQ_IPV6, &v, &sz));
    TEST_ASSERT_EQ_INT (1, v);
    bind_ephemeral (s, "tcp://[::1]:*", ep, sizeof ep);
    TEST_ASSERT (strncmp (ep, "tcp://[::1]:", 12) == 0);
    ep_port (ep);
    void *c = zmq_socket (ctx, ZMQ_PAIR);
    set_int (c, ZMQ_IPV6, 1);
    set_rcvtimeo (c, 5000);
    set_rcvtimeo (s, 5000);
    TEST_OK (zmq_connect (c, ep));
    send_str (c, "v6", 0);
    zmq_msg_t m;
    TEST_OK (zmq_msg_init (&m));
    TEST_ASSERT_EQ_INT (2, zmq_msg_recv (&m, s, 0));
    const char *pa = zmq_msg_gets (&m, "Peer-Address");
    TEST_ASSERT (pa && strcmp (pa, "::1") == 0);
    TEST_OK (zmq_msg_close (&m));
    close_zero (c);
    close_zero (s);

    /* "*" with IPv6 listens dual-stack: reported as [::], and both an IPv4
     * client (127.0.0.1) and an IPv6 client (::1) reach it. */
    s = zmq_socket (ctx, ZMQ_PULL);
    set_int (s, ZMQ_IPV6, 1);
    set_rcvtimeo (s, 5000);
    bind_ephemeral (s, "tcp://*:*", ep, sizeof ep);
    TEST_ASSERT (strncmp (ep, "tcp://[::]:", 11) == 0);
    void *c4 = zmq_socket (ctx, ZMQ_PUSH);
    snprintf (conn, sizeof conn, "tcp://127.0.0.1:%d", ep_port (ep));
    TEST_OK (zmq_connect (c4, conn));
    send_str (c4, "v4 to any", 0);
    recv_s (s, "v4 to any", 0);
    void *c6 = zmq_socket (ctx, ZMQ_PUSH);
    set_int (c6, ZMQ_IPV6, 1);
    snprintf (conn, sizeof conn, "tcp://[::1]:%d", ep_port (ep));
    TEST_OK (zmq_connect (c6, conn));
    send_str (c6, "v6 to any", 0);
    recv_s (s, "v6 to any", 0);
    close_zero (c4);
    close_zero (c6);
    close_zero (s);
}

static void test_addr_in_use_and_unbind (void *ctx)
{
    char ep[256], ep_again[256];
    void *a = zmq_socket (ctx, ZMQ_PULL);
    void *b = zmq_socket (ctx, ZMQ_PULL);
    bind_ephemeral (a, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_ERRNO (EADDRINUSE, zmq_bind (b, ep));
    TEST_ERRNO (EADDRINUSE, zmq_bind (a, ep));

    /* The wildcard string is not the endpoint; the resolved one is. */
    TEST_ERRNO (ENOENT, zmq_unbind (a, "tcp://127.0.0.1:*"));
    TEST_ERRNO (ENOENT, zmq_unbind (b, ep));
    TEST_OK (zmq_unbind (a, ep));
    TEST_ERRNO (ENOENT, zmq_unbind (a, ep));

    /* The port becomes free; the listener closes asynchronously, so allow
     * a bounded number of EADDRINUSE retries. */
    bind_retry (b, ep);
    get_last_endpoint (b, ep_again, sizeof ep_again);
    TEST_ASSERT (strcmp (ep, ep_again) == 0);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, ep));
    set_rcvtimeo (b, 5000);
    send_str (push, "rebound", 0);
    recv_s (b, "rebound", 0);
    close_zero (push);

    /* And the original socket may bind it again after b unbinds. */
    TEST_OK (zmq_unbind (b, ep));
    bind_retry (a, ep);
    close_zero (a);
    close_zero (b);
}

static void test_disconnect (void *ctx)
{
    char ep[256];
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_rcvtimeo (pull, 5000);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_OK (zmq_connect (push, ep));
    send_str (push, "before", 0);
    recv_s (pull, "before", 0);

    TEST_ERRNO (ENOENT, zmq_disconnect (push, "tcp://127.0.0.1:1"));
    TEST_OK (zmq_disconnect (push, ep));
    TEST_ERRNO (ENOENT, zmq_disconnect (push, ep));
    /* No peer left: a PUSH blocks. */
    TEST_ERRNO (EAGAIN, zmq_send (push, "x", 1, ZMQ_DONTWAIT));

    /* Reconnecting works. */
    TEST_OK (zmq_connect (push, ep));
    send_str (push, "after", 0);
    recv_s (pull, "after", 0);
    close_zero (push);
    close_zero (pull);
}

static void test_connect_before_bind (void *ctx)
{
    char ep[256];
    int port = rz_free_port ();
    TEST_ASSERT (port > 0);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    TEST_OK (zmq_connect (push, ep));
    /* Queued while nobody listens. */
    send_str (push, "early-1", 0);
    send_str (push, "early-2", ZMQ_SNDMORE);
    send_str (push, "early-3", 0);

    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    TEST_OK (zmq_bind (pull, ep));
    recv_s (pull, "early-1", 0);
    recv_s (pull, "early-2", 1);
    recv_s (pull, "early-3", 0);
    close_zero (push);
    close_zero (pull);
}

static void test_bad_endpoints (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    const char *invalid[] = {
      "tcp://127.0.0.1",     /* no port */
      "tcp://127.0.0.1:abc", /* port not a number */
      "tcp://127.0.0.1:",    /* empty port */
      "tcp://",              /* nothing */
      "tcp:/127.0.0.1:5555", /* malformed scheme separator */
      "127.0.0.1:5555",      /* no scheme */
      "",                    /* empty */
      NULL};
    for (int i = 0; invalid[i]; i++) {
        TEST_ERRNO (EINVAL, zmq_bind (s, invalid[i]));
        TEST_ERRNO (EINVAL, zmq_connect (s, invalid[i]));
    }
    /* Connecting needs a concrete port. */
    TEST_ERRNO (EINVAL, zmq_connect (s, "tcp://127.0.0.1:*"));
    /* Unknown transports. */
    TEST_ERRNO (EPROTONOSUPPORT, zmq_bind (s, "foo://127.0.0.1:5555"));
    TEST_ERRNO (EPROTONOSUPPORT, zmq_connect (s, "foo://127.0.0.1:5555"));
    TEST_ERRNO (EPROTONOSUPPORT, zmq_bind (s, "tcpx://127.0.0.1:*"));
    /* A host that is not a local address / an interface that does not
     * exist (192.0.2.0/24 is TEST-NET-1; nothing is sent). */
    TEST_ERRNO (EADDRNOTAVAIL, zmq_bind (s, "tcp://192.0.2.1:*"));
    TEST_ERRNO (ENODEV, zmq_bind (s, "tcp://nosuchif0:*"));
    /* The socket is still usable after all those errors. */
    char ep[256];
    bind_ephemeral (s, "tcp://127.0.0.1:*", ep, sizeof ep);
    round_trip (ctx, s, ep);
    close_zero (s);
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    test_wildcards (ctx);
    test_source_address (ctx);
    test_ipv6 (ctx);
    test_addr_in_use_and_unbind (ctx);
    test_disconnect (ctx);
    test_connect_before_bind (ctx);
    test_bad_endpoints (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
