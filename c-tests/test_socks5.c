/* ZMQ_SOCKS_PROXY through a tiny SOCKS5 proxy run by this test (one thread,
 * loopback only): a PULL connects through the proxy to a PUSH and gets its
 * messages, with and without username/password (ZMQ_SOCKS_USERNAME 99,
 * ZMQ_SOCKS_PASSWORD 100), with the target given as an IPv4 address (sent
 * as ATYP 1) and as a name (ATYP 3, resolved by the proxy). A proxy that
 * answers with the wrong version, refuses the CONNECT or rejects the
 * password gets nothing through, and the client keeps retrying without
 * harm (the proxy sees several attempts); a proxy that never answers is
 * given up on after HANDSHAKE_IVL and tried again. That part runs against
 * Rampart only, since libzmq 4.3.4 aborts (or waits for ever) there. */
#include "testutil.h"
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define OPT_SOCKS_USERNAME 99
#define OPT_SOCKS_PASSWORD 100

enum mode { NOAUTH, USERPASS, BAD_VERSION, REFUSE, BAD_PASSWORD, STALL };

struct proxy {
    int listen_fd;
    int port;
    enum mode mode;
    volatile int stop;
    /* What the proxy saw (written by its thread, read after join). */
    int attempts;
    int last_atyp;
    char last_name[256];
    int ok_auth;
    int stalled[64];
    int n_stalled;
};

static int read_full (int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll (&p, 1, 2000) <= 0)
            return -1;
        ssize_t r = recv (fd, (char *) buf + got, n - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t) r;
    }
    return 0;
}

static int write_full (int fd, const void *buf, size_t n)
{
    return send (fd, buf, n, MSG_NOSIGNAL) == (ssize_t) n ? 0 : -1;
}

static int connect_local (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    sa.sin_port = htons ((uint16_t) port);
    if (fd < 0 || connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0) {
        if (fd >= 0)
            close (fd);
        return -1;
    }
    return fd;
}

static void relay (struct proxy *px, int a, int b)
{
    char buf[4096];
    while (!px->stop) {
        struct pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        if (poll (p, 2, 50) < 0)
            return;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = recv (p[i].fd, buf, sizeof buf, 0);
            if (n <= 0 || write_full (p[1 - i].fd, buf, (size_t) n) != 0)
                return;
        }
    }
}

/* One client: negotiation as `mode` says, then relaying. */
static void serve (struct proxy *px, int c)
{
    unsigned char b[600];
    if (read_full (c, b, 2) || b[0] != 5 || read_full (c, b + 2, b[1]))
        return;
    int offered_userpass = memchr (b + 2, 2, b[1]) != NULL;
    if (px->mode == BAD_VERSION) {
        write_full (c, "\x04\x00", 2);
        return;
    }
    int userpass = px->mode == USERPASS || px->mode == BAD_PASSWORD;
    if (userpass != offered_userpass) {
        write_full (c, "\x05\xff", 2);
        return;
    }
    unsigned char choice[2] = {5, (unsigned char) (userpass ? 2 : 0)};
    if (write_full (c, choice, 2))
        return;
    if (userpass) {
        char user[256], pass[256];
        if (read_full (c, b, 2) || b[0] != 1 || read_full (c, user, b[1]))
            return;
        user[b[1]] = 0;
        if (read_full (c, b, 1) || read_full (c, pass, b[0]))
            return;
        pass[b[0]] = 0;
        int good = strcmp (user, "alice") == 0 && strcmp (pass, "s3cret") == 0
                   && px->mode == USERPASS;
        unsigned char st[2] = {1, (unsigned char) (good ? 0 : 1)};
        write_full (c, st, 2);
        if (!good)
            return;
        px->ok_auth = 1;
    }
    if (read_full (c, b, 4) || b[0] != 5 || b[1] != 1 || b[2] != 0)
        return;
    px->last_atyp = b[3];
    if (b[3] == 1) {
        if (read_full (c, b, 4))
            return;
    } else if (b[3] == 3) {
        unsigned char len;
        if (read_full (c, &len, 1) || read_full (c, px->last_name, len))
            return;
        px->last_name[len] = 0;
    } else if (b[3] == 4) {
        if (read_full (c, b, 16))
            return;
    } else {
        return;
    }
    unsigned char port[2];
    if (read_full (c, port, 2))
        return;
    if (px->mode == REFUSE) {
        write_full (c, "\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00", 10);
        return;
    }
    /* Every target is this host. */
    int t = connect_local (port[0] << 8 | port[1]);
    if (t < 0) {
        write_full (c, "\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00", 10);
        return;
    }
    if (write_full (c, "\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38", 10) == 0)
        relay (px, c, t);
    close (t);
}

static void *proxy_main (void *arg)
{
    struct proxy *px = arg;
    while (!px->stop) {
        struct pollfd p = {px->listen_fd, POLLIN, 0};
        if (poll (&p, 1, 50) <= 0)
            continue;
        int c = accept (px->listen_fd, NULL, NULL);
        if (c < 0)
            continue;
        px->attempts++;
        if (px->mode == STALL) {
            /* Say nothing; keep the connection open (up to a bound). */
            if (px->n_stalled < 64)
                px->stalled[px->n_stalled++] = c;
            else
                close (c);
            continue;
        }
        serve (px, c);
        close (c);
    }
    for (int i = 0; i < px->n_stalled; i++)
        close (px->stalled[i]);
    return NULL;
}

