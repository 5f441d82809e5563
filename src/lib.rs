//! Rampart: a memory-safe, hardened reimplementation of libzmq.
//!
//! The C ABI lives in `ffi/`; everything else is safe Rust organised as laid
//! out in ARCHITECTURE.md.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod consts;
pub mod ctx;
pub mod errno;
pub mod ffi;
pub mod guard;
pub mod io;
pub mod mailbox;
pub mod msg;
pub mod pipe;
pub mod routing;
pub mod socket;
pub mod transport;
pub mod util;
pub mod zmtp;
