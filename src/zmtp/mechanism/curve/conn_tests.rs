//! CURVE through whole `Connection`s, in memory: greeting, handshake, ZAP
//! pause, wrapped traffic, input split anywhere, tampering on the wire.

use std::io::IoSlice;
use std::time::{Duration, Instant};

use super::tests::keys;
use crate::msg::Msg;
use crate::zmtp::socket_type::{DEALER, PUB, ROUTER, SUB, XPUB, XSUB};
use crate::zmtp::{protocol_error, Config, Connection, Error, Event};

fn out(c: &mut Connection) -> Vec<u8> {
    let mut v = Vec::new();
    loop {
        let mut iov = [IoSlice::new(&[]); 8];
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

/// Feeds `bytes` cut at `cuts` (offsets), decoding after each read; answers
/// a ZAP request with "no handler".
fn feed_cut(
    c: &mut Connection,
    bytes: &[u8],
    cuts: &[usize],
    now: Instant,
) -> (Vec<Event>, Option<Error>) {
    let mut events = Vec::new();
    let mut pos = 0;
    let mut ends: Vec<usize> = cuts.iter().copied().filter(|&k| k < bytes.len()).collect();
    ends.push(bytes.len());
    let mut ends = ends.into_iter();
    loop {
        loop {
            match c.poll_event(now) {
                Ok(Some(Event::ZapRequest(_))) => {
                    if let Err(e) = c.zap_reply(None) {
                        return (events, Some(e));
                    }
                }
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
        if pos == bytes.len() {
            return (events, None);
        }
        let end = ends.next().unwrap_or(bytes.len()).max(pos);
        let buf = c.read_buf();
        let n = (end - pos).min(buf.len());
        buf[..n].copy_from_slice(&bytes[pos..pos + n]);
        if let Err(e) = c.commit_read(n, now) {
            return (events, Some(e));
        }
        pos += n;
    }
}

fn feed(c: &mut Connection, bytes: &[u8], now: Instant) -> (Vec<Event>, Option<Error>) {
    feed_cut(c, bytes, &[], now)
}

/// Moves bytes both ways until nothing moves, each transfer cut at `cut`.
fn run_cut(
    a: &mut Connection,
    b: &mut Connection,
    cut: usize,
    now: Instant,
) -> (Vec<Event>, Vec<Event>) {
    let (mut ea, mut eb) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        let ab = out(a);
        let ba = out(b);
        if ab.is_empty() && ba.is_empty() {
            return (ea, eb);
        }
        let (e, err) = feed_cut(b, &ab, &[cut], now);
        assert_eq!(err, None, "cut {cut}");
        eb.extend(e);
        let (e, err) = feed_cut(a, &ba, &[cut], now);
        assert_eq!(err, None, "cut {cut}");
        ea.extend(e);
    }
    panic!("no quiescence");
}

fn configs(client_type: i32, server_type: i32) -> (Config, Config) {
    let k = keys();
    let mut c = Config::new(client_type);
    c.security = k.client;
    let mut s = Config::new(server_type);
    s.security = k.server;
    (c, s)
}

fn done(events: &[Event]) -> bool {
    matches!(events.first(), Some(Event::HandshakeDone(_)))
}

fn messages(events: &[Event]) -> Vec<Msg> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn pair(cc: Config, sc: Config, now: Instant) -> (Connection, Connection) {
    let mut c = Connection::new(cc, now);
    let mut s = Connection::new(sc, now);
    let (ec, es) = run_cut(&mut c, &mut s, usize::MAX, now);
    assert!(done(&ec) && done(&es));
    (c, s)
}

#[test]
fn handshake_and_traffic_split_at_every_byte() {
    let now = Instant::now();
    // Every cut point of every transfer: greeting + HELLO (264 bytes),
    // WELCOME, INITIATE, READY, and a message exchange.
    for cut in 0..=340 {
        let (cc, sc) = configs(DEALER, ROUTER);
        let mut c = Connection::new(cc, now);
        let mut s = Connection::new(sc, now);
        let (ec, es) = run_cut(&mut c, &mut s, cut, now);
        assert!(done(&ec) && done(&es), "cut {cut}");
        let Some(Event::HandshakeDone(peer)) = es.first() else {
            unreachable!()
        };
        assert_eq!(peer.socket_type, DEALER);
        let mut first = Msg::from_slice(b"first");
        first.set_more(true);
        c.send(&first).unwrap();
        c.send(&Msg::from_vec(vec![9; 300])).unwrap();
        let (es, err) = feed_cut(&mut s, &out(&mut c), &[cut], now);
        assert_eq!(err, None);
        let got = messages(&es);
        assert_eq!(got.len(), 2, "cut {cut}");
        assert_eq!((got[0].data(), got[0].more()), (&b"first"[..], true));
        assert_eq!(got[1].data(), &[9; 300][..]);
        s.send(&Msg::from_slice(b"back")).unwrap();
        let (ec, err) = feed_cut(&mut c, &out(&mut s), &[cut], now);
        assert_eq!(err, None);
        assert_eq!(messages(&ec)[0].data(), b"back");
    }
}

#[test]
fn nothing_in_the_clear_and_big_messages() {
    let now = Instant::now();
    let (cc, sc) = configs(DEALER, ROUTER);
    let (mut c, mut s) = pair(cc, sc, now);
    let secret = b"attack at dawn";
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    c.send(&Msg::from_slice(secret)).unwrap();
    c.send(&Msg::from_vec(big.clone())).unwrap();
    let wire = out(&mut c);
    assert!(!wire.windows(secret.len()).any(|w| w == secret));
    // libzmq's framing: MESSAGE in a frame with flags 0 (long: 0x02).
    assert_eq!(wire[0], 0);
    assert_eq!(&wire[2..10], b"\x07MESSAGE");
    let (events, err) = feed_cut(&mut s, &wire, &[1, 100, 20_000], now);
    assert_eq!(err, None);
    let got = messages(&events);
    assert_eq!(got[0].data(), secret);
    assert_eq!(got[1].data(), &big[..]);
}

#[test]
fn heartbeats_and_subscriptions_are_wrapped() {
    let now = Instant::now();
    let (mut cc, sc) = configs(XSUB, XPUB);
    cc.heartbeat_ivl = Some(Duration::from_secs(1));
    let (mut sub, mut publ) = pair(cc, sc, now);
    sub.send_subscription(false, b"topic").unwrap();
    sub.handle_timeout(now + Duration::from_secs(1)).unwrap();
    let wire = out(&mut sub);
    assert!(!wire.windows(5).any(|w| w == b"topic" || w == b"\x04PING"));
    let (events, err) = feed(&mut publ, &wire, now);
    assert_eq!(err, None);
    assert_eq!(messages(&events)[0].data(), b"\x01topic");
    let pong = out(&mut publ);
    assert_eq!(&pong[2..10], b"\x07MESSAGE");
    assert_eq!(feed(&mut sub, &pong, now).1, None);
    // A PUB/SUB pair works too (3.1 SUBSCRIBE inside MESSAGE).
    let (cc, sc) = configs(SUB, PUB);
    let (mut sub, mut publ) = pair(cc, sc, now);
    sub.send_subscription(false, b"").unwrap();
    let (events, err) = feed(&mut publ, &out(&mut sub), now);
    assert_eq!(err, None);
    assert_eq!(messages(&events)[0].data(), b"\x01");
}

#[test]
fn tampered_replayed_and_plain_frames_fail() {
    let now = Instant::now();
    for case in 0..4 {
        let (cc, sc) = configs(DEALER, ROUTER);
        let (mut c, mut s) = pair(cc, sc, now);
        c.send(&Msg::from_slice(b"one")).unwrap();
        let one = out(&mut c);
        let (wire, want) = match case {
            0 => {
                let mut w = one.clone();
                *w.last_mut().unwrap() ^= 1;
                (w, Error::Cryptographic)
            }
            1 => ([&one[..], &one[..]].concat(), Error::InvalidSequence),
            2 => (b"\x00\x05hello".to_vec(), Error::UnexpectedCommand),
            _ => {
                // A MESSAGE cut short: its box is smaller than the tag.
                let mut w = one[..2 + 20].to_vec();
                w[1] = 20;
                (w, Error::MalformedCommand { command: "MESSAGE" })
            }
        };
        let (_, err) = feed(&mut s, &wire, now);
        assert_eq!(err, Some(want), "case {case}");
    }
}

#[test]
fn wrong_keys_and_mechanisms() {
    let now = Instant::now();
    // Wrong server key: the server cannot open HELLO.
    let (mut cc, sc) = configs(DEALER, ROUTER);
    cc.security.curve.server_key = keys().client.curve.server_key;
    let mut c = Connection::new(cc, now);
    let mut s = Connection::new(sc, now);
    let (_, err) = feed(&mut s, &out(&mut c), now);
    assert_eq!(err, Some(Error::Cryptographic));
    assert_eq!(
        err.unwrap().protocol_error_code(),
        Some(protocol_error::ZMTP_CRYPTOGRAPHIC)
    );
    assert_eq!(out(&mut s).len(), 64, "greeting only");
    // CURVE against NULL: mechanism mismatch.
    let (cc, _) = configs(DEALER, ROUTER);
    let mut c = Connection::new(cc, now);
    let mut n = Connection::new(Config::new(ROUTER), now);
    let (_, err) = feed(&mut n, &out(&mut c), now);
    assert_eq!(err, Some(Error::MechanismMismatch));
    // Two clients: each gets a HELLO it cannot take.
    let (cc, _) = configs(DEALER, ROUTER);
    let mut a = Connection::new(cc.clone(), now);
    let mut b = Connection::new(cc, now);
    let (_, err) = feed(&mut b, &out(&mut a), now);
    assert_eq!(err, Some(Error::UnexpectedCommand));
    // The greeting says who is the server.
    let (cc, sc) = configs(DEALER, ROUTER);
    let client_greeting = out(&mut Connection::new(cc, now));
    let server_greeting = out(&mut Connection::new(sc, now));
    assert_eq!(&client_greeting[12..17], b"CURVE");
    assert_eq!((client_greeting[32], server_greeting[32]), (0, 1));
    assert_eq!(server_greeting.len(), 64, "the server waits for HELLO");
}

#[test]
fn handshake_frame_cap_applies() {
    let now = Instant::now();
    let (mut cc, mut sc) = configs(DEALER, ROUTER);
    // INITIATE carries our metadata: over the server's cap it is refused
    // from its header.
    sc.handshake_frame_cap = 1024;
    cc.metadata.push(("X-Big".into(), vec![b'x'; 2000]));
    let mut c = Connection::new(cc, now);
    let mut s = Connection::new(sc, now);
    let (_, err) = feed(&mut s, &out(&mut c), now);
    assert_eq!(err, None);
    let (_, err) = feed(&mut c, &out(&mut s), now);
    assert_eq!(err, None);
    let (_, err) = feed(&mut s, &out(&mut c), now);
    assert!(matches!(err, Some(Error::HandshakeFrameTooLarge { .. })));
}
