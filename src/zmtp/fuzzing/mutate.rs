//! Mutations: bit flips, interesting bytes, length fields rewritten near
//! the limits (frame sizes found by parsing the frames, property and PING
//! fields), insert/delete/duplicate ranges, dictionary tokens, splices
//! between corpus items, frame-level edits that keep sizes consistent,
//! chunk-boundary and timing changes.

use crate::zmtp::command::write_property;
use crate::zmtp::frame::{Framing, COMMAND, LONG, MORE};

use super::prng::Prng;
use super::seeds::PEER_OF;
use super::target::{decoder_sel, rewrap, unwrap, Kind};
use super::wire::{cmd, parse, serialize, PFrame};

/// Largest input the fuzzer makes.
const MAX_INPUT: usize = 64 * 1024;

const INTERESTING_U8: [u8; 8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE, 0x81, 0x03];
const INTERESTING_U64: [u64; 32] = [
    0,
    1,
    33,
    34,
    100,
    101,
    255,
    256,
    1023,
    1024,
    1025,
    4095,
    4096,
    4097,
    8191,
    8192,
    8193,
    16383,
    16384,
    16385,
    65535,
    65536,
    65537,
    1 << 20,
    (1 << 20) + 1,
    16 << 20,
    u32::MAX as u64,
    i32::MAX as u64,
    u64::MAX >> 1,
    1 << 63,
    u64::MAX,
    u64::MAX - 1,
];
const INTERESTING_U32: [u32; 8] = [
    0,
    1,
    255,
    256,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0xFFFF_FFFE,
];
const TOKENS: [&[u8]; 24] = [
    b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f",
    b"\x03\x01",
    b"\x03\x00",
    b"\x01\x06",
    b"\x00\x06",
    b"NULL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    b"PLAIN",
    b"\x05READY",
    b"\x05ERROR",
    b"\x04PING",
    b"\x04PONG",
    b"\x09SUBSCRIBE",
    b"\x06CANCEL",
    b"\x0bSocket-Type",
    b"\x08Identity",
    b"\x00\x00\x00\x06DEALER",
    b"\x00\x00\x00\x06ROUTER",
    b"\x00\x00\x00\x04PUSH",
    b"\x00\x00\x00\x03SUB",
    b"\x00\x00\x00\x04PAIR",
    b"\x02\x00\x00\x00\x00\x00\x01\x00\x00",
    b"\x04\x00",
    b"\x01\x00",
    b"\x06\x00\x00\x00\x00\x00\x00\x00\x00",
];

fn interesting_size(rng: &mut Prng, actual: usize) -> u64 {
    let a = actual as u64;
    match rng.below(6) {
        0 => a.wrapping_add(1),
        1 => a.wrapping_sub(1),
        2 => a.wrapping_add(rng.below(64) as u64),
        _ => *rng.pick(&INTERESTING_U64),
    }
}

