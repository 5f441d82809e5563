/* Consumer check: a C program built against an installed libzmq (through
 * CMake's find_package(ZeroMQ) or pkg-config) that calls zmq_version and
 * passes one message between two PAIR sockets over inproc.
 *
 *   consumer [--expect-version X.Y.Z] [--expect-lib-dir DIR]
 *
 * --expect-version  the runtime version AND zmq.h's ZMQ_VERSION_* must equal it
 *                   (used when linked with Rampart: proves which header and
 *                   library were picked up)
 * --expect-lib-dir  the shared library providing zmq_version must live in DIR
 *                   (symlinks resolved); use "static" for a static link
 * Exit status 0 on success, 1 on failure. */
#define _GNU_SOURCE
#include <zmq.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail (const char *what)
{
    int err = zmq_errno ();
    fprintf (stderr, "consumer: %s failed: %s (errno %d)\n", what, zmq_strerror (err), err);
    return 1;
}

/* Resolves the path of the object (executable or shared library) that
 * provides zmq_version. */
static int provider_path (char *out)
{
    Dl_info info;
    if (!dladdr ((void *) zmq_version, &info) || !info.dli_fname) {
        fprintf (stderr, "consumer: dladdr(zmq_version) failed\n");
        return -1;
    }
    /* The main program may be reported by a relative or empty name. */
    if (info.dli_fname[0] && realpath (info.dli_fname, out))
        return 0;
    return realpath ("/proc/self/exe", out) ? 0 : -1;
}

/* Checks where zmq_version was loaded from. */
static int check_lib_dir (const char *expected)
{
    char got[PATH_MAX], want[PATH_MAX];
    if (provider_path (got) != 0)
        return 1;
    printf ("zmq_version comes from %s\n", got);
    if (strcmp (expected, "static") == 0) {
        if (!realpath ("/proc/self/exe", want) || strcmp (got, want) != 0) {
            fprintf (stderr, "consumer: expected a static link, but zmq_version is in %s\n", got);
            return 1;
        }
        return 0;
    }
    if (!realpath (expected, want)) {
        fprintf (stderr, "consumer: --expect-lib-dir %s does not exist\n", expected);
        return 1;
    }
    char *slash = strrchr (got, '/');
    if (slash)
        *slash = 0;
    if (strcmp (got, want) != 0) {
        fprintf (stderr, "consumer: libzmq loaded from %s, expected %s\n", got, want);
        return 1;
    }
    return 0;
}

int main (int argc, char **argv)
{
    const char *expect_version = NULL, *expect_lib_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--expect-version") == 0 && i + 1 < argc)
            expect_version = argv[++i];
        else if (strcmp (argv[i], "--expect-lib-dir") == 0 && i + 1 < argc)
            expect_lib_dir = argv[++i];
        else {
            fprintf (stderr, "usage: %s [--expect-version X.Y.Z] [--expect-lib-dir DIR|static]\n",
                     argv[0]);
            return 2;
        }
    }

    int major = -1, minor = -1, patch = -1;
    zmq_version (&major, &minor, &patch);
    char runtime[64], header[64];
    snprintf (runtime, sizeof runtime, "%d.%d.%d", major, minor, patch);
    snprintf (header, sizeof header, "%d.%d.%d", ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR,
              ZMQ_VERSION_PATCH);
    printf ("libzmq runtime version %s, zmq.h version %s\n", runtime, header);
    if (expect_version
        && (strcmp (runtime, expect_version) != 0 || strcmp (header, expect_version) != 0)) {
        fprintf (stderr, "consumer: expected version %s\n", expect_version);
        return 1;
    }
    if (expect_lib_dir && check_lib_dir (expect_lib_dir) != 0)
        return 1;

    int rc = 1;
    char buf[32];
    void *ctx = zmq_ctx_new ();
    if (!ctx)
        return fail ("zmq_ctx_new");
    void *a = zmq_socket (ctx, ZMQ_PAIR);
    void *b = zmq_socket (ctx, ZMQ_PAIR);
    int timeout_ms = 5000;
    if (!a || !b) {
        fail ("zmq_socket");
        goto out;
    }
    if (zmq_setsockopt (b, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) != 0) {
        fail ("zmq_setsockopt ZMQ_RCVTIMEO");
        goto out;
    }
    if (zmq_bind (a, "inproc://consumer") != 0) {
        fail ("zmq_bind");
        goto out;
    }
    if (zmq_connect (b, "inproc://consumer") != 0) {
        fail ("zmq_connect");
        goto out;
    }
    if (zmq_send (a, "ping", 4, 0) != 4) {
        fail ("zmq_send");
        goto out;
    }
    int n = zmq_recv (b, buf, sizeof buf, 0);
    if (n != 4 || memcmp (buf, "ping", 4) != 0) {
        if (n < 0)
            fail ("zmq_recv");
        else
            fprintf (stderr, "consumer: received %d bytes, expected 'ping'\n", n);
        goto out;
    }
    printf ("PAIR over inproc: sent and received 'ping'\n");
    rc = 0;
out:
    if (a)
        zmq_close (a);
    if (b)
        zmq_close (b);
    if (zmq_ctx_term (ctx) != 0) {
        fail ("zmq_ctx_term");
        rc = 1;
    }
    return rc;
}
