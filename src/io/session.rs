//! A session: one peer of a socket as seen from an I/O thread. It owns the
//! live connection (stream + ZMTP state) and the engine's end of the pipe,
//! and for connecting sockets it reconnects with backoff, keeping the pipe
//! (and the messages queued in it) across connections; after an ERROR from
//! the peer during the handshake (refused credentials) it gives up, as
//! libzmq does.
//!
//! Every step drains until the kernel says WouldBlock (mio is
//! edge-triggered), or stops early when the inbound pipe is full, in which
//! case the pipe's Writable event resumes it.

use super::codec::{Codec, Raw};
use super::inbound_budget::{self, InboundShare};
use super::stream::Stream;
use super::zap::{ZapLink, ZapRead};
use super::IoShared;
use crate::consts::{
    ZMQ_EVENT_CLOSED, ZMQ_EVENT_CONNECTED, ZMQ_EVENT_CONNECT_DELAYED, ZMQ_EVENT_CONNECT_RETRIED,
    ZMQ_EVENT_DISCONNECTED, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ZMQ_NULL,
    ZMQ_RAMPART_EVENT_BUDGET_EXCEEDED, ZMQ_RAMPART_EVENT_CONNECTION_REJECTED,
    ZMQ_RAMPART_EVENT_HANDSHAKE_TIMEOUT, ZMQ_RAMPART_EVENT_MSG_TOO_LARGE,
};
use crate::msg::{Metadata, Msg};
use crate::pipe::{pipe_pair, Limits, Notify, PipeEnd, Read, Room};
use crate::socket::monitor::Event;
use crate::socket::options::{c_str, Options};
use crate::socket::pipes::introduction;
use crate::socket::stats::SharedStats;
use crate::socket::{SocketCmd, SocketShared};
use crate::transport::{self, Endpoint};
use crate::zmtp;
use mio::{Registry, Token};
use std::io::IoSlice;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Stop pulling from the pipe when this much output is waiting for the
/// kernel: enough to batch thousands of small messages per write, small
/// enough that large messages leave the pipe (and its HWM) one at a time.
const OUT_BATCH: usize = 64 * 1024;

/// Reads per step before a busy connection lets the others on its I/O
/// thread have a turn (the reactor drives it again right after).
const MAX_READS_PER_STEP: usize = 64;

/// Why a connection ended. The detail is what reason-coded monitor events
/// will report; today only the kind of ending matters.
#[derive(Debug)]
#[allow(dead_code)]
pub enum EndReason {
    Eof,
    Io(std::io::Error),
    Protocol(zmtp::Error),
    ConnectFailed,
    ConnectTimeout,
    /// Made room for a newcomer at a connection cap.
    Displaced,
    /// The socket gave up on this peer for stalling (stalled-peer eviction).
    Evicted,
    /// The SOCKS5 proxy refused or broke the negotiation.
    Socks(transport::socks5::Error),
    /// A STREAM socket hung up on this peer ([routing id, empty]).
    HungUp,
}

pub enum Origin {
    /// Accepted by the listener with this key.
    Accepted { listener: u64 },
    /// Created by zmq_connect.
    Connect { endpoint: Endpoint },
}

struct Conn {
    stream: Stream,
    codec: Codec,
    /// TCP connect still in progress.
    connecting: bool,
    connect_deadline: Option<Instant>,
    peer_address: String,
    handshaken: bool,
    /// ZMQ_SOCKS_PROXY negotiation still in progress (ZMTP waits for it).
    socks: Option<transport::socks5::Client>,
    /// A ZAP request in flight.
    zap: Option<ZapLink>,
}

impl Conn {
    fn fd(&self) -> u32 {
        self.stream.fd() as u32
    }
}

pub struct Session {
    pub key: u64,
    pub socket: Arc<SocketShared>,
    opts: Arc<Options>,
    pub origin: Origin,
    /// Endpoint string pipes are attached under (for unbind/disconnect).
    endpoint: String,
    pipe: Option<PipeEnd>,
    conn: Option<Conn>,
    /// Frame decoded but not yet accepted by a full pipe.
    pending_in: Option<Msg>,
    /// The connection died while a message was half sent: drop its rest.
    skip_out: bool,
    out_mid_message: bool,
    reconnect_at: Option<Instant>,
    reconnect_ivl: Duration,
    /// The socket is gone: flush until this deadline (None = forever).
    closing: Option<Option<Instant>>,
    /// Registered key for pipe notifications.
    io: Arc<IoShared>,
    /// A handshake completed before on this session's pipe.
    connected_before: bool,
    /// CONNECT_ROUTING_ID for pipes this session makes once connected.
    pub connect_routing_id: Option<Vec<u8>>,
    /// The earliest timer entry the reactor holds for us.
    pub scheduled: Option<Instant>,
    /// When bytes last moved either way (admission picks the idlest).
    pub last_active: Instant,
    /// A handshake completed since the reactor last asked.
    handshake_news: bool,
    /// This connection's part in the socket's inbound budget.
    inbound: InboundShare,
    /// Reading paused for the inbound budget until then.
    read_retry_at: Option<Instant>,
    /// Input was left unread to be fair to other connections.
    more_input: bool,
    /// The connection's end that `endpoint` doesn't name (the peer's
    /// address when accepted, ours when connecting), kept for monitor
    /// events after the connection is gone.
    other_end: String,
}

