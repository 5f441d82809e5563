//! The utility API of zmq.h in safe Rust: Z85 (RFC 32), atomic counters,
//! timer sets, stopwatches, application threads, version, capabilities and
//! error texts. `ffi/util.rs` is the C face of this module.
//!
//! Everything here runs on whatever thread the caller uses; the objects
//! handed to C as opaque handles start with a [`handle::Tag`] so `ffi/` can
//! tell a live object of the right kind from a stale or foreign pointer.

pub mod atomic_counter;
pub mod handle;
pub mod stopwatch;
pub mod strerror;
pub mod thread;
pub mod timers;
pub mod version;
pub mod z85;
