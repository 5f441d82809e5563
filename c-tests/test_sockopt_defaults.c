/* Socket option defaults as read with zmq_getsockopt, and the options that
 * zmq_getsockopt refuses.
 *
 * Checks, for every stable socket type: the documented libzmq default of
 * each readable option (int, int64, uint64, binary and string options;
 * LINGER is 0 on SUB and XSUB, -1 elsewhere), ZMQ_TYPE, a usable ZMQ_FD,
 * ZMQ_EVENTS, an empty ZMQ_LAST_ENDPOINT and ROUTING_ID; EINVAL from
 * zmq_getsockopt for the write-only options (ROUTER_MANDATORY,
 * ROUTER_HANDOVER, PROBE_ROUTER, REQ_RELAXED, REQ_CORRELATE, XPUB_VERBOSE,
 * XPUB_VERBOSER, XPUB_NODROP, XPUB_MANUAL, XPUB_WELCOME_MSG,
 * CONNECT_ROUTING_ID, SUBSCRIBE, STREAM_NOTIFY) on a socket type where
 * setting them is legal; EINVAL for a wrong option_len on set and get (int
 * options take exactly sizeof(int), MAXMSGSIZE and AFFINITY exactly 8 bytes;
 * RCVMORE/FD/EVENTS accept a larger buffer); EINVAL for unknown option ids
 * and for type-specific options on the wrong socket type.
 *
 * Rampart's hardened defaults differ for MAXMSGSIZE and HANDSHAKE_IVL, so the
 * test selects RAMPART_PROFILE=compat before creating its context (libzmq
 * ignores the variable); test_rampart_profile_defaults.c checks the other
 * profiles. */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>

enum kind { K_INT, K_INT64, K_UINT64, K_STR, K_BIN };

struct readable {
    const char *name;
    int id;
    enum kind kind;
    int64_t dflt; /* for K_STR/K_BIN: expected length (0 = empty) */
};

#define R(opt, kind, v) {#opt, ZMQ_##opt, kind, v}

static const struct readable readables[] = {
    R (ROUTING_ID, K_BIN, 0),
    R (INVERT_MATCHING, K_INT, 0),
    R (CONFLATE, K_INT, 0),
    R (IMMEDIATE, K_INT, 0),
    R (SNDHWM, K_INT, 1000),
    R (RCVHWM, K_INT, 1000),
    R (SNDTIMEO, K_INT, -1),
    R (RCVTIMEO, K_INT, -1),
    R (LINGER, K_INT, -1),
    R (SNDBUF, K_INT, -1),
    R (RCVBUF, K_INT, -1),
    R (BACKLOG, K_INT, 100),
    R (MAXMSGSIZE, K_INT64, -1),
    R (HANDSHAKE_IVL, K_INT, 30000),
    R (TCP_KEEPALIVE, K_INT, -1),
    R (TCP_KEEPALIVE_CNT, K_INT, -1),
    R (TCP_KEEPALIVE_IDLE, K_INT, -1),
    R (TCP_KEEPALIVE_INTVL, K_INT, -1),
    R (CONNECT_TIMEOUT, K_INT, 0),
    R (RCVMORE, K_INT, 0),
    R (RECONNECT_IVL, K_INT, 100),
    R (RECONNECT_IVL_MAX, K_INT, 0),
    R (IPV6, K_INT, 0),
    R (AFFINITY, K_UINT64, 0),
    R (TOS, K_INT, 0),
    R (MECHANISM, K_INT, ZMQ_NULL),
    R (HEARTBEAT_IVL, K_INT, 0),
    R (HEARTBEAT_TTL, K_INT, 0),
    R (HEARTBEAT_TIMEOUT, K_INT, -1),
    R (LAST_ENDPOINT, K_STR, 0),
    R (RATE, K_INT, 100),
    R (RECOVERY_IVL, K_INT, 10000),
    R (MULTICAST_HOPS, K_INT, 1),
    R (TCP_MAXRT, K_INT, 0),
    R (PLAIN_SERVER, K_INT, 0),
    R (CURVE_SERVER, K_INT, 0),
    R (ZAP_DOMAIN, K_STR, 0),
    R (IPV4ONLY, K_INT, 1),
    R (THREAD_SAFE, K_INT, 0),
};

