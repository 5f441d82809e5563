/* Message properties and the iovec calls as libzmq has them:
 * - ZMQ_SHARED: 1 for constant data (zmq_msg_init_data with no free
 *   function) and for both messages after zmq_msg_copy of a large one; 0
 *   for a buffer with a free function, a fresh message, a small copy;
 * - zmq_msg_get of an unknown property and zmq_msg_set are EINVAL;
 * - ZMQ_SRCFD (deprecated): the fd of the tcp connection a received
 *   message came in on (its peer is 127.0.0.1), -1/EINVAL for a message
 *   that came from nowhere;
 * - zmq_sendiov: EINVAL for no iovecs or NULL; the caller's flags go on
 *   every part but the last, which never has SNDMORE (so ZMQ_SNDMORE makes
 *   one multipart message, 0 one message per iovec); returns the last
 *   part's size;
 * - zmq_recviov: EINVAL for a NULL or zero count or NULL iovecs, returns
 *   the number of parts and stores it in *count, stops at *count parts
 *   (the rest of the message stays queued), -1 with *count 0 when nothing
 *   is there. */
#include "testutil.h"
#include <sys/uio.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

static int freed;
static void free_fn (void *data, void *hint)
{
    (void) hint;
    free (data);
    freed++;
}

static void test_shared (void)
{
    zmq_msg_t a, b;
    TEST_OK (zmq_msg_init_data (&a, (void *) "TEST", 5, NULL, NULL));
    TEST_ASSERT_EQ_INT (1, zmq_msg_get (&a, ZMQ_SHARED));
    TEST_ASSERT_EQ_INT (5, zmq_msg_size (&a));
    TEST_ASSERT (memcmp (zmq_msg_data (&a), "TEST", 5) == 0);
    TEST_OK (zmq_msg_init (&b));
    TEST_OK (zmq_msg_copy (&b, &a));
    TEST_ASSERT_EQ_INT (1, zmq_msg_get (&b, ZMQ_SHARED));
    TEST_OK (zmq_msg_close (&b));
    TEST_OK (zmq_msg_close (&a));

    /* Zero bytes of constant data are still constant data. */
    TEST_OK (zmq_msg_init_data (&a, NULL, 0, NULL, NULL));
    TEST_ASSERT_EQ_INT (1, zmq_msg_get (&a, ZMQ_SHARED));
    TEST_OK (zmq_msg_close (&a));

    char *buf = malloc (100);
    memset (buf, 'x', 100);
    TEST_OK (zmq_msg_init_data (&a, buf, 100, free_fn, NULL));
    TEST_ASSERT_EQ_INT (0, zmq_msg_get (&a, ZMQ_SHARED));
    TEST_OK (zmq_msg_init (&b));
    TEST_OK (zmq_msg_copy (&b, &a));
    TEST_ASSERT_EQ_INT (1, zmq_msg_get (&a, ZMQ_SHARED));
    TEST_ASSERT_EQ_INT (1, zmq_msg_get (&b, ZMQ_SHARED));
    TEST_OK (zmq_msg_close (&a));
    TEST_ASSERT_EQ_INT (0, freed);
    TEST_OK (zmq_msg_close (&b));
    TEST_ASSERT_EQ_INT (1, freed);

    TEST_OK (zmq_msg_init_size (&a, 1024));
    TEST_ASSERT_EQ_INT (0, zmq_msg_get (&a, ZMQ_SHARED));
    TEST_ASSERT_EQ_INT (0, zmq_msg_get (&a, ZMQ_MORE));
    TEST_ERRNO (EINVAL, zmq_msg_get (&a, 12345));
    TEST_ERRNO (EINVAL, zmq_msg_set (&a, ZMQ_SHARED, 1));
    TEST_OK (zmq_msg_close (&a));

    TEST_OK (zmq_msg_init_size (&a, 10)); /* small: copied, not shared */
    TEST_OK (zmq_msg_init (&b));
    TEST_OK (zmq_msg_copy (&b, &a));
    TEST_ASSERT_EQ_INT (0, zmq_msg_get (&b, ZMQ_SHARED));
    TEST_OK (zmq_msg_close (&a));
    TEST_OK (zmq_msg_close (&b));
}

