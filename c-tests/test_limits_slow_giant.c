/* A slow giant: a raw peer declares a 1 GiB frame and trickles its body
 * (threat T4; HARDENING rule 2: nothing is allocated on a peer's word, a
 * body buffer grows with the bytes actually received).
 *
 * The victim (a PULL) lives in this process so its memory can be read from
 * /proc/self/status; the attacker is a forked child (forked before any zmq
 * call, it only uses rawzmtp.h) that connects, completes a NULL handshake as
 * a PUSH, sends a frame header declaring 1 GiB (8-byte length) and then
 * 64 KiB of body over 2 s, and keeps the connection open until told to
 * close.
 *
 * Checks:
 * - MAXMSGSIZE explicitly -1 (unlimited): the victim keeps serving a
 *   well-behaved peer during and after the attack and delivers nothing of
 *   the partial frame; on Rampart its VmRSS grows by less than 32 MiB and
 *   its VmSize (address space) by less than 512 MiB while the 1 GiB frame is
 *   in progress. On libzmq the growth is only printed (libzmq mallocs the
 *   declared 1 GiB up front: VmSize jumps by ~1 GiB while VmRSS barely
 *   moves, because the pages are never touched).
 * - Rampart only, RAMPART_PROFILE=default with MAXMSGSIZE not set: the 1 GiB
 *   declaration is rejected outright (connection closed within 3 s). */
/* RAMPART_TEST: labels=limits */
#include "testutil.h"
#include "rawzmtp.h"
#include <sys/wait.h>

#define GiB ((uint64_t) 1 << 30)
#define MiB (1024 * 1024)

struct cmd {
    int port; /* 0 = exit */
};
struct report {
    int handshake_ok;
    int closed;     /* the victim closed the connection during the trickle */
    int closed_ms;  /* when, after the header was sent */
    int bytes_sent; /* body bytes written before the end/close */
};

