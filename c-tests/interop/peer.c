/* Interop peer: one side of a messaging pattern, in its own process.
 *
 *   interop_peer ROLE bind|connect EP [EP2] [options]
 *
 * The SAME binary runs once against Rampart and once against Debian's libzmq
 * (the loader decides: LD_LIBRARY_PATH / LD_PRELOAD); run-interop.py pairs
 * two of them (or one of them and interop/pyzmq_peer.py, which implements the
 * same roles with pyzmq and the same messages byte for byte).
 *
 * It is built against Debian's /usr/include/zmq.h and linked -lzmq to the
 * system library without RPATH/RUNPATH: an unmodified libzmq 4.3.4 program.
 *
 * Roles (pattern: the two roles)
 *   reqrep        req / rep           100 round trips, some multipart
 *   pushpull      push / pull         200 messages of 1-3 frames (0 B..64 KiB),
 *                                     20000 small ones (past the HWMs), then
 *                                     nothing more; EP2 is a PUSH->PULL back
 *                                     channel for the final "done"
 *   pubsub        pub / sub           6 phases of subscription changes on a
 *                                     live stream (see below); EP2 is a
 *                                     PUSH->PULL back channel
 *   dealerrouter  dealer / router     two DEALERs, one with ZMQ_ROUTING_ID, one
 *                                     anonymous; the ROUTER checks both ids and
 *                                     routes replies back by id; with two
 *                                     endpoints, DEALER 1 uses EP, DEALER 2 EP2;
 *                                     the ROUTER's own ZMQ_ROUTING_ID reaches
 *                                     the DEALERs as the Identity property
 *   multipart     mp-req / mp-rep     REQ/REP echo of messages with empty,
 *                                     1, 255, 256, 64 KiB and 1 MiB frames
 *   curvefail     cf-push / cf-pull   with --curve --curve-wrong-key: the
 *                                     binding peer (CURVE server) must see
 *                                     HANDSHAKE_FAILED_PROTOCOL with
 *                                     ZMTP_CRYPTOGRAPHIC and no message either
 *                                     way; the connecting peer sends (PUSH)
 *                                     or waits (PULL) and gets nothing
 *
 * With "bind", EP (and EP2) may be tcp://127.0.0.1:* ; after binding, the peer
 * prints "ENDPOINTS <ep> [<ep2>]" (ZMQ_LAST_ENDPOINT) on stdout for the driver
 * to hand to the connecting peer.
 *
 * Options
 *   --expect rampart|libzmq  the loaded library must be Rampart
 *                            (zmq_has("rampart") == 1) or must not be
 *   --expect-dir DIR         the library providing zmq_version must be
 *                            DIR/libzmq.so.5 (symlinks resolved)
 *   --expect-version X.Y.Z   zmq_version must report X.Y.Z
 *   --corrupt                flip one byte of one frame this peer sends (the
 *                            driver's self-test: the other side must fail)
 *   --curve                  CURVE security on every socket: the binding peer
 *                            is the server, the connecting peer the client
 *                            (fixed test keys below)
 *   --curve-wrong-key        with --curve: the client names a server key that
 *                            is not the server's (role cf-push / cf-pull)
 *   --check-metadata         also check every received message's connection
 *                            metadata: the peer's Socket-Type, Peer-Address,
 *                            and the routing ids as the Identity property (the
 *                            DEALERs' on the ROUTER, the ROUTER's on the
 *                            DEALERs); mismatches are reported ("FAIL <role>:
 *                            metadata: ...") after the exchange has run to the
 *                            end, and fail the run
 * "interop_peer --header-version" prints the zmq.h version it was compiled with.
 *
 * Output: "LIB <rampart|libzmq> <version> <path>", then at the very end
 * "OK <role> <summary>"; exit 0 on success, 1 on failure (with FAIL lines on
 * stderr). Every wait is bounded (RCVTIMEO/SNDTIMEO 10 s, LINGER 5 s, a 60 s
 * alarm). */
#define _GNU_SOURCE
#include <zmq.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/* Self-contained on purpose (no testutil.h): it is an ordinary libzmq
 * program, compiled against Debian's zmq.h rather than Rampart's. */

#define TIMEOUT_MS 10000
#define LINGER_MS 5000
#define MAXF 64

static const char *role_ = "?";
static int corrupt_ = 0; /* --corrupt: pending one-shot corruption */

#define PFAIL(...)                                                             \
    do {                                                                       \
        fprintf (stderr, "FAIL %s: ", role_);                                  \
        fprintf (stderr, __VA_ARGS__);                                         \
        fprintf (stderr, "\n");                                                \
        exit (1);                                                              \
    } while (0)

#define ZCHK(expr)                                                             \
    do {                                                                       \
        if ((expr) == -1)                                                      \
            PFAIL ("%s: errno %d (%s)", #expr, zmq_errno (),                   \
                   zmq_strerror (zmq_errno ()));                               \
    } while (0)

/* ---- message specs: a list of frames -------------------------------- */
typedef struct
{
    int n;
    size_t len[MAXF];
    unsigned char *data[MAXF];
} mspec_t;

/* The role's "OK ..." line, printed at the very end if nothing failed. */
static char summary_[256];
#define REPORT_OK(...) snprintf (summary_, sizeof summary_, __VA_ARGS__)

static int64_t now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ms_init (mspec_t *m)
{
    m->n = 0;
}

static void ms_free (mspec_t *m)
{
    for (int i = 0; i < m->n; i++)
        free (m->data[i]);
    m->n = 0;
}

static unsigned char *ms_slot (mspec_t *m, size_t len)
{
    if (m->n >= MAXF)
        PFAIL ("too many frames");
    unsigned char *p = malloc (len ? len : 1);
    if (!p)
        PFAIL ("out of memory");
    m->len[m->n] = len;
    m->data[m->n] = p;
    m->n++;
    return p;
}

static void ms_bytes (mspec_t *m, const void *data, size_t len)
{
    unsigned char *p = ms_slot (m, len);
    if (len)
        memcpy (p, data, len);
}

static void ms_str (mspec_t *m, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (buf, sizeof buf, fmt, ap);
    va_end (ap);
    ms_bytes (m, buf, strlen (buf));
}

/* Frame content shared with pyzmq_peer.py:
 * byte k = (k + 31*seed + 7*(k >> 8)) mod 256. */
