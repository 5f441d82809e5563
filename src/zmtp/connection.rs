//! The sans-IO ZMTP connection: greeting, handshake, framing, heartbeats.
//! Owned and driven by one I/O engine (on its I/O thread); does no I/O and
//! reads no clock: bytes and `Instant`s are passed in.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::Arc;
use std::time::Instant;

use super::command::{self, write_property};
use super::config::{metadata_entry_ok, Config};
use super::decoder::{Body, Decoder, Limit};
use super::encoder::Encoder;
use super::error::Error;
use super::event::{Event, PeerInfo};
use super::frame::{Framing, COMMAND, MORE};
use super::greeting::{self, Detect, GREETING_LEN, LEGACY_GREETING_LEN, MECHANISM_LEN};
use super::heartbeat::{deciseconds, Due, Timers};
use super::mechanism::{self, zap, Local, Mechanism, Step, ZapAnswer};
use super::socket_type;
use crate::msg::{Metadata, Msg, INLINE_CAP};

/// Local flag values for subscription messages, until `msg::flags` gets
/// `SUBSCRIBE` and `CANCEL` (same values).
pub const SUBSCRIBE_FLAG: u8 = 8;
pub const CANCEL_FLAG: u8 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading the peer's greeting.
    Greeting,
    /// ZMTP 3.x mechanism handshake.
    Handshake,
    /// ZMTP 1.0/2.0: waiting for the peer's identity frame.
    LegacyIdentity,
    /// Messages flow.
    Ready,
}

/// How much of our greeting has been queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sent {
    Signature,
    Major,
    Full,
}

/// A received SUBSCRIBE/CANCEL as the socket layer sees subscriptions: one
/// frame, 0x01 (subscribe) or 0x00 (cancel) followed by the topic, exactly
/// what a ZMTP 3.0 peer sends. The one place to change once `msg::flags`
/// has SUBSCRIBE/CANCEL and the socket layer prefers flagged topics.
fn subscription_msg(subscribe: bool, topic: &[u8]) -> Msg {
    let flag = u8::from(subscribe);
    if topic.len() < INLINE_CAP {
        let mut b = [0u8; INLINE_CAP];
        b[0] = flag;
        b[1..=topic.len()].copy_from_slice(topic);
        Msg::from_slice(&b[..=topic.len()])
    } else {
        let mut v = Vec::with_capacity(topic.len() + 1);
        v.push(flag);
        v.extend_from_slice(topic);
        Msg::from_vec(v)
    }
}

/// PONGs queued and not yet written beyond which further PINGs go
/// unanswered (at most 16 x 24 bytes of output).
const MAX_UNWRITTEN_PONGS: usize = 16;

/// One ZMTP connection. See the module documentation of `zmtp` for the
/// engine's calling protocol.
pub struct Connection {
    socket_type: i32,
    routing_id: Vec<u8>,
    accept_legacy: bool,
    strict_ping: bool,
    max_msg_size: u64,
    handshake_cap: u64,
    heartbeat_ttl: u16,
    mechanism_field: [u8; MECHANISM_LEN],
    as_server: bool,
    our_minor: u8,
    mechanism: Box<dyn Mechanism>,
    /// A step the mechanism returned outside `poll_event` (from `start` or
    /// `zap_reply`), acted on by the next `poll_event`.
    pending_step: Option<Step>,
    /// A ZAP request is out: the handshake decodes nothing until its answer.
    zap_waiting: bool,
    /// After the handshake, frames go through the mechanism (CURVE).
    wrap: bool,
    /// How much larger a wrapped frame is than what it carries.
    wrap_overhead: u64,
    dec: Decoder,
    enc: Encoder,
    timers: Timers,
    phase: Phase,
    sent: Sent,
    failed: Option<Error>,
    /// (major, minor) once known; minor 1 also stands for later versions.
    peer_version: Option<(u8, u8)>,
    legacy_peer_type: i32,
    legacy_subscribe_all: bool,
    /// PUB/XPUB: SUBSCRIBE/CANCEL commands are delivered (else ignored).
    accepts_subscriptions: bool,
    /// The last data frame had MORE set.
    in_multipart: bool,
    /// Where each queued, unwritten PONG ends in the output stream.
    pongs_unwritten: VecDeque<u64>,
    queued: Option<Event>,
    msg_meta: Option<Arc<Metadata>>,
    last_received: Option<Instant>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("socket_type", &self.socket_type)
            .field("phase", &self.phase)
            .field("peer_version", &self.peer_version)
            .field("failed", &self.failed)
            .field("out_len", &self.enc.pending())
            .field("buffered_in", &self.dec.held())
            .finish()
    }
}

