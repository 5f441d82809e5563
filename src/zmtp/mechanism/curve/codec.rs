//! CURVE's per-frame encryption after the handshake: every frame, data or
//! command, becomes one MESSAGE command boxed with the short-term keys.

use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::AeadInPlace;
use crypto_box::SalsaBox;

use super::{short_nonce, OurNonce, PeerNonce, TAG_LEN};
use crate::zmtp::error::Error;
use crate::zmtp::frame::{COMMAND, MORE};

/// The MESSAGE command name with its length byte.
const MESSAGE: &[u8; 8] = b"\x07MESSAGE";
/// Name, short nonce, tag.
const HEADER_LEN: usize = 8 + 8 + TAG_LEN;
/// The smallest MESSAGE: header and the flags byte.
pub(crate) const MIN_MESSAGE: usize = HEADER_LEN + 1;

/// The flags byte inside the box is libzmq's message flags, not ZMTP's
/// frame flags: MORE is bit 0 in both, COMMAND is bit 1 here, bit 2 there.
pub(crate) const INNER_MORE: u8 = 1;
pub(crate) const INNER_COMMAND: u8 = 2;

fn to_inner(frame_flags: u8) -> u8 {
    let more = if frame_flags & MORE != 0 {
        INNER_MORE
    } else {
        0
    };
    let command = if frame_flags & COMMAND != 0 {
        INNER_COMMAND
    } else {
        0
    };
    more | command
}

fn to_frame(inner: u8) -> u8 {
    let more = if inner & INNER_MORE != 0 { MORE } else { 0 };
    let command = if inner & INNER_COMMAND != 0 {
        COMMAND
    } else {
        0
    };
    more | command
}

/// One decrypted frame: its ZMTP frame `flags` (MORE/COMMAND) and body.
#[derive(Debug)]
pub(crate) struct Plain {
    pub(crate) flags: u8,
    /// The flags byte followed by the body.
    buf: Vec<u8>,
}

impl Plain {
    /// (flags, body): the body moved down over the flags byte.
    pub(crate) fn into_parts(mut self) -> (u8, Vec<u8>) {
        if !self.buf.is_empty() {
            self.buf.remove(0);
        }
        (self.flags, self.buf)
    }
}

/// The connection's boxes after the handshake.
pub(crate) struct CurveCodec {
    key: SalsaBox,
    send_prefix: &'static [u8; 16],
    recv_prefix: &'static [u8; 16],
    ours: OurNonce,
    peer: PeerNonce,
}

impl std::fmt::Debug for CurveCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveCodec")
            .field("send_prefix", &self.send_prefix)
            .finish_non_exhaustive()
    }
}

pub(crate) const CLIENT_PREFIX: &[u8; 16] = b"CurveZMQMESSAGEC";
pub(crate) const SERVER_PREFIX: &[u8; 16] = b"CurveZMQMESSAGES";

impl CurveCodec {
    /// `key` is the precomputed short-term box; `ours`/`peer` carry on the
    /// handshake's nonce sequences.
    pub(crate) fn new(key: SalsaBox, client: bool, ours: OurNonce, peer: PeerNonce) -> Self {
        let (send_prefix, recv_prefix) = if client {
            (CLIENT_PREFIX, SERVER_PREFIX)
        } else {
            (SERVER_PREFIX, CLIENT_PREFIX)
        };
        CurveCodec {
            key,
            send_prefix,
            recv_prefix,
            ours,
            peer,
        }
    }

    /// The MESSAGE command (the body of one ZMTP frame, flags 0) carrying a
    /// frame with ZMTP `flags` (MORE/COMMAND) whose body is `parts`
    /// concatenated.
    /// Appended to `out`.
    pub(crate) fn encode(
        &mut self,
        flags: u8,
        parts: &[&[u8]],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let nonce = self.ours.next()?;
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let start = out.len();
        out.reserve(MIN_MESSAGE + len);
        out.extend_from_slice(MESSAGE);
        out.extend_from_slice(&nonce.to_be_bytes());
        out.resize(start + HEADER_LEN, 0);
        out.push(to_inner(flags));
        for p in parts {
            out.extend_from_slice(p);
        }
        let (head, plain) = out[start..].split_at_mut(HEADER_LEN);
        let tag = self
            .key
            .encrypt_in_place_detached(
                GenericArray::from_slice(&short_nonce(self.send_prefix, nonce)),
                b"",
                plain,
            )
            .map_err(|_| Error::Cryptographic)?;
        head[16..].copy_from_slice(&tag);
        Ok(())
    }

    /// Opens one MESSAGE command (a whole frame body). Anything else, a
    /// short or tampered box, or a nonce not above the last one is an error.
    pub(crate) fn decode(&mut self, body: &[u8]) -> Result<Plain, Error> {
        let Some(rest) = body.strip_prefix(MESSAGE) else {
            return Err(Error::UnexpectedCommand);
        };
        if body.len() < MIN_MESSAGE {
            return Err(Error::MalformedCommand { command: "MESSAGE" });
        }
        let (nonce, rest) = rest
            .split_first_chunk::<8>()
            .ok_or(Error::MalformedCommand { command: "MESSAGE" })?;
        let (tag, cipher) = rest
            .split_first_chunk::<TAG_LEN>()
            .ok_or(Error::MalformedCommand { command: "MESSAGE" })?;
        let nonce = u64::from_be_bytes(*nonce);
        let mut peer = self.peer;
        peer.accept(nonce)?;
        let mut buf = cipher.to_vec();
        self.key
            .decrypt_in_place_detached(
                GenericArray::from_slice(&short_nonce(self.recv_prefix, nonce)),
                b"",
                &mut buf,
                GenericArray::from_slice(tag),
            )
            .map_err(|_| Error::Cryptographic)?;
        // Only an authentic box advances the sequence.
        self.peer = peer;
        let flags = to_frame(buf.first().copied().unwrap_or(0));
        Ok(Plain { flags, buf })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_mapping() {
        assert_eq!(to_inner(0), 0);
        assert_eq!(to_inner(MORE), INNER_MORE);
        assert_eq!(to_inner(COMMAND), INNER_COMMAND);
        assert_eq!(to_inner(0xFF), INNER_MORE | INNER_COMMAND);
        for f in [0, MORE, COMMAND, MORE | COMMAND] {
            assert_eq!(to_frame(to_inner(f)), f);
        }
        assert_eq!(to_frame(0xFC), 0);
    }
}
