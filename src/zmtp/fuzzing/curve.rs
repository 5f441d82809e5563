//! The CURVE body: a real CURVE peer talks to the connection under test
//! through a mangler the input controls (flip, cut, replay, insert, delete
//! bytes, re-chunk). Random bytes alone never get past HELLO's box, so the
//! peer is honest and the input attacks its stream instead: every state of
//! the handshake and of the MESSAGE layer is reached, and boxes are checked
//! against every kind of tampering.
//!
//! Invariants: no panic; memory stays bounded; what the target delivers is
//! exactly a prefix of what the honest peer sent (nothing forged, replayed
//! or reordered gets through); with the wrong server key no handshake
//! completes.

use std::io::IoSlice;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::outcome::*;
use crate::msg::Msg;
use crate::zmtp::decoder::{BODY_CHUNK, READ_BUF_SIZE};
use crate::zmtp::mechanism::curve::{public_from_secret, SecretBytes};
use crate::zmtp::mechanism::{CurveKeys, MechanismKind, Role, Security};
use crate::zmtp::{socket_type, Config, Connection, Error, Event};

/// (client type, server type) pairs.
const PAIRS: [(i32, i32); 6] = [
    (socket_type::DEALER, socket_type::ROUTER),
    (socket_type::REQ, socket_type::REP),
    (socket_type::PUSH, socket_type::PULL),
    (socket_type::SUB, socket_type::PUB),
    (socket_type::PAIR, socket_type::PAIR),
    (socket_type::XSUB, socket_type::XPUB),
];

/// Fixed long-term keys (the short-term ones are fresh every run).
struct Keys {
    server: ([u8; 32], [u8; 32]),
    client: ([u8; 32], [u8; 32]),
    other_public: [u8; 32],
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pair = |seed: u8| {
            let secret = [seed; 32];
            (public_from_secret(&secret), secret)
        };
        Keys {
            server: pair(1),
            client: pair(2),
            other_public: pair(3).0,
        }
    })
}

fn security(role: Role, wrong_key: bool) -> Security {
    let k = keys();
    let (public, secret) = match role {
        Role::Server => k.server,
        Role::Client => k.client,
    };
    Security {
        kind: MechanismKind::Curve,
        role,
        curve: CurveKeys {
            public_key: public,
            secret_key: SecretBytes::new(secret),
            server_key: if wrong_key {
                k.other_public
            } else {
                k.server.0
            },
        },
        ..Security::default()
    }
}

/// How the input changes the honest peer's stream (offsets count bytes of
/// that stream from its start).
#[derive(Debug, Clone, Copy)]
enum Op {
    Flip(usize, u8),
    Cut(usize),
    Replay(usize),
    Insert(usize, u8),
    Delete(usize, u8),
    Chunk(usize, u8),
}

fn parse_ops(mut rest: &[u8]) -> Vec<Op> {
    let mut ops = Vec::new();
    while let Some((op, tail)) = rest.split_first_chunk::<4>() {
        rest = tail;
        let at = usize::from(u16::from_be_bytes([op[1], op[2]]));
        let v = op[3];
        ops.push(match op[0] % 6 {
            0 => Op::Flip(at, v | 1),
            1 => Op::Cut(at),
            2 => Op::Replay(at),
            3 => Op::Insert(at, v),
            4 => Op::Delete(at, v),
            _ => Op::Chunk(at, v),
        });
        if ops.len() == 64 {
            break;
        }
    }
    ops
}

