/* Rampart's hardening profiles as seen through zmq_getsockopt (Rampart only;
 * exit 77 against libzmq).
 *
 * RAMPART_PROFILE=compat|default|strict (unset = default) selects the socket
 * defaults; RAMPART_MAXMSGSIZE and RAMPART_HANDSHAKE_IVL override the
 * profile; an explicit zmq_setsockopt wins over both.
 *
 *   profile   MAXMSGSIZE   HANDSHAKE_IVL
 *   compat    -1           30000          (libzmq's)
 *   default   16777216     10000
 *   strict    1048576      5000
 *
 * Checks: each profile's values on several socket types (SNDHWM/RCVHWM stay
 * 1000 everywhere); the per-knob variables override every profile; an
 * explicit zmq_setsockopt (including MAXMSGSIZE -1 = unlimited and
 * HANDSHAKE_IVL 0 = none) beats both; malformed variables are ignored (the
 * profile value stays) and reported on stderr once, naming the variable; an
 * unknown profile name falls back to the default profile.
 *
 * The environment is changed with setenv() before each zmq_ctx_new, so this
 * works whether Rampart reads it at context or at socket creation. */
#include "testutil.h"
#include <fcntl.h>

#define MiB (1024 * 1024)

static const int types[] = {ZMQ_PULL, ZMQ_DEALER, ZMQ_SUB, ZMQ_ROUTER};

static void set_env (const char *name, const char *value)
{
    if (value)
        TEST_ASSERT (setenv (name, value, 1) == 0);
    else
        TEST_ASSERT (unsetenv (name) == 0);
}

/* Sets the three variables (NULL = unset), creates a context and sockets of
 * several types, and checks the defaults they start with. */
static void scenario (const char *label, const char *profile, const char *env_max,
                      const char *env_hs, int64_t exp_max, int exp_hs)
{
    set_env ("RAMPART_PROFILE", profile);
    set_env ("RAMPART_MAXMSGSIZE", env_max);
    set_env ("RAMPART_HANDSHAKE_IVL", env_hs);

    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *s = zmq_socket (ctx, types[i]);
        TEST_ASSERT (s);
        int64_t m = get_i64 (s, ZMQ_MAXMSGSIZE);
        int h = get_int (s, ZMQ_HANDSHAKE_IVL);
        if (m != exp_max || h != exp_hs)
            TEST_FAIL ("%s (socket type %d): MAXMSGSIZE %lld HANDSHAKE_IVL %d, "
                       "expected %lld and %d",
                       label, types[i], (long long) m, h, (long long) exp_max,
                       exp_hs);
        /* The message-count HWMs are the same in every profile. */
        TEST_ASSERT_EQ_INT (1000, get_int (s, ZMQ_SNDHWM));
        TEST_ASSERT_EQ_INT (1000, get_int (s, ZMQ_RCVHWM));
        TEST_OK (zmq_close (s));
    }
    TEST_OK (zmq_ctx_term (ctx));
}

/* Runs a scenario with stderr redirected to a temporary file; returns how
 * many times `needle` appears in what was written. */
