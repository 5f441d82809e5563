/* Rampart's stand-in for the platform.hpp that libzmq's build generates; the
 * upstream test programs include it (as ../src/platform.hpp). It describes a
 * Linux build of Rampart: IPC, CURVE and SO_PEERCRED; no PGM, NORM, TIPC,
 * VMCI or GSSAPI (test_capabilities compares zmq_has() with these, so it
 * fails against Debian's libzmq, which has PGM, NORM and GSSAPI). Only the
 * macros the tests read matter here. */
#ifndef RAMPART_CONFORMANCE_PLATFORM_HPP
#define RAMPART_CONFORMANCE_PLATFORM_HPP

#define ZMQ_HAVE_LINUX 1
#define ZMQ_HAVE_IPC 1
#define ZMQ_HAVE_CURVE 1
#define ZMQ_USE_LIBSODIUM 1
#define ZMQ_HAVE_SO_PEERCRED 1
#define ZMQ_HAVE_PPOLL 1
#define HAVE_MKDTEMP 1
#define HAVE_FORK 1
#define ZMQ_HAVE_UIO 1
#define ZMQ_CACHELINE_SIZE 64

#endif