static const struct {
    const char *name;
    int type;
} types[] = {
    {"PAIR", ZMQ_PAIR},     {"PUB", ZMQ_PUB},       {"SUB", ZMQ_SUB},
    {"REQ", ZMQ_REQ},       {"REP", ZMQ_REP},       {"DEALER", ZMQ_DEALER},
    {"ROUTER", ZMQ_ROUTER}, {"PULL", ZMQ_PULL},     {"PUSH", ZMQ_PUSH},
    {"XPUB", ZMQ_XPUB},     {"XSUB", ZMQ_XSUB},     {"STREAM", ZMQ_STREAM},
};

static void check_readable (void *s, int type, const char *tname,
                            const struct readable *o)
{
    if (o->id == ZMQ_CURVE_SERVER && !zmq_has ("curve")) {
        /* A libzmq built without CURVE does not know its options. */
        int v;
        size_t len = sizeof v;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, o->id, &v, &len));
        return;
    }
    switch (o->kind) {
        case K_INT: {
            int expected = (int) o->dflt;
            /* SUB and XSUB start with LINGER 0: libzmq does not wait for
             * pending subscriptions when such a socket closes. */
            if (o->id == ZMQ_LINGER && (type == ZMQ_SUB || type == ZMQ_XSUB))
                expected = 0;
            int v = 0x5a5a5a5a;
            size_t len = sizeof v;
            if (zmq_getsockopt (s, o->id, &v, &len) != 0)
                TEST_FAIL ("%s: get %s failed: %s", tname, o->name,
                           zmq_strerror (zmq_errno ()));
            if (len != sizeof (int))
                TEST_FAIL ("%s: %s: option_len %zu, expected %zu", tname,
                           o->name, len, sizeof (int));
            if (v != expected)
                TEST_FAIL ("%s: %s default %d, expected %d", tname, o->name, v,
                           expected);
            break;
        }
        case K_INT64:
        case K_UINT64: {
            int64_t v = 0x5a5a5a5a5a5a;
            size_t len = sizeof v;
            if (zmq_getsockopt (s, o->id, &v, &len) != 0)
                TEST_FAIL ("%s: get %s failed: %s", tname, o->name,
                           zmq_strerror (zmq_errno ()));
            if (len != 8)
                TEST_FAIL ("%s: %s: option_len %zu, expected 8", tname, o->name,
                           len);
            if (v != o->dflt)
                TEST_FAIL ("%s: %s default %lld, expected %lld", tname, o->name,
                           (long long) v, (long long) o->dflt);
            break;
        }
        case K_STR: {
            /* Strings come back NUL-terminated; option_len counts the NUL. */
            char buf[256];
            memset (buf, 'x', sizeof buf);
            size_t len = sizeof buf;
            if (zmq_getsockopt (s, o->id, buf, &len) != 0)
                TEST_FAIL ("%s: get %s failed: %s", tname, o->name,
                           zmq_strerror (zmq_errno ()));
            if (len != (size_t) o->dflt + 1 || buf[o->dflt] != 0)
                TEST_FAIL ("%s: %s: expected empty string (len 1), got len %zu",
                           tname, o->name, len);
            break;
        }
        case K_BIN: {
            unsigned char buf[256];
            size_t len = sizeof buf;
            if (zmq_getsockopt (s, o->id, buf, &len) != 0)
                TEST_FAIL ("%s: get %s failed: %s", tname, o->name,
                           zmq_strerror (zmq_errno ()));
            if (len != (size_t) o->dflt)
                TEST_FAIL ("%s: %s: default length %zu, expected %lld", tname,
                           o->name, len, (long long) o->dflt);
            break;
        }
    }
}

