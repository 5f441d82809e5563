//! zmq_proxy, zmq_proxy_steerable and the deprecated zmq_device: handle
//! checks, then the loop in socket::proxy on the calling thread.

use super::guard_int;
use super::handles;
use crate::errno::{Errno, ZResult};
use crate::socket::proxy::{self, ProxySockets};
use libc::{c_int, c_void};

/// Checks the handles and runs the proxy. The frontend may also be the
/// backend; capture and control must be sockets of their own (one socket
/// can't be borrowed twice), else EINVAL.
///
/// # Safety
/// Each pointer is NULL (capture, control) or a socket handle that no other
/// thread uses while the proxy runs.
unsafe fn run(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> ZResult<i32> {
    if frontend.is_null() || backend.is_null() {
        return Err(Errno::EFAULT);
    }
    let distinct = |p: *mut c_void, others: &[*mut c_void]| p.is_null() || !others.contains(&p);
    if !distinct(capture, &[frontend, backend]) || !distinct(control, &[frontend, backend, capture])
    {
        return Err(Errno::EINVAL);
    }
    // SAFETY (all four): the caller's contract; the checks above make every
    // &mut below refer to a different socket.
    let sockets = unsafe {
        ProxySockets {
            frontend: handles::socket(frontend)?,
            backend: if backend == frontend {
                None
            } else {
                Some(handles::socket(backend)?)
            },
            capture: optional(capture)?,
            control: optional(control)?,
        }
    };
    proxy::run(sockets)?;
    Ok(0)
}

/// # Safety
/// `p` is NULL or a socket handle.
unsafe fn optional<'a>(p: *mut c_void) -> ZResult<Option<&'a mut crate::socket::Socket>> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { handles::socket(p) }.map(Some)
    }
}

/// # Safety
/// `frontend`, `backend` socket handles, `capture` NULL or one; none used by
/// another thread while the proxy runs.
#[no_mangle]
pub unsafe extern "C" fn zmq_proxy(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
) -> c_int {
    // SAFETY: forwarded contract.
    guard_int(|| unsafe { run(frontend, backend, capture, std::ptr::null_mut()) })
}

/// # Safety
/// As zmq_proxy; `control` NULL or a socket handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_proxy_steerable(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> c_int {
    // SAFETY: forwarded contract.
    guard_int(|| unsafe { run(frontend, backend, capture, control) })
}

/// zmq_proxy(frontend, backend, NULL) for every device type, as libzmq
/// (which ignores the type).
///
/// # Safety
/// As zmq_proxy.
#[no_mangle]
pub unsafe extern "C" fn zmq_device(
    _type: c_int,
    frontend: *mut c_void,
    backend: *mut c_void,
) -> c_int {
    // SAFETY: forwarded contract.
    guard_int(|| unsafe {
        run(
            frontend,
            backend,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    })
}