static void ms_fill (mspec_t *m, size_t len, unsigned seed)
{
    unsigned char *p = ms_slot (m, len);
    for (size_t k = 0; k < len; k++)
        p[k] = (unsigned char) (k + 31u * seed + 7u * (k >> 8));
}

static void ms_send (void *s, const mspec_t *m, const char *what)
{
    for (int i = 0; i < m->n; i++) {
        zmq_msg_t f;
        ZCHK (zmq_msg_init_size (&f, m->len[i]));
        if (m->len[i])
            memcpy (zmq_msg_data (&f), m->data[i], m->len[i]);
        if (corrupt_ && m->len[i]) {
            ((unsigned char *) zmq_msg_data (&f))[m->len[i] / 2] ^= 0x20;
            corrupt_ = 0;
        }
        int flags = i + 1 < m->n ? ZMQ_SNDMORE : 0;
        if (zmq_msg_send (&f, s, flags) != (int) m->len[i])
            PFAIL ("%s: sending frame %d of %d (%zu B): errno %d (%s)", what,
                   i, m->n, m->len[i], zmq_errno (), zmq_strerror (zmq_errno ()));
    }
}

static const char *eps_[2];
static int binding_;

/* The socket type name a peer of `type` must announce (ZMTP Socket-Type). */
static const char *peer_type_name (int type)
{
    switch (type) {
        case ZMQ_REQ: return "REP";
        case ZMQ_REP: return "REQ";
        case ZMQ_PUSH: return "PULL";
        case ZMQ_PULL: return "PUSH";
        case ZMQ_PUB: return "SUB";
        case ZMQ_SUB: return "PUB";
        case ZMQ_DEALER: return "ROUTER";
        case ZMQ_ROUTER: return "DEALER";
    }
    return "?";
}

static int check_meta_; /* --check-metadata */

/* --curve: fixed test key pairs (made with zmq_curve_keypair). */
static int curve_;
static int curve_wrong_key_;
static const char curve_server_public_[] = "iG!?<ykt<K1kwXH.M#k4nHGGA:Z816h/D$UkSol}";
static const char curve_server_secret_[] = "szlJp@&i7ha$SvF]AntJZ}l)k}DrJ5mXuvPQB+o+";
static const char curve_client_public_[] = "/0j.R&4&2zzPSTPt3Um8F-Eq{XhA(yi4>-YIcGZL";
static const char curve_client_secret_[] = "n@vEzgyU9()!vnoX0D!cJ?$W>}u7#V6-RCq^Kb$R";
/* The public key of a third pair: not the server's. */
static const char curve_other_public_[] = "M/l<yCg]$+9?[ipGZGXmqfIp4yaX>.fj?{I*ysyi";

/* The "Identity" property of the last message received (NULL: none). */
static char last_identity_[256];
static int have_identity_;

/* Metadata mismatches do not stop the exchange (so one wrong property does
 * not hide other problems): they are collected and fail the run at the end. */
#define MAX_DEFERRED 8
static char deferred_[MAX_DEFERRED][256];
static int n_deferred_;

static void defer_failure (const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (buf, sizeof buf, fmt, ap);
    va_end (ap);
    for (int i = 0; i < n_deferred_; i++)
        if (strcmp (deferred_[i], buf) == 0)
            return;
    if (n_deferred_ < MAX_DEFERRED)
        snprintf (deferred_[n_deferred_++], sizeof deferred_[0], "%s", buf);
}

/* Checks the connection metadata a received message carries: the peer's
 * Socket-Type from its READY command, and Peer-Address ("127.0.0.1" over
 * tcp; "localhost:<uid>:<gid>:<pid>" over ipc, on either side of the
 * connection, as libzmq reports it). */
static void check_metadata (void *s, zmq_msg_t *f)
{
    int type = 0;
    size_t sz = sizeof type;
    ZCHK (zmq_getsockopt (s, ZMQ_TYPE, &type, &sz));
    const char *st = zmq_msg_gets (f, "Socket-Type");
    if (!st || strcmp (st, peer_type_name (type)) != 0)
        defer_failure ("metadata: a message's Socket-Type property is %s, expected %s",
                       st ? st : "(none)", peer_type_name (type));
    const char *pa = zmq_msg_gets (f, "Peer-Address");
    const char *side = binding_ ? "binding" : "connecting";
    if (strncmp (eps_[0], "tcp://", 6) == 0) {
        if (!pa || strcmp (pa, "127.0.0.1") != 0)
            defer_failure ("metadata: Peer-Address on the %s side of tcp is '%s', "
                           "expected '127.0.0.1'", side, pa ? pa : "(none)");
    } else {
        char prefix[64];
        snprintf (prefix, sizeof prefix, "localhost:%u:%u:", (unsigned) getuid (),
                  (unsigned) getgid ());
        size_t n = strlen (prefix);
        if (!pa || strncmp (pa, prefix, n) != 0 || !pa[n]
            || strspn (pa + n, "0123456789") != strlen (pa + n))
            defer_failure ("metadata: Peer-Address on the %s side of ipc is '%s', "
                           "expected '%s<peer pid>'", side, pa ? pa : "(none)", prefix);
    }
    const char *id = zmq_msg_gets (f, "Identity");
    have_identity_ = id != NULL;
    snprintf (last_identity_, sizeof last_identity_, "%s", id ? id : "");
}

/* Receives one whole message (all its frames). */
static void ms_recv (void *s, mspec_t *out, const char *what)
{
    ms_init (out);
    for (;;) {
        zmq_msg_t f;
        ZCHK (zmq_msg_init (&f));
        int rc = zmq_msg_recv (&f, s, 0);
        if (rc < 0)
            PFAIL ("%s: receiving frame %d: errno %d (%s)", what, out->n,
                   zmq_errno (), zmq_strerror (zmq_errno ()));
        if ((size_t) rc != zmq_msg_size (&f))
            PFAIL ("%s: zmq_msg_recv returned %d for a %zu-byte frame", what,
                   rc, zmq_msg_size (&f));
        if (out->n == 0 && check_meta_)
            check_metadata (s, &f);
        ms_bytes (out, zmq_msg_data (&f), zmq_msg_size (&f));
        int more = zmq_msg_more (&f);
        int rcvmore = -1;
        size_t sz = sizeof rcvmore;
        ZCHK (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &sz));
        if (rcvmore != more)
            PFAIL ("%s: zmq_msg_more %d but ZMQ_RCVMORE %d", what, more, rcvmore);
        ZCHK (zmq_msg_close (&f));
        if (!more)
            return;
    }
}

