//! Why a ZMTP connection failed. Pure data; any thread.

use std::fmt;

/// `ZMQ_PROTOCOL_ERROR_*` values from zmq.h (monitor event values).
pub mod protocol_error {
    pub const ZMTP_UNSPECIFIED: u32 = 0x1000_0000;
    pub const ZMTP_UNEXPECTED_COMMAND: u32 = 0x1000_0001;
    pub const ZMTP_INVALID_SEQUENCE: u32 = 0x1000_0002;
    pub const ZMTP_KEY_EXCHANGE: u32 = 0x1000_0003;
    pub const ZMTP_MALFORMED_COMMAND_UNSPECIFIED: u32 = 0x1000_0011;
    pub const ZMTP_MALFORMED_COMMAND_MESSAGE: u32 = 0x1000_0012;
    pub const ZMTP_MALFORMED_COMMAND_HELLO: u32 = 0x1000_0013;
    pub const ZMTP_MALFORMED_COMMAND_INITIATE: u32 = 0x1000_0014;
    pub const ZMTP_MALFORMED_COMMAND_ERROR: u32 = 0x1000_0015;
    pub const ZMTP_MALFORMED_COMMAND_READY: u32 = 0x1000_0016;
    pub const ZMTP_MALFORMED_COMMAND_WELCOME: u32 = 0x1000_0017;
    pub const ZMTP_INVALID_METADATA: u32 = 0x1000_0018;
    pub const ZMTP_CRYPTOGRAPHIC: u32 = 0x1100_0001;
    pub const ZMTP_MECHANISM_MISMATCH: u32 = 0x1100_0002;
    pub const ZAP_UNSPECIFIED: u32 = 0x2000_0000;
    pub const ZAP_MALFORMED_REPLY: u32 = 0x2000_0001;
    pub const ZAP_BAD_REQUEST_ID: u32 = 0x2000_0002;
    pub const ZAP_BAD_VERSION: u32 = 0x2000_0003;
    pub const ZAP_INVALID_STATUS_CODE: u32 = 0x2000_0004;
    pub const ZAP_INVALID_METADATA: u32 = 0x2000_0005;
}

/// A connection failure. Every variant except [`Error::NotReady`] is fatal:
/// once returned, every later call returns the same error and the engine
/// should flush what [`super::Connection::out_slices`] still holds (for
/// example the ERROR command queued on a socket type mismatch) and close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The peer's greeting is not ZMTP (e.g. version byte 2).
    BadGreeting,
    /// A ZMTP 1.0 or 2.0 peer while `accept_legacy` is false.
    LegacyPeerRefused,
    /// The peer's greeting names another security mechanism.
    MechanismMismatch,
    /// A frame before the end of the handshake declared more than
    /// `handshake_frame_cap` bytes (refused from the header alone).
    HandshakeFrameTooLarge { declared: u64 },
    /// A frame after the handshake declared more than MAXMSGSIZE bytes
    /// (refused from the header alone).
    MessageTooLarge { declared: u64 },
    /// A frame that cannot be decoded: size of 2^63 or more, or a ZMTP 1.0
    /// length of zero.
    MalformedFrame,
    /// A command whose body does not follow its grammar (`command` names it:
    /// "READY", "ERROR", "PING", ..., or "command" when even the name is bad,
    /// or the frame had MORE set).
    MalformedCommand { command: &'static str },
    /// A command (or a data frame) that is not allowed at this point.
    UnexpectedCommand,
    /// The peer's Socket-Type is missing, unknown or incompatible with ours.
    SocketTypeMismatch,
    /// The peer's identity is longer than 255 bytes, or starts with a zero
    /// byte while we are a ROUTER (that space is for generated ids).
    InvalidIdentity,
    /// More READY properties than we accept (`MAX_PROPERTIES`).
    InvalidMetadata,
    /// The peer sent an ERROR command; the text is its reason.
    PeerError(String),
    /// CURVE: a box that does not open (wrong key, tampering), a bad cookie,
    /// or a failing random number generator.
    Cryptographic,
    /// CURVE: a short nonce not above the last one received (replay).
    InvalidSequence,
    /// CURVE: the vouch does not bind the client's keys to this server.
    KeyExchange,
    /// The handshake did not complete within `handshake_ivl`.
    HandshakeTimeout,
    /// No traffic within the heartbeat timeout after our PING, or within the
    /// TTL the peer advertised in its PING.
    HeartbeatTimeout,
    /// `send` before the handshake completed. Not fatal: nothing was queued.
    NotReady,
    /// The ZAP handler refused the peer: status 300, 400 or 500
    /// (`ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`).
    AuthFailed(u32),
    /// The ZAP handler's reply is malformed; `code` is the
    /// `ZMQ_PROTOCOL_ERROR_ZAP_*` value.
    ZapProtocol { code: u32 },
    /// ZAP is required (PLAIN server, or ZAP_ENFORCE_DOMAIN) and no handler
    /// is bound (libzmq reports HANDSHAKE_FAILED_NO_DETAIL with EFAULT).
    ZapUnavailable,
    /// A ZAP answer fed to a connection that asked for none.
    UnexpectedZapReply,
}

