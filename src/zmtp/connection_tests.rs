//! Connection tests: in-memory pairs and crafted peers, virtual time.

use std::io::IoSlice;
use std::time::{Duration, Instant};

use super::*;
use crate::zmtp::command::write_property;
use crate::zmtp::frame::LONG;
use crate::zmtp::protocol_error;
use crate::zmtp::socket_type::*;
use crate::zmtp::testutil::Rng;

const S: Duration = Duration::from_secs(1);

/// Drains a connection's output as an engine would (writev + consume).
fn out(c: &mut Connection) -> Vec<u8> {
    let mut v = Vec::new();
    loop {
        let mut iov = [IoSlice::new(&[]); 8];
        let n = c.out_slices(&mut iov);
        if n == 0 {
            break;
        }
        let mut w = 0;
        for s in &iov[..n] {
            v.extend_from_slice(s);
            w += s.len();
        }
        c.consume_out(w);
    }
    assert_eq!(c.out_len(), 0);
    v
}

/// Feeds `bytes` in pieces of at most `piece`, decoding after each read.
fn feed_chunked(
    c: &mut Connection,
    bytes: &[u8],
    now: Instant,
    mut piece: impl FnMut() -> usize,
) -> (Vec<Event>, Option<Error>) {
    let mut events = Vec::new();
    let mut pos = 0;
    loop {
        loop {
            match c.poll_event(now) {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
        if pos == bytes.len() {
            return (events, None);
        }
        let buf = c.read_buf();
        assert!(!buf.is_empty());
        let n = piece().max(1).min(buf.len()).min(bytes.len() - pos);
        buf[..n].copy_from_slice(&bytes[pos..pos + n]);
        if let Err(e) = c.commit_read(n, now) {
            return (events, Some(e));
        }
        pos += n;
    }
}

fn feed(c: &mut Connection, bytes: &[u8], now: Instant) -> (Vec<Event>, Option<Error>) {
    feed_chunked(c, bytes, now, || usize::MAX)
}

/// Moves bytes both ways until nothing moves; returns each side's events.
fn run(a: &mut Connection, b: &mut Connection, now: Instant) -> (Vec<Event>, Vec<Event>) {
    let (mut ea, mut eb) = (Vec::new(), Vec::new());
    loop {
        let ab = out(a);
        let ba = out(b);
        if ab.is_empty() && ba.is_empty() {
            return (ea, eb);
        }
        let (e, err) = feed(b, &ab, now);
        assert_eq!(err, None);
        eb.extend(e);
        let (e, err) = feed(a, &ba, now);
        assert_eq!(err, None);
        ea.extend(e);
    }
}

fn handshake_info(events: &[Event]) -> &PeerInfo {
    match events.first() {
        Some(Event::HandshakeDone(info)) => info,
        other => panic!("expected HandshakeDone, got {other:?}"),
    }
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

fn pair(a: Config, b: Config, now: Instant) -> (Connection, Connection, PeerInfo, PeerInfo) {
    let mut ca = Connection::new(a, now);
    let mut cb = Connection::new(b, now);
    let (ea, eb) = run(&mut ca, &mut cb, now);
    let ia = handshake_info(&ea).clone();
    let ib = handshake_info(&eb).clone();
    assert!(ca.is_handshake_done() && cb.is_handshake_done());
    (ca, cb, ia, ib)
}

// ----- crafted peer input -----

fn peer_greeting(major: u8, minor: u8, mechanism: &str) -> Vec<u8> {
    let mut v = greeting::signature(0).to_vec();
    v.push(major);
    v.extend_from_slice(&greeting::tail(
        minor,
        &greeting::mechanism_field(mechanism),
        false,
    ));
    v
}

fn frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    if body.len() > 255 {
        v.push(flags | LONG);
        v.extend_from_slice(&(body.len() as u64).to_be_bytes());
    } else {
        v.push(flags);
        v.push(body.len() as u8);
    }
    v.extend_from_slice(body);
    v
}

fn command_frame(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut body = vec![name.len() as u8];
    body.extend_from_slice(name);
    body.extend_from_slice(data);
    frame(COMMAND, &body)
}

fn ready(props: &[(&str, &[u8])]) -> Vec<u8> {
    let mut data = Vec::new();
    for (n, v) in props {
        write_property(&mut data, n.as_bytes(), v);
    }
    command_frame(b"READY", &data)
}

/// A connection of `cfg` that completed the handshake with a crafted peer.
fn ready_conn(cfg: Config, peer_type: &str, now: Instant) -> Connection {
    let mut c = Connection::new(cfg, now);
    let mut wire = peer_greeting(3, 1, "NULL");
    wire.extend(ready(&[("Socket-Type", peer_type.as_bytes())]));
    let (ev, err) = feed(&mut c, &wire, now);
    assert_eq!(err, None);
    handshake_info(&ev);
    out(&mut c);
    c
}

fn multipart(sizes: &[usize]) -> Vec<Msg> {
    let mut rng = Rng::new(sizes.len() as u64);
    sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let mut m = Msg::from_vec(rng.bytes(n));
            m.set_more(i + 1 < sizes.len());
            m
        })
        .collect()
}

const SIZES: [usize; 8] = [0, 1, 33, 34, 255, 256, 65536, 1 << 20];

// ----- handshakes and traffic -----

#[test]
fn greeting_and_ready_are_sent_at_once() {
    let now = Instant::now();
    let mut c = Connection::new(Config::new(PUSH), now);
    let o = out(&mut c);
    assert!(o.len() > 64);
    assert_eq!(&o[..10], &greeting::signature(0));
    assert_eq!((o[10], o[11]), (3, 1));
    assert_eq!(&o[12..16], b"NULL");
    assert_eq!(o[32], 0);
    assert_eq!(&o[64..66], &[COMMAND, (o.len() - 66) as u8]);
    assert_eq!(&o[66..72], b"\x05READY");
    assert!(!c.is_handshake_done());
    assert_eq!(c.send(&Msg::from_slice(b"x")), Err(Error::NotReady));
    assert_eq!(c.out_len(), 0);
    assert_eq!(c.error(), None);
}

#[test]
fn push_pull_multipart_all_sizes() {
    let now = Instant::now();
    let (mut push, mut pull, ipush, ipull) = pair(Config::new(PUSH), Config::new(PULL), now);
    assert_eq!(ipush.socket_type, PULL);
    assert_eq!(ipull.socket_type, PUSH);
    assert_eq!((ipull.major, ipull.minor), (3, 1));
    assert!(ipull.routing_id.is_empty());
    assert_eq!(ipull.metadata.get("Socket-Type"), Some(&b"PUSH"[..]));
    assert_eq!(ipull.metadata.get("Identity"), None);
    let msgs = multipart(&SIZES);
    for m in &msgs {
        push.send(m).unwrap();
    }
    let (_, got) = run(&mut push, &mut pull, now);
    let got = messages(&got);
    assert_eq!(got, msgs);
    for (g, m) in got.iter().zip(&msgs) {
        assert_eq!(g.more(), m.more());
    }
    assert_eq!(pull.buffered_in(), 0);
}

