/*
 * Rampart: a memory-safe, hardened implementation of the libzmq C API.
 *
 * This header is the ABI contract of libzmq.so.5. It is source-compatible
 * with libzmq 4.3.5's zmq.h: every name, value, type and prototype below is
 * the one libzmq publishes, so existing programs and bindings build against
 * it unchanged. Rampart's own extensions are declared in rampart.h, never
 * here.
 *
 * Layout:
 *   1. version, export and platform plumbing
 *   2. error codes
 *   3. context
 *   4. messages
 *   5. sockets: types, options, flags, mechanisms, monitor events
 *   6. polling, proxies, capabilities, deprecated calls
 *   7. Z85 / CURVE helpers, atomic counters, timers, misc utilities
 *   8. the DRAFT API (only with ZMQ_BUILD_DRAFT_API defined)
 *
 * Build-time checks (build.rs) keep this file, the library's exports and the
 * Rust constants in src/consts.rs in agreement. Only C-style comments are
 * used so that the file stays valid C89.
 */

#ifndef __ZMQ_H_INCLUDED__
#define __ZMQ_H_INCLUDED__

/* ------------------------------------------------------------------------ */
/* 1. Version, export and platform plumbing                                 */
/* ------------------------------------------------------------------------ */

/* The libzmq API level this header provides (compile-time detection). */
#define ZMQ_VERSION_MAJOR 4
#define ZMQ_VERSION_MINOR 3
#define ZMQ_VERSION_PATCH 5

#define ZMQ_MAKE_VERSION(major, minor, patch)                                  \
    ((major) *10000 + (minor) *100 + (patch))
