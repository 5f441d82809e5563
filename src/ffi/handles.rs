//! Context and socket handles as C sees them: boxed objects whose first
//! field is a tag, checked on every call (EFAULT for a bad context, ENOTSOCK
//! for a bad socket, as libzmq).

use crate::ctx::CtxShared;
use crate::errno::{Errno, ZResult};
use crate::socket::Socket;
use crate::util::handle::Tag;
use libc::c_void;
use std::mem::offset_of;
use std::sync::Arc;

const CTX_MAGIC: u64 = 0x5241_4d50_4354_5801; // "RAMPCTX"
const SOCKET_MAGIC: u64 = 0x5241_4d50_534f_4b01; // "RAMPSOK"

#[repr(C)]
pub struct CtxHandle {
    tag: Tag,
    pub ctx: Arc<CtxShared>,
}

#[repr(C)]
pub struct SocketHandle {
    tag: Tag,
    pub sock: Socket,
}

const _: () = assert!(offset_of!(CtxHandle, tag) == 0);
const _: () = assert!(offset_of!(SocketHandle, tag) == 0);

pub fn new_ctx(ctx: Arc<CtxShared>) -> *mut c_void {
    Box::into_raw(Box::new(CtxHandle {
        tag: Tag::new(CTX_MAGIC),
        ctx,
    }))
    .cast()
}

pub fn new_socket(sock: Socket) -> *mut c_void {
    Box::into_raw(Box::new(SocketHandle {
        tag: Tag::new(SOCKET_MAGIC),
        sock,
    }))
    .cast()
}

fn tag_of<'a>(p: *mut c_void) -> Option<&'a Tag> {
    if p.is_null() || !p.cast::<Tag>().is_aligned() {
        return None;
    }
    // SAFETY: non-null and aligned; the caller promised a handle of ours (or
    // at least readable memory), exactly the check libzmq makes.
    Some(unsafe { &*p.cast::<Tag>().cast_const() })
}

/// The context behind `p`, or EFAULT.
///
/// # Safety
/// `p` must be NULL or point to readable memory of at least 8 bytes.
pub unsafe fn ctx<'a>(p: *mut c_void) -> ZResult<&'a CtxHandle> {
    match tag_of(p) {
        Some(t) if t.matches(CTX_MAGIC) => {
            // SAFETY: the tag proves it is a live CtxHandle.
            Ok(unsafe { &*p.cast::<CtxHandle>().cast_const() })
        }
        _ => Err(Errno::EFAULT),
    }
}

/// Takes the context back for destruction.
///
/// # Safety
/// As for `ctx`; nobody may use the handle afterwards.
pub unsafe fn claim_ctx(p: *mut c_void) -> ZResult<Box<CtxHandle>> {
    match tag_of(p) {
        Some(t) if t.retire(CTX_MAGIC) => {
            // SAFETY: the live tag proves it came from Box::into_raw.
            Ok(unsafe { Box::from_raw(p.cast::<CtxHandle>()) })
        }
        _ => Err(Errno::EFAULT),
    }
}

/// The socket behind `p`, or ENOTSOCK.
///
/// # Safety
/// `p` must be NULL or point to readable memory of at least 8 bytes; the
/// socket is used by one thread at a time (libzmq's rule).
pub unsafe fn socket<'a>(p: *mut c_void) -> ZResult<&'a mut Socket> {
    match tag_of(p) {
        Some(t) if t.matches(SOCKET_MAGIC) => {
            // SAFETY: the tag proves it is a live SocketHandle.
            Ok(unsafe { &mut (*p.cast::<SocketHandle>()).sock })
        }
        _ => Err(Errno::ENOTSOCK),
    }
}

/// Takes the socket back for closing.
///
/// # Safety
/// As for `socket`.
pub unsafe fn claim_socket(p: *mut c_void) -> ZResult<Box<SocketHandle>> {
    match tag_of(p) {
        Some(t) if t.retire(SOCKET_MAGIC) => {
            // SAFETY: the live tag proves it came from Box::into_raw.
            Ok(unsafe { Box::from_raw(p.cast::<SocketHandle>()) })
        }
        _ => Err(Errno::ENOTSOCK),
    }
}