static void proxy_start (struct proxy *px, pthread_t *th, enum mode mode)
{
    memset (px, 0, sizeof *px);
    px->mode = mode;
    px->listen_fd = socket (AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT (px->listen_fd >= 0);
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    TEST_ASSERT (bind (px->listen_fd, (struct sockaddr *) &sa, sizeof sa) == 0);
    TEST_ASSERT (listen (px->listen_fd, 16) == 0);
    socklen_t sl = sizeof sa;
    TEST_ASSERT (getsockname (px->listen_fd, (struct sockaddr *) &sa, &sl) == 0);
    px->port = ntohs (sa.sin_port);
    TEST_ASSERT (pthread_create (th, NULL, proxy_main, px) == 0);
}

static void proxy_stop (struct proxy *px, pthread_t th)
{
    px->stop = 1;
    pthread_join (th, NULL);
    close (px->listen_fd);
}

/* A PULL connected through a proxy in `mode` to a PUSH; returns whether
 * both messages arrived. `host` replaces 127.0.0.1 in the endpoint. */
static int through_proxy (void *ctx, enum mode mode, const char *user,
                          const char *pass, const char *host,
                          struct proxy *seen)
{
    pthread_t th;
    proxy_start (seen, &th, mode);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_ASSERT (push && pull);
    char ep[256], via[64], target[300];
    bind_ephemeral (push, "tcp://127.0.0.1:*", ep, sizeof ep);
    snprintf (via, sizeof via, "127.0.0.1:%d", seen->port);
    TEST_OK (zmq_setsockopt (pull, ZMQ_SOCKS_PROXY, via, strlen (via)));
    if (user)
        TEST_OK (zmq_setsockopt (pull, OPT_SOCKS_USERNAME, user, strlen (user)));
    if (pass)
        TEST_OK (zmq_setsockopt (pull, OPT_SOCKS_PASSWORD, pass, strlen (pass)));
    snprintf (target, sizeof target, "tcp://%s%s", host, strrchr (ep, ':'));
    TEST_OK (zmq_connect (pull, target));
    int expect_ok = mode == NOAUTH || mode == USERPASS;
    set_rcvtimeo (pull, expect_ok ? 5000 : 600);
    /* PUSH waits for a peer: without a tunnel it never gets one. */
    int sndtimeo = expect_ok ? 5000 : 600;
    TEST_OK (zmq_setsockopt (push, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo));
    int sent = zmq_send (push, "ABC", 3, 0) == 3 && zmq_send (push, "DEF", 3, 0) == 3;
    char buf[16];
    int ok = sent && zmq_recv (pull, buf, sizeof buf, 0) == 3 && memcmp (buf, "ABC", 3) == 0
             && zmq_recv (pull, buf, sizeof buf, 0) == 3 && memcmp (buf, "DEF", 3) == 0;
    close_zero (pull);
    close_zero (push);
    proxy_stop (seen, th);
    return ok;
}

int main (void)
{
    test_watchdog (90);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    struct proxy seen;

    TEST_ASSERT (through_proxy (ctx, NOAUTH, NULL, NULL, "127.0.0.1", &seen));
    TEST_ASSERT_EQ_INT (1, seen.last_atyp);

    TEST_ASSERT (through_proxy (ctx, NOAUTH, NULL, NULL, "proxied.example", &seen));
    TEST_ASSERT_EQ_INT (3, seen.last_atyp);
    TEST_ASSERT (strcmp (seen.last_name, "proxied.example") == 0);

    /* An empty username means no authentication. */
    TEST_ASSERT (through_proxy (ctx, NOAUTH, "", "ignored", "127.0.0.1", &seen));

    TEST_ASSERT (through_proxy (ctx, USERPASS, "alice", "s3cret", "127.0.0.1", &seen));
    TEST_ASSERT (seen.ok_auth);

    /* Proxies that must not let anything through; the client retries.
     * Debian's libzmq 4.3.4 aborts on each of these (an assertion in
     * epoll.cpp:113 after its SOCKS connecter's error path), so the
     * differential run stops here. */
    if (!is_rampart ()) {
        TEST_OK (zmq_ctx_term (ctx));
        return 0;
    }
    TEST_ASSERT (!through_proxy (ctx, BAD_PASSWORD, "alice", "wrong", "127.0.0.1", &seen));
    TEST_ASSERT (seen.attempts >= 1);
    TEST_ASSERT (!through_proxy (ctx, BAD_VERSION, NULL, NULL, "127.0.0.1", &seen));
    TEST_ASSERT (seen.attempts >= 2);
    TEST_ASSERT (!through_proxy (ctx, REFUSE, NULL, NULL, "127.0.0.1", &seen));
    TEST_ASSERT (seen.attempts >= 2);

    /* A proxy that accepts and says nothing is given up on after
     * HANDSHAKE_IVL and tried again (libzmq waits for ever). */
    pthread_t th;
    proxy_start (&seen, &th, STALL);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    char via[64];
    snprintf (via, sizeof via, "127.0.0.1:%d", seen.port);
    TEST_OK (zmq_setsockopt (pull, ZMQ_SOCKS_PROXY, via, strlen (via)));
    set_int (pull, ZMQ_HANDSHAKE_IVL, 200);
    TEST_OK (zmq_connect (pull, "tcp://127.0.0.1:9"));
    for (int i = 0; i < 300 && seen.attempts < 3; i++)
        test_sleep_ms (10);
    TEST_ASSERT (seen.attempts >= 3);
    close_zero (pull);
    proxy_stop (&seen, th);

    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