#[test]
fn req_router_with_identity_and_metadata() {
    let now = Instant::now();
    let mut req = Config::new(REQ);
    req.routing_id = b"client-1".to_vec();
    req.metadata = vec![("X-Color".into(), b"blue".to_vec())];
    let (mut creq, mut crouter, ireq, irouter) = pair(req, Config::new(ROUTER), now);
    assert_eq!(irouter.socket_type, REQ);
    assert_eq!(irouter.routing_id, b"client-1");
    assert_eq!(irouter.metadata.get("x-color"), Some(&b"blue"[..]));
    assert_eq!(irouter.metadata.get("Identity"), Some(&b"client-1"[..]));
    // ROUTER sends an empty Identity, as libzmq.
    assert_eq!(ireq.socket_type, ROUTER);
    assert_eq!(ireq.metadata.get("Identity"), Some(&b""[..]));
    let request = multipart(&[0, 5]);
    for m in &request {
        creq.send(m).unwrap();
    }
    let (_, got) = run(&mut creq, &mut crouter, now);
    assert_eq!(messages(&got), request);
}

#[test]
fn message_metadata_is_attached() {
    let now = Instant::now();
    let (mut a, mut b, _, ib) = pair(Config::new(PAIR), Config::new(PAIR), now);
    let meta = std::sync::Arc::new(ib.metadata.clone());
    b.set_message_metadata(Some(meta.clone()));
    a.send(&Msg::from_slice(b"hi")).unwrap();
    let (_, got) = run(&mut a, &mut b, now);
    let m = &messages(&got)[0];
    assert!(std::sync::Arc::ptr_eq(m.metadata().unwrap(), &meta));
}

#[test]
fn pub_sub_subscribe_and_cancel() {
    let now = Instant::now();
    let (mut publ, mut sub, _, isub) = pair(Config::new(PUB), Config::new(SUB), now);
    assert_eq!((isub.major, isub.minor), (3, 1));
    sub.send_subscription(false, b"abc").unwrap();
    sub.send_subscription(false, b"").unwrap();
    sub.send_subscription(true, b"abc").unwrap();
    let o = out(&mut sub);
    let first = command_frame(b"SUBSCRIBE", b"abc");
    assert_eq!(&o[..first.len()], &first[..]);
    let (got, err) = feed(&mut publ, &o, now);
    assert_eq!(err, None);
    // Delivered in the form a ZMTP 3.0 peer uses.
    assert_eq!(
        got,
        vec![
            Event::Message(Msg::from_slice(b"\x01abc")),
            Event::Message(Msg::from_slice(b"\x01")),
            Event::Message(Msg::from_slice(b"\x00abc")),
        ]
    );
    // Long topics too.
    let topic = vec![b't'; 5000];
    sub.send_subscription(false, &topic).unwrap();
    let (got, _) = run(&mut publ, &mut sub, now);
    assert_eq!(
        got,
        vec![Event::Message(Msg::from_slice(
            &[&[1], &topic[..]].concat()
        ))]
    );
    publ.send(&Msg::from_slice(b"abc data")).unwrap();
    let (_, got) = run(&mut publ, &mut sub, now);
    assert_eq!(messages(&got), vec![Msg::from_slice(b"abc data")]);
}

#[test]
fn subscriptions_downgraded_for_zmtp_30_peer() {
    let now = Instant::now();
    // The PUB plays a ZMTP 3.0 peer.
    let mut publ = Connection::with_minor(Config::new(XPUB), now, 0);
    let mut sub = Connection::new(Config::new(XSUB), now);
    let (ep, es) = run(&mut publ, &mut sub, now);
    assert_eq!(handshake_info(&es).minor, 0);
    assert_eq!(handshake_info(&ep).minor, 1);
    assert_eq!(sub.peer_version(), Some((3, 0)));
    sub.send_subscription(false, b"topic").unwrap();
    sub.send_subscription(true, b"topic").unwrap();
    let (got, _) = run(&mut publ, &mut sub, now);
    let mut subscribe = b"\x01topic".to_vec();
    assert_eq!(
        got,
        vec![
            Event::Message(Msg::from_slice(&subscribe)),
            Event::Message(Msg::from_slice(b"\x00topic")),
        ]
    );
    // A 3.0 peer's own subscription messages stay plain messages.
    subscribe[0] = 1;
    let wire = frame(0, &subscribe);
    let (ev, err) = feed(&mut sub, &wire, now);
    assert_eq!(err, None);
    assert_eq!(ev, vec![Event::Message(Msg::from_slice(&subscribe))]);
}

#[test]
fn higher_major_version_is_treated_as_31() {
    let now = Instant::now();
    let mut c = Connection::new(Config::new(SUB), now);
    let mut wire = peer_greeting(4, 0, "NULL");
    wire.extend(ready(&[("Socket-Type", b"PUB")]));
    let (ev, err) = feed(&mut c, &wire, now);
    assert_eq!(err, None);
    let info = handshake_info(&ev);
    assert_eq!((info.major, info.minor), (3, 1));
    out(&mut c);
    c.send_subscription(false, b"x").unwrap();
    assert_eq!(out(&mut c), command_frame(b"SUBSCRIBE", b"x"));
}

/// The events a receiver sees must not depend on how its input is cut.
#[test]
fn same_events_whatever_the_chunking() {
    let now = Instant::now();
    let mut rng = Rng::new(5);
    // A sender's complete output: greeting, READY, messages, commands.
    let mut sender = Connection::new(Config::new(XSUB), now);
    let mut wire = out(&mut sender);
    let mut receiver_cfg = Config::new(XPUB);
    receiver_cfg.max_msg_size = None;
    // Complete the sender's handshake so it can send.
    let mut peer = Connection::new(receiver_cfg.clone(), now);
    feed(&mut sender, &out(&mut peer), now);
    for n in [0usize, 3, 40, 300, 9000, 70_000] {
        let mut m = Msg::from_vec(rng.bytes(n));
        m.set_more(n % 2 == 1);
        sender.send(&m).unwrap();
    }
    sender.send(&Msg::from_slice(b"last")).unwrap();
    wire.extend(out(&mut sender));
    wire.extend(command_frame(b"PING", b"\x00\x0aabc"));
    wire.extend(command_frame(b"SUBSCRIBE", b"news"));
    wire.extend(command_frame(b"X-UNKNOWN", b"ignored"));
    wire.extend(frame(MORE, b"tail-1"));
    wire.extend(frame(0, b"tail-2"));

    let reference = {
        let mut c = Connection::new(receiver_cfg.clone(), now);
        let (ev, err) = feed(&mut c, &wire, now);
        assert_eq!(err, None);
        ev
    };
    assert_eq!(reference.len(), 1 + 7 + 1 + 2);
    let bytewise = {
        let mut c = Connection::new(receiver_cfg.clone(), now);
        feed_chunked(&mut c, &wire, now, || 1)
    };
    assert_eq!(bytewise, (reference.clone(), None));
    for seed in 0..20 {
        let mut r = Rng::new(seed);
        let mut c = Connection::new(receiver_cfg.clone(), now);
        let got = feed_chunked(&mut c, &wire, now, || 1 + r.below(20_000));
        assert_eq!(got, (reference.clone(), None), "seed {seed}");
    }
    // Split once at every offset of the handshake and small-frame region.
    for split in 1..400.min(wire.len()) {
        let mut c = Connection::new(receiver_cfg.clone(), now);
        let mut first = true;
        let got = feed_chunked(&mut c, &wire, now, || {
            if std::mem::take(&mut first) {
                split
            } else {
                usize::MAX
            }
        });
        assert_eq!(got, (reference.clone(), None), "split {split}");
    }
}

