//! zmq_ctx_* and the legacy zmq_init/zmq_term/zmq_ctx_destroy.

use super::handles;
use super::{guard_int, guard_ptr};
use crate::consts::ZMQ_IO_THREADS;
use crate::ctx::CtxShared;
use crate::errno::Errno;
use libc::{c_int, c_void};

#[no_mangle]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    guard_ptr(|| Ok(handles::new_ctx(CtxShared::new())))
}

/// # Safety
/// `context` must be NULL or a context handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_term(context: *mut c_void) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let h = unsafe { handles::ctx(context) }?;
        h.ctx.terminate()?;
        // SAFETY: forwarded contract; terminate returned, so no socket is left.
        drop(unsafe { handles::claim_ctx(context) }?);
        Ok(0)
    })
}

/// # Safety
/// `context` must be NULL or a context handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_shutdown(context: *mut c_void) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        unsafe { handles::ctx(context) }?.ctx.shutdown();
        Ok(0)
    })
}

/// # Safety
/// `context` must be NULL or a context handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_set(context: *mut c_void, option: c_int, optval: c_int) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        unsafe { handles::ctx(context) }?.ctx.set(option, optval)?;
        Ok(0)
    })
}

/// # Safety
/// `context` must be NULL or a context handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_get(context: *mut c_void, option: c_int) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        unsafe { handles::ctx(context) }?.ctx.get(option)
    })
}

#[no_mangle]
pub extern "C" fn zmq_init(io_threads: c_int) -> *mut c_void {
    guard_ptr(|| {
        if io_threads < 0 {
            return Err(Errno::EINVAL);
        }
        let ctx = CtxShared::new();
        ctx.set(ZMQ_IO_THREADS, io_threads)?;
        Ok(handles::new_ctx(ctx))
    })
}

/// # Safety
/// `context` must be NULL or a context handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_term(context: *mut c_void) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { zmq_ctx_term(context) }
}

/// # Safety
/// `context` must be NULL or a context handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_destroy(context: *mut c_void) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { zmq_ctx_term(context) }
}