static int scenario_count_stderr (const char *label, const char *profile,
                                  const char *env_max, const char *env_hs,
                                  int64_t exp_max, int exp_hs, const char *needle)
{
    char path[] = "/tmp/rampart-profile-stderr-XXXXXX";
    int tmp = mkstemp (path);
    TEST_ASSERT (tmp >= 0);
    unlink (path);
    fflush (stderr);
    int saved = dup (2);
    TEST_ASSERT (saved >= 0);
    TEST_ASSERT (dup2 (tmp, 2) == 2);

    scenario (label, profile, env_max, env_hs, exp_max, exp_hs);

    fflush (stderr);
    TEST_ASSERT (dup2 (saved, 2) == 2);
    close (saved);

    char buf[16384];
    off_t end = lseek (tmp, 0, SEEK_END);
    TEST_ASSERT (end >= 0);
    TEST_ASSERT (lseek (tmp, 0, SEEK_SET) == 0);
    size_t want = (size_t) end < sizeof buf - 1 ? (size_t) end : sizeof buf - 1;
    ssize_t n = read (tmp, buf, want);
    TEST_ASSERT (n >= 0);
    buf[n] = 0;
    close (tmp);
    /* Echo the captured text so a failure log shows it. */
    fprintf (stderr, "[%s] captured stderr: %s%s", label, n ? buf : "(nothing)",
             n && buf[n - 1] == '\n' ? "" : "\n");

    int count = 0;
    for (const char *p = buf; (p = strstr (p, needle)) != NULL; p += strlen (needle))
        count++;
    return count;
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart-only: hardening profiles (libzmq has none)");

    /* 1. Profiles. */
    scenario ("unset", NULL, NULL, NULL, 16 * MiB, 10000);
    scenario ("default", "default", NULL, NULL, 16 * MiB, 10000);
    scenario ("strict", "strict", NULL, NULL, 1 * MiB, 5000);
    scenario ("compat", "compat", NULL, NULL, -1, 30000);
    /* back to default after compat: nothing sticks between contexts */
    scenario ("default again", NULL, NULL, NULL, 16 * MiB, 10000);

    /* 2. Per-knob variables override the profile (each knob on its own). */
    scenario ("default+max", "default", "12345", NULL, 12345, 10000);
    scenario ("default+hs", "default", NULL, "777", 16 * MiB, 777);
    scenario ("strict+max", "strict", "2097152", NULL, 2 * MiB, 5000);
    scenario ("strict+hs", "strict", NULL, "20000", 1 * MiB, 20000);
    scenario ("compat+both", "compat", "2048", "1500", 2048, 1500);
    scenario ("unset+both", NULL, "4096", "2500", 4096, 2500);

    /* 3. An explicit setsockopt wins over env and profile. */
    set_env ("RAMPART_PROFILE", "strict");
    set_env ("RAMPART_MAXMSGSIZE", "2048");
    set_env ("RAMPART_HANDSHAKE_IVL", "1500");
    {
        void *ctx = zmq_ctx_new ();
        void *s = zmq_socket (ctx, ZMQ_PULL);
        TEST_ASSERT (s);
        TEST_ASSERT_EQ_INT (2048, get_i64 (s, ZMQ_MAXMSGSIZE));
        int64_t m = 4096;
        TEST_OK (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &m, sizeof m));
        TEST_ASSERT_EQ_INT (4096, get_i64 (s, ZMQ_MAXMSGSIZE));
        m = -1; /* explicit -1 still means unlimited */
        TEST_OK (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &m, sizeof m));
        TEST_ASSERT_EQ_INT (-1, get_i64 (s, ZMQ_MAXMSGSIZE));
        int h = 0; /* explicit 0 = no handshake limit */
        TEST_OK (zmq_setsockopt (s, ZMQ_HANDSHAKE_IVL, &h, sizeof h));
        TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_HANDSHAKE_IVL));
        h = 30000;
        TEST_OK (zmq_setsockopt (s, ZMQ_HANDSHAKE_IVL, &h, sizeof h));
        TEST_ASSERT_EQ_INT (30000, get_int (s, ZMQ_HANDSHAKE_IVL));
        /* invalid explicit values are still refused */
        h = -1;
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_HANDSHAKE_IVL, &h, sizeof h));
        TEST_ASSERT_EQ_INT (30000, get_int (s, ZMQ_HANDSHAKE_IVL));
        /* a second socket of the same context is unaffected */
        void *s2 = zmq_socket (ctx, ZMQ_PULL);
        TEST_ASSERT_EQ_INT (2048, get_i64 (s2, ZMQ_MAXMSGSIZE));
        TEST_ASSERT_EQ_INT (1500, get_int (s2, ZMQ_HANDSHAKE_IVL));
        TEST_OK (zmq_close (s2));
        TEST_OK (zmq_close (s));
        TEST_OK (zmq_ctx_term (ctx));
    }

    /* 4. Malformed variables: ignored (the profile value stays), never fatal,
     * reported once on stderr naming the variable. Four sockets are created
     * in the scenario; the report must not repeat per socket. */
    int n = scenario_count_stderr ("malformed max", "default", "12abc", NULL,
                                   16 * MiB, 10000, "RAMPART_MAXMSGSIZE");
    if (n != 1)
        TEST_FAIL ("malformed RAMPART_MAXMSGSIZE reported %d times on stderr, "
                   "expected once",
                   n);
    n = scenario_count_stderr ("malformed hs", "strict", NULL, "fast", 1 * MiB,
                               5000, "RAMPART_HANDSHAKE_IVL");
    if (n > 1)
        TEST_FAIL ("malformed RAMPART_HANDSHAKE_IVL reported %d times", n);
    /* More malformed or out-of-range values: the profile value stays. Only
     * "at most once" is asserted for the report here: a process may report a
     * given variable only the first time. */
    static const char *bad_max[] = {"abc", "", "99999999999999999999999",
                                    "0x"};
    for (size_t i = 0; i < sizeof bad_max / sizeof bad_max[0]; i++) {
        char label[64];
        snprintf (label, sizeof label, "RAMPART_MAXMSGSIZE='%s'", bad_max[i]);
        n = scenario_count_stderr (label, "strict", bad_max[i], NULL, 1 * MiB,
                                   5000, "RAMPART_MAXMSGSIZE");
        if (n > 1)
            TEST_FAIL ("%s reported %d times", label, n);
    }
    static const char *bad_hs[] = {"-3", "", "99999999999999999999", "x1"};
    for (size_t i = 0; i < sizeof bad_hs / sizeof bad_hs[0]; i++) {
        char label[64];
        snprintf (label, sizeof label, "RAMPART_HANDSHAKE_IVL='%s'", bad_hs[i]);
        n = scenario_count_stderr (label, "default", NULL, bad_hs[i], 16 * MiB,
                                   10000, "RAMPART_HANDSHAKE_IVL");
        if (n > 1)
            TEST_FAIL ("%s reported %d times", label, n);
    }
    /* A malformed knob does not disturb a well-formed one. */
    scenario ("mixed", "default", "xyz", "1234", 16 * MiB, 1234);
    /* An unknown profile name is ignored: the default profile applies. */
    scenario ("bogus profile", "paranoid", NULL, NULL, 16 * MiB, 10000);

    unsetenv ("RAMPART_PROFILE");
    unsetenv ("RAMPART_MAXMSGSIZE");
    unsetenv ("RAMPART_HANDSHAKE_IVL");
    return 0;
}
