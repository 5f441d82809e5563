//! zmq_socket, zmq_close, options, endpoints, and every send/recv flavour.

use super::handles;
use super::msg::{self as m, zmq_msg_t};
use super::{guard_int, guard_ptr};
use crate::consts::{ZMQ_EVENTS, ZMQ_FD, ZMQ_PAIR, ZMQ_RCVMORE, ZMQ_THREAD_SAFE};
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use crate::socket::options::{self, OptValue};
use crate::socket::Socket;
use libc::{c_char, c_int, c_void, iovec, size_t};
use std::ffi::CStr;

/// # Safety
/// `context` must be NULL or a context handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_socket(context: *mut c_void, type_: c_int) -> *mut c_void {
    guard_ptr(|| {
        // SAFETY: forwarded contract.
        let h = unsafe { handles::ctx(context) }?;
        let id = h.ctx.new_socket_id()?;
        let sock = Socket::new(h.ctx.clone(), type_, id)?;
        h.ctx.register_socket(sock.shared.clone())?;
        Ok(handles::new_socket(sock))
    })
}

/// # Safety
/// `s` must be NULL or a socket handle not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn zmq_close(s: *mut c_void) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let h = unsafe { handles::claim_socket(s) }?;
        h.sock.close();
        Ok(0)
    })
}

/// The caller's `len` bytes at `buf` (NULL is fine when `len` is 0).
///
/// # Safety
/// `buf` must be valid for reads of `len` bytes for the lifetime chosen.
unsafe fn bytes<'a>(buf: *const c_void, len: size_t, null_err: Errno) -> ZResult<&'a [u8]> {
    if len == 0 {
        Ok(&[])
    } else if buf.is_null() {
        Err(null_err)
    } else {
        // SAFETY: forwarded contract.
        Ok(unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) })
    }
}

unsafe fn sock<'a>(s: *mut c_void) -> ZResult<&'a mut Socket> {
    // SAFETY: forwarded contract of every caller below.
    unsafe { handles::socket(s) }
}

/// # Safety
/// `s` a socket handle; `optval` valid for `optvallen` bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_setsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: size_t,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let sock = unsafe { sock(s) }?;
        if optvallen == 0 && !optval.is_null() && options::empty_value_needs_null(option) {
            return Err(Errno::EINVAL);
        }
        // SAFETY: the caller says optval holds optvallen bytes.
        let val = unsafe { bytes(optval, optvallen, Errno::EINVAL) }?;
        sock.setsockopt(option, val)?;
        Ok(0)
    })
}

/// # Safety
/// `s` a socket handle; `optval` valid for `*optvallen` bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_getsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut size_t,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let sock = unsafe { sock(s) }?;
        if optvallen.is_null() {
            return Err(Errno::EFAULT);
        }
        let v = sock.getsockopt(option)?;
        // SAFETY: checked non-null.
        let cap = unsafe { *optvallen };
        let bytes: Vec<u8> = match &v {
            OptValue::Int(i) => i.to_ne_bytes().to_vec(),
            OptValue::I64(i) => i.to_ne_bytes().to_vec(),
            OptValue::U64(i) => i.to_ne_bytes().to_vec(),
            OptValue::Bin(b) => b.clone(),
            OptValue::CurveKey(k) => match cap {
                32 => k.to_vec(),
                41 => {
                    let mut text = crate::util::z85::encode(k)?.into_bytes();
                    text.push(0);
                    text
                }
                _ => return Err(Errno::EINVAL),
            },
            OptValue::Str(s) => {
                let mut b = s.as_bytes().to_vec();
                b.push(0);
                b
            }
        };
        // Numbers want exactly their size, as libzmq checks; RCVMORE, FD,
        // EVENTS and THREAD_SAFE (read by older bindings with larger
        // buffers) take more, like strings and binary values.
        let exact = matches!(v, OptValue::Int(_) | OptValue::I64(_) | OptValue::U64(_))
            && !matches!(option, ZMQ_RCVMORE | ZMQ_FD | ZMQ_EVENTS | ZMQ_THREAD_SAFE);
        if cap < bytes.len() || (exact && cap != bytes.len()) {
            return Err(Errno::EINVAL);
        }
        if optval.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: optval holds cap >= bytes.len() bytes. Like libzmq, the
        // rest of a larger buffer is zeroed (an int read into an int64
        // must come out as that int).
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), optval.cast::<u8>(), bytes.len());
            std::ptr::write_bytes(optval.cast::<u8>().add(bytes.len()), 0, cap - bytes.len());
            *optvallen = bytes.len();
        }
        Ok(0)
    })
}

