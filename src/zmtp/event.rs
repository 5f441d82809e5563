//! What a connection reports to its engine.

use super::mechanism::ZapRequest;
use crate::msg::{Metadata, Msg};

/// The peer, as learned during the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's socket type (libzmq numbers); -1 when unknown (an
    /// unversioned ZMTP 1.0 peer does not say).
    pub socket_type: i32,
    /// The peer's `Identity` (3.x) or identity frame (1.0/2.0); may be empty.
    pub routing_id: Vec<u8>,
    /// Every READY property as received (names compare case-insensitively).
    /// For 1.0/2.0 peers: Socket-Type (when known) and Identity.
    pub metadata: Metadata,
    /// What the ZAP handler said about the peer: `User-Id` and the reply's
    /// metadata. Empty when no ZAP handler was asked.
    pub zap_metadata: Metadata,
    /// 1, 2 or 3 (ZMTP 1.0, 2.0, 3.x). Greetings with a higher major version
    /// are reported as 3.1.
    pub major: u8,
    /// For major 3: 0 = ZMTP 3.0, 1 = 3.1. Always 0 for 1.0/2.0.
    pub minor: u8,
}

/// One thing decoded from the peer.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The handshake completed; data may flow both ways.
    HandshakeDone(Box<PeerInfo>),
    /// One data frame; `msg.more()` tells whether more frames follow.
    ///
    /// Subscriptions: a PUB/XPUB receives a 3.1 SUBSCRIBE/CANCEL command as a
    /// single-frame message 0x01/0x00 + topic, the same form a ZMTP 3.0 peer
    /// sends (those arrive unchanged), so the socket layer handles one form.
    /// Other socket types ignore SUBSCRIBE/CANCEL commands.
    Message(Msg),
    /// Ask the ZAP handler: fill in `address`, send `frames()` to
    /// inproc://zeromq.zap.01 and feed the answer to
    /// `Connection::zap_reply`. The handshake waits until then.
    ZapRequest(Box<ZapRequest>),
}
