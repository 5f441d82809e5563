/* Rampart's extensions to the libzmq API. Everything here is Rampart-only:
 * guard uses with zmq_has ("rampart"). Option ids live far above libzmq's
 * (0x52410000, "RA"), so they never collide with present or future zmq.h
 * options; on libzmq they fail with EINVAL.
 *
 * Defaults come from the hardening profile chosen by the RAMPART_PROFILE
 * environment variable (compat, default, strict) and the RAMPART_* knobs,
 * read when a context is created; see README.md. An explicit
 * zmq_setsockopt wins over both. */
#ifndef RAMPART_H_INCLUDED
#define RAMPART_H_INCLUDED

#include <zmq.h>

/* Context option (zmq_ctx_get only): the profile in force for the
 * context's sockets, one of the RAMPART_PROFILE_* values. */
#define ZMQ_RAMPART_PROFILE 0x52410001
#define RAMPART_PROFILE_COMPAT 0
#define RAMPART_PROFILE_DEFAULT 1
#define RAMPART_PROFILE_STRICT 2

/* Context option, int (zmq_ctx_set/zmq_ctx_get): the memory budget of the
 * whole context in MiB (default: half of the smaller of physical memory and
 * the cgroup limit; a quarter under strict), shared equally by its sockets
 * (each socket's budget is at most this divided by the number of sockets);
 * 0 = none. Reads back rounded down to MiB, INT_MAX at most. */
#define ZMQ_RAMPART_CTX_BUDGET_MB 0x52410002

/* Socket option, int64_t, read/write: the most bytes in flight per pipe and
 * direction, beside ZMQ_SNDHWM/ZMQ_RCVHWM (which count messages); 0 = no
 * byte limit. An empty pipe always admits one message. Applies to pipes
 * created after it is set. */
#define ZMQ_RAMPART_PIPE_BYTE_CAP 0x52410101

/* Socket option, int64_t, read/write: the largest frame a peer may send
 * before its handshake completes (greeting to READY), separate from
 * ZMQ_MAXMSGSIZE; -1 = use ZMQ_MAXMSGSIZE, as libzmq does. */
#define ZMQ_RAMPART_HANDSHAKE_FRAME_CAP 0x52410102

/* Socket options, int64_t, read/write: connection admission for every
 * listener the socket binds after they are set (HARDENING.md); 0 = no cap.
 * At the connection caps a newcomer replaces the oldest connection of the
 * cap's scope still in its handshake (if older than 1 s), else the one idle
 * longest (if over 10 s); only when neither exists is it refused (closed at
 * once). At the handshake cap the listener stops accepting, and the kernel
 * backlog holds the rest, until a handshake ends or turns 1 s old. */
#define ZMQ_RAMPART_MAX_CONNECTIONS 0x52410103
#define ZMQ_RAMPART_MAX_CONNECTIONS_PER_ADDRESS 0x52410104
#define ZMQ_RAMPART_MAX_HANDSHAKES 0x52410105

/* Socket option, int64_t, read/write: the memory budget of the socket in
 * bytes: what all its pipes may hold, both directions; 0 = none. When the
 * peers' pipes could hold more than the budget (peers x 2 x
 * ZMQ_RAMPART_PIPE_BYTE_CAP), each pipe's byte cap drops to its fair share,
 * budget / (2 x peers): a blocking socket type then stops taking messages
 * for (and reading from) a peer over its share, a dropping type drops for
 * it (ZMQ_RAMPART_STAT_DROPS_BUDGET). An empty pipe still admits one
 * message. Entering that state sends ZMQ_RAMPART_EVENT_BUDGET_EXCEEDED. */
#define ZMQ_RAMPART_SOCKET_BUDGET 0x52410106

/* Socket option, int, read/write: evict a peer whose outbound pipe a
 * dropping socket type (PUB, XPUB without XPUB_NODROP, ROUTER without
 * ROUTER_MANDATORY) found full continuously for this many ms, checked when
 * a message is dropped for it; 0 = never. The eviction closes the
 * connection, counts in ZMQ_RAMPART_STAT_EVICTIONS and sends
 * ZMQ_RAMPART_EVENT_PEER_EVICTED. */
