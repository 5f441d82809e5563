//! ZAP (RFC 27) messages as they travel between a connection's server side
//! and the handler bound at inproc://zeromq.zap.01: building the request,
//! checking the reply, and what its status means. Pure data; the engine
//! moves the frames (I/O thread).

use super::{send_error, MAX_PROPERTIES};
use crate::msg::{Metadata, Msg};
use crate::zmtp::command::Properties;
use crate::zmtp::encoder::Encoder;
use crate::zmtp::error::{protocol_error, Error};

/// The ZAP version we speak.
pub const VERSION: &[u8] = b"1.0";
/// libzmq has one request in flight per connection and always uses "1".
pub const REQUEST_ID: &[u8] = b"1";
/// Frames in a reply, the empty delimiter included.
pub const REPLY_FRAMES: usize = 7;

/// One ZAP request. `frames()` gives it as sent.
#[derive(Clone, PartialEq, Eq)]
pub struct ZapRequest {
    /// ZMQ_ZAP_DOMAIN.
    pub domain: Vec<u8>,
    /// The peer's address (the IP without the port for tcp, as libzmq).
    /// Left empty by the mechanism: the engine knows it.
    pub address: Vec<u8>,
    /// Our own ZMQ_ROUTING_ID (what libzmq sends as the identity).
    pub identity: Vec<u8>,
    /// "NULL", "PLAIN", "CURVE".
    pub mechanism: &'static str,
    /// NULL: none; PLAIN: username, password; CURVE: the client's long-term
    /// public key (32 bytes).
    pub credentials: Vec<Vec<u8>>,
}

// Credentials (a PLAIN password) stay out of logs.
impl std::fmt::Debug for ZapRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZapRequest")
            .field("domain", &String::from_utf8_lossy(&self.domain))
            .field("address", &String::from_utf8_lossy(&self.address))
            .field("mechanism", &self.mechanism)
            .field("credentials", &self.credentials.len())
            .finish_non_exhaustive()
    }
}

impl ZapRequest {
    pub fn new(
        mechanism: &'static str,
        domain: &[u8],
        identity: &[u8],
        credentials: Vec<Vec<u8>>,
    ) -> ZapRequest {
        ZapRequest {
            domain: domain.to_vec(),
            address: Vec::new(),
            identity: identity.to_vec(),
            mechanism,
            credentials,
        }
    }

    /// The message for the handler, one entry per frame: an empty delimiter
    /// (the handler is a REP socket), then version, request id, domain,
    /// address, identity, mechanism, credentials.
    pub fn frames(&self) -> Vec<Vec<u8>> {
        let mut f = Vec::with_capacity(7 + self.credentials.len());
        f.push(Vec::new());
        f.push(VERSION.to_vec());
        f.push(REQUEST_ID.to_vec());
        f.push(self.domain.clone());
        f.push(self.address.clone());
        f.push(self.identity.clone());
        f.push(self.mechanism.as_bytes().to_vec());
        f.extend(self.credentials.iter().cloned());
        f
    }
}

/// A well-formed ZAP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapReply {
    /// 200, 300, 400 or 500.
    pub status: u32,
    pub status_text: Vec<u8>,
    pub user_id: Vec<u8>,
    /// The reply's metadata properties.
    pub metadata: Metadata,
}

impl ZapReply {
    /// What goes on every message from the peer: `User-Id` and the
    /// metadata properties (libzmq's ZAP properties).
    pub fn properties(&self) -> Metadata {
        let mut m = Metadata::new();
        m.set("User-Id", &self.user_id);
        for (k, v) in self.metadata.iter() {
            if m.get(k).is_none() {
                m.set(k, v);
            }
        }
        m
    }
}

fn bad(code: u32) -> Error {
    Error::ZapProtocol { code }
}

/// Checks a reply as libzmq does: exactly seven frames (MORE on all but the
/// last), an empty delimiter, version "1.0", request id "1", a status of
/// 200/300/400/500, and a well-formed metadata property list. `frames` is
/// what arrived, at most `REPLY_FRAMES` of them (the engine stops reading
/// there; a seventh frame with MORE is malformed here).
pub fn parse_reply(frames: &[Msg]) -> Result<ZapReply, Error> {
    use protocol_error::*;
    if frames.len() != REPLY_FRAMES
        || frames
            .iter()
            .enumerate()
            .any(|(i, f)| f.more() != (i + 1 < REPLY_FRAMES))
    {
        return Err(bad(ZAP_MALFORMED_REPLY));
    }
    if !frames[0].data().is_empty() {
        return Err(bad(ZAP_UNSPECIFIED));
    }
    if frames[1].data() != VERSION {
        return Err(bad(ZAP_BAD_VERSION));
    }
    if frames[2].data() != REQUEST_ID {
        return Err(bad(ZAP_BAD_REQUEST_ID));
    }
    let status = match frames[3].data() {
        [d @ b'2'..=b'5', b'0', b'0'] => u32::from(d - b'0') * 100,
        _ => return Err(bad(ZAP_INVALID_STATUS_CODE)),
    };
    let mut metadata = Metadata::new();
    for (i, prop) in Properties::new(frames[6].data(), "ZAP").enumerate() {
        let (name, value) = prop.map_err(|_| bad(ZAP_INVALID_METADATA))?;
        if i == MAX_PROPERTIES {
            return Err(bad(ZAP_INVALID_METADATA));
        }
        metadata.set(&String::from_utf8_lossy(name), value);
    }
    Ok(ZapReply {
        status,
        status_text: frames[4].data().to_vec(),
        user_id: frames[5].data().to_vec(),
        metadata,
    })
}

