//! A SOCKS5 client (RFC 1928, with RFC 1929 username/password) as a
//! sans-I/O state machine: the caller writes `output()`, reads at most
//! `wants()` bytes and hands them to `feed()`, until `is_done()`. It asks
//! for exactly the bytes of the reply it is reading, so the first bytes the
//! far end sends through the tunnel stay in the socket for the ZMTP engine.
//! Every reply has a fixed or one-byte-bounded size (at most 262 bytes), so
//! a hostile proxy can neither make it allocate nor hold it in a loop;
//! anything but the expected reply is an error. Time limits are the
//! caller's (the session's handshake interval covers the negotiation).
//!
//! Like libzmq the greeting offers one method: no authentication, or
//! username/password when a username is set. A proxy that picks a method
//! we did not offer is refused (libzmq would go along).
//!
//! Thread: owned by one session on an I/O thread.
#![forbid(unsafe_code)]

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

const VERSION: u8 = 5;
const AUTH_VERSION: u8 = 1;
const NO_AUTH: u8 = 0;
const USER_PASS: u8 = 2;
const NO_ACCEPTABLE: u8 = 0xff;
const CONNECT: u8 = 1;
const ATYP_V4: u8 = 1;
const ATYP_DOMAIN: u8 = 3;
const ATYP_V6: u8 = 4;

/// Where the proxy should connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    /// A name the proxy resolves (1..=255 bytes).
    Domain(String),
}

