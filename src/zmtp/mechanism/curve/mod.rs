//! The CURVE mechanism (RFC 26 CurveZMQ as ZMTP 3 carries it, RFC 25):
//! shared pieces of the client and server state machines. Sans-I/O like the
//! rest of `zmtp`; randomness (short-term keys, cookie key, long nonces)
//! comes from the OS through `getrandom`.
//!
//! Wire layout (libzmq's, which interop needs byte for byte):
//! - HELLO    200 bytes: name, version 1.0, 72 zero bytes of anti-amplification
//!   padding, C', short nonce, Box[64 zero bytes](C'->S).
//! - WELCOME  168 bytes: name, 16-byte long nonce, Box[S' + cookie](S->C').
//!   The cookie is a 16-byte nonce + SecretBox[C' + s'](K) with a fresh key
//!   K per connection, forgotten once INITIATE is checked.
//! - INITIATE >= 257 bytes: name, cookie, short nonce,
//!   Box[C + vouch + metadata](C'->S'); vouch = 16-byte nonce + Box[C' + S](C->S').
//! - READY    >= 30 bytes: name, short nonce, Box[metadata](S'->C').
//! - MESSAGE  >= 33 bytes: name, short nonce, Box[flags + body](short-term
//!   keys). Every frame after the handshake, data or command, travels as one
//!   MESSAGE inside a plain ZMTP frame with flags 0 (as libzmq sends it);
//!   the inner flags byte carries MORE (bit 0) and COMMAND (bit 1).
//!
//! Short nonces are strictly increasing per direction: ours start at 1
//! (HELLO/READY) and a received one must exceed the last one received (the
//! first, HELLO's or READY's, may be anything, as libzmq accepts).

mod client;
mod codec;
mod server;

#[cfg(test)]
mod conn_tests;
#[cfg(test)]
mod tests;

pub(crate) use client::CurveClient;
pub(crate) use server::CurveServer;

use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::AeadInPlace;
use crypto_box::{PublicKey, SalsaBox, SecretKey};
use zeroize::Zeroizing;

use super::{Local, Mechanism, Role, Security};
use crate::zmtp::command::Command;
use crate::zmtp::encoder::Encoder;
use crate::zmtp::error::Error;

/// Length of every CURVE key, public or secret.
pub const KEY_LEN: usize = 32;
/// Poly1305 tag length: a box is this much longer than its plaintext.
pub(crate) const TAG_LEN: usize = 16;

/// A long-term secret key; zeroed on drop and never printed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretBytes(Zeroizing<[u8; KEY_LEN]>);