impl Error {
    /// The `ZMQ_PROTOCOL_ERROR_*` value to report with a
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` monitor event, when the error
    /// happened before the handshake completed. `None` for errors libzmq
    /// does not report that way (limits, timeouts, ERROR from the peer:
    /// see [`Error::auth_status_code`]).
    pub fn protocol_error_code(&self) -> Option<u32> {
        use protocol_error::*;
        match self {
            Error::BadGreeting | Error::LegacyPeerRefused | Error::MalformedFrame => {
                Some(ZMTP_UNSPECIFIED)
            }
            Error::MechanismMismatch => Some(ZMTP_MECHANISM_MISMATCH),
            Error::MalformedCommand { command } => Some(match *command {
                "READY" => ZMTP_MALFORMED_COMMAND_READY,
                "ERROR" => ZMTP_MALFORMED_COMMAND_ERROR,
                "HELLO" => ZMTP_MALFORMED_COMMAND_HELLO,
                "WELCOME" => ZMTP_MALFORMED_COMMAND_WELCOME,
                "INITIATE" => ZMTP_MALFORMED_COMMAND_INITIATE,
                "MESSAGE" => ZMTP_MALFORMED_COMMAND_MESSAGE,
                _ => ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            }),
            Error::UnexpectedCommand => Some(ZMTP_UNEXPECTED_COMMAND),
            Error::Cryptographic => Some(ZMTP_CRYPTOGRAPHIC),
            Error::InvalidSequence => Some(ZMTP_INVALID_SEQUENCE),
            Error::KeyExchange => Some(ZMTP_KEY_EXCHANGE),
            Error::ZapProtocol { code } => Some(*code),
            Error::SocketTypeMismatch | Error::InvalidIdentity | Error::InvalidMetadata => {
                Some(ZMTP_INVALID_METADATA)
            }
            Error::HandshakeFrameTooLarge { .. }
            | Error::MessageTooLarge { .. }
            | Error::PeerError(_)
            | Error::HandshakeTimeout
            | Error::HeartbeatTimeout
            | Error::NotReady
            | Error::AuthFailed(_)
            | Error::ZapUnavailable
            | Error::UnexpectedZapReply => None,
        }
    }

    /// The ZAP status code to report as `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`:
    /// our handler's refusal, or an ERROR from the peer whose reason is a
    /// status code ("300", "400" or "500"), as libzmq.
    pub fn auth_status_code(&self) -> Option<u32> {
        let reason = match self {
            Error::AuthFailed(code) => return Some(*code),
            Error::PeerError(reason) => reason,
            _ => return None,
        };
        match reason.as_bytes() {
            [d @ b'3'..=b'5', b'0', b'0'] => Some(u32::from(d - b'0') * 100),
            _ => None,
        }
    }

    /// Whether the connection is dead after this error.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, Error::NotReady)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadGreeting => write!(f, "invalid ZMTP greeting"),
            Error::LegacyPeerRefused => write!(f, "ZMTP 1.0/2.0 peer refused"),
            Error::MechanismMismatch => write!(f, "security mechanism mismatch"),
            Error::HandshakeFrameTooLarge { declared } => {
                write!(f, "handshake frame of {declared} bytes over the cap")
            }
            Error::MessageTooLarge { declared } => {
                write!(f, "frame of {declared} bytes over MAXMSGSIZE")
            }
            Error::MalformedFrame => write!(f, "malformed frame"),
            Error::MalformedCommand { command } => write!(f, "malformed {command} command"),
            Error::UnexpectedCommand => write!(f, "unexpected command"),
            Error::SocketTypeMismatch => write!(f, "incompatible socket type"),
            Error::InvalidIdentity => write!(f, "invalid peer identity"),
            Error::InvalidMetadata => write!(f, "too many handshake properties"),
            Error::PeerError(reason) => write!(f, "peer sent ERROR: {reason}"),
            Error::Cryptographic => write!(f, "CURVE box does not open"),
            Error::InvalidSequence => write!(f, "CURVE nonce replayed or out of order"),
            Error::KeyExchange => write!(f, "CURVE vouch does not match"),
            Error::HandshakeTimeout => write!(f, "handshake timed out"),
            Error::HeartbeatTimeout => write!(f, "heartbeat timed out"),
            Error::NotReady => write!(f, "handshake not complete"),
            Error::AuthFailed(code) => write!(f, "ZAP handler refused the peer ({code})"),
            Error::ZapProtocol { code } => write!(f, "malformed ZAP reply ({code:#x})"),
            Error::ZapUnavailable => write!(f, "ZAP required and no handler bound"),
            Error::UnexpectedZapReply => write!(f, "ZAP reply without a request"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(
            Error::MechanismMismatch.protocol_error_code(),
            Some(protocol_error::ZMTP_MECHANISM_MISMATCH)
        );
        assert_eq!(
            Error::MalformedCommand { command: "READY" }.protocol_error_code(),
            Some(0x1000_0016)
        );
        assert_eq!(
            Error::MalformedCommand { command: "PING" }.protocol_error_code(),
            Some(0x1000_0011)
        );
        assert_eq!(Error::HeartbeatTimeout.protocol_error_code(), None);
        assert_eq!(Error::PeerError("400".into()).auth_status_code(), Some(400));
        assert_eq!(Error::PeerError("401".into()).auth_status_code(), None);
        assert_eq!(Error::PeerError("oops".into()).auth_status_code(), None);
        assert_eq!(Error::AuthFailed(300).auth_status_code(), Some(300));
        assert_eq!(Error::AuthFailed(300).protocol_error_code(), None);
        assert_eq!(
            Error::ZapProtocol { code: 0x2000_0004 }.protocol_error_code(),
            Some(0x2000_0004)
        );
        assert!(!Error::NotReady.is_fatal());
        assert!(Error::BadGreeting.is_fatal());
        assert_eq!(
            Error::MessageTooLarge { declared: 5 }.to_string(),
            "frame of 5 bytes over MAXMSGSIZE"
        );
    }
}