impl Session {
    #[allow(clippy::too_many_arguments)]
    pub fn accepted(
        key: u64,
        socket: Arc<SocketShared>,
        opts: Arc<Options>,
        listener: u64,
        endpoint: String,
        stream: Stream,
        peer_address: String,
        io: Arc<IoShared>,
        now: Instant,
    ) -> Session {
        let mut s = Session::new(
            key,
            socket,
            opts,
            Origin::Accepted { listener },
            endpoint,
            None,
            io,
        );
        s.other_end = stream.end_uri(false);
        s.conn = Some(s.new_conn(stream, false, peer_address, now));
        s
    }

    #[allow(clippy::too_many_arguments)]
    pub fn connecting(
        key: u64,
        socket: Arc<SocketShared>,
        opts: Arc<Options>,
        endpoint: Endpoint,
        addr: String,
        pipe: Option<PipeEnd>,
        io: Arc<IoShared>,
        now: Instant,
    ) -> Session {
        let mut s = Session::new(
            key,
            socket,
            opts,
            Origin::Connect { endpoint },
            addr,
            pipe,
            io,
        );
        if let Some(p) = &s.pipe {
            p.set_notify(Some(Notify {
                target: s.io.clone(),
                key,
            }));
        }
        s.reconnect_at = Some(now);
        s
    }

    fn new(
        key: u64,
        socket: Arc<SocketShared>,
        opts: Arc<Options>,
        origin: Origin,
        endpoint: String,
        pipe: Option<PipeEnd>,
        io: Arc<IoShared>,
    ) -> Session {
        let ivl = Duration::from_millis(opts.reconnect_ivl.max(0) as u64);
        Session {
            key,
            socket,
            opts,
            origin,
            endpoint,
            pipe,
            conn: None,
            pending_in: None,
            skip_out: false,
            out_mid_message: false,
            reconnect_at: None,
            reconnect_ivl: ivl,
            closing: None,
            io,
            connected_before: false,
            connect_routing_id: None,
            scheduled: None,
            last_active: Instant::now(),
            handshake_news: false,
            other_end: String::new(),
            inbound: InboundShare::default(),
            read_retry_at: None,
            more_input: false,
        }
    }

    /// Whether input was left unread (drive again soon: no readiness edge
    /// will come for it).
    pub fn take_more_input(&mut self) -> bool {
        std::mem::take(&mut self.more_input)
    }

    /// Whether a handshake completed since the last call.
    pub fn take_handshake_news(&mut self) -> bool {
        std::mem::take(&mut self.handshake_news)
    }

    /// The listener displaced this connection to admit another at a cap:
    /// it ends like any dropped connection, plus the reason-coded event.
    pub fn displace(&mut self, reg: &Registry, kind: u64, cap: u64, now: Instant) {
        SharedStats::bump(&self.socket.stats.rejected_by_cap);
        self.emit(ZMQ_RAMPART_EVENT_CONNECTION_REJECTED, &[kind, cap]);
        self.connection_ended(reg, EndReason::Displaced, now);
    }

    fn zmtp_config(&self) -> zmtp::Config {
        let o = &self.opts;
        let ms = |v: i32| (v > 0).then(|| Duration::from_millis(v as u64));
        let max_msg = o.max_msg_size_limit();
        zmtp::Config {
            socket_type: o.socket_type,
            routing_id: o.routing_id.clone(),
            security: self.opts.security(),
            max_msg_size: max_msg,
            handshake_frame_cap: o.handshake_frame_cap.or(max_msg).unwrap_or(u64::MAX),
            metadata: o.metadata.clone(),
            // Legacy peers have no security handshake: NULL only (libzmq).
            accept_legacy: o.accept_legacy && o.mechanism == ZMQ_NULL,
            strict_ping: o.strict_ping,
            handshake_ivl: ms(o.handshake_ivl),
            heartbeat_ivl: ms(o.heartbeat_ivl),
            heartbeat_ttl: ms(o.heartbeat_ttl),
            heartbeat_timeout: if o.heartbeat_timeout < 0 {
                ms(o.heartbeat_ivl)
            } else {
                ms(o.heartbeat_timeout)
            },
        }
    }

    fn new_conn(
        &self,
        stream: Stream,
        connecting: bool,
        peer_address: String,
        now: Instant,
    ) -> Conn {
        let connect_deadline = (connecting && self.opts.connect_timeout > 0)
            .then(|| now + Duration::from_millis(self.opts.connect_timeout as u64));
        Conn {
            stream,
            codec: if self.opts.raw_socket {
                Codec::Raw(Raw::new())
            } else {
                Codec::Zmtp(Box::new(zmtp::Connection::new(self.zmtp_config(), now)))
            },
            connecting,
            connect_deadline,
            peer_address,
            handshaken: false,
            socks: None,
            zap: None,
        }
    }

    pub fn register(&mut self, reg: &Registry) -> std::io::Result<()> {
        if let Some(c) = &mut self.conn {
            c.stream.register(reg, Token(self.key as usize))?;
        }
        Ok(())
    }

    /// The earliest time `on_timer` has work to do.
    pub fn deadline(&self) -> Option<Instant> {
        let mut d = self.reconnect_at;
        let mut take = |t: Option<Instant>| {
            if let Some(t) = t {
                d = Some(d.map_or(t, |d: Instant| d.min(t)));
            }
        };
        take(self.read_retry_at);
        if let Some(c) = &self.conn {
            take(c.codec.next_deadline());
            take(c.connect_deadline);
        }
        if let Some(Some(t)) = self.closing {
            take(Some(t));
        }
        d
    }

