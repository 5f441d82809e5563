/* czmq's security API on whichever libzmq.so.5 the loader picks.
 *
 *   interop_czmq_security rampart|libzmq     (or RAMPART_CZMQ_EXPECT=...)
 *
 * Debian's libczmq links libzmq.so.5; this program is built against
 * Debian's headers, linked -lczmq -lzmq with no RPATH, so
 * LD_LIBRARY_PATH=<prefix>/lib puts Rampart under czmq unmodified. The
 * argument says which library must be loaded (zmq_has("rampart")).
 *
 * Everything goes through czmq: zauth (the ZAP handler actor), zcert,
 * zcertstore (via zauth's cert directory), zmonitor and zsock, on
 * tcp://127.0.0.1:
 *   1. CURVE, zauth "CURVE *" (allow any): REQ/REP round trip.
 *   2. CURVE, client given the wrong server key: nothing arrives on either
 *      side within 1.5 s, and the server's monitor reports
 *      HANDSHAKE_FAILED_PROTOCOL.
 *   3. CURVE, zauth "CURVE <dir>" (zcert_save_public of one client cert):
 *      that client passes, a fresh unlisted cert is refused
 *      (HANDSHAKE_FAILED_AUTH, no message).
 *   4. PLAIN, zauth "PLAIN <passwords file>": right password passes (and
 *      the message carries User-Id), wrong password is refused.
 *   5. NULL with ZAP domain "global": passes, then after zauth
 *      "DENY 127.0.0.1" is refused.
 * Every receive is bounded (rcvtimeo/zpoller), a 60 s alarm ends a stuck
 * run. Exit 0 pass, 1 fail (through _exit: czmq's atexit teardown would
 * assert on the actors a failed case leaves behind). */
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void remove_tmp (void);

#define OK_MS 5000     /* an authorised round trip must finish within this */
#define REFUSE_MS 1500 /* a refused client must get nothing within this */

#define FAIL(...)                                                              \
    do {                                                                       \
        fflush (stdout);                                                       \
        fprintf (stderr, "FAIL czmq-security: ");                              \
        fprintf (stderr, __VA_ARGS__);                                         \
        fprintf (stderr, "\n");                                                \
        remove_tmp ();                                                         \
        _exit (1);                                                             \
    } while (0)

#define CHECK(expr)                                                            \
    do {                                                                       \
        if (!(expr))                                                           \
            FAIL ("%s:%d: %s (errno %d: %s)", __FILE__, __LINE__, #expr,       \
                  zmq_errno (), zmq_strerror (zmq_errno ()));                  \
    } while (0)

/* One zauth command, acknowledged by the actor (zsock_wait is bounded by
 * the actor answering; the alarm bounds the rest). */
static void auth_cmd (zactor_t *auth, const char *cmd, const char *arg)
{
    CHECK (zstr_sendx (auth, cmd, arg, NULL) == 0);
    CHECK (zsock_wait (auth) == 0);
}

typedef void(configure_fn) (zsock_t *server, zsock_t *client, void *arg);

/* A REP server (with a monitor) and a REQ client, configured by the
 * caller, then: want_ok -> "hello"/"world" round trip; else nothing
 * reaches the server or the client, and the monitor sees want_event. */
