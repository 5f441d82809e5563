/* inproc_lat <message-size> <roundtrip-count>
 * Latency over inproc: a worker thread echoes with REP, the main thread
 * makes roundtrip-count REQ round trips (the first one untimed) and reports
 * half the mean round-trip time. */
#include "bench_util.h"
#include <pthread.h>

#define ENDPOINT "inproc://rampart-bench-lat"

struct job
{
    void *rep;
    size_t size;
    long roundtrips;
};

static void *echo (void *arg)
{
    struct job *job = arg;
    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        bench_die ("zmq_msg_init");
    for (long i = 0; i < job->roundtrips; i++) {
        bench_recv_sized (job->rep, &msg, job->size);
        if (zmq_msg_send (&msg, job->rep, 0) < 0)
            bench_die ("zmq_msg_send");
    }
    zmq_msg_close (&msg);
    bench_close (job->rep);
    return NULL;
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: inproc_lat <message-size> <roundtrip-count>\n");
        return BENCH_EXIT_USAGE;
    }
    size_t size = (size_t) bench_arg (argv[1], "message-size", 0);
    long roundtrips = bench_arg (argv[2], "roundtrip-count", 2);

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        bench_die ("zmq_ctx_new");
    void *rep = zmq_socket (ctx, ZMQ_REP);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    if (!rep || !req)
        bench_die ("zmq_socket");
    bench_bind (rep, ENDPOINT);
    bench_set_int (rep, ZMQ_LINGER, -1);
    bench_connect (req, ENDPOINT);

    /* The rep socket migrates to the worker (pthread_create is a full
     * memory barrier; the main thread never touches it again). */
    struct job job = {rep, size, roundtrips};
    pthread_t thread;
    if (pthread_create (&thread, NULL, echo, &job) != 0) {
        fprintf (stderr, "pthread_create failed\n");
        return BENCH_EXIT_ZMQ;
    }

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
    pthread_join (thread, NULL);

    bench_report_lat (size, roundtrips, stop - start);
    bench_close (req);
    bench_term (ctx);
    return 0;
}
