/* local_lat <bind-to> <message-size> <roundtrip-count>
 * REP side of the latency test: binds and echoes roundtrip-count messages. */
#include "bench_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (
          stderr,
          "usage: local_lat <bind-to> <message-size> <roundtrip-count>\n");
        return BENCH_EXIT_USAGE;
    }
    const char *endpoint = argv[1];
    size_t size = (size_t) bench_arg (argv[2], "message-size", 0);
    long roundtrips = bench_arg (argv[3], "roundtrip-count", 2);

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        bench_die ("zmq_ctx_new");
    void *rep = zmq_socket (ctx, ZMQ_REP);
    if (!rep)
        bench_die ("zmq_socket");
    void *watch = bench_watch (ctx, rep);
    bench_bind (rep, endpoint);

    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        bench_die ("zmq_msg_init");
    for (long i = 0; i < roundtrips; i++) {
        bench_recv_sized (rep, &msg, size);
        if (zmq_msg_send (&msg, rep, 0) < 0)
            bench_die ("zmq_msg_send");
    }
    zmq_msg_close (&msg);

    /* Keep the socket until remote_lat has the last reply and hangs up. */
    bench_wait_disconnect (watch, 20000);
    bench_set_int (rep, ZMQ_LINGER, -1);
    bench_close (rep);
    bench_term (ctx);
    return 0;
}