/* Write-only options: legal to set on `type`, but zmq_getsockopt says EINVAL
 * even with a correctly sized buffer. */
static void check_write_only (void *ctx, int type, const char *tname, int id,
                              const char *oname, int is_binary)
{
    void *s = zmq_socket (ctx, type);
    TEST_ASSERT (s);
    if (is_binary) {
        TEST_OK (zmq_setsockopt (s, id, "abc", 3));
        unsigned char buf[256];
        size_t len = sizeof buf;
        int rc = zmq_getsockopt (s, id, buf, &len);
        if (rc != -1 || zmq_errno () != EINVAL)
            TEST_FAIL ("%s: get %s: expected -1/EINVAL, got %d errno %d", tname,
                       oname, rc, zmq_errno ());
    } else {
        int one = 1;
        TEST_OK (zmq_setsockopt (s, id, &one, sizeof one));
        int v = 0;
        size_t len = sizeof v;
        int rc = zmq_getsockopt (s, id, &v, &len);
        if (rc != -1 || zmq_errno () != EINVAL)
            TEST_FAIL ("%s: get %s: expected -1/EINVAL, got %d errno %d", tname,
                       oname, rc, zmq_errno ());
    }
    TEST_OK (zmq_close (s));
}

int main (void)
{
    test_watchdog (30);

    /* Rampart: ask for libzmq's exact defaults (read at context or socket
     * creation). Make sure per-knob overrides from the caller's environment
     * cannot leak in. libzmq ignores these variables. */
    setenv ("RAMPART_PROFILE", "compat", 1);
    unsetenv ("RAMPART_MAXMSGSIZE");
    unsetenv ("RAMPART_HANDSHAKE_IVL");

    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);

    /* 1. Readable defaults, for every stable socket type. */
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        void *s = zmq_socket (ctx, types[t].type);
        if (!s)
            TEST_FAIL ("zmq_socket(%s) failed: %s", types[t].name,
                       zmq_strerror (zmq_errno ()));
        for (size_t i = 0; i < sizeof readables / sizeof readables[0]; i++)
            check_readable (s, types[t].type, types[t].name, &readables[i]);

        TEST_ASSERT_EQ_INT (types[t].type, get_int (s, ZMQ_TYPE));

        /* ZMQ_FD: an open descriptor that poll(2) accepts. */
        int fd = get_int (s, ZMQ_FD);
        TEST_ASSERT (fd >= 0);
        TEST_ASSERT (fcntl (fd, F_GETFD) != -1);
        struct pollfd pfd = {fd, POLLIN, 0};
        TEST_ASSERT (poll (&pfd, 1, 0) >= 0);
        TEST_ASSERT ((pfd.revents & POLLNVAL) == 0);

        /* ZMQ_EVENTS: no message is ever readable on a fresh socket. */
        int ev = get_int (s, ZMQ_EVENTS);
        TEST_ASSERT ((ev & ~(ZMQ_POLLIN | ZMQ_POLLOUT)) == 0);
        TEST_ASSERT ((ev & ZMQ_POLLIN) == 0);
        TEST_OK (zmq_close (s));
    }

    /* ZMQ_EVENTS on fresh sockets whose answer is fixed: PULL and a PUSH
     * without peers cannot send; a ROUTER and a PUB can always "send"
     * (unroutable messages are dropped). */
    {
        void *s = zmq_socket (ctx, ZMQ_PULL);
        TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_EVENTS));
        TEST_OK (zmq_close (s));
        s = zmq_socket (ctx, ZMQ_PUSH);
        TEST_ASSERT_EQ_INT (0, get_int (s, ZMQ_EVENTS));
        TEST_OK (zmq_close (s));
        s = zmq_socket (ctx, ZMQ_ROUTER);
        TEST_ASSERT_EQ_INT (ZMQ_POLLOUT, get_int (s, ZMQ_EVENTS));
        TEST_OK (zmq_close (s));
        s = zmq_socket (ctx, ZMQ_PUB);
        TEST_ASSERT_EQ_INT (ZMQ_POLLOUT, get_int (s, ZMQ_EVENTS));
        TEST_OK (zmq_close (s));
    }

    /* 2. Write-only options: get -> EINVAL. */
    check_write_only (ctx, ZMQ_ROUTER, "ROUTER", ZMQ_ROUTER_MANDATORY,
                      "ROUTER_MANDATORY", 0);
    check_write_only (ctx, ZMQ_ROUTER, "ROUTER", ZMQ_ROUTER_HANDOVER,
                      "ROUTER_HANDOVER", 0);
    check_write_only (ctx, ZMQ_ROUTER, "ROUTER", ZMQ_PROBE_ROUTER,
                      "PROBE_ROUTER", 0);
    check_write_only (ctx, ZMQ_DEALER, "DEALER", ZMQ_PROBE_ROUTER,
                      "PROBE_ROUTER", 0);
    check_write_only (ctx, ZMQ_REQ, "REQ", ZMQ_REQ_RELAXED, "REQ_RELAXED", 0);
    check_write_only (ctx, ZMQ_REQ, "REQ", ZMQ_REQ_CORRELATE, "REQ_CORRELATE",
                      0);
    check_write_only (ctx, ZMQ_XPUB, "XPUB", ZMQ_XPUB_VERBOSE, "XPUB_VERBOSE",
                      0);
    check_write_only (ctx, ZMQ_XPUB, "XPUB", ZMQ_XPUB_VERBOSER,
                      "XPUB_VERBOSER", 0);
    check_write_only (ctx, ZMQ_XPUB, "XPUB", ZMQ_XPUB_NODROP, "XPUB_NODROP",
                      0);
    check_write_only (ctx, ZMQ_XPUB, "XPUB", ZMQ_XPUB_MANUAL, "XPUB_MANUAL",
                      0);
    check_write_only (ctx, ZMQ_XPUB, "XPUB", ZMQ_XPUB_WELCOME_MSG,
                      "XPUB_WELCOME_MSG", 1);
    check_write_only (ctx, ZMQ_ROUTER, "ROUTER", ZMQ_CONNECT_ROUTING_ID,
                      "CONNECT_ROUTING_ID", 1);
    check_write_only (ctx, ZMQ_SUB, "SUB", ZMQ_SUBSCRIBE, "SUBSCRIBE", 1);
    check_write_only (ctx, ZMQ_SUB, "SUB", ZMQ_UNSUBSCRIBE, "UNSUBSCRIBE", 1);
    check_write_only (ctx, ZMQ_STREAM, "STREAM", ZMQ_STREAM_NOTIFY,
                      "STREAM_NOTIFY", 0);

    /* 3. Wrong option_len. */
    {
        void *s = zmq_socket (ctx, ZMQ_DEALER);
        TEST_ASSERT (s);
        int64_t big = 5;
        short small = 5;
        int i5 = 5;

        /* set: int options take exactly sizeof(int). */
        static const int int_opts[] = {ZMQ_SNDHWM,        ZMQ_RCVHWM,
                                       ZMQ_LINGER,        ZMQ_SNDTIMEO,
                                       ZMQ_RCVTIMEO,      ZMQ_HANDSHAKE_IVL,
                                       ZMQ_RECONNECT_IVL, ZMQ_IMMEDIATE,
                                       ZMQ_TCP_KEEPALIVE, ZMQ_HEARTBEAT_IVL,
                                       ZMQ_BACKLOG,       ZMQ_IPV6};
        for (size_t i = 0; i < sizeof int_opts / sizeof int_opts[0]; i++) {
            TEST_ERRNO (EINVAL, zmq_setsockopt (s, int_opts[i], &big, sizeof big));
            TEST_ERRNO (EINVAL,
                        zmq_setsockopt (s, int_opts[i], &small, sizeof small));
            TEST_ERRNO (EINVAL, zmq_setsockopt (s, int_opts[i], &i5, 0));
            int v = 0;
            size_t len = sizeof small;
            TEST_ERRNO (EINVAL, zmq_getsockopt (s, int_opts[i], &v, &len));
            len = 0;
            TEST_ERRNO (EINVAL, zmq_getsockopt (s, int_opts[i], &v, &len));
            /* libzmq wants exactly sizeof(int) for get as well */
            int64_t w = 0;
            len = sizeof w;
            TEST_ERRNO (EINVAL, zmq_getsockopt (s, int_opts[i], &w, &len));
        }
        /* the rejected sets changed nothing */
        TEST_ASSERT_EQ_INT (1000, get_int (s, ZMQ_SNDHWM));
        TEST_ASSERT_EQ_INT (-1, get_int (s, ZMQ_LINGER));

        /* int64 MAXMSGSIZE and uint64 AFFINITY take exactly 8 bytes. */
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &i5, sizeof i5));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_AFFINITY, &i5, sizeof i5));
        {
            int v = 0;
            size_t len = sizeof v;
            TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &v, &len));
            len = sizeof v;
            TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_AFFINITY, &v, &len));
        }

        /* Socket-level read-only ints (RCVMORE, TYPE, FD, EVENTS) refuse a
         * buffer smaller than an int. */
        static const int ro_opts[] = {ZMQ_RCVMORE, ZMQ_TYPE, ZMQ_FD, ZMQ_EVENTS};
        for (size_t i = 0; i < sizeof ro_opts / sizeof ro_opts[0]; i++) {
            short v = 0;
            size_t len = sizeof v;
            TEST_ERRNO (EINVAL, zmq_getsockopt (s, ro_opts[i], &v, &len));
            /* and they cannot be set */
            TEST_ERRNO (EINVAL, zmq_setsockopt (s, ro_opts[i], &i5, sizeof i5));
        }
        /* RCVMORE, FD and EVENTS accept a larger buffer and report
         * option_len = sizeof(int) (some bindings pass 8 bytes). */
        static const int lenient[] = {ZMQ_RCVMORE, ZMQ_FD, ZMQ_EVENTS};
        for (size_t i = 0; i < sizeof lenient / sizeof lenient[0]; i++) {
            int64_t w = 0;
            size_t len = sizeof w;
            TEST_OK (zmq_getsockopt (s, lenient[i], &w, &len));
            TEST_ASSERT_EQ_INT (sizeof (int), len);
        }
        /* MECHANISM and LAST_ENDPOINT are read-only too. */
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_MECHANISM, &i5, sizeof i5));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_LAST_ENDPOINT, "x", 1));

        /* Binary ROUTING_ID: a buffer shorter than the value is EINVAL. */
        TEST_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "abcd", 4));
        {
            char buf[8];
            size_t len = 3;
            TEST_ERRNO (EINVAL, zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
            len = 4;
            TEST_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
            TEST_ASSERT_EQ_INT (4, len);
            TEST_ASSERT (memcmp (buf, "abcd", 4) == 0);
        }
        TEST_OK (zmq_close (s));
    }

    /* 4. Unknown option ids. */
    {
        void *s = zmq_socket (ctx, ZMQ_PAIR);
        int v = 1;
        size_t len = sizeof v;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, 9999, &v, &len));
        len = sizeof v;
        TEST_ERRNO (EINVAL, zmq_getsockopt (s, -1, &v, &len));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, 9999, &v, sizeof v));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, -1, &v, sizeof v));
        /* socket-type specific options on the wrong type */
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_ROUTER_MANDATORY, &v, sizeof v));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_XPUB_VERBOSE, &v, sizeof v));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_REQ_RELAXED, &v, sizeof v));
        TEST_ERRNO (EINVAL, zmq_setsockopt (s, ZMQ_SUBSCRIBE, "", 0));
        TEST_OK (zmq_close (s));
    }

    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
