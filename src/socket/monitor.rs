//! zmq_socket_monitor and zmq_socket_monitor_versioned: events about a
//! socket's connections, sent on an inproc socket (PAIR, or PUB/PUSH for v2)
//! the monitored socket owns. Events come from the application thread (bind)
//! and from I/O threads (connections), so the monitor socket lives behind a
//! mutex; a cheap atomic mask keeps unmonitored sockets lock-free.
//!
//! Wire formats:
//! - v1: [u16 event, u32 value] then the endpoint; only libzmq's events.
//! - v2: u64 event, u64 value count, one u64 frame per value, the local
//!   endpoint, the remote endpoint. Rampart's reason-coded events (ids from
//!   bit 32 up, see rampart.h) exist only here.

use super::Socket;
use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// libzmq's events: all a v1 monitor can ever see.
const V1_EVENTS: u64 = 0xFFFF;

/// One event, as the emitter knows it. `local`/`remote` are the two ends
/// (either may be empty); v1 monitors get the one that names the endpoint
/// the application used (`v1_endpoint`).
pub struct Event<'a> {
    pub id: u64,
    pub values: &'a [u64],
    pub local: &'a str,
    pub remote: &'a str,
    /// Which of the two v1 reports: the bound side for listeners and
    /// accepted connections, the connect address otherwise.
    pub v1_local: bool,
}

struct Monitor {
    socket: Socket,
    version: u8,
}

/// The monitoring half kept in `SocketShared`.
#[derive(Default)]
pub struct MonitorSlot {
    mask: AtomicU64,
    monitor: Mutex<Option<Monitor>>,
}

impl MonitorSlot {
    /// Whether any of `events` is monitored (no lock taken).
    pub fn wants(&self, events: u64) -> bool {
        self.mask.load(Ordering::Relaxed) & events != 0
    }

    /// Emits `ev` if it is monitored. Never blocks: a monitor that does not
    /// keep up loses events, as in libzmq.
    pub fn emit(&self, ev: &Event) {
        if !self.wants(ev.id) {
            return;
        }
        let mut guard = self.monitor.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = guard.as_mut() {
            send_event(m, ev);
        }
    }

    /// A libzmq event with one value about a bound `endpoint` (listener
    /// events; sessions send both ends through `emit`).
    pub fn event(&self, event: i32, value: u32, endpoint: &str) {
        self.emit(&Event {
            id: event as u32 as u64,
            values: &[value as u64],
            local: endpoint,
            remote: "",
            v1_local: true,
        });
    }

    /// Starts monitoring with the socket `s` (already bound).
    fn start(&self, socket: Socket, events: u64, version: u8) {
        let old = {
            let mut guard = self.monitor.lock().unwrap_or_else(|e| e.into_inner());
            let old = guard.replace(Monitor { socket, version });
            let mask = if version == 1 {
                events & V1_EVENTS
            } else {
                events
            };
            self.mask.store(mask, Ordering::Relaxed);
            old
        };
        if let Some(old) = old {
            old.socket.close();
        }
    }

    /// Stops monitoring: MONITOR_STOPPED goes out if asked for, then the
    /// monitor socket closes.
    pub fn stop(&self) {
        let old = {
            let mut guard = self.monitor.lock().unwrap_or_else(|e| e.into_inner());
            let mask = self.mask.swap(0, Ordering::Relaxed);
            let mut old = guard.take();
            if let Some(m) = old.as_mut() {
                if mask & ZMQ_EVENT_MONITOR_STOPPED as u64 != 0 {
                    let ev = Event {
                        id: ZMQ_EVENT_MONITOR_STOPPED as u64,
                        values: &[0],
                        local: "",
                        remote: "",
                        v1_local: true,
                    };
                    send_event(m, &ev);
                }
            }
            old
        };
        if let Some(m) = old {
            m.socket.close();
        }
    }

    /// Whether a monitor is running (zmq_socket_monitor_pipes_stats).
    pub fn active(&self) -> bool {
        self.monitor
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }
}

