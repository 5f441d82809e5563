//! Frame decoder and input buffering. Lives on the I/O thread that owns the
//! connection.
//!
//! Input arrives through [`Decoder::read_buf`] + [`Decoder::commit`]:
//! - normally into one internal buffer of [`READ_BUF_SIZE`] bytes, reused for
//!   the life of the connection and decoded in place, many frames per read;
//! - once a frame whose body is larger than [`DIRECT_MIN`] is found and its
//!   body has not fully arrived, into that frame's own body buffer (the bytes
//!   already buffered are copied over once). That buffer starts at
//!   min(size, [`BODY_CHUNK`]) and doubles only when it is full, capped at the
//!   declared size: memory follows the bytes actually received, never the
//!   size the peer declared.
//!
//! Frames whose body is complete in the internal buffer are handed out as a
//! borrowed slice; the caller copies them (inline up to 33 bytes, otherwise
//! into an exact-size allocation), so a retained small message never pins the
//! read buffer. Large bodies become the message's own buffer with no copy.
//!
//! The size of every frame is checked against the caller's limit as soon as
//! its header is complete, before anything is allocated for it.

use super::error::Error;
use super::frame::{Framing, COMMAND, LONG, MAX_BODY, MORE};
use crate::msg::Msg;

/// The internal read buffer.
pub(crate) const READ_BUF_SIZE: usize = 16 * 1024;
/// Bodies larger than this that have not fully arrived are read straight into
/// their own buffer; smaller ones are completed in the read buffer.
pub(crate) const DIRECT_MIN: usize = 8 * 1024;
/// First allocation for a direct body.
pub(crate) const BODY_CHUNK: usize = 64 * 1024;
/// Move undecoded bytes to the front when less than this is free at the end.
const COMPACT_BELOW: usize = READ_BUF_SIZE / 2;

/// The size limit for the next frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// Before the handshake completes (`handshake_frame_cap`).
    Handshake(u64),
    /// Message frames (MAXMSGSIZE; `u64::MAX` for unlimited).
    Message(u64),
}

impl Limit {
    fn error(self, declared: u64) -> Error {
        match self {
            Limit::Handshake(_) => Error::HandshakeFrameTooLarge { declared },
            Limit::Message(_) => Error::MessageTooLarge { declared },
        }
    }

    fn max(self) -> u64 {
        match self {
            Limit::Handshake(m) | Limit::Message(m) => m,
        }
    }
}

/// A frame body: a slice of the read buffer or a buffer of its own.
#[derive(Debug)]
pub(crate) enum Body<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl Body<'_> {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Body::Borrowed(s) => s,
            Body::Owned(v) => v,
        }
    }

    /// The body as a message: borrowed bodies are copied (inline when small),
    /// owned ones are moved without copying.
    pub(crate) fn into_msg(self) -> Msg {
        match self {
            Body::Borrowed(s) => Msg::from_slice(s),
            Body::Owned(v) => Msg::from_vec(v),
        }
    }
}

/// One decoded frame. `flags` holds only MORE and (3.x) COMMAND.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    pub flags: u8,
    pub body: Body<'a>,
}

/// A frame body being read directly into its own buffer.
struct Large {
    flags: u8,
    size: usize,
    data: Vec<u8>,
    filled: usize,
}

pub(crate) struct Decoder {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    large: Option<Large>,
    framing: Framing,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

/// Parses a frame header: `(flags, body size, header length)`, or `None`
/// while incomplete.
fn parse_header(framing: Framing, b: &[u8]) -> Result<Option<(u8, u64, usize)>, Error> {
    let Some(&first) = b.first() else {
        return Ok(None);
    };
    let (flags, size, header_len) = match framing {
        Framing::V2 | Framing::V3 => {
            let keep = if framing == Framing::V3 {
                MORE | COMMAND
            } else {
                MORE
            };
            if first & LONG != 0 {
                let Some(size) = b.get(1..9).and_then(|s| s.first_chunk::<8>()) else {
                    return Ok(None);
                };
                (first & keep, u64::from_be_bytes(*size), 9)
            } else {
                let Some(&size) = b.get(1) else {
                    return Ok(None);
                };
                (first & keep, u64::from(size), 2)
            }
        }
        Framing::V1 => {
            // The length counts the flags octet.
            let (len, flags, header_len) = if first == 0xFF {
                let (Some(len), Some(&flags)) =
                    (b.get(1..9).and_then(|s| s.first_chunk::<8>()), b.get(9))
                else {
                    return Ok(None);
                };
                (u64::from_be_bytes(*len), flags, 10)
            } else {
                let Some(&flags) = b.get(1) else {
                    return Ok(None);
                };
                (u64::from(first), flags, 2)
            };
            let size = len.checked_sub(1).ok_or(Error::MalformedFrame)?;
            (flags & MORE, size, header_len)
        }
    };
    if size > MAX_BODY {
        return Err(Error::MalformedFrame);
    }
    Ok(Some((flags, size, header_len)))
}

impl Decoder {
    pub(crate) fn new() -> Decoder {
        Decoder {
            buf: vec![0; READ_BUF_SIZE],
            start: 0,
            end: 0,
            large: None,
            framing: Framing::V3,
        }
    }

