//! The application-thread side of a socket: options, pipes, commands from
//! other threads, blocking with timeouts, ZMQ_FD/ZMQ_EVENTS, bind/connect.
//! A socket is used by one thread at a time; other threads reach it only
//! through its `SocketShared` mailbox.

mod budget;
mod dist;
mod fq;
mod lb;
pub mod monitor;
pub mod options;
pub mod pattern;
pub mod pipes;
pub mod proxy;
pub mod stats;
mod types;

use crate::consts::*;
use crate::ctx::{CtxShared, InprocPeer};
use crate::errno::{Errno, ZResult};
use crate::io::IoCmd;
use crate::mailbox::Mailbox;
use crate::msg::{Metadata, Msg};
use crate::pipe::{pipe_pair, Limits, Notify, PipeEnd, PipeEvent, Wake};
use crate::transport::{self, Endpoint};
use options::{OptValue, Options};
use pattern::Pattern;
use pipes::{introduction, Pipe, PipeId, PipeSet};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a blocked send or recv spins before it sleeps: about the time a
/// busy peer takes for a few messages, far less than a sleep and wakeup.
const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(20);

/// Commands other threads send to a socket.
pub enum SocketCmd {
    /// A pipe event (key = pipe id).
    Pipe(PipeId, PipeEvent),
    /// A new pipe: a peer connected to one of our endpoints, or (IMMEDIATE,
    /// STREAM) a connect of ours completed; `routing_id` from CONNECT_ROUTING_ID.
    Attach(Box<Attach>),
    /// The context is terminating: blocking calls return ETERM.
    Stop,
}

/// A pipe handed to a socket by another thread.
pub struct Attach {
    pub end: PipeEnd,
    /// The endpoint it belongs to (for unbind/disconnect).
    pub endpoint: String,
    /// Its CONNECT_ROUTING_ID, if any.
    pub routing_id: Option<Vec<u8>>,
    /// An inproc peer's (SNDHWM, RCVHWM).
    pub inproc_hwms: Option<(i32, i32)>,
}

/// The part of a socket other threads may hold.
pub struct SocketShared {
    pub id: u64,
    pub mailbox: Mailbox<SocketCmd>,
    pub monitor: monitor::MonitorSlot,
    pub stats: stats::SharedStats,
    /// The context, for the ZAP handler lookup its I/O threads make.
    pub ctx: std::sync::Weak<CtxShared>,
}

impl Wake for SocketShared {
    fn wake(&self, key: u64, event: PipeEvent) {
        self.mailbox.send(SocketCmd::Pipe(key, event));
    }
}

/// An endpoint this socket bound or connected, for unbind/disconnect.
struct EndpointRecord {
    /// Bound (true) or connected (false).
    bound: bool,
    /// What the caller passed.
    given: String,
    /// The resolved form (LAST_ENDPOINT), for bound endpoints.
    resolved: String,
    kind: EndpointKind,
}

enum EndpointKind {
    Inproc {
        name: String,
        bound: bool,
    },
    Io {
        thread: usize,
        key: u64,
        ipc: Option<transport::IpcBound>,
        /// A listener's fd (for its CLOSED event when the socket closes).
        listener_fd: Option<i32>,
    },
}

pub struct Socket {
    pub shared: Arc<SocketShared>,
    ctx: Arc<CtxShared>,
    pub opts: Options,
    pipes: PipeSet,
    pattern: Box<dyn Pattern>,
    scratch: VecDeque<SocketCmd>,
    rcvmore: bool,
    stopped: bool,
    last_endpoint: String,
    endpoints: Vec<EndpointRecord>,
    io_thread: usize,
    stats: stats::LocalStats,
}