/// A frame body a peer might send (V3: data or a command).
fn gen_body(rng: &mut Prng, v3: bool) -> (u8, Vec<u8>) {
    if !v3 || rng.one_in(3) {
        // Mostly small: large bodies cost time in every later run.
        let len = match rng.below(16) {
            0..=2 => 0,
            3..=6 => rng.below(34),
            7..=9 => 34 + rng.below(222),
            10 | 11 => 255 + rng.below(3),
            12 => rng.below(8200),
            13 => 8190 + rng.below(6),
            14 => 16_380 + rng.below(10),
            _ => rng.below(40_000),
        };
        let flags = if rng.one_in(2) { MORE } else { 0 };
        let fill = rng.byte();
        let body = if rng.one_in(2) {
            vec![fill; len]
        } else {
            rng.bytes(len)
        };
        return (flags, body);
    }
    let body = match rng.below(9) {
        0 => {
            let mut d = (*rng.pick(&[0u16, 1, 3, 10, 0xFFFF]))
                .to_be_bytes()
                .to_vec();
            let n = rng.below(19);
            d.extend(rng.bytes(n));
            cmd(b"PING", &d)
        }
        1 => {
            let n = rng.below(19);
            cmd(b"PONG", &rng.bytes(n))
        }
        2 | 3 => {
            let name: &[u8] = if rng.one_in(2) {
                b"SUBSCRIBE"
            } else {
                b"CANCEL"
            };
            let n = rng.below(40);
            cmd(name, &rng.bytes(n))
        }
        4 => {
            let n = rng.below(260);
            let mut d = vec![rng.byte()];
            d.extend(std::iter::repeat_n(b'e', n));
            cmd(b"ERROR", &d)
        }
        5 | 6 => {
            let mut props = Vec::new();
            for _ in 0..rng.below(5) {
                match rng.below(4) {
                    0 => {
                        let t = rng.pick(&PEER_OF);
                        write_property(&mut props, b"Socket-Type", t);
                    }
                    1 => {
                        let n = *rng.pick(&[0usize, 1, 255, 256]);
                        let mut id = rng.bytes(n);
                        if let Some(b) = id.first_mut() {
                            *b = *rng.pick(&[0u8, 1, b'a']);
                        }
                        write_property(&mut props, b"Identity", &id);
                    }
                    2 => {
                        let n = rng.below(300);
                        write_property(&mut props, b"X-Key", &rng.bytes(n));
                    }
                    _ => {
                        let n = 1 + rng.below(255);
                        write_property(&mut props, &vec![b'N'; n], b"v");
                    }
                }
            }
            if rng.one_in(4) {
                for k in 0..250 + rng.below(10) {
                    write_property(&mut props, format!("X{k}").as_bytes(), b"");
                }
            }
            cmd(b"READY", &props)
        }
        7 => {
            let n = rng.below(10);
            let k = 1 + rng.below(20);
            let name = rng.bytes(k);
            cmd(&name, &rng.bytes(n))
        }
        _ => {
            // Bad name lengths.
            let mut b = vec![*rng.pick(&[0u8, 200, 255])];
            let n = rng.below(10);
            b.extend(rng.bytes(n));
            b
        }
    };
    let flags = if rng.one_in(8) {
        COMMAND | MORE
    } else {
        COMMAND
    };
    (flags, body)
}

/// One byte-level edit of `v`; `donor` is another corpus item.
fn mutate_bytes(rng: &mut Prng, v: &mut Vec<u8>, donor: &[u8]) {
    let len = v.len();
    match rng.below(13) {
        0 if len > 0 => {
            let i = rng.below(len);
            v[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            v[i] = *rng.pick(&INTERESTING_U8);
        }
        2 if len > 0 => {
            let i = rng.below(len);
            v[i] = rng.byte();
        }
        3 if len > 0 => {
            let i = rng.below(len);
            let d = 1 + rng.below(8) as u8;
            v[i] = if rng.one_in(2) {
                v[i].wrapping_add(d)
            } else {
                v[i].wrapping_sub(d)
            };
        }
        4 => {
            let at = rng.below(len + 1);
            let ins = if rng.one_in(2) {
                let n = 1 + rng.below(16);
                rng.bytes(n)
            } else {
                vec![rng.byte(); 1 + rng.below(300)]
            };
            v.splice(at..at, ins);
        }
        5 if len > 0 => {
            let at = rng.below(len);
            let most = if rng.one_in(4) { 4096 } else { 16 };
            let n = 1 + rng.below((len - at).min(most));
            v.drain(at..at + n);
        }
        6 if len > 0 => {
            // Duplicate a range (possibly many times).
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(256));
            let piece = v[at..at + n].to_vec();
            let times = if rng.one_in(4) { 1 + rng.below(32) } else { 1 };
            let to = rng.below(len + 1);
            v.splice(to..to, piece.iter().copied().cycle().take(n * times));
        }
        7 if len > 1 => {
            // Overwrite a range with a copy of another.
            let from = rng.below(len);
            let to = rng.below(len);
            let n = 1 + rng.below((len - from).min(len - to).min(64));
            v.copy_within(from..from + n, to);
        }
        8 if !donor.is_empty() => {
            let d = rng.below(donor.len());
            match rng.below(3) {
                0 => {
                    let cut = rng.below(len + 1);
                    v.truncate(cut);
                    v.extend_from_slice(&donor[d..]);
                }
                1 => {
                    let cut = rng.below(len + 1);
                    let mut w = donor[..d].to_vec();
                    w.extend_from_slice(&v[cut..]);
                    *v = w;
                }
                _ => {
                    let n = 1 + rng.below((donor.len() - d).min(512));
                    let at = rng.below(len + 1);
                    v.splice(at..at, donor[d..d + n].iter().copied());
                }
            }
        }
        9 => {
            let t = *rng.pick(&TOKENS);
            let at = rng.below(len + 1);
            if rng.one_in(2) || at + t.len() > len {
                v.splice(at..at, t.iter().copied());
            } else {
                v[at..at + t.len()].copy_from_slice(t);
            }
        }
        10 if len >= 4 => {
            // A 4-byte (property value length) or 2-byte (PING TTL) field.
            let at = rng.below(len - 3);
            if rng.one_in(2) {
                v[at..at + 4].copy_from_slice(&rng.pick(&INTERESTING_U32).to_be_bytes());
            } else {
                let t = *rng.pick(&[0u16, 1, 0xFFFF, 0x8000]);
                v[at..at + 2].copy_from_slice(&t.to_be_bytes());
            }
        }
        11 if len > 0 => {
            v.truncate(rng.below(len));
        }
        _ => {
            let at = rng.below(len + 1);
            v.insert(at, *rng.pick(&INTERESTING_U8));
        }
    }
}

