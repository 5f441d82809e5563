/* Differential socket and context option matrix.
 *
 * For every stable socket type and every socket option id of zmq.h's stable
 * section (plus two unknown ids), on a fresh socket each time:
 *   get        zmq_getsockopt's result and default value, with a buffer of
 *              the option's size (int, int64, uint64, or 256 bytes)
 *   set <v>    zmq_setsockopt's result for a few representative values (a
 *              valid one, -1, 0, out-of-range ones, a wrong size; for
 *              strings and binaries also "", NULL/0 and over-long values),
 *              and after a successful set what zmq_getsockopt reads back.
 * The same for every stable zmq_ctx_set / zmq_ctx_get id on fresh contexts.
 *
 *   test_sockopt_matrix --dump   prints the whole matrix, one probe a line
 *                                (diff the output of two libraries)
 *   test_sockopt_matrix          checks the results against the table below
 *
 * The table holds what Debian's libzmq 4.3.4 answers; it is generated from
 * its --dump output by c-tests/sockopt_matrix_table.py and then kept by hand.
 * Where 4.3.5 answers differently the row lists both ("a|b").
 * Not in the table (owned by the security helpers, or absent from Rampart's
 * build): PLAIN_*, CURVE_*, ZAP_DOMAIN, GSSAPI_*; they still show in --dump.
 * Rows marked HARDENED are Rampart's documented hardened defaults (README,
 * "Hardening profiles"): the matrix runs twice, once in a context made under
 * the ambient RAMPART_PROFILE (those rows skipped unless it is compat) and
 * once under RAMPART_PROFILE=compat, where they must equal libzmq's.
 */
/* RAMPART_TEST: timeout=180 */
#include "testutil.h"
#include <limits.h>
#include <stdarg.h>

enum kind { K_INT, K_I64, K_U64, K_STR, K_BIN, K_ID, K_RO_INT, K_RO_STR };

struct opt {
    const char *name;
    int id;
    enum kind kind;
    const char *valid; /* strings/binaries: a valid value */
    int64_t valid_n;   /* numbers: a valid value */
};

