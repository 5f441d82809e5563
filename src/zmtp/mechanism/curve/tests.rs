//! The CURVE state machines against each other, in memory.

use super::client::CurveClient;
use super::codec::{CurveCodec, INNER_COMMAND, INNER_MORE, MIN_MESSAGE};
use super::server::{CurveServer, ServerStep};
use super::*;
use crate::zmtp::command::{self, write_property, Command};
use crate::zmtp::encoder::Encoder;
use crate::zmtp::socket_type::{DEALER, PUSH, REP, REQ, ROUTER};

pub(crate) struct Keys {
    pub(crate) client: CurveConfig,
    pub(crate) server: CurveConfig,
}

pub(crate) fn keys() -> Keys {
    let (server_public, server_secret) = generate_keypair().unwrap();
    let (client_public, client_secret) = generate_keypair().unwrap();
    Keys {
        client: CurveConfig {
            as_server: false,
            public: client_public,
            secret: client_secret,
            server_key: server_public,
        },
        server: CurveConfig {
            as_server: true,
            public: server_public,
            secret: server_secret,
            server_key: [0; KEY_LEN],
        },
    }
}

fn props(socket_type: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    write_property(&mut p, b"Socket-Type", socket_type);
    write_property(&mut p, b"X-Meta", b"value");
    p
}

/// The command bodies in an encoder's output (ZMTP 3 command frames).
fn commands(enc: &mut Encoder) -> Vec<Vec<u8>> {
    let out = enc.take_all();
    let mut rest = &out[..];
    let mut cmds = Vec::new();
    while let Some((&flags, tail)) = rest.split_first() {
        assert_eq!(flags & 4, 4, "a command frame");
        let (len, tail) = if flags & 2 != 0 {
            let (l, t) = tail.split_first_chunk::<8>().unwrap();
            (usize::try_from(u64::from_be_bytes(*l)).unwrap(), t)
        } else {
            let (l, t) = tail.split_first().unwrap();
            (usize::from(*l), t)
        };
        cmds.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    cmds
}

fn one(enc: &mut Encoder) -> Vec<u8> {
    let mut c = commands(enc);
    assert_eq!(c.len(), 1);
    c.remove(0)
}

fn parse(body: &[u8]) -> Command<'_> {
    command::parse(body).unwrap()
}

/// The handshake's four commands, each as sent.
struct Transcript {
    hello: Vec<u8>,
    welcome: Vec<u8>,
    initiate: Vec<u8>,
    ready: Vec<u8>,
}

struct Pair {
    client: CurveClient,
    server: CurveServer,
}

fn new_pair(k: &Keys) -> Pair {
    Pair {
        client: CurveClient::new(&k.client, DEALER, props(b"DEALER")).unwrap(),
        server: CurveServer::new(&k.server, ROUTER, props(b"ROUTER")).unwrap(),
    }
}

/// Runs a whole handshake; returns the codecs (client, server).
fn handshake(k: &Keys) -> (CurveCodec, CurveCodec, Transcript) {
    let mut p = new_pair(k);
    let mut enc = Encoder::new();
    p.client.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    assert_eq!(hello.len(), 200);
    assert!(matches!(
        p.server.on_command(parse(&hello), &mut enc),
        Ok(ServerStep::Continue)
    ));
    let welcome = one(&mut enc);
    assert_eq!(welcome.len(), 168);
    assert!(p
        .client
        .on_command(parse(&welcome), &mut enc)
        .unwrap()
        .is_none());
    let initiate = one(&mut enc);
    assert!(initiate.len() >= 257);
    let Ok(ServerStep::Authenticate { client_key, peer }) =
        p.server.on_command(parse(&initiate), &mut enc)
    else {
        panic!("INITIATE refused");
    };
    assert_eq!(client_key, k.client.public);
    assert_eq!(peer.socket_type, DEALER);
    assert_eq!(peer.metadata.get("x-meta"), Some(&b"value"[..]));
    let server_codec = p.server.accept(&mut enc).unwrap();
    let ready = one(&mut enc);
    let (info, client_codec) = p
        .client
        .on_command(parse(&ready), &mut enc)
        .unwrap()
        .unwrap();
    assert_eq!(info.socket_type, ROUTER);
    assert!(enc.take_all().is_empty());
    (
        client_codec,
        server_codec,
        Transcript {
            hello,
            welcome,
            initiate,
            ready,
        },
    )
}