#[test]
fn small_messages_do_not_pin_and_large_ones_are_read_in_place() {
    let now = Instant::now();
    let mut cfg = Config::new(PULL);
    cfg.max_msg_size = None;
    let mut c = ready_conn(cfg, "PUSH", now);
    // Small: copied out of the read buffer.
    let wire = frame(0, &[7; 100]);
    let buf_range = c.read_buf().as_ptr_range();
    let (ev, _) = feed(&mut c, &wire, now);
    let m = &messages(&ev)[0];
    assert!(!buf_range.contains(&m.data().as_ptr()));
    assert_eq!(m.len(), 100);
    // Large: the body is read into the message's own buffer.
    let body: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
    let wire = frame(0, &body);
    let mut ptrs = Vec::new();
    let mut pos = 0;
    let mut got = None;
    while got.is_none() {
        if let Some(Event::Message(m)) = c.poll_event(now).unwrap() {
            got = Some(m);
            break;
        }
        let buf = c.read_buf();
        ptrs.push(buf.as_ptr());
        let n = buf.len().min(wire.len() - pos).min(30_000);
        buf[..n].copy_from_slice(&wire[pos..pos + n]);
        c.commit_read(n, now).unwrap();
        pos += n;
    }
    let m = got.unwrap();
    assert_eq!(m.data(), &body[..]);
    let range = m.data().as_ptr_range();
    assert!(ptrs.last().is_some_and(|p| range.contains(p)));
}

// ----- limits -----

#[test]
fn oversized_message_rejected_from_its_header() {
    let now = Instant::now();
    let mut c = ready_conn(Config::new(PULL), "PUSH", now); // 16 MiB limit
    let mut hdr = vec![LONG];
    hdr.extend_from_slice(&(1u64 << 30).to_be_bytes());
    let (_, err) = feed(&mut c, &hdr, now);
    assert_eq!(err, Some(Error::MessageTooLarge { declared: 1 << 30 }));
    assert!(c.buffered_in() <= 9);
    assert_eq!(err.unwrap().protocol_error_code(), None);
    // Sticky.
    assert_eq!(
        c.poll_event(now),
        Err(Error::MessageTooLarge { declared: 1 << 30 })
    );
    assert_eq!(c.next_deadline(), None);
}

#[test]
fn unlimited_but_slow_huge_frame_holds_only_what_arrived() {
    let now = Instant::now();
    let mut cfg = Config::new(PULL);
    cfg.max_msg_size = None;
    let mut c = ready_conn(cfg, "PUSH", now);
    let mut hdr = vec![LONG];
    hdr.extend_from_slice(&(1u64 << 30).to_be_bytes());
    let (ev, err) = feed(&mut c, &hdr, now);
    assert!(ev.is_empty() && err.is_none());
    let mut sent = 0;
    while sent < 100 * 1024 {
        let buf = c.read_buf();
        assert!(buf.len() <= 128 * 1024, "{}", buf.len());
        let n = buf.len().min(10_000);
        buf[..n].fill(1);
        c.commit_read(n, now).unwrap();
        sent += n;
        assert_eq!(c.poll_event(now), Ok(None));
    }
    assert!(c.buffered_in() <= 160 * 1024, "{}", c.buffered_in());
}

#[test]
fn handshake_frame_over_the_cap() {
    let now = Instant::now();
    let mut c = Connection::new(Config::new(DEALER), now);
    let mut wire = peer_greeting(3, 1, "NULL");
    wire.push(COMMAND | LONG);
    wire.extend_from_slice(&(100_000u64).to_be_bytes());
    let (_, err) = feed(&mut c, &wire, now);
    assert_eq!(
        err,
        Some(Error::HandshakeFrameTooLarge { declared: 100_000 })
    );
    assert!(c.buffered_in() <= 9);
}

#[test]
fn handshake_timeout() {
    let t0 = Instant::now();
    let mut cfg = Config::new(DEALER);
    cfg.handshake_ivl = Some(5 * S);
    let mut c = Connection::new(cfg.clone(), t0);
    assert_eq!(c.next_deadline(), Some(t0 + 5 * S));
    assert_eq!(c.handle_timeout(t0 + 4 * S), Ok(()));
    assert_eq!(c.handle_timeout(t0 + 5 * S), Err(Error::HandshakeTimeout));
    assert_eq!(c.poll_event(t0 + 5 * S), Err(Error::HandshakeTimeout));
    // Completed in time: no timeout any more.
    let mut c = Connection::new(cfg, t0);
    let mut peer = Connection::new(Config::new(DEALER), t0);
    run(&mut c, &mut peer, t0 + S);
    assert_eq!(c.next_deadline(), None);
    assert_eq!(c.handle_timeout(t0 + 60 * S), Ok(()));
}

#[test]
fn heartbeats_ping_pong_and_timeout() {
    let t0 = Instant::now();
    let mut cfg = Config::new(DEALER);
    cfg.heartbeat_ivl = Some(S);
    cfg.heartbeat_ttl = Some(Duration::from_millis(3050));
    let (mut a, mut b, _, _) = pair(cfg, Config::new(ROUTER), t0);
    assert_eq!(a.next_deadline(), Some(t0 + S));
    assert_eq!(b.next_deadline(), None);
    a.handle_timeout(t0 + S).unwrap();
    let ping = out(&mut a);
    assert_eq!(ping, command_frame(b"PING", &[0, 30]));
    // B answers with PONG (even without heartbeats of its own) and arms the
    // TTL deadline from A's PING.
    let (ev, err) = feed(&mut b, &ping, t0 + S);
    assert!(ev.is_empty() && err.is_none());
    assert_eq!(b.next_deadline(), Some(t0 + S + 3 * S));
    let pong = out(&mut b);
    assert_eq!(pong, command_frame(b"PONG", b""));
    feed(&mut a, &pong, t0 + S);
    // A pings again at 2 s; nothing comes back: timeout at 3 s.
    a.handle_timeout(t0 + 2 * S).unwrap();
    assert_eq!(a.next_deadline(), Some(t0 + 3 * S));
    assert_eq!(a.handle_timeout(t0 + 3 * S), Err(Error::HeartbeatTimeout));
    // B hears nothing for the TTL A advertised.
    assert_eq!(b.handle_timeout(t0 + 4 * S), Err(Error::HeartbeatTimeout));
}

