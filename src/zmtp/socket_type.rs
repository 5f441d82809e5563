//! Socket type numbers (libzmq's values), their ZMTP names and the RFC 37
//! compatibility table. Pure data; used from any thread.

pub const PAIR: i32 = 0;
pub const PUB: i32 = 1;
pub const SUB: i32 = 2;
pub const REQ: i32 = 3;
pub const REP: i32 = 4;
pub const DEALER: i32 = 5;
pub const ROUTER: i32 = 6;
pub const PULL: i32 = 7;
pub const PUSH: i32 = 8;
pub const XPUB: i32 = 9;
pub const XSUB: i32 = 10;
pub const STREAM: i32 = 11;
pub const SERVER: i32 = 12;
pub const CLIENT: i32 = 13;
pub const RADIO: i32 = 14;
pub const DISH: i32 = 15;
pub const GATHER: i32 = 16;
pub const SCATTER: i32 = 17;
pub const DGRAM: i32 = 18;
pub const PEER: i32 = 19;
pub const CHANNEL: i32 = 20;

const NAMES: [&str; 21] = [
    "PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB",
    "STREAM", "SERVER", "CLIENT", "RADIO", "DISH", "GATHER", "SCATTER", "DGRAM", "PEER", "CHANNEL",
];

/// The name sent in the READY `Socket-Type` property ("PAIR", "PUB", ...).
pub fn name(socket_type: i32) -> Option<&'static str> {
    usize::try_from(socket_type)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
}

/// The socket type for a `Socket-Type` value. Exact, case-sensitive match
/// (as libzmq: the RFC spells the names in upper case).
pub fn from_name(value: &[u8]) -> Option<i32> {
    let i = NAMES.iter().position(|n| n.as_bytes() == value)?;
    i32::try_from(i).ok()
}

/// Whether a socket of type `ours` may talk to a peer of type `peer`
/// (RFC 37 plus libzmq's draft types). STREAM and DGRAM do not speak ZMTP
/// and match nothing.
pub fn compatible(ours: i32, peer: i32) -> bool {
    match ours {
        PAIR => peer == PAIR,
        PUB | XPUB => matches!(peer, SUB | XSUB),
        SUB | XSUB => matches!(peer, PUB | XPUB),
        REQ => matches!(peer, REP | ROUTER),
        REP => matches!(peer, REQ | DEALER),
        DEALER => matches!(peer, REP | DEALER | ROUTER),
        ROUTER => matches!(peer, REQ | DEALER | ROUTER),
        PULL => peer == PUSH,
        PUSH => peer == PULL,
        SERVER => peer == CLIENT,
        CLIENT => peer == SERVER,
        RADIO => peer == DISH,
        DISH => peer == RADIO,
        GATHER => peer == SCATTER,
        SCATTER => peer == GATHER,
        PEER => peer == PEER,
        CHANNEL => peer == CHANNEL,
        _ => false,
    }
}

/// Whether libzmq sends the `Identity` property for this type (even empty).
pub fn sends_identity(socket_type: i32) -> bool {
    matches!(socket_type, REQ | DEALER | ROUTER)
}

/// Whether connections of this type use ZMTP at all.
pub fn speaks_zmtp(socket_type: i32) -> bool {
    name(socket_type).is_some() && !matches!(socket_type, STREAM | DGRAM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in PAIR..=CHANNEL {
            let n = name(t).unwrap();
            assert_eq!(from_name(n.as_bytes()), Some(t));
        }
        assert_eq!(name(-1), None);
        assert_eq!(name(21), None);
        assert_eq!(from_name(b"pair"), None);
        assert_eq!(from_name(b""), None);
        assert_eq!(name(DEALER), Some("DEALER"));
    }

    #[test]
    fn table_is_symmetric_and_matches_rfc() {
        for a in PAIR..=CHANNEL {
            for b in PAIR..=CHANNEL {
                assert_eq!(compatible(a, b), compatible(b, a), "{a} {b}");
            }
        }
        assert!(compatible(REQ, ROUTER));
        assert!(!compatible(REQ, REQ));
        assert!(compatible(DEALER, DEALER));
        assert!(compatible(XPUB, XSUB));
        assert!(!compatible(PUB, PUB));
        assert!(!compatible(PUSH, PUSH));
        assert!(!compatible(STREAM, STREAM));
        assert!(!compatible(DGRAM, DGRAM));
        assert!(!compatible(PAIR, 99));
        assert!(!speaks_zmtp(STREAM));
        assert!(speaks_zmtp(CHANNEL));
        assert!(sends_identity(ROUTER) && !sends_identity(PUB));
    }
}