static void print_frame (const unsigned char *p, size_t len)
{
    fprintf (stderr, "%zu B '", len);
    for (size_t k = 0; k < len && k < 40; k++)
        fprintf (stderr, (p[k] >= 32 && p[k] < 127) ? "%c" : "\\x%02x", p[k]);
    fprintf (stderr, len > 40 ? "'..." : "'");
}

static int ms_equal (const mspec_t *a, const mspec_t *b)
{
    if (a->n != b->n)
        return 0;
    for (int i = 0; i < a->n; i++)
        if (a->len[i] != b->len[i]
            || (a->len[i] && memcmp (a->data[i], b->data[i], a->len[i]) != 0))
            return 0;
    return 1;
}

static void ms_dump (const char *label, const mspec_t *m)
{
    fprintf (stderr, "  %s: %d frame(s)\n", label, m->n);
    for (int i = 0; i < m->n && i < 12; i++) {
        fprintf (stderr, "    [%d] ", i);
        print_frame (m->data[i], m->len[i]);
        fprintf (stderr, "\n");
    }
}

static void ms_check (const mspec_t *got, const mspec_t *exp, const char *what)
{
    if (ms_equal (got, exp))
        return;
    fprintf (stderr, "FAIL %s: %s: unexpected message\n", role_, what);
    ms_dump ("expected", exp);
    ms_dump ("got", got);
    for (int i = 0; i < got->n && i < exp->n; i++) {
        if (got->len[i] != exp->len[i]) {
            fprintf (stderr, "  first difference: frame %d size %zu, expected %zu\n",
                     i, got->len[i], exp->len[i]);
            break;
        }
        size_t k = 0;
        while (k < got->len[i] && got->data[i][k] == exp->data[i][k])
            k++;
        if (k < got->len[i]) {
            fprintf (stderr, "  first difference: frame %d byte %zu: 0x%02x, expected 0x%02x\n",
                     i, k, got->data[i][k], exp->data[i][k]);
            break;
        }
    }
    exit (1);
}

/* Receives a message and checks it equals `exp` exactly. */
static void ms_expect (void *s, const mspec_t *exp, const char *what)
{
    mspec_t got;
    ms_recv (s, &got, what);
    ms_check (&got, exp, what);
    ms_free (&got);
}

static int frame_is (const mspec_t *m, int i, const char *str)
{
    size_t n = strlen (str);
    return i < m->n && m->len[i] == n && memcmp (m->data[i], str, n) == 0;
}

/* ---- sockets ---------------------------------------------------------- */
static void set_int_opt (void *s, int opt, int v)
{
    ZCHK (zmq_setsockopt (s, opt, &v, sizeof v));
}

static void *new_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    if (!s)
        PFAIL ("zmq_socket(%d): errno %d (%s)", type, zmq_errno (),
               zmq_strerror (zmq_errno ()));
    set_int_opt (s, ZMQ_RCVTIMEO, TIMEOUT_MS);
    set_int_opt (s, ZMQ_SNDTIMEO, TIMEOUT_MS);
    set_int_opt (s, ZMQ_LINGER, LINGER_MS);
    if (curve_ && binding_) {
        set_int_opt (s, ZMQ_CURVE_SERVER, 1);
        ZCHK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, curve_server_secret_, 40));
    } else if (curve_) {
        const char *server = curve_wrong_key_ ? curve_other_public_ : curve_server_public_;
        ZCHK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server, 40));
        ZCHK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, curve_client_public_, 40));
        ZCHK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, curve_client_secret_, 40));
    }
    return s;
}

static int n_eps_;
static char bound_[2][256];
static int n_bound_;

/* Binds or connects `s` to endpoint number `i`. */
static void attach (void *s, int i)
{
    if (i >= n_eps_)
        PFAIL ("role needs endpoint %d, got %d endpoint(s)", i + 1, n_eps_);
    if (binding_) {
        if (zmq_bind (s, eps_[i]) != 0)
            PFAIL ("bind %s: errno %d (%s)", eps_[i], zmq_errno (),
                   zmq_strerror (zmq_errno ()));
        size_t len = sizeof bound_[i];
        ZCHK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, bound_[i], &len));
        if (n_bound_ < i + 1)
            n_bound_ = i + 1;
    } else if (zmq_connect (s, eps_[i]) != 0)
        PFAIL ("connect %s: errno %d (%s)", eps_[i], zmq_errno (),
               zmq_strerror (zmq_errno ()));
}

/* After every bind: tells the driver the concrete endpoints. */
static void announce (void)
{
    if (!binding_)
        return;
    printf ("ENDPOINTS");
    for (int i = 0; i < n_bound_; i++)
        printf (" %s", bound_[i]);
    printf ("\n");
    fflush (stdout);
}

static int poll_in (void *s, int ms)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    int rc = zmq_poll (&it, 1, ms);
    if (rc < 0)
        PFAIL ("zmq_poll: errno %d (%s)", zmq_errno (), zmq_strerror (zmq_errno ()));
    return (it.revents & ZMQ_POLLIN) ? 1 : 0;
}

/* ---- reqrep ------------------------------------------------------------ */
#define RR_N 100

static void rr_request (mspec_t *m, int i)
{
    ms_init (m);
    ms_str (m, "req-%d", i);
    if (i % 5 == 0) {
        ms_str (m, "part-a");
        ms_bytes (m, "", 0);
    }
}

static void rr_reply (mspec_t *m, int i)
{
    ms_init (m);
    ms_str (m, "rep-%d", i);
    if (i % 7 == 0)
        ms_fill (m, 300, (unsigned) i);
}

static void role_req (void *ctx)
{
    void *s = new_socket (ctx, ZMQ_REQ);
    attach (s, 0);
    announce ();
    for (int i = 0; i < RR_N; i++) {
        mspec_t req, rep;
        char what[64];
        snprintf (what, sizeof what, "reply %d", i);
        rr_request (&req, i);
        ms_send (s, &req, "request");
        rr_reply (&rep, i);
        ms_expect (s, &rep, what);
        ms_free (&req);
        ms_free (&rep);
    }
    zmq_close (s);
    REPORT_OK ("OK req round_trips=%d\n", RR_N);
}