#[test]
fn any_traffic_counts_as_sign_of_life() {
    let t0 = Instant::now();
    let mut cfg = Config::new(PAIR);
    cfg.heartbeat_ivl = Some(S);
    cfg.heartbeat_timeout = Some(S / 2);
    let (mut a, mut b, _, _) = pair(cfg, Config::new(PAIR), t0);
    a.handle_timeout(t0 + S).unwrap();
    out(&mut a);
    b.send(&Msg::from_slice(b"data")).unwrap();
    let data = out(&mut b);
    feed(&mut a, &data, t0 + S + S / 4);
    assert_eq!(a.next_deadline(), Some(t0 + 2 * S));
    assert_eq!(a.handle_timeout(t0 + S + S / 2), Ok(()));
}

#[test]
fn malformed_pings() {
    let now = Instant::now();
    let mut c = ready_conn(Config::new(PULL), "PUSH", now);
    let (_, err) = feed(&mut c, &command_frame(b"PING", b"\x00"), now);
    assert_eq!(err, Some(Error::MalformedCommand { command: "PING" }));
    let mut c = ready_conn(Config::new(PULL), "PUSH", now);
    let mut data = vec![0, 1];
    data.extend_from_slice(&[b'c'; 17]);
    let (_, err) = feed(&mut c, &command_frame(b"PING", &data), now);
    assert_eq!(err, Some(Error::MalformedCommand { command: "PING" }));
    // 16 bytes of context are fine and echoed.
    let mut c = ready_conn(Config::new(PULL), "PUSH", now);
    data.pop();
    let (_, err) = feed(&mut c, &command_frame(b"PING", &data), now);
    assert_eq!(err, None);
    assert_eq!(out(&mut c), command_frame(b"PONG", &data[2..]));
}

#[test]
fn lenient_pings_echo_sixteen_bytes_of_context() {
    let now = Instant::now();
    let mut cfg = Config::new(ROUTER);
    cfg.strict_ping = false;
    let mut c = ready_conn(cfg, "DEALER", now);
    // Two PINGs in one read, the second with 58 bytes of context (libzmq's
    // test_heartbeats): each gets its PONG, the second cut to 16 bytes.
    let mut wire = command_frame(b"PING", b"\x00\x00LOL");
    let mut long = vec![0, 0];
    long.extend_from_slice(b"LOL");
    long.extend_from_slice(&[b'z'; 55]);
    wire.extend(command_frame(b"PING", &long));
    let (_, err) = feed(&mut c, &wire, now);
    assert_eq!(err, None);
    let mut want = command_frame(b"PONG", b"LOL");
    want.extend(command_frame(b"PONG", &long[2..18]));
    assert_eq!(out(&mut c), want);
    // A PING without its TTL is still refused.
    let (_, err) = feed(&mut c, &command_frame(b"PING", b"\x00"), now);
    assert_eq!(err, Some(Error::MalformedCommand { command: "PING" }));
}

#[test]
fn ping_flood_queues_a_bounded_number_of_pongs() {
    let now = Instant::now();
    let mut c = ready_conn(Config::new(PULL), "PUSH", now);
    let mut wire = Vec::new();
    for _ in 0..1000 {
        wire.extend(command_frame(b"PING", b"\x00\x00ctx"));
    }
    let (_, err) = feed(&mut c, &wire, now);
    assert_eq!(err, None);
    let pong = command_frame(b"PONG", b"ctx");
    assert_eq!(out(&mut c), pong.repeat(16));
    // Once written, the next PING gets its PONG.
    feed(&mut c, &command_frame(b"PING", b"\x00\x00"), now);
    assert_eq!(out(&mut c), command_frame(b"PONG", b""));
}

#[test]
fn socket_type_mismatch_sends_error() {
    let now = Instant::now();
    let mut a = Connection::new(Config::new(PUSH), now);
    let mut b = Connection::new(Config::new(PUSH), now);
    let ab = out(&mut a);
    out(&mut b);
    let (_, err) = feed(&mut b, &ab, now);
    assert_eq!(err, Some(Error::SocketTypeMismatch));
    assert_eq!(
        err.unwrap().protocol_error_code(),
        Some(protocol_error::ZMTP_INVALID_METADATA)
    );
    let error = out(&mut b);
    assert_eq!(
        error,
        command_frame(b"ERROR", &command::error_data("Invalid socket type"))
    );
    // The receiving side of that ERROR fails with the reason.
    let mut c = Connection::new(Config::new(PUSH), now);
    let mut wire = peer_greeting(3, 1, "NULL");
    wire.extend(error);
    let (_, err) = feed(&mut c, &wire, now);
    assert_eq!(err, Some(Error::PeerError("Invalid socket type".into())));
    // A missing Socket-Type is a mismatch too.
    let mut c = Connection::new(Config::new(PUSH), now);
    let mut wire = peer_greeting(3, 1, "NULL");
    wire.extend(ready(&[("X-Foo", b"bar")]));
    assert_eq!(feed(&mut c, &wire, now).1, Some(Error::SocketTypeMismatch));
}

#[test]
fn mechanism_mismatch() {
    let now = Instant::now();
    for mech in ["PLAIN", "CURVE", "NULL\0x", "null"] {
        let mut c = Connection::new(Config::new(PUSH), now);
        let mut g = peer_greeting(3, 1, "NULL");
        let f = greeting::mechanism_field(mech);
        g[12..32].copy_from_slice(&f);
        let (_, err) = feed(&mut c, &g, now);
        assert_eq!(err, Some(Error::MechanismMismatch), "{mech}");
        assert_eq!(
            err.unwrap().protocol_error_code(),
            Some(protocol_error::ZMTP_MECHANISM_MISMATCH)
        );
    }
}

#[test]
fn legacy_peers_refused_by_default() {
    let now = Instant::now();
    // Unversioned 1.0: an identity frame.
    let (_, err) = feed(
        &mut Connection::new(Config::new(SUB), now),
        b"\x01\x00",
        now,
    );
    assert_eq!(err, Some(Error::LegacyPeerRefused));
    // Signature with byte 9 bit 0 clear.
    let mut sig = greeting::signature(0);
    sig[9] = 0x7E;
    let (_, err) = feed(&mut Connection::new(Config::new(SUB), now), &sig, now);
    assert_eq!(err, Some(Error::LegacyPeerRefused));
    // 2.0 and versioned 1.0.
    for rev in [0u8, 1] {
        let mut g = greeting::signature(0).to_vec();
        g.push(rev);
        let (_, err) = feed(&mut Connection::new(Config::new(SUB), now), &g, now);
        assert_eq!(err, Some(Error::LegacyPeerRefused));
    }
    // Version 2 does not exist.
    let mut g = greeting::signature(0).to_vec();
    g.push(2);
    let (_, err) = feed(&mut Connection::new(Config::new(SUB), now), &g, now);
    assert_eq!(err, Some(Error::BadGreeting));
}

