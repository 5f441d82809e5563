/* Rampart's environment variables (src/guard/mod.rs), read when a context
 * is created. Rampart only.
 *
 * test_rampart_profile_defaults.c covers RAMPART_PROFILE, RAMPART_MAXMSGSIZE
 * and RAMPART_HANDSHAKE_IVL as seen through zmq_getsockopt. This file adds:
 * - RAMPART_HANDSHAKE_FRAME_CAP, RAMPART_PIPE_BYTE_CAP and
 *   RAMPART_ACCEPT_LEGACY: each changes the socket default (getsockopt, and
 *   ACCEPT_LEGACY, which has no option, on the wire with a ZMTP 2.0 peer),
 *   over every profile; an explicit zmq_setsockopt still wins; out-of-range
 *   values are ignored;
 * - every variable's value is enforced on the wire, not only reported:
 *   MAXMSGSIZE (a frame over it closes the connection), HANDSHAKE_FRAME_CAP
 *   (a READY over it), HANDSHAKE_IVL (a silent peer is dropped),
 *   PIPE_BYTE_CAP (sends stop at the byte cap), ACCEPT_LEGACY;
 * - for each of the six variables, in a forked child with stderr captured:
 *   a malformed value ("12x") leaves every default as the profile has it
 *   and is reported on exactly one stderr line across two contexts (each
 *   with sockets); a well-formed value is reported on no line. */
#include "testutil.h"
#include "rawzmtp.h"
#include <rampart.h>
#include <sys/wait.h>
#include <fcntl.h>

#define KiB 1024
#define MiB (1024 * 1024)

static const char *vars[] = {"RAMPART_PROFILE",       "RAMPART_MAXMSGSIZE",
                             "RAMPART_HANDSHAKE_FRAME_CAP", "RAMPART_HANDSHAKE_IVL",
                             "RAMPART_PIPE_BYTE_CAP", "RAMPART_ACCEPT_LEGACY"};
#define N_VARS ((int) (sizeof vars / sizeof vars[0]))

static void clear_env (void)
{
    for (int i = 0; i < N_VARS; i++)
        unsetenv (vars[i]);
}

/* ---- what a socket starts with ---------------------------------------- */

typedef struct {
    int profile;
    int64_t max;
    int64_t hs_cap;
    int ivl;
    int64_t pipe_cap;
    int legacy;
} defaults_t;

static const defaults_t def_default = {RAMPART_PROFILE_DEFAULT, 16 * MiB, 64 * KiB,
                                       10000, 32 * MiB, 1};
static const defaults_t def_strict = {RAMPART_PROFILE_STRICT, 1 * MiB, 16 * KiB,
                                      5000, 8 * MiB, 0};
static const defaults_t def_compat = {RAMPART_PROFILE_COMPAT, -1, -1, 30000, 0, 1};

/* A ZMTP 2.0 PUSH peer (greeting, empty identity, one message) against a
 * PULL from ctx: 1 if its message arrives, 0 if the PULL closes the
 * connection instead. */
static int legacy_accepted (void *ctx)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    char ep[256];
    size_t len = sizeof ep;
    if (zmq_bind (pull, "tcp://127.0.0.1:*") != 0
        || zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, ep, &len) != 0)
        return -1;
    int fd = rz_connect (ep);
    if (fd < 0)
        return -1;
    unsigned char g[12 + 2 + 7] = {0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F,
                                   1 /* revision: ZMTP 2.0 */, ZMQ_PUSH,
                                   0, 0 /* empty identity */,
                                   0, 5, 'h', 'e', 'l', 'l', 'o'};
    rz_send_all (fd, g, sizeof g);
    int result = -1;
    int64_t deadline = test_now_ms () + 3000;
    while (result < 0 && test_now_ms () < deadline) {
        if (poll_in (pull, 10)) {
            char buf[16];
            int n = zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT);
            result = (n == 5 && memcmp (buf, "hello", 5) == 0) ? 1 : -1;
            break;
        }
        if (!rz_is_open (fd))
            result = 0;
    }
    close (fd);
    int zero = 0;
    zmq_setsockopt (pull, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close (pull);
    return result;
}

/* The defaults a new socket of ctx has; 0 if they match `d`, else prints
 * the difference to stdout and returns 1. */
