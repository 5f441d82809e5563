/* Shared helpers for the attack suite's programs (attack_victim,
 * attack_legit, attack_raw): argument parsing, a stop flag set by SIGTERM /
 * SIGINT, the fd limit, the process's own memory and CPU, and the
 * machine-readable lines the runner (attack_run.py) parses:
 *
 *   READY pid=<pid> key=value ...     once, when the program serves/runs
 *   ESTABLISHED key=value ...         attackers: the attack is in place
 *   TICK t=<monotonic ms> key=value   periodically (counters so far)
 *   RESULT <role> key=value ...       once, at exit
 *
 * t= values are CLOCK_MONOTONIC milliseconds, comparable across processes
 * on the same machine (Python's time.monotonic () uses the same clock).
 *
 * No zmq calls here: attack_raw includes this without zmq.h. */
#ifndef RAMPART_ATTACK_UTIL_H
#define RAMPART_ATTACK_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../procstatus.h"
#include <unistd.h>


static volatile sig_atomic_t atk_stop_flag;

static void atk_on_stop (int sig)
{
    (void) sig;
    atk_stop_flag = 1;
}

/* SIGTERM and SIGINT set the stop flag; blocking calls return EINTR (no
 * SA_RESTART), so loops notice it promptly. SIGPIPE is ignored. A watchdog
 * (SIGALRM, default action) ends the process if it outlives max_seconds. */
static inline void atk_install_signals (unsigned max_seconds)
{
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = atk_on_stop;
    sigemptyset (&sa.sa_mask);
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);
    signal (SIGALRM, SIG_DFL);
    if (max_seconds)
        alarm (max_seconds);
}

static inline int atk_stopping (void)
{
    return atk_stop_flag != 0;
}

static inline int64_t atk_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t atk_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sleeps `us` microseconds (returns early on a signal). */
static inline void atk_sleep_us (int64_t us)
{
    if (us <= 0)
        return;
    struct timespec ts = {(time_t) (us / 1000000), (long) (us % 1000000) * 1000L};
    nanosleep (&ts, NULL);
}

/* Sleeps until monotonic time `t_ms` or until stopped. */
static inline void atk_sleep_until_ms (int64_t t_ms)
{
    for (;;) {
        int64_t left = t_ms - atk_now_ms ();
        if (left <= 0 || atk_stopping ())
            return;
        atk_sleep_us ((left > 100 ? 100 : left) * 1000);
    }
}

static inline void atk_die (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    fprintf (stderr, "error: ");
    vfprintf (stderr, fmt, ap);
    fprintf (stderr, "\n");
    va_end (ap);
    exit (2);
}

/* Parses a non-negative integer with an optional K/M/G suffix (powers of
 * 1024), or exits with a usage error. */
static inline long long atk_parse_size (const char *text, const char *name)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll (text, &end, 10);
    if (errno != 0 || end == text || v < 0)
        atk_die ("invalid %s '%s'", name, text);
    if (*end == 'K' || *end == 'k')
        v *= 1024LL, end++;
    else if (*end == 'M' || *end == 'm')
        v *= 1024LL * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        v *= 1024LL * 1024 * 1024, end++;
    if (*end != 0)
        atk_die ("invalid %s '%s'", name, text);
    return v;
}

/* Option table: "--name value" pairs after the mode word. */
struct atk_opt {
    const char *name;
    const char *value; /* default; replaced by the command line */
};

static inline void atk_parse_opts (int argc, char **argv, int first,
                                   struct atk_opt *opts, int nopts)
{
    for (int i = first; i < argc; i++) {
        int found = 0;
        for (int k = 0; k < nopts; k++) {
            if (strcmp (argv[i], opts[k].name) == 0) {
                if (i + 1 >= argc)
                    atk_die ("%s needs a value", argv[i]);
                opts[k].value = argv[++i];
                found = 1;
                break;
            }
        }
        if (!found)
            atk_die ("unknown option '%s'", argv[i]);
    }
}

static inline const char *atk_opt_str (struct atk_opt *opts, int nopts,
                                       const char *name)
{
    for (int k = 0; k < nopts; k++)
        if (strcmp (opts[k].name, name) == 0)
            return opts[k].value;
    atk_die ("internal: no option %s", name);
    return NULL;
}

static inline long long atk_opt_num (struct atk_opt *opts, int nopts,
                                     const char *name)
{
    return atk_parse_size (atk_opt_str (opts, nopts, name), name);
}

/* Sets the soft RLIMIT_NOFILE: "max" raises it to the hard limit, "" or
 * "keep" leaves it, a number sets it (capped at the hard limit). Returns
 * the soft limit in force. */
static inline long atk_set_nofile (const char *spec)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (spec && *spec && strcmp (spec, "keep") != 0) {
        rlim_t want = strcmp (spec, "max") == 0
                        ? rl.rlim_max
                        : (rlim_t) atk_parse_size (spec, "--nofile");
        if (want > rl.rlim_max)
            want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
            fprintf (stderr, "warning: setrlimit(NOFILE, %ld): %s\n",
                     (long) want, strerror (errno));
        getrlimit (RLIMIT_NOFILE, &rl);
    }
    return (long) rl.rlim_cur;
}

static inline long atk_nofile_hard (void)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
        return -1;
    return (long) rl.rlim_max;
}

/* User + system CPU of the whole process so far, in milliseconds. */
static inline int64_t atk_cpu_ms (void)
{
    struct rusage ru;
    if (getrusage (RUSAGE_SELF, &ru) != 0)
        return -1;
    return (int64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000
           + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* The memory/CPU part of RESULT and TICK lines. */
static inline void atk_print_self (void)
{
    printf (" vmhwm_kb=%ld vmpeak_kb=%ld vmrss_kb=%ld cpu_ms=%lld",
            status_kb ("VmHWM"), status_kb ("VmPeak"),
            status_kb ("VmRSS"), (long long) atk_cpu_ms ());
}

/* Calls fn every tick_ms (when due); fn prints the rest of a TICK line. */
struct atk_ticker {
    int64_t next_ms;
    int64_t every_ms;
};

static inline void atk_ticker_init (struct atk_ticker *t, int64_t every_ms)
{
    t->every_ms = every_ms > 0 ? every_ms : 250;
    t->next_ms = atk_now_ms ();
}

/* True (and prints "TICK t=..." without a newline) when a tick is due. */
static inline int atk_tick_due (struct atk_ticker *t)
{
    int64_t now = atk_now_ms ();
    if (now < t->next_ms)
        return 0;
    t->next_ms = now + t->every_ms;
    printf ("TICK t=%lld", (long long) now);
    return 1;
}

/* Paces events at `rate` per second (rate <= 0: unpaced). A pacer that
 * fell behind (idle, or slower than the rate) catches up by at most
 * max_lag_us worth of events in a burst. */
struct atk_pacer {
    double rate;
    int64_t next_us;
    int64_t max_lag_us;
};

static inline void atk_pacer_init (struct atk_pacer *p, double rate)
{
    p->rate = rate;
    p->next_us = atk_now_us ();
    p->max_lag_us = 100000;
}

/* Microseconds to wait before the next event (0: go now). */
static inline int64_t atk_pacer_wait_us (struct atk_pacer *p)
{
    if (p->rate <= 0)
        return 0;
    int64_t now = atk_now_us ();
    if (p->next_us < now - p->max_lag_us)
        p->next_us = now - p->max_lag_us;
    return p->next_us > now ? p->next_us - now : 0;
}

static inline void atk_pacer_done (struct atk_pacer *p)
{
    if (p->rate > 0)
        p->next_us += (int64_t) (1e6 / p->rate);
}

#endif