/// Applies a reply's status: 200 accepts; 300 (temporary) fails without an
/// ERROR command (RFC 27, libzmq); 400 and 500 queue ERROR with the status
/// code as its reason, then fail. Failures are `AuthFailed(status)`.
pub(crate) fn verdict(reply: &ZapReply, out: &mut Encoder) -> Result<(), Error> {
    verdict_with(reply, out, send_error)
}

/// As `verdict`, with the mechanism's way of sending ERROR.
pub(crate) fn verdict_with(
    reply: &ZapReply,
    out: &mut Encoder,
    send: fn(&mut Encoder, &str),
) -> Result<(), Error> {
    match reply.status {
        200 => Ok(()),
        300 => Err(Error::AuthFailed(300)),
        s => {
            send(out, &s.to_string());
            Err(Error::AuthFailed(s))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::command::write_property;

    pub(crate) fn reply(parts: &[&[u8]]) -> Vec<Msg> {
        let n = parts.len();
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut m = Msg::from_slice(p);
                m.set_more(i + 1 < n);
                m
            })
            .collect()
    }

    #[test]
    fn request_frames() {
        let mut r = ZapRequest::new(
            "PLAIN",
            b"dom",
            b"me",
            vec![b"admin".to_vec(), b"secret".to_vec()],
        );
        r.address = b"127.0.0.1".to_vec();
        let f = r.frames();
        let want: Vec<&[u8]> = vec![
            b"",
            b"1.0",
            b"1",
            b"dom",
            b"127.0.0.1",
            b"me",
            b"PLAIN",
            b"admin",
            b"secret",
        ];
        assert_eq!(f, want.iter().map(|p| p.to_vec()).collect::<Vec<_>>());
        assert!(!format!("{r:?}").contains("secret"));
    }

    #[test]
    fn replies() {
        use protocol_error::*;
        let mut meta = Vec::new();
        write_property(&mut meta, b"Hello", b"World");
        let ok = parse_reply(&reply(&[b"", b"1.0", b"1", b"200", b"OK", b"anon", &meta])).unwrap();
        assert_eq!(ok.status, 200);
        assert_eq!(ok.user_id, b"anon");
        let p = ok.properties();
        assert_eq!(p.get("User-Id"), Some(&b"anon"[..]));
        assert_eq!(p.get("hello"), Some(&b"World"[..]));

        let cases: Vec<(Vec<Msg>, u32)> = vec![
            (
                reply(&[b"", b"1.0", b"1", b"200", b"OK", b""]),
                ZAP_MALFORMED_REPLY,
            ),
            (
                reply(&[b"", b"1.0", b"1", b"200", b"OK", b"", b"", b""]),
                ZAP_MALFORMED_REPLY,
            ),
            (
                reply(&[b"x", b"1.0", b"1", b"200", b"OK", b"", b""]),
                ZAP_UNSPECIFIED,
            ),
            (
                reply(&[b"", b"2.0", b"1", b"200", b"OK", b"", b""]),
                ZAP_BAD_VERSION,
            ),
            (
                reply(&[b"", b"1.0", b"2", b"200", b"OK", b"", b""]),
                ZAP_BAD_REQUEST_ID,
            ),
            (
                reply(&[b"", b"1.0", b"1", b"201", b"OK", b"", b""]),
                ZAP_INVALID_STATUS_CODE,
            ),
            (
                reply(&[b"", b"1.0", b"1", b"600", b"OK", b"", b""]),
                ZAP_INVALID_STATUS_CODE,
            ),
            (
                reply(&[b"", b"1.0", b"1", b"200", b"OK", b"", b"\x05Hel"]),
                ZAP_INVALID_METADATA,
            ),
        ];
        for (frames, code) in cases {
            let frames = if frames.len() > REPLY_FRAMES {
                frames[..REPLY_FRAMES].to_vec()
            } else {
                frames
            };
            assert_eq!(parse_reply(&frames), Err(Error::ZapProtocol { code }));
        }
    }

    #[test]
    fn verdicts() {
        let mut enc = Encoder::new();
        let mut r = parse_reply(&reply(&[b"", b"1.0", b"1", b"200", b"", b"", b""])).unwrap();
        assert_eq!(verdict(&r, &mut enc), Ok(()));
        r.status = 300;
        assert_eq!(verdict(&r, &mut enc), Err(Error::AuthFailed(300)));
        assert!(enc.take_all().is_empty());
        r.status = 400;
        assert_eq!(verdict(&r, &mut enc), Err(Error::AuthFailed(400)));
        assert_eq!(enc.take_all(), b"\x04\x0a\x05ERROR\x03400");
    }
}