static int check_defaults (void *ctx, const defaults_t *d, const char *label)
{
    int bad = 0;
    int profile = zmq_ctx_get (ctx, ZMQ_RAMPART_PROFILE);
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    int64_t max = 0, cap = 0, pcap = 0;
    int ivl = 0;
    size_t l8 = 8, l4 = 4;
    zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &max, &l8);
    l8 = 8;
    zmq_getsockopt (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP, &cap, &l8);
    l8 = 8;
    zmq_getsockopt (s, ZMQ_RAMPART_PIPE_BYTE_CAP, &pcap, &l8);
    zmq_getsockopt (s, ZMQ_HANDSHAKE_IVL, &ivl, &l4);
    zmq_close (s);
    int legacy = legacy_accepted (ctx);
    if (profile != d->profile || max != d->max || cap != d->hs_cap || ivl != d->ivl
        || pcap != d->pipe_cap || legacy != d->legacy) {
        printf ("%s: profile %d max %lld hs_cap %lld ivl %d pipe_cap %lld legacy %d; "
                "expected %d %lld %lld %d %lld %d\n",
                label, profile, (long long) max, (long long) cap, ivl,
                (long long) pcap, legacy, d->profile, (long long) d->max,
                (long long) d->hs_cap, d->ivl, (long long) d->pipe_cap, d->legacy);
        fflush (stdout);
        bad = 1;
    }
    return bad;
}

#define expect_defaults(ctx, d, label)                                         \
    do {                                                                       \
        if (check_defaults (ctx, d, label))                                    \
            TEST_FAIL ("%s: defaults differ (see above)", label);              \
    } while (0)

/* ---- malformed values, reported once (forked children) ---------------- */

/* In a child: `var`=`value`, stderr into `out_fd`, two contexts each
 * checked against `d`. */
static int env_child (const char *var, const char *value, const defaults_t *d,
                      int out_fd)
{
    alarm (20);
    clear_env ();
    setenv (var, value, 1);
    if (dup2 (out_fd, 2) != 2)
        return 30;
    for (int round = 0; round < 2; round++) {
        void *ctx = zmq_ctx_new ();
        if (!ctx)
            return 31;
        char label[128];
        snprintf (label, sizeof label, "%s=%s, context %d", var, value, round + 1);
        if (check_defaults (ctx, d, label))
            return 32;
        if (zmq_ctx_term (ctx) != 0)
            return 33;
    }
    return 0;
}

/* Runs env_child in a fork; returns the stderr lines mentioning `var`. */
static int stderr_lines_for (const char *var, const char *value, const defaults_t *d)
{
    char path[] = "/tmp/rampart-env-stderr-XXXXXX";
    int fd = mkstemp (path);
    TEST_ASSERT (fd >= 0);
    unlink (path);
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    TEST_ASSERT (pid >= 0);
    if (pid == 0)
        _exit (env_child (var, value, d, fd));
    int status = 0;
    int64_t deadline = test_now_ms () + 25000;
    pid_t r;
    while ((r = waitpid (pid, &status, WNOHANG)) == 0) {
        if (test_now_ms () > deadline) {
            kill (pid, SIGKILL);
            waitpid (pid, &status, 0);
            TEST_FAIL ("%s=%s: child hung", var, value);
        }
        test_sleep_ms (5);
    }
    char buf[8192];
    off_t end = lseek (fd, 0, SEEK_END);
    TEST_ASSERT (end >= 0 && lseek (fd, 0, SEEK_SET) == 0);
    size_t want = (size_t) end < sizeof buf - 1 ? (size_t) end : sizeof buf - 1;
    ssize_t n = read (fd, buf, want);
    TEST_ASSERT (n >= 0);
    buf[n] = 0;
    close (fd);
    if (WIFSIGNALED (status))
        TEST_FAIL ("%s=%s: child killed by signal %d; stderr: %s", var, value,
                   WTERMSIG (status), buf);
    if (WEXITSTATUS (status) != 0)
        TEST_FAIL ("%s=%s: child failed (code %d); stderr: %s", var, value,
                   WEXITSTATUS (status), buf);
    int lines = 0;
    for (char *line = buf; *line;) {
        char *nl = strchr (line, '\n');
        if (nl)
            *nl = 0;
        if (strstr (line, var))
            lines++;
        if (!nl)
            break;
        line = nl + 1;
    }
    return lines;
}