#define ZMQ_VERSION                                                            \
    ZMQ_MAKE_VERSION (ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

#if !defined _WIN32_WCE
#include <errno.h>
#endif
#include <stddef.h>
#include <stdio.h>

#if defined _WIN32
/* Vista / Server 2008 is the oldest Windows target libzmq supports. */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600
#endif
#endif

/* Symbol visibility. ZMQ_NO_EXPORT turns the decoration off entirely, for
 * callers that embed the library. On Windows ZMQ_STATIC selects a static
 * link and DLL_EXPORT is set while building the DLL itself. */
#if defined ZMQ_NO_EXPORT
#define ZMQ_EXPORT
#elif defined _WIN32
#if defined ZMQ_STATIC
#define ZMQ_EXPORT
#elif defined DLL_EXPORT
#define ZMQ_EXPORT __declspec(dllexport)
#else
#define ZMQ_EXPORT __declspec(dllimport)
#endif
#elif defined __SUNPRO_C || defined __SUNPRO_CC
#define ZMQ_EXPORT __global
#elif (defined __GNUC__ && __GNUC__ >= 4) || defined __INTEL_COMPILER
#define ZMQ_EXPORT __attribute__ ((visibility ("default")))
#else
#define ZMQ_EXPORT
#endif

/* Fixed-width integers used by the monitor and Z85 interfaces. Old MSVC has
 * no <stdint.h>, so the few types needed are spelled out there. */
#define ZMQ_DEFINED_STDINT 1
#if defined ZMQ_HAVE_SOLARIS || defined ZMQ_HAVE_OPENVMS
#include <inttypes.h>
#elif defined _MSC_VER && _MSC_VER < 1600
#ifndef uint64_t
typedef unsigned __int64 uint64_t;
#endif
#ifndef int32_t
typedef __int32 int32_t;
#endif
#ifndef uint32_t
typedef unsigned __int32 uint32_t;
#endif
#ifndef uint16_t
typedef unsigned __int16 uint16_t;
#endif
#ifndef uint8_t
typedef unsigned __int8 uint8_t;
#endif
#else
#include <stdint.h>
#endif

/* sigset_t, for the draft zmq_ppoll(). */
#if !defined _WIN32
#include <signal.h>
#endif

/* AIX renames the pollfd members with macros; pull them in before our own
 * structures use the names "events" and "revents". */
#ifdef ZMQ_HAVE_AIX
#include <poll.h>
#endif

/* ------------------------------------------------------------------------ */
/* 2. Errors                                                                */
/* ------------------------------------------------------------------------ */

/* Base of the error numbers 0MQ invents. Chosen far away from any errno a
 * real platform uses. */
#define ZMQ_HAUSNUMERO 156384712

/* POSIX codes some platforms (notably Windows) lack. Where the C library
 * defines them (always on Linux) its values are used and these stay unset. */
#ifndef ENOTSUP
#define ENOTSUP (ZMQ_HAUSNUMERO + 1)
#endif
#ifndef EPROTONOSUPPORT
#define EPROTONOSUPPORT (ZMQ_HAUSNUMERO + 2)
#endif
#ifndef ENOBUFS
#define ENOBUFS (ZMQ_HAUSNUMERO + 3)
#endif
#ifndef ENETDOWN
#define ENETDOWN (ZMQ_HAUSNUMERO + 4)
#endif
#ifndef EADDRINUSE
#define EADDRINUSE (ZMQ_HAUSNUMERO + 5)
#endif
#ifndef EADDRNOTAVAIL
#define EADDRNOTAVAIL (ZMQ_HAUSNUMERO + 6)
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED (ZMQ_HAUSNUMERO + 7)
#endif
#ifndef EINPROGRESS
#define EINPROGRESS (ZMQ_HAUSNUMERO + 8)
#endif
#ifndef ENOTSOCK
#define ENOTSOCK (ZMQ_HAUSNUMERO + 9)
#endif
#ifndef EMSGSIZE
#define EMSGSIZE (ZMQ_HAUSNUMERO + 10)
#endif
#ifndef EAFNOSUPPORT
#define EAFNOSUPPORT (ZMQ_HAUSNUMERO + 11)
#endif
#ifndef ENETUNREACH
#define ENETUNREACH (ZMQ_HAUSNUMERO + 12)
#endif
#ifndef ECONNABORTED
#define ECONNABORTED (ZMQ_HAUSNUMERO + 13)
#endif
#ifndef ECONNRESET
#define ECONNRESET (ZMQ_HAUSNUMERO + 14)
#endif
#ifndef ENOTCONN
#define ENOTCONN (ZMQ_HAUSNUMERO + 15)
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT (ZMQ_HAUSNUMERO + 16)
#endif
#ifndef EHOSTUNREACH
#define EHOSTUNREACH (ZMQ_HAUSNUMERO + 17)
#endif
#ifndef ENETRESET
#define ENETRESET (ZMQ_HAUSNUMERO + 18)
#endif

/* Errors that exist only in 0MQ. */
#define EFSM (ZMQ_HAUSNUMERO + 51)           /* operation invalid in this state */
#define ENOCOMPATPROTO (ZMQ_HAUSNUMERO + 52) /* transport / socket mismatch */
#define ETERM (ZMQ_HAUSNUMERO + 53)          /* the context was terminated */
#define EMTHREAD (ZMQ_HAUSNUMERO + 54)       /* no I/O thread available */

/* The calling thread's errno as the library sees it. Useful where the
 * application and the library could be linked against different C
 * runtimes. */
ZMQ_EXPORT int zmq_errno (void);

/* Message text for a system or 0MQ error number. */
ZMQ_EXPORT const char *zmq_strerror (int errnum_);

/* The library's version at run time. */
ZMQ_EXPORT void zmq_version (int *major_, int *minor_, int *patch_);

/* ------------------------------------------------------------------------ */
/* 3. Context                                                               */
/* ------------------------------------------------------------------------ */

/* Options for zmq_ctx_set() / zmq_ctx_get(). SOCKET_LIMIT is read-only and
 * shares its number with THREAD_PRIORITY, which is write-only. */
#define ZMQ_IO_THREADS 1
#define ZMQ_MAX_SOCKETS 2
#define ZMQ_SOCKET_LIMIT 3
#define ZMQ_THREAD_PRIORITY 3
#define ZMQ_THREAD_SCHED_POLICY 4
#define ZMQ_MAX_MSGSZ 5
#define ZMQ_MSG_T_SIZE 6
#define ZMQ_THREAD_AFFINITY_CPU_ADD 7
#define ZMQ_THREAD_AFFINITY_CPU_REMOVE 8
#define ZMQ_THREAD_NAME_PREFIX 9

/* Values a new context starts with. */
#define ZMQ_IO_THREADS_DFLT 1
#define ZMQ_MAX_SOCKETS_DFLT 1023
#define ZMQ_THREAD_PRIORITY_DFLT -1
#define ZMQ_THREAD_SCHED_POLICY_DFLT -1

ZMQ_EXPORT void *zmq_ctx_new (void);
ZMQ_EXPORT int zmq_ctx_term (void *context_);
ZMQ_EXPORT int zmq_ctx_shutdown (void *context_);
ZMQ_EXPORT int zmq_ctx_set (void *context_, int option_, int optval_);
ZMQ_EXPORT int zmq_ctx_get (void *context_, int option_);

/* Pre-3.2 spellings, kept for old programs. */
ZMQ_EXPORT void *zmq_init (int io_threads_);
ZMQ_EXPORT int zmq_term (void *context_);
ZMQ_EXPORT int zmq_ctx_destroy (void *context_);

/* ------------------------------------------------------------------------ */
/* 4. Messages                                                              */
/* ------------------------------------------------------------------------ */

/* An opaque 64-byte message handle, aligned to a pointer: callers allocate
 * it (usually on the stack) and the library keeps all of a message's state
 * inside it. Some CPUs (sparc64, some aarch64 parts) fault on misaligned
 * access, hence the explicit alignment. */
typedef struct zmq_msg_t
{
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_ARM64))
    __declspec(align (8)) unsigned char _[64];
