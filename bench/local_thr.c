/* local_thr <bind-to> <message-size> <message-count>
 * PULL side of the throughput test: binds, receives message-count messages
 * and reports the rate measured from the first message to the last. */
#include "bench_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr,
                 "usage: local_thr <bind-to> <message-size> <message-count>\n");
        return BENCH_EXIT_USAGE;
    }
    const char *endpoint = argv[1];
    size_t size = (size_t) bench_arg (argv[2], "message-size", 0);
    long count = bench_arg (argv[3], "message-count", 2);

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        bench_die ("zmq_ctx_new");
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    if (!pull)
        bench_die ("zmq_socket");
    bench_bind (pull, endpoint);

    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        bench_die ("zmq_msg_init");
    bench_recv_sized (pull, &msg, size);
    double start = bench_now ();
    for (long i = 1; i < count; i++)
        bench_recv_sized (pull, &msg, size);
    double stop = bench_now ();
    zmq_msg_close (&msg);

    bench_report_thr (size, count, stop - start);
    bench_close (pull);
    bench_term (ctx);
    return 0;
}