static void test_reported_once (void)
{
    for (int i = 0; i < N_VARS; i++) {
        int n = stderr_lines_for (vars[i], "12x", &def_default);
        if (n != 1)
            TEST_FAIL ("%s=12x: reported on %d stderr lines over two contexts, "
                       "expected exactly 1",
                       vars[i], n);
    }
    /* well-formed values: no report, and the value applies */
    static const char *good[] = {"strict", "2048", "4096", "1500", "1000", "0"};
    defaults_t d[N_VARS];
    for (int i = 0; i < N_VARS; i++)
        d[i] = def_default;
    d[0] = def_strict;
    d[1].max = 2048;
    d[2].hs_cap = 4096;
    d[3].ivl = 1500;
    d[4].pipe_cap = 1000;
    d[5].legacy = 0;
    for (int i = 0; i < N_VARS; i++) {
        int n = stderr_lines_for (vars[i], good[i], &d[i]);
        if (n != 0)
            TEST_FAIL ("%s=%s (well-formed) reported on %d stderr lines", vars[i],
                       good[i], n);
    }
}

/* ---- per knob, in this process ---------------------------------------- */

static void *ctx_with (const char *profile, const char *var, const char *value)
{
    clear_env ();
    if (profile)
        setenv ("RAMPART_PROFILE", profile, 1);
    if (var)
        setenv (var, value, 1);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    return ctx;
}

static void test_knob_defaults (void)
{
    const char *profiles[3] = {"compat", "default", "strict"};
    const defaults_t *base[3] = {&def_compat, &def_default, &def_strict};
    for (int p = 0; p < 3; p++) {
        char label[128];
        defaults_t d;
        void *ctx;

        d = *base[p];
        d.hs_cap = 2048;
        ctx = ctx_with (profiles[p], "RAMPART_HANDSHAKE_FRAME_CAP", "2048");
        snprintf (label, sizeof label, "%s + HANDSHAKE_FRAME_CAP=2048", profiles[p]);
        expect_defaults (ctx, &d, label);
        TEST_OK (zmq_ctx_term (ctx));

        d = *base[p];
        d.pipe_cap = 12345;
        ctx = ctx_with (profiles[p], "RAMPART_PIPE_BYTE_CAP", "12345");
        snprintf (label, sizeof label, "%s + PIPE_BYTE_CAP=12345", profiles[p]);
        expect_defaults (ctx, &d, label);
        TEST_OK (zmq_ctx_term (ctx));

        d = *base[p];
        d.pipe_cap = 0; /* 0 = no byte cap */
        ctx = ctx_with (profiles[p], "RAMPART_PIPE_BYTE_CAP", "0");
        snprintf (label, sizeof label, "%s + PIPE_BYTE_CAP=0", profiles[p]);
        expect_defaults (ctx, &d, label);
        TEST_OK (zmq_ctx_term (ctx));

        for (int v = 0; v < 2; v++) {
            d = *base[p];
            d.legacy = v;
            ctx = ctx_with (profiles[p], "RAMPART_ACCEPT_LEGACY", v ? "1" : "0");
            snprintf (label, sizeof label, "%s + ACCEPT_LEGACY=%d", profiles[p], v);
            expect_defaults (ctx, &d, label);
            TEST_OK (zmq_ctx_term (ctx));
        }

        /* out-of-range values are ignored: the profile's defaults stay */
        static const char *oor[][2] = {
          {"RAMPART_HANDSHAKE_FRAME_CAP", "10"}, /* below a greeting's 64 */
          {"RAMPART_HANDSHAKE_FRAME_CAP", "-1"},
          {"RAMPART_PIPE_BYTE_CAP", "-5"},
          {"RAMPART_ACCEPT_LEGACY", "2"},
          {"RAMPART_ACCEPT_LEGACY", "yes"},
          {"RAMPART_MAXMSGSIZE", "-2"},
          {"RAMPART_HANDSHAKE_IVL", "-1"},
        };
        for (size_t k = 0; k < sizeof oor / sizeof oor[0]; k++) {
            snprintf (label, sizeof label, "%s + %s=%s (ignored)", profiles[p],
                      oor[k][0], oor[k][1]);
            int saved = dup (2), devnull = open ("/dev/null", O_WRONLY);
            TEST_ASSERT (saved >= 0 && devnull >= 0);
            fflush (stderr);
            dup2 (devnull, 2); /* the expected report goes nowhere */
            ctx = ctx_with (profiles[p], oor[k][0], oor[k][1]);
            int bad = check_defaults (ctx, base[p], label);
            fflush (stderr);
            dup2 (saved, 2);
            close (saved);
            close (devnull);
            if (bad)
                TEST_FAIL ("%s: defaults differ (see above)", label);
            TEST_OK (zmq_ctx_term (ctx));
        }
    }
}

