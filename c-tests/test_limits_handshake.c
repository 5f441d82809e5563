/* Stalled handshakes (threat T3): raw TCP clients that connect and then do
 * not finish the ZMTP handshake must be dropped after HANDSHAKE_IVL.
 *
 * The victim is a PULL with HANDSHAKE_IVL 500 (set explicitly, so both
 * libraries behave the same).
 *
 * Checks:
 * - a client that sends nothing, one that sends half a greeting (20 bytes)
 *   and one that exchanges greetings but never sends READY are each closed
 *   by the victim between 250 ms and 3 s after connecting;
 * - a raw client that completes the handshake and then idles for 1.5 s is
 *   NOT closed (the timer ends with the handshake) and its message is then
 *   delivered;
 * - meanwhile a well-behaved PUSH keeps delivering, and a new PUSH that
 *   connects during the attack gets through;
 * - with HANDSHAKE_IVL 0 (no limit) a silent client is still connected
 *   after 1.2 s. */
/* RAMPART_TEST: labels=limits */
#include "testutil.h"
#include "rawzmtp.h"

struct stalled {
    const char *what;
    int fd;
    int64_t t_connect;
    int64_t t_closed; /* 0 while open */
};

int main (void)
{
    test_watchdog (60);
    void *ctx = zmq_ctx_new ();

    void *victim = zmq_socket (ctx, ZMQ_PULL);
    int ivl = 500;
    TEST_OK (zmq_setsockopt (victim, ZMQ_HANDSHAKE_IVL, &ivl, sizeof ivl));
    char ep[256];
    bind_ephemeral (victim, "tcp://127.0.0.1:*", ep, sizeof ep);
    set_rcvtimeo (victim, 5000);

    void *good = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (good, ep));
    send_str (good, "good-0", 0);
    recv_str (victim, "good-0");

    struct stalled st[3] = {{"silent client", -1, 0, 0},
                            {"half greeting", -1, 0, 0},
                            {"greeting but no READY", -1, 0, 0}};
    for (int i = 0; i < 3; i++) {
        st[i].fd = rz_connect (ep);
        TEST_ASSERT (st[i].fd >= 0);
        st[i].t_connect = test_now_ms ();
    }
    unsigned char greeting[64];
    rz_make_greeting (greeting, 0);
    TEST_ASSERT (rz_send_all (st[1].fd, greeting, 20) == 0);
    TEST_ASSERT (rz_send_greeting (st[2].fd) == 0);
    TEST_ASSERT (rz_recv_greeting (st[2].fd, 2000) == 0);

    /* a raw client that finishes its handshake, then idles */
    int idle = rz_connect_ready (ep, "PUSH", 2000);
    TEST_ASSERT (idle >= 0);

    /* a PUSH that connects in the middle of it all */
    void *late = zmq_socket (ctx, ZMQ_PUSH);
    TEST_OK (zmq_connect (late, ep));
    send_str (late, "late-0", 0);
    recv_str (victim, "late-0");

    /* Watch the stalled clients for up to 3 s while the good peer talks. */
    int seq = 1, open_count = 3;
    while (open_count > 0) {
        int64_t now = test_now_ms ();
        for (int i = 0; i < 3; i++) {
            if (st[i].t_closed)
                continue;
            if (rz_wait_closed (st[i].fd, 10)) {
                st[i].t_closed = test_now_ms ();
                open_count--;
            } else if (now - st[i].t_connect > 3000) {
                TEST_FAIL ("%s still connected %lld ms after connecting "
                           "(HANDSHAKE_IVL 500)",
                           st[i].what, (long long) (now - st[i].t_connect));
            }
        }
        char msg[32];
        snprintf (msg, sizeof msg, "good-%d", seq++);
        send_str (good, msg, 0);
        recv_str (victim, msg);
    }
    for (int i = 0; i < 3; i++) {
        int64_t after = st[i].t_closed - st[i].t_connect;
        fprintf (stderr, "%s: closed after %lld ms\n", st[i].what, (long long) after);
        if (after < 250)
            TEST_FAIL ("%s closed after only %lld ms (HANDSHAKE_IVL 500)",
                       st[i].what, (long long) after);
        close (st[i].fd);
    }

    /* the idle but handshaken client is still there and can send */
    int64_t idle_until = test_now_ms () + 1500;
    while (test_now_ms () < idle_until)
        if (rz_wait_closed (idle, 50))
            TEST_FAIL ("a client that had completed its handshake was closed "
                       "while idle");
    TEST_ASSERT (rz_send_frame (idle, 0, "idle-msg", 8) == 0);
    recv_str (victim, "idle-msg");
    close (idle);

    send_str (good, "good-end", 0);
    recv_str (victim, "good-end");
    send_str (late, "late-end", 0);
    recv_str (victim, "late-end");
    close_zero (late);
    close_zero (good);
    close_zero (victim);

    /* HANDSHAKE_IVL 0: no handshake timeout at all */
    victim = zmq_socket (ctx, ZMQ_PULL);
    ivl = 0;
    TEST_OK (zmq_setsockopt (victim, ZMQ_HANDSHAKE_IVL, &ivl, sizeof ivl));
    bind_ephemeral (victim, "tcp://127.0.0.1:*", ep, sizeof ep);
    int silent = rz_connect (ep);
    TEST_ASSERT (silent >= 0);
    if (rz_wait_hangup (silent, 1200))
        TEST_FAIL ("HANDSHAKE_IVL 0: a silent client was closed within 1.2 s");
    /* and it can still complete the handshake late */
    TEST_ASSERT (rz_handshake (silent, "PUSH", 2000) == 0);
    TEST_ASSERT (rz_send_frame (silent, 0, "slow-but-fine", 13) == 0);
    set_rcvtimeo (victim, 5000);
    recv_str (victim, "slow-but-fine");
    close (silent);
    close_zero (victim);

    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
