//! The CURVE client: HELLO, then INITIATE on WELCOME, done on READY.

use crypto_box::SalsaBox;
use zeroize::Zeroizing;

use super::codec::{CurveCodec, MIN_MESSAGE};
use super::{
    long_key_box, long_nonce, open, random, seal_into, shared, short_nonce, take, Ephemeral,
    OurNonce, PeerNonce, SecretBytes, KEY_LEN,
};
use crate::zmtp::command::{self, Command};
use crate::zmtp::encoder::Encoder;
use crate::zmtp::error::Error;
use crate::zmtp::event::PeerInfo;
use crate::zmtp::mechanism::{peer_error, peer_from_properties, CurveKeys, Local, Mechanism, Step};

pub(crate) const HELLO: &[u8] = b"HELLO";
pub(crate) const WELCOME: &[u8] = b"WELCOME";
pub(crate) const INITIATE: &[u8] = b"INITIATE";

/// HELLO's data after its name: version, padding, C', nonce, box.
pub(crate) const HELLO_DATA: usize = 2 + 72 + KEY_LEN + 8 + 80;
/// WELCOME's data after its name: long nonce and Box[S' + cookie].
pub(crate) const WELCOME_DATA: usize = 16 + 144;
/// READY's smallest data: short nonce and an empty box.
pub(crate) const READY_MIN_DATA: usize = 8 + 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SendHello,
    ExpectWelcome,
    ExpectReady,
    Done,
}

pub(crate) struct CurveClient {
    our_type: i32,
    public: [u8; KEY_LEN],
    secret: SecretBytes,
    server: [u8; KEY_LEN],
    ephemeral: Ephemeral,
    properties: Vec<u8>,
    state: State,
    ours: OurNonce,
    peer: PeerNonce,
    /// Box(S, c'), from HELLO until WELCOME is open.
    hello_key: Option<SalsaBox>,
    /// Box(S', c') once WELCOME is open.
    session: Option<SalsaBox>,
    /// The traffic boxes once READY is open.
    codec: Option<CurveCodec>,
}

impl CurveClient {
    pub(crate) fn new(keys: &CurveKeys, local: Local) -> Result<CurveClient, Error> {
        Ok(CurveClient {
            our_type: local.socket_type,
            public: keys.public_key,
            secret: keys.secret_key.clone(),
            server: keys.server_key,
            ephemeral: Ephemeral::generate()?,
            properties: local.properties,
            state: State::SendHello,
            ours: OurNonce::new(),
            peer: PeerNonce::default(),
            hello_key: None,
            session: None,
            codec: None,
        })
    }

    /// Queues HELLO.
    fn send_hello(&mut self, enc: &mut Encoder) -> Result<(), Error> {
        if self.state != State::SendHello {
            return Ok(());
        }
        let nonce = self.ours.next()?;
        let mut data = Vec::with_capacity(HELLO_DATA);
        data.extend_from_slice(&[1, 0]);
        data.resize(2 + 72, 0);
        data.extend_from_slice(&self.ephemeral.public);
        data.extend_from_slice(&nonce.to_be_bytes());
        let key = shared(&self.server, &self.ephemeral.secret);
        seal_into(
            &key,
            &short_nonce(b"CurveZMQHELLO---", nonce),
            &[0; 64],
            &mut data,
        )?;
        enc.command(HELLO, &[&data]);
        self.hello_key = Some(key);
        self.state = State::ExpectWelcome;
        Ok(())
    }

