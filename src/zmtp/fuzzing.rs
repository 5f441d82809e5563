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

/// What one run of a body did, observed cheaply from its public results.
/// The stable fuzz driver (`tests::soak`) keeps an input in its corpus when
/// its outcome shows something not seen before.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Outcome {
    /// 0 when no error, else [`error_kind`] (the greeting target packs two).
    pub(crate) error: u16,
    /// Target-specific progress: framing and limit, greeting detection,
    /// handshake phase and peer version.
    pub(crate) phase: u8,
    /// Bit set of what was seen (`SEEN_*`, `FRAME_*`).
    pub(crate) seen: u32,
    /// Frames or events delivered.
    pub(crate) events: u32,
    /// Input bytes accepted.
    pub(crate) consumed: u32,
}

/// A small number per error kind, 1-based.
fn error_kind(e: &super::Error) -> u16 {
    use super::Error as E;
    match e {
        E::BadGreeting => 1,
        E::LegacyPeerRefused => 2,
        E::MechanismMismatch => 3,
        E::HandshakeFrameTooLarge { .. } => 4,
        E::MessageTooLarge { .. } => 5,
        E::MalformedFrame => 6,
        E::MalformedCommand { command } => match *command {
            "READY" => 7,
            "ERROR" => 8,
            "PING" => 9,
            "command" => 10,
            _ => 11,
        },
        E::UnexpectedCommand => 12,
        E::SocketTypeMismatch => 13,
        E::InvalidIdentity => 14,
        E::InvalidMetadata => 15,
        E::PeerError(_) => 16,
        E::HandshakeTimeout => 17,
        E::HeartbeatTimeout => 18,
        E::NotReady => 19,
    }
}

// `Outcome::seen` bits of the decoder target: flag combination (bit 0..=3)
// and size class (bit 4..=9) of every frame, bodies moved without copy.
const FRAME_DIRECT: u32 = 1 << 10;

fn size_class(len: usize) -> u32 {
    match len {
        0 => 0,
        1..=33 => 1,
        34..=255 => 2,
        256..=8192 => 3,
        8193..=65536 => 4,
        _ => 5,
    }
}

// `Outcome::seen` bits of the connection targets.
const SEEN_HANDSHAKE: u32 = 1;
const SEEN_MORE: u32 = 1 << 1;
const SEEN_LAST: u32 = 1 << 2;
const SEEN_EMPTY: u32 = 1 << 3;
const SEEN_HEAP: u32 = 1 << 4;
const SEEN_LARGE: u32 = 1 << 5;
const SEEN_READ_BUF_FULL: u32 = 1 << 6;
const SEEN_REPLY_AFTER: u32 = 1 << 7;
const SEEN_REPLY_BEFORE: u32 = 1 << 8;
const SEEN_TIMER_OUTPUT: u32 = 1 << 9;
const SEEN_TIMER_ERROR: u32 = 1 << 10;
const SEEN_METADATA: u32 = 1 << 11;
const SEEN_ROUTING_ID: u32 = 1 << 12;

fn clamp32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

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