fn send_event(m: &mut Monitor, ev: &Event) {
    let s = &mut m.socket;
    let mut frames: Vec<Msg> = Vec::with_capacity(4 + ev.values.len());
    if m.version == 1 {
        let mut head = [0u8; 6];
        head[..2].copy_from_slice(&(ev.id as u16).to_ne_bytes());
        let value = ev.values.first().copied().unwrap_or(0) as u32;
        head[2..].copy_from_slice(&value.to_ne_bytes());
        frames.push(Msg::from_slice(&head));
        let endpoint = if ev.v1_local { ev.local } else { ev.remote };
        frames.push(Msg::from_slice(endpoint.as_bytes()));
    } else {
        frames.push(Msg::from_slice(&ev.id.to_ne_bytes()));
        frames.push(Msg::from_slice(&(ev.values.len() as u64).to_ne_bytes()));
        for v in ev.values {
            frames.push(Msg::from_slice(&v.to_ne_bytes()));
        }
        frames.push(Msg::from_slice(ev.local.as_bytes()));
        frames.push(Msg::from_slice(ev.remote.as_bytes()));
    }
    // All or nothing: a monitor pipe with room takes the whole message
    // (multipart atomicity); a full one loses the event.
    let last = frames.len() - 1;
    for (i, mut f) in frames.into_iter().enumerate() {
        let flags = if i < last {
            ZMQ_SNDMORE | ZMQ_DONTWAIT
        } else {
            ZMQ_DONTWAIT
        };
        if s.send(&mut f, flags).is_err() {
            return;
        }
    }
}

/// An event about the peers of `endpoint`: the local end when the socket
/// bound it, else the remote one.
pub(super) fn peer_event<'a>(
    endpoints: &[super::EndpointRecord],
    id: u64,
    values: &'a [u64],
    endpoint: &'a str,
) -> Event<'a> {
    let bound = endpoints
        .iter()
        .any(|r| r.bound && (r.given == endpoint || r.resolved == endpoint));
    let (local, remote) = if bound {
        (endpoint, "")
    } else {
        ("", endpoint)
    };
    Event {
        id,
        values,
        local,
        remote,
        v1_local: bound,
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

impl Socket {
    /// zmq_socket_monitor(_versioned): `None` stops monitoring.
    pub fn monitor(
        &mut self,
        addr: Option<&str>,
        events: u64,
        version: i32,
        socket_type: i32,
    ) -> ZResult<()> {
        self.check_alive()?;
        if version != 1 && version != 2 {
            return Err(Errno::EINVAL);
        }
        let allowed = if version == 1 {
            socket_type == ZMQ_PAIR
        } else {
            matches!(socket_type, ZMQ_PAIR | ZMQ_PUB | ZMQ_PUSH)
        };
        if !allowed {
            return Err(Errno::EINVAL);
        }
        let Some(addr) = addr else {
            self.shared.monitor.stop();
            return Ok(());
        };
        check_endpoint(addr)?;
        let id = self.ctx.new_socket_id()?;
        let mut mon = Socket::new(self.ctx.clone(), socket_type, id)?;
        mon.opts.linger = 0;
        self.ctx.register_socket(mon.shared.clone())?;
        if let Err(e) = mon.bind(addr) {
            mon.close();
            return Err(e);
        }
        self.shared.monitor.stop();
        self.shared.monitor.start(mon, events, version as u8);
        Ok(())
    }

    /// zmq_socket_monitor_pipes_stats: one PIPES_STATS event per peer with
    /// its queue depths (messages out, messages in). EINVAL without a
    /// monitor, as libzmq.
    pub fn monitor_pipes_stats(&mut self) -> ZResult<()> {
        self.check_alive()?;
        if !self.shared.monitor.active() {
            return Err(Errno::EINVAL);
        }
        self.process_commands();
        let monitor = &self.shared.monitor;
        if !monitor.wants(ZMQ_EVENT_PIPES_STATS as u64) {
            return Ok(());
        }
        let endpoints = &self.endpoints;
        for (_, p) in self.pipes.iter_mut() {
            let values = [p.end.out.queued_now().0, p.end.inp.queued().0];
            monitor.emit(&peer_event(
                endpoints,
                ZMQ_EVENT_PIPES_STATS as u64,
                &values,
                &p.endpoint,
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert!(check_endpoint("inproc://m").is_ok());
        assert_eq!(check_endpoint("tcp://x:1"), Err(Errno::EPROTONOSUPPORT));
        assert_eq!(check_endpoint("inproc"), Err(Errno::EINVAL));
    }
}