static void role_rep (void *ctx)
{
    void *s = new_socket (ctx, ZMQ_REP);
    attach (s, 0);
    announce ();
    for (int i = 0; i < RR_N; i++) {
        mspec_t req, rep;
        char what[64];
        snprintf (what, sizeof what, "request %d", i);
        rr_request (&req, i);
        ms_expect (s, &req, what);
        rr_reply (&rep, i);
        ms_send (s, &rep, "reply");
        ms_free (&req);
        ms_free (&rep);
    }
    zmq_close (s);
    REPORT_OK ("OK rep round_trips=%d\n", RR_N);
}

/* ---- pushpull ---------------------------------------------------------- */
#define PP_N 200
static const size_t pp_sizes[] = {0, 1, 255, 256, 1000, 65536};

static void pp_message (mspec_t *m, int i)
{
    ms_init (m);
    ms_str (m, "push-%d", i);
    for (int j = 1; j < 1 + i % 3; j++)
        ms_fill (m, pp_sizes[(i + j) % 6], (unsigned) (i * 8 + j));
}

/* Bulk message i: "b<i>" and i % 17 'x's. */
#define PP_BULK 20000
static int pp_bulk (char *buf, int i)
{
    int n = sprintf (buf, "b%d", i);
    for (int j = 0; j < i % 17; j++)
        buf[n++] = 'x';
    return n;
}

/* The puller reports "done" on a back channel (EP2) before the pusher
 * closes: libzmq (4.3.4 and 4.3.5) as the receiver over ipc drops what it
 * has not yet queued when the sender disconnects while its receive pipe is
 * full (the peer's close raises EPOLLHUP on an AF_UNIX socket, which libzmq
 * treats as an error while its input is stopped), so without it the libzmq
 * <-> libzmq reference run loses messages. */
static void pp_done (void *ctl)
{
    mspec_t done, exp;
    ms_init (&exp);
    ms_str (&exp, "done");
    ms_recv (ctl, &done, "done");
    ms_check (&done, &exp, "done");
    ms_free (&done);
    ms_free (&exp);
}

static void role_push (void *ctx)
{
    void *s = new_socket (ctx, ZMQ_PUSH);
    void *ctl = new_socket (ctx, ZMQ_PULL);
    attach (s, 0);
    attach (ctl, 1);
    announce ();
    for (int i = 0; i < PP_N; i++) {
        mspec_t m;
        pp_message (&m, i);
        ms_send (s, &m, "push");
        ms_free (&m);
    }
    /* Then a bulk stream, far beyond the high-water marks: flow control. */
    for (int i = 0; i < PP_BULK; i++) {
        char buf[64];
        int n = pp_bulk (buf, i);
        if (zmq_send (s, buf, (size_t) n, 0) != n)
            PFAIL ("bulk send %d: errno %d (%s)", i, zmq_errno (), zmq_strerror (zmq_errno ()));
    }
    pp_done (ctl);
    zmq_close (s);
    zmq_close (ctl);
    REPORT_OK ("OK push sent=%d+%d\n", PP_N, PP_BULK);
}

static void role_pull (void *ctx)
{
    void *s = new_socket (ctx, ZMQ_PULL);
    void *ctl = new_socket (ctx, ZMQ_PUSH);
    attach (s, 0);
    attach (ctl, 1);
    announce ();
    for (int i = 0; i < PP_N; i++) {
        mspec_t m;
        char what[64];
        snprintf (what, sizeof what, "message %d", i);
        pp_message (&m, i);
        ms_expect (s, &m, what);
        ms_free (&m);
    }
    for (int i = 0; i < PP_BULK; i++) {
        char want[64], got[64];
        int n = pp_bulk (want, i);
        int rc = zmq_recv (s, got, sizeof got, 0);
        if (rc < 0)
            PFAIL ("bulk message %d: errno %d (%s)", i, zmq_errno (), zmq_strerror (zmq_errno ()));
        if (rc != n || memcmp (got, want, (size_t) n) != 0)
            PFAIL ("bulk message %d: expected '%.*s', got %d bytes '%.*s'", i, n, want, rc,
                   rc < (int) sizeof got ? rc : (int) sizeof got, got);
    }
    if (poll_in (s, 300)) {
        mspec_t extra;
        ms_recv (s, &extra, "extra");
        ms_dump ("unexpected extra message", &extra);
        PFAIL ("received more than %d messages", PP_N + PP_BULK);
    }
    mspec_t done;
    ms_init (&done);
    ms_str (&done, "done");
    ms_send (ctl, &done, "done");
    ms_free (&done);
    zmq_close (s);
    zmq_close (ctl);
    REPORT_OK ("OK pull received=%d+%d\n", PP_N, PP_BULK);
}

/* ---- pubsub ------------------------------------------------------------
 * Six phases on one live connection. Before phase k the SUB changes its
 * subscriptions (ps_subscriptions); the last change subscribes the probe
 * topic "P<k>" (or "", which matches it too). Subscriptions from one SUB take
 * effect in order, so once the SUB sees a probe every earlier change is in
 * force at the PUB.
 *   PUB: every 20 ms, [P<k>]["probe"] and "noise" [t]["~<k>"] on each topic
 *        t of A, AB, B, C (the stream goes on while the subscriptions
 *        change), until the SUB acks on the back channel; then for i < PS_N
 *        and each topic the message [t]["<k>|<i>"] (plus a third frame when
 *        i % 4 == 0); then [P<k>]["end"].
 *   SUB: before the first probe only noise on topics of the old OR the new
 *        subscriptions may arrive; after it, only topics the new ones select
 *        (so an unsubscribe must have taken effect); then exactly the
 *        selected data messages, in order, and the end marker. */
#define PS_N 20
#define PS_PHASES 6
static const char *ps_topics[] = {"A", "AB", "B", "C"};

/* Which topics phase k's subscriptions select (bit t = ps_topics[t]). */
static const unsigned ps_expect[PS_PHASES + 1] = {
  0, 0x3 /*A: A AB*/, 0x7 /*A B: A AB B*/, 0x7 /*A still counted once*/,
  0x4 /*B*/, 0xf /*"": all*/, 0x0};

static void ps_message (mspec_t *m, int k, int i, int t)
{
    ms_init (m);
    ms_str (m, "%s", ps_topics[t]);
    ms_str (m, "%d|%d", k, i);
    if (i % 4 == 0)
        ms_fill (m, 256 + (size_t) i, (unsigned) (k * 100 + i * 4 + t));
}

static void sub_opt (void *s, int opt, const char *topic)
{
    ZCHK (zmq_setsockopt (s, opt, topic, strlen (topic)));
}