pub(crate) fn null_handshake_run(data: &[u8]) -> Outcome {
    let mut out = Outcome::default();
    let Some((&sel, mut rest)) = data.split_first() else {
        return out;
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
    if let Err(e) = drive(cfg, &chunks, true, &mut out) {
        out.error = error_kind(&e);
    }
    out
}

/// Feeds each chunk (in pieces of at most the given size) to a fresh
/// connection, polling events after every read and firing timers between
/// chunks. Checks output and memory invariants throughout; records what it
/// saw in `out` (`seen`, `events`, `consumed`, `phase`).
fn drive(
    cfg: Config,
    chunks: &[(&[u8], usize)],
    talk: bool,
    out: &mut Outcome,
) -> Result<(), super::Error> {
    let mut now = Instant::now();
    let mut c = Connection::new(cfg, now);
    let r = drive_inner(&mut c, &mut now, chunks, talk, out);
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
    out: &mut Outcome,
) -> Result<(), super::Error> {
    let mut received = 0usize;
    for &(bytes, piece) in chunks {
        let mut pos = 0;
        while pos < bytes.len() {
            let buf = c.read_buf();
            if buf.is_empty() {
                // Only legitimate when undecoded input is waiting.
                assert!(c.buffered_in() > 0);
                out.seen |= SEEN_READ_BUF_FULL;
                drain_events(c, *now, talk, out)?;
                assert!(!c.read_buf().is_empty(), "read_buf stuck after decoding");
                continue;
            }
            let n = piece.min(buf.len()).min(bytes.len() - pos);
            buf[..n].copy_from_slice(&bytes[pos..pos + n]);
            c.commit_read(n, *now)?;
            pos += n;
            received += n;
            out.consumed = clamp32(received);
            drain_events(c, *now, talk, out)?;
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
    out: &mut Outcome,
) -> Result<(), super::Error> {
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

/// A small mutational fuzzer on stable Rust for the three bodies above, so
/// that CI (stable toolchain only) fuzzes without cargo-fuzz. Run through
/// `tests::soak`; see `scripts/fuzz.sh`.
///
/// - Corpus: valid inputs built here per target (greetings 3.0/3.1/2.0/1.0,
///   NULL handshakes for every socket type with metadata, frame sequences),
///   grown with every input whose [`Outcome`] shows a new *state*: a
///   projection of (error kind, phase, events, bytes consumed, what was seen),
///   counts bucketed by powers of two.
/// - Mutations: bit flips, interesting bytes, length fields rewritten near
///   the limits (frame sizes found by parsing the frames, property and PING
///   fields), insert/delete/duplicate ranges, dictionary tokens, splices
///   between corpus items, frame-level edits that keep sizes consistent,
///   chunk-boundary and timing changes.
/// - A panic is a finding: the input is written as hex to
///   `RAMPART_FUZZ_FINDINGS` (default `target/fuzz-findings/`), with a
///   minimized copy, and the test fails. A watchdog treats an execution
///   longer than `RAMPART_FUZZ_HANG_SECS` (default 20) as a hang finding.
///
/// Environment: `RAMPART_FUZZ_SECS` (per target, default 10),
/// `RAMPART_FUZZ_SEED` (default from the clock; printed),
/// `RAMPART_FUZZ_EXECS` (stop after this many executions per target, for
/// exact repeats), `RAMPART_FUZZ_TARGETS` (comma-separated names),
/// `RAMPART_FUZZ_REPLAY` (hex files to run once instead; the file name
/// starts with the target name).
#[cfg(test)]
mod driver {
    use std::cell::{Cell, RefCell};
    use std::collections::HashSet;
    use std::panic::{self, AssertUnwindSafe};
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use super::{decoder_run, greeting_run, null_handshake_run, Outcome};
    use crate::zmtp::command::write_property;
    use crate::zmtp::frame::{Framing, COMMAND, LONG, MORE};
    use crate::zmtp::greeting;

    /// Largest input the driver makes.
    const MAX_INPUT: usize = 64 * 1024;
    /// Corpus entries beyond the seeds.
    const MAX_CORPUS: usize = 8192;

    /// splitmix64.
    pub(super) struct Prng(u64);

    impl Prng {
        pub(super) fn new(seed: u64) -> Prng {
            Prng(seed)
        }

        pub(super) fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// In 0..n (0 when n is 0).
        pub(super) fn below(&mut self, n: usize) -> usize {
            if n == 0 {
                0
            } else {
                (self.next() % n as u64) as usize
            }
        }

        /// True one time in `n`.
        fn one_in(&mut self, n: usize) -> bool {
            self.below(n) == 0
        }

        fn byte(&mut self) -> u8 {
            self.next() as u8
        }

        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.byte()).collect()
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) enum Kind {
        /// Byte 0 selects framing, limit and chunk size.
        Decoder,
        /// Raw peer bytes.
        Greeting,
        /// Byte 0 selects the socket; then `[len] bytes` chunks.
        Null,
    }

    pub(super) struct Target {
        pub(super) name: &'static str,
        pub(super) kind: Kind,
        pub(super) run: fn(&[u8]) -> Outcome,
    }

    /// Named as the cargo-fuzz targets under `fuzz/`.
    pub(super) const TARGETS: [Target; 3] = [
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
    ];

    // ----- building inputs -------------------------------------------------

    /// A ZMTP 2.0/3.x frame.
    pub(super) fn frame(flags: u8, body: &[u8], long: bool) -> Vec<u8> {
        let mut v = Vec::with_capacity(body.len() + 9);
        push_frame(&mut v, Framing::V3, flags, body, long);
        v
    }

    fn push_frame(v: &mut Vec<u8>, framing: Framing, flags: u8, body: &[u8], long: bool) {
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
    pub(super) fn ready(
        socket: &[u8],
        identity: Option<&[u8]>,
        extra: &[(&[u8], &[u8])],
    ) -> Vec<u8> {
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
    fn greeting_legacy(revision: u8, socket_type: u8) -> Vec<u8> {
        let mut v = greeting::signature(0).to_vec();
        v.extend_from_slice(&[revision, socket_type]);
        v
    }

    fn ping(ttl: u16, context: &[u8]) -> Vec<u8> {
        let mut data = ttl.to_be_bytes().to_vec();
        data.extend_from_slice(context);
        frame(COMMAND, &cmd(b"PING", &data), false)
    }

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

    /// Wraps peer bytes as the null_handshake input: `sel`, then `[len]`
    /// chunks of 1..=max bytes.
    fn wrap(sel: u8, wire: &[u8], rng: &mut Prng, max: usize) -> Vec<u8> {
        let lens: Vec<u8> = Vec::new();
        rewrap(sel, wire, &lens, rng, max)
    }

    /// As `wrap`, reusing the chunk lengths `lens` while they last.
    fn rewrap(sel: u8, wire: &[u8], lens: &[u8], rng: &mut Prng, max: usize) -> Vec<u8> {
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
    fn unwrap(input: &[u8]) -> (u8, Vec<u8>, Vec<u8>) {
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

    const PEER_OF: [&[u8]; 11] = [
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
        }
        out
    }

    // ----- parsing frames, for structure-aware mutations -----------------

    #[derive(Clone)]
    struct PFrame {
        /// Where the header starts in the parsed bytes.
        at: usize,
        /// The flags octet as on the wire (LONG included).
        flags: u8,
        long: bool,
        body: Vec<u8>,
    }

    struct Parsed {
        head: Vec<u8>,
        framing: Framing,
        frames: Vec<PFrame>,
        tail: Vec<u8>,
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

    fn parse(kind: Kind, wire: &[u8]) -> Parsed {
        let (head_len, framing) = match kind {
            Kind::Decoder => {
                let f = match wire.first().map_or(2, |s| s % 3) {
                    0 => Framing::V1,
                    1 => Framing::V2,
                    _ => Framing::V3,
                };
                (1, f)
            }
            Kind::Greeting | Kind::Null => split_head(wire),
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

    fn serialize(p: &Parsed) -> Vec<u8> {
        let mut v = p.head.clone();
        for f in &p.frames {
            push_frame(&mut v, p.framing, f.flags, &f.body, f.long);
        }
        v.extend_from_slice(&p.tail);
        v
    }

    // ----- mutations --------------------------------------------------------

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
            Kind::Null if !rng.one_in(5) => {
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
            Kind::Null => {
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

    // ----- states -------------------------------------------------------------

    fn bucket(n: u32) -> u64 {
        u64::from(32 - n.leading_zeros())
    }

    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The states an outcome reaches: projections of it, counts bucketed.
    pub(super) fn states(o: &Outcome) -> [u64; 5] {
        let e = u64::from(o.error);
        let ph = u64::from(o.phase);
        let ev = bucket(o.events);
        let by = bucket(o.consumed);
        let seen = u64::from(o.seen);
        [
            mix(1 << 60 | e << 8 | ph),
            mix(2 << 60 | e << 8 | ev),
            mix(3 << 60 | e << 8 | by),
            mix(4 << 60 | seen),
            mix(5 << 60 | ph << 8 | ev),
        ]
    }

    // ----- running ------------------------------------------------------------

    thread_local! {
        static CAPTURE: Cell<bool> = const { Cell::new(false) };
        static MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    type Hook = Box<dyn Fn(&panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

    /// Panics on a thread that has set `CAPTURE` are recorded silently;
    /// others go to the previous hook. Restored on drop.
    struct QuietPanics(Arc<Hook>);

    impl QuietPanics {
        fn install() -> QuietPanics {
            let prev: Arc<Hook> = Arc::new(panic::take_hook());
            let fwd = Arc::clone(&prev);
            panic::set_hook(Box::new(move |info| {
                if CAPTURE.with(Cell::get) {
                    MESSAGE.with(|m| *m.borrow_mut() = Some(info.to_string()));
                } else {
                    fwd(info);
                }
            }));
            QuietPanics(prev)
        }
    }

    impl Drop for QuietPanics {
        fn drop(&mut self) {
            let prev = Arc::clone(&self.0);
            let _ = panic::take_hook();
            panic::set_hook(Box::new(move |info| prev(info)));
        }
    }

    /// Runs one input; `Err(message)` when it panicked.
    fn exec(t: &Target, input: &[u8]) -> Result<Outcome, String> {
        CAPTURE.with(|c| c.set(true));
        let r = panic::catch_unwind(AssertUnwindSafe(|| (t.run)(input)));
        CAPTURE.with(|c| c.set(false));
        r.map_err(|_| {
            MESSAGE
                .with(|m| m.borrow_mut().take())
                .unwrap_or_else(|| "panic".to_string())
        })
    }

    /// What the watchdog sees: executions so far and the current input.
    struct Watch {
        execs: AtomicU64,
        stop: AtomicBool,
        current: Mutex<(&'static str, Vec<u8>)>,
    }

    fn hex(data: &[u8]) -> String {
        let mut s = String::with_capacity(data.len() * 2 + data.len() / 32 + 1);
        for (i, b) in data.iter().enumerate() {
            s.push_str(&format!("{b:02x}"));
            if i % 32 == 31 {
                s.push('\n');
            }
        }
        s.push('\n');
        s
    }

    pub(super) fn unhex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text
            .bytes()
            .filter_map(|c| (c as char).to_digit(16).map(|d| d as u8))
            .collect();
        digits.chunks_exact(2).map(|p| p[0] << 4 | p[1]).collect()
    }

    fn findings_dir() -> PathBuf {
        std::env::var_os("RAMPART_FUZZ_FINDINGS")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-findings"))
    }

    /// Writes `input` as hex; returns the path.
    fn save(target: &str, tag: &str, input: &[u8], note: &str) -> PathBuf {
        let dir = findings_dir();
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{target}-{tag}{:016x}.hex", mix(fnv(input))));
        if let Err(e) = std::fs::write(&path, hex(input)) {
            println!("fuzz: cannot write {}: {e}", path.display());
        }
        let _ = std::fs::write(path.with_extension("txt"), note);
        path
    }

    fn fnv(data: &[u8]) -> u64 {
        data.iter().fold(0xCBF2_9CE4_8422_2325, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
        })
    }

    /// Deletes ranges while the input still panics (a few seconds at most).
    fn minimize(t: &Target, input: &[u8], watch: &Watch) -> Vec<u8> {
        let keep = usize::from(t.kind != Kind::Greeting);
        let mut best = input.to_vec();
        let until = Instant::now() + Duration::from_secs(5);
        let mut chunk = best.len() / 2;
        while chunk >= 1 && Instant::now() < until {
            let mut i = keep;
            while i < best.len() && Instant::now() < until {
                let mut cand = best.clone();
                cand.drain(i..(i + chunk).min(cand.len()));
                watch.execs.fetch_add(1, Ordering::Relaxed);
                if exec(t, &cand).is_err() {
                    best = cand;
                } else {
                    i += chunk;
                }
            }
            chunk /= 2;
        }
        best
    }

    pub(super) struct Report {
        pub(super) name: &'static str,
        pub(super) execs: u64,
        pub(super) secs: f64,
        pub(super) seeds: usize,
        pub(super) corpus: usize,
        pub(super) states: usize,
        pub(super) slowest: Duration,
        pub(super) mean_len: usize,
        pub(super) findings: Vec<PathBuf>,
    }

    pub(super) struct Settings {
        pub(super) seed: u64,
        pub(super) secs: u64,
        pub(super) max_execs: Option<u64>,
        pub(super) hang: Duration,
    }

    fn env_u64(name: &str) -> Option<u64> {
        let v = std::env::var(name).ok()?;
        let v = v.trim();
        match v.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => v.parse().ok(),
        }
    }

    pub(super) fn settings() -> Settings {
        let seed = env_u64("RAMPART_FUZZ_SEED").unwrap_or_else(|| {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            mix(t.as_nanos() as u64 ^ u64::from(std::process::id()) << 32)
        });
        Settings {
            seed,
            secs: env_u64("RAMPART_FUZZ_SECS").unwrap_or(10),
            max_execs: env_u64("RAMPART_FUZZ_EXECS"),
            hang: Duration::from_secs(env_u64("RAMPART_FUZZ_HANG_SECS").unwrap_or(20)),
        }
    }

    /// Fuzzes each of `targets` in turn; prints one line per target.
    pub(super) fn run(targets: &[&Target], s: &Settings) -> Vec<Report> {
        let _quiet = QuietPanics::install();
        let watch = Arc::new(Watch {
            execs: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            current: Mutex::new(("", Vec::new())),
        });
        let dog = {
            let watch = Arc::clone(&watch);
            let (hang, seed) = (s.hang, s.seed);
            std::thread::spawn(move || {
                let mut last = (u64::MAX, Instant::now());
                while !watch.stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    let n = watch.execs.load(Ordering::Relaxed);
                    if n != last.0 {
                        last = (n, Instant::now());
                    } else if last.1.elapsed() >= hang {
                        let cur = watch.current.lock().unwrap_or_else(|e| e.into_inner());
                        let note = format!("hang (> {hang:?}) in {}, seed {seed:#x}\n", cur.0);
                        let path = save(cur.0, "hang-", &cur.1, &note);
                        println!(
                            "FUZZ FINDING: {} ran longer than {hang:?} on one input (seed {seed:#x})\n  reproducer: {}",
                            cur.0,
                            path.display()
                        );
                        std::process::exit(3);
                    }
                }
            })
        };
        let mut reports = Vec::new();
        for (ti, t) in targets.iter().enumerate() {
            let r = run_target(t, s, s.seed ^ mix(ti as u64 + 1), &watch);
            let rate = r.execs as f64 / r.secs.max(1e-9);
            println!(
                "fuzz {:<20} {:>9} execs ({:>7.0}/s), corpus {:>5} ({} seeds), {:>5} states, slowest {:.1} ms, mean input {} B, {} finding(s)",
                r.name,
                r.execs,
                rate,
                r.corpus,
                r.seeds,
                r.states,
                r.slowest.as_secs_f64() * 1e3,
                r.mean_len,
                r.findings.len()
            );
            reports.push(r);
        }
        watch.stop.store(true, Ordering::Relaxed);
        let _ = dog.join();
        reports
    }

    fn run_target(t: &Target, s: &Settings, seed: u64, watch: &Watch) -> Report {
        let mut rng = Prng::new(seed);
        let seeds = seeds(t.kind);
        let n_seeds = seeds.len();
        let mut corpus: Vec<Vec<u8>> = Vec::new();
        let mut seen: HashSet<u64> = HashSet::new();
        let mut findings = Vec::new();
        let mut slowest = Duration::ZERO;
        let started = Instant::now();
        let deadline = started + Duration::from_secs(s.secs);
        let mut execs = 0u64;
        let mut pending = seeds.into_iter();
        loop {
            if s.max_execs.is_some_and(|m| execs >= m) {
                break;
            }
            if execs.is_multiple_of(32) && s.max_execs.is_none() && Instant::now() >= deadline {
                break;
            }
            let (input, is_seed) = match pending.next() {
                Some(seed) => (seed, true),
                None if corpus.is_empty() => break,
                None => {
                    // Prefer the shorter of two: growth is rewarded (bytes
                    // consumed is part of the state) but costs speed.
                    let (a, b) = (rng.below(corpus.len()), rng.below(corpus.len()));
                    let short = if corpus[a].len() <= corpus[b].len() {
                        a
                    } else {
                        b
                    };
                    let base = &corpus[if rng.one_in(4) { a } else { short }];
                    let donor = &corpus[rng.below(corpus.len())];
                    (mutate(&mut rng, t.kind, base, donor), false)
                }
            };
            {
                let mut cur = watch.current.lock().unwrap_or_else(|e| e.into_inner());
                cur.0 = t.name;
                cur.1.clear();
                cur.1.extend_from_slice(&input);
            }
            let t0 = Instant::now();
            let r = exec(t, &input);
            let took = t0.elapsed();
            execs += 1;
            watch.execs.fetch_add(1, Ordering::Relaxed);
            slowest = slowest.max(took);
            match r {
                Ok(o) => {
                    let mut new = false;
                    for st in states(&o) {
                        new |= seen.insert(st);
                    }
                    if is_seed || new {
                        if corpus.len() < n_seeds + MAX_CORPUS {
                            corpus.push(input);
                        } else {
                            let i = n_seeds + rng.below(MAX_CORPUS);
                            corpus[i] = input;
                        }
                    }
                }
                Err(msg) => {
                    let note = format!(
                        "{}: {msg}\nseed {:#x} (RAMPART_FUZZ_SEED), execution {execs}\n",
                        t.name, s.seed
                    );
                    let path = save(t.name, "", &input, &note);
                    let min = minimize(t, &input, watch);
                    let min_path = save(t.name, "min-", &min, &note);
                    println!(
                        "FUZZ FINDING in {} (seed {:#x}, execution {execs}): {msg}\n  reproducer: {} ({} bytes)\n  minimized:  {} ({} bytes)\n  replay: RAMPART_FUZZ_REPLAY={} cargo test --lib zmtp::fuzzing::tests::soak -- --ignored --nocapture",
                        t.name,
                        s.seed,
                        path.display(),
                        input.len(),
                        min_path.display(),
                        min.len(),
                        min_path.display()
                    );
                    findings.push(path);
                    // One finding per target per run: fix it, then go on.
                    break;
                }
            }
        }
        Report {
            name: t.name,
            execs,
            secs: started.elapsed().as_secs_f64(),
            seeds: n_seeds,
            corpus: corpus.len(),
            states: seen.len(),
            slowest,
            mean_len: corpus.iter().map(Vec::len).sum::<usize>() / corpus.len().max(1),
            findings,
        }
    }

    /// Runs saved inputs once each (a panic propagates).
    pub(super) fn replay(paths: &str) {
        for p in paths.split(':').filter(|p| !p.is_empty()) {
            let file = Path::new(p)
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or_default();
            let t = TARGETS
                .iter()
                .filter(|t| file.starts_with(t.name))
                .max_by_key(|t| t.name.len())
                .unwrap_or_else(|| panic!("{p}: file name does not start with a target name"));
            let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            let input = unhex(&text);
            println!("replay {} on {p} ({} bytes)", t.name, input.len());
            let o = (t.run)(&input);
            println!("  outcome {o:?}");
        }
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

    #[test]
    fn fuzz_driver_seeds_mutations_and_helpers() {
        use super::driver::*;
        // Every seed runs; the NULL seeds for each socket type (11 types x 4
        // option sets) complete the handshake.
        for t in &TARGETS {
            for s in seeds(t.kind) {
                (t.run)(&s);
            }
        }
        let null = seeds(Kind::Null);
        for s in &null[..44] {
            let o = null_handshake_run(s);
            assert_ne!(o.seen & SEEN_HANDSHAKE, 0, "{o:?}");
        }
        assert_eq!(decoder_sel(2, 3, 5) % 3, 2);
        assert_eq!(decoder_sel(0, 1, 0) >> 2 & 3, 1);
        assert_eq!(unhex("0aff\n10"), vec![0x0a, 0xff, 0x10]);
        // The mutators (not under catch_unwind here): a short fixed run.
        let mut rng = Prng::new(42);
        for t in &TARGETS {
            let corpus = seeds(t.kind);
            let mut states = std::collections::HashSet::new();
            for _ in 0..1500 {
                let base = &corpus[rng.below(corpus.len())];
                let donor = &corpus[rng.below(corpus.len())];
                let input = mutate(&mut rng, t.kind, base, donor);
                assert!(input.len() <= 64 * 1024);
                states.extend(driver_states(&(t.run)(&input)));
            }
            assert!(states.len() > 20, "{}: {} states", t.name, states.len());
        }
    }

    fn driver_states(o: &Outcome) -> [u64; 5] {
        super::driver::states(o)
    }

    /// The stable fuzz run (`scripts/fuzz.sh`; CI runs it for 10 s per
    /// target from `scripts/test.sh`). See `driver` for the environment.
    #[test]
    #[ignore = "long: scripts/fuzz.sh"]
    fn soak() {
        use super::driver;
        if let Ok(paths) = std::env::var("RAMPART_FUZZ_REPLAY") {
            driver::replay(&paths);
            return;
        }
        let s = driver::settings();
        let only = std::env::var("RAMPART_FUZZ_TARGETS").ok();
        let targets: Vec<_> = driver::TARGETS
            .iter()
            .filter(|t| {
                only.as_deref()
                    .is_none_or(|o| o.split(',').any(|n| n.trim() == t.name))
            })
            .collect();
        println!(
            "fuzz: seed {:#x} (RAMPART_FUZZ_SEED repeats it), {} s per target{}",
            s.seed,
            s.secs,
            s.max_execs
                .map_or(String::new(), |n| format!(", at most {n} executions"))
        );
        let reports = driver::run(&targets, &s);
        let findings: Vec<_> = reports.iter().flat_map(|r| &r.findings).collect();
        assert!(
            findings.is_empty(),
            "{} fuzz finding(s) (seed {:#x}): {findings:?}",
            findings.len(),
            s.seed
        );
    }
}