#[test]
fn handshake_and_messages() {
    let k = keys();
    let (mut c, mut s, _) = handshake(&k);
    let big = vec![7u8; 100_000];
    for (flags, body) in [
        (0, &b""[..]),
        (INNER_MORE, &b"hello"[..]),
        (INNER_COMMAND, &b"\x04PING\x00\x10ctx"[..]),
        (0, &big[..]),
    ] {
        let wire = c.encode(flags, &[body]).unwrap();
        assert_eq!(wire.len(), MIN_MESSAGE + body.len());
        assert_eq!(&wire[..8], b"\x07MESSAGE");
        let plain = s.decode(&wire).unwrap();
        assert_eq!(plain.flags, flags);
        assert_eq!(plain.body(), body);
        let back = s.encode(flags, &[&body[..body.len() / 2], &body[body.len() / 2..]]);
        let plain = c.decode(&back.unwrap()).unwrap();
        assert_eq!(plain.flags, flags);
        assert_eq!(plain.into_msg().data(), body);
    }
}

#[test]
fn nonces_increase_and_replays_fail() {
    let k = keys();
    let (mut c, mut s, t) = handshake(&k);
    // HELLO 1, INITIATE 2, then 3, 4, ...; READY 1, then 2, ...
    assert_eq!(&t.hello[112..120], &1u64.to_be_bytes());
    assert_eq!(&t.initiate[105..113], &2u64.to_be_bytes());
    assert_eq!(&t.ready[6..14], &1u64.to_be_bytes());
    let m1 = c.encode(0, &[b"one"]).unwrap();
    let m2 = c.encode(0, &[b"two"]).unwrap();
    assert_eq!(&m1[8..16], &3u64.to_be_bytes());
    assert_eq!(&s.encode(0, &[b"x"]).unwrap()[8..16], &2u64.to_be_bytes());
    // Out of order: m2 first, then m1 is stale.
    assert_eq!(s.decode(&m2).unwrap().body(), b"two");
    assert_eq!(s.decode(&m1).unwrap_err(), Error::InvalidSequence);
    assert_eq!(s.decode(&m2).unwrap_err(), Error::InvalidSequence);
    // A tampered box fails and does not advance the sequence.
    let m3 = c.encode(0, &[b"three"]).unwrap();
    let mut bad = m3.clone();
    *bad.last_mut().unwrap() ^= 1;
    assert_eq!(s.decode(&bad).unwrap_err(), Error::Cryptographic);
    assert_eq!(s.decode(&m3).unwrap().body(), b"three");
    // A client's box is not accepted back by the client (direction prefix).
    let m4 = c.encode(0, &[b"four"]).unwrap();
    assert_eq!(c.decode(&m4).unwrap_err(), Error::Cryptographic);
}

#[test]
fn message_shapes() {
    let k = keys();
    let (mut c, mut s, _) = handshake(&k);
    let m = c.encode(0, &[b""]).unwrap();
    assert_eq!(
        s.decode(&m[..m.len() - 1]).unwrap_err(),
        Error::MalformedCommand { command: "MESSAGE" }
    );
    assert_eq!(
        s.decode(b"\x07MESSAG").unwrap_err(),
        Error::UnexpectedCommand
    );
    assert_eq!(
        s.decode(b"\x05READY123").unwrap_err(),
        Error::UnexpectedCommand
    );
    assert_eq!(s.decode(b"").unwrap_err(), Error::UnexpectedCommand);
    // Nonce 0 is never valid.
    let mut zero = m.clone();
    zero[8..16].fill(0);
    assert_eq!(s.decode(&zero).unwrap_err(), Error::InvalidSequence);
    // Unknown inner flag bits are dropped.
    let m = c.encode(0xFF, &[b"x"]).unwrap();
    assert_eq!(s.decode(&m).unwrap().flags, INNER_MORE | INNER_COMMAND);
}