unsafe fn endpoint<'a>(addr: *const c_char) -> ZResult<&'a str> {
    if addr.is_null() {
        return Err(Errno::EINVAL);
    }
    // SAFETY: a C string per the caller's contract.
    unsafe { CStr::from_ptr(addr) }
        .to_str()
        .map_err(|_| Errno::EINVAL)
}

/// # Safety
/// `s` a socket handle; `addr` a C string.
#[no_mangle]
pub unsafe extern "C" fn zmq_bind(s: *mut c_void, addr: *const c_char) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let (sock, a) = unsafe { (sock(s)?, endpoint(addr)?) };
        sock.bind(a).map(|_| 0)
    })
}

/// # Safety
/// `s` a socket handle; `addr` a C string.
#[no_mangle]
pub unsafe extern "C" fn zmq_connect(s: *mut c_void, addr: *const c_char) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let (sock, a) = unsafe { (sock(s)?, endpoint(addr)?) };
        sock.connect(a).map(|_| 0)
    })
}

/// # Safety
/// `s` a socket handle; `addr` a C string.
#[no_mangle]
pub unsafe extern "C" fn zmq_unbind(s: *mut c_void, addr: *const c_char) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let (sock, a) = unsafe { (sock(s)?, endpoint(addr)?) };
        sock.term_endpoint(a, true).map(|_| 0)
    })
}

/// # Safety
/// `s` a socket handle; `addr` a C string.
#[no_mangle]
pub unsafe extern "C" fn zmq_disconnect(s: *mut c_void, addr: *const c_char) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let (sock, a) = unsafe { (sock(s)?, endpoint(addr)?) };
        sock.term_endpoint(a, false).map(|_| 0)
    })
}

fn clamp(n: usize) -> c_int {
    n.min(c_int::MAX as usize) as c_int
}

/// # Safety
/// `s` a socket handle; `buf` valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_send(
    s: *mut c_void,
    buf: *const c_void,
    len: size_t,
    flags: c_int,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let sock = unsafe { sock(s) }?;
        // SAFETY: the caller says buf holds len bytes.
        let data = unsafe { bytes(buf, len, Errno::EFAULT) }?;
        let mut msg = Msg::from_slice(data);
        sock.send(&mut msg, flags)?;
        Ok(clamp(len))
    })
}

/// # Safety
/// `s` a socket handle; `buf` valid for `len` bytes for as long as any
/// message may reference it (the zmq_send_const contract: forever).
#[no_mangle]
pub unsafe extern "C" fn zmq_send_const(
    s: *mut c_void,
    buf: *const c_void,
    len: size_t,
    flags: c_int,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let sock = unsafe { sock(s) }?;
        // SAFETY: constant data outlives every message (the API's contract).
        let data: &'static [u8] = unsafe { bytes(buf, len, Errno::EFAULT) }?;
        let mut msg = Msg::from_static(data);
        sock.send(&mut msg, flags)?;
        Ok(clamp(len))
    })
}

/// # Safety
/// `s` a socket handle; `buf` valid for writes of `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_recv(
    s: *mut c_void,
    buf: *mut c_void,
    len: size_t,
    flags: c_int,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let sock = unsafe { sock(s) }?;
        if buf.is_null() && len > 0 {
            return Err(Errno::EFAULT);
        }
        let msg = sock.recv(flags)?;
        let n = msg.len().min(len);
        if n > 0 {
            // SAFETY: buf holds len >= n bytes.
            unsafe { std::ptr::copy_nonoverlapping(msg.data().as_ptr(), buf.cast::<u8>(), n) };
        }
        Ok(clamp(msg.len()))
    })
}

/// # Safety
/// `msg` an initialised zmq_msg_t; `s` a socket handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_send(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let (sock, mm) = unsafe { (sock(s)?, m::get(msg)?) };
        let len = mm.len();
        let mut out = std::mem::take(mm);
        match sock.send(&mut out, flags) {
            Ok(()) => Ok(clamp(len)),
            Err(e) => {
                // Not sent: the caller keeps the message.
                *mm = out;
                Err(e)
            }
        }
    })
}

/// # Safety
/// `msg` an initialised zmq_msg_t; `s` a socket handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_recv(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let (sock, mm) = unsafe { (sock(s)?, m::get(msg)?) };
        let got = sock.recv_frame(flags, true)?;
        let len = got.len();
        *mm = got;
        Ok(clamp(len))
    })
}

/// # Safety
/// As zmq_msg_send.
#[no_mangle]
pub unsafe extern "C" fn zmq_sendmsg(s: *mut c_void, msg: *mut zmq_msg_t, flags: c_int) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { zmq_msg_send(msg, s, flags) }
}