/// Our READY property list: Socket-Type, Identity, then ZMQ_METADATA.
fn ready_properties(cfg: &Config, routing_id: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let name = socket_type::name(cfg.socket_type).unwrap_or("");
    write_property(&mut out, b"Socket-Type", name.as_bytes());
    if socket_type::sends_identity(cfg.socket_type) || !routing_id.is_empty() {
        write_property(&mut out, b"Identity", routing_id);
    }
    for (n, v) in &cfg.metadata {
        if metadata_entry_ok(n, v) {
            write_property(&mut out, n.as_bytes(), v);
        }
    }
    out
}

impl Connection {
    /// Creates a connection and queues our first output: the whole greeting
    /// and READY when `accept_legacy` is false, only the 10-byte signature
    /// otherwise.
    pub fn new(cfg: Config, now: Instant) -> Connection {
        Connection::with_minor(cfg, now, greeting::VERSION_MINOR)
    }

    /// As `new`, advertising another minor version (tests use 0 to play a
    /// ZMTP 3.0 peer).
    pub(crate) fn with_minor(cfg: Config, now: Instant, minor: u8) -> Connection {
        Connection::build(cfg, now, minor, None)
    }

    /// As `new`, with a mechanism made elsewhere (tests of the mechanism
    /// interface).
    #[cfg(test)]
    pub(crate) fn with_mechanism(
        cfg: Config,
        now: Instant,
        make: impl FnOnce(Local) -> Box<dyn Mechanism> + 'static,
    ) -> Connection {
        Connection::build(cfg, now, greeting::VERSION_MINOR, Some(Box::new(make)))
    }

    #[allow(clippy::type_complexity)]
    fn build(
        cfg: Config,
        now: Instant,
        minor: u8,
        make: Option<Box<dyn FnOnce(Local) -> Box<dyn Mechanism>>>,
    ) -> Connection {
        let routing_id = if cfg.routing_id.len() <= 255 {
            cfg.routing_id.clone()
        } else {
            Vec::new()
        };
        let local = Local {
            socket_type: cfg.socket_type,
            routing_id: routing_id.clone(),
            properties: ready_properties(&cfg, &routing_id),
        };
        let mut c = Connection {
            socket_type: cfg.socket_type,
            // A ZMTP 1.0/2.0 peer cannot be authenticated: refused whenever
            // ZAP may be asked (libzmq's zap_enabled).
            accept_legacy: cfg.accept_legacy && !cfg.security.zap_enabled(),
            strict_ping: cfg.strict_ping,
            max_msg_size: cfg.max_msg_size.unwrap_or(u64::MAX),
            handshake_cap: cfg.handshake_frame_cap,
            heartbeat_ttl: cfg.heartbeat_ttl.map_or(0, deciseconds),
            mechanism_field: cfg.security.kind.greeting_field(),
            as_server: cfg.security.as_server(),
            our_minor: minor,
            mechanism: match make {
                Some(make) => make(local),
                None => mechanism::new(&cfg.security, local),
            },
            pending_step: None,
            zap_waiting: false,
            wrap: false,
            wrap_overhead: 0,
            dec: Decoder::new(),
            enc: Encoder::new(),
            timers: Timers::new(
                now,
                cfg.handshake_ivl,
                cfg.heartbeat_ivl,
                cfg.heartbeat_timeout,
            ),
            phase: Phase::Greeting,
            sent: Sent::Signature,
            failed: None,
            peer_version: None,
            legacy_peer_type: -1,
            legacy_subscribe_all: false,
            accepts_subscriptions: matches!(cfg.socket_type, socket_type::PUB | socket_type::XPUB),
            in_multipart: false,
            pongs_unwritten: VecDeque::new(),
            queued: None,
            msg_meta: None,
            last_received: None,
            routing_id,
        };
        c.enc.raw(&greeting::signature(c.routing_id.len()));
        if !c.accept_legacy {
            if let Err(e) = c.send_v3_rest() {
                c.failed = Some(e);
            }
        }
        c
    }