static int write_full (int fd, const void *buf, size_t len)
{
    const char *p = (const char *) buf;
    while (len) {
        ssize_t n = write (fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

static int read_full (int fd, void *buf, size_t len)
{
    char *p = (char *) buf;
    while (len) {
        ssize_t n = read (fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

/* ---- the attacker (child process) ------------------------------------- */
static void attacker (int cmd_fd, int rep_fd)
{
    static unsigned char chunk[2048];
    memset (chunk, 'G', sizeof chunk);
    for (;;) {
        struct cmd c;
        if (read_full (cmd_fd, &c, sizeof c) != 0 || c.port == 0)
            _exit (0);
        struct report r = {0, 0, 0, 0};
        int fd = rz_connect_port (c.port);
        if (fd >= 0 && rz_handshake (fd, "PUSH", 3000) == 0) {
            r.handshake_ok = 1;
            int64_t t0 = rz_now_ms ();
            if (rz_send_frame_header (fd, 0, GiB, 1) != 0) {
                r.closed = 1;
            } else {
                /* 32 x 2 KiB = 64 KiB, one chunk every ~62 ms = ~2 s */
                for (int i = 0; i < 32 && !r.closed; i++) {
                    if (!rz_is_open (fd) || rz_send_all (fd, chunk, sizeof chunk) != 0) {
                        r.closed = 1;
                        break;
                    }
                    r.bytes_sent += (int) sizeof chunk;
                    if (rz_wait_closed (fd, 62))
                        r.closed = 1;
                }
                if (!r.closed && rz_wait_closed (fd, 300))
                    r.closed = 1;
            }
            r.closed_ms = (int) (rz_now_ms () - t0);
        }
        if (write_full (rep_fd, &r, sizeof r) != 0)
            _exit (1);
        /* Hold the connection (and the victim's partial frame) until the
         * parent has measured and says "release". */
        char release;
        if (read_full (cmd_fd, &release, 1) != 0)
            _exit (0);
        if (fd >= 0)
            close (fd);
    }
}

/* ---- the victim side (this process) ----------------------------------- */
static int cmd_w, rep_r;
static pid_t child;

/* Runs one attack against `victim` while sampling memory; `good` must keep
 * delivering meanwhile. Fills *r; returns growth in kB via rss/vsz. */
static void run_attack (void *victim, void *good, const char *ep, struct report *r,
                        long *rss_growth, long *vsz_growth)
{
    /* settle, then baseline */
    send_str (good, "warm", 0);
    recv_str (victim, "warm");
    test_sleep_ms (100);
    long rss0 = proc_status_kb ("VmRSS"), vsz0 = proc_status_kb ("VmSize");
    long rss_max = rss0, vsz_max = vsz0;

    struct cmd c = {rz_endpoint_port (ep)};
    TEST_ASSERT (c.port > 0);
    TEST_ASSERT (write_full (cmd_w, &c, sizeof c) == 0);

    /* Sample while the child works; keep the good peer flowing. */
    int seq = 0;
    int64_t deadline = test_now_ms () + 15000;
    for (;;) {
        struct pollfd p = {rep_r, POLLIN, 0};
        int rc = poll (&p, 1, 20);
        long rss = proc_status_kb ("VmRSS"), vsz = proc_status_kb ("VmSize");
        if (rss > rss_max)
            rss_max = rss;
        if (vsz > vsz_max)
            vsz_max = vsz;
        if (rc == 1)
            break;
        if (test_now_ms () > deadline)
            TEST_FAIL ("attacker did not report within 15 s");
        if (++seq % 10 == 0) {
            char msg[32];
            snprintf (msg, sizeof msg, "during-%d", seq);
            send_str (good, msg, 0);
            recv_str (victim, msg);
        }
    }
    TEST_ASSERT (read_full (rep_r, r, sizeof *r) == 0);
    /* the frame is still in progress (unless rejected): measure once more */
    test_sleep_ms (100);
    long rss = proc_status_kb ("VmRSS"), vsz = proc_status_kb ("VmSize");
    if (rss > rss_max)
        rss_max = rss;
    if (vsz > vsz_max)
        vsz_max = vsz;

    /* the victim still serves, and nothing of the giant was delivered */
    send_str (good, "after", 0);
    recv_str (victim, "after");
    char buf[16];
    TEST_ERRNO (EAGAIN, zmq_recv (victim, buf, sizeof buf, ZMQ_DONTWAIT));

    char release = 'r';
    TEST_ASSERT (write_full (cmd_w, &release, 1) == 0);
    *rss_growth = rss_max - rss0;
    *vsz_growth = vsz_max - vsz0;
}

int main (void)
{
    test_watchdog (90);
    setenv ("RAMPART_PROFILE", "default", 1);
    unsetenv ("RAMPART_MAXMSGSIZE");
    unsetenv ("RAMPART_HANDSHAKE_IVL");

    int cmd_pipe[2], rep_pipe[2];
    TEST_ASSERT (pipe (cmd_pipe) == 0 && pipe (rep_pipe) == 0);
    child = fork ();
    TEST_ASSERT (child >= 0);
    if (child == 0) {
        close (cmd_pipe[1]);
        close (rep_pipe[0]);
        attacker (cmd_pipe[0], rep_pipe[1]);
        _exit (0);
    }
    close (cmd_pipe[0]);
    close (rep_pipe[1]);
    cmd_w = cmd_pipe[1];
    rep_r = rep_pipe[0];

    void *ctx = zmq_ctx_new ();
    /* 1. MAXMSGSIZE explicitly unlimited */
    void *victim = zmq_socket (ctx, ZMQ_PULL);
    int64_t unlimited = -1;
    TEST_OK (zmq_setsockopt (victim, ZMQ_MAXMSGSIZE, &unlimited, sizeof unlimited));
    char ep[256];
    bind_ephemeral (victim, "tcp://127.0.0.1:*", ep, sizeof ep);
    set_rcvtimeo (victim, 5000);
    void *good = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (good, ep));

    struct report r;
    long rss_g = 0, vsz_g = 0;
    run_attack (victim, good, ep, &r, &rss_g, &vsz_g);
    TEST_ASSERT (r.handshake_ok);
    fprintf (stderr,
             "%s, MAXMSGSIZE -1, 1 GiB declared, %d body bytes trickled: "
             "connection %s; victim VmRSS +%ld kB, VmSize +%ld kB\n",
             is_rampart () ? "rampart" : "libzmq", r.bytes_sent,
             r.closed ? "closed" : "kept open", rss_g, vsz_g);
    if (r.closed)
        TEST_FAIL ("MAXMSGSIZE -1: the victim closed a connection that only "
                   "trickled a legal (unlimited) frame");
    TEST_ASSERT_EQ_INT (64 * 1024, r.bytes_sent);
    if (is_rampart ()) {
        if (rss_g >= 32 * 1024)
            TEST_FAIL ("VmRSS grew by %ld kB (limit 32 MiB) for 64 KiB received",
                       rss_g);
        if (vsz_g >= 512 * 1024)
            TEST_FAIL ("VmSize grew by %ld kB: memory was reserved for the "
                       "declared 1 GiB",
                       vsz_g);
    }
    close_zero (victim);
    close_zero (good);

    /* 2. Rampart's default profile: rejected outright */
    if (is_rampart ()) {
        victim = zmq_socket (ctx, ZMQ_PULL);
        bind_ephemeral (victim, "tcp://127.0.0.1:*", ep, sizeof ep);
        set_rcvtimeo (victim, 5000);
        good = zmq_socket (ctx, ZMQ_PUSH);
        TEST_OK (zmq_connect (good, ep));
        run_attack (victim, good, ep, &r, &rss_g, &vsz_g);
        TEST_ASSERT (r.handshake_ok);
        fprintf (stderr,
                 "rampart, default profile, 1 GiB declared: connection %s after "
                 "%d ms; VmRSS +%ld kB, VmSize +%ld kB\n",
                 r.closed ? "closed" : "kept open", r.closed_ms, rss_g, vsz_g);
        if (!r.closed || r.closed_ms > 3000)
            TEST_FAIL ("default profile: a 1 GiB declaration was not rejected "
                       "within 3 s");
        close_zero (victim);
        close_zero (good);
    } else {
        fprintf (stderr, "libzmq: default-profile check skipped (Rampart only)\n");
    }

    struct cmd quit = {0};
    TEST_ASSERT (write_full (cmd_w, &quit, sizeof quit) == 0);
    int status = 0;
    TEST_ASSERT (waitpid (child, &status, 0) == child);
    TEST_ASSERT (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
