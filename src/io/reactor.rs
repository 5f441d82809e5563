//! The poll loop of one I/O thread: mailbox commands, readiness events,
//! timers. Everything it owns lives on its thread.

use super::admission::{Admission, CapKind, HandshakeRoom, Verdict};
use super::session::{Origin, Session};
use super::stream::Stream;
use super::{IoCmd, IoShared, Listener};
use crate::consts::{
    ZMQ_EVENT_ACCEPTED, ZMQ_EVENT_ACCEPT_FAILED, ZMQ_EVENT_CLOSED,
    ZMQ_RAMPART_EVENT_CONNECTION_REJECTED, ZMQ_RAMPART_EVENT_LISTENER_PAUSED,
};
use crate::socket::monitor::Event;
use crate::socket::options::Options;
use crate::socket::stats::SharedStats;
use crate::socket::SocketShared;
use crate::transport::{self, filter};
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

const MAILBOX: Token = Token(0);
/// Connections accepted per listener and turn of the loop, so a flood of
/// them can't starve the connections already in.
const MAX_ACCEPTS_PER_TURN: usize = 256;

/// Accept pauses after EMFILE/ENFILE grow from this to `MAX_PAUSE`.
const MIN_PAUSE: Duration = Duration::from_millis(100);
const MAX_PAUSE: Duration = Duration::from_secs(2);

struct ListenerObj {
    listener: Listener,
    socket: Arc<SocketShared>,
    opts: Arc<Options>,
    endpoint: String,
    paused_until: Option<Instant>,
    pause: Duration,
    admission: Admission,
    /// Not accepting for the handshake cap until then (or until a
    /// handshake ends).
    held_until: Option<Instant>,
}