#[test]
fn protocol_violations() {
    let now = Instant::now();
    let hs = peer_greeting(3, 1, "NULL");
    let cases: Vec<(Vec<u8>, Error)> = vec![
        (frame(0, b"data"), Error::UnexpectedCommand),
        (command_frame(b"PING", b"\0\0"), Error::UnexpectedCommand),
        (
            frame(COMMAND, b""),
            Error::MalformedCommand { command: "command" },
        ),
        (
            frame(COMMAND | MORE, b"\x05READY"),
            Error::MalformedCommand { command: "command" },
        ),
        (
            command_frame(b"READY", b"\x03ab"),
            Error::MalformedCommand { command: "READY" },
        ),
        (
            command_frame(b"ERROR", b"\x09x"),
            Error::MalformedCommand { command: "ERROR" },
        ),
    ];
    for (bytes, expected) in cases {
        let mut c = Connection::new(Config::new(DEALER), now);
        let mut wire = hs.clone();
        wire.extend(bytes);
        assert_eq!(feed(&mut c, &wire, now).1, Some(expected));
    }
    // After the handshake.
    let after: Vec<(Vec<u8>, Option<Error>)> = vec![
        (command_frame(b"NOPE", b"whatever"), None),
        (command_frame(b"READY", b""), None),
        (command_frame(b"PONG", b"ctx"), None),
        (command_frame(b"SUBSCRIBE", b"ctx"), None),
        (
            frame(COMMAND | MORE, b"\x04PING\0\0"),
            Some(Error::MalformedCommand { command: "command" }),
        ),
        (
            command_frame(b"ERROR", b"\x04gone"),
            Some(Error::PeerError("gone".into())),
        ),
        (
            [frame(MORE, b"part"), command_frame(b"SUBSCRIBE", b"t")].concat(),
            Some(Error::UnexpectedCommand),
        ),
    ];
    for (bytes, expected) in after {
        let mut c = ready_conn(Config::new(XPUB), "XSUB", now);
        assert_eq!(feed(&mut c, &bytes, now).1, expected);
    }
    // Subscriptions reach only PUB/XPUB; a DEALER ignores them.
    let mut c = ready_conn(Config::new(DEALER), "DEALER", now);
    let (ev, err) = feed(&mut c, &command_frame(b"SUBSCRIBE", b"x"), now);
    assert!(ev.is_empty() && err.is_none());
}

// ----- legacy peers (accept_legacy) -----

fn legacy_cfg(t: i32) -> Config {
    let mut c = Config::new(t);
    c.accept_legacy = true;
    c.routing_id = b"me".to_vec();
    c
}

#[test]
fn accept_legacy_negotiates_byte_by_byte_with_31_peers() {
    let now = Instant::now();
    // Only the signature goes out first.
    let mut a = Connection::new(legacy_cfg(DEALER), now);
    assert_eq!(out(&mut a), greeting::signature(2));
    let mut a = Connection::new(legacy_cfg(DEALER), now);
    let mut b = Connection::new(legacy_cfg(ROUTER), now);
    let (ea, eb) = run(&mut a, &mut b, now);
    assert_eq!(handshake_info(&ea).socket_type, ROUTER);
    assert_eq!(handshake_info(&eb).routing_id, b"me");
    // And with a peer sending everything at once.
    let mut a = Connection::new(legacy_cfg(DEALER), now);
    let mut c = Connection::new(Config::new(DEALER), now);
    let (ea, ec) = run(&mut a, &mut c, now);
    assert_eq!(
        (handshake_info(&ea).major, handshake_info(&ec).major),
        (3, 3)
    );
    let msgs = multipart(&SIZES);
    for m in &msgs {
        a.send(m).unwrap();
    }
    let (_, got) = run(&mut a, &mut c, now);
    assert_eq!(messages(&got), msgs);
}

#[test]
fn accept_legacy_sends_major_after_signature_then_rest() {
    let now = Instant::now();
    let mut a = Connection::new(legacy_cfg(DEALER), now);
    out(&mut a);
    let peer = peer_greeting(3, 1, "NULL");
    feed(&mut a, &peer[..9], now);
    assert_eq!(out(&mut a), b"");
    feed(&mut a, &peer[9..10], now);
    assert_eq!(out(&mut a), [3]);
    feed(&mut a, &peer[10..11], now);
    let rest = out(&mut a);
    assert_eq!(rest[0], 1);
    assert_eq!(&rest[1..5], b"NULL");
    assert_eq!(
        &rest[53..59],
        &[COMMAND, (rest.len() - 55) as u8, 5, b'R', b'E', b'A'][..]
    );
}

#[test]
fn zmtp_20_peer() {
    let now = Instant::now();
    let mut c = Connection::new(legacy_cfg(PULL), now);
    out(&mut c);
    let mut wire = greeting::signature(0).to_vec();
    wire.extend_from_slice(&[1, PUSH as u8]);
    wire.extend_from_slice(&[0, 3, b'a', b'b', b'c']); // identity frame
    wire.extend_from_slice(&[MORE | COMMAND, 1, b'x', 0, 1, b'y']);
    let (ev, err) = feed(&mut c, &wire, now);
    assert_eq!(err, None);
    let info = handshake_info(&ev);
    assert_eq!((info.major, info.minor, info.socket_type), (2, 0, PUSH));
    assert_eq!(info.routing_id, b"abc");
    let mut x = Msg::from_slice(b"x");
    x.set_more(true);
    assert_eq!(messages(&ev), vec![x, Msg::from_slice(b"y")]);
    // Our side: major 3, our type, then our identity frame in 2.0 framing.
    assert_eq!(
        out(&mut c),
        [&[3, PULL as u8][..], &[0, 2, b'm', b'e']].concat()
    );
    assert_eq!(c.next_deadline(), None);
    // Incompatible type.
    let mut c = Connection::new(legacy_cfg(PULL), now);
    let mut wire = greeting::signature(0).to_vec();
    wire.extend_from_slice(&[1, PULL as u8]);
    assert_eq!(feed(&mut c, &wire, now).1, Some(Error::SocketTypeMismatch));
}

#[test]
fn zmtp_20_subscriptions_and_framing() {
    let now = Instant::now();
    let mut c = Connection::new(legacy_cfg(SUB), now);
    out(&mut c);
    let mut wire = greeting::signature(0).to_vec();
    wire.extend_from_slice(&[1, PUB as u8, 0, 0]);
    let (ev, err) = feed(&mut c, &wire, now);
    assert_eq!(err, None);
    assert!(handshake_info(&ev).routing_id.is_empty());
    out(&mut c);
    c.send_subscription(false, b"t").unwrap();
    let mut big = Msg::from_vec(vec![5; 300]);
    big.set_more(true);
    c.send(&big).unwrap();
    let o = out(&mut c);
    assert_eq!(&o[..4], &[0, 2, 1, b't']);
    assert_eq!(o[4], MORE | LONG);
    assert_eq!(&o[5..13], &300u64.to_be_bytes());
}

