/*
 * Rampart: zmq_utils.h, kept for source compatibility with libzmq.
 *
 * Deprecated. Everything that used to live here (the stopwatch, sleep and
 * thread helpers) is declared by zmq.h since libzmq 4.2. Like libzmq 4.3's
 * copy, including this file prints a deprecation note on compilers that
 * understand "#pragma message" (a note, never a warning or an error, so
 * -Werror builds are unaffected).
 *
 * Unlike libzmq's copy, a program that includes only this file still gets
 * the helper declarations: they are declared here when zmq.h has not been
 * included yet. The declarations have the same types as zmq.h's, so
 * including both, in either order, is fine. (The zmq_thread_fn type name
 * itself comes only with zmq.h.)
 */

#ifndef __ZMQ_UTILS_H_INCLUDED__
#define __ZMQ_UTILS_H_INCLUDED__

#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#pragma message(                                                               \
  "zmq_utils.h is deprecated: everything it provides is declared by zmq.h")
#endif

#ifndef __ZMQ_H_INCLUDED__

#ifdef __cplusplus
extern "C" {
#endif

#if defined ZMQ_NO_EXPORT
#define ZMQ_UTILS_EXPORT_
#elif defined _WIN32
#if defined ZMQ_STATIC
#define ZMQ_UTILS_EXPORT_
#elif defined DLL_EXPORT
#define ZMQ_UTILS_EXPORT_ __declspec(dllexport)
#else
#define ZMQ_UTILS_EXPORT_ __declspec(dllimport)
#endif
#elif (defined __GNUC__ && __GNUC__ >= 4) || defined __INTEL_COMPILER
#define ZMQ_UTILS_EXPORT_ __attribute__ ((visibility ("default")))
#else
#define ZMQ_UTILS_EXPORT_
#endif

ZMQ_UTILS_EXPORT_ void *zmq_stopwatch_start (void);
ZMQ_UTILS_EXPORT_ unsigned long zmq_stopwatch_intermediate (void *watch_);
ZMQ_UTILS_EXPORT_ unsigned long zmq_stopwatch_stop (void *watch_);
ZMQ_UTILS_EXPORT_ void zmq_sleep (int seconds_);

/* Spelled out rather than through zmq.h's zmq_thread_fn typedef, which C89
 * and C99 forbid defining twice (zmq.h may be included after this file). */
ZMQ_UTILS_EXPORT_ void *zmq_threadstart (void (*func_) (void *), void *arg_);
ZMQ_UTILS_EXPORT_ void zmq_threadclose (void *thread_);

#undef ZMQ_UTILS_EXPORT_

#ifdef __cplusplus
}
#endif

#endif /* !__ZMQ_H_INCLUDED__ */

#endif /* __ZMQ_UTILS_H_INCLUDED__ */
