/* attack_victim MODE [options]: the process under attack in the attack
 * suite (threats T1..T5 of HARDENING.md). It binds one socket on loopback,
 * serves until SIGTERM/SIGINT, and reports its own memory and CPU.
 *
 *   pub   PUB publishing --size byte messages at --rate msg/s (T1)
 *   pull  PULL receiving; counts messages whose first byte is 'L' (the
 *         legitimate peer's) apart from the rest; --rate caps how many
 *         messages per second it processes (a consumer with finite
 *         capacity; 0 = as fast as they come) (T2, T4)
 *   rep   REP echoing every request (T3)
 *   push  PUSH sending --size byte messages as fast as it can, each send
 *         bounded by a 100 ms SNDTIMEO (EAGAIN counted) (T5)
 *
 * Options: --bind EP (tcp://127.0.0.1:*), --size N (K/M/G suffixes),
 * --rate N, --nofile N|max|keep (soft RLIMIT_NOFILE, set before the
 * context exists), --tick-ms N (250), --max-seconds N (watchdog, 120).
 *
 * Output (see attack_util.h): READY pid=... endpoint=... rampart=0|1, TICK
 * lines with the counters, and at the end "RESULT victim ..." with VmHWM,
 * VmPeak and CPU (getrusage). Exit 0 after a clean stop, 2 on errors. */
#include "testutil.h"
#include "attack_util.h"

static struct atk_opt opts[] = {
    {"--bind", "tcp://127.0.0.1:*"},
    {"--size", "256K"},
    {"--rate", "0"},
    {"--nofile", "keep"},
    {"--tick-ms", "250"},
    {"--max-seconds", "120"},
};
#define NOPTS ((int) (sizeof opts / sizeof opts[0]))

static long long n_sent, n_failed, n_legit, n_other, n_bytes, n_served;
static int64_t max_send_ms;

static void zdie (const char *what)
{
    atk_die ("%s: %s (errno %d)", what, zmq_strerror (zmq_errno ()), zmq_errno ());
}

static void print_counters (void)
{
    printf (" sent=%lld failed=%lld legit=%lld other=%lld bytes=%lld served=%lld"
            " max_send_ms=%lld",
            n_sent, n_failed, n_legit, n_other, n_bytes, n_served,
            (long long) max_send_ms);
}

static void maybe_tick (struct atk_ticker *t)
{
    if (!atk_tick_due (t))
        return;
    print_counters ();
    atk_print_self ();
    printf ("\n");
    fflush (stdout);
}

/* One send, counted, with the longest time a send took. */
static void timed_send (void *s, const char *buf, size_t size, int flags)
{
    int64_t t0 = atk_now_ms ();
    int rc = zmq_send (s, buf, size, flags);
    int64_t took = atk_now_ms () - t0;
    if (took > max_send_ms)
        max_send_ms = took;
    if (rc >= 0) {
        n_sent++;
        n_bytes += (long long) size;
    } else if (zmq_errno () == EAGAIN) {
        n_failed++;
    } else if (zmq_errno () != EINTR) {
        zdie ("zmq_send");
    }
}

/* PUB: paced sends; a PUB never blocks (it drops at the HWM). */
static void run_pub (void *s, size_t size, double rate, struct atk_ticker *t)
{
    char *buf = malloc (size ? size : 1);
    if (!buf)
        atk_die ("out of memory");
    memset (buf, 'P', size);
    struct atk_pacer p;
    atk_pacer_init (&p, rate);
    while (!atk_stopping ()) {
        maybe_tick (t);
        int64_t wait = atk_pacer_wait_us (&p);
        if (wait > 0) {
            atk_sleep_us (wait > 50000 ? 50000 : wait);
            continue;
        }
        if (size >= 8)
            memcpy (buf, &n_sent, 8);
        timed_send (s, buf, size, ZMQ_DONTWAIT);
        atk_pacer_done (&p);
    }
    free (buf);
}