    pub(crate) fn set_framing(&mut self, framing: Framing) {
        self.framing = framing;
    }

    /// Undecoded bytes in the read buffer (used for the greeting).
    pub(crate) fn peek(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Drops `n` bytes returned by [`Decoder::peek`].
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n.min(self.end - self.start);
    }

    /// Where the next read should go. Empty when undecoded input fills the
    /// buffer, or a direct body is complete: decode first.
    pub(crate) fn read_buf(&mut self) -> &mut [u8] {
        if let Some(l) = &mut self.large {
            if l.filled == l.data.len() && l.data.len() < l.size {
                let new_len = l.size.min(l.data.len().saturating_mul(2).max(BODY_CHUNK));
                l.data.reserve_exact(new_len - l.data.len());
                l.data.resize(new_len, 0);
            }
            return l.data.get_mut(l.filled..).unwrap_or_default();
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 && self.buf.len() - self.end < COMPACT_BELOW {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        self.buf.get_mut(self.end..).unwrap_or_default()
    }

    /// Records that `n` bytes were written into the last [`Decoder::read_buf`]
    /// (clamped to its length). Returns the bytes accepted.
    pub(crate) fn commit(&mut self, n: usize) -> usize {
        if let Some(l) = &mut self.large {
            let n = n.min(l.data.len() - l.filled);
            l.filled += n;
            return n;
        }
        let n = n.min(self.buf.len() - self.end);
        self.end += n;
        n
    }

    /// Bytes held for frames not yet delivered: undecoded input plus the
    /// allocation of a direct body in progress (the fixed read buffer itself
    /// is not counted).
    pub(crate) fn held(&self) -> usize {
        (self.end - self.start) + self.large.as_ref().map_or(0, |l| l.data.len())
    }

    /// Decodes the next frame, `Ok(None)` if more input is needed. The size is
    /// checked against `limit` before anything is allocated for the body.
    pub(crate) fn next_frame(&mut self, limit: Limit) -> Result<Option<Frame<'_>>, Error> {
        if let Some(l) = self.large.take_if(|l| l.filled >= l.size) {
            return Ok(Some(Frame {
                flags: l.flags,
                body: Body::Owned(l.data),
            }));
        }
        if self.large.is_some() {
            return Ok(None);
        }
        let pending = self.buf.get(self.start..self.end).unwrap_or_default();
        let Some((flags, size, header_len)) = parse_header(self.framing, pending)? else {
            return Ok(None);
        };
        if size > limit.max() {
            return Err(limit.error(size));
        }
        let size = usize::try_from(size).map_err(|_| limit.error(size))?;
        let body_start = self.start + header_len;
        let avail = self.end - body_start;
        if size <= avail {
            self.start = body_start + size;
            let body = self
                .buf
                .get(body_start..body_start + size)
                .unwrap_or_default();
            return Ok(Some(Frame {
                flags,
                body: Body::Borrowed(body),
            }));
        }
        if size > DIRECT_MIN {
            // Bytes arriving from now on go straight into the body. The first
            // allocation is bounded by BODY_CHUNK whatever the declared size.
            let first = size.min(BODY_CHUNK).max(avail);
            let mut data = vec![0u8; first];
            data[..avail].copy_from_slice(&self.buf[body_start..self.end]);
            self.start = 0;
            self.end = 0;
            self.large = Some(Large {
                flags,
                size,
                data,
                filled: avail,
            });
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::testutil::Rng;

    fn encode_v3(flags: u8, body: &[u8], long: bool) -> Vec<u8> {
        let mut v = Vec::new();
        if long || body.len() > 255 {
            v.push(flags | LONG);
            v.extend_from_slice(&(body.len() as u64).to_be_bytes());
        } else {
            v.push(flags);
            v.push(body.len() as u8);
        }
        v.extend_from_slice(body);
        v
    }

    /// Feeds `input` in chunks chosen by `chunk`, decoding eagerly; returns
    /// (flags, body) of every frame or the first error.
    fn decode_all(
        input: &[u8],
        framing: Framing,
        limit: Limit,
        mut chunk: impl FnMut(usize) -> usize,
    ) -> Result<Vec<(u8, Vec<u8>)>, Error> {
        let mut d = Decoder::new();
        d.set_framing(framing);
        let mut out = Vec::new();
        let mut pos = 0;
        loop {
            while let Some(f) = d.next_frame(limit)? {
                out.push((f.flags, f.body.as_slice().to_vec()));
            }
            if pos == input.len() {
                return Ok(out);
            }
            let buf = d.read_buf();
            assert!(!buf.is_empty(), "read_buf empty after decode");
            let n = chunk(input.len() - pos).min(buf.len());
            buf[..n].copy_from_slice(&input[pos..pos + n]);
            assert_eq!(d.commit(n), n);
            pos += n;
        }
    }

    fn sample(rng: &mut Rng) -> (Vec<u8>, Vec<(u8, Vec<u8>)>) {
        let mut wire = Vec::new();
        let mut frames = Vec::new();
        for _ in 0..rng.below(12) + 1 {
            let len = match rng.below(6) {
                0 => 0,
                1 => rng.below(34),
                2 => rng.below(300),
                3 => rng.below(5000),
                4 => DIRECT_MIN + rng.below(20_000),
                _ => rng.below(140_000),
            };
            let body = rng.bytes(len);
            let flags = (rng.next() as u8) & (MORE | COMMAND);
            let long = rng.below(4) == 0;
            wire.extend_from_slice(&encode_v3(
                flags | (0xF8 * (rng.below(2) as u8)),
                &body,
                long,
            ));
            frames.push((flags, body));
        }
        (wire, frames)
    }

    #[test]
    fn same_frames_whatever_the_chunking() {
        let mut rng = Rng::new(7);
        for round in 0..40 {
            let (wire, frames) = sample(&mut rng);
            let lim = Limit::Message(u64::MAX);
            let whole = decode_all(&wire, Framing::V3, lim, |r| r).unwrap();
            assert_eq!(whole, frames, "round {round}");
            let mut r2 = Rng::new(round);
            let random =
                decode_all(&wire, Framing::V3, lim, |r| 1 + r2.below(r.min(9000))).unwrap();
            assert_eq!(random, frames);
            if wire.len() < 40_000 {
                let bytewise = decode_all(&wire, Framing::V3, lim, |_| 1).unwrap();
                assert_eq!(bytewise, frames);
            }
        }
    }

    #[test]
    fn split_at_every_offset() {
        let mut rng = Rng::new(99);
        let mut wire = Vec::new();
        let mut frames = Vec::new();
        for len in [0usize, 1, 33, 34, 255, 256, 9000] {
            let body = rng.bytes(len);
            wire.extend_from_slice(&encode_v3(MORE, &body, false));
            frames.push((MORE, body));
        }
        for split in 0..=wire.len() {
            let mut first = true;
            let got = decode_all(&wire, Framing::V3, Limit::Message(u64::MAX), |r| {
                if std::mem::take(&mut first) {
                    split.max(1).min(r)
                } else {
                    r
                }
            })
            .unwrap();
            assert_eq!(got, frames, "split {split}");
        }
    }

    #[test]
    fn long_form_for_small_sizes_and_reserved_bits() {
        let mut wire = encode_v3(0, b"abc", true);
        wire.extend_from_slice(&[0xF9, 1, b'x']);
        let got = decode_all(&wire, Framing::V3, Limit::Message(10), |r| r).unwrap();
        assert_eq!(got, vec![(0, b"abc".to_vec()), (MORE, b"x".to_vec())]);
    }

    #[test]
    fn limits_checked_from_the_header() {
        // 1 GiB declared, 16 MiB limit: refused after the 9 header bytes.
        let mut d = Decoder::new();
        let hdr = encode_v3(0, &[], true);
        let mut hdr = hdr[..1].to_vec();
        hdr.extend_from_slice(&(1u64 << 30).to_be_bytes());
        d.read_buf()[..9].copy_from_slice(&hdr);
        d.commit(9);
        assert_eq!(
            d.next_frame(Limit::Message(16 << 20)).unwrap_err(),
            Error::MessageTooLarge { declared: 1 << 30 }
        );
        assert!(d.held() <= 9);
        let mut d = Decoder::new();
        d.read_buf()[..9].copy_from_slice(&hdr);
        d.commit(9);
        assert_eq!(
            d.next_frame(Limit::Handshake(65536)).unwrap_err(),
            Error::HandshakeFrameTooLarge { declared: 1 << 30 }
        );
        // 2^63 and above: malformed whatever the limit.
        let mut d = Decoder::new();
        let mut h = vec![LONG];
        h.extend_from_slice(&(1u64 << 63).to_be_bytes());
        d.read_buf()[..9].copy_from_slice(&h);
        d.commit(9);
        assert_eq!(
            d.next_frame(Limit::Message(u64::MAX)).unwrap_err(),
            Error::MalformedFrame
        );
    }

    #[test]
    fn huge_declared_frame_holds_only_what_arrived() {
        let mut d = Decoder::new();
        let mut h = vec![LONG];
        h.extend_from_slice(&(1u64 << 30).to_be_bytes());
        let lim = Limit::Message(u64::MAX);
        let mut sent = 0usize;
        let buf = d.read_buf();
        buf[..9].copy_from_slice(&h);
        d.commit(9);
        assert!(d.next_frame(lim).unwrap().is_none());
        while sent < 100 * 1024 {
            let buf = d.read_buf();
            assert!(!buf.is_empty());
            // The engine may read at most what read_buf offers.
            assert!(buf.len() <= (sent + BODY_CHUNK).max(BODY_CHUNK));
            let n = buf.len().min(4096);
            sent += d.commit(n);
            assert!(d.next_frame(lim).unwrap().is_none());
        }
        assert!(d.held() <= 2 * sent + BODY_CHUNK, "{}", d.held());
        assert!(d.held() <= 256 * 1024);
    }

    #[test]
    fn lazy_decoding_pauses_reading() {
        let mut d = Decoder::new();
        let frame = encode_v3(0, b"hello", false);
        let mut fed = 0;
        loop {
            let buf = d.read_buf();
            if buf.is_empty() {
                break;
            }
            let n = buf.len().min(frame.len());
            buf[..n].copy_from_slice(&frame[..n]);
            d.commit(n);
            fed += n;
            assert!(fed <= READ_BUF_SIZE);
        }
        assert_eq!(d.held(), READ_BUF_SIZE);
        let f = d.next_frame(Limit::Message(100)).unwrap().unwrap();
        assert_eq!(f.body.as_slice(), b"hello");
        assert!(!d.read_buf().is_empty());
    }

    #[test]
    fn v1_and_v2_framing() {
        // V1: length counts the flags octet; 0xFF escapes an 8-byte length.
        let mut wire = vec![4, 1, b'a', b'b', b'c', 1, 0];
        wire.push(0xFF);
        wire.extend_from_slice(&301u64.to_be_bytes());
        wire.push(0);
        wire.extend_from_slice(&[9; 300]);
        let got = decode_all(&wire, Framing::V1, Limit::Message(1000), |_| 1).unwrap();
        assert_eq!(
            got,
            vec![(MORE, b"abc".to_vec()), (0, vec![]), (0, vec![9; 300])]
        );
        assert_eq!(
            decode_all(&[0, 0], Framing::V1, Limit::Message(10), |r| r),
            Err(Error::MalformedFrame)
        );
        // V2: the COMMAND bit is reserved and ignored.
        let wire = [COMMAND | MORE, 1, b'z'];
        let got = decode_all(&wire, Framing::V2, Limit::Message(10), |r| r).unwrap();
        assert_eq!(got, vec![(MORE, b"z".to_vec())]);
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = Rng::new(3);
        for _ in 0..2000 {
            let len = rng.below(400);
            let wire = rng.bytes(len);
            for framing in [Framing::V1, Framing::V2, Framing::V3] {
                let _ = decode_all(&wire, framing, Limit::Message(1 << 20), |r| r);
            }
        }
    }
}