impl Socket {
    pub fn new(ctx: Arc<CtxShared>, socket_type: i32, id: u64) -> ZResult<Socket> {
        let pattern = types::new_pattern(socket_type)?;
        let (defaults, blocky, ipv6) = ctx.socket_defaults();
        let mut opts = Options::new(socket_type, &defaults, blocky);
        opts.ipv6 = ipv6;
        if socket_type == ZMQ_SUB || socket_type == ZMQ_XSUB {
            // Pending subscriptions never hold up close or term (libzmq).
            opts.linger = 0;
        }
        let mailbox = Mailbox::new().map_err(|_| Errno::EMFILE)?;
        let io_thread = ctx.pick_io_thread(id);
        let stall_evict = opts.stall_evict();
        Ok(Socket {
            shared: Arc::new(SocketShared {
                id,
                mailbox,
                monitor: monitor::MonitorSlot::default(),
                stats: stats::SharedStats::default(),
                ctx: Arc::downgrade(&ctx),
            }),
            ctx,
            opts,
            pipes: PipeSet::with_stall_evict(stall_evict),
            pattern,
            scratch: VecDeque::new(),
            rcvmore: false,
            stopped: false,
            last_endpoint: String::new(),
            endpoints: Vec::new(),
            io_thread,
            stats: stats::LocalStats::default(),
        })
    }

    pub fn id(&self) -> u64 {
        self.shared.id
    }

    fn check_alive(&self) -> ZResult<()> {
        if self.stopped {
            Err(Errno::ETERM)
        } else {
            Ok(())
        }
    }

    // ---- commands -------------------------------------------------------

    /// Handles whatever other threads sent; cheap when nothing is pending.
    fn process_commands(&mut self) {
        if !self.shared.mailbox.has_pending() {
            return;
        }
        let mut cmds = std::mem::take(&mut self.scratch);
        self.shared.mailbox.drain_into(&mut cmds);
        while let Some(cmd) = cmds.pop_front() {
            match cmd {
                SocketCmd::Pipe(id, PipeEvent::Readable) => {
                    if self.pipes.contains(id) {
                        self.pattern.read_activated(&mut self.pipes, id);
                    }
                }
                SocketCmd::Pipe(id, PipeEvent::Writable) => {
                    if self.pipes.contains(id) {
                        self.pattern.write_activated(&mut self.pipes, id);
                    }
                }
                SocketCmd::Pipe(id, PipeEvent::Closed) => self.peer_closed(id),
                SocketCmd::Pipe(id, PipeEvent::Hiccup) => {
                    if self.pipes.contains(id) {
                        self.pattern.hiccuped(&mut self.pipes, id);
                    }
                }
                SocketCmd::Attach(a) => {
                    let a = *a;
                    let id = self.attach_named(a.end, a.endpoint, a.routing_id);
                    self.set_inproc_hwms(id, a.inproc_hwms);
                }
                SocketCmd::Stop => self.stopped = true,
            }
        }
        self.scratch = cmds;
        self.reap();
    }

    /// The other end of a pipe went away: keep it while it still has
    /// messages for us, then drop it.
    fn peer_closed(&mut self, id: PipeId) {
        let Some(p) = self.pipes.get(id) else { return };
        if p.end.inp.is_finished() {
            self.pipes.mark_dead(id);
        } else {
            self.pattern.read_activated(&mut self.pipes, id);
        }
    }

    /// Detaches the pipes a pattern found dead.
    /// Returns whether any pipe went (the pattern's state may have changed,
    /// e.g. a STREAM disconnect notification is ready).
    fn reap(&mut self) -> bool {
        let mut any = false;
        while let Some(id) = self.pipes.dead.pop() {
            if self.pipes.contains(id) {
                self.pattern.detach(&mut self.pipes, id);
                if let Some(mut p) = self.pipes.remove(id) {
                    p.end.close();
                }
                any = true;
            }
        }
        if any {
            self.rebalance();
        }
        any
    }

    fn attach(&mut self, end: PipeEnd, endpoint: String) -> PipeId {
        self.attach_named(end, endpoint, None)
    }

    /// Attaches a pipe; `connect_rid` is the name ZMQ_CONNECT_ROUTING_ID gave it.
    fn attach_named(
        &mut self,
        end: PipeEnd,
        endpoint: String,
        connect_rid: Option<Vec<u8>>,
    ) -> PipeId {
        let mut pipe = Pipe::new(end, endpoint);
        pipe.connect_routing_id = connect_rid;
        let id = self.pipes.insert(pipe);
        self.apply_share(id);
        self.rebalance();
        if let Some(p) = self.pipes.get(id) {
            // Events before this are caught up by the pattern's first look.
            p.end.set_notify(Some(Notify {
                target: self.shared.clone(),
                key: id,
            }));
        }
        self.pattern.attach(&mut self.pipes, id, &self.opts);
        // Its peer may have gone before we could be told (no notify yet).
        if self.pipes.get(id).is_some_and(|p| p.end.out.is_closed()) {
            self.peer_closed(id);
        }
        id
    }