impl SecretBytes {
    pub fn new(bytes: [u8; KEY_LEN]) -> SecretBytes {
        SecretBytes(Zeroizing::new(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    fn to_key(&self) -> SecretKey {
        SecretKey::from_bytes(*self.0)
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBytes(..)")
    }
}

/// The CURVE mechanism for `security`'s role. If the OS cannot give us
/// random bytes for the short-term keys, the handshake fails at once.
pub(crate) fn new(security: &Security, local: Local) -> Box<dyn Mechanism> {
    let made: Result<Box<dyn Mechanism>, Error> = match security.role {
        Role::Client => CurveClient::new(&security.curve, local).map(|c| Box::new(c) as _),
        Role::Server => CurveServer::new(security, local).map(|s| Box::new(s) as _),
    };
    made.unwrap_or_else(|e| Box::new(Failed(e)))
}

/// A CURVE side that could not be set up.
struct Failed(Error);

impl Mechanism for Failed {
    fn start(&mut self, _out: &mut Encoder) -> Result<super::Step, Error> {
        Err(self.0.clone())
    }

    fn on_command(&mut self, _cmd: Command<'_>, _out: &mut Encoder) -> Result<super::Step, Error> {
        Err(self.0.clone())
    }
}

/// The public key belonging to a secret key (zmq_curve_public).
pub fn public_from_secret(secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    SecretKey::from_bytes(*secret).public_key().to_bytes()
}

/// A fresh key pair (public, secret) from the OS RNG (zmq_curve_keypair).
pub fn generate_keypair() -> Result<([u8; KEY_LEN], SecretBytes), Error> {
    let secret = SecretBytes::new(random()?);
    Ok((public_from_secret(secret.as_bytes()), secret))
}

/// Random bytes from the OS. A failing RNG fails the handshake: no key or
/// nonce is ever made from anything else.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| Error::Cryptographic)?;
    Ok(out)
}

/// A short-term key pair, generated per connection.
pub(crate) struct Ephemeral {
    pub(crate) public: [u8; KEY_LEN],
    pub(crate) secret: SecretKey,
}

impl Ephemeral {
    pub(crate) fn generate() -> Result<Ephemeral, Error> {
        let secret = SecretKey::from_bytes(random()?);
        Ok(Ephemeral {
            public: secret.public_key().to_bytes(),
            secret,
        })
    }
}

/// The precomputed box key between one public and one secret key; its
/// shared key is zeroed when dropped (crypto_secretbox's Drop).
pub(crate) fn shared(public: &[u8; KEY_LEN], secret: &SecretKey) -> SalsaBox {
    SalsaBox::new(&PublicKey::from_bytes(*public), secret)
}

pub(crate) fn long_key_box(public: &[u8; KEY_LEN], secret: &SecretBytes) -> SalsaBox {
    shared(public, &secret.to_key())
}

/// A 24-byte nonce: a 16-byte prefix and a big-endian 8-byte short nonce.
pub(crate) fn short_nonce(prefix: &[u8; 16], n: u64) -> [u8; 24] {
    let mut out = [0u8; 24];
    out[..16].copy_from_slice(prefix);
    out[16..].copy_from_slice(&n.to_be_bytes());
    out
}

/// A 24-byte nonce: an 8-byte prefix and 16 bytes sent alongside the box.
pub(crate) fn long_nonce(prefix: &[u8; 8], tail: &[u8; 16]) -> [u8; 24] {
    let mut out = [0u8; 24];
    out[..8].copy_from_slice(prefix);
    out[8..].copy_from_slice(tail);
    out
}

/// Boxes `plain` into `out` (appended): the 16-byte tag, then the cipher
/// text, NaCl's layout.
pub(crate) fn seal_into<A: AeadInPlace>(
    key: &A,
    nonce: &[u8; 24],
    plain: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let start = out.len();
    out.resize(start + TAG_LEN, 0);
    out.extend_from_slice(plain);
    let (head, body) = out.split_at_mut(start + TAG_LEN);
    let tag = key
        .encrypt_in_place_detached(GenericArray::from_slice(nonce), b"", body)
        .map_err(|_| Error::Cryptographic)?;
    head[start..].copy_from_slice(&tag);
    Ok(())
}

/// Opens a box (tag then cipher text); the plaintext is zeroed on drop.
pub(crate) fn open<A: AeadInPlace>(
    key: &A,
    nonce: &[u8; 24],
    boxed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let (tag, cipher) = boxed
        .split_at_checked(TAG_LEN)
        .ok_or(Error::Cryptographic)?;
    let mut plain = Zeroizing::new(cipher.to_vec());
    key.decrypt_in_place_detached(
        GenericArray::from_slice(nonce),
        b"",
        &mut plain,
        GenericArray::from_slice(tag),
    )
    .map_err(|_| Error::Cryptographic)?;
    Ok(plain)
}

/// Takes an exact-size array off the front of `data`.
pub(crate) fn take<'a, const N: usize>(data: &mut &'a [u8]) -> Option<&'a [u8; N]> {
    let (head, rest) = data.split_first_chunk::<N>()?;
    *data = rest;
    Some(head)
}

/// The last short nonce received from the peer; each new one must exceed
/// it (replayed or reordered commands are refused). The first may be any
/// value: libzmq's own test client starts HELLO at 0.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PeerNonce(Option<u64>);

impl PeerNonce {
    pub(crate) fn accept(&mut self, nonce: u64) -> Result<(), Error> {
        if self.0.is_some_and(|last| nonce <= last) {
            return Err(Error::InvalidSequence);
        }
        self.0 = Some(nonce);
        Ok(())
    }
}

/// Our next short nonce.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OurNonce(u64);

impl OurNonce {
    pub(crate) fn new() -> OurNonce {
        OurNonce(1)
    }

    /// The nonce to use now; refuses to wrap (2^64 messages never happen,
    /// but a repeated nonce would break the cipher).
    pub(crate) fn next(&mut self) -> Result<u64, Error> {
        let n = self.0;
        self.0 = n.checked_add(1).ok_or(Error::InvalidSequence)?;
        Ok(n)
    }
}
