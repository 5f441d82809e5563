/* The RAMPART_* variables of the hardening knobs added with budgets, caps,
 * eviction, keepalive, heartbeats and subscription limits (the first six
 * are in test_rampart_env.c): each sets its socket (or context) default
 * under the default profile; a malformed value is ignored (the profile's
 * value stays) and reported on stderr exactly once however many contexts
 * read it. Each case runs in a forked child so its environment and stderr
 * are its own. Rampart only. */
#include "testutil.h"
#include <rampart.h>
#include <sys/wait.h>

enum where { SOCK_INT, SOCK_I64, CTX_MB };

struct knob {
    const char *var;
    const char *value;
    enum where where;
    int id;
    int64_t expected;
};

static const struct knob knobs[] = {
  {"RAMPART_MAX_CONNECTIONS", "10", SOCK_I64, ZMQ_RAMPART_MAX_CONNECTIONS, 10},
  {"RAMPART_MAX_CONNECTIONS_PER_ADDRESS", "7", SOCK_I64,
   ZMQ_RAMPART_MAX_CONNECTIONS_PER_ADDRESS, 7},
  {"RAMPART_MAX_HANDSHAKES", "3", SOCK_I64, ZMQ_RAMPART_MAX_HANDSHAKES, 3},
  {"RAMPART_SOCKET_BUDGET", "123456", SOCK_I64, ZMQ_RAMPART_SOCKET_BUDGET, 123456},
  {"RAMPART_CTX_BUDGET", "10485760", CTX_MB, ZMQ_RAMPART_CTX_BUDGET_MB, 10},
  {"RAMPART_STALL_EVICT_IVL", "1500", SOCK_INT, ZMQ_RAMPART_STALL_EVICT_IVL, 1500},
  {"RAMPART_MAX_TOPIC", "100", SOCK_I64, ZMQ_RAMPART_MAX_TOPIC, 100},
  {"RAMPART_SUBSCRIPTION_MEMORY", "5000", SOCK_I64,
   ZMQ_RAMPART_SUBSCRIPTION_MEMORY, 5000},
  {"RAMPART_TCP_KEEPALIVE", "0", SOCK_INT, ZMQ_TCP_KEEPALIVE, 0},
  {"RAMPART_HEARTBEAT_IVL", "250", SOCK_INT, ZMQ_HEARTBEAT_IVL, 250},
  {"RAMPART_HEARTBEAT_TIMEOUT", "900", SOCK_INT, ZMQ_HEARTBEAT_TIMEOUT, 900},
};
#define NKNOBS (sizeof knobs / sizeof knobs[0])

static int64_t read_knob (void *ctx, const struct knob *k)
{
    if (k->where == CTX_MB)
        return zmq_ctx_get (ctx, k->id);
    void *s = zmq_socket (ctx, ZMQ_PUB);
    int64_t v = k->where == SOCK_INT ? get_int (s, k->id) : get_i64 (s, k->id);
    close_zero (s);
    return v;
}

/* In a child: the knob with `value` set; returns 0 when it reads
 * `expected` in two fresh contexts. */
static int child (const struct knob *k, const char *value, int64_t expected,
                  const char *err_path)
{
    if (!freopen (err_path, "w", stderr))
        _exit (3);
    setenv ("RAMPART_PROFILE", "default", 1);
    setenv (k->var, value, 1);
    for (int round = 0; round < 2; round++) {
        void *ctx = zmq_ctx_new ();
        int64_t v = read_knob (ctx, k);
        zmq_ctx_term (ctx);
        if (v != expected) {
            fprintf (stdout, "%s=%s: read %lld, expected %lld\n", k->var, value,
                     (long long) v, (long long) expected);
            return 1;
        }
    }
    return 0;
}

/* Runs `child` and returns how many stderr lines named the variable. */
static int run_case (const struct knob *k, const char *value, int64_t expected)
{
    char path[] = "/tmp/rampart-env-knobs-XXXXXX";
    int fd = mkstemp (path);
    TEST_ASSERT (fd >= 0);
    close (fd);
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    TEST_ASSERT (pid >= 0);
    if (pid == 0)
        _exit (child (k, value, expected, path));
    int status = 0;
    TEST_ASSERT (waitpid (pid, &status, 0) == pid);
    if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        TEST_FAIL ("%s=%s: child failed (status %d)", k->var, value, status);
    FILE *f = fopen (path, "r");
    TEST_ASSERT (f);
    char line[512];
    int lines = 0;
    while (fgets (line, sizeof line, f))
        if (strstr (line, k->var))
            lines++;
    fclose (f);
    unlink (path);
    return lines;
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart's RAMPART_* variables");
    unsetenv ("RAMPART_PROFILE");
    for (size_t i = 0; i < NKNOBS; i++) {
        const struct knob *k = &knobs[i];
        unsetenv (k->var);
        void *ctx = zmq_ctx_new ();
        int64_t profile_value = read_knob (ctx, k);
        TEST_OK (zmq_ctx_term (ctx));
        TEST_ASSERT (profile_value != k->expected);
        /* A valid value applies, silently. */
        TEST_ASSERT_EQ_INT (0, run_case (k, k->value, k->expected));
        /* A malformed one: ignored, reported once for two contexts. */
        TEST_ASSERT_EQ_INT (1, run_case (k, "12x", profile_value));
    }
    return 0;
}