#define ZMQ_RAMPART_STALL_EVICT_IVL 0x52410107

/* Socket options, int64_t, read/write; 0 = no limit. MAX_TOPIC: the longest
 * subscription topic a SUB/XSUB may set (ZMQ_SUBSCRIBE fails with EINVAL)
 * and a PUB/XPUB accepts from a peer. SUBSCRIPTION_MEMORY: once a PUB/XPUB's
 * subscriptions take this many bytes, peers' new subscriptions are ignored;
 * 0 = the socket's budget is the cap (subscriptions always count in it).
 * Ignored subscriptions count in ZMQ_RAMPART_STAT_OVERSIZE. A PUB/XPUB
 * picks up changes when its next peer attaches. */
#define ZMQ_RAMPART_MAX_TOPIC 0x52410108
#define ZMQ_RAMPART_SUBSCRIPTION_MEMORY 0x52410109

/* Counters: socket options, int64_t, read-only (zmq_getsockopt at any
 * time; zmq_setsockopt fails with EINVAL). Messages count whole messages,
 * bytes count frame bodies. */
#define ZMQ_RAMPART_STAT_MSGS_IN 0x52410201     /* received by the app */
#define ZMQ_RAMPART_STAT_BYTES_IN 0x52410202
#define ZMQ_RAMPART_STAT_MSGS_OUT 0x52410203    /* sent by the app */
#define ZMQ_RAMPART_STAT_BYTES_OUT 0x52410204
#define ZMQ_RAMPART_STAT_QUEUED_MSGS 0x52410205 /* in the socket's pipes now */
#define ZMQ_RAMPART_STAT_QUEUED_BYTES 0x52410206
#define ZMQ_RAMPART_STAT_DROPS_HWM 0x52410207
#define ZMQ_RAMPART_STAT_DROPS_BUDGET 0x52410208
#define ZMQ_RAMPART_STAT_OVERSIZE 0x52410209 /* frames over MAXMSGSIZE */
#define ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES 0x5241020A
#define ZMQ_RAMPART_STAT_HANDSHAKE_TIMEOUTS 0x5241020B
#define ZMQ_RAMPART_STAT_REJECTED_BY_CAP 0x5241020C
#define ZMQ_RAMPART_STAT_EVICTIONS 0x5241020D
#define ZMQ_RAMPART_STAT_PEERS 0x5241020E /* handshaken + inproc peers now */
#define ZMQ_RAMPART_STAT_LISTENER_PAUSES 0x5241020F

/* Reason-coded monitor events: 64-bit event ids above every libzmq event,
 * delivered only through zmq_socket_monitor_versioned (version 2) to a
 * monitor that asked for them; the v1 API never sends them. Each carries
 * the values listed (in the v2 value frames). HWM_DROP goes out at most once
 * a second per socket, on a send that dropped. MSG_TOO_LARGE also covers
 * handshake frames over the handshake frame cap. */
#define ZMQ_RAMPART_EVENT_MSG_TOO_LARGE 0x100000000ULL /* declared, limit */
#define ZMQ_RAMPART_EVENT_HWM_DROP 0x200000000ULL /* drops since last event */
#define ZMQ_RAMPART_EVENT_BUDGET_EXCEEDED 0x400000000ULL /* budget, share */
#define ZMQ_RAMPART_EVENT_CONNECTION_REJECTED                                  \
    0x800000000ULL /* cap kind (RAMPART_CAP_*), cap value */
#define ZMQ_RAMPART_EVENT_HANDSHAKE_TIMEOUT 0x1000000000ULL /* ivl ms */
#define ZMQ_RAMPART_EVENT_PEER_EVICTED 0x2000000000ULL /* stalled ms */
#define ZMQ_RAMPART_EVENT_LISTENER_PAUSED 0x4000000000ULL /* ms, errno */
#define ZMQ_RAMPART_EVENT_ALL 0x7F00000000ULL

/* Cap kinds in ZMQ_RAMPART_EVENT_CONNECTION_REJECTED. */
#define RAMPART_CAP_CONNECTIONS 1
#define RAMPART_CAP_PER_ADDRESS 2
#define RAMPART_CAP_HANDSHAKES 3

#endif