/// Applies the ops falling in `[base, base + bytes.len())` to one transfer.
/// Returns the bytes to deliver and whether the stream was cut.
fn mangle(ops: &[Op], base: usize, bytes: &[u8], chunk: &mut usize) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut cut = false;
    for (i, &b) in bytes.iter().enumerate() {
        let at = base + i;
        let mut byte = Some(b);
        for op in ops {
            match *op {
                Op::Flip(p, x) if p == at => byte = byte.map(|b| b ^ x),
                Op::Cut(p) if p == at => cut = true,
                Op::Replay(p) if p == at => {
                    let from = i.saturating_sub(32);
                    out.extend_from_slice(&bytes[from..i]);
                }
                Op::Insert(p, n) if p == at => {
                    out.extend(std::iter::repeat_n(0x41, usize::from(n)))
                }
                Op::Delete(p, n) if at >= p && at < p + usize::from(n) => byte = None,
                Op::Chunk(p, n) if p == at => *chunk = usize::from(n) + 1,
                _ => {}
            }
        }
        if cut {
            return (out, true);
        }
        out.extend(byte);
    }
    (out, false)
}

fn take_out(c: &mut Connection) -> Vec<u8> {
    let mut v = Vec::new();
    loop {
        let mut iov = [IoSlice::new(&[]); 16];
        let n = c.out_slices(&mut iov);
        if n == 0 {
            return v;
        }
        let mut w = 0;
        for s in &iov[..n] {
            v.extend_from_slice(s);
            w += s.len();
        }
        c.consume_out(w);
    }
}

/// What the honest peer sends once ready; `expected` gets what the target
/// should deliver for it.
fn honest_traffic(h: &mut Connection, peer_type: i32, expected: &mut Vec<Vec<u8>>) {
    let mut push = |h: &mut Connection, m: Msg| {
        if h.send(&m).is_ok() {
            expected.push(m.data().to_vec());
        }
    };
    if matches!(peer_type, socket_type::SUB | socket_type::XSUB) {
        if h.send_subscription(false, b"topic").is_ok() {
            expected.push(b"\x01topic".to_vec());
        }
        return;
    }
    let mut first = Msg::from_slice(b"first");
    first.set_more(true);
    push(h, first);
    push(h, Msg::from_vec(vec![0x5A; 1000]));
    push(h, Msg::from_slice(b""));
}

/// `zmtp_curve_handshake`: byte 0 picks roles, socket types and options;
/// the rest are 4-byte ops on the honest peer's stream (see `Op`).
pub fn curve_handshake(data: &[u8]) {
    curve_handshake_run(data);
}

