//! ZMTP command bodies: `name-len(1) name data`, the property list of
//! READY (and later INITIATE), and the READY, ERROR, PING, PONG, SUBSCRIBE
//! and CANCEL payloads. Parsing follows the RFC grammar by length prefix;
//! nothing here allocates on a length the peer declared. Any thread.

use super::error::Error;

pub const READY: &[u8] = b"READY";
pub const ERROR: &[u8] = b"ERROR";
pub const PING: &[u8] = b"PING";
pub const PONG: &[u8] = b"PONG";
pub const SUBSCRIBE: &[u8] = b"SUBSCRIBE";
pub const CANCEL: &[u8] = b"CANCEL";

/// Longest PING context (RFC 37).
pub const PING_MAX_CONTEXT: usize = 16;
/// Longest ERROR reason.
pub const ERROR_MAX_REASON: usize = 255;
/// Longest property name.
pub const PROPERTY_MAX_NAME: usize = 255;
/// Longest property value (2^31 - 1).
pub const PROPERTY_MAX_VALUE: usize = i32::MAX as usize;

/// A command split into its name and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command<'a> {
    pub name: &'a [u8],
    pub data: &'a [u8],
}

fn malformed(command: &'static str) -> Error {
    Error::MalformedCommand { command }
}

/// How libzmq 4.3's PLAIN server spells ERROR: its C literal "\x05ERROR"
/// reads as 0x5E "RROR" (the hex escape takes the E), and its PLAIN client
/// expects exactly that.
pub const LIBZMQ_PLAIN_ERROR: &[u8] = b"\x5eRROR";

/// Splits a handshake command: as `parse`, and libzmq's PLAIN ERROR
/// (`LIBZMQ_PLAIN_ERROR` + reason) is read as ERROR.
pub fn parse_handshake(body: &[u8]) -> Result<Command<'_>, Error> {
    match body.strip_prefix(LIBZMQ_PLAIN_ERROR) {
        Some(data) => Ok(Command { name: ERROR, data }),
        None => parse(body),
    }
}

/// Splits a command frame body. The name must be 1..=255 bytes.
pub fn parse(body: &[u8]) -> Result<Command<'_>, Error> {
    let (&len, rest) = body.split_first().ok_or(malformed("command"))?;
    let len = usize::from(len);
    if len == 0 {
        return Err(malformed("command"));
    }
    let (name, data) = rest.split_at_checked(len).ok_or(malformed("command"))?;
    Ok(Command { name, data })
}

/// Iterates over a property list (`name-len(1) name value-len(4) value`)*.
/// Yields an error (labelled `command`) once if the list is truncated or a
/// name is empty, then stops.
pub struct Properties<'a> {
    rest: &'a [u8],
    command: &'static str,
}

impl<'a> Properties<'a> {
    pub fn new(data: &'a [u8], command: &'static str) -> Self {
        Properties {
            rest: data,
            command,
        }
    }
}

impl<'a> Iterator for Properties<'a> {
    type Item = Result<(&'a [u8], &'a [u8]), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let (&name_len, rest) = self.rest.split_first()?;
        let bad = || {
            Some(Err(Error::MalformedCommand {
                command: self.command,
            }))
        };
        let name_len = usize::from(name_len);
        if name_len == 0 {
            self.rest = &[];
            return bad();
        }
        let Some((name, rest)) = rest.split_at_checked(name_len) else {
            self.rest = &[];
            return bad();
        };
        let Some((len, rest)) = rest.split_first_chunk::<4>() else {
            self.rest = &[];
            return bad();
        };
        let value_len = u32::from_be_bytes(*len);
        let Some((value, rest)) = usize::try_from(value_len)
            .ok()
            .and_then(|n| rest.split_at_checked(n))
        else {
            self.rest = &[];
            return bad();
        };
        self.rest = rest;
        Some(Ok((name, value)))
    }
}

/// Whether a property can be encoded.
pub fn property_is_valid(name: &[u8], value: &[u8]) -> bool {
    !name.is_empty() && name.len() <= PROPERTY_MAX_NAME && value.len() <= PROPERTY_MAX_VALUE
}

/// Appends one property. Callers check [`property_is_valid`] first; an
/// invalid one is skipped rather than written truncated.
pub fn write_property(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    let (Ok(name_len), Ok(value_len)) = (u8::try_from(name.len()), u32::try_from(value.len()))
    else {
        return;
    };
    if !property_is_valid(name, value) {
        return;
    }
    out.push(name_len);
    out.extend_from_slice(name);
    out.extend_from_slice(&value_len.to_be_bytes());
    out.extend_from_slice(value);
}

/// A PING: TTL in deciseconds and a context of at most 16 bytes.
pub fn parse_ping(data: &[u8]) -> Result<(u16, &[u8]), Error> {
    let (ttl, context) = data.split_first_chunk::<2>().ok_or(malformed("PING"))?;
    if context.len() > PING_MAX_CONTEXT {
        return Err(malformed("PING"));
    }
    Ok((u16::from_be_bytes(*ttl), context))
}