static void run_case (const char *name, configure_fn *configure, void *arg,
                      bool want_ok, const char *want_event,
                      const char *want_user_id)
{
    zsock_t *server = zsock_new (ZMQ_REP);
    zsock_t *client = zsock_new (ZMQ_REQ);
    CHECK (server && client);
    zsock_set_linger (server, 0);
    zsock_set_linger (client, 0);
    configure (server, client, arg);

    zactor_t *mon = zactor_new (zmonitor, server);
    CHECK (mon);
    CHECK (zstr_sendx (mon, "LISTEN", "HANDSHAKE_SUCCEEDED",
                       "HANDSHAKE_FAILED_PROTOCOL", "HANDSHAKE_FAILED_AUTH",
                       "HANDSHAKE_FAILED_NO_DETAIL", NULL)
           == 0);
    CHECK (zstr_sendx (mon, "START", NULL) == 0);
    CHECK (zsock_wait (mon) == 0);

    int port = zsock_bind (server, "tcp://127.0.0.1:*");
    CHECK (port > 0);
    CHECK (zsock_connect (client, "tcp://127.0.0.1:%d", port) == 0);

    int wait = want_ok ? OK_MS : REFUSE_MS;
    zsock_set_rcvtimeo (server, wait);
    zsock_set_rcvtimeo (client, wait);
    zsock_set_sndtimeo (client, wait);
    zsock_set_sndtimeo (server, wait);

    /* A refused client may already have lost its connection (and so its
     * only pipe) when it sends: libzmq allows EAGAIN then, the message
     * would be dropped anyway; an authorised one must send. */
    int sent = zstr_send (client, "hello");
    if (want_ok)
        CHECK (sent == 0);
    else if (sent != 0 && zmq_errno () != EAGAIN)
        FAIL ("%s: send failed with errno %d", name, zmq_errno ());
    zframe_t *req = zframe_recv (server);
    if (want_ok) {
        if (!req)
            FAIL ("%s: server got no request within %d ms", name, wait);
        if (!zframe_streq (req, "hello"))
            FAIL ("%s: server got the wrong bytes", name);
        if (want_user_id) {
            const char *uid = zframe_meta (req, "User-Id");
            if (!uid || strcmp (uid, want_user_id) != 0)
                FAIL ("%s: User-Id %s, expected %s", name,
                      uid ? uid : "(none)", want_user_id);
        }
        CHECK (zstr_send (server, "world") == 0);
        char *rep = zstr_recv (client);
        if (!rep || strcmp (rep, "world") != 0)
            FAIL ("%s: client got %s", name, rep ? rep : "nothing");
        zstr_free (&rep);
    } else {
        if (req)
            FAIL ("%s: refused client's request reached the server", name);
        char *rep = sent == 0 ? zstr_recv (client) : NULL;
        if (rep)
            FAIL ("%s: refused client got a reply '%s'", name, rep);
    }
    zframe_destroy (&req);

    /* The server's handshake events: want_event must show up (bounded). */
    bool seen = false;
    zpoller_t *poller = zpoller_new (mon, NULL);
    CHECK (poller);
    int64_t deadline = zclock_mono () + OK_MS;
    while (!seen && zclock_mono () < deadline) {
        if (!zpoller_wait (poller, (int) (deadline - zclock_mono ())))
            break;
        zmsg_t *ev = zmsg_recv (mon);
        if (!ev)
            break;
        char *what = zmsg_popstr (ev);
        if (what) {
            if (strcmp (what, want_event) == 0)
                seen = true;
            else if (want_ok || strcmp (what, "HANDSHAKE_SUCCEEDED") == 0)
                FAIL ("%s: server monitor saw %s, expected %s", name, what,
                      want_event);
        }
        zstr_free (&what);
        zmsg_destroy (&ev);
    }
    zpoller_destroy (&poller);
    if (!seen)
        FAIL ("%s: server monitor never saw %s", name, want_event);

    zactor_destroy (&mon);
    zsock_destroy (&client);
    zsock_destroy (&server);
    printf ("ok %s\n", name);
}

/* ---- configurations ---- */

typedef struct
{
    zcert_t *server;
    zcert_t *client;
    const char *server_key; /* what the client is told; may be wrong */
} curve_arg_t;

static void conf_curve (zsock_t *server, zsock_t *client, void *p)
{
    curve_arg_t *a = p;
    zcert_apply (a->server, server);
    zsock_set_curve_server (server, 1);
    zsock_set_zap_domain (server, "global");
    zcert_apply (a->client, client);
    zsock_set_curve_serverkey (client, a->server_key);
}

typedef struct
{
    const char *user, *pass;
} plain_arg_t;

static void conf_plain (zsock_t *server, zsock_t *client, void *p)
{
    plain_arg_t *a = p;
    zsock_set_plain_server (server, 1);
    zsock_set_zap_domain (server, "global");
    zsock_set_plain_username (client, a->user);
    zsock_set_plain_password (client, a->pass);
}

static void conf_null (zsock_t *server, zsock_t *client, void *p)
{
    (void) client;
    (void) p;
    zsock_set_zap_domain (server, "global");
}

/* The temp directory goes on every exit, FAIL included. */
static char tmp_dir_[] = "/tmp/czmq-security-XXXXXX";
static char certs_[64], passwords_[64], client_pub_[96];

static void remove_tmp (void)
{
    unlink (client_pub_);
    unlink (passwords_);
    rmdir (certs_);
    rmdir (tmp_dir_);
}