/// # Safety
/// As zmq_msg_recv.
#[no_mangle]
pub unsafe extern "C" fn zmq_recvmsg(s: *mut c_void, msg: *mut zmq_msg_t, flags: c_int) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { zmq_msg_recv(msg, s, flags) }
}

/// # Safety
/// `s` a socket handle; `a` valid for `count` iovecs.
#[no_mangle]
pub unsafe extern "C" fn zmq_sendiov(
    s: *mut c_void,
    a: *mut iovec,
    count: size_t,
    flags: c_int,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let sock = unsafe { sock(s) }?;
        if count == 0 || a.is_null() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: the caller says `a` holds `count` iovecs.
        let iovs = unsafe { std::slice::from_raw_parts(a, count) };
        let mut rc = 0;
        for (i, v) in iovs.iter().enumerate() {
            // SAFETY: each iovec describes readable memory.
            let data = unsafe { bytes(v.iov_base, v.iov_len, Errno::EFAULT) }?;
            let mut msg = Msg::from_slice(data);
            // The caller's flags on every frame, but the last never has SNDMORE.
            let f = if i + 1 < count {
                flags
            } else {
                flags & !crate::consts::ZMQ_SNDMORE
            };
            sock.send(&mut msg, f)?;
            rc = clamp(v.iov_len);
        }
        Ok(rc)
    })
}

/// # Safety
/// `s` a socket handle; `a` valid for `*count` iovecs; the buffers this
/// fills are malloc'ed and belong to the caller (free(3) them).
#[no_mangle]
pub unsafe extern "C" fn zmq_recviov(
    s: *mut c_void,
    a: *mut iovec,
    count: *mut size_t,
    flags: c_int,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let sock = unsafe { sock(s) }?;
        if count.is_null() || a.is_null() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: checked non-null.
        let max = unsafe { *count };
        if max == 0 {
            return Err(Errno::EINVAL);
        }
        let mut n = 0usize;
        while n < max {
            let msg = match sock.recv(flags) {
                Ok(m) => m,
                Err(e) => {
                    // As libzmq: -1 with errno, `*count` says how many
                    // frames were stored (and are the caller's to free).
                    // SAFETY: checked non-null.
                    unsafe { *count = n };
                    return Err(e);
                }
            };
            // SAFETY: malloc of the message size (at least 1 so it's non-NULL).
            let p = unsafe { libc::malloc(msg.len().max(1)) };
            if p.is_null() {
                return Err(Errno::ENOMEM);
            }
            // SAFETY: p holds msg.len() bytes; a holds max iovecs.
            unsafe {
                std::ptr::copy_nonoverlapping(msg.data().as_ptr(), p.cast::<u8>(), msg.len());
                (*a.add(n)).iov_base = p;
                (*a.add(n)).iov_len = msg.len();
            }
            n += 1;
            if !msg.more() {
                break;
            }
        }
        // SAFETY: checked non-null.
        unsafe { *count = n };
        // libzmq returns the number of frames received.
        Ok(clamp(n))
    })
}

/// # Safety
/// `s` a socket handle; `addr` NULL (stop) or a C string.
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor(
    s: *mut c_void,
    addr: *const c_char,
    events: c_int,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let sock = unsafe { sock(s) }?;
        let a = if addr.is_null() {
            None
        } else {
            // SAFETY: forwarded contract.
            Some(unsafe { endpoint(addr) }?)
        };
        sock.monitor(a, events as u32 as u64, 1, ZMQ_PAIR)
            .map(|_| 0)
    })
}

/// Draft API: monitor events in format `version` (1 or 2) on a `type_`
/// socket (PAIR; v2 also PUB or PUSH). v2 also carries Rampart's
/// reason-coded events (rampart.h).
///
/// # Safety
/// `s` a socket handle; `addr` NULL (stop) or a C string.
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_versioned(
    s: *mut c_void,
    addr: *const c_char,
    events: u64,
    version: c_int,
    type_: c_int,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let sock = unsafe { sock(s) }?;
        let a = if addr.is_null() {
            None
        } else {
            // SAFETY: forwarded contract.
            Some(unsafe { endpoint(addr) }?)
        };
        sock.monitor(a, events, version, type_).map(|_| 0)
    })
}

/// Draft API: one ZMQ_EVENT_PIPES_STATS event per peer on the v2 monitor.
///
/// # Safety
/// `s` a socket handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        unsafe { sock(s) }?.monitor_pipes_stats().map(|_| 0)
    })
}
