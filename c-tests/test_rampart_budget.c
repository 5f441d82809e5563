/* Memory budgets (HARDENING.md): the per-socket budget over all its pipes
 * and the per-context budget shared by its sockets; fair shares between
 * peers when a budget is tight (a dropping pattern drops for the peers over
 * their share, a blocking one stops taking messages for them), the
 * DROPS_BUDGET counter and the BUDGET_EXCEEDED event; profile values and
 * variables. Rampart only. */
#include "testutil.h"
#include "monitorv2.h"
#include <rampart.h>

static void test_profile_values (void)
{
    unsetenv ("RAMPART_PROFILE");
    void *ctx = zmq_ctx_new ();
    int ctx_mb = zmq_ctx_get (ctx, ZMQ_RAMPART_CTX_BUDGET_MB);
    long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGESIZE);
    int64_t ram_mb = (int64_t) pages * page >> 20;
    TEST_ASSERT (ctx_mb > 0 && ctx_mb <= ram_mb / 2 + 1);
    void *s = zmq_socket (ctx, ZMQ_PUB);
    TEST_ASSERT_EQ_INT (256 << 20, get_i64 (s, ZMQ_RAMPART_SOCKET_BUDGET));
    TEST_OK (zmq_ctx_set (ctx, ZMQ_RAMPART_CTX_BUDGET_MB, 100));
    TEST_ASSERT_EQ_INT (100, zmq_ctx_get (ctx, ZMQ_RAMPART_CTX_BUDGET_MB));
    TEST_ERRNO (EINVAL, zmq_ctx_set (ctx, ZMQ_RAMPART_CTX_BUDGET_MB, -1));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));

    setenv ("RAMPART_PROFILE", "strict", 1);
    ctx = zmq_ctx_new ();
    TEST_ASSERT (zmq_ctx_get (ctx, ZMQ_RAMPART_CTX_BUDGET_MB) <= ctx_mb / 2 + 1);
    s = zmq_socket (ctx, ZMQ_PUB);
    TEST_ASSERT_EQ_INT (64 << 20, get_i64 (s, ZMQ_RAMPART_SOCKET_BUDGET));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));

    setenv ("RAMPART_PROFILE", "compat", 1);
    setenv ("RAMPART_SOCKET_BUDGET", "12345", 1);
    ctx = zmq_ctx_new ();
    TEST_ASSERT_EQ_INT (0, zmq_ctx_get (ctx, ZMQ_RAMPART_CTX_BUDGET_MB));
    s = zmq_socket (ctx, ZMQ_PUB);
    TEST_ASSERT_EQ_INT (12345, get_i64 (s, ZMQ_RAMPART_SOCKET_BUDGET));
    TEST_OK (zmq_close (s));
    TEST_OK (zmq_ctx_term (ctx));
    unsetenv ("RAMPART_SOCKET_BUDGET");
    unsetenv ("RAMPART_PROFILE");
}

/* A PUB with a 1 MiB budget and 8 subscribers that never read: it holds
 * about the budget, drops the rest for them (counted as budget drops, not
 * HWM drops), says so once, and a live subscriber keeps receiving. */
static void test_dropping_pattern (void *ctx)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    set_int (pub, ZMQ_SNDHWM, 100000);
    set_i64 (pub, ZMQ_RAMPART_SOCKET_BUDGET, 1 << 20);
    void *mon = monitor_v2 (ctx, pub, "inproc://budget-mon",
                            ZMQ_RAMPART_EVENT_BUDGET_EXCEEDED);
    TEST_OK (zmq_bind (pub, "inproc://budget-pub"));
    void *subs[9];
    for (int i = 0; i < 9; i++) {
        subs[i] = zmq_socket (ctx, ZMQ_SUB);
        set_int (subs[i], ZMQ_RCVHWM, 100000);
        subscribe (subs[i], "");
        TEST_OK (zmq_connect (subs[i], "inproc://budget-pub"));
    }
    void *live = subs[8];
    static char body[64 << 10];
    long live_got = 0;
    for (int i = 0; i < 400; i++) {
        TEST_ASSERT (zmq_send (pub, body, sizeof body, 0) == sizeof body);
        while (zmq_recv (live, body, sizeof body, ZMQ_DONTWAIT) >= 0)
            live_got++;
    }
    int64_t queued = get_i64 (pub, ZMQ_RAMPART_STAT_QUEUED_BYTES);
    int64_t budget_drops = get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_BUDGET);
    /* The budget plus at most one message per pipe (an empty pipe always
     * takes one), nowhere near 8 x 400 x 64 KiB = 200 MiB. */
    if (queued > (1 << 20) + 9 * (int64_t) sizeof body)
        TEST_FAIL ("queued %lld bytes over a 1 MiB budget", (long long) queued);
    TEST_ASSERT (budget_drops > 8 * 300);
    TEST_ASSERT_EQ_INT (0, get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_HWM));
    TEST_ASSERT (live_got > 300);

    ev2_t e;
    expect_ev2 (mon, ZMQ_RAMPART_EVENT_BUDGET_EXCEEDED, &e);
    TEST_ASSERT_EQ_INT (2, (int) e.n);
    TEST_ASSERT (e.v[0] == 1 << 20);                  /* the budget */
    TEST_ASSERT (e.v[1] > 0 && e.v[1] <= e.v[0] / 2); /* the share */

    for (int i = 0; i < 9; i++)
        close_zero (subs[i]);
    close_zero (mon);
    close_zero (pub);
}

