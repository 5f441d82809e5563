//! Per-connection settings, filled by the engine from socket options.

use std::time::Duration;

use super::command::property_is_valid;
use super::mechanism::Security;
use super::socket_type;

/// Everything a [`super::Connection`] needs to know about its own side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Our socket type (libzmq numbers: `ZMQ_PAIR` = 0 .. `ZMQ_CHANNEL` = 20).
    pub socket_type: i32,
    /// ZMQ_ROUTING_ID. Sent as `Identity` in READY by REQ, DEALER and ROUTER
    /// (even when empty, as libzmq) and by other types when non-empty; sent
    /// as the identity frame to ZMTP 1.0/2.0 peers. At most 255 bytes (a
    /// longer one is treated as empty; see [`Config::validate`]).
    pub routing_id: Vec<u8>,
    /// Mechanism, role, credentials and ZAP settings (default: NULL).
    pub security: Security,
    /// MAXMSGSIZE for frames after the handshake; `None` = unlimited. A frame
    /// declaring more is refused from its header (`MessageTooLarge`).
    pub max_msg_size: Option<u64>,
    /// Cap for every frame until the handshake completes (separate from
    /// MAXMSGSIZE so that unauthenticated peers cannot make us buffer much).
    pub handshake_frame_cap: u64,
    /// Extra READY properties (ZMQ_METADATA, "X-..." names). Entries with an
    /// empty name, a name over 255 bytes, or named Socket-Type/Identity are
    /// skipped.
    pub metadata: Vec<(String, Vec<u8>)>,
    /// Accept ZMTP 1.0 and 2.0 peers. When false the full 64-byte greeting
    /// and READY are sent at once; when true the greeting is negotiated byte
    /// by byte as libzmq does (signature, then major version after the
    /// peer's signature, then the rest after the peer's version).
    pub accept_legacy: bool,
    /// The handshake must complete this long after creation.
    pub handshake_ivl: Option<Duration>,
    /// Send a PING this often after the handshake (3.x peers only).
    pub heartbeat_ivl: Option<Duration>,
    /// TTL advertised in our PINGs (whole deciseconds, at most 6553.5 s).
    pub heartbeat_ttl: Option<Duration>,
    /// Fail with `HeartbeatTimeout` when nothing is received for this long
    /// after a PING; `None` = the heartbeat interval (libzmq's default).
    pub heartbeat_timeout: Option<Duration>,
    /// A PING whose context exceeds 16 bytes (RFC 37's maximum) is a
    /// protocol error; when false its first 16 bytes are echoed (libzmq).
    pub strict_ping: bool,
}

/// What [`Config::validate`] found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// Unknown type, or STREAM/DGRAM (they do not speak ZMTP).
    SocketType(i32),
    /// Routing id over 255 bytes.
    RoutingId,
    /// A metadata entry that cannot be sent (name empty or over 255 bytes,
    /// or a reserved name).
    Metadata(String),
}

impl Config {
    /// 16 MiB (HARDENING.md `default` profile).
    pub const DEFAULT_MAX_MSG_SIZE: u64 = 16 << 20;
    /// 64 KiB.
    pub const DEFAULT_HANDSHAKE_FRAME_CAP: u64 = 64 << 10;
    /// 10 s.
    pub const DEFAULT_HANDSHAKE_IVL: Duration = Duration::from_secs(10);

    /// The `default` profile for a socket of this type: NULL mechanism,
    /// MAXMSGSIZE 16 MiB, handshake frames capped at 64 KiB, 10 s handshake
    /// timeout, no heartbeats, ZMTP 1.0/2.0 refused (sockets take
    /// `accept_legacy` from their profile).
    pub fn new(socket_type: i32) -> Config {
        Config {
            socket_type,
            routing_id: Vec::new(),
            security: Security::default(),
            max_msg_size: Some(Self::DEFAULT_MAX_MSG_SIZE),
            handshake_frame_cap: Self::DEFAULT_HANDSHAKE_FRAME_CAP,
            metadata: Vec::new(),
            accept_legacy: false,
            handshake_ivl: Some(Self::DEFAULT_HANDSHAKE_IVL),
            heartbeat_ivl: None,
            heartbeat_ttl: None,
            heartbeat_timeout: None,
            strict_ping: true,
        }
    }

    /// Checks what [`super::Connection::new`] would otherwise silently skip.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !socket_type::speaks_zmtp(self.socket_type) {
            return Err(ConfigError::SocketType(self.socket_type));
        }
        if self.routing_id.len() > 255 {
            return Err(ConfigError::RoutingId);
        }
        for (name, value) in &self.metadata {
            if !metadata_entry_ok(name, value) {
                return Err(ConfigError::Metadata(name.clone()));
            }
        }
        Ok(())
    }
}

/// Whether a ZMQ_METADATA entry is sent.
pub(crate) fn metadata_entry_ok(name: &str, value: &[u8]) -> bool {
    property_is_valid(name.as_bytes(), value)
        && !name.eq_ignore_ascii_case("Socket-Type")
        && !name.eq_ignore_ascii_case("Identity")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let c = Config::new(socket_type::DEALER);
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.max_msg_size, Some(16 << 20));
        assert!(!c.accept_legacy);
        let mut bad = c.clone();
        bad.socket_type = socket_type::STREAM;
        assert_eq!(bad.validate(), Err(ConfigError::SocketType(11)));
        let mut bad = c.clone();
        bad.routing_id = vec![1; 256];
        assert_eq!(bad.validate(), Err(ConfigError::RoutingId));
        let mut bad = c.clone();
        bad.metadata.push(("identity".into(), vec![]));
        assert!(bad.validate().is_err());
        let mut ok = c;
        ok.metadata.push(("X-Hello".into(), b"world".to_vec()));
        assert_eq!(ok.validate(), Ok(()));
    }
}
