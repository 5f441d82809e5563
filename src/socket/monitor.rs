//! zmq_socket_monitor: events about a socket's connections, sent as
//! two-frame messages ([u16 event, u32 value], endpoint) on an inproc PAIR
//! socket the monitored socket owns. Events come from the application thread
//! (bind) and from I/O threads (connections), so the PAIR lives behind a
//! mutex; a cheap atomic mask keeps unmonitored sockets lock-free.

use super::Socket;
use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// The monitoring half kept in `SocketShared`.
#[derive(Default)]
pub struct MonitorSlot {
    mask: AtomicU32,
    socket: Mutex<Option<Socket>>,
}

impl MonitorSlot {
    /// Emits `event` if it is monitored. Never blocks: a monitor that does
    /// not keep up loses events, as in libzmq.
    pub fn event(&self, event: i32, value: u32, endpoint: &str) {
        if self.mask.load(Ordering::Relaxed) & event as u32 == 0 {
            return;
        }
        let mut guard = self.socket.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = guard.as_mut() {
            send_event(s, event, value, endpoint);
        }
    }

    /// Starts monitoring with the PAIR socket `s` (already bound).
    pub fn start(&self, s: Socket, events: i32) {
        let old = {
            let mut guard = self.socket.lock().unwrap_or_else(|e| e.into_inner());
            let old = guard.replace(s);
            self.mask.store(events as u32, Ordering::Relaxed);
            old
        };
        if let Some(old) = old {
            old.close();
        }
    }

    /// Stops monitoring: MONITOR_STOPPED goes out if asked for, then the
    /// PAIR closes.
    pub fn stop(&self) {
        let old = {
            let mut guard = self.socket.lock().unwrap_or_else(|e| e.into_inner());
            let mask = self.mask.swap(0, Ordering::Relaxed);
            let mut old = guard.take();
            if let Some(s) = old.as_mut() {
                if mask & ZMQ_EVENT_MONITOR_STOPPED as u32 != 0 {
                    send_event(s, ZMQ_EVENT_MONITOR_STOPPED, 0, "");
                }
            }
            old
        };
        if let Some(s) = old {
            s.close();
        }
    }
}

fn send_event(s: &mut Socket, event: i32, value: u32, endpoint: &str) {
    let mut head = [0u8; 6];
    head[..2].copy_from_slice(&(event as u16).to_ne_bytes());
    head[2..].copy_from_slice(&value.to_ne_bytes());
    let mut m = Msg::from_slice(&head);
    if s.send(&mut m, ZMQ_SNDMORE | ZMQ_DONTWAIT).is_ok() {
        let mut e = Msg::from_slice(endpoint.as_bytes());
        let _ = s.send(&mut e, ZMQ_DONTWAIT);
    }
}

/// Validates a monitor endpoint: only inproc, as libzmq.
pub fn check_endpoint(addr: &str) -> ZResult<()> {
    match addr.split_once("://") {
        Some(("inproc", rest)) if !rest.is_empty() => Ok(()),
        Some((_, _)) => Err(Errno::EPROTONOSUPPORT),
        None => Err(Errno::EINVAL),
    }
}
