/* Raw TCP and ZMTP 3.1 peers for Rampart's C tests (limit tests, STREAM,
 * tcp endpoints, multipart over a raw peer).
 *
 * A test plays a hostile or sloppy peer with plain BSD sockets: it connects,
 * sends the NULL-mechanism greeting, reads the victim's greeting, sends READY
 * with a Socket-Type, and then writes whatever frame headers and bytes it
 * likes. Every read is bounded by a timeout. Only static helpers, no zmq
 * calls, so the helpers may run in a forked child.
 *
 * Wire format (RFC 37): greeting = FF, 8 bytes padding, 7F, major 3, minor 1,
 * 20-byte mechanism "NULL", as-server, 31 bytes filler. Frame = flags (bit0
 * MORE, bit1 LONG, bit2 COMMAND), size (1 byte, or 8 bytes big-endian if
 * LONG), body. */
#ifndef RAMPART_RAWZMTP_H
#define RAMPART_RAWZMTP_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef POLLRDHUP
#define POLLRDHUP 0x2000 /* Linux */
#endif

#define RZ_FLAG_MORE 0x01
#define RZ_FLAG_LONG 0x02
#define RZ_FLAG_COMMAND 0x04

static inline int64_t rz_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Parses the port out of "tcp://127.0.0.1:PORT"; -1 if malformed. */
static inline int rz_endpoint_port (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    if (!colon || !colon[1])
        return -1;
    char *end = NULL;
    long port = strtol (colon + 1, &end, 10);
    if (*end != 0 || port <= 0 || port > 65535)
        return -1;
    return (int) port;
}

