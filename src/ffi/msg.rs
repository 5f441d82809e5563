//! zmq_msg_*: messages live inside the caller's 64-byte zmq_msg_t, with a
//! tag after the message so an uninitialised or closed one gives EFAULT.

use super::{guard_int, guard_ptr, set_errno};
use crate::consts::{ZMQ_MORE, ZMQ_SHARED, ZMQ_SRCFD};
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use libc::{c_char, c_int, c_void, size_t};
use std::ffi::CStr;
use std::mem::{align_of, size_of, MaybeUninit};

/// libzmq's opaque message: 64 bytes, pointer-aligned.
#[repr(C, align(8))]
pub struct zmq_msg_t {
    _d: [u8; 64],
}

/// Our view of a zmq_msg_t.
#[repr(C)]
struct Slot {
    msg: MaybeUninit<Msg>,
    tag: u32,
}

const MSG_TAG: u32 = 0x4d53_4721; // "MSG!"

const _: () = assert!(size_of::<Slot>() <= size_of::<zmq_msg_t>());
const _: () = assert!(align_of::<Slot>() <= align_of::<zmq_msg_t>());
const _: () = assert!(size_of::<zmq_msg_t>() == 64);

/// Initialises `p` with `m`.
///
/// # Safety
/// `p` must be NULL or valid for writes of 64 bytes.
pub(crate) unsafe fn put(p: *mut zmq_msg_t, m: Msg) -> ZResult<()> {
    if p.is_null() {
        return Err(Errno::EFAULT);
    }
    let slot = p.cast::<Slot>();
    // SAFETY: p is valid for 64 bytes and aligned (zmq_msg_t's alignment).
    unsafe {
        (*slot).msg = MaybeUninit::new(m);
        (*slot).tag = MSG_TAG;
    }
    Ok(())
}

/// The initialised message in `p`, or EFAULT.
///
/// # Safety
/// `p` must be NULL or valid for reads and writes of 64 bytes.
pub(crate) unsafe fn get<'a>(p: *mut zmq_msg_t) -> ZResult<&'a mut Msg> {
    if p.is_null() {
        return Err(Errno::EFAULT);
    }
    let slot = p.cast::<Slot>();
    // SAFETY: as above; the tag says msg was initialised by `put`.
    unsafe {
        if (*slot).tag != MSG_TAG {
            return Err(Errno::EFAULT);
        }
        Ok((*slot).msg.assume_init_mut())
    }
}

/// Takes the message out, leaving `p` uninitialised.
///
/// # Safety
/// As for `get`.
pub(crate) unsafe fn take(p: *mut zmq_msg_t) -> ZResult<Msg> {
    // SAFETY: forwarded contract.
    unsafe { get(p) }?;
    let slot = p.cast::<Slot>();
    // SAFETY: initialised (checked); the tag is cleared so it is read once.
    unsafe {
        (*slot).tag = 0;
        Ok((*slot).msg.assume_init_read())
    }
}

/// Replaces the message in an initialised `p`.
///
/// # Safety
/// As for `get`.
pub(crate) unsafe fn replace(p: *mut zmq_msg_t, m: Msg) -> ZResult<()> {
    // SAFETY: forwarded contract.
    *unsafe { get(p) }? = m;
    Ok(())
}

/// # Safety
/// `msg` must be NULL or valid for 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init(msg: *mut zmq_msg_t) -> c_int {
    // SAFETY: forwarded contract.
    guard_int(|| unsafe { put(msg, Msg::new()) }.map(|_| 0))
}

/// # Safety
/// `msg` must be NULL or valid for 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_size(msg: *mut zmq_msg_t, size: size_t) -> c_int {
    guard_int(|| {
        let m = Msg::try_with_size(size).ok_or(Errno::ENOMEM)?;
        // SAFETY: forwarded contract.
        unsafe { put(msg, m) }.map(|_| 0)
    })
}

/// libzmq's `zmq_free_fn`.
pub type FreeFn = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