    fn on_welcome(&mut self, data: &[u8], enc: &mut Encoder) -> Result<(), Error> {
        if data.len() != WELCOME_DATA {
            return Err(Error::MalformedCommand { command: "WELCOME" });
        }
        let mut rest = data;
        let nonce = take::<16>(&mut rest).ok_or(Error::Cryptographic)?;
        let key = self.hello_key.take().ok_or(Error::UnexpectedCommand)?;
        let plain = open(&key, &long_nonce(b"WELCOME-", nonce), rest)?;
        let mut plain_rest = &plain[..];
        let server_short = *take::<KEY_LEN>(&mut plain_rest).ok_or(Error::Cryptographic)?;
        let cookie = take::<96>(&mut plain_rest).ok_or(Error::Cryptographic)?;
        let session = shared(&server_short, &self.ephemeral.secret);

        // vouch = nonce + Box[C' + S](C->S')
        let vouch_nonce: [u8; 16] = random()?;
        let mut vouch_plain = Zeroizing::new([0u8; 64]);
        vouch_plain[..32].copy_from_slice(&self.ephemeral.public);
        vouch_plain[32..].copy_from_slice(&self.server);
        let mut inner = Zeroizing::new(Vec::with_capacity(128 + self.properties.len()));
        inner.extend_from_slice(&self.public);
        inner.extend_from_slice(&vouch_nonce);
        seal_into(
            &long_key_box(&server_short, &self.secret),
            &long_nonce(b"VOUCH---", &vouch_nonce),
            &vouch_plain[..],
            &mut inner,
        )?;
        inner.extend_from_slice(&self.properties);

        let nonce = self.ours.next()?;
        let mut data = Vec::with_capacity(96 + 8 + 16 + inner.len());
        data.extend_from_slice(cookie);
        data.extend_from_slice(&nonce.to_be_bytes());
        seal_into(
            &session,
            &short_nonce(b"CurveZMQINITIATE", nonce),
            &inner,
            &mut data,
        )?;
        enc.command(INITIATE, &[&data]);
        self.session = Some(session);
        self.state = State::ExpectReady;
        Ok(())
    }

    fn on_ready(&mut self, data: &[u8]) -> Result<PeerInfo, Error> {
        if data.len() < READY_MIN_DATA {
            return Err(Error::MalformedCommand { command: "READY" });
        }
        let mut rest = data;
        let nonce = u64::from_be_bytes(*take::<8>(&mut rest).ok_or(Error::Cryptographic)?);
        let session = self.session.take().ok_or(Error::UnexpectedCommand)?;
        let mut peer = self.peer;
        peer.accept(nonce)?;
        let plain = open(&session, &short_nonce(b"CurveZMQREADY---", nonce), rest)?;
        let info = peer_from_properties(self.our_type, &plain, "READY")?;
        self.state = State::Done;
        self.codec = Some(CurveCodec::new(session, true, self.ours, peer));
        Ok(info)
    }
}

impl Mechanism for CurveClient {
    fn start(&mut self, out: &mut Encoder) -> Result<Step, Error> {
        self.send_hello(out)?;
        Ok(Step::Continue)
    }

    /// WELCOME, READY or ERROR, each in its place.
    fn on_command(&mut self, cmd: Command<'_>, out: &mut Encoder) -> Result<Step, Error> {
        match (cmd.name, self.state) {
            (WELCOME, State::ExpectWelcome) => {
                self.on_welcome(cmd.data, out)?;
                Ok(Step::Continue)
            }
            (command::READY, State::ExpectReady) => self.on_ready(cmd.data).map(Step::Done),
            (command::ERROR, State::ExpectWelcome | State::ExpectReady) => {
                Err(peer_error(cmd.data))
            }
            _ => Err(Error::UnexpectedCommand),
        }
    }

    fn wraps_frames(&self) -> bool {
        true
    }

    fn frame_overhead(&self) -> u64 {
        MIN_MESSAGE as u64
    }

    fn encode(&mut self, flags: u8, parts: &[&[u8]], out: &mut Vec<u8>) -> Result<(), Error> {
        let codec = self.codec.as_mut().ok_or(Error::NotReady)?;
        codec.encode(flags, parts, out)
    }

    fn decode(&mut self, body: &[u8]) -> Result<(u8, Vec<u8>), Error> {
        let codec = self.codec.as_mut().ok_or(Error::UnexpectedCommand)?;
        codec.decode(body).map(|p| p.into_parts())
    }
}