#[test]
fn every_tampered_handshake_byte_fails() {
    let k = keys();
    // HELLO: every byte after the name except the (unchecked) padding.
    let mut p = new_pair(&k);
    let mut enc = Encoder::new();
    p.client.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    for i in (6..hello.len()).filter(|i| !(8..80).contains(i)) {
        let mut s = CurveServer::new(&k.server, ROUTER, props(b"ROUTER")).unwrap();
        let mut bad = hello.clone();
        bad[i] ^= 0x01;
        let e = s.on_command(parse(&bad), &mut enc);
        assert!(e.is_err(), "HELLO byte {i}");
    }
    let _ = enc.take_all();

    // WELCOME, INITIATE and READY: every byte after the name.
    let t = handshake(&k).2;
    for i in 8..t.welcome.len() {
        let mut p = new_pair(&k);
        p.client.start(&mut enc).unwrap();
        let mut bad = t.welcome.clone();
        bad[i] ^= 0x80;
        let e = p.client.on_command(parse(&bad), &mut enc);
        assert_eq!(e.err(), Some(Error::Cryptographic), "WELCOME byte {i}");
    }
    let _ = enc.take_all();

    // INITIATE and READY are bound to their connection's keys: replay the
    // whole exchange, tampering one byte of the real INITIATE.
    let mut p = new_pair(&k);
    p.client.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    p.server.on_command(parse(&hello), &mut enc).ok().unwrap();
    let welcome = one(&mut enc);
    p.client.on_command(parse(&welcome), &mut enc).unwrap();
    let initiate = one(&mut enc);
    for i in 9..initiate.len() {
        // A fresh server would have another cookie key; the same one lost it
        // after one try. So each try gets a server fed the same HELLO.
        let mut s = CurveServer::new(&k.server, ROUTER, props(b"ROUTER")).unwrap();
        let mut e2 = Encoder::new();
        s.on_command(parse(&hello), &mut e2).ok().unwrap();
        let mut bad = initiate.clone();
        bad[i] ^= 0x01;
        assert!(
            s.on_command(parse(&bad), &mut e2).is_err(),
            "INITIATE byte {i}"
        );
    }
    // The real server: INITIATE opens, then READY tampered anywhere fails.
    assert!(p.server.on_command(parse(&initiate), &mut enc).is_ok());
    p.server.accept(&mut enc).unwrap();
    let ready = one(&mut enc);
    for i in 6..ready.len() {
        let mut c = new_pair(&k).client;
        let mut bad = ready.clone();
        bad[i] ^= 0x01;
        // A fresh client has no session: any READY is out of place.
        assert!(c.on_command(parse(&bad), &mut enc).is_err());
    }
    let mut bad = ready.clone();
    bad[20] ^= 0x01;
    assert_eq!(
        p.client.on_command(parse(&bad), &mut enc).err(),
        Some(Error::Cryptographic)
    );
}

#[test]
fn cookie_from_another_connection_fails() {
    let k = keys();
    let mut a = new_pair(&k);
    let mut b = new_pair(&k);
    let mut enc = Encoder::new();
    a.client.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    a.server.on_command(parse(&hello), &mut enc).ok().unwrap();
    b.server.on_command(parse(&hello), &mut enc).ok().unwrap();
    let welcome_a = commands(&mut enc).remove(0);
    a.client.on_command(parse(&welcome_a), &mut enc).unwrap();
    let initiate = one(&mut enc);
    // Server b saw the same HELLO but made its own cookie key and S'.
    assert_eq!(
        b.server.on_command(parse(&initiate), &mut enc).err(),
        Some(Error::Cryptographic)
    );
    // The cookie key is gone after one INITIATE: a replay fails.
    assert!(a.server.on_command(parse(&initiate), &mut enc).is_ok());
    assert!(a.server.on_command(parse(&initiate), &mut enc).is_err());
}

#[test]
fn wrong_server_key_fails_at_hello() {
    let k = keys();
    let other = keys();
    let mut client_cfg = k.client.clone();
    client_cfg.server_key = other.server.public;
    let mut c = CurveClient::new(&client_cfg, REQ, props(b"REQ")).unwrap();
    let mut s = CurveServer::new(&k.server, REP, props(b"REP")).unwrap();
    let mut enc = Encoder::new();
    c.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    assert_eq!(
        s.on_command(parse(&hello), &mut enc).err(),
        Some(Error::Cryptographic)
    );
    assert!(enc.take_all().is_empty());
}

/// A hand-made client, to send what a real one never would.
struct Manual {
    cfg: CurveConfig,
    eph: Ephemeral,
}

