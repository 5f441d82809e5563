/* A ZMTP 2.0 peer (what Debian's JeroMQ 0.3 speaks), played byte by byte,
 * against a REP under the profile the environment gives (an unconfigured
 * program: Rampart's `default`). As libzmq: the peer's request is answered
 * and its frames are held to MAXMSGSIZE like a ZMTP 3 peer's (Rampart also
 * gives its socket type and identity as the message's properties). Against Rampart, the `strict`
 * profile refuses the same peer. */
#include "testutil.h"
#include "rawzmtp.h"

/* ZMTP 2.0: signature (10 bytes), revision 1, socket type; then frames of
 * [flags][size] (flags 0x02: 8-byte size). */
static int zmtp2_connect (const char *ep, const char *identity)
{
    int fd = rz_connect (ep);
    if (fd < 0)
        return -1;
    unsigned char g[12] = {0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, ZMQ_REQ};
    size_t idlen = strlen (identity);
    unsigned char idf[2 + 255];
    idf[0] = 0;
    idf[1] = (unsigned char) idlen;
    memcpy (idf + 2, identity, idlen);
    if (rz_send_all (fd, g, sizeof g) != 0 || rz_send_all (fd, idf, 2 + idlen) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

/* Reads the server's side of the greeting: signature, its version byte
 * (3, the highest it speaks) and its socket type; then its identity frame. */
static void zmtp2_read_greeting (int fd, int socket_type)
{
    unsigned char g[12];
    TEST_ASSERT_EQ_INT (12, rz_recv_exact (fd, g, sizeof g, 5000));
    TEST_ASSERT (g[0] == 0xFF && g[9] == 0x7F);
    TEST_ASSERT (g[10] >= 1);
    TEST_ASSERT_EQ_INT (socket_type, g[11]);
    unsigned char hdr[2];
    TEST_ASSERT_EQ_INT (2, rz_recv_exact (fd, hdr, 2, 5000));
    TEST_ASSERT_EQ_INT (0, hdr[0] & 0x02); /* short frame */
    unsigned char id[255];
    if (hdr[1] > 0)
        TEST_ASSERT_EQ_INT (hdr[1], rz_recv_exact (fd, id, hdr[1], 5000));
}

static void zmtp2_request (void *ctx)
{
    void *rep = zmq_socket (ctx, ZMQ_REP);
    char ep[256];
    bind_ephemeral (rep, "tcp://127.0.0.1:*", ep, sizeof ep);
    set_rcvtimeo (rep, 5000);
    int fd = zmtp2_connect (ep, "old-req");
    TEST_ASSERT (fd >= 0);
    zmtp2_read_greeting (fd, ZMQ_REP);
    /* REQ envelope: an empty delimiter, then the body. */
    unsigned char req[] = {0x01, 0, 0x00, 5, 'h', 'e', 'l', 'l', 'o'};
    TEST_OK (rz_send_all (fd, req, sizeof req));

    zmq_msg_t m;
    zmq_msg_init (&m);
    TEST_ASSERT_EQ_INT (5, zmq_msg_recv (&m, rep, 0));
    TEST_ASSERT (memcmp (zmq_msg_data (&m), "hello", 5) == 0);
    const char *type = zmq_msg_gets (&m, "Socket-Type");
    const char *identity = zmq_msg_gets (&m, "Identity");
    /* libzmq gives legacy peers no properties; Rampart gives these. */
    TEST_ASSERT (!type || strcmp (type, "REQ") == 0);
    TEST_ASSERT (!identity || strcmp (identity, "old-req") == 0);
    if (is_rampart ())
        TEST_ASSERT (type && identity);
    zmq_msg_close (&m);
    send_str (rep, "world", 0);

    unsigned char reply[2 + 2 + 5];
    TEST_ASSERT_EQ_INT (sizeof reply, rz_recv_exact (fd, reply, sizeof reply, 5000));
    unsigned char want[] = {0x01, 0, 0x00, 5, 'w', 'o', 'r', 'l', 'd'};
    TEST_ASSERT (memcmp (reply, want, sizeof want) == 0);
    close (fd);
    close_zero (rep);
}

/* A frame declaring more than MAXMSGSIZE ends the connection, from its
 * header, as for ZMTP 3 peers; the REP serves the next peer. */
static void zmtp2_oversize (void *ctx)
{
    void *rep = zmq_socket (ctx, ZMQ_REP);
    int64_t max = 1000;
    TEST_OK (zmq_setsockopt (rep, ZMQ_MAXMSGSIZE, &max, sizeof max));
    char ep[256];
    bind_ephemeral (rep, "tcp://127.0.0.1:*", ep, sizeof ep);
    int fd = zmtp2_connect (ep, "");
    TEST_ASSERT (fd >= 0);
    zmtp2_read_greeting (fd, ZMQ_REP);
    unsigned char big[2 + 2 + 8] = {0x01, 0, 0x02, 0, 0, 0, 0, 0x40, 0, 0, 0};
    rz_send_all (fd, big, sizeof big); /* declares 1 GiB */
    TEST_ASSERT_EQ_INT (1, rz_wait_closed (fd, 5000));
    close (fd);

    set_rcvtimeo (rep, 5000);
    fd = zmtp2_connect (ep, "");
    TEST_ASSERT (fd >= 0);
    zmtp2_read_greeting (fd, ZMQ_REP);
    unsigned char req[] = {0x01, 0, 0x00, 2, 'o', 'k'};
    TEST_OK (rz_send_all (fd, req, sizeof req));
    recv_str (rep, "ok");
    close (fd);
    close_zero (rep);
}

/* Rampart's strict profile closes the connection after the greeting. */
static void strict_refuses (void)
{
    setenv ("RAMPART_PROFILE", "strict", 1);
    void *ctx = zmq_ctx_new ();
    unsetenv ("RAMPART_PROFILE");
    void *rep = zmq_socket (ctx, ZMQ_REP);
    char ep[256];
    bind_ephemeral (rep, "tcp://127.0.0.1:*", ep, sizeof ep);
    int fd = zmtp2_connect (ep, "");
    TEST_ASSERT (fd >= 0);
    unsigned char req[] = {0x01, 0, 0x00, 2, 'n', 'o'};
    rz_send_all (fd, req, sizeof req);
    TEST_ASSERT_EQ_INT (1, rz_wait_closed (fd, 5000));
    TEST_ERRNO (EAGAIN, zmq_recv (rep, NULL, 0, ZMQ_DONTWAIT));
    close (fd);
    close_zero (rep);
    TEST_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    zmtp2_request (ctx);
    zmtp2_oversize (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    if (is_rampart ())
        strict_refuses ();
    return 0;
}
