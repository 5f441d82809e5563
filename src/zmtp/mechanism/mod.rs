//! Security mechanisms: the command exchange between the greeting and the
//! first message, and (for CURVE) what happens to every frame after it.
//! Sans-I/O like the rest of `zmtp`: no clock, no I/O, no unsafe.
//!
//! # Shape
//!
//! A [`crate::zmtp::Connection`] owns one `Box<dyn Mechanism>`, made by
//! [`new`] from [`Security`] (which mechanism, client or server role,
//! credentials, ZAP settings; filled from socket options) and [`Local`]
//! (our socket type, routing id and READY/INITIATE property list). The
//! connection calls, all on the I/O thread:
//!
//! 1. `start(out)` once our greeting is queued: queue the first commands
//!    (NULL: READY; PLAIN/CURVE client: HELLO; a server waits).
//! 2. `on_command(cmd, out)` per handshake command from the peer (one
//!    command frame, MORE clear; name and data already split, libzmq's
//!    PLAIN ERROR spelling read as ERROR: `command::parse_handshake`).
//! 3. `on_zap(answer, out)` once after a step returned [`Step::Zap`].
//!
//! Each returns a [`Step`]:
//! - `Continue`: wait for the peer's next command.
//! - `Zap(request)`: ask the ZAP handler (RFC 27). The connection pauses (it
//!   decodes nothing more; the handshake timer keeps running) and hands the
//!   request to the engine as `Event::ZapRequest`. The engine fills in
//!   `request.address`, sends `request.frames()` to the handler bound at
//!   `inproc://zeromq.zap.01` in the socket's context without blocking, and
//!   feeds the answer back with `Connection::zap_reply`: the reply's frames
//!   (parsed and checked by [`zap::parse_reply`]; a malformed reply is
//!   `Error::ZapProtocol`), or `None` when no handler is bound. The
//!   mechanism decides what "no handler" means (libzmq 4.3.5: NULL and
//!   CURVE go on without ZAP unless ZAP_ENFORCE_DOMAIN is set, PLAIN
//!   fails); [`zap::verdict`] applies a reply's status (200 accepts, 300
//!   fails silently, 400/500 queue ERROR "400"/"500" and fail).
//! - `Done(peer)`: the handshake is complete. `peer` has the peer's
//!   properties, and after ZAP the reply's metadata and `User-Id` in
//!   `peer.zap_metadata`.
//!
//! `Err` is final, as everywhere in `zmtp`: queue ERROR first where the
//! protocol wants one (`send_error`), then return the error. The engine
//! flushes what was queued and closes.
//!
//! After `Done`, a mechanism whose `wraps_frames()` is true (CURVE) sees
//! every frame both ways, data and commands (PING, SUBSCRIBE, ...) alike:
//! `encode(flags, parts, out)` appends to `out` the body of the command
//! frame sent in place of one frame whose wire flags are `flags` (`MORE`,
//! `COMMAND`) and whose body is the concatenation of `parts` (CURVE:
//! `\x07MESSAGE`, nonce, box); `decode(body)` turns a received frame's body
//! back into (flags, body), which the connection then handles as if it had
//! arrived unwrapped. A received frame without the COMMAND flag never
//! reaches `decode` (`UnexpectedCommand`). `frame_overhead()` is how much
//! larger a wrapped frame is than what it wraps, so that MAXMSGSIZE limits
//! messages, not their wrapping.
//!
//! Adding a mechanism: a file here implementing [`Mechanism`], a
//! [`MechanismKind`] variant, and one arm in [`new`].

pub mod curve;
pub(crate) mod null;
pub(crate) mod plain;
pub(crate) mod zap;

use super::command::{self, Command, Properties};
use super::encoder::Encoder;
use super::error::Error;
use super::event::PeerInfo;
use super::greeting::{self, MECHANISM_LEN};
use super::socket_type;
use crate::msg::Metadata;

// The flags `encode`/`decode` speak, for mechanisms that wrap frames.
#[allow(unused_imports)]
pub(crate) use super::frame::{COMMAND, MORE};
pub use zap::{ZapReply, ZapRequest};

