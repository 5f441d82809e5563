//! The C ABI. The only place with `#[no_mangle]`, `extern "C"` and raw
//! pointers from callers. Every entry point goes through `guard_*`, so a
//! panic never unwinds into C, and every error becomes -1 (or NULL) plus errno.
//! Runs on whatever thread the caller uses.

use crate::errno::{Errno, ZResult};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Stores `e` in the calling thread's libc errno.
pub(crate) fn set_errno(e: i32) {
    // SAFETY: __errno_location always returns the calling thread's errno slot.
    unsafe { *libc::__errno_location() = e }
}

/// Runs `f`, mapping `Err(e)` and panics to -1 with errno set.
pub(crate) fn guard_int(f: impl FnOnce() -> ZResult<i32>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(Errno(e))) => {
            set_errno(e);
            -1
        }
        Err(_) => {
            set_errno(libc::EFAULT);
            -1
        }
    }
}

/// Runs `f`, mapping `Err(e)` and panics to NULL with errno set.
pub(crate) fn guard_ptr<T>(f: impl FnOnce() -> ZResult<*mut T>) -> *mut T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(Errno(e))) => {
            set_errno(e);
            std::ptr::null_mut()
        }
        Err(_) => {
            set_errno(libc::EFAULT);
            std::ptr::null_mut()
        }
    }
}

/// Runs `f` where C expects no result; a panic is swallowed.
pub(crate) fn guard_void(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

mod ctx;
mod curve;
mod handles;
pub mod msg;
pub mod poll;
mod proxy;
mod socket;
mod util;