    /// The socket closed: flush within `linger` ms, then end.
    pub fn close_after(&mut self, linger: i32, now: Instant) {
        let deadline = (linger >= 0).then(|| now + Duration::from_millis(linger as u64));
        self.closing = Some(match self.closing {
            Some(Some(old)) => Some(deadline.map_or(old, |d| d.min(old))),
            _ => deadline,
        });
    }

    /// Runs whatever can run. Returns false when the session is over.
    pub fn drive(&mut self, reg: &Registry, now: Instant) -> bool {
        if let Some(r) = self.step(now) {
            self.connection_ended(reg, r, now);
        }
        if self.evicted() && matches!(self.origin, Origin::Connect { .. }) {
            self.restart_after_eviction(reg, now);
        }
        self.alive(now)
    }

    /// The socket evicted this session's pipe as a stalled peer.
    fn evicted(&self) -> bool {
        self.closing.is_none() && self.pipe.as_ref().is_some_and(|p| p.inp.is_aborted())
    }

    /// A connecting session outlives an eviction: like libzmq after any lost
    /// connection, it drops the connection (without flushing what the peer
    /// never took), reconnects, and the socket gets a fresh pipe.
    fn restart_after_eviction(&mut self, reg: &Registry, now: Instant) {
        if self.conn.is_some() {
            self.connection_ended(reg, EndReason::Evicted, now);
        }
        if let Some(mut p) = self.pipe.take() {
            p.close();
        }
        self.skip_out = false;
        self.out_mid_message = false;
    }

    pub fn on_timer(&mut self, reg: &Registry, now: Instant) -> bool {
        if self.read_retry_at.is_some_and(|t| t <= now) {
            self.read_retry_at = None; // drive() below reads again
        }
        if self.reconnect_at.is_some_and(|t| t <= now) {
            self.reconnect_at = None;
            self.start_connect(reg, now);
        }
        let mut ended = None;
        if let Some(c) = &mut self.conn {
            if c.connecting && c.connect_deadline.is_some_and(|t| t <= now) {
                ended = Some(EndReason::ConnectTimeout);
            } else if let Err(e) = c.codec.handle_timeout(now) {
                ended = Some(EndReason::Protocol(e));
            }
        }
        if let Some(r) = ended {
            // Let an ERROR or PING queued by the protocol go out first.
            let _ = self.write_out();
            self.connection_ended(reg, r, now);
        }
        self.drive(reg, now)
    }

    fn alive(&mut self, now: Instant) -> bool {
        if self.closing.is_none() {
            // The socket dropped this pipe (disconnect, a refused peer):
            // flush what it left within its linger, then end.
            let dropped = self.pipe.as_mut().is_some_and(|p| p.out.is_closed());
            if dropped {
                let linger = if self.evicted() { 0 } else { self.opts.linger };
                self.close_after(linger, now);
            }
        }
        let Some(deadline) = self.closing else {
            return true;
        };
        if deadline.is_some_and(|t| t <= now) || self.opts.linger == 0 && deadline.is_none() {
            return false;
        }
        // Done once everything the socket left has gone out.
        let drained = match &mut self.pipe {
            Some(p) => p.inp.is_finished(),
            None => true,
        };
        let out_empty = self.conn.as_ref().is_none_or(|c| c.codec.out_len() == 0);
        if drained && out_empty {
            return false;
        }
        // Nothing to flush through: a session that never connected with
        // nothing queued, or an accepted one still in its handshake.
        if self.conn.as_ref().is_none_or(|c| !c.handshaken) && drained {
            return false;
        }
        if matches!(self.origin, Origin::Accepted { .. }) && self.conn.is_none() {
            return false;
        }
        true
    }

    fn start_connect(&mut self, reg: &Registry, now: Instant) {
        let Origin::Connect { endpoint } = &self.origin else {
            return;
        };
        let topts = self.opts.tcp_options();
        let mut socks = None;
        // The fd of a socket opened for an attempt that failed at once.
        let mut failed_fd = None;
        let attempt = match endpoint {
            // Through a SOCKS5 proxy: connect to it; the endpoint's host
            // is the proxy's to resolve.
            Endpoint::Tcp(a) if !self.opts.socks_proxy.is_empty() => socks_start(a, &self.opts)
                .and_then(|(client, proxy)| {
                    socks = Some(client);
                    transport::resolve_connect(&proxy, &topts)
                })
                .and_then(|(src, dst)| transport::tcp_connect(src, dst, &topts))
                .map(|s| (Stream::Tcp(s), true)),
            Endpoint::Tcp(a) => transport::resolve_connect(a, &topts)
                .and_then(|(src, dst)| transport::tcp_connect(src, dst, &topts))
                .map(|s| (Stream::Tcp(s), true)),
            Endpoint::Ipc(a) => transport::ipc_connect_reporting(a)
                .map(|s| (Stream::Unix(s), false))
                .map_err(|(e, fd)| {
                    failed_fd = fd;
                    e
                }),
            Endpoint::Inproc(_) => return,
        };
        match attempt {
            Ok((stream, connecting)) => {
                let peer = match &stream {
                    // A unix connect completes at once: its peer is known now.
                    Stream::Unix(s) => transport::ipc_peer_address(s),
                    Stream::Tcp(_) => String::new(),
                };
                let mut c = self.new_conn(stream, connecting, peer, now);
                c.socks = socks;
                if c.stream.register(reg, Token(self.key as usize)).is_err() {
                    self.schedule_reconnect(now);
                    return;
                }
                let fd = c.fd();
                self.conn = Some(c);
                let ev = if connecting {
                    // The kernel is still connecting (libzmq reports EINPROGRESS).
                    (ZMQ_EVENT_CONNECT_DELAYED, libc::EINPROGRESS as u32)
                } else {
                    (ZMQ_EVENT_CONNECTED, fd)
                };
                self.event(ev.0, ev.1);
            }
            Err(_) => {
                if let Some(fd) = failed_fd {
                    // As libzmq: the socket it opened is closed again.
                    self.event(ZMQ_EVENT_CLOSED, fd as u32);
                }
                self.schedule_reconnect(now)
            }
        }
    }