#elif defined(_MSC_VER)                                                        \
  && (defined(_M_IX86) || defined(_M_ARM_ARMV7VE) || defined(_M_ARM))
    __declspec(align (4)) unsigned char _[64];
#elif defined(__GNUC__) || defined(__clang__) || defined(__INTEL_COMPILER)     \
  || (defined(__SUNPRO_C) && __SUNPRO_C >= 0x590)                              \
  || (defined(__SUNPRO_CC) && __SUNPRO_CC >= 0x590)
    unsigned char _[64] __attribute__ ((aligned (sizeof (void *))));
#else
    unsigned char _[64];
#endif
} zmq_msg_t;

/* Called once the library no longer needs a buffer handed to
 * zmq_msg_init_data(). */
typedef void (zmq_free_fn) (void *data_, void *hint_);

ZMQ_EXPORT int zmq_msg_init (zmq_msg_t *msg_);
ZMQ_EXPORT int zmq_msg_init_size (zmq_msg_t *msg_, size_t size_);
ZMQ_EXPORT int zmq_msg_init_data (
  zmq_msg_t *msg_, void *data_, size_t size_, zmq_free_fn *ffn_, void *hint_);
ZMQ_EXPORT int zmq_msg_send (zmq_msg_t *msg_, void *socket_, int flags_);
ZMQ_EXPORT int zmq_msg_recv (zmq_msg_t *msg_, void *socket_, int flags_);
ZMQ_EXPORT int zmq_msg_close (zmq_msg_t *msg_);
ZMQ_EXPORT int zmq_msg_move (zmq_msg_t *dest_, zmq_msg_t *src_);
ZMQ_EXPORT int zmq_msg_copy (zmq_msg_t *dest_, zmq_msg_t *src_);
ZMQ_EXPORT void *zmq_msg_data (zmq_msg_t *msg_);
ZMQ_EXPORT size_t zmq_msg_size (const zmq_msg_t *msg_);
ZMQ_EXPORT int zmq_msg_more (const zmq_msg_t *msg_);
ZMQ_EXPORT int zmq_msg_get (const zmq_msg_t *msg_, int property_);
ZMQ_EXPORT int zmq_msg_set (zmq_msg_t *msg_, int property_, int optval_);
ZMQ_EXPORT const char *zmq_msg_gets (const zmq_msg_t *msg_,
                                     const char *property_);

/* ------------------------------------------------------------------------ */
/* 5. Sockets                                                               */
/* ------------------------------------------------------------------------ */

/* Socket types. */
#define ZMQ_PAIR 0
#define ZMQ_PUB 1
#define ZMQ_SUB 2
#define ZMQ_REQ 3
#define ZMQ_REP 4
#define ZMQ_DEALER 5
#define ZMQ_ROUTER 6
#define ZMQ_PULL 7
#define ZMQ_PUSH 8
#define ZMQ_XPUB 9
#define ZMQ_XSUB 10
#define ZMQ_STREAM 11

/* Old names of DEALER and ROUTER. */
#define ZMQ_XREQ ZMQ_DEALER
#define ZMQ_XREP ZMQ_ROUTER

/* Socket options (zmq_setsockopt / zmq_getsockopt). Numbers that are
 * missing here are retired or belong to the deprecated list below. */