static void test_iov (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_bind (pull, "inproc://iov"));
    TEST_OK (zmq_connect (push, "inproc://iov"));
    set_rcvtimeo (pull, 5000);

    char p0[100], p1[10], p2[7];
    memset (p0, 'a', sizeof p0);
    memset (p1, 'b', sizeof p1);
    memset (p2, 'c', sizeof p2);
    struct iovec out[3] = {{p0, sizeof p0}, {p1, sizeof p1}, {p2, sizeof p2}};
    TEST_ERRNO (ENOTSOCK, zmq_sendiov (NULL, out, 3, 0));
    TEST_ERRNO (EINVAL, zmq_sendiov (push, out, 0, 0));
    TEST_ERRNO (EINVAL, zmq_sendiov (push, NULL, 3, 0));
    /* SNDMORE in the flags: one whole message of three parts. */
    TEST_ASSERT_EQ_INT (7, zmq_sendiov (push, out, 3, ZMQ_SNDMORE));

    struct iovec in[8];
    size_t count = 8, zero = 0;
    TEST_ERRNO (ENOTSOCK, zmq_recviov (NULL, in, &count, 0));
    TEST_ERRNO (EINVAL, zmq_recviov (pull, in, NULL, 0));
    TEST_ERRNO (EINVAL, zmq_recviov (pull, in, &zero, 0));
    TEST_ERRNO (EINVAL, zmq_recviov (pull, NULL, &count, 0));
    TEST_ASSERT_EQ_INT (3, zmq_recviov (pull, in, &count, 0));
    TEST_ASSERT_EQ_INT (3, count);
    TEST_ASSERT_EQ_INT (100, in[0].iov_len);
    TEST_ASSERT_EQ_INT (10, in[1].iov_len);
    TEST_ASSERT_EQ_INT (7, in[2].iov_len);
    TEST_ASSERT (memcmp (in[0].iov_base, p0, 100) == 0);
    TEST_ASSERT (memcmp (in[2].iov_base, p2, 7) == 0);
    for (int i = 0; i < 3; i++)
        free (in[i].iov_base);

    /* Flags 0: three one-part messages. */
    TEST_ASSERT_EQ_INT (7, zmq_sendiov (push, out, 3, 0));
    for (int i = 0; i < 3; i++) {
        count = 8;
        TEST_ASSERT_EQ_INT (1, zmq_recviov (pull, in, &count, 0));
        TEST_ASSERT_EQ_INT (1, count);
        TEST_ASSERT_EQ_INT (out[i].iov_len, in[0].iov_len);
        free (in[0].iov_base);
    }

    /* Room for two parts of three: the third stays for the next call. */
    TEST_ASSERT_EQ_INT (7, zmq_sendiov (push, out, 3, ZMQ_SNDMORE));
    count = 2;
    TEST_ASSERT_EQ_INT (2, zmq_recviov (pull, in, &count, 0));
    TEST_ASSERT_EQ_INT (2, count);
    free (in[0].iov_base);
    free (in[1].iov_base);
    int more = 0;
    size_t len = sizeof more;
    TEST_OK (zmq_getsockopt (pull, ZMQ_RCVMORE, &more, &len));
    TEST_ASSERT_EQ_INT (1, more);
    count = 8;
    TEST_ASSERT_EQ_INT (1, zmq_recviov (pull, in, &count, 0));
    TEST_ASSERT_EQ_INT (1, count);
    TEST_ASSERT_EQ_INT (7, in[0].iov_len);
    free (in[0].iov_base);

    /* Nothing queued. */
    count = 8;
    TEST_ERRNO (EAGAIN, zmq_recviov (pull, in, &count, ZMQ_DONTWAIT));
    TEST_ASSERT_EQ_INT (0, count);

    close_zero (push);
    close_zero (pull);
}

static void test_srcfd (void *ctx)
{
    zmq_msg_t m;
    TEST_OK (zmq_msg_init_size (&m, 8));
    TEST_ERRNO (EINVAL, zmq_msg_get (&m, ZMQ_SRCFD));
    TEST_OK (zmq_msg_close (&m));

    char ep[256];
    void *rep = zmq_socket (ctx, ZMQ_REP);
    bind_ephemeral (rep, "tcp://127.0.0.1:*", ep, sizeof ep);
    set_rcvtimeo (rep, 5000);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    TEST_OK (zmq_connect (req, ep));
    send_str (req, "hello", 0);
    TEST_OK (zmq_msg_init (&m));
    TEST_ASSERT_EQ_INT (5, zmq_msg_recv (&m, rep, 0));
    int fd = zmq_msg_get (&m, ZMQ_SRCFD);
    TEST_ASSERT (fd >= 0);
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    TEST_ASSERT_EQ_INT (0, getpeername (fd, (struct sockaddr *) &sa, &len));
    TEST_ASSERT_EQ_INT (AF_INET, sa.sin_family);
    TEST_ASSERT_EQ_INT (htonl (0x7f000001), sa.sin_addr.s_addr);
    TEST_OK (zmq_msg_close (&m));
    close_zero (req);
    close_zero (rep);
}

int main (void)
{
    test_watchdog (60);
    test_shared ();
    void *ctx = zmq_ctx_new ();
    test_iov (ctx);
    test_srcfd (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
