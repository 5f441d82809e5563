//! Bodies of the fuzz targets under `fuzz/` (cargo-fuzz), shared with the
//! stable unit tests below so CI exercises them without nightly. Each body
//! must never panic on any input; the `assert!`s check invariants (memory
//! bounds, consistency), so a failing assert is a finding.

use std::io::IoSlice;
use std::time::{Duration, Instant};

use super::decoder::{Decoder, Limit, BODY_CHUNK, READ_BUF_SIZE};
use super::frame::{Framing, COMMAND, MORE};
use super::greeting::{self, Detect};
use super::{socket_type, Config, Connection, Event};
use crate::msg::Msg;

/// `zmtp_decoder`: byte 0 picks framing, limit and chunk size; the rest is
/// wire input.
pub fn decoder(data: &[u8]) {
    let Some((&sel, input)) = data.split_first() else {
        return;
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
                    assert!((f.body.as_slice().len() as u64) <= max);
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
        if pos == input.len() {
            return;
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
/// never panics.
pub fn greeting(data: &[u8]) {
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
    // And through a connection, whole and byte by byte.
    for accept_legacy in [false, true] {
        for chunk in [usize::MAX, 1] {
            let mut cfg = Config::new(socket_type::DEALER);
            cfg.accept_legacy = accept_legacy;
            let _ = drive(cfg, &[(data, chunk)], false);
        }
    }
}

/// `zmtp_null_handshake`: byte 0 picks our socket type and options; the rest
/// is a sequence of `[len] bytes...` chunks of peer input, with virtual time
/// advancing between chunks.
pub fn null_handshake(data: &[u8]) {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
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
    let mut chunks = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        chunks.push((&tail[..n], usize::from(len % 7) + 1));
        rest = &tail[n..];
    }
    let _ = drive(cfg, &chunks, true);
}

/// Feeds each chunk (in pieces of at most the given size) to a fresh
/// connection, polling events after every read and firing timers between
/// chunks. Checks output and memory invariants throughout.
fn drive(cfg: Config, chunks: &[(&[u8], usize)], talk: bool) -> Result<(), super::Error> {
    let mut now = Instant::now();
    let mut c = Connection::new(cfg, now);
    let mut received = 0usize;
    for &(bytes, piece) in chunks {
        let mut pos = 0;
        while pos < bytes.len() {
            let buf = c.read_buf();
            if buf.is_empty() {
                // Only legitimate when undecoded input is waiting.
                assert!(c.buffered_in() > 0);
                drain_events(&mut c, now, talk)?;
                assert!(!c.read_buf().is_empty(), "read_buf stuck after decoding");
                continue;
            }
            let n = piece.min(buf.len()).min(bytes.len() - pos);
            buf[..n].copy_from_slice(&bytes[pos..pos + n]);
            c.commit_read(n, now)?;
            pos += n;
            received += n;
            drain_events(&mut c, now, talk)?;
            assert!(c.buffered_in() <= READ_BUF_SIZE + 2 * received + BODY_CHUNK);
            check_output(&c);
        }
        now += Duration::from_millis(bytes.len() as u64 % 97 * 5);
        c.handle_timeout(now)?;
        check_output(&c);
        // Write out what is pending, as an engine would.
        let pending = c.out_len();
        c.consume_out(pending);
        assert_eq!(c.out_len(), 0);
    }
    Ok(())
}

fn drain_events(c: &mut Connection, now: Instant, talk: bool) -> Result<(), super::Error> {
    while let Some(ev) = c.poll_event(now)? {
        if let Event::HandshakeDone(info) = &ev {
            assert!(c.is_handshake_done());
            assert!(info.routing_id.len() <= 255);
        }
        if talk && c.is_handshake_done() {
            let mut m = Msg::from_slice(b"reply");
            m.set_more(true);
            c.send(&m)?;
            c.send(&Msg::from_vec(vec![1; 9000]))?;
            c.send_subscription(false, b"topic")?;
        }
    }
    Ok(())
}

fn check_output(c: &Connection) {
    let mut slices = [IoSlice::new(&[]); 16];
    let n = c.out_slices(&mut slices);
    let total: usize = slices[..n].iter().map(|s| s.len()).sum();
    assert!(total <= c.out_len());
    if n < slices.len() {
        assert_eq!(total, c.out_len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::command::write_property;
    use crate::zmtp::testutil::Rng;

    fn peer_greeting_and_ready(socket_type: &[u8]) -> Vec<u8> {
        let mut v = greeting::signature(0).to_vec();
        v.push(3);
        v.extend_from_slice(&greeting::tail(
            1,
            &greeting::mechanism_field("NULL"),
            false,
        ));
        let mut props = vec![5];
        props.extend_from_slice(b"READY");
        write_property(&mut props, b"Socket-Type", socket_type);
        v.push(COMMAND);
        v.push(props.len() as u8);
        v.extend_from_slice(&props);
        v
    }

    #[test]
    fn decoder_target_on_random_inputs() {
        let mut rng = Rng::new(11);
        for i in 0..3000 {
            let len = rng.below(if i % 10 == 0 { 20_000 } else { 300 });
            decoder(&rng.bytes(len));
        }
    }

    #[test]
    fn greeting_target_on_random_inputs() {
        let mut rng = Rng::new(12);
        let valid = peer_greeting_and_ready(b"ROUTER");
        for i in 0..2000 {
            let mut input = if i % 2 == 0 {
                valid.clone()
            } else {
                rng.bytes_below(100)
            };
            for _ in 0..rng.below(4) {
                if !input.is_empty() {
                    let at = rng.below(input.len());
                    input[at] = rng.next() as u8;
                }
            }
            greeting(&input);
        }
    }

    #[test]
    fn null_handshake_target_on_random_inputs() {
        let mut rng = Rng::new(13);
        let types: [&[u8]; 4] = [b"PUSH", b"DEALER", b"SUB", b"PAIR"];
        for i in 0..3000 {
            let mut wire = peer_greeting_and_ready(types[i % 4]);
            // Random frames after the handshake, some of them commands.
            for _ in 0..rng.below(6) {
                let kind = rng.below(5);
                let body = match kind {
                    0 => b"\x04PING\x00\x05ctx".to_vec(),
                    1 => b"\x09SUBSCRIBEtopic".to_vec(),
                    2 => rng.bytes_below(40),
                    _ => rng.bytes_below(300),
                };
                let flags = if kind < 2 {
                    COMMAND
                } else {
                    rng.below(2) as u8
                };
                if body.len() > 255 {
                    wire.push(flags | 2);
                    wire.extend_from_slice(&(body.len() as u64).to_be_bytes());
                } else {
                    wire.push(flags);
                    wire.push(body.len() as u8);
                }
                wire.extend_from_slice(&body);
            }
            for _ in 0..rng.below(3) {
                let at = rng.below(wire.len());
                wire[at] = rng.next() as u8;
            }
            // Wrap as [len] chunks.
            let mut data = vec![rng.next() as u8];
            let mut pos = 0;
            while pos < wire.len() {
                let n = (1 + rng.below(255)).min(wire.len() - pos);
                data.push(n as u8);
                data.extend_from_slice(&wire[pos..pos + n]);
                pos += n;
            }
            null_handshake(&data);
            // And as raw garbage.
            null_handshake(&rng.bytes_below(200));
        }
    }
}
