/* inproc_thr <message-size> <message-count>
 * Throughput over inproc: a worker thread PUSHes message-count messages,
 * the main thread PULLs them and reports the rate from the first message
 * to the last. */
#include "bench_util.h"
#include <pthread.h>

#define ENDPOINT "inproc://rampart-bench-thr"

struct job
{
    void *push;
    size_t size;
    long count;
};

static void *sender (void *arg)
{
    struct job *job = arg;
    for (long i = 0; i < job->count; i++)
        bench_send_sized (job->push, job->size);
    bench_close (job->push);
    return NULL;
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: inproc_thr <message-size> <message-count>\n");
        return BENCH_EXIT_USAGE;
    }
    size_t size = (size_t) bench_arg (argv[1], "message-size", 0);
    long count = bench_arg (argv[2], "message-count", 2);

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        bench_die ("zmq_ctx_new");
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    if (!pull || !push)
        bench_die ("zmq_socket");
    bench_bind (pull, ENDPOINT);
    bench_set_int (push, ZMQ_LINGER, -1);
    bench_connect (push, ENDPOINT);

    /* The push socket migrates to the worker; pthread_create is a full
     * memory barrier, and the main thread never touches it again. */
    struct job job = {push, size, count};
    pthread_t thread;
    if (pthread_create (&thread, NULL, sender, &job) != 0) {
        fprintf (stderr, "pthread_create failed\n");
        return BENCH_EXIT_ZMQ;
    }

    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        bench_die ("zmq_msg_init");
    bench_recv_sized (pull, &msg, size);
    double start = bench_now ();
    for (long i = 1; i < count; i++)
        bench_recv_sized (pull, &msg, size);
    double stop = bench_now ();
    zmq_msg_close (&msg);
    pthread_join (thread, NULL);

    bench_report_thr (size, count, stop - start);
    bench_close (pull);
    bench_term (ctx);
    return 0;
}
