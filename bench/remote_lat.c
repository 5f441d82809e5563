/* remote_lat <connect-to> <message-size> <roundtrip-count>
 * REQ side of the latency test: makes roundtrip-count request/reply round
 * trips and reports half the mean round-trip time. The first round trip
 * (which includes connection set-up) is not timed. */
#include "bench_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (
          stderr,
          "usage: remote_lat <connect-to> <message-size> <roundtrip-count>\n");
        return BENCH_EXIT_USAGE;
    }
    const char *endpoint = argv[1];
    size_t size = (size_t) bench_arg (argv[2], "message-size", 0);
    long roundtrips = bench_arg (argv[3], "roundtrip-count", 2);

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        bench_die ("zmq_ctx_new");
    void *req = zmq_socket (ctx, ZMQ_REQ);
    if (!req)
        bench_die ("zmq_socket");
    bench_connect (req, endpoint);

    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        bench_die ("zmq_msg_init");
    double start = 0.0;
    for (long i = 0; i < roundtrips; i++) {
        if (i == 1)
            start = bench_now ();
        bench_send_sized (req, size);
        bench_recv_sized (req, &msg, size);
    }
    double stop = bench_now ();
    zmq_msg_close (&msg);

    bench_report_lat (size, roundtrips, stop - start);
    bench_close (req);
    bench_term (ctx);
    return 0;
}