pub(crate) fn curve_handshake_run(data: &[u8]) -> Outcome {
    let mut out = Outcome::default();
    let Some((&sel, rest)) = data.split_first() else {
        return out;
    };
    let target_is_server = sel & 1 == 0;
    let (client_type, server_type) = PAIRS[usize::from(sel >> 1 & 7) % PAIRS.len()];
    let heartbeats = sel & 0x10 != 0;
    let wrong_key = sel & 0x20 != 0;
    let zap = sel >> 6;
    let ops = parse_ops(rest);

    let mut cc = Config::new(client_type);
    cc.security = security(Role::Client, wrong_key);
    let mut sc = Config::new(server_type);
    sc.security = security(Role::Server, false);
    for c in [&mut cc, &mut sc] {
        c.max_msg_size = Some(4096);
        c.handshake_frame_cap = 1024;
        if heartbeats {
            c.heartbeat_ivl = Some(Duration::from_millis(50));
        }
    }
    let (tc, hc, honest_type) = if target_is_server {
        (sc, cc, client_type)
    } else {
        (cc, sc, server_type)
    };
    let mut now = Instant::now();
    let mut t = Connection::new(tc, now);
    let mut h = Connection::new(hc, now);

    let mut expected = Vec::new();
    let mut delivered = 0usize;
    let mut sent_traffic = false;
    let mut stream_pos = 0usize;
    let mut chunk = usize::MAX;
    let mut cut = false;
    let r = (|| -> Result<(), Error> {
        for _round in 0..12 {
            // Target -> honest peer, untouched. The honest peer may fail
            // (the target sent ERROR): then only the target side goes on.
            let to_h = take_out(&mut t);
            if feed(&mut h, &to_h, usize::MAX, now, None).is_err() {
                out.seen |= SEEN_REPLY_BEFORE;
            }
            if h.is_handshake_done() && !sent_traffic {
                sent_traffic = true;
                honest_traffic(&mut h, honest_type, &mut expected);
            }
            // Honest peer -> target, through the mangler.
            let from_h = take_out(&mut h);
            if cut || (from_h.is_empty() && to_h.is_empty()) {
                break;
            }
            let (bytes, now_cut) = mangle(&ops, stream_pos, &from_h, &mut chunk);
            stream_pos += from_h.len();
            cut |= now_cut;
            let events = feed(&mut t, &bytes, chunk, now, Some(zap));
            out.consumed = clamp32(stream_pos);
            for ev in events? {
                out.events = out.events.saturating_add(1);
                match ev {
                    Event::HandshakeDone(_) => {
                        out.seen |= SEEN_HANDSHAKE;
                        assert!(!wrong_key, "handshake done with the wrong server key");
                    }
                    Event::Message(m) => {
                        assert!(t.is_handshake_done());
                        let want = expected.get(delivered).map(Vec::as_slice);
                        assert_eq!(Some(m.data()), want, "delivered what was not sent");
                        delivered += 1;
                        out.seen |= if m.more() { SEEN_MORE } else { SEEN_LAST };
                    }
                    Event::ZapRequest(_) => unreachable!("answered in feed"),
                }
            }
            if t.is_handshake_done() {
                t.send(&Msg::from_slice(b"reply"))?;
            }
            now += Duration::from_millis(30);
            t.handle_timeout(now)?;
            let _ = h.handle_timeout(now);
        }
        Ok(())
    })();
    if let Err(e) = r {
        out.error = error_kind(&e);
    }
    out.phase = u8::from(t.is_handshake_done()) << 1 | u8::from(cut);
    out
}

/// A reply from the ZAP handler, as `zap` (0: no handler, 1: 200, 2: 400,
/// 3: malformed) asks.
fn zap_answer(c: &mut Connection, zap: u8) -> Result<(), Error> {
    let frames = |status: &[u8], n: usize| -> Vec<Msg> {
        let parts: [&[u8]; 7] = [b"", b"1.0", b"1", status, b"", b"user", b""];
        parts[..n]
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut m = Msg::from_slice(p);
                m.set_more(i + 1 < n);
                m
            })
            .collect()
    };
    match zap {
        0 => c.zap_reply(None),
        1 => c.zap_reply(Some(&frames(b"200", 7))),
        2 => c.zap_reply(Some(&frames(b"400", 7))),
        _ => c.zap_reply(Some(&frames(b"200", 5))),
    }
}

/// Feeds `bytes` in pieces of `chunk`, collecting events; a ZAP request is
/// answered as `zap` says (`None`: the honest side, always "no handler").
fn feed(
    c: &mut Connection,
    bytes: &[u8],
    chunk: usize,
    now: Instant,
    zap: Option<u8>,
) -> Result<Vec<Event>, Error> {
    let mut events = Vec::new();
    let mut pos = 0;
    let mut received = 0usize;
    loop {
        while let Some(ev) = c.poll_event(now)? {
            match ev {
                Event::ZapRequest(req) => {
                    assert_eq!(req.mechanism, "CURVE");
                    zap_answer(c, zap.unwrap_or(0))?;
                }
                ev => events.push(ev),
            }
        }
        if pos == bytes.len() {
            return Ok(events);
        }
        let buf = c.read_buf();
        assert!(!buf.is_empty(), "read_buf stuck after decoding");
        let n = chunk.max(1).min(buf.len()).min(bytes.len() - pos);
        buf[..n].copy_from_slice(&bytes[pos..pos + n]);
        c.commit_read(n, now)?;
        pos += n;
        received += n;
        assert!(c.buffered_in() <= READ_BUF_SIZE + 2 * received + BODY_CHUNK);
    }
}