/* The subscription changes before phase k. */
static void ps_subscriptions (void *s, int k)
{
    char probe[16];
    snprintf (probe, sizeof probe, "P%d", k);
    char prev[16];
    snprintf (prev, sizeof prev, "P%d", k - 1);
    switch (k) {
        case 1:
            sub_opt (s, ZMQ_SUBSCRIBE, "A");
            break;
        case 2:
            sub_opt (s, ZMQ_UNSUBSCRIBE, prev);
            sub_opt (s, ZMQ_SUBSCRIBE, "B");
            sub_opt (s, ZMQ_SUBSCRIBE, "A"); /* a second, counted subscription */
            break;
        case 3:
            sub_opt (s, ZMQ_UNSUBSCRIBE, prev);
            sub_opt (s, ZMQ_UNSUBSCRIBE, "A"); /* one of two: A stays */
            break;
        case 4:
            sub_opt (s, ZMQ_UNSUBSCRIBE, prev);
            sub_opt (s, ZMQ_UNSUBSCRIBE, "A"); /* the last one: A (and AB) go */
            break;
        case 5:
            sub_opt (s, ZMQ_UNSUBSCRIBE, prev);
            sub_opt (s, ZMQ_UNSUBSCRIBE, "B");
            sub_opt (s, ZMQ_SUBSCRIBE, ""); /* everything, the probe too */
            return;
        case 6:
            sub_opt (s, ZMQ_UNSUBSCRIBE, "");
            break;
    }
    sub_opt (s, ZMQ_SUBSCRIBE, probe);
}

static void send_pair (void *s, const char *a, const char *b, const char *what)
{
    mspec_t m;
    ms_init (&m);
    ms_str (&m, "%s", a);
    ms_str (&m, "%s", b);
    ms_send (s, &m, what);
    ms_free (&m);
}

static void role_pub (void *ctx)
{
    void *pub = new_socket (ctx, ZMQ_PUB);
    void *ctl = new_socket (ctx, ZMQ_PULL);
    attach (pub, 0);
    attach (ctl, 1);
    announce ();
    int probes = 0;
    for (int k = 1; k <= PS_PHASES; k++) {
        char probe[16], noise[16];
        snprintf (probe, sizeof probe, "P%d", k);
        snprintf (noise, sizeof noise, "~%d", k);
        int64_t deadline = now_ms () + TIMEOUT_MS;
        for (;;) {
            send_pair (pub, probe, "probe", "probe");
            for (int t = 0; t < 4; t++)
                send_pair (pub, ps_topics[t], noise, "noise");
            probes++;
            if (poll_in (ctl, 20))
                break;
            if (now_ms () > deadline)
                PFAIL ("phase %d: no ack from the subscriber after %d probes", k, probes);
        }
        mspec_t a, expect_ack;
        ms_init (&expect_ack);
        ms_str (&expect_ack, "ack %d", k);
        ms_recv (ctl, &a, "ack");
        ms_check (&a, &expect_ack, "ack");
        ms_free (&a);
        ms_free (&expect_ack);
        for (int i = 0; i < PS_N; i++)
            for (int t = 0; t < 4; t++) {
                mspec_t m;
                ps_message (&m, k, i, t);
                ms_send (pub, &m, "publish");
                ms_free (&m);
            }
        send_pair (pub, probe, "end", "end");
    }
    mspec_t done, expect_done;
    ms_init (&expect_done);
    ms_str (&expect_done, "done");
    ms_recv (ctl, &done, "done");
    ms_check (&done, &expect_done, "done");
    ms_free (&done);
    ms_free (&expect_done);
    zmq_close (pub);
    zmq_close (ctl);
    REPORT_OK ("OK pub phases=%d probes=%d\n", PS_PHASES, probes);
}

/* The topic index of a noise message [t]["~<k>"] of phase k, else -1. */
static int ps_noise_topic (const mspec_t *m, int k)
{
    char noise[16];
    snprintf (noise, sizeof noise, "~%d", k);
    if (m->n != 2 || !frame_is (m, 1, noise))
        return -1;
    for (int t = 0; t < 4; t++)
        if (frame_is (m, 0, ps_topics[t]))
            return t;
    return -1;
}

static void role_sub (void *ctx)
{
    void *sub = new_socket (ctx, ZMQ_SUB);
    void *ctl = new_socket (ctx, ZMQ_PUSH);
    attach (sub, 0);
    attach (ctl, 1);
    announce ();
    int total = 0, noise_before = 0, noise_after = 0;
    for (int k = 1; k <= PS_PHASES; k++) {
        char probe[16], what[96];
        snprintf (probe, sizeof probe, "P%d", k);
        ps_subscriptions (sub, k);
        /* Until the first probe: noise on old or new topics only. */
        unsigned before = ps_expect[k - 1] | ps_expect[k];
        mspec_t m;
        for (;;) {
            snprintf (what, sizeof what, "phase %d: waiting for the probe", k);
            ms_recv (sub, &m, what);
            if (m.n == 2 && frame_is (&m, 0, probe) && frame_is (&m, 1, "probe"))
                break;
            int t = ps_noise_topic (&m, k);
            if (t < 0 || !(before & (1u << t))) {
                ms_dump ("got", &m);
                PFAIL ("phase %d: before the probe, a message the old and new "
                       "subscriptions both exclude", k);
            }
            noise_before++;
            ms_free (&m);
        }
        ms_free (&m);
        mspec_t ack;
        ms_init (&ack);
        ms_str (&ack, "ack %d", k);
        ms_send (ctl, &ack, "ack");
        ms_free (&ack);
        /* After the probe: more probes and noise (only on selected topics)
         * until the data, then exactly the selected data messages. */
        int n_got = 0;
        for (int i = 0; i <= PS_N; i++)
            for (int t = 0; t < 4; t++) {
                if (i < PS_N && !(ps_expect[k] & (1u << t)))
                    continue;
                if (i == PS_N && t > 0)
                    break;
                if (i < PS_N)
                    snprintf (what, sizeof what, "phase %d message %d topic %s", k, i,
                              ps_topics[t]);
                else
                    snprintf (what, sizeof what, "phase %d end marker", k);
                for (;;) {
                    ms_recv (sub, &m, what);
                    if (n_got > 0)
                        break;
                    if (m.n == 2 && frame_is (&m, 0, probe) && frame_is (&m, 1, "probe")) {
                        ms_free (&m);
                        continue;
                    }
                    int nt = ps_noise_topic (&m, k);
                    if (nt < 0)
                        break;
                    if (!(ps_expect[k] & (1u << nt))) {
                        ms_dump ("got", &m);
                        PFAIL ("phase %d: after the probe, a message on topic %s, "
                               "which the subscriptions no longer select",
                               k, ps_topics[nt]);
                    }
                    noise_after++;
                    ms_free (&m);
                }
                if (i == PS_N) {
                    if (!(m.n == 2 && frame_is (&m, 0, probe) && frame_is (&m, 1, "end"))) {
                        ms_dump ("got", &m);
                        PFAIL ("phase %d: expected [%s][end] after %d messages", k, probe,
                               n_got);
                    }
                    ms_free (&m);
                    break;
                }
                mspec_t exp;
                ps_message (&exp, k, i, t);
                ms_check (&m, &exp, what);
                ms_free (&m);
                ms_free (&exp);
                n_got++;
            }
        total += n_got;
    }
    mspec_t done;
    ms_init (&done);
    ms_str (&done, "done");
    ms_send (ctl, &done, "done");
    ms_free (&done);
    if (poll_in (sub, 100)) {
        mspec_t extra;
        ms_recv (sub, &extra, "extra");
        ms_dump ("unexpected extra message", &extra);
        PFAIL ("a message arrived after the last phase");
    }
    /* Nothing of ours is left to deliver on the SUB (only subscriptions,
     * which libzmq re-queues when the PUB goes away and would then wait for
     * the whole linger in zmq_ctx_term). */
    set_int_opt (sub, ZMQ_LINGER, 0);
    zmq_close (sub);
    zmq_close (ctl);
    REPORT_OK ("OK sub phases=%d received=%d noise_before_probe=%d noise_after_probe=%d\n",
            PS_PHASES, total, noise_before, noise_after);
}

