//! The seed corpus: valid inputs per target (greetings 3.0/3.1/2.0/1.0,
//! NULL and PLAIN handshakes for every socket type, frame sequences)
//! and edge cases the mutations start from.

use crate::zmtp::command::write_property;
use crate::zmtp::frame::{Framing, COMMAND, LONG, MORE};

use super::prng::Prng;
use super::target::{decoder_sel, wrap, Kind};
use super::wire::{cmd, frame, greeting_legacy, greeting_v3, ping, push_frame, ready};

/// Messages and commands a peer sends after its READY.
fn traffic(rng: &mut Prng, pubsub: bool, big: bool) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(frame(0, b"hello", false));
    v.extend(frame(MORE, b"part1", false));
    v.extend(frame(MORE, b"", false));
    v.extend(frame(0, &[0x55; 300], false));
    v.extend(frame(0, b"x", true));
    v.extend(ping(10, b"ctx"));
    v.extend(frame(COMMAND, &cmd(b"PONG", b"ctx"), false));
    v.extend(frame(COMMAND, &cmd(b"X-UNKNOWN", b"data"), false));
    if pubsub {
        v.extend(frame(COMMAND, &cmd(b"SUBSCRIBE", b"topic"), false));
        v.extend(frame(COMMAND, &cmd(b"CANCEL", b"topic"), false));
        v.extend(frame(0, b"\x01topic", false));
        v.extend(frame(0, b"\x00topic", false));
    }
    v.extend(frame(0, &rng.bytes(40), false));
    if big {
        v.extend(frame(0, &[7; 9000], false));
        v.extend(ping(0, &[]));
    }
    v
}

pub(super) const PEER_OF: [&[u8]; 11] = [
    b"PAIR", b"SUB", b"PUB", b"REP", b"REQ", b"ROUTER", b"DEALER", b"PUSH", b"PULL", b"XSUB",
    b"XPUB",
];