    /// Sleeps until a command arrives or the deadline passes.
    fn wait(&mut self, deadline: Option<Instant>) -> ZResult<()> {
        let timeout = match deadline {
            None => None,
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return Err(Errno::EAGAIN);
                }
                Some(d - now)
            }
        };
        let mailbox = &self.shared.mailbox;
        // Spinning pays off only when the peer is another application thread;
        // an I/O thread peer may need the very CPU we would spin on.
        let spun = self.pipes.all_inproc() && mailbox.spin_for_command(SPIN_BEFORE_SLEEP);
        if !spun && mailbox.arm() {
            let woken = mailbox.signaler().wait(timeout);
            mailbox.disarm();
            woken?;
        }
        self.process_commands();
        self.check_alive()
    }

    fn deadline(timeout_ms: i32) -> Option<Instant> {
        if timeout_ms < 0 {
            None
        } else {
            Some(Instant::now() + Duration::from_millis(timeout_ms as u64))
        }
    }

    // ---- send / recv ----------------------------------------------------

    /// Runs `op` until it stops saying EAGAIN, sleeping on the mailbox in
    /// between, unless `dontwait`; `timeout_ms` < 0 waits for ever.
    fn blocking<T>(
        &mut self,
        dontwait: bool,
        timeout_ms: i32,
        mut op: impl FnMut(&mut Self) -> ZResult<T>,
    ) -> ZResult<T> {
        self.check_alive()?;
        self.process_commands();
        self.check_alive()?;
        let dontwait = dontwait || timeout_ms == 0;
        let mut deadline = None;
        loop {
            let r = op(self);
            // A pipe that went may have changed the answer: ask again.
            let reaped = self.reap();
            match r {
                Err(e) if e == Errno::EAGAIN => {}
                other => return other,
            }
            if reaped {
                continue;
            }
            if dontwait {
                return Err(Errno::EAGAIN);
            }
            let deadline = *deadline.get_or_insert_with(|| Self::deadline(timeout_ms));
            self.wait(deadline)?;
        }
    }

    pub fn send(&mut self, msg: &mut Msg, flags: i32) -> ZResult<()> {
        let more = flags & ZMQ_SNDMORE != 0;
        msg.set_more(more);
        let len = msg.len();
        let timeout = self.opts.sndtimeo;
        self.blocking(flags & ZMQ_DONTWAIT != 0, timeout, |s| {
            s.pattern.send(&mut s.pipes, msg, &s.opts)
        })?;
        self.stats.sent(len, more);
        self.report_hwm_drops();
        if !self.pipes.evicted.is_empty() {
            self.report_evictions();
        }
        Ok(())
    }

    /// Receives a frame without connection metadata (zmq_recv).
    pub fn recv(&mut self, flags: i32) -> ZResult<Msg> {
        self.recv_frame(flags, false)
    }

    /// Receives a frame; `with_meta` attaches the connection's properties
    /// (zmq_msg_recv, for zmq_msg_gets).
    pub fn recv_frame(&mut self, flags: i32, with_meta: bool) -> ZResult<Msg> {
        let timeout = self.opts.rcvtimeo;
        let mut m = self.blocking(flags & ZMQ_DONTWAIT != 0, timeout, |s| {
            s.pattern.recv(&mut s.pipes, &s.opts)
        })?;
        if with_meta && m.metadata().is_none() {
            let meta = self.pipes.last_read.and_then(|id| self.pipes.get(id));
            m.set_metadata(meta.and_then(|p| p.meta.clone()));
        }
        self.rcvmore = m.more();
        self.stats.received(&m);
        Ok(m)
    }

    /// ZMQ_EVENTS.
    pub fn events(&mut self) -> ZResult<i32> {
        self.check_alive()?;
        self.process_commands();
        self.check_alive()?;
        loop {
            let mut ev = 0;
            if self.pattern.has_in(&mut self.pipes) {
                ev |= ZMQ_POLLIN;
            }
            if self.pattern.has_out(&mut self.pipes) {
                ev |= ZMQ_POLLOUT;
            }
            // A pipe that went may have changed the answer: ask again.
            if !self.reap() {
                return Ok(ev);
            }
        }
    }

    /// ZMQ_FD: the application polls it, so it must turn readable on every
    /// command from now on.
    pub fn fd(&self) -> i32 {
        self.shared.mailbox.always_signal();
        self.shared.mailbox.signaler().fd()
    }

    /// For zmq_poll, which arms the mailbox around its own wait.
    pub fn mailbox(&self) -> &Mailbox<SocketCmd> {
        &self.shared.mailbox
    }

    // ---- options --------------------------------------------------------

    pub fn setsockopt(&mut self, opt: i32, val: &[u8]) -> ZResult<()> {
        self.check_alive()?;
        self.process_commands();
        match self
            .pattern
            .set_option(&mut self.pipes, opt, val, &self.opts)
        {
            Err(e) if e == Errno::EINVAL => {}
            other => {
                if other.is_ok() && opt == ZMQ_ROUTER_RAW && self.opts.socket_type == ZMQ_ROUTER {
                    // Later connections speak raw bytes (the pattern already
                    // switched); turning it off again is a no-op, as in libzmq.
                    self.opts.raw_socket |= val != 0i32.to_ne_bytes();
                }
                self.reap();
                return other;
            }
        }
        self.opts.set(opt, val)?;
        if opt == ZMQ_SNDHWM || opt == ZMQ_RCVHWM {
            self.apply_hwms();
        }
        self.pipes.stall_evict = self.opts.stall_evict();
        if opt == ZMQ_RAMPART_SOCKET_BUDGET || opt == ZMQ_RAMPART_PIPE_BYTE_CAP {
            self.rebalance();
        }
        Ok(())
    }

    /// HWM changes apply to existing pipes at once (as in libzmq); an
    /// inproc queue's limit stays the sum of both sides' HWMs.
    fn apply_hwms(&mut self) {
        let (snd, rcv) = (self.opts.sndhwm, self.opts.rcvhwm);
        for (_, p) in self.pipes.iter_mut() {
            let (out, inp) = match p.inproc_hwms {
                Some((their_snd, their_rcv)) => (sum_hwm(snd, their_rcv), sum_hwm(their_snd, rcv)),
                None => (snd.max(0) as u64, rcv.max(0) as u64),
            };
            p.end.out.set_hwm(out);
            p.end.inp.set_hwm(inp);
        }
    }

    fn set_inproc_hwms(&mut self, id: PipeId, hwms: Option<(i32, i32)>) {
        if let Some(p) = self.pipes.get(id) {
            p.inproc_hwms = hwms;
        }
    }

    pub fn getsockopt(&mut self, opt: i32) -> ZResult<OptValue> {
        self.check_alive()?;
        if let Some(v) = self.stat(opt) {
            return Ok(OptValue::I64(v));
        }
        match opt {
            ZMQ_RCVMORE => return Ok(OptValue::Int(self.rcvmore as i32)),
            ZMQ_FD => return Ok(OptValue::Int(self.fd())),
            ZMQ_EVENTS => return self.events().map(OptValue::Int),
            ZMQ_LAST_ENDPOINT => return Ok(OptValue::Str(self.last_endpoint.clone())),
            _ => {}
        }
        match self.pattern.get_option(opt) {
            Err(e) if e == Errno::EINVAL => self.opts.get(opt),
            other => other,
        }
    }

    // ---- endpoints ------------------------------------------------------

    fn introduction(&self) -> Msg {
        let mut meta = Metadata::new();
        meta.set(
            "Socket-Type",
            types::type_name(self.opts.socket_type).as_bytes(),
        );
        if !self.opts.routing_id.is_empty() {
            meta.set("Identity", &self.opts.routing_id);
        }
        for (k, v) in &self.opts.metadata {
            meta.set(k, v);
        }
        introduction(&self.opts.routing_id, Some(Arc::new(meta)))
    }

    fn inproc_peer(&self) -> InprocPeer {
        InprocPeer {
            socket: self.shared.clone(),
            sndhwm: self.opts.sndhwm,
            rcvhwm: self.opts.rcvhwm,
            byte_cap: self.opts.pipe_byte_cap,
            conflate: self.opts.conflate,
            intro: self.introduction(),
        }
    }

    pub fn bind(&mut self, addr: &str) -> ZResult<()> {
        self.check_alive()?;
        self.process_commands();
        let ep = parse_for_type(addr, false, self.opts.socket_type)?;
        match ep {
            Endpoint::Inproc(name) => {
                let pending = self.ctx.inproc_bind(&name, self.inproc_peer())?;
                for (mut end, their) in pending {
                    // Their messages were queued before we existed: now we
                    // know the limits and introduce ourselves.
                    let to_us = sum_hwm(their.sndhwm, self.opts.rcvhwm);
                    let to_them = sum_hwm(self.opts.sndhwm, their.rcvhwm);
                    end.inp.set_hwm(to_us);
                    end.out.set_hwm(to_them);
                    end.out.write(self.introduction());
                    end.out.flush();
                    let id = self.attach(end, addr.to_string());
                    self.set_inproc_hwms(id, Some((their.sndhwm, their.rcvhwm)));
                }
                self.last_endpoint = addr.to_string();
                self.endpoints.push(EndpointRecord {
                    bound: true,
                    given: addr.to_string(),
                    resolved: addr.to_string(),
                    kind: EndpointKind::Inproc { name, bound: true },
                });
                Ok(())
            }
            Endpoint::Tcp(ref a) => {
                let topts = self.opts.tcp_options();
                let listener = transport::resolve_bind(a, &topts)
                    .and_then(|sa| match self.opts.use_fd {
                        // ZMQ_USE_FD: the address is checked, the
                        // application's listening socket is used as is.
                        -1 => transport::tcp_listen(sa, &topts),
                        fd => adopt_fd(fd, false).map(|s| {
                            mio::net::TcpListener::from_std(std::net::TcpListener::from(s))
                        }),
                    })
                    .inspect_err(|e| self.bind_failed(addr, *e))?;
                let local = listener.local_addr().map_err(Errno::from)?;
                let resolved = transport::tcp_endpoint_string(local);
                self.start_listener(crate::io::Listener::Tcp(listener), addr, resolved, None)
            }
            Endpoint::Ipc(ref a) if self.opts.use_fd != -1 => {
                // The application made (and will remove) the socket file:
                // nothing to unlink on unbind, as in libzmq.
                if matches!(a, transport::IpcAddr::Wildcard) {
                    return Err(Errno::EINVAL);
                }
                let listener = adopt_fd(self.opts.use_fd, true)
                    .map(|s| mio::net::UnixListener::from_std(s.into()))
                    .inspect_err(|e| self.bind_failed(addr, *e))?;
                let resolved = format!("ipc://{a}");
                self.start_listener(crate::io::Listener::Unix(listener), addr, resolved, None)
            }
            Endpoint::Ipc(ref a) => {
                let (listener, bound) = transport::ipc_listen(a, self.opts.backlog)
                    .inspect_err(|e| self.bind_failed(addr, *e))?;
                let resolved = bound.to_string();
                self.start_listener(
                    crate::io::Listener::Unix(listener),
                    addr,
                    resolved,
                    Some(bound),
                )
            }
        }
    }

    fn bind_failed(&self, addr: &str, e: Errno) {
        // libzmq names the address without its transport here.
        let address = addr.split_once("://").map_or(addr, |(_, a)| a);
        self.shared
            .monitor
            .event(ZMQ_EVENT_BIND_FAILED, e.0 as u32, address);
    }

    fn start_listener(
        &mut self,
        listener: crate::io::Listener,
        given: &str,
        resolved: String,
        ipc: Option<transport::IpcBound>,
    ) -> ZResult<()> {
        let io = self.ctx.io(self.io_thread)?;
        let listener_fd = listener.fd();
        self.shared
            .monitor
            .event(ZMQ_EVENT_LISTENING, listener_fd as u32, &resolved);
        let key = io.new_key();
        io.send(IoCmd::Listen {
            key,
            listener,
            socket: self.shared.clone(),
            opts: Arc::new(self.opts.clone()),
            endpoint: resolved.clone(),
        });
        self.last_endpoint = resolved.clone();
        self.endpoints.push(EndpointRecord {
            bound: true,
            given: given.to_string(),
            resolved,
            kind: EndpointKind::Io {
                thread: self.io_thread,
                key,
                ipc,
                listener_fd: Some(listener_fd),
            },
        });
        Ok(())
    }

    fn pipe_limits(&self) -> (Limits, Limits) {
        let out = Limits {
            hwm: self.opts.sndhwm as u64,
            byte_cap: self.opts.pipe_byte_cap,
            conflate: false,
        };
        let inp = Limits {
            hwm: self.opts.rcvhwm as u64,
            byte_cap: self.opts.pipe_byte_cap,
            conflate: self.opts.conflate,
        };
        (out, inp)
    }

    pub fn connect(&mut self, addr: &str) -> ZResult<()> {
        self.check_alive()?;
        self.process_commands();
        let ep = parse_for_type(addr, true, self.opts.socket_type)?;
        match ep {
            Endpoint::Inproc(name) => {
                let me = self.inproc_peer();
                let res = self.ctx.inproc_connect(&name, me)?;
                let mut peer_hwms = None;
                let end = match res {
                    crate::ctx::InprocConnect::Bound(their) => {
                        peer_hwms = Some((their.sndhwm, their.rcvhwm));
                        let (mut mine, mut theirs) = pipe_pair(
                            Limits {
                                hwm: sum_hwm(self.opts.sndhwm, their.rcvhwm),
                                byte_cap: self.opts.pipe_byte_cap,
                                conflate: their.conflate,
                            },
                            Limits {
                                hwm: sum_hwm(their.sndhwm, self.opts.rcvhwm),
                                byte_cap: their.byte_cap,
                                conflate: self.opts.conflate,
                            },
                        );
                        mine.out.write(self.introduction());
                        mine.out.flush();
                        theirs.out.write(their.intro.clone());
                        theirs.out.flush();
                        their
                            .socket
                            .mailbox
                            .send(SocketCmd::Attach(Box::new(Attach {
                                end: theirs,
                                endpoint: addr.to_string(),
                                routing_id: None,
                                inproc_hwms: Some((self.opts.sndhwm, self.opts.rcvhwm)),
                            })));
                        mine
                    }
                    crate::ctx::InprocConnect::Pending(mine) => *mine,
                };
                let rid = self.opts.connect_routing_id.take();
                let id = self.attach_named(end, addr.to_string(), rid);
                self.set_inproc_hwms(id, peer_hwms);
                self.last_endpoint = addr.to_string();
                self.endpoints.push(EndpointRecord {
                    bound: false,
                    given: addr.to_string(),
                    resolved: addr.to_string(),
                    kind: EndpointKind::Inproc { name, bound: false },
                });
                Ok(())
            }
            Endpoint::Tcp(_) | Endpoint::Ipc(_) => {
                let io = self.ctx.io(self.io_thread)?;
                let key = io.new_key();
                let mut connect_routing_id = None;
                let engine_end = if self.opts.pipe_per_connection() {
                    connect_routing_id = self.opts.connect_routing_id.take();
                    None
                } else {
                    let (out, inp) = self.pipe_limits();
                    let (mine, theirs) = pipe_pair(out, inp);
                    let rid = self.opts.connect_routing_id.take();
                    self.attach_named(mine, addr.to_string(), rid);
                    Some(theirs)
                };
                self.last_endpoint = addr.to_string();
                io.send(IoCmd::Connect(Box::new(crate::io::ConnectCmd {
                    key,
                    endpoint: ep,
                    addr: addr.to_string(),
                    socket: self.shared.clone(),
                    opts: Arc::new(self.opts.clone()),
                    pipe: engine_end,
                    connect_routing_id,
                })));
                self.endpoints.push(EndpointRecord {
                    bound: false,
                    given: addr.to_string(),
                    resolved: addr.to_string(),
                    kind: EndpointKind::Io {
                        thread: self.io_thread,
                        key,
                        ipc: None,
                        listener_fd: None,
                    },
                });
                Ok(())
            }
        }
    }

    /// zmq_unbind (bound = true) and zmq_disconnect (bound = false).
    pub fn term_endpoint(&mut self, addr: &str, bound: bool) -> ZResult<()> {
        self.check_alive()?;
        self.process_commands();
        // Validate the address format first, as libzmq does.
        transport::parse(addr)?;
        // Binds are known by their LAST_ENDPOINT form, connects as given;
        // other spellings of the same tcp address resolve to those.
        let key = transport::endpoint_key(addr, self.opts.ipv6, |k| {
            self.endpoints
                .iter()
                .any(|r| r.bound == bound && r.resolved == k)
        });
        let mut found = false;
        let mut i = 0;
        while i < self.endpoints.len() {
            let r = &self.endpoints[i];
            if r.bound == bound && r.resolved == key {
                let r = self.endpoints.remove(i);
                self.close_endpoint(r);
                found = true;
            } else {
                i += 1;
            }
        }
        if found {
            Ok(())
        } else {
            Err(Errno::ENOENT)
        }
    }

    fn close_endpoint(&mut self, r: EndpointRecord) {
        match r.kind {
            EndpointKind::Inproc { name, bound } => {
                if bound {
                    self.ctx.inproc_unbind(&name, self.id());
                } else {
                    // A connect still waiting for its bind stays in the
                    // registry with what it sent, ended: the bind reads
                    // that, then sees the pipe close (libzmq).
                    self.close_pipes_of(&r.given);
                }
            }
            EndpointKind::Io {
                thread, key, ipc, ..
            } => {
                if let Ok(io) = self.ctx.io(thread) {
                    io.send(IoCmd::Close { key });
                }
                if let Some(a) = ipc {
                    transport::ipc_unlink(&a);
                }
                // Accepted connections' pipes carry the listener's resolved
                // endpoint ("tcp://[::1]:5555", not "tcp://[::1]:*"): they
                // go now, so nothing sent after zmq_unbind reaches us.
                let endpoint = if r.bound { &r.resolved } else { &r.given };
                self.close_pipes_of(endpoint);
            }
        }
    }

    fn close_pipes_of(&mut self, endpoint: &str) {
        let ids: Vec<PipeId> = self
            .pipes
            .iter_mut()
            .filter(|(_, p)| p.endpoint == endpoint)
            .map(|(id, _)| id)
            .collect();
        for id in ids {
            self.pipes.mark_dead(id);
        }
        self.reap();
    }

    /// zmq_close: pipes are handed over to linger on the I/O threads.
    pub fn close(mut self) {
        // Listeners close with the socket: as in libzmq each reports CLOSED
        // before monitoring stops.
        for r in &self.endpoints {
            if let EndpointKind::Io {
                listener_fd: Some(fd),
                ..
            } = r.kind
            {
                self.shared
                    .monitor
                    .event(ZMQ_EVENT_CLOSED, fd as u32, &r.resolved);
            }
        }
        self.shared.monitor.stop();
        self.process_commands();
        for r in std::mem::take(&mut self.endpoints) {
            if let EndpointKind::Inproc { name, bound: true } = &r.kind {
                self.ctx.inproc_unbind(name, self.id());
            }
            if let EndpointKind::Io { ipc: Some(a), .. } = &r.kind {
                transport::ipc_unlink(a);
            }
        }
        let linger = self.opts.linger;
        for mut p in self.pipes.take_all() {
            p.end.out.close();
            p.end.inp.close();
        }
        self.ctx.socket_closed(self.id(), linger);
    }
}

/// Parses an endpoint; udp is only for RADIO/DISH/DGRAM, which this socket
/// is not (ENOCOMPATPROTO, as libzmq says).
/// A ZMQ_USE_FD listening socket, owned by the listener from now on.
fn adopt_fd(fd: i32, unix: bool) -> ZResult<socket2::Socket> {
    transport::adopt_listener_fd(fd, unix).map_err(Errno::from)
}

fn parse_for_type(addr: &str, connect: bool, socket_type: i32) -> ZResult<Endpoint> {
    if addr.starts_with("udp://") {
        return Err(Errno::ENOCOMPATPROTO);
    }
    if socket_type == ZMQ_STREAM && addr.starts_with("inproc://") {
        // STREAM peers are raw connections.
        return Err(Errno::ENOCOMPATPROTO);
    }
    if connect {
        transport::parse_connect(addr)
    } else {
        transport::parse(addr)
    }
}

/// Inproc limits add both sides' HWMs; 0 on either side means unlimited.
fn sum_hwm(a: i32, b: i32) -> u64 {
    if a <= 0 || b <= 0 {
        0
    } else {
        a as u64 + b as u64
    }
}
