//! The CURVE state machines against each other, in memory.

use super::client::CurveClient;
use super::codec::MIN_MESSAGE;
use super::server::CurveServer;
use super::*;
use crate::zmtp::command::{self, write_property, Command};
use crate::zmtp::encoder::Encoder;
use crate::zmtp::frame::{COMMAND, MORE};
use crate::zmtp::mechanism::{CurveKeys, MechanismKind, Step, ZapAnswer};
use crate::zmtp::socket_type::{DEALER, PUSH, REP, REQ, ROUTER};

pub(crate) struct Keys {
    pub(crate) client: Security,
    pub(crate) server: Security,
    pub(crate) client_public: [u8; KEY_LEN],
    pub(crate) server_public: [u8; KEY_LEN],
}

pub(crate) fn keys() -> Keys {
    let (server_public, server_secret) = generate_keypair().unwrap();
    let (client_public, client_secret) = generate_keypair().unwrap();
    Keys {
        client: Security {
            kind: MechanismKind::Curve,
            role: Role::Client,
            curve: CurveKeys {
                public_key: client_public,
                secret_key: client_secret,
                server_key: server_public,
            },
            ..Security::default()
        },
        server: Security {
            kind: MechanismKind::Curve,
            role: Role::Server,
            curve: CurveKeys {
                secret_key: server_secret,
                ..CurveKeys::default()
            },
            ..Security::default()
        },
        client_public,
        server_public,
    }
}

fn local(socket_type: i32) -> Local {
    let name = crate::zmtp::socket_type::name(socket_type).unwrap();
    Local {
        socket_type,
        routing_id: b"rid".to_vec(),
        properties: props(name.as_bytes()),
    }
}

fn client(sec: &Security, t: i32) -> CurveClient {
    CurveClient::new(&sec.curve, local(t)).unwrap()
}

fn server(sec: &Security, t: i32) -> CurveServer {
    CurveServer::new(sec, local(t)).unwrap()
}

/// A wrapped frame, as bytes.
fn enc(m: &mut dyn Mechanism, flags: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    m.encode(flags, parts, &mut out).unwrap();
    out
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
        client: client(&k.client, DEALER),
        server: server(&k.server, ROUTER),
    }
}

/// HELLO, WELCOME, INITIATE as far as the server's ZAP request.
fn up_to_zap(p: &mut Pair, enc: &mut Encoder) -> (Vec<u8>, Vec<u8>, Vec<u8>, Step) {
    assert_eq!(p.client.start(enc), Ok(Step::Continue));
    let hello = one(enc);
    assert_eq!(p.server.start(enc), Ok(Step::Continue));
    assert_eq!(p.server.on_command(parse(&hello), enc), Ok(Step::Continue));
    let welcome = one(enc);
    assert_eq!(
        p.client.on_command(parse(&welcome), enc),
        Ok(Step::Continue)
    );
    let initiate = one(enc);
    let step = p.server.on_command(parse(&initiate), enc).unwrap();
    (hello, welcome, initiate, step)
}