/* ---- dealerrouter ------------------------------------------------------ */
#define DR_N 50
#define DR_ID "interop-dealer-1"
#define DR_ROUTER_ID "interop-router" /* reaches the DEALERs as Identity */

static void dr_request (mspec_t *m, int d, int i)
{
    ms_init (m);
    if (d == 1) {
        ms_bytes (m, "", 0); /* a REQ-style delimiter, as an ordinary frame */
        ms_str (m, "d1");
        ms_str (m, "%d", i);
    } else {
        ms_str (m, "d2");
        ms_str (m, "%d", i);
        ms_fill (m, (size_t) (i * 13 % 300), (unsigned) i);
    }
}

static void dr_reply (mspec_t *m, int d, int i)
{
    ms_init (m);
    if (d == 1) {
        ms_bytes (m, "", 0);
        ms_str (m, "d1-ack");
        ms_str (m, "%d", i);
    } else {
        ms_str (m, "d2-ack");
        ms_str (m, "%d", i);
    }
}

static void role_dealer (void *ctx)
{
    void *d1 = new_socket (ctx, ZMQ_DEALER);
    void *d2 = new_socket (ctx, ZMQ_DEALER);
    ZCHK (zmq_setsockopt (d1, ZMQ_ROUTING_ID, DR_ID, strlen (DR_ID)));
    attach (d1, 0);
    attach (d2, n_eps_ > 1 ? 1 : 0);
    announce ();
    for (int i = 0; i < DR_N; i++) {
        mspec_t m;
        dr_request (&m, 1, i);
        ms_send (d1, &m, "dealer 1 request");
        ms_free (&m);
        dr_request (&m, 2, i);
        ms_send (d2, &m, "dealer 2 request");
        ms_free (&m);
    }
    for (int d = 1; d <= 2; d++)
        for (int i = 0; i < DR_N; i++) {
            mspec_t m;
            char what[64];
            snprintf (what, sizeof what, "dealer %d reply %d", d, i);
            dr_reply (&m, d, i);
            ms_expect (d == 1 ? d1 : d2, &m, what);
            ms_free (&m);
            if (check_meta_ && (!have_identity_ || strcmp (last_identity_, DR_ROUTER_ID) != 0))
                defer_failure ("metadata: the ROUTER's Identity property is %s'%s', "
                               "expected '%s'",
                               have_identity_ ? "" : "(none) ", last_identity_, DR_ROUTER_ID);
        }
    zmq_close (d1);
    zmq_close (d2);
    REPORT_OK ("OK dealer replies=%d\n", 2 * DR_N);
}

static void role_router (void *ctx)
{
    void *r = new_socket (ctx, ZMQ_ROUTER);
    set_int_opt (r, ZMQ_ROUTER_MANDATORY, 1);
    ZCHK (zmq_setsockopt (r, ZMQ_ROUTING_ID, DR_ROUTER_ID, strlen (DR_ROUTER_ID)));
    attach (r, 0);
    if (!binding_ && n_eps_ > 1)
        attach (r, 1);
    announce ();
    /* Mandatory routing: an unknown id is refused, not dropped. */
    if (zmq_send (r, "nobody", 6, ZMQ_SNDMORE) != -1 || zmq_errno () != EHOSTUNREACH)
        PFAIL ("sending to an unknown id with ROUTER_MANDATORY: expected EHOSTUNREACH, "
               "got errno %d",
               zmq_errno ());
    int next[3] = {0, 0, 0};
    unsigned char anon[256];
    size_t anon_len = 0;
    for (int n = 0; n < 2 * DR_N; n++) {
        mspec_t m;
        ms_recv (r, &m, "request");
        if (m.n < 2)
            PFAIL ("request with %d frame(s): no routing id frame", m.n);
        int d;
        if (frame_is (&m, 0, DR_ID)) {
            d = 1;
            /* The routing id also travels as the Identity property. */
            if (check_meta_ && (!have_identity_ || strcmp (last_identity_, DR_ID) != 0))
                defer_failure ("metadata: dealer 1's Identity property is %s'%s', "
                               "expected '%s'",
                               have_identity_ ? "" : "(none) ", last_identity_, DR_ID);
        } else {
            if (check_meta_ && (!have_identity_ || last_identity_[0]))
                defer_failure ("metadata: the anonymous dealer's Identity property is "
                               "%s'%s', expected ''",
                               have_identity_ ? "" : "(none) ", last_identity_);
            d = 2;
            if (m.len[0] != 5 || m.data[0][0] != 0) {
                ms_dump ("got", &m);
                PFAIL ("the anonymous DEALER's generated id must be 0x00 + 4 bytes");
            }
            if (anon_len == 0) {
                anon_len = m.len[0];
                memcpy (anon, m.data[0], anon_len);
            } else if (m.len[0] != anon_len || memcmp (anon, m.data[0], anon_len) != 0)
                PFAIL ("the anonymous DEALER's id changed between messages");
        }
        if (next[d] >= DR_N)
            PFAIL ("dealer %d sent more than %d requests", d, DR_N);
        /* Compare the body (after the id frame). */
        mspec_t body, exp;
        body.n = m.n - 1;
        for (int i = 1; i < m.n; i++) {
            body.len[i - 1] = m.len[i];
            body.data[i - 1] = m.data[i];
        }
        char what[64];
        snprintf (what, sizeof what, "dealer %d request %d", d, next[d]);
        dr_request (&exp, d, next[d]);
        ms_check (&body, &exp, what);
        ms_free (&exp);
        mspec_t reply;
        ms_init (&reply);
        ms_bytes (&reply, m.data[0], m.len[0]);
        mspec_t tail;
        dr_reply (&tail, d, next[d]);
        for (int i = 0; i < tail.n; i++)
            ms_bytes (&reply, tail.data[i], tail.len[i]);
        ms_free (&tail);
        ms_send (r, &reply, "reply");
        ms_free (&reply);
        ms_free (&m);
        next[d]++;
    }
    if (poll_in (r, 100))
        PFAIL ("more than %d requests", 2 * DR_N);
    zmq_close (r);
    REPORT_OK ("OK router requests=%d named_id=%s anon_id_len=%zu\n", 2 * DR_N, DR_ID,
            anon_len);
}

