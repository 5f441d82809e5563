//! The CURVE server: WELCOME on HELLO, READY on INITIATE (after ZAP, when
//! the caller asks for it).

use crypto_box::SalsaBox;
use crypto_secretbox::{KeyInit, XSalsa20Poly1305};
use zeroize::Zeroizing;

use super::client::{HELLO, HELLO_DATA, INITIATE, WELCOME};
use super::codec::CurveCodec;
use super::{
    long_key_box, long_nonce, open, public_from_secret, random, seal_into, shared, short_nonce,
    take, CurveConfig, Ephemeral, OurNonce, PeerNonce, SecretBytes, KEY_LEN,
};
use crate::zmtp::command::{self, Command};
use crate::zmtp::encoder::Encoder;
use crate::zmtp::error::Error;
use crate::zmtp::event::PeerInfo;
use crate::zmtp::mechanism::{peer_from_properties, send_error, SOCKET_TYPE_REASON};

/// INITIATE's smallest data: cookie, short nonce, Box[C + vouch].
pub(crate) const INITIATE_MIN_DATA: usize = 96 + 8 + 16 + 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    ExpectHello,
    ExpectInitiate,
    /// INITIATE checked; READY waits for the caller (ZAP).
    Authenticating,
    Done,
}

/// What one handshake command led to.
pub(crate) enum ServerStep {
    /// Waiting for the next command.
    Continue,
    /// The client is authentic; with `zap` set, `accept` or `refuse` must
    /// follow (READY or ERROR). `client_key` is its long-term key C.
    Authenticate {
        client_key: [u8; KEY_LEN],
        peer: PeerInfo,
    },
}

pub(crate) struct CurveServer {
    our_type: i32,
    secret: SecretBytes,
    public: [u8; KEY_LEN],
    ephemeral: Ephemeral,
    properties: Vec<u8>,
    state: State,
    ours: OurNonce,
    peer: PeerNonce,
    /// C' from HELLO.
    client_short: [u8; KEY_LEN],
    /// This connection's cookie key; dropped (zeroed) once INITIATE is in.
    cookie_key: Option<Zeroizing<[u8; 32]>>,
    /// Box(C', s') once INITIATE is open.
    session: Option<SalsaBox>,
}

impl CurveServer {
    pub(crate) fn new(
        cfg: &CurveConfig,
        our_type: i32,
        properties: Vec<u8>,
    ) -> Result<CurveServer, Error> {
        Ok(CurveServer {
            our_type,
            public: public_from_secret(cfg.secret.as_bytes()),
            secret: cfg.secret.clone(),
            ephemeral: Ephemeral::generate()?,
            properties,
            state: State::ExpectHello,
            ours: OurNonce::new(),
            peer: PeerNonce::default(),
            client_short: [0; KEY_LEN],
            cookie_key: None,
            session: None,
        })
    }

    pub(crate) fn on_command(
        &mut self,
        cmd: Command<'_>,
        enc: &mut Encoder,
    ) -> Result<ServerStep, Error> {
        match (cmd.name, self.state) {
            (HELLO, State::ExpectHello) => {
                self.on_hello(cmd.data, enc)?;
                Ok(ServerStep::Continue)
            }
            (INITIATE, State::ExpectInitiate) => self.on_initiate(cmd.data, enc),
            (command::ERROR, State::ExpectInitiate) => {
                Err(Error::PeerError(command::parse_error(cmd.data)?))
            }
            _ => Err(Error::UnexpectedCommand),
        }
    }

    fn on_hello(&mut self, data: &[u8], enc: &mut Encoder) -> Result<(), Error> {
        let malformed = Error::MalformedCommand { command: "HELLO" };
        if data.len() != HELLO_DATA {
            return Err(malformed);
        }
        let mut rest = data;
        if take::<2>(&mut rest) != Some(&[1, 0]) {
            return Err(malformed);
        }
        // The padding only makes HELLO as long as WELCOME; not checked.
        take::<72>(&mut rest).ok_or(Error::Cryptographic)?;
        let client_short = *take::<KEY_LEN>(&mut rest).ok_or(Error::Cryptographic)?;
        let nonce = u64::from_be_bytes(*take::<8>(&mut rest).ok_or(Error::Cryptographic)?);
        self.peer.accept(nonce)?;
        let key = long_key_box(&client_short, &self.secret);
        let plain = open(&key, &short_nonce(b"CurveZMQHELLO---", nonce), rest)?;
        if plain.iter().any(|&b| b != 0) {
            return Err(Error::Cryptographic);
        }
        self.client_short = client_short;

        // cookie = nonce + SecretBox[C' + s'](K), K fresh for this connection
        let cookie_key = Zeroizing::new(random::<32>()?);
        let cookie_nonce: [u8; 16] = random()?;
        let mut cookie_plain = Zeroizing::new([0u8; 64]);
        cookie_plain[..32].copy_from_slice(&client_short);
        cookie_plain[32..].copy_from_slice(&self.ephemeral.secret.to_bytes());
        let mut welcome_plain = Zeroizing::new(Vec::with_capacity(128));
        welcome_plain.extend_from_slice(&self.ephemeral.public);
        welcome_plain.extend_from_slice(&cookie_nonce);
        let cookie_box = XSalsa20Poly1305::new(cookie_key.as_ref().into());
        seal_into(
            &cookie_box,
            &long_nonce(b"COOKIE--", &cookie_nonce),
            &cookie_plain[..],
            &mut welcome_plain,
        )?;

        let welcome_nonce: [u8; 16] = random()?;
        let mut data = Vec::with_capacity(16 + 144);
        data.extend_from_slice(&welcome_nonce);
        seal_into(
            &key,
            &long_nonce(b"WELCOME-", &welcome_nonce),
            &welcome_plain,
            &mut data,
        )?;
        enc.command(WELCOME, &[&data]);
        self.cookie_key = Some(cookie_key);
        self.state = State::ExpectInitiate;
        Ok(())
    }

