//! Functions exported so every libzmq client loads, but not implemented yet:
//! they fail with ENOTSUP (listed as "not yet" in the README).

use super::guard_int;
use crate::errno::Errno;
use libc::{c_char, c_int};

/// # Safety
/// Never dereferences its arguments.
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_keypair(
    _z85_public_key: *mut c_char,
    _z85_secret_key: *mut c_char,
) -> c_int {
    guard_int(|| Err(Errno::ENOTSUP))
}

/// # Safety
/// Never dereferences its arguments.
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_public(
    _z85_public_key: *mut c_char,
    _z85_secret_key: *const c_char,
) -> c_int {
    guard_int(|| Err(Errno::ENOTSUP))
}
