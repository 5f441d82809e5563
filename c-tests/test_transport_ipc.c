/* The ipc transport: filesystem paths, the Linux abstract namespace and
 * the wildcard address.
 *
 * Checks: bind creates a socket file and LAST_ENDPOINT echoes the endpoint;
 * after unbind the endpoint no longer reaches the old socket and can be
 * bound again; a second bind of the same path takes it over (zmq_ipc(7));
 * abstract "@name" endpoints work, create no file and cannot be bound
 * twice; the wildcard "ipc" + "://" + "*" yields unique connectable paths
 * that are removed on unbind/close; connect before bind delivers queued
 * messages; missing directories and over-long paths fail; unbind and
 * disconnect give ENOENT for unknown endpoints.
 *
 * libzmq 4.3.4 removes the socket file on unbind/close only for wildcard
 * binds (it deletes its temporary directory); an explicit path is left in
 * place and unlinked by the next bind. The tests therefore do not assert
 * file removal for explicit paths, and clean up themselves. */
#include "testutil.h"
#include <sys/stat.h>

static int is_socket_file (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 && S_ISSOCK (st.st_mode);
}

/* Waits (bounded) until `path` no longer exists. */
static int gone_within (const char *path, int ms)
{
    int64_t deadline = test_now_ms () + ms;
    struct stat st;
    while (stat (path, &st) == 0) {
        if (test_now_ms () >= deadline)
            return 0;
        test_sleep_ms (5);
    }
    return 1;
}

static void push_pull_check (void *ctx, void *pull, const char *ep,
                             const char *text)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (push, ep));
    set_rcvtimeo (pull, 5000);
    send_str (push, text, 0);
    recv_s (pull, text, 0);
    close_zero (push);
}

static void test_path (void *ctx)
{
    char ep[256], last[256];
    make_ipc_endpoint (ep, sizeof ep, "ipc-path");
    ipc_track (ep);
    const char *path = ep + 6;
    unlink (path);

    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_OK (zmq_bind (pull, ep));
    get_last_endpoint (pull, last, sizeof last);
    TEST_ASSERT (strcmp (last, ep) == 0);
    TEST_ASSERT (is_socket_file (path));
    push_pull_check (ctx, pull, ep, "over ipc");

    /* Several connections to one path. */
    void *p1 = zmq_socket (ctx, ZMQ_PUSH);
    void *p2 = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (p1, ep));
    TEST_OK (zmq_connect (p2, ep));
    send_str (p1, "one", 0);
    recv_s (pull, "one", 0);
    send_str (p2, "two", 0);
    recv_s (pull, "two", 0);
    close_zero (p1);
    close_zero (p2);

    /* Unbind: the endpoint stops accepting. */
    TEST_ERRNO (ENOENT, zmq_unbind (pull, "ipc:///tmp/rampart-no-such-ep"));
    TEST_OK (zmq_unbind (pull, ep));
    TEST_ERRNO (ENOENT, zmq_unbind (pull, ep));
    void *late = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (late, ep));
    /* Queued locally (connect-side pipe) but never delivered. */
    TEST_ASSERT_EQ_INT (1, zmq_send (late, "x", 1, ZMQ_DONTWAIT));
    TEST_ASSERT_EQ_INT (0, poll_in (pull, 200));
    close_zero (late);

    /* The same socket can bind the path again. */
    TEST_OK (zmq_bind (pull, ep));
    TEST_ASSERT (is_socket_file (path));
    push_pull_check (ctx, pull, ep, "bound again");
    close_zero (pull);
    unlink (path);
}

/* zmq_ipc(7): "any existing binding to the same endpoint shall be
 * overridden" -- new connections reach the newest binder. */
static void test_rebind_overrides (void *ctx)
{
    char ep[256];
    make_ipc_endpoint (ep, sizeof ep, "ipc-override");
    ipc_track (ep);
    unlink (ep + 6);
    void *first = zmq_socket (ctx, ZMQ_PULL);
    void *second = zmq_socket (ctx, ZMQ_PULL);
    TEST_OK (zmq_bind (first, ep));
    TEST_OK (zmq_bind (second, ep));
    push_pull_check (ctx, second, ep, "to the newest");
    TEST_ASSERT_EQ_INT (0, poll_in (first, 0));
    close_zero (second);
    close_zero (first);
    unlink (ep + 6);
}