/* An explicit zmq_setsockopt wins over the variables. */
static void test_explicit_wins (void)
{
    void *ctx = ctx_with ("strict", NULL, NULL);
    clear_env ();
    setenv ("RAMPART_PROFILE", "strict", 1);
    setenv ("RAMPART_HANDSHAKE_FRAME_CAP", "2048", 1);
    setenv ("RAMPART_PIPE_BYTE_CAP", "1000", 1);
    setenv ("RAMPART_MAXMSGSIZE", "3000", 1);
    setenv ("RAMPART_HANDSHAKE_IVL", "700", 1);
    TEST_OK (zmq_ctx_term (ctx));
    ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PULL);
    TEST_ASSERT_EQ_INT (2048, get_i64 (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP));
    TEST_ASSERT_EQ_INT (1000, get_i64 (s, ZMQ_RAMPART_PIPE_BYTE_CAP));
    TEST_ASSERT_EQ_INT (3000, get_i64 (s, ZMQ_MAXMSGSIZE));
    TEST_ASSERT_EQ_INT (700, get_int (s, ZMQ_HANDSHAKE_IVL));
    int64_t v = 1 << 20;
    TEST_OK (zmq_setsockopt (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP, &v, sizeof v));
    TEST_ASSERT_EQ_INT (1 << 20, get_i64 (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP));
    v = -1;
    TEST_OK (zmq_setsockopt (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP, &v, sizeof v));
    TEST_ASSERT_EQ_INT (-1, get_i64 (s, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP));
    v = 0;
    TEST_OK (zmq_setsockopt (s, ZMQ_RAMPART_PIPE_BYTE_CAP, &v, sizeof v));
    TEST_ASSERT_EQ_INT (0, get_i64 (s, ZMQ_RAMPART_PIPE_BYTE_CAP));
    v = 99999;
    TEST_OK (zmq_setsockopt (s, ZMQ_RAMPART_PIPE_BYTE_CAP, &v, sizeof v));
    TEST_ASSERT_EQ_INT (99999, get_i64 (s, ZMQ_RAMPART_PIPE_BYTE_CAP));
    /* another socket still gets the variables' values */
    void *s2 = zmq_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_EQ_INT (2048, get_i64 (s2, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP));
    TEST_ASSERT_EQ_INT (1000, get_i64 (s2, ZMQ_RAMPART_PIPE_BYTE_CAP));
    TEST_OK (zmq_close (s2));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));
    clear_env ();
}

/* ---- on the wire ------------------------------------------------------- */

/* Sends a READY command of exactly `total` bytes (Socket-Type PUSH plus
 * one filler property); 0 or -1. */
static int send_big_ready (int fd, size_t total)
{
    unsigned char *body = calloc (1, total);
    if (!body)
        return -1;
    size_t n = 0;
    body[n++] = 5;
    memcpy (body + n, "READY", 5);
    n += 5;
    n += rz_put_property_header (body + n, "Socket-Type", 4);
    memcpy (body + n, "PUSH", 4);
    n += 4;
    size_t vlen = total - n - 1 - 5 - 4;
    n += rz_put_property_header (body + n, "X-Big", vlen);
    n += vlen;
    int rc = (n == total) ? rz_send_frame (fd, RZ_FLAG_COMMAND, body, total) : -1;
    free (body);
    return rc;
}

/* A raw peer with a READY of `ready_len` bytes then a message: 1 if the
 * message arrives, 0 if the connection is closed. */
static int big_ready_accepted (void *pull, const char *ep, size_t ready_len)
{
    int fd = rz_connect (ep);
    TEST_ASSERT (fd >= 0);
    TEST_ASSERT (rz_send_greeting (fd) == 0);
    TEST_ASSERT (rz_recv_greeting (fd, 3000) == 0);
    send_big_ready (fd, ready_len);
    rz_send_frame (fd, 0, "in", 2);
    int result = -1;
    int64_t deadline = test_now_ms () + 3000;
    while (result < 0 && test_now_ms () < deadline) {
        if (poll_in (pull, 10)) {
            recv_str (pull, "in");
            result = 1;
        } else if (!rz_is_open (fd)) {
            result = 0;
        }
    }
    close (fd);
    TEST_ASSERT (result >= 0);
    return result;
}