#define O(n, k, s, v) {#n, ZMQ_##n, k, s, v}
static const struct opt opts[] = {
    O (AFFINITY, K_U64, NULL, 3),
    O (ROUTING_ID, K_BIN, "abc", 0),
    O (SUBSCRIBE, K_BIN, "topic", 0),
    O (UNSUBSCRIBE, K_BIN, "topic", 0),
    O (RATE, K_INT, NULL, 200),
    O (RECOVERY_IVL, K_INT, NULL, 5000),
    O (SNDBUF, K_INT, NULL, 65536),
    O (RCVBUF, K_INT, NULL, 65536),
    O (RCVMORE, K_RO_INT, NULL, 0),
    O (FD, K_RO_INT, NULL, 0),
    O (EVENTS, K_RO_INT, NULL, 0),
    O (TYPE, K_RO_INT, NULL, 0),
    O (LINGER, K_INT, NULL, 250),
    O (RECONNECT_IVL, K_INT, NULL, 200),
    O (BACKLOG, K_INT, NULL, 50),
    O (RECONNECT_IVL_MAX, K_INT, NULL, 1000),
    O (MAXMSGSIZE, K_I64, NULL, 4096),
    O (SNDHWM, K_INT, NULL, 10),
    O (RCVHWM, K_INT, NULL, 10),
    O (MULTICAST_HOPS, K_INT, NULL, 3),
    O (RCVTIMEO, K_INT, NULL, 100),
    O (SNDTIMEO, K_INT, NULL, 100),
    O (IPV4ONLY, K_INT, NULL, 1),
    O (LAST_ENDPOINT, K_RO_STR, NULL, 0),
    O (ROUTER_MANDATORY, K_INT, NULL, 1),
    O (TCP_KEEPALIVE, K_INT, NULL, 1),
    O (TCP_KEEPALIVE_CNT, K_INT, NULL, 5),
    O (TCP_KEEPALIVE_IDLE, K_INT, NULL, 30),
    O (TCP_KEEPALIVE_INTVL, K_INT, NULL, 5),
    O (TCP_ACCEPT_FILTER, K_STR, "127.0.0.1", 0),
    O (IMMEDIATE, K_INT, NULL, 1),
    O (XPUB_VERBOSE, K_INT, NULL, 1),
    O (ROUTER_RAW, K_INT, NULL, 1),
    O (IPV6, K_INT, NULL, 1),
    O (MECHANISM, K_RO_INT, NULL, 0),
    O (PLAIN_SERVER, K_INT, NULL, 1),
    O (PLAIN_USERNAME, K_STR, "user", 0),
    O (PLAIN_PASSWORD, K_STR, "secret", 0),
    O (CURVE_SERVER, K_INT, NULL, 1),
    O (CURVE_PUBLICKEY, K_STR, "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", 0),
    O (CURVE_SECRETKEY, K_STR, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs", 0),
    O (CURVE_SERVERKEY, K_STR, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", 0),
    O (PROBE_ROUTER, K_INT, NULL, 1),
    O (REQ_CORRELATE, K_INT, NULL, 1),
    O (REQ_RELAXED, K_INT, NULL, 1),
    O (CONFLATE, K_INT, NULL, 1),
    O (ZAP_DOMAIN, K_STR, "global", 0),
    O (ROUTER_HANDOVER, K_INT, NULL, 1),
    O (TOS, K_INT, NULL, 16),
    O (IPC_FILTER_PID, K_ID, NULL, 0),
    O (IPC_FILTER_UID, K_ID, NULL, 0),
    O (IPC_FILTER_GID, K_ID, NULL, 0),
    O (CONNECT_ROUTING_ID, K_BIN, "peer", 0),
    O (GSSAPI_SERVER, K_INT, NULL, 1),
    O (GSSAPI_PRINCIPAL, K_STR, "principal", 0),
    O (GSSAPI_SERVICE_PRINCIPAL, K_STR, "service", 0),
    O (GSSAPI_PLAINTEXT, K_INT, NULL, 1),
    O (HANDSHAKE_IVL, K_INT, NULL, 5000),
    O (SOCKS_PROXY, K_STR, "127.0.0.1:1080", 0),
    O (XPUB_NODROP, K_INT, NULL, 1),
    O (BLOCKY, K_INT, NULL, 0),
    O (XPUB_MANUAL, K_INT, NULL, 1),
    O (XPUB_WELCOME_MSG, K_BIN, "welcome", 0),
    O (STREAM_NOTIFY, K_INT, NULL, 1),
    O (INVERT_MATCHING, K_INT, NULL, 1),
    O (HEARTBEAT_IVL, K_INT, NULL, 1000),
    O (HEARTBEAT_TTL, K_INT, NULL, 1050),
    O (HEARTBEAT_TIMEOUT, K_INT, NULL, 2000),
    O (XPUB_VERBOSER, K_INT, NULL, 1),
    O (CONNECT_TIMEOUT, K_INT, NULL, 500),
    O (TCP_MAXRT, K_INT, NULL, 500),
    O (THREAD_SAFE, K_RO_INT, NULL, 0),
    O (MULTICAST_MAXTPDU, K_INT, NULL, 1400),
    O (VMCI_BUFFER_SIZE, K_U64, NULL, 4096),
    O (VMCI_BUFFER_MIN_SIZE, K_U64, NULL, 4096),
    O (VMCI_BUFFER_MAX_SIZE, K_U64, NULL, 4096),
    O (VMCI_CONNECT_TIMEOUT, K_INT, NULL, 500),
    O (USE_FD, K_INT, NULL, 100),
    O (GSSAPI_PRINCIPAL_NAMETYPE, K_INT, NULL, 1),
    O (GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, K_INT, NULL, 1),
    O (BINDTODEVICE, K_STR, "lo", 0),
    {"UNKNOWN_0", 0, K_INT, NULL, 1},
    {"UNKNOWN_200", 200, K_INT, NULL, 1},
};
#define N_OPTS (sizeof opts / sizeof opts[0])

static const struct {
    const char *name;
    int type;
} types[] = {{"PAIR", ZMQ_PAIR},     {"PUB", ZMQ_PUB},       {"SUB", ZMQ_SUB},
             {"REQ", ZMQ_REQ},       {"REP", ZMQ_REP},       {"DEALER", ZMQ_DEALER},
             {"ROUTER", ZMQ_ROUTER}, {"PULL", ZMQ_PULL},     {"PUSH", ZMQ_PUSH},
             {"XPUB", ZMQ_XPUB},     {"XSUB", ZMQ_XSUB},     {"STREAM", ZMQ_STREAM}};
#define N_TYPES 12

/* ---- probes ------------------------------------------------------------ */

/* One probe of an option: what to do and the value it uses. */
struct probe {
    const char *label;
    int get;            /* 1: a get; 2: a get with a buffer of len bytes */
    const void *val;    /* NULL: a NULL pointer */
    size_t len;
};

#define MAX_PROBES 12

static unsigned char long_bin[300];
static unsigned char zero_bin[3] = {0, 'a', 'b'};
static char str_nul[64];
static int ids[3];

static int probes_for (const struct opt *o, struct probe *p)
{
    static int iv[8];
    static int64_t lv[8];
    static uint64_t uv[8];
    int n = 0;
    p[n++] = (struct probe){"get", 1, NULL, 0};
    /* Buffers of the wrong size. */
    if (o->kind == K_I64 || o->kind == K_U64)
        p[n++] = (struct probe){"get len 4", 2, NULL, 4};
    else if (o->kind == K_INT || o->kind == K_RO_INT || o->kind == K_ID)
        p[n++] = (struct probe){"get len 8", 2, NULL, 8};
    else {
        p[n++] = (struct probe){"get len 0", 2, NULL, 0};
        p[n++] = (struct probe){"get len 1", 2, NULL, 1};
    }
    switch (o->kind) {
        case K_INT:
            iv[0] = (int) o->valid_n, iv[1] = -1, iv[2] = 0, iv[3] = 2,
            iv[4] = -2, iv[5] = INT_MAX;
            p[n++] = (struct probe){"set valid", 0, &iv[0], sizeof (int)};
            p[n++] = (struct probe){"set -1", 0, &iv[1], sizeof (int)};
            p[n++] = (struct probe){"set 0", 0, &iv[2], sizeof (int)};
            p[n++] = (struct probe){"set 2", 0, &iv[3], sizeof (int)};
            p[n++] = (struct probe){"set -2", 0, &iv[4], sizeof (int)};
            p[n++] = (struct probe){"set INT_MAX", 0, &iv[5], sizeof (int)};
            lv[7] = o->valid_n;
            p[n++] = (struct probe){"set valid as int64", 0, &lv[7], 8};
            break;
        case K_I64:
            lv[0] = o->valid_n, lv[1] = -1, lv[2] = 0, lv[3] = -2,
            lv[4] = INT64_MAX;
            iv[7] = (int) o->valid_n;
            p[n++] = (struct probe){"set valid", 0, &lv[0], 8};
            p[n++] = (struct probe){"set -1", 0, &lv[1], 8};
            p[n++] = (struct probe){"set 0", 0, &lv[2], 8};
            p[n++] = (struct probe){"set -2", 0, &lv[3], 8};
            p[n++] = (struct probe){"set INT64_MAX", 0, &lv[4], 8};
            p[n++] = (struct probe){"set valid as int", 0, &iv[7], sizeof (int)};
            break;
        case K_U64:
            uv[0] = (uint64_t) o->valid_n, uv[1] = 0, uv[2] = UINT64_MAX;
            iv[6] = (int) o->valid_n;
            p[n++] = (struct probe){"set valid", 0, &uv[0], 8};
            p[n++] = (struct probe){"set 0", 0, &uv[1], 8};
            p[n++] = (struct probe){"set UINT64_MAX", 0, &uv[2], 8};
            p[n++] = (struct probe){"set valid as int", 0, &iv[6], sizeof (int)};
            break;
        case K_STR:
        case K_BIN:
            snprintf (str_nul, sizeof str_nul, "%s", o->valid);
            p[n++] = (struct probe){"set valid", 0, o->valid, strlen (o->valid)};
            p[n++] = (struct probe){"set valid+NUL", 0, str_nul,
                                    strlen (o->valid) + 1};
            p[n++] = (struct probe){"set \"\"", 0, "", 0};
            p[n++] = (struct probe){"set NULL", 0, NULL, 0};
            p[n++] = (struct probe){"set 255 bytes", 0, long_bin, 255};
            p[n++] = (struct probe){"set 256 bytes", 0, long_bin, 256};
            p[n++] = (struct probe){"set \\0ab", 0, zero_bin, 3};
            break;
        case K_ID: {
            int which = o->id == ZMQ_IPC_FILTER_PID   ? 0
                        : o->id == ZMQ_IPC_FILTER_UID ? 1
                                                      : 2;
            p[n++] = (struct probe){"set own id", 0, &ids[which], sizeof (int)};
            p[n++] = (struct probe){"set \"\"", 0, "", 0};
            p[n++] = (struct probe){"set NULL", 0, NULL, 0};
            p[n++] = (struct probe){"set 2 bytes", 0, &ids[which], 2};
            p[n++] = (struct probe){"set 8 bytes", 0, long_bin, 8};
            break;
        }
        case K_RO_INT:
            iv[2] = 0;
            p[n++] = (struct probe){"set 0", 0, &iv[2], sizeof (int)};
            break;
        case K_RO_STR:
            p[n++] = (struct probe){"set valid", 0, "x", 1};
            break;
    }
    return n;
}

static const char *errname (int e)
{
    static char buf[32];
    switch (e) {
        case EINVAL: return "EINVAL";
        case ENOTSUP: return "ENOTSUP";
        case EFAULT: return "EFAULT";
        case ENOTSOCK: return "ENOTSOCK";
        case EMFILE: return "EMFILE";
        case ENOMEM: return "ENOMEM";
        case EACCES: return "EACCES";
        case ENOENT: return "ENOENT";
        case ETERM: return "ETERM";
        case 0: return "none";
        case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
        default: snprintf (buf, sizeof buf, "errno%d", e); return buf;
    }
}

static void appendf (char *out, size_t cap, const char *fmt, ...)
{
    size_t used = strlen (out);
    if (used >= cap)
        return;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (out + used, cap - used, fmt, ap);
    va_end (ap);
}

/* Reads an option with a buffer of its size and describes the result. */
static void describe_get (void *s, const struct opt *o, char *out, size_t cap)
{
    unsigned char buf[256];
    memset (buf, 0xA5, sizeof buf);
    size_t len;
    switch (o->kind) {
        case K_I64:
        case K_U64: len = 8; break;
        case K_STR:
        case K_BIN:
        case K_RO_STR: len = sizeof buf; break;
        default: len = sizeof (int); break;
    }
    if (zmq_getsockopt (s, o->id, buf, &len) != 0) {
        appendf (out, cap, "err %s", errname (zmq_errno ()));
        return;
    }
    if (o->kind == K_I64 || o->kind == K_U64) {
        int64_t v;
        memcpy (&v, buf, 8);
        if (o->kind == K_U64)
            appendf (out, cap, "ok len=%zu u64=%llu", len,
                     (unsigned long long) (uint64_t) v);
        else
            appendf (out, cap, "ok len=%zu i64=%lld", len, (long long) v);
    } else if (o->kind == K_STR || o->kind == K_BIN || o->kind == K_RO_STR) {
        appendf (out, cap, "ok len=%zu \"", len);
        for (size_t i = 0; i < len && i < 16; i++) {
            if (buf[i] >= 0x20 && buf[i] < 0x7f && buf[i] != '"' && buf[i] != '\\')
                appendf (out, cap, "%c", buf[i]);
            else
                appendf (out, cap, "\\x%02x", buf[i]);
        }
        appendf (out, cap, len > 16 ? "\"..." : "\"");
    } else {
        int v;
        memcpy (&v, buf, sizeof v);
        if (o->id == ZMQ_FD)
            appendf (out, cap, "ok len=%zu fd%s", len, v >= 0 ? "" : "<0");
        else
            appendf (out, cap, "ok len=%zu int=%d", len, v);
    }
}

static void *new_socket (void *ctx, int type)
{
    /* libzmq reaps closed sockets asynchronously: a burst of closes can
     * briefly leave no free slot (EMFILE). */
    for (int tries = 0; tries < 2000; tries++) {
        void *s = zmq_socket (ctx, type);
        if (s)
            return s;
        if (zmq_errno () != EMFILE)
            break;
        test_sleep_ms (1);
    }
    TEST_FAIL ("zmq_socket(%d): %s", type, zmq_strerror (zmq_errno ()));
    return NULL;
}

/* Reads an option with a buffer of `len` bytes: the result, the length
 * reported and the bytes written (the buffer starts as 0xA5s). */
static void describe_sized_get (void *s, const struct opt *o, size_t len,
                                char *out, size_t cap)
{
    unsigned char buf[16];
    memset (buf, 0xA5, sizeof buf);
    size_t got = len;
    if (zmq_getsockopt (s, o->id, buf, &got) != 0) {
        appendf (out, cap, "err %s", errname (zmq_errno ()));
        return;
    }
    appendf (out, cap, "ok len=%zu", got);
    if (o->id == ZMQ_FD || o->id == ZMQ_EVENTS)
        return; /* values that vary from run to run */
    appendf (out, cap, " bytes=");
    for (size_t i = 0; i < len && i < sizeof buf; i++)
        appendf (out, cap, "%02x", buf[i]);
}

/* Runs one probe on a fresh socket; `out` gets the result. */
static void run_probe (void *ctx, int type, const struct opt *o,
                       const struct probe *p, char *out, size_t cap)
{
    void *s = new_socket (ctx, type);
    out[0] = 0;
    if (p->get == 2)
        describe_sized_get (s, o, p->len, out, cap);
    else if (p->get)
        describe_get (s, o, out, cap);
    else if (zmq_setsockopt (s, o->id, p->val, p->len) != 0)
        appendf (out, cap, "err %s", errname (zmq_errno ()));
    else {
        appendf (out, cap, "ok; get ");
        describe_get (s, o, out, cap);
    }
    int zero = 0;
    zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
    TEST_OK (zmq_close (s));
}

/* ---- context options -------------------------------------------------- */

struct ctxopt {
    const char *name;
    int id;
    int valid;
    int big; /* an out-of-range or unusual value */
    int settable_only;
};

static const struct ctxopt ctxopts[] = {
    {"IO_THREADS", ZMQ_IO_THREADS, 2, 100000, 0},
    {"MAX_SOCKETS", ZMQ_MAX_SOCKETS, 100, INT_MAX, 0},
    {"SOCKET_LIMIT/THREAD_PRIORITY", ZMQ_SOCKET_LIMIT, 1, INT_MAX, 0},
    {"THREAD_SCHED_POLICY", ZMQ_THREAD_SCHED_POLICY, 0, INT_MAX, 0},
    {"MAX_MSGSZ", ZMQ_MAX_MSGSZ, 4096, INT_MAX, 0},
    {"MSG_T_SIZE", ZMQ_MSG_T_SIZE, 64, 1, 0},
    {"THREAD_AFFINITY_CPU_ADD", ZMQ_THREAD_AFFINITY_CPU_ADD, 0, INT_MAX, 0},
    {"THREAD_AFFINITY_CPU_REMOVE", ZMQ_THREAD_AFFINITY_CPU_REMOVE, 0, INT_MAX, 0},
    {"THREAD_NAME_PREFIX", ZMQ_THREAD_NAME_PREFIX, 7, INT_MAX, 0},
    {"IPV6", ZMQ_IPV6, 1, 2, 0},
    {"BLOCKY", ZMQ_BLOCKY, 0, 2, 0},
    {"UNKNOWN_0", 0, 1, 2, 0},
    {"UNKNOWN_1000", 1000, 1, 2, 0},
};
#define N_CTXOPTS (sizeof ctxopts / sizeof ctxopts[0])
#define N_CTXPROBES 6
static const char *ctx_probe_labels[N_CTXPROBES] = {
  "get", "set valid", "set -1", "set 0", "set -2", "set big"};

static void run_ctx_probe (const struct ctxopt *c, int probe, char *out, size_t cap)
{
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    out[0] = 0;
    int vals[N_CTXPROBES] = {0, c->valid, -1, 0, -2, c->big};
    /* errno is reported only when the call set it (a -1 value can be
     * legitimate). */
    errno = 0;
    if (probe == 0) {
        int v = zmq_ctx_get (ctx, c->id);
        if (v == -1)
            appendf (out, cap, "-1 errno=%s", errname (zmq_errno ()));
        else
            appendf (out, cap, "%d", v);
    } else if (zmq_ctx_set (ctx, c->id, vals[probe]) != 0)
        appendf (out, cap, "err %s", errname (zmq_errno ()));
    else {
        errno = 0;
        int v = zmq_ctx_get (ctx, c->id);
        if (v == -1)
            appendf (out, cap, "ok; get -1 errno=%s", errname (zmq_errno ()));
        else
            appendf (out, cap, "ok; get %d", v);
    }
    TEST_OK (zmq_ctx_term (ctx));
}

/* ---- the expectations -------------------------------------------------- */

#define T(x) (1u << (x))
#define ALL 0xFFFu
#define HARDENED 1

struct row {
    const char *opt;
    const char *probe;
    unsigned types; /* bit ZMQ_<type>; ctx rows: 0 */
    const char *expect; /* "a|b": either */
    int flags;
};

/* BEGIN GENERATED TABLE */
static const struct row rows[] = {
    {"AFFINITY", "get", ALL,
     "ok len=8 u64=0", 0},
    {"AFFINITY", "get len 4", ALL,
     "err EINVAL", 0},
    {"AFFINITY", "set valid", ALL,
     "ok; get ok len=8 u64=3", 0},
    {"AFFINITY", "set 0", ALL,
     "ok; get ok len=8 u64=0", 0},
    {"AFFINITY", "set UINT64_MAX", ALL,
     "ok; get ok len=8 u64=18446744073709551615", 0},
    {"AFFINITY", "set valid as int", ALL,
     "err EINVAL", 0},
    {"ROUTING_ID", "get", ALL,
     "ok len=0 \"\"", 0},
    {"ROUTING_ID", "get len 0", ALL,
     "ok len=0 bytes=", 0},
    {"ROUTING_ID", "get len 1", ALL,
     "ok len=0 bytes=00", 0},
    {"ROUTING_ID", "set valid", ALL,
     "ok; get ok len=3 \"abc\"", 0},
    {"ROUTING_ID", "set valid+NUL", ALL,
     "ok; get ok len=4 \"abc\\x00\"", 0},
    {"ROUTING_ID", "set \"\"", ALL,
     "err EINVAL", 0},
    {"ROUTING_ID", "set NULL", ALL,
     "err EINVAL", 0},
    {"ROUTING_ID", "set 255 bytes", ALL,
     "ok; get ok len=255 \"xxxxxxxxxxxxxxxx\"...", 0},
    {"ROUTING_ID", "set 256 bytes", ALL,
     "err EINVAL", 0},
    {"ROUTING_ID", "set \\0ab", ALL,
     "ok; get ok len=3 \"\\x00ab\"", 0},
    {"SUBSCRIBE", "get", ALL,
     "err EINVAL", 0},
    {"SUBSCRIBE", "get len 0", ALL,
     "err EINVAL", 0},
    {"SUBSCRIBE", "get len 1", ALL,
     "err EINVAL", 0},
    {"SUBSCRIBE", "set valid", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"SUBSCRIBE", "set valid", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"SUBSCRIBE", "set valid+NUL", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"SUBSCRIBE", "set valid+NUL", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"SUBSCRIBE", "set \"\"", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"SUBSCRIBE", "set \"\"", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"SUBSCRIBE", "set NULL", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"SUBSCRIBE", "set NULL", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"SUBSCRIBE", "set 255 bytes", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"SUBSCRIBE", "set 255 bytes", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"SUBSCRIBE", "set 256 bytes", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"SUBSCRIBE", "set 256 bytes", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"SUBSCRIBE", "set \\0ab", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"SUBSCRIBE", "set \\0ab", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"UNSUBSCRIBE", "get", ALL,
     "err EINVAL", 0},
    {"UNSUBSCRIBE", "get len 0", ALL,
     "err EINVAL", 0},
    {"UNSUBSCRIBE", "get len 1", ALL,
     "err EINVAL", 0},
    {"UNSUBSCRIBE", "set valid", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"UNSUBSCRIBE", "set valid", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"UNSUBSCRIBE", "set valid+NUL", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"UNSUBSCRIBE", "set valid+NUL", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"UNSUBSCRIBE", "set \"\"", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"UNSUBSCRIBE", "set \"\"", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"UNSUBSCRIBE", "set NULL", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"UNSUBSCRIBE", "set NULL", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"UNSUBSCRIBE", "set 255 bytes", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"UNSUBSCRIBE", "set 255 bytes", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"UNSUBSCRIBE", "set 256 bytes", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"UNSUBSCRIBE", "set 256 bytes", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"UNSUBSCRIBE", "set \\0ab", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"UNSUBSCRIBE", "set \\0ab", T (ZMQ_SUB),
     "ok; get err EINVAL", 0},
    {"RATE", "get", ALL,
     "ok len=4 int=100", 0},
    {"RATE", "get len 8", ALL,
     "err EINVAL", 0},
    {"RATE", "set valid", ALL,
     "ok; get ok len=4 int=200", 0},
    {"RATE", "set -1", ALL,
     "err EINVAL", 0},
    {"RATE", "set 0", ALL,
     "err EINVAL", 0},
    {"RATE", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"RATE", "set -2", ALL,
     "err EINVAL", 0},
    {"RATE", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"RATE", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"RECOVERY_IVL", "get", ALL,
     "ok len=4 int=10000", 0},
    {"RECOVERY_IVL", "get len 8", ALL,
     "err EINVAL", 0},
    {"RECOVERY_IVL", "set valid", ALL,
     "ok; get ok len=4 int=5000", 0},
    {"RECOVERY_IVL", "set -1", ALL,
     "err EINVAL", 0},
    {"RECOVERY_IVL", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"RECOVERY_IVL", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"RECOVERY_IVL", "set -2", ALL,
     "err EINVAL", 0},
    {"RECOVERY_IVL", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"RECOVERY_IVL", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"SNDBUF", "get", ALL,
     "ok len=4 int=-1", 0},
    {"SNDBUF", "get len 8", ALL,
     "err EINVAL", 0},
    {"SNDBUF", "set valid", ALL,
     "ok; get ok len=4 int=65536", 0},
    {"SNDBUF", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"SNDBUF", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"SNDBUF", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"SNDBUF", "set -2", ALL,
     "err EINVAL", 0},
    {"SNDBUF", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"SNDBUF", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"RCVBUF", "get", ALL,
     "ok len=4 int=-1", 0},
    {"RCVBUF", "get len 8", ALL,
     "err EINVAL", 0},
    {"RCVBUF", "set valid", ALL,
     "ok; get ok len=4 int=65536", 0},
    {"RCVBUF", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"RCVBUF", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"RCVBUF", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"RCVBUF", "set -2", ALL,
     "err EINVAL", 0},
    {"RCVBUF", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"RCVBUF", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"RCVMORE", "get", ALL,
     "ok len=4 int=0", 0},
    {"RCVMORE", "get len 8", ALL,
     "ok len=4 bytes=0000000000000000", 0},
    {"RCVMORE", "set 0", ALL,
     "err EINVAL", 0},
    {"FD", "get", ALL,
     "ok len=4 fd", 0},
    {"FD", "get len 8", ALL,
     "ok len=4", 0},
    {"FD", "set 0", ALL,
     "err EINVAL", 0},
    {"EVENTS", "get", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH),
     "ok len=4 int=0", 0},
    {"EVENTS", "get", T (ZMQ_PUB)|T (ZMQ_ROUTER)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "ok len=4 int=2", 0},
    {"EVENTS", "get len 8", ALL,
     "ok len=4", 0},
    {"EVENTS", "set 0", ALL,
     "err EINVAL", 0},
    {"TYPE", "get", T (ZMQ_PAIR),
     "ok len=4 int=0", 0},
    {"TYPE", "get", T (ZMQ_PUB),
     "ok len=4 int=1", 0},
    {"TYPE", "get", T (ZMQ_SUB),
     "ok len=4 int=2", 0},
    {"TYPE", "get", T (ZMQ_REQ),
     "ok len=4 int=3", 0},
    {"TYPE", "get", T (ZMQ_REP),
     "ok len=4 int=4", 0},
    {"TYPE", "get", T (ZMQ_DEALER),
     "ok len=4 int=5", 0},
    {"TYPE", "get", T (ZMQ_ROUTER),
     "ok len=4 int=6", 0},
    {"TYPE", "get", T (ZMQ_PULL),
     "ok len=4 int=7", 0},
    {"TYPE", "get", T (ZMQ_PUSH),
     "ok len=4 int=8", 0},
    {"TYPE", "get", T (ZMQ_XPUB),
     "ok len=4 int=9", 0},
    {"TYPE", "get", T (ZMQ_XSUB),
     "ok len=4 int=10", 0},
    {"TYPE", "get", T (ZMQ_STREAM),
     "ok len=4 int=11", 0},
    {"TYPE", "get len 8", ALL,
     "err EINVAL", 0},
    {"TYPE", "set 0", ALL,
     "err EINVAL", 0},
    {"LINGER", "get", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_STREAM),
     "ok len=4 int=-1", 0},
    {"LINGER", "get", T (ZMQ_SUB)|T (ZMQ_XSUB),
     "ok len=4 int=0", 0},
    {"LINGER", "get len 8", ALL,
     "err EINVAL", 0},
    {"LINGER", "set valid", ALL,
     "ok; get ok len=4 int=250", 0},
    {"LINGER", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"LINGER", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"LINGER", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"LINGER", "set -2", ALL,
     "err EINVAL", 0},
    {"LINGER", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"LINGER", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"RECONNECT_IVL", "get", ALL,
     "ok len=4 int=100", 0},
    {"RECONNECT_IVL", "get len 8", ALL,
     "err EINVAL", 0},
    {"RECONNECT_IVL", "set valid", ALL,
     "ok; get ok len=4 int=200", 0},
    {"RECONNECT_IVL", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"RECONNECT_IVL", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"RECONNECT_IVL", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"RECONNECT_IVL", "set -2", ALL,
     "err EINVAL", 0},
    {"RECONNECT_IVL", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"RECONNECT_IVL", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"BACKLOG", "get", ALL,
     "ok len=4 int=100", 0},
    {"BACKLOG", "get len 8", ALL,
     "err EINVAL", 0},
    {"BACKLOG", "set valid", ALL,
     "ok; get ok len=4 int=50", 0},
    {"BACKLOG", "set -1", ALL,
     "err EINVAL", 0},
    {"BACKLOG", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"BACKLOG", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"BACKLOG", "set -2", ALL,
     "err EINVAL", 0},
    {"BACKLOG", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"BACKLOG", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"RECONNECT_IVL_MAX", "get", ALL,
     "ok len=4 int=0", 0},
    {"RECONNECT_IVL_MAX", "get len 8", ALL,
     "err EINVAL", 0},
    {"RECONNECT_IVL_MAX", "set valid", ALL,
     "ok; get ok len=4 int=1000", 0},
    {"RECONNECT_IVL_MAX", "set -1", ALL,
     "err EINVAL", 0},
    {"RECONNECT_IVL_MAX", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"RECONNECT_IVL_MAX", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"RECONNECT_IVL_MAX", "set -2", ALL,
     "err EINVAL", 0},
    {"RECONNECT_IVL_MAX", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"RECONNECT_IVL_MAX", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"MAXMSGSIZE", "get", ALL,
     "ok len=8 i64=-1", HARDENED},
    {"MAXMSGSIZE", "get len 4", ALL,
     "err EINVAL", 0},
    {"MAXMSGSIZE", "set valid", ALL,
     "ok; get ok len=8 i64=4096", 0},
    {"MAXMSGSIZE", "set -1", ALL,
     "ok; get ok len=8 i64=-1", 0},
    {"MAXMSGSIZE", "set 0", ALL,
     "ok; get ok len=8 i64=0", 0},
    {"MAXMSGSIZE", "set -2", ALL,
     "ok; get ok len=8 i64=-2", 0},
    {"MAXMSGSIZE", "set INT64_MAX", ALL,
     "ok; get ok len=8 i64=9223372036854775807", 0},
    {"MAXMSGSIZE", "set valid as int", ALL,
     "err EINVAL", 0},
    {"SNDHWM", "get", ALL,
     "ok len=4 int=1000", 0},
    {"SNDHWM", "get len 8", ALL,
     "err EINVAL", 0},
    {"SNDHWM", "set valid", ALL,
     "ok; get ok len=4 int=10", 0},
    {"SNDHWM", "set -1", ALL,
     "err EINVAL", 0},
    {"SNDHWM", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"SNDHWM", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"SNDHWM", "set -2", ALL,
     "err EINVAL", 0},
    {"SNDHWM", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"SNDHWM", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"RCVHWM", "get", ALL,
     "ok len=4 int=1000", 0},
    {"RCVHWM", "get len 8", ALL,
     "err EINVAL", 0},
    {"RCVHWM", "set valid", ALL,
     "ok; get ok len=4 int=10", 0},
    {"RCVHWM", "set -1", ALL,
     "err EINVAL", 0},
    {"RCVHWM", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"RCVHWM", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"RCVHWM", "set -2", ALL,
     "err EINVAL", 0},
    {"RCVHWM", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"RCVHWM", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"MULTICAST_HOPS", "get", ALL,
     "ok len=4 int=1", 0},
    {"MULTICAST_HOPS", "get len 8", ALL,
     "err EINVAL", 0},
    {"MULTICAST_HOPS", "set valid", ALL,
     "ok; get ok len=4 int=3", 0},
    {"MULTICAST_HOPS", "set -1", ALL,
     "err EINVAL", 0},
    {"MULTICAST_HOPS", "set 0", ALL,
     "err EINVAL", 0},
    {"MULTICAST_HOPS", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"MULTICAST_HOPS", "set -2", ALL,
     "err EINVAL", 0},
    {"MULTICAST_HOPS", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"MULTICAST_HOPS", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"RCVTIMEO", "get", ALL,
     "ok len=4 int=-1", 0},
    {"RCVTIMEO", "get len 8", ALL,
     "err EINVAL", 0},
    {"RCVTIMEO", "set valid", ALL,
     "ok; get ok len=4 int=100", 0},
    {"RCVTIMEO", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"RCVTIMEO", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"RCVTIMEO", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"RCVTIMEO", "set -2", ALL,
     "err EINVAL", 0},
    {"RCVTIMEO", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"RCVTIMEO", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"SNDTIMEO", "get", ALL,
     "ok len=4 int=-1", 0},
    {"SNDTIMEO", "get len 8", ALL,
     "err EINVAL", 0},
    {"SNDTIMEO", "set valid", ALL,
     "ok; get ok len=4 int=100", 0},
    {"SNDTIMEO", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"SNDTIMEO", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"SNDTIMEO", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"SNDTIMEO", "set -2", ALL,
     "err EINVAL", 0},
    {"SNDTIMEO", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"SNDTIMEO", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"IPV4ONLY", "get", ALL,
     "ok len=4 int=1", 0},
    {"IPV4ONLY", "get len 8", ALL,
     "err EINVAL", 0},
    {"IPV4ONLY", "set valid", ALL,
     "ok; get ok len=4 int=1", 0},
    {"IPV4ONLY", "set -1", ALL,
     "err EINVAL", 0},
    {"IPV4ONLY", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"IPV4ONLY", "set 2", ALL,
     "err EINVAL", 0},
    {"IPV4ONLY", "set -2", ALL,
     "err EINVAL", 0},
    {"IPV4ONLY", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"IPV4ONLY", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"LAST_ENDPOINT", "get", ALL,
     "ok len=1 \"\\x00\"", 0},
    {"LAST_ENDPOINT", "get len 0", ALL,
     "err EINVAL", 0},
    {"LAST_ENDPOINT", "get len 1", ALL,
     "ok len=1 bytes=00", 0},
    {"LAST_ENDPOINT", "set valid", ALL,
     "err EINVAL", 0},
    {"ROUTER_MANDATORY", "get", ALL,
     "err EINVAL", 0},
    {"ROUTER_MANDATORY", "get len 8", ALL,
     "err EINVAL", 0},
    {"ROUTER_MANDATORY", "set valid", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_MANDATORY", "set valid", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_MANDATORY", "set -1", ALL,
     "err EINVAL", 0},
    {"ROUTER_MANDATORY", "set 0", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_MANDATORY", "set 0", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_MANDATORY", "set 2", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_MANDATORY", "set 2", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_MANDATORY", "set -2", ALL,
     "err EINVAL", 0},
    {"ROUTER_MANDATORY", "set INT_MAX", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_MANDATORY", "set INT_MAX", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_MANDATORY", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE", "get", ALL,
     "ok len=4 int=-1", HARDENED},
    {"TCP_KEEPALIVE", "get len 8", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE", "set valid", ALL,
     "ok; get ok len=4 int=1", 0},
    {"TCP_KEEPALIVE", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"TCP_KEEPALIVE", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"TCP_KEEPALIVE", "set 2", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE", "set -2", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE_CNT", "get", ALL,
     "ok len=4 int=-1", HARDENED},
    {"TCP_KEEPALIVE_CNT", "get len 8", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE_CNT", "set valid", ALL,
     "ok; get ok len=4 int=5", 0},
    {"TCP_KEEPALIVE_CNT", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"TCP_KEEPALIVE_CNT", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"TCP_KEEPALIVE_CNT", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"TCP_KEEPALIVE_CNT", "set -2", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE_CNT", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"TCP_KEEPALIVE_CNT", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE_IDLE", "get", ALL,
     "ok len=4 int=-1", HARDENED},
    {"TCP_KEEPALIVE_IDLE", "get len 8", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE_IDLE", "set valid", ALL,
     "ok; get ok len=4 int=30", 0},
    {"TCP_KEEPALIVE_IDLE", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"TCP_KEEPALIVE_IDLE", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"TCP_KEEPALIVE_IDLE", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"TCP_KEEPALIVE_IDLE", "set -2", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE_IDLE", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"TCP_KEEPALIVE_IDLE", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE_INTVL", "get", ALL,
     "ok len=4 int=-1", HARDENED},
    {"TCP_KEEPALIVE_INTVL", "get len 8", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE_INTVL", "set valid", ALL,
     "ok; get ok len=4 int=5", 0},
    {"TCP_KEEPALIVE_INTVL", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"TCP_KEEPALIVE_INTVL", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"TCP_KEEPALIVE_INTVL", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"TCP_KEEPALIVE_INTVL", "set -2", ALL,
     "err EINVAL", 0},
    {"TCP_KEEPALIVE_INTVL", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"TCP_KEEPALIVE_INTVL", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"TCP_ACCEPT_FILTER", "get", ALL,
     "err EINVAL", 0},
    {"TCP_ACCEPT_FILTER", "get len 0", ALL,
     "err EINVAL", 0},
    {"TCP_ACCEPT_FILTER", "get len 1", ALL,
     "err EINVAL", 0},
    {"TCP_ACCEPT_FILTER", "set valid", ALL,
     "ok; get err EINVAL", 0},
    {"TCP_ACCEPT_FILTER", "set valid+NUL", ALL,
     "ok; get err EINVAL", 0},
    {"TCP_ACCEPT_FILTER", "set \"\"", ALL,
     "err EINVAL", 0},
    {"TCP_ACCEPT_FILTER", "set NULL", ALL,
     "ok; get err EINVAL", 0},
    {"TCP_ACCEPT_FILTER", "set 255 bytes", ALL,
     "err EINVAL", 0},
    {"TCP_ACCEPT_FILTER", "set 256 bytes", ALL,
     "err EINVAL", 0},
    {"TCP_ACCEPT_FILTER", "set \\0ab", ALL,
     "err EINVAL", 0},
    {"IMMEDIATE", "get", ALL,
     "ok len=4 int=0", 0},
    {"IMMEDIATE", "get len 8", ALL,
     "err EINVAL", 0},
    {"IMMEDIATE", "set valid", ALL,
     "ok; get ok len=4 int=1", 0},
    {"IMMEDIATE", "set -1", ALL,
     "err EINVAL", 0},
    {"IMMEDIATE", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"IMMEDIATE", "set 2", ALL,
     "err EINVAL", 0},
    {"IMMEDIATE", "set -2", ALL,
     "err EINVAL", 0},
    {"IMMEDIATE", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"IMMEDIATE", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"XPUB_VERBOSE", "get", ALL,
     "err EINVAL", 0},
    {"XPUB_VERBOSE", "get len 8", ALL,
     "err EINVAL", 0},
    {"XPUB_VERBOSE", "set valid", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_VERBOSE", "set valid", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_VERBOSE", "set -1", ALL,
     "err EINVAL", 0},
    {"XPUB_VERBOSE", "set 0", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_VERBOSE", "set 0", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_VERBOSE", "set 2", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_VERBOSE", "set 2", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_VERBOSE", "set -2", ALL,
     "err EINVAL", 0},
    {"XPUB_VERBOSE", "set INT_MAX", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_VERBOSE", "set INT_MAX", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_VERBOSE", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"ROUTER_RAW", "get", ALL,
     "err EINVAL", 0},
    {"ROUTER_RAW", "get len 8", ALL,
     "err EINVAL", 0},
    {"ROUTER_RAW", "set valid", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_RAW", "set valid", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_RAW", "set -1", ALL,
     "err EINVAL", 0},
    {"ROUTER_RAW", "set 0", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_RAW", "set 0", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_RAW", "set 2", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_RAW", "set 2", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_RAW", "set -2", ALL,
     "err EINVAL", 0},
    {"ROUTER_RAW", "set INT_MAX", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_RAW", "set INT_MAX", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_RAW", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"IPV6", "get", ALL,
     "ok len=4 int=0", 0},
    {"IPV6", "get len 8", ALL,
     "err EINVAL", 0},
    {"IPV6", "set valid", ALL,
     "ok; get ok len=4 int=1", 0},
    {"IPV6", "set -1", ALL,
     "err EINVAL", 0},
    {"IPV6", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"IPV6", "set 2", ALL,
     "err EINVAL", 0},
    {"IPV6", "set -2", ALL,
     "err EINVAL", 0},
    {"IPV6", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"IPV6", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"MECHANISM", "get", ALL,
     "ok len=4 int=0", 0},
    {"MECHANISM", "get len 8", ALL,
     "err EINVAL", 0},
    {"MECHANISM", "set 0", ALL,
     "err EINVAL", 0},
    {"PROBE_ROUTER", "get", ALL,
     "err EINVAL", 0},
    {"PROBE_ROUTER", "get len 8", ALL,
     "err EINVAL", 0},
    {"PROBE_ROUTER", "set valid", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"PROBE_ROUTER", "set valid", T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"PROBE_ROUTER", "set -1", ALL,
     "err EINVAL", 0},
    {"PROBE_ROUTER", "set 0", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"PROBE_ROUTER", "set 0", T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"PROBE_ROUTER", "set 2", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"PROBE_ROUTER", "set 2", T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"PROBE_ROUTER", "set -2", ALL,
     "err EINVAL", 0},
    {"PROBE_ROUTER", "set INT_MAX", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"PROBE_ROUTER", "set INT_MAX", T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"PROBE_ROUTER", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"REQ_CORRELATE", "get", ALL,
     "err EINVAL", 0},
    {"REQ_CORRELATE", "get len 8", ALL,
     "err EINVAL", 0},
    {"REQ_CORRELATE", "set valid", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"REQ_CORRELATE", "set valid", T (ZMQ_REQ),
     "ok; get err EINVAL", 0},
    {"REQ_CORRELATE", "set -1", ALL,
     "err EINVAL", 0},
    {"REQ_CORRELATE", "set 0", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"REQ_CORRELATE", "set 0", T (ZMQ_REQ),
     "ok; get err EINVAL", 0},
    {"REQ_CORRELATE", "set 2", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"REQ_CORRELATE", "set 2", T (ZMQ_REQ),
     "ok; get err EINVAL", 0},
    {"REQ_CORRELATE", "set -2", ALL,
     "err EINVAL", 0},
    {"REQ_CORRELATE", "set INT_MAX", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"REQ_CORRELATE", "set INT_MAX", T (ZMQ_REQ),
     "ok; get err EINVAL", 0},
    {"REQ_CORRELATE", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"REQ_RELAXED", "get", ALL,
     "err EINVAL", 0},
    {"REQ_RELAXED", "get len 8", ALL,
     "err EINVAL", 0},
    {"REQ_RELAXED", "set valid", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"REQ_RELAXED", "set valid", T (ZMQ_REQ),
     "ok; get err EINVAL", 0},
    {"REQ_RELAXED", "set -1", ALL,
     "err EINVAL", 0},
    {"REQ_RELAXED", "set 0", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"REQ_RELAXED", "set 0", T (ZMQ_REQ),
     "ok; get err EINVAL", 0},
    {"REQ_RELAXED", "set 2", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"REQ_RELAXED", "set 2", T (ZMQ_REQ),
     "ok; get err EINVAL", 0},
    {"REQ_RELAXED", "set -2", ALL,
     "err EINVAL", 0},
    {"REQ_RELAXED", "set INT_MAX", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"REQ_RELAXED", "set INT_MAX", T (ZMQ_REQ),
     "ok; get err EINVAL", 0},
    {"REQ_RELAXED", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"CONFLATE", "get", ALL,
     "ok len=4 int=0", 0},
    {"CONFLATE", "get len 8", ALL,
     "err EINVAL", 0},
    {"CONFLATE", "set valid", ALL,
     "ok; get ok len=4 int=1", 0},
    {"CONFLATE", "set -1", ALL,
     "err EINVAL", 0},
    {"CONFLATE", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"CONFLATE", "set 2", ALL,
     "err EINVAL", 0},
    {"CONFLATE", "set -2", ALL,
     "err EINVAL", 0},
    {"CONFLATE", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"CONFLATE", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"ROUTER_HANDOVER", "get", ALL,
     "err EINVAL", 0},
    {"ROUTER_HANDOVER", "get len 8", ALL,
     "err EINVAL", 0},
    {"ROUTER_HANDOVER", "set valid", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_HANDOVER", "set valid", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_HANDOVER", "set -1", ALL,
     "err EINVAL", 0},
    {"ROUTER_HANDOVER", "set 0", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_HANDOVER", "set 0", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_HANDOVER", "set 2", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_HANDOVER", "set 2", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_HANDOVER", "set -2", ALL,
     "err EINVAL", 0},
    {"ROUTER_HANDOVER", "set INT_MAX", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"ROUTER_HANDOVER", "set INT_MAX", T (ZMQ_REP)|T (ZMQ_ROUTER),
     "ok; get err EINVAL", 0},
    {"ROUTER_HANDOVER", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"TOS", "get", ALL,
     "ok len=4 int=0", 0},
    {"TOS", "get len 8", ALL,
     "err EINVAL", 0},
    {"TOS", "set valid", ALL,
     "ok; get ok len=4 int=16", 0},
    {"TOS", "set -1", ALL,
     "err EINVAL", 0},
    {"TOS", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"TOS", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"TOS", "set -2", ALL,
     "err EINVAL", 0},
    {"TOS", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"TOS", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_PID", "get", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_PID", "get len 8", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_PID", "set own id", ALL,
     "ok; get err EINVAL", 0},
    {"IPC_FILTER_PID", "set \"\"", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_PID", "set NULL", ALL,
     "ok; get err EINVAL", 0},
    {"IPC_FILTER_PID", "set 2 bytes", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_PID", "set 8 bytes", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_UID", "get", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_UID", "get len 8", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_UID", "set own id", ALL,
     "ok; get err EINVAL", 0},
    {"IPC_FILTER_UID", "set \"\"", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_UID", "set NULL", ALL,
     "ok; get err EINVAL", 0},
    {"IPC_FILTER_UID", "set 2 bytes", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_UID", "set 8 bytes", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_GID", "get", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_GID", "get len 8", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_GID", "set own id", ALL,
     "ok; get err EINVAL", 0},
    {"IPC_FILTER_GID", "set \"\"", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_GID", "set NULL", ALL,
     "ok; get err EINVAL", 0},
    {"IPC_FILTER_GID", "set 2 bytes", ALL,
     "err EINVAL", 0},
    {"IPC_FILTER_GID", "set 8 bytes", ALL,
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "get", ALL,
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "get len 0", ALL,
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "get len 1", ALL,
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set valid", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB),
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set valid", T (ZMQ_REP)|T (ZMQ_ROUTER)|T (ZMQ_STREAM),
     "ok; get err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set valid+NUL", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB),
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set valid+NUL", T (ZMQ_REP)|T (ZMQ_ROUTER)|T (ZMQ_STREAM),
     "ok; get err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set \"\"", ALL,
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set NULL", ALL,
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set 255 bytes", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB),
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set 255 bytes", T (ZMQ_REP)|T (ZMQ_ROUTER)|T (ZMQ_STREAM),
     "ok; get err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set 256 bytes", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB),
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set 256 bytes", T (ZMQ_REP)|T (ZMQ_ROUTER)|T (ZMQ_STREAM),
     "ok; get err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set \\0ab", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_DEALER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB),
     "err EINVAL", 0},
    {"CONNECT_ROUTING_ID", "set \\0ab", T (ZMQ_REP)|T (ZMQ_ROUTER)|T (ZMQ_STREAM),
     "ok; get err EINVAL", 0},
    {"HANDSHAKE_IVL", "get", ALL,
     "ok len=4 int=30000", HARDENED},
    {"HANDSHAKE_IVL", "get len 8", ALL,
     "err EINVAL", 0},
    {"HANDSHAKE_IVL", "set valid", ALL,
     "ok; get ok len=4 int=5000", 0},
    {"HANDSHAKE_IVL", "set -1", ALL,
     "err EINVAL", 0},
    {"HANDSHAKE_IVL", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"HANDSHAKE_IVL", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"HANDSHAKE_IVL", "set -2", ALL,
     "err EINVAL", 0},
    {"HANDSHAKE_IVL", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"HANDSHAKE_IVL", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"SOCKS_PROXY", "get", ALL,
     "ok len=1 \"\\x00\"", 0},
    {"SOCKS_PROXY", "get len 0", ALL,
     "err EINVAL", 0},
    {"SOCKS_PROXY", "get len 1", ALL,
     "ok len=1 bytes=00", 0},
    {"SOCKS_PROXY", "set valid", ALL,
     "ok; get ok len=15 \"127.0.0.1:1080\\x00\"", 0},
    {"SOCKS_PROXY", "set valid+NUL", ALL,
     "ok; get ok len=16 \"127.0.0.1:1080\\x00\\x00\"", 0},
    {"SOCKS_PROXY", "set \"\"", ALL,
     "err EINVAL", 0},
    {"SOCKS_PROXY", "set NULL", ALL,
     "ok; get ok len=1 \"\\x00\"", 0},
    {"SOCKS_PROXY", "set 255 bytes", ALL,
     "ok; get ok len=256 \"xxxxxxxxxxxxxxxx\"...", 0},
    {"SOCKS_PROXY", "set 256 bytes", ALL,
     "ok; get err EINVAL", 0},
    {"SOCKS_PROXY", "set \\0ab", ALL,
     "ok; get ok len=4 \"\\x00ab\\x00\"", 0},
    {"XPUB_NODROP", "get", ALL,
     "err EINVAL", 0},
    {"XPUB_NODROP", "get len 8", ALL,
     "err EINVAL", 0},
    {"XPUB_NODROP", "set valid", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_NODROP", "set valid", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_NODROP", "set -1", ALL,
     "err EINVAL", 0},
    {"XPUB_NODROP", "set 0", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_NODROP", "set 0", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_NODROP", "set 2", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_NODROP", "set 2", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_NODROP", "set -2", ALL,
     "err EINVAL", 0},
    {"XPUB_NODROP", "set INT_MAX", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_NODROP", "set INT_MAX", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_NODROP", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"BLOCKY", "get", ALL,
     "err EINVAL", 0},
    {"BLOCKY", "get len 8", ALL,
     "err EINVAL", 0},
    {"BLOCKY", "set valid", ALL,
     "err EINVAL", 0},
    {"BLOCKY", "set -1", ALL,
     "err EINVAL", 0},
    {"BLOCKY", "set 0", ALL,
     "err EINVAL", 0},
    {"BLOCKY", "set 2", ALL,
     "err EINVAL", 0},
    {"BLOCKY", "set -2", ALL,
     "err EINVAL", 0},
    {"BLOCKY", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"BLOCKY", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"XPUB_MANUAL", "get", ALL,
     "err EINVAL", 0},
    {"XPUB_MANUAL", "get len 8", ALL,
     "err EINVAL", 0},
    {"XPUB_MANUAL", "set valid", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_MANUAL", "set valid", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_MANUAL", "set -1", ALL,
     "err EINVAL", 0},
    {"XPUB_MANUAL", "set 0", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_MANUAL", "set 0", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_MANUAL", "set 2", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_MANUAL", "set 2", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_MANUAL", "set -2", ALL,
     "err EINVAL", 0},
    {"XPUB_MANUAL", "set INT_MAX", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_MANUAL", "set INT_MAX", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_MANUAL", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "get", ALL,
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "get len 0", ALL,
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "get len 1", ALL,
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set valid", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set valid", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set valid+NUL", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set valid+NUL", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set \"\"", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set \"\"", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set NULL", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set NULL", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set 255 bytes", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set 255 bytes", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set 256 bytes", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set 256 bytes", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set \\0ab", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_WELCOME_MSG", "set \\0ab", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"STREAM_NOTIFY", "get", ALL,
     "err EINVAL", 0},
    {"STREAM_NOTIFY", "get len 8", ALL,
     "err EINVAL", 0},
    {"STREAM_NOTIFY", "set valid", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB),
     "err EINVAL", 0},
    {"STREAM_NOTIFY", "set valid", T (ZMQ_STREAM),
     "ok; get err EINVAL", 0},
    {"STREAM_NOTIFY", "set -1", ALL,
     "err EINVAL", 0},
    {"STREAM_NOTIFY", "set 0", T (ZMQ_PAIR)|T (ZMQ_PUB)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XPUB)|T (ZMQ_XSUB),
     "err EINVAL", 0},
    {"STREAM_NOTIFY", "set 0", T (ZMQ_STREAM),
     "ok; get err EINVAL", 0},
    {"STREAM_NOTIFY", "set 2", ALL,
     "err EINVAL", 0},
    {"STREAM_NOTIFY", "set -2", ALL,
     "err EINVAL", 0},
    {"STREAM_NOTIFY", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"STREAM_NOTIFY", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"INVERT_MATCHING", "get", ALL,
     "ok len=4 int=0", 0},
    {"INVERT_MATCHING", "get len 8", ALL,
     "err EINVAL", 0},
    {"INVERT_MATCHING", "set valid", ALL,
     "ok; get ok len=4 int=1", 0},
    {"INVERT_MATCHING", "set -1", ALL,
     "ok; get ok len=4 int=1", 0},
    {"INVERT_MATCHING", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"INVERT_MATCHING", "set 2", ALL,
     "ok; get ok len=4 int=1", 0},
    {"INVERT_MATCHING", "set -2", ALL,
     "ok; get ok len=4 int=1", 0},
    {"INVERT_MATCHING", "set INT_MAX", ALL,
     "ok; get ok len=4 int=1", 0},
    {"INVERT_MATCHING", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_IVL", "get", ALL,
     "ok len=4 int=0", HARDENED},
    {"HEARTBEAT_IVL", "get len 8", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_IVL", "set valid", ALL,
     "ok; get ok len=4 int=1000", 0},
    {"HEARTBEAT_IVL", "set -1", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_IVL", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"HEARTBEAT_IVL", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"HEARTBEAT_IVL", "set -2", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_IVL", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"HEARTBEAT_IVL", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_TTL", "get", ALL,
     "ok len=4 int=0", 0},
    {"HEARTBEAT_TTL", "get len 8", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_TTL", "set valid", ALL,
     "ok; get ok len=4 int=1000", 0},
    {"HEARTBEAT_TTL", "set -1", ALL,
     "ok; get ok len=4 int=0", 0},
    {"HEARTBEAT_TTL", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"HEARTBEAT_TTL", "set 2", ALL,
     "ok; get ok len=4 int=0", 0},
    {"HEARTBEAT_TTL", "set -2", ALL,
     "ok; get ok len=4 int=0", 0},
    {"HEARTBEAT_TTL", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_TTL", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_TIMEOUT", "get", ALL,
     "ok len=4 int=-1", HARDENED},
    {"HEARTBEAT_TIMEOUT", "get len 8", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_TIMEOUT", "set valid", ALL,
     "ok; get ok len=4 int=2000", 0},
    {"HEARTBEAT_TIMEOUT", "set -1", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_TIMEOUT", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"HEARTBEAT_TIMEOUT", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"HEARTBEAT_TIMEOUT", "set -2", ALL,
     "err EINVAL", 0},
    {"HEARTBEAT_TIMEOUT", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"HEARTBEAT_TIMEOUT", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"XPUB_VERBOSER", "get", ALL,
     "err EINVAL", 0},
    {"XPUB_VERBOSER", "get len 8", ALL,
     "err EINVAL", 0},
    {"XPUB_VERBOSER", "set valid", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_VERBOSER", "set valid", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_VERBOSER", "set -1", ALL,
     "err EINVAL", 0},
    {"XPUB_VERBOSER", "set 0", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_VERBOSER", "set 0", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_VERBOSER", "set 2", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_VERBOSER", "set 2", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_VERBOSER", "set -2", ALL,
     "err EINVAL", 0},
    {"XPUB_VERBOSER", "set INT_MAX", T (ZMQ_PAIR)|T (ZMQ_SUB)|T (ZMQ_REQ)|T (ZMQ_REP)|T (ZMQ_DEALER)|T (ZMQ_ROUTER)|T (ZMQ_PULL)|T (ZMQ_PUSH)|T (ZMQ_XSUB)|T (ZMQ_STREAM),
     "err EINVAL", 0},
    {"XPUB_VERBOSER", "set INT_MAX", T (ZMQ_PUB)|T (ZMQ_XPUB),
     "ok; get err EINVAL", 0},
    {"XPUB_VERBOSER", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"CONNECT_TIMEOUT", "get", ALL,
     "ok len=4 int=0", 0},
    {"CONNECT_TIMEOUT", "get len 8", ALL,
     "err EINVAL", 0},
    {"CONNECT_TIMEOUT", "set valid", ALL,
     "ok; get ok len=4 int=500", 0},
    {"CONNECT_TIMEOUT", "set -1", ALL,
     "err EINVAL", 0},
    {"CONNECT_TIMEOUT", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"CONNECT_TIMEOUT", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"CONNECT_TIMEOUT", "set -2", ALL,
     "err EINVAL", 0},
    {"CONNECT_TIMEOUT", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"CONNECT_TIMEOUT", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"TCP_MAXRT", "get", ALL,
     "ok len=4 int=0", 0},
    {"TCP_MAXRT", "get len 8", ALL,
     "err EINVAL", 0},
    {"TCP_MAXRT", "set valid", ALL,
     "ok; get ok len=4 int=500", 0},
    {"TCP_MAXRT", "set -1", ALL,
     "err EINVAL", 0},
    {"TCP_MAXRT", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"TCP_MAXRT", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"TCP_MAXRT", "set -2", ALL,
     "err EINVAL", 0},
    {"TCP_MAXRT", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"TCP_MAXRT", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"THREAD_SAFE", "get", ALL,
     "ok len=4 int=0", 0},
    {"THREAD_SAFE", "get len 8", ALL,
     "ok len=4 bytes=0000000000000000", 0},
    {"THREAD_SAFE", "set 0", ALL,
     "err EINVAL", 0},
    {"MULTICAST_MAXTPDU", "get", ALL,
     "ok len=4 int=1500", 0},
    {"MULTICAST_MAXTPDU", "get len 8", ALL,
     "err EINVAL", 0},
    {"MULTICAST_MAXTPDU", "set valid", ALL,
     "ok; get ok len=4 int=1400", 0},
    {"MULTICAST_MAXTPDU", "set -1", ALL,
     "err EINVAL", 0},
    {"MULTICAST_MAXTPDU", "set 0", ALL,
     "err EINVAL", 0},
    {"MULTICAST_MAXTPDU", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"MULTICAST_MAXTPDU", "set -2", ALL,
     "err EINVAL", 0},
    {"MULTICAST_MAXTPDU", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"MULTICAST_MAXTPDU", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_SIZE", "get", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_SIZE", "get len 4", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_SIZE", "set valid", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_SIZE", "set 0", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_SIZE", "set UINT64_MAX", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_SIZE", "set valid as int", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MIN_SIZE", "get", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MIN_SIZE", "get len 4", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MIN_SIZE", "set valid", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MIN_SIZE", "set 0", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MIN_SIZE", "set UINT64_MAX", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MIN_SIZE", "set valid as int", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MAX_SIZE", "get", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MAX_SIZE", "get len 4", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MAX_SIZE", "set valid", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MAX_SIZE", "set 0", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MAX_SIZE", "set UINT64_MAX", ALL,
     "err EINVAL", 0},
    {"VMCI_BUFFER_MAX_SIZE", "set valid as int", ALL,
     "err EINVAL", 0},
    {"VMCI_CONNECT_TIMEOUT", "get", ALL,
     "err EINVAL", 0},
    {"VMCI_CONNECT_TIMEOUT", "get len 8", ALL,
     "err EINVAL", 0},
    {"VMCI_CONNECT_TIMEOUT", "set valid", ALL,
     "err EINVAL", 0},
    {"VMCI_CONNECT_TIMEOUT", "set -1", ALL,
     "err EINVAL", 0},
    {"VMCI_CONNECT_TIMEOUT", "set 0", ALL,
     "err EINVAL", 0},
    {"VMCI_CONNECT_TIMEOUT", "set 2", ALL,
     "err EINVAL", 0},
    {"VMCI_CONNECT_TIMEOUT", "set -2", ALL,
     "err EINVAL", 0},
    {"VMCI_CONNECT_TIMEOUT", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"VMCI_CONNECT_TIMEOUT", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"USE_FD", "get", ALL,
     "ok len=4 int=-1", 0},
    {"USE_FD", "get len 8", ALL,
     "err EINVAL", 0},
    {"USE_FD", "set valid", ALL,
     "ok; get ok len=4 int=100", 0},
    {"USE_FD", "set -1", ALL,
     "ok; get ok len=4 int=-1", 0},
    {"USE_FD", "set 0", ALL,
     "ok; get ok len=4 int=0", 0},
    {"USE_FD", "set 2", ALL,
     "ok; get ok len=4 int=2", 0},
    {"USE_FD", "set -2", ALL,
     "err EINVAL", 0},
    {"USE_FD", "set INT_MAX", ALL,
     "ok; get ok len=4 int=2147483647", 0},
    {"USE_FD", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"BINDTODEVICE", "get", ALL,
     "ok len=1 \"\\x00\"", 0},
    {"BINDTODEVICE", "get len 0", ALL,
     "err EINVAL", 0},
    {"BINDTODEVICE", "get len 1", ALL,
     "ok len=1 bytes=00", 0},
    {"BINDTODEVICE", "set valid", ALL,
     "ok; get ok len=3 \"lo\\x00\"", 0},
    {"BINDTODEVICE", "set valid+NUL", ALL,
     "ok; get ok len=4 \"lo\\x00\\x00\"", 0},
    {"BINDTODEVICE", "set \"\"", ALL,
     "err EINVAL", 0},
    {"BINDTODEVICE", "set NULL", ALL,
     "ok; get ok len=1 \"\\x00\"", 0},
    {"BINDTODEVICE", "set 255 bytes", ALL,
     "err EINVAL", 0},
    {"BINDTODEVICE", "set 256 bytes", ALL,
     "err EINVAL", 0},
    {"BINDTODEVICE", "set \\0ab", ALL,
     "ok; get ok len=4 \"\\x00ab\\x00\"", 0},
    {"UNKNOWN_0", "get", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_0", "get len 8", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_0", "set valid", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_0", "set -1", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_0", "set 0", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_0", "set 2", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_0", "set -2", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_0", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_0", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_200", "get", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_200", "get len 8", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_200", "set valid", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_200", "set -1", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_200", "set 0", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_200", "set 2", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_200", "set -2", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_200", "set INT_MAX", ALL,
     "err EINVAL", 0},
    {"UNKNOWN_200", "set valid as int64", ALL,
     "err EINVAL", 0},
    {"CTX IO_THREADS", "get", 0,
     "1", 0},
    {"CTX IO_THREADS", "set valid", 0,
     "ok; get 2", 0},
    {"CTX IO_THREADS", "set -1", 0,
     "err EINVAL", 0},
    {"CTX IO_THREADS", "set 0", 0,
     "ok; get 0", 0},
    {"CTX IO_THREADS", "set -2", 0,
     "err EINVAL", 0},
    {"CTX IO_THREADS", "set big", 0,
     "ok; get 100000", 0},
    {"CTX MAX_SOCKETS", "get", 0,
     "1023", 0},
    {"CTX MAX_SOCKETS", "set valid", 0,
     "ok; get 100", 0},
    {"CTX MAX_SOCKETS", "set -1", 0,
     "err EINVAL", 0},
    {"CTX MAX_SOCKETS", "set 0", 0,
     "err EINVAL", 0},
    {"CTX MAX_SOCKETS", "set -2", 0,
     "err EINVAL", 0},
    {"CTX MAX_SOCKETS", "set big", 0,
     "ok; get 2147483647", 0},
    {"CTX SOCKET_LIMIT/THREAD_PRIORITY", "get", 0,
     "65535", 0},
    {"CTX SOCKET_LIMIT/THREAD_PRIORITY", "set valid", 0,
     "ok; get 65535", 0},
    {"CTX SOCKET_LIMIT/THREAD_PRIORITY", "set -1", 0,
     "err EINVAL", 0},
    {"CTX SOCKET_LIMIT/THREAD_PRIORITY", "set 0", 0,
     "ok; get 65535", 0},
    {"CTX SOCKET_LIMIT/THREAD_PRIORITY", "set -2", 0,
     "err EINVAL", 0},
    {"CTX SOCKET_LIMIT/THREAD_PRIORITY", "set big", 0,
     "ok; get 65535", 0},
    {"CTX THREAD_SCHED_POLICY", "get", 0,
     "-1 errno=none", 0},
    {"CTX THREAD_SCHED_POLICY", "set valid", 0,
     "ok; get 0", 0},
    {"CTX THREAD_SCHED_POLICY", "set -1", 0,
     "err EINVAL", 0},
    {"CTX THREAD_SCHED_POLICY", "set 0", 0,
     "ok; get 0", 0},
    {"CTX THREAD_SCHED_POLICY", "set -2", 0,
     "err EINVAL", 0},
    {"CTX THREAD_SCHED_POLICY", "set big", 0,
     "ok; get 2147483647", 0},
    {"CTX MAX_MSGSZ", "get", 0,
     "2147483647", 0},
    {"CTX MAX_MSGSZ", "set valid", 0,
     "ok; get 4096", 0},
    {"CTX MAX_MSGSZ", "set -1", 0,
     "err EINVAL", 0},
    {"CTX MAX_MSGSZ", "set 0", 0,
     "ok; get 0", 0},
    {"CTX MAX_MSGSZ", "set -2", 0,
     "err EINVAL", 0},
    {"CTX MAX_MSGSZ", "set big", 0,
     "ok; get 2147483647", 0},
    {"CTX MSG_T_SIZE", "get", 0,
     "64", 0},
    {"CTX MSG_T_SIZE", "set valid", 0,
     "err EINVAL", 0},
    {"CTX MSG_T_SIZE", "set -1", 0,
     "err EINVAL", 0},
    {"CTX MSG_T_SIZE", "set 0", 0,
     "err EINVAL", 0},
    {"CTX MSG_T_SIZE", "set -2", 0,
     "err EINVAL", 0},
    {"CTX MSG_T_SIZE", "set big", 0,
     "err EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_ADD", "get", 0,
     "-1 errno=EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_ADD", "set valid", 0,
     "ok; get -1 errno=EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_ADD", "set -1", 0,
     "err EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_ADD", "set 0", 0,
     "ok; get -1 errno=EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_ADD", "set -2", 0,
     "err EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_ADD", "set big", 0,
     "ok; get -1 errno=EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_REMOVE", "get", 0,
     "-1 errno=EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_REMOVE", "set valid", 0,
     "err EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_REMOVE", "set -1", 0,
     "err EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_REMOVE", "set 0", 0,
     "err EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_REMOVE", "set -2", 0,
     "err EINVAL", 0},
    {"CTX THREAD_AFFINITY_CPU_REMOVE", "set big", 0,
     "err EINVAL", 0},
    {"CTX THREAD_NAME_PREFIX", "get", 0,
     "0", 0},
    {"CTX THREAD_NAME_PREFIX", "set valid", 0,
     "ok; get 7", 0},
    {"CTX THREAD_NAME_PREFIX", "set -1", 0,
     "ok; get -1 errno=none", 0},
    {"CTX THREAD_NAME_PREFIX", "set 0", 0,
     "ok; get 0", 0},
    {"CTX THREAD_NAME_PREFIX", "set -2", 0,
     "ok; get -2", 0},
    {"CTX THREAD_NAME_PREFIX", "set big", 0,
     "ok; get 2147483647", 0},
    {"CTX IPV6", "get", 0,
     "0", 0},
    {"CTX IPV6", "set valid", 0,
     "ok; get 1", 0},
    {"CTX IPV6", "set -1", 0,
     "err EINVAL", 0},
    {"CTX IPV6", "set 0", 0,
     "ok; get 0", 0},
    {"CTX IPV6", "set -2", 0,
     "err EINVAL", 0},
    {"CTX IPV6", "set big", 0,
     "ok; get 1", 0},
    {"CTX BLOCKY", "get", 0,
     "1", 0},
    {"CTX BLOCKY", "set valid", 0,
     "ok; get 0", 0},
    {"CTX BLOCKY", "set -1", 0,
     "err EINVAL", 0},
    {"CTX BLOCKY", "set 0", 0,
     "ok; get 0", 0},
    {"CTX BLOCKY", "set -2", 0,
     "err EINVAL", 0},
    {"CTX BLOCKY", "set big", 0,
     "ok; get 1", 0},
    {"CTX UNKNOWN_0", "get", 0,
     "-1 errno=EINVAL", 0},
    {"CTX UNKNOWN_0", "set valid", 0,
     "err EINVAL", 0},
    {"CTX UNKNOWN_0", "set -1", 0,
     "err EINVAL", 0},
    {"CTX UNKNOWN_0", "set 0", 0,
     "err EINVAL", 0},
    {"CTX UNKNOWN_0", "set -2", 0,
     "err EINVAL", 0},
    {"CTX UNKNOWN_0", "set big", 0,
     "err EINVAL", 0},
    {"CTX UNKNOWN_1000", "get", 0,
     "-1 errno=EINVAL", 0},
    {"CTX UNKNOWN_1000", "set valid", 0,
     "err EINVAL", 0},
    {"CTX UNKNOWN_1000", "set -1", 0,
     "err EINVAL", 0},
    {"CTX UNKNOWN_1000", "set 0", 0,
     "err EINVAL", 0},
    {"CTX UNKNOWN_1000", "set -2", 0,
     "err EINVAL", 0},
    {"CTX UNKNOWN_1000", "set big", 0,
     "err EINVAL", 0},
    {NULL, NULL, 0, NULL, 0},
};
/* END GENERATED TABLE */

