//! What one run of a body did, and the bits that record it.

/// What one run of a body did, observed cheaply from its public results.
/// The stable fuzz driver (`tests::soak`) keeps an input in its corpus when
/// its outcome shows something not seen before.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Outcome {
    /// 0 when no error, else [`error_kind`] (the greeting target packs two).
    pub(crate) error: u16,
    /// Target-specific progress: framing and limit, greeting detection,
    /// handshake phase and peer version.
    pub(crate) phase: u8,
    /// Bit set of what was seen (`SEEN_*`, `FRAME_*`).
    pub(crate) seen: u32,
    /// Frames or events delivered.
    pub(crate) events: u32,
    /// Input bytes accepted.
    pub(crate) consumed: u32,
}

/// A small number per error kind, 1-based.
pub(super) fn error_kind(e: &crate::zmtp::Error) -> u16 {
    use crate::zmtp::Error as E;
    match e {
        E::BadGreeting => 1,
        E::LegacyPeerRefused => 2,
        E::MechanismMismatch => 3,
        E::HandshakeFrameTooLarge { .. } => 4,
        E::MessageTooLarge { .. } => 5,
        E::MalformedFrame => 6,
        E::MalformedCommand { command } => match *command {
            "READY" => 7,
            "ERROR" => 8,
            "PING" => 9,
            "command" => 10,
            "HELLO" => 20,
            "WELCOME" => 21,
            "INITIATE" => 22,
            "MESSAGE" => 28,
            _ => 11,
        },
        E::UnexpectedCommand => 12,
        E::SocketTypeMismatch => 13,
        E::InvalidIdentity => 14,
        E::InvalidMetadata => 15,
        E::PeerError(_) => 16,
        E::HandshakeTimeout => 17,
        E::HeartbeatTimeout => 18,
        E::NotReady => 19,
        E::AuthFailed(_) => 23,
        E::ZapProtocol { .. } => 24,
        E::ZapUnavailable => 25,
        E::Cryptographic => 26,
        E::UnexpectedZapReply => 27,
        E::InvalidSequence => 29,
        E::KeyExchange => 30,
    }
}

// `Outcome::seen` bits of the decoder target: flag combination (bit 0..=3)
// and size class (bit 4..=9) of every frame, bodies moved without copy.
pub(super) const FRAME_DIRECT: u32 = 1 << 10;

pub(super) fn size_class(len: usize) -> u32 {
    match len {
        0 => 0,
        1..=33 => 1,
        34..=255 => 2,
        256..=8192 => 3,
        8193..=65536 => 4,
        _ => 5,
    }
}

// `Outcome::seen` bits of the connection targets.
pub(super) const SEEN_HANDSHAKE: u32 = 1;
pub(super) const SEEN_MORE: u32 = 1 << 1;
pub(super) const SEEN_LAST: u32 = 1 << 2;
pub(super) const SEEN_EMPTY: u32 = 1 << 3;
pub(super) const SEEN_HEAP: u32 = 1 << 4;
pub(super) const SEEN_LARGE: u32 = 1 << 5;
pub(super) const SEEN_READ_BUF_FULL: u32 = 1 << 6;
pub(super) const SEEN_REPLY_AFTER: u32 = 1 << 7;
pub(super) const SEEN_REPLY_BEFORE: u32 = 1 << 8;
pub(super) const SEEN_TIMER_OUTPUT: u32 = 1 << 9;
pub(super) const SEEN_TIMER_ERROR: u32 = 1 << 10;
pub(super) const SEEN_METADATA: u32 = 1 << 11;
pub(super) const SEEN_ROUTING_ID: u32 = 1 << 12;
pub(super) const SEEN_ZAP: u32 = 1 << 13;

pub(super) fn clamp32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