#define ZMQ_AFFINITY 4
#define ZMQ_ROUTING_ID 5
#define ZMQ_SUBSCRIBE 6
#define ZMQ_UNSUBSCRIBE 7
#define ZMQ_RATE 8
#define ZMQ_RECOVERY_IVL 9
#define ZMQ_SNDBUF 11
#define ZMQ_RCVBUF 12
#define ZMQ_RCVMORE 13
#define ZMQ_FD 14
#define ZMQ_EVENTS 15
#define ZMQ_TYPE 16
#define ZMQ_LINGER 17
#define ZMQ_RECONNECT_IVL 18
#define ZMQ_BACKLOG 19
#define ZMQ_RECONNECT_IVL_MAX 21
#define ZMQ_MAXMSGSIZE 22
#define ZMQ_SNDHWM 23
#define ZMQ_RCVHWM 24
#define ZMQ_MULTICAST_HOPS 25
#define ZMQ_RCVTIMEO 27
#define ZMQ_SNDTIMEO 28
#define ZMQ_LAST_ENDPOINT 32
#define ZMQ_ROUTER_MANDATORY 33
#define ZMQ_TCP_KEEPALIVE 34
#define ZMQ_TCP_KEEPALIVE_CNT 35
#define ZMQ_TCP_KEEPALIVE_IDLE 36
#define ZMQ_TCP_KEEPALIVE_INTVL 37
#define ZMQ_IMMEDIATE 39
#define ZMQ_XPUB_VERBOSE 40
#define ZMQ_ROUTER_RAW 41
#define ZMQ_IPV6 42
#define ZMQ_MECHANISM 43
#define ZMQ_PLAIN_SERVER 44
#define ZMQ_PLAIN_USERNAME 45
#define ZMQ_PLAIN_PASSWORD 46
#define ZMQ_CURVE_SERVER 47
#define ZMQ_CURVE_PUBLICKEY 48
#define ZMQ_CURVE_SECRETKEY 49
#define ZMQ_CURVE_SERVERKEY 50
#define ZMQ_PROBE_ROUTER 51
#define ZMQ_REQ_CORRELATE 52
#define ZMQ_REQ_RELAXED 53
#define ZMQ_CONFLATE 54
#define ZMQ_ZAP_DOMAIN 55
#define ZMQ_ROUTER_HANDOVER 56
#define ZMQ_TOS 57
#define ZMQ_CONNECT_ROUTING_ID 61
#define ZMQ_GSSAPI_SERVER 62
#define ZMQ_GSSAPI_PRINCIPAL 63
#define ZMQ_GSSAPI_SERVICE_PRINCIPAL 64
#define ZMQ_GSSAPI_PLAINTEXT 65
#define ZMQ_HANDSHAKE_IVL 66
#define ZMQ_SOCKS_PROXY 68
#define ZMQ_XPUB_NODROP 69
#define ZMQ_BLOCKY 70
#define ZMQ_XPUB_MANUAL 71
#define ZMQ_XPUB_WELCOME_MSG 72
#define ZMQ_STREAM_NOTIFY 73
#define ZMQ_INVERT_MATCHING 74
#define ZMQ_HEARTBEAT_IVL 75
#define ZMQ_HEARTBEAT_TTL 76
#define ZMQ_HEARTBEAT_TIMEOUT 77
#define ZMQ_XPUB_VERBOSER 78
#define ZMQ_CONNECT_TIMEOUT 79
#define ZMQ_TCP_MAXRT 80
#define ZMQ_THREAD_SAFE 81
#define ZMQ_MULTICAST_MAXTPDU 84
#define ZMQ_VMCI_BUFFER_SIZE 85
#define ZMQ_VMCI_BUFFER_MIN_SIZE 86
#define ZMQ_VMCI_BUFFER_MAX_SIZE 87
#define ZMQ_VMCI_CONNECT_TIMEOUT 88
#define ZMQ_USE_FD 89
#define ZMQ_GSSAPI_PRINCIPAL_NAMETYPE 90
#define ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE 91
#define ZMQ_BINDTODEVICE 92

/* Message properties (zmq_msg_get / zmq_msg_set). */
#define ZMQ_MORE 1
#define ZMQ_SHARED 3

/* Flags for the send and receive calls. */
#define ZMQ_DONTWAIT 1
#define ZMQ_SNDMORE 2

/* Security mechanisms (value of ZMQ_MECHANISM). */
#define ZMQ_NULL 0
#define ZMQ_PLAIN 1
#define ZMQ_CURVE 2
#define ZMQ_GSSAPI 3

/* Longest RADIO/DISH group name, in bytes. */
#define ZMQ_GROUP_MAX_LENGTH 255

/* Deprecated option names and options. They still work. */
#define ZMQ_IDENTITY ZMQ_ROUTING_ID
#define ZMQ_CONNECT_RID ZMQ_CONNECT_ROUTING_ID
#define ZMQ_TCP_ACCEPT_FILTER 38
#define ZMQ_IPC_FILTER_PID 58
#define ZMQ_IPC_FILTER_UID 59
#define ZMQ_IPC_FILTER_GID 60
#define ZMQ_IPV4ONLY 31
#define ZMQ_DELAY_ATTACH_ON_CONNECT ZMQ_IMMEDIATE
#define ZMQ_NOBLOCK ZMQ_DONTWAIT
#define ZMQ_FAIL_UNROUTABLE ZMQ_ROUTER_MANDATORY
#define ZMQ_ROUTER_BEHAVIOR ZMQ_ROUTER_MANDATORY

/* Deprecated message property. */
#define ZMQ_SRCFD 2

/* GSSAPI name types for ZMQ_GSSAPI_(SERVICE_)PRINCIPAL_NAMETYPE. */
#define ZMQ_GSSAPI_NT_HOSTBASED 0
#define ZMQ_GSSAPI_NT_USER_NAME 1
#define ZMQ_GSSAPI_NT_KRB5_PRINCIPAL 2