static int matches (const char *expect, const char *got)
{
    const char *p = expect;
    size_t glen = strlen (got);
    for (;;) {
        const char *bar = strchr (p, '|');
        size_t n = bar ? (size_t) (bar - p) : strlen (p);
        if (n == glen && memcmp (p, got, n) == 0)
            return 1;
        if (!bar)
            return 0;
        p = bar + 1;
    }
}

static const struct opt *find_opt (const char *name)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (strcmp (opts[i].name, name) == 0)
            return &opts[i];
    return NULL;
}

static const struct ctxopt *find_ctxopt (const char *name)
{
    for (size_t i = 0; i < N_CTXOPTS; i++)
        if (strcmp (ctxopts[i].name, name) == 0)
            return &ctxopts[i];
    return NULL;
}

/* Checks every row; returns the number of mismatches. */
static int check (void *ctx, int check_hardened, const char *run)
{
    int bad = 0, checked = 0;
    char got[512];
    for (size_t r = 0; rows[r].opt; r++) {
        const struct row *w = &rows[r];
        if ((w->flags & HARDENED) && !check_hardened)
            continue;
        if (strncmp (w->opt, "CTX ", 4) == 0) {
            const struct ctxopt *c = find_ctxopt (w->opt + 4);
            int probe = -1;
            for (int i = 0; i < N_CTXPROBES; i++)
                if (c && strcmp (ctx_probe_labels[i], w->probe) == 0)
                    probe = i;
            if (probe < 0)
                TEST_FAIL ("bad table row %s / %s", w->opt, w->probe);
            run_ctx_probe (c, probe, got, sizeof got);
            checked++;
            if (!matches (w->expect, got)) {
                fprintf (stderr, "[%s] %s %s: expected %s, got %s\n", run,
                         w->opt, w->probe, w->expect, got);
                bad++;
            }
            continue;
        }
        const struct opt *o = find_opt (w->opt);
        if (!o)
            TEST_FAIL ("bad table row %s", w->opt);
        struct probe ps[MAX_PROBES];
        int np = probes_for (o, ps), pi = -1;
        for (int i = 0; i < np; i++)
            if (strcmp (ps[i].label, w->probe) == 0)
                pi = i;
        if (pi < 0)
            TEST_FAIL ("bad table row %s / %s", w->opt, w->probe);
        for (int t = 0; t < N_TYPES; t++) {
            if (!(w->types & T (types[t].type)))
                continue;
            run_probe (ctx, types[t].type, o, &ps[pi], got, sizeof got);
            checked++;
            if (!matches (w->expect, got)) {
                fprintf (stderr, "[%s] %s %s %s: expected %s, got %s\n", run,
                         types[t].name, w->opt, w->probe, w->expect, got);
                bad++;
            }
        }
    }
    fprintf (stderr,
             "[%s] %d probes checked, %d mismatches; owned elsewhere, not checked: "
             "PLAIN_*, CURVE_*, ZAP_DOMAIN, GSSAPI_*%s\n",
             run, checked, bad,
             check_hardened ? "" : "; hardened defaults skipped (profile is not compat)");
    return bad;
}