    fn schedule_reconnect(&mut self, now: Instant) {
        if self.opts.reconnect_ivl < 0 {
            // Reconnection disabled: the session is over.
            self.reconnect_at = None;
            self.closing = Some(Some(now));
            return;
        }
        // A lingering session keeps reconnecting: its queue may still flush.
        let base = Duration::from_millis(self.opts.reconnect_ivl as u64);
        let wait: Duration = if self.opts.reconnect_ivl_max > 0 {
            // Exponential backoff up to the maximum.
            let w = self.reconnect_ivl;
            let max = Duration::from_millis(self.opts.reconnect_ivl_max as u64);
            self.reconnect_ivl = (w * 2).min(max.max(base));
            w
        } else {
            // Fixed interval plus jitter, so peers don't reconnect in lockstep.
            base + jitter(base)
        };
        self.reconnect_at = Some(now + wait);
        self.event(ZMQ_EVENT_CONNECT_RETRIED, wait.as_millis() as u32);
    }

    /// Reports a libzmq monitor event about this session's endpoint.
    fn event(&self, event: i32, value: u32) {
        self.emit(event as u32 as u64, &[value as u64]);
    }

    /// The peer's end of an accepted connection (for the listener's events).
    pub fn remote_end(&self) -> &str {
        &self.other_end
    }

    /// Reports an event with its values; v2 monitors get both ends of the
    /// connection, v1 monitors the endpoint the application named.
    fn emit(&self, id: u64, values: &[u64]) {
        let monitor = &self.socket.monitor;
        if !monitor.wants(id) {
            return;
        }
        let accepted = matches!(self.origin, Origin::Accepted { .. });
        let other = self.other_end.as_str();
        let (local, remote) = if accepted {
            (self.endpoint.as_str(), other)
        } else {
            (other, self.endpoint.as_str())
        };
        monitor.emit(&Event {
            id,
            values,
            local,
            remote,
            v1_local: accepted,
        });
    }

    /// One round of I/O; Some(reason) when the connection ended.
    fn step(&mut self, now: Instant) -> Option<EndReason> {
        let c = self.conn.as_mut()?;
        if c.connecting {
            match c.stream.connect_result() {
                Ok(true) => {
                    c.connecting = false;
                    c.connect_deadline = None;
                    if c.socks.is_none() {
                        self.connected();
                    }
                }
                Ok(false) => return None,
                Err(_) => return Some(EndReason::ConnectFailed),
            }
        }
        if self.conn.as_ref().is_some_and(|c| c.socks.is_some()) {
            match self.socks_step() {
                Ok(true) => self.connected(),
                Ok(false) => return None,
                Err(r) => return Some(r),
            }
        }
        if let Err(r) = self.pump_in(now) {
            let _ = self.write_out();
            return Some(r);
        }
        let unsent = self.conn.as_ref().map_or(0, |c| c.codec.out_len());
        let pumped = self.pump_out();
        if self
            .conn
            .as_ref()
            .is_some_and(|c| c.codec.out_len() < unsent)
        {
            self.last_active = now;
        }
        if let Err(r) = pumped {
            return Some(r);
        }
        if self.conn.as_ref().is_some_and(|c| c.codec.close_due()) {
            // A STREAM socket hung up on this peer.
            return Some(EndReason::HungUp);
        }
        None
    }

    /// The connection is up (through the proxy, if any): tune it and say so.
    fn connected(&mut self) {
        let Some(c) = self.conn.as_mut() else { return };
        match &c.stream {
            Stream::Tcp(s) => {
                let _ = transport::tune_tcp_stream(s, &self.opts.tcp_options());
                c.peer_address = transport::tcp_peer_address(s);
            }
            Stream::Unix(s) => c.peer_address = transport::ipc_peer_address(s),
        }
        let fd = c.fd();
        self.other_end = c.stream.end_uri(true);
        self.event(ZMQ_EVENT_CONNECTED, fd);
    }

    /// Moves the SOCKS5 negotiation on as far as the socket allows: true
    /// once the tunnel is open. Reads only what the reply still needs, so
    /// ZMTP bytes behind it stay for the codec.
    fn socks_step(&mut self) -> Result<bool, EndReason> {
        let Some(c) = self.conn.as_mut() else {
            return Ok(false);
        };
        let Some(sc) = c.socks.as_mut() else {
            return Ok(true);
        };
        // Every turn moves at least one byte of a negotiation that is at
        // most about 1 KiB each way, so this bound is never the one hit.
        for _ in 0..4096 {
            let out = sc.output();
            if !out.is_empty() {
                match c.stream.write_vectored(&[IoSlice::new(out)]) {
                    Ok(0) => return Err(EndReason::Eof),
                    Ok(n) => sc.consumed(n),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(false),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(EndReason::Io(e)),
                }
                continue;
            }
            if sc.is_done() {
                c.socks = None;
                return Ok(true);
            }
            let mut buf = [0u8; 262];
            let want = sc.wants().min(buf.len());
            match c.stream.read(&mut buf[..want]) {
                Ok(0) => return Err(EndReason::Eof),
                Ok(n) => sc.feed(&buf[..n]).map_err(EndReason::Socks)?,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(EndReason::Io(e)),
            }
        }
        Err(EndReason::Socks(transport::socks5::Error::Unexpected))
    }

