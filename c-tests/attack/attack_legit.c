/* attack_legit MODE --connect EP [options]: the well-behaved peer of the
 * attack suite. It connects to the victim, does ordinary work until
 * SIGTERM/SIGINT and reports how well it was served (TICK lines with
 * counters, then "RESULT legit ...").
 *
 *   subs  --count N SUB sockets subscribed to everything; counts messages
 *         in total and the least any one subscriber got (T1)
 *   push  PUSH sending --size byte messages starting with 'L', at --rate
 *         msg/s (0 = as fast as the victim takes them; each send bounded by
 *         a 100 ms SNDTIMEO) (T2, T4)
 *   req   REQ round trips every --interval-ms, scheduled so that one starts
 *         exactly at --mark (monotonic ms, 0 = none); reports the median
 *         round trip before and after the mark and the time from the mark
 *         to the first reply to a request sent at or after it. With
 *         --fresh-at T (monotonic ms) a second REQ connects at T and times
 *         its first round trip (a client arriving in the middle of an
 *         attack). A request unanswered for --rtt-timeout-ms (2000) is
 *         counted as a timeout and sent again (REQ_RELAXED) (T3)
 *   pull  PULL counting messages (T5)
 *
 * Other options: --tick-ms N (250), --max-seconds N (watchdog, 120). */
#include "testutil.h"
#include "attack_util.h"
#include <pthread.h>

static struct atk_opt opts[] = {
    {"--connect", ""},       {"--count", "1"},         {"--size", "64"},
    {"--rate", "0"},         {"--interval-ms", "10"},  {"--mark", "0"},
    {"--fresh-at", "0"},     {"--rtt-timeout-ms", "2000"},
    {"--tick-ms", "250"},    {"--max-seconds", "120"},
};
#define NOPTS ((int) (sizeof opts / sizeof opts[0]))

static void *ctx;
static const char *endpoint;
static struct atk_ticker ticker;

static void zdie (const char *what)
{
    atk_die ("%s: %s (errno %d)", what, zmq_strerror (zmq_errno ()), zmq_errno ());
}

static void *connect_socket (int type)
{
    void *s = zmq_socket (ctx, type);
    if (!s)
        zdie ("zmq_socket");
    int zero = 0;
    zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
    if (type == ZMQ_SUB && zmq_setsockopt (s, ZMQ_SUBSCRIBE, "", 0) != 0)
        zdie ("ZMQ_SUBSCRIBE");
    if (zmq_connect (s, endpoint) != 0)
        zdie ("zmq_connect");
    return s;
}

/* ---- subs ------------------------------------------------------------- */
static void run_subs (int n)
{
    void **subs = calloc ((size_t) n, sizeof *subs);
    long long *got = calloc ((size_t) n, sizeof *got);
    zmq_pollitem_t *items = calloc ((size_t) n, sizeof *items);
    if (!subs || !got || !items)
        atk_die ("out of memory");
    for (int i = 0; i < n; i++) {
        subs[i] = connect_socket (ZMQ_SUB);
        items[i].socket = subs[i];
        items[i].events = ZMQ_POLLIN;
    }
    long long total = 0, bytes = 0;
    zmq_msg_t m;
    zmq_msg_init (&m);
    while (!atk_stopping ()) {
        if (atk_tick_due (&ticker)) {
            long long min = n ? got[0] : 0;
            for (int i = 1; i < n; i++)
                if (got[i] < min)
                    min = got[i];
            printf (" msgs=%lld min_sub=%lld bytes=%lld\n", total, min, bytes);
            fflush (stdout);
        }
        int rc = zmq_poll (items, n, 100);
        if (rc < 0) {
            if (zmq_errno () == EINTR)
                continue;
            zdie ("zmq_poll");
        }
        for (int i = 0; i < n; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            for (int k = 0; k < 64; k++) {
                int len = zmq_msg_recv (&m, subs[i], ZMQ_DONTWAIT);
                if (len < 0)
                    break;
                got[i]++;
                total++;
                bytes += len;
            }
        }
    }
    zmq_msg_close (&m);
    long long min = n ? got[0] : 0;
    for (int i = 1; i < n; i++)
        if (got[i] < min)
            min = got[i];
    printf ("RESULT legit mode=subs msgs=%lld min_sub=%lld bytes=%lld\n", total,
            min, bytes);
    for (int i = 0; i < n; i++)
        zmq_close (subs[i]);
    free (subs);
    free (got);
    free (items);
}

