//! The ZMTP greeting: building ours, recognising the peer's version from the
//! bytes seen so far, and parsing a 3.x greeting. Pure functions; any thread.
//!
//! Layout (64 octets): `FF`, 8 padding octets, `7F`, major, minor,
//! mechanism (20 octets, NUL padded), as-server, 31 filler octets. The
//! padding is never validated: libzmq puts the length of a ZMTP 1.0 identity
//! frame there so that 1.0 peers read the signature as a frame header.

use super::error::Error;

/// `FF` + 8 padding + `7F`.
pub const SIGNATURE_LEN: usize = 10;
/// A full ZMTP 3.x greeting.
pub const GREETING_LEN: usize = 64;
/// A ZMTP 2.0 (or versioned 1.0) greeting: signature, revision, socket type.
pub const LEGACY_GREETING_LEN: usize = 12;
/// The mechanism field.
pub const MECHANISM_LEN: usize = 20;
/// The version we speak.
pub const VERSION_MAJOR: u8 = 3;
pub const VERSION_MINOR: u8 = 1;
/// Bytes of our greeting after the major version octet.
pub const TAIL_LEN: usize = GREETING_LEN - SIGNATURE_LEN - 1;

/// Our signature. The padding carries `identity_len + 1` big-endian, which a
/// ZMTP 1.0 peer reads as the long-form length of our identity frame.
pub fn signature(identity_len: usize) -> [u8; SIGNATURE_LEN] {
    let mut s = [0u8; SIGNATURE_LEN];
    s[0] = 0xFF;
    let len = u64::try_from(identity_len).unwrap_or(0).saturating_add(1);
    s[1..9].copy_from_slice(&len.to_be_bytes());
    s[9] = 0x7F;
    s
}

/// The mechanism field for `name` (NUL padded; names longer than 20 bytes
/// are cut, which only a caller bug can produce).
pub fn mechanism_field(name: &str) -> [u8; MECHANISM_LEN] {
    let mut f = [0u8; MECHANISM_LEN];
    let n = name.len().min(MECHANISM_LEN);
    f[..n].copy_from_slice(&name.as_bytes()[..n]);
    f
}

/// Our greeting after the major version: minor, mechanism, as-server, filler.
pub fn tail(minor: u8, mechanism: &[u8; MECHANISM_LEN], as_server: bool) -> [u8; TAIL_LEN] {
    let mut t = [0u8; TAIL_LEN];
    t[0] = minor;
    t[1..1 + MECHANISM_LEN].copy_from_slice(mechanism);
    t[1 + MECHANISM_LEN] = u8::from(as_server);
    t
}

/// What the peer's first bytes tell us so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detect {
    /// Nothing decided yet.
    NeedMore,
    /// Unversioned ZMTP 1.0: the first byte is not `FF`, or byte 9 has bit 0
    /// clear. The bytes seen are the start of the peer's identity frame.
    Unversioned,
    /// A valid 10-byte signature; the version octet has not arrived.
    Signature,
    /// The version octet (byte 10): 0 = versioned 1.0, 1 = 2.0, 3+ = 3.x.
    Versioned(u8),
}

/// Classifies the peer from the bytes received so far.
pub fn detect(seen: &[u8]) -> Detect {
    match seen.first() {
        None => return Detect::NeedMore,
        Some(&b) if b != 0xFF => return Detect::Unversioned,
        Some(_) => {}
    }
    match seen.get(9) {
        None => Detect::NeedMore,
        Some(&b) if b & 1 == 0 => Detect::Unversioned,
        Some(_) => match seen.get(10) {
            None => Detect::Signature,
            Some(&major) => Detect::Versioned(major),
        },
    }
}

/// A peer's ZMTP 3.x greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerGreeting {
    /// Always 3: higher majors are treated as 3.1 (RFC: accept higher versions).
    pub major: u8,
    /// 0 for a ZMTP 3.0 peer, 1 for 3.1 (or anything later).
    pub minor: u8,
    pub mechanism: [u8; MECHANISM_LEN],
    pub as_server: bool,
}