    // ----- input -----

    /// Where the engine should read into next. Normally a free region of the
    /// internal buffer; while a large frame body is arriving, the unfilled
    /// part of that message's own buffer. Empty means "call `poll_event`
    /// first" (undecoded input fills the buffer, or a body is complete).
    pub fn read_buf(&mut self) -> &mut [u8] {
        self.dec.read_buf()
    }

    /// `n` bytes were written at the start of the last `read_buf()` (n is
    /// clamped to its length). EOF is the engine's business, not passed here.
    pub fn commit_read(&mut self, n: usize, now: Instant) -> Result<(), Error> {
        self.check()?;
        if self.dec.commit(n) > 0 {
            self.timers.on_received();
            self.last_received = Some(now);
        }
        Ok(())
    }

    /// Decodes the next event from buffered input; `Ok(None)` when more input
    /// is needed. Decoding is lazy: input the engine does not ask for stays
    /// buffered (and `read_buf` eventually returns an empty slice). The engine
    /// must call this after `commit_read` until it returns `None` or its pipe
    /// is full; the handshake only progresses here.
    pub fn poll_event(&mut self, now: Instant) -> Result<Option<Event>, Error> {
        self.check()?;
        let r = self.poll_inner(now);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn poll_inner(&mut self, now: Instant) -> Result<Option<Event>, Error> {
        loop {
            if let Some(ev) = self.queued.take() {
                return Ok(Some(ev));
            }
            if let Some(step) = self.pending_step.take() {
                if let Some(ev) = self.apply_step(step, now) {
                    return Ok(Some(ev));
                }
            }
            match self.phase {
                Phase::Ready => return self.ready_step(now),
                Phase::Greeting => {
                    if !self.greeting_step()? {
                        return Ok(None);
                    }
                }
                Phase::Handshake => return self.handshake_step(now),
                Phase::LegacyIdentity => return self.legacy_identity_step(now),
            }
        }
    }

    // ----- greeting -----

    fn send_major(&mut self) {
        if self.sent < Sent::Major {
            self.enc.raw(&[greeting::VERSION_MAJOR]);
            self.sent = Sent::Major;
        }
    }

    fn send_v3_rest(&mut self) -> Result<(), Error> {
        self.send_major();
        if self.sent < Sent::Full {
            let tail = greeting::tail(self.our_minor, &self.mechanism_field, self.as_server);
            self.enc.raw(&tail);
            self.sent = Sent::Full;
            match self.mechanism.start(&mut self.enc)? {
                Step::Continue => {}
                step => self.pending_step = Some(step),
            }
        }
        Ok(())
    }

    fn refuse_legacy(&self) -> Result<(), Error> {
        if self.accept_legacy {
            Ok(())
        } else {
            Err(Error::LegacyPeerRefused)
        }
    }

    /// Advances the greeting; true when the phase changed.
    fn greeting_step(&mut self) -> Result<bool, Error> {
        match greeting::detect(self.dec.peek()) {
            Detect::NeedMore => Ok(false),
            Detect::Signature => {
                self.send_major();
                Ok(false)
            }
            Detect::Unversioned => {
                self.refuse_legacy()?;
                self.start_unversioned();
                Ok(true)
            }
            Detect::Versioned(revision @ (0 | 1)) => {
                self.refuse_legacy()?;
                self.send_major();
                if self.sent < Sent::Full {
                    // ZMTP 2.0 greeting: our socket type after the version.
                    let t = u8::try_from(self.socket_type).unwrap_or(u8::MAX);
                    self.enc.raw(&[t]);
                    self.sent = Sent::Full;
                }
                let Some(&peer_type) = self.dec.peek().get(LEGACY_GREETING_LEN - 1) else {
                    return Ok(false);
                };
                self.dec.consume(LEGACY_GREETING_LEN);
                self.start_legacy(revision, i32::from(peer_type))?;
                Ok(true)
            }
            Detect::Versioned(2) => Err(Error::BadGreeting),
            Detect::Versioned(_) => {
                self.send_v3_rest()?;
                let Some(peer) = greeting::parse_v3(self.dec.peek())? else {
                    return Ok(false);
                };
                self.dec.consume(GREETING_LEN);
                if peer.mechanism != self.mechanism_field {
                    return Err(Error::MechanismMismatch);
                }
                self.peer_version = Some((peer.major, peer.minor));
                self.phase = Phase::Handshake;
                Ok(true)
            }
        }
    }

    /// Unversioned ZMTP 1.0: our signature already went out as the header of
    /// our identity frame (length = id + 1, flags 0x7F); send its body. The
    /// bytes seen so far start the peer's identity frame: leave them.
    fn start_unversioned(&mut self) {
        self.enc.set_framing(Framing::V1);
        self.dec.set_framing(Framing::V1);
        self.enc.raw(&self.routing_id.clone());
        self.sent = Sent::Full;
        self.peer_version = Some((1, 0));
        self.legacy_peer_type = -1;
        self.legacy_subscribe_all =
            matches!(self.socket_type, socket_type::PUB | socket_type::XPUB);
        self.phase = Phase::LegacyIdentity;
    }

    /// Versioned 1.0 (revision 0) or 2.0 (revision 1).
    fn start_legacy(&mut self, revision: u8, peer_type: i32) -> Result<(), Error> {
        if !socket_type::compatible(self.socket_type, peer_type) {
            return Err(Error::SocketTypeMismatch);
        }
        let framing = if revision == 0 {
            Framing::V1
        } else {
            Framing::V2
        };
        self.enc.set_framing(framing);
        self.dec.set_framing(framing);
        let id = self.routing_id.clone();
        self.enc.frame_parts(0, &[&id]);
        self.peer_version = Some((if revision == 0 { 1 } else { 2 }, 0));
        self.legacy_peer_type = peer_type;
        self.legacy_subscribe_all =
            revision == 0 && matches!(self.socket_type, socket_type::PUB | socket_type::XPUB);
        self.phase = Phase::LegacyIdentity;
        Ok(())
    }

    // ----- handshake -----

    fn handshake_step(&mut self, now: Instant) -> Result<Option<Event>, Error> {
        loop {
            if self.zap_waiting {
                // Paused: what the peer sends meanwhile stays buffered.
                return Ok(None);
            }
            let Some(frame) = self.dec.next_frame(Limit::Handshake(self.handshake_cap))? else {
                return Ok(None);
            };
            if frame.flags & COMMAND == 0 {
                return Err(Error::UnexpectedCommand);
            }
            if frame.flags & MORE != 0 {
                return Err(Error::MalformedCommand { command: "command" });
            }
            let cmd = command::parse_handshake(frame.body.as_slice())?;
            let step = self.mechanism.on_command(cmd, &mut self.enc)?;
            if let Some(ev) = self.apply_step(step, now) {
                return Ok(Some(ev));
            }
        }
    }

    /// Acts on what the mechanism wants next; `Some` is for the engine.
    fn apply_step(&mut self, step: Step, now: Instant) -> Option<Event> {
        match step {
            Step::Continue => None,
            Step::Zap(request) => {
                self.zap_waiting = true;
                Some(Event::ZapRequest(Box::new(request)))
            }
            Step::Done(mut info) => {
                let (major, minor) = self.peer_version.unwrap_or((3, 0));
                info.major = major;
                info.minor = minor;
                self.phase = Phase::Ready;
                self.wrap = self.mechanism.wraps_frames();
                self.wrap_overhead = if self.wrap {
                    self.mechanism.frame_overhead()
                } else {
                    0
                };
                self.timers.handshake_done(now, true);
                Some(Event::HandshakeDone(Box::new(info)))
            }
        }
    }

    /// The answer to the last `Event::ZapRequest`: the reply's frames as
    /// they arrived (at most `zap::REPLY_FRAMES`; stop reading there), or
    /// `None` when no handler is bound at inproc://zeromq.zap.01. Call
    /// `poll_event` afterwards: the handshake goes on there. A malformed
    /// reply fails the connection with `ZapProtocol`; a refusal with
    /// `AuthFailed` (ERROR queued for 400/500: flush it, then close).
    pub fn zap_reply(&mut self, frames: Option<&[Msg]>) -> Result<(), Error> {
        self.check()?;
        let r = self.zap_inner(frames);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn zap_inner(&mut self, frames: Option<&[Msg]>) -> Result<(), Error> {
        if !self.zap_waiting {
            return Err(Error::UnexpectedZapReply);
        }
        self.zap_waiting = false;
        let answer = match frames {
            None => ZapAnswer::NoHandler,
            Some(f) => ZapAnswer::Reply(zap::parse_reply(f)?),
        };
        let step = self.mechanism.on_zap(answer, &mut self.enc)?;
        self.pending_step = Some(step);
        Ok(())
    }

    /// Whether a ZAP request is out and unanswered.
    pub fn zap_pending(&self) -> bool {
        self.zap_waiting
    }

    fn legacy_identity_step(&mut self, now: Instant) -> Result<Option<Event>, Error> {
        let Some(frame) = self.dec.next_frame(Limit::Handshake(self.handshake_cap))? else {
            return Ok(None);
        };
        // The MORE flag is ignored: libzmq's unversioned identity header
        // carries flags 0x7F.
        let id = frame.body.as_slice();
        if id.len() > 255 || (self.socket_type == socket_type::ROUTER && id.first() == Some(&0)) {
            return Err(Error::InvalidIdentity);
        }
        let routing_id = id.to_vec();
        let mut metadata = Metadata::new();
        if let Some(name) = socket_type::name(self.legacy_peer_type) {
            metadata.set("Socket-Type", name.as_bytes());
        }
        metadata.set("Identity", &routing_id);
        let (major, minor) = self.peer_version.unwrap_or((1, 0));
        self.phase = Phase::Ready;
        self.timers.handshake_done(now, false);
        if self.legacy_subscribe_all {
            // ZMTP 1.0 subscribers never send subscriptions: subscribe them
            // to everything, as libzmq does.
            self.queued = Some(Event::Message(Msg::from_slice(&[1])));
        }
        Ok(Some(Event::HandshakeDone(Box::new(PeerInfo {
            socket_type: self.legacy_peer_type,
            routing_id,
            metadata,
            zap_metadata: Metadata::new(),
            major,
            minor,
        }))))
    }

    // ----- traffic -----

    fn ready_step(&mut self, now: Instant) -> Result<Option<Event>, Error> {
        let limit = Limit::Message(self.max_msg_size.saturating_add(self.wrap_overhead));
        loop {
            let Some(frame) = self.dec.next_frame(limit)? else {
                return Ok(None);
            };
            let (flags, body) = if self.wrap {
                // Every frame travels inside a command (CURVE's MESSAGE).
                // libzmq sends it in a frame with flags 0 and ignores the
                // wire flags on receipt; so do we (the body must still be
                // a MESSAGE: `decode` checks).
                let (flags, body) = self.mechanism.decode(frame.body.as_slice())?;
                let declared = body.len() as u64;
                if declared > self.max_msg_size {
                    return Err(Error::MessageTooLarge { declared });
                }
                (flags & (MORE | COMMAND), Body::Owned(body))
            } else {
                (frame.flags, frame.body)
            };
            let more = flags & MORE != 0;
            if flags & COMMAND == 0 {
                let mut msg = body.into_msg();
                msg.set_more(more);
                if self.msg_meta.is_some() {
                    msg.set_metadata(self.msg_meta.clone());
                }
                self.in_multipart = more;
                return Ok(Some(Event::Message(msg)));
            }
            if more {
                return Err(Error::MalformedCommand { command: "command" });
            }
            let cmd = command::parse(body.as_slice())?;
            match cmd.name {
                command::PING => {
                    let (ttl, context) = if self.strict_ping {
                        command::parse_ping(cmd.data)?
                    } else {
                        command::parse_ping_truncated(cmd.data)?
                    };
                    let mut ctx = [0u8; command::PING_MAX_CONTEXT];
                    let ctx = &mut ctx[..context.len()];
                    ctx.copy_from_slice(context);
                    self.timers.on_peer_ping(now, ttl);
                    self.queue_pong(ctx)?;
                }
                command::SUBSCRIBE | command::CANCEL if self.accepts_subscriptions => {
                    if self.in_multipart {
                        return Err(Error::UnexpectedCommand);
                    }
                    let subscribe = cmd.name == command::SUBSCRIBE;
                    return Ok(Some(Event::Message(subscription_msg(subscribe, cmd.data))));
                }
                command::ERROR => {
                    return Err(Error::PeerError(command::parse_error(cmd.data)?));
                }
                // PONG is only a sign of life (counted when bytes arrive);
                // unknown commands, and subscriptions sent to a socket type
                // that takes none, are ignored (RFC 37, libzmq).
                _ => {}
            }
        }
    }

    /// Every PING gets its PONG (libzmq answers each, and peers count on
    /// it, e.g. several PINGs in one read), but at most
    /// `MAX_UNWRITTEN_PONGS` wait unwritten: a peer flooding PINGs without
    /// reading cannot grow our output.
    fn queue_pong(&mut self, context: &[u8]) -> Result<(), Error> {
        let written = self.enc.written_total();
        while self
            .pongs_unwritten
            .front()
            .is_some_and(|&end| end <= written)
        {
            self.pongs_unwritten.pop_front();
        }
        if self.pongs_unwritten.len() >= MAX_UNWRITTEN_PONGS {
            return Ok(());
        }
        // Through the mechanism: CURVE wraps it in a MESSAGE.
        self.out_command(command::PONG, &[context])?;
        self.pongs_unwritten.push_back(self.enc.queued_total());
        Ok(())
    }

    // ----- frames out after the handshake (through the mechanism if it wraps) -----

    /// One frame whose body is `parts` concatenated.
    fn out_parts(&mut self, flags: u8, parts: &[&[u8]]) -> Result<(), Error> {
        if self.wrap {
            let mut body = Vec::new();
            self.mechanism.encode(flags, parts, &mut body)?;
            // Sent in a frame with flags 0 (as libzmq); a large body is
            // queued as it is, not copied again.
            if body.len() >= super::encoder::ZERO_COPY_MIN {
                self.enc.frame_msg(&Msg::from_vec(body));
            } else {
                self.enc.frame_parts(0, &[&body]);
            }
        } else {
            self.enc.frame_parts(flags, parts);
        }
        Ok(())
    }

    fn out_command(&mut self, name: &[u8], parts: &[&[u8]]) -> Result<(), Error> {
        if !self.wrap {
            self.enc.command(name, parts);
            return Ok(());
        }
        let name_len = [u8::try_from(name.len()).unwrap_or(u8::MAX)];
        let name = &name[..usize::from(name_len[0])];
        let mut all: Vec<&[u8]> = Vec::with_capacity(parts.len() + 2);
        all.push(&name_len);
        all.push(name);
        all.extend_from_slice(parts);
        self.out_parts(COMMAND, &all)
    }

    fn out_msg(&mut self, msg: &Msg) -> Result<(), Error> {
        if self.wrap {
            let flags = if msg.more() { MORE } else { 0 };
            self.out_parts(flags, &[msg.data()])
        } else {
            self.enc.frame_msg(msg);
            Ok(())
        }
    }

    /// Records a failure of an output call.
    fn fail_out(&mut self, r: Result<(), Error>) -> Result<(), Error> {
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    // ----- output -----

    /// Encodes one message frame (MORE from `msg.more()`). Messages flagged
    /// [`SUBSCRIBE_FLAG`]/[`CANCEL_FLAG`] carry a topic and go out as
    /// SUBSCRIBE/CANCEL commands to 3.1 peers, as 0x01/0x00 + topic messages
    /// to older ones. Before the handshake completes: `Err(NotReady)`,
    /// nothing queued.
    pub fn send(&mut self, msg: &Msg) -> Result<(), Error> {
        self.check()?;
        if self.phase != Phase::Ready {
            return Err(Error::NotReady);
        }
        let flags = msg.flags();
        let r = if flags & (SUBSCRIBE_FLAG | CANCEL_FLAG) != 0 {
            self.encode_subscription(flags & SUBSCRIBE_FLAG == 0, msg.data())
        } else {
            self.out_msg(msg)
        };
        self.fail_out(r)
    }

    /// Sends a subscription (`cancel` false) or its cancellation.
    pub fn send_subscription(&mut self, cancel: bool, topic: &[u8]) -> Result<(), Error> {
        self.check()?;
        if self.phase != Phase::Ready {
            return Err(Error::NotReady);
        }
        let r = self.encode_subscription(cancel, topic);
        self.fail_out(r)
    }

    fn encode_subscription(&mut self, cancel: bool, topic: &[u8]) -> Result<(), Error> {
        let is_31 = matches!(self.peer_version, Some((3, m)) if m >= 1);
        if is_31 {
            let name = if cancel {
                command::CANCEL
            } else {
                command::SUBSCRIBE
            };
            self.out_command(name, &[topic])
        } else {
            self.out_parts(0, &[&[u8::from(!cancel)], topic])
        }
    }

    /// Fills `dst` with the pending output (oldest first) for `writev`;
    /// returns the number of slices filled.
    pub fn out_slices<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        self.enc.out_slices(dst)
    }

    /// `n` bytes of the output were written.
    pub fn consume_out(&mut self, n: usize) {
        self.enc.consume(n);
    }

    /// Pending output bytes.
    pub fn out_len(&self) -> usize {
        self.enc.pending()
    }

    // ----- timers -----

    /// The earliest instant `handle_timeout` has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.failed.is_some() {
            return None;
        }
        self.timers.next_deadline()
    }