/* ---- push ------------------------------------------------------------- */
static void run_push (size_t size, double rate)
{
    void *s = connect_socket (ZMQ_PUSH);
    int timeout = 100;
    zmq_setsockopt (s, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    char *buf = malloc (size < 16 ? 16 : size);
    if (!buf)
        atk_die ("out of memory");
    memset (buf, 'l', size < 16 ? 16 : size);
    buf[0] = 'L';
    long long sent = 0, eagain = 0;
    struct atk_pacer p;
    atk_pacer_init (&p, rate);
    while (!atk_stopping ()) {
        if (atk_tick_due (&ticker)) {
            printf (" sent=%lld eagain=%lld\n", sent, eagain);
            fflush (stdout);
        }
        int64_t wait = atk_pacer_wait_us (&p);
        if (wait > 0) {
            atk_sleep_us (wait > 50000 ? 50000 : wait);
            continue;
        }
        if (zmq_send (s, buf, size, 0) >= 0) {
            sent++;
            atk_pacer_done (&p);
        } else if (zmq_errno () == EAGAIN) {
            eagain++;
        } else if (zmq_errno () != EINTR) {
            zdie ("zmq_send");
        }
    }
    printf ("RESULT legit mode=push sent=%lld eagain=%lld\n", sent, eagain);
    free (buf);
    zmq_close (s);
}

/* ---- pull ------------------------------------------------------------- */
static void run_pull (void)
{
    void *s = connect_socket (ZMQ_PULL);
    int timeout = 100;
    zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    long long msgs = 0, bytes = 0;
    zmq_msg_t m;
    zmq_msg_init (&m);
    while (!atk_stopping ()) {
        if (atk_tick_due (&ticker)) {
            printf (" msgs=%lld bytes=%lld\n", msgs, bytes);
            fflush (stdout);
        }
        int len = zmq_msg_recv (&m, s, 0);
        if (len < 0) {
            if (zmq_errno () == EAGAIN || zmq_errno () == EINTR)
                continue;
            zdie ("zmq_msg_recv");
        }
        msgs++;
        bytes += len;
    }
    zmq_msg_close (&m);
    printf ("RESULT legit mode=pull msgs=%lld bytes=%lld\n", msgs, bytes);
    zmq_close (s);
}

/* ---- req -------------------------------------------------------------- */
static int64_t fresh_at_ms;
static long long fresh_result_ms = -2; /* -2: not tried, -1: no reply */

/* The client that arrives mid-attack: connect at fresh_at_ms, one round
 * trip, bounded by the stop flag and 10 s. */
static void *fresh_client (void *arg)
{
    (void) arg;
    atk_sleep_until_ms (fresh_at_ms);
    if (atk_stopping ())
        return NULL;
    int64_t t0 = atk_now_ms ();
    void *s = connect_socket (ZMQ_REQ);
    fresh_result_ms = -1;
    if (zmq_send (s, "fresh", 5, 0) == 5) {
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        while (!atk_stopping () && atk_now_ms () - t0 < 10000) {
            it.revents = 0;
            if (zmq_poll (&it, 1, 50) > 0 && (it.revents & ZMQ_POLLIN)) {
                char buf[16];
                if (zmq_recv (s, buf, sizeof buf, 0) >= 0)
                    fresh_result_ms = atk_now_ms () - t0;
                break;
            }
        }
    }
    zmq_close (s);
    return NULL;
}

static int cmp_i64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

static int64_t percentile (int64_t *v, long n, double q)
{
    if (n <= 0)
        return -1;
    qsort (v, (size_t) n, sizeof *v, cmp_i64);
    long i = (long) (q * (double) (n - 1) + 0.5);
    return v[i];
}

static void run_req (int64_t interval_ms, int64_t mark, int64_t rtt_timeout_ms)
{
    void *s = connect_socket (ZMQ_REQ);
    int one = 1;
    zmq_setsockopt (s, ZMQ_REQ_RELAXED, &one, sizeof one);
    zmq_setsockopt (s, ZMQ_REQ_CORRELATE, &one, sizeof one);
    pthread_t fresh;
    int have_fresh = 0;
    if (fresh_at_ms > 0)
        have_fresh = pthread_create (&fresh, NULL, fresh_client, NULL) == 0;

    long cap = 1 << 20, n_before = 0, n_after = 0;
    int64_t *before = malloc (sizeof (int64_t) * (size_t) cap);
    int64_t *after = malloc (sizeof (int64_t) * (size_t) cap);
    if (!before || !after)
        atk_die ("out of memory");
    long long ok = 0, timeouts = 0, seq = 0;
    int64_t first_after_ms = -1, max_after_us = -1, last_ok_ms = 0;
    if (interval_ms <= 0)
        interval_ms = 1;
    /* the schedule: start times congruent to the mark */
    int64_t next = atk_now_ms ();
    if (mark > 0) {
        int64_t phase = ((mark - next) % interval_ms + interval_ms) % interval_ms;
        next += phase;
    }
    while (!atk_stopping ()) {
        if (atk_tick_due (&ticker)) {
            printf (" ok=%lld timeouts=%lld last_ok=%lld\n", ok, timeouts,
                    (long long) last_ok_ms);
            fflush (stdout);
        }
        int64_t now = atk_now_ms ();
        if (now < next) {
            atk_sleep_us ((next - now > 50 ? 50 : next - now) * 1000);
            continue;
        }
        int64_t sent_ms = next;
        next += interval_ms;
        char req[32];
        int len = snprintf (req, sizeof req, "Q%lld", seq++);
        int64_t t0 = atk_now_us ();
        if (zmq_send (s, req, (size_t) len, 0) < 0) {
            if (zmq_errno () == EINTR)
                continue;
            zdie ("zmq_send");
        }
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        int answered = 0;
        while (!atk_stopping ()) {
            int64_t waited = (atk_now_us () - t0) / 1000;
            if (waited >= rtt_timeout_ms)
                break;
            it.revents = 0;
            int64_t left = rtt_timeout_ms - waited;
            int rc = zmq_poll (&it, 1, left > 100 ? 100 : (long) left);
            if (rc < 0 && zmq_errno () != EINTR)
                zdie ("zmq_poll");
            if (rc > 0 && (it.revents & ZMQ_POLLIN)) {
                char buf[64];
                if (zmq_recv (s, buf, sizeof buf, 0) >= 0)
                    answered = 1;
                break;
            }
        }
        if (!answered) {
            if (!atk_stopping ())
                timeouts++;
            continue;
        }
        int64_t rtt = atk_now_us () - t0;
        ok++;
        last_ok_ms = atk_now_ms ();
        if (mark > 0 && sent_ms >= mark) {
            if (n_after < cap)
                after[n_after++] = rtt;
            if (first_after_ms < 0)
                first_after_ms = last_ok_ms - mark;
            if (rtt > max_after_us)
                max_after_us = rtt;
        } else if (n_before < cap) {
            before[n_before++] = rtt;
        }
        if (next < atk_now_ms ())
            next = atk_now_ms (); /* do not burst after a slow reply */
    }
    if (have_fresh)
        pthread_join (fresh, NULL);
    printf ("RESULT legit mode=req ok=%lld timeouts=%lld n_before=%ld n_after=%ld"
            " median_before_us=%lld median_after_us=%lld p90_after_us=%lld"
            " max_after_us=%lld first_after_mark_ms=%lld fresh_ms=%lld"
            " last_ok=%lld\n",
            ok, timeouts, n_before, n_after,
            (long long) percentile (before, n_before, 0.5),
            (long long) percentile (after, n_after, 0.5),
            (long long) percentile (after, n_after, 0.9), (long long) max_after_us,
            (long long) first_after_ms, fresh_result_ms, (long long) last_ok_ms);
    free (before);
    free (after);
    zmq_close (s);
}

int main (int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf (stderr, "usage: attack_legit subs|push|req|pull --connect EP "
                         "[options]\n");
        return 1;
    }
    const char *mode = argv[1];
    atk_parse_opts (argc, argv, 2, opts, NOPTS);
    atk_install_signals ((unsigned) atk_opt_num (opts, NOPTS, "--max-seconds"));
    endpoint = atk_opt_str (opts, NOPTS, "--connect");
    if (!*endpoint)
        atk_die ("--connect is required");
    ctx = zmq_ctx_new ();
    if (!ctx)
        zdie ("zmq_ctx_new");
    printf ("READY pid=%d mode=%s rampart=%d\n", (int) getpid (), mode,
            is_rampart () ? 1 : 0);
    fflush (stdout);
    atk_ticker_init (&ticker, atk_opt_num (opts, NOPTS, "--tick-ms"));

    if (strcmp (mode, "subs") == 0)
        run_subs ((int) atk_opt_num (opts, NOPTS, "--count"));
    else if (strcmp (mode, "push") == 0)
        run_push ((size_t) atk_opt_num (opts, NOPTS, "--size"),
                  (double) atk_opt_num (opts, NOPTS, "--rate"));
    else if (strcmp (mode, "pull") == 0)
        run_pull ();
    else if (strcmp (mode, "req") == 0) {
        fresh_at_ms = atk_opt_num (opts, NOPTS, "--fresh-at");
        run_req (atk_opt_num (opts, NOPTS, "--interval-ms"),
                 atk_opt_num (opts, NOPTS, "--mark"),
                 atk_opt_num (opts, NOPTS, "--rtt-timeout-ms"));
    } else
        atk_die ("unknown mode '%s'", mode);
    fflush (stdout);
    zmq_ctx_term (ctx);
    return 0;
}
