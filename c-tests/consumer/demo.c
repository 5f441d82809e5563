/* Rampart demo: prints the library version, then a REQ socket says "Hello"
 * to a REP socket over TCP loopback and gets "World" back.
 *
 * Build against an installed prefix:
 *   cc demo.c $(pkg-config --cflags --libs libzmq) -o demo
 * Exit status 0 on success, 1 on any failure (with the reason on stderr). */
#define _GNU_SOURCE
#include <zmq.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int fail (const char *what)
{
    int err = zmq_errno ();
    fprintf (stderr, "demo: %s failed: %s (errno %d)\n", what, zmq_strerror (err), err);
    return 1;
}

static int demo (void *ctx)
{
    int rc = 1;
    int timeout_ms = 5000, linger = 0;
    char endpoint[256];
    size_t endpoint_len = sizeof endpoint;
    char buf[64];
    void *rep = zmq_socket (ctx, ZMQ_REP);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    if (!rep || !req) {
        fail ("zmq_socket");
        goto out;
    }
    if (zmq_setsockopt (rep, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) != 0
        || zmq_setsockopt (req, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) != 0
        || zmq_setsockopt (rep, ZMQ_LINGER, &linger, sizeof linger) != 0
        || zmq_setsockopt (req, ZMQ_LINGER, &linger, sizeof linger) != 0) {
        fail ("zmq_setsockopt");
        goto out;
    }
    if (zmq_bind (rep, "tcp://127.0.0.1:*") != 0) {
        fail ("zmq_bind tcp://127.0.0.1:*");
        goto out;
    }
    if (zmq_getsockopt (rep, ZMQ_LAST_ENDPOINT, endpoint, &endpoint_len) != 0) {
        fail ("zmq_getsockopt ZMQ_LAST_ENDPOINT");
        goto out;
    }
    if (zmq_connect (req, endpoint) != 0) {
        fail ("zmq_connect");
        goto out;
    }
    printf ("REP bound to %s, REQ connected\n", endpoint);

    if (zmq_send (req, "Hello", 5, 0) != 5) {
        fail ("REQ zmq_send");
        goto out;
    }
    int n = zmq_recv (rep, buf, sizeof buf - 1, 0);
    if (n < 0) {
        fail ("REP zmq_recv");
        goto out;
    }
    buf[n < (int) sizeof buf - 1 ? n : (int) sizeof buf - 1] = 0;
    printf ("REP received: %s\n", buf);
    if (strcmp (buf, "Hello") != 0) {
        fprintf (stderr, "demo: REP expected 'Hello'\n");
        goto out;
    }
    if (zmq_send (rep, "World", 5, 0) != 5) {
        fail ("REP zmq_send");
        goto out;
    }
    n = zmq_recv (req, buf, sizeof buf - 1, 0);
    if (n < 0) {
        fail ("REQ zmq_recv");
        goto out;
    }
    buf[n < (int) sizeof buf - 1 ? n : (int) sizeof buf - 1] = 0;
    printf ("REQ received: %s\n", buf);
    if (strcmp (buf, "World") != 0) {
        fprintf (stderr, "demo: REQ expected 'World'\n");
        goto out;
    }
    rc = 0;
out:
    if (req)
        zmq_close (req);
    if (rep)
        zmq_close (rep);
    return rc;
}

int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    Dl_info info;
    const char *path = "?";
    if (dladdr ((void *) zmq_version, &info) && info.dli_fname)
        path = info.dli_fname;
    printf ("libzmq version %d.%d.%d (zmq.h says %d.%d.%d), loaded from %s\n", major, minor,
            patch, ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH, path);

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        return fail ("zmq_ctx_new");
    int rc = demo (ctx);
    if (zmq_ctx_term (ctx) != 0) {
        fail ("zmq_ctx_term");
        rc = 1;
    }
    if (rc == 0)
        printf ("demo OK\n");
    return rc;
}