#[test]
fn unversioned_zmtp_10_peer() {
    let now = Instant::now();
    let mut c = Connection::new(legacy_cfg(PUB), now);
    assert_eq!(out(&mut c), greeting::signature(2));
    // Identity "id" (length 3 counts the flags octet), then a message.
    let wire = [4u8, 0, b'i', b'd', b'!', 6, 0, b'h', b'e', b'l', b'l', b'o'];
    let (ev, err) = feed_chunked(&mut c, &wire, now, || 1);
    assert_eq!(err, None);
    let info = handshake_info(&ev);
    assert_eq!((info.major, info.socket_type), (1, -1));
    assert_eq!(info.routing_id, b"id!");
    // A 1.0 subscriber gets everything, then its message.
    assert_eq!(
        ev[1..].to_vec(),
        vec![
            Event::Message(Msg::from_slice(&[1])),
            Event::Message(Msg::from_slice(b"hello"))
        ]
    );
    // Our identity body completes the frame our signature started.
    assert_eq!(out(&mut c), b"me");
    let mut m = Msg::from_slice(b"abc");
    m.set_more(true);
    c.send(&m).unwrap();
    c.send(&Msg::from_vec(vec![1; 254])).unwrap();
    let o = out(&mut c);
    assert_eq!(&o[..5], &[4, MORE, b'a', b'b', b'c']);
    assert_eq!(o[5], 0xFF);
    assert_eq!(&o[6..14], &255u64.to_be_bytes());
    // Two accept_legacy connections never take the 1.0 path with each other.
    let mut a = Connection::new(legacy_cfg(PUB), now);
    let mut b = Connection::new(legacy_cfg(SUB), now);
    let (ea, _) = run(&mut a, &mut b, now);
    assert_eq!(handshake_info(&ea).major, 3);
}

// ----- robustness -----

#[test]
fn garbage_never_panics() {
    let now = Instant::now();
    let mut rng = Rng::new(17);
    let valid = {
        let mut v = peer_greeting(3, 1, "NULL");
        v.extend(ready(&[("Socket-Type", b"DEALER")]));
        v
    };
    for i in 0..3000 {
        let mut cfg = Config::new(if i % 2 == 0 { DEALER } else { ROUTER });
        cfg.accept_legacy = i % 3 == 0;
        cfg.max_msg_size = Some(1 << 16);
        let mut c = Connection::new(cfg, now);
        let mut input = if i % 2 == 0 {
            rng.bytes_below(2000)
        } else {
            let mut v = valid.clone();
            v.extend(rng.bytes_below(2000));
            v
        };
        if i % 5 == 0 && !input.is_empty() {
            let at = rng.below(input.len());
            input[at] ^= 0x55;
        }
        let mut r = Rng::new(i);
        let _ = feed_chunked(&mut c, &input, now, || 1 + r.below(64));
        let _ = c.handle_timeout(now + 20 * S);
        let _ = c.send(&Msg::from_slice(b"x"));
        out(&mut c);
    }
}

/// Throughput smoke test (run in release with `--ignored --nocapture`):
/// encode, "transmit" through 64 KiB writes and decode.
#[test]
#[ignore]
fn throughput_smoke() {
    let now = Instant::now();
    for (size, count) in [
        (1usize, 2_000_000usize),
        (64, 1_000_000),
        (1024, 500_000),
        (65536, 20_000),
    ] {
        let mut cfg = Config::new(PULL);
        cfg.max_msg_size = None;
        let (mut tx, mut rx, _, _) = pair(Config::new(PUSH), cfg, now);
        let msg = Msg::from_vec(vec![7u8; size]);
        let start = std::time::Instant::now();
        let mut received = 0usize;
        let mut sent = 0usize;
        let mut wire = Vec::with_capacity(1 << 20);
        while received < count {
            while sent < count && tx.out_len() < 256 * 1024 {
                tx.send(&msg).unwrap();
                sent += 1;
            }
            // "writev" into a socket buffer of up to 256 KiB.
            wire.clear();
            let mut iov = [IoSlice::new(&[]); 64];
            let k = tx.out_slices(&mut iov);
            for s in &iov[..k] {
                if wire.len() + s.len() > 256 * 1024 {
                    let room = 256 * 1024 - wire.len();
                    wire.extend_from_slice(&s[..room]);
                    break;
                }
                wire.extend_from_slice(s);
            }
            let n = wire.len();
            tx.consume_out(n);
            let mut pos = 0;
            while pos < wire.len() {
                let buf = rx.read_buf();
                let k = buf.len().min(wire.len() - pos);
                buf[..k].copy_from_slice(&wire[pos..pos + k]);
                rx.commit_read(k, now).unwrap();
                pos += k;
                while let Some(ev) = rx.poll_event(now).unwrap() {
                    if let Event::Message(m) = ev {
                        assert_eq!(m.len(), size);
                        received += 1;
                    }
                }
            }
        }
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "{size:>6} B: {:>10.0} msg/s {:>8.1} MB/s",
            count as f64 / secs,
            (count * size) as f64 / secs / 1e6
        );
    }
}

#[test]
fn consecutive_large_messages_in_socket_sized_reads() {
    let now = Instant::now();
    let (mut a, mut b, _, _) = pair(Config::new(PUSH), Config::new(PULL), now);
    let body: Vec<u8> = (0..4_000_000u32).map(|i| i as u8).collect();
    for _ in 0..3 {
        a.send(&Msg::from_vec(body.clone())).unwrap();
    }
    let bytes = out(&mut a);
    let (events, err) = feed_chunked(&mut b, &bytes, now, || 65_536);
    assert_eq!(err, None);
    let msgs = messages(&events);
    assert_eq!(msgs.len(), 3);
    for m in msgs {
        assert_eq!(m.data(), &body[..]);
    }
}

// ----- the mechanism interface: frame wrapping and the ZAP pause -----

/// A toy wrapping mechanism: NULL's handshake, then every frame travels as
/// `\x07MESSAGE flags body^0x5A` (the shape CURVE's MESSAGE has).
struct Xor {
    inner: crate::zmtp::mechanism::null::NullMechanism,
}

impl Xor {
    fn boxed(local: crate::zmtp::mechanism::Local) -> Box<dyn Mechanism> {
        let security = crate::zmtp::mechanism::Security::default();
        Box::new(Xor {
            inner: crate::zmtp::mechanism::null::NullMechanism::new(local, &security),
        })
    }
}