/// Which mechanism a connection uses (ZMQ_MECHANISM's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MechanismKind {
    #[default]
    Null,
    Plain,
    Curve,
}

impl MechanismKind {
    /// The name in the greeting (and in ZAP requests).
    pub fn name(self) -> &'static str {
        match self {
            MechanismKind::Null => "NULL",
            MechanismKind::Plain => "PLAIN",
            MechanismKind::Curve => "CURVE",
        }
    }

    /// ZMQ_NULL, ZMQ_PLAIN, ZMQ_CURVE.
    pub fn option_value(self) -> i32 {
        match self {
            MechanismKind::Null => 0,
            MechanismKind::Plain => 1,
            MechanismKind::Curve => 2,
        }
    }

    pub(crate) fn greeting_field(self) -> [u8; MECHANISM_LEN] {
        greeting::mechanism_field(self.name())
    }
}

/// Our side of an asymmetric mechanism (PLAIN, CURVE); NULL has none and
/// uses `Client`. A server sends as-server = 1 in its greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    Client,
    Server,
}

/// CURVE keys as raw 32-byte values (options accept Z85 too; converted
/// before they get here). `server_key` is used by clients only; a server
/// derives its public key from its secret key. The secret key is zeroed on
/// drop.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct CurveKeys {
    pub public_key: [u8; 32],
    pub secret_key: curve::SecretBytes,
    pub server_key: [u8; 32],
}

/// The security settings of a connection, from socket options.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Security {
    pub kind: MechanismKind,
    /// ZMQ_PLAIN_SERVER / ZMQ_CURVE_SERVER.
    pub role: Role,
    /// ZMQ_PLAIN_USERNAME / ZMQ_PLAIN_PASSWORD (client side).
    pub plain_username: Vec<u8>,
    pub plain_password: Vec<u8>,
    pub curve: CurveKeys,
    /// ZMQ_ZAP_DOMAIN. Non-empty: NULL consults ZAP too.
    pub zap_domain: Vec<u8>,
    /// ZMQ_ZAP_ENFORCE_DOMAIN: with no ZAP handler bound, fail instead of
    /// going on without authentication.
    pub zap_enforce_domain: bool,
}

impl Security {
    /// Whether the greeting's as-server bit is set.
    pub fn as_server(&self) -> bool {
        self.kind != MechanismKind::Null && self.role == Role::Server
    }

    /// libzmq's `zap_enabled`: a ZAP handler may be asked. ZMTP 1.0/2.0
    /// peers are refused then (they cannot be authenticated).
    pub fn zap_enabled(&self) -> bool {
        self.kind != MechanismKind::Null || !self.zap_domain.is_empty()
    }
}

// Credentials stay out of logs.
impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("kind", &self.kind)
            .field("role", &self.role)
            .field(
                "plain_username",
                &String::from_utf8_lossy(&self.plain_username),
            )
            .field("zap_domain", &String::from_utf8_lossy(&self.zap_domain))
            .field("zap_enforce_domain", &self.zap_enforce_domain)
            .finish_non_exhaustive()
    }
}

/// What a mechanism knows about our own socket.
#[derive(Debug, Clone)]
pub(crate) struct Local {
    pub socket_type: i32,
    /// ZMQ_ROUTING_ID (sent in ZAP requests as the identity, as libzmq).
    pub routing_id: Vec<u8>,
    /// Our READY/INITIATE property list, encoded: Socket-Type, Identity,
    /// ZMQ_METADATA.
    pub properties: Vec<u8>,
}

/// What the handshake needs next.
#[derive(Debug, PartialEq)]
pub(crate) enum Step {
    /// Wait for the peer's next command.
    Continue,
    /// Ask the ZAP handler; `on_zap` gets the answer.
    Zap(ZapRequest),
    /// The handshake is complete.
    Done(PeerInfo),
}

/// The ZAP handler's answer as the mechanism sees it.
#[derive(Debug)]
pub(crate) enum ZapAnswer {
    /// Nothing is bound at inproc://zeromq.zap.01.
    NoHandler,
    /// A well-formed reply.
    Reply(ZapReply),
}

