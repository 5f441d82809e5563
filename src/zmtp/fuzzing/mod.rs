//! Bodies of the fuzz targets under `fuzz/` (cargo-fuzz), shared with the
//! stable unit tests (`tests.rs`) so CI exercises them without nightly. Each
//! body must never panic on any input; the `assert!`s check invariants
//! (memory bounds, consistency), so a failing assert is a finding.
//!
//! Here: the public bodies (CURVE's in `curve.rs`). Beside them, compiled for tests only, a
//! small mutational fuzzer on stable Rust that CI runs through
//! `tests::soak` (see `soak.rs`).

use std::time::Duration;

use super::decoder::{Decoder, Limit, BODY_CHUNK, READ_BUF_SIZE};
use super::frame::{Framing, COMMAND, MORE};
use super::greeting::{self, Detect};
use super::{socket_type, Config};

mod connection;
mod curve;
mod outcome;

use connection::{drive, drive_with_zap};
pub use curve::curve_handshake;
#[cfg(test)]
pub(crate) use curve::curve_handshake_run;
pub(crate) use outcome::Outcome;
use outcome::{clamp32, error_kind, size_class, FRAME_DIRECT};

// The stable fuzzer, layered: PRNG, target input layouts, peer bytes, seed
// corpus, mutations, panic capture, saved findings, and the soak loop.
#[cfg(test)]
mod catch;
#[cfg(test)]
mod findings;
#[cfg(test)]
mod mutate;
#[cfg(test)]
mod prng;
#[cfg(test)]
mod seeds;
#[cfg(test)]
mod soak;
#[cfg(test)]
mod target;
#[cfg(test)]
mod wire;

#[cfg(test)]
mod tests;

/// `zmtp_decoder`: byte 0 picks framing, limit and chunk size; the rest is
/// wire input.
pub fn decoder(data: &[u8]) {
    decoder_run(data);
}

pub(crate) fn decoder_run(data: &[u8]) -> Outcome {
    let mut out = Outcome::default();
    let Some((&sel, input)) = data.split_first() else {
        return out;
    };
    let framing = match sel % 3 {
        0 => Framing::V1,
        1 => Framing::V2,
        _ => Framing::V3,
    };
    let limit = match (sel >> 2) & 3 {
        0 => Limit::Handshake(4096),
        1 => Limit::Message(1 << 20),
        2 => Limit::Message(100),
        _ => Limit::Message(u64::MAX),
    };
    let max = match limit {
        Limit::Handshake(m) | Limit::Message(m) => m,
    };
    let chunk = match sel >> 4 {
        0 => usize::MAX,
        k => usize::from(k),
    };
    out.phase = (sel % 3) << 3 | ((sel >> 2) & 3) << 1 | u8::from(chunk == usize::MAX);
    let mut d = Decoder::new();
    d.set_framing(framing);
    let mut pos = 0;
    loop {
        loop {
            match d.next_frame(limit) {
                Ok(Some(f)) => {
                    assert_eq!(f.flags & !(MORE | COMMAND), 0);
                    if framing != Framing::V3 {
                        assert_eq!(f.flags & COMMAND, 0);
                    }
                    let len = f.body.as_slice().len();
                    assert!((len as u64) <= max);
                    out.events += 1;
                    out.seen |=
                        1 << (u32::from(f.flags & MORE) | u32::from(f.flags & COMMAND) >> 1);
                    out.seen |= 1 << (4 + size_class(len));
                    if matches!(f.body, super::decoder::Body::Owned(_)) {
                        out.seen |= FRAME_DIRECT;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    out.error = error_kind(&e);
                    out.consumed = clamp32(pos);
                    return out;
                }
            }
        }
        if pos == input.len() {
            out.consumed = clamp32(pos);
            return out;
        }
        let buf = d.read_buf();
        assert!(!buf.is_empty(), "read_buf empty after a full decode");
        let n = chunk.min(buf.len()).min(input.len() - pos);
        buf[..n].copy_from_slice(&input[pos..pos + n]);
        assert_eq!(d.commit(n), n);
        pos += n;
        assert!(d.held() <= READ_BUF_SIZE + 2 * pos + BODY_CHUNK);
    }
}

/// `zmtp_greeting`: detection over every prefix is consistent and parsing
/// never panics; feeding the bytes whole or one by one ends the same way.
pub fn greeting(data: &[u8]) {
    greeting_run(data);
}

pub(crate) fn greeting_run(data: &[u8]) -> Outcome {
    let mut out = Outcome::default();
    let mut decided: Option<Detect> = None;
    for end in 0..=data.len().min(80) {
        let d = greeting::detect(&data[..end]);
        match (decided, d) {
            (_, Detect::NeedMore) => assert!(decided.is_none()),
            (None, d) => decided = Some(d),
            (Some(Detect::Signature), d) => {
                assert!(matches!(d, Detect::Signature | Detect::Versioned(_)));
                decided = Some(d);
            }
            (Some(prev), d) => assert_eq!(prev, d),
        }
        if let Ok(Some(g)) = greeting::parse_v3(&data[..end]) {
            assert!(end >= greeting::GREETING_LEN);
            assert!(matches!(d, Detect::Versioned(v) if v >= 3));
            assert_eq!(g.major, 3);
            assert!(g.minor <= 1);
        }
    }
    out.phase = match decided {
        None | Some(Detect::NeedMore) => 0,
        Some(Detect::Unversioned) => 1,
        Some(Detect::Signature) => 2,
        Some(Detect::Versioned(v)) => 3 + v.min(4),
    };
    // And through a connection, whole and byte by byte.
    for accept_legacy in [false, true] {
        let mut whole = None;
        for chunk in [usize::MAX, 1] {
            let mut cfg = Config::new(socket_type::DEALER);
            cfg.accept_legacy = accept_legacy;
            let mut o = Outcome::default();
            let r = drive(cfg, &[(data, chunk)], false, &mut o);
            let kind = r.as_ref().err().map_or(0, error_kind);
            // Timer errors may differ: a peer PING's TTL is disarmed by
            // bytes read after it is decoded, so by the bytes that follow it
            // only when they arrive in a later read (as in libzmq).
            let timer = matches!(
                r,
                Err(super::Error::HeartbeatTimeout | super::Error::HandshakeTimeout)
            );
            let compared = if timer { 0 } else { kind };
            match whole {
                None => whole = Some((compared, o.events)),
                Some(w) => assert_eq!(w, (compared, o.events), "whole vs byte by byte"),
            }
            if chunk == 1 {
                continue;
            }
            out.seen |= o.seen;
            out.events = out.events.max(o.events);
            out.consumed = out.consumed.max(o.consumed);
            out.error = out.error << 5 | kind;
        }
    }
    out
}

/// `zmtp_null_handshake`: byte 0 picks our socket type and options; the rest
/// is a sequence of `[len] bytes...` chunks of peer input, with virtual time
/// advancing between chunks.
pub fn null_handshake(data: &[u8]) {
    null_handshake_run(data);
}

/// Our socket types in the handshake targets (byte 0's low nibble).
const TYPES: [i32; 11] = [
    socket_type::PAIR,
    socket_type::PUB,
    socket_type::SUB,
    socket_type::REQ,
    socket_type::REP,
    socket_type::DEALER,
    socket_type::ROUTER,
    socket_type::PULL,
    socket_type::PUSH,
    socket_type::XPUB,
    socket_type::XSUB,
];

/// `[len] bytes...` chunks; the piece size of each from its length.
fn chunks_of(mut rest: &[u8]) -> Vec<(&[u8], usize)> {
    let mut chunks = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        chunks.push((&tail[..n], usize::from(len % 7) + 1));
        rest = &tail[n..];
    }
    chunks
}