pub(super) fn seeds(kind: Kind) -> Vec<Vec<u8>> {
    let mut rng = Prng::new(0x5EED);
    let mut out = Vec::new();
    match kind {
        Kind::Decoder => {
            for framing in 0..3u8 {
                let f = [Framing::V1, Framing::V2, Framing::V3][usize::from(framing)];
                let cmd_flag = if framing == 2 { COMMAND } else { 0 };
                for (limit, chunk) in [(1, 0), (2, 3), (0, 1), (3, 15), (3, 0), (1, 7)] {
                    let mut v = vec![decoder_sel(framing, limit, chunk)];
                    for (flags, len, long) in [
                        (0, 0, false),
                        (MORE, 1, false),
                        (MORE, 33, false),
                        (0, 34, false),
                        (0, 3, true),
                        (MORE, 254, false),
                        (0, 255, false),
                        (0, 256, false),
                    ] {
                        push_frame(&mut v, f, flags, &rng.bytes(len), long);
                    }
                    push_frame(&mut v, f, cmd_flag, &cmd(b"PING", b"\x00\x0actx"), false);
                    push_frame(&mut v, f, cmd_flag, &cmd(b"PONG", b"ctx"), false);
                    if limit != 2 {
                        push_frame(&mut v, f, 0, &rng.bytes(4000), false);
                    }
                    if limit == 1 || limit == 3 {
                        push_frame(&mut v, f, MORE, &rng.bytes(8193), false);
                        push_frame(&mut v, f, 0, &rng.bytes(20_000), false);
                    }
                    out.push(v);
                }
            }
            // A declared size far beyond the data.
            let mut v = vec![decoder_sel(2, 3, 0), LONG];
            v.extend_from_slice(&(1u64 << 40).to_be_bytes());
            v.extend(rng.bytes(1000));
            out.push(v);
        }
        Kind::Greeting => {
            let traffic3 = |v: &mut Vec<u8>| {
                v.extend(frame(MORE, b"a", false));
                v.extend(frame(0, b"b", false));
                v.extend(ping(10, b"ctx"));
            };
            let mut v = greeting_v3(3, 1, "NULL", false);
            v.extend(ready(b"ROUTER", Some(b""), &[]));
            traffic3(&mut v);
            out.push(v.clone());
            for cut in [1, 9, 10, 11, 12, 63, 64, 70] {
                out.push(v[..cut].to_vec());
            }
            let mut v = greeting_v3(3, 0, "NULL", true);
            v.extend(ready(b"DEALER", Some(b"peer"), &[(b"X-Meta", b"value")]));
            traffic3(&mut v);
            out.push(v);
            let mut v = greeting_v3(4, 7, "NULL", false);
            v.extend(ready(b"REP", None, &[]));
            out.push(v);
            out.push(greeting_v3(2, 0, "NULL", false));
            out.push(greeting_v3(3, 1, "PLAIN", false));
            let mut v = greeting_v3(3, 1, "NULL", false);
            v.extend(frame(COMMAND, &cmd(b"ERROR", b"\x03400"), false));
            out.push(v);
            // ZMTP 2.0 and versioned 1.0 peers (ROUTER = 6).
            let mut v = greeting_legacy(1, 6);
            v.extend(frame(0, b"id", false));
            v.extend(frame(MORE, b"m1", false));
            v.extend(frame(0, b"m2", false));
            out.push(v);
            let mut v = greeting_legacy(0, 6);
            push_frame(&mut v, Framing::V1, 0, b"id", false);
            push_frame(&mut v, Framing::V1, MORE, b"m1", false);
            push_frame(&mut v, Framing::V1, 0, b"m2", false);
            out.push(v);
            // Unversioned 1.0: an identity frame first.
            let mut v = Vec::new();
            push_frame(&mut v, Framing::V1, 0, b"idx", false);
            push_frame(&mut v, Framing::V1, 0, b"msg", false);
            out.push(v);
        }
        Kind::Null => {
            for (i, peer) in PEER_OF.iter().enumerate() {
                let pubsub = matches!(i, 1 | 9);
                for opts in [0u8, 0x20, 0x40, 0x60] {
                    let sel = i as u8 | opts;
                    let minor = u8::from(opts & 0x20 == 0 || pubsub);
                    let mut wire = greeting_v3(3, minor, "NULL", false);
                    let id: &[u8] = if i % 2 == 0 { b"" } else { b"peer-id" };
                    let meta: &[(&[u8], &[u8])] = if opts & 0x40 != 0 {
                        &[(b"X-Trace", b"on"), (b"User-Id", b"u")]
                    } else {
                        &[]
                    };
                    wire.extend(ready(peer, Some(id), meta));
                    wire.extend(traffic(&mut rng, pubsub, opts & 0x20 != 0));
                    let max = [255, 7, 64, 16][usize::from(opts >> 5)];
                    out.push(wrap(sel, &wire, &mut rng, max));
                }
            }
            // Mismatched type, ERROR instead of READY, bad metadata.
            let g = greeting_v3(3, 1, "NULL", false);
            for extra in [
                ready(b"PUB", None, &[]),
                frame(COMMAND, &cmd(b"ERROR", b"\x03500"), false),
                ready(b"ROUTER", Some(&[0, 1, 2]), &[]),
                ready(b"DEALER", Some(&[b'i'; 255]), &[]),
                frame(COMMAND, &cmd(b"HELLO", b""), false),
                frame(0, b"data first", false),
            ] {
                let mut w = g.clone();
                w.extend(extra);
                out.push(wrap(6, &w, &mut rng, 255));
            }
            let mut props = Vec::new();
            for k in 0..257 {
                write_property(&mut props, format!("X-{k}").as_bytes(), b"");
            }
            write_property(&mut props, b"Socket-Type", b"ROUTER");
            let mut w = g.clone();
            w.extend(frame(COMMAND, &cmd(b"READY", &props), false));
            out.push(wrap(5, &w, &mut rng, 255));
            // ERROR after the handshake, and heartbeats with a short TTL.
            let mut w = g.clone();
            w.extend(ready(b"PULL", None, &[]));
            w.extend(ping(1, b"0123456789abcdef"));
            w.extend(frame(COMMAND, &cmd(b"ERROR", b"\x04bye!"), false));
            out.push(wrap(0x48, &w, &mut rng, 96));
            // Legacy peers (accept_legacy): 2.0, versioned 1.0,
            // unversioned 1.0 (a PUB's 1.0 peer is subscribed to all).
            let mut w = greeting_legacy(1, 6);
            w.extend(frame(0, b"id", false));
            w.extend(frame(MORE, b"m1", false));
            w.extend(frame(0, b"m2", false));
            out.push(wrap(0x85, &w, &mut rng, 5));
            let mut w = greeting_legacy(0, 2);
            push_frame(&mut w, Framing::V1, 0, b"id", false);
            push_frame(&mut w, Framing::V1, 0, &[9; 300], false);
            out.push(wrap(0xA1, &w, &mut rng, 255));
            let mut w = Vec::new();
            push_frame(&mut w, Framing::V1, 0, b"idx", false);
            push_frame(&mut w, Framing::V1, MORE, b"msg", false);
            push_frame(&mut w, Framing::V1, 0, b"end", false);
            out.push(wrap(0x81, &w, &mut rng, 3));
        }
        Kind::Plain => {
            let hello = frame(COMMAND, &cmd(b"HELLO", b"\x05admin\x06secret"), false);
            let welcome = frame(COMMAND, &cmd(b"WELCOME", b""), false);
            for (i, peer) in PEER_OF.iter().enumerate() {
                let pubsub = matches!(i, 1 | 9);
                let mut props = Vec::new();
                write_property(&mut props, b"Socket-Type", peer);
                write_property(&mut props, b"X-Peer", b"fuzz");
                // We are the server: the peer sends HELLO, then INITIATE.
                let mut w = greeting_v3(3, 1, "PLAIN", false);
                w.extend(hello.clone());
                w.extend(frame(COMMAND, &cmd(b"INITIATE", &props), false));
                w.extend(traffic(&mut rng, pubsub, false));
                out.push(wrap(0x10 | i as u8, &w, &mut rng, 255));
                // We are the client: the server sends WELCOME, then READY.
                let mut w = greeting_v3(3, 1, "PLAIN", true);
                w.extend(welcome.clone());
                w.extend(frame(COMMAND, &cmd(b"READY", &props), false));
                w.extend(traffic(&mut rng, pubsub, i % 3 == 0));
                out.push(wrap(i as u8 | 0xE0, &w, &mut rng, 64));
            }
            // Every ZAP answer, for a DEALER server.
            for pick in 0..8u8 {
                let mut w = greeting_v3(3, 1, "PLAIN", false);
                w.extend(hello.clone());
                w.extend(frame(
                    COMMAND,
                    &cmd(b"INITIATE", &cmd_props(b"DEALER")),
                    false,
                ));
                w.extend(frame(0, b"after", false));
                out.push(wrap(pick << 5 | 0x15, &w, &mut rng, 16));
            }
            // Out of order, malformed, refused, or the wrong mechanism.
            let g = greeting_v3(3, 1, "PLAIN", false);
            for extra in [
                frame(COMMAND, &cmd(b"HELLO", b"\x05adm"), false),
                frame(COMMAND, &cmd(b"HELLO", b"\x00\x00trailing"), false),
                frame(COMMAND, &cmd(b"INITIATE", &cmd_props(b"DEALER")), false),
                frame(COMMAND, &cmd(b"READY", &cmd_props(b"DEALER")), false),
                frame(0, b"data first", false),
            ] {
                let mut w = g.clone();
                w.extend(extra);
                out.push(wrap(0x15, &w, &mut rng, 255));
            }
            let gs = greeting_v3(3, 1, "PLAIN", true);
            for extra in [
                frame(COMMAND, &cmd(b"WELCOME", b"x"), false),
                frame(COMMAND, &cmd(b"ERROR", b"\x03400"), false),
                // libzmq's PLAIN ERROR (0x5E "RROR").
                frame(COMMAND, b"\x5eRROR\x03400", false),
                frame(COMMAND, &cmd(b"READY", &cmd_props(b"ROUTER")), false),
            ] {
                let mut w = gs.clone();
                w.extend(extra);
                out.push(wrap(0x05, &w, &mut rng, 255));
            }
            let mut w = greeting_v3(3, 1, "NULL", false);
            w.extend(ready(b"DEALER", None, &[]));
            out.push(wrap(0x15, &w, &mut rng, 255));
        }
        Kind::Curve => {
            // Every role, pair and option with a clean stream; then one op
            // of each kind at offsets inside the greeting, HELLO/WELCOME,
            // INITIATE/READY and the first MESSAGEs.
            for sel in 0..=255u8 {
                if sel % 5 == 0 {
                    out.push(vec![sel]);
                }
            }
            for (k, at) in [
                (0u8, 70u16),
                (0, 150),
                (0, 300),
                (0, 500),
                (1, 100),
                (2, 280),
                (3, 64),
                (4, 200),
                (5, 10),
                (0, 12),
                (2, 420),
            ] {
                for sel in [0u8, 1, 0x41, 0x12] {
                    let [hi, lo] = at.to_be_bytes();
                    out.push(vec![sel, k, hi, lo, 0x21]);
                }
            }
        }
    }
    out
}

/// A property list with just a Socket-Type.
fn cmd_props(socket: &[u8]) -> Vec<u8> {
    let mut props = Vec::new();
    write_property(&mut props, b"Socket-Type", socket);
    props
}
