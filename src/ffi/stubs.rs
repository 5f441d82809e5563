//! Functions exported so every libzmq client loads, but not implemented yet:
//! they fail with ENOTSUP (listed as "not yet" in the README).

use super::guard_int;
use crate::errno::Errno;
use libc::{c_int, c_void};

/// # Safety
/// Never dereferences its arguments.
#[no_mangle]
pub unsafe extern "C" fn zmq_proxy(
    _frontend: *mut c_void,
    _backend: *mut c_void,
    _capture: *mut c_void,
) -> c_int {
    guard_int(|| Err(Errno::ENOTSUP))
}

/// # Safety
/// Never dereferences its arguments.
#[no_mangle]
pub unsafe extern "C" fn zmq_proxy_steerable(
    _frontend: *mut c_void,
    _backend: *mut c_void,
    _capture: *mut c_void,
    _control: *mut c_void,
) -> c_int {
    guard_int(|| Err(Errno::ENOTSUP))
}

/// # Safety
/// Never dereferences its arguments.
#[no_mangle]
pub unsafe extern "C" fn zmq_device(
    _type: c_int,
    _frontend: *mut c_void,
    _backend: *mut c_void,
) -> c_int {
    guard_int(|| Err(Errno::ENOTSUP))
}