int main (int argc, char **argv)
{
    const char *expect = argc > 1 ? argv[1] : getenv ("RAMPART_CZMQ_EXPECT");
    if (!expect
        || (strcmp (expect, "rampart") != 0 && strcmp (expect, "libzmq") != 0))
        FAIL ("usage: %s rampart|libzmq (or RAMPART_CZMQ_EXPECT)", argv[0]);
    alarm (60);
    setvbuf (stdout, NULL, _IOLBF, 0);

    int is_rampart = zmq_has ("rampart") == 1;
    int maj, min, pat;
    zmq_version (&maj, &min, &pat);
    printf ("czmq %d.%d.%d on %s libzmq %d.%d.%d\n", CZMQ_VERSION_MAJOR,
            CZMQ_VERSION_MINOR, CZMQ_VERSION_PATCH,
            is_rampart ? "rampart" : "non-rampart", maj, min, pat);
    if (is_rampart != (strcmp (expect, "rampart") == 0))
        FAIL ("loaded %s, expected %s", is_rampart ? "rampart" : "libzmq",
              expect);
    if (!zsys_has_curve ())
        FAIL ("the loaded libzmq reports no CURVE (zmq_has(\"curve\"))");

    CHECK (mkdtemp (tmp_dir_));
    const char *certs = certs_, *passwords = passwords_,
               *client_pub = client_pub_;
    snprintf (certs_, sizeof certs_, "%s/certs", tmp_dir_);
    snprintf (passwords_, sizeof passwords_, "%s/passwords", tmp_dir_);
    snprintf (client_pub_, sizeof client_pub_, "%s/client.key", certs_);
    CHECK (zsys_dir_create ("%s", certs) == 0);

    zactor_t *auth = zactor_new (zauth, NULL);
    CHECK (auth);
    if (getenv ("RAMPART_CZMQ_VERBOSE"))
        auth_cmd (auth, "VERBOSE", NULL);

    zcert_t *server_cert = zcert_new ();
    zcert_t *client_cert = zcert_new ();
    zcert_t *stranger_cert = zcert_new ();
    zcert_t *other_cert = zcert_new (); /* only for a wrong server key */
    CHECK (server_cert && client_cert && stranger_cert && other_cert);

    /* 1-2: CURVE, any client certificate allowed. */
    auth_cmd (auth, "CURVE", CURVE_ALLOW_ANY);
    curve_arg_t ca = {server_cert, client_cert,
                      zcert_public_txt (server_cert)};
    run_case ("curve-allow-any", conf_curve, &ca, true, "HANDSHAKE_SUCCEEDED",
              NULL);
    curve_arg_t wrong = {server_cert, client_cert,
                         zcert_public_txt (other_cert)};
    run_case ("curve-wrong-server-key", conf_curve, &wrong, false,
              "HANDSHAKE_FAILED_PROTOCOL", NULL);

    /* 3: CURVE, only the certificates in a directory. */
    CHECK (zcert_save_public (client_cert, client_pub) == 0);
    auth_cmd (auth, "CURVE", certs);
    run_case ("curve-cert-dir-listed", conf_curve, &ca, true,
              "HANDSHAKE_SUCCEEDED", NULL);
    curve_arg_t stranger = {server_cert, stranger_cert,
                            zcert_public_txt (server_cert)};
    run_case ("curve-cert-dir-unlisted", conf_curve, &stranger, false,
              "HANDSHAKE_FAILED_AUTH", NULL);

    /* 4: PLAIN against a passwords file (name=password lines). */
    FILE *f = fopen (passwords, "w");
    CHECK (f);
    fprintf (f, "admin=Password\n");
    CHECK (fclose (f) == 0);
    auth_cmd (auth, "PLAIN", passwords);
    plain_arg_t good = {"admin", "Password"}, bad = {"admin", "Wrong"};
    run_case ("plain-right-password", conf_plain, &good, true,
              "HANDSHAKE_SUCCEEDED", "admin");
    run_case ("plain-wrong-password", conf_plain, &bad, false,
              "HANDSHAKE_FAILED_AUTH", NULL);

    /* 5: NULL with a ZAP domain: allowed, then the address is denied. */
    run_case ("null-allowed", conf_null, NULL, true, "HANDSHAKE_SUCCEEDED",
              NULL);
    auth_cmd (auth, "DENY", "127.0.0.1");
    run_case ("null-denied-address", conf_null, NULL, false,
              "HANDSHAKE_FAILED_AUTH", NULL);

    zactor_destroy (&auth);
    zcert_destroy (&server_cert);
    zcert_destroy (&client_cert);
    zcert_destroy (&stranger_cert);
    zcert_destroy (&other_cert);
    remove_tmp ();
    printf ("PASS czmq-security (%s)\n", expect);
    return 0;
}