    /// Fires due timers: handshake timeout, heartbeat timeout, PING sending.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.check()?;
        match self.timers.poll(now) {
            Ok(Due::Nothing) => Ok(()),
            Ok(Due::SendPing) => {
                if self.phase != Phase::Ready {
                    return Ok(());
                }
                let r = self.out_command(command::PING, &[&command::ping_data(self.heartbeat_ttl)]);
                self.fail_out(r)
            }
            Err(e) => {
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    // ----- state -----

    pub fn is_handshake_done(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// Bytes held by decodes in progress: undecoded input plus the buffer of
    /// a large body being received (the fixed 16 KiB read buffer excluded).
    pub fn buffered_in(&self) -> usize {
        self.dec.held()
    }

    /// The peer's (major, minor) version once its greeting is known.
    pub fn peer_version(&self) -> Option<(u8, u8)> {
        self.peer_version
    }

    /// When bytes last arrived.
    pub fn last_received(&self) -> Option<Instant> {
        self.last_received
    }

    /// The error the connection failed with, if any.
    pub fn error(&self) -> Option<&Error> {
        self.failed.as_ref()
    }

    /// Metadata attached to every data message delivered from now on (the
    /// engine builds it from `PeerInfo::metadata` plus Peer-Address, User-Id).
    pub fn set_message_metadata(&mut self, meta: Option<Arc<Metadata>>) {
        self.msg_meta = meta;
    }

    fn check(&self) -> Result<(), Error> {
        match &self.failed {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