impl ListenerObj {
    /// When its timer is due, if it has one.
    fn wakeup(&self) -> Option<Instant> {
        match (self.paused_until, self.held_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

pub(crate) struct Reactor {
    poll: Poll,
    shared: Arc<IoShared>,
    listeners: HashMap<u64, ListenerObj>,
    sessions: HashMap<u64, Session>,
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    cmds: VecDeque<IoCmd>,
    stopping: bool,
    /// Listeners held at their handshake cap that may accept again.
    retry_accept: Vec<u64>,
    /// Sessions that left input unread to let others run: driven again on
    /// the next turn of the loop.
    again: Vec<u64>,
    /// Listeners that stopped accepting to let others run, likewise.
    accept_again: Vec<u64>,
}

impl Reactor {
    pub fn new(shared: Arc<IoShared>) -> std::io::Result<Reactor> {
        let poll = Poll::new()?;
        let fd = shared.mailbox.signaler().fd();
        poll.registry()
            .register(&mut SourceFd(&fd), MAILBOX, Interest::READABLE)?;
        Ok(Reactor {
            poll,
            shared,
            listeners: HashMap::new(),
            sessions: HashMap::new(),
            timers: BinaryHeap::new(),
            cmds: VecDeque::new(),
            stopping: false,
            retry_accept: Vec::new(),
            again: Vec::new(),
            accept_again: Vec::new(),
        })
    }

    pub fn run(&mut self) {
        let mut events = Events::with_capacity(256);
        loop {
            let now = Instant::now();
            let timeout = self
                .timers
                .peek()
                .map(|Reverse((t, _))| t.saturating_duration_since(now));
            // Commands sent while we are busy cost their senders no eventfd
            // write; we look at the mailbox after every poll anyway.
            let idle = self.again.is_empty() && self.accept_again.is_empty();
            let timeout = if idle && self.shared.mailbox.arm() {
                timeout
            } else {
                Some(Duration::ZERO)
            };
            let polled = self.poll.poll(&mut events, timeout);
            self.shared.mailbox.disarm();
            if let Err(e) = polled {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    // Nothing sensible to do but keep serving.
                    std::thread::sleep(Duration::from_millis(1));
                }
                continue;
            }
            let now = Instant::now();
            let mut mailbox = false;
            for ev in events.iter() {
                match ev.token() {
                    MAILBOX => mailbox = true,
                    Token(k) => self.ready(k as u64, now),
                }
            }
            if mailbox || self.shared.mailbox.has_pending() {
                self.commands(now);
            }
            self.expire_timers(Instant::now());
            while let Some(key) = self.retry_accept.pop() {
                self.accept(key, Instant::now());
            }
            for key in std::mem::take(&mut self.again) {
                self.drive(key, Instant::now());
            }
            for key in std::mem::take(&mut self.accept_again) {
                self.accept(key, Instant::now());
            }
            if self.stopping && self.sessions.is_empty() && self.listeners.is_empty() {
                return;
            }
        }
    }

    fn commands(&mut self, now: Instant) {
        let mut cmds = std::mem::take(&mut self.cmds);
        self.shared.mailbox.drain_into(&mut cmds);
        while let Some(cmd) = cmds.pop_front() {
            self.command(cmd, now);
        }
        self.cmds = cmds;
    }

    fn command(&mut self, cmd: IoCmd, now: Instant) {
        match cmd {
            IoCmd::Listen {
                key,
                listener,
                socket,
                opts,
                endpoint,
            } => {
                let admission = Admission::new(opts.admission_caps());
                let mut l = ListenerObj {
                    listener,
                    socket,
                    opts,
                    endpoint,
                    paused_until: None,
                    pause: MIN_PAUSE,
                    admission,
                    held_until: None,
                };
                if register_listener(&self.poll, &mut l.listener, key).is_ok() {
                    self.listeners.insert(key, l);
                    self.accept(key, now);
                }
            }
            IoCmd::Connect(c) => {
                let c = *c;
                let key = c.key;
                let mut s = Session::connecting(
                    key,
                    c.socket,
                    c.opts,
                    c.endpoint,
                    c.addr,
                    c.pipe,
                    self.shared.clone(),
                    now,
                );
                s.connect_routing_id = c.connect_routing_id;
                self.sessions.insert(key, s);
                self.on_timer(key, now);
            }
            IoCmd::Pipe(key, _) => self.drive(key, now),
            IoCmd::Close { key } => {
                if let Some(mut l) = self.listeners.remove(&key) {
                    close_listener(&self.poll, &mut l);
                    let children: Vec<u64> = self
                        .sessions
                        .iter()
                        .filter(|(_, s)| matches!(s.origin, Origin::Accepted { listener } if listener == key))
                        .map(|(&k, _)| k)
                        .collect();
                    for k in children {
                        self.end_session(k);
                    }
                }
                self.end_session(key);
            }
            IoCmd::SocketClosed { socket_id, linger } => {
                let gone: Vec<u64> = self
                    .listeners
                    .iter()
                    .filter(|(_, l)| l.socket.id == socket_id)
                    .map(|(&k, _)| k)
                    .collect();
                for k in gone {
                    if let Some(mut l) = self.listeners.remove(&k) {
                        close_listener(&self.poll, &mut l);
                    }
                }
                let keys: Vec<u64> = self
                    .sessions
                    .iter()
                    .filter(|(_, s)| s.socket.id == socket_id)
                    .map(|(&k, _)| k)
                    .collect();
                for k in keys {
                    if let Some(s) = self.sessions.get_mut(&k) {
                        s.close_after(linger, now);
                    }
                    self.drive(k, now);
                }
            }
            IoCmd::Stop => self.stopping = true,
        }
    }

    fn ready(&mut self, key: u64, now: Instant) {
        if self.listeners.contains_key(&key) {
            self.accept(key, now);
        } else {
            self.drive(key, now);
        }
    }

    fn drive(&mut self, key: u64, now: Instant) {
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        let alive = s.drive(self.poll.registry(), now);
        self.after_step(key, alive);
    }

    /// Bookkeeping after a session ran: admission learns of finished
    /// handshakes, the timer heap of new deadlines.
    fn after_step(&mut self, key: u64, alive: bool) {
        if let Some(s) = self.sessions.get_mut(&key) {
            if s.take_more_input() && alive {
                self.again.push(key);
            }
            if s.take_handshake_news() {
                if let Origin::Accepted { listener } = s.origin {
                    if let Some(l) = self.listeners.get_mut(&listener) {
                        l.admission.handshake_done(key);
                        if l.held_until.take().is_some() {
                            self.retry_accept.push(listener);
                        }
                    }
                }
            }
        }
        if alive {
            self.schedule(key);
        } else {
            self.end_session(key);
        }
    }

    /// Makes sure the heap holds an entry no later than the session's
    /// deadline. A deadline that moves later (heartbeats, on every message)
    /// adds nothing: the earlier entry fires and reschedules, so the heap
    /// keeps about one entry per session.
    fn schedule(&mut self, key: u64) {
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        if let Some(t) = s.deadline() {
            if s.scheduled.is_none_or(|at| t < at) {
                s.scheduled = Some(t);
                self.timers.push(Reverse((t, key)));
            }
        }
    }

    fn on_timer(&mut self, key: u64, now: Instant) {
        if let Some(l) = self.listeners.get_mut(&key) {
            if l.paused_until.is_some_and(|t| t <= now) {
                l.paused_until = None;
                if register_listener(&self.poll, &mut l.listener, key).is_ok() {
                    self.accept(key, now);
                }
            } else if l.held_until.is_some_and(|t| t <= now) {
                l.held_until = None;
                self.accept(key, now);
            }
            return;
        }
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        let alive = s.on_timer(self.poll.registry(), now);
        self.after_step(key, alive);
    }

    fn expire_timers(&mut self, now: Instant) {
        while let Some(&Reverse((t, key))) = self.timers.peek() {
            if t > now {
                break;
            }
            self.timers.pop();
            if let Some(s) = self.sessions.get_mut(&key) {
                if s.scheduled == Some(t) {
                    s.scheduled = None;
                }
                if s.deadline().is_some_and(|d| d <= now) {
                    self.on_timer(key, now);
                } else {
                    // Its deadline moved later since: wait for that instead.
                    self.schedule(key);
                }
            } else if self
                .listeners
                .get(&key)
                .is_some_and(|l| l.wakeup().is_some_and(|w| w <= now))
            {
                self.on_timer(key, now);
            }
        }
    }

    fn end_session(&mut self, key: u64) {
        let Some(mut s) = self.sessions.remove(&key) else {
            return;
        };
        s.terminate(self.poll.registry());
        if let Origin::Accepted { listener } = s.origin {
            if let Some(l) = self.listeners.get_mut(&listener) {
                if l.admission.left(key) && l.held_until.take().is_some() {
                    self.retry_accept.push(listener);
                }
            }
        }
    }

    /// Ends an accepted connection to make room at a cap.
    fn displace(&mut self, victim: u64, kind: CapKind, cap: usize, now: Instant) {
        if let Some(s) = self.sessions.get_mut(&victim) {
            s.displace(self.poll.registry(), kind as u64, cap as u64, now);
        }
        self.end_session(victim);
    }

    /// The handshake cap: Ok(victim to displace once a connection comes)
    /// or Err(()) when the listener must hold (a timer is set).
    fn handshake_gate(&mut self, key: u64, now: Instant) -> Result<Option<u64>, ()> {
        let Some(l) = self.listeners.get_mut(&key) else {
            return Err(());
        };
        match l.admission.handshake_room(now) {
            HandshakeRoom::Yes => Ok(None),
            HandshakeRoom::Replace(victim) => Ok(Some(victim)),
            HandshakeRoom::NotUntil(t) => {
                if l.held_until.is_none() {
                    l.held_until = Some(t);
                    self.timers.push(Reverse((t, key)));
                }
                Err(())
            }
        }
    }

    /// Applies the connection caps to a newcomer from `addr`. Returns
    /// whether it may stay.
    fn admit(&mut self, key: u64, addr: &str, now: Instant) -> bool {
        let sessions = &self.sessions;
        let Some(l) = self.listeners.get_mut(&key) else {
            return false;
        };
        let idle_since = |k: u64| sessions.get(&k).map_or(now, |s| s.last_active);
        match l.admission.admit(addr, now, idle_since) {
            Verdict::Admit => true,
            Verdict::Replace { victim, kind } => {
                let cap = l.admission.caps().of(kind);
                self.displace(victim, kind, cap, now);
                true
            }
            Verdict::Refuse(kind) => {
                let cap = l.admission.caps().of(kind);
                SharedStats::bump(&l.socket.stats.rejected_by_cap);
                let values = [kind as u64, cap as u64];
                l.socket.monitor.emit(&Event {
                    id: ZMQ_RAMPART_EVENT_CONNECTION_REJECTED,
                    values: &values,
                    local: &l.endpoint,
                    remote: addr,
                    v1_local: true,
                });
                false
            }
        }
    }

    fn accept(&mut self, key: u64, now: Instant) {
        for _ in 0..MAX_ACCEPTS_PER_TURN {
            let Some(l) = self.listeners.get_mut(&key) else {
                return;
            };
            if l.paused_until.is_some() {
                return;
            }
            let Ok(stale) = self.handshake_gate(key, now) else {
                return;
            };
            let Some(l) = self.listeners.get_mut(&key) else {
                return;
            };
            // The third value: whether the peer passes the accept filters.
            let accepted = match &l.listener {
                Listener::Tcp(t) => transport::tcp_accept(t, &l.opts.tcp_options()).map(|o| {
                    o.map(|(s, peer)| {
                        let ok = filter::tcp_peer_allowed(&l.opts.tcp_accept_filters, peer.ip());
                        (Stream::Tcp(s), transport::peer_address_string(&peer), ok)
                    })
                }),
                Listener::Unix(u) => match u.accept() {
                    Ok((s, _)) => {
                        let f = &l.opts.ipc_filters;
                        let ok = f.is_empty() || f.allows(transport::peer_cred(s.as_fd()));
                        let addr = transport::ipc_peer_address(&s);
                        Ok(Some((Stream::Unix(s), addr, ok)))
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
                    Err(e) => Err(e.into()),
                },
            };
            match accepted {
                Ok(None) => {
                    l.pause = MIN_PAUSE;
                    return;
                }
                Ok(Some((_, _, false))) => {
                    // Filtered out: closed before it costs a session or a
                    // place under the caps; libzmq reports ACCEPT_FAILED.
                    l.socket.monitor.event(
                        ZMQ_EVENT_ACCEPT_FAILED,
                        libc::ECONNREFUSED as u32,
                        &l.endpoint,
                    );
                    continue;
                }
                Ok(Some((stream, peer, true))) => {
                    if let Some(victim) = stale {
                        let cap = l.admission.caps().handshakes;
                        self.displace(victim, CapKind::Handshakes, cap, now);
                    }
                    if !self.admit(key, admission_address(&peer), now) {
                        continue; // refused: the stream closes here
                    }
                    let Some(l) = self.listeners.get_mut(&key) else {
                        return;
                    };
                    let skey = self
                        .shared
                        .next_key
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    l.admission
                        .joined(skey, admission_address(&peer).to_owned(), now);
                    let fd = stream.fd() as u64;
                    let mut s = Session::accepted(
                        skey,
                        l.socket.clone(),
                        l.opts.clone(),
                        key,
                        l.endpoint.clone(),
                        stream,
                        peer,
                        self.shared.clone(),
                        now,
                    );
                    l.socket.monitor.emit(&Event {
                        id: ZMQ_EVENT_ACCEPTED as u64,
                        values: &[fd],
                        local: &l.endpoint,
                        remote: s.remote_end(),
                        v1_local: true,
                    });
                    if s.register(self.poll.registry()).is_ok() {
                        self.sessions.insert(skey, s);
                        self.schedule(skey);
                        self.drive(skey, now);
                    } else {
                        l.admission.left(skey);
                    }
                }
                Err(e)
                    if e.0 == libc::EMFILE
                        || e.0 == libc::ENFILE
                        || e.0 == libc::ENOBUFS
                        || e.0 == libc::ENOMEM =>
                {
                    l.socket
                        .monitor
                        .event(ZMQ_EVENT_ACCEPT_FAILED, e.0 as u32, &l.endpoint);
                    // Out of descriptors: stop accepting for a while instead
                    // of spinning; the kernel backlog holds the rest.
                    SharedStats::bump(&l.socket.stats.listener_pauses);
                    let values = [l.pause.as_millis() as u64, e.0 as u64];
                    l.socket.monitor.emit(&Event {
                        id: ZMQ_RAMPART_EVENT_LISTENER_PAUSED,
                        values: &values,
                        local: &l.endpoint,
                        remote: "",
                        v1_local: true,
                    });
                    let until = now + l.pause;
                    l.pause = (l.pause * 2).min(MAX_PAUSE);
                    l.paused_until = Some(until);
                    deregister_listener(&self.poll, &mut l.listener);
                    self.timers.push(Reverse((until, key)));
                    return;
                }
                Err(e) => {
                    // ECONNABORTED and friends: that connection is gone; go on.
                    l.socket
                        .monitor
                        .event(ZMQ_EVENT_ACCEPT_FAILED, e.0 as u32, &l.endpoint);
                }
            }
        }
        // Still more waiting: let the connections have a turn first (no
        // readiness edge will come for what is already queued).
        self.accept_again.push(key);
    }
}

/// Who a connection counts against for the per-address cap: the IP for
/// tcp, the user for ipc ("localhost:uid:gid:pid" -> "localhost:uid").
fn admission_address(peer: &str) -> &str {
    match peer.strip_prefix("localhost:") {
        Some(rest) => match rest.find(':') {
            Some(i) => &peer[.."localhost:".len() + i],
            None => peer,
        },
        None => peer,
    }
}

fn register_listener(poll: &Poll, l: &mut Listener, key: u64) -> std::io::Result<()> {
    match l {
        Listener::Tcp(t) => poll
            .registry()
            .register(t, Token(key as usize), Interest::READABLE),
        Listener::Unix(u) => poll
            .registry()
            .register(u, Token(key as usize), Interest::READABLE),
    }
}

/// Stops a listener for good (its fd closes when `l` is dropped).
fn close_listener(poll: &Poll, l: &mut ListenerObj) {
    deregister_listener(poll, &mut l.listener);
    l.socket
        .monitor
        .event(ZMQ_EVENT_CLOSED, l.listener.fd() as u32, &l.endpoint);
}

fn deregister_listener(poll: &Poll, l: &mut Listener) {
    let _ = match l {
        Listener::Tcp(t) => poll.registry().deregister(t),
        Listener::Unix(u) => poll.registry().deregister(u),
    };
}
