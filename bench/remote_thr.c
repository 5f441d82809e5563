/* remote_thr <connect-to> <message-size> <message-count>
 * PUSH side of the throughput test: connects and sends message-count
 * messages, then keeps the socket open until local_thr, having received
 * them all, disconnects (see bench_watch). */
#include "bench_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (
          stderr,
          "usage: remote_thr <connect-to> <message-size> <message-count>\n");
        return BENCH_EXIT_USAGE;
    }
    const char *endpoint = argv[1];
    size_t size = (size_t) bench_arg (argv[2], "message-size", 0);
    long count = bench_arg (argv[3], "message-count", 2);

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        bench_die ("zmq_ctx_new");
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    if (!push)
        bench_die ("zmq_socket");
    bench_set_int (push, ZMQ_LINGER, -1);
    void *watch = bench_watch (ctx, push);
    bench_connect (push, endpoint);

    for (long i = 0; i < count; i++)
        bench_send_sized (push, size);

    /* Keep the socket until local_thr has everything and hangs up. */
    bench_wait_disconnect (watch, 20000);
    bench_close (push);
    bench_term (ctx);
    return 0;
}