/* ---- multipart ---------------------------------------------------------- */
#define KiB 1024
#define MiB (1024 * 1024)
#define MP_N 7

static void mp_sizes (int m, size_t *sizes, int *n)
{
    static const size_t m0[] = {0, 1, 255, 256, 64 * KiB, MiB, 0};
    static const size_t m1[] = {0};
    static const size_t m2[] = {MiB};
    static const size_t m3[] = {0, 0, 0};
    static const size_t m4[] = {255, 256, 254, 257, 64 * KiB - 1, 64 * KiB + 1};
    static const size_t m5[] = {1};
    const size_t *src = NULL;
    *n = 0;
    switch (m) {
        case 0: src = m0; *n = 7; break;
        case 1: src = m1; *n = 1; break;
        case 2: src = m2; *n = 1; break;
        case 3: src = m3; *n = 3; break;
        case 4: src = m4; *n = 6; break;
        case 5: src = m5; *n = 1; break;
        case 6: /* 40 frames of 0..273 bytes */
            *n = 40;
            for (int j = 0; j < 40; j++)
                sizes[j] = (size_t) (j * 7);
            return;
    }
    memcpy (sizes, src, (size_t) *n * sizeof *sizes);
}

/* Request m: the frames above; reply m: the same sizes reversed, other bytes. */
static void mp_message (mspec_t *msg, int m, int reply)
{
    size_t sizes[MAXF];
    int n;
    mp_sizes (m, sizes, &n);
    ms_init (msg);
    for (int j = 0; j < n; j++) {
        size_t len = reply ? sizes[n - 1 - j] : sizes[j];
        ms_fill (msg, len, (unsigned) ((reply ? 1000 : 0) + m * 64 + j));
    }
}

static void role_mp_req (void *ctx)
{
    void *s = new_socket (ctx, ZMQ_REQ);
    attach (s, 0);
    announce ();
    size_t bytes = 0;
    for (int m = 0; m < MP_N; m++) {
        mspec_t req, rep;
        char what[64];
        snprintf (what, sizeof what, "multipart reply %d", m);
        mp_message (&req, m, 0);
        ms_send (s, &req, "multipart request");
        mp_message (&rep, m, 1);
        ms_expect (s, &rep, what);
        for (int j = 0; j < rep.n; j++)
            bytes += rep.len[j];
        ms_free (&req);
        ms_free (&rep);
    }
    zmq_close (s);
    REPORT_OK ("OK mp-req messages=%d reply_bytes=%zu\n", MP_N, bytes);
}

static void role_mp_rep (void *ctx)
{
    void *s = new_socket (ctx, ZMQ_REP);
    attach (s, 0);
    announce ();
    size_t bytes = 0;
    for (int m = 0; m < MP_N; m++) {
        mspec_t req, rep;
        char what[64];
        snprintf (what, sizeof what, "multipart request %d", m);
        mp_message (&req, m, 0);
        ms_expect (s, &req, what);
        for (int j = 0; j < req.n; j++)
            bytes += req.len[j];
        mp_message (&rep, m, 1);
        ms_send (s, &rep, "multipart reply");
        ms_free (&req);
        ms_free (&rep);
    }
    zmq_close (s);
    REPORT_OK ("OK mp-rep messages=%d request_bytes=%zu\n", MP_N, bytes);
}

/* ---- curvefail: a client with the wrong server key ------------------------ */
/* Reads one v1 monitor event (bounded wait); returns its number, or -1. */
static int monitor_event (void *mon, uint32_t *value, int timeout_ms)
{
    set_int_opt (mon, ZMQ_RCVTIMEO, timeout_ms);
    zmq_msg_t f;
    zmq_msg_init (&f);
    if (zmq_msg_recv (&f, mon, 0) == -1) {
        zmq_msg_close (&f);
        return -1;
    }
    int event = -1;
    if (zmq_msg_size (&f) == 6) {
        const uint8_t *d = zmq_msg_data (&f);
        uint16_t e;
        memcpy (&e, d, 2);
        memcpy (value, d + 2, 4);
        event = e;
    }
    if (zmq_msg_more (&f))
        zmq_msg_recv (&f, mon, 0); /* the endpoint */
    zmq_msg_close (&f);
    return event;
}

