//! Security mechanisms: the command exchange between the greeting and the
//! first message. Only NULL (RFC 23) exists so far; PLAIN and CURVE slot in
//! as further variants of `Mechanism` with the same two entry points
//! (`start` when our greeting is out, `on_command` per handshake command).
//! CURVE will also need a per-frame encode/decode hook after the handshake;
//! that hook does not exist yet.

pub mod curve;
pub(crate) mod null;

use super::command::{self, Command, Properties};
use super::encoder::Encoder;
use super::error::Error;
use super::event::PeerInfo;
use super::greeting::{self, MECHANISM_LEN};
use super::socket_type;
use crate::msg::Metadata;

/// Which mechanism a connection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MechanismKind {
    #[default]
    Null,
}

impl MechanismKind {
    /// The name in the greeting.
    pub fn name(self) -> &'static str {
        match self {
            MechanismKind::Null => "NULL",
        }
    }

    pub(crate) fn greeting_field(self) -> [u8; MECHANISM_LEN] {
        greeting::mechanism_field(self.name())
    }
}

/// A mechanism in progress.
pub(crate) enum Mechanism {
    Null(null::NullMechanism),
}

impl Mechanism {
    /// `properties` is our READY/INITIATE property list (already encoded).
    pub(crate) fn new(kind: MechanismKind, our_type: i32, properties: Vec<u8>) -> Mechanism {
        match kind {
            MechanismKind::Null => Mechanism::Null(null::NullMechanism::new(our_type, properties)),
        }
    }

    /// Queues the commands we send first (called once our greeting is out).
    pub(crate) fn start(&mut self, enc: &mut Encoder) {
        match self {
            Mechanism::Null(m) => m.start(enc),
        }
    }

    /// Handles one handshake command; `Some` when the handshake is complete.
    /// May queue commands (e.g. ERROR on a socket type mismatch).
    pub(crate) fn on_command(
        &mut self,
        cmd: Command<'_>,
        enc: &mut Encoder,
    ) -> Result<Option<PeerInfo>, Error> {
        match self {
            Mechanism::Null(m) => m.on_command(cmd, enc),
        }
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
        major: 3,
        minor: 0,
    })
}

/// The READY reason we send when the peer's Socket-Type does not fit.
pub(crate) const SOCKET_TYPE_REASON: &str = "Invalid socket type";

/// Queues an ERROR command.
pub(crate) fn send_error(enc: &mut Encoder, reason: &str) {
    enc.command(command::ERROR, &[&command::error_data(reason)]);
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
}