/* Fills `sa` with 127.0.0.1:port (port 0: any free port, for bind). */
static inline void rz_loopback_addr (struct sockaddr_in *sa, int port)
{
    memset (sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons ((uint16_t) port);
    sa->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
}

/* Connects a blocking TCP socket to 127.0.0.1:port. Returns the fd or -1. */
static inline int rz_connect_port (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    rz_loopback_addr (&sa, port);
    if (connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0) {
        close (fd);
        return -1;
    }
    int one = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Connects to a "tcp://127.0.0.1:PORT" endpoint. */
static inline int rz_connect (const char *endpoint)
{
    int port = rz_endpoint_port (endpoint);
    if (port < 0)
        return -1;
    return rz_connect_port (port);
}

/* A TCP socket bound to 127.0.0.1 on an ephemeral port (stored in *port),
 * not listening: while it stays open nobody else can take the port, and
 * connects to it are refused. Returns the fd or -1. */
static inline int rz_bind_loopback (int *port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    rz_loopback_addr (&sa, 0);
    socklen_t len = sizeof sa;
    if (bind (fd, (struct sockaddr *) &sa, sizeof sa) != 0
        || getsockname (fd, (struct sockaddr *) &sa, &len) != 0) {
        close (fd);
        return -1;
    }
    *port = ntohs (sa.sin_port);
    return fd;
}

/* A TCP port on 127.0.0.1 that was free a moment ago (bound, then closed
 * again), or -1. */
static inline int rz_free_port (void)
{
    int port = -1;
    int fd = rz_bind_loopback (&port);
    if (fd < 0)
        return -1;
    close (fd);
    return port;
}

/* A listening TCP socket on 127.0.0.1 with an ephemeral port (stored in
 * *port). Returns the fd or -1. For raw servers that real sockets connect
 * to ("tcp://127.0.0.1:<port>"). */
static inline int rz_listen (int *port)
{
    int fd = rz_bind_loopback (port);
    if (fd >= 0 && listen (fd, 16) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

/* Accepts one connection within timeout_ms. Returns the fd, or -1 (errno
 * ETIMEDOUT when nobody connected in time). */
static inline int rz_accept (int listener, int timeout_ms)
{
    struct pollfd pfd = {listener, POLLIN, 0};
    int rc;
    do
        rc = poll (&pfd, 1, timeout_ms);
    while (rc < 0 && errno == EINTR);
    if (rc <= 0) {
        if (rc == 0)
            errno = ETIMEDOUT;
        return -1;
    }
    int fd = accept (listener, NULL, NULL);
    if (fd >= 0) {
        int one = 1;
        setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

/* Writes all bytes. Returns 0, or -1 (errno set; EPIPE/ECONNRESET when the
 * victim closed). MSG_NOSIGNAL: a closed peer never raises SIGPIPE. */
static inline int rz_send_all (int fd, const void *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *) buf;
    while (len > 0) {
        ssize_t n = send (fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

/* Reads exactly len bytes within timeout_ms. Returns len, 0 on EOF before
 * len bytes, -1 on error (errno) or timeout (errno = ETIMEDOUT). */
static inline ssize_t rz_recv_exact (int fd, void *buf, size_t len, int timeout_ms)
{
    unsigned char *p = (unsigned char *) buf;
    size_t got = 0;
    int64_t deadline = rz_now_ms () + timeout_ms;
    while (got < len) {
        int64_t left = deadline - rz_now_ms ();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd pfd = {fd, POLLIN, 0};
        int rc = poll (&pfd, 1, (int) left);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (rc == 0)
            continue;
        ssize_t n = recv (fd, p + got, len - got, 0);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -1;
        }
        got += (size_t) n;
    }
    return (ssize_t) len;
}

/* Fills `out` with a 64-byte ZMTP 3.1 NULL greeting. */
static inline void rz_make_greeting (unsigned char out[64], int as_server)
{
    memset (out, 0, 64);
    out[0] = 0xFF;
    out[8] = 0x01; /* padding, ignored by receivers (libzmq puts len+1 here) */
    out[9] = 0x7F;
    out[10] = 3;
    out[11] = 1;
    memcpy (out + 12, "NULL", 4);
    out[32] = (unsigned char) (as_server ? 1 : 0);
}

/* Sends the full 64-byte NULL greeting. */
static inline int rz_send_greeting (int fd)
{
    unsigned char g[64];
    rz_make_greeting (g, 0);
    return rz_send_all (fd, g, sizeof g);
}

/* Reads the victim's 64-byte greeting and checks signature, major version
 * >= 3 and mechanism NULL. Returns 0 or -1. */
static inline int rz_recv_greeting (int fd, int timeout_ms)
{
    unsigned char g[64];
    if (rz_recv_exact (fd, g, sizeof g, timeout_ms) != (ssize_t) sizeof g)
        return -1;
    if (g[0] != 0xFF || (g[9] & 0x01) != 0x01 || g[10] < 3)
        return -1;
    if (memcmp (g + 12, "NULL\0", 5) != 0)
        return -1;
    return 0;
}

/* Sends a frame header: flags plus a short (<=255, LONG clear) or long
 * (8-byte) size. force_long uses the 8-byte form for any size. */
static inline int rz_send_frame_header (int fd, unsigned flags, uint64_t size, int force_long)
{
    unsigned char h[9];
    size_t n;
    if (size <= 255 && !force_long) {
        h[0] = (unsigned char) (flags & ~RZ_FLAG_LONG);
        h[1] = (unsigned char) size;
        n = 2;
    } else {
        h[0] = (unsigned char) (flags | RZ_FLAG_LONG);
        for (int i = 0; i < 8; i++)
            h[1 + i] = (unsigned char) (size >> (56 - 8 * i));
        n = 9;
    }
    return rz_send_all (fd, h, n);
}

/* Sends a complete frame. */
static inline int rz_send_frame (int fd, unsigned flags, const void *body, size_t len)
{
    if (rz_send_frame_header (fd, flags, len, 0) != 0)
        return -1;
    return len ? rz_send_all (fd, body, len) : 0;
}

/* Writes a metadata property's header at p: name length (1 byte), name,
 * value length (4 bytes big-endian). The value's bytes go right after it.
 * Returns the header's length. */
static inline size_t rz_put_property_header (unsigned char *p, const char *name,
                                             size_t value_len)
{
    size_t nlen = strlen (name), n = 0;
    p[n++] = (unsigned char) nlen;
    memcpy (p + n, name, nlen);
    n += nlen;
    p[n++] = (unsigned char) (value_len >> 24);
    p[n++] = (unsigned char) (value_len >> 16);
    p[n++] = (unsigned char) (value_len >> 8);
    p[n++] = (unsigned char) value_len;
    return n;
}

/* Sends READY with Socket-Type (and Identity when identity != NULL). */
static inline int rz_send_ready (int fd, const char *socket_type, const char *identity)
{
    unsigned char body[512];
    size_t n = 0;
    size_t stlen = strlen (socket_type);
    if (stlen > 200)
        return -1;
    body[n++] = 5;
    memcpy (body + n, "READY", 5);
    n += 5;
    n += rz_put_property_header (body + n, "Socket-Type", stlen);
    memcpy (body + n, socket_type, stlen);
    n += stlen;
    if (identity) {
        size_t idlen = strlen (identity);
        if (idlen > 255)
            return -1;
        n += rz_put_property_header (body + n, "Identity", idlen);
        memcpy (body + n, identity, idlen);
        n += idlen;
    }
    return rz_send_frame (fd, RZ_FLAG_COMMAND, body, n);
}

/* Reads one frame. Stores flags and the body (truncated to cap) and returns
 * the body's declared size, or -1 (EOF, error, timeout, or size > 1 MiB). */
static inline int64_t rz_recv_frame (int fd, unsigned *flags, void *body, size_t cap,
                                     int timeout_ms)
{
    unsigned char h[9];
    if (rz_recv_exact (fd, h, 1, timeout_ms) != 1)
        return -1;
    uint64_t size = 0;
    if (h[0] & RZ_FLAG_LONG) {
        if (rz_recv_exact (fd, h + 1, 8, timeout_ms) != 8)
            return -1;
        for (int i = 0; i < 8; i++)
            size = (size << 8) | h[1 + i];
    } else {
        if (rz_recv_exact (fd, h + 1, 1, timeout_ms) != 1)
            return -1;
        size = h[1];
    }
    if (size > (1u << 20))
        return -1;
    if (flags)
        *flags = h[0];
    unsigned char tmp[256];
    uint64_t left = size;
    size_t off = 0;
    while (left > 0) {
        size_t chunk = left > sizeof tmp ? sizeof tmp : (size_t) left;
        if (rz_recv_exact (fd, tmp, chunk, timeout_ms) != (ssize_t) chunk)
            return -1;
        if (body && off < cap)
            memcpy ((unsigned char *) body + off, tmp,
                    chunk < cap - off ? chunk : cap - off);
        off += chunk;
        left -= chunk;
    }
    return (int64_t) size;
}

/* Full NULL handshake: greeting out, greeting in, READY out, the victim's
 * READY in. NULL has no client/server roles, so this serves both for a raw
 * client and for a raw server's accepted connection. Returns 0 or -1. */
static inline int rz_handshake (int fd, const char *socket_type, int timeout_ms)
{
    if (rz_send_greeting (fd) != 0)
        return -1;
    if (rz_recv_greeting (fd, timeout_ms) != 0)
        return -1;
    if (rz_send_ready (fd, socket_type, NULL) != 0)
        return -1;
    unsigned flags = 0;
    unsigned char body[64];
    int64_t n = rz_recv_frame (fd, &flags, body, sizeof body, timeout_ms);
    if (n < 6 || !(flags & RZ_FLAG_COMMAND) || body[0] != 5
        || memcmp (body + 1, "READY", 5) != 0)
        return -1;
    return 0;
}

/* Connect + handshake in one step; returns the fd or -1. */
static inline int rz_connect_ready (const char *endpoint, const char *socket_type,
                                    int timeout_ms)
{
    int fd = rz_connect (endpoint);
    if (fd < 0)
        return -1;
    if (rz_handshake (fd, socket_type, timeout_ms) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

/* Waits until the victim closes the connection: returns 1 once recv reports
 * EOF or an error such as ECONNRESET, 0 if the connection is still open after
 * timeout_ms. Incoming data is read and discarded. */
static inline int rz_wait_closed (int fd, int timeout_ms)
{
    int64_t deadline = rz_now_ms () + timeout_ms;
    unsigned char sink[4096];
    for (;;) {
        int64_t left = deadline - rz_now_ms ();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {fd, POLLIN, 0};
        int rc = poll (&pfd, 1, (int) left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return 1;
        if (rc == 0)
            return 0;
        ssize_t n = recv (fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n == 0)
            return 1;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return 1;
    }
}

/* Like rz_wait_closed, but leaves incoming data unread (so a handshake can
 * still follow): waits for the peer's FIN or a reset (POLLRDHUP, POLLHUP,
 * POLLERR). Returns 1 if the victim closed within timeout_ms, else 0. */
static inline int rz_wait_hangup (int fd, int timeout_ms)
{
    int64_t deadline = rz_now_ms () + timeout_ms;
    for (;;) {
        int64_t left = deadline - rz_now_ms ();
        if (left < 0)
            left = 0;
        struct pollfd pfd = {fd, POLLRDHUP, 0};
        int rc = poll (&pfd, 1, (int) left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc != 0)
            return 1;
        if (left == 0)
            return 0;
    }
}

/* True if the connection is still open right now (no EOF/error pending). */
static inline int rz_is_open (int fd)
{
    return rz_wait_closed (fd, 5) == 0;
}

#endif