impl Mechanism for Xor {
    fn start(&mut self, out: &mut super::Encoder) -> Result<Step, Error> {
        self.inner.start(out)
    }
    fn on_command(
        &mut self,
        cmd: command::Command<'_>,
        out: &mut super::Encoder,
    ) -> Result<Step, Error> {
        self.inner.on_command(cmd, out)
    }
    fn wraps_frames(&self) -> bool {
        true
    }
    fn frame_overhead(&self) -> u64 {
        9
    }
    fn encode(&mut self, flags: u8, parts: &[&[u8]], out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(b"\x07MESSAGE");
        out.push(flags);
        for p in parts {
            out.extend(p.iter().map(|b| b ^ 0x5A));
        }
        Ok(())
    }
    fn decode(&mut self, body: &[u8]) -> Result<(u8, Vec<u8>), Error> {
        let rest = body
            .strip_prefix(b"\x07MESSAGE")
            .ok_or(Error::UnexpectedCommand)?;
        let (&flags, data) = rest
            .split_first()
            .ok_or(Error::MalformedCommand { command: "MESSAGE" })?;
        Ok((flags, data.iter().map(|b| b ^ 0x5A).collect()))
    }
}

fn xor_pair(a: Config, b: Config, now: Instant) -> (Connection, Connection) {
    let mut ca = Connection::with_mechanism(a, now, Xor::boxed);
    let mut cb = Connection::with_mechanism(b, now, Xor::boxed);
    let (ea, eb) = run(&mut ca, &mut cb, now);
    handshake_info(&ea);
    handshake_info(&eb);
    (ca, cb)
}

#[test]
fn wrapping_mechanism_carries_every_frame() {
    let now = Instant::now();
    let (mut a, mut b) = xor_pair(Config::new(PUSH), Config::new(PULL), now);
    let parts = multipart(&[0, 5, 300, 70_000]);
    for m in &parts {
        a.send(m).unwrap();
    }
    let wire = out(&mut a);
    // Nothing travels in the clear: every frame is a MESSAGE command, in a
    // frame with flags 0 as libzmq sends it.
    let mut pos = 0;
    let mut frames = 0;
    while pos < wire.len() {
        let flags = wire[pos];
        assert_eq!(flags & (COMMAND | MORE), 0);
        let (len, head) = if flags & LONG != 0 {
            let n = u64::from_be_bytes(wire[pos + 1..pos + 9].try_into().unwrap());
            (n as usize, 9)
        } else {
            (usize::from(wire[pos + 1]), 2)
        };
        assert_eq!(&wire[pos + head..pos + head + 8], b"\x07MESSAGE");
        pos += head + len;
        frames += 1;
    }
    assert_eq!(frames, parts.len());
    let (events, err) = feed_chunked(&mut b, &wire, now, || 1000);
    assert_eq!(err, None);
    let got = messages(&events);
    assert_eq!(got.len(), parts.len());
    for (g, p) in got.iter().zip(&parts) {
        assert_eq!(g.data(), p.data());
        assert_eq!(g.more(), p.more());
    }
    // A frame sent in the clear after the handshake is refused.
    let (_, err) = feed(&mut b, &frame(0, b"plain"), now);
    assert_eq!(err, Some(Error::UnexpectedCommand));
}

#[test]
fn wrapping_mechanism_carries_commands_and_limits_messages() {
    let now = Instant::now();
    let mut cfg = Config::new(XSUB);
    cfg.heartbeat_ivl = Some(S);
    let mut pub_cfg = Config::new(XPUB);
    pub_cfg.max_msg_size = Some(100);
    let (mut sub, mut publ) = xor_pair(cfg, pub_cfg, now);
    sub.send_subscription(false, b"topic").unwrap();
    sub.handle_timeout(now + S).unwrap();
    let wire = out(&mut sub);
    assert!(!wire.windows(5).any(|w| w == b"topic"));
    let (events, err) = feed(&mut publ, &wire, now + S);
    assert_eq!(err, None);
    assert_eq!(messages(&events)[0].data(), b"\x01topic");
    // The PING was answered with a wrapped PONG.
    let pong = out(&mut publ);
    assert_eq!(&pong[2..10], b"\x07MESSAGE");
    let (_, err) = feed(&mut sub, &pong, now + S);
    assert_eq!(err, None);
    // MAXMSGSIZE applies to what is carried: 100 bytes pass, 101 do not.
    sub.send(&Msg::from_vec(vec![1; 100])).unwrap();
    let (events, err) = feed(&mut publ, &out(&mut sub), now + S);
    assert_eq!((messages(&events).len(), err), (1, None));
    sub.send(&Msg::from_vec(vec![1; 101])).unwrap();
    let (_, err) = feed(&mut publ, &out(&mut sub), now + S);
    assert!(matches!(err, Some(Error::MessageTooLarge { .. })));
}

fn zap_reply_frames(status: &[u8], user: &[u8]) -> Vec<Msg> {
    let mut meta = Vec::new();
    write_property(&mut meta, b"Hello", b"World");
    let parts: [&[u8]; 7] = [b"", b"1.0", b"1", status, b"text", user, &meta];
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut m = Msg::from_slice(p);
            m.set_more(i < 6);
            m
        })
        .collect()
}

/// Polls until nothing comes; the events seen.
fn drain(c: &mut Connection, now: Instant) -> Result<Vec<Event>, Error> {
    let mut v = Vec::new();
    while let Some(e) = c.poll_event(now)? {
        v.push(e);
    }
    Ok(v)
}

#[test]
fn null_with_zap_domain_pauses_for_the_reply() {
    let now = Instant::now();
    let mut server_cfg = Config::new(DEALER);
    server_cfg.security.zap_domain = b"global".to_vec();
    server_cfg.routing_id = b"srv".to_vec();
    let mut server = Connection::new(server_cfg, now);
    let mut client = Connection::new(Config::new(DEALER), now);
    let events = drain(&mut server, now).unwrap();
    let [Event::ZapRequest(req)] = events.as_slice() else {
        panic!("expected a ZAP request, got {events:?}");
    };
    assert_eq!(
        (req.mechanism, &req.domain[..], &req.identity[..]),
        ("NULL", &b"global"[..], &b"srv"[..])
    );
    assert!(server.zap_pending());
    // The client's greeting and READY arrive; the server holds them.
    let (ev, err) = feed(&mut server, &out(&mut client), now);
    assert!(ev.is_empty() && err.is_none());
    let greeting_only = out(&mut server);
    assert!(!greeting_only.windows(5).any(|w| w == b"READY"));
    feed(&mut client, &greeting_only, now);
    server
        .zap_reply(Some(&zap_reply_frames(b"200", b"alice")))
        .unwrap();
    let events = drain(&mut server, now).unwrap();
    let info = handshake_info(&events);
    assert_eq!(info.zap_metadata.get("User-Id"), Some(&b"alice"[..]));
    assert_eq!(info.zap_metadata.get("Hello"), Some(&b"World"[..]));
    let (ev, err) = feed(&mut client, &out(&mut server), now);
    assert_eq!(err, None);
    assert!(handshake_info(&ev).zap_metadata.is_empty());
    // A second answer is a bug in the engine, and fatal.
    assert_eq!(server.zap_reply(None), Err(Error::UnexpectedZapReply));
}