/// Rewrites the size field of one frame found by parsing.
fn rewrite_length(rng: &mut Prng, kind: Kind, v: &mut Vec<u8>) -> bool {
    let p = parse(kind, v);
    if p.frames.is_empty() {
        return false;
    }
    let f = &p.frames[rng.below(p.frames.len())];
    let size = interesting_size(rng, f.body.len());
    match (p.framing, f.long) {
        (Framing::V2 | Framing::V3, false) => {
            if size > 255 || rng.one_in(4) {
                v[f.at] |= LONG;
                v.splice(f.at + 1..f.at + 2, size.to_be_bytes());
            } else {
                v[f.at + 1] = size as u8;
            }
        }
        (Framing::V2 | Framing::V3, true) => {
            v[f.at + 1..f.at + 9].copy_from_slice(&size.to_be_bytes());
        }
        (Framing::V1, false) => {
            if size >= 254 || rng.one_in(4) {
                v.splice(
                    f.at..f.at + 1,
                    [0xFF].into_iter().chain(size.wrapping_add(1).to_be_bytes()),
                );
            } else {
                v[f.at] = size.wrapping_add(1) as u8;
            }
        }
        (Framing::V1, true) => {
            v[f.at + 1..f.at + 9].copy_from_slice(&size.wrapping_add(1).to_be_bytes());
        }
    }
    true
}