/// # Safety
/// `msg` must be NULL or valid for 64 bytes; `data` valid for `size` bytes
/// until `ffn` is called.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_data(
    msg: *mut zmq_msg_t,
    data: *mut c_void,
    size: size_t,
    ffn: Option<FreeFn>,
    hint: *mut c_void,
) -> c_int {
    guard_int(|| {
        if data.is_null() && size > 0 {
            return Err(Errno::EINVAL);
        }
        // SAFETY: the caller's contract (zmq_msg_init_data(3)).
        let m = unsafe { Msg::from_user(data.cast(), size, ffn, hint) };
        // SAFETY: forwarded contract.
        unsafe { put(msg, m) }.map(|_| 0)
    })
}

/// # Safety
/// `msg` must be NULL or valid for 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_close(msg: *mut zmq_msg_t) -> c_int {
    // SAFETY: forwarded contract.
    guard_int(|| unsafe { take(msg) }.map(|_| 0))
}

/// # Safety
/// Both must be NULL or valid for 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_move(dest: *mut zmq_msg_t, src: *mut zmq_msg_t) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        unsafe {
            get(dest)?;
            let m = std::mem::take(get(src)?);
            replace(dest, m)?;
        }
        Ok(0)
    })
}

/// # Safety
/// Both must be NULL or valid for 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_copy(dest: *mut zmq_msg_t, src: *mut zmq_msg_t) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        unsafe {
            get(dest)?;
            let m = get(src)?.share();
            replace(dest, m)?;
        }
        Ok(0)
    })
}

/// # Safety
/// `msg` must be NULL or valid for 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_data(msg: *mut zmq_msg_t) -> *mut c_void {
    // SAFETY: forwarded contract.
    guard_ptr(|| unsafe { get(msg) }.map(|m| m.data_ptr().cast()))
}

/// # Safety
/// `msg` must be NULL or valid for 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_size(msg: *const zmq_msg_t) -> size_t {
    // SAFETY: forwarded contract.
    match unsafe { get(msg.cast_mut()) } {
        Ok(m) => m.len(),
        Err(Errno(e)) => {
            set_errno(e);
            0
        }
    }
}

/// # Safety
/// `msg` must be NULL or valid for 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_more(msg: *const zmq_msg_t) -> c_int {
    // SAFETY: forwarded contract.
    guard_int(|| unsafe { get(msg.cast_mut()) }.map(|m| m.more() as c_int))
}

/// # Safety
/// `msg` must be NULL or valid for 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_get(msg: *const zmq_msg_t, property: c_int) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let m = unsafe { get(msg.cast_mut()) }?;
        match property {
            ZMQ_MORE => Ok(m.more() as c_int),
            // The fd the message arrived on, kept in the connection's
            // properties as libzmq does (EINVAL for a local message).
            ZMQ_SRCFD => m
                .metadata()
                .and_then(|meta| meta.get("__fd"))
                .and_then(|v| std::str::from_utf8(v).ok()?.parse::<c_int>().ok())
                .ok_or(Errno::EINVAL),
            ZMQ_SHARED => Ok(m.is_shared() as c_int),
            _ => Err(Errno::EINVAL),
        }
    })
}

/// # Safety
/// `msg` must be NULL or valid for 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set(
    msg: *mut zmq_msg_t,
    _property: c_int,
    _optval: c_int,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        unsafe { get(msg) }?;
        // libzmq has no settable properties.
        Err(Errno::EINVAL)
    })
}

/// # Safety
/// `msg` must be NULL or valid for 64 bytes; `property` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_gets(
    msg: *const zmq_msg_t,
    property: *const c_char,
) -> *const c_char {
    guard_ptr(|| {
        // SAFETY: forwarded contract.
        let m = unsafe { get(msg.cast_mut()) }?;
        if property.is_null() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: a NUL-terminated string per the contract.
        let name = unsafe { CStr::from_ptr(property) }
            .to_str()
            .map_err(|_| Errno::EINVAL)?;
        let meta = m.metadata().ok_or(Errno::EINVAL)?;
        // The value keeps its trailing NUL and lives as long as the message.
        let v = meta.get_c(name).ok_or(Errno::EINVAL)?;
        Ok(v.as_ptr().cast::<c_char>().cast_mut())
    })
    .cast_const()
}