#[test]
fn zap_refusals_and_malformed_replies() {
    let now = Instant::now();
    let mut cfg = Config::new(DEALER);
    cfg.security.zap_domain = b"d".to_vec();
    let cases: Vec<(Vec<Msg>, Error, bool)> = vec![
        (zap_reply_frames(b"300", b""), Error::AuthFailed(300), false),
        (zap_reply_frames(b"400", b""), Error::AuthFailed(400), true),
        (zap_reply_frames(b"500", b""), Error::AuthFailed(500), true),
        (
            zap_reply_frames(b"200", b"")[..6].to_vec(),
            Error::ZapProtocol {
                code: protocol_error::ZAP_MALFORMED_REPLY,
            },
            false,
        ),
        (
            zap_reply_frames(b"2000", b""),
            Error::ZapProtocol {
                code: protocol_error::ZAP_INVALID_STATUS_CODE,
            },
            false,
        ),
    ];
    for (frames, want, sends_error) in cases {
        let mut c = Connection::new(cfg.clone(), now);
        drain(&mut c, now).unwrap();
        out(&mut c);
        assert_eq!(c.zap_reply(Some(&frames)), Err(want.clone()));
        assert_eq!(c.poll_event(now), Err(want.clone()));
        let wire = out(&mut c);
        assert_eq!(
            wire.windows(5).any(|w| w == b"ERROR"),
            sends_error,
            "{want:?}"
        );
        assert!(!wire.windows(5).any(|w| w == b"READY"));
    }
    // No handler: go on, unless the domain is enforced.
    let mut c = Connection::new(cfg.clone(), now);
    drain(&mut c, now).unwrap();
    c.zap_reply(None).unwrap();
    assert!(out(&mut c).windows(5).any(|w| w == b"READY"));
    cfg.security.zap_enforce_domain = true;
    let mut c = Connection::new(cfg, now);
    drain(&mut c, now).unwrap();
    assert_eq!(c.zap_reply(None), Err(Error::ZapUnavailable));
}

#[test]
fn zap_enabled_refuses_legacy_peers() {
    let now = Instant::now();
    let mut cfg = legacy_cfg(DEALER);
    cfg.security.zap_domain = b"d".to_vec();
    let mut c = Connection::new(cfg, now);
    let mut v2 = greeting::signature(0).to_vec();
    v2.extend_from_slice(&[1, DEALER as u8]);
    let mut err = None;
    for _ in 0..3 {
        match c.poll_event(now) {
            Ok(Some(Event::ZapRequest(_))) => c.zap_reply(None).unwrap(),
            Ok(_) => {}
            Err(e) => err = Some(e),
        }
    }
    assert_eq!(err, None);
    let (_, err) = feed(&mut c, &v2, now);
    assert_eq!(err, Some(Error::LegacyPeerRefused));
}

// ----- PLAIN through connections -----

fn plain_cfgs() -> (Config, Config) {
    use crate::zmtp::mechanism::{MechanismKind, Role};
    let mut client = Config::new(DEALER);
    client.security.kind = MechanismKind::Plain;
    client.security.plain_username = b"admin".to_vec();
    client.security.plain_password = b"secret".to_vec();
    let mut server = Config::new(ROUTER);
    server.security.kind = MechanismKind::Plain;
    server.security.role = Role::Server;
    server.security.zap_domain = b"global".to_vec();
    (client, server)
}

#[test]
fn plain_handshake_with_zap_between_connections() {
    let now = Instant::now();
    let (ccfg, scfg) = plain_cfgs();
    let mut client = Connection::new(ccfg, now);
    let mut server = Connection::new(scfg, now);
    let hello = out(&mut client);
    // The server's greeting says PLAIN, as-server.
    let (ev, err) = feed(&mut server, &hello, now);
    assert_eq!(err, None);
    let [Event::ZapRequest(req)] = ev.as_slice() else {
        panic!("expected a ZAP request, got {ev:?}");
    };
    assert_eq!(req.credentials, vec![b"admin".to_vec(), b"secret".to_vec()]);
    let greeting = out(&mut server);
    assert_eq!(&greeting[12..17], b"PLAIN");
    assert_eq!(greeting[32], 1);
    let (ev, err) = feed(&mut client, &greeting, now);
    assert!(ev.is_empty() && err.is_none());
    server
        .zap_reply(Some(&zap_reply_frames(b"200", b"admin-id")))
        .unwrap();
    let (ea, eb) = run(&mut client, &mut server, now);
    assert_eq!(handshake_info(&ea).socket_type, ROUTER);
    let info = handshake_info(&eb);
    assert_eq!(info.socket_type, DEALER);
    assert_eq!(info.zap_metadata.get("User-Id"), Some(&b"admin-id"[..]));
    client.send(&Msg::from_slice(b"hi")).unwrap();
    let (ev, err) = feed(&mut server, &out(&mut client), now);
    assert_eq!(err, None);
    assert_eq!(messages(&ev)[0].data(), b"hi");
}

#[test]
fn plain_refusal_reaches_the_client_and_limits_apply() {
    let now = Instant::now();
    let (ccfg, scfg) = plain_cfgs();
    let mut client = Connection::new(ccfg.clone(), now);
    let mut server = Connection::new(scfg.clone(), now);
    let (ev, _) = feed(&mut server, &out(&mut client), now);
    assert!(matches!(ev.as_slice(), [Event::ZapRequest(_)]));
    assert_eq!(
        server.zap_reply(Some(&zap_reply_frames(b"400", b""))),
        Err(Error::AuthFailed(400))
    );
    let (_, err) = feed(&mut client, &out(&mut server), now);
    let err = err.unwrap();
    assert_eq!(err, Error::PeerError("400".into()));
    assert_eq!(err.auth_status_code(), Some(400));

    // Same limits as NULL: the handshake frame cap and the timer.
    let mut small = scfg.clone();
    small.handshake_frame_cap = 10;
    let mut server = Connection::new(small, now);
    let (_, err) = feed(&mut server, &out(&mut Connection::new(ccfg, now)), now);
    assert!(matches!(err, Some(Error::HandshakeFrameTooLarge { .. })));
    let mut server = Connection::new(scfg, now);
    server.handle_timeout(now + S).unwrap();
    assert_eq!(
        server.handle_timeout(now + 11 * S),
        Err(Error::HandshakeTimeout)
    );
    // A client that meets a NULL server: mechanism mismatch.
    let (ccfg, _) = plain_cfgs();
    let mut client = Connection::new(ccfg, now);
    let mut null = Connection::new(Config::new(ROUTER), now);
    let (_, err) = feed(&mut client, &out(&mut null), now);
    assert_eq!(err, Some(Error::MechanismMismatch));
}