    fn on_initiate(&mut self, data: &[u8], enc: &mut Encoder) -> Result<ServerStep, Error> {
        if data.len() < INITIATE_MIN_DATA {
            return Err(Error::MalformedCommand {
                command: "INITIATE",
            });
        }
        let mut rest = data;
        let cookie_nonce = take::<16>(&mut rest).ok_or(Error::Cryptographic)?;
        let cookie = take::<80>(&mut rest).ok_or(Error::Cryptographic)?;
        let cookie_key = self.cookie_key.take().ok_or(Error::UnexpectedCommand)?;
        let cookie_box = XSalsa20Poly1305::new(cookie_key.as_ref().into());
        drop(cookie_key);
        let cookie_plain = open(&cookie_box, &long_nonce(b"COOKIE--", cookie_nonce), cookie)?;
        let our_short_secret = Zeroizing::new(self.ephemeral.secret.to_bytes());
        if cookie_plain[..32] != self.client_short || cookie_plain[32..] != our_short_secret[..] {
            return Err(Error::Cryptographic);
        }

        let nonce = u64::from_be_bytes(*take::<8>(&mut rest).ok_or(Error::Cryptographic)?);
        self.peer.accept(nonce)?;
        let session = shared(&self.client_short, &self.ephemeral.secret);
        let plain = open(&session, &short_nonce(b"CurveZMQINITIATE", nonce), rest)?;
        let mut inner = &plain[..];
        let client_key = *take::<KEY_LEN>(&mut inner).ok_or(Error::Cryptographic)?;
        let vouch_nonce = take::<16>(&mut inner).ok_or(Error::Cryptographic)?;
        let vouch = take::<80>(&mut inner).ok_or(Error::Cryptographic)?;
        let vouch_plain = open(
            &shared(&client_key, &self.ephemeral.secret),
            &long_nonce(b"VOUCH---", vouch_nonce),
            vouch,
        )?;
        // The vouch binds C' to C, and to us (S): no replay to another server.
        if vouch_plain[..32] != self.client_short || vouch_plain[32..] != self.public {
            return Err(Error::KeyExchange);
        }
        let peer = match peer_from_properties(self.our_type, inner, "INITIATE") {
            Err(Error::SocketTypeMismatch) => {
                send_error(enc, SOCKET_TYPE_REASON);
                return Err(Error::SocketTypeMismatch);
            }
            other => other?,
        };
        self.session = Some(session);
        self.state = State::Authenticating;
        Ok(ServerStep::Authenticate { client_key, peer })
    }

    /// Sends READY; the handshake is done.
    pub(crate) fn accept(&mut self, enc: &mut Encoder) -> Result<CurveCodec, Error> {
        if self.state != State::Authenticating {
            return Err(Error::UnexpectedCommand);
        }
        let session = self.session.take().ok_or(Error::UnexpectedCommand)?;
        let nonce = self.ours.next()?;
        let mut data = Vec::with_capacity(8 + 16 + self.properties.len());
        data.extend_from_slice(&nonce.to_be_bytes());
        seal_into(
            &session,
            &short_nonce(b"CurveZMQREADY---", nonce),
            &self.properties,
            &mut data,
        )?;
        enc.command(command::READY, &[&data]);
        self.state = State::Done;
        Ok(CurveCodec::new(session, false, self.ours, self.peer))
    }

    /// Sends ERROR with a ZAP status code (or any reason) instead of READY.
    pub(crate) fn refuse(&mut self, enc: &mut Encoder, reason: &str) {
        self.session = None;
        self.state = State::Done;
        send_error(enc, reason);
    }
}
