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

/* Socket option, int64_t, read/write: the most bytes in flight per pipe and
 * direction, beside ZMQ_SNDHWM/ZMQ_RCVHWM (which count messages); 0 = no
 * byte limit. An empty pipe always admits one message. Applies to pipes
 * created after it is set. */
#define ZMQ_RAMPART_PIPE_BYTE_CAP 0x52410101

/* Socket option, int64_t, read/write: the largest frame a peer may send
 * before its handshake completes (greeting to READY), separate from
 * ZMQ_MAXMSGSIZE; -1 = use ZMQ_MAXMSGSIZE, as libzmq does. */
#define ZMQ_RAMPART_HANDSHAKE_FRAME_CAP 0x52410102

#endif