    fn pump_in(&mut self, now: Instant) -> Result<(), EndReason> {
        let mut reads = 0;
        loop {
            if !self.deliver(now)? {
                break; // pipe full: resume on its Writable event
            }
            // What arrived is the reader's now, not when the kernel runs dry
            // (a fast peer would otherwise fill the whole pipe first).
            self.flush_in();
            if reads == MAX_READS_PER_STEP {
                // Others on this thread get their turn; the reactor comes back.
                self.more_input = true;
                break;
            }
            reads += 1;
            if !self.budget_allows_read(now) {
                break; // over the inbound budget: look again at read_retry_at
            }
            let Some(c) = self.conn.as_mut() else { break };
            let buf = c.codec.read_buf();
            if buf.is_empty() {
                break;
            }
            match c.stream.read(buf) {
                Ok(0) => {
                    self.deliver(now)?;
                    self.flush_in();
                    return Err(EndReason::Eof);
                }
                Ok(n) => {
                    self.last_active = now;
                    c.codec.commit_read(n, now).map_err(EndReason::Protocol)?
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    self.deliver(now)?;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(EndReason::Io(e)),
            }
        }
        self.flush_in();
        self.report_inbound();
        Ok(())
    }

    /// What this connection holds for its socket and it has not read: the
    /// frame being decoded, a message waiting for room, the inbound pipe
    /// (only under a budget: it costs two atomic loads per read); and
    /// whether a frame or message is partly received. Reported to the
    /// socket's inbound accounting.
    fn report_inbound(&mut self) -> (u64, bool) {
        let decoding = self
            .conn
            .as_ref()
            .map_or(0, |c| c.codec.buffered_in() as u64);
        let mut held = decoding;
        let mut in_progress = decoding > 0;
        if self.opts.socket_budget > 0 {
            if let Some(m) = &self.pending_in {
                held += m.len() as u64;
                in_progress |= m.more();
            }
            if let Some(p) = &mut self.pipe {
                let (unread, in_message) = p.out.unread();
                held += unread;
                in_progress |= in_message;
            }
        }
        self.inbound.update(&self.socket.stats, held);
        (held, in_progress)
    }

    /// Whether the inbound budget lets us read more now; if not, a retry
    /// is scheduled (no readiness edge will come for bytes we leave unread).
    fn budget_allows_read(&mut self, now: Instant) -> bool {
        let (held, in_progress) = self.report_inbound();
        let budget = self.opts.socket_budget;
        if self
            .inbound
            .may_read(&self.socket.stats, self.key, held, in_progress, budget)
        {
            self.read_retry_at = None;
            return true;
        }
        if self.read_retry_at.is_none() {
            let held_all = self.socket.stats.inbound_held.load(Ordering::Relaxed);
            self.emit(ZMQ_RAMPART_EVENT_BUDGET_EXCEEDED, &[budget, held_all]);
        }
        self.read_retry_at = Some(now + inbound_budget::RETRY);
        false
    }

    fn flush_in(&mut self) {
        if let Some(p) = &mut self.pipe {
            p.out.flush();
        }
    }

    /// Moves decoded events into the pipe. Ok(false) when the pipe is full.
    fn deliver(&mut self, now: Instant) -> Result<bool, EndReason> {
        loop {
            if let Some(m) = self.pending_in.take() {
                if !self.push_in(m) {
                    return Ok(false);
                }
            }
            let Some(c) = self.conn.as_mut() else {
                return Ok(true);
            };
            if let Some(link) = &mut c.zap {
                match link.read() {
                    ZapRead::Waiting => {}
                    ZapRead::Reply(frames) => {
                        c.zap = None;
                        c.codec
                            .zap_reply(Some(&frames))
                            .map_err(EndReason::Protocol)?;
                    }
                    // The handler went away without answering: as libzmq,
                    // the handshake waits on (HANDSHAKE_IVL ends it). A
                    // retry would find no handler and go on unauthenticated.
                    ZapRead::Closed => c.zap = None,
                }
            }
            match c.codec.poll_event(now).map_err(EndReason::Protocol)? {
                None => return Ok(true),
                Some(zmtp::Event::HandshakeDone(info)) => self.handshake_done(*info),
                Some(zmtp::Event::ZapRequest(req)) => self.send_zap_request(*req)?,
                Some(zmtp::Event::Message(m)) => {
                    if !self.push_in(m) {
                        return Ok(false);
                    }
                }
            }
        }
    }

    /// Hands a ZAP request to the handler bound at inproc://zeromq.zap.01
    /// (the reply is read by `deliver` when its pipe wakes us), or answers
    /// "no handler" at once.
    fn send_zap_request(&mut self, mut req: zmtp::mechanism::ZapRequest) -> Result<(), EndReason> {
        let Some(c) = self.conn.as_mut() else {
            return Ok(());
        };
        req.address = c.peer_address.as_bytes().to_vec();
        let notify = Notify {
            target: self.io.clone(),
            key: self.key,
        };
        match ZapLink::send(&self.socket, &req, notify) {
            Some(link) => c.zap = Some(link),
            None => c.codec.zap_reply(None).map_err(EndReason::Protocol)?,
        }
        Ok(())
    }

    fn push_in(&mut self, m: Msg) -> bool {
        let Some(p) = &mut self.pipe else {
            return true; // nowhere to go (socket gone): discard
        };
        match p.out.room() {
            Room::Yes => {
                p.out.write(m);
                true
            }
            Room::Full => {
                self.pending_in = Some(m);
                false
            }
            Room::Closed => true,
        }
    }

    fn handshake_done(&mut self, info: zmtp::PeerInfo) {
        let Some(c) = self.conn.as_mut() else { return };
        c.handshaken = true;
        self.handshake_news = true;
        SharedStats::bump(&self.socket.stats.peers);
        self.event(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);
        let Some(c) = self.conn.as_mut() else { return };
        // As libzmq: Peer-Address, then what ZAP said (User-Id, metadata),
        // then the peer's own properties, the first of a name winning, so a
        // peer cannot claim a User-Id of its choosing.
        let mut meta = Metadata::new();
        meta.set("Peer-Address", c.peer_address.as_bytes());
        // The fd behind the deprecated ZMQ_SRCFD, as libzmq keeps it.
        meta.set("__fd", c.fd().to_string().as_bytes());
        for (k, v) in info.zap_metadata.iter().chain(info.metadata.iter()) {
            if meta.get(k).is_none() {
                meta.set(k, v);
            }
        }
        let intro = introduction(&info.routing_id, Some(Arc::new(meta)));
        self.reconnect_ivl = Duration::from_millis(self.opts.reconnect_ivl.max(0) as u64);
        if self.pipe.is_none() {
            if self.closing.is_some() {
                return;
            }
            // Accepted (or IMMEDIATE) connections get their pipe now.
            let o = &self.opts;
            let (mine, theirs) = pipe_pair(
                Limits {
                    hwm: o.rcvhwm as u64,
                    byte_cap: o.pipe_byte_cap,
                    conflate: o.conflate,
                },
                Limits {
                    hwm: o.sndhwm as u64,
                    byte_cap: o.pipe_byte_cap,
                    conflate: false,
                },
            );
            mine.set_notify(Some(Notify {
                target: self.io.clone(),
                key: self.key,
            }));
            self.socket
                .mailbox
                .send(SocketCmd::Attach(Box::new(crate::socket::Attach {
                    end: theirs,
                    endpoint: self.endpoint.clone(),
                    routing_id: self.connect_routing_id.clone(),
                    inproc_hwms: None,
                })));
            self.pipe = Some(mine);
        }
        let stream = self.is_stream();
        if let Some(p) = &mut self.pipe {
            p.out.write(intro);
            if stream {
                // STREAM's connect notification: an empty frame (data
                // frames never are); the socket drops it if NOTIFY is off.
                p.out.write(Msg::new());
            }
            p.out.flush();
            if self.connected_before {
                p.out.signal_reader(crate::pipe::PipeEvent::Hiccup);
            }
        }
        self.connected_before = true;
    }

    /// Encodes queued messages and writes until the kernel pushes back
    /// (then a writable event resumes us) or the pipe runs dry (then its
    /// Readable event does: reading it empty is what arms that event).
    fn pump_out(&mut self) -> Result<(), EndReason> {
        loop {
            let Some(c) = self.conn.as_mut() else {
                return Ok(());
            };
            let mut dry = true;
            if c.handshaken {
                if let Some(p) = &mut self.pipe {
                    dry = false;
                    while c.codec.out_len() < OUT_BATCH {
                        match p.inp.read() {
                            Read::Msg(m) => {
                                if self.skip_out {
                                    self.skip_out = m.more();
                                    continue;
                                }
                                self.out_mid_message = m.more();
                                c.codec.send(&m).map_err(EndReason::Protocol)?;
                            }
                            Read::Empty | Read::Closed => {
                                dry = true;
                                break;
                            }
                        }
                    }
                }
            }
            if !self.write_out()? || dry {
                return Ok(());
            }
        }
    }

    /// Writes pending output. Ok(true) when all of it went out.
    fn write_out(&mut self) -> Result<bool, EndReason> {
        let Some(c) = self.conn.as_mut() else {
            return Ok(true);
        };
        // Nothing of ZMTP goes to a SOCKS proxy before it opened the tunnel.
        if c.connecting || c.socks.is_some() {
            return Ok(false);
        }
        loop {
            let mut slices = [IoSlice::new(&[]); 64];
            let n = c.codec.out_slices(&mut slices);
            if n == 0 {
                return Ok(true);
            }
            match c.stream.write_vectored(&slices[..n]) {
                Ok(0) => return Err(EndReason::Eof),
                Ok(k) => c.codec.consume_out(k),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(EndReason::Io(e)),
            }
        }
    }

    /// STREAM, or a ROUTER with ROUTER_RAW: raw peers, with connect and
    /// disconnect notifications (libzmq's raw_notify is on for both).
    fn is_stream(&self) -> bool {
        self.opts.raw_socket
    }

    /// The connection is gone: keep the pipe (connect) or give it up (accepted).
    fn connection_ended(&mut self, reg: &Registry, reason: EndReason, now: Instant) {
        // An ERROR during the handshake (refused credentials, a socket type
        // the peer rejects) is final: the peer must not come back with the
        // same credentials (RFC 23), and libzmq does not reconnect. Other
        // protocol errors are retried (test_reconnect.c).
        let give_up = self
            .conn
            .as_ref()
            .is_some_and(|c| !c.handshaken && !c.connecting)
            && matches!(&reason, EndReason::Protocol(zmtp::Error::PeerError(_)));
        let hung_up = matches!(reason, EndReason::HungUp);
        let mut was_up = false;
        if let Some(mut c) = self.conn.take() {
            c.stream.deregister(reg);
            let fd = c.fd();
            was_up = c.handshaken;
            if c.connecting || c.socks.is_some() {
                // Never established (or the proxy never opened the
                // tunnel): only the socket is gone.
                self.event(ZMQ_EVENT_CLOSED, fd);
            } else {
                self.report_end(&reason, c.handshaken);
                if !c.handshaken {
                    if let Some((ev, value)) = handshake_failure(&reason, self.opts.mechanism) {
                        self.event(ev, value);
                    }
                }
                if !hung_up {
                    // As libzmq: a STREAM hanging up ends the connection
                    // without a DISCONNECTED event.
                    self.event(ZMQ_EVENT_DISCONNECTED, fd);
                }
            }
        }
        // A message half received never reaches the socket.
        self.pending_in = None;
        self.inbound.release(&self.socket.stats, self.key);
        self.read_retry_at = None;
        let notify_stream = was_up && !hung_up && self.is_stream();
        if let Some(p) = &mut self.pipe {
            p.out.rollback();
            if notify_stream {
                // STREAM's disconnect notification (one per connection,
                // past the HWM so it is never lost).
                p.out.write(Msg::new());
            }
            p.out.flush();
        }
        if self.out_mid_message {
            self.skip_out = true;
            self.out_mid_message = false;
        }
        match self.origin {
            Origin::Accepted { .. } => {
                if let Some(mut p) = self.pipe.take() {
                    p.close();
                }
                self.closing = Some(Some(now));
            }
            Origin::Connect { .. } if hung_up => {
                // The socket is done with this peer (libzmq ends the
                // session): no reconnect.
                if let Some(mut p) = self.pipe.take() {
                    p.close();
                }
                self.reconnect_at = None;
                self.closing = Some(Some(now));
            }
            Origin::Connect { .. } => {
                if give_up || self.opts.pipe_per_connection() {
                    if let Some(mut p) = self.pipe.take() {
                        p.close();
                    }
                }
                if give_up {
                    self.reconnect_at = None;
                    self.closing = Some(Some(now));
                } else {
                    self.schedule_reconnect(now);
                }
            }
        }
    }

    /// Counters and reason-coded events for a connection that ended.
    fn report_end(&self, reason: &EndReason, handshaken: bool) {
        let stats = &self.socket.stats;
        if handshaken {
            stats.peer_left();
        } else {
            SharedStats::bump(&stats.handshake_failures);
        }
        let EndReason::Protocol(e) = reason else {
            return;
        };
        match e {
            zmtp::Error::MessageTooLarge { declared } => {
                SharedStats::bump(&stats.oversize);
                let limit = self.opts.max_msg_size_limit().unwrap_or(u64::MAX);
                self.emit(ZMQ_RAMPART_EVENT_MSG_TOO_LARGE, &[*declared, limit]);
            }
            zmtp::Error::HandshakeFrameTooLarge { declared } => {
                SharedStats::bump(&stats.oversize);
                let o = &self.opts;
                let limit = o
                    .handshake_frame_cap
                    .or(o.max_msg_size_limit())
                    .unwrap_or(u64::MAX);
                self.emit(ZMQ_RAMPART_EVENT_MSG_TOO_LARGE, &[*declared, limit]);
            }
            zmtp::Error::HandshakeTimeout => {
                SharedStats::bump(&stats.handshake_timeouts);
                let ivl = self.opts.handshake_ivl.max(0) as u64;
                self.emit(ZMQ_RAMPART_EVENT_HANDSHAKE_TIMEOUT, &[ivl]);
            }
            _ => {}
        }
    }

    /// Ends the session for good.
    pub fn terminate(&mut self, reg: &Registry) {
        self.inbound.release(&self.socket.stats, self.key);
        if let Some(mut c) = self.conn.take() {
            if c.handshaken {
                self.socket.stats.peer_left();
            }
            c.stream.deregister(reg);
        }
        if let Some(mut p) = self.pipe.take() {
            p.close();
        }
    }
}

/// The event libzmq reports for a connection that ended in its handshake,
/// if any. Protocol errors are reported where libzmq signals them (the
/// mechanism named in the greeting, unexpected or malformed commands); a
/// NULL handshake whose READY is unreadable or names an unacceptable peer
/// (socket type, identity, properties), an undecodable or oversized frame,
/// and an ERROR from the peer end with DISCONNECTED alone, as in libzmq.
/// Timeouts and I/O errors are NO_DETAIL with their errno. ZAP: a refusal
/// is AUTH with its status code, no handler is NO_DETAIL with EFAULT, a bad
/// reply is PROTOCOL with its ZAP code.
fn handshake_failure(reason: &EndReason, mechanism: i32) -> Option<(i32, u32)> {
    use zmtp::Error as E;
    let no_detail = |errno: i32| Some((ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, errno as u32));
    match reason {
        EndReason::Protocol(E::HandshakeTimeout) => no_detail(libc::ETIMEDOUT),
        // ZAP required and no handler bound.
        EndReason::Protocol(E::ZapUnavailable) => no_detail(libc::EFAULT),
        EndReason::Protocol(E::AuthFailed(code)) => Some((ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, *code)),
        // A ZAP status code as the reason is an authentication failure.
        EndReason::Protocol(e @ E::PeerError(_)) => e
            .auth_status_code()
            .map(|code| (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, code)),
        EndReason::Protocol(
            E::BadGreeting
            | E::MalformedFrame
            | E::HandshakeFrameTooLarge { .. }
            | E::MessageTooLarge { .. },
        ) => None,
        EndReason::Protocol(
            E::SocketTypeMismatch
            | E::InvalidIdentity
            | E::InvalidMetadata
            | E::MalformedCommand { command: "READY" },
        ) if mechanism == ZMQ_NULL => None,
        // NULL takes only READY and ERROR: any other command, however
        // malformed, is unexpected.
        EndReason::Protocol(E::MalformedCommand { command: "command" })
            if mechanism == ZMQ_NULL =>
        {
            Some((
                ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                zmtp::protocol_error::ZMTP_UNEXPECTED_COMMAND,
            ))
        }
        EndReason::Protocol(e) => e
            .protocol_error_code()
            .map(|code| (ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, code)),
        EndReason::Io(e) => no_detail(e.raw_os_error().unwrap_or(libc::EIO)),
        // The peer closed: libzmq reads that as EPIPE.
        EndReason::Eof => no_detail(libc::EPIPE),
        _ => no_detail(0),
    }
}

/// A pseudo-random delay in [0, max) for reconnect jitter.
fn jitter(max: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let ms = max.as_millis() as u64;
    if ms == 0 {
        return Duration::ZERO;
    }
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(ms);
    Duration::from_millis(h.finish() % ms)
}

/// The SOCKS5 client for `a` and the proxy to connect to
/// (ZMQ_SOCKS_PROXY is `host:port`, optionally `source;host:port`).
fn socks_start(
    a: &transport::TcpAddr,
    o: &Options,
) -> crate::errno::ZResult<(transport::socks5::Client, transport::TcpAddr)> {
    use crate::errno::Errno;
    let proxy = match transport::parse(&format!("tcp://{}", c_str(&o.socks_proxy)))? {
        Endpoint::Tcp(p) => p,
        _ => return Err(Errno::EINVAL),
    };
    let target = transport::socks5::Target::from_host(&a.addr.host);
    let creds = Some((o.socks_username.as_slice(), o.socks_password.as_slice()));
    let client = transport::socks5::Client::new(&target, a.addr.port.number(), creds)
        .map_err(|_| Errno::EINVAL)?;
    Ok((client, proxy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::ZMQ_PLAIN;
    use zmtp::protocol_error::*;
    use zmtp::Error as E;

    fn failure(e: E, mechanism: i32) -> Option<(i32, u32)> {
        handshake_failure(&EndReason::Protocol(e), mechanism)
    }

    #[test]
    fn handshake_failures_as_libzmq_reports_them() {
        const PROTO: i32 = ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
        const NO_DETAIL: i32 = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
        let unexpected = Some((PROTO, ZMTP_UNEXPECTED_COMMAND));
        assert_eq!(failure(E::UnexpectedCommand, ZMQ_NULL), unexpected);
        let bad_name = E::MalformedCommand { command: "command" };
        assert_eq!(failure(bad_name, ZMQ_NULL), unexpected);
        let bad_error = E::MalformedCommand { command: "ERROR" };
        assert_eq!(
            failure(bad_error, ZMQ_NULL),
            Some((PROTO, ZMTP_MALFORMED_COMMAND_ERROR))
        );
        assert_eq!(
            failure(E::MechanismMismatch, ZMQ_NULL),
            Some((PROTO, ZMTP_MECHANISM_MISMATCH))
        );
        // NULL: a READY libzmq cannot use ends with DISCONNECTED alone...
        assert_eq!(failure(E::SocketTypeMismatch, ZMQ_NULL), None);
        let bad_ready = E::MalformedCommand { command: "READY" };
        assert_eq!(failure(bad_ready.clone(), ZMQ_NULL), None);
        // ...while PLAIN and CURVE report its metadata.
        assert_eq!(
            failure(E::SocketTypeMismatch, ZMQ_PLAIN),
            Some((PROTO, ZMTP_INVALID_METADATA))
        );
        assert_eq!(
            failure(bad_ready, ZMQ_PLAIN),
            Some((PROTO, ZMTP_MALFORMED_COMMAND_READY))
        );
        assert_eq!(failure(E::MalformedFrame, ZMQ_NULL), None);
        assert_eq!(failure(E::MessageTooLarge { declared: 9 }, ZMQ_NULL), None);
        assert_eq!(failure(E::PeerError("bye".into()), ZMQ_NULL), None);
        assert_eq!(
            failure(E::PeerError("400".into()), ZMQ_NULL),
            Some((ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400))
        );
        // ZAP: our handler's refusal, no handler, a bad reply.
        assert_eq!(
            failure(E::AuthFailed(300), ZMQ_PLAIN),
            Some((ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 300))
        );
        assert_eq!(
            failure(E::ZapUnavailable, ZMQ_PLAIN),
            Some((NO_DETAIL, libc::EFAULT as u32))
        );
        let bad_zap = E::ZapProtocol {
            code: ZAP_INVALID_STATUS_CODE,
        };
        assert_eq!(
            failure(bad_zap, ZMQ_PLAIN),
            Some((PROTO, ZAP_INVALID_STATUS_CODE))
        );
        let timeout = Some((NO_DETAIL, libc::ETIMEDOUT as u32));
        assert_eq!(failure(E::HandshakeTimeout, ZMQ_NULL), timeout);
        let eof = Some((NO_DETAIL, libc::EPIPE as u32));
        assert_eq!(handshake_failure(&EndReason::Eof, ZMQ_NULL), eof);
        let reset = std::io::Error::from_raw_os_error(libc::ECONNRESET);
        assert_eq!(
            handshake_failure(&EndReason::Io(reset), ZMQ_NULL),
            Some((NO_DETAIL, libc::ECONNRESET as u32))
        );
    }
}