/// A PING as libzmq takes it: TTL and the first 16 bytes of the context
/// (a longer context is cut, not refused). Still no PING without its TTL.
pub fn parse_ping_truncated(data: &[u8]) -> Result<(u16, &[u8]), Error> {
    let (ttl, context) = data.split_first_chunk::<2>().ok_or(malformed("PING"))?;
    let cut = context.len().min(PING_MAX_CONTEXT);
    Ok((u16::from_be_bytes(*ttl), &context[..cut]))
}

/// The data of a PING command.
pub fn ping_data(ttl_deciseconds: u16) -> [u8; 2] {
    ttl_deciseconds.to_be_bytes()
}

/// An ERROR's reason: `reason-len(1) reason`. Trailing bytes are tolerated
/// (as libzmq). The reason is decoded lossily.
pub fn parse_error(data: &[u8]) -> Result<String, Error> {
    let (&len, rest) = data.split_first().ok_or(malformed("ERROR"))?;
    let reason = rest.get(..usize::from(len)).ok_or(malformed("ERROR"))?;
    Ok(String::from_utf8_lossy(reason).into_owned())
}

/// The data of an ERROR command (reason cut to 255 bytes).
pub fn error_data(reason: &str) -> Vec<u8> {
    let r = &reason.as_bytes()[..reason.len().min(ERROR_MAX_REASON)];
    let mut v = Vec::with_capacity(r.len() + 1);
    v.push(u8::try_from(r.len()).unwrap_or(u8::MAX));
    v.extend_from_slice(r);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_commands() {
        let c = parse(b"\x05READYabc").unwrap();
        assert_eq!(c.name, b"READY");
        assert_eq!(c.data, b"abc");
        assert_eq!(parse(b"\x04PING").unwrap().data, b"");
        assert!(parse(b"").is_err());
        assert!(parse(b"\x00").is_err());
        assert!(parse(b"\x06READY").is_err());
        assert!(parse(b"\xffX").is_err());
    }

    #[test]
    fn libzmq_plain_error_is_an_error() {
        let c = parse_handshake(b"\x5eRROR\x03400").unwrap();
        assert_eq!((c.name, c.data), (ERROR, &b"\x03400"[..]));
        assert!(parse(b"\x5eRROR\x03400").is_err());
        let c = parse_handshake(b"\x05ERROR\x03400").unwrap();
        assert_eq!((c.name, c.data), (ERROR, &b"\x03400"[..]));
    }

    #[test]
    fn properties_round_trip() {
        let mut out = Vec::new();
        write_property(&mut out, b"Socket-Type", b"DEALER");
        write_property(&mut out, b"Identity", b"");
        write_property(&mut out, b"X-Big", &[7u8; 300]);
        write_property(&mut out, b"", b"skipped");
        write_property(&mut out, &[b'n'; 256], b"skipped");
        let props: Vec<_> = Properties::new(&out, "READY")
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(props.len(), 3);
        assert_eq!(props[0], (&b"Socket-Type"[..], &b"DEALER"[..]));
        assert_eq!(props[1], (&b"Identity"[..], &b""[..]));
        assert_eq!(props[2].1.len(), 300);
        // Every truncation is an error, never a panic.
        for cut in 1..out.len() {
            let r: Result<Vec<_>, _> = Properties::new(&out[..cut], "READY").collect();
            let complete = [22usize, 22 + 13].contains(&cut);
            assert_eq!(r.is_ok(), complete, "cut {cut}");
            if let Err(e) = r {
                assert_eq!(e, Error::MalformedCommand { command: "READY" });
            }
        }
        // A value length beyond the data.
        let bad = b"\x01A\xff\xff\xff\xffxyz";
        assert!(Properties::new(bad, "READY").any(|p| p.is_err()));
        assert!(Properties::new(b"\x00\x00\x00\x00\x00", "READY").any(|p| p.is_err()));
    }

    #[test]
    fn ping_pong_error() {
        assert_eq!(parse_ping(&[0, 10]).unwrap(), (10, &b""[..]));
        assert_eq!(parse_ping(&[1, 0, 9]).unwrap(), (256, &[9u8][..]));
        assert!(parse_ping(&[1]).is_err());
        assert!(parse_ping(&[]).is_err());
        let mut long = vec![0, 1];
        long.extend_from_slice(&[0; 16]);
        assert!(parse_ping(&long).is_ok());
        long.push(0);
        assert_eq!(
            parse_ping(&long),
            Err(Error::MalformedCommand { command: "PING" })
        );
        assert_eq!(ping_data(600), [2, 88]);
        let mut long = vec![0, 7];
        long.extend_from_slice(&[b'z'; 58]);
        assert_eq!(parse_ping_truncated(&long).unwrap(), (7, &[b'z'; 16][..]));
        assert_eq!(parse_ping_truncated(&[0, 1, 5]).unwrap(), (1, &[5u8][..]));
        assert!(parse_ping_truncated(&[1]).is_err());

        assert_eq!(parse_error(&error_data("boom")).unwrap(), "boom");
        assert_eq!(parse_error(b"\x02ok trailing").unwrap(), "ok");
        assert!(parse_error(b"").is_err());
        assert!(parse_error(b"\x05abc").is_err());
        let long = "x".repeat(300);
        assert_eq!(error_data(&long).len(), 256);
        assert_eq!(parse_error(b"\x02\xff\xfe").unwrap(), "\u{fffd}\u{fffd}");
    }
}
