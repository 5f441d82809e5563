//! Peer bytes: building frames, commands and greetings, and parsing frames
//! back for structure-aware mutations.

use crate::zmtp::command::write_property;
use crate::zmtp::frame::{Framing, COMMAND, LONG};
use crate::zmtp::greeting;

use super::target::Kind;

/// A ZMTP 2.0/3.x frame.
pub(super) fn frame(flags: u8, body: &[u8], long: bool) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 9);
    push_frame(&mut v, Framing::V3, flags, body, long);
    v
}

pub(super) fn push_frame(v: &mut Vec<u8>, framing: Framing, flags: u8, body: &[u8], long: bool) {
    match framing {
        Framing::V2 | Framing::V3 => {
            if long || body.len() > 255 {
                v.push(flags | LONG);
                v.extend_from_slice(&(body.len() as u64).to_be_bytes());
            } else {
                v.push(flags & !LONG);
                v.push(body.len() as u8);
            }
        }
        Framing::V1 => {
            let len = body.len() + 1;
            if long || len >= 255 {
                v.push(0xFF);
                v.extend_from_slice(&(len as u64).to_be_bytes());
            } else {
                v.push(len as u8);
            }
            v.push(flags);
        }
    }
    v.extend_from_slice(body);
}

/// A command body: name-len, name, data.
pub(super) fn cmd(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut v = vec![name.len() as u8];
    v.extend_from_slice(name);
    v.extend_from_slice(data);
    v
}

/// A READY command frame.
pub(super) fn ready(socket: &[u8], identity: Option<&[u8]>, extra: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut props = Vec::new();
    write_property(&mut props, b"Socket-Type", socket);
    if let Some(id) = identity {
        write_property(&mut props, b"Identity", id);
    }
    for (n, v) in extra {
        write_property(&mut props, n, v);
    }
    frame(COMMAND, &cmd(b"READY", &props), false)
}

pub(super) fn greeting_v3(major: u8, minor: u8, mechanism: &str, as_server: bool) -> Vec<u8> {
    let mut v = greeting::signature(0).to_vec();
    v.push(major);
    v.extend_from_slice(&greeting::tail(
        minor,
        &greeting::mechanism_field(mechanism),
        as_server,
    ));
    v
}

/// ZMTP 2.0 (revision 1) or versioned 1.0 (revision 0) greeting.
pub(super) fn greeting_legacy(revision: u8, socket_type: u8) -> Vec<u8> {
    let mut v = greeting::signature(0).to_vec();
    v.extend_from_slice(&[revision, socket_type]);
    v
}

pub(super) fn ping(ttl: u16, context: &[u8]) -> Vec<u8> {
    let mut data = ttl.to_be_bytes().to_vec();
    data.extend_from_slice(context);
    frame(COMMAND, &cmd(b"PING", &data), false)
}

#[derive(Clone)]
pub(super) struct PFrame {
    /// Where the header starts in the parsed bytes.
    pub(super) at: usize,
    /// The flags octet as on the wire (LONG included).
    pub(super) flags: u8,
    pub(super) long: bool,
    pub(super) body: Vec<u8>,
}

pub(super) struct Parsed {
    pub(super) head: Vec<u8>,
    pub(super) framing: Framing,
    pub(super) frames: Vec<PFrame>,
    pub(super) tail: Vec<u8>,
}

/// The greeting part of peer bytes and the framing that follows it.
fn split_head(wire: &[u8]) -> (usize, Framing) {
    match (wire.first(), wire.get(9), wire.get(10)) {
        (None, ..) => (0, Framing::V3),
        (Some(&b), ..) if b != 0xFF => (0, Framing::V1),
        (_, Some(&b), _) if b & 1 == 0 => (0, Framing::V1),
        (_, _, None) => (wire.len(), Framing::V3),
        (_, _, Some(0)) => (12, Framing::V1),
        (_, _, Some(1)) => (12, Framing::V2),
        (_, _, Some(2)) => (wire.len(), Framing::V3),
        _ => (64, Framing::V3),
    }
}

pub(super) fn parse(kind: Kind, wire: &[u8]) -> Parsed {
    let (head_len, framing) = match kind {
        Kind::Decoder => {
            let f = match wire.first().map_or(2, |s| s % 3) {
                0 => Framing::V1,
                1 => Framing::V2,
                _ => Framing::V3,
            };
            (1, f)
        }
        Kind::Greeting | Kind::Null | Kind::Plain | Kind::Curve => split_head(wire),
    };
    let head_len = head_len.min(wire.len());
    let mut frames = Vec::new();
    let mut pos = head_len;
    while pos < wire.len() {
        let b = &wire[pos..];
        let hdr = match framing {
            Framing::V2 | Framing::V3 => {
                if b[0] & LONG != 0 {
                    b.get(1..9)
                        .map(|s| (b[0], true, u64::from_be_bytes(s.try_into().unwrap()), 9))
                } else {
                    b.get(1).map(|&s| (b[0], false, u64::from(s), 2))
                }
            }
            Framing::V1 => {
                if b[0] == 0xFF {
                    match (b.get(1..9), b.get(9)) {
                        (Some(s), Some(&f)) => {
                            let len = u64::from_be_bytes(s.try_into().unwrap());
                            len.checked_sub(1).map(|n| (f, true, n, 10))
                        }
                        _ => None,
                    }
                } else {
                    match (b[0], b.get(1)) {
                        (0, _) | (_, None) => None,
                        (len, Some(&f)) => Some((f, false, u64::from(len) - 1, 2)),
                    }
                }
            }
        };
        let Some((flags, long, size, hl)): Option<(u8, bool, u64, usize)> = hdr else {
            break;
        };
        let Some(body) = usize::try_from(size)
            .ok()
            .and_then(|n: usize| b.get(hl..hl.checked_add(n)?))
        else {
            break;
        };
        frames.push(PFrame {
            at: pos,
            flags,
            long,
            body: body.to_vec(),
        });
        pos += hl + body.len();
    }
    Parsed {
        head: wire[..head_len].to_vec(),
        framing,
        frames,
        tail: wire[pos..].to_vec(),
    }
}

pub(super) fn serialize(p: &Parsed) -> Vec<u8> {
    let mut v = p.head.clone();
    for f in &p.frames {
        push_frame(&mut v, p.framing, f.flags, &f.body, f.long);
    }
    v.extend_from_slice(&p.tail);
    v
}