static void dump (void *ctx)
{
    char got[512];
    for (size_t i = 0; i < N_OPTS; i++) {
        struct probe ps[MAX_PROBES];
        int np = probes_for (&opts[i], ps);
        for (int t = 0; t < N_TYPES; t++)
            for (int k = 0; k < np; k++) {
                run_probe (ctx, types[t].type, &opts[i], &ps[k], got, sizeof got);
                printf ("%s\t%s\t%s\t%s\n", opts[i].name, types[t].name,
                        ps[k].label, got);
            }
    }
    for (size_t i = 0; i < N_CTXOPTS; i++)
        for (int k = 0; k < N_CTXPROBES; k++) {
            run_ctx_probe (&ctxopts[i], k, got, sizeof got);
            printf ("CTX %s\t-\t%s\t%s\n", ctxopts[i].name, ctx_probe_labels[k], got);
        }
}

int main (int argc, char **argv)
{
    test_watchdog (170);
    memset (long_bin, 'x', sizeof long_bin);
    ids[0] = (int) getpid ();
    ids[1] = (int) getuid ();
    ids[2] = (int) getgid ();

    if (argc > 1 && strcmp (argv[1], "--dump") == 0) {
        void *ctx = zmq_ctx_new ();
        TEST_ASSERT (ctx);
        dump (ctx);
        TEST_OK (zmq_ctx_term (ctx));
        return 0;
    }

    /* The ambient profile first: hardened defaults are checked only if it
     * is compat (or the library is libzmq, which has no profiles). */
    const char *prof = getenv ("RAMPART_PROFILE");
    int ambient_compat = !is_rampart () || (prof && strcmp (prof, "compat") == 0);
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    int bad = check (ctx, ambient_compat, prof ? prof : "ambient");
    TEST_OK (zmq_ctx_term (ctx));

    /* Then compat explicitly (libzmq ignores the variable). */
    setenv ("RAMPART_PROFILE", "compat", 1);
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx);
    bad += check (ctx, 1, "compat");
    TEST_OK (zmq_ctx_term (ctx));

    if (bad)
        TEST_FAIL ("%d option probes differ from libzmq's", bad);
    return 0;
}