/* A PUSH with a 256 KiB budget and two PULLs that don't read: sends stop
 * (EAGAIN) once each peer holds its share, far below the 32 MiB per-pipe
 * cap, and resume when a PULL reads. */
static void test_blocking_pattern (void *ctx)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, 100000);
    set_int (push, ZMQ_SNDTIMEO, 0);
    set_i64 (push, ZMQ_RAMPART_SOCKET_BUDGET, 256 << 10);
    TEST_OK (zmq_bind (push, "inproc://budget-push"));
    void *pulls[2];
    for (int i = 0; i < 2; i++) {
        pulls[i] = zmq_socket (ctx, ZMQ_PULL);
        set_int (pulls[i], ZMQ_RCVHWM, 100000);
        TEST_OK (zmq_connect (pulls[i], "inproc://budget-push"));
    }
    static char body[32 << 10];
    int sent = 0;
    while (sent < 1000 && zmq_send (push, body, sizeof body, 0) == sizeof body)
        sent++;
    TEST_ASSERT_EQ_INT (EAGAIN, zmq_errno ());
    /* Two pipes, each at most its share (<= 64 KiB) plus one message. */
    TEST_ASSERT (sent >= 2);
    TEST_ASSERT ((int64_t) sent * (int64_t) sizeof body
                 <= (256 << 10) + 2 * (int64_t) sizeof body);
    TEST_ASSERT_EQ_INT (0, get_i64 (push, ZMQ_RAMPART_STAT_DROPS_BUDGET));
    /* Reading makes room again. */
    set_rcvtimeo (pulls[0], 1000);
    set_rcvtimeo (pulls[1], 1000);
    for (int i = 0; i < 2; i++)
        while (zmq_recv (pulls[i], body, sizeof body, ZMQ_DONTWAIT) >= 0) {
        }
    TEST_ASSERT (zmq_send (push, body, sizeof body, 0) == sizeof body);
    for (int i = 0; i < 2; i++)
        close_zero (pulls[i]);
    close_zero (push);
}

/* The context's budget is shared equally by its sockets: with a 1 MiB
 * context budget and two sockets, a PUB's peers get at most half. */
static void test_context_budget (void)
{
    void *ctx = zmq_ctx_new ();
    TEST_OK (zmq_ctx_set (ctx, ZMQ_RAMPART_CTX_BUDGET_MB, 1));
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    set_int (pub, ZMQ_SNDHWM, 100000);
    TEST_OK (zmq_bind (pub, "inproc://ctx-budget"));
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (sub, ZMQ_RCVHWM, 100000);
    subscribe (sub, "");
    TEST_OK (zmq_connect (sub, "inproc://ctx-budget"));
    static char body[16 << 10];
    for (int i = 0; i < 200; i++)
        TEST_ASSERT (zmq_send (pub, body, sizeof body, 0) == sizeof body);
    int64_t queued = get_i64 (pub, ZMQ_RAMPART_STAT_QUEUED_BYTES);
    TEST_ASSERT (queued <= (512 << 10) + (int64_t) sizeof body);
    TEST_ASSERT (get_i64 (pub, ZMQ_RAMPART_STAT_DROPS_BUDGET) > 100);
    close_zero (sub);
    close_zero (pub);
    TEST_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    test_watchdog (60);
    if (!is_rampart ())
        TEST_SKIP ("Rampart's memory budgets");
    test_profile_values ();
    void *ctx = zmq_ctx_new ();
    test_dropping_pattern (ctx);
    test_blocking_pattern (ctx);
    TEST_OK (zmq_ctx_term (ctx));
    test_context_budget ();
    return 0;
}