static void test_wire (void)
{
    char ep[256];
    /* RAMPART_MAXMSGSIZE */
    void *ctx = ctx_with (NULL, "RAMPART_MAXMSGSIZE", "1000");
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    int fd = rz_connect_ready (ep, "PUSH", 3000);
    TEST_ASSERT (fd >= 0);
    static unsigned char body[1001];
    memset (body, 'w', sizeof body);
    TEST_ASSERT (rz_send_frame_header (fd, 0, 1000, 1) == 0);
    TEST_ASSERT (rz_send_all (fd, body, 1000) == 0);
    char buf[1100];
    TEST_ASSERT_EQ_INT (1000, zmq_recv (pull, buf, sizeof buf, 0));
    TEST_ASSERT (rz_send_frame_header (fd, 0, 1001, 1) == 0);
    TEST_ASSERT (rz_wait_closed (fd, 3000) == 1);
    close (fd);
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx));

    /* RAMPART_HANDSHAKE_FRAME_CAP, and an explicit cap winning over it */
    ctx = ctx_with (NULL, "RAMPART_HANDSHAKE_FRAME_CAP", "4096");
    pull = zmq_socket (ctx, ZMQ_PULL);
    set_rcvtimeo (pull, 5000);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_ASSERT_EQ_INT (1, big_ready_accepted (pull, ep, 3000));
    TEST_ASSERT_EQ_INT (0, big_ready_accepted (pull, ep, 5000));
    TEST_ASSERT_EQ_INT (1, get_i64 (pull, ZMQ_RAMPART_STAT_OVERSIZE));
    close_zero (pull);
    pull = zmq_socket (ctx, ZMQ_PULL);
    int64_t cap = 8192;
    TEST_OK (zmq_setsockopt (pull, ZMQ_RAMPART_HANDSHAKE_FRAME_CAP, &cap, sizeof cap));
    set_rcvtimeo (pull, 5000);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    TEST_ASSERT_EQ_INT (1, big_ready_accepted (pull, ep, 5000));
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx));

    /* RAMPART_HANDSHAKE_IVL: a silent peer goes after about 200 ms */
    ctx = ctx_with ("compat", "RAMPART_HANDSHAKE_IVL", "200");
    pull = zmq_socket (ctx, ZMQ_PULL);
    bind_ephemeral (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    fd = rz_connect (ep);
    TEST_ASSERT (fd >= 0);
    int64_t t0 = test_now_ms ();
    TEST_ASSERT (rz_wait_closed (fd, 3000) == 1);
    int64_t took = test_now_ms () - t0;
    TEST_ASSERT (took >= 100);
    close (fd);
    TEST_ASSERT_EQ_INT (1, get_i64 (pull, ZMQ_RAMPART_STAT_HANDSHAKE_TIMEOUTS));
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx));

    /* RAMPART_PIPE_BYTE_CAP: 600-byte messages, cap 1000: two fit */
    ctx = ctx_with ("compat", "RAMPART_PIPE_BYTE_CAP", "1000");
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_OK (zmq_bind (pull, "inproc://env-bytecap"));
    TEST_OK (zmq_connect (push, "inproc://env-bytecap"));
    char m[600];
    memset (m, 'c', sizeof m);
    int sent = 0;
    while (sent < 100 && zmq_send (push, m, sizeof m, ZMQ_DONTWAIT) == (int) sizeof m)
        sent++;
    TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
    TEST_ASSERT_EQ_INT (2, sent);
    close_zero (push);
    close_zero (pull);
    /* an explicit 0 (no byte cap) wins: the message HWM rules again */
    push = zmq_socket (ctx, ZMQ_PUSH);
    pull = zmq_socket (ctx, ZMQ_PULL);
    int64_t zero = 0;
    TEST_OK (zmq_setsockopt (push, ZMQ_RAMPART_PIPE_BYTE_CAP, &zero, sizeof zero));
    TEST_OK (zmq_setsockopt (pull, ZMQ_RAMPART_PIPE_BYTE_CAP, &zero, sizeof zero));
    TEST_OK (zmq_bind (pull, "inproc://env-bytecap2"));
    TEST_OK (zmq_connect (push, "inproc://env-bytecap2"));
    sent = 0;
    while (sent < 100 && zmq_send (push, m, sizeof m, ZMQ_DONTWAIT) == (int) sizeof m)
        sent++;
    TEST_ASSERT_EQ_INT (100, sent);
    close_zero (push);
    close_zero (pull);
    TEST_OK (zmq_ctx_term (ctx));
    clear_env ();
}

int main (void)
{
    test_watchdog (90);
    if (!is_rampart ())
        TEST_SKIP ("Rampart's environment variables");
    /* first, while no context of this process has reported anything */
    test_reported_once ();
    test_knob_defaults ();
    test_explicit_wins ();
    test_wire ();
    clear_env ();
    return 0;
}