impl Manual {
    fn hello(&self, nonce: u64) -> Vec<u8> {
        let mut d = b"\x05HELLO\x01\x00".to_vec();
        d.resize(80, 0);
        d.extend_from_slice(&self.eph.public);
        d.extend_from_slice(&nonce.to_be_bytes());
        let key = shared(&self.cfg.server_key, &self.eph.secret);
        seal_into(
            &key,
            &short_nonce(b"CurveZMQHELLO---", nonce),
            &[0; 64],
            &mut d,
        )
        .unwrap();
        d
    }

    /// INITIATE answering `welcome`, with the vouch's plaintext given.
    fn initiate(&self, welcome: &[u8], vouch: [u8; 64], nonce: u64) -> Vec<u8> {
        let key = shared(&self.cfg.server_key, &self.eph.secret);
        let wn: [u8; 16] = welcome[8..24].try_into().unwrap();
        let plain = open(&key, &long_nonce(b"WELCOME-", &wn), &welcome[24..]).unwrap();
        let server_short: [u8; 32] = plain[..32].try_into().unwrap();
        let mut inner = self.cfg.public.to_vec();
        inner.extend_from_slice(&[5; 16]);
        seal_into(
            &long_key_box(&server_short, &self.cfg.secret),
            &long_nonce(b"VOUCH---", &[5; 16]),
            &vouch,
            &mut inner,
        )
        .unwrap();
        inner.extend_from_slice(&props(b"REQ"));
        let mut d = b"\x08INITIATE".to_vec();
        d.extend_from_slice(&plain[32..128]);
        d.extend_from_slice(&nonce.to_be_bytes());
        let session = shared(&server_short, &self.eph.secret);
        seal_into(
            &session,
            &short_nonce(b"CurveZMQINITIATE", nonce),
            &inner,
            &mut d,
        )
        .unwrap();
        d
    }

    fn vouch(&self, server: [u8; 32]) -> [u8; 64] {
        let mut v = [0; 64];
        v[..32].copy_from_slice(&self.eph.public);
        v[32..].copy_from_slice(&server);
        v
    }
}

#[test]
fn vouch_and_initiate_nonce_checked() {
    let k = keys();
    let m = Manual {
        cfg: k.client.clone(),
        eph: Ephemeral::generate().unwrap(),
    };
    let other_eph = Ephemeral::generate().unwrap().public;
    let mut bad_short = m.vouch(k.server.public);
    bad_short[..32].copy_from_slice(&other_eph);
    let cases: [([u8; 64], u64, Option<Error>); 5] = [
        (m.vouch(k.server.public), 2, None),
        (m.vouch([9; 32]), 2, Some(Error::KeyExchange)),
        (bad_short, 2, Some(Error::KeyExchange)),
        (m.vouch(k.server.public), 1, Some(Error::InvalidSequence)),
        (m.vouch(k.server.public), 0, Some(Error::InvalidSequence)),
    ];
    for (vouch, nonce, want) in cases {
        let mut s = CurveServer::new(&k.server, REP, props(b"REP")).unwrap();
        let mut enc = Encoder::new();
        s.on_command(parse(&m.hello(1)), &mut enc).ok().unwrap();
        let welcome = one(&mut enc);
        let initiate = m.initiate(&welcome, vouch, nonce);
        let got = s.on_command(parse(&initiate), &mut enc).err();
        assert_eq!(got, want, "nonce {nonce}");
    }
    // HELLO's box must hold zeros, and nonce 0 is refused.
    let mut s = CurveServer::new(&k.server, REP, props(b"REP")).unwrap();
    let mut enc = Encoder::new();
    assert_eq!(
        s.on_command(parse(&m.hello(0)), &mut enc).err(),
        Some(Error::InvalidSequence)
    );
}