static void test_abstract (void *ctx)
{
    char ep[256], last[256];
    snprintf (ep, sizeof ep, "ipc://@rampart-test-%d-abstract",
              (int) getpid ());
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_OK (zmq_bind (pull, ep));
    get_last_endpoint (pull, last, sizeof last);
    TEST_ASSERT (strcmp (last, ep) == 0);
    /* Nothing in the filesystem. */
    struct stat st;
    TEST_ASSERT (stat (ep + 6, &st) != 0);
    push_pull_check (ctx, pull, ep, "abstract");

    /* Unlike paths, an abstract name cannot be bound twice. */
    void *other = zmq_socket (ctx, ZMQ_PULL);
    TEST_ERRNO (EADDRINUSE, zmq_bind (other, ep));

    /* After unbind it is free again (bounded wait: closing is async). */
    TEST_OK (zmq_unbind (pull, ep));
    bind_retry (other, ep);
    push_pull_check (ctx, other, ep, "abstract again");
    close_zero (other);
    close_zero (pull);
}

static void test_wildcard (void *ctx)
{
    /* libzmq 4.3.4 creates the wildcard directory under $TMPDIR (or
     * $TEMPDIR, $TMP), else relative to the working directory. Point it at
     * /tmp so the test never litters the build tree. */
    setenv ("TMPDIR", "/tmp", 1);
    char ep1[256], ep2[256];
    void *a = zmq_socket (ctx, ZMQ_PULL);
    void *b = zmq_socket (ctx, ZMQ_PULL);
    bind_ephemeral (a, "ipc://*", ep1, sizeof ep1);
    bind_ephemeral (b, "ipc://*", ep2, sizeof ep2);
    TEST_ASSERT (strncmp (ep1, "ipc://", 6) == 0);
    TEST_ASSERT (strncmp (ep2, "ipc://", 6) == 0);
    TEST_ASSERT (strcmp (ep1, "ipc://*") != 0);
    TEST_ASSERT (strcmp (ep1, ep2) != 0);
    TEST_ASSERT (is_socket_file (ep1 + 6));
    TEST_ASSERT (is_socket_file (ep2 + 6));
    push_pull_check (ctx, a, ep1, "wild a");
    push_pull_check (ctx, b, ep2, "wild b");

    /* The wildcard string itself is not a bound endpoint. */
    TEST_ERRNO (ENOENT, zmq_unbind (a, "ipc://*"));
    TEST_OK (zmq_unbind (a, ep1));
    TEST_ASSERT (gone_within (ep1 + 6, 5000));
    close_zero (b);
    TEST_ASSERT (gone_within (ep2 + 6, 5000));
    close_zero (a);
}

static void test_connect_before_bind (void *ctx)
{
    char ep[256];
    make_ipc_endpoint (ep, sizeof ep, "ipc-early");
    ipc_track (ep);
    unlink (ep + 6);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    TEST_OK (zmq_connect (push, ep));
    send_str (push, "early", 0);
    send_str (push, "bird", 0);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    TEST_OK (zmq_bind (pull, ep));
    recv_s (pull, "early", 0);
    recv_s (pull, "bird", 0);

    TEST_OK (zmq_disconnect (push, ep));
    TEST_ERRNO (ENOENT, zmq_disconnect (push, ep));
    close_zero (push);
    close_zero (pull);
    unlink (ep + 6);
}

static void test_errors (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_PULL);
    /* Directory does not exist. */
    TEST_ASSERT_EQ_INT (-1, zmq_bind (s, "ipc:///nonexistent-rampart-dir/x"));
    /* Longer than sun_path (108 bytes on Linux). */
    char ep[400];
    memset (ep, 'a', sizeof ep);
    memcpy (ep, "ipc:///tmp/", 11);
    ep[300] = 0;
    TEST_ERRNO (ENAMETOOLONG, zmq_bind (s, ep));
    TEST_ERRNO (ENAMETOOLONG, zmq_connect (s, ep));
    /* Empty address. */
    TEST_ERRNO (EINVAL, zmq_bind (s, "ipc://"));
    TEST_ERRNO (EINVAL, zmq_connect (s, "ipc://"));
    close_zero (s);
}

int main (void)
{
    test_watchdog (60);
    if (!zmq_has ("ipc"))
        TEST_SKIP ("ipc transport not available");
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    test_path (ctx);
    test_rebind_overrides (ctx);
    test_abstract (ctx);
    test_wildcard (ctx);
    test_connect_before_bind (ctx);
    test_errors (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    ipc_cleanup ();
    return 0;
}
