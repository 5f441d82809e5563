//! Drives a `Connection` through chunked peer input for the greeting, NULL
//! and PLAIN handshake bodies.

use std::io::IoSlice;
use std::time::{Duration, Instant};

use super::outcome::*;
use crate::msg::Msg;
use crate::zmtp::decoder::{BODY_CHUNK, READ_BUF_SIZE};
use crate::zmtp::{Config, Connection, Event};

/// Feeds each chunk (in pieces of at most the given size) to a fresh
/// connection, polling events after every read and firing timers between
/// chunks. Checks output and memory invariants throughout; records what it
/// saw in `out` (`seen`, `events`, `consumed`, `phase`).
pub(super) fn drive(
    cfg: Config,
    chunks: &[(&[u8], usize)],
    talk: bool,
    out: &mut Outcome,
) -> Result<(), crate::zmtp::Error> {
    drive_with_zap(cfg, chunks, talk, None, out)
}

/// As `drive`; a ZAP request is answered with `zap` (`None`: no handler).
pub(super) fn drive_with_zap(
    cfg: Config,
    chunks: &[(&[u8], usize)],
    talk: bool,
    zap: Option<&[Msg]>,
    out: &mut Outcome,
) -> Result<(), crate::zmtp::Error> {
    let mut now = Instant::now();
    let mut c = Connection::new(cfg, now);
    let r = drive_inner(&mut c, &mut now, chunks, talk, zap, out);
    let version = match c.peer_version() {
        None => 0,
        Some((1, _)) => 1,
        Some((2, _)) => 2,
        Some((_, 0)) => 3,
        Some(_) => 4,
    };
    out.phase = version << 1 | u8::from(c.is_handshake_done());
    r
}

fn drive_inner(
    c: &mut Connection,
    now: &mut Instant,
    chunks: &[(&[u8], usize)],
    talk: bool,
    zap: Option<&[Msg]>,
    out: &mut Outcome,
) -> Result<(), crate::zmtp::Error> {
    let mut received = 0usize;
    // What the mechanism queued before any input (ZAP for NULL, HELLO).
    drain_events(c, *now, talk, zap, out)?;
    for &(bytes, piece) in chunks {
        let mut pos = 0;
        while pos < bytes.len() {
            let buf = c.read_buf();
            if buf.is_empty() {
                // Only legitimate when undecoded input is waiting.
                assert!(c.buffered_in() > 0);
                out.seen |= SEEN_READ_BUF_FULL;
                drain_events(c, *now, talk, zap, out)?;
                assert!(!c.read_buf().is_empty(), "read_buf stuck after decoding");
                continue;
            }
            let n = piece.min(buf.len()).min(bytes.len() - pos);
            buf[..n].copy_from_slice(&bytes[pos..pos + n]);
            c.commit_read(n, *now)?;
            pos += n;
            received += n;
            out.consumed = clamp32(received);
            drain_events(c, *now, talk, zap, out)?;
            assert!(c.buffered_in() <= READ_BUF_SIZE + 2 * received + BODY_CHUNK);
            check_output(c);
        }
        *now += Duration::from_millis(bytes.len() as u64 % 97 * 5);
        let before = c.out_len();
        if let Err(e) = c.handle_timeout(*now) {
            out.seen |= SEEN_TIMER_ERROR;
            return Err(e);
        }
        if c.out_len() > before {
            out.seen |= SEEN_TIMER_OUTPUT;
        }
        check_output(c);
        // Write out what is pending, as an engine would.
        let pending = c.out_len();
        c.consume_out(pending);
        assert_eq!(c.out_len(), 0);
    }
    Ok(())
}

fn drain_events(
    c: &mut Connection,
    now: Instant,
    talk: bool,
    zap: Option<&[Msg]>,
    out: &mut Outcome,
) -> Result<(), crate::zmtp::Error> {
    loop {
        let before = c.out_len();
        let done_before = c.is_handshake_done();
        let Some(ev) = c.poll_event(now)? else {
            break;
        };
        if c.out_len() > before {
            out.seen |= if done_before {
                SEEN_REPLY_AFTER
            } else {
                SEEN_REPLY_BEFORE
            };
        }
        out.events = out.events.saturating_add(1);
        match &ev {
            Event::HandshakeDone(info) => {
                assert!(c.is_handshake_done());
                assert!(info.routing_id.len() <= 255);
                out.seen |= SEEN_HANDSHAKE;
                if info.metadata.len() > 2 {
                    out.seen |= SEEN_METADATA;
                }
                if !info.routing_id.is_empty() {
                    out.seen |= SEEN_ROUTING_ID;
                }
            }
            Event::Message(m) => {
                assert!(c.is_handshake_done());
                out.seen |= if m.more() { SEEN_MORE } else { SEEN_LAST };
                out.seen |= match m.len() {
                    0 => SEEN_EMPTY,
                    1..=33 => 0,
                    34..=8192 => SEEN_HEAP,
                    _ => SEEN_LARGE,
                };
            }
            Event::ZapRequest(req) => {
                assert!(!c.is_handshake_done() && c.zap_pending());
                assert!(req.credentials.len() <= 2);
                assert!(req.credentials.iter().all(|k| k.len() <= 255));
                out.seen |= SEEN_ZAP;
                c.zap_reply(zap)?;
            }
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