static void role_curvefail (void *ctx, int type, const char *name)
{
    if (!curve_ || !curve_wrong_key_)
        PFAIL ("%s needs --curve --curve-wrong-key", name);
    void *s = new_socket (ctx, type);
    set_int_opt (s, ZMQ_LINGER, 0);
    void *mon = NULL;
    if (binding_) {
        ZCHK (zmq_socket_monitor (s, "inproc://curvefail-monitor",
                                  ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                    | ZMQ_EVENT_HANDSHAKE_SUCCEEDED));
        mon = zmq_socket (ctx, ZMQ_PAIR);
        ZCHK (zmq_connect (mon, "inproc://curvefail-monitor"));
    }
    attach (s, 0);
    announce ();
    char buf[16];
    if (binding_) {
        /* The server: the client's HELLO does not open. */
        uint32_t value = 0;
        int event = monitor_event (mon, &value, TIMEOUT_MS);
        if (event != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            || value != ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
            PFAIL ("expected HANDSHAKE_FAILED_PROTOCOL/CRYPTOGRAPHIC, got event %d value 0x%x",
                   event, (unsigned) value);
        if (type == ZMQ_PULL && zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT) != -1)
            PFAIL ("a message arrived from a client with the wrong server key");
        zmq_close (mon);
    } else if (type == ZMQ_PUSH) {
        /* Queued, never delivered (the server checks). */
        zmq_send (s, "secret", 6, ZMQ_DONTWAIT);
        usleep (1500 * 1000);
    } else {
        set_int_opt (s, ZMQ_RCVTIMEO, 1500);
        if (zmq_recv (s, buf, sizeof buf, 0) != -1 || zmq_errno () != EAGAIN)
            PFAIL ("received something through a failed handshake");
    }
    zmq_close (s);
    REPORT_OK ("OK %s %s\n", name, binding_ ? "server saw CRYPTOGRAPHIC" : "nothing passed");
}

static void role_cf_push (void *ctx)
{
    role_curvefail (ctx, ZMQ_PUSH, "cf-push");
}

static void role_cf_pull (void *ctx)
{
    role_curvefail (ctx, ZMQ_PULL, "cf-pull");
}

/* ---- library check -------------------------------------------------------- */
static void check_library (const char *expect, const char *expect_dir,
                           const char *expect_version)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    char version[32];
    snprintf (version, sizeof version, "%d.%d.%d", major, minor, patch);
    int rampart = zmq_has ("rampart") == 1;

    char path[PATH_MAX] = "?";
    Dl_info info;
    if (dladdr ((void *) zmq_version, &info) && info.dli_fname
        && !realpath (info.dli_fname, path))
        snprintf (path, sizeof path, "%s", info.dli_fname);
    printf ("LIB %s %s %s\n", rampart ? "rampart" : "libzmq", version, path);
    fflush (stdout);

    if (expect && strcmp (expect, "rampart") == 0 && !rampart)
        PFAIL ("expected Rampart, but %s (libzmq %s) is loaded", path, version);
    if (expect && strcmp (expect, "libzmq") == 0 && rampart)
        PFAIL ("expected the reference libzmq, but Rampart (%s) is loaded", path);
    if (expect_version && strcmp (expect_version, version) != 0)
        PFAIL ("expected zmq_version %s, got %s", expect_version, version);
    if (expect_dir) {
        /* The loaded file must be DIR/libzmq.so.5 (both with symlinks resolved). */
        char so[PATH_MAX], want[PATH_MAX];
        snprintf (so, sizeof so, "%s/libzmq.so.5", expect_dir);
        if (!realpath (so, want))
            PFAIL ("--expect-dir %s has no libzmq.so.5", expect_dir);
        if (strcmp (path, want) != 0)
            PFAIL ("libzmq was loaded from %s, expected %s (%s)", path, want, so);
    }
}

static const struct
{
    const char *name;
    void (*run) (void *ctx);
} roles[] = {
  {"req", role_req},           {"rep", role_rep},
  {"push", role_push},         {"pull", role_pull},
  {"pub", role_pub},           {"sub", role_sub},
  {"dealer", role_dealer},     {"router", role_router},
  {"mp-req", role_mp_req},     {"mp-rep", role_mp_rep},
  {"cf-push", role_cf_push},   {"cf-pull", role_cf_pull},
};

static void usage (void)
{
    fprintf (stderr, "usage: interop_peer ROLE bind|connect EP [EP2] [--expect rampart|libzmq]"
                     " [--expect-dir DIR] [--expect-version X.Y.Z] [--corrupt] [--check-metadata] [--curve [--curve-wrong-key]]\nroles:");
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        fprintf (stderr, " %s", roles[i].name);
    fprintf (stderr, "\n");
    exit (2);
}

int main (int argc, char **argv)
{
    if (argc == 2 && strcmp (argv[1], "--header-version") == 0) {
        /* The zmq.h this program was compiled against. */
        printf ("%d.%d.%d\n", ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH);
        return 0;
    }
    if (argc < 4)
        usage ();
    role_ = argv[1];
    if (strcmp (argv[2], "bind") == 0)
        binding_ = 1;
    else if (strcmp (argv[2], "connect") != 0)
        usage ();
    const char *expect = NULL, *expect_dir = NULL, *expect_version = NULL;
    for (int i = 3; i < argc; i++) {
        if (strcmp (argv[i], "--expect") == 0 && i + 1 < argc)
            expect = argv[++i];
        else if (strcmp (argv[i], "--expect-dir") == 0 && i + 1 < argc)
            expect_dir = argv[++i];
        else if (strcmp (argv[i], "--expect-version") == 0 && i + 1 < argc)
            expect_version = argv[++i];
        else if (strcmp (argv[i], "--corrupt") == 0)
            corrupt_ = 1;
        else if (strcmp (argv[i], "--check-metadata") == 0)
            check_meta_ = 1;
        else if (strcmp (argv[i], "--curve") == 0)
            curve_ = 1;
        else if (strcmp (argv[i], "--curve-wrong-key") == 0)
            curve_wrong_key_ = 1;
        else if (argv[i][0] == '-')
            usage ();
        else if (n_eps_ < 2)
            eps_[n_eps_++] = argv[i];
        else
            usage ();
    }
    if (n_eps_ == 0)
        usage ();
    alarm (60); /* a hang is a failure: SIGALRM's default action kills us */

    void (*run) (void *) = NULL;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp (roles[i].name, role_) == 0)
            run = roles[i].run;
    if (!run)
        usage ();

    check_library (expect, expect_dir, expect_version);
    void *ctx = zmq_ctx_new ();
    if (!ctx)
        PFAIL ("zmq_ctx_new: errno %d", zmq_errno ());
    run (ctx);
    fflush (stdout);
    ZCHK (zmq_ctx_term (ctx));
    for (int i = 0; i < n_deferred_; i++)
        fprintf (stderr, "FAIL %s: %s\n", role_, deferred_[i]);
    if (n_deferred_)
        return 1;
    printf ("%s", summary_);
    return 0;
}