/* Socket monitor events (zmq_socket_monitor). Connection-oriented
 * transports only. The comment says what the event's value carries. */
#define ZMQ_EVENT_CONNECTED 0x0001       /* fd */
#define ZMQ_EVENT_CONNECT_DELAYED 0x0002 /* unspecified */
#define ZMQ_EVENT_CONNECT_RETRIED 0x0004 /* next reconnect interval, ms */
#define ZMQ_EVENT_LISTENING 0x0008       /* fd */
#define ZMQ_EVENT_BIND_FAILED 0x0010     /* errno */
#define ZMQ_EVENT_ACCEPTED 0x0020        /* fd */
#define ZMQ_EVENT_ACCEPT_FAILED 0x0040   /* errno */
#define ZMQ_EVENT_CLOSED 0x0080          /* fd */
#define ZMQ_EVENT_CLOSE_FAILED 0x0100    /* errno */
#define ZMQ_EVENT_DISCONNECTED 0x0200    /* fd */
#define ZMQ_EVENT_MONITOR_STOPPED 0x0400 /* unused */
#define ZMQ_EVENT_ALL 0xFFFF
/* Handshake failed for a reason with no finer code; value is an errno. */
#define ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL 0x0800
/* Handshake, including any authentication, completed; value unused. */
#define ZMQ_EVENT_HANDSHAKE_SUCCEEDED 0x1000
/* The peer or the ZAP handler broke the protocol; value is one of the
 * ZMQ_PROTOCOL_ERROR_* codes below. */
#define ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL 0x2000
/* Authentication refused; value is the ZAP status code (300, 400, 500). */
#define ZMQ_EVENT_HANDSHAKE_FAILED_AUTH 0x4000

/* Values of ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL. */
#define ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED 0x10000000
#define ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND 0x10000001
#define ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE 0x10000002
#define ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE 0x10000003
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED 0x10000011
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE 0x10000012
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO 0x10000013
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE 0x10000014
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR 0x10000015
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY 0x10000016
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME 0x10000017
#define ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA 0x10000018
/* These two usually mean the peers are configured differently. */
#define ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC 0x11000001
#define ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH 0x11000002
#define ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED 0x20000000
#define ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY 0x20000001
#define ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID 0x20000002
#define ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION 0x20000003
#define ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE 0x20000004
#define ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA 0x20000005
#define ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED 0x30000000

ZMQ_EXPORT void *zmq_socket (void *context_, int type_);
ZMQ_EXPORT int zmq_close (void *socket_);
ZMQ_EXPORT int zmq_setsockopt (void *socket_,
                               int option_,
                               const void *optval_,
                               size_t optvallen_);
ZMQ_EXPORT int
zmq_getsockopt (void *socket_, int option_, void *optval_, size_t *optvallen_);
ZMQ_EXPORT int zmq_bind (void *socket_, const char *endpoint_);
ZMQ_EXPORT int zmq_connect (void *socket_, const char *endpoint_);
ZMQ_EXPORT int zmq_unbind (void *socket_, const char *endpoint_);
ZMQ_EXPORT int zmq_disconnect (void *socket_, const char *endpoint_);
ZMQ_EXPORT int
zmq_send (void *socket_, const void *buf_, size_t len_, int flags_);
ZMQ_EXPORT int
zmq_send_const (void *socket_, const void *buf_, size_t len_, int flags_);
ZMQ_EXPORT int zmq_recv (void *socket_, void *buf_, size_t len_, int flags_);
ZMQ_EXPORT int
zmq_socket_monitor (void *socket_, const char *endpoint_, int events_);

/* ------------------------------------------------------------------------ */
/* 6. Polling, proxies, capabilities, deprecated calls                      */
/* ------------------------------------------------------------------------ */

/* The native descriptor type: SOCKET (pointer-sized, unsigned) on Windows,
 * int elsewhere. Declared here because the poll structures use it. */
#if defined _WIN32
#if defined _WIN64
typedef unsigned __int64 zmq_fd_t;
#else
typedef unsigned int zmq_fd_t;
#endif
#else
typedef int zmq_fd_t;
#endif

/* Event bits for zmq_poll() and ZMQ_EVENTS. */
#define ZMQ_POLLIN 1
#define ZMQ_POLLOUT 2
#define ZMQ_POLLERR 4
#define ZMQ_POLLPRI 8

/* One entry of a zmq_poll() set: either a 0MQ socket, or (socket == NULL)
 * a native descriptor. */
typedef struct zmq_pollitem_t
{
    void *socket;
    zmq_fd_t fd;
    short events;
    short revents;
} zmq_pollitem_t;