/// A security mechanism in progress. See the module documentation.
pub(crate) trait Mechanism: Send {
    /// Our greeting is queued: queue what we send first.
    fn start(&mut self, out: &mut Encoder) -> Result<Step, Error>;

    /// One handshake command from the peer.
    fn on_command(&mut self, cmd: Command<'_>, out: &mut Encoder) -> Result<Step, Error>;

    /// The answer to the `Step::Zap` this mechanism returned.
    fn on_zap(&mut self, answer: ZapAnswer, out: &mut Encoder) -> Result<Step, Error> {
        let _ = (answer, out);
        Err(Error::UnexpectedCommand)
    }

    /// Whether frames after the handshake go through `encode`/`decode`.
    fn wraps_frames(&self) -> bool {
        false
    }

    /// Bytes a wrapped frame's body has beyond the frame it wraps.
    fn frame_overhead(&self) -> u64 {
        0
    }

    /// Appends to `out` the command body that carries one frame (`flags`:
    /// `MORE`/`COMMAND`; body: `parts` concatenated). Only called when
    /// `wraps_frames()`.
    fn encode(&mut self, flags: u8, parts: &[&[u8]], out: &mut Vec<u8>) -> Result<(), Error> {
        let _ = (flags, parts, out);
        Err(Error::UnexpectedCommand)
    }

    /// The frame carried by a received command body: (flags, body). Only
    /// called when `wraps_frames()`.
    fn decode(&mut self, body: &[u8]) -> Result<(u8, Vec<u8>), Error> {
        let _ = body;
        Err(Error::UnexpectedCommand)
    }
}

/// Makes the mechanism `security` asks for.
pub(crate) fn new(security: &Security, local: Local) -> Box<dyn Mechanism> {
    match security.kind {
        MechanismKind::Null => Box::new(null::NullMechanism::new(local, security)),
        MechanismKind::Plain => match security.role {
            Role::Client => Box::new(plain::PlainClient::new(local, security)),
            Role::Server => Box::new(plain::PlainServer::new(local, security)),
        },
        MechanismKind::Curve => curve::new(security, local),
    }
}

/// Most properties accepted in one READY: a handshake frame of 64 KiB could
/// otherwise carry 10 000 tiny ones (and `Metadata` lookups are linear).
pub(crate) const MAX_PROPERTIES: usize = 256;

/// Builds the peer description from a READY (or INITIATE) property list and
/// validates it: Socket-Type must be present and compatible with ours, and
/// Identity at most 255 bytes, not starting with 0x00 when we are a ROUTER
/// (that space is for ROUTER's generated ids). Major/minor are left at 3/0
/// for the caller to fill.
pub(crate) fn peer_from_properties(
    our_type: i32,
    data: &[u8],
    label: &'static str,
) -> Result<PeerInfo, Error> {
    let mut metadata = Metadata::new();
    let mut peer_type = None;
    let mut routing_id = Vec::new();
    for (i, prop) in Properties::new(data, label).enumerate() {
        let (name, value) = prop?;
        if i == MAX_PROPERTIES {
            return Err(Error::InvalidMetadata);
        }
        let name = String::from_utf8_lossy(name);
        if name.eq_ignore_ascii_case("Socket-Type") {
            let t = socket_type::from_name(value)
                .filter(|&t| socket_type::compatible(our_type, t))
                .ok_or(Error::SocketTypeMismatch)?;
            peer_type = Some(t);
        } else if name.eq_ignore_ascii_case("Identity") {
            if value.len() > 255 || (our_type == socket_type::ROUTER && value.first() == Some(&0)) {
                return Err(Error::InvalidIdentity);
            }
            routing_id = value.to_vec();
        }
        metadata.set(&name, value);
    }
    let socket_type = peer_type.ok_or(Error::SocketTypeMismatch)?;
    Ok(PeerInfo {
        socket_type,
        routing_id,
        metadata,
        zap_metadata: Metadata::new(),
        major: 3,
        minor: 0,
    })
}

/// As [`peer_from_properties`], queuing ERROR "Invalid socket type" when
/// the Socket-Type does not fit (as libzmq).
pub(crate) fn check_peer(
    our_type: i32,
    data: &[u8],
    label: &'static str,
    out: &mut Encoder,
) -> Result<PeerInfo, Error> {
    let r = peer_from_properties(our_type, data, label);
    if r == Err(Error::SocketTypeMismatch) {
        send_error(out, SOCKET_TYPE_REASON);
    }
    r
}

/// The ERROR reason we send when the peer's Socket-Type does not fit.
pub(crate) const SOCKET_TYPE_REASON: &str = "Invalid socket type";

/// Queues an ERROR command.
pub(crate) fn send_error(enc: &mut Encoder, reason: &str) {
    enc.command(command::ERROR, &[&command::error_data(reason)]);
}

/// The error for a peer's ERROR command (a malformed one is malformed).
pub(crate) fn peer_error(data: &[u8]) -> Error {
    match command::parse_error(data) {
        Ok(reason) => Error::PeerError(reason),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::command::write_property;

    fn props(list: &[(&str, &[u8])]) -> Vec<u8> {
        let mut v = Vec::new();
        for (n, val) in list {
            write_property(&mut v, n.as_bytes(), val);
        }
        v
    }

    #[test]
    fn validation() {
        use socket_type::*;
        let p = props(&[
            ("socket-type", b"DEALER"),
            ("IDENTITY", b"abc"),
            ("X-A", b"1"),
        ]);
        let info = peer_from_properties(ROUTER, &p, "READY").unwrap();
        assert_eq!(info.socket_type, DEALER);
        assert_eq!(info.routing_id, b"abc");
        assert_eq!(info.metadata.get("Socket-Type"), Some(&b"DEALER"[..]));
        assert_eq!(info.metadata.get("x-a"), Some(&b"1"[..]));
        assert_eq!(
            peer_from_properties(PUSH, &p, "READY"),
            Err(Error::SocketTypeMismatch)
        );
        let p = props(&[("Socket-Type", b"dealer")]);
        assert_eq!(
            peer_from_properties(ROUTER, &p, "READY"),
            Err(Error::SocketTypeMismatch)
        );
        let p = props(&[("X-A", b"1")]);
        assert_eq!(
            peer_from_properties(ROUTER, &p, "READY"),
            Err(Error::SocketTypeMismatch)
        );
        let p = props(&[("Socket-Type", b"REQ"), ("Identity", b"\0x")]);
        assert_eq!(
            peer_from_properties(ROUTER, &p, "READY"),
            Err(Error::InvalidIdentity)
        );
        assert!(peer_from_properties(REP, &p, "READY").is_ok());
        let p = props(&[("Socket-Type", b"REQ"), ("Identity", &[1; 256])]);
        assert_eq!(
            peer_from_properties(REP, &p, "READY"),
            Err(Error::InvalidIdentity)
        );
        let mut many = Vec::new();
        for i in 0..MAX_PROPERTIES {
            write_property(&mut many, format!("X-{i}").as_bytes(), b"");
        }
        write_property(&mut many, b"Socket-Type", b"REQ");
        assert_eq!(
            peer_from_properties(REP, &many, "READY"),
            Err(Error::InvalidMetadata)
        );
        let mut p = props(&[("Socket-Type", b"REQ")]);
        p.push(3);
        assert_eq!(
            peer_from_properties(REP, &p, "READY"),
            Err(Error::MalformedCommand { command: "READY" })
        );
    }

    #[test]
    fn security_flags_and_secrets() {
        let mut s = Security::default();
        assert!(!s.as_server() && !s.zap_enabled());
        s.role = Role::Server;
        assert!(!s.as_server(), "NULL never claims the server role");
        s.zap_domain = b"global".to_vec();
        assert!(s.zap_enabled());
        s.kind = MechanismKind::Plain;
        s.plain_password = b"hunter2".to_vec();
        assert!(s.as_server());
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(MechanismKind::Curve.option_value(), 2);
        assert_eq!(MechanismKind::Plain.name(), "PLAIN");
    }
}