/// Runs a whole handshake (no ZAP handler); returns both sides.
fn handshake(k: &Keys) -> (CurveClient, CurveServer, Transcript) {
    let mut p = new_pair(k);
    let mut enc = Encoder::new();
    let (hello, welcome, initiate, step) = up_to_zap(&mut p, &mut enc);
    assert_eq!(hello.len(), 200);
    assert_eq!(welcome.len(), 168);
    assert!(initiate.len() >= 257);
    let Step::Zap(req) = step else {
        panic!("no ZAP request: {step:?}");
    };
    assert_eq!(req.mechanism, "CURVE");
    assert_eq!(req.credentials, vec![k.client_public.to_vec()]);
    assert_eq!(req.identity, b"rid");
    let Ok(Step::Done(peer)) = p.server.on_zap(ZapAnswer::NoHandler, &mut enc) else {
        panic!("server not done");
    };
    assert_eq!(peer.socket_type, DEALER);
    assert_eq!(peer.metadata.get("x-meta"), Some(&b"value"[..]));
    let ready = one(&mut enc);
    let Ok(Step::Done(info)) = p.client.on_command(parse(&ready), &mut enc) else {
        panic!("client not done");
    };
    assert_eq!(info.socket_type, ROUTER);
    assert!(enc.take_all().is_empty());
    (
        p.client,
        p.server,
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
    assert!(c.wraps_frames() && s.wraps_frames());
    assert_eq!(c.frame_overhead(), 33);
    let big = vec![7u8; 100_000];
    for (flags, body) in [
        (0, &b""[..]),
        (MORE, &b"hello"[..]),
        (COMMAND, &b"\x04PING\x00\x10ctx"[..]),
        (0, &big[..]),
    ] {
        let wire = enc(&mut c, flags, &[body]);
        assert_eq!(wire.len(), MIN_MESSAGE + body.len());
        assert_eq!(&wire[..8], b"\x07MESSAGE");
        assert_eq!(s.decode(&wire), Ok((flags, body.to_vec())));
        let half = body.len() / 2;
        let back = enc(&mut s, flags, &[&body[..half], &body[half..]]);
        assert_eq!(c.decode(&back), Ok((flags, body.to_vec())));
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
    let m1 = enc(&mut c, 0, &[b"one"]);
    let m2 = enc(&mut c, 0, &[b"two"]);
    assert_eq!(&m1[8..16], &3u64.to_be_bytes());
    assert_eq!(&enc(&mut s, 0, &[b"x"])[8..16], &2u64.to_be_bytes());
    // Out of order: m2 first, then m1 is stale.
    assert_eq!(s.decode(&m2).unwrap().1, b"two");
    assert_eq!(s.decode(&m1), Err(Error::InvalidSequence));
    assert_eq!(s.decode(&m2), Err(Error::InvalidSequence));
    // A tampered box fails and does not advance the sequence.
    let m3 = enc(&mut c, 0, &[b"three"]);
    let mut bad = m3.clone();
    *bad.last_mut().unwrap() ^= 1;
    assert_eq!(s.decode(&bad), Err(Error::Cryptographic));
    assert_eq!(s.decode(&m3).unwrap().1, b"three");
    // A client's box is not accepted back by the client (direction prefix).
    let m4 = enc(&mut c, 0, &[b"four"]);
    assert_eq!(c.decode(&m4), Err(Error::Cryptographic));
}

#[test]
fn message_shapes() {
    let k = keys();
    let (mut c, mut s, _) = handshake(&k);
    let m = enc(&mut c, 0, &[b""]);
    assert_eq!(
        s.decode(&m[..m.len() - 1]),
        Err(Error::MalformedCommand { command: "MESSAGE" })
    );
    assert_eq!(s.decode(b"\x07MESSAG"), Err(Error::UnexpectedCommand));
    assert_eq!(s.decode(b"\x05READY123"), Err(Error::UnexpectedCommand));
    assert_eq!(s.decode(b""), Err(Error::UnexpectedCommand));
    // Nonce 0 is never valid.
    let mut zero = m.clone();
    zero[8..16].fill(0);
    assert_eq!(s.decode(&zero), Err(Error::InvalidSequence));
    // Frame flags map to libzmq's inner flags (MORE 1, COMMAND 2) and back;
    // other bits are dropped.
    let m = enc(&mut c, 0xFF, &[b"x"]);
    assert_eq!(s.decode(&m).unwrap().0, MORE | COMMAND);
    // No traffic before the handshake.
    let mut fresh = client(&k.client, DEALER);
    assert_eq!(
        fresh.encode(0, &[b"x"], &mut Vec::new()),
        Err(Error::NotReady)
    );
    assert_eq!(fresh.decode(&m), Err(Error::UnexpectedCommand));
}

#[test]
fn every_tampered_handshake_byte_fails() {
    let k = keys();
    let mut enc = Encoder::new();
    // HELLO: every byte after the name except the (unchecked) padding.
    let mut p = new_pair(&k);
    p.client.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    for i in (6..hello.len()).filter(|i| !(8..80).contains(i)) {
        let mut s = server(&k.server, ROUTER);
        let mut bad = hello.clone();
        bad[i] ^= 0x01;
        assert!(
            s.on_command(parse(&bad), &mut enc).is_err(),
            "HELLO byte {i}"
        );
    }
    assert!(enc.take_all().is_empty());

    // WELCOME: every byte after the name.
    let t = handshake(&k).2;
    for i in 8..t.welcome.len() {
        let mut p = new_pair(&k);
        p.client.start(&mut enc).unwrap();
        let mut bad = t.welcome.clone();
        bad[i] ^= 0x80;
        let e = p.client.on_command(parse(&bad), &mut enc);
        assert_eq!(e, Err(Error::Cryptographic), "WELCOME byte {i}");
    }
    let _ = enc.take_all();

    // INITIATE: each try gets a server fed the same HELLO (a server's
    // cookie key is gone after one INITIATE).
    let mut p = new_pair(&k);
    p.client.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    p.server.on_command(parse(&hello), &mut enc).unwrap();
    let welcome = one(&mut enc);
    p.client.on_command(parse(&welcome), &mut enc).unwrap();
    let initiate = one(&mut enc);
    for i in 9..initiate.len() {
        let mut bad = initiate.clone();
        bad[i] ^= 0x01;
        let mut s = server(&k.server, ROUTER);
        let mut e2 = Encoder::new();
        s.on_command(parse(&hello), &mut e2).unwrap();
        assert!(
            s.on_command(parse(&bad), &mut e2).is_err(),
            "INITIATE byte {i}"
        );
    }
    // The real server: INITIATE opens, then READY tampered anywhere fails.
    assert!(matches!(
        p.server.on_command(parse(&initiate), &mut enc),
        Ok(Step::Zap(_))
    ));
    p.server.on_zap(ZapAnswer::NoHandler, &mut enc).unwrap();
    let ready = one(&mut enc);
    for i in 6..ready.len() {
        let mut bad = ready.clone();
        bad[i] ^= 0x01;
        // A fresh client has no session: any READY is out of place.
        let mut c = client(&k.client, DEALER);
        assert!(c.on_command(parse(&bad), &mut enc).is_err());
    }
    let mut bad = ready.clone();
    bad[20] ^= 0x01;
    assert_eq!(
        p.client.on_command(parse(&bad), &mut enc),
        Err(Error::Cryptographic)
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
    a.server.on_command(parse(&hello), &mut enc).unwrap();
    b.server.on_command(parse(&hello), &mut enc).unwrap();
    let welcome_a = commands(&mut enc).remove(0);
    a.client.on_command(parse(&welcome_a), &mut enc).unwrap();
    let initiate = one(&mut enc);
    // Server b saw the same HELLO but made its own cookie key and S'.
    assert_eq!(
        b.server.on_command(parse(&initiate), &mut enc),
        Err(Error::Cryptographic)
    );
    // The cookie key is gone after one INITIATE: a replay fails.
    assert!(a.server.on_command(parse(&initiate), &mut enc).is_ok());
    assert!(a.server.on_command(parse(&initiate), &mut enc).is_err());
}

#[test]
fn wrong_server_key_fails_at_hello() {
    let k = keys();
    let other = keys();
    let mut client_sec = k.client.clone();
    client_sec.curve.server_key = other.server_public;
    let mut c = client(&client_sec, REQ);
    let mut s = server(&k.server, REP);
    let mut enc = Encoder::new();
    c.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    assert_eq!(
        s.on_command(parse(&hello), &mut enc),
        Err(Error::Cryptographic)
    );
    assert!(enc.take_all().is_empty());
    // A HELLO that does not open costs no short-term key pair.
    assert!(!s.has_short_keys());
    let mut good = server(&k.server, REP);
    let mut c = client(&k.client, REQ);
    c.start(&mut enc).unwrap();
    good.on_command(parse(&one(&mut enc)), &mut enc).unwrap();
    assert!(good.has_short_keys());
}

/// A hand-made client, to send what a real one never would.
struct Manual {
    cfg: CurveKeys,
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
        let mut inner = self.cfg.public_key.to_vec();
        inner.extend_from_slice(&[5; 16]);
        seal_into(
            &long_key_box(&server_short, &self.cfg.secret_key),
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
        cfg: k.client.curve.clone(),
        eph: Ephemeral::generate().unwrap(),
    };
    let other_eph = Ephemeral::generate().unwrap().public;
    let mut bad_short = m.vouch(k.server_public);
    bad_short[..32].copy_from_slice(&other_eph);
    let cases: [([u8; 64], u64, Option<Error>); 5] = [
        (m.vouch(k.server_public), 2, None),
        (m.vouch([9; 32]), 2, Some(Error::KeyExchange)),
        (bad_short, 2, Some(Error::KeyExchange)),
        (m.vouch(k.server_public), 1, Some(Error::InvalidSequence)),
        (m.vouch(k.server_public), 0, Some(Error::InvalidSequence)),
    ];
    for (vouch, nonce, want) in cases {
        let mut s = server(&k.server, REP);
        let mut enc = Encoder::new();
        s.on_command(parse(&m.hello(1)), &mut enc).unwrap();
        let welcome = one(&mut enc);
        let initiate = m.initiate(&welcome, vouch, nonce);
        let got = s.on_command(parse(&initiate), &mut enc).err();
        assert_eq!(got, want, "nonce {nonce}");
    }
    // HELLO may start at 0 (libzmq's test client does); INITIATE must
    // still go above it.
    let mut s = server(&k.server, REP);
    let mut enc = Encoder::new();
    s.on_command(parse(&m.hello(0)), &mut enc).unwrap();
    let welcome = one(&mut enc);
    let initiate = m.initiate(&welcome, m.vouch(k.server_public), 0);
    assert_eq!(
        s.on_command(parse(&initiate), &mut enc).err(),
        Some(Error::InvalidSequence)
    );
    let mut s = server(&k.server, REP);
    s.on_command(parse(&m.hello(0)), &mut enc).unwrap();
    let welcome = one(&mut enc);
    let initiate = m.initiate(&welcome, m.vouch(k.server_public), 1);
    assert!(s.on_command(parse(&initiate), &mut enc).is_ok());
}

#[test]
fn out_of_order_and_wrong_sizes() {
    let k = keys();
    let mut p = new_pair(&k);
    let mut enc = Encoder::new();
    p.client.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    // Sizes off by one.
    let long = [&hello[..], &[0][..]].concat();
    for bad in [&hello[..199], &long[..]] {
        let mut s = server(&k.server, ROUTER);
        assert_eq!(
            s.on_command(parse(bad), &mut enc),
            Err(Error::MalformedCommand { command: "HELLO" })
        );
    }
    let mut v2 = hello.clone();
    v2[6] = 2;
    let mut s = server(&k.server, ROUTER);
    assert_eq!(
        s.on_command(parse(&v2), &mut enc),
        Err(Error::MalformedCommand { command: "HELLO" })
    );
    // Commands out of place.
    let mut s = server(&k.server, ROUTER);
    assert_eq!(
        s.on_command(parse(b"\x05READY"), &mut enc),
        Err(Error::UnexpectedCommand)
    );
    assert_eq!(
        s.on_zap(ZapAnswer::NoHandler, &mut enc),
        Err(Error::UnexpectedZapReply)
    );
    let mut c = client(&k.client, DEALER);
    assert_eq!(
        c.on_command(parse(b"\x07WELCOME"), &mut enc),
        Err(Error::UnexpectedCommand)
    );
    p.server.on_command(parse(&hello), &mut enc).unwrap();
    let welcome = one(&mut enc);
    assert_eq!(
        p.server.on_command(parse(&hello), &mut enc),
        Err(Error::UnexpectedCommand)
    );
    let mut c = client(&k.client, DEALER);
    c.start(&mut enc).unwrap();
    let _ = enc.take_all();
    assert_eq!(
        c.on_command(parse(&welcome[..167]), &mut enc),
        Err(Error::MalformedCommand { command: "WELCOME" })
    );
    assert_eq!(
        c.on_command(parse(b"\x05READY"), &mut enc),
        Err(Error::UnexpectedCommand)
    );
    p.client.on_command(parse(&welcome), &mut enc).unwrap();
    let initiate = one(&mut enc);
    assert_eq!(
        p.client.on_command(parse(b"\x05READY12345678"), &mut enc),
        Err(Error::MalformedCommand { command: "READY" })
    );
    let mut s = server(&k.server, ROUTER);
    s.on_command(parse(&hello), &mut enc).unwrap();
    assert_eq!(
        s.on_command(parse(&initiate[..256]), &mut enc),
        Err(Error::MalformedCommand {
            command: "INITIATE"
        })
    );
}

#[test]
fn zap_verdicts() {
    let k = keys();
    let reply = |status: &[u8]| {
        let mut meta = Vec::new();
        write_property(&mut meta, b"X-Zap", b"yes");
        let parts: [&[u8]; 7] = [b"", b"1.0", b"1", status, b"", b"alice", &meta];
        let frames: Vec<crate::msg::Msg> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut m = crate::msg::Msg::from_slice(p);
                m.set_more(i < 6);
                m
            })
            .collect();
        ZapAnswer::Reply(crate::zmtp::mechanism::zap::parse_reply(&frames).unwrap())
    };
    // 200: READY, with the reply's User-Id and metadata on the peer.
    let mut p = new_pair(&k);
    let mut e = Encoder::new();
    up_to_zap(&mut p, &mut e);
    let Ok(Step::Done(peer)) = p.server.on_zap(reply(b"200"), &mut e) else {
        panic!("not accepted");
    };
    assert_eq!(peer.zap_metadata.get("User-Id"), Some(&b"alice"[..]));
    assert_eq!(peer.zap_metadata.get("X-Zap"), Some(&b"yes"[..]));
    let ready = one(&mut e);
    assert!(matches!(
        p.client.on_command(parse(&ready), &mut e),
        Ok(Step::Done(_))
    ));
    // 400: ERROR "400" to the client, which reports it.
    let mut p = new_pair(&k);
    up_to_zap(&mut p, &mut e);
    assert_eq!(
        p.server.on_zap(reply(b"400"), &mut e),
        Err(Error::AuthFailed(400))
    );
    let err = one(&mut e);
    let got = p.client.on_command(parse(&err), &mut e);
    assert_eq!(got, Err(Error::PeerError("400".into())));
    assert_eq!(got.unwrap_err().auth_status_code(), Some(400));
    // 300: no ERROR.
    let mut p = new_pair(&k);
    up_to_zap(&mut p, &mut e);
    assert_eq!(
        p.server.on_zap(reply(b"300"), &mut e),
        Err(Error::AuthFailed(300))
    );
    assert!(e.take_all().is_empty());
    // ZAP_ENFORCE_DOMAIN: with a domain and no handler, fail; with no
    // domain, ZAP is not asked at all.
    let mut enforced = k.server.clone();
    enforced.zap_enforce_domain = true;
    enforced.zap_domain = b"dom".to_vec();
    let mut p = new_pair(&k);
    p.server = server(&enforced, ROUTER);
    let (.., step) = up_to_zap(&mut p, &mut e);
    let Step::Zap(req) = step else {
        panic!("no ZAP request");
    };
    assert_eq!(req.domain, b"dom");
    assert_eq!(
        p.server.on_zap(ZapAnswer::NoHandler, &mut e),
        Err(Error::ZapUnavailable)
    );
    enforced.zap_domain.clear();
    let mut p = new_pair(&k);
    p.server = server(&enforced, ROUTER);
    let (.., step) = up_to_zap(&mut p, &mut e);
    assert!(matches!(step, Step::Done(_)));
    assert_eq!(&one(&mut e)[..6], b"\x05READY");
}

#[test]
fn socket_type_mismatch_sends_error() {
    let k = keys();
    let mut p = Pair {
        client: client(&k.client, PUSH),
        server: server(&k.server, REP),
    };
    let mut enc = Encoder::new();
    p.client.start(&mut enc).unwrap();
    let hello = one(&mut enc);
    p.server.on_command(parse(&hello), &mut enc).unwrap();
    let welcome = one(&mut enc);
    p.client.on_command(parse(&welcome), &mut enc).unwrap();
    let initiate = one(&mut enc);
    assert_eq!(
        p.server.on_command(parse(&initiate), &mut enc),
        Err(Error::SocketTypeMismatch)
    );
    assert_eq!(&one(&mut enc)[..6], b"\x05ERROR");
}

#[test]
fn failed_setup_fails_the_handshake() {
    let mut f = Failed(Error::Cryptographic);
    let mut enc = Encoder::new();
    assert_eq!(f.start(&mut enc), Err(Error::Cryptographic));
    assert_eq!(
        f.on_command(parse(b"\x05HELLO"), &mut enc),
        Err(Error::Cryptographic)
    );
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
