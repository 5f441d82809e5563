//! Frame flag bits and the framing flavours shared by decoder and encoder.

/// More frames of this message follow.
pub(crate) const MORE: u8 = 0x01;
/// 8-byte size field (ZMTP 2.0/3.x).
pub(crate) const LONG: u8 = 0x02;
/// The frame is a command (ZMTP 3.x only).
pub(crate) const COMMAND: u8 = 0x04;

/// Largest body size the protocol allows (2^63 - 1).
pub(crate) const MAX_BODY: u64 = u64::MAX >> 1;

/// How frames are laid out on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// ZMTP 1.0 (RFC 13): length (1 octet, or 0xFF + 8 octets) counting the
    /// flags octet, then flags (bit 0 MORE), then the body.
    V1,
    /// ZMTP 2.0 (RFC 15): flags (MORE, LONG), size (1 or 8 octets), body.
    V2,
    /// ZMTP 3.x (RFC 23/37): as 2.0 plus the COMMAND flag.
    V3,
}