impl Target {
    /// A host as written in an endpoint: a numeric address when it is one
    /// (brackets around IPv6 allowed), else a name for the proxy.
    pub fn from_host(host: &str) -> Target {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(v4) = bare.parse::<Ipv4Addr>() {
            Target::V4(v4)
        } else if let Ok(v6) = bare.parse::<Ipv6Addr>() {
            Target::V6(v6)
        } else {
            Target::Domain(host.to_owned())
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The request cannot be encoded (empty or over-long name or
    /// credentials, port 0).
    BadRequest,
    /// A reply's version byte, reserved byte or address type is wrong.
    Malformed,
    /// The proxy accepts none of the offered methods.
    NoAcceptableMethod,
    /// The proxy chose a method that was not offered.
    UnexpectedMethod(u8),
    /// Username/password refused (the RFC 1929 status).
    AuthFailed(u8),
    /// The CONNECT was refused (the RFC 1928 reply code).
    ConnectFailed(u8),
    /// Bytes arrived that nobody asked for.
    Unexpected,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadRequest => write!(f, "SOCKS5 request cannot be encoded"),
            Error::Malformed => write!(f, "malformed SOCKS5 reply"),
            Error::NoAcceptableMethod => write!(f, "SOCKS5 proxy accepts no offered method"),
            Error::UnexpectedMethod(m) => write!(f, "SOCKS5 proxy chose unoffered method {m}"),
            Error::AuthFailed(s) => write!(f, "SOCKS5 authentication failed ({s})"),
            Error::ConnectFailed(r) => write!(f, "SOCKS5 connect failed (reply {r})"),
            Error::Unexpected => write!(f, "unexpected bytes from SOCKS5 proxy"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Greeting sent (or being sent); reading [VER, METHOD].
    Choice,
    /// Credentials sent; reading [VER, STATUS].
    AuthReply,
    /// CONNECT sent; reading [VER, REP, RSV, ATYP, first address byte].
    ReplyHead,
    /// Reading the rest of the bound address and port.
    ReplyTail,
    Done,
    Failed,
}

/// One negotiation with a proxy.
#[derive(Debug)]
pub struct Client {
    state: State,
    /// Bytes to send, and how many of them went out.
    out: Vec<u8>,
    sent: usize,
    /// The reply being read (never more than 262 bytes).
    reply: [u8; 262],
    have: usize,
    need: usize,
    request: Vec<u8>,
    auth: Option<Vec<u8>>,
}

impl Client {
    /// Starts a negotiation: the greeting is ready in `output()`. A
    /// username (1..=255 bytes) selects username/password authentication;
    /// `None` or an empty one, none.
    pub fn new(
        target: &Target,
        port: u16,
        credentials: Option<(&[u8], &[u8])>,
    ) -> Result<Client, Error> {
        if port == 0 {
            return Err(Error::BadRequest);
        }
        let mut request = vec![VERSION, CONNECT, 0];
        match target {
            Target::V4(a) => {
                request.push(ATYP_V4);
                request.extend_from_slice(&a.octets());
            }
            Target::V6(a) => {
                request.push(ATYP_V6);
                request.extend_from_slice(&a.octets());
            }
            Target::Domain(name) => {
                let len = u8::try_from(name.len()).map_err(|_| Error::BadRequest)?;
                if len == 0 {
                    return Err(Error::BadRequest);
                }
                request.push(ATYP_DOMAIN);
                request.push(len);
                request.extend_from_slice(name.as_bytes());
            }
        }
        request.extend_from_slice(&port.to_be_bytes());
        let auth = match credentials {
            Some((user, pass)) if !user.is_empty() => {
                let ulen = u8::try_from(user.len()).map_err(|_| Error::BadRequest)?;
                let plen = u8::try_from(pass.len()).map_err(|_| Error::BadRequest)?;
                let mut a = vec![AUTH_VERSION, ulen];
                a.extend_from_slice(user);
                a.push(plen);
                a.extend_from_slice(pass);
                Some(a)
            }
            _ => None,
        };
        let method = if auth.is_some() { USER_PASS } else { NO_AUTH };
        Ok(Client {
            state: State::Choice,
            out: vec![VERSION, 1, method],
            sent: 0,
            reply: [0; 262],
            have: 0,
            need: 2,
            request,
            auth,
        })
    }

    /// Bytes waiting to be written.
    pub fn output(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    /// `n` bytes of `output()` were written.
    pub fn consumed(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.out.len());
    }

    /// How many bytes to read next (0 while there is output to write,
    /// once done, or after an error).
    pub fn wants(&self) -> usize {
        match self.state {
            State::Done | State::Failed => 0,
            _ if !self.output().is_empty() => 0,
            _ => self.need - self.have,
        }
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Takes bytes read from the proxy (at most `wants()` of them).
    pub fn feed(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.len() > self.wants() {
            self.state = State::Failed;
            return Err(Error::Unexpected);
        }
        self.reply[self.have..self.have + data.len()].copy_from_slice(data);
        self.have += data.len();
        if self.have < self.need {
            return Ok(());
        }
        let r = self.reply_complete();
        if r.is_err() {
            self.state = State::Failed;
        }
        r
    }

    fn send(&mut self, bytes: Vec<u8>, next: State, need: usize) {
        self.out = bytes;
        self.sent = 0;
        self.state = next;
        self.have = 0;
        self.need = need;
    }

    fn reply_complete(&mut self) -> Result<(), Error> {
        let r = &self.reply[..self.have];
        match self.state {
            State::Choice => {
                if r[0] != VERSION {
                    return Err(Error::Malformed);
                }
                let offered = if self.auth.is_some() {
                    USER_PASS
                } else {
                    NO_AUTH
                };
                match r[1] {
                    NO_ACCEPTABLE => Err(Error::NoAcceptableMethod),
                    m if m != offered => Err(Error::UnexpectedMethod(m)),
                    _ => {
                        match self.auth.take() {
                            Some(a) => self.send(a, State::AuthReply, 2),
                            None => {
                                let req = std::mem::take(&mut self.request);
                                self.send(req, State::ReplyHead, 5);
                            }
                        }
                        Ok(())
                    }
                }
            }
            State::AuthReply => {
                if r[0] != AUTH_VERSION {
                    return Err(Error::Malformed);
                }
                if r[1] != 0 {
                    return Err(Error::AuthFailed(r[1]));
                }
                let req = std::mem::take(&mut self.request);
                self.send(req, State::ReplyHead, 5);
                Ok(())
            }
            State::ReplyHead => {
                if r[0] != VERSION || r[2] != 0 {
                    return Err(Error::Malformed);
                }
                if r[1] != 0 {
                    return Err(Error::ConnectFailed(r[1]));
                }
                // Header (4) + address + port (2); one address byte is in.
                let total = match r[3] {
                    ATYP_V4 => 4 + 4 + 2,
                    ATYP_V6 => 4 + 16 + 2,
                    ATYP_DOMAIN => 4 + 1 + usize::from(r[4]) + 2,
                    _ => return Err(Error::Malformed),
                };
                self.state = State::ReplyTail;
                self.need = total;
                Ok(())
            }
            State::ReplyTail => {
                self.state = State::Done;
                Ok(())
            }
            State::Done | State::Failed => Err(Error::Unexpected),
        }
    }
}

/// Fuzzing body (fuzz/fuzz_targets/socks5_client.rs and the unit tests):
/// byte 0 picks the target kind, auth and the read chunk size; the rest is
/// what the proxy sends. Checks that the client never asks for more than a
/// reply's bounded size, never takes more than it asked for, and either
/// finishes having read at most one reply per step or fails cleanly.
#[doc(hidden)]
pub fn fuzz_replies(data: &[u8]) {
    let Some((&ctl, mut input)) = data.split_first() else {
        return;
    };
    let target = match ctl & 3 {
        0 => Target::V4(Ipv4Addr::LOCALHOST),
        1 => Target::V6(Ipv6Addr::LOCALHOST),
        _ => Target::Domain("example.org".into()),
    };
    let creds = (ctl & 4 != 0).then_some((b"user".as_slice(), b"pass".as_slice()));
    let chunk = usize::from(ctl >> 3) + 1;
    let Ok(mut c) = Client::new(&target, 1, creds) else {
        return;
    };
    let mut taken = 0usize;
    for _ in 0..10_000 {
        let n = c.output().len();
        c.consumed(n);
        let want = c.wants();
        assert!(want <= 262, "asked for {want} bytes");
        if want == 0 || input.is_empty() {
            break;
        }
        let n = want.min(chunk).min(input.len());
        let (piece, rest) = input.split_at(n);
        input = rest;
        taken += n;
        if c.feed(piece).is_err() {
            assert_eq!(c.wants(), 0);
            break;
        }
    }
    // Choice (2) + auth reply (2) + the longest CONNECT reply (262).
    assert!(taken <= 266);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a client against scripted proxy replies, fed in pieces of
    /// `chunk` bytes; returns what the client sent and how it ended.
    fn run(mut c: Client, replies: &[&[u8]], chunk: usize) -> (Vec<u8>, Result<(), Error>) {
        let mut sent = Vec::new();
        let mut input: Vec<u8> = replies.concat();
        for _ in 0..1000 {
            let out = c.output().to_vec();
            if !out.is_empty() {
                sent.extend_from_slice(&out);
                c.consumed(out.len());
                continue;
            }
            if c.is_done() {
                return (sent, Ok(()));
            }
            let n = c.wants().min(chunk).min(input.len());
            if n == 0 {
                return (sent, Err(Error::Unexpected));
            }
            let piece: Vec<u8> = input.drain(..n).collect();
            if let Err(e) = c.feed(&piece) {
                return (sent, Err(e));
            }
        }
        panic!("no progress");
    }

    fn v4() -> Target {
        Target::V4(Ipv4Addr::new(127, 0, 0, 1))
    }

    #[test]
    fn no_auth_connect_by_address_whole_or_byte_by_byte() {
        for chunk in [1, 3, 300] {
            let c = Client::new(&v4(), 5555, None).unwrap();
            let (sent, r) = run(c, &[&[5, 0], &[5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90]], chunk);
            assert_eq!(r, Ok(()));
            assert_eq!(sent, [5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0x15, 0xb3]);
        }
    }

    #[test]
    fn user_password_then_domain_reply() {
        let c = Client::new(
            &Target::from_host("example.org"),
            80,
            Some((b"user", b"pw")),
        )
        .unwrap();
        let (sent, r) = run(
            c,
            &[&[5, 2], &[1, 0], &[5, 0, 0, 3, 3, b'a', b'b', b'c', 0, 80]],
            2,
        );
        assert_eq!(r, Ok(()));
        let mut want = vec![5, 1, 2, 1, 4, b'u', b's', b'e', b'r', 2, b'p', b'w'];
        want.extend_from_slice(&[5, 1, 0, 3, 11]);
        want.extend_from_slice(b"example.org");
        want.extend_from_slice(&[0, 80]);
        assert_eq!(sent, want);
    }

    #[test]
    fn ipv6_targets_and_replies() {
        let t = Target::from_host("[::1]");
        assert_eq!(t, Target::V6(Ipv6Addr::LOCALHOST));
        assert_eq!(Target::from_host("::1"), t);
        let c = Client::new(&t, 1, None).unwrap();
        let mut reply = vec![5, 0, 0, 4];
        reply.extend_from_slice(&[0; 18]);
        let (sent, r) = run(c, &[&[5, 0], &reply], 7);
        assert_eq!(r, Ok(()));
        assert_eq!(sent[6], 4);
        assert_eq!(sent.len(), 3 + 4 + 16 + 2);
    }

    #[test]
    fn stops_reading_at_the_end_of_the_reply() {
        let mut c = Client::new(&v4(), 9, None).unwrap();
        c.consumed(3);
        c.feed(&[5, 0]).unwrap();
        let n = c.output().len();
        c.consumed(n);
        assert_eq!(c.wants(), 5);
        c.feed(&[5, 0, 0, 1, 1]).unwrap();
        assert_eq!(c.wants(), 5);
        c.feed(&[2, 3, 4, 0, 1]).unwrap();
        assert!(c.is_done());
        assert_eq!(c.wants(), 0);
        // ZMTP bytes that follow are not the client's to take.
        assert_eq!(c.feed(&[0xff]), Err(Error::Unexpected));
    }

    #[test]
    fn hostile_replies_are_rejected() {
        let cases: Vec<(Vec<&[u8]>, Error)> = vec![
            (vec![&[4, 0]], Error::Malformed),
            (vec![&[5, 0xff]], Error::NoAcceptableMethod),
            (vec![&[5, 2]], Error::UnexpectedMethod(2)),
            (vec![&[5, 0], &[4, 0, 0, 1, 0]], Error::Malformed),
            (vec![&[5, 0], &[5, 0, 1, 1, 0]], Error::Malformed),
            (vec![&[5, 0], &[5, 0, 0, 9, 0]], Error::Malformed),
            (vec![&[5, 0], &[5, 5, 0, 1, 0]], Error::ConnectFailed(5)),
            (
                vec![&[5, 0], &[5, 0xff, 0, 1, 0]],
                Error::ConnectFailed(0xff),
            ),
        ];
        for (replies, want) in cases {
            let c = Client::new(&v4(), 9, None).unwrap();
            assert_eq!(run(c, &replies, 1).1, Err(want.clone()), "{replies:?}");
        }
        let auth = || Client::new(&v4(), 9, Some((b"u".as_slice(), b"".as_slice()))).unwrap();
        assert_eq!(
            run(auth(), &[&[5, 0]], 2).1,
            Err(Error::UnexpectedMethod(0))
        );
        assert_eq!(
            run(auth(), &[&[5, 2], &[1, 1]], 2).1,
            Err(Error::AuthFailed(1))
        );
        assert_eq!(run(auth(), &[&[5, 2], &[5, 0]], 2).1, Err(Error::Malformed));
    }

    #[test]
    fn a_longest_domain_reply_fits_and_more_is_refused() {
        let c = Client::new(&v4(), 9, None).unwrap();
        let mut reply = vec![5, 0, 0, 3, 255];
        reply.extend_from_slice(&[b'x'; 255]);
        reply.extend_from_slice(&[0, 1]);
        assert_eq!(run(c, &[&[5, 0], &reply], 64).1, Ok(()));
        let mut c = Client::new(&v4(), 9, None).unwrap();
        c.consumed(3);
        assert_eq!(c.feed(&[5, 0, 5]), Err(Error::Unexpected));
        assert_eq!(c.wants(), 0);
    }

    #[test]
    fn random_replies_never_overread() {
        // xorshift: deterministic pseudo-random proxy replies, biased
        // towards valid prefixes so the later states are reached too.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..5000 {
            let len = (next() % 300) as usize;
            let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let valid: &[u8] = &[0, 5, 0, 5, 0, 0, 1, 1, 2, 3, 4, 0, 80];
            let keep = (next() % valid.len() as u64) as usize;
            for (i, b) in valid[..keep].iter().enumerate() {
                if i < data.len() {
                    data[i] = *b;
                }
            }
            fuzz_replies(&data);
        }
    }

    #[test]
    fn bad_requests_are_refused_up_front() {
        assert!(Client::new(&v4(), 0, None).is_err());
        assert!(Client::new(&Target::Domain(String::new()), 1, None).is_err());
        assert!(Client::new(&Target::Domain("x".repeat(256)), 1, None).is_err());
        let long = vec![b'u'; 256];
        assert!(Client::new(&v4(), 1, Some((&long, b""))).is_err());
        // An empty username means no authentication.
        let c = Client::new(&v4(), 1, Some((b"", b"pw"))).unwrap();
        assert_eq!(c.output(), [5, 1, 0]);
    }
}
