//! zmq_poll over sockets and plain file descriptors. A socket is polled
//! through its signaler fd; its real state comes from ZMQ_EVENTS.

use super::guard_int;
use super::handles;
use crate::consts::{ZMQ_POLLERR, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_POLLPRI};
use crate::errno::{Errno, ZResult};
use libc::{c_int, c_long, c_short, c_void};
use std::time::{Duration, Instant};

/// libzmq's poll item: `{void *socket; int fd; short events; short revents}`.
#[repr(C)]
pub struct zmq_pollitem_t {
    pub socket: *mut c_void,
    pub fd: c_int,
    pub events: c_short,
    pub revents: c_short,
}

const _: () = assert!(std::mem::size_of::<zmq_pollitem_t>() == 16);

fn to_sys(ev: c_short) -> c_short {
    let ev = ev as c_int;
    let mut out = 0;
    if ev & ZMQ_POLLIN != 0 {
        out |= libc::POLLIN;
    }
    if ev & ZMQ_POLLOUT != 0 {
        out |= libc::POLLOUT;
    }
    if ev & ZMQ_POLLPRI != 0 {
        out |= libc::POLLPRI;
    }
    out
}

fn from_sys(rev: c_short, wanted: c_short) -> c_short {
    let mut out = 0;
    if rev & libc::POLLIN != 0 {
        out |= ZMQ_POLLIN;
    }
    if rev & libc::POLLOUT != 0 {
        out |= ZMQ_POLLOUT;
    }
    if rev & libc::POLLPRI != 0 {
        out |= ZMQ_POLLPRI;
    }
    let out = out as c_short & wanted;
    if rev & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
        return out | ZMQ_POLLERR as c_short;
    }
    out
}

/// # Safety
/// `items` must be valid for `nitems` poll items whose sockets are handles.
#[no_mangle]
pub unsafe extern "C" fn zmq_poll(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
) -> c_int {
    guard_int(|| {
        if nitems < 0 {
            return Err(Errno::EINVAL);
        }
        if nitems == 0 {
            if timeout > 0 {
                std::thread::sleep(Duration::from_millis(timeout as u64));
            }
            return Ok(0);
        }
        if items.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: the caller says items holds nitems entries.
        let items = unsafe { std::slice::from_raw_parts_mut(items, nitems as usize) };
        poll(items, timeout)
    })
}

fn poll(items: &mut [zmq_pollitem_t], timeout: c_long) -> ZResult<c_int> {
    let mut fds = Vec::with_capacity(items.len());
    for it in items.iter() {
        if it.socket.is_null() {
            fds.push(libc::pollfd {
                fd: it.fd,
                events: to_sys(it.events),
                revents: 0,
            });
        } else {
            // SAFETY: zmq_poll's contract: a socket handle.
            let s = unsafe { handles::socket(it.socket) }?;
            fds.push(libc::pollfd {
                fd: s.mailbox().signaler().fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
    }
    let deadline = (timeout > 0).then(|| Instant::now() + Duration::from_millis(timeout as u64));
    let mut first = true;
    loop {
        // First look without sleeping: sockets may already be ready.
        let wait_ms: c_int = if first || timeout == 0 {
            0
        } else {
            match deadline {
                None => -1,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    left.as_nanos().div_ceil(1_000_000).min(c_int::MAX as u128) as c_int
                }
            }
        };
        // A socket's fd turns readable on a command only while it is armed;
        // one with a command already queued must not be slept on.
        let wait_ms = if wait_ms != 0 && !arm_sockets(items)? {
            0
        } else {
            wait_ms
        };
        // SAFETY: fds is a valid array of fds.len() pollfds.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait_ms) };
        if wait_ms != 0 {
            disarm_sockets(items)?;
        }
        if rc < 0 {
            return Err(Errno::last_os());
        }
        let mut ready = 0;
        for (it, pfd) in items.iter_mut().zip(fds.iter()) {
            it.revents = 0;
            if it.socket.is_null() {
                it.revents = from_sys(pfd.revents, it.events);
            } else {
                // SAFETY: as above.
                let s = unsafe { handles::socket(it.socket) }?;
                let ev = s.events()?;
                let mut r = 0;
                if it.events as c_int & ZMQ_POLLIN != 0 && ev & ZMQ_POLLIN != 0 {
                    r |= ZMQ_POLLIN;
                }
                if it.events as c_int & ZMQ_POLLOUT != 0 && ev & ZMQ_POLLOUT != 0 {
                    r |= ZMQ_POLLOUT;
                }
                it.revents = r as c_short;
            }
            if it.revents != 0 {
                ready += 1;
            }
        }
        if ready > 0 || timeout == 0 {
            return Ok(ready);
        }
        if !first && deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(0);
        }
        first = false;
    }
}

/// Arms every socket's mailbox for a sleeping poll; false (with all of them
/// disarmed again) when one already has a command waiting.
fn arm_sockets(items: &[zmq_pollitem_t]) -> ZResult<bool> {
    for (n, it) in items.iter().enumerate() {
        if it.socket.is_null() {
            continue;
        }
        // SAFETY: zmq_poll's contract: a socket handle (checked above).
        let s = unsafe { handles::socket(it.socket) }?;
        if !s.mailbox().arm() {
            disarm_sockets(&items[..n])?;
            return Ok(false);
        }
    }
    Ok(true)
}

fn disarm_sockets(items: &[zmq_pollitem_t]) -> ZResult<()> {
    for it in items.iter().filter(|it| !it.socket.is_null()) {
        // SAFETY: as in arm_sockets.
        unsafe { handles::socket(it.socket) }?.mailbox().disarm();
    }
    Ok(())
}