impl PeerGreeting {
    /// Whether the peer understands 3.1 commands (SUBSCRIBE, CANCEL).
    pub fn is_31(&self) -> bool {
        self.minor >= 1
    }
}

/// Parses a complete 3.x greeting; `Ok(None)` while fewer than 64 bytes have
/// arrived. Padding and filler are ignored.
pub fn parse_v3(g: &[u8]) -> Result<Option<PeerGreeting>, Error> {
    match detect(g) {
        Detect::Versioned(major) if major >= VERSION_MAJOR => {}
        Detect::NeedMore | Detect::Signature => return Ok(None),
        _ => return Err(Error::BadGreeting),
    }
    let Some(g) = g.get(..GREETING_LEN) else {
        return Ok(None);
    };
    let mut mechanism = [0u8; MECHANISM_LEN];
    mechanism.copy_from_slice(&g[12..12 + MECHANISM_LEN]);
    let (major, minor) = if g[10] > VERSION_MAJOR {
        (VERSION_MAJOR, VERSION_MINOR)
    } else {
        (VERSION_MAJOR, g[11].min(VERSION_MINOR))
    };
    Ok(Some(PeerGreeting {
        major,
        minor,
        mechanism,
        as_server: g[32] & 1 != 0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours() -> Vec<u8> {
        let mut g = signature(0).to_vec();
        g.push(VERSION_MAJOR);
        g.extend_from_slice(&tail(VERSION_MINOR, &mechanism_field("NULL"), false));
        g
    }

    #[test]
    fn layout() {
        let g = ours();
        assert_eq!(g.len(), GREETING_LEN);
        assert_eq!(g[0], 0xFF);
        assert_eq!(&g[1..9], &1u64.to_be_bytes());
        assert_eq!(g[9], 0x7F);
        assert_eq!((g[10], g[11]), (3, 1));
        assert_eq!(&g[12..16], b"NULL");
        assert!(g[16..].iter().all(|&b| b == 0));
        assert_eq!(&signature(5)[1..9], &6u64.to_be_bytes());
        let t = tail(1, &mechanism_field("CURVE"), true);
        assert_eq!(t[21], 1);
    }

    #[test]
    fn detection() {
        let g = ours();
        assert_eq!(detect(&[]), Detect::NeedMore);
        assert_eq!(detect(&[0x01]), Detect::Unversioned);
        for n in 1..10 {
            assert_eq!(detect(&g[..n]), Detect::NeedMore, "{n}");
        }
        assert_eq!(detect(&g[..10]), Detect::Signature);
        assert_eq!(detect(&g[..11]), Detect::Versioned(3));
        let mut v1 = g.clone();
        v1[9] = 0x7E;
        assert_eq!(detect(&v1[..10]), Detect::Unversioned);
    }

    #[test]
    fn parse_ignores_padding_and_accepts_higher_versions() {
        let mut g = ours();
        for b in &mut g[1..9] {
            *b = 0xAB;
        }
        for b in &mut g[33..] {
            *b = 0xCD;
        }
        let p = parse_v3(&g).unwrap().unwrap();
        assert_eq!((p.major, p.minor, p.as_server), (3, 1, false));
        assert_eq!(&p.mechanism[..4], b"NULL");
        assert_eq!(parse_v3(&g[..63]).unwrap(), None);
        g[11] = 0;
        assert!(!parse_v3(&g).unwrap().unwrap().is_31());
        g[10] = 7;
        g[11] = 0;
        let p = parse_v3(&g).unwrap().unwrap();
        assert_eq!((p.major, p.minor), (3, 1));
        g[10] = 2;
        assert_eq!(parse_v3(&g), Err(Error::BadGreeting));
        g[10] = 1;
        assert_eq!(parse_v3(&g), Err(Error::BadGreeting));
        g[0] = 0;
        assert_eq!(parse_v3(&g), Err(Error::BadGreeting));
    }
}