#[test]
fn out_of_order_and_wrong_sizes() {
    let k = keys();
    let mut p = new_pair(&k);
    let mut enc = Encoder::new();
    p.client.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    // Sizes off by one.
    for bad in [&hello[..199], &[&hello[..], &[0][..]].concat()[..]] {
        let mut s = CurveServer::new(&k.server, ROUTER, props(b"ROUTER")).unwrap();
        assert_eq!(
            s.on_command(parse(bad), &mut enc).err(),
            Some(Error::MalformedCommand { command: "HELLO" })
        );
    }
    let mut v2 = hello.clone();
    v2[6] = 2;
    let mut s = CurveServer::new(&k.server, ROUTER, props(b"ROUTER")).unwrap();
    assert_eq!(
        s.on_command(parse(&v2), &mut enc).err(),
        Some(Error::MalformedCommand { command: "HELLO" })
    );
    // Commands out of place.
    let mut s = CurveServer::new(&k.server, ROUTER, props(b"ROUTER")).unwrap();
    assert_eq!(
        s.on_command(parse(b"\x05READY"), &mut enc).err(),
        Some(Error::UnexpectedCommand)
    );
    let mut c = new_pair(&k).client;
    assert_eq!(
        c.on_command(parse(b"\x07WELCOME"), &mut enc).err(),
        Some(Error::UnexpectedCommand)
    );
    p.server.on_command(parse(&hello), &mut enc).ok().unwrap();
    let welcome = one(&mut enc);
    assert_eq!(
        p.server.on_command(parse(&hello), &mut enc).err(),
        Some(Error::UnexpectedCommand)
    );
    let mut c = new_pair(&k).client;
    c.start(&mut enc).unwrap();
    let _ = enc.take_all();
    assert_eq!(
        c.on_command(parse(&welcome[..167]), &mut enc).err(),
        Some(Error::MalformedCommand { command: "WELCOME" })
    );
    assert_eq!(
        c.on_command(parse(b"\x05READY"), &mut enc).err(),
        Some(Error::UnexpectedCommand)
    );
    p.client.on_command(parse(&welcome), &mut enc).unwrap();
    let initiate = one(&mut enc);
    assert_eq!(
        p.client
            .on_command(parse(b"\x05READY12345678"), &mut enc)
            .err(),
        Some(Error::MalformedCommand { command: "READY" })
    );
    let mut s = new_pair(&k).server;
    s.on_command(parse(&hello), &mut enc).ok().unwrap();
    assert_eq!(
        s.on_command(parse(&initiate[..256]), &mut enc).err(),
        Some(Error::MalformedCommand {
            command: "INITIATE"
        })
    );
    // Accept before INITIATE is refused, not a panic.
    let mut s = new_pair(&k).server;
    assert!(s.accept(&mut enc).is_err());
}

#[test]
fn error_from_server_and_zap_refusal() {
    let k = keys();
    let mut p = new_pair(&k);
    let mut enc = Encoder::new();
    p.client.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    p.server.on_command(parse(&hello), &mut enc).ok().unwrap();
    let welcome = one(&mut enc);
    p.client.on_command(parse(&welcome), &mut enc).unwrap();
    let initiate = one(&mut enc);
    assert!(p.server.on_command(parse(&initiate), &mut enc).is_ok());
    p.server.refuse(&mut enc, "400");
    let err = one(&mut enc);
    assert_eq!(
        p.client.on_command(parse(&err), &mut enc).err(),
        Some(Error::PeerError("400".into()))
    );
    assert_eq!(Error::PeerError("400".into()).auth_status_code(), Some(400));
}

#[test]
fn socket_type_mismatch_sends_error() {
    let k = keys();
    let mut c = CurveClient::new(&k.client, PUSH, props(b"PUSH")).unwrap();
    let mut s = CurveServer::new(&k.server, REP, props(b"REP")).unwrap();
    let mut enc = Encoder::new();
    c.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    s.on_command(parse(&hello), &mut enc).ok().unwrap();
    let welcome = one(&mut enc);
    c.on_command(parse(&welcome), &mut enc).unwrap();
    let initiate = one(&mut enc);
    assert_eq!(
        s.on_command(parse(&initiate), &mut enc).err(),
        Some(Error::SocketTypeMismatch)
    );
    assert_eq!(&one(&mut enc)[..6], b"\x05ERROR");
}

#[test]
fn key_helpers() {
    use crate::util::z85;
    let secret = z85::decode(b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs").unwrap();
    let public = z85::decode(b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID").unwrap();
    let secret: [u8; 32] = secret.try_into().unwrap();
    assert_eq!(public_from_secret(&secret).to_vec(), public);
    let (p1, s1) = generate_keypair().unwrap();
    let (p2, _) = generate_keypair().unwrap();
    assert_ne!(p1, p2);
    assert_eq!(public_from_secret(s1.as_bytes()), p1);
    assert_eq!(format!("{s1:?}"), "SecretBytes(..)");
}