/// One frame-level edit that keeps every size consistent.
fn mutate_frames(rng: &mut Prng, kind: Kind, v: &mut Vec<u8>, donor: &[u8]) {
    let mut p = parse(kind, v);
    let v3 = p.framing == Framing::V3;
    let n = p.frames.len();
    match rng.below(8) {
        0 | 1 if n > 0 => {
            let i = rng.below(n);
            let body = &mut p.frames[i].body;
            let k = 1 + rng.below(3);
            for _ in 0..k {
                mutate_bytes(rng, body, &[]);
            }
        }
        2 if n > 0 => {
            p.frames.remove(rng.below(n));
        }
        3 if n > 0 => {
            let i = rng.below(n);
            let f = p.frames[i].clone();
            let times = if rng.one_in(3) { 1 + rng.below(100) } else { 1 };
            for _ in 0..times {
                p.frames.insert(i, f.clone());
            }
        }
        4 if n > 1 => {
            let a = rng.below(n);
            let b = rng.below(n);
            p.frames.swap(a, b);
        }
        5 if n > 0 => {
            let f = &mut p.frames[rng.below(n)];
            match rng.below(4) {
                0 => f.flags ^= MORE,
                1 => f.flags ^= COMMAND,
                2 => f.long = !f.long,
                _ => f.flags ^= 1 << rng.below(8),
            }
        }
        6 if !donor.is_empty() => {
            // A frame taken from another input.
            let d = parse(kind, donor);
            if !d.frames.is_empty() {
                let f = d.frames[rng.below(d.frames.len())].clone();
                p.frames.insert(rng.below(n + 1), f);
            }
        }
        _ => {
            let (flags, body) = gen_body(rng, v3);
            let f = PFrame {
                at: 0,
                flags,
                long: rng.one_in(8),
                body,
            };
            if n > 0 && rng.one_in(3) {
                let i = rng.below(n);
                p.frames[i] = f;
            } else {
                p.frames.insert(rng.below(n + 1), f);
            }
        }
    }
    // A partial tail would shift behind new frames: keep it only at times.
    if rng.one_in(2) {
        p.tail.clear();
    }
    *v = serialize(&p);
}

fn mutate_wire(rng: &mut Prng, kind: Kind, v: &mut Vec<u8>, donor: &[u8]) {
    match rng.below(10) {
        0..=3 => mutate_frames(rng, kind, v, donor),
        4 if rewrite_length(rng, kind, v) => {}
        _ => mutate_bytes(rng, v, donor),
    }
}

/// New chunk lengths for null_handshake: sizes, pieces and time steps.
fn rechunk(rng: &mut Prng, lens: &mut Vec<u8>) {
    match rng.below(6) {
        0 => lens.clear(),
        1 => {
            let l = *rng.pick(&[1u8, 2, 7, 8, 64, 96, 97, 255]);
            lens.iter_mut().for_each(|x| *x = l);
        }
        2 if !lens.is_empty() => {
            let i = rng.below(lens.len());
            lens[i] = rng.byte();
        }
        3 => {
            // Empty chunks: timers fire with no input.
            let at = rng.below(lens.len() + 1);
            let n = 1 + rng.below(30);
            lens.splice(at..at, std::iter::repeat_n(0, n));
        }
        4 => {
            // 96-byte chunks advance virtual time the most (480 ms).
            let at = rng.below(lens.len() + 1);
            let n = 1 + rng.below(30);
            lens.splice(at..at, std::iter::repeat_n(96, n));
        }
        _ => lens.iter_mut().for_each(|x| *x = 1 + rng.below(255) as u8),
    }
}

pub(super) fn mutate(rng: &mut Prng, kind: Kind, base: &[u8], donor: &[u8]) -> Vec<u8> {
    let most = if rng.one_in(4) { 8 } else { 3 };
    let rounds = 1 + rng.below(most);
    let mut v = base.to_vec();
    match kind {
        Kind::Null | Kind::Plain if !rng.one_in(5) => {
            let (mut sel, mut wire, mut lens) = unwrap(&v);
            let (_, donor_wire, _) = unwrap(donor);
            for _ in 0..rounds {
                match rng.below(12) {
                    0 => sel ^= 1 << rng.below(8),
                    1 => rechunk(rng, &mut lens),
                    _ => mutate_wire(rng, kind, &mut wire, &donor_wire),
                }
            }
            wire.truncate(MAX_INPUT);
            v = rewrap(sel, &wire, &lens, rng, 255);
        }
        Kind::Decoder if rng.one_in(8) && !v.is_empty() => {
            // Chunk size and limit, same frames.
            v[0] = decoder_sel(v[0] % 3, rng.below(4) as u8, rng.below(16) as u8);
        }
        Kind::Null | Kind::Plain | Kind::Curve => {
            for _ in 0..rounds {
                mutate_bytes(rng, &mut v, donor);
            }
        }
        Kind::Decoder | Kind::Greeting => {
            for _ in 0..rounds {
                mutate_wire(rng, kind, &mut v, donor);
            }
        }
    }
    v.truncate(MAX_INPUT);
    v
}
