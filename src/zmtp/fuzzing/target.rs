//! The bodies as the stable fuzzer sees them: names, runners and
//! input layouts.

use super::prng::Prng;
use super::{
    curve_handshake_run, decoder_run, greeting_run, null_handshake_run, plain_handshake_run,
    Outcome,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Byte 0 selects framing, limit and chunk size.
    Decoder,
    /// Raw peer bytes.
    Greeting,
    /// Byte 0 selects the socket; then `[len] bytes` chunks.
    Null,
    /// Byte 0 selects role, socket and ZAP answer; then `[len]` chunks.
    Plain,
    /// Byte 0 selects roles and options; then 4-byte ops on an honest
    /// CURVE peer's stream.
    Curve,
}

pub(super) struct Target {
    pub(super) name: &'static str,
    pub(super) kind: Kind,
    pub(super) run: fn(&[u8]) -> Outcome,
}

/// Named as the cargo-fuzz targets under `fuzz/`.
pub(super) const TARGETS: [Target; 5] = [
    Target {
        name: "zmtp_decoder",
        kind: Kind::Decoder,
        run: decoder_run,
    },
    Target {
        name: "zmtp_greeting",
        kind: Kind::Greeting,
        run: greeting_run,
    },
    Target {
        name: "zmtp_null_handshake",
        kind: Kind::Null,
        run: null_handshake_run,
    },
    Target {
        name: "zmtp_plain_handshake",
        kind: Kind::Plain,
        run: plain_handshake_run,
    },
    Target {
        name: "zmtp_curve_handshake",
        kind: Kind::Curve,
        run: curve_handshake_run,
    },
];

/// Wraps peer bytes as the null_handshake input: `sel`, then `[len]`
/// chunks of 1..=max bytes.
pub(super) fn wrap(sel: u8, wire: &[u8], rng: &mut Prng, max: usize) -> Vec<u8> {
    let lens: Vec<u8> = Vec::new();
    rewrap(sel, wire, &lens, rng, max)
}

/// As `wrap`, reusing the chunk lengths `lens` while they last.
pub(super) fn rewrap(sel: u8, wire: &[u8], lens: &[u8], rng: &mut Prng, max: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(wire.len() + wire.len() / 8 + 2);
    v.push(sel);
    let mut pos = 0;
    let mut lens = lens.iter();
    while pos < wire.len() {
        let len = match lens.next() {
            Some(&l) => l,
            None => (1 + rng.below(max.clamp(1, 255))) as u8,
        };
        let n = usize::from(len).min(wire.len() - pos);
        v.push(len);
        v.extend_from_slice(&wire[pos..pos + n]);
        pos += n;
    }
    v
}

/// The null_handshake input's parts: selector, peer bytes, chunk lengths.
pub(super) fn unwrap(input: &[u8]) -> (u8, Vec<u8>, Vec<u8>) {
    let Some((&sel, mut rest)) = input.split_first() else {
        return (0, Vec::new(), Vec::new());
    };
    let mut wire = Vec::with_capacity(rest.len());
    let mut lens = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        lens.push(len);
        wire.extend_from_slice(&tail[..n]);
        rest = &tail[n..];
    }
    (sel, wire, lens)
}

/// A decoder selector byte for framing 0..3 (V1, V2, V3), limit 0..4
/// and chunk 0..16 (0 = whole).
pub(super) fn decoder_sel(framing: u8, limit: u8, chunk: u8) -> u8 {
    let base = chunk << 4 | limit << 2;
    (0..4)
        .map(|x| base | x)
        .find(|b| b % 3 == framing)
        .unwrap_or(base)
}