/// `zmtp_plain_handshake`: byte 0 picks our socket type (low nibble), our
/// role (0x10: server, so the peer input plays a client) and what the ZAP
/// handler answers (bits 5..=7: 200, 300, 400, 500, no handler, a bad
/// version, too few frames, 200 with metadata); the rest is `[len] bytes`
/// chunks of peer input as in `null_handshake`.
pub fn plain_handshake(data: &[u8]) {
    plain_handshake_run(data);
}

pub(crate) fn plain_handshake_run(data: &[u8]) -> Outcome {
    use super::mechanism::{MechanismKind, Role};
    let mut out = Outcome::default();
    let Some((&sel, rest)) = data.split_first() else {
        return out;
    };
    let mut cfg = Config::new(TYPES[usize::from(sel & 0x0F) % TYPES.len()]);
    cfg.security.kind = MechanismKind::Plain;
    cfg.security.zap_domain = b"fuzz".to_vec();
    if sel & 0x10 != 0 {
        cfg.security.role = Role::Server;
    } else {
        cfg.security.plain_username = b"admin".to_vec();
        cfg.security.plain_password = b"secret".to_vec();
    }
    cfg.max_msg_size = Some(4096);
    cfg.handshake_frame_cap = 1024;
    let zap = zap_answer(sel >> 5);
    let r = drive_with_zap(cfg, &chunks_of(rest), true, zap.as_deref(), &mut out);
    if let Err(e) = r {
        out.error = error_kind(&e);
    }
    out
}

/// The ZAP handler's answer for the PLAIN target (`None`: no handler).
fn zap_answer(pick: u8) -> Option<Vec<crate::msg::Msg>> {
    let mut meta = Vec::new();
    super::command::write_property(&mut meta, b"X-Role", b"fuzzer");
    let (status, version, frames, metadata): (&[u8], &[u8], usize, &[u8]) = match pick & 7 {
        0 => (b"200", b"1.0", 7, b""),
        1 => (b"300", b"1.0", 7, b""),
        2 => (b"400", b"1.0", 7, b""),
        3 => (b"500", b"1.0", 7, b""),
        4 => return None,
        5 => (b"200", b"2.0", 7, b""),
        6 => (b"200", b"1.0", 5, b""),
        _ => (b"200", b"1.0", 7, &meta),
    };
    let parts: [&[u8]; 7] = [b"", version, b"1", status, b"text", b"user", metadata];
    Some(
        parts[..frames]
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut m = crate::msg::Msg::from_slice(p);
                m.set_more(i + 1 < frames);
                m
            })
            .collect(),
    )
}

pub(crate) fn null_handshake_run(data: &[u8]) -> Outcome {
    let mut out = Outcome::default();
    let Some((&sel, rest)) = data.split_first() else {
        return out;
    };
    let mut cfg = Config::new(TYPES[usize::from(sel & 0x0F) % TYPES.len()]);
    cfg.accept_legacy = sel & 0x80 != 0;
    if sel & 0x40 != 0 {
        cfg.heartbeat_ivl = Some(Duration::from_millis(50));
        cfg.heartbeat_ttl = Some(Duration::from_millis(300));
    }
    if sel & 0x20 != 0 {
        cfg.max_msg_size = None;
        cfg.routing_id = b"me".to_vec();
    } else {
        cfg.max_msg_size = Some(4096);
    }
    cfg.handshake_frame_cap = 1024;
    if let Err(e) = drive(cfg, &chunks_of(rest), true, &mut out) {
        out.error = error_kind(&e);
    }
    out
}