#define ZMQ_POLLITEMS_DFLT 16

ZMQ_EXPORT int zmq_poll (zmq_pollitem_t *items_, int nitems_, long timeout_);

ZMQ_EXPORT int zmq_proxy (void *frontend_, void *backend_, void *capture_);
ZMQ_EXPORT int zmq_proxy_steerable (void *frontend_,
                                    void *backend_,
                                    void *capture_,
                                    void *control_);

/* zmq_has() exists (and answers "ipc", "curve", "draft", ...). */
#define ZMQ_HAS_CAPABILITIES 1
ZMQ_EXPORT int zmq_has (const char *capability_);

/* Device kinds for the deprecated zmq_device(); all behave as zmq_proxy. */
#define ZMQ_STREAMER 1
#define ZMQ_FORWARDER 2
#define ZMQ_QUEUE 3

/* Deprecated calls, superseded by zmq_proxy and the zmq_msg_* family. */
ZMQ_EXPORT int zmq_device (int type_, void *frontend_, void *backend_);
ZMQ_EXPORT int zmq_sendmsg (void *socket_, zmq_msg_t *msg_, int flags_);
ZMQ_EXPORT int zmq_recvmsg (void *socket_, zmq_msg_t *msg_, int flags_);
struct iovec;
ZMQ_EXPORT int
zmq_sendiov (void *socket_, struct iovec *iov_, size_t count_, int flags_);
ZMQ_EXPORT int
zmq_recviov (void *socket_, struct iovec *iov_, size_t *count_, int flags_);

/* ------------------------------------------------------------------------ */
/* 7. Z85, CURVE keys, atomic counters, timers and other utilities          */
/* ------------------------------------------------------------------------ */

/* Z85-encode size_ bytes (a multiple of 4) of data_ into dest_, which must
 * hold size_ * 5 / 4 + 1 chars. Returns dest_, or NULL on bad input. */
ZMQ_EXPORT char *
zmq_z85_encode (char *dest_, const uint8_t *data_, size_t size_);

/* Decode the Z85 text string_ (length a multiple of 5) into dest_. Returns
 * dest_, or NULL on bad input. */
ZMQ_EXPORT uint8_t *zmq_z85_decode (uint8_t *dest_, const char *string_);

/* Make a new CURVE key pair, both halves Z85-encoded (41 chars each
 * including the terminator). 0 on success, -1 with errno set. */
ZMQ_EXPORT int zmq_curve_keypair (char *z85_public_key_, char *z85_secret_key_);

/* Compute the Z85 public key belonging to a Z85 secret key. */
ZMQ_EXPORT int zmq_curve_public (char *z85_public_key_,
                                 const char *z85_secret_key_);

/* Thread-safe integer counters. */
ZMQ_EXPORT void *zmq_atomic_counter_new (void);
ZMQ_EXPORT void zmq_atomic_counter_set (void *counter_, int value_);
ZMQ_EXPORT int zmq_atomic_counter_inc (void *counter_);
ZMQ_EXPORT int zmq_atomic_counter_dec (void *counter_);
ZMQ_EXPORT int zmq_atomic_counter_value (void *counter_);
ZMQ_EXPORT void zmq_atomic_counter_destroy (void **counter_p_);

/* Timer sets, driven by the caller (zmq_timers_timeout / _execute). */
#define ZMQ_HAVE_TIMERS

typedef void (zmq_timer_fn) (int timer_id, void *arg);

ZMQ_EXPORT void *zmq_timers_new (void);
ZMQ_EXPORT int zmq_timers_destroy (void **timers_p);
ZMQ_EXPORT int
zmq_timers_add (void *timers, size_t interval, zmq_timer_fn handler, void *arg);
ZMQ_EXPORT int zmq_timers_cancel (void *timers, int timer_id);
ZMQ_EXPORT int
zmq_timers_set_interval (void *timers, int timer_id, size_t interval);
ZMQ_EXPORT int zmq_timers_reset (void *timers, int timer_id);
ZMQ_EXPORT long zmq_timers_timeout (void *timers);
ZMQ_EXPORT int zmq_timers_execute (void *timers);

/* Undocumented helpers that libzmq exports for its own perf tools; kept
 * because programs link against them. */

/* Start a stopwatch; the handle is released by zmq_stopwatch_stop. */
ZMQ_EXPORT void *zmq_stopwatch_start (void);

/* Microseconds since the stopwatch started; it keeps running. */
ZMQ_EXPORT unsigned long zmq_stopwatch_intermediate (void *watch_);

/* Microseconds since the stopwatch started; frees the stopwatch. */
ZMQ_EXPORT unsigned long zmq_stopwatch_stop (void *watch_);