/* PULL: counts per source ('L' = legitimate); optional processing cap. */
static void run_pull (void *s, double rate, struct atk_ticker *t)
{
    int timeout = 100;
    zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    struct atk_pacer p;
    atk_pacer_init (&p, rate);
    zmq_msg_t m;
    zmq_msg_init (&m);
    while (!atk_stopping ()) {
        maybe_tick (t);
        /* short waits are taken in batches: fewer wake-ups, same rate */
        int64_t wait = atk_pacer_wait_us (&p);
        if (wait >= 2000) {
            atk_sleep_us (wait > 50000 ? 50000 : wait);
            continue;
        }
        int rc = zmq_msg_recv (&m, s, 0);
        if (rc < 0) {
            if (zmq_errno () == EAGAIN || zmq_errno () == EINTR)
                continue;
            zdie ("zmq_msg_recv");
        }
        const char *d = (const char *) zmq_msg_data (&m);
        if (rc > 0 && d[0] == 'L')
            n_legit++;
        else
            n_other++;
        n_bytes += rc;
        atk_pacer_done (&p);
    }
    zmq_msg_close (&m);
}

/* REP: echo. */
static void run_rep (void *s, struct atk_ticker *t)
{
    int timeout = 100;
    zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_msg_t m;
    zmq_msg_init (&m);
    while (!atk_stopping ()) {
        maybe_tick (t);
        int rc = zmq_msg_recv (&m, s, 0);
        if (rc < 0) {
            if (zmq_errno () == EAGAIN || zmq_errno () == EINTR)
                continue;
            zdie ("zmq_msg_recv");
        }
        n_bytes += rc;
        while (zmq_msg_send (&m, s, 0) < 0) {
            if (zmq_errno () != EINTR)
                zdie ("zmq_msg_send");
            if (atk_stopping ())
                break;
        }
        n_served++;
    }
    zmq_msg_close (&m);
}

/* PUSH: as fast as it can, each send bounded by SNDTIMEO. */
static void run_push (void *s, size_t size, struct atk_ticker *t)
{
    int timeout = 100;
    zmq_setsockopt (s, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    char *buf = malloc (size ? size : 1);
    if (!buf)
        atk_die ("out of memory");
    memset (buf, 'V', size);
    while (!atk_stopping ()) {
        maybe_tick (t);
        timed_send (s, buf, size, 0);
    }
    free (buf);
}

int main (int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf (stderr, "usage: attack_victim pub|pull|rep|push [--bind EP] "
                         "[--size N] [--rate N] [--nofile N|max] [--tick-ms N] "
                         "[--max-seconds N]\n");
        return 1;
    }
    const char *mode = argv[1];
    atk_parse_opts (argc, argv, 2, opts, NOPTS);
    atk_install_signals ((unsigned) atk_opt_num (opts, NOPTS, "--max-seconds"));
    long nofile = atk_set_nofile (atk_opt_str (opts, NOPTS, "--nofile"));
    size_t size = (size_t) atk_opt_num (opts, NOPTS, "--size");
    double rate = (double) atk_opt_num (opts, NOPTS, "--rate");

    int type;
    if (strcmp (mode, "pub") == 0)
        type = ZMQ_PUB;
    else if (strcmp (mode, "pull") == 0)
        type = ZMQ_PULL;
    else if (strcmp (mode, "rep") == 0)
        type = ZMQ_REP;
    else if (strcmp (mode, "push") == 0)
        type = ZMQ_PUSH;
    else
        atk_die ("unknown mode '%s'", mode);

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        zdie ("zmq_ctx_new");
    void *s = zmq_socket (ctx, type);
    if (!s)
        zdie ("zmq_socket");
    int zero = 0;
    zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind (s, atk_opt_str (opts, NOPTS, "--bind")) != 0)
        zdie ("zmq_bind");
    char ep[256];
    size_t eplen = sizeof ep;
    if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &eplen) != 0)
        zdie ("zmq_getsockopt(ZMQ_LAST_ENDPOINT)");
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("READY pid=%d endpoint=%s rampart=%d version=%d.%d.%d nofile=%ld "
            "mode=%s\n",
            (int) getpid (), ep, is_rampart () ? 1 : 0, major, minor, patch,
            nofile, mode);
    fflush (stdout);

    struct atk_ticker ticker;
    atk_ticker_init (&ticker, atk_opt_num (opts, NOPTS, "--tick-ms"));
    if (type == ZMQ_PUB)
        run_pub (s, size, rate, &ticker);
    else if (type == ZMQ_PULL)
        run_pull (s, rate, &ticker);
    else if (type == ZMQ_REP)
        run_rep (s, &ticker);
    else
        run_push (s, size, &ticker);

    /* Report first: closing thousands of connections may take a while. */
    printf ("RESULT victim mode=%s", mode);
    print_counters ();
    atk_print_self ();
    printf ("\n");
    fflush (stdout);
    zmq_close (s);
    zmq_ctx_term (ctx);
    return 0;
}