/* Sleep for whole seconds. */
ZMQ_EXPORT void zmq_sleep (int seconds_);

/* Run func_(arg_) on a new thread; zmq_threadclose joins and frees it. */
typedef void (zmq_thread_fn) (void *);
ZMQ_EXPORT void *zmq_threadstart (zmq_thread_fn *func_, void *arg_);
ZMQ_EXPORT void zmq_threadclose (void *thread_);

/* ------------------------------------------------------------------------ */
/* 8. DRAFT API                                                             */
/*                                                                          */
/* Not part of the stable ABI and subject to change; visible only when the  */
/* application defines ZMQ_BUILD_DRAFT_API before including this file.      */
/* ------------------------------------------------------------------------ */

#ifdef ZMQ_BUILD_DRAFT_API

/* Draft socket types (all thread-safe except DGRAM). */
#define ZMQ_SERVER 12
#define ZMQ_CLIENT 13
#define ZMQ_RADIO 14
#define ZMQ_DISH 15
#define ZMQ_GATHER 16
#define ZMQ_SCATTER 17
#define ZMQ_DGRAM 18
#define ZMQ_PEER 19
#define ZMQ_CHANNEL 20

/* Draft socket options. */
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#define ZMQ_LOOPBACK_FASTPATH 94
#define ZMQ_METADATA 95
#define ZMQ_MULTICAST_LOOP 96
#define ZMQ_ROUTER_NOTIFY 97
#define ZMQ_XPUB_MANUAL_LAST_VALUE 98
#define ZMQ_SOCKS_USERNAME 99
#define ZMQ_SOCKS_PASSWORD 100
#define ZMQ_IN_BATCH_SIZE 101
#define ZMQ_OUT_BATCH_SIZE 102
#define ZMQ_WSS_KEY_PEM 103
#define ZMQ_WSS_CERT_PEM 104
#define ZMQ_WSS_TRUST_PEM 105
#define ZMQ_WSS_HOSTNAME 106
#define ZMQ_WSS_TRUST_SYSTEM 107
#define ZMQ_ONLY_FIRST_SUBSCRIBE 108
#define ZMQ_RECONNECT_STOP 109
#define ZMQ_HELLO_MSG 110
#define ZMQ_DISCONNECT_MSG 111
#define ZMQ_PRIORITY 112
#define ZMQ_BUSY_POLL 113
#define ZMQ_HICCUP_MSG 114
#define ZMQ_XSUB_VERBOSE_UNSUBSCRIBE 115
#define ZMQ_TOPICS_COUNT 116
#define ZMQ_NORM_MODE 117
#define ZMQ_NORM_UNICAST_NACK 118
#define ZMQ_NORM_BUFFER_SIZE 119
#define ZMQ_NORM_SEGMENT_SIZE 120
#define ZMQ_NORM_BLOCK_SIZE 121
#define ZMQ_NORM_NUM_PARITY 122
#define ZMQ_NORM_NUM_AUTOPARITY 123
#define ZMQ_NORM_PUSH 124

/* Values of ZMQ_NORM_MODE (congestion control). */
#define ZMQ_NORM_FIXED 0
#define ZMQ_NORM_CC 1
#define ZMQ_NORM_CCL 2
#define ZMQ_NORM_CCE 3
#define ZMQ_NORM_CCE_ECNONLY 4

/* Bits of ZMQ_RECONNECT_STOP. */
#define ZMQ_RECONNECT_STOP_CONN_REFUSED 0x1
#define ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED 0x2
#define ZMQ_RECONNECT_STOP_AFTER_DISCONNECT 0x4

/* Draft context option. */
#define ZMQ_ZERO_COPY_RECV 10

/* Context options that take a buffer rather than an int. */
ZMQ_EXPORT int zmq_ctx_set_ext (void *context_,
                                int option_,
                                const void *optval_,
                                size_t optvallen_);
ZMQ_EXPORT int zmq_ctx_get_ext (void *context_,
                                int option_,
                                void *optval_,
                                size_t *optvallen_);

/* RADIO/DISH groups and PEER connections. */
ZMQ_EXPORT int zmq_join (void *socket_, const char *group_);
ZMQ_EXPORT int zmq_leave (void *socket_, const char *group_);
ZMQ_EXPORT uint32_t zmq_connect_peer (void *socket_, const char *endpoint_);

/* Message routing ids and groups (SERVER/CLIENT, RADIO/DISH), and
 * initialisation from a copied buffer. */
ZMQ_EXPORT int zmq_msg_set_routing_id (zmq_msg_t *msg_, uint32_t routing_id_);
ZMQ_EXPORT uint32_t zmq_msg_routing_id (zmq_msg_t *msg_);
ZMQ_EXPORT int zmq_msg_set_group (zmq_msg_t *msg_, const char *group_);
ZMQ_EXPORT const char *zmq_msg_group (zmq_msg_t *msg_);
ZMQ_EXPORT int
zmq_msg_init_buffer (zmq_msg_t *msg_, const void *buf_, size_t size_);

/* Standard message property names for zmq_msg_gets(). */
#define ZMQ_MSG_PROPERTY_ROUTING_ID "Routing-Id"
#define ZMQ_MSG_PROPERTY_SOCKET_TYPE "Socket-Type"
#define ZMQ_MSG_PROPERTY_USER_ID "User-Id"
#define ZMQ_MSG_PROPERTY_PEER_ADDRESS "Peer-Address"

/* Bits of ZMQ_ROUTER_NOTIFY. */
#define ZMQ_NOTIFY_CONNECT 1
#define ZMQ_NOTIFY_DISCONNECT 2

/* The poller: a persistent poll set over sockets (thread-safe ones
 * included) and native descriptors. */
#define ZMQ_HAVE_POLLER

typedef struct zmq_poller_event_t
{
    void *socket;
    zmq_fd_t fd;
    void *user_data;
    short events;
} zmq_poller_event_t;

ZMQ_EXPORT void *zmq_poller_new (void);
ZMQ_EXPORT int zmq_poller_destroy (void **poller_p_);
ZMQ_EXPORT int zmq_poller_size (void *poller_);
ZMQ_EXPORT int
zmq_poller_add (void *poller_, void *socket_, void *user_data_, short events_);
ZMQ_EXPORT int zmq_poller_modify (void *poller_, void *socket_, short events_);
ZMQ_EXPORT int zmq_poller_remove (void *poller_, void *socket_);
ZMQ_EXPORT int
zmq_poller_wait (void *poller_, zmq_poller_event_t *event_, long timeout_);
ZMQ_EXPORT int zmq_poller_wait_all (void *poller_,
                                    zmq_poller_event_t *events_,
                                    int n_events_,
                                    long timeout_);
ZMQ_EXPORT int zmq_poller_fd (void *poller_, zmq_fd_t *fd_);
ZMQ_EXPORT int
zmq_poller_add_fd (void *poller_, zmq_fd_t fd_, void *user_data_, short events_);
ZMQ_EXPORT int zmq_poller_modify_fd (void *poller_, zmq_fd_t fd_, short events_);
ZMQ_EXPORT int zmq_poller_remove_fd (void *poller_, zmq_fd_t fd_);

/* State of the pipe to one peer of a ROUTER-like socket. */
ZMQ_EXPORT int zmq_socket_get_peer_state (void *socket_,
                                          const void *routing_id_,
                                          size_t routing_id_size_);

/* Monitor event protocol v2 (zmq_socket_monitor_versioned). */
#define ZMQ_EVENT_PIPES_STATS 0x10000

#define ZMQ_CURRENT_EVENT_VERSION 1
#define ZMQ_CURRENT_EVENT_VERSION_DRAFT 2

#define ZMQ_EVENT_ALL_V1 ZMQ_EVENT_ALL
#define ZMQ_EVENT_ALL_V2 (ZMQ_EVENT_ALL_V1 | ZMQ_EVENT_PIPES_STATS)

ZMQ_EXPORT int zmq_socket_monitor_versioned (void *socket_,
                                             const char *endpoint_,
                                             uint64_t events_,
                                             int event_version_,
                                             int type_);
ZMQ_EXPORT int zmq_socket_monitor_pipes_stats (void *socket_);

/* zmq_poll() with a signal mask, like ppoll(2). ISO C without POSIX has no
 * sigset_t, so in a strict ISO C build (e.g. gcc -std=c99 without a POSIX
 * feature macro) the declaration is left out rather than breaking the
 * build. */
#if !defined _WIN32
#if !defined __STRICT_ANSI__ || defined __USE_POSIX                            \
  || defined _POSIX_C_SOURCE || defined _POSIX_SOURCE                          \
  || defined _XOPEN_SOURCE || defined _GNU_SOURCE || defined _DEFAULT_SOURCE   \
  || defined _BSD_SOURCE
ZMQ_EXPORT int zmq_ppoll (zmq_pollitem_t *items_,
                          int nitems_,
                          long timeout_,
                          const sigset_t *sigmask_);
#endif
#else
/* Windows has no sigset_t; the mask must be NULL there. */
ZMQ_EXPORT int zmq_ppoll (zmq_pollitem_t *items_,
                          int nitems_,
                          long timeout_,
                          const void *sigmask_);
#endif

#endif /* ZMQ_BUILD_DRAFT_API */

#undef ZMQ_EXPORT

#ifdef __cplusplus
}
#endif

#endif /* __ZMQ_H_INCLUDED__ */
